// The canvas: nodes dropped from the palette land in the model, wires are drawn port to port and
// refused with the model's reason when they do not type, copy/paste keeps internal wires with
// fresh ids, ten mixed edits undo to the saved bytes and redo to the edited ones, run metrics show
// on cards and wires, and a 200-node graph pans (frame times printed, not asserted).
#include <QUndoStack>
#include <QtTest/QtTest>
#include <algorithm>

#include "nodes/register_builtin_nodes.h"
#include "widgets/canvas/edge_item.h"
#include "widgets/canvas/graph_scene.h"
#include "widgets/canvas/graph_view.h"
#include "widgets/canvas/node_item.h"
#include "widgets/canvas/quick_add_popup.h"
#include "widgets/model/commands.h"
#include "widgets/model/graph_model.h"
#include "widgets/style/theme.h"

using namespace riffle;

namespace {

Project loadExample(const char* name) {
    auto p = Project::load(
        (QStringLiteral(RIFFLE_SOURCE_DIR "/projects/") + QLatin1String(name)).toStdString());
    if (!p) qFatal("%s", p.message().c_str());
    return std::move(p.value());
}

// A model, its undo stack, the scene and a shown 1400x800 view.
struct Canvas {
    GraphModel model;
    QUndoStack undo;
    GraphScene scene;
    GraphView view;

    Canvas(const NodeRegistry& registry, Project project)
        : model(registry), scene(&model, &undo), view(&scene) {
        model.setProject(std::move(project));
        view.resize(1400, 800);
        view.show();
        if (!QTest::qWaitForWindowExposed(&view)) qFatal("view not exposed");
        view.fitToView();
        QCoreApplication::processEvents();
    }
    std::string text() const { return model.project().toJsonText(); }
    QPoint viewPos(QPointF scenePos) const { return view.mapFromScene(scenePos); }
    QPoint portPos(const QString& node, const QString& port, bool output) const {
        return viewPos(scene.nodeItem(node)->portScenePos(port, output));
    }
    // A real mouse drag on the viewport, in a few steps.
    void drag(QPoint from, QPoint to, Qt::KeyboardModifiers mods = {}) {
        QTest::mousePress(view.viewport(), Qt::LeftButton, mods, from);
        for (int i = 1; i <= 4; ++i) QTest::mouseMove(view.viewport(), from + (to - from) * i / 4);
        QTest::mouseRelease(view.viewport(), Qt::LeftButton, mods, to);
    }
    bool hasEdge(const QString& key) const { return model.edgeIndex(key) >= 0; }
};

// 200 nodes: 40 chains source -> filter -> window -> map -> log, two chains per row.
Project generatedProject() {
    Project p;
    p.name = "Generated";
    const char* types[] = {"source.clickstream", "transform.filter", "window.tumbling",
                           "transform.map", "sink.log"};
    for (int chain = 0; chain < 40; ++chain) {
        for (int k = 0; k < 5; ++k) {
            NodeDef n;
            n.id = "n" + std::to_string(chain) + "_" + std::to_string(k);
            n.type = types[k];
            n.x = ((chain % 2) * 5 + k) * 260;
            n.y = (chain / 2) * 140;
            p.nodes.push_back(n);
            if (k > 0)
                p.edges.push_back(EdgeDef{p.nodes[p.nodes.size() - 2].id, "out", n.id, "in"});
        }
    }
    return p;
}

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x2B, 0x2D, 0x30), base(0x1E, 0x1F, 0x22), text(0xDF, 0xE1, 0xE5);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Highlight, QColor(0x35, 0x74, 0xF0));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::PlaceholderText, QColor(0x86, 0x8A, 0x91));
    p.setColor(QPalette::Mid, QColor(0x45, 0x48, 0x4D));
    return p;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

class TstCanvas : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { registerBuiltinNodes(m_registry); }
    void cardsMirrorTheProject();
    void quickAddAtTheEdgePutsTheWholeCardInView();
    void dropFromPaletteAddsNodeAndUndoRemovesIt();
    void wireByDraggingPortToPort();
    void illTypedWireIsRefusedWithTheModelsReason();
    void copyPasteKeepsInternalWireWithFreshIds();
    void tenMixedEditsUndoAndRedoToIdenticalBytes();
    void runStatsShowOnCardsAndWires();
    void problemsShowOnCardsAndTooltips();
    void wireTooltipShowsSchema();
    void quickAddSearchesAndAdds();
    void selectionByRubberBandAndCtrlClick();
    void draggingSeveralCardsIsOneMove();
    void middleButtonAndSpaceDragPan();
    void doubleClicks();
    void wheelZoomsAroundCursorWithinLimits();
    void emptyCanvasShowsHint();
    void pan200NodesFrameTimes();
    void screenshots();

private:
    NodeRegistry m_registry;
};

