#include "engine/runtime/executor.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <thread>

#include "engine/aggregate/hash.h"
#include "engine/core/clock.h"
#include "engine/graph/node_instance.h"
#include "engine/graph/project_settings.h"
#include "engine/runtime/channel.h"

namespace riffle {

namespace {

// Watermarks are re-evaluated at least this often for a source that is waiting.
constexpr int64_t kWatermarkIntervalNs = 200'000'000;
// How far (in event time) an instance of a parallel source may run ahead of its slowest sibling.
// Without a bound a fast instance would race ahead and everything downstream would hold its
// future windows in memory until the slow one caught up (Flink's watermark alignment).
constexpr int64_t kMaxSourceDriftUs = 2'000'000;
constexpr int64_t kAlignRetryNs = 1'000'000;

// The watermarks of the instances of one parallel source, each written by its own instance.
struct SourceSiblings {
    explicit SourceSiblings(size_t n) : watermarks(n) {
        for (auto& w : watermarks) w.store(kMinTime, std::memory_order_relaxed);
    }
    std::vector<std::atomic<TimeUs>> watermarks;
};

// Messages a task handles per turn before it yields its worker to other tasks.
constexpr int kMessagesPerTurn = 64;

}  // namespace

struct OpRuntime;

struct Target {
    OpRuntime* local = nullptr;  // fused: call directly
    Channel* channel = nullptr;  // otherwise: through a queue
    int slot = 0;
};

// One operator inside a task, with its routing and watermark bookkeeping.
struct OpRuntime {
    NodeInstance inst;
    Task* task = nullptr;
    std::vector<std::vector<Target>> outputs;  // per output port
    int errorsPort = 0;
    int latePort = -1;
    // Per output port: the live peek the studio opened on it, or null (see Executor::openPeek).
    std::unique_ptr<std::atomic<PeekTap*>[]> peeks;
    int partition = 0;  // which instance of its node (parallel sources and their fused chain)
    // Input slots are physical: one per incoming channel or fused wire. A node fed by a parallel
    // source has one per source instance; slotLogical maps each to the node's input slot.
    std::vector<int> slotLogical;
    std::vector<TimeUs> slotWatermark;
    std::vector<uint8_t> slotEnded, slotIdle;
    int endedSlots = 0;
    // Checkpoints: the barrier being aligned and the inputs it has arrived on, which are not
    // read until it has arrived on every input (barrier.h).
    BarrierPtr aligning;
    std::vector<uint8_t> slotBarrier;
    int barrierArrivals = 0;
    int64_t lastBarrierId = 0;  // sources: the newest barrier injected
    int64_t notifiedCheckpoint = 0;
    bool sourceDone = false;  // sources: injects no more barriers; guarded by the mutex
    std::string stateNode;    // its id in checkpoints: the node's, "#k" for instance k
    std::string stateName;
    int stateVersion = 1;
    std::string stateSignature;
    const checkpoint::NodeState* restore = nullptr;  // its saved state, until start()
    TimeUs watermark = kMinTime;
    bool idleForwarded = false;
    bool finished = false;
    bool failed = false;
    bool closed = false;
    // Closes the operator once; what it throws is the caller's to catch (Task::guard).
    void close() {
        if (closed) return;
        closed = true;
        if (inst.op) inst.op->close();
        if (inst.source) inst.source->close();
    }
    // Sources only.
    TimeUs maxEventTime = kMinTime;
    int64_t outOfOrdernessUs = 0;
    int64_t idleTimeoutNs = 0;
    int64_t lastDataNs = 0;
    int64_t lastWatermarkNs = 0;
    bool sourceIdle = false;
    std::shared_ptr<SourceSiblings> siblings;  // parallel sources only
    // Timers.
    int64_t timerIntervalNs = 0;
    int64_t nextTimerNs = 0;
    // The state this instance last reported (Operator::stateSize) and when to ask again.
    // Asked again after 200 ms, or sooner once as many rows arrived as could fill the room left
    // under memory_limit at the growth seen so far.
    StateSize reportedState;
    int64_t nextStateSampleNs = 0;
    int64_t rowsSinceStateSample = 0, rowsBeforeStateSample = 0;
    NodeMetrics* metrics() { return inst.metrics.get(); }
    int addSlot(int logical) {
        slotLogical.push_back(logical);
        slotWatermark.push_back(kMinTime);
        slotEnded.push_back(0);
        slotIdle.push_back(0);
        slotBarrier.push_back(0);
        return static_cast<int>(slotLogical.size()) - 1;
    }
    // Instances of one node share its metrics; instance 0 reports the watermark.
    void storeWatermark(TimeUs wm) {
        if (partition == 0) metrics()->watermark.store(wm, std::memory_order_relaxed);
        if (siblings)
            siblings->watermarks[static_cast<size_t>(partition)].store(wm,
                                                                       std::memory_order_relaxed);
    }
    // A parallel source instance whose watermark is more than kMaxSourceDriftUs ahead of a
    // sibling's.
    bool aheadOfSiblings() const {
        if (!siblings || watermark == kMinTime) return false;
        for (size_t k = 0; k < siblings->watermarks.size(); ++k)
            if (static_cast<int>(k) != partition &&
                siblings->watermarks[k].load(std::memory_order_relaxed) <
                    watermark - kMaxSourceDriftUs)
                return true;
        return false;
    }
};

class Task {
public:
    explicit Task(Executor::Impl* exec) : m_exec(exec) {}
    // Runs one turn; returns true when it has more to do right away.
    bool run();

    std::vector<OpRuntime*> ops;  // ops[0] heads the task
    std::vector<Channel*> inputs;
    std::atomic<bool> queued{false};
    std::atomic<bool> dirty{false};
    std::atomic<bool> blocked{false};  // waiting for room in an output channel
    bool done = false;
    bool isSource = false;
    int index = 0;
    int lastWorker = -1;  // guarded by the executor's mutex

