#include "app/bench/bench_queries.h"

#include <time.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "engine/checkpoint/checkpoint_store.h"
#include "engine/core/clock.h"
#include "engine/graph/graph_validator.h"
#include "engine/graph/node_instance.h"
#include "engine/graph/project.h"
#include "engine/runtime/channel.h"
#include "engine/runtime/collecting_emitter.h"
#include "engine/runtime/executor.h"
#include "nodes/connectors/kafka_mock_cluster.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

double processCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Latency samples in nanoseconds, one per batch, kept up to a bound.
class LatencyRecorder {
public:
    void add(int64_t ns) {
        std::lock_guard lock(m_mutex);
        if (m_samples.size() < kMaxSamples) m_samples.push_back(ns);
    }
    void addLocal(int64_t ns) {
        if (m_samples.size() < kMaxSamples) m_samples.push_back(ns);
    }
    double percentileUs(double p) {
        std::lock_guard lock(m_mutex);
        if (m_samples.empty()) return 0;
        auto k = static_cast<size_t>(p * static_cast<double>(m_samples.size() - 1));
        std::nth_element(m_samples.begin(), m_samples.begin() + static_cast<long>(k),
                         m_samples.end());
        return static_cast<double>(m_samples[k]) / 1e3;
    }

private:
    static constexpr size_t kMaxSamples = 1'000'000;
    std::mutex m_mutex;
    std::vector<int64_t> m_samples;
};

// A sink that drops everything but records how long each batch took from its source.
class DiscardSink : public Operator {
public:
    explicit DiscardSink(LatencyRecorder* latency) : m_latency(latency) {}
    void process(int, const Batch& in, Emitter&) override {
        if (in.originNs() > 0) m_latency->add(steadyClockNs() - in.originNs());
    }

private:
    LatencyRecorder* m_latency;
};

Result<BenchResult> runHandoff(const BenchOptions& o) {
    const int64_t events = o.events > 0 ? o.events : 200'000'000;
    const auto schema = std::make_shared<const Schema>(Schema::stream({{"value", Type::Int}}));
    auto pool = BatchPool::create();
    Channel channel(64);
    const int64_t batches =
        (events + static_cast<int64_t>(kBatchRows) - 1) / static_cast<int64_t>(kBatchRows);
    LatencyRecorder latency;
    const double cpu0 = processCpuSeconds();
    const int64_t t0 = steadyClockNs();
    std::thread consumer([&] {
        int64_t seen = 0;
        Message msg;
        while (seen < events) {
            if (!channel.queue.pop(msg)) {
                std::this_thread::yield();
                continue;
            }
            seen += static_cast<int64_t>(msg.batch->rows());
            latency.addLocal(steadyClockNs() - msg.batch->originNs());
            msg.batch.reset();
        }
    });
    int64_t sent = 0;
    for (int64_t b = 0; b < batches; ++b) {
        BatchPtr batch = pool->acquire(schema);
        const size_t rows =
            static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(kBatchRows), events - sent));
        auto& times = batch->column(0);
        auto& values = batch->column(1);
        times.resizeNull(rows);
        values.resizeNull(rows);
        batch->setRows(rows);
        sent += static_cast<int64_t>(rows);
        batch->setOriginNs(steadyClockNs());
        Message msg{Message::Kind::Data, 0, std::move(batch), nullptr, nullptr};
        while (!channel.queue.push(msg)) std::this_thread::yield();
    }
    consumer.join();
    BenchResult r;
    r.events = events;
    r.seconds = static_cast<double>(steadyClockNs() - t0) / 1e9;
    r.cpuSeconds = processCpuSeconds() - cpu0;
    r.p50Us = latency.percentileUs(0.5);
    r.p99Us = latency.percentileUs(0.99);
    r.threads = 2;
    return r;
}

