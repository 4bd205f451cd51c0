// The physical plan (engine/plan/physical_plan.h): what the planner decides for the example
// projects, printed as `riffle-run --explain` prints it and compared with golden files in
// tests/plans/ (PROJECT.pP.txt: 2 worker threads, source parallelism P). A change to the
// planner shows in review as a change of these files. RIFFLE_PLAN_UPDATE=1 rewrites them; read
// every changed line before committing it.
//
// Besides the golden text, the rules themselves are checked on the plan object: fusion, shares
// of a parallel source, two-phase splits and their reasons, and that the executor runs exactly
// the plan it was given.
#include <QtTest/QtTest>

#include <deque>

#include "engine/graph/graph_validator.h"
#include "engine/graph/project.h"
#include "engine/plan/physical_plan.h"
#include "engine/runtime/executor.h"
#include "nodes/register_builtin_nodes.h"

using namespace riffle;

namespace {

QString sourceDir() {
    return QStringLiteral(RIFFLE_SOURCE_DIR);
}

// Example projects whose plans are golden, relative to projects/.
const char* const kExamples[] = {
    "click_analytics.riffle",      "clicks_to_sqlite.riffle", "fraud_alerts.riffle",
    "metrics_alerts_basic.riffle", "sensors_mqtt.riffle",     "nexmark/q0.riffle",
    "nexmark/q1.riffle",           "nexmark/q2.riffle",       "nexmark/q3.riffle",
    "nexmark/q5.riffle",           "nexmark/q7.riffle",       "nexmark/q8.riffle"};

class TstPlan : public QObject {
    Q_OBJECT
    NodeRegistry m_registry;
    std::deque<Project> m_projects;  // a ValidatedGraph points into its project

    ValidatedGraph load(const QString& relative) {
        auto project = Project::load((sourceDir() + "/projects/" + relative).toStdString());
        if (!project) {
            qWarning("%s", project.message().c_str());
            return {};
        }
        m_projects.push_back(std::move(project.value()));
        return validateProject(m_projects.back(), m_registry);
    }
    ValidatedGraph fromText(const std::string& text) {
        auto project = Project::fromJsonText(text);
        if (!project) {
            qWarning("%s", project.message().c_str());
            return {};
        }
        m_projects.push_back(std::move(project.value()));
        return validateProject(m_projects.back(), m_registry);
    }
    static const PlanNode& nodeOf(const ValidatedGraph& g, const PhysicalPlan& p, const char* id) {
        return p.nodes[static_cast<size_t>(g.indexOf(id))];
    }

private slots:
    void initTestCase() { registerBuiltinNodes(m_registry); }

    void examplePlansMatchTheirGoldenFiles_data() {
        QTest::addColumn<QString>("project");
        QTest::addColumn<int>("parallelism");
        for (const char* p : kExamples)
            for (int parallelism : {1, 2})
                QTest::newRow(qPrintable(QStringLiteral("%1 p%2").arg(p).arg(parallelism)))
                    << QString(p) << parallelism;
    }
    void examplePlansMatchTheirGoldenFiles() {
        QFETCH(QString, project);
        QFETCH(int, parallelism);
        const ValidatedGraph graph = load(project);
        QVERIFY2(graph.ok() && !graph.nodes.empty(),
                 graph.problems.empty() ? "not loaded" : graph.problems.front().message.c_str());
        PlanOptions options;
        options.threads = 2;
        options.sourceParallelism = parallelism;
        const QString text = QString::fromStdString(explainPlan(graph, makePlan(graph, options)));
        QString name = project;
        name.replace('/', '_').replace(".riffle", "");
        const QString golden =
            QStringLiteral("%1/tests/plans/%2.p%3.txt").arg(sourceDir(), name).arg(parallelism);
        if (qEnvironmentVariableIsSet("RIFFLE_PLAN_UPDATE")) {
            QDir().mkpath(QFileInfo(golden).path());
            QFile f(golden);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(text.toUtf8());
        }
        QFile f(golden);
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable("no golden plan " + golden));
        const QString expected = QString::fromUtf8(f.readAll());
        if (text != expected) {
            const QStringList a = text.split('\n'), e = expected.split('\n');
            for (qsizetype i = 0; i < std::max(a.size(), e.size()); ++i) {
                const QString al = i < a.size() ? a[i] : "<end>",
                              el = i < e.size() ? e[i] : "<end>";
                if (al != el)
                    QFAIL(qPrintable(QStringLiteral("%1 line %2:\n  got:      %3\n  expected: %4")
                                         .arg(golden)
                                         .arg(i + 1)
                                         .arg(al, el)));
            }
        }
    }

