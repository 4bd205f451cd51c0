#include "widgets/dashboard/chart_panel.h"

#include <qcustomplot.h>

#include <QButtonGroup>
#include <QDateTime>
#include <QFile>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <QTextStream>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/dashboard/bar_panel.h"
#include "widgets/dashboard/chart_theme.h"
#include "widgets/dashboard/gauge_panel.h"
#include "widgets/dashboard/heatmap_panel.h"
#include "widgets/dashboard/histogram_panel.h"
#include "widgets/dashboard/table_panel.h"
#include "widgets/dashboard/timeseries_panel.h"
#include "widgets/style/theme.h"

namespace riffle {

namespace {

constexpr int kFrameMs = 16;     // at most 60 frames/s
constexpr int kMaxFrameMs = 33;  // at least 30 frames/s while data arrives
constexpr int kExportTitleHeight = 30;

struct Preset {
    const char* label;
    int64_t spanUs;
};
constexpr Preset kPresets[] = {{"1m", 60'000'000},
                               {"5m", 300'000'000},
                               {"15m", 900'000'000},
                               {"1h", 3'600'000'000},
                               {"All", 0}};

}  // namespace

ChartPanel* ChartPanel::create(const ChartConfig& config, QWidget* parent) {
    ChartPanel* panel = nullptr;
    if (config.kind == "bar") {
        panel = new BarPanel(config, parent);
    } else if (config.kind == "gauge") {
        panel = new GaugePanel(config, parent);
    } else if (config.kind == "table") {
        panel = new TablePanel(config, parent);
    } else if (config.kind == "histogram") {
        panel = new HistogramPanel(config, parent);
    } else if (config.kind == "heatmap") {
        panel = new HeatmapPanel(config, parent);
    } else {
        panel = new TimeseriesPanel(config, parent);
    }
    return panel;
}

ChartPanel::ChartPanel(const ChartConfig& config, QWidget* parent)
    : QWidget(parent), m_config(config) {
    setObjectName(QStringLiteral("chartPanel"));
    setFocusPolicy(Qt::ClickFocus);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
    m_layout = new QVBoxLayout(this);
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setSpacing(0);
    if (config.historyUs > 0 && config.historyUs < m_spanUs) m_spanUs = config.historyUs;

    m_frameTimer.setSingleShot(true);
    connect(&m_frameTimer, &QTimer::timeout, this, &ChartPanel::renderFrame);

    m_droppedLabel = new QLabel(this);
    m_droppedLabel->setObjectName(QStringLiteral("droppedLabel"));
    m_droppedLabel->setFont(theme::scaledFont(font(), 0.85));
    QPalette amber = m_droppedLabel->palette();
    amber.setColor(QPalette::WindowText, theme::amber());
    m_droppedLabel->setPalette(amber);
    m_droppedLabel->hide();
}

ChartPanel::~ChartPanel() = default;

QCustomPlot* ChartPanel::createPlot() {
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("chartPlot"));
    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->setPlottingHint(QCP::phCacheLabels, true);
    // One polyline per graph, not QCustomPlot's "fast" segment-by-segment drawLine: the raster
    // engine strokes a thin polyline in one pass, which made ui-render's paint p99 go from about
    // 9.5 ms to about 6.5 ms (10 series, 2 200 decimated points each).
    m_plot->setPlottingHint(QCP::phFastPolylines, false);
    connect(m_plot, &QCustomPlot::afterReplot, this, [this] {
        ++m_replots;
        noteFrameCost(m_drawMs + m_plot->replotTime());
        emit frameRendered();
    });
    chart::applyTheme(m_plot, palette());
    setContent(m_plot);
    return m_plot;
}

void ChartPanel::setContent(QWidget* content) {
    m_content = content;
    m_layout->addWidget(content, 1);
    m_droppedLabel->raise();
}

void ChartPanel::enableTimeAxis() {
    m_timeAxis = true;
    m_toolbar = new QWidget(this);
    m_toolbar->setObjectName(QStringLiteral("chartToolbar"));
    auto* row = new QHBoxLayout(m_toolbar);
    row->setContentsMargins(6, 2, 6, 0);
    row->setSpacing(2);
    m_presets = new QButtonGroup(this);
    m_presets->setExclusive(true);
    const QFont small = theme::scaledFont(font(), 0.85);
    for (const Preset& preset : kPresets) {
        auto* button = new QToolButton(m_toolbar);
        button->setText(QString::fromLatin1(preset.label));
        button->setCheckable(true);
        button->setAutoRaise(true);
        button->setFont(small);
        button->setFocusPolicy(Qt::NoFocus);
        button->setToolTip(preset.spanUs ? tr("Show the last %1").arg(button->text())
                                         : tr("Show all the data held"));
        button->setChecked(preset.spanUs == m_spanUs);
        m_presets->addButton(button);
        row->addWidget(button);
        const int64_t span = preset.spanUs;
        connect(button, &QToolButton::clicked, this, [this, span] {
            setTimeSpanUs(span);
            setFollowing(true);
        });
    }
    row->addStretch(1);
    m_liveButton = new QToolButton(m_toolbar);
    m_liveButton->setObjectName(QStringLiteral("liveButton"));
    m_liveButton->setText(tr("Live ▸"));
    m_liveButton->setToolTip(tr("Follow the newest data again (End)"));
    m_liveButton->setFont(theme::scaledFont(font(), 0.85, QFont::DemiBold));
    m_liveButton->setAutoRaise(true);
    m_liveButton->setFocusPolicy(Qt::NoFocus);
    connect(m_liveButton, &QToolButton::clicked, this, [this] { setFollowing(true); });
    row->addWidget(m_liveButton);
    m_layout->insertWidget(0, m_toolbar);
    updateLiveButton();

    if (!m_plot) return;
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoomFactor(0.85, 1);
    // Until data arrives, the axis shows the span ending now, so its times read as times.
    const double now = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
    const double span = m_spanUs > 0 ? double(m_spanUs) / 1e6 : 300.0;
    m_plot->xAxis->setRange(now - span, now + span * 0.02);
    connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] {
        // Ranges the panel sets itself are drawn in the frame that sets them.
        if (m_settingRange) return;
        setFollowing(false);
        onViewChanged();
        markDirty();
    });
}

