#include "app/studio/main_window.h"

#include <sys/resource.h>

#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QCompleter>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStringListModel>
#include <QTabWidget>
#include <QTextBrowser>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "engine/charts/chart_history.h"
#include "engine/checkpoint/checkpoint_store.h"
#include "engine/export/flink_sql.h"
#include "engine/graph/node_reference.h"
#include "engine/graph/project_diff.h"
#include "engine/plan/physical_plan.h"
#include "nodes/connectors/schema_sampling.h"
#include "widgets/canvas/graph_scene.h"
#include "widgets/canvas/graph_view.h"
#include "widgets/canvas/node_item.h"
#include "widgets/dashboard/dashboard_feed.h"
#include "widgets/dashboard/dashboard_widget.h"
#include "widgets/inspector/inspector.h"
#include "widgets/model/commands.h"
#include "widgets/palette/palette_widget.h"
#include "widgets/panels/peek_panel.h"
#include "widgets/panels/problems_panel.h"
#include "widgets/style/theme.h"
#include "widgets/welcome/welcome_page.h"

namespace riffle {

namespace {

double processCpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

QString formatElapsed(qint64 ms) {
    const qint64 s = ms / 1000;
    return QString("%1:%2:%3")
        .arg(s / 3600, 2, 10, QChar('0'))
        .arg((s / 60) % 60, 2, 10, QChar('0'))
        .arg(s % 60, 2, 10, QChar('0'));
}

// "1 problem", "2 problems" (no translator is loaded, so %n plurals would read "problem(s)").
QString plural(qint64 n, const QString& one, const QString& many) {
    return QString::number(n) + " " + (n == 1 ? one : many);
}

QString bulletList(const QStringList& items) {
    QString html = "<ul style='margin-top:2px'>";
    for (const QString& i : items) html += "<li>" + i.toHtmlEscaped() + "</li>";
    return html + "</ul>";
}

}  // namespace

// The detached dashboard's window: closing it puts the dashboard back next to the canvas.
class MainWindow::DetachedWindow : public QWidget {
public:
    // Owned by the main window (a top-level window all the same), so it never outlives it.
    DetachedWindow(QWidget* owner, std::function<void()> onClose)
        : QWidget(owner, Qt::Window), m_onClose(std::move(onClose)) {}

protected:
    void closeEvent(QCloseEvent* event) override {
        event->ignore();
        m_onClose();
    }

private:
    std::function<void()> m_onClose;
};

MainWindow::MainWindow(const NodeRegistry& registry, QSettings* settings, QWidget* parent)
    : QMainWindow(parent),
      m_registry(registry),
      m_settings(settings),
      m_doc(registry, settings),
      m_bridge(registry) {
    setWindowIcon(QIcon(":/icons/riffle.svg"));
    setDockNestingEnabled(true);

    m_scene = new GraphScene(m_doc.model(), m_doc.undoStack(), this);
    m_view = new GraphView(m_scene);
    m_welcome = new WelcomePage(registry);
    // Canvas and dashboard side by side; the dashboard can be detached to its own window.
    m_dashboard = new DashboardWidget(m_doc.model(), m_doc.undoStack());
    m_feed = new DashboardFeed(m_dashboard, m_doc.model(), this);
    m_editor = new QSplitter(Qt::Horizontal);
    auto* editor = m_editor;
    editor->setObjectName("editorSplitter");
    editor->addWidget(m_view);
    editor->addWidget(m_dashboard);
    // When the inspector comes and goes, or the window is resized, both share the difference
    // (3 : 2); the canvas keeps its top left where it is (GraphView's resize anchor), so the
    // cards do not move under the pointer.
    editor->setStretchFactor(0, 3);
    editor->setStretchFactor(1, 2);
    editor->setChildrenCollapsible(false);
    m_stack = new QStackedWidget;
    m_stack->addWidget(m_welcome);
    m_stack->addWidget(editor);
    setCentralWidget(m_stack);

    buildActions();
    buildDocks();
    buildMenus();
    buildToolBar();
    buildStatusBar();

    askToRun = [this](const ProjectReach& reach) {
        QString text =
            tr("<p><b>%1</b> comes from elsewhere. Before its first run, this is what it "
               "will do on this machine:</p>")
                .arg(m_doc.displayName().toHtmlEscaped());
        if (!reach.listensOn.isEmpty())
            text += tr("<p>Listen on</p>") + bulletList(reach.listensOn);
        if (!reach.connectsTo.isEmpty())
            text += tr("<p>Connect to</p>") + bulletList(reach.connectsTo);
        if (!reach.reads.isEmpty()) text += tr("<p>Read</p>") + bulletList(reach.reads);
        if (!reach.writes.isEmpty()) text += tr("<p>Write</p>") + bulletList(reach.writes);
        QMessageBox box(QMessageBox::Question, tr("Run %1?").arg(m_doc.displayName()), text,
                        QMessageBox::Cancel, this);
        box.addButton(tr("Run"), QMessageBox::AcceptRole);
        box.setTextFormat(Qt::RichText);
        return box.exec() != QMessageBox::Cancel;
    };
    askToRestore = [this](const RecoveryFile& file) {
        const QString what = file.originalPath.isEmpty() ? tr("an untitled project")
                                                         : QFileInfo(file.originalPath).fileName();
        return QMessageBox::question(
                   this, tr("Restore unsaved changes?"),
                   tr("Riffle did not close cleanly. Unsaved changes to %1 were saved "
                      "automatically at "
                      "%2.\n\nRestore them?")
                       .arg(what, file.savedAt.toLocalTime().toString("yyyy-MM-dd HH:mm:ss")),
                   QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes) == QMessageBox::Yes;
    };
    askToSave = [this] {
        return QMessageBox::question(
            this, tr("Save changes?"),
            tr("%1 has unsaved changes. Save them before closing?").arg(m_doc.displayName()),
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    };

    connect(&m_doc, &ProjectController::documentStateChanged, this, &MainWindow::updateTitle);
    connect(&m_doc, &ProjectController::documentStateChanged, this, &MainWindow::updateHistoryPath);
    connect(m_dashboard, &DashboardWidget::optionsRequested, this, &MainWindow::selectAndReveal);
    connect(m_feed, &DashboardFeed::exported, this, [this](const QString& path) {
        log(tr("Exported %1").arg(QDir::toNativeSeparators(path)));
    });
    connect(&m_doc, &ProjectController::projectChanged, this, [this] {
        if (m_bridge.isRunning() || m_inferThread)
            stop();  // a schema being read is for the old project
        m_peek->clear(
            tr("Click a wire on the canvas while the pipeline runs to see its newest events."));
        m_inspector->setNode({});
        updateHistoryPath();
        showEditor(m_doc.hasProject());
        m_pathLabel->setText(m_doc.filePath().isEmpty()
                                 ? tr("Not saved yet")
                                 : QDir::toNativeSeparators(m_doc.filePath()));
        updateTitle();
        updatePill();
        updateActions();
        updateFindTitles();
        if (m_doc.hasProject()) QTimer::singleShot(0, m_view, [this] { m_view->fitReadable(); });
    });
    connect(m_scene, &GraphScene::selectionChangedToNodes, this, [this](const QStringList& ids) {
        m_inspector->setNode(ids.size() == 1 ? ids.front() : QString());
        // The inspector takes room only when there is one node to show.
        if (m_doc.hasProject()) m_inspectorDock->setVisible(ids.size() == 1);
        onStats();
        updateActions();
    });
    connect(m_scene, &GraphScene::edgeActivated, this, &MainWindow::openPeek);
    connect(m_scene, &GraphScene::peekRequested, this,
            [this](const QString& node, const QString& port) { openPeekOf(node, port); });
    connect(m_scene, &GraphScene::renameRequested, this, [this](const QString& id) {
        selectAndReveal(id);
        m_inspectorDock->show();
        m_inspector->editTitle();
    });
    connect(m_scene, &GraphScene::referenceRequested, this, &MainWindow::showReference);
    connect(m_scene, &GraphScene::nodeActivated, this, [this](const QString&) {
        m_inspectorDock->show();
        m_inspectorDock->raise();
    });
    connect(m_problems, &ProblemsPanel::nodeRequested, this, &MainWindow::selectAndReveal);
    connect(m_problems, &ProblemsPanel::countChanged, this, &MainWindow::updatePill);
    connect(m_palette, &PaletteWidget::addRequested, this, [this](const QString& type) {
        m_scene->addNode(type, m_view->mapToScene(m_view->viewport()->rect().center()));
    });
    connect(m_welcome, &WelcomePage::newRequested, this, [this] { m_doc.newProject(); });
    connect(m_welcome, &WelcomePage::openRequested, m_actions["open"], &QAction::trigger);
    connect(m_welcome, &WelcomePage::openFile, this, [this](const QString& p) { openFile(p); });

    connect(&m_bridge, &EngineBridge::statsUpdated, this, &MainWindow::onStats);
    connect(&m_bridge, &EngineBridge::finished, this, &MainWindow::onFinished);

    GraphModel* model = m_doc.model();
    for (auto signal : {&GraphModel::nodeAdded, &GraphModel::nodeRemoved, &GraphModel::nodeChanged,
                        &GraphModel::edgeAdded, &GraphModel::edgeRemoved})
        connect(model, signal, this, &MainWindow::onModelEdited);

    m_restartTimer.setSingleShot(true);
    m_restartTimer.setInterval(400);
    connect(&m_restartTimer, &QTimer::timeout, this, [this] {
        if (!m_bridge.isRunning() || m_restarting) return;
        // Stop, and start again in onFinished(): the GUI thread never waits for the drain.
        log(tr("Applying the change: restarting the pipeline"));
        m_restarting = true;
        m_bridge.requestStop(true);
    });

    m_cpuTimer.setInterval(1000);
    connect(&m_cpuTimer, &QTimer::timeout, this, [this] {
        const double cpu = processCpuSeconds();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (m_lastCpuSampleMs) {
            const double pct = 100.0 * (cpu - m_lastCpuSeconds) /
                               (static_cast<double>(now - m_lastCpuSampleMs) / 1000.0);
            m_cpuLabel->setText(tr("CPU %1 %").arg(pct, 0, 'f', 0));
        }
        m_lastCpuSeconds = cpu;
        m_lastCpuSampleMs = now;
        if (m_bridge.isRunning()) updatePill();
    });
    m_cpuTimer.start();

    m_welcome->setExamples(examplePaths());
    m_welcome->setRecentFiles(m_doc.recentFiles());
    resize(1440, 900);
    restoreLayout();
    showEditor(false);
    updateTitle();
    updatePill();
    updateActions();
}

MainWindow::~MainWindow() {
    if (m_inferThread) {
        m_inferCancel->store(true);
        m_inferThread->disconnect(this);
        m_inferThread->wait();
        delete m_inferThread;
    }
    if (m_bridge.isRunning()) m_bridge.requestStop();
    // The document and the bridge are members, so they die before the child widgets that show
    // them: cut every signal they send, then delete the views while the model is still there.
    m_bridge.disconnect();
    m_doc.undoStack()->disconnect();
    m_doc.model()->disconnect();
    m_doc.disconnect();
    delete m_dashboardWindow;  // holds the dashboard while it is detached
    delete takeCentralWidget();
    delete m_scene;
    for (QDockWidget* d : {m_paletteDock, m_inspectorDock, m_bottomDock}) delete d;
}

QStringList MainWindow::examplePaths() const {
    QStringList out;
    const QDir dir(QStringLiteral(RIFFLE_SOURCE_DIR "/projects"));
    for (const QString& f : dir.entryList({"*.riffle"}, QDir::Files, QDir::Name))
        out << dir.filePath(f);
    const QDir nexmark(dir.filePath("nexmark"));
    for (const QString& f : nexmark.entryList({"*.riffle"}, QDir::Files, QDir::Name))
        out << nexmark.filePath(f);
    return out;
}

QAction* MainWindow::action(const QString& name) const {
    auto it = m_actions.find(name);
    return it == m_actions.end() ? nullptr : it->second;
}

void MainWindow::buildActions() {
    auto make = [this](const QString& name, const QString& text, const QString& icon,
                       QKeySequence key, auto slot) {
        auto* a = new QAction(text, this);
        if (!icon.isEmpty()) a->setIcon(theme::actionIcon(icon));
        if (!key.isEmpty()) {
            a->setShortcut(key);
            a->setToolTip(QString("%1 (%2)").arg(QString(text).remove('&').remove("…"),
                                                 key.toString(QKeySequence::NativeText)));
        }
        connect(a, &QAction::triggered, this, slot);
        m_actions[name] = a;
        return a;
    };
    make("new", tr("&New"), "new", QKeySequence::New, [this] {
        if (maybeSave()) m_doc.newProject();
    });
    make("open", tr("&Open…"), "open", QKeySequence::Open, [this] {
        if (!maybeSave()) return;
        const QString start = m_doc.filePath().isEmpty()
                                  ? QStringLiteral(RIFFLE_SOURCE_DIR "/projects")
                                  : QFileInfo(m_doc.filePath()).absolutePath();
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open project"), start, tr("Riffle projects (*.riffle);;All files (*)"));
        if (!path.isEmpty()) openFile(path);
    });
    make("save", tr("&Save"), "save", QKeySequence::Save, [this] { saveDocument(false); });
    // Written out: the platform's standard keys leave Save As without one on most Linux desktops.
    make("saveAs", tr("Save &As…"), "save-as", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S),
         [this] { saveDocument(true); });
    make("close", tr("&Close Project"), "", QKeySequence::Close, [this] {
        if (maybeSave()) {
            m_doc.close();
            m_welcome->setRecentFiles(m_doc.recentFiles());
        }
    });
    make("quit", tr("&Quit"), "", QKeySequence::Quit, [this] { close(); });

    QAction* undo = m_doc.undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setIcon(theme::actionIcon("undo"));
    undo->setShortcut(QKeySequence::Undo);
    m_actions["undo"] = undo;
    QAction* redo = m_doc.undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setIcon(theme::actionIcon("redo"));
    // Both habits: Ctrl+Shift+Z (the platform's) and Ctrl+Y.
    QList<QKeySequence> redoKeys = QKeySequence::keyBindings(QKeySequence::Redo);
    for (const QKeySequence& k :
         {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)})
        if (!redoKeys.contains(k)) redoKeys << k;
    redo->setShortcuts(redoKeys);
    m_actions["redo"] = redo;

