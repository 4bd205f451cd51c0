#include "widgets/inspector/inspector.h"

#include <QApplication>
#include <QDateTime>
#include <QFile>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QStackedWidget>
#include <QThread>
#include <QTreeWidget>
#include <QUndoStack>
#include <QVBoxLayout>

#include "nodes/connectors/schema_sampling.h"
#include "widgets/inspector/inspector_style.h"
#include "widgets/inspector/param_editors.h"
#include "widgets/model/commands.h"
#include "widgets/model/graph_model.h"
#include "widgets/runtime/engine_bridge.h"
#include "widgets/style/theme.h"

namespace riffle {

namespace inspector_detail {

// The top of the form: a card tinted with the node's category colour and a bar in that colour
// at its left edge, as the node's header strip on the canvas.
class HeaderCard : public QWidget {
public:
    explicit HeaderCard(QWidget* parent) : QWidget(parent) {}
    void setColor(const QColor& c) {
        m_color = c;
        update();
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        QColor fill = m_color;
        fill.setAlphaF(theme::isDark(palette()) ? 0.16f : 0.08f);
        QPainterPath card;
        card.addRoundedRect(QRectF(rect()), 6, 6);
        p.fillPath(card, fill);
        p.setClipPath(card);
        p.fillRect(QRect(0, 0, 4, height()), m_color);
    }

private:
    QColor m_color;
};

// A red-tinted box with the node's problems.
class Banner : public QWidget {
public:
    explicit Banner(QWidget* parent) : QWidget(parent) {
        auto* l = new QHBoxLayout(this);
        l->setContentsMargins(10, 7, 10, 7);
        m_label = new QLabel(this);
        m_label->setObjectName(QStringLiteral("problems"));
        m_label->setWordWrap(true);
        m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        l->addWidget(m_label);
    }
    void setText(const QString& text) {
        m_label->setText(text);
        setVisible(!text.isEmpty());
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        const QColor red = inspector_style::errorColor(palette());
        QColor fill = red;
        fill.setAlphaF(theme::isDark(palette()) ? 0.16f : 0.08f);
        QColor border = red;
        border.setAlphaF(0.45f);
        p.setPen(QPen(border, 1));
        p.setBrush(fill);
        p.drawRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5);
    }

private:
    QLabel* m_label;
};

}  // namespace inspector_detail

using inspector_detail::Banner;
using inspector_detail::HeaderCard;

namespace {

QString fromStd(const std::string& s) {
    return QString::fromStdString(s);
}

void setRole(QWidget* w, QPalette::ColorRole role, const QColor& c) {
    QPalette p = w->palette();
    p.setColor(role, c);
    w->setPalette(p);
}

QLabel* hintLabel(const QString& text, QWidget* parent) {
    auto* l = new QLabel(text, parent);
    l->setFont(inspector_style::smallFont(parent->font()));
    setRole(l, QPalette::WindowText, inspector_style::hintColor(parent->palette()));
    return l;
}

// One line of grey text that elides instead of widening the inspector; the full text is the
// tooltip.
class ElidedLabel : public QLabel {
public:
    ElidedLabel(const QString& text, QWidget* parent) : QLabel(text, parent) {
        setToolTip(text);
        setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    }
    QSize minimumSizeHint() const override { return {0, fontMetrics().height()}; }
    QSize sizeHint() const override {
        return {fontMetrics().horizontalAdvance(text()), fontMetrics().height()};
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.setPen(palette().color(QPalette::WindowText));
        p.drawText(rect(), Qt::AlignLeft | Qt::AlignVCenter,
                   fontMetrics().elidedText(text(), Qt::ElideRight, width()));
    }
};

// A rounded square in the category colour with the category's icon (or its initial).
class IconBadge : public QWidget {
public:
    IconBadge(const QString& category, QWidget* parent) : QWidget(parent), m_category(category) {
        setFixedSize(28, 28);
        const QString path = QStringLiteral(":/icons/category/%1.svg").arg(category);
        if (QFile::exists(path)) m_icon = QIcon(path);
        setToolTip(theme::categoryLabel(category));
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(theme::categoryColor(m_category));
        p.drawRoundedRect(QRectF(rect()), 6, 6);
        if (!m_icon.isNull()) {
            m_icon.paint(&p, rect().adjusted(5, 5, -5, -5));
            return;
        }
        QFont f = font();
        f.setBold(true);
        p.setFont(f);
        p.setPen(Qt::white);
        p.drawText(rect(), Qt::AlignCenter, m_category.left(1).toUpper());
    }

private:
    QString m_category;
    QIcon m_icon;
};

// A section title in small capitals with a hairline under it.
class SectionTitle : public QWidget {
public:
    SectionTitle(const QString& text, QWidget* parent) : QWidget(parent), m_text(text.toUpper()) {
        QFont f = inspector_style::smallFont(font());
        f.setBold(true);
        f.setLetterSpacing(QFont::PercentageSpacing, 106);
        setFont(f);
        setFixedHeight(fontMetrics().height() + 6);
    }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.setPen(inspector_style::hintColor(palette()));
        const int textWidth = fontMetrics().horizontalAdvance(m_text);
        p.drawText(rect().adjusted(0, 0, 0, -3), Qt::AlignLeft | Qt::AlignVCenter, m_text);
        QColor line = palette().color(QPalette::WindowText);
        line.setAlphaF(0.12f);
        const int y = height() / 2 - 1;
        p.fillRect(QRect(textWidth + 8, y, width() - textWidth - 8, 1), line);
    }

private:
    QString m_text;
};

