#pragma once
// The live dashboard (docs/dashboard.md): one panel per chart node of the project
// (type "sink.chart.*") on a 12-column grid with rows of 60 px and 8 px gaps. The user moves a
// panel by dragging its title and resizes it by dragging its bottom-right corner; the panel snaps
// to cells while dragging (the target cells are highlighted) and the panels in the way are pushed
// down. Each move or resize is one undoable SetDashboardLayoutCommand on the project's
// `dashboard` section. Double-clicking a title maximises that panel over the dashboard.
//
// The dashboard also owns the display-rate timer: while a pipeline runs it emits frameTick() at
// up to 60 Hz, and DashboardFeed drains the engine's chart channels on it.
//
// Threading: GUI thread only.
#include <QHash>
#include <QPointer>
#include <QWidget>
#include <functional>
#include <optional>

#include "widgets/dashboard/dashboard_layout.h"
#include "widgets/dashboard/panel_frame.h"

class QScrollArea;
class QTimer;
class QUndoStack;

namespace riffle {

class GraphModel;

class DashboardWidget : public QWidget {
    Q_OBJECT
public:
    using PanelFactory = std::function<QWidget*(const QString& nodeId)>;

    DashboardWidget(GraphModel* model, QUndoStack* undo, QWidget* parent = nullptr);
    ~DashboardWidget() override;

    // A chart sink (NodeSpec::chartKind), drawn by a panel.
    bool isChart(const QString& nodeId) const;

    // Makes the content of every panel (existing ones are rebuilt). Without a factory a panel
    // shows a placeholder.
    void setPanelFactory(PanelFactory factory);
    // Makes one panel's content again (its node changed).
    void refreshPanel(const QString& nodeId);
    QWidget* panelContent(const QString& nodeId) const;
    PanelFrame* panelFrame(const QString& nodeId) const;
    QStringList panelIds() const;  // in the project's node order
    // A panel's place in grid cells (x, y, w, h); invalid when there is no such panel.
    QRect panelCells(const QString& nodeId) const;
    const dashboard::Layout& layout() const { return m_layout; }
    // The scrolled widget the panels sit on (its size is the whole grid).
    QWidget* gridArea() const;
    QScrollArea* scrollArea() const { return m_scroll; }
    // The grid cells `cells` in pixels of gridArea().
    QRect cellRect(QRect cells) const;

    // Feed state, by node id (unknown ids are ignored).
    void noteData(const QString& nodeId);
    void setDropped(const QString& nodeId, qint64 count);

    // Starts or stops the frame timer and turns the panels' live dots grey when stopped.
    void setRunning(bool running);
    bool isRunning() const { return m_running; }

    // Shows one panel over the whole dashboard; "" restores the grid.
    void setMaximizedPanel(const QString& nodeId);
    QString maximizedPanel() const { return m_maximized; }

    // The whole dashboard (every panel at its place, also those scrolled out of view).
    QPixmap renderAll();
    bool exportPng(const QString& path);

signals:
    // At the display rate (16 ms) while running.
    void frameTick();
    void exportRequested(const QString& nodeId, const QString& format);
    // "Options" in a panel's menu: the main window selects the node so the inspector shows it.
    void optionsRequested(const QString& nodeId);
    void panelAdded(const QString& nodeId);
    void panelRemoved(const QString& nodeId);

private:
    class Grid;
    struct Drag {
        QPointer<PanelFrame> frame;
        PanelFrame::DragKind kind = PanelFrame::DragKind::Move;
        QPoint pressGlobal;
        QRect startGeometry;
        dashboard::Layout startLayout;
        dashboard::Layout preview;
        QRect target;  // cells
    };

    void rebuild();
    void reloadLayout();
    void addPanel(const QString& nodeId);
    void removePanel(const QString& nodeId);
    PanelFrame* makeFrame(const QString& nodeId);
    void applyGeometry();
    // True when the grid is too narrow for its columns; see kStackBelowPx.
    bool isStacked() const;
    static dashboard::Layout stackedLayout(dashboard::Layout layout);
    void placeFrames(const dashboard::Layout& layout, const PanelFrame* except);
    void updateGridHeight(int rows);
    void onDragStarted(PanelFrame* frame, PanelFrame::DragKind kind, QPoint globalPos);
    void onDragMoved(QPoint globalPos);
    void onDragFinished(QPoint globalPos, bool cancelled);

    GraphModel* m_model;
    QUndoStack* m_undo;
    PanelFactory m_factory;
    QScrollArea* m_scroll;
    Grid* m_grid;
    QTimer* m_frameTimer;
    QHash<QString, PanelFrame*> m_frames;
    dashboard::Layout m_layout;
    QString m_maximized;
    bool m_running = false;
    std::optional<Drag> m_drag;
};

}  // namespace riffle