    void route(OpRuntime& op, int port, BatchPtr batch);
    void routeShared(OpRuntime& op, int port, const ConstBatchPtr& batch);
    void deliverData(OpRuntime& op, int slot, const ConstBatchPtr& batch);
    // The batch the running operator is processing, if any.
    const ConstBatchPtr* currentInput() const { return m_currentInput; }
    void deliverWatermark(OpRuntime& op, int slot, TimeUs wm);
    void deliverIdle(OpRuntime& op, int slot);
    void deliverEnd(OpRuntime& op, int slot);
    void deliverMarker(OpRuntime& op, const ProgressMarkerPtr& marker);
    // Hands `marker` to every wire leaving `op`, then releases op's own hold (progress_marker.h).
    void forwardMarker(OpRuntime& op, const ProgressMarkerPtr& marker);
    void deliverBarrier(OpRuntime& op, int slot, const BarrierPtr& barrier);

private:
    template <typename F>
    void guard(OpRuntime& op, F&& f);
    void sampleState(OpRuntime& op, int64_t nowNs);
    void send(Channel* ch, Message msg);
    bool flushOutbox();
    void recomputeWatermark(OpRuntime& op);
    void forwardWatermark(OpRuntime& op, TimeUs wm);
    void forwardIdle(OpRuntime& op);
    void finishOp(OpRuntime& op);
    // Checkpoints: saves op's state into `barrier` and hands the barrier to every wire leaving op.
    void passBarrier(OpRuntime& op, const BarrierPtr& barrier, int arrivals);
    void completeAlignment(OpRuntime& op);
    void injectBarriers(OpRuntime& op, std::vector<BarrierPtr> barriers);
    void runTimers(int64_t nowNs);
    bool runSource(int64_t nowNs);
    bool runInputs();
    void checkDone();

public:
    void closeRemaining();
    // Tells this task's nodes about the newest checkpoint that completed, once.
    void notifyCheckpoints();
    checkpoint::NodeState saveState(OpRuntime& op, int64_t checkpointId);
    Executor::Impl* exec() const { return m_exec; }

private:
    Executor::Impl* m_exec;
    std::deque<std::pair<Channel*, Message>> m_outbox;
    size_t m_nextInput = 0;
    int64_t m_currentOriginNs = 0;
    const ConstBatchPtr* m_currentInput = nullptr;
};

class OpEmitter : public Emitter {
public:
    OpEmitter(Task& task, OpRuntime& op) : m_task(task), m_op(op) {}
    BatchPtr newBatch(int port) override;
    void push(int port, BatchPtr batch) override { m_task.route(m_op, port, std::move(batch)); }
    bool forwardInput(int port) override {
        const ConstBatchPtr* input = m_task.currentInput();
        if (!input ||
            (*input)->schemaPtr() != m_op.inst.context.outputSchemas.at(static_cast<size_t>(port)))
            return false;
        m_task.routeShared(m_op, port, *input);
        return true;
    }
    int errorsPort() const override { return m_op.errorsPort; }
    void mark(ProgressMarkerPtr marker) override {
        if (marker) m_task.forwardMarker(m_op, marker);
    }

private:
    Task& m_task;
    OpRuntime& m_op;
};

struct Executor::Impl {
    ExecutorOptions options;
    PhysicalPlan plan;
    std::shared_ptr<BatchPool> pool = BatchPool::create(4096);
    std::vector<std::unique_ptr<OpRuntime>> ops;  // in topological order
    std::vector<std::unique_ptr<Task>> tasks;
    std::vector<std::unique_ptr<Channel>> channels;
    std::vector<RunNodeInfo> nodeInfo;
    std::vector<std::shared_ptr<PeekTap>> peekTaps;
    std::vector<std::thread> workers;
    int threads = 1;

    std::atomic<bool> stopRequested{false};
    mutable std::mutex mutex;
    std::condition_variable cv;      // workers park here
    std::condition_variable doneCv;  // wait*() park here
    std::deque<Task*> ready;
    using TimerEntry = std::pair<int64_t, Task*>;
    std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timers;
    size_t doneTasks = 0;
    bool started = false;
    bool shutdown = false;
    Status failure;
    // memory_limit: what the state of every node together may hold (ProjectSettings).
    int64_t memoryLimitBytes = 0;
    std::atomic<int64_t> stateBytes{0};

    // Checkpoints (barrier.h, docs/checkpoints.md).
    bool checkpointing = false;
    int64_t checkpointIntervalNs = 0;
    std::atomic<int64_t> nextCheckpointNs{INT64_MAX};
    std::atomic<int64_t> newestBarrierId{0};
    std::atomic<int64_t> completedCheckpoint{0};
    // A stop that took a checkpoint keeps the open windows in it instead of firing them.
    std::atomic<bool> keepStateOnStop{false};
    int64_t nextCheckpointId = 1;          // guarded by `mutex`
    std::vector<BarrierPtr> openBarriers;  // not yet complete; guarded by `mutex`
    std::map<std::string, checkpoint::NodeState> finalStates;  // of finished nodes; `mutex`
    std::string planHash;
    Recovery recovery;
    mutable std::mutex statusMutex;
    CheckpointStatus status;  // guarded by statusMutex
    // Last, so that it is destroyed first: its thread calls back into the members above.
    std::unique_ptr<checkpoint::CheckpointWriter> writer;

    // Decides whether this run takes checkpoints, opens the store for writing and picks the
    // saved state each node takes back (create()).
    Status setUpCheckpoints() {
        CheckpointOptions& co = options.checkpoints;
        if (co.storePath.empty()) return Status::ok();
        std::string why;
        for (auto& op : ops) {
            const NodeSpec& spec = *op->inst.spec;
            if (!spec.noCheckpoint.empty())
                why = op->inst.context.nodeLabel + " " + spec.noCheckpoint;
            if (!why.empty()) break;
        }
        if (why.empty() && co.intervalUs <= 0) why = "`checkpoint_interval` is 0";
        std::string hashed;
        for (auto& op : ops) hashed += op->stateNode + "=" + op->stateSignature + ";";
        for (const PlanWire& w : plan.wires)
            hashed += std::to_string(w.from) + ">" + std::to_string(w.to) + ";";
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx",
                      static_cast<unsigned long long>(agg::hashBytes(hashed)));
        planHash = hex;
        std::unique_ptr<checkpoint::CheckpointStore> store;
        if (why.empty()) {
            auto opened = checkpoint::CheckpointStore::open(co.storePath, co.vfs);
            if (!opened)
                why = opened.message();
            else
                store = std::move(opened.value());
        }
        status.enabled = why.empty();
        status.disabledReason = why;
        if (!why.empty()) return Status::ok();
        auto next = store->nextId();
        if (!next) return Status::error(next.message());
        nextCheckpointId = next.value();
        checkpointing = true;
        checkpointIntervalNs = co.intervalUs * 1000;
        if (co.resumeFrom) {
            const checkpoint::Checkpoint& saved = *co.resumeFrom;
            nextCheckpointId = std::max(nextCheckpointId, saved.id + 1);
            std::vector<checkpoint::NodeState> expected;
            for (auto& op : ops)
                expected.push_back(
                    {op->stateNode, op->stateName, op->stateVersion, op->stateSignature, {}});
            checkpoint::StateMatch match = checkpoint::matchStates(saved, expected);
            std::vector<std::string> restoredNodes;
            for (size_t i = 0; i < ops.size(); ++i) {
                ops[i]->restore = match.restored[i];
                if (match.restored[i]) restoredNodes.push_back(ops[i]->inst.context.config.id());
            }
            std::sort(restoredNodes.begin(), restoredNodes.end());
            recovery.checkpointId = saved.id;
            recovery.takenAtUs = saved.takenAtUs;
            recovery.restoredNodes = static_cast<int>(
                std::unique(restoredNodes.begin(), restoredNodes.end()) - restoredNodes.begin());
            recovery.fresh = std::move(match.fresh);
        }
        writer = std::make_unique<checkpoint::CheckpointWriter>(
            std::move(store), co.keep,
            [this](const checkpoint::Checkpoint& c, const Status& s, int64_t us) {
                checkpointWritten(c, s, us);
            });
        return Status::ok();
    }

