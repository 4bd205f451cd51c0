#pragma once
// The Peek tab: the newest events on the wire the user clicked, refreshed a few times a second
// from a PeekTap (engine/runtime/peek.h) while the pipeline runs. The engine only samples (a few
// rows every 50 ms), so an open peek never slows it down.
//
// Threading: GUI thread only.
#include <QTimer>
#include <QWidget>
#include <memory>

class QLabel;
class QTableWidget;

namespace riffle {

class PeekTap;

class PeekPanel : public QWidget {
    Q_OBJECT
public:
    explicit PeekPanel(QWidget* parent = nullptr);
    // `title` names the wire ("clicks.out → per_page.in"); a null tap shows why there is nothing.
    void setTap(std::shared_ptr<PeekTap> tap, const QString& title);
    void clear(const QString& hint);
    const std::shared_ptr<PeekTap>& tap() const { return m_tap; }
    QTableWidget* table() const { return m_table; }
    void refresh();

private:
    std::shared_ptr<PeekTap> m_tap;
    QLabel* m_title;
    QTableWidget* m_table;
    QTimer m_timer;
};

}  // namespace riffle