    // click_analytics: the stateless nodes behind the source share its task, every window and
    // chart heads its own, and each queue is counted once.
    void statelessNodesAreFusedIntoTheirProducer() {
        const ValidatedGraph g = load("click_analytics.riffle");
        QVERIFY(g.ok());
        const PhysicalPlan p = makePlan(g, PlanOptions{2, 64, 1});
        for (size_t i = 0; i < g.nodes.size(); ++i) {
            const LogicalNode& ln = g.nodes[i];
            const PlanNode& pn = p.nodes[i];
            QCOMPARE(pn.operators.size(), size_t(1));
            const PlanOperator& op = p.operators[static_cast<size_t>(pn.operators[0])];
            const bool fused = ln.spec->stateless && ln.inEdges.size() == 1;
            QCOMPARE(op.role, fused ? InstanceRole::Fused : InstanceRole::Single);
            if (fused) {
                const ResolvedEdge& e = g.edges[static_cast<size_t>(ln.inEdges[0])];
                const PlanNode& producer = p.nodes[static_cast<size_t>(e.from)];
                QCOMPARE(op.task, p.operators[static_cast<size_t>(producer.operators[0])].task);
            }
        }
        int queued = 0;
        for (const PlanWire& w : p.wires) {
            const bool sameTask = p.operators[static_cast<size_t>(w.from)].task ==
                                  p.operators[static_cast<size_t>(w.to)].task;
            QCOMPARE(w.queued, !sameTask);
            queued += w.queued;
        }
        QCOMPARE(p.queues(), queued);
        QCOMPARE(p.wires.size(), g.edges.size());
        QCOMPARE(p.threads, 2);
    }

