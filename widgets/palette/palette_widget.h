#pragma once
// The node palette (left dock): every node type of the registry, grouped by category (Sources,
// Transforms, ..., Charts) with its icon and description, and a search field that filters as
// the user types (names and type ids first; descriptions when no name matches). An entry is
// dragged onto the canvas (mime type kNodeTypeMimeType, payload the type id as UTF-8) or added
// with a double-click or Enter (addRequested).
//
// The palette copies what it shows from the registry in its constructor and keeps no reference.
// Threading: GUI thread only.
#include <QSet>
#include <QString>
#include <QStringList>
#include <QWidget>

class QLineEdit;
class QMimeData;
class QLabel;
class QModelIndex;
class QStandardItemModel;
class QTreeView;

namespace riffle {

class NodeRegistry;
class PaletteFilterModel;

// Mime type of a node type dragged from the palette; the payload is the type id in UTF-8.
inline constexpr char kNodeTypeMimeType[] = "application/x-riffle-node-type";

// The drag payload for one node type (the caller owns the result, as QDrag::setMimeData wants).
QMimeData* makeNodeTypeMimeData(const QString& typeId);
// The type id in a palette drag, or an empty string when the data carries none.
QString nodeTypeFromMimeData(const QMimeData* data);

class PaletteWidget : public QWidget {
    Q_OBJECT
public:
    explicit PaletteWidget(const NodeRegistry& registry, QWidget* parent = nullptr);

    // Focuses the search field and selects its text (the main window binds Ctrl+F to it).
    void focusSearch();
    void setFilterText(const QString& text);
    QString filterText() const;

    // Type ids of the entries the current filter leaves visible, in display order.
    QStringList visibleTypeIds() const;
    // The group a type is shown under ("Sources", ..., "Charts"), or empty if it is not listed.
    QString groupOf(const QString& typeId) const;

signals:
    // Double-click or Enter on an entry, or Enter in the search field with a match.
    void addRequested(const QString& typeId);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void populate(const NodeRegistry& registry);
    void applyFilter(const QString& text);
    void activate(const QModelIndex& proxyIndex);
    QModelIndex firstVisibleEntry() const;

    QLineEdit* m_search = nullptr;
    QTreeView* m_tree = nullptr;
    QLabel* m_empty = nullptr;
    QStandardItemModel* m_model = nullptr;
    PaletteFilterModel* m_filter = nullptr;
    QSet<QString> m_collapsed;  // categories the user folded, restored when the search is cleared
};

}  // namespace riffle
