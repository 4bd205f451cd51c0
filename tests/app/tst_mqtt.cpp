// source.mqtt and sink.mqtt against a real mosquitto broker on a free loopback port, fed and read
// by mosquitto_pub / mosquitto_sub: every event id arrives (QoS 0 and 1), wildcard topics fill
// `topic`, each malformed message is counted on `errors` while every good one still arrives, a
// broker restart mid-run and a broker that is down at start are survived, the node shows why it
// is connecting, overload drops are counted, and sink.mqtt publishes every row.
//
// Each test starts its own broker and stops it when it ends, also on failure (Broker's
// destructor); riffle-run runs as a process and is stopped by SIGINT once the source has handled
// every message (read from its --json metrics lines), with --for as the guard against a hang.
#include <QtTest/QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/graph/node_instance.h"
#include "engine/runtime/collecting_emitter.h"
#include "nodes/register_builtin_nodes.h"
#include "test_tls.h"

using Json = nlohmann::json;
using namespace riffle;

namespace {

const char* kMosquitto = "/usr/sbin/mosquitto";
constexpr int kHangGuardMs = 60000;  // only to avoid hanging forever, never a speed threshold

int freeLoopbackPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        qFatal("cannot find a free port");
    ::close(fd);
    return ntohs(a.sin_port);
}

bool waitUntil(const std::function<bool()>& done, int timeoutMs = kHangGuardMs) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs) return false;
        QTest::qWait(20);
    }
    return true;
}

// One mosquitto process on 127.0.0.1:port, with its log collected; killed by the destructor.
// With `certDir` (cert.pem, key.pem) it speaks MQTT over TLS only.
class Broker {
public:
    explicit Broker(int port, const QString& certDir = {}) : m_port(port) {
        QFile conf(m_dir.filePath("mosquitto.conf"));
        if (!conf.open(QIODevice::WriteOnly)) qFatal("cannot write the broker config");
        // The log goes to a file: a pipe nobody reads while mosquitto_pub runs would fill and
        // stall the broker.
        // max_queued_messages 0: by default mosquitto drops messages beyond 1000 queued for a
        // subscriber (QoS 0 ones already when its QoS 1 queue is full); the tests count every id.
        conf.write(
            QString("listener %1 127.0.0.1\nallow_anonymous true\nlog_type all\nlog_dest file %2\n"
                    "persistence false\nmax_queued_messages 0\nuser %3\n")
                .arg(port)
                .arg(m_dir.filePath("broker.log"))
                // Started as root, mosquitto would become user `mosquitto`, who cannot
                // write into our temporary folder.
                .arg(QString::fromLocal8Bit(::getpwuid(::getuid())->pw_name))
                .toUtf8());
        // Settings of the listener above.
        if (!certDir.isEmpty())
            conf.write(QString("certfile %1/cert.pem\nkeyfile %1/key.pem\n").arg(certDir).toUtf8());
    }
    ~Broker() { stop(); }

    bool start() {
        QFile::remove(m_dir.filePath("broker.log"));
        m_proc.setStandardOutputFile(QProcess::nullDevice());
        m_proc.setStandardErrorFile(QProcess::nullDevice());
        m_proc.start(kMosquitto, {"-c", m_dir.filePath("mosquitto.conf")});
        if (!m_proc.waitForStarted(10000)) return false;
        return waitUntil(
            [&] { return log().contains("mosquitto version") && log().contains(" running"); },
            20000);
    }
    void stop() {
        if (m_proc.state() == QProcess::NotRunning) return;
        m_proc.kill();
        m_proc.waitForFinished(10000);
    }
    int port() const { return m_port; }
    const QString& log() {
        QFile f(m_dir.filePath("broker.log"));
        if (f.open(QIODevice::ReadOnly)) m_log = QString::fromUtf8(f.readAll());
        return m_log;
    }
    // Waits until the broker has acknowledged the subscription of `clientId` (n times since start).
    bool waitSubscribed(const QString& clientId, int n = 1) {
        return waitUntil([&] { return log().count("Sending SUBACK to " + clientId) >= n; });
    }

private:
    QTemporaryDir m_dir;
    int m_port;
    QProcess m_proc;
    QString m_log;
};

// The broker's log lines about dropped messages, for a failure message.
QString brokerDrops(Broker& broker) {
    QStringList out;
    for (const QString& line : broker.log().split('\n'))
        if (line.contains("dropped", Qt::CaseInsensitive)) out << line;
    return out.isEmpty() ? "the broker dropped nothing" : out.join('\n');
}

