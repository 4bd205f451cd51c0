// source.kafka and sink.kafka against librdkafka's mock cluster (a real Kafka protocol peer on
// loopback ports, started and stopped by each test) through the real riffle-run binary: every
// message id arrives, message metadata is set, malformed messages are counted on `errors`,
// consumer groups share partitions, a broker outage loses nothing, the sink writes keys and
// timestamps, kcat interoperates, and a dead broker shows "connecting" without a hang.
#include <QtTest/QtTest>

#include <signal.h>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/graph/graph_validator.h"
#include "engine/graph/project.h"
#include "engine/runtime/executor.h"
#include "nodes/connectors/kafka_mock_cluster.h"
#include "nodes/register_builtin_nodes.h"
#include "tests/common/riffle_run_process.h"

using Json = nlohmann::json;
using riffle::KafkaMockCluster;
using riffle::KafkaTestMessage;
using riffle::test::RiffleRun;

namespace {

constexpr int64_t kBaseMs = 1767225600000;  // 2026-01-01T00:00:00Z

std::unique_ptr<KafkaMockCluster> newCluster() {
    auto c = KafkaMockCluster::create(3);
    if (!c) qFatal("%s", c.message().c_str());
    return std::move(c.value());
}

Json kafkaSource(const std::string& brokers, const std::string& topic, const std::string& group) {
    return {{"id", "in"},
            {"type", "source.kafka"},
            {"params",
             {{"brokers", brokers},
              {"topic", topic},
              {"group", group},
              {"start", "earliest"},
              {"schema", {"id int", "page string"}},
              {"time_field", "timestamp"}}}};
}

Json fileSink(const std::string& id, const std::string& path) {
    return {{"id", id}, {"type", "sink.file"}, {"params", {{"path", path}, {"format", "jsonl"}}}};
}

QString writeProject(const QTemporaryDir& dir, const QString& name, const Json& nodes,
                     const Json& edges, const Json& settings = Json::object()) {
    const Json p = {{"format", "riffle-project"},
                    {"version", 1},
                    {"name", name.toStdString()},
                    {"nodes", nodes},
                    {"edges", edges},
                    {"settings", settings}};
    const QString path = dir.filePath(name + ".riffle");
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    f.write(QByteArray::fromStdString(p.dump(2)));
    return path;
}

// source.kafka `in` -> sink.file out.jsonl, its errors -> errors.jsonl.
QString readerProject(const QTemporaryDir& dir, const QString& name, const std::string& brokers,
                      const std::string& topic, const std::string& group,
                      const Json& settings = Json::object()) {
    return writeProject(
        dir, name,
        Json::array({kafkaSource(brokers, topic, group),
                     fileSink("out", dir.filePath(name + "_out.jsonl").toStdString()),
                     fileSink("bad", dir.filePath(name + "_errors.jsonl").toStdString())}),
        Json::array(
            {{{"from", "in.out"}, {"to", "out.in"}}, {{"from", "in.errors"}, {"to", "bad.in"}}}),
        settings);
}

std::vector<Json> readJsonl(const QString& path) {
    std::vector<Json> rows;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return rows;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (!line.trimmed().isEmpty()) rows.push_back(Json::parse(line.toStdString()));
    return rows;
}

KafkaTestMessage msg(int id, int partition = -1) {
    KafkaTestMessage m;
    m.value = Json{{"id", id}, {"page", "/p/" + std::to_string(id % 7)}}.dump();
    m.key = "k" + std::to_string(id);
    m.hasKey = true;
    m.partition = partition;
    m.timestampMs = kBaseMs + id;
    return m;
}

std::vector<KafkaTestMessage> msgs(int from, int to, int partitions = 0) {
    std::vector<KafkaTestMessage> out;
    for (int i = from; i < to; ++i) out.push_back(msg(i, partitions ? i % partitions : -1));
    return out;
}

Json nodeResult(const Json& result, const std::string& id) {
    for (const auto& n : result["nodes"])
        if (n["id"] == id) return n;
    return {};
}

std::multiset<int64_t> idsOf(const std::vector<Json>& rows) {
    std::multiset<int64_t> ids;
    for (const auto& r : rows) ids.insert(r["id"].get<int64_t>());
    return ids;
}

}  // namespace

