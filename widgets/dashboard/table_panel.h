#pragma once
// The `table` chart kind: the newest rows first (ChartRow::cells under ChartConfig::columns),
// bounded (1 000 rows), sortable by clicking a header (numbers sort as numbers); clicking the
// sorted header a third time returns to newest-first.
//
// Threading: GUI thread only.
#include <deque>

#include "widgets/dashboard/chart_panel.h"

class QTableView;
class QSortFilterProxyModel;

namespace riffle {

class TableRowsModel;

class TablePanel : public ChartPanel {
    Q_OBJECT
public:
    static constexpr int kMaxRows = 1000;

    TablePanel(const ChartConfig& config, QWidget* parent = nullptr);

    QStringList columns() const;
    // Rows as shown (after sorting), first row first.
    int rowCount() const;
    QStringList rowAt(int row) const;
    void sortByColumn(int column, Qt::SortOrder order);
    QTableView* view() const { return m_view; }
    std::vector<QStringList> csvTable() const override;

protected:
    void onRows(const std::vector<ChartRow>& rows) override;
    void draw() override;
    void onClear() override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void fitColumns();
    bool m_fitting = false;
    bool m_userWidths = false;
    TableRowsModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_view = nullptr;
    std::vector<QStringList> m_pending;
};

}  // namespace riffle
