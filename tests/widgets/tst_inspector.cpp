// The inspector: a form generated from the selected node's ParamSpecs that edits the project only
// through undo commands, shows live expression and duration errors under the fields, offers the
// input schema's fields, and follows undo/redo without losing the field being typed in.
#include <QtTest/QtTest>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "engine/expr/expression.h"
#include "engine/graph/graph_validator.h"
#include "engine/graph/secrets.h"
#include "nodes/register_builtin_nodes.h"
#include "widgets/inspector/expression_edit.h"
#include "widgets/inspector/inspector.h"
#include "widgets/inspector/param_editors.h"
#include "widgets/model/commands.h"
#include "widgets/model/graph_model.h"
#include "widgets/runtime/engine_bridge.h"

using namespace riffle;

namespace {

Project loadProject(const char* name) {
    auto p =
        Project::load(QStringLiteral(RIFFLE_SOURCE_DIR "/projects/%1").arg(name).toStdString());
    if (!p) qFatal("%s", p.message().c_str());
    return std::move(p.value());
}

// A registry, a model over click_analytics.riffle, an undo stack and a shown inspector.
struct Studio {
    NodeRegistry registry;
    GraphModel model{registry};
    QUndoStack undo;
    Inspector inspector{&model, &undo};

    Studio() {
        registerBuiltinNodes(registry);
        model.setProject(loadProject("click_analytics.riffle"));
        inspector.resize(380, 900);
        inspector.show();
        QApplication::setActiveWindow(&inspector);
        if (!QTest::qWaitForWindowActive(&inspector)) qWarning("inspector window not active");
        QCoreApplication::processEvents();
    }

    Json param(const char* node, const char* key) const {
        const NodeDef* n = model.node(node);
        return n && n->params.contains(key) ? n->params[key] : Json();
    }

    // A filter behind the clicks source, added the way the canvas adds nodes.
    void addFilter(const std::string& where) {
        Subgraph sub;
        NodeDef n;
        n.id = "only_purchases";
        n.type = "transform.filter";
        n.title = "Only purchases";
        n.params = {{"where", where}};
        n.x = 360;
        n.y = 600;
        sub.nodes.push_back(n);
        EdgeDef e;
        e.fromNode = "clicks";
        e.fromPort = "out";
        e.toNode = "only_purchases";
        e.toPort = "in";
        sub.edges.push_back(e);
        undo.push(new AddSubgraphCommand(&model, sub, "Add Filter"));
        QCoreApplication::processEvents();  // validationChanged is queued
    }

    template <typename T>
    T* input(const char* key) const {
        ParamEditor* e = inspector.editor(key);
        if (!e) qFatal("no editor for %s", key);
        T* w = qobject_cast<T*>(e->inputWidget());
        if (!w) qFatal("editor for %s is not the expected widget", key);
        return w;
    }
};

Json strings(std::initializer_list<const char*> items) {
    Json list = Json::array();
    for (const char* i : items) list.push_back(i);
    return list;
}

void typeInto(QWidget* w, const QString& text) {
    w->setFocus(Qt::OtherFocusReason);
    QTest::keyClicks(w, text);
}

// What the user sees once pending layouts have run.
QImage grab(QWidget& w) {
    QTest::qWait(50);
    return w.grab().toImage();
}

void selectAllIn(QWidget* w) {
    w->setFocus(Qt::OtherFocusReason);
    QTest::keyClick(w, Qt::Key_A, Qt::ControlModifier);
}

}  // namespace

class TstInspector : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void showsAHintWhenNothingIsSelected();
    void showsTheNodeAndItsGroupedParameters();
    void typingADurationChangesTheModelAndOneUndoRestoresTheBytes();
    void aBareNumberDurationShowsTheDurationHint();
    void aBadExpressionShowsTheCompilerMessageUntilFixed();
    void aggregatesAreCheckedAsTheWindowChecksThem();
    void expressionsCompleteFieldsAndFunctions();
    void expressionsAreColoured();
    void fieldPickerOffersTheInputSchemasFields();
    void switchingNodesFinishesTheEditForTheOldNode();
    void editingTheTitleRenamesTheNode();
    void undoRedoUpdatesTheEditorsInPlace();
    void clearingAFieldGoesBackToTheDefault();
    void writtenValuesValidateWithRiffleRun();
    void secretsAreOnlyStoredAsReferences();
    void schemasAndRunningMetricsAreShown();
    void inferFromStreamSetsTheSchema();
    void labelsKeepAbbreviations();
    void aSuggestionChosenWithTheKeyboardIsAddedAlone();
    void theYFieldPickerOffersOnlyNumbers();
    void separateEditsOfOneParameterUndoOneByOne();
    void screenshots();
};

void TstInspector::initTestCase() {
    // The same look on every machine, so the screenshots compare.
    QApplication::setStyle(QStringLiteral("Fusion"));
}

void TstInspector::showsAHintWhenNothingIsSelected() {
    Studio s;
    auto* hint = s.inspector.findChild<QLabel*>(QStringLiteral("emptyHint"));
    QVERIFY(hint);
    QVERIFY(hint->isVisible());
    QCOMPARE(hint->text(), QStringLiteral("Select a node to see its settings"));
    s.inspector.setNode(QStringLiteral("views_per_page"));
    QVERIFY(!hint->isVisible());
    s.inspector.setNode(QString());
    QVERIFY(hint->isVisible());
    QCOMPARE(s.inspector.nodeId(), QString());
    // Deleting the shown node empties the inspector too.
    s.inspector.setNode(QStringLiteral("views_per_page"));
    s.undo.push(new RemoveItemsCommand(&s.model, {"views_per_page"}, {}));
    QVERIFY(hint->isVisible());
}

