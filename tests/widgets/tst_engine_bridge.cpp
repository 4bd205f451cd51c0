// The engine -> UI bridge: a project runs on the engine's threads while the GUI thread's event
// loop stays free, metrics arrive as signals, and stop ends the run cleanly.
#include <QtTest/QtTest>

#include "nodes/register_builtin_nodes.h"
#include "widgets/runtime/engine_bridge.h"
#include "widgets/runtime/rate_meter.h"
#include "widgets/style/theme.h"

using namespace riffle;

class TstEngineBridge : public QObject {
    Q_OBJECT
private slots:
    void runsAProjectAndReportsMetrics();
    void stopEndsAnEndlessRun();
    void invalidProjectIsRefusedWithProblems();
    void ratesOfBurstyStreamsAreAveragedOverTheirBursts();
    void ratesReadAsAPersonWouldSayThem();
};

static Project clicksProject(Json clickParams) {
    auto p =
        Project::load(std::string(RIFFLE_SOURCE_DIR) + "/projects/metrics_alerts_basic.riffle");
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
    QCOMPARE(bridge.start(clicksProject(
                 {{"realtime", false}, {"limit", 20000}, {"start", "2026-01-01T00:00:00Z"}})),
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
    QCOMPARE(problems,
             QStringList({"source `metrics`: `hosts` must be a whole number, got `many`"}));
    QVERIFY(!bridge.isRunning());
}

void TstEngineBridge::ratesOfBurstyStreamsAreAveragedOverTheirBursts() {
    // Samples every 100 ms, as the bridge takes them. A source makes 5000 events/s; a window
    // behind it emits 100 rows every 10 s (at 10 s, 20 s, ...).
    constexpr int64_t kMs = 1'000'000;
    RateMeter source, window;
    int64_t windowRows = 0;
    for (int64_t t = 0; t <= 95'000; t += 100) {
        if (t > 0 && t % 10'000 == 0) windowRows += 100;
        source.add(t * kMs, t * 5);
        window.add(t * kMs, windowRows);
        if (t == 35'000) {
            // 300 rows in 35 s, the last 5 s ago; the old 100 ms rate read 0 here.
            QVERIFY(window.isBursty());
            QCOMPARE(window.perSecond(), 300.0 / 35.0);
            QCOMPARE(window.idleSeconds(), 5.0);
            QCOMPARE(theme::formatRate(window.perSecond(), window.idleSeconds()),
                     QString("8.6/s · 5 s ago"));
        }
        if (t == 10'000) QCOMPARE(window.idleSeconds(), 0.0);
    }
    QVERIFY(!source.isBursty());
    QCOMPARE(source.perSecond(), 5000.0);
    QCOMPARE(source.idleSeconds(), 0.0);
    // Over the last 60 s: 600 rows.
    QCOMPARE(window.perSecond(), 10.0);
    QCOMPARE(theme::formatRate(window.perSecond(), window.idleSeconds()),
             QString("10/s · 5 s ago"));

    // A source that stops: its rate fades over a minute and says how long it has been quiet.
    for (int64_t t = 95'100; t <= 125'000; t += 100) source.add(t * kMs, 95'000 * 5);
    QVERIFY(source.isBursty());
    QCOMPARE(source.idleSeconds(), 30.0);
    QVERIFY(source.perSecond() > 0 && source.perSecond() < 5000);
    // Nothing yet: no age.
    RateMeter quiet;
    quiet.add(0, 0);
    quiet.add(100 * kMs, 0);
    QCOMPARE(quiet.idleSeconds(), -1.0);
    QCOMPARE(theme::formatRate(quiet.perSecond(), quiet.idleSeconds()), QString("0/s"));
}

void TstEngineBridge::ratesReadAsAPersonWouldSayThem() {
    QCOMPARE(theme::formatRate(48200), QString("48.2 K/s"));
    QCOMPARE(theme::formatRate(12), QString("12/s"));
    QCOMPARE(theme::formatRate(0.4), QString("24/min"));
    QCOMPARE(theme::formatRate(1.0 / 60), QString("1/min"));
    QCOMPARE(theme::formatRate(0), QString("0/s"));
    QCOMPARE(theme::formatRate(3.2, 1.5), QString("3.2/s"));
    QCOMPARE(theme::formatRate(3.2, 150), QString("3.2/s · 2 min ago"));
}

QTEST_MAIN(TstEngineBridge)
#include "tst_engine_bridge.moc"
