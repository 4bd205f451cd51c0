// sink.chart.*: the defaults a chart takes from its input schema and the messages that name a
// bad field (from resolveChartConfig and from validateProject), the sink driven by hand (early
// firings reach the channel but not the history), and a whole run: a CSV through a tumbling
// window into a time series, a bar chart and a table, checked row by row in the channels and
// in the history file.
#include <QtTest/QtTest>

#include <cmath>
#include <fstream>
#include <set>
#include <tuple>

#include "engine/charts/chart_history.h"
#include "engine/graph/graph_validator.h"
#include "engine/graph/node_instance.h"
#include "engine/graph/project.h"
#include "engine/runtime/collecting_emitter.h"
#include "engine/runtime/executor.h"
#include "nodes/charts/chart_config.h"
#include "nodes/register_builtin_nodes.h"

using namespace riffle;

namespace {

constexpr TimeUs kSec = 1'000'000;
constexpr TimeUs kT0 = 1767225600000000;  // 2026-01-01T00:00:00Z

const NodeRegistry& registry() {
    return builtinNodeRegistry();
}

// Eight clicks in three 10 s windows: [0, 10) home 2, cart 1; [10, 20) home 1, cart 3;
// [20, 30) home 1.
const char* kCsv =
    "time,page,amount\n"
    "2026-01-01T00:00:00.000Z,home,1\n"
    "2026-01-01T00:00:01.000Z,cart,2\n"
    "2026-01-01T00:00:02.000Z,home,3\n"
    "2026-01-01T00:00:11.000Z,home,4\n"
    "2026-01-01T00:00:12.000Z,cart,5\n"
    "2026-01-01T00:00:13.000Z,cart,6\n"
    "2026-01-01T00:00:14.000Z,cart,7\n"
    "2026-01-01T00:00:25.000Z,home,8\n";

// (window_start, page, n, total) of every window result.
using WindowResult = std::tuple<TimeUs, std::string, double, double>;
const std::vector<WindowResult> kWindows = {
    {kT0, "cart", 1, 2},
    {kT0, "home", 2, 4},
    {kT0 + 10 * kSec, "cart", 3, 18},
    {kT0 + 10 * kSec, "home", 1, 4},
    {kT0 + 20 * kSec, "home", 1, 8},
};

// The project: events -> per_page (COUNT and SUM per page, 10 s) -> trend, pages; events -> raw.
// `charts` replaces the chart nodes' params by id.
Json projectJson(const std::string& csvPath, const Json& charts = Json::object()) {
    Json nodes = Json::array({
        {{"id", "events"},
         {"type", "source.file"},
         {"params", {{"path", csvPath}, {"time_field", "time"}, {"batch_rows", 3}}}},
        {{"id", "per_page"},
         {"type", "window.tumbling"},
         {"params",
          {{"size", "10s"},
           {"group_by", {"page"}},
           {"aggregates",
            {{{"expr", "COUNT(*)"}, {"name", "n"}},
             {{"expr", "SUM(amount)"}, {"name", "total"}}}}}}},
        {{"id", "trend"}, {"type", "sink.chart.timeseries"}, {"params", Json::object()}},
        {{"id", "pages"},
         {"type", "sink.chart.bar"},
         {"title", "Views per page"},
         {"params", Json::object()}},
        {{"id", "raw"}, {"type", "sink.chart.table"}, {"params", Json::object()}},
    });
    for (Json& n : nodes)
        if (charts.contains(n["id"].get<std::string>()))
            n["params"] = charts[n["id"].get<std::string>()];
    return {{"format", "riffle-project"},
            {"version", 1},
            {"name", "charts"},
            {"nodes", nodes},
            {"edges",
             {{{"from", "events.out"}, {"to", "per_page.in"}},
              {{"from", "per_page.out"}, {"to", "trend.in"}},
              {{"from", "per_page.out"}, {"to", "pages.in"}},
              {{"from", "events.out"}, {"to", "raw.in"}}}}};
}

Project makeProject(const std::string& csvPath, const Json& charts = Json::object()) {
    auto p = Project::fromJsonText(projectJson(csvPath, charts).dump());
    if (!p) qFatal("bad test project: %s", p.message().c_str());
    return std::move(p.value());
}

const LogicalNode& nodeOf(const ValidatedGraph& g, const std::string& id) {
    const int i = g.indexOf(id);
    if (i < 0) qFatal("no node %s", id.c_str());
    return g.nodes[static_cast<size_t>(i)];
}

Result<ChartConfig> resolve(const std::string& type, const Json& params, const Schema& input,
                            const std::string& title = {}) {
    return resolveChartConfig(NodeConfig("c", type, params), input, title);
}

std::vector<ChartRow> drainAll(ChartChannel& ch) {
    std::vector<ChartRow> rows;
    for (auto& chunk : ch.drain())
        for (ChartRow& r : chunk->rows) rows.push_back(std::move(r));
    return rows;
}

// (time, category, series, values, final) of each row, sorted: the groups of one window firing
// have no defined order.
using RowKey = std::tuple<TimeUs, std::string, std::string, std::vector<double>, bool>;
std::vector<RowKey> keys(const std::vector<ChartRow>& rows) {
    std::vector<RowKey> k;
    for (const ChartRow& r : rows) k.emplace_back(r.time, r.category, r.series, r.values, r.final);
    std::sort(k.begin(), k.end());
    return k;
}

}  // namespace