void TstInspector::showsTheNodeAndItsGroupedParameters() {
    Studio s;
    s.inspector.setNode(QStringLiteral("views_per_page"));
    QCOMPARE(s.inspector.titleEdit()->text(), QStringLiteral("Views per page"));
    auto* type = s.inspector.findChild<QLabel*>(QStringLiteral("typeLine"));
    QVERIFY(type && type->text().contains(QStringLiteral("window.tumbling")));
    auto* description = s.inspector.findChild<QLabel*>(QStringLiteral("description"));
    QVERIFY(description && description->text().startsWith(QString::fromStdString(
                               s.registry.find("window.tumbling")->description.substr(0, 20))));
    // Every parameter of the spec has an editor, a label and the help as hint and tooltip.
    for (const ParamSpec& p : s.registry.find("window.tumbling")->params) {
        const QString key = QString::fromStdString(p.key);
        QVERIFY2(s.inspector.editor(key), qPrintable(key));
        auto* hint = s.inspector.findChild<QLabel*>(QStringLiteral("hint:") + key);
        QVERIFY(hint);
        QCOMPARE(hint->text(), QString::fromStdString(p.help));
        QVERIFY(s.inspector.editor(key)->toolTip().contains(
            QString::fromStdString(p.help).toHtmlEscaped()));
    }
    // The editor kinds follow the parameter types; a default shows as placeholder.
    QCOMPARE(s.input<QLineEdit>("size")->text(), QStringLiteral("10s"));
    QCOMPARE(s.input<QLineEdit>("allowed_lateness")->text(), QString());
    QCOMPARE(s.input<QLineEdit>("allowed_lateness")->placeholderText(), QStringLiteral("0s"));
    QVERIFY(s.input<QCheckBox>("two_phase")->isChecked());
    QVERIFY(s.inspector.editor("aggregates")->findChildren<ExpressionEdit*>().size() == 1);
    // Int with its unit as suffix, on the source.
    s.inspector.setNode(QStringLiteral("clicks"));
    QVERIFY(s.inspector.editor("rate"));
    QCOMPARE(s.inspector.editor("rate")->findChild<QLabel*>(QStringLiteral("unit"))->text(),
             QString::fromStdString(s.registry.find("source.clickstream")->param("rate")->unit));
}

void TstInspector::typingADurationChangesTheModelAndOneUndoRestoresTheBytes() {
    Studio s;
    const std::string before = s.model.project().toJsonText();
    s.inspector.setNode(QStringLiteral("views_per_page"));
    auto* size = s.input<QLineEdit>("size");
    selectAllIn(size);
    typeInto(size, QStringLiteral("30s"));
    QCOMPARE(s.param("views_per_page", "size"), Json("30s"));
    // The echo from the model left the field alone: still focused, cursor at the end.
    QVERIFY(size->hasFocus());
    QCOMPARE(size->cursorPosition(), 3);
    QCOMPARE(size->text(), QStringLiteral("30s"));
    // Three keystrokes, one undo step with a readable name.
    QCOMPARE(s.undo.count(), 1);
    QVERIFY(s.undo.undoText().contains(QStringLiteral("size")));
    s.undo.undo();
    QCOMPARE(s.model.project().toJsonText(), before);
    QCOMPARE(size->text(), QStringLiteral("10s"));
    s.undo.redo();
    QCOMPARE(size->text(), QStringLiteral("30s"));
}

void TstInspector::aBareNumberDurationShowsTheDurationHint() {
    Studio s;
    s.inspector.setNode(QStringLiteral("views_per_page"));
    ParamEditor* editor = s.inspector.editor("size");
    auto* size = s.input<QLineEdit>("size");
    QVERIFY(!editor->messageLabel()->isVisible());
    selectAllIn(size);
    typeInto(size, QStringLiteral("10"));
    QVERIFY(editor->messageLabel()->isVisible());
    QCOMPARE(editor->messageLabel()->text(), QStringLiteral("Add a unit: 10s, 10ms, 10m or 10h"));
    // The model holds what the field shows; validation names the same problem.
    QCOMPARE(s.param("views_per_page", "size"), Json("10"));
    QVERIFY(s.model.problemsOf("views_per_page").join(' ').contains("`size`"));
    typeInto(size, QStringLiteral("s"));
    QVERIFY(!editor->messageLabel()->isVisible());
    QCOMPARE(s.param("views_per_page", "size"), Json("10s"));
    // Other bad forms.
    QCOMPARE(durationProblem("ten seconds", *s.registry.find("window.tumbling")->param("size")),
             QStringLiteral("Write a duration like 10s, 500ms, 5m or 1h"));
    QCOMPARE(durationProblem("0s", *s.registry.find("window.tumbling")->param("size")),
             QStringLiteral("Must be longer than 0s"));
    QCOMPARE(durationProblem("0s", *s.registry.find("window.tumbling")->param("allowed_lateness")),
             QString());
}

