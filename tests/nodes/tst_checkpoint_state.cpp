// The state nodes save in checkpoints (docs/checkpoints.md): every node type that keeps state
// either saves it or says why it cannot yet, and a window restored from its snapshot goes on
// exactly as the window that took it, with every aggregate (sketches included).
#include <QtTest/QtTest>

#include <random>
#include <set>

#include "engine/charts/chart_history.h"
#include "engine/graph/graph_validator.h"
#include "engine/graph/node_instance.h"
#include "engine/runtime/collecting_emitter.h"
#include "engine/runtime/executor.h"
#include "nodes/connectors/kafka_mock_cluster.h"
#include "nodes/register_builtin_nodes.h"
#include "tests/engine/failing_vfs.h"

using namespace riffle;

namespace {

constexpr TimeUs kSec = 1'000'000;

// The node types whose snapshots the tests below round-trip (sink.kafka's, which needs a broker
// that writes transaction markers, in tests/peers/tst_kafka_broker.cpp).
const std::set<std::string> kRoundTripped = {"window.tumbling",
                                             "window.hopping",
                                             "window.session",
                                             "source.file",
                                             "sink.file",
                                             "sink.sqlite",
                                             "transform.dedupe",
                                             "aggregate.running",
                                             "transform.topn",
                                             "alert.threshold",
                                             "join.window",
                                             "source.clickstream",
                                             "source.nexmark",
                                             "source.kafka",
                                             "source.recording",
                                             "sink.kafka",
                                             "sink.chart.timeseries",
                                             "sink.recording"};

SchemaPtr eventSchema() {
    static const SchemaPtr s =
        std::make_shared<const Schema>(Schema::stream({{"key", Type::String}, {"v", Type::Int}}));
    return s;
}

struct Ev {
    TimeUs t;
    std::string key;
    int64_t v;
};

// Seeded: 3000 events over 60 s, a few out of order, 12 keys, one with many distinct values
// (so that its HyperLogLog is dense).
std::vector<Ev> events() {
    std::mt19937_64 random(42);
    std::vector<Ev> out;
    for (int i = 0; i < 3000; ++i) {
        const TimeUs t = i * 20'000 - static_cast<TimeUs>(random() % 3) * 400'000;
        const int key = static_cast<int>(random() % 12);
        const int64_t v = key == 0 ? i : static_cast<int64_t>(random() % 50);
        out.push_back({t, "k" + std::to_string(key), v});
    }
    return out;
}

const Json kAggregates = Json::array({
    {{"name", "n"}, {"expr", "COUNT(*)"}},
    {{"name", "sum"}, {"expr", "SUM(v)"}},
    {{"name", "avg"}, {"expr", "AVG(v)"}},
    {{"name", "sd"}, {"expr", "STDDEV(v)"}},
    {{"name", "lo"}, {"expr", "MIN(key)"}},
    {{"name", "hi"}, {"expr", "MAX(v)"}},
    {{"name", "first"}, {"expr", "FIRST_VALUE(key)"}},
    {{"name", "last"}, {"expr", "LAST_VALUE(v)"}},
    {{"name", "keys"}, {"expr", "COUNT(DISTINCT key)"}},
    {{"name", "values"}, {"expr", "COUNT(DISTINCT v)"}},
    {{"name", "approx"}, {"expr", "APPROX_COUNT_DISTINCT(v)"}},
    {{"name", "p50"}, {"expr", "PERCENTILE(v, 0.5)"}},
    {{"name", "top"}, {"expr", "TOP_K(key, 3)"}},
    {{"name", "topv"}, {"expr", "TOP_K(v, 2)"}},
});

// The rows emitted on ports [0, ports) since the last call, each as "port value value ...", in
// order or sorted; clears `out`.
QStringList takeRows(CollectingEmitter& out, int ports, bool sorted) {
    QStringList rows;
    for (int port = 0; port < ports; ++port)
        for (const auto& row : out.rowValues(port)) {
            QString line = QString::number(port);
            for (const Value& v : row) line += " " + QString::fromStdString(v.toString());
            rows << line;
        }
    out.clear();
    if (sorted) rows.sort();
    return rows;
}

struct Window {
    NodeRegistry registry;
    NodeInstance node;
    std::unique_ptr<CollectingEmitter> out;
    Window(const std::string& type, Json params) {
        registerBuiltinNodes(registry);
        auto r = instantiateNode(*registry.find(type), "w", params, {{eventSchema()}, {0}});
        if (!r) qFatal("%s", r.message().c_str());
        node = std::move(r.value());
        out = std::make_unique<CollectingEmitter>(node.context.outputSchemas);
    }
    // Events [from, to) in batches of 100, the watermark 1 s behind the newest after each.
    void feed(const std::vector<Ev>& all, size_t from, size_t to, TimeUs& newest) {
        static auto pool = BatchPool::create();
        for (size_t i = from; i < to;) {
            BatchPtr b = pool->acquire(eventSchema());
            for (size_t k = 0; k < 100 && i < to; ++k, ++i) {
                b->column(0).appendTime(all[i].t);
                b->appendString(1, all[i].key);
                b->column(2).appendInt(all[i].v);
                b->commitRow();
                newest = std::max(newest, all[i].t);
            }
            node.op->process(0, *b, *out);
            node.op->onWatermark(newest - kSec, *out);
        }
    }
    std::string snapshot() {
        checkpoint::StateWriter w;
        node.op->snapshotState(w);
        return w.take();
    }
    // Every row emitted on `out` and `late` since the last call, as sorted text.
    QStringList take() { return takeRows(*out, 2, true); }
};

}  // namespace

