#pragma once
// Validates a project against the node catalog and infers every edge's schema before a run
// (docs/runtime.md, "From file to graph"). The result is what the executor runs and what the
// studio shows; problems name the node and the field.
#include <string>
#include <vector>

#include "engine/graph/node_registry.h"
#include "engine/graph/project.h"
#include "engine/graph/project_settings.h"

namespace riffle {

struct Problem {
    std::string nodeId;   // empty for project-level problems
    std::string message;  // full sentence, starts with the node: "window `w`: `size` must be ..."
};

struct ResolvedEdge {
    int from = -1, fromPort = -1;  // node index, output port index
    int to = -1, toPort = -1;      // node index, input port index
    int toSlot = -1;               // input slot of the target node
};

struct LogicalNode {
    const NodeDef* def = nullptr;
    const NodeSpec* spec = nullptr;
    NodeConfig config;
    SchemaInputs inputs;                 // one schema per slot
    std::vector<SchemaPtr> outputs;      // per output port, `errors` last
    std::vector<int> inEdges, outEdges;  // indices into ValidatedGraph::edges, by slot for inEdges
};

struct ValidatedGraph {
    std::vector<LogicalNode> nodes;  // in topological order (sources first)
    std::vector<ResolvedEdge> edges;
    std::vector<Problem> problems;
    // What runs but may not do what the user means (a window whose keys are not the partition
    // key of the topic it reads); they do not make the graph invalid.
    std::vector<Problem> warnings;
    ProjectSettings settings;
    bool ok() const { return problems.empty(); }
    int indexOf(std::string_view nodeId) const;
};

// Checks node types, parameters, edges (endpoints, ports, fan-in), required inputs, cycles and
// schemas. Keeps going after a problem so that every problem is reported at once.
ValidatedGraph validateProject(const Project& project, const NodeRegistry& registry);

// Applies `--set NODE.PARAM=VALUE`: VALUE is parsed as JSON when it is valid JSON, else taken
// as a string.
Status applyOverride(Project& project, const std::string& assignment);

}  // namespace riffle