    make("cut", tr("Cu&t"), "cut", QKeySequence::Cut, [this] { m_scene->cutSelection(); });
    make("copy", tr("&Copy"), "copy", QKeySequence::Copy, [this] { m_scene->copySelection(); });
    make("paste", tr("&Paste"), "paste", QKeySequence::Paste, [this] { m_scene->paste(); });
    make("duplicate", tr("D&uplicate"), "", QKeySequence(Qt::CTRL | Qt::Key_D),
         [this] { m_scene->duplicateSelection(); });
    make("delete", tr("&Delete"), "delete", QKeySequence::Delete,
         [this] { m_scene->deleteSelection(); });
    make("selectAll", tr("Select &All"), "", QKeySequence::SelectAll,
         [this] { m_scene->selectAll(); });
    make("find", tr("&Find Node…"), "find", QKeySequence::Find, [this] { findNode(); });
    make("zoomIn", tr("Zoom &In"), "zoom-in", QKeySequence::ZoomIn, [this] { m_view->zoomIn(); });
    make("zoomOut", tr("Zoom &Out"), "zoom-out", QKeySequence::ZoomOut,
         [this] { m_view->zoomOut(); });
    make("fit", tr("&Fit to View"), "zoom-fit", QKeySequence(Qt::CTRL | Qt::Key_0),
         [this] { m_view->fitToView(); });
    auto exportDashboard = [this] {
        const QString suggested =
            QFileInfo(m_doc.displayName()).completeBaseName() + "-dashboard.png";
        const QString path =
            m_feed->askSavePath(tr("Export dashboard"), suggested, tr("PNG images (*.png)"));
        if (!path.isEmpty() && m_dashboard->exportPng(path))
            log(tr("Exported %1").arg(QDir::toNativeSeparators(path)));
    };
    make("exportDashboard", tr("&Export Dashboard as PNG…"), "", QKeySequence(), exportDashboard);
    // The same, as File ▸ Export names it.
    make("exportDashboardPng", tr("&Dashboard as PNG…"), "", QKeySequence(), exportDashboard);
    make("executionPlan", tr("E&xecution Plan"), "", QKeySequence(),
         [this] { showExecutionPlan(); });
    make("exportFlinkSql", tr("&Flink SQL…"), "", QKeySequence(), [this] { exportToFlink(); });
    make("detachDashboard", tr("&Detach Dashboard"), "", QKeySequence(),
         [this] { setDashboardDetached(!m_dashboardWindow); });
    make("run", tr("&Run"), "run", QKeySequence(Qt::Key_F5), [this] { run(); });
    make("stop", tr("S&top"), "stop", QKeySequence(Qt::SHIFT | Qt::Key_F5), [this] { stop(); });
    make("resetState", tr("Reset &State"), "", QKeySequence(), [this] { resetState(); });
    // Canvas edit keys act only when the canvas (not a text field) has focus.
    for (const char* name : {"cut", "copy", "paste", "duplicate", "delete", "selectAll"}) {
        m_actions[name]->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        m_view->addAction(m_actions[name]);
    }
    connect(m_doc.undoStack(), &QUndoStack::indexChanged, this, &MainWindow::updateActions);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    for (const char* n : {"new", "open"}) file->addAction(m_actions[n]);
    QMenu* recent = file->addMenu(tr("Open &Recent"));
    connect(recent, &QMenu::aboutToShow, this, [this, recent] {
        recent->clear();
        for (const QString& p : m_doc.recentFiles())
            recent->addAction(QDir::toNativeSeparators(p), this, [this, p] {
                if (maybeSave()) openFile(p);
            });
        if (recent->isEmpty()) recent->addAction(tr("No recent projects"))->setEnabled(false);
    });
    file->addSeparator();
    for (const char* n : {"save", "saveAs", "close"}) file->addAction(m_actions[n]);
    file->addSeparator();
    QMenu* exportMenu = file->addMenu(tr("&Export"));
    exportMenu->addAction(m_actions["exportFlinkSql"]);
    exportMenu->addAction(m_actions["exportDashboardPng"]);
    file->addSeparator();
    file->addAction(m_actions["quit"]);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    for (const char* n : {"undo", "redo"}) edit->addAction(m_actions[n]);
    edit->addSeparator();
    for (const char* n : {"cut", "copy", "paste", "duplicate", "delete"})
        edit->addAction(m_actions[n]);
    edit->addSeparator();
    for (const char* n : {"selectAll", "find"}) edit->addAction(m_actions[n]);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (const char* n : {"zoomIn", "zoomOut", "fit"}) view->addAction(m_actions[n]);
    view->addSeparator();
    for (QDockWidget* d : {m_paletteDock, m_inspectorDock, m_bottomDock})
        view->addAction(d->toggleViewAction());
    view->addSeparator();
    for (const char* n : {"detachDashboard", "exportDashboard"}) view->addAction(m_actions[n]);
    view->addSeparator();
    view->addAction(m_actions["executionPlan"]);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    for (const char* n : {"run", "stop"}) run->addAction(m_actions[n]);
    run->addSeparator();
    run->addAction(m_actions["resetState"]);
}

