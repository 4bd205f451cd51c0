#include "widgets/inspector/expression_edit.h"

#include <QAbstractItemView>
#include <QAbstractTextDocumentLayout>
#include <QCompleter>
#include <QFontDatabase>
#include <QKeyEvent>
#include <QMimeData>
#include <QPainter>
#include <QRegularExpression>
#include <QScrollBar>
#include <QStandardItemModel>
#include <QStyledItemDelegate>
#include <QTextBlock>

#include "engine/aggregate/aggregate_set.h"
#include "engine/expr/ast.h"
#include "engine/expr/expression.h"
#include "widgets/inspector/expression_highlighter.h"
#include "widgets/inspector/function_names.h"

namespace riffle {

namespace {

constexpr int kCheckDelayMs = 150;
constexpr int kMaxLines = 5;
constexpr int kKindRole = Qt::UserRole + 1;    // "field" or "function"
constexpr int kDetailRole = Qt::UserRole + 2;  // the field's type, or "function"

// The type (or "function") in grey at the right of each completion.
class CompletionDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* p, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        QStyledItemDelegate::paint(p, option, index);
        const QString detail = index.data(kDetailRole).toString();
        if (detail.isEmpty()) return;
        p->save();
        QColor c = option.palette.color(
            option.state & QStyle::State_Selected ? QPalette::HighlightedText : QPalette::Text);
        c.setAlphaF(0.55f);
        p->setPen(c);
        QFont f = option.font;
        f.setPointSizeF(f.pointSizeF() * 0.9);
        p->setFont(f);
        p->drawText(option.rect.adjusted(0, 0, -8, 0), Qt::AlignRight | Qt::AlignVCenter, detail);
        p->restore();
    }
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        QSize s = QStyledItemDelegate::sizeHint(option, index);
        s.setWidth(s.width() + 80);
        return s;
    }
};

bool isWordChar(QChar c) {
    return c.isLetterOrNumber() || c == '_';
}

// As agg::AggregateSet::compile() words it, so a node wired later says the same.
QString aggregateNames() {
    return QStringLiteral(
        "COUNT, SUM, AVG, MIN, MAX, FIRST_VALUE, LAST_VALUE, STDDEV, "
        "COUNT(DISTINCT x), APPROX_COUNT_DISTINCT, PERCENTILE or TOP_K");
}

}  // namespace

QString checkExpression(const QString& source, const Schema* schema, ExpressionKind kind,
                        bool emptyAllowed) {
    if (source.trimmed().isEmpty()) {
        if (emptyAllowed) return {};
        return kind == ExpressionKind::Aggregate
                   ? QObject::tr("Write an aggregate such as COUNT(*) or SUM(amount)")
                   : QObject::tr("Write an expression");
    }
    const std::string text = source.toStdString();
    if (!schema) {
        // Not wired: fields are unknown, so only the syntax (and the shape of an aggregate).
        auto tree = expr::ast::parse(text);
        if (!tree) return QString::fromStdString(tree.message());
        const expr::ast::Node& n = *tree.value();
        if (kind == ExpressionKind::Aggregate &&
            (n.kind != expr::ast::Kind::Call || !expr::ast::isAggregateFunction(n.name)))
            return QObject::tr("%1 is not an aggregate call; use %2")
                .arg(QString::fromStdString(expr::ast::describe(n)), aggregateNames());
        return {};
    }
    if (kind == ExpressionKind::Scalar) {
        auto e = expr::compile(text, *schema);
        return e ? QString() : QString::fromStdString(e.message());
    }
    // The same check the window nodes run on their `aggregates`; its messages name the
    // aggregate, which is redundant right under the field.
    static const std::string kName = "_";
    auto set = agg::AggregateSet::compile({NamedExpr{kName, text}}, *schema);
    if (set) return {};
    QString message = QString::fromStdString(set.message());
    const QString prefix = QStringLiteral("aggregate `%1`: ").arg(QString::fromStdString(kName));
    if (message.startsWith(prefix)) message = message.mid(prefix.size());
    return message;
}

ExpressionEdit::ExpressionEdit(QWidget* parent)
    : QPlainTextEdit(parent),
      m_highlighter(new ExpressionHighlighter(document())),
      m_completer(new QCompleter(this)),
      m_completions(new QStandardItemModel(this)) {
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setTabChangesFocus(true);
    setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    setLineWrapMode(QPlainTextEdit::WidgetWidth);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    // Undo goes through the document's QUndoStack (the application's Undo), not the field's own.
    setUndoRedoEnabled(false);
    document()->setDocumentMargin(3);
    m_highlighter->setPalette(palette());

    m_completer->setWidget(this);
    m_completer->setModel(m_completions);
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setFilterMode(Qt::MatchStartsWith);
    m_completer->setMaxVisibleItems(8);
    m_completer->popup()->setItemDelegate(new CompletionDelegate(m_completer->popup()));
    connect(m_completer, QOverload<const QModelIndex&>::of(&QCompleter::activated), this,
            &ExpressionEdit::insertCompletion);
    rebuildCompletions();

    m_checkTimer.setSingleShot(true);
    m_checkTimer.setInterval(kCheckDelayMs);
    connect(&m_checkTimer, &QTimer::timeout, this, &ExpressionEdit::checkNow);
    connect(document(), &QTextDocument::contentsChanged, this, &ExpressionEdit::onContentsChanged);
    updateHeight();
}

