// Project files (engine/graph/project.h) and graph validation: exact messages for bad input.
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/graph/graph_validator.h"
#include "engine/graph/project.h"
#include "engine/graph/project_diff.h"
#include "nodes/register_builtin_nodes.h"

using namespace riffle;

namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

QString loadError(const std::string& text) {
    auto r = Project::fromJsonText(text);
    return r.isOk() ? QString("(loaded)") : QString::fromStdString(r.message());
}

// A small valid project as text; tests break one thing at a time.
const char* kValid = R"({
  "edges": [
    {"from": "a.out", "to": "b.in"}
  ],
  "format": "riffle-project",
  "name": "t",
  "nodes": [
    {"id": "a", "params": {"limit": 10, "rate": 0}, "position": [0, 0], "type": "source.clickstream"},
    {"id": "b", "params": {}, "position": [200, 0], "type": "sink.log"}
  ],
  "version": 1
})";

QStringList problems(const std::string& text) {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    auto p = Project::fromJsonText(text);
    if (!p) return {"load: " + QString::fromStdString(p.message())};
    ValidatedGraph g = validateProject(p.value(), registry);
    QStringList out;
    for (const auto& pr : g.problems) out << QString::fromStdString(pr.message);
    return out;
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
    auto pos = s.find(from);
    if (pos == std::string::npos) qFatal("test text not found: %s", from.c_str());
    return s.replace(pos, from.size(), to);
}

}  // namespace

class TstProject : public QObject {
    Q_OBJECT
private slots:
    void exampleProjectsRoundTripByteForByte_data();
    void exampleProjectsRoundTripByteForByte();
    void exampleProjectsAreValid_data();
    void exampleProjectsAreValid();
    void unknownKeysSurviveASave();
    void nodesWithoutAPositionAreLaidOutByDepth();
    void canonicalFormIsSortedWithInlineLists();
    void newerVersionIsRefused();
    void malformedFilesNameThePlace_data();
    void malformedFilesNameThePlace();
    void deepNestingIsRefusedWithoutCrashing();
    void validationNamesNodeAndField_data();
    void validationNamesNodeAndField();
    void windowKeysOtherThanTheTopicsKeyAreAWarning();
    void overridesSetParameters();
    void onlyEditsThatChangeTheRunNeedARestart();
};

static void addProjectRows() {
    QTest::addColumn<QString>("path");
    const std::string root = RIFFLE_SOURCE_DIR;
    int n = 0;
    for (const char* dir : {"/projects", "/tests/compat"}) {
        for (const auto& e : std::filesystem::recursive_directory_iterator(root + dir)) {
            if (e.path().extension() != ".riffle") continue;
            QTest::newRow(e.path().lexically_relative(root).c_str())
                << QString::fromStdString(e.path().string());
            ++n;
        }
    }
    QVERIFY(n >= 2);
}

void TstProject::exampleProjectsRoundTripByteForByte_data() {
    addProjectRows();
}

void TstProject::exampleProjectsRoundTripByteForByte() {
    QFETCH(QString, path);
    const std::string text = readFile(path.toStdString());
    auto p = Project::fromJsonText(text);
    QVERIFY2(p.isOk(), p.message().c_str());
    if (path.contains("/compat/")) {
        // Old files need not be canonical, but saving twice must be stable.
        std::string once = p->toJsonText();
        QCOMPARE(QString::fromStdString(Project::fromJsonText(once)->toJsonText()),
                 QString::fromStdString(once));
    } else {
        QCOMPARE(QString::fromStdString(p->toJsonText()), QString::fromStdString(text));
    }
}

void TstProject::exampleProjectsAreValid_data() {
    addProjectRows();
}

void TstProject::exampleProjectsAreValid() {
    QFETCH(QString, path);
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    auto p = Project::load(path.toStdString());
    QVERIFY2(p.isOk(), p.message().c_str());
    ValidatedGraph g = validateProject(p.value(), registry);
    QStringList msgs;
    for (const auto& pr : g.problems) msgs << QString::fromStdString(pr.message);
    QVERIFY2(g.ok(), qPrintable(msgs.join("\n")));
}

