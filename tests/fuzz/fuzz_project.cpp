// The project loader and validator: any file gives a project or a message, and a project it
// loads validates (with or without problems), saves, and loads again to the same nodes and edges.
#include "engine/graph/graph_validator.h"
#include "engine/graph/project.h"
#include "nodes/register_builtin_nodes.h"
#include "tests/fuzz/fuzz_target.h"

RIFFLE_FUZZ_TARGET(project) {
    auto project = riffle::Project::fromJsonText(input);
    if (!project) {
        FUZZ_CHECK(!project.message().empty(), "a refused project has a message");
        return;
    }
    const riffle::ValidatedGraph graph =
        riffle::validateProject(*project, riffle::builtinNodeRegistry());
    for (const auto& p : graph.problems)
        FUZZ_CHECK(!p.message.empty(), "every problem has a message");
    const std::string saved = project->toJson().dump(2);
    auto again = riffle::Project::fromJsonText(saved);
    FUZZ_CHECK(again.isOk(), "a saved project loads");
    FUZZ_CHECK(again->nodes.size() == project->nodes.size(), "saving keeps every node");
    FUZZ_CHECK(again->edges.size() == project->edges.size(), "saving keeps every edge");
}
