// sink.file and sink.sqlite driven by hand: exact bytes of CSV and JSON Lines output, exact
// table contents read back through the SQLite C API.
#include <QtTest/QtTest>

#include <sqlite3.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "engine/graph/node_instance.h"
#include "engine/runtime/collecting_emitter.h"
#include "nodes/register_builtin_nodes.h"

using namespace riffle;

namespace {

constexpr TimeUs kT0 = 1795514400000000;  // 2026-11-24T10:00:00Z

const NodeRegistry& registry() {
    return builtinNodeRegistry();
}

SchemaPtr eventSchema() {
    static const SchemaPtr s =
        std::make_shared<const Schema>(Schema::stream({{"page", Type::String},
                                                       {"n", Type::Int},
                                                       {"x", Type::Float},
                                                       {"ok", Type::Bool},
                                                       {"seen", Type::Time}}));
    return s;
}

std::shared_ptr<BatchPool> pool() {
    static auto p = BatchPool::create();
    return p;
}

BatchPtr makeBatch(const SchemaPtr& schema, const std::vector<std::vector<Value>>& rows) {
    BatchPtr b = pool()->acquire(schema);
    for (const auto& row : rows) {
        for (size_t c = 0; c < row.size(); ++c) b->appendValue(c, row[c]);
        b->commitRow();
    }
    return b;
}

struct Sink {
    NodeInstance node;
    std::unique_ptr<CollectingEmitter> out;
};

Result<Sink> makeSink(const std::string& type, const Json& params,
                      const SchemaPtr& input = eventSchema()) {
    auto inst = instantiateNode(*registry().find(type), "out", params, SchemaInputs{{input}, {0}});
    if (!inst) return Result<Sink>::error(inst.message());
    Sink s;
    s.node = std::move(inst.value());
    s.out = std::make_unique<CollectingEmitter>(s.node.context.outputSchemas);
    Status st = s.node.op->open();
    if (!st) return Result<Sink>::error(st.message());
    return s;
}

void runSink(Sink& s, const std::vector<BatchPtr>& batches) {
    for (const auto& b : batches) s.node.op->process(0, *b, *s.out);
    s.node.op->finish(*s.out);
    s.node.op->close();
}

std::string readFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Every row of a query as text, "NULL" for NULL, with each value's SQLite storage class:
// "TEXT:/home", "INTEGER:12", "REAL:0.5".
std::vector<std::vector<std::string>> query(const std::string& dbPath, const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(dbPath.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return {{"cannot open"}};
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
        rows.push_back({std::string("bad query: ") + sqlite3_errmsg(db)});
    } else {
        while (sqlite3_step(st) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int c = 0; c < sqlite3_column_count(st); ++c) {
                switch (sqlite3_column_type(st, c)) {
                    case SQLITE_NULL:
                        row.push_back("NULL");
                        break;
                    case SQLITE_INTEGER:
                        row.push_back("INTEGER:" + std::to_string(sqlite3_column_int64(st, c)));
                        break;
                    case SQLITE_FLOAT: {
                        std::ostringstream os;
                        os << sqlite3_column_double(st, c);
                        row.push_back("REAL:" + os.str());
                        break;
                    }
                    default:
                        row.push_back(std::string("TEXT:") +
                                      reinterpret_cast<const char*>(sqlite3_column_text(st, c)));
                }
            }
            rows.push_back(std::move(row));
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

using Rows = std::vector<std::vector<std::string>>;

std::vector<std::vector<Value>> sampleRows() {
    return {
        {Value::ofTime(kT0 + 123456), Value::ofString("/home"), Value::ofInt(12),
         Value::ofFloat(0.5), Value::ofBool(true), Value::ofTime(kT0)},
        {Value::ofTime(kT0 + 1000000), Value::ofString("a,\"b\"\nc"), Value::nullOf(Type::Int),
         Value::ofFloat(3.0), Value::ofBool(false), Value::nullOf(Type::Time)},
        {Value::ofTime(kT0 + 2000000), Value::ofString(""), Value::ofInt(-7), Value::ofFloat(0.1),
         Value::nullOf(Type::Bool), Value::ofTime(kT0 + 999)},
    };
}

}  // namespace

class TstSinks : public QObject {
    Q_OBJECT
private slots:
    void csvOutput();
    void jsonlOutput();
    void invalidUtf8GoesToErrors();
    void fileOpenError();
    void fileHasTheRowsWhenAProgressMarkerPasses();
    void csvRoundTripThroughSource();
    void sqliteAppend();
    void sqliteUpsert();
    void sqliteRowFailureKeepsTheRest();
    void sqliteParamErrors();

private:
    QTemporaryDir m_dir;
    std::string path(const std::string& name) {
        return m_dir.filePath(QString::fromStdString(name)).toStdString();
    }
};

void TstSinks::csvOutput() {
    const std::string file = path("out/events.csv");  // the folder is created
    auto sink = makeSink("sink.file", {{"path", file}});
    QVERIFY2(sink.isOk(), sink.message().c_str());
    const auto rows = sampleRows();
    runSink(*sink,
            {makeBatch(eventSchema(), {rows[0], rows[1]}), makeBatch(eventSchema(), {rows[2]})});
    QCOMPARE(readFile(file),
             std::string("_time,page,n,x,ok,seen\n"
                         "2026-11-24T10:00:00.123Z,/home,12,0.5,true,2026-11-24T10:00:00.000Z\n"
                         "2026-11-24T10:00:01.000Z,\"a,\"\"b\"\"\nc\",,3.0,false,\n"
                         "2026-11-24T10:00:02.000Z,\"\",-7,0.1,,2026-11-24T10:00:00.000Z\n"));
    QCOMPARE(sink->out->rows(sink->out->errorsPort()), size_t(0));
}

void TstSinks::fileHasTheRowsWhenAProgressMarkerPasses() {
    // A source commits rows once the marker behind them has passed the sink: they must be in the
    // file by then, not in the sink's write buffer.
    const std::string file = path("marked.jsonl");
    auto sink = makeSink("sink.file", {{"path", file}});
    QVERIFY2(sink.isOk(), sink.message().c_str());
    sink->node.op->process(0, *makeBatch(eventSchema(), sampleRows()), *sink->out);
    QCOMPARE(readFile(file), std::string());  // buffered
    sink->node.op->onMarker(std::make_shared<ProgressMarker>(nullptr));
    const std::string written = readFile(file);
    QCOMPARE(std::count(written.begin(), written.end(), '\n'), 3L);
    sink->node.op->finish(*sink->out);
    sink->node.op->close();
}

void TstSinks::jsonlOutput() {
    const std::string file = path("events.jsonl");
    auto sink = makeSink("sink.file", {{"path", file}});
    QVERIFY2(sink.isOk(), sink.message().c_str());
    runSink(*sink, {makeBatch(eventSchema(), sampleRows())});
    QCOMPARE(
        readFile(file),
        std::string(
            "{\"_time\":\"2026-11-24T10:00:00.123Z\",\"page\":\"/"
            "home\",\"n\":12,\"x\":0.5,\"ok\":true,"
            "\"seen\":\"2026-11-24T10:00:00.000Z\"}\n"
            "{\"_time\":\"2026-11-24T10:00:01.000Z\",\"page\":\"a,\\\"b\\\"\\nc\",\"n\":null,\"x\":"
            "3.0,"
            "\"ok\":false,\"seen\":null}\n"
            "{\"_time\":\"2026-11-24T10:00:02.000Z\",\"page\":\"\",\"n\":-7,\"x\":0.1,\"ok\":null,"
            "\"seen\":\"2026-11-24T10:00:00.000Z\"}\n"));
    // An explicit format wins over the extension.
    const std::string txt = path("events.txt");
    auto asJson = makeSink("sink.file", {{"path", txt}, {"format", "jsonl"}});
    QVERIFY2(asJson.isOk(), asJson.message().c_str());
    runSink(*asJson, {makeBatch(eventSchema(), {sampleRows()[0]})});
    QCOMPARE(readFile(txt),
             std::string("{\"_time\":\"2026-11-24T10:00:00.123Z\",\"page\":\"/home\",\"n\":12,"
                         "\"x\":0.5,\"ok\":true,\"seen\":\"2026-11-24T10:00:00.000Z\"}\n"));
}

void TstSinks::invalidUtf8GoesToErrors() {
    const std::string file = path("utf8.csv");
    auto sink = makeSink("sink.file", {{"path", file}});
    QVERIFY2(sink.isOk(), sink.message().c_str());
    auto rows = sampleRows();
    rows[1][1] = Value::ofString("bad \xC3(");
    runSink(*sink, {makeBatch(eventSchema(), rows)});
    QCOMPARE(readFile(file),
             std::string("_time,page,n,x,ok,seen\n"
                         "2026-11-24T10:00:00.123Z,/home,12,0.5,true,2026-11-24T10:00:00.000Z\n"
                         "2026-11-24T10:00:02.000Z,\"\",-7,0.1,,2026-11-24T10:00:00.000Z\n"));
    const auto errors = sink->out->rowValues(sink->out->errorsPort());
    QCOMPARE(errors.size(), size_t(1));
    QCOMPARE(errors[0][0], Value::ofTime(kT0 + 1000000));
    QCOMPARE(errors[0][6], Value::ofString("field `page` is not valid UTF-8 (byte 5)"));
    QCOMPARE(errors[0][7], Value::ofString("out"));
}

void TstSinks::fileOpenError() {
    const std::string blocker = path("plainfile");
    std::ofstream(blocker) << "x";
    const std::string file = blocker + "/events.csv";
    auto sink = makeSink("sink.file", {{"path", file}});
    QCOMPARE(sink.message(), "sink `out`: cannot open `" + file + "` for writing: Not a directory");
    QCOMPARE(makeSink("sink.file", {{"path", path("events.parquet")}}).message(),
             "sink `out`: cannot tell the format of `" + path("events.parquet") +
                 "` from its extension; set `format` to csv or jsonl");
}

void TstSinks::csvRoundTripThroughSource() {
    const std::string file = path("roundtrip.csv");
    auto sink = makeSink("sink.file", {{"path", file}});
    QVERIFY2(sink.isOk(), sink.message().c_str());
    const auto rows = sampleRows();
    runSink(*sink, {makeBatch(eventSchema(), rows)});

    auto inst = instantiateNode(
        *registry().find("source.file"), "src",
        {{"path", file}, {"schema", {"page string", "n int", "x float", "ok bool", "seen time"}}},
        {});
    QVERIFY2(inst.isOk(), inst.message().c_str());
    CollectingEmitter out(inst->context.outputSchemas);
    QVERIFY(inst->source->open().isOk());
    while (inst->source->poll(out).state != SourcePoll::State::Ended) {
    }
    const auto back = out.rowValues(0);
    QCOMPARE(back.size(), rows.size());
    // Times come back at millisecond precision, as files carry them.
    auto expected = rows;
    expected[0][0] = Value::ofTime(kT0 + 123000);
    expected[2][5] = Value::ofTime(kT0);
    for (size_t i = 0; i < rows.size(); ++i) QCOMPARE(back[i], expected[i]);
}

void TstSinks::sqliteAppend() {
    const std::string db = path("append.db");
    auto sink = makeSink("sink.sqlite", {{"path", db}});
    QVERIFY2(sink.isOk(), sink.message().c_str());
    const auto rows = sampleRows();
    runSink(*sink,
            {makeBatch(eventSchema(), {rows[0], rows[1]}), makeBatch(eventSchema(), {rows[2]})});
    // The table is named after the node; columns in input order with SQLite types.
    QCOMPARE(query(db, "SELECT name, type FROM pragma_table_info('out') ORDER BY cid"),
             (Rows{{"TEXT:_time", "TEXT:TEXT"},
                   {"TEXT:page", "TEXT:TEXT"},
                   {"TEXT:n", "TEXT:INTEGER"},
                   {"TEXT:x", "TEXT:REAL"},
                   {"TEXT:ok", "TEXT:INTEGER"},
                   {"TEXT:seen", "TEXT:TEXT"}}));
    QCOMPARE(query(db, "SELECT * FROM out ORDER BY rowid"),
             (Rows{{"TEXT:2026-11-24T10:00:00.123Z", "TEXT:/home", "INTEGER:12", "REAL:0.5",
                    "INTEGER:1", "TEXT:2026-11-24T10:00:00.000Z"},
                   {"TEXT:2026-11-24T10:00:01.000Z", "TEXT:a,\"b\"\nc", "NULL", "REAL:3",
                    "INTEGER:0", "NULL"},
                   {"TEXT:2026-11-24T10:00:02.000Z", "TEXT:", "INTEGER:-7", "REAL:0.1", "NULL",
                    "TEXT:2026-11-24T10:00:00.000Z"}}));
    QCOMPARE(query(db, "PRAGMA journal_mode"), (Rows{{"TEXT:wal"}}));

    // A second run appends to the existing table.
    auto again = makeSink("sink.sqlite", {{"path", db}, {"table", "out"}});
    QVERIFY2(again.isOk(), again.message().c_str());
    runSink(*again, {makeBatch(eventSchema(), {rows[0]})});
    QCOMPARE(query(db, "SELECT COUNT(*), SUM(n) FROM out"), (Rows{{"INTEGER:4", "INTEGER:17"}}));
}

void TstSinks::sqliteUpsert() {
    const std::string db = path("upsert.db");
    const SchemaPtr schema = std::make_shared<const Schema>(
        Schema::stream({{"region", Type::String}, {"page", Type::String}, {"views", Type::Int}}));
    auto sink = makeSink("sink.sqlite",
                         {{"path", db},
                          {"table", "views per page"},
                          {"mode", "upsert"},
                          {"key", {"region", "page"}}},
                         schema);
    QVERIFY2(sink.isOk(), sink.message().c_str());
    auto row = [](TimeUs t, const char* region, const char* page, int64_t views) {
        return std::vector<Value>{Value::ofTime(kT0 + t), Value::ofString(region),
                                  Value::ofString(page), Value::ofInt(views)};
    };
    runSink(
        *sink,
        {makeBatch(schema, {row(0, "eu", "/a", 1), row(0, "eu", "/b", 2), row(0, "us", "/a", 3)}),
         makeBatch(schema, {row(1000, "eu", "/a", 10), row(2000, "eu", "/a", 11)}),
         makeBatch(schema, {row(3000, "us", "/b", 4), row(4000, "us", "/a", 30)})});
    QCOMPARE(
        query(db,
              "SELECT _time, region, page, views FROM \"views per page\" ORDER BY region, page"),
        (Rows{{"TEXT:2026-11-24T10:00:00.002Z", "TEXT:eu", "TEXT:/a", "INTEGER:11"},
              {"TEXT:2026-11-24T10:00:00.000Z", "TEXT:eu", "TEXT:/b", "INTEGER:2"},
              {"TEXT:2026-11-24T10:00:00.004Z", "TEXT:us", "TEXT:/a", "INTEGER:30"},
              {"TEXT:2026-11-24T10:00:00.003Z", "TEXT:us", "TEXT:/b", "INTEGER:4"}}));
    QCOMPARE(query(db, "SELECT \"unique\" FROM pragma_index_list('views per page')"),
             (Rows{{"INTEGER:1"}}));
    QCOMPARE(sink->out->rows(sink->out->errorsPort()), size_t(0));
}

void TstSinks::sqliteRowFailureKeepsTheRest() {
    const std::string db = path("checked.db");
    {
        sqlite3* h = nullptr;
        QCOMPARE(sqlite3_open(db.c_str(), &h), SQLITE_OK);
        QCOMPARE(sqlite3_exec(h,
                              "CREATE TABLE out (_time TEXT, page TEXT NOT NULL, n INTEGER CHECK "
                              "(n >= 0), x REAL, "
                              "ok INTEGER, seen TEXT)",
                              nullptr, nullptr, nullptr),
                 SQLITE_OK);
        sqlite3_close(h);
    }
    auto sink = makeSink("sink.sqlite", {{"path", db}});
    QVERIFY2(sink.isOk(), sink.message().c_str());
    runSink(*sink, {makeBatch(eventSchema(), sampleRows())});  // the third row has n = -7
    QCOMPARE(query(db, "SELECT page, n FROM out ORDER BY rowid"),
             (Rows{{"TEXT:/home", "INTEGER:12"}, {"TEXT:a,\"b\"\nc", "NULL"}}));
    const auto errors = sink->out->rowValues(sink->out->errorsPort());
    QCOMPARE(errors.size(), size_t(1));
    QCOMPARE(errors[0][2], Value::ofInt(-7));
    QCOMPARE(errors[0][6],
             Value::ofString("SQLite refused the row: CHECK constraint failed: n >= 0"));
    QCOMPARE(errors[0][7], Value::ofString("out"));
}

void TstSinks::sqliteParamErrors() {
    QCOMPARE(makeSink("sink.sqlite", {{"path", path("x.db")}, {"mode", "upsert"}}).message(),
             std::string("sink `out`: `key` is required when `mode` is upsert: name the fields "
                         "that identify a row"));
    QCOMPARE(
        makeSink("sink.sqlite", {{"path", path("x.db")}, {"mode", "upsert"}, {"key", {"user"}}})
            .message(),
        std::string(
            "sink `out`: `key` names `user`, which is not an input field (fields: _time time, page "
            "string, n int, x float, ok bool, seen time)"));
    const std::string dir = path("a_folder.db");
    QDir().mkpath(QString::fromStdString(dir));
    QCOMPARE(makeSink("sink.sqlite", {{"path", dir}}).message(),
             "sink `out`: cannot open `" + dir + "`: unable to open database file");
    // An existing table without a needed column.
    const std::string db = path("narrow.db");
    {
        sqlite3* h = nullptr;
        QCOMPARE(sqlite3_open(db.c_str(), &h), SQLITE_OK);
        QCOMPARE(sqlite3_exec(h, "CREATE TABLE out (_time TEXT)", nullptr, nullptr, nullptr),
                 SQLITE_OK);
        sqlite3_close(h);
    }
    QCOMPARE(makeSink("sink.sqlite", {{"path", db}}).message(),
             "sink `out`: cannot write to the table `out` of `" + db +
                 "`: table out has no column named page");
}

QTEST_GUILESS_MAIN(TstSinks)
#include "tst_sinks.moc"
