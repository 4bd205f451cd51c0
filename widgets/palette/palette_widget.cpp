#include "widgets/palette/palette_widget.h"

#include <QApplication>
#include <QDrag>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPainter>
#include <QPainterPath>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QStyledItemDelegate>
#include <QTreeView>
#include <QVBoxLayout>
#include <algorithm>

#include "engine/graph/node_registry.h"
#include "widgets/style/theme.h"

namespace riffle {

namespace {

enum Role {
    IsGroupRole = Qt::UserRole + 1,
    TypeIdRole,
    CategoryRole,
    DescriptionRole,
    NameTextRole,    // display name and type id, lower case
    SearchTextRole,  // those and the description
};

const QStringList& categoryOrder() {
    static const QStringList order = {"source", "transform", "window", "aggregate",
                                      "join",   "alert",     "sink",   "chart"};
    return order;
}

// Descriptions mark parameter names with backticks (`size`); plain text drops them.
QString plainDescription(const QString& description) {
    return QString(description).remove(QLatin1Char('`'));
}

QString richDescription(const QString& description) {
    QString html = description.toHtmlEscaped();
    bool open = false;
    QString out;
    for (QChar c : html) {
        if (c == QLatin1Char('`')) {
            out += open ? QStringLiteral("</code>") : QStringLiteral("<code>");
            open = !open;
        } else {
            out += c;
        }
    }
    if (open) out += QStringLiteral("</code>");
    return out;
}

// The category chip: a rounded square in the category colour with the white glyph on it, the
// same mark the canvas puts in a node's header strip.
void paintChip(QPainter* p, const QRectF& rect, const QString& category) {
    p->save();
    p->setRenderHint(QPainter::Antialiasing);
    p->setPen(Qt::NoPen);
    p->setBrush(theme::categoryColor(category));
    p->drawRoundedRect(rect, rect.width() * 0.24, rect.width() * 0.24);
    const double inset = rect.width() * 0.18;
    theme::categoryIcon(category).paint(p, rect.adjusted(inset, inset, -inset, -inset).toRect());
    p->restore();
}

QFont secondaryFont(const QFont& base) {
    QFont f = base;
    if (f.pointSizeF() > 0)
        f.setPointSizeF(f.pointSizeF() * 0.88);
    else
        f.setPixelSize(std::max(9, static_cast<int>(f.pixelSize() * 0.88)));
    return f;
}

QFont groupFont(const QFont& base) {
    QFont f = secondaryFont(base);
    f.setWeight(QFont::DemiBold);
    f.setCapitalization(QFont::AllUppercase);
    f.setLetterSpacing(QFont::PercentageSpacing, 106);
    return f;
}

constexpr int kRowPadV = 5;
constexpr int kChip = 24;
constexpr int kInsetH = 4;  // hover/selection backgrounds stop short of the view's edges

class PaletteDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        if (index.data(IsGroupRole).toBool()) {
            const QFontMetrics fm(groupFont(option.font));
            return {120, fm.height() + 16};
        }
        const QFontMetrics name(option.font);
        const QFontMetrics desc(secondaryFont(option.font));
        return {120, std::max(kChip, name.height() + desc.height()) + 2 * kRowPadV + 1};
    }

