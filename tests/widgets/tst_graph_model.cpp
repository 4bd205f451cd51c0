// The studio's graph model and undo commands, without any widget: typed wires, undo to the
// identical saved bytes, copy/paste with fresh ids.
#include <QtTest/QtTest>
#include <QtWidgets/QtWidgets>

#include "nodes/register_builtin_nodes.h"
#include "widgets/model/commands.h"

using namespace riffle;

namespace {

EdgeDef wire(const std::string& from, const std::string& to) {
    EdgeDef e;
    const auto a = from.find('.'), b = to.find('.');
    e.fromNode = from.substr(0, a);
    e.fromPort = from.substr(a + 1);
    e.toNode = to.substr(0, b);
    e.toPort = to.substr(b + 1);
    return e;
}

NodeDef node(const std::string& id, const std::string& type, Json params = Json::object()) {
    NodeDef n;
    n.id = id;
    n.type = type;
    n.params = std::move(params);
    return n;
}

}  // namespace

class TstGraphModel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { registerBuiltinNodes(m_registry); }
    void init();
    void wiresAreTypeChecked();
    void tenMixedEditsUndoToTheSavedBytes();
    void pasteGivesFreshIdsAndKeepsInternalWires();
    void paramEditsMergeIntoOneUndoStep();
    void validationFollowsEdits();

private:
    NodeRegistry m_registry;
    std::unique_ptr<GraphModel> m_model;
    QUndoStack m_undo;
    std::string m_saved;
};

void TstGraphModel::init() {
    m_undo.clear();
    m_model = std::make_unique<GraphModel>(m_registry);
    auto p = Project::load(RIFFLE_SOURCE_DIR "/projects/click_analytics.riffle");
    QVERIFY(p);
    m_saved = p->toJsonText();
    m_model->setProject(std::move(p.value()));
}

void TstGraphModel::wiresAreTypeChecked() {
    GraphModel& m = *m_model;
    m_undo.push(
        new AddSubgraphCommand(&m,
                               {{node("needs_price", "transform.filter", {{"where", "price > 10"}}),
                                 node("ok", "transform.filter", {{"where", "amount > 10"}}),
                                 node("merge", "transform.union")},
                                {}},
                               "Add"));
    // A field the stream lacks: refused with the schema rule's own words.
    const QString why = m.checkConnection(wire("clicks.out", "needs_price.in"));
    QVERIFY2(why.contains("price"), qPrintable(why));
    QCOMPARE(m.checkConnection(wire("clicks.out", "ok.in")), QString());
    // Ports: direction, names, single inputs, self and cycles.
    QCOMPARE(m.checkConnection(wire("clicks.in", "ok.in")),
             QString("`in` is not an output of Clicks"));
    QCOMPARE(m.checkConnection(wire("clicks.out", "ok.out")),
             QString("`out` is not an input of Filter"));
    QCOMPARE(m.checkConnection(wire("views_per_page.out", "views_per_page.in")),
             QString("a node cannot feed itself"));
    QCOMPARE(m.checkConnection(wire("clicks.out", "views_per_page.in")),
             QString("these ports are already wired"));
    m_undo.push(new AddEdgeCommand(&m, wire("clicks.out", "ok.in")));
    QCOMPARE(m.checkConnection(wire("views_per_page.out", "ok.in")),
             QString("input `in` already has a wire; merge streams with a Union first"));
    m_undo.push(new AddEdgeCommand(&m, wire("ok.out", "merge.in")));
    QCOMPARE(m.checkConnection(wire("clicks.out", "merge.in")), QString());  // a union takes many
    QCOMPARE(m.checkConnection(wire("merge.out", "ok.in")),
             QString("input `in` already has a wire; merge streams with a Union first"));
    m_undo.push(new AddSubgraphCommand(
        &m, {{node("f2", "transform.filter", {{"where", "TRUE"}})}, {wire("merge.out", "f2.in")}},
        "Add"));
    QCOMPARE(m.checkConnection(wire("f2.out", "merge.in")),
             QString("the wire would close a cycle"));
    // The schema flowing on a wire is known.
    QCOMPARE(QString::fromStdString(m.outputSchema("ok", "out")->toString()),
             QString::fromStdString(m.outputSchema("clicks", "out")->toString()));
}

