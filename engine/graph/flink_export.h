#pragma once
// What a node type contributes to a Flink SQL script (`riffle-run --export flink-sql`): the
// exporter (engine/export/flink_sql.h) walks the graph and asks each node's NodeSpec::exportFlink
// for the statements that define its output relation; a node type without a rule says why in
// NodeSpec::noFlinkExport, and the export is refused with that reason and the node named.
#include <functional>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/types.h"
#include "engine/graph/params.h"

namespace riffle {

struct FlinkExportInput {
    std::string relation;  // the table or view that feeds this input port, quoted
    SchemaPtr schema;
};

struct FlinkExportContext {
    const NodeConfig& config;
    std::string nodeId;
    std::string relation;                  // the name this node's output must have, quoted
    std::vector<FlinkExportInput> inputs;  // one per input slot
    SchemaPtr output;                      // the node's `out` schema (null for a sink)
};

struct FlinkExportPart {
    std::vector<std::string> statements;  // CREATE TABLE / CREATE VIEW, each without its `;`
    std::string insert;                   // a sink's INSERT INTO ... (part of the statement set)
    // Where Flink does something other than Riffle, said in the script as a comment.
    std::vector<std::string> notes;
};

using FlinkExportRule = std::function<Result<FlinkExportPart>(const FlinkExportContext&)>;

// Helpers for the rules.
namespace flink {
// `name` with backticks (a backtick inside doubled).
std::string quote(const std::string& name);
// A single-quoted SQL string literal.
std::string literal(const std::string& text);
// The Flink SQL type of a Riffle type: BIGINT, DOUBLE, STRING, BOOLEAN, TIMESTAMP(3).
std::string typeName(Type t);
// "INTERVAL '10' SECOND" for a duration in microseconds (milliseconds when not whole seconds).
std::string interval(int64_t us);
// The column list of `schema`, quoted, comma separated.
std::string columns(const Schema& schema);
// A window TVF (TUMBLE, HOP, SESSION) adds the columns window_start, window_end and window_time
// to its input, and fails when the input has one already: true for those names.
bool addedByWindow(const std::string& name);
// A Riffle expression (docs/expressions.md) in Flink SQL: fields quoted, and what Flink writes
// otherwise translated: IF as CASE (Flink's IF takes no bare NULL), `%` as MOD, Riffle's and
// Flink's type names in CAST as the Flink types of Riffle's (a Riffle int is a BIGINT),
// SUBSTRING in its FROM / FOR form, a number with a point as a DOUBLE (`0.5E0`: Flink's 0.5 is a
// DECIMAL). An error for what the parser refuses.
Result<std::string> expression(const std::string& riffleExpression);
// A sink's table and its INSERT: a column per field of its input (then `extraColumn`, a column
// definition such as "`k` STRING", when not empty), WITH `options` (lines "  'name' = 'value'"
// joined by ",\n"); the INSERT selects every input field (then `extraSelect`).
FlinkExportPart sinkTable(const FlinkExportContext& ctx, const std::string& options,
                          const std::string& extraColumn = {}, const std::string& extraSelect = {});
// A source's event time in Flink: the type to declare its `time_field` column with (BIGINT for
// epoch times, STRING for ISO-8601), and the lines that compute `_time` from it and put the
// watermark `max_out_of_orderness` behind it. An error when Flink cannot know the time
// (processing time, `time_format` auto).
struct EventTime {
    std::string field, fieldType, lines;
};
Result<EventTime> eventTime(const NodeConfig& config);
}  // namespace flink

}  // namespace riffle
