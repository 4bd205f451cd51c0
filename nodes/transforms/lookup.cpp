// transform.lookup: enriches every event with the columns of the matching row of a static table.
//
// The table is a CSV file (header row, RFC 4180; `.csv`) or a table of an SQLite file (`.db`,
// `.sqlite`, `.sqlite3`, named by `sqlite_table`). It is read when the project is planned, to
// learn its columns and their types, and loaded into memory once when the run starts; changes
// to the file during a run are not seen.
// - CSV types: inferred as source.file infers them (nodes/common/file_format.h), but from every
//   row of the table, since the whole table is loaded anyway.
// - SQLite types: from the declared column type (SQLite's affinity rules: BOOL -> bool, INT ->
//   int, CHAR/CLOB/TEXT -> string, REAL/FLOA/DOUB -> float, DATE/TIME -> time), and for a column
//   declared without one of these (none, NUMERIC, BLOB...) from its values in the first 100 rows.
//   A value that does not read as its column's type fails the start of the run, naming it.
//
// Matching: the `key` expression, evaluated per event, is compared with the `table_key` column
// by value: numbers by numeric value (int 42 matches 42 and 42.0), strings exactly (case and
// spaces count), bools and times as such. The key types must agree (both numbers, or the same
// type); otherwise planning fails and says which CAST to add. A NULL key, NULL table keys and
// NaN never match. When several table rows have the same key, the first one wins.
//
// Output: the input fields, unchanged, then the added `fields` (default: every table column but
// the key column) in the order given. An event without a matching row passes with NULLs in the
// added fields (a left join); nothing goes to `errors`. An added field with the name of an input
// field is a planning error naming both.
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <unordered_map>

#include "engine/core/time_format.h"
#include "engine/expr/expression.h"
#include "engine/graph/node_registry.h"
#include "nodes/common/csv.h"
#include "nodes/common/file_format.h"
#include "nodes/common/file_values.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

constexpr size_t kMaxLineBytes = 1024 * 1024;
constexpr int kSqliteSampleRows = 100;

enum class TableKind { Csv, Sqlite };

std::string lowerExtension(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return ext;
}

Result<TableKind> tableKind(const std::string& path) {
    const std::string ext = lowerExtension(path);
    if (ext == ".csv") return TableKind::Csv;
    if (ext == ".db" || ext == ".sqlite" || ext == ".sqlite3") return TableKind::Sqlite;
    return Result<TableKind>::error(
        "`table` must be a .csv file or an SQLite file (.db, .sqlite, .sqlite3), got `" + path +
        "`");
}

std::string quoteIdent(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string joinNames(const std::vector<Field>& fields) {
    std::string s;
    for (const auto& f : fields) s += (s.empty() ? "" : ", ") + f.name;
    return s;
}

// An open SQLite database, read-only; closes itself.
class SqliteReader {
public:
    ~SqliteReader() {
        if (m_db) sqlite3_close(m_db);
    }

    Status open(const std::string& path) {
        m_path = path;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec))
            return Status::error("cannot open `" + path + "`: no such file");
        if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
            return failure("cannot open `" + path + "`");
        sqlite3_busy_timeout(m_db, 5000);
        return Status::ok();
    }

    // Names of the tables and views, sorted.
    Result<std::vector<std::string>> tables() {
        std::vector<std::string> names;
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(
                m_db,
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name", -1,
                &st, nullptr) != SQLITE_OK)
            return Result<std::vector<std::string>>::error(
                failure("cannot read `" + m_path + "`").message());
        while (sqlite3_step(st) == SQLITE_ROW)
            names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
        sqlite3_finalize(st);
        return names;
    }

    // Column names and declared types.
    std::vector<std::pair<std::string, std::string>> columns(const std::string& table) {
        std::vector<std::pair<std::string, std::string>> out;
        sqlite3_stmt* st = nullptr;
        const std::string sql = "PRAGMA table_info(" + quoteIdent(table) + ")";
        if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return out;
        while (sqlite3_step(st) == SQLITE_ROW) {
            const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
            const auto* type = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
            out.emplace_back(name ? name : "", type ? type : "");
        }
        sqlite3_finalize(st);
        return out;
    }

    sqlite3_stmt* prepare(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return nullptr;
        return st;
    }

    Status failure(const std::string& what) const {
        return Status::error(what +
                             (m_db ? std::string(": ") + sqlite3_errmsg(m_db) : std::string()));
    }

