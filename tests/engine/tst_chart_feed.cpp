// The live dashboard's engine side: ChartChannel (bounded ring, newest kept, exact drop count,
// one producer and one reader on different threads), ChartHub, and the SQLite chart history
// (round trip, time range and limit, runs, retention, two writers on one file, where it lives).
#include <QtTest/QtTest>

#include <cmath>
#include <set>
#include <thread>

#include "engine/charts/chart_feed.h"
#include "engine/charts/chart_history.h"

using namespace riffle;

namespace {

constexpr TimeUs kSec = 1'000'000;
constexpr TimeUs kT0 = 1795514400000000;  // 2026-11-24T10:00:00Z

// A chunk of `rows` rows whose values are first, first + 1, ...
std::unique_ptr<ChartChunk> chunkOf(size_t rows, double first = 0) {
    auto c = std::make_unique<ChartChunk>();
    for (size_t i = 0; i < rows; ++i) {
        ChartRow r;
        r.time = static_cast<TimeUs>(i);
        r.values = {first + static_cast<double>(i)};
        c->rows.push_back(std::move(r));
    }
    return c;
}

ChartRow row(TimeUs time, std::string series, std::vector<double> values, std::string category = {},
             std::vector<std::string> cells = {}) {
    ChartRow r;
    r.time = time;
    r.series = std::move(series);
    r.values = std::move(values);
    r.category = std::move(category);
    r.cells = std::move(cells);
    return r;
}

std::vector<TimeUs> timesOf(const std::vector<ChartRow>& rows) {
    std::vector<TimeUs> t;
    for (const ChartRow& r : rows) t.push_back(r.time);
    return t;
}

}  // namespace

class TstChartFeed : public QObject {
    Q_OBJECT
private slots:
    void drainGivesChunksInPublicationOrder();
    void readerBehindGetsNewestSlotsAndExactDropCount();
    void concurrentProducerLosesNoRowUncounted();
    void hubRegistersChannelsAndConfigs();

    void historyRoundTripKeepsEveryField();
    void historyLoadRangeAndLimitKeepNewest();
    void historyRunsAndLastRunWith();
    void historyRetentionDeletesOnlyOldRuns();
    void historyTwoConnectionsAppendToOneFile();
    void historyPathIsStableUnderXdgDataHome();
    void historyRetentionSetting();

private:
    QTemporaryDir m_dir;
    std::string path(const std::string& name) {
        return m_dir.filePath(QString::fromStdString(name)).toStdString();
    }
};

void TstChartFeed::drainGivesChunksInPublicationOrder() {
    ChartChannel ch(8);
    QVERIFY(ch.drain().empty());
    for (size_t i = 0; i < 3; ++i) ch.publish(chunkOf(i + 1, 100.0 * static_cast<double>(i)));
    ch.publish(nullptr);  // ignored: no seq used, nothing counted
    auto got = ch.drain();
    QCOMPARE(got.size(), size_t(3));
    for (size_t i = 0; i < 3; ++i) {
        QCOMPARE(got[i]->seq, uint64_t(i));
        QCOMPARE(got[i]->rows.size(), i + 1);
        QCOMPARE(got[i]->rows[0].values[0], 100.0 * static_cast<double>(i));
    }
    QVERIFY(ch.drain().empty());  // taken chunks are not given twice
    ch.publish(chunkOf(5));
    got = ch.drain();
    QCOMPARE(got.size(), size_t(1));
    QCOMPARE(got[0]->seq, uint64_t(3));
    QCOMPARE(ch.rowsPublished(), int64_t(1 + 2 + 3 + 5));
    QCOMPARE(ch.rowsDropped(), int64_t(0));
}

