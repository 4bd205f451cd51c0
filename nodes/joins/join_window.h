#pragma once
// join.window: what its operator holds right now, for tests and state displays. The semantics
// are described at the top of join_window.cpp.
#include <cstddef>

namespace riffle {

struct WindowJoinStateSize {
    size_t windows = 0;    // open windows: those holding at least one buffered event
    size_t leftRows = 0;   // buffered left events, over every open window
    size_t rightRows = 0;  // buffered right events, over every open window
    size_t keys = 0;       // distinct keys indexed, over both sides and every open window
};

// Implemented by the join.window operator; reach it with dynamic_cast from Operator*.
// Threading: as the operator's (call it between, never during, its other calls).
class WindowJoinIntrospection {
public:
    virtual ~WindowJoinIntrospection() = default;
    virtual WindowJoinStateSize joinState() const = 0;
};

}  // namespace riffle
