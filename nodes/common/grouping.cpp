#include "nodes/common/grouping.h"

#include <cstring>
#include <set>

namespace riffle {

Result<std::vector<Field>> groupedAggregateFields(const std::vector<std::string>& groupBy,
                                                  const std::vector<NamedExpr>& aggregates,
                                                  const Schema& input) {
    using R = Result<std::vector<Field>>;
    std::vector<Field> fields;
    std::set<std::string> names;
    for (const auto& g : groupBy) {
        const int idx = input.indexOf(g);
        if (idx < 0)
            return R::error("`group_by` names `" + g +
                            "`, which is not an input field (fields: " + input.toString() + ")");
        if (!names.insert(g).second) return R::error("`group_by` names `" + g + "` twice");
        fields.push_back(input.field(static_cast<size_t>(idx)));
    }
    if (aggregates.empty())
        return R::error(
            "`aggregates` is empty; add one, e.g. {\"name\": \"n\", \"expr\": \"COUNT(*)\"}");
    auto set = agg::AggregateSet::compile(aggregates, input);
    if (!set) return R::error(set.message());
    for (const Field& f : set->outputFields()) {
        if (!names.insert(f.name).second)
            return R::error("aggregate `" + f.name +
                            "` has the name of a group_by field; rename it");
        fields.push_back(f);
    }
    return fields;
}

GroupKeyEncoder::GroupKeyEncoder(const Schema& input, const std::vector<std::string>& groupBy) {
    for (const auto& g : groupBy) m_columns.push_back(input.indexOf(g));
}

const std::string& GroupKeyEncoder::encode(const Batch& in, size_t row) {
    m_buffer.clear();
    for (int c : m_columns) {
        const Column& col = in.column(static_cast<size_t>(c));
        if (col.isNull(row)) {
            m_buffer.push_back('\0');
            continue;
        }
        m_buffer.push_back('\1');
        switch (col.type()) {
            case Type::Float: {
                double v = col.floats()[row];
                if (v == 0) v = 0;  // -0.0 and 0.0 are one group
                m_buffer.append(reinterpret_cast<const char*>(&v), sizeof v);
                break;
            }
            case Type::String: {
                std::string_view s = col.strings()[row];
                const auto n = static_cast<uint32_t>(s.size());
                m_buffer.append(reinterpret_cast<const char*>(&n), sizeof n);
                m_buffer.append(s);
                break;
            }
            case Type::Null:
                break;
            default: {
                const int64_t v = col.ints()[row];
                m_buffer.append(reinterpret_cast<const char*>(&v), sizeof v);
                break;
            }
        }
    }
    return m_buffer;
}

Group& groupFor(GroupMap& groups, GroupKeyEncoder& keys, const agg::AggregateSet& aggregates,
                const Batch& in, size_t row, bool* inserted) {
    const std::string& key = keys.encode(in, row);
    auto it = groups.find(key);
    if (inserted) *inserted = it == groups.end();
    if (it != groups.end()) return it->second;
    Group g;
    g.state = aggregates.newState();
    for (int c : keys.columns()) g.key.push_back(in.get(row, static_cast<size_t>(c)));
    return groups.emplace(key, std::move(g)).first->second;
}

void addGroupsState(const GroupMap& groups, const agg::AggregateSet& aggregates, StateSize& size) {
    // A node of std::unordered_map: the pair, a next pointer and the cached hash.
    constexpr size_t kEntryBytes = sizeof(GroupMap::value_type) + 2 * sizeof(void*);
    size.keys += static_cast<int64_t>(groups.size());
    size_t bytes = groups.bucket_count() * sizeof(void*);
    for (const auto& [key, g] : groups)
        bytes +=
            kEntryBytes + heapBytes(key) + aggregates.stateBytes(*g.state) + valuesBytes(g.key);
    size.bytes += static_cast<int64_t>(bytes);
}

void saveValues(const std::vector<Value>& values, checkpoint::StateWriter& w) {
    w.u64(values.size());
    for (const Value& v : values) w.value(v);
}

std::vector<Value> loadValues(checkpoint::StateReader& r) {
    std::vector<Value> values(r.count());
    for (Value& v : values) v = r.value();
    return values;
}

void saveGroups(const GroupMap& groups, const agg::AggregateSet& aggregates,
                checkpoint::StateWriter& w) {
    w.u64(groups.size());
    for (const auto& [key, g] : groups) {
        w.bytes(key);
        saveValues(g.key, w);
        aggregates.save(*g.state, w);
        w.boolean(g.dirty);
        w.i64(g.newest);
    }
}

void loadGroups(GroupMap& groups, const agg::AggregateSet& aggregates, checkpoint::StateReader& r) {
    const uint64_t n = r.count();
    groups.reserve(groups.size() + n);
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        std::string key = r.bytes();
        Group g;
        g.key = loadValues(r);
        g.state = aggregates.newState();
        aggregates.load(*g.state, r);
        g.dirty = r.boolean();
        g.newest = r.i64();
        if (!groups.emplace(std::move(key), std::move(g)).second) r.fail();  // a key twice
    }
}

