#pragma once
// The `timeseries` chart kind: lines or areas over time, one series per series_by key (times y
// field when there are several), optionally stacked. The points live in a SeriesStore whose
// worker decimates them per pixel column for the visible range; the GUI thread only copies the
// decimated result (about 2 x plot width points per series) into QCustomPlot. The window still
// in progress (points after the last final one) is drawn as hollow dots, not joined to the line:
// a partial count must not read as a drop. With many series (a key with hundreds of values) it
// draws the `max_series` largest in view; the legend takes at most two rows and ends with
// "+N more" when it cannot list them all.
//
// Threading: GUI thread only (the store's worker calls back through a queued invocation).
#include <QHash>
#include <QSet>
#include <map>
#include <memory>

#include "widgets/dashboard/chart_panel.h"
#include "widgets/dashboard/series_store.h"

class QCPGraph;

namespace riffle {

class TimeseriesPanel : public ChartPanel {
    Q_OBJECT
public:
    TimeseriesPanel(const ChartConfig& config, QWidget* parent = nullptr);
    ~TimeseriesPanel() override;

    QStringList seriesNames() const override;
    QColor seriesColor(const QString& name) const override;
    // Every point held for a series (live and loaded history): (seconds since epoch, value).
    std::vector<std::pair<double, double>> seriesPoints(const QString& name) const;
    std::vector<bool> seriesFinalFlags(const QString& name) const;
    // Points drawn for a series in the last frame (decimated solid line + in-progress dots).
    int drawnPointCount(const QString& name) const;
    // The series drawn in the last frame (at most max_series), largest first.
    QStringList drawnSeries() const { return m_drawn; }
    // The legend's entries as shown, "+N more" last when some are left out.
    QStringList legendEntries() const;
    bool isSeriesVisible(const QString& name) const;
    void setSeriesVisible(const QString& name, bool visible);
    std::pair<double, double> yRange() const;
    // True while a decimation request is out (tests wait for it to come back).
    bool isFrameInFlight() const { return m_inFlight; }

    void setHistoryLoader(HistoryLoader loader) override;
    std::vector<QStringList> csvTable() const override;

protected:
    void onRows(const std::vector<ChartRow>& rows) override;
    void draw() override;
    void onClear() override;
    void onOptionsChanged() override;
    void onThemeChanged() override;
    double oldestX() const override;

private:
    struct Graphs {
        QCPGraph* solid = nullptr;
        QCPGraph* tail = nullptr;
        bool dense = false;  // drawn thin and without antialiasing (kDenseSeriesPoints)
    };
    void onFrame(FrameResult result);
    Graphs& graphsFor(const QString& key);
    // The legend sits in a row above the axis rect while shown, so it never hides data.
    void showLegend(bool shown);
    void updateLegend(int seriesCount);
    void styleGraphs();
    void updateYRange();
    void showTooltip(QMouseEvent* event);
    void keyFor(const ChartRow& row, size_t yIndex, std::string& out) const;
    void convert(const ChartRow& row, std::vector<StorePoint>& out) const;

    std::unique_ptr<SeriesStore> m_store;
    std::map<QString, Graphs> m_graphs;
    QStringList m_drawn;       // keys drawn, largest first
    QStringList m_legendKeys;  // keys the legend lists, in order
    class MoreLegendItem;
    MoreLegendItem* m_more = nullptr;  // "+N more", owned by the legend while shown
    QHash<QString, QColor> m_colors;
    QSet<QString> m_hidden;
    FrameResult m_last;
    bool m_inFlight = false;
    bool m_redraw = false;
    bool m_areas = false;
    bool m_stacked = false;
};

}  // namespace riffle
