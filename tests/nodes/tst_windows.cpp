// Event-time windows (SPEC section 3): exact results for hand-made streams, the edge cases, and
// a property test against a plain reference model over hundreds of seeded random streams.
#include <QtTest/QtTest>

#include <map>
#include <random>

#include "engine/core/time_format.h"
#include "engine/graph/node_instance.h"
#include "engine/runtime/collecting_emitter.h"
#include "nodes/register_builtin_nodes.h"

using namespace riffle;

namespace {

constexpr TimeUs kSec = 1'000'000;

SchemaPtr eventSchema() {
    static const SchemaPtr s =
        std::make_shared<const Schema>(Schema::stream({{"key", Type::String}, {"v", Type::Int}}));
    return s;
}

struct Ev {
    TimeUs t;
    std::string key;
    int64_t v;
};

BatchPtr batchOf(const std::vector<Ev>& events) {
    static auto pool = BatchPool::create();
    BatchPtr b = pool->acquire(eventSchema());
    for (const Ev& e : events) {
        b->column(0).appendTime(e.t);
        b->appendString(1, e.key);
        b->column(2).appendInt(e.v);
        b->commitRow();
    }
    return b;
}

struct WindowHarness {
    NodeRegistry registry;
    NodeInstance node;
    std::unique_ptr<CollectingEmitter> out;
    WindowHarness(const std::string& type, Json params) {
        registerBuiltinNodes(registry);
        SchemaInputs in{{eventSchema()}, {0}};
        auto r = instantiateNode(*registry.find(type), "w", params, in);
        if (!r) qFatal("%s", r.message().c_str());
        node = std::move(r.value());
        out = std::make_unique<CollectingEmitter>(node.context.outputSchemas);
    }
    void feed(const std::vector<Ev>& events) { node.op->process(0, *batchOf(events), *out); }
    void watermark(TimeUs wm) { node.op->onWatermark(wm, *out); }
    // Result rows as "key start end count final" strings (second resolution).
    QStringList results(bool withFinal = true) const {
        QStringList rows;
        const Schema& s = *node.context.outputSchemas[0];
        const int key = s.indexOf("key"), n = s.indexOf("n"), ws = s.indexOf("window_start"),
                  we = s.indexOf("window_end"), fin = s.indexOf("final");
        for (const auto& row : out->rowValues(0)) {
            QString line = QString("%1 %2-%3 n=%4")
                               .arg(key >= 0 ? QString::fromStdString(row[static_cast<size_t>(key)].toString()) : "")
                               .arg(row[static_cast<size_t>(ws)].i / kSec)
                               .arg(row[static_cast<size_t>(we)].i / kSec)
                               .arg(QString::fromStdString(row[static_cast<size_t>(n)].toString()));
            if (withFinal) line += row[static_cast<size_t>(fin)].i ? " final" : " partial";
            rows << line.trimmed();
        }
        return rows;
    }
    QList<int64_t> lateValues() const {
        QList<int64_t> v;
        for (const auto& row : out->rowValues(1)) v << row[2].i;
        return v;
    }
};

Json countBy(Json extra = Json::object()) {
    Json p = {{"group_by", {"key"}}, {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}}})}};
    for (auto& [k, v] : extra.items()) p[k] = v;
    return p;
}

}  // namespace

class TstWindows : public QObject {
    Q_OBJECT
private slots:
    void tumblingCountsPerKeyAndFiresAtWatermark();
    void eventAtWindowEndBelongsToNextWindow();
    void eventEqualToWatermarkIsNotLate();
    void lateEventsGoToLatePort();
    void allowedLatenessRefiresThenFinal();
    void emptyWindowsAreNotEmitted();
    void emitEveryShowsPartialResults();
    void hoppingEventBelongsToSizeOverSlideWindows();
    void sessionsMergeWhenABridgingEventArrives();
    void outputSchemaAndTime();
    void badParametersAreNamed();
    void matchesReferenceModel_data();
    void matchesReferenceModel();
};