class TstChartSinks : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void defaultsOnWindowOutput();
    void defaultsOnRawStream();
    void barTakesFirstStringAsCategory();
    void errorsNameTheField();
    void validateProjectReportsTheSameMessages();
    void sinkSendsEarlyFiringsToChannelOnly();
    void runFillsChannelsAndHistory();

private:
    QTemporaryDir m_dir;
    std::string m_csv;
    SchemaPtr m_windowSchema, m_rawSchema;
};

void TstChartSinks::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_csv = m_dir.filePath("clicks.csv").toStdString();
    std::ofstream(m_csv) << kCsv;
    // The schemas the chart nodes see, from the real source and window nodes.
    const Project project = makeProject(m_csv);  // the graph points into it
    const ValidatedGraph g = validateProject(project, registry());
    QVERIFY2(g.ok(), g.ok() ? "" : g.problems.front().message.c_str());
    m_windowSchema = nodeOf(g, "trend").inputs.schemas.at(0);
    m_rawSchema = nodeOf(g, "raw").inputs.schemas.at(0);
    QCOMPARE(m_windowSchema->toString(), Schema::stream({{"page", Type::String},
                                                         {"n", Type::Int},
                                                         {"total", Type::Int},
                                                         {"window_start", Type::Time},
                                                         {"window_end", Type::Time},
                                                         {"final", Type::Bool}})
                                             .toString());
}

void TstChartSinks::defaultsOnWindowOutput() {
    auto c = resolve("sink.chart.timeseries", Json::object(), *m_windowSchema);
    QVERIFY2(c.isOk(), c.message().c_str());
    QCOMPARE(c->nodeId, std::string("c"));
    QCOMPARE(c->kind, std::string("timeseries"));
    QCOMPARE(c->x, std::string("window_start"));
    QVERIFY(c->xIsTime);
    QCOMPARE(c->y, std::vector<std::string>({"n"}));  // the first aggregate, not `total`
    QCOMPARE(c->seriesBy, std::vector<std::string>({"page"}));
    QVERIFY(c->hasFinalField);
    QVERIFY(c->columns.empty());
    QCOMPARE(c->title, std::string("c"));  // no title anywhere: the id
    QCOMPARE(resolve("sink.chart.timeseries", Json::object(), *m_windowSchema, "Trend")->title,
             std::string("Trend"));
    QCOMPARE(
        resolve("sink.chart.timeseries", {{"title", "Param"}}, *m_windowSchema, "Trend")->title,
        std::string("Param"));
    // Explicit choices win.
    auto e = resolve("sink.chart.heatmap",
                     {{"x", "window_end"}, {"y", {"total", "n"}}, {"series_by", Json::array()}},
                     *m_windowSchema);
    QVERIFY2(e.isOk(), e.message().c_str());
    QCOMPARE(e->x, std::string("window_end"));
    QCOMPARE(e->y, std::vector<std::string>({"total", "n"}));
    QCOMPARE(e->seriesBy, std::vector<std::string>({"page"}));  // empty means the default
    // A gauge has no default series.
    QVERIFY(resolve("sink.chart.gauge", Json::object(), *m_windowSchema)->seriesBy.empty());
    // The validated node's config carries the declared defaults (history 15m) and its title.
    const Project project = makeProject(m_csv);  // the graph points into it
    const ValidatedGraph g = validateProject(project, registry());
    const LogicalNode& pages = nodeOf(g, "pages");
    auto p = resolveChartConfig(pages.config, *m_windowSchema, pages.def->title);
    QVERIFY2(p.isOk(), p.message().c_str());
    QCOMPARE(p->historyUs, 15 * 60 * kSec);
    QCOMPARE(p->title, std::string("Views per page"));
}

