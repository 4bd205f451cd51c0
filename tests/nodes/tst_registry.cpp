// Walks the whole node catalog (docs/architecture.md, "One declaration per node type"): every
// spec is documented, its defaults build an operator, and its params round-trip through JSON.
#include <QtTest/QtTest>

#include <set>

#include "engine/graph/node_instance.h"
#include "engine/runtime/collecting_emitter.h"
#include "nodes/connectors/recording_format.h"
#include "nodes/register_builtin_nodes.h"

using namespace riffle;

namespace {

// Values for parameters that have no usable default (required ones).
Json sampleValue(const std::string& typeId, const ParamSpec& p, const QTemporaryDir& dir) {
    if (typeId == "transform.lookup" && p.key == "table") {
        QFile f(dir.filePath("table.csv"));
        if (f.open(QIODevice::WriteOnly)) f.write("page,title\n/home,Home\n");
        return dir.filePath("table.csv").toStdString();
    }
    if (p.type == ParamType::Expression && p.defaultValue.is_null())
        return typeId == "alert.threshold" ? "amount > 100" : "page";
    if (p.key == "path") {
        if (typeId == "source.file") {
            QFile f(dir.filePath("in.csv"));
            if (f.open(QIODevice::WriteOnly)) f.write("t,page\n2026-01-01T00:00:00Z,/home\n");
            return dir.filePath("in.csv").toStdString();
        }
        if (typeId == "source.recording") {
            const std::string rec = dir.filePath("in.riffle-rec").toStdString();
            RecordingWriter writer;
            if (!writer.create(rec, Schema::stream({{"page", Type::String}}), true)) return Json();
            return rec;
        }
        if (typeId == "sink.recording") return dir.filePath("out.riffle-rec").toStdString();
        return dir.filePath(QString::fromStdString(typeId) + ".out.csv").toStdString();
    }
    if (p.key == "port") return 9000;
    if (p.key == "url" && typeId == "source.websocket") return "ws://127.0.0.1:9/feed";
    if (p.key == "key") return Json::array({"_time"});
    if (p.key == "topic")
        return "sensors/temp";  // connectors: a topic valid to publish and subscribe
    if (p.key == "order_by") return "amount DESC";
    if (p.key == "left_key" || p.key == "right_key") return "page";
    return p.defaultValue;
}

SchemaPtr sampleInput() {
    return std::make_shared<const Schema>(
        Schema::stream({{"page", Type::String}, {"user_id", Type::Int}, {"amount", Type::Float}}));
}

// The node with its defaults, sample values where it has none, and sampleInput() on every input.
Result<NodeInstance> instantiateWithSamples(const NodeSpec& s, const QTemporaryDir& dir) {
    Json params = Json::object();
    for (const auto& p : s.params)
        if (p.required || p.defaultValue.is_null()) {
            Json v = sampleValue(s.typeId, p, dir);
            if (!v.is_null()) params[p.key] = v;
        }
    // Message connectors read json by default, which needs the messages' fields declared.
    if (s.param("max_message_bytes") && s.param("schema"))
        params["schema"] = Json::array({"page string"});
    SchemaInputs inputs;
    for (size_t i = 0; i < s.inputs.size(); ++i) {
        inputs.schemas.push_back(sampleInput());
        inputs.ports.push_back(static_cast<int>(i));
    }
    return instantiateNode(s, "n", params, inputs, dir.path().toStdString());
}

}  // namespace

class TstRegistry : public QObject {
    Q_OBJECT
private slots:
    void everySpecIsDocumented();
    void defaultsBuildAnOperator();
    void statefulNodesReportTheirState();
    void paramsRoundTripThroughJson();
    void unknownTypeGetsASuggestion();
    void rolesFitTheirParameters();
    void statefulNodesDeclareTheirState();
    void noNodeIsNamedOutsideItsDeclaration();
    void everyNodeExportsToFlinkOrSaysWhyNot();
    void expressionsAreWrittenAsFlinkReadsThem();
};

