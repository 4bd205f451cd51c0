#pragma once
// Riffle's expression language (docs/expressions.md): scalar Flink SQL expressions, compiled once
// against an input schema and evaluated a whole batch at a time.
//
// Threading: a compiled Expression is immutable; evaluate() may run on several threads at once.
#include <memory>
#include <string>
#include <string_view>

#include "engine/core/batch.h"
#include "engine/core/status.h"
#include "engine/core/types.h"
#include "engine/core/value.h"

namespace riffle::expr {

// Per-evaluation counters: division by zero, bad casts and the like yield NULL and count here.
struct EvalStats {
    int64_t warnings = 0;
    std::string lastWarning;  // e.g. "division by zero in `a / b`"
};

class Expression {
public:
    virtual ~Expression() = default;
    // The result type (Type::Null only for a bare NULL literal).
    virtual Type type() const = 0;
    // The source text as given.
    virtual const std::string& text() const = 0;
    // Evaluates over every row of `in` into `out` (reset to type() and in.rows() rows). String
    // results are stored in `arena`, normally the arena of the batch `out` belongs to.
    virtual void evaluate(const Batch& in, Column& out, StringArena& arena,
                          EvalStats& stats) const = 0;
    // One row; for tests and row-at-a-time paths.
    virtual Value evaluateRow(const Batch& in, size_t row, EvalStats& stats) const = 0;
    // For a bare field reference (`page`): the input column whose values are the result, so a
    // caller may share that column instead of evaluating; -1 for any other expression.
    virtual int sourceColumn() const { return -1; }
};

using ExpressionPtr = std::shared_ptr<const Expression>;

// Parses and type-checks `source` against `schema`. Errors read
//   "1:7: expected an expression after `+`"                      (syntax, with line:column)
//   "1:1: unknown field `pgae` (did you mean `page`?)"
//   "1:6: cannot compare `page` (string) with 3 (int)"           (types: names field and both)
// and aggregate functions are refused in a scalar context.
Result<ExpressionPtr> compile(std::string_view source, const Schema& schema);

}  // namespace riffle::expr
