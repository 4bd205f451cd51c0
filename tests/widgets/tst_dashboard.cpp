// The dashboard container: one panel per chart node at the place the project's `dashboard`
// section gives, moved by dragging its title and resized by its corner (real mouse events), each
// drag one undo step that restores the exact JSON, the layout kept through save and load, panels
// following added, removed and renamed chart nodes, the empty hint, the whole-dashboard PNG, the
// dropped counter and the live dot. Saves light and dark screenshots to /tmp/dash-*.png.
//
// The chart node types (sink.chart.*) are not in the node registry of this branch; GraphModel
// keeps nodes of unknown types, so the test uses them as they are.
#include <QLabel>
#include <QMenu>
#include <QScrollArea>
#include <QScrollBar>
#include <QUndoStack>
#include <QtTest/QtTest>

#include "nodes/register_builtin_nodes.h"
#include "widgets/dashboard/dashboard_widget.h"
#include "widgets/dashboard/panel_frame.h"
#include "widgets/model/commands.h"
#include "widgets/model/graph_model.h"
#include "widgets/style/theme.h"

using namespace riffle;
using dashboard::kColumns;
using dashboard::kGap;
using dashboard::kRowHeight;

namespace {

NodeDef node(const std::string& id, const std::string& type, const std::string& title = {}) {
    NodeDef n;
    n.id = id;
    n.type = type;
    n.title = title;
    return n;
}

// A source, a window and three charts; two charts have a saved place, the third none, and one
// entry names a node that is not there.
Project sampleProject() {
    Project p;
    p.name = "Dashboard test";
    p.nodes = {node("clicks", "source.clickstream"),
               node("views_chart", "sink.chart.timeseries", "Views per page"),
               node("top_pages", "sink.chart.bar", "Top pages"),
               node("rate_gauge", "sink.chart.gauge", "Events per second")};
    p.dashboard = Json::parse(R"({"panels": [
        {"node": "views_chart", "grid": [0, 0, 6, 4]},
        {"node": "top_pages", "grid": [6, 0, 6, 4], "note": "kept"},
        {"node": "ghost", "grid": [0, 8, 4, 4]}]})");
    return p;
}

// Drags `handle` (a title bar or grip) from its centre by `delta`, in small steps like a hand.
void drag(QWidget* handle, QPoint delta, bool cancel = false) {
    const QPoint start = handle->mapToGlobal(handle->rect().center());
    QTest::mousePress(handle, Qt::LeftButton, {}, handle->mapFromGlobal(start));
    const int steps = 8;
    for (int i = 1; i <= steps; ++i)
        QTest::mouseMove(handle, handle->mapFromGlobal(start + delta * i / steps));
    if (cancel) QTest::keyClick(handle, Qt::Key_Escape);
    QTest::mouseRelease(handle, Qt::LeftButton, {}, handle->mapFromGlobal(start + delta));
}

}  // namespace

class TstDashboard : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { registerBuiltinNodes(m_registry); }
    void init();
    void cleanup();
    void panelsSitAtTheirSavedCells();
    void titleDragMovesThePanelAsOneUndoStep();
    void escCancelsADrag();
    void cornerDragResizes();
    void layoutSurvivesSaveAndLoad();
    void panelsFollowChartNodes();
    void emptyDashboardShowsTheHint();
    void wholeDashboardExportsToOnePng();
    void droppedLabelOnlyWhenNonZero();
    void liveDotAndFrameTimer();
    void doubleClickMaximises();
    void factoryMakesTheContent();
    void menuRequests();
    void handEditedEntriesAreMadeValid();
    void narrowDashboardStacksPanels();
    void screenshots();

private:
    QRect cells(const char* id) const { return m_dash->panelCells(id); }
    QPoint columnsRows(int cols, int rows) const {
        const double colStep = (m_dash->gridArea()->width() - kGap) / double(kColumns);
        return QPoint(int(std::lround(cols * colStep)), rows * (kRowHeight + kGap));
    }

    NodeRegistry m_registry;
    std::unique_ptr<GraphModel> m_model;
    std::unique_ptr<QUndoStack> m_undo;
    std::unique_ptr<DashboardWidget> m_dash;
    std::string m_json;
};

