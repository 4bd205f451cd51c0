// window.tumbling and window.hopping: windows [start, start + size) that start at multiples of
// `slide` (tumbling: slide = size), so an event belongs to size / slide windows. See
// window_common.h for firing, lateness and the `final` flag.
//
// Two-phase (behind a parallel source, with `two_phase` on, allowed_lateness and emit_every 0 and
// no aggregate depending on event order): each partial instance aggregates its producer's events
// and, when its watermark passes a window's end, merges that window's groups into the
// WindowCombiner it shares with the merging instance; the merger emits a window once the watermark,
// the minimum over the partials, has passed its end, so every partial has handed it over by then.
// Each partial judges lateness against its own producer's watermark.
//
// Checkpoints: a partial saves its open windows, the merger the windows handed over and not yet
// emitted (window_combiner.h).
//
// A hopping window whose size is more than its slide aggregates on slices instead
// (window_slices.h): each event updates one slice, and a window combines its slices when it fires.
// This file's operator keeps the tumbling windows, the merging instance of a two-phase window and
// hopping windows with FIRST_VALUE or LAST_VALUE, whose results follow the order of arrival.
#include <numeric>

#include "engine/graph/node_registry.h"
#include "nodes/register_builtin_nodes.h"
#include "nodes/windows/window_combiner.h"
#include "nodes/windows/window_slices.h"

namespace riffle::windows {

namespace {

class AlignedWindowOperator : public Operator {
public:
    AlignedWindowOperator(const OperatorContext& ctx, int64_t sizeUs, int64_t slideUs,
                          Phase phase = Phase::Whole,
                          std::shared_ptr<WindowCombiner> combiner = nullptr)
        : m_phase(phase),
          m_combiner(std::move(combiner)),
          m_settings(WindowSettings::from(ctx.config)),
          m_sizeUs(sizeUs),
          m_slideUs(slideUs),
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
        bool refire = false;
        const auto& times = in.times();
        for (size_t r = 0; r < in.rows(); ++r) {
            const TimeUs t = times[r];
            bool placed = false;
            for (TimeUs start = floorTo(t, m_slideUs); start > t - m_sizeUs; start -= m_slideUs) {
                const TimeUs end = start + m_sizeUs;
                if (end + m_settings.allowedLatenessUs <= m_watermark) continue;  // closed for good
                placed = true;
                Window& w = window(start, end);
                Group& g = groupFor(w.groups, m_keys, m_aggregates, in, r);
                m_aggregates.accumulate(*g.state, m_args, r);
                g.dirty = true;
                w.dirty = true;
                // The watermark has passed this window's end (a late event within allowed
                // lateness): it fires now, whether it fired before or this event opened it.
                if (end <= m_watermark) w.fired = refire = true;
            }
            if (!placed) m_late.push_back(static_cast<uint32_t>(r));
        }
        pushLate(in, m_late, out);
        if (refire) {
            for (auto& [end, w] : m_windows) {
                if (end > m_watermark) break;
                if (!w.dirty) continue;
                m_writer.write(w.groups, w.start, w.end, false, true, out);
                w.dirty = false;
            }
            m_writer.flush(out);
        }
    }

    void onWatermark(TimeUs wm, Emitter& out) override {
        m_watermark = wm;
        if (m_phase == Phase::Merge) {
            for (auto& [end, w] : m_combiner->takeUpTo(wm))
                m_writer.write(w.groups, w.start, end, true, false, out);
            m_writer.flush(out);
            return;
        }
        if (m_phase == Phase::Partial) {
            // No allowed lateness here: a window closes when the watermark reaches its end.
            for (auto it = m_windows.begin(); it != m_windows.end() && it->first <= wm;) {
                m_combiner->deposit(m_epoch, it->second.start, it->second.end, it->second.groups);
                if (m_last == &it->second) m_last = nullptr;
                it = m_windows.erase(it);
            }
            return;
        }
        for (auto it = m_windows.begin(); it != m_windows.end();) {
            Window& w = it->second;
            if (w.end > wm) break;
            const bool closes = w.end + m_settings.allowedLatenessUs <= wm;
            if (!w.fired) {
                m_writer.write(w.groups, w.start, w.end, closes, false, out);
                w.fired = true;
                w.dirty = false;
            } else if (closes) {
                m_writer.write(w.groups, w.start, w.end, true, false, out);
            }
            if (closes) {
                if (m_last == &w) m_last = nullptr;
                it = m_windows.erase(it);
            } else {
                ++it;
            }
        }
        m_writer.flush(out);
    }

    int64_t timerIntervalUs() const override { return m_settings.emitEveryUs; }

    StateSize stateSize() const override {
        if (m_phase == Phase::Merge) return m_combiner->size();
        StateSize s{0, 0, "groups in open windows"};
        for (const auto& [end, w] : m_windows) addGroupsState(w.groups, m_aggregates, s);
        return s;
    }

