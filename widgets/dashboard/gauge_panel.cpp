#include "widgets/dashboard/gauge_panel.h"

#include <qcustomplot.h>
#include <cmath>

#include "nodes/charts/chart_options.h"
#include "widgets/dashboard/chart_theme.h"
#include "widgets/style/theme.h"

namespace riffle {

namespace {

constexpr size_t kSparkline = 60;

}  // namespace

GaugePanel::GaugePanel(const ChartConfig& config, QWidget* parent) : ChartPanel(config, parent) {
    QCustomPlot* p = createPlot();
    p->plotLayout()->insertRow(0);
    p->plotLayout()->insertRow(0);
    m_valueText = new QCPTextElement(p, QStringLiteral("–"));
    m_valueText->setFont(theme::scaledFont(font(), 2.8, QFont::DemiBold));
    m_detailText = new QCPTextElement(p, QString());
    m_detailText->setFont(theme::scaledFont(font(), 0.95));
    p->plotLayout()->addElement(0, 0, m_valueText);
    p->plotLayout()->addElement(1, 0, m_detailText);
    p->plotLayout()->setRowStretchFactor(0, 0.001);
    p->plotLayout()->setRowStretchFactor(1, 0.001);
    p->plotLayout()->setRowSpacing(0);
    QCPAxisRect* spark = p->axisRect();
    spark->setMinimumSize(40, 30);
    spark->setAutoMargins(QCP::msNone);
    spark->setMargins(QMargins(16, 6, 16, 12));
    for (QCPAxis* axis : spark->axes()) axis->setVisible(false);
    m_spark = p->addGraph();
    onThemeChanged();
}

void GaugePanel::onRows(const std::vector<ChartRow>& rows) {
    for (const ChartRow& row : rows) {
        const double v = row.values.empty() ? std::nan("") : row.values.front();
        auto it = m_values.find(row.time);
        if (it != m_values.end() && it->second.final && !row.final) continue;
        m_values[row.time] = Entry{v, row.final};
    }
    while (m_values.size() > kSparkline) m_values.erase(m_values.begin());
}

void GaugePanel::onClear() {
    m_values.clear();
}

double GaugePanel::value() const {
    return m_values.empty() ? std::nan("") : m_values.rbegin()->second.value;
}

int GaugePanel::trend() const {
    if (m_values.size() < 2) return 0;
    auto it = m_values.rbegin();
    const double now = it->second.value;
    for (++it; it != m_values.rend(); ++it) {
        if (!it->second.final) continue;
        const double before = it->second.value;
        if (std::isnan(now) || std::isnan(before) || now == before) return 0;
        return now > before ? 1 : -1;
    }
    return 0;
}

GaugePanel::Level GaugePanel::level() const {
    const double v = value();
    if (std::isnan(v)) return Level::Normal;
    const bool hasWarn = hasOptionNumber(chart_option::kWarnAt);
    const bool hasAlert = hasOptionNumber(chart_option::kAlertAt);
    const double warn = optionNumber(chart_option::kWarnAt, 0);
    const double alert = optionNumber(chart_option::kAlertAt, 0);
    // Lower is worse when the alert threshold sits below the warning one.
    const bool lowIsBad = hasWarn && hasAlert && alert < warn;
    auto reached = [&](double threshold) { return lowIsBad ? v <= threshold : v >= threshold; };
    if (hasAlert && reached(alert)) return Level::Alert;
    if (hasWarn && reached(warn)) return Level::Warn;
    return Level::Normal;
}

QString GaugePanel::valueText() const {
    const QString unit = optionString(chart_option::kUnit, QString());
    const QString number = chart::formatValue(value());
    return unit.isEmpty() || std::isnan(value()) ? number : number + QLatin1Char(' ') + unit;
}

QString GaugePanel::captionText() const {
    return m_detailText->text();
}

int GaugePanel::captionWidth() const {
    return QFontMetrics(m_detailText->font()).horizontalAdvance(m_detailText->text());
}

std::vector<double> GaugePanel::sparkline() const {
    std::vector<double> out;
    for (const auto& [time, e] : m_values) out.push_back(e.value);
    return out;
}

void GaugePanel::onThemeChanged() {
    const QColor c = chart::seriesColor(0);
    QColor fill = c;
    fill.setAlpha(theme::isDark(palette()) ? 60 : 45);
    m_spark->setPen(QPen(c, 1.6));
    m_spark->setBrush(fill);
    m_detailText->setTextColor(chart::mutedTextColor(palette()));
}

void GaugePanel::draw() {
    m_valueText->setText(valueText());
    // The number is the point of a gauge: as large as the panel allows, never cut.
    QFont big = theme::scaledFont(font(), 2.8, QFont::DemiBold);
    const int room = std::max(40, width() - 16);
    while (big.pointSizeF() > font().pointSizeF() &&
           QFontMetrics(big).horizontalAdvance(valueText()) > room)
        big.setPointSizeF(big.pointSizeF() * 0.9);
    m_valueText->setFont(big);
    switch (level()) {
        case Level::Alert:
            m_valueText->setTextColor(theme::red());
            break;
        case Level::Warn:
            m_valueText->setTextColor(theme::amber());
            break;
        default:
            m_valueText->setTextColor(chart::textColor(palette()));
            break;
    }
    const QString name =
        QString::fromStdString(config().y.empty() ? config().title : config().y.front());
    QString detail = name;
    const int t = trend();
    if (t != 0) {
        auto it = m_values.rbegin();
        const double now = it->second.value;
        ++it;
        while (it != m_values.rend() && !it->second.final) ++it;
        const double delta = now - it->second.value;
        detail += QStringLiteral("   %1 %2%3")
                      .arg(t > 0 ? QStringLiteral("▲") : QStringLiteral("▼"),
                           delta > 0 ? QStringLiteral("+") : QString(), chart::formatValue(delta));
    }
    if (!m_values.empty() && !m_values.rbegin()->second.final) detail += tr("  (so far)");
    // The caption fits the panel: a smaller font down to 80 %, then cut in the middle of the name.
    QFont small = theme::scaledFont(font(), 0.95);
    const int captionRoom = std::max(40, width() - 16);
    while (small.pointSizeF() > font().pointSizeF() * 0.8 &&
           QFontMetrics(small).horizontalAdvance(detail) > captionRoom)
        small.setPointSizeF(small.pointSizeF() * 0.92);
    const QFontMetrics fm(small);
    if (fm.horizontalAdvance(detail) > captionRoom) {
        const QString rest = detail.mid(name.size());
        detail = fm.elidedText(name, Qt::ElideMiddle,
                               std::max(20, captionRoom - fm.horizontalAdvance(rest))) +
                 rest;
    }
    m_detailText->setFont(small);
    m_detailText->setText(detail);

    QVector<QCPGraphData> data;
    for (const auto& [time, e] : m_values) data.append(QCPGraphData(time / 1e6, e.value));
    m_spark->data()->set(data, true);
    m_spark->rescaleKeyAxis();
    bool ok = false;
    QCPRange r = m_spark->getValueRange(ok);
    if (ok) {
        const double pad = std::max(1e-9, r.size() * 0.1);
        plot()->yAxis->setRange(r.lower - pad, r.upper + pad);
    }
    replot();
}

std::vector<QStringList> GaugePanel::csvTable() const {
    std::vector<QStringList> table;
    table.push_back({QStringLiteral("time"),
                     QString::fromStdString(config().y.empty() ? "value" : config().y[0]),
                     QStringLiteral("final")});
    for (const auto& [time, e] : m_values) {
        table.push_back({chart::isoUtc(time), chart::numberText(e.value),
                         e.final ? QStringLiteral("true") : QStringLiteral("false")});
    }
    return table;
}

}  // namespace riffle