void TstDashboard::init() {
    m_model = std::make_unique<GraphModel>(m_registry);
    m_undo = std::make_unique<QUndoStack>();
    m_model->setProject(sampleProject());
    m_json = m_model->dashboard().dump();
    m_dash = std::make_unique<DashboardWidget>(m_model.get(), m_undo.get());
    m_dash->resize(1000, 760);
    m_dash->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_dash.get()));
}

void TstDashboard::cleanup() {
    m_dash.reset();
    m_undo.reset();
    m_model.reset();
}

void TstDashboard::panelsSitAtTheirSavedCells() {
    QCOMPARE(m_dash->panelIds(), QStringList({"views_chart", "top_pages", "rate_gauge"}));
    QCOMPARE(cells("views_chart"), QRect(0, 0, 6, 4));
    QCOMPARE(cells("top_pages"), QRect(6, 0, 6, 4));
    QCOMPARE(cells("rate_gauge"), QRect(0, 4, 6, 4));  // no entry: the first free place
    QVERIFY(!m_dash->panelFrame("ghost"));
    QCOMPARE(m_dash->panelFrame("views_chart")->title(), QString("Views per page"));
    // On screen: 8 px around and between, rows of 60 px.
    const QRect a = m_dash->panelFrame("views_chart")->geometry();
    const QRect b = m_dash->panelFrame("top_pages")->geometry();
    const QRect c = m_dash->panelFrame("rate_gauge")->geometry();
    QCOMPARE(a.topLeft(), QPoint(kGap, kGap));
    QCOMPARE(b.left() - a.right() - 1, kGap);
    QCOMPARE(c.top() - a.bottom() - 1, kGap);
    QCOMPARE(a.height(), 4 * kRowHeight + 3 * kGap);
    QCOMPARE(m_dash->gridArea()->width() - b.right() - 1, kGap);
    // Showing the dashboard does not write to the project.
    QCOMPARE(m_model->dashboard().dump(), m_json);
    QCOMPARE(m_undo->count(), 0);
}

void TstDashboard::titleDragMovesThePanelAsOneUndoStep() {
    PanelFrame* views = m_dash->panelFrame("views_chart");
    // Onto the top-right half: Top pages is pushed down below it, the gauge stays.
    drag(views->titleBar(), columnsRows(6, 0) + QPoint(7, 5));
    QCOMPARE(cells("views_chart"), QRect(6, 0, 6, 4));
    QCOMPARE(cells("top_pages"), QRect(6, 4, 6, 4));
    QCOMPARE(cells("rate_gauge"), QRect(0, 4, 6, 4));
    QCOMPARE(views->geometry(), m_dash->cellRect(QRect(6, 0, 6, 4)));  // snapped
    QCOMPARE(m_undo->count(), 1);
    QCOMPARE(m_undo->text(0), QString("Move panel Views per page"));
    const Json after = m_model->dashboard();
    QCOMPARE(after["panels"].size(), size_t(3));  // the ghost entry is dropped
    QCOMPARE(after["panels"][1]["note"], Json("kept"));
    QCOMPARE(after["panels"][0]["grid"], Json::parse("[6, 0, 6, 4]"));

    m_undo->undo();
    QCOMPARE(m_model->dashboard().dump(), m_json);
    QCOMPARE(cells("views_chart"), QRect(0, 0, 6, 4));
    QCOMPARE(cells("top_pages"), QRect(6, 0, 6, 4));
    QCOMPARE(views->geometry(), m_dash->cellRect(QRect(0, 0, 6, 4)));
    m_undo->redo();
    QCOMPARE(m_model->dashboard(), after);
    QCOMPARE(cells("top_pages"), QRect(6, 4, 6, 4));

    // A drag that ends where it started changes nothing.
    drag(views->titleBar(), QPoint(10, 4));
    QCOMPARE(m_undo->count(), 1);
}

void TstDashboard::escCancelsADrag() {
    drag(m_dash->panelFrame("views_chart")->titleBar(), columnsRows(6, 0), true);
    QCOMPARE(m_undo->count(), 0);
    QCOMPARE(cells("views_chart"), QRect(0, 0, 6, 4));
    QCOMPARE(m_dash->panelFrame("top_pages")->geometry(), m_dash->cellRect(QRect(6, 0, 6, 4)));
}

