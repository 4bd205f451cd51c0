// The executor (docs/runtime.md): delivery, order, watermarks, back-pressure, stop and failure.
#include <QtTest/QtTest>

#include <map>

#include "engine/runtime/executor.h"
#include "nodes/register_builtin_nodes.h"
#include "test_nodes.h"

using namespace riffle;
using namespace riffle::test;

namespace {

constexpr TimeUs kSec = 1'000'000;

struct Harness {
    NodeRegistry registry;
    TestWorld world;
    Project project;
    Harness() {
        registerBuiltinNodes(registry);
        registerTestNodes(registry, world);
    }
    void node(const std::string& id, const std::string& type, Json params = Json::object()) {
        NodeDef n;
        n.id = id;
        n.type = type;
        n.params = std::move(params);
        project.nodes.push_back(std::move(n));
    }
    void edge(const std::string& from, const std::string& to, const std::string& fromPort = "out") {
        EdgeDef e;
        e.fromNode = from;
        e.fromPort = fromPort;
        e.toNode = to;
        e.toPort = "in";
        project.edges.push_back(e);
    }
    std::unique_ptr<Executor> start(ExecutorOptions options = {}) {
        ValidatedGraph g = validateProject(project, registry);
        if (!g.ok()) qFatal("invalid test graph: %s", g.problems.front().message.c_str());
        auto exec = Executor::create(g, options);
        if (!exec) qFatal("%s", exec.message().c_str());
        if (Status s = exec.value()->start(); !s) qFatal("%s", s.message().c_str());
        return std::move(exec.value());
    }
    const NodeMetrics& metrics(const Executor& e, const std::string& id) {
        for (const auto& n : e.nodes())
            if (n.id == id) return *n.metrics;
        qFatal("no node %s", id.c_str());
    }
};

std::vector<TestEvent> ordered(int n, TimeUs start, TimeUs step, const std::string& key = "k") {
    std::vector<TestEvent> v;
    for (int i = 0; i < n; ++i) v.push_back({start + i * step, key, i});
    return v;
}

}  // namespace

class TstRuntime : public QObject {
    Q_OBJECT
private slots:
    void deliversEveryEventInOrderAndFinishesOnce();
    void watermarkTrailsNewestEventByOutOfOrderness();
    void unionHoldsWatermarkAtSlowestInput();
    void idleSourceStopsHoldingBackWatermark();
    void backPressureBoundsEventsInFlight();
    void stopEndsEndlessSourcesAndFlushesSinks();
    void operatorFailureStopsRunWithNodeNamed();
    void peekSamplesNewestEventsOfEveryInstance();
    void statelessNodesAreFusedIntoProducerTask();
    void openFailureNamesNodeAndRunsNothing();
    void progressMarkersComeBackOnlyAfterEverySinkHasTheRows();
    void progressMarkersOfAFailedRunNeverComeBack();
    void parallelNexmarkMakesTheSameStream_data();
    void parallelNexmarkMakesTheSameStream();
    void parallelClickstreamSharesOutLimitAndTime();
    void checkpointBarriersAlignAcrossInputsAndComplete();
};

void TstRuntime::deliversEveryEventInOrderAndFinishesOnce() {
    Harness h;
    h.world.sourceEvents["src"] = ordered(1000, 0, kSec);
    h.node("src", "test.source", {{"batch_rows", 7}});
    h.node("out", "test.sink");
    h.edge("src", "out");
    auto exec = h.start();
    QVERIFY(exec->waitFor(10000));
    QVERIFY(exec->failure().isOk());
    const auto& got = h.world.received["out"];
    QCOMPARE(got.size(), size_t(1000));
    for (int i = 0; i < 1000; ++i) QCOMPARE(got[static_cast<size_t>(i)].value, i);
    QCOMPARE(h.world.finishCalls["out"], 1);
    QCOMPARE(h.world.watermarks["out"].back(), kMaxTime);
    QCOMPARE(NodeMetrics::get(h.metrics(*exec, "src").eventsOut), 1000);
    QCOMPARE(NodeMetrics::get(h.metrics(*exec, "out").eventsIn), 1000);
    QCOMPARE(NodeMetrics::get(h.metrics(*exec, "out").watermark), kMaxTime);
}

