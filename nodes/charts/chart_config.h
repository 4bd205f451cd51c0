#pragma once
// How a `sink.chart.*` node's parameters and input schema become a ChartConfig: the defaults a
// chart takes from its input (time on x, the first numeric field on y, the string fields as
// series), and the checks that name a missing or mistyped field. Used by the node's schema rule
// (so the editor shows the problem), by the sink, by riffle-run and by the studio's panels.
#include "engine/charts/chart_feed.h"
#include "engine/core/status.h"
#include "engine/graph/graph_validator.h"
#include "engine/graph/params.h"

namespace riffle {

inline constexpr std::string_view kChartTypePrefix = "sink.chart.";

// `title` is the node's title from the project (may be empty). Errors do not name the node: the
// caller does ("sink `views`: `y` field `page` must be a number, it is string"), as for every
// schema rule.
Result<ChartConfig> resolveChartConfig(const NodeConfig& config, const Schema& input,
                                       const std::string& title);

// A hub with one channel per chart node of a validated graph (empty when it has none).
std::shared_ptr<ChartHub> makeChartHub(const ValidatedGraph& graph);

}  // namespace riffle