void TstCanvas::cardsMirrorTheProject() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    QCOMPARE(c.scene.nodeCount(), 17);
    NodeItem* clicks = c.scene.nodeItem("clicks");
    QVERIFY(clicks);
    QCOMPARE(clicks->title(), QString("Clicks"));
    QCOMPARE(clicks->typeId(), QString("source.clickstream"));
    QCOMPARE(clicks->pos(), QPointF(80, 240));
    QCOMPARE(clicks->cardRect().width(), NodeItem::kWidth);
    QVERIFY(c.scene.edgeItem("clicks.out>funnel.in"));
    // The window's `late` port exists, on the bottom edge; its `in` on the left, `out` right.
    NodeItem* funnel = c.scene.nodeItem("funnel");
    QVERIFY(funnel->isBottomPort("late", true));
    QCOMPARE(funnel->port("in", false)->pos.x(), 0.0);
    QCOMPARE(funnel->port("out", true)->pos.x(), NodeItem::kWidth);
    // The wire leaves clicks.out and arrives at funnel.in.
    EdgeItem* e = c.scene.edgeItem("clicks.out>funnel.in");
    const QPainterPath path = e->shape();
    QVERIFY(path.contains(clicks->portScenePos("out", true) + QPointF(2, 0)));
    QVERIFY(path.contains(funnel->portScenePos("in", false) - QPointF(2, 0)));
}

