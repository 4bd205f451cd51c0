// sink.sqlite: writes a stream into an SQLite table.
//
// The table is created when missing, with one column per input field (`_time` included):
// bool and int as INTEGER (bools 0/1), float as REAL, string as TEXT, time as ISO-8601 UTC TEXT
// with milliseconds, so the table reads well in any SQLite tool. The database runs in WAL mode;
// each batch is one transaction through one prepared statement. In upsert mode a UNIQUE index on
// `key` makes INSERT ... ON CONFLICT DO UPDATE replace the row with the same key. A row SQLite
// refuses (a constraint, a type) goes to `errors` and the rest of the batch is kept.
#include <sqlite3.h>

#include <filesystem>

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "engine/core/time_format.h"
#include "engine/core/utf8.h"
#include "engine/graph/node_registry.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

std::string quoteIdent(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

const char* sqlType(Type t) {
    switch (t) {
        case Type::Bool:
        case Type::Int:
            return "INTEGER";
        case Type::Float:
            return "REAL";
        default:
            return "TEXT";
    }
}

std::string tableName(const NodeConfig& config) {
    std::string t = config.getString("table");
    return t.empty() ? config.id() : t;
}

class SqliteSink : public Operator {
public:
    explicit SqliteSink(const OperatorContext& ctx)
        : m_ctx(ctx),
          m_path(ctx.config.getPath("path")),
          m_table(tableName(ctx.config)),
          m_upsert(ctx.config.getString("mode") == "upsert"),
          m_key(ctx.config.getStringList("key")) {}
    ~SqliteSink() override { close(); }

    Status open() override {
        if (m_ctx.inputSchemas.empty() || !m_ctx.inputSchemas[0])
            return Status::error(m_ctx.nodeLabel + ": has no input");
        const Schema& schema = *m_ctx.inputSchemas[0];
        const std::filesystem::path parent = std::filesystem::path(m_path).parent_path();
        if (!parent.empty()) {
            std::error_code ec;
            std::filesystem::create_directories(parent, ec);
        }
        if (sqlite3_open_v2(m_path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            nullptr) != SQLITE_OK)
            return failure("cannot open `" + m_path + "`");
        sqlite3_busy_timeout(m_db, 5000);
        if (!exec("PRAGMA journal_mode=WAL") || !exec("PRAGMA synchronous=NORMAL"))
            return failure("cannot use `" + m_path + "`");

        std::string create = "CREATE TABLE IF NOT EXISTS " + quoteIdent(m_table) + " (";
        for (size_t c = 0; c < schema.size(); ++c) {
            if (c) create += ", ";
            create += quoteIdent(schema.field(c).name) + " " + sqlType(schema.field(c).type);
        }
        create += ")";
        if (!exec(create))
            return failure("cannot create the table `" + m_table + "` in `" + m_path + "`");

        std::string keyList;
        for (const auto& k : m_key) keyList += (keyList.empty() ? "" : ", ") + quoteIdent(k);
        if (m_upsert) {
            const std::string index = "CREATE UNIQUE INDEX IF NOT EXISTS " +
                                      quoteIdent(m_table + "_key") + " ON " + quoteIdent(m_table) +
                                      " (" + keyList + ")";
            if (!exec(index))
                return failure("cannot make `key` unique in the table `" + m_table + "` of `" +
                               m_path + "`");
        }

        std::string insert = "INSERT INTO " + quoteIdent(m_table) + " (";
        std::string values;
        for (size_t c = 0; c < schema.size(); ++c) {
            insert += (c ? ", " : "") + quoteIdent(schema.field(c).name);
            values += c ? ", ?" : "?";
        }
        insert += ") VALUES (" + values + ")";
        if (m_upsert) {
            std::string set;
            for (size_t c = 0; c < schema.size(); ++c) {
                const std::string& name = schema.field(c).name;
                if (std::find(m_key.begin(), m_key.end(), name) != m_key.end()) continue;
                set += (set.empty() ? "" : ", ") + quoteIdent(name) + " = excluded." +
                       quoteIdent(name);
            }
            insert += " ON CONFLICT (" + keyList + ") DO " +
                      (set.empty() ? "NOTHING" : "UPDATE SET " + set);
        }
        if (sqlite3_prepare_v3(m_db, insert.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &m_insert,
                               nullptr) != SQLITE_OK)
            return failure("cannot write to the table `" + m_table + "` of `" + m_path + "`");
        if (m_resumeAfterRowid) {
            // Rows written after the checkpoint are written again by this run.
            const std::string undo = "DELETE FROM " + quoteIdent(m_table) + " WHERE rowid > " +
                                     std::to_string(*m_resumeAfterRowid);
            if (!exec(undo))
                return failure("cannot take back the rows written after the checkpoint from `" +
                               m_table + "`");
        }
        if (sqlite3_prepare_v3(m_db, "BEGIN IMMEDIATE", -1, SQLITE_PREPARE_PERSISTENT, &m_begin,
                               nullptr) != SQLITE_OK ||
            sqlite3_prepare_v3(m_db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT, &m_commit, nullptr) !=
                SQLITE_OK)
            return failure("cannot use `" + m_path + "`");
        return Status::ok();
    }

    // One transaction per batch. The database runs in WAL mode with synchronous=NORMAL, so a
    // commit does not wait for the disk (the WAL is synced at checkpoints): a trickle of small
    // batches stays cheap, a crash can lose at most the last moments of data but never corrupts
    // the file, and no lock is held between batches, so several sinks can share one file.
    void process(int slot, const Batch& in, Emitter& out) override {
        (void)slot;
        if (!m_db || in.empty()) return;
        ErrorRows errors(out, m_ctx.config.id());
        step(m_begin, "begin a transaction");
        for (size_t r = 0; r < in.rows(); ++r) {
            std::string why = bindRow(in, r);
            if (why.empty()) {
                const int rc = sqlite3_step(m_insert);
                if (rc != SQLITE_DONE)
                    why = std::string("SQLite refused the row: ") + sqlite3_errmsg(m_db);
            }
            sqlite3_reset(m_insert);
            sqlite3_clear_bindings(m_insert);
            if (!why.empty()) errors.add(in, r, why);
        }
        step(m_commit, "commit");
    }

    // Checkpoints: the commits so far are made durable (the WAL is synced) and the newest rowid
    // saved; a restore deletes the rows after it. Upserted keys that existed before the
    // checkpoint keep their newer values until the run writes them again.
    void snapshotState(checkpoint::StateWriter& w) override {
        if (!exec("PRAGMA wal_checkpoint(PASSIVE)"))
            throw std::runtime_error(m_ctx.nodeLabel + ": cannot sync `" + m_path +
                                     "`: " + sqlite3_errmsg(m_db));
        int64_t rowid = 0;
        const std::string sql = "SELECT COALESCE(MAX(rowid), 0) FROM " + quoteIdent(m_table);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            rowid = sqlite3_column_int64(st, 0);
        const bool ok = st != nullptr;
        sqlite3_finalize(st);
        if (!ok)
            throw std::runtime_error(m_ctx.nodeLabel + ": cannot read `" + m_table + "` in `" +
                                     m_path + "`: " + sqlite3_errmsg(m_db));
        w.i64(rowid);
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_resumeAfterRowid = r.i64();
        return Status::ok();
    }

    void close() override {
        sqlite3_finalize(m_insert);
        sqlite3_finalize(m_begin);
        sqlite3_finalize(m_commit);
        m_insert = m_begin = m_commit = nullptr;
        if (m_db) sqlite3_close(m_db);
        m_db = nullptr;
    }

private:
    Status failure(const std::string& what) {
        std::string message = m_ctx.nodeLabel + ": " + what;
        if (m_db) message += std::string(": ") + sqlite3_errmsg(m_db);
        close();
        return Status::error(message);
    }

    bool exec(const std::string& sql) {
        return sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
    }

    // A failed BEGIN or COMMIT means the database cannot take writes (locked, disk full): the
    // node fails rather than dropping batches.
    void step(sqlite3_stmt* stmt, const char* what) {
        const int rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc != SQLITE_DONE)
            throw std::runtime_error(m_ctx.nodeLabel + ": cannot " + what + " in `" + m_path +
                                     "`: " + sqlite3_errmsg(m_db));
    }

    // Binds row `row`; returns why it cannot be written, or an empty string.
    std::string bindRow(const Batch& in, size_t row) {
        for (size_t c = 0; c < in.columnCount(); ++c) {
            const Column& col = in.column(c);
            const int param = static_cast<int>(c) + 1;
            if (col.isNull(row)) {
                sqlite3_bind_null(m_insert, param);
                continue;
            }
            switch (col.type()) {
                case Type::Null:
                    sqlite3_bind_null(m_insert, param);
                    break;
                case Type::Bool:
                    sqlite3_bind_int64(m_insert, param, col.ints()[row] ? 1 : 0);
                    break;
                case Type::Int:
                    sqlite3_bind_int64(m_insert, param, col.ints()[row]);
                    break;
                case Type::Float:
                    sqlite3_bind_double(m_insert, param, col.floats()[row]);
                    break;
                case Type::String: {
                    const std::string_view s = col.strings()[row];
                    const size_t bad = findInvalidUtf8(s);
                    if (bad != std::string_view::npos)
                        return "field `" + in.schema().field(c).name +
                               "` is not valid UTF-8 (byte " + std::to_string(bad + 1) + ")";
                    // An empty view may have no data pointer, which SQLite would bind as NULL.
                    sqlite3_bind_text64(m_insert, param, s.empty() ? "" : s.data(), s.size(),
                                        SQLITE_TRANSIENT, SQLITE_UTF8);
                    break;
                }
                case Type::Time: {
                    const std::string text = formatIso8601Ms(col.ints()[row]);
                    sqlite3_bind_text(m_insert, param, text.data(), static_cast<int>(text.size()),
                                      SQLITE_TRANSIENT);
                    break;
                }
            }
        }
        return {};
    }

    OperatorContext m_ctx;
    std::string m_path;
    std::string m_table;
    bool m_upsert;
    std::vector<std::string> m_key;
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_insert = nullptr;
    sqlite3_stmt* m_begin = nullptr;
    sqlite3_stmt* m_commit = nullptr;
    std::optional<int64_t> m_resumeAfterRowid;  // after a restore
};

