#pragma once
// Infers the fields of a message source (Kafka, MQTT, TCP, UDP, WebSocket) from its first JSON
// messages: a message source's schema is declared in the node or inferred (docs/connectors.md).
// Planning never connects anywhere (a project that is only opened must not open a socket), so
// this runs when the user asks for it (`riffle-run --infer-schema NODE PROJECT`, the inspector's
// Infer button) and when a run starts with a JSON source whose `schema` is empty
// (inferMissingSchemas: riffle-run and the studio's Run).
//
// The node runs on its own, reading raw messages: Kafka reads from the earliest offset under a
// throw-away consumer group, so no offset of the project's group is committed.
//
// Threading: blocks the calling thread for up to `timeoutMs`; `cancel` (optional) stops it early.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/graph/node_registry.h"
#include "engine/graph/node_spec.h"
#include "engine/graph/project.h"

namespace riffle {

struct SampledSchema {
    std::vector<std::string> schema;  // "name type" entries, in the order keys first appeared
    size_t messages = 0;              // messages read
    size_t objects = 0;               // of which JSON objects
};

// Reads up to `maxMessages` within `timeoutMs`; with `settleMs` >= 0 it also stops that long
// after the first message (a slow stream need not fill maxMessages).
Result<SampledSchema> inferMessageSchema(const NodeSpec& spec, const std::string& nodeId,
                                         Json params, const std::string& baseDir,
                                         size_t maxMessages = 100, int64_t timeoutMs = 5000,
                                         const std::atomic<bool>* cancel = nullptr,
                                         int64_t settleMs = -1);

// A message source reading JSON with no `schema`: a run infers the schema before it starts.
bool needsSchemaAtRun(const NodeSpec& spec, const Json& params);
// The ids of such nodes in `project`, in project order.
std::vector<std::string> nodesNeedingSchema(const Project& project, const NodeRegistry& registry);

struct InferredSchema {
    std::string nodeId;
    SampledSchema sampled;
};
// How long a run waits for a source's first messages, and then for more.
inline constexpr int64_t kRunInferTimeoutMs = 15000;
inline constexpr int64_t kRunInferSettleMs = 1000;
// Infers the schema of every node nodesNeedingSchema() names, one after the other; the first
// failure is the result ("source `clicks` (MQTT): no message arrived within 15s; declare its
// `schema` ..."). `progress` (optional) hears each node before it is read.
Result<std::vector<InferredSchema>> inferMissingSchemas(
    const Project& project, const NodeRegistry& registry, const std::atomic<bool>* cancel = nullptr,
    const std::function<void(const std::string&)>& progress = {});

}  // namespace riffle
