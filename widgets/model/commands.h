#pragma once
// Every edit of a project is one of these QUndoCommands, pushed on the document's QUndoStack, so
// that every edit can be undone with a readable name ("Add Tumbling window", "Change size of
// Per page"). Undo puts nodes and wires back at their old positions in the project's lists, so
// undoing a sequence of edits gives back the exact bytes of the saved file.
//
// Threading: GUI thread only.
#include <QPointF>
#include <QUndoCommand>
#include <map>
#include <vector>

#include "widgets/model/graph_model.h"

namespace riffle {

// A set of nodes and the wires among them, as copied to the clipboard (JSON in the project
// file's format: {"nodes": [...], "edges": [...]}).
struct Subgraph {
    std::vector<NodeDef> nodes;
    std::vector<EdgeDef> edges;
    Json toJson() const;
    static Result<Subgraph> fromJson(const Json& doc);
};
inline constexpr const char* kSubgraphMimeType = "application/x-riffle-subgraph";

// The nodes `ids` and the wires that run between two of them.
Subgraph extractSubgraph(const GraphModel& model, const QStringList& ids);
// A copy of `sub` with fresh node ids (not taken in `model`), wires renamed to match, and
// positions shifted by `offset`.
Subgraph renameForPaste(const GraphModel& model, const Subgraph& sub, QPointF offset);

// Adds nodes and wires (a new node from the palette, a paste, a duplicate).
class AddSubgraphCommand : public QUndoCommand {
public:
    AddSubgraphCommand(GraphModel* model, Subgraph sub, const QString& text,
                       QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;
    const Subgraph& subgraph() const { return m_sub; }

private:
    GraphModel* m_model;
    Subgraph m_sub;
};

// Removes nodes (with every wire touching them) and wires.
class RemoveItemsCommand : public QUndoCommand {
public:
    RemoveItemsCommand(GraphModel* model, const QStringList& nodeIds, const QStringList& edgeKeys,
                       QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    GraphModel* m_model;
    std::vector<std::pair<int, NodeDef>> m_nodes;  // index in the project, ascending
    std::vector<std::pair<int, EdgeDef>> m_edges;
};

// Moves nodes to new positions (one command per drag).
class MoveNodesCommand : public QUndoCommand {
public:
    // id -> {old position, new position}
    MoveNodesCommand(GraphModel* model, std::map<QString, std::pair<QPointF, QPointF>> moves,
                     QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    GraphModel* m_model;
    std::map<QString, std::pair<QPointF, QPointF>> m_moves;
};

// Sets one parameter (null = back to the default). Consecutive edits of the same parameter merge
// into one command, so typing an expression is one undo step.
// Changes of one parameter (or one title) that follow each other within kMergeWithinMs are one
// undo step (a spin box's arrows, a slider); edits further apart are separate steps.
class SetParamCommand : public QUndoCommand {
public:
    static constexpr qint64 kMergeWithinMs = 1000;
    SetParamCommand(GraphModel* model, const QString& nodeId, const QString& key, Json value,
                    QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;
    int id() const override { return 1; }
    bool mergeWith(const QUndoCommand* other) override;

private:
    GraphModel* m_model;
    QString m_nodeId, m_key;
    Json m_old, m_new;
    qint64 m_atMs;  // when the newest change of this step was made
};

class SetTitleCommand : public QUndoCommand {
public:
    SetTitleCommand(GraphModel* model, const QString& nodeId, const QString& title,
                    QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;
    int id() const override { return 2; }
    bool mergeWith(const QUndoCommand* other) override;

private:
    GraphModel* m_model;
    QString m_nodeId, m_old, m_new;
    qint64 m_atMs;
};

class AddEdgeCommand : public QUndoCommand {
public:
    AddEdgeCommand(GraphModel* model, EdgeDef edge, QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    GraphModel* m_model;
    EdgeDef m_edge;
};

// Replaces the project's `dashboard` section (one panel drag or resize, with the panels it pushed
// aside). Undo restores the exact JSON that was there before.
class SetDashboardLayoutCommand : public QUndoCommand {
public:
    SetDashboardLayoutCommand(GraphModel* model, Json before, Json after, const QString& text,
                              QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    GraphModel* m_model;
    Json m_old, m_new;
};

// Replaces the whole content of the project (not its file path): restoring autosaved changes.
class ReplaceProjectCommand : public QUndoCommand {
public:
    ReplaceProjectCommand(GraphModel* model, Project content, const QString& text,
                          QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    void apply(const Project& content);
    GraphModel* m_model;
    Project m_old, m_new;
};

}  // namespace riffle
