// The studio's main window as a user drives it: open, run, watch metrics, stop, save, recover.
#include <QtTest/QtTest>
#include <QtWidgets/QtWidgets>

#include "app/studio/main_window.h"
#include "engine/charts/chart_history.h"
#include "nodes/register_builtin_nodes.h"
#include "tests/common/json_line_sender.h"
#include "widgets/canvas/graph_scene.h"
#include "widgets/canvas/graph_view.h"
#include "widgets/canvas/node_item.h"
#include "widgets/canvas/quick_add_popup.h"
#include "widgets/dashboard/bar_panel.h"
#include "widgets/dashboard/dashboard_feed.h"
#include "widgets/dashboard/dashboard_widget.h"
#include "widgets/dashboard/table_panel.h"
#include "widgets/dashboard/timeseries_panel.h"
#include "widgets/inspector/inspector.h"
#include "widgets/model/commands.h"
#include "widgets/panels/peek_panel.h"
#include "widgets/panels/problems_panel.h"
#include "widgets/welcome/welcome_page.h"

using namespace riffle;

namespace {

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

qint64 eventsOut(const EngineBridge& bridge, const QString& id) {
    for (const NodeStats& s : bridge.stats())
        if (s.id == id) return s.eventsOut;
    return -1;
}

}  // namespace

class TstStudio : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void opensOnTheWelcomePageAndOpensAnExample();
    void runShowsMetricsAndStopEndsCleanly();
    void projectFromElsewhereAsksOnceBeforeItsFirstRun();
    void runRefusesProjectWithProblems();
    void aWarningShowsOnThePillAndInProblems();
    void executionPlanShowsWhatRunWouldMake();
    void exportToFlinkShowsTheScriptThenSavesIt();
    void parameterChangeWhileRunningRestarts();
    void peekShowsNewestEventsOfAWire();
    void saveAndOpenRoundTripKeepsBytes();
    void closingWithUnsavedChangesAsks();
    void recoveryFileIsOfferedAfterACrash();
    void dashboardShowsExactlyWhatTheChartSinksReceived();
    void dashboardShowsTheLastRunAfterAReopen();
    void dashboardExportsAndDetaches();
    void findNodeByKeyboardSelectsTheSuggestion();
    void redoAndSaveAsHaveTheirShortcuts();
    void saveAsNamesAnUntitledProject();
    void editWhileRunningKeepsTheChartsAndAsksNothing();
    void layoutGivesTheCanvasTheRoomAndIsRemembered();
    void contextMenusOnCardsWiresAndTheCanvas();
    void aChartWithAProblemSaysWhyInsteadOfDrawing();
    void runInfersTheSchemaOfAJsonSourceFirst();
    void reopeningAProjectShowsItsLastRun();
    void aChartsLookChangesWhileRunningWithoutARestart();
    void stopThenRunContinuesTheOpenWindows();

private:
    QString writeChartProject();
    QString writeGeneratorProject();
    std::unique_ptr<MainWindow> makeWindow();
    QString copyExample(const QString& name);

    NodeRegistry m_registry;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QSettings> m_settings;
};

void TstStudio::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // recovery files go to a test folder
    registerBuiltinNodes(m_registry);
}

void TstStudio::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    m_settings = std::make_unique<QSettings>(m_dir->filePath("settings.ini"), QSettings::IniFormat);
    QDir(ProjectController::recoveryFolder()).removeRecursively();
    // The chart history goes under $XDG_DATA_HOME, checkpoints under $XDG_STATE_HOME: keep each
    // test's apart.
    qputenv("XDG_DATA_HOME", m_dir->filePath("data").toUtf8());
    qputenv("XDG_STATE_HOME", m_dir->filePath("state").toUtf8());
}

void TstStudio::cleanup() {
    m_settings.reset();
    m_dir.reset();
}

std::unique_ptr<MainWindow> TstStudio::makeWindow() {
    auto w = std::make_unique<MainWindow>(m_registry, m_settings.get());
    w->askToRun = [](const ProjectReach&) { return true; };
    w->askToRestore = [](const RecoveryFile&) { return false; };
    w->askToSave = [] { return int(QMessageBox::Discard); };
    w->resize(1280, 800);
    w->show();
    return w;
}

QString TstStudio::copyExample(const QString& name) {
    const QString to = m_dir->filePath(name);
    QFile::copy(QStringLiteral(RIFFLE_SOURCE_DIR "/projects/") + name, to);
    return to;
}

void TstStudio::opensOnTheWelcomePageAndOpensAnExample() {
    auto w = makeWindow();
    QVERIFY(!w->document()->hasProject());
    QCOMPARE(w->windowTitle(), QString("Riffle"));
    QVERIFY(w->welcome()->isVisible());
    QCOMPARE(w->statusPillText(), QString("Stopped"));
    QVERIFY(!w->action("run")->isEnabled());

    QCOMPARE(
        w->openFile(QStringLiteral(RIFFLE_SOURCE_DIR "/projects/click_analytics.riffle"), true),
        QString());
    QVERIFY(!w->welcome()->isVisible());
    QCOMPARE(w->windowTitle(), QString("click_analytics.riffle[*] — Riffle"));
    QVERIFY(!w->isWindowModified());
    QVERIFY(w->action("run")->isEnabled());
    QCOMPARE(w->document()->model()->project().nodes.size(), size_t(17));
    QCOMPARE(w->dashboard()->panelIds().size(), 6);
    QCOMPARE(w->document()->recentFiles().front(),
             QFileInfo(QStringLiteral(RIFFLE_SOURCE_DIR "/projects/click_analytics.riffle"))
                 .absoluteFilePath());

    // A broken file is refused with its message and the open project stays.
    const QString bad = m_dir->filePath("bad.riffle");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(
        "{\"format\": \"riffle-project\", \"version\": 1, \"nodes\": [{\"id\": \"a.b\", \"type\": "
        "\"x\"}]}");
    f.close();
    QCOMPARE(w->openFile(bad, true),
             bad + ": node 1 (`a.b`): `id` must not contain a dot (edges use node.port)");
    QCOMPARE(w->document()->displayName(), QString("click_analytics.riffle"));
}