private:
    std::string m_path;
    sqlite3* m_db = nullptr;
};

// The type a declared SQLite column type gives, or Null when its values must decide.
Type declaredType(std::string declared) {
    std::transform(declared.begin(), declared.end(), declared.begin(),
                   [](unsigned char c) { return std::toupper(c); });
    auto has = [&](const char* s) { return declared.find(s) != std::string::npos; };
    if (has("BOOL")) return Type::Bool;
    if (has("INT")) return Type::Int;
    if (has("CHAR") || has("CLOB") || has("TEXT")) return Type::String;
    if (has("REAL") || has("FLOA") || has("DOUB")) return Type::Float;
    if (has("DATE") || has("TIME")) return Type::Time;
    return Type::Null;
}

std::string selectAll(const std::string& table, const std::vector<Field>& fields) {
    std::string sql = "SELECT ";
    for (size_t i = 0; i < fields.size(); ++i) sql += (i ? ", " : "") + quoteIdent(fields[i].name);
    return sql + " FROM " + quoteIdent(table);
}

struct TableSource {
    TableKind kind = TableKind::Csv;
    std::string path;
    std::string sqliteTable;
    std::string label;  // "`cities.csv`" or "table `cities` of `geo.db`", for messages
};

Result<TableSource> tableSource(const NodeConfig& config) {
    TableSource src;
    src.path = config.getPath("table");
    auto kind = tableKind(src.path);
    if (!kind) return Result<TableSource>::error(kind.message());
    src.kind = *kind;
    src.sqliteTable = config.getString("sqlite_table");
    src.label = src.kind == TableKind::Csv
                    ? "`" + src.path + "`"
                    : "table `" + src.sqliteTable + "` of `" + src.path + "`";
    return src;
}

Result<std::vector<Field>> sqliteColumns(SqliteReader& db, const TableSource& src) {
    using R = Result<std::vector<Field>>;
    auto tables = db.tables();
    if (!tables) return R::error(tables.message());
    std::string list;
    for (const auto& t : tables.value()) list += (list.empty() ? "" : ", ") + t;
    if (list.empty()) list = "none";
    if (src.sqliteTable.empty())
        return R::error("`sqlite_table` is required when `table` is an SQLite file; tables in `" +
                        src.path + "`: " + list);
    if (std::find(tables->begin(), tables->end(), src.sqliteTable) == tables->end())
        return R::error("`sqlite_table`: `" + src.path + "` has no table `" + src.sqliteTable +
                        "` (tables: " + list + ")");
    std::vector<Field> fields;
    for (const auto& [name, declared] : db.columns(src.sqliteTable))
        fields.push_back({name, declaredType(declared)});
    if (fields.empty()) return R::error("the " + src.label + " has no columns");
    bool undecided = false;
    for (const auto& f : fields) undecided = undecided || f.type == Type::Null;
    if (undecided) {
        sqlite3_stmt* st = db.prepare(selectAll(src.sqliteTable, fields) + " LIMIT " +
                                      std::to_string(kSqliteSampleRows));
        if (!st) return R::error(db.failure("cannot read the " + src.label).message());
        std::vector<Type> seen(fields.size(), Type::Null);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (size_t c = 0; c < fields.size(); ++c) {
                const int c32 = static_cast<int>(c);
                Type t = Type::Null;
                switch (sqlite3_column_type(st, c32)) {
                    case SQLITE_INTEGER:
                        t = Type::Int;
                        break;
                    case SQLITE_FLOAT:
                        t = Type::Float;
                        break;
                    case SQLITE_TEXT: {
                        const auto* text =
                            reinterpret_cast<const char*>(sqlite3_column_text(st, c32));
                        t = classifyText(std::string_view(
                            text, static_cast<size_t>(sqlite3_column_bytes(st, c32))));
                        break;
                    }
                    case SQLITE_BLOB:
                        t = Type::String;
                        break;
                    default:
                        break;
                }
                seen[c] = widenType(seen[c], t);
            }
        }
        sqlite3_finalize(st);
        for (size_t c = 0; c < fields.size(); ++c)
            if (fields[c].type == Type::Null)
                fields[c].type = seen[c] == Type::Null ? Type::String : seen[c];
    }
    return fields;
}