class TstCheckpointState : public QObject {
    Q_OBJECT

private slots:
    void everyNodeWithStateSavesItOrSaysWhy();
    void aRestoredWindowGoesOnExactlyAsTheOneThatSavedIt_data();
    void aRestoredWindowGoesOnExactlyAsTheOneThatSavedIt();
    void aRestoredJoinGoesOnExactlyAsTheOneThatSavedIt();
    void aRestoredGeneratorContinuesItsStream_data();
    void aRestoredGeneratorContinuesItsStream();
    void aRestoredKafkaSourceGoesOnAtTheSavedOffsets();
    void aRestoredRecordingReplayGoesOnAtTheSavedChunk();
    void aRestoredChartTakesItsHistoryBackToTheCheckpoint();
    void aRestoredRecordingTakesBackTheChunksAfterTheCheckpoint();
    void aTwoPhaseWindowHandedOverAfterTheBarrierCountsOnce();
    void aDamagedStateIsReportedNotACrash();
    void aFailingStoreIsReportedAndTheRunGoesOn();
};

// A node type with state and no snapshot fails here: it must save its state (and be round-
// tripped below) or say in NodeSpec::noCheckpoint why a project with it takes no checkpoints.
void TstCheckpointState::everyNodeWithStateSavesItOrSaysWhy() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    for (const NodeSpec* s : registry.all()) {
        const QString id = QString::fromStdString(s->typeId);
        if (!s->noCheckpoint.empty()) {
            QVERIFY2(s->noCheckpoint.rfind("cannot ", 0) == 0, qPrintable(id));
            continue;
        }
        if (!s->state.empty())
            // One operator draws every chart kind (addChart): the time series' test covers all.
            QVERIFY2(
                kRoundTripped.count(s->chartKind.empty() ? s->typeId : "sink.chart.timeseries"),
                qPrintable(id + " declares state that no test restores"));
        // A source that saves nothing cannot replay: it must be one that is pushed to.
        if (s->isSource() && s->state.empty())
            QVERIFY2(s->typeId == "source.mqtt" || s->typeId == "source.tcp" ||
                         s->typeId == "source.udp" || s->typeId == "source.websocket" ||
                         s->typeId == "source.metrics",
                     qPrintable(id + " saves no position"));
    }
}

