// join.window: exact joined rows for hand-made streams (same window, other windows, cross
// products in arrival order, NULL keys, key types), late events on each side, the output and
// errors schemas, and state that is freed as the watermark passes.
#include <QtTest/QtTest>

#include <optional>

#include "engine/graph/node_instance.h"
#include "engine/runtime/collecting_emitter.h"
#include "nodes/joins/join_window.h"
#include "nodes/register_builtin_nodes.h"

using namespace riffle;

namespace {

constexpr TimeUs kSec = 1'000'000;

// Left and right share `key`, so the right one is renamed `right_key`.
SchemaPtr leftSchema() {
    static const SchemaPtr s =
        std::make_shared<const Schema>(Schema::stream({{"key", Type::String}, {"v", Type::Int}}));
    return s;
}
SchemaPtr rightSchema() {
    static const SchemaPtr s =
        std::make_shared<const Schema>(Schema::stream({{"key", Type::String}, {"w", Type::Int}}));
    return s;
}

struct Ev {
    TimeUs t;
    std::optional<std::string> key;  // nullopt: NULL
    int64_t value;
};

BatchPtr batchOf(const SchemaPtr& schema, const std::vector<Ev>& events) {
    static auto pool = BatchPool::create();
    BatchPtr b = pool->acquire(schema);
    for (const Ev& e : events) {
        b->column(0).appendTime(e.t);
        if (e.key)
            b->appendString(1, *e.key);
        else
            b->column(1).appendNull();
        b->column(2).appendInt(e.value);
        b->commitRow();
    }
    return b;
}

// A row as "v1 v2 ...": times as whole seconds ("12s") or microseconds ("9999999us"), NULL as NULL.
QString rowText(const std::vector<Value>& row) {
    QStringList cells;
    for (const Value& v : row) {
        if (v.type == Type::Time && !v.null)
            cells << (v.i % kSec == 0 ? QString::number(v.i / kSec) + "s"
                                      : QString::number(v.i) + "us");
        else
            cells << QString::fromStdString(v.toString());
    }
    return cells.join(' ');
}

struct JoinHarness {
    NodeRegistry registry;
    NodeInstance node;
    std::unique_ptr<CollectingEmitter> out;

    explicit JoinHarness(Json params, SchemaPtr left = leftSchema(),
                         SchemaPtr right = rightSchema()) {
        registerBuiltinNodes(registry);
        SchemaInputs in{{std::move(left), std::move(right)}, {0, 1}};
        auto r = instantiateNode(*registry.find("join.window"), "j", params, in);
        if (!r) qFatal("%s", r.message().c_str());
        node = std::move(r.value());
        out = std::make_unique<CollectingEmitter>(node.context.outputSchemas);
    }
    void left(const std::vector<Ev>& events) {
        node.op->process(0, *batchOf(node.context.inputSchemas[0], events), *out);
    }
    void right(const std::vector<Ev>& events) {
        node.op->process(1, *batchOf(node.context.inputSchemas[1], events), *out);
    }
    void watermark(TimeUs wm) { node.op->onWatermark(wm, *out); }
    QStringList rows(int port) const {
        QStringList lines;
        for (const auto& row : out->rowValues(port)) lines << rowText(row);
        return lines;
    }
    QStringList results() const { return rows(0); }
    QStringList errors() const { return rows(1); }
    WindowJoinStateSize state() const {
        auto* s = dynamic_cast<const WindowJoinIntrospection*>(node.op.get());
        if (!s) qFatal("join.window does not implement WindowJoinIntrospection");
        return s->joinState();
    }
    int64_t late() const { return NodeMetrics::get(node.metrics->late); }
};

Json byKey(const std::string& size = "10s") {
    return {{"size", size}, {"left_key", "key"}, {"right_key", "key"}};
}

QString instantiateError(const Json& params, SchemaPtr left, SchemaPtr right) {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    SchemaInputs in{{std::move(left), std::move(right)}, {0, 1}};
    auto r = instantiateNode(*registry.find("join.window"), "j", params, in);
    return r ? QString() : QString::fromStdString(r.message());
}

}  // namespace

class TstJoinWindow : public QObject {
    Q_OBJECT
private slots:
    void outputAndErrorsSchemas();
    void sameWindowMatchesAtOnce();
    void differentWindowsDoNotMatch();
    void multipleMatchesGiveTheCrossProductInArrivalOrder();
    void largeCrossProductIsComplete();
    void nullKeysNeverMatch();
    void lateLeftEventGoesToErrors();
    void lateRightEventGoesToErrors();
    void eventInAnOpenWindowIsNotLate();
    void stateIsFreedWhenTheWatermarkPasses();
    void stateStaysFlatOnALongRun();
    void intMatchesFloatNumerically();
    void expressionKeys();
    void windowFieldsOfTheInputsAreRenamed();
    void badParametersAreNamed();
};

