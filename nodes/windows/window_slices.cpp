#include "nodes/windows/window_slices.h"

#include <algorithm>
#include <numeric>

namespace riffle::windows {

bool aggregatesOnSlices(int64_t sizeUs, int64_t slideUs, const agg::AggregateSet& aggregates) {
    if (sizeUs <= slideUs) return false;
    for (size_t i = 0; i < aggregates.size(); ++i) {
        const agg::Function f = aggregates.function(i);
        if (f == agg::Function::FirstValue || f == agg::Function::LastValue) return false;
    }
    return true;
}

namespace {

// One group's aggregate over one slice; `changed` is the operator's stamp when an event last
// updated it.
struct SliceAggregate {
    TimeUs start = 0;
    agg::StatePtr state;
    uint64_t changed = 0;
};

// A group: its group_by values, its slices and its two stacks (see window_slices.h).
struct SlicedGroup {
    std::vector<Value> key;
    std::vector<SliceAggregate> slices;  // by start; the live ones are [head, size)
    size_t head = 0;
    // Front stack: front[i] combines the slices from front[i].first up to frontEnd; the live
    // entries are [frontHead, size).
    std::vector<std::pair<TimeUs, agg::StatePtr>> front;
    size_t frontHead = 0;
    TimeUs frontEnd = kMinTime;
    // Back: the slices in [frontEnd, backEnd), combined (null when there are none).
    agg::StatePtr back;
    TimeUs backEnd = kMinTime;
    bool stacksValid = false;  // false once an event changed a slice the stacks had combined

    auto liveBegin() { return slices.begin() + static_cast<std::ptrdiff_t>(head); }
    // The first live slice that starts at or after t.
    auto firstFrom(TimeUs t) {
        return std::lower_bound(liveBegin(), slices.end(), t,
                                [](const SliceAggregate& s, TimeUs v) { return s.start < v; });
    }
};

// What the operator knows of a slice any group has: the ends of the first and the last window
// that contain it, and the newest stamp of a change to it.
struct SliceInfo {
    TimeUs firstEnd = 0, lastEnd = 0;
    uint64_t changed = 0;
};

// A window that may still fire: its start, whether it has fired on time, and the stamp when its
// rows were last shown (groups changed after that are the ones a re-firing shows).
struct WindowInfo {
    TimeUs start = 0;
    bool fired = false;
    uint64_t shown = 0;
};

class SlicedWindowOperator : public Operator {
public:
    SlicedWindowOperator(const OperatorContext& ctx, int64_t sizeUs, int64_t slideUs, Phase phase,
                         std::shared_ptr<WindowCombiner> combiner)
        : m_phase(phase),
          m_combiner(std::move(combiner)),
          m_settings(WindowSettings::from(ctx.config)),
          m_sizeUs(sizeUs),
          m_slideUs(slideUs),
          m_widthUs(std::gcd(sizeUs, slideUs)),
          m_aggregates(
              agg::AggregateSet::compile(m_settings.aggregates, *ctx.inputSchemas.at(0)).value()),
          m_keys(*ctx.inputSchemas.at(0), m_settings.groupBy),
          m_writer(m_aggregates, m_settings.groupBy.size(), ctx.metrics),
          m_metrics(ctx.metrics),
          m_scratch(m_aggregates.newState()),
          m_invertible(m_aggregates.invertible()) {
        for (size_t i = 0; i < m_aggregates.size(); ++i)
            if (m_aggregates.function(i) == agg::Function::CountDistinct) m_useStacks = false;
    }

    void process(int, const Batch& in, Emitter& out) override {
        expr::EvalStats stats;
        m_aggregates.evaluateArguments(in, m_args, stats);
        if (stats.warnings) m_metrics->add(m_metrics->warnings, stats.warnings);
        m_late.clear();
        bool refire = false;
        const auto& times = in.times();
        SliceInfo* slice = nullptr;
        TimeUs sliceStart = 0;
        for (size_t r = 0; r < in.rows(); ++r) {
            const TimeUs t = times[r];
            if (!slice || t < sliceStart || t - sliceStart >= m_widthUs) {
                sliceStart = floorTo(t, m_widthUs);
                slice = sliceInfo(sliceStart);
                if (!slice) {  // every window of the slice has closed for good
                    m_late.push_back(static_cast<uint32_t>(r));
                    continue;
                }
            }
            SlicedGroup& g = groupOf(in, r);
            SliceAggregate& s = sliceOf(g, sliceStart);
            m_aggregates.accumulate(*s.state, m_args, r);
            s.changed = slice->changed = m_stamp;
            if (sliceStart < g.backEnd) g.stacksValid = false;
            // A window of the slice that the watermark has passed (allowed lateness) fires now.
            if (slice->firstEnd <= m_watermark) refire = true;
        }
        pushLate(in, m_late, out);
        if (refire) {
            for (auto& [end, w] : m_windows) {
                if (end > m_watermark) break;
                if (!changedSince(w.start, end, w.shown)) continue;
                writeChanged(w, end, out);
                w.fired = true;
            }
            endEmission();
            m_writer.flush(out);
        }
    }

