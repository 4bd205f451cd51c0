// Compiling an aggregates list, and the State block with its per-aggregate dispatch.
#include "engine/aggregate/aggregate_set.h"

#include <algorithm>
#include <optional>
#include <type_traits>
#include <unordered_map>

#include "engine/aggregate/aggregators.h"
#include "engine/expr/ast.h"

namespace riffle::agg {

namespace detail {

// One value per (function, argument column kind) pair.
enum class Op : uint8_t {
    CountStar,
    Count,
    SumInt,
    SumFloat,
    AvgInt,
    AvgFloat,
    MinInt,
    MinFloat,
    MinString,
    MaxInt,
    MaxFloat,
    MaxString,
    FirstInt,
    FirstFloat,
    FirstString,
    LastInt,
    LastFloat,
    LastString,
    StddevInt,
    StddevFloat,
    DistinctInt,
    DistinctFloat,
    DistinctString,
    ApproxInt,
    ApproxFloat,
    ApproxString,
    PercentileInt,
    PercentileFloat,
    TopKInt,
    TopKFloat,
    TopKString,
};

// Calls f(std::type_identity<Aggregator>{}) for the aggregator of `op`.
template <typename F>
decltype(auto) dispatch(Op op, F&& f) {
    using I = IntReader;
    using D = FloatReader;
    using S = StringReader;
    switch (op) {
        case Op::CountStar:
            return f(std::type_identity<CountStarAgg>{});
        case Op::Count:
            return f(std::type_identity<CountAgg>{});
        case Op::SumInt:
            return f(std::type_identity<SumIntAgg>{});
        case Op::SumFloat:
            return f(std::type_identity<SumFloatAgg>{});
        case Op::AvgInt:
            return f(std::type_identity<AvgAgg<I>>{});
        case Op::AvgFloat:
            return f(std::type_identity<AvgAgg<D>>{});
        case Op::MinInt:
            return f(std::type_identity<ExtremeAgg<I, false>>{});
        case Op::MinFloat:
            return f(std::type_identity<ExtremeAgg<D, false>>{});
        case Op::MinString:
            return f(std::type_identity<ExtremeAgg<S, false>>{});
        case Op::MaxInt:
            return f(std::type_identity<ExtremeAgg<I, true>>{});
        case Op::MaxFloat:
            return f(std::type_identity<ExtremeAgg<D, true>>{});
        case Op::MaxString:
            return f(std::type_identity<ExtremeAgg<S, true>>{});
        case Op::FirstInt:
            return f(std::type_identity<EndValueAgg<I, false>>{});
        case Op::FirstFloat:
            return f(std::type_identity<EndValueAgg<D, false>>{});
        case Op::FirstString:
            return f(std::type_identity<EndValueAgg<S, false>>{});
        case Op::LastInt:
            return f(std::type_identity<EndValueAgg<I, true>>{});
        case Op::LastFloat:
            return f(std::type_identity<EndValueAgg<D, true>>{});
        case Op::LastString:
            return f(std::type_identity<EndValueAgg<S, true>>{});
        case Op::StddevInt:
            return f(std::type_identity<StddevAgg<I>>{});
        case Op::StddevFloat:
            return f(std::type_identity<StddevAgg<D>>{});
        case Op::DistinctInt:
            return f(std::type_identity<DistinctBitsAgg<I>>{});
        case Op::DistinctFloat:
            return f(std::type_identity<DistinctBitsAgg<D>>{});
        case Op::DistinctString:
            return f(std::type_identity<DistinctStringAgg>{});
        case Op::ApproxInt:
            return f(std::type_identity<ApproxDistinctAgg<I>>{});
        case Op::ApproxFloat:
            return f(std::type_identity<ApproxDistinctAgg<D>>{});
        case Op::ApproxString:
            return f(std::type_identity<ApproxDistinctAgg<S>>{});
        case Op::PercentileInt:
            return f(std::type_identity<PercentileAgg<I>>{});
        case Op::PercentileFloat:
            return f(std::type_identity<PercentileAgg<D>>{});
        case Op::TopKInt:
            return f(std::type_identity<TopKAgg<I>>{});
        case Op::TopKFloat:
            return f(std::type_identity<TopKAgg<D>>{});
        case Op::TopKString:
            return f(std::type_identity<TopKAgg<S>>{});
    }
    __builtin_unreachable();
}

struct Aggregate {
    Op op = Op::CountStar;
    Function function = Function::CountStar;
    int arg = -1;  // index into Plan::args; -1 for COUNT(*)
    size_t offset = 0;
    std::string name;
    std::string text;
    Spec spec;
};

struct Argument {
    expr::ExpressionPtr expr;
    int field = -1;  // a plain field read in place, or -1
};

struct Plan {
    std::vector<Aggregate> aggregates;
    std::vector<Argument> args;
    std::vector<Field> fields;
    size_t dataOffset = 0;  // of the slot block, from the start of a State
    size_t totalBytes = 0;  // State header + slot block
};

}  // namespace detail

using detail::Op;

namespace {

template <typename A>
using SlotOf = typename A::Slot;

constexpr size_t alignUp(size_t n, size_t a) {
    return (n + a - 1) / a * a;
}

constexpr size_t kMaxTopK = 1000;

// Space-Saving counters for TOP_K(x, k): generous, so that the reported top k are reliably the
// true ones on skewed data, where a counter's error is at most n / capacity.
size_t topKCapacity(size_t k) {
    return std::max<size_t>(100, 20 * k);
}

Op opFor(Function f, Type t) {
    const bool isFloat = t == Type::Float;
    const bool isString = t == Type::String;
    auto pick = [&](Op i, Op d, Op s) { return isString ? s : isFloat ? d : i; };
    switch (f) {
        case Function::CountStar:
            return Op::CountStar;
        case Function::Count:
            return Op::Count;
        case Function::Sum:
            return isFloat ? Op::SumFloat : Op::SumInt;
        case Function::Avg:
            return isFloat ? Op::AvgFloat : Op::AvgInt;
        case Function::Min:
            return pick(Op::MinInt, Op::MinFloat, Op::MinString);
        case Function::Max:
            return pick(Op::MaxInt, Op::MaxFloat, Op::MaxString);
        case Function::FirstValue:
            return pick(Op::FirstInt, Op::FirstFloat, Op::FirstString);
        case Function::LastValue:
            return pick(Op::LastInt, Op::LastFloat, Op::LastString);
        case Function::Stddev:
            return isFloat ? Op::StddevFloat : Op::StddevInt;
        case Function::CountDistinct:
            return pick(Op::DistinctInt, Op::DistinctFloat, Op::DistinctString);
        case Function::ApproxCountDistinct:
            return pick(Op::ApproxInt, Op::ApproxFloat, Op::ApproxString);
        case Function::Percentile:
            return isFloat ? Op::PercentileFloat : Op::PercentileInt;
        case Function::TopK:
            return pick(Op::TopKInt, Op::TopKFloat, Op::TopKString);
    }
    return Op::CountStar;
}

std::optional<Function> functionFor(const std::string& name, bool distinct) {
    static const std::unordered_map<std::string, Function> kNames = {
        {"COUNT", Function::Count},
        {"SUM", Function::Sum},
        {"AVG", Function::Avg},
        {"MIN", Function::Min},
        {"MAX", Function::Max},
        {"FIRST_VALUE", Function::FirstValue},
        {"LAST_VALUE", Function::LastValue},
        {"STDDEV", Function::Stddev},
        {"APPROX_COUNT_DISTINCT", Function::ApproxCountDistinct},
        {"PERCENTILE", Function::Percentile},
        {"TOP_K", Function::TopK},
    };
    auto it = kNames.find(name);
    if (it == kNames.end()) return std::nullopt;
    if (it->second == Function::Count && distinct) return Function::CountDistinct;
    return it->second;
}

// A numeric literal, optionally signed: the constant parameters of PERCENTILE and TOP_K.
std::optional<Value> numericLiteral(const expr::ast::Node& node) {
    using expr::ast::Kind;
    if (node.kind == Kind::Literal && !node.isInterval && !node.value.null &&
        (node.value.type == Type::Int || node.value.type == Type::Float))
        return node.value;
    if (node.kind == Kind::Unary && (node.op == "-" || node.op == "+")) {
        std::optional<Value> v = numericLiteral(*node.args[0]);
        if (v && node.op == "-") {
            if (v->type == Type::Int && v->i != INT64_MIN)
                v->i = -v->i;
            else if (v->type == Type::Float)
                v->f = -v->f;
            else
                return std::nullopt;
        }
        return v;
    }
    return std::nullopt;
}

std::string describeTyped(const expr::ast::Node& node, Type t) {
    return expr::ast::describe(node) + " (" + std::string(typeName(t)) + ")";
}

constexpr const char kAggregateList[] =
    "COUNT, SUM, AVG, MIN, MAX, FIRST_VALUE, LAST_VALUE, STDDEV, COUNT(DISTINCT x), "
    "APPROX_COUNT_DISTINCT, PERCENTILE or TOP_K";

}  // namespace

// ---- State ---------------------------------------------------------------------------------

unsigned char* State::data() {
    return reinterpret_cast<unsigned char*>(this) + m_plan->dataOffset;
}
const unsigned char* State::data() const {
    return reinterpret_cast<const unsigned char*>(this) + m_plan->dataOffset;
}

State::~State() {
    unsigned char* base = data();
    for (const detail::Aggregate& a : m_plan->aggregates)
        detail::dispatch(a.op, [&](auto tag) {
            using A = typename decltype(tag)::type;
            using Slot = SlotOf<A>;
            std::launder(reinterpret_cast<Slot*>(base + a.offset))->~Slot();
        });
}

void StateDeleter::operator()(State* s) const {
    s->~State();
    ::operator delete(static_cast<void*>(s));
}

// ---- AggregateSet --------------------------------------------------------------------------

AggregateSet::AggregateSet() {
    auto plan = std::make_shared<detail::Plan>();
    plan->dataOffset = alignUp(sizeof(State), alignof(std::max_align_t));
    plan->totalBytes = plan->dataOffset;
    m_plan = std::move(plan);
}

Result<AggregateSet> AggregateSet::compile(const std::vector<NamedExpr>& aggregates,
                                           const Schema& input) {
    using expr::ast::Kind;
    using expr::ast::Node;
    auto plan = std::make_shared<detail::Plan>();
    std::unordered_map<std::string, int> argIndex;  // argument text -> Plan::args index
    size_t blockBytes = 0;
    size_t blockAlign = alignof(std::max_align_t);

    for (size_t i = 0; i < aggregates.size(); ++i) {
        const NamedExpr& ne = aggregates[i];
        if (ne.name.empty())
            return Result<AggregateSet>::error("aggregate " + std::to_string(i + 1) +
                                               " has no name; give it one, e.g. `views`");
        const std::string label = "aggregate `" + ne.name + "`: ";
        auto fail = [&](const std::string& message) {
            return Result<AggregateSet>::error(label + message);
        };
        for (size_t j = 0; j < i; ++j)
            if (aggregates[j].name == ne.name)
                return fail("the name is used twice; give each aggregate its own name");

        Result<expr::ast::NodePtr> parsed = expr::ast::parse(ne.expr);
        if (!parsed) return fail(parsed.message());
        const Node& call = *parsed.value();
        if (call.kind != Kind::Call || !expr::ast::isAggregateFunction(call.name))
            return fail(expr::ast::describe(call) + " is not an aggregate call; use " +
                        kAggregateList);

        const std::optional<Function> function = functionFor(call.name, call.distinct);
        if (!function) return fail(call.name + " is not an aggregate function");
        if (call.distinct && *function != Function::CountDistinct)
            return fail("DISTINCT is only supported as COUNT(DISTINCT x), not in " + call.name);

        const bool twoArgs = *function == Function::Percentile || *function == Function::TopK;
        const size_t wanted = twoArgs ? 2 : 1;
        if (call.args.size() != wanted) {
            std::string shape = *function == Function::Percentile ? "PERCENTILE(x, p)"
                                : *function == Function::TopK     ? "TOP_K(x, k)"
                                                                  : call.name + "(x)";
            if (*function == Function::Count) shape = "COUNT(x) or COUNT(*)";
            return fail(call.name + " takes " + (twoArgs ? "two arguments" : "one argument") +
                        " as in " + shape + ", got " + std::to_string(call.args.size()));
        }
        const Node& argNode = *call.args[0];
        const bool star = argNode.kind == Kind::Star;
        if (star && *function != Function::Count)
            return fail(*function == Function::CountDistinct
                            ? "COUNT(DISTINCT *) is not supported; name the value, as in "
                              "COUNT(DISTINCT user_id)"
                            : "`*` is only allowed in COUNT(*), not in " + call.name);

        detail::Aggregate a;
        a.name = ne.name;
        a.text = call.text;
        a.function = star ? Function::CountStar : *function;
        Type argType = Type::Null;
        if (!star) {
            Result<expr::ExpressionPtr> compiled = expr::compile(argNode, input);
            if (!compiled) return fail(compiled.message());
            argType = compiled.value()->type();
            auto [it, added] = argIndex.emplace(argNode.text, static_cast<int>(plan->args.size()));
            if (added) {
                detail::Argument arg;
                arg.expr = compiled.value();
                if (argNode.kind == Kind::Field) arg.field = input.indexOf(argNode.name);
                plan->args.push_back(std::move(arg));
            }
            a.arg = it->second;
        }

        const bool needsNumber = a.function == Function::Sum || a.function == Function::Avg ||
                                 a.function == Function::Stddev ||
                                 a.function == Function::Percentile;
        if (needsNumber && !isNumeric(argType))
            return fail(call.name + " needs a number, got " + describeTyped(argNode, argType));

        if (a.function == Function::Percentile) {
            const Node& pNode = *call.args[1];
            const std::optional<Value> p = numericLiteral(pNode);
            const double f = !p ? -1 : p->type == Type::Float ? p->f : static_cast<double>(p->i);
            if (!p || !(f >= 0.0 && f <= 1.0))
                return fail(
                    "PERCENTILE needs a number between 0 and 1 as its second argument, "
                    "got " +
                    expr::ast::describe(pNode));
            a.spec.fraction = f;
        }
        if (a.function == Function::TopK) {
            const Node& kNode = *call.args[1];
            const std::optional<Value> k = numericLiteral(kNode);
            if (!k || k->type != Type::Int || k->i < 1 || k->i > static_cast<int64_t>(kMaxTopK))
                return fail("TOP_K needs a whole number between 1 and " + std::to_string(kMaxTopK) +
                            " as its second argument, got " + expr::ast::describe(kNode));
            a.spec.topK = static_cast<size_t>(k->i);
            a.spec.capacity = topKCapacity(a.spec.topK);
        }

        Type resultType = Type::Int;
        switch (a.function) {
            case Function::CountStar:
            case Function::Count:
            case Function::CountDistinct:
            case Function::ApproxCountDistinct:
                resultType = Type::Int;
                break;
            case Function::Sum:
                resultType = argType;
                break;
            case Function::Avg:
            case Function::Stddev:
            case Function::Percentile:
                resultType = Type::Float;
                break;
            case Function::Min:
            case Function::Max:
            case Function::FirstValue:
            case Function::LastValue:
                resultType = argType;
                break;
            case Function::TopK:
                resultType = Type::String;
                break;
        }
        a.spec.argType = argType;
        a.spec.resultType = resultType;
        a.op = opFor(a.function, argType);

        detail::dispatch(a.op, [&](auto tag) {
            using Slot = SlotOf<typename decltype(tag)::type>;
            blockBytes = alignUp(blockBytes, alignof(Slot));
            a.offset = blockBytes;
            blockBytes += sizeof(Slot);
            blockAlign = std::max(blockAlign, alignof(Slot));
        });
        plan->fields.push_back(Field{ne.name, resultType});
        plan->aggregates.push_back(std::move(a));
    }
    plan->dataOffset = alignUp(sizeof(State), blockAlign);
    plan->totalBytes = plan->dataOffset + blockBytes;
    // The block is allocated with ::operator new, which aligns to max_align_t.
    if (blockAlign > alignof(std::max_align_t))
        return Result<AggregateSet>::error("aggregate state needs an unsupported alignment");
    return AggregateSet(std::move(plan));
}

const std::vector<Field>& AggregateSet::outputFields() const {
    return m_plan->fields;
}

size_t AggregateSet::size() const {
    return m_plan->aggregates.size();
}

Function AggregateSet::function(size_t i) const {
    return m_plan->aggregates[i].function;
}

void AggregateSet::evaluateArguments(const Batch& in, Arguments& args,
                                     expr::EvalStats& stats) const {
    const size_t n = m_plan->args.size();
    args.m_rows = in.rows();
    args.m_columns.resize(n);
    if (args.m_owned.size() < n) args.m_owned.resize(n);
    args.m_arena.reset();
    for (size_t i = 0; i < n; ++i) {
        const detail::Argument& arg = m_plan->args[i];
        if (arg.field >= 0) {
            args.m_columns[i] = &in.column(static_cast<size_t>(arg.field));
        } else {
            arg.expr->evaluate(in, args.m_owned[i], args.m_arena, stats);
            args.m_columns[i] = &args.m_owned[i];
        }
    }
}

StatePtr AggregateSet::newState() const {
    void* memory = ::operator new(m_plan->totalBytes);
    StatePtr state(new (memory) State(m_plan));
    unsigned char* base = state->data();
    for (const detail::Aggregate& a : m_plan->aggregates)
        detail::dispatch(a.op, [&](auto tag) {
            using A = typename decltype(tag)::type;
            A::init(base + a.offset, a.spec);
        });
    return state;
}

void AggregateSet::reset(State& s) const {
    unsigned char* base = s.data();
    for (const detail::Aggregate& a : m_plan->aggregates)
        detail::dispatch(a.op, [&](auto tag) {
            using A = typename decltype(tag)::type;
            using Slot = SlotOf<A>;
            Slot* slot = std::launder(reinterpret_cast<Slot*>(base + a.offset));
            if constexpr (requires { A::clear(*slot); }) {
                A::clear(*slot);  // keeps its buffers
            } else {
                slot->~Slot();
                A::init(base + a.offset, a.spec);
            }
        });
}

void AggregateSet::accumulate(State& s, const Arguments& args, size_t row) const {
    unsigned char* base = s.data();
    for (const detail::Aggregate& a : m_plan->aggregates) {
        const Column* column = a.arg >= 0 ? args.m_columns[static_cast<size_t>(a.arg)] : nullptr;
        detail::dispatch(a.op, [&](auto tag) {
            using A = typename decltype(tag)::type;
            A::add(*std::launder(reinterpret_cast<SlotOf<A>*>(base + a.offset)), column, row);
        });
    }
}

void AggregateSet::merge(State& into, const State& from) const {
    unsigned char* to = into.data();
    const unsigned char* src = from.data();
    for (const detail::Aggregate& a : m_plan->aggregates)
        detail::dispatch(a.op, [&](auto tag) {
            using A = typename decltype(tag)::type;
            using Slot = SlotOf<A>;
            A::merge(*std::launder(reinterpret_cast<Slot*>(to + a.offset)),
                     *std::launder(reinterpret_cast<const Slot*>(src + a.offset)));
        });
}

bool AggregateSet::invertible() const {
    bool all = true;
    for (const detail::Aggregate& a : m_plan->aggregates)
        detail::dispatch(a.op, [&](auto tag) {
            using A = typename decltype(tag)::type;
            using Slot = SlotOf<A>;
            all &= requires(Slot & x, const Slot& y) {
                A::subtract(x, y);
            };
        });
    return all;
}

bool AggregateSet::subtract(State& from, const State& part) const {
    unsigned char* to = from.data();
    const unsigned char* src = part.data();
    bool ok = true;
    for (const detail::Aggregate& a : m_plan->aggregates)
        detail::dispatch(a.op, [&](auto tag) {
            using A = typename decltype(tag)::type;
            using Slot = SlotOf<A>;
            if constexpr (requires(Slot & x, const Slot& y) { A::subtract(x, y); })
                ok &= A::subtract(*std::launder(reinterpret_cast<Slot*>(to + a.offset)),
                                  *std::launder(reinterpret_cast<const Slot*>(src + a.offset)));
            else
                ok = false;
        });
    return ok;
}

Value AggregateSet::result(const State& s, size_t i) const {
    const detail::Aggregate& a = m_plan->aggregates[i];
    bool overflow = false;
    return detail::dispatch(a.op, [&](auto tag) {
        using A = typename decltype(tag)::type;
        return A::result(*std::launder(reinterpret_cast<const SlotOf<A>*>(s.data() + a.offset)),
                         a.spec, overflow);
    });
}

void AggregateSet::appendResults(const State& s, Batch& out, size_t firstColumn,
                                 expr::EvalStats& stats) const {
    for (size_t i = 0; i < m_plan->aggregates.size(); ++i) {
        const detail::Aggregate& a = m_plan->aggregates[i];
        bool overflow = false;
        const Value v = detail::dispatch(a.op, [&](auto tag) {
            using A = typename decltype(tag)::type;
            return A::result(*std::launder(reinterpret_cast<const SlotOf<A>*>(s.data() + a.offset)),
                             a.spec, overflow);
        });
        if (overflow) {
            ++stats.warnings;
            stats.lastWarning = "integer overflow in `" + a.text + "` (aggregate `" + a.name +
                                "`); the result is NULL";
        }
        out.appendValue(firstColumn + i, v);
    }
}

void AggregateSet::save(const State& s, checkpoint::StateWriter& w) const {
    for (const detail::Aggregate& a : m_plan->aggregates)
        detail::dispatch(a.op, [&](auto tag) {
            using A = typename decltype(tag)::type;
            detail::saveSlot(*std::launder(reinterpret_cast<const SlotOf<A>*>(s.data() + a.offset)),
                             w);
        });
}

void AggregateSet::load(State& s, checkpoint::StateReader& r) const {
    for (const detail::Aggregate& a : m_plan->aggregates)
        detail::dispatch(a.op, [&](auto tag) {
            using A = typename decltype(tag)::type;
            detail::loadSlot(*std::launder(reinterpret_cast<SlotOf<A>*>(s.data() + a.offset)), r);
        });
}

size_t AggregateSet::stateBytes(const State& s) const {
    size_t bytes = m_plan->totalBytes;
    for (const detail::Aggregate& a : m_plan->aggregates)
        bytes += detail::dispatch(a.op, [&](auto tag) {
            using A = typename decltype(tag)::type;
            return A::heapBytes(
                *std::launder(reinterpret_cast<const SlotOf<A>*>(s.data() + a.offset)));
        });
    return bytes;
}

}  // namespace riffle::agg
