#pragma once
// The aggregate functions of window and running-aggregate nodes (the user-facing rules are in
// docs/expressions.md, "Aggregate functions").
//
// An AggregateSet is the compiled form of a node's `aggregates` list: each entry is exactly one
// aggregate call such as `COUNT(*)`, `SUM(amount * 1.2)`, `COUNT(DISTINCT user_id)` or
// `PERCENTILE(latency_ms, 0.99)`, whose argument is any scalar expression over the input schema.
// A window operator uses it like this:
//
//     agg::Arguments args;                         // one per operator instance, reused
//     set.evaluateArguments(batch, args, stats);   // once per input batch, vectorized
//     for each row: set.accumulate(stateOf(group, window), args, row);
//     on firing:    set.appendResults(state, out, firstAggregateColumn, stats); out.commitRow()
//
// State: one contiguous allocation per group holds the fixed-size part of every aggregate
// (counts, sums, Welford moments, minimum and maximum, ...). accumulate() dispatches with a switch
// over a small enum per aggregate (no virtual call) and does not allocate for COUNT, SUM, AVG,
// STDDEV, FIRST_VALUE, LAST_VALUE, and MIN/MAX of numbers, bools and times. String MIN/MAX/FIRST/
// LAST copy the string when it changes (reusing the state's buffer). The distinct and sketch
// aggregates grow their tables as values arrive.
//
// Merge: merge(into, from) combines two states of the same set as if `from`'s events had been
// accumulated into `into` after its own (FIRST_VALUE keeps `into`'s value when it has one,
// LAST_VALUE takes `from`'s). It is exact for the exact aggregates (floating-point sums up to
// rounding, since the order of additions changes) and keeps the sketches' guarantees.
//
// Threading: a compiled AggregateSet is immutable and may be used from several threads at once.
// A State and an Arguments object belong to one thread at a time. A State keeps what it needs of
// its set alive, so it may outlive the AggregateSet object it came from.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/checkpoint/state_codec.h"
#include "engine/core/batch.h"
#include "engine/core/status.h"
#include "engine/core/types.h"
#include "engine/expr/expression.h"
#include "engine/graph/params.h"

namespace riffle::agg {

namespace detail {
struct Plan;
}

// The function of one aggregate, after looking at its call and argument type.
enum class Function : uint8_t {
    CountStar,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    FirstValue,
    LastValue,
    Stddev,
    CountDistinct,
    ApproxCountDistinct,
    Percentile,
    TopK,
};

// The evaluated arguments of one input batch. For a plain field argument this refers to the
// batch's own column, so it is valid only while that batch is alive and unchanged; computed
// arguments live here. Reuse one object from batch to batch: its buffers are kept.
class Arguments {
public:
    size_t rows() const { return m_rows; }

private:
    friend class AggregateSet;
    std::vector<const Column*> m_columns;  // per distinct argument expression
    std::vector<Column> m_owned;           // storage for computed arguments
    StringArena m_arena;
    size_t m_rows = 0;
};

// The aggregate values of one group (and window). Created by AggregateSet::newState().
class State {
public:
    ~State();
    State(const State&) = delete;
    State& operator=(const State&) = delete;

private:
    friend class AggregateSet;
    friend struct StateDeleter;
    explicit State(std::shared_ptr<const detail::Plan> plan) : m_plan(std::move(plan)) {}
    unsigned char* data();
    const unsigned char* data() const;
    std::shared_ptr<const detail::Plan> m_plan;
};

struct StateDeleter {
    void operator()(State* s) const;
};
using StatePtr = std::unique_ptr<State, StateDeleter>;

class AggregateSet {
public:
    // An empty set (no aggregates); compile() builds real ones.
    AggregateSet();

    // Parses and checks every {name, expr} against `input`. Errors name the aggregate:
    //   "aggregate `p99`: PERCENTILE needs a number between 0 and 1 as its second argument, got 99"
    //   "aggregate `x`: `page + 1` is not an aggregate call; use COUNT, SUM, AVG, ..."
    //   "aggregate `s`: SUM needs a number, got `page` (string)"
    //   "aggregate `v`: 1:5: unknown field `pgae` (did you mean `page`?)" (argument errors keep
    //   the position of the expression compiler)
    static Result<AggregateSet> compile(const std::vector<NamedExpr>& aggregates,
                                        const Schema& input);

    // Name and result type of every aggregate, in the order given.
    const std::vector<Field>& outputFields() const;
    size_t size() const;
    Function function(size_t i) const;

    // Evaluates every argument expression over `in` (each distinct expression once).
    void evaluateArguments(const Batch& in, Arguments& args, expr::EvalStats& stats) const;

    StatePtr newState() const;
    // Back to the state of newState(), keeping what memory it can.
    void reset(State& s) const;
    // Adds event `row` of the batch `args` was evaluated from. NULL arguments are ignored.
    void accumulate(State& s, const Arguments& args, size_t row) const;
    // Adds the events of `from` (a state of this set) to `into`; see "Merge" above.
    void merge(State& into, const State& from) const;
    // Whether subtract() works for every aggregate of the set: COUNT(*), COUNT(x), PERCENTILE.
    bool invertible() const;
    // Takes the events of `part` out of `from` again (they were added to it before, by merge or
    // accumulate); false when it cannot tell them apart any more (a sketch that collapsed
    // buckets), and `from` is then undefined. Only for an invertible() set.
    bool subtract(State& from, const State& part) const;
    // Appends one value per aggregate to columns firstColumn, firstColumn + 1, ... of `out`
    // (whose types must be outputFields()'s); the caller commits the row. An integer SUM that
    // overflowed appends NULL and counts a warning in `stats`, once per result.
    void appendResults(const State& s, Batch& out, size_t firstColumn,
                       expr::EvalStats& stats) const;
    // The result of aggregate i as a Value, for tests and row-at-a-time paths.
    Value result(const State& s, size_t i) const;
    // For checkpoints: every aggregate's state, read back by load() into a newState() of a set
    // compiled from the same aggregates and input schema (a damaged state fails the reader).
    void save(const State& s, checkpoint::StateWriter& w) const;
    void load(State& s, checkpoint::StateReader& r) const;
    // Approximate bytes held by the state, for memory metrics.
    size_t stateBytes(const State& s) const;

private:
    explicit AggregateSet(std::shared_ptr<const detail::Plan> plan) : m_plan(std::move(plan)) {}
    std::shared_ptr<const detail::Plan> m_plan;
};

}  // namespace riffle::agg