void TstInspector::aBadExpressionShowsTheCompilerMessageUntilFixed() {
    Studio s;
    s.addFilter("event = 'purchase'");
    s.inspector.setNode(QStringLiteral("only_purchases"));
    ParamEditor* editor = s.inspector.editor("where");
    auto* where = s.input<ExpressionEdit>("where");
    QCOMPARE(where->text(), QStringLiteral("event = 'purchase'"));
    QVERIFY(!editor->messageLabel()->isVisible());

    selectAllIn(where);
    const QString bad = QStringLiteral("event = 'purchase' AND amout > 50");
    typeInto(where, bad);
    SchemaPtr input = s.model.inputSchema("only_purchases");
    QVERIFY(input);
    auto compiled = expr::compile(bad.toStdString(), *input);
    QVERIFY(!compiled);
    const QString expected = QString::fromStdString(compiled.message());
    QVERIFY(expected.contains("amout"));
    QTRY_COMPARE(editor->messageLabel()->text(), expected);
    QVERIFY(editor->messageLabel()->isVisible());
    // The field keeps its focus while the model follows every keystroke.
    QVERIFY(where->hasFocus());
    QCOMPARE(s.param("only_purchases", "where"), Json(bad.toStdString()));

    // Fix the typo: `amout` -> `amount`.
    for (int i = 0; i < 5; ++i) QTest::keyClick(where, Qt::Key_Left);
    QTest::keyClick(where, Qt::Key_Backspace);
    typeInto(where, QStringLiteral("nt"));
    QTRY_VERIFY(!editor->messageLabel()->isVisible());
    QCOMPARE(editor->message(), QString());
    const std::string good = "event = 'purchase' AND amount > 50";
    QCOMPARE(where->text().toStdString(), good);
    QCOMPARE(s.param("only_purchases", "where"), Json(good));
    QVERIFY(s.model.problemsOf("only_purchases").isEmpty());
    // Enter finishes the edit without adding a line.
    QTest::keyClick(where, Qt::Key_Return);
    QCOMPARE(where->text().toStdString(), good);
}

void TstInspector::aggregatesAreCheckedAsTheWindowChecksThem() {
    Studio s;
    // Every aggregate of the example compiles: no row shows an error.
    for (const char* id : {"views_per_page", "funnel", "latency", "uniques"}) {
        s.inspector.setNode(QString::fromLatin1(id));
        ParamEditor* editor = s.inspector.editor("aggregates");
        const auto rows = editor->findChildren<ExpressionEdit*>();
        QVERIFY(!rows.isEmpty());
        for (ExpressionEdit* e : rows) {
            QCOMPARE(e->kind(), ExpressionKind::Aggregate);
            QVERIFY2(e->problem().isEmpty(), qPrintable(e->text() + ": " + e->problem()));
        }
        QVERIFY(!editor->hasProblem());
    }
    // A wrong aggregate shows the window's own message, without the "aggregate `x`:" prefix.
    s.inspector.setNode(QStringLiteral("views_per_page"));
    ExpressionEdit* e = s.inspector.editor("aggregates")->findChild<ExpressionEdit*>();
    selectAllIn(e);
    typeInto(e, QStringLiteral("SUM(page)"));
    QTRY_VERIFY(!e->problem().isEmpty());
    QVERIFY2(e->problem().contains("SUM needs a number"), qPrintable(e->problem()));
    QVERIFY(s.inspector.editor("aggregates")->hasProblem());
    const Json sumPage = Json::parse(R"j([{"name": "views", "expr": "SUM(page)"}])j");
    QCOMPARE(s.param("views_per_page", "aggregates"), sumPage);
    // A scalar where an aggregate is needed.
    const QString scalar = checkExpression("page", s.model.inputSchema("views_per_page").get(),
                                           ExpressionKind::Aggregate);
    QVERIFY2(scalar.startsWith("`page` is not an aggregate call; use COUNT, SUM"),
             qPrintable(scalar));
    // Before the node is wired the field says the same.
    QCOMPARE(checkExpression("page", nullptr, ExpressionKind::Aggregate), scalar);
    QCOMPARE(checkExpression("COUNT(*)", nullptr, ExpressionKind::Aggregate), QString());
    QVERIFY(checkExpression("SUM(", nullptr, ExpressionKind::Aggregate).startsWith("1:5: "));
    // Adding a row writes a valid aggregate at once.
    selectAllIn(e);
    typeInto(e, QStringLiteral("COUNT(*)"));
    QTest::mouseClick(
        s.inspector.editor("aggregates")->findChild<QPushButton*>(QStringLiteral("addRow")),
        Qt::LeftButton);
    QCOMPARE(s.param("views_per_page", "aggregates").size(), size_t(2));
    QVERIFY(s.model.problemsOf("views_per_page").isEmpty());
}