void TstStudio::runShowsMetricsAndStopEndsCleanly() {
    auto w = makeWindow();
    QCOMPARE(w->openFile(copyExample("click_analytics.riffle"), true), QString());
    QVERIFY(w->run());
    QVERIFY(w->isRunning());
    QVERIFY(w->statusPillText().startsWith("Running · "));
    QVERIFY(!w->action("run")->isEnabled());
    QVERIFY(w->action("stop")->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(eventsOut(*w->bridge(), "clicks") > 0, 10000);
    const qint64 first = eventsOut(*w->bridge(), "clicks");
    QTRY_VERIFY_WITH_TIMEOUT(eventsOut(*w->bridge(), "clicks") > first, 10000);
    // The GUI stays responsive while the engine runs: the event loop turns (QTRY above) and a
    // posted call is handled.
    bool handled = false;
    QTimer::singleShot(0, [&] { handled = true; });
    QTRY_VERIFY_WITH_TIMEOUT(handled, 1000);

    w->action("stop")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 10000);
    QCOMPARE(w->statusPillText(), QString("Stopped"));
    QVERIFY(w->action("run")->isEnabled());
    // The sink wrote where the project says, next to the project file.
    QVERIFY(QFileInfo(m_dir->filePath("out/analytics.db")).size() > 0);
}

void TstStudio::projectFromElsewhereAsksOnceBeforeItsFirstRun() {
    auto w = makeWindow();
    QList<ProjectReach> asked;
    bool answer = false;
    w->askToRun = [&](const ProjectReach& r) {
        asked << r;
        return answer;
    };
    QCOMPARE(w->openFile(copyExample("clicks_to_sqlite.riffle"), true), QString());
    QVERIFY(!w->run());  // declined
    QCOMPARE(asked.size(), 1);
    QVERIFY(asked[0].listensOn.isEmpty());
    QCOMPARE(asked[0].writes.size(), 2);
    // Plain text (no markdown backticks in a dialog) and the full path the run will write to.
    QCOMPARE(asked[0].writes[0], QString("db (SQLite): ") + m_dir->filePath("out/clicks.db"));
    QVERIFY(asked[0].writes[1].endsWith(": " + m_dir->filePath("out/clicks.csv")));
    answer = true;
    QVERIFY(w->run());
    QCOMPARE(asked.size(), 2);
    w->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 10000);
    QVERIFY(w->run());  // asked once: not again
    QCOMPARE(asked.size(), 2);
    w->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 10000);
    // Reopened later, the same file is still trusted.
    auto w2 = makeWindow();
    w2->askToRun = [&](const ProjectReach& r) {
        asked << r;
        return true;
    };
    QCOMPARE(w2->openFile(m_dir->filePath("clicks_to_sqlite.riffle"), true), QString());
    QVERIFY(w2->document()->isTrusted());
}

void TstStudio::runRefusesProjectWithProblems() {
    auto w = makeWindow();
    QCOMPARE(w->openFile(copyExample("click_analytics.riffle"), true), QString());
    w->document()->undoStack()->push(
        new SetParamCommand(w->document()->model(), "views_per_page", "size", "10"));
    QTRY_COMPARE(w->problems()->count(), 1);
    QVERIFY(w->isWindowModified());
    QVERIFY(!w->run());
    QVERIFY(!w->isRunning());
    QCOMPARE(w->statusPillText(), QString("1 problem"));
    const QString message = w->problems()->list()->topLevelItem(0)->text(1);
    QVERIFY2(message.contains("`size` must be a duration like 10s"), qPrintable(message));
    // Clicking the problem selects its node on the canvas.
    w->problems()->list()->setCurrentItem(w->problems()->list()->topLevelItem(0));
    emit w->problems()->list()->itemClicked(w->problems()->list()->topLevelItem(0), 0);
    QCOMPARE(w->scene()->selectedNodeIds(), QStringList{"views_per_page"});
    w->document()->undoStack()->undo();
    QTRY_COMPARE(w->problems()->count(), 0);
    QCOMPARE(w->statusPillText(), QString("Stopped"));
    QVERIFY(!w->isWindowModified());
}

// A project that runs but may not do what its author means (a window whose keys are not the
// Kafka topic's partitioning): the pill says "Stopped · 1 warning" and opens the Problems tab,
// which lists the warning; it does not count as a problem.
void TstStudio::aWarningShowsOnThePillAndInProblems() {
    const QString path = m_dir->filePath("keyed.riffle");
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"format": "riffle-project", "version": 1, "name": "keyed", "nodes": [
  {"id": "in", "type": "source.kafka", "position": [0, 0], "params": {"brokers": "127.0.0.1:9",
   "topic": "clicks", "keyed_by": "user_id", "schema": ["user_id int", "page string"]}},
  {"id": "per_page", "type": "window.tumbling", "position": [300, 0],
   "params": {"group_by": ["page"]}},
  {"id": "out", "type": "sink.log", "position": [600, 0], "params": {}}],
 "edges": [{"from": "in.out", "to": "per_page.in"}, {"from": "per_page.out", "to": "out.in"}]})");
    }
    auto w = makeWindow();
    QCOMPARE(w->openFile(path, true), QString());
    QTRY_COMPARE(w->problems()->warnings(), 1);
    QCOMPARE(w->problems()->count(), 0);
    QCOMPARE(w->statusPillText(), QString("Stopped · 1 warning"));
    QVERIFY(w->action("run")->isEnabled());
    w->findChild<QToolButton*>("statusPill")->click();
    QTRY_VERIFY(w->problems()->isVisible());
    const QString message = w->problems()->list()->topLevelItem(0)->text(1);
    QVERIFY2(message.startsWith("window `per_page`: it groups by page, but the messages of source "
                                "`in` are partitioned by user_id"),
             qPrintable(message));
    // Grouping by the key too ends the warning.
    w->document()->undoStack()->push(new SetParamCommand(
        w->document()->model(), "per_page", "group_by", Json::array({"page", "user_id"})));
    QTRY_COMPARE(w->problems()->warnings(), 0);
    QCOMPARE(w->statusPillText(), QString("Stopped"));
}

// View ▸ Execution Plan shows the plan of the project as it is now, or the problems that stop it.
void TstStudio::executionPlanShowsWhatRunWouldMake() {
    auto w = makeWindow();
    QCOMPARE(w->openFile(copyExample("click_analytics.riffle"), true), QString());
    auto planText = [&]() -> QString {
        w->action("executionPlan")->trigger();
        auto* dialog = w->findChild<QDialog*>("executionPlan");
        if (!dialog) return "<no dialog>";
        const QString text = dialog->findChild<QPlainTextEdit*>("executionPlanText")->toPlainText();
        delete dialog;
        return text;
    };
    QString text = planText();
    QVERIFY2(text.startsWith("17 nodes → 17 operators in 16 tasks"), qPrintable(text));
    QVERIFY2(text.contains("    └ sections (transform.map) · fused\n"), qPrintable(text));
    QVERIFY2(text.contains("  uniques (window.tumbling)\n"), qPrintable(text));
    w->document()->undoStack()->push(
        new SetParamCommand(w->document()->model(), "views_per_page", "size", "10"));
    text = planText();
    QVERIFY2(text.startsWith("No plan: the project has 1 problem."), qPrintable(text));
    QVERIFY2(text.contains("`size` must be a duration like 10s"), qPrintable(text));
}

