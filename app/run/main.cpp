// riffle-run: runs a Riffle project headless (SPEC section 7).
//
//   riffle-run PROJECT [--for DURATION] [--set NODE.PARAM=VALUE]... [--metrics-every DURATION]
//                      [--threads K] [--parallelism P] [--json]
//   riffle-run --validate PROJECT
//   riffle-run --list-nodes [--json]
//
// Exit codes: 0 done, 1 runtime failure, 2 invalid project or arguments.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include "app/run/run_report.h"
#include "engine/core/time_format.h"
#include "engine/graph/graph_validator.h"
#include "engine/runtime/executor.h"
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
    "usage: riffle-run PROJECT [--for DURATION] [--set NODE.PARAM=VALUE]... [--metrics-every DURATION]\n"
    "                  [--threads K] [--parallelism P] [--json]\n"
    "       riffle-run --validate PROJECT\n"
    "       riffle-run --list-nodes [--json | --markdown]\n";

int usageError(const std::string& message) {
    std::cerr << "riffle-run: " << message << "\n" << kUsage;
    return kExitInvalid;
}

struct Options {
    std::string project;
    bool validate = false;
    bool listNodes = false;
    bool json = false;
    bool markdown = false;
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
        } else if (a == "--list-nodes") {
            o.listNodes = true;
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "--markdown") {
            o.markdown = true;
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
    if (o.listNodes) return -1;
    if (o.project.empty()) return usageError("no project given");
    return -1;
}

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

int main(int argc, char** argv) {
    Options o;
    if (int code = parseArgs(argc, argv, o); code >= 0) return code;

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
    ValidatedGraph graph = validateProject(project, registry);
    if (o.validate) {
        for (const auto& p : graph.problems) std::cout << o.project << ": " << p.message << "\n";
        if (!graph.ok()) {
            std::cout << graph.problems.size() << (graph.problems.size() == 1 ? " problem" : " problems") << "\n";
            return kExitInvalid;
        }
        std::cout << o.project << ": OK (" << project.nodes.size() << " nodes, " << project.edges.size()
                  << " edges)\n";
        return kExitOk;
    }
    if (!graph.ok()) {
        for (const auto& p : graph.problems) std::cerr << o.project << ": " << p.message << "\n";
        std::cerr << "riffle-run: the project is not valid; nothing was run (check with --validate)\n";
        return kExitInvalid;
    }

    ExecutorOptions eo;
    eo.threads = o.threads;
    eo.sourceParallelism = o.parallelism;
    auto created = Executor::create(graph, eo);
    if (!created) {
        std::cerr << "riffle-run: " << created.message() << "\n";
        return kExitFailure;
    }
    Executor& exec = *created.value();

    const bool tty = !o.json && isatty(STDERR_FILENO);
    ProgressPrinter progress(exec, tty, o.json);
    setLogLineWriter([&progress](const std::string& line) { progress.printLine(line); });

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    if (Status s = exec.start(); !s) {
        std::cerr << "riffle-run: " << s.message() << "\n";
        return kExitFailure;
    }

    const int64_t startNs = steadyNowNs();
    int64_t nextMetricsNs = o.metricsEveryUs ? startNs + o.metricsEveryUs * 1000 : INT64_MAX;
    bool stopping = false;
    std::string stopReason = "every source ended";
    while (!exec.waitFor(100)) {
        const int64_t now = steadyNowNs();
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
    }
    const double seconds = static_cast<double>(steadyNowNs() - startNs) / 1e9;
    setLogLineWriter(nullptr);
    progress.clear();
    Status failure = exec.failure();
    if (!failure.isOk()) stopReason = "failed: " + failure.message();
    if (o.json) {
        std::cout << finalReportJson(exec, seconds, failure.isOk() ? "done" : "failed", stopReason).dump() << "\n";
    } else {
        std::cout << finalReportTable(exec, seconds, stopReason);
    }
    if (!failure.isOk()) {
        std::cerr << "riffle-run: " << failure.message() << "\n";
        return kExitFailure;
    }
    return kExitOk;
}
