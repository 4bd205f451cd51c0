// transform.topn: the n best rows per window (and partition), ranked by `order_by`.
//
// Input is typically a window node's output. Rows are grouped by their `_time` (every result of
// one window carries _time = window_end - 1 us) and the `partition_by` values (NULL is a value of
// its own). A group is ranked and emitted once the watermark passes its `_time` (watermark >
// _time), which is right after the window that produced it fired; its state is then freed.
//
// Ranking: `order_by` is one expression followed by ASC or DESC (default DESC) and optionally
// NULLS FIRST or NULLS LAST (default NULLS LAST in both directions: a row without a value never
// beats one with a value), or a list of them, later ones breaking ties of earlier ones. Output
// rows are the input fields plus `rank` (1-based, SQL RANK(): rows equal on every order_by key
// share a rank and the next rank skips). Rows of a group are emitted in rank order, equal rows
// in arrival order. Without `with_ties`, exactly min(n, rows) rows are emitted; among rows tied
// at the cut the earliest arrivals are kept. With `with_ties`, every row tied with the n-th row
// is emitted too (rank <= n).
//
// Partial window results: when the input has a bool field `final`, rows with final = FALSE
// (early firings of emit_every) are ignored; only final results are ranked. Rows with a NULL or
// TRUE `final` are ranked.
//
// Late rows: a row whose `_time` is below the watermark belongs to a group that was already
// ranked; it goes to the `errors` port with error "arrived after its window was ranked" and is
// counted as late. Feed topn from windows without allowed_lateness: with allowed lateness a
// window's final result comes after the watermark passed it, and would be late here.
//
// Cost: a group keeps only its candidates: once it holds 2n rows (at least 8) it is cut back to
// the n best (plus ties) by partial selection (nth_element), and a new row that cannot beat the
// n-th best seen so far is rejected at once with one comparison. Ranking a group sorts at most
// those candidates.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "engine/expr/expression.h"
#include "engine/graph/node_registry.h"
#include "nodes/common/grouping.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle::topn {