void TstRuntime::watermarkTrailsNewestEventByOutOfOrderness() {
    Harness h;
    h.world.sourceEvents["src"] = {
        {1 * kSec, "a", 0}, {5 * kSec, "a", 1}, {3 * kSec, "a", 2}, {9 * kSec, "a", 3}};
    h.node("src", "test.source", {{"batch_rows", 1}, {"max_out_of_orderness", "2s"}});
    h.node("out", "test.sink");
    h.edge("src", "out");
    auto exec = h.start();
    QVERIFY(exec->waitFor(10000));
    // 1s - 2s, then 5s - 2s; the event at 3s does not move it back; 9s - 2s; end of stream.
    const std::vector<TimeUs> expected = {-1 * kSec, 3 * kSec, 7 * kSec, kMaxTime};
    QCOMPARE(h.world.watermarks["out"], expected);
}

void TstRuntime::unionHoldsWatermarkAtSlowestInput() {
    // Two in-order sources, one far ahead in event time. If the union let the faster input's
    // watermark through, events of the slower one would arrive behind the watermark.
    Harness h;
    h.world.sourceEvents["fast"] = ordered(2000, 5000 * kSec, kSec, "fast");
    h.world.sourceEvents["slow"] = ordered(2000, 0, kSec, "slow");
    h.node("fast", "test.source", {{"batch_rows", 1}});
    h.node("slow", "test.source", {{"batch_rows", 1}});
    h.node("u", "transform.union");
    h.node("out", "test.sink");
    h.edge("fast", "u");
    h.edge("slow", "u");
    h.edge("u", "out");

    auto exec = h.start();
    QVERIFY(exec->waitFor(20000));
    QCOMPARE(h.world.received["out"].size(), size_t(4000));
    const auto& wms = h.world.watermarks["out"];
    QVERIFY(wms.size() >= 2);
    for (size_t i = 1; i < wms.size(); ++i) QVERIFY(wms[i] > wms[i - 1]);
    QCOMPARE(h.world.behindWatermark["out"], 0);
}

void TstRuntime::idleSourceStopsHoldingBackWatermark() {
    Harness h;
    h.world.sourceEvents["quiet"] = {};
    h.world.sourceEvents["busy"] = ordered(100, kSec, kSec, "busy");
    h.node("quiet", "test.source", {{"endless", true}, {"idle_timeout", "50ms"}});
    h.node("busy", "test.source", {{"endless", true}, {"idle_timeout", "1h"}});
    h.node("u", "transform.union");
    h.node("out", "test.sink");
    h.edge("quiet", "u");
    h.edge("busy", "u");
    h.edge("u", "out");
    auto exec = h.start();
    QTRY_VERIFY_WITH_TIMEOUT(NodeMetrics::get(h.metrics(*exec, "out").watermark) == 100 * kSec,
                             10000);
    exec->requestStop();
    QVERIFY(exec->waitFor(10000));
    QCOMPARE(h.world.received["out"].size(), size_t(100));
}

void TstRuntime::backPressureBoundsEventsInFlight() {
    // The sink holds its first batch until the gate opens. Each one-event batch is followed by
    // its watermark, so the queue (4 messages) holds wm1 b2 wm2 b3, the source's outbox wm3, and
    // the source must stop there: 3 events produced, however long we wait.
    Harness h;
    h.world.sourceEvents["src"] = ordered(3000, 0, kSec);
    h.world.sinkGateOpen = false;
    h.node("src", "test.source", {{"batch_rows", 1}});
    h.node("out", "test.sink");
    h.edge("src", "out");
    ExecutorOptions o;
    o.queueCapacity = 4;
    o.threads = 2;
    auto exec = h.start(o);
    const NodeMetrics& src = h.metrics(*exec, "src");
    QTRY_COMPARE_WITH_TIMEOUT(NodeMetrics::get(src.eventsOut), int64_t(3), 10000);
    QTest::qWait(300);
    QCOMPARE(NodeMetrics::get(src.eventsOut), int64_t(3));
    h.world.sinkGateOpen = true;
    QVERIFY(exec->waitFor(20000));
    QCOMPARE(h.world.received["out"].size(), size_t(3000));
}

