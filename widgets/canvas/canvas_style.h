#pragma once
// The canvas's colours and metrics, derived from the palette so that the cards, wires and dot grid
// read on light and dark palettes alike. Shared by the scene, its items and the view so they
// agree.
//
// Threading: GUI thread only.
#include <QColor>
#include <QIcon>
#include <QPalette>

#include "widgets/style/theme.h"

namespace riffle::canvas {

inline constexpr double kGridStep = 20;  // snap grid and dot spacing, scene px
// A node card's width, and the height of a card with one input and one output, scene px: the
// canvas draws cards this wide and the welcome page's thumbnails draw them in this box.
inline constexpr double kCardWidth = 200;
inline constexpr double kCardTypicalHeight = 84;

struct Colors {
    bool dark = false;
    QColor canvas;      // background behind the cards
    QColor dot;         // the dot grid
    QColor card;        // node body
    QColor cardBorder;  // node outline when not selected
    QColor shadow;
    QColor text;
    QColor subtext;    // type ids, port names
    QColor wire;       // idle wire
    QColor selection;  // selected outline and wire
    QColor portFill;   // unconnected port
    QColor ok;         // a compatible port under a dragged wire, the live dot
    QColor pill;       // rate pill background
};

// Cached per palette (by QPalette::cacheKey), cheap to call from paint().
const Colors& colors(const QPalette& palette);

// theme::categoryIcon, or a null icon while the SVG is not there (callers draw a plain tile).
QIcon categoryIcon(const QString& category);

using theme::mix;

}  // namespace riffle::canvas
