#pragma once
// `riffle-run --export flink-sql PROJECT`: the project as one Flink SQL script that Flink's SQL
// client runs as it is (`sql-client.sh -f`): a CREATE TABLE per source and sink, a view per
// transform and window, and every sink's INSERT in one statement set. Each node contributes
// what its NodeSpec::exportFlink rule writes; where Flink does something other than Riffle the
// script says so in a comment; a node with no faithful Flink equivalent refuses the whole export
// with its reason, naming the node. Nothing is changed silently.
#include <string>

#include "engine/core/status.h"
#include "engine/graph/graph_validator.h"

namespace riffle {

// The graph must be valid. `projectName` goes into the script's first comment. When a node
// refuses, `refusedNode` (if given) gets its id; otherwise it is emptied.
Result<std::string> exportFlinkSql(const ValidatedGraph& graph, const std::string& projectName,
                                   std::string* refusedNode = nullptr);

}  // namespace riffle