    // Takes back op's state from the checkpoint, before it opens.
    Status restoreOp(OpRuntime& op) {
        const checkpoint::NodeState& saved = *op.restore;
        op.restore = nullptr;
        checkpoint::StateReader r(saved.data);
        recovery.keys += r.i64();
        op.watermark = r.i64();
        const uint64_t slots = r.u64();
        if (slots != op.slotWatermark.size()) r.fail();
        for (TimeUs& wm : op.slotWatermark) wm = r.i64();
        op.maxEventTime = r.i64();
        Status s = op.inst.source ? op.inst.source->restoreState(r) : op.inst.op->restoreState(r);
        if (!s) return s;
        if (Status f = r.finish("its state in checkpoint " + std::to_string(recovery.checkpointId));
            !f)
            return f;
        if (op.watermark > kMinTime) op.storeWatermark(op.watermark);
        return Status::ok();
    }

    // A run that does not continue from a checkpoint first saves its initial state, before any
    // event flows: a crash before its first barrier then goes back to the start, and the sinks
    // take back what this run wrote (an SQLite table keeps the rows of earlier runs).
    void writeInitialCheckpoint() {
        checkpoint::Checkpoint c;
        c.id = nextCheckpointId++;
        c.takenAtUs = wallClockUs();
        c.planHash = planHash;
        for (auto& op : ops) c.states.push_back(op->task->saveState(*op, c.id));
        writer->submit(std::move(c));
        writer->drain();
    }

    // Injects a barrier at every source that has not ended; false when every source has, or,
    // unless `always` (a stop), while the previous checkpoint is not complete yet (a sink still
    // waiting for its writes): one at a time, so that a stuck sink does not pile up copies of
    // the state. Any thread.
    bool triggerCheckpoint(bool always) {
        std::vector<Task*> sources;
        {
            std::lock_guard lock(mutex);
            if (!always && !openBarriers.empty()) return false;
            int live = 0;
            for (auto& op : ops)
                if (op->inst.source && !op->sourceDone) ++live;
            if (live == 0) return false;
            auto barrier = std::make_shared<Barrier>(nextCheckpointId++, wallClockUs(), live,
                                                     [this](Barrier& b) { completeCheckpoint(b); });
            openBarriers.push_back(barrier);
            newestBarrierId.store(barrier->id());
            for (auto& t : tasks)
                if (t->isSource) sources.push_back(t.get());
        }
        for (Task* t : sources) schedule(t);
        return true;
    }

    // The barriers source `op` has not injected yet, oldest first; with `done`, the source
    // injects no more after these.
    std::vector<BarrierPtr> barriersFor(OpRuntime& op, bool done) {
        std::vector<BarrierPtr> out;
        if (!done && op.lastBarrierId >= newestBarrierId.load()) return out;
        std::lock_guard lock(mutex);
        for (const BarrierPtr& b : openBarriers)
            if (b->id() > op.lastBarrierId) out.push_back(b);
        if (done) op.sourceDone = true;
        return out;
    }

    // The barrier passed every sink: the checkpoint is whole; write it off the workers.
    void completeCheckpoint(Barrier& b) {
        checkpoint::Checkpoint c;
        c.id = b.id();
        c.takenAtUs = b.takenAtUs();
        c.planHash = planHash;
        c.states = b.takeStates();
        {
            std::lock_guard lock(mutex);
            std::erase_if(openBarriers, [&](const BarrierPtr& p) { return p.get() == &b; });
            // Nodes that finished before the barrier reached them keep their final state.
            for (const auto& final : finalStates) {
                const std::string& node = final.first;
                if (std::none_of(c.states.begin(), c.states.end(),
                                 [&](const checkpoint::NodeState& s) { return s.node == node; }))
                    c.states.push_back(final.second);
            }
        }
        writer->submit(std::move(c));
    }

    void checkpointWritten(const checkpoint::Checkpoint& c, const Status& s, int64_t writeUs) {
        {
            std::lock_guard lock(statusMutex);
            status.lastFailed = !s.isOk();
            if (s.isOk()) {
                ++status.completed;
                status.lastId = c.id;
                status.lastAtUs = c.takenAtUs;
                status.lastBytes = c.bytes();
                status.lastWriteUs = writeUs;
                status.lastKeys = 0;
                for (const checkpoint::NodeState& state : c.states)
                    status.lastKeys += checkpoint::StateReader(state.data).i64();
                status.lastError.clear();
            } else {
                ++status.failed;
                status.lastError = s.message();
            }
        }
        if (!s.isOk()) return;
        completedCheckpoint.store(c.id);
        for (auto& t : tasks) schedule(t.get());  // they tell their nodes (notifyCheckpoints)
    }

    void schedule(Task* t) {
        t->dirty.store(true);
        if (t->queued.exchange(true)) return;
        {
            std::lock_guard lock(mutex);
            ready.push_back(t);
        }
        cv.notify_one();
    }

    void scheduleAt(Task* t, int64_t atNs) {
        bool earliest;
        {
            std::lock_guard lock(mutex);
            earliest = timers.empty() || atNs < timers.top().first;
            timers.push({atNs, t});
        }
        if (earliest) cv.notify_one();
    }

    bool failed() const {
        std::lock_guard lock(mutex);
        return !failure.isOk();
    }

    void fail(const std::string& message) {
        {
            std::lock_guard lock(mutex);
            if (failure.isOk()) failure = Status::error(message);
        }
        requestStop(false);
    }

    // With `checkpoint`, a run that takes checkpoints takes one more as its sources stop, and
    // keeps the open windows in it (they go on in the next run) instead of firing them.
    void requestStop(bool checkpoint) {
        if (stopRequested.load()) return;
        if (checkpoint && checkpointing && started && !failed()) {
            keepStateOnStop.store(true);
            if (!triggerCheckpoint(true)) keepStateOnStop.store(false);
        }
        if (stopRequested.exchange(true)) return;
        for (auto& t : tasks)
            if (t->isSource) schedule(t.get());
    }

    // Takes the oldest ready task that last ran on this worker, else the oldest: a task tends to
    // stay on one core with its state warm in that core's cache, and no task waits for long.
    Task* takeReady(int worker) {
        auto it = std::find_if(ready.begin(), ready.end(),
                               [&](Task* t) { return t->lastWorker == worker; });
        if (it == ready.end()) it = ready.begin();
        Task* t = *it;
        ready.erase(it);
        t->lastWorker = worker;
        return t;
    }

    void workerLoop(int worker) {
        std::unique_lock lock(mutex);
        while (!shutdown && doneTasks < tasks.size()) {
            const int64_t now = steadyClockNs();
            while (!timers.empty() && timers.top().first <= now) {
                Task* t = timers.top().second;
                timers.pop();
                t->dirty.store(true);
                if (!t->queued.exchange(true)) ready.push_back(t);
            }
            if (!ready.empty()) {
                Task* t = takeReady(worker);
                lock.unlock();
                runTask(t);
                lock.lock();
                continue;
            }
            if (timers.empty()) {
                cv.wait(lock);
            } else {
                auto deadline = std::chrono::steady_clock::time_point(
                    std::chrono::nanoseconds(timers.top().first));
                cv.wait_until(lock, deadline);
            }
        }
        cv.notify_all();
    }

