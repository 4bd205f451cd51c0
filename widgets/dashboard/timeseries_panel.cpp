#include "widgets/dashboard/timeseries_panel.h"

#include <qcustomplot.h>
#include <QToolTip>
#include <cmath>

#include "nodes/charts/chart_options.h"
#include "widgets/dashboard/chart_theme.h"
#include "widgets/style/theme.h"

namespace riffle {

namespace {

constexpr int kLegendColumnWidth = 96;   // px per legend entry, so names are not cut
constexpr int kDenseSeriesPoints = 600;  // beyond this, a series is drawn without antialiasing
constexpr int kMaxLegendRows = 2;

// What a series weighs in the visible range: the sum of its magnitudes (decimated points are
// enough to rank series).
double weight(const FrameSeries& s) {
    double w = 0;
    for (double y : s.y)
        if (!std::isnan(y)) w += std::fabs(y);
    for (size_t i = 0; i < s.tailY.size(); ++i)
        if (!std::isnan(s.tailY[i])) w += std::fabs(s.tailY[i]);
    return w;
}

}  // namespace

// The legend's last entry when it cannot list every series: "+12 more".
class TimeseriesPanel::MoreLegendItem : public QCPAbstractLegendItem {
public:
    explicit MoreLegendItem(QCPLegend* legend) : QCPAbstractLegendItem(legend) {
        setSelectable(false);
    }
    QString text;

protected:
    void draw(QCPPainter* painter) override {
        painter->setFont(mFont);
        painter->setPen(QPen(mTextColor));
        painter->drawText(mRect, Qt::AlignLeft | Qt::AlignVCenter, text);
    }
    QSize minimumOuterSizeHint() const override {
        const QFontMetrics fm(mFont);
        return QSize(fm.horizontalAdvance(text) + mMargins.left() + mMargins.right(),
                     fm.height() + mMargins.top() + mMargins.bottom());
    }
};

TimeseriesPanel::TimeseriesPanel(const ChartConfig& config, QWidget* parent)
    : ChartPanel(config, parent) {
    QCustomPlot* p = createPlot();
    p->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new chart::TimeTicker));
    p->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new chart::ValueTicker));
    p->xAxis->ticker()->setTickCount(6);
    p->yAxis->ticker()->setTickCount(5);
    // The legend goes in a row above the axis rect once it has series to list (showLegend()).
    // Until then it stays hidden in the axis rect's inset layout: an empty legend in the grid
    // would narrow the grid's column, and with it the axis rect.
    p->legend->setVisible(false);
    p->plotLayout()->insertRow(0);
    p->plotLayout()->setRowStretchFactor(0, 0.001);
    p->plotLayout()->setRowSpacing(0);
    p->legend->setFillOrder(QCPLegend::foColumnsFirst);
    p->legend->setWrap(6);
    p->legend->setMargins(QMargins(4, 2, 4, 0));
    p->legend->setIconSize(14, 4);
    p->legend->setSelectableParts(QCPLegend::spItems);
    chart::applyTheme(p, palette());
    enableTimeAxis();

    m_store = std::make_unique<SeriesStore>(config.historyUs, [this](FrameResult result) {
        QMetaObject::invokeMethod(
            this, [this, r = std::move(result)]() mutable { onFrame(std::move(r)); },
            Qt::QueuedConnection);
    });
    connect(this, &ChartPanel::followingChanged, this, [this](bool following) {
        if (following) m_store->dropLoadedHistory();
    });
    connect(p, &QCustomPlot::legendClick, this,
            [this](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
                auto* pli = qobject_cast<QCPPlottableLegendItem*>(item);
                if (!pli) return;
                const QString name = pli->plottable()->name();
                setSeriesVisible(name, !isSeriesVisible(name));
            });
    connect(p, &QCustomPlot::mouseMove, this, &TimeseriesPanel::showTooltip);
    // The axis rect's width is known only after a layout: when it differs from the width the
    // last frame was decimated for, decimate again.
    connect(p, &QCustomPlot::afterLayout, this, [this] {
        if (!m_inFlight && !m_last.series.empty() &&
            std::max(100, plot()->axisRect()->width()) != m_last.request.columns)
            markDirty();
    });
    onOptionsChanged();
}

