#pragma once
// The queries riffle-bench measures; each builds and runs a real pipeline (or, for handoff, the
// real channel) and reports throughput, CPU cost and latency.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/status.h"
#include "engine/graph/params.h"

namespace riffle {

struct BenchOptions {
    int64_t events = 0;             // 0: the query's default
    int threads = 0;                // 0: number of cores
    std::vector<std::string> sets;  // --vs-flink: NODE.PARAM=VALUE given to riffle-run's --set
    // --checkpoint-every: checkpoints of the pipelines every so many microseconds (0: none, with
    // the same plan), windows in one phase; -1: not given (no checkpoints, the usual plan).
    int64_t checkpointEveryUs = -1;
};

struct BenchResult {
    int64_t events = 0;
    double seconds = 0;
    double cpuSeconds = 0;
    double p50Us = 0, p99Us = 0;
    int threads = 1;
    std::vector<std::pair<std::string, double>> busySeconds;  // per node: time inside the operator
    double eventsPerSecond() const {
        return seconds > 0 ? static_cast<double>(events) / seconds : 0;
    }
    double eventsPerCpuSecond() const {
        return cpuSeconds > 0 ? static_cast<double>(events) / cpuSeconds : 0;
    }
};

// The file of projects/nexmark/<q>.riffle (q: "q1"...) in the source tree or beside the binary.
Result<std::string> findNexmarkProject(const std::string& q);

Result<BenchResult> runBenchQuery(const std::string& query, const BenchOptions& options);
Json benchResultJson(const std::string& query, const BenchOptions& options, const BenchResult& r);

}  // namespace riffle
