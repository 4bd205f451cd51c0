// File formats shared by the file nodes: CSV reading and writing, JSON Lines rows, value text,
// UTF-8 checks, bounded line reading and schema inference.
#include <QtTest/QtTest>

#include <cmath>
#include <fstream>
#include <optional>

#include "engine/core/batch.h"
#include "engine/core/time_format.h"
#include "engine/core/utf8.h"
#include "nodes/common/csv.h"
#include "nodes/common/file_format.h"
#include "nodes/common/file_values.h"
#include "nodes/common/json_row.h"
#include "nodes/common/line_reader.h"

using namespace riffle;

namespace {

constexpr TimeUs kT0 = 1795514400000000;  // 2026-11-24T10:00:00Z

using Fields = std::vector<std::optional<std::string>>;

struct Item {
    CsvReader::Kind kind;
    int64_t line;
    Fields fields;
    std::string error;
};

std::vector<Item> readCsv(const std::string& text, size_t expectedFields = 0,
                          size_t piece = SIZE_MAX, size_t maxLine = 1024 * 1024) {
    CsvReader reader(std::make_unique<StringInput>(text, piece), maxLine);
    reader.setExpectedFields(expectedFields);
    std::vector<Item> out;
    for (;;) {
        const auto kind = reader.next();
        if (kind == CsvReader::Kind::End) break;
        Item item{kind, reader.line(), {}, reader.error()};
        for (const auto& f : reader.fields())
            item.fields.push_back(f.isNull() ? std::nullopt
                                             : std::optional<std::string>(std::string(f.text)));
        out.push_back(std::move(item));
    }
    return out;
}

std::shared_ptr<BatchPool> pool() {
    static auto p = BatchPool::create();
    return p;
}

BatchPtr makeBatch(const Schema& schema, const std::vector<std::vector<Value>>& rows) {
    BatchPtr b = pool()->acquire(std::make_shared<const Schema>(schema));
    for (const auto& row : rows) {
        for (size_t c = 0; c < row.size(); ++c) b->appendValue(c, row[c]);
        b->commitRow();
    }
    return b;
}

Schema mixedSchema() {
    return Schema::stream(
        {{"page", Type::String}, {"n", Type::Int}, {"x", Type::Float}, {"ok", Type::Bool}});
}

}  // namespace