    // Checkpoints: every open window with its groups, whether it fired and changed since, and
    // the watermark it has seen; the merger's, the windows handed over (see the top).
    void snapshotState(checkpoint::StateWriter& w) override {
        if (m_phase == Phase::Partial && w.checkpointId() > 0) m_epoch = w.checkpointId();
        w.i64(m_watermark);
        if (m_phase == Phase::Merge) {
            m_combiner->save(w.checkpointId(), w);
            return;
        }
        w.u64(m_windows.size());
        for (const auto& [end, win] : m_windows) {
            w.i64(win.start);
            w.i64(win.end);
            w.boolean(win.fired);
            w.boolean(win.dirty);
            saveGroups(win.groups, m_aggregates, w);
        }
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_windows.clear();
        m_last = nullptr;
        m_watermark = r.i64();
        if (m_phase == Phase::Merge) {
            m_combiner->load(r);
            return Status::ok();
        }
        for (uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            Window win;
            win.start = r.i64();
            win.end = r.i64();
            win.fired = r.boolean();
            win.dirty = r.boolean();
            loadGroups(win.groups, m_aggregates, r);
            if (!m_windows.emplace(win.end, std::move(win)).second) r.fail();
        }
        return Status::ok();
    }

    const agg::AggregateSet& aggregates() const { return m_aggregates; }
    void setCombiner(std::shared_ptr<WindowCombiner> combiner) { m_combiner = std::move(combiner); }

    void onTimer(TimeUs, Emitter& out) override {
        for (auto& [end, w] : m_windows) {
            if (w.fired || !w.dirty) continue;
            m_writer.write(w.groups, w.start, w.end, false, true, out);
            w.dirty = false;
        }
        m_writer.flush(out);
    }

private:
    struct Window {
        TimeUs start = 0, end = 0;
        GroupMap groups;
        bool fired = false;
        bool dirty = false;
    };

    Window& window(TimeUs start, TimeUs end) {
        if (m_last && m_last->start == start) return *m_last;
        auto [it, inserted] = m_windows.try_emplace(end);
        if (inserted) {
            it->second.start = start;
            it->second.end = end;
        }
        m_last = &it->second;
        return it->second;
    }

