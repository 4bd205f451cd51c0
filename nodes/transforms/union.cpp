// transform.union: merges several streams into one. Fields are matched by name; a field that an
// input lacks is NULL in its events. The watermark is the minimum over the inputs (runtime).
#include "engine/graph/node_registry.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

Result<SchemaPtr> unionSchema(const SchemaInputs& in) {
    Schema out;
    for (size_t s = 0; s < in.schemas.size(); ++s) {
        for (const Field& f : in.schemas[s]->fields()) {
            int idx = out.indexOf(f.name);
            if (idx < 0) {
                out.add(f);
                continue;
            }
            const Field& have = out.field(static_cast<size_t>(idx));
            if (have.type == f.type) continue;
            if (isNumeric(have.type) && isNumeric(f.type)) {
                Schema widened;
                for (const Field& g : out.fields())
                    widened.add(g.name == f.name ? Field{f.name, Type::Float} : g);
                out = std::move(widened);
                continue;
            }
            return Result<SchemaPtr>::error(
                "field `" + f.name + "` is " + std::string(typeName(have.type)) +
                " in one input and " + std::string(typeName(f.type)) + " in input " +
                std::to_string(s + 1) + "; convert one with a Map (CAST)");
        }
    }
    return std::make_shared<const Schema>(std::move(out));
}

class UnionOperator : public Operator {
public:
    explicit UnionOperator(const OperatorContext& ctx) {
        const Schema& out = *ctx.outputSchemas.at(0);
        for (const auto& in : ctx.inputSchemas) {
            std::vector<int> map;
            for (const Field& f : out.fields()) map.push_back(in->indexOf(f.name));
            m_columnMaps.push_back(std::move(map));
        }
    }

    void process(int slot, const Batch& in, Emitter& out) override {
        const auto& map = m_columnMaps.at(static_cast<size_t>(slot));
        BatchPtr b = out.newBatch(0);
        for (size_t r = 0; r < in.rows(); ++r) {
            for (size_t c = 0; c < map.size(); ++c) {
                if (map[c] < 0)
                    b->column(c).appendNull();
                else
                    b->appendValue(c, in.get(r, static_cast<size_t>(map[c])));
            }
            b->commitRow();
        }
        out.push(0, std::move(b));
    }

private:
    std::vector<std::vector<int>> m_columnMaps;
};

}  // namespace

void registerUnion(NodeRegistry& registry) {
    NodeSpec s;
    s.typeId = "transform.union";
    s.displayName = "Union";
    s.category = "transform";
    s.description = "Merges several streams into one, matching fields by name.";
    s.inputs = {{"in", "Streams to merge (any number of wires)", true}};
    s.outputs = {{"out", "All events of all inputs", false}};
    s.stateless = true;
    s.schemaRule = [](const NodeConfig&, const SchemaInputs& in) -> Result<std::vector<SchemaPtr>> {
        auto schema = unionSchema(in);
        if (!schema) return Result<std::vector<SchemaPtr>>::error(schema.message());
        return std::vector<SchemaPtr>{schema.value()};
    };
    s.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<UnionOperator>(ctx);
    };
    // UNION ALL of one SELECT per input, each giving every output field: a field an input lacks
    // is NULL, a number widened to float is cast.
    s.exportFlink = [](const FlinkExportContext& ctx) -> Result<FlinkExportPart> {
        std::string view = "CREATE VIEW " + ctx.relation + " AS\n";
        for (size_t i = 0; i < ctx.inputs.size(); ++i) {
            const Schema& in = *ctx.inputs[i].schema;
            std::string select;
            for (const Field& f : ctx.output->fields()) {
                const int idx = in.indexOf(f.name);
                std::string column = flink::quote(f.name);
                if (idx < 0)
                    column = "CAST(NULL AS " + flink::typeName(f.type) + ") AS " + column;
                else if (in.field(static_cast<size_t>(idx)).type != f.type)
                    column = "CAST(" + column + " AS " + flink::typeName(f.type) + ") AS " + column;
                select += (select.empty() ? "" : ", ") + column;
            }
            view += (i ? "\nUNION ALL\n" : "") + std::string("SELECT ") + select + " FROM " +
                    ctx.inputs[i].relation;
        }
        FlinkExportPart part;
        part.statements.push_back(std::move(view));
        return part;
    };
    registry.add(std::move(s));
}

}  // namespace riffle
