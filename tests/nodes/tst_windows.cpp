// Event-time windows (nodes/windows/window_common.h): exact results for hand-made streams, the
// edge cases, and a property test against a plain reference model over hundreds of seeded random
// streams.
#include <QtTest/QtTest>

#include <algorithm>
#include <array>
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
            QString line =
                QString("%1 %2-%3 n=%4")
                    .arg(key >= 0 ? QString::fromStdString(row[static_cast<size_t>(key)].toString())
                                  : "")
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
    Json p = {{"group_by", {"key"}},
              {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}}})}};
    for (auto& [k, v] : extra.items()) p[k] = v;
    return p;
}

// ---- Property tests: random streams against plain reference models -----------------------------

int64_t uniform(std::mt19937_64& rng, int64_t lo,
                int64_t hi) {  // inclusive; the same on every platform
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
}

// A random stream as the executor would deliver it: `batches` in arrival order, and after each
// batch the watermark becomes (highest event time so far - boundUs) if that moves it forward.
struct RandomStream {
    std::vector<std::vector<Ev>> batches;
    int64_t boundUs = 0;
};

// Several keys; out of order within the bound; some events late by up to 10 s and a few by up to
// 40 s; idle stretches; batches of 1 to 8 events, now and then 60. Event times may be negative.
// They lie on a 100 ms grid, so that events, window ends, session ends and watermarks often
// coincide exactly: the boundaries are where the rules are easiest to get wrong.
RandomStream randomStream(std::mt19937_64& rng) {
    constexpr int64_t kGrid = 100'000;
    RandomStream s;
    s.boundUs = uniform(rng, 0, 6) * 5 * kGrid;
    const int64_t keys = uniform(rng, 1, 5);
    const int64_t maxStep = uniform(rng, 1, 8);
    std::vector<Ev> events;
    TimeUs clock = 0;
    for (int64_t i = 0, n = uniform(rng, 200, 500); i < n; ++i) {
        clock += uniform(rng, 0, maxStep) * kGrid;
        if (uniform(rng, 1, 40) == 1) clock += uniform(rng, 5, 40) * kSec;  // idle stretch
        TimeUs t = clock - uniform(rng, 0, s.boundUs / kGrid) * kGrid;
        if (uniform(rng, 1, 15) == 1) t -= uniform(rng, 0, 100) * kGrid;  // late
        if (uniform(rng, 1, 60) == 1) t -= uniform(rng, 10, 40) * kSec;   // very late
        events.push_back({t, std::string(1, static_cast<char>('a' + uniform(rng, 0, keys - 1))),
                          uniform(rng, 0, 99)});
    }
    for (size_t i = 0; i < events.size();) {
        const auto len = static_cast<size_t>(uniform(rng, 1, 30) == 1 ? 60 : uniform(rng, 1, 8));
        const size_t end = std::min(events.size(), i + len);
        s.batches.emplace_back(events.begin() + static_cast<long>(i),
                               events.begin() + static_cast<long>(end));
        i = end;
    }
    return s;
}