    void paint(QPainter* p, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        if (index.data(IsGroupRole).toBool())
            paintGroup(p, option, index);
        else
            paintEntry(p, option, index);
    }

private:
    static void paintGroup(QPainter* p, const QStyleOptionViewItem& option,
                           const QModelIndex& index) {
        const QPalette& pal = option.palette;
        const QColor text = pal.color(QPalette::Text);
        const QColor muted = theme::mix(text, pal.color(QPalette::Base), 0.42);
        const QRect r = option.rect;
        p->save();
        p->setRenderHint(QPainter::Antialiasing);
        if (option.state & QStyle::State_HasFocus) {
            QColor focus = pal.color(QPalette::Highlight);
            focus.setAlphaF(0.16f);
            p->setPen(Qt::NoPen);
            p->setBrush(focus);
            p->drawRoundedRect(QRectF(r).adjusted(kInsetH, 2, -kInsetH, -2), 4, 4);
        }
        const auto* view = qobject_cast<const QTreeView*>(option.widget);
        const bool expanded = view && view->isExpanded(index);
        // Chevron: pointing down when open, right when folded.
        const QPointF c(r.left() + 16, r.center().y() + 1);
        QPainterPath chevron;
        if (expanded) {
            chevron.moveTo(c + QPointF(-3.5, -1.8));
            chevron.lineTo(c + QPointF(0, 1.8));
            chevron.lineTo(c + QPointF(3.5, -1.8));
        } else {
            chevron.moveTo(c + QPointF(-1.8, -3.5));
            chevron.lineTo(c + QPointF(1.8, 0));
            chevron.lineTo(c + QPointF(-1.8, 3.5));
        }
        p->setPen(QPen(muted, 1.5, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p->setBrush(Qt::NoBrush);
        p->drawPath(chevron);

        const QFont font = groupFont(option.font);
        p->setFont(font);
        p->setPen(muted);
        const QRect textRect = r.adjusted(28, 0, -12, 0);
        p->drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft, index.data().toString());
        const int count = index.model()->rowCount(index);
        QFont countFont = font;
        countFont.setWeight(QFont::Normal);
        p->setFont(countFont);
        p->setPen(theme::mix(text, pal.color(QPalette::Base), 0.6));
        p->drawText(textRect, Qt::AlignVCenter | Qt::AlignRight, QString::number(count));
        p->restore();
    }

    static void paintEntry(QPainter* p, const QStyleOptionViewItem& option,
                           const QModelIndex& index) {
        const QPalette& pal = option.palette;
        const QRect r = option.rect;
        const bool selected = option.state & QStyle::State_Selected;
        const bool active = option.state & QStyle::State_Active;
        const bool hovered = option.state & QStyle::State_MouseOver;
        p->save();
        p->setRenderHint(QPainter::Antialiasing);
        const QRectF bg = QRectF(r).adjusted(kInsetH, 1, -kInsetH, -1);
        QColor text = pal.color(QPalette::Text);
        if (selected) {
            QColor hl = pal.color(QPalette::Highlight);
            if (!active || !(option.state & QStyle::State_HasFocus)) hl.setAlphaF(0.28f);
            p->setPen(Qt::NoPen);
            p->setBrush(hl);
            p->drawRoundedRect(bg, 5, 5);
            if (hl.alphaF() > 0.9f) text = pal.color(QPalette::HighlightedText);
        } else if (hovered) {
            QColor hover = text;
            hover.setAlphaF(0.07f);
            p->setPen(Qt::NoPen);
            p->setBrush(hover);
            p->drawRoundedRect(bg, 5, 5);
        }
        const QString category = index.data(CategoryRole).toString();
        const QRectF chip(r.left() + 14, r.center().y() - kChip / 2.0 + 0.5, kChip, kChip);
        paintChip(p, chip, category);

        const QFontMetrics nameFm(option.font);
        const QFont descFont = secondaryFont(option.font);
        const QFontMetrics descFm(descFont);
        const int textLeft = static_cast<int>(chip.right()) + 10;
        const int textWidth = r.right() - 10 - textLeft;
        const int block = nameFm.height() + descFm.height();
        const int top = r.top() + (r.height() - block) / 2;

        p->setFont(option.font);
        p->setPen(text);
        p->drawText(QRect(textLeft, top, textWidth, nameFm.height()),
                    Qt::AlignLeft | Qt::AlignVCenter,
                    nameFm.elidedText(index.data().toString(), Qt::ElideRight, textWidth));
        p->setFont(descFont);
        const QColor base = selected && text != pal.color(QPalette::Text)
                                ? pal.color(QPalette::Highlight)
                                : pal.color(QPalette::Base);
        p->setPen(theme::mix(text, base, 0.42));
        const QString desc = plainDescription(index.data(DescriptionRole).toString());
        p->drawText(QRect(textLeft, top + nameFm.height(), textWidth, descFm.height()),
                    Qt::AlignLeft | Qt::AlignVCenter,
                    descFm.elidedText(desc, Qt::ElideRight, textWidth));
        p->restore();
    }
};

// The pixmap under the cursor while dragging: the entry's chip and name on a rounded card.
QPixmap dragPixmap(const QString& name, const QString& category, const QWidget* widget) {
    const QFont font = widget->font();
    const QFontMetrics fm(font);
    const qreal dpr = widget->devicePixelRatioF();
    const QSize size(fm.horizontalAdvance(name) + kChip + 28, kChip + 12);
    QPixmap pm(size * dpr);
    pm.setDevicePixelRatio(dpr);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette& pal = widget->palette();
    QColor border = theme::categoryColor(category);
    p.setPen(QPen(border, 1.5));
    QColor fill = pal.color(QPalette::Base);
    fill.setAlphaF(0.94f);
    p.setBrush(fill);
    p.drawRoundedRect(QRectF(0.75, 0.75, size.width() - 1.5, size.height() - 1.5), 7, 7);
    paintChip(&p, QRectF(6, 6, kChip, kChip), category);
    p.setFont(font);
    p.setPen(pal.color(QPalette::Text));
    p.drawText(QRect(kChip + 14, 0, size.width() - kChip - 14, size.height()),
               Qt::AlignVCenter | Qt::AlignLeft, name);
    return pm;
}

class PaletteTree : public QTreeView {
public:
    using QTreeView::QTreeView;
    std::function<void(const QModelIndex&)> onActivate;

protected:
    void startDrag(Qt::DropActions) override {
        const QModelIndex index = currentIndex();
        if (!index.isValid() || index.data(IsGroupRole).toBool()) return;
        auto* drag = new QDrag(this);
        drag->setMimeData(makeNodeTypeMimeData(index.data(TypeIdRole).toString()));
        const QPixmap pm =
            dragPixmap(index.data().toString(), index.data(CategoryRole).toString(), this);
        drag->setPixmap(pm);
        drag->setHotSpot(QPoint(kChip / 2 + 6, kChip / 2 + 6));
        drag->exec(Qt::CopyAction, Qt::CopyAction);
    }

