#pragma once
// One wire on the canvas: a smooth cubic curve from an output port to an input port, 2 px. While
// running it carries its rate as a label and its colour follows the queue fill of its target
// (grey, amber, red: back-pressure made visible).
//
// Also WirePreviewItem (the wire being dragged) and HintLabelItem (the red "✕ reason" shown near
// the cursor over a port that refuses the wire).
//
// Views only, refreshed by GraphScene. Threading: GUI thread only.
#include <QGraphicsItem>
#include <QPainterPath>
#include <QString>

#include "engine/graph/node_spec.h"
#include "engine/graph/project.h"

namespace riffle {

class NodeItem;

// The curve between two ports; `fromBottom` for `late`/`errors` ports, which leave downwards.
QPainterPath wirePath(QPointF from, QPointF to, bool fromBottom);

class EdgeItem : public QGraphicsItem {
public:
    enum { Type = UserType + 2 };
    EdgeItem(const EdgeDef& edge, NodeItem* from, NodeItem* to);
    ~EdgeItem() override;
    int type() const override { return Type; }

    const QString& key() const { return m_key; }
    const EdgeDef& edge() const { return m_edge; }
    NodeItem* fromItem() const { return m_from; }
    NodeItem* toItem() const { return m_to; }
    // What the wire carries: its source port's kind (PortSpec::kind).
    PortKind fromKind() const;
    // A card being deleted before its wires (scene teardown) lets go of them.
    void forgetNode(const NodeItem* node);

    const QPainterPath& path() const { return m_path; }
    // Recomputes the curve after a card moved or changed its layout.
    void updatePath();
    // `ratePerSecond` < 0: unknown (`late` and `errors` wires), no label.
    void setRunState(bool running, double ratePerSecond, double queueFill);
    bool isRunning() const { return m_running; }
    QString rateText() const;  // "48.2 K/s" while running, else ""
    QColor wireColor() const;

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

protected:
    void hoverEnterEvent(QGraphicsSceneHoverEvent* event) override;
    void hoverLeaveEvent(QGraphicsSceneHoverEvent* event) override;
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

private:
    QRectF labelRect() const;

    EdgeDef m_edge;
    QString m_key;
    NodeItem* m_from;
    NodeItem* m_to;
    QPainterPath m_path;
    QPainterPath m_shape;
    QRectF m_bounds;
    bool m_running = false;
    double m_rate = 0, m_fill = 0;
    bool m_hovered = false;
};

// The wire following the cursor while the user drags from a port.
class WirePreviewItem : public QGraphicsItem {
public:
    WirePreviewItem();
    void setEnds(QPointF from, QPointF to, bool fromBottom);
    // Green when it snaps to a port that accepts it, red over one that refuses it.
    enum class State { Free, Accepted, Refused };
    void setState(State state);
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    QPainterPath m_path;
    State m_state = State::Free;
};

// A small label that keeps its size at every zoom ("✕ input `in` already has a wire").
class HintLabelItem : public QGraphicsItem {
public:
    HintLabelItem();
    void setText(const QString& text);
    const QString& text() const { return m_text; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    QString m_text;
    QRectF m_rect;
};

}  // namespace riffle
