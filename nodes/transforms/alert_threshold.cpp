// alert.threshold: turns a condition that holds for a while into `firing` / `resolved` rows.
//
// Per group (the `group_by` values; one group when empty), events are judged in arrival order:
// - idle: an event whose condition is TRUE, at event time t0, starts a pending stretch;
// - pending: an event with the condition TRUE at t >= t0 + `for` fires the alert: ONE row with
//   state 'firing' (with `for` = 0s the event that starts the stretch fires at once); an event
//   with the condition FALSE or NULL cancels the stretch silently (back to idle);
// - firing: further TRUE events emit nothing; the first FALSE or NULL event emits ONE row with
//   state 'resolved' and the group is idle again.
// NULL counts as FALSE. Only events move the state: time passing without events fires nothing
// (the alert fires on the first TRUE event at or after t0 + `for`), and nothing is emitted at the
// end of the stream, so an alert still firing then has no 'resolved' row.
//
// Output: `_time` (event time of the event that caused the row), the group_by fields, `state`
// ('firing' or 'resolved'), `since` (t0: when the condition started holding) and `message`: the
// `message` template with every `{field}` replaced by that input field's value (floats to 15
// significant digits) in the event that caused the row (NULL as NULL, times as ISO-8601); `{{` and
// `}}` write literal braces.
//
// Time: the state follows arrival order, not event-time order. With out-of-order input (within
// the source's max_out_of_orderness) the result is therefore approximate: an event earlier than
// t0 + `for` that arrives after a later one is judged as it comes. Late events are judged the
// same way; the node has no `late` port. Memory: one entry per group that is pending or firing.
#include <unordered_map>

#include "engine/expr/expression.h"
#include "engine/graph/node_registry.h"
#include "nodes/common/grouping.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

// A `message` template: literal pieces and input columns, in order.
struct MessagePart {
    std::string text;
    int column = -1;  // >= 0: the value of this input column
};

struct AlertPlan {
    expr::ExpressionPtr condition;
    std::vector<MessagePart> message;
    std::vector<int> groupColumns;
    SchemaPtr output;
};

std::string fieldList(const Schema& schema) {
    return schema.toString();
}

Result<std::vector<MessagePart>> parseMessage(const std::string& text, const Schema& input) {
    using R = Result<std::vector<MessagePart>>;
    std::vector<MessagePart> parts;
    std::string literal;
    for (size_t i = 0; i < text.size();) {
        const char c = text[i];
        if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
            literal += c;
            i += 2;
            continue;
        }
        if (c == '{') {
            const size_t close = text.find('}', i + 1);
            if (close == std::string::npos)
                return R::error(
                    "`message` has a `{` without a closing `}`; write {{ for a literal brace");
            const std::string name = text.substr(i + 1, close - i - 1);
            const int idx = input.indexOf(name);
            if (idx < 0)
                return R::error("`message` refers to `{" + name +
                                "}`, which is not an input field (fields: " + fieldList(input) +
                                "); write {{ for a literal brace");
            if (!literal.empty()) parts.push_back({std::move(literal), -1});
            literal.clear();
            parts.push_back({{}, idx});
            i = close + 1;
            continue;
        }
        literal += c;
        ++i;
    }
    if (!literal.empty()) parts.push_back({std::move(literal), -1});
    return parts;
}

Result<AlertPlan> planAlert(const NodeConfig& config, const Schema& input) {
    using R = Result<AlertPlan>;
    AlertPlan plan;
    const std::string text = config.getString("condition");
    auto e = expr::compile(text, input);
    if (!e) return R::error("`condition`: " + e.message());
    if (e.value()->type() != Type::Bool && e.value()->type() != Type::Null)
        return R::error("`condition` must be a condition (bool), but `" + text + "` is " +
                        std::string(typeName(e.value()->type())));
    plan.condition = e.value();
    auto message = parseMessage(config.getString("message"), input);
    if (!message) return R::error(message.message());
    plan.message = std::move(message.value());
    std::vector<Field> fields;
    for (const auto& g : config.getStringList("group_by")) {
        const int idx = input.indexOf(g);
        if (idx < 0)
            return R::error("`group_by` names `" + g +
                            "`, which is not an input field (fields: " + fieldList(input) + ")");
        for (const char* reserved : {"_time", "state", "since", "message"})
            if (g == reserved)
                return R::error("`group_by` names `" + g +
                                "`, which is also a result field of the alert; rename it " +
                                "with a map first");
        for (const auto& f : fields)
            if (f.name == g) return R::error("`group_by` names `" + g + "` twice");
        fields.push_back(input.field(static_cast<size_t>(idx)));
        plan.groupColumns.push_back(idx);
    }
    fields.push_back({"state", Type::String});
    fields.push_back({"since", Type::Time});
    fields.push_back({"message", Type::String});
    plan.output = std::make_shared<const Schema>(Schema::stream(fields));
    return plan;
}

