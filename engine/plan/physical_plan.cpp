#include "engine/plan/physical_plan.h"

#include <algorithm>
#include <sstream>
#include <thread>

namespace riffle {

std::string_view instanceRoleName(InstanceRole role) {
    switch (role) {
        case InstanceRole::Single:
            return "single";
        case InstanceRole::SourceShare:
            return "source share";
        case InstanceRole::Fused:
            return "fused";
        case InstanceRole::Partial:
            return "partial";
        case InstanceRole::Merger:
            return "merger";
    }
    return "?";
}

int PhysicalPlan::queues() const {
    return static_cast<int>(
        std::count_if(wires.begin(), wires.end(), [](const PlanWire& w) { return w.queued; }));
}

PhysicalPlan makePlan(const ValidatedGraph& graph, const PlanOptions& options) {
    PhysicalPlan plan;
    plan.queueCapacity = options.queueCapacity;
    const size_t n = graph.nodes.size();
    plan.nodes.resize(n);
    // The instances that emit on `port` of `node`: the merger alone emits `out` (port 0).
    auto inputInstances = [&](size_t node) {
        const PlanNode& pn = plan.nodes[node];
        std::vector<int> all;
        for (int op : pn.operators)
            if (op != pn.merger) all.push_back(op);
        return all;
    };
    auto instancesOnPort = [&](size_t node, int port) {
        const PlanNode& pn = plan.nodes[node];
        if (pn.merger >= 0 && port == 0) return std::vector<int>{pn.merger};
        return inputInstances(node);
    };
    auto newTask = [&](bool source) {
        plan.tasks.push_back({{}, source});
        return static_cast<int>(plan.tasks.size()) - 1;
    };
    // Adds an instance of node i to `task` (a new task of its own when -1).
    auto place = [&](size_t i, InstanceRole role, int partition, int partitions, int task) {
        const LogicalNode& ln = graph.nodes[i];
        PlanOperator op;
        op.node = static_cast<int>(i);
        op.role = role;
        op.partition = partition;
        op.partitions = partitions;
        op.task = task >= 0 ? task : newTask(ln.spec->isSource());
        op.outputPorts =
            static_cast<int>(ln.spec->outputs.size()) + (role == InstanceRole::Partial ? 1 : 0);
        plan.operators.push_back(op);
        const int index = static_cast<int>(plan.operators.size()) - 1;
        plan.tasks[static_cast<size_t>(op.task)].operators.push_back(index);
        plan.nodes[i].operators.push_back(index);
        return index;
    };

    const int sourceParallelism = std::max(1, options.sourceParallelism);
    for (size_t i = 0; i < n; ++i) {
        const LogicalNode& ln = graph.nodes[i];
        const ResolvedEdge* single =
            ln.inEdges.size() == 1 ? &graph.edges[static_cast<size_t>(ln.inEdges[0])] : nullptr;
        const std::vector<int> producers =
            single ? instancesOnPort(static_cast<size_t>(single->from), single->fromPort)
                   : std::vector<int>{};
        const bool fused = ln.spec->stateless && single;

        bool combine = false;
        if (!fused && single && producers.size() > 1 && ln.spec->combinable) {
            const Status why = ln.spec->combinable(ln.config, ln.inputs);
            combine = why.isOk();
            if (!combine) plan.nodes[i].notCombined = why.message();
        }
        if (combine) {
            // The merger reports the node's watermark (partition 0); partials are 1..P.
            const int partials = static_cast<int>(producers.size());
            const int merger = place(i, InstanceRole::Merger, 0, 1, -1);
            plan.nodes[i].merger = merger;
            for (int k = 0; k < partials; ++k) {
                const int producerTask =
                    plan.operators[static_cast<size_t>(producers[static_cast<size_t>(k)])].task;
                const int p = place(i, InstanceRole::Partial, k + 1, partials, producerTask);
                PlanWire w;
                w.from = p;
                w.fromPort = plan.operators[static_cast<size_t>(p)].outputPorts - 1;
                w.to = merger;
                w.toSlot = 0;
                w.queued = true;
                w.internal = true;
                plan.wires.push_back(w);
            }
            // Listed with the merger last, as PlanNode says.
            auto& ops = plan.nodes[i].operators;
            std::rotate(ops.begin(), ops.begin() + 1, ops.end());
            continue;
        }
        if (fused) {
            const int count = static_cast<int>(producers.size());
            for (int k = 0; k < count; ++k)
                place(i, InstanceRole::Fused, k, count,
                      plan.operators[static_cast<size_t>(producers[static_cast<size_t>(k)])].task);
        } else if (ln.spec->isSource() && ln.spec->parallelSource && sourceParallelism > 1) {
            for (int k = 0; k < sourceParallelism; ++k)
                place(i, InstanceRole::SourceShare, k, sourceParallelism, -1);
        } else {
            place(i, InstanceRole::Single, 0, 1, -1);
        }
    }

    // Wiring: a fused wire joins instance k to instance k; every other wire is a queue from each
    // producer instance to the consumer's first instance (its merger's partials are fused).
    for (const ResolvedEdge& e : graph.edges) {
        const std::vector<int> from = instancesOnPort(static_cast<size_t>(e.from), e.fromPort);
        const std::vector<int> to = inputInstances(static_cast<size_t>(e.to));
        for (size_t k = 0; k < from.size(); ++k) {
            const PlanOperator& producer = plan.operators[static_cast<size_t>(from[k])];
            const bool sameTask = to.size() == from.size() &&
                                  plan.operators[static_cast<size_t>(to[k])].task == producer.task;
            PlanWire w;
            w.from = from[k];
            w.fromPort = e.fromPort;
            w.to = sameTask ? to[k] : to[0];
            w.toSlot = e.toSlot;
            w.queued = !sameTask;
            plan.wires.push_back(w);
        }
    }

    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int threads = options.threads > 0 ? options.threads : hw;
    plan.threads = std::max(1, std::min(threads, static_cast<int>(plan.tasks.size())));
    return plan;
}

namespace {

std::string plural(size_t count, const char* one, const char* many) {
    return std::to_string(count) + " " + (count == 1 ? one : many);
}

}  // namespace

std::string explainPlan(const ValidatedGraph& graph, const PhysicalPlan& plan) {
    std::ostringstream out;
    auto nodeOf = [&](int op) -> const LogicalNode& {
        return graph.nodes[static_cast<size_t>(plan.operators[static_cast<size_t>(op)].node)];
    };
    auto portName = [&](int op, int port) -> std::string {
        const auto& outputs = nodeOf(op).spec->outputs;
        return port < static_cast<int>(outputs.size()) ? outputs[static_cast<size_t>(port)].name
                                                       : "merge";
    };
    out << plural(graph.nodes.size(), "node", "nodes") << " → "
        << plural(plan.operators.size(), "operator", "operators") << " in "
        << plural(plan.tasks.size(), "task", "tasks") << " on "
        << plural(static_cast<size_t>(plan.threads), "worker thread", "worker threads") << "; "
        << plural(static_cast<size_t>(plan.queues()), "queue", "queues") << " of "
        << plan.queueCapacity << " batches each\n";

    // What an operator's line says about its instance.
    auto describe = [&](int op) {
        const PlanOperator& o = plan.operators[static_cast<size_t>(op)];
        const LogicalNode& ln = nodeOf(op);
        std::string s = ln.def->id + " (" + ln.spec->typeId + ")";
        switch (o.role) {
            case InstanceRole::Single:
                break;
            case InstanceRole::SourceShare:
                s += " · share " + std::to_string(o.partition + 1) + " of " +
                     std::to_string(o.partitions) + " of the stream";
                break;
            case InstanceRole::Fused:
                s += " · fused";
                if (o.partitions > 1)
                    s += ", instance " + std::to_string(o.partition + 1) + " of " +
                         std::to_string(o.partitions);
                break;
            case InstanceRole::Partial:
                s += " · two-phase: partial " + std::to_string(o.partition) + " of " +
                     std::to_string(o.partitions) + ", fused";
                break;
            case InstanceRole::Merger:
                s += " · two-phase: merges " +
                     plural(plan.nodes[static_cast<size_t>(o.node)].operators.size() - 1, "partial",
                            "partials");
                break;
        }
        const std::string& why = plan.nodes[static_cast<size_t>(o.node)].notCombined;
        if (!why.empty() && o.role == InstanceRole::Single)
            s += " · one instance, not two-phase: " + why;
        return s;
    };

    for (size_t t = 0; t < plan.tasks.size(); ++t) {
        const PlanTask& task = plan.tasks[t];
        size_t inputs = 0;
        for (const PlanWire& w : plan.wires)
            if (w.queued && plan.operators[static_cast<size_t>(w.to)].task == static_cast<int>(t))
                ++inputs;
        out << "\ntask " << t + 1;
        if (task.source)
            out << " · polls its source";
        else
            out << " · reads " << plural(inputs, "queue", "queues");
        out << "\n";
        // The head, then each operator under the one that calls it.
        auto print = [&](auto& self, int op, int depth) -> void {
            out << std::string(static_cast<size_t>(2 + 2 * depth), ' ') << (depth > 0 ? "└ " : "")
                << describe(op) << "\n";
            // Where its batches go: first the queues to other tasks, then the operators it
            // calls.
            for (const PlanWire& w : plan.wires) {
                if (w.from != op || !w.queued) continue;
                const PlanOperator& to = plan.operators[static_cast<size_t>(w.to)];
                out << std::string(static_cast<size_t>(4 + 2 * depth), ' ') << "→ "
                    << portName(op, w.fromPort) << " to task " << to.task + 1 << " ("
                    << nodeOf(w.to).def->id << ")\n";
            }
            for (const PlanWire& w : plan.wires)
                if (w.from == op && !w.queued) self(self, w.to, depth + 1);
        };
        if (!task.operators.empty()) print(print, task.operators.front(), 0);
    }
    return out.str();
}

}  // namespace riffle
