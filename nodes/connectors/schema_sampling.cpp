#include "nodes/connectors/schema_sampling.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "engine/core/json_text.h"
#include "engine/core/time_format.h"
#include "engine/graph/node_instance.h"
#include "engine/graph/secrets.h"
#include "engine/runtime/collecting_emitter.h"
#include "nodes/common/file_values.h"
#include "nodes/common/json_row.h"

namespace riffle {

Result<SampledSchema> inferMessageSchema(const NodeSpec& spec, const std::string& nodeId,
                                         Json params, const std::string& baseDir,
                                         size_t maxMessages, int64_t timeoutMs,
                                         const std::atomic<bool>* cancel, int64_t settleMs) {
    using R = Result<SampledSchema>;
    const std::string label = nodeLabel(spec, nodeId);
    const ParamSpec* schema = spec.paramWithRole(ParamRole::Schema);
    if (!spec.isSource() || !spec.param("format") || !schema)
        return R::error(
            label +
            " is not a message source; only Kafka, MQTT, TCP, UDP and WebSocket sources "
            "can infer their fields");
    if (!params.is_object()) params = Json::object();
    params["format"] = "raw";
    params[schema->key] = Json::array();
    params["time_field"] = "";
    if (spec.param("group")) {
        std::random_device rd;
        params["group"] = "riffle-sample-" + std::to_string(rd());
    }
    if (spec.param("start")) params["start"] = "earliest";
    auto inst = instantiateNode(spec, nodeId, params, {}, baseDir);
    if (!inst) return R::error(inst.message());
    NodeInstance& node = inst.value();
    if (Status s = node.source->open(); !s) return R::error(redactSecrets(s.message()));

    CollectingEmitter out(node.context.outputSchemas);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    bool settling = false;
    while (out.rows(0) < maxMessages && std::chrono::steady_clock::now() < deadline &&
           !(cancel && cancel->load())) {
        if (settleMs >= 0 && !settling && out.rows(0) > 0) {
            settling = true;
            deadline = std::min(
                deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(settleMs));
        }
        const SourcePoll p = node.source->poll(out);
        if (p.state == SourcePoll::State::Ended) break;
        if (p.state == SourcePoll::State::Wait)
            std::this_thread::sleep_for(
                std::chrono::microseconds(std::clamp<int64_t>(p.waitUs, 100, 50000)));
    }
    node.source->close();

    // The fields the connector adds (topic, key, peer...) come after `value`; they are not the
    // message's own.
    const Schema& raw = *node.context.outputSchemas.at(0);
    const int valueIndex = raw.indexOf("value");
    std::vector<std::string> added;
    for (size_t k = static_cast<size_t>(valueIndex) + 1; k < raw.size(); ++k)
        added.push_back(raw.field(k).name);

    SampledSchema sampled;
    std::vector<std::string> names;
    std::vector<Type> types;
    for (const auto& row : out.rowValues(0)) {
        if (sampled.messages >= maxMessages) break;
        ++sampled.messages;
        const Value& v = row.at(static_cast<size_t>(valueIndex));
        if (v.isNull()) continue;
        // ordered_json keeps the keys in the order the message has them.
        nlohmann::ordered_json doc;
        if (parseJsonInto(v.s, doc) || !doc.is_object()) continue;
        ++sampled.objects;
        for (auto it = doc.begin(); it != doc.end(); ++it) {
            if (std::find(added.begin(), added.end(), it.key()) != added.end() ||
                it.key() == kTimeField)
                continue;
            auto at = std::find(names.begin(), names.end(), it.key());
            const Type t = classifyJson(Json(it.value()));
            if (at == names.end()) {
                names.push_back(it.key());
                types.push_back(t);
            } else {
                Type& known = types[static_cast<size_t>(at - names.begin())];
                known = widenType(known, t);
            }
        }
    }
    if (sampled.messages == 0) {
        std::string why = label + ": no message arrived within " + formatDuration(timeoutMs * 1000);
        if (node.metrics->link() == LinkState::Connecting)
            why += " (still connecting: " + redactSecrets(node.metrics->linkReason()) + ")";
        return R::error(why);
    }
    if (sampled.objects == 0)
        return R::error(
            label + ": none of the first " + std::to_string(sampled.messages) +
            " messages is a JSON object; read them with format raw or declare `schema` for csv");
    for (size_t i = 0; i < names.size(); ++i)
        sampled.schema.push_back(
            names[i] + " " +
            std::string(typeName(types[i] == Type::Null ? Type::String : types[i])));
    return R(std::move(sampled));
}

bool needsSchemaAtRun(const NodeSpec& spec, const Json& params) {
    const ParamSpec* format = spec.param("format");
    const ParamSpec* schemaParam = spec.paramWithRole(ParamRole::Schema);
    if (!spec.isSource() || !format || !schemaParam) return false;
    auto value = [&](const std::string& key, const Json& def) {
        return params.is_object() && params.contains(key) && !params[key].is_null() ? params[key]
                                                                                    : def;
    };
    const Json f = value("format", format->defaultValue);
    const Json schema = value(schemaParam->key, Json::array());
    return f == "json" && (schema.is_array() || schema.is_null()) && schema.empty();
}

std::vector<std::string> nodesNeedingSchema(const Project& project, const NodeRegistry& registry) {
    std::vector<std::string> out;
    for (const NodeDef& n : project.nodes)
        if (const NodeSpec* spec = registry.find(n.type); spec && needsSchemaAtRun(*spec, n.params))
            out.push_back(n.id);
    return out;
}

Result<std::vector<InferredSchema>> inferMissingSchemas(
    const Project& project, const NodeRegistry& registry, const std::atomic<bool>* cancel,
    const std::function<void(const std::string&)>& progress) {
    using R = Result<std::vector<InferredSchema>>;
    std::vector<InferredSchema> out;
    for (const std::string& id : nodesNeedingSchema(project, registry)) {
        const NodeDef* node = project.node(id);
        const NodeSpec* spec = registry.find(node->type);
        if (progress) progress(id);
        auto sampled = inferMessageSchema(*spec, id, node->params, project.baseDir(), 100,
                                          kRunInferTimeoutMs, cancel, kRunInferSettleMs);
        if (cancel && cancel->load()) return R::error("stopped");
        if (!sampled)
            return R::error(sampled.message() +
                            "; its `schema` is empty and was to be inferred from the first "
                            "messages: send some, or declare the fields as \"name type\"");
        if (sampled->schema.empty())
            return R::error(nodeLabel(*spec, id) +
                            ": the first messages are JSON objects without fields; declare "
                            "`schema` as \"name type\"");
        out.push_back({id, std::move(sampled.value())});
    }
    return R(std::move(out));
}

}  // namespace riffle