void TstCanvas::dropFromPaletteAddsNodeAndUndoRemovesIt() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    const std::string before = c.text();
    const QPoint dropAt = c.viewPos(QPointF(700, 700));
    QMimeData mime;
    mime.setData(GraphView::kNodeTypeMime, QByteArray("window.tumbling"));
    QDragEnterEvent enter(dropAt, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(c.view.viewport(), &enter);
    QVERIFY(enter.isAccepted());
    QDragMoveEvent move(dropAt, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(c.view.viewport(), &move);
    QVERIFY(move.isAccepted());
    QDropEvent drop(QPointF(dropAt), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(c.view.viewport(), &drop);
    QVERIFY(drop.isAccepted());

    QCOMPARE(static_cast<int>(c.model.project().nodes.size()), 18);
    const NodeDef& added = c.model.project().nodes.back();
    QCOMPARE(added.type, std::string("window.tumbling"));
    QCOMPARE(added.id, std::string("tumbling"));
    QVERIFY(added.params.empty());  // defaults apply
    // The card is centred under the drop point, its header under the pointer.
    const QPointF dropScene = c.view.mapToScene(dropAt);
    const QRectF card = c.scene.nodeItem("tumbling")->sceneBoundingRect();
    QVERIFY2(card.contains(dropScene), qPrintable(QString("%1,%2").arg(added.x).arg(added.y)));
    QVERIFY(std::abs(added.x + NodeItem::kWidth / 2 - dropScene.x()) <= 20);
    QVERIFY(std::abs(added.y - dropScene.y()) <= 40);
    QCOMPARE(c.undo.undoText(), QString("Add Tumbling window"));
    QCOMPARE(c.scene.selectedNodeIds(), QStringList{"tumbling"});

    // Another type id than a node type is not accepted.
    QMimeData other;
    other.setData(GraphView::kNodeTypeMime, QByteArray("window.no_such"));
    QDropEvent bad(QPointF(dropAt), Qt::CopyAction, &other, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(c.view.viewport(), &bad);
    QCOMPARE(static_cast<int>(c.model.project().nodes.size()), 18);

    c.undo.undo();
    QCOMPARE(c.text(), before);
    QVERIFY(!c.scene.nodeItem("tumbling"));
    QCOMPARE(c.scene.nodeCount(), 17);
}

void TstCanvas::wireByDraggingPortToPort() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    const QString log = c.scene.addNode("sink.log", QPointF(760, 720));
    QCOMPARE(log, QString("log"));
    c.view.fitToView();
    QCoreApplication::processEvents();
    const int commands = c.undo.count();
    // Output to input.
    c.drag(c.portPos("clicks", "out", true), c.portPos("log", "in", false));
    QVERIFY(c.hasEdge("clicks.out>log.in"));
    QVERIFY(c.scene.edgeItem("clicks.out>log.in"));
    QCOMPARE(c.undo.count(), commands + 1);
    QCOMPARE(c.undo.undoText(), QString("Connect Clicks to Log"));
    QVERIFY(!c.scene.isWiring());
    // Input to output, dropped on the card's body near the port: snaps to it.
    const QString map = c.scene.addNode("transform.map", QPointF(1100, 720));
    c.view.fitToView();
    QCoreApplication::processEvents();
    const QPointF outPort = c.scene.nodeItem("views_per_page")->portScenePos("out", true);
    c.drag(c.portPos(map, "in", false), c.viewPos(outPort - QPointF(8, 4)));
    QVERIFY(c.hasEdge("views_per_page.out>map.in"));
    // Esc cancels a drag: nothing is added.
    const int before = c.undo.count();
    QTest::mousePress(c.view.viewport(), Qt::LeftButton, {}, c.portPos("funnel", "out", true));
    QTest::mouseMove(c.view.viewport(), c.portPos(map, "in", false) + QPoint(40, 40));
    QVERIFY(c.scene.isWiring());
    QTest::keyClick(c.view.viewport(), Qt::Key_Escape);
    QVERIFY(!c.scene.isWiring());
    QTest::mouseRelease(c.view.viewport(), Qt::LeftButton, {}, c.portPos(map, "in", false));
    QCOMPARE(c.undo.count(), before);
}

void TstCanvas::illTypedWireIsRefusedWithTheModelsReason() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    const QString filter = c.scene.addNode("transform.filter", QPointF(760, 720));
    c.undo.push(new SetParamCommand(&c.model, filter, "where", Json("temperature > 30")));
    c.view.fitToView();
    QCoreApplication::processEvents();
    QSignalSpy refused(&c.scene, &GraphScene::wireRefused);
    const int commands = c.undo.count();

    // clicks has no `temperature`: the filter's rule refuses the input.
    const QString expected =
        c.model.checkConnection(EdgeDef{"clicks", "out", filter.toStdString(), "in"});
    QVERIFY(expected.contains("temperature"));
    const QPoint from = c.portPos("clicks", "out", true), to = c.portPos(filter, "in", false);
    QTest::mousePress(c.view.viewport(), Qt::LeftButton, {}, from);
    QTest::mouseMove(c.view.viewport(),
                     QPoint(3, c.view.viewport()->height() - 3));  // empty canvas
    QCOMPARE(c.scene.wireHint(), QString());
    QTest::mouseMove(c.view.viewport(), to);
    QCOMPARE(c.scene.wireHint(), QString("✕ ") + expected);
    QTest::mouseRelease(c.view.viewport(), Qt::LeftButton, {}, to);
    QVERIFY(!c.hasEdge("clicks.out>" + filter + ".in"));
    QCOMPARE(c.undo.count(), commands);
    QCOMPARE(refused.count(), 1);
    QCOMPARE(refused.first().first().toString(), expected);
    QCOMPARE(c.scene.wireHint(), QString());

    // A second wire into a single input.
    const QString single = c.model.checkConnection(EdgeDef{"funnel", "out", "views_db", "in"});
    QVERIFY(single.contains("already has a wire"));
    c.drag(c.portPos("funnel", "out", true), c.portPos("views_db", "in", false));
    QVERIFY(!c.hasEdge("funnel.out>views_db.in"));
    QCOMPARE(refused.count(), 2);
    QCOMPARE(refused.last().first().toString(), single);
    QCOMPARE(c.undo.count(), commands);
}

void TstCanvas::copyPasteKeepsInternalWireWithFreshIds() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    const auto nodesBefore = c.model.project().nodes.size();
    const auto edgesBefore = c.model.project().edges.size();
    c.scene.selectNodes({"views_per_page", "views_db"});
    QCOMPARE(c.scene.selectedNodeIds(), (QStringList{"views_per_page", "views_db"}));
    c.scene.copySelection();
    QVERIFY(QApplication::clipboard()->mimeData()->hasFormat(kSubgraphMimeType));
    QVERIFY(QApplication::clipboard()->text().contains("views_per_page"));
    QSignalSpy selection(&c.scene, &GraphScene::selectionChangedToNodes);
    c.scene.paste();
    QCOMPARE(c.model.project().nodes.size(), nodesBefore + 2);
    QCOMPARE(c.model.project().edges.size(), edgesBefore + 1);
    QCOMPARE(c.undo.undoText(), QString("Paste 2 nodes"));
    const QStringList pasted = c.scene.selectedNodeIds();
    QCOMPARE(pasted.size(), 2);
    QCOMPARE(selection.count(), 1);
    QCOMPARE(selection.last().first().toStringList(), pasted);
    for (const QString& id : pasted) {
        QVERIFY(id != "views_per_page" && id != "views_db");
        QVERIFY(c.scene.nodeItem(id));
    }
    const EdgeDef& wire = c.model.project().edges.back();
    QCOMPARE(QString::fromStdString(wire.fromNode), pasted[0]);
    QCOMPARE(QString::fromStdString(wire.toNode), pasted[1]);
    QVERIFY(c.scene.edgeItem(edgeKey(wire)));
    // The copy keeps its parameters and sits offset from the original.
    const NodeDef* original = c.model.node("views_per_page");
    const NodeDef* copy = c.model.node(pasted[0]);
    QCOMPARE(copy->params, original->params);
    QVERIFY(copy->x != original->x || copy->y != original->y);

    // Duplicate (Ctrl+D on the view) does the same without the clipboard.
    c.view.setFocus();
    QTest::keyClick(&c.view, Qt::Key_D, Qt::ControlModifier);
    QCOMPARE(c.model.project().nodes.size(), nodesBefore + 4);
    QCOMPARE(c.model.project().edges.size(), edgesBefore + 2);
    QCOMPARE(c.undo.undoText(), QString("Duplicate 2 nodes"));
}

