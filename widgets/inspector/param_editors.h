#pragma once
// The inspector's field for one parameter, made from its ParamSpec (engine/graph/params.h): a
// check box, number box, duration, choice, text, path, secret, field list, list of
// {name, expr} or expression editor, with a message line under it for a bad value.
//
// An editor never changes the project: it shows a value (setValue) and tells when the user
// changed it (edited(), then value() holds the new value as the project file stores it: durations
// as strings, lists as JSON arrays, ints as JSON integers, null for "back to the default"). The
// inspector turns that into a SetParamCommand. setValue() with the value the editor already
// stands for changes nothing on screen, so the model's echo of an edit never moves the cursor.
//
// Threading: GUI thread only.
#include <QString>
#include <QStringList>
#include <QWidget>

#include "engine/core/types.h"
#include "engine/graph/params.h"

class QLabel;
class QVBoxLayout;

namespace riffle {

// What an editor knows beyond its own ParamSpec (whose role says the rest: input fields to offer,
// aggregate calls, a file read or written).
struct ParamEditorContext {
    // Folder that relative paths resolve against ("" for an unsaved project).
    QString baseDir;
};

class ParamEditor : public QWidget {
    Q_OBJECT
public:
    enum class Severity { Error, Warning };

    ParamEditor(const ParamSpec& spec, QWidget* parent = nullptr);

    const ParamSpec& spec() const { return m_spec; }
    QString key() const { return QString::fromStdString(m_spec.key); }

    // Shows the project's value (null: the project leaves it out and the default applies).
    void setValue(const Json& value);
    // The value the editor stands for, as the project file stores it (null = the default).
    const Json& value() const { return m_value; }
    // The node's input schema for this parameter (null when unknown, e.g. not wired yet).
    virtual void setInputSchema(SchemaPtr schema) { m_schema = std::move(schema); }
    SchemaPtr inputSchema() const { return m_schema; }

    // The widget that takes the keyboard focus.
    virtual QWidget* inputWidget() const = 0;
    // Lists take the inspector's full width, under their label.
    virtual bool wide() const { return false; }

    // The message shown under the field ("" when none): the editor's own check of what is being
    // typed, else the node's validation problem about this parameter (setNodeProblem()).
    QString message() const;
    Severity messageSeverity() const { return m_severity; }
    QLabel* messageLabel() const { return m_message; }
    // A problem of the node's validation that names this parameter, shown under the field while
    // the editor's own check has nothing to say ("" to clear).
    void setNodeProblem(const QString& text);
    // The errors the editor's own checks show (under the field, or under a list's rows).
    virtual QStringList liveProblems() const;
    bool hasProblem() const { return !liveProblems().isEmpty(); }

signals:
    // The user changed the value; value() holds it.
    void edited();
    // The editor's own message changed (not emitted for setNodeProblem()).
    void messageChanged();

protected:
    // Updates the widgets to show `value` (null: show the default as a placeholder).
    virtual void showValue(const Json& value) = 0;
    // Called by subclasses when the user changed the value.
    void commit(const Json& value);
    void setMessage(const QString& text, Severity severity = Severity::Error);
    // Puts `input` (and the unit after it, if the spec has one and showUnit) as the main row.
    void setMainRow(QWidget* input, bool showUnit = true);
    // For editors with several parts.
    QVBoxLayout* mainLayout() const { return m_layout; }
    // The default as display text ("" when there is none).
    QString defaultText() const;
    void changeEvent(QEvent* e) override;

private:
    void showMessage();
    void styleMessage();
    ParamSpec m_spec;
    Json m_value;
    bool m_shown = false;
    SchemaPtr m_schema;
    QVBoxLayout* m_layout;
    QLabel* m_message;
    QString m_messageText;
    QString m_nodeProblem;
    Severity m_severity = Severity::Error;
};

// The editor for `spec`'s type.
ParamEditor* createParamEditor(const ParamSpec& spec, const ParamEditorContext& context,
                               QWidget* parent = nullptr);

// "group_by" -> "Group by".
QString paramLabel(const std::string& key);

// The message under a duration field for `text` ("" when it is fine): a bare number asks for
// a unit ("Add a unit: 10s, 10ms, 10m or 10h"), a value out of the spec's range says the limit.
QString durationProblem(const QString& text, const ParamSpec& spec);

}  // namespace riffle
