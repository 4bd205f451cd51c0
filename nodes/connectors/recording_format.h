#pragma once
// The `*.riffle-rec` file layout, shared by sink.recording (writes) and source.recording (reads).
//
// A recording is an SQLite database with two tables:
//   meta(key TEXT PRIMARY KEY, value TEXT)  format = "riffle-recording", version = "1",
//                                            created = ISO-8601 UTC, schema = JSON array of
//                                            {"name", "type"} (`_time` first)
//   events(id INTEGER PRIMARY KEY, first_time INTEGER, last_time INTEGER, rows INTEGER, data BLOB)
// One `events` row holds one batch as the engine delivered it (so a replay has the same batching
// as the original run), encoded column by column in a compact binary form (encodeBatch): per row
// SQLite costs far more than per batch, and a columnar blob decodes with a few memcpy calls, which
// is what lets a replay run at millions of events per second. first_time / last_time are the
// event times of the batch's first and last rows (the replay paces by last_time).
//
// Blob layout (little-endian, as every platform Riffle builds for):
//   u32 rows, u32 columns, then per column: u8 type, u8 allValid, [rows validity bytes unless
//   allValid], then the values: 8 bytes per row for bool/int/time/float (NULL slots hold 0);
//   for strings u32 length per row, then the bytes of every string one after another.
//
// Threading: free functions without shared state; a RecordingWriter / RecordingReader belongs to
// one operator and is used by one thread at a time.
#include <sqlite3.h>

#include <string>
#include <string_view>
#include <vector>

#include "engine/core/batch.h"
#include "engine/core/status.h"

namespace riffle {

inline constexpr std::string_view kRecordingExtension = ".riffle-rec";
inline constexpr std::string_view kRecordingFormat = "riffle-recording";
inline constexpr int kRecordingVersion = 1;
// The node type that writes a recording (the studio's Record… actions add one).
inline constexpr std::string_view kRecordingSinkType = "sink.recording";

bool hasRecordingExtension(std::string_view path);

// Appends the binary encoding of `batch` to `out`.
void encodeBatch(const Batch& batch, std::string& out);
// Decodes a blob written by encodeBatch into `batch` (already reset to `schema`, which must match
// the recorded column types); "" or why the blob is unreadable.
std::string decodeBatch(std::string_view blob, Batch& batch);

// "[{"name":"_time","type":"time"}, ...]" and back.
std::string schemaToJson(const Schema& schema);
Result<Schema> schemaFromJson(std::string_view json);

// Reads the meta table of a recording; the message says what is wrong with the file in words a
// user understands (missing, not a recording, a newer version).
Result<Schema> readRecordingSchema(const std::string& path);

// Writes chunks into a new recording file.
class RecordingWriter {
public:
    RecordingWriter() = default;
    ~RecordingWriter() { close(); }
    RecordingWriter(const RecordingWriter&) = delete;
    RecordingWriter& operator=(const RecordingWriter&) = delete;

    // Creates the file (replacing an existing one when `overwrite`), its tables and meta rows.
    Status create(const std::string& path, const Schema& schema, bool overwrite);
    // Queues one batch (encoded now, so the caller may reuse the batch).
    void add(const Batch& batch);
    size_t pendingBytes() const { return m_pendingBytes; }
    size_t pendingChunks() const { return m_pending.size(); }
    // Opens a recording this sink wrote before, for a run that continues from a checkpoint:
    // the chunks after `keptChunk` (written after the checkpoint) are deleted, and add() goes
    // on after it.
    Status reopen(const std::string& path, int64_t keptChunk);
    // Writes every queued chunk in one transaction; "" or SQLite's reason.
    std::string flush();
    // Makes what flush() wrote durable (the WAL checkpointed into the file) and returns the
    // newest chunk's id, for a checkpoint; -1 and `why` when SQLite failed.
    int64_t sync(std::string& why);
    void close();

private:
    struct Chunk {
        int64_t firstTime = 0, lastTime = 0, rows = 0;
        std::string data;
    };
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_insert = nullptr;
    std::vector<Chunk> m_pending;
    size_t m_pendingBytes = 0;
};

// Reads the chunks of a recording in order.
class RecordingReader {
public:
    RecordingReader() = default;
    ~RecordingReader() { close(); }
    RecordingReader(const RecordingReader&) = delete;
    RecordingReader& operator=(const RecordingReader&) = delete;

    // Opens the file read-only and checks that it is a recording; returns its schema.
    Result<Schema> open(const std::string& path);
    // Steps to the next chunk: 1 = a chunk is current, 0 = end, -1 = error (error()).
    int next();
    int64_t firstTime() const;
    int64_t lastTime() const;
    int64_t rows() const;
    std::string_view data() const;
    // Back to the first chunk.
    void rewind();
    std::string error() const;
    void close();

private:
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_select = nullptr;
};

}  // namespace riffle