void MainWindow::buildToolBar() {
    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName("mainToolBar");
    bar->setMovable(false);
    bar->setIconSize(QSize(20, 20));
    bar->setToolButtonStyle(Qt::ToolButtonIconOnly);
    for (const char* n : {"new", "open", "save"}) bar->addAction(m_actions[n]);
    bar->addSeparator();
    for (const char* n : {"undo", "redo"}) bar->addAction(m_actions[n]);
    bar->addSeparator();
    bar->addAction(m_actions["run"]);
    bar->addAction(m_actions["stop"]);
    if (auto* b = qobject_cast<QToolButton*>(bar->widgetForAction(m_actions["run"]))) {
        b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    }
    bar->addSeparator();
    for (const char* n : {"zoomOut", "zoomIn", "fit"}) bar->addAction(m_actions[n]);
    bar->addSeparator();

    m_find = new QLineEdit;
    m_find->setObjectName("findNode");
    m_find->setPlaceholderText(tr("Find node (Ctrl+F)"));
    m_find->setClearButtonEnabled(true);
    m_find->setMaximumWidth(220);
    m_findTitles = new QStringListModel(m_find);
    auto* completer = new QCompleter(m_findTitles, m_find);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    m_find->setCompleter(completer);
    connect(m_find, &QLineEdit::returnPressed, this, [this] {
        const QString text = m_find->text().trimmed();
        if (text.isEmpty()) return;
        // An exact id or title first (a suggestion chosen from the list), else the first node
        // whose id or title contains the text.
        for (const bool exact : {true, false}) {
            for (const NodeDef& n : m_doc.model()->project().nodes) {
                const QString id = QString::fromStdString(n.id);
                const QString title = m_doc.model()->displayTitle(id);
                const bool match = exact ? id.compare(text, Qt::CaseInsensitive) == 0 ||
                                               title.compare(text, Qt::CaseInsensitive) == 0
                                         : id.contains(text, Qt::CaseInsensitive) ||
                                               title.contains(text, Qt::CaseInsensitive);
                if (!match) continue;
                selectAndReveal(id);
                m_view->setFocus();
                return;
            }
        }
        statusBar()->showMessage(tr("No node matches \"%1\"").arg(text), 3000);
    });
    bar->addWidget(m_find);

    auto* spacer = new QWidget;
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);
    m_pill = new QToolButton;
    m_pill->setObjectName("statusPill");
    m_pill->setCursor(Qt::PointingHandCursor);
    m_pill->setAutoRaise(true);
    connect(m_pill, &QToolButton::clicked, this, [this] {
        if (m_problems->count() > 0 || m_problems->warnings() > 0) {
            m_bottomDock->show();
            m_bottomTabs->setCurrentWidget(m_problems);
        }
    });
    bar->addWidget(m_pill);
    auto* pad = new QWidget;
    pad->setFixedWidth(8);
    bar->addWidget(pad);
}