void TstChartFeed::readerBehindGetsNewestSlotsAndExactDropCount() {
    ChartChannel ch(4);
    // Chunk i has i + 1 rows; 10 chunks into 4 slots: chunks 0..5 (1 + ... + 6 = 21 rows) are lost.
    for (size_t i = 0; i < 10; ++i) ch.publish(chunkOf(i + 1, 1000.0 * static_cast<double>(i)));
    QCOMPARE(ch.rowsPublished(), int64_t(55));
    QCOMPARE(ch.rowsDropped(), int64_t(21));
    auto got = ch.drain();
    QCOMPARE(got.size(), size_t(4));
    for (size_t k = 0; k < 4; ++k) {
        QCOMPARE(got[k]->seq, uint64_t(6 + k));
        QCOMPARE(got[k]->rows.size(), 7 + k);
        QCOMPARE(got[k]->rows.front().values[0], 1000.0 * static_cast<double>(6 + k));
    }
    // Behind again by exactly the ring: nothing is lost.
    for (size_t i = 0; i < 4; ++i) ch.publish(chunkOf(2));
    got = ch.drain();
    QCOMPARE(got.size(), size_t(4));
    QCOMPARE(got.front()->seq, uint64_t(10));
    QCOMPARE(got.back()->seq, uint64_t(13));
    QCOMPARE(ch.rowsDropped(), int64_t(21));
    // One more than the ring: exactly the oldest is lost.
    for (size_t i = 0; i < 5; ++i) ch.publish(chunkOf(3));
    got = ch.drain();
    QCOMPARE(got.size(), size_t(4));
    QCOMPARE(got.front()->seq, uint64_t(15));
    QCOMPARE(ch.rowsDropped(), int64_t(24));

    ChartChannel tiny(0);  // at least two slots
    for (size_t i = 0; i < 3; ++i) tiny.publish(chunkOf(1));
    QCOMPARE(tiny.drain().size(), size_t(2));
    QCOMPARE(tiny.rowsDropped(), int64_t(1));
}

void TstChartFeed::concurrentProducerLosesNoRowUncounted() {
    // A small ring so the reader falls behind often. Chunk `seq` has seq % 97 + 1 rows whose
    // values are their global row numbers, so each drained chunk can be checked by its seq alone.
    constexpr int64_t kRows = 1'000'000;
    auto startOf = [](uint64_t seq) {
        const int64_t q = static_cast<int64_t>(seq / 97), r = static_cast<int64_t>(seq % 97);
        return q * (97 * 98 / 2) + r * (r + 1) / 2;
    };
    ChartChannel ch(8);
    std::atomic<bool> done{false};
    uint64_t chunks = 0;
    std::thread producer([&] {
        for (int64_t next = 0; next < kRows; ++chunks) {
            const int64_t n =
                std::min<int64_t>(static_cast<int64_t>(chunks % 97) + 1, kRows - next);
            ch.publish(chunkOf(static_cast<size_t>(n), static_cast<double>(next)));
            next += n;
        }
        done.store(true, std::memory_order_release);
    });
    int64_t drained = 0, drains = 0;
    uint64_t newest = 0;
    std::set<uint64_t> seen;
    QString problem;
    auto take = [&] {
        auto got = ch.drain();
        ++drains;
        for (size_t i = 0; i < got.size(); ++i) {
            const ChartChunk& c = *got[i];
            if (i && got[i - 1]->seq >= c.seq && problem.isEmpty())
                problem = QStringLiteral("drain %1: seq %2 after %3")
                              .arg(drains)
                              .arg(c.seq)
                              .arg(got[i - 1]->seq);
            if (!seen.insert(c.seq).second && problem.isEmpty())
                problem = QStringLiteral("chunk %1 drained twice").arg(c.seq);
            const int64_t first = startOf(c.seq);
            const int64_t n =
                std::min<int64_t>(static_cast<int64_t>(c.seq % 97) + 1, kRows - first);
            if ((static_cast<int64_t>(c.rows.size()) != n ||
                 c.rows.front().values[0] != double(first) ||
                 c.rows.back().values[0] != double(first + n - 1)) &&
                problem.isEmpty())
                problem = QStringLiteral("chunk %1 does not hold its own rows").arg(c.seq);
            drained += static_cast<int64_t>(c.rows.size());
            newest = std::max(newest, c.seq);
        }
    };
    while (!done.load(std::memory_order_acquire)) {
        take();
        std::this_thread::yield();
    }
    producer.join();
    take();
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(ch.rowsPublished(), kRows);
    QCOMPARE(drained + ch.rowsDropped(), kRows);
    QCOMPARE(newest, chunks - 1);  // the newest chunk always gets through
    QVERIFY(ch.drain().empty());
}