TimeseriesPanel::~TimeseriesPanel() {
    // Stops the worker before the QObject goes: no callback can run on a half-destroyed panel.
    m_store.reset();
}

void TimeseriesPanel::keyFor(const ChartRow& row, size_t yIndex, std::string& out) const {
    const auto& ys = config().y;
    const size_t yCount = std::max<size_t>(ys.size(), row.values.size());
    const std::string yName = yIndex < ys.size() ? ys[yIndex]
                              : yIndex == 0      ? std::string("value")
                                                 : "value " + std::to_string(yIndex + 1);
    if (yCount <= 1) {
        out = row.series.empty() ? yName : row.series;
    } else {
        out = row.series.empty() ? yName : row.series + " · " + yName;
    }
}

void TimeseriesPanel::convert(const ChartRow& row, std::vector<StorePoint>& out) const {
    const size_t yCount =
        std::max<size_t>(std::max<size_t>(config().y.size(), 1), row.values.size());
    for (size_t i = 0; i < yCount; ++i) {
        StorePoint p;
        keyFor(row, i, p.key);
        p.x = row.time / 1e6;
        p.y = i < row.values.size() ? row.values[i] : std::nan("");
        p.final = row.final;
        out.push_back(std::move(p));
    }
}

void TimeseriesPanel::onRows(const std::vector<ChartRow>& rows) {
    std::vector<StorePoint> points;
    points.reserve(rows.size() * std::max<size_t>(1, config().y.size()));
    for (const ChartRow& row : rows) convert(row, points);
    m_store->appendPoints(std::move(points));
}

void TimeseriesPanel::onClear() {
    m_store->clear();
    for (auto& [key, g] : m_graphs) {
        plot()->removeGraph(g.solid);
        plot()->removeGraph(g.tail);
    }
    m_graphs.clear();
    m_colors.clear();
    m_last = FrameResult();
    showLegend(false);
}

void TimeseriesPanel::onOptionsChanged() {
    m_areas = optionString(chart_option::kStyle, QStringLiteral("lines")) == QLatin1String("areas");
    m_stacked = optionBool(chart_option::kStacked, false);
    QString label =
        QString::fromStdString(config().y.size() == 1 ? config().y.front() : std::string());
    const QString unit = optionString(chart_option::kUnit, QString());
    if (!unit.isEmpty()) label = label.isEmpty() ? unit : label + " (" + unit + ")";
    plot()->yAxis->setLabel(label);
    styleGraphs();
}

void TimeseriesPanel::onThemeChanged() {
    styleGraphs();
}

void TimeseriesPanel::setHistoryLoader(HistoryLoader loader) {
    ChartPanel::setHistoryLoader(loader);
    m_store->setHistoryLoader(
        std::move(loader),
        [this](const ChartRow& row, std::vector<StorePoint>& out) { convert(row, out); });
}

double TimeseriesPanel::oldestX() const {
    return m_last.oldestX > 0 ? m_last.oldestX : ChartPanel::oldestX();
}

void TimeseriesPanel::draw() {
    if (m_inFlight) {
        // One request at a time; the answer marks the panel dirty again.
        m_redraw = true;
        return;
    }
    FrameRequest request;
    const QCPRange range = plot()->xAxis->range();
    request.xMin = range.lower;
    request.xMax = range.upper;
    request.columns = std::max(100, plot()->axisRect()->width());
    request.stacked = m_stacked;
    m_inFlight = true;
    m_store->requestFrame(request);
}

