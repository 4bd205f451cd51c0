// The monkey test: the main window driven by thousands of seeded random user actions (add, wire,
// delete, undo, redo, find, run, stop, edit parameters, rename, context menus, keys, open,
// save, peek, detach). It fails on a crash or a sanitizer report (the CI build has ASan and
// UBSan) and on a broken invariant: the canvas shows exactly the model's nodes and wires, and
// the project always saves and loads back.
//
// A failure names its seed and step; RIFFLE_MONKEY_SEED=<seed> RIFFLE_MONKEY_STEPS=<n> replays
// it, RIFFLE_MONKEY_LOG=1 prints every action. A crash it finds becomes a named test of its own
// (in the test file of the part that crashed).
#include <QtTest/QtTest>
#include <QtWidgets/QtWidgets>
#include <random>

#include "app/studio/main_window.h"
#include "nodes/register_builtin_nodes.h"
#include "widgets/canvas/graph_scene.h"
#include "widgets/canvas/graph_view.h"
#include "widgets/canvas/node_item.h"
#include "widgets/canvas/quick_add_popup.h"
#include "widgets/dashboard/dashboard_feed.h"
#include "widgets/dashboard/dashboard_widget.h"
#include "widgets/inspector/inspector.h"
#include "widgets/inspector/param_editors.h"
#include "widgets/model/commands.h"

using namespace riffle;

class TstMonkey : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void randomUserActions_data();
    void randomUserActions();

private:
    NodeRegistry m_registry;
};

namespace {

class Monkey {
public:
    Monkey(MainWindow& w, const NodeRegistry& registry, uint32_t seed, const QString& dir)
        : m_w(w),
          m_registry(registry),
          m_rng(seed),
          m_dir(dir),
          m_log(qEnvironmentVariableIsSet("RIFFLE_MONKEY_LOG")) {
        for (const NodeSpec* s : registry.all()) m_types << QString::fromStdString(s->typeId);
        const QDir projects(QStringLiteral(RIFFLE_SOURCE_DIR "/projects"));
        for (const QString& f : projects.entryList({"*.riffle"}, QDir::Files)) {
            // A copy, so saving and relative outputs stay in the test's folder.
            QFile::copy(projects.filePath(f), QDir(dir).filePath(f));
            m_examples << QDir(dir).filePath(f);
        }
    }

    // One random action; returns its name (for the failure message).
    QString step() {
        const std::vector<std::pair<int, QString>> actions = {
            {14, "addNode"}, {16, "wire"},    {6, "delete"}, {10, "undo"},     {6, "redo"},
            {10, "param"},   {3, "title"},    {4, "find"},   {3, "run"},       {2, "stop"},
            {6, "menu"},     {6, "keys"},     {4, "select"}, {4, "inspector"}, {2, "clipboard"},
            {1, "open"},     {1, "new"},      {1, "save"},   {2, "peek"},      {1, "detach"},
            {2, "zoom"},     {1, "quickAdd"}, {1, "move"},
        };
        int total = 0;
        for (const auto& a : actions) total += a.first;
        int pick = uniform(0, total - 1);
        QString name;
        for (const auto& a : actions) {
            if (pick < a.first) {
                name = a.second;
                break;
            }
            pick -= a.first;
        }
        if (!m_w.document()->hasProject() && name != "open" && name != "new")
            name = uniform(0, 1) ? "open" : "new";
        const QString detail = act(name);
        if (m_log) qInfo().noquote() << name << detail;
        return name + " " + detail;
    }

    // What must hold after every action.
    QString brokenInvariant() const {
        if (!m_w.document()->hasProject()) return {};
        const Project& p = m_w.document()->model()->project();
        GraphScene* scene = m_w.scene();
        if (scene->nodeCount() != int(p.nodes.size()))
            return QString("the canvas shows %1 cards for %2 nodes")
                .arg(scene->nodeCount())
                .arg(p.nodes.size());
        for (const NodeDef& n : p.nodes)
            if (!scene->nodeItem(QString::fromStdString(n.id)))
                return "no card for " + QString::fromStdString(n.id);
        for (const EdgeDef& e : p.edges)
            if (!scene->edgeItem(edgeKey(e))) return "no wire for " + edgeKey(e);
        auto back = Project::fromJsonText(p.toJsonText());
        if (!back)
            return "the project does not load back: " + QString::fromStdString(back.message());
        if (back.value().toJsonText() != p.toJsonText())
            return "the project changes when loaded back";
        return {};
    }

private:
    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }
    template <typename T>
    const T& any(const QList<T>& list) {
        return list[uniform(0, int(list.size()) - 1)];
    }