// A project written by a script, without positions, opens laid out left to right by depth, not
// as a pile at (0, 0); nodes that have a position keep it, the others go below them.
void TstProject::nodesWithoutAPositionAreLaidOutByDepth() {
    const std::string nodes = R"([
        {"id": "a", "type": "source.file", "params": {}},
        {"id": "b", "type": "transform.filter", "params": {}},
        {"id": "c", "type": "sink.file", "params": {}},
        {"id": "d", "type": "sink.log", "params": {}}])";
    const std::string edges = R"([{"from": "a.out", "to": "b.in"}, {"from": "b.out", "to": "c.in"},
        {"from": "a.out", "to": "d.in"}])";
    auto p = Project::fromJsonText(R"({"format": "riffle-project", "version": 1, "nodes": )" +
                                   nodes + R"(, "edges": )" + edges + "}");
    QVERIFY2(p, p.message().c_str());
    auto at = [&](const char* id) { return QPointF(p->node(id)->x, p->node(id)->y); };
    QCOMPARE(at("a"), QPointF(40, 40));
    QCOMPARE(at("b"), QPointF(320, 40));
    QCOMPARE(at("c"), QPointF(600, 40));
    QCOMPARE(at("d"), QPointF(320, 200));

    // One node placed by hand: it stays, the others are laid out below it.
    std::string placed = nodes;
    const std::string first = R"("params": {}})";
    placed.replace(placed.find(first), first.size(), R"("params": {}, "position": [500, 300]})");
    p = Project::fromJsonText(R"({"format": "riffle-project", "version": 1, "nodes": )" + placed +
                              R"(, "edges": )" + edges + "}");
    QVERIFY2(p, p.message().c_str());
    QCOMPARE(at("a"), QPointF(500, 300));
    QCOMPARE(at("b"), QPointF(320, 460));
    QCOMPARE(at("c"), QPointF(600, 460));
    QCOMPARE(at("d"), QPointF(320, 620));
}

void TstProject::unknownKeysSurviveASave() {
    std::string text = replaced(kValid, "\"name\": \"t\",",
                                "\"name\": \"t\",\n  \"owner\": {\"team\": \"growth\"},");
    text = replaced(text, "\"id\": \"b\",", "\"id\": \"b\", \"color\": \"#ff0000\",");
    auto p = Project::fromJsonText(text);
    QVERIFY(p.isOk());
    Json out = Json::parse(p->toJsonText());
    QCOMPARE(QString::fromStdString(out["owner"]["team"].get<std::string>()), QString("growth"));
    QCOMPARE(QString::fromStdString(out["nodes"][1]["color"].get<std::string>()),
             QString("#ff0000"));
}

void TstProject::canonicalFormIsSortedWithInlineLists() {
    Project p;
    p.name = "Click analytics";
    NodeDef n;
    n.id = "w";
    n.type = "window.tumbling";
    n.x = 80;
    n.y = 120.5;
    n.params = {{"size", "10s"},
                {"group_by", {"page"}},
                {"aggregates", {{{"name", "views"}, {"expr", "COUNT(*)"}}}}};
    p.nodes.push_back(n);
    const std::string expected = R"json({
  "dashboard": {},
  "edges": [],
  "format": "riffle-project",
  "name": "Click analytics",
  "nodes": [
    {
      "id": "w",
      "params": {
        "aggregates": [
          {
            "expr": "COUNT(*)",
            "name": "views"
          }
        ],
        "group_by": ["page"],
        "size": "10s"
      },
      "position": [80, 120.5],
      "type": "window.tumbling"
    }
  ],
  "settings": {},
  "version": 1
}
)json";
    QCOMPARE(QString::fromStdString(p.toJsonText()), QString::fromStdString(expected));
}

void TstProject::newerVersionIsRefused() {
    QCOMPARE(
        loadError(replaced(kValid, "\"version\": 1", "\"version\": 7")),
        QString(
            "this project was written by a newer Riffle (format version 7; this Riffle reads up to "
            "version 1). Update Riffle to open it."));
}

