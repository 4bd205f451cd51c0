#pragma once
// The `bar` chart kind: the latest value per category, sorted by value (largest at the top),
// the top N (option `top_n`, default 20) as horizontal bars so long category names stay
// readable. A value still in progress (an early firing) is drawn lighter.
//
// Threading: GUI thread only.
#include <map>

#include "widgets/dashboard/chart_panel.h"

class QCPBars;
class QCPItemText;

namespace riffle {

class BarPanel : public ChartPanel {
    Q_OBJECT
public:
    BarPanel(const ChartConfig& config, QWidget* parent = nullptr);

    // Categories drawn, top first (at most top_n).
    QStringList categories() const;
    double categoryValue(const QString& category) const;
    bool isCategoryFinal(const QString& category) const;
    QStringList seriesNames() const override { return categories(); }
    std::vector<QStringList> csvTable() const override;

protected:
    void onRows(const std::vector<ChartRow>& rows) override;
    void draw() override;
    void onClear() override;
    void onOptionsChanged() override;
    void onThemeChanged() override;

private:
    struct Entry {
        double value = 0;
        TimeUs time = 0;
        bool final = true;
    };
    std::vector<std::pair<QString, Entry>> sorted() const;

    std::map<QString, Entry> m_values;
    QCPBars* m_finalBars = nullptr;
    QCPBars* m_pendingBars = nullptr;
    QList<QCPItemText*> m_labels;
};

}  // namespace riffle