// The table's columns and their types.
Result<std::vector<Field>> tableColumns(const TableSource& src) {
    if (src.kind == TableKind::Csv)
        return inferFileSchema(src.path, FileFormat::Csv, kMaxLineBytes, SIZE_MAX);
    SqliteReader db;
    Status s = db.open(src.path);
    if (!s) return Result<std::vector<Field>>::error(s.message());
    return sqliteColumns(db, src);
}

struct LookupPlan {
    TableSource source;
    std::vector<Field> tableFields;
    int keyColumn = 0;            // in tableFields
    std::vector<int> addColumns;  // in tableFields, in output order
    expr::ExpressionPtr key;
    SchemaPtr output;
};

Result<LookupPlan> planLookup(const NodeConfig& config, const Schema& input) {
    using R = Result<LookupPlan>;
    LookupPlan plan;
    auto src = tableSource(config);
    if (!src) return R::error(src.message());
    plan.source = std::move(src.value());
    auto columns = tableColumns(plan.source);
    if (!columns) return R::error(columns.message());
    plan.tableFields = std::move(columns.value());
    const auto& tf = plan.tableFields;
    auto columnIndex = [&](const std::string& name) {
        for (size_t i = 0; i < tf.size(); ++i)
            if (tf[i].name == name) return static_cast<int>(i);
        return -1;
    };

    const std::string tableKey = config.getString("table_key");
    if (!tableKey.empty()) {
        plan.keyColumn = columnIndex(tableKey);
        if (plan.keyColumn < 0)
            return R::error("`table_key` `" + tableKey + "` is not a column of the " +
                            plan.source.label + " (columns: " + joinNames(tf) + ")");
    }
    const Field& keyField = tf[static_cast<size_t>(plan.keyColumn)];

    const std::string keyText = config.getString("key");
    auto key = expr::compile(keyText, input);
    if (!key) return R::error("`key`: " + key.message());
    const Type kt = key.value()->type();
    if (kt == Type::Null)
        return R::error(
            "`key` is always NULL, so no event would ever match; give an expression over the input "
            "fields, e.g. city_id");
    if (!(kt == keyField.type || (isNumeric(kt) && isNumeric(keyField.type))))
        return R::error("`key` `" + keyText + "` is " + std::string(typeName(kt)) +
                        " but the table key `" + keyField.name + "` is " +
                        std::string(typeName(keyField.type)) + "; convert the key, e.g. CAST(" +
                        keyText + " AS " + std::string(typeName(keyField.type)) + ")");
    plan.key = key.value();

    const auto fields = config.getStringList("fields");
    if (fields.empty()) {
        for (size_t i = 0; i < tf.size(); ++i)
            if (static_cast<int>(i) != plan.keyColumn)
                plan.addColumns.push_back(static_cast<int>(i));
    } else {
        for (const auto& name : fields) {
            const int idx = columnIndex(name);
            if (idx < 0)
                return R::error("`fields` names `" + name + "`, which is not a column of the " +
                                plan.source.label + " (columns: " + joinNames(tf) + ")");
            if (std::find(plan.addColumns.begin(), plan.addColumns.end(), idx) !=
                plan.addColumns.end())
                return R::error("`fields` names `" + name + "` twice");
            plan.addColumns.push_back(idx);
        }
    }

    Schema out = input;
    for (int c : plan.addColumns) {
        const Field& f = tf[static_cast<size_t>(c)];
        if (input.indexOf(f.name) >= 0)
            return R::error(
                "the table field `" + f.name + "` of the " + plan.source.label +
                " clashes with the input field `" + f.name +
                "`; leave it out of `fields` or rename the input field with a map first");
        out.add(f);
    }
    plan.output = std::make_shared<const Schema>(std::move(out));
    return plan;
}