void ExpressionEdit::setText(const QString& text) {
    if (text == toPlainText()) return;
    const int pos = textCursor().position();
    m_settingText = true;
    setPlainText(text);
    m_settingText = false;
    QTextCursor c = textCursor();
    c.setPosition(std::min(pos, static_cast<int>(document()->characterCount()) - 1));
    setTextCursor(c);
    checkNow();
}

void ExpressionEdit::setKind(ExpressionKind kind) {
    m_kind = kind;
    rebuildCompletions();
    checkNow();
}

void ExpressionEdit::setEmptyAllowed(bool allowed) {
    m_emptyAllowed = allowed;
    checkNow();
}

void ExpressionEdit::setSchema(SchemaPtr schema) {
    if (schema == m_schema || (schema && m_schema && *schema == *m_schema)) return;
    m_schema = std::move(schema);
    QSet<QString> names;
    if (m_schema)
        for (const Field& f : m_schema->fields()) names.insert(QString::fromStdString(f.name));
    m_highlighter->setFieldNames(names);
    rebuildCompletions();
    checkNow();
}

void ExpressionEdit::checkNow() {
    m_checkTimer.stop();
    const QString problem = checkExpression(toPlainText(), m_schema.get(), m_kind, m_emptyAllowed);
    const bool changed = problem != m_problem;
    m_problem = problem;
    underlineProblem();
    if (changed) emit problemChanged(m_problem);
}

void ExpressionEdit::underlineProblem() {
    QList<QTextEdit::ExtraSelection> selections;
    // "1:7: message": underline from that column to the end of the word there.
    static const QRegularExpression kPosition(QStringLiteral("^(\\d+):(\\d+): "));
    const auto m = kPosition.match(m_problem);
    if (m.hasMatch()) {
        const QTextBlock block = document()->findBlockByNumber(m.captured(1).toInt() - 1);
        if (block.isValid()) {
            const QString line = block.text();
            int col = std::clamp(m.captured(2).toInt() - 1, 0, static_cast<int>(line.size()));
            int end = col;
            while (end < line.size() && isWordChar(line[end])) ++end;
            if (end == col) end = std::min(col + 1, static_cast<int>(line.size()));
            if (end == col && col > 0) --col;  // at the end of the text: mark the last character
            QTextEdit::ExtraSelection sel;
            sel.cursor = QTextCursor(block);
            sel.cursor.setPosition(block.position() + col);
            sel.cursor.setPosition(block.position() + end, QTextCursor::KeepAnchor);
            sel.format.setUnderlineStyle(QTextCharFormat::SpellCheckUnderline);
            sel.format.setUnderlineColor(QColor(0xE0, 0x31, 0x31));
            selections << sel;
        }
    }
    setExtraSelections(selections);
}

void ExpressionEdit::onContentsChanged() {
    updateHeight();
    if (m_settingText) return;
    setExtraSelections({});
    m_checkTimer.start();
    emit textEdited();
}

void ExpressionEdit::rebuildCompletions() {
    m_completions->clear();
    auto add = [&](const QString& text, const QString& kind, const QString& detail) {
        auto* item = new QStandardItem(text);
        item->setData(kind, kKindRole);
        item->setData(detail, kDetailRole);
        m_completions->appendRow(item);
    };
    if (m_schema)
        for (const Field& f : m_schema->fields())
            add(QString::fromStdString(f.name), QStringLiteral("field"),
                QString::fromLatin1(typeName(f.type).data(),
                                    static_cast<int>(typeName(f.type).size())));
    QStringList functions = scalarFunctionNames();
    if (m_kind == ExpressionKind::Aggregate) functions << aggregateFunctionNames();
    functions.removeDuplicates();
    functions.sort();
    for (const QString& f : functions) add(f, QStringLiteral("function"), tr("function"));
}

QString ExpressionEdit::wordBeforeCursor() const {
    const QTextCursor c = textCursor();
    const QString line = c.block().text();
    const int col = c.positionInBlock();
    // Inside a string literal nothing is completed.
    if (line.left(col).count('\'') % 2 == 1) return {};
    int start = col;
    while (start > 0 && isWordChar(line[start - 1])) --start;
    if (start < col && line[start].isDigit()) return {};
    return line.mid(start, col - start);
}

