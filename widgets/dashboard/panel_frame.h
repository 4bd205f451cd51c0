#pragma once
// The frame around one chart panel on the dashboard (docs/dashboard.md): a title bar with the
// chart node's title (the handle for moving the panel), a live indicator (a green dot while data
// arrives, grey when idle or stopped), the dropped-points counter (only when non-zero), a menu
// (export, options, remove) and a resize grip in the bottom-right corner. The content (the chart
// itself) is any widget. The frame only reports drags; the dashboard decides where panels go.
//
// Threading: GUI thread only.
#include <QElapsedTimer>
#include <QFrame>
#include <QPointer>

class QLabel;
class QMenu;
class QTimer;
class QToolButton;
class QVBoxLayout;

namespace riffle {

class PanelFrame : public QFrame {
    Q_OBJECT
public:
    enum class DragKind { Move, Resize };
    enum class LiveState { Stopped, Idle, Live };

    PanelFrame(const QString& nodeId, QWidget* parent = nullptr);

    QString nodeId() const { return m_nodeId; }
    QString title() const { return m_fullTitle; }
    void setTitle(const QString& title);
    // Replaces the content; the frame owns it (the previous content is deleted).
    void setContent(QWidget* content);
    QWidget* content() const { return m_content; }

    // Data arrived for this chart: the dot turns green until idleAfter() passes without data.
    void noteData();
    // While stopped the dot is grey whatever arrives.
    void setRunning(bool running);
    LiveState liveState() const { return m_state; }
    void setIdleAfter(int ms);
    int idleAfter() const { return m_idleAfterMs; }

    // Points the engine -> UI channel dropped because the GUI was behind; shown when non-zero.
    void setDropped(qint64 count);
    qint64 dropped() const { return m_dropped; }
    QString droppedText() const;  // "" when none

    // Outlined while the user drags it, so it reads as picked up above the others.
    void setLifted(bool lifted);

    QWidget* titleBar() const { return m_titleBar; }
    QWidget* resizeGrip() const { return m_grip; }
    QMenu* menu() const { return m_menu; }
    // Finds the menu entry with this object name: "exportPng", "exportSvg", "exportPdf",
    // "exportCsv", "options", "remove".
    QAction* menuAction(const QString& objectName) const;

signals:
    // format: "png", "svg", "pdf" or "csv".
    void exportRequested(const QString& nodeId, const QString& format);
    void optionsRequested(const QString& nodeId);
    void removeRequested(const QString& nodeId);
    void maximizeToggled(const QString& nodeId);
    // A drag of the title (Move) or the corner grip (Resize), in global coordinates. A drag that
    // ends with `cancelled` (Esc) leaves everything where it was.
    void dragStarted(PanelFrame* frame, PanelFrame::DragKind kind, QPoint globalPos);
    void dragMoved(QPoint globalPos);
    void dragFinished(QPoint globalPos, bool cancelled);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    class Dot;
    void setState(LiveState state);
    void applyColors();
    void placeGrip();
    void elideTitle();
    void endDrag();

    QString m_nodeId;
    QString m_fullTitle;
    QWidget* m_titleBar;
    Dot* m_dot;
    QLabel* m_title;
    QLabel* m_droppedLabel;
    QToolButton* m_menuButton;
    QMenu* m_menu;
    QWidget* m_grip;
    QVBoxLayout* m_layout;
    QPointer<QWidget> m_content;
    QObject* m_escWatcher;  // an application event filter while a drag lasts
    QTimer* m_idleTimer;
    QElapsedTimer m_sinceData;
    LiveState m_state = LiveState::Stopped;
    bool m_running = false;
    bool m_lifted = false;
    int m_idleAfterMs = 2000;
    qint64 m_dropped = 0;

    // Press on the title or grip; a move becomes a drag past the start-drag distance.
    QWidget* m_pressedOn = nullptr;
    QPoint m_pressGlobal;
    bool m_dragging = false;
};

}  // namespace riffle