QTreeWidget* schemaTable(const Schema& schema, QWidget* parent) {
    auto* t = new QTreeWidget(parent);
    t->setObjectName(QStringLiteral("schemaTable"));
    t->setColumnCount(2);
    t->setHeaderLabels({QObject::tr("Field"), QObject::tr("Type")});
    t->setRootIsDecorated(false);
    t->setUniformRowHeights(true);
    t->setSelectionMode(QAbstractItemView::NoSelection);
    t->setFocusPolicy(Qt::NoFocus);
    t->setAlternatingRowColors(true);
    t->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    t->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    t->setFont(inspector_style::smallFont(parent->font()));
    t->header()->setFont(t->font());
    t->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    t->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    t->header()->setStretchLastSection(false);
    t->header()->setSectionsClickable(false);
    const QColor grey = inspector_style::hintColor(parent->palette());
    for (const Field& f : schema.fields()) {
        auto* item =
            new QTreeWidgetItem(t, {fromStd(f.name), fromStd(std::string(typeName(f.type)))});
        item->setForeground(1, grey);
    }
    const int rows = static_cast<int>(schema.size());
    const int rowHeight = rows ? t->sizeHintForRow(0) : 0;
    t->setFixedHeight(t->header()->sizeHint().height() + rows * rowHeight + 2 * t->frameWidth());
    return t;
}

}  // namespace

Inspector::Inspector(GraphModel* model, QUndoStack* undo, QWidget* parent)
    : QWidget(parent), m_model(model), m_undo(undo) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_stack = new QStackedWidget(this);
    layout->addWidget(m_stack);

    m_emptyHint = new QLabel(tr("Select a node to see its settings"), m_stack);
    m_emptyHint->setObjectName(QStringLiteral("emptyHint"));
    m_emptyHint->setAlignment(Qt::AlignCenter);
    m_emptyHint->setWordWrap(true);
    m_emptyHint->setMargin(24);
    setRole(m_emptyHint, QPalette::WindowText, inspector_style::hintColor(palette()));
    m_stack->addWidget(m_emptyHint);

    m_scroll = new QScrollArea(m_stack);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setWidgetResizable(true);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_stack->addWidget(m_scroll);

    connect(m_model, &GraphModel::nodeChanged, this, [this](const QString& id) {
        if (id == m_nodeId) refreshValues();
    });
    connect(m_model, &GraphModel::validationChanged, this, [this] { refreshValidation(); });
    connect(m_model, &GraphModel::nodeRemoved, this, [this](const QString& id) {
        if (id == m_nodeId) setNode({});
    });
    connect(m_model, &GraphModel::nodeAdded, this, [this](const QString& id) {
        // Undoing a delete brings the selected node back as a new object.
        if (id == m_nodeId) rebuild();
    });
    connect(m_model, &GraphModel::reset, this,
            [this] { setNode(m_model->node(m_nodeId) ? m_nodeId : QString()); });
    rebuild();
}