// File ▸ Export ▸ Flink SQL…: the script riffle-run --export writes, shown, then saved where the
// user says; a node that refuses is selected and its reason shown instead.
void TstStudio::exportToFlinkShowsTheScriptThenSavesIt() {
    auto w = makeWindow();
    QAction* exportAction = w->action("exportFlinkSql");
    QStringList exportItems;
    for (QAction* menu : w->menuBar()->actions())
        if (menu->text() == "&File")
            for (QAction* a : menu->menu()->actions())
                if (a->menu() && a->text() == "&Export")
                    for (QAction* item : a->menu()->actions()) exportItems << item->text();
    QCOMPARE(exportItems, QStringList({"&Flink SQL…", "&Dashboard as PNG…"}));
    auto exported = [&]() -> QString {
        exportAction->trigger();
        auto* dialog = w->findChild<QDialog*>("flinkSql");
        if (!dialog) return "<no dialog>";
        const QString text = dialog->findChild<QPlainTextEdit*>("flinkSqlText")->toPlainText();
        return text;
    };
    QCOMPARE(w->openFile(copyExample("click_analytics.riffle"), true), QString());
    QString text = exported();
    QVERIFY2(text.contains("source `clicks` has no Flink SQL equivalent: a generator has no "
                           "Flink source"),
             qPrintable(text));
    QCOMPARE(w->scene()->selectedNodeIds(), QStringList({"clicks"}));
    delete w->findChild<QDialog*>("flinkSql");

    // A file source, a window, a chart and a file sink.
    QFile csv(m_dir->filePath("clicks.csv"));
    QVERIFY(csv.open(QIODevice::WriteOnly));
    csv.write("time,page\n2026-11-24T10:00:01Z,/a\n");
    csv.close();
    const QString path = m_dir->filePath("to_flink.riffle");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"json({"format": "riffle-project", "version": 1, "name": "To Flink",
      "nodes": [
        {"id": "clicks", "type": "source.file", "params": {"path": "clicks.csv", "time_field": "time",
                                                           "time_format": "iso8601"}},
        {"id": "per_page", "type": "window.tumbling", "params": {"size": "10s", "group_by": ["page"],
            "aggregates": [{"name": "views", "expr": "COUNT(*)"}]}},
        {"id": "views", "type": "sink.chart.bar", "params": {}},
        {"id": "out", "type": "sink.file", "params": {"path": "views.jsonl"}}],
      "edges": [{"from": "clicks.out", "to": "per_page.in"}, {"from": "per_page.out", "to": "views.in"},
                {"from": "per_page.out", "to": "out.in"}]})json");
    f.close();
    QCOMPARE(w->openFile(path, true), QString());
    text = exported();
    QVERIFY2(text.startsWith("-- Flink SQL exported by riffle-run from `To Flink`"),
             qPrintable(text));
    QVERIFY(
        text.contains("FROM TABLE(TUMBLE(TABLE `clicks`, DESCRIPTOR(`_time`), INTERVAL '10' "
                      "SECOND))"));
    QVERIFY(
        text.contains("-- sink `views` (sink.chart.bar)\n-- Differs from Riffle: Flink draws "
                      "no charts, so this chart is left out"));
    QVERIFY(text.contains("INSERT INTO `out`"));
    QString asked;
    w->dashboardFeed()->askSavePath = [&](const QString&, const QString& suggested,
                                          const QString&) {
        asked = suggested;
        return m_dir->filePath("job.sql");
    };
    auto* dialog = w->findChild<QDialog*>("flinkSql");
    QPointer<QDialog> alive(dialog);
    dialog->findChild<QPushButton*>("saveFlinkSql")->click();
    QCOMPARE(asked, m_dir->filePath("to_flink.flink.sql"));
    QFile saved(m_dir->filePath("job.sql"));
    QVERIFY(saved.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(saved.readAll()), text);
    QTRY_VERIFY(!alive);  // closed once saved

    // An edit that makes the source's time unknown to Flink: refused, naming the field.
    w->document()->undoStack()->push(
        new SetParamCommand(w->document()->model(), "clicks", "time_format", "auto"));
    text = exported();
    QVERIFY2(text.contains("source `clicks`: set `time_format` to epoch_s, epoch_ms or iso8601"),
             qPrintable(text));
}

void TstStudio::parameterChangeWhileRunningRestarts() {
    auto w = makeWindow();
    QCOMPARE(w->openFile(copyExample("click_analytics.riffle"), true), QString());
    QVERIFY(w->run());
    QTRY_VERIFY_WITH_TIMEOUT(eventsOut(*w->bridge(), "clicks") > 1000, 10000);
    w->document()->undoStack()->push(
        new SetParamCommand(w->document()->model(), "clicks", "rate", 100));
    // Restarted without asking: the counters start again from zero, at the new rate.
    QTRY_VERIFY_WITH_TIMEOUT(
        eventsOut(*w->bridge(), "clicks") >= 0 && eventsOut(*w->bridge(), "clicks") < 1000, 10000);
    QVERIFY(w->isRunning());
    QTest::qWait(1500);
    QVERIFY2(eventsOut(*w->bridge(), "clicks") < 1000, "the new rate (100/s) is in effect");
    w->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 10000);
}

void TstStudio::peekShowsNewestEventsOfAWire() {
    auto w = makeWindow();
    QCOMPARE(w->openFile(copyExample("click_analytics.riffle"), true), QString());
    QVERIFY(w->run());
    emit w->scene()->edgeActivated("clicks.out>views_per_page.in");
    QVERIFY(w->peek()->tap());
    QTRY_VERIFY_WITH_TIMEOUT(w->peek()->table()->rowCount() > 0, 10000);
    QCOMPARE(w->peek()->table()->horizontalHeaderItem(0)->text(), QString("_time"));
    QVERIFY(w->peek()->table()->columnCount() > 5);
    w->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 10000);
}

void TstStudio::saveAndOpenRoundTripKeepsBytes() {
    auto w = makeWindow();
    const QString path = copyExample("click_analytics.riffle");
    const QByteArray original = readAll(path);
    QCOMPARE(w->openFile(path, true), QString());
    const QString copy = m_dir->filePath("copy.riffle");
    QCOMPARE(w->document()->saveAs(copy), QString());
    QCOMPARE(readAll(copy), original);
    QCOMPARE(w->windowTitle(), QString("copy.riffle[*] — Riffle"));

    w->document()->undoStack()->push(
        new SetParamCommand(w->document()->model(), "views_per_page", "size", "30s"));
    QVERIFY(w->isWindowModified());
    QCOMPARE(w->document()->save(), QString());
    QVERIFY(!w->isWindowModified());
    const QByteArray saved = readAll(copy);
    QVERIFY(saved.contains("\"size\": \"30s\""));
    QCOMPARE(w->openFile(copy, true), QString());
    QCOMPARE(QByteArray::fromStdString(w->document()->model()->project().toJsonText()), saved);
}