// Key bytes that make equal values equal across int and float: an integral float in the int64
// range is written as that int. False for a value that never matches (NULL, NaN).
bool encodeKey(const Column& col, size_t row, std::string& out) {
    out.clear();
    if (col.isNull(row)) return false;
    auto put = [&](char tag, const void* p, size_t n) {
        out.push_back(tag);
        out.append(static_cast<const char*>(p), n);
    };
    switch (col.type()) {
        case Type::String:
            out.push_back('s');
            out.append(col.strings()[row]);
            return true;
        case Type::Float: {
            const double v = col.floats()[row];
            if (std::isnan(v)) return false;
            if (v == std::floor(v) && v >= -9223372036854775808.0 && v < 9223372036854775808.0) {
                const auto i = static_cast<int64_t>(v);
                put('i', &i, sizeof i);
            } else {
                put('f', &v, sizeof v);
            }
            return true;
        }
        case Type::Int:
            put('i', &col.ints()[row], sizeof(int64_t));
            return true;
        case Type::Bool:
            put('b', &col.ints()[row], sizeof(int64_t));
            return true;
        case Type::Time:
            put('t', &col.ints()[row], sizeof(int64_t));
            return true;
        case Type::Null:
            return false;
    }
    return false;
}

// Reads every row of the table into `rows` (a batch with the table's schema).
Status loadCsv(const TableSource& src, Batch& rows) {
    auto input = FileInput::open(src.path);
    if (!input) return Status::error(input.message());
    CsvReader reader(std::move(input.value()), kMaxLineBytes);
    auto header = readCsvHeader(reader, src.path);
    if (!header) return Status::error(header.message());
    const Schema& schema = rows.schema();
    if (header->size() != schema.size())
        return Status::error("the columns of " + src.label + " changed since planning");
    for (size_t c = 0; c < schema.size(); ++c)
        if ((*header)[c] != schema.field(c).name)
            return Status::error("the columns of " + src.label + " changed since planning");
    reader.setExpectedFields(schema.size());
    std::vector<Cell> cells(schema.size());
    for (;;) {
        const auto kind = reader.next();
        if (kind == CsvReader::Kind::End) {
            if (!reader.inputError().empty()) return Status::error(reader.inputError());
            return Status::ok();
        }
        if (kind == CsvReader::Kind::Error) return Status::error(src.label + ", " + reader.error());
        for (size_t c = 0; c < schema.size(); ++c) {
            const CsvField& f = reader.fields()[c];
            cells[c] = Cell{};
            if (f.isNull()) continue;
            const Field& field = schema.field(c);
            if (!parseCell(f.text, field.type, TimeFormat::Auto, cells[c]))
                return Status::error(src.label + ", line " + std::to_string(reader.line()) +
                                     ": column `" + field.name + "` is " +
                                     std::string(typeName(field.type)) + ", but holds `" +
                                     std::string(f.text.substr(0, 40)) + "`");
        }
        for (size_t c = 0; c < schema.size(); ++c) appendCell(rows, c, cells[c]);
        rows.commitRow();
    }
}

