#include "widgets/canvas/graph_scene.h"

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsSceneContextMenuEvent>
#include <QGraphicsSceneHelpEvent>
#include <QGraphicsSceneMouseEvent>
#include <QGraphicsView>
#include <QKeyEvent>
#include <QMenu>
#include <QMimeData>
#include <QToolTip>
#include <QUndoStack>
#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/core/json_text.h"
#include "nodes/connectors/recording_format.h"
#include "widgets/canvas/canvas_style.h"
#include "widgets/canvas/edge_item.h"
#include "widgets/canvas/node_item.h"
#include "widgets/model/commands.h"
#include "widgets/model/graph_model.h"
#include "widgets/style/theme.h"

namespace riffle {

namespace {

constexpr double kSceneHalf = 20000;  // the canvas's initial extent; it grows with the cards
constexpr double kPortPickPx = 10;    // press on a port: screen pixels
constexpr double kPortSnapPx = 18;    // a dragged wire snaps to a port this close

QPointF snapped(QPointF p) {
    return QPointF(std::round(p.x() / canvas::kGridStep) * canvas::kGridStep,
                   std::round(p.y() / canvas::kGridStep) * canvas::kGridStep);
}

QString esc(const QString& s) {
    return s.toHtmlEscaped();
}

QString nodesText(const char* verb, int n) {
    return n == 1 ? QObject::tr("%1 1 node").arg(QLatin1String(verb))
                  : QObject::tr("%1 %2 nodes").arg(QLatin1String(verb)).arg(n);
}

QString schemaTable(const SchemaPtr& schema, const QColor& grey) {
    if (!schema) return {};
    QString rows;
    for (const Field& f : schema->fields())
        rows +=
            QStringLiteral("<tr><td>%1</td><td style='color:%2; padding-left:12px'>%3</td></tr>")
                .arg(esc(QString::fromStdString(f.name)), grey.name(),
                     QString::fromLatin1(typeName(f.type).data(),
                                         static_cast<int>(typeName(f.type).size())));
    return QStringLiteral("<table cellspacing='0' cellpadding='1'>%1</table>").arg(rows);
}

}  // namespace

GraphScene::GraphScene(GraphModel* model, QUndoStack* undo, QObject* parent)
    : QGraphicsScene(parent), m_model(model), m_undo(undo) {
    // A few hundred items that move during drags: a linear scan over them is cheaper than
    // keeping a BSP tree up to date, and drawing already caches each card's pixmap.
    setItemIndexMethod(NoIndex);
    setSceneRect(-kSceneHalf, -kSceneHalf, 2 * kSceneHalf, 2 * kSceneHalf);
    connect(model, &GraphModel::reset, this, &GraphScene::rebuild);
    connect(model, &GraphModel::nodeAdded, this, &GraphScene::onNodeAdded);
    connect(model, &GraphModel::nodeRemoved, this, &GraphScene::onNodeRemoved);
    connect(model, &GraphModel::nodeMoved, this, &GraphScene::onNodeMoved);
    connect(model, &GraphModel::nodeChanged, this, &GraphScene::onNodeChanged);
    connect(model, &GraphModel::edgeAdded, this, &GraphScene::onEdgeAdded);
    connect(model, &GraphModel::edgeRemoved, this, &GraphScene::onEdgeRemoved);
    connect(model, &GraphModel::validationChanged, this, &GraphScene::updateProblems);
    connect(this, &QGraphicsScene::selectionChanged, this, &GraphScene::onSelectionChanged);
    rebuild();
}

GraphScene::~GraphScene() {
    disconnect(this, &QGraphicsScene::selectionChanged, this, &GraphScene::onSelectionChanged);
    clearItems();
}

void GraphScene::clearItems() {
    // Out of the maps before deleting (deleting a selected item signals a selection change);
    // wires first, as they point at their cards.
    const auto edges = std::exchange(m_edges, {});
    const auto nodes = std::exchange(m_nodes, {});
    qDeleteAll(edges);
    qDeleteAll(nodes);
}

// ---- mirroring the model

void GraphScene::rebuild() {
    cancelWire();
    beginSelectionBatch();
    clearItems();
    for (const NodeDef& n : m_model->project().nodes) {
        const QString id = QString::fromStdString(n.id);
        auto* item = new NodeItem(id);
        item->refresh(*m_model);
        item->syncPos(QPointF(n.x, n.y));
        addItem(item);
        m_nodes.insert(id, item);
    }
    for (const EdgeDef& e : m_model->project().edges) createEdgeItem(e);
    growSceneRect(nodesBoundingRect());
    updateProblems();
    m_running = false;
    endSelectionBatch();
}

void GraphScene::onNodeAdded(const QString& id) {
    const NodeDef* n = m_model->node(id);
    if (!n || m_nodes.contains(id)) return;
    auto* item = new NodeItem(id);
    item->refresh(*m_model);
    item->syncPos(QPointF(n->x, n->y));
    addItem(item);
    m_nodes.insert(id, item);
    growSceneRect(item->sceneBoundingRect());
}

void GraphScene::onNodeRemoved(const QString& id) {
    NodeItem* item = m_nodes.take(id);
    if (!item) return;
    if (m_wire && m_wire->node == id) cancelWire();
    if (m_wire && m_wire->hot.item == item) m_wire->hot = {};
    for (EdgeItem* e : item->edges()) m_edges.remove(e->key());
    const QList<EdgeItem*> edges = item->edges();
    qDeleteAll(edges);
    delete item;
}

void GraphScene::onNodeMoved(const QString& id) {
    NodeItem* item = m_nodes.value(id);
    const NodeDef* n = m_model->node(id);
    if (!item || !n) return;
    item->syncPos(QPointF(n->x, n->y));
    growSceneRect(item->sceneBoundingRect());
}

void GraphScene::onNodeChanged(const QString& id) {
    if (NodeItem* item = m_nodes.value(id)) item->refresh(*m_model);
}

EdgeItem* GraphScene::createEdgeItem(const EdgeDef& edge) {
    NodeItem* from = m_nodes.value(QString::fromStdString(edge.fromNode));
    NodeItem* to = m_nodes.value(QString::fromStdString(edge.toNode));
    if (!from || !to) return nullptr;
    auto* item = new EdgeItem(edge, from, to);
    addItem(item);
    m_edges.insert(item->key(), item);
    return item;
}

void GraphScene::refreshEndpoints(const EdgeDef& edge) {
    for (const std::string& id : {edge.fromNode, edge.toNode})
        if (NodeItem* item = m_nodes.value(QString::fromStdString(id))) item->refresh(*m_model);
}

void GraphScene::onEdgeAdded(const QString& key) {
    const int i = m_model->edgeIndex(key);
    if (i < 0 || m_edges.contains(key)) return;
    const EdgeDef edge = m_model->project().edges[static_cast<size_t>(i)];
    refreshEndpoints(edge);
    createEdgeItem(edge);
}

void GraphScene::onEdgeRemoved(const QString& key) {
    EdgeItem* item = m_edges.take(key);
    if (!item) return;
    const EdgeDef edge = item->edge();
    delete item;
    refreshEndpoints(edge);
}

void GraphScene::updateProblems() {
    for (auto it = m_nodes.begin(); it != m_nodes.end(); ++it)
        it.value()->setProblems(m_model->problemsOf(it.key()));
}

void GraphScene::growSceneRect(const QRectF& rect) {
    if (rect.isEmpty()) return;
    const QRectF wanted =
        rect.adjusted(-kSceneHalf / 2, -kSceneHalf / 2, kSceneHalf / 2, kSceneHalf / 2);
    if (!sceneRect().contains(wanted)) setSceneRect(sceneRect().united(wanted));
}

QRectF GraphScene::nodesBoundingRect() const {
    QRectF r;
    for (const NodeItem* item : m_nodes) r = r.united(item->sceneBoundingRect());
    return r;
}

// ---- selection

QStringList GraphScene::selectedNodeIds() const {
    QStringList ids;
    for (const NodeDef& n : m_model->project().nodes) {
        const QString id = QString::fromStdString(n.id);
        if (const NodeItem* item = m_nodes.value(id); item && item->isSelected()) ids << id;
    }
    return ids;
}

QStringList GraphScene::selectedEdgeKeys() const {
    QStringList keys;
    for (const EdgeDef& e : m_model->project().edges) {
        const QString key = edgeKey(e);
        if (const EdgeItem* item = m_edges.value(key); item && item->isSelected()) keys << key;
    }
    return keys;
}

void GraphScene::selectNodes(const QStringList& ids) {
    beginSelectionBatch();
    clearSelection();
    for (const QString& id : ids)
        if (NodeItem* item = m_nodes.value(id)) item->setSelected(true);
    endSelectionBatch();
}

void GraphScene::selectNode(const QString& id) {
    selectNodes({id});
    if (NodeItem* item = m_nodes.value(id))
        for (QGraphicsView* view : views()) view->ensureVisible(item, 60, 60);
}

void GraphScene::selectAll() {
    beginSelectionBatch();
    for (NodeItem* item : m_nodes) item->setSelected(true);
    for (EdgeItem* item : m_edges) item->setSelected(true);
    endSelectionBatch();
}

void GraphScene::onSelectionChanged() {
    if (m_selectionBatch > 0) {
        m_selectionDirty = true;
        return;
    }
    const QStringList ids = selectedNodeIds();
    if (ids == m_lastSelection) return;
    m_lastSelection = ids;
    emit selectionChangedToNodes(ids);
}

void GraphScene::endSelectionBatch() {
    if (--m_selectionBatch > 0 || !m_selectionDirty) return;
    m_selectionDirty = false;
    onSelectionChanged();
}

// ---- running

void GraphScene::setRunStats(const QVector<NodeStats>& stats, bool running) {
    m_running = running;
    QHash<QString, const NodeStats*> byId;
    if (running)
        for (const NodeStats& s : stats) byId.insert(s.id, &s);
    for (auto it = m_nodes.begin(); it != m_nodes.end(); ++it) {
        const NodeStats* s = byId.value(it.key());
        // A source's pill shows what it makes; every other node's what flows into it, so a
        // window that fires every minute still shows the stream it is aggregating.
        const NodeSpec* spec = m_model->spec(it.key());
        const bool source = spec && spec->isSource();
        const double rate = !s ? 0 : source ? s->ratePerSecond : s->inRatePerSecond;
        const double idle = !s ? -1 : source ? s->idleSeconds : s->inIdleSeconds;
        it.value()->setRunState(running && s, rate, idle, s ? s->errors : 0, s ? s->late : 0);
        it.value()->setLinkState(s ? s->link : 0, s ? s->linkReason : QString(),
                                 s ? s->dropped : 0);
        it.value()->setStateSize(s ? s->stateKeys : 0, s ? s->stateBytes : 0);
    }
    for (EdgeItem* e : m_edges) {
        const NodeStats* from = byId.value(QString::fromStdString(e->edge().fromNode));
        const NodeStats* to = byId.value(QString::fromStdString(e->edge().toNode));
        // A node's rate counts what it sends on its main outputs; its `late` and `errors` wires
        // carry an unknown share of that.
        const bool side = e->fromKind() != PortKind::Data;
        const double rate = from && !side ? from->ratePerSecond : -1;
        e->setRunState(running, rate, to ? to->queueFill : 0);
    }
}

// ---- editing

void GraphScene::addSubgraph(const Subgraph& sub, const QString& text) {
    if (sub.nodes.empty() && sub.edges.empty()) return;
    m_undo->push(new AddSubgraphCommand(m_model, sub, text));
    QStringList ids;
    for (const NodeDef& n : sub.nodes) ids << QString::fromStdString(n.id);
    selectNodes(ids);
}

QString GraphScene::addNode(const QString& typeId, QPointF scenePos) {
    const NodeSpec* spec = m_model->registry().find(typeId.toStdString());
    if (!spec) return {};
    NodeDef def;
    def.id = m_model->uniqueNodeId(typeId.section('.', -1)).toStdString();
    def.type = spec->typeId;
    // Centred under the cursor, its header where the pointer is, or the nearest free place.
    const QPointF topLeft = freeSpot(snapped(scenePos - QPointF(NodeItem::kWidth / 2, 15)));
    def.x = topLeft.x();
    def.y = topLeft.y();
    Subgraph sub;
    sub.nodes.push_back(def);
    addSubgraph(sub, tr("Add %1").arg(QString::fromStdString(spec->displayName)));
    return QString::fromStdString(def.id);
}

QPointF GraphScene::freeSpot(QPointF topLeft) const {
    // A card is about this tall before it exists; keep a grid step between cards.
    constexpr double kCardHeight = 110;
    const double gap = canvas::kGridStep;
    auto isFree = [&](QPointF p) {
        const QRectF r(p, QSizeF(NodeItem::kWidth, kCardHeight));
        for (const NodeItem* n : m_nodes)
            if (n->sceneBoundingRect().adjusted(-gap, -gap, gap, gap).intersects(r)) return false;
        return true;
    };
    // Rings of places around the wanted one, nearest first: below, right, above, left.
    const double dx = NodeItem::kWidth + 2 * gap, dy = kCardHeight + 2 * gap;
    for (int ring = 0; ring < 20; ++ring) {
        for (int i = -ring; i <= ring; ++i) {
            for (const QPointF step :
                 {QPointF(i, ring), QPointF(ring, i), QPointF(i, -ring), QPointF(-ring, i)}) {
                const QPointF p = snapped(topLeft + QPointF(step.x() * dx, step.y() * dy));
                if (isFree(p)) return p;
            }
        }
    }
    return topLeft;
}

QString GraphScene::askRecording(const QString& fromNode) {
    const QString base = m_model->filePath().isEmpty()
                             ? QDir::homePath()
                             : QFileInfo(m_model->filePath()).absolutePath();
    const QString suggested = QDir(base).filePath(fromNode + ".riffle-rec");
    if (askRecordingPath) return askRecordingPath(suggested);
    QWidget* parent = views().isEmpty() ? nullptr : views().first();
    return QFileDialog::getSaveFileName(parent, tr("Record to"), suggested,
                                        tr("Riffle recordings (*.riffle-rec)"));
}

void GraphScene::fillEdgeMenu(QMenu& menu, const QString& key) {
    const int index = m_model->edgeIndex(key);
    if (index < 0) return;
    const EdgeDef edge = m_model->project().edges[static_cast<size_t>(index)];
    const QString from = QString::fromStdString(edge.fromNode),
                  port = QString::fromStdString(edge.fromPort);
    QAction* peek = menu.addAction(tr("Peek"), this, [this, key] { emit edgeActivated(key); });
    peek->setObjectName("peekEdge");
    peek->setToolTip(tr("Show the newest events on this wire while the pipeline runs"));
    QAction* record = menu.addAction(tr("Record…"));
    record->setObjectName("recordEdge");
    record->setToolTip(tr(
        "Capture the events on this wire into a .riffle-rec file that a Recording source replays"));
    connect(record, &QAction::triggered, this, [this, key, from] {
        const QString path = askRecording(from);
        if (!path.isEmpty()) recordEdge(key, path);
    });
    menu.addSeparator();
    QAction* remove = menu.addAction(tr("Delete"), this, [this, key] {
        m_undo->push(new RemoveItemsCommand(m_model, {}, {key}));
    });
    remove->setObjectName("deleteEdge");
}

void GraphScene::fillNodeMenu(QMenu& menu, const QString& id) {
    const NodeSpec* spec = m_model->spec(id);
    if (!m_model->node(id)) return;
    // The menu acts on what is selected; right-clicking outside the selection selects that card.
    if (!selectedNodeIds().contains(id)) selectNode(id);
    const QString out = spec && !spec->outputs.empty()
                            ? QString::fromStdString(spec->outputs.front().name)
                            : QString();
    auto add = [&](const QString& text, const char* name, auto slot, QKeySequence key = {}) {
        QAction* a = menu.addAction(text, this, slot);
        a->setObjectName(name);
        if (!key.isEmpty()) a->setShortcut(key);
        return a;
    };
    add(
        tr("Rename…"), "renameNode", [this, id] { emit renameRequested(id); },
        QKeySequence(Qt::Key_F2));
    add(
        tr("Duplicate"), "duplicateNode", [this] { duplicateSelection(); },
        QKeySequence(Qt::CTRL | Qt::Key_D));
    add(
        tr("Delete"), "deleteNode", [this] { deleteSelection(); }, QKeySequence::Delete);
    menu.addSeparator();
    add(tr("Peek Output"), "peekNode", [this, id, out] {
        emit peekRequested(id, out);
    })->setEnabled(!out.isEmpty());
    add(tr("Record Output…"), "recordNode", [this, id, out] {
        const QString path = askRecording(id);
        if (!path.isEmpty()) recordPort(id, out, path);
    })->setEnabled(!out.isEmpty());
    menu.addSeparator();
    const QString type = spec ? QString::fromStdString(spec->typeId) : QString();
    add(tr("Reference: %1")
            .arg(spec ? QString::fromStdString(spec->displayName) : tr("unknown type")),
        "nodeReference", [this, type] { emit referenceRequested(type); })
        ->setEnabled(spec != nullptr);
}

void GraphScene::fillCanvasMenu(QMenu& menu, QPointF scenePos) {
    QAction* add = menu.addAction(tr("Add Node…"), this,
                                  [this, scenePos] { emit addNodeRequested(scenePos); });
    add->setObjectName("addNode");
    add->setShortcut(QKeySequence(Qt::Key_Tab));
    QAction* paste = menu.addAction(tr("Paste"), this, [this, scenePos] {
        m_cursor = scenePos;  // where the menu was opened
        this->paste();
    });
    paste->setObjectName("pasteHere");
    paste->setShortcut(QKeySequence::Paste);
    const QMimeData* clip = QApplication::clipboard()->mimeData();
    paste->setEnabled(clip && (clip->hasFormat(kSubgraphMimeType) || clip->hasText()));
    menu.addSeparator();
    QAction* all = menu.addAction(tr("Select All"), this, [this] { selectAll(); });
    all->setObjectName("selectAllNodes");
    all->setEnabled(!m_nodes.isEmpty());
    QAction* fit = menu.addAction(tr("Fit to View"), this, [this] { emit fitRequested(); });
    fit->setObjectName("fitView");
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
}

QString GraphScene::recordEdge(const QString& key, const QString& chosenPath) {
    const int index = m_model->edgeIndex(key);
    if (index < 0) return {};
    const EdgeDef& edge = m_model->project().edges[static_cast<size_t>(index)];
    return recordPort(QString::fromStdString(edge.fromNode), QString::fromStdString(edge.fromPort),
                      chosenPath, QString::fromStdString(edge.toNode));
}

QString GraphScene::recordPort(const QString& nodeId, const QString& port,
                               const QString& chosenPath, const QString& near) {
    const NodeDef* from = m_model->node(nodeId);
    const NodeSpec* spec = m_model->registry().find(kRecordingSinkType);
    if (!from || !spec || chosenPath.isEmpty()) return {};
    QString path = chosenPath;
    const QString extension = QString::fromLatin1(
        kRecordingExtension.data(), static_cast<qsizetype>(kRecordingExtension.size()));
    if (!path.endsWith(extension)) path += extension;
    // Inside the project's folder the path is stored relative to it, so the project can move.
    if (!m_model->filePath().isEmpty()) {
        const QDir projectDir = QFileInfo(m_model->filePath()).absoluteDir();
        const QString relative = projectDir.relativeFilePath(path);
        if (!relative.startsWith("..") && !QDir::isAbsolutePath(relative)) path = relative;
    }
    NodeDef def;
    def.id = m_model->uniqueNodeId("recording").toStdString();
    def.type = spec->typeId;
    const auto written =
        std::find_if(spec->params.begin(), spec->params.end(),
                     [](const ParamSpec& p) { return p.role == ParamRole::WritesFile; });
    if (written == spec->params.end()) return {};
    def.params = Json{{written->key, path.toStdString()}};
    // Below the wire's target (or the node), on a free spot, so the new card covers nothing.
    const NodeDef* anchor = near.isEmpty() ? nullptr : m_model->node(near);
    if (!anchor) anchor = from;
    const QPointF pos = freeSpot(snapped(QPointF(anchor->x, anchor->y + 140)));
    def.x = pos.x();
    def.y = pos.y();
    EdgeDef wire;
    wire.fromNode = from->id;
    wire.fromPort = port.toStdString();
    wire.toNode = def.id;
    wire.toPort = "in";
    Subgraph sub;
    sub.nodes.push_back(def);
    sub.edges.push_back(wire);
    addSubgraph(sub, tr("Record %1").arg(QString::fromStdString(wire.from())));
    return QString::fromStdString(def.id);
}

void GraphScene::contextMenuEvent(QGraphicsSceneContextMenuEvent* event) {
    QMenu menu;
    for (QGraphicsItem* item : items(event->scenePos())) {
        if (item->type() == EdgeItem::Type) {
            fillEdgeMenu(menu, static_cast<EdgeItem*>(item)->key());
            break;
        }
        QGraphicsItem* top = item;
        while (top->parentItem()) top = top->parentItem();
        if (top->type() == NodeItem::Type) {
            fillNodeMenu(menu, static_cast<NodeItem*>(top)->nodeId());
            break;
        }
    }
    if (menu.isEmpty()) fillCanvasMenu(menu, event->scenePos());
    menu.exec(event->screenPos());
    event->accept();
}

void GraphScene::deleteSelection() {
    const QStringList nodes = selectedNodeIds();
    const QStringList edges = selectedEdgeKeys();
    if (nodes.isEmpty() && edges.isEmpty()) return;
    m_undo->push(new RemoveItemsCommand(m_model, nodes, edges));
}

void GraphScene::copySelection() {
    const QStringList ids = selectedNodeIds();
    if (ids.isEmpty()) return;
    const std::string text = canonicalJsonText(extractSubgraph(*m_model, ids).toJson());
    auto* mime = new QMimeData;
    const QByteArray bytes = QByteArray::fromStdString(text);
    mime->setData(kSubgraphMimeType, bytes);
    mime->setText(QString::fromUtf8(bytes));
    QApplication::clipboard()->setMimeData(mime);
    m_pasteCount = 0;
    m_lastPasted.clear();
}

void GraphScene::cutSelection() {
    const QStringList nodes = selectedNodeIds();
    if (nodes.isEmpty()) return;
    copySelection();
    auto* cmd = new RemoveItemsCommand(m_model, nodes, selectedEdgeKeys());
    cmd->setText(nodesText("Cut", static_cast<int>(nodes.size())));
    m_undo->push(cmd);
}

void GraphScene::paste() {
    const QMimeData* mime = QApplication::clipboard()->mimeData();
    if (!mime) return;
    // Nodes copied here, or their JSON from a text editor.
    const QByteArray bytes =
        mime->hasFormat(kSubgraphMimeType) ? mime->data(kSubgraphMimeType) : mime->text().toUtf8();
    Json doc;
    if (parseJsonInto(bytes.toStdString(), doc) || !doc.is_object() || !doc.contains("nodes"))
        return;
    auto sub = Subgraph::fromJson(doc);
    if (!sub || sub->nodes.empty()) return;
    QPointF offset;
    if (m_cursor) {
        double left = 1e18, top = 1e18;
        for (const NodeDef& n : sub->nodes) {
            left = std::min(left, n.x);
            top = std::min(top, n.y);
        }
        offset = snapped(*m_cursor - QPointF(left, top) - QPointF(NodeItem::kWidth / 2, 15));
    } else {
        // Each paste of the same nodes lands a step further, so copies do not hide each other.
        m_pasteCount = bytes == m_lastPasted ? m_pasteCount + 1 : 1;
        offset = QPointF(40, 40) * m_pasteCount;
    }
    m_lastPasted = bytes;
    const Subgraph renamed = renameForPaste(*m_model, *sub, offset);
    addSubgraph(renamed, nodesText("Paste", static_cast<int>(renamed.nodes.size())));
}

void GraphScene::duplicateSelection() {
    const QStringList ids = selectedNodeIds();
    if (ids.isEmpty()) return;
    const Subgraph renamed =
        renameForPaste(*m_model, extractSubgraph(*m_model, ids), QPointF(40, 40));
    addSubgraph(renamed, nodesText("Duplicate", static_cast<int>(renamed.nodes.size())));
}

void GraphScene::commitMoves() {
    std::map<QString, std::pair<QPointF, QPointF>> moves;
    for (auto it = m_nodes.begin(); it != m_nodes.end(); ++it) {
        const NodeDef* n = m_model->node(it.key());
        if (!n) continue;
        const QPointF before(n->x, n->y);
        const QPointF after = it.value()->pos();
        if (before != after) moves[it.key()] = {before, after};
    }
    if (!moves.empty()) m_undo->push(new MoveNodesCommand(m_model, std::move(moves)));
}

void GraphScene::restoreDraggedNodes() {
    for (auto it = m_nodes.begin(); it != m_nodes.end(); ++it)
        if (const NodeDef* n = m_model->node(it.key())) it.value()->syncPos(QPointF(n->x, n->y));
}

// ---- wiring

double GraphScene::viewScale() const {
    const QList<QGraphicsView*> v = views();
    return v.isEmpty() ? 1.0 : std::max(0.05, v.first()->transform().m11());
}

GraphScene::PortHit GraphScene::portAt(QPointF scenePos, qreal radiusPx, int wantOutput,
                                       const QString& skipNode) const {
    const double r = radiusPx / viewScale();
    const QList<QGraphicsItem*> under =
        items(QRectF(scenePos - QPointF(r + 8, r + 8), QSizeF(2 * r + 16, 2 * r + 16)),
              Qt::IntersectsItemBoundingRect, Qt::DescendingOrder);
    PortHit hit;
    double best = 1e18;
    for (QGraphicsItem* gi : under) {
        if (gi->type() != NodeItem::Type) continue;
        auto* item = static_cast<NodeItem*>(gi);
        if (item->nodeId() == skipNode) continue;
        const QPointF local = item->mapFromScene(scenePos);
        if (const NodeItem::Port* p = item->portAt(local, r, wantOutput)) {
            const double d = QLineF(local, p->pos).length();
            if (d < best) {
                best = d;
                hit = {item, p->name, p->output};
            }
        }
    }
    return hit;
}

bool GraphScene::beginWire(const QString& nodeId, const QString& port, bool fromOutput) {
    cancelWire();
    NodeItem* item = m_nodes.value(nodeId);
    if (!item || !item->port(port, fromOutput)) return false;
    m_wire = WireDrag{};
    m_wire->node = nodeId;
    m_wire->port = port;
    m_wire->fromOutput = fromOutput;
    m_preview = new WirePreviewItem;
    addItem(m_preview);
    m_hint = new HintLabelItem;
    addItem(m_hint);
    m_hint->setVisible(false);
    const QPointF at = item->portScenePos(port, fromOutput);
    m_preview->setEnds(at, at, false);
    return true;
}

void GraphScene::moveWire(QPointF scenePos) {
    if (!m_wire) return;
    NodeItem* source = m_nodes.value(m_wire->node);
    if (!source) return cancelWire();
    if (m_wire->hot.item) m_wire->hot.item->clearPortState();
    const int want = m_wire->fromOutput ? 0 : 1;
    PortHit hit = portAt(scenePos, kPortSnapPx, want, m_wire->node);
    if (!hit.item) {
        // Over a card's body: its nearest port of the right direction.
        for (QGraphicsItem* gi : items(scenePos, Qt::IntersectsItemShape, Qt::DescendingOrder)) {
            if (gi->type() != NodeItem::Type) continue;
            auto* item = static_cast<NodeItem*>(gi);
            if (item->nodeId() == m_wire->node) break;
            if (const NodeItem::Port* p =
                    item->nearestPort(item->mapFromScene(scenePos), !m_wire->fromOutput))
                hit = {item, p->name, p->output};
            break;
        }
    }
    m_wire->hot = hit;
    m_wire->hotReason.clear();
    QPointF end = scenePos;
    WirePreviewItem::State state = WirePreviewItem::State::Free;
    if (hit.item) {
        const QString key = hit.item->nodeId() + "." + hit.port;
        auto it = m_wire->verdicts.find(key);
        if (it == m_wire->verdicts.end()) {
            EdgeDef e;
            const std::string a = m_wire->node.toStdString(), ap = m_wire->port.toStdString();
            const std::string b = hit.item->nodeId().toStdString(), bp = hit.port.toStdString();
            if (m_wire->fromOutput)
                e = EdgeDef{a, ap, b, bp};
            else
                e = EdgeDef{b, bp, a, ap};
            it = m_wire->verdicts.insert(key, m_model->checkConnection(e));
        }
        m_wire->hotReason = *it;
        const bool ok = it->isEmpty();
        hit.item->setPortState(hit.port, hit.output,
                               ok ? NodeItem::PortState::Accepts : NodeItem::PortState::Refuses);
        if (ok) end = hit.item->portScenePos(hit.port, hit.output);
        state = ok ? WirePreviewItem::State::Accepted : WirePreviewItem::State::Refused;
    }
    const QPointF start = source->portScenePos(m_wire->port, m_wire->fromOutput);
    if (m_wire->fromOutput)
        m_preview->setEnds(start, end, source->isBottomPort(m_wire->port, true));
    else
        m_preview->setEnds(end, start, hit.item && hit.item->isBottomPort(hit.port, true));
    m_preview->setState(state);
    if (state == WirePreviewItem::State::Refused) {
        m_hint->setText(QStringLiteral("✕ ") + m_wire->hotReason);
        // Below and right of the pointer, in screen pixels (the label ignores the zoom).
        m_hint->setPos(scenePos + QPointF(16, 18) / viewScale());
        m_hint->setVisible(true);
    } else {
        m_hint->setVisible(false);
    }
}

bool GraphScene::finishWire(QPointF scenePos) {
    if (!m_wire) return false;
    moveWire(scenePos);
    const WireDrag wire = *m_wire;
    cancelWire();
    if (!wire.hot.item) return false;
    if (!wire.hotReason.isEmpty()) {
        emit wireRefused(wire.hotReason);
        return false;
    }
    const std::string a = wire.node.toStdString(), ap = wire.port.toStdString();
    const std::string b = wire.hot.item->nodeId().toStdString(), bp = wire.hot.port.toStdString();
    m_undo->push(new AddEdgeCommand(
        m_model, wire.fromOutput ? EdgeDef{a, ap, b, bp} : EdgeDef{b, bp, a, ap}));
    return true;
}

void GraphScene::cancelWire() {
    if (!m_wire) return;
    if (m_wire->hot.item) m_wire->hot.item->clearPortState();
    m_wire.reset();
    delete m_preview;
    m_preview = nullptr;
    delete m_hint;
    m_hint = nullptr;
}

QString GraphScene::wireHint() const {
    return m_hint && m_hint->isVisible() ? m_hint->text() : QString();
}

// ---- events

void GraphScene::mousePressEvent(QGraphicsSceneMouseEvent* event) {
    if (m_wire) {
        event->accept();
        return;
    }
    if (event->button() == Qt::LeftButton && !(event->modifiers() & Qt::ControlModifier)) {
        const PortHit hit = portAt(event->scenePos(), kPortPickPx, -1);
        if (hit.item && beginWire(hit.item->nodeId(), hit.port, hit.output)) {
            moveWire(event->scenePos());
            event->accept();
            return;
        }
    }
    QGraphicsScene::mousePressEvent(event);
    if (event->button() == Qt::LeftButton)
        if (QGraphicsItem* top =
                itemAt(event->scenePos(), QTransform::fromScale(viewScale(), viewScale())))
            if (top->type() == EdgeItem::Type)
                emit edgeActivated(static_cast<EdgeItem*>(top)->key());
}

void GraphScene::mouseMoveEvent(QGraphicsSceneMouseEvent* event) {
    m_cursor = event->scenePos();
    if (m_wire) {
        moveWire(event->scenePos());
        event->accept();
        return;
    }
    QGraphicsScene::mouseMoveEvent(event);
}

void GraphScene::mouseReleaseEvent(QGraphicsSceneMouseEvent* event) {
    if (m_wire) {
        if (event->button() == Qt::LeftButton) finishWire(event->scenePos());
        event->accept();
        return;
    }
    QGraphicsScene::mouseReleaseEvent(event);
    if (event->button() == Qt::LeftButton) commitMoves();
}

void GraphScene::mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) {
    if (event->button() == Qt::LeftButton) {
        for (QGraphicsItem* gi :
             items(event->scenePos(), Qt::IntersectsItemShape, Qt::DescendingOrder)) {
            if (gi->type() == NodeItem::Type) {
                emit nodeActivated(static_cast<NodeItem*>(gi)->nodeId());
                event->accept();
                return;
            }
            if (gi->type() == EdgeItem::Type) break;
        }
    }
    QGraphicsScene::mouseDoubleClickEvent(event);
}