void TstRuntime::stopEndsEndlessSourcesAndFlushesSinks() {
    Harness h;
    h.world.sourceEvents["src"] = ordered(10, 0, kSec);
    h.node("src", "test.source", {{"endless", true}});
    h.node("out", "test.sink");
    h.edge("src", "out");
    auto exec = h.start();
    QTRY_COMPARE_WITH_TIMEOUT(NodeMetrics::get(h.metrics(*exec, "out").eventsIn), int64_t(10),
                              10000);
    QVERIFY(!exec->finished());
    exec->requestStop();
    QVERIFY(exec->waitFor(10000));
    QCOMPARE(h.world.finishCalls["out"], 1);
    QCOMPARE(h.world.watermarks["out"].back(), kMaxTime);
    QVERIFY(exec->failure().isOk());
}

void TstRuntime::peekSamplesNewestEventsOfEveryInstance() {
    Harness h;
    h.node("clicks", "source.clickstream", {{"rate", 0}});
    h.node("only_views", "transform.filter", {{"where", "event = 'view'"}});
    h.node("out", "test.sink");
    h.edge("clicks", "only_views");
    h.edge("only_views", "out");
    ExecutorOptions options;
    options.sourceParallelism = 2;
    auto exec = h.start(options);
    QVERIFY(exec->openPeek("clicks", "nope") == nullptr);
    QVERIFY(exec->openPeek("nobody", "out") == nullptr);
    std::shared_ptr<PeekTap> tap = exec->openPeek("only_views", "out");
    QVERIFY(tap);
    QTRY_VERIFY_WITH_TIMEOUT(tap->snapshot().rows.size() >= 3 * PeekTap::kRowsPerSample, 10000);
    PeekTap::Snapshot s = tap->snapshot();
    QCOMPARE(s.fields.front(), std::string("_time"));
    const auto event = std::find(s.fields.begin(), s.fields.end(), "event") - s.fields.begin();
    QVERIFY(event < static_cast<long>(s.fields.size()));
    for (const auto& row : s.rows) {
        QCOMPARE(row.size(), s.fields.size());
        QCOMPARE(row[static_cast<size_t>(event)],
                 std::string("view"));  // what the filter let through
    }
    QVERIFY(s.rowsSeen >= static_cast<int64_t>(s.rows.size()));
    QVERIFY(s.rowsSeen <= NodeMetrics::get(h.metrics(*exec, "only_views").eventsOut));
    // Bounded however long it stays open.
    QTRY_VERIFY_WITH_TIMEOUT(tap->snapshot().rowsSeen > s.rowsSeen + 100000, 10000);
    QVERIFY(tap->snapshot().rows.size() <= 200);
    exec->closePeek(tap);
    const int64_t seen = tap->snapshot().rowsSeen;
    QTest::qWait(200);
    QCOMPARE(tap->snapshot().rowsSeen, seen);
    exec->requestStop();
    QVERIFY(exec->waitFor(10000));
}

void TstRuntime::operatorFailureStopsRunWithNodeNamed() {
    Harness h;
    h.world.sourceEvents["src"] = ordered(10, 0, kSec);
    h.world.throwInSink = true;
    h.node("src", "test.source", {{"endless", true}});
    h.node("out", "test.sink");
    h.edge("src", "out");
    auto exec = h.start();
    QVERIFY(exec->waitFor(10000));
    QCOMPARE(QString::fromStdString(exec->failure().message()),
             QString("sink `out`: disk on fire"));
}

void TstRuntime::statelessNodesAreFusedIntoProducerTask() {
    Harness h;
    h.world.sourceEvents["src"] = ordered(50, 0, kSec);
    h.node("src", "test.source");
    h.node("u", "transform.union");
    h.node("out", "test.sink");
    h.edge("src", "u");
    h.edge("u", "out");
    auto exec = h.start();
    QVERIFY(exec->waitFor(10000));
    QCOMPARE(exec->taskCount(), 2);  // source + union fused; the sink runs on its own
    QCOMPARE(exec->nodes()[0].task, exec->nodes()[1].task);
    QVERIFY(exec->nodes()[2].task != exec->nodes()[1].task);
    QCOMPARE(h.world.received["out"].size(), size_t(50));
}

