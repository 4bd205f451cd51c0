#include "widgets/welcome/project_thumbnail.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>
#include <map>

#include "engine/graph/node_registry.h"
#include "engine/graph/project.h"
#include "widgets/canvas/canvas_style.h"
#include "widgets/style/theme.h"

namespace riffle {

namespace {

// A node's size on the canvas, in scene units: thumbnails keep the canvas's proportions.
constexpr double kNodeW = canvas::kCardWidth;
constexpr double kNodeH = canvas::kCardTypicalHeight;
constexpr double kHeaderFraction = 0.36;

struct Box {
    QRectF rect;
    const NodeSpec* spec = nullptr;
    QColor color;
};

// Where a wire meets a node: ports spread evenly down the body below the header strip.
QPointF portPoint(const Box& box, bool output, const std::string& port) {
    int index = 0, count = 1;
    if (box.spec) {
        const auto& ports = output ? box.spec->outputs : box.spec->inputs;
        // `errors` (and `late`) sit at the bottom on the canvas; the main ports share the rest.
        count = std::max(1, static_cast<int>(ports.size()) - (output ? 1 : 0));
        const int i = output ? box.spec->outputIndex(port) : box.spec->inputIndex(port);
        index = std::clamp(i, 0, count - 1);
    }
    const QRectF& r = box.rect;
    const double top = r.top() + r.height() * kHeaderFraction;
    const double y = top + (r.bottom() - top) * (index + 1) / (count + 1);
    return {output ? r.right() : r.left(), y};
}

}  // namespace

QPixmap renderProjectThumbnail(const Project& project, const NodeRegistry& registry, QSize size,
                               const QPalette& palette) {
    QPixmap pm(size);
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    const bool dark = theme::isDark(palette);
    pm.fill(theme::mix(base, text, dark ? 0.05 : 0.035));
    if (size.isEmpty()) return pm;

    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);

    // The canvas's dot grid, faint, so the picture reads as "a canvas" at a glance.
    const double unit = std::max(1.0, size.height() / 120.0);
    const double step = 12 * unit;
    QColor dot = text;
    dot.setAlphaF(dark ? 0.10f : 0.09f);
    p.setPen(Qt::NoPen);
    p.setBrush(dot);
    for (double y = step / 2; y < size.height(); y += step)
        for (double x = step / 2; x < size.width(); x += step)
            p.drawEllipse(QPointF(x, y), 0.75 * unit, 0.75 * unit);

    if (project.nodes.empty()) return pm;

    QRectF bounds;
    for (const NodeDef& n : project.nodes) bounds |= QRectF(n.x, n.y, kNodeW, kNodeH);
    const double margin = std::max(10.0, std::min(size.width(), size.height()) * 0.12);
    const QRectF avail =
        QRectF(QPointF(0, 0), QSizeF(size)).adjusted(margin, margin, -margin, -margin);
    // Never blow a small graph up beyond what a 900-unit-wide graph would get, so three nodes do
    // not look like a different kind of picture from thirty.
    const double scale = std::min(
        {avail.width() / bounds.width(), avail.height() / bounds.height(), size.width() / 900.0});
    const QPointF offset = avail.center() - bounds.center() * scale;

    std::map<std::string, Box> boxes;
    for (const NodeDef& n : project.nodes) {
        Box box;
        box.rect = QRectF(offset + QPointF(n.x, n.y) * scale, QSizeF(kNodeW, kNodeH) * scale);
        box.spec = registry.find(n.type);
        box.color = theme::categoryColor(theme::displayCategory(box.spec));
        boxes[n.id] = box;
    }

    const QColor wire = theme::mix(text, base, dark ? 0.5 : 0.55);
    p.setPen(QPen(wire, std::max(1.0, 2.2 * scale), Qt::SolidLine, Qt::RoundCap));
    p.setBrush(Qt::NoBrush);
    for (const EdgeDef& e : project.edges) {
        auto from = boxes.find(e.fromNode);
        auto to = boxes.find(e.toNode);
        if (from == boxes.end() || to == boxes.end()) continue;
        const QPointF a = portPoint(from->second, true, e.fromPort);
        const QPointF b = portPoint(to->second, false, e.toPort);
        const double dx = std::max(std::abs(b.x() - a.x()) * 0.5, 40 * scale);
        QPainterPath path(a);
        path.cubicTo(a + QPointF(dx, 0), b - QPointF(dx, 0), b);
        p.drawPath(path);
    }

    for (const auto& [id, box] : boxes) {
        const QRectF& r = box.rect;
        const double radius = std::max(2.0, 9 * scale);
        QPainterPath shape;
        shape.addRoundedRect(r, radius, radius);
        p.setPen(Qt::NoPen);
        p.setBrush(theme::mix(box.color, base, dark ? 0.72 : 0.84));
        p.drawPath(shape);
        QPainterPath header;
        header.addRect(QRectF(r.left(), r.top(), r.width(), r.height() * kHeaderFraction));
        p.setBrush(box.color);
        p.drawPath(shape.intersected(header));
        // A title bar stand-in in the body, so a box reads as a node rather than a tile.
        const double lineH = std::max(1.0, r.height() * 0.1);
        QColor line = box.color;
        line.setAlphaF(dark ? 0.55f : 0.45f);
        p.setBrush(line);
        p.drawRoundedRect(
            QRectF(r.left() + r.width() * 0.1, r.top() + r.height() * 0.6, r.width() * 0.55, lineH),
            lineH / 2, lineH / 2);
        QColor border = box.color;
        border.setAlphaF(0.9f);
        p.setPen(QPen(border, std::max(1.0, 1.5 * scale)));
        p.setBrush(Qt::NoBrush);
        p.drawPath(shape);
    }
    return pm;
}

}  // namespace riffle
