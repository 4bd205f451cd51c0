#include "widgets/model/graph_model.h"

#include <QTimer>
#include <set>

namespace riffle {

QString edgeKey(const EdgeDef& e) {
    return QString::fromStdString(e.from() + ">" + e.to());
}

GraphModel::GraphModel(const NodeRegistry& registry, QObject* parent)
    : QObject(parent), m_registry(registry) {}

void GraphModel::setProject(Project project) {
    m_project = std::move(project);
    m_validated.reset();
    emit reset();
    invalidate();
}

void GraphModel::setDashboard(Json dashboard) {
    if (m_project.dashboard == dashboard) return;
    m_project.dashboard = std::move(dashboard);
    emit dashboardChanged();
}

void GraphModel::setFilePath(const QString& path) {
    m_project.path = path.toStdString();
}

void GraphModel::setProjectName(const QString& name) {
    m_project.name = name.toStdString();
}

const NodeDef* GraphModel::node(const QString& id) const {
    return m_project.node(id.toStdString());
}

const NodeSpec* GraphModel::spec(const QString& nodeId) const {
    const NodeDef* n = node(nodeId);
    return n ? m_registry.find(n->type) : nullptr;
}

int GraphModel::nodeIndex(const QString& id) const {
    const std::string s = id.toStdString();
    for (size_t i = 0; i < m_project.nodes.size(); ++i)
        if (m_project.nodes[i].id == s) return static_cast<int>(i);
    return -1;
}

int GraphModel::edgeIndex(const QString& key) const {
    for (size_t i = 0; i < m_project.edges.size(); ++i)
        if (edgeKey(m_project.edges[i]) == key) return static_cast<int>(i);
    return -1;
}

std::vector<EdgeDef> GraphModel::edgesOf(const QString& nodeId) const {
    const std::string s = nodeId.toStdString();
    std::vector<EdgeDef> out;
    for (const auto& e : m_project.edges)
        if (e.fromNode == s || e.toNode == s) out.push_back(e);
    return out;
}

QString GraphModel::displayTitle(const QString& nodeId) const {
    const NodeDef* n = node(nodeId);
    if (!n) return nodeId;
    if (!n->title.empty()) return QString::fromStdString(n->title);
    if (const NodeSpec* s = m_registry.find(n->type)) return QString::fromStdString(s->displayName);
    return nodeId;
}

QString GraphModel::uniqueNodeId(const QString& base) const {
    QString clean;
    for (QChar c : base.toLower()) clean += (c.isLetterOrNumber() || c == '_') ? c : QChar('_');
    if (clean.isEmpty() || clean[0].isDigit()) clean.prepend("node_");
    if (!node(clean)) return clean;
    for (int i = 2;; ++i) {
        const QString candidate = clean + "_" + QString::number(i);
        if (!node(candidate)) return candidate;
    }
}

const ValidatedGraph& GraphModel::validated() const {
    if (!m_validated) m_validated = validateProject(m_project, m_registry);
    return *m_validated;
}

QStringList GraphModel::problemsOf(const QString& nodeId) const {
    QStringList out;
    const std::string id = nodeId.toStdString();
    for (const auto& p : validated().problems)
        if (p.nodeId == id) out << QString::fromStdString(p.message);
    return out;
}

SchemaPtr GraphModel::outputSchema(const QString& nodeId, const QString& port) const {
    const ValidatedGraph& g = validated();
    const int i = g.indexOf(nodeId.toStdString());
    if (i < 0) return nullptr;
    const LogicalNode& n = g.nodes[static_cast<size_t>(i)];
    if (!n.spec) return nullptr;
    const int p = n.spec->outputIndex(port.toStdString());
    if (p < 0 || p >= static_cast<int>(n.outputs.size())) return nullptr;
    return n.outputs[static_cast<size_t>(p)];
}

SchemaPtr GraphModel::inputSchema(const QString& nodeId, int inputPort) const {
    const ValidatedGraph& g = validated();
    const int i = g.indexOf(nodeId.toStdString());
    if (i < 0) return nullptr;
    const LogicalNode& n = g.nodes[static_cast<size_t>(i)];
    for (size_t slot = 0; slot < n.inputs.ports.size() && slot < n.inputs.schemas.size(); ++slot)
        if (n.inputs.ports[slot] == inputPort && n.inputs.schemas[slot])
            return n.inputs.schemas[slot];
    // A node whose own schema rule failed still knows its inputs from its producers.
    const std::string id = nodeId.toStdString();
    const NodeSpec* target = spec(nodeId);
    for (const auto& e : m_project.edges) {
        if (e.toNode != id || !target || target->inputIndex(e.toPort) != inputPort) continue;
        if (SchemaPtr s = outputSchema(QString::fromStdString(e.fromNode),
                                       QString::fromStdString(e.fromPort)))
            return s;
    }
    return nullptr;
}

QString GraphModel::checkConnection(const EdgeDef& edge) const {
    const NodeDef* from = m_project.node(edge.fromNode);
    const NodeDef* to = m_project.node(edge.toNode);
    if (!from || !to) return tr("there is no such node");
    if (edge.fromNode == edge.toNode) return tr("a node cannot feed itself");
    const NodeSpec* fs = m_registry.find(from->type);
    const NodeSpec* ts = m_registry.find(to->type);
    if (!fs || !ts) return tr("the node's type is unknown");
    if (fs->outputIndex(edge.fromPort) < 0)
        return tr("`%1` is not an output of %2")
            .arg(QString::fromStdString(edge.fromPort),
                 displayTitle(QString::fromStdString(edge.fromNode)));
    const int inPort = ts->inputIndex(edge.toPort);
    if (inPort < 0)
        return tr("`%1` is not an input of %2")
            .arg(QString::fromStdString(edge.toPort),
                 displayTitle(QString::fromStdString(edge.toNode)));
    for (const auto& e : m_project.edges) {
        if (e.from() == edge.from() && e.to() == edge.to())
            return tr("these ports are already wired");
        if (e.to() == edge.to() && !ts->inputs[static_cast<size_t>(inPort)].multiple)
            return tr("input `%1` already has a wire; merge streams with a Union first")
                .arg(QString::fromStdString(edge.toPort));
    }
    // A cycle: the target already reaches the source.
    std::set<std::string> seen;
    std::vector<std::string> stack{edge.toNode};
    while (!stack.empty()) {
        std::string n = std::move(stack.back());
        stack.pop_back();
        if (n == edge.fromNode) return tr("the wire would close a cycle");
        if (!seen.insert(n).second) continue;
        for (const auto& e : m_project.edges)
            if (e.fromNode == n) stack.push_back(e.toNode);
    }
    // Types: validate with the wire added and look for a problem it causes at its target or
    // behind it that was not there before.
    const ValidatedGraph& before = validated();
    std::multiset<std::string> old;
    for (const auto& p : before.problems) old.insert(p.message);
    Project trial = m_project;
    trial.edges.push_back(edge);
    const ValidatedGraph after = validateProject(trial, m_registry);
    std::set<std::string> downstream{edge.toNode};
    bool grew = true;
    while (grew) {
        grew = false;
        for (const auto& e : trial.edges)
            if (downstream.count(e.fromNode) && downstream.insert(e.toNode).second) grew = true;
    }
    for (const auto& p : after.problems) {
        auto it = old.find(p.message);
        if (it != old.end()) {
            old.erase(it);
            continue;
        }
        if (downstream.count(p.nodeId)) return QString::fromStdString(p.message);
    }
    return {};
}

void GraphModel::insertNode(const NodeDef& def, int index) {
    auto& nodes = m_project.nodes;
    if (index < 0 || index > static_cast<int>(nodes.size())) index = static_cast<int>(nodes.size());
    nodes.insert(nodes.begin() + index, def);
    invalidate();
    emit nodeAdded(QString::fromStdString(def.id));
}

void GraphModel::removeNode(const QString& id) {
    const int i = nodeIndex(id);
    if (i < 0) return;
    m_project.nodes.erase(m_project.nodes.begin() + i);
    invalidate();
    emit nodeRemoved(id);
}

void GraphModel::moveNode(const QString& id, QPointF pos) {
    NodeDef* n = m_project.node(id.toStdString());
    if (!n) return;
    n->x = pos.x();
    n->y = pos.y();
    emit nodeMoved(id);
}

void GraphModel::setParam(const QString& id, const QString& key, const Json& value) {
    NodeDef* n = m_project.node(id.toStdString());
    if (!n) return;
    if (!n->params.is_object()) n->params = Json::object();
    if (value.is_null())
        n->params.erase(key.toStdString());
    else
        n->params[key.toStdString()] = value;
    invalidate();
    emit nodeChanged(id);
}

void GraphModel::setTitle(const QString& id, const QString& title) {
    NodeDef* n = m_project.node(id.toStdString());
    if (!n) return;
    n->title = title.toStdString();
    emit nodeChanged(id);
}

void GraphModel::insertEdge(const EdgeDef& edge, int index) {
    auto& edges = m_project.edges;
    if (index < 0 || index > static_cast<int>(edges.size())) index = static_cast<int>(edges.size());
    edges.insert(edges.begin() + index, edge);
    invalidate();
    emit edgeAdded(edgeKey(edge));
}

void GraphModel::removeEdge(const QString& key) {
    const int i = edgeIndex(key);
    if (i < 0) return;
    m_project.edges.erase(m_project.edges.begin() + i);
    invalidate();
    emit edgeRemoved(key);
}

void GraphModel::invalidate() {
    m_validated.reset();
    if (m_notifyPending) return;
    m_notifyPending = true;
    QTimer::singleShot(0, this, [this] {
        m_notifyPending = false;
        emit validationChanged();
    });
}

}  // namespace riffle
