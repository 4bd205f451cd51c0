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

QString displayCategory(const QString& typeId, const QString& specCategory) {
    return typeId.startsWith("sink.chart") ? QStringLiteral("chart") : specCategory;
}

QIcon actionIcon(const QString& name) { return QIcon(":/icons/actions/" + name + ".svg"); }

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

bool isDark(const QPalette& palette) { return palette.color(QPalette::Window).lightness() < 128; }

QColor backPressureColor(double fill, const QPalette& palette) {
    const QColor grey = isDark(palette) ? QColor(0x8A, 0x90, 0x99) : QColor(0x9A, 0xA0, 0xA8);
    fill = std::clamp(fill, 0.0, 1.0);
    auto mix = [](const QColor& a, const QColor& b, double t) {
        return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * t),
                                static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * t),
                                static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * t));
    };
    if (fill < 0.5) return mix(grey, amber(), fill / 0.5);
    return mix(amber(), red(), (fill - 0.5) / 0.5);
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

QString formatRate(double perSecond) { return formatCount(perSecond) + "/s"; }

}  // namespace riffle::theme