void TstCanvas::tenMixedEditsUndoAndRedoToIdenticalBytes() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    const std::string original = c.text();

    // 1. add
    const QString filter = c.scene.addNode("transform.filter", QPointF(1000, 700));
    c.view.fitToView();
    QCoreApplication::processEvents();
    // 2. move a card by dragging its header (one command, snapped to the grid)
    NodeItem* latency = c.scene.nodeItem("latency");
    const QPoint grab = c.viewPos(latency->mapToScene(QPointF(100, 10)));
    c.drag(grab, grab + QPoint(47, 23));
    QCOMPARE(c.undo.undoText(), QString("Move p99 latency per device"));
    const NodeDef* moved = c.model.node("latency");
    QCOMPARE(std::fmod(moved->x, 20.0), 0.0);
    QCOMPARE(std::fmod(moved->y, 20.0), 0.0);
    QVERIFY(moved->x != 360 || moved->y != 320);
    // 3. wire
    c.drag(c.portPos("clicks", "out", true), c.portPos(filter, "in", false));
    QVERIFY(c.hasEdge("clicks.out>" + filter + ".in"));
    // 4. parameter, 5. title
    c.undo.push(new SetParamCommand(&c.model, filter, "where", Json("event = 'purchase'")));
    c.undo.push(new SetTitleCommand(&c.model, filter, "Purchases"));
    // 6. copy + paste two wired nodes
    c.scene.selectNodes({"funnel", "funnel_db"});
    c.scene.copySelection();
    c.scene.paste();
    // 7. duplicate what was pasted
    c.scene.duplicateSelection();
    // 8. delete a node with the Delete key
    c.scene.selectNode("latency_db");
    c.view.setFocus();
    QTest::keyClick(&c.view, Qt::Key_Delete);
    QVERIFY(!c.model.node("latency_db"));
    // 9. delete a wire selected by clicking it
    EdgeItem* wire = c.scene.edgeItem("clicks.out>uniques.in");
    QSignalSpy activated(&c.scene, &GraphScene::edgeActivated);
    c.scene.clearSelection();
    QTest::mouseClick(c.view.viewport(), Qt::LeftButton, {},
                      c.viewPos(wire->path().pointAtPercent(0.5)));
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.first().first().toString(), QString("clicks.out>uniques.in"));
    QCOMPARE(c.scene.selectedEdgeKeys(), QStringList{"clicks.out>uniques.in"});
    c.scene.deleteSelection();
    QVERIFY(!c.hasEdge("clicks.out>uniques.in"));
    // 10. cut
    c.scene.selectNode("uniques");
    c.scene.cutSelection();
    QVERIFY(!c.model.node("uniques"));

    QCOMPARE(c.undo.count(), 10);
    const std::string edited = c.text();
    QVERIFY(edited != original);
    for (int i = 0; i < 10; ++i) c.undo.undo();
    QCOMPARE(c.text(), original);
    QCOMPARE(c.scene.nodeCount(), 17);
    QCOMPARE(c.scene.nodeItem("latency")->pos(), QPointF(360, 320));
    for (int i = 0; i < 10; ++i) c.undo.redo();
    QCOMPARE(c.text(), edited);
    QCOMPARE(c.scene.nodeCount(), static_cast<int>(c.model.project().nodes.size()));
    for (const EdgeDef& e : c.model.project().edges) QVERIFY(c.scene.edgeItem(edgeKey(e)));
}

void TstCanvas::runStatsShowOnCardsAndWires() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    NodeItem* clicks = c.scene.nodeItem("clicks");
    const double idleHeight = clicks->cardRect().height();
    QCOMPARE(clicks->rateText(), QString());
    NodeStats s1;
    s1.id = "clicks";
    s1.ratePerSecond = 48200;
    s1.errors = 3;
    NodeStats s2;
    s2.id = "funnel";
    s2.ratePerSecond = 12;
    s2.inRatePerSecond = 0.4;  // a bursty input, last seen 8 s ago
    s2.inIdleSeconds = 8.4;
    s2.queueFill = 0.9;
    s2.late = 1500;
    s2.stateKeys = 12345;
    s2.stateBytes = 4 * 1024 * 1024 + 200 * 1024;
    c.scene.setRunStats({s1, s2}, true);
    QCOMPARE(clicks->rateText(), QString("48.2 K/s"));
    QCOMPARE(clicks->errorsText(), QString("3 err"));
    QCOMPARE(clicks->lateText(), QString());
    QCOMPARE(c.scene.nodeItem("funnel")->lateText(), QString("1.50 K late"));
    // A node's card shows what flows in, with the age of the last event when it is bursty.
    QCOMPARE(c.scene.nodeItem("funnel")->rateText(), QString("24/min · 8 s ago"));
    // A stateful node shows what it holds; a source holds nothing and shows nothing.
    QCOMPARE(c.scene.nodeItem("funnel")->stateText(), QString("12.3 K keys · 4.2 MiB"));
    QCOMPARE(c.scene.nodeItem("funnel")->stateShortText(),
             QString("4.2 MiB"));  // when space is short
    QCOMPARE(clicks->stateText(), QString());
    QVERIFY(c.scene.nodeToolTip("funnel").contains("State: 12.3 K keys · 4.2 MiB"));
    QVERIFY(clicks->cardRect().height() > idleHeight);  // room for the pill
    EdgeItem* toFunnel = c.scene.edgeItem("clicks.out>funnel.in");
    QCOMPARE(toFunnel->rateText(), QString("48.2 K/s"));
    QCOMPARE(toFunnel->wireColor(), theme::backPressureColor(0.9, c.scene.palette()));
    QVERIFY(c.scene.edgeToolTip("clicks.out>funnel.in").contains("48.2 K/s"));
    // A node the engine reports nothing for (added after the start) shows no pill.
    QCOMPARE(c.scene.nodeItem("funnel_db")->rateText(), QString());

    c.scene.setRunStats({}, false);
    QCOMPARE(c.scene.nodeItem("funnel")->stateText(), QString());
    QCOMPARE(clicks->rateText(), QString());
    QCOMPARE(clicks->errorsText(), QString());
    QCOMPARE(toFunnel->rateText(), QString());
    QCOMPARE(toFunnel->wireColor(), theme::backPressureColor(0, c.scene.palette()));
    QCOMPARE(clicks->cardRect().height(), idleHeight);
}