void TstWindows::tumblingCountsPerKeyAndFiresAtWatermark() {
    WindowHarness h("window.tumbling", countBy({{"size", "10s"}}));
    h.feed({{1 * kSec, "a", 1}, {2 * kSec, "b", 1}, {9 * kSec, "a", 1}, {12 * kSec, "a", 1}});
    h.watermark(9 * kSec);
    QCOMPARE(h.results(), QStringList());
    h.watermark(10 * kSec);
    QStringList r = h.results();
    r.sort();
    QCOMPARE(r, QStringList({"a 0-10 n=2 final", "b 0-10 n=1 final"}));
    h.watermark(kMaxTime);
    QCOMPARE(h.results().mid(2), QStringList({"a 10-20 n=1 final"}));
}

void TstWindows::eventAtWindowEndBelongsToNextWindow() {
    WindowHarness h("window.tumbling", countBy({{"size", "10s"}}));
    h.feed({{10 * kSec - 1, "a", 1}, {10 * kSec, "a", 1}});
    h.watermark(kMaxTime);
    QCOMPARE(h.results(), QStringList({"a 0-10 n=1 final", "a 10-20 n=1 final"}));
}

void TstWindows::eventEqualToWatermarkIsNotLate() {
    WindowHarness h("window.tumbling", countBy({{"size", "10s"}}));
    h.watermark(5 * kSec);
    h.feed({{5 * kSec, "a", 1}});
    h.watermark(kMaxTime);
    QCOMPARE(h.results(), QStringList({"a 0-10 n=1 final"}));
    QVERIFY(h.lateValues().isEmpty());
}

void TstWindows::lateEventsGoToLatePort() {
    WindowHarness h("window.tumbling", countBy({{"size", "10s"}}));
    h.feed({{3 * kSec, "a", 1}});
    h.watermark(10 * kSec);
    h.feed({{9 * kSec, "a", 7}, {10 * kSec, "a", 8}});
    h.watermark(kMaxTime);
    QCOMPARE(h.results(), QStringList({"a 0-10 n=1 final", "a 10-20 n=1 final"}));
    QCOMPARE(h.lateValues(), QList<int64_t>({7}));
}

void TstWindows::allowedLatenessRefiresThenFinal() {
    WindowHarness h("window.tumbling", countBy({{"size", "10s"}, {"allowed_lateness", "5s"}}));
    h.feed({{3 * kSec, "a", 1}});
    h.watermark(10 * kSec);
    QCOMPARE(h.results(), QStringList({"a 0-10 n=1 partial"}));
    h.feed({{4 * kSec, "a", 1}});  // late but allowed: re-fires at once
    QCOMPARE(h.results(), QStringList({"a 0-10 n=1 partial", "a 0-10 n=2 partial"}));
    h.watermark(15 * kSec);  // end + lateness: the last firing
    QCOMPARE(h.results().last(), QString("a 0-10 n=2 final"));
    h.feed({{5 * kSec, "a", 9}});  // now too late
    QCOMPARE(h.lateValues(), QList<int64_t>({9}));
    QCOMPARE(h.results().size(), 3);
}

void TstWindows::emptyWindowsAreNotEmitted() {
    WindowHarness h("window.tumbling", countBy({{"size", "1s"}}));
    h.feed({{0, "a", 1}, {100 * kSec, "a", 1}});
    h.watermark(kMaxTime);
    QCOMPARE(h.results(), QStringList({"a 0-1 n=1 final", "a 100-101 n=1 final"}));
}

void TstWindows::emitEveryShowsPartialResults() {
    WindowHarness h("window.tumbling", countBy({{"size", "10s"}, {"emit_every", "1s"}}));
    QCOMPARE(h.node.op->timerIntervalUs(), int64_t(1000000));
    h.feed({{1 * kSec, "a", 1}});
    h.node.op->onTimer(0, *h.out);
    h.node.op->onTimer(0, *h.out);  // nothing changed: nothing shown again
    h.feed({{2 * kSec, "a", 1}});
    h.node.op->onTimer(0, *h.out);
    h.watermark(kMaxTime);
    QCOMPARE(h.results(), QStringList({"a 0-10 n=1 partial", "a 0-10 n=2 partial", "a 0-10 n=2 final"}));
}

