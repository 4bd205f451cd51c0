#include "nodes/common/line_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace riffle {

Result<std::unique_ptr<FileInput>> FileInput::open(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
        return Result<std::unique_ptr<FileInput>>::error("cannot open `" + path +
                                                         "`: " + std::strerror(errno));
    return std::unique_ptr<FileInput>(new FileInput(f, path));
}

FileInput::~FileInput() {
    if (m_file) std::fclose(m_file);
}

size_t FileInput::read(char* buf, size_t n) {
    const size_t got = std::fread(buf, 1, n, m_file);
    if (got == 0 && std::ferror(m_file) && m_error.empty())
        m_error = "cannot read `" + m_path + "`: " + std::strerror(errno);
    return got;
}

Status FileInput::rewind() {
    std::clearerr(m_file);
    if (std::fseek(m_file, 0, SEEK_SET) != 0)
        return Status::error("cannot rewind `" + m_path + "`: " + std::strerror(errno));
    return Status::ok();
}

size_t StringInput::read(char* buf, size_t n) {
    const size_t k = std::min({n, m_maxPiece, m_data.size() - m_pos});
    std::memcpy(buf, m_data.data() + m_pos, k);
    m_pos += k;
    return k;
}

std::string formatByteSize(size_t bytes) {
    constexpr size_t kKiB = 1024, kMiB = 1024 * 1024, kGiB = kMiB * 1024;
    if (bytes >= kGiB && bytes % kGiB == 0) return std::to_string(bytes / kGiB) + " GiB";
    if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
    if (bytes >= kKiB && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + " KiB";
    return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

LineReader::LineReader(std::unique_ptr<ByteInput> input, size_t maxLineBytes)
    : m_input(std::move(input)), m_maxLineBytes(std::max<size_t>(maxLineBytes, 1)) {}

bool LineReader::fill() {
    if (m_eof) return false;
    if (m_begin > 0) {
        // Move the unconsumed tail to the front before reading more.
        std::memmove(m_buf.data(), m_buf.data() + m_begin, m_end - m_begin);
        m_end -= m_begin;
        m_begin = 0;
    }
    if (m_buf.size() < m_end + kChunkBytes) m_buf.resize(m_end + kChunkBytes);
    const size_t got = m_input->read(m_buf.data() + m_end, kChunkBytes);
    if (got == 0) {
        m_eof = true;
        return false;
    }
    m_end += got;
    return true;
}

LineReader::Line LineReader::next() {
    Line line = nextRaw();
    // A UTF-8 byte order mark at the start of the file is not part of the first line.
    if (line.number == 1 && line.kind != Kind::End && line.text.substr(0, 3) == "\xEF\xBB\xBF")
        line.text.remove_prefix(3);
    return line;
}

LineReader::Line LineReader::nextRaw() {
    size_t scanFrom = m_begin;
    for (;;) {
        const char* base = m_buf.data();
        const void* nl =
            scanFrom < m_end ? std::memchr(base + scanFrom, '\n', m_end - scanFrom) : nullptr;
        // Length of the line so far, without a "\r" that may belong to "\r\n".
        if (nl) {
            const size_t pos = static_cast<const char*>(nl) - base;
            size_t len = pos - m_begin;
            const size_t start = m_begin;
            m_begin = pos + 1;
            ++m_line;
            if (len > 0 && base[start + len - 1] == '\r') --len;
            if (len > m_maxLineBytes) {
                m_head.assign(base + start, std::min(len, kHeadBytes));
                return {Kind::TooLong, m_head, m_line};
            }
            return {Kind::Line, std::string_view(base + start, len), m_line};
        }
        // +1 leaves room for the "\r" of a "\r\n" that a line of exactly the limit ends with.
        if (m_end - m_begin > m_maxLineBytes + 1) {
            // Too long: keep the head for the report, then drop chunks until the newline.
            m_head.assign(base + m_begin, std::min(kHeadBytes, m_end - m_begin));
            ++m_line;
            const int64_t number = m_line;
            m_begin = m_end;
            for (;;) {
                if (!fill()) return {Kind::TooLong, m_head, number};
                const void* p = std::memchr(m_buf.data() + m_begin, '\n', m_end - m_begin);
                if (p) {
                    m_begin = static_cast<size_t>(static_cast<const char*>(p) - m_buf.data()) + 1;
                    return {Kind::TooLong, m_head, number};
                }
                m_begin = m_end;
            }
        }
        const size_t scanned = m_end - m_begin;
        if (!fill()) {
            if (m_begin == m_end) return {Kind::End, {}, m_line};
            // The last line has no newline.
            size_t len = m_end - m_begin;
            const size_t start = m_begin;
            m_begin = m_end;
            ++m_line;
            if (len > 0 && m_buf[start + len - 1] == '\r') --len;
            if (len > m_maxLineBytes) {
                m_head.assign(m_buf.data() + start, std::min(len, kHeadBytes));
                return {Kind::TooLong, m_head, m_line};
            }
            return {Kind::Line, std::string_view(m_buf.data() + start, len), m_line};
        }
        scanFrom = m_begin + scanned;  // fill() moved the tail to the front
    }
}

Status LineReader::rewind() {
    Status s = m_input->rewind();
    m_begin = m_end = 0;
    m_eof = false;
    m_line = 0;
    return s;
}

}  // namespace riffle