namespace {

constexpr std::string_view kLateError = "arrived after its window was ranked";

struct OrderKey {
    std::string text;  // the expression without the direction words
    bool descending = true;
    bool nullsFirst = false;
    expr::ExpressionPtr expression;
};

bool endsWithWord(std::string_view s, std::string_view word) {
    if (s.size() <= word.size()) return false;
    const size_t at = s.size() - word.size();
    if (!std::isspace(static_cast<unsigned char>(s[at - 1]))) return false;
    for (size_t i = 0; i < word.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(s[at + i])) != word[i]) return false;
    return true;
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Strips `word` from the end of `s` when it is there as a separate word.
bool stripWord(std::string_view& s, std::string_view word) {
    if (!endsWithWord(s, word)) return false;
    s = trimmed(s.substr(0, s.size() - word.size()));
    return true;
}

Result<std::vector<OrderKey>> compileOrderBy(const NodeConfig& config, const Schema& input) {
    using R = Result<std::vector<OrderKey>>;
    const std::vector<std::string> items = config.getStringList("order_by");
    if (items.empty())
        return R::error("`order_by` is empty; name what to rank by, e.g. \"views DESC\"");
    std::vector<OrderKey> keys;
    for (size_t i = 0; i < items.size(); ++i) {
        const std::string where =
            items.size() > 1 ? "`order_by` item " + std::to_string(i + 1) : "`order_by`";
        std::string_view s = trimmed(items[i]);
        OrderKey k;
        if (endsWithWord(s, "FIRST") || endsWithWord(s, "LAST")) {
            k.nullsFirst = stripWord(s, "FIRST");
            if (!k.nullsFirst) stripWord(s, "LAST");
            if (!stripWord(s, "NULLS"))
                return R::error(where + " must end in NULLS FIRST or NULLS LAST, got `" + items[i] +
                                "`");
        }
        if (stripWord(s, "ASC"))
            k.descending = false;
        else
            stripWord(s, "DESC");
        k.text = std::string(s);
        std::string upper = k.text;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (k.text.empty() || upper == "ASC" || upper == "DESC")
            return R::error(where +
                            " must be an expression with ASC or DESC, e.g. \"views DESC\", got `" +
                            items[i] + "`");
        auto e = expr::compile(k.text, input);
        if (!e) return R::error(where + ": " + e.message());
        k.expression = e.value();
        keys.push_back(std::move(k));
    }
    return keys;
}

Result<std::vector<SchemaPtr>> topnSchemaRule(const NodeConfig& config, const SchemaInputs& in) {
    using R = Result<std::vector<SchemaPtr>>;
    const Schema& input = *in.schemas.at(0);
    if (config.getInt("n") < 1)
        return R::error("`n` must be at least 1, got " + std::to_string(config.getInt("n")));
    for (const auto& p : config.getStringList("partition_by"))
        if (input.indexOf(p) < 0)
            return R::error("`partition_by` names `" + p +
                            "`, which is not an input field (fields: " + input.toString() + ")");
    auto keys = compileOrderBy(config, input);
    if (!keys) return R::error(keys.message());
    if (input.indexOf("rank") >= 0)
        return R::error("the input already has a field `rank`, which topn adds; rename it");
    Schema out = input;
    out.add({"rank", Type::Int});
    return std::vector<SchemaPtr>{std::make_shared<const Schema>(std::move(out))};
}

// -1, 0, 1 as a comes before, ties with, or comes after b in one key's order.
int compareFloat(double a, double b) {
    // NaN sorts above every number, so that the order stays total.
    const bool an = std::isnan(a), bn = std::isnan(b);
    if (an || bn) return an == bn ? 0 : (an ? 1 : -1);
    return a < b ? -1 : (b < a ? 1 : 0);
}

int compareValues(const Value& a, const Value& b) {
    switch (a.type) {
        case Type::Float:
            return compareFloat(a.f, b.f);
        case Type::String: {
            const int c = a.s.compare(b.s);
            return c < 0 ? -1 : (c > 0 ? 1 : 0);
        }
        case Type::Null:
            return 0;
        default:
            return a.i < b.i ? -1 : (b.i < a.i ? 1 : 0);
    }
}

class TopNOperator : public Operator {
public:
    explicit TopNOperator(const OperatorContext& ctx)
        : m_ctx(ctx),
          m_n(static_cast<size_t>(ctx.config.getInt("n"))),
          m_withTies(ctx.config.getBool("with_ties")),
          m_orderBy(compileOrderBy(ctx.config, *ctx.inputSchemas.at(0)).value()),
          m_partitions(*ctx.inputSchemas.at(0), ctx.config.getStringList("partition_by")),
          m_keyColumns(m_orderBy.size()) {
        const Schema& input = *ctx.inputSchemas.at(0);
        const int final = input.indexOf("final");
        if (final >= 0 && input.field(static_cast<size_t>(final)).type == Type::Bool)
            m_finalColumn = final;
    }

    void process(int, const Batch& in, Emitter& out) override {
        expr::EvalStats stats;
        for (size_t k = 0; k < m_orderBy.size(); ++k)
            m_orderBy[k].expression->evaluate(in, m_keyColumns[k], m_scratch, stats);
        if (stats.warnings) m_ctx.metrics->add(m_ctx.metrics->warnings, stats.warnings);
        const Column* final =
            m_finalColumn >= 0 ? &in.column(static_cast<size_t>(m_finalColumn)) : nullptr;
        const auto& times = in.times();
        ErrorRows errors(out, m_ctx.config.id());
        int64_t late = 0;
        Slot* slot = nullptr;
        TimeUs slotTime = 0;
        for (size_t r = 0; r < in.rows(); ++r) {
            if (final && final->isValid(r) && final->ints()[r] == 0) continue;
            const TimeUs t = times[r];
            if (t < m_watermark) {
                errors.add(in, r, kLateError);
                ++late;
                continue;
            }
            if (!slot || slotTime != t) {
                slot = &m_slots[t];
                slotTime = t;
            }
            offer(partitionOf(*slot, in, r), in, r);
        }
        m_scratch.reset();
        if (late) m_ctx.metrics->add(m_ctx.metrics->late, late);
    }

    void onWatermark(TimeUs wm, Emitter& out) override {
        m_watermark = wm;
        while (!m_slots.empty() && m_slots.begin()->first < wm) {
            for (Partition& p : m_slots.begin()->second.partitions) emit(p, out);
            m_slots.erase(m_slots.begin());
        }
        flush(out);
    }

