// Expression language tests. Most cases live in the golden file expr_cases.txt (format described
// at its top); each line is one data row named after its line number.
#include <QtTest/QtTest>

#include <cmath>
#include <fstream>
#include <thread>

#include "engine/core/batch.h"
#include "engine/core/time_format.h"
#include "engine/expr/ast.h"
#include "engine/expr/expression.h"

using namespace riffle;
using namespace riffle::expr;

namespace {

// Splits on `sep` outside single quotes and backticks.
std::vector<std::string> splitTopLevel(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    bool inQuote = false, inTick = false;
    for (char c : s) {
        if (c == '\'' && !inTick) inQuote = !inQuote;
        if (c == '`' && !inQuote) inTick = !inTick;
        if (c == sep && !inQuote && !inTick) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(cur);
    return out;
}

std::string trimmed(const std::string& s) {
    size_t b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    size_t e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

// Typed values of the golden file: 'text', 42, 2.5, NaN, TRUE, FALSE, NULL, NULL:int,
// time:2026-01-01T00:00:00.000Z. Returns nullopt for a malformed value.
std::optional<Value> parseTyped(const std::string& textIn) {
    const std::string text = trimmed(textIn);
    if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'') {
        std::string s;
        for (size_t i = 1; i + 1 < text.size(); ++i) {
            s += text[i];
            if (text[i] == '\'' && text[i + 1] == '\'') ++i;
        }
        return Value::ofString(s);
    }
    if (text == "TRUE") return Value::ofBool(true);
    if (text == "FALSE") return Value::ofBool(false);
    if (text == "NULL") return Value{};
    if (text.rfind("NULL:", 0) == 0) {
        auto t = typeFromName(text.substr(5));
        if (!t) return std::nullopt;
        return Value::nullOf(*t);
    }
    if (text.rfind("time:", 0) == 0) {
        auto t = parseIso8601(text.substr(5));
        if (!t) return std::nullopt;
        return Value::ofTime(*t);
    }
    if (text == "NaN") return Value::ofFloat(std::nan(""));
    if (text == "Infinity") return Value::ofFloat(INFINITY);
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    if (text.find_first_of(".eE") == std::string::npos) {
        errno = 0;
        long long v = std::strtoll(text.c_str(), &end, 10);
        if (*end || errno) return std::nullopt;
        return Value::ofInt(v);
    }
    double d = std::strtod(text.c_str(), &end);
    if (*end) return std::nullopt;
    return Value::ofFloat(d);
}

struct Golden {
    SchemaPtr schema;
    std::shared_ptr<Batch> batch;
    std::map<std::string, size_t> rowIndex;
    std::string error;  // a problem in the file itself
};

struct Case {
    int line = 0;
    std::string row = "r1";
    std::string expr;
    std::string expected;  // typed value or "error: ..."
    int warnings = 0;
};

std::string goldenPath() {
    return std::string(RIFFLE_SOURCE_DIR) + "/tests/engine/expr_cases.txt";
}

// Reads the header (schema and rows) and the cases.
Golden readGolden(std::vector<Case>& cases) {
    Golden g;
    std::ifstream f(goldenPath());
    if (!f) {
        g.error = "cannot open " + goldenPath();
        return g;
    }
    std::string line;
    int lineNo = 0;
    std::vector<std::pair<std::string, std::string>> rows;
    while (std::getline(f, line)) {
        ++lineNo;
        const std::string t = trimmed(line);
        if (t.empty() || t[0] == '#') continue;
        if (t.rfind("schema:", 0) == 0) {
            std::vector<Field> fields;
            for (const auto& part : splitTopLevel(t.substr(7), ',')) {
                std::string p = trimmed(part);
                size_t sp = p.find_last_of(' ');
                std::string name = trimmed(p.substr(0, sp));
                if (name.size() > 1 && name.front() == '`') name = name.substr(1, name.size() - 2);
                auto type = typeFromName(p.substr(sp + 1));
                if (!type) g.error = "line " + std::to_string(lineNo) + ": bad type";
                fields.push_back({name, type.value_or(Type::Null)});
            }
            g.schema = std::make_shared<Schema>(Schema::stream(fields));
            continue;
        }
        if (t.rfind("row ", 0) == 0) {
            size_t colon = t.find(':');
            rows.emplace_back(trimmed(t.substr(4, colon - 4)), t.substr(colon + 1));
            continue;
        }
        Case c;
        c.line = lineNo;
        std::string body = t;
        if (body[0] == '@') {
            size_t sp = body.find(' ');
            c.row = body.substr(1, sp - 1);
            body = body.substr(sp + 1);
        }
        if (body.rfind("=> ", 0) == 0) body = " " + body;  // an empty expression
        const size_t arrow = body.rfind(" => ");
        if (arrow == std::string::npos) {
            g.error = "line " + std::to_string(lineNo) + ": missing ` => `";
            continue;
        }
        c.expr = body.substr(0, arrow);
        c.expected = trimmed(body.substr(arrow + 4));
        const size_t warn = c.expected.rfind(" [warnings: ");
        if (warn != std::string::npos && c.expected.rfind("error:", 0) != 0) {
            c.warnings = std::atoi(c.expected.c_str() + warn + 12);
            c.expected = trimmed(c.expected.substr(0, warn));
        }
        cases.push_back(c);
    }
    if (!g.schema) {
        g.error = "no schema line";
        return g;
    }
    g.batch = std::make_shared<Batch>();
    g.batch->reset(g.schema);
    for (const auto& [name, spec] : rows) {
        std::map<std::string, std::string> vals;
        for (const auto& part : splitTopLevel(spec, ',')) {
            size_t eq = part.find('=');
            std::string key = trimmed(part.substr(0, eq));
            if (key.size() > 1 && key.front() == '`') key = key.substr(1, key.size() - 2);
            vals[key] = trimmed(part.substr(eq + 1));
        }
        for (size_t col = 0; col < g.schema->size(); ++col) {
            const Field& field = g.schema->field(col);
            auto it = vals.find(field.name);
            if (it == vals.end()) {
                g.batch->column(col).appendNull();
                continue;
            }
            std::optional<Value> v = field.type == Type::Time && it->second.rfind("time:", 0) != 0
                                         ? parseTyped("time:" + it->second)
                                         : parseTyped(it->second);
            if (!v) {
                g.error = "row " + name + ": bad value for " + field.name;
                v = Value{};
            }
            g.batch->appendValue(col, *v);
        }
        g.rowIndex[name] = g.batch->rows();
        g.batch->commitRow();
    }
    return g;
}

QString describe(const Value& v) {
    if (v.null)
        return QStringLiteral("NULL:%1").arg(QString::fromStdString(std::string(typeName(v.type))));
    QString s = QString::fromStdString(v.toString());
    if (v.type == Type::String) s = "'" + s + "'";
    return QStringLiteral("%1 (%2)").arg(s, QString::fromStdString(std::string(typeName(v.type))));
}

bool sameValue(const Value& expected, const Value& actual) {
    if (expected.null)
        return actual.null && (expected.type == Type::Null || expected.type == actual.type);
    if (actual.null || expected.type != actual.type) return false;
    if (expected.type == Type::Float) {
        if (std::isnan(expected.f)) return std::isnan(actual.f);
        return expected.f == actual.f;
    }
    return expected == actual;
}

SchemaPtr clickSchema() {
    return std::make_shared<Schema>(
        Schema::stream({{"page", Type::String}, {"user_id", Type::Int}, {"amount", Type::Float}}));
}

}  // namespace

class TstExpressions : public QObject {
    Q_OBJECT
private slots:
    void golden_data();
    void golden();
    void goldenFileIsLarge();
    void batchMatchesRows();
    void warningsCountPerEvent();
    void maskedBranchesDoNotWarn();
    void fieldReferenceOutputsOwnStrings();
    void deepNestingIsAnError();
    void longChainIsAnError();
    void regexOverALongValueNeitherRecursesNorHangs();
    void astForAggregates();
    void compileArgumentOfAggregate();
    void concurrentEvaluation();
    void constantFoldingKeepsWarnings();

private:
    Golden m_golden;
    std::vector<Case> m_cases;
};

void TstExpressions::golden_data() {
    m_cases.clear();
    m_golden = readGolden(m_cases);
    QTest::addColumn<int>("index");
    for (size_t i = 0; i < m_cases.size(); ++i)
        QTest::newRow(qPrintable(QStringLiteral("line %1: %2")
                                     .arg(m_cases[i].line)
                                     .arg(QString::fromStdString(m_cases[i].expr))))
            << static_cast<int>(i);
}

void TstExpressions::golden() {
    QFETCH(int, index);
    QVERIFY2(m_golden.error.empty(), m_golden.error.c_str());
    const Case& c = m_cases[static_cast<size_t>(index)];
    const QString where = QStringLiteral("expr_cases.txt:%1: ").arg(c.line);
    Result<ExpressionPtr> compiled = compile(c.expr, *m_golden.schema);
    if (c.expected.rfind("error:", 0) == 0) {
        const std::string want = trimmed(c.expected.substr(6));
        QVERIFY2(!compiled.isOk(), qPrintable(where + "expected an error, compiled fine"));
        QVERIFY2(compiled.message() == want,
                 qPrintable(where + "error\n   got: " + QString::fromStdString(compiled.message()) +
                            "\n  want: " + QString::fromStdString(want)));
        return;
    }
    QVERIFY2(compiled.isOk(), qPrintable(where + QString::fromStdString(compiled.message())));
    const ExpressionPtr& e = compiled.value();
    QCOMPARE(e->text(), c.expr);
    auto rowIt = m_golden.rowIndex.find(c.row);
    QVERIFY2(rowIt != m_golden.rowIndex.end(),
             qPrintable(where + "unknown row " + QString::fromStdString(c.row)));
    const size_t row = rowIt->second;
    std::optional<Value> want = parseTyped(c.expected);
    QVERIFY2(want.has_value(), qPrintable(where + "malformed expected value"));

    EvalStats stats;
    Value got = e->evaluateRow(*m_golden.batch, row, stats);
    QVERIFY2(sameValue(*want, got),
             qPrintable(where + "\n   got: " + describe(got) + "\n  want: " + describe(*want)));
    if (!want->null) QCOMPARE(e->type(), want->type);
    QVERIFY2(stats.warnings == c.warnings,
             qPrintable(where + QStringLiteral("warnings: got %1, want %2 (%3)")
                                    .arg(stats.warnings)
                                    .arg(c.warnings)
                                    .arg(QString::fromStdString(stats.lastWarning))));
    if (c.warnings > 0) QVERIFY(!stats.lastWarning.empty());

    // The vectorized path over the whole batch gives the same value at that row.
    Column out;
    StringArena arena;
    EvalStats batchStats;
    e->evaluate(*m_golden.batch, out, arena, batchStats);
    QCOMPARE(out.size(), m_golden.batch->rows());
    Value fromBatch = out.get(row);
    fromBatch.type = e->type();
    QVERIFY2(sameValue(got, fromBatch) && got.null == fromBatch.null,
             qPrintable(where + "batch path differs: " + describe(fromBatch)));
}

void TstExpressions::goldenFileIsLarge() {
    std::vector<Case> cases;
    Golden g = readGolden(cases);
    QVERIFY2(g.error.empty(), g.error.c_str());
    QVERIFY2(cases.size() >= 250, qPrintable(QString::number(cases.size())));
}

void TstExpressions::batchMatchesRows() {
    // Every golden expression, over every row, one row at a time and as one batch.
    std::vector<Case> cases;
    Golden g = readGolden(cases);
    QVERIFY(g.error.empty());
    size_t compared = 0;
    for (const Case& c : cases) {
        auto compiled = compile(c.expr, *g.schema);
        if (!compiled) continue;
        Column out;
        StringArena arena;
        EvalStats batchStats, rowStats;
        compiled.value()->evaluate(*g.batch, out, arena, batchStats);
        for (size_t r = 0; r < g.batch->rows(); ++r) {
            Value v = compiled.value()->evaluateRow(*g.batch, r, rowStats);
            Value b = out.get(r);
            b.type = v.type;
            QVERIFY2(sameValue(v, b) && v.null == b.null,
                     qPrintable(QStringLiteral("line %1 row %2: %3 vs %4")
                                    .arg(c.line)
                                    .arg(r)
                                    .arg(describe(v), describe(b))));
            ++compared;
        }
        QVERIFY2(batchStats.warnings == rowStats.warnings,
                 qPrintable(QStringLiteral("line %1: batch warnings %2, per-row %3")
                                .arg(c.line)
                                .arg(batchStats.warnings)
                                .arg(rowStats.warnings)));
    }
    QVERIFY(compared > 1000);
}

void TstExpressions::warningsCountPerEvent() {
    SchemaPtr schema = clickSchema();
    Batch b;
    b.reset(schema);
    const int64_t divisors[] = {2, 0, 0, 5, 0};
    for (int64_t d : divisors) {
        b.column(0).appendTime(0);
        b.appendString(1, "p");
        b.column(2).appendInt(d);
        b.column(3).appendFloat(1.5);
        b.commitRow();
    }
    auto e = compile("10 / user_id + 10 % user_id", *schema);
    QVERIFY2(e.isOk(), e.message().c_str());
    Column out;
    StringArena arena;
    EvalStats stats;
    e.value()->evaluate(b, out, arena, stats);
    // Two failing operators in one event count once: three events warned.
    QCOMPARE(stats.warnings, 3);
    QCOMPARE(stats.lastWarning, std::string("modulo by zero in `10 % user_id`"));
    QCOMPARE(out.get(0), Value::ofInt(5));
    QVERIFY(out.isNull(1));
    QCOMPARE(out.get(3), Value::ofInt(2));
    // The counter accumulates across calls.
    e.value()->evaluate(b, out, arena, stats);
    QCOMPARE(stats.warnings, 6);

    auto div = compile("amount / (user_id - user_id)", *schema);
    QVERIFY(div.isOk());
    EvalStats s2;
    div.value()->evaluate(b, out, arena, s2);
    QCOMPARE(s2.warnings, 5);
    QCOMPARE(s2.lastWarning, std::string("division by zero in `amount / (user_id - user_id)`"));
}

void TstExpressions::maskedBranchesDoNotWarn() {
    SchemaPtr schema = clickSchema();
    Batch b;
    b.reset(schema);
    for (int64_t d : {0, 4, 0}) {
        b.column(0).appendTime(0);
        b.appendString(1, "p");
        b.column(2).appendInt(d);
        b.column(3).appendFloat(8);
        b.commitRow();
    }
    const char* exprs[] = {"CASE WHEN user_id <> 0 THEN 8 / user_id ELSE -1 END",
                           "IF(user_id = 0, -1, 8 / user_id)", "user_id <> 0 AND 8 / user_id > 1",
                           "user_id = 0 OR 8 / user_id > 1",
                           "COALESCE(CASE WHEN user_id = 0 THEN 0 END, 8 / user_id)"};
    for (const char* src : exprs) {
        auto e = compile(src, *schema);
        QVERIFY2(e.isOk(), e.message().c_str());
        Column out;
        StringArena arena;
        EvalStats stats;
        e.value()->evaluate(b, out, arena, stats);
        QVERIFY2(stats.warnings == 0, src);
        QVERIFY2(!out.isNull(1), src);
    }
    auto e = compile("CASE WHEN user_id <> 0 THEN 8 / user_id ELSE -1 END", *schema);
    Column out;
    StringArena arena;
    EvalStats stats;
    e.value()->evaluate(b, out, arena, stats);
    QCOMPARE(out.get(0), Value::ofInt(-1));
    QCOMPARE(out.get(1), Value::ofInt(2));
    QCOMPARE(out.get(2), Value::ofInt(-1));
}

void TstExpressions::fieldReferenceOutputsOwnStrings() {
    SchemaPtr schema = clickSchema();
    auto in = std::make_unique<Batch>();
    in->reset(schema);
    in->column(0).appendTime(0);
    in->appendString(1, "checkout");
    in->column(2).appendInt(1);
    in->column(3).appendFloat(1);
    in->commitRow();
    auto e = compile("page", *schema);
    QVERIFY(e.isOk());
    QCOMPARE(e.value()->type(), Type::String);
    Column out;
    StringArena arena;
    EvalStats stats;
    e.value()->evaluate(*in, out, arena, stats);
    in.reset();  // the output must not point into the input batch
    QCOMPARE(std::string(out.strings()[0]), std::string("checkout"));
}

void TstExpressions::deepNestingIsAnError() {
    Schema schema = *clickSchema();
    std::string deep(10000, '(');
    deep += "1";
    auto e = compile(deep, schema);
    QVERIFY(!e.isOk());
    QCOMPARE(e.message(),
             std::string("1:257: expression is nested too deeply (more than 256 levels)"));
    std::string nots;
    for (int i = 0; i < 5000; ++i) nots += "NOT ";
    nots += "TRUE";
    auto n = compile(nots, schema);
    QVERIFY(!n.isOk());
    QCOMPARE(n.message(),
             std::string("1:1025: expression is nested too deeply (more than 256 levels)"));
    std::string ok(200, '(');
    ok += "1";
    ok += std::string(200, ')');
    auto fine = compile(ok, schema);
    QVERIFY2(fine.isOk(), fine.message().c_str());
}

void TstExpressions::longChainIsAnError() {
    Schema schema = *clickSchema();
    std::string chain = "1";
    for (int i = 0; i < 5000; ++i) chain += " + 1";
    auto e = compile(chain, schema);
    QVERIFY(!e.isOk());
    QCOMPARE(e.message(),
             std::string("1:1: expression is nested too deeply (more than 1000 levels)"));
    std::string fine = "user_id";
    for (int i = 0; i < 500; ++i) fine += " + 1";
    auto f = compile(fine, schema);
    QVERIFY2(f.isOk(), f.message().c_str());
    std::string in = "user_id IN (0";
    for (int i = 1; i < 3000; ++i) in += ", " + std::to_string(i);
    in += ")";
    QVERIFY(compile(in, schema).isOk());
}

// std::regex recursed once per character here and overflowed the stack; RE2 runs in linear time.
void TstExpressions::regexOverALongValueNeitherRecursesNorHangs() {
    SchemaPtr schema = std::make_shared<Schema>(Schema::stream({{"msg", Type::String}}));
    std::string value;
    while (value.size() < 100 * 1024) value += "abba";
    auto in = std::make_unique<Batch>();
    in->reset(schema);
    in->column(0).appendTime(0);
    in->appendString(1, value);
    in->commitRow();
    in->column(0).appendTime(0);
    in->appendString(1, value + "c");
    in->commitRow();
    auto e = compile("REGEXP_EXTRACT(msg, '((a|b)*)c?', 1)", *schema);
    QVERIFY2(e.isOk(), e.message().c_str());
    Column out;
    StringArena arena;
    EvalStats stats;
    e.value()->evaluate(*in, out, arena, stats);
    QCOMPARE(out.size(), size_t(2));
    QCOMPARE(std::string(out.strings()[0]), value);
    QCOMPARE(std::string(out.strings()[1]), value);
    QCOMPARE(stats.warnings, int64_t(0));

    auto any = compile("REGEXP(msg, '(a|b|ab|ba)*c$')", *schema);
    QVERIFY2(any.isOk(), any.message().c_str());
    Column matched;
    any.value()->evaluate(*in, matched, arena, stats);
    QCOMPARE(matched.ints()[0], int64_t(0));
    QCOMPARE(matched.ints()[1], int64_t(1));

    // What RE2 does not accept is refused when the expression is compiled, with RE2's reason.
    auto backReference = compile("REGEXP(msg, '(a)\\1')", *schema);
    QVERIFY(!backReference.isOk());
    QCOMPARE(
        backReference.message(),
        std::string("1:13: invalid regular expression '(a)\\1': invalid escape sequence: \\1"));
}

void TstExpressions::astForAggregates() {
    auto sum = ast::parse("SUM(amount * 1.2)");
    QVERIFY(sum.isOk());
    const ast::Node& s = *sum.value();
    QCOMPARE(s.kind, ast::Kind::Call);
    QCOMPARE(s.name, std::string("SUM"));
    QCOMPARE(s.args.size(), size_t(1));
    QCOMPARE(s.args[0]->text, std::string("amount * 1.2"));
    QVERIFY(ast::isAggregateFunction(s.name));

    auto count = ast::parse("count(*)");
    QVERIFY(count.isOk());
    QCOMPARE(count.value()->name, std::string("COUNT"));
    QCOMPARE(count.value()->args[0]->kind, ast::Kind::Star);

    auto distinct = ast::parse("COUNT(DISTINCT user_id)");
    QVERIFY(distinct.isOk());
    QVERIFY(distinct.value()->distinct);
    QCOMPARE(distinct.value()->args[0]->name, std::string("user_id"));

    auto pct = ast::parse("PERCENTILE(amount, 0.99)");
    QVERIFY(pct.isOk());
    QCOMPARE(pct.value()->args.size(), size_t(2));
    QCOMPARE(pct.value()->args[1]->value, Value::ofFloat(0.99));

    auto bad = ast::parse("SUM(amount *)");
    QVERIFY(!bad.isOk());
    QCOMPARE(bad.message(), std::string("1:13: expected an expression after `*`, got `)`"));
}

void TstExpressions::compileArgumentOfAggregate() {
    Schema schema = *clickSchema();
    auto sum = ast::parse("SUM(amount * 2)");
    QVERIFY(sum.isOk());
    auto arg = compile(*sum.value()->args[0], schema);
    QVERIFY2(arg.isOk(), arg.message().c_str());
    QCOMPARE(arg.value()->type(), Type::Float);
    QCOMPARE(arg.value()->text(), std::string("amount * 2"));
    auto whole = compile(*sum.value(), schema);
    QVERIFY(!whole.isOk());
    QCOMPARE(
        whole.message(),
        std::string(
            "1:1: aggregate function SUM is not allowed here; use it in a window's aggregates"));
    auto bad = ast::parse("AVG(page + 1)");
    QVERIFY(bad.isOk());
    auto badArg = compile(*bad.value()->args[0], schema);
    QVERIFY(!badArg.isOk());
    QCOMPARE(badArg.message(),
             std::string("1:10: `+` needs numbers, got `page` (string) and 1 (int)"));
}

void TstExpressions::concurrentEvaluation() {
    SchemaPtr schema = clickSchema();
    Batch b;
    b.reset(schema);
    for (int i = 0; i < 3000; ++i) {
        b.column(0).appendTime(i * 1000000LL);
        b.appendString(1, i % 3 ? "home" : "cart");
        b.column(2).appendInt(i % 7);
        b.column(3).appendFloat(i * 0.5);
        b.commitRow();
    }
    auto e = compile("UPPER(page) || '-' || CAST(100 / user_id AS STRING)", *schema);
    QVERIFY2(e.isOk(), e.message().c_str());
    Column reference;
    StringArena refArena;
    EvalStats refStats;
    e.value()->evaluate(b, reference, refArena, refStats);
    QCOMPARE(reference.get(1), Value::ofString("HOME-100"));
    QCOMPARE(refStats.warnings, 429);  // user_id = 0 for i = 0, 7, ..., 2996
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int k = 0; k < 5; ++k) {
                Column out;
                StringArena arena;
                EvalStats stats;
                e.value()->evaluate(b, out, arena, stats);
                for (size_t r = 0; r < b.rows(); ++r)
                    if (!(out.get(r) == reference.get(r))) ++mismatches;
            }
        });
    for (auto& th : threads) th.join();
    QCOMPARE(mismatches.load(), 0);
}

void TstExpressions::constantFoldingKeepsWarnings() {
    Schema schema = *clickSchema();
    auto e = compile("1 / 0", schema);
    QVERIFY(e.isOk());
    Batch b;
    b.reset(std::make_shared<Schema>(schema));
    for (int i = 0; i < 3; ++i) {
        b.column(0).appendTime(0);
        b.appendString(1, "x");
        b.column(2).appendInt(1);
        b.column(3).appendFloat(1);
        b.commitRow();
    }
    Column out;
    StringArena arena;
    EvalStats stats;
    e.value()->evaluate(b, out, arena, stats);
    QCOMPARE(stats.warnings, 3);
    QCOMPARE(stats.lastWarning, std::string("division by zero in `1 / 0`"));
}

QTEST_GUILESS_MAIN(TstExpressions)
#include "tst_expressions.moc"
