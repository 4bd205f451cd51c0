#pragma once
// The studio's main window (docs/studio.md): welcome page or editor in the centre, the palette
// on the left, the inspector on the right, Problems / Log / Peek at the bottom, a toolbar with
// the run state pill, and a status bar with the path, engine threads and CPU.
//
// It owns the document (ProjectController) and the engine bridge and wires the widgets to them:
// selection drives the inspector, Run validates and starts the engine off the GUI thread, metrics
// flow to the canvas and the inspector, and a change while running restarts the pipeline.
//
// Threading: GUI thread only.
#include <QElapsedTimer>
#include <QLabel>
#include <QMainWindow>
#include <QSettings>
#include <QTimer>
#include <QToolButton>
#include <atomic>
#include <functional>
#include <memory>

#include "app/studio/project_controller.h"
#include "widgets/runtime/engine_bridge.h"

class QAction;
class QDialog;
class QDockWidget;
class QLineEdit;
class QPlainTextEdit;
class QSplitter;
class QStringListModel;
class QStackedWidget;
class QTabWidget;
class QToolButton;

namespace riffle {

class DashboardFeed;
class DashboardWidget;
class GraphScene;
class GraphView;
class Inspector;
class PaletteWidget;
class PeekPanel;
class ProblemsPanel;
class WelcomePage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(const NodeRegistry& registry, QSettings* settings, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a project file; on failure shows the message (in a dialog unless `quiet`) and
    // returns it.
    QString openFile(const QString& path, bool quiet = false);
    // Offers the recovery files of a session that did not end cleanly (call once after show()).
    void offerRecovery();

    // Run (F5): validates; with problems shows them and runs nothing. A project from elsewhere
    // first shows what it will touch and asks (once). Returns true if the pipeline started.
    bool run();
    void stop();
    // Run > Reset State: forgets the project's checkpoints; the next Run starts afresh.
    void resetState();
    // Selects a node on the canvas and scrolls it into view.
    void selectAndReveal(const QString& nodeId);
    bool isRunning() const { return m_bridge.isRunning(); }

    // For tests and tools.
    ProjectController* document() { return &m_doc; }
    EngineBridge* bridge() { return &m_bridge; }
    GraphScene* scene() const { return m_scene; }
    GraphView* view() const { return m_view; }
    Inspector* inspector() const { return m_inspector; }
    ProblemsPanel* problems() const { return m_problems; }
    PeekPanel* peek() const { return m_peek; }
    WelcomePage* welcome() const { return m_welcome; }
    DashboardWidget* dashboard() const { return m_dashboard; }
    DashboardFeed* dashboardFeed() const { return m_feed; }
    bool isDashboardDetached() const { return m_dashboardWindow != nullptr; }
    void setDashboardDetached(bool detached);
    QString statusPillText() const { return m_pill->text(); }
    QAction* action(const QString& name) const;
    // Consent before the first run of a project from elsewhere; tests replace the dialog.
    std::function<bool(const ProjectReach&)> askToRun;
    // Recovery offer; tests replace the dialog. Returns true to restore.
    std::function<bool(const RecoveryFile&)> askToRestore;
    // Unsaved changes on close: QMessageBox::Save, Discard or Cancel; tests replace the dialog.
    std::function<int()> askToSave;

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildActions();
    void buildMenus();
    void buildToolBar();
    void buildDocks();
    void buildStatusBar();
    void showEditor(bool editor);
    void updateTitle();
    void updatePill();
    void updateCheckpointLabel();
    void updateActions();
    void updateFindTitles();
    void onStats();
    void onFinished(const QString& error);
    void onModelEdited();
    void openPeek(const QString& edgeKey);
    void openPeekOf(const QString& nodeId, const QString& port);
    void showReference(const QString& typeId);
    // View ▸ Execution Plan: the plan Run would make (engine/plan/physical_plan.h), as text.
    void showExecutionPlan();
    // File ▸ Export ▸ Flink SQL…: the script shown, then saved; or why not.
    void exportToFlink();
    // A read-only text in a fixed font (lines wrapped when `wrap`), in a dialog named `name` (its
    // text `name` + "Text", its button box "buttons"), shown and deleted on close.
    QDialog* showTextDialog(const QString& name, const QString& title, const QString& text,
                            bool wrap = false);
    // "No <what>: the project has N problems…" and the problems, one a line.
    QString problemsText(const ValidatedGraph& graph, const QString& what) const;
    void findNode();
    bool confirmTrust();
    void inferSchemasThenRun(const std::vector<std::string>& nodes);
    void log(const QString& line);
    bool maybeSave();
    bool saveDocument(bool as);
    void restoreLayout();
    void saveLayout();
    QStringList examplePaths() const;

    const NodeRegistry& m_registry;
    QSettings* m_settings;
    ProjectController m_doc;
    EngineBridge m_bridge;

    class DetachedWindow;
    void updateHistoryPath();
    QStackedWidget* m_stack = nullptr;
    QSplitter* m_editor = nullptr;
    DashboardWidget* m_dashboard = nullptr;
    DashboardFeed* m_feed = nullptr;
    QWidget* m_dashboardWindow = nullptr;
    WelcomePage* m_welcome = nullptr;
    GraphScene* m_scene = nullptr;
    GraphView* m_view = nullptr;
    PaletteWidget* m_palette = nullptr;
    Inspector* m_inspector = nullptr;
    ProblemsPanel* m_problems = nullptr;
    PeekPanel* m_peek = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QTabWidget* m_bottomTabs = nullptr;
    QDockWidget* m_paletteDock = nullptr;
    QDockWidget* m_inspectorDock = nullptr;
    QDockWidget* m_bottomDock = nullptr;
    QToolButton* m_pill = nullptr;
    QLineEdit* m_find = nullptr;
    QStringListModel* m_findTitles = nullptr;
    QLabel* m_pathLabel = nullptr;
    QLabel* m_threadsLabel = nullptr;
    QLabel* m_cpuLabel = nullptr;
    QLabel* m_checkpointLabel = nullptr;  // the last checkpoint's age and size, while running
    std::map<QString, QAction*> m_actions;

    QElapsedTimer m_runClock;
    QTimer m_restartTimer;  // a change while running restarts the pipeline after a short pause
    QTimer m_cpuTimer;
    double m_lastCpuSeconds = 0;
    qint64 m_lastCpuSampleMs = 0;
    bool m_restarting = false;
    Project m_runningProject;  // as it was when the pipeline started (edits compare against it)
    bool m_splitDefault = true;
    QThread* m_inferThread = nullptr;  // reading sources' first messages before a run
    std::shared_ptr<std::atomic<bool>>
        m_inferCancel;  // no splitter sizes saved: set them when the editor first shows //
                        // stopped to apply a change; onFinished() starts it again
    std::pair<QString, QString>
        m_peekPort;  // node and port the Peek tab shows, reopened after a restart
};

}  // namespace riffle