void GraphScene::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Escape) {
        if (m_wire) {
            cancelWire();
            event->accept();
            return;
        }
        if (QGraphicsItem* grabber = mouseGrabberItem();
            grabber && grabber->type() == NodeItem::Type) {
            // Esc during a card drag puts the cards back where they were.
            grabber->ungrabMouse();
            restoreDraggedNodes();
            event->accept();
            return;
        }
    }
    QGraphicsScene::keyPressEvent(event);
}

bool GraphScene::event(QEvent* event) {
    if (event->type() == QEvent::GraphicsSceneLeave) m_cursor.reset();
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
        // Cached card pixmaps and the wires depend on the palette and font.
        for (NodeItem* item : m_nodes) item->refresh(*m_model);
        for (EdgeItem* e : m_edges) e->updatePath();
        update();
    }
    return QGraphicsScene::event(event);
}

void GraphScene::helpEvent(QGraphicsSceneHelpEvent* event) {
    QString text;
    const QPointF pos = event->scenePos();
    const PortHit port = portAt(pos, kPortPickPx, -1);
    if (port.item) {
        text = portToolTip(port.item->nodeId(), port.port, port.output);
    } else {
        for (QGraphicsItem* gi : items(pos, Qt::IntersectsItemShape, Qt::DescendingOrder)) {
            if (gi->type() == NodeItem::Type)
                text = nodeToolTip(static_cast<NodeItem*>(gi)->nodeId());
            if (gi->type() == EdgeItem::Type) text = edgeToolTip(static_cast<EdgeItem*>(gi)->key());
            if (gi->type() == NodeItem::Type || gi->type() == EdgeItem::Type) break;
        }
    }
    if (text.isEmpty()) {
        QToolTip::hideText();
        event->ignore();
        return;
    }
    QToolTip::showText(event->screenPos(), text, event->widget());
    event->accept();
}