void TstStudio::closingWithUnsavedChangesAsks() {
    auto w = makeWindow();
    QCOMPARE(w->openFile(copyExample("click_analytics.riffle"), true), QString());
    w->document()->undoStack()->push(
        new SetParamCommand(w->document()->model(), "clicks", "rate", 10));
    int asked = 0;
    w->askToSave = [&] {
        ++asked;
        return int(QMessageBox::Cancel);
    };
    QVERIFY(!w->close());
    QCOMPARE(asked, 1);
    QVERIFY(w->isVisible());
    w->askToSave = [&] {
        ++asked;
        return int(QMessageBox::Save);
    };
    QVERIFY(w->close());
    QCOMPARE(asked, 2);
    QVERIFY(readAll(m_dir->filePath("click_analytics.riffle")).contains("\"rate\": 10,"));
}

void TstStudio::recoveryFileIsOfferedAfterACrash() {
    const QString path = copyExample("click_analytics.riffle");
    const QByteArray original = readAll(path);
    {
        auto w = makeWindow();
        QCOMPARE(w->openFile(path, true), QString());
        w->document()->undoStack()->push(
            new SetParamCommand(w->document()->model(), "clicks", "rate", 1234));
        w->document()->autosave();
        QVERIFY(QFileInfo::exists(w->document()->recoveryPath()));
        // A crash: the window goes away without closing the document (no closeEvent).
        w.reset();
    }
    auto w = makeWindow();
    QList<RecoveryFile> offered;
    w->askToRestore = [&](const RecoveryFile& f) {
        offered << f;
        return true;
    };
    w->offerRecovery();
    QCOMPARE(offered.size(), 1);
    QCOMPARE(offered[0].originalPath, QFileInfo(path).absoluteFilePath());
    QVERIFY(offered[0].savedAt.isValid());
    QCOMPARE(w->document()->filePath(), QFileInfo(path).absoluteFilePath());
    QVERIFY(w->isWindowModified());
    QCOMPARE(w->document()->model()->node("clicks")->params["rate"], Json(1234));
    QVERIFY(!QFileInfo::exists(offered[0].recoveryPath));
    // Undo goes back to the file on disk.
    w->document()->undoStack()->undo();
    QCOMPARE(QByteArray::fromStdString(w->document()->model()->project().toJsonText()), original);
    // Offered once: the next start has nothing to offer.
    auto w2 = makeWindow();
    int again = 0;
    w2->askToRestore = [&](const RecoveryFile&) { return ++again, false; };
    w2->offerRecovery();
    QCOMPARE(again, 0);
}

// What the chart project's time series shows for page /a: 2 views in the first window, 1 in the
// second.
static std::vector<std::pair<double, double>> viewsOfPageA() {
    const double w0 = QDateTime::fromString("2026-11-24T10:00:00Z", Qt::ISODate).toSecsSinceEpoch();
    return {{w0, 2}, {w0 + 10, 1}};
}

// Opens `path` in `w` and runs it until its sources end (a failure shows in the calling test).
static void runToTheEnd(MainWindow& w, const QString& path) {
    QCOMPARE(w.openFile(path, true), QString());
    QVERIFY(w.run());
    QTRY_VERIFY_WITH_TIMEOUT(!w.isRunning(), 10000);
}

// Four clicks in two 10 s windows, counted per page and drawn three ways.
QString TstStudio::writeChartProject() {
    QFile csv(m_dir->filePath("clicks.csv"));
    if (!csv.open(QIODevice::WriteOnly)) return {};
    csv.write(
        "time,page\n2026-11-24T10:00:01Z,/a\n2026-11-24T10:00:02Z,/b\n2026-11-24T10:00:03Z,/a\n"
        "2026-11-24T10:00:12Z,/a\n");
    csv.close();
    const QString path = m_dir->filePath("charts.riffle");
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(R"json({"format": "riffle-project", "version": 1, "name": "Charts",
      "nodes": [
        {"id": "clicks", "type": "source.file", "params": {"path": "clicks.csv", "time_field": "time",
                                                           "max_out_of_orderness": "0s"}},
        {"id": "per_page", "type": "window.tumbling", "params": {"size": "10s", "group_by": ["page"],
            "aggregates": [{"name": "views", "expr": "COUNT(*)"}]}},
        {"id": "views", "type": "sink.chart.timeseries", "title": "Views", "params": {"history": "1h"}},
        {"id": "pages", "type": "sink.chart.bar", "title": "Pages", "params": {}},
        {"id": "rows", "type": "sink.chart.table", "title": "Rows", "params": {}}],
      "edges": [{"from": "clicks.out", "to": "per_page.in"}, {"from": "per_page.out", "to": "views.in"},
                {"from": "per_page.out", "to": "pages.in"}, {"from": "per_page.out", "to": "rows.in"}],
      "dashboard": {"panels": [{"node": "views", "grid": [0, 0, 8, 4]}]}})json");
    return path;
}

void TstStudio::dashboardShowsExactlyWhatTheChartSinksReceived() {
    auto w = makeWindow();
    const QString path = writeChartProject();
    QCOMPARE(w->openFile(path, true), QString());
    QCOMPARE(w->dashboard()->panelIds(), QStringList({"views", "pages", "rows"}));
    QCOMPARE(w->dashboard()->panelCells("views"), QRect(0, 0, 8, 4));
    QVERIFY(w->dashboard()->isVisible());

    QVERIFY(w->run());
    QVERIFY(w->dashboard()->isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 10000);  // the file ends, so does the run
    QVERIFY(!w->dashboard()->isRunning());

    auto* views = qobject_cast<TimeseriesPanel*>(w->dashboardFeed()->panel("views"));
    QVERIFY(views);
    QCOMPARE(views->seriesNames(), QStringList({"/a", "/b"}));
    const double w0 = QDateTime::fromString("2026-11-24T10:00:00Z", Qt::ISODate).toSecsSinceEpoch();
    const std::vector<std::pair<double, double>> a{{w0, 2}, {w0 + 10, 1}}, b{{w0, 1}};
    QCOMPARE(views->seriesPoints("/a"), a);
    QCOMPARE(views->seriesPoints("/b"), b);

    auto* pages = qobject_cast<BarPanel*>(w->dashboardFeed()->panel("pages"));
    QVERIFY(pages);
    QCOMPARE(pages->categories().size(), 2);
    QCOMPARE(pages->categoryValue("/a"), 1.0);  // the latest window
    QCOMPARE(pages->categoryValue("/b"), 1.0);

    auto* rows = qobject_cast<TablePanel*>(w->dashboardFeed()->panel("rows"));
    QVERIFY(rows);
    QTRY_COMPARE(rows->rowCount(), 3);
    QCOMPARE(rows->rowAt(0).at(1), QString("/a"));  // newest first: the 10:00:10 window
    QCOMPARE(rows->rowAt(0).at(2), QString("1"));

    // Nothing was dropped on the way, so no panel shows a counter.
    QCOMPARE(w->dashboard()->panelFrame("views")->droppedText(), QString());
}

