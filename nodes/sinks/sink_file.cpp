// sink.file: writes a stream to a CSV or JSON Lines file.
//
// Every field is written, `_time` first, times as ISO-8601 UTC with milliseconds. Output is
// collected in a buffer and written in large pieces; finish() writes the rest and flushes, so the
// file is complete when the run ends. A row with a string that is not valid UTF-8 goes to
// `errors` instead of into the file. A failed write (disk full) fails the node: a file with rows
// silently missing would be worse.
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <filesystem>
#include <optional>
#include <stdexcept>

#include "engine/core/utf8.h"
#include "engine/graph/node_registry.h"
#include "nodes/common/csv.h"
#include "nodes/common/file_format.h"
#include "nodes/common/json_row.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

constexpr size_t kWriteBytes = 256 * 1024;

class FileSink : public Operator {
public:
    explicit FileSink(const OperatorContext& ctx)
        : m_ctx(ctx), m_path(ctx.config.getPath("path")) {}
    ~FileSink() override { close(); }

    Status open() override {
        auto format = resolveFileFormat(m_ctx.config.getString("format"), m_path);
        if (!format) return Status::error(m_ctx.nodeLabel + ": " + format.message());
        m_format = *format;
        if (m_ctx.inputSchemas.empty() || !m_ctx.inputSchemas[0])
            return Status::error(m_ctx.nodeLabel + ": has no input");
        const std::filesystem::path parent = std::filesystem::path(m_path).parent_path();
        if (!parent.empty()) {
            std::error_code ec;
            std::filesystem::create_directories(parent, ec);
        }
        if (m_resumeAt) return resume(*m_resumeAt);
        m_file = std::fopen(m_path.c_str(), "wb");
        if (!m_file)
            return Status::error(m_ctx.nodeLabel + ": cannot open `" + m_path +
                                 "` for writing: " + std::strerror(errno));
        if (m_format == FileFormat::Csv) appendCsvHeader(m_buffer, *m_ctx.inputSchemas[0]);
        return Status::ok();
    }

    // Checkpoints: what was written up to the barrier is made durable, and its length saved; a
    // restore cuts the file back to it, so that the rows written after the checkpoint, which
    // the run writes again, are not in it twice.
    void snapshotState(checkpoint::StateWriter& w) override {
        writeBuffer();
        if (m_file && (std::fflush(m_file) != 0 || ::fdatasync(::fileno(m_file)) != 0))
            throw std::runtime_error(m_ctx.nodeLabel + ": cannot write `" + m_path +
                                     "`: " + std::strerror(errno));
        w.i64(m_file ? std::ftell(m_file) : 0);
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_resumeAt = r.i64();
        return Status::ok();
    }

    void process(int slot, const Batch& in, Emitter& out) override {
        (void)slot;
        ErrorRows errors(out, m_ctx.config.id());
        std::vector<size_t> stringColumns;
        for (size_t c = 0; c < in.columnCount(); ++c)
            if (in.column(c).type() == Type::String) stringColumns.push_back(c);
        for (size_t r = 0; r < in.rows(); ++r) {
            if (!checkUtf8(in, r, stringColumns, errors)) continue;
            if (m_format == FileFormat::Csv)
                appendCsvRow(m_buffer, in, r);
            else
                appendJsonRow(m_buffer, in, r);
        }
        if (m_buffer.size() >= kWriteBytes) writeBuffer();
    }

    // A source waits for its rows to be written before it commits them (progress_marker.h).
    void onMarker(const ProgressMarkerPtr&) override {
        writeBuffer();
        if (m_file && std::fflush(m_file) != 0)
            throw std::runtime_error(m_ctx.nodeLabel + ": cannot write `" + m_path +
                                     "`: " + std::strerror(errno));
    }

    void finish(Emitter& out) override {
        (void)out;
        writeBuffer();
        if (m_file && std::fflush(m_file) != 0)
            throw std::runtime_error(m_ctx.nodeLabel + ": cannot write `" + m_path +
                                     "`: " + std::strerror(errno));
    }

