#pragma once
// The studio's graph model: a QObject over the engine's project description, kept apart from the
// scene items as QtNodes separates AbstractGraphModel from its scene (docs/architecture.md,
// "Conventions").
//
// The canvas, inspector, palette and problems panel read the project through this class and
// listen to its signals; they never change it directly. Every change a user makes goes through a
// QUndoCommand (widgets/model/commands.h), which calls the raw mutators below. Validation (node
// types, parameters, wires, inferred schemas) is recomputed lazily after a change.
//
// Threading: GUI thread only.
#include <QObject>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <optional>

#include "engine/graph/graph_validator.h"
#include "engine/graph/node_registry.h"
#include "engine/graph/project.h"

namespace riffle {

// A wire as the GUI names it: "from_node.port>to_node.port".
QString edgeKey(const EdgeDef& e);

class GraphModel : public QObject {
    Q_OBJECT
public:
    explicit GraphModel(const NodeRegistry& registry, QObject* parent = nullptr);

    const NodeRegistry& registry() const { return m_registry; }
    const Project& project() const { return m_project; }
    // Replaces the whole project (open, new); emits reset().
    void setProject(Project project);
    // The file path the project was loaded from or saved to ("" for a new project).
    QString filePath() const { return QString::fromStdString(m_project.path); }
    void setFilePath(const QString& path);
    // The project's `name` (shown on the welcome page's cards); not an undoable edit.
    QString projectName() const { return QString::fromStdString(m_project.name); }
    void setProjectName(const QString& name);

    // ---- reading
    const NodeDef* node(const QString& id) const;
    const NodeSpec* spec(const QString& nodeId) const;  // null for an unknown type
    int nodeIndex(const QString& id) const;             // -1 if none
    int edgeIndex(const QString& key) const;            // -1 if none
    std::vector<EdgeDef> edgesOf(const QString& nodeId) const;
    // Title shown on the canvas: the node's title, else its spec's display name, else its id.
    QString displayTitle(const QString& nodeId) const;
    // A node id that is not taken yet, derived from `base` ("window" -> "window_2").
    QString uniqueNodeId(const QString& base) const;

    // ---- validation (recomputed after every change, on first use)
    const ValidatedGraph& validated() const;
    QStringList problemsOf(const QString& nodeId) const;
    // Schema flowing out of an output port, or into an input port (first wire); null if unknown.
    SchemaPtr outputSchema(const QString& nodeId, const QString& port) const;
    SchemaPtr inputSchema(const QString& nodeId, int inputPort = 0) const;
    // Why `edge` may not be added, or an empty string when it may: wrong direction or port,
    // a port that takes one wire, a cycle, or a problem the wire would cause at its target (the
    // target's schema rule refuses the input, e.g. a field it needs is missing).
    QString checkConnection(const EdgeDef& edge) const;

    // ---- raw mutators (called by undo commands; each emits its signal)
    void insertNode(const NodeDef& def, int index = -1);
    // The node's wires must have been removed first.
    void removeNode(const QString& id);
    void moveNode(const QString& id, QPointF pos);
    void setParam(const QString& id, const QString& key, const Json& value);  // null = default
    void setTitle(const QString& id, const QString& title);
    void insertEdge(const EdgeDef& edge, int index = -1);
    void removeEdge(const QString& key);
    // The project's `dashboard` section: {"panels": [{"node", "grid"}]}.
    const Json& dashboard() const { return m_project.dashboard; }
    void setDashboard(Json dashboard);

signals:
    void reset();
    void nodeAdded(const QString& id);
    void nodeRemoved(const QString& id);
    void nodeMoved(const QString& id);
    void nodeChanged(const QString& id);  // params or title
    void edgeAdded(const QString& key);
    void edgeRemoved(const QString& key);
    void dashboardChanged();
    // Emitted (queued, once per burst of edits) after validation results may have changed.
    void validationChanged();

private:
    void invalidate();
    const NodeRegistry& m_registry;
    Project m_project;
    mutable std::optional<ValidatedGraph> m_validated;
    bool m_notifyPending = false;
};

}  // namespace riffle
