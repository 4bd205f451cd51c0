#pragma once
// riffle-bench nexmark-qN --vs-flink: the query in Riffle and, exported, on Apache Flink.
#include <string>

#include "app/bench/bench_queries.h"

namespace riffle {

// Records `options.events` Nexmark events (default 2 000 000) into JSON Lines files, then runs
// projects/nexmark/<q>.riffle over them with riffle-run and its Flink SQL export on Flink's
// MiniCluster (scripts/peers.sh flink-sql, the test peer), each as a child process, and returns
// the report: both rates in events per CPU-second and their ratio. `options.sets` change the
// project for both (riffle-run --set), e.g. hottest.with_ties=false for q5, whose ties Flink's
// window Top-N cannot keep.
Result<std::string> runVsFlink(const std::string& q, const BenchOptions& options);

}  // namespace riffle
