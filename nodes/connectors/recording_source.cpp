// source.recording: replays a `*.riffle-rec` file written by sink.recording.
//
// The schema is the recorded one, read from the file when the project is planned. Each recorded
// chunk is one batch as the original run delivered it, and the replay emits exactly those batches
// in recorded order: the batching (and so where the runtime places watermarks between events)
// never depends on timing, which is what makes two replays through one pipeline give the same
// results. Event time is the recorded `_time`.
//
// Pacing by event time with `speed` > 0: the first chunk's first event anchors the replay, and
// each chunk is emitted when its last event is due ((last time - anchor) / speed after the
// start), as the original source emitted it once its last event existed. poll() expresses the
// wait as SourcePoll::waitFor() and never sleeps. Speed 0 replays as fast as possible.
//
// With `loop`, the replay starts over at the end and `_time` moves on by the span of the
// recording plus one average gap between its events each time, so windows keep firing.
//
// Threading: a SourceOperator; polled by one worker at a time.
#include <algorithm>
#include <chrono>

#include "engine/core/clock.h"
#include "engine/graph/node_registry.h"
#include "nodes/connectors/recording_format.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

constexpr int64_t kMaxWaitUs = 1000000;  // ask again at least every second while pacing

Result<std::vector<SchemaPtr>> recordingSourceSchema(const NodeConfig& config,
                                                     const SchemaInputs&) {
    using R = Result<std::vector<SchemaPtr>>;
    auto schema = readRecordingSchema(config.getPath("path"));
    if (!schema) return R::error(schema.message());
    return R(std::vector<SchemaPtr>{std::make_shared<const Schema>(std::move(schema.value()))});
}

class RecordingSource : public SourceOperator {
public:
    explicit RecordingSource(const OperatorContext& ctx)
        : m_ctx(ctx),
          m_path(ctx.config.getPath("path")),
          m_speed(ctx.config.getFloat("speed")),
          m_loop(ctx.config.getBool("loop")) {}
    ~RecordingSource() override { close(); }

    Status open() override {
        auto schema = m_reader.open(m_path);
        if (!schema) return Status::error(m_ctx.nodeLabel + ": " + schema.message());
        if (!(schema.value() == *m_ctx.outputSchemas.at(0)))
            return Status::error(m_ctx.nodeLabel + ": the recording `" + m_path +
                                 "` changed since the project was checked (now: " +
                                 schema.value().toString() + "); run again");
        // After a restore: step past the chunks of this pass that were emitted already.
        for (int64_t k = 0; !m_ended && k < m_chunkInPass; ++k)
            if (m_reader.next() <= 0)
                return Status::error(m_ctx.nodeLabel + ": `" + m_path + "` has fewer chunks than " +
                                     "the checkpoint had read: it changed since; start afresh "
                                     "(riffle-run --from-scratch, or Run > Reset state)");
        return Status::ok();
    }

    // Checkpoints: the chunks of the current pass emitted so far, and the pass and loop figures.
    void snapshotState(checkpoint::StateWriter& w) override {
        w.i64(m_chunkInPass - (m_pending ? 1 : 0));
        w.i64(m_chunk - (m_pending ? 1 : 0));
        w.i64(m_loopOffset);
        w.i64(m_passRows);
        w.i64(m_passMin);
        w.i64(m_passMax);
        w.i64(m_lastTime);
        w.boolean(m_ended);
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_chunkInPass = r.i64();
        m_chunk = r.i64();
        m_loopOffset = r.i64();
        m_passRows = r.i64();
        m_passMin = r.i64();
        m_passMax = r.i64();
        m_lastTime = r.i64();
        m_ended = r.boolean();
        if (m_chunkInPass < 0) r.fail();
        return Status::ok();
    }