void MainWindow::buildDocks() {
    m_palette = new PaletteWidget(m_registry);
    m_paletteDock = new QDockWidget(tr("Nodes"), this);
    m_paletteDock->setObjectName("paletteDock");
    m_paletteDock->setWidget(m_palette);
    addDockWidget(Qt::LeftDockWidgetArea, m_paletteDock);

    m_inspector = new Inspector(m_doc.model(), m_doc.undoStack());
    m_inspectorDock = new QDockWidget(tr("Inspector"), this);
    m_inspectorDock->setObjectName("inspectorDock");
    m_inspectorDock->setWidget(m_inspector);
    addDockWidget(Qt::RightDockWidgetArea, m_inspectorDock);

    m_problems = new ProblemsPanel(m_doc.model());
    m_log = new QPlainTextEdit;
    m_log->setObjectName("log");
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_peek = new PeekPanel;
    m_bottomTabs = new QTabWidget;
    m_bottomTabs->setDocumentMode(true);
    m_bottomTabs->addTab(m_problems, tr("Problems"));
    m_bottomTabs->addTab(m_log, tr("Log"));
    m_bottomTabs->addTab(m_peek, tr("Peek"));
    m_bottomDock = new QDockWidget(tr("Output"), this);
    m_bottomDock->setObjectName("bottomDock");
    m_bottomDock->setWidget(m_bottomTabs);
    addDockWidget(Qt::BottomDockWidgetArea, m_bottomDock);
    // On a laptop screen the inspector takes a little less, for the canvas and the dashboard.
    const QScreen* screen = QGuiApplication::primaryScreen();
    const bool small = screen && screen->availableGeometry().width() < 1500;
    resizeDocks({m_paletteDock, m_inspectorDock}, {small ? 220 : 240, small ? 320 : 380},
                Qt::Horizontal);
    resizeDocks({m_bottomDock}, {170}, Qt::Vertical);
    connect(m_problems, &ProblemsPanel::countChanged, this, [this](int n) {
        m_bottomTabs->setTabText(0, n ? tr("Problems (%1)").arg(n) : tr("Problems"));
        // Nothing left to show: the problems list gives its room back.
        if (n == 0 && m_bottomTabs->currentWidget() == m_problems) m_bottomDock->hide();
    });
}

