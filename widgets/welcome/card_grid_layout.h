#pragma once
// A layout that flows equally wide items into as many columns as fit (each at least
// `minItemWidth` wide), stretching them to fill the row, like a file manager's icon grid. Rows
// are as tall as their tallest item's height for the column width.
//
// Threading: GUI thread only.
#include <QLayout>
#include <QList>

namespace riffle {

class CardGridLayout : public QLayout {
public:
    CardGridLayout(int minItemWidth, int spacing, QWidget* parent = nullptr);
    ~CardGridLayout() override;

    void addItem(QLayoutItem* item) override;
    int count() const override;
    QLayoutItem* itemAt(int index) const override;
    QLayoutItem* takeAt(int index) override;
    Qt::Orientations expandingDirections() const override;
    bool hasHeightForWidth() const override;
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;
    QSize minimumSize() const override;
    void setGeometry(const QRect& rect) override;

    int columnsFor(int width) const;

private:
    int doLayout(const QRect& rect, bool apply) const;

    QList<QLayoutItem*> m_items;
    int m_minItemWidth;
    int m_spacing;
};

}  // namespace riffle
