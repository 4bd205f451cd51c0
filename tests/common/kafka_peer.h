#pragma once
// A real Apache Kafka broker for a test (tests/peers/README.md): one KRaft node, broker and
// controller, on free loopback ports in a temporary folder, started with scripts/peers.sh and
// stopped (SIGTERM, then SIGKILL) when the object goes; or a cluster of three (KafkaCluster).
// Topics are made with Kafka's own kafka-topics tool; messages go in and come out with kcat.
#include <QtTest/QtTest>

#include <QRegularExpression>
#include <QUuid>

#include <sys/prctl.h>

#include <csignal>
#include <utility>
#include <vector>

#include "tests/common/json_line_sender.h"

namespace riffle::test {

class KafkaPeer {
public:
    KafkaPeer() = default;
    ~KafkaPeer() { stop(); }
    KafkaPeer(const KafkaPeer&) = delete;
    KafkaPeer& operator=(const KafkaPeer&) = delete;

    static QString script() { return QStringLiteral(RIFFLE_SOURCE_DIR "/scripts/peers.sh"); }

    // Builds the peers once (Maven; the first time downloads into ~/.m2); "" or what went wrong.
    static QString prepare() {
        QProcess p;
        p.start(script(), {"classpath"});
        if (!p.waitForFinished(600000)) return "scripts/peers.sh classpath did not finish";
        if (p.exitCode() != 0)
            return "scripts/peers.sh classpath failed: " +
                   QString::fromUtf8(p.readAllStandardError());
        return {};
    }

    // Before start(): the broker also listens for SASL_PLAINTEXT (mechanism PLAIN, user
    // `riffle`, password `riffle-secret`) and for SSL, with a self-signed certificate for
    // 127.0.0.1 that caFile() holds, each on a port of its own (saslBootstrap(), sslBootstrap()).
    void withSecuredListeners() {
        m_saslPort = freeTcpPort();
        m_sslPort = freeTcpPort();
    }
    QString saslBootstrap() const { return QStringLiteral("127.0.0.1:%1").arg(m_saslPort); }
    QString sslBootstrap() const { return QStringLiteral("127.0.0.1:%1").arg(m_sslPort); }
    QString caFile() const { return m_dir.filePath("ssl/ca.pem"); }

    // Before start(): this broker is node `nodeId` of a cluster whose controllers are `voters`
    // ("1@127.0.0.1:P1,2@127.0.0.1:P2,..."), formatted with `clusterId`, listening on `port` and
    // `controllerPort`; internal and new topics replicated `replication` times.
    void asClusterNode(int nodeId, quint16 port, quint16 controllerPort, const QString& voters,
                       const QString& clusterId, int replication) {
        m_port = port;
        m_controllerPort = controllerPort;
        m_cluster = {{"RIFFLE_PEERS_KAFKA_NODE_ID", QString::number(nodeId)},
                     {"RIFFLE_PEERS_KAFKA_VOTERS", voters},
                     {"RIFFLE_PEERS_KAFKA_CLUSTER_ID", clusterId},
                     {"RIFFLE_PEERS_KAFKA_REPLICATION", QString::number(replication)}};
    }

    // Starts the broker (a restart keeps the folder and the ports); "" when it is ready, else
    // the reason with the end of its log.
    QString start(int timeoutMs = 90000) {
        if (QString problem = launch(); !problem.isEmpty()) return problem;
        return waitReady(timeoutMs);
    }

    // Starts the broker's process without waiting for it (the nodes of a cluster wait for each
    // other); "" or why it could not start.
    QString launch() {
        if (m_port == 0) {
            for (int attempt = 0; attempt < 3; ++attempt) {
                m_port = freeTcpPort();
                m_controllerPort = freeTcpPort();
                if (m_port != m_controllerPort) break;
            }
        }
        QFile::remove(logPath());
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        // The broker goes with the test even when the test crashes (the script execs the JVM).
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        if (m_saslPort) env.insert("RIFFLE_PEERS_KAFKA_SASL_PORT", QString::number(m_saslPort));
        if (m_sslPort) env.insert("RIFFLE_PEERS_KAFKA_SSL_PORT", QString::number(m_sslPort));
        for (const auto& [name, value] : m_cluster) env.insert(name, value);
        m_process.setProcessEnvironment(env);
        m_process.start(script(), {"kafka", m_dir.path(), QString::number(m_port),
                                   QString::number(m_controllerPort)});
        if (!m_process.waitForStarted()) return "cannot start scripts/peers.sh kafka";
        return {};
    }

    // "" once the launched broker says it started, else the reason with the end of its log.
    QString waitReady(int timeoutMs = 90000) {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            if (m_process.state() == QProcess::NotRunning)
                return "the broker ended at start: " + logTail();
            QFile log(logPath());
            if (log.open(QIODevice::ReadOnly) && log.readAll().contains("Kafka Server started"))
                return {};
            QTest::qWait(100);
        }
        return "the broker was not ready within " + QString::number(timeoutMs / 1000) +
               " s: " + logTail();
    }

    // SIGKILL, as a power cut or a crash would end it.
    void crash() {
        if (m_process.state() == QProcess::NotRunning) return;
        m_process.kill();
        m_process.waitForFinished();
    }

    // SIGTERM and wait; SIGKILL if it does not end within 10 s.
    void stop() {
        if (m_process.state() == QProcess::NotRunning) return;
        m_process.terminate();
        if (!m_process.waitForFinished(10000)) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }

    QString bootstrap() const { return QStringLiteral("127.0.0.1:%1").arg(m_port); }