void Inspector::changeEvent(QEvent* e) {
    QWidget::changeEvent(e);
    if (e->type() != QEvent::PaletteChange) return;
    // The greys and reds are derived from the palette when the form is built (light <-> dark).
    setRole(m_emptyHint, QPalette::WindowText, inspector_style::hintColor(palette()));
    rebuild();
}

Inspector::~Inspector() {
    if (m_inferThread) {
        m_inferCancel->store(true);
        m_inferThread->wait();
    }
    finishEditing();
    // Deleting the form while this object is whole: the fields report to it as they go.
    m_editors.clear();
    m_banner = nullptr;
    m_statsBox = nullptr;
    m_schemaLayout = nullptr;
    delete m_scroll->takeWidget();
    m_content = nullptr;
}

void Inspector::finishEditing() {
    QWidget* focus = QApplication::focusWidget();
    if (!m_content || !focus || !m_content->isAncestorOf(focus)) return;
    // An open completion list keeps its field from losing the focus (QCompleter eats FocusOut).
    if (QWidget* popup = QApplication::activePopupWidget()) popup->hide();
    focus->clearFocus();
}

void Inspector::setNode(const QString& id) {
    finishEditing();
    m_nodeId = id;
    rebuild();
}

ParamEditor* Inspector::editor(const QString& key) const {
    for (ParamEditor* e : m_editors)
        if (e->key() == key) return e;
    return nullptr;
}

