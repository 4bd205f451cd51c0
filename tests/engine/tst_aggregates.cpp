// Aggregate function tests (engine/aggregate): exact results with NULLs and overflow, merge equal
// to accumulating everything in one state, the accuracy of the sketches (HyperLogLog, DDSketch,
// Space-Saving) on deterministic data, allocation-free accumulation, and every compile error.
#include <QtTest/QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <map>
#include <new>
#include <numbers>
#include <random>

#include "engine/aggregate/aggregate_set.h"
#include "engine/core/batch.h"
#include "engine/expr/ast.h"

using namespace riffle;
using namespace riffle::agg;

// Counts heap allocations so that the test can check that accumulate() allocates nothing for
// the fixed-size aggregates.
namespace {
std::atomic<int64_t> g_allocations{0};
}

void* operator new(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

namespace {

// _time time, page string, amount float, qty int, ok bool
SchemaPtr testSchema() {
    return std::make_shared<Schema>(Schema::stream(
        {{"page", Type::String}, {"amount", Type::Float}, {"qty", Type::Int}, {"ok", Type::Bool}}));
}

struct Row {
    TimeUs time;
    Value page, amount, qty, ok;
};

Value str(const char* s) {
    return Value::ofString(s);
}
Value num(double f) {
    return Value::ofFloat(f);
}
Value integer(int64_t i) {
    return Value::ofInt(i);
}
const Value kNull;

BatchPtr makeBatch(const std::vector<Row>& rows) {
    auto b = std::make_shared<Batch>();
    b->reset(testSchema());
    for (const Row& r : rows) {
        b->appendValue(0, Value::ofTime(r.time));
        b->appendValue(1, r.page);
        b->appendValue(2, r.amount);
        b->appendValue(3, r.qty);
        b->appendValue(4, r.ok);
        b->commitRow();
    }
    return b;
}

AggregateSet compileOrFail(const std::vector<NamedExpr>& aggs, const Schema& schema) {
    Result<AggregateSet> set = AggregateSet::compile(aggs, schema);
    if (!set) qFatal("compile failed: %s", set.message().c_str());
    return std::move(set).value();
}

// Accumulates rows [from, to) of `batch` into `state`.
void feed(const AggregateSet& set, State& state, const Batch& batch, size_t from, size_t to) {
    Arguments args;
    expr::EvalStats stats;
    set.evaluateArguments(batch, args, stats);
    for (size_t r = from; r < to; ++r) set.accumulate(state, args, r);
}

std::vector<Value> results(const AggregateSet& set, const State& state) {
    std::vector<Value> out;
    for (size_t i = 0; i < set.size(); ++i) out.push_back(set.result(state, i));
    return out;
}

bool sameValue(const Value& a, const Value& b) {
    if (a.null || b.null) return a.null == b.null;
    if (a.type == Type::Float && b.type == Type::Float) {
        if (a.f == b.f) return true;
        return std::fabs(a.f - b.f) <= 1e-9 * std::max(std::fabs(a.f), std::fabs(b.f));
    }
    return a == b;
}

double relativeError(double estimate, double exact) {
    return std::fabs(estimate - exact) / std::fabs(exact);
}

// The generated stream of the merge and allocation tests: NULLs in every column, a few dozen
// pages, amounts with zeros and negatives.
std::vector<Row> randomRows(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<Row> rows;
    for (size_t i = 0; i < n; ++i) {
        Row r;
        r.time = static_cast<TimeUs>(1'000'000 + i);
        const uint64_t x = rng();
        r.page = x % 11 == 0 ? kNull : Value::ofString("/p" + std::to_string(x % 37));
        r.amount =
            (x >> 8) % 13 == 0 ? kNull : num(static_cast<double>((x >> 16) % 20001) / 10.0 - 500.0);
        r.qty = (x >> 24) % 17 == 0 ? kNull : integer(static_cast<int64_t>((x >> 32) % 5000));
        r.ok = (x >> 40) % 7 == 0 ? kNull : Value::ofBool((x >> 44) & 1);
        rows.push_back(r);
    }
    return rows;
}

// Every function, over every argument kind.
std::vector<NamedExpr> allFunctions() {
    return {
        {"n", "COUNT(*)"},
        {"n_page", "COUNT(page)"},
        {"sum_qty", "SUM(qty)"},
        {"sum_amount", "SUM(amount * 1.2)"},
        {"avg_qty", "AVG(qty)"},
        {"avg_amount", "AVG(amount)"},
        {"min_qty", "MIN(qty)"},
        {"max_amount", "MAX(amount)"},
        {"min_page", "MIN(page)"},
        {"max_page", "MAX(page)"},
        {"min_time", "MIN(_time)"},
        {"max_ok", "MAX(ok)"},
        {"first_page", "FIRST_VALUE(page)"},
        {"last_page", "LAST_VALUE(page)"},
        {"first_amount", "FIRST_VALUE(amount)"},
        {"last_qty", "LAST_VALUE(qty)"},
        {"sd_qty", "STDDEV(qty)"},
        {"sd_amount", "STDDEV(amount)"},
        {"users", "COUNT(DISTINCT qty)"},
        {"pages", "COUNT(DISTINCT page)"},
        {"amounts", "COUNT(DISTINCT amount)"},
        {"approx_qty", "APPROX_COUNT_DISTINCT(qty)"},
        {"approx_page", "APPROX_COUNT_DISTINCT(page)"},
        {"approx_amount", "APPROX_COUNT_DISTINCT(amount)"},
        {"p50", "PERCENTILE(amount, 0.5)"},
        {"p99_qty", "PERCENTILE(qty, 0.99)"},
        {"top_page", "TOP_K(page, 3)"},
        {"top_ok", "TOP_K(ok, 2)"},
        {"top_amount", "TOP_K(ROUND(amount / 100), 2)"},
        {"share_home", "AVG(IF(page = '/p1', 1.0, 0.0))"},
    };
}

}  // namespace

class TstAggregates : public QObject {
    Q_OBJECT
private slots:
    void exactResults();
    void nullOnlyAndEmpty();
    void integerOverflow();
    void outputFields();
    void mergeEqualsAccumulateAll();
    void hyperLogLogAccuracy_data();
    void hyperLogLogAccuracy();
    void ddSketchAccuracy_data();
    void ddSketchAccuracy();
    void topKFindsZipfHeadAndMerges();
    void ddSketchSubtractsWhatItMerged_data();
    void ddSketchSubtractsWhatItMerged();
    void accumulateDoesNotAllocate();
    void resetAndStateBytes();
    void compileErrors_data();
    void compileErrors();
    void everyAggregateNameHasAnImplementation();
};

void TstAggregates::exactResults() {
    const SchemaPtr schema = testSchema();
    AggregateSet set = compileOrFail({{"n", "COUNT(*)"},
                                      {"n_page", "COUNT(page)"},
                                      {"n_amount", "COUNT(amount)"},
                                      {"sum_qty", "SUM(qty)"},
                                      {"sum_amount", "SUM(amount)"},
                                      {"sum_double", "SUM(amount * 2)"},
                                      {"avg_qty", "AVG(qty)"},
                                      {"min_qty", "MIN(qty)"},
                                      {"max_qty", "MAX(qty)"},
                                      {"min_page", "MIN(page)"},
                                      {"max_page", "MAX(page)"},
                                      {"min_time", "MIN(_time)"},
                                      {"max_time", "MAX(_time)"},
                                      {"first_page", "FIRST_VALUE(page)"},
                                      {"last_page", "LAST_VALUE(page)"},
                                      {"first_amount", "FIRST_VALUE(amount)"},
                                      {"last_amount", "LAST_VALUE(amount)"},
                                      {"sd", "STDDEV(qty)"},
                                      {"pages", "COUNT(DISTINCT page)"},
                                      {"qtys", "COUNT(DISTINCT qty)"},
                                      {"approx_pages", "APPROX_COUNT_DISTINCT(page)"},
                                      {"top", "TOP_K(page, 2)"},
                                      {"home_share", "AVG(IF(page = 'home', 1.0, 0.0))"},
                                      {"min_ok", "MIN(ok)"},
                                      {"max_ok", "MAX(ok)"},
                                      {"p50", "PERCENTILE(qty, 0.5)"}},
                                     *schema);
    BatchPtr batch = makeBatch({
        {1, str("home"), num(2.5), integer(10), Value::ofBool(true)},
        {2, str("cart"), kNull, integer(3), Value::ofBool(false)},
        {3, kNull, num(1.5), kNull, kNull},
        {4, str("about"), num(4.0), integer(-7), Value::ofBool(true)},
        {5, str("home"), kNull, integer(5), kNull},
    });
    StatePtr state = set.newState();
    feed(set, *state, *batch, 0, batch->rows());

    const double mean = (10 + 3 - 7 + 5) / 4.0;
    const double ss = std::pow(10 - mean, 2) + std::pow(3 - mean, 2) + std::pow(-7 - mean, 2) +
                      std::pow(5 - mean, 2);
    const std::vector<Value> expected = {
        integer(5),
        integer(4),
        integer(3),
        integer(11),
        num(8.0),
        num(16.0),
        num(2.75),
        integer(-7),
        integer(10),
        str("about"),
        str("home"),
        Value::ofTime(1),
        Value::ofTime(5),
        str("home"),
        str("home"),
        num(2.5),
        num(4.0),
        num(std::sqrt(ss / 3)),
        integer(3),
        integer(4),
        integer(3),
        str("home:2,about:1"),
        num(0.4),
        Value::ofBool(false),
        Value::ofBool(true),
    };
    const std::vector<Value> got = results(set, *state);
    for (size_t i = 0; i < expected.size(); ++i) {
        QVERIFY2(sameValue(got[i], expected[i]),
                 qPrintable(QString::fromStdString(set.outputFields()[i].name + ": got " +
                                                   got[i].toString() + ", expected " +
                                                   expected[i].toString())));
        QCOMPARE(got[i].type, expected[i].type);
    }
    // Sorted qty: -7 3 5 10; rank floor(0.5 * 3) = 1 is 3.
    QVERIFY(relativeError(got.back().f, 3.0) <= 0.005);

    // Into a batch: one value per aggregate from the first column given.
    std::vector<Field> fields = {{"_time", Type::Time}, {"page", Type::String}};
    for (const Field& f : set.outputFields()) fields.push_back(f);
    Batch out;
    out.reset(std::make_shared<Schema>(fields));
    out.appendValue(0, Value::ofTime(5));
    out.appendValue(1, str("all"));
    expr::EvalStats stats;
    set.appendResults(*state, out, 2, stats);
    out.commitRow();
    QCOMPARE(out.get(0, 2), integer(5));
    QCOMPARE(out.get(0, 2 + 9), str("about"));
    QCOMPARE(out.get(0, 2 + 21), str("home:2,about:1"));
    QCOMPARE(stats.warnings, int64_t{0});
}

void TstAggregates::nullOnlyAndEmpty() {
    const SchemaPtr schema = testSchema();
    AggregateSet set = compileOrFail({{"n", "COUNT(*)"},
                                      {"n_amount", "COUNT(amount)"},
                                      {"sum", "SUM(amount)"},
                                      {"sum_qty", "SUM(qty)"},
                                      {"avg", "AVG(amount)"},
                                      {"min", "MIN(page)"},
                                      {"max", "MAX(qty)"},
                                      {"first", "FIRST_VALUE(amount)"},
                                      {"last", "LAST_VALUE(page)"},
                                      {"sd", "STDDEV(amount)"},
                                      {"distinct", "COUNT(DISTINCT page)"},
                                      {"approx", "APPROX_COUNT_DISTINCT(page)"},
                                      {"p", "PERCENTILE(amount, 0.9)"},
                                      {"top", "TOP_K(page, 3)"},
                                      {"count_null", "COUNT(NULL)"},
                                      {"min_null", "MIN(NULL)"}},
                                     *schema);
    const std::vector<Value> expectedNulls = {integer(2),
                                              integer(0),
                                              Value::nullOf(Type::Float),
                                              Value::nullOf(Type::Int),
                                              Value::nullOf(Type::Float),
                                              Value::nullOf(Type::String),
                                              Value::nullOf(Type::Int),
                                              Value::nullOf(Type::Float),
                                              Value::nullOf(Type::String),
                                              Value::nullOf(Type::Float),
                                              integer(0),
                                              integer(0),
                                              Value::nullOf(Type::Float),
                                              Value::nullOf(Type::String),
                                              integer(0),
                                              Value::nullOf(Type::Null)};
    BatchPtr batch = makeBatch({{1, kNull, kNull, kNull, kNull}, {2, kNull, kNull, kNull, kNull}});
    StatePtr state = set.newState();
    feed(set, *state, *batch, 0, batch->rows());
    std::vector<Value> got = results(set, *state);
    for (size_t i = 0; i < got.size(); ++i) {
        QVERIFY2(sameValue(got[i], expectedNulls[i]),
                 qPrintable(QString::fromStdString(set.outputFields()[i].name + ": " +
                                                   got[i].toString())));
        QCOMPARE(got[i].type, set.outputFields()[i].type);
    }

    // A state that saw nothing: counts are 0, everything else NULL.
    StatePtr empty = set.newState();
    got = results(set, *empty);
    QCOMPARE(got[0], integer(0));
    for (size_t i = 1; i < got.size(); ++i) QVERIFY(sameValue(got[i], expectedNulls[i]));

    // STDDEV of a single value is NULL (sample standard deviation), of two it is defined.
    AggregateSet sd = compileOrFail({{"sd", "STDDEV(qty)"}}, *schema);
    StatePtr one = sd.newState();
    BatchPtr two =
        makeBatch({{1, kNull, kNull, integer(4), kNull}, {2, kNull, kNull, integer(8), kNull}});
    feed(sd, *one, *two, 0, 1);
    QVERIFY(sd.result(*one, 0).null);
    feed(sd, *one, *two, 1, 2);
    QCOMPARE(sd.result(*one, 0).f, std::sqrt(8.0));
}

void TstAggregates::integerOverflow() {
    const SchemaPtr schema = testSchema();
    AggregateSet set = compileOrFail(
        {{"total", "SUM(qty)"}, {"fsum", "SUM(amount)"}, {"avg", "AVG(qty)"}}, *schema);
    BatchPtr batch = makeBatch({{1, kNull, num(1e308), integer(INT64_MAX), kNull},
                                {2, kNull, num(1e308), integer(1), kNull},
                                {3, kNull, kNull, integer(-5), kNull}});
    StatePtr state = set.newState();
    feed(set, *state, *batch, 0, batch->rows());
    // Overflow stays NULL even if later values would bring the sum back into range.
    QVERIFY(set.result(*state, 0).null);
    QCOMPARE(set.result(*state, 1), num(INFINITY));  // floats overflow to infinity, as IEEE says
    QVERIFY(relativeError(set.result(*state, 2).f, (static_cast<double>(INT64_MAX) - 4) / 3) <
            1e-12);

    Batch out;
    out.reset(std::make_shared<Schema>(set.outputFields()));
    expr::EvalStats stats;
    set.appendResults(*state, out, 0, stats);
    out.commitRow();
    QVERIFY(out.column(0).isNull(0));
    QCOMPARE(stats.warnings, int64_t{1});
    QCOMPARE(stats.lastWarning,
             std::string("integer overflow in `SUM(qty)` (aggregate `total`); the result is NULL"));

    // Overflow through merging two states that are each in range.
    StatePtr a = set.newState();
    StatePtr b = set.newState();
    feed(set, *a, *batch, 0, 1);
    feed(set, *b, *batch, 1, 2);
    QCOMPARE(set.result(*a, 0), integer(INT64_MAX));
    set.merge(*a, *b);
    QVERIFY(set.result(*a, 0).null);
    // And a sum that stays in range near the limit is exact.
    StatePtr c = set.newState();
    feed(set, *c, *batch, 0, 1);
    feed(set, *c, *batch, 2, 3);
    QCOMPARE(set.result(*c, 0), integer(INT64_MAX - 5));
}

void TstAggregates::outputFields() {
    AggregateSet set = compileOrFail(allFunctions(), *testSchema());
    const std::map<std::string, Type> expected = {
        {"n", Type::Int},
        {"n_page", Type::Int},
        {"sum_qty", Type::Int},
        {"sum_amount", Type::Float},
        {"avg_qty", Type::Float},
        {"avg_amount", Type::Float},
        {"min_qty", Type::Int},
        {"max_amount", Type::Float},
        {"min_page", Type::String},
        {"max_page", Type::String},
        {"min_time", Type::Time},
        {"max_ok", Type::Bool},
        {"first_page", Type::String},
        {"last_page", Type::String},
        {"first_amount", Type::Float},
        {"last_qty", Type::Int},
        {"sd_qty", Type::Float},
        {"sd_amount", Type::Float},
        {"users", Type::Int},
        {"pages", Type::Int},
        {"amounts", Type::Int},
        {"approx_qty", Type::Int},
        {"approx_page", Type::Int},
        {"approx_amount", Type::Int},
        {"p50", Type::Float},
        {"p99_qty", Type::Float},
        {"top_page", Type::String},
        {"top_ok", Type::String},
        {"top_amount", Type::String},
        {"share_home", Type::Float},
    };
    QCOMPARE(set.outputFields().size(), expected.size());
    for (const Field& f : set.outputFields()) QCOMPARE(f.type, expected.at(f.name));
    QCOMPARE(set.function(0), Function::CountStar);
    QCOMPARE(set.function(1), Function::Count);
    QCOMPARE(set.function(18), Function::CountDistinct);

    Result<AggregateSet> twice =
        AggregateSet::compile({{"n", "COUNT(*)"}, {"n", "SUM(qty)"}}, *testSchema());
    QVERIFY(!twice);
    QCOMPARE(
        twice.message(),
        std::string("aggregate `n`: the name is used twice; give each aggregate its own name"));
}

void TstAggregates::mergeEqualsAccumulateAll() {
    const SchemaPtr schema = testSchema();
    AggregateSet set = compileOrFail(allFunctions(), *schema);
    const std::vector<Row> rows = randomRows(3000, 42);
    BatchPtr batch = makeBatch(rows);
    StatePtr whole = set.newState();
    feed(set, *whole, *batch, 0, rows.size());
    const std::vector<Value> expected = results(set, *whole);
    // The sketches left their exact modes (HyperLogLog dense), so merging is really exercised.
    QVERIFY(expected[19].i == 37);
    QVERIFY(expected[21].i > 1000);

    for (size_t split : {size_t{0}, size_t{1}, size_t{500}, size_t{1777}, rows.size()}) {
        StatePtr first = set.newState();
        StatePtr second = set.newState();
        feed(set, *first, *batch, 0, split);
        feed(set, *second, *batch, split, rows.size());
        set.merge(*first, *second);
        const std::vector<Value> merged = results(set, *first);
        for (size_t i = 0; i < expected.size(); ++i)
            QVERIFY2(sameValue(merged[i], expected[i]),
                     qPrintable(QString("split %1, %2: merged %3, whole %4")
                                    .arg(split)
                                    .arg(QString::fromStdString(set.outputFields()[i].name))
                                    .arg(QString::fromStdString(merged[i].toString()))
                                    .arg(QString::fromStdString(expected[i].toString()))));
    }

    // Three-way: panes merged into a fresh state, in order.
    StatePtr total = set.newState();
    for (auto [from, to] : {std::pair<size_t, size_t>{0, 1000}, {1000, 2000}, {2000, 3000}}) {
        StatePtr pane = set.newState();
        feed(set, *pane, *batch, from, to);
        set.merge(*total, *pane);
    }
    const std::vector<Value> panes = results(set, *total);
    for (size_t i = 0; i < expected.size(); ++i) QVERIFY(sameValue(panes[i], expected[i]));
}

void TstAggregates::hyperLogLogAccuracy_data() {
    QTest::addColumn<int>("distinct");
    QTest::addColumn<bool>("strings");
    for (int n : {1, 2, 3, 10, 100, 768}) QTest::addRow("exact %d", n) << n << (n % 2 == 0);
    for (int n : {769, 1000, 5000, 20000, 100000, 1000000})
        QTest::addRow("ints %d", n) << n << false;
    for (int n : {1000, 100000}) QTest::addRow("strings %d", n) << n << true;
}

void TstAggregates::hyperLogLogAccuracy() {
    QFETCH(int, distinct);
    QFETCH(bool, strings);
    const SchemaPtr schema = testSchema();
    AggregateSet set = compileOrFail(
        {{"approx", "APPROX_COUNT_DISTINCT(page)"}, {"approx_qty", "APPROX_COUNT_DISTINCT(qty)"}},
        *schema);
    StatePtr state = set.newState();
    StatePtr firstHalf = set.newState();
    StatePtr secondHalf = set.newState();
    // Every value twice (duplicates must not count), in batches of kBatchRows.
    const int64_t total = 2 * static_cast<int64_t>(distinct);
    Batch batch;
    Arguments args;
    expr::EvalStats stats;
    for (int64_t start = 0; start < total; start += static_cast<int64_t>(kBatchRows)) {
        batch.reset(schema);
        const int64_t end = std::min<int64_t>(total, start + static_cast<int64_t>(kBatchRows));
        for (int64_t i = start; i < end; ++i) {
            const int64_t v = (i * 7919) % distinct;  // a permutation with repeats
            batch.appendValue(0, Value::ofTime(i));
            if (strings)
                batch.appendString(1, "user-" + std::to_string(v));
            else
                batch.column(1).appendNull();
            batch.column(2).appendNull();
            batch.appendValue(3, integer(v * 1'000'003));
            batch.column(4).appendNull();
            batch.commitRow();
        }
        set.evaluateArguments(batch, args, stats);
        for (size_t r = 0; r < batch.rows(); ++r) {
            set.accumulate(*state, args, r);
            set.accumulate(start + static_cast<int64_t>(r) < total / 2 ? *firstHalf : *secondHalf,
                           args, r);
        }
    }
    const size_t column = strings ? 0 : 1;
    const int64_t estimate = set.result(*state, column).i;
    const double error = std::fabs(static_cast<double>(estimate - distinct)) / distinct;
    qInfo("%d distinct %s: estimate %lld, error %.3f %%", distinct, strings ? "strings" : "ints",
          static_cast<long long>(estimate), error * 100);
    if (distinct <= 768)
        QCOMPARE(estimate, int64_t{distinct});
    else
        QVERIFY2(error <= 0.02,
                 qPrintable(QString("estimate %1 for %2").arg(estimate).arg(distinct)));
    set.merge(*firstHalf, *secondHalf);
    QCOMPARE(set.result(*firstHalf, column).i, estimate);
}

void TstAggregates::ddSketchAccuracy_data() {
    QTest::addColumn<QString>("distribution");
    for (const char* d : {"uniform", "lognormal", "pareto", "signed", "integers", "wide"})
        QTest::newRow(d) << QString(d);
}

void TstAggregates::ddSketchAccuracy() {
    QFETCH(QString, distribution);
    const SchemaPtr schema = testSchema();
    AggregateSet set = compileOrFail({{"p50", "PERCENTILE(amount, 0.5)"},
                                      {"p90", "PERCENTILE(amount, 0.9)"},
                                      {"p99", "PERCENTILE(amount, 0.99)"},
                                      {"p0", "PERCENTILE(amount, 0)"},
                                      {"p100", "PERCENTILE(amount, 1)"}},
                                     *schema);
    std::mt19937_64 rng(20261124);
    auto uniform01 = [&rng] { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; };
    auto normal = [&] {
        return std::sqrt(-2 * std::log(uniform01())) * std::cos(2 * std::numbers::pi * uniform01());
    };
    const int n = 200000;
    std::vector<double> values;
    for (int i = 0; i < n; ++i) {
        double x = 0;
        if (distribution == "uniform") x = 1000 * uniform01();
        if (distribution == "lognormal") x = std::exp(3 + 1.5 * normal());
        if (distribution == "pareto") x = 1.0 / std::pow(uniform01(), 1 / 1.2);  // alpha 1.2
        if (distribution == "signed") x = i % 10 == 0 ? 0.0 : 50 * normal();
        if (distribution == "integers") x = std::floor(uniform01() * 20);
        // 1e-6 .. 1e6 is wider than the 2048 buckets cover: the smallest collapse.
        if (distribution == "wide") x = std::pow(10.0, 12 * uniform01() - 6);
        values.push_back(x);
    }
    StatePtr state = set.newState();
    StatePtr left = set.newState();
    StatePtr right = set.newState();
    Batch batch;
    Arguments args;
    expr::EvalStats stats;
    for (int start = 0; start < n; start += static_cast<int>(kBatchRows)) {
        batch.reset(schema);
        const int end = std::min(n, start + static_cast<int>(kBatchRows));
        for (int i = start; i < end; ++i) {
            batch.appendValue(0, Value::ofTime(i));
            batch.column(1).appendNull();
            batch.appendValue(2, num(values[static_cast<size_t>(i)]));
            batch.column(3).appendNull();
            batch.column(4).appendNull();
            batch.commitRow();
        }
        set.evaluateArguments(batch, args, stats);
        for (size_t r = 0; r < batch.rows(); ++r) {
            set.accumulate(*state, args, r);
            set.accumulate(start + static_cast<int>(r) < n / 3 ? *left : *right, args, r);
        }
    }
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    set.merge(*left, *right);
    const double ps[] = {0.5, 0.9, 0.99, 0.0, 1.0};
    // Collapsing keeps quantiles above the collapsed range only.
    const size_t checked = distribution == "wide" ? 3 : 5;
    for (size_t i = 0; i < checked; ++i) {
        const double exact = sorted[static_cast<size_t>(std::floor(ps[i] * (n - 1)))];
        const double estimate = set.result(*state, i).f;
        const double error = exact == 0 ? std::fabs(estimate) : relativeError(estimate, exact);
        qInfo("%s p%g: exact %.6g, estimate %.6g, error %.3f %%", qPrintable(distribution),
              ps[i] * 100, exact, estimate, error * 100);
        QVERIFY2(error <= 0.01,
                 qPrintable(QString("p%1: %2 vs %3").arg(ps[i]).arg(estimate).arg(exact)));
        // The sketch's own bound is 0.5 %.
        QVERIFY(error <= 0.0050001);
        QCOMPARE(set.result(*left, i).f, estimate);
    }
}

void TstAggregates::topKFindsZipfHeadAndMerges() {
    const SchemaPtr schema = testSchema();
    AggregateSet set =
        compileOrFail({{"top", "TOP_K(page, 3)"}, {"top_qty", "TOP_K(qty, 3)"}}, *schema);
    // Zipf(1.1) over 2000 pages; ranks are shuffled into page names so that name order says
    // nothing about frequency.
    const int items = 2000;
    std::vector<double> cdf(items);
    double acc = 0;
    for (int i = 0; i < items; ++i) cdf[static_cast<size_t>(i)] = acc += 1.0 / std::pow(i + 1, 1.1);
    for (double& c : cdf) c /= acc;
    std::mt19937_64 rng(7);
    std::vector<int> names(items);
    for (int i = 0; i < items; ++i) names[static_cast<size_t>(i)] = i;
    std::shuffle(names.begin(), names.end(), rng);

    const int n = 200000;
    std::map<int, int64_t> truth;
    StatePtr state = set.newState();
    StatePtr a = set.newState();
    StatePtr b = set.newState();
    Batch batch;
    Arguments args;
    expr::EvalStats stats;
    for (int start = 0; start < n; start += static_cast<int>(kBatchRows)) {
        batch.reset(schema);
        const int end = std::min(n, start + static_cast<int>(kBatchRows));
        for (int i = start; i < end; ++i) {
            const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
            const size_t rank =
                static_cast<size_t>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
            const int name = names[std::min(rank, cdf.size() - 1)];
            ++truth[name];
            batch.appendValue(0, Value::ofTime(i));
            batch.appendString(1, "/page" + std::to_string(name));
            batch.column(2).appendNull();
            batch.appendValue(3, integer(name));
            batch.column(4).appendNull();
            batch.commitRow();
        }
        set.evaluateArguments(batch, args, stats);
        for (size_t r = 0; r < batch.rows(); ++r) {
            set.accumulate(*state, args, r);
            set.accumulate((start / static_cast<int>(kBatchRows)) % 2 ? *a : *b, args, r);
        }
    }
    std::vector<std::pair<int64_t, int>> byCount;
    for (auto [name, count] : truth) byCount.push_back({-count, name});
    std::sort(byCount.begin(), byCount.end());
    QVERIFY(byCount[2].first != byCount[3].first);  // the true top 3 is well defined

    auto parse = [](const std::string& text) {
        std::vector<std::pair<std::string, int64_t>> out;
        size_t pos = 0;
        while (pos < text.size()) {
            size_t comma = text.find(',', pos);
            if (comma == std::string::npos) comma = text.size();
            const std::string item = text.substr(pos, comma - pos);
            const size_t colon = item.rfind(':');
            out.push_back({item.substr(0, colon), std::stoll(item.substr(colon + 1))});
            pos = comma + 1;
        }
        return out;
    };
    set.merge(*a, *b);
    for (const State* s : {state.get(), a.get()}) {
        const auto top = parse(set.result(*s, 0).s);
        const auto topQty = parse(set.result(*s, 1).s);
        QCOMPARE(top.size(), size_t{3});
        QCOMPARE(topQty.size(), size_t{3});
        for (size_t i = 0; i < 3; ++i) {
            const int name = byCount[i].second;
            const int64_t count = -byCount[i].first;
            QCOMPARE(top[i].first, "/page" + std::to_string(name));
            QCOMPARE(topQty[i].first, std::to_string(name));
            // Space-Saving over-estimates by at most n / capacity (capacity 100 for k = 3).
            QVERIFY(top[i].second >= count && top[i].second <= count + n / 100);
        }
        qInfo("top 3: %s (true counts %lld, %lld, %lld)", set.result(*s, 0).s.c_str(),
              static_cast<long long>(-byCount[0].first), static_cast<long long>(-byCount[1].first),
              static_cast<long long>(-byCount[2].first));
    }
}

void TstAggregates::accumulateDoesNotAllocate() {
    const SchemaPtr schema = testSchema();
    AggregateSet set = compileOrFail({{"n", "COUNT(*)"},
                                      {"c", "COUNT(amount)"},
                                      {"s", "SUM(qty)"},
                                      {"f", "SUM(amount * 2)"},
                                      {"a", "AVG(amount)"},
                                      {"lo", "MIN(qty)"},
                                      {"hi", "MAX(amount)"},
                                      {"t", "MAX(_time)"},
                                      {"sd", "STDDEV(amount)"},
                                      {"first", "FIRST_VALUE(qty)"},
                                      {"last", "LAST_VALUE(amount)"}},
                                     *schema);
    BatchPtr batch = makeBatch(randomRows(2000, 9));
    StatePtr state = set.newState();
    Arguments args;
    expr::EvalStats stats;
    set.evaluateArguments(*batch, args, stats);
    const int64_t before = g_allocations.load();
    for (size_t r = 0; r < batch->rows(); ++r) set.accumulate(*state, args, r);
    QCOMPARE(g_allocations.load() - before, int64_t{0});
    QCOMPARE(set.result(*state, 0), integer(2000));
}

// COUNT and PERCENTILE are invertible (sliding windows subtract the slice that leaves): (A + B)
// - B gives A's results again, for small sketches (sparse, a few keys), large ones (dense) and
// mixes, with negative values and zeros; a sparse sketch saved and loaded (as a dense one) gives
// the same results; a B that was never added cannot be taken out.
void TstAggregates::ddSketchSubtractsWhatItMerged_data() {
    QTest::addColumn<int>("a");
    QTest::addColumn<int>("b");
    for (auto [a, b] : {std::pair{3, 5}, {3, 5000}, {5000, 3}, {400, 700}, {20000, 20000}})
        QTest::newRow(qPrintable(QString("%1 and %2 values").arg(a).arg(b))) << a << b;
}

void TstAggregates::ddSketchSubtractsWhatItMerged() {
    QFETCH(int, a);
    QFETCH(int, b);
    const SchemaPtr schema = testSchema();
    AggregateSet set = compileOrFail({{"n", "COUNT(*)"},
                                      {"p0", "PERCENTILE(amount, 0)"},
                                      {"p10", "PERCENTILE(amount, 0.1)"},
                                      {"p50", "PERCENTILE(amount, 0.5)"},
                                      {"p99", "PERCENTILE(amount, 0.99)"},
                                      {"p100", "PERCENTILE(amount, 1)"}},
                                     *schema);
    QVERIFY(set.invertible());
    QVERIFY(!compileOrFail({{"s", "SUM(qty)"}}, *schema).invertible());
    std::mt19937_64 rng(static_cast<uint64_t>(a * 31 + b));
    auto fill = [&](int n) {
        std::vector<Row> rows;
        for (int i = 0; i < n; ++i) {
            const double u = static_cast<double>(rng() % 100000) / 100000;
            const double x = i % 17 == 0 ? 0.0 : (i % 5 == 0 ? -1 : 1) * std::exp(8 * u - 2);
            rows.push_back({i, str("/"), num(x), integer(i), Value::ofBool(true)});
        }
        BatchPtr batch = makeBatch(rows);
        StatePtr state = set.newState();
        Arguments args;
        expr::EvalStats stats;
        set.evaluateArguments(*batch, args, stats);
        for (size_t r = 0; r < batch->rows(); ++r) set.accumulate(*state, args, r);
        return state;
    };
    auto results = [&](const State& st) {
        QStringList out;
        for (size_t i = 0; i < set.size(); ++i)
            out << QString::fromStdString(set.result(st, i).toString());
        return out;
    };
    StatePtr first = fill(a), second = fill(b), run = set.newState();
    set.merge(*run, *first);
    set.merge(*run, *second);
    QCOMPARE(results(*run).at(0), QString::number(a + b));
    QVERIFY(set.subtract(*run, *second));
    QCOMPARE(results(*run), results(*first));
    checkpoint::StateWriter w;
    set.save(*first, w);
    StatePtr loaded = set.newState();
    const std::string saved = w.take();
    checkpoint::StateReader r(saved);
    set.load(*loaded, r);
    QVERIFY(r.finish("the state").isOk());
    QCOMPARE(results(*loaded), results(*first));
    // A few values further apart than a dense store spans (1e-6 and 1000): saved and loaded,
    // the same results (a sparse store holds only keys a dense one could).
    {
        BatchPtr wide = makeBatch({{0, str("/"), num(1e-6), integer(0), Value::ofBool(true)},
                                   {1, str("/"), num(1000), integer(0), Value::ofBool(true)}});
        StatePtr few = set.newState();
        Arguments args;
        expr::EvalStats stats;
        set.evaluateArguments(*wide, args, stats);
        for (size_t row = 0; row < wide->rows(); ++row) set.accumulate(*few, args, row);
        checkpoint::StateWriter fw;
        set.save(*few, fw);
        const std::string bytes = fw.take();
        checkpoint::StateReader fr(bytes);
        StatePtr back = set.newState();
        set.load(*back, fr);
        QCOMPARE(results(*back), results(*few));
    }
    StatePtr other = fill(b);  // other values, never merged into `first`
    if (b > a) QVERIFY(!set.subtract(*first, *other));
}

void TstAggregates::resetAndStateBytes() {
    const SchemaPtr schema = testSchema();
    AggregateSet set = compileOrFail({{"n", "COUNT(*)"},
                                      {"d", "COUNT(DISTINCT page)"},
                                      {"hll", "APPROX_COUNT_DISTINCT(qty)"},
                                      {"first", "FIRST_VALUE(page)"}},
                                     *schema);
    BatchPtr batch = makeBatch(randomRows(3000, 5));
    StatePtr state = set.newState();
    const size_t emptyBytes = set.stateBytes(*state);
    feed(set, *state, *batch, 0, batch->rows());
    QVERIFY(set.stateBytes(*state) > emptyBytes + 16384);  // dense HyperLogLog registers
    const Value first = set.result(*state, 3);
    set.reset(*state);
    QCOMPARE(set.result(*state, 0), integer(0));
    QCOMPARE(set.result(*state, 1), integer(0));
    QVERIFY(set.result(*state, 3).null);
    feed(set, *state, *batch, 0, batch->rows());
    QCOMPARE(set.result(*state, 0), integer(3000));
    QCOMPARE(set.result(*state, 3), first);

    // A state keeps its set's plan alive.
    StatePtr orphan;
    {
        AggregateSet scoped = compileOrFail({{"n", "COUNT(*)"}, {"p", "MIN(page)"}}, *schema);
        orphan = scoped.newState();
        feed(scoped, *orphan, *batch, 0, 10);
    }
    orphan.reset();

    AggregateSet none;
    QCOMPARE(none.size(), size_t{0});
    StatePtr nothing = none.newState();
    none.accumulate(*nothing, Arguments{}, 0);
}

void TstAggregates::compileErrors_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expr");
    QTest::addColumn<QString>("message");
    const QString list =
        "COUNT, SUM, AVG, MIN, MAX, FIRST_VALUE, LAST_VALUE, STDDEV, "
        "COUNT(DISTINCT x), APPROX_COUNT_DISTINCT, PERCENTILE or TOP_K";
    auto add = [](const char* tag, const char* name, const char* expr, const QString& message) {
        QTest::newRow(tag) << QString(name) << QString(expr) << message;
    };
    add("scalar", "x", "page + 1",
        "aggregate `x`: `page + 1` is not an aggregate call; use " + list);
    add("scalar function", "x", "LOWER(page)",
        "aggregate `x`: `LOWER(page)` is not an aggregate call; use " + list);
    add("aggregate inside scalar", "ratio", "SUM(qty) / COUNT(*)",
        "aggregate `ratio`: `SUM(qty) / COUNT(*)` is not an aggregate call; use " + list);
    add("literal", "x", "42", "aggregate `x`: 42 is not an aggregate call; use " + list);
    add("percentile 99", "p99", "PERCENTILE(amount, 99)",
        "aggregate `p99`: PERCENTILE needs a number between 0 and 1 as its second argument, "
        "got 99");
    add("percentile negative", "p", "PERCENTILE(amount, -0.5)",
        "aggregate `p`: PERCENTILE needs a number between 0 and 1 as its second argument, "
        "got `-0.5`");
    add("percentile field", "p", "PERCENTILE(amount, qty)",
        "aggregate `p`: PERCENTILE needs a number between 0 and 1 as its second argument, "
        "got `qty`");
    add("percentile string", "p", "PERCENTILE(amount, '0.5')",
        "aggregate `p`: PERCENTILE needs a number between 0 and 1 as its second argument, "
        "got '0.5'");
    add("percentile one arg", "p", "PERCENTILE(amount)",
        "aggregate `p`: PERCENTILE takes two arguments as in PERCENTILE(x, p), got 1");
    add("percentile of string", "p", "PERCENTILE(page, 0.5)",
        "aggregate `p`: PERCENTILE needs a number, got `page` (string)");
    add("sum string", "s", "SUM(page)", "aggregate `s`: SUM needs a number, got `page` (string)");
    add("sum bool", "s", "SUM(ok)", "aggregate `s`: SUM needs a number, got `ok` (bool)");
    add("sum null", "s", "SUM(NULL)", "aggregate `s`: SUM needs a number, got NULL (null)");
    add("avg literal", "a", "AVG('a')", "aggregate `a`: AVG needs a number, got 'a' (string)");
    add("stddev time", "sd", "STDDEV(_time)",
        "aggregate `sd`: STDDEV needs a number, got `_time` (time)");
    add("sum two args", "s", "SUM(qty, amount)",
        "aggregate `s`: SUM takes one argument as in SUM(x), got 2");
    add("count no args", "n", "COUNT()",
        "aggregate `n`: COUNT takes one argument as in COUNT(x) or COUNT(*), got 0");
    add("sum star", "s", "SUM(*)", "aggregate `s`: `*` is only allowed in COUNT(*), not in SUM");
    add("count distinct star", "d", "COUNT(DISTINCT *)",
        "aggregate `d`: COUNT(DISTINCT *) is not supported; name the value, as in "
        "COUNT(DISTINCT user_id)");
    add("sum distinct", "s", "SUM(DISTINCT qty)",
        "aggregate `s`: DISTINCT is only supported as COUNT(DISTINCT x), not in SUM");
    add("top_k zero", "t", "TOP_K(page, 0)",
        "aggregate `t`: TOP_K needs a whole number between 1 and 1000 as its second argument, "
        "got 0");
    add("top_k float", "t", "TOP_K(page, 2.5)",
        "aggregate `t`: TOP_K needs a whole number between 1 and 1000 as its second argument, "
        "got 2.5");
    add("top_k huge", "t", "TOP_K(page, 5000)",
        "aggregate `t`: TOP_K needs a whole number between 1 and 1000 as its second argument, "
        "got 5000");
    add("top_k one arg", "t", "TOP_K(page)",
        "aggregate `t`: TOP_K takes two arguments as in TOP_K(x, k), got 1");
    add("unknown field", "v", "COUNT(pgae)",
        "aggregate `v`: 1:7: unknown field `pgae` (did you mean `page`?)");
    add("argument type error", "v", "SUM(qty + page)",
        "aggregate `v`: 1:9: `+` needs numbers, got `qty` (int) and `page` (string)");
    add("nested aggregate", "v", "SUM(COUNT(*))",
        "aggregate `v`: 1:5: aggregate function COUNT is not allowed here; use it in a window's "
        "aggregates");
    add("syntax", "v", "SUM(qty +)",
        "aggregate `v`: 1:10: expected an expression after `+`, got `)`");
    add("no name", "", "COUNT(*)", "aggregate 1 has no name; give it one, e.g. `views`");
}