void TstRuntime::progressMarkersComeBackOnlyAfterEverySinkHasTheRows() {
    // Two sinks, one through a fused filter: a marker is released only when both have every row
    // emitted before it, none while a sink holds its first batch, and all of them before the
    // source closes (a Kafka source commits then).
    Harness h;
    h.world.sourceEvents["src"] = ordered(3000, 0, kSec);
    h.world.sinkGateOpen = false;
    h.node("src", "test.source", {{"batch_rows", 7}, {"mark", true}});
    h.node("keep", "transform.filter", {{"where", "value >= 0"}});
    h.node("a", "test.sink");
    h.node("b", "test.sink");
    h.edge("src", "keep");
    h.edge("keep", "a");
    h.edge("src", "b");
    ExecutorOptions o;
    o.queueCapacity = 8;
    o.threads = 2;
    auto exec = h.start(o);
    QTRY_VERIFY_WITH_TIMEOUT(NodeMetrics::get(h.metrics(*exec, "src").eventsOut) > 0, 10000);
    QTest::qWait(200);
    QCOMPARE(h.world.markedProcessed.load(), int64_t(0));
    h.world.sinkGateOpen = true;
    QVERIFY(exec->waitFor(20000));
    QVERIFY(exec->failure().isOk());
    QCOMPARE(h.world.received["a"].size(), size_t(3000));
    QCOMPARE(h.world.received["b"].size(), size_t(3000));
    QCOMPARE(h.world.markersEarly.load(), 0);
    QCOMPARE(h.world.markedProcessed.load(), int64_t(3000));
    QCOMPARE(h.world.processedAtSourceClose.load(), int64_t(3000));
}

void TstRuntime::progressMarkersOfAFailedRunNeverComeBack() {
    Harness h;
    h.world.sourceEvents["src"] = ordered(100, 0, kSec);
    h.world.throwInSink = true;
    h.node("src", "test.source", {{"mark", true}});
    h.node("out", "test.sink");
    h.edge("src", "out");
    auto exec = h.start();
    QVERIFY(exec->waitFor(10000));
    QVERIFY(!exec->failure().isOk());
    exec.reset();
    QCOMPARE(h.world.markedProcessed.load(), int64_t(0));
}

void TstRuntime::openFailureNamesNodeAndRunsNothing() {
    Harness h;
    h.world.sourceEvents["src"] = ordered(10, 0, kSec);
    h.node("src", "test.source", {{"fail_open", true}});
    h.node("out", "test.sink");
    h.edge("src", "out");
    ValidatedGraph g = validateProject(h.project, h.registry);
    QVERIFY(g.ok());
    auto exec = Executor::create(g);
    QVERIFY(exec.isOk());
    Status s = exec.value()->start();
    QCOMPARE(QString::fromStdString(s.message()), QString("source `src`: cannot reach the moon"));
    QVERIFY(h.world.received["out"].empty());
    QCOMPARE(h.world.finishCalls["out"], 0);
}

