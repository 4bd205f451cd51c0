// The dashboard's chart panels: what each kind holds and draws for the rows it is given, the
// follow / paused view, decimation, stable colours, and the exports.
#include <qcustomplot.h>
#include <QXmlStreamReader>
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>

#include "nodes/register_builtin_nodes.h"
#include "widgets/dashboard/bar_panel.h"
#include "widgets/dashboard/chart_theme.h"
#include "widgets/dashboard/gauge_panel.h"
#include "widgets/dashboard/heatmap_panel.h"
#include "widgets/dashboard/histogram_panel.h"
#include "widgets/dashboard/series_store.h"
#include "widgets/dashboard/table_panel.h"
#include "widgets/dashboard/timeseries_panel.h"
#include "widgets/style/theme.h"

using namespace riffle;

namespace {

// 2026-11-24T10:00:00Z
constexpr TimeUs kT0 = 1'795'514'400'000'000;
constexpr TimeUs kSec = 1'000'000;

ChartConfig configFor(const std::string& kind, int64_t historyUs = 3600 * kSec) {
    ChartConfig c;
    c.nodeId = kind + "_chart";
    c.kind = kind;
    c.title = "Clicks per page";
    c.x = kind == "bar" ? "page" : "window_end";
    c.xIsTime = kind != "bar";
    c.y = {"clicks"};
    c.seriesBy = {"page"};
    c.historyUs = historyUs;
    return c;
}

ChartRow row(TimeUs t, std::string series, double v, bool final = true) {
    ChartRow r;
    r.time = t;
    r.series = std::move(series);
    r.values = {v};
    r.final = final;
    return r;
}

std::unique_ptr<ChartPanel> makePanel(const ChartConfig& config, QSize size = {640, 360}) {
    std::unique_ptr<ChartPanel> panel(ChartPanel::create(config));
    panel->resize(size);
    panel->show();
    return panel;
}

// Draws and waits for the decimation worker's answer to reach the plot.
void settle(ChartPanel* panel) {
    panel->renderFrame();
    if (auto* ts = qobject_cast<TimeseriesPanel*>(panel)) {
        QTRY_VERIFY(!ts->isFrameInFlight());
    }
    QCoreApplication::processEvents();
    QCoreApplication::processEvents();
}

QCustomPlot* plotOf(ChartPanel* panel) {
    return panel->findChild<QCustomPlot*>();
}

// Ten minutes of 10 s windows for four pages; the last window still in progress.
std::vector<ChartRow> pageRows() {
    std::vector<ChartRow> rows;
    const char* pages[] = {"/home", "/pricing", "/docs", "/blog"};
    for (int w = 0; w < 60; ++w) {
        for (int p = 0; p < 4; ++p) {
            const double v = 400.0 / (p + 1) + 120 * std::sin(w / 7.0 + p) + 15 * ((w * 7 + p) % 5);
            rows.push_back(row(kT0 + w * 10 * kSec, pages[p], std::round(v), w < 59));
        }
    }
    return rows;
}

// "" when the axis' tick labels each stand clear of the next, else which two touch.
QString overlappingTicks(QCPAxis* axis) {
    const QVector<double> ticks = axis->tickVector();
    const QVector<QString> labels = axis->tickVectorLabels();
    const QFontMetrics fm(axis->tickLabelFont());
    for (int i = 1; i < ticks.size(); ++i) {
        const double gap =
            std::fabs(axis->coordToPixel(ticks[i]) - axis->coordToPixel(ticks[i - 1]));
        const double need =
            (fm.horizontalAdvance(labels[i]) + fm.horizontalAdvance(labels[i - 1])) / 2.0 + 4;
        if (gap < need)
            return labels[i - 1] + " / " + labels[i] + QString(" (%1 < %2 px)").arg(gap).arg(need);
    }
    return {};
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class TstCharts : public QObject {
    Q_OBJECT
private slots:
    void timeseriesHoldsExactlyTheRowsGiven();
    void earlyFiringsAreReplacedByTheFinalRow();
    void historyIsTrimmed();
    void decimationKeepsMinAndMaxPerColumn();
    void largeSeriesDrawBoundedPoints();
    void wheelAndDragLeaveFollowAndEndReturns();
    void colorsAreStablePerKey();
    void legendClickTogglesASeries();
    void fixedYRange();
    void drawingPauseKeepsData();
    void droppedCounterShowsOnlyWhenNonZero();
    void historyLoaderFillsPanBack();
    void barTopNAndOrder();
    void gaugeValueTrendAndThresholds();
    void tableNewestFirstBoundedAndSortable();
    void histogramBinCounts();
    void heatmapCellValues();
    void exportsAreValidFiles();
    void csvHasExactHeaderAndRows();
    void tickLabelsStandApartAtAnyWidth();
    void barValueLabelsFitTheirPanel();
    void gaugeCaptionFitsANarrowPanel();
    void tableColumnsAllShowInANarrowPanel();
    void manySeriesDrawTheLargestWithACompactLegend();
    void everyOptionAPanelReadsIsDeclaredInItsSpec();
    void screenshots();
};

void TstCharts::timeseriesHoldsExactlyTheRowsGiven() {
    auto panel = makePanel(configFor("timeseries"));
    auto* ts = qobject_cast<TimeseriesPanel*>(panel.get());
    QVERIFY(ts);
    // Before any data the axis takes the panel's width (an empty legend must not narrow it).
    settle(panel.get());
    QVERIFY2(plotOf(panel.get())->axisRect()->width() > 500,
             qPrintable(QString::number(plotOf(panel.get())->axisRect()->width())));
    std::vector<ChartRow> rows;
    for (int i = 0; i < 5; ++i) {
        rows.push_back(row(kT0 + i * kSec, "a", i * 1.5));
        rows.push_back(row(kT0 + i * kSec, "b", 100 - i));
    }
    panel->appendRows(rows);
    QCOMPARE(panel->seriesNames(), QStringList({"a", "b"}));
    QCOMPARE(panel->seriesCount(), 2);
    const auto a = ts->seriesPoints("a");
    QCOMPARE(int(a.size()), 5);
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(a[size_t(i)].first, (kT0 + i * kSec) / 1e6);
        QCOMPARE(a[size_t(i)].second, i * 1.5);
    }
    QCOMPARE(ts->seriesPoints("b").back().second, 96.0);
    settle(panel.get());
    QCOMPARE(ts->drawnPointCount("a"), 5);
    QCOMPARE(ts->drawnPointCount("b"), 5);
    QVERIFY(plotOf(panel.get())->legend->visible());
    QVERIFY(plotOf(panel.get())->axisRect()->width() > 500);
    // Several y fields: one series per key and field.
    ChartConfig two = configFor("timeseries");
    two.y = {"clicks", "views"};
    auto panel2 = makePanel(two);
    ChartRow r = row(kT0, "a", 1);
    r.values = {1, 2};
    panel2->appendRows({r});
    QCOMPARE(panel2->seriesNames(), QStringList({"a · clicks", "a · views"}));
}

void TstCharts::earlyFiringsAreReplacedByTheFinalRow() {
    auto panel = makePanel(configFor("timeseries"));
    auto* ts = qobject_cast<TimeseriesPanel*>(panel.get());
    panel->appendRows({row(kT0, "a", 5), row(kT0 + 10 * kSec, "a", 1, false)});
    panel->appendRows({row(kT0 + 10 * kSec, "a", 2, false)});
    QCOMPARE(int(ts->seriesPoints("a").size()), 2);
    QCOMPARE(ts->seriesFinalFlags("a").back(), false);
    settle(panel.get());
    // The window in progress: a hollow dot of its own, not joined by a line to the last final
    // point (a partial count drawn as the end of the line read as a drop).
    auto* plot = plotOf(panel.get());
    int dots = 0;
    for (int i = 0; i < plot->graphCount(); ++i) {
        QCPGraph* g = plot->graph(i);
        if (g->lineStyle() != QCPGraph::lsNone) continue;
        QCOMPARE(g->scatterStyle().shape(), QCPScatterStyle::ssCircle);
        QCOMPARE(g->data()->size(), 1);
        QCOMPARE(g->data()->constBegin()->value, 2.0);
        ++dots;
    }
    QCOMPARE(dots, 1);

    // Stacked areas too: each series' window in progress is a dot stacked on the ones below,
    // and the filled area ends at the last final point.
    ChartConfig stackedConfig = configFor("timeseries");
    auto stacked = makePanel(stackedConfig);
    stacked->setOptions({{"style", "areas"}, {"stacked", true}});
    auto* sts = qobject_cast<TimeseriesPanel*>(stacked.get());
    stacked->appendRows({row(kT0, "a", 5), row(kT0, "b", 3), row(kT0 + 10 * kSec, "a", 1, false),
                         row(kT0 + 10 * kSec, "b", 4, false)});
    settle(stacked.get());
    QVERIFY(sts);
    auto* splot = plotOf(stacked.get());
    std::vector<double> tailEnds;
    for (int i = 0; i < splot->graphCount(); ++i) {
        QCPGraph* g = splot->graph(i);
        if (g->lineStyle() != QCPGraph::lsNone || g->data()->isEmpty()) continue;
        QCOMPARE(g->data()->size(), 1);
        tailEnds.push_back((g->data()->constEnd() - 1)->value);
    }
    std::sort(tailEnds.begin(), tailEnds.end());
    QCOMPARE(tailEnds, std::vector<double>({1.0, 5.0}));  // a = 1, then b = 4 on top of a
    panel->appendRows({row(kT0 + 10 * kSec, "a", 7, true)});
    panel->appendRows({row(kT0 + 10 * kSec, "a", 3, false)});  // late early firing: ignored
    const auto points = ts->seriesPoints("a");
    QCOMPARE(int(points.size()), 2);
    QCOMPARE(points.back().second, 7.0);
    QCOMPARE(ts->seriesFinalFlags("a").back(), true);
}

void TstCharts::historyIsTrimmed() {
    auto panel = makePanel(configFor("timeseries", 10 * kSec));
    auto* ts = qobject_cast<TimeseriesPanel*>(panel.get());
    std::vector<ChartRow> rows;
    for (int i = 0; i <= 30; ++i) rows.push_back(row(kT0 + i * kSec, "a", i));
    panel->appendRows(rows);
    const auto points = ts->seriesPoints("a");
    QCOMPARE(int(points.size()), 11);
    QCOMPARE(points.front().first, (kT0 + 20 * kSec) / 1e6);
    QCOMPARE(points.back().second, 30.0);
}

void TstCharts::decimationKeepsMinAndMaxPerColumn() {
    const size_t n = 1'000'000;
    std::vector<double> xs(n), ys(n);
    for (size_t i = 0; i < n; ++i) {
        xs[i] = double(i);
        ys[i] = std::sin(i * 0.001) * 100 + double((i * 7919) % 97);
    }
    const int columns = 500;
    std::vector<double> outX, outY;
    decimateMinMax(xs.data(), ys.data(), n, 0, double(n - 1), columns, outX, outY);
    QVERIFY(outX.size() <= size_t(2 * columns + 2));
    QVERIFY(outX.size() >= size_t(columns));
    QVERIFY(std::is_sorted(outX.begin(), outX.end()));
    // For every column: its min and max are among the points kept.
    const double scale = columns / double(n - 1);
    std::vector<double> mins(columns, INFINITY), maxs(columns, -INFINITY);
    for (size_t i = 0; i < n; ++i) {
        const int c = std::min(columns - 1, int(xs[i] * scale));
        mins[size_t(c)] = std::min(mins[size_t(c)], ys[i]);
        maxs[size_t(c)] = std::max(maxs[size_t(c)], ys[i]);
    }
    std::vector<double> keptMin(columns, INFINITY), keptMax(columns, -INFINITY);
    for (size_t i = 0; i < outX.size(); ++i) {
        const int c = std::min(columns - 1, int(outX[i] * scale));
        keptMin[size_t(c)] = std::min(keptMin[size_t(c)], outY[i]);
        keptMax[size_t(c)] = std::max(keptMax[size_t(c)], outY[i]);
    }
    for (int c = 0; c < columns; ++c) {
        QCOMPARE(keptMin[size_t(c)], mins[size_t(c)]);
        QCOMPARE(keptMax[size_t(c)], maxs[size_t(c)]);
    }
    // A visible sub-range: points just outside it are kept so the line reaches the edges.
    outX.clear();
    outY.clear();
    decimateMinMax(xs.data(), ys.data(), n, 1000.5, 1010.5, columns, outX, outY);
    QCOMPARE(outX.front(), 1000.0);
    QCOMPARE(outX.back(), 1011.0);
    QCOMPARE(int(outX.size()), 12);
}

void TstCharts::largeSeriesDrawBoundedPoints() {
    auto panel = makePanel(configFor("timeseries", 0), {800, 400});
    auto* ts = qobject_cast<TimeseriesPanel*>(panel.get());
    panel->setTimeSpanUs(0);  // all
    std::vector<ChartRow> rows;
    rows.reserve(1'000'000);
    for (int s = 0; s < 10; ++s)
        for (int i = 0; i < 100'000; ++i)
            rows.push_back(row(kT0 + i * 1000, "s" + std::to_string(s), (i * 31 + s) % 1000));
    panel->appendRows(rows);
    settle(panel.get());
    settle(panel.get());
    const int width = plotOf(panel.get())->axisRect()->width();
    QCOMPARE(panel->seriesCount(), 10);
    for (const QString& name : panel->seriesNames()) {
        QVERIFY2(ts->drawnPointCount(name) <= 2 * width + 4,
                 qPrintable(QString::number(ts->drawnPointCount(name))));
        QVERIFY(ts->drawnPointCount(name) > width / 2);
    }
    // Every value 0..999 occurs in each column: the drawn range is the full range.
    QVERIFY(ts->yRange().first <= 0);
    QVERIFY(ts->yRange().second >= 999);
}

void TstCharts::wheelAndDragLeaveFollowAndEndReturns() {
    auto panel = makePanel(configFor("timeseries"));
    panel->setTimeSpanUs(60 * kSec);
    std::vector<ChartRow> rows;
    for (int i = 0; i <= 300; ++i) rows.push_back(row(kT0 + i * kSec, "a", i % 17));
    panel->appendRows(rows);
    settle(panel.get());
    const double newest = (kT0 + 300 * kSec) / 1e6;
    QVERIFY(panel->isFollowing());
    QCOMPARE(panel->xRange().first, newest - 60);
    QVERIFY(panel->xRange().second > newest);
    QSignalSpy followSpy(panel.get(), &ChartPanel::followingChanged);

    // Wheel in: the range shrinks around the cursor and following stops.
    QCustomPlot* plot = plotOf(panel.get());
    const QPoint centre = plot->axisRect()->rect().center();
    QWheelEvent wheel(centre, plot->mapToGlobal(centre), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(plot, &wheel);
    QVERIFY(!panel->isFollowing());
    QCOMPARE(followSpy.count(), 1);
    const auto zoomed = panel->xRange();
    QVERIFY(zoomed.second - zoomed.first < 60);
    QVERIFY(zoomed.second < newest);
    QVERIFY(panel->findChild<QToolButton*>("liveButton")->isVisibleTo(panel.get()));
    // New data does not move a paused view.
    panel->appendRows({row(kT0 + 301 * kSec, "a", 1)});
    settle(panel.get());
    QCOMPARE(panel->xRange(), zoomed);

    // End follows again, at the preset span.
    QTest::keyClick(panel.get(), Qt::Key_End);
    QVERIFY(panel->isFollowing());
    QVERIFY(!panel->findChild<QToolButton*>("liveButton")->isVisibleTo(panel.get()));
    settle(panel.get());
    QCOMPARE(panel->xRange().first, newest + 1 - 60);

    // Drag right: the view moves back in time and following stops.
    auto send = [&](QEvent::Type type, QPoint pos, Qt::MouseButtons buttons) {
        QMouseEvent e(type, pos, plot->mapToGlobal(pos), Qt::LeftButton, buttons, Qt::NoModifier);
        QApplication::sendEvent(plot, &e);
    };
    send(QEvent::MouseButtonPress, centre, Qt::LeftButton);
    send(QEvent::MouseMove, centre + QPoint(60, 0), Qt::LeftButton);
    send(QEvent::MouseMove, centre + QPoint(120, 0), Qt::LeftButton);
    send(QEvent::MouseButtonRelease, centre + QPoint(120, 0), Qt::NoButton);
    QVERIFY(!panel->isFollowing());
    QVERIFY(panel->xRange().first < newest + 1 - 60 - 5);

    // The Live button follows again.
    panel->findChild<QToolButton*>("liveButton")->click();
    QVERIFY(panel->isFollowing());
    QCOMPARE(panel->xRange().first, newest + 1 - 60);
    QCOMPARE(followSpy.count(), 4);

    // A preset while paused: that span, following.
    panel->setFollowing(false);
    for (QToolButton* b : panel->findChildren<QToolButton*>())
        if (b->text() == "5m") b->click();
    QVERIFY(panel->isFollowing());
    QCOMPARE(panel->timeSpanUs(), 300 * kSec);
    QCOMPARE(panel->xRange().first, newest + 1 - 300);
}

void TstCharts::colorsAreStablePerKey() {
    const QStringList keys = {"/home", "/pricing", "/docs", "/blog", "/about"};
    const auto forward = chart::assignColors(keys);
    const auto backward = chart::assignColors({"/about", "/blog", "/docs", "/pricing", "/home"});
    QCOMPARE(forward, backward);
    QSet<QRgb> distinct;
    for (const QString& k : keys) distinct.insert(forward.value(k).rgb());
    QCOMPARE(distinct.size(), keys.size());

    auto p1 = makePanel(configFor("timeseries"));
    auto p2 = makePanel(configFor("timeseries"));
    std::vector<ChartRow> rows;
    for (const QString& k : keys) rows.push_back(row(kT0, k.toStdString(), 1));
    p1->appendRows(rows);
    std::reverse(rows.begin(), rows.end());
    p2->appendRows(rows);
    settle(p1.get());
    settle(p2.get());
    for (const QString& k : keys) {
        QVERIFY(p1->seriesColor(k).isValid());
        QCOMPARE(p1->seriesColor(k), p2->seriesColor(k));
    }
}

void TstCharts::legendClickTogglesASeries() {
    auto panel = makePanel(configFor("timeseries"));
    auto* ts = qobject_cast<TimeseriesPanel*>(panel.get());
    panel->appendRows({row(kT0, "a", 1), row(kT0, "b", 1000), row(kT0 + kSec, "a", 2),
                       row(kT0 + kSec, "b", 2000)});
    settle(panel.get());
    QCustomPlot* plot = plotOf(panel.get());
    plot->replot();
    QVERIFY(plot->legend->visible());
    QCOMPARE(plot->legend->itemCount(), 2);
    QVERIFY(ts->yRange().second >= 2000);
    // The largest series first.
    QCOMPARE(qobject_cast<QCPPlottableLegendItem*>(plot->legend->item(0))->plottable()->name(),
             QString("b"));
    QCPAbstractLegendItem* itemB = plot->legend->item(0);
    const QPoint at = itemB->outerRect().center();
    QTest::mouseClick(plot, Qt::LeftButton, {}, at);
    QVERIFY(!ts->isSeriesVisible("b"));
    QVERIFY(ts->yRange().second < 100);  // the y range follows the visible series
    QTest::mouseClick(plot, Qt::LeftButton, {}, at);
    QVERIFY(ts->isSeriesVisible("b"));
}

void TstCharts::fixedYRange() {
    auto panel = makePanel(configFor("timeseries"));
    auto* ts = qobject_cast<TimeseriesPanel*>(panel.get());
    panel->setOptions({{"y_min", 0}, {"y_max", 50}, {"style", "areas"}});
    panel->appendRows({row(kT0, "a", 10), row(kT0 + kSec, "a", 500)});
    settle(panel.get());
    QCOMPARE(ts->yRange(), std::make_pair(0.0, 50.0));
    panel->setOptions({{"y_min", nullptr}, {"y_max", nullptr}});
    settle(panel.get());
    QVERIFY(ts->yRange().second >= 500);
}

void TstCharts::drawingPauseKeepsData() {
    auto panel = makePanel(configFor("timeseries"));
    auto* ts = qobject_cast<TimeseriesPanel*>(panel.get());
    panel->appendRows({row(kT0, "a", 1)});
    settle(panel.get());
    panel->setDrawingPaused(true);
    const int replots = panel->replotCount();
    panel->appendRows({row(kT0 + kSec, "a", 2)});
    settle(panel.get());
    QTest::qWait(50);
    QCOMPARE(panel->replotCount(), replots);
    QCOMPARE(ts->drawnPointCount("a"), 1);
    QCOMPARE(int(ts->seriesPoints("a").size()), 2);
    panel->setDrawingPaused(false);
    QTRY_COMPARE(ts->drawnPointCount("a"), 2);
    QTRY_VERIFY(panel->replotCount() > replots);  // the data is set before its queued replot
    // Nothing changed: no more replots.
    const int after = panel->replotCount();
    QTest::qWait(60);
    QCOMPARE(panel->replotCount(), after);
}

void TstCharts::droppedCounterShowsOnlyWhenNonZero() {
    auto panel = makePanel(configFor("timeseries"));
    auto* label = panel->findChild<QLabel*>("droppedLabel");
    QVERIFY(label && !label->isVisibleTo(panel.get()));
    panel->setDroppedRows(12'345);
    QVERIFY(label->isVisibleTo(panel.get()));
    QCOMPARE(label->text(), QString("12.3 K dropped"));
    panel->setDroppedRows(0);
    QVERIFY(!label->isVisibleTo(panel.get()));
}

void TstCharts::historyLoaderFillsPanBack() {
    auto panel = makePanel(configFor("timeseries", 60 * kSec));
    auto* ts = qobject_cast<TimeseriesPanel*>(panel.get());
    std::atomic<int> calls{0};
    std::atomic<TimeUs> askedFrom{0};
    panel->setHistoryLoader([&](TimeUs from, TimeUs to) {
        ++calls;
        askedFrom = from;
        std::vector<ChartRow> rows;
        for (TimeUs t = kT0; t < to; t += 10 * kSec)
            if (t >= from) rows.push_back(row(t, "a", -1));
        return rows;
    });
    std::vector<ChartRow> live;
    for (int i = 300; i <= 400; ++i) live.push_back(row(kT0 + i * kSec, "a", i));
    panel->appendRows(live);
    settle(panel.get());
    QCOMPARE(calls.load(), 0);
    QCOMPARE(int(ts->seriesPoints("a").size()), 61);  // 60 s of history kept live
    // Pan back 5 minutes.
    panel->setFollowing(false);
    plotOf(panel.get())->xAxis->setRange((kT0 + 30 * kSec) / 1e6, (kT0 + 200 * kSec) / 1e6);
    settle(panel.get());
    QTRY_VERIFY(calls.load() >= 1);
    settle(panel.get());
    QVERIFY(askedFrom.load() <= kT0 + 30 * kSec);
    const auto points = ts->seriesPoints("a");
    QVERIFY(points.front().first <= (kT0 + 30 * kSec) / 1e6);
    QCOMPARE(points.front().second, -1.0);
    QVERIFY(ts->drawnPointCount("a") > 10);
    // Following again drops what was loaded.
    panel->setFollowing(true);
    QCOMPARE(int(ts->seriesPoints("a").size()), 61);
}

void TstCharts::barTopNAndOrder() {
    auto panel = makePanel(configFor("bar"));
    auto* bar = qobject_cast<BarPanel*>(panel.get());
    QVERIFY(bar);
    std::vector<ChartRow> rows;
    for (int i = 0; i < 25; ++i) {
        ChartRow r = row(kT0, "", (i * 37) % 25);
        r.category = "/page" + std::to_string(i);
        rows.push_back(r);
    }
    panel->appendRows(rows);
    settle(panel.get());
    QStringList cats = bar->categories();
    QCOMPARE(cats.size(), 20);
    for (int i = 1; i < cats.size(); ++i)
        QVERIFY(bar->categoryValue(cats[i - 1]) >= bar->categoryValue(cats[i]));
    QCOMPARE(bar->categoryValue(cats.front()), 24.0);
    panel->setOptions({{"top_n", 3}});
    QCOMPARE(bar->categories().size(), 3);
    // A newer early firing takes the lead, lighter until final.
    ChartRow early = row(kT0 + 10 * kSec, "", 100, false);
    early.category = "/page0";
    panel->appendRows({early});
    QCOMPARE(bar->categories().front(), QString("/page0"));
    QVERIFY(!bar->isCategoryFinal("/page0"));
    settle(panel.get());
    auto bars = plotOf(panel.get())->findChildren<QCPBars*>();
    QCOMPARE(bars.size(), 2);
}

void TstCharts::gaugeValueTrendAndThresholds() {
    auto panel = makePanel(configFor("gauge"), {300, 220});
    auto* gauge = qobject_cast<GaugePanel*>(panel.get());
    QVERIFY(gauge);
    panel->setOptions({{"unit", "ms"}, {"warn_at", 100}, {"alert_at", 200}});
    panel->appendRows({row(kT0, "", 80), row(kT0 + kSec, "", 120)});
    QCOMPARE(gauge->value(), 120.0);
    QCOMPARE(gauge->trend(), 1);
    QCOMPARE(gauge->level(), GaugePanel::Level::Warn);
    QCOMPARE(gauge->valueText(), QString("120 ms"));
    panel->appendRows({row(kT0 + 2 * kSec, "", 250, false)});
    QCOMPARE(gauge->level(), GaugePanel::Level::Alert);
    panel->appendRows({row(kT0 + 2 * kSec, "", 90, true)});
    QCOMPARE(gauge->value(), 90.0);
    QCOMPARE(gauge->trend(), -1);
    QCOMPARE(gauge->level(), GaugePanel::Level::Normal);
    QCOMPARE(gauge->sparkline(), std::vector<double>({80, 120, 90}));
    panel->setOptions({{"warn_at", 20}, {"alert_at", 10}});  // low is bad
    panel->appendRows({row(kT0 + 3 * kSec, "", 8)});
    QCOMPARE(gauge->level(), GaugePanel::Level::Alert);
}

void TstCharts::tableNewestFirstBoundedAndSortable() {
    ChartConfig config = configFor("table");
    config.columns = {"time", "page", "clicks"};
    auto panel = makePanel(config);
    auto* table = qobject_cast<TablePanel*>(panel.get());
    QVERIFY(table);
    std::vector<ChartRow> rows;
    for (int i = 0; i < 1200; ++i) {
        ChartRow r = row(kT0 + i * kSec, "", i);
        r.cells = {std::to_string(i), "/p" + std::to_string(i % 7), std::to_string((i * 13) % 101)};
        rows.push_back(r);
    }
    panel->appendRows({rows.begin(), rows.begin() + 700});
    panel->renderFrame();
    panel->appendRows({rows.begin() + 700, rows.end()});
    panel->renderFrame();
    QCOMPARE(table->rowCount(), TablePanel::kMaxRows);
    QCOMPARE(table->rowAt(0).front(), QString("1199"));
    QCOMPARE(table->rowAt(999).front(), QString("200"));
    QCOMPARE(table->columns(), QStringList({"time", "page", "clicks"}));
    // Clicking the header sorts numerically.
    QHeaderView* header = table->view()->horizontalHeader();
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {},
                      QPoint(header->sectionViewportPosition(2) + 5, header->height() / 2));
    QCOMPARE(table->rowAt(0)[2], QString("0"));
    QCOMPARE(table->rowAt(999)[2], QString("100"));
    for (int i = 1; i < 1000; ++i)
        QVERIFY(table->rowAt(i - 1)[2].toInt() <= table->rowAt(i)[2].toInt());
}

void TstCharts::histogramBinCounts() {
    auto panel = makePanel(configFor("histogram"));
    auto* hist = qobject_cast<HistogramPanel*>(panel.get());
    QVERIFY(hist);
    panel->setOptions({{"bins", 10}});
    std::vector<ChartRow> rows;
    for (int i = 0; i < 100; ++i) rows.push_back(row(kT0 + i * kSec, "a", i + 0.5));
    rows.push_back(row(kT0 + 5 * kSec, "b", 50, false));  // an early firing...
    panel->appendRows(rows);
    panel->appendRows({row(kT0 + 5 * kSec, "b", 95, true)});  // ...replaced by the final value
    settle(panel.get());
    const auto counts = hist->binCounts();
    QCOMPARE(int(counts.size()), 10);
    for (int i = 0; i < 9; ++i) QCOMPARE(counts[size_t(i)], 10);
    QCOMPARE(counts[9], 11);
    QCOMPARE(hist->binRange(), std::make_pair(0.5, 99.5));
    QCOMPARE(panel->csvTable().size(), size_t(11));
    QCOMPARE(panel->options().value("bins", 0), 10);
}

void TstCharts::heatmapCellValues() {
    auto panel = makePanel(configFor("heatmap"));
    auto* heat = qobject_cast<HeatmapPanel*>(panel.get());
    QVERIFY(heat);
    std::vector<ChartRow> rows;
    for (int m = 0; m < 10; ++m)
        for (int p = 0; p < 3; ++p)
            rows.push_back(row(kT0 + m * 60 * kSec, "/p" + std::to_string(p), m * 10 + p));
    rows.push_back(row(kT0 + 9 * 60 * kSec, "/p1", 1000, false));
    panel->appendRows(rows);
    settle(panel.get());
    QCOMPARE(heat->seriesNames(), QStringList({"/p0", "/p1", "/p2"}));
    QCOMPARE(heat->cellValue(kT0 + 3 * 60 * kSec, "/p2"), 32.0);
    QCOMPARE(heat->cellValue(kT0 + 9 * 60 * kSec, "/p1"), 91.0);  // final kept over early
    auto* map = qobject_cast<QCPColorMap*>(plotOf(panel.get())->plottable(0));
    QVERIFY(map);
    QCOMPARE(map->data()->keySize(), 10);
    QCOMPARE(map->data()->valueSize(), 3);
    QCOMPARE(map->data()->cell(3, 2), 32.0);
    QCOMPARE(map->data()->cell(7, 0), 70.0);
    QCOMPARE(map->dataRange().upper, 92.0);
}

void TstCharts::exportsAreValidFiles() {
    QTemporaryDir dir;
    for (const char* kind : {"timeseries", "bar", "gauge", "table", "histogram", "heatmap"}) {
        auto panel = makePanel(configFor(kind));
        std::vector<ChartRow> rows = pageRows();
        for (ChartRow& r : rows) {
            r.category = r.series;
            r.cells = {chart::isoUtc(r.time).toStdString(), r.series, "1"};
        }
        panel->appendRows(rows);
        settle(panel.get());
        const QString base = dir.filePath(kind);
        QVERIFY(panel->exportPng(base + ".png", 800, 450));
        const QByteArray png = readAll(base + ".png");
        QVERIFY2(png.startsWith("\x89PNG\r\n\x1a\n"), kind);
        QVERIFY(png.size() > 3000);
        QImage image(base + ".png");
        QCOMPARE(image.size(), QSize(800, 450));

        QVERIFY(panel->exportPdf(base + ".pdf"));
        const QByteArray pdf = readAll(base + ".pdf");
        QVERIFY(pdf.startsWith("%PDF-"));
        QVERIFY(pdf.size() > 1000);
        QVERIFY(pdf.trimmed().endsWith("%%EOF"));

        QVERIFY(panel->exportSvg(base + ".svg"));
        QFile svg(base + ".svg");
        QVERIFY(svg.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&svg);
        QVERIFY(xml.readNextStartElement());
        QCOMPARE(xml.name().toString(), QString("svg"));
        int elements = 0;
        while (!xml.atEnd()) {
            if (xml.readNext() == QXmlStreamReader::StartElement) ++elements;
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(elements > 10);
    }
}

void TstCharts::csvHasExactHeaderAndRows() {
    QTemporaryDir dir;
    auto panel = makePanel(configFor("timeseries"));
    panel->appendRows({row(kT0, "/a,b", 1.5), row(kT0 + 1500, "say \"hi\"", 2, false),
                       row(kT0 + kSec, "/a,b", std::nan(""))});
    QVERIFY(panel->exportCsv(dir.filePath("ts.csv")));
    QCOMPARE(QString::fromUtf8(readAll(dir.filePath("ts.csv"))),
             QString("time,series,value,final\r\n"
                     "2026-11-24T10:00:00.000Z,\"/a,b\",1.5,true\r\n"
                     "2026-11-24T10:00:00.001Z,\"say \"\"hi\"\"\",2,false\r\n"
                     "2026-11-24T10:00:01.000Z,\"/a,b\",,true\r\n"));

    auto bar = makePanel(configFor("bar"));
    ChartRow a = row(kT0, "", 3), b = row(kT0, "", 7);
    a.category = "x";
    b.category = "y";
    bar->appendRows({a, b});
    QVERIFY(bar->exportCsv(dir.filePath("bar.csv")));
    QCOMPARE(QString::fromUtf8(readAll(dir.filePath("bar.csv"))),
             QString("page,clicks,final\r\ny,7,true\r\nx,3,true\r\n"));

    ChartConfig tc = configFor("table");
    tc.columns = {"time", "note"};
    auto table = makePanel(tc);
    ChartRow r1 = row(kT0, "", 0), r2 = row(kT0 + kSec, "", 0);
    r1.cells = {"t1", "plain"};
    r2.cells = {"t2", "line\nbreak"};
    table->appendRows({r1, r2});
    table->renderFrame();
    QVERIFY(table->exportCsv(dir.filePath("table.csv")));
    QCOMPARE(QString::fromUtf8(readAll(dir.filePath("table.csv"))),
             QString("time,note\r\nt2,\"line\nbreak\"\r\nt1,plain\r\n"));
}

void TstCharts::screenshots() {
    for (const auto& [name, palette] :
         {std::pair<const char*, QPalette>{"light", QPalette()},
          std::pair<const char*, QPalette>{"dark", theme::darkPalette()}}) {
        for (const char* kind : {"timeseries", "bar", "gauge", "table", "histogram", "heatmap"}) {
            ChartConfig config = configFor(kind);
            config.columns = {"window_end", "page", "clicks"};
            auto panel =
                makePanel(config, kind == std::string("gauge") ? QSize(320, 220) : QSize(640, 360));
            panel->setPalette(palette);
            if (kind == std::string("gauge"))
                panel->setOptions({{"unit", "ms"}, {"warn_at", 300}, {"alert_at", 500}});
            if (kind == std::string("timeseries")) panel->setOptions({{"unit", "/10 s"}});
            panel->setTimeSpanUs(0);
            std::vector<ChartRow> rows = pageRows();
            for (ChartRow& r : rows) {
                r.category = r.series;
                r.cells = {chart::isoUtc(r.time).toStdString(), r.series,
                           QString::number(r.values[0]).toStdString()};
            }
            if (kind == std::string("gauge")) {
                rows.clear();
                for (int i = 0; i < 40; ++i)
                    rows.push_back(
                        row(kT0 + i * kSec, "", 200 + 80 * std::sin(i / 4.0) + i * 3, i < 39));
            }
            if (kind == std::string("histogram")) {
                rows.clear();
                for (int i = 0; i < 5000; ++i)
                    rows.push_back(
                        row(kT0 + i * 1000, "",
                            120 + 40 * std::sin(i * 0.37) * std::cos(i * 0.011) + (i % 23)));
            }
            panel->appendRows(rows);
            panel->setDroppedRows(kind == std::string("timeseries") ? 12'300 : 0);
            settle(panel.get());
            settle(panel.get());
            QVERIFY(panel->grab().save(QString("/tmp/charts-%1-%2.png").arg(kind, name)));
        }
    }
}

void TstCharts::tickLabelsStandApartAtAnyWidth() {
    // Seen: "02.004.006.008.0010.0 K" under a bar chart 300 px wide.
    for (const QSize size : {QSize(260, 200), QSize(420, 240), QSize(900, 320)}) {
        auto bar = makePanel(configFor("bar"), size);
        std::vector<ChartRow> rows;
        for (int i = 0; i < 8; ++i) {
            ChartRow r = row(kT0, "", 10300.0 / (i + 1));
            r.category = "/page" + std::to_string(i);
            rows.push_back(r);
        }
        bar->appendRows(rows);
        settle(bar.get());
        plotOf(bar.get())->replot();
        const QString barTicks = overlappingTicks(plotOf(bar.get())->xAxis);
        QVERIFY2(barTicks.isEmpty(),
                 qPrintable(QString("%1 px: %2").arg(size.width()).arg(barTicks)));
        QVERIFY(plotOf(bar.get())->xAxis->tickVector().size() >= 2);
        for (const QString& label : plotOf(bar.get())->xAxis->tickVectorLabels())
            QVERIFY2(!label.contains(".00"), qPrintable(label));  // "2 K", not "2.00 K"

        auto ts = makePanel(configFor("timeseries"), size);
        ts->appendRows(pageRows());
        settle(ts.get());
        plotOf(ts.get())->replot();
        const QString timeTicks = overlappingTicks(plotOf(ts.get())->xAxis);
        QVERIFY2(timeTicks.isEmpty(),
                 qPrintable(QString("%1 px: %2").arg(size.width()).arg(timeTicks)));
    }
}

void TstCharts::barValueLabelsFitTheirPanel() {
    // Seen: "10.3" for 10.3 K, the rest cut at the panel's edge.
    auto panel = makePanel(configFor("bar"), {280, 220});
    std::vector<ChartRow> rows;
    for (int i = 0; i < 5; ++i) {
        ChartRow r = row(kT0, "", 10300.0 - i * 2000);
        r.category = "/p" + std::to_string(i);
        rows.push_back(r);
    }
    panel->appendRows(rows);
    settle(panel.get());
    QCustomPlot* plot = plotOf(panel.get());
    plot->replot();
    settle(panel.get());  // the axis rect's width is known after the first layout
    plot->replot();
    const auto labels = plot->findChildren<QCPItemText*>();
    QVERIFY(!labels.isEmpty());
    bool sawLargest = false;
    for (QCPItemText* label : labels) {
        if (!label->visible()) continue;
        const double right = label->position->pixelPosition().x() +
                             QFontMetrics(label->font()).horizontalAdvance(label->text());
        QVERIFY2(right <= plot->axisRect()->right() + 1,
                 qPrintable(QString("%1 ends at %2, the axis at %3")
                                .arg(label->text())
                                .arg(right)
                                .arg(plot->axisRect()->right())));
        sawLargest = sawLargest || label->text().trimmed() == "10.3 K";
    }
    QVERIFY(sawLargest);
}

void TstCharts::gaugeCaptionFitsANarrowPanel() {
    ChartConfig config = configFor("gauge");
    config.y = {"unique_users_per_minute_in_the_shop"};
    auto panel = makePanel(config, {170, 150});
    auto* gauge = qobject_cast<GaugePanel*>(panel.get());
    panel->appendRows({row(kT0, "", 4000), row(kT0 + 60 * kSec, "", 4030, false)});
    settle(panel.get());
    QVERIFY2(gauge->captionWidth() <= panel->width() - 16,
             qPrintable(QString("%1: %2 px").arg(gauge->captionText()).arg(gauge->captionWidth())));
    QVERIFY(gauge->captionText().contains("…"));
    QVERIFY(gauge->captionText().endsWith("(so far)"));  // what matters stays whole
    // With room, the name is whole.
    panel->resize(700, 300);
    settle(panel.get());
    QVERIFY(gauge->captionText().startsWith("unique_users_per_minute_in_the_shop"));
}

void TstCharts::tableColumnsAllShowInANarrowPanel() {
    // Seen: only `_time` in view, the other columns behind a scrollbar.
    ChartConfig config = configFor("table");
    config.columns = {"_time", "window_start", "window_end", "step", "users", "conversion"};
    auto panel = makePanel(config, {420, 240});
    auto* table = qobject_cast<TablePanel*>(panel.get());
    std::vector<ChartRow> rows;
    for (int i = 0; i < 4; ++i) {
        ChartRow r = row(kT0 + i * 60 * kSec, "", i);
        r.cells = {"2026-11-24T10:0" + std::to_string(i) + ":00.000Z",
                   "2026-11-24T10:0" + std::to_string(i) + ":00.000Z",
                   "2026-11-24T10:0" + std::to_string(i + 1) + ":00.000Z",
                   "checkout",
                   std::to_string(1200 + i),
                   "0.031"};
        rows.push_back(r);
    }
    panel->appendRows(rows);
    settle(panel.get());
    QTableView* view = table->view();
    int total = 0;
    for (int c = 0; c < 6; ++c) total += view->columnWidth(c);
    QVERIFY2(total <= view->viewport()->width(),
             qPrintable(QString("%1 > %2").arg(total).arg(view->viewport()->width())));
    // Times read as times of day; the full value is in the tooltip (and the CSV).
    const QModelIndex first = view->model()->index(0, 0);
    QCOMPARE(first.data(Qt::DisplayRole).toString(), QString("10:03:00"));
    QCOMPARE(first.data(Qt::ToolTipRole).toString(), QString("2026-11-24T10:03:00.000Z"));
    QCOMPARE(table->csvTable()[1].front(), QString("2026-11-24T10:03:00.000Z"));
}

void TstCharts::manySeriesDrawTheLargestWithACompactLegend() {
    // Seen: a time series grouped by page drew ~300 series as a cloud of dots with no legend.
    auto panel = makePanel(configFor("timeseries"), {640, 360});
    auto* ts = qobject_cast<TimeseriesPanel*>(panel.get());
    std::vector<ChartRow> rows;
    for (int w = 0; w < 6; ++w)
        for (int p = 0; p < 300; ++p)
            rows.push_back(row(kT0 + w * 10 * kSec, "/page/" + std::to_string(p), p + 1));
    panel->appendRows(rows);
    settle(panel.get());
    QCOMPARE(ts->seriesNames().size(), 300);
    const QStringList drawn = ts->drawnSeries();
    QCOMPARE(drawn.size(), 10);
    QCOMPARE(drawn.front(), QString("/page/299"));  // the largest first
    QCOMPARE(drawn.back(), QString("/page/290"));
    QCOMPARE(ts->drawnPointCount("/page/5"), 0);
    // Two legend rows at most: the largest, then how many are left out.
    const QStringList legend = ts->legendEntries();
    const int columns = std::max(1, panel->width() / 96);
    QVERIFY(legend.size() <= 2 * columns);
    QCOMPARE(legend.last(), QString("+%1 more").arg(300 - (legend.size() - 1)));
    QCOMPARE(legend.first(), QString("/page/299"));
    QVERIFY(plotOf(panel.get())->legend->visible());
    // max_series shows more.
    panel->setOptions({{"max_series", 50}});
    settle(panel.get());
    QCOMPARE(ts->drawnSeries().size(), 50);
}

void TstCharts::everyOptionAPanelReadsIsDeclaredInItsSpec() {
    // The project loader refuses parameters a node does not declare, so an option a panel reads
    // without its spec declaring it could never be set.
    const NodeRegistry& registry = builtinNodeRegistry();
    for (const char* kind : {"timeseries", "bar", "gauge", "table", "histogram", "heatmap"}) {
        ChartConfig config = configFor(kind);
        config.columns = {"window_end", "page", "clicks"};
        auto panel = makePanel(config);
        std::vector<ChartRow> rows = pageRows();
        for (ChartRow& r : rows) {
            r.category = r.series;
            r.cells = {"2026-11-24T10:00:00.000Z", r.series, "1"};
        }
        panel->setOptions(Json::object());
        panel->appendRows(rows);
        settle(panel.get());
        const NodeSpec* spec = registry.find(std::string("sink.chart.") + kind);
        QVERIFY(spec);
        for (const QString& key : panel->optionsRead())
            QVERIFY2(spec->param(key.toStdString()),
                     qPrintable(QString("%1 reads `%2`").arg(kind, key)));
        QVERIFY(kind == std::string("table") || !panel->optionsRead().isEmpty());
    }
}

QTEST_MAIN(TstCharts)
#include "tst_charts.moc"
