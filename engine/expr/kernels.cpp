#include "engine/expr/kernels.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/core/time_format.h"
#include "engine/expr/text_util.h"

namespace riffle::expr {

namespace {

template <typename T>
const std::vector<T>& values(const Column& c);
template <>
const std::vector<int64_t>& values<int64_t>(const Column& c) {
    return c.ints();
}
template <>
const std::vector<double>& values<double>(const Column& c) {
    return c.floats();
}
template <>
const std::vector<std::string_view>& values<std::string_view>(const Column& c) {
    return c.strings();
}
template <typename T>
std::vector<T>& mutableValues(Column& c);
template <>
std::vector<int64_t>& mutableValues<int64_t>(Column& c) {
    return c.ints();
}
template <>
std::vector<double>& mutableValues<double>(Column& c) {
    return c.floats();
}
template <>
std::vector<std::string_view>& mutableValues<std::string_view>(Column& c) {
    return c.strings();
}

// Calls f.template operator()<T>() with the storage type of `t`.
template <typename F>
void dispatchStorage(Type t, F&& f) {
    switch (t) {
        case Type::Float:
            f.template operator()<double>();
            break;
        case Type::String:
            f.template operator()<std::string_view>();
            break;
        case Type::Null:
            break;
        default:
            f.template operator()<int64_t>();
            break;
    }
}

// dst[i] = src[i] for the rows where sel[i] is set (values and validity).
void copySelected(const Column& src, Column& dst, const std::vector<uint8_t>& sel) {
    const size_t n = sel.size();
    const auto& sv = src.validity();
    auto& dv = dst.validity();
    for (size_t i = 0; i < n; ++i)
        if (sel[i]) dv[i] = sv[i];
    dispatchStorage(dst.type(), [&]<typename T>() {
        const auto& s = values<T>(src);
        auto& d = mutableValues<T>(dst);
        for (size_t i = 0; i < n; ++i)
            if (sel[i]) d[i] = s[i];
    });
}

std::vector<uint8_t> maskOrAll(const uint8_t* mask, size_t n) {
    if (mask) return std::vector<uint8_t>(mask, mask + n);
    return std::vector<uint8_t>(n, 1);
}

class ConstantKernel final : public Kernel {
public:
    ConstantKernel(const Value& v, Type t, std::string text)
        : Kernel(t, std::move(text)), m_value(v) {
        m_value.type = t;
    }
    bool isConstant() const override { return true; }
    const Value& value() const { return m_value; }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t*) const override {
        const size_t n = in.rows();
        Column& out = output(ctx);
        out.reset(m_type);
        if (m_value.null) {
            out.resizeNull(n);
            return out;
        }
        out.validity().assign(n, 1);
        switch (m_type) {
            case Type::Float:
                out.floats().assign(n, m_value.f);
                break;
            case Type::String:
                out.strings().assign(n, std::string_view(m_value.s));
                break;
            case Type::Null:
                break;
            default:
                out.ints().assign(n, m_value.i);
                break;
        }
        return out;
    }

private:
    Value m_value;
};

class FieldKernel final : public Kernel {
public:
    FieldKernel(size_t column, Type t, std::string text)
        : Kernel(t, std::move(text)), m_column(column) {}
    const Column& eval(const Batch& in, EvalContext&, const uint8_t*) const override {
        return in.column(m_column);
    }
    int fieldColumn() const override { return static_cast<int>(m_column); }

private:
    size_t m_column;
};

class ArithKernel final : public Kernel {
public:
    ArithKernel(ArithOp op, Type t, KernelPtr l, KernelPtr r, std::string text)
        : Kernel(t, std::move(text)), m_op(op) {
        m_children = {std::move(l), std::move(r)};
        m_overflow = "integer overflow in `" + m_text + "`";
        m_divZero =
            (op == ArithOp::Mod ? "modulo by zero in `" : "division by zero in `") + m_text + "`";
    }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const override {
        const Column& a = m_children[0]->eval(in, ctx, mask);
        const Column& b = m_children[1]->eval(in, ctx, mask);
        const size_t n = in.rows();
        Column& out = freshOutput(ctx, n);
        auto& valid = out.validity();
        const auto& va = a.validity();
        const auto& vb = b.validity();
        for (size_t i = 0; i < n; ++i) valid[i] = va[i] & vb[i];
        if (m_children[0]->type() == Type::Float) {
            const auto& x = a.floats();
            const auto& y = b.floats();
            auto& o = out.floats();
            switch (m_op) {
                case ArithOp::Add:
                    for (size_t i = 0; i < n; ++i) o[i] = x[i] + y[i];
                    break;
                case ArithOp::Sub:
                    for (size_t i = 0; i < n; ++i) o[i] = x[i] - y[i];
                    break;
                case ArithOp::Mul:
                    for (size_t i = 0; i < n; ++i) o[i] = x[i] * y[i];
                    break;
                case ArithOp::Div:
                case ArithOp::Mod:
                    for (size_t i = 0; i < n; ++i) {
                        if (!valid[i]) continue;
                        if (y[i] == 0) {
                            valid[i] = 0;
                            ctx.warn(i, mask, m_divZero);
                            continue;
                        }
                        o[i] = m_op == ArithOp::Div ? x[i] / y[i] : std::fmod(x[i], y[i]);
                    }
                    break;
            }
            return out;
        }
        const auto& x = a.ints();
        const auto& y = b.ints();
        auto& o = out.ints();
        switch (m_op) {
            case ArithOp::Add:
                for (size_t i = 0; i < n; ++i)
                    if (__builtin_add_overflow(x[i], y[i], &o[i]) && valid[i])
                        overflow(ctx, mask, out, i);
                break;
            case ArithOp::Sub:
                for (size_t i = 0; i < n; ++i)
                    if (__builtin_sub_overflow(x[i], y[i], &o[i]) && valid[i])
                        overflow(ctx, mask, out, i);
                break;
            case ArithOp::Mul:
                for (size_t i = 0; i < n; ++i)
                    if (__builtin_mul_overflow(x[i], y[i], &o[i]) && valid[i])
                        overflow(ctx, mask, out, i);
                break;
            case ArithOp::Div:
            case ArithOp::Mod:
                for (size_t i = 0; i < n; ++i) {
                    if (!valid[i]) continue;
                    if (y[i] == 0) {
                        valid[i] = 0;
                        ctx.warn(i, mask, m_divZero);
                    } else if (y[i] == -1) {
                        // INT64_MIN / -1 does not fit; x % -1 is always 0.
                        if (m_op == ArithOp::Mod)
                            o[i] = 0;
                        else if (__builtin_sub_overflow(int64_t{0}, x[i], &o[i]))
                            overflow(ctx, mask, out, i);
                    } else {
                        o[i] = m_op == ArithOp::Div ? x[i] / y[i] : x[i] % y[i];
                    }
                }
                break;
        }
        return out;
    }

private:
    void overflow(EvalContext& ctx, const uint8_t* mask, Column& out, size_t i) const {
        out.validity()[i] = 0;
        ctx.warn(i, mask, m_overflow);
    }
    ArithOp m_op;
    std::string m_overflow;
    std::string m_divZero;
};

class NegateKernel final : public Kernel {
public:
    NegateKernel(KernelPtr x, std::string text) : Kernel(x->type(), std::move(text)) {
        m_children = {std::move(x)};
        m_overflow = "integer overflow in `" + m_text + "`";
    }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const override {
        const Column& a = m_children[0]->eval(in, ctx, mask);
        const size_t n = in.rows();
        Column& out = freshOutput(ctx, n);
        out.validity() = a.validity();
        if (m_type == Type::Float) {
            for (size_t i = 0; i < n; ++i) out.floats()[i] = -a.floats()[i];
        } else {
            for (size_t i = 0; i < n; ++i) {
                if (__builtin_sub_overflow(int64_t{0}, a.ints()[i], &out.ints()[i]) &&
                    out.validity()[i]) {
                    out.validity()[i] = 0;
                    ctx.warn(i, mask, m_overflow);
                }
            }
        }
        return out;
    }

private:
    std::string m_overflow;
};

template <typename T>
void compareLoop(CmpOp op, const std::vector<T>& x, const std::vector<T>& y,
                 std::vector<int64_t>& o, size_t n) {
    switch (op) {
        case CmpOp::Eq:
            for (size_t i = 0; i < n; ++i) o[i] = x[i] == y[i];
            break;
        case CmpOp::Ne:
            for (size_t i = 0; i < n; ++i) o[i] = x[i] != y[i];
            break;
        case CmpOp::Lt:
            for (size_t i = 0; i < n; ++i) o[i] = x[i] < y[i];
            break;
        case CmpOp::Le:
            for (size_t i = 0; i < n; ++i) o[i] = x[i] <= y[i];
            break;
        case CmpOp::Gt:
            for (size_t i = 0; i < n; ++i) o[i] = x[i] > y[i];
            break;
        case CmpOp::Ge:
            for (size_t i = 0; i < n; ++i) o[i] = x[i] >= y[i];
            break;
    }
}

class CompareKernel final : public Kernel {
public:
    CompareKernel(CmpOp op, KernelPtr l, KernelPtr r, std::string text)
        : Kernel(Type::Bool, std::move(text)), m_op(op) {
        m_children = {std::move(l), std::move(r)};
    }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const override {
        const Column& a = m_children[0]->eval(in, ctx, mask);
        const Column& b = m_children[1]->eval(in, ctx, mask);
        const size_t n = in.rows();
        Column& out = freshOutput(ctx, n);
        auto& valid = out.validity();
        for (size_t i = 0; i < n; ++i) valid[i] = a.validity()[i] & b.validity()[i];
        dispatchStorage(m_children[0]->type(), [&]<typename T>() {
            compareLoop<T>(m_op, values<T>(a), values<T>(b), out.ints(), n);
        });
        return out;
    }

private:
    CmpOp m_op;
};

class LogicKernel final : public Kernel {
public:
    LogicKernel(bool isAnd, KernelPtr l, KernelPtr r, std::string text)
        : Kernel(Type::Bool, std::move(text)), m_and(isAnd) {
        m_children = {std::move(l), std::move(r)};
    }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const override {
        const size_t n = in.rows();
        const Column& a = m_children[0]->eval(in, ctx, mask);
        // The right side matters only where the left side does not decide: not FALSE for AND,
        // not TRUE for OR.
        const int64_t decides = m_and ? 0 : 1;
        std::vector<uint8_t> need = maskOrAll(mask, n);
        for (size_t i = 0; i < n; ++i)
            if (a.validity()[i] && (a.ints()[i] != 0) == (decides != 0)) need[i] = 0;
        // `a` may live in a slot that the right side overwrites only if the tree shares kernels,
        // which the compiler never does across AND/OR; still, copy what is needed first.
        std::vector<uint8_t> av = a.validity();
        std::vector<int64_t> ai = a.ints();
        const Column& b = m_children[1]->eval(in, ctx, need.data());
        Column& out = freshOutput(ctx, n);
        auto& valid = out.validity();
        auto& o = out.ints();
        for (size_t i = 0; i < n; ++i) {
            const bool aDecides = av[i] && (ai[i] != 0) == (decides != 0);
            const bool bDecides = b.validity()[i] && (b.ints()[i] != 0) == (decides != 0);
            if (aDecides || bDecides) {
                valid[i] = 1;
                o[i] = decides;
            } else if (av[i] && b.validity()[i]) {
                valid[i] = 1;
                o[i] = 1 - decides;
            }
        }
        return out;
    }

private:
    bool m_and;
};

class NotKernel final : public Kernel {
public:
    NotKernel(KernelPtr x, std::string text) : Kernel(Type::Bool, std::move(text)) {
        m_children = {std::move(x)};
    }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const override {
        const Column& a = m_children[0]->eval(in, ctx, mask);
        const size_t n = in.rows();
        Column& out = freshOutput(ctx, n);
        out.validity() = a.validity();
        for (size_t i = 0; i < n; ++i) out.ints()[i] = a.ints()[i] == 0;
        return out;
    }
};

class IsNullKernel final : public Kernel {
public:
    IsNullKernel(KernelPtr x, bool negated, std::string text)
        : Kernel(Type::Bool, std::move(text)), m_negated(negated) {
        m_children = {std::move(x)};
    }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const override {
        const Column& a = m_children[0]->eval(in, ctx, mask);
        const size_t n = in.rows();
        Column& out = freshOutput(ctx, n);
        out.validity().assign(n, 1);
        const int64_t whenValid = m_negated ? 1 : 0;
        for (size_t i = 0; i < n; ++i) out.ints()[i] = a.validity()[i] ? whenValid : 1 - whenValid;
        return out;
    }

private:
    bool m_negated;
};

class IsBoolKernel final : public Kernel {
public:
    IsBoolKernel(KernelPtr x, bool value, bool negated, std::string text)
        : Kernel(Type::Bool, std::move(text)), m_value(value), m_negated(negated) {
        m_children = {std::move(x)};
    }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const override {
        const Column& a = m_children[0]->eval(in, ctx, mask);
        const size_t n = in.rows();
        Column& out = freshOutput(ctx, n);
        out.validity().assign(n, 1);
        for (size_t i = 0; i < n; ++i) {
            const bool is = a.validity()[i] && (a.ints()[i] != 0) == m_value;
            out.ints()[i] = is != m_negated;
        }
        return out;
    }

private:
    bool m_value;
    bool m_negated;
};

class InKernel final : public Kernel {
public:
    InKernel(KernelPtr x, std::vector<KernelPtr> items, bool negated, std::string text)
        : Kernel(Type::Bool, std::move(text)), m_negated(negated) {
        m_children.push_back(std::move(x));
        for (auto& k : items) m_children.push_back(std::move(k));
    }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const override {
        const size_t n = in.rows();
        const Column& x = m_children[0]->eval(in, ctx, mask);
        std::vector<uint8_t> found(n, 0), sawNull(n, 0);
        for (size_t i = 0; i < n; ++i) sawNull[i] = !x.validity()[i];
        for (size_t k = 1; k < m_children.size(); ++k) {
            const Column& item = m_children[k]->eval(in, ctx, mask);
            dispatchStorage(m_children[0]->type(), [&]<typename T>() {
                const auto& xv = values<T>(x);
                const auto& iv = values<T>(item);
                for (size_t i = 0; i < n; ++i) {
                    if (!item.validity()[i])
                        sawNull[i] = 1;
                    else if (xv[i] == iv[i])
                        found[i] = 1;
                }
            });
        }
        Column& out = freshOutput(ctx, n);
        for (size_t i = 0; i < n; ++i) {
            const bool isMatch = x.validity()[i] && found[i];
            if (isMatch) {
                out.validity()[i] = 1;
                out.ints()[i] = !m_negated;
            } else if (!sawNull[i]) {
                out.validity()[i] = 1;
                out.ints()[i] = m_negated;
            }
        }
        return out;
    }

private:
    bool m_negated;
};

class CaseKernel final : public Kernel {
public:
    CaseKernel(Type t, std::vector<KernelPtr> conds, std::vector<KernelPtr> results, KernelPtr els,
               std::string text)
        : Kernel(t, std::move(text)), m_branches(conds.size()), m_hasElse(els != nullptr) {
        for (size_t k = 0; k < conds.size(); ++k) {
            m_children.push_back(std::move(conds[k]));
            m_children.push_back(std::move(results[k]));
        }
        if (els) m_children.push_back(std::move(els));
    }
    bool foldable() const override { return false; }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const override {
        const size_t n = in.rows();
        std::vector<uint8_t> remaining = maskOrAll(mask, n);
        // The output is assembled in a column of our own: children may reuse nothing of it.
        Column result(m_type);
        result.resizeNull(n);
        std::vector<uint8_t> taken(n);
        for (size_t k = 0; k < m_branches; ++k) {
            const Column& c = m_children[2 * k]->eval(in, ctx, remaining.data());
            bool any = false;
            for (size_t i = 0; i < n; ++i) {
                taken[i] = remaining[i] && c.validity()[i] && c.ints()[i] != 0;
                any |= taken[i] != 0;
            }
            if (!any) continue;
            const Column& r = m_children[2 * k + 1]->eval(in, ctx, taken.data());
            copySelected(r, result, taken);
            for (size_t i = 0; i < n; ++i) remaining[i] &= static_cast<uint8_t>(!taken[i]);
        }
        if (m_hasElse) {
            const Column& e = m_children.back()->eval(in, ctx, remaining.data());
            copySelected(e, result, remaining);
        }
        Column& out = output(ctx);
        out = std::move(result);
        return out;
    }

private:
    size_t m_branches;
    bool m_hasElse;
};

class CoalesceKernel final : public Kernel {
public:
    CoalesceKernel(Type t, std::vector<KernelPtr> args, std::string text)
        : Kernel(t, std::move(text)) {
        m_children = std::move(args);
    }
    bool foldable() const override { return false; }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const override {
        const size_t n = in.rows();
        std::vector<uint8_t> need = maskOrAll(mask, n);
        Column result(m_type);
        result.resizeNull(n);
        for (const auto& child : m_children) {
            const Column& c = child->eval(in, ctx, need.data());
            copySelected(c, result, need);
            bool any = false;
            for (size_t i = 0; i < n; ++i) {
                need[i] &= static_cast<uint8_t>(!c.validity()[i]);
                any |= need[i] != 0;
            }
            if (!any) break;
        }
        Column& out = output(ctx);
        out = std::move(result);
        return out;
    }
};

class CastKernel final : public Kernel {
public:
    CastKernel(KernelPtr x, Type to, std::string text) : Kernel(to, std::move(text)) {
        m_children = {std::move(x)};
    }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const override {
        const Column& a = m_children[0]->eval(in, ctx, mask);
        const Type from = m_children[0]->type();
        const size_t n = in.rows();
        Column& out = freshOutput(ctx, n);
        auto& valid = out.validity();
        valid = a.validity();
        if (from == Type::Null) {
            valid.assign(n, 0);
            return out;
        }
        auto bad = [&](size_t i, const std::string& shown) {
            valid[i] = 0;
            ctx.warn(i, mask,
                     "cannot cast " + shown + " to " + std::string(typeName(m_type)) + " in `" +
                         m_text + "`");
        };
        switch (m_type) {
            case Type::Float:
                for (size_t i = 0; i < n; ++i) {
                    if (!valid[i]) continue;
                    if (from == Type::String) {
                        auto v = parseFloatStrict(a.strings()[i]);
                        if (v)
                            out.floats()[i] = *v;
                        else
                            bad(i, "'" + std::string(a.strings()[i]) + "'");
                    } else if (from == Type::Float) {
                        out.floats()[i] = a.floats()[i];
                    } else {
                        out.floats()[i] = static_cast<double>(a.ints()[i]);
                    }
                }
                break;
            case Type::Int:
            case Type::Time:
                for (size_t i = 0; i < n; ++i) {
                    if (!valid[i]) continue;
                    if (from == Type::String) {
                        const std::string_view s = a.strings()[i];
                        std::optional<int64_t> v =
                            m_type == Type::Int ? parseIntStrict(s) : parseIso8601(s);
                        if (v)
                            out.ints()[i] = *v;
                        else
                            bad(i, "'" + std::string(s) + "'");
                    } else if (from == Type::Float) {
                        const double f = a.floats()[i];
                        // Truncation toward zero, as Flink; out of range or NaN cannot be cast.
                        if (std::isfinite(f) && f > -9.2233720368547758e18 &&
                            f < 9.2233720368547758e18)
                            out.ints()[i] = static_cast<int64_t>(f);
                        else
                            bad(i, formatFloat(f));
                    } else {
                        out.ints()[i] = a.ints()[i];
                    }
                }
                break;
            case Type::Bool:
                for (size_t i = 0; i < n; ++i) {
                    if (!valid[i]) continue;
                    if (from == Type::String) {
                        auto v = parseBoolWord(a.strings()[i]);
                        if (v)
                            out.ints()[i] = *v;
                        else
                            bad(i, "'" + std::string(a.strings()[i]) + "'");
                    } else if (from == Type::Float) {
                        out.ints()[i] = a.floats()[i] != 0;
                    } else {
                        out.ints()[i] = a.ints()[i] != 0;
                    }
                }
                break;
            case Type::String: {
                std::string buf;
                for (size_t i = 0; i < n; ++i) {
                    if (!valid[i]) continue;
                    switch (from) {
                        case Type::String:
                            out.strings()[i] = a.strings()[i];
                            continue;
                        case Type::Bool:
                            out.strings()[i] = a.ints()[i] ? "TRUE" : "FALSE";
                            continue;
                        case Type::Int:
                            buf = std::to_string(a.ints()[i]);
                            break;
                        case Type::Float:
                            buf = formatFloat(a.floats()[i]);
                            break;
                        case Type::Time:
                            buf = formatTimestamp(a.ints()[i]);
                            break;
                        case Type::Null:
                            break;
                    }
                    out.strings()[i] = ctx.arena.store(buf);
                }
                break;
            }
            case Type::Null:
                break;
        }
        return out;
    }
};

class LikeKernel final : public Kernel {
public:
    LikeKernel(KernelPtr x, KernelPtr pattern, KernelPtr escape, bool negated, std::string text)
        : Kernel(Type::Bool, std::move(text)), m_negated(negated) {
        m_children = {std::move(x), std::move(pattern)};
        if (escape) m_children.push_back(std::move(escape));
        const bool constEscape = m_children.size() < 3 || m_children[2]->isConstant();
        if (m_children[1]->isConstant() && constEscape) {
            const Value& p = constantValue(*m_children[1]);
            std::optional<uint32_t> esc = escapeOf(
                m_children.size() < 3 ? std::optional<std::string_view>("\\") : constantString(2));
            if (!p.null && esc) m_prepared = m_pattern.prepare(p.s, *esc).empty();
        }
    }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const override {
        const size_t n = in.rows();
        const Column& x = m_children[0]->eval(in, ctx, mask);
        Column& out = freshOutput(ctx, n);
        if (m_prepared) {
            for (size_t i = 0; i < n; ++i) {
                if (!x.validity()[i]) continue;
                out.validity()[i] = 1;
                out.ints()[i] = m_pattern.matches(x.strings()[i]) != m_negated;
            }
            return out;
        }
        std::vector<uint8_t> xv = x.validity();
        std::vector<std::string_view> xs = x.strings();
        const Column& p = m_children[1]->eval(in, ctx, mask);
        std::vector<uint8_t> pv = p.validity();
        std::vector<std::string_view> ps = p.strings();
        const Column* e = m_children.size() > 2 ? &m_children[2]->eval(in, ctx, mask) : nullptr;
        LikePattern pattern;
        std::string lastPattern;
        uint32_t lastEscape = 0;
        bool lastOk = false, havePattern = false;
        for (size_t i = 0; i < n; ++i) {
            if (!xv[i] || !pv[i] || (e && !e->validity()[i])) continue;
            std::optional<uint32_t> esc =
                escapeOf(e ? std::optional<std::string_view>(e->strings()[i]) : "\\");
            if (!esc) {
                ctx.warn(i, mask, "the ESCAPE of LIKE must be one character in `" + m_text + "`");
                continue;
            }
            if (!havePattern || ps[i] != lastPattern || *esc != lastEscape) {
                lastPattern = std::string(ps[i]);
                lastEscape = *esc;
                std::string err = pattern.prepare(lastPattern, lastEscape);
                lastOk = err.empty();
                havePattern = true;
                if (!lastOk) {
                    ctx.warn(i, mask, err + " in `" + m_text + "`");
                    continue;
                }
            }
            if (!lastOk) {
                ctx.warn(i, mask, "invalid LIKE pattern in `" + m_text + "`");
                continue;
            }
            out.validity()[i] = 1;
            out.ints()[i] = pattern.matches(xs[i]) != m_negated;
        }
        return out;
    }