Status loadSqlite(const TableSource& src, Batch& rows) {
    SqliteReader db;
    Status s = db.open(src.path);
    if (!s) return s;
    const Schema& schema = rows.schema();
    sqlite3_stmt* st = db.prepare(selectAll(src.sqliteTable, schema.fields()));
    if (!st) return db.failure("cannot read the " + src.label);
    int64_t rowNumber = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ++rowNumber;
        std::vector<Cell> cells(schema.size());
        std::vector<std::string> texts(schema.size());
        for (size_t c = 0; c < schema.size(); ++c) {
            const int c32 = static_cast<int>(c);
            const int storage = sqlite3_column_type(st, c32);
            if (storage == SQLITE_NULL) continue;
            const Field& field = schema.field(c);
            Cell& cell = cells[c];
            bool ok = true;
            if (storage == SQLITE_INTEGER && field.type != Type::String) {
                const int64_t v = sqlite3_column_int64(st, c32);
                cell.null = false;
                if (field.type == Type::Float)
                    cell.f = static_cast<double>(v);
                else if (field.type == Type::Bool)
                    cell.i = v != 0;
                else if (field.type == Type::Time) {
                    auto t = timeFromNumber(static_cast<double>(v), TimeFormat::Auto);
                    ok = t.has_value();
                    cell.i = t.value_or(0);
                } else
                    cell.i = v;
            } else if (storage == SQLITE_FLOAT &&
                       (field.type == Type::Float || field.type == Type::Int)) {
                const double v = sqlite3_column_double(st, c32);
                cell.null = false;
                if (field.type == Type::Float)
                    cell.f = v;
                else if (v == std::floor(v) && std::fabs(v) < 9.2e18)
                    cell.i = static_cast<int64_t>(v);
                else
                    ok = false;
            } else {
                const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, c32));
                texts[c].assign(text ? text : "",
                                static_cast<size_t>(sqlite3_column_bytes(st, c32)));
                ok = parseCell(texts[c], field.type, TimeFormat::Auto, cell);
            }
            if (!ok) {
                const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, c32));
                const std::string shown = text ? std::string(text).substr(0, 40) : std::string();
                sqlite3_finalize(st);
                return Status::error("the " + src.label + ", row " + std::to_string(rowNumber) +
                                     ": column `" + field.name + "` is " +
                                     std::string(typeName(field.type)) + ", but holds `" + shown +
                                     "`");
            }
        }
        for (size_t c = 0; c < schema.size(); ++c) appendCell(rows, c, cells[c]);
        rows.commitRow();
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return db.failure("cannot read the " + src.label);
    return Status::ok();
}

// Strings are not copied: the output batch keeps the input's string blocks alive instead.
void copyColumn(const Column& src, const Batch& srcBatch, Column& dst, Batch& dstBatch) {
    dst.validity() = src.validity();
    switch (src.type()) {
        case Type::Null:
            break;
        case Type::Float:
            dst.floats() = src.floats();
            break;
        case Type::String:
            dstBatch.arena().shareBlocksOf(srcBatch.arena());
            dst.strings() = src.strings();
            break;
        default:
            dst.ints() = src.ints();
            break;
    }
}

class LookupOperator : public Operator {
public:
    // The plan is made again here, so the file may have changed or gone since planning: such a
    // failure is kept and reported by open() (until then the table is empty).
    explicit LookupOperator(const OperatorContext& ctx) : m_ctx(ctx) {
        auto plan = planLookup(ctx.config, *ctx.inputSchemas.at(0));
        if (plan)
            m_plan = std::move(plan.value());
        else
            m_planStatus = plan.status();
        m_table = std::make_shared<Batch>();
        m_table->reset(std::make_shared<const Schema>(m_plan.tableFields));
    }

    Status open() override {
        if (!m_planStatus) return Status::error(m_ctx.nodeLabel + ": " + m_planStatus.message());
        if (!m_plan.output || *m_plan.output != *m_ctx.outputSchemas.at(0))
            return Status::error(m_ctx.nodeLabel + ": the columns of the " + m_plan.source.label +
                                 " changed since the project was planned; validate it again");
        Status s = m_plan.source.kind == TableKind::Csv ? loadCsv(m_plan.source, *m_table)
                                                        : loadSqlite(m_plan.source, *m_table);
        if (!s) return Status::error(m_ctx.nodeLabel + ": " + s.message());
        const Column& keys = m_table->column(static_cast<size_t>(m_plan.keyColumn));
        std::string bytes;
        for (size_t r = 0; r < m_table->rows(); ++r)
            if (encodeKey(keys, r, bytes)) m_index.try_emplace(bytes, static_cast<uint32_t>(r));
        return Status::ok();
    }

