#pragma once
// A one-line-feel editor for an expression (docs/expressions.md): monospace, syntax colours,
// completion of field names (from the input schema) and function names, and a live check that
// reports the compiler's message while the user types (debounced), with the place of the error
// underlined. It grows to a few lines for a long expression; Enter finishes the edit instead of
// starting a new line.
//
// Two kinds: a scalar expression (filter `where`, map fields, keys), checked with
// expr::compile(); and one aggregate call of a window's `aggregates` (`COUNT(*)`, `SUM(x)`),
// checked with agg::AggregateSet::compile() exactly as the window nodes check it, so what the
// editor accepts is what the node accepts.
//
// Threading: GUI thread only.
#include <QPlainTextEdit>
#include <QTimer>

#include "engine/core/types.h"

class QCompleter;
class QStandardItemModel;

namespace riffle {

class ExpressionHighlighter;

enum class ExpressionKind { Scalar, Aggregate };

// The message the node would report for `source` ("" when it compiles). Without a schema (the
// node is not wired yet) only the syntax can be checked. An empty source is fine when
// `emptyAllowed` (the parameter's default applies).
QString checkExpression(const QString& source, const Schema* schema, ExpressionKind kind,
                        bool emptyAllowed = true);

class ExpressionEdit : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit ExpressionEdit(QWidget* parent = nullptr);

    QString text() const { return toPlainText(); }
    // Replaces the text without emitting textEdited(); keeps the cursor where it was (clamped).
    void setText(const QString& text);

    void setKind(ExpressionKind kind);
    ExpressionKind kind() const { return m_kind; }
    void setEmptyAllowed(bool allowed);
    // The input schema (null: unknown). Feeds completion, field colours and the check.
    void setSchema(SchemaPtr schema);
    // The message of the last check ("" when none).
    QString problem() const { return m_problem; }
    // Checks now instead of after the typing pause.
    void checkNow();
    // Completion of field and function names (a popup while typing a word, or Ctrl+Space).
    QCompleter* completer() const { return m_completer; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    // The user changed the text (not emitted for setText()).
    void textEdited();
    // Enter was pressed or the field lost focus.
    void editingFinished();
    // The check's message changed ("" once it is fixed).
    void problemChanged(const QString& message);

protected:
    bool event(QEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;
    void focusOutEvent(QFocusEvent* e) override;
    void changeEvent(QEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;
    void insertFromMimeData(const QMimeData* source) override;

private:
    void onContentsChanged();
    void updateHeight();
    void rebuildCompletions();
    void insertCompletion(const QModelIndex& index);
    QString wordBeforeCursor() const;
    void underlineProblem();

    ExpressionHighlighter* m_highlighter;
    QCompleter* m_completer;
    QStandardItemModel* m_completions;
    QTimer m_checkTimer;
    SchemaPtr m_schema;
    ExpressionKind m_kind = ExpressionKind::Scalar;
    bool m_emptyAllowed = true;
    bool m_settingText = false;
    QString m_problem;
};

}  // namespace riffle