    QStringList nodeIds() const {
        QStringList out;
        for (const NodeDef& n : m_w.document()->model()->project().nodes)
            out << QString::fromStdString(n.id);
        return out;
    }
    QStringList edgeKeys() const {
        QStringList out;
        for (const EdgeDef& e : m_w.document()->model()->project().edges) out << edgeKey(e);
        return out;
    }
    QPointF randomScenePos() {
        const QRect r = m_w.view()->viewport()->rect();
        return m_w.view()->mapToScene(
            QPoint(uniform(0, std::max(1, r.width())), uniform(0, std::max(1, r.height()))));
    }

    Json randomValue(const ParamSpec& p) {
        switch (uniform(0, 9)) {
            case 0:
                return Json();  // back to the default
            case 1:
                return "";
            case 2:
                return uniform(-5, 100000);
            case 3:
                return -1.5;
            case 4:
                return "x" + std::to_string(uniform(0, 99));
            case 5:
                return Json::array({"a", "page"});
            case 6:
                return 1e300;
            case 7:
                return "10s";
            case 8:
                if (!p.choices.empty())
                    return p.choices[size_t(uniform(0, int(p.choices.size()) - 1))];
                return p.defaultValue;
            default:
                return p.defaultValue;
        }
    }

    QString act(const QString& name) {
        GraphScene* scene = m_w.scene();
        GraphModel* model = m_w.document()->model();
        QUndoStack* undo = m_w.document()->undoStack();
        const QStringList nodes = m_w.document()->hasProject() ? nodeIds() : QStringList();
        if (name == "addNode") {
            const QString type = any(m_types);
            return type + " -> " + scene->addNode(type, randomScenePos());
        }
        if (name == "wire" && nodes.size() >= 2) {
            // Dragged from an output port to an input port, as the mouse does.
            const QString from = any(nodes), to = any(nodes);
            const NodeSpec* a = model->spec(from);
            const NodeSpec* b = model->spec(to);
            if (!a || !b || a->outputs.empty() || b->inputs.empty()) return "skipped";
            const QString out = QString::fromStdString(
                a->outputs[size_t(uniform(0, int(a->outputs.size()) - 1))].name);
            const QString in = QString::fromStdString(
                b->inputs[size_t(uniform(0, int(b->inputs.size()) - 1))].name);
            if (!scene->beginWire(from, out, true)) return "refused to begin";
            const QPointF target = scene->nodeItem(to)->portScenePos(in, false);
            scene->moveWire(target);
            if (uniform(0, 9) == 0) {
                scene->cancelWire();
                return "cancelled";
            }
            return from + "." + out + " > " + to + "." + in +
                   (scene->finishWire(target) ? " added" : " refused");
        }
        if (name == "delete") {
            if (uniform(0, 2) == 0 && !edgeKeys().isEmpty()) {
                const QString key = any(edgeKeys());
                undo->push(new RemoveItemsCommand(model, {}, {key}));
                return key;
            }
            if (nodes.isEmpty()) return "nothing";
            scene->selectNode(any(nodes));
            scene->deleteSelection();
            return "selection";
        }
        if (name == "undo") {
            undo->undo();
            return undo->undoText();
        }
        if (name == "redo") {
            undo->redo();
            return undo->redoText();
        }
        if (name == "param" && !nodes.isEmpty()) {
            const QString id = any(nodes);
            const NodeSpec* spec = model->spec(id);
            if (!spec || spec->params.empty()) return "no params";
            const ParamSpec& p = spec->params[size_t(uniform(0, int(spec->params.size()) - 1))];
            // Never a real port, host or file outside the test: sources would reach out.
            if (p.key == "port" || p.key == "bind" || p.key == "brokers" || p.key == "broker" ||
                p.key == "url" || p.type == ParamType::Path)
                return "skipped " + QString::fromStdString(p.key);
            const Json v = randomValue(p);
            undo->push(new SetParamCommand(model, id, QString::fromStdString(p.key), v));
            return id + "." + QString::fromStdString(p.key) + " = " +
                   QString::fromStdString(v.dump());
        }
        if (name == "title" && !nodes.isEmpty()) {
            const QString id = any(nodes);
            undo->push(new SetTitleCommand(
                model, id, uniform(0, 3) ? QString("Node %1").arg(uniform(0, 50)) : QString()));
            return id;
        }
        if (name == "find") {
            auto* find = m_w.findChild<QLineEdit*>("findNode");
            m_w.action("find")->trigger();
            const QString text = nodes.isEmpty()
                                     ? QString("zz")
                                     : model->displayTitle(any(nodes)).left(uniform(1, 4));
            find->setText(QString());
            QTest::keyClicks(find, text);
            QAbstractItemView* popup = find->completer()->popup();
            if (popup->isVisible() && uniform(0, 1)) {
                for (int i = uniform(0, 2); i >= 0; --i) QTest::keyClick(popup, Qt::Key_Down);
                QTest::keyClick(popup, uniform(0, 3) ? Qt::Key_Return : Qt::Key_Escape);
            } else {
                QTest::keyClick(find, Qt::Key_Return);
            }
            return text;
        }
        if (name == "run") return m_w.run() ? "started" : "not started";
        if (name == "stop") {
            m_w.stop();
            return "requested";
        }
        if (name == "menu") {
            QMenu menu;
            const int which = uniform(0, 2);
            if (which == 0 && !nodes.isEmpty())
                scene->fillNodeMenu(menu, any(nodes));
            else if (which == 1 && !edgeKeys().isEmpty())
                scene->fillEdgeMenu(menu, any(edgeKeys()));
            else
                scene->fillCanvasMenu(menu, randomScenePos());
            QList<QAction*> actions;
            for (QAction* a : menu.actions())
                if (!a->isSeparator() && a->isEnabled()) actions << a;
            if (actions.isEmpty()) return "empty menu";
            QAction* a = any(actions);
            const QString text = a->text();
            a->trigger();
            closeStrayWindows();
            return text;
        }
        if (name == "keys") {
            const std::vector<std::pair<int, Qt::KeyboardModifiers>> keys = {
                {Qt::Key_Z, Qt::ControlModifier},
                {Qt::Key_Y, Qt::ControlModifier},
                {Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier},
                {Qt::Key_D, Qt::ControlModifier},
                {Qt::Key_A, Qt::ControlModifier},
                {Qt::Key_Delete, Qt::NoModifier},
                {Qt::Key_Escape, Qt::NoModifier},
                {Qt::Key_0, Qt::ControlModifier},
                {Qt::Key_C, Qt::ControlModifier},
                {Qt::Key_V, Qt::ControlModifier},
                {Qt::Key_X, Qt::ControlModifier},
                {Qt::Key_F2, Qt::NoModifier}};
            const auto& [key, mods] = keys[size_t(uniform(0, int(keys.size()) - 1))];
            m_w.view()->setFocus();
            QTest::keyClick(m_w.view(), Qt::Key(key), mods);
            return QKeySequence(key | int(mods)).toString();
        }
        if (name == "select") {
            if (uniform(0, 3) == 0) {
                scene->selectAll();
                return "all";
            }
            if (nodes.isEmpty()) return "nothing";
            const QString id = any(nodes);
            m_w.selectAndReveal(id);
            return id;
        }
        if (name == "inspector" && !nodes.isEmpty()) {
            // Types into a random field of the selected node, then Enter or focus out.
            const QString id = any(nodes);
            m_w.selectAndReveal(id);
            QList<QLineEdit*> fields = m_w.inspector()->findChildren<QLineEdit*>();
            fields.erase(
                std::remove_if(fields.begin(), fields.end(),
                               [](QLineEdit* f) { return !f->isVisible() || f->isReadOnly(); }),
                fields.end());
            if (fields.isEmpty()) return id + ": no fields";
            QLineEdit* f = any(fields);
            f->setFocus();
            f->selectAll();
            const QStringList texts = {"",         "1",  "abc", "10s",   "page",
                                       "COUNT(*)", "-3", "((",  "1e999", "page = 'x'"};
            QTest::keyClicks(f, any(texts));
            QTest::keyClick(f, uniform(0, 1) ? Qt::Key_Return : Qt::Key_Tab);
            return id + ": " + f->objectName();
        }
        if (name == "clipboard") {
            if (!nodes.isEmpty()) scene->selectNode(any(nodes));
            switch (uniform(0, 3)) {
                case 0:
                    scene->copySelection();
                    return "copy";
                case 1:
                    scene->cutSelection();
                    return "cut";
                case 2:
                    scene->duplicateSelection();
                    return "duplicate";
                default:
                    scene->paste();
                    return "paste";
            }
        }
        if (name == "open") {
            const QString path = any(m_examples);
            m_w.openFile(path, true);
            return QFileInfo(path).fileName();
        }
        if (name == "new") {
            m_w.action("new")->trigger();
            return "new";
        }
        if (name == "save") {
            const QString path =
                QDir(m_dir).filePath(QString("saved_%1.riffle").arg(uniform(0, 3)));
            return path + ": " + m_w.document()->saveAs(path);
        }
        if (name == "peek" && !edgeKeys().isEmpty()) {
            const QString key = any(edgeKeys());
            emit scene->edgeActivated(key);
            return key;
        }
        if (name == "detach") {
            m_w.setDashboardDetached(!m_w.isDashboardDetached());
            return m_w.isDashboardDetached() ? "detached" : "attached";
        }
        if (name == "zoom") {
            const char* actions[] = {"zoomIn", "zoomOut", "fit"};
            const char* a = actions[uniform(0, 2)];
            m_w.action(a)->trigger();
            return a;
        }
        if (name == "quickAdd") {
            m_w.view()->openQuickAdd();
            QuickAddPopup* popup = m_w.view()->quickAddPopup();
            if (!popup->isVisible()) return "not shown";
            QWidget* search = popup->findChild<QLineEdit*>();
            if (search)
                QTest::keyClicks(search, any(QStringList{"win", "filter", "chart", "zz", ""}));
            if (search) QTest::keyClick(search, uniform(0, 2) ? Qt::Key_Return : Qt::Key_Escape);
            popup->hide();
            return "done";
        }
        if (name == "move" && !nodes.isEmpty()) {
            const QString id = any(nodes);
            const NodeDef* n = model->node(id);
            undo->push(
                new MoveNodesCommand(model, {{id, {QPointF(n->x, n->y), randomScenePos()}}}));
            return id;
        }
        return "skipped";
    }

