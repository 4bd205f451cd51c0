// `riffle-run --set NODE.PARAM=VALUE`: any assignment is applied or refused with a message, and
// the project it gives validates and saves.
#include "engine/graph/graph_validator.h"
#include "engine/graph/project.h"
#include "nodes/register_builtin_nodes.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

constexpr std::string_view kProject = R"json({"format": "riffle-project", "version": 1,
  "nodes": [{"id": "c", "type": "source.clickstream", "params": {"limit": 10}},
            {"id": "f", "type": "transform.filter", "params": {"where": "latency_ms > 10"}},
            {"id": "w", "type": "window.tumbling",
             "params": {"size": "10s", "group_by": ["page"], "aggregates": [{"name": "views", "expr": "COUNT(*)"}]}},
            {"id": "l", "type": "sink.log"}],
  "edges": [{"from": "c.out", "to": "f.in"}, {"from": "f.out", "to": "w.in"},
            {"from": "w.out", "to": "l.in"}]})json";

}  // namespace

RIFFLE_FUZZ_TARGET(set) {
    auto project = riffle::Project::fromJsonText(kProject);
    FUZZ_CHECK(project.isOk(), "the base project loads");
    const riffle::Status s = riffle::applyOverride(*project, std::string(input));
    if (!s) {
        FUZZ_CHECK(!s.message().empty(), "a refused --set has a message");
        return;
    }
    (void)riffle::validateProject(*project, riffle::builtinNodeRegistry());
    auto again = riffle::Project::fromJsonText(project->toJson().dump());
    FUZZ_CHECK(again.isOk(), "a project changed by --set saves and loads");
}