class AlertThresholdOperator : public Operator {
public:
    explicit AlertThresholdOperator(const OperatorContext& ctx)
        : m_metrics(ctx.metrics),
          m_plan(planAlert(ctx.config, *ctx.inputSchemas.at(0)).value()),
          m_forUs(ctx.config.getDurationUs("for")),
          m_keys(*ctx.inputSchemas.at(0), ctx.config.getStringList("group_by")) {}

    void process(int, const Batch& in, Emitter& out) override {
        expr::EvalStats stats;
        m_plan.condition->evaluate(in, m_condition, m_scratch, stats);
        if (stats.warnings && m_metrics) m_metrics->add(m_metrics->warnings, stats.warnings);
        const auto& times = in.times();
        const bool alwaysFalse = m_condition.type() != Type::Bool;  // the NULL literal
        for (size_t r = 0; r < in.rows(); ++r) {
            const bool holds = !alwaysFalse && m_condition.isValid(r) && m_condition.ints()[r] != 0;
            const TimeUs t = times[r];
            const std::string& key = m_keys.encode(in, r);
            if (holds) {
                auto [it, inserted] = m_groups.try_emplace(key);
                State& s = it->second;
                if (inserted) s.since = t;
                if (!s.firing &&
                    (t >= s.since && static_cast<uint64_t>(t) - static_cast<uint64_t>(s.since) >=
                                         static_cast<uint64_t>(m_forUs))) {
                    s.firing = true;
                    writeRow(in, r, "firing", s.since, out);
                }
            } else {
                auto it = m_groups.find(key);
                if (it == m_groups.end()) continue;
                if (it->second.firing) writeRow(in, r, "resolved", it->second.since, out);
                m_groups.erase(it);
            }
        }
        m_scratch.reset();
        flush(out);
    }

    void finish(Emitter& out) override { flush(out); }

    // Checkpoints: every pending or firing group, since when, and whether it fired.
    void snapshotState(checkpoint::StateWriter& w) override {
        w.u64(m_groups.size());
        for (const auto& [key, state] : m_groups) {
            w.bytes(key);
            w.i64(state.since);
            w.boolean(state.firing);
        }
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_groups.clear();
        for (uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            std::string key = r.bytes();
            State state;
            state.since = r.i64();
            state.firing = r.boolean();
            if (!m_groups.emplace(std::move(key), state).second) r.fail();
        }
        return Status::ok();
    }

    StateSize stateSize() const override {
        constexpr size_t kEntryBytes = sizeof(decltype(m_groups)::value_type) + 2 * sizeof(void*);
        StateSize s{static_cast<int64_t>(m_groups.size()), 0, "groups pending or firing"};
        size_t bytes = m_groups.bucket_count() * sizeof(void*);
        for (const auto& [key, state] : m_groups) bytes += kEntryBytes + heapBytes(key);
        s.bytes = static_cast<int64_t>(bytes);
        return s;
    }

private:
    struct State {
        TimeUs since = 0;
        bool firing = false;
    };

    void writeRow(const Batch& in, size_t row, std::string_view state, TimeUs since, Emitter& out) {
        if (!m_batch) m_batch = out.newBatch(0);
        Batch& b = *m_batch;
        size_t c = 0;
        b.column(c++).appendTime(in.times()[row]);
        for (int g : m_plan.groupColumns) b.appendValue(c++, in.get(row, static_cast<size_t>(g)));
        b.appendString(c++, state);
        b.column(c++).appendTime(since);
        m_text.clear();
        for (const MessagePart& p : m_plan.message) {
            if (p.column < 0)
                m_text += p.text;
            else
                m_text += in.get(row, static_cast<size_t>(p.column)).toDisplayString();
        }
        b.appendString(c, m_text);
        b.commitRow();
        if (b.rows() >= kBatchRows) flush(out);
    }

    void flush(Emitter& out) {
        if (m_batch && !m_batch->empty()) out.push(0, std::move(m_batch));
        m_batch.reset();
    }

    NodeMetrics* m_metrics;
    AlertPlan m_plan;
    int64_t m_forUs;
    GroupKeyEncoder m_keys;
    Column m_condition;
    StringArena m_scratch;
    std::unordered_map<std::string, State> m_groups;  // pending or firing groups only
    BatchPtr m_batch;
    std::string m_text;
};

