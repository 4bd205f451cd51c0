#pragma once
// Internal to engine/expr: type-checks a parse tree against a schema and builds its kernel tree.
// Type errors are thrown as CompileError inside the compiler and returned as a Result by
// compileTree(); nothing escapes to callers. Not thread-safe; one Compiler per compile() call.
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/types.h"
#include "engine/expr/ast.h"
#include "engine/expr/kernels.h"

namespace riffle::expr {

struct CompileError {
    std::string message;
};

class Compiler {
public:
    explicit Compiler(const Schema& schema) : m_schema(schema) {}

    // Builds the tree; the kernel count needed for scratch columns is slots().next afterwards.
    Result<KernelPtr> compileTree(const ast::Node& root);
    SlotCounter& slots() { return m_slots; }

    // --- for the function catalog (functions.cpp) ---
    KernelPtr build(const ast::Node& node);
    [[noreturn]] void fail(ast::Position pos, const std::string& message) const;
    // Converts a kernel to `to`: a NULL literal becomes a typed NULL, an int is widened to float.
    // Other conversions are not implicit and must have been rejected before.
    KernelPtr coerce(KernelPtr k, Type to);
    // The common type of several operands: equal types, or numbers (int and float give float),
    // ignoring NULL literals. Fails with "`what` needs ..." naming the first mismatching pair.
    Type commonType(const std::vector<KernelPtr>& ks, const std::vector<const ast::Node*>& nodes,
                    ast::Position pos, const std::string& what);
    // Replaces a kernel whose arguments are all constants by its value (unless it warns).
    KernelPtr fold(KernelPtr k);
    // "`page` (string)" / "3 (int)".
    static std::string describeTyped(const ast::Node& node, Type t);

private:
    KernelPtr buildField(const ast::Node& node);
    KernelPtr buildUnary(const ast::Node& node);
    KernelPtr buildBinary(const ast::Node& node);
    KernelPtr buildComparison(const ast::Node& node, CmpOp op, KernelPtr l, KernelPtr r,
                              const ast::Node& ln, const ast::Node& rn, const std::string& text);
    KernelPtr buildIn(const ast::Node& node);
    KernelPtr buildBetween(const ast::Node& node);
    KernelPtr buildLike(const ast::Node& node);
    KernelPtr buildCase(const ast::Node& node);
    KernelPtr buildCast(const ast::Node& node);
    KernelPtr requireBool(const ast::Node& node, const std::string& what);

    const Schema& m_schema;
    SlotCounter m_slots;
};

// The function catalog: builds the kernel of a Kind::Call or Kind::Extract node.
KernelPtr buildFunction(Compiler& c, const ast::Node& node);
// Every scalar function name, for suggestions.
const std::vector<std::string>& functionNames();

}  // namespace riffle::expr
