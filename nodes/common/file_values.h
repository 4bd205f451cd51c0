#pragma once
// How values are written as text in files and read back (times as ISO-8601 UTC with milliseconds;
// in CSV an empty unquoted field is NULL), and type inference from sample values. Shared by the
// CSV and JSON Lines code. Pure functions, thread-safe.
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/batch.h"
#include "engine/core/time_format.h"
#include "engine/core/types.h"

namespace riffle {

// The shortest text that reads back to the same double; an integral value keeps a ".0" so that
// it reads back as a float ("2.0", "0.1", "1e+300"). NaN and infinities: "NaN", "Infinity",
// "-Infinity".
std::string formatFloat(double v);

// Appends the text form of a non-NULL cell: "true"/"false", integers, formatFloat(), raw string
// bytes, times as formatIso8601Ms().
void appendCellText(std::string& out, const Column& column, size_t row);

// One parsed cell, before it is appended to a batch (so that a row that fails half-way leaves
// the batch untouched). `s` points into the caller's text.
struct Cell {
    bool null = true;
    int64_t i = 0;
    double f = 0;
    std::string_view s;
};

// Parses `text` as a value of `type`: bool ("true"/"false"/"1"/"0", any case), int (64-bit,
// optional sign), float (decimal or exponent form, "NaN", "Infinity"), string (as is), time
// (parseTime with `timeFormat`). False when the text does not fit the type.
bool parseCell(std::string_view text, Type type, TimeFormat timeFormat, Cell& out);
// Appends a parsed cell to column `col` of `batch` (strings are copied into its arena).
void appendCell(Batch& batch, size_t col, const Cell& cell);

// The narrowest type that `text` reads as: bool, int, float, time (ISO-8601 date or date-time),
// else string.
Type classifyText(std::string_view text);
// Combines two observed types of one column: Null (nothing seen yet) is neutral, equal types
// stay, int and float give float, any other mix gives string.
Type widenType(Type a, Type b);

}  // namespace riffle
