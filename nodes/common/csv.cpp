#include "nodes/common/csv.h"

#include <algorithm>

#include "nodes/common/file_values.h"

namespace riffle {

CsvReader::CsvReader(std::unique_ptr<ByteInput> input, size_t maxLineBytes)
    : m_lines(std::move(input), maxLineBytes), m_maxRecordBytes(maxLineBytes) {}

Status CsvReader::rewind() {
    return m_lines.rewind();
}

CsvReader::Kind CsvReader::fail(std::string message) {
    m_error = "line " + std::to_string(m_recordLine) + ": " + std::move(message);
    m_fields.clear();
    return Kind::Error;
}

void CsvReader::endField(bool quoted) {
    m_spans.push_back({m_fieldStart, m_data.size() - m_fieldStart, quoted});
    m_fieldStart = m_data.size();
}

CsvReader::Kind CsvReader::next() {
    enum class State { FieldStart, Unquoted, Quoted, QuoteSeen };
    m_data.clear();
    m_spans.clear();
    m_fields.clear();
    m_rawCopy.clear();
    m_error.clear();
    m_fieldStart = 0;

    LineReader::Line line;
    do {
        line = m_lines.next();
    } while (line.kind == LineReader::Kind::Line && line.text.empty());  // blank lines
    m_recordLine = line.number;
    m_raw = line.text;
    if (line.kind == LineReader::Kind::End) return Kind::End;
    if (line.kind == LineReader::Kind::TooLong) {
        m_error = "line " + std::to_string(line.number) + " is longer than " +
                  formatByteSize(m_lines.maxLineBytes());
        return Kind::Error;
    }

    State state = State::FieldStart;
    bool multiLine = false;
    for (;;) {
        for (size_t i = 0; i < line.text.size(); ++i) {
            const char c = line.text[i];
            switch (state) {
                case State::FieldStart:
                    if (c == '"')
                        state = State::Quoted;
                    else if (c == ',')
                        endField(false);
                    else {
                        m_data += c;
                        state = State::Unquoted;
                    }
                    break;
                case State::Unquoted:
                    if (c == ',') {
                        endField(false);
                        state = State::FieldStart;
                    } else if (c == '"') {
                        return fail("bad quote: a quote inside unquoted field " +
                                    std::to_string(m_spans.size() + 1) +
                                    " (quote the whole field and write \"\" for a quote)");
                    } else {
                        // Copy the run up to the next delimiter at once.
                        size_t j = i;
                        while (j < line.text.size() && line.text[j] != ',' && line.text[j] != '"')
                            ++j;
                        m_data.append(line.text.data() + i, j - i);
                        i = j - 1;
                    }
                    break;
                case State::Quoted:
                    if (c == '"') {
                        state = State::QuoteSeen;
                    } else {
                        size_t j = i;
                        while (j < line.text.size() && line.text[j] != '"') ++j;
                        m_data.append(line.text.data() + i, j - i);
                        i = j - 1;
                    }
                    break;
                case State::QuoteSeen:
                    if (c == '"') {
                        m_data += '"';
                        state = State::Quoted;
                    } else if (c == ',') {
                        endField(true);
                        state = State::FieldStart;
                    } else {
                        return fail("bad quote: text after the closing quote of field " +
                                    std::to_string(m_spans.size() + 1));
                    }
                    break;
            }
        }
        if (m_data.size() > m_maxRecordBytes)
            return fail("record is longer than " + formatByteSize(m_maxRecordBytes));
        if (state != State::Quoted) break;
        // A line break inside a quoted field: the record goes on on the next line.
        m_data += '\n';
        if (!multiLine) {
            m_rawCopy.assign(m_raw.substr(0, LineReader::kHeadBytes));
            multiLine = true;
        }
        line = m_lines.next();
        if (line.kind == LineReader::Kind::End)
            return fail("bad quote: quoted field " + std::to_string(m_spans.size() + 1) +
                        " is not closed before the end of the file");
        if (line.kind == LineReader::Kind::TooLong)
            return fail("quoted field " + std::to_string(m_spans.size() + 1) + " runs into line " +
                        std::to_string(line.number) + ", which is longer than " +
                        formatByteSize(m_lines.maxLineBytes()));
        if (m_rawCopy.size() < LineReader::kHeadBytes) {
            m_rawCopy += '\n';
            m_rawCopy.append(line.text.substr(
                0, LineReader::kHeadBytes - std::min(m_rawCopy.size(), LineReader::kHeadBytes)));
        }
        m_raw = m_rawCopy;
    }
    endField(state == State::QuoteSeen);

    if (m_expectedFields != 0 && m_spans.size() != m_expectedFields)
        return fail("expected " + std::to_string(m_expectedFields) + " fields, got " +
                    std::to_string(m_spans.size()));
    m_fields.reserve(m_spans.size());
    for (const Span& s : m_spans)
        m_fields.push_back({std::string_view(m_data).substr(s.start, s.size), s.quoted});
    return Kind::Record;
}

void appendCsvField(std::string& out, std::string_view text) {
    const bool quote = text.empty() || text.find_first_of(",\"\r\n") != std::string_view::npos;
    if (!quote) {
        out += text;
        return;
    }
    out += '"';
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

void appendCsvHeader(std::string& out, const Schema& schema) {
    for (size_t i = 0; i < schema.size(); ++i) {
        if (i) out += ',';
        appendCsvField(out, schema.field(i).name);
    }
    out += '\n';
}

void appendCsvRow(std::string& out, const Batch& batch, size_t row) {
    for (size_t c = 0; c < batch.columnCount(); ++c) {
        if (c) out += ',';
        const Column& col = batch.column(c);
        if (col.isNull(row)) continue;
        if (col.type() == Type::String)
            appendCsvField(out, col.strings()[row]);
        else
            appendCellText(out, col, row);
    }
    out += '\n';
}

}  // namespace riffle
