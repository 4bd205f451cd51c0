#include "widgets/dashboard/dashboard_feed.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>

#include "engine/charts/chart_history.h"
#include "engine/core/clock.h"
#include "engine/runtime/executor.h"
#include "nodes/charts/chart_config.h"
#include "widgets/canvas/canvas_style.h"
#include "widgets/dashboard/chart_panel.h"
#include "widgets/dashboard/dashboard_widget.h"
#include "widgets/model/graph_model.h"

namespace riffle {

namespace {

// How many rows of the last run a panel shows before Run (the newest, when there are more).
constexpr size_t kLastRunRows = 100'000;
constexpr size_t kMaxLatencySamples = 100'000;

QLabel* messageLabel(const QString& text) {
    auto* label = new QLabel(text);
    label->setObjectName("panelPlaceholder");
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    label->setMargin(8);
    QPalette pal = label->palette();
    pal.setColor(QPalette::WindowText, canvas::colors(pal).subtext);
    label->setPalette(pal);
    return label;
}

}  // namespace

DashboardFeed::DashboardFeed(DashboardWidget* dashboard, GraphModel* model, QObject* parent)
    : QObject(parent), m_dashboard(dashboard), m_model(model) {
    m_dashboard->setPanelFactory([this](const QString& id) { return makePanel(id); });
    connect(m_dashboard, &DashboardWidget::frameTick, this, &DashboardFeed::drain);
    connect(m_dashboard, &DashboardWidget::exportRequested, this,
            &DashboardFeed::onExportRequested);
    connect(m_model, &GraphModel::validationChanged, this, &DashboardFeed::refreshChangedPanels);
    askSavePath = [this](const QString& title, const QString& suggested, const QString& filter) {
        return QFileDialog::getSaveFileName(m_dashboard, title, suggested, filter);
    };
}

void DashboardFeed::setHistoryPath(const QString& path) {
    if (path == m_historyPath) return;
    m_historyPath = path;
    m_panelKeys.clear();
    refreshChangedPanels();
}

void DashboardFeed::startRun(std::shared_ptr<ChartHub> hub, bool goingOn) {
    m_hub = std::move(hub);
    refreshPanels(goingOn);
    m_dashboard->setRunning(true);
}

void DashboardFeed::stopRun() {
    drain();
    // The run is over: a panel made from now on (another project opened and this one again,
    // an option changed) shows it from the history, as before any run.
    m_hub.reset();
    m_dashboard->setRunning(false);
}

void DashboardFeed::drain() {
    if (!m_hub) return;
    for (const std::string& nodeId : m_hub->nodeIds()) {
        const QString id = QString::fromStdString(nodeId);
        const std::shared_ptr<ChartChannel> channel = m_hub->channel(nodeId);
        auto chunks = channel->drain();
        ChartPanel* p = panel(id);
        if (!chunks.empty() && p) {
            for (const auto& chunk : chunks) p->appendRows(chunk->rows);
            if (!m_waitingSinceNs.contains(id))
                m_waitingSinceNs.insert(id, chunks.front()->publishedNs);
            m_dashboard->noteData(id);
        }
        m_dashboard->setDropped(id, channel->rowsDropped());
    }
}

ChartPanel* DashboardFeed::panel(const QString& nodeId) const {
    return m_panels.value(nodeId).data();
}

DashboardFeed::PanelSource DashboardFeed::panelSource(const QString& nodeId) const {
    PanelSource src;
    const ValidatedGraph& graph = m_model->validated();
    const int index = graph.indexOf(nodeId.toStdString());
    const LogicalNode* node = index >= 0 ? &graph.nodes[static_cast<size_t>(index)] : nullptr;
    if (!node || node->inputs.schemas.empty() || !node->inputs.schemas[0]) {
        src.problem = tr("Connect this chart to a stream to see it here");
        src.key = "unconnected";
        return src;
    }
    // A chart whose settings have a problem says so rather than drawing what it drew before.
    const QStringList problems = m_model->problemsOf(nodeId);
    auto resolved = resolveChartConfig(node->config, *node->inputs.schemas[0], node->def->title);
    if (!problems.isEmpty() || !resolved) {
        src.problem =
            problems.isEmpty() ? QString::fromStdString(resolved.message()) : problems.join("\n");
        src.key = "problem:" + src.problem.toUtf8();
        return src;
    }
    const ChartConfig& k = resolved.value();
    src.configKey = QByteArray::fromStdString(
        Json{k.kind, k.title, k.x, k.y, k.seriesBy, k.columns, k.historyUs}.dump());
    src.key = src.configKey + QByteArray::fromStdString(node->config.params().dump());
    src.config = std::move(resolved.value());
    src.options = node->config.params();
    return src;
}

QWidget* DashboardFeed::makePanel(const QString& nodeId) {
    m_panels.remove(nodeId);
    PanelSource src = panelSource(nodeId);
    m_panelKeys[nodeId] = src.key;
    m_panelConfigKeys[nodeId] = src.configKey;
    if (!src.config) return messageLabel(src.problem);
    const std::string id = nodeId.toStdString();
    // While running, the chart draws what the running pipeline sends.
    const ChartConfig* running = m_hub ? m_hub->config(id) : nullptr;
    const ChartConfig& config = running ? *running : *src.config;

    ChartPanel* p = ChartPanel::create(config);
    p->setOptions(src.options);
    m_panels.insert(nodeId, p);
    m_waitingSinceNs.remove(nodeId);
    connect(p, &ChartPanel::frameRendered, this, [this, nodeId] {
        const qint64 since = m_waitingSinceNs.take(nodeId);
        if (!since) return;
        if (m_latencyMs.size() >= kMaxLatencySamples)  // keep the newest half, in one go
            m_latencyMs.erase(m_latencyMs.begin(), m_latencyMs.begin() + kMaxLatencySamples / 2);
        m_latencyMs.push_back(double(steadyClockNs() - since) / 1e6);
    });
    if (m_historyPath.isEmpty()) return p;
    // Panning back shows older rows of the same run: the running one, or before Run the last one
    // (its charts shown at once; only when a history file exists: looking must not create one).
    const std::string path = m_historyPath.toStdString();
    int64_t run = m_hub ? m_hub->runId() : 0;
    if (!m_hub && QFileInfo::exists(m_historyPath))
        if (auto h = ChartHistory::open(path))
            if ((run = h.value()->lastRunWith(id)))
                p->appendRows(h.value()->load(id, run, kMinTime, kMaxTime, kLastRunRows));
    if (run)
        p->setHistoryLoader([path, id, run](TimeUs fromUs, TimeUs toUs) {
            auto h = ChartHistory::open(path);
            return h ? h.value()->load(id, run, fromUs, toUs) : std::vector<ChartRow>{};
        });
    return p;
}

void DashboardFeed::refreshChangedPanels() {
    if (!m_dashboard->isRunning()) {
        refreshPanels(true);
        return;
    }
    // While running, a change of a chart's data restarts the run (and startRun() refreshes);
    // a change of its look only (live options) goes to the panel as it is, data and all; one
    // that leaves a chart with a problem must show it now, not keep drawing the old chart.
    for (const QString& id : m_dashboard->panelIds()) {
        const PanelSource src = panelSource(id);
        if (src.key == m_panelKeys.value(id)) continue;
        ChartPanel* p = panel(id);
        if (src.config && p && src.configKey == m_panelConfigKeys.value(id)) {
            p->setOptions(src.options);
            m_panelKeys[id] = src.key;
        } else if (src.key.startsWith("problem:")) {
            m_dashboard->refreshPanel(id);
        }
    }
}

void DashboardFeed::refreshPanels(bool onlyChanged) {
    if (!onlyChanged) m_panelKeys.clear();
    for (const QString& id : m_dashboard->panelIds()) {
        const QByteArray before = m_panelKeys.value(id);
        if (before.isEmpty() || before != panelSource(id).key) m_dashboard->refreshPanel(id);
    }
}

bool DashboardFeed::exportPanel(const QString& nodeId, const QString& format, const QString& path) {
    ChartPanel* p = panel(nodeId);
    if (!p || path.isEmpty()) return false;
    bool ok = false;
    if (format == "png")
        ok = p->exportPng(path);
    else if (format == "svg")
        ok = p->exportSvg(path);
    else if (format == "pdf")
        ok = p->exportPdf(path);
    else if (format == "csv")
        ok = p->exportCsv(path);
    if (ok) emit exported(path);
    return ok;
}

void DashboardFeed::onExportRequested(const QString& nodeId, const QString& format) {
    ChartPanel* p = panel(nodeId);
    if (!p) return;
    const QString suggested =
        QString::fromStdString(p->config().title).replace('/', '-') + "." + format;
    const QString filter = format == "csv" ? tr("CSV files (*.csv)")
                                           : tr("%1 files (*.%2)").arg(format.toUpper(), format);
    exportPanel(nodeId, format,
                askSavePath(tr("Export %1").arg(QString::fromStdString(p->config().title)),
                            suggested, filter));
}

}  // namespace riffle
