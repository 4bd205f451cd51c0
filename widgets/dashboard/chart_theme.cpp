#include "widgets/dashboard/chart_theme.h"

#include <QDateTime>
#include <QTimeZone>
#include <algorithm>
#include <cmath>

#include "widgets/style/theme.h"

namespace riffle::chart {

QColor seriesColor(int slot) {
    static const QRgb kTableau10[kSeriesColorCount] = {0x4E79A7, 0xF28E2B, 0xE15759, 0x76B7B2,
                                                       0x59A14F, 0xEDC948, 0xB07AA1, 0xFF9DA7,
                                                       0x9C755F, 0xBAB0AC};
    return QColor::fromRgb(
        kTableau10[((slot % kSeriesColorCount) + kSeriesColorCount) % kSeriesColorCount]);
}

namespace {

// FNV-1a: the same on every platform and run (qHash is seeded per process).
uint32_t stableHash(const QString& key) {
    uint32_t h = 2166136261u;
    for (char c : key.toUtf8()) {
        h ^= uint8_t(c);
        h *= 16777619u;
    }
    return h;
}

}  // namespace

QHash<QString, QColor> assignColors(QStringList keys) {
    keys.sort();
    keys.removeDuplicates();
    QHash<QString, QColor> out;
    bool taken[kSeriesColorCount] = {};
    int used = 0;
    for (const QString& key : keys) {
        int slot = int(stableHash(key) % kSeriesColorCount);
        if (used < kSeriesColorCount) {
            while (taken[slot]) slot = (slot + 1) % kSeriesColorCount;
            taken[slot] = true;
            ++used;
        }
        out.insert(key, seriesColor(slot));
    }
    return out;
}

QColor backgroundColor(const QPalette& palette) {
    return palette.color(QPalette::Base);
}
QColor textColor(const QPalette& palette) {
    return palette.color(QPalette::Text);
}
QColor mutedTextColor(const QPalette& palette) {
    return theme::mix(palette.color(QPalette::Text), palette.color(QPalette::Base), 0.35);
}
QColor gridColor(const QPalette& palette) {
    return theme::mix(palette.color(QPalette::Base), palette.color(QPalette::Text), 0.1);
}

void applyTheme(QCustomPlot* plot, const QPalette& palette) {
    const QColor bg = backgroundColor(palette);
    const QColor muted = mutedTextColor(palette);
    const QColor axis = theme::mix(bg, textColor(palette), 0.3);
    plot->setBackground(bg);
    QFont tickFont = plot->font();
    tickFont.setPointSizeF(std::max(7.5, tickFont.pointSizeF() * 0.85));
    for (QCPAxisRect* rect : plot->axisRects()) {
        // The plot's background shows through: filling the axis rect again costs a frame a
        // second full-size fill.
        rect->setBackground(Qt::NoBrush);
        for (QCPAxis* a : rect->axes()) {
            a->setBasePen(QPen(axis, 1));
            a->setTickPen(QPen(axis, 1));
            a->setSubTickPen(Qt::NoPen);
            a->setTickLengthIn(0);
            a->setTickLengthOut(4);
            a->setTickLabelColor(muted);
            a->setLabelColor(muted);
            a->setTickLabelFont(tickFont);
            a->setLabelFont(tickFont);
            a->grid()->setPen(QPen(gridColor(palette), 1, Qt::SolidLine));
            a->grid()->setZeroLinePen(Qt::NoPen);
            a->grid()->setSubGridVisible(false);
        }
    }
    if (plot->legend) {
        plot->legend->setBrush(Qt::NoBrush);
        plot->legend->setBorderPen(Qt::NoPen);
        plot->legend->setTextColor(textColor(palette));
        plot->legend->setFont(tickFont);
    }
}

QString formatValue(double value) {
    if (std::isnan(value)) return QStringLiteral("–");
    const double a = std::fabs(value);
    if (a >= 1000) return theme::formatCount(value);
    if (a == 0) return QStringLiteral("0");
    const int decimals = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
    QString s = QString::number(value, 'f', decimals);
    if (s.contains('.')) {
        while (s.endsWith('0')) s.chop(1);
        if (s.endsWith('.')) s.chop(1);
    }
    return s;
}

QString formatTime(double seconds, bool withDate) {
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(qint64(std::llround(seconds * 1000)));
    return t.toString(withDate ? QStringLiteral("yyyy-MM-dd HH:mm:ss")
                               : QStringLiteral("HH:mm:ss"));
}

QString numberText(double v) {
    return std::isnan(v) ? QString() : QString::number(v, 'g', QLocale::FloatingPointShortest);
}

QString isoUtc(TimeUs us) {
    const qint64 ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc())
        .toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss.zzz'Z'"));
}

QString csvField(const QString& text) {
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
        !text.contains(QLatin1Char('\n')) && !text.contains(QLatin1Char('\r')))
        return text;
    QString quoted = text;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

void TimeTicker::generate(const QCPRange& range, const QLocale& locale, QChar formatChar,
                          int precision, QVector<double>& ticks, QVector<double>* subTicks,
                          QVector<QString>* tickLabels) {
    m_span = range.size();
    QCPAxisTickerDateTime::generate(range, locale, formatChar, precision, ticks, subTicks,
                                    tickLabels);
}

QString TimeTicker::getTickLabel(double tick, const QLocale&, QChar, int) {
    const double span = m_span;
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(qint64(std::llround(tick * 1000)));
    if (span >= 86400 * 2) return t.toString(QStringLiteral("MMM d"));
    if (span >= 86400) return t.toString(QStringLiteral("MMM d HH:mm"));
    return t.toString(QStringLiteral("HH:mm:ss"));
}

QString ValueTicker::getTickLabel(double tick, const QLocale&, QChar, int) {
    return formatTick(tick);
}

QString formatTick(double value) {
    QString s = formatValue(std::fabs(value) < 1e-12 ? 0 : value);
    // "2.00 K" -> "2 K", "2.50 K" -> "2.5 K": a tick is a round number.
    const int space = s.indexOf(QLatin1Char(' '));
    QString number = space < 0 ? s : s.left(space);
    if (number.contains(QLatin1Char('.'))) {
        while (number.endsWith(QLatin1Char('0'))) number.chop(1);
        if (number.endsWith(QLatin1Char('.'))) number.chop(1);
    }
    return space < 0 ? number : number + s.mid(space);
}

void fitTickCount(QCPAxis* axis) {
    if (!axis || !axis->visible() || axis->orientation() != Qt::Horizontal || !axis->ticker())
        return;
    const int width = axis->axisRect()->width();
    if (width <= 0) return;
    const QFontMetrics fm(axis->tickLabelFont());
    int label = 0;
    if (dynamic_cast<TimeTicker*>(axis->ticker().data())) {
        label = fm.horizontalAdvance(axis->range().size() >= 86400 ? QStringLiteral("Dec 30 00:00")
                                                                   : QStringLiteral("00:00:00"));
    } else {
        const QCPRange r = axis->range();
        for (double v : {r.lower, r.upper, r.lower + r.size() / 3, r.lower + r.size() * 2 / 3})
            label = std::max(label, fm.horizontalAdvance(formatTick(v)));
    }
    // A gap of two characters between labels, and room for the nice step to add a tick or two.
    const int slot = label + 2 * fm.averageCharWidth() + 8;
    axis->ticker()->setTickCount(std::clamp(int(width / (slot * 1.4)), 1, 8));
}

}  // namespace riffle::chart
