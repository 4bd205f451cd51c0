// source.file: replays a CSV or JSON Lines file as a stream.
//
// The schema is either declared (`schema`) or inferred from the first rows of the file when the
// project is planned. Rows are read in chunks through LineReader/CsvReader, converted straight
// into columnar batches, and paced by event time when `speed` > 0: the first event is emitted at
// once and every later one when (its time - the first time) / speed has passed, which poll()
// expresses as SourcePoll::waitFor() rather than by sleeping. A row that cannot be read goes to
// `errors` with its line number; the run goes on.
//
// With `loop`, the file starts over at its end and `_time` moves on by the span of the file plus
// one average gap between its events each time, so event time keeps increasing and windows keep
// firing; the file's own columns are left as they are.
#include <algorithm>
#include <chrono>
#include <optional>

#include "engine/core/clock.h"
#include "engine/core/json_text.h"
#include "engine/core/time_format.h"
#include "engine/core/utf8.h"
#include "engine/graph/node_registry.h"
#include "engine/graph/node_spec.h"
#include "nodes/common/csv.h"
#include "nodes/common/file_format.h"
#include "nodes/common/file_values.h"
#include "nodes/common/json_row.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

constexpr int64_t kMaxWaitUs = 1000000;  // ask again at least every second while pacing
constexpr int64_t kDefaultMaxLineBytes = 1024 * 1024;

// The file's time column: `time_field`, or a `_time` column written by sink.file.
std::string effectiveTimeField(const NodeConfig& config, const std::vector<std::string>& names) {
    std::string tf = config.getString("time_field");
    if (tf.empty() && std::find(names.begin(), names.end(), std::string(kTimeField)) != names.end())
        tf = std::string(kTimeField);
    return tf;
}

std::string timeFormatName(TimeFormat f) {
    switch (f) {
        case TimeFormat::Auto:
            return "a time";
        case TimeFormat::Iso8601:
            return "an ISO-8601 time";
        case TimeFormat::EpochS:
            return "epoch seconds";
        case TimeFormat::EpochMs:
            return "epoch milliseconds";
        case TimeFormat::EpochUs:
            return "epoch microseconds";
    }
    return "a time";
}

std::string quoteForMessage(std::string_view text) {
    std::string s(text.substr(0, 40));
    if (text.size() > 40) s += "...";
    return "`" + s + "`";
}

Result<std::vector<SchemaPtr>> fileSourceSchema(const NodeConfig& config, const SchemaInputs&) {
    using R = Result<std::vector<SchemaPtr>>;
    const std::string path = config.getPath("path");
    auto format = resolveFileFormat(config.getString("format"), path);
    if (!format) return R::error(format.message());
    std::vector<Field> fields;
    const auto declared = config.getStringList("schema");
    if (!declared.empty()) {
        auto parsed = parseSchemaList(declared);
        if (!parsed) return R::error(parsed.message());
        fields = std::move(parsed.value());
    } else {
        auto inferred =
            inferFileSchema(path, *format, static_cast<size_t>(config.getInt("max_line_bytes")));
        if (!inferred) return R::error(inferred.message());
        fields = std::move(inferred.value());
    }
    std::vector<std::string> names;
    for (const auto& f : fields) names.push_back(f.name);
    const std::string tf = effectiveTimeField(config, names);
    if (!tf.empty() && std::find(names.begin(), names.end(), tf) == names.end()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        return R::error("`time_field` `" + tf + "` is not a field of `" + path +
                        "` (fields: " + list + ")");
    }
    return R(std::vector<SchemaPtr>{std::make_shared<const Schema>(Schema::stream(fields))});
}

class FileSource : public SourceOperator {
public:
    explicit FileSource(const OperatorContext& ctx)
        : m_ctx(ctx),
          m_schema(ctx.outputSchemas.at(0)),
          m_path(ctx.config.getPath("path")),
          m_speed(ctx.config.getFloat("speed")),
          m_loop(ctx.config.getBool("loop")),
          m_maxLineBytes(static_cast<size_t>(ctx.config.getInt("max_line_bytes"))),
          m_batchRows(static_cast<size_t>(ctx.config.getInt("batch_rows"))),
          m_timeFormat(
              timeFormatFromName(ctx.config.getString("time_format")).value_or(TimeFormat::Auto)) {}

