// transform.map: computes new fields from expressions (SQL's SELECT list). With keep_input the
// input fields stay and a computed field of the same name replaces one in place; without it the
// output is `_time` plus the computed fields.
#include <map>
#include <set>

#include "engine/expr/expression.h"
#include "engine/graph/node_registry.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

struct MapPlan {
    SchemaPtr output;
    // For each output column: the input column to copy, or -1 and the expression to evaluate.
    std::vector<int> copyFrom;
    std::vector<expr::ExpressionPtr> exprs;
};

Result<MapPlan> planMap(const NodeConfig& config, const Schema& input) {
    using R = Result<MapPlan>;
    const auto fields = config.getNamedExprs("fields");
    const bool keep = config.getBool("keep_input");
    Schema out;
    MapPlan plan;
    if (keep) {
        out = input;
        plan.copyFrom.resize(input.size());
        for (size_t i = 0; i < input.size(); ++i) plan.copyFrom[i] = static_cast<int>(i);
        plan.exprs.resize(input.size());
    } else {
        out = Schema::stream({});
        plan.copyFrom = {0};
        plan.exprs = {nullptr};
    }
    std::set<std::string> seen;
    for (const auto& f : fields) {
        if (!seen.insert(f.name).second)
            return R::error("`fields`: `" + f.name + "` is defined twice");
        auto e = expr::compile(f.expr, input);
        if (!e) return R::error("field `" + f.name + "`: " + e.message());
        Type t = e.value()->type();
        if (t == Type::Null) t = Type::String;
        if (f.name == kTimeField && t != Type::Time)
            return R::error("field `_time` must be a time, but `" + f.expr + "` is " +
                            std::string(typeName(t)));
        // A bare field reference copies its column (strings shared, not copied) instead of
        // evaluating.
        const int source = e.value()->type() == t ? e.value()->sourceColumn() : -1;
        int idx = out.indexOf(f.name);
        if (idx < 0) {
            out.add({f.name, t});
            plan.copyFrom.push_back(source);
            plan.exprs.push_back(e.value());
        } else {
            Schema replaced;
            for (size_t i = 0; i < out.size(); ++i)
                replaced.add(static_cast<int>(i) == idx ? Field{f.name, t} : out.field(i));
            out = std::move(replaced);
            plan.copyFrom[static_cast<size_t>(idx)] = source;
            plan.exprs[static_cast<size_t>(idx)] = e.value();
        }
    }
    plan.output = std::make_shared<const Schema>(std::move(out));
    return plan;
}

// Strings are not copied: the output batch keeps the input's string blocks alive instead.
void copyColumn(const Column& src, const Batch& srcBatch, Column& dst, Batch& dstBatch) {
    dst.validity() = src.validity();
    switch (src.type()) {
        case Type::Null:
            break;
        case Type::Float:
            dst.floats() = src.floats();
            break;
        case Type::String:
            dstBatch.arena().shareBlocksOf(srcBatch.arena());
            dst.strings() = src.strings();
            break;
        default:
            dst.ints() = src.ints();
            break;
    }
}

class MapOperator : public Operator {
public:
    explicit MapOperator(const OperatorContext& ctx)
        : m_ctx(ctx), m_plan(planMap(ctx.config, *ctx.inputSchemas.at(0)).value()) {}

    void process(int, const Batch& in, Emitter& out) override {
        BatchPtr b = out.newBatch(0);
        expr::EvalStats stats;
        for (size_t c = 0; c < m_plan.copyFrom.size(); ++c) {
            Column& dst = b->column(c);
            if (m_plan.copyFrom[c] >= 0)
                copyColumn(in.column(static_cast<size_t>(m_plan.copyFrom[c])), in, dst, *b);
            else
                m_plan.exprs[c]->evaluate(in, dst, b->arena(), stats);
        }
        b->setRows(in.rows());
        if (stats.warnings) m_ctx.metrics->add(m_ctx.metrics->warnings, stats.warnings);
        out.push(0, std::move(b));
    }

private:
    OperatorContext m_ctx;
    MapPlan m_plan;
};

}  // namespace

void registerMap(NodeRegistry& registry) {
    NodeSpec s;
    s.typeId = "transform.map";
    s.displayName = "Map";
    s.category = "transform";
    s.description = "Computes fields from expressions, like a SQL SELECT list.";
    s.inputs = {{"in", "Events to transform", false}};
    s.outputs = {{"out", "Events with the computed fields", false}};
    s.params = {
        param("fields", ParamType::NamedExprList,
              "Fields to compute, e.g. {\"name\": \"total\", \"expr\": \"amount * 1.2\"}")
            .byDefault(Json::array())
            .as(ParamRole::Expression, 0),
        param("keep_input", ParamType::Bool,
              "Keep the input fields; a computed field of the same name replaces one")
            .byDefault(true),
    };
    s.stateless = true;
    s.schemaRule = [](const NodeConfig& config,
                      const SchemaInputs& in) -> Result<std::vector<SchemaPtr>> {
        auto plan = planMap(config, *in.schemas.at(0));
        if (!plan) return Result<std::vector<SchemaPtr>>::error(plan.message());
        return std::vector<SchemaPtr>{plan->output};
    };
    s.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<MapOperator>(ctx);
    };
    s.exportFlink = [](const FlinkExportContext& ctx) -> Result<FlinkExportPart> {
        std::map<std::string, std::string> computed;
        for (const NamedExpr& f : ctx.config.getNamedExprs("fields")) {
            auto sql = flink::expression(f.expr);
            if (!sql) return Result<FlinkExportPart>::error("`" + f.name + "`: " + sql.message());
            computed[f.name] = *sql;
        }
        std::string select;
        for (const Field& f : ctx.output->fields()) {
            const auto it = computed.find(f.name);
            select += (select.empty() ? "" : ",\n       ") +
                      (it == computed.end() ? flink::quote(f.name)
                                            : it->second + " AS " + flink::quote(f.name));
        }
        FlinkExportPart part;
        part.statements.push_back("CREATE VIEW " + ctx.relation + " AS\nSELECT " + select +
                                  "\nFROM " + ctx.inputs.at(0).relation);
        return part;
    };
    registry.add(std::move(s));
}

}  // namespace riffle
