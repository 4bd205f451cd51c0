#pragma once
// Per-node counters, written by the worker running the node with relaxed atomics and sampled by
// the runner's progress line, the final table and the studio. No locks, no ordering guarantees
// beyond "eventually visible", which is all a rate display needs.
#include <atomic>
#include <cstdint>
#include <string>

#include "engine/core/types.h"

namespace riffle {

struct NodeMetrics {
    std::atomic<int64_t> eventsIn{0};
    std::atomic<int64_t> eventsOut{0};  // rows emitted on regular output ports
    std::atomic<int64_t> errors{0};     // rows emitted on the `errors` port
    std::atomic<int64_t> late{0};       // rows emitted on the `late` port
    std::atomic<int64_t> warnings{0};   // per-event warnings (division by zero, bad cast)
    std::atomic<int64_t> dropped{0};    // events a push source had to drop under overload
    std::atomic<int64_t> watermark{kMinTime};
    std::atomic<int64_t> queueFillPermille{0};  // fullest input queue, 0..1000
    std::atomic<int64_t> busyNs{0};             // time spent inside the operator

    void add(std::atomic<int64_t>& c, int64_t n) { c.fetch_add(n, std::memory_order_relaxed); }
    static int64_t get(const std::atomic<int64_t>& c) { return c.load(std::memory_order_relaxed); }
};

}  // namespace riffle
