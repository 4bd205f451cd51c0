// `riffle-run --export flink-sql` proven against a real Apache Flink (2.2, tests/peers/): the same
// project runs in Riffle and, exported, on Flink's MiniCluster over the same events, and the
// window results are compared row by row (COUNT, SUM, MIN and MAX exactly, AVG to 1e-9). The
// script of the test project is golden (tests/peers/golden/clicks_windows.sql), so a change to
// the export shows in review; RIFFLE_EXPORT_UPDATE=1 rewrites it. Nodes that cannot be exported
// refuse with their reason.
#include <QtTest/QtTest>

#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "tests/common/kafka_peer.h"
#include "tests/common/riffle_run_process.h"

using Json = nlohmann::json;

namespace {

constexpr int64_t kStartMs = 1767225600000;  // 2026-01-01T00:00:00Z

struct RunResult {
    int exitCode = -1;
    QString out, err;
};

RunResult run(const QString& program, const QStringList& args, int timeoutMs = 300000) {
    QProcess p;
    p.start(program, args);
    RunResult r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

// file (clicks.jsonl) -> filter -> map -> tumbling 10 s and hopping 20 s / 10 s per page ->
// two jsonl files. Paths are relative to the project's folder.
Json testProject() {
    const Json aggregates = Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                         {{"name", "total"}, {"expr", "SUM(ms)"}},
                                         {{"name", "avg_ms"}, {"expr", "AVG(ms)"}},
                                         {{"name", "lo"}, {"expr", "MIN(ms)"}},
                                         {{"name", "hi"}, {"expr", "MAX(double_ms)"}}});
    return {{"format", "riffle-project"},
            {"version", 1},
            {"name", "clicks_windows"},
            {"nodes",
             Json::array({{{"id", "clicks"},
                           {"type", "source.file"},
                           {"params",
                            {{"path", "clicks.jsonl"},
                             {"schema", {"ts int", "page string", "user_id int", "ms int"}},
                             {"time_field", "ts"},
                             {"time_format", "epoch_ms"},
                             {"max_out_of_orderness", "2s"}}}},
                          {{"id", "fast"},
                           {"type", "transform.filter"},
                           {"params", {{"where", "ms < 900 AND page <> '/p/6'"}}}},
                          {{"id", "doubled"},
                           {"type", "transform.map"},
                           {"params",
                            {{"fields", Json::array({{{"name", "double_ms"}, {"expr", "ms * 2"}}})},
                             {"keep_input", true}}}},
                          {{"id", "per_page"},
                           {"type", "window.tumbling"},
                           {"params",
                            {{"size", "10s"}, {"group_by", {"page"}}, {"aggregates", aggregates}}}},
                          {{"id", "sliding"},
                           {"type", "window.hopping"},
                           {"params",
                            {{"size", "20s"},
                             {"slide", "10s"},
                             {"group_by", {"page"}},
                             {"aggregates", aggregates}}}},
                          {{"id", "tumbling_out"},
                           {"type", "sink.file"},
                           {"params", {{"path", "tumbling.jsonl"}}}},
                          {{"id", "hopping_out"},
                           {"type", "sink.file"},
                           {"params", {{"path", "hopping.jsonl"}}}}})},
            {"edges", Json::array({{{"from", "clicks.out"}, {"to", "fast.in"}},
                                   {{"from", "fast.out"}, {"to", "doubled.in"}},
                                   {{"from", "doubled.out"}, {"to", "per_page.in"}},
                                   {{"from", "doubled.out"}, {"to", "sliding.in"}},
                                   {{"from", "per_page.out"}, {"to", "tumbling_out.in"}},
                                   {{"from", "sliding.out"}, {"to", "hopping_out.in"}}})}};
}

// 5000 clicks over about 95 s, a little out of order (never more than 1.5 s).
void writeClicks(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    uint32_t seed = 12345;
    auto next = [&] {
        seed = seed * 1664525u + 1013904223u;
        return seed >> 8;
    };
    for (int i = 0; i < 5000; ++i) {
        const int64_t ts = kStartMs + i * 19 - static_cast<int64_t>(next() % 1500);
        const Json row = {{"ts", ts},
                          {"page", "/p/" + std::to_string(next() % 8)},
                          {"user_id", next() % 300},
                          {"ms", next() % 1000}};
        f.write(QByteArray::fromStdString(row.dump()) + '\n');
    }
}

// "2026-01-01T00:00:10.000Z" and "2026-01-01 00:00:10" alike: "2026-01-01 00:00:10".
std::string second(const Json& v) {
    std::string s = v.get<std::string>().substr(0, 19);
    if (s.size() > 10) s[10] = ' ';
    return s;
}

