#include "widgets/dashboard/panel_frame.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <functional>

#include "widgets/canvas/canvas_style.h"
#include "widgets/style/theme.h"

namespace riffle {

namespace {

constexpr int kTitleHeight = 30;
constexpr int kRadius = 6;
constexpr int kGripSize = 14;
constexpr int kPadding = 10;

QIcon moreIcon(const QColor& color, qreal dpr) {
    const int side = 16;
    QPixmap pm(QSize(side, side) * dpr);
    pm.setDevicePixelRatio(dpr);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(color);
    for (int i = -1; i <= 1; ++i)
        p.drawEllipse(QPointF(side / 2.0, side / 2.0 + i * 4.5), 1.6, 1.6);
    return QIcon(pm);
}

// Calls `onEsc` when Esc is pressed anywhere in the application, while installed on it.
class EscFilter : public QObject {
public:
    EscFilter(QObject* parent, std::function<void()> onEsc)
        : QObject(parent), m_onEsc(std::move(onEsc)) {}

protected:
    bool eventFilter(QObject*, QEvent* event) override {
        if (event->type() != QEvent::KeyPress ||
            static_cast<QKeyEvent*>(event)->key() != Qt::Key_Escape)
            return false;
        m_onEsc();
        return true;
    }

private:
    std::function<void()> m_onEsc;
};

}  // namespace

// The live indicator: filled green while data arrives, filled grey when idle, a grey ring when
// stopped.
class PanelFrame::Dot : public QWidget {
public:
    explicit Dot(QWidget* parent) : QWidget(parent) { setFixedSize(10, 10); }
    void setState(LiveState s) {
        m_state = s;
        update();
    }

protected:
    void paintEvent(QPaintEvent*) override {
        const canvas::Colors& c = canvas::colors(palette());
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        const QRectF r = QRectF(rect()).adjusted(1.5, 1.5, -1.5, -1.5);
        if (m_state == LiveState::Stopped) {
            p.setPen(QPen(c.subtext, 1.4));
            p.setBrush(Qt::NoBrush);
        } else {
            p.setPen(Qt::NoPen);
            p.setBrush(m_state == LiveState::Live ? c.ok : theme::mix(c.subtext, c.card, 0.2));
        }
        p.drawEllipse(r);
    }

private:
    LiveState m_state = LiveState::Stopped;
};

PanelFrame::PanelFrame(const QString& nodeId, QWidget* parent) : QFrame(parent), m_nodeId(nodeId) {
    setFrameShape(QFrame::NoFrame);
    setAutoFillBackground(false);
    setAttribute(Qt::WA_StyledBackground, false);

    m_titleBar = new QWidget(this);
    m_titleBar->setObjectName("panelTitleBar");
    m_titleBar->setFixedHeight(kTitleHeight);
    m_titleBar->setCursor(Qt::OpenHandCursor);
    m_titleBar->installEventFilter(this);
    auto* bar = new QHBoxLayout(m_titleBar);
    bar->setContentsMargins(kPadding, 0, 4, 0);
    bar->setSpacing(7);
    m_dot = new Dot(m_titleBar);
    bar->addWidget(m_dot);
    m_title = new QLabel(m_titleBar);
    m_title->setObjectName("panelTitle");
    m_title->setFont(theme::scaledFont(font(), 1.0, QFont::DemiBold));
    m_title->setTextFormat(Qt::PlainText);
    m_title->setMinimumWidth(20);
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_title->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_title->installEventFilter(this);
    bar->addWidget(m_title, 1);
    m_droppedLabel = new QLabel(m_titleBar);
    m_droppedLabel->setObjectName("panelDropped");
    m_droppedLabel->setFont(theme::scaledFont(font(), 0.85));
    m_droppedLabel->setToolTip(
        tr("Points the display could not keep up with and left out; the newest are always shown"));
    m_droppedLabel->hide();
    bar->addWidget(m_droppedLabel);
    m_menuButton = new QToolButton(m_titleBar);
    m_menuButton->setObjectName("panelMenuButton");
    m_menuButton->setAutoRaise(true);
    m_menuButton->setPopupMode(QToolButton::InstantPopup);
    m_menuButton->setToolButtonStyle(Qt::ToolButtonIconOnly);
    m_menuButton->setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }");
    m_menuButton->setFixedSize(24, 24);
    m_menuButton->setCursor(Qt::ArrowCursor);
    m_menuButton->setToolTip(tr("Export, options, remove"));
    bar->addWidget(m_menuButton);

