#include "widgets/welcome/card_grid_layout.h"

#include <QWidget>
#include <algorithm>

namespace riffle {

CardGridLayout::CardGridLayout(int minItemWidth, int spacing, QWidget* parent)
    : QLayout(parent), m_minItemWidth(minItemWidth), m_spacing(spacing) {
    setContentsMargins(0, 0, 0, 0);
}

CardGridLayout::~CardGridLayout() {
    while (QLayoutItem* item = takeAt(0)) delete item;
}

void CardGridLayout::addItem(QLayoutItem* item) {
    m_items.append(item);
}

int CardGridLayout::count() const {
    return static_cast<int>(m_items.size());
}

QLayoutItem* CardGridLayout::itemAt(int index) const {
    return m_items.value(index);
}

QLayoutItem* CardGridLayout::takeAt(int index) {
    return index >= 0 && index < m_items.size() ? m_items.takeAt(index) : nullptr;
}

Qt::Orientations CardGridLayout::expandingDirections() const {
    return Qt::Horizontal;
}

bool CardGridLayout::hasHeightForWidth() const {
    return true;
}

int CardGridLayout::heightForWidth(int width) const {
    return doLayout(QRect(0, 0, width, 0), false);
}

QSize CardGridLayout::sizeHint() const {
    return minimumSize();
}

QSize CardGridLayout::minimumSize() const {
    const QMargins m = contentsMargins();
    return {m_minItemWidth + m.left() + m.right(), heightForWidth(m_minItemWidth)};
}

void CardGridLayout::setGeometry(const QRect& rect) {
    QLayout::setGeometry(rect);
    doLayout(rect, true);
}

int CardGridLayout::columnsFor(int width) const {
    return std::max(1, (width + m_spacing) / (m_minItemWidth + m_spacing));
}

int CardGridLayout::doLayout(const QRect& rect, bool apply) const {
    const QRect area = rect.marginsRemoved(contentsMargins());
    QList<QLayoutItem*> visible;
    for (QLayoutItem* item : m_items)
        if (!item->isEmpty()) visible.append(item);
    if (visible.isEmpty()) return 0;

    const int columns = columnsFor(area.width());
    const int itemWidth = std::max(1, (area.width() - (columns - 1) * m_spacing) / columns);
    int y = area.top();
    for (int row = 0; row * columns < visible.size(); ++row) {
        int rowHeight = 0;
        const int first = row * columns;
        const int last = std::min(static_cast<int>(visible.size()), first + columns);
        for (int i = first; i < last; ++i) {
            QLayoutItem* item = visible[i];
            const int h = item->hasHeightForWidth() ? item->heightForWidth(itemWidth)
                                                    : item->sizeHint().height();
            rowHeight = std::max(rowHeight, h);
        }
        if (apply) {
            for (int i = first; i < last; ++i) {
                const int x = area.left() + (i - first) * (itemWidth + m_spacing);
                visible[i]->setGeometry(QRect(x, y, itemWidth, rowHeight));
            }
        }
        y += rowHeight + m_spacing;
    }
    const QMargins m = contentsMargins();
    return y - m_spacing - area.top() + m.top() + m.bottom();
}

}  // namespace riffle
