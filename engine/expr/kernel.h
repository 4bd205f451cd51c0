#pragma once
// Vectorized evaluation: a compiled expression is a tree of typed kernels. Each kernel computes
// its whole output column for a batch in a tight loop over its children's columns.
//
// Scratch columns live in an EvalContext that belongs to one evaluate() call, so a compiled tree
// is immutable and may be evaluated by several threads at once. A field reference returns the
// input column itself (no copy).
//
// Masks: conditional constructs (CASE, IF, COALESCE, AND, OR) evaluate a child only "for" the
// rows that need it. Kernels still compute every row (cheaper than branching), but a warning
// (division by zero, bad cast, ...) counts only for rows in the mask, so
// `CASE WHEN b <> 0 THEN a / b END` never warns.
#include <memory>
#include <string>
#include <vector>

#include "engine/core/batch.h"
#include "engine/core/types.h"

namespace riffle::expr {

struct EvalContext {
    EvalContext(size_t slots, size_t rows) : columns(slots), warned(rows, 0) {}
    std::vector<Column> columns;  // one scratch column per kernel slot
    StringArena arena;            // bytes of intermediate strings
    std::vector<uint8_t> warned;  // per row: did some kernel warn
    std::string lastWarning;

    // `mask` null means every row.
    void warn(size_t row, const uint8_t* mask, const std::string& message) {
        if (mask && !mask[row]) return;
        warned[row] = 1;
        lastWarning = message;
    }
};

class Kernel;
using KernelPtr = std::shared_ptr<const Kernel>;

class Kernel {
public:
    Kernel(Type type, std::string text) : m_type(type), m_text(std::move(text)) {}
    virtual ~Kernel() = default;
    Type type() const { return m_type; }
    // Source text, for warnings.
    const std::string& text() const { return m_text; }
    virtual bool isConstant() const { return false; }
    // Whether folding literal-only arguments is allowed (false for kernels whose result is not a
    // pure function of their arguments).
    virtual bool foldable() const { return true; }
    // The input column this kernel returns unchanged (a bare field reference), else -1.
    virtual int fieldColumn() const { return -1; }
    const std::vector<KernelPtr>& children() const { return m_children; }
    void setSlot(size_t slot) { m_slot = slot; }

    // The output column: in.rows() rows of type(). The reference stays valid until the end of
    // the evaluate() call that owns `ctx`.
    virtual const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const = 0;

protected:
    Column& output(EvalContext& ctx) const { return ctx.columns[m_slot]; }
    // The output column reset to type() with n rows, all NULL.
    Column& freshOutput(EvalContext& ctx, size_t n) const {
        Column& c = ctx.columns[m_slot];
        c.reset(m_type);
        c.resizeNull(n);
        return c;
    }

    Type m_type;
    std::string m_text;
    std::vector<KernelPtr> m_children;
    size_t m_slot = 0;
};

}  // namespace riffle::expr
