// transform.filter, transform.map, transform.union and sink.log: exact output for given input.
#include <QtTest/QtTest>

#include "engine/graph/node_instance.h"
#include "engine/runtime/collecting_emitter.h"
#include "nodes/register_builtin_nodes.h"
#include "nodes/sinks/log_output.h"

using namespace riffle;

namespace {

SchemaPtr clicksSchema() {
    return std::make_shared<const Schema>(Schema::stream({{"page", Type::String},
                                                          {"event", Type::String},
                                                          {"amount", Type::Float},
                                                          {"qty", Type::Int}}));
}

struct Row {
    TimeUs t;
    const char* page;
    const char* event;
    std::optional<double> amount;
    std::optional<int64_t> qty;
};

BatchPtr makeBatch(const std::vector<Row>& rows) {
    static auto pool = BatchPool::create();
    BatchPtr b = pool->acquire(clicksSchema());
    for (const Row& r : rows) {
        b->column(0).appendTime(r.t);
        b->appendString(1, r.page);
        b->appendString(2, r.event);
        if (r.amount)
            b->column(3).appendFloat(*r.amount);
        else
            b->column(3).appendNull();
        if (r.qty)
            b->column(4).appendInt(*r.qty);
        else
            b->column(4).appendNull();
        b->commitRow();
    }
    return b;
}

const std::vector<Row> kRows = {
    {1000, "/home", "view", std::nullopt, std::nullopt},
    {2000, "/product/7", "purchase", 20.0, 2},
    {3000, "/product/9", "purchase", 5.5, 0},
    {4000, "/cart", "click", std::nullopt, 1},
};

struct Fixture {
    NodeRegistry registry;
    Fixture() { registerBuiltinNodes(registry); }
    NodeInstance make(const std::string& type, Json params,
                      std::vector<SchemaPtr> inputs = {clicksSchema()}) {
        SchemaInputs in;
        for (size_t i = 0; i < inputs.size(); ++i) {
            in.schemas.push_back(inputs[i]);
            in.ports.push_back(0);
        }
        auto r = instantiateNode(*registry.find(type), "n", params, in);
        if (!r) qFatal("%s", r.message().c_str());
        return std::move(r.value());
    }
    QString error(const std::string& type, Json params) {
        SchemaInputs in{{clicksSchema()}, {0}};
        auto r = instantiateNode(*registry.find(type), "n", params, in);
        return r.isOk() ? QString("(ok)") : QString::fromStdString(r.message());
    }
};

QStringList column(const CollectingEmitter& out, int port, size_t col) {
    QStringList v;
    for (const auto& row : out.rowValues(port)) v << QString::fromStdString(row[col].toString());
    return v;
}

}  // namespace

class TstTransforms : public QObject {
    Q_OBJECT
private slots:
    void filterKeepsOnlyTrueRows();
    void filterRefusesNonConditions();
    void mapComputesAndReplacesFields();
    void mapWithoutInputKeepsOnlyTimeAndNewFields();
    void mapCountsDivisionByZeroAsWarning();
    void mapNamesTheBadField();
    void unionMatchesFieldsByName();
    void unionRefusesConflictingTypes();
    void logPrintsUpToLimitThenCounts();
};

void TstTransforms::filterKeepsOnlyTrueRows() {
    Fixture f;
    NodeInstance n =
        f.make("transform.filter", {{"where", "event = 'purchase' AND amount > 10 OR qty = 1"}});
    CollectingEmitter out(n.context.outputSchemas);
    n.op->process(0, *makeBatch(kRows), out);
    QCOMPARE(column(out, 0, 1), QStringList({"/product/7", "/cart"}));
    QCOMPARE(column(out, 0, 0),
             QStringList({"1970-01-01T00:00:00.002Z", "1970-01-01T00:00:00.004Z"}));
    // NULL is not true: the first row (amount NULL, qty NULL) is dropped, not an error.
    QCOMPARE(out.rows(n.spec->errorsPort()), size_t(0));
}

void TstTransforms::filterRefusesNonConditions() {
    Fixture f;
    QCOMPARE(
        f.error("transform.filter", {{"where", "amount * 2"}}),
        QString("transform `n`: `where` must be a condition (bool), but `amount * 2` is float"));
    QVERIFY(f.error("transform.filter", {{"where", "pgae = 'x'"}})
                .startsWith("transform `n`: `where`: 1:1: unknown field `pgae`"));
}

void TstTransforms::mapComputesAndReplacesFields() {
    Fixture f;
    NodeInstance n = f.make(
        "transform.map", {{"fields", Json::array({{{"name", "total"}, {"expr", "amount * qty"}},
                                                  {{"name", "page"}, {"expr", "UPPER(page)"}}})}});
    const Schema& s = *n.context.outputSchemas[0];
    QCOMPARE(QString::fromStdString(s.toString()),
             QString("_time time, page string, event string, amount float, qty int, total float"));
    CollectingEmitter out(n.context.outputSchemas);
    n.op->process(0, *makeBatch(kRows), out);
    QCOMPARE(column(out, 0, 1), QStringList({"/HOME", "/PRODUCT/7", "/PRODUCT/9", "/CART"}));
    QCOMPARE(column(out, 0, 5), QStringList({"NULL", "40.0", "0.0", "NULL"}));
    QCOMPARE(column(out, 0, 2), QStringList({"view", "purchase", "purchase", "click"}));
}