void TstCheckpointState::aRestoredWindowGoesOnExactlyAsTheOneThatSavedIt_data() {
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("params");
    QTest::newRow("tumbling") << "window.tumbling"
                              << R"({"size": "5s", "group_by": ["key"], "allowed_lateness": "1s"})";
    QTest::newRow("tumbling, one group") << "window.tumbling"
                                         << R"({"size": "5s", "emit_every": "0s"})";
    QTest::newRow("hopping") << "window.hopping"
                             << R"({"size": "10s", "slide": "2s", "group_by": ["key"]})";
    QTest::newRow("session")
        << "window.session"
        << R"({"gap": "300ms", "group_by": ["key"], "allowed_lateness": "1s"})";
    QTest::newRow("running") << "aggregate.running"
                             << R"({"group_by": ["key"]})";
    QTest::newRow("running, every 1s") << "aggregate.running"
                                       << R"({"group_by": ["key"], "emit_every": "1s"})";
    QTest::newRow("dedupe") << "transform.dedupe"
                            << R"({"key": "v", "within": "2s"})";
    QTest::newRow("topn") << "transform.topn"
                          << R"({"n": 2, "order_by": ["v DESC"], "partition_by": ["key"]})";
    QTest::newRow("alert") << "alert.threshold"
                           << R"({"condition": "v > 40", "for": "200ms", "group_by": ["key"],
                                  "message": "{key} at {v}"})";
    QTest::newRow("topn, ties") << "transform.topn"
                                << R"({"n": 1, "order_by": ["key"], "with_ties": true})";
}

void TstCheckpointState::aRestoredWindowGoesOnExactlyAsTheOneThatSavedIt() {
    QFETCH(QString, type);
    QFETCH(QString, params);
    Json p = Json::parse(params.toStdString());
    if (type.startsWith("window.") || type.startsWith("aggregate.")) p["aggregates"] = kAggregates;
    const std::vector<Ev> all = events();
    for (size_t split : {size_t(0), size_t(1234), size_t(2999)}) {
        Window original(type.toStdString(), p);
        TimeUs newest = kMinTime, newestCopy = kMinTime;
        original.feed(all, 0, split, newest);
        original.take();
        const std::string saved = original.snapshot();
        Window restored(type.toStdString(), p);
        checkpoint::StateReader r(saved);
        QVERIFY(restored.node.op->restoreState(r));
        QVERIFY2(r.finish("the state").isOk(), r.finish("the state").message().c_str());
        newestCopy = newest;
        original.feed(all, split, all.size(), newest);
        restored.feed(all, split, all.size(), newestCopy);
        for (Window* w : {&original, &restored}) {
            w->node.op->onWatermark(kMaxTime, *w->out);
            w->node.op->finish(*w->out);
        }
        const QStringList want = original.take(), got = restored.take();
        QVERIFY(split > 2000 || want.size() > 5);
        QCOMPARE(got, want);
    }
}

// Both sides of a join window, split at several points: the restored join finds the same pairs.
void TstCheckpointState::aRestoredJoinGoesOnExactlyAsTheOneThatSavedIt() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    const Json params = {{"size", "2s"}, {"left_key", "key"}, {"right_key", "key"}};
    auto make = [&] {
        auto r = instantiateNode(*registry.find("join.window"), "j", params,
                                 {{eventSchema(), eventSchema()}, {0, 1}});
        if (!r) qFatal("%s", r.message().c_str());
        return std::move(r.value());
    };
    const std::vector<Ev> all = events();
    static auto pool = BatchPool::create();
    auto feed = [&](NodeInstance& node, CollectingEmitter& out, size_t from, size_t to) {
        for (size_t i = from; i < to; i += 50) {
            BatchPtr b = pool->acquire(eventSchema());
            for (size_t k = i; k < std::min(to, i + 50); ++k) {
                b->column(0).appendTime(all[k].t);
                b->appendString(1, all[k].key);
                b->column(2).appendInt(all[k].v);
                b->commitRow();
            }
            node.op->process(static_cast<int>(i / 50 % 2), *b, out);  // alternate sides
            node.op->onWatermark(all[std::min(to, i + 50) - 1].t - kSec, out);
        }
    };
    auto rows = [](CollectingEmitter& out) { return takeRows(out, 2, true); };
    for (size_t split : {size_t(0), size_t(1500), size_t(2950)}) {
        NodeInstance original = make(), restored = make();
        CollectingEmitter a(original.context.outputSchemas), b(restored.context.outputSchemas);
        feed(original, a, 0, split);
        rows(a);
        checkpoint::StateWriter w;
        original.op->snapshotState(w);
        const std::string saved = w.take();
        checkpoint::StateReader r(saved);
        QVERIFY(restored.op->restoreState(r));
        QVERIFY2(r.finish("the state").isOk(), r.finish("the state").message().c_str());
        feed(original, a, split, all.size());
        feed(restored, b, split, all.size());
        const QStringList want = rows(a), got = rows(b);
        QVERIFY(want.size() > 100);
        QCOMPARE(got, want);
    }
}

