// aggregate.running and transform.topn: exact rows for hand-made streams, when rows are emitted,
// ties, NULLs, partial and late input, parameter errors, and topn against a full-sort reference
// over seeded random groups (its candidate pruning must never change the result).
#include <QtTest/QtTest>

#include <algorithm>
#include <optional>
#include <random>

#include "engine/graph/node_instance.h"
#include "engine/runtime/collecting_emitter.h"
#include "nodes/register_builtin_nodes.h"

using namespace riffle;

namespace {

constexpr TimeUs kSec = 1'000'000;

// Events for aggregate.running: _time, key, v.
SchemaPtr eventSchema() {
    static const SchemaPtr s =
        std::make_shared<const Schema>(Schema::stream({{"key", Type::String}, {"v", Type::Int}}));
    return s;
}

// Window-like results for transform.topn: _time, cat, key, views, final.
SchemaPtr resultSchema() {
    static const SchemaPtr s =
        std::make_shared<const Schema>(Schema::stream({{"cat", Type::String},
                                                       {"key", Type::String},
                                                       {"views", Type::Int},
                                                       {"final", Type::Bool}}));
    return s;
}

struct Ev {
    TimeUs t;
    std::optional<std::string> key;
    int64_t v;
};

struct Res {
    TimeUs t;
    std::string cat;
    std::string key;
    std::optional<int64_t> views;
    bool final = true;
};

std::shared_ptr<BatchPool> pool() {
    static auto p = BatchPool::create();
    return p;
}

BatchPtr eventsBatch(const std::vector<Ev>& events) {
    BatchPtr b = pool()->acquire(eventSchema());
    for (const Ev& e : events) {
        b->column(0).appendTime(e.t);
        if (e.key)
            b->appendString(1, *e.key);
        else
            b->column(1).appendNull();
        b->column(2).appendInt(e.v);
        b->commitRow();
    }
    return b;
}

BatchPtr resultsBatch(const std::vector<Res>& rows) {
    BatchPtr b = pool()->acquire(resultSchema());
    for (const Res& r : rows) {
        b->column(0).appendTime(r.t);
        b->appendString(1, r.cat);
        b->appendString(2, r.key);
        if (r.views)
            b->column(3).appendInt(*r.views);
        else
            b->column(3).appendNull();
        b->column(4).appendBool(r.final);
        b->commitRow();
    }
    return b;
}

struct Harness {
    NodeRegistry registry;
    NodeInstance node;
    std::unique_ptr<CollectingEmitter> out;
    Harness(const std::string& type, Json params, SchemaPtr input) {
        registerBuiltinNodes(registry);
        SchemaInputs in{{input}, {0}};
        auto r = instantiateNode(*registry.find(type), "n1", params, in);
        if (!r) qFatal("%s", r.message().c_str());
        node = std::move(r.value());
        out = std::make_unique<CollectingEmitter>(node.context.outputSchemas);
    }
    void events(const std::vector<Ev>& e) { node.op->process(0, *eventsBatch(e), *out); }
    void results(const std::vector<Res>& r) { node.op->process(0, *resultsBatch(r), *out); }
    void watermark(TimeUs wm) { node.op->onWatermark(wm, *out); }
    // Rows of a port as "v1 v2 ..." with _time in whole seconds (or +us when not whole).
    QStringList rows(int port = 0) const {
        QStringList lines;
        for (const auto& row : out->rowValues(port)) {
            QStringList cells;
            for (size_t c = 0; c < row.size(); ++c) {
                if (c == 0) {
                    const TimeUs t = row[0].i;
                    cells << (t % kSec == 0 ? QString::number(t / kSec) + "s"
                                            : QString::number(t / kSec) + "s+" +
                                                  QString::number(t % kSec) + "us");
                } else {
                    cells << QString::fromStdString(row[c].toString());
                }
            }
            lines << cells.join(' ');
        }
        return lines;
    }
    // Every row emitted since the last call.
    QStringList take(int port = 0) {
        QStringList r = rows(port);
        out->clear();
        return r;
    }
};

Json runningParams(Json extra = Json::object()) {
    Json p = {{"group_by", {"key"}},
              {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                          {{"name", "total"}, {"expr", "SUM(v)"}}})}};
    for (auto& [k, v] : extra.items()) p[k] = v;
    return p;
}