void ChartPanel::setOptions(const nlohmann::json& params) {
    m_options = params.is_object() ? params : nlohmann::json::object();
    onOptionsChanged();
    markDirty();
}

void ChartPanel::appendRows(const std::vector<ChartRow>& rows) {
    if (rows.empty()) return;
    for (const ChartRow& row : rows) {
        const double x = row.time / 1e6;
        if (!m_hasTime || x > m_newestX) m_newestX = x;
        if (!m_hasTime || x < m_oldestX) m_oldestX = x;
        m_hasTime = true;
    }
    onRows(rows);
    markDirty();
}

void ChartPanel::clear() {
    m_hasTime = false;
    m_newestX = m_oldestX = 0;
    onClear();
    markDirty();
}

void ChartPanel::markDirty() {
    m_dirty = true;
    if (m_drawingPaused || m_frameTimer.isActive()) return;
    const qint64 since = m_sinceRender.isValid() ? m_sinceRender.elapsed() : m_intervalMs;
    m_frameTimer.start(int(std::max<qint64>(0, m_intervalMs - since)));
}

void ChartPanel::renderFrame() {
    if (m_drawingPaused || !m_dirty) return;
    m_dirty = false;
    m_frameTimer.stop();
    m_sinceRender.start();
    if (m_timeAxis && m_following) applyFollowRange();
    QElapsedTimer t;
    t.start();
    draw();
    m_drawMs = double(t.nsecsElapsed()) / 1e6;
    if (!m_plot) noteFrameCost(m_drawMs);
}

void ChartPanel::setFrameBudget(double coreShare) {
    m_budget = std::clamp(coreShare, 0.01, 1.0);
    noteFrameCost(m_costMs);
}

void ChartPanel::noteFrameCost(double ms) {
    // Smoothed, so that one slow frame (a resize, a first decimation) does not slow the panel.
    m_costMs = m_costMs <= 0 ? ms : m_costMs * 0.8 + ms * 0.2;
    m_intervalMs = std::clamp(int(std::ceil(m_costMs / m_budget)), kFrameMs, kMaxFrameMs);
}

