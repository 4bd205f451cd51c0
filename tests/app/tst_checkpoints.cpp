// Checkpoints and exactly-once recovery with riffle-run (docs/checkpoints.md): a project over a
// file of numbered events -> filter -> tumbling, hopping and session windows -> sink.sqlite and
// sink.file is killed with SIGKILL at random moments and started again until it has read the
// whole file; every sink must then hold each event once (lost 0, duplicates 0) and exactly the
// window results of a run that was never interrupted, and a chart's history exactly the points of
// that run (no point drawn twice). Also: Stop then Run continues, --from-
// scratch starts afresh, and an edit keeps the state of the nodes it leaves alone.
#include <QtTest/QtTest>

#include <sqlite3.h>

#include <map>
#include <random>

#include "engine/charts/chart_history.h"
#include "tests/common/riffle_run_process.h"

using Json = nlohmann::json;
using riffle::test::RiffleRun;

namespace {

constexpr int kEvents = 24000;  // 10 ms apart: 240 s of event time

// seq, ts (epoch ms), user, amount. Each user sends a block of 50 events (0.5 s) in turn, so a
// user pauses 3 s between blocks and the 2 s session gap closes a session per block.
void writeEvents(const QString& path) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QByteArray text = "seq,ts,user,amount\n";
    const int64_t t0 = 1'767'225'600'000;  // 2026-01-01
    for (int i = 0; i < kEvents; ++i) {
        text += QByteArray::number(i) + ',' + QByteArray::number(t0 + int64_t(i) * 10) + ",u" +
                QByteArray::number(i / 50 % 7) + ',' + QByteArray::number((i * 37) % 1000) + '.' +
                QByteArray::number(i % 10) + '\n';
    }
    f.write(text);
}

Json window(const std::string& id, const std::string& type, Json params) {
    return {{"id", id}, {"type", type}, {"params", std::move(params)}};
}

// The project, with `speed` pacing so that a run lasts a few seconds, and a checkpoint every
// 200 ms. `tumblingSize` lets a test edit one window.
Json project(double speed, const std::string& tumblingSize = "5s") {
    Json aggregates = Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                   {{"name", "total"}, {"expr", "SUM(amount)"}},
                                   {{"name", "mean"}, {"expr", "AVG(amount)"}},
                                   {{"name", "spread"}, {"expr", "STDDEV(amount)"}},
                                   {{"name", "lo"}, {"expr", "MIN(amount)"}},
                                   {{"name", "hi"}, {"expr", "MAX(seq)"}},
                                   {{"name", "first"}, {"expr", "FIRST_VALUE(seq)"}},
                                   {{"name", "seqs"}, {"expr", "COUNT(DISTINCT seq)"}},
                                   {{"name", "approx"}, {"expr", "APPROX_COUNT_DISTINCT(seq)"}},
                                   {{"name", "p90"}, {"expr", "PERCENTILE(amount, 0.9)"}},
                                   {{"name", "top"}, {"expr", "TOP_K(user, 2)"}}});
    Json nodes = Json::array({
        {{"id", "events"},
         {"type", "source.file"},
         {"params",
          {{"path", "events.csv"},
           {"time_field", "ts"},
           {"time_format", "epoch_ms"},
           {"speed", speed},
           {"batch_rows", 100}}}},
        {{"id", "kept"}, {"type", "transform.filter"}, {"params", {{"where", "seq % 7 <> 3"}}}},
        window("tumbling", "window.tumbling", {{"size", tumblingSize}, {"aggregates", aggregates}}),
        window(
            "hopping", "window.hopping",
            {{"size", "10s"}, {"slide", "5s"}, {"group_by", {"user"}}, {"aggregates", aggregates}}),
        window("sessions", "window.session",
               {{"gap", "2s"}, {"group_by", {"user"}}, {"aggregates", aggregates}}),
        {{"id", "events_db"},
         {"type", "sink.sqlite"},
         {"params", {{"path", "out/results.db"}, {"table", "events"}}}},
        {{"id", "events_file"}, {"type", "sink.file"}, {"params", {{"path", "out/events.jsonl"}}}},
        {{"id", "tumbling_db"},
         {"type", "sink.sqlite"},
         {"params", {{"path", "out/results.db"}, {"table", "tumbling"}}}},
        {{"id", "hopping_file"}, {"type", "sink.file"}, {"params", {{"path", "out/hopping.csv"}}}},
        {{"id", "sessions_db"},
         {"type", "sink.sqlite"},
         {"params", {{"path", "out/results.db"}, {"table", "sessions"}}}},
        {{"id", "sessions_file"},
         {"type", "sink.file"},
         {"params", {{"path", "out/sessions.jsonl"}}}},
        {{"id", "tumbling_chart"},
         {"type", "sink.chart.timeseries"},
         {"params", {{"y", {"n", "total"}}}}},
    });
    Json edges = Json::array();
    auto edge = [&](const std::string& from, const std::string& to) {
        edges.push_back({{"from", from + ".out"}, {"to", to + ".in"}});
    };
    edge("events", "kept");
    for (const char* w : {"tumbling", "hopping", "sessions"}) edge("kept", w);
    edge("kept", "events_db");
    edge("kept", "events_file");
    edge("tumbling", "tumbling_db");
    edge("tumbling", "tumbling_chart");
    edge("hopping", "hopping_file");
    edge("sessions", "sessions_db");
    edge("sessions", "sessions_file");
    return {{"format", "riffle-project"},
            {"version", 1},
            {"name", "checkpoints"},
            {"nodes", nodes},
            {"edges", edges},
            {"settings", {{"checkpoint_interval", "200ms"}}}};
}