    Status open() override {
        auto format = resolveFileFormat(m_ctx.config.getString("format"), m_path);
        if (!format) return Status::error(m_ctx.nodeLabel + ": " + format.message());
        m_format = *format;
        auto input = FileInput::open(m_path);
        if (!input) return Status::error(m_ctx.nodeLabel + ": " + input.message());
        if (m_format == FileFormat::Csv) {
            m_csv = std::make_unique<CsvReader>(std::move(input.value()), m_maxLineBytes);
            Status s = readHeader();
            if (!s) return s;
        } else {
            m_lines = std::make_unique<LineReader>(std::move(input.value()), m_maxLineBytes);
            m_timeField = m_ctx.config.getString("time_field");
            if (m_timeField.empty()) {
                // The schema cannot say whether the file has a `_time` key (the stream's own
                // `_time` replaces it), so look at the file's first rows as planning did.
                auto keys = inferFileSchema(m_path, FileFormat::Jsonl, m_maxLineBytes);
                std::vector<std::string> names;
                if (keys)
                    for (const auto& f : keys.value()) names.push_back(f.name);
                m_timeField = effectiveTimeField(m_ctx.config, names);
            }
        }
        m_timeFieldIndex = m_timeField.empty() ? -1 : m_schema->indexOf(m_timeField);
        m_cells.resize(m_schema->size());
        return skipEmitted();
    }

    // Checkpoints: how many rows (and error rows) were emitted. A restore reads that many again
    // without emitting them, so `loop` and its time offset continue as they were.
    void snapshotState(checkpoint::StateWriter& w) override {
        w.u64(m_emitted);
        w.i64(m_lastEmittedTime);
        w.boolean(m_haveEmitted);
        w.boolean(m_ended);
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_emitted = r.u64();
        m_lastEmittedTime = r.i64();
        m_haveEmitted = r.boolean();
        m_ended = r.boolean();
        return Status::ok();
    }

    SourcePoll poll(Emitter& out) override {
        if (m_ended) return SourcePoll::ended();
        ErrorRows errors(out, m_ctx.config.id());
        BatchPtr batch;
        const TimeUs pollWallUs = wallClockUs();
        size_t handled = 0;
        while (handled < m_batchRows) {
            if (!m_pending) m_pending = readItem(pollWallUs);
            const Item item = *m_pending;
            if (item == Item::End) {
                m_pending.reset();
                if (m_loop && m_passRows > 0) {
                    Status s = startOver();
                    if (s) continue;
                    errors.addRaw(errorTime(pollWallUs), {}, m_lastLine, s.message());
                }
                m_ended = true;
                if (batch) out.push(0, std::move(batch));
                return SourcePoll::ended();
            }
            if (item == Item::Error) {
                errors.addRaw(m_errorTime, m_errorRaw, m_errorLine, m_error);
                m_pending.reset();
                ++handled;
                ++m_emitted;
                continue;
            }
            if (m_speed > 0 && m_timeFieldIndex >= 0) {
                const int64_t waitUs = pacingWaitUs();
                if (waitUs > 0) {
                    if (batch) out.push(0, std::move(batch));
                    return SourcePoll::waitFor(std::min(waitUs, kMaxWaitUs));
                }
            }
            if (!batch) batch = out.newBatch(0);
            batch->column(0).appendTime(m_eventTime);
            for (size_t k = 1; k < m_cells.size(); ++k) appendCell(*batch, k, m_cells[k]);
            batch->commitRow();
            m_lastEmittedTime = m_eventTime;
            m_haveEmitted = true;
            m_pending.reset();
            ++handled;
            ++m_emitted;
        }
        if (batch) out.push(0, std::move(batch));
        return SourcePoll::more();
    }