void Inspector::rebuild() {
    finishEditing();
    m_editors.clear();
    m_editorPort.clear();
    m_shownSchemas.clear();
    m_schemasShown = false;
    m_statValues.clear();
    m_shownProblems.clear();
    m_header = nullptr;
    m_title = nullptr;
    m_typeLine = nullptr;
    m_description = nullptr;
    m_banner = nullptr;
    m_params = nullptr;
    m_schemaBox = nullptr;
    m_schemaLayout = nullptr;
    m_statsBox = nullptr;
    m_inferButton = nullptr;
    m_inferStatus = nullptr;
    m_titleShown.clear();
    const NodeDef* node = m_model->node(m_nodeId);
    if (!node) {
        m_nodeId.clear();
        delete m_scroll->takeWidget();
        m_content = nullptr;
        m_stack->setCurrentIndex(0);
        return;
    }
    const NodeSpec* spec = m_model->spec(m_nodeId);
    const QString category = spec ? theme::displayCategory(spec) : QString();

    m_content = new QWidget;
    m_content->setObjectName(QStringLiteral("inspectorContent"));
    m_contentLayout = new QVBoxLayout(m_content);
    m_contentLayout->setContentsMargins(12, 12, 12, 16);
    m_contentLayout->setSpacing(14);

    // Header: badge, title, type, description.
    m_header = new HeaderCard(m_content);
    m_header->setColor(theme::categoryColor(category));
    auto* hg = new QGridLayout(m_header);
    hg->setContentsMargins(14, 10, 10, 10);
    hg->setHorizontalSpacing(10);
    hg->setVerticalSpacing(3);
    hg->addWidget(new IconBadge(category, m_header), 0, 0, Qt::AlignVCenter);
    m_title = new QLineEdit(m_header);
    m_title->setObjectName(QStringLiteral("title"));
    QFont tf = m_title->font();
    tf.setBold(true);
    tf.setPointSizeF(tf.pointSizeF() * 1.12);
    m_title->setFont(tf);
    m_title->setPlaceholderText(spec ? fromStd(spec->displayName) : fromStd(node->type));
    m_title->setToolTip(tr("The node's title on the canvas"));
    connect(m_title, &QLineEdit::textEdited, this, &Inspector::commitTitle);
    hg->addWidget(m_title, 0, 1);
    const QString typeText =
        spec ? tr("%1  ·  %2").arg(fromStd(spec->displayName), fromStd(node->type))
             : fromStd(node->type);
    m_typeLine = hintLabel(typeText, m_header);
    m_typeLine->setObjectName(QStringLiteral("typeLine"));
    m_typeLine->setToolTip(tr("Node id: %1").arg(m_nodeId));
    hg->addWidget(m_typeLine, 1, 1);
    m_description =
        hintLabel(spec ? fromStd(spec->description)
                       : tr("Riffle does not know this node type; its settings cannot be edited."),
                  m_header);
    m_description->setObjectName(QStringLiteral("description"));
    m_description->setWordWrap(true);
    hg->addWidget(m_description, 2, 0, 1, 2);
    hg->setColumnStretch(1, 1);
    m_contentLayout->addWidget(m_header);

    m_banner = new Banner(m_content);
    m_banner->hide();
    m_contentLayout->addWidget(m_banner);

    m_params = spec ? buildParams(*spec) : nullptr;
    if (m_params) m_contentLayout->addWidget(m_params);

    m_schemaBox = new QWidget(m_content);
    m_schemaLayout = new QVBoxLayout(m_schemaBox);
    m_schemaLayout->setContentsMargins(0, 0, 0, 0);
    m_schemaLayout->setSpacing(6);
    m_contentLayout->addWidget(m_schemaBox);

    // Metrics, filled by setStats() while running.
    m_statsBox = new QWidget(m_content);
    m_statsBox->setObjectName(QStringLiteral("stats"));
    auto* sl = new QVBoxLayout(m_statsBox);
    sl->setContentsMargins(0, 0, 0, 0);
    sl->setSpacing(6);
    sl->addWidget(new SectionTitle(tr("Running"), m_statsBox));
    auto* sg = new QGridLayout;
    sg->setHorizontalSpacing(12);
    sg->setVerticalSpacing(4);
    const std::pair<const char*, QString> stats[] = {
        {"in", tr("Events in")},  {"out", tr("Events out")}, {"rate", tr("Rate")},
        {"errors", tr("Errors")}, {"late", tr("Late")},      {"watermark", tr("Watermark")}};
    int i = 0;
    for (const auto& [key, label] : stats) {
        const int row = i / 2, col = (i % 2) * 2;
        sg->addWidget(hintLabel(label, m_statsBox), row, col);
        auto* value = new QLabel(QStringLiteral("–"), m_statsBox);
        value->setObjectName(QStringLiteral("stat:") + key);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        sg->addWidget(value, row, col + 1);
        m_statValues[QString::fromLatin1(key)] = value;
        ++i;
    }
    sg->setColumnStretch(1, 1);
    sg->setColumnStretch(3, 1);
    sl->addLayout(sg);
    m_statsBox->hide();
    m_contentLayout->addWidget(m_statsBox);
    m_contentLayout->addStretch(1);

    m_scroll->setWidget(m_content);  // deletes the previous form
    m_stack->setCurrentIndex(1);
    refreshValues();
    refreshValidation();
}