void TstRegistry::everySpecIsDocumented() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    QVERIFY(registry.all().size() >= 9);
    for (const NodeSpec* s : registry.all()) {
        const QString id = QString::fromStdString(s->typeId);
        QVERIFY2(!s->displayName.empty(), qPrintable(id));
        QVERIFY2(s->description.size() > 20, qPrintable(id + ": description too short"));
        QVERIFY2(!s->category.empty(), qPrintable(id));
        QVERIFY2(s->typeId.rfind(s->category == "sink" ? "sink." : s->category + ".", 0) == 0,
                 qPrintable(id + ": type id does not start with its category"));
        QCOMPARE(QString::fromStdString(s->outputs.back().name), QString("errors"));
        QVERIFY2(s->isSource() == s->inputs.empty(), qPrintable(id));
        for (const auto& p : s->params) {
            QVERIFY2(!p.help.empty(),
                     qPrintable(id + "." + QString::fromStdString(p.key) + " has no help"));
            if (p.type == ParamType::Choice) QVERIFY(!p.choices.empty());
        }
        if (s->isSource()) {
            for (const char* k :
                 {"time_field", "time_format", "max_out_of_orderness", "idle_timeout"})
                QVERIFY2(s->param(k), qPrintable(id + " lacks " + k));
        }
    }
}

void TstRegistry::defaultsBuildAnOperator() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    QTemporaryDir dir;
    for (const NodeSpec* s : registry.all()) {
        const QString id = QString::fromStdString(s->typeId);
        auto inst = instantiateWithSamples(*s, dir);
        QVERIFY2(inst.isOk(), qPrintable(id + ": " + QString::fromStdString(inst.message())));
        QCOMPARE(inst->context.outputSchemas.size(), s->outputs.size());
        for (const auto& schema : inst->context.outputSchemas) {
            QVERIFY(schema);
            QCOMPARE(QString::fromStdString(schema->field(0).name), QString("_time"));
        }
    }
}

// Every node that is neither stateless nor a source or sink reports what it holds after a batch
// (Operator::stateSize): what the canvas card, riffle-run's table and memory_limit read.
void TstRegistry::statefulNodesReportTheirState() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    QTemporaryDir dir;
    int checked = 0;
    for (const NodeSpec* s : registry.all()) {
        if (s->stateless || s->isSink || s->isSource()) continue;
        const QString id = QString::fromStdString(s->typeId);
        auto inst = instantiateWithSamples(*s, dir);
        QVERIFY2(inst.isOk() && inst->op, qPrintable(id));
        QVERIFY2(inst->op->open().isOk(), qPrintable(id));
        QCOMPARE(inst->op->stateSize().keys, int64_t(0));
        CollectingEmitter out(inst->context.outputSchemas);
        for (size_t slot = 0; slot < s->inputs.size(); ++slot) {
            Batch in;
            in.reset(sampleInput());
            for (int r = 0; r < 50; ++r) {
                in.column(0).appendTime(1'000'000 * r);
                in.appendString(1, "/page/" + std::to_string(r % 10));
                in.column(2).appendInt(r);
                in.column(3).appendFloat(100.0 + r);  // above alert.threshold's sample condition
                in.commitRow();
            }
            inst->op->process(static_cast<int>(slot), in, out);
        }
        const StateSize state = inst->op->stateSize();
        QVERIFY2(state.keys > 0, qPrintable(id + " holds events but reports no keys"));
        QVERIFY2(state.bytes >= state.keys * 8, qPrintable(id + " reports fewer bytes than keys"));
        QVERIFY2(std::string(state.what) != "keys",
                 qPrintable(id + " does not say what its keys are"));
        inst->op->close();
        ++checked;
    }
    QVERIFY(checked >= 8);  // tumbling, hopping, session, running, top-n, dedupe, join, alert
}