    void runTask(Task* t) {
        t->dirty.store(false);
        bool more = false;
        if (!t->done) more = t->run();
        if (t->done) {
            // Stays queued forever, so nothing schedules it again.
            {
                std::lock_guard lock(mutex);
                if (doneTasks + 1 < tasks.size()) {
                    ++doneTasks;
                    return;
                }
            }
            // The last task: every sink has processed everything, so the sources' final
            // progress is known. They close (a Kafka source commits) before the run counts as
            // ended, after they (and with checkpoints every node) heard of the last checkpoint
            // (the one a stop takes).
            if (checkpointing) {
                writer->drain();
                for (auto& task : tasks) task->notifyCheckpoints();
            }
            for (auto& task : tasks) task->closeRemaining();
            std::lock_guard lock(mutex);
            ++doneTasks;
            cv.notify_all();
            doneCv.notify_all();
            return;
        }
        t->queued.store(false);
        if (more || t->dirty.load()) schedule(t);
    }
};

BatchPtr OpEmitter::newBatch(int port) {
    return m_task.exec()->pool->acquire(
        m_op.inst.context.outputSchemas.at(static_cast<size_t>(port)));
}

template <typename F>
void Task::guard(OpRuntime& op, F&& f) {
    if (op.failed) return;
    try {
        f();
        if (op.inst.op && !op.closed) {
            const int64_t now = steadyClockNs();
            if (now >= op.nextStateSampleNs || op.rowsSinceStateSample >= op.rowsBeforeStateSample)
                sampleState(op, now);
        }
    } catch (const std::exception& e) {
        op.failed = true;
        m_exec->fail(op.inst.context.nodeLabel + ": " + e.what());
    } catch (...) {
        op.failed = true;
        m_exec->fail(op.inst.context.nodeLabel + ": unexpected failure");
    }
}

namespace {

void addAndRaisePeak(std::atomic<int64_t>& now, std::atomic<int64_t>& peak, int64_t delta) {
    const int64_t value = now.fetch_add(delta, std::memory_order_relaxed) + delta;
    int64_t seen = peak.load(std::memory_order_relaxed);
    while (value > seen && !peak.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
}

std::string countText(int64_t n) {
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ' ';
        out += digits[i];
    }
    return out;
}

}  // namespace

// Publishes the operator's state size (instances of one node add up in its metrics) and holds
// the total of every node to memory_limit: the node whose growth passes it fails, named with its
// keys and what they are, before the machine would swap.
void Task::sampleState(OpRuntime& op, int64_t nowNs) {
    const StateSize s = op.inst.op->stateSize();
    const int64_t keyDelta = s.keys - op.reportedState.keys,
                  byteDelta = s.bytes - op.reportedState.bytes;
    op.reportedState = s;
    // A runaway key passes the limit by little before the node fails: the next look comes
    // after 200 ms, or after half the rows that could fill the room left at the larger of the
    // growth per row seen since the last look and the bytes per key held - but never before
    // rows for a sixteenth of the keys arrived, so walking the state stays cheap per row (and
    // the limit is passed by at most about a sixteenth).
    const int64_t headroom =
        m_exec->memoryLimitBytes - m_exec->stateBytes.load(std::memory_order_relaxed) - byteDelta;
    const int64_t perRow =
        std::max(op.rowsSinceStateSample > 0 ? byteDelta / op.rowsSinceStateSample : 0,
                 s.keys > 0 ? s.bytes / s.keys : 0);
    op.nextStateSampleNs = nowNs + 200'000'000;
    op.rowsSinceStateSample = 0;
    op.rowsBeforeStateSample =
        perRow > 0
            ? std::max({int64_t(256), s.keys / 16, std::max<int64_t>(headroom, 0) / perRow / 2})
            : INT64_MAX;
    if (keyDelta == 0 && byteDelta == 0) return;
    NodeMetrics& m = *op.metrics();
    addAndRaisePeak(m.stateKeys, m.stateKeysPeak, keyDelta);
    addAndRaisePeak(m.stateBytes, m.stateBytesPeak, byteDelta);
    const int64_t total =
        m_exec->stateBytes.fetch_add(byteDelta, std::memory_order_relaxed) + byteDelta;
    if (byteDelta <= 0 || total <= m_exec->memoryLimitBytes) return;
    op.failed = true;
    const int64_t others = total - s.bytes;
    m_exec->fail(
        op.inst.context.nodeLabel + ": its state grew to " + countText(s.keys) + " " + s.what +
        " (" + formatByteSize(s.bytes) + "), which passes the project's memory_limit of " +
        formatByteSize(m_exec->memoryLimitBytes) +
        (others > 0 ? " together with the " + formatByteSize(others) + " the other nodes hold"
                    : "") +
        "; keep fewer " + s.what +
        " (fewer group_by values, shorter windows or lateness) or raise "
        "`memory_limit` in the project's settings");
}

void Task::route(OpRuntime& op, int port, BatchPtr batch) {
    if (!batch || batch->empty()) return;
    if (isSource && &op == ops[0] && port != op.errorsPort) {
        TimeUs maxT = op.maxEventTime;
        for (TimeUs t : batch->times()) maxT = std::max(maxT, t);
        op.maxEventTime = maxT;
        op.lastDataNs = steadyClockNs();
        if (batch->originNs() == 0) batch->setOriginNs(op.lastDataNs);
    } else if (batch->originNs() == 0) {
        // Results made while handling a batch carry that batch's origin; results made by a
        // watermark or a timer (window firings) start their clock now.
        batch->setOriginNs(m_currentOriginNs ? m_currentOriginNs : steadyClockNs());
    }
    routeShared(op, port, ConstBatchPtr(std::move(batch)));
}

void Task::routeShared(OpRuntime& op, int port, const ConstBatchPtr& batch) {
    if (!batch || batch->empty()) return;
    const auto rows = static_cast<int64_t>(batch->rows());
    NodeMetrics& m = *op.metrics();
    if (port == op.errorsPort)
        m.add(m.errors, rows);
    else if (port == op.latePort)
        m.add(m.late, rows);
    else
        m.add(m.eventsOut, rows);
    if (PeekTap* tap = op.peeks[static_cast<size_t>(port)].load(std::memory_order_acquire))
        tap->offer(*batch);
    for (const Target& t : op.outputs[static_cast<size_t>(port)]) {
        if (t.local)
            deliverData(*t.local, t.slot, batch);
        else
            send(t.channel, Message{Message::Kind::Data, 0, batch, nullptr, nullptr});
    }
}