// mosquitto_pub: `lines` one message each (-l), or `whole` as one message (-s), or an empty one.
bool publish(int port, const QString& topic, int qos, const QByteArray& data, bool lines = true,
             const QStringList& extra = {}) {
    QProcess p;
    QStringList args{"-h", "127.0.0.1", "-p", QString::number(port),
                     "-t", topic,       "-q", QString::number(qos)};
    args << extra;
    if (data.isEmpty())
        args << "-n";
    else
        args << (lines ? "-l" : "-s");
    p.start("mosquitto_pub", args);
    if (!p.waitForStarted(10000)) return false;
    if (!data.isEmpty()) p.write(data);
    p.closeWriteChannel();
    if (!p.waitForFinished(kHangGuardMs)) {
        p.kill();
        p.waitForFinished();
        return false;
    }
    if (p.exitCode() != 0) qWarning("mosquitto_pub: %s", p.readAllStandardError().constData());
    return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

QByteArray idLines(int from, int to) {
    QByteArray out;
    for (int i = from; i <= to; ++i) out += "{\"id\": " + QByteArray::number(i) + "}\n";
    return out;
}

// riffle-run as a process, with its --json metrics lines read as they come.
class Run {
public:
    Run(const QString& project, const QStringList& extra = {}) {
        QStringList args{project, "--json", "--metrics-every", "100ms"};
        args << extra;
        if (!extra.contains("--for"))
            args << "--for"
                 << "120s";
        m_proc.start(RIFFLE_RUN_BIN, args);
    }
    ~Run() {
        if (m_proc.state() != QProcess::NotRunning) {
            m_proc.kill();
            m_proc.waitForFinished();
        }
    }
    // Messages handled (events out + errors) by node `id` in the latest metrics line.
    int64_t handled(const std::string& id) {
        read();
        return m_handled[id];
    }
    bool waitHandled(const std::string& id, int64_t n) {
        return waitUntil([&] { return handled(id) >= n; });
    }
    bool running() { return m_proc.state() == QProcess::Running; }
    int metricsLines() {
        read();
        return m_metricsLines;
    }
    // SIGINT (or nothing, when it stops by itself) and the final result line.
    Json finish(bool interrupt = true) {
        if (interrupt) ::kill(static_cast<pid_t>(m_proc.processId()), SIGINT);
        if (!m_proc.waitForFinished(kHangGuardMs)) {
            qWarning("riffle-run did not stop");
            return {};
        }
        read();
        m_exitCode = m_proc.exitStatus() == QProcess::NormalExit ? m_proc.exitCode() : -2;
        m_err = QString::fromUtf8(m_proc.readAllStandardError());
        return m_result;
    }
    int exitCode() const { return m_exitCode; }
    const QString& err() const { return m_err; }

private:
    void read() {
        m_buffer += m_proc.readAllStandardOutput();
        for (;;) {
            const int nl = m_buffer.indexOf('\n');
            if (nl < 0) break;
            const QByteArray line = m_buffer.left(nl);
            m_buffer.remove(0, nl + 1);
            Json j = Json::parse(line.toStdString(), nullptr, false);
            if (!j.is_object()) continue;
            if (j["type"] == "metrics") {
                ++m_metricsLines;
                for (const auto& n : j["nodes"])
                    m_handled[n["id"].get<std::string>()] =
                        n["out"].get<int64_t>() + n["errors"].get<int64_t>();
            } else if (j["type"] == "result") {
                m_result = j;
            }
        }
    }
    QProcess m_proc;
    QByteArray m_buffer;
    std::map<std::string, int64_t> m_handled;
    int m_metricsLines = 0;
    Json m_result;
    int m_exitCode = -1;
    QString m_err;
};

Json nodeResult(const Json& result, const std::string& id) {
    for (const auto& n : result["nodes"])
        if (n["id"] == id) return n;
    return {};
}

std::vector<Json> readJsonl(const QString& path) {
    std::vector<Json> rows;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return rows;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (!line.isEmpty()) rows.push_back(Json::parse(line.toStdString()));
    return rows;
}

// A project: source.mqtt `src` (params) into out.jsonl, its errors into errors.jsonl.
QString writeSourceProject(const QTemporaryDir& dir, const Json& srcParams) {
    Json p = {
        {"format", "riffle-project"},
        {"version", 1},
        {"name", "mqtt test"},
        {"nodes",
         {{{"id", "src"}, {"type", "source.mqtt"}, {"params", srcParams}},
          {{"id", "out"}, {"type", "sink.file"}, {"params", {{"path", "out.jsonl"}}}},
          {{"id", "errs"}, {"type", "sink.file"}, {"params", {{"path", "errors.jsonl"}}}}}},
        {"edges",
         {{{"from", "src.out"}, {"to", "out.in"}}, {{"from", "src.errors"}, {"to", "errs.in"}}}}};
    const QString path = dir.filePath("mqtt.riffle");
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write the project");
    f.write(QByteArray::fromStdString(p.dump(2)));
    return path;
}

const NodeRegistry& registry() {
    return builtinNodeRegistry();
}

}  // namespace

class TstMqtt : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void everyIdArrivesWithItsWildcardTopic();
    void malformedMessagesAreCountedAndGoodOnesArrive();
    void brokerRestartMidRunIsReconnected();
    void brokerDownAtStartStopsCleanlyAtFor();
    void brokerStartedLaterIsConnectedTo();
    void connectingStateNamesTheReason();
    void overloadDropsAreCountedPerPolicy_data();
    void overloadDropsAreCountedPerPolicy();
    void sinkPublishesEveryRow();
    void sinkFailsWhenTheBrokerNeverTookTheRows();
    void sinkTopicNamesTheEventsFields();
    void sinkHoldsAProgressMarkerUntilTheBrokerAcknowledged();
    void mqttsTrustsItsCaFileAndChecksTheHost();
    void badParametersAreRefusedAtValidation();

private:
    QTemporaryDir m_dataHome;
};