void ChartPanel::replot() {
    if (!m_plot) return;
    for (QCPAxisRect* rect : m_plot->axisRects())
        for (QCPAxis* axis : rect->axes(QCPAxis::atBottom | QCPAxis::atTop))
            chart::fitTickCount(axis);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ChartPanel::setDroppedRows(qint64 rows) {
    if (rows == m_droppedRows) return;
    m_droppedRows = rows;
    m_droppedLabel->setVisible(rows > 0);
    if (rows > 0) {
        m_droppedLabel->setText(tr("%1 dropped").arg(theme::formatCount(double(rows))));
        m_droppedLabel->setToolTip(
            tr("%1 rows arrived faster than the dashboard could take them; the newest were kept")
                .arg(rows));
        m_droppedLabel->adjustSize();
        placeDroppedLabel();
    }
}

void ChartPanel::setFollowing(bool following) {
    if (following == m_following) return;
    m_following = following;
    updateLiveButton();
    if (following) {
        applyFollowRange();
        markDirty();
    }
    emit followingChanged(following);
}

void ChartPanel::setDrawingPaused(bool paused) {
    if (paused == m_drawingPaused) return;
    m_drawingPaused = paused;
    if (paused) {
        m_frameTimer.stop();
    } else if (m_dirty) {
        m_frameTimer.start();
    }
}

void ChartPanel::setTimeSpanUs(int64_t spanUs) {
    m_spanUs = std::max<int64_t>(0, spanUs);
    if (m_presets) {
        int i = 0;
        for (QAbstractButton* button : m_presets->buttons()) {
            button->setChecked(kPresets[i++].spanUs == m_spanUs);
        }
    }
    if (m_following) applyFollowRange();
    markDirty();
}

std::pair<double, double> ChartPanel::xRange() const {
    if (!m_plot) return {0, 0};
    return {m_plot->xAxis->range().lower, m_plot->xAxis->range().upper};
}

void ChartPanel::setHistoryLoader(HistoryLoader loader) {
    m_historyLoader = std::move(loader);
}

QColor ChartPanel::seriesColor(const QString&) const {
    return {};
}

void ChartPanel::setXRangeQuietly(double lower, double upper) {
    if (!m_plot) return;
    m_settingRange = true;
    m_plot->xAxis->setRange(lower, upper);
    m_settingRange = false;
}

void ChartPanel::applyFollowRange() {
    if (!m_plot || !m_hasTime) return;
    double span = m_spanUs / 1e6;
    if (span <= 0) span = std::max(1.0, m_newestX - oldestX());
    setXRangeQuietly(m_newestX - span, m_newestX + span * 0.02);
}

void ChartPanel::updateLiveButton() {
    if (m_liveButton) m_liveButton->setVisible(!m_following);
    if (m_toolbar) m_toolbar->layout()->activate();
    placeDroppedLabel();
}

void ChartPanel::placeDroppedLabel() {
    // Top right, clear of the axes' labels and left of the Live button when it shows.
    const QSize s = m_droppedLabel->sizeHint();
    int right = width() - 8;
    if (m_liveButton && m_liveButton->isVisibleTo(this))
        right = m_liveButton->mapTo(this, QPoint(0, 0)).x() - 6;
    m_droppedLabel->setGeometry(right - s.width(), 5, s.width(), s.height());
    m_droppedLabel->raise();
}

void ChartPanel::keyPressEvent(QKeyEvent* event) {
    if (m_timeAxis && event->key() == Qt::Key_End) {
        setFollowing(true);
        event->accept();
        return;
    }
    QWidget::keyPressEvent(event);
}

void ChartPanel::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    placeDroppedLabel();
    markDirty();  // the axes' tick counts follow the width (chart::fitTickCount)
}

void ChartPanel::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_droppedLabel) {
        QPalette amber = palette();
        amber.setColor(QPalette::WindowText, theme::amber());
        m_droppedLabel->setPalette(amber);
        if (m_plot) chart::applyTheme(m_plot, palette());
        onThemeChanged();
        markDirty();
    }
}

const nlohmann::json* ChartPanel::option(const char* key) const {
    m_optionsRead.insert(QString::fromLatin1(key));
    auto it = m_options.find(key);
    return it == m_options.end() ? nullptr : &*it;
}

