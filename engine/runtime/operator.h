#pragma once
// The interface every node's runtime half implements (the spec half is graph/node_spec.h).
//
// Threading contract (as Flink's StreamOperator): the runtime never calls two methods of one
// operator instance at the same time, but successive calls may come from different worker
// threads. Operators must not block for long (no sleeping, no waiting on sockets): a source
// that has nothing to give returns SourcePoll::waitFor() and is called again later.
// Exceptions must not escape: the runtime catches them at the worker and fails the node, but an
// operator should turn per-event failures into rows on its `errors` port instead.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "engine/charts/chart_feed.h"
#include "engine/checkpoint/state_codec.h"
#include "engine/core/batch.h"
#include "engine/core/status.h"
#include "engine/graph/params.h"
#include "engine/runtime/metrics.h"
#include "engine/runtime/progress_marker.h"

namespace riffle {

// Where an operator sends its output. Ports are numbered as the spec declares its outputs; the
// `errors` port is always the last one (errorsPort()).
class Emitter {
public:
    virtual ~Emitter() = default;
    // An empty batch with the schema of `port`, from the pool.
    virtual BatchPtr newBatch(int port) = 0;
    // Hands a batch on; the operator must not touch it afterwards. Empty batches are ignored.
    virtual void push(int port, BatchPtr batch) = 0;
    // Hands on the batch being processed, unchanged and without a copy (for a filter that keeps
    // every row). False when this emitter cannot (no current input, or `port` has another
    // schema); the operator then pushes a copy.
    virtual bool forwardInput(int port) {
        (void)port;
        return false;
    }
    virtual int errorsPort() const = 0;
    // Sources: puts `marker` into the stream behind every row pushed so far, on every port (see
    // progress_marker.h); the creator's hold on it passes to the runtime. An emitter with
    // nothing downstream (tests) has processed everything: it releases the hold at once.
    virtual void mark(ProgressMarkerPtr marker) {
        if (marker) marker->release();
    }
};

// Everything an operator gets when it is created.
struct OperatorContext {
    NodeConfig config;
    std::string nodeLabel;                 // "source `clicks`" for messages
    std::vector<SchemaPtr> inputSchemas;   // one per input slot (an edge into the node)
    std::vector<int> inputPorts;           // the declared input port of each slot
    std::vector<SchemaPtr> outputSchemas;  // one per output port, `errors` last
    NodeMetrics* metrics = nullptr;
    const std::atomic<bool>* stopRequested = nullptr;
    // A parallel source (NodeSpec::parallelSource) runs as `partitions` instances; this one makes
    // share `partition` of the stream. Always 0 of 1 for every other node.
    int partition = 0;
    int partitions = 1;
    // Wall-clock time when the run was planned (0 outside a run): what "now" means for a source,
    // the same for every instance.
    TimeUs runStartUs = 0;
    // The run's chart channels and history (ExecutorOptions::charts); null when there is none.
    ChartHub* charts = nullptr;
};

// What a stateful operator holds between calls: its keys (groups of open windows, dedupe keys,
// rows waiting in a join window, ...), about how many bytes they take, and what a key is, for
// messages ("groups in open windows").
struct StateSize {
    int64_t keys = 0;
    int64_t bytes = 0;
    const char* what = "keys";
};

class Operator {
public:
    virtual ~Operator() = default;
    // Opens files and connections; a failure stops the run with this node named.
    virtual Status open() { return Status::ok(); }
    // A batch arrived on input slot `slot`.
    virtual void process(int slot, const Batch& in, Emitter& out) = 0;
    // The watermark (minimum over the node's active inputs) advanced to `watermark`.
    virtual void onWatermark(TimeUs watermark, Emitter& out) {
        (void)watermark;
        (void)out;
    }
    // How often onTimer() should run, in microseconds of processing time; 0 = never.
    virtual int64_t timerIntervalUs() const { return 0; }
    // Processing-time tick (for emit_every, timeouts); `nowUs` is wall-clock time.
    virtual void onTimer(TimeUs nowUs, Emitter& out) {
        (void)nowUs;
        (void)out;
    }
    // A source's progress marker has arrived behind every row before it on one input: a sink
    // writes out what it buffers now (the source may then commit those rows as processed). A
    // sink whose writes complete later may hold() the marker and release() it once they have.
    // The runtime passes it on to every output afterwards.
    virtual void onMarker(const ProgressMarkerPtr& marker) { (void)marker; }
    // Every input has ended: emit what is left and flush.
    virtual void finish(Emitter& out) { (void)out; }
    // Releases resources; called once, after finish() or on failure.
    virtual void close() {}
    // The state held now. Called on the operator's thread between the calls above, a few times
    // a second, so it may walk the state; the runtime shows it and holds it to memory_limit.
    virtual StateSize stateSize() const { return {}; }
    // Checkpoints (docs/checkpoints.md); a node whose NodeSpec declares `state` implements the
    // first two, and NodeSpec::noCheckpoint says why when it does not yet.
    // A checkpoint barrier has arrived on every input: write everything the node keeps (the
    // runtime keeps the watermarks itself). A sink makes what it wrote so far durable here and
    // writes where its output stands, so that a restore can take back what came after.
    virtual void snapshotState(checkpoint::StateWriter& w) { (void)w; }
    // Called before open() on recovery, with what snapshotState() wrote; open() then continues
    // from it. A damaged state is an error (the run does not start).
    virtual Status restoreState(checkpoint::StateReader& r) {
        (void)r;
        return Status::ok();
    }
    // Checkpoint `id`, which this node's snapshot is part of, is durable in the store (a sink
    // with a transaction commits it).
    virtual void notifyCheckpointComplete(int64_t id) { (void)id; }
};

struct SourcePoll {
    enum class State { More, Wait, Ended };
    State state = State::More;
    int64_t waitUs = 0;  // for Wait: when to ask again
    static SourcePoll more() { return {}; }
    static SourcePoll waitFor(int64_t us) { return {State::Wait, us}; }
    static SourcePoll ended() { return {State::Ended, 0}; }
};

// A source produces batches when polled. The runtime derives watermarks from the event times
// it emits (docs/runtime.md, "Time"), so a source only emits events.
class SourceOperator {
public:
    virtual ~SourceOperator() = default;
    virtual Status open() { return Status::ok(); }
    // Emits up to about kBatchRows events per output port, or says when to ask again.
    virtual SourcePoll poll(Emitter& out) = 0;
    virtual void close() {}
    // A source that reads several independent streams at once (a Kafka topic's partitions),
    // where the newest event of one says nothing of the others: the event time every stream
    // has reached (the smallest of each stream's newest event; a stream idle for `idle_timeout`
    // left out; kMinTime while one has not said anything yet). The runtime puts the watermark
    // `max_out_of_orderness` behind the smaller of this and the newest event seen, as Flink's
    // per-partition watermarks do. Called after poll(), on the same thread. kMaxTime: no
    // such streams (the default).
    virtual TimeUs eventTimeReached() { return kMaxTime; }
    // Checkpoints, as for Operator: the source's position (what it has emitted so far), which
    // restoreState() (before open()) makes open() continue from.
    virtual void snapshotState(checkpoint::StateWriter& w) { (void)w; }
    virtual Status restoreState(checkpoint::StateReader& r) {
        (void)r;
        return Status::ok();
    }
    virtual void notifyCheckpointComplete(int64_t id) { (void)id; }
};

// Builds rows for an `errors` port: the offending event's fields (when it has any), then
// `error` and `node`. Flushes a batch when it is full and at flush().
class ErrorRows {
public:
    ErrorRows(Emitter& out, std::string nodeId) : m_out(out), m_node(std::move(nodeId)) {}
    ~ErrorRows() { flush(); }
    // Copies row `row` of `in` (whose schema is a prefix of the errors schema) and adds the reason.
    void add(const Batch& in, size_t row, std::string_view error);
    // For sources: errors schema is `_time, raw, line, error, node`.
    void addRaw(TimeUs time, std::string_view raw, int64_t line, std::string_view error);
    void flush();

private:
    Batch& batch();
    Emitter& m_out;
    std::string m_node;
    BatchPtr m_batch;
};

// The errors-port schema of a source: `_time, raw string, line int, error string, node string`.
SchemaPtr sourceErrorsSchema();
// The errors-port schema of a node with inputs: the first input's fields + `error`, `node`.
SchemaPtr errorsSchemaFor(const Schema& input);

}  // namespace riffle