void TstDashboard::cornerDragResizes() {
    PanelFrame* gauge = m_dash->panelFrame("rate_gauge");
    drag(gauge->resizeGrip(), columnsRows(2, 2) - QPoint(6, 9));
    QCOMPARE(cells("rate_gauge"), QRect(0, 4, 8, 6));
    QCOMPARE(gauge->geometry(), m_dash->cellRect(QRect(0, 4, 8, 6)));
    QCOMPARE(m_undo->count(), 1);
    QCOMPARE(m_undo->text(0), QString("Resize panel Events per second"));
    // Shrinking stops at 2 x 2 cells.
    drag(gauge->resizeGrip(), -columnsRows(20, 20));
    QCOMPARE(cells("rate_gauge"), QRect(0, 4, 2, 2));
    QCOMPARE(m_undo->count(), 2);
    m_undo->undo();
    m_undo->undo();
    QCOMPARE(m_model->dashboard().dump(), m_json);
    QCOMPARE(cells("rate_gauge"), QRect(0, 4, 6, 4));
}

void TstDashboard::layoutSurvivesSaveAndLoad() {
    drag(m_dash->panelFrame("rate_gauge")->titleBar(), columnsRows(3, 1));
    QCOMPARE(cells("rate_gauge"), QRect(3, 5, 6, 4));
    QTemporaryDir dir;
    const QString path = dir.filePath("dash.riffle");
    QVERIFY(m_model->project().save(path.toStdString()).ok());
    auto loaded = Project::load(path.toStdString());
    QVERIFY(loaded);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(QByteArray::fromStdString(loaded->toJsonText()), f.readAll());  // byte for byte

    GraphModel model2(m_registry);
    QUndoStack undo2;
    model2.setProject(std::move(loaded.value()));
    DashboardWidget dash2(&model2, &undo2);
    dash2.resize(1000, 760);
    for (const QString& id : m_dash->panelIds())
        QCOMPARE(dash2.panelCells(id), m_dash->panelCells(id));
    QCOMPARE(dash2.panelCells("rate_gauge"), QRect(3, 5, 6, 4));
}

void TstDashboard::panelsFollowChartNodes() {
    QSignalSpy added(m_dash.get(), &DashboardWidget::panelAdded);
    m_undo->push(new AddSubgraphCommand(
        m_model.get(), {{node("latency", "sink.chart.histogram", "Latency")}, {}}, "Add Latency"));
    QCOMPARE(added.count(), 1);
    QCOMPARE(cells("latency"), QRect(6, 4, 6, 4));  // first free place, default 6 x 4
    QCOMPARE(m_dash->panelFrame("latency")->title(), QString("Latency"));
    QVERIFY(m_dash->panelFrame("latency")->isVisible());
    // Not a chart: no panel.
    m_undo->push(new AddSubgraphCommand(m_model.get(), {{node("filter", "transform.filter")}, {}},
                                        "Add Filter"));
    QCOMPARE(m_dash->panelIds().size(), 4);

    // Renamed: the title follows.
    m_undo->push(new SetTitleCommand(m_model.get(), "latency", "Latency (ms)"));
    QCOMPARE(m_dash->panelFrame("latency")->title(), QString("Latency (ms)"));
    // A title too long for the panel is elided, the whole of it in the tooltip.
    const QString longTitle = QString("Latency of checkout requests by region ").repeated(4);
    m_undo->push(new SetTitleCommand(m_model.get(), "latency", longTitle));
    PanelFrame* latency = m_dash->panelFrame("latency");
    QCOMPARE(latency->title(), longTitle);
    QVERIFY(latency->findChild<QLabel*>("panelTitle")->text().endsWith(QChar(0x2026)));
    QCOMPARE(latency->titleBar()->toolTip(), longTitle);

    // Remove from the panel's menu: through the undo stack, and back at its place on undo.
    m_dash->panelFrame("top_pages")->menuAction("remove")->trigger();
    QVERIFY(!m_dash->panelFrame("top_pages"));
    QVERIFY(!m_model->node("top_pages"));
    QCOMPARE(m_undo->text(m_undo->index() - 1), QString("Delete Top pages"));
    m_undo->undo();
    QVERIFY(m_model->node("top_pages"));
    QCOMPARE(cells("top_pages"), QRect(6, 0, 6, 4));
    QCOMPARE(m_dash->panelIds(),
             QStringList({"views_chart", "top_pages", "rate_gauge", "latency"}));

    // Undoing the add removes the panel; a reset rebuilds from the project.
    while (m_undo->canUndo()) m_undo->undo();
    QVERIFY(!m_dash->panelFrame("latency"));
    m_model->setProject(Project{});
    QVERIFY(m_dash->panelIds().isEmpty());
    m_model->setProject(sampleProject());
    QCOMPARE(m_dash->panelIds().size(), 3);
    QCOMPARE(cells("top_pages"), QRect(6, 0, 6, 4));
}

