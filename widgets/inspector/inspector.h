#pragma once
// The inspector (docs/studio.md): the selected node's title and type, a form generated from
// its NodeSpec's ParamSpecs, grouped as the spec groups them, its input and output schemas, its
// problems, and while the pipeline runs, its metrics.
//
// Every change goes through a QUndoCommand pushed on the document's QUndoStack
// (SetParamCommand, SetTitleCommand); the inspector never calls GraphModel's mutators. Fields
// commit on every edit (a keystroke, a click); SetParamCommand merges consecutive edits of one
// parameter into one undo step, so the model always holds what the field shows. When the model
// changes the node (an edit, undo, redo) the fields are updated in place: the field being typed
// in keeps its focus and cursor. The form is rebuilt only when another node is selected or the
// project is replaced.
//
// Threading: GUI thread only.
#include <QPointer>
#include <QString>
#include <QThread>
#include <QWidget>
#include <map>
#include <vector>

#include "engine/core/types.h"

class QLabel;
class QPushButton;
class QLineEdit;
class QScrollArea;
class QStackedWidget;
class QUndoStack;
class QVBoxLayout;
class QGridLayout;

namespace riffle {

class GraphModel;
class ParamEditor;
struct NodeSpec;
struct NodeStats;

namespace inspector_detail {
class HeaderCard;
class Banner;
}  // namespace inspector_detail

class Inspector : public QWidget {
    Q_OBJECT
public:
    Inspector(GraphModel* model, QUndoStack* undo, QWidget* parent = nullptr);
    ~Inspector() override;

    // Shows node `id`'s settings; "" shows the hint that nothing is selected.
    void setNode(const QString& id);
    QString nodeId() const { return m_nodeId; }
    // The selected node's metrics while the pipeline runs; null hides them (stopped). The values
    // are copied; the pointer need not outlive the call.
    void setStats(const NodeStats* stats);

    // The editor of parameter `key` of the shown node (null if none), e.g. to focus it from the
    // problems panel.
    ParamEditor* editor(const QString& key) const;
    QLineEdit* titleEdit() const { return m_title; }
    // Puts the cursor in the shown node's title, all of it selected (Rename…).
    void editTitle();
    // The node's problems as the banner above the form shows them.
    QStringList shownProblems() const { return m_shownProblems; }
    // Message sources: reads the node's first messages on a thread and sets its `schema` to the
    // fields they show (one undo step); inferenceFinished() tells how it went.
    void inferSchema(int timeoutMs = 5000);
    bool inferring() const { return m_inferThread != nullptr; }

signals:
    void inferenceFinished(const QString& result, bool ok);

protected:
    void changeEvent(QEvent* e) override;

private:
    void rebuild();
    void refreshValues();
    void refreshValidation();
    void refreshProblems();
    void rebuildSchemas();
    // Lets the field being typed in finish its edit (focus out) while the form still belongs to
    // the node it was built for.
    void finishEditing();
    void commitParam(const QString& nodeId, ParamEditor* editor);
    void commitTitle(const QString& text);
    QWidget* buildParams(const NodeSpec& spec);

    GraphModel* m_model;
    QUndoStack* m_undo;
    QString m_nodeId;

    QStackedWidget* m_stack;
    QLabel* m_emptyHint;
    QScrollArea* m_scroll;
    QWidget* m_content = nullptr;
    QVBoxLayout* m_contentLayout = nullptr;

    inspector_detail::HeaderCard* m_header = nullptr;
    QLineEdit* m_title = nullptr;
    QString m_titleShown;
    QLabel* m_typeLine = nullptr;
    QLabel* m_description = nullptr;
    inspector_detail::Banner* m_banner = nullptr;
    QStringList m_shownProblems;
    QWidget* m_params = nullptr;
    QWidget* m_schemaBox = nullptr;
    QVBoxLayout* m_schemaLayout = nullptr;
    std::vector<SchemaPtr> m_shownSchemas;
    bool m_schemasShown = false;
    QWidget* m_statsBox = nullptr;
    std::map<QString, QLabel*> m_statValues;

    QWidget* buildInferRow(QWidget* parent);

    QPointer<QThread> m_inferThread;
    std::shared_ptr<std::atomic<bool>> m_inferCancel;
    QPushButton* m_inferButton = nullptr;
    QLabel* m_inferStatus = nullptr;

    std::vector<ParamEditor*> m_editors;
    std::map<ParamEditor*, int> m_editorPort;
};

}  // namespace riffle
