#pragma once
// What the three event-time window nodes share: their parameters, their output schema and
// their settings; their groups come from nodes/common/grouping.h.
//
// Output of every window node: `_time` (= window_end - 1 us), the group_by fields, the
// aggregates, `window_start`, `window_end`, `final`. The `late` port carries late events
// unchanged (the input schema).
//
// Firing and the `final` flag: a window fires when the watermark reaches its end. Without
// allowed lateness that firing is the last one and has final = true. With allowed lateness the
// on-time firing has final = false, every late event that still belongs to the window re-fires
// it at once (final = false; a window that such an event opens after the watermark passed its
// end fires at once too), and when the watermark passes end + allowed_lateness the window fires
// one last time with final = true and its state is freed. `emit_every` adds early firings
// (final = false) of windows whose contents changed since they were last shown.
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/aggregate/aggregate_set.h"
#include "engine/graph/node_spec.h"
#include "nodes/common/grouping.h"

namespace riffle::windows {

// Parameters after `size` / `slide` / `gap`: group_by, aggregates, allowed_lateness, emit_every.
std::vector<ParamSpec> commonWindowParams();

// The window result schema for this node's input and parameters, or a message naming the field.
Result<SchemaPtr> windowOutputSchema(const NodeConfig& config, const Schema& input);

// The schema rule shared by the window nodes: result schema on `out`, the input's on `late`.
Result<std::vector<SchemaPtr>> windowSchemaRule(const NodeConfig& config, const SchemaInputs& in);

// The Flink SQL of a window's result: a view with Riffle's columns over the window TVF that `tvf`
// writes for a relation (e.g. "TUMBLE(TABLE `in`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND)"),
// or why it cannot be exported (allowed lateness, an aggregate Flink has not, a column the TVF
// would add read by the window).
Result<FlinkExportPart> windowFlinkView(const FlinkExportContext& ctx,
                                        const std::function<std::string(const std::string&)>& tvf);

// t rounded down to a multiple of step (> 0), also for negative t.
inline TimeUs floorTo(TimeUs t, int64_t step) {
    TimeUs q = t / step;
    if (t % step != 0 && t < 0) --q;
    return q * step;
}

// Rows `rows` of `in` to the `late` port (port 1), when there are any.
inline void pushLate(const Batch& in, const std::vector<uint32_t>& rows, Emitter& out) {
    if (rows.empty()) return;
    BatchPtr late = out.newBatch(1);
    late->appendRowsFrom(in, rows);
    out.push(1, std::move(late));
}

// Common parameter values.
struct WindowSettings {
    std::vector<std::string> groupBy;
    std::vector<NamedExpr> aggregates;
    int64_t allowedLatenessUs = 0;
    int64_t emitEveryUs = 0;
    static WindowSettings from(const NodeConfig& config);
};

}  // namespace riffle::windows