    SourcePoll poll(Emitter& out) override {
        if (m_ended) return SourcePoll::ended();
        for (;;) {
            if (!m_pending) {
                const int rc = m_reader.next();
                if (rc == 0 && m_loop && m_passRows > 0) {
                    startOver();
                    continue;
                }
                if (rc <= 0) {
                    if (rc < 0) {
                        ErrorRows errors(out, m_ctx.config.id());
                        errors.addRaw(m_lastTime, {}, m_chunk,
                                      "cannot read `" + m_path + "` after chunk " +
                                          std::to_string(m_chunk) + ": " + m_reader.error());
                    }
                    m_ended = true;
                    return SourcePoll::ended();
                }
                m_pending = true;
                ++m_chunk;
                ++m_chunkInPass;
            }
            if (m_speed > 0) {
                const int64_t waitUs = pacingWaitUs();
                if (waitUs > 0) return SourcePoll::waitFor(std::min(waitUs, kMaxWaitUs));
            }
            m_pending = false;
            BatchPtr batch = out.newBatch(0);
            const std::string why = decodeBatch(m_reader.data(), *batch);
            if (!why.empty()) {
                ErrorRows errors(out, m_ctx.config.id());
                errors.addRaw(m_lastTime, {}, m_chunk,
                              "chunk " + std::to_string(m_chunk) + " of `" + m_path +
                                  "` is damaged (" + why + "); its events are skipped");
                return SourcePoll::more();
            }
            if (batch->empty()) continue;
            auto& times = batch->column(0).ints();
            m_passMin = std::min(m_passMin, times.front());
            m_passMax = std::max(m_passMax, times.back());
            m_passRows += static_cast<int64_t>(times.size());
            if (m_loopOffset)
                for (auto& t : times) t += m_loopOffset;
            m_lastTime = times.back();
            out.push(0, std::move(batch));
            return SourcePoll::more();
        }
    }

    void close() override { m_reader.close(); }

private:
    void startOver() {
        const int64_t span = std::max<int64_t>(m_passMax - m_passMin, 0);
        const int64_t gap = m_passRows > 1 && span > 0 ? span / (m_passRows - 1) : 1000000;
        m_loopOffset += span + gap;
        m_passRows = 0;
        m_passMin = kMaxTime;
        m_passMax = kMinTime;
        m_chunkInPass = 0;
        m_reader.rewind();
    }

    // How long until the pending chunk is due; 0 or less when it is.
    int64_t pacingWaitUs() {
        const int64_t nowUs = steadyClockUs();
        if (!m_anchored) {
            m_anchored = true;
            m_anchorEvent = m_reader.firstTime();
            m_anchorSteady = nowUs;
        }
        const double dueUs =
            static_cast<double>(m_anchorSteady) +
            static_cast<double>(m_reader.lastTime() + m_loopOffset - m_anchorEvent) / m_speed;
        return static_cast<int64_t>(dueUs - static_cast<double>(nowUs));
    }

    OperatorContext m_ctx;
    std::string m_path;
    double m_speed;
    bool m_loop;
    RecordingReader m_reader;
    bool m_pending = false;  // the reader stands on a chunk not emitted yet
    bool m_ended = false;
    int64_t m_chunk = 0;        // 1-based number of the current chunk, for messages
    int64_t m_chunkInPass = 0;  // chunks read in this pass (of `loop`), the current one included
    TimeUs m_lastTime = 0;      // time of the last emitted event, for error rows
    bool m_anchored = false;
    int64_t m_anchorEvent = 0;
    int64_t m_anchorSteady = 0;
    int64_t m_loopOffset = 0;
    int64_t m_passRows = 0;
    TimeUs m_passMin = kMaxTime;
    TimeUs m_passMax = kMinTime;
};

}  // namespace

void registerRecordingSource(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "source.recording";
    spec.state = {{"position", 1}};
    spec.displayName = "Recording";
    spec.category = "source";
    spec.description =
        "Replays a .riffle-rec file written by a Recording sink, at the original pace, a multiple "
        "of "
        "it, or as fast as possible; the same recording always gives the same results.";
    spec.outputs = {{"out", "The recorded events, with their recorded schema and event time"}};

    spec.params.push_back(param("path", ParamType::Path,
                                "The .riffle-rec file to replay; relative to the project's folder")
                              .mandatory()
                              .inGroup("Source")
                              .as(ParamRole::ReadsFile));
    spec.params.push_back(
        param("speed", ParamType::Float,
              "Replay pace by event time: 1 = original, 2 = twice as fast, 0 = as fast as possible")
            .byDefault(1.0)
            .range(0)
            .inUnit("x")
            .inGroup("Source"));
    spec.params.push_back(param("loop", ParamType::Bool,
                                "Start over at the end; event time keeps increasing across repeats")
                              .byDefault(false)
                              .inGroup("Source"));

    for (ParamSpec p : sourceTimeParams("0s")) {
        if (p.key == "time_field") p.help = "Ignored: a recording replays its recorded `_time`";
        if (p.key == "time_format") p.help = "Ignored: a recording stores `_time` as a time";
        spec.params.push_back(std::move(p));
    }

    spec.schemaRule = recordingSourceSchema;
    spec.createSource = [](const OperatorContext& ctx) {
        return std::make_unique<RecordingSource>(ctx);
    };
    spec.noFlinkExport =
        "Flink cannot read Riffle's recording format: replay it into sink.file and export a "
        "project that reads that file";
    registry.add(std::move(spec));
}

}  // namespace riffle