    void process(int, const Batch& in, Emitter& out) override {
        if (!m_plan.key) return;  // planning failed: open() has stopped the run
        expr::EvalStats stats;
        m_plan.key->evaluate(in, m_keys, m_scratch, stats);
        if (stats.warnings && m_ctx.metrics)
            m_ctx.metrics->add(m_ctx.metrics->warnings, stats.warnings);
        const size_t n = in.rows();
        m_match.assign(n, -1);
        for (size_t r = 0; r < n; ++r) {
            if (!encodeKey(m_keys, r, m_bytes)) continue;
            auto it = m_index.find(m_bytes);
            if (it != m_index.end()) m_match[r] = static_cast<int64_t>(it->second);
        }
        m_scratch.reset();

        BatchPtr b = out.newBatch(0);
        const size_t inputColumns = in.columnCount();
        for (size_t c = 0; c < inputColumns; ++c) copyColumn(in.column(c), in, b->column(c), *b);
        bool sharedTable = false;
        for (size_t k = 0; k < m_plan.addColumns.size(); ++k) {
            const Column& src = m_table->column(static_cast<size_t>(m_plan.addColumns[k]));
            Column& dst = b->column(inputColumns + k);
            dst.reserve(n);
            if (src.type() == Type::String && !sharedTable) {
                b->arena().shareBlocksOf(m_table->arena());
                sharedTable = true;
            }
            for (size_t r = 0; r < n; ++r) {
                const int64_t m = m_match[r];
                if (m < 0 || src.isNull(static_cast<size_t>(m))) {
                    dst.appendNull();
                    continue;
                }
                const auto row = static_cast<size_t>(m);
                switch (src.type()) {
                    case Type::Float:
                        dst.appendFloat(src.floats()[row]);
                        break;
                    case Type::String:
                        dst.appendStringView(src.strings()[row]);
                        break;
                    case Type::Null:
                        dst.appendNull();
                        break;
                    default:
                        dst.appendInt(src.ints()[row]);
                        break;
                }
            }
        }
        b->setRows(n);
        out.push(0, std::move(b));
    }

private:
    OperatorContext m_ctx;
    LookupPlan m_plan;
    Status m_planStatus;
    std::shared_ptr<Batch> m_table;  // every row of the table, table column order
    std::unordered_map<std::string, uint32_t> m_index;  // key bytes -> first row with that key
    Column m_keys;
    StringArena m_scratch;
    std::string m_bytes;
    std::vector<int64_t> m_match;
};

