#include "widgets/canvas/quick_add_popup.h"

#include <QApplication>
#include <QKeyEvent>
#include <QLineEdit>
#include <QListWidget>
#include <QPainter>
#include <QScreen>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

#include "widgets/canvas/canvas_style.h"
#include "widgets/canvas/graph_scene.h"
#include "widgets/model/graph_model.h"
#include "widgets/style/theme.h"

namespace riffle {

namespace {

enum Role { TypeIdRole = Qt::UserRole, CategoryRole, DescriptionRole, ColourRole };

// Two lines per type: icon, name and category on the first, the description (grey) under it.
class TypeDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const override {
        const QFontMetrics fm(option.font);
        return QSize(200, fm.height() * 2 + 12);
    }

    void paint(QPainter* p, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        opt.text.clear();
        opt.icon = QIcon();
        QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &opt, p, opt.widget);
        const bool selected = option.state & QStyle::State_Selected;
        const QPalette& pal = option.palette;
        const QColor text = pal.color(selected ? QPalette::HighlightedText : QPalette::Text);
        const QColor grey =
            canvas::mix(text, pal.color(selected ? QPalette::Highlight : QPalette::Base), 0.45);
        const QRect r = option.rect.adjusted(8, 5, -8, -5);
        p->save();
        p->setRenderHint(QPainter::Antialiasing);
        const QRect iconRect(r.left(), r.top() + (r.height() - 22) / 2, 22, 22);
        const QColor colour = index.data(ColourRole).value<QColor>();
        p->setPen(Qt::NoPen);
        p->setBrush(colour);
        p->drawRoundedRect(iconRect, 6, 6);
        const QIcon icon = index.data(Qt::DecorationRole).value<QIcon>();
        if (!icon.isNull()) icon.paint(p, iconRect.adjusted(3, 3, -3, -3));
        const QFontMetrics fm(option.font);
        const int x = iconRect.right() + 10;
        const QString category = index.data(CategoryRole).toString();
        QFont small = option.font;
        small.setPointSizeF(option.font.pointSizeF() * 0.88);
        const QFontMetrics smallFm(small);
        const int categoryWidth = smallFm.horizontalAdvance(category);
        p->setPen(text);
        QFont bold = option.font;
        bold.setBold(true);
        p->setFont(bold);
        const QRect nameRect(x, r.top(), r.right() - x - categoryWidth - 8, fm.height());
        p->drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter,
                    QFontMetrics(bold).elidedText(index.data(Qt::DisplayRole).toString(),
                                                  Qt::ElideRight, nameRect.width()));
        p->setFont(small);
        p->setPen(grey);
        p->drawText(QRect(r.right() - categoryWidth, r.top(), categoryWidth, fm.height()),
                    Qt::AlignRight | Qt::AlignVCenter, category);
        const QRect descRect(x, r.top() + fm.height() + 2, r.right() - x, smallFm.height());
        p->drawText(descRect, Qt::AlignLeft | Qt::AlignVCenter,
                    smallFm.elidedText(index.data(DescriptionRole).toString(), Qt::ElideRight,
                                       descRect.width()));
        p->restore();
    }
};

}  // namespace

QuickAddPopup::QuickAddPopup(GraphScene* scene, QWidget* parent)
    : QFrame(parent, Qt::Popup | Qt::FramelessWindowHint), m_scene(scene) {
    setFrameShape(QFrame::StyledPanel);
    setAttribute(Qt::WA_DeleteOnClose, false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(6);
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Add a node: type to search"));
    m_search->setClearButtonEnabled(true);
    m_search->installEventFilter(this);
    m_list = new QListWidget(this);
    m_list->setItemDelegate(new TypeDelegate(m_list));
    m_list->setUniformItemSizes(true);
    m_list->setFrameShape(QFrame::NoFrame);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setFocusPolicy(Qt::NoFocus);
    layout->addWidget(m_search);
    layout->addWidget(m_list);
    resize(380, 420);
    connect(m_search, &QLineEdit::textChanged, this, &QuickAddPopup::filter);
    connect(m_list, &QListWidget::itemClicked, this, &QuickAddPopup::activate);
}

void QuickAddPopup::openAt(QPoint globalPos, QPointF scenePos) {
    m_scenePos = scenePos;
    m_search->clear();
    filter(QString());
    QPoint at = globalPos;
    if (const QScreen* screen = QApplication::screenAt(globalPos)) {
        const QRect avail = screen->availableGeometry();
        at.setX(std::min(at.x(), avail.right() - width()));
        at.setY(std::min(at.y(), avail.bottom() - height()));
    }
    move(at);
    show();
    m_search->setFocus();
}

QStringList QuickAddPopup::listedTypeIds() const {
    QStringList ids;
    for (int i = 0; i < m_list->count(); ++i) ids << m_list->item(i)->data(TypeIdRole).toString();
    return ids;
}

void QuickAddPopup::filter(const QString& text) {
    const QString needle = text.trimmed();
    struct Match {
        int score;
        int order;
        const NodeSpec* spec;
    };
    std::vector<Match> matches;
    int order = 0;
    for (const NodeSpec* spec : m_scene->model()->registry().all()) {
        const QString name = QString::fromStdString(spec->displayName);
        const QString id = QString::fromStdString(spec->typeId);
        const QString desc = QString::fromStdString(spec->description);
        int score = -1;
        if (needle.isEmpty())
            score = 0;
        else if (name.startsWith(needle, Qt::CaseInsensitive))
            score = 0;
        else if (name.contains(" " + needle, Qt::CaseInsensitive))
            score = 1;
        else if (name.contains(needle, Qt::CaseInsensitive))
            score = 2;
        else if (id.contains(needle, Qt::CaseInsensitive))
            score = 3;
        else if (desc.contains(needle, Qt::CaseInsensitive))
            score = 4;
        if (score >= 0) matches.push_back({score, order, spec});
        ++order;
    }
    std::stable_sort(matches.begin(), matches.end(),
                     [](const Match& a, const Match& b) { return a.score < b.score; });
    m_list->clear();
    for (const Match& m : matches) {
        const QString id = QString::fromStdString(m.spec->typeId);
        const QString category = theme::displayCategory(m.spec);
        auto* item = new QListWidgetItem(QString::fromStdString(m.spec->displayName), m_list);
        item->setData(TypeIdRole, id);
        item->setData(CategoryRole, theme::categoryLabel(category));
        item->setData(DescriptionRole, QString::fromStdString(m.spec->description));
        item->setData(ColourRole, theme::categoryColor(category));
        item->setIcon(canvas::categoryIcon(category));
        item->setToolTip(id + "\n" + QString::fromStdString(m.spec->description));
    }
    if (m_list->count() > 0) m_list->setCurrentRow(0);
}

void QuickAddPopup::activate(QListWidgetItem* item) {
    if (!item) return;
    const QString typeId = item->data(TypeIdRole).toString();
    hide();
    const QString id = m_scene->addNode(typeId, m_scenePos);
    if (!id.isEmpty()) emit nodeAdded(id);
}

bool QuickAddPopup::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_search && event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        switch (key->key()) {
            case Qt::Key_Escape:
                hide();
                return true;
            case Qt::Key_Return:
            case Qt::Key_Enter:
                activate(m_list->currentItem());
                return true;
            case Qt::Key_Up:
            case Qt::Key_Down:
            case Qt::Key_PageUp:
            case Qt::Key_PageDown:
                QApplication::sendEvent(m_list, event);
                return true;
            default:
                break;
        }
    }
    return QFrame::eventFilter(watched, event);
}

}  // namespace riffle