class TstCsv : public QObject {
    Q_OBJECT
private slots:
    void trickyRecords();
    void trickyRecordsAcrossChunks_data();
    void trickyRecordsAcrossChunks();
    void malformedRecords();
    void tooLongLines();
    void lineAtTheLimit();
    void byteOrderMark();
    void writeFields();
    void writeRows();
    void roundTrip();
    void floatText();
    void parseCells();
    void utf8();
    void classifyAndWiden();
    void jsonCells();
    void jsonWrongTypes();
    void jsonTimes();
    void jsonWrite();
    void inferCsv();
    void inferJsonl();
    void inferErrors();
    void formatsAndSchemaList();

private:
    QTemporaryDir m_dir;
    std::string writeFile(const std::string& name, const std::string& content) {
        const std::string path = m_dir.filePath(QString::fromStdString(name)).toStdString();
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
};

const std::string kTricky =
    "a,b,c\r\n"
    "1,\"x, y\",\"he said \"\"hi\"\"\"\r\n"
    "2,,\"\"\r\n"
    "3,\"multi\nline\",z\n"
    "\n"
    "4,  sp ,end";

void TstCsv::trickyRecords() {
    const auto items = readCsv(kTricky, 3);
    QCOMPARE(items.size(), size_t(5));
    for (const auto& i : items) QCOMPARE(i.kind, CsvReader::Kind::Record);
    QCOMPARE(items[0].fields, (Fields{"a", "b", "c"}));
    QCOMPARE(items[0].line, int64_t(1));
    QCOMPARE(items[1].fields, (Fields{"1", "x, y", "he said \"hi\""}));
    QCOMPARE(items[1].line, int64_t(2));
    // Empty unquoted is NULL, empty quoted is the empty string.
    QCOMPARE(items[2].fields, (Fields{"2", std::nullopt, ""}));
    QCOMPARE(items[3].fields, (Fields{"3", "multi\nline", "z"}));
    QCOMPARE(items[3].line, int64_t(4));
    // The blank line 6 is skipped; the last line has no newline.
    QCOMPARE(items[4].fields, (Fields{"4", "  sp ", "end"}));
    QCOMPARE(items[4].line, int64_t(7));
}

void TstCsv::trickyRecordsAcrossChunks_data() {
    QTest::addColumn<int>("piece");
    QTest::newRow("1 byte") << 1;
    QTest::newRow("2 bytes") << 2;
    QTest::newRow("3 bytes") << 3;
    QTest::newRow("7 bytes") << 7;
}

void TstCsv::trickyRecordsAcrossChunks() {
    QFETCH(int, piece);
    const auto whole = readCsv(kTricky, 3);
    const auto split = readCsv(kTricky, 3, static_cast<size_t>(piece));
    QCOMPARE(split.size(), whole.size());
    for (size_t i = 0; i < whole.size(); ++i) {
        QCOMPARE(split[i].fields, whole[i].fields);
        QCOMPARE(split[i].line, whole[i].line);
    }
}

void TstCsv::malformedRecords() {
    const std::string text =
        "a,b,c\n"
        "1,2,3\n"
        "1,2\n"
        "x\"y,2,3\n"
        "\"q\"z,2,3\n"
        "4,5,6\n"
        "\"open,1,2\n"
        "7,8,9\n";
    const auto items = readCsv(text, 3);
    QCOMPARE(items.size(), size_t(7));
    QCOMPARE(items[0].kind, CsvReader::Kind::Record);
    QCOMPARE(items[1].kind, CsvReader::Kind::Record);
    QCOMPARE(items[1].fields, (Fields{"1", "2", "3"}));
    QCOMPARE(items[2].kind, CsvReader::Kind::Error);
    QCOMPARE(items[2].line, int64_t(3));
    QCOMPARE(items[2].error, std::string("line 3: expected 3 fields, got 2"));
    QCOMPARE(items[3].kind, CsvReader::Kind::Error);
    QCOMPARE(items[3].line, int64_t(4));
    QCOMPARE(items[3].error,
             std::string("line 4: bad quote: a quote inside unquoted field 1 (quote the whole "
                         "field and write \"\" for a quote)"));
    QCOMPARE(items[4].kind, CsvReader::Kind::Error);
    QCOMPARE(items[4].error,
             std::string("line 5: bad quote: text after the closing quote of field 1"));
    QCOMPARE(items[5].kind, CsvReader::Kind::Record);
    QCOMPARE(items[5].fields, (Fields{"4", "5", "6"}));
    // An open quote swallows the rest of the file, as RFC 4180 reads it, and is reported once.
    QCOMPARE(items[6].kind, CsvReader::Kind::Error);
    QCOMPARE(items[6].line, int64_t(7));
    QCOMPARE(
        items[6].error,
        std::string("line 7: bad quote: quoted field 1 is not closed before the end of the file"));
}

void TstCsv::tooLongLines() {
    const std::string longLine(200 * 1024, 'x');
    const std::string text = "a,b\n1,2\n" + longLine + "\n3,4\n" + longLine;
    for (size_t piece : {SIZE_MAX, size_t(4096)}) {
        const auto items = readCsv(text, 2, piece, 1024);
        QCOMPARE(items.size(), size_t(5));
        QCOMPARE(items[1].fields, (Fields{"1", "2"}));
        QCOMPARE(items[2].kind, CsvReader::Kind::Error);
        QCOMPARE(items[2].line, int64_t(3));
        QCOMPARE(items[2].error, std::string("line 3 is longer than 1 KiB"));
        QCOMPARE(items[3].fields, (Fields{"3", "4"}));
        QCOMPARE(items[3].line, int64_t(4));
        QCOMPARE(items[4].error, std::string("line 5 is longer than 1 KiB"));
    }
    // The raw text of a too-long line is its first KiB.
    CsvReader reader(std::make_unique<StringInput>(longLine + "\n"), 1024);
    QCOMPARE(reader.next(), CsvReader::Kind::Error);
    QCOMPARE(reader.raw(), std::string_view(longLine).substr(0, 1024));
}

void TstCsv::lineAtTheLimit() {
    const std::string exact(64, 'y');
    const auto items = readCsv(exact + "\r\n" + exact + "z\n" + exact, 0, SIZE_MAX, 64);
    QCOMPARE(items.size(), size_t(3));
    QCOMPARE(items[0].kind, CsvReader::Kind::Record);
    QCOMPARE(items[0].fields, (Fields{exact}));
    QCOMPARE(items[1].kind, CsvReader::Kind::Error);
    QCOMPARE(items[1].error, std::string("line 2 is longer than 64 bytes"));
    QCOMPARE(items[2].fields, (Fields{exact}));
    QCOMPARE(formatByteSize(1024 * 1024), std::string("1 MiB"));
    QCOMPARE(formatByteSize(10 * 1024 * 1024), std::string("10 MiB"));
    QCOMPARE(formatByteSize(1000), std::string("1000 bytes"));
}

void TstCsv::byteOrderMark() {
    const auto items = readCsv("\xEF\xBB\xBFid,name\n1,a\n", 2);
    QCOMPARE(items.size(), size_t(2));
    QCOMPARE(items[0].fields, (Fields{"id", "name"}));
}

void TstCsv::writeFields() {
    auto field = [](std::string_view s) {
        std::string out;
        appendCsvField(out, s);
        return out;
    };
    QCOMPARE(field("plain text"), std::string("plain text"));
    QCOMPARE(field("a,b"), std::string("\"a,b\""));
    QCOMPARE(field("say \"hi\""), std::string("\"say \"\"hi\"\"\""));
    QCOMPARE(field(""), std::string("\"\""));
    QCOMPARE(field("two\nlines"), std::string("\"two\nlines\""));
    QCOMPARE(field("cr\r"), std::string("\"cr\r\""));
}

void TstCsv::writeRows() {
    const Schema schema = mixedSchema();
    auto batch =
        makeBatch(schema, {{Value::ofTime(kT0 + 123456), Value::ofString("a,b"), Value::ofInt(-42),
                            Value::ofFloat(0.1), Value::ofBool(true)},
                           {Value::ofTime(kT0), Value::ofString(""), Value::nullOf(Type::Int),
                            Value::ofFloat(2.0), Value::nullOf(Type::Bool)}});
    std::string out;
    appendCsvHeader(out, schema);
    appendCsvRow(out, *batch, 0);
    appendCsvRow(out, *batch, 1);
    QCOMPARE(out, std::string("_time,page,n,x,ok\n"
                              "2026-11-24T10:00:00.123Z,\"a,b\",-42,0.1,true\n"
                              "2026-11-24T10:00:00.000Z,\"\",,2.0,\n"));
}

void TstCsv::roundTrip() {
    const std::vector<std::string> values = {"plain", "a,b", "q\"q", "", "multi\nline", " lead"};
    std::string text;
    for (const auto& v : values) {
        appendCsvField(text, v);
        text += ",x\n";
    }
    const auto items = readCsv(text, 2);
    QCOMPARE(items.size(), values.size());
    for (size_t i = 0; i < values.size(); ++i) QCOMPARE(items[i].fields, (Fields{values[i], "x"}));
}

void TstCsv::floatText() {
    QCOMPARE(formatFloat(0.1), std::string("0.1"));
    QCOMPARE(formatFloat(2.0), std::string("2.0"));
    QCOMPARE(formatFloat(-0.5), std::string("-0.5"));
    QCOMPARE(formatFloat(1.0 / 3), std::string("0.3333333333333333"));
    QCOMPARE(formatFloat(1e300), std::string("1e+300"));
    QCOMPARE(formatFloat(123456789.125), std::string("123456789.125"));
    QCOMPARE(formatFloat(std::nan("")), std::string("NaN"));
    QCOMPARE(formatFloat(-INFINITY), std::string("-Infinity"));
    double back = 0;
    Cell c;
    QVERIFY(parseCell(formatFloat(1.0 / 3), Type::Float, TimeFormat::Auto, c));
    back = c.f;
    QCOMPARE(back, 1.0 / 3);
}

void TstCsv::parseCells() {
    Cell c;
    QVERIFY(parseCell("-17", Type::Int, TimeFormat::Auto, c));
    QCOMPARE(c.i, int64_t(-17));
    QVERIFY(parseCell("+5", Type::Int, TimeFormat::Auto, c));
    QCOMPARE(c.i, int64_t(5));
    QVERIFY(!parseCell("1.5", Type::Int, TimeFormat::Auto, c));
    QVERIFY(!parseCell("9223372036854775808", Type::Int, TimeFormat::Auto, c));
    QVERIFY(!parseCell("12abc", Type::Int, TimeFormat::Auto, c));
    QVERIFY(parseCell("2.5e3", Type::Float, TimeFormat::Auto, c));
    QCOMPARE(c.f, 2500.0);
    QVERIFY(parseCell("7", Type::Float, TimeFormat::Auto, c));
    QCOMPARE(c.f, 7.0);
    QVERIFY(!parseCell("fast", Type::Float, TimeFormat::Auto, c));
    QVERIFY(parseCell("TRUE", Type::Bool, TimeFormat::Auto, c));
    QCOMPARE(c.i, int64_t(1));
    QVERIFY(parseCell("0", Type::Bool, TimeFormat::Auto, c));
    QCOMPARE(c.i, int64_t(0));
    QVERIFY(!parseCell("yes", Type::Bool, TimeFormat::Auto, c));
    QVERIFY(parseCell("2026-11-24T10:00:00.250Z", Type::Time, TimeFormat::Auto, c));
    QCOMPARE(c.i, kT0 + 250000);
    QVERIFY(parseCell("1795514400123", Type::Time, TimeFormat::EpochMs, c));
    QCOMPARE(c.i, kT0 + 123000);
    QVERIFY(!parseCell("yesterday", Type::Time, TimeFormat::Auto, c));
}

void TstCsv::utf8() {
    QCOMPARE(findInvalidUtf8("plain ascii text, long enough for the word loop"),
             std::string_view::npos);
    QCOMPARE(findInvalidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), std::string_view::npos);
    QCOMPARE(findInvalidUtf8("abc\xFF"), size_t(3));
    QCOMPARE(findInvalidUtf8("\xC0\xAF"), size_t(0));          // overlong '/'
    QCOMPARE(findInvalidUtf8("ok\xED\xA0\x80"), size_t(2));    // surrogate
    QCOMPARE(findInvalidUtf8("12345678\xE2\x82"), size_t(8));  // cut short
    QCOMPARE(findInvalidUtf8("\xF4\x90\x80\x80"), size_t(0));  // above U+10FFFF
}