void TstDashboard::emptyDashboardShowsTheHint() {
    const QImage withPanels = m_dash->gridArea()->grab().toImage();
    Project p;
    p.nodes = {node("clicks", "source.clickstream")};
    m_model->setProject(p);
    QVERIFY(m_dash->panelIds().isEmpty());
    const QImage img = m_dash->gridArea()->grab().toImage();
    img.save("/tmp/dash-empty.png");
    // Text in the middle band, nothing elsewhere.
    const QColor bg = img.pixelColor(5, 5);
    int inMiddle = 0, elsewhere = 0;
    for (int y = 0; y < img.height(); y += 2)
        for (int x = 0; x < img.width(); x += 2) {
            if (img.pixelColor(x, y) == bg) continue;
            (std::abs(y - img.height() / 2) < 20 ? inMiddle : elsewhere)++;
        }
    QVERIFY2(inMiddle > 50, qPrintable(QString::number(inMiddle)));
    QCOMPARE(elsewhere, 0);
    QVERIFY(withPanels != img);
}

void TstDashboard::wholeDashboardExportsToOnePng() {
    m_dash->resize(900, 240);  // the gauge's row is out of view
    QTRY_VERIFY(m_dash->scrollArea()->verticalScrollBar()->maximum() > 0);
    QTemporaryDir dir;
    const QString path = dir.filePath("dash.png");
    QVERIFY(m_dash->exportPng(path));
    QImage img;
    QVERIFY(img.load(path, "PNG"));
    const QSize expected = m_dash->gridArea()->size() * m_dash->gridArea()->devicePixelRatioF();
    QCOMPARE(img.size(), expected);
    QCOMPARE(img.height(), 2 * kGap + 8 * kRowHeight + 7 * kGap);
    // The gauge, below the visible part, is drawn too: its card differs from the background.
    const QRect gauge = m_dash->cellRect(cells("rate_gauge"));
    QVERIFY(gauge.top() > m_dash->scrollArea()->viewport()->height());
    QVERIFY(img.pixelColor(gauge.center()) != img.pixelColor(2, 2));
    const QRect title =
        m_dash->panelFrame("rate_gauge")->titleBar()->geometry().translated(gauge.topLeft());
    bool text = false;
    for (int x = title.left() + 24; x < title.left() + 120 && !text; ++x)
        text = img.pixelColor(x, title.center().y()) != img.pixelColor(gauge.center());
    QVERIFY(text);  // its title was rendered
}

void TstDashboard::droppedLabelOnlyWhenNonZero() {
    PanelFrame* f = m_dash->panelFrame("views_chart");
    auto* label = f->findChild<QLabel*>("panelDropped");
    QVERIFY(label);
    QVERIFY(!label->isVisible());
    m_dash->setDropped("views_chart", 1234);
    QVERIFY(label->isVisible());
    QCOMPARE(label->text(), QString("1.23 K dropped"));
    QCOMPARE(f->droppedText(), QString("1.23 K dropped"));
    m_dash->setDropped("views_chart", 0);
    QVERIFY(!label->isVisible());
    QCOMPARE(f->droppedText(), QString());
}

