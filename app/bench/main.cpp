// riffle-bench: measures the engine (README, "Benchmarks").
//
//   riffle-bench QUERY [--events N] [--threads K] [--checkpoint-every DURATION] [--json]
//   riffle-bench nexmark-qN --vs-flink [--events N] [--threads K] [--set NODE.PARAM=VALUE]...
//
// QUERY: handoff (queue throughput between two threads, in batches), clicks-map (clickstream ->
// filter -> map -> discarding sink), clicks-window (clickstream -> filter -> 10 s tumbling count
// per page -> discarding sink), clicks-sliding / clicks-tumbling (clickstream -> COUNT and p95
// latency per page over 1 minute, sliding every second / tumbling -> discarding sink), kafka
// (source.kafka reading pre-produced 100-byte JSON messages from an in-process librdkafka mock
// cluster -> counting sink), tcp (one local client writes 100-byte JSON lines into source.tcp ->
// discarding sink), nexmark-q0 q1 q2 q3 q5 q7 q8 (projects/nexmark/qN.riffle with its sinks
// replaced by a discarding sink), replay (source.recording at speed 0 of a clickstream recorded
// beforehand, untimed -> discarding sink), the pipelines through the real planner and executor.
// Prints events/s, events per CPU-second of the whole process, and p50/p99 latency. With --vs-flink
// a Nexmark query runs side by side with its Flink SQL export on Flink's MiniCluster over the same
// event files (bench_flink.h).
// --checkpoint-every takes checkpoints of the pipeline (0s: none, on the same plan: windows in
// one phase) to measure what they cost. checkpoint (1 M keys of window state saved, written to a
// new checkpoint store, read back and restored; --events sets the keys). sliding-hour (the memory
// of a 1-hour window sliding every second over 10 000 keys with COUNT(*), -p95 with PERCENTILE
// too; --events sets the keys). studio-open,
// studio-pan, studio-responsive measure the studio (see bench_studio.cpp).
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "app/bench/bench_flink.h"
#include "app/bench/bench_queries.h"
#ifdef RIFFLE_BENCH_STUDIO
#include "app/bench/bench_studio.h"
#endif
#include "engine/core/time_format.h"
#include "engine/runtime/executor.h"

using namespace riffle;

namespace {

const char* kUsage =
    "usage: riffle-bench QUERY [--events N] [--threads K] [--checkpoint-every DURATION] [--json]\n"
    "       riffle-bench nexmark-qN --vs-flink [--events N] [--threads K] [--set "
    "NODE.PARAM=VALUE]...\n"
    "QUERY: handoff | clicks-map | clicks-window | clicks-sliding | clicks-tumbling | kafka |\n"
    "       replay | tcp | checkpoint | sliding-hour | sliding-hour-p95 |\n"
    "       nexmark-q0 | nexmark-q1 | nexmark-q2 | nexmark-q3 | nexmark-q5 | nexmark-q7 | "
    "nexmark-q8 |\n"
    "       studio-open | studio-pan | studio-responsive | ui-render | ui-live\n";

int usageError(const std::string& message) {
    std::cerr << "riffle-bench: " << message << "\n" << kUsage;
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    BenchOptions o;
    std::string query;
    bool json = false, vsFlink = false;
    std::vector<std::string> args(argv + 1, argv + argc);
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            return 0;
        } else if (a == "--json") {
            json = true;
        } else if (a == "--vs-flink") {
            vsFlink = true;
        } else if (a == "--set") {
            if (i + 1 >= args.size()) return usageError("--set needs NODE.PARAM=VALUE");
            o.sets.push_back(args[++i]);
        } else if (a == "--checkpoint-every") {
            const auto us = i + 1 < args.size() ? parseDuration(args[++i]) : std::nullopt;
            if (!us || *us < 0) return usageError("--checkpoint-every needs a duration like 10s");
            o.checkpointEveryUs = *us;
        } else if (a == "--events" || a == "--threads") {
            if (i + 1 >= args.size()) return usageError(a + " needs a number");
            long long v = 0;
            try {
                v = std::stoll(args[++i]);
            } catch (const std::exception&) {
                v = 0;
            }
            if (v < 1) return usageError(a + " needs a positive number, got `" + args[i] + "`");
            if (a == "--events")
                o.events = v;
            else
                o.threads = static_cast<int>(std::min<long long>(v, 256));
        } else if (a.rfind("--", 0) == 0) {
            return usageError("unknown option `" + a + "`");
        } else if (query.empty()) {
            query = a;
        } else {
            return usageError("one query at a time");
        }
    }
    if (query.empty()) return usageError("no query given");
#ifdef RIFFLE_BENCH_STUDIO
    if (isStudioBench(query)) return runStudioBench(query, argc, argv, json);
#endif

    if (!o.sets.empty() && !vsFlink) return usageError("--set goes with --vs-flink");
    if (vsFlink) {
        if (query.rfind("nexmark-", 0) != 0) return usageError("--vs-flink runs a nexmark query");
        auto report = runVsFlink(query.substr(8), o);
        if (!report) {
            std::cerr << "riffle-bench: " << report.message() << "\n";
            return 1;
        }
        std::cout << report.value();
        return 0;
    }
    auto result = runBenchQuery(query, o);
    if (!result) {
        std::cerr << "riffle-bench: " << result.message() << "\n";
        return result.message().rfind("unknown query", 0) == 0 ? 2 : 1;
    }
    const BenchResult& r = result.value();
    if (json) {
        std::cout << benchResultJson(query, o, r).dump() << "\n";
    } else {
        std::printf("%s: %lld events in %.3f s (%d threads)\n", query.c_str(),
                    static_cast<long long>(r.events), r.seconds, r.threads);
        std::printf("  %.2f M events/s\n", r.eventsPerSecond() / 1e6);
        std::printf("  %.2f M events per CPU-second (%.2f CPU-seconds)\n",
                    r.eventsPerCpuSecond() / 1e6, r.cpuSeconds);
        std::printf("  latency p50 %.1f us, p99 %.1f us\n", r.p50Us, r.p99Us);
        for (const auto& [node, seconds] : r.busySeconds)
            std::printf("  %-16s busy %.3f s\n", node.c_str(), seconds);
    }
    return 0;
}
