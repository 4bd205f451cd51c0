#include "widgets/canvas/node_item.h"

#include <qdrawutil.h>
#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QGraphicsSceneHoverEvent>
#include <QGraphicsView>
#include <QHash>
#include <QPainter>
#include <QPainterPath>
#include <QStyleOptionGraphicsItem>
#include <cmath>

#include "engine/graph/project_settings.h"
#include "widgets/canvas/canvas_style.h"
#include "widgets/canvas/edge_item.h"
#include "widgets/model/graph_model.h"
#include "widgets/style/theme.h"

namespace riffle {

namespace {

constexpr double kRadius = 8;
constexpr double kHeaderH = 30;
constexpr double kSublineH = 18;
constexpr double kStatusH = 24;
constexpr double kRowH = 22;
constexpr double kFooterH = 12;
constexpr double kPortR = 5;
constexpr double kSpecialPortR = 4;
constexpr double kSpecialSpacing = 54;

// A category icon as drawn in the header. Icons drawn dark or in colour sit on a light tile so
// they read on the coloured strip; light icons are drawn straight on it.
struct HeaderIcon {
    QPixmap pixmap;
    bool onTile = false;
};

const HeaderIcon& headerIcon(const QString& category) {
    static QHash<QString, HeaderIcon> cache;
    auto it = cache.find(category);
    if (it != cache.end()) return *it;
    HeaderIcon h;
    const QIcon icon = canvas::categoryIcon(category);
    h.pixmap = icon.isNull() ? QPixmap() : icon.pixmap(QSize(36, 36));
    if (!h.pixmap.isNull()) {
        const QImage img = h.pixmap.toImage().convertToFormat(QImage::Format_ARGB32);
        double sum = 0, weight = 0;
        for (int y = 0; y < img.height(); y += 2)
            for (int x = 0; x < img.width(); x += 2) {
                const QColor px = img.pixelColor(x, y);
                sum += px.lightnessF() * px.alphaF();
                weight += px.alphaF();
            }
        h.onTile = weight > 0 && sum / weight < 0.8;
        if (weight == 0) h.pixmap = QPixmap();
    }
    return *cache.insert(category, h);
}

// The card's drop shadow: a rounded square blurred once per colour, drawn as a nine-patch.
constexpr int kShadowBlur = 5;
constexpr int kShadowPad = 2 * kShadowBlur;  // how far it reaches past the card
constexpr int kShadowMargin = kShadowPad + static_cast<int>(kRadius);  // corners of the nine-patch

void boxBlur(QImage& img, int radius) {
    const int w = img.width(), h = img.height();
    QImage tmp = img;
    for (int pass = 0; pass < 2; ++pass) {
        const bool horizontal = pass == 0;
        const QImage& src = horizontal ? img : tmp;
        QImage& dst = horizontal ? tmp : img;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                int sum = 0, n = 0;
                for (int k = -radius; k <= radius; ++k) {
                    const int xx = horizontal ? x + k : x, yy = horizontal ? y : y + k;
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
                    sum += qAlpha(reinterpret_cast<const QRgb*>(src.constScanLine(yy))[xx]);
                    ++n;
                }
                reinterpret_cast<QRgb*>(dst.scanLine(y))[x] = qRgba(0, 0, 0, n ? sum / n : 0);
            }
    }
}

const QPixmap& shadowPixmap(const QColor& colour) {
    static QHash<QRgb, QPixmap> cache;
    auto it = cache.find(colour.rgba());
    if (it != cache.end()) return *it;
    const int inner = 2 * kShadowMargin + 4;
    const int size = inner;
    QImage mask(size, size, QImage::Format_ARGB32);
    mask.fill(Qt::transparent);
    {
        QPainter p(&mask);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(Qt::black);
        p.drawRoundedRect(
            QRectF(kShadowPad, kShadowPad, size - 2 * kShadowPad, size - 2 * kShadowPad), kRadius,
            kRadius);
    }
    boxBlur(mask, kShadowBlur / 2 + 1);
    boxBlur(mask, kShadowBlur / 2 + 1);
    QImage tinted(size, size, QImage::Format_ARGB32_Premultiplied);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            const int a = qAlpha(mask.pixel(x, y)) * colour.alpha() / 255;
            tinted.setPixel(x, y,
                            qPremultiply(qRgba(colour.red(), colour.green(), colour.blue(), a)));
        }
    return *cache.insert(colour.rgba(), QPixmap::fromImage(tinted));
}