// Half of the streams run without allowed lateness, the other half with some.
int64_t randomLateness(int seed, std::mt19937_64& rng) {
    static const int64_t choices[] = {500'000, 1 * kSec, 2 * kSec, 5 * kSec};
    return seed % 2 ? 0 : choices[uniform(rng, 0, 3)];
}

struct WindowId {
    std::string key;
    TimeUs start = 0, end = 0;
    auto operator<=>(const WindowId&) const = default;
};

struct Totals {
    int64_t n = 0, sum = 0;
    bool operator==(const Totals&) const = default;
};

QString describe(const WindowId& w, const Totals& t, bool final) {
    return QString("%1 [%2, %3) n=%4 sum=%5 %6")
        .arg(QString::fromStdString(w.key))
        .arg(w.start)
        .arg(w.end)
        .arg(t.n)
        .arg(t.sum)
        .arg(final ? "final" : "partial");
}

// What the models share: the windows that still take events, and those that have closed (a
// window closes for good when end + allowed_lateness <= watermark).
struct ReferenceModel {
    int64_t latenessUs = 0;
    std::map<WindowId, Totals> open, closed;

    void advance(TimeUs watermark) {
        for (auto it = open.begin(); it != open.end();) {
            if (it->first.end + latenessUs <= watermark) {
                QVERIFY(closed.insert(*it).second);
                it = open.erase(it);
            } else {
                ++it;
            }
        }
    }
};

// Tumbling and hopping windows, straight from the definition: the windows of an event at t are
// [k * slide, k * slide + size) for every integer k with k * slide <= t < k * slide + size. The
// event is late when all of them have closed; otherwise it counts in each one still open.
struct AlignedModel : ReferenceModel {
    int64_t sizeUs = 0, slideUs = 0;

    static int64_t floorDiv(int64_t a, int64_t b) { return a / b - (a % b < 0 ? 1 : 0); }

    bool add(const Ev& e, TimeUs watermark) {  // false: late
        bool counted = false;
        for (int64_t k = floorDiv(e.t - sizeUs, slideUs); k <= floorDiv(e.t, slideUs); ++k) {
            const TimeUs start = k * slideUs, end = start + sizeUs;
            if (!(start <= e.t && e.t < end) || end + latenessUs <= watermark) continue;
            Totals& w = open[{e.key, start, end}];
            ++w.n;
            w.sum += e.v;
            counted = true;
        }
        return counted;
    }
};

// Sessions as window_session.cpp documents them (Flink's semantics): an event opens the session
// [t, t + gap), which merges with every open session of its key that it overlaps or touches, as
// long as anything still merges. A closed session is gone: an event that would have extended it
// is judged by the session it forms with the open ones, and is late only when that session has
// end + allowed_lateness <= watermark.
struct SessionModel : ReferenceModel {
    int64_t gapUs = 0;

    bool add(const Ev& e, TimeUs watermark) {  // false: late
        WindowId merged{e.key, e.t, e.t + gapUs};
        Totals totals{1, e.v};
        std::vector<WindowId> absorbed;
        for (bool grew = true; grew;) {
            grew = false;
            for (const auto& [w, t] : open) {
                if (w.key != e.key ||
                    std::find(absorbed.begin(), absorbed.end(), w) != absorbed.end())
                    continue;
                if (w.start <= merged.end && merged.start <= w.end) {
                    merged.start = std::min(merged.start, w.start);
                    merged.end = std::max(merged.end, w.end);
                    totals.n += t.n;
                    totals.sum += t.sum;
                    absorbed.push_back(w);
                    grew = true;
                }
            }
        }
        if (merged.end + latenessUs <= watermark) return false;
        for (const WindowId& w : absorbed) open.erase(w);
        open[merged] = totals;
        return true;
    }
};

// How much the property tests compared, per node type (printed at the end of the run).
std::map<QString, std::array<int64_t, 3>> g_compared;  // streams, final window results, late events

// Feeds the stream to the node and the model side by side, and checks after every step that
// - every row is a window the model knows, with _time = window_end - 1 us;
// - a window the watermark has passed but which still takes late events (end <= watermark <
//   end + allowed_lateness) shows its current result, final = false (a window fires when
//   the watermark reaches its end, and re-fires with its updated result);
// - every window that closed has fired exactly once with final = true, with the model's result,
//   and nothing of it comes after that;
// and at the end, that the late port carried exactly the events the model calls late.
template <typename Model>
void replayAgainstModel(WindowHarness& h, Model& model, const RandomStream& stream) {
    const Schema& schema = *h.node.context.outputSchemas[0];
    const auto col = [&](const char* name) { return static_cast<size_t>(schema.indexOf(name)); };
    const size_t time = col("_time"), key = col("key"), n = col("n"), sum = col("s"),
                 ws = col("window_start"), we = col("window_end"), fin = col("final");
    std::map<WindowId, std::pair<Totals, bool>> shown;  // the latest row of each window
    std::map<WindowId, Totals> finals;
    std::vector<Ev> late, expectedLate;
    TimeUs watermark = kMinTime, maxTime = kMinTime;

    const auto step = [&](const std::vector<Ev>* batch) {
        if (batch) {
            for (const Ev& e : *batch)
                if (!model.add(e, watermark)) expectedLate.push_back(e);
            h.feed(*batch);
            for (const Ev& e : *batch) maxTime = std::max(maxTime, e.t);
            if (maxTime - stream.boundUs > watermark) {
                watermark = maxTime - stream.boundUs;
                h.watermark(watermark);
                model.advance(watermark);
            }
        } else {
            watermark = kMaxTime;
            h.watermark(watermark);
            model.advance(watermark);
        }
        for (const auto& row : h.out->rowValues(0)) {
            const WindowId id{row[key].s, row[ws].i, row[we].i};
            const Totals totals{row[n].i, row[sum].i};
            const bool final = row[fin].i != 0;
            QCOMPARE(row[time].i, id.end - 1);
            QVERIFY2(!finals.count(id),
                     qPrintable("a row after the final one: " + describe(id, totals, final)));
            QVERIFY2(
                model.open.count(id) || model.closed.count(id),
                qPrintable("a window the model does not have: " + describe(id, totals, final)));
            shown[id] = {totals, final};
            if (final) {
                QVERIFY2(model.closed.count(id), qPrintable("final before the window closed: " +
                                                            describe(id, totals, final)));
                QCOMPARE(describe(id, totals, true), describe(id, model.closed.at(id), true));
                finals[id] = totals;
            }
        }
        for (const auto& row : h.out->rowValues(1)) late.push_back({row[0].i, row[1].s, row[2].i});
        h.out->clear();
        QCOMPARE(finals.size(), model.closed.size());
        // Windows the watermark has passed that still take late events show their current result.
        for (const auto& [id, totals] : model.open) {
            if (id.end > watermark) continue;
            const auto it = shown.find(id);
            const QString got = it == shown.end()
                                    ? "nothing shown for " + describe(id, totals, false)
                                    : describe(id, it->second.first, it->second.second);
            QCOMPARE(got, describe(id, totals, false));
        }
    };
    for (const auto& batch : stream.batches) {
        step(&batch);
        if (QTest::currentTestFailed()) return;
    }
    step(nullptr);
    if (QTest::currentTestFailed()) return;
    QVERIFY(model.open.empty());
    QVERIFY(finals == model.closed);
    const auto sorted = [](const std::vector<Ev>& events) {
        QStringList lines;
        for (const Ev& e : events)
            lines << QString("%1 %2 v=%3").arg(e.t).arg(QString::fromStdString(e.key)).arg(e.v);
        lines.sort();
        return lines;
    };
    QCOMPARE(sorted(late), sorted(expectedLate));
    QCOMPARE(NodeMetrics::get(h.node.metrics->late),
             int64_t(0));  // counted by the runtime, not here
    auto& c = g_compared[QString::fromStdString(h.node.spec->typeId)];
    c[0] += 1;
    c[1] += static_cast<int64_t>(finals.size());
    c[2] += static_cast<int64_t>(late.size());
}

Json sumAndCount(int64_t latenessUs, Json extra) {
    Json p = {{"group_by", {"key"}},
              {"allowed_lateness", formatDuration(latenessUs)},
              {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                          {{"name", "s"}, {"expr", "SUM(v)"}}})}};
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
    void allowedLateEventOpeningAPassedWindowFiresAtOnce();
    void emptyWindowsAreNotEmitted();
    void emitEveryShowsPartialResults();
    void hoppingEventBelongsToSizeOverSlideWindows();
    void sessionsMergeWhenABridgingEventArrives();
    void allowedLateEventOpeningAPassedSessionFiresAtOnce();
    void eventNearAClosedSessionStartsANewOne();
    void outputSchemaAndTime();
    void badParametersAreNamed();
    void tumblingMatchesReferenceModel_data() { seedRows(); }
    void tumblingMatchesReferenceModel();
    void hoppingMatchesReferenceModel_data() { seedRows(); }
    void hoppingMatchesReferenceModel();
    void slicedHoppingMatchesReferenceModel_data();
    void slicedHoppingMatchesReferenceModel();
    void slicedHoppingAgreesWithEveryWindowAggregated_data();
    void slicedHoppingAgreesWithEveryWindowAggregated();
    void sessionMatchesReferenceModel_data() { seedRows(); }
    void sessionMatchesReferenceModel();
    void cleanupTestCase();