void MainWindow::buildStatusBar() {
    m_pathLabel = new QLabel;
    m_threadsLabel = new QLabel;
    m_cpuLabel = new QLabel;
    statusBar()->addWidget(m_pathLabel, 1);
    m_checkpointLabel = new QLabel;
    m_checkpointLabel->setObjectName("checkpointStatus");
    m_checkpointLabel->hide();
    statusBar()->addPermanentWidget(m_checkpointLabel);
    statusBar()->addPermanentWidget(m_threadsLabel);
    statusBar()->addPermanentWidget(m_cpuLabel);
    m_threadsLabel->setText(tr("Engine: %1 threads").arg(std::max(1, QThread::idealThreadCount())));
}

void MainWindow::showEditor(bool editor) {
    m_stack->setCurrentIndex(editor ? 1 : 0);
    // The palette always; the inspector and the output only when they have something to show.
    m_paletteDock->setVisible(editor);
    m_inspectorDock->setVisible(editor && m_scene->selectedNodeIds().size() == 1);
    m_bottomDock->setVisible(editor && m_problems->count() > 0);
    if (!editor) m_welcome->setRecentFiles(m_doc.recentFiles());
    if (editor && m_splitDefault) {
        // First time: the canvas gets most of the room (3 : 2), once the window has its size.
        m_splitDefault = false;
        QTimer::singleShot(0, this, [this] {
            const int total = m_editor->width();
            if (total > 0) m_editor->setSizes({total * 3 / 5, total - total * 3 / 5});
        });
    }
}

void MainWindow::updateTitle() {
    if (!m_doc.hasProject()) {
        setWindowTitle(tr("Riffle"));
        setWindowModified(false);
        return;
    }
    setWindowTitle(m_doc.displayName() + "[*] — Riffle");
    setWindowModified(m_doc.isModified());
}

void MainWindow::updatePill() {
    QString text, bg, fg = "white";
    const int problems = m_problems->count();
    if (m_inferThread) {
        text = tr("Reading the first messages…");
        bg = theme::amber().darker(115).name();
    } else if (m_bridge.isRunning()) {
        text = tr("Running · %1 ev/s · %2")
                   .arg(theme::formatCount(m_bridge.sourceRate()),
                        formatElapsed(m_runClock.elapsed()));
        bg = "#2f9e44";
    } else if (problems > 0 && m_doc.hasProject()) {
        text = plural(problems, tr("problem"), tr("problems"));
        bg = theme::red().name();
    } else if (m_problems->warnings() > 0 && m_doc.hasProject()) {
        // It runs, but may not do what the user means: say so where they look before Run.
        text =
            tr("Stopped · %1").arg(plural(m_problems->warnings(), tr("warning"), tr("warnings")));
        bg = theme::amber().name();
        fg = "#1f2328";
    } else {
        text = tr("Stopped");
        bg = theme::isDark(palette()) ? "#3b4048" : "#e4e7eb";
        fg = theme::isDark(palette()) ? "#d0d4da" : "#3b4048";
    }
    m_pill->setText(text);
    m_pill->setStyleSheet(
        QString("QToolButton#statusPill { background: %1; color: %2; border-radius: 11px;"
                " padding: 3px 12px; font-weight: 600; }")
            .arg(bg, fg));
}

void MainWindow::updateActions() {
    const bool open = m_doc.hasProject();
    const bool running = m_bridge.isRunning();
    const bool selection = open && !m_scene->selectedItems().isEmpty();
    for (const char* n :
         {"save", "saveAs", "close", "selectAll", "paste", "find", "zoomIn", "zoomOut", "fit"})
        m_actions[n]->setEnabled(open);
    for (const char* n : {"cut", "copy", "duplicate", "delete"})
        m_actions[n]->setEnabled(selection);
    m_actions["run"]->setEnabled(open && !running && !m_inferThread);
    m_actions["stop"]->setEnabled(running || m_inferThread);
    m_actions["resetState"]->setEnabled(open && !running && !m_doc.filePath().isEmpty());
    m_find->setEnabled(open);
}

void MainWindow::updateFindTitles() {
    // The completer lives as long as the field and only its list changes: this runs while the
    // completer itself is handling a key (Enter selects a node, which edits nothing but may
    // follow an edit), so replacing the completer here would delete it under its own feet.
    QStringList titles;
    for (const NodeDef& n : m_doc.model()->project().nodes)
        titles << m_doc.model()->displayTitle(QString::fromStdString(n.id));
    if (m_findTitles->stringList() != titles) m_findTitles->setStringList(titles);
}

QString MainWindow::openFile(const QString& path, bool quiet) {
    if (m_bridge.isRunning()) stop();
    const QString error = m_doc.open(path);
    if (!error.isEmpty()) {
        log(tr("Could not open %1: %2").arg(path, error));
        if (!quiet) QMessageBox::warning(this, tr("Cannot open the project"), error);
        return error;
    }
    log(tr("Opened %1").arg(QDir::toNativeSeparators(m_doc.filePath())));
    return {};
}

void MainWindow::offerRecovery() {
    for (const RecoveryFile& f : m_doc.recoveryCandidates()) {
        if (askToRestore(f)) {
            if (maybeSave()) {
                const QString error = m_doc.restore(f);
                if (!error.isEmpty())
                    QMessageBox::warning(this, tr("Cannot restore"), error);
                else
                    log(tr("Restored unsaved changes from %1").arg(f.recoveryPath));
            }
            return;  // one at a time; the others stay for the next start
        }
        m_doc.discardRecovery(f);
    }
}

bool MainWindow::confirmTrust() {
    if (m_restarting || m_doc.isTrusted()) return true;
    const ProjectReach reach = projectReach(m_doc.model()->project(), m_registry);
    if (!reach.empty() && !askToRun(reach)) {
        log(tr("Not started: the run was not confirmed"));
        return false;
    }
    m_doc.trust();
    return true;
}

