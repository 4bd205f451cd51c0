// `riffle-run --export flink-sql` proven against a real Apache Flink (2.2, tests/peers/): the same
// project runs in Riffle and, exported, on Flink's MiniCluster over the same events, and the
// results are compared row by row: windows over a file, the click_analytics example and Nexmark
// q0, q1, q2, q3, q5, q7 and q8 over recorded generator output, a union feeding session windows,
// and Kafka -> window -> Kafka on the real broker. The exported scripts are golden
// (tests/peers/golden/), so a change to the export shows in review; RIFFLE_EXPORT_UPDATE=1 rewrites
// them. Nodes that cannot be exported refuse with their reason.
#include <QtTest/QtTest>

#include <map>
#include <set>
#include <tuple>

#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include "app/bench/nexmark_files.h"
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

using riffle::nexmark_files::fileSourceParams;
using riffle::nexmark_files::readFromFile;

// file (clicks.jsonl) -> filter -> map -> tumbling 10 s and hopping 20 s / 10 s per page ->
// two jsonl files. Paths are relative to the project's folder.
Json testProject() {
    const Json aggregates = Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                         {{"name", "total"}, {"expr", "SUM(ms)"}},
                                         {{"name", "avg_ms"}, {"expr", "AVG(ms)"}},
                                         {{"name", "lo"}, {"expr", "MIN(ms)"}},
                                         {{"name", "hi"}, {"expr", "MAX(double_ms)"}}});
    return {
        {"format", "riffle-project"},
        {"version", 1},
        {"name", "clicks_windows"},
        {"nodes",
         Json::array(
             {{{"id", "clicks"},
               {"type", "source.file"},
               {"params",
                fileSourceParams("clicks.jsonl", {"ts int", "page string", "user_id int", "ms int"},
                                 "2s")}},
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
               {"params", {{"size", "10s"}, {"group_by", {"page"}}, {"aggregates", aggregates}}}},
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

Json readJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) qFatal("cannot read %s", qPrintable(path));
    return Json::parse(f.readAll().toStdString());
}

void writeJson(const QString& path, const Json& j) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    f.write(QByteArray::fromStdString(j.dump(2)));
}

// Every row of `table` in the SQLite file, as JSON objects (the column names as keys).
std::vector<Json> sqliteRows(const QString& dbPath, const std::string& table) {
    std::vector<Json> rows;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(dbPath.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr) !=
        SQLITE_OK)
        qFatal("cannot open %s", qPrintable(dbPath));
    sqlite3_stmt* st = nullptr;
    const std::string sql = "SELECT * FROM \"" + table + "\"";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
        qFatal("bad query %s: %s", sql.c_str(), sqlite3_errmsg(db));
    while (sqlite3_step(st) == SQLITE_ROW) {
        Json row = Json::object();
        for (int c = 0; c < sqlite3_column_count(st); ++c) {
            const std::string name = sqlite3_column_name(st, c);
            switch (sqlite3_column_type(st, c)) {
                case SQLITE_INTEGER:
                    row[name] = sqlite3_column_int64(st, c);
                    break;
                case SQLITE_FLOAT:
                    row[name] = sqlite3_column_double(st, c);
                    break;
                case SQLITE_NULL:
                    row[name] = nullptr;
                    break;
                default:
                    row[name] = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
            }
        }
        rows.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

// The rows of a JSON Lines file (Riffle's), or of the part files in a folder (Flink's).
std::vector<Json> jsonRows(const QString& fileOrFolder) {
    std::vector<Json> rows;
    const QStringList files =
        QFileInfo(fileOrFolder).isFile() ? QStringList{fileOrFolder} : partFiles(fileOrFolder);
    for (const QString& path : files) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) continue;
        for (const QByteArray& line : f.readAll().split('\n'))
            if (!line.trimmed().isEmpty()) rows.push_back(Json::parse(line.toStdString()));
    }
    return rows;
}

// Rows by the values of `keys` (times to the second), final rows only.
std::map<std::string, Json> byKey(const std::vector<Json>& rows,
                                  const std::vector<std::string>& keys) {
    std::map<std::string, Json> out;
    for (const Json& r : rows) {
        if (r.contains("final") && !(r["final"] == true || r["final"] == 1)) continue;
        std::string k;
        for (const std::string& name : keys)
            k += (name.rfind("window_", 0) == 0 ? second(r[name]) : r[name].dump()) + " ";
        out[k] = r;
    }
    return out;
}