class TstKafka : public QObject {
    Q_OBJECT
private slots:
    void readsEveryMessageWithMetadataAndCountsMalformed();
    void consumerGroupSharesPartitions();
    void brokerDownAndUpLosesNothing();
    void offsetsAreCommittedOnlyOnceTheSinksWroteTheRows();
    void sinkWritesKeysAndTimestamps();
    void kcatInteroperates();
    void deadBrokerShowsConnectingAndStops();
};

void TstKafka::readsEveryMessageWithMetadataAndCountsMalformed() {
    auto kc = newCluster();
    QVERIFY(kc->createTopic("clicks", 3));
    QVERIFY2(kc->produce("clicks", msgs(0, 300)).isOk(), kc->lastError().c_str());
    // The corpus of malformed messages, after the good ones, in partition 1.
    std::vector<KafkaTestMessage> bad;
    for (const std::string& v :
         {std::string(R"({"id": 5, "page": "/tr)"), std::string("{\"id\":1,\"page\":\"\xff\xfe\"}"),
          std::string(R"({"id":"many","page":"/x"})"), std::string()}) {
        KafkaTestMessage m;
        m.value = v;
        m.partition = 1;
        bad.push_back(m);
    }
    QVERIFY2(kc->produce("clicks", bad).isOk(), kc->lastError().c_str());
    QVERIFY2(kc->produce("clicks", msgs(300, 400)).isOk(), kc->lastError().c_str());
    // The 10 MB message in a topic of its own (the mock cluster keeps only about 5 MB per
    // partition, so it would push older messages out); `topic` takes both.
    QVERIFY(kc->createTopic("big", 1));
    KafkaTestMessage big;
    big.value = R"({"id":7,"page":")" + std::string(10 * 1024 * 1024, 'x') + R"("})";
    QVERIFY2(kc->produce("big", {big}).isOk(), kc->lastError().c_str());

    QTemporaryDir dir;
    const QString project = readerProject(dir, "read", kc->bootstraps(), "clicks, big", "g1");
    RiffleRun run({project});
    QVERIFY2(run.waitHandled("in", 405),
             ("riffle-run read " + std::to_string(run.handled("in")) + " of 405 messages").c_str());
    int code = 0;
    const Json result = run.stop(code);
    QCOMPARE(code, 0);
    QCOMPARE(nodeResult(result, "in")["out"].get<int64_t>(), 400);
    QCOMPARE(nodeResult(result, "in")["errors"].get<int64_t>(), 5);

    const auto rows = readJsonl(dir.filePath("read_out.jsonl"));
    QCOMPARE(rows.size(), size_t(400));
    std::set<int64_t> ids;
    std::set<int64_t> partitions;
    for (const auto& r : rows) {
        const int64_t id = r["id"].get<int64_t>();
        QVERIFY2(ids.insert(id).second, ("id read twice: " + std::to_string(id)).c_str());
        QCOMPARE(r["key"].get<std::string>(), "k" + std::to_string(id));
        QCOMPARE(r["topic"].get<std::string>(), std::string("clicks"));
        QCOMPARE(r["page"].get<std::string>(), "/p/" + std::to_string(id % 7));
        QVERIFY(r["offset"].get<int64_t>() >= 0);
        partitions.insert(r["partition"].get<int64_t>());
        // time_field `timestamp`: the event time is Kafka's timestamp (kBaseMs + id).
        QCOMPARE(r["timestamp"], r["_time"]);
        QCOMPARE(QDateTime::fromString(QString::fromStdString(r["_time"].get<std::string>()),
                                       Qt::ISODateWithMs)
                     .toMSecsSinceEpoch(),
                 kBaseMs + id);
    }
    QCOMPARE(ids.size(), size_t(400));
    QCOMPARE(*ids.begin(), 0);
    QCOMPARE(*ids.rbegin(), 399);
    QCOMPARE(partitions, (std::set<int64_t>{0, 1, 2}));

    const auto errorRows = readJsonl(dir.filePath("read_errors.jsonl"));
    const Json errors = errorRows;
    QCOMPARE(errors.size(), size_t(5));
    std::vector<std::string> reasons;
    for (const auto& e : errors) {
        reasons.push_back(e["error"].get<std::string>());
        QCOMPARE(e["node"].get<std::string>(), std::string("in"));
        QVERIFY2(reasons.back().rfind("topic `clicks` partition 1 offset ", 0) == 0 ||
                     reasons.back().rfind("topic `big` partition 0 offset 0: ", 0) == 0,
                 reasons.back().c_str());
    }
    auto has = [&](const std::string& part) {
        return std::count_if(reasons.begin(), reasons.end(), [&](const std::string& r) {
                   return r.find(part) != std::string::npos;
               }) == 1;
    };
    QVERIFY(has("not valid JSON"));
    QVERIFY(has("not valid UTF-8"));
    QVERIFY2(has("the message has 10485778 bytes, more than `max_message_bytes` (1 MiB)"),
             reasons.back().c_str());
    QVERIFY(has("field `id`: expected int"));
    QVERIFY(has("an empty message"));
}

