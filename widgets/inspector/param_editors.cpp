#include "widgets/inspector/param_editors.h"

#include "engine/graph/secrets.h"

#include <QAbstractSpinBox>
#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QRegularExpression>
#include <QStringListModel>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "engine/core/time_format.h"
#include "widgets/inspector/expression_edit.h"
#include "widgets/inspector/inspector_style.h"

namespace riffle {

namespace {

QString fromStd(const std::string& s) {
    return QString::fromStdString(s);
}

// A value as the text a field shows: strings as they are, anything else as JSON.
QString valueText(const Json& v) {
    if (v.is_null()) return {};
    if (v.is_string()) return fromStd(v.get<std::string>());
    return fromStd(v.dump());
}

// Replaces a line edit's text without disturbing the user more than needed: nothing happens when
// the text is already right, otherwise the cursor stays where it was (clamped).
void setTextInPlace(QLineEdit* edit, const QString& text) {
    if (edit->text() == text) return;
    const int pos = edit->cursorPosition();
    edit->setText(text);
    edit->setCursorPosition(std::min(pos, static_cast<int>(text.size())));
}

// Scrolling the inspector over a number box or combo box must scroll the inspector, not change
// the value, unless the user is working in that field.
class WheelGuard : public QObject {
public:
    using QObject::QObject;
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::Wheel) {
            auto* w = qobject_cast<QWidget*>(watched);
            if (w && !w->hasFocus()) {
                event->ignore();
                return true;
            }
        }
        return false;
    }
};

// Keeps a unit label at the right end inside a line edit (as QSpinBox's suffix), so that fields
// in one column keep one width whatever their units.
class SuffixPlacer : public QObject {
public:
    SuffixPlacer(QLineEdit* edit, QLabel* label) : QObject(edit), m_edit(edit), m_label(label) {
        edit->installEventFilter(this);
    }
    bool eventFilter(QObject*, QEvent* e) override {
        if (e->type() == QEvent::Resize || e->type() == QEvent::Show) place();
        return false;
    }
    void place() {
        const int w = m_label->sizeHint().width();
        m_label->setGeometry(m_edit->width() - w - 6, 0, w, m_edit->height());
    }

private:
    QLineEdit* m_edit;
    QLabel* m_label;
};

void addSuffix(QLineEdit* edit, const QString& unit) {
    auto* label = new QLabel(unit, edit);
    label->setObjectName(QStringLiteral("unit"));
    label->setAttribute(Qt::WA_TransparentForMouseEvents);
    label->setAlignment(Qt::AlignVCenter | Qt::AlignRight);
    QPalette p = label->palette();
    p.setColor(QPalette::WindowText, inspector_style::hintColor(edit->palette()));
    label->setPalette(p);
    QMargins m = edit->textMargins();
    m.setRight(label->sizeHint().width() + 8);
    edit->setTextMargins(m);
    (new SuffixPlacer(edit, label))->place();
}

void guardWheel(QWidget* w) {
    w->setFocusPolicy(Qt::StrongFocus);
    w->installEventFilter(new WheelGuard(w));
}

// Small line icons for the list rows, drawn in the palette's text colour (the style's arrow
// pixmaps are coloured bitmaps that clash with the rest of the form).
enum class Glyph { Up, Down, Remove };