QFont scaledFont(const QFont& base, double factor, bool bold = false) {
    QFont f = base;
    f.setPointSizeF(base.pointSizeF() * factor);
    f.setBold(bold);
    return f;
}

void drawPill(QPainter* p, const QRectF& r, const QColor& fill, const QColor& border) {
    p->setPen(border.isValid() ? QPen(border, 1) : Qt::NoPen);
    p->setBrush(fill);
    p->drawRoundedRect(r, r.height() / 2, r.height() / 2);
}

}  // namespace

// The rate pill and the error/late badges under the header. A child item, not part of the
// card's cached pixmap, so that a metrics update (ten a second while running) repaints a pill
// instead of every card.
class NodeItem::StatusItem : public QGraphicsItem {
public:
    explicit StatusItem(NodeItem* card) : QGraphicsItem(card), m_card(card) {
        setAcceptedMouseButtons(Qt::NoButton);
        setCacheMode(DeviceCoordinateCache);
        setPos(10, kHeaderH + kSublineH + 2);
    }
    QRectF boundingRect() const override {
        return QRectF(-1, -1, NodeItem::kWidth - 18, kPillH + 2);
    }

    void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
        if (!m_card->isRunning() && m_card->activity().isEmpty()) return;
        const QPalette pal = scene() ? scene()->palette() : QPalette();
        const canvas::Colors& c = canvas::colors(pal);
        const bool text =
            QStyleOptionGraphicsItem::levelOfDetailFromTransform(p->worldTransform()) >= 0.3;
        p->setRenderHint(QPainter::Antialiasing);
        const QFont pillFont = scaledFont(scene() ? scene()->font() : QFont(), 0.85, true);
        const QFontMetricsF fm(pillFont);
        p->setFont(pillFont);
        const bool busy = !m_card->activity().isEmpty();
        const QString rate = busy ? m_card->activity() : m_card->rateText();
        QRectF pill(0, 0, fm.horizontalAdvance(rate) + 24, kPillH);
        drawPill(p, pill, c.pill, QColor());
        p->setPen(Qt::NoPen);
        p->setBrush(busy || m_card->isConnecting() ? theme::amber() : c.ok);
        p->drawEllipse(QPointF(pill.left() + 9, pill.center().y()), 3, 3);
        p->setPen(c.text);
        if (text) p->drawText(pill.adjusted(16, 0, -6, 0), Qt::AlignCenter, rate);
        double x = pill.right() + 5;
        // A badge that does not fit the card shows its short form, or nothing; the card's
        // tooltip always has every count in full.
        auto badge = [&](QString label, const QColor& colour, const QString& shortLabel = {}) {
            const double right = boundingRect().right() - 1;
            if (!label.isEmpty() && x + fm.horizontalAdvance(label) + 14 > right)
                label = shortLabel;
            if (label.isEmpty() || x + fm.horizontalAdvance(label) + 14 > right) return;
            QColor fill = colour;
            fill.setAlphaF(c.dark ? 0.28f : 0.16f);
            const QRectF r(x, 0, fm.horizontalAdvance(label) + 14, kPillH);
            drawPill(p, r, fill, QColor());
            p->setPen(c.dark ? colour.lighter(130) : colour.darker(115));
            if (text) p->drawText(r, Qt::AlignCenter, label);
            x = r.right() + 5;
        };
        badge(m_card->errorsText(), theme::red());
        badge(m_card->lateText(), theme::amber().darker(c.dark ? 100 : 125));
        badge(m_card->droppedText(), theme::amber().darker(c.dark ? 100 : 125));
        badge(m_card->stateText(), c.subtext, m_card->stateShortText());
    }

private:
    static constexpr double kPillH = 18;
    NodeItem* m_card;
};

NodeItem::NodeItem(const QString& id) : m_id(id) {
    setFlags(ItemIsMovable | ItemIsSelectable | ItemSendsGeometryChanges);
    setAcceptHoverEvents(true);
    // Panning only translates the cards: the cached pixmap is blitted instead of redrawn.
    setCacheMode(DeviceCoordinateCache);
    m_status = new StatusItem(this);
    m_status->setVisible(false);
    layout();
}