    void onWatermark(TimeUs wm, Emitter& out) override {
        m_watermark = wm;
        bool closed = false;
        for (auto it = m_windows.begin(); it != m_windows.end() && it->first <= wm;) {
            const TimeUs end = it->first;
            WindowInfo& w = it->second;
            const bool closes = end + m_settings.allowedLatenessUs <= wm;
            if (m_phase == Phase::Partial) {
                GroupMap groups;
                for (auto& [key, g] : m_groups)
                    if (const agg::State* s = onTime(g, w.start, end)) {
                        Group& copy = groups[key];
                        copy.state = m_aggregates.newState();
                        m_aggregates.merge(*copy.state, *s);
                        copy.key = g.key;
                    }
                m_combiner->deposit(m_epoch, w.start, end, groups);
            } else if (!w.fired) {
                for (auto& [key, g] : m_groups)
                    if (const agg::State* s = onTime(g, w.start, end))
                        m_writer.writeWindowRow(*s, g.key, w.start, end, closes, out);
                w.fired = true;
                w.shown = m_stamp;
            } else if (closes) {
                for (auto& [key, g] : m_groups)
                    if (combine(g, w.start, end, 0))
                        m_writer.writeWindowRow(*m_scratch, g.key, w.start, end, true, out);
            }
            if (closes) {
                it = m_windows.erase(it);
                closed = true;
            } else {
                ++it;
            }
        }
        endEmission();
        m_writer.flush(out);
        if (closed) evict();
    }

    int64_t timerIntervalUs() const override { return m_settings.emitEveryUs; }

    // Early firings: every window not yet fired, with the groups changed since it was last shown.
    void onTimer(TimeUs, Emitter& out) override {
        for (auto& [end, w] : m_windows) {
            if (w.fired || !changedSince(w.start, end, w.shown)) continue;
            writeChanged(w, end, out);
        }
        endEmission();
        m_writer.flush(out);
    }

    // Walking every state takes long with many slices: a full count every 16th call, and in
    // between the bytes per state of the last one times the states in use.
    StateSize stateSize() const override {
        StateSize size{static_cast<int64_t>(m_groups.size()), 0, "groups in open windows"};
        if (m_sizeCalls++ % 16 != 0 && m_countedStates > 0) {
            size.bytes = static_cast<int64_t>(m_countedBytes * m_inUse / m_countedStates);
            return size;
        }
        constexpr size_t kEntryBytes =
            sizeof(std::pair<const std::string, SlicedGroup>) + 2 * sizeof(void*);
        size_t bytes = m_groups.bucket_count() * sizeof(void*);
        for (const auto& [key, g] : m_groups) {
            bytes += kEntryBytes + heapBytes(key) + valuesBytes(g.key) +
                     g.slices.capacity() * sizeof(SliceAggregate) +
                     g.front.capacity() * sizeof(g.front[0]);
            for (size_t i = g.head; i < g.slices.size(); ++i)
                bytes += m_aggregates.stateBytes(*g.slices[i].state);
            for (size_t i = g.frontHead; i < g.front.size(); ++i)
                bytes += m_aggregates.stateBytes(*g.front[i].second);
            if (g.back) bytes += m_aggregates.stateBytes(*g.back);
        }
        bytes += m_slices.size() * (sizeof(std::pair<const TimeUs, SliceInfo>) + 4 * sizeof(void*));
        bytes +=
            m_windows.size() * (sizeof(std::pair<const TimeUs, WindowInfo>) + 4 * sizeof(void*));
        size.bytes = static_cast<int64_t>(bytes);
        m_countedBytes = bytes;
        m_countedStates = std::max<size_t>(m_inUse, 1);
        return size;
    }

