// sink.chart.*: the chart kinds of the live dashboard (docs/dashboard.md). One operator for every
// kind: it turns each batch into ChartRows (ChartConfig says which fields), publishes them on the
// node's ChartChannel for the studio or riffle-run, and appends the final rows to the project's
// chart history every half second and at the end. Without a ChartHub (a bare engine run) it only
// counts what it receives.
#include <cmath>

#include "engine/charts/chart_history.h"
#include "engine/graph/node_registry.h"
#include "nodes/charts/chart_config.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

// History rows buffered between two flushes; beyond this (a chart fed by a raw stream at
// millions of events a second) the oldest unflushed rows are not kept in history.
constexpr size_t kMaxPendingHistoryRows = 200'000;

class ChartSink : public Operator {
public:
    explicit ChartSink(const OperatorContext& ctx) : m_ctx(ctx) {}

    Status open() override {
        if (m_ctx.inputSchemas.empty() || !m_ctx.inputSchemas[0])
            return Status::error(m_ctx.nodeLabel + ": has no input");
        const Schema& schema = *m_ctx.inputSchemas[0];
        auto config = resolveChartConfig(m_ctx.config, schema, {});
        if (!config) return Status::error(m_ctx.nodeLabel + ": " + config.message());
        m_config = std::move(config.value());
        m_xCol = schema.indexOf(m_config.x);
        for (const std::string& y : m_config.y) m_yCols.push_back(schema.indexOf(y));
        for (const std::string& s : m_config.seriesBy) m_seriesCols.push_back(schema.indexOf(s));
        m_finalCol = m_config.hasFinalField ? schema.indexOf("final") : -1;
        if (!m_ctx.charts) return Status::ok();
        m_channel = m_ctx.charts->channel(m_config.nodeId);
        if (!m_ctx.charts->historyPath().empty()) {
            auto h = ChartHistory::open(m_ctx.charts->historyPath());
            if (!h) return Status::error(m_ctx.nodeLabel + ": " + h.message());
            m_history = std::move(h.value());
            m_runId = m_ctx.charts->runId();
        }
        return Status::ok();
    }

    void process(int, const Batch& in, Emitter&) override {
        if (!m_channel && !m_history) return;
        auto chunk = std::make_unique<ChartChunk>();
        chunk->rows.reserve(in.rows());
        const bool table = m_config.kind == "table";
        for (size_t r = 0; r < in.rows(); ++r) {
            ChartRow row;
            if (m_config.xIsTime) {
                const Column& xc = in.column(static_cast<size_t>(m_xCol));
                row.time = xc.isNull(r) ? in.times()[r] : xc.ints()[r];
            } else {
                row.time = in.times()[r];
                row.category = in.get(r, static_cast<size_t>(m_xCol)).toDisplayString();
            }
            for (size_t i = 0; i < m_seriesCols.size(); ++i) {
                if (i) row.series += " · ";
                row.series += in.get(r, static_cast<size_t>(m_seriesCols[i])).toDisplayString();
            }
            row.values.reserve(m_yCols.size());
            for (int c : m_yCols) {
                const Column& col = in.column(static_cast<size_t>(c));
                if (col.isNull(r))
                    row.values.push_back(std::nan(""));
                else if (col.type() == Type::Float)
                    row.values.push_back(col.floats()[r]);
                else
                    row.values.push_back(static_cast<double>(col.ints()[r]));
            }
            if (m_finalCol >= 0) {
                const Column& fc = in.column(static_cast<size_t>(m_finalCol));
                row.final = fc.isNull(r) || fc.ints()[r] != 0;
            }
            if (table) {
                row.cells.reserve(in.schema().size());
                for (size_t c = 0; c < in.schema().size(); ++c)
                    row.cells.push_back(in.get(r, c).toDisplayString());
            }
            if (m_history && row.final) m_pending.push_back(row);
            chunk->rows.push_back(std::move(row));
        }
        if (m_pending.size() > kMaxPendingHistoryRows)
            m_pending.erase(m_pending.begin(),
                            m_pending.end() - static_cast<std::ptrdiff_t>(kMaxPendingHistoryRows));
        if (m_channel) m_channel->publish(std::move(chunk));
    }