void TstRegistry::paramsRoundTripThroughJson() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    for (const NodeSpec* s : registry.all()) {
        std::vector<std::string> problems;
        NodeConfig a = makeConfig(*s, "n", Json::object(), "", problems);
        const std::string text = a.params().dump();
        std::vector<std::string> problems2;
        NodeConfig b = makeConfig(*s, "n", Json::parse(text), "", problems2);
        QCOMPARE(QString::fromStdString(b.params().dump()), QString::fromStdString(text));
        QCOMPARE(problems2.size(), problems.size());
    }
}

void TstRegistry::unknownTypeGetsASuggestion() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    QCOMPARE(QString::fromStdString(registry.suggest("transform.fliter")),
             QString("transform.filter"));
    QCOMPARE(QString::fromStdString(registry.suggest("completely.different.thing")), QString());
}

// A role says what the tools that read specs do with a parameter; it must fit the parameter's
// type, and every parameter those tools once recognised by name has its role.
void TstRegistry::rolesFitTheirParameters() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    int roles = 0;
    for (const NodeSpec* s : registry.all()) {
        for (const ParamSpec& p : s->params) {
            const QString at = QString::fromStdString(s->typeId + "." + p.key);
            const bool overInput = p.role == ParamRole::InputFields ||
                                   p.role == ParamRole::Expression ||
                                   p.role == ParamRole::Aggregates;
            if (overInput)
                QVERIFY2(p.port >= 0 && p.port < static_cast<int>(s->inputs.size()),
                         qPrintable(at + ": its role refers to an input port the node lacks"));
            else
                QVERIFY2(p.port == 0, qPrintable(at + ": a port without a role over an input"));
            switch (p.role) {
                case ParamRole::InputFields:
                    QVERIFY2(p.type == ParamType::StringList || p.type == ParamType::String,
                             qPrintable(at));
                    break;
                case ParamRole::Aggregates:
                    QVERIFY2(p.type == ParamType::NamedExprList, qPrintable(at));
                    break;
                case ParamRole::Expression:
                    QVERIFY2(p.type == ParamType::Expression || p.type == ParamType::NamedExprList,
                             qPrintable(at));
                    break;
                case ParamRole::ReadsFile:
                case ParamRole::WritesFile:
                    QVERIFY2(p.type == ParamType::Path, qPrintable(at));
                    break;
                case ParamRole::ListenPort:
                    QVERIFY2(p.type == ParamType::Int, qPrintable(at));
                    break;
                case ParamRole::Schema:
                    QVERIFY2(p.type == ParamType::StringList, qPrintable(at));
                    break;
                default:
                    break;
            }
            roles += p.role != ParamRole::None;
            // The tools act on roles only: each of these has one.
            if (p.type == ParamType::Path)
                QVERIFY2(p.role == ParamRole::ReadsFile || p.role == ParamRole::WritesFile,
                         qPrintable(at + ": a path must say whether it is read or written"));
            if (p.type == ParamType::Expression)
                QVERIFY2(p.role == ParamRole::Expression, qPrintable(at));
            if (p.type == ParamType::NamedExprList)
                QVERIFY2(p.role == ParamRole::Expression || p.role == ParamRole::Aggregates,
                         qPrintable(at));
            if (p.type == ParamType::StringList && !s->inputs.empty() && p.picks != FieldPick::None)
                QVERIFY2(p.role == ParamRole::InputFields,
                         qPrintable(at + ": offers input fields, so its role says so"));
        }
        // A message source can have its schema read off the stream.
        if (s->isSource() && s->param("max_message_bytes"))
            QVERIFY2(s->paramWithRole(ParamRole::Schema),
                     qPrintable(QString::fromStdString(s->typeId) + " has no schema role"));
    }
    QVERIFY(roles >= 40);
}