void TstJoinWindow::outputAndErrorsSchemas() {
    JoinHarness h(byKey());
    QCOMPARE(h.node.context.outputSchemas.size(), size_t(2));
    QCOMPARE(QString::fromStdString(h.node.context.outputSchemas[0]->toString()),
             QString("_time time, key string, v int, right_key string, w int, window_start time, "
                     "window_end time"));
    QCOMPARE(
        QString::fromStdString(h.node.context.outputSchemas[1]->toString()),
        QString(
            "_time time, key string, v int, right_key string, w int, error string, node string"));
}

void TstJoinWindow::sameWindowMatchesAtOnce() {
    JoinHarness h(byKey());
    h.left({{1 * kSec, "a", 1}, {2 * kSec, "b", 2}});
    QCOMPARE(h.results(), QStringList());
    // No watermark needed: a match is emitted as soon as its second event arrives.
    h.right({{3 * kSec, "a", 10}, {4 * kSec, "c", 30}});
    QCOMPARE(h.results(), QStringList({"3s a 1 a 10 0s 10s"}));
    // `_time` is the later of the two, also when the left event comes second.
    h.right({{9 * kSec, "b", 20}});
    h.left({{5 * kSec, "c", 3}});
    QCOMPARE(h.results(),
             QStringList({"3s a 1 a 10 0s 10s", "9s b 2 b 20 0s 10s", "5s c 3 c 30 0s 10s"}));
    h.watermark(kMaxTime);
    QCOMPARE(h.results().size(), 3);
    QCOMPARE(h.errors(), QStringList());
}

void TstJoinWindow::differentWindowsDoNotMatch() {
    JoinHarness h(byKey());
    h.left({{9 * kSec, "a", 1}, {10 * kSec - 1, "a", 2}});
    h.right({{10 * kSec, "a", 10}});  // window [10, 20): the window end is exclusive
    QCOMPARE(h.results(), QStringList());
    h.left({{19 * kSec, "a", 3}});
    h.right({{20 * kSec, "a", 20}});
    QCOMPARE(h.results(), QStringList({"19s a 3 a 10 10s 20s"}));
    // Windows can be out of order within the watermark: an older open window still matches.
    h.right({{8 * kSec, "a", 8}});
    QCOMPARE(h.results(), QStringList({"19s a 3 a 10 10s 20s", "9s a 1 a 8 0s 10s",
                                       "9999999us a 2 a 8 0s 10s"}));
}

void TstJoinWindow::multipleMatchesGiveTheCrossProductInArrivalOrder() {
    JoinHarness h(byKey());
    h.left({{2 * kSec, "k", 1}, {1 * kSec, "k", 2}, {1 * kSec, "x", 9}});
    h.right({{3 * kSec, "k", 10}});
    QCOMPARE(h.results(), QStringList({"3s k 1 k 10 0s 10s", "3s k 2 k 10 0s 10s"}));
    h.out->clear();
    h.right({{1 * kSec, "k", 20}, {4 * kSec, "k", 30}});
    QCOMPARE(h.results(), QStringList({"2s k 1 k 20 0s 10s", "1s k 2 k 20 0s 10s",
                                       "4s k 1 k 30 0s 10s", "4s k 2 k 30 0s 10s"}));
    h.out->clear();
    h.left({{5 * kSec, "k", 3}});
    QCOMPARE(h.results(),
             QStringList({"5s k 3 k 10 0s 10s", "5s k 3 k 20 0s 10s", "5s k 3 k 30 0s 10s"}));
    const WindowJoinStateSize s = h.state();
    QCOMPARE(s.windows, size_t(1));
    QCOMPARE(s.leftRows, size_t(4));
    QCOMPARE(s.rightRows, size_t(3));
    QCOMPARE(s.keys, size_t(3));  // k and x on the left, k on the right
}

void TstJoinWindow::largeCrossProductIsComplete() {
    // 100 x 50 pairs from two batches: more than one output batch of kBatchRows.
    JoinHarness h(byKey());
    std::vector<Ev> l, r;
    for (int i = 0; i < 100; ++i) l.push_back({1 * kSec + i, "k", i});
    for (int i = 0; i < 50; ++i) r.push_back({1 * kSec + 100 + i, "k", 1000 + i});
    h.left(l);
    h.right(r);
    const auto rows = h.out->rowValues(0);
    QCOMPARE(rows.size(), size_t(5000));
    QVERIFY(h.out->batches(0).size() >= 3);
    for (size_t k = 0; k < rows.size(); ++k) {
        // Right events in arrival order, each joined with the left buffer in its arrival order.
        const auto v = static_cast<int64_t>(k % 100), w = static_cast<int64_t>(1000 + k / 100);
        QCOMPARE(rows[k][0].i, 1 * kSec + 100 + (w - 1000));
        QCOMPARE(rows[k][2].i, v);
        QCOMPARE(rows[k][4].i, w);
    }
}