    // kafka-topics --create; "" or the tool's message.
    QString createTopic(const QString& topic, int partitions) const {
        return createTopicOn(bootstrap(), topic, partitions, 1);
    }
    static QString createTopicOn(const QString& bootstrap, const QString& topic, int partitions,
                                 int replication) {
        QProcess p;
        p.start(script(), {"kafka-topics", "--bootstrap-server", bootstrap, "--create", "--topic",
                           topic, "--partitions", QString::number(partitions),
                           "--replication-factor", QString::number(replication)});
        if (!p.waitForFinished(60000)) return "kafka-topics did not finish";
        return p.exitCode() == 0 ? QString() : QString::fromUtf8(p.readAllStandardError());
    }

    // Produces `lines` ("key\tvalue" each) with kcat; "" or kcat's message.
    QString produce(const QString& topic, const QStringList& lines) const {
        return produceTo(bootstrap(), topic, lines);
    }
    static QString produceTo(const QString& bootstrap, const QString& topic,
                             const QStringList& lines) {
        QProcess p;
        p.start("kcat", {"-b", bootstrap, "-t", topic, "-P", "-K", "\t", "-q"});
        if (!p.waitForStarted()) return "cannot start kcat";
        p.write(lines.join('\n').toUtf8() + '\n');
        p.closeWriteChannel();
        if (!p.waitForFinished(60000)) return "kcat -P did not finish";
        return p.exitCode() == 0 ? QString() : QString::fromUtf8(p.readAllStandardError());
    }

    // Every message of `topic` from the beginning, as kcat prints it (one line each; `key\tvalue`
    // when `withKeys`), read committed: a transaction's messages show once it committed (with
    // `uncommitted`, also those of open and aborted transactions).
    QStringList consumeAll(const QString& topic, bool withKeys = false,
                           bool uncommitted = false) const {
        return consumeAllFrom(bootstrap(), topic, withKeys, uncommitted);
    }
    static QStringList consumeAllFrom(const QString& bootstrap, const QString& topic,
                                      bool withKeys = false, bool uncommitted = false) {
        QProcess p;
        QStringList args = {
            "-b",
            bootstrap,
            "-C",
            "-t",
            topic,
            "-o",
            "beginning",
            "-e",
            "-q",
            "-X",
            uncommitted ? "isolation.level=read_uncommitted" : "isolation.level=read_committed"};
        if (withKeys)
            args << "-f"
                 << "%k\t%s\n";
        p.start("kcat", args);
        if (!p.waitForFinished(60000)) return {};
        return QString::fromUtf8(p.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts);
    }

private:
    QString logPath() const { return m_dir.filePath("broker.log"); }
    QString logTail() const {
        QFile log(logPath());
        if (!log.open(QIODevice::ReadOnly)) return "(no broker.log)";
        return QString::fromUtf8(log.readAll().right(2000));
    }

    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0, m_controllerPort = 0, m_saslPort = 0, m_sslPort = 0;
    std::vector<std::pair<QString, QString>> m_cluster;  // environment of a cluster's node
};

// Three KRaft nodes, each broker and controller, on loopback: topics replicated three times with
// min.insync.replicas 2, so the cluster goes on when one node fails.
class KafkaCluster {
public:
    static constexpr int kNodes = 3;

    KafkaCluster() = default;
    // SIGKILL: a node stopping gracefully waits for a quorum its peers, stopping too, no longer
    // give, and logs errors meanwhile.
    ~KafkaCluster() {
        for (KafkaPeer& n : m_nodes) n.crash();
    }
    KafkaCluster(const KafkaCluster&) = delete;
    KafkaCluster& operator=(const KafkaCluster&) = delete;

    // Starts every node; "" when all are ready.
    QString start(int timeoutMs = 120000) {
        // A cluster id as Kafka makes them: 16 random bytes, URL-safe base64, no leading '-'.
        QString id = "-";
        while (id.startsWith('-'))
            id = QString::fromLatin1(QUuid::createUuid().toRfc4122().toBase64(
                QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
        quint16 ports[kNodes], controllerPorts[kNodes];
        QString voters;
        for (int i = 0; i < kNodes; ++i) {
            ports[i] = freeTcpPort();
            controllerPorts[i] = freeTcpPort();
            voters += QStringLiteral("%1%2@127.0.0.1:%3")
                          .arg(i ? "," : "")
                          .arg(i + 1)
                          .arg(controllerPorts[i]);
        }
        for (int i = 0; i < kNodes; ++i) {
            m_nodes[i].asClusterNode(i + 1, ports[i], controllerPorts[i], voters, id, kNodes);
            if (QString problem = m_nodes[i].launch(); !problem.isEmpty()) return problem;
        }
        for (int i = 0; i < kNodes; ++i)
            if (QString problem = m_nodes[i].waitReady(timeoutMs); !problem.isEmpty())
                return QStringLiteral("node %1: ").arg(i + 1) + problem;
        return {};
    }

    KafkaPeer& node(int id) { return m_nodes[id - 1]; }  // 1, 2 or 3

    QString bootstrap() const {
        QStringList all;
        for (const KafkaPeer& n : m_nodes) all << n.bootstrap();
        return all.join(',');
    }

    // The broker that leads `partition` of `topic` (1, 2 or 3), or 0 when none does.
    int leader(const QString& topic, int partition) const {
        QProcess p;
        p.start(KafkaPeer::script(), {"kafka-topics", "--bootstrap-server", bootstrap(),
                                      "--describe", "--topic", topic});
        if (!p.waitForFinished(60000)) return 0;
        const QRegularExpression line(
            QStringLiteral("Partition: %1\\s+Leader: (\\d+)").arg(partition));
        const auto m = line.match(QString::fromUtf8(p.readAllStandardOutput()));
        return m.hasMatch() ? m.captured(1).toInt() : 0;
    }

private:
    KafkaPeer m_nodes[kNodes];
};

}  // namespace riffle::test