// A folder with the events and the project.
struct Setup {
    QTemporaryDir dir;
    QString projectFile, store;
    explicit Setup(const Json& p) {
        writeEvents(dir.filePath("events.csv"));
        projectFile = dir.filePath("p.riffle");
        store = dir.filePath("checkpoints.sqlite");
        write(p);
    }
    void write(const Json& p) const {
        QFile f(projectFile);
        if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write the project");
        f.write(QByteArray::fromStdString(p.dump(1)));
    }
    QStringList args(const QStringList& more = {}) const {
        return QStringList{projectFile, "--checkpoints", store} + more;
    }
};

struct Finished {
    int code = -1;
    QString err;
};

Finished runToEnd(const Setup& s, const QStringList& more = {}) {
    QProcess p;
    p.start(RIFFLE_RUN_BIN, s.args(more));
    p.waitForFinished(180000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2,
            QString::fromUtf8(p.readAllStandardError())};
}

// Every row of `table`, each as its columns joined by '|', sorted.
QStringList tableRows(const QString& db, const char* table) {
    sqlite3* h = nullptr;
    QStringList rows;
    if (sqlite3_open_v2(db.toUtf8().constData(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
        return {"cannot open " + db};
    sqlite3_stmt* st = nullptr;
    const std::string sql = std::string("SELECT * FROM ") + table;
    if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW) {
            QStringList cells;
            for (int c = 0; c < sqlite3_column_count(st); ++c) {
                const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
                cells << (t ? QString::fromUtf8(t) : QString("NULL"));
            }
            rows << cells.join('|');
        }
    sqlite3_finalize(st);
    sqlite3_close(h);
    rows.sort();
    return rows;
}

QStringList fileLines(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {"cannot open " + path};
    QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    lines.sort();
    return lines;
}

// How often each expected sequence number is in `seqs`: lost and duplicated ones.
void countSeqs(const std::vector<int64_t>& seqs, int64_t& lost, int64_t& duplicates) {
    std::map<int64_t, int> seen;
    for (int64_t s : seqs) ++seen[s];
    lost = duplicates = 0;
    for (int i = 0; i < kEvents; ++i) {
        if (i % 7 == 3) continue;
        const int n = seen.count(i) ? seen[i] : 0;
        if (n == 0) ++lost;
        if (n > 1) duplicates += n - 1;
    }
    for (const auto& [s, n] : seen)
        if (s < 0 || s >= kEvents || s % 7 == 3) duplicates += n;  // never expected at all
}

// Everything the sinks hold, for comparing two runs.
struct Outputs {
    QStringList tumbling, hopping, sessionsDb, sessionsFile, chart;
    std::vector<int64_t> eventsDb, eventsFile;
};

Outputs outputs(const Setup& s) {
    Outputs o;
    const QString db = s.dir.filePath("out/results.db");
    o.tumbling = tableRows(db, "tumbling");
    o.sessionsDb = tableRows(db, "sessions");
    o.hopping = fileLines(s.dir.filePath("out/hopping.csv"));
    o.sessionsFile = fileLines(s.dir.filePath("out/sessions.jsonl"));
    for (const QString& row : tableRows(db, "events"))
        o.eventsDb.push_back(row.section('|', 1, 1).toLongLong());
    for (const QString& line : fileLines(s.dir.filePath("out/events.jsonl")))
        o.eventsFile.push_back(Json::parse(line.toStdString())["seq"].get<int64_t>());
    // The chart's points in every run's history ($XDG_DATA_HOME, set by the test).
    auto history =
        riffle::ChartHistory::open(riffle::chartHistoryPathFor(s.projectFile.toStdString()));
    if (history)
        for (const riffle::ChartRow& r :
             history.value()->load("tumbling_chart", 0, riffle::kMinTime, riffle::kMaxTime))
            o.chart
                << QStringLiteral("%1 %2 %3").arg(r.time).arg(r.values.at(0)).arg(r.values.at(1));
    o.chart.sort();
    return o;
}

// The sinks of a run that was interrupted hold exactly what an uninterrupted run's hold.
void compareWithUninterrupted(const Outputs& got, const Outputs& want) {
    int64_t lost = -1, duplicates = -1;
    countSeqs(got.eventsDb, lost, duplicates);
    QCOMPARE(lost, 0);
    QCOMPARE(duplicates, 0);
    countSeqs(got.eventsFile, lost, duplicates);
    QCOMPARE(lost, 0);
    QCOMPARE(duplicates, 0);
    QVERIFY(want.tumbling.size() == 48);  // 240 s in 5 s windows
    QCOMPARE(got.tumbling, want.tumbling);
    QCOMPARE(got.hopping.size(), want.hopping.size());
    QCOMPARE(got.hopping, want.hopping);
    QCOMPARE(got.sessionsDb, want.sessionsDb);
    QCOMPARE(got.sessionsFile, want.sessionsFile);
    QCOMPARE(want.chart.size(), qsizetype(48));
    QCOMPARE(got.chart, want.chart);
}

}  // namespace

class TstCheckpoints : public QObject {
    Q_OBJECT

    QTemporaryDir m_data;  // the projects' chart history

private slots:
    void initTestCase() { qputenv("XDG_DATA_HOME", m_data.path().toUtf8()); }
    void killedAtRandomMomentsLosesNothingAndCountsNothingTwice();
    void twoPhaseWindowsAreKilledAndLoseNothing();
    void stopThenRunContinuesWhereItStopped();
    void anEditKeepsTheStateOfTheNodesItLeavesAlone();
    void aBadIntervalIsRefusedWithTheSettingNamed();
};

void TstCheckpoints::killedAtRandomMomentsLosesNothingAndCountsNothingTwice() {
    Setup reference(project(0));
    const Finished whole = runToEnd(reference);
    QVERIFY2(whole.code == 0, qPrintable(whole.err));
    const Outputs want = outputs(reference);
    size_t kept = 0;
    for (int i = 0; i < kEvents; ++i) kept += i % 7 != 3;
    QCOMPARE(want.eventsDb.size(), kept);

    // RIFFLE_KILLS=200 for the note; CI kills 20 times.
    const int kills = qEnvironmentVariableIntValue("RIFFLE_KILLS") > 0
                          ? qEnvironmentVariableIntValue("RIFFLE_KILLS")
                          : 20;
    // 240 s of events in 8 s (80 s for 200 kills), so that the kills come before the end.
    Setup s(project(kills > 20 ? 3 : 30));
    std::mt19937 random(static_cast<unsigned>(QRandomGenerator::global()->generate()));
    int killed = 0, resumed = 0;
    for (int attempt = 0; killed < kills && attempt < kills * 3; ++attempt) {
        RiffleRun run(s.args());
        // Mostly early, where a checkpoint is being taken or was just taken.
        QTest::qWait(std::uniform_int_distribution<int>(100, 600)(random));
        if (!run.running()) break;  // it reached the end before the kill
        run.crash();
        ++killed;
        if (run.errorOutput().contains("resumed from checkpoint")) ++resumed;
    }
    qInfo("killed %d times, %d of the runs had resumed from a checkpoint", killed, resumed);
    QCOMPARE(killed, kills);
    QVERIFY(resumed > 0);
    const Finished last = runToEnd(s);
    QVERIFY2(last.code == 0, qPrintable(last.err));
    compareWithUninterrupted(outputs(s), want);
    // A run that read its whole file leaves nothing to resume: the next one starts afresh.
    const Finished again = runToEnd(s);
    QVERIFY2(again.code == 0, qPrintable(again.err));
    QVERIFY2(!again.err.contains("resumed"), qPrintable(again.err));
}

// A two-phase window (behind a generator of two shares, --parallelism 2): the partials' open
// windows and the windows handed to the merger and not yet emitted are in the checkpoints, so a
// run killed eight times gives exactly the windows of an uninterrupted one.
void TstCheckpoints::twoPhaseWindowsAreKilledAndLoseNothing() {
    const Json aggregates =
        Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                     {{"name", "users"}, {"expr", "COUNT(DISTINCT user_id)"}},
                     {{"name", "p50"}, {"expr", "PERCENTILE(latency_ms, 0.5)"}}});
    const Json p = {
        {"format", "riffle-project"},
        {"version", 1},
        {"nodes",
         Json::array(
             {{{"id", "clicks"},
               {"type", "source.clickstream"},
               {"params",
                {{"rate", 20000},
                 {"limit", 80000},
                 {"seed", 3},
                 {"start", "2026-01-01T00:00:00Z"}}}},
              {{"id", "per_page"},
               {"type", "window.tumbling"},
               {"params", {{"size", "500ms"}, {"group_by", {"page"}}, {"aggregates", aggregates}}}},
              {{"id", "out"},
               {"type", "sink.file"},
               {"params", {{"path", "out/windows.jsonl"}}}}})},
        {"edges", Json::array({{{"from", "clicks.out"}, {"to", "per_page.in"}},
                               {{"from", "per_page.out"}, {"to", "out.in"}}})},
        {"settings", {{"checkpoint_interval", "200ms"}}}};
    const QStringList parallel = {"--parallelism", "2"};
    Setup reference(p);
    const Finished whole = runToEnd(reference, parallel);
    QVERIFY2(whole.code == 0, qPrintable(whole.err));
    const QStringList want = fileLines(reference.dir.filePath("out/windows.jsonl"));
    QVERIFY(want.size() > 50);

    Setup s(p);
    std::mt19937 random(static_cast<unsigned>(QRandomGenerator::global()->generate()));
    int killed = 0, resumed = 0;
    for (int attempt = 0; killed < 8 && attempt < 24; ++attempt) {
        RiffleRun run(s.args(parallel));
        QTest::qWait(std::uniform_int_distribution<int>(150, 700)(random));
        if (!run.running()) break;
        run.crash();
        ++killed;
        if (run.errorOutput().contains("resumed from checkpoint")) ++resumed;
    }
    qInfo("two-phase: killed %d times, %d of the runs had resumed", killed, resumed);
    QVERIFY(resumed > 0);
    const Finished last = runToEnd(s, parallel);
    QVERIFY2(last.code == 0, qPrintable(last.err));
    QVERIFY2(!last.err.contains("no checkpoints"), qPrintable(last.err));
    QCOMPARE(fileLines(s.dir.filePath("out/windows.jsonl")), want);
}

