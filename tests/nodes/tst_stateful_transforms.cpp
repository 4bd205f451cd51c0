// transform.dedupe, transform.lookup and alert.threshold: exact rows for hand-made streams, state
// that is freed by the watermark, tables read from CSV and SQLite, and the planning errors.
#include <QtTest/QtTest>

#include <sqlite3.h>

#include "engine/graph/graph_validator.h"
#include "engine/graph/node_instance.h"
#include "engine/graph/project.h"
#include "engine/runtime/collecting_emitter.h"
#include "engine/runtime/executor.h"
#include "nodes/register_builtin_nodes.h"
#include "nodes/transforms/dedupe.h"

using namespace riffle;

namespace {

constexpr TimeUs kSec = 1'000'000;

Value S(const char* s) {
    return Value::ofString(s);
}
Value I(int64_t i) {
    return Value::ofInt(i);
}
Value F(double f) {
    return Value::ofFloat(f);
}
const Value N;  // NULL

SchemaPtr schemaOf(std::vector<Field> fields) {
    return std::make_shared<const Schema>(Schema::stream(fields));
}

// Rows given as (event time, values of the fields after `_time`).
BatchPtr batchOf(const SchemaPtr& schema,
                 const std::vector<std::pair<TimeUs, std::vector<Value>>>& rows) {
    static auto pool = BatchPool::create();
    BatchPtr b = pool->acquire(schema);
    for (const auto& [t, values] : rows) {
        b->column(0).appendTime(t);
        for (size_t c = 0; c < values.size(); ++c) b->appendValue(c + 1, values[c]);
        b->commitRow();
    }
    return b;
}

struct Harness {
    NodeRegistry registry;
    SchemaPtr input;
    NodeInstance node;
    std::unique_ptr<CollectingEmitter> out;
    Harness(const std::string& type, SchemaPtr in, const Json& params,
            const std::string& baseDir = {})
        : input(std::move(in)) {
        registerBuiltinNodes(registry);
        auto r =
            instantiateNode(*registry.find(type), "n", params, SchemaInputs{{input}, {0}}, baseDir);
        if (!r) qFatal("%s", r.message().c_str());
        node = std::move(r.value());
        out = std::make_unique<CollectingEmitter>(node.context.outputSchemas);
    }
    Status open() { return node.op->open(); }
    void feed(const std::vector<std::pair<TimeUs, std::vector<Value>>>& rows) {
        node.op->process(0, *batchOf(input, rows), *out);
    }
    void watermark(TimeUs wm) { node.op->onWatermark(wm, *out); }
    QString outputSchema() const {
        return QString::fromStdString(node.context.outputSchemas[0]->toString());
    }
    // Every output row as "v1 v2 ...": times in seconds ("12", or "12000001us" when not whole),
    // other values as Value::toString() writes them.
    QStringList rows() const {
        QStringList lines;
        for (const auto& row : out->rowValues(0)) {
            QStringList cells;
            for (const Value& v : row) {
                if (v.type == Type::Time && !v.null)
                    cells << (v.i % kSec == 0 ? QString::number(v.i / kSec)
                                              : QString::number(v.i) + "us");
                else
                    cells << QString::fromStdString(v.toString());
            }
            lines << cells.join(' ');
        }
        return lines;
    }
};

// The message instantiateNode gives for these params, or "(ok)".
QString planError(const std::string& type, const SchemaPtr& input, const Json& params,
                  const std::string& baseDir = {}) {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    auto r =
        instantiateNode(*registry.find(type), "n", params, SchemaInputs{{input}, {0}}, baseDir);
    return r.isOk() ? QString("(ok)") : QString::fromStdString(r.message());
}

void writeFile(const QString& path, const QByteArray& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

SchemaPtr userSchema() {
    return schemaOf({{"user", Type::String}, {"order_id", Type::Int}});
}

}  // namespace

class TstStatefulTransforms : public QObject {
    Q_OBJECT
private slots:
    // transform.dedupe
    void dedupeComparesWithLastPassedEvent();
    void dedupeOutOfOrderUsesAbsoluteDistance();
    void dedupeKeyExpressionAndNullKeys();
    void dedupeStateIsFreedByWatermark();
    void dedupeStateStaysFlatOnLongStream();
    void dedupeDroppedShowInMetrics();
    void dedupeBadParameters();
    // transform.lookup
    void lookupCsvLeftJoin();
    void lookupMatchesNumbersByValue();
    void lookupStringsExactFirstRowWins();
    void lookupFieldsAndTableKey();
    void lookupSqliteTable();
    void lookupErrorsNameTheProblem();
    // alert.threshold
    void alertForStretchesAndGroups();
    void alertForZeroFiresAtOnce();
    void alertMessageTemplate();
    void alertOutOfOrderAndEndOfStream();
    void alertBadParameters();
};

// ---- transform.dedupe ----

void TstStatefulTransforms::dedupeComparesWithLastPassedEvent() {
    Harness h("transform.dedupe", userSchema(), {{"key", "user"}, {"within", "10s"}});
    QCOMPARE(h.outputSchema(), QString("_time time, user string, order_id int"));
    h.feed({{0, {S("a"), I(1)}},
            {5 * kSec, {S("a"), I(2)}},     // 5 s after the passed one: dropped
            {1 * kSec, {S("b"), I(3)}},     // other key
            {9 * kSec, {S("a"), I(4)}}});   // dropped
    h.feed({{12 * kSec, {S("a"), I(5)}},    // 12 s after the last PASSED (0 s): passes
            {21 * kSec, {S("a"), I(6)}},    // 9 s after 12: dropped
            {22 * kSec, {S("a"), I(7)}},    // exactly 10 s: passes (within is exclusive)
            {11 * kSec, {S("b"), I(8)}}});  // exactly 10 s after b's: passes
    QCOMPARE(h.rows(), QStringList({"0 a 1", "1 b 3", "12 a 5", "22 a 7", "11 b 8"}));
}

void TstStatefulTransforms::dedupeOutOfOrderUsesAbsoluteDistance() {
    Harness h("transform.dedupe", userSchema(), {{"key", "user"}, {"within", "10s"}});
    h.feed({{20 * kSec, {S("a"), I(1)}},
            {12 * kSec, {S("a"), I(2)}},    // 8 s before the passed one: dropped
            {9 * kSec, {S("a"), I(3)}},     // 11 s before: passes, becomes the last passed
            {15 * kSec, {S("a"), I(4)}},    // 6 s after 9: dropped
            {19 * kSec, {S("a"), I(5)}}});  // 10 s after 9: passes
    QCOMPARE(h.rows(), QStringList({"20 a 1", "9 a 3", "19 a 5"}));
}

void TstStatefulTransforms::dedupeKeyExpressionAndNullKeys() {
    Harness h("transform.dedupe", userSchema(),
              {{"key", "user || ':' || CAST(order_id AS STRING)"}, {"within", "1m"}});
    h.feed({{0, {S("a"), I(1)}},
            {1 * kSec, {S("a"), I(2)}},  // other key a:2
            {2 * kSec, {S("a"), I(1)}},  // repeat of a:1
            {3 * kSec, {N, I(1)}},       // NULL key: passes
            {4 * kSec, {N, I(1)}},       // NULL key again: passes, never a repeat
            {5 * kSec, {S("a"), N}}});   // NULL key: passes
    QCOMPARE(h.rows(), QStringList({"0 a 1", "1 a 2", "3 NULL 1", "4 NULL 1", "5 a NULL"}));
    QCOMPARE(dedupeKeysHeld(*h.node.op), size_t(2));  // NULL keys are not remembered
}

void TstStatefulTransforms::dedupeStateIsFreedByWatermark() {
    Harness h("transform.dedupe", userSchema(), {{"key", "order_id"}, {"within", "10s"}});
    std::vector<std::pair<TimeUs, std::vector<Value>>> rows;
    for (int k = 0; k < 100; ++k) rows.push_back({k * kSec, {S("u"), I(k)}});
    h.feed(rows);
    QCOMPARE(dedupeKeysHeld(*h.node.op), size_t(100));
    h.watermark(50 * kSec);  // keys with t + 10 s <= 50 s, i.e. t <= 40 s, are forgotten
    QCOMPARE(dedupeKeysHeld(*h.node.op), size_t(59));
    h.watermark(50 * kSec + 1);
    QCOMPARE(dedupeKeysHeld(*h.node.op), size_t(59));
    // A key that passes again gets a new deadline: its old one must not free it.
    h.feed({{60 * kSec, {S("u"), I(45)}}});  // 15 s after 45 s: passes, remembered until 70 s
    h.watermark(56 * kSec);                  // 45's old deadline (55 s) has passed
    QCOMPARE(dedupeKeysHeld(*h.node.op), size_t(54));  // 41, 42, 43, 44 and 46 forgotten; 45 kept
    h.feed({{61 * kSec, {S("u"), I(45)}}});            // still remembered: dropped
    h.watermark(kMaxTime);
    QCOMPARE(dedupeKeysHeld(*h.node.op), size_t(0));
    // Late: a key that was forgotten passes again.
    h.feed({{3 * kSec, {S("u"), I(3)}}});
    QCOMPARE(h.rows().size(), 102);
    QCOMPARE(h.rows().last(), QString("3 u 3"));
}

void TstStatefulTransforms::dedupeStateStaysFlatOnLongStream() {
    // 100 000 events over 10 000 s, 50 distinct keys per second that never repeat: the state
    // must hold only the keys of the last `within`, however long the stream runs.
    Harness h("transform.dedupe", userSchema(), {{"key", "order_id"}, {"within", "5s"}});
    size_t most = 0;
    int64_t id = 0;
    for (int s = 0; s < 2000; ++s) {
        std::vector<std::pair<TimeUs, std::vector<Value>>> rows;
        for (int k = 0; k < 50; ++k) rows.push_back({s * kSec + k * 20'000, {S("u"), I(id++)}});
        h.feed(rows);
        h.watermark(s * kSec + 999'999);
        most = std::max(most, dedupeKeysHeld(*h.node.op));
    }
    QCOMPARE(h.out->rows(0), size_t(100'000));
    // After the watermark at s + 0.999999 s, keys of the seconds s-4 .. s are held (5 x 50).
    QCOMPARE(most, size_t(250));
    QCOMPARE(dedupeKeysHeld(*h.node.op), size_t(250));
}

void TstStatefulTransforms::dedupeDroppedShowInMetrics() {
    QTemporaryDir dir;
    writeFile(dir.filePath("in.csv"),
              "time,user\n"
              "2026-01-01T00:00:00Z,a\n2026-01-01T00:00:01Z,a\n2026-01-01T00:00:02Z,b\n"
              "2026-01-01T00:00:03Z,a\n2026-01-01T00:00:20Z,a\n");
    const Json project = {
        {"format", "riffle-project"},
        {"version", 1},
        {"nodes", Json::array({
                      {{"id", "src"},
                       {"type", "source.file"},
                       {"params", {{"path", "in.csv"}, {"time_field", "time"}}}},
                      {{"id", "dd"},
                       {"type", "transform.dedupe"},
                       {"params", {{"key", "user"}, {"within", "10s"}}}},
                      {{"id", "sink"}, {"type", "sink.file"}, {"params", {{"path", "out.csv"}}}},
                  })},
        {"edges", Json::array({{{"from", "src.out"}, {"to", "dd.in"}},
                               {{"from", "dd.out"}, {"to", "sink.in"}}})}};
    writeFile(dir.filePath("p.riffle"), QByteArray::fromStdString(project.dump()));
    auto loaded = Project::load(dir.filePath("p.riffle").toStdString());
    QVERIFY2(loaded.isOk(), loaded.message().c_str());
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    const ValidatedGraph graph = validateProject(loaded.value(), registry);
    QVERIFY2(graph.ok(), graph.ok() ? "" : graph.problems.front().message.c_str());
    auto exec = Executor::create(graph);
    QVERIFY2(exec.isOk(), exec.message().c_str());
    QVERIFY(exec.value()->start().isOk());
    QVERIFY(exec.value()->waitFor(60'000));
    QVERIFY(exec.value()->failure().isOk());
    for (const RunNodeInfo& n : exec.value()->nodes()) {
        if (n.id != "dd") continue;
        QCOMPARE(NodeMetrics::get(n.metrics->eventsIn), int64_t(5));
        QCOMPARE(NodeMetrics::get(n.metrics->eventsOut),
                 int64_t(3));  // 2 repeats dropped = in - out
        QCOMPARE(NodeMetrics::get(n.metrics->errors), int64_t(0));
        return;
    }
    QFAIL("node dd not found");
}

void TstStatefulTransforms::dedupeBadParameters() {
    QCOMPARE(
        planError("transform.dedupe", userSchema(), {{"within", "10s"}}),
        QString(
            "transform `n`: `key` is required (What makes two events the same: an expression, e.g. "
            "CONCAT(user_id, ':', CAST(order_id AS STRING)))"));
    QCOMPARE(planError("transform.dedupe", userSchema(), {{"key", "user"}, {"within", "0s"}}),
             QString("transform `n`: `within` must be at least 1us, got `0s`"));
    QCOMPARE(planError("transform.dedupe", userSchema(), {{"key", "user"}, {"within", 10}}),
             QString("transform `n`: `within` must be a duration like 10s, got `10`"));
    QCOMPARE(planError("transform.dedupe", userSchema(), {{"key", "usr"}}),
             QString("transform `n`: `key`: 1:1: unknown field `usr` (did you mean `user`?)"));
    QCOMPARE(planError("transform.dedupe", userSchema(), {{"key", "NULL"}}),
             QString("transform `n`: `key` is always NULL, so no event would ever be a repeat; "
                     "give an expression "
                     "over the input fields, e.g. user_id"));
}

// ---- transform.lookup ----

namespace {

SchemaPtr orderSchema() {
    return schemaOf({{"city_id", Type::Int}, {"v", Type::Int}});
}

QString writeCities(const QTemporaryDir& dir) {
    writeFile(dir.filePath("cities.csv"),
              "id,name,population\n"
              "1,Paris,2100000\n"
              "2,Lyon,\n"
              "42,Zurich,400000\n");
    return dir.filePath("cities.csv");
}

}  // namespace

void TstStatefulTransforms::lookupCsvLeftJoin() {
    QTemporaryDir dir;
    writeCities(dir);
    Harness h("transform.lookup", orderSchema(), {{"table", "cities.csv"}, {"key", "city_id"}},
              dir.path().toStdString());
    QCOMPARE(h.outputSchema(),
             QString("_time time, city_id int, v int, name string, population int"));
    QVERIFY(h.open().isOk());
    h.feed({{1 * kSec, {I(42), I(1)}},
            {2 * kSec, {I(2), I(2)}},
            {3 * kSec, {I(7), I(3)}},
            {4 * kSec, {N, I(4)}}});
    h.feed({{5 * kSec, {I(1), I(5)}}});
    QCOMPARE(h.rows(), QStringList({"1 42 1 Zurich 400000", "2 2 2 Lyon NULL", "3 7 3 NULL NULL",
                                    "4 NULL 4 NULL NULL", "5 1 5 Paris 2100000"}));
    QCOMPARE(h.out->rows(1), size_t(0));
}

void TstStatefulTransforms::lookupMatchesNumbersByValue() {
    QTemporaryDir dir;
    writeCities(dir);
    // A float key against the int table key; and an int key against a float table key.
    Harness h("transform.lookup", schemaOf({{"x", Type::Float}}),
              {{"table", "cities.csv"}, {"key", "x"}}, dir.path().toStdString());
    QVERIFY(h.open().isOk());
    h.feed({{0, {F(42.0)}},
            {1 * kSec, {F(42.5)}},
            {2 * kSec, {F(-0.0)}},
            {3 * kSec, {F(std::nan(""))}},
            {4 * kSec, {F(1.0)}},
            {5 * kSec, {F(2.0)}}});
    QCOMPARE(h.rows(), QStringList({"0 42.0 Zurich 400000", "1 42.5 NULL NULL", "2 -0.0 NULL NULL",
                                    "3 NaN NULL NULL", "4 1.0 Paris 2100000", "5 2.0 Lyon NULL"}));
    writeFile(dir.filePath("rates.csv"), "rate,label\n1.5,low\n2,two\n");
    Harness h2("transform.lookup", orderSchema(), {{"table", "rates.csv"}, {"key", "city_id"}},
               dir.path().toStdString());
    QCOMPARE(h2.outputSchema(), QString("_time time, city_id int, v int, label string"));
    QVERIFY(h2.open().isOk());
    h2.feed({{0, {I(2), I(0)}}, {0, {I(1), I(0)}}});
    QCOMPARE(h2.rows(), QStringList({"0 2 0 two", "0 1 0 NULL"}));
}

void TstStatefulTransforms::lookupStringsExactFirstRowWins() {
    QTemporaryDir dir;
    writeFile(dir.filePath("codes.csv"),
              "code,label\nab,first\nAB,upper\nab,second\n\"\",empty\n,nullkey\n");
    Harness h("transform.lookup", schemaOf({{"c", Type::String}}),
              {{"table", "codes.csv"}, {"key", "c"}}, dir.path().toStdString());
    QVERIFY(h.open().isOk());
    h.feed({{0, {S("ab")}}, {0, {S("AB")}}, {0, {S("ab ")}}, {0, {S("")}}, {0, {N}}});
    QCOMPARE(h.rows(),
             QStringList({"0 ab first", "0 AB upper", "0 ab  NULL", "0  empty", "0 NULL NULL"}));
}

void TstStatefulTransforms::lookupFieldsAndTableKey() {
    QTemporaryDir dir;
    writeCities(dir);
    Harness h("transform.lookup", schemaOf({{"city", Type::String}}),
              {{"table", "cities.csv"},
               {"key", "UPPER(city)"},
               {"table_key", "name"},
               {"fields", {"population", "id"}}},
              dir.path().toStdString());
    QCOMPARE(h.outputSchema(), QString("_time time, city string, population int, id int"));
    QVERIFY(h.open().isOk());
    h.feed({{0, {S("lyon")}}, {0, {S("ZURICH")}}});
    QCOMPARE(h.rows(),
             QStringList({"0 lyon NULL NULL", "0 ZURICH NULL NULL"}));  // names are not upper case
    Harness h2("transform.lookup", schemaOf({{"city", Type::String}}),
               {{"table", "cities.csv"},
                {"key", "city"},
                {"table_key", "name"},
                {"fields", {"population", "id"}}},
               dir.path().toStdString());
    QVERIFY(h2.open().isOk());
    h2.feed({{0, {S("Lyon")}}, {0, {S("Zurich")}}});
    QCOMPARE(h2.rows(), QStringList({"0 Lyon NULL 2", "0 Zurich 400000 42"}));
}

void TstStatefulTransforms::lookupSqliteTable() {
    QTemporaryDir dir;
    const QString path = dir.filePath("hosts.db");
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(path.toUtf8().constData(), &db), SQLITE_OK);
    const char* sql =
        "CREATE TABLE hosts (host TEXT, rack INTEGER, weight REAL, active BOOLEAN, seen DATETIME, "
        "note, level);"
        "INSERT INTO hosts VALUES ('web-01', 3, 0.5, 1, '2026-01-01T10:00:00Z', 'primary', 2);"
        "INSERT INTO hosts VALUES ('db-01', '7', 2, 0, NULL, NULL, 2.5);"
        "INSERT INTO hosts VALUES ('web-01', 9, 9, 0, NULL, 'shadowed', 1);"
        "CREATE TABLE other (x INTEGER);"
        "CREATE TABLE bad (host TEXT, rack INTEGER);"
        "INSERT INTO bad VALUES ('h', 'x');";
    char* err = nullptr;
    QCOMPARE(sqlite3_exec(db, sql, nullptr, nullptr, &err), SQLITE_OK);
    sqlite3_close(db);

    Harness h("transform.lookup", schemaOf({{"host", Type::String}}),
              {{"table", "hosts.db"}, {"sqlite_table", "hosts"}, {"key", "host"}},
              dir.path().toStdString());
    // Declared types give the types; `note` and `level` (no declared type) go by their values.
    QCOMPARE(h.outputSchema().replace("_time time, host string, ", ""),
             QString("rack int, weight float, active bool, seen time, note string, level float"));
    QVERIFY(h.open().isOk());
    h.feed({{0, {S("web-01")}}, {0, {S("db-01")}}, {0, {S("cache-01")}}});
    QCOMPARE(h.rows(), QStringList({"0 web-01 3 0.5 TRUE 1767261600 primary 2.0",
                                    "0 db-01 7 2.0 FALSE NULL NULL 2.5",
                                    "0 cache-01 NULL NULL NULL NULL NULL NULL"}));

    // A value that does not read as its declared type stops the run when the table is loaded.
    Harness bad("transform.lookup", schemaOf({{"host", Type::String}}),
                {{"table", "hosts.db"}, {"sqlite_table", "bad"}, {"key", "host"}},
                dir.path().toStdString());
    QCOMPARE(bad.outputSchema(), QString("_time time, host string, rack int"));
    QCOMPARE(QString::fromStdString(bad.open().message()),
             QString("transform `n`: the table `bad` of `" + path +
                     "`, row 1: column `rack` is int, but holds `x`"));

    const std::string base = dir.path().toStdString();
    const SchemaPtr in = schemaOf({{"host", Type::String}});
    QCOMPARE(planError("transform.lookup", in, {{"table", "hosts.db"}, {"key", "host"}}, base),
             QString("transform `n`: `sqlite_table` is required when `table` is an SQLite file; "
                     "tables in `" +
                     path + "`: bad, hosts, other"));
    QCOMPARE(planError("transform.lookup", in,
                       {{"table", "hosts.db"}, {"sqlite_table", "host"}, {"key", "host"}}, base),
             QString("transform `n`: `sqlite_table`: `" + path +
                     "` has no table `host` (tables: bad, hosts, other)"));
    QCOMPARE(planError("transform.lookup", in,
                       {{"table", "missing.sqlite"}, {"sqlite_table", "t"}, {"key", "host"}}, base),
             QString("transform `n`: cannot open `" + dir.filePath("missing.sqlite") +
                     "`: no such file"));
}

void TstStatefulTransforms::lookupErrorsNameTheProblem() {
    QTemporaryDir dir;
    const QString cities = writeCities(dir);
    const std::string base = dir.path().toStdString();
    const SchemaPtr in = schemaOf({{"city_id", Type::Int}, {"name", Type::String}});
    QCOMPARE(planError("transform.lookup", in, {{"table", "nope.csv"}, {"key", "city_id"}}, base),
             QString("transform `n`: cannot open `" + dir.filePath("nope.csv") +
                     "`: No such file or directory"));
    QCOMPARE(planError("transform.lookup", in, {{"table", "cities.txt"}, {"key", "city_id"}}, base),
             QString("transform `n`: `table` must be a .csv file or an SQLite file (.db, .sqlite, "
                     ".sqlite3), got `" +
                     dir.filePath("cities.txt") + "`"));
    QCOMPARE(planError("transform.lookup", in, {{"table", "cities.csv"}, {"key", "city_id"}}, base),
             QString("transform `n`: the table field `name` of the `" + cities +
                     "` clashes with the input field `name`; leave it out of `fields` or rename "
                     "the input field "
                     "with a map first"));
    QCOMPARE(
        planError("transform.lookup", in,
                  {{"table", "cities.csv"}, {"key", "city_id"}, {"fields", {"population"}}}, base),
        QString("(ok)"));
    QCOMPARE(
        planError("transform.lookup", in,
                  {{"table", "cities.csv"}, {"key", "name"}, {"fields", {"population"}}}, base),
        QString("transform `n`: `key` `name` is string but the table key `id` is int; convert the "
                "key, e.g. "
                "CAST(name AS int)"));
    QCOMPARE(planError("transform.lookup", in,
                       {{"table", "cities.csv"}, {"key", "city_id"}, {"fields", {"pop"}}}, base),
             QString("transform `n`: `fields` names `pop`, which is not a column of the `" +
                     cities + "` (columns: id, name, population)"));
    QCOMPARE(planError("transform.lookup", in,
                       {{"table", "cities.csv"}, {"key", "city_id"}, {"table_key", "ID"}}, base),
             QString("transform `n`: `table_key` `ID` is not a column of the `" + cities +
                     "` (columns: id, name, population)"));
    QCOMPARE(planError("transform.lookup", in, {{"key", "city_id"}}, base),
             QString("transform `n`: `table` is required (A .csv file with a header row, or an "
                     "SQLite file (.db, "
                     ".sqlite, .sqlite3); relative to the project's folder)"));

    // The table goes away between planning and the start of the run: open() names it.
    Harness h("transform.lookup", orderSchema(), {{"table", "cities.csv"}, {"key", "city_id"}},
              base);
    QVERIFY(QFile::remove(cities));
    const Status s = h.open();
    QCOMPARE(QString::fromStdString(s.message()),
             QString("transform `n`: cannot open `" + cities + "`: No such file or directory"));
}

// ---- alert.threshold ----

namespace {

SchemaPtr cpuSchema() {
    return schemaOf({{"host", Type::String}, {"cpu", Type::Int}});
}

}  // namespace

void TstStatefulTransforms::alertForStretchesAndGroups() {
    Harness h("alert.threshold", cpuSchema(),
              {{"condition", "cpu > 90"},
               {"for", "10s"},
               {"group_by", {"host"}},
               {"message", "{host} at {cpu}%"}});
    QCOMPARE(h.outputSchema(),
             QString("_time time, host string, state string, since time, message string"));
    h.feed({{0, {S("a"), I(95)}},         // a pending since 0
            {1 * kSec, {S("b"), I(99)}},  // b pending since 1
            {5 * kSec, {S("a"), I(96)}},
            {8 * kSec, {S("a"), I(50)}}});  // a cancelled before 10 s
    QCOMPARE(h.rows(), QStringList());
    h.feed({{11 * kSec, {S("b"), I(91)}},  // b: 11 >= 1 + 10: fires
            {12 * kSec, {S("b"), N}},      // NULL: resolved
            {20 * kSec, {S("a"), I(92)}},  // a pending since 20
            {25 * kSec, {S("a"), I(93)}},
            {29 * kSec, {S("a"), I(94)}}});
    QCOMPARE(h.rows(), QStringList({"11 b firing 1 b at 91%", "12 b resolved 1 b at NULL%"}));
    h.feed({{30 * kSec, {S("a"), I(97)}},    // 30 >= 20 + 10: fires
            {35 * kSec, {S("a"), I(98)}},    // still firing: nothing
            {40 * kSec, {S("a"), I(10)}},    // resolved
            {45 * kSec, {S("a"), I(10)}}});  // idle: nothing
    QCOMPARE(h.rows().mid(2),
             QStringList({"30 a firing 20 a at 97%", "40 a resolved 20 a at 10%"}));
    h.node.op->finish(*h.out);
    QCOMPARE(h.rows().size(), 4);
}

void TstStatefulTransforms::alertForZeroFiresAtOnce() {
    Harness h("alert.threshold", cpuSchema(), {{"condition", "cpu >= 90"}});
    QCOMPARE(h.outputSchema(), QString("_time time, state string, since time, message string"));
    // No group_by: one alert for all hosts.
    h.feed({{1 * kSec, {S("a"), I(90)}},
            {2 * kSec, {S("b"), I(99)}},
            {3 * kSec, {S("a"), I(1)}},
            {4 * kSec, {S("b"), I(1)}},
            {5 * kSec, {S("b"), I(100)}}});
    QCOMPARE(h.rows(), QStringList({"1 firing 1 condition held", "3 resolved 1 condition held",
                                    "5 firing 5 condition held"}));
}

void TstStatefulTransforms::alertMessageTemplate() {
    Harness h("alert.threshold", schemaOf({{"host", Type::String}, {"cpu", Type::Float}}),
              {{"condition", "cpu > 90 OR cpu IS NULL"},
               {"message", "{{{host}}} cpu={cpu} at {_time}, 100%}"}});
    h.feed({{1 * kSec, {S("a"), F(95.5)}}, {2 * kSec, {N, F(1)}}, {3 * kSec, {N, N}}});
    QCOMPARE(h.rows(),
             QStringList({"1 firing 1 {a} cpu=95.5 at 1970-01-01T00:00:01.000Z, 100%}",
                          "2 resolved 1 {NULL} cpu=1 at 1970-01-01T00:00:02.000Z, 100%}",
                          "3 firing 3 {NULL} cpu=NULL at 1970-01-01T00:00:03.000Z, 100%}"}));
}

void TstStatefulTransforms::alertOutOfOrderAndEndOfStream() {
    Harness h("alert.threshold", cpuSchema(),
              {{"condition", "cpu > 90"}, {"for", "10s"}, {"group_by", {"host"}}});
    h.feed({{20 * kSec, {S("a"), I(95)}},    // pending since 20
            {31 * kSec, {S("a"), I(95)}},    // fires
            {15 * kSec, {S("a"), I(95)}}});  // out of order, still true: nothing
    h.feed({{25 * kSec, {S("a"), I(5)}}});   // out of order and false: resolves (arrival order)
    h.feed({{40 * kSec, {S("a"), I(95)}},    // pending since 40
            {45 * kSec, {S("a"), I(95)}}});
    h.feed({{38 * kSec, {S("a"), I(95)}},    // before t0: does not fire
            {50 * kSec, {S("a"), I(95)}}});  // fires
    h.node.op->onWatermark(kMaxTime, *h.out);
    h.node.op->finish(*h.out);  // still firing at the end: nothing more
    QCOMPARE(h.rows(),
             QStringList({"31 a firing 20 condition held", "25 a resolved 20 condition held",
                          "50 a firing 40 condition held"}));
}

void TstStatefulTransforms::alertBadParameters() {
    const SchemaPtr in = cpuSchema();
    QCOMPARE(planError("alert.threshold", in, {}),
             QString("alert `n`: `condition` is required (When the alert condition holds, e.g. "
                     "cpu_pct > 90)"));
    QCOMPARE(planError("alert.threshold", in, {{"condition", "cpu"}}),
             QString("alert `n`: `condition` must be a condition (bool), but `cpu` is int"));
    QCOMPARE(planError("alert.threshold", in, {{"condition", "cpu > 1"}, {"for", "-1s"}}),
             QString("alert `n`: `for` must be a duration like 10s, got `-1s`"));
    QCOMPARE(
        planError("alert.threshold", in, {{"condition", "cpu > 1"}, {"message", "{hots} is hot"}}),
        QString("alert `n`: `message` refers to `{hots}`, which is not an input field (fields: "
                "_time time, host "
                "string, cpu int); write {{ for a literal brace"));
    QCOMPARE(
        planError("alert.threshold", in, {{"condition", "cpu > 1"}, {"message", "cpu {host"}}),
        QString(
            "alert `n`: `message` has a `{` without a closing `}`; write {{ for a literal brace"));
    QCOMPARE(planError("alert.threshold", in, {{"condition", "cpu > 1"}, {"group_by", {"hots"}}}),
             QString("alert `n`: `group_by` names `hots`, which is not an input field (fields: "
                     "_time time, host "
                     "string, cpu int)"));
    const SchemaPtr withState = schemaOf({{"state", Type::String}, {"cpu", Type::Int}});
    QCOMPARE(planError("alert.threshold", withState,
                       {{"condition", "cpu > 1"}, {"group_by", {"state"}}}),
             QString("alert `n`: `group_by` names `state`, which is also a result field of the "
                     "alert; rename it with "
                     "a map first"));
}

QTEST_GUILESS_MAIN(TstStatefulTransforms)
#include "tst_stateful_transforms.moc"
