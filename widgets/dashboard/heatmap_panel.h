#pragma once
// The `heatmap` chart kind: time on x, one row per series or category on y, colour = the first
// y value (e.g. views per page per minute). One column per distinct time step; when more than
// 720 steps are held, neighbouring steps share a column (their largest value shows, so hot spots
// never vanish). Follows, zooms and pans like the timeseries; hovering a cell shows its row, time
// and exact value.
//
// Threading: GUI thread only.
#include <map>
#include <string>

#include "widgets/dashboard/chart_panel.h"

class QCPColorMap;
class QMouseEvent;
class QCPColorScale;

namespace riffle {

class HeatmapPanel : public ChartPanel {
    Q_OBJECT
public:
    static constexpr int kMaxColumns = 720;
    static constexpr int kMaxRows = 100;

    HeatmapPanel(const ChartConfig& config, QWidget* parent = nullptr);

    QStringList seriesNames() const override;
    // The value held for (time, row key); NaN when none.
    double cellValue(TimeUs time, const QString& key) const;
    std::vector<QStringList> csvTable() const override;

protected:
    void onRows(const std::vector<ChartRow>& rows) override;
    void draw() override;
    void onClear() override;
    void onThemeChanged() override;

private:
    void showTooltip(QMouseEvent* event);
    struct Cell {
        double value;
        bool final;
    };
    std::map<TimeUs, std::map<std::string, Cell>> m_cells;  // by time, then row key
    // What the drawn map shows: its rows and the time of its first column and column width.
    QStringList m_drawnKeys;
    TimeUs m_drawnFirst = 0, m_drawnStep = 1;
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
};

}  // namespace riffle
