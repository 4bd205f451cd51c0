// sink.chart.*: the chart kinds of the live dashboard (docs/dashboard.md). One operator for every
// kind: it turns each batch into ChartRows (ChartConfig says which fields), publishes them on the
// node's ChartChannel for the studio or riffle-run, and appends the final rows to the project's
// chart history every half second and at the end. Without a ChartHub (a bare engine run) it only
// counts what it receives.
//
// Checkpoints: a checkpoint writes the pending history and saves where the history stands (the
// newest rowid, and the run). A run restored from it deletes the chart's rows written after
// that, which the restored pipeline sends again, and takes over the rows before it into its own
// history run, so that a chart shows no doubled points after a crash (ChartHistory::rollBack).
#include <cmath>

#include "engine/charts/chart_history.h"
#include "engine/graph/node_registry.h"
#include "nodes/charts/chart_config.h"
#include "nodes/charts/chart_options.h"
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
            if (m_restoredRun > 0)
                if (Status s = m_history->rollBack(m_config.nodeId, m_restoredRowid, m_restoredRun,
                                                   m_runId);
                    !s)
                    return Status::error(m_ctx.nodeLabel + ": " + s.message());
        }
        return Status::ok();
    }

    void snapshotState(checkpoint::StateWriter& w) override {
        flushHistory();
        w.i64(m_history ? m_runId : 0);
        w.i64(m_history ? m_history->lastRowid() : 0);
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_restoredRun = r.i64();
        m_restoredRowid = r.i64();
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
    int64_t m_restoredRun = 0, m_restoredRowid = 0;  // where the history stood at a checkpoint
};

void addChart(NodeRegistry& registry, const std::string& kind, const std::string& name,
              const std::string& description, std::vector<ParamSpec> options) {
    NodeSpec s;
    s.typeId = std::string(kChartTypePrefix) + kind;
    s.chartKind = kind;
    s.displayName = name;
    s.category = "sink";
    s.description = description;
    s.inputs = {{"in", "Rows to draw", false}};
    s.outputs = {};
    s.state = {{"history position", 1}};
    s.params = {
        param("title", ParamType::String, "Panel title; the node's title when empty")
            .byDefault("")
            .inGroup("Chart"),
        param("x", ParamType::String,
              kind == "bar" ? "Category field; the first string field when empty"
                            : "Time field on the x axis; window_start (or _time) when empty")
            .byDefault("")
            .inGroup("Data")
            .as(ParamRole::InputFields, 0),
        param("y", ParamType::StringList,
              kind == "table" ? "Not used by tables (every field is a column)"
                              : "Numeric fields to draw; the first number in the input when empty")
            .byDefault(Json::array())
            .inGroup("Data")
            .picking(FieldPick::Numbers)
            .as(ParamRole::InputFields, 0),
        param("series_by", ParamType::StringList,
              "Fields whose values name the series; for time series and heatmaps the string fields "
              "when empty")
            .byDefault(Json::array())
            .inGroup("Data")
            .as(ParamRole::InputFields, 0),
        param("history", ParamType::Duration,
              "How much time the live view keeps (older data comes from history)")
            .byDefault("15m")
            .inGroup("Data"),
    };
    // The options are the chart's look (.inGroup("Look").look()): read by the panel only, so a
    // change shows at once, even while running.
    for (ParamSpec& o : options) s.params.push_back(std::move(o));
    s.isSink = true;
    s.schemaRule = [](const NodeConfig& config,
                      const SchemaInputs& in) -> Result<std::vector<SchemaPtr>> {
        auto c = resolveChartConfig(config, *in.schemas.at(0), {});
        if (!c) return Result<std::vector<SchemaPtr>>::error(c.message());
        return std::vector<SchemaPtr>{};
    };
    s.createOperator = [](const OperatorContext& ctx) { return std::make_unique<ChartSink>(ctx); };
    // Left out of the script, saying so: the windows it charts still export.
    s.exportFlink = [](const FlinkExportContext&) -> Result<FlinkExportPart> {
        FlinkExportPart part;
        part.notes.push_back(
            "Flink draws no charts, so this chart is left out; to chart Flink's results, write "
            "them to Kafka with sink.kafka and chart that topic in Riffle");
        return part;
    };
    registry.add(std::move(s));
}

