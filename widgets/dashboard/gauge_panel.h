#pragma once
// The `gauge` chart kind: the latest value as a big number with its unit, an arrow for the trend
// against the previous final value, a sparkline of recent values, and threshold colours
// (`warn_at` amber, `alert_at` red; when alert_at < warn_at, low values are the bad ones).
//
// Threading: GUI thread only.
#include <map>

#include "widgets/dashboard/chart_panel.h"

class QCPTextElement;
class QCPGraph;

namespace riffle {

class GaugePanel : public ChartPanel {
    Q_OBJECT
public:
    enum class Level { Normal, Warn, Alert };

    GaugePanel(const ChartConfig& config, QWidget* parent = nullptr);

    // The newest value (NaN when none).
    double value() const;
    // +1 up, -1 down, 0 flat or unknown: the newest value against the previous final one.
    int trend() const;
    Level level() const;
    QString valueText() const;
    // The caption under the number (name, trend, "so far") as drawn, and its width in pixels.
    QString captionText() const;
    int captionWidth() const;
    // Values the sparkline shows, oldest first.
    std::vector<double> sparkline() const;
    std::vector<QStringList> csvTable() const override;

protected:
    void onRows(const std::vector<ChartRow>& rows) override;
    void draw() override;
    void onClear() override;
    void onThemeChanged() override;

private:
    struct Entry {
        double value = 0;
        bool final = true;
    };
    std::map<TimeUs, Entry> m_values;  // by time; the newest kSparkline kept
    QCPTextElement* m_valueText = nullptr;
    QCPTextElement* m_detailText = nullptr;
    QCPGraph* m_spark = nullptr;
};

}  // namespace riffle
