// Walks the whole node catalog (docs/architecture.md, "One declaration per node type"): every
// spec is documented, its defaults build an operator, and its params round-trip through JSON.
#include <QtTest/QtTest>

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

QTEST_GUILESS_MAIN(TstRegistry)
#include "tst_registry.moc"
