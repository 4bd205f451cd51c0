// riffle-run: runs a Riffle project headless (README, "Running headless").
//
//   riffle-run PROJECT [--for DURATION] [--set NODE.PARAM=VALUE]... [--metrics-every DURATION]
//                      [--threads K] [--parallelism P] [--from-scratch] [--checkpoints FILE]
//                      [--json]
//   riffle-run --validate PROJECT
//   riffle-run --explain PROJECT [--threads K] [--parallelism P]
//   riffle-run --export flink-sql PROJECT [--out FILE] [--set NODE.PARAM=VALUE]...
//   riffle-run --list-nodes [--json]
//   riffle-run --set-secret NAME | --remove-secret NAME | --list-secrets
//   riffle-run --infer-schema NODE PROJECT [--for DURATION]
//
// Exit codes: 0 done, 1 runtime failure, 2 invalid project or arguments.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include "app/run/run_report.h"
#include "engine/charts/chart_history.h"
#include "engine/checkpoint/checkpoint_store.h"
#include "engine/core/clock.h"
#include "engine/core/time_format.h"
#include "engine/export/flink_sql.h"
#include "engine/graph/graph_validator.h"
#include "engine/graph/node_instance.h"
#include "engine/graph/secrets.h"
#include "engine/runtime/executor.h"
#include "nodes/charts/chart_config.h"
#include "nodes/charts/chart_summary.h"
#include "nodes/connectors/schema_sampling.h"
#include "nodes/register_builtin_nodes.h"
#include "nodes/sinks/log_output.h"

using namespace riffle;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitInvalid = 2;

std::atomic<int> g_signals{0};

void onSignal(int) {
    if (g_signals.fetch_add(1) >= 1) _exit(130);  // a second Ctrl+C stops at once
}

const char* kUsage =
    "usage: riffle-run PROJECT [--for DURATION] [--set NODE.PARAM=VALUE]... [--metrics-every "
    "DURATION]\n"
    "                  [--threads K] [--parallelism P] [--no-history] [--json]\n"
    "                  [--from-scratch] [--checkpoints FILE]   (docs/checkpoints.md)\n"
    "       riffle-run --validate PROJECT\n"
    "       riffle-run --explain PROJECT [--threads K] [--parallelism P]   (prints the execution "
    "plan)\n"
    "       riffle-run --export flink-sql PROJECT [--out FILE]   (the project as a Flink SQL "
    "script)\n"
    "       riffle-run --infer-schema NODE PROJECT [--for DURATION]   (reads NODE's first "
    "messages)\n"
    "       riffle-run --list-nodes [--json | --markdown]\n"
    "       riffle-run --set-secret NAME    (reads the value from standard input)\n"
    "       riffle-run --remove-secret NAME | --list-secrets\n";

// "12 408"
std::string formatCount(int64_t n) {
    const std::string digits = std::to_string(n);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && digits[i - 1] != '-' && (digits.size() - i) % 3 == 0) out += ' ';
        out += digits[i];
    }
    return out;
}

// Wall-clock time of day, local: "10:41:03".
std::string formatLocalTime(int64_t us) {
    const std::time_t t = static_cast<std::time_t>(us / 1'000'000);
    std::tm tm{};
    localtime_r(&t, &tm);
    char text[16];
    std::strftime(text, sizeof text, "%H:%M:%S", &tm);
    return text;
}

int usageError(const std::string& message) {
    std::cerr << "riffle-run: " << message << "\n" << kUsage;
    return kExitInvalid;
}

struct Options {
    std::string project;
    bool validate = false;
    bool explain = false;
    std::string exportFormat, out;
    bool listNodes = false;
    bool json = false;
    bool markdown = false;
    bool noHistory = false;
    bool fromScratch = false;
    std::string checkpoints;  // the store; empty: checkpoint::defaultStorePath(project)
    bool listSecrets = false;
    std::string setSecret, removeSecret;
    std::string inferNode;
    int64_t forUs = 0;
    int64_t metricsEveryUs = 0;
    int threads = 0;
    int parallelism = 1;
    std::vector<std::string> sets;
};