void TstInspector::expressionsCompleteFieldsAndFunctions() {
    Studio s;
    s.addFilter("TRUE");
    s.inspector.setNode(QStringLiteral("only_purchases"));
    auto* where = s.input<ExpressionEdit>("where");
    QAbstractItemView* popup = where->completer()->popup();
    selectAllIn(where);
    typeInto(where, QStringLiteral("late"));
    QTRY_VERIFY(popup->isVisible());
    QCOMPARE(popup->currentIndex().data().toString(), QStringLiteral("latency_ms"));
    QTest::keyClick(where, Qt::Key_Return);
    QVERIFY(!popup->isVisible());
    QCOMPARE(where->text(), QStringLiteral("latency_ms"));
    // Digits and operators do not pop anything up; a function gets its parenthesis.
    typeInto(where, QStringLiteral(" > 10 AND coal"));
    QTRY_VERIFY(popup->isVisible());
    QCOMPARE(popup->currentIndex().data().toString(), QStringLiteral("COALESCE"));
    QTest::keyClick(where, Qt::Key_Tab);
    QCOMPARE(where->text(), QStringLiteral("latency_ms > 10 AND COALESCE("));
    QCOMPARE(s.param("only_purchases", "where"), Json("latency_ms > 10 AND COALESCE("));
    // Escape closes the list and keeps the text.
    typeInto(where, QStringLiteral("amo"));
    QTRY_VERIFY(popup->isVisible());
    QTest::keyClick(where, Qt::Key_Escape);
    QVERIFY(!popup->isVisible());
    QCOMPARE(where->text(), QStringLiteral("latency_ms > 10 AND COALESCE(amo"));
    // Nothing is completed inside a string literal.
    selectAllIn(where);
    typeInto(where, QStringLiteral("page = 'lat"));
    QVERIFY(!popup->isVisible());
}

void TstInspector::expressionsAreColoured() {
    ExpressionEdit edit;
    edit.setSchema(std::make_shared<const Schema>(Schema::stream({{"page", Type::String}})));
    edit.setText(QStringLiteral("page = 'home' AND COUNT(1) > 2 -- note"));
    edit.show();
    const QTextBlock block = edit.document()->firstBlock();
    auto formatAt = [&](int pos) {
        for (const QTextLayout::FormatRange& r : block.layout()->formats())
            if (pos >= r.start && pos < r.start + r.length) return r.format;
        return QTextCharFormat();
    };
    const QColor field = formatAt(0).foreground().color();
    const QColor string = formatAt(8).foreground().color();
    const QColor function = formatAt(18).foreground().color();
    const QColor number = formatAt(24).foreground().color();
    QVERIFY(formatAt(0).foreground().style() != Qt::NoBrush);
    QVERIFY(field != string && string != function && function != number && field != number);
    QCOMPARE(formatAt(14).fontWeight(), int(QFont::DemiBold));  // AND
    QVERIFY(formatAt(32).fontItalic());                         // the comment
    QCOMPARE(formatAt(5).foreground().style(), Qt::NoBrush);    // `=` keeps the text colour
}

void TstInspector::fieldPickerOffersTheInputSchemasFields() {
    Studio s;
    s.inspector.setNode(QStringLiteral("funnel"));
    ParamEditor* editor = s.inspector.editor("group_by");
    auto* menu = editor->findChild<QMenu*>(QStringLiteral("fieldMenu"));
    QVERIFY(menu);
    QStringList offered;
    for (QAction* a : menu->actions()) offered << a->text();
    QStringList expected;
    for (const Field& f : s.model.inputSchema("funnel")->fields())
        if (f.name != "_time") expected << QString::fromStdString(f.name);
    QCOMPARE(offered, expected);
    QVERIFY(offered.contains("device"));
    // Picking one writes a JSON array.
    for (QAction* a : menu->actions())
        if (a->text() == "device") a->trigger();
    QTRY_COMPARE(s.param("funnel", "group_by"), strings({"device"}));
    // Free text for a field that is not known yet, added with Enter.
    auto* add = s.input<QLineEdit>("group_by");
    typeInto(add, QStringLiteral("country"));
    QTest::keyClick(add, Qt::Key_Return);
    QTRY_COMPARE(s.param("funnel", "group_by"), strings({"device", "country"}));
    QCOMPARE(add->text(), QString());
    // The menu shows what is picked.
    for (QAction* a : menu->actions())
        QCOMPARE(a->isChecked(), a->text() == "device" || a->text() == "country");
    // Unpicking removes it; the last one gone means back to the default (left out of the file).
    for (QAction* a : menu->actions())
        if (a->text() == "device") a->trigger();
    QTRY_COMPARE(s.param("funnel", "group_by"), strings({"country"}));
    for (QAction* a : menu->actions())
        if (a->text() == "country") a->trigger();
    QTRY_VERIFY(s.param("funnel", "group_by").is_null());
    QVERIFY(!s.model.node("funnel")->params.contains("group_by"));
}

void TstInspector::switchingNodesFinishesTheEditForTheOldNode() {
    Studio s;
    s.inspector.setNode(QStringLiteral("funnel"));
    auto* add = s.input<QLineEdit>("group_by");
    typeInto(add, QStringLiteral("country"));
    QVERIFY(s.param("funnel", "group_by").is_null());  // not a list item until Enter or focus out
    s.inspector.setNode(QStringLiteral("latency"));    // e.g. the selection changed by a shortcut
    QCOMPARE(s.param("funnel", "group_by"), strings({"country"}));
    QCOMPARE(s.param("latency", "group_by"), strings({"device"}));
    QCOMPARE(s.inspector.editor("group_by")->findChild<QLineEdit*>()->text(), QString());
}