void TstCsv::classifyAndWiden() {
    QCOMPARE(classifyText("42"), Type::Int);
    QCOMPARE(classifyText("-7"), Type::Int);
    QCOMPARE(classifyText("4.5"), Type::Float);
    QCOMPARE(classifyText("1e3"), Type::Float);
    QCOMPARE(classifyText("True"), Type::Bool);
    QCOMPARE(classifyText("2026-11-24T10:00:00Z"), Type::Time);
    QCOMPARE(classifyText("2026-11-24"), Type::Time);
    QCOMPARE(classifyText("nan"), Type::String);
    QCOMPARE(classifyText("/home"), Type::String);
    QCOMPARE(classifyText("2026-13-24"), Type::String);
    QCOMPARE(widenType(Type::Null, Type::Int), Type::Int);
    QCOMPARE(widenType(Type::Int, Type::Int), Type::Int);
    QCOMPARE(widenType(Type::Int, Type::Float), Type::Float);
    QCOMPARE(widenType(Type::Float, Type::Int), Type::Float);
    QCOMPARE(widenType(Type::Int, Type::Bool), Type::String);
    QCOMPARE(widenType(Type::Time, Type::Int), Type::String);
    QCOMPARE(widenType(Type::Bool, Type::Null), Type::Bool);
}

