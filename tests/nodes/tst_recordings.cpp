// sink.recording and source.recording: a recorded clickstream replays into the same window
// results as the live stream, every time; every type round-trips with the original batching;
// pacing, looping, and the problems a user meets (wrong extension, missing or foreign file,
// existing file without overwrite, a damaged chunk).
#include <QtTest/QtTest>

#include <sqlite3.h>

#include <fstream>

#include "engine/graph/graph_validator.h"
#include "engine/graph/node_instance.h"
#include "engine/runtime/collecting_emitter.h"
#include "engine/runtime/executor.h"
#include "nodes/connectors/recording_format.h"
#include "nodes/register_builtin_nodes.h"

using namespace riffle;

namespace {

constexpr TimeUs kT0 = 1795514400000000;  // 2026-11-24T10:00:00Z
constexpr TimeUs kSecond = 1000000;

const NodeRegistry& registry() {
    return builtinNodeRegistry();
}

// Validates and runs a project to its end; the first problem or failure otherwise.
std::string runProject(const Json& project) {
    auto loaded = Project::fromJsonText(project.dump());
    if (!loaded) return loaded.message();
    const ValidatedGraph graph = validateProject(loaded.value(), registry());
    if (!graph.ok()) return graph.problems.front().message;
    ExecutorOptions options;
    options.threads = 2;
    auto exec = Executor::create(graph, options);
    if (!exec) return exec.message();
    Status s = exec.value()->start();
    if (!s) return s.message();
    if (!exec.value()->waitFor(120'000)) return "the run did not end within two minutes";
    s = exec.value()->failure();
    return s ? std::string() : s.message();
}

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The events the clickstream makes for these tests: disordered, some of them late, so that the
// window's results (on time and late) depend on exactly where watermarks fall.
Json clickstreamNode() {
    return {{"id", "src"},
            {"type", "source.clickstream"},
            {"params",
             {{"rate", 0},
              {"seed", 7},
              {"limit", 60000},
              {"start", "2026-11-24T10:00:00Z"},
              {"disorder_ms", 30},
              {"late_fraction", 0.01},
              {"max_out_of_orderness", "10ms"}}}};
}

// src -> tumbling window (counts per event kind and 10 ms) -> out (on time) and late.
Json windowProject(const Json& source, const std::string& outDir,
                   const Json& extraNodes = Json::array(), const Json& extraEdges = Json::array()) {
    Json nodes = Json::array(
        {source,
         {{"id", "w"},
          {"type", "window.tumbling"},
          {"params",
           {{"size", "10ms"},
            {"group_by", {"event"}},
            {"aggregates",
             {{{"name", "n"}, {"expr", "COUNT(*)"}},
              {{"name", "total"}, {"expr", "SUM(amount)"}}}}}}},
         {{"id", "out"}, {"type", "sink.file"}, {"params", {{"path", outDir + "/windows.csv"}}}},
         {{"id", "late"}, {"type", "sink.file"}, {"params", {{"path", outDir + "/late.csv"}}}}});
    for (const auto& n : extraNodes) nodes.push_back(n);
    Json edges = Json::array({{{"from", "src.out"}, {"to", "w.in"}},
                              {{"from", "w.out"}, {"to", "out.in"}},
                              {{"from", "w.late"}, {"to", "late.in"}}});
    for (const auto& e : extraEdges) edges.push_back(e);
    return {{"format", "riffle-project"},
            {"version", 1},
            {"name", "rec"},
            {"nodes", nodes},
            {"edges", edges}};
}

Json recordingSource(const std::string& path, double speed = 0) {
    return {{"id", "src"},
            {"type", "source.recording"},
            {"params", {{"path", path}, {"speed", speed}, {"max_out_of_orderness", "10ms"}}}};
}

SchemaPtr allTypesSchema() {
    static const SchemaPtr s = std::make_shared<const Schema>(Schema::stream({{"b", Type::Bool},
                                                                              {"i", Type::Int},
                                                                              {"f", Type::Float},
                                                                              {"s", Type::String},
                                                                              {"t", Type::Time}}));
    return s;
}

// A sink.recording instance for `schema`, opened; the message of the first failure otherwise.
Result<NodeInstance> openSink(const std::string& path, SchemaPtr schema, bool overwrite = true) {
    auto inst = instantiateNode(*registry().find("sink.recording"), "rec",
                                {{"path", path}, {"overwrite", overwrite}}, {{schema}, {0}});
    if (!inst) return inst;
    Status s = inst->op->open();
    if (!s) return Result<NodeInstance>::error(s.message());
    return inst;
}

struct Replay {
    NodeInstance node;
    std::unique_ptr<CollectingEmitter> out;
};

Result<Replay> openReplay(const Json& params) {
    auto inst = instantiateNode(*registry().find("source.recording"), "rep", params, {});
    if (!inst) return Result<Replay>::error(inst.message());
    Replay r;
    r.node = std::move(inst.value());
    r.out = std::make_unique<CollectingEmitter>(r.node.context.outputSchemas);
    Status s = r.node.source->open();
    if (!s) return Result<Replay>::error(s.message());
    return r;
}

// Writes `batches` (each a list of rows of the all-types schema) through sink.recording.
void record(const std::string& path, const std::vector<std::vector<std::vector<Value>>>& batches) {
    auto sink = openSink(path, allTypesSchema());
    QVERIFY2(sink.isOk(), sink.message().c_str());
    CollectingEmitter emitter(sink->context.outputSchemas);
    auto pool = BatchPool::create();
    for (const auto& rows : batches) {
        BatchPtr b = pool->acquire(allTypesSchema());
        for (const auto& row : rows) {
            for (size_t c = 0; c < row.size(); ++c) b->appendValue(c, row[c]);
            b->commitRow();
        }
        sink->op->process(0, *b, emitter);
    }
    sink->op->finish(emitter);
    sink->op->close();
}

std::vector<Value> timedRow(TimeUs t, int64_t i) {
    return {Value::ofTime(t),
            Value::ofBool(i % 2 == 0),
            Value::ofInt(i),
            Value::ofFloat(0.5 * double(i)),
            Value::ofString("row " + std::to_string(i)),
            Value::ofTime(t + 1)};
}

}  // namespace

class TstRecordings : public QObject {
    Q_OBJECT
private slots:
    void replayGivesTheLiveResults();
    void everyTypeRoundTrips();
    void pacing();
    void loop();
    void problems();
    void damagedChunkGoesToErrors();
    void progressMarkerWaitsForTheNextWrite();

private:
    QTemporaryDir m_dir;
    std::string path(const std::string& name) const {
        return m_dir.filePath(QString::fromStdString(name)).toStdString();
    }
};

void TstRecordings::replayGivesTheLiveResults() {
    const std::string rec = path("clicks.riffle-rec");
    const std::string live = path("live");
    // The live run records its source while it feeds the window.
    const std::string err = runProject(windowProject(
        clickstreamNode(), live,
        Json::array({{{"id", "rec"}, {"type", "sink.recording"}, {"params", {{"path", rec}}}}}),
        Json::array({{{"from", "src.out"}, {"to", "rec.in"}}})));
    QVERIFY2(err.empty(), err.c_str());
    const std::string liveWindows = readAll(live + "/windows.csv");
    const std::string liveLate = readAll(live + "/late.csv");
    // The pipeline did work worth comparing: many windows, and some events were late.
    QVERIFY(std::count(liveWindows.begin(), liveWindows.end(), '\n') > 50);
    QVERIFY(std::count(liveLate.begin(), liveLate.end(), '\n') > 10);

    for (const char* run : {"replay1", "replay2"}) {
        const std::string dir = path(run);
        const std::string e = runProject(windowProject(recordingSource(rec), dir));
        QVERIFY2(e.empty(), e.c_str());
        QCOMPARE(readAll(dir + "/windows.csv"), liveWindows);
        QCOMPARE(readAll(dir + "/late.csv"), liveLate);
    }

    // Every recorded event is there, in its chunks.
    RecordingReader reader;
    auto schema = reader.open(rec);
    QVERIFY2(schema.isOk(), schema.message().c_str());
    QCOMPARE(schema->toString(),
             std::string("_time time, user_id int, session_id string, page string, event string, "
                         "referrer string, "
                         "country string, device string, latency_ms int, amount float"));
    int64_t rows = 0, chunks = 0;
    while (reader.next() == 1) {
        rows += reader.rows();
        ++chunks;
    }
    QCOMPARE(rows, int64_t(60000));
    QVERIFY(chunks < 100);  // one row per batch, not per event
}

void TstRecordings::everyTypeRoundTrips() {
    const std::string rec = path("types.riffle-rec");
    const std::vector<std::vector<Value>> first = {
        {Value::ofTime(kT0), Value::ofBool(true), Value::ofInt(-7), Value::ofFloat(1.25),
         Value::ofString("héllo"), Value::ofTime(kT0 - 1)},
        {Value::ofTime(kT0 + 1), Value::ofBool(false), Value::ofInt(INT64_MAX),
         Value::ofFloat(-0.0), Value::ofString(""), Value::ofTime(0)},
        {Value::ofTime(kT0 + 2), Value::nullOf(Type::Bool), Value::nullOf(Type::Int),
         Value::nullOf(Type::Float), Value::nullOf(Type::String), Value::nullOf(Type::Time)}};
    const std::vector<std::vector<Value>> second = {
        {Value::ofTime(kT0 + 5), Value::ofBool(true), Value::ofInt(INT64_MIN),
         Value::ofFloat(1e300), Value::ofString(std::string(100000, 'x')), Value::ofTime(kT0 + 5)},
        {Value::ofTime(kT0 + 4), Value::ofBool(false), Value::ofInt(0), Value::ofFloat(3.5),
         Value::ofString("a,b\n\"c\""), Value::ofTime(kT0)}};
    record(rec, {first, second});

    auto replay = openReplay({{"path", rec}, {"speed", 0.0}});
    QVERIFY2(replay.isOk(), replay.message().c_str());
    QCOMPARE(replay->node.context.outputSchemas[0]->toString(),
             std::string("_time time, b bool, i int, f float, s string, t time"));
    for (int i = 0; i < 10; ++i)
        if (replay->node.source->poll(*replay->out).state == SourcePoll::State::Ended) break;
    // Same batches, same rows, same order (the out-of-order last row included).
    QCOMPARE(replay->out->batches(0).size(), size_t(2));
    QCOMPARE(replay->out->batches(0)[0]->rows(), size_t(3));
    auto rows = replay->out->rowValues(0);
    std::vector<std::vector<Value>> expected = first;
    expected.insert(expected.end(), second.begin(), second.end());
    QCOMPARE(rows.size(), expected.size());
    for (size_t r = 0; r < rows.size(); ++r) QCOMPARE(rows[r], expected[r]);
    QCOMPARE(rows[1][4].toString(), std::string(""));
    QVERIFY(!rows[1][4].isNull());
    QVERIFY(rows[2][4].isNull());
    QCOMPARE(replay->out->rows(replay->out->errorsPort()), size_t(0));
    QCOMPARE(replay->node.source->poll(*replay->out).state, SourcePoll::State::Ended);

    // An empty recording is still a recording: its schema plans, its replay just ends.
    const std::string empty = path("empty.riffle-rec");
    record(empty, {});
    auto none = openReplay({{"path", empty}, {"speed", 1.0}});
    QVERIFY2(none.isOk(), none.message().c_str());
    QCOMPARE(none->node.source->poll(*none->out).state, SourcePoll::State::Ended);
}

void TstRecordings::pacing() {
    // Two seconds of events in three batches: at t0, t0 + 1 s, t0 + 2 s.
    const std::string rec = path("paced.riffle-rec");
    record(rec,
           {{timedRow(kT0, 0)}, {timedRow(kT0 + kSecond, 1)}, {timedRow(kT0 + 2 * kSecond, 2)}});

    auto paced = openReplay({{"path", rec}, {"speed", 1.0}});
    QVERIFY2(paced.isOk(), paced.message().c_str());
    // The first batch is due at once; the next one a second of event time later: poll says so
    // instead of sleeping, and emits nothing early.
    QCOMPARE(paced->node.source->poll(*paced->out).state, SourcePoll::State::More);
    QCOMPARE(paced->out->rows(0), size_t(1));
    SourcePoll p = paced->node.source->poll(*paced->out);
    QCOMPARE(p.state, SourcePoll::State::Wait);
    QVERIFY(p.waitUs > 500000);
    QVERIFY(p.waitUs <= 1000000);
    QCOMPARE(paced->out->rows(0), size_t(1));

    // Twice as fast: the second batch is due after half a second.
    auto fast = openReplay({{"path", rec}, {"speed", 2.0}});
    QVERIFY2(fast.isOk(), fast.message().c_str());
    QCOMPARE(fast->node.source->poll(*fast->out).state, SourcePoll::State::More);
    p = fast->node.source->poll(*fast->out);
    QCOMPARE(p.state, SourcePoll::State::Wait);
    QVERIFY(p.waitUs > 250000);
    QVERIFY(p.waitUs <= 500000);

    // As fast as possible: one batch per poll, never a wait.
    auto asap = openReplay({{"path", rec}, {"speed", 0.0}});
    QVERIFY2(asap.isOk(), asap.message().c_str());
    for (int i = 0; i < 3; ++i)
        QCOMPARE(asap->node.source->poll(*asap->out).state, SourcePoll::State::More);
    QCOMPARE(asap->node.source->poll(*asap->out).state, SourcePoll::State::Ended);
    QCOMPARE(asap->out->rows(0), size_t(3));
}

void TstRecordings::loop() {
    const std::string rec = path("loop.riffle-rec");
    record(rec, {{timedRow(kT0, 0), timedRow(kT0 + kSecond, 1)}, {timedRow(kT0 + 2 * kSecond, 2)}});
    auto replay = openReplay({{"path", rec}, {"speed", 0.0}, {"loop", true}});
    QVERIFY2(replay.isOk(), replay.message().c_str());
    for (int i = 0; i < 6; ++i)
        QCOMPARE(replay->node.source->poll(*replay->out).state, SourcePoll::State::More);
    std::vector<TimeUs> times;
    for (const auto& row : replay->out->rowValues(0)) times.push_back(row[0].i);
    // Span 2 s plus one average gap (1 s) per repeat.
    QCOMPARE(times, (std::vector<TimeUs>{kT0, kT0 + kSecond, kT0 + 2 * kSecond, kT0 + 3 * kSecond,
                                         kT0 + 4 * kSecond, kT0 + 5 * kSecond, kT0 + 6 * kSecond,
                                         kT0 + 7 * kSecond, kT0 + 8 * kSecond}));
}

void TstRecordings::problems() {
    const std::string csv = path("clicks.csv");
    auto wrongExtension = instantiateNode(*registry().find("sink.recording"), "rec",
                                          {{"path", csv}}, {{allTypesSchema()}, {0}});
    QCOMPARE(wrongExtension.message(),
             "sink `rec`: `path` must end with .riffle-rec (got `" + csv + "`)");

    const std::string missing = path("nowhere.riffle-rec");
    QCOMPARE(openReplay({{"path", missing}}).message(),
             "source `rep`: the recording `" + missing + "` does not exist");

    const std::string foreign = path("foreign.riffle-rec");
    std::ofstream(foreign, std::ios::binary) << "_time,page\n2026-11-24T10:00:00Z,/home\n";
    QCOMPARE(openReplay({{"path", foreign}}).message(),
             "source `rep`: `" + foreign +
                 "` is not a Riffle recording (a .riffle-rec file written by sink.recording)");

    // An SQLite file of another kind is not a recording either.
    const std::string otherDb = path("other.riffle-rec");
    {
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(otherDb.c_str(), &db), SQLITE_OK);
        QCOMPARE(
            sqlite3_exec(db, "CREATE TABLE meta (key TEXT, value TEXT)", nullptr, nullptr, nullptr),
            SQLITE_OK);
        sqlite3_close(db);
    }
    QCOMPARE(openReplay({{"path", otherDb}}).message(),
             "source `rep`: `" + otherDb +
                 "` is not a Riffle recording (a .riffle-rec file written by sink.recording)");

    // overwrite = false keeps an existing recording; the default replaces it.
    const std::string existing = path("existing.riffle-rec");
    record(existing, {{timedRow(kT0, 0)}});
    auto refused = openSink(existing, allTypesSchema(), false);
    QCOMPARE(refused.message(), "sink `rec`: `" + existing +
                                    "` already exists; set `overwrite` to true to replace it");
    auto kept = openReplay({{"path", existing}, {"speed", 0.0}});
    QVERIFY2(kept.isOk(), kept.message().c_str());
    QCOMPARE(kept->node.source->poll(*kept->out).state, SourcePoll::State::More);
    QCOMPARE(kept->out->rows(0), size_t(1));
    record(existing, {});
    auto replaced = openReplay({{"path", existing}, {"speed", 0.0}});
    QVERIFY2(replaced.isOk(), replaced.message().c_str());
    QCOMPARE(replaced->node.source->poll(*replaced->out).state, SourcePoll::State::Ended);
    QCOMPARE(replaced->out->rows(0), size_t(0));
}

void TstRecordings::damagedChunkGoesToErrors() {
    const std::string rec = path("damaged.riffle-rec");
    record(rec, {{timedRow(kT0, 0)}, {timedRow(kT0 + 1, 1)}, {timedRow(kT0 + 2, 2)}});
    {
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(rec.c_str(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, "UPDATE events SET data = substr(data, 1, 20) WHERE id = 2",
                              nullptr, nullptr, nullptr),
                 SQLITE_OK);
        sqlite3_close(db);
    }
    auto replay = openReplay({{"path", rec}, {"speed", 0.0}});
    QVERIFY2(replay.isOk(), replay.message().c_str());
    for (int i = 0; i < 10; ++i)
        if (replay->node.source->poll(*replay->out).state == SourcePoll::State::Ended) break;
    QCOMPARE(replay->out->rows(0), size_t(2));
    const auto errors = replay->out->rowValues(replay->out->errorsPort());
    QCOMPARE(errors.size(), size_t(1));
    QCOMPARE(errors[0][3].toString(),
             "chunk 2 of `" + rec + "` is damaged (a chunk is truncated); its events are skipped");
}

void TstRecordings::progressMarkerWaitsForTheNextWrite() {
    // The sink writes every 0.5 s, not per marker: a marker behind unwritten rows is held until
    // they are in the file; one behind nothing new passes at once.
    QTemporaryDir dir;
    const std::string path = dir.filePath("marked.riffle-rec").toStdString();
    auto sink = openSink(path, allTypesSchema());
    QVERIFY2(sink.isOk(), sink.message().c_str());
    CollectingEmitter emitter(sink->context.outputSchemas);
    auto pool = BatchPool::create();
    BatchPtr b = pool->acquire(allTypesSchema());
    const auto row = timedRow(kT0, 1);
    for (size_t c = 0; c < row.size(); ++c) b->appendValue(c, row[c]);
    b->commitRow();
    sink->op->process(0, *b, emitter);
    bool written = false;
    auto marker = std::make_shared<ProgressMarker>([&] { written = true; });
    sink->op->onMarker(marker);
    marker->release();  // the runtime's hold, after onMarker
    QVERIFY(!written);
    sink->op->onTimer(kT0, emitter);
    QVERIFY(written);
    bool again = false;
    auto next = std::make_shared<ProgressMarker>([&] { again = true; });
    sink->op->onMarker(next);
    next->release();
    QVERIFY(again);
    sink->op->finish(emitter);
    sink->op->close();
}

QTEST_GUILESS_MAIN(TstRecordings)
#include "tst_recordings.moc"