void TstCheckpointState::aRestoredGeneratorContinuesItsStream_data() {
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("params");
    QTest::newRow("clickstream")
        << "source.clickstream"
        << R"({"rate": 0, "limit": 20000, "seed": 3, "users": 300, "disorder_ms": 200,
               "late_fraction": 0.01})";
    QTest::newRow("clickstream, start now") << "source.clickstream"
                                            << R"({"rate": 0, "limit": 40000, "start": "now"})";
    QTest::newRow("nexmark") << "source.nexmark"
                             << R"({"rate": 0, "limit": 20000})";
}

// A generator restored from a snapshot makes exactly the events the one that took it makes next
// (its seeded random streams and its event-time clock continue).
void TstCheckpointState::aRestoredGeneratorContinuesItsStream() {
    QFETCH(QString, type);
    QFETCH(QString, params);
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    const Json p = Json::parse(params.toStdString());
    auto make = [&] {
        auto r = instantiateNode(*registry.find(type.toStdString()), "g", p, {});
        if (!r) qFatal("%s", r.message().c_str());
        return std::move(r.value());
    };
    auto rows = [](CollectingEmitter& out) { return takeRows(out, out.errorsPort(), false); };
    NodeInstance original = make();
    CollectingEmitter a(original.context.outputSchemas);
    QVERIFY(original.source->open());
    for (int i = 0; i < 7; ++i) (void)original.source->poll(a);  // part of the stream
    QVERIFY(!rows(a).isEmpty());
    checkpoint::StateWriter w;
    original.source->snapshotState(w);
    const std::string saved = w.take();
    while (original.source->poll(a).state != SourcePoll::State::Ended) {
    }
    const QStringList want = rows(a);
    QVERIFY(want.size() > 1000);

    // Another run, later: "now" has moved on, the stream has not.
    QTest::qSleep(2);
    NodeInstance restored = make();
    CollectingEmitter b(restored.context.outputSchemas);
    checkpoint::StateReader r(saved);
    QVERIFY(restored.source->restoreState(r));
    QVERIFY(r.finish("the state").isOk());
    QVERIFY(restored.source->open());
    while (restored.source->poll(b).state != SourcePoll::State::Ended) {
    }
    QCOMPARE(rows(b), want);
}

// A Kafka source restored from a snapshot is assigned its partitions at the saved offsets and
// reads exactly the messages after them, though its group committed nothing (a source that
// checkpoints commits only when a checkpoint completes).
void TstCheckpointState::aRestoredKafkaSourceGoesOnAtTheSavedOffsets() {
    auto cluster = KafkaMockCluster::create(1);
    QVERIFY(cluster);
    QVERIFY(cluster.value()->createTopic("seqs", 3));
    std::vector<KafkaTestMessage> messages;
    for (int i = 0; i < 3000; ++i) {
        KafkaTestMessage m;
        m.value = "{\"seq\": " + std::to_string(i) + "}";
        m.partition = i % 3;
        messages.push_back(m);
    }
    QVERIFY(cluster.value()->produce("seqs", messages));
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    const Json params = {{"brokers", cluster.value()->bootstraps()},
                         {"topic", "seqs"},
                         {"group", "checkpointed"},
                         {"start", "earliest"},
                         {"format", "json"},
                         {"schema", {"seq int"}}};
    auto make = [&] {
        auto r = instantiateNode(*registry.find("source.kafka"), "k", params, {});
        if (!r) qFatal("%s", r.message().c_str());
        return std::move(r.value());
    };
    auto seqs = [](CollectingEmitter& out) {
        std::vector<int64_t> s;
        const int column = out.batches(0).empty() ? -1 : out.batches(0)[0]->schema().indexOf("seq");
        for (const auto& row : out.rowValues(0)) s.push_back(row[static_cast<size_t>(column)].i);
        out.clear();
        return s;
    };
    auto readUntil = [](NodeInstance& node, CollectingEmitter& out, size_t rows) {
        QElapsedTimer t;
        t.start();
        while (out.rows(0) < rows && t.elapsed() < 60000)
            if (node.source->poll(out).state == SourcePoll::State::Wait) QTest::qSleep(5);
    };
    std::vector<int64_t> before, after;
    std::string saved;
    {
        NodeInstance original = make();
        CollectingEmitter out(original.context.outputSchemas);
        checkpoint::StateWriter initial(1);
        original.source->snapshotState(initial);  // checkpointing, as a run does at its start
        QVERIFY(original.source->open());
        readUntil(original, out, 1000);
        before = seqs(out);
        QVERIFY(before.size() >= 1000);
        checkpoint::StateWriter w(2);
        original.source->snapshotState(w);
        saved = w.take();
        readUntil(original, out, 3000 - before.size());
        after = seqs(out);
        QCOMPARE(before.size() + after.size(), size_t(3000));
        original.source->close();
    }
    NodeInstance restored = make();
    CollectingEmitter out(restored.context.outputSchemas);
    checkpoint::StateReader r(saved);
    QVERIFY(restored.source->restoreState(r));
    QVERIFY(r.finish("the state").isOk());
    QVERIFY(restored.source->open());
    readUntil(restored, out, after.size());
    QTest::qWait(500);  // nothing more may come
    (void)restored.source->poll(out);
    std::vector<int64_t> again = seqs(out);
    std::sort(again.begin(), again.end());
    std::sort(after.begin(), after.end());
    QCOMPARE(again, after);
    restored.source->close();
}

