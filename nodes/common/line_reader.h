#pragma once
// Chunked, bounded-memory reading of text files line by line (for CSV and JSON Lines).
//
// ByteInput abstracts where bytes come from (a file, or a string in tests). LineReader reads it
// in chunks of kChunkBytes and hands out one physical line at a time, with its 1-based number.
// A line longer than the limit is reported once as TooLong with its first bytes and then skipped
// chunk by chunk up to its newline: memory stays bounded by the limit plus one chunk, however
// long the line is, and the next line is read normally.
//
// Threading: an instance belongs to one caller at a time (it may move between threads).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"

namespace riffle {

class ByteInput {
public:
    virtual ~ByteInput() = default;
    // Reads up to `n` bytes into `buf`; 0 means end of input (or a failure, see error()).
    virtual size_t read(char* buf, size_t n) = 0;
    // Starts again from the first byte (for `loop`).
    virtual Status rewind() = 0;
    // Non-empty after a read failure.
    virtual const std::string& error() const = 0;
};

// A file opened for binary reading, closed on destruction.
class FileInput : public ByteInput {
public:
    // `path` is kept for messages.
    static Result<std::unique_ptr<FileInput>> open(const std::string& path);
    ~FileInput() override;
    size_t read(char* buf, size_t n) override;
    Status rewind() override;
    const std::string& error() const override { return m_error; }

private:
    FileInput(std::FILE* f, std::string path) : m_file(f), m_path(std::move(path)) {}
    std::FILE* m_file;
    std::string m_path;
    std::string m_error;
};

// Bytes held in memory; read() hands them out in pieces of at most `maxPiece` bytes so that tests
// exercise records split across chunk boundaries.
class StringInput : public ByteInput {
public:
    explicit StringInput(std::string data, size_t maxPiece = SIZE_MAX)
        : m_data(std::move(data)), m_maxPiece(maxPiece) {}
    size_t read(char* buf, size_t n) override;
    Status rewind() override {
        m_pos = 0;
        return Status::ok();
    }
    const std::string& error() const override { return m_error; }

private:
    std::string m_data;
    size_t m_maxPiece;
    size_t m_pos = 0;
    std::string m_error;
};

// "1 MiB", "64 KiB", "1000 bytes": a byte count as limits are written in messages.
std::string formatByteSize(size_t bytes);

class LineReader {
public:
    static constexpr size_t kChunkBytes = 64 * 1024;
    // How much of a too-long line is kept for the error row.
    static constexpr size_t kHeadBytes = 1024;

    enum class Kind { Line, TooLong, End };
    struct Line {
        Kind kind = Kind::End;
        // Line: the text without its "\n" or "\r\n". TooLong: its first kHeadBytes bytes.
        // Valid until the next call of next().
        std::string_view text;
        int64_t number = 0;  // 1-based
    };

    LineReader(std::unique_ptr<ByteInput> input, size_t maxLineBytes);
    // The next line (a leading UTF-8 byte order mark removed); End at the end of input or after a
    // read failure (see inputError()).
    Line next();
    // Starts again at line 1.
    Status rewind();
    size_t maxLineBytes() const { return m_maxLineBytes; }
    const std::string& inputError() const { return m_input->error(); }

private:
    Line nextRaw();
    bool fill();  // reads one more chunk after m_end; false at end of input
    std::unique_ptr<ByteInput> m_input;
    size_t m_maxLineBytes;
    std::vector<char> m_buf;
    size_t m_begin = 0;  // start of unconsumed bytes
    size_t m_end = 0;    // end of valid bytes
    bool m_eof = false;
    int64_t m_line = 0;
    std::string m_head;
};

}  // namespace riffle
