#pragma once
// Per-node counters, written by the worker running the node with relaxed atomics and sampled by
// the runner's progress line, the final table and the studio. No locks, no ordering guarantees
// beyond "eventually visible", which is all a rate display needs. The one exception is a
// connector's link state with its reason text, which changes a few times per run and is guarded
// by a mutex (setLink / linkReason).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "engine/core/types.h"

namespace riffle {

// Where a connector stands with its peer (broker, server): shown on the node in the studio and
// in riffle-run's table. None for nodes that connect to nothing.
enum class LinkState : int { None = 0, Connecting = 1, Connected = 2 };

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

    // Times a connector lost its peer and retried; counted after the link says Connecting, so a
    // reader that sees the count sees that state.
    std::atomic<int64_t> reconnects{0};
    // What a stateful node holds between events (Operator::stateSize), sampled a few times a
    // second on its worker: now, and the most since the run started.
    std::atomic<int64_t> stateKeys{0};
    std::atomic<int64_t> stateBytes{0};
    std::atomic<int64_t> stateKeysPeak{0};
    std::atomic<int64_t> stateBytesPeak{0};

    void add(std::atomic<int64_t>& c, int64_t n) { c.fetch_add(n, std::memory_order_relaxed); }
    static int64_t get(const std::atomic<int64_t>& c) { return c.load(std::memory_order_relaxed); }

    // Any thread. `reason` says why a connector is (still) connecting: "connection refused by
    // 127.0.0.1:1883, retrying in 2 s".
    void setLink(LinkState state, std::string reason = {}) {
        std::lock_guard lock(m_linkMutex);
        m_linkReason = std::move(reason);
        m_link.store(static_cast<int>(state), std::memory_order_relaxed);
    }
    LinkState link() const {
        return static_cast<LinkState>(m_link.load(std::memory_order_relaxed));
    }
    std::string linkReason() const {
        std::lock_guard lock(m_linkMutex);
        return m_linkReason;
    }

private:
    std::atomic<int> m_link{0};
    mutable std::mutex m_linkMutex;
    std::string m_linkReason;
};

inline std::string_view linkStateName(LinkState state) {
    switch (state) {
        case LinkState::Connecting:
            return "connecting";
        case LinkState::Connected:
            return "connected";
        case LinkState::None:
            break;
    }
    return "";
}

}  // namespace riffle