// sink.recording restored from a checkpoint deletes the chunks written after it, so the rows the
// restored pipeline sends again are recorded once; the replay reads each row once.
void TstCheckpointState::aRestoredRecordingTakesBackTheChunksAfterTheCheckpoint() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("capture.riffle-rec").toStdString();
    const std::vector<Ev> all = events();
    TimeUs newest = kMinTime;
    const Json params = {{"path", path}};
    std::string saved;
    {
        Window sink("sink.recording", params);
        QVERIFY(sink.node.op->open());
        sink.feed(all, 0, 1000, newest);
        checkpoint::StateWriter w(2);
        sink.node.op->snapshotState(w);
        saved = w.take();
        sink.feed(all, 1000, 1500, newest);
        sink.node.op->onTimer(0, *sink.out);  // written, then the run dies
        sink.node.op->close();
    }
    {
        Window sink("sink.recording", params);
        checkpoint::StateReader r(saved);
        QVERIFY(sink.node.op->restoreState(r));
        QVERIFY(r.finish("the state").isOk());
        QVERIFY(sink.node.op->open());
        sink.feed(all, 1000, 3000, newest);  // sent again from the checkpoint, and the rest
        sink.node.op->finish(*sink.out);
        sink.node.op->close();
    }
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    auto replay = instantiateNode(*registry.find("source.recording"), "r",
                                  {{"path", path}, {"speed", 0}}, {});
    QVERIFY(replay);
    CollectingEmitter out(replay.value().context.outputSchemas);
    QVERIFY(replay.value().source->open());
    while (replay.value().source->poll(out).state != SourcePoll::State::Ended) {
    }
    QStringList want, got;
    for (const Ev& e : all) want << QString::fromStdString(e.key) + " " + QString::number(e.v);
    const Schema& schema = *replay.value().context.outputSchemas.at(0);
    const int key = schema.indexOf("key"), v = schema.indexOf("v");
    for (const auto& row : out.rowValues(0))
        got << QString::fromStdString(row[static_cast<size_t>(key)].toString()) + " " +
                   QString::fromStdString(row[static_cast<size_t>(v)].toString());
    QCOMPARE(got, want);
    replay.value().source->close();
}

