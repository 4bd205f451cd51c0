#pragma once
// The physical plan: how a validated graph runs, decided before any operator exists.
//
// The planner turns the logical graph (one node per card) into operator instances grouped into
// tasks, and wires between them. The executor runs exactly this plan, `riffle-run --explain`
// prints it, and the studio shows it under View ▸ Execution plan. The rules, as Flink chains
// operators and splits aggregations:
//  - Fusion: a stateless node with exactly one incoming wire runs in its producer's task, called
//    directly with no queue, once per producer instance.
//  - Parallel sources: a source whose spec says it can split its stream (NodeSpec::
//    parallelSource) runs as `sourceParallelism` instances, each making a disjoint share.
//  - Two-phase aggregation: a node with a combine rule (NodeSpec::combinable) fed by several
//    instances runs as one partial instance fused behind each of them plus one merger in a task
//    of its own; the merger alone emits on `out`, the partials on the other ports.
//  - Every other node heads a task of its own. A wire between tasks is a bounded SPSC queue of
//    `queueCapacity` batches, one per producer instance.
// Pure data and pure functions: no threads, no I/O, Qt-free.
#include <cstddef>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/graph/graph_validator.h"

namespace riffle {

struct PlanOptions {
    int threads = 0;            // worker threads; 0 = number of cores
    size_t queueCapacity = 64;  // batches per queue
    // Instances of each source that can split its stream, and of the stateless nodes fused
    // behind it; their results meet at the next stateful node. 1 = off.
    int sourceParallelism = 1;
};

enum class InstanceRole {
    Single,       // the node's only instance, heading its task
    SourceShare,  // one of the instances of a parallel source, each heading its task
    Fused,        // called directly by the operator before it, in that operator's task
    Partial,      // the first phase of a two-phase aggregation, fused behind one producer
    Merger,       // the second phase, heading its task
};
std::string_view instanceRoleName(InstanceRole role);

// One operator instance.
struct PlanOperator {
    int node = 0;  // index into ValidatedGraph::nodes
    InstanceRole role = InstanceRole::Single;
    int partition = 0, partitions = 1;  // OperatorContext::partition / partitions
    int task = 0;
    // Output ports: the node's, plus one internal port on a partial (its watermarks and handover
    // signal to the merger).
    int outputPorts = 0;
};

// A wire between two operator instances: a direct call within a task, or a queue between tasks.
// Wires are listed in the order in which each consumer's input slots are numbered.
struct PlanWire {
    int from = 0, fromPort = 0;  // operator index, output port
    int to = 0, toSlot = 0;      // operator index, the consumer node's logical input slot
    bool queued = false;         // false: the consumer is called directly (fused)
    bool internal = false;       // a partial's wire to its merger, not an edge of the project
};

struct PlanTask {
    std::vector<int> operators;  // in the order the task calls them (the head first)
    bool source = false;         // headed by a source, which the task polls
};

struct PlanNode {
    std::vector<int> operators;  // every instance, the merger last
    int merger = -1;             // operator index of the merger, or -1
    // Why a node with a combine rule runs as one instance ("`two_phase` is off"); empty
    // otherwise.
    std::string notCombined;
};

struct PhysicalPlan {
    std::vector<PlanOperator> operators;  // in the order they are created and opened
    std::vector<PlanTask> tasks;
    std::vector<PlanWire> wires;
    std::vector<PlanNode> nodes;  // parallel to ValidatedGraph::nodes
    size_t queueCapacity = 64;
    int threads = 1;  // worker threads: the requested number, at most one per task
    int queues() const;
};

// The graph must be valid (graph.ok()).
PhysicalPlan makePlan(const ValidatedGraph& graph, const PlanOptions& options = {});

// The plan as text, one task per paragraph (as Flink's and DuckDB's EXPLAIN):
//   task 2 · 1 instance · polls source `clicks`
//     clicks (source.clickstream)
//     └─ views (transform.filter) · fused
//     → queue (64 batches) to task 3 `per_page`
// Stable: the same graph and options always print the same text (golden tests compare it).
std::string explainPlan(const ValidatedGraph& graph, const PhysicalPlan& plan);

}  // namespace riffle
