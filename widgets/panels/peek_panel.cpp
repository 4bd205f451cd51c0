#include "widgets/panels/peek_panel.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include "engine/runtime/peek.h"
#include "widgets/style/theme.h"

namespace riffle {

PeekPanel::PeekPanel(QWidget* parent) : QWidget(parent) {
    m_title = new QLabel(this);
    m_title->setContentsMargins(6, 4, 6, 4);
    m_table = new QTableWidget(this);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_table->setFont(mono);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_title);
    layout->addWidget(m_table);
    m_timer.setInterval(250);
    connect(&m_timer, &QTimer::timeout, this, &PeekPanel::refresh);
    clear(tr("Click a wire on the canvas while the pipeline runs to see its newest events."));
}

void PeekPanel::setTap(std::shared_ptr<PeekTap> tap, const QString& title) {
    m_tap = std::move(tap);
    m_table->clear();
    m_table->setRowCount(0);
    m_table->setColumnCount(0);
    if (!m_tap) {
        clear(tr("%1: nothing to show — the pipeline is not running. Press Run (F5).").arg(title));
        return;
    }
    m_title->setText(tr("<b>%1</b> — newest events, sampled").arg(title.toHtmlEscaped()));
    m_title->setProperty("wire", title);
    m_timer.start();
    refresh();
}

void PeekPanel::clear(const QString& hint) {
    m_timer.stop();
    m_tap.reset();
    m_title->setText(hint);
}

void PeekPanel::refresh() {
    if (!m_tap) return;
    const PeekTap::Snapshot s = m_tap->snapshot();
    const int cols = static_cast<int>(s.fields.size());
    if (m_table->columnCount() != cols) {
        m_table->setColumnCount(cols);
        QStringList labels;
        for (const auto& f : s.fields) labels << QString::fromStdString(f);
        m_table->setHorizontalHeaderLabels(labels);
    }
    const int rows = static_cast<int>(s.rows.size());
    m_table->setRowCount(rows);
    // Newest first: what the user looks for.
    for (int r = 0; r < rows; ++r) {
        const auto& row = s.rows[static_cast<size_t>(rows - 1 - r)];
        for (int c = 0; c < cols && c < static_cast<int>(row.size()); ++c) {
            QTableWidgetItem* item = m_table->item(r, c);
            if (!item) {
                item = new QTableWidgetItem;
                m_table->setItem(r, c, item);
            }
            item->setText(QString::fromStdString(row[static_cast<size_t>(c)]));
        }
    }
    const QString wire = m_title->property("wire").toString();
    m_title->setText(
        tr("<b>%1</b> — newest of %2 events, sampled")
            .arg(wire.toHtmlEscaped(), theme::formatCount(static_cast<double>(s.rowsSeen))));
}

}  // namespace riffle
