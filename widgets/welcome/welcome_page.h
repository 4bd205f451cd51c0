#pragma once
// The page `riffle` shows with no project open (docs/studio.md, "Welcome page"). Left: the
// Riffle mark, New project, Open… and the recent files (name and folder); right: the example
// projects as cards in a flowing grid (thumbnail, name, one line, tags), with the benchmark
// queries (projects using the Nexmark source) in a compact section below them.
//
// The page only reports what the user chose (signals); the main window opens the files.
// Threading: GUI thread only. The registry must outlive the page.
#include <QList>
#include <QStringList>
#include <QWidget>

class QLabel;
class QVBoxLayout;

namespace riffle {

class CardGridLayout;
class NodeRegistry;
class ProjectCard;

class WelcomePage : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePage(const NodeRegistry& registry, QWidget* parent = nullptr);

    // Most recent first; paths whose file no longer exists are left out.
    void setRecentFiles(const QStringList& paths);
    // Paths of the recent files shown, in order.
    QStringList recentFiles() const { return m_recent; }

    // Loads each project for its card; one that fails to load is left out (with a warning).
    void setExamples(const QStringList& projectPaths);
    QList<ProjectCard*> cards() const { return m_cards; }

signals:
    void newRequested();
    void openRequested();
    void openFile(const QString& path);

protected:
    void changeEvent(QEvent* event) override;

private:
    // A bold title (font scaled by `scale`) over a muted one-line subtitle, then `gap` px.
    void addSectionHeader(QVBoxLayout* layout, const QString& title, const QString& subtitle,
                          double scale, int gap);
    QWidget* buildSidebar();
    QWidget* buildExamples();
    void clearCards();
    void updateColors();

    const NodeRegistry& m_registry;
    QWidget* m_sidebar = nullptr;
    QWidget* m_recentBox = nullptr;
    QVBoxLayout* m_recentLayout = nullptr;
    QLabel* m_noRecent = nullptr;
    QWidget* m_examplesPane = nullptr;
    CardGridLayout* m_mainGrid = nullptr;
    CardGridLayout* m_benchGrid = nullptr;
    QWidget* m_benchSection = nullptr;
    QLabel* m_noExamples = nullptr;
    QList<QLabel*> m_mutedLabels;
    QList<ProjectCard*> m_cards;
    QStringList m_recent;
};

}  // namespace riffle
