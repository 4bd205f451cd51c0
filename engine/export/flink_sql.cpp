#include "engine/export/flink_sql.h"

#include "engine/graph/node_instance.h"

namespace riffle {

Result<std::string> exportFlinkSql(const ValidatedGraph& graph, const std::string& projectName,
                                   std::string* refusedNode) {
    using R = Result<std::string>;
    if (refusedNode) refusedNode->clear();
    if (!graph.ok()) return R::error(graph.problems.front().message);
    std::string body, inserts;
    for (const LogicalNode& ln : graph.nodes) {
        const std::string label = nodeLabel(*ln.spec, ln.def->id);
        if (refusedNode) *refusedNode = ln.def->id;
        if (!ln.spec->exportFlink)
            return R::error(label + " has no Flink SQL equivalent: " + ln.spec->noFlinkExport);
        FlinkExportContext ctx{ln.config, ln.def->id, flink::quote(ln.def->id), {}, nullptr};
        for (size_t slot = 0; slot < ln.inEdges.size(); ++slot) {
            const ResolvedEdge& e = graph.edges[static_cast<size_t>(ln.inEdges[slot])];
            const LogicalNode& from = graph.nodes[static_cast<size_t>(e.from)];
            if (e.fromPort != 0)
                return R::error(label + ": its input comes from the `" +
                                from.spec->outputs[static_cast<size_t>(e.fromPort)].name +
                                "` port of `" + from.def->id +
                                "`, which has no Flink SQL equivalent (Flink drops late events "
                                "and fails on errors)");
            ctx.inputs.push_back({flink::quote(from.def->id), ln.inputs.schemas[slot]});
        }
        if (!ln.outputs.empty()) ctx.output = ln.outputs[0];
        auto part = ln.spec->exportFlink(ctx);
        if (!part) return R::error(label + ": " + part.message());
        body += "\n-- " + label + " (" + ln.spec->typeId + ")\n";
        for (const std::string& n : part->notes) body += "-- Differs from Riffle: " + n + "\n";
        for (const std::string& s : part->statements) body += s + ";\n";
        if (!part->insert.empty()) inserts += "  " + part->insert + ";\n";
    }
    if (refusedNode) refusedNode->clear();
    if (inserts.empty()) return R::error("the project has no sink that Flink could write to");
    std::string out = "-- Flink SQL exported by riffle-run from `" + projectName +
                      "`; run it with: sql-client.sh -f THIS_FILE\n"
                      "-- Event times are UTC.\n"
                      "SET 'table.local-time-zone' = 'UTC';\n" +
                      body + "\nEXECUTE STATEMENT SET\nBEGIN\n" + inserts + "END;\n";
    return out;
}

}  // namespace riffle