void TstAggregates::compileErrors() {
    QFETCH(QString, name);
    QFETCH(QString, expr);
    QFETCH(QString, message);
    Result<AggregateSet> set =
        AggregateSet::compile({{name.toStdString(), expr.toStdString()}}, *testSchema());
    QVERIFY(!set);
    QCOMPARE(QString::fromStdString(set.message()), message);
}

// The parser, the studio's completion and the compiler read one list of aggregate names
// (expr::ast::aggregateFunctionNames()); each name compiles to an aggregate here, and a name
// the list lacks is not an aggregate.
void TstAggregates::everyAggregateNameHasAnImplementation() {
    const auto& names = expr::ast::aggregateFunctionNames();
    QCOMPARE(names.size(), size_t(11));
    for (std::string_view name : names) {
        const std::string n(name);
        std::string call = n + "(amount)";
        if (n == "PERCENTILE") call = n + "(amount, 0.5)";
        if (n == "TOP_K") call = n + "(page, 3)";
        auto set = AggregateSet::compile({{"a", call}}, *testSchema());
        QVERIFY2(set.isOk(), (call + ": " + set.message()).c_str());
        QVERIFY(expr::ast::isAggregateFunction(name));
    }
    QVERIFY(!expr::ast::isAggregateFunction("MEDIAN"));
    QVERIFY(!AggregateSet::compile({{"a", "MEDIAN(amount)"}}, *testSchema()).isOk());
}

QTEST_GUILESS_MAIN(TstAggregates)
#include "tst_aggregates.moc"
