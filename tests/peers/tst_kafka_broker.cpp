// source.kafka and sink.kafka against a real Apache Kafka 4 broker (KRaft, tests/peers/), through
// the real riffle-run binary: three processes of one consumer group share a 6-partition topic and
// one of them is killed with SIGKILL: the other two take over its partitions and every id arrives
// (at-least-once: the ids read twice are counted and printed); a broker restart in the middle of
// a run loses nothing; kcat reads what sink.kafka writes. The mock-cluster tests (tests/app/
// tst_kafka.cpp) keep the fault injection the real broker cannot do.
#include <QtTest/QtTest>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/checkpoint/state_codec.h"
#include "engine/graph/node_instance.h"
#include "engine/runtime/collecting_emitter.h"
#include "nodes/register_builtin_nodes.h"
#include "tests/common/kafka_peer.h"
#include "tests/common/riffle_run_process.h"

using Json = nlohmann::json;
using riffle::test::KafkaCluster;
using riffle::test::KafkaPeer;
using riffle::test::RiffleRun;

namespace {

// source.kafka (group `group`, from the earliest offset, ids and pages; `connection` adds to its
// parameters) -> sink.file NAME.jsonl.
QString readerProject(const QTemporaryDir& dir, const QString& name, const QString& brokers,
                      const QString& topic, const QString& group,
                      const Json& connection = Json::object()) {
    Json source = {{"brokers", brokers.toStdString()},
                   {"topic", topic.toStdString()},
                   {"group", group.toStdString()},
                   {"start", "earliest"},
                   {"schema", {"id int", "page string"}}};
    source.update(connection);
    const Json nodes = Json::array(
        {{{"id", "in"}, {"type", "source.kafka"}, {"params", source}},
         {{"id", "out"},
          {"type", "sink.file"},
          {"params",
           {{"path", dir.filePath(name + ".jsonl").toStdString()}, {"format", "jsonl"}}}}});
    const Json project = {{"format", "riffle-project"},
                          {"version", 1},
                          {"name", name.toStdString()},
                          {"nodes", nodes},
                          {"edges", Json::array({{{"from", "in.out"}, {"to", "out.in"}}})}};
    const QString path = dir.filePath(name + ".riffle");
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    f.write(QByteArray::fromStdString(project.dump(2)));
    return path;
}

// "key\tvalue" lines for ids [from, to): keyed by id, so each id has one partition.
QStringList messages(int from, int to) {
    QStringList out;
    for (int i = from; i < to; ++i)
        out << QStringLiteral("u%1\t{\"id\": %1, \"page\": \"/p/%2\"}").arg(i).arg(i % 7);
    return out;
}

// How often each id was written to the files.
std::map<int64_t, int> idCounts(const QStringList& files) {
    std::map<int64_t, int> counts;
    for (const QString& path : files) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) continue;
        for (const QByteArray& line : f.readAll().split('\n')) {
            // A process killed in the middle of a write may leave half a line at the end.
            const Json j = Json::parse(line.toStdString(), nullptr, false);
            if (!j.is_discarded() && j.contains("id")) ++counts[j["id"].get<int64_t>()];
        }
    }
    return counts;
}

