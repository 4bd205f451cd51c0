#pragma once
// Infers the fields of a message source (Kafka, MQTT, TCP, UDP, WebSocket) from its first JSON
// messages, for the user to confirm into the node's `schema` (SPEC section 5: "schema declared in
// the node or inferred from the first events"). Planning never connects anywhere (a project that
// is only opened must not open a socket), so this runs only when the user asks for it:
// `riffle-run --infer-schema NODE PROJECT`.
//
// The node runs on its own, reading raw messages: Kafka reads from the earliest offset under a
// throw-away consumer group, so no offset of the project's group is committed.
//
// Threading: blocks the calling thread for up to `timeoutMs`; `cancel` (optional) stops it early.
#include <atomic>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/graph/node_spec.h"

namespace riffle {

struct SampledSchema {
    std::vector<std::string> schema;  // "name type" entries, in the order keys first appeared
    size_t messages = 0;              // messages read
    size_t objects = 0;               // of which JSON objects
};

Result<SampledSchema> inferMessageSchema(const NodeSpec& spec, const std::string& nodeId, Json params,
                                         const std::string& baseDir, size_t maxMessages = 100,
                                         int64_t timeoutMs = 5000, const std::atomic<bool>* cancel = nullptr);

}  // namespace riffle