void TstCanvas::problemsShowOnCardsAndTooltips() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    QVERIFY(c.scene.nodeItem("funnel")->problems().isEmpty());
    c.undo.push(new SetParamCommand(&c.model, "funnel", "size", Json("soon")));
    QTRY_VERIFY(!c.scene.nodeItem("funnel")->problems().isEmpty());
    const QStringList problems = c.model.problemsOf("funnel");
    QCOMPARE(c.scene.nodeItem("funnel")->problems(), problems);
    QVERIFY(c.scene.nodeToolTip("funnel").contains(problems.first().toHtmlEscaped()));
    c.undo.undo();
    QTRY_VERIFY(c.scene.nodeItem("funnel")->problems().isEmpty());
    QVERIFY(!c.scene.nodeToolTip("funnel").contains("Problem"));
}

void TstCanvas::wireTooltipShowsSchema() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    const QString tip = c.scene.edgeToolTip("clicks.out>funnel.in");
    const SchemaPtr schema = c.model.outputSchema("clicks", "out");
    QVERIFY(schema && schema->size() > 3);
    for (const Field& f : schema->fields())
        QVERIFY2(tip.contains(QString::fromStdString(f.name)), qPrintable(tip));
    QVERIFY(tip.contains("string"));
    QVERIFY(tip.contains("Clicks"));
    QVERIFY(c.scene.portToolTip("funnel", "out", true).contains("window_start"));
}

void TstCanvas::quickAddSearchesAndAdds() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    c.view.activateWindow();
    c.view.setFocus();
    QTest::keyClick(&c.view, Qt::Key_Tab);
    QuickAddPopup* popup = c.view.quickAddPopup();
    QVERIFY(popup->isVisible());
    const QStringList all = popup->listedTypeIds();
    QCOMPARE(all.size(), static_cast<int>(m_registry.all().size()));
    QTest::keyClicks(popup->searchField(), "tumb");
    QCOMPARE(popup->listedTypeIds().first(), QString("window.tumbling"));
    QVERIFY(popup->listedTypeIds().size() < all.size());
    // Descriptions match too.
    popup->searchField()->setText("condition is true");
    QVERIFY(popup->listedTypeIds().contains("transform.filter"));
    popup->searchField()->setText("tumbling");
    QTest::keyClick(popup->searchField(), Qt::Key_Return);
    QVERIFY(!popup->isVisible());
    QVERIFY(c.model.node("tumbling"));
    QCOMPARE(c.model.node("tumbling")->type, std::string("window.tumbling"));
    // Esc closes without adding.
    c.view.openQuickAddAt(QPoint(100, 100));
    QVERIFY(popup->isVisible());
    const int commands = c.undo.count();
    QTest::keyClick(popup->searchField(), Qt::Key_Escape);
    QVERIFY(!popup->isVisible());
    QCOMPARE(c.undo.count(), commands);
}

void TstCanvas::selectionByRubberBandAndCtrlClick() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    QSignalSpy spy(&c.scene, &GraphScene::selectionChangedToNodes);
    // A band from empty canvas above-right of the two cards to below-left of them.
    const QRectF a = c.scene.nodeItem("views_per_page")->sceneBoundingRect();
    const QRectF b = c.scene.nodeItem("views_db")->sceneBoundingRect();
    c.drag(c.viewPos(QPointF(b.right() + 20, a.top() - 25)),
           c.viewPos(QPointF(a.left() - 30, b.bottom() - 10)));
    QCOMPARE(c.scene.selectedNodeIds(), (QStringList{"views_per_page", "views_db"}));
    QVERIFY(spy.count() >= 1);
    QCOMPARE(spy.last().first().toStringList(), (QStringList{"views_per_page", "views_db"}));
    QCOMPARE(c.undo.count(), 0);
    // Ctrl-click toggles one card out of the selection and back in.
    const QPoint onFunnelDb = c.viewPos(c.scene.nodeItem("views_db")->mapToScene(QPointF(100, 50)));
    QTest::mouseClick(c.view.viewport(), Qt::LeftButton, Qt::ControlModifier, onFunnelDb);
    QCOMPARE(c.scene.selectedNodeIds(), QStringList{"views_per_page"});
    QTest::mouseClick(c.view.viewport(), Qt::LeftButton, Qt::ControlModifier, onFunnelDb);
    QCOMPARE(c.scene.selectedNodeIds(), (QStringList{"views_per_page", "views_db"}));
    // A plain click on empty canvas clears it.
    QTest::mouseClick(c.view.viewport(), Qt::LeftButton, {}, QPoint(3, 3));
    QCOMPARE(c.scene.selectedNodeIds(), QStringList());
    QCOMPARE(spy.last().first().toStringList(), QStringList());
    // Select all takes cards and wires.
    c.scene.selectAll();
    QCOMPARE(c.scene.selectedNodeIds().size(), 17);
    QCOMPARE(c.scene.selectedEdgeKeys().size(), 16);
}