int workerCount(int requested) {
    return requested > 0 ? requested
                         : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// `project` validated and planned (not started yet).
Result<std::unique_ptr<Executor>> createPipeline(const Project& project,
                                                 const NodeRegistry& registry,
                                                 const ExecutorOptions& options) {
    ValidatedGraph graph = validateProject(project, registry);
    if (!graph.ok())
        return Result<std::unique_ptr<Executor>>::error(graph.problems.front().message);
    return Executor::create(graph, options);
}

// Worker threads and each node's busy time, from a finished run.
void addRunStats(BenchResult& r, const Executor& exec) {
    r.threads = exec.threadCount();
    for (const RunNodeInfo& n : exec.nodes())
        r.busySeconds.emplace_back(n.id,
                                   static_cast<double>(NodeMetrics::get(n.metrics->busyNs)) / 1e9);
}

const NodeMetrics& nodeMetrics(const Executor& exec, const std::string& id) {
    for (const RunNodeInfo& n : exec.nodes())
        if (n.id == id) return *n.metrics;
    throw std::logic_error("the bench pipeline has no node " + id);
}

Result<BenchResult> runPipeline(const Project& project, NodeRegistry& registry, int64_t events,
                                const BenchOptions& o, LatencyRecorder& latency) {
    ExecutorOptions eo;
    eo.threads = o.threads;
    // One generator instance per worker, as Flink sets source parallelism to the slots.
    eo.sourceParallelism = workerCount(o.threads);
    Project planned = project;
    std::string store;
    if (o.checkpointEveryUs >= 0) {
        if (o.checkpointEveryUs > 0) {
            store = (std::filesystem::temp_directory_path() /
                     ("riffle-bench-" + std::to_string(::getpid()) + ".checkpoints.sqlite"))
                        .string();
            eo.checkpoints.storePath = store;
            eo.checkpoints.intervalUs = o.checkpointEveryUs;
        }
    }
    struct RemoveStore {
        const std::string& path;
        ~RemoveStore() {
            if (path.empty()) return;
            std::error_code ec;
            for (const char* suffix : {"", "-wal", "-shm"})
                std::filesystem::remove(path + suffix, ec);
        }
    } removeStore{store};
    auto exec = createPipeline(planned, registry, eo);
    if (!exec) return Result<BenchResult>::error(exec.message());
    const double cpu0 = processCpuSeconds();
    const int64_t t0 = steadyClockNs();
    if (Status s = exec.value()->start(); !s) return Result<BenchResult>::error(s.message());
    exec.value()->wait();
    BenchResult r;
    r.seconds = static_cast<double>(steadyClockNs() - t0) / 1e9;
    r.cpuSeconds = processCpuSeconds() - cpu0;
    if (Status f = exec.value()->failure(); !f) return Result<BenchResult>::error(f.message());
    r.events = events;
    r.p50Us = latency.percentileUs(0.5);
    r.p99Us = latency.percentileUs(0.99);
    addRunStats(r, *exec.value());
    if (o.checkpointEveryUs > 0) {
        const CheckpointStatus c = exec.value()->checkpointStatus();
        if (!c.enabled) return Result<BenchResult>::error("no checkpoints: " + c.disabledReason);
        r.busySeconds.emplace_back("checkpoints_written", static_cast<double>(c.completed));
        r.busySeconds.emplace_back("last_checkpoint_write_s",
                                   static_cast<double>(c.lastWriteUs) / 1e6);
    }
    return r;
}

void registerDiscardSink(NodeRegistry& registry, LatencyRecorder* latency) {
    NodeSpec s;
    s.typeId = "bench.discard";
    s.displayName = "Discard";
    s.category = "sink";
    s.description = "Drops events; records their latency (riffle-bench only).";
    s.inputs = {{"in", "Events", false}};
    s.isSink = true;
    s.createOperator = [latency](const OperatorContext&) {
        return std::make_unique<DiscardSink>(latency);
    };
    registry.add(std::move(s));
}

// The built-in nodes and bench.discard, which records latency into `latency`. Not movable: the
// sink keeps a pointer to `latency`.
struct BenchNodes {
    NodeRegistry registry;
    LatencyRecorder latency;
    BenchNodes() {
        registerBuiltinNodes(registry);
        registerDiscardSink(registry, &latency);
    }
    BenchNodes(const BenchNodes&) = delete;
    BenchNodes& operator=(const BenchNodes&) = delete;
};

NodeDef node(std::string id, std::string type, Json params) {
    NodeDef n;
    n.id = std::move(id);
    n.type = std::move(type);
    n.params = std::move(params);
    return n;
}

EdgeDef edge(std::string from, std::string to) {
    EdgeDef e;
    e.fromNode = std::move(from);
    e.fromPort = "out";
    e.toNode = std::move(to);
    e.toPort = "in";
    return e;
}

Result<BenchResult> runClicksMap(const BenchOptions& o) {
    const int64_t events = o.events > 0 ? o.events : 20'000'000;
    BenchNodes bench;
    auto& [registry, latency] = bench;
    Project p;
    p.name = "clicks-map";
    p.nodes = {
        node("clicks", "source.clickstream",
             {{"rate", 0}, {"limit", events}, {"seed", 42}, {"start", "2026-01-01T00:00:00Z"}}),
        node("not_bots", "transform.filter",
             {{"where", "latency_ms < 5000 AND device IS NOT NULL"}}),
        node("enrich", "transform.map",
             {{"fields",
               Json::array({{{"name", "is_purchase"}, {"expr", "event = 'purchase'"}},
                            {{"name", "amount_eur"}, {"expr", "COALESCE(amount, 0.0) * 0.92"}},
                            {{"name", "slow"}, {"expr", "latency_ms > 800"}}})}}),
        node("sink", "bench.discard", Json::object()),
    };
    p.edges = {edge("clicks", "not_bots"), edge("not_bots", "enrich"), edge("enrich", "sink")};
    return runPipeline(p, registry, events, o, latency);
}

// clickstream -> filter -> 10 s tumbling count per page -> discard. The generator's event time
// advances 10 us per event, so a window closes every million events.
Result<BenchResult> runClicksWindow(const BenchOptions& o) {
    const int64_t events = o.events > 0 ? o.events : 20'000'000;
    BenchNodes bench;
    auto& [registry, latency] = bench;
    Project p;
    p.name = "clicks-window";
    p.nodes = {
        node("clicks", "source.clickstream",
             {{"rate", 0}, {"limit", events}, {"seed", 42}, {"start", "2026-01-01T00:00:00Z"}}),
        node("not_bots", "transform.filter", {{"where", "latency_ms < 5000"}}),
        node("per_page", "window.tumbling",
             {{"size", "10s"},
              {"group_by", {"page"}},
              {"aggregates", Json::array({{{"name", "views"}, {"expr", "COUNT(*)"}}})}}),
        node("sink", "bench.discard", Json::object()),
    };
    p.edges = {edge("clicks", "not_bots"), edge("not_bots", "per_page"), edge("per_page", "sink")};
    return runPipeline(p, registry, events, o, latency);
}

// clickstream -> views and p95 latency per page over the last minute: a window sliding every
// second (clicks-sliding, window.hopping on slices) or the same as back-to-back minutes
// (clicks-tumbling, to compare with). The generator's event time advances 10 us per event: a
// slice holds 100 000 events, a window 6 million.
Result<BenchResult> runClicksMinute(const BenchOptions& o, bool sliding) {
    const int64_t events = o.events > 0 ? o.events : 20'000'000;
    BenchNodes bench;
    auto& [registry, latency] = bench;
    Project p;
    p.name = sliding ? "clicks-sliding" : "clicks-tumbling";
    Json window = {{"size", "1m"},
                   {"group_by", {"page"}},
                   {"aggregates",
                    Json::array({{{"name", "views"}, {"expr", "COUNT(*)"}},
                                 {{"name", "p95_ms"}, {"expr", "PERCENTILE(latency_ms, 0.95)"}}})}};
    if (sliding) window["slide"] = "1s";
    window["two_phase"] = false;
    p.nodes = {
        node("clicks", "source.clickstream",
             {{"rate", 0}, {"limit", events}, {"seed", 42}, {"start", "2026-01-01T00:00:00Z"}}),
        node("per_page", sliding ? "window.hopping" : "window.tumbling", window),
        node("sink", "bench.discard", Json::object()),
    };
    p.edges = {edge("clicks", "per_page"), edge("per_page", "sink")};
    return runPipeline(p, registry, events, o, latency);
}

// source.tcp (json, 5 fields) -> discard, fed by one local client that writes `events` 100-byte
// JSON lines as fast as it can over one connection. Measures lines parsed into events per second,
// from the client's first byte to the last event reaching the sink.
Result<BenchResult> runTcp(const BenchOptions& o) {
    using R = Result<BenchResult>;
    namespace asio = boost::asio;
    using asio::ip::tcp;
    const int64_t events = o.events > 0 ? o.events : 5'000'000;
    // A free loopback port: the kernel picks one for a socket that is closed again at once.
    unsigned short port = 0;
    {
        asio::io_context io;
        tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = probe.local_endpoint().port();
    }
    BenchNodes bench;
    auto& [registry, latency] = bench;
    Project p;
    p.name = "tcp";
    p.nodes = {
        node("lines", "source.tcp",
             {{"port", port},
              {"overload", "block"},
              {"schema", {"id int", "user string", "page string", "latency_ms int", "ok bool"}}}),
        node("sink", "bench.discard", Json::object()),
    };
    p.edges = {edge("lines", "sink")};
    ExecutorOptions eo;
    eo.threads = o.threads;
    auto exec = createPipeline(p, registry, eo);
    if (!exec) return R::error(exec.message());
    if (Status s = exec.value()->start(); !s) return R::error(s.message());

    // 100-byte lines (newline included), ids counting up, written in 1 MiB chunks.
    std::string chunk;
    int64_t id = 0;
    auto fill = [&](int64_t lines) {
        chunk.clear();
        char line[128];
        for (int64_t k = 0; k < lines; ++k, ++id) {
            int n = std::snprintf(
                line, sizeof line,
                R"({"id":%lld,"user":"u%06lld","page":"/products/%04lld","latency_ms":%lld,"ok":true)",
                static_cast<long long>(id), static_cast<long long>(id % 1000000),
                static_cast<long long>(id % 10000), static_cast<long long>(id % 1000));
            chunk.append(line, static_cast<size_t>(n));
            chunk.append(static_cast<size_t>(std::max(0, 98 - n)), ' ');
            chunk += "}\n";
        }
    };
    std::string clientError;
    int64_t sendStartNs = 0;
    std::thread client([&] {
        try {
            asio::io_context io;
            tcp::socket socket(io);
            socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
            socket.set_option(tcp::no_delay(true));
            sendStartNs = steadyClockNs();
            constexpr int64_t kChunkLines = 10486;  // about 1 MiB
            for (int64_t sent = 0; sent < events;) {
                const int64_t n = std::min(kChunkLines, events - sent);
                fill(n);
                asio::write(socket, asio::buffer(chunk));
                sent += n;
            }
        } catch (const std::exception& e) {
            clientError = e.what();
        }
    });
    const double cpu0 = processCpuSeconds();
    const int64_t t0 = steadyClockNs();
    const NodeMetrics& sinkMetrics = nodeMetrics(*exec.value(), "sink");
    const NodeMetrics& sourceMetrics = nodeMetrics(*exec.value(), "lines");
    // Done when every line reached the sink; a line lost on the way would hang here, so give up
    // once nothing has moved for 10 s.
    int64_t last = -1, lastMoveNs = steadyClockNs();
    for (;;) {
        const int64_t got = NodeMetrics::get(sinkMetrics.eventsIn);
        if (got >= events) break;
        if (got != last) {
            last = got;
            lastMoveNs = steadyClockNs();
        } else if (steadyClockNs() - lastMoveNs > 10'000'000'000) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    const int64_t endNs = steadyClockNs();
    client.join();
    BenchResult r;
    r.seconds = static_cast<double>(endNs - (sendStartNs > 0 ? sendStartNs : t0)) / 1e9;
    r.cpuSeconds = processCpuSeconds() - cpu0;
    r.events = NodeMetrics::get(sinkMetrics.eventsIn);
    const int64_t errors = NodeMetrics::get(sourceMetrics.errors);
    exec.value()->requestStop();
    exec.value()->wait();
    if (!clientError.empty()) return R::error("the bench's client failed: " + clientError);
    if (r.events != events || errors != 0)
        return R::error(std::to_string(r.events) + " of " + std::to_string(events) +
                        " lines arrived as events, " + std::to_string(errors) + " as errors");
    r.p50Us = latency.percentileUs(0.5);
    r.p99Us = latency.percentileUs(0.99);
    addRunStats(r, *exec.value());
    r.threads += 2;  // the network thread, the client
    return r;
}

// Recording replay as fast as possible: records `events` clickstream events into a temporary
// .riffle-rec first (not timed), then times source.recording at speed 0 -> discard.
Result<BenchResult> runReplay(const BenchOptions& o) {
    const int64_t events = o.events > 0 ? o.events : 5'000'000;
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path dir =
        fs::temp_directory_path(ec) / ("riffle-bench-replay-" + std::to_string(::getpid()));
    fs::create_directories(dir, ec);
    const std::string rec = (dir / "clicks.riffle-rec").string();
    struct Cleanup {
        fs::path dir;
        ~Cleanup() {
            std::error_code e;
            fs::remove_all(dir, e);
        }
    } cleanup{dir};

    BenchNodes bench;
    auto& [registry, latency] = bench;
    {
        Project p;
        p.name = "replay-record";
        p.nodes = {
            node("clicks", "source.clickstream",
                 {{"rate", 0}, {"limit", events}, {"seed", 42}, {"start", "2026-01-01T00:00:00Z"}}),
            node("rec", "sink.recording", {{"path", rec}})};
        p.edges = {edge("clicks", "rec")};
        auto exec = createPipeline(p, registry, ExecutorOptions{});
        if (!exec) return Result<BenchResult>::error(exec.message());
        if (Status s = exec.value()->start(); !s) return Result<BenchResult>::error(s.message());
        exec.value()->wait();
        if (Status f = exec.value()->failure(); !f) return Result<BenchResult>::error(f.message());
    }
    Project p;
    p.name = "replay";
    p.nodes = {node("replay", "source.recording", {{"path", rec}, {"speed", 0}}),
               node("sink", "bench.discard", Json::object())};
    p.edges = {edge("replay", "sink")};
    return runPipeline(p, registry, events, o, latency);
}

// source.kafka reading pre-produced 100-byte JSON messages from an in-process librdkafka mock
// cluster (3 brokers, 25 000 messages per partition), parsed into events, into a discarding sink.
// Timed from the first event to the last: joining the consumer group first takes the mock
// coordinator's fixed initial rebalance delay (3 s), which says nothing about Riffle; producing
// is not timed either.
Result<BenchResult> runKafka(const BenchOptions& o) {
    using R = Result<BenchResult>;
    const int64_t events = o.events > 0 ? o.events : 2'000'000;
    // The mock cluster keeps about 5 MB per partition: enough partitions to keep every message.
    const int kPartitions = static_cast<int>(std::clamp<int64_t>(events / 25'000, 4, 256));
    auto cluster = KafkaMockCluster::create(3);
    if (!cluster) return R::error(cluster.message());
    KafkaMockCluster& kc = *cluster.value();
    if (Status s = kc.createTopic("bench", kPartitions); !s) return R::error(s.message());
    std::vector<KafkaTestMessage> batch;
    const int64_t chunk = 100'000;
    for (int64_t i = 0; i < events;) {
        batch.clear();
        for (int64_t k = 0; k < chunk && i < events; ++k, ++i) {
            KafkaTestMessage m;
            char buf[160];
            // 100 bytes: {"id":..,"user":"u..","page":"/p/..","latency_ms":..,"ok":..,"pad":".."}
            int n = std::snprintf(buf, sizeof buf,
                                  "{\"id\":%lld,\"user\":\"u%05lld\",\"page\":\"/products/"
                                  "%03lld\",\"latency_ms\":%lld,"
                                  "\"ok\":%s,\"pad\":\"",
                                  static_cast<long long>(i), static_cast<long long>(i % 50000),
                                  static_cast<long long>(i % 997), static_cast<long long>(i % 1500),
                                  i % 7 ? "true" : "false");
            std::string v(buf, static_cast<size_t>(n));
            while (v.size() < 98) v += 'x';
            v += "\"}";
            m.value = std::move(v);
            m.partition = static_cast<int32_t>(i % kPartitions);
            batch.push_back(std::move(m));
        }
        if (Status s = kc.produce("bench", batch, 120000); !s) return R::error(s.message());
    }

    BenchNodes bench;
    auto& [registry, latency] = bench;
    Project p;
    p.name = "kafka";
    p.nodes = {
        node("clicks", "source.kafka",
             {{"brokers", kc.bootstraps()},
              {"topic", "bench"},
              {"group", "riffle-bench"},
              {"start", "earliest"},
              {"schema",
               {"id int", "user string", "page string", "latency_ms int", "ok bool",
                "pad string"}}}),
        node("sink", "bench.discard", Json::object()),
    };
    p.edges = {edge("clicks", "sink")};
    ExecutorOptions eo;
    eo.threads = o.threads;
    auto exec = createPipeline(p, registry, eo);
    if (!exec) return R::error(exec.message());
    const double cpu0 = processCpuSeconds();
    const int64_t t0 = steadyClockNs();
    if (Status s = exec.value()->start(); !s) return R::error(s.message());
    const NodeMetrics& source = nodeMetrics(*exec.value(), "clicks");
    const NodeMetrics& sink = nodeMetrics(*exec.value(), "sink");
    auto arrived = [&] { return NodeMetrics::get(sink.eventsIn); };
    const int64_t deadline = t0 + 600'000'000'000LL;
    int64_t tFirst = 0;
    while (arrived() + NodeMetrics::get(source.errors) < events && steadyClockNs() < deadline &&
           !exec.value()->finished()) {
        if (tFirst == 0 && arrived() > 0) tFirst = steadyClockNs();
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    BenchResult r;
    r.seconds = static_cast<double>(steadyClockNs() - (tFirst ? tFirst : t0)) / 1e9;
    r.cpuSeconds = processCpuSeconds() - cpu0;
    exec.value()->requestStop();
    exec.value()->wait();
    if (Status f = exec.value()->failure(); !f) return R::error(f.message());
    if (arrived() < events)
        return R::error("only " + std::to_string(arrived()) + " of " + std::to_string(events) +
                        " messages arrived");
    if (const int64_t errors = NodeMetrics::get(source.errors); errors > 0)
        return R::error(std::to_string(errors) + " messages went to errors");
    r.events = events;
    r.p50Us = latency.percentileUs(0.5);
    r.p99Us = latency.percentileUs(0.99);
    addRunStats(r, *exec.value());
    return r;
}

// The Nexmark queries riffle-bench runs, each from projects/nexmark/<q>.riffle.
constexpr const char* kNexmarkQueries[] = {"q0", "q1", "q2", "q3", "q5", "q7", "q8"};

// Event time the bench's Nexmark runs cover, whatever the event count: 500 s, fifty 10 s
// windows, so window and join operators fire and free their state as they would in a long run.
constexpr int64_t kNexmarkEventTimeSeconds = 500;

// Folders that may hold the Nexmark projects: the source tree this binary was built from, then
// places relative to the executable (a build tree build/<preset>/app/, an install prefix's bin/).
std::vector<std::filesystem::path> nexmarkProjectDirs() {
    namespace fs = std::filesystem;
    std::vector<fs::path> dirs;
#ifdef RIFFLE_SOURCE_DIR
    dirs.emplace_back(fs::path(RIFFLE_SOURCE_DIR) / "projects" / "nexmark");
#endif
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path bin = exe.parent_path();
        dirs.push_back(bin / ".." / ".." / ".." / "projects" / "nexmark");
        dirs.push_back(bin / ".." / "share" / "riffle" / "projects" / "nexmark");
    }
    return dirs;
}

}  // namespace

Result<std::string> findNexmarkProject(const std::string& q) {
    std::string looked;
    for (const auto& dir : nexmarkProjectDirs()) {
        const std::filesystem::path file = dir / (q + ".riffle");
        std::error_code ec;
        if (std::filesystem::is_regular_file(file, ec)) return file.lexically_normal().string();
        looked += (looked.empty() ? "" : ", ") + file.lexically_normal().string();
    }
    return Result<std::string>::error("cannot find the project of nexmark-" + q + " (looked for " +
                                      looked + ")");
}

namespace {

// Runs projects/nexmark/<q>.riffle as a benchmark: every sink becomes bench.discard under the
// same node id (so busy time per node reads as in the project), and every Nexmark source runs as
// fast as possible for `events` events from a fixed start, its event time spread over
// kNexmarkEventTimeSeconds.
Result<BenchResult> runNexmark(const std::string& q, const BenchOptions& o) {
    const bool stateless = q == "q0" || q == "q1" || q == "q2";
    const int64_t events = o.events > 0 ? o.events : stateless ? 20'000'000 : 10'000'000;
    auto path = findNexmarkProject(q);
    if (!path) return Result<BenchResult>::error(path.message());
    auto loaded = Project::load(path.value());
    if (!loaded) return Result<BenchResult>::error(path.value() + ": " + loaded.message());
    Project p = std::move(loaded.value());

    BenchNodes bench;
    auto& [registry, latency] = bench;
    const double eventRate = std::max(1.0, static_cast<double>(events) / kNexmarkEventTimeSeconds);
    for (NodeDef& n : p.nodes) {
        const NodeSpec* spec = registry.find(n.type);
        if (n.type == "source.nexmark") {
            n.params["rate"] = 0;
            n.params["limit"] = events;
            n.params["event_rate"] = eventRate;
            n.params["start"] = "2026-01-01T00:00:00Z";
        } else if (spec ? spec->isSink : n.type.rfind("sink.", 0) == 0) {
            n.type = "bench.discard";
            n.params = Json::object();
        }
    }
    return runPipeline(p, registry, events, o, latency);
}

// A checkpoint of `events` keys (default 1 M) of window state: one tumbling window holding that
// many groups (COUNT, SUM, AVG), saved (snapshotState) and written as one checkpoint into a new
// store (SQLite, synchronous=FULL), then read back and restored into a new operator. `seconds`
// is the write, busy_s breaks it down and holds the restore.
Result<BenchResult> runCheckpoint(const BenchOptions& o) {
    using R = Result<BenchResult>;
    const int64_t keys = o.events > 0 ? o.events : 1'000'000;
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    const auto schema =
        std::make_shared<const Schema>(Schema::stream({{"key", Type::Int}, {"v", Type::Float}}));
    const Json params = {{"size", "1h"},
                         {"group_by", {"key"}},
                         {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}},
                                                     {{"name", "total"}, {"expr", "SUM(v)"}},
                                                     {{"name", "mean"}, {"expr", "AVG(v)"}}})}};
    auto make = [&]() -> Result<NodeInstance> {
        return instantiateNode(*registry.find("window.tumbling"), "w", params, {{schema}, {0}});
    };
    auto window = make();
    if (!window) return R::error(window.message());
    CollectingEmitter out(window->context.outputSchemas);
    auto pool = BatchPool::create();
    for (int64_t k = 0; k < keys;) {
        BatchPtr b = pool->acquire(schema);
        for (size_t i = 0; i < kBatchRows && k < keys; ++i, ++k) {
            b->column(0).appendTime(1'767'225'600'000'000 + k);
            b->column(1).appendInt(k);
            b->column(2).appendFloat(static_cast<double>(k % 1000) / 10);
            b->commitRow();
        }
        window->op->process(0, *b, out);
    }
    const std::string dir = (std::filesystem::temp_directory_path() /
                             ("riffle-bench-checkpoint-" + std::to_string(::getpid())))
                                .string();
    std::filesystem::create_directories(dir);
    struct Cleanup {
        std::string dir;
        ~Cleanup() {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    } cleanup{dir};
    auto seconds = [](int64_t fromNs) {
        return static_cast<double>(steadyClockNs() - fromNs) / 1e9;
    };
    BenchResult r;
    r.events = keys;
    const double cpu0 = processCpuSeconds();
    const int64_t t0 = steadyClockNs();
    checkpoint::Checkpoint c;
    c.id = 1;
    c.takenAtUs = wallClockUs();
    {
        checkpoint::StateWriter w;
        window->op->snapshotState(w);
        c.states.push_back({"w", "open panes", 1, "bench", w.take()});
    }
    const double snapshot = seconds(t0);
    {
        auto store = checkpoint::CheckpointStore::open(dir + "/checkpoints.sqlite");
        if (!store) return R::error(store.message());
        if (Status s = store.value()->write(c); !s) return R::error(s.message());
    }
    r.seconds = seconds(t0);
    r.cpuSeconds = processCpuSeconds() - cpu0;
    const int64_t t1 = steadyClockNs();
    auto store = checkpoint::CheckpointStore::open(dir + "/checkpoints.sqlite");
    if (!store) return R::error(store.message());
    auto latest = store.value()->latest();
    if (!latest || !latest.value()) return R::error("the checkpoint was not read back");
    const double read = seconds(t1);
    auto restored = make();
    if (!restored) return R::error(restored.message());
    checkpoint::StateReader reader(latest.value()->states.at(0).data);
    if (Status s = restored->op->restoreState(reader); !s) return R::error(s.message());
    if (Status s = reader.finish("the window's state"); !s) return R::error(s.message());
    const double restore = seconds(t1);
    const StateSize size = restored->op->stateSize();
    if (size.keys != keys)
        return R::error("restored " + std::to_string(size.keys) + " keys of " +
                        std::to_string(keys));
    r.busySeconds = {{"snapshot", snapshot},
                     {"store_write", r.seconds - snapshot},
                     {"store_read", read},
                     {"restore_total", restore},
                     {"checkpoint_mib", static_cast<double>(c.bytes()) / (1 << 20)}};
    return r;
}

// The memory of a 1-hour window sliding every second over 10 000 keys (docs/runtime.md): one
// event per key and second of event time (COUNT(*), and with -p95 PERCENTILE too) for
// 65 minutes, the watermark a second behind. Reports the window's state at its largest (as the
// runtime counts it, stateSize()) and the process's peak resident memory, in MiB.
Result<BenchResult> runSlidingHour(const BenchOptions& o, bool percentile) {
    using R = Result<BenchResult>;
    const int64_t keys = o.events > 0 ? o.events : 10'000;
    constexpr int64_t kSeconds = 65 * 60;
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    const auto schema =
        std::make_shared<const Schema>(Schema::stream({{"key", Type::Int}, {"v", Type::Float}}));
    Json params = {{"size", "1h"},
                   {"slide", "1s"},
                   {"two_phase", false},
                   {"group_by", {"key"}},
                   {"aggregates", Json::array({{{"name", "n"}, {"expr", "COUNT(*)"}}})}};
    if (percentile)
        params["aggregates"].push_back({{"name", "p95"}, {"expr", "PERCENTILE(v, 0.95)"}});
    auto window = instantiateNode(*registry.find("window.hopping"), "w", params, {{schema}, {0}});
    if (!window) return R::error(window.message());
    CollectingEmitter out(window->context.outputSchemas);
    auto pool = BatchPool::create();
    std::mt19937_64 random(42);
    std::normal_distribution<double> normal(4.0, 0.8);  // exp(): a latency around 55
    const TimeUs start = 1'767'225'600'000'000;
    BenchResult r;
    const double cpu0 = processCpuSeconds();
    const int64_t t0 = steadyClockNs();
    int64_t maxStateBytes = 0, rows = 0;
    for (int64_t second = 0; second < kSeconds; ++second) {
        const TimeUs t = start + second * 1'000'000;
        for (int64_t k = 0; k < keys;) {
            BatchPtr b = pool->acquire(schema);
            for (size_t i = 0; i < kBatchRows && k < keys; ++i, ++k) {
                b->column(0).appendTime(t + k % 1'000'000);
                b->column(1).appendInt(k);
                b->column(2).appendFloat(std::exp(normal(random)));
                b->commitRow();
            }
            window->op->process(0, *b, out);
        }
        window->op->onWatermark(t, out);
        rows += static_cast<int64_t>(out.rows(0));
        out.clear();
        if (second % 60 == 59)
            maxStateBytes = std::max(maxStateBytes, window->op->stateSize().bytes);
    }
    r.seconds = static_cast<double>(steadyClockNs() - t0) / 1e9;
    r.cpuSeconds = processCpuSeconds() - cpu0;
    r.events = keys * kSeconds;
    if (rows < keys * (kSeconds - 3600))
        return R::error("only " + std::to_string(rows) + " result rows");
    double peakKiB = 0;
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) peakKiB = std::stod(line.substr(6));
    r.busySeconds = {{"state_mib", static_cast<double>(maxStateBytes) / (1 << 20)},
                     {"peak_rss_mib", peakKiB / 1024}};
    return r;
}

std::string knownQueries() {
    std::string known =
        "handoff, clicks-map, clicks-window, clicks-sliding, clicks-tumbling, kafka, replay, tcp, "
        "checkpoint, sliding-hour, sliding-hour-p95";
    for (const char* q : kNexmarkQueries) known += std::string(", nexmark-") + q;
    return known;
}

}  // namespace

Result<BenchResult> runBenchQuery(const std::string& query, const BenchOptions& options) {
    if (query == "handoff") return runHandoff(options);
    if (query == "clicks-map") return runClicksMap(options);
    if (query == "clicks-window") return runClicksWindow(options);
    if (query == "clicks-sliding") return runClicksMinute(options, true);
    if (query == "clicks-tumbling") return runClicksMinute(options, false);
    if (query == "replay") return runReplay(options);
    if (query == "tcp") return runTcp(options);
    if (query == "kafka") return runKafka(options);
    if (query == "checkpoint") return runCheckpoint(options);
    if (query == "sliding-hour") return runSlidingHour(options, false);
    if (query == "sliding-hour-p95") return runSlidingHour(options, true);
    for (const char* q : kNexmarkQueries)
        if (query == std::string("nexmark-") + q) return runNexmark(q, options);
    return Result<BenchResult>::error("unknown query `" + query + "` (known: " + knownQueries() +
                                      ")");
}

Json benchResultJson(const std::string& query, const BenchOptions& options, const BenchResult& r) {
    (void)options;
    Json busy = Json::object();
    for (const auto& [node, seconds] : r.busySeconds) busy[node] = seconds;
    return Json{{"busy_s", busy},
                {"query", query},
                {"events", r.events},
                {"seconds", r.seconds},
                {"cpu_seconds", r.cpuSeconds},
                {"events_per_s", r.eventsPerSecond()},
                {"events_per_cpu_s", r.eventsPerCpuSecond()},
                {"p50_us", r.p50Us},
                {"p99_us", r.p99Us},
                {"threads", r.threads}};
}

}  // namespace riffle
