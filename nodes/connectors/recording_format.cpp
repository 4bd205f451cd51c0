#include "nodes/connectors/recording_format.h"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/core/clock.h"
#include "engine/core/json_text.h"
#include "engine/core/time_format.h"

namespace riffle {

namespace {

template <typename T>
void put(std::string& out, T v) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &v, sizeof(T));
    out.append(bytes, sizeof(T));
}

// Reads the blob front to back; every read checks the remaining length, so a truncated or
// corrupt blob is reported instead of read past its end.
struct Cursor {
    std::string_view data;
    size_t pos = 0;
    bool take(size_t n, const char*& p) {
        if (data.size() - pos < n) return false;
        p = data.data() + pos;
        pos += n;
        return true;
    }
    template <typename T>
    bool get(T& v) {
        const char* p = nullptr;
        if (!take(sizeof(T), p)) return false;
        std::memcpy(&v, p, sizeof(T));
        return true;
    }
};

bool fixedWidth(Type t) {
    return t == Type::Bool || t == Type::Int || t == Type::Time || t == Type::Float;
}

std::string nowIso() {
    using namespace std::chrono;
    return formatIso8601Ms(wallClockUs());
}

std::string notARecording(const std::string& path) {
    return "`" + path +
           "` is not a Riffle recording (a .riffle-rec file written by sink.recording)";
}

}  // namespace

bool hasRecordingExtension(std::string_view path) {
    return path.size() > kRecordingExtension.size() &&
           path.substr(path.size() - kRecordingExtension.size()) == kRecordingExtension;
}

void encodeBatch(const Batch& batch, std::string& out) {
    const uint32_t rows = static_cast<uint32_t>(batch.rows());
    put<uint32_t>(out, rows);
    put<uint32_t>(out, static_cast<uint32_t>(batch.columnCount()));
    for (size_t c = 0; c < batch.columnCount(); ++c) {
        const Column& col = batch.column(c);
        const Type type = col.type();
        put<uint8_t>(out, static_cast<uint8_t>(type));
        const auto& valid = col.validity();
        bool allValid = true;
        for (uint32_t r = 0; r < rows; ++r)
            if (!valid[r]) {
                allValid = false;
                break;
            }
        put<uint8_t>(out, allValid ? 1 : 0);
        if (!allValid) out.append(reinterpret_cast<const char*>(valid.data()), rows);
        if (type == Type::Float) {
            out.append(reinterpret_cast<const char*>(col.floats().data()), rows * sizeof(double));
        } else if (fixedWidth(type)) {
            out.append(reinterpret_cast<const char*>(col.ints().data()), rows * sizeof(int64_t));
        } else if (type == Type::String) {
            const auto& strings = col.strings();
            const size_t lengthsAt = out.size();
            out.resize(lengthsAt + rows * sizeof(uint32_t));
            for (uint32_t r = 0; r < rows; ++r) {
                const uint32_t len = valid[r] ? static_cast<uint32_t>(strings[r].size()) : 0;
                std::memcpy(out.data() + lengthsAt + r * sizeof(uint32_t), &len, sizeof(len));
            }
            for (uint32_t r = 0; r < rows; ++r)
                if (valid[r] && !strings[r].empty())
                    out.append(strings[r].data(), strings[r].size());
        }
        // Type::Null columns hold nothing but their validity (every row NULL).
    }
}