void TstCanvas::draggingSeveralCardsIsOneMove() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    c.scene.selectNodes({"funnel", "funnel_db"});
    const QPoint grab = c.viewPos(c.scene.nodeItem("funnel")->mapToScene(QPointF(100, 12)));
    c.drag(grab, grab + QPoint(0, c.viewPos(QPointF(0, 60)).y() - c.viewPos(QPointF(0, 0)).y()));
    QCOMPARE(c.undo.count(), 1);
    QCOMPARE(c.model.node("funnel")->y, 240.0);
    QCOMPARE(c.model.node("funnel_db")->y, 240.0);
    QCOMPARE(c.model.node("funnel")->x, 360.0);
    // The wires followed.
    EdgeItem* e = c.scene.edgeItem("funnel.out>funnel_db.in");
    QCOMPARE(e->path().pointAtPercent(0), c.scene.nodeItem("funnel")->portScenePos("out", true));
    c.undo.undo();
    QCOMPARE(c.scene.nodeItem("funnel")->pos(), QPointF(360, 180));
    QCOMPARE(e->path().pointAtPercent(0), c.scene.nodeItem("funnel")->portScenePos("out", true));
    // Esc during a drag puts the cards back and records nothing.
    QTest::mousePress(c.view.viewport(), Qt::LeftButton, {}, grab);
    QTest::mouseMove(c.view.viewport(), grab + QPoint(30, 30));
    QTest::mouseMove(c.view.viewport(), grab + QPoint(80, 80));
    QVERIFY(c.scene.nodeItem("funnel")->pos() != QPointF(360, 180));
    QTest::keyClick(c.view.viewport(), Qt::Key_Escape);
    QCOMPARE(c.scene.nodeItem("funnel")->pos(), QPointF(360, 180));
    QTest::mouseRelease(c.view.viewport(), Qt::LeftButton, {}, grab + QPoint(80, 80));
    QCOMPARE(c.undo.index(), 0);
}

void TstCanvas::middleButtonAndSpaceDragPan() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    const QPoint from(700, 400);
    const QPointF sceneAt = c.view.mapToScene(from);
    QTest::mousePress(c.view.viewport(), Qt::MiddleButton, {}, from);
    QTest::mouseMove(c.view.viewport(), from + QPoint(60, 30));
    QTest::mouseMove(c.view.viewport(), from + QPoint(120, 60));
    QTest::mouseRelease(c.view.viewport(), Qt::MiddleButton, {}, from + QPoint(120, 60));
    // The scene point that was under the cursor moved with it.
    QVERIFY(QLineF(c.view.mapToScene(from + QPoint(120, 60)), sceneAt).length() < 2);
    QCOMPARE(c.scene.selectedNodeIds(), QStringList());
    // Space+drag pans even when it starts on a card, and moves nothing.
    c.view.setFocus();
    const QPoint onCard = c.viewPos(c.scene.nodeItem("funnel")->mapToScene(QPointF(100, 12)));
    const QPointF cardAt = c.view.mapToScene(onCard);
    QTest::keyPress(&c.view, Qt::Key_Space);
    c.drag(onCard, onCard + QPoint(-100, 40));
    QTest::keyRelease(&c.view, Qt::Key_Space);
    QVERIFY(QLineF(c.view.mapToScene(onCard + QPoint(-100, 40)), cardAt).length() < 2);
    QCOMPARE(c.undo.count(), 0);
    QCOMPARE(c.scene.nodeItem("funnel")->pos(), QPointF(360, 180));
}

void TstCanvas::doubleClicks() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    QSignalSpy activated(&c.scene, &GraphScene::nodeActivated);
    const QPoint onCard = c.viewPos(c.scene.nodeItem("latency")->mapToScene(QPointF(100, 50)));
    QTest::mouseDClick(c.view.viewport(), Qt::LeftButton, {}, onCard);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.first().first().toString(), QString("latency"));
    QVERIFY(!c.view.quickAddPopup()->isVisible());
    // On empty canvas: quick-add, adding where the double-click was.
    const QPoint empty(60, 700);
    QTest::mouseDClick(c.view.viewport(), Qt::LeftButton, {}, empty);
    QVERIFY(c.view.quickAddPopup()->isVisible());
    QCOMPARE(c.view.quickAddPopup()->scenePos(), c.view.mapToScene(empty));
    c.view.quickAddPopup()->searchField()->setText("Log");
    QTest::keyClick(c.view.quickAddPopup()->searchField(), Qt::Key_Enter);
    QVERIFY(c.model.node("log"));
    QVERIFY(c.scene.nodeItem("log")->sceneBoundingRect().contains(c.view.mapToScene(empty)));
}