// Two-phase window: partial 0 passes checkpoint 2's barrier and then hands its window over to
// the merger before the merger has aligned the barrier. The partial's snapshot holds that window
// as open, so the merger's snapshot must not hold it too: restored, it is counted once.
void TstCheckpointState::aTwoPhaseWindowHandedOverAfterTheBarrierCountsOnce() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    const NodeSpec& spec = *registry.find("window.tumbling");
    auto r = instantiateNode(
        spec, "w",
        Json{{"size", "5s"}, {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}}})}},
        {{eventSchema()}, {0}});
    QVERIFY(r);
    const NodeInstance& node = r.value();
    auto batch = [](int events) {
        static auto pool = BatchPool::create();
        BatchPtr b = pool->acquire(eventSchema());
        for (int i = 0; i < events; ++i) {
            b->column(0).appendTime(i * 100'000);
            b->appendString(1, "k");
            b->column(2).appendInt(i);
            b->commitRow();
        }
        return b;
    };
    CollectingEmitter out(node.context.outputSchemas);
    CombinedOperators before = spec.createCombined(node.context, 2);
    before.partials[0]->process(0, *batch(10), out);
    before.partials[1]->process(0, *batch(5), out);
    checkpoint::StateWriter p0(2), p1(2), merger(2);
    before.partials[0]->snapshotState(p0);
    before.partials[1]->snapshotState(p1);
    before.partials[0]->onWatermark(6 * kSec, out);  // hands [0 s, 5 s) over, after its barrier
    before.merger->snapshotState(merger);

    CombinedOperators after = spec.createCombined(node.context, 2);
    for (auto [op, w] : {std::pair{after.partials[0].get(), &p0},
                         {after.partials[1].get(), &p1},
                         {after.merger.get(), &merger}}) {
        checkpoint::StateReader reader(w->data());
        QVERIFY(op->restoreState(reader));
        QVERIFY(reader.finish("the state").isOk());
    }
    after.partials[0]->onWatermark(6 * kSec, out);
    after.partials[1]->onWatermark(6 * kSec, out);
    after.merger->onWatermark(6 * kSec, out);
    const QStringList rows = takeRows(out, 1, false);
    QCOMPARE(rows.size(), qsizetype(1));
    QCOMPARE(rows[0].section(' ', 2, 2), QString("15"));  // port, _time, n, ...
}

// A chart restored from a checkpoint takes its history back to it: the rows drawn after the
// checkpoint are deleted (the restored pipeline sends them again), those before it go on in the
// continuing run's history, and an earlier run's rows stay as they were.
void TstCheckpointState::aRestoredChartTakesItsHistoryBackToTheCheckpoint() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("history.sqlite").toStdString();
    auto history = ChartHistory::open(path);
    QVERIFY(history);
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    const NodeSpec& spec = *registry.find("sink.chart.timeseries");
    const std::vector<Ev> all = events();
    auto chart = [&](ChartHub& hub) {
        auto r = instantiateNode(spec, "c", Json{{"y", {"v"}}}, {{eventSchema()}, {0}});
        if (!r) qFatal("%s", r.message().c_str());
        NodeInstance n = std::move(r.value());
        n.context.charts = &hub;
        n.op = spec.createOperator(n.context);
        return n;
    };
    auto feed = [&](NodeInstance& n, size_t from, size_t to) {
        static auto pool = BatchPool::create();
        CollectingEmitter out(n.context.outputSchemas);
        BatchPtr b = pool->acquire(eventSchema());
        for (size_t i = from; i < to; ++i) {
            b->column(0).appendTime(all[i].t);
            b->appendString(1, all[i].key);
            b->column(2).appendInt(all[i].v);
            b->commitRow();
        }
        n.op->process(0, *b, out);
        n.op->onTimer(0, out);  // writes the history
    };
    auto values = [&](int64_t run) {
        std::vector<double> v;
        for (const ChartRow& r : history.value()->load("c", run, kMinTime, kMaxTime))
            v.push_back(r.values.at(0));
        std::sort(v.begin(), v.end());  // in time order, and a few events are out of order
        return v;
    };
    auto want = [&](size_t from, size_t to) {
        std::vector<double> v;
        for (size_t i = from; i < to; ++i) v.push_back(static_cast<double>(all[i].v));
        std::sort(v.begin(), v.end());
        return v;
    };
    const int64_t earlier = history.value()->beginRun(1, 0).value();
    {
        ChartHub hub;
        hub.setHistory(path, earlier);
        NodeInstance n = chart(hub);
        QVERIFY(n.op->open());
        feed(n, 0, 100);
        n.op->close();
    }
    const int64_t crashed = history.value()->beginRun(2, 0).value();
    std::string saved;
    {
        ChartHub hub;
        hub.setHistory(path, crashed);
        NodeInstance n = chart(hub);
        QVERIFY(n.op->open());
        checkpoint::StateWriter initial(1);
        n.op->snapshotState(initial);
        feed(n, 0, 300);
        checkpoint::StateWriter w(2);
        n.op->snapshotState(w);
        saved = w.take();
        feed(n, 300, 500);
        n.op->close();
    }
    QCOMPARE(values(crashed), want(0, 500));
    const int64_t continued = history.value()->beginRun(3, 0).value();
    ChartHub hub;
    hub.setHistory(path, continued);
    NodeInstance n = chart(hub);
    checkpoint::StateReader r(saved);
    QVERIFY(n.op->restoreState(r));
    QVERIFY(r.finish("the state").isOk());
    QVERIFY(n.op->open());
    QCOMPARE(values(crashed), std::vector<double>{});
    QCOMPARE(values(continued), want(0, 300));
    feed(n, 300, 500);  // the restored pipeline sends them again
    n.op->close();
    QCOMPARE(values(continued), want(0, 500));
    QCOMPARE(values(earlier), want(0, 100));
}

