#include "widgets/dashboard/histogram_panel.h"

#include <qcustomplot.h>
#include <cmath>

#include "nodes/charts/chart_options.h"
#include "widgets/dashboard/chart_theme.h"
#include "widgets/style/theme.h"

namespace riffle {

HistogramPanel::HistogramPanel(const ChartConfig& config, QWidget* parent)
    : ChartPanel(config, parent) {
    QCustomPlot* p = createPlot();
    m_bars = new QCPBars(p->xAxis, p->yAxis);
    m_bars->setWidthType(QCPBars::wtPlotCoords);
    p->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new chart::ValueTicker));
    p->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new chart::ValueTicker));
    p->xAxis->grid()->setVisible(false);
    p->yAxis->setLabel(tr("count"));
    onThemeChanged();
    onOptionsChanged();
}

void HistogramPanel::onOptionsChanged() {
    QString label = QString::fromStdString(config().y.empty() ? std::string() : config().y[0]);
    const QString unit = optionString(chart_option::kUnit, QString());
    if (!unit.isEmpty()) label = label.isEmpty() ? unit : label + " (" + unit + ")";
    plot()->xAxis->setLabel(label);
}

void HistogramPanel::onThemeChanged() {
    const QColor c = chart::seriesColor(0);
    m_bars->setBrush(c);
    m_bars->setPen(QPen(palette().color(QPalette::Base), 1));
}

void HistogramPanel::onRows(const std::vector<ChartRow>& rows) {
    for (const ChartRow& row : rows) {
        if (row.values.empty() || std::isnan(row.values.front())) continue;
        const double v = row.values.front();
        m_newest = std::max(m_newest, row.time);
        auto open = m_open.find({row.series, row.time});
        if (open != m_open.end() && open->second >= m_firstId) {
            m_entries[size_t(open->second - m_firstId)].value = v;
            if (row.final) m_open.erase(open);
            continue;
        }
        if (!row.final) m_open[{row.series, row.time}] = m_firstId + m_entries.size();
        m_entries.push_back({row.time, v});
    }
    const int64_t historyUs = config().historyUs;
    while (!m_entries.empty() &&
           (m_entries.size() > kMaxValues ||
            (historyUs > 0 && m_entries.front().time < m_newest - historyUs))) {
        m_entries.pop_front();
        ++m_firstId;
    }
    for (auto it = m_open.begin(); it != m_open.end();) {
        it = it->second < m_firstId ? m_open.erase(it) : std::next(it);
    }
}

void HistogramPanel::onClear() {
    m_entries.clear();
    m_open.clear();
    m_counts.clear();
    m_firstId = 0;
    m_newest = 0;
}

void HistogramPanel::draw() {
    const int bins = std::clamp(optionInt(chart_option::kBins, 30), 2, 500);  // the spec's range
    double lo = INFINITY, hi = -INFINITY;
    for (const Entry& e : m_entries) {
        lo = std::min(lo, e.value);
        hi = std::max(hi, e.value);
    }
    if (hasOptionNumber(chart_option::kYMin)) lo = optionNumber(chart_option::kYMin, lo);
    if (hasOptionNumber(chart_option::kYMax)) hi = optionNumber(chart_option::kYMax, hi);
    m_counts.assign(size_t(bins), 0);
    if (m_entries.empty() || !(hi >= lo)) {
        lo = 0;
        hi = 1;
    }
    if (hi == lo) {
        lo -= 0.5;
        hi += 0.5;
    }
    m_lo = lo;
    m_hi = hi;
    const double width = (hi - lo) / bins;
    for (const Entry& e : m_entries) {
        if (e.value < lo || e.value > hi) continue;
        const int bin = std::min(bins - 1, int((e.value - lo) / width));
        ++m_counts[size_t(bin)];
    }
    QVector<double> keys, values;
    int maxCount = 0;
    for (int i = 0; i < bins; ++i) {
        keys << lo + width * (i + 0.5);
        values << m_counts[size_t(i)];
        maxCount = std::max(maxCount, m_counts[size_t(i)]);
    }
    m_bars->setWidth(width);
    m_bars->setData(keys, values, true);
    plot()->xAxis->setRange(lo - width * 0.5, hi + width * 0.5);
    plot()->yAxis->setRange(0, std::max(1.0, maxCount * 1.08));
    replot();
}

std::vector<QStringList> HistogramPanel::csvTable() const {
    std::vector<QStringList> table;
    table.push_back(
        {QStringLiteral("bin_start"), QStringLiteral("bin_end"), QStringLiteral("count")});
    const double width = m_counts.empty() ? 0 : (m_hi - m_lo) / double(m_counts.size());
    for (size_t i = 0; i < m_counts.size(); ++i) {
        table.push_back(
            {QString::number(m_lo + width * double(i), 'g', QLocale::FloatingPointShortest),
             QString::number(m_lo + width * double(i + 1), 'g', QLocale::FloatingPointShortest),
             QString::number(m_counts[i])});
    }
    return table;
}

}  // namespace riffle