void TstInspector::editingTheTitleRenamesTheNode() {
    Studio s;
    s.inspector.setNode(QStringLiteral("views_per_page"));
    QSignalSpy changed(&s.model, &GraphModel::nodeChanged);
    QLineEdit* title = s.inspector.titleEdit();
    selectAllIn(title);
    typeInto(title, QStringLiteral("Hits per page"));
    QCOMPARE(s.model.node("views_per_page")->title, std::string("Hits per page"));
    QCOMPARE(s.model.displayTitle("views_per_page"), QStringLiteral("Hits per page"));
    QVERIFY(changed.count() > 0);
    QCOMPARE(s.undo.count(), 1);
    QCOMPARE(title->cursorPosition(), 13);
    s.undo.undo();
    QCOMPARE(title->text(), QStringLiteral("Views per page"));
    QCOMPARE(s.model.node("views_per_page")->title, std::string("Views per page"));
    // An empty title falls back to the type's name, shown as placeholder.
    selectAllIn(title);
    QTest::keyClick(title, Qt::Key_Delete);
    QCOMPARE(s.model.displayTitle("views_per_page"), QStringLiteral("Tumbling window"));
    QCOMPARE(title->placeholderText(), QStringLiteral("Tumbling window"));
}

void TstInspector::undoRedoUpdatesTheEditorsInPlace() {
    Studio s;
    s.inspector.setNode(QStringLiteral("views_per_page"));
    // The user is typing in `allowed_lateness` ...
    auto* lateness = s.input<QLineEdit>("allowed_lateness");
    typeInto(lateness, QStringLiteral("5s"));
    lateness->setCursorPosition(1);
    // ... while another edit arrives through the stack (the canvas, a script, undo).
    s.undo.push(new SetParamCommand(&s.model, "views_per_page", "size", "1m"));
    QCOMPARE(s.input<QLineEdit>("size")->text(), QStringLiteral("1m"));
    s.undo.push(new SetParamCommand(&s.model, "views_per_page", "two_phase", false));
    QVERIFY(!s.input<QCheckBox>("two_phase")->isChecked());
    const Json twoAggregates = Json::parse(
        R"j([{"name": "n", "expr": "COUNT(*)"}, {"name": "users", "expr": "COUNT(DISTINCT user_id)"}])j");
    s.undo.push(new SetParamCommand(&s.model, "views_per_page", "aggregates", twoAggregates));
    QCOMPARE(s.inspector.editor("aggregates")->findChildren<ExpressionEdit*>().size(), 2);
    QVERIFY(lateness->hasFocus());
    QCOMPARE(lateness->cursorPosition(), 1);
    QCOMPARE(lateness->text(), QStringLiteral("5s"));

    s.undo.undo();
    QCOMPARE(s.inspector.editor("aggregates")->findChildren<ExpressionEdit*>().size(), 1);
    s.undo.undo();
    QVERIFY(s.input<QCheckBox>("two_phase")->isChecked());
    s.undo.undo();
    QCOMPARE(s.input<QLineEdit>("size")->text(), QStringLiteral("10s"));
    QVERIFY(lateness->hasFocus());
    QCOMPARE(lateness->cursorPosition(), 1);
    // Undoing the typing itself updates the focused field.
    s.undo.undo();
    QCOMPARE(lateness->text(), QString());
    QVERIFY(lateness->hasFocus());
    s.undo.redo();
    QCOMPARE(lateness->text(), QStringLiteral("5s"));
    s.undo.redo();
    QCOMPARE(s.input<QLineEdit>("size")->text(), QStringLiteral("1m"));
}

void TstInspector::clearingAFieldGoesBackToTheDefault() {
    Studio s;
    s.inspector.setNode(QStringLiteral("clicks"));
    auto* rate = s.inspector.editor("rate")->inputWidget();
    QVERIFY(s.model.node("clicks")->params.contains("rate"));
    QLineEdit* edit = rate->findChild<QLineEdit*>();
    QVERIFY(edit);
    QCOMPARE(edit->text(), QStringLiteral("5000"));
    selectAllIn(edit);
    QTest::keyClick(edit, Qt::Key_Delete);
    QVERIFY(!s.model.node("clicks")->params.contains("rate"));
    const Json def = s.registry.find("source.clickstream")->param("rate")->defaultValue;
    QCOMPARE(edit->placeholderText(), QStringLiteral("1000"));
    QCOMPARE(def, Json(1000.0));
    // Up arrow steps from the default.
    QTest::keyClick(edit, Qt::Key_Up);
    QCOMPARE(s.param("clicks", "rate"), Json(1001));
    QCOMPARE(edit->text(), QStringLiteral("1001"));
}