void TstMqtt::initTestCase() {
    if (!QFile::exists(kMosquitto)) QSKIP("mosquitto is not installed (apt-get install mosquitto)");
    if (QStandardPaths::findExecutable("mosquitto_pub").isEmpty() ||
        QStandardPaths::findExecutable("mosquitto_sub").isEmpty())
        QSKIP("mosquitto_pub/mosquitto_sub are not installed (apt-get install mosquitto-clients)");
    QVERIFY(m_dataHome.isValid());
    qputenv("XDG_DATA_HOME", m_dataHome.path().toUtf8());
}

void TstMqtt::everyIdArrivesWithItsWildcardTopic() {
    Broker broker(freeLoopbackPort());
    QVERIFY2(broker.start(), qPrintable(broker.log()));
    QTemporaryDir dir;
    const QString project =
        writeSourceProject(dir, {{"broker", "127.0.0.1:" + std::to_string(broker.port())},
                                 {"topic", "sensors/+/temp"},
                                 {"client_id", "riffle-ids"},
                                 {"schema", {"id int"}}});
    Run run(project);
    QVERIFY2(broker.waitSubscribed("riffle-ids"), qPrintable(broker.log()));
    QVERIFY(publish(broker.port(), "sensors/a/temp", 1, idLines(1, 3000)));
    QVERIFY(publish(broker.port(), "sensors/b/temp", 1, idLines(3001, 4000)));
    QVERIFY(
        publish(broker.port(), "sensors/a/humidity", 1, idLines(9001, 9100)));  // not subscribed
    // QoS 0 only once the QoS 1 messages are through: mosquitto drops QoS 0 messages for a client
    // whose QoS 1 queue is full ("Outgoing messages are being dropped"), which is MQTT, not Riffle.
    QVERIFY2(run.waitHandled("src", 4000), qPrintable(brokerDrops(broker)));
    QVERIFY(publish(broker.port(), "sensors/c/temp", 0, idLines(4001, 5000)));
    QVERIFY2(
        run.waitHandled("src", 5000),
        qPrintable(QString("handled %1; %2").arg(run.handled("src")).arg(brokerDrops(broker))));
    const Json result = run.finish();
    QVERIFY2(run.exitCode() == 0, qPrintable(run.err()));
    QCOMPARE(nodeResult(result, "src")["out"].get<int64_t>(), 5000);
    QCOMPARE(nodeResult(result, "src")["errors"].get<int64_t>(), 0);

    std::map<int64_t, std::string> topicOf;
    for (const Json& row : readJsonl(dir.filePath("out.jsonl"))) {
        const int64_t id = row["id"].get<int64_t>();
        QVERIFY2(!topicOf.count(id), qPrintable(QString("id %1 twice").arg(id)));
        topicOf[id] = row["topic"].get<std::string>();
    }
    QCOMPARE(topicOf.size(), size_t(5000));
    for (int64_t id = 1; id <= 5000; ++id) {
        QVERIFY2(topicOf.count(id), qPrintable(QString("id %1 is missing").arg(id)));
        const char* want = id <= 3000   ? "sensors/a/temp"
                           : id <= 4000 ? "sensors/b/temp"
                                        : "sensors/c/temp";
        QCOMPARE(topicOf[id], std::string(want));
    }
}