using Key = std::tuple<std::string, std::string, std::string>;  // page, start, end
// The rows of JSON lines files, by page and window.
std::map<Key, Json> windowRows(const QStringList& files) {
    std::map<Key, Json> rows;
    for (const QString& path : files) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) continue;
        for (const QByteArray& line : f.readAll().split('\n')) {
            if (line.trimmed().isEmpty()) continue;
            const Json j = Json::parse(line.toStdString());
            rows[{j["page"].get<std::string>(), second(j["window_start"]),
                  second(j["window_end"])}] = j;
        }
    }
    return rows;
}

QStringList partFiles(const QString& folder) {
    QStringList out;
    QDirIterator it(folder, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (!QFileInfo(path).fileName().startsWith('.')) out << path;
    }
    return out;
}

}  // namespace

class TstFlinkExport : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        const QString problem = riffle::test::KafkaPeer::prepare();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    void windowsGiveTheSameResultsOnFlink() {
        QTemporaryDir dir;
        writeClicks(dir.filePath("clicks.jsonl"));
        const QString project = dir.filePath("clicks_windows.riffle");
        {
            QFile f(project);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(testProject().dump(2)));
        }
        const RunResult riffle = run(RIFFLE_RUN_BIN, {project});
        QVERIFY2(riffle.exitCode == 0, qPrintable(riffle.err));

        // The same project, its sinks pointed at folders of their own for Flink.
        const QString sql = dir.filePath("job.sql");
        const RunResult exported =
            run(RIFFLE_RUN_BIN, {"--export", "flink-sql", project, "--out", sql, "--set",
                                 "tumbling_out.path=flink_tumbling.jsonl", "--set",
                                 "hopping_out.path=flink_hopping.jsonl"});
        QVERIFY2(exported.exitCode == 0, qPrintable(exported.err));
        QFile script(sql);
        QVERIFY(script.open(QIODevice::ReadOnly));
        QString text = QString::fromUtf8(script.readAll());
        QVERIFY(
            text.contains("TUMBLE(TABLE `doubled`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND)"));
        QVERIFY(
            text.contains("HOP(TABLE `doubled`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND, "
                          "INTERVAL '20' SECOND)"));
        // Golden, with the temporary folder written as DIR.
        text.replace(dir.path(), "DIR");
        const QString golden =
            QStringLiteral(RIFFLE_SOURCE_DIR "/tests/peers/golden/clicks_windows.sql");
        if (qEnvironmentVariableIsSet("RIFFLE_EXPORT_UPDATE")) {
            QFile g(golden);
            QVERIFY(g.open(QIODevice::WriteOnly | QIODevice::Truncate));
            g.write(text.toUtf8());
        }
        QFile g(golden);
        QVERIFY2(g.open(QIODevice::ReadOnly), qPrintable("no golden script " + golden));
        QCOMPARE(text, QString::fromUtf8(g.readAll()));

        const RunResult flink = run(riffle::test::KafkaPeer::script(), {"flink-sql", sql}, 600000);
        QVERIFY2(flink.exitCode == 0, qPrintable(flink.err));
        QVERIFY(flink.out.contains("flink-sql: done in"));

        for (const char* kind : {"tumbling", "hopping"}) {
            const auto ours = windowRows({dir.filePath(QString(kind) + ".jsonl")});
            const auto theirs =
                windowRows(partFiles(dir.filePath(QString("flink_") + kind + ".jsonl")));
            QVERIFY2(ours.size() > 50, kind);
            QCOMPARE(theirs.size(), ours.size());
            for (const auto& [key, row] : ours) {
                const auto it = theirs.find(key);
                QVERIFY2(it != theirs.end(), qPrintable(QString("%1: Flink has no row for %2 %3")
                                                            .arg(kind, std::get<0>(key).c_str(),
                                                                 std::get<1>(key).c_str())));
                const Json& f = it->second;
                for (const char* exact : {"n", "total", "lo", "hi"})
                    QVERIFY2(
                        row[exact] == f[exact],
                        qPrintable(QString("%1 %2 %3: %4 is %5 in Riffle, %6 in Flink")
                                       .arg(kind, std::get<0>(key).c_str(),
                                            std::get<1>(key).c_str(), exact,
                                            row[exact].dump().c_str(), f[exact].dump().c_str())));
                QVERIFY(std::abs(row["avg_ms"].get<double>() - f["avg_ms"].get<double>()) <=
                        1e-9 * std::abs(row["avg_ms"].get<double>()));
            }
        }
    }

    // Kafka -> window -> Kafka on the real broker: Riffle reads the topic into one topic, the
    // exported script (made bounded: it stops at the offsets the topic had when it started)
    // reads it into another on Flink, and the window rows are the same.
    void kafkaToKafkaGivesTheSameWindowsOnFlink() {
        riffle::test::KafkaPeer kafka;
        QString problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        for (const char* topic : {"clicks", "riffle_out", "flink_out"})
            QVERIFY(kafka.createTopic(topic, QString(topic) == "clicks" ? 3 : 1).isEmpty());
        QStringList lines;
        for (int i = 0; i < 2000; ++i) {
            const int page = (i * 7) % 5;
            lines << QStringLiteral("/p/%1\t{\"ts\": %2, \"page\": \"/p/%1\", \"ms\": %3}")
                         .arg(page)
                         .arg(kStartMs + i * 37)
                         .arg((i * 13) % 1000);
        }
        QVERIFY(kafka.produce("clicks", lines).isEmpty());
        const Json project = {
            {"format", "riffle-project"},
            {"version", 1},
            {"name", "kafka_windows"},
            {"nodes",
             Json::array(
                 {{{"id", "in"},
                   {"type", "source.kafka"},
                   {"params",
                    {{"brokers", kafka.bootstrap().toStdString()},
                     {"topic", "clicks"},
                     {"group", "g-riffle"},
                     {"start", "earliest"},
                     {"schema", {"ts int", "page string", "ms int"}},
                     {"time_field", "ts"},
                     {"time_format", "epoch_ms"}}}},
                  {{"id", "per_page"},
                   {"type", "window.tumbling"},
                   {"params",
                    {{"size", "10s"},
                     {"group_by", {"page"}},
                     {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                                 {{"name", "total"}, {"expr", "SUM(ms)"}}})}}}},
                  {{"id", "out"},
                   {"type", "sink.kafka"},
                   {"params",
                    {{"brokers", kafka.bootstrap().toStdString()}, {"topic", "riffle_out"}}}}})},
            {"edges", Json::array({{{"from", "in.out"}, {"to", "per_page.in"}},
                                   {{"from", "per_page.out"}, {"to", "out.in"}}})}};
        QTemporaryDir dir;
        const QString path = dir.filePath("kafka_windows.riffle");
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(project.dump(2)));
        }
        {
            riffle::test::RiffleRun riffle({path});
            QVERIFY2(riffle.waitHandled("in", 2000, 120000), qPrintable(riffle.errorOutput()));
            int code = -1;
            riffle.stop(code);
            QCOMPARE(code, 0);
        }
        const QString sql = dir.filePath("job.sql");
        const RunResult exported =
            run(RIFFLE_RUN_BIN, {"--export", "flink-sql", path, "--out", sql, "--set",
                                 "out.topic=flink_out", "--set", "in.group=g-flink"});
        QVERIFY2(exported.exitCode == 0, qPrintable(exported.err));
        QFile script(sql);
        QVERIFY(script.open(QIODevice::ReadWrite));
        QString text = QString::fromUtf8(script.readAll());
        QVERIFY(text.contains("'scan.startup.mode' = 'group-offsets',"));
        text.replace("'scan.startup.mode' = 'group-offsets',",
                     "'scan.startup.mode' = 'group-offsets',\n  'scan.bounded.mode' = "
                     "'latest-offset',");
        script.resize(0);
        script.write(text.toUtf8());
        script.close();
        const RunResult flink = run(riffle::test::KafkaPeer::script(), {"flink-sql", sql}, 600000);
        QVERIFY2(flink.exitCode == 0, qPrintable(flink.err));

        auto rowsOf = [&](const char* topic) {
            std::map<std::pair<std::string, std::string>, Json> rows;
            for (const QString& line : kafka.consumeAll(topic)) {
                const Json j = Json::parse(line.toStdString());
                rows[{j["page"].get<std::string>(), second(j["window_start"])}] = j;
            }
            return rows;
        };
        const auto ours = rowsOf("riffle_out");
        const auto theirs = rowsOf("flink_out");
        QVERIFY2(ours.size() >= 35, qPrintable(QString::number(ours.size())));
        QCOMPARE(theirs.size(), ours.size());
        for (const auto& [key, row] : ours) {
            const auto it = theirs.find(key);
            QVERIFY2(it != theirs.end(), key.second.c_str());
            QCOMPARE(it->second["n"], row["n"]);
            QCOMPARE(it->second["total"], row["total"]);
        }
    }

    // A node without a Flink equivalent refuses the export, named, with its reason.
    void aNodeWithoutAFlinkEquivalentIsRefusedByName() {
        const QString example =
            QStringLiteral(RIFFLE_SOURCE_DIR "/projects/click_analytics.riffle");
        const RunResult r = run(RIFFLE_RUN_BIN, {"--export", "flink-sql", example});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("cannot export to Flink SQL: source `clicks` has no Flink SQL "
                                "equivalent: a generator has no Flink source"),
                 qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TstFlinkExport)
#include "tst_flink_export.moc"