Json topnParams(int n, Json orderBy, Json extra = Json::object()) {
    Json p = {{"n", n}, {"order_by", orderBy}};
    for (auto& [k, v] : extra.items()) p[k] = v;
    return p;
}

QString paramError(const std::string& type, Json params, SchemaPtr input) {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    SchemaInputs in{{input}, {0}};
    auto r = instantiateNode(*registry.find(type), "n1", params, in);
    return r.isOk() ? QString("(ok)") : QString::fromStdString(r.message());
}

}  // namespace

class TstRunningTopN : public QObject {
    Q_OBJECT
private slots:
    void runningEmitsChangedGroupsAfterEachBatch();
    void runningTimeIsNewestEventTime();
    void runningCountsEveryEventWhateverTheWatermark();
    void runningEmitEveryWaitsForTimerAndEndOfStream();
    void runningSchemaAndErrors();

    void topnRanksEachWindowWhenWatermarkPassesIt();
    void topnWithoutTiesKeepsEarliestOfTiedRows();
    void topnWithTiesKeepsEveryRowTiedWithNth();
    void topnRanksLikeSqlRank();
    void topnOrderByListBreaksTiesAscending();
    void topnPartitionBy();
    void topnNullsRankLastUnlessNullsFirst();
    void topnIgnoresPartialResults();
    void topnLateRowsGoToErrors();
    void topnSchemaAndErrors();
    void topnMatchesFullSort_data();
    void topnMatchesFullSort();
};

void TstRunningTopN::runningEmitsChangedGroupsAfterEachBatch() {
    Harness h("aggregate.running", runningParams(), eventSchema());
    QCOMPARE(h.node.op->timerIntervalUs(), int64_t(0));
    h.events({{1 * kSec, "b", 10}, {2 * kSec, "a", 1}, {3 * kSec, "b", 5}});
    QCOMPARE(h.take(), QStringList({"3s b 2 15", "2s a 1 1"}));  // first-touched order, once each
    h.events({{4 * kSec, "a", 2}});
    QCOMPARE(h.take(), QStringList({"4s a 2 3"}));  // only the changed group
    h.events({{5 * kSec, std::nullopt, 7}, {6 * kSec, "a", 4}});
    QCOMPARE(h.take(), QStringList({"5s NULL 1 7", "6s a 3 7"}));  // NULL is a key of its own
    h.watermark(kMaxTime);
    h.node.op->finish(*h.out);
    QCOMPARE(h.take(), QStringList());  // nothing changed since the last batch
}

void TstRunningTopN::runningTimeIsNewestEventTime() {
    Harness h("aggregate.running", runningParams(), eventSchema());
    h.events({{9 * kSec, "a", 1}});
    h.events({{3 * kSec, "a", 1}});  // older than what `a` has seen: _time stays 9 s
    QCOMPARE(h.take(), QStringList({"9s a 1 1", "9s a 2 2"}));
}

void TstRunningTopN::runningCountsEveryEventWhateverTheWatermark() {
    Harness h("aggregate.running", runningParams(), eventSchema());
    QCOMPARE(h.node.context.outputSchemas.size(), size_t(2));  // out, errors: no late port
    h.watermark(100 * kSec);
    h.events({{1 * kSec, "a", 4}});
    QCOMPARE(h.take(), QStringList({"1s a 1 4"}));
    QCOMPARE(h.out->rows(1), size_t(0));
    QCOMPARE(NodeMetrics::get(h.node.metrics->late), int64_t(0));
}

