#include "nodes/charts/chart_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/core/time_format.h"

namespace riffle {

namespace {

constexpr size_t kMaxPoints = 5000;
constexpr size_t kMaxTableRows = 1000;

std::string number(double v) {
    if (std::isnan(v)) return "NULL";
    char buf[32];
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

}  // namespace

void ChartSummary::add(const std::vector<ChartRow>& rows) {
    m_received += static_cast<int64_t>(rows.size());
    const bool bar = m_config.kind == "bar";
    for (const ChartRow& r : rows) {
        if (m_config.kind == "table") {
            m_tableRows.push_back(r.cells);
            if (m_tableRows.size() > kMaxTableRows) m_tableRows.pop_front();
            continue;
        }
        m_points[{bar ? 0 : r.time, r.category, r.series}] = r.values;
        if (m_points.size() > kMaxPoints) m_points.erase(m_points.begin());
    }
}

std::pair<std::vector<std::string>, std::vector<std::vector<std::string>>> ChartSummary::table(
    size_t maxRows) const {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    const ChartConfig& c = m_config;
    if (c.kind == "table") {
        header = c.columns;
        for (auto it = m_tableRows.rbegin(); it != m_tableRows.rend() && rows.size() < maxRows;
             ++it)
            rows.push_back(*it);
        return {header, rows};
    }
    if (c.kind == "histogram") {
        std::vector<double> v;
        for (const auto& [key, values] : m_points)
            if (!values.empty() && !std::isnan(values[0])) v.push_back(values[0]);
        header = {c.y.empty() ? "value" : c.y[0], "count", "min", "median", "max"};
        if (!v.empty()) {
            std::sort(v.begin(), v.end());
            rows.push_back({"", std::to_string(v.size()), number(v.front()),
                            number(v[v.size() / 2]), number(v.back())});
        }
        return {header, rows};
    }
    if (c.kind == "bar") {
        header.push_back(c.x);
        if (!c.seriesBy.empty()) header.push_back("series");
        header.insert(header.end(), c.y.begin(), c.y.end());
        std::vector<std::pair<double, std::vector<std::string>>> sorted;
        for (const auto& [key, values] : m_points) {
            std::vector<std::string> row{std::get<1>(key)};
            if (!c.seriesBy.empty()) row.push_back(std::get<2>(key));
            for (double v : values) row.push_back(number(v));
            sorted.emplace_back(values.empty() || std::isnan(values[0]) ? -INFINITY : values[0],
                                std::move(row));
        }
        std::stable_sort(sorted.begin(), sorted.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        for (auto& [v, row] : sorted) {
            if (rows.size() >= maxRows) break;
            rows.push_back(std::move(row));
        }
        return {header, rows};
    }
    // Time series, heatmap, gauge: the newest points, oldest of them first.
    header.push_back(c.x);
    if (!c.seriesBy.empty()) header.push_back("series");
    header.insert(header.end(), c.y.begin(), c.y.end());
    const size_t take = c.kind == "gauge" ? 1 : maxRows;
    auto first = m_points.end();
    for (size_t i = 0; i < take && first != m_points.begin(); ++i) --first;
    for (auto it = first; it != m_points.end(); ++it) {
        std::vector<std::string> row{formatIso8601Ms(std::get<0>(it->first))};
        if (!c.seriesBy.empty()) row.push_back(std::get<2>(it->first));
        for (double v : it->second) row.push_back(number(v));
        rows.push_back(std::move(row));
    }
    return {header, rows};
}

std::string ChartSummary::text(size_t maxRows) const {
    auto [header, rows] = table(maxRows);
    std::string out = "chart `" + m_config.nodeId + "` (" + m_config.kind + ", \"" +
                      m_config.title + "\"): " + std::to_string(m_received) + " rows";
    if (m_dropped) out += ", " + std::to_string(m_dropped) + " dropped";
    out += "\n";
    if (rows.empty()) return out + "  (no data)\n";
    std::vector<size_t> width(header.size(), 0);
    for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
    for (const auto& r : rows)
        for (size_t i = 0; i < r.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], r[i].size());
    auto line = [&](const std::vector<std::string>& cells) {
        std::string l = " ";
        for (size_t i = 0; i < width.size(); ++i) {
            const std::string cell = i < cells.size() ? cells[i] : "";
            l += ' ';
            l += cell;
            if (i + 1 < width.size()) l += std::string(width[i] - cell.size() + 1, ' ');
        }
        while (!l.empty() && l.back() == ' ') l.pop_back();
        return l + "\n";
    };
    out += line(header);
    for (const auto& r : rows) out += line(r);
    return out;
}

Json ChartSummary::json(size_t maxRows) const {
    auto [header, rows] = table(maxRows);
    return Json{{"kind", m_config.kind},       {"title", m_config.title},
                {"rows_received", m_received}, {"rows_dropped", m_dropped},
                {"columns", header},           {"rows", rows}};
}

}  // namespace riffle
