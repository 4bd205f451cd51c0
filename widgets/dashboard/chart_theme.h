#pragma once
// The one chart theme of the dashboard (docs/dashboard.md): palette background, light grid,
// readable axis labels, a colour-blind-safe series palette (Tableau 10) with stable colours per
// key, time axis as HH:mm:ss (dates when the range spans days), numbers as 1.2 K / 3.4 M.
//
// Threading: GUI thread only.
#include <qcustomplot.h>
#include <QColor>
#include <QHash>
#include <QPalette>
#include <QString>
#include <QStringList>

#include "engine/core/types.h"

namespace riffle::chart {

constexpr int kSeriesColorCount = 10;
QColor seriesColor(int slot);
// Colours for a set of keys: each key takes the slot its name hashes to, or the next free one
// when an earlier key (in name order) took it. Depends on the set of keys only, never on the
// order they arrived in, so a key keeps its colour across runs.
QHash<QString, QColor> assignColors(QStringList keys);

// Axis rect, grid, axes, legend and background from the palette.
void applyTheme(QCustomPlot* plot, const QPalette& palette);
QColor textColor(const QPalette& palette);
QColor mutedTextColor(const QPalette& palette);
QColor gridColor(const QPalette& palette);
QColor backgroundColor(const QPalette& palette);

// 0.25, 12.5, 480, 1.2 K, 3.4 M.
QString formatValue(double value);
// Seconds since the epoch -> "10:00:01" (local time), or with the date.
QString formatTime(double seconds, bool withDate = false);
// 2026-11-24T10:00:00.000Z
QString isoUtc(TimeUs us);
// A value as exported and shown exactly: shortest round-trip digits, empty for NULL (NaN).
QString numberText(double v);
// RFC 4180 field: quoted when it holds a comma, quote, CR or LF.
QString csvField(const QString& text);

// HH:mm:ss ticks, with dates when the visible range spans days.
class TimeTicker : public QCPAxisTickerDateTime {
public:
    void generate(const QCPRange& range, const QLocale& locale, QChar formatChar, int precision,
                  QVector<double>& ticks, QVector<double>* subTicks,
                  QVector<QString>* tickLabels) override;

protected:
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar,
                         int precision) override;
    int getSubTickCount(double) override { return 0; }

private:
    double m_span = 0;
};

// Value ticks as formatValue writes them, without trailing zeros ("2 K", "2.5 K").
QString formatTick(double value);

// As many ticks on a horizontal axis as its labels need to stand apart at its current width
// (a narrow panel gets fewer; QCustomPlot's tick count is a wish it rounds to a nice step).
void fitTickCount(QCPAxis* axis);

// Value ticks as formatTick writes them.
class ValueTicker : public QCPAxisTicker {
protected:
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar,
                         int precision) override;
    int getSubTickCount(double) override { return 0; }
};

}  // namespace riffle::chart