// Flink, for `for` = 0s: the rows where a group's condition changes, found with LAG over the
// group in event-time order: 'firing' where it turns true, 'resolved' where it turns false, whose
// `since` is the time of the firing row before it.
Result<FlinkExportPart> exportAlert(const FlinkExportContext& ctx) {
    using R = Result<FlinkExportPart>;
    if (ctx.config.getDurationUs("for") > 0)
        return R::error(
            "Flink SQL has no alert that waits for a condition to hold a while (`for`); set "
            "`for` to 0s to export");
    const Schema& in = *ctx.inputs.at(0).schema;
    auto plan = planAlert(ctx.config, in);
    if (!plan) return R::error(plan.message());
    auto condition = flink::expression(ctx.config.getString("condition"));
    if (!condition) return R::error("`condition`: " + condition.message());
    std::string groups, over = "ORDER BY `_time`";
    for (const std::string& g : ctx.config.getStringList("group_by"))
        groups += (groups.empty() ? "" : ", ") + flink::quote(g);
    if (!groups.empty()) over = "PARTITION BY " + groups + " " + over;
    std::string message;
    for (const MessagePart& m : plan->message)
        message += (message.empty() ? "" : ", ") +
                   (m.column < 0 ? flink::literal(m.text)
                                 : "COALESCE(CAST(" +
                                       flink::quote(in.field(static_cast<size_t>(m.column)).name) +
                                       " AS STRING), 'NULL')");
    if (message.empty()) message = "''";
    const std::string changes = flink::quote(ctx.nodeId + "__changes");
    FlinkExportPart part;
    part.statements.push_back(
        "CREATE VIEW " + changes +
        " AS\nSELECT * FROM (\n  SELECT *, COALESCE(LAG(`_riffle_holds`) OVER (" + over +
        "), FALSE) AS `_riffle_held`\n  FROM (SELECT *, COALESCE(" + *condition +
        ", FALSE) AS `_riffle_holds` FROM " + ctx.inputs.at(0).relation +
        "))\nWHERE `_riffle_holds` <> `_riffle_held`");
    part.statements.push_back(
        "CREATE VIEW " + ctx.relation + " AS\nSELECT `_time`" + (groups.empty() ? "" : ", ") +
        groups +
        ",\n  CASE WHEN `_riffle_holds` THEN 'firing' ELSE 'resolved' END AS `state`,\n  CASE "
        "WHEN `_riffle_holds` THEN CAST(`_time` AS TIMESTAMP(3)) ELSE LAG(CAST(`_time` AS "
        "TIMESTAMP(3))) OVER (" +
        over + ") END AS `since`,\n  CONCAT(" + message + ") AS `message`\nFROM " + changes);
    part.notes.push_back(
        "Flink judges a group's events in event-time order once the watermark passes them and "
        "drops late ones; Riffle judges them in arrival order");
    part.notes.push_back(
        "values in `message` are written by Flink's CAST(... AS STRING): floats as Java writes "
        "them (1.0E7), times as yyyy-MM-dd HH:mm:ss.SSS, booleans as TRUE / FALSE");
    return part;
}

}  // namespace

void registerAlertThreshold(NodeRegistry& registry) {
    NodeSpec s;
    s.typeId = "alert.threshold";
    s.keyedBy = "group_by";
    s.displayName = "Threshold alert";
    s.category = "alert";
    s.state = {{"open alerts", 1}, {"watermark", 1}};
    s.description =
        "Emits one 'firing' row when a condition has held for `for` (per group, in event time) and "
        "one "
        "'resolved' row when it stops holding; NULL counts as false.";
    s.inputs = {{"in", "Events to watch", false}};
    s.outputs = {{"out",
                  "Alert changes: _time, group_by fields, state (firing/resolved), since, message",
                  false}};
    s.params = {
        param("condition", ParamType::Expression,
              "When the alert condition holds, e.g. cpu_pct > 90")
            .mandatory()
            .inGroup("Alert")
            .as(ParamRole::Expression, 0),
        param("for", ParamType::Duration,
              "How long (event time) the condition must hold before the alert fires; 0s = at once")
            .byDefault("0s")
            .durationRange("0s")
            .inGroup("Alert"),
        param("message", ParamType::String,
              "Text of the alert; {field} is replaced by that field of the event, e.g. "
              "\"{host}: CPU at {cpu_pct}%\"")
            .byDefault("condition held")
            .inGroup("Alert"),
        param("group_by", ParamType::StringList,
              "Fields that give each group its own alert, e.g. [\"host\"]; empty = one alert")
            .byDefault(Json::array())
            .inGroup("Alert")
            .as(ParamRole::InputFields, 0),
    };
    s.schemaRule = [](const NodeConfig& config,
                      const SchemaInputs& in) -> Result<std::vector<SchemaPtr>> {
        auto plan = planAlert(config, *in.schemas.at(0));
        if (!plan) return Result<std::vector<SchemaPtr>>::error(plan.message());
        return std::vector<SchemaPtr>{plan->output};
    };
    s.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<AlertThresholdOperator>(ctx);
    };
    s.exportFlink = exportAlert;
    registry.add(std::move(s));
}

}  // namespace riffle
