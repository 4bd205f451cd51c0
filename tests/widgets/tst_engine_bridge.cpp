// The engine -> UI bridge: a project runs on the engine's threads while the GUI thread's event
// loop stays free, metrics arrive as signals, and stop ends the run cleanly.
#include <QtTest/QtTest>

#include "nodes/register_builtin_nodes.h"
#include "widgets/runtime/engine_bridge.h"

using namespace riffle;

class TstEngineBridge : public QObject {
    Q_OBJECT
private slots:
    void runsAProjectAndReportsMetrics();
    void stopEndsAnEndlessRun();
    void invalidProjectIsRefusedWithProblems();
};

static Project clicksProject(Json clickParams) {
    auto p = Project::load(std::string(RIFFLE_SOURCE_DIR) + "/projects/metrics_alerts_basic.riffle");
    if (!p) qFatal("%s", p.message().c_str());
    Project project = std::move(p.value());
    // Keep the test's output out of the source tree: log only.
    project.edges.erase(std::remove_if(project.edges.begin(), project.edges.end(),
                                       [](const EdgeDef& e) { return e.toNode == "file"; }),
                        project.edges.end());
    project.nodes.erase(std::remove_if(project.nodes.begin(), project.nodes.end(),
                                       [](const NodeDef& n) { return n.id == "file"; }),
                        project.nodes.end());
    project.node("log")->params["limit"] = 0;
    for (auto& [k, v] : clickParams.items()) project.node("metrics")->params[k] = v;
    return project;
}

void TstEngineBridge::runsAProjectAndReportsMetrics() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    EngineBridge bridge(registry);
    bridge.setSampleIntervalMs(20);
    QSignalSpy finished(&bridge, &EngineBridge::finished);
    QSignalSpy updated(&bridge, &EngineBridge::statsUpdated);
    QCOMPARE(bridge.start(clicksProject({{"realtime", false}, {"limit", 20000}, {"start", "2026-01-01T00:00:00Z"}})),
             QStringList());
    QVERIFY(bridge.isRunning());
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().first().toString(), QString());
    QVERIFY(updated.count() >= 1);
    QCOMPARE(bridge.stats().size(), 3);
    QCOMPARE(bridge.stats()[0].id, QString("metrics"));
    QCOMPARE(bridge.stats()[0].eventsOut, qint64(20000));
    QCOMPARE(bridge.stats()[1].eventsIn, qint64(20000));
    QCOMPARE(bridge.stats()[2].eventsIn, bridge.stats()[1].eventsOut);
    QVERIFY(!bridge.isRunning());
}

void TstEngineBridge::stopEndsAnEndlessRun() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    EngineBridge bridge(registry);
    bridge.setSampleIntervalMs(20);
    QSignalSpy finished(&bridge, &EngineBridge::finished);
    QCOMPARE(bridge.start(clicksProject({{"hosts", 50}, {"interval_ms", 100}})), QStringList());
    QTRY_VERIFY_WITH_TIMEOUT(!bridge.stats().isEmpty() && bridge.stats()[0].eventsOut > 0, 10000);
    QVERIFY(finished.isEmpty());
    bridge.requestStop();
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().first().toString(), QString());
}

void TstEngineBridge::invalidProjectIsRefusedWithProblems() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    EngineBridge bridge(registry);
    Project p = clicksProject({{"hosts", "many"}});
    QStringList problems = bridge.start(p);
    QCOMPARE(problems, QStringList({"source `metrics`: `hosts` must be a whole number, got `many`"}));
    QVERIFY(!bridge.isRunning());
}

QTEST_MAIN(TstEngineBridge)
#include "tst_engine_bridge.moc"
