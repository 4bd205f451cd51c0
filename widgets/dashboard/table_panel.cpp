#include "widgets/dashboard/table_panel.h"

#include <QAbstractTableModel>
#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <cmath>

#include "widgets/dashboard/chart_theme.h"
#include "widgets/style/theme.h"

namespace riffle {

namespace {

// "2026-11-24T10:00:05.000Z" shows as "10:00:05" (the date and zero milliseconds make a column
// too wide for a panel); the tooltip and the CSV keep the full time.
QString compactTime(const QString& text) {
    if (text.size() < 20 || text.size() > 24 || text[4] != QLatin1Char('-') ||
        text[10] != QLatin1Char('T') || !text.endsWith(QLatin1Char('Z')))
        return text;
    QString t = text.mid(11, text.size() - 12);  // HH:mm:ss[.zzz]
    if (t.endsWith(QLatin1String(".000"))) t.chop(4);
    return t;
}

}  // namespace

// Newest row at index 0.
class TableRowsModel : public QAbstractTableModel {
public:
    explicit TableRowsModel(QStringList columns, QObject* parent)
        : QAbstractTableModel(parent), m_columns(std::move(columns)) {}

    int rowCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    int columnCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : int(m_columns.size());
    }
    QVariant data(const QModelIndex& index, int role) const override {
        if (!index.isValid() || size_t(index.row()) >= m_rows.size()) return {};
        const QStringList& row = m_rows[size_t(index.row())];
        const QString text = index.column() < row.size() ? row[index.column()] : QString();
        if (role == Qt::ToolTipRole) return text;
        if (role == Qt::DisplayRole) return compactTime(text);
        if (role == Qt::UserRole) {
            // Sort key: numbers as numbers, the rest as text.
            bool ok = false;
            const double v = text.toDouble(&ok);
            return ok ? QVariant(v) : QVariant(text);
        }
        if (role == Qt::TextAlignmentRole) {
            bool ok = false;
            text.toDouble(&ok);
            return QVariant::fromValue(Qt::AlignVCenter | (ok ? Qt::AlignRight : Qt::AlignLeft));
        }
        return {};
    }
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override {
        if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section < m_columns.size())
            return m_columns[section];
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    void prepend(std::vector<QStringList> newestLast, int bound) {
        if (newestLast.empty()) return;
        if (int(newestLast.size()) > bound)
            newestLast.erase(newestLast.begin(), newestLast.end() - bound);
        const int n = int(newestLast.size());
        const int keepOld = std::max(0, std::min(int(m_rows.size()), bound - n));
        if (keepOld < int(m_rows.size())) {
            beginRemoveRows({}, keepOld, int(m_rows.size()) - 1);
            m_rows.resize(size_t(keepOld));
            endRemoveRows();
        }
        beginInsertRows({}, 0, n - 1);
        for (auto& row : newestLast) m_rows.push_front(std::move(row));
        endInsertRows();
    }
    void clear() {
        beginResetModel();
        m_rows.clear();
        endResetModel();
    }
    const std::deque<QStringList>& rows() const { return m_rows; }
    const QStringList& columns() const { return m_columns; }

private:
    QStringList m_columns;
    std::deque<QStringList> m_rows;
};

namespace {

QStringList columnsOf(const ChartConfig& config) {
    QStringList columns;
    for (const std::string& c : config.columns) columns << QString::fromStdString(c);
    if (columns.isEmpty()) {
        columns << QString::fromStdString(config.x.empty() ? "time" : config.x);
        if (!config.seriesBy.empty()) columns << QStringLiteral("series");
        for (const std::string& y : config.y) columns << QString::fromStdString(y);
    }
    return columns;
}

}  // namespace

TablePanel::TablePanel(const ChartConfig& config, QWidget* parent) : ChartPanel(config, parent) {
    m_model = new TableRowsModel(columnsOf(config), this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(Qt::UserRole);
    m_proxy->setDynamicSortFilter(true);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("chartTable"));
    m_view->setModel(m_proxy);
    m_view->setFrameShape(QFrame::NoFrame);
    m_view->setSortingEnabled(true);
    m_view->horizontalHeader()->setSortIndicatorClearable(true);
    m_view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_view->horizontalHeader()->setStretchLastSection(false);
    m_view->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_view->horizontalHeader()->setHighlightSections(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideRight);
    m_proxy->sort(-1);
    setContent(m_view);
    connect(m_view->horizontalHeader(), &QHeaderView::sectionResized, this, [this] {
        if (!m_fitting) m_userWidths = true;  // the user's widths stay
    });
}

QStringList TablePanel::columns() const {
    return m_model->columns();
}

void TablePanel::onRows(const std::vector<ChartRow>& rows) {
    for (const ChartRow& row : rows) {
        QStringList cells;
        if (!row.cells.empty()) {
            for (const std::string& c : row.cells) cells << QString::fromStdString(c);
        } else {
            cells << chart::isoUtc(row.time);
            if (!config().seriesBy.empty()) cells << QString::fromStdString(row.series);
            for (double v : row.values) cells << chart::numberText(v);
        }
        m_pending.push_back(std::move(cells));
    }
    if (m_pending.size() > size_t(kMaxRows))
        m_pending.erase(m_pending.begin(), m_pending.end() - kMaxRows);
}

void TablePanel::draw() {
    const bool first = m_model->rowCount() == 0;
    m_model->prepend(std::move(m_pending), kMaxRows);
    m_pending.clear();
    // Size the columns to the first rows; until the user sets a width, again with the panel.
    if (first && m_model->rowCount() > 0) fitColumns();
    emit frameRendered();
}

void TablePanel::fitColumns() {
    if (m_userWidths || m_model->columnCount() == 0) return;
    m_fitting = true;
    m_view->resizeColumnsToContents();
    const int n = m_model->columnCount();
    std::vector<int> widths(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) widths[size_t(c)] = std::min(m_view->columnWidth(c) + 16, 320);
    // Every column in view: take from the widest first, down to a width that still shows a
    // few characters (the cell's tooltip has the rest).
    const int room = m_view->viewport()->width();
    const int floor = std::max(48, room / (2 * n));
    int total = 0;
    for (int w : widths) total += w;
    while (total > room) {
        auto widest = std::max_element(widths.begin(), widths.end());
        if (*widest <= floor) break;
        --*widest;
        --total;
    }
    for (int c = 0; c < n; ++c) m_view->setColumnWidth(c, widths[size_t(c)]);
    m_fitting = false;
}

void TablePanel::resizeEvent(QResizeEvent* event) {
    ChartPanel::resizeEvent(event);
    if (m_model->rowCount() > 0) fitColumns();
}

void TablePanel::onClear() {
    m_pending.clear();
    m_model->clear();
}

int TablePanel::rowCount() const {
    return m_proxy->rowCount();
}

QStringList TablePanel::rowAt(int row) const {
    QStringList out;
    for (int c = 0; c < m_proxy->columnCount(); ++c)
        out << m_proxy->index(row, c).data(Qt::DisplayRole).toString();
    return out;
}

void TablePanel::sortByColumn(int column, Qt::SortOrder order) {
    m_view->sortByColumn(column, order);
}

std::vector<QStringList> TablePanel::csvTable() const {
    std::vector<QStringList> table;
    table.push_back(m_model->columns());
    // The full values (a time with its date), as the tooltips show them.
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        QStringList row;
        for (int c = 0; c < m_proxy->columnCount(); ++c)
            row << m_proxy->index(r, c).data(Qt::ToolTipRole).toString();
        table.push_back(row);
    }
    return table;
}

}  // namespace riffle