void TstWindows::hoppingEventBelongsToSizeOverSlideWindows() {
    WindowHarness h("window.hopping", countBy({{"size", "10s"}, {"slide", "5s"}}));
    h.feed({{7 * kSec, "a", 1}, {12 * kSec, "a", 1}});
    h.watermark(kMaxTime);
    QCOMPARE(h.results(), QStringList({"a 0-10 n=1 final", "a 5-15 n=2 final", "a 10-20 n=1 final"}));
}

void TstWindows::sessionsMergeWhenABridgingEventArrives() {
    WindowHarness h("window.session", countBy({{"gap", "5s"}}));
    h.feed({{0, "a", 1}, {20 * kSec, "a", 1}, {2 * kSec, "b", 1}});
    h.watermark(6 * kSec);  // a's first session [0, 5) closed; b's [2, 7) still open
    QCOMPARE(h.results(), QStringList({"a 0-5 n=1 final"}));
    h.feed({{12 * kSec, "a", 1}, {16 * kSec, "a", 1}});  // 12 -> [12,17), 16 bridges to 20
    h.watermark(kMaxTime);
    QStringList r = h.results();
    QCOMPARE(r.size(), 3);
    QVERIFY(r.contains("b 2-7 n=1 final"));
    QVERIFY(r.contains("a 12-25 n=3 final"));
}

void TstWindows::outputSchemaAndTime() {
    WindowHarness h("window.tumbling",
                    {{"size", "10s"}, {"group_by", {"key"}},
                     {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}}, {{"name", "s"}, {"expr", "SUM(v * 2)"}}})}});
    QCOMPARE(QString::fromStdString(h.node.context.outputSchemas[0]->toString()),
             QString("_time time, key string, n int, s int, window_start time, window_end time, final bool"));
    QCOMPARE(QString::fromStdString(h.node.context.outputSchemas[1]->toString()), QString("_time time, key string, v int"));
    h.feed({{1 * kSec, "a", 3}, {2 * kSec, "a", 4}});
    h.watermark(kMaxTime);
    auto rows = h.out->rowValues(0);
    QCOMPARE(rows.size(), size_t(1));
    QCOMPARE(rows[0][0].i, 10 * kSec - 1);  // _time = window_end - 1 us
    QCOMPARE(rows[0][3].i, int64_t(14));
}

void TstWindows::badParametersAreNamed() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    auto err = [&](const std::string& type, Json params) {
        SchemaInputs in{{eventSchema()}, {0}};
        auto r = instantiateNode(*registry.find(type), "w", params, in);
        return r.isOk() ? QString("(ok)") : QString::fromStdString(r.message());
    };
    QCOMPARE(err("window.tumbling", {{"size", 10}}), QString("window `w`: `size` must be a duration like 10s, got `10`"));
    QCOMPARE(err("window.tumbling", {{"group_by", {"pgae"}}}),
             QString("window `w`: `group_by` names `pgae`, which is not an input field (fields: _time time, key "
                     "string, v int)"));
    QCOMPARE(err("window.hopping", {{"size", "5s"}, {"slide", "10s"}}),
             QString("window `w`: `slide` must not be longer than `size`"));
    QVERIFY(err("window.tumbling", {{"aggregates", Json::array({{{"name", "x"}, {"expr", "SUM(key)"}}})}})
                .startsWith("window `w`: aggregate `x`: SUM needs a number"));
}

// The reference: the SPEC section 3 rules applied directly. Events arrive in the given order in
// batches; after each batch the watermark becomes (max event time so far - bound). An event is
// late when every window it belongs to has end + lateness <= the watermark at its arrival.
// Final results: per window and key, the count and sum of its non-late events.
void TstWindows::matchesReferenceModel_data() {
    QTest::addColumn<int>("seed");
    QTest::addColumn<QString>("type");
    for (int seed = 1; seed <= 150; ++seed) QTest::newRow(qPrintable(QString("tumbling %1").arg(seed))) << seed << "window.tumbling";
    for (int seed = 1; seed <= 100; ++seed) QTest::newRow(qPrintable(QString("hopping %1").arg(seed))) << seed << "window.hopping";
}