    void finish(Emitter& out) override { onWatermark(kMaxTime, out); }

    // Checkpoints: the candidates of every _time still waiting for the watermark.
    void snapshotState(checkpoint::StateWriter& w) override {
        w.i64(m_watermark);
        w.u64(m_seq);
        w.u64(m_slots.size());
        for (const auto& [time, slot] : m_slots) {
            w.i64(time);
            w.u64(slot.index.size());
            for (const auto& [key, index] : slot.index) {
                w.bytes(key);
                w.u64(index);
            }
            w.u64(slot.partitions.size());
            for (const Partition& p : slot.partitions) {
                w.u64(p.rows.size());
                for (const Candidate& c : p.rows) {
                    saveValues(c.keys, w);
                    saveValues(c.row, w);
                    w.u64(c.seq);
                }
                saveValues(p.cutoff, w);
                w.boolean(p.hasCutoff);
                w.u64(p.limit);
            }
        }
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_slots.clear();
        m_watermark = r.i64();
        m_seq = r.u64();
        for (uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            Slot& slot = m_slots[r.i64()];
            for (uint64_t k = r.count(); k > 0 && r.ok(); --k) {
                std::string key = r.bytes();
                slot.index.emplace(std::move(key), r.u64());
            }
            slot.partitions.resize(r.count());
            for (Partition& p : slot.partitions) {
                p.rows.resize(r.count());
                for (Candidate& c : p.rows) {
                    c.keys = loadValues(r);
                    c.row = loadValues(r);
                    c.seq = r.u64();
                    if (c.keys.size() != m_orderBy.size() ||
                        c.row.size() != m_ctx.inputSchemas.at(0)->size())
                        r.fail();
                }
                p.cutoff = loadValues(r);
                p.hasCutoff = r.boolean();
                p.limit = r.u64();
                if (p.hasCutoff && p.cutoff.size() != m_orderBy.size()) r.fail();
            }
            for (const auto& [key, index] : slot.index)
                if (index >= slot.partitions.size()) r.fail();
        }
        return Status::ok();
    }

    StateSize stateSize() const override {
        StateSize s{0, 0, "candidate rows waiting for the watermark"};
        size_t bytes = 0;
        for (const auto& [time, slot] : m_slots) {
            bytes +=
                slot.index.size() * (sizeof(std::pair<std::string, size_t>) + 2 * sizeof(void*)) +
                slot.partitions.capacity() * sizeof(Partition);
            for (const Partition& p : slot.partitions) {
                s.keys += static_cast<int64_t>(p.rows.size());
                bytes += p.rows.capacity() * sizeof(Candidate) + valuesBytes(p.cutoff);
                for (const Candidate& c : p.rows) bytes += valuesBytes(c.keys) + valuesBytes(c.row);
            }
        }
        s.bytes = static_cast<int64_t>(bytes);
        return s;
    }

private:
    struct Candidate {
        std::vector<Value> keys;  // order_by values
        std::vector<Value> row;   // the input row
        uint64_t seq = 0;         // arrival order, the last tie-breaker
    };
    struct Partition {
        std::vector<Candidate> rows;
        std::vector<Value>
            cutoff;  // the n-th best keys after the last cut; rows worse are rejected
        bool hasCutoff = false;
        size_t limit = 0;  // cut back when rows reach this many
    };
    struct Slot {                                       // the groups of one _time
        std::unordered_map<std::string, size_t> index;  // encoded partition_by values -> partitions
        std::vector<Partition> partitions;              // in order of first arrival
    };

    Partition& partitionOf(Slot& slot, const Batch& in, size_t row) {
        const std::string& key = m_partitions.encode(in, row);
        auto [it, inserted] = slot.index.try_emplace(key, slot.partitions.size());
        if (inserted) {
            slot.partitions.emplace_back();
            slot.partitions.back().limit = std::max<size_t>(2 * m_n, 8);
        }
        return slot.partitions[it->second];
    }

    // <0 when keys a rank before keys b, 0 when tied on every key.
    int compareKeys(const std::vector<Value>& a, const std::vector<Value>& b) const {
        for (size_t k = 0; k < m_orderBy.size(); ++k) {
            const Value& x = a[k];
            const Value& y = b[k];
            if (x.null || y.null) {
                if (x.null && y.null) continue;
                return x.null == m_orderBy[k].nullsFirst ? -1 : 1;
            }
            int c = compareValues(x, y);
            if (c != 0) return m_orderBy[k].descending ? -c : c;
        }
        return 0;
    }

