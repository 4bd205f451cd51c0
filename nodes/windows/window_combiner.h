#pragma once
// What the instances of a two-phase tumbling or hopping window share (window_aligned.cpp): the
// phase each instance plays, and the WindowCombiner the partial instances hand their closed
// windows to.
//
// Checkpoints: a partial that has passed checkpoint N's barrier may hand over windows before the
// merger has aligned N; those belong after the checkpoint (the partial's snapshot still holds
// them as open), so the combiner keeps each hand-over under the newest barrier its partial had
// passed, and the merger's snapshot of N takes only those from before N.
#include <map>
#include <mutex>

#include "nodes/windows/window_common.h"

namespace riffle::windows {

enum class Phase { Whole, Partial, Merge };

// The windows the partial instances have closed, merged across instances, until the merger
// emits them.
class WindowCombiner {
public:
    explicit WindowCombiner(const agg::AggregateSet& aggregates) : m_aggregates(aggregates) {}

    struct Closed {
        TimeUs start = 0;
        GroupMap groups;
    };

    // A partial hands over a window it closed; `epoch` is the newest checkpoint barrier it has
    // passed.
    void deposit(int64_t epoch, TimeUs start, TimeUs end, GroupMap& groups) {
        std::lock_guard lock(m_mutex);
        mergeInto(m_epochs[epoch][end], start, groups);
    }

    // Every window that ends at or before `wm`, by end.
    std::map<TimeUs, Closed> takeUpTo(TimeUs wm) {
        std::lock_guard lock(m_mutex);
        std::map<TimeUs, Closed> out;
        for (auto& [epoch, windows] : m_epochs) {
            auto last = windows.upper_bound(wm);
            for (auto it = windows.begin(); it != last; ++it)
                mergeInto(out[it->first], it->second.start, it->second.groups);
            windows.erase(windows.begin(), last);
        }
        std::erase_if(m_epochs, [](const auto& e) { return e.second.empty(); });
        return out;
    }

    // The windows handed over before checkpoint `checkpointId`'s barrier (every one for a final
    // state, id 0).
    void save(int64_t checkpointId, checkpoint::StateWriter& w) {
        std::lock_guard lock(m_mutex);
        std::vector<const std::map<TimeUs, Closed>*> kept;
        for (const auto& [epoch, windows] : m_epochs)
            if (checkpointId <= 0 || epoch < checkpointId) kept.push_back(&windows);
        w.u64(kept.size());
        for (const auto* windows : kept) {
            w.u64(windows->size());
            for (const auto& [end, c] : *windows) {
                w.i64(c.start);
                w.i64(end);
                saveGroups(c.groups, m_aggregates, w);
            }
        }
    }

    void load(checkpoint::StateReader& r) {
        std::lock_guard lock(m_mutex);
        m_epochs.clear();
        for (uint64_t n = r.count(); n > 0 && r.ok(); --n)
            for (uint64_t k = r.count(); k > 0 && r.ok(); --k) {
                const TimeUs start = r.i64();
                const TimeUs end = r.i64();
                GroupMap groups;
                loadGroups(groups, m_aggregates, r);
                mergeInto(m_epochs[0][end], start, groups);  // before any barrier of this run
            }
    }

    StateSize size() {
        std::lock_guard lock(m_mutex);
        StateSize s{0, 0, "groups in closed windows waiting to be merged"};
        for (const auto& [epoch, windows] : m_epochs)
            for (const auto& [end, w] : windows) addGroupsState(w.groups, m_aggregates, s);
        return s;
    }

private:
    void mergeInto(Closed& w, TimeUs start, GroupMap& groups) {
        w.start = start;
        for (auto& [key, g] : groups) {
            auto [it, inserted] = w.groups.try_emplace(key);
            if (inserted)
                it->second = std::move(g);
            else
                m_aggregates.merge(*it->second.state, *g.state);
        }
    }

    const agg::AggregateSet m_aggregates;  // immutable, so shared by the threads of the partials
    std::mutex m_mutex;
    std::map<int64_t, std::map<TimeUs, Closed>> m_epochs;  // by the depositors' epoch, then end
};

}  // namespace riffle::windows