NodeItem::~NodeItem() {
    for (EdgeItem* e : m_edges) e->forgetNode(this);
}

void NodeItem::refresh(const GraphModel& model) {
    const NodeDef* def = model.node(m_id);
    if (!def) return;
    m_title = model.displayTitle(m_id);
    m_typeId = QString::fromStdString(def->type);
    const NodeSpec* spec = model.registry().find(def->type);
    m_unknownType = !spec;
    m_category = spec ? theme::displayCategory(spec) : QString();

    QVector<Port> ports;
    auto add = [&](const std::string& name, const std::string& help, bool output,
                   PortKind kind = PortKind::Data) {
        for (const Port& p : ports)
            if (p.output == output && p.name.toStdString() == name) return;
        Port p;
        p.name = QString::fromStdString(name);
        p.help = QString::fromStdString(help);
        p.output = output;
        p.kind = kind;
        p.special = output && kind != PortKind::Data;
        ports.append(p);
    };
    const std::string id = m_id.toStdString();
    if (spec) {
        for (const auto& in : spec->inputs) add(in.name, in.help, false);
        for (const auto& out : spec->outputs) add(out.name, out.help, true, out.kind);
    } else {
        // An unknown type still shows the ports its wires use, so the wires stay attached.
        for (const auto& e : model.project().edges) {
            if (e.toNode == id) add(e.toPort, "", false);
            if (e.fromNode == id) add(e.fromPort, "", true);
        }
    }
    for (const auto& e : model.project().edges)
        for (Port& p : ports)
            if ((p.output && e.fromNode == id && e.fromPort == p.name.toStdString()) ||
                (!p.output && e.toNode == id && e.toPort == p.name.toStdString()))
                ++p.wires;
    m_ports = std::move(ports);
    m_hotPort = -1;
    layout();
}

void NodeItem::setProblems(const QStringList& problems) {
    if (problems == m_problems) return;
    m_problems = problems;
    update();
}

void NodeItem::setRunState(bool running, double ratePerSecond, double idleSeconds, qint64 errors,
                           qint64 late) {
    if (running == m_running && ratePerSecond == m_rate && idleSeconds == m_idle &&
        errors == m_errors && late == m_late)
        return;
    const bool relayout = running != m_running;
    m_running = running;
    m_rate = running ? ratePerSecond : 0;
    m_idle = running ? idleSeconds : -1;
    m_errors = running ? errors : 0;
    m_late = running ? late : 0;
    m_status->setVisible(m_running || !m_activity.isEmpty());
    if (relayout)
        layout();
    else
        m_status->update();
}

void NodeItem::setActivity(const QString& text) {
    if (text == m_activity) return;
    const bool relayout = text.isEmpty() != m_activity.isEmpty();
    m_activity = text;
    m_status->setVisible(m_running || !m_activity.isEmpty());
    if (relayout)
        layout();
    else
        m_status->update();
}

void NodeItem::setLinkState(int link, const QString& reason, qint64 dropped) {
    if (link == m_link && reason == m_linkReason && dropped == m_dropped) return;
    m_link = link;
    m_linkReason = reason;
    m_dropped = dropped;
    m_status->update();
}

void NodeItem::setStateSize(qint64 keys, qint64 bytes) {
    if (keys == m_stateKeys && bytes == m_stateBytes) return;
    m_stateKeys = keys;
    m_stateBytes = bytes;
    m_status->update();
}

QString NodeItem::stateText() const {
    if (!m_running || m_stateBytes <= 0) return {};
    return (m_stateKeys == 1 ? QObject::tr("%1 key · %2") : QObject::tr("%1 keys · %2"))
        .arg(theme::formatCount(static_cast<double>(m_stateKeys)),
             QString::fromStdString(formatByteSize(m_stateBytes)));
}

QString NodeItem::stateShortText() const {
    if (!m_running || m_stateBytes <= 0) return {};
    return QString::fromStdString(formatByteSize(m_stateBytes));
}

QString NodeItem::rateText() const {
    if (!m_running) return {};
    return isConnecting() ? QObject::tr("connecting…") : theme::formatRate(m_rate, m_idle);
}