void TstTransforms::mapWithoutInputKeepsOnlyTimeAndNewFields() {
    Fixture f;
    NodeInstance n = f.make("transform.map",
                            {{"keep_input", false},
                             {"fields", Json::array({{{"name", "p"}, {"expr", "LOWER(event)"}}})}});
    QCOMPARE(QString::fromStdString(n.context.outputSchemas[0]->toString()),
             QString("_time time, p string"));
    CollectingEmitter out(n.context.outputSchemas);
    n.op->process(0, *makeBatch(kRows), out);
    QCOMPARE(column(out, 0, 1), QStringList({"view", "purchase", "purchase", "click"}));
    QCOMPARE(column(out, 0, 0).first(), QString("1970-01-01T00:00:00.001Z"));
}

void TstTransforms::mapCountsDivisionByZeroAsWarning() {
    Fixture f;
    NodeInstance n = f.make("transform.map",
                            {{"fields", Json::array({{{"name", "per"}, {"expr", "10 / qty"}}})}});
    CollectingEmitter out(n.context.outputSchemas);
    n.op->process(0, *makeBatch(kRows), out);
    QCOMPARE(column(out, 0, 5), QStringList({"NULL", "5", "NULL", "10"}));
    QCOMPARE(NodeMetrics::get(n.metrics->warnings), int64_t(1));
}

void TstTransforms::mapNamesTheBadField() {
    Fixture f;
    QVERIFY(
        f.error("transform.map", {{"fields", Json::array({{{"name", "x"}, {"expr", "page +"}}})}})
            .startsWith("transform `n`: field `x`: 1:"));
    QCOMPARE(f.error("transform.map", {{"fields", Json::array({{{"name", "x"}, {"expr", "1"}},
                                                               {{"name", "x"}, {"expr", "2"}}})}}),
             QString("transform `n`: `fields`: `x` is defined twice"));
    QCOMPARE(f.error("transform.map",
                     {{"fields", Json::array({{{"name", "_time"}, {"expr", "page"}}})}}),
             QString("transform `n`: field `_time` must be a time, but `page` is string"));
    QCOMPARE(f.error("transform.map", {{"fields", Json::array({{{"expr", "page"}}})}}),
             QString("transform `n`: `fields` item 1 must be {\"name\": ..., \"expr\": ...}, got "
                     "`{\"expr\":\"page\"}`"));
}

void TstTransforms::unionMatchesFieldsByName() {
    Fixture f;
    auto other = std::make_shared<const Schema>(
        Schema::stream({{"qty", Type::Float}, {"source", Type::String}}));
    NodeInstance n = f.make("transform.union", Json::object(), {clicksSchema(), other});
    QCOMPARE(
        QString::fromStdString(n.context.outputSchemas[0]->toString()),
        QString("_time time, page string, event string, amount float, qty float, source string"));
    CollectingEmitter out(n.context.outputSchemas);
    n.op->process(0, *makeBatch({kRows[1]}), out);
    auto pool = BatchPool::create();
    BatchPtr b = pool->acquire(other);
    b->column(0).appendTime(9000);
    b->column(1).appendFloat(2.5);
    b->appendString(2, "erp");
    b->commitRow();
    n.op->process(1, *b, out);
    auto rows = out.rowValues(0);
    QCOMPARE(rows.size(), size_t(2));
    QCOMPARE(QString::fromStdString(rows[0][4].toString()), QString("2.0"));
    QCOMPARE(QString::fromStdString(rows[0][5].toString()), QString("NULL"));
    QCOMPARE(QString::fromStdString(rows[1][1].toString()), QString("NULL"));
    QCOMPARE(QString::fromStdString(rows[1][4].toString()), QString("2.5"));
    QCOMPARE(QString::fromStdString(rows[1][5].toString()), QString("erp"));
}

void TstTransforms::unionRefusesConflictingTypes() {
    Fixture f;
    auto other = std::make_shared<const Schema>(Schema::stream({{"page", Type::Int}}));
    SchemaInputs in{{clicksSchema(), other}, {0, 0}};
    auto r = instantiateNode(*f.registry.find("transform.union"), "u", Json::object(), in);
    QCOMPARE(QString::fromStdString(r.message()),
             QString("transform `u`: field `page` is string in one input and int in input 2; "
                     "convert one with a Map (CAST)"));
}

void TstTransforms::logPrintsUpToLimitThenCounts() {
    Fixture f;
    QStringList lines;
    setLogLineWriter([&](const std::string& l) { lines << QString::fromStdString(l); });
    NodeInstance n = f.make("sink.log", {{"limit", 2}});
    CollectingEmitter out(n.context.outputSchemas);
    n.op->process(0, *makeBatch(kRows), out);
    n.op->finish(out);
    setLogLineWriter(nullptr);
    QCOMPARE(
        lines,
        QStringList(
            {"[n] _time=1970-01-01T00:00:00.001Z page='/home' event='view' amount=NULL qty=NULL",
             "[n] _time=1970-01-01T00:00:00.002Z page='/product/7' event='purchase' amount=20.0 "
             "qty=2",
             "[n] ... 2 more events not shown (limit 2)"}));
}

QTEST_GUILESS_MAIN(TstTransforms)
#include "tst_transforms.moc"
