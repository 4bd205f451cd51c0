#pragma once
// The canvas's scene: mirrors a GraphModel as node cards and wires, and turns what the user does
// on it (drag cards, drag wires between ports, delete, copy, paste, duplicate, add from the
// palette) into undo commands on the document's QUndoStack. Items are views only: the scene
// rebuilds them from the model's signals, including after undo and redo.
//
// Wiring: press on a port and drag to a port of the other direction (either way round). While
// dragging, the wire snaps to a port that accepts it; over one that refuses it, a red
// "✕ reason" label (GraphModel::checkConnection) follows the cursor. Releasing on an accepting
// port adds the wire; anywhere else, or Esc, cancels.
//
// Threading: GUI thread only.
#include <QGraphicsScene>
#include <QHash>
#include <QPointer>
#include <QStringList>
#include <QVector>
#include <functional>
#include <optional>

#include "widgets/runtime/engine_bridge.h"

class QMenu;
class QUndoStack;

namespace riffle {

class EdgeItem;
class GraphModel;
class HintLabelItem;
class NodeItem;
class WirePreviewItem;
struct Subgraph;

class GraphScene : public QGraphicsScene {
    Q_OBJECT
public:
    GraphScene(GraphModel* model, QUndoStack* undo, QObject* parent = nullptr);
    ~GraphScene() override;

    GraphModel* model() const { return m_model; }
    QUndoStack* undoStack() const { return m_undo; }

    QStringList selectedNodeIds() const;  // in the project's order
    QStringList selectedEdgeKeys() const;
    // Selects only this node and scrolls the views to it (a click in the problems panel).
    void selectNode(const QString& id);
    void selectNodes(const QStringList& ids);

    // Live metrics from EngineBridge::stats(): each card shows its rate and error/late badges,
    // each wire its rate and, by colour, the queue fill of its target. ({}, false) clears them.
    void setRunStats(const QVector<NodeStats>& stats, bool running);
    bool isRunning() const { return m_running; }

    NodeItem* nodeItem(const QString& id) const { return m_nodes.value(id); }
    EdgeItem* edgeItem(const QString& key) const { return m_edges.value(key); }
    int nodeCount() const { return static_cast<int>(m_nodes.size()); }
    // Bounding rectangle of the cards, for fit-to-view (empty when there are none).
    QRectF nodesBoundingRect() const;

    // ---- wiring (the mouse drives these; public for keyboard tools and tests)
    bool beginWire(const QString& nodeId, const QString& port, bool fromOutput);
    void moveWire(QPointF scenePos);
    // Adds the wire if the cursor is on a port that accepts it; returns whether it did.
    bool finishWire(QPointF scenePos);
    void cancelWire();
    bool isWiring() const { return m_wire.has_value(); }
    // The "✕ reason" label shown while dragging over a refusing port, else "".
    QString wireHint() const;

    // ---- context menus (public so that tests can trigger their actions)
    // A wire: Peek, Record…, Delete.
    void fillEdgeMenu(QMenu& menu, const QString& edgeKey);
    // A card (right-clicking one that is not selected selects it alone): Rename…, Duplicate,
    // Delete, Peek Output, Record Output…, Reference.
    void fillNodeMenu(QMenu& menu, const QString& nodeId);
    // The empty canvas at `scenePos`: Add Node…, Paste, Select All, Fit to View.
    void fillCanvasMenu(QMenu& menu, QPointF scenePos);
    // Adds a sink.recording node writing `path`, wired from the wire's source port, as one undo
    // step; returns its id ("" for an unknown wire or an empty path). A path without the
    // .riffle-rec extension gets it.
    QString recordEdge(const QString& edgeKey, const QString& path);
    // The same from a node's output port (wired or not); the card goes near `near` if given.
    QString recordPort(const QString& nodeId, const QString& port, const QString& path,
                       const QString& near = {});
    // Asks the user where to save a recording (a QFileDialog unless a test installs a hook);
    // "" = cancelled.
    std::function<QString(const QString& suggested)> askRecordingPath;
    // askRecordingPath or the save dialog, suggesting <node>.riffle-rec next to the project.
    QString askRecording(const QString& fromNode);

    // Rich-text tooltips (what hovering shows).
    QString nodeToolTip(const QString& id) const;
    QString edgeToolTip(const QString& key) const;
    QString portToolTip(const QString& nodeId, const QString& port, bool output) const;

public slots:
    void deleteSelection();
    void copySelection();
    void cutSelection();
    void paste();
    void duplicateSelection();
    void selectAll();
    // Adds a node of `typeId` with its default parameters, centred under `scenePos`; returns its
    // id ("" for an unknown type).
    QString addNode(const QString& typeId, QPointF scenePos);
    // `topLeft` if a new card placed there covers no other, else the nearest place that is free.
    QPointF freeSpot(QPointF topLeft) const;

signals:
    void selectionChangedToNodes(const QStringList& ids);
    // A click on a wire (the main window opens a live peek of it).
    void edgeActivated(const QString& edgeKey);
    // A double-click on a card.
    void nodeActivated(const QString& id);
    // A wire was dropped on a port that refuses it.
    void wireRefused(const QString& reason);
    // Asked for from the context menus; the view and the main window act on them.
    void peekRequested(const QString& nodeId, const QString& port);
    void renameRequested(const QString& nodeId);
    void referenceRequested(const QString& typeId);
    void addNodeRequested(QPointF scenePos);
    void fitRequested();

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseMoveEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void helpEvent(QGraphicsSceneHelpEvent* event) override;
    void contextMenuEvent(QGraphicsSceneContextMenuEvent* event) override;
    bool event(QEvent* event) override;

private:
    struct PortHit {
        NodeItem* item = nullptr;
        QString port;
        bool output = false;
    };
    struct WireDrag {
        QString node, port;
        bool fromOutput = true;
        QHash<QString, QString> verdicts;  // "node.port" -> refusal reason ("" = accepted)
        PortHit hot;
        QString hotReason;
    };

    void rebuild();
    void clearItems();
    void onNodeAdded(const QString& id);
    void onNodeRemoved(const QString& id);
    void onNodeMoved(const QString& id);
    void onNodeChanged(const QString& id);
    void onEdgeAdded(const QString& key);
    void onEdgeRemoved(const QString& key);
    void updateProblems();
    void onSelectionChanged();
    void beginSelectionBatch() { ++m_selectionBatch; }
    void endSelectionBatch();
    EdgeItem* createEdgeItem(const EdgeDef& edge);
    void refreshEndpoints(const EdgeDef& edge);
    void growSceneRect(const QRectF& rect);
    void commitMoves();
    void restoreDraggedNodes();
    void addSubgraph(const Subgraph& sub, const QString& text);
    double viewScale() const;
    PortHit portAt(QPointF scenePos, qreal radiusPx, int wantOutput,
                   const QString& skipNode = {}) const;

    GraphModel* m_model;
    QUndoStack* m_undo;
    QHash<QString, NodeItem*> m_nodes;
    QHash<QString, EdgeItem*> m_edges;
    bool m_running = false;
    std::optional<WireDrag> m_wire;
    WirePreviewItem* m_preview = nullptr;
    HintLabelItem* m_hint = nullptr;
    int m_selectionBatch = 0;
    bool m_selectionDirty = false;
    QStringList m_lastSelection;
    std::optional<QPointF> m_cursor;  // over a view, for paste; reset when it leaves
    QByteArray m_lastPasted;
    int m_pasteCount = 0;
};

}  // namespace riffle
