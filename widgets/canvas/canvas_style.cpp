#include "widgets/canvas/canvas_style.h"

#include <QFile>
#include <QHash>

#include "widgets/style/theme.h"

namespace riffle::canvas {

static Colors compute(const QPalette& p) {
    Colors c;
    c.dark = theme::isDark(p);
    const QColor window = p.color(QPalette::Window);
    const QColor text = p.color(QPalette::WindowText);
    c.text = text;
    c.selection = p.color(QPalette::Highlight);
    c.wire = theme::backPressureColor(0, p);
    c.ok = QColor(0x2F, 0xB3, 0x4F);
    if (c.dark) {
        // Cards lighter than the canvas, as light comes from above.
        c.canvas = theme::mix(window, QColor(0, 0, 0), 0.35);
        c.card = theme::mix(window, QColor(255, 255, 255), 0.06);
        c.cardBorder = theme::mix(c.card, QColor(255, 255, 255), 0.12);
        c.dot = theme::mix(c.canvas, QColor(255, 255, 255), 0.16);
        c.shadow = QColor(0, 0, 0, 150);
        c.subtext = theme::mix(text, c.card, 0.42);
        c.portFill = c.card;
        c.pill = theme::mix(c.card, c.ok, 0.22);
    } else {
        c.canvas = theme::mix(window, QColor(255, 255, 255), 0.35);
        c.card = QColor(255, 255, 255);
        c.cardBorder = theme::mix(c.canvas, QColor(0, 0, 0), 0.16);
        c.dot = theme::mix(c.canvas, QColor(0, 0, 0), 0.17);
        c.shadow = QColor(0, 0, 0, 46);
        c.subtext = theme::mix(text, c.card, 0.48);
        c.portFill = c.card;
        c.pill = theme::mix(c.card, c.ok, 0.14);
    }
    return c;
}

QIcon categoryIcon(const QString& category) {
    static QHash<QString, QIcon> cache;
    auto it = cache.find(category);
    if (it == cache.end()) {
        const bool exists = QFile::exists(":/icons/category/" + category + ".svg") ||
                            QFile::exists(QStringLiteral(":/icons/category/transform.svg"));
        it = cache.insert(category, exists ? theme::categoryIcon(category) : QIcon());
    }
    return *it;
}

const Colors& colors(const QPalette& palette) {
    static QHash<qint64, Colors> cache;
    const qint64 key = palette.cacheKey();
    auto it = cache.find(key);
    if (it == cache.end()) {
        if (cache.size() > 16) cache.clear();
        it = cache.insert(key, compute(palette));
    }
    return *it;
}

}  // namespace riffle::canvas
