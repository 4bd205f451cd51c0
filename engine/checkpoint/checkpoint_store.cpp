#include "engine/checkpoint/checkpoint_store.h"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <utility>

namespace riffle::checkpoint {

namespace {

// A prepared statement, finalized when it goes.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &m_st, nullptr); }
    ~Statement() { sqlite3_finalize(m_st); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    sqlite3_stmt* get() const { return m_st; }
    explicit operator bool() const { return m_st != nullptr; }

private:
    sqlite3_stmt* m_st = nullptr;
};

std::string text(sqlite3_stmt* st, int column) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, column));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(st, column))) : "";
}

std::string blob(sqlite3_stmt* st, int column) {
    const void* p = sqlite3_column_blob(st, column);
    return p ? std::string(static_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(st, column)))
             : "";
}

}  // namespace

std::string defaultStorePath(const std::string& projectFile) {
    std::error_code ec;
    std::filesystem::path abs = std::filesystem::weakly_canonical(projectFile, ec);
    if (ec) abs = std::filesystem::absolute(projectFile);
    // FNV-1a of the project's absolute path: two projects of one name keep apart.
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : abs.string()) h = (h ^ c) * 1099511628211ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    std::filesystem::path base;
    if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
        base = state;
    else if (const char* home = std::getenv("HOME"); home && *home)
        base = std::filesystem::path(home) / ".local" / "state";
    else
        base = std::filesystem::temp_directory_path();
    return (base / "riffle" / "checkpoints" /
            (abs.stem().string() + "-" + std::string(hex, 12) + ".sqlite"))
        .string();
}

int64_t Checkpoint::bytes() const {
    int64_t n = 0;
    for (const NodeState& s : states) n += static_cast<int64_t>(s.data.size());
    return n;
}

Result<std::unique_ptr<CheckpointStore>> CheckpointStore::open(const std::string& path,
                                                               const char* vfs) {
    using R = Result<std::unique_ptr<CheckpointStore>>;
    if (const auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(parent, ec);
    }
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs) !=
        SQLITE_OK) {
        std::string why = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        return R::error("cannot open the checkpoint store `" + path + "`: " + why);
    }
    sqlite3_busy_timeout(db, 5000);
    std::unique_ptr<CheckpointStore> store(new CheckpointStore(db, path));
    for (const char* sql :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
          "CREATE TABLE IF NOT EXISTS checkpoints (id INTEGER PRIMARY KEY, taken_at_us INTEGER "
          "NOT NULL, plan_hash TEXT NOT NULL, bytes INTEGER NOT NULL)",
          "CREATE TABLE IF NOT EXISTS states (checkpoint INTEGER NOT NULL REFERENCES "
          "checkpoints(id) ON DELETE CASCADE, node TEXT NOT NULL, name TEXT NOT NULL, version "
          "INTEGER NOT NULL, signature TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY "
          "(checkpoint, node, name))"})
        if (Status s = store->exec(sql); !s)
            return R::error("cannot open the checkpoint store `" + path + "`: " + s.message());
    return store;
}

CheckpointStore::~CheckpointStore() {
    sqlite3_close(m_db);
}

Status CheckpointStore::exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &error) == SQLITE_OK) return Status::ok();
    std::string message = error ? error : sqlite3_errmsg(m_db);
    sqlite3_free(error);
    return Status::error(message);
}

Status CheckpointStore::failure(const std::string& doing) const {
    return Status::error(doing + " in `" + m_path + "` failed: " + sqlite3_errmsg(m_db));
}

