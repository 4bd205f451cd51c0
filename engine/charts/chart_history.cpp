#include "engine/charts/chart_history.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "engine/core/json_text.h"
#include "engine/core/time_format.h"

namespace riffle {

namespace {

std::string encodeValues(const std::vector<double>& values) {
    std::string out;
    char buf[32];
    for (size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        if (!std::isnan(values[i])) {
            std::snprintf(buf, sizeof buf, "%.17g", values[i]);
            out += buf;
        }
    }
    return out;
}

// An empty text is one NULL value: a row without values is stored as NULL (see append()).
std::vector<double> decodeValues(std::string_view text) {
    std::vector<double> out;
    size_t start = 0;
    while (true) {
        const size_t comma = text.find(',', start);
        const std::string part(
            text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
        out.push_back(part.empty() ? std::nan("") : std::strtod(part.c_str(), nullptr));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

std::string_view columnText(sqlite3_stmt* st, int col) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(st, col)))
             : std::string_view();
}

}  // namespace

Result<std::unique_ptr<ChartHistory>> ChartHistory::open(const std::string& path) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(parent, ec);
    }
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        return Result<std::unique_ptr<ChartHistory>>::error("chart history `" + path + "`: " + msg);
    }
    sqlite3_busy_timeout(db, 5000);
    std::unique_ptr<ChartHistory> h(new ChartHistory(db));
    if (!h->exec("PRAGMA journal_mode=WAL") || !h->exec("PRAGMA synchronous=NORMAL") ||
        !h->exec(
            "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, started_us INTEGER NOT NULL, "
            "ended_us INTEGER)") ||
        !h->exec("CREATE TABLE IF NOT EXISTS points (run INTEGER NOT NULL, node TEXT NOT NULL, "
                 "time_us INTEGER NOT NULL, category TEXT, series TEXT, vals TEXT, cells TEXT)") ||
        !h->exec("CREATE INDEX IF NOT EXISTS points_by_node_time ON points (node, time_us)"))
        return Result<std::unique_ptr<ChartHistory>>::error("chart history `" + path +
                                                            "`: " + sqlite3_errmsg(db));
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO points (run, node, time_us, category, series, vals, cells) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)",
                           -1, &h->m_insert, nullptr) != SQLITE_OK)
        return Result<std::unique_ptr<ChartHistory>>::error("chart history `" + path +
                                                            "`: " + sqlite3_errmsg(db));
    // Where the history stands before this handle appends: a checkpoint taken before its first
    // row must not take back rows of earlier runs.
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(rowid), 0) FROM points", -1, &st, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        h->m_lastRowid = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return h;
}

ChartHistory::~ChartHistory() {
    sqlite3_finalize(m_insert);
    sqlite3_close(m_db);
}

