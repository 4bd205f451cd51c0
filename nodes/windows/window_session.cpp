// window.session: per group, a session collects events until `gap` passes without one; a
// session is [first event, last event + gap). An event opens [t, t + gap), which merges with
// every open session of its group that it overlaps or touches, so an event that bridges two
// sessions merges them. A session fires when the watermark reaches its end; see window_common.h
// for firing, lateness and the `final` flag.
//
// A session that has closed (end + allowed_lateness <= watermark, its final row emitted) is
// forgotten, as in Flink: an event is late when the session it forms with the open sessions of
// its group has closed. An event a little behind the watermark that would have extended a closed
// session therefore starts a new session, which may overlap the closed one in time.
#include <queue>

#include "engine/graph/node_registry.h"
#include "nodes/register_builtin_nodes.h"
#include "nodes/windows/window_common.h"

namespace riffle::windows {

namespace {

class SessionWindowOperator : public Operator {
public:
    explicit SessionWindowOperator(const OperatorContext& ctx)
        : m_settings(WindowSettings::from(ctx.config)),
          m_gapUs(ctx.config.getDurationUs("gap")),
          m_aggregates(
              agg::AggregateSet::compile(m_settings.aggregates, *ctx.inputSchemas.at(0)).value()),
          m_keys(*ctx.inputSchemas.at(0), m_settings.groupBy),
          m_writer(m_aggregates, m_settings.groupBy.size(), ctx.metrics),
          m_metrics(ctx.metrics) {}

    void process(int, const Batch& in, Emitter& out) override {
        expr::EvalStats stats;
        m_aggregates.evaluateArguments(in, m_args, stats);
        if (stats.warnings) m_metrics->add(m_metrics->warnings, stats.warnings);
        m_late.clear();
        const auto& times = in.times();
        bool refire = false;
        for (size_t r = 0; r < in.rows(); ++r) {
            const TimeUs t = times[r];
            const std::string& key = m_keys.encode(in, r);
            auto [it, inserted] = m_keys_sessions.try_emplace(key);
            Keyed& k = it->second;
            if (inserted)
                for (int c : m_keys.columns()) k.key.push_back(in.get(r, static_cast<size_t>(c)));
            // Sessions of this key that [t, t + gap) touches merge with it.
            TimeUs start = t, end = t + m_gapUs;
            size_t first = k.sessions.size(), last = 0;
            for (size_t i = 0; i < k.sessions.size(); ++i) {
                const Session& s = k.sessions[i];
                if (s.start <= t + m_gapUs && t <= s.end) {  // touching sessions merge, as in Flink
                    first = std::min(first, i);
                    last = i;
                    start = std::min(start, s.start);
                    end = std::max(end, s.end);
                }
            }
            if (end + m_settings.allowedLatenessUs <= m_watermark) {
                if (inserted && k.sessions.empty()) m_keys_sessions.erase(it);
                m_late.push_back(static_cast<uint32_t>(r));
                continue;
            }
            Session* target;
            if (first == k.sessions.size()) {
                Session s;
                s.state = m_aggregates.newState();
                auto pos = std::lower_bound(k.sessions.begin(), k.sessions.end(), start,
                                            [](const Session& a, TimeUs v) { return a.start < v; });
                target = &*k.sessions.insert(pos, std::move(s));
            } else {
                // Merge sessions first..last into `first`, in order (earlier events first).
                Session& into = k.sessions[first];
                for (size_t i = first + 1; i <= last; ++i) {
                    m_aggregates.merge(*into.state, *k.sessions[i].state);
                    into.fired = into.fired || k.sessions[i].fired;
                }
                k.sessions.erase(k.sessions.begin() + static_cast<long>(first) + 1,
                                 k.sessions.begin() + static_cast<long>(last) + 1);
                target = &into;
            }
            target->start = start;
            target->end = end;
            target->dirty = true;
            m_aggregates.accumulate(*target->state, m_args, r);
            // The watermark has passed this session's end (a late event within allowed
            // lateness): it fires now, whether it fired before or this event opened it.
            if (end <= m_watermark) target->fired = true;
            refire = refire || target->fired;
            m_due.push({target->fired ? end + m_settings.allowedLatenessUs : end, key});
        }
        pushLate(in, m_late, out);
        if (refire) {
            for (auto& [key, k] : m_keys_sessions)
                for (Session& s : k.sessions)
                    if (s.fired && s.dirty) writeSession(k, s, false, out);
            m_writer.flush(out);
        }
    }

    void onWatermark(TimeUs wm, Emitter& out) override {
        m_watermark = wm;
        while (!m_due.empty() && m_due.top().first <= wm) {
            const std::string key = m_due.top().second;
            m_due.pop();
            auto it = m_keys_sessions.find(key);
            if (it == m_keys_sessions.end()) continue;
            Keyed& k = it->second;
            for (size_t i = 0; i < k.sessions.size();) {
                Session& s = k.sessions[i];
                const bool closes = s.end + m_settings.allowedLatenessUs <= wm;
                if (s.end <= wm && !s.fired) {
                    writeSession(k, s, closes, out);
                    s.fired = true;
                    if (!closes) m_due.push({s.end + m_settings.allowedLatenessUs, key});
                } else if (closes && s.fired && m_settings.allowedLatenessUs > 0) {
                    writeSession(k, s, true, out);
                }
                if (closes)
                    k.sessions.erase(k.sessions.begin() + static_cast<long>(i));
                else
                    ++i;
            }
            if (k.sessions.empty()) m_keys_sessions.erase(it);
        }
        m_writer.flush(out);
    }

    int64_t timerIntervalUs() const override { return m_settings.emitEveryUs; }