    // Checkpoints: the watermark, the stamp, the windows that may still fire, and every group's
    // slices; the stacks are rebuilt from the slices.
    void snapshotState(checkpoint::StateWriter& w) override {
        if (m_phase == Phase::Partial && w.checkpointId() > 0) m_epoch = w.checkpointId();
        w.i64(m_watermark);
        w.u64(m_stamp);
        w.u64(m_windows.size());
        for (const auto& [end, win] : m_windows) {
            w.i64(win.start);
            w.i64(end);
            w.boolean(win.fired);
            w.u64(win.shown);
        }
        w.u64(m_groups.size());
        for (const auto& [key, g] : m_groups) {
            w.bytes(key);
            saveValues(g.key, w);
            w.u64(g.slices.size() - g.head);
            for (size_t i = g.head; i < g.slices.size(); ++i) {
                w.i64(g.slices[i].start);
                w.u64(g.slices[i].changed);
                m_aggregates.save(*g.slices[i].state, w);
            }
        }
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_windows.clear();
        m_groups.clear();
        m_spare.clear();
        m_inUse = 0;
        m_slices.clear();
        m_watermark = r.i64();
        m_stamp = r.u64();
        for (uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            WindowInfo win;
            win.start = r.i64();
            const TimeUs end = r.i64();
            win.fired = r.boolean();
            win.shown = r.u64();
            if (!m_windows.emplace(end, win).second) r.fail();
        }
        for (uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            std::string key = r.bytes();
            SlicedGroup g;
            g.key = loadValues(r);
            for (uint64_t k = r.count(); k > 0 && r.ok(); --k) {
                SliceAggregate s;
                s.start = r.i64();
                s.changed = r.u64();
                s.state = acquire();
                m_aggregates.load(*s.state, r);
                if (!g.slices.empty() && g.slices.back().start >= s.start) r.fail();
                SliceInfo& info = m_slices.try_emplace(s.start, windowsOf(s.start)).first->second;
                info.changed = std::max(info.changed, s.changed);
                g.slices.push_back(std::move(s));
            }
            if (!m_groups.emplace(std::move(key), std::move(g)).second) r.fail();
        }
        return Status::ok();
    }

private:
    // The slice that starts at `start`, known from now on; null when every window containing it
    // has closed for good (its events are late). A new slice opens the windows containing it that
    // have not closed.
    SliceInfo* sliceInfo(TimeUs start) {
        auto it = m_slices.find(start);
        if (it != m_slices.end())
            return it->second.lastEnd + m_settings.allowedLatenessUs <= m_watermark ? nullptr
                                                                                    : &it->second;
        const SliceInfo info = windowsOf(start);
        if (info.lastEnd + m_settings.allowedLatenessUs <= m_watermark) return nullptr;
        for (TimeUs end = info.firstEnd; end <= info.lastEnd; end += m_slideUs)
            if (end + m_settings.allowedLatenessUs > m_watermark)
                m_windows.try_emplace(end, WindowInfo{end - m_sizeUs});
        return &m_slices.emplace(start, info).first->second;
    }

    // The windows containing the slice that starts at `start`: those that start at a multiple of
    // slide in [start + width - size, start].
    SliceInfo windowsOf(TimeUs start) const {
        const TimeUs first = -floorTo(-(start + m_widthUs - m_sizeUs), m_slideUs);
        return {first + m_sizeUs, floorTo(start, m_slideUs) + m_sizeUs, 0};
    }

    SlicedGroup& groupOf(const Batch& in, size_t row) {
        const std::string& key = m_keys.encode(in, row);
        auto it = m_groups.find(key);
        if (it != m_groups.end()) return it->second;
        SlicedGroup g;
        for (int c : m_keys.columns()) g.key.push_back(in.get(row, static_cast<size_t>(c)));
        return m_groups.emplace(key, std::move(g)).first->second;
    }

    SliceAggregate& sliceOf(SlicedGroup& g, TimeUs start) {
        auto& v = g.slices;
        if (v.size() > g.head && v.back().start == start) return v.back();
        if (v.size() == g.head || v.back().start < start) {
            v.push_back({start, acquire(), 0});
            return v.back();
        }
        auto it = g.firstFrom(start);
        if (it->start == start) return *it;  // it exists: the last slice starts after `start`
        return *v.insert(it, {start, acquire(), 0});
    }

