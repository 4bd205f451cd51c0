#pragma once
// Turning a node declaration plus a project's parameters into a configured, runnable operator.
// Used by the planner for every node of a project, and directly by node tests.
#include <memory>
#include <string>
#include <vector>

#include "engine/graph/node_spec.h"

namespace riffle {

// "window `per_page`", "source `clicks`": how messages name a node.
std::string nodeLabel(const NodeSpec& spec, const std::string& nodeId);

// Validates `params` against the spec (unknown keys, types, ranges, required values) and fills
// in defaults. Every problem is appended to `problems`; the config is returned even when there
// are problems, so that validation can go on and report more.
NodeConfig makeConfig(const NodeSpec& spec, const std::string& nodeId, const Json& params,
                      const std::string& baseDir, std::vector<std::string>& problems);

// Output schemas of every output port, `errors` last, or the schema rule's message.
Result<std::vector<SchemaPtr>> outputSchemas(const NodeSpec& spec, const NodeConfig& config,
                                             const SchemaInputs& inputs);

struct NodeInstance {
    const NodeSpec* spec = nullptr;
    OperatorContext context;
    std::unique_ptr<Operator> op;            // transforms, windows, sinks
    std::unique_ptr<SourceOperator> source;  // sources
    std::shared_ptr<NodeMetrics> metrics = std::make_shared<NodeMetrics>();
};

// Everything at once: config, schemas and the operator. For tests and tools; the planner does
// the same steps for a whole graph.
Result<NodeInstance> instantiateNode(const NodeSpec& spec, const std::string& nodeId,
                                     const Json& params, const SchemaInputs& inputs,
                                     const std::string& baseDir = {});

}  // namespace riffle