    bool before(const Candidate& a, const Candidate& b) const {
        const int c = compareKeys(a.keys, b.keys);
        return c != 0 ? c < 0 : a.seq < b.seq;
    }

    void offer(Partition& p, const Batch& in, size_t row) {
        m_rowKeys.clear();
        for (const Column& c : m_keyColumns) m_rowKeys.push_back(c.get(row));
        if (p.hasCutoff) {
            // Without ties a row equal to the cutoff loses to the earlier one; with ties it stays.
            const int c = compareKeys(m_rowKeys, p.cutoff);
            if (c > 0 || (c == 0 && !m_withTies)) return;
        }
        Candidate cand;
        cand.keys = m_rowKeys;
        cand.row.reserve(in.columnCount());
        for (size_t c = 0; c < in.columnCount(); ++c) cand.row.push_back(in.get(row, c));
        cand.seq = m_seq++;
        p.rows.push_back(std::move(cand));
        if (p.rows.size() >= p.limit) cut(p);
    }

    // Keeps the n best candidates (and, with ties, every row tied with the n-th): partial
    // selection, O(candidates).
    void cut(Partition& p) {
        if (p.rows.size() <= m_n) return;
        auto less = [this](const Candidate& a, const Candidate& b) { return before(a, b); };
        std::nth_element(p.rows.begin(), p.rows.begin() + static_cast<long>(m_n - 1), p.rows.end(),
                         less);
        p.cutoff = p.rows[m_n - 1].keys;
        p.hasCutoff = true;
        auto keepEnd = p.rows.begin() + static_cast<long>(m_n);
        if (m_withTies)
            keepEnd = std::partition(keepEnd, p.rows.end(), [this, &p](const Candidate& c) {
                return compareKeys(c.keys, p.cutoff) == 0;
            });
        p.rows.erase(keepEnd, p.rows.end());
        p.limit = std::max(p.limit, 2 * p.rows.size());
    }

    void emit(Partition& p, Emitter& out) {
        std::sort(p.rows.begin(), p.rows.end(),
                  [this](const Candidate& a, const Candidate& b) { return before(a, b); });
        const size_t width = m_ctx.inputSchemas.at(0)->size();
        int64_t rank = 0;
        for (size_t i = 0; i < p.rows.size(); ++i) {
            const bool tied = i > 0 && compareKeys(p.rows[i].keys, p.rows[i - 1].keys) == 0;
            if (!tied) {
                if (i >= m_n) break;
                rank = static_cast<int64_t>(i) + 1;
            } else if (!m_withTies && i >= m_n) {
                break;
            }
            if (!m_batch) m_batch = out.newBatch(0);
            Batch& b = *m_batch;
            for (size_t c = 0; c < width; ++c) b.appendValue(c, p.rows[i].row[c]);
            b.column(width).appendInt(rank);
            b.commitRow();
            if (b.rows() >= kBatchRows) flush(out);
        }
        p.rows.clear();
    }

    void flush(Emitter& out) {
        if (m_batch && !m_batch->empty()) out.push(0, std::move(m_batch));
        m_batch.reset();
    }

    OperatorContext m_ctx;
    size_t m_n;
    bool m_withTies;
    std::vector<OrderKey> m_orderBy;
    GroupKeyEncoder m_partitions;
    int m_finalColumn = -1;
    std::vector<Column> m_keyColumns;  // order_by values of the current batch
    StringArena m_scratch;
    std::vector<Value> m_rowKeys;
    std::map<TimeUs, Slot> m_slots;  // groups waiting for the watermark, by _time
    uint64_t m_seq = 0;
    TimeUs m_watermark = kMinTime;
    BatchPtr m_batch;
};

}  // namespace

}  // namespace riffle::topn