    Phase m_phase;
    std::shared_ptr<WindowCombiner> m_combiner;
    WindowSettings m_settings;
    int64_t m_sizeUs, m_slideUs;
    agg::AggregateSet m_aggregates;
    GroupKeyEncoder m_keys;
    ResultWriter m_writer;
    NodeMetrics* m_metrics;
    agg::Arguments m_args;
    std::map<TimeUs, Window> m_windows;  // by end; windows are only ever erased from the front
    Window* m_last = nullptr;            // the window of the previous event, for the common case
    std::vector<uint32_t> m_late;
    TimeUs m_watermark = kMinTime;
    int64_t m_epoch = 0;  // a partial: the newest checkpoint barrier it has passed
};

// Limits of window.hopping: slices per window, and windows per event where an event is added to
// each of its windows (FIRST_VALUE, LAST_VALUE).
constexpr int64_t kMaxSlices = 100'000;
constexpr int64_t kMaxWindowsPerEvent = 1000;

bool onSlices(const OperatorContext& ctx, int64_t size, int64_t slide) {
    auto aggregates = agg::AggregateSet::compile(WindowSettings::from(ctx.config).aggregates,
                                                 *ctx.inputSchemas.at(0));
    return aggregates && aggregatesOnSlices(size, slide, *aggregates);
}

NodeSpec alignedWindowSpec(bool hopping) {
    NodeSpec s;
    s.typeId = hopping ? "window.hopping" : "window.tumbling";
    s.displayName = hopping ? "Hopping window" : "Tumbling window";
    s.category = "window";
    // Version 2: hopping windows keep slices (window_slices.h).
    s.state = {{"open panes", 2}, {"pending firings", 1}, {"watermark", 1}};
    s.keyedBy = "group_by";
    s.description =
        hopping
            ? "Aggregates per group over overlapping windows of `size` that start every `slide`."
            : "Aggregates per group over back-to-back windows of `size`, e.g. views per page per "
              "10 s.";
    s.inputs = {{"in", "Events with event time", false}};
    s.outputs = {
        {"out",
         "One row per group and window: group fields, aggregates, window_start, window_end, final",
         false},
        {"late", "Events that arrived after every window they belong to had closed", false,
         PortKind::Late}};
    s.params = {
        param("size", ParamType::Duration, "Length of each window")
            .byDefault("10s")
            .durationRange("1us")
            .inGroup("Window"),
    };
    if (hopping)
        s.params.push_back(param("slide", ParamType::Duration, "How often a new window starts")
                               .byDefault("5s")
                               .durationRange("1us")
                               .inGroup("Window"));
    for (auto& p : commonWindowParams()) s.params.push_back(std::move(p));
    s.params.push_back(param("two_phase", ParamType::Bool,
                             "Behind a parallel source, aggregate inside each source "
                             "instance first and merge the results "
                             "(as Flink's TWO_PHASE strategy): faster with many events per "
                             "group and window, slower when "
                             "most groups see only a few events, where off is better")
                           .byDefault(true)
                           .inGroup("Advanced"));
    s.exportFlink = [hopping](const FlinkExportContext& ctx) {
        const std::string size = flink::interval(ctx.config.getDurationUs("size"));
        const std::string slide = flink::interval(ctx.config.getDurationUs("slide"));
        return windowFlinkView(ctx, [&](const std::string& relation) {
            const std::string input = "TABLE " + relation + ", DESCRIPTOR(`_time`), ";
            return hopping ? "HOP(" + input + slide + ", " + size + ")"
                           : "TUMBLE(" + input + size + ")";
        });
    };
    s.schemaRule = [hopping](const NodeConfig& config,
                             const SchemaInputs& in) -> Result<std::vector<SchemaPtr>> {
        if (hopping && config.getDurationUs("slide") > config.getDurationUs("size"))
            return Result<std::vector<SchemaPtr>>::error("`slide` must not be longer than `size`");
        if (hopping) {
            const int64_t size = config.getDurationUs("size"),
                          slide = config.getDurationUs("slide");
            if (size / std::gcd(size, slide) > kMaxSlices)
                return Result<std::vector<SchemaPtr>>::error(
                    "`size` must be at most " + std::to_string(kMaxSlices) +
                    " times the largest duration that divides both `size` and `slide`");
            auto aggregates = agg::AggregateSet::compile(WindowSettings::from(config).aggregates,
                                                         *in.schemas.at(0));
            if (aggregates && size / slide > kMaxWindowsPerEvent &&
                !aggregatesOnSlices(size, slide, *aggregates))
                return Result<std::vector<SchemaPtr>>::error(
                    "with FIRST_VALUE or LAST_VALUE, `size` / `slide` must be at most " +
                    std::to_string(kMaxWindowsPerEvent) + " windows per event");
        }
        return windowSchemaRule(config, in);
    };
    s.createOperator = [hopping](const OperatorContext& ctx) -> std::unique_ptr<Operator> {
        const int64_t size = ctx.config.getDurationUs("size");
        const int64_t slide = hopping ? ctx.config.getDurationUs("slide") : size;
        if (onSlices(ctx, size, slide))
            return makeSlicedWindow(ctx, size, slide, Phase::Whole, nullptr);
        return std::make_unique<AlignedWindowOperator>(ctx, size, slide);
    };
    s.combinable = [](const NodeConfig& config, const SchemaInputs& in) -> Status {
        const WindowSettings settings = WindowSettings::from(config);
        if (!config.getBool("two_phase")) return Status::error("`two_phase` is off");
        if (settings.allowedLatenessUs > 0) return Status::error("`allowed_lateness` is set");
        if (settings.emitEveryUs > 0) return Status::error("`emit_every` is set");
        auto aggregates = agg::AggregateSet::compile(settings.aggregates, *in.schemas.at(0));
        if (!aggregates) return Status::error(aggregates.message());
        for (size_t i = 0; i < aggregates->size(); ++i) {
            const agg::Function f = aggregates->function(i);
            if (f == agg::Function::FirstValue || f == agg::Function::LastValue)
                return Status::error("FIRST_VALUE and LAST_VALUE cannot be merged");
        }
        return Status::ok();
    };
    s.createCombined = [hopping](const OperatorContext& ctx, int partials) {
        const int64_t size = ctx.config.getDurationUs("size");
        const int64_t slide = hopping ? ctx.config.getDurationUs("slide") : size;
        auto merger = std::make_unique<AlignedWindowOperator>(ctx, size, slide, Phase::Merge);
        auto combiner = std::make_shared<WindowCombiner>(merger->aggregates());
        merger->setCombiner(combiner);
        CombinedOperators c;
        const bool slices = onSlices(ctx, size, slide);
        for (int k = 0; k < partials; ++k)
            c.partials.push_back(slices
                                     ? makeSlicedWindow(ctx, size, slide, Phase::Partial, combiner)
                                     : std::make_unique<AlignedWindowOperator>(
                                           ctx, size, slide, Phase::Partial, combiner));
        c.merger = std::move(merger);
        return c;
    };
    return s;
}

}  // namespace

}  // namespace riffle::windows

namespace riffle {

void registerTumblingWindow(NodeRegistry& registry) {
    registry.add(windows::alignedWindowSpec(false));
}
void registerHoppingWindow(NodeRegistry& registry) {
    registry.add(windows::alignedWindowSpec(true));
}

}  // namespace riffle