// A replay of a recording restored from a snapshot emits exactly what the one that took it emits
// next, across the start-overs of `loop` (whose time offset it keeps).
void TstCheckpointState::aRestoredRecordingReplayGoesOnAtTheSavedChunk() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("r.riffle-rec").toStdString();
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    {
        auto sink = instantiateNode(*registry.find("sink.recording"), "rec", {{"path", path}},
                                    {{eventSchema()}, {0}});
        QVERIFY(sink);
        QVERIFY(sink->op->open());
        CollectingEmitter ignored(sink->context.outputSchemas);
        const std::vector<Ev> all = events();
        auto pool = BatchPool::create();
        for (size_t i = 0; i < 1000; i += 50) {
            BatchPtr b = pool->acquire(eventSchema());
            for (size_t k = i; k < i + 50; ++k) {
                b->column(0).appendTime(static_cast<TimeUs>(k) * 10'000);
                b->appendString(1, all[k].key);
                b->column(2).appendInt(all[k].v);
                b->commitRow();
            }
            sink->op->process(0, *b, ignored);
        }
        sink->op->finish(ignored);
        sink->op->close();
    }
    for (bool loop : {false, true}) {
        const Json params = {{"path", path}, {"speed", 0}, {"loop", loop}};
        auto make = [&] {
            auto r = instantiateNode(*registry.find("source.recording"), "rep", params, {});
            if (!r) qFatal("%s", r.message().c_str());
            return std::move(r.value());
        };
        auto rows = [](CollectingEmitter& out) { return takeRows(out, 1, false); };
        // Polls until it ends, at most 50 times (with `loop` it never ends).
        auto drain = [&](NodeInstance& node, CollectingEmitter& out) {
            for (int i = 0; i < 50; ++i)
                if (node.source->poll(out).state == SourcePoll::State::Ended) break;
        };
        NodeInstance original = make();
        CollectingEmitter a(original.context.outputSchemas);
        QVERIFY(original.source->open());
        for (int i = 0; i < 13; ++i) (void)original.source->poll(a);
        QVERIFY(!rows(a).isEmpty());
        checkpoint::StateWriter w;
        original.source->snapshotState(w);
        const std::string saved = w.take();
        drain(original, a);
        const QStringList want = rows(a);
        QVERIFY(want.size() >= 350);

        NodeInstance restored = make();
        CollectingEmitter b(restored.context.outputSchemas);
        checkpoint::StateReader r(saved);
        QVERIFY(restored.source->restoreState(r));
        QVERIFY(r.finish("the state").isOk());
        QVERIFY(restored.source->open());
        drain(restored, b);
        QCOMPARE(rows(b), want);
    }
}