    void mouseReleaseEvent(QMouseEvent* event) override {
        const QModelIndex index = indexAt(event->position().toPoint());
        QTreeView::mouseReleaseEvent(event);
        if (event->button() == Qt::LeftButton && index.isValid() &&
            index.data(IsGroupRole).toBool())
            setExpanded(index, !isExpanded(index));
    }

    void mouseDoubleClickEvent(QMouseEvent* event) override {
        const QModelIndex index = indexAt(event->position().toPoint());
        if (event->button() == Qt::LeftButton && index.isValid() &&
            !index.data(IsGroupRole).toBool()) {
            if (onActivate) onActivate(index);
            return;
        }
        QTreeView::mouseDoubleClickEvent(event);
    }

    void keyPressEvent(QKeyEvent* event) override {
        const QModelIndex index = currentIndex();
        if ((event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) && index.isValid()) {
            if (index.data(IsGroupRole).toBool())
                setExpanded(index, !isExpanded(index));
            else if (onActivate)
                onActivate(index);
            return;
        }
        QTreeView::keyPressEvent(event);
    }
};

}  // namespace

// Keeps the entries that contain every word of the search. Names and type ids come first: when
// some entry matches there, only those are shown, so "tumb" finds the Tumbling window and not
// the join whose description mentions tumbling windows; otherwise descriptions are searched too.
// Groups never match themselves; recursive filtering shows those with a matching entry.
class PaletteFilterModel : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setWords(const QString& text) {
        m_words = text.simplified().toLower().split(QLatin1Char(' '), Qt::SkipEmptyParts);
        m_role = anyEntryMatches(NameTextRole) ? NameTextRole : SearchTextRole;
        invalidateFilter();
    }
    bool isFiltering() const { return !m_words.isEmpty(); }

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
        const QModelIndex index = sourceModel()->index(row, 0, parent);
        if (m_words.isEmpty()) return true;
        if (index.data(IsGroupRole).toBool()) return false;
        return matches(index, m_role);
    }

