// transform.dedupe: drops repeats of an event within a span of event time.
//
// Per key (the value of the `key` expression), the first event passes and is remembered as the
// key's last passed event, at time t_passed. A later event of that key is dropped when its event
// time t is closer to t_passed than `within` (|t - t_passed| < within, so out-of-order events
// count as repeats in both directions); otherwise it passes and becomes the new last passed
// event. Events are judged in arrival order. Output: the passed events, unchanged (the input
// schema), in arrival order.
//
// State: one entry per key. A key is forgotten once the watermark reaches t_passed + within:
// from then on every on-time event (t >= watermark) is `within` away from t_passed and would
// pass anyway, so memory stays bounded by the keys seen within the last `within` of event time,
// however long the stream runs. An event behind the watermark (late) is judged against what is
// still remembered: if its key has been forgotten, it passes.
//
// A NULL key (including one that is NULL because of a bad cast) never matches anything: the
// event passes and nothing is remembered. Keys compare by value and type of the expression's
// result; float keys compare -0.0 equal to 0.0.
//
// Dropped events are counted by the node metrics as the difference `in - out` (this node sends
// nothing to `errors`); riffle-run's final table and the studio show both.
#include "nodes/transforms/dedupe.h"

#include <cstring>
#include <queue>
#include <unordered_map>

#include "engine/core/time_format.h"
#include "engine/expr/expression.h"
#include "engine/graph/node_registry.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

Result<expr::ExpressionPtr> compileKey(const NodeConfig& config, const Schema& input) {
    using R = Result<expr::ExpressionPtr>;
    const std::string text = config.getString("key");
    auto e = expr::compile(text, input);
    if (!e) return R::error("`key`: " + e.message());
    if (e.value()->type() == Type::Null)
        return R::error(
            "`key` is always NULL, so no event would ever be a repeat; give an expression over the "
            "input fields, e.g. user_id");
    return e;
}

TimeUs saturatingAdd(TimeUs t, int64_t d) {
    return t > kMaxTime - d ? kMaxTime : t + d;
}

// Appends the bytes of a non-NULL cell; all cells of one column have one type, so no type tag.
void appendKeyBytes(std::string& out, const Column& col, size_t row) {
    switch (col.type()) {
        case Type::String:
            out.append(col.strings()[row]);
            break;
        case Type::Float: {
            double v = col.floats()[row];
            if (v == 0) v = 0;  // -0.0 and 0.0 are one key
            char bytes[sizeof v];
            std::memcpy(bytes, &v, sizeof v);
            out.append(bytes, sizeof v);
            break;
        }
        case Type::Null:
            break;
        default: {
            const int64_t v = col.ints()[row];
            char bytes[sizeof v];
            std::memcpy(bytes, &v, sizeof v);
            out.append(bytes, sizeof v);
            break;
        }
    }
}

class DedupeOperator : public Operator {
public:
    explicit DedupeOperator(const OperatorContext& ctx)
        : m_metrics(ctx.metrics),
          m_key(compileKey(ctx.config, *ctx.inputSchemas.at(0)).value()),
          m_withinUs(ctx.config.getDurationUs("within")) {}

    void process(int, const Batch& in, Emitter& out) override {
        expr::EvalStats stats;
        m_key->evaluate(in, m_keys, m_scratch, stats);
        if (stats.warnings && m_metrics) m_metrics->add(m_metrics->warnings, stats.warnings);
        m_selected.clear();
        const auto& times = in.times();
        for (size_t r = 0; r < in.rows(); ++r) {
            if (m_keys.isNull(r)) {
                m_selected.push_back(static_cast<uint32_t>(r));
                continue;
            }
            m_buffer.clear();
            appendKeyBytes(m_buffer, m_keys, r);
            const TimeUs t = times[r];
            auto it = m_lastPassed.find(m_buffer);
            if (it != m_lastPassed.end()) {
                const TimeUs last = it->second;
                const uint64_t distance =
                    t >= last ? static_cast<uint64_t>(t) - static_cast<uint64_t>(last)
                              : static_cast<uint64_t>(last) - static_cast<uint64_t>(t);
                if (distance < static_cast<uint64_t>(m_withinUs)) continue;  // a repeat
                it->second = t;
            } else {
                it = m_lastPassed.emplace(m_buffer, t).first;
            }
            m_expiry.push({saturatingAdd(t, m_withinUs), it->first});
            m_selected.push_back(static_cast<uint32_t>(r));
        }
        m_scratch.reset();
        if (m_selected.empty()) return;
        BatchPtr b = out.newBatch(0);
        b->appendRowsFrom(in, m_selected);
        out.push(0, std::move(b));
    }

    void onWatermark(TimeUs wm, Emitter&) override {
        while (!m_expiry.empty() && m_expiry.top().first <= wm) {
            auto it = m_lastPassed.find(m_expiry.top().second);
            // Entries go stale when a key passes again; only the one matching its state frees it.
            if (it != m_lastPassed.end() && saturatingAdd(it->second, m_withinUs) <= wm)
                m_lastPassed.erase(it);
            m_expiry.pop();
        }
    }

    size_t keysHeld() const { return m_lastPassed.size(); }

