#include "widgets/runtime/engine_bridge.h"

#include <QDateTime>

#include "engine/core/clock.h"
#include "engine/graph/secrets.h"
#include "nodes/charts/chart_config.h"

namespace riffle {

EngineBridge::EngineBridge(const NodeRegistry& registry, QObject* parent)
    : QObject(parent), m_registry(registry) {
    m_timer.setInterval(100);
    connect(&m_timer, &QTimer::timeout, this, &EngineBridge::sample);
}

EngineBridge::~EngineBridge() {
    if (m_executor) m_executor->requestStop();
    endHistoryRun();
}

void EngineBridge::endHistoryRun() {
    if (!m_history) return;
    (void)m_history->endRun(m_historyRun, QDateTime::currentMSecsSinceEpoch() * 1000);
    m_history.reset();
    m_historyRun = 0;
}

QStringList EngineBridge::start(const Project& project, ExecutorOptions options) {
    if (m_executor) {
        m_executor->requestStop();
        m_executor->wait();
        m_executor.reset();
        m_timer.stop();
    }
    const std::string historyPath =
        project.path.empty() ? std::string() : chartHistoryPathFor(project.path);
    const bool goOn = m_keepHistoryRun && m_history && historyPath == m_historyPath;
    m_keepHistoryRun = false;
    if (!goOn) endHistoryRun();
    ValidatedGraph graph = validateProject(project, m_registry);
    QStringList problems;
    for (const auto& p : graph.problems) problems << QString::fromStdString(p.message);
    if (!problems.isEmpty()) {
        endHistoryRun();
        return problems;
    }
    m_charts = makeChartHub(graph);
    if (goOn && !m_charts->nodeIds().empty()) {
        m_charts->setHistory(historyPath, m_historyRun);
    } else {
        endHistoryRun();
    }
    if (!m_history && !m_charts->nodeIds().empty() && !historyPath.empty()) {
        const TimeUs now = QDateTime::currentMSecsSinceEpoch() * 1000;
        // Without a history the charts still run live; the run just is not kept.
        if (auto h = ChartHistory::open(historyPath))
            if (auto run = h.value()->beginRun(now, historyRetentionUs(project.settings))) {
                m_charts->setHistory(historyPath, run.value());
                m_history = std::move(h.value());
                m_historyPath = historyPath;
                m_historyRun = run.value();
            }
    }
    options.charts = m_charts;
    m_store.reset();
    m_recovery.clear();
    m_stopRequested = false;
    m_keptCheckpoint = 0;
    if (!options.checkpoints.storePath.empty() && graph.settings.checkpointIntervalUs > 0) {
        options.checkpoints.intervalUs = graph.settings.checkpointIntervalUs;
        auto store = checkpoint::CheckpointStore::open(options.checkpoints.storePath);
        if (store) {
            auto latest = store.value()->latest();
            if (latest) options.checkpoints.resumeFrom = std::move(latest.value());
            m_store = std::move(store.value());
        }
        if (!m_store) options.checkpoints.storePath.clear();  // runs without, as riffle-run
    } else {
        options.checkpoints.storePath.clear();
    }
    auto exec = Executor::create(graph, options);
    if (!exec) {
        endHistoryRun();
        return {QString::fromStdString(exec.message())};
    }
    if (Status s = exec.value()->start(); !s) {
        endHistoryRun();
        return {QString::fromStdString(redactSecrets(s.message()))};
    }
    m_executor = std::move(exec.value());
    if (const Recovery& r = m_executor->recovery(); r.checkpointId > 0) {
        m_recovery
            << tr("Resumed from checkpoint %1 of %2: %3 continue, %4 keys (Run ▸ Reset "
                  "State starts afresh)")
                   .arg(r.checkpointId)
                   .arg(QDateTime::fromMSecsSinceEpoch(r.takenAtUs / 1000).toString("HH:mm:ss"))
                   .arg(r.restoredNodes == 1 ? tr("1 node") : tr("%1 nodes").arg(r.restoredNodes))
                   .arg(r.keys);
        for (const std::string& line : r.fresh) m_recovery << QString::fromStdString(line);
    }
    m_stats.clear();
    for (const auto& n : m_executor->nodes()) {
        NodeStats s;
        s.id = QString::fromStdString(n.id);
        s.type = QString::fromStdString(n.spec->typeId);
        m_stats.push_back(s);
    }
    m_rates.assign(static_cast<size_t>(m_stats.size()), RateMeter{});
    m_inRates = m_rates;
    const int64_t now = steadyClockNs();
    for (size_t i = 0; i < m_rates.size(); ++i) {
        m_rates[i].add(now, 0);
        m_inRates[i].add(now, 0);
    }
    m_timer.start();
    return {};
}

double EngineBridge::sourceRate() const {
    double total = 0;
    if (!m_executor) return 0;
    const auto& nodes = m_executor->nodes();
    for (int i = 0; i < m_stats.size() && i < static_cast<int>(nodes.size()); ++i)
        if (nodes[static_cast<size_t>(i)].spec->isSource()) total += m_stats[i].ratePerSecond;
    return total;
}

int EngineBridge::threadCount() const {
    return m_executor ? m_executor->threadCount() : 0;
}

std::shared_ptr<PeekTap> EngineBridge::openPeek(const QString& nodeId, const QString& port) {
    if (!m_executor) return nullptr;
    return m_executor->openPeek(nodeId.toStdString(), port.toStdString());
}

void EngineBridge::closePeek(const std::shared_ptr<PeekTap>& tap) {
    if (m_executor) m_executor->closePeek(tap);
}

void EngineBridge::requestStop(bool restarting) {
    if (!m_executor) return;
    m_keepHistoryRun = restarting;
    m_stopRequested = true;
    m_executor->requestStop();
}

CheckpointStatus EngineBridge::checkpointStatus() const {
    return m_executor ? m_executor->checkpointStatus() : CheckpointStatus{};
}

QString EngineBridge::resetState(const std::string& storePath) {
    if (m_executor) return tr("Stop the run first");
    auto store = checkpoint::CheckpointStore::open(storePath);
    if (!store) return QString::fromStdString(store.message());
    const Status s = store.value()->clear();
    return s ? QString() : QString::fromStdString(s.message());
}

void EngineBridge::sample() {
    if (!m_executor) return;
    const qint64 now = steadyClockNs();
    const auto& nodes = m_executor->nodes();
    for (int i = 0; i < m_stats.size(); ++i) {
        const auto at = static_cast<size_t>(i);
        const NodeMetrics& m = *nodes[at].metrics;
        NodeStats& s = m_stats[i];
        const qint64 out = NodeMetrics::get(m.eventsOut);
        const qint64 in = NodeMetrics::get(m.eventsIn);
        m_rates[at].add(now, nodes[at].spec->isSink ? in : out);
        m_inRates[at].add(now, in);
        s.ratePerSecond = m_rates[at].perSecond();
        s.idleSeconds = m_rates[at].idleSeconds();
        s.inRatePerSecond = m_inRates[at].perSecond();
        s.inIdleSeconds = m_inRates[at].idleSeconds();
        s.eventsIn = in;
        s.eventsOut = out;
        s.errors = NodeMetrics::get(m.errors);
        s.late = NodeMetrics::get(m.late);
        s.queueFill = static_cast<double>(NodeMetrics::get(m.queueFillPermille)) / 1000.0;
        s.watermarkUs = NodeMetrics::get(m.watermark);
        s.link = static_cast<int>(m.link());
        s.linkReason = s.link ? QString::fromStdString(redactSecrets(m.linkReason())) : QString();
        s.dropped = NodeMetrics::get(m.dropped);
        s.reconnects = NodeMetrics::get(m.reconnects);
        s.stateKeys = NodeMetrics::get(m.stateKeys);
        s.stateBytes = NodeMetrics::get(m.stateBytes);
    }
    emit statsUpdated();
    if (m_executor->finished()) {
        m_timer.stop();
        const Status failure = m_executor->failure();
        m_executor->flushCheckpoints();
        const CheckpointStatus checkpoints = m_executor->checkpointStatus();
        m_keptCheckpoint = m_store && m_stopRequested ? checkpoints.lastId : 0;
        // Every source ended: the results are whole, and the next Run starts afresh.
        if (m_store && failure.isOk() && !m_stopRequested) (void)m_store->clear();
        m_store.reset();
        m_executor.reset();
        // Failed, or stopped for good: the run ends here. Restarting: start() goes on with it.
        if (!failure.isOk()) m_keepHistoryRun = false;
        if (!m_keepHistoryRun) endHistoryRun();
        emit finished(failure.isOk() ? QString()
                                     : QString::fromStdString(redactSecrets(failure.message())));
    }
}

}  // namespace riffle
