#pragma once
// JSON Lines rows: one JSON object per line, keys are field names, JSON null is
// NULL, numbers and booleans are JSON numbers and booleans, times are ISO-8601 strings.
// Pure functions, thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/batch.h"
#include "engine/core/time_format.h"
#include "engine/graph/params.h"
#include "nodes/common/file_values.h"

namespace riffle {

// Reads the fields `first..schema.size()-1` of `schema` from the JSON object `object` into
// `cells` (resized to schema.size(); cells before `first` are left NULL). A missing key or JSON
// null gives NULL, unknown keys are ignored. Accepted per type: bool - true/false; int - an
// integral number in range; float - any number; string - a string, or any other value as its
// compact JSON text; time - a string or number read with `timeFormat`. String cells point into
// `object` or into `storage`, which must outlive them.
// Returns an empty string, or the reason naming the field: "field `latency_ms`: expected int,
// got \"slow\"".
std::string jsonObjectToCells(const Json& object, const Schema& schema, size_t first,
                              TimeFormat timeFormat, std::vector<Cell>& cells,
                              std::vector<std::string>& storage);

// An event time from a JSON value (a string, or a number in `format`); nullopt if it is neither.
std::optional<TimeUs> jsonToTime(const Json& value, TimeFormat format);

// The type a JSON value suggests for inference: Null for null, bool, int, float, time for an
// ISO-8601 string, string for other strings, objects and arrays.
Type classifyJson(const Json& value);

// Appends `text` as a JSON string literal (quotes, backslashes and control characters escaped,
// other bytes as they are).
void appendJsonString(std::string& out, std::string_view text);
// Row `row` of `batch` as one JSON object with keys in schema order, then "\n". NULL, NaN and
// infinities are written as null, times as ISO-8601 strings with milliseconds.
void appendJsonRow(std::string& out, const Batch& batch, size_t row);

}  // namespace riffle