void TstRunningTopN::runningEmitEveryWaitsForTimerAndEndOfStream() {
    Harness h("aggregate.running", runningParams({{"emit_every", "2s"}}), eventSchema());
    QCOMPARE(h.node.op->timerIntervalUs(), 2 * kSec);
    h.events({{1 * kSec, "a", 1}, {2 * kSec, "b", 2}});
    h.events({{3 * kSec, "a", 3}});
    QCOMPARE(h.take(), QStringList());  // nothing per batch
    h.node.op->onTimer(0, *h.out);
    QCOMPARE(h.take(), QStringList({"3s a 2 4", "2s b 1 2"}));
    h.node.op->onTimer(0, *h.out);
    QCOMPARE(h.take(), QStringList());  // nothing changed
    h.events({{4 * kSec, "b", 5}});
    h.watermark(50 * kSec);
    QCOMPARE(h.take(), QStringList());  // a finite watermark does not emit
    h.watermark(kMaxTime);              // end of stream: the last totals
    QCOMPARE(h.take(), QStringList({"4s b 2 7"}));
    h.node.op->finish(*h.out);
    QCOMPARE(h.take(), QStringList());
}

void TstRunningTopN::runningSchemaAndErrors() {
    Harness h("aggregate.running",
              {{"group_by", {"key"}},
               {"aggregates", Json::array({{{"name", "avg_v"}, {"expr", "AVG(v)"}},
                                           {{"name", "users"}, {"expr", "COUNT(DISTINCT v)"}}})}},
              eventSchema());
    QCOMPARE(QString::fromStdString(h.node.context.outputSchemas[0]->toString()),
             QString("_time time, key string, avg_v float, users int"));
    QCOMPARE(QString::fromStdString(h.node.context.outputSchemas[1]->toString()),
             QString("_time time, key string, v int, error string, node string"));
    Harness none("aggregate.running",
                 {{"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}}})}},
                 eventSchema());
    none.events({{1 * kSec, "a", 1}, {2 * kSec, "b", 1}});
    QCOMPARE(none.take(), QStringList({"2s 2"}));  // no group_by: one group

    QCOMPARE(paramError("aggregate.running", {{"group_by", {"pgae"}}}, eventSchema()),
             QString("aggregate `n1`: `group_by` names `pgae`, which is not an input field "
                     "(fields: _time time, key "
                     "string, v int)"));
    QCOMPARE(paramError("aggregate.running", {{"aggregates", Json::array()}}, eventSchema()),
             QString("aggregate `n1`: `aggregates` is empty; add one, e.g. {\"name\": \"n\", "
                     "\"expr\": \"COUNT(*)\"}"));
    QCOMPARE(
        paramError("aggregate.running",
                   {{"aggregates", Json::array({{{"name", "_time"}, {"expr", "MAX(_time)"}}})}},
                   eventSchema()),
        QString(
            "aggregate `n1`: `_time` is a result field of every running aggregate; rename yours"));
    QCOMPARE(paramError("aggregate.running", {{"emit_every", 5}}, eventSchema()),
             QString("aggregate `n1`: `emit_every` must be a duration like 10s, got `5`"));
    QVERIFY(paramError("aggregate.running",
                       {{"aggregates", Json::array({{{"name", "x"}, {"expr", "SUM(key)"}}})}},
                       eventSchema())
                .startsWith("aggregate `n1`: aggregate `x`: SUM needs a number"));
}

void TstRunningTopN::topnRanksEachWindowWhenWatermarkPassesIt() {
    Harness h("transform.topn", topnParams(2, "views DESC"), resultSchema());
    const TimeUs w1 = 10 * kSec - 1, w2 = 20 * kSec - 1;
    h.results({{w1, "x", "a", 5},
               {w1, "x", "b", 9},
               {w1, "x", "c", 7},
               {w1, "x", "d", 1},
               {w2, "x", "a", 3}});
    h.watermark(w1);  // the watermark must pass _time
    QCOMPARE(h.take(), QStringList());
    h.watermark(w1 + 1);
    QCOMPARE(h.take(), QStringList({"9s+999999us x b 9 TRUE 1", "9s+999999us x c 7 TRUE 2"}));
    h.watermark(kMaxTime);
    QCOMPARE(h.take(),
             QStringList({"19s+999999us x a 3 TRUE 1"}));  // fewer rows than n: all of them
}

void TstRunningTopN::topnWithoutTiesKeepsEarliestOfTiedRows() {
    Harness h("transform.topn", topnParams(2, "views"), resultSchema());  // DESC by default
    h.results({{kSec, "x", "a", 7}, {kSec, "x", "b", 9}, {kSec, "x", "c", 7}, {kSec, "x", "d", 7}});
    h.watermark(kMaxTime);
    QCOMPARE(h.take(), QStringList({"1s x b 9 TRUE 1", "1s x a 7 TRUE 2"}));
}

void TstRunningTopN::topnWithTiesKeepsEveryRowTiedWithNth() {
    Harness h("transform.topn", topnParams(2, "views DESC", {{"with_ties", true}}), resultSchema());
    h.results({{kSec, "x", "a", 7},
               {kSec, "x", "b", 9},
               {kSec, "x", "c", 7},
               {kSec, "x", "e", 3},
               {kSec, "x", "d", 7}});
    h.watermark(kMaxTime);
    QCOMPARE(h.take(), QStringList({"1s x b 9 TRUE 1", "1s x a 7 TRUE 2", "1s x c 7 TRUE 2",
                                    "1s x d 7 TRUE 2"}));
}

void TstRunningTopN::topnRanksLikeSqlRank() {
    // Two rows tied for first: both rank 1, the next rank is 3.
    Harness ties("transform.topn", topnParams(3, "views DESC", {{"with_ties", true}}),
                 resultSchema());
    ties.results({{kSec, "x", "a", 9},
                  {kSec, "x", "b", 9},
                  {kSec, "x", "c", 5},
                  {kSec, "x", "d", 5},
                  {kSec, "x", "e", 4}});
    ties.watermark(kMaxTime);
    QCOMPARE(ties.take(), QStringList({"1s x a 9 TRUE 1", "1s x b 9 TRUE 1", "1s x c 5 TRUE 3",
                                       "1s x d 5 TRUE 3"}));
    Harness cut("transform.topn", topnParams(3, "views DESC"), resultSchema());
    cut.results({{kSec, "x", "a", 9},
                 {kSec, "x", "b", 9},
                 {kSec, "x", "c", 5},
                 {kSec, "x", "d", 5},
                 {kSec, "x", "e", 4}});
    cut.watermark(kMaxTime);
    QCOMPARE(cut.take(), QStringList({"1s x a 9 TRUE 1", "1s x b 9 TRUE 1", "1s x c 5 TRUE 3"}));
}

void TstRunningTopN::topnOrderByListBreaksTiesAscending() {
    Harness h("transform.topn", topnParams(3, Json::array({"views DESC", "key ASC"})),
              resultSchema());
    h.results({{kSec, "x", "d", 7}, {kSec, "x", "c", 7}, {kSec, "x", "b", 8}, {kSec, "x", "a", 1}});
    h.watermark(kMaxTime);
    QCOMPARE(h.take(), QStringList({"1s x b 8 TRUE 1", "1s x c 7 TRUE 2", "1s x d 7 TRUE 3"}));
    Harness asc("transform.topn", topnParams(1, "views * -1 desc"),
                resultSchema());  // expressions, any case
    asc.results({{kSec, "x", "d", 7}, {kSec, "x", "a", 1}, {kSec, "x", "b", 8}});
    asc.watermark(kMaxTime);
    QCOMPARE(asc.take(), QStringList({"1s x a 1 TRUE 1"}));
}

void TstRunningTopN::topnPartitionBy() {
    Harness h("transform.topn", topnParams(1, "views ASC", {{"partition_by", {"cat"}}}),
              resultSchema());
    h.results({{kSec, "x", "a", 5},
               {kSec, "y", "b", 2},
               {kSec, "x", "c", 3},
               {kSec, "y", "d", 4},
               {2 * kSec, "x", "e", 8}});
    h.watermark(kSec + 1);
    QCOMPARE(h.take(), QStringList({"1s x c 3 TRUE 1", "1s y b 2 TRUE 1"}));
    h.watermark(kMaxTime);
    QCOMPARE(h.take(), QStringList({"2s x e 8 TRUE 1"}));
}

void TstRunningTopN::topnNullsRankLastUnlessNullsFirst() {
    const std::vector<Res> rows = {
        {kSec, "x", "a", std::nullopt}, {kSec, "x", "b", 2}, {kSec, "x", "c", 5}};
    Harness desc("transform.topn", topnParams(3, "views DESC"), resultSchema());
    desc.results(rows);
    desc.watermark(kMaxTime);
    QCOMPARE(desc.take(),
             QStringList({"1s x c 5 TRUE 1", "1s x b 2 TRUE 2", "1s x a NULL TRUE 3"}));
    Harness asc("transform.topn", topnParams(3, "views ASC"), resultSchema());
    asc.results(rows);
    asc.watermark(kMaxTime);
    QCOMPARE(asc.take(), QStringList({"1s x b 2 TRUE 1", "1s x c 5 TRUE 2", "1s x a NULL TRUE 3"}));
    Harness first("transform.topn", topnParams(1, "views ASC NULLS FIRST"), resultSchema());
    first.results(rows);
    first.watermark(kMaxTime);
    QCOMPARE(first.take(), QStringList({"1s x a NULL TRUE 1"}));
}

void TstRunningTopN::topnIgnoresPartialResults() {
    Harness h("transform.topn", topnParams(1, "views DESC"), resultSchema());
    h.results({{kSec, "x", "a", 50, false}, {kSec, "x", "b", 4, true}, {kSec, "x", "a", 3, true}});
    h.watermark(kMaxTime);
    QCOMPARE(h.take(), QStringList({"1s x b 4 TRUE 1"}));
    QCOMPARE(h.out->rows(1), size_t(0));
}

void TstRunningTopN::topnLateRowsGoToErrors() {
    Harness h("transform.topn", topnParams(1, "views DESC"), resultSchema());
    h.results({{kSec, "x", "a", 1}});
    h.watermark(5 * kSec);
    QCOMPARE(h.take(), QStringList({"1s x a 1 TRUE 1"}));
    // 1 s was ranked already; 4 s was not (no row yet), but the watermark passed it; 5 s is on
    // time.
    h.results({{kSec, "x", "b", 9},
               {4 * kSec, "x", "c", 9},
               {5 * kSec, "x", "d", 2},
               {kSec, "x", "e", 1, false}});
    QCOMPARE(h.rows(1), QStringList({"1s x b 9 TRUE arrived after its window was ranked n1",
                                     "4s x c 9 TRUE arrived after its window was ranked n1"}));
    QCOMPARE(NodeMetrics::get(h.node.metrics->late), int64_t(2));
    h.out->clear();
    h.watermark(kMaxTime);
    QCOMPARE(h.take(), QStringList({"5s x d 2 TRUE 1"}));
}

void TstRunningTopN::topnSchemaAndErrors() {
    Harness h("transform.topn", topnParams(1, "views"), resultSchema());
    QCOMPARE(QString::fromStdString(h.node.context.outputSchemas[0]->toString()),
             QString("_time time, cat string, key string, views int, final bool, rank int"));
    QCOMPARE(QString::fromStdString(h.node.context.outputSchemas[1]->toString()),
             QString("_time time, cat string, key string, views int, final bool, error string, "
                     "node string"));
    QCOMPARE(paramError("transform.topn", {{"n", 0}, {"order_by", "views"}}, resultSchema()),
             QString("transform `n1`: `n` must be between 1 and 100000, got `0`"));
    QCOMPARE(
        paramError("transform.topn", {{"order_by", Json::array()}}, resultSchema()),
        QString("transform `n1`: `order_by` is empty; name what to rank by, e.g. \"views DESC\""));
    QCOMPARE(paramError("transform.topn", {{"order_by", " DESC"}}, resultSchema()),
             QString("transform `n1`: `order_by` must be an expression with ASC or DESC, e.g. "
                     "\"views DESC\", got ` DESC`"));
    QCOMPARE(
        paramError("transform.topn", {{"order_by", "views FIRST"}}, resultSchema()),
        QString(
            "transform `n1`: `order_by` must end in NULLS FIRST or NULLS LAST, got `views FIRST`"));
    QCOMPARE(paramError("transform.topn", {{"order_by", Json::array({"views DESC", "veiws ASC"})}},
                        resultSchema()),
             QString("transform `n1`: `order_by` item 2: 1:1: unknown field `veiws` (did you mean "
                     "`views`?)"));
    QCOMPARE(paramError("transform.topn", {{"order_by", "views"}, {"partition_by", {"caat"}}},
                        resultSchema()),
             QString("transform `n1`: `partition_by` names `caat`, which is not an input field "
                     "(fields: _time time, "
                     "cat string, key string, views int, final bool)"));
    const SchemaPtr ranked = std::make_shared<const Schema>(Schema::stream({{"rank", Type::Int}}));
    QCOMPARE(
        paramError("transform.topn", {{"order_by", "rank"}}, ranked),
        QString(
            "transform `n1`: the input already has a field `rank`, which topn adds; rename it"));
}

// Random groups (few distinct values, so many ties) fed in random batches; the reference sorts
// every group fully by (keys, arrival) and applies the SQL RANK() rules.
void TstRunningTopN::topnMatchesFullSort_data() {
    QTest::addColumn<int>("seed");
    for (int seed = 1; seed <= 200; ++seed)
        QTest::newRow(qPrintable(QString("seed %1").arg(seed))) << seed;
}

void TstRunningTopN::topnMatchesFullSort() {
    QFETCH(int, seed);
    std::mt19937_64 rng(static_cast<uint64_t>(seed));
    const int n = 1 + static_cast<int>(rng() % 6);
    const bool withTies = rng() % 2;
    const bool desc = rng() % 2;
    const int distinct = 1 + static_cast<int>(rng() % 40);
    std::vector<Res> rows;
    const int count = static_cast<int>(rng() % 600);
    for (int i = 0; i < count; ++i) {
        Res r;
        r.t = static_cast<TimeUs>(rng() % 3) * kSec;
        r.cat = (rng() % 2) ? "x" : "y";
        r.key = "k" + std::to_string(i);
        if (rng() % 10) r.views = static_cast<int64_t>(rng() % static_cast<uint64_t>(distinct));
        rows.push_back(r);
    }
    Harness h("transform.topn",
              topnParams(n, desc ? "views DESC" : "views ASC",
                         {{"with_ties", withTies}, {"partition_by", {"cat"}}}),
              resultSchema());
    for (size_t i = 0; i < rows.size();) {
        const size_t len = 1 + rng() % 50;
        std::vector<Res> part(rows.begin() + static_cast<long>(i),
                              rows.begin() + static_cast<long>(std::min(rows.size(), i + len)));
        h.results(part);
        i += len;
    }
    h.watermark(kMaxTime);

    QStringList expected;
    for (TimeUs t = 0; t < 3 * kSec; t += kSec) {
        // Partitions in order of their first row in this window.
        std::vector<std::string> cats;
        for (const Res& r : rows)
            if (r.t == t && std::find(cats.begin(), cats.end(), r.cat) == cats.end())
                cats.push_back(r.cat);
        for (const std::string& cat : cats) {
            std::vector<Res> group;
            for (const Res& r : rows)
                if (r.t == t && r.cat == cat) group.push_back(r);
            // NULL last; otherwise by views in the direction; stable keeps arrival order.
            auto rankKey = [&](const Res& r) {
                return r.views ? (desc ? -*r.views : *r.views) : INT64_MAX;
            };
            std::stable_sort(group.begin(), group.end(),
                             [&](const Res& a, const Res& b) { return rankKey(a) < rankKey(b); });
            for (size_t i = 0; i < group.size(); ++i) {
                size_t better = 0;
                while (rankKey(group[better]) < rankKey(group[i])) ++better;
                const size_t rank = better + 1;
                if (withTies ? rank > static_cast<size_t>(n) : i >= static_cast<size_t>(n)) break;
                const Res& r = group[i];
                expected << QString("%1s %2 %3 %4 TRUE %5")
                                .arg(t / kSec)
                                .arg(QString::fromStdString(r.cat), QString::fromStdString(r.key),
                                     r.views ? QString::number(*r.views) : QString("NULL"))
                                .arg(rank);
            }
        }
    }
    QCOMPARE(h.take(), expected);
}

QTEST_GUILESS_MAIN(TstRunningTopN)
#include "tst_running_topn.moc"
