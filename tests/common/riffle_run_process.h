#pragma once
// A riffle-run process for integration tests, printing its metrics as JSON lines every 200 ms;
// stopped with SIGINT (or killed at the end of the scope, or when the test process dies, so that
// a failing test leaves nothing running).
#include <QtTest/QtTest>

#include <signal.h>
#include <sys/prctl.h>

#include <nlohmann/json.hpp>

namespace riffle::test {

class RiffleRun {
public:
    explicit RiffleRun(const QStringList& args) {
        // Gone with the test even when the test crashes.
        m_p.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        m_p.start(RIFFLE_RUN_BIN, args + QStringList{"--json", "--metrics-every", "200ms"});
        if (!m_p.waitForStarted()) qFatal("cannot start riffle-run");
    }
    ~RiffleRun() {
        if (m_p.state() != QProcess::NotRunning) {
            m_p.kill();
            m_p.waitForFinished();
        }
    }
    // Latest "out + errors" of node `node` (a message either way), -1 before the first report.
    int64_t handled(const std::string& node) {
        const nlohmann::json n = latest(node);
        return n.is_null() ? -1 : n["out"].get<int64_t>() + n["errors"].get<int64_t>();
    }
    // The newest metrics of node `node` (its object in the latest JSON line), null before any.
    nlohmann::json latest(const std::string& node) {
        m_out += m_p.readAllStandardOutput();
        nlohmann::json found;
        for (const QByteArray& line : m_out.split('\n')) {
            if (!line.startsWith("{\"")) continue;
            const nlohmann::json j = nlohmann::json::parse(line.toStdString(), nullptr, false);
            if (j.is_discarded() || !j.contains("nodes")) continue;
            for (const auto& n : j["nodes"])
                if (n["id"] == node) found = n;
        }
        return found;
    }
    bool waitHandled(const std::string& node, int64_t n, int timeoutMs = 60000) {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            if (handled(node) >= n) return true;
            if (m_p.state() == QProcess::NotRunning) return false;
            m_p.waitForReadyRead(200);
        }
        return false;
    }
    // SIGINT; the final report (last JSON line), exit code in `code`.
    nlohmann::json stop(int& code) {
        if (m_p.state() != QProcess::NotRunning)
            ::kill(static_cast<pid_t>(m_p.processId()), SIGINT);
        if (!m_p.waitForFinished(30000)) {
            code = -1;
            return {};
        }
        code = m_p.exitStatus() == QProcess::NormalExit ? m_p.exitCode() : -2;
        m_out += m_p.readAllStandardOutput();
        m_err = QString::fromUtf8(m_p.readAllStandardError());
        const QList<QByteArray> lines = m_out.trimmed().split('\n');
        return nlohmann::json::parse(lines.last().toStdString(), nullptr, false);
    }
    QString err() const { return m_err; }
    // SIGKILL, as a crash or `kill -9`: nothing is flushed, nothing more is committed.
    void crash() {
        m_p.kill();
        m_p.waitForFinished();
    }
    bool running() const { return m_p.state() != QProcess::NotRunning; }
    // What it printed on stderr so far, for a failure message.
    QString errorOutput() {
        m_err += QString::fromUtf8(m_p.readAllStandardError());
        return m_err;
    }

private:
    QProcess m_p;
    QByteArray m_out;
    QString m_err;
};

}  // namespace riffle::test