void Task::deliverData(OpRuntime& op, int slot, const ConstBatchPtr& input) {
    const Batch& batch = *input;
    NodeMetrics& m = *op.metrics();
    m.add(m.eventsIn, static_cast<int64_t>(batch.rows()));
    if (op.slotIdle[static_cast<size_t>(slot)]) {
        op.slotIdle[static_cast<size_t>(slot)] = 0;
        op.idleForwarded = false;
    }
    const int64_t saved = m_currentOriginNs;
    const ConstBatchPtr* savedInput = m_currentInput;
    m_currentOriginNs = batch.originNs();
    m_currentInput = &input;
    const int64_t t0 = steadyClockNs();
    OpEmitter out(*this, op);
    op.rowsSinceStateSample += static_cast<int64_t>(batch.rows());
    guard(op, [&] { op.inst.op->process(op.slotLogical[static_cast<size_t>(slot)], batch, out); });
    m.add(m.busyNs, steadyClockNs() - t0);
    m_currentOriginNs = saved;
    m_currentInput = savedInput;
}

void Task::recomputeWatermark(OpRuntime& op) {
    TimeUs wm = kMaxTime;
    bool anyActive = false;
    for (size_t s = 0; s < op.slotWatermark.size(); ++s) {
        if (op.slotEnded[s] || op.slotIdle[s]) continue;
        anyActive = true;
        wm = std::min(wm, op.slotWatermark[s]);
    }
    if (!anyActive) {
        if (op.endedSlots < static_cast<int>(op.slotWatermark.size()) && !op.idleForwarded) {
            // Every live input is idle: this node is idle too.
            op.idleForwarded = true;
            forwardIdle(op);
        }
        return;
    }
    if (wm <= op.watermark) return;
    op.watermark = wm;
    op.storeWatermark(wm);
    OpEmitter out(*this, op);
    guard(op, [&] { op.inst.op->onWatermark(wm, out); });
    forwardWatermark(op, wm);
}

void Task::deliverWatermark(OpRuntime& op, int slot, TimeUs wm) {
    auto s = static_cast<size_t>(slot);
    if (wm <= op.slotWatermark[s] && !op.slotIdle[s]) return;
    op.slotWatermark[s] = std::max(op.slotWatermark[s], wm);
    if (op.slotIdle[s]) {
        op.slotIdle[s] = 0;
        op.idleForwarded = false;
    }
    recomputeWatermark(op);
}

void Task::deliverIdle(OpRuntime& op, int slot) {
    op.slotIdle[static_cast<size_t>(slot)] = 1;
    recomputeWatermark(op);
}

void Task::deliverEnd(OpRuntime& op, int slot) {
    auto s = static_cast<size_t>(slot);
    if (op.slotEnded[s]) return;
    op.slotEnded[s] = 1;
    // An input that ended has nothing more before any barrier.
    if (op.aligning) completeAlignment(op);
    if (++op.endedSlots < static_cast<int>(op.slotEnded.size())) {
        recomputeWatermark(op);
        return;
    }
    finishOp(op);
}

void Task::forwardWatermark(OpRuntime& op, TimeUs wm) {
    for (auto& port : op.outputs)
        for (const Target& t : port) {
            if (t.local)
                deliverWatermark(*t.local, t.slot, wm);
            else
                send(t.channel, Message{Message::Kind::Watermark, wm, nullptr, nullptr, nullptr});
        }
}

void Task::forwardIdle(OpRuntime& op) {
    for (auto& port : op.outputs)
        for (const Target& t : port) {
            if (t.local)
                deliverIdle(*t.local, t.slot);
            else
                send(t.channel, Message{Message::Kind::Idle, 0, nullptr, nullptr, nullptr});
        }
}

void Task::deliverMarker(OpRuntime& op, const ProgressMarkerPtr& marker) {
    // A failed node processed nothing: its hold is never released, so the rows are never
    // reported as processed.
    if (op.failed) return;
    if (op.inst.op) guard(op, [&] { op.inst.op->onMarker(marker); });
    if (op.failed) return;
    forwardMarker(op, marker);
}

void Task::forwardMarker(OpRuntime& op, const ProgressMarkerPtr& marker) {
    int wires = 0;
    for (const auto& port : op.outputs) wires += static_cast<int>(port.size());
    // Every branch holds it before any can release, so a fast branch cannot end it early.
    marker->hold(wires);
    for (const auto& port : op.outputs)
        for (const Target& t : port) {
            if (t.local)
                deliverMarker(*t.local, marker);
            else
                send(t.channel, Message{Message::Kind::Marker, 0, nullptr, marker, nullptr});
        }
    marker->release();
}

checkpoint::NodeState Task::saveState(OpRuntime& op, int64_t checkpointId) {
    checkpoint::StateWriter w(checkpointId);
    // The runtime's part: where event time stands on each input, and for a source the newest
    // event time it emitted, so that no watermark goes back after a restore.
    w.i64(op.reportedState.keys);
    w.i64(op.watermark);
    w.u64(op.slotWatermark.size());
    for (TimeUs wm : op.slotWatermark) w.i64(wm);
    w.i64(op.maxEventTime);
    guard(op, [&] {
        if (op.inst.source)
            op.inst.source->snapshotState(w);
        else
            op.inst.op->snapshotState(w);
    });
    return {op.stateNode, op.stateName, op.stateVersion, op.stateSignature, w.take()};
}

void Task::passBarrier(OpRuntime& op, const BarrierPtr& barrier, int arrivals) {
    barrier->add(saveState(op, barrier->id()));
    // A failed node never passes it, so the checkpoint is never complete.
    if (op.failed) return;
    // A node whose writes complete later (a sink waiting for Kafka's acknowledgements) holds the
    // checkpoint as it holds a progress marker: it is complete once those writes are durable.
    if (op.inst.op) {
        barrier->hold(1);
        auto marker = std::make_shared<ProgressMarker>([barrier] { barrier->release(); });
        guard(op, [&] { op.inst.op->onMarker(marker); });
        marker->release();
    }
    int wires = 0;
    for (const auto& port : op.outputs) wires += static_cast<int>(port.size());
    barrier->hold(wires);
    for (const auto& port : op.outputs)
        for (const Target& t : port) {
            if (t.local)
                deliverBarrier(*t.local, t.slot, barrier);
            else
                send(t.channel, Message{Message::Kind::Barrier, 0, nullptr, nullptr, barrier});
        }
    barrier->release(arrivals);
}

void Task::deliverBarrier(OpRuntime& op, int slot, const BarrierPtr& barrier) {
    if (op.failed) return;
    // Inputs are read in order, and one that delivered the barrier is not read again until the
    // barrier has arrived everywhere, so a node aligns one barrier at a time. A node fused into
    // its producer has one input; only a task's head reads several (from channels).
    op.aligning = barrier;
    op.slotBarrier[static_cast<size_t>(slot)] = 1;
    ++op.barrierArrivals;
    completeAlignment(op);
}

void Task::completeAlignment(OpRuntime& op) {
    for (size_t s = 0; s < op.slotBarrier.size(); ++s)
        if (!op.slotBarrier[s] && !op.slotEnded[s]) return;
    BarrierPtr barrier = std::move(op.aligning);
    const int arrivals = op.barrierArrivals;
    op.barrierArrivals = 0;
    std::fill(op.slotBarrier.begin(), op.slotBarrier.end(), 0);
    passBarrier(op, barrier, arrivals);
    if (&op == ops[0] && !isSource) m_exec->schedule(this);  // its inputs may be read again
}

