#pragma once
// The dashboard's grid arithmetic, apart from any widget: where each chart panel sits in grid
// cells, read from and written to the project's `dashboard` section
// ({"panels": [{"node": "views_chart", "grid": [x, y, w, h]}]}), first free places for new panels,
// and pushing panels down out of the way of a dragged one.
//
// Threading: any thread (plain values).
#include <QRect>
#include <QString>
#include <QStringList>
#include <map>
#include <vector>

#include "engine/graph/params.h"

namespace riffle::dashboard {

inline constexpr int kColumns = 12;
inline constexpr int kRowHeight = 60;  // px
inline constexpr int kGap = 8;         // px, between panels and around the grid
inline constexpr int kDefaultWidth = 6;
inline constexpr int kDefaultHeight = 4;
inline constexpr int kMinWidth = 2;
inline constexpr int kMinHeight = 2;

struct Placement {
    QString node;
    QRect cells;  // x, y, width, height in grid cells
};
using Layout = std::vector<Placement>;

// The panels of `chartNodes` (in that order): each at its entry in `section` when it has a valid
// one, the others at the first free place. Entries for other nodes are ignored; overlapping entries
// (a hand-edited file) are pushed down until nothing overlaps.
Layout readLayout(const Json& section, const QStringList& chartNodes);
// The cells saved for `node` in `section`, if it has a valid entry.
bool savedPlace(const Json& section, const QString& node, QRect* cells);
// `section` with its "panels" replaced by `layout`; other keys of the section and of each panel
// entry are kept, entries for nodes not in `layout` are dropped.
Json writeLayout(const Json& section, const Layout& layout);

// The first place, row by row and left to right, where a w x h panel overlaps nothing in `taken`.
QRect firstFreePlace(const Layout& taken, int w = kDefaultWidth, int h = kDefaultHeight);
// `cells` kept inside the 12 columns and at or below row 0, at least the minimum size.
QRect clampToGrid(QRect cells);
// `layout` with `node` at `cells` and every panel it would overlap pushed down (and the panels
// those overlap, and so on), keeping the others' order from top to bottom.
Layout placeAndPush(const Layout& layout, const QString& node, QRect cells);
// Rows used (the bottom edge of the lowest panel).
int rowCount(const Layout& layout);
const Placement* find(const Layout& layout, const QString& node);

}  // namespace riffle::dashboard