// Checkpoints store what a stateful node declares: every node that keeps state between events
// names it, and no stateless node claims any.
void TstRegistry::statefulNodesDeclareTheirState() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    for (const NodeSpec* s : registry.all()) {
        const QString id = QString::fromStdString(s->typeId);
        if (s->stateless) QVERIFY2(s->state.empty(), qPrintable(id));
        if (!s->stateless && !s->isSink && !s->isSource())
            QVERIFY2(!s->state.empty(), qPrintable(id + " keeps state but declares none"));
        for (const StateDecl& d : s->state)
            QVERIFY2(!d.name.empty() && d.version >= 1, qPrintable(id));
    }
}

namespace {

// The string literals of a C++ file outside comments, with their line numbers.
std::vector<std::pair<int, std::string>> stringLiterals(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    const std::string text = f.readAll().toStdString();
    std::vector<std::pair<int, std::string>> out;
    int line = 1;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
        } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
            while (i < text.size() && text[i] != '\n') ++i;
            --i;
        } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
            for (i += 2; i + 1 < text.size() && !(text[i] == '*' && text[i + 1] == '/'); ++i)
                line += text[i] == '\n';
            ++i;
        } else if (c == '\'') {
            for (++i; i < text.size() && text[i] != '\''; ++i)
                if (text[i] == '\\') ++i;
        } else if (c == '"') {
            std::string literal;
            for (++i; i < text.size() && text[i] != '"'; ++i) {
                if (text[i] == '\\') literal += text[i++];
                literal += text[i];
            }
            out.emplace_back(line, literal);
        }
    }
    return out;
}

}  // namespace

// One declaration per node type: outside nodes/, no code names a node type or a parameter of a
// specific node; it reads the spec (roles, port kinds, chart kind, tags) instead. The few words
// below are allowed where they mean something else, each with its reason.
void TstRegistry::noNodeIsNamedOutsideItsDeclaration() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    std::set<std::string> typeIds, keys;
    for (const NodeSpec* s : registry.all()) {
        typeIds.insert(s->typeId);
        for (const ParamSpec& p : s->params) keys.insert(p.key);
    }
    // Every source's time parameters are the engine's own (sourceTimeParams).
    for (const ParamSpec& p : sourceTimeParams("0s")) keys.erase(p.key);
    struct Allowed {
        const char* file;             // a file, or a folder ending in '/'
        std::set<std::string> words;  // empty: any
        const char* why;
    };
    const std::vector<Allowed> allowed = {
        {"app/bench/", {}, "the benchmark queries are projects, written in code"},
        {"engine/graph/project.cpp", {"format", "title"}, "keys of the project file"},
        {"widgets/model/commands.cpp", {"format"}, "the project file's format key"},
        {"app/run/run_report.cpp", {"key", "port", "unit", "group"}, "keys of --list-nodes --json"},
        {"engine/graph/params.cpp", {"path", "aggregates", "schema"}, "names of types and roles"},
        {"engine/charts/chart_feed.h", {"table"}, "a chart kind"},
        {"widgets/dashboard/chart_panel.cpp", {"table"}, "a chart kind"},
        {"engine/charts/chart_history.cpp", {"history"}, "the history folder's name"},
        {"widgets/inspector/inspector.cpp", {"title", "rate"}, "widget and metric names"},
        {"widgets/inspector/param_editors.cpp",
         {"unit", "message", "qos", "url"},
         "widget names and words of field labels"},
    };
    auto isAllowed = [&](const QString& file, const std::string& word) {
        for (const Allowed& a : allowed) {
            const QString f = QString::fromLatin1(a.file);
            const bool matches = f.endsWith('/') ? file.startsWith(f) : file == f;
            if (matches && (a.words.empty() || a.words.count(word))) return true;
        }
        return false;
    };
    QStringList found;
    const QDir root(QStringLiteral(RIFFLE_SOURCE_DIR));
    for (const char* folder : {"engine", "widgets", "app"}) {
        QDirIterator it(root.filePath(folder), {"*.cpp", "*.h"}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            const QString file = root.relativeFilePath(path);
            for (const auto& [line, literal] : stringLiterals(path)) {
                bool typePrefix = false;
                if (!literal.empty() && literal.back() == '.')
                    for (const std::string& t : typeIds) typePrefix |= t.rfind(literal, 0) == 0;
                if (!typeIds.count(literal) && !keys.count(literal) && !typePrefix) continue;
                if (isAllowed(file, literal)) continue;
                found << QStringLiteral("%1:%2: \"%3\"")
                             .arg(file)
                             .arg(line)
                             .arg(QString::fromStdString(literal));
            }
        }
    }
    QVERIFY2(found.isEmpty(),
             qPrintable("node types or node parameters named outside nodes/ (read the spec "
                        "instead):\n" +
                        found.join('\n')));
}

