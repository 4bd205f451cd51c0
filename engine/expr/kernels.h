#pragma once
// The kernel catalog: factories for the typed kernels that a compiled expression is made of.
// The compiler checks types before calling them; the factories assume well-typed children
// (for example both operands of a comparison already have the same type).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/value.h"
#include "engine/expr/kernel.h"

namespace riffle::expr {

// Hands out scratch-column slots while a tree is being built.
struct SlotCounter {
    size_t next = 0;
    size_t take() { return next++; }
};

enum class ArithOp { Add, Sub, Mul, Div, Mod };
enum class CmpOp { Eq, Ne, Lt, Le, Gt, Ge };

// `value` must be NULL or of type `type`.
KernelPtr makeConstant(const Value& value, Type type, std::string text, SlotCounter& slots);
KernelPtr makeField(size_t column, Type type, std::string text);
// Operands: both Int or both Float; or Time/Int mixes for + and - (Time - Time gives Int).
// Overflow and division by zero give NULL and a warning.
KernelPtr makeArith(ArithOp op, Type resultType, KernelPtr l, KernelPtr r, std::string text,
                    SlotCounter& slots);
KernelPtr makeNegate(KernelPtr x, std::string text, SlotCounter& slots);
// Operands of the same type.
KernelPtr makeCompare(CmpOp op, KernelPtr l, KernelPtr r, std::string text, SlotCounter& slots);
KernelPtr makeAnd(KernelPtr l, KernelPtr r, std::string text, SlotCounter& slots);
KernelPtr makeOr(KernelPtr l, KernelPtr r, std::string text, SlotCounter& slots);
KernelPtr makeNot(KernelPtr x, std::string text, SlotCounter& slots);
KernelPtr makeIsNull(KernelPtr x, bool negated, std::string text, SlotCounter& slots);
// x IS [NOT] TRUE / FALSE (never NULL).
KernelPtr makeIsBool(KernelPtr x, bool value, bool negated, std::string text, SlotCounter& slots);
// Items of the same type as x; SQL semantics: TRUE on a match, else NULL if x or an item is NULL.
KernelPtr makeIn(KernelPtr x, std::vector<KernelPtr> items, bool negated, std::string text,
                 SlotCounter& slots);
// Results (and elseResult, which may be null for ELSE NULL) of type `type`.
KernelPtr makeCase(Type type, std::vector<KernelPtr> conditions, std::vector<KernelPtr> results,
                   KernelPtr elseResult, std::string text, SlotCounter& slots);
KernelPtr makeCoalesce(Type type, std::vector<KernelPtr> args, std::string text,
                       SlotCounter& slots);
KernelPtr makeCast(KernelPtr x, Type to, std::string text, SlotCounter& slots);
// A failed runtime check of a LIKE pattern (e.g. escape at the end) is a NULL and a warning.
// `escape` may be null (backslash).
KernelPtr makeLike(KernelPtr x, KernelPtr pattern, KernelPtr escape, bool negated, std::string text,
                   SlotCounter& slots);

// A function kernel: `body` computes the output column from the argument columns.
struct FnCall {
    const std::vector<const Column*>& args;
    Column& out;  // reset to the result type, rows() rows, all NULL
    size_t rows;
    EvalContext& ctx;
    const uint8_t* mask;
    const std::string& text;
    void warn(size_t row, const std::string& message) const { ctx.warn(row, mask, message); }
    // out.validity = AND of the arguments' validity (the usual NULL-in, NULL-out rule).
    void propagateNulls() const;
    std::string_view store(std::string_view s) const { return ctx.arena.store(s); }
};
using FnBody = std::function<void(const FnCall&)>;
KernelPtr makeFunction(Type type, std::vector<KernelPtr> args, FnBody body, std::string text,
                       SlotCounter& slots);

// The value of a constant kernel (isConstant()).
const Value& constantValue(const Kernel& k);

// Formats a float as Value::toString does ("2.5", "1.0E10" style is not used: "1e+10").
std::string formatFloat(double f);
// Flink's CAST(time AS STRING): "2026-01-01 10:00:00.000" (6 fraction digits if microseconds).
std::string formatTimestamp(TimeUs t);
// Parses a whole trimmed string as a 64-bit integer / finite double / boolean (Flink's words).
std::optional<int64_t> parseIntStrict(std::string_view s);
std::optional<double> parseFloatStrict(std::string_view s);
std::optional<bool> parseBoolWord(std::string_view s);

}  // namespace riffle::expr