QWidget* Inspector::buildParams(const NodeSpec& spec) {
    if (spec.params.empty()) return nullptr;
    auto* box = new QWidget(m_content);
    box->setObjectName(QStringLiteral("params"));
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(14);

    // Groups in the order the spec first names them; parameters without one under "Parameters".
    std::vector<std::pair<QString, std::vector<const ParamSpec*>>> groups;
    for (const ParamSpec& p : spec.params) {
        const QString g = p.group.empty() ? tr("Parameters") : fromStd(p.group);
        auto it =
            std::find_if(groups.begin(), groups.end(), [&](const auto& e) { return e.first == g; });
        if (it == groups.end()) {
            groups.push_back({g, {}});
            it = groups.end() - 1;
        }
        it->second.push_back(&p);
    }

    // One label column for the whole form, so fields line up across groups.
    const QFontMetrics fm(font());
    int labelWidth = 64;
    for (const ParamSpec& p : spec.params)
        if (p.type != ParamType::NamedExprList)
            labelWidth = std::max(labelWidth, fm.horizontalAdvance(paramLabel(p.key)) + 12);
    labelWidth = std::min(labelWidth, 140);
    const int fieldHeight = QLineEdit().sizeHint().height();

    ParamEditorContext base;
    base.baseDir = fromStd(m_model->project().baseDir());

    for (const auto& [groupName, params] : groups) {
        auto* section = new QWidget(box);
        auto* sl = new QVBoxLayout(section);
        sl->setContentsMargins(0, 0, 0, 0);
        sl->setSpacing(10);
        sl->addWidget(new SectionTitle(groupName, section));
        for (const ParamSpec* p : params) {
            ParamEditor* editor = createParamEditor(*p, base, section);
            m_editors.push_back(editor);
            m_editorPort[editor] = p->port;
            connect(editor, &ParamEditor::edited, this,
                    [this, editor, id = m_nodeId] { commitParam(id, editor); });
            connect(editor, &ParamEditor::messageChanged, this, [this] { refreshProblems(); });

            const QString tip =
                QStringLiteral("<p>%1</p><p style='color:gray'>%2 · %3%4</p>")
                    .arg(fromStd(p->help).toHtmlEscaped(), fromStd(p->key),
                         fromStd(std::string(paramTypeName(p->type))),
                         p->defaultValue.is_null()
                             ? QString()
                             : tr(" · default %1")
                                   .arg((p->defaultValue.is_string()
                                             ? fromStd(p->defaultValue.get<std::string>())
                                             : fromStd(p->defaultValue.dump()))
                                            .toHtmlEscaped()));
            auto* label = new QLabel(paramLabel(p->key), section);
            label->setObjectName(QStringLiteral("label:") + fromStd(p->key));
            label->setToolTip(tip);
            label->setBuddy(editor->inputWidget());
            editor->setToolTip(tip);
            auto* hint = new ElidedLabel(fromStd(p->help), section);
            hint->setObjectName(QStringLiteral("hint:") + fromStd(p->key));
            hint->setFont(inspector_style::smallFont(font()));
            setRole(hint, QPalette::WindowText, inspector_style::hintColor(palette()));
            hint->setToolTip(tip);

            auto* row = new QWidget(section);
            if (editor->wide()) {
                auto* v = new QVBoxLayout(row);
                v->setContentsMargins(0, 0, 0, 0);
                v->setSpacing(4);
                v->addWidget(label);
                v->addWidget(editor);
                v->addWidget(hint);
            } else {
                auto* h = new QHBoxLayout(row);
                h->setContentsMargins(0, 0, 0, 0);
                h->setSpacing(8);
                label->setFixedWidth(labelWidth);
                label->setMinimumHeight(fieldHeight);
                label->setWordWrap(true);
                label->setAlignment(Qt::AlignLeft | Qt::AlignVCenter);
                h->addWidget(label, 0, Qt::AlignTop);
                auto* v = new QVBoxLayout;
                v->setSpacing(3);
                v->addWidget(editor);
                v->addWidget(hint);
                h->addLayout(v, 1);
            }
            sl->addWidget(row);
            if (p->role == ParamRole::Schema) sl->addWidget(buildInferRow(section));
        }
        layout->addWidget(section);
    }
    return box;
}

