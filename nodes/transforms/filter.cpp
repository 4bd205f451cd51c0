// transform.filter: keeps the events for which `where` is TRUE (NULL and FALSE drop the event,
// as in SQL's WHERE).
#include "engine/expr/expression.h"
#include "engine/graph/node_registry.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

Result<expr::ExpressionPtr> compileCondition(const NodeConfig& config, const Schema& input) {
    const std::string text = config.getString("where");
    auto e = expr::compile(text, input);
    if (!e) return Result<expr::ExpressionPtr>::error("`where`: " + e.message());
    if (e.value()->type() != Type::Bool && e.value()->type() != Type::Null)
        return Result<expr::ExpressionPtr>::error("`where` must be a condition (bool), but `" +
                                                  text + "` is " +
                                                  std::string(typeName(e.value()->type())));
    return e;
}

class FilterOperator : public Operator {
public:
    explicit FilterOperator(const OperatorContext& ctx)
        : m_ctx(ctx), m_condition(compileCondition(ctx.config, *ctx.inputSchemas.at(0)).value()) {}

    void process(int, const Batch& in, Emitter& out) override {
        expr::EvalStats stats;
        m_condition->evaluate(in, m_result, m_scratch, stats);
        m_scratch.reset();
        if (stats.warnings) m_ctx.metrics->add(m_ctx.metrics->warnings, stats.warnings);
        m_selected.clear();
        const auto& valid = m_result.validity();
        const auto& values = m_result.ints();
        const size_t n = in.rows();
        for (size_t r = 0; r < n; ++r)
            if (valid[r] && values[r]) m_selected.push_back(static_cast<uint32_t>(r));
        if (m_selected.empty()) return;
        if (m_selected.size() == n && out.forwardInput(0)) return;
        BatchPtr b = out.newBatch(0);
        b->appendRowsFrom(in, m_selected);
        out.push(0, std::move(b));
    }

private:
    OperatorContext m_ctx;
    expr::ExpressionPtr m_condition;
    Column m_result;
    StringArena m_scratch;
    std::vector<uint32_t> m_selected;
};

}  // namespace

void registerFilter(NodeRegistry& registry) {
    NodeSpec s;
    s.typeId = "transform.filter";
    s.displayName = "Filter";
    s.category = "transform";
    s.description = "Keeps the events for which a condition is true; NULL counts as false.";
    s.inputs = {{"in", "Events to filter", false}};
    s.outputs = {{"out", "Events that match", false}};
    s.params = {
        param("where", ParamType::Expression,
              "Condition over the input fields, e.g. event = 'purchase' AND amount > 50")
            .byDefault("TRUE")
            .mandatory()
            .as(ParamRole::Expression, 0),
    };
    s.stateless = true;
    s.schemaRule = [](const NodeConfig& config,
                      const SchemaInputs& in) -> Result<std::vector<SchemaPtr>> {
        auto e = compileCondition(config, *in.schemas.at(0));
        if (!e) return Result<std::vector<SchemaPtr>>::error(e.message());
        return std::vector<SchemaPtr>{in.schemas.at(0)};
    };
    s.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<FilterOperator>(ctx);
    };
    s.exportFlink = [](const FlinkExportContext& ctx) -> Result<FlinkExportPart> {
        auto where = flink::expression(ctx.config.getString("where"));
        if (!where) return Result<FlinkExportPart>::error(where.message());
        FlinkExportPart part;
        part.statements.push_back("CREATE VIEW " + ctx.relation + " AS\nSELECT " +
                                  flink::columns(*ctx.output) + "\nFROM " +
                                  ctx.inputs.at(0).relation + "\nWHERE " + *where);
        return part;
    };
    registry.add(std::move(s));
}

}  // namespace riffle