namespace {

// Runs the harness's project with `parallelism` source instances; "" or what went wrong.
// `instances` receives how many operator instances ran each node.
QString runWithParallelism(Harness& h, int parallelism,
                           std::map<std::string, int>* instances = nullptr) {
    ExecutorOptions options;
    options.threads = 2;
    options.sourceParallelism = parallelism;
    auto exec = h.start(options);
    if (!exec->waitFor(60'000)) return "timeout";
    if (instances)
        for (const RunNodeInfo& n : exec->nodes()) (*instances)[n.id] = n.instances;
    return QString::fromStdString(exec->failure().message());
}

// The lines of a file written by sink.file: header first, the rows sorted (instances interleave).
QStringList sortedLines(const QString& file) {
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) return {"<no output>"};
    QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    if (lines.size() > 1) std::sort(lines.begin() + 1, lines.end());
    return lines;
}

}  // namespace

void TstRuntime::parallelNexmarkMakesTheSameStream_data() {
    QTest::addColumn<int>("parallelism");
    QTest::addColumn<int>("limit");
    QTest::newRow("2 instances, limit inside a block") << 2 << 10'007;
    QTest::newRow("3 instances, fewer blocks than instances") << 3 << 3'000;
    QTest::newRow("2 instances, whole blocks") << 2 << 8'192;
}

// The instances of a parallel source together make exactly the one-instance stream, and a
// stateful node behind them sees no event late (the watermark is the minimum over instances).
void TstRuntime::parallelNexmarkMakesTheSameStream() {
    QFETCH(int, parallelism);
    QFETCH(int, limit);
    QTemporaryDir dir;
    auto build = [&](const QString& name) {
        auto h = std::make_unique<Harness>();
        h->node("nx", "source.nexmark",
                {{"rate", 0},
                 {"event_rate", 1000},
                 {"limit", limit},
                 {"seed", 9},
                 {"start", "2026-01-01T00:00:00Z"}});
        h->node("cheap", "transform.filter", {{"where", "price < 1000"}});
        h->node("bids", "sink.file",
                {{"path", (dir.path() + "/bids-" + name + ".csv").toStdString()}});
        h->node("per_sec", "window.tumbling",
                {{"size", "1s"},
                 {"group_by", {"channel"}},
                 {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                             {{"name", "total"}, {"expr", "SUM(price)"}}})}});
        h->node("sums", "sink.file",
                {{"path", (dir.path() + "/sums-" + name + ".csv").toStdString()}});
        h->edge("nx", "cheap", "bid");
        h->edge("cheap", "bids");
        h->edge("nx", "per_sec", "bid");
        h->edge("per_sec", "sums");
        // Two-phase behind the instances: exact and mergeable aggregates over hopping windows.
        h->node("hop", "window.hopping",
                {{"size", "2s"},
                 {"slide", "500ms"},
                 {"group_by", {"channel"}},
                 {"aggregates",
                  Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                               {{"name", "top"}, {"expr", "MAX(price)"}},
                               {{"name", "bidders"}, {"expr", "COUNT(DISTINCT bidder)"}},
                               {{"name", "auctions"}, {"expr", "APPROX_COUNT_DISTINCT(auction)"}},
                               {{"name", "p90"}, {"expr", "PERCENTILE(price, 0.9)"}}})}});
        h->node("hops", "sink.file",
                {{"path", (dir.path() + "/hops-" + name + ".csv").toStdString()}});
        h->edge("cheap", "hop");
        h->edge("hop", "hops");
        // Order-dependent aggregates run as one instance (their result depends on how the
        // instances' batches interleave, so it is not compared).
        h->node(
            "firsts", "window.tumbling",
            {{"size", "1s"},
             {"aggregates", Json::array({{{"name", "first"}, {"expr", "FIRST_VALUE(auction)"}}})}});
        h->node("firsts_out", "sink.file",
                {{"path", (dir.path() + "/firsts-" + name + ".csv").toStdString()}});
        h->edge("nx", "firsts", "bid");
        h->edge("firsts", "firsts_out");
        return h;
    };
    auto one = build("one");
    QCOMPARE(runWithParallelism(*one, 1), QString());
    auto many = build("many");
    std::map<std::string, int> instances;
    QCOMPARE(runWithParallelism(*many, parallelism, &instances), QString());
    QCOMPARE(instances["nx"], parallelism);
    QCOMPARE(instances["cheap"], parallelism);
    QCOMPARE(instances["per_sec"], parallelism + 1);  // partials + merger
    QCOMPARE(instances["hop"], parallelism + 1);
    QCOMPARE(instances["firsts"], 1);
    QCOMPARE(instances["sums"], 1);
    for (const char* file : {"bids", "sums", "hops"}) {
        const QStringList expected = sortedLines(dir.path() + "/" + file + "-one.csv");
        QVERIFY2(expected.size() > 5, file);
        QCOMPARE(sortedLines(dir.path() + "/" + file + "-many.csv"), expected);
    }
}