void TstCsv::jsonCells() {
    const Schema schema = Schema::stream({{"b", Type::Bool},
                                          {"i", Type::Int},
                                          {"f", Type::Float},
                                          {"s", Type::String},
                                          {"t", Type::Time},
                                          {"gone", Type::Int}});
    const Json obj = Json::parse(
        R"({"b":true,"i":42,"f":3,"s":"x","t":"2026-11-24T10:00:00.5Z","extra":[1],"gone":null})");
    std::vector<Cell> cells;
    std::vector<std::string> storage;
    QCOMPARE(jsonObjectToCells(obj, schema, 1, TimeFormat::Auto, cells, storage), std::string());
    QCOMPARE(cells.size(), size_t(7));
    QVERIFY(cells[0].null);
    QVERIFY(!cells[1].null);
    QCOMPARE(cells[1].i, int64_t(1));
    QCOMPARE(cells[2].i, int64_t(42));
    QCOMPARE(cells[3].f, 3.0);  // an int is a float too
    QCOMPARE(cells[4].s, std::string_view("x"));
    QCOMPARE(cells[5].i, kT0 + 500000);
    QVERIFY(cells[6].null);  // JSON null

    // Missing keys are NULL; other scalars are accepted as strings; 3.0 is an int.
    const Json other = Json::parse(R"({"s":12.5,"i":3.0})");
    QCOMPARE(jsonObjectToCells(other, schema, 1, TimeFormat::Auto, cells, storage), std::string());
    QVERIFY(cells[1].null);
    QCOMPARE(cells[2].i, int64_t(3));
    QCOMPARE(cells[4].s, std::string_view("12.5"));
    QVERIFY(cells[5].null);
}

