#pragma once
// The base of every chart panel on the dashboard. It hides QCustomPlot from the rest
// of the studio, as PlotJuggler's PlotWidgetBase hides Qwt: the dashboard, the main window and
// the benchmark talk to ChartPanel only, and a chart kind is a small subclass that turns rows
// into its own plottables.
//
// Frames: appendRows() only stores and marks the panel dirty. Drawing happens in renderFrame(),
// at most once per frame: the panel's own single-shot 16 ms timer calls it after new data (or a
// view change), and the dashboard may call it too (it does nothing when nothing changed, or
// while drawing is paused). No timer runs while nothing changes.
//
// Time axis (timeseries, heatmap): the view follows the newest data until the user zooms (wheel,
// around the cursor) or pans (drag); the "Live" button and the End key follow again. Presets set
// the span shown (1 m, 5 m, 15 m, 1 h, all).
//
// Threading: GUI thread only. The history loader is called from a worker thread.
#include <QElapsedTimer>
#include <QSet>
#include <QTimer>
#include <QWidget>
#include <functional>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "engine/charts/chart_feed.h"

class QCustomPlot;
class QLabel;
class QToolButton;
class QHBoxLayout;
class QVBoxLayout;
class QButtonGroup;

namespace riffle {

class ChartPanel : public QWidget {
    Q_OBJECT
public:
    using HistoryLoader = std::function<std::vector<ChartRow>(TimeUs fromUs, TimeUs toUs)>;

    // The panel for config.kind ("timeseries", "bar", "gauge", "table", "histogram", "heatmap";
    // an unknown kind gets a timeseries).
    static ChartPanel* create(const ChartConfig& config, QWidget* parent = nullptr);
    ~ChartPanel() override;

    const ChartConfig& config() const { return m_config; }
    // The node's params; the keys read: style ("lines"|"areas"), stacked, top_n, unit, warn_at,
    // alert_at, bins, y_min, y_max (null or absent: the default).
    void setOptions(const nlohmann::json& params);
    // Every option key the panel has read so far (a test checks that its spec declares them).
    const QSet<QString>& optionsRead() const { return m_optionsRead; }
    const nlohmann::json& options() const { return m_options; }

    void appendRows(const std::vector<ChartRow>& rows);
    void clear();
    // Draws what changed since the last frame; nothing when nothing changed or drawing is paused.
    void renderFrame();
    // Rows the channel dropped; shown in the corner when non-zero ("12.3 K dropped").
    void setDroppedRows(qint64 rows);
    qint64 droppedRows() const { return m_droppedRows; }

    // Follow (the view moves with the newest data) vs paused view (the user zoomed or panned).
    bool isFollowing() const { return m_following; }
    void setFollowing(bool following);
    // Data still accumulates while paused; nothing redraws until resumed.
    bool isDrawingPaused() const { return m_drawingPaused; }
    void setDrawingPaused(bool paused);
    bool hasTimeAxis() const { return m_timeAxis; }
    // Span shown while following (a preset): 60 s, 300 s, ...; 0 = all the data held.
    int64_t timeSpanUs() const { return m_spanUs; }
    void setTimeSpanUs(int64_t spanUs);
    // The visible x range: seconds since the epoch on a time axis.
    std::pair<double, double> xRange() const;

    // Asked for older rows when the view reaches before the oldest live point (timeseries).
    virtual void setHistoryLoader(HistoryLoader loader);

    // Series (timeseries: series x y field; heatmap: rows; bar: categories).
    virtual int seriesCount() const { return int(seriesNames().size()); }
    virtual QStringList seriesNames() const { return {}; }
    // The colour a series is drawn in (invalid when unknown).
    virtual QColor seriesColor(const QString& name) const;

    // Exports of what the panel shows (width/height 0: the panel's size), with the title.
    bool exportPng(const QString& path, int width = 0, int height = 0);
    bool exportSvg(const QString& path, int width = 0, int height = 0);
    bool exportPdf(const QString& path, int width = 0, int height = 0);
    // The panel's data: a header row, then rows (RFC 4180; times ISO-8601 UTC with ms).
    bool exportCsv(const QString& path) const;
    // The same table: first row the header.
    virtual std::vector<QStringList> csvTable() const = 0;