private:
    bool matches(const QModelIndex& entry, int role) const {
        const QString haystack = entry.data(role).toString();
        return std::all_of(m_words.begin(), m_words.end(),
                           [&](const QString& w) { return haystack.contains(w); });
    }
    bool anyEntryMatches(int role) const {
        const QAbstractItemModel* model = sourceModel();
        for (int g = 0; g < model->rowCount(); ++g) {
            const QModelIndex group = model->index(g, 0);
            for (int i = 0; i < model->rowCount(group); ++i)
                if (matches(model->index(i, 0, group), role)) return true;
        }
        return false;
    }

    QStringList m_words;
    int m_role = SearchTextRole;
};

QMimeData* makeNodeTypeMimeData(const QString& typeId) {
    auto* data = new QMimeData;
    data->setData(QString::fromLatin1(kNodeTypeMimeType), typeId.toUtf8());
    return data;
}

QString nodeTypeFromMimeData(const QMimeData* data) {
    if (!data || !data->hasFormat(QString::fromLatin1(kNodeTypeMimeType))) return {};
    return QString::fromUtf8(data->data(QString::fromLatin1(kNodeTypeMimeType)));
}

PaletteWidget::PaletteWidget(const NodeRegistry& registry, QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search nodes…"));
    m_search->setClearButtonEnabled(true);
    m_search->addAction(theme::actionIcon(QStringLiteral("find")), QLineEdit::LeadingPosition);
    m_search->installEventFilter(this);
    auto* searchBox = new QVBoxLayout;
    searchBox->setContentsMargins(8, 8, 8, 6);
    searchBox->addWidget(m_search);
    layout->addLayout(searchBox);

    m_model = new QStandardItemModel(this);
    m_filter = new PaletteFilterModel(this);
    m_filter->setRecursiveFilteringEnabled(true);
    m_filter->setSourceModel(m_model);

    auto* tree = new PaletteTree(this);
    tree->onActivate = [this](const QModelIndex& index) { activate(index); };
    m_tree = tree;
    m_tree->setModel(m_filter);
    m_tree->setItemDelegate(new PaletteDelegate(m_tree));
    m_tree->setHeaderHidden(true);
    m_tree->setRootIsDecorated(false);
    m_tree->setIndentation(0);
    m_tree->setExpandsOnDoubleClick(false);
    m_tree->setFrameShape(QFrame::NoFrame);
    m_tree->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setDragEnabled(true);
    m_tree->setDragDropMode(QAbstractItemView::DragOnly);
    m_tree->setMouseTracking(true);
    m_tree->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_tree->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_tree->setAnimated(false);
    m_tree->viewport()->setAttribute(Qt::WA_Hover);
    m_tree->setAccessibleName(tr("Node types"));
    layout->addWidget(m_tree, 1);

    m_empty = new QLabel(m_tree->viewport());
    m_empty->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    m_empty->setWordWrap(true);
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    m_empty->hide();

    populate(registry);
    m_tree->expandAll();

    connect(m_search, &QLineEdit::textChanged, this, &PaletteWidget::applyFilter);
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        if (const QModelIndex first = firstVisibleEntry(); first.isValid()) activate(first);
    });
    connect(m_tree, &QTreeView::collapsed, this, [this](const QModelIndex& index) {
        if (!m_filter->isFiltering()) m_collapsed.insert(index.data(CategoryRole).toString());
    });
    connect(m_tree, &QTreeView::expanded, this, [this](const QModelIndex& index) {
        if (!m_filter->isFiltering()) m_collapsed.remove(index.data(CategoryRole).toString());
    });
    setFocusProxy(m_search);
}