void TstChartFeed::hubRegistersChannelsAndConfigs() {
    ChartHub hub;
    QVERIFY(hub.nodeIds().empty());
    QVERIFY(!hub.channel("a"));
    QVERIFY(!hub.config("a"));
    ChartConfig a;
    a.nodeId = "views";
    a.kind = "timeseries";
    a.title = "Views";
    a.y = {"n"};
    ChartConfig b;
    b.nodeId = "pages";
    b.kind = "bar";
    auto ca = hub.add(a);
    auto cb = hub.add(b);
    QVERIFY(ca && cb && ca != cb);
    QCOMPARE(hub.channel("views"), ca);
    QCOMPARE(hub.channel("pages"), cb);
    QCOMPARE(hub.nodeIds(), std::vector<std::string>({"pages", "views"}));
    QCOMPARE(hub.config("views")->title, std::string("Views"));
    QCOMPARE(hub.config("views")->y, std::vector<std::string>({"n"}));
    QCOMPARE(hub.config("pages")->kind, std::string("bar"));
    // Registering again updates the config and keeps the channel (a sink may hold it already).
    a.title = "Views per page";
    QCOMPARE(hub.add(a), ca);
    QCOMPARE(hub.config("views")->title, std::string("Views per page"));
    QCOMPARE(hub.nodeIds().size(), size_t(2));
    QVERIFY(hub.historyPath().empty());
    hub.setHistory("/tmp/x.sqlite", 7);
    QCOMPARE(hub.historyPath(), std::string("/tmp/x.sqlite"));
    QCOMPARE(hub.runId(), int64_t(7));
}

void TstChartFeed::historyRoundTripKeepsEveryField() {
    auto h = ChartHistory::open(path("sub/dir/roundtrip.sqlite"));  // folders are created
    QVERIFY2(h.isOk(), h.message().c_str());
    ChartHistory& hist = *h.value();
    auto run = hist.beginRun(kT0, 0);
    QVERIFY2(run.isOk(), run.message().c_str());
    const double nan = std::nan("");
    const std::vector<ChartRow> rows = {
        row(kT0, "home", {1.5, -2e-9, 12345678901234.0}),
        row(kT0 + 1, "cart · mobile", {nan, 3}, "cart"),
        row(kT0 + 2, "", {nan}),
        row(kT0 + 3, "", {}, "", {"2026-11-24T10:00:00.000Z", "a,\"b\"\nc", "", "é ✓"}),
        row(kT0 + 4, "x", {0, nan, 7}),
    };
    QVERIFY(hist.append(run.value(), "c", rows).isOk());
    QVERIFY(hist.append(run.value(), "c", {}).isOk());
    const auto back = hist.load("c", run.value(), 0, kT0 + kSec);
    QCOMPARE(back.size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        const QByteArray at = QByteArray("row ") + QByteArray::number(static_cast<qulonglong>(i));
        QVERIFY2(back[i].time == rows[i].time, at.constData());
        QVERIFY2(back[i].category == rows[i].category, at.constData());
        QVERIFY2(back[i].series == rows[i].series, at.constData());
        QVERIFY2(back[i].cells == rows[i].cells, at.constData());
        QVERIFY2(back[i].final, at.constData());
        QVERIFY2(back[i].values.size() == rows[i].values.size(), at.constData());
        for (size_t v = 0; v < rows[i].values.size(); ++v) {
            if (std::isnan(rows[i].values[v]))
                QVERIFY2(std::isnan(back[i].values[v]), at.constData());
            else
                QVERIFY2(back[i].values[v] == rows[i].values[v], at.constData());
        }
    }
    // Another node's points are its own.
    QVERIFY(hist.load("other", 0, 0, kT0 + kSec).empty());
}

void TstChartFeed::historyLoadRangeAndLimitKeepNewest() {
    auto h = ChartHistory::open(path("range.sqlite"));
    QVERIFY2(h.isOk(), h.message().c_str());
    ChartHistory& hist = *h.value();
    const int64_t run = hist.beginRun(kT0, 0).value();
    std::vector<ChartRow> rows;
    for (int i = 9; i >= 0; --i)
        rows.push_back(row(kT0 + i * kSec, "s", {double(i)}));  // newest first
    QVERIFY(hist.append(run, "c", rows).isOk());
    auto all = hist.load("c", run, 0, kT0 + 100 * kSec);
    QCOMPARE(all.size(), size_t(10));
    QCOMPARE(all.front().time, kT0);  // oldest first, whatever the append order
    QCOMPARE(all.back().time, kT0 + 9 * kSec);
    // from inclusive, to exclusive
    QCOMPARE(timesOf(hist.load("c", run, kT0 + 3 * kSec, kT0 + 6 * kSec)),
             std::vector<TimeUs>({kT0 + 3 * kSec, kT0 + 4 * kSec, kT0 + 5 * kSec}));
    // A limit keeps the newest, still oldest first.
    QCOMPARE(timesOf(hist.load("c", run, 0, kT0 + 100 * kSec, 3)),
             std::vector<TimeUs>({kT0 + 7 * kSec, kT0 + 8 * kSec, kT0 + 9 * kSec}));
    QCOMPARE(timesOf(hist.load("c", run, kT0 + 2 * kSec, kT0 + 6 * kSec, 2)),
             std::vector<TimeUs>({kT0 + 4 * kSec, kT0 + 5 * kSec}));
}

