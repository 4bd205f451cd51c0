// source.file driven by hand: schemas (declared and inferred), every time format, JSON Lines
// types, malformed rows, pacing by event time and looping.
#include <QtTest/QtTest>

#include <chrono>
#include <fstream>
#include <thread>

#include "engine/core/time_format.h"
#include "engine/graph/node_instance.h"
#include "engine/runtime/collecting_emitter.h"
#include "nodes/register_builtin_nodes.h"

using namespace riffle;

namespace {

constexpr TimeUs kT0 = 1795514400000000;  // 2026-11-24T10:00:00Z
constexpr TimeUs kSecond = 1000000;

const NodeRegistry& registry() {
    return builtinNodeRegistry();
}

struct Source {
    NodeInstance node;
    std::unique_ptr<CollectingEmitter> out;
    int errorsPort() const { return out->errorsPort(); }
};

// Creates and opens the source; the message of the first failure otherwise.
Result<Source> makeSource(const Json& params) {
    auto inst = instantiateNode(*registry().find("source.file"), "src", params, {});
    if (!inst) return Result<Source>::error(inst.message());
    Source s;
    s.node = std::move(inst.value());
    s.out = std::make_unique<CollectingEmitter>(s.node.context.outputSchemas);
    Status st = s.node.source->open();
    if (!st) return Result<Source>::error(st.message());
    return s;
}

// Polls until the source ends (at most `maxPolls` times, never waiting).
SourcePoll drain(Source& s, int maxPolls = 1000) {
    SourcePoll p;
    for (int i = 0; i < maxPolls; ++i) {
        p = s.node.source->poll(*s.out);
        if (p.state == SourcePoll::State::Ended) break;
    }
    return p;
}

// The first field after `_time` of every row, as text.
std::vector<std::string> firstFields(const Source& s) {
    std::vector<std::string> out;
    for (const auto& row : s.out->rowValues(0)) out.push_back(row[1].s);
    return out;
}

// The reason of every row on `errors`.
std::vector<std::string> errorReasons(const Source& s) {
    std::vector<std::string> out;
    for (const auto& e : s.out->rowValues(s.errorsPort())) out.push_back(e[3].s);
    return out;
}

std::vector<TimeUs> times(const Source& s) {
    std::vector<TimeUs> out;
    for (const auto& row : s.out->rowValues(0)) out.push_back(row[0].i);
    return out;
}

}  // namespace

