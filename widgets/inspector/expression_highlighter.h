#pragma once
// Syntax colours for Riffle's expression language (docs/expressions.md) in an ExpressionEdit:
// keywords, function names, strings, numbers, comments and the input schema's field names.
// The colours are picked for the palette's lightness so they read on light and dark themes.
//
// Threading: GUI thread only.
#include <QPalette>
#include <QSet>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace riffle {

class ExpressionHighlighter : public QSyntaxHighlighter {
    Q_OBJECT
public:
    explicit ExpressionHighlighter(QTextDocument* document);

    // Field names to colour as fields (case-sensitive, as the compiler matches them).
    void setFieldNames(const QSet<QString>& names);
    // Picks the colours for `palette` and rehighlights.
    void setPalette(const QPalette& palette);

    // Upper-case keywords of the language (AND, CASE, INTERVAL, ...), also used for completion.
    static const QSet<QString>& keywords();

protected:
    void highlightBlock(const QString& text) override;

private:
    QSet<QString> m_fields;
    QTextCharFormat m_keyword, m_function, m_string, m_number, m_field, m_comment;
};

}  // namespace riffle
