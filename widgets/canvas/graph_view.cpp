#include "widgets/canvas/graph_view.h"

#include <QApplication>
#include <QKeyEvent>
#include <QMimeData>
#include <QPainter>
#include <QPixmapCache>
#include <QScrollBar>
#include <QTimer>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include "widgets/canvas/canvas_style.h"
#include "widgets/canvas/graph_scene.h"
#include "widgets/canvas/node_item.h"
#include "widgets/canvas/quick_add_popup.h"
#include "widgets/model/graph_model.h"

namespace riffle {

GraphView::GraphView(GraphScene* scene, QWidget* parent)
    : QGraphicsView(scene, parent), m_scene(scene) {
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing |
                   QPainter::SmoothPixmapTransform);
    // Panning scrolls what is on screen and redraws only the strip that comes into view; the dot
    // grid is drawn once into the background cache.
    setViewportUpdateMode(SmartViewportUpdate);
    setCacheMode(CacheBackground);
    // Each card keeps its pixmap in QPixmapCache; at 2x device pixel ratio a screenful of cards
    // outgrows the default 10 MB and panning would redraw them all the time.
    QPixmapCache::setCacheLimit(std::max(QPixmapCache::cacheLimit(), 96 * 1024));
    setOptimizationFlag(DontAdjustForAntialiasing);  // items' bounds include their antialiasing
    setTransformationAnchor(NoAnchor);
    // A narrower view (the inspector appearing) cuts off the right, not both sides: the cards
    // stay where they are on screen.
    setResizeAnchor(NoAnchor);
    setDragMode(RubberBandDrag);
    setRubberBandSelectionMode(Qt::IntersectsItemShape);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setFrameShape(QFrame::NoFrame);
    setAcceptDrops(true);
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    m_scene->setPalette(palette());
    m_scene->setFont(font());
    m_quickAdd = new QuickAddPopup(scene, this);
    connect(m_quickAdd, &QuickAddPopup::nodeAdded, this, [this](const QString& id) {
        setFocus();
        // All of the new card in view, even when it was added at the viewport's edge.
        if (const NodeItem* item = m_scene->nodeItem(id))
            ensureVisible(item->sceneBoundingRect(), 40, 40);
    });
    connect(scene, &GraphScene::addNodeRequested, this,
            [this](QPointF scenePos) { openQuickAddAt(mapFromScene(scenePos)); });
    connect(scene, &GraphScene::fitRequested, this, &GraphView::fitToView);
    connect(scene->model(), &GraphModel::reset, this, [this] {
        m_fitPending = true;
        if (isVisible())
            QTimer::singleShot(0, this, [this] {
                if (m_fitPending) fitReadable();
            });
    });
    // The empty-canvas hint covers the whole viewport: repaint all of it when it comes or goes
    // (a new card alone would repaint only its own rectangle and leave the hint behind it).
    for (auto signal : {&GraphModel::nodeAdded, &GraphModel::nodeRemoved})
        connect(scene->model(), signal, this, [this] {
            if (m_scene->nodeCount() <= 1) viewport()->update();
        });
}

double GraphView::zoom() const {
    return transform().m11();
}

QPointF GraphView::toScene(QPointF viewportPos) const {
    return viewportTransform().inverted().map(viewportPos);
}

void GraphView::setZoom(double z, QPointF viewportPos) {
    z = std::clamp(z, kMinZoom, kMaxZoom);
    if (std::abs(z - zoom()) < 1e-9) return;
    const QPointF before = toScene(viewportPos);
    setTransform(QTransform::fromScale(z, z));
    const QPointF after = toScene(viewportPos);
    const QPointF shift = (before - after) * z;
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() + qRound(shift.x()));
    verticalScrollBar()->setValue(verticalScrollBar()->value() + qRound(shift.y()));
    emit zoomChanged(z);
}

void GraphView::zoomIn() {
    setZoom(zoom() * 1.25, QRectF(viewport()->rect()).center());
}
void GraphView::zoomOut() {
    setZoom(zoom() / 1.25, QRectF(viewport()->rect()).center());
}
void GraphView::resetZoom() {
    setZoom(1.0, QRectF(viewport()->rect()).center());
}