    // Checkpoints: each remembered key with the time of its last passed event; when each may be
    // forgotten follows from that.
    void snapshotState(checkpoint::StateWriter& w) override {
        w.u64(m_lastPassed.size());
        for (const auto& [key, time] : m_lastPassed) {
            w.bytes(key);
            w.i64(time);
        }
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_lastPassed.clear();
        m_expiry = {};
        for (uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            std::string key = r.bytes();
            const TimeUs time = r.i64();
            m_expiry.push({saturatingAdd(time, m_withinUs), key});
            if (!m_lastPassed.emplace(std::move(key), time).second) r.fail();
        }
        return Status::ok();
    }

    StateSize stateSize() const override {
        constexpr size_t kEntryBytes =
            sizeof(decltype(m_lastPassed)::value_type) + 2 * sizeof(void*);
        StateSize s{static_cast<int64_t>(m_lastPassed.size()), 0, "keys seen within `within`"};
        size_t bytes = m_lastPassed.bucket_count() * sizeof(void*) +
                       m_expiry.size() * sizeof(std::pair<TimeUs, std::string>);
        for (const auto& [key, time] : m_lastPassed) bytes += kEntryBytes + 2 * heapBytes(key);
        s.bytes = static_cast<int64_t>(bytes);
        return s;
    }

private:
    NodeMetrics* m_metrics;
    expr::ExpressionPtr m_key;
    int64_t m_withinUs;
    Column m_keys;
    StringArena m_scratch;
    std::string m_buffer;
    std::vector<uint32_t> m_selected;
    std::unordered_map<std::string, TimeUs>
        m_lastPassed;  // key bytes -> time of its last passed event
    // (when a key may be forgotten, key); one entry per passed event, stale ones are skipped.
    std::priority_queue<std::pair<TimeUs, std::string>, std::vector<std::pair<TimeUs, std::string>>,
                        std::greater<>>
        m_expiry;
};

}  // namespace

size_t dedupeKeysHeld(const Operator& op) {
    const auto* d = dynamic_cast<const DedupeOperator*>(&op);
    return d ? d->keysHeld() : 0;
}

void registerDedupe(NodeRegistry& registry) {
    NodeSpec s;
    s.typeId = "transform.dedupe";
    s.displayName = "Deduplicate";
    s.category = "transform";
    s.state = {{"seen keys", 1}};
    s.description =
        "Drops an event when an earlier passed event with the same key is less than `within` away "
        "in event "
        "time; a NULL key always passes. Dropped events show as in - out.";
    s.inputs = {{"in", "Events, possibly with repeats", false}};
    s.outputs = {{"out", "Events that are not repeats, unchanged", false}};
    s.params = {
        param("key", ParamType::Expression,
              "What makes two events the same: an expression, e.g. CONCAT(user_id, "
              "':', CAST(order_id AS STRING))")
            .mandatory()
            .inGroup("Dedupe")
            .as(ParamRole::Expression, 0),
        param("within", ParamType::Duration,
              "A repeat closer than this in event time to the key's last passed event is dropped; "
              "a key is forgotten this long after its last passed event (by watermark)")
            .byDefault("10m")
            .durationRange("1us")
            .inGroup("Dedupe"),
    };
    s.schemaRule = [](const NodeConfig& config,
                      const SchemaInputs& in) -> Result<std::vector<SchemaPtr>> {
        auto e = compileKey(config, *in.schemas.at(0));
        if (!e) return Result<std::vector<SchemaPtr>>::error(e.message());
        return std::vector<SchemaPtr>{in.schemas.at(0)};
    };
    s.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<DedupeOperator>(ctx);
    };
    // Flink's window deduplication: the first event of each key in each tumbling window of
    // `within`, which is Riffle's rule wherever a repeat falls in the window of its first.
    s.exportFlink = [](const FlinkExportContext& ctx) -> Result<FlinkExportPart> {
        using R = Result<FlinkExportPart>;
        const Schema& in = *ctx.inputs.at(0).schema;
        for (const Field& f : in.fields())
            if (flink::addedByWindow(f.name))
                return R::error("its input has `" + f.name +
                                "`, a name Flink's deduplication window gives its own column; "
                                "deduplicate before the window, or rename it in a map");
        auto key = flink::expression(ctx.config.getString("key"));
        if (!key) return R::error("`key`: " + key.message());
        FlinkExportPart part;
        part.statements.push_back(
            "CREATE VIEW " + ctx.relation + " AS\nSELECT " + flink::columns(in) +
            "\nFROM (\n  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, "
            "`_riffle_dedupe_key` ORDER BY `_time` ASC) AS `_riffle_row`\n  FROM (SELECT *, " +
            *key + " AS `_riffle_dedupe_key` FROM TABLE(TUMBLE(TABLE " + ctx.inputs.at(0).relation +
            ", DESCRIPTOR(`_time`), " + flink::interval(ctx.config.getDurationUs("within")) +
            "))))\nWHERE `_riffle_row` = 1");
        part.notes.push_back(
            "Flink keeps the first event of a key in each " +
            formatDuration(ctx.config.getDurationUs("within")) +
            " tumbling window and emits it when the window closes; Riffle drops a repeat closer "
            "than that to the key's last passed event, at once. The same events pass when a "
            "repeat has the time of its first (a message delivered twice)");
        part.notes.push_back(
            "events with a NULL key are one key in Flink (one passes per window); in Riffle "
            "every one passes");
        return part;
    };
    registry.add(std::move(s));
}

}  // namespace riffle