// Clickstream instances share out `limit` and the event-time grid, with disjoint users.
void TstRuntime::parallelClickstreamSharesOutLimitAndTime() {
    QTemporaryDir dir;
    Harness h;
    h.node("clicks", "source.clickstream",
           {{"rate", 0},
            {"limit", 5001},
            {"users", 100},
            {"seed", 3},
            {"start", "2026-01-01T00:00:00Z"}});
    h.node("out", "sink.file", {{"path", (dir.path() + "/clicks.csv").toStdString()}});
    h.edge("clicks", "out");
    QCOMPARE(runWithParallelism(h, 2), QString());
    const QStringList lines = sortedLines(dir.path() + "/clicks.csv");
    QCOMPARE(lines.size(), 5002);
    const QStringList header = lines[0].split(',');
    const qsizetype timeCol = header.indexOf("_time"), userCol = header.indexOf("user_id");
    QVERIFY(timeCol >= 0 && userCol >= 0);
    QSet<QString> times;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QStringList cells = lines[i].split(',');
        times.insert(cells[timeCol]);
        const int user = cells[userCol].toInt();
        QVERIFY2(user >= 1 && user <= 100, qPrintable(lines[i]));
    }
    // 10 µs apart, printed to the millisecond: 100 events share each printed time.
    QCOMPARE(times.size(), 51);
}

// Checkpoint barriers from two sources meet at a union and a window (aligned across their
// inputs) while events flow; every checkpoint completes, nothing is lost or doubled, and a stop
// keeps the window open instead of firing it (under ThreadSanitizer in scripts/test.sh).
void TstRuntime::checkpointBarriersAlignAcrossInputsAndComplete() {
    Harness h;
    h.world.sourceEvents["a"] = ordered(3000, 0, 1000, "a");
    h.world.sourceEvents["b"] = ordered(3000, 0, 1000, "b");
    h.node("a", "test.source", {{"batch_rows", 1}});
    h.node("b", "test.source", {{"batch_rows", 1}});
    h.node("u", "transform.union");
    h.node("w", "window.tumbling",
           {{"size", "1h"}, {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}}})}});
    h.node("events", "test.sink");
    h.node("windows", "test.sink");
    h.edge("a", "u");
    h.edge("b", "u");
    h.edge("u", "w");
    h.edge("u", "events");
    h.edge("w", "windows");
    QTemporaryDir dir;
    ExecutorOptions options;
    options.checkpoints.storePath = dir.filePath("cp.sqlite").toStdString();
    options.checkpoints.intervalUs = 5000;
    auto exec = h.start(options);
    QVERIFY(exec->waitFor(60000));
    QVERIFY(exec->failure().isOk());
    exec->flushCheckpoints();
    const CheckpointStatus s = exec->checkpointStatus();
    QVERIFY(s.enabled);
    QVERIFY2(s.completed >= 2, qPrintable(QString::number(s.completed)));
    QCOMPARE(s.failed, int64_t(0));
    QCOMPARE(h.world.received["events"].size(), size_t(6000));
    QCOMPARE(h.world.received["windows"].size(), size_t(1));  // one window, all 6000 events

    // An endless run stopped: the stop takes a checkpoint and the window is not fired.
    Harness endless;
    endless.world.sourceEvents["src"] = ordered(10, 0, kSec);
    endless.node("src", "test.source", {{"endless", true}});
    endless.node(
        "w", "window.tumbling",
        {{"size", "1h"}, {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}}})}});
    endless.node("out", "test.sink");
    endless.edge("src", "w");
    endless.edge("w", "out");
    options.checkpoints.storePath = dir.filePath("endless.sqlite").toStdString();
    auto run = endless.start(options);
    QTRY_VERIFY_WITH_TIMEOUT(run->checkpointStatus().completed >= 2, 10000);
    run->requestStop();
    QVERIFY(run->waitFor(10000));
    run->flushCheckpoints();
    QVERIFY(run->failure().isOk());
    QCOMPARE(endless.world.received["out"].size(), size_t(0));
    QVERIFY(run->checkpointStatus().lastId > 0);
}

QTEST_GUILESS_MAIN(TstRuntime)
#include "tst_runtime.moc"