namespace riffle {

void registerTopN(NodeRegistry& registry) {
    NodeSpec s;
    s.typeId = "transform.topn";
    s.displayName = "Top N";
    s.category = "transform";
    s.state = {{"rows per partition and window", 1}};
    s.description =
        "The n best rows per window (rows with the same _time) and partition, ranked by order_by, "
        "e.g. the most viewed page of every 10 s window; adds `rank`.";
    s.inputs = {{"in", "Rows to rank, typically a window's results", false}};
    s.outputs = {
        {"out", "The n best rows of each window and partition, in rank order, with `rank`", false}};
    s.params = {
        param("n", ParamType::Int, "How many rows to keep per window and partition")
            .byDefault(3)
            .inUnit("rows")
            .range(1.0, 100000.0)
            .inGroup("Rank"),
        param("order_by", ParamType::StringList,
              "What to rank by: an expression with ASC or DESC (default DESC), e.g. \"views "
              "DESC\"; a list breaks ties in order, e.g. [\"bids DESC\", \"auction ASC\"]. "
              "NULLs rank last unless NULLS FIRST is given")
            .mandatory()
            .inGroup("Rank")
            .as(ParamRole::InputFields, 0),
        param("partition_by", ParamType::StringList,
              "Rank separately per value of these fields, e.g. [\"category\"]")
            .byDefault(Json::array())
            .inGroup("Rank")
            .as(ParamRole::InputFields, 0),
        param("with_ties", ParamType::Bool,
              "Also emit the rows tied with the n-th on every order_by key (SQL RANK() <= n)")
            .byDefault(false)
            .inGroup("Rank"),
    };
    s.schemaRule = topn::topnSchemaRule;
    s.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<topn::TopNOperator>(ctx);
    };
    // Flink's window Top-N: ranked per window (window_start, window_end) and partition.
    s.exportFlink = [](const FlinkExportContext& ctx) -> Result<FlinkExportPart> {
        using R = Result<FlinkExportPart>;
        const Schema& in = *ctx.inputs.at(0).schema;
        if (in.indexOf("window_start") < 0 || in.indexOf("window_end") < 0)
            return R::error(
                "Flink ranks per window only behind a window (its Top-N over any other stream "
                "updates rows it has written); feed it from a window node");
        std::string partition = "window_start, window_end", order;
        for (const std::string& g : ctx.config.getStringList("partition_by"))
            partition += ", " + flink::quote(g);
        for (std::string item : ctx.config.getStringList("order_by")) {
            // EXPR [ASC|DESC] [NULLS FIRST|LAST]: the defaults written out (DESC, NULLS LAST).
            auto strip = [&item](const std::string& word) {
                std::string upper = item;
                for (char& c : upper)
                    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                const size_t end = upper.find_last_not_of(" \t");
                if (end == std::string::npos || end + 1 < word.size() ||
                    upper.compare(end + 1 - word.size(), word.size(), word) != 0)
                    return false;
                item.erase(end + 1 - word.size());
                return true;
            };
            const std::string nulls = strip(" NULLS FIRST") ? " NULLS FIRST" : " NULLS LAST";
            if (nulls == " NULLS LAST") strip(" NULLS LAST");
            const std::string direction = strip(" ASC") ? " ASC" : " DESC";
            if (direction == " DESC") strip(" DESC");
            auto sql = flink::expression(item);
            if (!sql) return R::error("`order_by`: " + sql.message());
            order += (order.empty() ? "" : ", ") + *sql + direction + nulls;
        }
        if (ctx.config.getBool("with_ties"))
            return R::error(
                "Flink's window Top-N numbers rows with ROW_NUMBER only (RANK() is not supported "
                "there), so it cannot keep ties; set `with_ties` off to export");
        FlinkExportPart part;
        part.statements.push_back(
            "CREATE VIEW " + ctx.relation + " AS\nSELECT " + flink::columns(*ctx.output) +
            "\nFROM (\n  SELECT *, ROW_NUMBER() OVER (PARTITION BY " + partition + " ORDER BY " +
            order + ") AS `rank`\n  FROM " + ctx.inputs.at(0).relation +
            ")\nWHERE `rank` <= " + std::to_string(ctx.config.getInt("n")));
        part.notes.push_back(
            "of rows tied at the cut Flink keeps any, Riffle the earliest to arrive; and "
            "Flink numbers rows 1, 2, 3 (ROW_NUMBER) where Riffle gives tied rows one rank");
        return part;
    };
    registry.add(std::move(s));
}

}  // namespace riffle