// Every row but its `_time` (written differently), times to the second, in a canonical order.
std::vector<Json> canonicalRows(const std::vector<Json>& in) {
    // A time as text: yyyy-mm-dd, then T or a space, then hh:mm:ss.
    auto isTime = [](const std::string& v) {
        if (v.size() < 19 || (v[10] != 'T' && v[10] != ' ')) return false;
        for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
            if (!std::isdigit(static_cast<unsigned char>(v[i]))) return false;
        return v[4] == '-' && v[7] == '-' && v[13] == ':' && v[16] == ':';
    };
    std::vector<std::pair<std::string, Json>> keyed;  // each row's text once, to sort by
    keyed.reserve(in.size());
    for (Json j : in) {
        j.erase("_time");
        for (auto& [name, value] : j.items())
            if (value.is_string() && isTime(value.get_ref<const std::string&>()))
                value = second(value);
        std::string text = j.dump();
        keyed.emplace_back(std::move(text), std::move(j));
    }
    std::sort(keyed.begin(), keyed.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Json> out;
    out.reserve(keyed.size());
    for (auto& [text, row] : keyed) out.push_back(std::move(row));
    return out;
}

// "" when the canonical rows of Riffle and of Flink are the same (floats to 1e-9), else the first
// difference.
QString rowMismatch(const std::vector<Json>& ours, const std::vector<Json>& theirs) {
    if (ours.size() != theirs.size())
        return QString("%1 rows in Riffle, %2 in Flink").arg(ours.size()).arg(theirs.size());
    for (size_t i = 0; i < ours.size(); ++i) {
        bool same = ours[i].size() == theirs[i].size();
        for (auto it = ours[i].begin(); same && it != ours[i].end(); ++it) {
            const Json& other = theirs[i].value(it.key(), Json());
            same = it->is_number_float() && other.is_number()
                       ? std::abs(it->get<double>() - other.get<double>()) <=
                             1e-9 * std::max(1.0, std::abs(it->get<double>()))
                       : *it == other;
        }
        if (!same)
            return QString("row %1 is %2 in Riffle, %3 in Flink")
                .arg(i)
                .arg(ours[i].dump().c_str(), theirs[i].dump().c_str());
    }
    return {};
}

// Writes 120 000 events of the clickstream generator (seed 7, a little out of order; its
// default users, or `users`) into DIR/clicks.jsonl, their event time in `ts` (epoch ms; the
// generator's steps stretched so that they span 2 minutes). False when riffle-run failed.
bool recordClicks(const QString& dir, int users = 0) {
    const Json fields = {"user_id", "session_id", "page",       "event", "referrer",
                         "country", "device",     "latency_ms", "amount"};
    Json mapFields =
        Json::array({{{"name", "ts"},
                      {"expr", "1767225600000 + (CAST(_time AS INT) - 1767225600000000) / 10"}}});
    for (const Json& f : fields) mapFields.push_back({{"name", f}, {"expr", f}});
    Json recorder = {
        {"format", "riffle-project"},
        {"version", 1},
        {"name", "record"},
        {"nodes", Json::array({{{"id", "gen"},
                                {"type", "source.clickstream"},
                                {"params",
                                 {{"rate", 0},
                                  {"seed", 7},
                                  {"limit", 120000},
                                  {"disorder_ms", 10},
                                  {"start", "2026-01-01T00:00:00Z"}}}},
                               {{"id", "stretch"},
                                {"type", "transform.map"},
                                {"params", {{"fields", mapFields}, {"keep_input", false}}}},
                               {{"id", "file"},
                                {"type", "sink.file"},
                                {"params", {{"path", (dir + "/clicks.jsonl").toStdString()}}}}})},
        {"edges", Json::array({{{"from", "gen.out"}, {"to", "stretch.in"}},
                               {{"from", "stretch.out"}, {"to", "file.in"}}})}};
    if (users > 0) recorder["nodes"][0]["params"]["users"] = users;
    writeJson(dir + "/record.riffle", recorder);
    return run(RIFFLE_RUN_BIN, {dir + "/record.riffle"}).exitCode == 0;
}

// The source.file parameters that read recordClicks()'s file (relative to the project).
Json recordedClicks() {
    return fileSourceParams(
        "clicks.jsonl",
        {"ts int", "user_id int", "session_id string", "page string", "event string",
         "referrer string", "country string", "device string", "latency_ms int", "amount float"},
        "2s");
}

// Writes the golden script `name` (RIFFLE_EXPORT_UPDATE=1) or compares `text` with it.
QString goldenMismatch(const QString& name, const QString& text) {
    const QString golden = QStringLiteral(RIFFLE_SOURCE_DIR "/tests/peers/golden/") + name;
    if (qEnvironmentVariableIsSet("RIFFLE_EXPORT_UPDATE")) {
        QFile g(golden);
        if (!g.open(QIODevice::WriteOnly | QIODevice::Truncate)) return "cannot write " + golden;
        g.write(text.toUtf8());
    }
    QFile g(golden);
    if (!g.open(QIODevice::ReadOnly)) return "no golden script " + golden;
    const QString want = QString::fromUtf8(g.readAll());
    if (want == text) return {};
    return "the export differs from " + golden + " (RIFFLE_EXPORT_UPDATE=1 rewrites it)";
}

// Runs `project` (written as DIR/NAME.riffle) with riffle-run, then its Flink SQL export on
// Flink, every sink.file of it writing `flink_` + its path there. riffle-run's output goes to
// `riffleOutput` when given; with `golden`, the exported script must be that golden script.
// "" or what failed.
QString runInRiffleAndOnFlink(const QTemporaryDir& dir, const QString& name, const Json& project,
                              QString* riffleOutput = nullptr, const QString& golden = {}) {
    const QString path = dir.filePath(name + ".riffle");
    writeJson(path, project);
    RunResult r = run(RIFFLE_RUN_BIN, {path});
    if (riffleOutput) *riffleOutput = r.out + r.err;
    if (r.exitCode != 0) return "riffle-run: " + r.err;
    const QString sql = dir.filePath(name + ".sql");
    QStringList args = {"--export", "flink-sql", path, "--out", sql};
    for (const Json& node : project["nodes"])
        if (node["type"] == "sink.file")
            args << "--set"
                 << QString::fromStdString(node["id"].get<std::string>() + ".path=flink_" +
                                           node["params"]["path"].get<std::string>());
    r = run(RIFFLE_RUN_BIN, args);
    if (r.exitCode != 0) return "the export: " + r.err;
    if (!golden.isEmpty()) {
        QFile script(sql);
        if (!script.open(QIODevice::ReadOnly)) return "cannot read " + sql;
        QString text = QString::fromUtf8(script.readAll());
        text.replace(dir.path(), "DIR");
        if (QString mismatch = goldenMismatch(golden, text); !mismatch.isEmpty()) return mismatch;
    }
    r = run(riffle::test::KafkaPeer::script(), {"flink-sql", sql}, 600000);
    if (r.exitCode != 0) return "Flink: " + r.err;
    return {};
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

    // The click_analytics example over a recorded input file: the clickstream generator writes
    // 120 000 events to a file (its 10 µs steps stretched to 1 ms, so they span 2 minutes), the
    // example reads that file instead of its generator, and its four SQLite tables equal the
    // tables Flink writes from the exported script: exactly for the counts and the average, the
    // exact p99 within 2 %, the HyperLogLog within 2 % of Flink's exact count. Its charts are
    // left out of the script, saying so.
    void clickAnalyticsGivesTheSameResultsOnFlink() {
        QTemporaryDir dir;
        const QString events = dir.filePath("clicks.jsonl");
        QVERIFY(recordClicks(dir.path()));
        Json project = readJson(RIFFLE_SOURCE_DIR "/projects/click_analytics.riffle");
        readFromFile(project, "clicks", recordedClicks());
        const QString problem =
            runInRiffleAndOnFlink(dir, "click_analytics", project, nullptr, "click_analytics.sql");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        const QString db = dir.filePath("out/analytics.db");
        QVERIFY(QFileInfo::exists(db));

        // The latencies of each device and 10 s window, as byKey names them.
        std::map<std::string, std::vector<double>> latencies;
        {
            QFile f(events);
            QVERIFY(f.open(QIODevice::ReadOnly));
            for (const QByteArray& line : f.readAll().split('\n')) {
                if (line.isEmpty()) continue;
                const Json e = Json::parse(line.toStdString());
                const int64_t start = e["ts"].get<int64_t>() / 10000 * 10000;
                const QString second = QDateTime::fromMSecsSinceEpoch(start, QTimeZone::utc())
                                           .toString("yyyy-MM-dd HH:mm:ss");
                latencies[e["device"].dump() + " " + second.toStdString() + " "].push_back(
                    e["latency_ms"].get<double>());
            }
        }
        struct Table {
            std::string name;
            std::vector<std::string> keys, exact;
            std::string approx;  // a sketch: how far from the exact value, at most
            size_t atLeast;
        };
        for (const Table& t : {Table{"views_per_page", {"page", "window_start"}, {"views"}, "", 60},
                               Table{"funnel",
                                     {"window_start"},
                                     {"sessions", "product_views", "cart_adds", "purchases"},
                                     "",
                                     2},
                               Table{"latency", {"device", "window_start"}, {}, "p99_ms", 30},
                               Table{"uniques", {"window_start"}, {"events"}, "unique_users", 2}}) {
            const auto ours = byKey(sqliteRows(db, t.name), t.keys);
            const auto theirs = byKey(
                jsonRows(dir.filePath("out/analytics/" + QString::fromStdString(t.name))), t.keys);
            QVERIFY2(ours.size() >= t.atLeast,
                     qPrintable(QString("%1: %2 rows").arg(t.name.c_str()).arg(ours.size())));
            QCOMPARE(theirs.size(), ours.size());
            double worst = 0;
            for (const auto& [key, row] : ours) {
                const auto it = theirs.find(key);
                QVERIFY2(it != theirs.end(),
                         qPrintable(QString::fromStdString(t.name + ": Flink has no row " + key)));
                const Json& f = it->second;
                for (const std::string& e : t.exact)
                    QVERIFY2(row[e] == f[e],
                             qPrintable(QString::fromStdString(
                                 t.name + " " + key + ": " + e + " is " + row[e].dump() +
                                 " in Riffle, " + f[e].dump() + " in Flink")));
                if (t.name == "latency")
                    QVERIFY(std::abs(row["avg_ms"].get<double>() - f["avg_ms"].get<double>()) <=
                            1e-9 * std::abs(f["avg_ms"].get<double>()));
                if (t.name == "latency") {
                    // Flink interpolates between the two values around rank p·(n-1); Riffle's
                    // DDSketch gives one of them within 0.5 %.
                    auto& values = latencies[key];
                    std::sort(values.begin(), values.end());
                    const double rank = 0.99 * static_cast<double>(values.size() - 1);
                    const double lo = values.at(static_cast<size_t>(std::floor(rank)));
                    const double hi = values.at(static_cast<size_t>(std::ceil(rank)));
                    const double ours = row["p99_ms"].get<double>();
                    const double flinks = f["p99_ms"].get<double>();
                    QVERIFY2(ours >= lo * 0.995 && ours <= hi * 1.005 && flinks >= lo - 1e-9 &&
                                 flinks <= hi + 1e-9,
                             qPrintable(QString("latency %1: p99 is %2 in Riffle, %3 in Flink, "
                                                "the stream's values there %4 and %5")
                                            .arg(key.c_str())
                                            .arg(ours)
                                            .arg(flinks)
                                            .arg(lo)
                                            .arg(hi)));
                    worst = std::max(worst,
                                     std::min(std::abs(ours - lo) / lo, std::abs(ours - hi) / hi));
                }
                if (t.name == "uniques") {
                    const double a = row["unique_users"].get<double>();
                    const double b = f["unique_users"].get<double>();
                    worst = std::max(worst, std::abs(a - b) / b);
                    QVERIFY2(std::abs(a - b) <= 0.02 * b,
                             qPrintable(QString("uniques %1: %2 in Riffle, %3 in Flink")
                                            .arg(key.c_str())
                                            .arg(a)
                                            .arg(b)));
                }
            }
            qInfo("%s: %zu rows equal%s", t.name.c_str(), ours.size(),
                  t.approx.empty() ? ""
                                   : qPrintable(QString(", %1 at most %2 % apart")
                                                    .arg(t.approx.c_str())
                                                    .arg(worst * 100, 0, 'f', 2)));
        }
    }

    // Kafka -> window -> Kafka on the real broker, the result keyed by an expression: Riffle
    // reads the topic into one topic, the
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
                    {{"brokers", kafka.bootstrap().toStdString()},
                     {"topic", "riffle_out"},
                     {"key", "UPPER(page)"}}}}})},
            {"edges", Json::array({{{"from", "in.out"}, {"to", "per_page.in"}},
                                   {{"from", "per_page.out"}, {"to", "out.in"}}})},
            // Without checkpoints: the stop at the end fires the open windows, as Flink's
            // bounded run does.
            {"settings", {{"checkpoint_interval", 0}}}};
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

        // Each row keyed by its page, upper case, in both topics.
        QStringList badKeys;
        auto rowsOf = [&](const char* topic) {
            std::map<std::pair<std::string, std::string>, Json> rows;
            for (const QString& line : kafka.consumeAll(topic, true)) {
                const QString key = line.section('\t', 0, 0);
                const Json j = Json::parse(line.section('\t', 1).toStdString());
                if (key != QString::fromStdString(j["page"].get<std::string>()).toUpper())
                    badKeys << QString("%1: %2").arg(topic, line);
                rows[{j["page"].get<std::string>(), second(j["window_start"])}] = j;
            }
            return rows;
        };
        const auto ours = rowsOf("riffle_out");
        const auto theirs = rowsOf("flink_out");
        QVERIFY2(badKeys.isEmpty(),
                 qPrintable("keys that are not UPPER(page):\n" + badKeys.mid(0, 5).join('\n')));
        QVERIFY2(ours.size() >= 35, qPrintable(QString::number(ours.size())));
        QCOMPARE(theirs.size(), ours.size());
        for (const auto& [key, row] : ours) {
            const auto it = theirs.find(key);
            QVERIFY2(it != theirs.end(), key.second.c_str());
            QCOMPARE(it->second["n"], row["n"]);
            QCOMPARE(it->second["total"], row["total"]);
        }
    }

    // Kafka over SASL/PLAIN -> filter -> Kafka over SSL on the real broker, run by Flink from the
    // exported script: the password reaches Flink's Kafka client from the environment
    // (${env:NAME}, never written into the script), the CA file as a PEM trust store; every even
    // id arrives once. A password from Riffle's secret store is refused.
    void kafkaOverSaslAndSslRunsOnFlink() {
        riffle::test::KafkaPeer kafka;
        kafka.withSecuredListeners();
        QString problem = kafka.start();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(kafka.createTopic("secured_in", 3).isEmpty());
        QVERIFY(kafka.createTopic("secured_out", 1).isEmpty());
        QStringList lines;
        for (int i = 0; i < 500; ++i)
            lines << QStringLiteral("k%1\t{\"ts\": %2, \"id\": %1}").arg(i).arg(kStartMs + i * 10);
        QVERIFY(kafka.produce("secured_in", lines).isEmpty());
        qputenv("RIFFLE_TEST_KAFKA_PASSWORD", "riffle-secret");
        const Json project = {
            {"format", "riffle-project"},
            {"version", 1},
            {"name", "secured"},
            {"nodes", Json::array({{{"id", "in"},
                                    {"type", "source.kafka"},
                                    {"params",
                                     {{"brokers", kafka.saslBootstrap().toStdString()},
                                      {"security_protocol", "sasl_plaintext"},
                                      {"username", "riffle"},
                                      {"password", "${env:RIFFLE_TEST_KAFKA_PASSWORD}"},
                                      {"topic", "secured_in"},
                                      {"group", "g-flink"},
                                      {"start", "earliest"},
                                      {"schema", {"ts int", "id int"}},
                                      {"time_field", "ts"},
                                      {"time_format", "epoch_ms"}}}},
                                   {{"id", "even"},
                                    {"type", "transform.filter"},
                                    {"params", {{"where", "id % 2 = 0"}}}},
                                   {{"id", "out"},
                                    {"type", "sink.kafka"},
                                    {"params",
                                     {{"brokers", kafka.sslBootstrap().toStdString()},
                                      {"security_protocol", "ssl"},
                                      {"ca_file", kafka.caFile().toStdString()},
                                      {"topic", "secured_out"}}}}})},
            {"edges", Json::array({{{"from", "in.out"}, {"to", "even.in"}},
                                   {{"from", "even.out"}, {"to", "out.in"}}})}};
        QTemporaryDir dir;
        const QString path = dir.filePath("secured.riffle");
        writeJson(path, project);
        const QString sql = dir.filePath("job.sql");
        RunResult r = run(RIFFLE_RUN_BIN, {"--export", "flink-sql", path, "--out", sql});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QFile script(sql);
        QVERIFY(script.open(QIODevice::ReadWrite));
        QString text = QString::fromUtf8(script.readAll());
        QVERIFY(!text.contains("riffle-secret"));
        QVERIFY(text.contains("password=\"${env:RIFFLE_TEST_KAFKA_PASSWORD}\""));
        QVERIFY(text.contains("environment variable RIFFLE_TEST_KAFKA_PASSWORD"));
        text.replace("'scan.startup.mode' = 'group-offsets',",
                     "'scan.startup.mode' = 'group-offsets',\n  'scan.bounded.mode' = "
                     "'latest-offset',");
        script.resize(0);
        script.write(text.toUtf8());
        script.close();
        r = run(riffle::test::KafkaPeer::script(), {"flink-sql", sql}, 600000);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        std::map<int64_t, int> ids;
        for (const QString& line : kafka.consumeAll("secured_out"))
            ++ids[Json::parse(line.toStdString())["id"].get<int64_t>()];
        QCOMPARE(ids.size(), size_t{250});
        for (const auto& [id, count] : ids) {
            QCOMPARE(id % 2, int64_t{0});
            QCOMPARE(count, 1);
        }

        r = run(RIFFLE_RUN_BIN,
                {"--export", "flink-sql", path, "--set", "in.password=${secret:kafka}"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("source `in`: `password` ${secret:kafka} cannot be handed to "
                                "Flink without writing it into the script; give it as "
                                "${env:NAME}"),
                 qPrintable(r.err));
    }

    // Two files of different schemas -> union -> session window per user -> file: the union's
    // missing field is NULL and its widened number a DOUBLE in Flink too, and every session
    // (start, end, count, sum) is the same.
    void unionAndSessionsGiveTheSameResultsOnFlink() {
        QTemporaryDir dir;
        for (const char* name : {"a", "b"}) {
            QFile f(dir.filePath(QString(name) + ".jsonl"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            uint32_t seed = name[0];
            auto next = [&] {
                seed = seed * 1664525u + 1013904223u;
                return seed >> 8;
            };
            int64_t ts = kStartMs;
            for (int i = 0; i < 3000; ++i) {
                ts += next() % 2 == 0 ? 40 : static_cast<int64_t>(next() % 9000);  // gaps > 3 s
                Json row = {{"ts", ts - static_cast<int64_t>(next() % 800)},
                            {"user", "u" + std::to_string(next() % 20)}};
                if (name[0] == 'a')
                    row["n"] = next() % 100;
                else
                    row["n"] = (next() % 1000) / 8.0,
                    row["device"] = "d" + std::to_string(next() % 3);
                f.write(QByteArray::fromStdString(row.dump()) + '\n');
            }
        }
        auto source = [](const char* id, Json schema) {
            return Json{{"id", id},
                        {"type", "source.file"},
                        {"params", fileSourceParams(std::string(id) + ".jsonl", schema, "1s")}};
        };
        const Json project = {
            {"format", "riffle-project"},
            {"version", 1},
            {"name", "sessions"},
            {"nodes",
             Json::array(
                 {source("a", {"ts int", "user string", "n int"}),
                  source("b", {"ts int", "user string", "n float", "device string"}),
                  {{"id", "both"}, {"type", "transform.union"}},
                  {{"id", "visits"},
                   {"type", "window.session"},
                   {"params",
                    {{"gap", "3s"},
                     {"group_by", {"user"}},
                     {"aggregates",
                      Json::array({{{"name", "events"}, {"expr", "COUNT(*)"}},
                                   {{"name", "total"}, {"expr", "SUM(n)"}},
                                   {{"name", "devices"}, {"expr", "COUNT(DISTINCT device)"}},
                                   {{"name", "no_device"},
                                    {"expr", "COUNT(IF(device IS NULL, 1, NULL))"}}})}}}},
                  {{"id", "out"},
                   {"type", "sink.file"},
                   {"params", {{"path", "sessions.jsonl"}}}}})},
            {"edges", Json::array({{{"from", "a.out"}, {"to", "both.in"}},
                                   {{"from", "b.out"}, {"to", "both.in"}},
                                   {{"from", "both.out"}, {"to", "visits.in"}},
                                   {{"from", "visits.out"}, {"to", "out.in"}}})}};
        const QString path = dir.filePath("sessions.riffle");
        writeJson(path, project);
        RunResult r = run(RIFFLE_RUN_BIN, {path});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QString sql = dir.filePath("job.sql");
        r = run(RIFFLE_RUN_BIN, {"--export", "flink-sql", path, "--out", sql, "--set",
                                 "out.path=flink_sessions.jsonl"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QFile script(sql);
        QVERIFY(script.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(script.readAll());
        QVERIFY2(text.contains("SESSION(TABLE `both` PARTITION BY `user`, DESCRIPTOR(`_time`), "
                               "INTERVAL '3' SECOND)"),
                 qPrintable(text));
        QVERIFY2(text.contains("CAST(NULL AS STRING) AS `device`"), qPrintable(text));
        QVERIFY2(text.contains("CAST(`n` AS DOUBLE) AS `n`"), qPrintable(text));
        r = run(riffle::test::KafkaPeer::script(), {"flink-sql", sql}, 600000);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));

        const std::vector<std::string> keys = {"user", "window_start", "window_end"};
        const auto ours = byKey(jsonRows(dir.filePath("sessions.jsonl")), keys);
        const auto theirs = byKey(jsonRows(dir.filePath("flink_sessions.jsonl")), keys);
        QVERIFY2(ours.size() > 300, qPrintable(QString::number(ours.size())));
        QCOMPARE(theirs.size(), ours.size());
        int64_t events = 0;
        for (const auto& [key, row] : ours) {
            const auto it = theirs.find(key);
            QVERIFY2(it != theirs.end(),
                     qPrintable("Flink has no session " + QString::fromStdString(key)));
            for (const char* exact : {"events", "devices", "no_device"})
                QVERIFY2(row[exact] == it->second[exact],
                         qPrintable(QString("%1: %2 is %3 in Riffle, %4 in Flink")
                                        .arg(key.c_str(), exact, row[exact].dump().c_str(),
                                             it->second[exact].dump().c_str())));
            QVERIFY(std::abs(row["total"].get<double>() - it->second["total"].get<double>()) <=
                    1e-9 * std::max(1.0, std::abs(row["total"].get<double>())));
            events += row["events"].get<int64_t>();
        }
        QCOMPARE(events, int64_t{6000});
        qInfo("%zu sessions equal", ours.size());
    }

    // Nexmark q0, q1, q2, q3, q5, q7 and q8 over recorded event files: the generator's persons,
    // auctions and bids (its 1 µs steps stretched to 1 ms, so 120 000 events span 2 minutes) are
    // read by each query in place of its generator, in Riffle and, exported, on Flink; the rows
    // are the same (q1's price to 1e-9). q3, q7 and q8 are window joins. q5 exports with
    // `with_ties` off (Flink's window Top-N has no RANK), so of auctions tied for the most bids
    // each keeps one of its choice: there the bid counts are compared.
    void nexmarkQueriesGiveTheSameResultsOnFlink() {
        QTemporaryDir dir;
        writeJson(dir.filePath("record.riffle"),
                  riffle::nexmark_files::recorder(dir.path().toStdString(), 120000));
        RunResult r = run(RIFFLE_RUN_BIN, {dir.filePath("record.riffle")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));

        for (const char* query : {"q0", "q1", "q2", "q3", "q5", "q7", "q8"}) {
            Json project = readJson(QStringLiteral(RIFFLE_SOURCE_DIR "/projects/nexmark/") + query +
                                    ".riffle");
            riffle::nexmark_files::readRecordedFiles(project);
            const QString path = dir.filePath(QString(query) + ".riffle");
            writeJson(path, project);
            const QString sql = dir.filePath(QString(query) + ".sql");
            const bool q5 = QString(query) == "q5";
            if (q5) {
                r = run(RIFFLE_RUN_BIN, {"--export", "flink-sql", path});
                QCOMPARE(r.exitCode, 2);
                QVERIFY2(r.err.contains("transform `hottest`: Flink's window Top-N numbers rows "
                                        "with ROW_NUMBER only"),
                         qPrintable(r.err));
                for (const char* side : {"riffle", "flink"}) {
                    QStringList args = {path,
                                        "--set",
                                        "hottest.with_ties=false",
                                        "--set",
                                        "out.format=jsonl",
                                        "--set",
                                        QString("out.path=%1_q5.jsonl").arg(side)};
                    if (QString(side) == "flink")
                        args = QStringList{"--export", "flink-sql", "--out", sql} + args;
                    r = run(RIFFLE_RUN_BIN, args);
                    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
                }
            } else {
                r = run(RIFFLE_RUN_BIN, {path, "--set", "out.format=jsonl", "--set",
                                         QString("out.path=riffle_%1.jsonl").arg(query)});
                QVERIFY2(r.exitCode == 0, qPrintable(query + (": " + r.err)));
                r = run(RIFFLE_RUN_BIN,
                        {"--export", "flink-sql", path, "--out", sql, "--set", "out.format=jsonl",
                         "--set", QString("out.path=flink_%1.jsonl").arg(query)});
            }
            QVERIFY2(r.exitCode == 0, qPrintable(query + (": " + r.err)));
            QFile script(sql);
            QVERIFY(script.open(QIODevice::ReadOnly));
            QString text = QString::fromUtf8(script.readAll());
            text.replace(dir.path(), "DIR");
            const QString mismatch = goldenMismatch(QString("nexmark_%1.sql").arg(query), text);
            QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
            r = run(riffle::test::KafkaPeer::script(), {"flink-sql", sql}, 600000);
            QVERIFY2(r.exitCode == 0, qPrintable(query + (": " + r.err)));

            const auto ours =
                canonicalRows(jsonRows(dir.filePath(QString("riffle_%1.jsonl").arg(query))));
            const auto theirs =
                canonicalRows(jsonRows(dir.filePath(QString("flink_%1.jsonl").arg(query))));
            // q7: a window's highest bids, 12 windows.
            QVERIFY2(ours.size() >= (QString(query) == "q7" ? 12u : 30u),
                     qPrintable(QString("%1: %2 rows").arg(query).arg(ours.size())));
            QCOMPARE(theirs.size(), ours.size());
            if (q5) {
                std::multiset<int64_t> ourCounts, theirCounts;
                for (const Json& j : ours) ourCounts.insert(j["num"].get<int64_t>());
                for (const Json& j : theirs) theirCounts.insert(j["num"].get<int64_t>());
                QVERIFY(ourCounts == theirCounts);
                size_t sameAuction = 0;
                for (size_t i = 0; i < ours.size(); ++i) sameAuction += ours[i] == theirs[i];
                qInfo("q5: %zu windows, the same bid counts; %zu of them the same auction",
                      ours.size(), sameAuction);
                continue;
            }
            const QString different = rowMismatch(ours, theirs);
            QVERIFY2(different.isEmpty(), qPrintable(query + (": " + different)));
            qInfo("%s: %zu rows equal", query, ours.size());
        }
    }

    // Two files -> window join on `k` (10 s) -> a 20 s window of the pairs per key, and -> a 10 s
    // count -> a 30 s window over those counts: a window after a join and a window after a window
    // (whose input has window_start and window_end of its own) give the same rows on Flink.
    void windowsAfterAJoinAndAfterAWindowGiveTheSameResultsOnFlink() {
        QTemporaryDir dir;
        for (const char* name : {"a", "b"}) {
            QFile f(dir.filePath(QString(name) + ".jsonl"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            uint32_t seed = name[0];
            auto next = [&] {
                seed = seed * 1664525u + 1013904223u;
                return seed >> 8;
            };
            for (int i = 0; i < 2000; ++i) {
                const Json row = {{"ts", kStartMs + i * 60 - static_cast<int64_t>(next() % 500)},
                                  {"k", next() % 7},
                                  {"n", next() % 100}};
                f.write(QByteArray::fromStdString(row.dump()) + '\n');
            }
        }
        auto node = [](const char* id, const char* type, Json params) {
            return Json{{"id", id}, {"type", type}, {"params", std::move(params)}};
        };
        auto count = [](const char* name) {
            return Json::array({{{"name", name}, {"expr", "COUNT(*)"}}});
        };
        const Json schema = {"ts int", "k int", "n int"};
        const Json project = {
            {"format", "riffle-project"},
            {"version", 1},
            {"name", "joined"},
            {"nodes",
             Json::array(
                 {node("a", "source.file", fileSourceParams("a.jsonl", schema, "1s")),
                  node("b", "source.file", fileSourceParams("b.jsonl", schema, "1s")),
                  node("pairs", "join.window",
                       {{"left_key", "k"}, {"right_key", "k"}, {"size", "10s"}}),
                  node("per_key", "window.tumbling",
                       {{"size", "20s"},
                        {"group_by", {"k"}},
                        {"aggregates",
                         Json::array({{{"name", "pairs"}, {"expr", "COUNT(*)"}},
                                      {{"name", "n"}, {"expr", "SUM(n + right_n)"}}})}}),
                  node("per_10s", "window.tumbling",
                       {{"size", "10s"}, {"group_by", Json::array()}, {"aggregates", count("c")}}),
                  node(
                      "per_30s", "window.tumbling",
                      {{"size", "30s"},
                       {"group_by", Json::array()},
                       {"aggregates", Json::array({{{"name", "pairs"}, {"expr", "SUM(c)"}},
                                                   {{"name", "windows"}, {"expr", "COUNT(*)"}}})}}),
                  node("per_key_out", "sink.file", {{"path", "per_key.jsonl"}}),
                  node("per_30s_out", "sink.file", {{"path", "per_30s.jsonl"}})})},
            {"edges", Json::array({{{"from", "a.out"}, {"to", "pairs.left"}},
                                   {{"from", "b.out"}, {"to", "pairs.right"}},
                                   {{"from", "pairs.out"}, {"to", "per_key.in"}},
                                   {{"from", "pairs.out"}, {"to", "per_10s.in"}},
                                   {{"from", "per_10s.out"}, {"to", "per_30s.in"}},
                                   {{"from", "per_key.out"}, {"to", "per_key_out.in"}},
                                   {{"from", "per_30s.out"}, {"to", "per_30s_out.in"}}})}};
        const QString problem = runInRiffleAndOnFlink(dir, "joined", project);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        for (const char* out : {"per_key", "per_30s"}) {
            const auto ours = canonicalRows(jsonRows(dir.filePath(QString(out) + ".jsonl")));
            const auto theirs =
                canonicalRows(jsonRows(dir.filePath(QString("flink_") + out + ".jsonl")));
            QVERIFY2(ours.size() >= 4, out);
            const QString mismatch = rowMismatch(ours, theirs);
            QVERIFY2(mismatch.isEmpty(), qPrintable(out + (": " + mismatch)));
            qInfo("%s: %zu rows equal", out, ours.size());
        }
    }

    // Events delivered twice or three times (the same event, a few lines later) -> dedupe by id
    // within 1 minute -> file: Flink's window deduplication lets the same 3000 events through.
    void dedupeOfRedeliveredEventsGivesTheSameEventsOnFlink() {
        QTemporaryDir dir;
        {
            QFile f(dir.filePath("orders.jsonl"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            uint32_t seed = 7;
            auto next = [&] {
                seed = seed * 1664525u + 1013904223u;
                return seed >> 8;
            };
            std::vector<QByteArray> redelivered;
            for (int i = 0; i < 3000; ++i) {
                const Json row = {{"ts", kStartMs + i * 50 - static_cast<int64_t>(next() % 300)},
                                  {"id", i},
                                  {"amount", next() % 1000}};
                const QByteArray line = QByteArray::fromStdString(row.dump()) + '\n';
                f.write(line);
                if (i % 4 == 0)
                    for (uint32_t k = 0; k <= next() % 2; ++k) redelivered.push_back(line);
                if (redelivered.size() >= 5) {  // a few lines later
                    for (const QByteArray& again : redelivered) f.write(again);
                    redelivered.clear();
                }
            }
            for (const QByteArray& again : redelivered) f.write(again);
        }
        const Json project = {
            {"format", "riffle-project"},
            {"version", 1},
            {"name", "dedupe"},
            {"nodes",
             Json::array(
                 {{{"id", "orders"},
                   {"type", "source.file"},
                   {"params",
                    fileSourceParams("orders.jsonl", {"ts int", "id int", "amount int"}, "2s")}},
                  {{"id", "once"},
                   {"type", "transform.dedupe"},
                   {"params", {{"key", "id"}, {"within", "1m"}}}},
                  {{"id", "out"}, {"type", "sink.file"}, {"params", {{"path", "out.jsonl"}}}}})},
            {"edges", Json::array({{{"from", "orders.out"}, {"to", "once.in"}},
                                   {{"from", "once.out"}, {"to", "out.in"}}})}};
        QString output;
        const QString problem = runInRiffleAndOnFlink(dir, "dedupe", project, &output);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        // riffle-run's table: `once` took in every delivery and let 3000 events through.
        const auto counts =
            QRegularExpression("once\\s+transform.dedupe\\s+(\\d+)\\s+(\\d+)\\s").match(output);
        QVERIFY2(counts.hasMatch(), qPrintable(output));
        QVERIFY2(counts.captured(1).toInt() > 3700, qPrintable(counts.captured(0)));
        QCOMPARE(counts.captured(2).toInt(), 3000);
        const auto ours = canonicalRows(jsonRows(dir.filePath("out.jsonl")));
        const auto theirs = canonicalRows(jsonRows(dir.filePath("flink_out.jsonl")));
        QCOMPARE(ours.size(), size_t{3000});
        const QString mismatch = rowMismatch(ours, theirs);
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    }

    // Events -> lookup of their city in a CSV table (a left join: cities 0 and 4 are not in it)
    // -> file, and -> a 10 s window per city name: every enriched event and every window equal
    // on Flink, which joins in time against the file as a versioned table.
    void lookupGivesTheSameRowsOnFlink() {
        QTemporaryDir dir;
        {
            QFile t(dir.filePath("cities.csv"));
            QVERIFY(t.open(QIODevice::WriteOnly));
            t.write(
                "id,name,population,area\n1,Oslo,709037,454.0\n2,Bergen,291940,465.3\n"
                "3,Tromso,78745,2521.0\n5,Bodo,53712,1395.0\n");
            QFile f(dir.filePath("visits.jsonl"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            uint32_t seed = 3;
            auto next = [&] {
                seed = seed * 1664525u + 1013904223u;
                return seed >> 8;
            };
            for (int i = 0; i < 2000; ++i) {
                const Json row = {{"ts", kStartMs + i * 40 - static_cast<int64_t>(next() % 500)},
                                  {"city", next() % 6},
                                  {"ms", next() % 1000}};
                f.write(QByteArray::fromStdString(row.dump()) + '\n');
            }
        }
        const Json project = {
            {"format", "riffle-project"},
            {"version", 1},
            {"name", "lookup"},
            {"nodes",
             Json::array(
                 {{{"id", "visits"},
                   {"type", "source.file"},
                   {"params",
                    fileSourceParams("visits.jsonl", {"ts int", "city int", "ms int"}, "1s")}},
                  {{"id", "enrich"},
                   {"type", "transform.lookup"},
                   {"params",
                    {{"table", "cities.csv"},
                     {"key", "city"},
                     {"fields", {"name", "population"}}}}},
                  {{"id", "per_city"},
                   {"type", "window.tumbling"},
                   {"params",
                    {{"size", "10s"},
                     {"group_by", {"name"}},
                     {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                                 {{"name", "people"}, {"expr", "MAX(population)"}},
                                                 {{"name", "ms"}, {"expr", "SUM(ms)"}}})}}}},
                  {{"id", "rows_out"}, {"type", "sink.file"}, {"params", {{"path", "rows.jsonl"}}}},
                  {{"id", "windows_out"},
                   {"type", "sink.file"},
                   {"params", {{"path", "windows.jsonl"}}}}})},
            {"edges", Json::array({{{"from", "visits.out"}, {"to", "enrich.in"}},
                                   {{"from", "enrich.out"}, {"to", "rows_out.in"}},
                                   {{"from", "enrich.out"}, {"to", "per_city.in"}},
                                   {{"from", "per_city.out"}, {"to", "windows_out.in"}}})}};
        const QString problem = runInRiffleAndOnFlink(dir, "lookup", project);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        for (const char* out : {"rows", "windows"}) {
            const auto ours = canonicalRows(jsonRows(dir.filePath(QString(out) + ".jsonl")));
            const auto theirs =
                canonicalRows(jsonRows(dir.filePath(QString("flink_") + out + ".jsonl")));
            QVERIFY2(ours.size() >= (QString(out) == "rows" ? 2000u : 40u), out);
            const QString mismatch = rowMismatch(ours, theirs);
            QVERIFY2(mismatch.isEmpty(), qPrintable(out + (": " + mismatch)));
            size_t unmatched = 0;
            for (const Json& j : ours) unmatched += j.contains("name") && j["name"].is_null();
            QVERIFY(unmatched > 0);  // the left join's events without a city, windows of NULL
            qInfo("%s: %zu rows equal, %zu without a city", out, ours.size(), unmatched);
        }
    }

    // Purchases a little out of order -> running totals per user (count, sum, max, average,
    // distinct pages) -> file: each user's last totals are the same on Flink (an OVER
    // aggregation), the distinct count within 2 % (Riffle's HyperLogLog).
    void runningTotalsEndTheSameOnFlink() {
        QTemporaryDir dir;
        {
            QFile f(dir.filePath("purchases.jsonl"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            uint32_t seed = 5;
            auto next = [&] {
                seed = seed * 1664525u + 1013904223u;
                return seed >> 8;
            };
            for (int i = 0; i < 4000; ++i) {
                const Json row = {{"ts", kStartMs + i * 30 - static_cast<int64_t>(next() % 800)},
                                  {"user", "u" + std::to_string(next() % 40)},
                                  {"page", "/p/" + std::to_string(next() % 60)},
                                  {"amount", next() % 500}};
                f.write(QByteArray::fromStdString(row.dump()) + '\n');
            }
        }
        const Json aggregates =
            Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                         {{"name", "spent"}, {"expr", "SUM(amount)"}},
                         {{"name", "top"}, {"expr", "MAX(amount)"}},
                         {{"name", "mean"}, {"expr", "AVG(amount)"}},
                         {{"name", "pages"}, {"expr", "APPROX_COUNT_DISTINCT(page)"}}});
        const Json project = {
            {"format", "riffle-project"},
            {"version", 1},
            {"name", "running"},
            {"nodes",
             Json::array(
                 {{{"id", "purchases"},
                   {"type", "source.file"},
                   {"params", fileSourceParams(
                                  "purchases.jsonl",
                                  {"ts int", "user string", "page string", "amount int"}, "2s")}},
                  {{"id", "totals"},
                   {"type", "aggregate.running"},
                   {"params", {{"group_by", {"user"}}, {"aggregates", aggregates}}}},
                  {{"id", "out"}, {"type", "sink.file"}, {"params", {{"path", "out.jsonl"}}}}})},
            {"edges", Json::array({{{"from", "purchases.out"}, {"to", "totals.in"}},
                                   {{"from", "totals.out"}, {"to", "out.in"}}})}};
        const QString problem = runInRiffleAndOnFlink(dir, "running", project);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        // Each user's last totals: the row with the highest count.
        auto last = [](const std::vector<Json>& rows) {
            std::map<std::string, Json> out;
            for (const Json& j : rows) {
                Json& kept = out[j["user"].get<std::string>()];
                if (kept.is_null() || j["n"].get<int64_t>() > kept["n"].get<int64_t>()) kept = j;
            }
            return out;
        };
        const auto ours = last(jsonRows(dir.filePath("out.jsonl")));
        const auto theirs = last(jsonRows(dir.filePath("flink_out.jsonl")));
        QCOMPARE(ours.size(), size_t{40});
        QCOMPARE(theirs.size(), ours.size());
        int64_t events = 0;
        for (const auto& [user, row] : ours) {
            const Json& other = theirs.at(user);
            for (const char* exact : {"n", "spent", "top"})
                QVERIFY2(
                    row[exact] == other[exact],
                    qPrintable(QString::fromStdString(user + ": " + row.dump() + " in Riffle, " +
                                                      other.dump() + " in Flink")));
            QVERIFY(std::abs(row["mean"].get<double>() - other["mean"].get<double>()) <=
                    1e-9 * 500);
            QVERIFY(std::abs(row["pages"].get<double>() - other["pages"].get<double>()) <=
                    0.02 * other["pages"].get<double>());
            events += row["n"].get<int64_t>();
        }
        QCOMPARE(events, int64_t{4000});
    }

    // The fraud_alerts example over a recorded clickstream (its alert exports with `for` 0s,
    // as the example has it): purchases per user in 1-minute windows every 10 s, an alert when a
    // user has 3 or more, resolved when fewer. The same firing and resolved rows on Flink, with
    // the same `since`; the message's numbers equal (Flink writes floats its own way).
    void fraudAlertsGiveTheSameAlertsOnFlink() {
        QTemporaryDir dir;
        QVERIFY(recordClicks(dir.path(), 150));  // a few buyers, so that bursts happen
        Json project = readJson(RIFFLE_SOURCE_DIR "/projects/fraud_alerts.riffle");
        readFromFile(project, "clicks", recordedClicks());
        const QString problem =
            runInRiffleAndOnFlink(dir, "fraud_alerts", project, nullptr, "fraud_alerts.sql");
        QVERIFY2(problem.isEmpty(), qPrintable(problem));

        // user, state, since (to the second) -> the message's words, numbers parsed.
        auto alerts = [](const std::vector<Json>& rows) {
            std::multimap<std::string, QStringList> out;
            for (const Json& j : rows) {
                const std::string key = j["user_id"].dump() + " " + j["state"].get<std::string>() +
                                        " " + second(j["since"]);
                out.emplace(key, QString::fromStdString(j["message"].get<std::string>())
                                     .split(' ', Qt::SkipEmptyParts));
            }
            return out;
        };
        const auto ours = alerts(sqliteRows(dir.filePath("out/fraud.db"), "alerts"));
        const auto theirs = alerts(jsonRows(dir.filePath("out/fraud/alerts")));
        size_t firing = 0;
        for (const auto& [key, words] : ours) firing += key.find(" firing ") != std::string::npos;
        QVERIFY2(firing >= 10 && ours.size() > firing,
                 qPrintable(QString("%1 alerts, %2 firing").arg(ours.size()).arg(firing)));
        QCOMPARE(theirs.size(), ours.size());
        auto a = ours.begin();
        for (auto b = theirs.begin(); b != theirs.end(); ++a, ++b) {
            QVERIFY2(a->first == b->first,
                     qPrintable(QString::fromStdString(a->first + " in Riffle, " + b->first +
                                                       " in Flink")));
            bool same = a->second.size() == b->second.size();
            for (qsizetype w = 0; same && w < a->second.size(); ++w) {
                bool isNumber = false;
                const double x = a->second[w].toDouble(&isNumber);
                same = isNumber ? std::abs(x - b->second[w].toDouble()) <= 1e-9 * std::max(1.0, x)
                                : a->second[w] == b->second[w];
            }
            QVERIFY2(same, qPrintable(a->second.join(' ') + " in Riffle, " + b->second.join(' ') +
                                      " in Flink"));
        }
        qInfo("%zu alert rows equal, %zu of them firing", ours.size(), firing);
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
