#include "widgets/dashboard/heatmap_panel.h"

#include <qcustomplot.h>
#include <QToolTip>
#include <cmath>
#include <set>

#include "nodes/charts/chart_options.h"
#include "widgets/dashboard/chart_theme.h"
#include "widgets/style/theme.h"

namespace riffle {

HeatmapPanel::HeatmapPanel(const ChartConfig& config, QWidget* parent)
    : ChartPanel(config, parent) {
    QCustomPlot* p = createPlot();
    p->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new chart::TimeTicker));
    p->xAxis->ticker()->setTickCount(6);
    p->yAxis->setRangeReversed(true);
    p->yAxis->setTickLength(0, 0);
    p->yAxis->grid()->setVisible(false);
    p->xAxis->grid()->setVisible(false);
    m_map = new QCPColorMap(p->xAxis, p->yAxis);
    m_map->setInterpolate(false);
    m_map->setTightBoundary(false);
    m_scale = new QCPColorScale(p);
    m_scale->setType(QCPAxis::atRight);
    m_scale->setBarWidth(8);
    m_scale->axis()->setTicker(QSharedPointer<QCPAxisTicker>(new chart::ValueTicker));
    p->plotLayout()->addElement(0, 1, m_scale);
    m_map->setColorScale(m_scale);
    auto* group = new QCPMarginGroup(p);
    p->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, group);
    m_scale->setMarginGroup(QCP::msTop | QCP::msBottom, group);
    enableTimeAxis();
    chart::applyTheme(p, palette());
    onThemeChanged();
    connect(p, &QCustomPlot::mouseMove, this, &HeatmapPanel::showTooltip);
}

void HeatmapPanel::showTooltip(QMouseEvent* event) {
    QCustomPlot* p = plot();
    if (event->buttons() != Qt::NoButton || m_drawnKeys.isEmpty() ||
        !p->axisRect()->rect().contains(event->pos())) {
        QToolTip::hideText();
        return;
    }
    const int row = int(std::lround(p->yAxis->pixelToCoord(event->pos().y())));
    const double x = p->xAxis->pixelToCoord(event->pos().x()) * 1e6;
    const int64_t column = int64_t(std::llround((x - double(m_drawnFirst)) / double(m_drawnStep)));
    if (row < 0 || row >= m_drawnKeys.size() || column < 0) {
        QToolTip::hideText();
        return;
    }
    // The cells of that column (several time steps when columns were merged); the largest shows.
    const TimeUs from = m_drawnFirst + column * m_drawnStep;
    const std::string key = m_drawnKeys[row].toStdString();
    double best = std::nan("");
    bool final = true;
    for (auto it = m_cells.lower_bound(from); it != m_cells.end() && it->first < from + m_drawnStep;
         ++it) {
        auto c = it->second.find(key);
        if (c == it->second.end() || std::isnan(c->second.value)) continue;
        if (std::isnan(best) || c->second.value > best) {
            best = c->second.value;
            final = c->second.final;
        }
    }
    if (std::isnan(best)) {
        QToolTip::hideText();
        return;
    }
    QString text =
        QStringLiteral("<b>%1</b><br/>%2<br/>%3")
            .arg(m_drawnKeys[row].toHtmlEscaped(), chart::isoUtc(from), chart::numberText(best));
    if (!final) text += tr(" (in progress)");
    QToolTip::showText(event->globalPosition().toPoint(), text, p);
}

void HeatmapPanel::onThemeChanged() {
    // Sequential, one hue: low values near the background, high values strong.
    const bool dark = theme::isDark(palette());
    const QColor base = palette().color(QPalette::Base);
    QCPColorGradient gradient;
    gradient.clearColorStops();
    gradient.setColorStopAt(0, theme::mix(base, QColor(0x4E79A7), 0.15));
    gradient.setColorStopAt(0.5, QColor(0x4E79A7));
    gradient.setColorStopAt(1, dark ? QColor(0xD7, 0xE9, 0xF9) : QColor(0x1A, 0x2F, 0x4F));
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    m_map->setGradient(gradient);
    const QColor muted = chart::mutedTextColor(palette());
    QCPAxis* axis = m_scale->axis();
    axis->setBasePen(Qt::NoPen);
    axis->setTickPen(QPen(muted));
    axis->setSubTickPen(Qt::NoPen);
    axis->setTickLabelColor(muted);
    axis->setTickLabelFont(theme::scaledFont(font(), 0.85));
    axis->grid()->setVisible(false);
}