    StateSize stateSize() const override {
        constexpr size_t kEntryBytes =
            sizeof(decltype(m_keys_sessions)::value_type) + 2 * sizeof(void*);
        StateSize s{0, 0, "open sessions"};
        size_t bytes = m_keys_sessions.bucket_count() * sizeof(void*) +
                       m_due.size() * sizeof(std::pair<TimeUs, std::string>);
        for (const auto& [key, k] : m_keys_sessions) {
            s.keys += static_cast<int64_t>(k.sessions.size());
            bytes += kEntryBytes + heapBytes(key) + valuesBytes(k.key) +
                     k.sessions.capacity() * sizeof(Session);
            for (const Session& session : k.sessions)
                bytes += m_aggregates.stateBytes(*session.state);
        }
        s.bytes = static_cast<int64_t>(bytes);
        return s;
    }

    // Checkpoints: every key's open sessions and the watermark; when each comes due is rebuilt.
    void snapshotState(checkpoint::StateWriter& w) override {
        w.i64(m_watermark);
        w.u64(m_keys_sessions.size());
        for (const auto& [key, k] : m_keys_sessions) {
            w.bytes(key);
            saveValues(k.key, w);
            w.u64(k.sessions.size());
            for (const Session& s : k.sessions) {
                w.i64(s.start);
                w.i64(s.end);
                w.boolean(s.fired);
                w.boolean(s.dirty);
                m_aggregates.save(*s.state, w);
            }
        }
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_keys_sessions.clear();
        m_due = {};
        m_watermark = r.i64();
        for (uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            std::string key = r.bytes();
            Keyed k;
            k.key = loadValues(r);
            k.sessions.resize(r.count());
            for (Session& s : k.sessions) {
                s.start = r.i64();
                s.end = r.i64();
                s.fired = r.boolean();
                s.dirty = r.boolean();
                s.state = m_aggregates.newState();
                m_aggregates.load(*s.state, r);
                m_due.push({s.fired ? s.end + m_settings.allowedLatenessUs : s.end, key});
            }
            if (!m_keys_sessions.emplace(std::move(key), std::move(k)).second) r.fail();
        }
        return Status::ok();
    }

    void onTimer(TimeUs, Emitter& out) override {
        for (auto& [key, k] : m_keys_sessions)
            for (Session& s : k.sessions)
                if (!s.fired && s.dirty) writeSession(k, s, false, out);
        m_writer.flush(out);
    }

private:
    struct Session {
        TimeUs start = 0, end = 0;
        agg::StatePtr state;
        bool fired = false;
        bool dirty = false;
    };
    struct Keyed {
        std::vector<Value> key;
        std::vector<Session> sessions;  // sorted by start, never overlapping
    };

    void writeSession(Keyed& k, Session& s, bool final, Emitter& out) {
        // ResultWriter works on group maps; a session is a one-group window.
        m_one.clear();
        Group g;
        g.state = std::move(s.state);
        g.key = k.key;
        auto& slot = m_one.emplace(std::string(), std::move(g)).first->second;
        m_writer.write(m_one, s.start, s.end, final, false, out);
        s.state = std::move(slot.state);
        s.dirty = false;
    }

    WindowSettings m_settings;
    int64_t m_gapUs;
    agg::AggregateSet m_aggregates;
    GroupKeyEncoder m_keys;
    ResultWriter m_writer;
    NodeMetrics* m_metrics;
    agg::Arguments m_args;
    std::unordered_map<std::string, Keyed> m_keys_sessions;
    // (time a key needs attention, key); entries may be stale and are checked when they come due.
    std::priority_queue<std::pair<TimeUs, std::string>, std::vector<std::pair<TimeUs, std::string>>,
                        std::greater<>>
        m_due;
    GroupMap m_one;
    std::vector<uint32_t> m_late;
    TimeUs m_watermark = kMinTime;
};

}  // namespace

}  // namespace riffle::windows

namespace riffle {

void registerSessionWindow(NodeRegistry& registry) {
    NodeSpec s;
    s.typeId = "window.session";
    s.displayName = "Session window";
    s.category = "window";
    s.state = {{"open sessions", 1}, {"watermark", 1}};
    s.keyedBy = "group_by";
    s.description =
        "Aggregates per group over sessions: a session ends when `gap` passes without an event.";
    s.inputs = {{"in", "Events with event time", false}};
    s.outputs = {
        {"out",
         "One row per group and session: group fields, aggregates, window_start, window_end, final",
         false},
        {"late",
         "Events too late for any open session: the session they would form ends at or before "
         "watermark - allowed_lateness",
         false, PortKind::Late}};
    s.params = {
        param("gap", ParamType::Duration, "A session ends after this long without an event")
            .byDefault("30s")
            .durationRange("1us")
            .inGroup("Window"),
    };
    for (auto& p : windows::commonWindowParams()) s.params.push_back(std::move(p));
    s.schemaRule = windows::windowSchemaRule;
    s.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<windows::SessionWindowOperator>(ctx);
    };
    // Flink's SESSION TVF partitions by the group keys, as Riffle's sessions are per group.
    s.exportFlink = [](const FlinkExportContext& ctx) {
        std::string partition;
        for (const std::string& g : ctx.config.getStringList("group_by"))
            partition += (partition.empty() ? " PARTITION BY " : ", ") + flink::quote(g);
        const std::string gap = flink::interval(ctx.config.getDurationUs("gap"));
        return windows::windowFlinkView(ctx, [&](const std::string& relation) {
            return "SESSION(TABLE " + relation + partition + ", DESCRIPTOR(`_time`), " + gap + ")";
        });
    };
    registry.add(std::move(s));
}

}  // namespace riffle
