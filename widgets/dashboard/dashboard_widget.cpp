#include "widgets/dashboard/dashboard_widget.h"

#include <QPainter>
#include <QScrollArea>
#include <QScrollBar>
#include <QTimer>
#include <QUndoStack>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/canvas/canvas_style.h"
#include "widgets/dashboard/chart_panel.h"
#include "widgets/model/commands.h"

namespace riffle {

using namespace dashboard;

namespace {

constexpr int kFrameIntervalMs = 16;  // display rate, at most 60 Hz
// The share of one core all panels together may spend drawing while data streams in; each panel
// slows its frame rate (down to 30 Hz) to keep within its part.
constexpr double kDrawBudget = 0.4;
// Narrower than this, the grid's columns are too thin for a chart: panels are shown one per row,
// full width and in layout order (the saved layout is kept for a wider dashboard).
constexpr int kStackBelowPx = 720;
// One panel per row still reads at this width (tick counts and labels follow it), so a small
// screen with the inspector open does not need to scroll the dashboard sideways.
constexpr int kMinGridWidth = 260;

}  // namespace

// The scrolled area the panels sit on: the background, the empty hint and, while dragging, the
// cells the panel will land on.
class DashboardWidget::Grid : public QWidget {
public:
    explicit Grid(DashboardWidget* owner) : QWidget(owner), m_owner(owner) {
        setMinimumWidth(kMinGridWidth);
    }
    void setTarget(QRect px) {
        if (px == m_target) return;
        update(m_target.adjusted(-2, -2, 2, 2));
        m_target = px;
        update(m_target.adjusted(-2, -2, 2, 2));
    }

protected:
    void paintEvent(QPaintEvent* event) override {
        const canvas::Colors& c = canvas::colors(palette());
        QPainter p(this);
        p.fillRect(event->rect(), c.canvas);
        if (!m_target.isNull()) {
            p.setRenderHint(QPainter::Antialiasing);
            QColor fill = c.selection;
            fill.setAlphaF(0.14f);
            p.setBrush(fill);
            p.setPen(QPen(c.selection, 1.5, Qt::DashLine));
            p.drawRoundedRect(QRectF(m_target).adjusted(0.75, 0.75, -0.75, -0.75), 6, 6);
        }
        if (m_owner->m_frames.isEmpty()) {
            // Same look as the canvas's empty hint (GraphView::drawForeground).
            const QRect area = m_owner->m_scroll->viewport()->rect();
            QFont f = font();
            f.setPointSizeF(f.pointSizeF() * 1.2);
            p.setFont(f);
            QColor text = palette().color(QPalette::PlaceholderText);
            if (!text.isValid() || text == palette().color(QPalette::Text)) text = c.subtext;
            p.setPen(text);
            p.drawText(
                area.adjusted(24, 0, -24, 0), Qt::AlignCenter | Qt::TextWordWrap,
                DashboardWidget::tr("Add a chart from the palette's Charts group and connect it"));
        }
    }
    void resizeEvent(QResizeEvent*) override {
        if (!m_owner->m_drag) m_owner->applyGeometry();
    }

private:
    DashboardWidget* m_owner;
    QRect m_target;
};

DashboardWidget::DashboardWidget(GraphModel* model, QUndoStack* undo, QWidget* parent)
    : QWidget(parent), m_model(model), m_undo(undo) {
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    m_scroll = new QScrollArea(this);
    m_scroll->setObjectName("dashboardScroll");
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setWidgetResizable(true);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_scroll->setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_grid = new Grid(this);
    m_grid->setObjectName("dashboardGrid");
    m_scroll->setWidget(m_grid);
    m_scroll->verticalScrollBar()->setSingleStep(kRowHeight / 2);
    lay->addWidget(m_scroll);

    m_frameTimer = new QTimer(this);
    m_frameTimer->setTimerType(Qt::PreciseTimer);
    m_frameTimer->setInterval(kFrameIntervalMs);
    connect(m_frameTimer, &QTimer::timeout, this, &DashboardWidget::frameTick);

    connect(m_model, &GraphModel::reset, this, &DashboardWidget::rebuild);
    connect(m_model, &GraphModel::dashboardChanged, this, &DashboardWidget::reloadLayout);
    connect(m_model, &GraphModel::nodeAdded, this, [this](const QString& id) {
        if (isChart(id)) addPanel(id);
    });
    connect(m_model, &GraphModel::nodeRemoved, this, &DashboardWidget::removePanel);
    connect(m_model, &GraphModel::nodeChanged, this, [this](const QString& id) {
        if (PanelFrame* f = m_frames.value(id)) f->setTitle(m_model->displayTitle(id));
    });
    rebuild();
}

DashboardWidget::~DashboardWidget() = default;

bool DashboardWidget::isChart(const QString& nodeId) const {
    const NodeSpec* spec = m_model->spec(nodeId);
    return spec && spec->isChart();
}

void DashboardWidget::setPanelFactory(PanelFactory factory) {
    m_factory = std::move(factory);
    for (auto it = m_frames.begin(); it != m_frames.end(); ++it)
        it.value()->setContent(m_factory ? m_factory(it.key()) : nullptr);
}

void DashboardWidget::refreshPanel(const QString& nodeId) {
    if (PanelFrame* f = m_frames.value(nodeId))
        f->setContent(m_factory ? m_factory(nodeId) : nullptr);
}

QWidget* DashboardWidget::panelContent(const QString& nodeId) const {
    const PanelFrame* f = m_frames.value(nodeId);
    return f ? f->content() : nullptr;
}

PanelFrame* DashboardWidget::panelFrame(const QString& nodeId) const {
    return m_frames.value(nodeId);
}

QStringList DashboardWidget::panelIds() const {
    QStringList ids;
    for (const Placement& p : m_layout) ids << p.node;
    return ids;
}

QRect DashboardWidget::panelCells(const QString& nodeId) const {
    const Placement* p = dashboard::find(m_layout, nodeId);
    return p ? p->cells : QRect();
}

QWidget* DashboardWidget::gridArea() const {
    return m_grid;
}

QRect DashboardWidget::cellRect(QRect cells) const {
    // Fractional column widths, rounded at each edge, keep every gap exactly kGap wide.
    const double colStep = (m_grid->width() - kGap) / double(kColumns);
    const int rowStep = kRowHeight + kGap;
    const int left = int(std::lround(kGap + cells.x() * colStep));
    const int right = int(std::lround(kGap + (cells.x() + cells.width()) * colStep)) - kGap;
    const int top = kGap + cells.y() * rowStep;
    const int bottom = kGap + (cells.y() + cells.height()) * rowStep - kGap;
    return QRect(QPoint(left, top), QPoint(right - 1, bottom - 1));
}

void DashboardWidget::noteData(const QString& nodeId) {
    if (PanelFrame* f = m_frames.value(nodeId)) f->noteData();
}

void DashboardWidget::setDropped(const QString& nodeId, qint64 count) {
    if (PanelFrame* f = m_frames.value(nodeId)) f->setDropped(count);
}

void DashboardWidget::setRunning(bool running) {
    m_running = running;
    for (PanelFrame* f : std::as_const(m_frames)) f->setRunning(running);
    if (running)
        m_frameTimer->start();
    else
        m_frameTimer->stop();
}

void DashboardWidget::setMaximizedPanel(const QString& nodeId) {
    m_maximized = m_frames.contains(nodeId) ? nodeId : QString();
    applyGeometry();
}

QPixmap DashboardWidget::renderAll() {
    // A dashboard that was never shown has no width yet: lay it out at a typical size.
    if (m_grid->width() < kMinGridWidth)
        m_grid->resize(std::max(m_scroll->viewport()->width(), 960), m_grid->height());
    applyGeometry();
    return m_grid->grab();
}

bool DashboardWidget::exportPng(const QString& path) {
    const QPixmap pm = renderAll();
    return !pm.isNull() && pm.save(path, "PNG");
}

// ---- panels

PanelFrame* DashboardWidget::makeFrame(const QString& nodeId) {
    auto* f = new PanelFrame(nodeId, m_grid);
    f->setTitle(m_model->displayTitle(nodeId));
    f->setContent(m_factory ? m_factory(nodeId) : nullptr);
    f->setRunning(m_running);
    connect(f, &PanelFrame::exportRequested, this, &DashboardWidget::exportRequested);
    connect(f, &PanelFrame::optionsRequested, this, &DashboardWidget::optionsRequested);
    connect(f, &PanelFrame::removeRequested, this, [this](const QString& id) {
        if (m_model->node(id)) m_undo->push(new RemoveItemsCommand(m_model, {id}, {}));
    });
    connect(f, &PanelFrame::maximizeToggled, this,
            [this](const QString& id) { setMaximizedPanel(m_maximized == id ? QString() : id); });
    connect(f, &PanelFrame::dragStarted, this, &DashboardWidget::onDragStarted);
    connect(f, &PanelFrame::dragMoved, this, &DashboardWidget::onDragMoved);
    connect(f, &PanelFrame::dragFinished, this, &DashboardWidget::onDragFinished);
    f->show();
    return f;
}

void DashboardWidget::rebuild() {
    m_drag.reset();
    m_maximized.clear();
    for (PanelFrame* f : std::as_const(m_frames)) {
        const QString id = f->nodeId();
        delete f;
        emit panelRemoved(id);
    }
    m_frames.clear();
    for (const NodeDef& n : m_model->project().nodes)
        if (const QString id = QString::fromStdString(n.id); isChart(id)) {
            m_frames.insert(id, makeFrame(id));
        }
    reloadLayout();
    for (const Placement& p : m_layout) emit panelAdded(p.node);
}

void DashboardWidget::reloadLayout() {
    QStringList ids;
    for (const NodeDef& n : m_model->project().nodes)
        if (m_frames.contains(QString::fromStdString(n.id))) ids << QString::fromStdString(n.id);
    m_layout = readLayout(m_model->dashboard(), ids);
    applyGeometry();
}

void DashboardWidget::addPanel(const QString& nodeId) {
    if (m_frames.contains(nodeId)) return;
    m_frames.insert(nodeId, makeFrame(nodeId));
    // The others stay where they are; an undone removal gets its saved place back when free.
    QRect cells;
    const bool saved = savedPlace(m_model->dashboard(), nodeId, &cells);
    const bool free =
        saved && std::none_of(m_layout.begin(), m_layout.end(),
                              [&](const Placement& p) { return p.cells.intersects(cells); });
    Placement placement{nodeId, free ? cells : firstFreePlace(m_layout)};
    // Keep the project's node order.
    const int index = m_model->nodeIndex(nodeId);
    auto at = std::find_if(m_layout.begin(), m_layout.end(),
                           [&](const Placement& p) { return m_model->nodeIndex(p.node) > index; });
    m_layout.insert(at, placement);
    applyGeometry();
    m_grid->update();
    emit panelAdded(nodeId);
}

void DashboardWidget::removePanel(const QString& nodeId) {
    PanelFrame* f = m_frames.take(nodeId);
    if (!f) return;
    if (m_drag && m_drag->frame == f) {
        m_drag.reset();
        m_grid->setTarget({});
    }
    delete f;
    m_layout.erase(std::remove_if(m_layout.begin(), m_layout.end(),
                                  [&](const Placement& p) { return p.node == nodeId; }),
                   m_layout.end());
    if (m_maximized == nodeId) m_maximized.clear();
    applyGeometry();
    m_grid->update();
    emit panelRemoved(nodeId);
}

// ---- geometry

void DashboardWidget::updateGridHeight(int rows) {
    m_grid->setMinimumHeight(m_maximized.isEmpty() ? kGap + rows * (kRowHeight + kGap) : 0);
}

void DashboardWidget::placeFrames(const Layout& layout, const PanelFrame* except) {
    for (const Placement& p : layout)
        if (PanelFrame* f = m_frames.value(p.node); f && f != except)
            f->setGeometry(cellRect(p.cells));
}

void DashboardWidget::applyGeometry() {
    for (PanelFrame* f : m_frames)
        if (auto* panel = qobject_cast<ChartPanel*>(f->content()))
            panel->setFrameBudget(kDrawBudget / double(m_frames.size()));
    updateGridHeight(rowCount(m_layout));
    if (!m_maximized.isEmpty()) {
        const QRect all = m_scroll->viewport()->rect().adjusted(kGap, kGap, -kGap, -kGap);
        for (auto it = m_frames.begin(); it != m_frames.end(); ++it) {
            it.value()->setVisible(it.key() == m_maximized);
            if (it.key() == m_maximized) {
                it.value()->resizeGrip()->hide();
                it.value()->setGeometry(all);
                it.value()->raise();
            }
        }
        return;
    }
    const bool stacked = isStacked();
    for (PanelFrame* f : std::as_const(m_frames)) {
        f->show();
        f->resizeGrip()->setVisible(!stacked);
    }
    const dashboard::Layout shown = stacked ? stackedLayout(m_layout) : m_layout;
    updateGridHeight(rowCount(shown));
    placeFrames(shown, nullptr);
}

bool DashboardWidget::isStacked() const {
    return m_grid->width() < kStackBelowPx;
}

dashboard::Layout DashboardWidget::stackedLayout(dashboard::Layout layout) {
    std::stable_sort(layout.begin(), layout.end(), [](const Placement& a, const Placement& b) {
        return std::make_pair(a.cells.y(), a.cells.x()) < std::make_pair(b.cells.y(), b.cells.x());
    });
    int y = 0;
    for (Placement& p : layout) {
        p.cells = QRect(0, y, kColumns, p.cells.height());
        y += p.cells.height();
    }
    return layout;
}

// ---- dragging

void DashboardWidget::onDragStarted(PanelFrame* frame, PanelFrame::DragKind kind,
                                    QPoint globalPos) {
    // Stacked panels are not where the layout puts them: moving them would move something else.
    if (!m_maximized.isEmpty() || isStacked() || !dashboard::find(m_layout, frame->nodeId()))
        return;
    Drag d;
    d.frame = frame;
    d.kind = kind;
    d.pressGlobal = globalPos;
    d.startGeometry = frame->geometry();
    d.startLayout = m_layout;
    d.preview = m_layout;
    d.target = dashboard::find(m_layout, frame->nodeId())->cells;
    m_drag = std::move(d);
    frame->raise();
    frame->setLifted(true);
    m_grid->setTarget(cellRect(m_drag->target));
}

void DashboardWidget::onDragMoved(QPoint globalPos) {
    if (!m_drag || !m_drag->frame) return;
    Drag& d = *m_drag;
    const QPoint delta = globalPos - d.pressGlobal;
    const double colStep = (m_grid->width() - kGap) / double(kColumns);
    const int rowStep = kRowHeight + kGap;
    QRect geom = d.startGeometry;
    QRect target = d.target;
    if (d.kind == PanelFrame::DragKind::Move) {
        geom.translate(delta);
        geom.moveLeft(std::clamp(geom.left(), 0, std::max(0, m_grid->width() - geom.width())));
        geom.moveTop(std::max(0, geom.top()));
        target.moveTo(int(std::lround((geom.left() - kGap) / colStep)),
                      int(std::lround(double(geom.top() - kGap) / rowStep)));
    } else {
        const QSize minPx = cellRect(QRect(0, 0, kMinWidth, kMinHeight)).size();
        geom.setWidth(
            std::clamp(geom.width() + delta.x(), minPx.width(), m_grid->width() - geom.left()));
        geom.setHeight(std::max(geom.height() + delta.y(), minPx.height()));
        target.setWidth(int(std::lround((geom.width() + kGap) / colStep)));
        target.setHeight(int(std::lround(double(geom.height() + kGap) / rowStep)));
        target.setWidth(std::min(target.width(), kColumns - target.x()));
    }
    target = clampToGrid(target);
    d.frame->setGeometry(geom);
    if (target != d.target) {
        d.target = target;
        d.preview = placeAndPush(d.startLayout, d.frame->nodeId(), target);
        placeFrames(d.preview, d.frame);
        m_grid->setTarget(cellRect(target));
    }
    // Room below the lowest panel to drop into, and scrolling along when near the edge.
    const int rows = std::max(rowCount(d.preview), (geom.bottom() + rowStep) / rowStep);
    updateGridHeight(rows + 2);
    m_scroll->ensureVisible(m_grid->mapFromGlobal(globalPos).x(),
                            m_grid->mapFromGlobal(globalPos).y(), 0, 24);
}

void DashboardWidget::onDragFinished(QPoint, bool cancelled) {
    if (!m_drag) return;
    const Drag d = std::move(*m_drag);
    m_drag.reset();
    m_grid->setTarget({});
    if (d.frame) d.frame->setLifted(false);
    const bool changed = !cancelled && d.frame && [&] {
        for (const Placement& p : d.preview) {
            const Placement* old = dashboard::find(d.startLayout, p.node);
            if (!old || old->cells != p.cells) return true;
        }
        return false;
    }();
    if (!changed) {
        applyGeometry();
        return;
    }
    const QString title = m_model->displayTitle(d.frame->nodeId());
    const QString text = d.kind == PanelFrame::DragKind::Move ? tr("Move panel %1").arg(title)
                                                              : tr("Resize panel %1").arg(title);
    const Json before = m_model->dashboard();
    m_layout = d.preview;
    m_undo->push(
        new SetDashboardLayoutCommand(m_model, before, writeLayout(before, d.preview), text));
    // The command re-reads the layout from the JSON; this places the frames even if it did not.
    applyGeometry();
}

}  // namespace riffle
