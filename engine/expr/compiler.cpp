#include "engine/expr/compiler.h"

#include "engine/expr/text_util.h"

namespace riffle::expr {

using ast::Kind;
using ast::Node;

void Compiler::fail(ast::Position pos, const std::string& message) const {
    throw CompileError{ast::positionPrefix(pos) + message};
}

std::string Compiler::describeTyped(const Node& node, Type t) {
    return ast::describe(node) + " (" + std::string(typeName(t)) + ")";
}

Result<KernelPtr> Compiler::compileTree(const Node& root) {
    try {
        return build(root);
    } catch (const CompileError& e) {
        return Result<KernelPtr>::error(e.message);
    }
}

KernelPtr Compiler::coerce(KernelPtr k, Type to) {
    if (k->type() == to) return k;
    if (k->type() == Type::Null) return makeConstant(Value::nullOf(to), to, k->text(), m_slots);
    return fold(makeCast(k, to, k->text(), m_slots));
}

Type Compiler::commonType(const std::vector<KernelPtr>& ks, const std::vector<const Node*>& nodes,
                          ast::Position pos, const std::string& what) {
    Type common = Type::Null;
    size_t first = 0;
    for (size_t i = 0; i < ks.size(); ++i) {
        const Type t = ks[i]->type();
        if (t == Type::Null) continue;
        if (common == Type::Null) {
            common = t;
            first = i;
        } else if (common != t) {
            if (isNumeric(common) && isNumeric(t)) {
                common = Type::Float;
            } else {
                fail(pos, what + " " + describeTyped(*nodes[first], ks[first]->type()) + " and " +
                              describeTyped(*nodes[i], t));
            }
        }
    }
    return common;
}

KernelPtr Compiler::fold(KernelPtr k) {
    if (k->isConstant() || !k->foldable() || k->children().empty()) return k;
    for (const auto& c : k->children())
        if (!c->isConstant()) return k;
    Batch one;
    one.reset(std::make_shared<Schema>());
    one.setRows(1);
    EvalContext ctx(m_slots.next, 1);
    const Column& col = k->eval(one, ctx, nullptr);
    // A constant that warns (1 / 0) must keep warning for every event, so it stays a kernel.
    if (ctx.warned[0]) return k;
    return makeConstant(col.get(0), k->type(), k->text(), m_slots);
}

KernelPtr Compiler::build(const Node& node) {
    switch (node.kind) {
        case Kind::Literal:
            return makeConstant(node.value, node.value.null ? Type::Null : node.value.type,
                                node.text, m_slots);
        case Kind::Field:
            return buildField(node);
        case Kind::Star:
            fail(node.pos, "`*` is only allowed in COUNT(*)");
        case Kind::Unary:
            return buildUnary(node);
        case Kind::Binary:
            return buildBinary(node);
        case Kind::IsNull: {
            KernelPtr x = build(*node.args[0]);
            return fold(makeIsNull(x, node.negated, node.text, m_slots));
        }
        case Kind::IsBool: {
            KernelPtr x = requireBool(*node.args[0],
                                      "IS " + std::string(node.negated ? "NOT " : "") + node.op);
            return fold(makeIsBool(x, node.op == "TRUE", node.negated, node.text, m_slots));
        }
        case Kind::In:
            return buildIn(node);
        case Kind::Between:
            return buildBetween(node);
        case Kind::Like:
            return buildLike(node);
        case Kind::Case:
            return buildCase(node);
        case Kind::Cast:
            return buildCast(node);
        case Kind::Call:
        case Kind::Extract: {
            if (node.kind == Kind::Call && ast::isAggregateFunction(node.name))
                fail(node.pos, "aggregate function " + node.name +
                                   " is not allowed here; use it in a window's aggregates");
            return fold(buildFunction(*this, node));
        }
    }
    fail(node.pos, "unsupported expression");
}

KernelPtr Compiler::buildField(const Node& node) {
    const int idx = m_schema.indexOf(node.name);
    if (idx >= 0) {
        const Field& f = m_schema.field(static_cast<size_t>(idx));
        return makeField(static_cast<size_t>(idx), f.type, node.text);
    }
    std::vector<std::string> names;
    for (const auto& f : m_schema.fields()) names.push_back(f.name);
    std::string hint = closestName(node.name, names);
    if (!hint.empty())
        fail(node.pos, "unknown field `" + node.name + "` (did you mean `" + hint + "`?)");
    // A misspelt function called without parentheses is also a possibility; keep it simple.
    std::string avail;
    for (const auto& n : names) avail += (avail.empty() ? "" : ", ") + n;
    fail(node.pos, "unknown field `" + node.name + "` (fields: " + avail + ")");
}

KernelPtr Compiler::requireBool(const Node& node, const std::string& what) {
    KernelPtr k = build(node);
    if (k->type() == Type::Null) return coerce(k, Type::Bool);
    if (k->type() != Type::Bool)
        fail(node.pos, what + " needs a bool, got " + describeTyped(node, k->type()));
    return k;
}

KernelPtr Compiler::buildUnary(const Node& node) {
    const Node& arg = *node.args[0];
    if (node.op == "NOT") {
        KernelPtr x = requireBool(arg, "NOT");
        return fold(makeNot(x, node.text, m_slots));
    }
    KernelPtr x = build(arg);
    if (x->type() == Type::Null) return x;
    if (!isNumeric(x->type()))
        fail(node.pos, "`" + node.op + "` needs a number, got " + describeTyped(arg, x->type()));
    if (node.op == "+") return x;
    return fold(makeNegate(x, node.text, m_slots));
}

KernelPtr Compiler::buildComparison(const Node& node, CmpOp op, KernelPtr l, KernelPtr r,
                                    const Node& ln, const Node& rn, const std::string& text) {
    Type lt = l->type(), rt = r->type();
    Type common;
    if (lt == Type::Null && rt == Type::Null)
        common = Type::Bool;
    else if (lt == Type::Null)
        common = rt;
    else if (rt == Type::Null)
        common = lt;
    else if (lt == rt)
        common = lt;
    else if (isNumeric(lt) && isNumeric(rt))
        common = Type::Float;
    else
        fail(node.opPos,
             "cannot compare " + describeTyped(ln, lt) + " with " + describeTyped(rn, rt));
    return fold(makeCompare(op, coerce(l, common), coerce(r, common), text, m_slots));
}

KernelPtr Compiler::buildBinary(const Node& node) {
    const Node& ln = *node.args[0];
    const Node& rn = *node.args[1];
    const std::string& op = node.op;
    if (op == "AND" || op == "OR") {
        KernelPtr l = requireBool(ln, "`" + op + "`");
        KernelPtr r = requireBool(rn, "`" + op + "`");
        return fold(op == "AND" ? makeAnd(l, r, node.text, m_slots)
                                : makeOr(l, r, node.text, m_slots));
    }
    KernelPtr l = build(ln);
    KernelPtr r = build(rn);
    const Type lt = l->type(), rt = r->type();
    static const std::pair<std::string_view, CmpOp> kCmp[] = {{"=", CmpOp::Eq}, {"<>", CmpOp::Ne},
                                                              {"<", CmpOp::Lt}, {"<=", CmpOp::Le},
                                                              {">", CmpOp::Gt}, {">=", CmpOp::Ge}};
    for (const auto& [name, cmp] : kCmp)
        if (op == name) return buildComparison(node, cmp, l, r, ln, rn, node.text);
    if (op == "||") {
        if ((lt != Type::String && lt != Type::Null) || (rt != Type::String && rt != Type::Null))
            fail(node.opPos, "`||` needs strings, got " + describeTyped(ln, lt) + " and " +
                                 describeTyped(rn, rt) + "; convert with CAST(x AS STRING)");
        std::vector<KernelPtr> args{coerce(l, Type::String), coerce(r, Type::String)};
        return fold(makeFunction(
            Type::String, args,
            [](const FnCall& c) {
                c.propagateNulls();
                std::string buf;
                const auto& a = c.args[0]->strings();
                const auto& b = c.args[1]->strings();
                for (size_t i = 0; i < c.rows; ++i) {
                    if (!c.out.validity()[i]) continue;
                    buf.assign(a[i]);
                    buf.append(b[i]);
                    c.out.strings()[i] = c.store(buf);
                }
            },
            node.text, m_slots));
    }
    ArithOp aop = ArithOp::Add;
    if (op == "-")
        aop = ArithOp::Sub;
    else if (op == "*")
        aop = ArithOp::Mul;
    else if (op == "/")
        aop = ArithOp::Div;
    else if (op == "%")
        aop = ArithOp::Mod;
    const bool timeMix = (lt == Type::Time || rt == Type::Time) && (op == "+" || op == "-");
    if (timeMix) {
        // time ± int (an INTERVAL in microseconds) -> time; int + time -> time; time - time -> int.
        Type result = Type::Null;
        if (lt == Type::Time && (rt == Type::Int || rt == Type::Null))
            result = Type::Time;
        else if (op == "+" && (lt == Type::Int || lt == Type::Null) && rt == Type::Time)
            result = Type::Time;
        else if (op == "-" && lt == Type::Time && rt == Type::Time)
            result = Type::Int;
        if (result == Type::Null)
            fail(node.opPos, "`" + op + "` needs numbers, or a time and an interval, got " +
                                 describeTyped(ln, lt) + " and " + describeTyped(rn, rt));
        if (lt == Type::Null || rt == Type::Null)
            return makeConstant(Value::nullOf(result), result, node.text, m_slots);
        return fold(makeArith(aop, result, l, r, node.text, m_slots));
    }
    const bool lok = isNumeric(lt) || lt == Type::Null;
    const bool rok = isNumeric(rt) || rt == Type::Null;
    if (!lok || !rok)
        fail(node.opPos, "`" + op + "` needs numbers, got " + describeTyped(ln, lt) + " and " +
                             describeTyped(rn, rt));
    Type t = Type::Int;
    if (lt == Type::Float || rt == Type::Float) t = Type::Float;
    if (lt == Type::Null && rt == Type::Null)
        return makeConstant(Value{}, Type::Null, node.text, m_slots);
    if (lt == Type::Null || rt == Type::Null)
        return makeConstant(Value::nullOf(t), t, node.text, m_slots);
    return fold(makeArith(aop, t, coerce(l, t), coerce(r, t), node.text, m_slots));
}

KernelPtr Compiler::buildIn(const Node& node) {
    std::vector<KernelPtr> ks;
    std::vector<const Node*> nodes;
    for (const auto& a : node.args) {
        ks.push_back(build(*a));
        nodes.push_back(a.get());
    }
    Type t = Type::Null;
    for (size_t i = 1; i < ks.size(); ++i) {
        const Type a = ks[0]->type(), b = ks[i]->type();
        if (a != Type::Null && b != Type::Null && a != b && !(isNumeric(a) && isNumeric(b)))
            fail(node.args[i]->pos, "cannot compare " + describeTyped(*nodes[0], a) + " with " +
                                        describeTyped(*nodes[i], b));
    }
    t = commonType(ks, nodes, node.opPos, "IN cannot mix");
    if (t == Type::Null) t = Type::Bool;
    KernelPtr x = coerce(ks[0], t);
    std::vector<KernelPtr> items;
    for (size_t i = 1; i < ks.size(); ++i) items.push_back(coerce(ks[i], t));
    return fold(makeIn(x, items, node.negated, node.text, m_slots));
}

KernelPtr Compiler::buildBetween(const Node& node) {
    // x BETWEEN lo AND hi is x >= lo AND x <= hi; x is evaluated for both comparisons.
    KernelPtr x = build(*node.args[0]);
    KernelPtr lo = build(*node.args[1]);
    KernelPtr hi = build(*node.args[2]);
    KernelPtr ge = buildComparison(node, CmpOp::Ge, x, lo, *node.args[0], *node.args[1], node.text);
    KernelPtr le = buildComparison(node, CmpOp::Le, x, hi, *node.args[0], *node.args[2], node.text);
    KernelPtr both = fold(makeAnd(ge, le, node.text, m_slots));
    if (node.negated) return fold(makeNot(both, node.text, m_slots));
    return both;
}

KernelPtr Compiler::buildLike(const Node& node) {
    std::vector<KernelPtr> ks;
    for (size_t i = 0; i < node.args.size(); ++i) {
        KernelPtr k = build(*node.args[i]);
        if (k->type() != Type::String && k->type() != Type::Null)
            fail(node.args[i]->pos, std::string(i == 2 ? "ESCAPE" : "LIKE") +
                                        " needs a string, got " +
                                        describeTyped(*node.args[i], k->type()));
        ks.push_back(coerce(k, Type::String));
    }
    // A literal pattern is checked now rather than at every event.
    const bool constEscape = ks.size() < 3 || ks[2]->isConstant();
    if (ks[1]->isConstant() && constEscape) {
        const Value& p = constantValue(*ks[1]);
        std::string esc = "\\";
        if (ks.size() > 2) {
            const Value& e = constantValue(*ks[2]);
            if (!e.null) esc = e.s;
            if (!e.null && codePointCount(esc) != 1)
                fail(node.args[2]->pos,
                     "the ESCAPE of LIKE must be one character, got '" + esc + "'");
        }
        if (!p.null) {
            LikePattern check;
            size_t pos = 0;
            std::string err = check.prepare(p.s, decodeUtf8(esc, pos));
            if (!err.empty()) fail(node.args[1]->pos, err);
        }
    }
    return fold(
        makeLike(ks[0], ks[1], ks.size() > 2 ? ks[2] : nullptr, node.negated, node.text, m_slots));
}

KernelPtr Compiler::buildCase(const Node& node) {
    size_t i = 0;
    KernelPtr operand;
    const Node* operandNode = nullptr;
    if (node.hasOperand) {
        operandNode = node.args[0].get();
        operand = build(*operandNode);
        i = 1;
    }
    const size_t whenEnd = node.args.size() - (node.hasElse ? 1 : 0);
    std::vector<KernelPtr> conds, results;
    std::vector<const Node*> resultNodes;
    for (; i + 1 < whenEnd; i += 2) {
        const Node& when = *node.args[i];
        const Node& then = *node.args[i + 1];
        if (operand) {
            KernelPtr v = build(when);
            conds.push_back(
                buildComparison(when, CmpOp::Eq, operand, v, *operandNode, when, when.text));
        } else {
            conds.push_back(requireBool(when, "WHEN"));
        }
        results.push_back(build(then));
        resultNodes.push_back(&then);
    }
    KernelPtr els;
    if (node.hasElse) {
        els = build(*node.args.back());
        results.push_back(els);
        resultNodes.push_back(node.args.back().get());
    }
    const Type t =
        commonType(results, resultNodes, node.pos, "CASE results must have one type, got");
    if (node.hasElse) results.pop_back();
    for (auto& r : results) r = coerce(r, t);
    if (els) els = coerce(els, t);
    if (t == Type::Null) return makeConstant(Value{}, Type::Null, node.text, m_slots);
    return makeCase(t, conds, results, els, node.text, m_slots);
}

KernelPtr Compiler::buildCast(const Node& node) {
    static const std::pair<std::string_view, Type> kTypes[] = {
        {"BOOLEAN", Type::Bool}, {"BOOL", Type::Bool},      {"INT", Type::Int},
        {"INTEGER", Type::Int},  {"BIGINT", Type::Int},     {"TINYINT", Type::Int},
        {"SMALLINT", Type::Int}, {"FLOAT", Type::Float},    {"DOUBLE", Type::Float},
        {"REAL", Type::Float},   {"STRING", Type::String},  {"VARCHAR", Type::String},
        {"CHAR", Type::String},  {"TIMESTAMP", Type::Time}, {"TIMESTAMP_LTZ", Type::Time},
        {"TIME", Type::Time}};
    std::optional<Type> to;
    for (const auto& [name, t] : kTypes)
        if (node.op == name) to = t;
    if (!to)
        fail(node.opPos, "unknown type `" + node.op +
                             "` in CAST (use BOOLEAN, INT, BIGINT, FLOAT, DOUBLE, STRING, VARCHAR, "
                             "TIMESTAMP, or bool, int, float, string, time)");
    const Node& arg = *node.args[0];
    KernelPtr x = build(arg);
    const Type from = x->type();
    if (from == Type::Null) return makeConstant(Value::nullOf(*to), *to, node.text, m_slots);
    const bool allowed =
        from == *to || *to == Type::String || from == Type::String ||
        (isNumeric(from) && isNumeric(*to)) || (from == Type::Bool && isNumeric(*to)) ||
        (isNumeric(from) && *to == Type::Bool) || (from == Type::Int && *to == Type::Time) ||
        (from == Type::Time && *to == Type::Int);
    if (!allowed)
        fail(node.pos,
             "cannot cast " + describeTyped(arg, from) + " to " + std::string(typeName(*to)));
    if (from == *to) return x;
    return fold(makeCast(x, *to, node.text, m_slots));
}

}  // namespace riffle::expr