QWidget* Inspector::buildInferRow(QWidget* parent) {
    auto* row = new QWidget(parent);
    auto* h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    h->setSpacing(8);
    m_inferButton = new QPushButton(tr("Infer from stream"), row);
    m_inferButton->setObjectName(QStringLiteral("inferSchema"));
    m_inferButton->setToolTip(
        tr("Connects now, reads the first 100 messages (up to 5 s) and sets "
           "`schema` to the fields they have"));
    m_inferStatus = new QLabel(row);
    m_inferStatus->setObjectName(QStringLiteral("inferStatus"));
    m_inferStatus->setWordWrap(true);
    m_inferStatus->setFont(inspector_style::smallFont(font()));
    setRole(m_inferStatus, QPalette::WindowText, inspector_style::hintColor(palette()));
    h->addWidget(m_inferButton, 0, Qt::AlignTop);
    h->addWidget(m_inferStatus, 1);
    connect(m_inferButton, &QPushButton::clicked, this, [this] { inferSchema(); });
    return row;
}

void Inspector::inferSchema(int timeoutMs) {
    const NodeDef* node = m_model->node(m_nodeId);
    const NodeSpec* spec = node ? m_model->spec(m_nodeId) : nullptr;
    if (!spec || m_inferThread) return;
    struct Outcome {
        Result<SampledSchema> sampled = Result<SampledSchema>::error("stopped");
    };
    auto outcome = std::make_shared<Outcome>();
    m_inferCancel = std::make_shared<std::atomic<bool>>(false);
    const std::string id = node->id, baseDir = m_model->project().baseDir();
    const Json params = node->params;
    auto cancel = m_inferCancel;
    m_inferThread = QThread::create([outcome, cancel, spec, id, params, baseDir, timeoutMs] {
        outcome->sampled =
            inferMessageSchema(*spec, id, params, baseDir, 100, timeoutMs, cancel.get());
    });
    if (m_inferButton) m_inferButton->setEnabled(false);
    if (m_inferStatus) m_inferStatus->setText(tr("Reading the first messages…"));
    const QString nodeId = m_nodeId;
    connect(m_inferThread, &QThread::finished, this, [this, outcome, nodeId] {
        m_inferThread->deleteLater();
        m_inferThread = nullptr;
        const auto& r = outcome->sampled;
        QString text;
        const NodeSpec* spec = m_model->node(nodeId) ? m_model->spec(nodeId) : nullptr;
        const ParamSpec* schema = spec ? spec->paramWithRole(ParamRole::Schema) : nullptr;
        if (r && !r->schema.empty() && schema) {
            m_undo->push(new SetParamCommand(m_model, nodeId, QString::fromStdString(schema->key),
                                             Json(r->schema)));
            text = r->schema.size() == 1
                       ? tr("1 field from %1 messages").arg(r->objects)
                       : tr("%1 fields from %2 messages").arg(r->schema.size()).arg(r->objects);
        } else {
            text = r ? tr("The messages have no fields") : QString::fromStdString(r.message());
        }
        if (m_inferButton) m_inferButton->setEnabled(true);
        if (m_inferStatus && m_nodeId == nodeId) m_inferStatus->setText(text);
        emit inferenceFinished(text, r && !r->schema.empty());
    });
    m_inferThread->start();
}

void Inspector::refreshValues() {
    const NodeDef* node = m_model->node(m_nodeId);
    if (!node || !m_title) return;
    const QString title = fromStd(node->title);
    if (title != m_titleShown) {
        m_titleShown = title;
        if (m_title->text() != title) {
            const int pos = m_title->cursorPosition();
            m_title->setText(title);
            m_title->setCursorPosition(std::min(pos, static_cast<int>(title.size())));
        }
    }
    for (ParamEditor* e : m_editors) {
        const std::string key = e->key().toStdString();
        const bool has = node->params.is_object() && node->params.contains(key);
        e->setValue(has ? node->params[key] : Json());
    }
}

void Inspector::refreshValidation() {
    if (!m_model->node(m_nodeId) || !m_content) return;
    for (ParamEditor* e : m_editors)
        e->setInputSchema(m_model->inputSchema(m_nodeId, m_editorPort[e]));
    rebuildSchemas();
    refreshProblems();
}

