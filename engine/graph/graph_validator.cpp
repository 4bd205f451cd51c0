#include "engine/graph/graph_validator.h"

#include <algorithm>
#include <map>
#include <queue>
#include <set>

#include "engine/core/json_text.h"
#include "engine/core/utf8.h"
#include "engine/graph/node_instance.h"

namespace riffle {

int ValidatedGraph::indexOf(std::string_view nodeId) const {
    for (size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].def->id == nodeId) return static_cast<int>(i);
    return -1;
}

namespace {

std::string portList(const std::vector<PortSpec>& ports) {
    std::string s;
    for (const auto& p : ports) s += (s.empty() ? "" : ", ") + p.name;
    return s.empty() ? "none" : s;
}

}  // namespace

namespace {

// A keyed node (NodeSpec::keyedBy) behind a source partitioned by a key (ParamRole::PartitionKey)
// whose fields leave that key out: each process of a group sharing the source's partitions would
// see part of a key group and give part of its result. Fields are matched by name, through any
// node between.
void warnAboutPartitioning(ValidatedGraph& g) {
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const LogicalNode& n = g.nodes[i];
        if (n.spec->keyedBy.empty()) continue;
        const std::vector<std::string> keys = n.config.getStringList(n.spec->keyedBy);
        // Every source upstream.
        std::vector<size_t> toVisit = {i};
        std::set<size_t> seen = {i};
        while (!toVisit.empty()) {
            const LogicalNode& up = g.nodes[toVisit.back()];
            toVisit.pop_back();
            for (int ei : up.inEdges) {
                const size_t from = static_cast<size_t>(g.edges[static_cast<size_t>(ei)].from);
                if (seen.insert(from).second) toVisit.push_back(from);
            }
            const ParamSpec* keyParam = up.spec->paramWithRole(ParamRole::PartitionKey);
            if (!keyParam) continue;
            const std::string key = up.config.getString(keyParam->key);
            if (key.empty() || std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
            std::string fields;
            for (size_t k = 0; k < keys.size(); ++k) fields += (k ? ", " : "") + keys[k];
            const std::string grouped =
                keys.empty() ? "keeps one group for the whole stream" : "groups by " + fields;
            const std::string otherwise =
                keys.empty() ? "read them in one process" : "key the messages by " + fields;
            g.warnings.push_back(
                {n.def->id, nodeLabel(*n.spec, n.def->id) + ": it " + grouped +
                                ", but the messages of " + nodeLabel(*up.spec, up.def->id) +
                                " are partitioned by " + key + " (its `" + keyParam->key +
                                "`): processes sharing them would each give "
                                "part of a group's result. Add " +
                                key + " to `" + n.spec->keyedBy + "`, or " + otherwise});
        }
    }
}

}  // namespace

