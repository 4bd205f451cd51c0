#include "widgets/canvas/edge_item.h"

#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QPainter>
#include <QPainterPathStroker>
#include <QStyleOptionGraphicsItem>
#include <QTextLayout>
#include <algorithm>
#include <cmath>

#include "widgets/canvas/canvas_style.h"
#include "widgets/canvas/node_item.h"
#include "widgets/model/graph_model.h"
#include "widgets/style/theme.h"

namespace riffle {

QPainterPath wirePath(QPointF from, QPointF to, bool fromBottom) {
    QPainterPath path(from);
    const double dx = to.x() - from.x();
    const double dy = to.y() - from.y();
    // Handles grow with the distance, and more when the wire runs backwards, so it loops around.
    double reach = std::clamp(std::abs(dx) * 0.5 + std::abs(dy) * 0.15, 40.0, 220.0);
    if (dx < 0) reach = std::clamp(-dx * 0.6 + 60, 60.0, 260.0);
    const QPointF c1 = fromBottom ? from + QPointF(0, std::clamp(std::abs(dy) * 0.5, 40.0, 160.0))
                                  : from + QPointF(reach, 0);
    const QPointF c2 = to - QPointF(reach, 0);
    path.cubicTo(c1, c2, to);
    return path;
}

EdgeItem::EdgeItem(const EdgeDef& edge, NodeItem* from, NodeItem* to)
    : m_edge(edge), m_key(edgeKey(edge)), m_from(from), m_to(to) {
    setFlags(ItemIsSelectable);
    setAcceptHoverEvents(true);
    setZValue(-1);
    if (m_from) m_from->attachEdge(this);
    if (m_to) m_to->attachEdge(this);
    updatePath();
}

EdgeItem::~EdgeItem() {
    if (m_from) m_from->detachEdge(this);
    if (m_to) m_to->detachEdge(this);
}

void EdgeItem::forgetNode(const NodeItem* node) {
    if (m_from == node) m_from = nullptr;
    if (m_to == node) m_to = nullptr;
}

void EdgeItem::updatePath() {
    if (!m_from || !m_to) return;
    prepareGeometryChange();
    const QString fromPort = QString::fromStdString(m_edge.fromPort);
    const QPointF a = m_from->portScenePos(fromPort, true);
    const QPointF b = m_to->portScenePos(QString::fromStdString(m_edge.toPort), false);
    m_path = wirePath(a, b, m_from->isBottomPort(fromPort, true));
    QPainterPathStroker stroker;
    stroker.setWidth(12);
    stroker.setCapStyle(Qt::RoundCap);
    m_shape = stroker.createStroke(m_path);
    m_bounds = m_path.boundingRect().adjusted(-4, -4, 4, 4).united(labelRect());
}

void EdgeItem::setRunState(bool running, double ratePerSecond, double queueFill) {
    if (running == m_running && ratePerSecond == m_rate && queueFill == m_fill) return;
    const bool relayout = running != m_running;
    m_running = running;
    m_rate = running ? ratePerSecond : 0;
    m_fill = running ? queueFill : 0;
    if (relayout) updatePath();
    update();
}

QString EdgeItem::rateText() const {
    return m_running && m_rate >= 0 ? theme::formatRate(m_rate) : QString();
}

PortKind EdgeItem::fromKind() const {
    return m_from ? m_from->portKind(QString::fromStdString(m_edge.fromPort), true)
                  : PortKind::Data;
}

QColor EdgeItem::wireColor() const {
    const QPalette pal = scene() ? scene()->palette() : QPalette();
    const canvas::Colors& c = canvas::colors(pal);
    if (isSelected()) return c.selection;
    QColor colour = m_running ? theme::backPressureColor(m_fill, pal) : c.wire;
    const PortKind kind = fromKind();
    if (kind == PortKind::Errors) colour = canvas::mix(colour, theme::red(), 0.55);
    if (kind == PortKind::Late) colour = canvas::mix(colour, theme::amber(), 0.55);
    return colour;
}

QRectF EdgeItem::labelRect() const {
    if (rateText().isEmpty() || m_path.isEmpty()) return {};
    const QFontMetricsF fm(scene() ? scene()->font() : QFont());
    const double w = fm.horizontalAdvance(rateText()) * 0.85 + 14;
    const double h = fm.height() * 0.85 + 4;
    const QPointF mid = m_path.pointAtPercent(0.5);
    return QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h);
}

QRectF EdgeItem::boundingRect() const {
    return m_bounds;
}