void TstMqtt::malformedMessagesAreCountedAndGoodOnesArrive() {
    Broker broker(freeLoopbackPort());
    QVERIFY2(broker.start(), qPrintable(broker.log()));
    QTemporaryDir dir;
    const QString project =
        writeSourceProject(dir, {{"broker", "127.0.0.1:" + std::to_string(broker.port())},
                                 {"topic", "in"},
                                 {"client_id", "riffle-bad"},
                                 {"schema", {"id int", "name string"}},
                                 {"max_message_bytes", 1024 * 1024}});
    Run run(project);
    QVERIFY2(broker.waitSubscribed("riffle-bad"), qPrintable(broker.log()));
    const int port = broker.port();
    // Good and bad ones in turn; every publish is acknowledged before the next, so order holds.
    QVERIFY(publish(port, "in", 1, "{\"id\": 1, \"name\": \"a\"}\n"));
    QVERIFY(publish(port, "in", 1, "{\"id\": 2, \"na\n"));  // truncated JSON
    QVERIFY(publish(port, "in", 1, "{\"id\": 3, \"name\": \"b\"}\n"));
    QVERIFY(publish(port, "in", 1, "{\"id\": 4, \"name\": \"\xff\xfe\"}\n"));  // invalid UTF-8
    QVERIFY(publish(port, "in", 1, "{\"id\": 5, \"name\": \"c\"}\n"));
    QVERIFY(publish(port, "in", 1, "{\"id\": \"six\", \"name\": \"d\"}\n"));  // wrong type
    QVERIFY(publish(port, "in", 1, "{\"id\": 7, \"name\": \"e\"}\n"));
    QVERIFY(publish(port, "in", 1, QByteArray()));  // empty message
    QVERIFY(publish(port, "in", 1, "{\"id\": 9, \"name\": \"f\"}\n"));
    const QByteArray huge = "{\"id\": 10, \"name\": \"" + QByteArray(10 * 1024 * 1024, 'x') + "\"}";
    QVERIFY(publish(port, "in", 1, huge, false));  // 10 MB
    QVERIFY(publish(port, "in", 1, "{\"id\": 11, \"name\": \"g\"}\n"));
    QVERIFY(run.waitHandled("src", 11));
    const Json result = run.finish();
    QVERIFY2(run.exitCode() == 0, qPrintable(run.err()));
    QCOMPARE(nodeResult(result, "src")["out"].get<int64_t>(), 6);
    QCOMPARE(nodeResult(result, "src")["errors"].get<int64_t>(), 5);

    std::vector<int64_t> ids;
    for (const Json& row : readJsonl(dir.filePath("out.jsonl")))
        ids.push_back(row["id"].get<int64_t>());
    QCOMPARE(ids, (std::vector<int64_t>{1, 3, 5, 7, 9, 11}));
    std::vector<std::string> errors;
    for (const Json& row : readJsonl(dir.filePath("errors.jsonl")))
        errors.push_back(row["error"].get<std::string>());
    // The error row of message 4 keeps its invalid UTF-8 raw text, which sink.file cannot write
    // as JSON: it is counted on that sink's own `errors` instead.
    QCOMPARE(nodeResult(result, "errs")["in"].get<int64_t>(), 5);
    QCOMPARE(nodeResult(result, "errs")["errors"].get<int64_t>(), 1);
    QCOMPARE(errors.size(), size_t(4));
    // Message numbers count every message received, good or bad.
    QCOMPARE(QString::fromStdString(errors[0]),
             QString("message 2: not valid JSON (A string is opened, but never closed.)"));
    QCOMPARE(QString::fromStdString(errors[1]),
             QString("message 6: field `id`: expected int, got `\"six\"`"));
    QCOMPARE(QString::fromStdString(errors[2]), QString("message 8: an empty message"));
    QCOMPARE(
        QString::fromStdString(errors[3]),
        QString(
            "message 10: the message has 10485782 bytes, more than `max_message_bytes` (1 MiB)"));
}

void TstMqtt::brokerRestartMidRunIsReconnected() {
    const int port = freeLoopbackPort();
    QTemporaryDir dir;
    const QString project =
        writeSourceProject(dir, {{"broker", "mqtt://127.0.0.1:" + std::to_string(port)},
                                 {"topic", "ids"},
                                 {"client_id", "riffle-restart"},
                                 {"schema", {"id int"}}});
    std::unique_ptr<Run> run;
    {
        Broker first(port);
        QVERIFY2(first.start(), qPrintable(first.log()));
        run = std::make_unique<Run>(project);
        QVERIFY2(first.waitSubscribed("riffle-restart"), qPrintable(first.log()));
        QVERIFY(publish(port, "ids", 1, idLines(1, 500)));
        QVERIFY(run->waitHandled("src", 500));
        first.stop();  // the broker goes away mid-run
    }
    Broker second(port);
    QVERIFY2(second.start(), qPrintable(second.log()));
    QVERIFY2(second.waitSubscribed("riffle-restart"), qPrintable(second.log()));
    QVERIFY(publish(port, "ids", 1, idLines(501, 1000)));
    QVERIFY(run->waitHandled("src", 1000));
    const Json result = run->finish();
    QVERIFY2(run->exitCode() == 0, qPrintable(run->err()));
    std::set<int64_t> ids;
    for (const Json& row : readJsonl(dir.filePath("out.jsonl")))
        ids.insert(row["id"].get<int64_t>());
    QCOMPARE(ids.size(), size_t(1000));
    QCOMPARE(*ids.begin(), int64_t(1));
    QCOMPARE(*ids.rbegin(), int64_t(1000));
    QCOMPARE(nodeResult(result, "src")["out"].get<int64_t>(), 1000);
}

void TstMqtt::brokerDownAtStartStopsCleanlyAtFor() {
    QTemporaryDir dir;
    const QString project =
        writeSourceProject(dir, {{"broker", "127.0.0.1:" + std::to_string(freeLoopbackPort())},
                                 {"topic", "x"},
                                 {"schema", {"id int"}}});
    Run run(project, {"--for", "1500ms"});
    const Json result = run.finish(false);
    QVERIFY2(run.exitCode() == 0, qPrintable(run.err()));
    QCOMPARE(QString::fromStdString(result["status"]), QString("done"));
    QCOMPARE(QString::fromStdString(result["reason"]), QString("--for 1500ms elapsed"));
    QCOMPARE(nodeResult(result, "src")["out"].get<int64_t>(), 0);
}

void TstMqtt::brokerStartedLaterIsConnectedTo() {
    const int port = freeLoopbackPort();
    QTemporaryDir dir;
    const QString project =
        writeSourceProject(dir, {{"broker", "127.0.0.1:" + std::to_string(port)},
                                 {"topic", "late/#"},
                                 {"client_id", "riffle-late"},
                                 {"schema", {"id int"}}});
    Run run(project);
    // The run is under way (metrics lines come) while nothing listens on the port.
    QVERIFY(waitUntil([&] { return run.metricsLines() >= 5; }));
    QVERIFY(run.running());
    Broker broker(port);
    QVERIFY2(broker.start(), qPrintable(broker.log()));
    QVERIFY2(broker.waitSubscribed("riffle-late"), qPrintable(broker.log()));
    QVERIFY(publish(port, "late/1", 1, idLines(1, 300)));
    QVERIFY(run.waitHandled("src", 300));
    const Json result = run.finish();
    QVERIFY2(run.exitCode() == 0, qPrintable(run.err()));
    QCOMPARE(QString::fromStdString(result["reason"]), QString("stopped by signal"));
    QCOMPARE(readJsonl(dir.filePath("out.jsonl")).size(), size_t(300));
}

