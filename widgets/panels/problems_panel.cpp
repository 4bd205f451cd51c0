#include "widgets/panels/problems_panel.h"

#include <QHeaderView>
#include <QLabel>
#include <QStackedLayout>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "widgets/model/graph_model.h"

namespace riffle {

ProblemsPanel::ProblemsPanel(GraphModel* model, QWidget* parent) : QWidget(parent), m_model(model) {
    m_list = new QTreeWidget(this);
    m_list->setColumnCount(2);
    m_list->setHeaderLabels({tr("Node"), tr("Problem")});
    m_list->setRootIsDecorated(false);
    m_list->setAlternatingRowColors(true);
    m_list->setUniformRowHeights(true);
    m_list->header()->setStretchLastSection(true);
    m_list->setColumnWidth(0, 160);
    m_empty = new QLabel(tr("No problems."), this);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setEnabled(false);
    auto* stack = new QStackedLayout;
    stack->addWidget(m_empty);
    stack->addWidget(m_list);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(stack);
    connect(m_list, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
        const QString id = item->data(0, Qt::UserRole).toString();
        if (!id.isEmpty()) emit nodeRequested(id);
    });
    connect(model, &GraphModel::validationChanged, this, &ProblemsPanel::refresh);
    connect(model, &GraphModel::reset, this, [this] {
        m_runProblems.clear();
        refresh();
    });
    refresh();
}

void ProblemsPanel::setRunProblems(const QStringList& problems) {
    m_runProblems = problems;
    refresh();
}

void ProblemsPanel::refresh() {
    m_list->clear();
    const QIcon error = style()->standardIcon(QStyle::SP_MessageBoxCritical);
    const QIcon warning = style()->standardIcon(QStyle::SP_MessageBoxWarning);
    auto add = [&](const QString& nodeId, const QString& message, const QIcon& icon) {
        auto* item = new QTreeWidgetItem(m_list);
        item->setIcon(0, icon);
        item->setText(0, nodeId.isEmpty() ? tr("Project") : m_model->displayTitle(nodeId));
        item->setText(1, message);
        item->setToolTip(1, message);
        item->setData(0, Qt::UserRole, nodeId);
    };
    for (const Problem& p : m_model->validated().problems)
        add(QString::fromStdString(p.nodeId), QString::fromStdString(p.message), error);
    for (const QString& p : m_runProblems) add(QString(), p, error);
    const int n = m_list->topLevelItemCount();
    // Warnings show too, but do not count: the project runs with them.
    for (const Problem& p : m_model->validated().warnings)
        add(QString::fromStdString(p.nodeId), QString::fromStdString(p.message), warning);
    static_cast<QStackedLayout*>(layout()->itemAt(0)->layout())
        ->setCurrentIndex(m_list->topLevelItemCount() ? 1 : 0);
    const int warnings = static_cast<int>(m_model->validated().warnings.size());
    if (n != m_count || warnings != m_warnings) {
        m_count = n;
        m_warnings = warnings;
        emit countChanged(n);
    }
}

}  // namespace riffle