void MainWindow::inferSchemasThenRun(const std::vector<std::string>& nodes) {
    // The sources connect for this: only after the user agreed to what the project reaches.
    if (!confirmTrust()) return;
    QStringList ids;
    for (const std::string& id : nodes) {
        ids << QString::fromStdString(id);
        if (NodeItem* item = m_scene->nodeItem(ids.back()))
            item->setActivity(tr("reading first messages…"));
    }
    log(tr("%1: no schema yet; reading the first messages to infer it").arg(ids.join(", ")));
    auto outcome = std::make_shared<Result<std::vector<InferredSchema>>>(
        Result<std::vector<InferredSchema>>::error("stopped"));
    m_inferCancel = std::make_shared<std::atomic<bool>>(false);
    m_inferThread = QThread::create([outcome, cancel = m_inferCancel,
                                     project = m_doc.model()->project(), registry = &m_registry] {
        *outcome = inferMissingSchemas(project, *registry, cancel.get());
    });
    connect(m_inferThread, &QThread::finished, this, [this, outcome, ids] {
        const bool cancelled = m_inferCancel && m_inferCancel->load();
        m_inferThread->deleteLater();
        m_inferThread = nullptr;
        m_inferCancel.reset();
        for (const QString& id : ids)
            if (NodeItem* item = m_scene->nodeItem(id)) item->setActivity({});
        updatePill();
        updateActions();
        if (cancelled) {
            log(tr("Stopped before the run started"));
            return;
        }
        if (!*outcome) {
            const QString why = QString::fromStdString(outcome->message());
            log(tr("Not started: %1").arg(why));
            m_problems->setRunProblems({why});
            m_bottomDock->show();
            m_bottomTabs->setCurrentWidget(m_problems);
            return;
        }
        // One undoable edit puts what was inferred into the project; then the run starts.
        QStringList names;
        for (const InferredSchema& s : outcome->value()) names << QString::fromStdString(s.nodeId);
        auto* edit = new QUndoCommand(tr("Infer the schema of %1").arg(names.join(", ")));
        for (const InferredSchema& s : outcome->value()) {
            const QString id = QString::fromStdString(s.nodeId);
            new SetParamCommand(m_doc.model(), id,
                                QString::fromStdString(
                                    m_doc.model()->spec(id)->paramWithRole(ParamRole::Schema)->key),
                                Json(s.sampled.schema), edit);
            log(tr("%1: inferred schema from %2 JSON messages: %3")
                    .arg(QString::fromStdString(s.nodeId))
                    .arg(s.sampled.objects)
                    .arg(QString::fromStdString(Json(s.sampled.schema).dump())));
        }
        m_doc.undoStack()->push(edit);
        run();
    });
    m_inferThread->start();
    updatePill();
    updateActions();
}

bool MainWindow::run() {
    if (!m_doc.hasProject() || m_inferThread) return false;
    // A JSON source without a schema reads its first messages before the run (a bounded wait,
    // shown on its card); run() is called again when they are in.
    if (!m_restarting) {
        const std::vector<std::string> pending =
            nodesNeedingSchema(m_doc.model()->project(), m_registry);
        if (!pending.empty()) {
            inferSchemasThenRun(pending);
            return false;
        }
    }
    const ValidatedGraph& g = m_doc.model()->validated();
    if (!g.ok()) {
        m_bottomDock->show();
        m_bottomTabs->setCurrentWidget(m_problems);
        log(tr("Not started: %1 to fix first")
                .arg(
                    plural(static_cast<qint64>(g.problems.size()), tr("problem"), tr("problems"))));
        updatePill();
        return false;
    }
    if (m_doc.model()->project().nodes.empty()) return false;
    // A restart that applies the user's own edit goes on without asking again.
    if (!confirmTrust()) return false;
    // A relative path in an untitled project resolves against the home folder.
    Project project = m_doc.model()->project();
    if (project.path.empty()) project.path = QDir::home().filePath("untitled.riffle").toStdString();
    // A saved project continues from its newest checkpoint (docs/checkpoints.md).
    ExecutorOptions options;
    if (!m_doc.filePath().isEmpty())
        options.checkpoints.storePath =
            checkpoint::defaultStorePath(m_doc.filePath().toStdString());
    const QStringList problems = m_bridge.start(project, options);
    m_runningProject = m_doc.model()->project();
    m_problems->setRunProblems(problems);
    if (!problems.isEmpty()) {
        for (const QString& p : problems) log(tr("Could not start: %1").arg(p));
        m_bottomDock->show();
        m_bottomTabs->setCurrentWidget(m_problems);
        updatePill();
        updateActions();
        return false;
    }
    if (!m_restarting) m_runClock.start();
    for (const QString& line : m_bridge.recoveryLines()) log(line);
    // After an edit the charts go on: only the panels the edit changed start again.
    m_feed->startRun(m_bridge.charts(), m_restarting);
    log(tr("Running %1 on %2")
            .arg(m_doc.displayName(), plural(m_bridge.threadCount(), tr("thread"), tr("threads"))));
    m_threadsLabel->setText(
        tr("Engine: %1").arg(plural(m_bridge.threadCount(), tr("thread"), tr("threads"))));
    if (!m_peekPort.first.isEmpty()) openPeekOf(m_peekPort.first, m_peekPort.second);
    updatePill();
    updateActions();
    return true;
}

void MainWindow::stop() {
    if (m_inferCancel) m_inferCancel->store(true);
    if (!m_bridge.isRunning()) return;
    m_restartTimer.stop();
    m_restarting = false;
    log(tr("Stopping…"));
    m_bridge.requestStop();
    m_actions["stop"]->setEnabled(false);
}

void MainWindow::onFinished(const QString& error) {
    if (m_restarting && error.isEmpty()) {
        const bool started = run();
        m_restarting = false;
        if (started) return;
    }
    m_restarting = false;
    m_feed->stopRun();
    if (error.isEmpty()) log(tr("Stopped after %1").arg(formatElapsed(m_runClock.elapsed())));
    if (m_bridge.keptCheckpoint() > 0)
        log(tr("State kept in checkpoint %1: the next Run continues from it")
                .arg(m_bridge.keptCheckpoint()));
    else {
        log(tr("Failed: %1").arg(error));
        m_problems->setRunProblems({error});
        m_bottomDock->show();
        m_bottomTabs->setCurrentWidget(m_problems);
    }
    m_scene->setRunStats({}, false);
    m_inspector->setStats(nullptr);
    updateCheckpointLabel();
    if (m_peek->tap()) m_peek->refresh();
    updatePill();
    updateActions();
}

