#pragma once
// What the file nodes share: the format of a file, the `schema` parameter, the CSV header, and
// schema inference from the first rows of a file (done when a project is planned, so the editor
// can show a file source's fields before the first run). Pure functions, thread-safe.
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/types.h"
#include "nodes/common/csv.h"

namespace riffle {

enum class FileFormat { Csv, Jsonl };

// The `format` parameter ("auto", "csv", "jsonl"); "auto" goes by the extension of `path`
// (.csv; .jsonl, .ndjson, .json).
Result<FileFormat> resolveFileFormat(const std::string& param, const std::string& path);

// The `schema` parameter: entries "name type" with Riffle's type names, e.g. "latency_ms int".
Result<std::vector<Field>> parseSchemaList(const std::vector<std::string>& entries);

// Reads the header row of a CSV file: names in file order. An empty name becomes `column_N`;
// a name that appears twice is an error.
Result<std::vector<std::string>> readCsvHeader(CsvReader& reader, const std::string& path);

// Rows read when a schema is inferred.
inline constexpr size_t kInferenceRows = 100;
// The fields of a file from its first `maxRows` rows, in file order (CSV: header order; JSON
// Lines: the order in which keys first appear). Each field gets the type its values read as
// (classifyText / classifyJson), widened with widenType(); a field with no value but NULL is a
// string. Malformed rows are passed over here; the source reports them when it runs.
Result<std::vector<Field>> inferFileSchema(const std::string& path, FileFormat format,
                                           size_t maxLineBytes, size_t maxRows = kInferenceRows);

}  // namespace riffle
