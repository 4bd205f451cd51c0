#pragma once
// CSV as RFC 4180 describes it, read incrementally and written with minimal quoting.
//
// Reading: fields are separated by commas; a field may be quoted with '"', and then holds commas,
// line breaks and quotes written as "". Records end with "\n" or "\r\n" (a line break inside a
// quoted field is kept as "\n"). An empty unquoted field is NULL, an empty quoted field ("") is
// the empty string. Blank lines are skipped. A malformed record (a quote inside an unquoted
// field, text after a closing quote, a quoted field still open at the end of the file, a wrong
// number of fields, an over-long line) is reported as an Error naming its line, and reading goes
// on with the next line.
//
// Writing: a field is quoted only when it has to be (it holds a comma, quote or line break, or
// it is an empty string, which must differ from NULL); records end with "\n".
//
// Threading: a CsvReader belongs to one caller at a time.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/batch.h"
#include "nodes/common/line_reader.h"

namespace riffle {

struct CsvField {
    std::string_view text;  // unquoted content
    bool quoted = false;
    bool isNull() const { return !quoted && text.empty(); }
};

class CsvReader {
public:
    enum class Kind { Record, Error, End };

    // `maxLineBytes` bounds each physical line and each whole record.
    CsvReader(std::unique_ptr<ByteInput> input, size_t maxLineBytes);

    // Reads the next record. After Record, fields() holds it; after Error, error() says why.
    // Either way line() and raw() describe it. Views stay valid until the next call.
    Kind next();
    const std::vector<CsvField>& fields() const { return m_fields; }
    // Line on which the record starts (1-based).
    int64_t line() const { return m_recordLine; }
    // The record as written in the file (line breaks as "\n"), at most LineReader::kHeadBytes.
    std::string_view raw() const { return m_raw; }
    // "line 5: expected 3 fields, got 4".
    const std::string& error() const { return m_error; }

    // When non-zero, a record with another number of fields is an Error.
    void setExpectedFields(size_t n) { m_expectedFields = n; }
    Status rewind();
    const std::string& inputError() const { return m_lines.inputError(); }

private:
    Kind fail(std::string message);
    void endField(bool quoted);
    LineReader m_lines;
    size_t m_maxRecordBytes;
    size_t m_expectedFields = 0;
    std::string m_data;  // field contents, back to back
    struct Span {
        size_t start, size;
        bool quoted;
    };
    std::vector<Span> m_spans;
    size_t m_fieldStart = 0;
    std::vector<CsvField> m_fields;
    std::string_view m_raw;
    std::string m_rawCopy;
    std::string m_error;
    int64_t m_recordLine = 0;
};

// Appends one field, quoted if it has to be. Empty text is written as "" (an empty string).
void appendCsvField(std::string& out, std::string_view text);
// The header row: field names, then "\n".
void appendCsvHeader(std::string& out, const Schema& schema);
// Row `row` of `batch`: NULL as an empty field, other cells as appendCellText() writes them.
void appendCsvRow(std::string& out, const Batch& batch, size_t row);

}  // namespace riffle