void TstMqtt::connectingStateNamesTheReason() {
    const int port = freeLoopbackPort();
    auto inst = instantiateNode(*registry().find("source.mqtt"), "sensors",
                                {{"broker", "127.0.0.1:" + std::to_string(port)},
                                 {"topic", "s/#"},
                                 {"client_id", "riffle-link"},
                                 {"format", "raw"}},
                                {});
    QVERIFY2(inst.isOk(), inst.message().c_str());
    NodeInstance node = std::move(inst.value());
    NodeMetrics& m = *node.metrics;
    node.context.metrics = &m;
    node.source = registry().find("source.mqtt")->createSource(node.context);
    QVERIFY(node.source->open().isOk());  // a broker that is down is not a failure
    const std::string refused =
        "connection refused by 127.0.0.1:" + std::to_string(port) + ", retrying in 1 s";
    QVERIFY2(waitUntil([&] { return m.linkReason() == refused; }), m.linkReason().c_str());
    QCOMPARE(m.link(), LinkState::Connecting);
    QCOMPARE(m.reconnects.load(), 0);

    Broker broker(port);
    QVERIFY2(broker.start(), qPrintable(broker.log()));
    QVERIFY2(waitUntil([&] { return m.link() == LinkState::Connected; }), m.linkReason().c_str());
    QVERIFY(broker.waitSubscribed("riffle-link"));
    broker.stop();
    QVERIFY2(waitUntil([&] { return m.link() == LinkState::Connecting; }), m.linkReason().c_str());
    QCOMPARE(m.reconnects.load(), 1);
    QVERIFY2(
        m.linkReason().rfind("lost the connection to 127.0.0.1:" + std::to_string(port), 0) == 0,
        m.linkReason().c_str());
    node.source->close();  // returns (a hang fails the whole test by its timeout)
}

void TstMqtt::overloadDropsAreCountedPerPolicy_data() {
    QTest::addColumn<QString>("policy");
    QTest::newRow("drop_newest") << "drop_newest";
    QTest::newRow("drop_oldest") << "drop_oldest";
    QTest::newRow("block") << "block";
}

void TstMqtt::overloadDropsAreCountedPerPolicy() {
    QFETCH(QString, policy);
    Broker broker(freeLoopbackPort());
    QVERIFY2(broker.start(), qPrintable(broker.log()));
    const NodeSpec& spec = *registry().find("source.mqtt");
    auto inst = instantiateNode(spec, "burst",
                                {{"broker", "127.0.0.1:" + std::to_string(broker.port())},
                                 {"topic", "burst"},
                                 {"client_id", "riffle-burst"},
                                 {"schema", {"id int"}},
                                 {"queue_size", 10},
                                 {"overload", policy.toStdString()}},
                                {});
    QVERIFY2(inst.isOk(), inst.message().c_str());
    NodeInstance node = std::move(inst.value());
    NodeMetrics& m = *node.metrics;
    node.context.metrics = &m;
    node.source = spec.createSource(node.context);
    QVERIFY(node.source->open().isOk());
    QVERIFY(broker.waitSubscribed("riffle-burst"));
    // Nobody polls while 1000 messages arrive: the queue holds 10.
    QVERIFY(publish(broker.port(), "burst", 1, idLines(1, 1000)));
    CollectingEmitter out(node.context.outputSchemas);
    std::vector<int64_t> ids;
    auto pollAll = [&] {
        out.clear();
        node.source->poll(out);
        for (const auto& b : out.batches(0))
            ids.insert(ids.end(), b->column(1).ints().begin(), b->column(1).ints().end());
    };
    if (policy != "block") QVERIFY(waitUntil([&] { return m.dropped.load() >= 990 - 256; }));
    QVERIFY(waitUntil([&] {
        pollAll();
        return static_cast<int64_t>(ids.size()) + m.dropped.load() >= 1000;
    }));
    QTest::qWait(100);
    pollAll();
    node.source->close();
    // Nothing is lost without being counted, nothing twice, order kept.
    QCOMPARE(static_cast<int64_t>(ids.size()) + m.dropped.load(), int64_t(1000));
    for (size_t i = 1; i < ids.size(); ++i) QVERIFY(ids[i] > ids[i - 1]);
    if (policy == "block") {
        QCOMPARE(m.dropped.load(), int64_t(0));
    } else {
        QVERIFY(m.dropped.load() > 0);
        // drop_newest keeps what came first, drop_oldest what came last.
        if (policy == "drop_newest")
            QCOMPARE(ids.front(), int64_t(1));
        else
            QCOMPARE(ids.back(), int64_t(1000));
    }
}