QPainterPath EdgeItem::shape() const {
    return m_shape;
}

void EdgeItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    const QPalette pal = scene() ? scene()->palette() : QPalette();
    const canvas::Colors& c = canvas::colors(pal);
    p->setRenderHint(QPainter::Antialiasing);
    QColor colour = wireColor();
    if (m_hovered && !isSelected()) colour = c.dark ? colour.lighter(135) : colour.darker(125);
    p->setBrush(Qt::NoBrush);
    p->setPen(QPen(colour, isSelected() || m_hovered ? 3 : 2, Qt::SolidLine, Qt::RoundCap));
    p->drawPath(m_path);
    // The rate label only where it can be read.
    if (!rateText().isEmpty() &&
        QStyleOptionGraphicsItem::levelOfDetailFromTransform(p->worldTransform()) >= 0.45) {
        const QRectF r = labelRect();
        QFont f = scene() ? scene()->font() : QFont();
        f.setPointSizeF(f.pointSizeF() * 0.8);
        p->setPen(QPen(colour, 1));
        p->setBrush(c.card);
        p->drawRoundedRect(r, r.height() / 2, r.height() / 2);
        p->setFont(f);
        p->setPen(c.text);
        p->drawText(r, Qt::AlignCenter, rateText());
    }
}

void EdgeItem::hoverEnterEvent(QGraphicsSceneHoverEvent* event) {
    m_hovered = true;
    update();
    QGraphicsItem::hoverEnterEvent(event);
}

void EdgeItem::hoverLeaveEvent(QGraphicsSceneHoverEvent* event) {
    m_hovered = false;
    update();
    QGraphicsItem::hoverLeaveEvent(event);
}

QVariant EdgeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
    if (change == ItemSelectedHasChanged) setZValue(value.toBool() ? -0.5 : -1);
    return QGraphicsItem::itemChange(change, value);
}

// ---- WirePreviewItem

WirePreviewItem::WirePreviewItem() {
    setZValue(10);
}

void WirePreviewItem::setEnds(QPointF from, QPointF to, bool fromBottom) {
    prepareGeometryChange();
    m_path = wirePath(from, to, fromBottom);
}

void WirePreviewItem::setState(State state) {
    if (state == m_state) return;
    m_state = state;
    update();
}

QRectF WirePreviewItem::boundingRect() const {
    return m_path.boundingRect().adjusted(-4, -4, 4, 4);
}

void WirePreviewItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    const QPalette pal = scene() ? scene()->palette() : QPalette();
    const canvas::Colors& c = canvas::colors(pal);
    const QColor colour = m_state == State::Accepted  ? c.ok
                          : m_state == State::Refused ? theme::red()
                                                      : c.selection;
    p->setRenderHint(QPainter::Antialiasing);
    p->setBrush(Qt::NoBrush);
    p->setPen(QPen(colour, 2, m_state == State::Free ? Qt::DashLine : Qt::SolidLine, Qt::RoundCap));
    p->drawPath(m_path);
}

// ---- HintLabelItem

HintLabelItem::HintLabelItem() {
    setZValue(20);
    setFlag(ItemIgnoresTransformations);
}

void HintLabelItem::setText(const QString& text) {
    if (text == m_text) return;
    prepareGeometryChange();
    m_text = text;
    const QFontMetricsF fm(scene() ? scene()->font() : QFont());
    const QRectF textRect = fm.boundingRect(QRectF(0, 0, 320, 1000), Qt::TextWordWrap, m_text);
    m_rect = QRectF(0, 0, textRect.width() + 16, textRect.height() + 10);
}

QRectF HintLabelItem::boundingRect() const {
    return m_rect.adjusted(-2, -2, 4, 4);
}

void HintLabelItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    if (m_text.isEmpty()) return;
    const QPalette pal = scene() ? scene()->palette() : QPalette();
    const canvas::Colors& c = canvas::colors(pal);
    p->setRenderHint(QPainter::Antialiasing);
    p->setPen(Qt::NoPen);
    p->setBrush(c.shadow);
    p->drawRoundedRect(m_rect.translated(0, 2), 6, 6);
    p->setPen(QPen(theme::red(), 1.2));
    p->setBrush(c.card);
    p->drawRoundedRect(m_rect, 6, 6);
    p->setPen(c.dark ? theme::red().lighter(140) : theme::red().darker(110));
    p->setFont(scene() ? scene()->font() : QFont());
    p->drawText(m_rect.adjusted(8, 5, -8, -5), Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignVCenter,
                m_text);
}

}  // namespace riffle