// Returns an exit code when parsing ends the program, -1 to go on.
int parseArgs(int argc, char** argv, Options& o) {
    std::vector<std::string> args(argv + 1, argv + argc);
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](const char* name) -> const std::string* {
            if (i + 1 >= args.size()) return nullptr;
            (void)name;
            return &args[++i];
        };
        if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            return kExitOk;
        } else if (a == "--validate") {
            o.validate = true;
        } else if (a == "--explain") {
            o.explain = true;
        } else if (a == "--export" || a == "--out") {
            const std::string* v = value(a.c_str());
            if (!v)
                return usageError(a == "--export" ? "--export needs a format: flink-sql"
                                                  : "--out needs a file");
            (a == "--export" ? o.exportFormat : o.out) = *v;
            if (a == "--export" && *v != "flink-sql")
                return usageError("unknown export format `" + *v +
                                  "`; the one there is: flink-sql");
        } else if (a == "--list-nodes") {
            o.listNodes = true;
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "--markdown") {
            o.markdown = true;
        } else if (a == "--no-history") {
            o.noHistory = true;
        } else if (a == "--from-scratch") {
            o.fromScratch = true;
        } else if (a == "--checkpoints") {
            const std::string* v = value(a.c_str());
            if (!v) return usageError("--checkpoints needs the file to keep them in");
            o.checkpoints = *v;
        } else if (a == "--infer-schema") {
            const std::string* v = value(a.c_str());
            if (!v)
                return usageError(
                    "--infer-schema needs a node id, e.g. --infer-schema clicks PROJECT");
            o.inferNode = *v;
        } else if (a == "--list-secrets") {
            o.listSecrets = true;
        } else if (a == "--set-secret" || a == "--remove-secret") {
            const std::string* v = value(a.c_str());
            if (!v) return usageError(a + " needs the secret's name, e.g. " + a + " prod-kafka");
            (a == "--set-secret" ? o.setSecret : o.removeSecret) = *v;
        } else if (a == "--for" || a == "--metrics-every") {
            const std::string* v = value(a.c_str());
            if (!v) return usageError(a + " needs a duration, e.g. " + a + " 10s");
            auto us = parseDuration(*v);
            if (!us || *us <= 0)
                return usageError(a + " needs a duration like 10s, 500ms or 5m, got `" + *v + "`");
            (a == "--for" ? o.forUs : o.metricsEveryUs) = *us;
        } else if (a == "--set") {
            const std::string* v = value("--set");
            if (!v) return usageError("--set needs NODE.PARAM=VALUE");
            o.sets.push_back(*v);
        } else if (a == "--threads" || a == "--parallelism") {
            const std::string* v = value(a.c_str());
            int k = 0;
            try {
                k = v ? std::stoi(*v) : 0;
            } catch (const std::exception&) {
                k = 0;
            }
            if (k < 1 || k > 256) return usageError(a + " needs a number from 1 to 256");
            (a == "--threads" ? o.threads : o.parallelism) = k;
        } else if (a.rfind("--", 0) == 0) {
            return usageError("unknown option `" + a + "`");
        } else if (o.project.empty()) {
            o.project = a;
        } else {
            return usageError("more than one project given (`" + o.project + "` and `" + a + "`)");
        }
    }
    if (o.listNodes || o.listSecrets || !o.setSecret.empty() || !o.removeSecret.empty()) return -1;
    if (o.project.empty()) return usageError("no project given");
    return -1;
}

// The run's chart sinks: their channels, drained while running into one ChartSummary each, and
// the history store their final rows go to.
class ChartTables {
public:
    ChartTables(const ValidatedGraph& graph, const Project& project, const std::string& projectPath,
                bool history)
        : m_hub(makeChartHub(graph)) {
        for (const std::string& id : m_hub->nodeIds()) m_summaries.emplace_back(*m_hub->config(id));
        if (m_summaries.empty() || !history) return;
        m_historyPath = chartHistoryPathFor(projectPath);
        auto h = ChartHistory::open(m_historyPath);
        auto run = h ? h.value()->beginRun(wallClockUs(), historyRetentionUs(project.settings))
                     : Result<int64_t>::error(h.message());
        if (!run) {
            std::cerr << "riffle-run: charts are not kept in history: " << run.message() << "\n";
            return;
        }
        m_history = std::move(h.value());
        m_runId = run.value();
        m_hub->setHistory(m_historyPath, m_runId);
    }
    const std::shared_ptr<ChartHub>& hub() const { return m_hub; }
    bool empty() const { return m_summaries.empty(); }

