#include "widgets/style/theme.h"

#include <QFile>
#include <algorithm>
#include <cmath>

namespace riffle::theme {

QColor categoryColor(const QString& category) {
    if (category == "source") return QColor(0x0C, 0x9C, 0x94);
    if (category == "transform") return QColor(0x33, 0x7E, 0xE0);
    if (category == "window" || category == "aggregate") return QColor(0x8B, 0x5C, 0xF6);
    if (category == "join") return QColor(0xEA, 0x7C, 0x12);
    if (category == "alert") return red();
    if (category == "sink" || category == "chart") return QColor(0x2F, 0x9E, 0x44);
    return QColor(0x86, 0x8E, 0x96);
}

QIcon categoryIcon(const QString& category) {
    const QString path = ":/icons/category/" + category + ".svg";
    return QIcon(QFile::exists(path) ? path : QStringLiteral(":/icons/category/transform.svg"));
}

QString displayCategory(const NodeSpec* spec) {
    if (!spec) return QStringLiteral("unknown");
    return spec->isChart() ? QStringLiteral("chart") : QString::fromStdString(spec->category);
}

QIcon actionIcon(const QString& name) {
    return QIcon(":/icons/actions/" + name + ".svg");
}

QString categoryLabel(const QString& category) {
    if (category == "source") return QObject::tr("Sources");
    if (category == "transform") return QObject::tr("Transforms");
    if (category == "window") return QObject::tr("Windows");
    if (category == "aggregate") return QObject::tr("Aggregates");
    if (category == "join") return QObject::tr("Joins");
    if (category == "alert") return QObject::tr("Alerts");
    if (category == "sink") return QObject::tr("Sinks");
    if (category == "chart") return QObject::tr("Charts");
    return category;
}

bool isDark(const QPalette& palette) {
    return palette.color(QPalette::Window).lightness() < 128;
}

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x2B, 0x2D, 0x31), base(0x1F, 0x21, 0x24), text(0xE3, 0xE5, 0xE8);
    const QColor disabled(0x7A, 0x7F, 0x87), highlight(0x3D, 0x8B, 0xE0);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2C));
    p.setColor(QPalette::ToolTipBase, QColor(0x35, 0x38, 0x3D));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x33, 0x36, 0x3B));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xFF, 0x6B, 0x6B));
    p.setColor(QPalette::Light, QColor(0x45, 0x48, 0x4E));
    p.setColor(QPalette::Midlight, QColor(0x3A, 0x3D, 0x42));
    p.setColor(QPalette::Mid, QColor(0x24, 0x26, 0x29));
    p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1B));
    p.setColor(QPalette::Shadow, QColor(0x0C, 0x0C, 0x0D));
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x6C, 0xB0, 0xF5));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

QColor backPressureColor(double fill, const QPalette& palette) {
    const QColor grey = isDark(palette) ? QColor(0x8A, 0x90, 0x99) : QColor(0x9A, 0xA0, 0xA8);
    fill = std::clamp(fill, 0.0, 1.0);
    if (fill < 0.5) return mix(grey, amber(), fill / 0.5);
    return mix(amber(), red(), (fill - 0.5) / 0.5);
}

QColor mix(const QColor& a, const QColor& b, double t) {
    const auto f = [t](float x, float y) { return static_cast<float>(x + (y - x) * t); };
    return QColor::fromRgbF(f(a.redF(), b.redF()), f(a.greenF(), b.greenF()),
                            f(a.blueF(), b.blueF()));
}

QFont scaledFont(const QFont& base, double factor, QFont::Weight weight) {
    QFont f = base;
    if (f.pointSizeF() > 0)
        f.setPointSizeF(f.pointSizeF() * factor);
    else
        f.setPixelSize(std::max(8, static_cast<int>(f.pixelSize() * factor)));
    f.setWeight(weight);
    return f;
}

QString formatCount(double value) {
    const double a = std::fabs(value);
    auto fmt = [](double v, const char* unit) {
        const int decimals = std::fabs(v) >= 100 ? 0 : std::fabs(v) >= 10 ? 1 : 2;
        return QString::number(v, 'f', decimals) + " " + unit;
    };
    if (a >= 1e9) return fmt(value / 1e9, "G");
    if (a >= 1e6) return fmt(value / 1e6, "M");
    if (a >= 1e3) return fmt(value / 1e3, "K");
    return QString::number(std::llround(value));
}

QString formatRate(double perSecond) {
    // A slow stream must not round to "0/s": one decimal below 10/s, per minute below 1/s.
    if (perSecond > 0 && perSecond < 1) return QString::number(perSecond * 60, 'g', 2) + "/min";
    if (perSecond > 0 && perSecond < 10) return QString::number(perSecond, 'f', 1) + "/s";
    return formatCount(perSecond) + "/s";
}

QString formatRate(double perSecond, double idleSeconds) {
    const QString rate = formatRate(perSecond);
    if (idleSeconds < 2) return rate;
    const auto s = static_cast<qint64>(idleSeconds);
    const QString age = s < 120    ? QObject::tr("%1 s ago").arg(s)
                        : s < 7200 ? QObject::tr("%1 min ago").arg(s / 60)
                                   : QObject::tr("%1 h ago").arg(s / 3600);
    return rate + " · " + age;
}

}  // namespace riffle::theme
