#pragma once
// A checkpoint barrier (docs/checkpoints.md): injected by every source at the checkpoint
// interval, carried in-band behind the rows emitted before it, like a progress marker
// (progress_marker.h), and aligned where a node has several inputs: once it has arrived on every
// input, the node saves its state and passes the barrier on. Every node's state then reflects
// exactly the rows emitted before the barrier. When the last sink has passed it, the checkpoint
// is whole and `onComplete` runs, once, on that worker.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/checkpoint/checkpoint_store.h"

namespace riffle {

class Barrier {
public:
    // `holders`: the sources that will inject it (each releases its hold once it has).
    Barrier(int64_t id, int64_t takenAtUs, int holders, std::function<void(Barrier&)> onComplete)
        : m_id(id),
          m_takenAtUs(takenAtUs),
          m_holders(holders),
          m_onComplete(std::move(onComplete)) {}
    Barrier(const Barrier&) = delete;
    Barrier& operator=(const Barrier&) = delete;

    int64_t id() const { return m_id; }
    int64_t takenAtUs() const { return m_takenAtUs; }
    // One more holder per wire it travels on; released where it arrives.
    void hold(int n) { m_holders.fetch_add(n, std::memory_order_relaxed); }
    void release(int n = 1) {
        if (n > 0 && m_holders.fetch_sub(n, std::memory_order_acq_rel) == n && m_onComplete)
            m_onComplete(*this);
    }
    // A node's saved state; any thread.
    void add(checkpoint::NodeState state) {
        std::lock_guard lock(m_mutex);
        m_states.push_back(std::move(state));
    }
    std::vector<checkpoint::NodeState> takeStates() {
        std::lock_guard lock(m_mutex);
        return std::move(m_states);
    }

private:
    int64_t m_id;
    int64_t m_takenAtUs;
    std::atomic<int> m_holders;
    std::function<void(Barrier&)> m_onComplete;
    std::mutex m_mutex;
    std::vector<checkpoint::NodeState> m_states;
};

using BarrierPtr = std::shared_ptr<Barrier>;

}  // namespace riffle