// ---- tooltips

QString GraphScene::nodeToolTip(const QString& id) const {
    const NodeDef* n = m_model->node(id);
    if (!n) return {};
    const canvas::Colors& c = canvas::colors(palette());
    QString html = QStringLiteral("<b>%1</b> <span style='color:%2'>%3 · %4</span>")
                       .arg(esc(m_model->displayTitle(id)), c.subtext.name(),
                            esc(QString::fromStdString(n->type)), esc(id));
    if (const NodeSpec* spec = m_model->spec(id))
        html += QStringLiteral("<br/>%1").arg(esc(QString::fromStdString(spec->description)));
    const QStringList problems = m_model->problemsOf(id);
    if (!problems.isEmpty()) {
        html +=
            QStringLiteral(
                "<p style='margin-top:6px; margin-bottom:0; color:%1'><b>%2</b></p><ul "
                "style='margin-top:0'>")
                .arg(theme::red().name(), problems.size() == 1 ? tr("Problem") : tr("Problems"));
        for (const QString& p : problems) html += QStringLiteral("<li>%1</li>").arg(esc(p));
        html += QStringLiteral("</ul>");
    }
    if (const NodeItem* item = m_nodes.value(id); item && item->isRunning()) {
        html += QStringLiteral("<br/>%1").arg(esc(item->rateText()));
        if (!item->errorsText().isEmpty())
            html += QStringLiteral(" · %1").arg(esc(item->errorsText()));
        if (!item->lateText().isEmpty()) html += QStringLiteral(" · %1").arg(esc(item->lateText()));
        if (!item->droppedText().isEmpty())
            html += QStringLiteral(" · %1").arg(esc(item->droppedText()));
        if (!item->stateText().isEmpty())
            html += QStringLiteral("<br/>%1 %2").arg(tr("State:"), esc(item->stateText()));
        if (!item->linkReason().isEmpty())
            html += QStringLiteral("<br/><span style='color:%1'>%2</span>")
                        .arg(c.subtext.name(), esc(item->linkReason()));
    }
    return html;
}

