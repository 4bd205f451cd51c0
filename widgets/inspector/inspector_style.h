#pragma once
// Colours and fonts the inspector's parts share (hints, messages, section titles), derived from
// the widget's palette so they read on light and dark themes.
//
// Threading: GUI thread only.
#include <QFont>
#include <QPalette>

#include "widgets/style/theme.h"

namespace riffle::inspector_style {

// Grey secondary text: hints, type names, units.
inline QColor hintColor(const QPalette& p) {
    QColor text = p.color(QPalette::WindowText);
    const QColor window = p.color(QPalette::Window);
    const float t = 0.42f;  // how far towards the background
    return QColor::fromRgbF(text.redF() + (window.redF() - text.redF()) * t,
                            text.greenF() + (window.greenF() - text.greenF()) * t,
                            text.blueF() + (window.blueF() - text.blueF()) * t);
}

inline QColor errorColor(const QPalette& p) {
    return theme::isDark(p) ? QColor(0xFF, 0x6B, 0x6B) : QColor(0xC9, 0x2A, 0x2A);
}

inline QColor warningColor(const QPalette& p) {
    return theme::isDark(p) ? QColor(0xFF, 0xC0, 0x4D) : QColor(0x9C, 0x5B, 0x00);
}

// A little smaller than `base`, for hints and messages.
inline QFont smallFont(QFont base) {
    base.setPointSizeF(base.pointSizeF() * 0.9);
    return base;
}

}  // namespace riffle::inspector_style