void TstMqtt::sinkPublishesEveryRow() {
    Broker broker(freeLoopbackPort());
    QVERIFY2(broker.start(), qPrintable(broker.log()));
    QTemporaryDir dir;
    QFile in(dir.filePath("in.jsonl"));
    QVERIFY(in.open(QIODevice::WriteOnly));
    for (int i = 1; i <= 200; ++i)
        in.write(
            QString("{\"_time\": \"2026-01-01T00:00:%1.000Z\", \"id\": %2, \"name\": \"n%2\"}\n")
                .arg(i % 60, 2, 10, QChar('0'))
                .arg(i)
                .toUtf8());
    in.close();
    Json p = {
        {"format", "riffle-project"},
        {"version", 1},
        {"name", "sink"},
        {"nodes",
         {{{"id", "file"}, {"type", "source.file"}, {"params", {{"path", "in.jsonl"}}}},
          {{"id", "pub"},
           {"type", "sink.mqtt"},
           {"params",
            {{"broker", "127.0.0.1:" + std::to_string(broker.port())}, {"topic", "out/rows"}}}}}},
        {"edges", {{{"from", "file.out"}, {"to", "pub.in"}}}}};
    QFile pf(dir.filePath("sink.riffle"));
    QVERIFY(pf.open(QIODevice::WriteOnly));
    pf.write(QByteArray::fromStdString(p.dump()));
    pf.close();

    QProcess sub;
    sub.start("mosquitto_sub", {"-h", "127.0.0.1", "-p", QString::number(broker.port()), "-t",
                                "out/rows", "-q", "1", "-C", "200", "-i", "test-sub"});
    QVERIFY(sub.waitForStarted());
    QVERIFY(broker.waitSubscribed("test-sub"));
    Run run(pf.fileName(), {"--for", "60s"});
    QVERIFY2(sub.waitForFinished(kHangGuardMs), qPrintable(broker.log()));
    const Json result = run.finish(false);  // the file source ends, so the run ends by itself
    QVERIFY2(run.exitCode() == 0, qPrintable(run.err()));
    QCOMPARE(nodeResult(result, "pub")["in"].get<int64_t>(), 200);
    const QList<QByteArray> lines = sub.readAllStandardOutput().trimmed().split('\n');
    QCOMPARE(lines.size(), 200);
    for (int i = 0; i < 200; ++i) {
        const Json row = Json::parse(lines[i].toStdString());
        QCOMPARE(row["id"].get<int64_t>(), int64_t(i + 1));
        QCOMPARE(row["name"].get<std::string>(), "n" + std::to_string(i + 1));
        QVERIFY(row["_time"].is_string());
    }
}

void TstMqtt::sinkFailsWhenTheBrokerNeverTookTheRows() {
    QTemporaryDir dir;
    QFile in(dir.filePath("in.jsonl"));
    QVERIFY(in.open(QIODevice::WriteOnly));
    for (int i = 1; i <= 5; ++i) in.write(QString("{\"id\": %1}\n").arg(i).toUtf8());
    in.close();
    const int port = freeLoopbackPort();  // nothing listens there
    Json p = {{"format", "riffle-project"},
              {"version", 1},
              {"name", "sink down"},
              {"nodes",
               {{{"id", "file"}, {"type", "source.file"}, {"params", {{"path", "in.jsonl"}}}},
                {{"id", "pub"},
                 {"type", "sink.mqtt"},
                 {"params",
                  {{"broker", "127.0.0.1:" + std::to_string(port)},
                   {"topic", "t"},
                   {"ack_timeout", "1s"}}}}}},
              {"edges", {{{"from", "file.out"}, {"to", "pub.in"}}}}};
    QFile pf(dir.filePath("down.riffle"));
    QVERIFY(pf.open(QIODevice::WriteOnly));
    pf.write(QByteArray::fromStdString(p.dump()));
    pf.close();
    Run run(pf.fileName(), {"--for", "60s"});
    run.finish(false);
    // Rows that may be missing downstream fail the run, with the count and the fix.
    QCOMPARE(run.exitCode(), 1);
    QVERIFY2(run.err().contains("sink `pub`: 5 messages were not acknowledged by 127.0.0.1:" +
                                QString::number(port) +
                                " within 1s (5 never sent, the broker was away)"),
             qPrintable(run.err()));
}

void TstMqtt::badParametersAreRefusedAtValidation() {
    QTemporaryDir dir;
    const QString project =
        writeSourceProject(dir, {{"broker", "mqtts://example.com:8883"}, {"topic", "a/#/b"}});
    QProcess p;
    p.start(RIFFLE_RUN_BIN, {"--validate", project});
    QVERIFY(p.waitForFinished(kHangGuardMs));
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QCOMPARE(p.exitCode(), 2);
    QVERIFY2(out.contains("source `src`: `topic`: `a/#/b` is not a valid MQTT subscription"),
             qPrintable(out));
}