QString NodeItem::droppedText() const {
    return m_running && m_dropped > 0
               ? theme::formatCount(static_cast<double>(m_dropped)) + QObject::tr(" dropped")
               : QString();
}

QString NodeItem::errorsText() const {
    return m_running && m_errors > 0 ? theme::formatCount(static_cast<double>(m_errors)) + " err"
                                     : QString();
}

QString NodeItem::lateText() const {
    return m_running && m_late > 0 ? theme::formatCount(static_cast<double>(m_late)) + " late"
                                   : QString();
}

double NodeItem::portsTop() const {
    return kHeaderH + kSublineH + (m_running || !m_activity.isEmpty() ? kStatusH : 0);
}

void NodeItem::layout() {
    prepareGeometryChange();
    const double top = portsTop();
    int inRow = 0, outRow = 0, specials = 0;
    for (const Port& p : m_ports) specials += p.special ? 1 : 0;
    for (Port& p : m_ports) {
        if (p.special) continue;
        const int row = p.output ? outRow++ : inRow++;
        p.pos = QPointF(p.output ? kWidth : 0, top + row * kRowH + kRowH / 2);
    }
    const int rows = std::max({inRow, outRow, 1});
    m_height = top + rows * kRowH + (specials > 0 ? kFooterH : 6);
    // Special ports from the right corner leftwards, `errors` (always last) nearest the corner.
    int k = 0;
    for (int i = static_cast<int>(m_ports.size()) - 1; i >= 0; --i)
        if (m_ports[i].special)
            m_ports[i].pos = QPointF(kWidth - 22 - kSpecialSpacing * k++, m_height);
    update();
    updateEdges();
}

const NodeItem::Port* NodeItem::port(const QString& name, bool output) const {
    for (const Port& p : m_ports)
        if (p.output == output && p.name == name) return &p;
    return nullptr;
}

QPointF NodeItem::portScenePos(const QString& name, bool output) const {
    if (const Port* p = port(name, output)) return mapToScene(p->pos);
    return mapToScene(QPointF(output ? kWidth : 0, kHeaderH / 2));
}

bool NodeItem::isBottomPort(const QString& name, bool output) const {
    const Port* p = port(name, output);
    return p && p->special;
}

PortKind NodeItem::portKind(const QString& name, bool output) const {
    const Port* p = port(name, output);
    return p ? p->kind : PortKind::Data;
}

const NodeItem::Port* NodeItem::portAt(QPointF localPos, qreal radius, int wantOutput) const {
    const Port* best = nullptr;
    double bestD = radius;
    for (const Port& p : m_ports) {
        if (wantOutput >= 0 && p.output != (wantOutput == 1)) continue;
        if (p.special && !m_hovered && p.wires == 0) continue;
        const double d = QLineF(localPos, p.pos).length();
        if (d <= bestD) {
            bestD = d;
            best = &p;
        }
    }
    return best;
}

const NodeItem::Port* NodeItem::nearestPort(QPointF localPos, bool output) const {
    const Port* best = nullptr;
    double bestD = 1e18;
    for (const Port& p : m_ports) {
        if (p.output != output || p.special) continue;
        const double d = QLineF(localPos, p.pos).length();
        if (d < bestD) {
            bestD = d;
            best = &p;
        }
    }
    return best;
}

void NodeItem::setPortState(const QString& name, bool output, PortState state) {
    int index = -1;
    for (int i = 0; i < m_ports.size(); ++i)
        if (m_ports[i].output == output && m_ports[i].name == name) index = i;
    if (index == m_hotPort && state == m_hotState) return;
    m_hotPort = index;
    m_hotState = state;
    update();
}

void NodeItem::clearPortState() {
    if (m_hotPort < 0) return;
    m_hotPort = -1;
    m_hotState = PortState::Normal;
    update();
}

void NodeItem::syncPos(QPointF pos) {
    m_syncing = true;
    setPos(pos);
    m_syncing = false;
}

QRectF NodeItem::boundingRect() const {
    return cardRect().adjusted(-10, -12, 12, 12);
}

QPainterPath NodeItem::shape() const {
    QPainterPath path;
    path.addRoundedRect(cardRect().adjusted(-7, -7, 7, 7), kRadius, kRadius);
    return path;
}

void NodeItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    const QPalette pal = scene() ? scene()->palette() : QPalette();
    const canvas::Colors& c = canvas::colors(pal);
    const QFont base = scene() ? scene()->font() : QFont();
    const QRectF card = cardRect();
    p->setRenderHint(QPainter::Antialiasing);
    p->setRenderHint(QPainter::TextAntialiasing);
    // Zoomed far out, small text would be a smudge: draw the card's shapes and its title only
    // (and below 30 % not even that), which also keeps zooming a large graph fluid.
    const double lod = QStyleOptionGraphicsItem::levelOfDetailFromTransform(p->worldTransform());
    const bool details = lod >= 0.5;
    const bool titles = lod >= 0.3;

    // A soft shadow from a pre-blurred nine-patch: as cheap as a few blits.
    if (titles)
        qDrawBorderPixmap(
            p, card.toRect().adjusted(-kShadowPad, -kShadowPad + 2, kShadowPad, kShadowPad + 2),
            QMargins(kShadowMargin, kShadowMargin, kShadowMargin, kShadowMargin),
            shadowPixmap(c.shadow));
    p->setPen(Qt::NoPen);

    QPainterPath cardPath;
    cardPath.addRoundedRect(card, kRadius, kRadius);
    p->setBrush(c.card);
    p->drawPath(cardPath);

    // Header strip in the category colour.
    QColor header = m_unknownType ? c.subtext : theme::categoryColor(m_category);
    if (c.dark) header = header.darker(112);
    p->save();
    p->setClipPath(cardPath);
    p->fillRect(QRectF(0, 0, kWidth, kHeaderH), header);
    p->restore();

    double textLeft = 10;
    const HeaderIcon& icon =
        headerIcon(m_category.isEmpty() ? QStringLiteral("transform") : m_category);
    if (!icon.pixmap.isNull() && !m_unknownType) {
        const QRectF iconRect(9, (kHeaderH - 18) / 2, 18, 18);
        if (icon.onTile) {
            p->setBrush(QColor(255, 255, 255, 235));
            p->drawRoundedRect(iconRect.adjusted(-2, -2, 2, 2), 5, 5);
            p->drawPixmap(iconRect.adjusted(1, 1, -1, -1), icon.pixmap, QRectF(icon.pixmap.rect()));
        } else {
            p->drawPixmap(iconRect, icon.pixmap, QRectF(icon.pixmap.rect()));
        }
        textLeft = 34;
    }
    const double badgeSpace = m_problems.isEmpty() ? 0 : 12;
    if (titles) {
        const QFont titleFont = scaledFont(base, 1.0, true);
        p->setFont(titleFont);
        p->setPen(Qt::white);
        const QRectF titleRect(textLeft, 0, kWidth - textLeft - 10 - badgeSpace, kHeaderH);
        p->drawText(
            titleRect, Qt::AlignVCenter | Qt::AlignLeft,
            QFontMetricsF(titleFont).elidedText(m_title, Qt::ElideRight, titleRect.width()));
    }

    if (details) {
        const QFont smallFont = scaledFont(base, 0.82);
        p->setFont(smallFont);
        p->setPen(m_unknownType ? theme::red() : c.subtext);
        const QString sub = m_unknownType ? QObject::tr("unknown type %1").arg(m_typeId) : m_typeId;
        const QRectF subRect(10, kHeaderH + 1, kWidth - 20, kSublineH);
        p->drawText(subRect, Qt::AlignVCenter | Qt::AlignLeft,
                    QFontMetricsF(smallFont).elidedText(sub, Qt::ElideRight, subRect.width()));
    }

    // Ports.
    const QFont portFont = scaledFont(base, 0.88);
    const QFontMetricsF portFm(portFont);
    p->setFont(portFont);
    const QColor portText = canvas::mix(c.text, c.card, 0.25);
    for (int i = 0; i < m_ports.size(); ++i) {
        const Port& port = m_ports[i];
        const bool hot = i == m_hotPort && m_hotState != PortState::Normal;
        if (port.special && !m_hovered && port.wires == 0 && !hot) continue;
        QColor ring = !port.special                 ? c.wire
                      : port.kind == PortKind::Late ? theme::amber()
                                                    : theme::red();
        double r = port.special ? kSpecialPortR : kPortR;
        QColor fill = port.wires > 0 ? ring : c.portFill;
        if (hot) {
            ring = m_hotState == PortState::Accepts ? c.ok : theme::red();
            fill = m_hotState == PortState::Accepts ? c.ok : c.portFill;
            r += 1.5;
        }
        p->setPen(QPen(ring, 1.8));
        p->setBrush(fill);
        p->drawEllipse(port.pos, r, r);
        if (!details) continue;
        if (port.special) {
            QFont f = scaledFont(base, 0.74);
            p->setFont(f);
            p->setPen(ring);
            p->drawText(QRectF(port.pos.x() - 60, port.pos.y() - kFooterH - 1, 53, kFooterH),
                        Qt::AlignRight | Qt::AlignVCenter, port.name);
            p->setFont(portFont);
            continue;
        }
        p->setPen(portText);
        const double w = kWidth / 2 - 14;
        const QString name = portFm.elidedText(port.name, Qt::ElideRight, w);
        if (port.output)
            p->drawText(QRectF(kWidth - 12 - w, port.pos.y() - kRowH / 2, w, kRowH),
                        Qt::AlignRight | Qt::AlignVCenter, name);
        else
            p->drawText(QRectF(12, port.pos.y() - kRowH / 2, w, kRowH),
                        Qt::AlignLeft | Qt::AlignVCenter, name);
    }

    // Outline: problems in red, selection in the highlight colour around it.
    p->setBrush(Qt::NoBrush);
    if (!m_problems.isEmpty()) {
        p->setPen(QPen(theme::red(), 2));
        p->drawRoundedRect(card.adjusted(0.5, 0.5, -0.5, -0.5), kRadius, kRadius);
    } else {
        p->setPen(QPen(m_hovered ? canvas::mix(c.cardBorder, c.selection, 0.45) : c.cardBorder, 1));
        p->drawRoundedRect(card.adjusted(0.5, 0.5, -0.5, -0.5), kRadius, kRadius);
    }
    if (isSelected()) {
        p->setPen(QPen(c.selection, 2));
        const double o = m_problems.isEmpty() ? 1 : 3;
        p->drawRoundedRect(card.adjusted(-o, -o, o, o), kRadius + o, kRadius + o);
    }
    if (!m_problems.isEmpty()) {
        const QPointF centre(kWidth - 4, 2);
        p->setPen(QPen(c.card, 2));
        p->setBrush(theme::red());
        p->drawEllipse(centre, 9, 9);
        p->setPen(Qt::white);
        p->setFont(scaledFont(base, 0.9, true));
        p->drawText(QRectF(centre.x() - 9, centre.y() - 9, 18, 18), Qt::AlignCenter,
                    QStringLiteral("!"));
    }
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
    if (change == ItemPositionChange && !m_syncing) {
        // Dragged cards snap to the grid; positions from the model are kept as they are.
        const QPointF pos = value.toPointF();
        return QPointF(std::round(pos.x() / canvas::kGridStep) * canvas::kGridStep,
                       std::round(pos.y() / canvas::kGridStep) * canvas::kGridStep);
    }
    if (change == ItemPositionHasChanged) updateEdges();
    if (change == ItemSelectedHasChanged) setZValue(value.toBool() ? 1 : 0);
    return QGraphicsItem::itemChange(change, value);
}

void NodeItem::hoverEnterEvent(QGraphicsSceneHoverEvent* event) {
    m_hovered = true;
    update();
    QGraphicsItem::hoverEnterEvent(event);
}

void NodeItem::hoverMoveEvent(QGraphicsSceneHoverEvent* event) {
    // A crosshair over a port says "drag from here to wire".
    const QList<QGraphicsView*> views = scene() ? scene()->views() : QList<QGraphicsView*>();
    const double scale = views.isEmpty() ? 1.0 : std::max(0.05, views.first()->transform().m11());
    if (portAt(event->pos(), 10 / scale))
        setCursor(Qt::CrossCursor);
    else
        unsetCursor();
    QGraphicsItem::hoverMoveEvent(event);
}

void NodeItem::hoverLeaveEvent(QGraphicsSceneHoverEvent* event) {
    unsetCursor();
    m_hovered = false;
    update();
    QGraphicsItem::hoverLeaveEvent(event);
}

void NodeItem::updateEdges() {
    for (EdgeItem* e : m_edges) e->updatePath();
}

}  // namespace riffle
