#include "widgets/inspector/expression_highlighter.h"

#include "widgets/inspector/function_names.h"
#include "widgets/style/theme.h"

namespace riffle {

namespace {

const QSet<QString>& functionSet() {
    static const QSet<QString> kSet = [] {
        QSet<QString> s;
        for (const QString& n : scalarFunctionNames()) s.insert(n);
        for (const QString& n : aggregateFunctionNames()) s.insert(n);
        for (const char* n : {"CAST", "EXTRACT", "IF", "COALESCE"})
            s.insert(QString::fromLatin1(n));
        return s;
    }();
    return kSet;
}

bool isIdentStart(QChar c) {
    return c.isLetter() || c == '_';
}
bool isIdentChar(QChar c) {
    return c.isLetterOrNumber() || c == '_';
}

}  // namespace

const QSet<QString>& ExpressionHighlighter::keywords() {
    static const QSet<QString> kSet{
        "AND",          "OR",          "NOT",         "CASE",      "WHEN",    "THEN",
        "ELSE",         "END",         "IS",          "NULL",      "TRUE",    "FALSE",
        "IN",           "BETWEEN",     "LIKE",        "ESCAPE",    "AS",      "FROM",
        "FOR",          "DISTINCT",    "INTERVAL",    "TIMESTAMP", "DATE",    "ASC",
        "DESC",         "NULLS",       "FIRST",       "LAST",      "BOTH",    "LEADING",
        "TRAILING",     "SECOND",      "SECONDS",     "MINUTE",    "MINUTES", "HOUR",
        "HOURS",        "DAY",         "DAYS",        "WEEK",      "WEEKS",   "MILLISECOND",
        "MILLISECONDS", "MICROSECOND", "MICROSECONDS"};
    return kSet;
}

ExpressionHighlighter::ExpressionHighlighter(QTextDocument* document)
    : QSyntaxHighlighter(document) {
    setPalette(QPalette());
}

void ExpressionHighlighter::setFieldNames(const QSet<QString>& names) {
    if (names == m_fields) return;
    m_fields = names;
    rehighlight();
}

void ExpressionHighlighter::setPalette(const QPalette& palette) {
    const bool dark = theme::isDark(palette);
    m_keyword = {};
    m_keyword.setForeground(dark ? QColor(0xC6, 0x9C, 0xF5) : QColor(0x7A, 0x3E, 0xC8));
    m_keyword.setFontWeight(QFont::DemiBold);
    m_function = {};
    m_function.setForeground(dark ? QColor(0x6C, 0xB6, 0xFF) : QColor(0x0B, 0x5C, 0xC0));
    m_string = {};
    m_string.setForeground(dark ? QColor(0x9C, 0xD6, 0x7E) : QColor(0x1A, 0x7F, 0x37));
    m_number = {};
    m_number.setForeground(dark ? QColor(0xF0, 0xB0, 0x6A) : QColor(0xA8, 0x51, 0x00));
    m_field = {};
    m_field.setForeground(dark ? QColor(0x5F, 0xD3, 0xC8) : QColor(0x0B, 0x74, 0x6E));
    m_comment = {};
    m_comment.setForeground(palette.color(QPalette::PlaceholderText));
    m_comment.setFontItalic(true);
    rehighlight();
}

void ExpressionHighlighter::highlightBlock(const QString& text) {
    // A string or quoted name left open on a previous line continues here (state 1 / 2).
    int i = 0;
    const int n = static_cast<int>(text.size());
    auto scanQuoted = [&](int from, QChar quote) {
        int j = from;
        while (j < n) {
            if (text[j] == quote) {
                if (j + 1 < n && text[j + 1] == quote) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            ++j;
        }
        return -1;
    };
    setCurrentBlockState(0);
    if (previousBlockState() == 1 || previousBlockState() == 2) {
        const QChar quote = previousBlockState() == 1 ? QChar('\'') : QChar('`');
        const int end = scanQuoted(0, quote);
        if (end < 0) {
            setFormat(0, n, previousBlockState() == 1 ? m_string : m_field);
            setCurrentBlockState(previousBlockState());
            return;
        }
        if (previousBlockState() == 1) setFormat(0, end, m_string);
        i = end;
    }
    while (i < n) {
        const QChar c = text[i];
        if (c == '-' && i + 1 < n && text[i + 1] == '-') {
            setFormat(i, n - i, m_comment);
            return;
        }
        if (c == '\'' || c == '`') {
            const int end = scanQuoted(i + 1, c);
            const int stop = end < 0 ? n : end;
            if (c == '\'') {
                setFormat(i, stop - i, m_string);
            } else if (m_fields.contains(text.mid(i + 1, stop - i - 2).replace("``", "`"))) {
                setFormat(i, stop - i, m_field);
            }
            if (end < 0) {
                setCurrentBlockState(c == '\'' ? 1 : 2);
                return;
            }
            i = stop;
            continue;
        }
        if (c.isDigit() || (c == '.' && i + 1 < n && text[i + 1].isDigit())) {
            int j = i;
            while (j < n && (text[j].isDigit() || text[j] == '.')) ++j;
            if (j < n && (text[j] == 'e' || text[j] == 'E')) {
                int k = j + 1;
                if (k < n && (text[k] == '+' || text[k] == '-')) ++k;
                if (k < n && text[k].isDigit()) {
                    j = k;
                    while (j < n && text[j].isDigit()) ++j;
                }
            }
            setFormat(i, j - i, m_number);
            i = j;
            continue;
        }
        if (isIdentStart(c)) {
            int j = i;
            while (j < n && isIdentChar(text[j])) ++j;
            const QString word = text.mid(i, j - i);
            const QString upper = word.toUpper();
            int k = j;
            while (k < n && text[k].isSpace()) ++k;
            const bool call = k < n && text[k] == '(';
            if (m_fields.contains(word))
                setFormat(i, j - i, m_field);
            else if (call || functionSet().contains(upper))
                setFormat(i, j - i, call || !keywords().contains(upper) ? m_function : m_keyword);
            else if (keywords().contains(upper))
                setFormat(i, j - i, m_keyword);
            i = j;
            continue;
        }
        ++i;
    }
}

}  // namespace riffle