void TstCsv::jsonWrongTypes() {
    const Schema schema = Schema::stream(
        {{"b", Type::Bool}, {"i", Type::Int}, {"f", Type::Float}, {"t", Type::Time}});
    std::vector<Cell> cells;
    std::vector<std::string> storage;
    auto why = [&](const char* text) {
        return jsonObjectToCells(Json::parse(text), schema, 1, TimeFormat::Auto, cells, storage);
    };
    QCOMPARE(why(R"({"i":"abc"})"), std::string("field `i`: expected int, got \"abc\""));
    QCOMPARE(why(R"({"i":3.5})"), std::string("field `i`: expected int, got 3.5"));
    QCOMPARE(why(R"({"i":18446744073709551615})"),
             std::string("field `i`: expected int, got 18446744073709551615"));
    QCOMPARE(why(R"({"b":1})"), std::string("field `b`: expected bool, got 1"));
    QCOMPARE(why(R"({"f":"1.5"})"), std::string("field `f`: expected float, got \"1.5\""));
    QCOMPARE(why(R"({"t":"soon"})"), std::string("field `t`: expected time, got \"soon\""));
    QCOMPARE(why(R"({"t":{"a":1}})"), std::string("field `t`: expected time, got {\"a\":1}"));
}

void TstCsv::jsonTimes() {
    QCOMPARE(jsonToTime(Json("2026-11-24T10:00:00Z"), TimeFormat::Auto).value(), kT0);
    QCOMPARE(jsonToTime(Json(1795514400), TimeFormat::EpochS).value(), kT0);
    QCOMPARE(jsonToTime(Json(1795514400.25), TimeFormat::EpochS).value(), kT0 + 250000);
    QCOMPARE(jsonToTime(Json(int64_t(1795514400123)), TimeFormat::EpochMs).value(), kT0 + 123000);
    QCOMPARE(jsonToTime(Json(int64_t(1795514400123456)), TimeFormat::EpochUs).value(),
             kT0 + 123456);
    QCOMPARE(jsonToTime(Json(int64_t(1795514400123456)), TimeFormat::Auto).value(), kT0 + 123456);
    QCOMPARE(jsonToTime(Json("1795514400123"), TimeFormat::EpochMs).value(), kT0 + 123000);
    QVERIFY(!jsonToTime(Json(1795514400), TimeFormat::Iso8601));
    QVERIFY(!jsonToTime(Json(true), TimeFormat::Auto));
}

void TstCsv::jsonWrite() {
    const Schema schema = Schema::stream({{"page", Type::String},
                                          {"n", Type::Int},
                                          {"x", Type::Float},
                                          {"ok", Type::Bool},
                                          {"missing", Type::Int}});
    auto batch = makeBatch(
        schema,
        {{Value::ofTime(kT0 + 1999), Value::ofString("a\"b\\c\n\x01\xC3\xA9"), Value::ofInt(42),
          Value::ofFloat(2.0), Value::ofBool(false), Value::nullOf(Type::Int)},
         {Value::ofTime(kT0), Value::nullOf(Type::String), Value::ofInt(-1),
          Value::ofFloat(std::nan("")), Value::ofBool(true), Value::ofInt(7)}});
    std::string out;
    appendJsonRow(out, *batch, 0);
    appendJsonRow(out, *batch, 1);
    QCOMPARE(
        out,
        std::string(
            "{\"_time\":\"2026-11-24T10:00:00.001Z\",\"page\":\"a\\\"b\\\\c\\n\\u0001\xC3\xA9\","
            "\"n\":42,\"x\":2.0,\"ok\":false,\"missing\":null}\n"
            "{\"_time\":\"2026-11-24T10:00:00.000Z\",\"page\":null,\"n\":-1,\"x\":null,"
            "\"ok\":true,\"missing\":7}\n"));
    // What is written parses back to the same values.
    const Json back = Json::parse(out.substr(0, out.find('\n')));
    QCOMPARE(back["page"].get<std::string>(), std::string("a\"b\\c\n\x01\xC3\xA9"));
}