void TstChartFeed::historyRunsAndLastRunWith() {
    auto h = ChartHistory::open(path("runs.sqlite"));
    QVERIFY2(h.isOk(), h.message().c_str());
    ChartHistory& hist = *h.value();
    QCOMPARE(hist.runCount(), int64_t(0));
    QCOMPARE(hist.lastRunWith("a"), int64_t(0));
    const int64_t r1 = hist.beginRun(kT0, 0).value();
    QVERIFY(hist.append(r1, "a", {row(kT0, "", {1})}).isOk());
    QVERIFY(hist.append(r1, "b", {row(kT0, "", {2})}).isOk());
    QVERIFY(hist.endRun(r1, kT0 + kSec).isOk());
    const int64_t r2 = hist.beginRun(kT0 + 10 * kSec, 0).value();
    QVERIFY(r2 > r1);
    QVERIFY(hist.append(r2, "a", {row(kT0, "", {3}), row(kT0 + 1, "", {4})}).isOk());
    QCOMPARE(hist.runCount(), int64_t(2));
    QCOMPARE(hist.lastRunWith("a"), r2);
    QCOMPARE(hist.lastRunWith("b"), r1);  // a run without points for `b` does not count
    QCOMPARE(hist.lastRunWith("c"), int64_t(0));
    QCOMPARE(hist.load("a", r1, 0, kT0 + kSec).size(), size_t(1));
    QCOMPARE(hist.load("a", r1, 0, kT0 + kSec)[0].values[0], 1.0);
    QCOMPARE(hist.load("a", r2, 0, kT0 + kSec).size(), size_t(2));
    QCOMPARE(hist.load("a", 0, 0, kT0 + kSec).size(), size_t(3));  // 0: any run
}

void TstChartFeed::historyRetentionDeletesOnlyOldRuns() {
    auto h = ChartHistory::open(path("retention.sqlite"));
    QVERIFY2(h.isOk(), h.message().c_str());
    ChartHistory& hist = *h.value();
    constexpr int64_t kHour = 3600 * kSec;
    const int64_t old = hist.beginRun(kT0, 0).value();
    const int64_t edge = hist.beginRun(kT0 + kHour, 0).value();
    const int64_t recent = hist.beginRun(kT0 + 2 * kHour, 0).value();
    for (int64_t r : {old, edge, recent})
        QVERIFY(hist.append(r, "c", {row(kT0, "", {double(r)})}).isOk());
    // Retention 0 keeps everything.
    const int64_t keepAll = hist.beginRun(kT0 + 100 * kHour, 0).value();
    QCOMPARE(hist.runCount(), int64_t(4));
    // A run starting at T0 + 25 h with 24 h retention: runs that started before T0 + 1 h go.
    const int64_t now = hist.beginRun(kT0 + 25 * kHour, 24 * kHour).value();
    QCOMPARE(hist.runCount(), int64_t(4));  // old deleted, now added
    QVERIFY(hist.load("c", old, 0, kT0 + kSec).empty());
    QCOMPARE(hist.load("c", edge, 0, kT0 + kSec).size(),
             size_t(1));  // started exactly at the limit
    QCOMPARE(hist.load("c", recent, 0, kT0 + kSec).size(), size_t(1));
    QCOMPARE(hist.load("c", 0, 0, kT0 + kSec).size(), size_t(2));
    QVERIFY(now > keepAll);
    // A new run long after: everything older than the retention goes.
    hist.beginRun(kT0 + 1000 * kHour, kHour).value();
    QCOMPARE(hist.runCount(), int64_t(1));
    QVERIFY(hist.load("c", 0, 0, kT0 + kSec).empty());
    QCOMPARE(hist.lastRunWith("c"), int64_t(0));
}

