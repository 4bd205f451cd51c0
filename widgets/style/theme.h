#pragma once
// The studio's shared look: category colours, icons and number formats, so the canvas,
// palette, inspector and welcome page agree. Colours are chosen to read on light and dark
// palettes alike.
//
// Threading: GUI thread only (QIcon).
#include <QColor>
#include <QFont>
#include <QIcon>
#include <QPalette>
#include <QString>

#include "engine/graph/node_spec.h"

namespace riffle::theme {

// Header colour of a node category ("source", "transform", "window", "aggregate", "join",
// "alert", "sink", and "chart" for a chart sink (displayCategory()): sources teal,
// transforms blue, windows and aggregates violet, joins orange, alerts red, sinks and charts green.
QColor categoryColor(const QString& category);
// ":/icons/category/<category>.svg" (falls back to the transform icon).
QIcon categoryIcon(const QString& category);
// The category a node type is shown under: its spec's category, or "chart" for a chart sink
// (NodeSpec::chartKind); "unknown" for a type the registry does not know (null).
QString displayCategory(const NodeSpec* spec);
// ":/icons/actions/<name>.svg", e.g. "run", "stop", "zoom-fit".
QIcon actionIcon(const QString& name);
// The user-facing name of a category for palette groups: "Sources", "Windows", ...
QString categoryLabel(const QString& category);

bool isDark(const QPalette& palette);
// A dark palette for the Fusion style, for desktops whose platform theme gives none (and for
// `riffle --theme dark`).
QPalette darkPalette();
// Queue fill 0..1 to a wire colour: grey when empty, through amber to red when full.
QColor backPressureColor(double fill, const QPalette& palette);
inline QColor amber() {
    return QColor(0xF5, 0x9F, 0x00);
}
inline QColor red() {
    return QColor(0xE0, 0x31, 0x31);
}

// `a` moved towards `b` by t (0..1), opaque.
QColor mix(const QColor& a, const QColor& b, double t);
// `base` scaled by `factor` (point or pixel sized), with `weight`.
QFont scaledFont(const QFont& base, double factor, QFont::Weight weight = QFont::Normal);

// 48200 -> "48.2 K", 1234567 -> "1.23 M", 12 -> "12".
QString formatCount(double value);
// Events per second: "48.2 K/s", "8.6/s"; below 1/s per minute: "12/min".
QString formatRate(double perSecond);
// The rate, and when the last event is 2 s old or more, its age: "0.8/s · 8 s ago"
// (`idleSeconds` < 0: nothing yet).
QString formatRate(double perSecond, double idleSeconds);

}  // namespace riffle::theme
