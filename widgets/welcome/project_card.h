#pragma once
// A clickable card for one example project on the welcome page: a thumbnail of its pipeline, its
// name, the first sentence of its description and tags derived from the node types it uses.
// The compact style (for the benchmark queries) is one row: a small thumbnail, name and line.
// Hover highlights it; Tab reaches it and Enter or Space opens it (clicked()).
//
// Threading: GUI thread only. The registry must outlive the card.
#include <QAbstractButton>
#include <QPainterPath>
#include <QPixmap>
#include <QStringList>

#include "engine/graph/project.h"

namespace riffle {

class NodeRegistry;

// Tags for a project: the tags of the node types it uses (NodeSpec::tags: `clickstream`, `IoT`,
// `Kafka`, `benchmark`, `SQLite`), and `alerts`, `windows`, `joins` for those categories, in that
// order.
QStringList projectTags(const Project& project, const NodeRegistry& registry);
// The first sentence (or clause before a `;`) of a project description, without the final full
// stop; a leading "Name (title):" that repeats the project's name is dropped.
QString projectSummary(const Project& project);

class ProjectCard : public QAbstractButton {
    Q_OBJECT
public:
    enum class Style { Full, Compact };

    ProjectCard(Project project, const NodeRegistry& registry, Style style,
                QWidget* parent = nullptr);

    QString path() const;
    QString name() const;
    QString summary() const { return m_summary; }
    QStringList tags() const { return m_tags; }
    Style cardStyle() const { return m_style; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void changeEvent(QEvent* event) override;
    void enterEvent(QEnterEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    QPixmap thumbnail(QSize logicalSize);
    void paintFull(QPainter& p);
    void paintCompact(QPainter& p);
    // The card's rounded background (tinted while hovered) and its border (highlighted with focus).
    QPainterPath fillFrame(QPainter& p, const QRectF& frame, double radius) const;
    void strokeFrame(QPainter& p, const QPainterPath& shape) const;

    Project m_project;
    const NodeRegistry& m_registry;
    Style m_style;
    QString m_summary;
    QStringList m_tags;
    QPixmap m_thumbnail;
};

}  // namespace riffle
