#pragma once
// The canvas widget: a QGraphicsView over a GraphScene with the node editor's navigation.
//
// Wheel zooms (10 %–400 %) around the cursor; the middle button or Space+drag pans; dragging on
// empty canvas draws a rubber band; Ctrl-click toggles a card's selection. Node types dropped
// from the palette (mime type kNodeTypeMime, the type id as UTF-8) are added where they land.
// Tab or a double-click on empty canvas opens the quick-add search. An empty canvas shows a hint.
// The usual edit keys (Delete, Ctrl+C/X/V/D/A, Ctrl+0, Ctrl+=/-) work when the view has focus
// and no window action has taken them.
//
// Threading: GUI thread only.
#include <QGraphicsView>

namespace riffle {

class GraphScene;
class QuickAddPopup;

class GraphView : public QGraphicsView {
    Q_OBJECT
public:
    static constexpr const char* kNodeTypeMime = "application/x-riffle-node-type";
    static constexpr double kMinZoom = 0.1;
    static constexpr double kMaxZoom = 4.0;
    // The smallest zoom at which a card's title and rate can be read (about 9 px text); a
    // project opens at no less than this.
    static constexpr double kReadableZoom = 0.75;

    explicit GraphView(GraphScene* scene, QWidget* parent = nullptr);
    GraphScene* graphScene() const { return m_scene; }

    double zoom() const;
    // Zooms keeping the scene point under `viewportPos` where it is.
    void setZoom(double zoom, QPointF viewportPos);
    QuickAddPopup* quickAddPopup() const { return m_quickAdd; }

public slots:
    void zoomIn();
    void zoomOut();
    void resetZoom();
    void fitToView();
    // As fitToView(), but never below kReadableZoom: then the graph's top left is in view.
    void fitReadable();
    // Opens the quick-add search at the cursor (or the middle of the view when it is elsewhere).
    void openQuickAdd();
    void openQuickAddAt(QPoint viewportPos);

signals:
    void zoomChanged(double zoom);

protected:
    bool event(QEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void drawBackground(QPainter* painter, const QRectF& rect) override;
    void drawForeground(QPainter* painter, const QRectF& rect) override;
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    QPointF toScene(QPointF viewportPos) const;
    void endPan();

    GraphScene* m_scene;
    QuickAddPopup* m_quickAdd = nullptr;
    bool m_fitPending = true;  // fit once the view has its size, and after a project opens
    bool m_spaceHeld = false;
    bool m_panning = false;
    Qt::MouseButton m_panButton = Qt::NoButton;
    QPointF m_panLast;
};

}  // namespace riffle
