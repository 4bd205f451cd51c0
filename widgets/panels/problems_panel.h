#pragma once
// The Problems tab: every validation problem of the project, one line each, with the node it
// belongs to, then its warnings (which do not count and do not stop a run). Clicking a line asks to
// select that node on the canvas. It follows the model's validationChanged signal, so a fix makes
// its line disappear as the user types.
//
// Threading: GUI thread only.
#include <QWidget>

class QTreeWidget;
class QLabel;

namespace riffle {

class GraphModel;

class ProblemsPanel : public QWidget {
    Q_OBJECT
public:
    explicit ProblemsPanel(GraphModel* model, QWidget* parent = nullptr);
    int count() const { return m_count; }
    int warnings() const { return m_warnings; }
    // Extra problems that are not the graph's (a failed start: "sink `db`: cannot open ...").
    void setRunProblems(const QStringList& problems);
    QTreeWidget* list() const { return m_list; }

signals:
    void nodeRequested(const QString& nodeId);
    void countChanged(int count);  // also when only the number of warnings changed

private:
    void refresh();
    GraphModel* m_model;
    QTreeWidget* m_list;
    QLabel* m_empty;
    QStringList m_runProblems;
    int m_count = 0, m_warnings = 0;
};

}  // namespace riffle