// The value axis: a unit for its label and a fixed range (`what` says which axis it is).
std::vector<ParamSpec> valueAxisOptions(const std::string& what, bool withUnit = true) {
    std::vector<ParamSpec> out;
    if (withUnit)
        out.push_back(param(chart_option::kUnit, ParamType::String,
                            "Unit written after the " + what + "'s name")
                          .byDefault("")
                          .inGroup("Look")
                          .look());
    out.push_back(param(chart_option::kYMin, ParamType::Float,
                        "Fixed bottom of the " + what + "; automatic when empty")
                      .inGroup("Look")
                      .look());
    out.push_back(param(chart_option::kYMax, ParamType::Float,
                        "Fixed top of the " + what + "; automatic when empty")
                      .inGroup("Look")
                      .look());
    return out;
}

std::vector<ParamSpec> joined(std::vector<ParamSpec> a, const std::vector<ParamSpec>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

void registerChartSinks(NodeRegistry& registry) {
    addChart(
        registry, "timeseries", "Time series chart",
        "Draws numbers over time, one line per series; the window still in progress is a hollow "
        "dot.",
        joined(
            {
                param(chart_option::kStyle, ParamType::Choice, "Draw lines or filled areas")
                    .byDefault("lines")
                    .oneOf({"lines", "areas"})
                    .inGroup("Look")
                    .look(),
                param(chart_option::kStacked, ParamType::Bool, "Stack the series on each other")
                    .byDefault(false)
                    .inGroup("Look")
                    .look(),
                param(chart_option::kMaxSeries, ParamType::Int,
                      "Draw at most this many series, the largest in view; the legend counts the "
                      "others")
                    .byDefault(10)
                    .inUnit("series")
                    .range(1, 1000)
                    .inGroup("Look")
                    .look(),
            },
            valueAxisOptions("y axis")));
    addChart(registry, "bar", "Bar chart", "Compares the latest value per category, largest first.",
             joined({param(chart_option::kTopN, ParamType::Int, "How many categories to show")
                         .byDefault(20)
                         .inUnit("bars")
                         .range(1, 500)
                         .inGroup("Look")
                         .look()},
                    valueAxisOptions("value axis")));
    addChart(
        registry, "gauge", "Gauge",
        "Shows the latest value as a big number with its trend, a sparkline and threshold colours.",
        {
            param(chart_option::kUnit, ParamType::String, "Unit written after the number")
                .byDefault("")
                .inGroup("Look")
                .look(),
            param(chart_option::kWarnAt, ParamType::Float,
                  "Amber from this value on; none when empty")
                .inGroup("Look")
                .look(),
            param(chart_option::kAlertAt, ParamType::Float,
                  "Red from this value on; none when empty")
                .inGroup("Look")
                .look(),
        });
    addChart(registry, "table", "Table", "Lists the newest rows, sortable by any column.",
             {param("rows", ParamType::Int, "Newest rows kept")
                  .byDefault(1000)
                  .inUnit("rows")
                  .range(1, 100000)
                  .inGroup("Look")
                  .look()});
    addChart(registry, "histogram", "Histogram", "Shows how the values of a field are distributed.",
             joined({param(chart_option::kBins, ParamType::Int, "Number of bins")
                         .byDefault(30)
                         .inUnit("bins")
                         .range(2, 500)
                         .inGroup("Look")
                         .look()},
                    valueAxisOptions("range the bins cover")));
    addChart(registry, "heatmap", "Heatmap",
             "Colours a grid of time × series by value, e.g. views per page per minute.",
             valueAxisOptions("colour scale", false));
}

}  // namespace riffle