std::string decodeBatch(std::string_view blob, Batch& batch) {
    Cursor in{blob};
    uint32_t rows = 0, columns = 0;
    if (!in.get(rows) || !in.get(columns)) return "a chunk is truncated";
    if (columns != batch.columnCount())
        return "a chunk has " + std::to_string(columns) + " columns, the schema " +
               std::to_string(batch.columnCount());
    // Every row takes at least 8 bytes (its `_time`): a larger count is a damaged chunk, refused
    // before anything is allocated for it.
    if (size_t(rows) * sizeof(int64_t) > blob.size()) return "a chunk is truncated";
    for (size_t c = 0; c < columns; ++c) {
        Column& col = batch.column(c);
        uint8_t type = 0, allValid = 0;
        if (!in.get(type) || !in.get(allValid)) return "a chunk is truncated";
        if (type != static_cast<uint8_t>(col.type()))
            return "a chunk's column " + std::to_string(c + 1) + " does not have the recorded type";
        const char* p = nullptr;
        auto& valid = col.validity();
        if (allValid) {
            valid.assign(rows, 1);
        } else {
            if (!in.take(rows, p)) return "a chunk is truncated";
            valid.assign(reinterpret_cast<const uint8_t*>(p),
                         reinterpret_cast<const uint8_t*>(p) + rows);
        }
        const Type t = col.type();
        if (t == Type::Float) {
            if (!in.take(size_t(rows) * sizeof(double), p)) return "a chunk is truncated";
            col.floats().resize(rows);
            if (rows) std::memcpy(col.floats().data(), p, size_t(rows) * sizeof(double));
        } else if (fixedWidth(t)) {
            if (!in.take(size_t(rows) * sizeof(int64_t), p)) return "a chunk is truncated";
            col.ints().resize(rows);
            if (rows) std::memcpy(col.ints().data(), p, size_t(rows) * sizeof(int64_t));
        } else if (t == Type::String) {
            const char* lengths = nullptr;
            if (!in.take(size_t(rows) * sizeof(uint32_t), lengths)) return "a chunk is truncated";
            size_t total = 0;
            for (uint32_t r = 0; r < rows; ++r) {
                uint32_t len = 0;
                std::memcpy(&len, lengths + r * sizeof(uint32_t), sizeof(len));
                total += len;
            }
            if (!in.take(total, p)) return "a chunk is truncated";
            // One copy of every string of the column into the batch's arena, then views into it.
            const std::string_view all = batch.storeString(std::string_view(p, total));
            auto& strings = col.strings();
            strings.resize(rows);
            size_t at = 0;
            for (uint32_t r = 0; r < rows; ++r) {
                uint32_t len = 0;
                std::memcpy(&len, lengths + r * sizeof(uint32_t), sizeof(len));
                strings[r] = len ? all.substr(at, len) : std::string_view();
                at += len;
            }
        }
    }
    if (in.pos != blob.size()) return "a chunk has trailing bytes";
    batch.setRows(rows);
    return {};
}

std::string schemaToJson(const Schema& schema) {
    nlohmann::json fields = nlohmann::json::array();
    for (const auto& f : schema.fields())
        fields.push_back({{"name", f.name}, {"type", std::string(typeName(f.type))}});
    return fields.dump();
}

Result<Schema> schemaFromJson(std::string_view text) {
    using R = Result<Schema>;
    nlohmann::json j;
    if (parseJsonInto(text, j) || !j.is_array() || j.empty())
        return R::error("its schema is unreadable");
    std::vector<Field> fields;
    for (const auto& f : j) {
        if (!f.is_object() || !f.contains("name") || !f.contains("type") ||
            !f["name"].is_string() || !f["type"].is_string())
            return R::error("its schema is unreadable");
        auto type = typeFromName(f["type"].get<std::string>());
        if (!type)
            return R::error("its schema names an unknown type `" + f["type"].get<std::string>() +
                            "`");
        fields.push_back({f["name"].get<std::string>(), *type});
    }
    if (fields[0].name != kTimeField || fields[0].type != Type::Time)
        return R::error("its schema does not start with `_time`");
    return Schema(std::move(fields));
}

Result<Schema> readRecordingSchema(const std::string& path) {
    RecordingReader reader;
    return reader.open(path);
}

// ---- writer ----