void ExpressionEdit::insertCompletion(const QModelIndex& index) {
    const QString word = index.data(Qt::DisplayRole).toString();
    const bool function = index.data(kKindRole).toString() == QLatin1String("function");
    QTextCursor c = textCursor();
    const QString prefix = wordBeforeCursor();
    // Replace the word around the cursor, so completing in the middle of a name replaces it all.
    const QString line = c.block().text();
    const int start = c.positionInBlock() - static_cast<int>(prefix.size());
    int end = c.positionInBlock();
    while (end < line.size() && isWordChar(line[end])) ++end;
    c.setPosition(c.block().position() + start);
    c.setPosition(c.block().position() + end, QTextCursor::KeepAnchor);
    QString insert = word;
    const bool hasParen = end < line.size() && line[end] == '(';
    if (function && !hasParen) insert += '(';
    c.insertText(insert);
    setTextCursor(c);
}

bool ExpressionEdit::event(QEvent* e) {
    // Tab normally moves the focus before keyPressEvent() sees it; with the completion list open
    // it takes the highlighted name instead.
    if (e->type() == QEvent::KeyPress && m_completer->popup()->isVisible()) {
        auto* k = static_cast<QKeyEvent*>(e);
        if (k->key() == Qt::Key_Tab || k->key() == Qt::Key_Backtab) {
            keyPressEvent(k);
            return true;
        }
    }
    return QPlainTextEdit::event(e);
}

void ExpressionEdit::keyPressEvent(QKeyEvent* e) {
    QAbstractItemView* popup = m_completer->popup();
    if (popup->isVisible()) {
        switch (e->key()) {
            case Qt::Key_Enter:
            case Qt::Key_Return:
            case Qt::Key_Tab:
                if (popup->currentIndex().isValid()) {
                    insertCompletion(popup->currentIndex());
                    popup->hide();
                    e->accept();
                    return;
                }
                popup->hide();
                break;
            case Qt::Key_Escape:
            case Qt::Key_Backtab:
                popup->hide();
                e->accept();
                return;
            default:
                break;
        }
    }
    if (e->key() == Qt::Key_Return || e->key() == Qt::Key_Enter) {
        checkNow();
        emit editingFinished();
        e->accept();
        return;
    }
    const bool shortcut = e->key() == Qt::Key_Space && (e->modifiers() & Qt::ControlModifier);
    if (!shortcut) QPlainTextEdit::keyPressEvent(e);

    const QString prefix = wordBeforeCursor();
    const QString typed = e->text();
    const bool wordKey = !typed.isEmpty() && isWordChar(typed.back());
    if (!shortcut && (!wordKey || prefix.isEmpty())) {
        popup->hide();
        return;
    }
    if (prefix != m_completer->completionPrefix()) m_completer->setCompletionPrefix(prefix);
    if (m_completer->completionCount() == 0 ||
        (m_completer->completionCount() == 1 && m_completer->currentCompletion() == prefix)) {
        popup->hide();
        return;
    }
    popup->setCurrentIndex(m_completer->completionModel()->index(0, 0));
    QRect r = cursorRect();
    r.setWidth(std::max(
        popup->sizeHintForColumn(0) + popup->verticalScrollBar()->sizeHint().width(), 220));
    m_completer->complete(r);
}

void ExpressionEdit::focusOutEvent(QFocusEvent* e) {
    QPlainTextEdit::focusOutEvent(e);
    if (e->reason() == Qt::PopupFocusReason) return;  // the completion list took the focus
    checkNow();
    emit editingFinished();
}

void ExpressionEdit::changeEvent(QEvent* e) {
    QPlainTextEdit::changeEvent(e);
    if (e->type() == QEvent::PaletteChange) m_highlighter->setPalette(palette());
    if (e->type() == QEvent::FontChange) updateHeight();
}

void ExpressionEdit::resizeEvent(QResizeEvent* e) {
    QPlainTextEdit::resizeEvent(e);
    updateHeight();
}

void ExpressionEdit::insertFromMimeData(const QMimeData* source) {
    // An expression pasted from elsewhere keeps its words but not its line breaks.
    QString text = source->text();
    text.replace(QRegularExpression(QStringLiteral("\\s*\\n\\s*")), QStringLiteral(" "));
    textCursor().insertText(text);
}

void ExpressionEdit::updateHeight() {
    const int lines = std::clamp(
        static_cast<int>(document()->documentLayout()->documentSize().height()), 1, kMaxLines);
    const int h = lines * fontMetrics().lineSpacing() +
                  static_cast<int>(2 * document()->documentMargin()) + 2 * frameWidth() +
                  contentsMargins().top() + contentsMargins().bottom() + 2;
    const bool overflow = document()->documentLayout()->documentSize().height() > kMaxLines;
    setVerticalScrollBarPolicy(overflow ? Qt::ScrollBarAsNeeded : Qt::ScrollBarAlwaysOff);
    if (h != height() || minimumHeight() != h) setFixedHeight(h);
}

QSize ExpressionEdit::sizeHint() const {
    return {fontMetrics().horizontalAdvance(QLatin1Char('x')) * 28, height()};
}

QSize ExpressionEdit::minimumSizeHint() const {
    return {fontMetrics().horizontalAdvance(QLatin1Char('x')) * 8, height()};
}

}  // namespace riffle