void Task::injectBarriers(OpRuntime& op, std::vector<BarrierPtr> barriers) {
    for (const BarrierPtr& b : barriers) {
        op.lastBarrierId = b->id();
        passBarrier(op, b, 1);
    }
}

void Task::notifyCheckpoints() {
    const int64_t id = m_exec->completedCheckpoint.load();
    for (OpRuntime* op : ops) {
        if (op->notifiedCheckpoint >= id || op->closed || op->failed) continue;
        op->notifiedCheckpoint = id;
        guard(*op, [&] {
            if (op->inst.source)
                op->inst.source->notifyCheckpointComplete(id);
            else
                op->inst.op->notifyCheckpointComplete(id);
        });
    }
}

void Task::finishOp(OpRuntime& op) {
    if (op.finished) return;
    // A source that ends passes on the barriers it has not injected (with its final position)
    // and injects no more.
    if (op.inst.source && m_exec->checkpointing) injectBarriers(op, m_exec->barriersFor(op, true));
    // End of stream is a watermark of +infinity: every window fires. Not when a stop keeps the
    // open windows in a checkpoint, to go on in the next run.
    if (op.watermark < kMaxTime && !m_exec->keepStateOnStop.load()) {
        op.watermark = kMaxTime;
        op.storeWatermark(kMaxTime);
        OpEmitter out(*this, op);
        if (op.inst.op) guard(op, [&] { op.inst.op->onWatermark(kMaxTime, out); });
        forwardWatermark(op, kMaxTime);
    }
    if (op.inst.op) {
        OpEmitter out(*this, op);
        guard(op, [&] { op.inst.op->finish(out); });
    }
    op.finished = true;
    if (m_exec->checkpointing && !op.failed) {
        // Checkpoints taken after this node finished hold its final state.
        checkpoint::NodeState state = saveState(op, 0);
        std::lock_guard lock(m_exec->mutex);
        m_exec->finalStates[op.stateNode] = std::move(state);
    }
    for (auto& port : op.outputs)
        for (const Target& t : port) {
            if (t.local)
                deliverEnd(*t.local, t.slot);
            else
                send(t.channel, Message{Message::Kind::End, 0, nullptr, nullptr, nullptr});
        }
}

void Task::send(Channel* ch, Message msg) {
    if (msg.kind == Message::Kind::Data)
        ch->events.fetch_add(static_cast<int64_t>(msg.batch->rows()), std::memory_order_relaxed);
    if (m_outbox.empty() && ch->queue.push(msg)) {
        m_exec->schedule(ch->consumer);
        return;
    }
    m_outbox.emplace_back(ch, std::move(msg));
}

bool Task::flushOutbox() {
    while (!m_outbox.empty()) {
        auto& [ch, msg] = m_outbox.front();
        if (!ch->queue.push(msg)) return false;
        m_exec->schedule(ch->consumer);
        m_outbox.pop_front();
    }
    return true;
}

void Task::runTimers(int64_t nowNs) {
    for (OpRuntime* op : ops) {
        if (op->timerIntervalNs <= 0 || op->finished || nowNs < op->nextTimerNs) continue;
        op->nextTimerNs = nowNs + op->timerIntervalNs;
        OpEmitter out(*this, *op);
        guard(*op, [&] { op->inst.op->onTimer(wallClockUs(), out); });
        m_exec->scheduleAt(this, op->nextTimerNs);
    }
}

bool Task::runSource(int64_t nowNs) {
    OpRuntime& op = *ops[0];
    if (m_exec->checkpointing && !op.finished) {
        int64_t due = m_exec->nextCheckpointNs.load();
        if (nowNs >= due && m_exec->nextCheckpointNs.compare_exchange_strong(
                                due, nowNs + m_exec->checkpointIntervalNs))
            m_exec->triggerCheckpoint(false);
        injectBarriers(op, m_exec->barriersFor(op, false));
    }
    bool ended = m_exec->stopRequested.load() || op.failed;
    SourcePoll poll = SourcePoll::ended();
    if (!ended && op.aheadOfSiblings()) {
        m_exec->scheduleAt(this, nowNs + kAlignRetryNs);
        return false;
    }
    if (!ended) {
        OpEmitter out(*this, op);
        const int64_t t0 = steadyClockNs();
        guard(op, [&] { poll = op.inst.source->poll(out); });
        op.metrics()->add(op.metrics()->busyNs, steadyClockNs() - t0);
        ended = poll.state == SourcePoll::State::Ended || op.failed;
    }
    if (ended) {
        finishOp(op);
        return false;
    }
    // Watermark: newest event time seen (or what every stream of the source reached, when that is
    // less) minus the allowed out-of-orderness (docs/runtime.md).
    TimeUs reached = op.maxEventTime;
    guard(op, [&] { reached = std::min(reached, op.inst.source->eventTimeReached()); });
    if (reached > kMinTime) {
        TimeUs wm = reached - op.outOfOrdernessUs;
        if (wm > op.watermark) {
            op.watermark = wm;
            op.storeWatermark(wm);
            forwardWatermark(op, wm);
            op.sourceIdle = false;
        }
    }
    if (op.lastDataNs >= nowNs) {
        op.sourceIdle = false;
    } else if (!op.sourceIdle && op.idleTimeoutNs > 0 &&
               nowNs - op.lastDataNs >= op.idleTimeoutNs) {
        op.sourceIdle = true;
        if (op.siblings)
            op.siblings->watermarks[static_cast<size_t>(op.partition)].store(
                kMaxTime, std::memory_order_relaxed);
        forwardIdle(op);
    }
    if (poll.state == SourcePoll::State::Wait) {
        int64_t waitNs = std::clamp<int64_t>(poll.waitUs * 1000, 0, kWatermarkIntervalNs);
        if (op.idleTimeoutNs > 0 && !op.sourceIdle)
            waitNs = std::min(
                waitNs, std::max<int64_t>(1'000'000, op.lastDataNs + op.idleTimeoutNs - nowNs));
        m_exec->scheduleAt(this, nowNs + waitNs);
        return false;
    }
    return true;
}