// Flink: an event-time temporal join (LEFT JOIN ... FOR SYSTEM_TIME AS OF the event's `_time`)
// against the CSV file as a versioned table whose every row is valid from 1970 on: each event
// meets the whole table, and the join emits each event once (append-only), as Riffle's lookup.
Result<FlinkExportPart> exportLookup(const FlinkExportContext& ctx) {
    using R = Result<FlinkExportPart>;
    const Schema& in = *ctx.inputs.at(0).schema;
    auto plan = planLookup(ctx.config, in);
    if (!plan) return R::error(plan.message());
    if (plan->source.kind != TableKind::Csv)
        return R::error(
            "Flink cannot read an SQLite table (its JDBC connector has no SQLite dialect); "
            "write the table as a CSV file and look up in that");
    const std::string table = flink::quote(ctx.nodeId + "__table");
    const Field& keyField = plan->tableFields[static_cast<size_t>(plan->keyColumn)];
    std::string create = "CREATE TABLE " + table + " (\n";
    for (const Field& f : plan->tableFields) {
        if (f.type == Type::Time)
            return R::error("the table's column `" + f.name +
                            "` holds times, which Flink's CSV format reads otherwise; leave the "
                            "lookup's times as text to export");
        create += "  " + flink::quote(f.name) + " " + flink::typeName(f.type) + ",\n";
    }
    create +=
        "  `_riffle_version` AS CAST(TIMESTAMP '1970-01-01 00:00:00' AS TIMESTAMP(3)),\n"
        "  WATERMARK FOR `_riffle_version` AS `_riffle_version`,\n"
        "  PRIMARY KEY (" +
        flink::quote(keyField.name) +
        ") NOT ENFORCED\n) WITH (\n  'connector' = 'filesystem',\n  'path' = " +
        flink::literal(plan->source.path) +
        ",\n  'format' = 'csv',\n  'csv.ignore-parse-errors' = 'true'\n)";
    auto key = flink::expression(ctx.config.getString("key"));
    if (!key) return R::error("`key`: " + key.message());
    std::string select;
    for (const Field& f : in.fields())
        select += (select.empty() ? "" : ", ") + std::string("S.") + flink::quote(f.name);
    for (int c : plan->addColumns) {
        const std::string name = flink::quote(plan->tableFields[static_cast<size_t>(c)].name);
        select += ", T." + name + " AS " + name;
    }
    FlinkExportPart part;
    part.statements.push_back(std::move(create));
    part.statements.push_back("CREATE VIEW " + ctx.relation + " AS\nSELECT " + select +
                              "\nFROM (SELECT *, " + *key + " AS `_riffle_lookup_key` FROM " +
                              ctx.inputs.at(0).relation + ") AS S\nLEFT JOIN " + table +
                              " FOR SYSTEM_TIME AS OF S.`_time` AS T\nON S.`_riffle_lookup_key` "
                              "= T." +
                              flink::quote(keyField.name));
    part.notes.push_back(
        "Flink emits an event once the watermark passes it (a temporal join), Riffle at once; "
        "of table rows with the same key Flink keeps one of its choice, Riffle the first");
    part.notes.push_back(
        "Flink's CSV format has no header option: the header row is skipped as a row that does "
        "not parse (when every column is text it is read as a row, whose key is the key "
        "column's name)");
    return part;
}

}  // namespace

void registerLookup(NodeRegistry& registry) {
    NodeSpec s;
    s.typeId = "transform.lookup";
    s.displayName = "Lookup";
    s.category = "transform";
    s.description =
        "Adds the columns of the matching row of a static CSV or SQLite table to every event, "
        "loaded once at "
        "start; an event without a match gets NULLs (left join).";
    s.inputs = {{"in", "Events to enrich", false}};
    s.outputs = {{"out", "The events with the table's fields added", false}};
    s.params = {
        param("table", ParamType::Path,
              "A .csv file with a header row, or an SQLite file (.db, .sqlite, .sqlite3); relative "
              "to the project's folder")
            .mandatory()
            .inGroup("Table")
            .as(ParamRole::ReadsFile),
        param("sqlite_table", ParamType::String,
              "The table inside an SQLite file (required for SQLite; ignored for CSV)")
            .byDefault("")
            .inGroup("Table"),
        param("key", ParamType::Expression,
              "The value to look up, an expression over the input fields, e.g. city_id")
            .mandatory()
            .inGroup("Match")
            .as(ParamRole::Expression, 0),
        param("table_key", ParamType::String,
              "The table column matched against `key`; empty = the table's first column")
            .byDefault("")
            .inGroup("Match"),
        param("fields", ParamType::StringList,
              "Table columns to add, in this order; empty = every column but the table key")
            .byDefault(Json::array())
            .inGroup("Match")
            .picking(FieldPick::None),  // the table's columns, not the input's fields
    };
    s.stateless = true;  // the table never changes after open()
    s.schemaRule = [](const NodeConfig& config,
                      const SchemaInputs& in) -> Result<std::vector<SchemaPtr>> {
        auto plan = planLookup(config, *in.schemas.at(0));
        if (!plan) return Result<std::vector<SchemaPtr>>::error(plan.message());
        return std::vector<SchemaPtr>{plan->output};
    };
    s.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<LookupOperator>(ctx);
    };
    s.exportFlink = exportLookup;
    registry.add(std::move(s));
}

}  // namespace riffle