void TstKafka::consumerGroupSharesPartitions() {
    auto kc = newCluster();
    QVERIFY(kc->createTopic("shared", 4));
    QTemporaryDir dir;
    const QString a = readerProject(dir, "a", kc->bootstraps(), "shared", "team");
    const QString b = readerProject(dir, "b", kc->bootstraps(), "shared", "team");
    RiffleRun ra({a});
    RiffleRun rb({b});
    // Keep producing, a round per partition at a time, until both members have read something:
    // only then has the group been split between them; two more rounds after that.
    int produced = 0;
    int roundsAfter = -1;
    for (int round = 0; round < 300 && roundsAfter < 2; ++round) {
        QVERIFY2(kc->produce("shared", msgs(produced, produced + 40, 4)).isOk(),
                 kc->lastError().c_str());
        produced += 40;
        QTest::qWait(200);
        if (roundsAfter >= 0)
            ++roundsAfter;
        else if (ra.handled("in") > 0 && rb.handled("in") > 0)
            roundsAfter = 0;
    }
    QVERIFY2(roundsAfter >= 0, "the two members never both received messages");
    // At-least-once: a rebalance may hand a few messages to both, so wait for the sum.
    QElapsedTimer t;
    t.start();
    while (ra.handled("in") + rb.handled("in") < produced && t.elapsed() < 60000) QTest::qWait(200);
    int ca = 0, cb = 0;
    ra.stop(ca);
    rb.stop(cb);
    QCOMPARE(ca, 0);
    QCOMPARE(cb, 0);
    const auto ida = idsOf(readJsonl(dir.filePath("a_out.jsonl")));
    const auto idb = idsOf(readJsonl(dir.filePath("b_out.jsonl")));
    QVERIFY(!ida.empty());
    QVERIFY(!idb.empty());
    std::set<int64_t> all(ida.begin(), ida.end());
    all.insert(idb.begin(), idb.end());
    QCOMPARE(all.size(), size_t(produced));
    QCOMPARE(*all.rbegin(), int64_t(produced - 1));
}