    void close() override {
        m_csv.reset();
        m_lines.reset();
    }

private:
    enum class Item { Row, Error, End };

    Status skipEmitted() {
        if (m_ended) return Status::ok();
        for (uint64_t n = 0; n < m_emitted;) {
            if (readItem(0) != Item::End) {
                ++n;
                continue;
            }
            if (m_loop && m_passRows > 0 && startOver()) continue;
            return Status::error(m_ctx.nodeLabel + ": `" + m_path + "` has " + std::to_string(n) +
                                 " rows, fewer than the " + std::to_string(m_emitted) +
                                 " the checkpoint had read: the file changed since; start "
                                 "afresh (riffle-run --from-scratch, or Run > Reset state)");
        }
        return Status::ok();
    }

    Status readHeader() {
        auto header = readCsvHeader(*m_csv, m_path);
        if (!header) return Status::error(m_ctx.nodeLabel + ": " + header.message());
        const auto& names = header.value();
        m_columnOf.assign(m_schema->size(), -1);
        for (size_t k = 1; k < m_schema->size(); ++k) {
            auto it = std::find(names.begin(), names.end(), m_schema->field(k).name);
            if (it == names.end())
                return Status::error(m_ctx.nodeLabel + ": the field `" + m_schema->field(k).name +
                                     "` is not in the header of `" + m_path + "`");
            m_columnOf[k] = static_cast<int>(it - names.begin());
        }
        m_timeField = effectiveTimeField(m_ctx.config, names);
        m_timeColumn = -1;
        if (!m_timeField.empty()) {
            auto it = std::find(names.begin(), names.end(), m_timeField);
            if (it == names.end())
                return Status::error(m_ctx.nodeLabel + ": `time_field` `" + m_timeField +
                                     "` is not in the header of `" + m_path + "`");
            m_timeColumn = static_cast<int>(it - names.begin());
        }
        m_csv->setExpectedFields(names.size());
        return Status::ok();
    }

    Status startOver() {
        if (m_timeFieldIndex >= 0) {
            const int64_t span = m_passMax - m_passMin;
            const int64_t gap = m_passRows > 1 && span > 0 ? span / (m_passRows - 1) : 1000000;
            m_loopOffset += span + gap;
        }
        m_passRows = 0;
        m_passMin = kMaxTime;
        m_passMax = kMinTime;
        if (m_csv) {
            Status s = m_csv->rewind();
            if (!s) return s;
            auto header = readCsvHeader(*m_csv, m_path);
            if (!header) return Status::error(header.message());
            return Status::ok();
        }
        return m_lines->rewind();
    }

    // Time of an error row: the event time when it is known, else the latest emitted event time,
    // so that errors never move a replay's watermark ahead of its events.
    TimeUs errorTime(TimeUs pollWallUs) const {
        if (m_timeFieldIndex < 0) return pollWallUs;
        return m_haveEmitted ? m_lastEmittedTime : 0;
    }

    Item setError(int64_t line, std::string_view raw, std::string message, TimeUs time) {
        m_errorLine = line;
        m_errorRaw.assign(raw.substr(0, LineReader::kHeadBytes));
        m_error = std::move(message);
        m_errorTime = time;
        return Item::Error;
    }

