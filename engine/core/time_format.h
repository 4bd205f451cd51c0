#pragma once
// Event-time parsing and formatting (the formats of a source's `time_format`) and duration strings
// ("500ms", "10s").
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/types.h"

namespace riffle {

enum class TimeFormat { Auto, Iso8601, EpochS, EpochMs, EpochUs };
std::optional<TimeFormat> timeFormatFromName(std::string_view name);  // "auto", "iso8601", ...

// ISO-8601 / RFC 3339 ("2026-11-24T10:00:00.123Z", "2026-11-24 10:00:00", offsets "+02:00",
// a date alone). UTC is assumed without an offset.
std::optional<TimeUs> parseIso8601(std::string_view text);
// Parses text in the given format. Auto: an integer or decimal number is taken as epoch seconds,
// milliseconds or microseconds by its magnitude; anything else as ISO-8601.
std::optional<TimeUs> parseTime(std::string_view text, TimeFormat format);
// A number (from JSON) in the given format; Auto guesses the unit by magnitude.
std::optional<TimeUs> timeFromNumber(double number, TimeFormat format);

// "2026-11-24T10:00:00.000Z" (UTC, milliseconds): how times are written to CSV and JSON Lines.
std::string formatIso8601Ms(TimeUs t);

// Days since 1970-01-01 for a civil date, and back (proleptic Gregorian).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d);
void civilFromDays(int64_t days, int64_t& y, unsigned& m, unsigned& d);

// "500ms", "10s", "5m", "1h", "2d", "250us", also combined "1m30s". Returns microseconds.
std::optional<int64_t> parseDuration(std::string_view text);
// The shortest exact form: 10000000 -> "10s", 1500000 -> "1500ms".
std::string formatDuration(int64_t us);

}  // namespace riffle
