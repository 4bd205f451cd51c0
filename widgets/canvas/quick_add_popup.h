#pragma once
// The quick-add search (Tab or double-click on empty canvas): a small frameless popup with a
// search line over the node types, filtered as the user types (display name, type id,
// description). Enter or a click adds the chosen type where the popup was opened; Esc closes it.
//
// Threading: GUI thread only.
#include <QFrame>
#include <QPointF>

class QLineEdit;
class QListWidget;
class QListWidgetItem;

namespace riffle {

class GraphScene;

class QuickAddPopup : public QFrame {
    Q_OBJECT
public:
    explicit QuickAddPopup(GraphScene* scene, QWidget* parent = nullptr);

    // Shows the popup with its top-left at `globalPos`; a chosen type is added at `scenePos`.
    void openAt(QPoint globalPos, QPointF scenePos);
    QPointF scenePos() const { return m_scenePos; }
    QLineEdit* searchField() const { return m_search; }
    // Type ids currently listed, best match first.
    QStringList listedTypeIds() const;

signals:
    void nodeAdded(const QString& nodeId);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void filter(const QString& text);
    void activate(QListWidgetItem* item);

    GraphScene* m_scene;
    QLineEdit* m_search;
    QListWidget* m_list;
    QPointF m_scenePos;
};

}  // namespace riffle