double ChartPanel::optionNumber(const char* key, double fallback) const {
    const nlohmann::json* v = option(key);
    return v && v->is_number() ? v->get<double>() : fallback;
}

bool ChartPanel::hasOptionNumber(const char* key) const {
    const nlohmann::json* v = option(key);
    return v && v->is_number();
}

int ChartPanel::optionInt(const char* key, int fallback) const {
    return int(optionNumber(key, fallback));
}

bool ChartPanel::optionBool(const char* key, bool fallback) const {
    const nlohmann::json* v = option(key);
    return v && v->is_boolean() ? v->get<bool>() : fallback;
}

QString ChartPanel::optionString(const char* key, const QString& fallback) const {
    const nlohmann::json* v = option(key);
    return v && v->is_string() ? QString::fromStdString(v->get<std::string>()) : fallback;
}

QSize ChartPanel::exportSize(int width, int height) const {
    const QSize own = size().isEmpty() ? QSize(640, 400) : size();
    return QSize(width > 0 ? width : own.width(), height > 0 ? height : own.height());
}

void ChartPanel::paintExport(QPainter* painter, const QSize& size) {
    const QPalette pal = palette();
    painter->fillRect(QRect(QPoint(0, 0), size), pal.color(QPalette::Base));
    painter->setPen(pal.color(QPalette::Text));
    painter->setFont(theme::scaledFont(font(), 1.1, QFont::DemiBold));
    painter->drawText(
        QRect(10, 0, size.width() - 20, kExportTitleHeight), Qt::AlignLeft | Qt::AlignVCenter,
        QString::fromStdString(m_config.title.empty() ? m_config.nodeId : m_config.title));
    const QSize body(size.width(), std::max(1, size.height() - kExportTitleHeight));
    painter->save();
    painter->translate(0, kExportTitleHeight);
    if (m_plot) {
        renderFrame();
        // toPainter needs a QCPPainter; every export path below makes one.
        m_plot->toPainter(static_cast<QCPPainter*>(painter), body.width(), body.height());
    } else if (m_content) {
        const QSize own = m_content->size().isEmpty() ? body : m_content->size();
        painter->scale(double(body.width()) / own.width(), double(body.height()) / own.height());
        m_content->render(painter, QPoint(), QRegion(), QWidget::DrawChildren);
    }
    painter->restore();
}

bool ChartPanel::exportPng(const QString& path, int width, int height) {
    const QSize s = exportSize(width, height);
    QImage image(s, QImage::Format_ARGB32_Premultiplied);
    image.fill(palette().color(QPalette::Base));
    {
        QCPPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        paintExport(&painter, s);
    }
    return image.save(path, "PNG");
}

bool ChartPanel::exportSvg(const QString& path, int width, int height) {
    const QSize s = exportSize(width, height);
    QSvgGenerator generator;
    generator.setFileName(path);
    generator.setSize(s);
    generator.setViewBox(QRect(QPoint(0, 0), s));
    generator.setTitle(QString::fromStdString(m_config.title));
    QCPPainter painter;
    if (!painter.begin(&generator)) return false;
    paintExport(&painter, s);
    return painter.end();
}

bool ChartPanel::exportPdf(const QString& path, int width, int height) {
    const QSize s = exportSize(width, height);
    QPdfWriter writer(path);
    writer.setResolution(96);
    writer.setPageSize(
        QPageSize(QSizeF(s.width() * 72.0 / 96, s.height() * 72.0 / 96), QPageSize::Point));
    writer.setPageMargins(QMarginsF(0, 0, 0, 0));
    writer.setTitle(QString::fromStdString(m_config.title));
    writer.setCreator(QStringLiteral("Riffle"));
    QCPPainter painter;
    if (!painter.begin(&writer)) return false;
    paintExport(&painter, s);
    return painter.end();
}

bool ChartPanel::exportCsv(const QString& path) const {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    QTextStream out(&file);
    for (const QStringList& row : csvTable()) {
        QStringList fields;
        fields.reserve(row.size());
        for (const QString& field : row) fields << chart::csvField(field);
        out << fields.join(QLatin1Char(',')) << "\r\n";
    }
    out.flush();
    return file.error() == QFileDevice::NoError;
}

}  // namespace riffle