void TstDashboard::liveDotAndFrameTimer() {
    PanelFrame* f = m_dash->panelFrame("views_chart");
    QCOMPARE(f->liveState(), PanelFrame::LiveState::Stopped);
    f->noteData();  // stopped: stays grey
    QCOMPARE(f->liveState(), PanelFrame::LiveState::Stopped);

    QSignalSpy ticks(m_dash.get(), &DashboardWidget::frameTick);
    m_dash->setRunning(true);
    QCOMPARE(f->liveState(), PanelFrame::LiveState::Idle);
    f->setIdleAfter(60);
    m_dash->noteData("views_chart");
    QCOMPARE(f->liveState(), PanelFrame::LiveState::Live);
    QCOMPARE(m_dash->panelFrame("top_pages")->liveState(), PanelFrame::LiveState::Idle);
    QTRY_COMPARE(f->liveState(), PanelFrame::LiveState::Idle);  // no data for a while
    QTRY_VERIFY(ticks.count() >= 3);

    m_dash->setRunning(false);
    QCOMPARE(f->liveState(), PanelFrame::LiveState::Stopped);
    ticks.clear();
    QTest::qWait(60);
    QCOMPARE(ticks.count(), 0);
}

void TstDashboard::doubleClickMaximises() {
    PanelFrame* views = m_dash->panelFrame("views_chart");
    const QRect before = views->geometry();
    QTest::mouseDClick(views->titleBar(), Qt::LeftButton, {}, views->titleBar()->rect().center());
    QCOMPARE(m_dash->maximizedPanel(), QString("views_chart"));
    const QRect viewport = m_dash->scrollArea()->viewport()->rect();
    QCOMPARE(views->geometry(), viewport.adjusted(kGap, kGap, -kGap, -kGap));
    QVERIFY(!m_dash->panelFrame("top_pages")->isVisible());
    QTest::mouseDClick(views->titleBar(), Qt::LeftButton, {}, views->titleBar()->rect().center());
    QCOMPARE(m_dash->maximizedPanel(), QString());
    QCOMPARE(views->geometry(), before);
    QVERIFY(m_dash->panelFrame("top_pages")->isVisible());
    QCOMPARE(m_undo->count(), 0);
}

void TstDashboard::factoryMakesTheContent() {
    QVERIFY(m_dash->panelContent("views_chart"));  // the placeholder
    QStringList asked;
    m_dash->setPanelFactory([&](const QString& id) {
        asked << id;
        auto* l = new QLabel("chart of " + id);
        l->setObjectName("chart_" + id);
        return l;
    });
    QCOMPARE(asked.size(), 3);
    QCOMPARE(m_dash->panelContent("top_pages")->objectName(), QString("chart_top_pages"));
    QVERIFY(m_dash->panelContent("top_pages")->isVisible());
    m_undo->push(
        new AddSubgraphCommand(m_model.get(), {{node("pie", "sink.chart.bar")}, {}}, "Add"));
    QCOMPARE(m_dash->panelContent("pie")->objectName(), QString("chart_pie"));
    QVERIFY(!m_dash->panelContent("clicks"));
}

void TstDashboard::menuRequests() {
    PanelFrame* f = m_dash->panelFrame("top_pages");
    QSignalSpy exports(m_dash.get(), &DashboardWidget::exportRequested);
    QSignalSpy options(m_dash.get(), &DashboardWidget::optionsRequested);
    for (const char* name : {"exportPng", "exportSvg", "exportPdf", "exportCsv"})
        f->menuAction(name)->trigger();
    QCOMPARE(exports.count(), 4);
    QStringList formats;
    for (const auto& args : exports) {
        QCOMPARE(args.at(0).toString(), QString("top_pages"));
        formats << args.at(1).toString();
    }
    QCOMPARE(formats, QStringList({"png", "svg", "pdf", "csv"}));
    f->menuAction("options")->trigger();
    QCOMPARE(options.count(), 1);
    QCOMPARE(options.at(0).at(0).toString(), QString("top_pages"));
    QCOMPARE(f->menuAction("exportPng")->text(), QString("Export as PNG…"));
}