void GraphView::fitReadable() {
    fitToView();
    const QRectF r = m_scene->nodesBoundingRect();
    if (r.isEmpty() || zoom() >= kReadableZoom) return;
    // Too big to fit at a size one can read: readable, from the graph's top left (its sources),
    // and the rest a pan away.
    setTransform(QTransform::fromScale(kReadableZoom, kReadableZoom));
    const QSizeF view = QSizeF(viewport()->size()) / kReadableZoom;
    const double margin = 40;
    const double top = r.height() + 2 * margin <= view.height() ? r.center().y() - view.height() / 2
                                                                : r.top() - margin;
    centerOn(QPointF(r.left() - margin + view.width() / 2, top + view.height() / 2));
    emit zoomChanged(kReadableZoom);
}

void GraphView::fitToView() {
    m_fitPending = false;
    const QRectF r = m_scene->nodesBoundingRect();
    if (r.isEmpty()) {
        setTransform(QTransform());
        centerOn(0, 0);
        emit zoomChanged(1.0);
        return;
    }
    const QSizeF view = viewport()->size();
    const double margin = 60;
    // Never zoom in past 125 %: a small graph stays at a natural size in the middle.
    const double z = std::clamp(std::min(view.width() / (r.width() + 2 * margin),
                                         view.height() / (r.height() + 2 * margin)),
                                kMinZoom, 1.25);
    setTransform(QTransform::fromScale(z, z));
    centerOn(r.center());
    emit zoomChanged(z);
}

void GraphView::openQuickAdd() {
    const QPoint local = viewport()->mapFromGlobal(QCursor::pos());
    openQuickAddAt(viewport()->rect().contains(local) ? local : viewport()->rect().center());
}

void GraphView::openQuickAddAt(QPoint viewportPos) {
    m_scene->cancelWire();
    m_quickAdd->openAt(viewport()->mapToGlobal(viewportPos), toScene(viewportPos));
}

bool GraphView::event(QEvent* event) {
    // Tab opens quick-add instead of moving the focus on.
    if (event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Tab &&
            !(key->modifiers() & (Qt::ControlModifier | Qt::AltModifier | Qt::ShiftModifier))) {
            openQuickAdd();
            return true;
        }
    }
    return QGraphicsView::event(event);
}

void GraphView::wheelEvent(QWheelEvent* event) {
    const int delta = event->angleDelta().y();
    if (delta == 0) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    // One notch (120) is about 20 %; trackpads send smaller steps.
    setZoom(zoom() * std::pow(1.0015, delta), event->position());
    event->accept();
}

void GraphView::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::MiddleButton || (event->button() == Qt::LeftButton && m_spaceHeld)) {
        m_panning = true;
        m_panButton = event->button();
        m_panLast = event->position();
        viewport()->setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    QGraphicsView::mousePressEvent(event);
}

void GraphView::mouseMoveEvent(QMouseEvent* event) {
    if (m_panning) {
        const QPointF delta = event->position() - m_panLast;
        m_panLast = event->position();
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - qRound(delta.x()));
        verticalScrollBar()->setValue(verticalScrollBar()->value() - qRound(delta.y()));
        event->accept();
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void GraphView::mouseReleaseEvent(QMouseEvent* event) {
    if (m_panning && event->button() == m_panButton) {
        endPan();
        event->accept();
        return;
    }
    QGraphicsView::mouseReleaseEvent(event);
}

void GraphView::endPan() {
    m_panning = false;
    m_panButton = Qt::NoButton;
    if (m_spaceHeld)
        viewport()->setCursor(Qt::OpenHandCursor);
    else
        viewport()->unsetCursor();
}

void GraphView::mouseDoubleClickEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton && !itemAt(event->position().toPoint())) {
        openQuickAddAt(event->position().toPoint());
        event->accept();
        return;
    }
    QGraphicsView::mouseDoubleClickEvent(event);
}

void GraphView::keyPressEvent(QKeyEvent* event) {
    if (m_scene->isWiring() || m_scene->mouseGrabberItem()) {
        QGraphicsView::keyPressEvent(event);
        return;
    }
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceHeld = true;
        if (!m_panning) viewport()->setCursor(Qt::OpenHandCursor);
        event->accept();
        return;
    }
    if (event->key() == Qt::Key_Space) return;  // auto-repeat while held
    const auto ctrl = event->modifiers() & Qt::ControlModifier;
    if (event->matches(QKeySequence::Delete) || event->key() == Qt::Key_Backspace) {
        m_scene->deleteSelection();
    } else if (event->matches(QKeySequence::Copy)) {
        m_scene->copySelection();
    } else if (event->matches(QKeySequence::Cut)) {
        m_scene->cutSelection();
    } else if (event->matches(QKeySequence::Paste)) {
        m_scene->paste();
    } else if (event->matches(QKeySequence::SelectAll)) {
        m_scene->selectAll();
    } else if (ctrl && event->key() == Qt::Key_D) {
        m_scene->duplicateSelection();
    } else if (ctrl && event->key() == Qt::Key_0) {
        fitToView();
    } else if (event->matches(QKeySequence::ZoomIn) || (ctrl && event->key() == Qt::Key_Equal)) {
        zoomIn();
    } else if (event->matches(QKeySequence::ZoomOut)) {
        zoomOut();
    } else {
        QGraphicsView::keyPressEvent(event);
        return;
    }
    event->accept();
}