void TstProject::malformedFilesNameThePlace_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");
    const std::string v = kValid;
    QTest::newRow("truncated")
        << QString::fromStdString(v.substr(0, 120))
        << "8:7: invalid JSON: syntax error while parsing object key - invalid string: "
           "missing closing quote; last read: '\"'; expected string literal";
    QTest::newRow("empty") << ""
                           << "the file is empty; a project is a JSON object";
    QTest::newRow("not an object") << "[1, 2]"
                                   << "a project must be a JSON object, got a list";
    QTest::newRow("not riffle")
        << "{\"nodes\": []}"
        << "`format` must be \"riffle-project\"; is this a Riffle project file?";
    QTest::newRow("version string")
        << QString::fromStdString(replaced(v, "\"version\": 1", "\"version\": \"1\""))
        << "`version` must be a whole number (this Riffle writes version 1)";
    QTest::newRow("nodes not list") << R"({"format": "riffle-project", "version": 1, "nodes": 5})"
                                    << "`nodes` must be a list, got a number";
    QTest::newRow("params wrong type")
        << QString::fromStdString(replaced(v, "\"params\": {}", "\"params\": [1]"))
        << "node 2 (`b`): `params` must be an object, got a list";
    QTest::newRow("duplicate id") << QString::fromStdString(
                                         replaced(v, "\"id\": \"b\"", "\"id\": \"a\""))
                                  << "node 2 (`a`): duplicate id `a`";
    QTest::newRow("position") << QString::fromStdString(replaced(v, "[200, 0]", "[200]"))
                              << "node 2 (`b`): `position` must be [x, y], got [200]";
    QTest::newRow("edge format") << QString::fromStdString(replaced(v, "\"a.out\"", "\"a\""))
                                 << "edge 1: `from` must look like \"node.port\", got \"a\"";
    QTest::newRow("id type") << QString::fromStdString(replaced(v, "\"id\": \"a\"", "\"id\": 5"))
                             << "node 1: `id` must be a non-empty string";
}

void TstProject::malformedFilesNameThePlace() {
    QFETCH(QString, text);
    QFETCH(QString, error);
    QCOMPARE(loadError(text.toStdString()), error);
}

void TstProject::deepNestingIsRefusedWithoutCrashing() {
    std::string text = "{\"format\": \"riffle-project\", \"version\": 1, \"settings\": ";
    text += std::string(10000, '[') + std::string(10000, ']') + "}";
    QCOMPARE(loadError(text),
             QString("1:119: nesting deeper than 64 levels; a project file is never this deep"));
}

void TstProject::validationNamesNodeAndField_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("problem");
    const std::string v = kValid;
    QTest::newRow("unknown type")
        << QString::fromStdString(replaced(v, "source.clickstream", "source.clikstream"))
        << "node `a`: unknown node type `source.clikstream` (did you mean `source.clickstream`?)";
    QTest::newRow("unknown param")
        << QString::fromStdString(replaced(v, "\"limit\": 10", "\"limt\": 10"))
        << "source `a`: unknown parameter `limt` (did you mean `limit`?)";
    QTest::newRow("param type") << QString::fromStdString(
                                       replaced(v, "\"rate\": 0", "\"rate\": \"fast\""))
                                << "source `a`: `rate` must be a number, got `fast`";
    QTest::newRow("missing port")
        << QString::fromStdString(replaced(v, "\"b.in\"", "\"b.input\""))
        << "edge a.out -> b.input: sink `b` has no input port `input` (inputs: in)";
    QTest::newRow("missing node") << QString::fromStdString(replaced(v, "\"b.in\"", "\"c.in\""))
                                  << "edge a.out -> c.in: there is no node `c`";
    QTest::newRow("unconnected input")
        << QString::fromStdString(replaced(v, "{\"from\": \"a.out\", \"to\": \"b.in\"}", ""))
        << "sink `b`: input `in` is not connected; wire a stream into it";
    QTest::newRow("negative limit")
        << QString::fromStdString(replaced(v, "\"limit\": 10", "\"limit\": -1"))
        << "source `a`: `limit` must be at least 0, got `-1`";
}

void TstProject::validationNamesNodeAndField() {
    QFETCH(QString, text);
    QFETCH(QString, problem);
    QStringList got = problems(text.toStdString());
    QVERIFY2(got.contains(problem), qPrintable("got:\n" + got.join("\n")));
}