void TstStudio::dashboardShowsTheLastRunAfterAReopen() {
    const QString path = writeChartProject();
    {
        auto w = makeWindow();
        runToTheEnd(*w, path);
        if (QTest::currentTestFailed()) return;
    }
    // The history store has the run, under the test's data folder.
    const QString history = QString::fromStdString(chartHistoryPathFor(path.toStdString()));
    QVERIFY(history.startsWith(m_dir->filePath("data")));
    QVERIFY(QFileInfo::exists(history));

    auto w = makeWindow();
    QCOMPARE(w->openFile(path, true), QString());
    QVERIFY(!w->isRunning());
    auto* views = qobject_cast<TimeseriesPanel*>(w->dashboardFeed()->panel("views"));
    QVERIFY(views);
    QCOMPARE(views->seriesPoints("/a"), viewsOfPageA());
    auto* rows = qobject_cast<TablePanel*>(w->dashboardFeed()->panel("rows"));
    QVERIFY(rows);
    QTRY_COMPARE(rows->rowCount(), 3);  // on the panel's next frame
}

void TstStudio::dashboardExportsAndDetaches() {
    auto w = makeWindow();
    const QString path = writeChartProject();
    QCOMPARE(w->openFile(path, true), QString());
    QVERIFY(w->run());
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 10000);

    // The panel menu's Export goes through the save dialog hook to the panel.
    QString asked;
    w->dashboardFeed()->askSavePath = [&](const QString&, const QString& suggested,
                                          const QString&) {
        asked = suggested;
        return m_dir->filePath(suggested);
    };
    emit w->dashboard()->exportRequested("views", "csv");
    QCOMPARE(asked, QString("Views.csv"));
    const QByteArray csv = readAll(m_dir->filePath("Views.csv"));
    QVERIFY2(csv.contains("/a"), csv.constData());
    QVERIFY(csv.contains("2026-11-24T10:00:10.000Z"));

    w->action("exportDashboard")->trigger();
    const QByteArray png = readAll(m_dir->filePath(asked));
    QCOMPARE(asked, QString("charts-dashboard.png"));
    QVERIFY(png.startsWith("\x89PNG"));

    // Detached to its own window and back; the panels stay the same.
    w->setDashboardDetached(true);
    QVERIFY(w->isDashboardDetached());
    QVERIFY(w->dashboard()->window() != w.get());
    QCOMPARE(w->dashboard()->panelIds().size(), 3);
    w->dashboard()->window()->close();
    QVERIFY(!w->isDashboardDetached());
    QCOMPARE(w->dashboard()->window(), w.get());
    QVERIFY(w->dashboardFeed()->panel("views"));
}

void TstStudio::findNodeByKeyboardSelectsTheSuggestion() {
    // Ctrl+F, part of a title, Down, Enter: this crashed the studio (the completer was replaced
    // while it handled the Enter key).
    auto w = makeWindow();
    QCOMPARE(w->openFile(copyExample("click_analytics.riffle"), true), QString());
    auto* find = w->findChild<QLineEdit*>("findNode");
    QVERIFY(find);
    QApplication::setActiveWindow(w.get());
    QVERIFY(QTest::qWaitForWindowActive(w.get()));
    w->view()->setFocus();
    QTest::keyClick(w->view(), Qt::Key_F, Qt::ControlModifier);
    QTRY_VERIFY(find->hasFocus());
    QTest::keyClicks(find, "funnel");
    QAbstractItemView* popup = find->completer()->popup();
    QTRY_VERIFY(popup->isVisible());
    QCOMPARE(find->completer()->completionCount(), 3);  // Funnel per minute, funnel table, Funnel
    QTest::keyClick(popup, Qt::Key_Down);
    QTest::keyClick(popup, Qt::Key_Return);
    QTRY_VERIFY(!popup->isVisible());
    QCOMPARE(find->text(), QString("Funnel per minute"));
    QCOMPARE(w->scene()->selectedNodeIds(), QStringList{"funnel"});
    // Again, after an edit has changed the titles: the list follows the project.
    w->document()->undoStack()->push(
        new SetTitleCommand(w->document()->model(), "funnel_table", "Conversion"));
    QTest::keyClick(w->view(), Qt::Key_F,
                    Qt::ControlModifier);  // selects the old text: typing replaces it
    QTRY_VERIFY(find->hasFocus());
    QTest::keyClicks(find, "conv");
    QTRY_VERIFY(popup->isVisible());
    QTest::keyClick(popup, Qt::Key_Down);
    QTest::keyClick(popup, Qt::Key_Return);
    QCOMPARE(find->text(), QString("Conversion"));
    QCOMPARE(w->scene()->selectedNodeIds(), QStringList{"funnel_table"});
    // Typed without the list: an exact id or title, else the first node containing the text.
    find->setText("UNIQUES");
    QTest::keyClick(find, Qt::Key_Return);
    QCOMPARE(w->scene()->selectedNodeIds(), QStringList{"uniques"});
    find->setText("per minute");
    QTest::keyClick(find, Qt::Key_Return);
    QCOMPARE(w->scene()->selectedNodeIds(), QStringList{"funnel"});
}