void TimeseriesPanel::onFrame(FrameResult result) {
    m_inFlight = false;
    m_last = std::move(result);
    // The largest series in view, at most max_series of them.
    std::vector<std::pair<double, const FrameSeries*>> ranked;
    for (const FrameSeries& s : m_last.series) ranked.push_back({weight(s), &s});
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    const size_t maxSeries = size_t(std::max(1, optionInt(chart_option::kMaxSeries, 10)));
    if (ranked.size() > maxSeries) ranked.resize(maxSeries);
    QStringList keys;
    for (const auto& [w, s] : ranked) keys << QString::fromStdString(s->key);
    m_drawn = keys;
    QStringList all;
    for (const FrameSeries& s : m_last.series) all << QString::fromStdString(s.key);
    bool keysChanged = keys.size() != int(m_graphs.size());
    for (const QString& key : keys) keysChanged = keysChanged || !m_graphs.count(key);
    if (keysChanged) {
        m_colors = chart::assignColors(all);  // by every key: a series keeps its colour
        for (auto it = m_graphs.begin(); it != m_graphs.end();) {
            if (!keys.contains(it->first)) {
                plot()->removeGraph(it->second.solid);
                plot()->removeGraph(it->second.tail);
                it = m_graphs.erase(it);
            } else {
                ++it;
            }
        }
    }
    bool restyle = keysChanged;
    QVector<QCPGraphData> data;
    for (const auto& [w, sp] : ranked) {
        const FrameSeries& s = *sp;
        Graphs& g = graphsFor(QString::fromStdString(s.key));
        data.resize(int(s.x.size()));
        for (size_t i = 0; i < s.x.size(); ++i) data[int(i)] = QCPGraphData(s.x[i], s.y[i]);
        g.solid->data()->set(data, true);
        // A line needs two points: while a series has only a few, draw them as dots too.
        g.solid->setScatterStyle(s.x.size() < 3 ? QCPScatterStyle(QCPScatterStyle::ssDisc, 5)
                                                : QCPScatterStyle());
        // A decimated series has a point or two per pixel column, where antialiasing and a wide
        // pen cannot be seen but cost most of the frame.
        const bool dense = int(s.x.size()) >= kDenseSeriesPoints;
        if (g.dense != dense) {
            g.dense = dense;
            restyle = true;
        }
        // The store's tail starts at the last final point (to join a line to it); only the
        // windows in progress are drawn, as dots of their own.
        const size_t from =
            !s.x.empty() && !s.tailX.empty() && s.tailX.front() == s.x.back() ? 1 : 0;
        data.resize(int(s.tailX.size() - std::min(from, s.tailX.size())));
        for (size_t i = from; i < s.tailX.size(); ++i)
            data[int(i - from)] = QCPGraphData(s.tailX[i], s.tailY[i]);
        g.tail->data()->set(data, true);
    }
    if (restyle) styleGraphs();
    updateLegend(int(all.size()));
    updateYRange();
    replot();
    if (m_redraw) {
        m_redraw = false;
        markDirty();
    }
}

void TimeseriesPanel::updateLegend(int seriesCount) {
    QCPLegend* legend = plot()->legend;
    const int columns = std::max(1, width() / kLegendColumnWidth);
    if (legend->wrap() != columns) legend->setWrap(columns);
    // At most two rows (one on a short panel); the last place says how many are left out.
    const int rows = height() < 220 ? 1 : kMaxLegendRows;
    int listed = std::min(int(m_drawn.size()), columns * rows);
    if (listed < seriesCount) listed = std::min(listed, columns * rows - 1);
    const QStringList keys = m_drawn.mid(0, std::max(0, listed));
    const int more = seriesCount - int(keys.size());
    if (keys != m_legendKeys || (more > 0) != (m_more != nullptr)) {
        legend->clearItems();  // deletes the items, m_more among them
        m_more = nullptr;
        for (const QString& key : keys)
            if (auto it = m_graphs.find(key); it != m_graphs.end())
                legend->addItem(new QCPPlottableLegendItem(legend, it->second.solid));
        if (more > 0) {
            m_more = new MoreLegendItem(legend);
            legend->addItem(m_more);
        }
        m_legendKeys = keys;
        styleGraphs();
    }
    if (m_more) {
        m_more->text = tr("+%1 more").arg(more);
        m_more->setTextColor(chart::mutedTextColor(palette()));
        m_more->setFont(legend->font());
    }
    showLegend(seriesCount > 1 && (!keys.isEmpty() || m_more));
}

QStringList TimeseriesPanel::legendEntries() const {
    QStringList out = m_legendKeys;
    if (m_more) out << m_more->text;
    return out;
}

