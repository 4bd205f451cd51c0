// aggregate.running: per-key running totals since the start of the run, without windows.
//
// Every event updates the aggregates of its group (group_by values; NULL is a group value of its
// own, as in the windows). A result row is `_time, group_by fields, aggregates`, where `_time` is
// the newest event time the group has seen (not the time of the last event, when events arrive
// out of order).
//
// When rows are emitted:
// - emit_every = 0s: after each input batch, one row per group that the batch changed, with the
//   updated totals, in the order the groups were first touched in the batch.
// - emit_every > 0: nothing per batch; every emit_every of processing time one row per group
//   changed since the last emission. At end of stream (watermark +infinity) the groups changed
//   since the last emission are emitted once more, so the final totals are always output.
//
// There are no windows, so nothing is ever late: every event counts, whatever its event time and
// the watermark. NULL aggregate arguments are ignored (docs/expressions.md); expression warnings
// (division by zero, bad casts) are counted.
//
// State: one aggregate state per distinct group, kept for the whole run. Memory grows with the
// number of distinct keys (plus what the distinct and sketch aggregates hold per key); group by
// bounded keys, or use a window when keys keep arriving.
#include <algorithm>

#include "engine/graph/node_registry.h"
#include "nodes/common/grouping.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle::running {

namespace {

Result<std::vector<SchemaPtr>> runningSchemaRule(const NodeConfig& config, const SchemaInputs& in) {
    using R = Result<std::vector<SchemaPtr>>;
    auto fields = groupedAggregateFields(config.getStringList("group_by"),
                                         config.getNamedExprs("aggregates"), *in.schemas.at(0));
    if (!fields) return R::error(fields.message());
    for (const Field& f : fields.value())
        if (f.name == kTimeField)
            return R::error("`_time` is a result field of every running aggregate; rename yours");
    return std::vector<SchemaPtr>{std::make_shared<const Schema>(Schema::stream(fields.value()))};
}

class RunningAggregateOperator : public Operator {
public:
    explicit RunningAggregateOperator(const OperatorContext& ctx)
        : m_emitEveryUs(ctx.config.getDurationUs("emit_every")),
          m_aggregates(agg::AggregateSet::compile(ctx.config.getNamedExprs("aggregates"),
                                                  *ctx.inputSchemas.at(0))
                           .value()),
          m_keys(*ctx.inputSchemas.at(0), ctx.config.getStringList("group_by")),
          m_writer(m_aggregates, m_keys.columns().size(), ctx.metrics),
          m_metrics(ctx.metrics) {}

    void process(int, const Batch& in, Emitter& out) override {
        expr::EvalStats stats;
        m_aggregates.evaluateArguments(in, m_args, stats);
        if (stats.warnings) m_metrics->add(m_metrics->warnings, stats.warnings);
        const auto& times = in.times();
        for (size_t r = 0; r < in.rows(); ++r) {
            bool inserted = false;
            Group& g = groupFor(m_groups, m_keys, m_aggregates, in, r, &inserted);
            m_aggregates.accumulate(*g.state, m_args, r);
            g.newest = std::max(g.newest, times[r]);
            // A group is in m_changed exactly while it is dirty (new groups start dirty).
            if (inserted || !g.dirty) {
                g.dirty = true;
                m_changed.push_back(&g);
            }
        }
        if (m_emitEveryUs == 0) emitChanged(out);
    }

    void onWatermark(TimeUs wm, Emitter& out) override {
        // End of stream: the last totals go out before the +infinity watermark moves on.
        if (wm == kMaxTime) emitChanged(out);
    }

    int64_t timerIntervalUs() const override { return m_emitEveryUs; }

    void onTimer(TimeUs, Emitter& out) override { emitChanged(out); }

    void finish(Emitter& out) override { emitChanged(out); }

    // Checkpoints: every group, and which changed since the last emission, in order.
    void snapshotState(checkpoint::StateWriter& w) override {
        saveGroups(m_groups, m_aggregates, w);
        std::unordered_map<const Group*, const std::string*> keyOf;
        if (!m_changed.empty())
            for (const auto& [key, g] : m_groups) keyOf.emplace(&g, &key);
        w.u64(m_changed.size());
        for (const Group* g : m_changed) w.bytes(*keyOf.at(g));
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_groups.clear();
        m_changed.clear();
        loadGroups(m_groups, m_aggregates, r);
        for (uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            auto it = m_groups.find(r.bytes());
            if (it == m_groups.end() || !it->second.dirty) {
                r.fail();
                break;
            }
            m_changed.push_back(&it->second);
        }
        return Status::ok();
    }