void TstCanvas::wheelZoomsAroundCursorWithinLimits() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    const QPointF at(300, 200);
    const QPointF sceneBefore = c.view.mapToScene(at.toPoint());
    const double z0 = c.view.zoom();
    QWheelEvent wheel(at, c.view.viewport()->mapToGlobal(at), QPoint(), QPoint(0, 120),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(c.view.viewport(), &wheel);
    QVERIFY(c.view.zoom() > z0 * 1.1);
    const QPointF sceneAfter = c.view.mapToScene(at.toPoint());
    QVERIFY(QLineF(sceneBefore, sceneAfter).length() < 2.0 / c.view.zoom() + 1);
    for (int i = 0; i < 40; ++i) c.view.zoomIn();
    QCOMPARE(c.view.zoom(), 4.0);
    for (int i = 0; i < 60; ++i) c.view.zoomOut();
    QCOMPARE(c.view.zoom(), 0.1);
    c.view.fitToView();
    QVERIFY(c.view.mapToScene(c.view.viewport()->rect())
                .boundingRect()
                .contains(c.scene.nodesBoundingRect()));
}

void TstCanvas::emptyCanvasShowsHint() {
    Canvas c(m_registry, Project{});
    QCOMPARE(c.scene.nodeCount(), 0);
    const QImage shot = c.view.grab().toImage();
    // The hint's text darkens pixels in the middle row of an otherwise even background.
    const QColor bg = shot.pixelColor(5, 5);
    int differing = 0;
    for (int y = shot.height() / 2 - 12; y < shot.height() / 2 + 12; ++y)
        for (int x = shot.width() / 4; x < shot.width() * 3 / 4; ++x)
            if (std::abs(shot.pixelColor(x, y).lightness() - bg.lightness()) > 40) ++differing;
    QVERIFY(differing > 200);

    // The first card makes the whole hint go: the repaint covers the viewport, not just the card
    // (the hint used to stay drawn around a new card, crossed by its wires).
    struct PaintRegions : QObject {
        QRegion painted;
        bool eventFilter(QObject*, QEvent* e) override {
            if (e->type() == QEvent::Paint) painted += static_cast<QPaintEvent*>(e)->region();
            return false;
        }
    } regions;
    c.view.viewport()->installEventFilter(&regions);
    QCoreApplication::processEvents();
    regions.painted = QRegion();
    c.scene.addNode("transform.filter", c.view.mapToScene(QPoint(100, 100)));
    QTRY_VERIFY(!regions.painted.isEmpty());
    QCoreApplication::processEvents();
    QVERIFY2(regions.painted.contains(c.view.viewport()->rect().center()),
             "the hint in the middle of the viewport is repainted");
    c.view.viewport()->removeEventFilter(&regions);
}

void TstCanvas::quickAddAtTheEdgePutsTheWholeCardInView() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    const QRect vp = c.view.viewport()->rect();
    c.view.openQuickAddAt(QPoint(vp.right() - 4, vp.bottom() - 4));
    QuickAddPopup* popup = c.view.quickAddPopup();
    QTRY_VERIFY(popup->isVisible());
    QLineEdit* search = popup->findChild<QLineEdit*>();
    QVERIFY(search);
    QTest::keyClicks(search, "filter");
    QTest::keyClick(search, Qt::Key_Return);
    QTRY_VERIFY(c.scene.nodeItem("filter"));
    const QRectF visible = c.view.mapToScene(vp).boundingRect();
    QVERIFY2(visible.contains(c.scene.nodeItem("filter")->sceneBoundingRect()),
             "the new card is all in view");
}