    m_menu = new QMenu(this);
    auto add = [this](const QString& name, const QString& text, auto&& fn, const QIcon& icon = {}) {
        QAction* a = m_menu->addAction(icon, text);
        a->setObjectName(name);
        connect(a, &QAction::triggered, this, fn);
    };
    auto exportTo = [this](const char* format) {
        return [this, format] { emit exportRequested(m_nodeId, QString::fromLatin1(format)); };
    };
    add("exportPng", tr("Export as PNG…"), exportTo("png"), theme::actionIcon("export"));
    add("exportSvg", tr("Export as SVG…"), exportTo("svg"));
    add("exportPdf", tr("Export as PDF…"), exportTo("pdf"));
    add("exportCsv", tr("Export data as CSV…"), exportTo("csv"));
    m_menu->addSeparator();
    add("options", tr("Options"), [this] { emit optionsRequested(m_nodeId); });
    m_menu->addSeparator();
    add(
        "remove", tr("Remove"), [this] { emit removeRequested(m_nodeId); },
        theme::actionIcon("delete"));
    m_menuButton->setMenu(m_menu);

    m_layout = new QVBoxLayout(this);
    m_layout->setContentsMargins(1, 1, 1, 1);
    m_layout->setSpacing(0);
    m_layout->addWidget(m_titleBar);

    m_grip = new QWidget(this);
    m_grip->setObjectName("panelResizeGrip");
    m_grip->setFixedSize(kGripSize, kGripSize);
    m_grip->setCursor(Qt::SizeFDiagCursor);
    m_grip->setToolTip(tr("Drag to resize"));
    m_grip->installEventFilter(this);

    // A separate object, so the application-wide filter does not see the title's mouse events
    // a second time.
    m_escWatcher = new EscFilter(this, [this] {
        endDrag();
        emit dragFinished(QCursor::pos(), true);
    });

    m_idleTimer = new QTimer(this);
    m_idleTimer->setSingleShot(true);
    connect(m_idleTimer, &QTimer::timeout, this, [this] {
        // noteData() only records the time, so the timer re-arms for what is left.
        const qint64 left = m_idleAfterMs - m_sinceData.elapsed();
        if (m_state != LiveState::Live) return;
        if (left > 0)
            m_idleTimer->start(static_cast<int>(left));
        else
            setState(LiveState::Idle);
    });

    setContent(nullptr);
    setState(LiveState::Stopped);
    applyColors();
}

void PanelFrame::setTitle(const QString& title) {
    m_fullTitle = title;
    elideTitle();
}

void PanelFrame::elideTitle() {
    const QString shown =
        m_title->fontMetrics().elidedText(m_fullTitle, Qt::ElideRight, m_title->width());
    m_title->setText(shown);
    m_titleBar->setToolTip(shown == m_fullTitle ? tr("Drag to move, double-click to maximise")
                                                : m_fullTitle);
}

void PanelFrame::setContent(QWidget* content) {
    if (m_content) {
        m_layout->removeWidget(m_content);
        delete m_content.data();
    }
    if (!content) {
        auto* placeholder = new QLabel(tr("The chart appears here when the pipeline runs"));
        placeholder->setObjectName("panelPlaceholder");
        placeholder->setAlignment(Qt::AlignCenter);
        placeholder->setWordWrap(true);
        QPalette pal = placeholder->palette();
        pal.setColor(QPalette::WindowText, canvas::colors(palette()).subtext);
        placeholder->setPalette(pal);
        content = placeholder;
    }
    m_content = content;
    content->setParent(this);
    // The content sits inside the card's padding; the grip overlaps its bottom-right corner.
    auto* holder = m_layout->count() > 1 ? m_layout->itemAt(1)->layout() : nullptr;
    if (!holder) {
        auto* pad = new QVBoxLayout;
        pad->setContentsMargins(kPadding - 1, 2, kPadding - 1, kPadding - 1);
        m_layout->addLayout(pad, 1);
        holder = pad;
    }
    static_cast<QVBoxLayout*>(holder)->addWidget(content);
    content->show();
    m_grip->raise();
}

void PanelFrame::noteData() {
    if (!m_running) return;
    m_sinceData.start();
    if (m_state != LiveState::Live) {
        setState(LiveState::Live);
        m_idleTimer->start(m_idleAfterMs);
    }
}

void PanelFrame::setRunning(bool running) {
    m_running = running;
    m_idleTimer->stop();
    setState(running ? LiveState::Idle : LiveState::Stopped);
}

void PanelFrame::setIdleAfter(int ms) {
    m_idleAfterMs = std::max(1, ms);
}

void PanelFrame::setState(LiveState state) {
    m_state = state;
    m_dot->setState(state);
    switch (state) {
        case LiveState::Live:
            m_dot->setToolTip(tr("Receiving data"));
            break;
        case LiveState::Idle:
            m_dot->setToolTip(
                tr("Running; no new data in the last %1 s").arg(m_idleAfterMs / 1000.0));
            break;
        case LiveState::Stopped:
            m_dot->setToolTip(tr("Stopped"));
            break;
    }
}

void PanelFrame::setDropped(qint64 count) {
    m_dropped = std::max<qint64>(0, count);
    m_droppedLabel->setText(droppedText());
    m_droppedLabel->setVisible(m_dropped > 0);
}