    // The group's result for window [start, end) at its on-time firing (windows fire in order of
    // end), or null when it has no events in it. The state is the group's own or the scratch one,
    // valid until the next call.
    const agg::State* onTime(SlicedGroup& g, TimeUs start, TimeUs end) {
        auto first = g.firstFrom(start);
        if (first == g.slices.end() || first->start >= end) return nullptr;
        auto second = std::next(first);
        if (second == g.slices.end() || second->start >= end) return first->state.get();
        if (m_invertible) return running(g, start, end);
        if (!m_useStacks) return combine(g, start, end, 0) ? m_scratch.get() : nullptr;
        if (!g.stacksValid || end < g.backEnd) {
            clearStacks(g);
            g.stacksValid = true;
        }
        while (g.frontHead < g.front.size() && g.front[g.frontHead].first < start)
            release(std::move(g.front[g.frontHead++].second));
        if (g.frontHead == g.front.size()) {
            // Flip: suffix combinations of the window's slices, newest first.
            clearStacks(g);
            for (auto it = g.firstFrom(end); it != first;) {
                --it;
                agg::StatePtr suffix = acquire();
                m_aggregates.merge(*suffix, *it->state);
                if (!g.front.empty()) m_aggregates.merge(*suffix, *g.front.back().second);
                g.front.emplace_back(it->start, std::move(suffix));
            }
            std::reverse(g.front.begin(), g.front.end());
            g.frontEnd = g.backEnd = end;
            return g.front.front().second.get();
        }
        for (auto it = g.firstFrom(g.backEnd); it != g.slices.end() && it->start < end; ++it) {
            if (!g.back) g.back = acquire();
            m_aggregates.merge(*g.back, *it->state);
        }
        g.backEnd = end;
        const agg::State& front = *g.front[g.frontHead].second;
        if (!g.back) return &front;
        m_aggregates.reset(*m_scratch);
        m_aggregates.merge(*m_scratch, front);
        m_aggregates.merge(*m_scratch, *g.back);
        return m_scratch.get();
    }

    // onTime() of an invertible set: the group's running combination (`back`, of the slices in
    // [frontEnd, backEnd)) takes out the slices that left and adds those that came.
    const agg::State* running(SlicedGroup& g, TimeUs start, TimeUs end) {
        // It covers part of the window: take out what left, add what came.
        bool valid =
            g.stacksValid && g.back && start >= g.frontEnd && start < g.backEnd && end >= g.backEnd;
        if (valid)
            for (auto it = g.firstFrom(g.frontEnd); valid && it->start < start; ++it)
                valid = m_aggregates.subtract(*g.back, *it->state);
        if (valid) {
            for (auto it = g.firstFrom(g.backEnd); it != g.slices.end() && it->start < end; ++it)
                m_aggregates.merge(*g.back, *it->state);
        } else {
            if (g.back)
                m_aggregates.reset(*g.back);
            else
                g.back = acquire();
            for (auto it = g.firstFrom(start); it != g.slices.end() && it->start < end; ++it)
                m_aggregates.merge(*g.back, *it->state);
        }
        g.frontEnd = start;
        g.backEnd = end;
        g.stacksValid = true;
        return g.back.get();
    }

    // Merges the group's slices in [start, end) into the scratch state when one of them changed
    // after stamp `since`; false (and the scratch state undefined) otherwise.
    bool combine(SlicedGroup& g, TimeUs start, TimeUs end, uint64_t since) {
        auto first = g.firstFrom(start);
        bool changed = false;
        for (auto it = first; it != g.slices.end() && it->start < end && !changed; ++it)
            changed = it->changed > since;
        if (!changed) return false;
        m_aggregates.reset(*m_scratch);
        for (auto it = first; it != g.slices.end() && it->start < end; ++it)
            m_aggregates.merge(*m_scratch, *it->state);
        return true;
    }

    bool changedSince(TimeUs start, TimeUs end, uint64_t since) const {
        for (auto it = m_slices.lower_bound(start); it != m_slices.end() && it->first < end; ++it)
            if (it->second.changed > since) return true;
        return false;
    }