void TstJoinWindow::nullKeysNeverMatch() {
    JoinHarness h(byKey());
    h.left({{1 * kSec, std::nullopt, 1}, {1 * kSec, "a", 2}});
    h.right({{2 * kSec, std::nullopt, 10}, {2 * kSec, "a", 20}});
    QCOMPARE(h.results(), QStringList({"2s a 2 a 20 0s 10s"}));
    h.left({{3 * kSec, std::nullopt, 3}});
    QCOMPARE(h.results().size(), 1);
    // An event with a NULL key can never match, so it is not kept.
    QCOMPARE(h.state().leftRows, size_t(1));
    QCOMPARE(h.state().rightRows, size_t(1));
    QCOMPARE(h.errors(), QStringList());
    QCOMPARE(h.late(), int64_t(0));
}

void TstJoinWindow::lateLeftEventGoesToErrors() {
    JoinHarness h(byKey());
    h.right({{3 * kSec, "a", 10}});
    h.watermark(10 * kSec);  // window [0, 10) closes; its right event is gone
    h.left({{5 * kSec, "a", 1}, {12 * kSec, "a", 2}});
    QCOMPARE(h.results(), QStringList());
    QCOMPARE(h.errors(), QStringList({"5s a 1 NULL NULL late: its window had closed j"}));
    QCOMPARE(h.late(), int64_t(1));
    QCOMPARE(h.state().leftRows, size_t(1));  // only the 12 s event
    h.right({{15 * kSec, "a", 20}});
    QCOMPARE(h.results(), QStringList({"15s a 2 a 20 10s 20s"}));
}

void TstJoinWindow::lateRightEventGoesToErrors() {
    JoinHarness h(byKey());
    h.left({{3 * kSec, "a", 1}});
    h.watermark(20 * kSec);
    h.right({{3 * kSec, "a", 10}, {19 * kSec, std::nullopt, 11}, {20 * kSec, "a", 12}});
    QCOMPARE(h.results(), QStringList());
    // Late is late whatever the key: the NULL-key event is reported as well.
    QCOMPARE(h.errors(), QStringList({"3s NULL NULL a 10 late: its window had closed j",
                                      "19s NULL NULL NULL 11 late: its window had closed j"}));
    QCOMPARE(h.late(), int64_t(2));
    QCOMPARE(h.state().windows, size_t(1));
    QCOMPARE(h.state().rightRows, size_t(1));
}

void TstJoinWindow::eventInAnOpenWindowIsNotLate() {
    JoinHarness h(byKey());
    h.left({{10 * kSec, "a", 1}});
    h.watermark(10 * kSec);  // window [10, 20) is still open: 20 > 10
    h.right({{10 * kSec, "a", 10}, {10 * kSec - 1, "a", 11}});
    QCOMPARE(h.results(), QStringList({"10s a 1 a 10 10s 20s"}));
    QCOMPARE(h.errors(), QStringList({"9999999us NULL NULL a 11 late: its window had closed j"}));
    QCOMPARE(h.late(), int64_t(1));
}

void TstJoinWindow::stateIsFreedWhenTheWatermarkPasses() {
    JoinHarness h(byKey());
    h.left({{1 * kSec, "a", 1}, {11 * kSec, "a", 2}, {25 * kSec, "b", 3}});
    h.right({{2 * kSec, "b", 10}, {12 * kSec, "c", 20}});
    WindowJoinStateSize s = h.state();
    QCOMPARE(s.windows, size_t(3));
    QCOMPARE(s.leftRows, size_t(3));
    QCOMPARE(s.rightRows, size_t(2));
    h.watermark(10 * kSec - 1);
    QCOMPARE(h.state().windows, size_t(3));
    h.watermark(10 * kSec);
    s = h.state();
    QCOMPARE(s.windows, size_t(2));
    QCOMPARE(s.leftRows, size_t(2));
    QCOMPARE(s.rightRows, size_t(1));
    h.watermark(kMaxTime);
    s = h.state();
    QCOMPARE(s.windows, size_t(0));
    QCOMPARE(s.leftRows + s.rightRows + s.keys, size_t(0));
    QCOMPARE(h.results(), QStringList());
}