    static std::optional<uint32_t> escapeOf(std::optional<std::string_view> s) {
        if (!s || s->empty()) return std::nullopt;
        size_t pos = 0;
        uint32_t cp = decodeUtf8(*s, pos);
        if (pos != s->size()) return std::nullopt;
        return cp;
    }

private:
    std::optional<std::string_view> constantString(size_t child) const {
        const Value& v = constantValue(*m_children[child]);
        if (v.null) return std::nullopt;
        return std::string_view(v.s);
    }
    bool m_negated;
    LikePattern m_pattern;
    bool m_prepared = false;
};

class FunctionKernel final : public Kernel {
public:
    FunctionKernel(Type t, std::vector<KernelPtr> args, FnBody body, std::string text)
        : Kernel(t, std::move(text)), m_body(std::move(body)) {
        m_children = std::move(args);
    }
    const Column& eval(const Batch& in, EvalContext& ctx, const uint8_t* mask) const override {
        std::vector<const Column*> args;
        args.reserve(m_children.size());
        for (const auto& c : m_children) args.push_back(&c->eval(in, ctx, mask));
        const size_t n = in.rows();
        Column& out = freshOutput(ctx, n);
        FnCall call{args, out, n, ctx, mask, m_text};
        m_body(call);
        return out;
    }

private:
    FnBody m_body;
};

template <typename K, typename... A>
KernelPtr withSlot(SlotCounter& slots, A&&... a) {
    auto k = std::make_shared<K>(std::forward<A>(a)...);
    k->setSlot(slots.take());
    return k;
}

}  // namespace

