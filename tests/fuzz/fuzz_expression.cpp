// The expression language: parser, type checker and evaluator over a small batch whose rows hold
// the edge values (NULL, 0, INT64_MIN/MAX, NaN, infinities, empty and non-ASCII text). Any text
// compiles or gets a message with its place; what compiles evaluates without a crash, batch and
// row at a time alike. An input that starts with "agg:" is one aggregate of a window instead:
// compiled, accumulated over the rows into two states, merged, and read out.
#include <cmath>
#include <limits>

#include "engine/aggregate/aggregate_set.h"
#include "engine/expr/expression.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

using namespace riffle;

const Schema& schema() {
    static const Schema s = Schema::stream({{"page", Type::String},
                                            {"user_id", Type::Int},
                                            {"amount", Type::Float},
                                            {"ok", Type::Bool},
                                            {"seen", Type::Time},
                                            {"msg", Type::String}});
    return s;
}

const Batch& batch() {
    static const std::unique_ptr<Batch> b = [] {
        auto batch = std::make_unique<Batch>();
        Batch& in = *batch;
        in.reset(std::make_shared<Schema>(schema()));
        const double inf = std::numeric_limits<double>::infinity();
        struct Row {
            const char* page;
            int64_t user;
            double amount;
            bool ok;
            TimeUs seen;
            const char* msg;
        };
        const Row rows[] = {
            {"/home", 1, 9.5, true, 1'764'000'000'000'000, "{\"a\": {\"b\": [10]}}"},
            {"", 0, 0.0, false, 0, ""},
            {"straße ☃ \xF0\x9F\x98\x80", INT64_MIN, -inf, true, INT64_MIN, "abba abba c"},
            {"/cart", INT64_MAX, inf, false, INT64_MAX, "2026-11-24T10:00:00Z"},
            {"%_\\", -1, std::nan(""), true, -1, "a,b,,c"},
        };
        TimeUs t = 0;
        for (const Row& r : rows) {
            in.column(0).appendTime(t++);
            in.appendString(1, r.page);
            in.column(2).appendInt(r.user);
            in.column(3).appendFloat(r.amount);
            in.column(4).appendBool(r.ok);
            in.column(5).appendTime(r.seen);
            in.appendString(6, r.msg);
            in.commitRow();
        }
        for (size_t c = 0; c < in.columnCount(); ++c) in.column(c).appendNull();  // a row of NULLs
        in.commitRow();
        return batch;
    }();
    return *b;
}

void aggregate(std::string_view text) {
    auto set = agg::AggregateSet::compile({{"a", std::string(text)}}, schema());
    if (!set) {
        FUZZ_CHECK(!set.message().empty(), "a refused aggregate has a message");
        return;
    }
    expr::EvalStats stats;
    agg::Arguments args;
    set->evaluateArguments(batch(), args, stats);
    agg::StatePtr left = set->newState(), right = set->newState();
    for (size_t row = 0; row < batch().rows(); ++row)
        set->accumulate(row % 2 ? *left : *right, args, row);
    set->merge(*left, *right);
    Batch out;
    out.reset(std::make_shared<Schema>(Schema::stream(set->outputFields())));
    out.column(0).appendTime(0);
    set->appendResults(*left, out, 1, stats);
    out.commitRow();
    (void)set->stateBytes(*left);
}

}  // namespace

RIFFLE_FUZZ_TARGET(expression) {
    if (input.substr(0, 4) == "agg:") return aggregate(input.substr(4));
    auto e = expr::compile(input, schema());
    if (!e) {
        FUZZ_CHECK(!e.message().empty(), "a refused expression has a message");
        return;
    }
    Column out;
    StringArena arena;
    expr::EvalStats stats;
    (*e)->evaluate(batch(), out, arena, stats);
    FUZZ_CHECK(out.size() == batch().rows(), "one result per row");
    for (size_t row = 0; row < batch().rows(); ++row) {
        const Value v = (*e)->evaluateRow(batch(), row, stats);
        FUZZ_CHECK(v.null == !out.validity()[row], "batch and row evaluation agree on NULL");
    }
}