    // A parallel source runs as P shares, its fused chain once per share, and a window behind it
    // in two phases: P partials fused into the shares' tasks, one merger fed by P internal wires.
    void aParallelSourceSplitsAndItsWindowRunsInTwoPhases() {
        const ValidatedGraph g =
            fromText(R"json({"format": "riffle-project", "version": 1, "nodes": [
            {"id": "clicks", "type": "source.clickstream", "params": {"rate": 0, "limit": 1000}},
            {"id": "views", "type": "transform.filter", "params": {"where": "event = 'view'"}},
            {"id": "per_page", "type": "window.tumbling",
             "params": {"size": "10s", "group_by": ["page"],
                        "aggregates": [{"name": "n", "expr": "COUNT(*)"}]
}
},
            {"id": "out", "type": "sink.log", "params": {}}],
          "edges": [{"from": "clicks.out", "to": "views.in"},
                    {"from": "views.out", "to": "per_page.in"},
                    {"from": "per_page.out", "to": "out.in"}]
})json");
        QVERIFY2(g.ok(), g.problems.empty() ? "" : g.problems.front().message.c_str());
        const PhysicalPlan p = makePlan(g, PlanOptions{2, 16, 3});
        const PlanNode& clicks = nodeOf(g, p, "clicks");
        const PlanNode& views = nodeOf(g, p, "views");
        const PlanNode& window = nodeOf(g, p, "per_page");
        QCOMPARE(clicks.operators.size(), size_t(3));
        QCOMPARE(views.operators.size(), size_t(3));
        QCOMPARE(window.operators.size(), size_t(4));  // 3 partials + the merger, last
        QCOMPARE(window.merger, window.operators.back());
        QVERIFY(window.notCombined.empty());
        for (int k = 0; k < 3; ++k) {
            const PlanOperator& share = p.operators[static_cast<size_t>(clicks.operators[k])];
            QCOMPARE(share.role, InstanceRole::SourceShare);
            QCOMPARE(share.partition, k);
            QCOMPARE(p.operators[static_cast<size_t>(views.operators[k])].task, share.task);
            const PlanOperator& partial = p.operators[static_cast<size_t>(window.operators[k])];
            QCOMPARE(partial.role, InstanceRole::Partial);
            QCOMPARE(partial.task, share.task);
            QCOMPARE(partial.partition, k + 1);
        }
        int internal = 0;
        for (const PlanWire& w : p.wires) internal += w.internal && w.to == window.merger;
        QCOMPARE(internal, 3);
        // 3 tasks of shares, the merger's and the sink's.
        QCOMPARE(p.tasks.size(), size_t(5));
        QCOMPARE(p.queueCapacity, size_t(16));
        // The text says it in words.
        const std::string text = explainPlan(g, p);
        QVERIFY2(text.find("per_page (window.tumbling) · two-phase: merges 3 partials") !=
                     std::string::npos,
                 text.c_str());
        QVERIFY2(text.find("clicks (source.clickstream) · share 2 of 3 of the stream") !=
                     std::string::npos,
                 text.c_str());
    }

    // A window that cannot be split says why, in the plan and in its text.
    void aWindowThatCannotSplitSaysWhy() {
        const ValidatedGraph g =
            fromText(R"json({"format": "riffle-project", "version": 1, "nodes": [
            {"id": "clicks", "type": "source.clickstream", "params": {"rate": 0, "limit": 1000}},
            {"id": "per_page", "type": "window.tumbling",
             "params": {"size": "10s", "group_by": ["page"], "emit_every": "1s",
                        "aggregates": [{"name": "n", "expr": "COUNT(*)"}]
    }
    },
            {"id": "out", "type": "sink.log", "params": {}}],
          "edges": [{"from": "clicks.out", "to": "per_page.in"},
                    {"from": "per_page.out", "to": "out.in"}]
    })json");
        QVERIFY(g.ok());
        const PhysicalPlan p = makePlan(g, PlanOptions{2, 64, 2});
        const PlanNode& window = nodeOf(g, p, "per_page");
        QCOMPARE(window.operators.size(), size_t(1));
        QCOMPARE(window.merger, -1);
        QCOMPARE(window.notCombined, std::string("`emit_every` is set"));
        QVERIFY(explainPlan(g, p).find("one instance, not two-phase: `emit_every` is set") !=
                std::string::npos);
        // With one source instance there is nothing to split, and nothing to explain.
        QVERIFY(nodeOf(g, makePlan(g, PlanOptions{2, 64, 1}), "per_page").notCombined.empty());
    }

    // The executor runs the plan it reports: the same tasks, instances and queues.
    void theExecutorRunsThePlan() {
        const ValidatedGraph g = load("click_analytics.riffle");
        QVERIFY(g.ok());
        ExecutorOptions options;
        options.threads = 2;
        options.sourceParallelism = 2;
        auto exec = Executor::create(g, options);
        QVERIFY2(exec, exec ? "" : exec.message().c_str());
        const PhysicalPlan expected = makePlan(g, options);
        const PhysicalPlan& plan = exec.value()->plan();
        QCOMPARE(explainPlan(g, plan), explainPlan(g, expected));
        QCOMPARE(exec.value()->taskCount(), static_cast<int>(plan.tasks.size()));
        for (const RunNodeInfo& n : exec.value()->nodes())
            QCOMPARE(static_cast<size_t>(n.instances),
                     plan.nodes[static_cast<size_t>(g.indexOf(n.id))].operators.size());
    }
};

}  // namespace

QTEST_GUILESS_MAIN(TstPlan)
#include "tst_plan.moc"