    // Replots done so far (tests and the benchmark: one per frame at most).
    int replotCount() const { return m_replots; }
    // The share of one core this panel may spend drawing while data streams in (the dashboard
    // splits its budget among its panels). Frames then come at most every 16 ms and at least
    // every 33 ms; an explicit renderFrame() always draws at once.
    void setFrameBudget(double coreShare);
    int frameIntervalMs() const { return m_intervalMs; }

signals:
    void followingChanged(bool following);
    // After each redraw.
    void frameRendered();

protected:
    ChartPanel(const ChartConfig& config, QWidget* parent);

    // The kind's own work. onRows: store (cheap; called on every append, even while paused);
    // draw: update the plottables (once per frame at most); onClear: forget everything.
    virtual void onRows(const std::vector<ChartRow>& rows) = 0;
    virtual void draw() = 0;
    virtual void onClear() = 0;
    virtual void onOptionsChanged() {}
    virtual void onThemeChanged() {}
    // The user changed the view range (wheel, drag).
    virtual void onViewChanged() {}
    // The oldest time held, seconds (for the "all" preset); 0 when unknown.
    virtual double oldestX() const { return m_oldestX; }

    // A QCustomPlot as the panel's content, themed; QCustomPlot stays out of this header's users.
    QCustomPlot* plot() const { return m_plot; }
    QCustomPlot* createPlot();
    void setContent(QWidget* content);
    // Presets toolbar, Live button, wheel/drag on x, End key: for kinds with time on x.
    void enableTimeAxis();
    void markDirty();
    // A replot of the plot (queued: several calls in one event loop pass draw once).
    void replot();
    // Sets the x range without leaving follow mode.
    void setXRangeQuietly(double lower, double upper);
    double newestX() const { return m_newestX; }
    // Option helpers: the value, or `fallback` when absent, null or of another type.
    // The node's parameter `key` (every read is noted in optionsRead()).
    const nlohmann::json* option(const char* key) const;
    double optionNumber(const char* key, double fallback) const;
    bool hasOptionNumber(const char* key) const;
    int optionInt(const char* key, int fallback) const;
    bool optionBool(const char* key, bool fallback) const;
    QString optionString(const char* key, const QString& fallback) const;
    // Renders for export: the title above, then the content.
    virtual void paintExport(QPainter* painter, const QSize& size);

    void keyPressEvent(QKeyEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

    HistoryLoader m_historyLoader;

private:
    mutable QSet<QString> m_optionsRead;
    void updateLiveButton();
    void applyFollowRange();
    void noteFrameCost(double ms);
    void placeDroppedLabel();
    QSize exportSize(int width, int height) const;

    ChartConfig m_config;
    nlohmann::json m_options = nlohmann::json::object();
    QVBoxLayout* m_layout = nullptr;
    QWidget* m_toolbar = nullptr;
    QButtonGroup* m_presets = nullptr;
    QToolButton* m_liveButton = nullptr;
    QWidget* m_content = nullptr;
    QCustomPlot* m_plot = nullptr;
    QLabel* m_droppedLabel = nullptr;
    QTimer m_frameTimer;
    QElapsedTimer m_sinceRender;
    double m_drawMs = 0;    // the last draw() on the GUI thread
    double m_costMs = 0;    // smoothed cost of a frame: draw() + replot
    double m_budget = 0.4;  // share of a core
    int m_intervalMs = 16;
    bool m_dirty = false;
    bool m_drawingPaused = false;
    bool m_following = true;
    bool m_timeAxis = false;
    bool m_settingRange = false;
    int64_t m_spanUs = 300'000'000;
    double m_newestX = 0;
    double m_oldestX = 0;
    bool m_hasTime = false;
    qint64 m_droppedRows = 0;
    int m_replots = 0;
};

}  // namespace riffle