// `riffle-run --export flink-sql` reads each node's rule; a node type without one says why, so the
// export can refuse it by name.
void TstRegistry::everyNodeExportsToFlinkOrSaysWhyNot() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    int exported = 0;
    for (const NodeSpec* s : registry.all()) {
        const QString id = QString::fromStdString(s->typeId);
        QVERIFY2(static_cast<bool>(s->exportFlink) != !s->noFlinkExport.empty(),
                 qPrintable(id + ": needs exactly one of exportFlink and noFlinkExport"));
        exported += static_cast<bool>(s->exportFlink);
    }
    QVERIFY(exported >= 17);  // every source, transform, window and sink Flink has an equal of
}

// flink::expression: what Flink writes differently is translated, the rest passes through.
void TstRegistry::expressionsAreWrittenAsFlinkReadsThem() {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"IF(page LIKE '/product/%', session_id, NULL)",
         "CASE WHEN (`page` LIKE '/product/%') THEN `session_id` ELSE NULL END"},
        {"auction % 123 = 0", "(MOD(`auction`, 123) = 0)"},
        {"0.908 * price", "(0.908E0 * `price`)"},
        {"1e3 + 2", "(1e3 + 2)"},
        {"CAST(ms AS int) + CAST(x AS float)", "(CAST(`ms` AS BIGINT) + CAST(`x` AS DOUBLE))"},
        {"CAST(ts AS TIMESTAMP)", "CAST(`ts` AS TIMESTAMP(3))"},
        {"SUBSTRING(page, 2)", "SUBSTRING(`page` FROM 2)"},
        {"SUBSTRING(page FROM 2 FOR 3)", "SUBSTRING(`page` FROM 2 FOR 3)"},
        {"TRIM(LEADING 'x' FROM name)", "TRIM(LEADING 'x' FROM `name`)"},
        {"CASE device WHEN 'a' THEN 1 ELSE 2 END", "CASE `device` WHEN 'a' THEN 1 ELSE 2 END"},
        {"CASE WHEN n > 1 THEN 'it''s' END", "CASE WHEN (`n` > 1) THEN 'it''s' END"},
        {"x NOT IN (1, 2) AND y IS NOT NULL", "((`x` NOT IN (1, 2)) AND (`y` IS NOT NULL))"},
        {"NOT b IS TRUE", "NOT ((`b` IS TRUE))"},
        {"n NOT BETWEEN -1 AND 5 - -x", "(`n` NOT BETWEEN -1 AND (5 - -(`x`)))"},
        {"COUNT(DISTINCT user)", "COUNT(DISTINCT `user`)"},
        {"UPPER(page) || 'x'", "(UPPER(`page`) || 'x')"},
        {"EXTRACT(HOUR FROM _time)", "EXTRACT(HOUR FROM `_time`)"},
    };
    for (const auto& [riffle, flink] : cases) {
        auto sql = flink::expression(riffle);
        QVERIFY2(sql, qPrintable(QString::fromStdString(riffle + ": " + sql.message())));
        QCOMPARE(QString::fromStdString(*sql), QString::fromStdString(flink));
    }
    auto bad = flink::expression("1 +");
    QVERIFY(!bad);
    QVERIFY2(bad.message().find("1:") == 0, bad.message().c_str());
}

QTEST_GUILESS_MAIN(TstRegistry)
#include "tst_registry.moc"