void TstKafka::brokerDownAndUpLosesNothing() {
    auto kc = newCluster();
    QVERIFY(kc->createTopic("events", 3));
    QVERIFY2(kc->produce("events", msgs(0, 500)).isOk(), kc->lastError().c_str());
    QTemporaryDir dir;
    const QString project = readerProject(dir, "outage", kc->bootstraps(), "events", "g-outage");
    RiffleRun run({project});
    QVERIFY(run.waitHandled("in", 500));
    kc->setAllBrokersDown(true);
    QTest::qWait(3000);  // long enough for the consumer to notice (no assertion on time)
    kc->setAllBrokersDown(false);
    QTest::qWait(3000);
    QVERIFY2(kc->produce("events", msgs(500, 1000)).isOk(), kc->lastError().c_str());
    QVERIFY2(run.waitHandled("in", 1000), "events after the outage did not arrive");
    int code = 0;
    const Json result = run.stop(code);
    QCOMPARE(code, 0);
    QCOMPARE(nodeResult(result, "in")["errors"].get<int64_t>(), 0);
    const auto ids = idsOf(readJsonl(dir.filePath("outage_out.jsonl")));
    for (int i = 0; i < 1000; ++i)
        QVERIFY2(ids.count(i) >= 1, ("lost id " + std::to_string(i)).c_str());
}

void TstKafka::offsetsAreCommittedOnlyOnceTheSinksWroteTheRows() {
    // Run 1 reads 500 messages into sink.kafka on a second cluster whose brokers are down: no
    // row is written, so no offset may be committed, however long it runs; stopped, it fails
    // with the undelivered rows named (a stop commits what the sinks wrote: nothing). Run 2, same
    // group, therefore reads all 500 again, into a file; it stops cleanly, and with the rows
    // written its offsets are committed: run 3 reads only the 100 messages produced after it.
    // (Each run waits for the mock cluster's rebalance, about `session_timeout` after a leave.)
    // This is the commit path without checkpoints (docs/connectors.md); tst_kafka_broker runs
    // the one with them.
    const Json noCheckpoints = {{"checkpoint_interval", 0}};
    auto kc = newCluster();
    QVERIFY(kc->createTopic("events", 3));
    QVERIFY2(kc->produce("events", msgs(0, 500)).isOk(), kc->lastError().c_str());
    auto down = newCluster();
    down->setAllBrokersDown(true);
    QTemporaryDir dir;
    const QString toDeadKafka = writeProject(
        dir, "dead_sink",
        Json::array({kafkaSource(kc->bootstraps(), "events", "g-commit"),
                     {{"id", "k"},
                      {"type", "sink.kafka"},
                      {"params", {{"brokers", down->bootstraps()}, {"topic", "copy"}}}}}),
        Json::array({{{"from", "in.out"}, {"to", "k.in"}}}), noCheckpoints);
    {
        RiffleRun run({toDeadKafka});
        QVERIFY2(run.waitHandled("in", 500), qPrintable(run.errorOutput()));
        QTest::qWait(3000);  // three auto-commit intervals: a hand-over commit would be in
        int code = 0;
        run.stop(code);
        QCOMPARE(code, 1);
        QVERIFY2(run.err().contains("500 messages were not delivered to `copy`"),
                 qPrintable(run.err()));
    }
    const QString toFile =
        readerProject(dir, "again", kc->bootstraps(), "events", "g-commit", noCheckpoints);
    {
        RiffleRun run({toFile});
        QVERIFY2(run.waitHandled("in", 500), "run 2 did not read the uncommitted messages again");
        int code = 0;
        run.stop(code);
        QCOMPARE(code, 0);
        const auto ids = idsOf(readJsonl(dir.filePath("again_out.jsonl")));
        QCOMPARE(ids.size(), size_t(500));
        for (int i = 0; i < 500; ++i)
            QVERIFY2(ids.count(i) == 1, ("id " + std::to_string(i)).c_str());
    }
    QVERIFY2(kc->produce("events", msgs(500, 600)).isOk(), kc->lastError().c_str());
    {
        RiffleRun run({toFile});
        QVERIFY(run.waitHandled("in", 100));
        QTest::qWait(1000);  // anything more than the new messages would arrive now
        int code = 0;
        const Json result = run.stop(code);
        QCOMPARE(code, 0);
        QCOMPARE(nodeResult(result, "in")["out"].get<int64_t>(), 100);
        const auto ids = idsOf(readJsonl(dir.filePath("again_out.jsonl")));
        QCOMPARE(ids.size(), size_t(100));
        QCOMPARE(*ids.begin(), int64_t(500));
        QCOMPARE(*ids.rbegin(), int64_t(599));
    }
}