void TstCsv::inferCsv() {
    const std::string path = writeFile("infer.csv",
                                       "ts,page,n,x,ok,mixed,empty,quoted\n"
                                       "2026-11-24T10:00:00Z,home,1,1,true,1,,\"\"\n"
                                       "2026-11-24T10:00:01Z,cart,2,2.5,false,yes,,\"7\"\n"
                                       "broken,row\n"
                                       "2026-11-24T10:00:02Z,,3,,TRUE,2,,\"8\"\n");
    auto fields = inferFileSchema(path, FileFormat::Csv, 1024 * 1024);
    QVERIFY2(fields.isOk(), fields.message().c_str());
    const std::vector<Field> expected = {{"ts", Type::Time},      {"page", Type::String},
                                         {"n", Type::Int},        {"x", Type::Float},
                                         {"ok", Type::Bool},      {"mixed", Type::String},
                                         {"empty", Type::String}, {"quoted", Type::String}};
    QCOMPARE(fields.value(), expected);
    // Only the first rows count.
    auto firstRow = inferFileSchema(path, FileFormat::Csv, 1024 * 1024, 1);
    QCOMPARE(firstRow.value()[3].type, Type::Int);
    QCOMPARE(firstRow.value()[5].type, Type::Int);
}

void TstCsv::inferJsonl() {
    const std::string path =
        writeFile("infer.jsonl",
                  "{\"zeta\":1,\"alpha\":\"2026-11-24T10:00:00Z\",\"f\":1}\n"
                  "\n"
                  "not json\n"
                  "{\"zeta\":2,\"f\":2.5,\"ok\":true,\"nested\":{\"a\":1},\"n\":null}\n"
                  "{\"zeta\":\"three\",\"alpha\":\"2026-11-24T10:00:01Z\"}\n");
    auto fields = inferFileSchema(path, FileFormat::Jsonl, 1024 * 1024);
    QVERIFY2(fields.isOk(), fields.message().c_str());
    const std::vector<Field> expected = {{"zeta", Type::String},   {"alpha", Type::Time},
                                         {"f", Type::Float},       {"ok", Type::Bool},
                                         {"nested", Type::String}, {"n", Type::String}};
    QCOMPARE(fields.value(), expected);
}

void TstCsv::inferErrors() {
    const std::string missing = m_dir.filePath("missing.csv").toStdString();
    auto r = inferFileSchema(missing, FileFormat::Csv, 1024);
    QCOMPARE(r.message(), "cannot open `" + missing + "`: No such file or directory");
    const std::string empty = writeFile("empty.csv", "");
    QCOMPARE(inferFileSchema(empty, FileFormat::Csv, 1024).message(),
             "`" + empty + "` is empty; a CSV file needs a header row of field names");
    const std::string dup = writeFile("dup.csv", "a,b,a\n1,2,3\n");
    QCOMPARE(inferFileSchema(dup, FileFormat::Csv, 1024).message(),
             "the header of `" + dup + "` names the field `a` twice");
    const std::string noObjects = writeFile("none.jsonl", "[1,2]\n\"text\"\n");
    QCOMPARE(inferFileSchema(noObjects, FileFormat::Jsonl, 1024).message(),
             "found no JSON object in the first 100 lines of `" + noObjects +
                 "` to infer the fields from; check the file or set `schema`");
}

void TstCsv::formatsAndSchemaList() {
    QCOMPARE(resolveFileFormat("auto", "/x/data.CSV").value(), FileFormat::Csv);
    QCOMPARE(resolveFileFormat("auto", "events.ndjson").value(), FileFormat::Jsonl);
    QCOMPARE(resolveFileFormat("csv", "events.jsonl").value(), FileFormat::Csv);
    QCOMPARE(resolveFileFormat("auto", "events.dat").message(),
             std::string("cannot tell the format of `events.dat` from its extension; set `format` "
                         "to csv or jsonl"));
    auto fields = parseSchemaList({"page string", " latency_ms   int ", "odd name time"});
    QVERIFY2(fields.isOk(), fields.message().c_str());
    const std::vector<Field> expected = {
        {"page", Type::String}, {"latency_ms", Type::Int}, {"odd name", Type::Time}};
    QCOMPARE(fields.value(), expected);
    QCOMPARE(parseSchemaList({"page"}).message(),
             std::string("`schema` entry `page` must be \"name type\", like \"latency_ms int\""));
    QCOMPARE(parseSchemaList({"n integer"}).message(),
             std::string("`schema` entry `n integer`: unknown type `integer` (use bool, int, "
                         "float, string or time)"));
    QCOMPARE(parseSchemaList({"n int", "n float"}).message(),
             std::string("`schema` names the field `n` twice"));
}

QTEST_GUILESS_MAIN(TstCsv)
#include "tst_csv.moc"