ValidatedGraph validateProject(const Project& project, const NodeRegistry& registry) {
    ValidatedGraph g;
    const std::string base = project.baseDir();
    if (auto settings = readProjectSettings(project.settings))
        g.settings = settings.value();
    else
        g.problems.push_back({"", settings.message()});

    // Nodes and their parameters.
    std::vector<LogicalNode> nodes;
    std::map<std::string, int, std::less<>> byId;
    for (const auto& def : project.nodes) {
        LogicalNode n;
        n.def = &def;
        n.spec = registry.find(def.type);
        if (!n.spec) {
            std::string hint = registry.suggest(def.type);
            g.problems.push_back(
                {def.id, "node `" + def.id + "`: unknown node type `" + def.type + "`" +
                             (hint.empty() ? "" : " (did you mean `" + hint + "`?)")});
        } else {
            std::vector<std::string> problems;
            n.config = makeConfig(*n.spec, def.id, def.params, base, problems);
            for (auto& p : problems) g.problems.push_back({def.id, std::move(p)});
        }
        byId[def.id] = static_cast<int>(nodes.size());
        nodes.push_back(std::move(n));
    }

    // Edges.
    std::vector<ResolvedEdge> edges;
    std::vector<std::vector<int>> inEdges(nodes.size()), outEdges(nodes.size());
    for (const auto& e : project.edges) {
        const std::string where = "edge " + e.from() + " -> " + e.to();
        auto fromIt = byId.find(e.fromNode);
        auto toIt = byId.find(e.toNode);
        if (fromIt == byId.end()) {
            g.problems.push_back({e.toNode, where + ": there is no node `" + e.fromNode + "`"});
            continue;
        }
        if (toIt == byId.end()) {
            g.problems.push_back({e.fromNode, where + ": there is no node `" + e.toNode + "`"});
            continue;
        }
        const LogicalNode& from = nodes[fromIt->second];
        const LogicalNode& to = nodes[toIt->second];
        if (!from.spec || !to.spec) continue;  // already reported
        ResolvedEdge r;
        r.from = fromIt->second;
        r.to = toIt->second;
        r.fromPort = from.spec->outputIndex(e.fromPort);
        r.toPort = to.spec->inputIndex(e.toPort);
        if (r.fromPort < 0) {
            g.problems.push_back({e.fromNode, where + ": " + nodeLabel(*from.spec, e.fromNode) +
                                                  " has no output port `" + e.fromPort +
                                                  "` (outputs: " + portList(from.spec->outputs) +
                                                  ")"});
            continue;
        }
        if (r.toPort < 0) {
            g.problems.push_back({e.toNode, where + ": " + nodeLabel(*to.spec, e.toNode) +
                                                " has no input port `" + e.toPort +
                                                "` (inputs: " + portList(to.spec->inputs) + ")"});
            continue;
        }
        if (r.from == r.to) {
            g.problems.push_back({e.toNode, where + ": a node cannot feed itself"});
            continue;
        }
        outEdges[r.from].push_back(static_cast<int>(edges.size()));
        inEdges[r.to].push_back(static_cast<int>(edges.size()));
        edges.push_back(r);
    }

    // Fan-in and required inputs. Slots are ordered by port, then by edge order in the file.
    for (size_t i = 0; i < nodes.size(); ++i) {
        LogicalNode& n = nodes[i];
        if (!n.spec) continue;
        std::stable_sort(inEdges[i].begin(), inEdges[i].end(),
                         [&](int a, int b) { return edges[a].toPort < edges[b].toPort; });
        for (size_t p = 0; p < n.spec->inputs.size(); ++p) {
            int count = 0;
            for (int ei : inEdges[i]) count += edges[ei].toPort == static_cast<int>(p);
            const std::string label = nodeLabel(*n.spec, n.def->id);
            if (count == 0)
                g.problems.push_back({n.def->id, label + ": input `" + n.spec->inputs[p].name +
                                                     "` is not connected; wire a stream into it"});
            else if (count > 1 && !n.spec->inputs[p].multiple)
                g.problems.push_back(
                    {n.def->id, label + ": input `" + n.spec->inputs[p].name + "` has " +
                                    std::to_string(count) +
                                    " incoming wires but takes one; use a Union node"});
        }
        for (size_t s = 0; s < inEdges[i].size(); ++s)
            edges[inEdges[i][s]].toSlot = static_cast<int>(s);
    }

    // Topological order (Kahn); what is left over sits on a cycle.
    std::vector<int> indeg(nodes.size(), 0), order;
    for (const auto& e : edges) ++indeg[e.to];
    std::queue<int> ready;
    for (size_t i = 0; i < nodes.size(); ++i)
        if (indeg[i] == 0) ready.push(static_cast<int>(i));
    while (!ready.empty()) {
        int i = ready.front();
        ready.pop();
        order.push_back(i);
        for (int ei : outEdges[i])
            if (--indeg[edges[ei].to] == 0) ready.push(edges[ei].to);
    }
    if (order.size() != nodes.size()) {
        std::string cyc;
        for (size_t i = 0; i < nodes.size(); ++i)
            if (indeg[i] > 0) cyc += (cyc.empty() ? "`" : ", `") + nodes[i].def->id + "`";
        g.problems.push_back({"", "the graph has a cycle through " + cyc +
                                      "; streams must flow one way, from sources to sinks"});
        for (size_t i = 0; i < nodes.size(); ++i)
            if (indeg[i] > 0) order.push_back(static_cast<int>(i));
    }

    // Renumber into topological order.
    std::vector<int> newIndex(nodes.size());
    for (size_t k = 0; k < order.size(); ++k) newIndex[order[k]] = static_cast<int>(k);
    for (auto& e : edges) {
        e.from = newIndex[e.from];
        e.to = newIndex[e.to];
    }
    for (size_t k = 0; k < order.size(); ++k) {
        LogicalNode n = std::move(nodes[order[k]]);
        n.inEdges = inEdges[order[k]];
        n.outEdges = outEdges[order[k]];
        g.nodes.push_back(std::move(n));
    }
    g.edges = std::move(edges);

    // Schemas, in topological order. A node whose inputs are unknown is skipped quietly: the
    // problem upstream has been reported already.
    const bool paramsOk = g.problems.empty();
    for (auto& n : g.nodes) {
        if (!n.spec) continue;
        bool inputsKnown = true;
        for (int ei : n.inEdges) {
            const ResolvedEdge& e = g.edges[ei];
            const LogicalNode& src = g.nodes[e.from];
            if (e.fromPort < 0 || static_cast<size_t>(e.fromPort) >= src.outputs.size()) {
                inputsKnown = false;
                break;
            }
            n.inputs.schemas.push_back(src.outputs[e.fromPort]);
            n.inputs.ports.push_back(e.toPort);
        }
        if (!inputsKnown || n.inEdges.size() < n.spec->inputs.size()) continue;
        bool nodeParamsOk =
            paramsOk || std::none_of(g.problems.begin(), g.problems.end(),
                                     [&](const Problem& p) { return p.nodeId == n.def->id; });
        if (!nodeParamsOk) continue;
        auto schemas = outputSchemas(*n.spec, n.config, n.inputs);
        if (!schemas) {
            g.problems.push_back({n.def->id, schemas.message()});
            continue;
        }
        n.outputs = std::move(schemas.value());
    }
    if (g.ok()) warnAboutPartitioning(g);
    return g;
}

Status applyOverride(Project& project, const std::string& assignment) {
    if (!isValidUtf8(assignment))
        return Status::error("--set takes NODE.PARAM=VALUE in UTF-8; byte " +
                             std::to_string(findInvalidUtf8(assignment) + 1) + " is not");
    auto eq = assignment.find('=');
    auto dot = assignment.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq || dot == 0 ||
        dot + 1 == eq)
        return Status::error("--set takes NODE.PARAM=VALUE, got `" + assignment + "`");
    std::string nodeId = assignment.substr(0, dot);
    std::string key = assignment.substr(dot + 1, eq - dot - 1);
    std::string text = assignment.substr(eq + 1);
    NodeDef* n = project.node(nodeId);
    if (!n)
        return Status::error("--set " + assignment + ": the project has no node `" + nodeId + "`");
    Json value;
    if (parseJsonInto(text, value)) value = text;  // not JSON: the text itself
    n->params[key] = value;
    return Status::ok();
}

}  // namespace riffle