bool Task::runInputs() {
    int handled = 0;
    size_t emptyInRow = 0;
    OpRuntime& head = *ops[0];
    int64_t fullest = 0;
    while (handled < kMessagesPerTurn && emptyInRow < inputs.size() && m_outbox.empty()) {
        Channel* ch = inputs[m_nextInput];
        m_nextInput = (m_nextInput + 1) % inputs.size();
        if (head.slotBarrier[static_cast<size_t>(ch->consumerSlot)]) {
            ++emptyInRow;  // waits until the barrier has arrived on every input
            continue;
        }
        Message msg;
        const size_t avail = ch->queue.read_available();
        fullest = std::max<int64_t>(fullest, static_cast<int64_t>(avail * 1000 / ch->capacity));
        if (!ch->queue.pop(msg)) {
            ++emptyInRow;
            continue;
        }
        emptyInRow = 0;
        ++handled;
        if (ch->producer->blocked.load()) m_exec->schedule(ch->producer);
        switch (msg.kind) {
            case Message::Kind::Data:
                deliverData(head, ch->consumerSlot, msg.batch);
                break;
            case Message::Kind::Watermark:
                deliverWatermark(head, ch->consumerSlot, msg.watermark);
                break;
            case Message::Kind::Idle:
                deliverIdle(head, ch->consumerSlot);
                break;
            case Message::Kind::End:
                deliverEnd(head, ch->consumerSlot);
                break;
            case Message::Kind::Marker:
                deliverMarker(head, msg.marker);
                break;
            case Message::Kind::Barrier:
                deliverBarrier(head, ch->consumerSlot, msg.barrier);
                break;
        }
    }
    head.metrics()->queueFillPermille.store(fullest, std::memory_order_relaxed);
    for (Channel* ch : inputs)
        if (ch->queue.read_available() > 0 &&
            !head.slotBarrier[static_cast<size_t>(ch->consumerSlot)])
            return true;
    return false;
}

void Task::checkDone() {
    if (!m_outbox.empty()) return;
    for (OpRuntime* op : ops)
        if (!op->finished) return;
    done = true;
    // Sources close when the whole run has ended (Executor::Impl::runTask): the progress markers
    // they sent are released only once the sinks have processed them, after the source is done.
    // With checkpoints every node does, once it heard of the last checkpoint (the one a stop
    // takes): a sink with a transaction commits it then.
    if (m_exec->checkpointing) return;
    for (OpRuntime* op : ops)
        if (!op->inst.source) guard(*op, [&] { op->close(); });
}

void Task::closeRemaining() {
    for (OpRuntime* op : ops) guard(*op, [&] { op->close(); });
}

bool Task::run() {
    if (!flushOutbox()) {
        blocked.store(true);
        // Re-check after publishing `blocked`, so that a consumer that popped in between is
        // not missed (it reads `blocked` after its pop).
        if (!flushOutbox()) return false;
    }
    blocked.store(false);
    const int64_t now = steadyClockNs();
    if (m_exec->checkpointing) notifyCheckpoints();
    runTimers(now);
    bool more = isSource ? runSource(now) : runInputs();
    if (!m_outbox.empty()) {
        blocked.store(true);
        if (!flushOutbox()) return false;
        blocked.store(false);
    }
    checkDone();
    return more && !done;
}