void TstInspector::writtenValuesValidateWithRiffleRun() {
    Studio s;
    s.inspector.setNode(QStringLiteral("clicks"));
    QLineEdit* seed = s.inspector.editor("seed")->inputWidget()->findChild<QLineEdit*>();
    selectAllIn(seed);
    typeInto(seed, QStringLiteral("42"));
    QVERIFY(s.param("clicks", "seed").is_number_integer());
    QCOMPARE(s.param("clicks", "seed"), Json(42));
    QLineEdit* rate = s.inspector.editor("rate")->inputWidget()->findChild<QLineEdit*>();
    selectAllIn(rate);
    typeInto(rate, QStringLiteral("2500.5"));
    QVERIFY(s.param("clicks", "rate").is_number_float());
    QCOMPARE(s.param("clicks", "rate"), Json(2500.5));
    // A value out of range is explained under the field.
    QLineEdit* users = s.inspector.editor("users")->inputWidget()->findChild<QLineEdit*>();
    selectAllIn(users);
    typeInto(users, QStringLiteral("0"));
    QCOMPARE(s.inspector.editor("users")->message(),
             QStringLiteral("Must be between 1 and 1000000000 users"));
    typeInto(users, QStringLiteral("5"));
    QCOMPARE(s.inspector.editor("users")->message(), QString());
    QCOMPARE(s.param("clicks", "users"), Json(5));

    s.inspector.setNode(QStringLiteral("latency"));
    auto* lateness = s.input<QLineEdit>("emit_every");
    typeInto(lateness, QStringLiteral("2s"));
    QTest::mouseClick(s.input<QCheckBox>("two_phase"), Qt::LeftButton);
    QCOMPARE(s.param("latency", "two_phase"), Json(false));
    auto* menu = s.inspector.editor("group_by")->findChild<QMenu*>(QStringLiteral("fieldMenu"));
    for (QAction* a : menu->actions())
        if (a->text() == "country") a->trigger();
    QTRY_COMPARE(s.param("latency", "group_by"), strings({"device", "country"}));

    s.inspector.setNode(QStringLiteral("views_db"));
    auto* mode = s.input<QComboBox>("mode");
    mode->setFocus();
    mode->setCurrentIndex(mode->findData("upsert"));
    emit mode->activated(mode->currentIndex());
    QCOMPARE(s.param("views_db", "mode"), Json("upsert"));
    auto* keyMenu = s.inspector.editor("key")->findChild<QMenu*>(QStringLiteral("fieldMenu"));
    for (QAction* a : keyMenu->actions())
        if (a->text() == "page") a->trigger();
    QTRY_COMPARE(s.param("views_db", "key"), strings({"page"}));

    const ValidatedGraph g = validateProject(s.model.project(), s.registry);
    QStringList problems;
    for (const auto& p : g.problems) problems << QString::fromStdString(p.message);
    QCOMPARE(problems, QStringList());

    // The saved file passes the headless runner's check.
    QTemporaryDir dir;
    const QString file = dir.filePath("edited.riffle");
    QVERIFY(s.model.project().save(file.toStdString()));
    QVERIFY2(QFile::exists(RIFFLE_RUN_BIN), "build riffle-run for this test");
    QProcess run;
    run.start(RIFFLE_RUN_BIN, {"--validate", file});
    QVERIFY(run.waitForFinished(30000));
    QVERIFY2(run.exitCode() == 0, run.readAllStandardError().constData());
}

void TstInspector::secretsAreOnlyStoredAsReferences() {
    QVERIFY(isSecretReference("${env:KAFKA_PASSWORD}"));
    QVERIFY(isSecretReference("${secret:broker.token}"));
    QVERIFY(isSecretReference("Bearer ${env:TOKEN}"));
    QVERIFY(!isSecretReference("hunter2"));
    QVERIFY(!isSecretReference("${env:"));
    QVERIFY(!isSecretReference("${env:A} ${oops"));

    ParamSpec p = param("password", ParamType::Secret, "Broker password");
    std::unique_ptr<ParamEditor> editor(createParamEditor(p, {}));
    editor->setValue(Json());
    editor->show();
    QSignalSpy edited(editor.get(), &ParamEditor::edited);
    auto* edit = qobject_cast<QLineEdit*>(editor->inputWidget());
    QVERIFY(edit);
    QTest::keyClicks(edit, "hunter2");
    QCOMPARE(edited.count(), 0);  // never handed to the model
    QCOMPARE(editor->messageSeverity(), ParamEditor::Severity::Warning);
    QVERIFY(editor->message().contains("${env:NAME}"));
    edit->clear();
    QTest::keyClicks(edit, "${env:PASS}");
    QVERIFY(edited.count() > 0);
    QCOMPARE(editor->value(), Json("${env:PASS}"));
    QCOMPARE(editor->message(), QString());
}

void TstInspector::schemasAndRunningMetricsAreShown() {
    Studio s;
    s.inspector.setNode(QStringLiteral("views_per_page"));
    const auto tables = s.inspector.findChildren<QTreeWidget*>(QStringLiteral("schemaTable"));
    QCOMPARE(tables.size(), 2);  // input and out; `late` is the input unchanged
    QCOMPARE(tables[0]->topLevelItemCount(),
             static_cast<int>(s.model.inputSchema("views_per_page")->size()));
    SchemaPtr out = s.model.outputSchema("views_per_page", "out");
    QCOMPARE(tables[1]->topLevelItemCount(), static_cast<int>(out->size()));
    QCOMPARE(tables[1]->topLevelItem(1)->text(0), QStringLiteral("page"));
    QCOMPARE(tables[1]->topLevelItem(1)->text(1), QStringLiteral("string"));
    // Changing group_by changes the output table.
    s.undo.push(
        new SetParamCommand(&s.model, "views_per_page", "group_by", strings({"page", "device"})));
    QCoreApplication::processEvents();
    QTRY_COMPARE(s.inspector.findChildren<QTreeWidget*>(QStringLiteral("schemaTable"))[1]
                     ->topLevelItemCount(),
                 static_cast<int>(out->size()) + 1);

    auto* stats = s.inspector.findChild<QWidget*>(QStringLiteral("stats"));
    QVERIFY(stats && !stats->isVisible());
    NodeStats st;
    st.id = "views_per_page";
    st.eventsIn = 1200000;
    st.eventsOut = 310;
    st.ratePerSecond = 48200;
    st.errors = 3;
    st.late = 0;
    st.watermarkUs = 1767225600000000;  // 2026-01-01T00:00:00Z
    s.inspector.setStats(&st);
    QVERIFY(stats->isVisible());
    QCOMPARE(stats->findChild<QLabel*>("stat:rate")->text(), QStringLiteral("48.2 K/s"));
    QCOMPARE(stats->findChild<QLabel*>("stat:in")->text(), QStringLiteral("1.20 M"));
    QCOMPARE(stats->findChild<QLabel*>("stat:errors")->text(), QStringLiteral("3"));
    QCOMPARE(stats->findChild<QLabel*>("stat:watermark")->text(), QStringLiteral("00:00:00.000"));
    s.inspector.setStats(nullptr);
    QVERIFY(!stats->isVisible());
}

