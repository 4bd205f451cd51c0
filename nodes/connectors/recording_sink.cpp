// sink.recording: captures a stream into a `*.riffle-rec` file that source.recording replays;
// the layout is in recording_format.h.
//
// Every batch is encoded when it arrives (one memcpy-like pass, so the engine never waits on the
// disk per batch) and queued; the queue is written in one SQLite transaction every 0.5 s (the
// node's timer), as soon as it holds a few MB, and at finish(). The file runs in WAL mode with
// synchronous=NORMAL: a crash loses at most the last half second and never corrupts what was
// written. The whole input schema (names and types, `_time` included) goes into the file's meta
// table when it is created in open(), so even an empty recording can be replayed.
//
// Checkpoints: a checkpoint writes the queue and makes the file durable, and saves the newest
// chunk's id. A run that continues from it opens the same file and deletes the chunks after
// that one, which the restored pipeline sends again: a replay adds nothing twice.
//
// Threading: an Operator; called by one worker at a time.
#include <filesystem>
#include <stdexcept>
#include <utility>
#include <vector>

#include "engine/graph/node_registry.h"
#include "nodes/connectors/recording_format.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

constexpr int64_t kFlushIntervalUs = 500000;
constexpr size_t kFlushBytes = 8u << 20;

class RecordingSink : public Operator {
public:
    explicit RecordingSink(const OperatorContext& ctx)
        : m_ctx(ctx),
          m_path(ctx.config.getPath("path")),
          m_overwrite(ctx.config.getBool("overwrite")) {}
    ~RecordingSink() override { close(); }

    Status open() override {
        if (m_ctx.inputSchemas.empty() || !m_ctx.inputSchemas[0])
            return Status::error(m_ctx.nodeLabel + ": has no input");
        if (!hasRecordingExtension(m_path))
            return Status::error(m_ctx.nodeLabel + ": " + extensionProblem(m_path));
        Status s = m_keptChunk >= 0 ? m_writer.reopen(m_path, m_keptChunk)
                                    : m_writer.create(m_path, *m_ctx.inputSchemas[0], m_overwrite);
        if (!s) return Status::error(m_ctx.nodeLabel + ": " + s.message());
        return Status::ok();
    }

    void process(int, const Batch& in, Emitter&) override {
        if (in.empty()) return;
        m_writer.add(in);
        if (m_writer.pendingBytes() >= kFlushBytes) flush();
    }

    int64_t timerIntervalUs() const override { return kFlushIntervalUs; }
    // Held until the rows before it are in the file (the next flush), so that a source commits
    // only recorded rows without a transaction per marker.
    void onMarker(const ProgressMarkerPtr& marker) override {
        if (m_writer.pendingBytes() == 0) return;
        marker->hold();
        m_heldMarkers.push_back(marker);
    }
    void onTimer(TimeUs, Emitter&) override { flush(); }
    void snapshotState(checkpoint::StateWriter& w) override {
        flush();
        std::string why;
        const int64_t chunk = m_writer.sync(why);
        if (chunk < 0)
            throw std::runtime_error(m_ctx.nodeLabel + ": cannot sync `" + m_path + "`: " + why);
        w.i64(chunk);
    }
    Status restoreState(checkpoint::StateReader& r) override {
        m_keptChunk = r.i64();
        if (m_keptChunk < 0) r.fail();
        return Status::ok();
    }
    void finish(Emitter&) override { flush(); }
    void close() override { m_writer.close(); }

    static std::string extensionProblem(const std::string& path) {
        return "`path` must end with " + std::string(kRecordingExtension) + " (got `" + path + "`)";
    }

private:
    // A recording that cannot be written fails the node: a silently incomplete recording would
    // make a later replay wrong without anyone noticing.
    void flush() {
        const std::string why = m_writer.flush();
        if (!why.empty())
            throw std::runtime_error(m_ctx.nodeLabel + ": cannot write to `" + m_path +
                                     "`: " + why);
        for (auto& marker : std::exchange(m_heldMarkers, {})) marker->release();
    }

    OperatorContext m_ctx;
    std::string m_path;
    bool m_overwrite;
    RecordingWriter m_writer;
    std::vector<ProgressMarkerPtr> m_heldMarkers;
    int64_t m_keptChunk = -1;  // restored: the newest chunk the checkpoint had
};

Result<std::vector<SchemaPtr>> recordingSinkSchema(const NodeConfig& config, const SchemaInputs&) {
    using R = Result<std::vector<SchemaPtr>>;
    const std::string path = config.getPath("path");
    if (!path.empty() && !hasRecordingExtension(path))
        return R::error(RecordingSink::extensionProblem(path));
    return std::vector<SchemaPtr>{};
}

}  // namespace

void registerRecordingSink(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = std::string(kRecordingSinkType);
    spec.displayName = "Recording";
    spec.category = "sink";
    spec.description =
        "Captures every event of a stream, with its schema and event time, into a .riffle-rec file "
        "that a Recording source replays.";
    spec.inputs = {{"in", "Events to record"}};
    spec.isSink = true;
    spec.state = {{"chunks written", 1}};

    spec.params.push_back(param("path", ParamType::Path,
                                "The .riffle-rec file to write; relative to the project's folder")
                              .mandatory()
                              .inGroup("Sink")
                              .as(ParamRole::WritesFile));
    spec.params.push_back(
        param("overwrite", ParamType::Bool,
              "Replace an existing recording; when off, a run refuses to start if the file exists")
            .byDefault(true)
            .inGroup("Sink"));

    spec.schemaRule = recordingSinkSchema;
    spec.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<RecordingSink>(ctx);
    };
    spec.noFlinkExport = "Flink cannot write Riffle's recording format; use sink.file";
    registry.add(std::move(spec));
}

}  // namespace riffle