void TstStudio::redoAndSaveAsHaveTheirShortcuts() {
    auto w = makeWindow();
    QCOMPARE(w->openFile(copyExample("click_analytics.riffle"), true), QString());
    QVERIFY(w->action("redo")->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::Key_Y)));
    QVERIFY(
        w->action("redo")->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z)));
    QCOMPARE(w->action("saveAs")->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    // Pressed on the canvas, Ctrl+Y redoes what Ctrl+Z undid.
    w->document()->undoStack()->push(
        new SetTitleCommand(w->document()->model(), "clicks", "Shop clicks"));
    QApplication::setActiveWindow(w.get());
    QVERIFY(QTest::qWaitForWindowActive(w.get()));
    w->view()->setFocus();
    QTest::keyClick(w->view(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(w->document()->model()->displayTitle("clicks"), QString("Clicks"));
    QTest::keyClick(w->view(), Qt::Key_Y, Qt::ControlModifier);
    QCOMPARE(w->document()->model()->displayTitle("clicks"), QString("Shop clicks"));
}

void TstStudio::saveAsNamesAnUntitledProject() {
    auto w = makeWindow();
    w->document()->newProject();
    QCOMPARE(w->document()->model()->projectName(), QString("Untitled"));
    QCOMPARE(w->document()->saveAs(m_dir->filePath("shop funnel.riffle")), QString());
    QCOMPARE(w->document()->model()->projectName(), QString("shop funnel"));
    QVERIFY(readAll(m_dir->filePath("shop funnel.riffle")).contains("\"name\": \"shop funnel\""));
    // A project that has a name keeps it under another file name.
    QCOMPARE(w->document()->saveAs(m_dir->filePath("copy.riffle")), QString());
    QCOMPARE(w->document()->model()->projectName(), QString("shop funnel"));
}

// Clicks at 2000/s counted per second, drawn as a time series and a table, and logged to a file.
QString TstStudio::writeGeneratorProject() {
    const QString path = m_dir->filePath("live.riffle");
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(R"json({"format": "riffle-project", "version": 1, "name": "Live",
      "nodes": [
        {"id": "clicks", "type": "source.clickstream", "x": 0, "y": 0, "params": {"rate": 2000}},
        {"id": "per_second", "type": "window.tumbling", "x": 300, "y": 0, "params": {"size": "1s",
            "aggregates": [{"name": "views", "expr": "COUNT(*)"}]}},
        {"id": "views", "type": "sink.chart.timeseries", "x": 600, "y": 0, "title": "Views", "params": {}},
        {"id": "rows", "type": "sink.chart.table", "x": 600, "y": 140, "title": "Rows", "params": {}},
        {"id": "log", "type": "sink.file", "x": 300, "y": 140, "params": {"path": "out/views.jsonl"}}],
      "edges": [{"from": "clicks.out", "to": "per_second.in"}, {"from": "per_second.out", "to": "views.in"},
                {"from": "per_second.out", "to": "rows.in"}, {"from": "per_second.out", "to": "log.in"}]})json");
    f.close();
    return path;
}

void TstStudio::editWhileRunningKeepsTheChartsAndAsksNothing() {
    const QString path = writeGeneratorProject();
    auto w = makeWindow();
    int asked = 0;
    w->askToRun = [&](const ProjectReach&) { return ++asked, true; };
    QCOMPARE(w->openFile(path, true), QString());
    QVERIFY(w->run());
    QCOMPARE(asked, 1);
    auto* views = qobject_cast<TimeseriesPanel*>(w->dashboardFeed()->panel("views"));
    QVERIFY(views);
    QTRY_VERIFY_WITH_TIMEOUT(!views->seriesNames().isEmpty() &&
                                 views->seriesPoints(views->seriesNames().front()).size() >= 2,
                             15000);
    const QString series = views->seriesNames().front();
    const auto before = views->seriesPoints(series);

    // A parameter edit restarts the pipeline; the chart keeps every point it had, and the
    // project is not questioned again.
    w->document()->undoStack()->push(
        new SetParamCommand(w->document()->model(), "clicks", "rate", 1000));
    QTRY_VERIFY_WITH_TIMEOUT(
        eventsOut(*w->bridge(), "clicks") >= 0 && eventsOut(*w->bridge(), "clicks") < 1000, 10000);
    QVERIFY(w->isRunning());
    QCOMPARE(qobject_cast<TimeseriesPanel*>(w->dashboardFeed()->panel("views")),
             views);  // the same panel
    auto after = views->seriesPoints(series);
    QVERIFY(after.size() >= before.size());
    QVERIFY(std::equal(before.begin(), before.end(), after.begin()));
    QTRY_VERIFY_WITH_TIMEOUT(views->seriesPoints(series).size() > before.size() + 1,
                             15000);  // and goes on
    QCOMPARE(asked, 1);

    // Wire > Record: the same, and the new card lands where it covers no other card.
    const QString rec =
        w->scene()->recordEdge("clicks.out>per_second.in", m_dir->filePath("clicks"));
    QCOMPARE(rec, QString("recording"));
    QTRY_VERIFY_WITH_TIMEOUT(
        eventsOut(*w->bridge(), "recording") > 0 || eventsOut(*w->bridge(), "clicks") > 0, 10000);
    QTest::qWait(1000);
    QVERIFY(w->isRunning());
    QCOMPARE(asked, 1);
    const QRectF card = w->scene()->nodeItem(rec)->sceneBoundingRect();
    for (const NodeDef& n : w->document()->model()->project().nodes) {
        const QString id = QString::fromStdString(n.id);
        if (id != rec)
            QVERIFY2(!card.intersects(w->scene()->nodeItem(id)->sceneBoundingRect()),
                     qPrintable(id));
    }
    w->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 10000);
    // One run in the chart history, not one per edit.
    auto history = ChartHistory::open(chartHistoryPathFor(path.toStdString()));
    QVERIFY(history);
    QCOMPARE(history.value()->runCount(), qint64(1));
}

void TstStudio::layoutGivesTheCanvasTheRoomAndIsRemembered() {
    auto w = makeWindow();
    w->resize(1920, 1080);
    QCOMPARE(w->openFile(copyExample("click_analytics.riffle"), true), QString());
    QTest::qWait(50);  // the first layout and the fit
    auto* editor = w->findChild<QSplitter*>("editorSplitter");
    QVERIFY(editor);
    // The canvas has the most room; the inspector and the output take none while empty.
    QVERIFY2(w->view()->width() > w->dashboard()->width(),
             qPrintable(QString("%1 vs %2").arg(w->view()->width()).arg(w->dashboard()->width())));
    QVERIFY(w->view()->width() >= 900);
    QVERIFY(!w->inspector()->isVisible());
    QVERIFY(!w->problems()->isVisible());
    // It opens at a zoom where a card can be read, not shrunk to fit.
    QVERIFY(w->view()->zoom() >= GraphView::kReadableZoom);
    QVERIFY(w->view()
                ->mapFromScene(w->scene()->nodeItem("clicks")->sceneBoundingRect().topLeft())
                .x() >= 0);

    // Selecting a node brings the inspector; canvas and dashboard share the room it takes, and
    // the cards stay where they were on screen.
    const QPoint cardAt =
        w->view()->mapFromScene(w->scene()->nodeItem("funnel")->sceneBoundingRect().topLeft());
    w->selectAndReveal("funnel");
    QTRY_VERIFY(w->inspector()->isVisible());
    QTest::qWait(20);
    QCOMPARE(w->view()->mapFromScene(w->scene()->nodeItem("funnel")->sceneBoundingRect().topLeft()),
             cardAt);
    QVERIFY(w->view()->width() > w->dashboard()->width());
    QVERIFY2(w->dashboard()->width() >= 500, qPrintable(QString::number(w->dashboard()->width())));
    w->scene()->clearSelection();
    QTRY_VERIFY(!w->inspector()->isVisible());

    // A run refused for problems shows them; fixing them hides the list again.
    w->document()->undoStack()->push(
        new SetParamCommand(w->document()->model(), "clicks", "rate", "fast"));
    QTRY_COMPARE(w->problems()->count(), 1);
    QVERIFY(!w->problems()->isVisible());  // typing is not interrupted by the list
    QVERIFY(!w->run());
    QVERIFY(w->problems()->isVisible());
    w->document()->undoStack()->undo();
    QTRY_VERIFY(!w->problems()->isVisible());

    // The sizes the user gives are there after a restart.
    editor->setSizes({700, 1000});
    const QList<int> sizes = editor->sizes();
    w->close();
    w.reset();
    auto w2 = makeWindow();
    w2->resize(1920, 1080);
    QCOMPARE(w2->openFile(copyExample("click_analytics.riffle"), true), QString());
    QTest::qWait(50);
    QCOMPARE(w2->findChild<QSplitter*>("editorSplitter")->sizes(), sizes);
}