size_t ResultWriter::appendGroup(const agg::State& state, const std::vector<Value>& key,
                                 TimeUs time, Emitter& out) {
    if (!m_batch) m_batch = out.newBatch(0);
    Batch& b = *m_batch;
    b.column(0).appendTime(time);
    for (size_t k = 0; k < m_groupColumns; ++k) b.appendValue(1 + k, key[k]);
    const size_t aggStart = 1 + m_groupColumns;
    m_aggregates.appendResults(state, b, aggStart, m_stats);
    return aggStart + m_aggregates.size();
}

void ResultWriter::commitRow(Emitter& out) {
    m_batch->commitRow();
    if (m_batch->rows() >= kBatchRows) flush(out);
}

void ResultWriter::write(GroupMap& groups, TimeUs start, TimeUs end, bool final, bool onlyDirty,
                         Emitter& out) {
    for (auto& [key, g] : groups) {
        if (onlyDirty && !g.dirty) continue;
        writeWindowRow(*g.state, g.key, start, end, final, out);
        g.dirty = false;
    }
}

void ResultWriter::writeWindowRow(const agg::State& state, const std::vector<Value>& key,
                                  TimeUs start, TimeUs end, bool final, Emitter& out) {
    const size_t after = appendGroup(state, key, end - 1, out);
    Batch& b = *m_batch;
    b.column(after).appendTime(start);
    b.column(after + 1).appendTime(end);
    b.column(after + 2).appendBool(final);
    commitRow(out);
}

void ResultWriter::writeGroup(Group& group, TimeUs time, Emitter& out) {
    appendGroup(*group.state, group.key, time, out);
    group.dirty = false;
    commitRow(out);
}

void ResultWriter::flush(Emitter& out) {
    if (m_stats.warnings && m_metrics) m_metrics->add(m_metrics->warnings, m_stats.warnings);
    m_stats = {};
    if (m_batch && !m_batch->empty()) out.push(0, std::move(m_batch));
    m_batch.reset();
}

Result<std::string> flinkAggregate(const NamedExpr& a, std::vector<std::string>& notes) {
    auto translated = flink::expression(a.expr);
    if (!translated)
        return Result<std::string>::error("aggregate `" + a.name + "`: " + translated.message());
    const std::string& expr = *translated;
    // NAME(args): the translation writes the function's name upper case, then its arguments.
    const size_t open = expr.find('(');
    if (open == std::string::npos || expr.back() != ')')
        return Result<std::string>::error("aggregate `" + a.name + "` is not a call");
    const std::string name = expr.substr(0, open);
    const std::string args = expr.substr(open + 1, expr.size() - open - 2);
    std::string sql;
    if (name == "AVG") {
        sql = "AVG(CAST(" + args + " AS DOUBLE))";  // Flink's AVG of BIGINT is a BIGINT
    } else if (name == "STDDEV") {
        sql = "STDDEV_SAMP(CAST(" + args + " AS DOUBLE))";
    } else if (name == "PERCENTILE") {
        sql = "PERCENTILE(" + args + ")";
        notes.push_back("`" + a.name +
                        "`: Flink's PERCENTILE is exact (interpolated between ranks), "
                        "Riffle's is within 0.5 % of a value of the stream (DDSketch)");
    } else if (name == "APPROX_COUNT_DISTINCT") {
        sql = "COUNT(DISTINCT " + args + ")";
        notes.push_back("`" + a.name +
                        "`: Flink counts exactly (COUNT(DISTINCT), which keeps every "
                        "value), Riffle's HyperLogLog is nearly always within 2 %");
    } else if (name == "COUNT" || name == "SUM" || name == "MIN" || name == "MAX" ||
               name == "FIRST_VALUE" || name == "LAST_VALUE") {
        sql = expr;
    } else {
        return Result<std::string>::error("aggregate `" + a.name +
                                          "`: Flink SQL has no streaming " + name);
    }
    return sql;
}

}  // namespace riffle