void TstMqtt::sinkTopicNamesTheEventsFields() {
    // topic `alerts/{device}`: each event goes to its device's topic; an event whose device is
    // NULL, empty or holds a wildcard goes to `errors` with the reason, and the rest still go out.
    // A placeholder that is not a field is refused before anything runs.
    Broker broker(freeLoopbackPort());
    QVERIFY2(broker.start(), qPrintable(broker.log()));
    QTemporaryDir dir;
    QFile in(dir.filePath("in.jsonl"));
    QVERIFY(in.open(QIODevice::WriteOnly));
    const char* devices[] = {"a", "b", "c"};
    for (int i = 0; i < 30; ++i)
        in.write(
            QString("{\"_time\": \"2026-01-01T00:00:%1.000Z\", \"id\": %2, \"device\": \"%3\"}\n")
                .arg(i, 2, 10, QChar('0'))
                .arg(i)
                .arg(devices[i % 3])
                .toUtf8());
    in.write("{\"_time\": \"2026-01-01T00:00:40.000Z\", \"id\": 100, \"device\": null}\n");
    in.write("{\"_time\": \"2026-01-01T00:00:41.000Z\", \"id\": 101, \"device\": \"\"}\n");
    in.write("{\"_time\": \"2026-01-01T00:00:42.000Z\", \"id\": 102, \"device\": \"x+y\"}\n");
    in.close();
    auto project = [&](const std::string& topic) {
        Json p = {
            {"format", "riffle-project"},
            {"version", 1},
            {"name", "per device"},
            {"nodes",
             {{{"id", "file"}, {"type", "source.file"}, {"params", {{"path", "in.jsonl"}}}},
              {{"id", "pub"},
               {"type", "sink.mqtt"},
               {"params",
                {{"broker", "127.0.0.1:" + std::to_string(broker.port())}, {"topic", topic}}}},
              {{"id", "bad"}, {"type", "sink.file"}, {"params", {{"path", "bad.jsonl"}}}}}},
            {"edges",
             {{{"from", "file.out"}, {"to", "pub.in"}},
              {{"from", "pub.errors"}, {"to", "bad.in"}}}}};
        QFile pf(dir.filePath("per_device.riffle"));
        if (!pf.open(QIODevice::WriteOnly)) qFatal("cannot write the project");
        pf.write(QByteArray::fromStdString(p.dump()));
        return pf.fileName();
    };

    QProcess check;
    check.start(RIFFLE_RUN_BIN, {"--validate", project("alerts/{devcie}")});
    QVERIFY(check.waitForFinished(kHangGuardMs));
    QCOMPARE(check.exitCode(), 2);
    const QString problem = QString::fromUtf8(check.readAllStandardOutput());
    QVERIFY2(problem.contains("sink `pub`: `topic`: {devcie} is not a field of the input (fields: "
                              "_time, id, device)"),
             qPrintable(problem));

    QProcess sub;
    sub.start("mosquitto_sub", {"-h", "127.0.0.1", "-p", QString::number(broker.port()), "-t",
                                "alerts/#", "-v", "-q", "1", "-C", "30", "-i", "test-sub"});
    QVERIFY(sub.waitForStarted());
    QVERIFY(broker.waitSubscribed("test-sub"));
    Run run(project("alerts/{device}"), {"--for", "60s"});
    QVERIFY2(sub.waitForFinished(kHangGuardMs), qPrintable(broker.log()));
    const Json result = run.finish(false);
    QVERIFY2(run.exitCode() == 0, qPrintable(run.err()));
    QCOMPARE(nodeResult(result, "pub")["errors"].get<int64_t>(), 3);
    std::map<std::string, std::set<int64_t>> idsByTopic;
    for (const QByteArray& line : sub.readAllStandardOutput().trimmed().split('\n')) {
        const int space = line.indexOf(' ');
        idsByTopic[line.left(space).toStdString()].insert(
            Json::parse(line.mid(space + 1).toStdString())["id"].get<int64_t>());
    }
    QCOMPARE(idsByTopic.size(), size_t(3));
    for (int d = 0; d < 3; ++d) {
        const auto& ids = idsByTopic["alerts/" + std::string(devices[d])];
        QCOMPARE(ids.size(), size_t(10));
        for (int64_t id : ids) QCOMPARE(id % 3, int64_t(d));
    }
    const std::vector<Json> bad = readJsonl(dir.filePath("bad.jsonl"));
    QCOMPARE(bad.size(), size_t(3));
    QCOMPARE(bad[0]["error"].get<std::string>(), std::string("`topic`: {device} is NULL"));
    QCOMPARE(bad[1]["error"].get<std::string>(), std::string("`topic`: {device} is empty"));
    QCOMPARE(bad[2]["error"].get<std::string>(),
             std::string("`topic`: {device} is `x+y`, which cannot be in a topic (+, # and NUL are "
                         "not allowed)"));
    QCOMPARE(bad[2]["id"].get<int64_t>(), int64_t(102));
}