private:
    static void seedRows();
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

void TstWindows::allowedLateEventOpeningAPassedWindowFiresAtOnce() {
    WindowHarness h("window.tumbling", countBy({{"size", "10s"}, {"allowed_lateness", "5s"}}));
    h.feed({{1 * kSec, "a", 1}});
    h.watermark(22 * kSec);  // [0, 10) fires and closes; [10, 20) has no events
    QCOMPARE(h.results(), QStringList({"a 0-10 n=1 final"}));
    h.feed(
        {{18 * kSec, "a", 1}});  // late but allowed: the watermark passed [10, 20), so it fires now
    QCOMPARE(h.results(), QStringList({"a 0-10 n=1 final", "a 10-20 n=1 partial"}));
    h.watermark(25 * kSec);
    QCOMPARE(h.results(),
             QStringList({"a 0-10 n=1 final", "a 10-20 n=1 partial", "a 10-20 n=1 final"}));
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
    QCOMPARE(h.results(),
             QStringList({"a 0-10 n=1 partial", "a 0-10 n=2 partial", "a 0-10 n=2 final"}));
}

void TstWindows::hoppingEventBelongsToSizeOverSlideWindows() {
    WindowHarness h("window.hopping", countBy({{"size", "10s"}, {"slide", "5s"}}));
    h.feed({{7 * kSec, "a", 1}, {12 * kSec, "a", 1}});
    h.watermark(kMaxTime);
    QCOMPARE(h.results(),
             QStringList({"a 0-10 n=1 final", "a 5-15 n=2 final", "a 10-20 n=1 final"}));
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

void TstWindows::allowedLateEventOpeningAPassedSessionFiresAtOnce() {
    WindowHarness h("window.session", countBy({{"gap", "5s"}, {"allowed_lateness", "5s"}}));
    h.feed({{0, "a", 1}});
    h.watermark(12 * kSec);  // a's [0, 5) fires and closes
    h.feed(
        {{6 * kSec, "b", 1}});  // [6, 11): the watermark passed its end, within lateness: fires now
    QCOMPARE(h.results(), QStringList({"a 0-5 n=1 final", "b 6-11 n=1 partial"}));
    h.feed({{7 * kSec, "b", 1}});  // extends it to [6, 12): re-fires
    QCOMPARE(h.results().last(), QString("b 6-12 n=2 partial"));
    h.watermark(17 * kSec);  // 12 + 5: the last firing
    QCOMPARE(h.results().last(), QString("b 6-12 n=2 final"));
    QCOMPARE(h.results().size(), 4);
}

// A closed session is forgotten (as in Flink): an event that would have extended it is judged by
// the session it opens itself, so it is late only when [t, t + gap) has closed too.
void TstWindows::eventNearAClosedSessionStartsANewOne() {
    WindowHarness h("window.session", countBy({{"gap", "5s"}}));
    h.feed({{0, "a", 1}});
    h.watermark(6 * kSec);                             // [0, 5) fires and closes
    h.feed({{1 * kSec, "a", 7}, {4 * kSec, "a", 8}});  // [1, 6) has closed: late; [4, 9) has not
    h.watermark(kMaxTime);
    QCOMPARE(h.results(), QStringList({"a 0-5 n=1 final", "a 4-9 n=1 final"}));
    QCOMPARE(h.lateValues(), QList<int64_t>({7}));
}

void TstWindows::outputSchemaAndTime() {
    WindowHarness h("window.tumbling",
                    {{"size", "10s"},
                     {"group_by", {"key"}},
                     {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                                 {{"name", "s"}, {"expr", "SUM(v * 2)"}}})}});
    QCOMPARE(QString::fromStdString(h.node.context.outputSchemas[0]->toString()),
             QString("_time time, key string, n int, s int, window_start time, window_end time, "
                     "final bool"));
    QCOMPARE(QString::fromStdString(h.node.context.outputSchemas[1]->toString()),
             QString("_time time, key string, v int"));
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
    QCOMPARE(err("window.tumbling", {{"size", 10}}),
             QString("window `w`: `size` must be a duration like 10s, got `10`"));
    QCOMPARE(err("window.tumbling", {{"group_by", {"pgae"}}}),
             QString("window `w`: `group_by` names `pgae`, which is not an input field (fields: "
                     "_time time, key "
                     "string, v int)"));
    QCOMPARE(err("window.hopping", {{"size", "5s"}, {"slide", "10s"}}),
             QString("window `w`: `slide` must not be longer than `size`"));
    QVERIFY(err("window.tumbling",
                {{"aggregates", Json::array({{{"name", "x"}, {"expr", "SUM(key)"}}})}})
                .startsWith("window `w`: aggregate `x`: SUM needs a number"));
    // On slices: an hour sliding every second is fine, not a hundred thousand slices per window.
    QCOMPARE(err("window.hopping", {{"size", "1h"}, {"slide", "1s"}}), QString("(ok)"));
    QCOMPARE(err("window.hopping", {{"size", "1h"}, {"slide", "7ms"}}),
             QString("window `w`: `size` must be at most 100000 times the largest duration that "
                     "divides both `size` and `slide`"));
    // Adding each event to each of its windows (the order of arrival counts): at most 1000.
    QCOMPARE(err("window.hopping",
                 {{"size", "1h"},
                  {"slide", "1s"},
                  {"aggregates", Json::array({{{"name", "x"}, {"expr", "LAST_VALUE(v)"}}})}}),
             QString("window `w`: with FIRST_VALUE or LAST_VALUE, `size` / `slide` must be at most "
                     "1000 windows per event"));
}