void PaletteWidget::populate(const NodeRegistry& registry) {
    QMap<QString, QList<const NodeSpec*>> byCategory;
    for (const NodeSpec* spec : registry.all())
        byCategory[theme::displayCategory(spec)].append(spec);
    QStringList categories = categoryOrder();
    for (const QString& c : byCategory.keys())
        if (!categories.contains(c)) categories.append(c);

    for (const QString& category : categories) {
        auto specs = byCategory.value(category);
        if (specs.isEmpty()) continue;
        std::sort(specs.begin(), specs.end(), [](const NodeSpec* a, const NodeSpec* b) {
            return QString::fromStdString(a->displayName)
                       .compare(QString::fromStdString(b->displayName), Qt::CaseInsensitive) < 0;
        });
        auto* group = new QStandardItem(theme::categoryLabel(category));
        group->setData(true, IsGroupRole);
        group->setData(category, CategoryRole);
        group->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        for (const NodeSpec* spec : specs) {
            const QString name = QString::fromStdString(spec->displayName);
            const QString typeId = QString::fromStdString(spec->typeId);
            const QString description = QString::fromStdString(spec->description);
            auto* item = new QStandardItem(name);
            item->setData(false, IsGroupRole);
            item->setData(typeId, TypeIdRole);
            item->setData(category, CategoryRole);
            item->setData(description, DescriptionRole);
            item->setData((name + ' ' + typeId).toLower(), NameTextRole);
            item->setData((name + ' ' + typeId + ' ' + plainDescription(description)).toLower(),
                          SearchTextRole);
            item->setToolTip(QStringLiteral("<p style='white-space:pre'><b>%1</b>&nbsp;&nbsp;"
                                            "<span style='color:#8a8f98'>%2</span></p><p>%3</p>")
                                 .arg(name.toHtmlEscaped(), typeId.toHtmlEscaped(),
                                      richDescription(description)));
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
            group->appendRow(item);
        }
        m_model->appendRow(group);
    }
}

void PaletteWidget::applyFilter(const QString& text) {
    m_filter->setWords(text);
    if (m_filter->isFiltering()) {
        m_tree->expandAll();
    } else {
        for (int i = 0; i < m_filter->rowCount(); ++i) {
            const QModelIndex group = m_filter->index(i, 0);
            m_tree->setExpanded(group, !m_collapsed.contains(group.data(CategoryRole).toString()));
        }
    }
    const bool none = m_filter->rowCount() == 0;
    if (none) {
        m_empty->setText(tr("No node matches “%1”").arg(text.trimmed()));
        m_empty->setGeometry(12, 24, m_tree->viewport()->width() - 24, 60);
    }
    m_empty->setVisible(none);
    if (const QModelIndex first = firstVisibleEntry(); first.isValid() && m_filter->isFiltering())
        m_tree->setCurrentIndex(first);
}

void PaletteWidget::activate(const QModelIndex& proxyIndex) {
    if (!proxyIndex.isValid() || proxyIndex.data(IsGroupRole).toBool()) return;
    emit addRequested(proxyIndex.data(TypeIdRole).toString());
}

QModelIndex PaletteWidget::firstVisibleEntry() const {
    for (int g = 0; g < m_filter->rowCount(); ++g) {
        const QModelIndex group = m_filter->index(g, 0);
        if (m_filter->rowCount(group) > 0) return m_filter->index(0, 0, group);
    }
    return {};
}

void PaletteWidget::focusSearch() {
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void PaletteWidget::setFilterText(const QString& text) {
    m_search->setText(text);
}

QString PaletteWidget::filterText() const {
    return m_search->text();
}

QStringList PaletteWidget::visibleTypeIds() const {
    QStringList ids;
    for (int g = 0; g < m_filter->rowCount(); ++g) {
        const QModelIndex group = m_filter->index(g, 0);
        for (int i = 0; i < m_filter->rowCount(group); ++i)
            ids << m_filter->index(i, 0, group).data(TypeIdRole).toString();
    }
    return ids;
}

QString PaletteWidget::groupOf(const QString& typeId) const {
    for (int g = 0; g < m_model->rowCount(); ++g) {
        const QStandardItem* group = m_model->item(g);
        for (int i = 0; i < group->rowCount(); ++i)
            if (group->child(i)->data(TypeIdRole).toString() == typeId) return group->text();
    }
    return {};
}

bool PaletteWidget::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_search && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Down) {
            const QModelIndex first = firstVisibleEntry();
            if (first.isValid()) m_tree->setCurrentIndex(first);
            m_tree->setFocus(Qt::TabFocusReason);
            return true;
        }
        if (key->key() == Qt::Key_Escape && !m_search->text().isEmpty()) {
            m_search->clear();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace riffle