    // The groups of window `w` changed since it was last shown, as not final.
    void writeChanged(WindowInfo& w, TimeUs end, Emitter& out) {
        for (auto& [key, g] : m_groups)
            if (combine(g, w.start, end, w.shown))
                m_writer.writeWindowRow(*m_scratch, g.key, w.start, end, false, out);
        w.shown = m_stamp;
    }

    // After rows were shown: later changes get a newer stamp.
    void endEmission() { ++m_stamp; }

    // Frees the slices no window that may still fire contains, and the groups left without any.
    void evict() {
        TimeUs keepFrom = kMaxTime;
        for (auto it = m_slices.begin(); it != m_slices.end();) {
            if (it->second.lastEnd + m_settings.allowedLatenessUs > m_watermark) {
                keepFrom = it->first;
                break;
            }
            it = m_slices.erase(it);
        }
        for (auto it = m_groups.begin(); it != m_groups.end();) {
            SlicedGroup& g = it->second;
            while (g.head < g.slices.size() && g.slices[g.head].start < keepFrom) {
                SliceAggregate& s = g.slices[g.head++];
                // A running combination lets go of the slice first (running()).
                if (m_invertible && g.stacksValid && g.back && s.start >= g.frontEnd &&
                    s.start < g.backEnd) {
                    g.stacksValid = m_aggregates.subtract(*g.back, *s.state);
                    g.frontEnd = s.start + m_widthUs;
                }
                release(std::move(s.state));
            }
            if (g.head == g.slices.size()) {
                clearStacks(g);
                it = m_groups.erase(it);
                continue;
            }
            if (g.head >= 16 && g.head * 2 >= g.slices.size()) {
                g.slices.erase(g.slices.begin(), g.liveBegin());
                g.head = 0;
            }
            ++it;
        }
    }

    void clearStacks(SlicedGroup& g) {
        for (size_t i = g.frontHead; i < g.front.size(); ++i) release(std::move(g.front[i].second));
        g.front.clear();
        g.frontHead = 0;
        if (g.back) release(std::move(g.back));
        g.back = nullptr;
        g.frontEnd = g.backEnd = kMinTime;
    }

    // Aggregate states are reused: a freed one goes to a pool, cleared when taken again. The
    // pool holds at most as many as are in use (a flip takes a window's worth at once).
    agg::StatePtr acquire() {
        ++m_inUse;
        if (m_spare.empty()) return m_aggregates.newState();
        agg::StatePtr s = std::move(m_spare.back());
        m_spare.pop_back();
        m_aggregates.reset(*s);
        return s;
    }
    void release(agg::StatePtr&& s) {
        --m_inUse;
        if (m_spare.size() < std::max<size_t>(1024, m_inUse)) m_spare.push_back(std::move(s));
        s.reset();
    }

    Phase m_phase;
    std::shared_ptr<WindowCombiner> m_combiner;
    WindowSettings m_settings;
    int64_t m_sizeUs, m_slideUs, m_widthUs;
    agg::AggregateSet m_aggregates;
    GroupKeyEncoder m_keys;
    ResultWriter m_writer;
    NodeMetrics* m_metrics;
    agg::Arguments m_args;
    bool m_useStacks = true;  // else merges the slices of each window
    std::unordered_map<std::string, SlicedGroup> m_groups;
    std::map<TimeUs, SliceInfo> m_slices;    // by start
    std::map<TimeUs, WindowInfo> m_windows;  // by end
    agg::StatePtr m_scratch;
    bool m_invertible;  // on-time firings subtract slices (running()) instead of keeping stacks
    std::vector<agg::StatePtr> m_spare;
    size_t m_inUse = 0;                // states taken by acquire() and not released
    mutable uint64_t m_sizeCalls = 0;  // stateSize(): calls, and the last full count
    mutable size_t m_countedBytes = 0, m_countedStates = 0;
    std::vector<uint32_t> m_late;
    TimeUs m_watermark = kMinTime;
    uint64_t m_stamp = 1;
    int64_t m_epoch = 0;  // a partial: the newest checkpoint barrier it has passed
};

}  // namespace

std::unique_ptr<Operator> makeSlicedWindow(const OperatorContext& ctx, int64_t sizeUs,
                                           int64_t slideUs, Phase phase,
                                           std::shared_ptr<WindowCombiner> combiner) {
    return std::make_unique<SlicedWindowOperator>(ctx, sizeUs, slideUs, phase, std::move(combiner));
}

}  // namespace riffle::windows