void TstJoinWindow::stateStaysFlatOnALongRun() {
    JoinHarness h(byKey("1s"));
    size_t joined = 0;
    for (int w = 0; w < 2000; ++w) {
        const TimeUs base = w * kSec;
        std::vector<Ev> l, r;
        for (int i = 0; i < 10; ++i) {
            const std::string key = "k" + std::to_string((w + i) % 7);
            l.push_back({base + i * 1000, key, i});
            r.push_back({base + i * 1000 + 500, key, i});
        }
        h.left(l);
        h.right(r);
        QCOMPARE(h.state().windows, size_t(1));
        QCOMPARE(h.state().leftRows, size_t(10));
        QCOMPARE(h.state().rightRows, size_t(10));
        h.watermark(base + kSec);
        const WindowJoinStateSize s = h.state();
        QCOMPARE(s.windows + s.leftRows + s.rightRows + s.keys, size_t(0));
        joined += h.out->rows(0);
        h.out->clear();  // keep the test's own memory flat too
    }
    // Ten events over keys k0..k6 per side and window: three keys twice (2 x 2 pairs), four once.
    QCOMPARE(joined, size_t(2000 * (3 * 4 + 4 * 1)));
    QCOMPARE(h.late(), int64_t(0));
}

void TstJoinWindow::intMatchesFloatNumerically() {
    auto left = std::make_shared<const Schema>(Schema::stream({{"id", Type::Int}}));
    auto right = std::make_shared<const Schema>(Schema::stream({{"x", Type::Float}}));
    JoinHarness h({{"size", "10s"}, {"left_key", "id"}, {"right_key", "x"}}, left, right);
    auto pool = BatchPool::create();
    BatchPtr lb = pool->acquire(left);
    for (int64_t v : {5, 0, 6}) {
        lb->column(0).appendTime(1 * kSec);
        lb->column(1).appendInt(v);
        lb->commitRow();
    }
    h.node.op->process(0, *lb, *h.out);
    BatchPtr rb = pool->acquire(right);
    for (double v : {5.0, -0.0, 5.5, std::nan("")}) {
        rb->column(0).appendTime(2 * kSec);
        rb->column(1).appendFloat(v);
        rb->commitRow();
    }
    h.node.op->process(1, *rb, *h.out);
    QCOMPARE(h.results(), QStringList({"2s 5 5.0 0s 10s", "2s 0 -0.0 0s 10s"}));
    QCOMPARE(h.state().rightRows, size_t(3));  // NaN, like NULL, is not kept
}

void TstJoinWindow::expressionKeys() {
    JoinHarness h({{"size", "10s"}, {"left_key", "LOWER(key)"}, {"right_key", "TRIM(key)"}});
    h.left({{1 * kSec, "Home", 1}});
    h.right({{2 * kSec, " home ", 10}, {3 * kSec, "Home", 11}});
    QCOMPARE(h.results(), QStringList({"2s Home 1  home  10 0s 10s"}));
}

void TstJoinWindow::windowFieldsOfTheInputsAreRenamed() {
    // Joining a window's results back: both inputs carry window_start / window_end.
    auto left = std::make_shared<const Schema>(Schema::stream(
        {{"page", Type::String}, {"window_start", Type::Time}, {"right_page", Type::Int}}));
    auto right = std::make_shared<const Schema>(Schema::stream(
        {{"page", Type::String}, {"window_end", Type::Time}, {"left_window_start", Type::Int}}));
    JoinHarness h({{"size", "10s"}, {"left_key", "page"}, {"right_key", "page"}}, left, right);
    QCOMPARE(
        QString::fromStdString(h.node.context.outputSchemas[0]->toString()),
        QString(
            "_time time, page string, left_window_start time, right_page int, right_page_2 string, "
            "right_window_end time, right_left_window_start int, window_start time, window_end "
            "time"));
}

void TstJoinWindow::badParametersAreNamed() {
    auto ints = std::make_shared<const Schema>(Schema::stream({{"n", Type::Int}}));
    QCOMPARE(instantiateError({{"size", "10s"}, {"left_key", "key"}, {"right_key", "n"}},
                              leftSchema(), ints),
             QString("join `j`: `left_key` `key` (string) cannot be compared with `right_key` `n` "
                     "(int); give "
                     "both keys one type, e.g. with CAST(... AS string)"));
    QCOMPARE(
        instantiateError({{"size", "10s"}, {"left_key", "key"}}, leftSchema(), rightSchema()),
        QString(
            "join `j`: `right_key` is required (Join key over the right stream, e.g. id; it must "
            "compare with left_key)"));
    QCOMPARE(instantiateError({{"size", "10s"}, {"left_key", "kye"}, {"right_key", "key"}},
                              leftSchema(), rightSchema()),
             QString("join `j`: `left_key`: 1:1: unknown field `kye` (did you mean `key`?)"));
    const QString size = instantiateError(
        {{"size", "0s"}, {"left_key", "key"}, {"right_key", "key"}}, leftSchema(), rightSchema());
    QVERIFY2(size.startsWith("join `j`: `size` must be"), qPrintable(size));
}

QTEST_GUILESS_MAIN(TstJoinWindow)
#include "tst_join_window.moc"