// A Kafka topic keyed by user_id (source.kafka `keyed_by`) feeding, through a filter, a window per
// page, a window per user and page, and a running total for the whole stream: the first and the
// last are warned about, by name; the project stays valid.
void TstProject::windowKeysOtherThanTheTopicsKeyAreAWarning() {
    const std::string text = R"json({
  "edges": [
    {"from": "in.out", "to": "buys.in"},
    {"from": "buys.out", "to": "per_page.in"},
    {"from": "buys.out", "to": "per_user.in"},
    {"from": "buys.out", "to": "total.in"}
  ],
  "format": "riffle-project",
  "name": "t",
  "nodes": [
    {"id": "in", "type": "source.kafka", "params": {"brokers": "127.0.0.1:9", "topic": "clicks",
     "group": "g", "keyed_by": "user_id", "schema": ["user_id int", "page string"]}},
    {"id": "buys", "type": "transform.filter", "params": {"where": "page <> ''"}},
    {"id": "per_page", "type": "window.tumbling", "params": {"group_by": ["page"]}},
    {"id": "per_user", "type": "window.session", "params": {"group_by": ["page", "user_id"]}},
    {"id": "total", "type": "aggregate.running", "params": {"group_by": [],
     "aggregates": [{"name": "n", "expr": "COUNT(*)"}]
}
}
  ],
  "version": 1
  })json";
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    auto p = Project::fromJsonText(text);
    QVERIFY2(p, p.message().c_str());
    ValidatedGraph g = validateProject(p.value(), registry);
    QVERIFY2(g.ok(), g.ok() ? "" : g.problems.front().message.c_str());
    QStringList warnings;
    for (const Problem& w : g.warnings)
        warnings << QString::fromStdString(w.nodeId + ": " + w.message);
    QCOMPARE(warnings,
             QStringList({"per_page: window `per_page`: it groups by page, but the messages of "
                          "source `in` are partitioned by user_id (its `keyed_by`): processes "
                          "sharing them would each give part of a group's result. Add user_id to "
                          "`group_by`, or key the messages by page",
                          "total: aggregate `total`: it keeps one group for the whole stream, but "
                          "the messages of source `in` are partitioned by user_id (its "
                          "`keyed_by`): processes sharing them would each give part of a group's "
                          "result. Add user_id to `group_by`, or read them in one process"}));
    // Without `keyed_by` nothing is known of the topic's partitioning: no warning.
    (*p).node("in")->params.erase("keyed_by");
    QVERIFY(validateProject(p.value(), registry).warnings.empty());
}

void TstProject::overridesSetParameters() {
    auto p = Project::fromJsonText(kValid);
    QVERIFY(p.isOk());
    QVERIFY(applyOverride(p.value(), "a.limit=25").isOk());
    QVERIFY(applyOverride(p.value(), "a.start=2026-01-01T00:00:00Z").isOk());
    QCOMPARE(p->node("a")->params["limit"].get<int>(), 25);
    QCOMPARE(QString::fromStdString(p->node("a")->params["start"].get<std::string>()),
             QString("2026-01-01T00:00:00Z"));
    QCOMPARE(QString::fromStdString(applyOverride(p.value(), "zz.limit=1").message()),
             QString("--set zz.limit=1: the project has no node `zz`"));
    QCOMPARE(QString::fromStdString(applyOverride(p.value(), "limit=1").message()),
             QString("--set takes NODE.PARAM=VALUE, got `limit=1`"));
}

void TstProject::onlyEditsThatChangeTheRunNeedARestart() {
    const NodeRegistry& registry = builtinNodeRegistry();
    auto loaded =
        Project::load(std::string(RIFFLE_SOURCE_DIR) + "/projects/click_analytics.riffle");
    QVERIFY(loaded);
    const Project before = loaded.value();
    auto edited = [&](const std::function<void(Project&)>& edit) {
        Project p = before;
        edit(p);
        return runsTheSame(before, p, registry);
    };
    QVERIFY(edited([](Project&) {}));
    // How it looks: positions, titles, the dashboard, a chart's look.
    QVERIFY(edited([](Project& p) { p.node("clicks")->x += 40; }));
    QVERIFY(edited([](Project& p) { p.node("clicks")->title = "Shop"; }));
    QVERIFY(edited([](Project& p) { p.dashboard = Json::object(); }));
    QVERIFY(edited([](Project& p) { p.node("views_chart")->params["y_max"] = 5000; }));
    QVERIFY(edited([](Project& p) { p.node("views_chart")->params["style"] = "areas"; }));
    QVERIFY(edited([](Project& p) { p.node("top_pages")->params["top_n"] = 5; }));
    // What it does.
    QVERIFY(!edited([](Project& p) { p.node("clicks")->params["rate"] = 10; }));
    QVERIFY(!edited([](Project& p) { p.node("views_chart")->params["y"] = Json::array(); }));
    QVERIFY(!edited([](Project& p) { p.edges.pop_back(); }));
    QVERIFY(!edited([](Project& p) { p.nodes.pop_back(); }));
    QVERIFY(!edited([](Project& p) { p.settings["memory_limit"] = "1GiB"; }));
    QVERIFY(!edited([](Project& p) { std::swap(p.edges.front().toNode, p.edges.back().toNode); }));
}

QTEST_GUILESS_MAIN(TstProject)
#include "tst_project.moc"