void TimeseriesPanel::showLegend(bool shown) {
    QCustomPlot* p = plot();
    QCPLegend* legend = p->legend;
    const bool inRow = legend->layout() == p->plotLayout();
    if (shown && !inRow) {
        p->axisRect()->insetLayout()->take(legend);
        p->plotLayout()->addElement(0, 0, legend);
    } else if (!shown && inRow) {
        p->plotLayout()->take(legend);
        p->axisRect()->insetLayout()->addElement(legend, Qt::AlignTop | Qt::AlignRight);
    }
    legend->setVisible(shown);
}

TimeseriesPanel::Graphs& TimeseriesPanel::graphsFor(const QString& key) {
    auto it = m_graphs.find(key);
    if (it != m_graphs.end()) return it->second;
    Graphs g;
    g.solid = plot()->addGraph();
    g.solid->setName(key);
    g.solid->removeFromLegend();  // updateLegend() lists the largest
    g.tail = plot()->addGraph();
    g.tail->setName(key);
    g.tail->removeFromLegend();
    g.solid->setVisible(!m_hidden.contains(key));
    g.tail->setVisible(!m_hidden.contains(key));
    return m_graphs.emplace(key, g).first->second;
}

void TimeseriesPanel::styleGraphs() {
    if (!plot()) return;
    const bool dark = theme::isDark(palette());
    const QColor base = palette().color(QPalette::Base);
    QCPGraph* below = nullptr;
    for (auto& [key, g] : m_graphs) {
        QColor c = m_colors.value(key, chart::seriesColor(0));
        const bool hidden = m_hidden.contains(key);
        g.solid->setPen(QPen(c, g.dense ? 1 : 2));
        g.solid->setAntialiased(!g.dense);
        // In progress: a hollow dot per window, no line (and no fill) to it.
        g.tail->setPen(QPen(c, 1.6));
        g.tail->setLineStyle(QCPGraph::lsNone);
        g.tail->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(c, 1.6), base, 7));
        if (m_areas || m_stacked) {
            QColor fill = c;
            fill.setAlpha(m_stacked ? (dark ? 150 : 120) : (dark ? 70 : 55));
            g.solid->setBrush(fill);
            g.solid->setChannelFillGraph(m_stacked ? below : nullptr);
        } else {
            g.solid->setBrush(Qt::NoBrush);
            g.solid->setChannelFillGraph(nullptr);
        }
        if (!hidden) below = g.solid;
        if (QCPPlottableLegendItem* item = plot()->legend->itemWithPlottable(g.solid)) {
            item->setTextColor(hidden ? chart::mutedTextColor(palette())
                                      : chart::textColor(palette()));
        }
    }
}

void TimeseriesPanel::updateYRange() {
    const bool fixedLow = hasOptionNumber(chart_option::kYMin);
    const bool fixedHigh = hasOptionNumber(chart_option::kYMax);
    double lo = optionNumber(chart_option::kYMin, 0), hi = optionNumber(chart_option::kYMax, 1);
    if (!fixedLow || !fixedHigh) {
        const QCPRange x = plot()->xAxis->range();
        bool found = false;
        double dataLo = 0, dataHi = 0;
        for (auto& [key, g] : m_graphs) {
            if (m_hidden.contains(key)) continue;
            for (QCPGraph* graph : {g.solid, g.tail}) {
                bool ok = false;
                const QCPRange r = graph->getValueRange(ok, QCP::sdBoth, x);
                if (!ok) continue;
                dataLo = found ? std::min(dataLo, r.lower) : r.lower;
                dataHi = found ? std::max(dataHi, r.upper) : r.upper;
                found = true;
            }
        }
        if (!found) {
            dataLo = 0;
            dataHi = 1;
        }
        if (m_areas || m_stacked) dataLo = std::min(dataLo, 0.0);
        if (dataHi - dataLo < 1e-12) {
            const double pad = std::max(1.0, std::fabs(dataHi) * 0.1);
            dataLo -= pad;
            dataHi += pad;
        }
        const double pad = (dataHi - dataLo) * 0.06;
        if (!fixedLow) lo = dataLo < 0 || !(m_areas || m_stacked) ? dataLo - pad : dataLo;
        if (!fixedHigh) hi = dataHi + pad;
        // Counts and rates start at zero when the data is close to it.
        if (!fixedLow && dataLo >= 0 && lo < 0) lo = 0;
    }
    plot()->yAxis->setRange(lo, hi);
}

