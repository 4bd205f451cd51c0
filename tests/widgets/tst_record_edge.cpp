// "Record…" on a wire's context menu: adds a sink.recording fed from the wire's source port, as
// one undo step; cancelling the file dialog adds nothing.
#include <QMenu>
#include <QUndoStack>
#include <QtTest/QtTest>

#include "nodes/register_builtin_nodes.h"
#include "widgets/canvas/edge_item.h"
#include "widgets/canvas/graph_scene.h"
#include "widgets/canvas/node_item.h"
#include "widgets/model/graph_model.h"

using namespace riffle;

namespace {

Project clicksToLog() {
    Project p;
    p.name = "Record me";
    NodeDef src;
    src.id = "clicks";
    src.type = "source.clickstream";
    NodeDef log;
    log.id = "log";
    log.type = "sink.log";
    log.x = 300;
    p.nodes = {src, log};
    p.edges = {EdgeDef{"clicks", "out", "log", "in"}};
    return p;
}

QAction* recordAction(QMenu& menu) {
    for (QAction* a : menu.actions())
        if (a->objectName() == "recordEdge") return a;
    return nullptr;
}

}  // namespace

class TstRecordEdge : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { registerBuiltinNodes(m_registry); }
    void recordAddsSinkAndUndoRemovesIt();
    void cancelAddsNothing();

private:
    NodeRegistry m_registry;
};

void TstRecordEdge::recordAddsSinkAndUndoRemovesIt() {
    QTemporaryDir dir;
    GraphModel model(m_registry);
    QUndoStack undo;
    GraphScene scene(&model, &undo);
    model.setProject(clicksToLog());
    const std::string before = model.project().toJsonText();
    const QString wire = edgeKey(model.project().edges[0]);
    QVERIFY(scene.edgeItem(wire));

    QString suggested;
    const QString chosen = dir.filePath("clicks");  // the user typed no extension
    scene.askRecordingPath = [&](const QString& s) {
        suggested = s;
        return chosen;
    };
    QMenu menu;
    scene.fillEdgeMenu(menu, wire);
    QAction* record = recordAction(menu);
    QVERIFY(record);
    QCOMPARE(record->text(), QString("Record…"));
    record->trigger();

    QVERIFY(suggested.endsWith("/clicks.riffle-rec"));
    const NodeDef* node = model.node("recording");
    QVERIFY(node);
    QCOMPARE(QString::fromStdString(node->type), QString("sink.recording"));
    QCOMPARE(QString::fromStdString(node->params["path"].get<std::string>()),
             chosen + ".riffle-rec");
    EdgeDef added{"clicks", "out", "recording", "in"};
    QVERIFY(model.edgeIndex(edgeKey(added)) >= 0);
    QVERIFY(model.edgeIndex(wire) >= 0);  // the recorded wire stays
    QVERIFY(scene.nodeItem("recording"));
    QVERIFY(scene.edgeItem(edgeKey(added)));
    QVERIFY2(model.problemsOf("recording").isEmpty(),
             qPrintable(model.problemsOf("recording").join("; ")));
    QCOMPARE(undo.count(), 1);
    QCOMPARE(undo.undoText(), QString("Record clicks.out"));

    undo.undo();
    QVERIFY(!model.node("recording"));
    QVERIFY(model.edgeIndex(edgeKey(added)) < 0);
    QVERIFY(!scene.nodeItem("recording"));
    QCOMPARE(model.project().toJsonText(), before);
    undo.redo();
    QVERIFY(model.node("recording"));
    QVERIFY(model.edgeIndex(edgeKey(added)) >= 0);
}

void TstRecordEdge::cancelAddsNothing() {
    GraphModel model(m_registry);
    QUndoStack undo;
    GraphScene scene(&model, &undo);
    model.setProject(clicksToLog());
    const std::string before = model.project().toJsonText();
    scene.askRecordingPath = [](const QString&) { return QString(); };
    QMenu menu;
    scene.fillEdgeMenu(menu, edgeKey(model.project().edges[0]));
    QAction* record = recordAction(menu);
    QVERIFY(record);
    record->trigger();
    QCOMPARE(undo.count(), 0);
    QCOMPARE(model.project().toJsonText(), before);
    // No menu entry for a wire that does not exist.
    QMenu none;
    scene.fillEdgeMenu(none, "nowhere.out->nobody.in");
    QVERIFY(none.isEmpty());
}

QTEST_MAIN(TstRecordEdge)
#include "tst_record_edge.moc"
