#include "widgets/model/commands.h"

#include <QDateTime>
#include <algorithm>
#include <set>

namespace riffle {

Json Subgraph::toJson() const {
    Project p;
    p.nodes = nodes;
    p.edges = edges;
    const Json doc = p.toJson();
    return Json{{"nodes", doc["nodes"]}, {"edges", doc["edges"]}};
}

Result<Subgraph> Subgraph::fromJson(const Json& doc) {
    if (!doc.is_object())
        return Result<Subgraph>::error("the clipboard does not hold Riffle nodes");
    Json wrapped{{"format", "riffle-project"},
                 {"version", kProjectFormatVersion},
                 {"nodes", doc.value("nodes", Json::array())},
                 {"edges", doc.value("edges", Json::array())}};
    auto p = Project::fromJsonText(wrapped.dump());
    if (!p) return Result<Subgraph>::error(p.message());
    Subgraph s;
    s.nodes = std::move(p->nodes);
    s.edges = std::move(p->edges);
    return s;
}

Subgraph extractSubgraph(const GraphModel& model, const QStringList& ids) {
    Subgraph s;
    std::set<std::string> chosen;
    for (const QString& id : ids) chosen.insert(id.toStdString());
    for (const auto& n : model.project().nodes)
        if (chosen.count(n.id)) s.nodes.push_back(n);
    for (const auto& e : model.project().edges)
        if (chosen.count(e.fromNode) && chosen.count(e.toNode)) s.edges.push_back(e);
    return s;
}

Subgraph renameForPaste(const GraphModel& model, const Subgraph& sub, QPointF offset) {
    Subgraph out;
    std::map<std::string, std::string> renamed;
    std::set<QString> taken;
    for (const auto& n : sub.nodes) {
        QString base = QString::fromStdString(n.id);
        // "clicks_3" pastes as "clicks_4", not "clicks_3_2".
        const int us = base.lastIndexOf('_');
        bool numeric = false;
        if (us > 0) base.mid(us + 1).toInt(&numeric);
        if (numeric) base = base.left(us);
        QString id = model.uniqueNodeId(base);
        for (int i = 2; taken.count(id); ++i)
            id = model.uniqueNodeId(base + "_" + QString::number(i));
        taken.insert(id);
        NodeDef copy = n;
        copy.id = id.toStdString();
        copy.x += offset.x();
        copy.y += offset.y();
        renamed[n.id] = copy.id;
        out.nodes.push_back(std::move(copy));
    }
    for (const auto& e : sub.edges) {
        if (!renamed.count(e.fromNode) || !renamed.count(e.toNode)) continue;
        EdgeDef copy = e;
        copy.fromNode = renamed[e.fromNode];
        copy.toNode = renamed[e.toNode];
        out.edges.push_back(std::move(copy));
    }
    return out;
}

// ---- AddSubgraphCommand

AddSubgraphCommand::AddSubgraphCommand(GraphModel* model, Subgraph sub, const QString& text,
                                       QUndoCommand* parent)
    : QUndoCommand(text, parent), m_model(model), m_sub(std::move(sub)) {}

void AddSubgraphCommand::redo() {
    for (const auto& n : m_sub.nodes) m_model->insertNode(n);
    for (const auto& e : m_sub.edges) m_model->insertEdge(e);
}

void AddSubgraphCommand::undo() {
    for (auto it = m_sub.edges.rbegin(); it != m_sub.edges.rend(); ++it)
        m_model->removeEdge(edgeKey(*it));
    for (auto it = m_sub.nodes.rbegin(); it != m_sub.nodes.rend(); ++it)
        m_model->removeNode(QString::fromStdString(it->id));
}

// ---- RemoveItemsCommand

RemoveItemsCommand::RemoveItemsCommand(GraphModel* model, const QStringList& nodeIds,
                                       const QStringList& edgeKeys, QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model) {
    const Project& p = model->project();
    std::set<std::string> ids;
    for (const QString& id : nodeIds) ids.insert(id.toStdString());
    std::set<QString> keys(edgeKeys.begin(), edgeKeys.end());
    for (size_t i = 0; i < p.nodes.size(); ++i)
        if (ids.count(p.nodes[i].id)) m_nodes.emplace_back(static_cast<int>(i), p.nodes[i]);
    for (size_t i = 0; i < p.edges.size(); ++i) {
        const EdgeDef& e = p.edges[i];
        if (ids.count(e.fromNode) || ids.count(e.toNode) || keys.count(edgeKey(e)))
            m_edges.emplace_back(static_cast<int>(i), e);
    }
    // A node's own wires go with it and are not counted.
    if (m_nodes.size() == 1 && edgeKeys.isEmpty())
        setText(QObject::tr("Delete %1")
                    .arg(model->displayTitle(QString::fromStdString(m_nodes.front().second.id))));
    else if (m_nodes.empty() && m_edges.size() == 1)
        setText(QObject::tr("Delete wire"));
    else if (m_nodes.empty())
        setText(QObject::tr("Delete %1 wires").arg(m_edges.size()));
    else
        setText(m_nodes.size() == 1 ? QObject::tr("Delete 1 node and wires")
                                    : QObject::tr("Delete %1 nodes").arg(m_nodes.size()));
}

void RemoveItemsCommand::redo() {
    for (auto it = m_edges.rbegin(); it != m_edges.rend(); ++it)
        m_model->removeEdge(edgeKey(it->second));
    for (auto it = m_nodes.rbegin(); it != m_nodes.rend(); ++it)
        m_model->removeNode(QString::fromStdString(it->second.id));
}

void RemoveItemsCommand::undo() {
    for (const auto& [index, n] : m_nodes) m_model->insertNode(n, index);
    for (const auto& [index, e] : m_edges) m_model->insertEdge(e, index);
}

// ---- MoveNodesCommand

MoveNodesCommand::MoveNodesCommand(GraphModel* model,
                                   std::map<QString, std::pair<QPointF, QPointF>> moves,
                                   QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_moves(std::move(moves)) {
    if (m_moves.size() == 1)
        setText(QObject::tr("Move %1").arg(model->displayTitle(m_moves.begin()->first)));
    else
        setText(QObject::tr("Move %1 nodes").arg(m_moves.size()));
}

void MoveNodesCommand::redo() {
    for (const auto& [id, pos] : m_moves) m_model->moveNode(id, pos.second);
}

void MoveNodesCommand::undo() {
    for (const auto& [id, pos] : m_moves) m_model->moveNode(id, pos.first);
}

// ---- SetParamCommand

SetParamCommand::SetParamCommand(GraphModel* model, const QString& nodeId, const QString& key,
                                 Json value, QUndoCommand* parent)
    : QUndoCommand(parent),
      m_model(model),
      m_nodeId(nodeId),
      m_key(key),
      m_new(std::move(value)),
      m_atMs(QDateTime::currentMSecsSinceEpoch()) {
    if (const NodeDef* n = model->node(nodeId)) {
        const std::string k = key.toStdString();
        if (n->params.is_object() && n->params.contains(k)) m_old = n->params[k];
    }
    setText(QObject::tr("Change %1 of %2").arg(key, model->displayTitle(nodeId)));
}

void SetParamCommand::redo() {
    m_model->setParam(m_nodeId, m_key, m_new);
}
void SetParamCommand::undo() {
    m_model->setParam(m_nodeId, m_key, m_old);
}

bool SetParamCommand::mergeWith(const QUndoCommand* other) {
    const auto* o = static_cast<const SetParamCommand*>(other);
    if (o->m_nodeId != m_nodeId || o->m_key != m_key || o->m_atMs - m_atMs > kMergeWithinMs)
        return false;
    m_new = o->m_new;
    m_atMs = o->m_atMs;
    if (m_new == m_old) setObsolete(true);
    return true;
}

// ---- SetTitleCommand

SetTitleCommand::SetTitleCommand(GraphModel* model, const QString& nodeId, const QString& title,
                                 QUndoCommand* parent)
    : QUndoCommand(parent),
      m_model(model),
      m_nodeId(nodeId),
      m_new(title),
      m_atMs(QDateTime::currentMSecsSinceEpoch()) {
    if (const NodeDef* n = model->node(nodeId)) m_old = QString::fromStdString(n->title);
    setText(QObject::tr("Rename %1").arg(model->displayTitle(nodeId)));
}

void SetTitleCommand::redo() {
    m_model->setTitle(m_nodeId, m_new);
}
void SetTitleCommand::undo() {
    m_model->setTitle(m_nodeId, m_old);
}

bool SetTitleCommand::mergeWith(const QUndoCommand* other) {
    const auto* o = static_cast<const SetTitleCommand*>(other);
    if (o->m_nodeId != m_nodeId || o->m_atMs - m_atMs > SetParamCommand::kMergeWithinMs)
        return false;
    m_new = o->m_new;
    m_atMs = o->m_atMs;
    if (m_new == m_old) setObsolete(true);
    return true;
}

// ---- AddEdgeCommand

AddEdgeCommand::AddEdgeCommand(GraphModel* model, EdgeDef edge, QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_edge(std::move(edge)) {
    setText(QObject::tr("Connect %1 to %2")
                .arg(model->displayTitle(QString::fromStdString(m_edge.fromNode)),
                     model->displayTitle(QString::fromStdString(m_edge.toNode))));
}

void AddEdgeCommand::redo() {
    m_model->insertEdge(m_edge);
}
void AddEdgeCommand::undo() {
    m_model->removeEdge(edgeKey(m_edge));
}

// ---- ReplaceProjectCommand

ReplaceProjectCommand::ReplaceProjectCommand(GraphModel* model, Project content,
                                             const QString& text, QUndoCommand* parent)
    : QUndoCommand(text, parent),
      m_model(model),
      m_old(model->project()),
      m_new(std::move(content)) {}

void ReplaceProjectCommand::apply(const Project& content) {
    Project p = content;
    p.path = m_model->project().path;
    m_model->setProject(std::move(p));
}

void ReplaceProjectCommand::redo() {
    apply(m_new);
}
void ReplaceProjectCommand::undo() {
    apply(m_old);
}

SetDashboardLayoutCommand::SetDashboardLayoutCommand(GraphModel* model, Json before, Json after,
                                                     const QString& text, QUndoCommand* parent)
    : QUndoCommand(text, parent),
      m_model(model),
      m_old(std::move(before)),
      m_new(std::move(after)) {}

void SetDashboardLayoutCommand::redo() {
    m_model->setDashboard(m_new);
}

void SetDashboardLayoutCommand::undo() {
    m_model->setDashboard(m_old);
}

}  // namespace riffle