// Every cut of a window's state fails the reader, and no cut crashes (ASan checks the reads).
void TstCheckpointState::aDamagedStateIsReportedNotACrash() {
    Json p = {{"size", "5s"}, {"group_by", {"key"}}, {"aggregates", kAggregates}};
    Window w("window.tumbling", p);
    TimeUs newest = kMinTime;
    const std::vector<Ev> all = events();
    w.feed(all, 0, 700, newest);
    const std::string saved = w.snapshot();
    QVERIFY(saved.size() > 1000);
    for (size_t cut = 0; cut < saved.size(); cut += 1 + saved.size() / 97) {
        Window fresh("window.tumbling", p);
        const std::string part = saved.substr(0, cut);
        checkpoint::StateReader r(part);
        (void)fresh.node.op->restoreState(r);
        QVERIFY2(!r.finish("the state").isOk(), qPrintable(QString::number(cut)));
    }
    std::string flipped = saved;
    flipped[flipped.size() / 2] = static_cast<char>(0xff);
    Window fresh("window.tumbling", p);
    checkpoint::StateReader r(flipped);
    (void)fresh.node.op->restoreState(r);  // may or may not notice; must not crash
}

// A full disk while a checkpoint is written: the status says so, the pipeline goes on, the next
// interval tries again and succeeds once there is room, and the store stays readable throughout.
void TstCheckpointState::aFailingStoreIsReportedAndTheRunGoesOn() {
    test::FailingVfs::install();
    QTemporaryDir dir;
    {
        QFile f(dir.filePath("events.csv"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        QByteArray text = "seq,ts\n";
        for (int i = 0; i < 3000; ++i)
            text +=
                QByteArray::number(i) + ',' + QByteArray::number(1'767'225'600'000 + i * 10) + '\n';
        f.write(text);
    }
    const Json project = {
        {"format", "riffle-project"},
        {"version", 1},
        {"nodes",
         {{{"id", "events"},
           {"type", "source.file"},
           {"params",
            {{"path", "events.csv"},
             {"time_field", "ts"},
             {"time_format", "epoch_ms"},
             {"speed", 2},
             {"batch_rows", 10}}}},
          {{"id", "w"},
           {"type", "window.tumbling"},
           {"params", {{"size", "1s"}, {"aggregates", {{{"name", "n"}, {"expr", "COUNT(*)"}}}}}}},
          {{"id", "out"}, {"type", "sink.file"}, {"params", {{"path", "out.jsonl"}}}}}},
        {"edges",
         {{{"from", "events.out"}, {"to", "w.in"}}, {{"from", "w.out"}, {"to", "out.in"}}}},
    };
    {
        QFile f(dir.filePath("p.riffle"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(project.dump()));
    }
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    auto loaded = Project::load(dir.filePath("p.riffle").toStdString());
    QVERIFY(loaded);
    const ValidatedGraph graph = validateProject(loaded.value(), registry);
    QVERIFY(graph.ok());
    ExecutorOptions options;
    options.checkpoints.storePath = dir.filePath("cp.sqlite").toStdString();
    options.checkpoints.vfs = test::FailingVfs::kName;
    options.checkpoints.intervalUs = 100'000;
    auto exec = Executor::create(graph, options);
    QVERIFY(exec);
    QVERIFY(exec.value()->start());
    auto status = [&] { return exec.value()->checkpointStatus(); };
    QTRY_VERIFY_WITH_TIMEOUT(status().completed >= 2, 20000);
    const int64_t before = status().lastId;
    test::FailingVfs::failAfter(0, SQLITE_FULL);
    QTRY_VERIFY_WITH_TIMEOUT(status().failed >= 2, 20000);
    QVERIFY(status().lastFailed);
    QVERIFY2(status().lastError.find("full") != std::string::npos, status().lastError.c_str());
    QCOMPARE(status().lastId, before);
    QVERIFY(!exec.value()->finished());
    QVERIFY(exec.value()->failure().isOk());
    {
        // The checkpoint before the failures is whole and the newest in the store.
        auto store = checkpoint::CheckpointStore::open(options.checkpoints.storePath);
        QVERIFY(store);
        auto latest = store.value()->latest();
        QVERIFY(latest && latest.value());
        QCOMPARE(latest.value()->id, before);
    }
    test::FailingVfs::failAfter(-1);
    QTRY_VERIFY_WITH_TIMEOUT(!status().lastFailed && status().lastId > before, 20000);
    exec.value()->requestStop();
    exec.value()->wait();
    exec.value()->flushCheckpoints();
    QVERIFY(exec.value()->failure().isOk());
}

QTEST_GUILESS_MAIN(TstCheckpointState)
#include "tst_checkpoint_state.moc"