void TstGraphModel::tenMixedEditsUndoToTheSavedBytes() {
    GraphModel& m = *m_model;
    m_undo.push(new AddSubgraphCommand(&m, {{node("tumbling", "window.tumbling")}, {}},
                                       "Add Tumbling window"));  // 1
    m_undo.push(new MoveNodesCommand(
        &m,
        {{"tumbling", {QPointF(0, 0), QPointF(400, 300)}},
         {"clicks", {QPointF(m.node("clicks")->x, m.node("clicks")->y), QPointF(20, 20)}}}));  // 2
    m_undo.push(new AddEdgeCommand(&m, wire("clicks.out", "tumbling.in")));                    // 3
    m_undo.push(new SetParamCommand(&m, "tumbling", "size", "1m"));                            // 4
    m_undo.push(new SetTitleCommand(&m, "tumbling", "Per minute"));                            // 5
    m_undo.push(
        new RemoveItemsCommand(&m, {"funnel"}, {}));  // 6: a node with two wires, in the middle
    m_undo.push(new RemoveItemsCommand(&m, {}, {"latency.out>latency_db.in"}));  // 7
    const Subgraph copied = extractSubgraph(m, {"views_per_page", "views_db"});
    m_undo.push(
        new AddSubgraphCommand(&m, renameForPaste(m, copied, QPointF(40, 40)), "Paste"));  // 8
    m_undo.push(new SetParamCommand(&m, "clicks", "rate", 100));                           // 9
    m_undo.push(
        new SetParamCommand(&m, "views_per_page", "size", Json()));  // 10: back to the default
    QCOMPARE(m_undo.count(), 10);
    QCOMPARE(m_undo.text(5), QString("Delete Funnel per minute"));
    QCOMPARE(m_undo.text(3), QString("Change size of Tumbling window"));
    const std::string edited = m.project().toJsonText();
    QVERIFY(edited != m_saved);
    QVERIFY(!m.node("funnel"));
    QVERIFY(m.node("views_per_page_2") && m.node("views_db_2"));
    QCOMPARE(m.edgeIndex("views_per_page_2.out>views_db_2.in") >= 0, true);

    while (m_undo.canUndo()) m_undo.undo();
    QCOMPARE(m.project().toJsonText(), m_saved);
    while (m_undo.canRedo()) m_undo.redo();
    QCOMPARE(m.project().toJsonText(), edited);
}

void TstGraphModel::pasteGivesFreshIdsAndKeepsInternalWires() {
    GraphModel& m = *m_model;
    const Subgraph copied = extractSubgraph(m, {"clicks", "latency", "latency_db"});
    QCOMPARE(copied.nodes.size(), size_t(3));
    QCOMPARE(copied.edges.size(),
             size_t(2));  // clicks->latency, latency->latency_db; not clicks->others
    // Through the clipboard's JSON.
    auto back = Subgraph::fromJson(Json::parse(copied.toJson().dump()));
    QVERIFY(back);
    for (int round = 2; round <= 3; ++round) {
        const Subgraph pasted = renameForPaste(m, back.value(), QPointF(40, 40));
        m_undo.push(new AddSubgraphCommand(&m, pasted, "Paste"));
        const QString suffix = "_" + QString::number(round);
        for (const char* id : {"clicks", "latency", "latency_db"}) QVERIFY(m.node(id + suffix));
        QVERIFY(m.edgeIndex("clicks" + suffix + ".out>latency" + suffix + ".in") >= 0);
        QVERIFY(m.edgeIndex("latency" + suffix + ".out>latency_db" + suffix + ".in") >= 0);
        QCOMPARE(m.node("latency" + suffix)->x, m.node("latency")->x + 40);
    }
    QVERIFY(m.validated().ok());
    QCOMPARE(m.project().nodes.size(), size_t(17 + 6));
    QCOMPARE(m.project().edges.size(), size_t(16 + 4));
    QVERIFY(!Subgraph::fromJson(Json::parse("[1, 2]")));
}

void TstGraphModel::paramEditsMergeIntoOneUndoStep() {
    GraphModel& m = *m_model;
    for (const char* text : {"v", "vi", "vie", "view"})
        m_undo.push(new SetParamCommand(&m, "views_per_page", "group_by", Json::array({text})));
    QCOMPARE(m_undo.count(), 1);
    QCOMPARE(m.node("views_per_page")->params["group_by"], Json::array({"view"}));
    m_undo.undo();
    QCOMPARE(m.project().toJsonText(), m_saved);
    // Typing back to the old value leaves nothing to undo.
    m_undo.clear();
    m_undo.push(new SetParamCommand(&m, "clicks", "rate", 1));
    m_undo.push(new SetParamCommand(&m, "clicks", "rate", 5000));
    QCOMPARE(m_undo.count(), 0);
}

void TstGraphModel::validationFollowsEdits() {
    GraphModel& m = *m_model;
    QSignalSpy spy(&m, &GraphModel::validationChanged);
    QVERIFY(m.problemsOf("views_per_page").isEmpty());
    m_undo.push(new SetParamCommand(&m, "views_per_page", "size", 10));
    m_undo.push(new SetParamCommand(&m, "funnel", "size", "soon"));
    QVERIFY(spy.wait(1000));
    QCOMPARE(spy.count(), 1);  // one notification for a burst of edits
    QCOMPARE(m.problemsOf("views_per_page").size(), 1);
    QVERIFY2(
        m.problemsOf("views_per_page")[0].contains("`size` must be a duration like 10s, got `10`"),
        qPrintable(m.problemsOf("views_per_page")[0]));
    m_undo.undo();
    m_undo.undo();
    QVERIFY(m.validated().ok());
}

QTEST_MAIN(TstGraphModel)
#include "tst_graph_model.moc"