    void drain() {
        for (ChartSummary& s : m_summaries)
            for (const auto& chunk : m_hub->channel(s.config().nodeId)->drain()) s.add(chunk->rows);
    }
    void finish() {
        drain();
        for (ChartSummary& s : m_summaries)
            s.addDropped(m_hub->channel(s.config().nodeId)->rowsDropped());
        if (m_history) (void)m_history->endRun(m_runId, wallClockUs());
    }
    std::string text() const {
        std::string out;
        for (const ChartSummary& s : m_summaries) out += "\n" + s.text();
        if (m_history)
            out += "\nchart history: " + m_historyPath + " (run " + std::to_string(m_runId) + ")\n";
        return out;
    }
    Json json() const {
        Json j = Json::object();
        for (const ChartSummary& s : m_summaries) j[s.config().nodeId] = s.json();
        return j;
    }

private:
    std::shared_ptr<ChartHub> m_hub;
    std::vector<ChartSummary> m_summaries;
    std::string m_historyPath;
    std::unique_ptr<ChartHistory> m_history;
    int64_t m_runId = 0;
};

int listNodes(const NodeRegistry& registry, bool json, bool markdown) {
    if (markdown) {
        std::cout << nodeCatalogMarkdown(registry);
        return kExitOk;
    }
    if (json) {
        std::cout << nodeCatalogJson(registry).dump(2) << "\n";
        return kExitOk;
    }
    std::cout << nodeCatalogText(registry);
    return kExitOk;
}

}  // namespace

// The local secret store (graph/secrets.h): ${secret:NAME} references resolve from it.
static int manageSecrets(const Options& o) {
    auto store = SecretStore::load();
    if (!store) {
        std::cerr << "riffle-run: " << store.message() << "\n";
        return kExitFailure;
    }
    if (o.listSecrets) {
        for (const auto& name : store->names()) std::cout << name << "\n";
        return kExitOk;
    }
    Status s;
    if (!o.setSecret.empty()) {
        if (isatty(STDIN_FILENO)) std::cerr << "value of `" << o.setSecret << "`: " << std::flush;
        std::string value;
        std::getline(std::cin, value);
        if (!value.empty() && value.back() == '\r') value.pop_back();
        if (value.empty()) {
            std::cerr << "riffle-run: no value given on standard input; nothing was stored\n";
            return kExitInvalid;
        }
        s = store->set(o.setSecret, value);
        if (s)
            std::cout << "stored `" << o.setSecret << "` in " << store->path()
                      << "; refer to it as ${secret:" << o.setSecret << "}\n";
    } else {
        s = store->remove(o.removeSecret);
        if (s) std::cout << "removed `" << o.removeSecret << "` from " << store->path() << "\n";
    }
    if (!s) {
        std::cerr << "riffle-run: " << s.message() << "\n";
        return kExitInvalid;
    }
    return kExitOk;
}

// Reads the first messages of a message source and prints the `schema` they suggest.
static int inferSchema(const Project& project, const NodeRegistry& registry, const Options& o) {
    const NodeDef* node = nullptr;
    for (const auto& n : project.nodes)
        if (n.id == o.inferNode) node = &n;
    if (!node) {
        std::cerr << "riffle-run: the project has no node `" << o.inferNode << "`\n";
        return kExitInvalid;
    }
    const NodeSpec* spec = registry.find(node->type);
    if (!spec) {
        std::cerr << "riffle-run: node `" << node->id << "` has the unknown type `" << node->type
                  << "`\n";
        return kExitInvalid;
    }
    const int64_t timeoutMs = o.forUs ? o.forUs / 1000 : 5000;
    auto sampled =
        inferMessageSchema(*spec, node->id, node->params, project.baseDir(), 100, timeoutMs);
    if (!sampled) {
        std::cerr << "riffle-run: " << sampled.message() << "\n";
        return kExitFailure;
    }
    std::cout << nodeLabel(*spec, node->id) << ": " << sampled->schema.size() << " fields from "
              << sampled->objects << " JSON messages; put them in the node's `schema`:\n"
              << Json(sampled->schema).dump() << "\n";
    return kExitOk;
}

