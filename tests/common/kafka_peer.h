#pragma once
// A real Apache Kafka broker for a test (tests/peers/README.md): one KRaft node, broker and
// controller, on free loopback ports in a temporary folder, started with scripts/peers.sh and
// stopped (SIGTERM, then SIGKILL) when the object goes. Topics are made with Kafka's own
// kafka-topics tool; messages go in and come out with kcat.
#include <QtTest/QtTest>

#include <sys/prctl.h>

#include <csignal>

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

    // Starts the broker (a restart keeps the folder and the ports); "" when it is ready, else
    // the reason with the end of its log.
    QString start(int timeoutMs = 90000) {
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
        m_process.setProcessEnvironment(env);
        m_process.start(script(), {"kafka", m_dir.path(), QString::number(m_port),
                                   QString::number(m_controllerPort)});
        if (!m_process.waitForStarted()) return "cannot start scripts/peers.sh kafka";
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
        QProcess p;
        p.start(script(),
                {"kafka-topics", "--bootstrap-server", bootstrap(), "--create", "--topic", topic,
                 "--partitions", QString::number(partitions), "--replication-factor", "1"});
        if (!p.waitForFinished(60000)) return "kafka-topics did not finish";
        return p.exitCode() == 0 ? QString() : QString::fromUtf8(p.readAllStandardError());
    }

    // Produces `lines` ("key\tvalue" each) with kcat; "" or kcat's message.
    QString produce(const QString& topic, const QStringList& lines) const {
        QProcess p;
        p.start("kcat", {"-b", bootstrap(), "-t", topic, "-P", "-K", "\t", "-q"});
        if (!p.waitForStarted()) return "cannot start kcat";
        p.write(lines.join('\n').toUtf8() + '\n');
        p.closeWriteChannel();
        if (!p.waitForFinished(60000)) return "kcat -P did not finish";
        return p.exitCode() == 0 ? QString() : QString::fromUtf8(p.readAllStandardError());
    }

    // Every message of `topic` from the beginning, as kcat prints it (one line each; `key\tvalue`
    // when `withKeys`), read committed: a transaction's messages show once it committed.
    QStringList consumeAll(const QString& topic, bool withKeys = false) const {
        QProcess p;
        QStringList args = {"-b",
                            bootstrap(),
                            "-C",
                            "-t",
                            topic,
                            "-o",
                            "beginning",
                            "-e",
                            "-q",
                            "-X",
                            "isolation.level=read_committed"};
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
};

}  // namespace riffle::test