    void closeStrayWindows() {
        for (QWidget* top : QApplication::topLevelWidgets())
            if (top != &m_w && top->isVisible() && qobject_cast<QDialog*>(top)) top->close();
    }

    MainWindow& m_w;
    const NodeRegistry& m_registry;
    std::mt19937 m_rng;
    QString m_dir;
    bool m_log;
    QStringList m_types, m_examples;
};

}  // namespace

void TstMonkey::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    registerBuiltinNodes(m_registry);
}

void TstMonkey::randomUserActions_data() {
    QTest::addColumn<uint>("seed");
    QTest::addColumn<int>("steps");
    const int steps = qEnvironmentVariableIsSet("RIFFLE_MONKEY_STEPS")
                          ? qEnvironmentVariableIntValue("RIFFLE_MONKEY_STEPS")
                          : 1200;
    if (qEnvironmentVariableIsSet("RIFFLE_MONKEY_SEED")) {
        const uint seed = qEnvironmentVariable("RIFFLE_MONKEY_SEED").toUInt();
        QTest::addRow("seed %u", seed) << seed << steps;
        return;
    }
    for (uint seed : {1u, 2u, 3u}) QTest::addRow("seed %u", seed) << seed << steps;
}

void TstMonkey::randomUserActions() {
    QFETCH(uint, seed);
    QFETCH(int, steps);
    QTemporaryDir dir;
    qputenv("XDG_DATA_HOME", dir.filePath("data").toUtf8());
    QSettings settings(dir.filePath("settings.ini"), QSettings::IniFormat);
    auto w = std::make_unique<MainWindow>(m_registry, &settings);
    w->askToRun = [](const ProjectReach&) { return true; };
    w->askToRestore = [](const RecoveryFile&) { return false; };
    w->askToSave = [] { return int(QMessageBox::Discard); };
    w->scene()->askRecordingPath = [&](const QString&) { return dir.filePath("rec"); };
    w->dashboardFeed()->askSavePath = [&](const QString&, const QString& suggested,
                                          const QString&) { return dir.filePath(suggested); };
    w->resize(1400, 900);
    w->show();
    QApplication::setActiveWindow(w.get());
    QVERIFY(QTest::qWaitForWindowActive(w.get()));

    Monkey monkey(*w, m_registry, seed, dir.path());
    QStringList recent;
    for (int i = 0; i < steps; ++i) {
        const QString action = monkey.step();
        recent << action;
        if (recent.size() > 8) recent.removeFirst();
        QCoreApplication::processEvents();
        if (i % 40 == 39) QTest::qWait(30);  // timers: restarts, autosave, frames
        const QString broken = monkey.brokenInvariant();
        QVERIFY2(broken.isEmpty(), qPrintable(QString("seed %1, step %2: %3\nlast actions:\n  %4")
                                                  .arg(seed)
                                                  .arg(i)
                                                  .arg(broken, recent.join("\n  "))));
    }
    w->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 30000);
    w->setWindowModified(false);
    w.reset();
}

QTEST_MAIN(TstMonkey)
#include "tst_monkey.moc"