QString GraphScene::edgeToolTip(const QString& key) const {
    const EdgeItem* item = m_edges.value(key);
    if (!item) return {};
    const EdgeDef& e = item->edge();
    const canvas::Colors& c = canvas::colors(palette());
    const QString from = QString::fromStdString(e.fromNode), to = QString::fromStdString(e.toNode);
    QString html = QStringLiteral(
                       "<b>%1</b> <span style='color:%2'>%3</span> → <b>%4</b> <span "
                       "style='color:%2'>%5</span>")
                       .arg(esc(m_model->displayTitle(from)), c.subtext.name(),
                            esc(QString::fromStdString(e.fromPort)), esc(m_model->displayTitle(to)),
                            esc(QString::fromStdString(e.toPort)));
    if (item->isRunning() && !item->rateText().isEmpty())
        html += QStringLiteral("<br/>%1").arg(esc(item->rateText()));
    const SchemaPtr schema = m_model->outputSchema(from, QString::fromStdString(e.fromPort));
    if (schema)
        html += QStringLiteral("<hr/>") + schemaTable(schema, c.subtext);
    else
        html += QStringLiteral("<br/><i>%1</i>")
                    .arg(tr("Schema unknown until the problems upstream are fixed"));
    return html;
}

QString GraphScene::portToolTip(const QString& nodeId, const QString& port, bool output) const {
    const NodeItem* item = m_nodes.value(nodeId);
    const NodeItem::Port* p = item ? item->port(port, output) : nullptr;
    if (!p) return {};
    const canvas::Colors& c = canvas::colors(palette());
    QString html = QStringLiteral("<b>%1</b> <span style='color:%2'>%3</span>")
                       .arg(esc(port), c.subtext.name(), output ? tr("output") : tr("input"));
    if (!p->help.isEmpty()) html += QStringLiteral("<br/>%1").arg(esc(p->help));
    SchemaPtr schema;
    if (output) {
        schema = m_model->outputSchema(nodeId, port);
    } else if (const NodeSpec* spec = m_model->spec(nodeId)) {
        const int index = spec->inputIndex(port.toStdString());
        if (index >= 0) schema = m_model->inputSchema(nodeId, index);
    }
    if (schema) html += QStringLiteral("<hr/>") + schemaTable(schema, c.subtext);
    return html;
}

}  // namespace riffle