// A sink.kafka node driven by hand, as the runtime drives it: batches of (key, v) rows,
// checkpoints by id (the barrier held until Kafka has every message), restore before open.
class KafkaSinkNode {
public:
    explicit KafkaSinkNode(const Json& params) {
        riffle::registerBuiltinNodes(m_registry);
        auto r = riffle::instantiateNode(*m_registry.find("sink.kafka"), "copy", params,
                                         {{schema()}, {0}});
        if (!r) qFatal("%s", r.message().c_str());
        m_node = std::move(r.value());
        m_out = std::make_unique<riffle::CollectingEmitter>(m_node.context.outputSchemas);
    }
    ~KafkaSinkNode() { m_node.op->close(); }
    // Restores `state` (unless empty) and opens; "" or open()'s message.
    std::string start(const std::string& state = {}) {
        if (!state.empty()) {
            riffle::checkpoint::StateReader r(state);
            if (riffle::Status s = m_node.op->restoreState(r); !s) return s.message();
            if (riffle::Status s = r.finish("the state"); !s) return s.message();
        }
        const riffle::Status s = m_node.op->open();
        return s ? std::string() : s.message();
    }
    // Rows with v = from .. to - 1.
    void write(int from, int to) {
        static auto pool = riffle::BatchPool::create();
        riffle::BatchPtr b = pool->acquire(schema());
        for (int i = from; i < to; ++i) {
            b->column(0).appendTime(1'767'225'600'000'000LL + i * 1000LL);
            b->appendString(1, "k" + std::to_string(i % 7));
            b->column(2).appendInt(i);
            b->commitRow();
        }
        m_node.op->process(0, *b, *m_out);
    }
    std::string checkpoint(int64_t id) {
        riffle::checkpoint::StateWriter w(id);
        m_node.op->snapshotState(w);
        bool released = false;
        auto marker = std::make_shared<riffle::ProgressMarker>([&] { released = true; });
        m_node.op->onMarker(marker);
        marker->release();
        QElapsedTimer t;
        t.start();
        while (!released && t.elapsed() < 30000) {
            m_node.op->onTimer(0, *m_out);
            QTest::qWait(10);
        }
        if (!released) qFatal("the barrier was not released");
        return w.take();
    }
    // The state the runtime keeps when the node finishes (checkpoint id 0).
    std::string finalState() {
        riffle::checkpoint::StateWriter w(0);
        m_node.op->snapshotState(w);
        return w.take();
    }
    void completed(int64_t id) { m_node.op->notifyCheckpointComplete(id); }
    void finish() { m_node.op->finish(*m_out); }

private:
    static riffle::SchemaPtr schema() {
        static const riffle::SchemaPtr s = std::make_shared<const riffle::Schema>(
            riffle::Schema::stream({{"key", riffle::Type::String}, {"v", riffle::Type::Int}}));
        return s;
    }
    riffle::NodeRegistry m_registry;
    riffle::NodeInstance m_node;
    std::unique_ptr<riffle::CollectingEmitter> m_out;
};

// The `v` of every message of `topic` a read_committed consumer gets, sorted. A commit returns
// before the broker has written its markers into every partition, and a partition shows its
// committed messages only then: with `expected`, reads again for up to 10 s until it is that.
std::vector<int64_t> committedValues(const KafkaPeer& kafka, const QString& topic,
                                     const std::vector<int64_t>* expected = nullptr) {
    QElapsedTimer waited;
    waited.start();
    for (;;) {
        std::vector<int64_t> out;
        for (const QString& line : kafka.consumeAll(topic))
            out.push_back(Json::parse(line.toStdString())["v"].get<int64_t>());
        std::sort(out.begin(), out.end());
        if (!expected || out == *expected || waited.elapsed() > 10000) return out;
        QTest::qWait(200);
    }
}
std::vector<int64_t> committedValues(const KafkaPeer& kafka, const QString& topic,
                                     const std::vector<int64_t>& expected) {
    return committedValues(kafka, topic, &expected);
}

std::vector<int64_t> range(int from, int to) {
    std::vector<int64_t> out;
    for (int i = from; i < to; ++i) out.push_back(i);
    return out;
}

// Empty when `ids` (sorted) are 0 .. n - 1, each once; else how they differ.
QString idsDiffer(const std::vector<int64_t>& ids, int64_t n) {
    QStringList twice, missing, extra;
    for (size_t i = 1; i < ids.size(); ++i)
        if (ids[i] == ids[i - 1]) twice << QString::number(ids[i]);
    for (int64_t id = 0, at = 0; id < n; ++id) {
        while (at < static_cast<int64_t>(ids.size()) && ids[static_cast<size_t>(at)] < id) ++at;
        if (at == static_cast<int64_t>(ids.size()) || ids[static_cast<size_t>(at)] != id)
            missing << QString::number(id);
    }
    for (int64_t id : ids)
        if (id < 0 || id >= n) extra << QString::number(id);
    if (twice.isEmpty() && missing.isEmpty() && extra.isEmpty()) return {};
    return QString("%1 ids for 0..%2: twice [%3], missing [%4], outside [%5]")
        .arg(ids.size())
        .arg(n - 1)
        .arg(twice.mid(0, 50).join(' '), missing.mid(0, 50).join(' '), extra.mid(0, 50).join(' '));
}

}  // namespace