void TstMqtt::sinkHoldsAProgressMarkerUntilTheBrokerAcknowledged() {
    // A Kafka source commits rows once the marker behind them comes back from every sink; sink.mqtt
    // must keep it while the rows wait for a broker that is away, and let it go once the broker
    // has acknowledged them (QoS 1).
    Broker broker(freeLoopbackPort());
    QVERIFY2(broker.start(), qPrintable(broker.log()));
    const SchemaPtr schema = std::make_shared<const Schema>(Schema::stream({{"id", Type::Int}}));
    const NodeSpec& spec = *registry().find("sink.mqtt");
    auto inst = instantiateNode(spec, "pub",
                                {{"broker", "127.0.0.1:" + std::to_string(broker.port())},
                                 {"topic", "held"},
                                 {"qos", 1},
                                 {"client_id", "riffle-held"}},
                                SchemaInputs{{schema}, {0}});
    QVERIFY2(inst.isOk(), inst.message().c_str());
    NodeInstance node = std::move(inst.value());
    NodeMetrics& m = *node.metrics;
    node.context.metrics = &m;
    node.op = spec.createOperator(node.context);
    QVERIFY(node.op->open().isOk());
    QVERIFY2(waitUntil([&] { return m.link() == LinkState::Connected; }), m.linkReason().c_str());
    broker.stop();
    QVERIFY2(waitUntil([&] { return m.link() == LinkState::Connecting; }), m.linkReason().c_str());

    CollectingEmitter out(node.context.outputSchemas);
    BatchPtr batch = BatchPool::create()->acquire(schema);
    for (int i = 1; i <= 5; ++i) {
        batch->column(0).appendTime(1767225600000000 + i);
        batch->column(1).appendInt(i);
        batch->commitRow();
    }
    node.op->process(0, *batch, out);
    bool processed = false;
    auto marker = std::make_shared<ProgressMarker>([&] { processed = true; });
    node.op->onMarker(marker);
    marker->release();  // the runtime's own hold, after onMarker
    for (int i = 0; i < 5; ++i) {
        QTest::qWait(60);
        node.op->onTimer(0, out);
    }
    QVERIFY2(!processed, "released while the broker was away");
    QVERIFY2(broker.start(), qPrintable(broker.log()));
    QVERIFY2(waitUntil([&] {
                 node.op->onTimer(0, out);
                 return processed;
             }),
             m.linkReason().c_str());
    node.op->finish(out);
    node.op->close();
}

void TstMqtt::mqttsTrustsItsCaFileAndChecksTheHost() {
    // A broker speaking TLS with a self-signed certificate for 127.0.0.1: refused with the
    // system's CAs, refused when the address names another host (localhost) even with the
    // certificate trusted, and read in full with `ca_file` and the right host.
    QTemporaryDir certs;
    QVERIFY2(makeTestCertificate(certs), "the openssl command could not make a test certificate");
    Broker broker(freeLoopbackPort(), certs.path());
    QVERIFY2(broker.start(), qPrintable(broker.log()));
    const std::string port = std::to_string(broker.port());
    const std::string caFile = certs.filePath("cert.pem").toStdString();
    auto reasonWith = [&](const Json& params) {
        const NodeSpec& spec = *registry().find("source.mqtt");
        auto inst = instantiateNode(spec, "tls", params, {});
        if (!inst) return inst.message();
        NodeInstance node = std::move(inst.value());
        node.context.metrics = node.metrics.get();
        node.source = spec.createSource(node.context);
        if (Status s = node.source->open(); !s) return s.message();
        waitUntil([&] { return node.metrics->linkReason().find("retrying") != std::string::npos; });
        std::string reason = node.metrics->linkReason();
        node.source->close();
        return reason;
    };
    const std::string untrusted =
        reasonWith({{"broker", "mqtts://127.0.0.1:" + port}, {"topic", "t"}, {"format", "raw"}});
    QVERIFY2(untrusted.rfind("the TLS handshake with 127.0.0.1:" + port +
                                 " failed: certificate verify failed, retrying in 1 s",
                             0) == 0,
             untrusted.c_str());
    const std::string otherHost = reasonWith({{"broker", "mqtts://localhost:" + port},
                                              {"topic", "t"},
                                              {"format", "raw"},
                                              {"ca_file", caFile}});
    QVERIFY2(otherHost.find("certificate verify failed") != std::string::npos, otherHost.c_str());
    QCOMPARE(QString::fromStdString(reasonWith({{"broker", "mqtts://127.0.0.1:" + port},
                                                {"topic", "t"},
                                                {"format", "raw"},
                                                {"ca_file", "/nonexistent/ca.pem"}})),
             QString("source `tls`: `ca_file` `/nonexistent/ca.pem` cannot be read; it must hold "
                     "PEM certificates"));

    QTemporaryDir dir;
    const QString project = writeSourceProject(dir, {{"broker", "mqtts://127.0.0.1:" + port},
                                                     {"topic", "secure/ids"},
                                                     {"client_id", "riffle-tls"},
                                                     {"ca_file", caFile},
                                                     {"schema", {"id int"}}});
    Run run(project);
    QVERIFY2(broker.waitSubscribed("riffle-tls"), qPrintable(broker.log()));
    QVERIFY(publish(broker.port(), "secure/ids", 1, idLines(1, 200), true,
                    {"--cafile", certs.filePath("cert.pem")}));
    QVERIFY(run.waitHandled("src", 200));
    const Json result = run.finish();
    QVERIFY2(run.exitCode() == 0, qPrintable(run.err()));
    QCOMPARE(nodeResult(result, "src")["out"].get<int64_t>(), 200);
    QCOMPARE(nodeResult(result, "src")["link"].get<std::string>(), std::string("connected"));
    QCOMPARE(readJsonl(dir.filePath("out.jsonl")).size(), size_t(200));
}

QTEST_GUILESS_MAIN(TstMqtt)
#include "tst_mqtt.moc"
