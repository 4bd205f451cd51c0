#pragma once
// Runs a validated graph: plans it into tasks (engine/plan/physical_plan.h: fusion, parallel
// sources, two-phase aggregation), creates every operator of the plan, opens them, and drives the
// tasks on a fixed pool of worker threads until every source has ended or a stop is requested.
//
// A fused operator is called directly by its producer; between tasks, batches travel through
// bounded SPSC channels. Sources are polled; a full channel stops the polling (back-pressure
// reaches the source). Idle workers park on a condition variable, so a waiting or stopped
// pipeline uses no CPU.
//
// Threading: create(), start(), requestStop(), wait*() and the accessors may be called from any
// one controlling thread; metrics may be read from any thread at any time.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/checkpoint/checkpoint_store.h"

#include "engine/core/status.h"
#include "engine/graph/graph_validator.h"
#include "engine/plan/physical_plan.h"
#include "engine/runtime/metrics.h"
#include "engine/runtime/peek.h"

namespace riffle {

// Checkpoints of a run (docs/checkpoints.md).
struct CheckpointOptions {
    // The store (checkpoint_store.h); empty: no checkpoints. checkpointStorePath() gives the
    // usual place for a project.
    std::string storePath;
    const char* vfs = nullptr;  // an SQLite VFS to write through (tests), or SQLite's default
    // How often sources inject a barrier; 0: never (the project's checkpoint_interval).
    int64_t intervalUs = 0;
    int keep = 3;  // complete checkpoints kept
    // Take back the state of this checkpoint (the newest in the store, usually): every node
    // whose state is compatible continues from it (Executor::recovery()).
    std::optional<checkpoint::Checkpoint> resumeFrom;
};

// How to plan (threads, queue capacity, source parallelism: see PlanOptions) and run.
struct ExecutorOptions : PlanOptions {
    // Where chart sinks publish their rows (see charts/chart_feed.h); optional.
    std::shared_ptr<ChartHub> charts;
    CheckpointOptions checkpoints;
};

// What a run took back from a checkpoint.
struct Recovery {
    int64_t checkpointId = 0;  // 0: nothing was taken back
    int64_t takenAtUs = 0;
    int restoredNodes = 0;
    int64_t keys = 0;                // in the state taken back
    int64_t restoreUs = 0;           // reading it back into the nodes (their open() included)
    std::vector<std::string> fresh;  // "`w` starts fresh: its parameters changed"
};

// The checkpoints of a running executor; any thread.
struct CheckpointStatus {
    bool enabled = false;
    std::string disabledReason;  // why a run with a store takes none ("source `k` cannot ...")
    int64_t completed = 0;       // written in this run
    int64_t failed = 0;          // failed to write in this run
    int64_t lastId = 0;          // the newest written, 0 when none
    int64_t lastAtUs = 0;        // when its barrier was injected (wall clock)
    int64_t lastBytes = 0;
    int64_t lastKeys = 0;     // keys in the state of every node together
    int64_t lastWriteUs = 0;  // how long writing it took (off the workers)
    std::string lastError;    // of the newest failed write, cleared by a success
    bool lastFailed = false;  // the newest attempt failed
};

struct RunNodeInfo {
    std::string id;
    const NodeSpec* spec = nullptr;
    const NodeMetrics* metrics = nullptr;
    int task = 0;  // index of the task that runs it (fused nodes share one)
    // Operator instances that run it: 1, or one per parallel-source instance for the source and
    // the nodes fused behind it, or partials + 1 merger for a two-phase aggregation.
    int instances = 1;
};

class Executor {
public:
    // The graph must be valid (graph.ok()). Operators are created here, opened by start().
    static Result<std::unique_ptr<Executor>> create(const ValidatedGraph& graph,
                                                    ExecutorOptions options = {});
    ~Executor();  // requests a stop and joins the workers
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    // Opens every operator (a failure names the node and nothing runs), then starts the workers.
    Status start();
    // Sources end at their next poll; everything in flight is processed and sinks are flushed.
    void requestStop();
    // Waits until every task has finished; false on timeout.
    bool waitFor(int64_t timeoutMs);
    void wait();
    bool finished() const;
    // The first failure of an operator at run time ("sink `db`: disk full"), or ok.
    Status failure() const;

    const std::vector<RunNodeInfo>& nodes() const;
    // Starts sampling the newest events leaving `port` of `nodeId` (every instance of it); null
    // for an unknown node or port. Any thread, while running. See PeekTap.
    std::shared_ptr<PeekTap> openPeek(const std::string& nodeId, const std::string& port);
    void closePeek(const std::shared_ptr<PeekTap>& tap);
    // What this run took back from a checkpoint (ExecutorOptions::checkpoints.resumeFrom).
    const Recovery& recovery() const;
    CheckpointStatus checkpointStatus() const;
    // Waits until every checkpoint whose barrier has passed every sink is written.
    void flushCheckpoints();
    // The plan this executor runs (makePlan(graph, options)).
    const PhysicalPlan& plan() const;
    int taskCount() const;
    int threadCount() const;

    struct Impl;

private:
    explicit Executor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace riffle