Result<std::vector<SchemaPtr>> sqliteSinkSchema(const NodeConfig& config,
                                                const SchemaInputs& inputs) {
    using R = Result<std::vector<SchemaPtr>>;
    const auto key = config.getStringList("key");
    if (config.getString("mode") == "upsert") {
        if (key.empty())
            return R::error(
                "`key` is required when `mode` is upsert: name the fields that identify a row");
        if (!inputs.schemas.empty() && inputs.schemas[0]) {
            const Schema& in = *inputs.schemas[0];
            for (const auto& k : key)
                if (in.indexOf(k) < 0)
                    return R::error("`key` names `" + k +
                                    "`, which is not an input field (fields: " + in.toString() +
                                    ")");
        }
    }
    return std::vector<SchemaPtr>{};
}

}  // namespace

void registerSqliteSink(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "sink.sqlite";
    spec.tags = {"SQLite"};
    spec.displayName = "SQLite";
    spec.category = "sink";
    spec.description =
        "Writes events into an SQLite table, created when missing; append every event, or upsert "
        "so that the table keeps the latest row per key. A run that continues from a checkpoint "
        "first deletes the rows written after it, so that no row is in the table twice.";
    spec.inputs = {{"in", "Events to write"}};
    spec.isSink = true;
    spec.state = {{"rows written", 1}};

    spec.params.push_back(
        param("path", ParamType::Path,
              "The database file (created when missing); relative to the project's folder")
            .mandatory()
            .inGroup("Sink")
            .as(ParamRole::WritesFile));
    spec.params.push_back(
        param("table", ParamType::String, "Table to write to; empty means the node's id")
            .byDefault("")
            .inGroup("Sink"));
    spec.params.push_back(
        param("mode", ParamType::Choice,
              "append adds every event; upsert replaces the row with the same `key`")
            .byDefault("append")
            .oneOf({"append", "upsert"})
            .inGroup("Sink"));
    spec.params.push_back(
        param("key", ParamType::StringList, "Fields that identify a row (needed for upsert)")
            .byDefault(Json::array())
            .inGroup("Sink")
            .as(ParamRole::InputFields, 0));

    spec.schemaRule = sqliteSinkSchema;
    spec.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<SqliteSink>(ctx);
    };
    spec.exportFlink = [](const FlinkExportContext& ctx) -> Result<FlinkExportPart> {
        const std::filesystem::path db = ctx.config.getPath("path");
        const std::string table =
            ctx.config.getString("table").empty() ? ctx.nodeId : ctx.config.getString("table");
        const std::string folder = (db.parent_path() / db.stem() / table).string();
        FlinkExportPart part = flink::sinkTable(
            ctx, "  'connector' = 'filesystem',\n  'path' = " + flink::literal(folder) +
                     ",\n  'format' = 'json'");
        part.notes.push_back("Flink's JDBC connector has no SQLite dialect: the rows of table `" +
                             table + "` are written as JSON Lines part files into the folder " +
                             folder);
        if (ctx.config.getString("mode") == "upsert")
            part.notes.push_back(
                "Flink appends every row; SQLite's upsert keeps the newest per key");
        return part;
    };
    registry.add(std::move(spec));
}

}  // namespace riffle