int main(int argc, char** argv) {
    Options o;
    if (int code = parseArgs(argc, argv, o); code >= 0) return code;
    if (o.listSecrets || !o.setSecret.empty() || !o.removeSecret.empty()) return manageSecrets(o);

    NodeRegistry registry;
    registerBuiltinNodes(registry);
    if (o.listNodes) return listNodes(registry, o.json, o.markdown);

    auto loaded = Project::load(o.project);
    if (!loaded) {
        std::cerr << "riffle-run: " << loaded.message() << "\n";
        return kExitInvalid;
    }
    Project project = std::move(loaded.value());
    for (const auto& s : o.sets) {
        if (Status st = applyOverride(project, s); !st) {
            std::cerr << "riffle-run: " << st.message() << "\n";
            return kExitInvalid;
        }
    }
    if (!o.inferNode.empty()) return inferSchema(project, registry, o);
    if (!o.validate && !o.explain && o.exportFormat.empty()) {
        // A JSON source without a schema: read its first messages, say what they hold, and run.
        auto inferred = inferMissingSchemas(project, registry, nullptr, [&](const std::string& id) {
            std::cerr << "riffle-run: `" << id
                      << "` has no `schema`: reading its first messages (up to "
                      << kRunInferTimeoutMs / 1000 << " s)\n";
        });
        if (!inferred) {
            std::cerr << "riffle-run: " << inferred.message() << "\n";
            return kExitFailure;
        }
        for (const InferredSchema& s : inferred.value()) {
            std::cerr << "riffle-run: `" << s.nodeId << "`: inferred `schema` from "
                      << s.sampled.objects << " JSON messages: " << Json(s.sampled.schema).dump()
                      << "\n";
            NodeDef* node = project.node(s.nodeId);
            node->params[registry.find(node->type)->paramWithRole(ParamRole::Schema)->key] =
                s.sampled.schema;
        }
    }
    ValidatedGraph graph = validateProject(project, registry);
    for (const auto& w : graph.warnings)
        (o.validate ? std::cout : std::cerr) << o.project << ": warning: " << w.message << "\n";
    if (o.validate) {
        for (const auto& p : graph.problems) std::cout << o.project << ": " << p.message << "\n";
        if (!graph.ok()) {
            std::cout << graph.problems.size()
                      << (graph.problems.size() == 1 ? " problem" : " problems") << "\n";
            return kExitInvalid;
        }
        std::cout << o.project << ": OK (" << project.nodes.size() << " nodes, "
                  << project.edges.size() << " edges)\n";
        return kExitOk;
    }
    if (!o.exportFormat.empty() && graph.ok()) {
        auto sql = exportFlinkSql(graph, project.name.empty() ? o.project : project.name);
        if (!sql) {
            std::cerr << "riffle-run: cannot export to Flink SQL: " << sql.message() << "\n";
            return kExitInvalid;
        }
        if (o.out.empty()) {
            std::cout << sql.value();
            return kExitOk;
        }
        std::ofstream f(o.out, std::ios::binary | std::ios::trunc);
        f << sql.value();
        if (!f.flush()) {
            std::cerr << "riffle-run: cannot write " << o.out << "\n";
            return kExitFailure;
        }
        std::cerr << "riffle-run: wrote " << o.out << "\n";
        return kExitOk;
    }
    if (o.explain && graph.ok()) {
        PlanOptions po;
        po.threads = o.threads;
        po.sourceParallelism = o.parallelism;
        std::cout << o.project << ": " << explainPlan(graph, makePlan(graph, po));
        return kExitOk;
    }
    if (!graph.ok()) {
        for (const auto& p : graph.problems) std::cerr << o.project << ": " << p.message << "\n";
        std::cerr << "riffle-run: the project is not valid; "
                  << (o.explain                ? "no plan was made"
                      : o.exportFormat.empty() ? "nothing was run"
                                               : "nothing was exported")
                  << " (check with --validate)\n";
        return kExitInvalid;
    }

    ExecutorOptions eo;
    eo.threads = o.threads;
    eo.sourceParallelism = o.parallelism;
    ChartTables charts(graph, project, o.project, !o.noHistory);
    eo.charts = charts.hub();
    std::unique_ptr<checkpoint::CheckpointStore> store;
    if (graph.settings.checkpointIntervalUs > 0) {
        eo.checkpoints.storePath =
            o.checkpoints.empty() ? checkpoint::defaultStorePath(o.project) : o.checkpoints;
        eo.checkpoints.intervalUs = graph.settings.checkpointIntervalUs;
        auto opened = checkpoint::CheckpointStore::open(eo.checkpoints.storePath);
        Status read = opened ? Status::ok() : Status::error(opened.message());
        if (opened) {
            store = std::move(opened.value());
            if (o.fromScratch) {
                read = store->clear();
            } else if (auto latest = store->latest(); !latest) {
                read = Status::error(latest.message());
            } else {
                eo.checkpoints.resumeFrom = std::move(latest.value());
            }
        }
        if (!read) {
            std::cerr << "riffle-run: " << read.message() << "; running without checkpoints\n";
            eo.checkpoints.storePath.clear();
            store.reset();
        }
    }
    auto created = Executor::create(graph, eo);
    if (!created) {
        std::cerr << "riffle-run: " << created.message() << "\n";
        return kExitFailure;
    }
    Executor& exec = *created.value();
    const CheckpointStatus checkpoints = exec.checkpointStatus();
    if (!checkpoints.enabled && !eo.checkpoints.storePath.empty() &&
        graph.settings.checkpointIntervalUs > 0)
        std::cerr << "riffle-run: no checkpoints: " << checkpoints.disabledReason << "\n";

    const bool tty = !o.json && isatty(STDERR_FILENO);
    ProgressPrinter progress(exec, tty, o.json);
    setLogLineWriter([&progress](const std::string& line) { progress.printLine(line); });

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    if (Status s = exec.start(); !s) {
        std::cerr << "riffle-run: " << redactSecrets(s.message()) << "\n";
        return kExitFailure;
    }
    if (const Recovery& r = exec.recovery(); r.checkpointId > 0) {
        std::cerr << "riffle-run: resumed from checkpoint " << r.checkpointId << " of "
                  << formatLocalTime(r.takenAtUs) << ": " << r.restoredNodes
                  << (r.restoredNodes == 1 ? " node" : " nodes") << " continue, "
                  << formatCount(r.keys) << " keys, taken back in " << (r.restoreUs + 500) / 1000
                  << " ms (riffle-run --from-scratch starts afresh)\n";
        for (const std::string& line : r.fresh) std::cerr << "riffle-run: " << line << "\n";
    }

    const int64_t startNs = steadyClockNs();
    int64_t nextMetricsNs = o.metricsEveryUs ? startNs + o.metricsEveryUs * 1000 : INT64_MAX;
    bool stopping = false;
    std::string stopReason = "every source ended";
    while (!exec.waitFor(100)) {
        const int64_t now = steadyClockNs();
        if (!stopping && g_signals.load() > 0) {
            stopping = true;
            stopReason = "stopped by signal";
            exec.requestStop();
        }
        if (!stopping && o.forUs && now - startNs >= o.forUs * 1000) {
            stopping = true;
            stopReason = "--for " + formatDuration(o.forUs) + " elapsed";
            exec.requestStop();
        }
        if (now >= nextMetricsNs) {
            progress.printMetrics(now - startNs);
            nextMetricsNs += o.metricsEveryUs * 1000;
        }
        progress.tick(now - startNs);
        charts.drain();
    }
    charts.finish();
    exec.flushCheckpoints();
    const double seconds = static_cast<double>(steadyClockNs() - startNs) / 1e9;
    setLogLineWriter(nullptr);
    progress.clear();
    Status failure = exec.failure();
    if (!failure.isOk()) stopReason = "failed: " + redactSecrets(failure.message());
    const CheckpointStatus kept = exec.checkpointStatus();
    if (kept.enabled && store) {
        if (!stopping && failure.isOk()) {
            // Every source ended: the results are whole, and the next run starts afresh.
            if (Status s = store->clear(); !s) std::cerr << "riffle-run: " << s.message() << "\n";
        } else if (kept.lastId > 0) {
            std::cerr << "riffle-run: checkpoint " << kept.lastId << " of "
                      << formatLocalTime(kept.lastAtUs) << " (" << formatCount(kept.lastKeys)
                      << " keys, " << formatByteSize(kept.lastBytes)
                      << ") is kept: the next run continues from it\n";
        }
        if (kept.lastFailed)
            std::cerr << "riffle-run: the last checkpoint failed: " << kept.lastError << "\n";
    }
    if (o.json) {
        Json report =
            finalReportJson(exec, seconds, failure.isOk() ? "done" : "failed", stopReason);
        if (!charts.empty()) report["charts"] = charts.json();
        std::cout << report.dump() << "\n";
    } else {
        std::cout << finalReportTable(exec, seconds, stopReason) << charts.text();
    }
    if (!failure.isOk()) {
        std::cerr << "riffle-run: " << redactSecrets(failure.message()) << "\n";
        return kExitFailure;
    }
    return kExitOk;
}