void FnCall::propagateNulls() const {
    auto& v = out.validity();
    v.assign(rows, 1);
    for (const Column* a : args)
        for (size_t i = 0; i < rows; ++i) v[i] &= a->validity()[i];
}

const Value& constantValue(const Kernel& k) {
    return static_cast<const ConstantKernel&>(k).value();
}

KernelPtr makeConstant(const Value& value, Type type, std::string text, SlotCounter& slots) {
    return withSlot<ConstantKernel>(slots, value, type, std::move(text));
}
KernelPtr makeField(size_t column, Type type, std::string text) {
    return std::make_shared<FieldKernel>(column, type, std::move(text));
}
KernelPtr makeArith(ArithOp op, Type resultType, KernelPtr l, KernelPtr r, std::string text,
                    SlotCounter& slots) {
    return withSlot<ArithKernel>(slots, op, resultType, std::move(l), std::move(r),
                                 std::move(text));
}
KernelPtr makeNegate(KernelPtr x, std::string text, SlotCounter& slots) {
    return withSlot<NegateKernel>(slots, std::move(x), std::move(text));
}
KernelPtr makeCompare(CmpOp op, KernelPtr l, KernelPtr r, std::string text, SlotCounter& slots) {
    return withSlot<CompareKernel>(slots, op, std::move(l), std::move(r), std::move(text));
}
KernelPtr makeAnd(KernelPtr l, KernelPtr r, std::string text, SlotCounter& slots) {
    return withSlot<LogicKernel>(slots, true, std::move(l), std::move(r), std::move(text));
}
KernelPtr makeOr(KernelPtr l, KernelPtr r, std::string text, SlotCounter& slots) {
    return withSlot<LogicKernel>(slots, false, std::move(l), std::move(r), std::move(text));
}
KernelPtr makeNot(KernelPtr x, std::string text, SlotCounter& slots) {
    return withSlot<NotKernel>(slots, std::move(x), std::move(text));
}
KernelPtr makeIsNull(KernelPtr x, bool negated, std::string text, SlotCounter& slots) {
    return withSlot<IsNullKernel>(slots, std::move(x), negated, std::move(text));
}
KernelPtr makeIsBool(KernelPtr x, bool value, bool negated, std::string text, SlotCounter& slots) {
    return withSlot<IsBoolKernel>(slots, std::move(x), value, negated, std::move(text));
}
KernelPtr makeIn(KernelPtr x, std::vector<KernelPtr> items, bool negated, std::string text,
                 SlotCounter& slots) {
    return withSlot<InKernel>(slots, std::move(x), std::move(items), negated, std::move(text));
}
KernelPtr makeCase(Type type, std::vector<KernelPtr> conditions, std::vector<KernelPtr> results,
                   KernelPtr elseResult, std::string text, SlotCounter& slots) {
    return withSlot<CaseKernel>(slots, type, std::move(conditions), std::move(results),
                                std::move(elseResult), std::move(text));
}
KernelPtr makeCoalesce(Type type, std::vector<KernelPtr> args, std::string text,
                       SlotCounter& slots) {
    return withSlot<CoalesceKernel>(slots, type, std::move(args), std::move(text));
}
KernelPtr makeCast(KernelPtr x, Type to, std::string text, SlotCounter& slots) {
    return withSlot<CastKernel>(slots, std::move(x), to, std::move(text));
}
KernelPtr makeLike(KernelPtr x, KernelPtr pattern, KernelPtr escape, bool negated, std::string text,
                   SlotCounter& slots) {
    return withSlot<LikeKernel>(slots, std::move(x), std::move(pattern), std::move(escape), negated,
                                std::move(text));
}
KernelPtr makeFunction(Type type, std::vector<KernelPtr> args, FnBody body, std::string text,
                       SlotCounter& slots) {
    return withSlot<FunctionKernel>(slots, type, std::move(args), std::move(body), std::move(text));
}