namespace {
QStringList actionTexts(const QMenu& menu) {
    QStringList out;
    for (QAction* a : menu.actions())
        if (!a->isSeparator()) out << a->text();
    return out;
}
QAction* menuAction(const QMenu& menu, const char* name) {
    for (QAction* a : menu.actions())
        if (a->objectName() == name) return a;
    return nullptr;
}
}  // namespace

void TstStudio::contextMenusOnCardsWiresAndTheCanvas() {
    auto w = makeWindow();
    QCOMPARE(w->openFile(copyExample("click_analytics.riffle"), true), QString());
    QVERIFY(w->run());
    GraphScene* scene = w->scene();
    const size_t nodes = w->document()->model()->project().nodes.size();

    QMenu card;
    scene->fillNodeMenu(card, "sections");
    QCOMPARE(actionTexts(card), QStringList({"Rename…", "Duplicate", "Delete", "Peek Output",
                                             "Record Output…", "Reference: Map"}));
    QCOMPARE(scene->selectedNodeIds(), QStringList{"sections"});  // right-click selects the card
    menuAction(card, "renameNode")->trigger();
    QTRY_VERIFY(w->inspector()->isVisible());
    QCOMPARE(w->inspector()->titleEdit()->selectedText(), QString("Page section"));
    menuAction(card, "duplicateNode")->trigger();
    QCOMPARE(w->document()->model()->project().nodes.size(), nodes + 1);
    w->document()->undoStack()->undo();
    // Peek at the card's output without a wire to click.
    menuAction(card, "peekNode")->trigger();
    QVERIFY(w->peek()->isVisible());
    QVERIFY(w->peek()->tap());
    QTRY_VERIFY_WITH_TIMEOUT(w->peek()->table()->rowCount() > 0, 10000);
    // The reference comes from the node's declaration.
    menuAction(card, "nodeReference")->trigger();
    auto* reference = w->findChild<QDialog*>("nodeReference");
    QVERIFY(reference && reference->isVisible());
    const QString text = reference->findChild<QTextBrowser*>()->toPlainText();
    QVERIFY2(text.contains("transform.map — Map") && text.contains("fields"),
             qPrintable(text.left(300)));
    reference->close();
    // Record the card's output: a Recording node wired from it, on a free spot.
    scene->askRecordingPath = [&](const QString& suggested) {
        return suggested.endsWith("/sections.riffle-rec") ? m_dir->filePath("sections") : QString();
    };
    menuAction(card, "recordNode")->trigger();
    QVERIFY(w->document()->model()->node("recording"));
    QCOMPARE(w->document()->model()->edgeIndex("sections.out>recording.in") >= 0, true);
    // Right-clicked again (the new card is selected now): Delete removes the card clicked.
    QMenu again;
    scene->fillNodeMenu(again, "sections");
    menuAction(again, "deleteNode")->trigger();
    QVERIFY(!w->document()->model()->node("sections"));
    QVERIFY(w->document()->model()->node("recording"));
    w->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 10000);

    QMenu wire;
    scene->fillEdgeMenu(wire, "clicks.out>funnel.in");
    QCOMPARE(actionTexts(wire), QStringList({"Peek", "Record…", "Delete"}));
    menuAction(wire, "deleteEdge")->trigger();
    QCOMPARE(w->document()->model()->edgeIndex("clicks.out>funnel.in"), -1);

    QMenu canvas;
    scene->fillCanvasMenu(canvas, QPointF(-400, -400));
    QCOMPARE(actionTexts(canvas), QStringList({"Add Node…", "Paste", "Select All", "Fit to View"}));
    w->view()->setZoom(2.0, QPointF(0, 0));
    menuAction(canvas, "fitView")->trigger();
    QVERIFY(w->view()->zoom() < 1.0);
    menuAction(canvas, "addNode")->trigger();
    QTRY_VERIFY(w->view()->quickAddPopup()->isVisible());
}

void TstStudio::aChartWithAProblemSaysWhyInsteadOfDrawing() {
    auto w = makeWindow();
    QCOMPARE(w->openFile(writeChartProject(), true), QString());
    QVERIFY(w->dashboardFeed()->panel("views"));
    auto placeholders = [&] {
        QStringList out;
        for (QLabel* l : w->dashboard()->findChildren<QLabel*>("panelPlaceholder"))
            out << l->text();
        return out.join(" | ");
    };
    w->document()->undoStack()->push(
        new SetParamCommand(w->document()->model(), "views", "y_max", "high"));
    QTRY_VERIFY(!w->dashboardFeed()->panel("views"));
    QVERIFY2(placeholders().contains("`y_max`"), qPrintable(placeholders()));
    w->document()->undoStack()->undo();
    QTRY_VERIFY(w->dashboardFeed()->panel("views"));
    QVERIFY(!placeholders().contains("`y_max`"));
}