void MainWindow::resetState() {
    if (m_bridge.isRunning() || m_doc.filePath().isEmpty()) return;
    const QString error =
        m_bridge.resetState(checkpoint::defaultStorePath(m_doc.filePath().toStdString()));
    if (error.isEmpty())
        log(tr("State reset: the next Run of %1 starts afresh").arg(m_doc.displayName()));
    else
        log(tr("Could not reset the state: %1").arg(error));
}

// "Checkpoint 4 s ago · 412 KiB", amber with the reason when the last one failed.
void MainWindow::updateCheckpointLabel() {
    const CheckpointStatus s = m_bridge.checkpointStatus();
    m_checkpointLabel->setVisible(m_bridge.isRunning() && s.enabled);
    if (!m_checkpointLabel->isVisible()) return;
    QString text;
    if (s.lastFailed) {
        text = tr("Checkpoint failed: %1").arg(QString::fromStdString(s.lastError));
        m_checkpointLabel->setStyleSheet(
            QString(
                "QLabel { background: %1; color: #1f2328; border-radius: 4px; padding: 0 6px; }")
                .arg(theme::amber().name()));
    } else {
        m_checkpointLabel->setStyleSheet({});
        if (s.lastId == 0) {
            text = tr("No checkpoint yet");
        } else {
            const qint64 age = std::max<qint64>(
                0, (QDateTime::currentMSecsSinceEpoch() * 1000 - s.lastAtUs) / 1'000'000);
            text = tr("Checkpoint %1 s ago · %2")
                       .arg(age)
                       .arg(QString::fromStdString(formatByteSize(s.lastBytes)));
        }
    }
    m_checkpointLabel->setText(text);
    m_checkpointLabel->setToolTip(tr("%1 written, %2 failed in this run (docs/checkpoints.md)")
                                      .arg(s.completed)
                                      .arg(s.failed));
}

void MainWindow::onStats() {
    updateCheckpointLabel();
    if (!m_bridge.isRunning()) return;
    const QVector<NodeStats>& stats = m_bridge.stats();
    m_scene->setRunStats(stats, true);
    const NodeStats* selected = nullptr;
    for (const NodeStats& s : stats)
        if (s.id == m_inspector->nodeId()) selected = &s;
    m_inspector->setStats(selected);
}

void MainWindow::onModelEdited() {
    // An edit that changes only how things look (a chart's options, a title, a position) reaches
    // the dashboard at once; anything else restarts the pipeline.
    if (m_bridge.isRunning() && m_doc.model()->validated().ok() &&
        !runsTheSame(m_runningProject, m_doc.model()->project(), m_registry))
        m_restartTimer.start();
    updateActions();
    updateFindTitles();
}

void MainWindow::openPeek(const QString& edgeKey) {
    const int i = m_doc.model()->edgeIndex(edgeKey);
    if (i < 0) return;
    const EdgeDef& e = m_doc.model()->project().edges[static_cast<size_t>(i)];
    openPeekOf(QString::fromStdString(e.fromNode), QString::fromStdString(e.fromPort));
}

void MainWindow::openPeekOf(const QString& nodeId, const QString& port) {
    m_peekPort = {nodeId, port};
    m_bottomDock->show();
    m_bottomTabs->setCurrentWidget(m_peek);
    if (!m_doc.model()->node(nodeId)) return;
    if (m_peek->tap()) m_bridge.closePeek(m_peek->tap());
    m_peek->setTap(m_bridge.openPeek(nodeId, port), nodeId + "." + port);
}

void MainWindow::showReference(const QString& typeId) {
    const NodeSpec* spec = m_registry.find(typeId.toStdString());
    if (!spec) return;
    auto* dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setObjectName("nodeReference");
    dialog->setWindowTitle(tr("%1 — Reference").arg(QString::fromStdString(spec->displayName)));
    auto* text = new QTextBrowser(dialog);
    text->setMarkdown(QString::fromStdString(nodeReferenceMarkdown(*spec)));
    text->setOpenExternalLinks(true);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(text);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    layout->addWidget(buttons);
    dialog->resize(760, 560);
    dialog->show();
}

QString MainWindow::problemsText(const ValidatedGraph& graph, const QString& what) const {
    QString text = tr("No %1: the project has %2. Fix them and look again.\n\n")
                       .arg(what, plural(static_cast<int>(graph.problems.size()), tr("problem"),
                                         tr("problems")));
    for (const Problem& p : graph.problems) text += QString::fromStdString(p.message) + "\n";
    return text;
}

QDialog* MainWindow::showTextDialog(const QString& name, const QString& title, const QString& text,
                                    bool wrap) {
    auto* dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setObjectName(name);
    dialog->setWindowTitle(title);
    auto* view = new QPlainTextEdit(text, dialog);
    view->setObjectName(name + "Text");
    view->setReadOnly(true);
    view->setLineWrapMode(wrap ? QPlainTextEdit::WidgetWidth : QPlainTextEdit::NoWrap);
    view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(view);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    buttons->setObjectName("buttons");
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    layout->addWidget(buttons);
    dialog->resize(760, 620);
    dialog->show();
    return dialog;
}

void MainWindow::showExecutionPlan() {
    // The plan Run makes (the studio runs with ExecutorOptions' defaults), or what stops it.
    const ValidatedGraph& graph = m_doc.model()->validated();
    showTextDialog(
        "executionPlan", tr("Execution Plan — %1").arg(m_doc.displayName()),
        graph.ok() ? QString::fromStdString(explainPlan(graph, makePlan(graph, ExecutorOptions{})))
                   : problemsText(graph, tr("plan")),
        !graph.ok());
}