    void close() override {
        if (!m_file) return;
        if (!m_buffer.empty()) {
            // Reached only when finish() was not called (the run failed): keep what was received.
            std::fwrite(m_buffer.data(), 1, m_buffer.size(), m_file);
            m_buffer.clear();
        }
        std::fclose(m_file);
        m_file = nullptr;
    }

private:
    Status resume(int64_t length) {
        const std::string again =
            " (start afresh with riffle-run --from-scratch, or Run > Reset "
            "state)";
        m_file = std::fopen(m_path.c_str(), "r+b");
        if (!m_file)
            return Status::error(m_ctx.nodeLabel + ": cannot open `" + m_path +
                                 "` to continue it: " + std::strerror(errno) + again);
        struct stat st {};
        if (::fstat(::fileno(m_file), &st) != 0 || st.st_size < length)
            return Status::error(m_ctx.nodeLabel + ": `" + m_path + "` is shorter than the " +
                                 std::to_string(length) +
                                 " bytes the checkpoint had written: it changed since" + again);
        if (::ftruncate(::fileno(m_file), length) != 0 || std::fseek(m_file, 0, SEEK_END) != 0)
            return Status::error(m_ctx.nodeLabel + ": cannot cut `" + m_path + "` back to " +
                                 std::to_string(length) + " bytes: " + std::strerror(errno));
        return Status::ok();
    }

    bool checkUtf8(const Batch& in, size_t row, const std::vector<size_t>& columns,
                   ErrorRows& errors) {
        for (size_t c : columns) {
            if (in.column(c).isNull(row)) continue;
            const size_t bad = findInvalidUtf8(in.column(c).strings()[row]);
            if (bad == std::string_view::npos) continue;
            errors.add(in, row,
                       "field `" + in.schema().field(c).name + "` is not valid UTF-8 (byte " +
                           std::to_string(bad + 1) + ")");
            return false;
        }
        return true;
    }

    void writeBuffer() {
        if (!m_file || m_buffer.empty()) return;
        const size_t written = std::fwrite(m_buffer.data(), 1, m_buffer.size(), m_file);
        const bool failed = written != m_buffer.size();
        m_buffer.clear();
        if (failed)
            throw std::runtime_error(m_ctx.nodeLabel + ": cannot write `" + m_path +
                                     "`: " + std::strerror(errno));
    }

    OperatorContext m_ctx;
    std::string m_path;
    FileFormat m_format = FileFormat::Csv;
    std::FILE* m_file = nullptr;
    std::string m_buffer;
    std::optional<int64_t> m_resumeAt;  // the length to continue from, after a restore
};

}  // namespace

void registerFileSink(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "sink.file";
    spec.displayName = "File";
    spec.category = "sink";
    spec.description =
        "Writes every event to a CSV or JSON Lines file, `_time` included, times as ISO-8601 UTC. "
        "The file is replaced at the start of each run; a run that continues from a checkpoint "
        "cuts it back to the checkpoint instead, so that no row is in it twice.";
    spec.inputs = {{"in", "Events to write"}};
    spec.isSink = true;
    spec.state = {{"length written", 1}};

    spec.params.push_back(
        param("path", ParamType::Path,
              "The file to write (replaced when the run starts); relative to the project's folder")
            .mandatory()
            .inGroup("Sink")
            .as(ParamRole::WritesFile));
    spec.params.push_back(
        param("format", ParamType::Choice,
              "csv (with a header row) or jsonl (one object per line); auto goes by the extension")
            .byDefault("auto")
            .oneOf({"auto", "csv", "jsonl"})
            .inGroup("Sink"));

    spec.schemaRule = [](const NodeConfig& config,
                         const SchemaInputs&) -> Result<std::vector<SchemaPtr>> {
        auto format = resolveFileFormat(config.getString("format"), config.getPath("path"));
        if (!format) return Result<std::vector<SchemaPtr>>::error(format.message());
        return std::vector<SchemaPtr>{};
    };
    spec.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<FileSink>(ctx);
    };
    spec.exportFlink = [](const FlinkExportContext& ctx) -> Result<FlinkExportPart> {
        using R = Result<FlinkExportPart>;
        auto format = resolveFileFormat(ctx.config.getString("format"), ctx.config.getPath("path"));
        if (!format) return R::error(format.message());
        FlinkExportPart part = flink::sinkTable(
            ctx, "  'connector' = 'filesystem',\n  'path' = " +
                     flink::literal(ctx.config.getPath("path")) +
                     ",\n  'format' = " + (*format == FileFormat::Csv ? "'csv'" : "'json'"));
        part.notes.push_back(
            "Flink writes a folder of part files at `path`, not one file; a CSV "
            "has no header row, and times are written as "
            "yyyy-MM-dd HH:mm:ss.SSS");
        return part;
    };
    registry.add(std::move(spec));
}

}  // namespace riffle