namespace {

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x25, 0x27, 0x2B), base(0x1B, 0x1D, 0x20), text(0xE4, 0xE6, 0xEA);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x22, 0x24, 0x28));
    p.setColor(QPalette::ToolTipBase, window);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x80, 0x86, 0x8F));
    p.setColor(QPalette::Button, QColor(0x30, 0x33, 0x38));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, QColor(0x3D, 0x8B, 0xFD));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x3A, 0x3D, 0x42));
    p.setColor(QPalette::Midlight, QColor(0x33, 0x36, 0x3B));
    p.setColor(QPalette::Mid, QColor(0x2B, 0x2E, 0x32));
    p.setColor(QPalette::Dark, QColor(0x15, 0x16, 0x18));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x70, 0x74, 0x7A));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x70, 0x74, 0x7A));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x70, 0x74, 0x7A));
    return p;
}

}  // namespace

void TstInspector::labelsKeepAbbreviations() {
    QCOMPARE(paramLabel("client_id"), QString("Client ID"));
    QCOMPARE(paramLabel("qos"), QString("QoS"));
    QCOMPARE(paramLabel("ca_file"), QString("CA file"));
    QCOMPARE(paramLabel("url"), QString("URL"));
    QCOMPARE(paramLabel("max_out_of_orderness"), QString("Max out of orderness"));
    QCOMPARE(paramLabel("identity"), QString("Identity"));  // only whole words
}

void TstInspector::screenshots() {
    const QPalette light = QApplication::style()->standardPalette();
    for (const auto& [name, palette] : {std::pair<const char*, QPalette>{"light", light},
                                        std::pair<const char*, QPalette>{"dark", darkPalette()}}) {
        QApplication::setPalette(palette);
        Studio s;
        s.inspector.resize(380, 1180);
        s.inspector.setNode(QStringLiteral("latency"));
        NodeStats st;
        st.id = "latency";
        st.eventsIn = 1284000;
        st.eventsOut = 42;
        st.ratePerSecond = 4980;
        st.late = 12;
        st.watermarkUs = 1767225612000000;
        s.inspector.setStats(&st);
        QCoreApplication::processEvents();
        const QImage window = grab(s.inspector);
        QVERIFY(!window.isNull());
        QVERIFY(window.save(QStringLiteral("/tmp/inspector-window-%1.png").arg(name)));

        s.addFilter("event = 'purchase'");
        s.inspector.resize(380, 560);
        s.inspector.setNode(QStringLiteral("only_purchases"));
        auto* where = s.input<ExpressionEdit>("where");
        selectAllIn(where);
        typeInto(where, QStringLiteral("event = 'purchase' AND amout > 50"));
        QTRY_VERIFY(!where->problem().isEmpty());
        QCoreApplication::processEvents();
        const QImage filter = grab(s.inspector);
        QVERIFY(filter.save(QStringLiteral("/tmp/inspector-filter-%1.png").arg(name)));
        typeInto(where, QStringLiteral(" OR co"));
        QTRY_VERIFY(where->completer()->popup()->isVisible());
        QVERIFY(where->completer()->popup()->grab().save(
            QStringLiteral("/tmp/inspector-completion-%1.png").arg(name)));
        QTest::keyClick(where, Qt::Key_Escape);

        // A problem the field's own check cannot see (a condition that is not a bool) comes from
        // validation and still shows under the field; one that names no parameter goes above.
        selectAllIn(where);
        typeInto(where, QStringLiteral("latency_ms"));
        QTRY_VERIFY(
            s.inspector.editor("where")->message().startsWith("`where` must be a condition"));
        s.undo.push(new RemoveItemsCommand(&s.model, {}, {"clicks.out>only_purchases.in"}));
        QTRY_VERIFY(!s.inspector.shownProblems().isEmpty());
        QVERIFY(grab(s.inspector).save(QStringLiteral("/tmp/inspector-banner-%1.png").arg(name)));

        s.inspector.resize(380, 1000);
        s.inspector.setNode(QStringLiteral("clicks"));
        QVERIFY(grab(s.inspector).save(QStringLiteral("/tmp/inspector-source-%1.png").arg(name)));
        s.inspector.resize(380, 700);
        s.inspector.setNode(QStringLiteral("views_db"));
        QVERIFY(grab(s.inspector).save(QStringLiteral("/tmp/inspector-sink-%1.png").arg(name)));
        s.inspector.resize(380, 300);
        s.inspector.setNode(QString());
        QVERIFY(grab(s.inspector).save(QStringLiteral("/tmp/inspector-empty-%1.png").arg(name)));
    }
    QApplication::setPalette(light);
}