Executor::Executor(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Executor::~Executor() {
    if (!m_impl) return;
    m_impl->requestStop(false);
    if (m_impl->started) {
        waitFor(10'000);
        {
            std::lock_guard lock(m_impl->mutex);
            m_impl->shutdown = true;
        }
        m_impl->cv.notify_all();
        for (auto& w : m_impl->workers)
            if (w.joinable()) w.join();
    }
    for (auto& op : m_impl->ops) op->close();
}

Result<std::unique_ptr<Executor>> Executor::create(const ValidatedGraph& graph,
                                                   ExecutorOptions options) {
    using R = Result<std::unique_ptr<Executor>>;
    if (!graph.ok()) return R::error(graph.problems.front().message);
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->memoryLimitBytes = graph.settings.memoryLimitBytes > 0 ? graph.settings.memoryLimitBytes
                                                                 : defaultMemoryLimitBytes();
    impl->plan = makePlan(graph, options);
    const PhysicalPlan& plan = impl->plan;
    const TimeUs runStartUs = wallClockUs();

    for (const PlanTask& pt : plan.tasks) {
        impl->tasks.push_back(std::make_unique<Task>(impl.get()));
        impl->tasks.back()->index = static_cast<int>(impl->tasks.size()) - 1;
        impl->tasks.back()->isSource = pt.source;
    }
    // The operators, in the plan's order; the instances of one node share its metrics.
    std::vector<std::shared_ptr<NodeMetrics>> metricsOf(graph.nodes.size());
    std::vector<std::shared_ptr<SourceSiblings>> siblingsOf(graph.nodes.size());
    std::optional<CombinedOperators> combined;  // of the merger made last, for its partials
    for (const PlanOperator& po : plan.operators) {
        const size_t i = static_cast<size_t>(po.node);
        const LogicalNode& ln = graph.nodes[i];
        auto op = std::make_unique<OpRuntime>();
        NodeInstance& inst = op->inst;
        if (metricsOf[i]) inst.metrics = metricsOf[i];
        metricsOf[i] = inst.metrics;
        inst.spec = ln.spec;
        inst.context.config = ln.config;
        inst.context.nodeLabel = nodeLabel(*ln.spec, ln.def->id);
        inst.context.inputSchemas = ln.inputs.schemas;
        inst.context.inputPorts = ln.inputs.ports;
        inst.context.outputSchemas = ln.outputs;
        inst.context.metrics = inst.metrics.get();
        inst.context.stopRequested = &impl->stopRequested;
        inst.context.partition = po.partition;
        inst.context.partitions = po.partitions;
        inst.context.runStartUs = runStartUs;
        inst.context.charts = options.charts.get();
        op->partition = po.partition;
        const bool twoPhase = po.role == InstanceRole::Merger || po.role == InstanceRole::Partial;
        op->stateNode =
            ln.def->id + (po.partitions > 1 || twoPhase ? "#" + std::to_string(po.partition) : "");
        op->stateName = "watermarks";
        op->stateVersion = 1;
        if (!ln.spec->state.empty()) {
            op->stateName.clear();
            op->stateVersion = 0;
            for (const StateDecl& d : ln.spec->state) {
                op->stateName += (op->stateName.empty() ? "" : ", ") + d.name;
                op->stateVersion += d.version;
            }
        }
        {
            std::string signature = ln.spec->typeId + "\n" + ln.config.params().dump() + "\n" +
                                    std::to_string(po.partitions);
            for (const SchemaPtr& s : ln.inputs.schemas)
                signature += "\n" + (s ? s->toString() : std::string("-"));
            char hex[17];
            std::snprintf(hex, sizeof hex, "%016llx",
                          static_cast<unsigned long long>(agg::hashBytes(signature)));
            op->stateSignature = hex;
        }
        op->outputs.resize(static_cast<size_t>(po.outputPorts));
        op->peeks = std::make_unique<std::atomic<PeekTap*>[]>(ln.spec->outputs.size());
        op->errorsPort = ln.spec->errorsPort();
        op->latePort = ln.spec->outputOfKind(PortKind::Late);
        if (ln.spec->isSource()) {
            op->outOfOrdernessUs = ln.config.getDurationUs(kMaxOutOfOrdernessParam);
            op->idleTimeoutNs = ln.config.getDurationUs(kIdleTimeoutParam) * 1000;
            if (po.role == InstanceRole::SourceShare) {
                if (!siblingsOf[i])
                    siblingsOf[i] =
                        std::make_shared<SourceSiblings>(static_cast<size_t>(po.partitions));
                op->siblings = siblingsOf[i];
            }
        }
        try {
            if (po.role == InstanceRole::Merger) {
                // Every operator of the combination is made with the merger's context; the
                // partials follow the merger in the plan.
                combined = ln.spec->createCombined(
                    inst.context, static_cast<int>(plan.nodes[i].operators.size()) - 1);
                inst.op = std::move(combined->merger);
            } else if (po.role == InstanceRole::Partial) {
                inst.op = std::move(combined->partials[static_cast<size_t>(po.partition - 1)]);
            } else if (ln.spec->createSource) {
                inst.source = ln.spec->createSource(inst.context);
            } else if (ln.spec->createOperator) {
                inst.op = ln.spec->createOperator(inst.context);
            }
        } catch (const std::exception& e) {
            return R::error(inst.context.nodeLabel + ": " + e.what());
        }
        if (!inst.source && !inst.op)
            return R::error(inst.context.nodeLabel + ": could not be created");
        if (inst.op) op->timerIntervalNs = inst.op->timerIntervalUs() * 1000;
        Task* task = impl->tasks[static_cast<size_t>(po.task)].get();
        task->ops.push_back(op.get());
        op->task = task;
        impl->ops.push_back(std::move(op));
    }

    // The wires, in the order that numbers each consumer's input slots.
    for (const PlanWire& w : plan.wires) {
        OpRuntime* producer = impl->ops[static_cast<size_t>(w.from)].get();
        OpRuntime* consumer = impl->ops[static_cast<size_t>(w.to)].get();
        Target t;
        t.slot = consumer->addSlot(w.toSlot);
        if (!w.queued) {
            t.local = consumer;
        } else {
            auto ch = std::make_unique<Channel>(plan.queueCapacity);
            ch->producer = producer->task;
            ch->consumer = consumer->task;
            ch->consumerSlot = t.slot;
            consumer->task->inputs.push_back(ch.get());
            t.channel = ch.get();
            impl->channels.push_back(std::move(ch));
        }
        producer->outputs[static_cast<size_t>(w.fromPort)].push_back(t);
    }

    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const PlanNode& pn = plan.nodes[i];
        const OpRuntime* shown =
            impl->ops[static_cast<size_t>(pn.merger >= 0 ? pn.merger : pn.operators.front())].get();
        impl->nodeInfo.push_back({graph.nodes[i].def->id, graph.nodes[i].spec,
                                  shown->inst.metrics.get(), shown->task->index,
                                  static_cast<int>(pn.operators.size())});
    }
    impl->threads = plan.threads;
    if (Status s = impl->setUpCheckpoints(); !s) return R::error(s.message());
    return std::unique_ptr<Executor>(new Executor(std::move(impl)));
}

Status Executor::start() {
    Impl& d = *m_impl;
    const int64_t restoreStartNs = steadyClockNs();
    for (size_t i = 0; i < d.ops.size(); ++i) {
        OpRuntime& op = *d.ops[i];
        Status s;
        try {
            if (op.restore) s = d.restoreOp(op);
            if (s) s = op.inst.source ? op.inst.source->open() : op.inst.op->open();
        } catch (const std::exception& e) {
            s = Status::error(e.what());
        }
        if (!s) {
            for (size_t k = 0; k < i; ++k) d.ops[k]->close();
            for (auto& t : d.tasks) t->done = true;
            {
                // Nothing runs: waiting for the run to end must return at once.
                std::lock_guard lock(d.mutex);
                d.doneTasks = d.tasks.size();
            }
            d.doneCv.notify_all();
            const std::string& label = op.inst.context.nodeLabel;
            return Status::error(s.message().rfind(label, 0) == 0 ? s.message()
                                                                  : label + ": " + s.message());
        }
    }
    const int64_t now = steadyClockNs();
    for (auto& op : d.ops) {
        op->lastDataNs = now;
        op->nextTimerNs = now + op->timerIntervalNs;
    }
    if (d.recovery.checkpointId > 0)
        d.recovery.restoreUs = (steadyClockNs() - restoreStartNs) / 1000;
    d.options.checkpoints.resumeFrom.reset();  // taken back: its memory is not needed any more
    if (d.checkpointing) {
        if (d.recovery.checkpointId == 0) d.writeInitialCheckpoint();
        d.nextCheckpointNs.store(now + d.checkpointIntervalNs);
    }
    d.started = true;
    if (d.tasks.empty()) return Status::ok();
    for (auto& t : d.tasks) {
        // Tasks without inputs and without a source (none today) would never run; every task
        // starts once so that timers are armed.
        d.schedule(t.get());
    }
    for (int i = 0; i < d.threads; ++i) d.workers.emplace_back([&d, i] { d.workerLoop(i); });
    return Status::ok();
}

void Executor::requestStop() {
    m_impl->requestStop(true);
}

bool Executor::waitFor(int64_t timeoutMs) {
    std::unique_lock lock(m_impl->mutex);
    return m_impl->doneCv.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                                   [&] { return m_impl->doneTasks >= m_impl->tasks.size(); });
}

void Executor::wait() {
    std::unique_lock lock(m_impl->mutex);
    m_impl->doneCv.wait(lock, [&] { return m_impl->doneTasks >= m_impl->tasks.size(); });
}

bool Executor::finished() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->doneTasks >= m_impl->tasks.size();
}

Status Executor::failure() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->failure;
}

const std::vector<RunNodeInfo>& Executor::nodes() const {
    return m_impl->nodeInfo;
}

std::shared_ptr<PeekTap> Executor::openPeek(const std::string& nodeId, const std::string& port) {
    std::shared_ptr<PeekTap> tap;
    std::lock_guard lock(m_impl->mutex);
    for (auto& op : m_impl->ops) {
        if (op->inst.context.config.id() != nodeId) continue;
        const int p = op->inst.spec->outputIndex(port);
        if (p < 0) return nullptr;
        if (!tap) {
            tap = std::make_shared<PeekTap>();
            m_impl->peekTaps.push_back(tap);  // kept until the run ends: a worker may hold it
        }
        op->peeks[static_cast<size_t>(p)].store(tap.get(), std::memory_order_release);
    }
    return tap;
}

void Executor::closePeek(const std::shared_ptr<PeekTap>& tap) {
    if (!tap) return;
    for (auto& op : m_impl->ops)
        for (size_t p = 0; p < op->outputs.size(); ++p) {
            PeekTap* expected = tap.get();
            op->peeks[p].compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel);
        }
}
const Recovery& Executor::recovery() const {
    return m_impl->recovery;
}

CheckpointStatus Executor::checkpointStatus() const {
    std::lock_guard lock(m_impl->statusMutex);
    return m_impl->status;
}

void Executor::flushCheckpoints() {
    if (m_impl->writer) m_impl->writer->drain();
}

const PhysicalPlan& Executor::plan() const {
    return m_impl->plan;
}
int Executor::taskCount() const {
    return static_cast<int>(m_impl->tasks.size());
}
int Executor::threadCount() const {
    return m_impl->threads;
}

}  // namespace riffle