void TstChartSinks::defaultsOnRawStream() {
    auto c = resolve("sink.chart.timeseries", Json::object(), *m_rawSchema);
    QVERIFY2(c.isOk(), c.message().c_str());
    QCOMPARE(c->x, std::string("_time"));
    QCOMPARE(c->y, std::vector<std::string>({"amount"}));
    QCOMPARE(c->seriesBy, std::vector<std::string>({"page"}));
    QVERIFY(!c->hasFinalField);
    auto t = resolve("sink.chart.table", Json::object(), *m_rawSchema);
    QVERIFY2(t.isOk(), t.message().c_str());
    QCOMPARE(t->columns, std::vector<std::string>({"_time", "time", "page", "amount"}));
    QVERIFY(t->y.empty());
    QCOMPARE(t->x, std::string("_time"));
    QVERIFY(t->seriesBy.empty());
}

void TstChartSinks::barTakesFirstStringAsCategory() {
    auto b = resolve("sink.chart.bar", Json::object(), *m_windowSchema);
    QVERIFY2(b.isOk(), b.message().c_str());
    QCOMPARE(b->x, std::string("page"));
    QVERIFY(!b->xIsTime);
    QCOMPARE(b->y, std::vector<std::string>({"n"}));
    QVERIFY(b->seriesBy.empty());
    const Schema two =
        Schema::stream({{"device", Type::String}, {"page", Type::String}, {"views", Type::Float}});
    QCOMPARE(resolve("sink.chart.bar", Json::object(), two)->x, std::string("device"));
    // A string used for the series is not the category.
    auto s = resolve("sink.chart.bar", {{"series_by", {"device"}}}, two);
    QVERIFY2(s.isOk(), s.message().c_str());
    QCOMPARE(s->x, std::string("page"));
    QCOMPARE(s->seriesBy, std::vector<std::string>({"device"}));
    QCOMPARE(s->y, std::vector<std::string>({"views"}));
}

void TstChartSinks::errorsNameTheField() {
    auto y = resolve("sink.chart.timeseries", {{"y", {"n", "page"}}}, *m_windowSchema);
    QVERIFY(!y.isOk());
    QCOMPARE(y.message(), std::string("`y` field `page` must be a number, it is string"));
    auto missing = resolve("sink.chart.bar", {{"y", {"views"}}}, *m_windowSchema);
    QCOMPARE(missing.message(),
             std::string("`y` field `views` is not in the input (it has _time, page, n, total, "
                         "window_start, window_end, final)"));
    QCOMPARE(resolve("sink.chart.timeseries", {{"x", "page"}}, *m_windowSchema).message(),
             std::string("`x` field `page` must be a time, it is string"));
    QCOMPARE(
        resolve("sink.chart.timeseries", {{"x", "start"}}, *m_windowSchema).message(),
        std::string(
            "`x` field `start` is not in the input (it has _time, page, n, total, window_start, "
            "window_end, final)"));
    QCOMPARE(resolve("sink.chart.heatmap", {{"series_by", {"pgae"}}}, *m_windowSchema).message(),
             std::string("`series_by` field `pgae` is not in the input (it has _time, page, n, "
                         "total, window_start, "
                         "window_end, final)"));
    const Schema noNumbers = Schema::stream({{"page", Type::String}, {"seen", Type::Time}});
    QCOMPARE(resolve("sink.chart.gauge", Json::object(), noNumbers).message(),
             std::string("the input has no number to draw; set `y` to a numeric field"));
    QVERIFY(resolve("sink.chart.table", Json::object(), noNumbers).isOk());  // a table needs none
    const Schema noStrings = Schema::stream({{"n", Type::Int}});
    QCOMPARE(
        resolve("sink.chart.bar", Json::object(), noStrings).message(),
        std::string("a bar chart needs a category field: the input has no string field, set `x`"));
    // A bar's category may be any field, a number too.
    QVERIFY(resolve("sink.chart.bar", {{"x", "n"}}, noStrings).isOk());
}