void TstInspector::inferFromStreamSetsTheSchema() {
    namespace asio = boost::asio;
    Studio s;
    unsigned short port = 0;
    {
        asio::io_context io;
        asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
        port = a.local_endpoint().port();
    }
    Subgraph sub;
    NodeDef n;
    n.id = "lines";
    n.type = "source.tcp";
    n.params = {{"port", port}};
    sub.nodes.push_back(n);
    s.undo.push(new AddSubgraphCommand(&s.model, sub, QStringLiteral("Add lines")));
    s.inspector.setNode("lines");
    auto* button = s.inspector.findChild<QPushButton*>("inferSchema");
    QVERIFY(button);
    QSignalSpy finished(&s.inspector, &Inspector::inferenceFinished);
    button->click();
    QVERIFY(s.inspector.inferring());
    QVERIFY(!button->isEnabled());
    // The source listens once it is open; a client connects and sends three lines.
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    bool connected = false;
    for (int i = 0; i < 100 && !connected; ++i) {
        boost::system::error_code ec;
        socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
        connected = !ec;
        if (!connected) {
            socket.close();
            QTest::qWait(30);
        }
    }
    QVERIFY(connected);
    const std::string lines =
        "{\"user\": \"u1\", \"clicks\": 3}\n{\"user\": \"u2\", \"clicks\": 4.5}\n"
        "{\"user\": \"u3\", \"at\": \"2026-11-24T10:00:00Z\"}\n";
    asio::write(socket, asio::buffer(lines));
    QVERIFY(finished.wait(15000));
    QCOMPARE(finished.at(0).at(1).toBool(), true);
    QCOMPARE(s.param("lines", "schema").dump(),
             Json({"user string", "clicks float", "at time"}).dump());
    auto* status = s.inspector.findChild<QLabel*>("inferStatus");
    QVERIFY(status);
    QCOMPARE(status->text(), QStringLiteral("3 fields from 3 messages"));
    // One undo step takes it back.
    s.undo.undo();
    QVERIFY(s.param("lines", "schema").is_null());
}

void TstInspector::aSuggestionChosenWithTheKeyboardIsAddedAlone() {
    // Typing a prefix, Down, Enter used to add both the suggestion and the prefix.
    Studio s;
    s.inspector.setNode(QStringLiteral("funnel"));
    auto* add = s.input<QLineEdit>("group_by");
    add->setFocus();
    QTest::keyClicks(add, QStringLiteral("dev"));
    QAbstractItemView* popup = add->completer()->popup();
    QTRY_VERIFY(popup->isVisible());
    const QString first = add->completer()->completionModel()->index(0, 0).data().toString();
    QCOMPARE(first, QString("device"));
    QTest::keyClick(popup, Qt::Key_Down);
    QTest::keyClick(popup, Qt::Key_Return);
    QTest::qWait(50);
    QTRY_COMPARE(s.param("funnel", "group_by"),
                 strings({"device"}));  // anything queued after the key
    QCOMPARE(s.param("funnel", "group_by"), strings({"device"}));
    QCOMPARE(add->text(), QString());
    QCOMPARE(s.undo.count(), 1);
}

void TstInspector::theYFieldPickerOffersOnlyNumbers() {
    Studio s;
    s.inspector.setNode(QStringLiteral("views_chart"));
    auto* menu = s.inspector.editor("y")->findChild<QMenu*>(QStringLiteral("fieldMenu"));
    QVERIFY(menu);
    QStringList offered;
    for (QAction* a : menu->actions()) offered << a->text();
    QStringList numbers;
    for (const Field& f : s.model.inputSchema("views_chart")->fields())
        if (isNumeric(f.type) && f.name != "_time") numbers << QString::fromStdString(f.name);
    QVERIFY(!numbers.isEmpty());
    QCOMPARE(offered, numbers);
    QVERIFY(!offered.contains("section"));  // a string field: the chart would refuse it
    // series_by takes any field.
    auto* seriesMenu =
        s.inspector.editor("series_by")->findChild<QMenu*>(QStringLiteral("fieldMenu"));
    QStringList series;
    for (QAction* a : seriesMenu->actions()) series << a->text();
    QVERIFY(series.contains("section"));
}

void TstInspector::separateEditsOfOneParameterUndoOneByOne() {
    // Three picks of `y`, each a moment apart, are three steps; quick successive changes of one
    // field (a spin box's arrows, typing) still make one.
    Studio s;
    s.undo.push(new SetParamCommand(&s.model, "latency_chart", "y", strings({"p99_ms"})));
    QTest::qWait(SetParamCommand::kMergeWithinMs + 100);
    s.undo.push(new SetParamCommand(&s.model, "latency_chart", "y", strings({"p99_ms", "avg_ms"})));
    QTest::qWait(SetParamCommand::kMergeWithinMs + 100);
    s.undo.push(new SetParamCommand(&s.model, "latency_chart", "y", strings({"avg_ms"})));
    QCOMPARE(s.undo.count(), 3);
    s.undo.undo();
    QCOMPARE(s.param("latency_chart", "y"), strings({"p99_ms", "avg_ms"}));
    s.undo.push(new SetParamCommand(&s.model, "latency", "size", "20s"));
    s.undo.push(new SetParamCommand(&s.model, "latency", "size", "30s"));
    QCOMPARE(s.undo.count(), 3);
    s.undo.undo();
    QCOMPARE(s.param("latency", "size"), Json("10s"));
}

QTEST_MAIN(TstInspector)
#include "tst_inspector.moc"