void MainWindow::exportToFlink() {
    // The script `riffle-run --export flink-sql` writes, shown before it is saved; a node that
    // refuses is selected on the canvas and its reason shown instead.
    const ValidatedGraph& graph = m_doc.model()->validated();
    const QString title = tr("Flink SQL — %1").arg(m_doc.displayName());
    if (!graph.ok()) {
        showTextDialog("flinkSql", title, problemsText(graph, tr("export")), true);
        return;
    }
    const std::string& name = m_doc.model()->project().name;
    std::string refused;
    auto sql =
        exportFlinkSql(graph, name.empty() ? m_doc.displayName().toStdString() : name, &refused);
    if (!sql) {
        if (!refused.empty()) selectAndReveal(QString::fromStdString(refused));
        showTextDialog("flinkSql", title,
                       tr("This project cannot be exported to Flink SQL:\n\n%1\n\nEvery node "
                          "type and how it maps to Flink is listed in docs/scale-out.md.")
                           .arg(QString::fromStdString(sql.message())),
                       true);
        return;
    }
    const QString script = QString::fromStdString(sql.value());
    QDialog* dialog = showTextDialog("flinkSql", title, script);
    auto* buttons = dialog->findChild<QDialogButtonBox*>("buttons");
    QPushButton* save = buttons->addButton(tr("&Save…"), QDialogButtonBox::AcceptRole);
    save->setObjectName("saveFlinkSql");
    QPushButton* copy = buttons->addButton(tr("&Copy"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this,
            [script] { QGuiApplication::clipboard()->setText(script); });
    connect(save, &QPushButton::clicked, dialog, [this, dialog, script] {
        const QFileInfo project(m_doc.filePath());
        const QString suggested =
            (m_doc.filePath().isEmpty() ? QString() : project.absolutePath() + "/") +
            QFileInfo(m_doc.displayName()).completeBaseName() + ".flink.sql";
        const QString path = m_feed->askSavePath(tr("Export to Flink SQL"), suggested,
                                                 tr("Flink SQL scripts (*.sql)"));
        if (path.isEmpty()) return;
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            f.write(script.toUtf8()) != script.toUtf8().size() || !f.flush()) {
            log(tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), f.errorString()));
            return;
        }
        log(tr("Exported Flink SQL to %1; run it with sql-client.sh -f")
                .arg(QDir::toNativeSeparators(path)));
        dialog->close();
    });
}

void MainWindow::updateHistoryPath() {
    const QString path = m_doc.filePath();
    m_feed->setHistoryPath(path.isEmpty()
                               ? QString()
                               : QString::fromStdString(chartHistoryPathFor(path.toStdString())));
}

void MainWindow::setDashboardDetached(bool detached) {
    if (detached == (m_dashboardWindow != nullptr)) return;
    if (detached) {
        // A window of its own for a second screen; closing it puts the dashboard back.
        m_dashboardWindow = new DetachedWindow(this, [this] { setDashboardDetached(false); });
        m_dashboardWindow->setWindowTitle(tr("Dashboard — %1").arg(m_doc.displayName()));
        m_dashboardWindow->setWindowIcon(windowIcon());
        auto* layout = new QVBoxLayout(m_dashboardWindow);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->addWidget(m_dashboard);
        m_dashboardWindow->resize(qMax(640, m_dashboard->width()),
                                  qMax(480, m_dashboard->height()));
        m_dashboardWindow->show();
    } else {
        m_editor->addWidget(m_dashboard);
        m_dashboard->show();
        m_dashboardWindow->deleteLater();
        m_dashboardWindow = nullptr;
    }
    m_actions["detachDashboard"]->setText(detached ? tr("&Attach Dashboard")
                                                   : tr("&Detach Dashboard"));
}

void MainWindow::selectAndReveal(const QString& nodeId) {
    m_scene->selectNode(nodeId);
    QRectF area;
    for (QGraphicsItem* item : m_scene->selectedItems()) area |= item->sceneBoundingRect();
    if (!area.isNull()) m_view->ensureVisible(area, 80, 80);
}

void MainWindow::findNode() {
    m_find->setFocus();
    m_find->selectAll();
}

void MainWindow::log(const QString& line) {
    m_log->appendPlainText(QTime::currentTime().toString("HH:mm:ss  ") + line);
}

bool MainWindow::maybeSave() {
    if (!m_doc.hasProject() || !m_doc.isModified()) return true;
    switch (askToSave()) {
        case QMessageBox::Save:
            return saveDocument(false);
        case QMessageBox::Discard:
            return true;
        default:
            return false;
    }
}

bool MainWindow::saveDocument(bool as) {
    QString path = m_doc.filePath();
    if (as || path.isEmpty()) {
        const QString start =
            path.isEmpty() ? QDir::home().filePath(m_doc.displayName() + ".riffle") : path;
        path = QFileDialog::getSaveFileName(this, tr("Save project"), start,
                                            tr("Riffle projects (*.riffle)"));
        if (path.isEmpty()) return false;
        if (!path.endsWith(".riffle")) path += ".riffle";
    }
    const QString error = m_doc.saveAs(path);
    if (!error.isEmpty()) {
        QMessageBox::warning(this, tr("Cannot save"), error);
        return false;
    }
    m_pathLabel->setText(QDir::toNativeSeparators(m_doc.filePath()));
    statusBar()->showMessage(tr("Saved %1").arg(m_doc.displayName()), 3000);
    return true;
}

void MainWindow::restoreLayout() {
    if (!restoreGeometry(m_settings->value("window/geometry").toByteArray())) {
        // First start: the whole screen, which a canvas and a dashboard side by side need.
        if (const QScreen* s = screen()) setGeometry(s->availableGeometry());
    }
    restoreState(m_settings->value("window/state").toByteArray());
    m_splitDefault =
        !m_editor->restoreState(m_settings->value("window/editorSplitter").toByteArray());
}

void MainWindow::saveLayout() {
    m_settings->setValue("window/geometry", saveGeometry());
    if (m_doc.hasProject()) {
        m_settings->setValue("window/state", saveState());
        m_settings->setValue("window/editorSplitter", m_editor->saveState());
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    if (m_bridge.isRunning()) {
        m_bridge.requestStop();
    }
    saveLayout();
    m_doc.close();
    event->accept();
}

}  // namespace riffle