void TstDashboard::handEditedEntriesAreMadeValid() {
    const Json section = Json::parse(R"({"panels": [
        {"node": "a", "grid": [0, 0, 6, 4]},
        {"node": "b", "grid": [3, 2, 6, 4]},
        {"node": "c", "grid": [10, -3, 40, 1]},
        {"node": "d", "grid": "nonsense"}]})");
    const dashboard::Layout l = dashboard::readLayout(section, {"a", "b", "c", "d"});
    QCOMPARE(dashboard::find(l, "a")->cells, QRect(0, 0, 6, 4));
    // c is clamped to (0, 0, 12, 2) and pushed below a; b then lands below both.
    QCOMPARE(dashboard::find(l, "c")->cells, QRect(0, 4, 12, 2));
    QCOMPARE(dashboard::find(l, "b")->cells, QRect(3, 6, 6, 4));
    QCOMPARE(dashboard::find(l, "d")->cells,
             QRect(6, 0, 6, 4));  // no valid entry: first free place
}

void TstDashboard::narrowDashboardStacksPanels() {
    const QRect saved = cells("top_pages");
    m_dash->resize(560, 700);
    QApplication::processEvents();
    // One panel per row, full width, in layout order; the saved layout is untouched.
    const QStringList ids = m_dash->panelIds();
    QVERIFY(ids.size() >= 2);
    int bottom = 0;
    for (const QString& id : ids) {
        const QRect g = m_dash->panelFrame(id)->geometry();
        QCOMPARE(g.left(), kGap);
        QCOMPARE(g.right(), m_dash->gridArea()->width() - kGap - 1);
        QVERIFY(g.top() > bottom);
        bottom = g.bottom();
        QVERIFY(!m_dash->panelFrame(id)->resizeGrip()->isVisible());
    }
    QCOMPARE(cells("top_pages"), saved);
    // Moving a stacked panel is off (its place is not its layout cell).
    QWidget* handle = m_dash->panelFrame("top_pages")->titleBar();
    QTest::mousePress(handle, Qt::LeftButton, {}, handle->rect().center());
    QTest::mouseMove(handle, handle->rect().center() + QPoint(0, 120));
    QTest::mouseRelease(handle, Qt::LeftButton, {}, handle->rect().center() + QPoint(0, 120));
    QCOMPARE(m_undo->count(), 0);
    // Wide again: the grid as saved.
    m_dash->resize(1000, 760);
    QApplication::processEvents();
    QCOMPARE(m_dash->panelFrame("top_pages")->geometry(), m_dash->cellRect(saved));
}

void TstDashboard::screenshots() {
    m_dash->resize(1000, 640);
    m_dash->setRunning(true);
    m_dash->noteData("views_chart");
    m_dash->setDropped("top_pages", 48200);
    QVERIFY(m_dash->grab().save("/tmp/dash-light.png"));
    m_dash->setPalette(theme::darkPalette());
    QVERIFY(m_dash->grab().save("/tmp/dash-dark.png"));
    // Mid-drag: the target cells are outlined and the panel in the way has moved down.
    PanelFrame* views = m_dash->panelFrame("views_chart");
    QWidget* handle = views->titleBar();
    const QPoint start = handle->mapToGlobal(handle->rect().center());
    QTest::mousePress(handle, Qt::LeftButton, {}, handle->mapFromGlobal(start));
    for (int i = 1; i <= 6; ++i)
        QTest::mouseMove(
            handle, handle->mapFromGlobal(start + (columnsRows(6, 0) + QPoint(30, 30)) * i / 6));
    QCOMPARE(m_dash->panelFrame("top_pages")->geometry(), m_dash->cellRect(QRect(6, 4, 6, 4)));
    QVERIFY(m_dash->grab().save("/tmp/dash-dragging.png"));
    QTest::keyClick(handle, Qt::Key_Escape);
    QTest::mouseRelease(handle, Qt::LeftButton, {}, handle->mapFromGlobal(start));
    QCOMPARE(m_undo->count(), 0);
    QMenu* menu = m_dash->panelFrame("top_pages")->menu();
    menu->popup(m_dash->mapToGlobal(QPoint(800, 40)));
    QVERIFY(QTest::qWaitForWindowExposed(menu));
    QVERIFY(menu->grab().save("/tmp/dash-menu.png"));
    menu->hide();
    m_dash->setMaximizedPanel("top_pages");
    QVERIFY(m_dash->grab().save("/tmp/dash-maximised.png"));
    m_dash->setRunning(false);
}

QTEST_MAIN(TstDashboard)
#include "tst_dashboard.moc"
