#pragma once
// Connects the dashboard to the data: makes each panel's chart from its node (ChartConfig
// resolved against the node's input schema, options from its params), fills it with the last
// run's rows from the project's chart history before Run, drains the engine's chart channels into
// the panels on the dashboard's frame timer while a pipeline runs (never waiting for the engine;
// what the channel had to drop shows in the panel's corner), answers panning back beyond the
// live buffer from the history store, and runs the panels' export menu.
//
// Threading: GUI thread, except the history loaders, which the panels call on their workers
// (each call opens its own read connection).
#include <QHash>
#include <QObject>
#include <QPointer>
#include <memory>
#include <optional>
#include <vector>

#include "engine/charts/chart_feed.h"
#include "nodes/charts/chart_config.h"

namespace riffle {

class ChartPanel;
class DashboardWidget;
class GraphModel;

class DashboardFeed : public QObject {
    Q_OBJECT
public:
    DashboardFeed(DashboardWidget* dashboard, GraphModel* model, QObject* parent = nullptr);

    // The project's history file (empty: none, e.g. an unsaved project). Rebuilds the panels.
    void setHistoryPath(const QString& path);
    QString historyPath() const { return m_historyPath; }
    // A run started: the panels start empty and follow `hub`'s channels. `goingOn`: the run
    // restarted to apply an edit, and every panel the edit did not change keeps what it shows.
    void startRun(std::shared_ptr<ChartHub> hub, bool goingOn = false);
    // The run ended: takes what is left in the channels and greys the live dots.
    void stopRun();
    // Moves everything waiting in the channels into the panels (the frame timer calls it).
    void drain();

    ChartPanel* panel(const QString& nodeId) const;
    // Milliseconds from a sink publishing rows to the first frame of their panel that shows
    // them, for the last runs' frames (riffle-bench ui-live reads it). Oldest sample first.
    const std::vector<double>& latencySamplesMs() const { return m_latencyMs; }
    // Writes a panel as "png", "svg", "pdf" or "csv"; false if it cannot.
    bool exportPanel(const QString& nodeId, const QString& format, const QString& path);
    // Asks the user for a file name (installed as a hook so tests can answer).
    std::function<QString(const QString& title, const QString& suggested, const QString& filter)>
        askSavePath;

signals:
    void exported(const QString& path);

private:
    // What a panel is made from: the chart's config and options, or why there is none.
    struct PanelSource {
        std::optional<ChartConfig> config;
        Json options;
        QString problem;
        QByteArray key;        // changes when the panel must be made again or restyled
        QByteArray configKey;  // the part that needs the panel made again (the rest: options)
    };
    PanelSource panelSource(const QString& nodeId) const;
    QWidget* makePanel(const QString& nodeId);
    void refreshChangedPanels();
    void refreshPanels(bool onlyChanged);
    void onExportRequested(const QString& nodeId, const QString& format);

    DashboardWidget* m_dashboard;
    GraphModel* m_model;
    QString m_historyPath;
    std::shared_ptr<ChartHub> m_hub;
    QHash<QString, QPointer<ChartPanel>> m_panels;
    QHash<QString, QByteArray> m_panelKeys;  // what each panel was made from, to see changes
    QHash<QString, QByteArray> m_panelConfigKeys;
    QHash<QString, qint64> m_waitingSinceNs;  // oldest rows appended and not drawn yet, by panel
    std::vector<double> m_latencyMs;
};

}  // namespace riffle
