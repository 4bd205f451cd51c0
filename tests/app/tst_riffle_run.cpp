// End to end: the example projects through the real riffle-run binary, checked by what lands in
// the SQLite table and the files; bad projects and arguments; clean stop on SIGINT.
#include <QtTest/QtTest>

#include <signal.h>
#include <sqlite3.h>
#include <map>

#include <nlohmann/json.hpp>

using Json = nlohmann::json;

namespace {

struct RunResult {
    int exitCode = -1;
    QString out, err;
};

RunResult runTool(const QString& program, const QStringList& args, const QString& cwd = {},
                  int timeoutMs = 120000,
                  const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    if (!cwd.isEmpty()) p.setWorkingDirectory(cwd);
    p.setProcessEnvironment(env);
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

RunResult riffleRun(const QStringList& args, const QString& cwd = {}) {
    return runTool(RIFFLE_RUN_BIN, args, cwd);
}

QString projectPath(const QString& name) {
    return QString(RIFFLE_SOURCE_DIR) + "/projects/" + name;
}

// Copies an example project into `dir`, so its relative output paths land there.
QString copyProject(const QString& name, const QTemporaryDir& dir) {
    QString dst = dir.filePath(name);
    QFile::remove(dst);
    if (!QFile::copy(projectPath(name), dst)) qFatal("cannot copy %s", qPrintable(name));
    return dst;
}

Json lastJsonLine(const QString& out) {
    const QStringList lines = out.trimmed().split('\n');
    return Json::parse(lines.last().toStdString());
}

Json nodeResult(const Json& result, const std::string& id) {
    for (const auto& n : result["nodes"])
        if (n["id"] == id) return n;
    qFatal("no node %s in result", id.c_str());
}

std::vector<std::vector<std::string>> query(const QString& dbPath, const std::string& sql) {
    sqlite3* db = nullptr;
    std::vector<std::vector<std::string>> rows;
    if (sqlite3_open_v2(dbPath.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr) !=
        SQLITE_OK)
        qFatal("cannot open %s", qPrintable(dbPath));
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
        qFatal("bad query %s: %s", sql.c_str(), sqlite3_errmsg(db));
    while (sqlite3_step(st) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int c = 0; c < sqlite3_column_count(st); ++c) {
            const unsigned char* t = sqlite3_column_text(st, c);
            row.push_back(t ? reinterpret_cast<const char*>(t) : "NULL");
        }
        rows.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

}  // namespace

class TstRiffleRun : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void clicksToSqliteFillsTableAndCsv();
    void metricsAlertsLogsAndWritesAnomalies();
    void clickAnalyticsWindowsAddUp();
    void fraudAlertsFireAndResolvePerUser();
    void sigintStopsCleanlyWithSinksFlushed();
    void validateReportsEveryProblem();
    void memoryLimitFailsTheNodeWhoseStatePassesIt();
    void brokenProjectsExitTwoWithThePlaceNamed();
    void badArgumentsExitTwo();
    void listNodesDescribesTheCatalog();
    void nodeReferenceIsUpToDate();
    void explainPrintsTheGoldenPlan();
    void benchPrintsJson();
    void chartTablesJsonAndHistory();
    void secretsAreStoredPrivatelyAndNeverInTheProject();

private:
    // Chart history of every run goes here, never into the user's own data folder.
    QTemporaryDir m_dataHome;
};

void TstRiffleRun::initTestCase() {
    QVERIFY(m_dataHome.isValid());
    qputenv("XDG_DATA_HOME", m_dataHome.path().toUtf8());
}

void TstRiffleRun::clicksToSqliteFillsTableAndCsv() {
    QTemporaryDir dir;
    const QString project = copyProject("clicks_to_sqlite.riffle", dir);
    RunResult r = riffleRun({project, "--json", "--set", "clicks.rate=0", "--set",
                             "clicks.limit=20000", "--set", "clicks.start=2026-01-01T00:00:00Z"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    Json result = lastJsonLine(r.out);
    QCOMPARE(QString::fromStdString(result["status"]), QString("done"));
    QCOMPARE(nodeResult(result, "clicks")["out"].get<int64_t>(), 20000);
    const int64_t engaged = nodeResult(result, "engaged")["out"].get<int64_t>();
    QVERIFY(engaged > 0 && engaged < 20000);
    QCOMPARE(nodeResult(result, "enrich")["out"].get<int64_t>(), engaged);
    QCOMPARE(nodeResult(result, "db")["in"].get<int64_t>(), engaged);
    QCOMPARE(nodeResult(result, "db")["errors"].get<int64_t>(), 0);
    QCOMPARE(QString::fromStdString(nodeResult(result, "db")["watermark"]), QString("end"));

    const QString db = dir.filePath("out/clicks.db");
    QCOMPARE(query(db, "SELECT COUNT(*) FROM clicks")[0][0], std::to_string(engaged));
    QCOMPARE(
        query(
            db,
            "SELECT COUNT(*) FROM clicks WHERE event NOT IN ('click','add_to_cart','purchase')")[0]
                                                                                                [0],
        std::string("0"));
    // The map's expressions, checked row by row in SQL.
    QCOMPARE(query(db,
                   "SELECT COUNT(*) FROM clicks WHERE event = 'purchase' AND "
                   "abs(amount_eur - round(amount * 0.92, 2)) > 0.0001")[0][0],
             std::string("0"));
    QCOMPARE(query(db, "SELECT COUNT(*) FROM clicks WHERE slow <> (latency_ms > 500)")[0][0],
             std::string("0"));
    QCOMPARE(query(db,
                   "SELECT COUNT(*) FROM clicks WHERE minute <> substr(_time, 1, 10) || ' ' || "
                   "substr(_time, 12, 5)")[0][0],
             std::string("0"));
    QVERIFY(query(db, "SELECT MIN(_time) FROM clicks")[0][0].rfind("2026-01-01T00:00:", 0) == 0);

    QFile csv(dir.filePath("out/clicks.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), engaged + 1);
    QCOMPARE(QString(lines[0]),
             QString("_time,user_id,session_id,page,event,referrer,country,device,latency_ms,"
                     "amount,section,amount_eur,slow,minute"));
}

void TstRiffleRun::metricsAlertsLogsAndWritesAnomalies() {
    QTemporaryDir dir;
    const QString project = copyProject("metrics_alerts_basic.riffle", dir);
    RunResult r = riffleRun({project, "--set", "metrics.realtime=false", "--set",
                             "metrics.limit=5000", "--set", "metrics.start=2026-01-01T00:00:00Z"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QStringList logLines = r.out.split('\n').filter(QRegularExpression("^\\[log\\] _time="));
    QCOMPARE(logLines.size(), 50);
    QVERIFY(r.out.contains(
        QRegularExpression("\\[log\\] \\.\\.\\. \\d+ more events not shown \\(limit 50\\)")));
    QVERIFY(r.out.contains(QRegularExpression("\\nmetrics\\s+source\\.metrics\\s+0\\s+5000\\s")));

    QFile file(dir.filePath("out/anomalies.jsonl"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    QVERIFY(lines.size() > 50);
    for (const QByteArray& line : lines) {
        Json j = Json::parse(line.toStdString());
        QVERIFY(j["anomaly"].get<bool>() || j["cpu_pct"].get<double>() > 90 ||
                j["latency_ms"].get<double>() > 1000);
    }
}

void TstRiffleRun::clickAnalyticsWindowsAddUp() {
    QTemporaryDir dir;
    const QString project = copyProject("click_analytics.riffle", dir);
    // 300 000 events, 10 us apart: 3 s of event time, so 1 funnel minute and 1 uniques minute
    // and 10 s windows that all close at the end of the stream.
    RunResult r = riffleRun({project, "--json", "--set", "clicks.rate=0", "--set",
                             "clicks.limit=300000", "--set", "clicks.start=2026-01-01T00:00:00Z"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    Json result = lastJsonLine(r.out);
    for (const char* id : {"views_per_page", "funnel", "latency", "uniques"}) {
        QCOMPARE(nodeResult(result, id)["late"].get<int64_t>(), 0);
        QCOMPARE(QString::fromStdString(nodeResult(result, id)["watermark"]), QString("end"));
        // Each window reports the state it held (sampled after its first batch at the latest).
        QVERIFY(nodeResult(result, id)["state_keys_peak"].get<int64_t>() > 0);
        QVERIFY(nodeResult(result, id)["state_bytes_peak"].get<int64_t>() > 0);
    }
    QCOMPARE(nodeResult(result, "clicks")["state_bytes_peak"].get<int64_t>(), 0);
    // The uniques window's HyperLogLog sketches make its state larger per key than a count's.
    QVERIFY(nodeResult(result, "uniques")["state_bytes_peak"].get<int64_t>() /
                nodeResult(result, "uniques")["state_keys_peak"].get<int64_t>() >
            nodeResult(result, "views_per_page")["state_bytes_peak"].get<int64_t>() /
                nodeResult(result, "views_per_page")["state_keys_peak"].get<int64_t>());
    const QString db = dir.filePath("out/analytics.db");
    QCOMPARE(query(db, "SELECT SUM(views) FROM views_per_page")[0][0], std::string("300000"));
    QCOMPARE(query(db, "SELECT COUNT(*) FROM views_per_page WHERE final = 0")[0][0],
             std::string("0"));
    QCOMPARE(
        query(db, "SELECT COUNT(*), MIN(window_start), MAX(window_end) FROM funnel")[0],
        std::vector<std::string>({"1", "2026-01-01T00:00:00.000Z", "2026-01-01T00:01:00.000Z"}));
    auto funnel = query(db, "SELECT sessions, product_views, cart_adds, purchases FROM funnel")[0];
    QVERIFY(std::stoll(funnel[0]) > std::stoll(funnel[1]));
    QVERIFY(std::stoll(funnel[1]) > std::stoll(funnel[2]));
    QVERIFY(std::stoll(funnel[2]) > std::stoll(funnel[3]));
    QVERIFY(std::stoll(funnel[3]) > 0);
    QCOMPARE(query(db, "SELECT COUNT(*) FROM latency WHERE p99_ms < avg_ms")[0][0],
             std::string("0"));
    QCOMPARE(query(db,
                   "SELECT group_concat(device) FROM (SELECT DISTINCT device FROM latency ORDER BY "
                   "device)")[0][0],
             std::string("desktop,mobile,tablet"));
    auto uniques = query(db, "SELECT unique_users, events FROM uniques")[0];
    QCOMPARE(uniques[1], std::string("300000"));
    QVERIFY(std::stoll(uniques[0]) > 1000 &&
            std::stoll(uniques[0]) <= 10000);  // 10 000 users by default
}

// Purchase bursts: per user, alerts alternate firing / resolved, a firing one names 3 or more
// purchases in its minute and a resolved one fewer.
void TstRiffleRun::fraudAlertsFireAndResolvePerUser() {
    QTemporaryDir dir;
    const QString project = copyProject("fraud_alerts.riffle", dir);
    RunResult r = riffleRun({project, "--json", "--set", "clicks.rate=0", "--set",
                             "clicks.limit=3000000", "--set", "clicks.start=2026-01-01T00:00:00Z"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const auto rows = query(dir.filePath("out/fraud.db"),
                            "SELECT user_id, state, message FROM alerts ORDER BY _time");
    QVERIFY(rows.size() > 10);
    std::map<std::string, std::string> last;
    int firing = 0, resolved = 0;
    const QRegularExpression text("^user (\\d+): (\\d+) purchases for [0-9.]+ in one minute$");
    for (const auto& row : rows) {
        const auto m = text.match(QString::fromStdString(row[2]));
        QVERIFY2(m.hasMatch(), row[2].c_str());
        QCOMPARE(m.captured(1).toStdString(), row[0]);
        const int purchases = m.captured(2).toInt();
        if (row[1] == "firing") {
            ++firing;
            QVERIFY2(purchases >= 3, row[2].c_str());
            QVERIFY2(last[row[0]] != "firing", ("fired twice: " + row[2]).c_str());
        } else {
            ++resolved;
            QCOMPARE(row[1], std::string("resolved"));
            QVERIFY2(purchases < 3, row[2].c_str());
            QCOMPARE(last[row[0]], std::string("firing"));
        }
        last[row[0]] = row[1];
    }
    QVERIFY(firing > 0 && resolved > 0);
}

void TstRiffleRun::sigintStopsCleanlyWithSinksFlushed() {
    QTemporaryDir dir;
    const QString project = copyProject("clicks_to_sqlite.riffle", dir);
    QProcess p;
    p.start(RIFFLE_RUN_BIN, {project, "--json", "--set", "clicks.rate=2000"});
    QVERIFY(p.waitForStarted());
    QTest::qWait(1500);
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(20000));
    QCOMPARE(p.exitCode(), 0);
    Json result = lastJsonLine(QString::fromUtf8(p.readAllStandardOutput()));
    QCOMPARE(QString::fromStdString(result["reason"]), QString("stopped by signal"));
    const int64_t written = nodeResult(result, "db")["in"].get<int64_t>();
    QVERIFY(written > 0);
    QCOMPARE(query(dir.filePath("out/clicks.db"), "SELECT COUNT(*) FROM clicks")[0][0],
             std::to_string(written));
}

void TstRiffleRun::validateReportsEveryProblem() {
    QTemporaryDir dir;
    QFile f(dir.filePath("bad.riffle"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"format": "riffle-project", "version": 1, "name": "bad",
      "nodes": [{"id": "c", "type": "source.clickstream", "params": {"rate": "fast"}},
                {"id": "f", "type": "transform.filter", "params": {"where": "pgae = 'x'"}},
                {"id": "l", "type": "sink.lgo"}],
      "edges": [{"from": "c.out", "to": "f.in"}]})");
    f.close();
    RunResult r = riffleRun({"--validate", f.fileName()});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.out.contains("source `c`: `rate` must be a number, got `fast`"), qPrintable(r.out));
    QVERIFY2(r.out.contains("node `l`: unknown node type `sink.lgo` (did you mean `sink.log`?)"),
             qPrintable(r.out));
    QVERIFY(r.out.contains("2 problems"));

    RunResult ok = riffleRun({"--validate", projectPath("clicks_to_sqlite.riffle")});
    QCOMPARE(ok.exitCode, 0);
    QVERIFY(ok.out.contains("OK (5 nodes, 4 edges)"));
    RunResult analytics = riffleRun({"--validate", projectPath("click_analytics.riffle")});
    QCOMPARE(analytics.exitCode, 0);
}

// A window over a million distinct users in one hour would fill memory; with memory_limit it
// fails, naming the node, its keys and the limit, instead of the machine swapping.
void TstRiffleRun::memoryLimitFailsTheNodeWhoseStatePassesIt() {
    QTemporaryDir dir;
    auto write = [&](const QString& name, const QString& limit) {
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(name));
        f.write(
            QString(
                R"json({"format": "riffle-project", "version": 1, "settings": {"memory_limit": %1},
          "nodes": [{"id": "clicks", "type": "source.clickstream",
                     "params": {"rate": 0, "limit": 3000000, "users": 1000000}},
                    {"id": "per_user", "type": "window.tumbling",
                     "params": {"size": "1h", "group_by": ["user_id"],
                                "aggregates": [{"name": "n", "expr": "COUNT(*)"}]}},
                    {"id": "log", "type": "sink.log"}],
          "edges": [{"from": "clicks.out", "to": "per_user.in"}, {"from": "per_user.out", "to": "log.in"}]})json")
                .arg(limit)
                .toUtf8());
        return f.fileName();
    };
    RunResult r = riffleRun({write("tight.riffle", "\"2 MiB\""), "--json"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QRegularExpression(
                 "window `per_user`: its state grew to [0-9 ]+ groups in open windows \\([0-9.]+ "
                 "MiB\\), which "
                 "passes the project's memory_limit of 2 MiB; keep fewer groups in open windows")),
             qPrintable(r.err));
    const Json result = lastJsonLine(r.out);
    QVERIFY(nodeResult(result, "clicks")["out"].get<int64_t>() < 3000000);  // stopped early
    QVERIFY(nodeResult(result, "per_user")["state_bytes_peak"].get<int64_t>() > 2 * 1024 * 1024);

    RunResult bad = riffleRun({"--validate", write("bad.riffle", "\"lots\"")});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.out.contains(
                 "bad.riffle: settings: `memory_limit` must be a number of bytes or a size like "
                 "\"4GiB\" (at least 1 MiB), got `lots`"),
             qPrintable(bad.out));
}

void TstRiffleRun::brokenProjectsExitTwoWithThePlaceNamed() {
    QTemporaryDir dir;
    QFile f(dir.filePath("truncated.riffle"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    QFile src(projectPath("clicks_to_sqlite.riffle"));
    QVERIFY(src.open(QIODevice::ReadOnly));
    f.write(src.readAll().left(300));
    f.close();
    RunResult r = riffleRun({f.fileName()});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QRegularExpression("truncated\\.riffle: \\d+:\\d+: invalid JSON: ")),
             qPrintable(r.err));
    QVERIFY(!r.err.contains("terminate"));

    QFile filter(dir.filePath("typo.riffle"));
    QVERIFY(filter.open(QIODevice::WriteOnly));
    filter.write(R"({"format": "riffle-project", "version": 1,
      "nodes": [{"id": "c", "type": "source.clickstream", "params": {"limit": 5}},
                {"id": "f", "type": "transform.filter", "params": {"where": "page = "}},
                {"id": "l", "type": "sink.log"}],
      "edges": [{"from": "c.out", "to": "f.in"}, {"from": "f.out", "to": "l.in"}]})");
    filter.close();
    RunResult t = riffleRun({filter.fileName()});
    QCOMPARE(t.exitCode, 2);
    QVERIFY2(t.err.contains("transform `f`: `where`: 1:8: expected an expression after `=`"),
             qPrintable(t.err));
    QVERIFY(t.err.contains("nothing was run"));

    // A number beyond a double is a message with its place, not an uncaught exception.
    QFile huge(dir.filePath("huge.riffle"));
    QVERIFY(huge.open(QIODevice::WriteOnly));
    huge.write(R"({"format": "riffle-project", "version": 1,
      "nodes": [{"id": "c", "type": "source.clickstream", "params": {"rate": 1e400}}]})");
    huge.close();
    RunResult h = riffleRun({"--validate", huge.fileName()});
    QCOMPARE(h.exitCode, 2);
    QVERIFY2(h.err.contains(
                 "huge.riffle: 2:78: the number 1e400 is too large (a number must fit a double)"),
             qPrintable(h.err));
    QVERIFY2(!h.err.contains("terminate") && !h.err.contains("exception"), qPrintable(h.err));

    RunResult missing = riffleRun({dir.filePath("nope.riffle")});
    QCOMPARE(missing.exitCode, 2);
    QVERIFY(missing.err.contains("nope.riffle: cannot open the file"));
}

void TstRiffleRun::badArgumentsExitTwo() {
    RunResult r = riffleRun({projectPath("clicks_to_sqlite.riffle"), "--for", "ten"});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains("--for needs a duration like 10s, 500ms or 5m, got `ten`"));
    RunResult u = riffleRun({"--frobnicate"});
    QCOMPARE(u.exitCode, 2);
    QVERIFY(u.err.contains("unknown option `--frobnicate`"));
    RunResult s = riffleRun({projectPath("clicks_to_sqlite.riffle"), "--set", "ghost.rate=1"});
    QCOMPARE(s.exitCode, 2);
    QVERIFY(s.err.contains("the project has no node `ghost`"));
}

void TstRiffleRun::listNodesDescribesTheCatalog() {
    RunResult r = riffleRun({"--list-nodes", "--json"});
    QCOMPARE(r.exitCode, 0);
    Json nodes = Json::parse(r.out.toStdString());
    QStringList types;
    for (const auto& n : nodes) types << QString::fromStdString(n["type"]);
    for (const char* t : {"source.clickstream", "source.metrics", "source.file", "transform.filter",
                          "transform.map", "transform.union", "window.tumbling", "window.hopping",
                          "window.session", "sink.file", "sink.sqlite", "sink.log"})
        QVERIFY2(types.contains(t), t);
    RunResult text = riffleRun({"--list-nodes"});
    QCOMPARE(text.exitCode, 0);
    QVERIFY(text.out.contains("transform.filter"));
}

void TstRiffleRun::nodeReferenceIsUpToDate() {
    RunResult r = riffleRun({"--list-nodes", "--markdown"});
    QCOMPARE(r.exitCode, 0);
    QFile doc(QString(RIFFLE_SOURCE_DIR) + "/docs/nodes.md");
    QVERIFY(doc.open(QIODevice::ReadOnly));
    QVERIFY2(QString::fromUtf8(doc.readAll()) == r.out,
             "docs/nodes.md is out of date: regenerate it with riffle-run --list-nodes --markdown "
             "> docs/nodes.md");
}

// `--explain` prints the plan tst_plan checks against its golden file, and makes none for a
// project that is not valid.
void TstRiffleRun::explainPrintsTheGoldenPlan() {
    const QString q5 = projectPath("nexmark/q5.riffle");
    RunResult r = riffleRun({"--explain", q5, "--threads", "2", "--parallelism", "2"});
    QCOMPARE(r.exitCode, 0);
    QFile golden(QString(RIFFLE_SOURCE_DIR) + "/tests/plans/nexmark_q5.p2.txt");
    QVERIFY(golden.open(QIODevice::ReadOnly));
    QCOMPARE(r.out, q5 + ": " + QString::fromUtf8(golden.readAll()));
    RunResult bad = riffleRun({"--explain", q5, "--set", "bids_per_auction.size=\"soon\""});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.err.contains("`size` must be a duration") && bad.err.contains("no plan was made"),
             qPrintable(bad.err));
    QVERIFY(bad.out.isEmpty());
}

void TstRiffleRun::benchPrintsJson() {
    RunResult h = runTool(RIFFLE_BENCH_BIN, {"handoff", "--events", "2000000", "--json"});
    QVERIFY2(h.exitCode == 0, qPrintable(h.err));
    Json j = Json::parse(h.out.toStdString());
    QCOMPARE(j["events"].get<int64_t>(), 2000000);
    for (const char* k : {"seconds", "events_per_s", "events_per_cpu_s", "p50_us", "p99_us"})
        QVERIFY2(j.contains(k), k);
    RunResult c = runTool(RIFFLE_BENCH_BIN, {"clicks-map", "--events", "200000", "--json"});
    QVERIFY2(c.exitCode == 0, qPrintable(c.err));
    QCOMPARE(Json::parse(c.out.toStdString())["events"].get<int64_t>(), 200000);
    RunResult w = runTool(RIFFLE_BENCH_BIN, {"clicks-window", "--events", "200000", "--json"});
    QVERIFY2(w.exitCode == 0, qPrintable(w.err));
    // A checkpoint of 20 000 keys of window state is written, read back and restored whole.
    RunResult cp = runTool(RIFFLE_BENCH_BIN, {"checkpoint", "--events", "20000", "--json"});
    QVERIFY2(cp.exitCode == 0, qPrintable(cp.err));
    const Json jc = Json::parse(cp.out.toStdString());
    QCOMPARE(jc["events"].get<int64_t>(), 20000);
    for (const char* k : {"snapshot", "store_write", "store_read", "restore_total"})
        QVERIFY2(jc["busy_s"][k].get<double>() > 0, k);
    RunResult q1 = runTool(RIFFLE_BENCH_BIN, {"nexmark-q1", "--events", "200000", "--json"});
    QVERIFY2(q1.exitCode == 0, qPrintable(q1.err));
    const Json j1 = Json::parse(q1.out.toStdString());
    QVERIFY2(j1.is_object(), qPrintable(q1.out));
    QCOMPARE(QString::fromStdString(j1["query"]), QString("nexmark-q1"));
    QCOMPARE(j1["events"].get<int64_t>(), 200000);
    QVERIFY(j1["events_per_cpu_s"].get<double>() > 0);
    // Busy time is reported under the project's node ids; the file sink ran as a discarding one.
    for (const char* node : {"nexmark", "convert", "out"})
        QVERIFY2(j1["busy_s"].contains(node), node);
    RunResult bad = runTool(RIFFLE_BENCH_BIN, {"nexmark-q99"});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(
        bad.err.contains("unknown query `nexmark-q99` (known: handoff, clicks-map, clicks-window, "
                         "clicks-sliding, clicks-tumbling, kafka, replay, tcp, checkpoint, "
                         "sliding-hour, sliding-hour-p95, nexmark-q0, "
                         "nexmark-q1, nexmark-q2, nexmark-q3, nexmark-q5, nexmark-q7, nexmark-q8)"),
        qPrintable(bad.err));
}

// A CSV through a 10 s window into a bar chart and a time series: riffle-run prints each chart
// as a table and puts the same under "charts" in --json; each run is kept in the project's
// chart history under $XDG_DATA_HOME, and --no-history keeps none.
void TstRiffleRun::chartTablesJsonAndHistory() {
    QTemporaryDir dir;
    QFile csv(dir.filePath("clicks.csv"));
    QVERIFY(csv.open(QIODevice::WriteOnly));
    // [0, 10): home 2, cart 1; [10, 20): home 1, cart 3; [20, 30): home 1.
    csv.write(
        "time,page\n"
        "2026-01-01T00:00:00.000Z,home\n2026-01-01T00:00:01.000Z,cart\n2026-01-01T00:00:02.000Z,"
        "home\n"
        "2026-01-01T00:00:11.000Z,home\n2026-01-01T00:00:12.000Z,cart\n2026-01-01T00:00:13.000Z,"
        "cart\n"
        "2026-01-01T00:00:14.000Z,cart\n2026-01-01T00:00:25.000Z,home\n");
    csv.close();
    QFile project(dir.filePath("charts.riffle"));
    QVERIFY(project.open(QIODevice::WriteOnly));
    project.write(R"json({"format": "riffle-project", "version": 1, "name": "charts",
      "nodes": [{"id": "events", "type": "source.file", "params": {"path": "clicks.csv", "time_field": "time"}},
                {"id": "per_page", "type": "window.tumbling",
                 "params": {"size": "10s", "group_by": ["page"], "aggregates": [{"expr": "COUNT(*)", "name": "n"}]}},
                {"id": "pages", "type": "sink.chart.bar", "title": "Views per page"},
                {"id": "trend", "type": "sink.chart.timeseries", "params": {"title": "Views"}}],
      "edges": [{"from": "events.out", "to": "per_page.in"}, {"from": "per_page.out", "to": "pages.in"},
                {"from": "per_page.out", "to": "trend.in"}]})json");
    project.close();

    QTemporaryDir data;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_DATA_HOME", data.path());
    RunResult r = runTool(RIFFLE_RUN_BIN, {project.fileName()}, {}, 120000, env);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    // The bar chart: the latest count per page, largest first.
    QVERIFY2(r.out.contains("\nchart `pages` (bar, \"Views per page\"): 5 rows\n"
                            "  page  n\n"
                            "  cart  3\n"
                            "  home  1\n"),
             qPrintable(r.out));
    // The time series: every window and page, oldest first.
    QVERIFY2(r.out.contains("\nchart `trend` (timeseries, \"Views\"): 5 rows\n"
                            "  window_start              series  n\n"
                            "  2026-01-01T00:00:00.000Z  cart    1\n"
                            "  2026-01-01T00:00:00.000Z  home    2\n"
                            "  2026-01-01T00:00:10.000Z  cart    3\n"
                            "  2026-01-01T00:00:10.000Z  home    1\n"
                            "  2026-01-01T00:00:20.000Z  home    1\n"),
             qPrintable(r.out));
    const QRegularExpressionMatch where =
        QRegularExpression("\nchart history: (\\S+charts-[0-9a-f]{12}\\.sqlite) \\(run 1\\)\n")
            .match(r.out);
    QVERIFY2(where.hasMatch(), qPrintable(r.out));
    const QString history = where.captured(1);
    QVERIFY2(history.startsWith(data.path() + "/Riffle/Riffle/history/"), qPrintable(history));

    RunResult j = runTool(RIFFLE_RUN_BIN, {project.fileName(), "--json"}, {}, 120000, env);
    QVERIFY2(j.exitCode == 0, qPrintable(j.err));
    const Json charts = lastJsonLine(j.out)["charts"];
    QCOMPARE(charts["pages"],
             Json::parse(R"({"kind": "bar", "title": "Views per page", "rows_received": 5,
        "rows_dropped": 0, "columns": ["page", "n"], "rows": [["cart", "3"], ["home", "1"]]})"));
    QCOMPARE(charts["trend"]["columns"], Json::parse(R"(["window_start", "series", "n"])"));
    QCOMPARE(charts["trend"]["rows"].size(), size_t(5));
    QCOMPARE(charts["trend"]["rows"][4],
             Json::parse(R"(["2026-01-01T00:00:20.000Z", "home", "1"])"));

    // Two runs in one history file, each with its own final rows.
    QCOMPARE(query(history, "SELECT COUNT(*) FROM runs")[0][0], std::string("2"));
    QCOMPARE(
        query(history,
              "SELECT run, node, COUNT(*) FROM points GROUP BY run, node ORDER BY run, node"),
        std::vector<std::vector<std::string>>(
            {{"1", "pages", "5"}, {"1", "trend", "5"}, {"2", "pages", "5"}, {"2", "trend", "5"}}));
    QCOMPARE(query(history, "SELECT COUNT(*) FROM runs WHERE ended_us IS NULL")[0][0],
             std::string("0"));
    QCOMPARE(
        query(history,
              "SELECT series, vals FROM points WHERE run = 2 AND node = 'trend' ORDER BY time_us, "
              "series"),
        std::vector<std::vector<std::string>>(
            {{"cart", "1"}, {"home", "2"}, {"cart", "3"}, {"home", "1"}, {"home", "1"}}));

    QTemporaryDir none;
    env.insert("XDG_DATA_HOME", none.path());
    RunResult n = runTool(RIFFLE_RUN_BIN, {project.fileName(), "--no-history"}, {}, 120000, env);
    QVERIFY2(n.exitCode == 0, qPrintable(n.err));
    QVERIFY(n.out.contains("chart `pages` (bar, \"Views per page\"): 5 rows"));
    QVERIFY(!n.out.contains("chart history:"));
    QVERIFY2(QDir(none.path()).isEmpty(), "--no-history wrote a file");
}

void TstRiffleRun::secretsAreStoredPrivatelyAndNeverInTheProject() {
    QTemporaryDir dir;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QString store = dir.filePath("config/Riffle/secrets.json");
    env.insert("RIFFLE_SECRETS_FILE", store);
    QProcess set;
    set.setProcessEnvironment(env);
    set.start(RIFFLE_RUN_BIN, {"--set-secret", "prod-kafka"});
    set.write("t0p-s3cret\n");
    set.closeWriteChannel();
    QVERIFY(set.waitForFinished(30000));
    QCOMPARE(set.exitCode(), 0);
    QVERIFY(QString::fromUtf8(set.readAllStandardOutput())
                .contains("refer to it as ${secret:prod-kafka}"));
    QCOMPARE(QFile(store).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
             QFileDevice::Permissions());
    RunResult list = runTool(RIFFLE_RUN_BIN, {"--list-secrets"}, {}, 30000, env);
    QCOMPARE(list.out, QString("prod-kafka\n"));
    QVERIFY(!list.out.contains("t0p-s3cret"));

    // A project that holds a secret itself is refused, naming the node and the parameter.
    const QString path = dir.filePath("literal.riffle");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"format": "riffle-project", "version": 1, "name": "p", "edges": [],
      "nodes": [{"id": "mq", "type": "source.mqtt", "position": [0, 0],
                 "params": {"topic": "t", "schema": ["v int"], "password": "t0p-s3cret"}}]})");
    f.close();
    RunResult bad = runTool(RIFFLE_RUN_BIN, {"--validate", path}, {}, 30000, env);
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.out.contains("`password` must be a reference like ${env:NAME} or ${secret:NAME}"),
             qPrintable(bad.out));

    RunResult removed = runTool(RIFFLE_RUN_BIN, {"--remove-secret", "prod-kafka"}, {}, 30000, env);
    QCOMPARE(removed.exitCode, 0);
    QCOMPARE(runTool(RIFFLE_RUN_BIN, {"--list-secrets"}, {}, 30000, env).out, QString());
}

QTEST_GUILESS_MAIN(TstRiffleRun)
#include "tst_riffle_run.moc"
