// compile() entry points and the compiled expression that runs a kernel tree.
#include "engine/expr/expression.h"

#include "engine/expr/ast.h"
#include "engine/expr/compiler.h"

namespace riffle::expr {

namespace {

class CompiledExpression final : public Expression {
public:
    CompiledExpression(KernelPtr root, size_t slots, std::string text)
        : m_root(std::move(root)), m_slots(slots), m_text(std::move(text)) {}

    Type type() const override { return m_root->type(); }
    const std::string& text() const override { return m_text; }

    void evaluate(const Batch& in, Column& out, StringArena& arena,
                  EvalStats& stats) const override {
        const size_t n = in.rows();
        EvalContext ctx(m_slots, n);
        const Column& result = m_root->eval(in, ctx, nullptr);
        const Type t = type();
        out.reset(t);
        out.resizeNull(n);
        out.validity().assign(result.validity().begin(),
                              result.validity().begin() + static_cast<std::ptrdiff_t>(n));
        switch (t) {
            case Type::Null:
                break;
            case Type::Float:
                std::copy_n(result.floats().begin(), n, out.floats().begin());
                break;
            case Type::String:
                // Results may point into the input batch or scratch memory: the caller's arena
                // must own them.
                for (size_t i = 0; i < n; ++i)
                    if (out.validity()[i]) out.strings()[i] = arena.store(result.strings()[i]);
                break;
            default:
                std::copy_n(result.ints().begin(), n, out.ints().begin());
                break;
        }
        for (size_t i = 0; i < n; ++i) stats.warnings += ctx.warned[i];
        if (!ctx.lastWarning.empty()) stats.lastWarning = ctx.lastWarning;
    }

    int sourceColumn() const override { return m_root->fieldColumn(); }

    Value evaluateRow(const Batch& in, size_t row, EvalStats& stats) const override {
        // The same kernels over a one-row copy, so both paths give identical results.
        Batch one;
        one.reset(in.schemaPtr());
        one.appendRowFrom(in, row);
        Column col;
        StringArena arena;
        evaluate(one, col, arena, stats);
        Value v = col.get(0);
        v.type = type();
        return v;
    }

private:
    KernelPtr m_root;
    size_t m_slots;
    std::string m_text;
};

}  // namespace

namespace {

Result<ExpressionPtr> compileWithText(const ast::Node& node, const Schema& schema,
                                      std::string text) {
    Compiler compiler(schema);
    Result<KernelPtr> root = compiler.compileTree(node);
    if (!root) return Result<ExpressionPtr>::error(root.message());
    return ExpressionPtr(std::make_shared<CompiledExpression>(
        std::move(root).value(), compiler.slots().next, std::move(text)));
}

}  // namespace

Result<ExpressionPtr> compile(const ast::Node& node, const Schema& schema) {
    return compileWithText(node, schema, node.text);
}

Result<ExpressionPtr> compile(std::string_view source, const Schema& schema) {
    Result<ast::NodePtr> tree = ast::parse(source);
    if (!tree) return Result<ExpressionPtr>::error(tree.message());
    // text() is the source as given, including surrounding parentheses and spaces.
    return compileWithText(*tree.value(), schema, std::string(source));
}

}  // namespace riffle::expr
