#include "widgets/dashboard/bar_panel.h"

#include <qcustomplot.h>
#include <algorithm>
#include <cmath>

#include "nodes/charts/chart_options.h"
#include "widgets/dashboard/chart_theme.h"
#include "widgets/style/theme.h"

namespace riffle {

BarPanel::BarPanel(const ChartConfig& config, QWidget* parent) : ChartPanel(config, parent) {
    QCustomPlot* p = createPlot();
    // Categories on the left axis, values along the bottom.
    m_finalBars = new QCPBars(p->yAxis, p->xAxis);
    m_pendingBars = new QCPBars(p->yAxis, p->xAxis);
    m_finalBars->setWidth(0.7);
    m_pendingBars->setWidth(0.7);
    p->yAxis->setRangeReversed(true);
    p->yAxis->grid()->setVisible(false);
    p->yAxis->setTickLength(0, 0);
    p->yAxis->setPadding(8);
    p->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new chart::ValueTicker));
    p->xAxis->ticker()->setTickCount(5);
    onThemeChanged();
    onOptionsChanged();
}

void BarPanel::onRows(const std::vector<ChartRow>& rows) {
    for (const ChartRow& row : rows) {
        const QString category =
            QString::fromStdString(!row.category.empty() ? row.category : row.series);
        const double value = row.values.empty() ? std::nan("") : row.values.front();
        auto it = m_values.find(category);
        if (it != m_values.end()) {
            Entry& e = it->second;
            if (row.time < e.time) continue;
            // An early firing arriving after the final row of its window does not undo it.
            if (row.time == e.time && e.final && !row.final) continue;
        }
        m_values[category] = Entry{value, row.time, row.final};
    }
}

void BarPanel::onClear() {
    m_values.clear();
}

void BarPanel::onOptionsChanged() {
    const QString unit = optionString(chart_option::kUnit, QString());
    QString label = QString::fromStdString(config().y.empty() ? std::string() : config().y[0]);
    if (!unit.isEmpty()) label = label.isEmpty() ? unit : label + " (" + unit + ")";
    plot()->xAxis->setLabel(label);
}

void BarPanel::onThemeChanged() {
    const QColor c = chart::seriesColor(0);
    const QColor base = palette().color(QPalette::Base);
    m_finalBars->setPen(Qt::NoPen);
    m_finalBars->setBrush(c);
    m_pendingBars->setPen(QPen(c, 1, Qt::DashLine));
    m_pendingBars->setBrush(theme::mix(c, base, 0.6));
    for (QCPItemText* label : m_labels) label->setColor(chart::mutedTextColor(palette()));
}

std::vector<std::pair<QString, BarPanel::Entry>> BarPanel::sorted() const {
    std::vector<std::pair<QString, Entry>> all(m_values.begin(), m_values.end());
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        const double va = std::isnan(a.second.value) ? -INFINITY : a.second.value;
        const double vb = std::isnan(b.second.value) ? -INFINITY : b.second.value;
        return va > vb;
    });
    return all;
}

QStringList BarPanel::categories() const {
    QStringList out;
    const auto all = sorted();
    const int n = std::min<int>(int(all.size()), std::max(1, optionInt(chart_option::kTopN, 20)));
    for (int i = 0; i < n; ++i) out << all[size_t(i)].first;
    return out;
}

double BarPanel::categoryValue(const QString& category) const {
    auto it = m_values.find(category);
    return it == m_values.end() ? std::nan("") : it->second.value;
}

bool BarPanel::isCategoryFinal(const QString& category) const {
    auto it = m_values.find(category);
    return it != m_values.end() && it->second.final;
}

void BarPanel::draw() {
    QCustomPlot* p = plot();
    const auto all = sorted();
    const int n = std::min<int>(int(all.size()), std::max(1, optionInt(chart_option::kTopN, 20)));
    QVector<double> keys, finals, pendings;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    double maxValue = 0, minValue = 0;
    int labelWidth = 0;  // the widest value label, in pixels
    while (m_labels.size() < n) {
        auto* label = new QCPItemText(p);
        label->setClipToAxisRect(false);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        label->position->setAxes(p->xAxis, p->yAxis);
        label->setFont(theme::scaledFont(font(), 0.85));
        label->setColor(chart::mutedTextColor(palette()));
        m_labels << label;
    }
    for (int i = 0; i < m_labels.size(); ++i) m_labels[i]->setVisible(i < n);
    for (int i = 0; i < n; ++i) {
        const auto& [category, e] = all[size_t(i)];
        const double v = std::isnan(e.value) ? 0 : e.value;
        keys << i;
        finals << (e.final ? v : 0);
        pendings << (e.final ? 0 : v);
        QString shown = category;
        if (shown.size() > 28) shown = shown.left(27) + QStringLiteral("…");
        ticker->addTick(i, shown);
        maxValue = std::max(maxValue, v);
        minValue = std::min(minValue, v);
        m_labels[i]->position->setCoords(v, i);
        m_labels[i]->setText(QStringLiteral(" ") + chart::formatValue(e.value));
        labelWidth = std::max(
            labelWidth, QFontMetrics(m_labels[i]->font()).horizontalAdvance(m_labels[i]->text()));
    }
    p->yAxis->setTicker(ticker);
    m_finalBars->setData(keys, finals, true);
    m_pendingBars->setData(keys, pendings, true);
    p->yAxis->setRange(-0.6, std::max(n, 1) - 0.4);
    const double lo =
        hasOptionNumber(chart_option::kYMin) ? optionNumber(chart_option::kYMin, 0) : minValue;
    // Room on the right for the longest value label: the largest bar ends that many pixels
    // (and a little more) before the axis does.
    double hi = hasOptionNumber(chart_option::kYMax) ? optionNumber(chart_option::kYMax, 1)
                                                     : (maxValue > 0 ? maxValue : 1);
    if (!hasOptionNumber(chart_option::kYMax)) {
        const double axisPx = std::max(60, p->axisRect()->width());
        const double barPx = std::max(axisPx * 0.4, axisPx - labelWidth - 10);
        hi = lo + (hi - lo) * axisPx / barPx;
    }
    p->xAxis->setRange(lo, hi);
    replot();
}

std::vector<QStringList> BarPanel::csvTable() const {
    std::vector<QStringList> table;
    const std::string y = config().y.empty() ? std::string("value") : config().y[0];
    table.push_back({QString::fromStdString(config().x.empty() ? "category" : config().x),
                     QString::fromStdString(y), QStringLiteral("final")});
    for (const auto& [category, e] : sorted()) {
        table.push_back({category, chart::numberText(e.value),
                         e.final ? QStringLiteral("true") : QStringLiteral("false")});
    }
    return table;
}

}  // namespace riffle