void Inspector::refreshProblems() {
    if (!m_banner) return;
    // "window `per_page`: `size` must be ..." -> "`size` must be ...": the node is the one shown.
    const QRegularExpression prefix(
        QStringLiteral("^[^`]*`%1`: ").arg(QRegularExpression::escape(m_nodeId)));
    QStringList shown;
    std::map<ParamEditor*, QStringList> atField;
    for (QString p : m_model->problemsOf(m_nodeId)) {
        p.remove(prefix);
        // What a field's own check already shows under it is not repeated.
        bool repeated = false;
        for (ParamEditor* e : m_editors)
            for (const QString& live : e->liveProblems())
                if (p.contains(QLatin1Char('`') + e->key() + QLatin1Char('`')) || p.contains(live))
                    repeated = true;
        if (repeated) continue;
        // A problem that names a parameter goes under that parameter's field (the first named).
        ParamEditor* target = nullptr;
        qsizetype at = -1;
        for (ParamEditor* e : m_editors) {
            const qsizetype i = p.indexOf(QLatin1Char('`') + e->key() + QLatin1Char('`'));
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
                target = e;
            }
        }
        if (target)
            atField[target] << p;
        else
            shown << p;
    }
    for (ParamEditor* e : m_editors) {
        auto it = atField.find(e);
        e->setNodeProblem(it == atField.end() ? QString() : it->second.join(QLatin1Char('\n')));
    }
    m_shownProblems = shown;
    QString text;
    if (shown.size() == 1) {
        text = shown.front().toHtmlEscaped();
    } else if (!shown.isEmpty()) {
        for (const QString& s : shown)
            text += QStringLiteral("• ") + s.toHtmlEscaped() + QStringLiteral("<br>");
        text.chop(4);
    }
    m_banner->setText(text);
    QPalette pal = m_banner->palette();
    pal.setColor(QPalette::WindowText, inspector_style::errorColor(palette()));
    for (QLabel* l : m_banner->findChildren<QLabel*>()) l->setPalette(pal);
}

