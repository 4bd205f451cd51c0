#pragma once
// Grouping by key, shared by every node that keeps aggregates per group (the windows,
// aggregate.running) or rows per key (transform.topn): the group key of a row, the groups and
// their state, and the result rows built from them.
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/aggregate/aggregate_set.h"
#include "engine/graph/node_spec.h"

namespace riffle {

// The group_by fields (as in `input`) followed by the aggregates' result fields, or a message
// naming the field. Checks that group_by names input fields once and that no aggregate reuses a
// group_by name. Window and running-aggregate results are built from these.
Result<std::vector<Field>> groupedAggregateFields(const std::vector<std::string>& groupBy,
                                                  const std::vector<NamedExpr>& aggregates,
                                                  const Schema& input);

// An aggregate call in Flink SQL (`AVG(CAST(x AS DOUBLE))`, Riffle's AVG of ints being a float),
// with a note for each difference Flink's result has, or why Flink has no streaming equivalent.
Result<std::string> flinkAggregate(const NamedExpr& aggregate, std::vector<std::string>& notes);

// Encodes the group_by values of a row into a compact byte string (type-tagged), so that groups
// can live in a hash map keyed by it.
class GroupKeyEncoder {
public:
    GroupKeyEncoder(const Schema& input, const std::vector<std::string>& groupBy);
    const std::string& encode(const Batch& in, size_t row);
    const std::vector<int>& columns() const { return m_columns; }

private:
    std::vector<int> m_columns;
    std::string m_buffer;
};

struct Group {
    agg::StatePtr state;
    std::vector<Value> key;    // group_by values, for output
    bool dirty = true;         // changed since it was last emitted
    TimeUs newest = kMinTime;  // newest event time seen; kept by aggregate.running only
};

using GroupMap = std::unordered_map<std::string, Group>;

// The group of row `row` of `in` in `groups` (by keys.encode()); a new group gets a fresh state
// and the row's group_by values. `inserted` (optional) tells whether it was created.
Group& groupFor(GroupMap& groups, GroupKeyEncoder& keys, const agg::AggregateSet& aggregates,
                const Batch& in, size_t row, bool* inserted = nullptr);

// The groups' share of a node's state (Operator::stateSize): one key per group, and the bytes of
// its hash-map entry, key, group values and aggregate state.
void addGroupsState(const GroupMap& groups, const agg::AggregateSet& aggregates, StateSize& size);

// Checkpoints: every group (key, group_by values, aggregates, dirty, newest), read back into an
// empty map by loadGroups() with the same aggregates.
void saveGroups(const GroupMap& groups, const agg::AggregateSet& aggregates,
                checkpoint::StateWriter& w);
void loadGroups(GroupMap& groups, const agg::AggregateSet& aggregates, checkpoint::StateReader& r);
void saveValues(const std::vector<Value>& values, checkpoint::StateWriter& w);
std::vector<Value> loadValues(checkpoint::StateReader& r);

// Builds result batches (port 0) for one window or running-aggregate node. Rows start with
// `_time`, the group_by values and the aggregates (groupedAggregateFields()).
class ResultWriter {
public:
    ResultWriter(const agg::AggregateSet& aggregates, size_t groupColumns, NodeMetrics* metrics)
        : m_aggregates(aggregates), m_groupColumns(groupColumns), m_metrics(metrics) {}
    // Window results: one row per group (only changed groups when onlyDirty), then window_start,
    // window_end, final; _time = end - 1 us. Marks the groups clean.
    void write(GroupMap& groups, TimeUs start, TimeUs end, bool final, bool onlyDirty,
               Emitter& out);
    // One window result row of the aggregates `state` of the group with group_by values `key`.
    void writeWindowRow(const agg::State& state, const std::vector<Value>& key, TimeUs start,
                        TimeUs end, bool final, Emitter& out);
    // One row `_time, group_by values, aggregates` and nothing more; marks the group clean.
    void writeGroup(Group& group, TimeUs time, Emitter& out);
    // Pushes the rows built so far and counts aggregate warnings.
    void flush(Emitter& out);

private:
    // Appends _time, group values and aggregates to the current batch; returns the next column.
    size_t appendGroup(const agg::State& state, const std::vector<Value>& key, TimeUs time,
                       Emitter& out);
    void commitRow(Emitter& out);

    const agg::AggregateSet& m_aggregates;
    size_t m_groupColumns;
    NodeMetrics* m_metrics;
    BatchPtr m_batch;
    expr::EvalStats m_stats;
};

}  // namespace riffle