std::string formatFloat(double f) {
    return Value::ofFloat(f).toString();
}

std::string formatTimestamp(TimeUs t) {
    std::string iso = formatIso8601Ms(t);  // 2026-01-01T10:00:00.000Z
    iso[10] = ' ';
    iso.pop_back();
    const int64_t micros = ((t % 1000) + 1000) % 1000;
    if (micros != 0) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%03lld", static_cast<long long>(micros));
        iso += buf;
    }
    return iso;
}

namespace {
std::string_view trimAscii(std::string_view s) {
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}
}  // namespace

std::optional<int64_t> parseIntStrict(std::string_view s) {
    s = trimAscii(s);
    if (s.empty() || s.size() > 30) return std::nullopt;
    size_t k = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (k == s.size()) return std::nullopt;
    for (size_t i = k; i < s.size(); ++i)
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
    std::string buf(s);
    errno = 0;
    long long v = std::strtoll(buf.c_str(), nullptr, 10);
    if (errno == ERANGE) return std::nullopt;
    return v;
}

std::optional<double> parseFloatStrict(std::string_view s) {
    s = trimAscii(s);
    if (s.empty() || s.size() > 64) return std::nullopt;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return std::nullopt;
    std::string buf(s);
    char* end = nullptr;
    double v = std::strtod(buf.c_str(), &end);
    if (end != buf.c_str() + buf.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<bool> parseBoolWord(std::string_view s) {
    const std::string u = upper(trimAscii(s));
    if (u == "TRUE" || u == "T" || u == "YES" || u == "Y" || u == "1") return true;
    if (u == "FALSE" || u == "F" || u == "NO" || u == "N" || u == "0") return false;
    return std::nullopt;
}

}  // namespace riffle::expr
