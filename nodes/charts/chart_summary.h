#pragma once
// What a chart shows, as text: riffle-run prints one compact table per chart sink when a headless
// run ends (and puts the same data under "charts" in --json), so a pipeline can be checked
// without the studio. The summary keeps the state a panel would show: the latest value per
// (time, series) for time series and heatmaps, per category for bars, the latest value for a
// gauge, the newest rows for a table, and the distribution for a histogram.
//
// Threading: one thread.
#include <deque>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "engine/charts/chart_feed.h"
#include "engine/graph/params.h"

namespace riffle {

class ChartSummary {
public:
    explicit ChartSummary(ChartConfig config) : m_config(std::move(config)) {}

    void add(const std::vector<ChartRow>& rows);
    void addDropped(int64_t rows) { m_dropped += rows; }

    // A heading line and a table of at most `maxRows` rows, indented by two spaces.
    std::string text(size_t maxRows = 10) const;
    Json json(size_t maxRows = 10) const;
    int64_t rowsReceived() const { return m_received; }
    const ChartConfig& config() const { return m_config; }

private:
    // Header and rows of the table, as display text.
    std::pair<std::vector<std::string>, std::vector<std::vector<std::string>>> table(
        size_t maxRows) const;

    ChartConfig m_config;
    int64_t m_received = 0;
    int64_t m_dropped = 0;
    // (time, category, series) -> values; for bars time is 0 (the latest value per category).
    std::map<std::tuple<TimeUs, std::string, std::string>, std::vector<double>> m_points;
    std::deque<std::vector<std::string>> m_tableRows;
};

}  // namespace riffle