QIcon glyphIcon(Glyph glyph, const QPalette& palette) {
    auto draw = [&](const QColor& color) {
        const qreal dpr = 2.0;
        QPixmap pm(QSize(16, 16) * dpr);
        pm.setDevicePixelRatio(dpr);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(QPen(color, 1.5, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        switch (glyph) {
            case Glyph::Up:
                p.drawPolyline(QPolygonF({{4.5, 10}, {8, 6.5}, {11.5, 10}}));
                break;
            case Glyph::Down:
                p.drawPolyline(QPolygonF({{4.5, 6.5}, {8, 10}, {11.5, 6.5}}));
                break;
            case Glyph::Remove:
                p.drawLine(QPointF(5, 5), QPointF(11, 11));
                p.drawLine(QPointF(11, 5), QPointF(5, 11));
                break;
        }
        return pm;
    };
    QIcon icon;
    icon.addPixmap(draw(inspector_style::hintColor(palette)), QIcon::Normal);
    icon.addPixmap(draw(palette.color(QPalette::WindowText)), QIcon::Active);
    QColor disabled = inspector_style::hintColor(palette);
    disabled.setAlphaF(0.35f);
    icon.addPixmap(draw(disabled), QIcon::Disabled);
    return icon;
}

// ---- Bool -------------------------------------------------------------------------------------

class BoolEditor : public ParamEditor {
public:
    explicit BoolEditor(const ParamSpec& spec) : ParamEditor(spec) {
        m_box = new QCheckBox(this);
        // As tall as a text field, so the label beside it lines up the same way.
        m_box->setMinimumHeight(QLineEdit().sizeHint().height());
        m_box->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
        setMainRow(m_box);
        connect(m_box, &QCheckBox::clicked, this, [this](bool on) { commit(on); });
    }
    QWidget* inputWidget() const override { return m_box; }

protected:
    void showValue(const Json& v) override {
        const Json& shown = v.is_boolean() ? v : spec().defaultValue;
        m_box->setChecked(shown.is_boolean() && shown.get<bool>());
    }

private:
    QCheckBox* m_box;
};

// ---- Int / Float ------------------------------------------------------------------------------

// A spin box whose text may be empty (the parameter's default applies, shown as placeholder).
// QSpinBox always holds a number, so this one keeps the text and interprets it itself.
class NumberBox : public QAbstractSpinBox {
public:
    NumberBox(const ParamSpec& spec, QWidget* parent) : QAbstractSpinBox(parent), m_spec(spec) {
        m_isInt = spec.type == ParamType::Int;
        setCorrectionMode(QAbstractSpinBox::CorrectToPreviousValue);
        setKeyboardTracking(true);
        setAccelerated(true);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }
    QLineEdit* edit() const { return lineEdit(); }
    std::function<void()> onStepped;

    std::optional<double> parsed(const QString& text) const {
        const QString t = text.trimmed();
        bool ok = false;
        if (m_isInt) {
            const qlonglong v = t.toLongLong(&ok);
            return ok ? std::optional<double>(static_cast<double>(v)) : std::nullopt;
        }
        const double v = QLocale::c().toDouble(t, &ok);
        return ok && std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
    }
    QString format(double v) const {
        if (m_isInt || (v == std::floor(v) && std::fabs(v) < 1e15))
            return QString::number(static_cast<qlonglong>(std::llround(v)));
        return fromStd(Json(v).dump());
    }

protected:
    QValidator::State validate(QString& input, int&) const override {
        const QString t = input.trimmed();
        if (t.isEmpty()) return QValidator::Acceptable;
        static const QRegularExpression kInt(QStringLiteral("^[+-]?\\d*$"));
        static const QRegularExpression kFloat(
            QStringLiteral("^[+-]?\\d*\\.?\\d*([eE][+-]?\\d*)?$"));
        if (!(m_isInt ? kInt : kFloat).match(t).hasMatch()) return QValidator::Invalid;
        // Out-of-range numbers are accepted and explained under the field, so the user can type
        // through them (5 on the way to 512).
        return parsed(t) ? QValidator::Acceptable : QValidator::Intermediate;
    }
    void fixup(QString&) const override {}
    void stepBy(int steps) override {
        std::optional<double> base = parsed(text());
        if (!base && m_spec.defaultValue.is_number()) base = m_spec.defaultValue.get<double>();
        double v = base.value_or(m_spec.minValue.value_or(0)) + steps * stepSize();
        if (m_spec.minValue) v = std::max(v, *m_spec.minValue);
        if (m_spec.maxValue) v = std::min(v, *m_spec.maxValue);
        lineEdit()->setText(format(v));
        lineEdit()->selectAll();
        if (onStepped) onStepped();
    }
    StepEnabled stepEnabled() const override {
        if (isReadOnly()) return StepNone;
        const std::optional<double> v = parsed(text());
        StepEnabled e = StepUpEnabled | StepDownEnabled;
        if (v && m_spec.minValue && *v <= *m_spec.minValue) e &= ~StepDownEnabled;
        if (v && m_spec.maxValue && *v >= *m_spec.maxValue) e &= ~StepUpEnabled;
        return e;
    }
    void wheelEvent(QWheelEvent* e) override {
        if (!hasFocus()) {
            e->ignore();
            return;
        }
        QAbstractSpinBox::wheelEvent(e);
    }

private:
    double stepSize() const {
        if (m_isInt) return 1;
        if (m_spec.maxValue && *m_spec.maxValue - m_spec.minValue.value_or(0) <= 10) return 0.1;
        return 1;
    }
    ParamSpec m_spec;
    bool m_isInt = true;
};

class NumberEditor : public ParamEditor {
public:
    explicit NumberEditor(const ParamSpec& spec) : ParamEditor(spec) {
        m_box = new NumberBox(spec, this);
        m_box->setFocusPolicy(Qt::StrongFocus);
        const Json& def = spec.defaultValue;
        m_box->edit()->setPlaceholderText(def.is_number_float() ? m_box->format(def.get<double>())
                                                                : defaultText());
        if (!spec.unit.empty()) addSuffix(m_box->edit(), QString::fromStdString(spec.unit));
        setMainRow(m_box, false);
        connect(m_box->edit(), &QLineEdit::textEdited, this, [this] { onText(); });
        m_box->onStepped = [this] { onText(); };
    }
    QWidget* inputWidget() const override { return m_box; }

protected:
    void showValue(const Json& v) override {
        setTextInPlace(m_box->edit(),
                       v.is_number_float() ? m_box->format(v.get<double>()) : valueText(v));
        updateMessage(v);
    }

private:
    void onText() {
        const QString t = m_box->text().trimmed();
        if (t.isEmpty()) {
            updateMessage(nullptr);
            commit(nullptr);
            return;
        }
        const std::optional<double> v = m_box->parsed(t);
        if (!v) return;  // "-" on the way to a number: nothing to store yet
        // A float written without a point or exponent is stored as the user wrote it (5000, not
        // 5000.0), as the example projects do; both are numbers to the project format.
        bool integral = false;
        const qlonglong asInt = t.toLongLong(&integral);
        const Json value = spec().type == ParamType::Int
                               ? Json(static_cast<int64_t>(std::llround(*v)))
                           : integral ? Json(static_cast<int64_t>(asInt))
                                      : Json(*v);
        updateMessage(value);
        commit(value);
    }
    void updateMessage(const Json& v) {
        if (!v.is_number()) {
            setMessage({});
            return;
        }
        // The engine's rule and words (checkParam), with the unit.
        const ParamSpec& s = spec();
        const QString unit = s.unit.empty() ? QString() : QStringLiteral(" ") + fromStd(s.unit);
        setMessage(inRange(s, v.get<double>())
                       ? QString()
                       : tr("Must be %1%2").arg(fromStd(rangeText(s)), unit));
    }
    NumberBox* m_box;
};

// ---- Duration ---------------------------------------------------------------------------------

class DurationEditor : public ParamEditor {
public:
    explicit DurationEditor(const ParamSpec& spec) : ParamEditor(spec) {
        m_edit = new QLineEdit(this);
        m_edit->setPlaceholderText(defaultText());
        setMainRow(m_edit);
        connect(m_edit, &QLineEdit::textEdited, this, [this](const QString& text) {
            const QString t = text.trimmed();
            setMessage(durationProblem(t, this->spec()));
            commit(t.isEmpty() ? Json() : Json(t.toStdString()));
        });
    }
    QWidget* inputWidget() const override { return m_edit; }

protected:
    void showValue(const Json& v) override {
        const QString text = valueText(v);
        if (m_edit->text().trimmed() != text) setTextInPlace(m_edit, text);
        setMessage(durationProblem(text, spec()));
    }

private:
    QLineEdit* m_edit;
};

// ---- Choice -----------------------------------------------------------------------------------

class ChoiceEditor : public ParamEditor {
public:
    explicit ChoiceEditor(const ParamSpec& spec) : ParamEditor(spec) {
        m_combo = new QComboBox(this);
        guardWheel(m_combo);
        const QString def = valueText(spec.defaultValue);
        for (const auto& c : spec.choices) {
            const QString choice = fromStd(c);
            m_combo->addItem(choice == def ? tr("%1 (default)").arg(choice) : choice, choice);
        }
        setMainRow(m_combo);
        connect(m_combo, &QComboBox::activated, this, [this](int index) {
            const QString choice = m_combo->itemData(index).toString();
            removeStray();
            setMessage({});
            commit(choice.toStdString());
        });
    }
    QWidget* inputWidget() const override { return m_combo; }

protected:
    void showValue(const Json& v) override {
        removeStray();
        const QString choice = valueText(v.is_null() ? spec().defaultValue : v);
        int index = m_combo->findData(choice);
        if (index < 0 && !choice.isEmpty()) {
            // A value the spec does not know (an edited file): show it, say what is allowed.
            m_combo->addItem(choice, choice);
            index = m_combo->count() - 1;
            m_stray = index;
            QStringList allowed;
            for (const auto& c : spec().choices) allowed << fromStd(c);
            setMessage(tr("`%1` is not one of %2").arg(choice, allowed.join(QStringLiteral(", "))));
        } else {
            setMessage({});
        }
        m_combo->setCurrentIndex(index);
    }

private:
    void removeStray() {
        if (m_stray >= 0) m_combo->removeItem(m_stray);
        m_stray = -1;
    }
    QComboBox* m_combo;
    int m_stray = -1;
};

// ---- String / Path / Secret -------------------------------------------------------------------

class TextEditor : public ParamEditor {
public:
    TextEditor(const ParamSpec& spec, const ParamEditorContext& context)
        : ParamEditor(spec), m_context(context) {
        m_edit = new QLineEdit(this);
        const bool secret = spec.type == ParamType::Secret;
        m_edit->setPlaceholderText(!defaultText().isEmpty() ? defaultText()
                                   : secret                 ? QStringLiteral("${env:NAME}")
                                                            : QString());
        connect(m_edit, &QLineEdit::textEdited, this, [this](const QString& t) { onText(t); });
        if (spec.type != ParamType::Path) {
            setMainRow(m_edit);
            return;
        }
        auto* row = new QWidget(this);
        auto* h = new QHBoxLayout(row);
        h->setContentsMargins(0, 0, 0, 0);
        h->setSpacing(4);
        h->addWidget(m_edit, 1);
        auto* browse = new QToolButton(row);
        browse->setText(QStringLiteral("…"));
        browse->setToolTip(tr("Choose a file"));
        browse->setObjectName(QStringLiteral("browse"));
        h->addWidget(browse);
        connect(browse, &QToolButton::clicked, this, [this] { this->browse(); });
        setMainRow(row);
    }
    QWidget* inputWidget() const override { return m_edit; }

protected:
    void showValue(const Json& v) override {
        setTextInPlace(m_edit, valueText(v));
        setMessage({});
    }

private:
    void onText(const QString& t) {
        if (spec().type == ParamType::Secret && !t.isEmpty() &&
            !isSecretReference(t.toStdString())) {
            // Not stored: the project file must never hold a secret itself.
            setMessage(tr("Not saved: a secret typed here would be written into the project file. "
                          "Write a reference such as ${env:NAME} or ${secret:NAME}."),
                       Severity::Warning);
            return;
        }
        setMessage({});
        commit(t.isEmpty() ? Json() : Json(t.toStdString()));
    }
    void browse() {
        const QDir base(m_context.baseDir.isEmpty() ? QDir::currentPath() : m_context.baseDir);
        const QString current =
            m_edit->text().isEmpty() ? base.path() : base.absoluteFilePath(m_edit->text());
        const QString caption = tr("Choose %1").arg(paramLabel(spec().key).toLower());
        const QString chosen = spec().role == ParamRole::WritesFile
                                   ? QFileDialog::getSaveFileName(this, caption, current)
                                   : QFileDialog::getOpenFileName(this, caption, current);
        if (chosen.isEmpty()) return;
        // Inside the project's folder a relative path keeps the project movable.
        QString path = chosen;
        if (!m_context.baseDir.isEmpty()) {
            const QString rel = base.relativeFilePath(chosen);
            if (!rel.startsWith(QLatin1String(".."))) path = rel;
        }
        m_edit->setText(path);
        onText(path);
    }
    ParamEditorContext m_context;
    QLineEdit* m_edit;
};

// ---- StringList -------------------------------------------------------------------------------

// A flow of widgets that wraps to the next line (Qt's "Flow Layout" example, trimmed).
class FlowLayout : public QLayout {
public:
    explicit FlowLayout(QWidget* parent, int spacing) : QLayout(parent), m_spacing(spacing) {
        setContentsMargins(0, 0, 0, 0);
    }
    ~FlowLayout() override {
        while (QLayoutItem* item = takeAt(0)) delete item;
    }
    void addItem(QLayoutItem* item) override { m_items.append(item); }
    int count() const override { return static_cast<int>(m_items.size()); }
    QLayoutItem* itemAt(int i) const override { return m_items.value(i); }
    QLayoutItem* takeAt(int i) override {
        return i >= 0 && i < m_items.size() ? m_items.takeAt(i) : nullptr;
    }
    Qt::Orientations expandingDirections() const override { return {}; }
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override {
        return layoutItems(QRect(0, 0, width, 0), true);
    }
    void setGeometry(const QRect& rect) override {
        QLayout::setGeometry(rect);
        layoutItems(rect, false);
    }
    QSize sizeHint() const override { return minimumSize(); }
    QSize minimumSize() const override {
        QSize s;
        for (const QLayoutItem* item : m_items) s = s.expandedTo(item->minimumSize());
        return s;
    }

private:
    int layoutItems(const QRect& rect, bool testOnly) const {
        int x = rect.x(), y = rect.y(), lineHeight = 0;
        for (QLayoutItem* item : m_items) {
            const QSize hint = item->sizeHint();
            if (x + hint.width() > rect.right() + 1 && lineHeight > 0) {
                x = rect.x();
                y += lineHeight + m_spacing;
                lineHeight = 0;
            }
            if (!testOnly) item->setGeometry(QRect(QPoint(x, y), hint));
            x += hint.width() + m_spacing;
            lineHeight = std::max(lineHeight, hint.height());
        }
        return y + lineHeight - rect.y();
    }
    QList<QLayoutItem*> m_items;
    int m_spacing;
};

// One item of a list: its text in a rounded pill with a remove cross. An item the input schema
// does not have gets a red outline and says so in its tooltip.
class Chip : public QWidget {
public:
    Chip(const QString& text, QWidget* parent) : QWidget(parent), m_text(text) {
        setCursor(Qt::ArrowCursor);
        setMouseTracking(true);
        setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
        setToolTip(text);
    }
    std::function<void()> onRemove;
    const QString& text() const { return m_text; }
    void setUnknown(bool unknown, const QString& why) {
        m_unknown = unknown;
        setToolTip(unknown ? why : m_text);
        update();
    }
    QSize sizeHint() const override {
        const QFontMetrics fm(font());
        return {kPadLeft + fm.horizontalAdvance(m_text) + kGap + crossSize() + kPadRight,
                fm.height() + 8};
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        const QRectF r = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
        const QPalette& pal = palette();
        QColor fill = pal.color(QPalette::Highlight);
        fill.setAlphaF(theme::isDark(pal) ? 0.28f : 0.14f);
        QColor border =
            m_unknown ? inspector_style::errorColor(pal) : pal.color(QPalette::Highlight);
        if (!m_unknown) border.setAlphaF(0.55f);
        p.setPen(QPen(border, 1));
        p.setBrush(fill);
        p.drawRoundedRect(r, r.height() / 2, r.height() / 2);
        p.setPen(pal.color(QPalette::WindowText));
        p.drawText(
            QRect(kPadLeft, 0, width() - kPadLeft - kGap - crossSize() - kPadRight, height()),
            Qt::AlignVCenter | Qt::AlignLeft, m_text);
        const QRectF cross = crossRect();
        QColor c = m_hoverCross ? pal.color(QPalette::WindowText) : inspector_style::hintColor(pal);
        p.setPen(QPen(c, 1.4, Qt::SolidLine, Qt::RoundCap));
        const QRectF x = cross.adjusted(1.5, 1.5, -1.5, -1.5);
        p.drawLine(x.topLeft(), x.bottomRight());
        p.drawLine(x.topRight(), x.bottomLeft());
    }
    void mouseMoveEvent(QMouseEvent* e) override {
        const bool over = crossRect().adjusted(-3, -3, 3, 3).contains(e->position());
        if (over != m_hoverCross) {
            m_hoverCross = over;
            update();
        }
    }
    void leaveEvent(QEvent*) override {
        m_hoverCross = false;
        update();
    }
    void mouseReleaseEvent(QMouseEvent* e) override {
        if (e->button() == Qt::LeftButton &&
            crossRect().adjusted(-3, -3, 3, 3).contains(e->position()) && onRemove)
            onRemove();
    }

private:
    static constexpr int kPadLeft = 10, kGap = 5, kPadRight = 7;
    int crossSize() const { return QFontMetrics(font()).height() * 3 / 5; }
    QRectF crossRect() const {
        const int s = crossSize();
        return QRectF(width() - kPadRight - s, (height() - s) / 2.0, s, s);
    }
    QString m_text;
    bool m_unknown = false;
    bool m_hoverCross = false;
};

// Whether Enter goes to `c` (a suggestion is current in its list) rather than to its field.
bool completerHasIt(const QCompleter* c) {
    return c->popup()->isVisible() && c->popup()->currentIndex().isValid();
}

class StringListEditor : public ParamEditor {
public:
    StringListEditor(const ParamSpec& spec, const ParamEditorContext& context)
        : ParamEditor(spec),
          m_picks(spec.role == ParamRole::InputFields),
          m_numbersOnly(spec.picks == FieldPick::Numbers) {
        m_chips = new QWidget(this);
        m_chips->setObjectName(QStringLiteral("chips"));
        m_flow = new FlowLayout(m_chips, 4);
        mainLayout()->insertWidget(0, m_chips);

        auto* row = new QWidget(this);
        auto* h = new QHBoxLayout(row);
        h->setContentsMargins(0, 0, 0, 0);
        h->setSpacing(4);
        m_add = new QLineEdit(row);
        m_add->setPlaceholderText(m_picks ? tr("Add a field…") : tr("Add an item, then Enter"));
        h->addWidget(m_add, 1);
        m_pick = new QPushButton(tr("Fields"), row);
        m_pick->setObjectName(QStringLiteral("pickFields"));
        m_pick->setToolTip(tr("Pick from the input's fields"));
        m_menu = new QMenu(m_pick);
        m_menu->setObjectName(QStringLiteral("fieldMenu"));
        m_pick->setMenu(m_menu);
        m_pick->setVisible(m_picks);
        h->addWidget(m_pick);
        mainLayout()->insertWidget(1, row);

        m_fieldModel = new QStringListModel(this);
        auto* completer = new QCompleter(m_fieldModel, m_add);
        completer->setCaseSensitivity(Qt::CaseInsensitive);
        completer->setFilterMode(Qt::MatchContains);
        m_add->setCompleter(completer);
        // While a suggestion is current, Enter is the completer's: it hands the key to the field
        // first, then emits activated() with the suggestion. Adding on the field's own Enter
        // too added the item twice, and changing the list under the completer made it emit the
        // typed prefix as well.
        connect(completer, QOverload<const QString&>::of(&QCompleter::activated), this,
                [this](const QString& text) {
                    // The completer writes the text into the field after this; clear it after.
                    QMetaObject::invokeMethod(
                        this,
                        [this, text] {
                            addItem(text);
                            m_add->clear();
                        },
                        Qt::QueuedConnection);
                });
        connect(m_add, &QLineEdit::returnPressed, this, [this, completer] {
            if (completerHasIt(completer)) return;
            addItem(m_add->text());
            m_add->clear();
        });
        connect(m_add, &QLineEdit::editingFinished, this, [this, completer] {
            // Leaving the field keeps what was typed: the model has it once the focus moves.
            if (m_add->text().trimmed().isEmpty() || completerHasIt(completer)) return;
            addItem(m_add->text());
            m_add->clear();
        });
        refreshFields();
    }
    QWidget* inputWidget() const override { return m_add; }
    void setInputSchema(SchemaPtr schema) override {
        ParamEditor::setInputSchema(std::move(schema));
        refreshFields();
        refreshChips();
    }
    QStringList items() const { return m_items; }

protected:
    void showValue(const Json& v) override {
        QStringList items;
        const Json& shown = v.is_null() ? spec().defaultValue : v;
        if (shown.is_string()) items << fromStd(shown.get<std::string>());
        if (shown.is_array())
            for (const auto& e : shown)
                if (e.is_string()) items << fromStd(e.get<std::string>());
        setItems(items);
    }

private:
    QStringList schemaFields() const {
        QStringList out;
        if (inputSchema())
            for (const Field& f : inputSchema()->fields())
                if (f.name != kTimeField && (!m_numbersOnly || isNumeric(f.type)))
                    out << fromStd(f.name);
        return out;
    }
    void addItem(const QString& text) {
        const QString t = text.trimmed();
        if (t.isEmpty() || m_items.contains(t)) return;
        QStringList items = m_items;
        items << t;
        setItems(items);
        commitItems();
    }
    void removeItem(const QString& text) {
        QStringList items = m_items;
        items.removeAll(text);
        setItems(items);
        commitItems();
    }
    void commitItems() {
        if (m_items.isEmpty()) {
            const Json& def = spec().defaultValue;
            commit(def.is_null() || (def.is_array() && def.empty()) ? Json() : Json::array());
            return;
        }
        Json list = Json::array();
        for (const QString& s : m_items) list.push_back(s.toStdString());
        commit(list);
    }
    void setItems(const QStringList& items) {
        if (items != m_items || m_flow->count() != items.size()) {
            m_items = items;
            while (QLayoutItem* item = m_flow->takeAt(0)) {
                delete item->widget();
                delete item;
            }
            for (const QString& s : m_items) {
                auto* chip = new Chip(s, m_chips);
                chip->onRemove = [this, s] {
                    // Removing the chip destroys it: leave its event handler first.
                    QMetaObject::invokeMethod(
                        this, [this, s] { removeItem(s); }, Qt::QueuedConnection);
                };
                m_flow->addWidget(chip);
            }
            m_chips->setVisible(!m_items.isEmpty());
            m_chips->updateGeometry();
        }
        refreshChips();
        refreshFields();
    }
    void refreshChips() {
        // Only plain names are checked: an order_by item such as `views DESC` is an expression.
        static const QRegularExpression kName(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
        const bool known = m_picks && inputSchema();
        for (int i = 0; i < m_flow->count(); ++i) {
            auto* chip = static_cast<Chip*>(m_flow->itemAt(i)->widget());
            const bool unknown = known && kName.match(chip->text()).hasMatch() &&
                                 inputSchema()->indexOf(chip->text().toStdString()) < 0;
            chip->setUnknown(unknown, tr("`%1` is not a field of the input").arg(chip->text()));
        }
    }
    void refreshFields() {
        const QStringList fields = schemaFields();
        QStringList open;
        for (const QString& f : fields)
            if (!m_items.contains(f)) open << f;
        m_fieldModel->setStringList(m_picks ? open : QStringList());
        m_menu->clear();
        if (fields.isEmpty()) {
            QAction* a = m_menu->addAction(tr("Connect an input to pick its fields"));
            a->setEnabled(false);
            return;
        }
        for (const QString& f : fields) {
            QAction* a = m_menu->addAction(f);
            a->setCheckable(true);
            a->setChecked(m_items.contains(f));
            connect(a, &QAction::toggled, this, [this, f](bool on) {
                QMetaObject::invokeMethod(
                    this, [this, f, on] { on ? addItem(f) : removeItem(f); }, Qt::QueuedConnection);
            });
        }
    }

    bool m_picks;
    bool m_numbersOnly;
    QStringList m_items;
    QWidget* m_chips;
    FlowLayout* m_flow;
    QLineEdit* m_add;
    QPushButton* m_pick;
    QMenu* m_menu;
    QStringListModel* m_fieldModel;
};

// ---- NamedExprList ----------------------------------------------------------------------------

class NamedExprListEditor : public ParamEditor {
public:
    NamedExprListEditor(const ParamSpec& spec, const ParamEditorContext& context)
        : ParamEditor(spec), m_aggregates(spec.role == ParamRole::Aggregates) {
        auto* box = new QWidget(this);
        m_rowsLayout = new QVBoxLayout(box);
        m_rowsLayout->setContentsMargins(0, 0, 0, 0);
        m_rowsLayout->setSpacing(6);
        mainLayout()->insertWidget(0, box);
        m_add = new QPushButton(m_aggregates ? tr("Add aggregate") : tr("Add field"), this);
        m_add->setObjectName(QStringLiteral("addRow"));
        m_add->setText(QStringLiteral("+  ") + m_add->text());
        m_add->setSizePolicy(QSizePolicy::Maximum, QSizePolicy::Fixed);
        mainLayout()->insertWidget(1, m_add, 0, Qt::AlignLeft);
        connect(m_add, &QPushButton::clicked, this, [this] { addRow(); });
    }
    QWidget* inputWidget() const override {
        return m_rows.empty() ? static_cast<QWidget*>(m_add) : m_rows.front().expr;
    }
    bool wide() const override { return true; }
    void setInputSchema(SchemaPtr schema) override {
        ParamEditor::setInputSchema(schema);
        for (Row& r : m_rows) r.expr->setSchema(schema);
        updateMessages();
    }

protected:
    void changeEvent(QEvent* e) override {
        ParamEditor::changeEvent(e);
        if (e->type() != QEvent::PaletteChange) return;
        for (const Row& r : m_rows)
            for (QToolButton* b : {r.up, r.down, r.remove})
                b->setIcon(glyphIcon(static_cast<Glyph>(b->property("glyph").toInt()), palette()));
        updateMessages();
    }

    void showValue(const Json& v) override {
        const std::vector<NamedExpr> items = parse(v.is_null() ? spec().defaultValue : v);
        if (items.size() != m_rows.size()) {
            rebuild(items);
        } else {
            for (size_t i = 0; i < items.size(); ++i) {
                setTextInPlace(m_rows[i].name, fromStd(items[i].name));
                m_rows[i].expr->setText(fromStd(items[i].expr));
            }
        }
        updateMessages();
    }

private:
    struct Row {
        QWidget* widget = nullptr;
        QLineEdit* name = nullptr;
        ExpressionEdit* expr = nullptr;
        QLabel* message = nullptr;
        QToolButton *up = nullptr, *down = nullptr, *remove = nullptr;
    };

    static std::vector<NamedExpr> parse(const Json& v) {
        std::vector<NamedExpr> out;
        if (!v.is_array()) return out;
        for (const auto& e : v) {
            NamedExpr ne;
            if (e.is_object() && e.contains("name") && e["name"].is_string())
                ne.name = e["name"].get<std::string>();
            if (e.is_object() && e.contains("expr") && e["expr"].is_string())
                ne.expr = e["expr"].get<std::string>();
            out.push_back(std::move(ne));
        }
        return out;
    }
    std::vector<NamedExpr> current() const {
        std::vector<NamedExpr> out;
        for (const Row& r : m_rows)
            out.push_back({r.name->text().toStdString(), r.expr->text().toStdString()});
        return out;
    }
    void commitRows(const std::vector<NamedExpr>& items) {
        if (items.empty()) {
            const Json& def = spec().defaultValue;
            commit(def.is_null() || (def.is_array() && def.empty()) ? Json() : Json::array());
            return;
        }
        Json list = Json::array();
        for (const auto& ne : items) list.push_back({{"name", ne.name}, {"expr", ne.expr}});
        commit(list);
    }
    QToolButton* smallButton(QWidget* parent, Glyph glyph, const QString& tip) {
        auto* b = new QToolButton(parent);
        b->setIcon(glyphIcon(glyph, palette()));
        b->setProperty("glyph", static_cast<int>(glyph));
        b->setToolTip(tip);
        b->setAutoRaise(true);
        b->setFocusPolicy(Qt::TabFocus);
        return b;
    }
    void rebuild(const std::vector<NamedExpr>& items) {
        for (Row& r : m_rows) delete r.widget;
        m_rows.clear();
        for (size_t i = 0; i < items.size(); ++i) {
            Row r;
            r.widget = new QWidget(this);
            auto* grid = new QGridLayout(r.widget);
            grid->setContentsMargins(0, 0, 0, 0);
            grid->setHorizontalSpacing(4);
            grid->setVerticalSpacing(2);
            r.name = new QLineEdit(fromStd(items[i].name), r.widget);
            r.name->setPlaceholderText(tr("name"));
            r.name->setToolTip(tr("Name of the result field"));
            r.expr = new ExpressionEdit(r.widget);
            r.expr->setKind(m_aggregates ? ExpressionKind::Aggregate : ExpressionKind::Scalar);
            r.expr->setEmptyAllowed(false);
            r.expr->setSchema(inputSchema());
            r.expr->setText(fromStd(items[i].expr));
            r.expr->setPlaceholderText(m_aggregates ? QStringLiteral("COUNT(*)")
                                                    : tr("expression"));
            r.up = smallButton(r.widget, Glyph::Up, tr("Move up"));
            r.down = smallButton(r.widget, Glyph::Down, tr("Move down"));
            r.remove = smallButton(r.widget, Glyph::Remove, tr("Remove"));
            r.message = new QLabel(r.widget);
            r.message->setObjectName(QStringLiteral("message"));
            r.message->setWordWrap(true);
            r.message->setFont(inspector_style::smallFont(font()));
            r.message->setTextInteractionFlags(Qt::TextSelectableByMouse);
            r.message->hide();
            grid->addWidget(r.name, 0, 0, Qt::AlignTop);
            grid->addWidget(r.expr, 0, 1, Qt::AlignTop);
            auto* buttons = new QHBoxLayout;
            buttons->setSpacing(0);
            buttons->addWidget(r.up);
            buttons->addWidget(r.down);
            buttons->addWidget(r.remove);
            grid->addLayout(buttons, 0, 2, Qt::AlignTop);
            grid->addWidget(r.message, 1, 0, 1, 3);
            grid->setColumnStretch(0, 2);
            grid->setColumnStretch(1, 5);
            r.name->setMinimumWidth(60);
            r.name->setFixedHeight(r.expr->height());
            m_rowsLayout->addWidget(r.widget);
            QWidget* w = r.widget;
            auto indexOf = [this, w] {
                for (size_t k = 0; k < m_rows.size(); ++k)
                    if (m_rows[k].widget == w) return static_cast<int>(k);
                return -1;
            };
            connect(r.name, &QLineEdit::textEdited, this, [this] { rowsEdited(); });
            connect(r.expr, &ExpressionEdit::textEdited, this, [this] { rowsEdited(); });
            connect(r.expr, &ExpressionEdit::problemChanged, this, [this] { updateMessages(); });
            connect(r.up, &QToolButton::clicked, this, [this, indexOf] { move(indexOf(), -1); });
            connect(r.down, &QToolButton::clicked, this, [this, indexOf] { move(indexOf(), +1); });
            connect(r.remove, &QToolButton::clicked, this, [this, indexOf] {
                const int k = indexOf();
                QMetaObject::invokeMethod(
                    this, [this, k] { removeRow(k); }, Qt::QueuedConnection);
            });
            m_rows.push_back(r);
        }
        for (size_t i = 0; i < m_rows.size(); ++i) {
            m_rows[i].up->setEnabled(i > 0);
            m_rows[i].down->setEnabled(i + 1 < m_rows.size());
        }
        // Tab goes name, expression, next name, ...
        for (size_t i = 0; i + 1 < m_rows.size(); ++i)
            setTabOrder(m_rows[i].expr, m_rows[i + 1].name);
    }
    void rowsEdited() {
        updateMessages();
        commitRows(current());
    }
    QString uniqueName() const {
        const QString base = m_aggregates ? QStringLiteral("count") : QStringLiteral("field");
        std::set<std::string> taken;
        for (const Row& r : m_rows) taken.insert(r.name->text().toStdString());
        if (!taken.count(base.toStdString())) return base;
        for (int i = 2;; ++i) {
            const QString candidate = base + "_" + QString::number(i);
            if (!taken.count(candidate.toStdString())) return candidate;
        }
    }
    void addRow() {
        std::vector<NamedExpr> items = current();
        const QString expr = m_aggregates ? QStringLiteral("COUNT(*)") : QString();
        items.push_back({uniqueName().toStdString(), expr.toStdString()});
        rebuild(items);
        updateMessages();
        commitRows(items);
        ExpressionEdit* e = m_rows.back().expr;
        e->setFocus();
        e->selectAll();
    }
    void removeRow(int k) {
        if (k < 0 || k >= static_cast<int>(m_rows.size())) return;
        std::vector<NamedExpr> items = current();
        items.erase(items.begin() + k);
        rebuild(items);
        updateMessages();
        commitRows(items);
    }
    void move(int k, int delta) {
        const int to = k + delta;
        if (k < 0 || to < 0 || to >= static_cast<int>(m_rows.size())) return;
        std::vector<NamedExpr> items = current();
        std::swap(items[static_cast<size_t>(k)], items[static_cast<size_t>(to)]);
        for (size_t i = 0; i < items.size(); ++i) {
            m_rows[i].name->setText(fromStd(items[i].name));
            m_rows[i].expr->setText(fromStd(items[i].expr));
        }
        updateMessages();
        commitRows(items);
        (delta < 0 ? m_rows[static_cast<size_t>(to)].up : m_rows[static_cast<size_t>(to)].down)
            ->setFocus();
    }
    void updateMessages() {
        std::map<QString, int> counts;
        for (const Row& r : m_rows) ++counts[r.name->text().trimmed()];
        m_rowProblems.clear();
        for (const Row& r : m_rows) {
            const QString name = r.name->text().trimmed();
            QString msg = r.expr->problem();
            if (msg.isEmpty() && name.isEmpty())
                msg = tr("Give it a name: the result field is called that");
            if (msg.isEmpty() && counts[name] > 1)
                msg = tr("Two items are named `%1`; rename one").arg(name);
            r.message->setText(msg);
            r.message->setVisible(!msg.isEmpty());
            QPalette p = r.message->palette();
            p.setColor(QPalette::WindowText, inspector_style::errorColor(palette()));
            r.message->setPalette(p);
            if (!msg.isEmpty()) m_rowProblems << msg;
        }
        emit messageChanged();
    }

public:
    QStringList liveProblems() const override { return m_rowProblems; }

private:
    bool m_aggregates;
    QVBoxLayout* m_rowsLayout;
    QPushButton* m_add;
    std::vector<Row> m_rows;
    QStringList m_rowProblems;
};

// ---- Expression -------------------------------------------------------------------------------

class ExpressionEditor : public ParamEditor {
public:
    explicit ExpressionEditor(const ParamSpec& spec) : ParamEditor(spec) {
        m_edit = new ExpressionEdit(this);
        m_edit->setPlaceholderText(defaultText());
        m_edit->setEmptyAllowed(!spec.defaultValue.is_null() || !spec.required);
        setMainRow(m_edit);
        connect(m_edit, &ExpressionEdit::textEdited, this, [this] {
            const QString t = m_edit->text();
            commit(t.isEmpty() ? Json() : Json(t.toStdString()));
        });
        connect(m_edit, &ExpressionEdit::problemChanged, this,
                [this](const QString& problem) { setMessage(problem); });
    }
    QWidget* inputWidget() const override { return m_edit; }
    void setInputSchema(SchemaPtr schema) override {
        ParamEditor::setInputSchema(schema);
        m_edit->setSchema(std::move(schema));
    }

protected:
    void showValue(const Json& v) override { m_edit->setText(valueText(v)); }

private:
    ExpressionEdit* m_edit;
};

}  // namespace

// ---- ParamEditor ------------------------------------------------------------------------------

ParamEditor::ParamEditor(const ParamSpec& spec, QWidget* parent) : QWidget(parent), m_spec(spec) {
    setObjectName(QStringLiteral("param:") + key());
    m_layout = new QVBoxLayout(this);
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setSpacing(3);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("message"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setFont(inspector_style::smallFont(font()));
    m_message->hide();
    m_layout->addWidget(m_message);
}

void ParamEditor::setValue(const Json& value) {
    if (m_shown && value == m_value) return;
    m_value = value;
    m_shown = true;
    showValue(value);
}

void ParamEditor::commit(const Json& value) {
    m_value = value;
    m_shown = true;
    // The node's problem was about the old value; validation of the new one brings it back if
    // it still holds.
    setNodeProblem({});
    emit edited();
}

void ParamEditor::setMessage(const QString& text, Severity severity) {
    if (text == m_messageText && severity == m_severity) return;
    m_messageText = text;
    m_severity = severity;
    showMessage();
    emit messageChanged();
}

void ParamEditor::setNodeProblem(const QString& text) {
    if (text == m_nodeProblem) return;
    m_nodeProblem = text;
    showMessage();
}

QString ParamEditor::message() const {
    return m_messageText.isEmpty() ? m_nodeProblem : m_messageText;
}

QStringList ParamEditor::liveProblems() const {
    if (m_messageText.isEmpty() || m_severity != Severity::Error) return {};
    return {m_messageText};
}

void ParamEditor::showMessage() {
    const QString text = message();
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
    styleMessage();
}

void ParamEditor::styleMessage() {
    QPalette p = m_message->palette();
    const bool warning = !m_messageText.isEmpty() && m_severity == Severity::Warning;
    p.setColor(QPalette::WindowText, warning ? inspector_style::warningColor(palette())
                                             : inspector_style::errorColor(palette()));
    m_message->setPalette(p);
}

void ParamEditor::changeEvent(QEvent* e) {
    QWidget::changeEvent(e);
    if (e->type() == QEvent::PaletteChange) styleMessage();
}

void ParamEditor::setMainRow(QWidget* input, bool showUnit) {
    if (m_spec.unit.empty() || !showUnit) {
        const bool fixed = input->sizePolicy().horizontalPolicy() == QSizePolicy::Fixed;
        m_layout->insertWidget(m_layout->count() - 1, input, 0,
                               fixed ? Qt::AlignLeft : Qt::Alignment());
        return;
    }
    auto* row = new QWidget(this);
    auto* h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    h->setSpacing(6);
    h->addWidget(input, 1);
    auto* unit = new QLabel(QString::fromStdString(m_spec.unit), row);
    unit->setObjectName(QStringLiteral("unit"));
    QPalette p = unit->palette();
    p.setColor(QPalette::WindowText, inspector_style::hintColor(palette()));
    unit->setPalette(p);
    h->addWidget(unit);
    m_layout->insertWidget(m_layout->count() - 1, row);
}

QString ParamEditor::defaultText() const {
    const Json& d = m_spec.defaultValue;
    if (d.is_null()) return {};
    if (d.is_string()) return QString::fromStdString(d.get<std::string>());
    return QString::fromStdString(d.dump());
}

ParamEditor* createParamEditor(const ParamSpec& spec, const ParamEditorContext& context,
                               QWidget* parent) {
    ParamEditor* e = nullptr;
    switch (spec.type) {
        case ParamType::Bool:
            e = new BoolEditor(spec);
            break;
        case ParamType::Int:
        case ParamType::Float:
            e = new NumberEditor(spec);
            break;
        case ParamType::Duration:
            e = new DurationEditor(spec);
            break;
        case ParamType::Choice:
            e = new ChoiceEditor(spec);
            break;
        case ParamType::String:
        case ParamType::Path:
        case ParamType::Secret:
            e = new TextEditor(spec, context);
            break;
        case ParamType::StringList:
            e = new StringListEditor(spec, context);
            break;
        case ParamType::NamedExprList:
            e = new NamedExprListEditor(spec, context);
            break;
        case ParamType::Expression:
            e = new ExpressionEditor(spec);
            break;
    }
    e->setParent(parent);
    return e;
}

QString paramLabel(const std::string& key) {
    // Abbreviations keep their usual spelling: "client_id" is "Client ID", "qos" is "QoS".
    static const QHash<QString, QString> kWords = {{"id", "ID"},   {"qos", "QoS"}, {"ca", "CA"},
                                                   {"url", "URL"}, {"tls", "TLS"}, {"csv", "CSV"}};
    QStringList words = QString::fromStdString(key).split('_', Qt::SkipEmptyParts);
    for (QString& w : words)
        if (auto it = kWords.find(w); it != kWords.end()) w = *it;
    QString s = words.join(' ');
    if (!s.isEmpty()) s[0] = s[0].toUpper();
    return s;
}

QString durationProblem(const QString& text, const ParamSpec& spec) {
    const QString t = text.trimmed();
    if (t.isEmpty()) return {};
    const std::optional<int64_t> us = parseDuration(t.toStdString());
    if (!us) {
        bool number = false;
        t.toDouble(&number);
        if (number) return QObject::tr("Add a unit: %1s, %1ms, %1m or %1h").arg(t);
        return QObject::tr("Write a duration like 10s, 500ms, 5m or 1h");
    }
    if (inRange(spec, static_cast<double>(*us))) return {};
    // "longer than 0s" reads better than "at least 1us" for the smallest positive duration.
    if (spec.minUs && *spec.minUs <= 1 && *us < *spec.minUs)
        return QObject::tr("Must be longer than 0s");
    return QObject::tr("Must be %1").arg(QString::fromStdString(rangeText(spec)));
}

}  // namespace riffle