void TstKafka::sinkWritesKeysAndTimestamps() {
    auto kc = newCluster();
    QVERIFY(kc->createTopic("written", 2));
    QTemporaryDir dir;
    {
        QFile f(dir.filePath("in.jsonl"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 0; i < 50; ++i)
            f.write(QByteArray::fromStdString(
                Json{{"_time", "2026-01-01T00:00:" + std::string(i < 10 ? "0" : "") +
                                   std::to_string(i) + ".000Z"},
                     {"id", i},
                     {"user", "u" + std::to_string(i % 5)}}
                    .dump() +
                "\n"));
    }
    const QString project =
        writeProject(dir, "sink",
                     Json::array({{{"id", "file"},
                                   {"type", "source.file"},
                                   {"params", {{"path", dir.filePath("in.jsonl").toStdString()}}}},
                                  {{"id", "k"},
                                   {"type", "sink.kafka"},
                                   {"params",
                                    {{"brokers", kc->bootstraps()},
                                     {"topic", "written"},
                                     {"key", "user || '-' || CAST(id % 2 AS STRING)"}}}}}),
                     Json::array({{{"from", "file.out"}, {"to", "k.in"}}}));
    QProcess p;
    p.start(RIFFLE_RUN_BIN, {project, "--json"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    const auto got = kc->readAll("written", 50, 30000);
    QCOMPARE(got.size(), size_t(50));
    std::set<int64_t> ids;
    for (const auto& m : got) {
        const Json v = Json::parse(m.value);
        const int64_t id = v["id"].get<int64_t>();
        ids.insert(id);
        QVERIFY(m.hasKey);
        QCOMPARE(m.key, "u" + std::to_string(id % 5) + "-" + std::to_string(id % 2));
        QCOMPARE(m.timestampMs, kBaseMs + id * 1000);
        QCOMPARE(v["user"].get<std::string>(), "u" + std::to_string(id % 5));
        QVERIFY(v.contains("_time"));
    }
    QCOMPARE(ids.size(), size_t(50));
}

void TstKafka::kcatInteroperates() {
    const QString kcat = QStandardPaths::findExecutable("kcat");
    if (kcat.isEmpty()) QSKIP("kcat is not installed");
    auto kc = newCluster();
    QVERIFY(kc->createTopic("from_kcat", 2));
    QVERIFY(kc->createTopic("to_kcat", 2));
    QByteArray input;
    for (int i = 0; i < 30; ++i)
        input +=
            "key" + QByteArray::number(i) + "\t" + QByteArray::fromStdString(msg(i).value) + "\n";
    QProcess producer;
    producer.start(kcat, {"-P", "-b", QString::fromStdString(kc->bootstraps()), "-t", "from_kcat",
                          "-K", "\t"});
    QVERIFY(producer.waitForStarted());
    producer.write(input);
    producer.closeWriteChannel();
    QVERIFY(producer.waitForFinished(30000));
    QCOMPARE(producer.exitCode(), 0);

    QTemporaryDir dir;
    Json source = kafkaSource(kc->bootstraps(), "from_kcat", "g-kcat");
    source["params"].erase("time_field");
    const QString project = writeProject(
        dir, "kcat",
        Json::array(
            {source,
             {{"id", "k"},
              {"type", "sink.kafka"},
              {"params", {{"brokers", kc->bootstraps()}, {"topic", "to_kcat"}, {"key", "key"}}}}}),
        Json::array({{{"from", "in.out"}, {"to", "k.in"}}}));
    RiffleRun run({project});
    QVERIFY(run.waitHandled("in", 30));
    int code = 0;
    run.stop(code);
    QCOMPARE(code, 0);

    QProcess consumer;
    consumer.start(kcat, {"-C", "-b", QString::fromStdString(kc->bootstraps()), "-t", "to_kcat",
                          "-o", "beginning", "-e", "-q", "-f", "%k\t%s\n"});
    QVERIFY(consumer.waitForFinished(30000));
    QCOMPARE(consumer.exitCode(), 0);
    std::set<int64_t> ids;
    for (const QByteArray& line : consumer.readAllStandardOutput().split('\n')) {
        if (line.isEmpty()) continue;
        const QList<QByteArray> parts = line.split('\t');
        QCOMPARE(parts.size(), 2);
        const Json v = Json::parse(parts[1].toStdString());
        const int64_t id = v["id"].get<int64_t>();
        QCOMPARE(parts[0], "key" + QByteArray::number(id));
        QCOMPARE(v["key"].get<std::string>(), parts[0].toStdString());
        ids.insert(id);
    }
    QCOMPARE(ids.size(), size_t(30));
}

void TstKafka::deadBrokerShowsConnectingAndStops() {
    // In process: the node's link state and reason, then Connected against a live cluster.
    riffle::NodeRegistry registry;
    riffle::registerBuiltinNodes(registry);
    QTemporaryDir dir;
    auto runLink = [&](const std::string& brokers, riffle::LinkState want, std::string& reason) {
        riffle::Project p;
        p.name = "link";
        riffle::NodeDef src;
        src.id = "in";
        src.type = "source.kafka";
        src.params = {{"brokers", brokers}, {"topic", "t"}, {"format", "raw"}};
        riffle::NodeDef sink;
        sink.id = "out";
        sink.type = "sink.file";
        sink.params = {{"path", dir.filePath("link.jsonl").toStdString()}};
        riffle::EdgeDef e;
        e.fromNode = "in";
        e.fromPort = "out";
        e.toNode = "out";
        e.toPort = "in";
        p.nodes = {src, sink};
        p.edges = {e};
        riffle::ValidatedGraph g = riffle::validateProject(p, registry);
        if (!g.ok()) qFatal("%s", g.problems.front().message.c_str());
        auto exec = riffle::Executor::create(g);
        if (!exec || !exec.value()->start()) qFatal("cannot start");
        const riffle::NodeMetrics* m = exec.value()->nodes().front().id == "in"
                                           ? exec.value()->nodes().front().metrics
                                           : exec.value()->nodes().back().metrics;
        QElapsedTimer t;
        t.start();
        bool reached = false;
        while (t.elapsed() < 30000 && !reached) {
            reached =
                m->link() == want && (want != riffle::LinkState::Connecting ||
                                      m->linkReason().find("refused") != std::string::npos ||
                                      m->linkReason().find("Connection") != std::string::npos);
            if (!reached) QTest::qWait(50);
        }
        reason = m->linkReason();
        exec.value()->requestStop();
        const bool stopped = exec.value()->waitFor(15000);
        return reached && stopped;
    };
    std::string reason;
    QVERIFY2(runLink("127.0.0.1:1", riffle::LinkState::Connecting, reason), reason.c_str());
    QVERIFY2(reason.rfind("brokers 127.0.0.1:1: ", 0) == 0, reason.c_str());
    QVERIFY2(reason.find("retrying") != std::string::npos, reason.c_str());
    auto kc = newCluster();
    QVERIFY(kc->createTopic("t", 1));
    QVERIFY2(runLink(kc->bootstraps(), riffle::LinkState::Connected, reason), reason.c_str());

    // Out of process: riffle-run keeps running against a dead broker and stops cleanly.
    const QString project = readerProject(dir, "dead", "127.0.0.1:1", "nothing", "g-dead");
    QProcess p;
    p.start(RIFFLE_RUN_BIN, {project, "--json", "--for", "3s"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    const QList<QByteArray> lines = p.readAllStandardOutput().trimmed().split('\n');
    const Json result = Json::parse(lines.last().toStdString());
    QCOMPARE(result["reason"].get<std::string>(), std::string("--for 3s elapsed"));
    QCOMPARE(nodeResult(result, "in")["out"].get<int64_t>(), 0);
}

QTEST_GUILESS_MAIN(TstKafka)
#include "tst_kafka.moc"