    StateSize stateSize() const override {
        StateSize s{0, 0, "groups (a running aggregate keeps every group for the whole run)"};
        addGroupsState(m_groups, m_aggregates, s);
        return s;
    }

private:
    void emitChanged(Emitter& out) {
        if (m_changed.empty()) return;
        for (Group* g : m_changed) m_writer.writeGroup(*g, g->newest, out);
        m_writer.flush(out);
        m_changed.clear();
    }

    int64_t m_emitEveryUs;
    agg::AggregateSet m_aggregates;
    GroupKeyEncoder m_keys;
    ResultWriter m_writer;
    NodeMetrics* m_metrics;
    agg::Arguments m_args;
    GroupMap m_groups;  // never erased: the node keeps every key for the whole run
    // Groups changed since the last emission, in first-change order. Group addresses are stable:
    // unordered_map never moves its elements.
    std::vector<Group*> m_changed;
};

}  // namespace

}  // namespace riffle::running

namespace riffle {

void registerRunningAggregate(NodeRegistry& registry) {
    NodeSpec s;
    s.typeId = "aggregate.running";
    s.displayName = "Running aggregate";
    s.category = "aggregate";
    s.state = {{"totals per group", 1}};
    s.keyedBy = "group_by";
    s.description =
        "Per-key totals since the start of the run (no windows), e.g. purchases and revenue per "
        "user so far; emits a group's updated totals when it changes.";
    s.inputs = {{"in", "Events", false}};
    s.outputs = {{"out",
                  "One row per changed group: _time (newest event time of the group), group "
                  "fields, aggregates",
                  false}};
    s.params = {
        param("group_by", ParamType::StringList,
              "Fields that split the stream into groups, e.g. [\"user_id\"]; every distinct "
              "key is kept for the whole run")
            .byDefault(Json::array())
            .inGroup("Aggregate")
            .as(ParamRole::InputFields, 0),
        param("aggregates", ParamType::NamedExprList,
              "What to compute per group, e.g. {\"name\": \"revenue\", \"expr\": "
              "\"SUM(amount)\"}")
            .byDefault(Json::array({{{"name", "count"}, {"expr", "COUNT(*)"}}}))
            .inGroup("Aggregate")
            .as(ParamRole::Aggregates, 0),
        param("emit_every", ParamType::Duration,
              "Emit the changed groups this often (processing time); 0s = after every "
              "input batch. The last totals are always emitted at end of stream")
            .byDefault("0s")
            .durationRange("0s")
            .inGroup("Time"),
    };
    s.schemaRule = running::runningSchemaRule;
    s.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<running::RunningAggregateOperator>(ctx);
    };
    // Flink: an OVER aggregation from the start of the stream to each event, per group, which
    // emits one row per event and never updates one it wrote (a GROUP BY would).
    s.exportFlink = [](const FlinkExportContext& ctx) -> Result<FlinkExportPart> {
        using R = Result<FlinkExportPart>;
        FlinkExportPart part;
        std::string select = "`_time`", partition;
        for (const std::string& g : ctx.config.getStringList("group_by")) {
            select += ", " + flink::quote(g);
            partition += (partition.empty() ? "PARTITION BY " : ", ") + flink::quote(g);
        }
        for (const NamedExpr& a : ctx.config.getNamedExprs("aggregates")) {
            auto sql = flinkAggregate(a, part.notes);
            if (!sql) return R::error(sql.message());
            select += ", " + *sql + " OVER w AS " + flink::quote(a.name);
        }
        part.statements.push_back("CREATE VIEW " + ctx.relation + " AS\nSELECT " + select +
                                  "\nFROM " + ctx.inputs.at(0).relation + "\nWINDOW w AS (" +
                                  partition + (partition.empty() ? "" : " ") +
                                  "ORDER BY `_time` ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT "
                                  "ROW)");
        part.notes.push_back(
            "Flink emits a group's totals after each event, in event-time order once the "
            "watermark passes it, and drops late events; Riffle emits them once per batch " +
            std::string(ctx.config.getDurationUs("emit_every") > 0 ? "(here every `emit_every`) "
                                                                   : "") +
            "in arrival order and counts every event. Each group's last totals are the same");
        return part;
    };
    registry.add(std::move(s));
}

}  // namespace riffle