    int64_t timerIntervalUs() const override { return m_history ? 500'000 : 0; }
    void onTimer(TimeUs, Emitter&) override { flushHistory(); }
    void finish(Emitter&) override { flushHistory(); }
    void close() override { m_history.reset(); }

private:
    void flushHistory() {
        if (!m_history || m_pending.empty()) return;
        // History is a convenience: a write that fails (disk full, locked too long) costs those
        // rows of history, never the run.
        if (!m_history->append(m_runId, m_config.nodeId, m_pending))
            m_ctx.metrics->add(m_ctx.metrics->warnings, static_cast<int64_t>(m_pending.size()));
        m_pending.clear();
    }

    OperatorContext m_ctx;
    ChartConfig m_config;
    int m_xCol = 0, m_finalCol = -1;
    std::vector<int> m_yCols, m_seriesCols;
    std::shared_ptr<ChartChannel> m_channel;
    std::unique_ptr<ChartHistory> m_history;
    int64_t m_runId = 0;
    std::vector<ChartRow> m_pending;
};

ParamSpec param(std::string key, ParamType type, Json def, std::string help, std::string group,
                FieldPick picks = FieldPick::Any) {
    ParamSpec p = makeParam(std::move(key), type, std::move(def), std::move(help));
    p.group = std::move(group);
    p.picks = picks;
    return p;
}

void addChart(NodeRegistry& registry, const std::string& kind, const std::string& name,
              const std::string& description, std::vector<ParamSpec> options) {
    NodeSpec s;
    s.typeId = std::string(kChartTypePrefix) + kind;
    s.displayName = name;
    s.category = "sink";
    s.description = description;
    s.inputs = {{"in", "Rows to draw", false}};
    s.outputs = {};
    s.params = {
        param("title", ParamType::String, "", "Panel title; the node's title when empty", "Chart"),
        param("x", ParamType::String, "",
              kind == "bar" ? "Category field; the first string field when empty"
                            : "Time field on the x axis; window_start (or _time) when empty",
              "Data"),
        param("y", ParamType::StringList, Json::array(),
              kind == "table" ? "Not used by tables (every field is a column)"
                              : "Numeric fields to draw; the first number in the input when empty",
              "Data", FieldPick::Numbers),
        param("series_by", ParamType::StringList, Json::array(),
              "Fields whose values name the series; for time series and heatmaps the string fields "
              "when empty",
              "Data"),
        param("history", ParamType::Duration, "15m",
              "How much time the live view keeps (older data comes from history)", "Data"),
    };
    for (ParamSpec& o : options) {
        o.group = "Look";
        o.live = true;  // read by the panel only: a change shows at once, even while running
        s.params.push_back(std::move(o));
    }
    s.isSink = true;
    s.schemaRule = [](const NodeConfig& config,
                      const SchemaInputs& in) -> Result<std::vector<SchemaPtr>> {
        auto c = resolveChartConfig(config, *in.schemas.at(0), {});
        if (!c) return Result<std::vector<SchemaPtr>>::error(c.message());
        return std::vector<SchemaPtr>{};
    };
    s.createOperator = [](const OperatorContext& ctx) { return std::make_unique<ChartSink>(ctx); };
    registry.add(std::move(s));
}

// The value axis: a unit for its label and a fixed range (`what` says which axis it is).
std::vector<ParamSpec> valueAxisOptions(const std::string& what, bool withUnit = true) {
    std::vector<ParamSpec> out;
    if (withUnit)
        out.push_back(
            makeParam("unit", ParamType::String, "", "Unit written after the " + what + "'s name"));
    out.push_back(makeParam("y_min", ParamType::Float, nullptr,
                            "Fixed bottom of the " + what + "; automatic when empty"));
    out.push_back(makeParam("y_max", ParamType::Float, nullptr,
                            "Fixed top of the " + what + "; automatic when empty"));
    return out;
}

std::vector<ParamSpec> joined(std::vector<ParamSpec> a, const std::vector<ParamSpec>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

void registerChartSinks(NodeRegistry& registry) {
    ParamSpec style = makeParam("style", ParamType::Choice, "lines", "Draw lines or filled areas");
    style.choices = {"lines", "areas"};
    addChart(
        registry, "timeseries", "Time series chart",
        "Draws numbers over time, one line per series; the window still in progress is a hollow "
        "dot.",
        joined(
            {style, makeParam("stacked", ParamType::Bool, false, "Stack the series on each other"),
             makeParam(
                 "max_series", ParamType::Int, 10,
                 "Draw at most this many series, the largest in view; the legend counts the others",
                 "series", 1, 1000)},
            valueAxisOptions("y axis")));
    addChart(registry, "bar", "Bar chart", "Compares the latest value per category, largest first.",
             joined({makeParam("top_n", ParamType::Int, 20, "How many categories to show", "bars",
                               1, 500)},
                    valueAxisOptions("value axis")));
    addChart(
        registry, "gauge", "Gauge",
        "Shows the latest value as a big number with its trend, a sparkline and threshold colours.",
        {makeParam("unit", ParamType::String, "", "Unit written after the number"),
         makeParam("warn_at", ParamType::Float, nullptr,
                   "Amber from this value on; none when empty"),
         makeParam("alert_at", ParamType::Float, nullptr,
                   "Red from this value on; none when empty")});
    addChart(registry, "table", "Table", "Lists the newest rows, sortable by any column.",
             {makeParam("rows", ParamType::Int, 1000, "Newest rows kept", "rows", 1, 100000)});
    addChart(registry, "histogram", "Histogram", "Shows how the values of a field are distributed.",
             joined({makeParam("bins", ParamType::Int, 30, "Number of bins", "bins", 2, 500)},
                    valueAxisOptions("range the bins cover")));
    addChart(registry, "heatmap", "Heatmap",
             "Colours a grid of time × series by value, e.g. views per page per minute.",
             valueAxisOptions("colour scale", false));
}

}  // namespace riffle