void TstChartFeed::historyTwoConnectionsAppendToOneFile() {
    const std::string file = path("shared.sqlite");
    auto first = ChartHistory::open(file);
    auto second = ChartHistory::open(file);
    QVERIFY2(first.isOk(), first.message().c_str());
    QVERIFY2(second.isOk(), second.message().c_str());
    const int64_t run = first.value()->beginRun(kT0, 0).value();
    constexpr int kAppends = 40, kRows = 50;
    auto writer = [&](ChartHistory* h, const std::string& node, bool* ok) {
        for (int a = 0; a < kAppends; ++a) {
            std::vector<ChartRow> rows;
            for (int i = 0; i < kRows; ++i)
                rows.push_back(row(kT0 + a * kRows + i, node, {double(a)}));
            *ok = h->append(run, node, rows).isOk() && *ok;
        }
    };
    bool ok1 = true, ok2 = true;
    std::thread t1(writer, first.value().get(), "a", &ok1);
    std::thread t2(writer, second.value().get(), "b", &ok2);
    t1.join();
    t2.join();
    QVERIFY(ok1);
    QVERIFY(ok2);
    // Each connection sees the other's rows.
    QCOMPARE(first.value()->load("b", run, 0, kT0 + kSec).size(), size_t(kAppends * kRows));
    QCOMPARE(second.value()->load("a", run, 0, kT0 + kSec).size(), size_t(kAppends * kRows));
    auto third = ChartHistory::open(file);
    QVERIFY(third.isOk());
    QCOMPARE(third.value()->runCount(), int64_t(1));
    QCOMPARE(third.value()->lastRunWith("a"), run);
}

void TstChartFeed::historyPathIsStableUnderXdgDataHome() {
    const QByteArray saved = qgetenv("XDG_DATA_HOME");
    QTemporaryDir data;
    qputenv("XDG_DATA_HOME", data.path().toUtf8());
    const std::string project = path("proj/clicks.riffle");
    const std::string p = chartHistoryPathFor(project);
    const QString prefix = data.path() + "/Riffle/Riffle/history/clicks-";
    QVERIFY2(QString::fromStdString(p).startsWith(prefix), p.c_str());
    QVERIFY2(QRegularExpression("^clicks-[0-9a-f]{12}\\.sqlite$")
                 .match(QFileInfo(QString::fromStdString(p)).fileName())
                 .hasMatch(),
             p.c_str());
    QCOMPARE(chartHistoryPathFor(project), p);
    QCOMPARE(chartHistoryPathFor(path("proj/./sub/../clicks.riffle")), p);  // the same file
    // Relative to the working folder: the same file again.
    const QString cwd = QDir::currentPath();
    QVERIFY(QDir::setCurrent(m_dir.path()));
    const std::string relative = chartHistoryPathFor("proj/clicks.riffle");
    QVERIFY(QDir::setCurrent(cwd));
    QCOMPARE(relative, p);
    // Another project with the same name elsewhere gets its own file.
    const std::string other = chartHistoryPathFor(path("elsewhere/clicks.riffle"));
    QVERIFY(other != p);
    QVERIFY(QString::fromStdString(other).startsWith(prefix));
    // It can be opened: the folders are created.
    QVERIFY(ChartHistory::open(p).isOk());
    QVERIFY(QFileInfo::exists(QString::fromStdString(p)));
    if (saved.isNull())
        qunsetenv("XDG_DATA_HOME");
    else
        qputenv("XDG_DATA_HOME", saved);
}

void TstChartFeed::historyRetentionSetting() {
    QCOMPARE(historyRetentionUs(Json::object()), kDefaultHistoryRetentionUs);
    QCOMPARE(kDefaultHistoryRetentionUs, int64_t(24) * 3600 * kSec);
    QCOMPARE(historyRetentionUs(Json{{"history_retention", "2h"}}), int64_t(2) * 3600 * kSec);
    QCOMPARE(historyRetentionUs(Json{{"history_retention", "90s"}}), int64_t(90) * kSec);
    QCOMPARE(historyRetentionUs(Json{{"history_retention", "0s"}}), int64_t(0));
    QCOMPARE(historyRetentionUs(Json{{"history_retention", "soon"}}), kDefaultHistoryRetentionUs);
    QCOMPARE(historyRetentionUs(Json{{"history_retention", 5}}), kDefaultHistoryRetentionUs);
    QCOMPARE(historyRetentionUs(Json()), kDefaultHistoryRetentionUs);
}

QTEST_GUILESS_MAIN(TstChartFeed)
#include "tst_chart_feed.moc"