QString PanelFrame::droppedText() const {
    return m_dropped > 0 ? tr("%1 dropped").arg(theme::formatCount(static_cast<double>(m_dropped)))
                         : QString();
}

QAction* PanelFrame::menuAction(const QString& objectName) const {
    for (QAction* a : m_menu->actions())
        if (a->objectName() == objectName) return a;
    return nullptr;
}

void PanelFrame::applyColors() {
    const canvas::Colors& c = canvas::colors(palette());
    QPalette pal = m_title->palette();
    pal.setColor(QPalette::WindowText, c.text);
    m_title->setPalette(pal);
    pal = m_droppedLabel->palette();
    pal.setColor(QPalette::WindowText, theme::mix(theme::amber(), c.text, c.dark ? 0.15 : 0.35));
    m_droppedLabel->setPalette(pal);
    m_menuButton->setIcon(moreIcon(c.subtext, devicePixelRatioF()));
    if (m_content && m_content->objectName() == "panelPlaceholder") {
        pal = m_content->palette();
        pal.setColor(QPalette::WindowText, c.subtext);
        m_content->setPalette(pal);
    }
}

void PanelFrame::setLifted(bool lifted) {
    if (m_lifted == lifted) return;
    m_lifted = lifted;
    update();
}

void PanelFrame::placeGrip() {
    m_grip->move(width() - kGripSize - 2, height() - kGripSize - 2);
}

void PanelFrame::resizeEvent(QResizeEvent* event) {
    QFrame::resizeEvent(event);
    placeGrip();
}

void PanelFrame::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) applyColors();
    QFrame::changeEvent(event);
}

void PanelFrame::paintEvent(QPaintEvent*) {
    const canvas::Colors& c = canvas::colors(palette());
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(m_lifted ? QPen(c.selection, 1.5) : QPen(c.cardBorder, 1));
    p.setBrush(c.card);
    const double inset = m_lifted ? 0.75 : 0.5;
    p.drawRoundedRect(QRectF(rect()).adjusted(inset, inset, -inset, -inset), kRadius, kRadius);
    // The grip: three short diagonal strokes in the corner.
    if (!m_grip->isVisibleTo(this)) return;
    const QPointF corner = m_grip->geometry().bottomRight() + QPointF(1, 1);
    p.setPen(QPen(theme::mix(c.subtext, c.card, 0.3), 1.2, Qt::SolidLine, Qt::RoundCap));
    for (int i = 1; i <= 3; ++i) {
        const double d = i * 3.5;
        p.drawLine(corner + QPointF(-d, -1.5), corner + QPointF(-1.5, -d));
    }
}

void PanelFrame::endDrag() {
    qApp->removeEventFilter(m_escWatcher);
    m_pressedOn = nullptr;
    m_dragging = false;
    m_titleBar->setCursor(Qt::OpenHandCursor);
}

bool PanelFrame::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_title && event->type() == QEvent::Resize) elideTitle();
    const bool onTitle = watched == m_titleBar, onGrip = watched == m_grip;
    if (!onTitle && !onGrip) return QFrame::eventFilter(watched, event);
    auto* w = static_cast<QWidget*>(watched);
    switch (event->type()) {
        case QEvent::MouseButtonDblClick:
            if (onTitle && static_cast<QMouseEvent*>(event)->button() == Qt::LeftButton) {
                emit maximizeToggled(m_nodeId);
                return true;
            }
            break;
        case QEvent::MouseButtonPress: {
            auto* me = static_cast<QMouseEvent*>(event);
            if (me->button() != Qt::LeftButton) break;
            m_pressedOn = w;
            m_pressGlobal = me->globalPosition().toPoint();
            return true;
        }
        case QEvent::MouseMove: {
            if (m_pressedOn != w) break;
            const QPoint g = static_cast<QMouseEvent*>(event)->globalPosition().toPoint();
            if (!m_dragging) {
                if ((g - m_pressGlobal).manhattanLength() < QApplication::startDragDistance())
                    return true;
                m_dragging = true;
                // Esc cancels the drag wherever the focus is; the application filter sees every
                // key while the drag lasts.
                qApp->installEventFilter(m_escWatcher);
                if (onTitle) m_titleBar->setCursor(Qt::ClosedHandCursor);
                emit dragStarted(this, onTitle ? DragKind::Move : DragKind::Resize, m_pressGlobal);
            }
            emit dragMoved(g);
            return true;
        }
        case QEvent::MouseButtonRelease: {
            if (m_pressedOn != w || static_cast<QMouseEvent*>(event)->button() != Qt::LeftButton)
                break;
            if (m_dragging) {
                endDrag();
                emit dragFinished(static_cast<QMouseEvent*>(event)->globalPosition().toPoint(),
                                  false);
            }
            m_pressedOn = nullptr;
            return true;
        }
        default:
            break;
    }
    return QFrame::eventFilter(watched, event);
}

}  // namespace riffle