void TstChartSinks::validateProjectReportsTheSameMessages() {
    const Project bad =
        makeProject(m_csv, {{"pages", {{"y", {"page"}}}}, {"trend", {{"series_by", {"device"}}}}});
    const ValidatedGraph g = validateProject(bad, registry());
    std::map<std::string, std::string> problems;
    for (const Problem& p : g.problems) problems[p.nodeId] += p.message;
    QCOMPARE(problems.size(), size_t(2));
    QCOMPARE(problems["pages"],
             std::string("sink `pages`: `y` field `page` must be a number, it is string"));
    QCOMPARE(problems["trend"],
             std::string("sink `trend`: `series_by` field `device` is not in the input (it has "
                         "_time, page, n, total, window_start, window_end, final)"));
    // A hub of a valid graph has a channel and a resolved config per chart node.
    const Project project = makeProject(m_csv);
    const ValidatedGraph ok = validateProject(project, registry());
    auto hub = makeChartHub(ok);
    QCOMPARE(hub->nodeIds(), std::vector<std::string>({"pages", "raw", "trend"}));
    QCOMPARE(hub->config("pages")->title, std::string("Views per page"));
    QCOMPARE(hub->config("pages")->x, std::string("page"));
    QCOMPARE(hub->config("trend")->kind, std::string("timeseries"));
    QVERIFY(hub->channel("raw"));
}

void TstChartSinks::sinkSendsEarlyFiringsToChannelOnly() {
    const SchemaPtr schema = m_windowSchema;
    const std::string historyPath = m_dir.filePath("by_hand.sqlite").toStdString();
    auto history = ChartHistory::open(historyPath);
    QVERIFY2(history.isOk(), history.message().c_str());
    const int64_t run = history.value()->beginRun(kT0, 0).value();
    const NodeSpec& spec = *registry().find("sink.chart.timeseries");
    auto inst = instantiateNode(spec, "trend", Json::object(), SchemaInputs{{schema}, {0}});
    QVERIFY2(inst.isOk(), inst.message().c_str());
    auto hub = std::make_shared<ChartHub>();
    auto channel = hub->add(resolveChartConfig(inst->context.config, *schema, {}).value());
    hub->setHistory(historyPath, run);
    inst->context.charts = hub.get();
    inst->op = spec.createOperator(inst->context);
    QVERIFY(inst->op->open().isOk());

    auto pool = BatchPool::create();
    auto batch = [&](const std::vector<std::tuple<TimeUs, const char*, Value, bool>>& rows) {
        BatchPtr b = pool->acquire(schema);
        for (const auto& [start, page, n, final] : rows) {
            const std::vector<Value> values = {Value::ofTime(start + 10 * kSec - 1),
                                               Value::ofString(page),
                                               n,
                                               Value::ofInt(0),
                                               Value::ofTime(start),
                                               Value::ofTime(start + 10 * kSec),
                                               Value::ofBool(final)};
            for (size_t c = 0; c < values.size(); ++c) b->appendValue(c, values[c]);
            b->commitRow();
        }
        return b;
    };
    CollectingEmitter out(inst->context.outputSchemas);
    // Two early firings of the first window, then its final rows (one with a NULL count).
    inst->op->process(
        0, *batch({{kT0, "home", Value::ofInt(1), false}, {kT0, "cart", Value::ofInt(1), false}}),
        out);
    inst->op->process(0,
                      *batch({{kT0, "home", Value::ofInt(2), true},
                              {kT0, "cart", Value::nullOf(Type::Int), true}}),
                      out);
    inst->op->finish(out);
    inst->op->close();

    const auto rows = drainAll(*channel);
    QCOMPARE(rows.size(), size_t(4));
    QCOMPARE(rows[0].final, false);
    QCOMPARE(rows[1].final, false);
    QCOMPARE(rows[2].final, true);
    QCOMPARE(rows[3].final, true);
    QCOMPARE(rows[0].series, std::string("home"));
    QCOMPARE(rows[0].time, kT0);
    QCOMPARE(rows[0].values, std::vector<double>({1}));
    QCOMPARE(rows[2].values, std::vector<double>({2}));
    QCOMPARE(rows[3].series, std::string("cart"));
    QCOMPARE(rows[3].values.size(), size_t(1));
    QVERIFY(std::isnan(rows[3].values[0]));  // NULL
    QVERIFY(rows[0].cells.empty());          // cells are for tables
    // Only the final rows are kept in history.
    const auto stored = history.value()->load("trend", run, kT0, kT0 + kSec);
    QCOMPARE(stored.size(), size_t(2));
    QCOMPARE(stored[0].series, std::string("home"));
    QCOMPARE(stored[0].values, std::vector<double>({2}));
    QCOMPARE(stored[1].series, std::string("cart"));
    QCOMPARE(stored[1].values.size(), size_t(1));
    QVERIFY(std::isnan(stored[1].values[0]));
}