    // Reads the next row into m_cells / m_eventTime, or an error into m_error*.
    Item readItem(TimeUs pollWallUs) {
        const TimeUs fallback = errorTime(pollWallUs);
        if (m_csv) {
            const auto kind = m_csv->next();
            m_lastLine = m_csv->line();
            if (kind == CsvReader::Kind::End) {
                if (!m_csv->inputError().empty() && !m_readErrorReported) {
                    m_readErrorReported = true;
                    return setError(m_lastLine, {}, m_csv->inputError(), fallback);
                }
                return Item::End;
            }
            if (kind == CsvReader::Kind::Error)
                return setError(m_csv->line(), m_csv->raw(), m_csv->error(), fallback);
            return convertCsv(pollWallUs, fallback);
        }
        for (;;) {
            const auto line = m_lines->next();
            m_lastLine = line.number;
            if (line.kind == LineReader::Kind::End) {
                if (!m_lines->inputError().empty() && !m_readErrorReported) {
                    m_readErrorReported = true;
                    return setError(m_lastLine, {}, m_lines->inputError(), fallback);
                }
                return Item::End;
            }
            if (line.kind == LineReader::Kind::TooLong)
                return setError(line.number, line.text,
                                "line " + std::to_string(line.number) + " is longer than " +
                                    formatByteSize(m_maxLineBytes),
                                fallback);
            if (line.text.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank
            return convertJson(line.text, line.number, pollWallUs, fallback);
        }
    }

    std::string lineText(int64_t line) const { return "line " + std::to_string(line) + ": "; }

    Item finishRow(TimeUs eventTime) {
        if (m_timeFieldIndex >= 0) {
            m_passMin = std::min(m_passMin, eventTime);
            m_passMax = std::max(m_passMax, eventTime);
            // The time column, when typed `time`, holds the file's time as read with time_format.
            if (m_schema->field(static_cast<size_t>(m_timeFieldIndex)).type == Type::Time) {
                m_cells[static_cast<size_t>(m_timeFieldIndex)].null = false;
                m_cells[static_cast<size_t>(m_timeFieldIndex)].i = eventTime;
            }
            m_eventTime = eventTime + m_loopOffset;
        } else {
            m_eventTime = eventTime;
        }
        ++m_passRows;
        return Item::Row;
    }

    Item convertCsv(TimeUs pollWallUs, TimeUs fallback) {
        const auto& fields = m_csv->fields();
        const int64_t line = m_csv->line();
        for (size_t i = 0; i < fields.size(); ++i) {
            const size_t bad = findInvalidUtf8(fields[i].text);
            if (bad != std::string_view::npos)
                return setError(line, m_csv->raw(),
                                lineText(line) + "field " + std::to_string(i + 1) +
                                    " is not valid UTF-8 (byte " + std::to_string(bad + 1) + ")",
                                fallback);
        }
        TimeUs eventTime = pollWallUs;
        if (m_timeColumn >= 0) {
            const CsvField& tf = fields[static_cast<size_t>(m_timeColumn)];
            if (tf.isNull())
                return setError(line, m_csv->raw(),
                                lineText(line) + "the time field `" + m_timeField + "` is empty",
                                fallback);
            auto t = parseTime(tf.text, m_timeFormat);
            if (!t)
                return setError(line, m_csv->raw(),
                                lineText(line) + "the time field `" + m_timeField + "` is not " +
                                    timeFormatName(m_timeFormat) + ": " + quoteForMessage(tf.text),
                                fallback);
            eventTime = *t;
        }
        const TimeUs rowTime = m_timeColumn >= 0 ? eventTime + m_loopOffset : eventTime;
        for (size_t k = 1; k < m_cells.size(); ++k) {
            const CsvField& f = fields[static_cast<size_t>(m_columnOf[k])];
            Cell& cell = m_cells[k];
            if (f.isNull()) {
                cell = Cell{};
                continue;
            }
            const Field& field = m_schema->field(k);
            if (static_cast<int>(k) == m_timeFieldIndex && field.type == Type::Time)
                continue;  // set below
            if (!parseCell(f.text, field.type, TimeFormat::Auto, cell))
                return setError(line, m_csv->raw(),
                                lineText(line) + "field `" + field.name + "`: expected " +
                                    std::string(typeName(field.type)) + ", got " +
                                    quoteForMessage(f.text),
                                rowTime);
        }
        return finishRow(eventTime);
    }

    Item convertJson(std::string_view text, int64_t line, TimeUs pollWallUs, TimeUs fallback) {
        const size_t bad = findInvalidUtf8(text);
        if (bad != std::string_view::npos)
            return setError(
                line, text,
                lineText(line) + "not valid UTF-8 (byte " + std::to_string(bad + 1) + ")",
                fallback);
        if (auto problem = parseJsonInto(text, m_json)) {
            const std::string why =
                problem->kind == JsonProblem::Kind::Syntax
                    ? "not valid JSON (at byte " + std::to_string(problem->byte + 1) + ")"
                    : problem->reason;
            return setError(line, text, lineText(line) + why, fallback);
        }
        if (!m_json.is_object())
            return setError(line, text,
                            lineText(line) + "expected a JSON object, got " + m_json.type_name(),
                            fallback);
        TimeUs eventTime = pollWallUs;
        if (!m_timeField.empty()) {
            auto it = m_json.find(m_timeField);
            if (it == m_json.end() || it->is_null())
                return setError(line, text,
                                lineText(line) + "the time field `" + m_timeField + "` is missing",
                                fallback);
            auto t = jsonToTime(*it, m_timeFormat);
            if (!t) {
                std::string shown = it->dump(-1, ' ', false, Json::error_handler_t::replace);
                return setError(line, text,
                                lineText(line) + "the time field `" + m_timeField + "` is not " +
                                    timeFormatName(m_timeFormat) + ": " + quoteForMessage(shown),
                                fallback);
            }
            eventTime = *t;
        }
        const TimeUs rowTime = m_timeField.empty() ? eventTime : eventTime + m_loopOffset;
        std::string why =
            jsonObjectToCells(m_json, *m_schema, 1, TimeFormat::Auto, m_cells, m_storage);
        if (!why.empty()) return setError(line, text, lineText(line) + why, rowTime);
        return finishRow(eventTime);
    }

    // How long until the pending row is due; 0 or less when it is.
    int64_t pacingWaitUs() {
        const int64_t nowUs = steadyClockUs();
        if (!m_anchored) {
            m_anchored = true;
            m_anchorEvent = m_eventTime;
            m_anchorSteady = nowUs;
            return 0;
        }
        const double dueUs = static_cast<double>(m_anchorSteady) +
                             static_cast<double>(m_eventTime - m_anchorEvent) / m_speed;
        return static_cast<int64_t>(dueUs - static_cast<double>(nowUs));
    }

    OperatorContext m_ctx;
    SchemaPtr m_schema;
    std::string m_path;
    double m_speed;
    bool m_loop;
    size_t m_maxLineBytes;
    size_t m_batchRows;
    TimeFormat m_timeFormat;
    FileFormat m_format = FileFormat::Csv;

    std::unique_ptr<CsvReader> m_csv;
    std::unique_ptr<LineReader> m_lines;
    std::vector<int> m_columnOf;  // CSV: header column of each schema field (index 0 unused)
    std::string m_timeField;
    int m_timeColumn = -1;      // CSV header column of the time field
    int m_timeFieldIndex = -1;  // schema index of the time field

    // The row read but not yet emitted (it may be waiting for its time when paced).
    std::optional<Item> m_pending;
    std::vector<Cell> m_cells;
    std::vector<std::string> m_storage;
    Json m_json;
    TimeUs m_eventTime = 0;
    std::string m_error;
    std::string m_errorRaw;
    int64_t m_errorLine = 0;
    TimeUs m_errorTime = 0;
    int64_t m_lastLine = 0;
    bool m_readErrorReported = false;

    TimeUs m_lastEmittedTime = 0;
    bool m_haveEmitted = false;
    uint64_t m_emitted = 0;  // rows and error rows, since the start of the file's first pass
    bool m_ended = false;

    bool m_anchored = false;
    TimeUs m_anchorEvent = 0;
    int64_t m_anchorSteady = 0;

    int64_t m_passRows = 0;
    TimeUs m_passMin = kMaxTime;
    TimeUs m_passMax = kMinTime;
    int64_t m_loopOffset = 0;
};

}  // namespace

