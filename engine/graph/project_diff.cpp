#include "engine/graph/project_diff.h"

namespace riffle {

namespace {

// `params` without the keys `spec` declares live.
Json withoutLive(const Json& params, const NodeSpec* spec) {
    if (!spec || !params.is_object()) return params;
    Json out = params;
    for (const ParamSpec& p : spec->params)
        if (p.live) out.erase(p.key);
    return out;
}

bool sameEdge(const EdgeDef& a, const EdgeDef& b) {
    return a.fromNode == b.fromNode && a.fromPort == b.fromPort && a.toNode == b.toNode &&
           a.toPort == b.toPort;
}

}  // namespace

bool runsTheSame(const Project& before, const Project& after, const NodeRegistry& registry) {
    if (before.nodes.size() != after.nodes.size() || before.edges.size() != after.edges.size() ||
        before.settings != after.settings || before.path != after.path)
        return false;
    for (size_t i = 0; i < before.nodes.size(); ++i) {
        const NodeDef& a = before.nodes[i];
        const NodeDef* b = after.node(a.id);
        if (!b || a.type != b->type) return false;
        const NodeSpec* spec = registry.find(a.type);
        if (withoutLive(a.params, spec) != withoutLive(b->params, spec)) return false;
    }
    for (size_t i = 0; i < before.edges.size(); ++i) {
        bool found = false;
        for (const EdgeDef& e : after.edges) found = found || sameEdge(before.edges[i], e);
        if (!found) return false;
    }
    return true;
}

}  // namespace riffle