void GraphView::keyReleaseEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceHeld = false;
        if (!m_panning) viewport()->unsetCursor();
        event->accept();
        return;
    }
    QGraphicsView::keyReleaseEvent(event);
}

void GraphView::focusOutEvent(QFocusEvent* event) {
    m_spaceHeld = false;
    if (!m_panning) viewport()->unsetCursor();
    QGraphicsView::focusOutEvent(event);
}

void GraphView::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasFormat(kNodeTypeMime)) {
        event->acceptProposedAction();
        return;
    }
    QGraphicsView::dragEnterEvent(event);
}

void GraphView::dragMoveEvent(QDragMoveEvent* event) {
    if (event->mimeData()->hasFormat(kNodeTypeMime)) {
        event->acceptProposedAction();
        return;
    }
    QGraphicsView::dragMoveEvent(event);
}

void GraphView::dropEvent(QDropEvent* event) {
    if (!event->mimeData()->hasFormat(kNodeTypeMime)) {
        QGraphicsView::dropEvent(event);
        return;
    }
    const QString typeId = QString::fromUtf8(event->mimeData()->data(kNodeTypeMime)).trimmed();
    if (m_scene->addNode(typeId, toScene(event->position())).isEmpty()) {
        event->ignore();
        return;
    }
    event->acceptProposedAction();
    setFocus();
}

void GraphView::drawBackground(QPainter* painter, const QRectF& rect) {
    const canvas::Colors& c = canvas::colors(palette());
    painter->fillRect(rect, c.canvas);
    // Dots on the snap grid; when zoomed out they thin out to every 5th, then 25th point.
    const double z = zoom();
    double step = canvas::kGridStep;
    while (step * z < 14) step *= 5;
    const int size = step * z >= 30 && z >= 0.75 ? 2 : 1;
    const QTransform toDevice = painter->worldTransform();
    QVector<QRect> dots;
    const double left = std::floor(rect.left() / step) * step;
    const double top = std::floor(rect.top() / step) * step;
    dots.reserve(static_cast<int>((rect.width() / step + 2) * (rect.height() / step + 2)));
    for (double y = top; y <= rect.bottom(); y += step)
        for (double x = left; x <= rect.right(); x += step) {
            const QPointF d = toDevice.map(QPointF(x, y));
            dots.append(QRect(qRound(d.x() - size / 2.0), qRound(d.y() - size / 2.0), size, size));
        }
    // Whole device pixels without antialiasing: the cheapest fill there is.
    painter->save();
    painter->resetTransform();
    painter->setRenderHint(QPainter::Antialiasing, false);
    painter->setPen(Qt::NoPen);
    painter->setBrush(c.dot);
    painter->drawRects(dots.constData(), static_cast<int>(dots.size()));
    painter->restore();
}

void GraphView::drawForeground(QPainter* painter, const QRectF&) {
    if (m_scene->nodeCount() > 0) return;
    painter->save();
    painter->resetTransform();
    const QRectF area = viewport()->rect();
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 1.2);
    painter->setFont(f);
    QColor text = palette().color(QPalette::PlaceholderText);
    if (!text.isValid() || text == palette().color(QPalette::Text))
        text = canvas::colors(palette()).subtext;
    painter->setPen(text);
    painter->drawText(area.adjusted(24, 0, -24, 0), Qt::AlignCenter | Qt::TextWordWrap,
                      tr("Drag a source from the palette, or press Tab to add a node"));
    painter->restore();
}

void GraphView::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) {
        m_scene->setPalette(palette());
        resetCachedContent();
        viewport()->update();
    } else if (event->type() == QEvent::FontChange) {
        m_scene->setFont(font());
    }
    QGraphicsView::changeEvent(event);
}

void GraphView::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    if (m_fitPending && isVisible() && !viewport()->size().isEmpty()) fitReadable();
}

}  // namespace riffle