void TstCanvas::pan200NodesFrameTimes() {
    Canvas c(m_registry, generatedProject());
    QCOMPARE(c.scene.nodeCount(), 200);
    // The first frame after a zoom renders each visible card into its cache; panning then moves
    // the cached pixmaps.
    auto measure = [&](const char* label) {
        QElapsedTimer timer;
        timer.start();
        c.view.viewport()->repaint();
        const double zoomFrame = static_cast<double>(timer.nsecsElapsed()) / 1e6;
        std::vector<double> frames;
        for (int i = 0; i < 60; ++i) {
            timer.start();
            QScrollBar* bar = c.view.horizontalScrollBar();
            bar->setValue(bar->value() + (i < 30 ? 10 : -10));
            c.view.viewport()->repaint();
            frames.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
        }
        qInfo(
            "pan, %s (zoom %.0f %%): max %.2f ms, median %.2f ms; first frame after the zoom %.2f "
            "ms",
            label, c.view.zoom() * 100, *std::max_element(frames.begin(), frames.end()),
            median(frames), zoomFrame);
    };
    c.view.fitToView();
    measure("all 200 nodes in view");
    c.view.resetZoom();
    measure("100 % zoom");
    // Wheel zoom steps around 100 %: every visible card is drawn again at the new scale.
    std::vector<double> zooms;
    for (int i = 0; i < 12; ++i) {
        QElapsedTimer timer;
        timer.start();
        c.view.setZoom(c.view.zoom() * (i % 4 < 2 ? 1.2 : 1 / 1.2), QPointF(700, 400));
        c.view.viewport()->repaint();
        zooms.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
    }
    qInfo("zoom steps around 100 %%: max %.2f ms, median %.2f ms",
          *std::max_element(zooms.begin(), zooms.end()), median(zooms));
    QVector<NodeStats> stats;
    for (const NodeDef& n : c.model.project().nodes) {
        NodeStats s;
        s.id = QString::fromStdString(n.id);
        s.ratePerSecond = 12345;
        s.queueFill = 0.4;
        stats.append(s);
    }
    c.scene.setRunStats(stats, true);
    c.view.fitToView();
    measure("running, all 200 nodes in view");
    // Ten metrics updates (the bridge samples ten a second): every pill and wire label changes.
    std::vector<double> updates;
    for (int i = 0; i < 10; ++i) {
        for (NodeStats& s : stats) s.ratePerSecond = 1000 + 997 * i;
        QElapsedTimer timer;
        timer.start();
        c.scene.setRunStats(stats, true);
        c.view.viewport()->repaint();
        updates.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
    }
    qInfo("metrics update of 200 nodes, all in view: max %.2f ms, median %.2f ms",
          *std::max_element(updates.begin(), updates.end()), median(updates));
}

void TstCanvas::screenshots() {
    Canvas c(m_registry, loadExample("click_analytics.riffle"));
    c.view.fitToView();
    const QString light = QDir::tempPath() + "/canvas-light.png";
    QImage shot = c.view.grab().toImage();
    QVERIFY(shot.save(light));
    QVERIFY(shot.pixelColor(3, 3).lightness() > 200);
    // The source's header strip is teal.
    NodeItem* clicks = c.scene.nodeItem("clicks");
    const QPoint header = c.viewPos(clicks->mapToScene(QPointF(NodeItem::kWidth - 30, 6)));
    QCOMPARE(shot.pixelColor(header).name(), theme::categoryColor("source").name());

    // Hovering a window shows its `late` and `errors` ports; dragging a wire onto a port that
    // refuses it shows why.
    const QString filter = c.scene.addNode("transform.filter", QPointF(1000, 620));
    c.undo.push(new SetParamCommand(&c.model, filter, "where", Json("temperature > 30")));
    c.scene.clearSelection();
    c.view.fitToView();
    QCoreApplication::processEvents();
    QTest::mouseMove(c.view.viewport(),
                     c.viewPos(c.scene.nodeItem("funnel")->mapToScene(QPointF(100, 50))));
    QTest::mousePress(c.view.viewport(), Qt::LeftButton, {}, c.portPos("clicks", "out", true));
    QTest::mouseMove(c.view.viewport(), c.portPos(filter, "in", false) + QPoint(2, 2));
    QVERIFY(!c.scene.wireHint().isEmpty());
    QVERIFY(c.view.grab().save(QDir::tempPath() + "/canvas-wiring.png"));
    QTest::keyClick(c.view.viewport(), Qt::Key_Escape);
    QTest::mouseRelease(c.view.viewport(), Qt::LeftButton, {}, c.portPos(filter, "in", false));
    c.undo.undo();
    c.undo.undo();
    c.view.fitToView();
    QTest::mouseMove(c.view.viewport(), QPoint(5, 5));
    c.view.openQuickAddAt(QPoint(300, 200));
    QTest::keyClicks(c.view.quickAddPopup()->searchField(), "win");
    QVERIFY(c.view.quickAddPopup()->grab().save(QDir::tempPath() + "/canvas-quickadd.png"));
    QTest::keyClick(c.view.quickAddPopup()->searchField(), Qt::Key_Escape);

    c.view.setPalette(darkPalette());
    QVector<NodeStats> stats;
    const std::pair<const char*, double> rates[] = {{"clicks", 5000},
                                                    {"views_per_page", 0.8},
                                                    {"funnel", 0.02},
                                                    {"latency", 0.6},
                                                    {"uniques", 0.02}};
    for (const auto& [id, rate] : rates) {
        NodeStats s;
        s.id = id;
        s.ratePerSecond = rate;
        s.queueFill = std::string(id) == "latency" ? 0.7 : 0.05;
        s.late = std::string(id) == "latency" ? 42 : 0;
        stats.append(s);
    }
    c.scene.setRunStats(stats, true);
    c.scene.selectNode("funnel");
    QCoreApplication::processEvents();
    shot = c.view.grab().toImage();
    QVERIFY(shot.save(QDir::tempPath() + "/canvas-dark.png"));
    QVERIFY(shot.pixelColor(3, 3).lightness() < 80);
    qInfo("screenshots: %s, %s", qPrintable(light),
          qPrintable(QDir::tempPath() + "/canvas-dark.png"));
}

QTEST_MAIN(TstCanvas)
#include "tst_canvas.moc"