void TstCheckpoints::stopThenRunContinuesWhereItStopped() {
    Setup reference(project(0));
    QCOMPARE(runToEnd(reference).code, 0);
    const Outputs want = outputs(reference);

    Setup s(project(60));
    {
        RiffleRun run(s.args());
        QVERIFY(run.waitHandled("events", 4000));
        int code = -1;
        const Json report = run.stop(code);
        QCOMPARE(code, 0);
        QVERIFY2(run.err().contains(QRegularExpression("checkpoint \\d+ of [0-9:]+ \\(.* keys, "
                                                       ".*\\) is kept: the next run continues "
                                                       "from it")),
                 qPrintable(run.err()));
        // The windows open at the stop were kept, not fired.
        QVERIFY(outputs(s).tumbling.size() < 48);
    }
    const Finished rest = runToEnd(s);
    QVERIFY2(rest.code == 0, qPrintable(rest.err));
    QVERIFY2(rest.err.contains(QRegularExpression(
                 "resumed from checkpoint \\d+ of [0-9:]+: 12 nodes continue, [0-9 ]+ keys")),
             qPrintable(rest.err));
    compareWithUninterrupted(outputs(s), want);
}

void TstCheckpoints::anEditKeepsTheStateOfTheNodesItLeavesAlone() {
    Setup s(project(60));
    {
        RiffleRun run(s.args());
        QVERIFY(run.waitHandled("events", 3000));
        int code = -1;
        run.stop(code);
        QCOMPARE(code, 0);
    }
    // The tumbling window's size changes: it starts fresh, every other node continues.
    s.write(project(60, "4s"));
    const Finished edited = runToEnd(s);
    QVERIFY2(edited.code == 0, qPrintable(edited.err));
    QVERIFY2(edited.err.contains("11 nodes continue"), qPrintable(edited.err));
    QVERIFY2(edited.err.contains("`tumbling` starts fresh: its parameters changed"),
             qPrintable(edited.err));
    // Its sink kept the rows written before the stop; the hopping and session results are
    // whole as if never stopped.
    Setup reference(project(0));
    QCOMPARE(runToEnd(reference).code, 0);
    const Outputs want = outputs(reference), got = outputs(s);
    QCOMPARE(got.hopping, want.hopping);
    QCOMPARE(got.sessionsDb, want.sessionsDb);
    int64_t lost = -1, duplicates = -1;
    countSeqs(got.eventsFile, lost, duplicates);
    QCOMPARE(lost, 0);
    QCOMPARE(duplicates, 0);

    // --from-scratch forgets the checkpoints: the files are written anew, and an SQLite table
    // keeps the rows of the stopped run, as it keeps those of any earlier run.
    Setup fresh(project(60));
    {
        RiffleRun run(fresh.args());
        QVERIFY(run.waitHandled("events", 3000));
        int code = -1;
        run.stop(code);
    }
    const Finished scratch = runToEnd(fresh, {"--from-scratch"});
    QCOMPARE(scratch.code, 0);
    QVERIFY2(!scratch.err.contains("resumed"), qPrintable(scratch.err));
    const Outputs again = outputs(fresh);
    countSeqs(again.eventsFile, lost, duplicates);
    QCOMPARE(lost, 0);
    QCOMPARE(duplicates, 0);
    QCOMPARE(again.hopping, want.hopping);
    QCOMPARE(again.sessionsFile, want.sessionsFile);
    QVERIFY(again.eventsDb.size() > want.eventsDb.size());
}

void TstCheckpoints::aBadIntervalIsRefusedWithTheSettingNamed() {
    Json p = project(0);
    p["settings"]["checkpoint_interval"] = "often";
    Setup s(p);
    const Finished r = runToEnd(s);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("settings: `checkpoint_interval` must be a duration like \"10s\" (at "
                            "least 100ms), or 0 for no checkpoints, got `often`"),
             qPrintable(r.err));
}

QTEST_GUILESS_MAIN(TstCheckpoints)
#include "tst_checkpoints.moc"