bool ChartHistory::exec(const char* sql) const {
    return sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

Result<int64_t> ChartHistory::beginRun(TimeUs startedUs, int64_t retentionUs) {
    if (retentionUs > 0) {
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(
            m_db, "DELETE FROM points WHERE run IN (SELECT id FROM runs WHERE started_us < ?1);",
            -1, &st, nullptr);
        sqlite3_bind_int64(st, 1, startedUs - retentionUs);
        sqlite3_step(st);
        sqlite3_finalize(st);
        sqlite3_prepare_v2(m_db, "DELETE FROM runs WHERE started_us < ?1", -1, &st, nullptr);
        sqlite3_bind_int64(st, 1, startedUs - retentionUs);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(m_db, "INSERT INTO runs (started_us) VALUES (?)", -1, &st, nullptr);
    sqlite3_bind_int64(st, 1, startedUs);
    const int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return Result<int64_t>::error(std::string("chart history: ") + sqlite3_errmsg(m_db));
    return static_cast<int64_t>(sqlite3_last_insert_rowid(m_db));
}

Status ChartHistory::endRun(int64_t runId, TimeUs endedUs) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(m_db, "UPDATE runs SET ended_us = ? WHERE id = ?", -1, &st, nullptr);
    sqlite3_bind_int64(st, 1, endedUs);
    sqlite3_bind_int64(st, 2, runId);
    const int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return Status::error(std::string("chart history: ") + sqlite3_errmsg(m_db));
    return Status::ok();
}

Status ChartHistory::append(int64_t runId, const std::string& node,
                            const std::vector<ChartRow>& rows) {
    if (rows.empty()) return Status::ok();
    if (!exec("BEGIN")) return Status::error(std::string("chart history: ") + sqlite3_errmsg(m_db));
    for (const ChartRow& r : rows) {
        sqlite3_reset(m_insert);
        sqlite3_bind_int64(m_insert, 1, runId);
        sqlite3_bind_text(m_insert, 2, node.data(), static_cast<int>(node.size()),
                          SQLITE_TRANSIENT);
        sqlite3_bind_int64(m_insert, 3, r.time);
        sqlite3_bind_text(m_insert, 4, r.category.data(), static_cast<int>(r.category.size()),
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(m_insert, 5, r.series.data(), static_cast<int>(r.series.size()),
                          SQLITE_TRANSIENT);
        // No values (a table's row) is NULL, so that "" can stand for a single NULL value.
        const std::string vals = encodeValues(r.values);
        if (r.values.empty())
            sqlite3_bind_null(m_insert, 6);
        else
            sqlite3_bind_text(m_insert, 6, vals.data(), static_cast<int>(vals.size()),
                              SQLITE_TRANSIENT);
        if (r.cells.empty()) {
            sqlite3_bind_null(m_insert, 7);
        } else {
            const std::string cells =
                Json(r.cells).dump(-1, ' ', false, Json::error_handler_t::replace);
            sqlite3_bind_text(m_insert, 7, cells.data(), static_cast<int>(cells.size()),
                              SQLITE_TRANSIENT);
        }
        if (sqlite3_step(m_insert) != SQLITE_DONE) {
            const std::string msg = sqlite3_errmsg(m_db);
            exec("ROLLBACK");
            return Status::error("chart history: " + msg);
        }
    }
    if (!exec("COMMIT"))
        return Status::error(std::string("chart history: ") + sqlite3_errmsg(m_db));
    m_lastRowid = sqlite3_last_insert_rowid(m_db);
    return Status::ok();
}

Status ChartHistory::rollBack(const std::string& node, int64_t afterRowid, int64_t fromRun,
                              int64_t toRun) {
    const char* sql[] = {"DELETE FROM points WHERE node = ?1 AND rowid > ?2",
                         "UPDATE points SET run = ?4 WHERE node = ?1 AND run >= ?3 AND run <> ?4"};
    if (!exec("BEGIN")) return Status::error(std::string("chart history: ") + sqlite3_errmsg(m_db));
    for (const char* q : sql) {
        sqlite3_stmt* st = nullptr;
        bool ok = sqlite3_prepare_v2(m_db, q, -1, &st, nullptr) == SQLITE_OK;
        if (ok) {
            sqlite3_bind_text(st, 1, node.data(), static_cast<int>(node.size()), SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 2, afterRowid);
            sqlite3_bind_int64(st, 3, fromRun);
            sqlite3_bind_int64(st, 4, toRun);
            ok = sqlite3_step(st) == SQLITE_DONE;
        }
        sqlite3_finalize(st);
        if (!ok) {
            const std::string msg = sqlite3_errmsg(m_db);
            exec("ROLLBACK");
            return Status::error("chart history: " + msg);
        }
    }
    if (!exec("COMMIT"))
        return Status::error(std::string("chart history: ") + sqlite3_errmsg(m_db));
    m_lastRowid = std::max(m_lastRowid, afterRowid);
    return Status::ok();
}

int64_t ChartHistory::lastRunWith(const std::string& node) const {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(m_db, "SELECT MAX(run) FROM points WHERE node = ?", -1, &st, nullptr);
    sqlite3_bind_text(st, 1, node.data(), static_cast<int>(node.size()), SQLITE_TRANSIENT);
    int64_t run = 0;
    if (sqlite3_step(st) == SQLITE_ROW) run = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return run;
}

std::vector<ChartRow> ChartHistory::load(const std::string& node, int64_t runId, TimeUs fromUs,
                                         TimeUs toUs, size_t limit) const {
    // Newest first with a LIMIT, then reversed: when there are more rows, the newest are kept.
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(
        m_db,
        "SELECT time_us, category, series, vals, cells FROM points WHERE node = ?1 AND "
        "(?2 = 0 OR run = ?2) AND time_us >= ?3 AND time_us < ?4 "
        "ORDER BY time_us DESC, rowid DESC LIMIT ?5",
        -1, &st, nullptr);
    sqlite3_bind_text(st, 1, node.data(), static_cast<int>(node.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, runId);
    sqlite3_bind_int64(st, 3, fromUs);
    sqlite3_bind_int64(st, 4, toUs);
    sqlite3_bind_int64(st, 5, static_cast<int64_t>(limit));
    std::vector<ChartRow> rows;
    while (sqlite3_step(st) == SQLITE_ROW) {
        ChartRow r;
        r.time = sqlite3_column_int64(st, 0);
        r.category = std::string(columnText(st, 1));
        r.series = std::string(columnText(st, 2));
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) r.values = decodeValues(columnText(st, 3));
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
            Json cells;
            if (!parseJsonInto(columnText(st, 4), cells) && cells.is_array())
                for (const Json& c : cells)
                    r.cells.push_back(c.is_string() ? c.get<std::string>() : c.dump());
        }
        rows.push_back(std::move(r));
    }
    sqlite3_finalize(st);
    std::reverse(rows.begin(), rows.end());
    return rows;
}

int64_t ChartHistory::runCount() const {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(m_db, "SELECT COUNT(*) FROM runs", -1, &st, nullptr);
    int64_t n = 0;
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

std::string chartHistoryPathFor(const std::string& projectPath) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path abs = fs::weakly_canonical(fs::absolute(projectPath, ec), ec);
    const std::string key = abs.string();
    uint64_t h = 1469598103934665603ULL;  // FNV-1a: stable across runs and builds
    for (unsigned char c : key) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    fs::path base;
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
        base = xdg;
    } else if (const char* home = std::getenv("HOME"); home && *home) {
        base = fs::path(home) / ".local" / "share";
    } else {
        base = fs::temp_directory_path(ec);
    }
    return (base / "Riffle" / "Riffle" / "history" /
            (abs.stem().string() + "-" + std::string(hex, 12) + ".sqlite"))
        .string();
}

int64_t historyRetentionUs(const Json& settings) {
    if (settings.is_object()) {
        auto it = settings.find("history_retention");
        if (it != settings.end() && it->is_string())
            if (auto us = parseDuration(it->get<std::string>()); us && *us >= 0) return *us;
    }
    return kDefaultHistoryRetentionUs;
}

}  // namespace riffle