void Inspector::rebuildSchemas() {
    const NodeSpec* spec = m_model->spec(m_nodeId);
    if (!spec || !m_schemaLayout) return;
    std::vector<SchemaPtr> schemas;
    for (size_t i = 0; i < spec->inputs.size(); ++i)
        schemas.push_back(m_model->inputSchema(m_nodeId, static_cast<int>(i)));
    std::vector<int> outPorts;
    for (size_t i = 0; i < spec->outputs.size(); ++i)
        if (spec->outputs[i].name != "errors") outPorts.push_back(static_cast<int>(i));
    for (int p : outPorts)
        schemas.push_back(
            m_model->outputSchema(m_nodeId, fromStd(spec->outputs[static_cast<size_t>(p)].name)));
    auto same = [](const SchemaPtr& a, const SchemaPtr& b) {
        return a == b || (a && b && *a == *b);
    };
    if (m_schemasShown && schemas.size() == m_shownSchemas.size() &&
        std::equal(schemas.begin(), schemas.end(), m_shownSchemas.begin(), same))
        return;
    m_shownSchemas = schemas;
    m_schemasShown = true;

    while (QLayoutItem* item = m_schemaLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const std::vector<EdgeDef> edges = m_model->edgesOf(m_nodeId);
    auto wired = [&](const std::string& port) {
        for (const auto& e : edges)
            if (e.toNode == m_nodeId.toStdString() && e.toPort == port) return true;
        return false;
    };
    auto caption = [&](const QString& text) {
        auto* l = hintLabel(text, m_schemaBox);
        QFont f = l->font();
        f.setItalic(false);
        l->setFont(f);
        m_schemaLayout->addWidget(l);
    };
    auto note = [&](const QString& text) {
        auto* l = hintLabel(text, m_schemaBox);
        l->setWordWrap(true);
        m_schemaLayout->addWidget(l);
    };
    size_t k = 0;
    if (!spec->inputs.empty()) {
        m_schemaLayout->addWidget(
            new SectionTitle(spec->inputs.size() > 1 ? tr("Inputs") : tr("Input"), m_schemaBox));
        for (size_t i = 0; i < spec->inputs.size(); ++i, ++k) {
            const std::string& port = spec->inputs[i].name;
            if (spec->inputs.size() > 1) caption(fromStd(port));
            if (schemas[k]) {
                m_schemaLayout->addWidget(schemaTable(*schemas[k], m_schemaBox));
            } else {
                note(wired(port) ? tr("Unknown until the nodes before this one are fixed")
                                 : tr("Not connected: wire a stream into `%1`").arg(fromStd(port)));
            }
        }
    }
    if (!outPorts.empty()) {
        if (!spec->inputs.empty()) m_schemaLayout->addSpacing(8);
        m_schemaLayout->addWidget(new SectionTitle(tr("Output"), m_schemaBox));
        // A port that passes the input on unchanged (a window's `late`) gets one line, not a table.
        std::vector<bool> unchanged(outPorts.size(), false);
        int tables = 0;
        for (size_t j = 0; j < outPorts.size(); ++j) {
            const SchemaPtr& s = schemas[k + j];
            unchanged[j] = j > 0 && s && !spec->inputs.empty() && same(s, schemas[0]);
            if (!unchanged[j]) ++tables;
        }
        for (size_t j = 0; j < outPorts.size(); ++j, ++k) {
            const QString port = fromStd(spec->outputs[static_cast<size_t>(outPorts[j])].name);
            const SchemaPtr& s = schemas[k];
            if (unchanged[j]) {
                note(tr("`%1` carries the input's events unchanged").arg(port));
                continue;
            }
            if (tables > 1) caption(port);
            if (s)
                m_schemaLayout->addWidget(schemaTable(*s, m_schemaBox));
            else
                note(tr("Known once the node's problems are fixed"));
        }
    }
}

void Inspector::editTitle() {
    if (!m_title) return;
    m_title->setFocus(Qt::OtherFocusReason);
    m_title->selectAll();
}

void Inspector::setStats(const NodeStats* stats) {
    if (!m_statsBox) return;
    if (!stats || stats->id != m_nodeId) {
        m_statsBox->hide();
        return;
    }
    auto set = [&](const char* key, const QString& text, const QColor& color = {}) {
        QLabel* l = m_statValues[QString::fromLatin1(key)];
        if (!l) return;
        l->setText(text);
        QPalette p = l->palette();
        p.setColor(QPalette::WindowText,
                   color.isValid() ? color : palette().color(QPalette::WindowText));
        l->setPalette(p);
    };
    set("in", theme::formatCount(static_cast<double>(stats->eventsIn)));
    set("out", theme::formatCount(static_cast<double>(stats->eventsOut)));
    set("rate", theme::formatRate(stats->ratePerSecond, stats->idleSeconds));
    set("errors", theme::formatCount(static_cast<double>(stats->errors)),
        stats->errors > 0 ? inspector_style::errorColor(palette()) : QColor());
    set("late", theme::formatCount(static_cast<double>(stats->late)),
        stats->late > 0 ? inspector_style::warningColor(palette()) : QColor());
    const bool hasWatermark = stats->watermarkUs > 0 && stats->watermarkUs < kMaxTime;
    set("watermark", hasWatermark
                         ? QDateTime::fromMSecsSinceEpoch(stats->watermarkUs / 1000, Qt::UTC)
                               .toString(QStringLiteral("HH:mm:ss.zzz"))
                         : QStringLiteral("–"));
    m_statsBox->show();
}

void Inspector::commitParam(const QString& nodeId, ParamEditor* editor) {
    const NodeDef* node = m_model->node(nodeId);
    if (!node) return;
    const std::string key = editor->key().toStdString();
    const Json current =
        node->params.is_object() && node->params.contains(key) ? node->params[key] : Json();
    if (current == editor->value()) return;
    m_undo->push(new SetParamCommand(m_model, nodeId, editor->key(), editor->value()));
}

void Inspector::commitTitle(const QString& text) {
    const NodeDef* node = m_model->node(m_nodeId);
    if (!node || fromStd(node->title) == text) return;
    m_titleShown = text;
    m_undo->push(new SetTitleCommand(m_model, m_nodeId, text));
}

}  // namespace riffle