Status CheckpointStore::write(const Checkpoint& c, int keep) {
    const std::string doing = "writing checkpoint " + std::to_string(c.id);
    if (Status s = exec("BEGIN IMMEDIATE"); !s) return Status::error(doing + ": " + s.message());
    auto rollback = [&](Status s) {
        (void)exec("ROLLBACK");
        return s;
    };
    {
        Statement head(m_db,
                       "INSERT INTO checkpoints (id, taken_at_us, plan_hash, bytes) VALUES (?, ?, "
                       "?, ?)");
        if (!head) return rollback(failure(doing));
        sqlite3_bind_int64(head.get(), 1, c.id);
        sqlite3_bind_int64(head.get(), 2, c.takenAtUs);
        sqlite3_bind_text(head.get(), 3, c.planHash.data(), static_cast<int>(c.planHash.size()),
                          SQLITE_STATIC);
        sqlite3_bind_int64(head.get(), 4, c.bytes());
        if (sqlite3_step(head.get()) != SQLITE_DONE) return rollback(failure(doing));
    }
    Statement row(m_db,
                  "INSERT INTO states (checkpoint, node, name, version, signature, data) VALUES "
                  "(?, ?, ?, ?, ?, ?)");
    if (!row) return rollback(failure(doing));
    for (const NodeState& s : c.states) {
        sqlite3_reset(row.get());
        sqlite3_bind_int64(row.get(), 1, c.id);
        sqlite3_bind_text(row.get(), 2, s.node.data(), static_cast<int>(s.node.size()),
                          SQLITE_STATIC);
        sqlite3_bind_text(row.get(), 3, s.name.data(), static_cast<int>(s.name.size()),
                          SQLITE_STATIC);
        sqlite3_bind_int(row.get(), 4, s.version);
        sqlite3_bind_text(row.get(), 5, s.signature.data(), static_cast<int>(s.signature.size()),
                          SQLITE_STATIC);
        sqlite3_bind_blob64(row.get(), 6, s.data.data(), s.data.size(), SQLITE_STATIC);
        if (sqlite3_step(row.get()) != SQLITE_DONE) return rollback(failure(doing));
    }
    {
        Statement prune(m_db,
                        "DELETE FROM checkpoints WHERE id NOT IN (SELECT id FROM checkpoints "
                        "ORDER BY id DESC LIMIT ?)");
        if (!prune) return rollback(failure(doing));
        sqlite3_bind_int(prune.get(), 1, keep < 1 ? 1 : keep);
        if (sqlite3_step(prune.get()) != SQLITE_DONE) return rollback(failure(doing));
    }
    if (Status s = exec("COMMIT"); !s) return rollback(Status::error(doing + ": " + s.message()));
    return Status::ok();
}

Result<std::vector<CheckpointSummary>> CheckpointStore::list() const {
    using R = Result<std::vector<CheckpointSummary>>;
    Statement st(m_db,
                 "SELECT c.id, c.taken_at_us, c.plan_hash, c.bytes, (SELECT COUNT(*) FROM states s "
                 "WHERE s.checkpoint = c.id) FROM checkpoints c ORDER BY c.id DESC");
    if (!st) return R(failure("reading the checkpoints"));
    std::vector<CheckpointSummary> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW)
        out.push_back({sqlite3_column_int64(st.get(), 0), sqlite3_column_int64(st.get(), 1),
                       text(st.get(), 2), sqlite3_column_int64(st.get(), 3),
                       sqlite3_column_int64(st.get(), 4)});
    if (rc != SQLITE_DONE) return R(failure("reading the checkpoints"));
    return out;
}