void TimeseriesPanel::showTooltip(QMouseEvent* event) {
    if (event->buttons() != Qt::NoButton) return;
    QCustomPlot* p = plot();
    if (!p->axisRect()->rect().contains(event->pos())) {
        QToolTip::hideText();
        return;
    }
    const double key = p->xAxis->pixelToCoord(event->pos().x());
    double best = 24 * 24;  // within 24 px
    QString text;
    for (auto& [name, g] : m_graphs) {
        if (m_hidden.contains(name)) continue;
        for (QCPGraph* graph : {g.solid, g.tail}) {
            auto container = graph->data();
            if (container->isEmpty()) continue;
            auto it = container->findBegin(key, true);
            for (int step = 0; step < 2 && it != container->constEnd(); ++step, ++it) {
                const double dx = p->xAxis->coordToPixel(it->key) - event->pos().x();
                const double dy = p->yAxis->coordToPixel(it->value) - event->pos().y();
                if (std::isnan(it->value) || dx * dx + dy * dy >= best) continue;
                best = dx * dx + dy * dy;
                const bool inProgress = graph == g.tail && it != container->constBegin();
                text = QStringLiteral("<b>%1</b><br>%2%3<br>%4")
                           .arg(name.toHtmlEscaped(), QLocale().toString(it->value, 'g', 12),
                                inProgress ? tr(" (in progress)") : QString(),
                                chart::formatTime(it->key, p->xAxis->range().size() > 86400));
            }
        }
    }
    if (text.isEmpty()) {
        QToolTip::hideText();
    } else {
        QToolTip::showText(event->globalPosition().toPoint(), text, p);
    }
}

QStringList TimeseriesPanel::seriesNames() const {
    QStringList names;
    for (const std::string& key : m_store->keys()) names << QString::fromStdString(key);
    return names;
}

QColor TimeseriesPanel::seriesColor(const QString& name) const {
    if (m_colors.contains(name)) return m_colors.value(name);
    return chart::assignColors(seriesNames()).value(name);
}

std::vector<std::pair<double, double>> TimeseriesPanel::seriesPoints(const QString& name) const {
    return m_store->points(name.toStdString());
}

std::vector<bool> TimeseriesPanel::seriesFinalFlags(const QString& name) const {
    return m_store->finalFlags(name.toStdString());
}

int TimeseriesPanel::drawnPointCount(const QString& name) const {
    auto it = m_graphs.find(name);
    if (it == m_graphs.end()) return 0;
    return it->second.solid->data()->size() + it->second.tail->data()->size();
}

bool TimeseriesPanel::isSeriesVisible(const QString& name) const {
    return !m_hidden.contains(name);
}

void TimeseriesPanel::setSeriesVisible(const QString& name, bool visible) {
    if (visible) {
        m_hidden.remove(name);
    } else {
        m_hidden.insert(name);
    }
    auto it = m_graphs.find(name);
    if (it != m_graphs.end()) {
        it->second.solid->setVisible(visible);
        it->second.tail->setVisible(visible);
    }
    styleGraphs();
    updateYRange();
    replot();
}

std::pair<double, double> TimeseriesPanel::yRange() const {
    return {plot()->yAxis->range().lower, plot()->yAxis->range().upper};
}

std::vector<QStringList> TimeseriesPanel::csvTable() const {
    std::vector<QStringList> table;
    table.push_back({QStringLiteral("time"), QStringLiteral("series"), QStringLiteral("value"),
                     QStringLiteral("final")});
    std::vector<StorePoint> points = m_store->allPoints();
    std::stable_sort(points.begin(), points.end(),
                     [](const StorePoint& a, const StorePoint& b) { return a.x < b.x; });
    for (const StorePoint& p : points) {
        table.push_back({chart::isoUtc(TimeUs(std::llround(p.x * 1e6))),
                         QString::fromStdString(p.key), chart::numberText(p.y),
                         p.final ? QStringLiteral("true") : QStringLiteral("false")});
    }
    return table;
}

}  // namespace riffle