Status RecordingWriter::create(const std::string& path, const Schema& schema, bool overwrite) {
    close();
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
        if (!overwrite)
            return Status::error("`" + path +
                                 "` already exists; set `overwrite` to true to replace it");
        // The old recording and its WAL files go, so that no stale chunk survives.
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            std::filesystem::remove(path + suffix, ec);
        if (std::filesystem::exists(path, ec))
            return Status::error("cannot replace `" + path + "`");
    }
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    auto fail = [&](const std::string& what) {
        std::string message = what;
        if (m_db) message += std::string(": ") + sqlite3_errmsg(m_db);
        close();
        return Status::error(message);
    };
    if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK)
        return fail("cannot create `" + path + "`");
    sqlite3_busy_timeout(m_db, 5000);
    const std::string setup =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); "
        "CREATE TABLE events (id INTEGER PRIMARY KEY, first_time INTEGER NOT NULL, "
        "last_time INTEGER NOT NULL, rows INTEGER NOT NULL, data BLOB NOT NULL);";
    if (sqlite3_exec(m_db, setup.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
        return fail("cannot write `" + path + "`");
    sqlite3_stmt* meta = nullptr;
    if (sqlite3_prepare_v2(m_db, "INSERT INTO meta (key, value) VALUES (?, ?)", -1, &meta,
                           nullptr) != SQLITE_OK)
        return fail("cannot write `" + path + "`");
    const std::pair<std::string, std::string> rows[] = {
        {"format", std::string(kRecordingFormat)},
        {"version", std::to_string(kRecordingVersion)},
        {"created", nowIso()},
        {"schema", schemaToJson(schema)}};
    for (const auto& [k, v] : rows) {
        sqlite3_bind_text(meta, 1, k.data(), static_cast<int>(k.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(meta, 2, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        const int rc = sqlite3_step(meta);
        sqlite3_reset(meta);
        if (rc != SQLITE_DONE) {
            sqlite3_finalize(meta);
            return fail("cannot write `" + path + "`");
        }
    }
    sqlite3_finalize(meta);
    if (sqlite3_prepare_v3(
            m_db, "INSERT INTO events (first_time, last_time, rows, data) VALUES (?, ?, ?, ?)", -1,
            SQLITE_PREPARE_PERSISTENT, &m_insert, nullptr) != SQLITE_OK)
        return fail("cannot write `" + path + "`");
    return Status::ok();
}

Status RecordingWriter::reopen(const std::string& path, int64_t keptChunk) {
    close();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return Status::error("`" + path +
                             "` is gone, so the recording cannot go on from the checkpoint "
                             "(riffle-run --from-scratch starts afresh)");
    auto fail = [&](const std::string& what) {
        std::string message = what;
        if (m_db) message += std::string(": ") + sqlite3_errmsg(m_db);
        close();
        return Status::error(message);
    };
    if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
        return fail("cannot open `" + path + "`");
    sqlite3_busy_timeout(m_db, 5000);
    const std::string sql =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "DELETE FROM events WHERE id > " +
        std::to_string(keptChunk) + ";";
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
        return fail("cannot take `" + path + "` back to the checkpoint");
    if (sqlite3_prepare_v3(
            m_db, "INSERT INTO events (first_time, last_time, rows, data) VALUES (?, ?, ?, ?)", -1,
            SQLITE_PREPARE_PERSISTENT, &m_insert, nullptr) != SQLITE_OK)
        return fail("cannot write `" + path + "`");
    return Status::ok();
}

int64_t RecordingWriter::sync(std::string& why) {
    if (!m_db) return 0;
    sqlite3_stmt* st = nullptr;
    int64_t id = -1;
    if (sqlite3_exec(m_db, "PRAGMA wal_checkpoint(FULL)", nullptr, nullptr, nullptr) == SQLITE_OK &&
        sqlite3_prepare_v2(m_db, "SELECT COALESCE(MAX(id), 0) FROM events", -1, &st, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    else
        why = sqlite3_errmsg(m_db);
    sqlite3_finalize(st);
    return id;
}

void RecordingWriter::add(const Batch& batch) {
    if (batch.empty()) return;
    Chunk chunk;
    chunk.firstTime = batch.times().front();
    chunk.lastTime = batch.times().back();
    chunk.rows = static_cast<int64_t>(batch.rows());
    encodeBatch(batch, chunk.data);
    m_pendingBytes += chunk.data.size();
    m_pending.push_back(std::move(chunk));
}

std::string RecordingWriter::flush() {
    if (!m_db || m_pending.empty()) return {};
    std::string why;
    if (sqlite3_exec(m_db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
        return sqlite3_errmsg(m_db);
    for (const Chunk& c : m_pending) {
        sqlite3_bind_int64(m_insert, 1, c.firstTime);
        sqlite3_bind_int64(m_insert, 2, c.lastTime);
        sqlite3_bind_int64(m_insert, 3, c.rows);
        sqlite3_bind_blob64(m_insert, 4, c.data.data(), c.data.size(), SQLITE_STATIC);
        const int rc = sqlite3_step(m_insert);
        sqlite3_reset(m_insert);
        if (rc != SQLITE_DONE) {
            why = sqlite3_errmsg(m_db);
            break;
        }
    }
    sqlite3_clear_bindings(m_insert);
    if (!why.empty()) {
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
        return why;
    }
    if (sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
        why = sqlite3_errmsg(m_db);
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
        return why;
    }
    m_pending.clear();
    m_pendingBytes = 0;
    return {};
}

void RecordingWriter::close() {
    sqlite3_finalize(m_insert);
    m_insert = nullptr;
    if (m_db) sqlite3_close(m_db);
    m_db = nullptr;
    m_pending.clear();
    m_pendingBytes = 0;
}

// ---- reader ----

Result<Schema> RecordingReader::open(const std::string& path) {
    using R = Result<Schema>;
    close();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return R::error("the recording `" + path + "` does not exist");
    if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        close();
        return R::error("cannot open the recording `" + path + "`");
    }
    sqlite3_busy_timeout(m_db, 5000);
    sqlite3_stmt* meta = nullptr;
    if (sqlite3_prepare_v2(m_db, "SELECT key, value FROM meta", -1, &meta, nullptr) != SQLITE_OK) {
        close();
        return R::error(notARecording(path));
    }
    std::string format, version, schemaText;
    while (sqlite3_step(meta) == SQLITE_ROW) {
        const auto* k = reinterpret_cast<const char*>(sqlite3_column_text(meta, 0));
        const auto* v = reinterpret_cast<const char*>(sqlite3_column_text(meta, 1));
        if (!k || !v) continue;
        const std::string key = k;
        if (key == "format")
            format = v;
        else if (key == "version")
            version = v;
        else if (key == "schema")
            schemaText = v;
    }
    sqlite3_finalize(meta);
    if (format != kRecordingFormat) {
        close();
        return R::error(notARecording(path));
    }
    if (version != std::to_string(kRecordingVersion)) {
        close();
        return R::error("the recording `" + path + "` has format version " + version +
                        "; this Riffle reads version " + std::to_string(kRecordingVersion));
    }
    auto schema = schemaFromJson(schemaText);
    if (!schema) {
        close();
        return R::error("the recording `" + path + "` is damaged: " + schema.message());
    }
    if (sqlite3_prepare_v3(m_db, "SELECT first_time, last_time, rows, data FROM events ORDER BY id",
                           -1, SQLITE_PREPARE_PERSISTENT, &m_select, nullptr) != SQLITE_OK) {
        close();
        return R::error(notARecording(path));
    }
    return schema;
}

int RecordingReader::next() {
    if (!m_select) return 0;
    const int rc = sqlite3_step(m_select);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    return -1;
}

int64_t RecordingReader::firstTime() const {
    return sqlite3_column_int64(m_select, 0);
}
int64_t RecordingReader::lastTime() const {
    return sqlite3_column_int64(m_select, 1);
}
int64_t RecordingReader::rows() const {
    return sqlite3_column_int64(m_select, 2);
}

std::string_view RecordingReader::data() const {
    const void* p = sqlite3_column_blob(m_select, 3);
    const int n = sqlite3_column_bytes(m_select, 3);
    return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(n))
             : std::string_view();
}

void RecordingReader::rewind() {
    if (m_select) sqlite3_reset(m_select);
}

std::string RecordingReader::error() const {
    return m_db ? sqlite3_errmsg(m_db) : "not open";
}

void RecordingReader::close() {
    sqlite3_finalize(m_select);
    m_select = nullptr;
    if (m_db) sqlite3_close(m_db);
    m_db = nullptr;
}

}  // namespace riffle