void TstStudio::runInfersTheSchemaOfAJsonSourceFirst() {
    const unsigned short port = freeTcpPort();
    QVERIFY(port);
    const QString path = m_dir->filePath("lines.riffle");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(linesProjectText(port, {{"type", "sink.log"}, {"params", {{"limit", 0}}}}).c_str());
    f.close();
    auto w = makeWindow();
    QCOMPARE(w->openFile(path, true), QString());
    QVERIFY(
        !w->document()->model()->validated().ok());  // no schema yet: the filter cannot be checked

    // Stopped while it reads: nothing runs, nothing changes.
    QVERIFY(!w->run());
    QCOMPARE(w->statusPillText(), QString("Reading the first messages…"));
    QCOMPARE(w->scene()->nodeItem("lines")->activity(), QString("reading first messages…"));
    QVERIFY(w->action("stop")->isEnabled());
    w->stop();
    QTRY_COMPARE_WITH_TIMEOUT(w->scene()->nodeItem("lines")->activity(), QString(), 10000);
    QVERIFY(!w->isRunning());
    QCOMPARE(w->document()->undoStack()->count(), 0);

    // Run with messages coming: the schema is read, put in as one edit, and the run starts.
    QVERIFY(!w->run());
    JsonLineSender sender(port);
    QTRY_VERIFY_WITH_TIMEOUT(w->isRunning(), 30000);
    QCOMPARE(w->scene()->nodeItem("lines")->activity(), QString());
    QCOMPARE(w->document()->model()->node("lines")->params["schema"],
             Json({"id int", "page string", "ms float"}));
    QCOMPARE(w->document()->undoStack()->count(), 1);
    QCOMPARE(w->document()->undoStack()->undoText(), QString("Infer the schema of lines"));
    QTRY_VERIFY_WITH_TIMEOUT(eventsOut(*w->bridge(), "slow") > 0, 20000);
    w->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 10000);
    w->document()->undoStack()->undo();
    QVERIFY(!w->document()->model()->node("lines")->params.contains("schema"));  // as in the file
}

void TstStudio::reopeningAProjectShowsItsLastRun() {
    // In one session: run a project, open another, come back: the charts show the last run.
    const QString path = writeChartProject();
    auto w = makeWindow();
    runToTheEnd(*w, path);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(w->openFile(copyExample("click_analytics.riffle"), true), QString());
    QCOMPARE(w->openFile(path, true), QString());
    auto* views = qobject_cast<TimeseriesPanel*>(w->dashboardFeed()->panel("views"));
    QVERIFY(views);
    QCOMPARE(views->seriesPoints("/a"), viewsOfPageA());
}

void TstStudio::aChartsLookChangesWhileRunningWithoutARestart() {
    auto w = makeWindow();
    QCOMPARE(w->openFile(writeGeneratorProject(), true), QString());
    QVERIFY(w->run());
    auto* views = qobject_cast<TimeseriesPanel*>(w->dashboardFeed()->panel("views"));
    QVERIFY(views);
    QTRY_VERIFY_WITH_TIMEOUT(eventsOut(*w->bridge(), "clicks") > 4000, 15000);
    const qint64 before = eventsOut(*w->bridge(), "clicks");
    // A look option (declared live): the same panel shows it at once; the pipeline goes on.
    w->document()->undoStack()->push(
        new SetParamCommand(w->document()->model(), "views", "y_max", 12345));
    QTRY_COMPARE(views->yRange().second, 12345.0);
    QCOMPARE(qobject_cast<TimeseriesPanel*>(w->dashboardFeed()->panel("views")), views);
    QTest::qWait(1000);  // longer than the restart delay
    QVERIFY2(eventsOut(*w->bridge(), "clicks") > before, "not restarted: the counters went on");
    // A title and a position are looks too; a rate is not.
    w->document()->undoStack()->push(new SetTitleCommand(w->document()->model(), "clicks", "Shop"));
    QTest::qWait(1000);
    QVERIFY(eventsOut(*w->bridge(), "clicks") > before);
    w->document()->undoStack()->push(
        new SetParamCommand(w->document()->model(), "clicks", "rate", 100));
    QTRY_VERIFY_WITH_TIMEOUT(
        eventsOut(*w->bridge(), "clicks") >= 0 && eventsOut(*w->bridge(), "clicks") < before,
        10000);
    w->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 10000);
}

// Checkpoints (docs/checkpoints.md): Stop keeps the open windows, Run continues them, so every
// window of the file is counted whole and once; Run > Reset State starts afresh.
void TstStudio::stopThenRunContinuesTheOpenWindows() {
    QFile csv(m_dir->filePath("events.csv"));
    QVERIFY(csv.open(QIODevice::WriteOnly));
    QByteArray text = "seq,ts\n";
    for (int i = 0; i < 3000; ++i)
        text += QByteArray::number(i) + ',' + QByteArray::number(1'767'225'600'000 + i * 10) + '\n';
    csv.write(text);
    csv.close();
    const QString path = m_dir->filePath("windows.riffle");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"json({"format": "riffle-project", "version": 1, "name": "Windows",
      "settings": {"checkpoint_interval": "200ms"},
      "nodes": [
        {"id": "events", "type": "source.file", "params": {"path": "events.csv", "time_field": "ts",
            "time_format": "epoch_ms", "speed": 8, "batch_rows": 50}},
        {"id": "w", "type": "window.tumbling", "params": {"size": "5s",
            "aggregates": [{"name": "n", "expr": "COUNT(*)"}]}},
        {"id": "out", "type": "sink.file", "params": {"path": "out.csv"}}],
      "edges": [{"from": "events.out", "to": "w.in"}, {"from": "w.out", "to": "out.in"}]})json");
    f.close();
    auto w = makeWindow();
    QCOMPARE(w->openFile(path, true), QString());
    auto* log = w->findChild<QPlainTextEdit*>("log");
    auto* label = w->findChild<QLabel*>("checkpointStatus");
    QVERIFY(log && label);
    QVERIFY(w->run());
    QTRY_VERIFY_WITH_TIMEOUT(label->text().startsWith("Checkpoint "), 10000);
    QVERIFY2(label->text().contains(" s ago · "), qPrintable(label->text()));
    QTRY_VERIFY_WITH_TIMEOUT(eventsOut(*w->bridge(), "events") > 700, 20000);
    w->action("stop")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 10000);
    QVERIFY(!label->isVisible());
    QVERIFY2(log->toPlainText().contains(
                 QRegularExpression("State kept in checkpoint \\d+: the next Run continues")),
             qPrintable(log->toPlainText()));
    QVERIFY(w->action("resetState")->isEnabled());

    QVERIFY(w->run());
    QVERIFY2(log->toPlainText().contains(
                 QRegularExpression("Resumed from checkpoint \\d+ of [0-9:]+: 3 nodes continue")),
             qPrintable(log->toPlainText()));
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 30000);  // the file ends
    QFile out(m_dir->filePath("out.csv"));
    QVERIFY(out.open(QIODevice::ReadOnly));
    const QStringList rows = QString::fromUtf8(out.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(rows.size(), 1 + 6);  // header, six 5 s windows of 500 events each
    for (int i = 1; i < rows.size(); ++i) QCOMPARE(rows[i].section(',', 1, 1), QString("500"));

    // The run read its whole file: the next starts afresh, as after Run > Reset State.
    w->action("resetState")->trigger();
    QVERIFY(log->toPlainText().contains("State reset: the next Run of"));
    QVERIFY(w->run());
    QTRY_VERIFY_WITH_TIMEOUT(!w->isRunning(), 30000);
    QCOMPARE(log->toPlainText().count("Resumed from checkpoint"), 1);
}

QTEST_MAIN(TstStudio)
#include "tst_studio.moc"