// Property tests: 250 seeded random streams per node type, each compared with the reference model
// (see replayAgainstModel for what is checked).
void TstWindows::seedRows() {
    QTest::addColumn<int>("seed");
    for (int seed = 1; seed <= 250; ++seed)
        QTest::newRow(qPrintable(QString("seed %1").arg(seed))) << seed;
}

void TstWindows::tumblingMatchesReferenceModel() {
    QFETCH(int, seed);
    std::mt19937_64 rng(static_cast<uint64_t>(seed));
    AlignedModel model;
    model.latenessUs = randomLateness(seed, rng);
    model.sizeUs = model.slideUs = uniform(rng, 1, 10) * 500'000;
    WindowHarness h("window.tumbling",
                    sumAndCount(model.latenessUs, {{"size", formatDuration(model.sizeUs)}}));
    replayAgainstModel(h, model, randomStream(rng));
}

void TstWindows::hoppingMatchesReferenceModel() {
    QFETCH(int, seed);
    std::mt19937_64 rng(static_cast<uint64_t>(seed));
    // size a multiple of slide, and not (10s / 4s: an event is in two or three windows).
    static const std::pair<int64_t, int64_t> shapes[] = {
        {10 * kSec, 5 * kSec}, {6 * kSec, 2 * kSec}, {4 * kSec, 500'000},  {3 * kSec, 3 * kSec},
        {10 * kSec, 4 * kSec}, {5 * kSec, 3 * kSec}, {7 * kSec, 2 * kSec}, {2500'000, 1 * kSec}};
    AlignedModel model;
    model.latenessUs = randomLateness(seed, rng);
    std::tie(model.sizeUs, model.slideUs) = shapes[seed % 8];
    WindowHarness h("window.hopping",
                    sumAndCount(model.latenessUs, {{"size", formatDuration(model.sizeUs)},
                                                   {"slide", formatDuration(model.slideUs)}}));
    replayAgainstModel(h, model, randomStream(rng));
}

// Hopping windows on slices (window_slices.h) against the model, for size / slide from 1 to 3 600
// and slices narrower than the slide (gcd(size, slide) < slide).
void TstWindows::slicedHoppingMatchesReferenceModel_data() {
    QTest::addColumn<int>("seed");
    QTest::addColumn<int64_t>("size");
    QTest::addColumn<int64_t>("slide");
    static const std::pair<int64_t, int64_t> shapes[] = {
        {1 * kSec, 1 * kSec},  {2 * kSec, 1 * kSec}, {3 * kSec, 1 * kSec}, {1500'000, 1 * kSec},
        {7 * kSec, 3 * kSec},  {5 * kSec, 200'000},  {6 * kSec, 100'000},  {60 * kSec, 100'000},
        {360 * kSec, 100'000}, {20 * kSec, 700'000}};
    for (int seed = 1; seed <= 60; ++seed) {
        const auto [size, slide] = shapes[seed % 10];
        QTest::newRow(qPrintable(QString("seed %1, %2 / %3")
                                     .arg(seed)
                                     .arg(QString::fromStdString(formatDuration(size)),
                                          QString::fromStdString(formatDuration(slide)))))
            << seed << size << slide;
    }
}

void TstWindows::slicedHoppingMatchesReferenceModel() {
    QFETCH(int, seed);
    QFETCH(int64_t, size);
    QFETCH(int64_t, slide);
    std::mt19937_64 rng(static_cast<uint64_t>(seed) + 1000);
    AlignedModel model;
    model.latenessUs = randomLateness(seed, rng);
    model.sizeUs = size;
    model.slideUs = slide;
    WindowHarness h("window.hopping",
                    sumAndCount(model.latenessUs, {{"size", formatDuration(model.sizeUs)},
                                                   {"slide", formatDuration(model.slideUs)}}));
    replayAgainstModel(h, model, randomStream(rng));
}

// Every kind of aggregate on slices gives what the same window gives when every event is added to
// each of its windows (a LAST_VALUE in the list keeps a window on that path): the same rows after
// every batch, watermark and early firing, with and without allowed lateness. Floats compared to
// 9 digits (merging slices adds in another order).
void TstWindows::slicedHoppingAgreesWithEveryWindowAggregated_data() {
    QTest::addColumn<int>("seed");
    for (int seed = 1; seed <= 100; ++seed)
        QTest::newRow(qPrintable(QString("seed %1").arg(seed))) << seed;
}

void TstWindows::slicedHoppingAgreesWithEveryWindowAggregated() {
    static constexpr const char* kWidePercentile = "PERCENTILE(POWER(10, v / 8.0 - 6), 0.05)";
    QFETCH(int, seed);
    std::mt19937_64 rng(static_cast<uint64_t>(seed) + 2000);
    static const std::pair<int64_t, int64_t> shapes[] = {
        {10 * kSec, 2 * kSec}, {3 * kSec, 500'000}, {7 * kSec, 3 * kSec}, {30 * kSec, 1 * kSec}};
    const auto [size, slide] = shapes[seed % 4];
    Json aggregates = Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                   {{"name", "s"}, {"expr", "SUM(v * 0.5)"}},
                                   {{"name", "mean"}, {"expr", "AVG(v)"}},
                                   {{"name", "lo"}, {"expr", "MIN(v)"}},
                                   {{"name", "hi"}, {"expr", "MAX(key)"}},
                                   {{"name", "sd"}, {"expr", "STDDEV(v)"}},
                                   {{"name", "d"}, {"expr", "COUNT(DISTINCT v)"}},
                                   {{"name", "hll"}, {"expr", "APPROX_COUNT_DISTINCT(v)"}},
                                   {{"name", "p90"}, {"expr", "PERCENTILE(v, 0.9)"}},
                                   {{"name", "top"}, {"expr", "TOP_K(v % 7, 2)"}},
                                   // 1e-6 .. 2.4e6: wider than a sketch's 2048 buckets, so they
                                   // collapse the smallest.
                                   {{"name", "wide"}, {"expr", kWidePercentile}}});
    Json params = {{"size", formatDuration(size)},
                   {"slide", formatDuration(slide)},
                   {"group_by", {"key"}},
                   {"allowed_lateness", formatDuration(randomLateness(seed, rng))},
                   {"emit_every", seed % 3 == 0 ? "1s" : "0s"},
                   {"aggregates", aggregates}};
    // The three ways of combining slices: with COUNT(DISTINCT), each window merges its slices;
    // without, two stacks; with only COUNT and PERCENTILE (invertible), a running combination
    // that takes out the slices leaving the window.
    if (seed % 3 == 1) params["aggregates"].erase(6);
    if (seed % 3 == 2)
        params["aggregates"] = Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                            {{"name", "c"}, {"expr", "COUNT(key)"}},
                                            {{"name", "p90"}, {"expr", "PERCENTILE(v, 0.9)"}},
                                            {{"name", "p10"}, {"expr", "PERCENTILE(v, 0.1)"}},
                                            {{"name", "wide"}, {"expr", kWidePercentile}}});
    WindowHarness sliced("window.hopping", params);
    params["aggregates"].push_back({{"name", "last"}, {"expr", "LAST_VALUE(v)"}});
    WindowHarness everyWindow("window.hopping", params);
    const RandomStream stream = randomStream(rng);
    const auto rows = [](WindowHarness& h, bool dropLast) {
        const int last = dropLast ? h.node.context.outputSchemas[0]->indexOf("last") : -1;
        QStringList lines;
        for (const auto& row : h.out->rowValues(0)) {
            QStringList cells;
            for (size_t c = 0; c < row.size(); ++c)
                if (static_cast<int>(c) != last)
                    cells << (row[c].type == Type::Float && !row[c].null
                                  ? QString::number(row[c].f, 'g', 9)
                                  : QString::fromStdString(row[c].toString()));
            lines << cells.join(' ');
        }
        for (const auto& row : h.out->rowValues(1))
            lines << "late " + QString::fromStdString(row[0].toString());
        h.out->clear();
        lines.sort();
        return lines;
    };
    TimeUs watermark = kMinTime, maxTime = kMinTime;
    int64_t compared = 0;
    for (size_t i = 0; i <= stream.batches.size(); ++i) {
        if (i < stream.batches.size()) {
            sliced.feed(stream.batches[i]);
            everyWindow.feed(stream.batches[i]);
            for (const Ev& e : stream.batches[i]) maxTime = std::max(maxTime, e.t);
        } else {
            maxTime = kMaxTime;
        }
        const TimeUs wm = maxTime == kMaxTime ? kMaxTime : maxTime - stream.boundUs;
        if (wm > watermark) {
            watermark = wm;
            sliced.watermark(wm);
            everyWindow.watermark(wm);
        }
        if (i % 5 == 4) {
            sliced.node.op->onTimer(0, *sliced.out);
            everyWindow.node.op->onTimer(0, *everyWindow.out);
        }
        const QStringList want = rows(everyWindow, true);
        QCOMPARE(rows(sliced, false), want);
        compared += want.size();
    }
    QVERIFY(compared > 0);
}

void TstWindows::sessionMatchesReferenceModel() {
    QFETCH(int, seed);
    std::mt19937_64 rng(static_cast<uint64_t>(seed));
    static const int64_t gaps[] = {300'000, 1 * kSec, 2 * kSec, 4 * kSec};
    SessionModel model;
    model.latenessUs = randomLateness(seed, rng);
    model.gapUs = gaps[seed % 4];
    WindowHarness h("window.session",
                    sumAndCount(model.latenessUs, {{"gap", formatDuration(model.gapUs)}}));
    replayAgainstModel(h, model, randomStream(rng));
}

void TstWindows::cleanupTestCase() {
    for (const auto& [type, c] : g_compared)
        qInfo(
            "%s: %lld streams, %lld final window results and %lld late events compared with the "
            "model",
            qPrintable(type), static_cast<long long>(c[0]), static_cast<long long>(c[1]),
            static_cast<long long>(c[2]));
}

QTEST_GUILESS_MAIN(TstWindows)
#include "tst_windows.moc"
