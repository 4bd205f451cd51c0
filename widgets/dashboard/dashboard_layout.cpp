#include "widgets/dashboard/dashboard_layout.h"

#include <algorithm>

namespace riffle::dashboard {

namespace {

bool overlapsAny(const Layout& placed, const QRect& r) {
    return std::any_of(placed.begin(), placed.end(),
                       [&](const Placement& p) { return p.cells.intersects(r); });
}

// Moves `r` down until it overlaps nothing in `placed`.
QRect pushBelow(const Layout& placed, QRect r) {
    for (;;) {
        int bottom = -1;
        for (const Placement& p : placed)
            if (p.cells.intersects(r)) bottom = std::max(bottom, p.cells.y() + p.cells.height());
        if (bottom < 0) return r;
        r.moveTop(bottom);
    }
}

bool gridFromJson(const Json& grid, QRect* out) {
    if (!grid.is_array() || grid.size() != 4) return false;
    int v[4];
    for (size_t i = 0; i < 4; ++i) {
        if (!grid[i].is_number()) return false;
        v[i] = static_cast<int>(grid[i].get<double>());
    }
    *out = clampToGrid(QRect(v[0], v[1], v[2], v[3]));
    return true;
}

}  // namespace

QRect clampToGrid(QRect c) {
    const int w = std::clamp(c.width(), kMinWidth, kColumns);
    const int h = std::max(c.height(), kMinHeight);
    const int x = std::clamp(c.x(), 0, kColumns - w);
    const int y = std::max(c.y(), 0);
    return QRect(x, y, w, h);
}

QRect firstFreePlace(const Layout& taken, int w, int h) {
    w = std::clamp(w, 1, kColumns);
    for (int y = 0;; ++y)
        for (int x = 0; x + w <= kColumns; ++x) {
            const QRect r(x, y, w, h);
            if (!overlapsAny(taken, r)) return r;
        }
}

Layout readLayout(const Json& section, const QStringList& chartNodes) {
    std::map<QString, QRect> saved;
    if (section.is_object() && section.contains("panels") && section["panels"].is_array())
        for (const Json& entry : section["panels"]) {
            if (!entry.is_object() || !entry.contains("node") || !entry["node"].is_string())
                continue;
            QRect cells;
            if (entry.contains("grid") && gridFromJson(entry["grid"], &cells))
                saved.emplace(QString::fromStdString(entry["node"].get<std::string>()), cells);
        }
    // Saved panels first, top to bottom, so a stray overlap pushes the lower one; then the rest.
    Layout withPlace;
    for (const QString& node : chartNodes)
        if (auto it = saved.find(node); it != saved.end()) withPlace.push_back({node, it->second});
    std::stable_sort(withPlace.begin(), withPlace.end(),
                     [](const Placement& a, const Placement& b) {
                         return a.cells.y() != b.cells.y() ? a.cells.y() < b.cells.y()
                                                           : a.cells.x() < b.cells.x();
                     });
    Layout placed;
    for (const Placement& p : withPlace) placed.push_back({p.node, pushBelow(placed, p.cells)});
    for (const QString& node : chartNodes)
        if (!saved.count(node)) placed.push_back({node, firstFreePlace(placed)});
    // Back to the nodes' order, so panels stack in the project's order.
    Layout out;
    for (const QString& node : chartNodes)
        if (const Placement* p = find(placed, node)) out.push_back(*p);
    return out;
}

bool savedPlace(const Json& section, const QString& node, QRect* cells) {
    if (!section.is_object() || !section.contains("panels") || !section["panels"].is_array())
        return false;
    const std::string id = node.toStdString();
    for (const Json& entry : section["panels"])
        if (entry.is_object() && entry.contains("node") && entry["node"] == id &&
            entry.contains("grid"))
            return gridFromJson(entry["grid"], cells);
    return false;
}

Json writeLayout(const Json& section, const Layout& layout) {
    Json out = section.is_object() ? section : Json::object();
    std::map<std::string, Json> oldEntries;
    if (out.contains("panels") && out["panels"].is_array())
        for (const Json& entry : out["panels"])
            if (entry.is_object() && entry.contains("node") && entry["node"].is_string())
                oldEntries.emplace(entry["node"].get<std::string>(), entry);
    Json panels = Json::array();
    for (const Placement& p : layout) {
        const std::string node = p.node.toStdString();
        Json entry = oldEntries.count(node) ? oldEntries[node] : Json::object();
        entry["node"] = node;
        entry["grid"] = Json::array({p.cells.x(), p.cells.y(), p.cells.width(), p.cells.height()});
        panels.push_back(std::move(entry));
    }
    out["panels"] = std::move(panels);
    return out;
}

Layout placeAndPush(const Layout& layout, const QString& node, QRect cells) {
    Layout others;
    for (const Placement& p : layout)
        if (p.node != node) others.push_back(p);
    std::stable_sort(others.begin(), others.end(), [](const Placement& a, const Placement& b) {
        return a.cells.y() != b.cells.y() ? a.cells.y() < b.cells.y() : a.cells.x() < b.cells.x();
    });
    Layout placed{{node, cells}};
    for (const Placement& p : others) placed.push_back({p.node, pushBelow(placed, p.cells)});
    Layout out;
    for (const Placement& p : layout)
        if (const Placement* q = find(placed, p.node)) out.push_back(*q);
    return out;
}

int rowCount(const Layout& layout) {
    int rows = 0;
    for (const Placement& p : layout) rows = std::max(rows, p.cells.y() + p.cells.height());
    return rows;
}

const Placement* find(const Layout& layout, const QString& node) {
    for (const Placement& p : layout)
        if (p.node == node) return &p;
    return nullptr;
}

}  // namespace riffle::dashboard