void TstChartSinks::runFillsChannelsAndHistory() {
    const Project project = makeProject(m_csv);
    const ValidatedGraph graph = validateProject(project, registry());
    QVERIFY2(graph.ok(), graph.ok() ? "" : graph.problems.front().message.c_str());
    auto hub = makeChartHub(graph);
    const std::string historyPath = m_dir.filePath("history/run.sqlite").toStdString();
    int64_t run = 0;
    {
        auto h = ChartHistory::open(historyPath);
        QVERIFY2(h.isOk(), h.message().c_str());
        run = h.value()->beginRun(kT0, 0).value();
    }
    hub->setHistory(historyPath, run);
    ExecutorOptions options;
    options.threads = 2;
    options.charts = hub;
    auto exec = Executor::create(graph, options);
    QVERIFY2(exec.isOk(), exec.message().c_str());
    const Status started = exec.value()->start();
    QVERIFY2(started.isOk(), started.message().c_str());
    QVERIFY2(exec.value()->waitFor(60'000), "the run did not end within a minute");
    QVERIFY2(exec.value()->failure().isOk(), exec.value()->failure().message().c_str());

    // Time series: one row per window and page at window_start, the count as its value.
    std::vector<RowKey> trend, bars;
    for (const auto& [start, page, n, total] : kWindows) {
        trend.emplace_back(start, "", page, std::vector<double>{n}, true);
        // Bars: the page as category, at the window result's _time (the window's last microsecond).
        bars.emplace_back(start + 10 * kSec - 1, page, "", std::vector<double>{n}, true);
    }
    std::sort(trend.begin(), trend.end());
    std::sort(bars.begin(), bars.end());
    const auto trendRows = drainAll(*hub->channel("trend"));
    QCOMPARE(keys(trendRows), trend);
    QCOMPARE(keys(drainAll(*hub->channel("pages"))), bars);
    for (const char* id : {"trend", "pages"}) {
        QCOMPARE(hub->channel(id)->rowsPublished(), int64_t(kWindows.size()));
        QCOMPARE(hub->channel(id)->rowsDropped(), int64_t(0));
    }
    // Table: every input row in file order, every field as text, nothing to draw.
    const auto table = drainAll(*hub->channel("raw"));
    const QStringList lines = QString(kCsv).trimmed().split('\n').mid(1);
    QCOMPARE(table.size(), size_t(lines.size()));
    for (size_t i = 0; i < table.size(); ++i) {
        const QStringList f = lines[static_cast<qsizetype>(i)].split(',');
        const std::vector<std::string> cells = {f[0].toStdString(), f[0].toStdString(),
                                                f[1].toStdString(), f[2].toStdString()};
        QCOMPARE(table[i].cells, cells);
        QCOMPARE(table[i].time,
                 QDateTime::fromString(f[0], Qt::ISODateWithMs).toMSecsSinceEpoch() * 1000);
        QVERIFY(table[i].values.empty());
    }

    // The history holds the same final rows, under this run.
    auto h = ChartHistory::open(historyPath);
    QVERIFY2(h.isOk(), h.message().c_str());
    QCOMPARE(keys(h.value()->load("trend", run, kT0, kT0 + 60 * kSec)), trend);
    QCOMPARE(keys(h.value()->load("pages", run, kT0, kT0 + 60 * kSec)), bars);
    const auto storedTable = h.value()->load("raw", run, kT0, kT0 + 60 * kSec);
    QCOMPARE(storedTable.size(), table.size());
    for (size_t i = 0; i < table.size(); ++i) QCOMPARE(storedTable[i].cells, table[i].cells);
    QCOMPARE(h.value()->lastRunWith("trend"), run);
}

QTEST_GUILESS_MAIN(TstChartSinks)
#include "tst_chart_sinks.moc"
