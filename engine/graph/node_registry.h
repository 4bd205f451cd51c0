#pragma once
// The catalog of node types. Built once at start-up by registerBuiltinNodes() (nodes/), then only
// read, so it may be shared between threads without locks.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/graph/node_spec.h"

namespace riffle {

class NodeRegistry {
public:
    // Adds the `errors` output port and checks the declaration (unique id, help on every param).
    void add(NodeSpec spec);
    const NodeSpec* find(std::string_view typeId) const;
    std::vector<const NodeSpec*> all() const;  // sorted by category, then type id
    // Closest type ids to a misspelled one, for "did you mean" hints.
    std::string suggest(std::string_view typeId) const;

private:
    std::map<std::string, std::unique_ptr<NodeSpec>, std::less<>> m_specs;
};

// Levenshtein distance, used for "did you mean" hints.
size_t editDistance(std::string_view a, std::string_view b);

}  // namespace riffle