void HeatmapPanel::onRows(const std::vector<ChartRow>& rows) {
    TimeUs newest = m_cells.empty() ? kMinTime : m_cells.rbegin()->first;
    for (const ChartRow& row : rows) {
        const std::string& key = !row.category.empty() ? row.category : row.series;
        const double v = row.values.empty() ? std::nan("") : row.values.front();
        Cell& cell = m_cells[row.time].try_emplace(key, Cell{v, row.final}).first->second;
        if (row.final || !cell.final) cell = Cell{v, row.final};
        newest = std::max(newest, row.time);
    }
    const int64_t historyUs = config().historyUs;
    if (historyUs > 0) {
        while (!m_cells.empty() && m_cells.begin()->first < newest - historyUs)
            m_cells.erase(m_cells.begin());
    }
}

void HeatmapPanel::onClear() {
    m_cells.clear();
}

QStringList HeatmapPanel::seriesNames() const {
    std::set<std::string> keys;
    for (const auto& [time, row] : m_cells)
        for (const auto& [key, cell] : row) keys.insert(key);
    QStringList out;
    for (const std::string& k : keys) out << QString::fromStdString(k);
    return out;
}

double HeatmapPanel::cellValue(TimeUs time, const QString& key) const {
    auto t = m_cells.find(time);
    if (t == m_cells.end()) return std::nan("");
    auto c = t->second.find(key.toStdString());
    return c == t->second.end() ? std::nan("") : c->second.value;
}

void HeatmapPanel::draw() {
    QStringList keys = seriesNames();
    if (keys.size() > kMaxRows) keys = keys.mid(0, kMaxRows);
    if (m_cells.empty() || keys.isEmpty()) {
        m_drawnKeys.clear();
        m_map->data()->clear();
        replot();
        return;
    }
    const TimeUs first = m_cells.begin()->first;
    const TimeUs last = m_cells.rbegin()->first;
    TimeUs step = 0;
    TimeUs previous = first;
    for (const auto& [time, row] : m_cells) {
        if (time > previous && (step == 0 || time - previous < step)) step = time - previous;
        previous = time;
    }
    if (step <= 0) step = 1'000'000;
    int64_t columns = (last - first) / step + 1;
    if (columns > kMaxColumns) {
        step *= (columns + kMaxColumns - 1) / kMaxColumns;
        columns = (last - first) / step + 1;
    }
    QHash<QString, int> rowOf;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (int i = 0; i < keys.size(); ++i) {
        rowOf.insert(keys[i], i);
        ticker->addTick(i, keys[i].size() > 24 ? keys[i].left(23) + QStringLiteral("…") : keys[i]);
    }
    auto* data = new QCPColorMapData(int(columns), int(keys.size()),
                                     QCPRange(first / 1e6, (first + (columns - 1) * step) / 1e6),
                                     QCPRange(0, keys.size() - 1));
    data->fill(std::nan(""));
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& [time, row] : m_cells) {
        const int column = int((time - first) / step);
        for (const auto& [key, cell] : row) {
            auto it = rowOf.find(QString::fromStdString(key));
            if (it == rowOf.end() || std::isnan(cell.value)) continue;
            const double old = data->cell(column, it.value());
            data->setCell(column, it.value(),
                          std::isnan(old) ? cell.value : std::max(old, cell.value));
            lo = std::min(lo, cell.value);
            hi = std::max(hi, cell.value);
        }
    }
    m_map->setData(data, false);
    m_drawnKeys = keys;
    m_drawnFirst = first;
    m_drawnStep = step;
    if (!(hi >= lo)) lo = hi = 0;
    if (hasOptionNumber(chart_option::kYMin)) lo = optionNumber(chart_option::kYMin, lo);
    if (hasOptionNumber(chart_option::kYMax)) hi = optionNumber(chart_option::kYMax, hi);
    m_map->setDataRange(QCPRange(lo, hi > lo ? hi : lo + 1));
    plot()->yAxis->setTicker(ticker);
    plot()->yAxis->setRange(-0.5, keys.size() - 0.5);
    replot();
}

std::vector<QStringList> HeatmapPanel::csvTable() const {
    std::vector<QStringList> table;
    table.push_back({QStringLiteral("time"), QStringLiteral("series"), QStringLiteral("value")});
    for (const auto& [time, row] : m_cells) {
        for (const auto& [key, cell] : row) {
            table.push_back(
                {chart::isoUtc(time), QString::fromStdString(key), chart::numberText(cell.value)});
        }
    }
    return table;
}

}  // namespace riffle
