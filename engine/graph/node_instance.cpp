#include "engine/graph/node_instance.h"

#include "engine/graph/node_registry.h"

namespace riffle {

std::string nodeLabel(const NodeSpec& spec, const std::string& nodeId) {
    return spec.category + " `" + nodeId + "`";
}

NodeConfig makeConfig(const NodeSpec& spec, const std::string& nodeId, const Json& params,
                      const std::string& baseDir, std::vector<std::string>& problems) {
    const std::string label = nodeLabel(spec, nodeId);
    Json filled = Json::object();
    if (!params.is_null() && !params.is_object()) {
        problems.push_back(label + ": `params` must be an object, got `" + params.dump() + "`");
    } else if (params.is_object()) {
        for (const auto& [key, value] : params.items()) {
            if (spec.param(key)) continue;
            std::string hint;
            size_t best = SIZE_MAX;
            for (const auto& p : spec.params) {
                size_t d = editDistance(key, p.key);
                if (d < best && d <= 3) {
                    best = d;
                    hint = " (did you mean `" + p.key + "`?)";
                }
            }
            problems.push_back(label + ": unknown parameter `" + key + "`" + hint);
        }
    }
    for (const auto& p : spec.params) {
        Json v = (params.is_object() && params.contains(p.key)) ? params[p.key] : p.defaultValue;
        Status s = checkParam(label, p, v);
        if (!s)
            problems.push_back(s.message());
        else
            filled[p.key] = v;
        if (!s && !p.defaultValue.is_null()) filled[p.key] = p.defaultValue;
    }
    NodeConfig config(nodeId, spec.typeId, std::move(filled));
    config.setBaseDir(baseDir);
    return config;
}

Result<std::vector<SchemaPtr>> outputSchemas(const NodeSpec& spec, const NodeConfig& config,
                                             const SchemaInputs& inputs) {
    std::vector<SchemaPtr> out;
    if (spec.schemaRule) {
        auto r = spec.schemaRule(config, inputs);
        if (!r)
            return Result<std::vector<SchemaPtr>>::error(nodeLabel(spec, config.id()) + ": " +
                                                         r.message());
        out = std::move(r.value());
    }
    const size_t declared = spec.outputs.size() - 1;  // without `errors`
    if (out.size() != declared) {
        // A rule may give one schema for all outputs (pass-through nodes).
        SchemaPtr fill =
            out.empty() ? (inputs.schemas.empty() ? nullptr : inputs.schemas[0]) : out[0];
        out.resize(declared, fill);
    }
    if (spec.errorsSchemaRule)
        out.push_back(spec.errorsSchemaRule(config, inputs));
    else if (spec.isSource() || inputs.schemas.empty() || !inputs.schemas[0])
        out.push_back(sourceErrorsSchema());
    else
        out.push_back(errorsSchemaFor(*inputs.schemas[0]));
    return out;
}

Result<NodeInstance> instantiateNode(const NodeSpec& spec, const std::string& nodeId,
                                     const Json& params, const SchemaInputs& inputs,
                                     const std::string& baseDir) {
    std::vector<std::string> problems;
    NodeConfig config = makeConfig(spec, nodeId, params, baseDir, problems);
    if (!problems.empty()) return Result<NodeInstance>::error(problems.front());
    auto schemas = outputSchemas(spec, config, inputs);
    if (!schemas) return Result<NodeInstance>::error(schemas.message());
    NodeInstance inst;
    inst.spec = &spec;
    inst.context.config = std::move(config);
    inst.context.nodeLabel = nodeLabel(spec, nodeId);
    inst.context.inputSchemas = inputs.schemas;
    inst.context.inputPorts = inputs.ports;
    inst.context.outputSchemas = std::move(schemas.value());
    inst.context.metrics = inst.metrics.get();
    if (spec.createSource)
        inst.source = spec.createSource(inst.context);
    else if (spec.createOperator)
        inst.op = spec.createOperator(inst.context);
    if (!inst.op && !inst.source)
        return Result<NodeInstance>::error(inst.context.nodeLabel + ": could not be created");
    return inst;
}

}  // namespace riffle
