#pragma once
// The keys of the chart options that the dashboard's panels read, named once: the chart specs
// (sink_chart.cpp) declare their options under these keys and the panels read them by these
// names, so a renamed option cannot leave a panel reading a key no spec declares.
namespace riffle::chart_option {

// Every chart with a value axis.
inline constexpr const char* kUnit = "unit";   // text after the value's name
inline constexpr const char* kYMin = "y_min";  // fixed low end of the value axis
inline constexpr const char* kYMax = "y_max";  // fixed high end of the value axis
// Time series.
inline constexpr const char* kStyle = "style";           // "lines" or "areas"
inline constexpr const char* kStacked = "stacked";       // series drawn on each other
inline constexpr const char* kMaxSeries = "max_series";  // series drawn at most
// Bar chart.
inline constexpr const char* kTopN = "top_n";  // categories shown
// Gauge.
inline constexpr const char* kWarnAt = "warn_at";    // amber from here
inline constexpr const char* kAlertAt = "alert_at";  // red from here
// Histogram.
inline constexpr const char* kBins = "bins";  // number of bins

}  // namespace riffle::chart_option