void registerFileSource(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "source.file";
    spec.displayName = "File";
    spec.category = "source";
    spec.description =
        "Replays a CSV or JSON Lines file as a stream, at its original pace or as fast as "
        "possible. "
        "The fields are declared or inferred from the first rows.";
    spec.outputs = {{"out", "One event per row of the file"}};

    spec.params.push_back(
        param("path", ParamType::Path,
              "The file to read; a relative path is taken from the project's folder")
            .mandatory()
            .inGroup("Source")
            .as(ParamRole::ReadsFile));
    spec.params.push_back(
        param("format", ParamType::Choice,
              "csv (header row, RFC 4180) or jsonl (one object per line); auto goes by the "
              "extension")
            .byDefault("auto")
            .oneOf({"auto", "csv", "jsonl"})
            .inGroup("Source"));
    spec.params.push_back(
        param("schema", ParamType::StringList,
              "Fields as \"name type\" (e.g. \"latency_ms int\"); empty: inferred from the "
              "first 100 rows")
            .byDefault(Json::array())
            .inGroup("Source"));
    spec.params.push_back(
        param("speed", ParamType::Float,
              "Replay pace by event time: 1 = original, 2 = twice as fast, 0 = as fast as possible")
            .byDefault(0.0)
            .range(0)
            .inUnit("x")
            .inGroup("Source"));
    spec.params.push_back(
        param("loop", ParamType::Bool,
              "Start over at the end of the file; event time keeps increasing across repeats")
            .byDefault(false)
            .inGroup("Source"));
    spec.params.push_back(
        param("max_line_bytes", ParamType::Int, "A longer line goes to `errors` and is skipped")
            .byDefault(kDefaultMaxLineBytes)
            .range(64, 1024.0 * 1024 * 1024)
            .inUnit("bytes")
            .inGroup("Source"));
    spec.params.push_back(
        param("batch_rows", ParamType::Int,
              "Rows read per step; the watermark moves after each step, so 1 replays the file "
              "event by event")
            .byDefault(static_cast<int64_t>(kBatchRows))
            .range(1, static_cast<double>(kBatchRows))
            .inUnit("rows")
            .inGroup("Source"));

    for (auto& p : sourceTimeParams("2s")) spec.params.push_back(std::move(p));

    spec.state = {{"position", 1}};
    spec.schemaRule = fileSourceSchema;
    spec.exportFlink = [](const FlinkExportContext& ctx) -> Result<FlinkExportPart> {
        using R = Result<FlinkExportPart>;
        const NodeConfig& c = ctx.config;
        auto format = resolveFileFormat(c.getString("format"), c.getPath("path"));
        if (!format) return R::error(format.message());
        auto time = flink::eventTime(c);
        if (!time) return R::error(time.message());
        FlinkExportPart part;
        std::string create = "CREATE TABLE " + ctx.relation + " (\n";
        for (const Field& f : ctx.output->fields()) {
            if (f.name == kTimeField) continue;
            create += "  " + flink::quote(f.name) + " " +
                      (f.name == time->field ? time->fieldType : flink::typeName(f.type)) + ",\n";
        }
        create += time->lines + "\n) WITH (\n" +
                  "  'connector' = 'filesystem',\n  'path' = " + flink::literal(c.getPath("path")) +
                  ",\n";
        if (*format == FileFormat::Csv) {
            create += "  'format' = 'csv',\n  'csv.ignore-parse-errors' = 'true'\n)";
            part.notes.push_back(
                "Flink's CSV format has no header option: the header row is "
                "skipped as a row that does not parse, and so is any malformed "
                "row, which Riffle sends to `errors`");
        } else {
            create += "  'format' = 'json'\n)";
        }
        if (*format == FileFormat::Jsonl)
            part.notes.push_back(
                "a malformed line fails the Flink job; Riffle sends it to "
                "`errors`");
        part.notes.push_back(
            "Flink's watermark trails the newest event by 1 ms more than "
            "Riffle's (bounded out-of-orderness), so an event exactly "
            "`max_out_of_orderness` late counts in Riffle and is late in Flink");
        part.statements.push_back(std::move(create));
        return part;
    };
    spec.createSource = [](const OperatorContext& ctx) {
        return std::make_unique<FileSource>(ctx);
    };
    registry.add(std::move(spec));
}

}  // namespace riffle
