#pragma once
// The two clocks, named once for the whole engine and every node.
//  - The wall clock: microseconds since the Unix epoch, as event times are written. Processing
//    time, a run's start, a recording's timestamps. It may jump (NTP, the user).
//  - The steady clock: for intervals, rates, timeouts and deadlines; it never goes back.
// Threading: any thread.
#include <chrono>
#include <cstdint>

namespace riffle {

inline int64_t wallClockUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

inline int64_t steadyClockNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
inline int64_t steadyClockUs() {
    return steadyClockNs() / 1000;
}
inline int64_t steadyClockMs() {
    return steadyClockNs() / 1'000'000;
}

}  // namespace riffle
