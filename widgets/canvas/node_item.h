#pragma once
// One node on the canvas: a rounded card with a header strip in its category's colour, the type
// id, named ports (inputs left, outputs right, `late`/`errors` small at the bottom edge), a
// problem badge, and while running a rate pill with error and late badges.
//
// A view only: GraphScene refreshes it from the GraphModel and moves it; the card never edits the
// model. Its position is the node's top-left corner in the project file.
//
// Threading: GUI thread only.
#include <QGraphicsItem>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVector>

#include "engine/graph/node_spec.h"
#include "widgets/canvas/canvas_style.h"

namespace riffle {

class EdgeItem;
class GraphModel;

class NodeItem : public QGraphicsItem {
public:
    enum { Type = UserType + 1 };
    static constexpr double kWidth = canvas::kCardWidth;

    struct Port {
        QString name;
        QString help;
        bool output = false;
        PortKind kind = PortKind::Data;
        // Late and errors outputs: on the bottom edge, shown when hovered or wired.
        bool special = false;
        int wires = 0;
        QPointF pos;  // centre, item coordinates
    };
    enum class PortState { Normal, Accepts, Refuses };

    explicit NodeItem(const QString& id);
    ~NodeItem() override;
    int type() const override { return Type; }

    const QString& nodeId() const { return m_id; }
    const QString& title() const { return m_title; }
    const QString& typeId() const { return m_typeId; }
    const QString& category() const { return m_category; }

    // Title, type, ports and wire counts from the model.
    void refresh(const GraphModel& model);
    void setProblems(const QStringList& problems);
    const QStringList& problems() const { return m_problems; }
    // While `running`, a pill under the header shows `ratePerSecond`; errors and late counts show
    // as badges when non-zero.
    void setRunState(bool running, double ratePerSecond, double idleSeconds, qint64 errors,
                     qint64 late);
    // A connector's link (LinkState: 0 none, 1 connecting, 2 connected), why it is still
    // connecting, and the events it dropped under overload.
    void setLinkState(int link, const QString& reason, qint64 dropped);
    // A stateful node's state while running: keys and bytes, shown as a badge.
    void setStateSize(qint64 keys, qint64 bytes);
    QString stateText() const;
    QString stateShortText() const;  // the bytes alone, for a card with little room
    bool isConnecting() const { return m_running && m_link == 1; }
    QString linkReason() const { return m_linkReason; }
    QString droppedText() const;
    bool isRunning() const { return m_running; }
    // Something the node is doing before the run (e.g. "reading first messages…"), shown in
    // the status row with an amber dot; "" for none.
    void setActivity(const QString& text);
    const QString& activity() const { return m_activity; }
    QString rateText() const;    // "48.2 K/s" while running, else ""
    QString errorsText() const;  // "12 err" while running with errors, else ""
    QString lateText() const;    // "5 late" while running with late events, else ""

    const QVector<Port>& ports() const { return m_ports; }
    const Port* port(const QString& name, bool output) const;
    QPointF portScenePos(const QString& name, bool output) const;
    // True for ports drawn on the bottom edge: a wire leaves them downwards.
    bool isBottomPort(const QString& name, bool output) const;
    // What the port carries (PortSpec::kind); Data for a port the card does not have.
    PortKind portKind(const QString& name, bool output) const;
    // The port nearest to `localPos` within `radius` (item coordinates); `wantOutput` -1 = any
    // direction, 0 = inputs, 1 = outputs. Hidden special ports are skipped.
    const Port* portAt(QPointF localPos, qreal radius, int wantOutput = -1) const;
    // The port of the given direction nearest to `localPos` anywhere on the card (dropping a
    // wire on a card's body picks its nearest port).
    const Port* nearestPort(QPointF localPos, bool output) const;
    void setPortState(const QString& name, bool output, PortState state);
    void clearPortState();

    QRectF cardRect() const { return QRectF(0, 0, kWidth, m_height); }
    // Moves the card to the model's position without snapping it to the grid.
    void syncPos(QPointF pos);

    void attachEdge(EdgeItem* edge) { m_edges.append(edge); }
    void detachEdge(EdgeItem* edge) { m_edges.removeAll(edge); }
    const QList<EdgeItem*>& edges() const { return m_edges; }

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;
    void hoverEnterEvent(QGraphicsSceneHoverEvent* event) override;
    void hoverMoveEvent(QGraphicsSceneHoverEvent* event) override;
    void hoverLeaveEvent(QGraphicsSceneHoverEvent* event) override;

private:
    class StatusItem;
    void layout();
    void updateEdges();
    double portsTop() const;

    QString m_id, m_title, m_typeId, m_category;
    bool m_unknownType = false;
    QVector<Port> m_ports;
    QStringList m_problems;
    bool m_running = false;
    QString m_activity;
    double m_rate = 0;
    double m_idle = -1;
    qint64 m_errors = 0, m_late = 0;
    int m_link = 0;
    QString m_linkReason;
    qint64 m_dropped = 0;
    qint64 m_stateKeys = 0, m_stateBytes = 0;
    bool m_hovered = false;
    bool m_syncing = false;
    double m_height = 80;
    int m_hotPort = -1;
    PortState m_hotState = PortState::Normal;
    QList<EdgeItem*> m_edges;
    StatusItem* m_status = nullptr;
};

}  // namespace riffle