class TstSourceFile : public QObject {
    Q_OBJECT
private slots:
    void csvInferredSchema();
    void declaredSchemaSelectsColumns();
    void timeFormats_data();
    void timeFormats();
    void jsonlTypes();
    void csvMalformedRows();
    void jsonlMalformedRows();
    void jsonlNumberBeyondDoubleIsOneError();
    void unreadableTime();
    void processingTime();
    void timeColumnFromSinkOutput();
    void planningErrors();
    void pacing();
    void pacedRunCompletes();
    void loop();
    void batchesAreBounded();

private:
    QTemporaryDir m_dir;
    std::string writeFile(const std::string& name, const std::string& content) {
        const std::string path = m_dir.filePath(QString::fromStdString(name)).toStdString();
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
};

void TstSourceFile::csvInferredSchema() {
    const std::string path = writeFile("clicks.csv",
                                       "ts,page,latency_ms,ok,score\n"
                                       "2026-11-24T10:00:00.000Z,/home,12,true,0.5\n"
                                       "2026-11-24T10:00:01.250Z,\"/cart,checkout\",,false,2\n");
    auto src = makeSource({{"path", path}, {"time_field", "ts"}});
    QVERIFY2(src.isOk(), src.message().c_str());
    QCOMPARE(src->node.context.outputSchemas[0]->toString(),
             std::string("_time time, ts time, page string, latency_ms int, ok bool, score float"));
    QCOMPARE(drain(*src).state, SourcePoll::State::Ended);
    const auto rows = src->out->rowValues(0);
    QCOMPARE(rows.size(), size_t(2));
    const std::vector<Value> first = {Value::ofTime(kT0),       Value::ofTime(kT0),
                                      Value::ofString("/home"), Value::ofInt(12),
                                      Value::ofBool(true),      Value::ofFloat(0.5)};
    const std::vector<Value> second = {Value::ofTime(kT0 + 1250000),
                                       Value::ofTime(kT0 + 1250000),
                                       Value::ofString("/cart,checkout"),
                                       Value::nullOf(Type::Int),
                                       Value::ofBool(false),
                                       Value::ofFloat(2.0)};
    QCOMPARE(rows[0], first);
    QCOMPARE(rows[1], second);
    QCOMPARE(src->out->rows(src->errorsPort()), size_t(0));
    // Polling after the end stays ended and emits nothing more.
    QCOMPARE(src->node.source->poll(*src->out).state, SourcePoll::State::Ended);
    QCOMPARE(src->out->rows(0), size_t(2));
}

void TstSourceFile::declaredSchemaSelectsColumns() {
    const std::string path = writeFile("declared.csv",
                                       "id,ignored,page,ts\n"
                                       "7,zzz,/a,1795514400\n"
                                       "8,yyy,/b,1795514401\n");
    auto src = makeSource(
        {{"path", path}, {"time_field", "ts"}, {"schema", {"page string", "id float", "ts int"}}});
    QVERIFY2(src.isOk(), src.message().c_str());
    QCOMPARE(src->node.context.outputSchemas[0]->toString(),
             std::string("_time time, page string, id float, ts int"));
    drain(*src);
    const auto rows = src->out->rowValues(0);
    QCOMPARE(rows.size(), size_t(2));
    QCOMPARE(rows[1], (std::vector<Value>{Value::ofTime(kT0 + kSecond), Value::ofString("/b"),
                                          Value::ofFloat(8), Value::ofInt(1795514401)}));

    auto missing = makeSource({{"path", path}, {"schema", {"page string", "user string"}}});
    QCOMPARE(missing.message(),
             "source `src`: the field `user` is not in the header of `" + path + "`");
    auto badTimeField =
        makeSource({{"path", path}, {"time_field", "when"}, {"schema", {"page string"}}});
    QCOMPARE(badTimeField.message(),
             "source `src`: `time_field` `when` is not a field of `" + path + "` (fields: page)");
}

void TstSourceFile::timeFormats_data() {
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("csvValue");
    QTest::addColumn<QString>("jsonValue");
    QTest::addColumn<qint64>("expected");
    QTest::newRow("auto iso") << "auto"
                              << "2026-11-24T10:00:00.123Z"
                              << "\"2026-11-24T10:00:00.123Z\"" << qint64(kT0 + 123000);
    QTest::newRow("auto offset") << "auto"
                                 << "2026-11-24T12:00:00+02:00"
                                 << "\"2026-11-24 12:00:00+02:00\"" << qint64(kT0);
    QTest::newRow("auto seconds") << "auto"
                                  << "1795514400"
                                  << "1795514400" << qint64(kT0);
    QTest::newRow("auto millis") << "auto"
                                 << "1795514400123"
                                 << "1795514400123" << qint64(kT0 + 123000);
    QTest::newRow("auto micros") << "auto"
                                 << "1795514400123456"
                                 << "1795514400123456" << qint64(kT0 + 123456);
    QTest::newRow("iso8601") << "iso8601"
                             << "2026-11-24T10:00:00.123456Z"
                             << "\"2026-11-24T10:00:00.123456Z\"" << qint64(kT0 + 123456);
    QTest::newRow("epoch_s") << "epoch_s"
                             << "1795514400.5"
                             << "1795514400.5" << qint64(kT0 + 500000);
    QTest::newRow("epoch_ms") << "epoch_ms"
                              << "1795514400123"
                              << "1795514400123" << qint64(kT0 + 123000);
    QTest::newRow("epoch_us") << "epoch_us"
                              << "1795514400123456"
                              << "1795514400123456" << qint64(kT0 + 123456);
    // An explicit unit is obeyed even where auto would guess another one.
    QTest::newRow("epoch_ms small") << "epoch_ms"
                                    << "1500"
                                    << "1500" << qint64(1500000);
}

void TstSourceFile::timeFormats() {
    QFETCH(QString, format);
    QFETCH(QString, csvValue);
    QFETCH(QString, jsonValue);
    QFETCH(qint64, expected);
    const std::string tag = QTest::currentDataTag();
    std::string name = "time_" + tag;
    for (char& c : name)
        if (c == ' ') c = '_';
    const std::string csv = writeFile(name + ".csv", "ts,v\n" + csvValue.toStdString() + ",1\n");
    const std::string jsonl =
        writeFile(name + ".jsonl", "{\"ts\":" + jsonValue.toStdString() + ",\"v\":1}\n");
    for (const auto& path : {csv, jsonl}) {
        auto src = makeSource(
            {{"path", path}, {"time_field", "ts"}, {"time_format", format.toStdString()}});
        QVERIFY2(src.isOk(), src.message().c_str());
        drain(*src);
        QCOMPARE(src->out->rows(src->errorsPort()), size_t(0));
        QCOMPARE(times(*src), std::vector<TimeUs>{expected});
    }
}

void TstSourceFile::jsonlTypes() {
    const std::string path =
        writeFile("types.jsonl",
                  "{\"t\":\"2026-11-24T10:00:00Z\",\"page\":\"/a\",\"n\":1,\"x\":1,\"ok\":true}\n"
                  "{\"t\":\"2026-11-24T10:00:01Z\",\"page\":null,\"x\":2.5,\"unknown\":[1,2]}\n"
                  "\n"
                  "{\"t\":\"2026-11-24T10:00:02Z\",\"page\":\"/c\",\"n\":\"three\",\"x\":3}\n"
                  "{\"t\":\"2026-11-24T10:00:03Z\",\"page\":7,\"n\":4,\"ok\":false}\n");
    auto src = makeSource({{"path", path},
                           {"time_field", "t"},
                           {"schema", {"t time", "page string", "n int", "x float", "ok bool"}}});
    QVERIFY2(src.isOk(), src.message().c_str());
    drain(*src);
    const auto rows = src->out->rowValues(0);
    QCOMPARE(rows.size(), size_t(3));
    QCOMPARE(rows[0],
             (std::vector<Value>{Value::ofTime(kT0), Value::ofTime(kT0), Value::ofString("/a"),
                                 Value::ofInt(1), Value::ofFloat(1), Value::ofBool(true)}));
    QCOMPARE(rows[1],
             (std::vector<Value>{Value::ofTime(kT0 + kSecond), Value::ofTime(kT0 + kSecond),
                                 Value::nullOf(Type::String), Value::nullOf(Type::Int),
                                 Value::ofFloat(2.5), Value::nullOf(Type::Bool)}));
    QCOMPARE(rows[2],
             (std::vector<Value>{Value::ofTime(kT0 + 3 * kSecond), Value::ofTime(kT0 + 3 * kSecond),
                                 Value::ofString("7"), Value::ofInt(4), Value::nullOf(Type::Float),
                                 Value::ofBool(false)}));
    const auto errors = src->out->rowValues(src->errorsPort());
    QCOMPARE(errors.size(), size_t(1));
    QCOMPARE(errors[0][2], Value::ofInt(4));
    QCOMPARE(errors[0][3], Value::ofString("line 4: field `n`: expected int, got \"three\""));
    QCOMPARE(errors[0][4], Value::ofString("src"));
    QCOMPARE(errors[0][0], Value::ofTime(kT0 + 2 * kSecond));  // the row's own event time
}

void TstSourceFile::csvMalformedRows() {
    const std::string tenMb(10 * 1024 * 1024, 'x');
    const std::string path = writeFile("malformed.csv",
                                       "ts,page,n\n"                     // 1
                                       "2026-11-24T10:00:00Z,/a,1\n"     // 2
                                       "2026-11-24T10:00:01Z,/b\n"       // 3 wrong column count
                                       "2026-11-24T10:00:02Z,/c,3\n"     // 4
                                       "2026-11-24T10:00:03Z,/d\"x,4\n"  // 5 bad quote
                                       "2026-11-24T10:00:04Z,/e,5\n"     // 6
                                       "2026-11-24T10:00:05Z,/\xFF,6\n"  // 7 invalid UTF-8
                                       "2026-11-24T10:00:06Z,/g,7\n"     // 8
                                           + tenMb +
                                           "\n"                              // 9 a 10 MB line
                                           "2026-11-24T10:00:08Z,/i,9\n"     // 10
                                           "2026-11-24T10:00:09Z,/j,ten\n"   // 11 wrong type
                                           "2026-11-24T10:00:10Z,/k,11\n");  // 12
    auto src = makeSource(
        {{"path", path}, {"time_field", "ts"}, {"schema", {"ts time", "page string", "n int"}}});
    QVERIFY2(src.isOk(), src.message().c_str());
    QCOMPARE(drain(*src).state, SourcePoll::State::Ended);
    std::vector<std::string> pages;
    for (const auto& row : src->out->rowValues(0)) pages.push_back(row[2].s);
    QCOMPARE(pages, (std::vector<std::string>{"/a", "/c", "/e", "/g", "/i", "/k"}));
    const auto errors = src->out->rowValues(src->errorsPort());
    QCOMPARE(errors.size(), size_t(5));
    std::vector<int64_t> lines;
    std::vector<std::string> reasons;
    for (const auto& e : errors) {
        lines.push_back(e[2].i);
        reasons.push_back(e[3].s);
        QCOMPARE(e[4], Value::ofString("src"));
    }
    QCOMPARE(lines, (std::vector<int64_t>{3, 5, 7, 9, 11}));
    QCOMPARE(reasons, (std::vector<std::string>{
                          "line 3: expected 3 fields, got 2",
                          "line 5: bad quote: a quote inside unquoted field 2 (quote the whole "
                          "field and write \"\" "
                          "for a quote)",
                          "line 7: field 2 is not valid UTF-8 (byte 2)",
                          "line 9 is longer than 1 MiB",
                          "line 11: field `n`: expected int, got `ten`",
                      }));
    QCOMPARE(errors[0][1], Value::ofString("2026-11-24T10:00:01Z,/b"));
    QCOMPARE(errors[3][1], Value::ofString(tenMb.substr(0, 1024)));
}

void TstSourceFile::jsonlMalformedRows() {
    const std::string tenMb = "{\"page\":\"" + std::string(10 * 1024 * 1024, 'x') + "\"}";
    const std::string path = writeFile("malformed.jsonl",
                                       "{\"page\":\"/a\",\"n\":1}\n"     // 1
                                       "{\"page\":\"/b\",\"n\":\n"       // 2 not JSON
                                       "{\"page\":\"/\xFF\",\"n\":3}\n"  // 3 invalid UTF-8
                                           + tenMb +
                                           "\n"                              // 4 a 10 MB line
                                           "[1,2]\n"                         // 5 not an object
                                           "{\"page\":\"/f\",\"n\":true}\n"  // 6 wrong type
                                           "{\"page\":\"/g\",\"n\":7}");     // 7, no final newline
    auto src = makeSource(
        {{"path", path}, {"schema", {"page string", "n int"}}, {"max_line_bytes", 1024}});
    QVERIFY2(src.isOk(), src.message().c_str());
    drain(*src);
    QCOMPARE(firstFields(*src), (std::vector<std::string>{"/a", "/g"}));
    std::vector<int64_t> lines;
    for (const auto& e : src->out->rowValues(src->errorsPort())) lines.push_back(e[2].i);
    QCOMPARE(lines, (std::vector<int64_t>{2, 3, 4, 5, 6}));
    QCOMPARE(errorReasons(*src), (std::vector<std::string>{
                                     "line 2: not valid JSON (at byte 18)",
                                     "line 3: not valid UTF-8 (byte 11)",
                                     "line 4 is longer than 1 KiB",
                                     "line 5: expected a JSON object, got array",
                                     "line 6: field `n`: expected int, got true",
                                 }));
}

void TstSourceFile::jsonlNumberBeyondDoubleIsOneError() {
    const std::string path = writeFile("overflow.jsonl",
                                       "{\"page\":\"/a\",\"n\":1}\n"
                                       "{\"page\":\"/b\",\"rate\":1e400}\n"
                                       "{\"page\":\"/c\",\"n\":-1e999999}\n"
                                       "{\"page\":\"/d\",\"n\":4}\n");
    auto src = makeSource({{"path", path}, {"schema", {"page string", "n int"}}});
    QVERIFY2(src.isOk(), src.message().c_str());
    QVERIFY(drain(*src).state == SourcePoll::State::Ended);
    QCOMPARE(firstFields(*src), (std::vector<std::string>{"/a", "/d"}));
    QCOMPARE(errorReasons(*src),
             (std::vector<std::string>{
                 "line 2: the number 1e400 is too large (a number must fit a double)",
                 "line 3: the number -1e999999 is too large (a number must fit a double)",
             }));
}

void TstSourceFile::unreadableTime() {
    const std::string path = writeFile("badtime.csv",
                                       "ts,v\n"
                                       "2026-11-24T10:00:00Z,1\n"
                                       "tomorrow,2\n"
                                       ",3\n"
                                       "2026-11-24T10:00:05Z,4\n");
    auto src = makeSource({{"path", path}, {"time_field", "ts"}, {"time_format", "iso8601"}});
    QVERIFY2(src.isOk(), src.message().c_str());
    drain(*src);
    QCOMPARE(times(*src), (std::vector<TimeUs>{kT0, kT0 + 5 * kSecond}));
    const auto errors = src->out->rowValues(src->errorsPort());
    QCOMPARE(errors.size(), size_t(2));
    QCOMPARE(errors[0][3],
             Value::ofString("line 3: the time field `ts` is not an ISO-8601 time: `tomorrow`"));
    QCOMPARE(errors[1][3], Value::ofString("line 4: the time field `ts` is empty"));
    // An error row without a time of its own carries the latest event time, not the wall clock.
    QCOMPARE(errors[0][0], Value::ofTime(kT0));
}

void TstSourceFile::processingTime() {
    const std::string path = writeFile("notime.jsonl", "{\"v\":1}\n{\"v\":2}\n");
    using namespace std::chrono;
    const TimeUs before =
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    auto src = makeSource({{"path", path}});
    QVERIFY2(src.isOk(), src.message().c_str());
    QCOMPARE(src->node.context.outputSchemas[0]->toString(), std::string("_time time, v int"));
    drain(*src);
    const TimeUs after =
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    const auto t = times(*src);
    QCOMPARE(t.size(), size_t(2));
    for (TimeUs x : t) {
        QVERIFY(x >= before);
        QVERIFY(x <= after);
    }
}

void TstSourceFile::timeColumnFromSinkOutput() {
    // A `_time` column (as sink.file writes it) is the event time when time_field is empty.
    const std::string csv = writeFile("replay.csv",
                                      "_time,page\n"
                                      "2026-11-24T10:00:00.000Z,/a\n"
                                      "2026-11-24T10:00:02.500Z,/b\n");
    const std::string jsonl =
        writeFile("replay.jsonl",
                  "{\"_time\":\"2026-11-24T10:00:00.000Z\",\"page\":\"/a\"}\n"
                  "{\"_time\":\"2026-11-24T10:00:02.500Z\",\"page\":\"/b\"}\n");
    for (const auto& path : {csv, jsonl}) {
        auto src = makeSource({{"path", path}});
        QVERIFY2(src.isOk(), src.message().c_str());
        QCOMPARE(src->node.context.outputSchemas[0]->toString(),
                 std::string("_time time, page string"));
        drain(*src);
        QCOMPARE(times(*src), (std::vector<TimeUs>{kT0, kT0 + 2500000}));
    }
}

void TstSourceFile::planningErrors() {
    const std::string missing = m_dir.filePath("nowhere.csv").toStdString();
    QCOMPARE(makeSource({{"path", missing}}).message(),
             "source `src`: cannot open `" + missing + "`: No such file or directory");
    QCOMPARE(
        makeSource(Json::object()).message(),
        std::string(
            "source `src`: `path` is required (The file to read; a relative path is taken from the "
            "project's folder)"));
    const std::string path = writeFile("plain.csv", "a,b\n1,2\n");
    QCOMPARE(makeSource({{"path", path}, {"time_field", "ts"}}).message(),
             "source `src`: `time_field` `ts` is not a field of `" + path + "` (fields: a, b)");
    const std::string dat = writeFile("data.dat", "a\n1\n");
    QCOMPARE(makeSource({{"path", dat}}).message(),
             "source `src`: cannot tell the format of `" + dat +
                 "` from its extension; set `format` to csv or jsonl");
    auto asCsv = makeSource({{"path", dat}, {"format", "csv"}});
    QVERIFY2(asCsv.isOk(), asCsv.message().c_str());
    // A relative path is taken from the project's folder.
    auto inst = instantiateNode(*registry().find("source.file"), "src", {{"path", "plain.csv"}}, {},
                                m_dir.path().toStdString());
    QVERIFY2(inst.isOk(), inst.message().c_str());
    QCOMPARE(inst->context.outputSchemas[0]->toString(), std::string("_time time, a int, b int"));
}

void TstSourceFile::pacing() {
    const std::string path = writeFile("paced.csv",
                                       "ts,v\n"
                                       "2026-11-24T10:00:00Z,1\n"
                                       "2026-11-24T10:00:00Z,2\n"
                                       "2026-11-24T10:00:30Z,3\n");
    auto src = makeSource({{"path", path}, {"time_field", "ts"}, {"speed", 1.0}});
    QVERIFY2(src.isOk(), src.message().c_str());
    // The first events are due at once, the one 30 s later is not: poll asks to be called again.
    SourcePoll p = src->node.source->poll(*src->out);
    QCOMPARE(p.state, SourcePoll::State::Wait);
    QVERIFY(p.waitUs > 0);
    QVERIFY(p.waitUs <= 1000000);
    QCOMPARE(src->out->rows(0), size_t(2));
    p = src->node.source->poll(*src->out);
    QCOMPARE(p.state, SourcePoll::State::Wait);
    QCOMPARE(src->out->rows(0), size_t(2));

    // As fast as possible: everything in one go.
    auto fast = makeSource({{"path", path}, {"time_field", "ts"}, {"speed", 0.0}});
    QVERIFY2(fast.isOk(), fast.message().c_str());
    QCOMPARE(fast->node.source->poll(*fast->out).state, SourcePoll::State::Ended);
    QCOMPARE(fast->out->rows(0), size_t(3));
}

void TstSourceFile::pacedRunCompletes() {
    // 20 ms of event time at speed 2: the source waits at least once, then delivers every row in
    // order.
    const std::string path = writeFile("paced_short.jsonl",
                                       "{\"ts\":1795514400000,\"v\":1}\n"
                                       "{\"ts\":1795514400010,\"v\":2}\n"
                                       "{\"ts\":1795514400020,\"v\":3}\n");
    auto src = makeSource(
        {{"path", path}, {"time_field", "ts"}, {"time_format", "epoch_ms"}, {"speed", 2.0}});
    QVERIFY2(src.isOk(), src.message().c_str());
    int waits = 0;
    for (int i = 0; i < 1000; ++i) {
        SourcePoll p = src->node.source->poll(*src->out);
        if (p.state == SourcePoll::State::Ended) break;
        if (p.state == SourcePoll::State::Wait) {
            ++waits;
            std::this_thread::sleep_for(std::chrono::microseconds(p.waitUs));
        }
    }
    QVERIFY(waits >= 1);
    QCOMPARE(times(*src), (std::vector<TimeUs>{kT0, kT0 + 10000, kT0 + 20000}));
}

void TstSourceFile::loop() {
    const std::string path = writeFile("loop.csv",
                                       "ts,page\n"
                                       "2026-11-24T10:00:00Z,/a\n"
                                       "2026-11-24T10:00:01Z,/b\n"
                                       "2026-11-24T10:00:02Z,/c\n");
    auto src = makeSource({{"path", path}, {"time_field", "ts"}, {"loop", true}});
    QVERIFY2(src.isOk(), src.message().c_str());
    for (int i = 0; i < 100 && src->out->rows(0) < 9; ++i)
        QCOMPARE(src->node.source->poll(*src->out).state, SourcePoll::State::More);
    const auto rows = src->out->rowValues(0);
    QVERIFY(rows.size() >= 9);
    std::vector<TimeUs> t;
    std::vector<std::string> pages;
    for (size_t i = 0; i < 9; ++i) {
        t.push_back(rows[i][0].i);
        pages.push_back(rows[i][2].s);
        // The file's own column is left as it is.
        QCOMPARE(rows[i][1], Value::ofTime(kT0 + static_cast<TimeUs>(i % 3) * kSecond));
    }
    std::vector<TimeUs> expected;
    for (int i = 0; i < 9; ++i) expected.push_back(kT0 + i * kSecond);
    QCOMPARE(t, expected);
    QCOMPARE(pages,
             (std::vector<std::string>{"/a", "/b", "/c", "/a", "/b", "/c", "/a", "/b", "/c"}));

    // A file with no readable row ends instead of looping forever.
    const std::string empty = writeFile("loop_empty.csv", "ts,page\n");
    auto none = makeSource({{"path", empty},
                            {"schema", {"ts time", "page string"}},
                            {"time_field", "ts"},
                            {"loop", true}});
    QVERIFY2(none.isOk(), none.message().c_str());
    QCOMPARE(drain(*none, 10).state, SourcePoll::State::Ended);
    QCOMPARE(none->out->rows(0), size_t(0));
}

void TstSourceFile::batchesAreBounded() {
    std::string text = "n\n";
    for (int i = 0; i < 5000; ++i) text += std::to_string(i) + "\n";
    const std::string path = writeFile("many.csv", text);
    auto src = makeSource({{"path", path}});
    QVERIFY2(src.isOk(), src.message().c_str());
    QCOMPARE(src->node.source->poll(*src->out).state, SourcePoll::State::More);
    QCOMPARE(src->out->rows(0), kBatchRows);
    drain(*src);
    QCOMPARE(src->out->rows(0), size_t(5000));
    for (const auto& b : src->out->batches(0)) QVERIFY(b->rows() <= kBatchRows);
    const auto rows = src->out->rowValues(0);
    QCOMPARE(rows[4999][1], Value::ofInt(4999));
}

QTEST_GUILESS_MAIN(TstSourceFile)
#include "tst_source_file.moc"