Result<std::optional<Checkpoint>> CheckpointStore::latest() const {
    using R = Result<std::optional<Checkpoint>>;
    Statement head(m_db,
                   "SELECT id, taken_at_us, plan_hash FROM checkpoints ORDER BY id DESC LIMIT 1");
    if (!head) return R(failure("reading the newest checkpoint"));
    const int rc = sqlite3_step(head.get());
    if (rc == SQLITE_DONE) return std::optional<Checkpoint>();
    if (rc != SQLITE_ROW) return R(failure("reading the newest checkpoint"));
    Checkpoint c;
    c.id = sqlite3_column_int64(head.get(), 0);
    c.takenAtUs = sqlite3_column_int64(head.get(), 1);
    c.planHash = text(head.get(), 2);
    Statement rows(m_db,
                   "SELECT node, name, version, signature, data FROM states WHERE checkpoint = ? "
                   "ORDER BY node, name");
    if (!rows) return R(failure("reading checkpoint " + std::to_string(c.id)));
    sqlite3_bind_int64(rows.get(), 1, c.id);
    int step = SQLITE_ROW;
    while ((step = sqlite3_step(rows.get())) == SQLITE_ROW)
        c.states.push_back({text(rows.get(), 0), text(rows.get(), 1),
                            sqlite3_column_int(rows.get(), 2), text(rows.get(), 3),
                            blob(rows.get(), 4)});
    if (step != SQLITE_DONE) return R(failure("reading checkpoint " + std::to_string(c.id)));
    return std::optional<Checkpoint>(std::move(c));
}

Result<int64_t> CheckpointStore::nextId() const {
    Statement st(m_db, "SELECT COALESCE(MAX(id), 0) + 1 FROM checkpoints");
    if (!st || sqlite3_step(st.get()) != SQLITE_ROW)
        return Result<int64_t>(failure("reading the checkpoints"));
    return static_cast<int64_t>(sqlite3_column_int64(st.get(), 0));
}

Status CheckpointStore::clear() {
    if (Status s = exec("DELETE FROM checkpoints"); !s)
        return Status::error("clearing `" + m_path + "` failed: " + s.message());
    return Status::ok();
}

StateMatch matchStates(const Checkpoint& saved, const std::vector<NodeState>& expected) {
    std::map<std::pair<std::string, std::string>, const NodeState*> byName;
    for (const NodeState& s : saved.states) byName[{s.node, s.name}] = &s;
    StateMatch m;
    std::map<std::string, std::string> why;  // node -> the first reason it starts fresh
    for (const NodeState& e : expected) {
        const auto it = byName.find({e.node, e.name});
        const NodeState* s = it == byName.end() ? nullptr : it->second;
        std::string reason;
        if (!s)
            reason = "checkpoint " + std::to_string(saved.id) + " has no `" + e.name + "` of it";
        else if (s->version != e.version)
            reason = "its `" + e.name + "` is version " + std::to_string(e.version) +
                     " now and was version " + std::to_string(s->version);
        else if (s->signature != e.signature)
            reason = "its parameters changed";
        m.restored.push_back(reason.empty() ? s : nullptr);
        if (!reason.empty()) why.emplace(e.node, reason);
    }
    // A node starts fresh whole: none of its pieces are taken back when one cannot be.
    for (size_t i = 0; i < expected.size(); ++i)
        if (why.count(expected[i].node)) m.restored[i] = nullptr;
    for (const auto& [node, reason] : why)
        m.fresh.push_back("`" + node + "` starts fresh: " + reason);
    return m;
}

CheckpointWriter::CheckpointWriter(std::unique_ptr<CheckpointStore> store, int keep, Done done)
    : m_store(std::move(store)), m_keep(keep), m_done(std::move(done)) {
    m_thread = std::thread([this] { loop(); });
}

CheckpointWriter::~CheckpointWriter() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void CheckpointWriter::submit(Checkpoint c) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_queue.push_back(std::move(c));
    }
    m_wake.notify_all();
}

void CheckpointWriter::drain() {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_idle.wait(lock, [this] { return m_queue.empty() && !m_writing; });
}

void CheckpointWriter::loop() {
    for (;;) {
        Checkpoint c;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_queue.empty()) return;  // stopping, and everything was written
            c = std::move(m_queue.front());
            m_queue.pop_front();
            m_writing = true;
        }
        const auto t0 = std::chrono::steady_clock::now();
        const Status s = m_store->write(c, m_keep);
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - t0)
                            .count();
        if (m_done) m_done(c, s, us);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_writing = false;
        }
        m_idle.notify_all();
    }
}

}  // namespace riffle::checkpoint