void TstWindows::matchesReferenceModel() {
    QFETCH(int, seed);
    QFETCH(QString, type);
    std::mt19937_64 rng(static_cast<uint64_t>(seed));
    const bool hopping = type == "window.hopping";
    const int64_t size = (1 + static_cast<int64_t>(rng() % 5)) * kSec;
    const int64_t slide = hopping ? size / (1 + static_cast<int64_t>(rng() % 3)) : size;
    const int64_t lateness = (rng() % 2) ? 0 : static_cast<int64_t>(rng() % 3) * kSec;
    const int64_t bound = static_cast<int64_t>(rng() % 3) * kSec;
    // A stream that is out of order within `bound`, with some very late events and idle gaps.
    std::vector<Ev> events;
    TimeUs clock = 0;
    const int n = 200 + static_cast<int>(rng() % 300);
    for (int i = 0; i < n; ++i) {
        clock += static_cast<int64_t>(rng() % 400'000);
        if (rng() % 50 == 0) clock += 20 * kSec;  // idle stretch
        TimeUs t = clock - static_cast<int64_t>(rng() % static_cast<uint64_t>(bound + 1));
        if (rng() % 20 == 0) t -= static_cast<int64_t>(rng() % 30) * kSec;  // very late
        events.push_back({t, std::string(1, static_cast<char>('a' + rng() % 4)), static_cast<int64_t>(rng() % 100)});
    }
    Json params = {{"size", formatDuration(size)}, {"group_by", {"key"}}, {"allowed_lateness", formatDuration(lateness)},
                   {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}}, {{"name", "s"}, {"expr", "SUM(v)"}}})}};
    if (hopping) params["slide"] = formatDuration(slide);
    WindowHarness h(type.toStdString(), params);

    std::map<std::tuple<TimeUs, std::string>, std::pair<int64_t, int64_t>> expected;  // (start,key) -> (n,s)
    std::vector<int64_t> expectedLate;
    TimeUs wm = kMinTime, maxT = kMinTime;
    size_t i = 0;
    while (i < events.size()) {
        const size_t len = 1 + rng() % 8;
        std::vector<Ev> batch;
        for (; i < events.size() && batch.size() < len; ++i) {
            const Ev& e = events[i];
            batch.push_back(e);
            bool placed = false;
            TimeUs last = e.t >= 0 ? e.t / slide * slide : -((-e.t + slide - 1) / slide) * slide;
            for (TimeUs s = last; s > e.t - size; s -= slide) {
                if (s + size + lateness <= wm) continue;
                placed = true;
                auto& acc = expected[{s, e.key}];
                acc.first += 1;
                acc.second += e.v;
            }
            if (!placed) expectedLate.push_back(e.v);
        }
        h.feed(batch);
        for (const Ev& e : batch) maxT = std::max(maxT, e.t);
        if (maxT - bound > wm) {
            wm = maxT - bound;
            h.watermark(wm);
        }
    }
    h.watermark(kMaxTime);

    std::map<std::tuple<TimeUs, std::string>, std::pair<int64_t, int64_t>> got;
    const Schema& s = *h.node.context.outputSchemas[0];
    const auto fin = static_cast<size_t>(s.indexOf("final"));
    const auto ws = static_cast<size_t>(s.indexOf("window_start"));
    for (const auto& row : h.out->rowValues(0)) {
        if (!row[fin].i) continue;
        auto [it, inserted] = got.insert({{row[ws].i, row[1].s}, {row[2].i, row[3].i}});
        QVERIFY2(inserted, "a window fired final twice");
    }
    QCOMPARE(got.size(), expected.size());
    QVERIFY(got == expected);
    QList<int64_t> late = h.lateValues();
    QCOMPARE(late.size(), static_cast<qsizetype>(expectedLate.size()));
    for (size_t k = 0; k < expectedLate.size(); ++k) QCOMPARE(late[static_cast<qsizetype>(k)], expectedLate[k]);
    QCOMPARE(NodeMetrics::get(h.node.metrics->late), int64_t(0));  // counted by the runtime, not here
}

QTEST_GUILESS_MAIN(TstWindows)
#include "tst_windows.moc"
