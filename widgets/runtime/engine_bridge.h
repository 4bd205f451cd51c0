#pragma once
// The studio's handle on a running pipeline (docs/architecture.md, "Threads").
//
// EngineBridge validates and starts a project on the engine's own worker threads and samples the
// per-node metrics on a timer in the GUI thread. The GUI thread never waits for the engine: it
// only reads relaxed atomics and asks whether the run has finished; stopping is a request that
// the timer sees through. All methods must be called from the thread the bridge lives in.
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QVector>
#include <memory>

#include "engine/charts/chart_feed.h"
#include "engine/charts/chart_history.h"
#include "engine/graph/graph_validator.h"
#include "engine/graph/node_registry.h"
#include "engine/runtime/executor.h"
#include "widgets/runtime/rate_meter.h"

namespace riffle {

struct NodeStats {
    QString id;
    QString type;
    qint64 eventsIn = 0;
    qint64 eventsOut = 0;
    qint64 errors = 0;
    qint64 late = 0;
    // Events per second (RateMeter: over 5 s for a steady stream, over up to 60 s for a bursty
    // one such as a window's output): out (in, for sinks), and in.
    double ratePerSecond = 0;
    double inRatePerSecond = 0;
    // Seconds since the matching count last grew (-1: never), for "… · 8 s ago".
    double idleSeconds = -1;
    double inIdleSeconds = -1;
    double queueFill = 0;  // 0..1, fullest input queue
    qint64 watermarkUs = 0;
    // Connectors: where they stand with their peer (LinkState), why, and overload drops.
    int link = 0;
    QString linkReason;
    qint64 dropped = 0;
    qint64 reconnects = 0;
    // Stateful nodes: what they hold now (Operator::stateSize).
    qint64 stateKeys = 0;
    qint64 stateBytes = 0;
};

class EngineBridge : public QObject {
    Q_OBJECT
public:
    explicit EngineBridge(const NodeRegistry& registry, QObject* parent = nullptr);
    ~EngineBridge() override;

    // Validates and starts `project`. Returns the problems (empty when it started). A running
    // pipeline is stopped first. Chart sinks publish on charts(); when the project has a path,
    // their final rows also go to its chart history (chartHistoryPathFor) as a new run, or
    // as more of the previous run after a stop that kept it open (requestStop(true)).
    QStringList start(const Project& project, ExecutorOptions options = {});
    // Asks the pipeline to stop; finished() follows once every sink has flushed. With
    // `restarting`, the chart history's run stays open for the next start() to go on with: an
    // edit applied while running is one run to the person watching the dashboard.
    void requestStop(bool restarting = false);
    bool isRunning() const { return m_executor != nullptr; }
    const QVector<NodeStats>& stats() const { return m_stats; }
    // Events per second leaving every source together, at the last sample.
    double sourceRate() const;
    // Worker threads of the running pipeline (0 when stopped).
    int threadCount() const;
    // Samples the newest events on an output port while running (null when stopped or unknown).
    std::shared_ptr<PeekTap> openPeek(const QString& nodeId, const QString& port);
    void closePeek(const std::shared_ptr<PeekTap>& tap);
    void setSampleIntervalMs(int ms) { m_timer.setInterval(ms); }
    // The chart channels of the running (or last) pipeline; null before the first run.
    const std::shared_ptr<ChartHub>& charts() const { return m_charts; }

    // Checkpoints (docs/checkpoints.md). A start() whose options name a store continues from its
    // newest checkpoint, unless resetState() asked to start afresh; a run whose sources all
    // ended clears it.
    // What the run took back, for the log ("Resumed from checkpoint 4 of 10:41:03: ..."), one
    // line per node that starts fresh after it; empty when it started afresh.
    const QStringList& recoveryLines() const { return m_recovery; }
    // The checkpoints of the running pipeline (enabled false when it takes none, or stopped).
    CheckpointStatus checkpointStatus() const;
    // After a stop: the checkpoint that keeps the run's state for the next start(), or 0.
    int64_t keptCheckpoint() const { return m_keptCheckpoint; }
    // Forgets the checkpoints in `storePath` now (Run > Reset state), when not running; the
    // message of a failure, else empty.
    QString resetState(const std::string& storePath);

signals:
    void statsUpdated();
    // `error` is empty for a clean end (sources ended or stop requested).
    void finished(const QString& error);

private:
    void sample();
    void endHistoryRun();
    const NodeRegistry& m_registry;
    std::unique_ptr<Executor> m_executor;
    std::shared_ptr<ChartHub> m_charts;
    std::unique_ptr<ChartHistory> m_history;  // to record the end of the run
    std::string m_historyPath;
    int64_t m_historyRun = 0;
    bool m_keepHistoryRun = false;
    std::unique_ptr<checkpoint::CheckpointStore> m_store;  // of the running pipeline
    bool m_stopRequested = false;
    int64_t m_keptCheckpoint = 0;
    QStringList m_recovery;
    QVector<NodeStats> m_stats;
    std::vector<RateMeter> m_rates, m_inRates;  // per node, as m_stats
    QTimer m_timer;
};

}  // namespace riffle