class TstKafkaBroker : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        const QString problem = KafkaPeer::prepare();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    // Three riffle-run processes in one group on a 6-partition topic; the one with partitions is
    // killed with SIGKILL halfway. The group gives its partitions to the other two, which read
    // them again from the last committed offsets: every id arrives, at least once.
    void aGroupMemberKilledLosesNothing() {
        KafkaPeer kafka;
        QString problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        problem = kafka.createTopic("clicks", 6);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QTemporaryDir dir;
        QStringList files;
        std::vector<std::unique_ptr<RiffleRun>> runs;
        for (const char* name : {"a", "b", "c"}) {
            runs.push_back(std::make_unique<RiffleRun>(
                QStringList{readerProject(dir, name, kafka.bootstrap(), "clicks", "team")}));
            files << dir.filePath(QString(name) + ".jsonl");
        }
        // Produce until every member has read something (the group is split three ways).
        int produced = 0;
        QElapsedTimer t;
        t.start();
        auto allRead = [&] {
            for (auto& r : runs)
                if (r->handled("in") <= 0) return false;
            return true;
        };
        while (!allRead() && t.elapsed() < 90000) {
            problem = kafka.produce("clicks", messages(produced, produced + 600));
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
            produced += 600;
            QTest::qWait(500);
        }
        QVERIFY2(allRead(), "the three members never all received messages");
        // Kill the first member in the middle of its work, and keep producing.
        runs[0]->crash();
        for (int round = 0; round < 5; ++round) {
            problem = kafka.produce("clicks", messages(produced, produced + 600));
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
            produced += 600;
        }
        // The survivors take over the killed member's partitions (after the group's session
        // timeout) and read on from its last committed offsets.
        t.restart();
        std::map<int64_t, int> counts;
        while (t.elapsed() < 120000) {
            counts = idCounts(files);
            if (static_cast<int>(counts.size()) == produced) break;
            QTest::qWait(500);
        }
        int lost = 0, duplicates = 0;
        for (int i = 0; i < produced; ++i) {
            const auto it = counts.find(i);
            if (it == counts.end())
                ++lost;
            else
                duplicates += it->second - 1;
        }
        for (size_t k = 1; k < runs.size(); ++k) {
            int code = -1;
            runs[k]->stop(code);
            QCOMPARE(code, 0);
        }
        qInfo("%d ids produced, lost %d, read twice %d (at-least-once after the kill)", produced,
              lost, duplicates);
        QCOMPARE(lost, 0);
        QCOMPARE(static_cast<int>(counts.size()), produced);
        QVERIFY(counts.rbegin()->first == produced - 1);
    }

    // Checkpoints make a Kafka run exactly-once (docs/checkpoints.md): source.kafka -> a 5 s
    // tumbling count and every event into files, killed with SIGKILL again and again while ids
    // are produced; each restart continues from the newest checkpoint at its saved offsets. In
    // the end every id is in the file once and every window counted its 500 events once.
    void checkpointsMakeAKilledKafkaRunExactlyOnce() {
        KafkaPeer kafka;
        QString problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        for (const char* topic : {"timed", "copy", "window_copy"}) {
            problem = kafka.createTopic(topic, 3);
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
        }
        QTemporaryDir dir;
        // Event time from the message: id * 10 ms, so the windows hold 500 ids each.
        auto timed = [](int from, int to) {
            QStringList out;
            for (int i = from; i < to; ++i)
                out << QStringLiteral("u%1\t{\"id\": %1, \"ts\": %2}")
                           .arg(i)
                           .arg(1'767'225'600'000LL + i * 10LL);
            return out;
        };
        const Json source = {{"brokers", kafka.bootstrap().toStdString()},
                             {"topic", "timed"},
                             {"group", "g-exactly-once"},
                             {"start", "earliest"},
                             {"schema", {"id int", "ts int"}},
                             {"time_field", "ts"},
                             {"time_format", "epoch_ms"}};
        const Json nodes = Json::array(
            {{{"id", "in"}, {"type", "source.kafka"}, {"params", source}},
             {{"id", "w"},
              {"type", "window.tumbling"},
              {"params",
               {{"size", "5s"},
                {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                            {{"name", "ids"}, {"expr", "COUNT(DISTINCT id)"}}})}}}},
             {{"id", "events"},
              {"type", "sink.file"},
              {"params", {{"path", dir.filePath("events.jsonl").toStdString()}}}},
             {{"id", "windows"},
              {"type", "sink.file"},
              {"params", {{"path", dir.filePath("windows.jsonl").toStdString()}}}},
             // The same two streams into Kafka, in transactions.
             {{"id", "events_kafka"},
              {"type", "sink.kafka"},
              {"params",
               {{"brokers", kafka.bootstrap().toStdString()},
                {"topic", "copy"},
                {"key", "id"},
                {"delivery", "exactly_once"}}}},
             {{"id", "windows_kafka"},
              {"type", "sink.kafka"},
              {"params",
               {{"brokers", kafka.bootstrap().toStdString()},
                {"topic", "window_copy"},
                {"delivery", "exactly_once"}}}}});
        const Json edges = Json::array({{{"from", "in.out"}, {"to", "w.in"}},
                                        {{"from", "in.out"}, {"to", "events.in"}},
                                        {{"from", "w.out"}, {"to", "windows.in"}},
                                        {{"from", "in.out"}, {"to", "events_kafka.in"}},
                                        {{"from", "w.out"}, {"to", "windows_kafka.in"}}});
        const QString path = dir.filePath("exactly_once.riffle");
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(Json{{"format", "riffle-project"},
                                                   {"version", 1},
                                                   {"name", "exactly once"},
                                                   {"nodes", nodes},
                                                   {"edges", edges},
                                                   {"settings", {{"checkpoint_interval", "300ms"}}}}
                                                  .dump(2)));
        }
        const QStringList args = {path, "--checkpoints", dir.filePath("checkpoints.sqlite")};
        int produced = 0, kills = 0;
        for (; produced < 3000; ++kills) {
            problem = kafka.produce("timed", timed(produced, produced + 375));
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
            produced += 375;
            RiffleRun run(args);
            // Killed while it reads, whether or not it got far.
            QVERIFY2(run.waitHandled("in", 1, 90000), qPrintable(run.errorOutput()));
            QTest::qWait(QRandomGenerator::global()->bounded(200, 1500));
            run.crash();
        }
        // Thirty later ids, keyed so that every partition gets some, move every partition's
        // watermark past the last window, so all six fire.
        QStringList late;
        for (int k = 0; k < 30; ++k)
            late << QStringLiteral("u%1\t{\"id\": %2, \"ts\": %3}")
                        .arg(k)
                        .arg(5000 + k)
                        .arg(1'767'225'700'000LL);
        problem = kafka.produce("timed", late);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        RiffleRun last(args);
        QElapsedTimer t;
        t.start();
        auto windowRows = [&] {
            QStringList rows;
            QFile f(dir.filePath("windows.jsonl"));
            if (f.open(QIODevice::ReadOnly))
                for (const QByteArray& line : f.readAll().split('\n'))
                    if (!line.isEmpty()) rows << QString::fromUtf8(line);
            return rows;
        };
        while (t.elapsed() < 120000 && windowRows().size() < 6) QTest::qWait(300);
        int code = -1;
        last.stop(code);
        QCOMPARE(code, 0);
        QVERIFY2(last.err().contains("resumed from checkpoint"), qPrintable(last.err()));
        const auto counts = idCounts({dir.filePath("events.jsonl")});
        int lost = 0, duplicates = 0;
        for (int i = 0; i < produced; ++i) {
            const auto it = counts.find(i);
            if (it == counts.end())
                ++lost;
            else
                duplicates += it->second - 1;
        }
        qInfo("%d ids produced, killed %d times: lost %d, duplicates %d", produced, kills, lost,
              duplicates);
        QCOMPARE(lost, 0);
        QCOMPARE(duplicates, 0);
        const QStringList rows = windowRows();
        QCOMPARE(rows.size(), 6);
        for (const QString& row : rows) {
            const Json j = Json::parse(row.toStdString());
            QCOMPARE(j["n"].get<int64_t>(), 500);
            QCOMPARE(j["ids"].get<int64_t>(), 500);
        }
        // What a read_committed consumer of the Kafka copies sees: each id once, each window
        // once, whatever the aborted transactions of the killed runs held.
        std::map<int64_t, int> copied;
        for (const QString& line : kafka.consumeAll("copy")) {
            const Json j = Json::parse(line.toStdString(), nullptr, false);
            QVERIFY2(!j.is_discarded() && j.contains("id"), qPrintable(line));
            ++copied[j["id"].get<int64_t>()];
        }
        int copyLost = 0, copyDuplicates = 0;
        for (int i = 0; i < produced; ++i) {
            const auto it = copied.find(i);
            if (it == copied.end()) {
                if (copyLost++ == 0) qInfo("sink.kafka: id %d is missing", i);
            } else
                copyDuplicates += it->second - 1;
        }
        qInfo(
            "sink.kafka, read committed: lost %d, duplicates %d (read uncommitted: %lld messages)",
            copyLost, copyDuplicates,
            static_cast<long long>(kafka.consumeAll("copy", false, true).size()));
        QCOMPARE(copyLost, 0);
        QCOMPARE(copyDuplicates, 0);
        const QStringList windowCopies = kafka.consumeAll("window_copy");
        QCOMPARE(windowCopies.size(), 6);
        for (const QString& row : windowCopies) {
            const Json j = Json::parse(row.toStdString());
            QCOMPARE(j["n"].get<int64_t>(), 500);
        }
    }

    // sink.kafka with `delivery: exactly_once`, restored from one checkpoint three times: the
    // checkpoint keeps the messages of the transaction it closes, written again only when that
    // transaction never committed (a crash between the checkpoint and its commit), not when it
    // did, and not at all when the run it continues had ended.
    void aRestoredKafkaSinkWritesItsTransactionAgainOnlyIfItNeverCommitted() {
        KafkaPeer kafka;
        QString problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        problem = kafka.createTopic("copy", 2);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        const Json params = {{"brokers", kafka.bootstrap().toStdString()},
                             {"topic", "copy"},
                             {"key", "key"},
                             {"delivery", "exactly_once"}};
        std::string saved;
        {
            KafkaSinkNode sink(params);
            QCOMPARE(sink.start(), std::string());
            (void)sink.checkpoint(1);  // the run's initial checkpoint
            sink.completed(1);
            sink.write(0, 100);
            saved = sink.checkpoint(2);  // durable, and then the run dies before the commit
            sink.write(100, 150);        // for the next transaction: never written
        }
        QCOMPARE(committedValues(kafka, "copy"), std::vector<int64_t>{});
        QCOMPARE(kafka.consumeAll("copy", false, true).size(), qsizetype(100));  // aborted
        {
            KafkaSinkNode sink(params);
            QCOMPARE(sink.start(saved), std::string());  // never committed: written again
            QCOMPARE(committedValues(kafka, "copy", range(0, 100)), range(0, 100));
        }
        {
            KafkaSinkNode sink(params);
            QCOMPARE(sink.start(saved), std::string());  // committed now: not again
            sink.write(100, 130);
            sink.finish();  // every source ended: committed, marked as the end
            QCOMPARE(committedValues(kafka, "copy", range(0, 130)), range(0, 130));
        }
        KafkaSinkNode sink(params);
        QCOMPARE(sink.start(saved), std::string());
        sink.write(100, 130);  // the replay of what the ended run wrote
        sink.finish();
        QCOMPARE(committedValues(kafka, "copy", range(0, 130)), range(0, 130));
    }

    // A stop: its checkpoint's barrier seals the transaction, the source still sends a few
    // rows, and the runtime takes the sink's final state (id 0) when it finishes, before the
    // checkpoint completes. Only what the checkpoint holds commits; the rows after its barrier
    // come again from the source in the next run. (The final state once put them into the
    // sealed transaction: an id committed twice now and then when a run was stopped.)
    void aStoppedKafkaSinkCommitsOnlyWhatItsCheckpointHolds() {
        KafkaPeer kafka;
        QString problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        problem = kafka.createTopic("copy", 1);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        KafkaSinkNode sink({{"brokers", kafka.bootstrap().toStdString()},
                            {"topic", "copy"},
                            {"delivery", "exactly_once"}});
        QCOMPARE(sink.start(), std::string());
        (void)sink.checkpoint(1);
        sink.completed(1);
        sink.write(0, 50);
        (void)sink.checkpoint(2);  // the stop's
        sink.write(50, 60);        // read after the stop's barrier
        (void)sink.finalState();
        sink.completed(2);
        QCOMPARE(committedValues(kafka, "copy", range(0, 50)), range(0, 50));
    }

    // sink.kafka with `delivery: exactly_once` and checkpoints an hour apart: while it runs, a
    // read_committed consumer sees nothing of what it wrote (a read_uncommitted one does); the
    // stop's checkpoint commits every message, once; the next run, continuing from that
    // checkpoint, writes none of them again.
    void exactlyOnceKafkaIsReadableWhenItsCheckpointCompletes() {
        KafkaPeer kafka;
        QString problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        problem = kafka.createTopic("txn", 2);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QTemporaryDir dir;
        {
            // Numbered events 10 ms apart, read at 4x: 400 a second.
            QFile f(dir.filePath("ids.csv"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("id,ts\n");
            for (int i = 0; i < 20000; ++i)
                f.write(
                    QStringLiteral("%1,%2\n").arg(i).arg(1'767'225'600'000LL + i * 10LL).toUtf8());
        }
        const Json project = {
            {"format", "riffle-project"},
            {"version", 1},
            {"settings", {{"checkpoint_interval", "1h"}}},
            {"nodes", Json::array({{{"id", "clicks"},
                                    {"type", "source.file"},
                                    {"params",
                                     {{"path", "ids.csv"},
                                      {"time_field", "ts"},
                                      {"time_format", "epoch_ms"},
                                      {"speed", 4},
                                      {"batch_rows", 20}}}},
                                   {{"id", "kafka"},
                                    {"type", "sink.kafka"},
                                    {"params",
                                     {{"brokers", kafka.bootstrap().toStdString()},
                                      {"topic", "txn"},
                                      {"delivery", "exactly_once"}}}}})},
            {"edges", Json::array({{{"from", "clicks.out"}, {"to", "kafka.in"}}})}};
        const QString path = dir.filePath("txn.riffle");
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(project.dump(2)));
        }
        const QStringList args = {path, "--checkpoints", dir.filePath("checkpoints.sqlite")};
        // The ids a read_committed consumer sees, sorted.
        auto committedIds = [&] {
            std::vector<int64_t> ids;
            for (const QString& line : kafka.consumeAll("txn"))
                ids.push_back(Json::parse(line.toStdString())["id"].get<int64_t>());
            std::sort(ids.begin(), ids.end());
            return ids;
        };
        int64_t written = 0;
        for (int runs = 1; runs <= 2; ++runs) {
            RiffleRun run(args);
            QVERIFY2(run.waitHandled("clicks", 400, 90000), qPrintable(run.errorOutput()));
            QTest::qWait(500);
            QCOMPARE(kafka.consumeAll("txn").size(), written);
            {
                // A read_uncommitted consumer gets more (up to the end it cannot wait for, as
                // the run goes on writing).
                QProcess kcat;
                kcat.start("kcat", {"-b", kafka.bootstrap(), "-C", "-t", "txn", "-o", "beginning",
                                    "-c", QString::number(written + 100), "-q", "-X",
                                    "isolation.level=read_uncommitted"});
                QVERIFY(kcat.waitForFinished(30000));
                QCOMPARE(kcat.readAllStandardOutput().count('\n'), written + 100);
            }
            int code = -1;
            const Json report = run.stop(code);
            QCOMPARE(code, 0);
            int64_t emitted = -1;
            for (const auto& n : report["nodes"])
                if (n["id"] == "clicks") emitted = n["out"].get<int64_t>();
            QVERIFY(emitted >= 400);
            // Every id once, from 0, this run's continuing where the last one's committed ones
            // end: 0 .. n - 1. The source may read one more batch (20 rows) after the stop's
            // checkpoint; those are not committed (the next run reads them again).
            // (Read again for a while when a partition does not show the last commit yet: the
            // broker writes its markers after the commit returns.)
            std::vector<int64_t> ids = committedIds();
            QElapsedTimer waited;
            waited.start();
            while (static_cast<int64_t>(ids.size()) < written + emitted - 20 &&
                   waited.elapsed() < 10000) {
                QTest::qWait(200);
                ids = committedIds();
            }
            const auto n = static_cast<int64_t>(ids.size());
            const QString differ = idsDiffer(ids, n);
            QVERIFY2(differ.isEmpty() && n <= written + emitted && n >= written + emitted - 20,
                     qPrintable(QString("run %1 read %2 after %3: %4\n%5")
                                    .arg(runs)
                                    .arg(emitted)
                                    .arg(written)
                                    .arg(differ, run.errorOutput())));
            written = n;
        }
    }

    // The broker stops (SIGTERM) and starts again on the same data in the middle of a run: the
    // reader reconnects by itself and every id before and after arrives.
    void aBrokerRestartLosesNothing() {
        KafkaPeer kafka;
        QString problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        problem = kafka.createTopic("events", 3);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(kafka.produce("events", messages(0, 500)).isEmpty());
        QTemporaryDir dir;
        RiffleRun run({readerProject(dir, "restart", kafka.bootstrap(), "events", "g-restart")});
        QVERIFY(run.waitHandled("in", 500, 90000));
        kafka.stop();
        QTest::qWait(2000);
        problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        problem = kafka.produce("events", messages(500, 1000));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY2(run.waitHandled("in", 1000, 120000), "events after the restart did not arrive");
        int code = -1;
        run.stop(code);
        QCOMPARE(code, 0);
        const auto counts = idCounts({dir.filePath("restart.jsonl")});
        for (int i = 0; i < 1000; ++i)
            QVERIFY2(counts.count(i), qPrintable(QStringLiteral("lost id %1").arg(i)));
    }

    // A three-node cluster (topics replicated three times, min.insync.replicas 2): source.kafka
    // -> sink.kafka in one riffle-run while ids are produced, and the broker leading a partition
    // of the input is killed with SIGKILL halfway. Its partitions get new leaders, the reader
    // and the idempotent writer go on with them, and every id arrives in the output topic.
    void aLeaderFailoverLosesNothing() {
        KafkaCluster kafka;
        QString problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        for (const char* topic : {"orders", "copied"}) {
            problem = KafkaPeer::createTopicOn(kafka.bootstrap(), topic, 3, 3);
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
        }
        const std::string brokers = kafka.bootstrap().toStdString();
        const Json project = {
            {"format", "riffle-project"},
            {"version", 1},
            {"name", "copy"},
            {"nodes",
             Json::array(
                 {{{"id", "in"},
                   {"type", "source.kafka"},
                   {"params",
                    {{"brokers", brokers},
                     {"topic", "orders"},
                     {"group", "g-failover"},
                     {"start", "earliest"},
                     {"schema", {"id int", "page string"}}}}},
                  {{"id", "out"},
                   {"type", "sink.kafka"},
                   {"params",
                    {{"brokers", brokers}, {"topic", "copied"}, {"key", "CAST(id AS STRING)"}}}}})},
            {"edges", Json::array({{{"from", "in.out"}, {"to", "out.in"}}})}};
        QTemporaryDir dir;
        const QString path = dir.filePath("copy.riffle");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(project.dump(2)));
        f.close();
        RiffleRun run({path});
        QVERIFY(KafkaPeer::produceTo(kafka.bootstrap(), "orders", messages(0, 1000)).isEmpty());
        QVERIFY2(run.waitHandled("in", 1000, 90000), qPrintable(run.errorOutput()));
        const int leader = kafka.leader("orders", 0);
        QVERIFY2(leader > 0, "no leader for partition 0 of orders");
        kafka.node(leader).crash();
        problem = KafkaPeer::produceTo(kafka.bootstrap(), "orders", messages(1000, 2000));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY2(run.waitHandled("in", 2000, 120000), qPrintable(run.errorOutput()));
        const int newLeader = kafka.leader("orders", 0);
        QVERIFY2(newLeader > 0 && newLeader != leader,
                 qPrintable(QStringLiteral("partition 0 led by %1 after %2 was killed")
                                .arg(newLeader)
                                .arg(leader)));
        // What the writer wrote, read committed by kcat from the two brokers left.
        std::map<int64_t, int> counts;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 120000) {
            counts.clear();
            for (const QString& line : KafkaPeer::consumeAllFrom(kafka.bootstrap(), "copied")) {
                const Json j = Json::parse(line.toStdString(), nullptr, false);
                if (!j.is_discarded() && j.contains("id")) ++counts[j["id"].get<int64_t>()];
            }
            if (counts.size() == 2000) break;
            QTest::qWait(1000);
        }
        int code = -1;
        run.stop(code);
        QCOMPARE(code, 0);
        int lost = 0, duplicates = 0;
        for (int i = 0; i < 2000; ++i) {
            const auto it = counts.find(i);
            if (it == counts.end())
                ++lost;
            else
                duplicates += it->second - 1;
        }
        qInfo(
            "broker %d (leader of orders/0) killed, broker %d leads it now: 2000 ids, lost %d, "
            "written twice %d",
            leader, newLeader, lost, duplicates);
        QCOMPARE(lost, 0);
        QCOMPARE(static_cast<int>(counts.size()), 2000);
    }

    // Scale-out: three processes of one group on a topic keyed by the window's group key give,
    // together, exactly the window results of one process reading the whole topic.
    void threeProcessesGiveTheWindowsOfOne() {
        KafkaPeer kafka;
        QString problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(kafka.createTopic("views", 6).isEmpty());
        QTemporaryDir dir;
        auto project = [&](const QString& name, const QString& group) {
            const Json nodes = Json::array(
                {{{"id", "in"},
                  {"type", "source.kafka"},
                  {"params",
                   {{"brokers", kafka.bootstrap().toStdString()},
                    {"topic", "views"},
                    {"group", group.toStdString()},
                    {"start", "earliest"},
                    {"schema", {"ts int", "page string", "ms int"}},
                    {"time_field", "ts"},
                    {"time_format", "epoch_ms"},
                    // Longer than the whole stream: every window fires at the end, so the
                    // comparison is about how the keys are shared, not about watermarks
                    // (aPartitionReadLaterIsNotLate checks those).
                    {"max_out_of_orderness", "120s"}}}},
                 {{"id", "per_page"},
                  {"type", "window.tumbling"},
                  {"params",
                   {{"size", "5s"},
                    {"group_by", {"page"}},
                    {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                                {{"name", "total"}, {"expr", "SUM(ms)"}}})}}}},
                 {{"id", "out"},
                  {"type", "sink.file"},
                  {"params",
                   {{"path", dir.filePath(name + ".jsonl").toStdString()}, {"format", "jsonl"}}}}});
            // Without checkpoints: the stop at the end fires the open windows.
            const Json p = {{"format", "riffle-project"},
                            {"version", 1},
                            {"nodes", nodes},
                            {"edges", Json::array({{{"from", "in.out"}, {"to", "per_page.in"}},
                                                   {{"from", "per_page.out"}, {"to", "out.in"}}})},
                            {"settings", {{"checkpoint_interval", 0}}}};
            const QString path = dir.filePath(name + ".riffle");
            QFile f(path);
            if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
            f.write(QByteArray::fromStdString(p.dump(2)));
            return path;
        };
        auto windows = [&](const QStringList& names) {
            std::map<std::string, std::string> rows;  // page + window_start -> n, total
            for (const QString& name : names) {
                QFile f(dir.filePath(name + ".jsonl"));
                if (!f.open(QIODevice::ReadOnly)) continue;
                for (const QByteArray& line : f.readAll().split('\n')) {
                    if (line.trimmed().isEmpty()) continue;
                    const Json j = Json::parse(line.toStdString());
                    const std::string key =
                        j["page"].get<std::string>() + " " + j["window_start"].get<std::string>();
                    if (rows.count(key)) rows[key] += " DUPLICATE";
                    rows[key] += j["n"].dump() + " " + j["total"].dump();
                }
            }
            return rows;
        };
        // Three processes share the topic. The group settles before anything is produced: a
        // rebalance in the middle of the stream would hand uncommitted events to a second member
        // (at-least-once), which would count them in its windows too.
        std::vector<std::unique_ptr<RiffleRun>> three;
        for (const char* name : {"a", "b", "c"})
            three.push_back(std::make_unique<RiffleRun>(QStringList{project(name, "g-three")}));
        QTest::qWait(10000);
        // Keyed by page: every page lives in one partition. Event times in order, 10 ms apart.
        QStringList lines;
        for (int i = 0; i < 6000; ++i)
            lines << QStringLiteral("/p/%1\t{\"ts\": %2, \"page\": \"/p/%1\", \"ms\": %3}")
                         .arg(i % 12)
                         .arg(1767225600000LL + i * 10)
                         .arg((i * 31) % 1000);
        QVERIFY(kafka.produce("views", lines).isEmpty());
        QElapsedTimer t;
        t.start();
        auto total = [&] {
            int64_t sum = 0;
            for (auto& r : three) sum += std::max<int64_t>(0, r->handled("in"));
            return sum;
        };
        while (total() < 6000 && t.elapsed() < 120000) QTest::qWait(200);
        for (auto& r : three) {
            int code = -1;
            r->stop(code);
            QCOMPARE(code, 0);
        }
        // One process reads the whole topic.
        {
            RiffleRun one({project("one", "g-one")});
            QVERIFY(one.waitHandled("in", 6000, 120000));
            int code = -1;
            one.stop(code);
            QCOMPARE(code, 0);
        }
        const auto single = windows({"one"});
        const auto shared = windows({"a", "b", "c"});
        QCOMPARE(single.size(), size_t(12 * 12));  // 12 pages, 60 s in 5 s windows
        int readers = 0;
        for (const char* name : {"a", "b", "c"}) readers += !windows({name}).empty();
        QVERIFY2(readers >= 2, "the topic was not shared");
        QCOMPARE(shared, single);
    }

    // One process reads a 6-partition backlog: librdkafka hands over one partition's messages
    // before another's, so the watermark must follow each partition (the slowest), not the
    // newest event of all. With the default 2 s out-of-orderness every window is whole.
    void aPartitionReadLaterIsNotLate() {
        KafkaPeer kafka;
        QString problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(kafka.createTopic("backlog", 6).isEmpty());
        QStringList lines;
        for (int i = 0; i < 6000; ++i)
            lines << QStringLiteral("/p/%1\t{\"ts\": %2, \"page\": \"/p/%1\"}")
                         .arg(i % 12)
                         .arg(1767225600000LL + i * 10);
        QVERIFY(kafka.produce("backlog", lines).isEmpty());
        QTemporaryDir dir;
        const Json nodes = Json::array(
            {{{"id", "in"},
              {"type", "source.kafka"},
              {"params",
               {{"brokers", kafka.bootstrap().toStdString()},
                {"topic", "backlog"},
                {"group", "g-backlog"},
                {"start", "earliest"},
                {"schema", {"ts int", "page string"}},
                {"time_field", "ts"},
                {"time_format", "epoch_ms"}}}},
             {{"id", "per_page"},
              {"type", "window.tumbling"},
              {"params",
               {{"size", "5s"},
                {"group_by", {"page"}},
                {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}}})}}}},
             {{"id", "out"},
              {"type", "sink.file"},
              {"params", {{"path", dir.filePath("w.jsonl").toStdString()}, {"format", "jsonl"}}}}});
        // Without checkpoints: the stop at the end fires the open windows.
        const Json project = {
            {"format", "riffle-project"},
            {"version", 1},
            {"nodes", nodes},
            {"edges", Json::array({{{"from", "in.out"}, {"to", "per_page.in"}},
                                   {{"from", "per_page.out"}, {"to", "out.in"}}})},
            {"settings", {{"checkpoint_interval", 0}}}};
        const QString path = dir.filePath("backlog.riffle");
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(project.dump(2)));
        }
        RiffleRun run({path});
        QVERIFY(run.waitHandled("in", 6000, 120000));
        int code = -1;
        const Json result = run.stop(code);
        QCOMPARE(code, 0);
        int64_t late = -1;
        for (const auto& n : result["nodes"])
            if (n["id"] == "per_page") late = n["late"].get<int64_t>();
        QCOMPARE(late, int64_t(0));
        QFile f(dir.filePath("w.jsonl"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        int rows = 0;
        int64_t counted = 0;
        for (const QByteArray& line : f.readAll().split('\n')) {
            if (line.trimmed().isEmpty()) continue;
            ++rows;
            counted += Json::parse(line.toStdString())["n"].get<int64_t>();
        }
        QCOMPARE(rows, 12 * 12);  // 12 pages, 60 s in 5 s windows
        QCOMPARE(counted, int64_t(6000));
    }

    // sink.kafka writes what kcat reads back: 1000 generated clicks, one JSON object each.
    // SASL/PLAIN and SSL against a broker configured for them: Riffle reads every message over
    // SASL (the password from the environment), reads and writes every message over SSL trusting
    // the broker's self-signed certificate through `ca_file`; a wrong password and an untrusted
    // certificate say so on the node's link instead of reading anything.
    void saslAndSslCarryEveryMessage() {
        KafkaPeer kafka;
        kafka.withSecuredListeners();
        QString problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        for (const char* topic : {"events", "copied"})
            QVERIFY(kafka.createTopic(topic, 3).isEmpty());
        QVERIFY(kafka.produce("events", messages(0, 500)).isEmpty());
        QTemporaryDir dir;
        qputenv("RIFFLE_TEST_KAFKA_PASSWORD", "riffle-secret");
        qputenv("RIFFLE_TEST_WRONG_PASSWORD", "not-the-secret");
        const Json sasl = {{"security_protocol", "sasl_plaintext"},
                           {"username", "riffle"},
                           {"password", "${env:RIFFLE_TEST_KAFKA_PASSWORD}"}};
        {
            RiffleRun run(
                {readerProject(dir, "sasl", kafka.saslBootstrap(), "events", "g-sasl", sasl)});
            QVERIFY2(run.waitHandled("in", 500, 90000), qPrintable(run.errorOutput()));
            int code = -1;
            run.stop(code);
            QCOMPARE(code, 0);
            QCOMPARE(idCounts({dir.filePath("sasl.jsonl")}).size(), size_t{500});
        }
        // The same over SSL, into another topic over SSL.
        const QString copier = readerProject(
            dir, "ssl", kafka.sslBootstrap(), "events", "g-ssl",
            {{"security_protocol", "ssl"}, {"ca_file", kafka.caFile().toStdString()}});
        {
            QFile f(copier);
            QVERIFY(f.open(QIODevice::ReadWrite));
            Json project = Json::parse(f.readAll().toStdString());
            project["nodes"][1] = {{"id", "out"},
                                   {"type", "sink.kafka"},
                                   {"params",
                                    {{"brokers", kafka.sslBootstrap().toStdString()},
                                     {"topic", "copied"},
                                     {"security_protocol", "ssl"},
                                     {"ca_file", kafka.caFile().toStdString()}}}};
            f.resize(0);
            f.write(QByteArray::fromStdString(project.dump(2)));
        }
        {
            RiffleRun run({copier});
            QVERIFY2(run.waitHandled("in", 500, 90000), qPrintable(run.errorOutput()));
            int code = -1;
            run.stop(code);
            QCOMPARE(code, 0);
        }
        std::set<int64_t> copied;
        for (const QString& line : kafka.consumeAll("copied"))
            copied.insert(Json::parse(line.toStdString())["id"].get<int64_t>());
        QCOMPARE(copied.size(), size_t{500});

        // What a user sees when the secret or the trust is wrong: the reason on the link.
        // The node's link reason once it says `expected` (or the last one within 30 s).
        auto linkReasonOf = [&](const QString& project, const QString& expected) {
            RiffleRun run({project});
            QString reason;
            QElapsedTimer t;
            t.start();
            while (t.elapsed() < 30000 && !reason.contains(expected)) {
                QTest::qWait(200);
                const Json in = run.latest("in");
                if (!in.is_null() && in.value("link", "") == "connecting")
                    reason = QString::fromStdString(in.value("link_reason", ""));
            }
            if (run.handled("in") > 0) reason = "it read messages: " + reason;
            run.crash();
            return reason;
        };
        Json wrong = sasl;
        wrong["password"] = "${env:RIFFLE_TEST_WRONG_PASSWORD}";
        QString reason = linkReasonOf(
            readerProject(dir, "wrong", kafka.saslBootstrap(), "events", "g-wrong", wrong),
            "Authentication failed");
        QVERIFY2(reason.contains("Authentication failed"), qPrintable(reason));
        QVERIFY2(!reason.contains("not-the-secret"), qPrintable(reason));
        qInfo("a wrong password: %s", qPrintable(reason));
        reason = linkReasonOf(readerProject(dir, "untrusted", kafka.sslBootstrap(), "events",
                                            "g-untrusted", {{"security_protocol", "ssl"}}),
                              "set the node's `ca_file`");
        QVERIFY2(reason.contains("certificate verify failed"), qPrintable(reason));
        QVERIFY2(reason.contains("[Riffle: set the node's `ca_file` to the PEM file"),
                 qPrintable(reason));
        qInfo("no ca_file: %s", qPrintable(reason));
    }

    void kcatReadsWhatRiffleWrites() {
        KafkaPeer kafka;
        QString problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        problem = kafka.createTopic("out", 2);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QTemporaryDir dir;
        const Json project = {
            {"format", "riffle-project"},
            {"version", 1},
            {"nodes",
             Json::array(
                 {{{"id", "clicks"},
                   {"type", "source.clickstream"},
                   {"params", {{"rate", 0}, {"limit", 1000}, {"seed", 7}}}},
                  {{"id", "kafka"},
                   {"type", "sink.kafka"},
                   {"params", {{"brokers", kafka.bootstrap().toStdString()}, {"topic", "out"}}}}})},
            {"edges", Json::array({{{"from", "clicks.out"}, {"to", "kafka.in"}}})}};
        const QString path = dir.filePath("to_kafka.riffle");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(project.dump(2)));
        f.close();
        QProcess run;
        run.start(RIFFLE_RUN_BIN, {path});
        QVERIFY(run.waitForFinished(120000));
        QVERIFY2(run.exitCode() == 0, run.readAllStandardError().constData());
        const QStringList lines = kafka.consumeAll("out");
        QCOMPARE(lines.size(), 1000);
        std::set<std::string> users;
        for (const QString& line : lines) {
            const Json j = Json::parse(line.toStdString(), nullptr, false);
            QVERIFY2(!j.is_discarded() && j.contains("page") && j.contains("user_id"),
                     qPrintable(line));
            users.insert(j["user_id"].dump());
        }
        QVERIFY(users.size() > 10);
    }
};

QTEST_GUILESS_MAIN(TstKafkaBroker)
#include "tst_kafka_broker.moc"
