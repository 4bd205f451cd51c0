#pragma once
// The `histogram` chart kind: the distribution of the first y field over the rows held live
// (the last historyUs, at most 100 K values), in `bins` equal bins (default 30) between the
// smallest and largest value (or y_min / y_max when set). Early firings of a window are replaced
// by its later rows, as everywhere.
//
// Threading: GUI thread only.
#include <deque>
#include <map>

#include "widgets/dashboard/chart_panel.h"

class QCPBars;

namespace riffle {

class HistogramPanel : public ChartPanel {
    Q_OBJECT
public:
    static constexpr size_t kMaxValues = 100'000;

    HistogramPanel(const ChartConfig& config, QWidget* parent = nullptr);

    // The counts of the last frame drawn, and the range they cover.
    std::vector<int> binCounts() const { return m_counts; }
    std::pair<double, double> binRange() const { return {m_lo, m_hi}; }
    size_t valueCount() const { return m_entries.size(); }
    std::vector<QStringList> csvTable() const override;

protected:
    void onRows(const std::vector<ChartRow>& rows) override;
    void draw() override;
    void onClear() override;
    void onThemeChanged() override;
    void onOptionsChanged() override;

private:
    struct Entry {
        TimeUs time;
        double value;
    };
    std::deque<Entry> m_entries;  // arrival order
    uint64_t m_firstId = 0;       // id of m_entries.front()
    // Early firings still replaceable: (series, time) -> entry id.
    std::map<std::pair<std::string, TimeUs>, uint64_t> m_open;
    TimeUs m_newest = 0;
    std::vector<int> m_counts;
    double m_lo = 0, m_hi = 0;
    QCPBars* m_bars = nullptr;
};

}  // namespace riffle
