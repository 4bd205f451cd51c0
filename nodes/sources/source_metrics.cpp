// source.metrics: synthetic infrastructure metrics, one wide row per host per interval.
//
// Every interval of event time, each host emits one row, hosts in a fixed order. A host has its
// own baselines (drawn from the seed), a daily load curve peaking at 14:00 in its region's local
// time (a sinusoid over 24 h of event time), Gaussian noise, a slowly drifting memory level, and
// now and then an anomalous spike: cpu_pct above 95, latency ten times the usual, a burst of
// errors and anomaly = true. Outside anomalies cpu_pct stays at or below 90, so the two never mix.
// Row m (from 0) belongs to interval m / hosts and has _time = start + (m / hosts) * interval.
#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>

#include "engine/graph/node_registry.h"
#include "nodes/register_builtin_nodes.h"
#include "nodes/sources/generator_util.h"

namespace riffle {

namespace {

constexpr double kNormalCpuMax = 90.0;
constexpr double kAnomalyCpuMin = 95.5;
constexpr double kAnomalyLatencyFactor = 10.0;
constexpr double kAnomalyErrorShare = 0.05;  // of the interval's requests

enum Col : size_t {
    kTime,
    kHost,
    kRegion,
    kCpu,
    kMem,
    kLatency,
    kRequests,
    kErrors,
    kAnomaly,
    kColumns
};

struct Region {
    const char* name;
    int utcOffsetHours;
};
const std::vector<Region> kRegions = {
    {"us-east-1", -5}, {"eu-west-1", 0},    {"ap-southeast-1", 8},
    {"us-west-2", -8}, {"eu-central-1", 1}, {"ap-northeast-1", 9},
};
const std::vector<const char*> kRoles = {"web", "api", "db", "cache", "worker", "queue"};

SchemaPtr metricsSchema() {
    static const SchemaPtr schema = std::make_shared<const Schema>(Schema::stream({
        {"host", Type::String},
        {"region", Type::String},
        {"cpu_pct", Type::Float},
        {"mem_pct", Type::Float},
        {"latency_ms", Type::Float},
        {"requests", Type::Int},
        {"errors", Type::Int},
        {"anomaly", Type::Bool},
    }));
    return schema;
}

double round2(double x) {
    return std::round(x * 100.0) / 100.0;
}

struct Host {
    uint32_t region = 0;
    double cpuBase = 0;  // % at average load
    double memBase = 0;  // % the memory level reverts to
    double mem = 0;      // current memory level (a mean-reverting random walk)
    double latencyBaseMs = 0;
    double requestsPerSec = 0;
    double errorRate = 0;  // share of requests that fail
};

class MetricsSource final : public SourceOperator {
public:
    explicit MetricsSource(const OperatorContext& ctx)
        : m_label(ctx.nodeLabel),
          m_startText(ctx.config.getString("start")),
          m_intervalUs(ctx.config.getInt("interval_ms") * 1000),
          m_anomalyRate(ctx.config.getFloat("anomaly_rate")),
          m_limit(ctx.config.getInt("limit")),
          m_realtime(ctx.config.getBool("realtime")),
          m_rng(static_cast<uint64_t>(ctx.config.getInt("seed"))) {
        const uint64_t seed = static_cast<uint64_t>(ctx.config.getInt("seed"));
        const int64_t hosts = std::max<int64_t>(1, ctx.config.getInt("hosts"));
        std::vector<std::string> names, regions;
        for (const auto& r : kRegions) regions.emplace_back(r.name);
        for (int64_t h = 0; h < hosts; ++h) {
            const size_t role = static_cast<size_t>(h) % kRoles.size();
            const int64_t number = h / static_cast<int64_t>(kRoles.size()) + 1;
            std::string name = kRoles[role];
            name += number < 10 ? "-0" : "-";
            name += std::to_string(number);
            names.push_back(std::move(name));

            gen::Rng r(gen::hash64(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(h)));
            Host host;
            host.region =
                static_cast<uint32_t>((number - 1) % static_cast<int64_t>(kRegions.size()));
            host.cpuBase = 15 + 30 * r.uniform();
            host.memBase = 35 + 35 * r.uniform();
            host.mem = host.memBase;
            host.latencyBaseMs = 20 + 60 * r.uniform();
            host.requestsPerSec = 50 + 450 * r.uniform();
            host.errorRate = 0.001 + 0.009 * r.uniform();
            m_hosts.push_back(host);
        }
        m_hostNames.setTable(std::move(names));
        m_regionNames.setTable(std::move(regions));
    }

    Status open() override {
        const TimeUs now = wallClockUs();
        auto start = gen::startTime(m_startText, now);
        if (!start) return Status::error(m_label + ": " + gen::badStartMessage(m_startText));
        // "now" snaps to the interval grid so that rows carry round times.
        m_startUs = (m_startText.empty() || m_startText == "now") ? *start - (*start % m_intervalUs)
                                                                  : *start;
        m_produced = 0;
        m_openedUs = steadyClockUs();
        return Status::ok();
    }

    SourcePoll poll(Emitter& out) override {
        const int64_t hosts = static_cast<int64_t>(m_hosts.size());
        int64_t n = static_cast<int64_t>(kBatchRows);
        if (m_limit > 0) {
            n = std::min(n, m_limit - m_produced);
            if (n <= 0) return SourcePoll::ended();
        }
        if (m_realtime) {
            // Interval k is due k intervals after open (the first at once), all hosts together.
            const int64_t elapsedUs = steadyClockUs() - m_openedUs;
            const int64_t dueRows = (elapsedUs / m_intervalUs + 1) * hosts;
            if (dueRows <= m_produced) {
                const int64_t nextIntervalUs = (m_produced / hosts) * m_intervalUs;
                return SourcePoll::waitFor(std::clamp(nextIntervalUs - elapsedUs,
                                                      gen::kMinPaceWaitUs, gen::kMaxPaceWaitUs));
            }
            n = std::min(n, dueRows - m_produced);
        }
        generate(out, static_cast<size_t>(n));
        m_produced += n;
        if (m_limit > 0 && m_produced >= m_limit) return SourcePoll::ended();
        return SourcePoll::more();
    }

private:
    // Load in [0, 1] at event time t for a region: a sinusoid over the local day, peak at 14:00.
    static double dailyLoad(TimeUs t, int utcOffsetHours) {
        constexpr int64_t kDayUs = 86'400'000'000;
        int64_t local = (t + static_cast<int64_t>(utcOffsetHours) * 3'600'000'000) % kDayUs;
        if (local < 0) local += kDayUs;
        const double hour = static_cast<double>(local) / 3.6e9;
        return 0.5 + 0.5 * std::sin(2.0 * std::numbers::pi * (hour - 8.0) / 24.0);
    }

    void generate(Emitter& out, size_t n) {
        BatchPtr batchPtr = out.newBatch(0);
        Batch& batch = *batchPtr;
        for (size_t c = 0; c < kColumns; ++c) {
            batch.column(c).resizeNull(n);
            std::fill(batch.column(c).validity().begin(), batch.column(c).validity().end(),
                      uint8_t{1});
        }
        m_hostNames.beginBatch(batch);
        m_regionNames.beginBatch(batch);
        const int64_t hosts = static_cast<int64_t>(m_hosts.size());
        const double intervalS = static_cast<double>(m_intervalUs) / 1e6;

        for (size_t i = 0; i < n; ++i) {
            const int64_t row = m_produced + static_cast<int64_t>(i);
            const int64_t interval = row / hosts;
            const size_t h = static_cast<size_t>(row % hosts);
            Host& host = m_hosts[h];
            const TimeUs t = m_startUs + interval * m_intervalUs;
            const double load = dailyLoad(t, kRegions[host.region].utcOffsetHours);

            const double zCpu = gen::normalFrom(m_rng.next());
            const double zMem = gen::normalFrom(m_rng.next());
            const double zLatency = gen::normalFrom(m_rng.next());
            const double zRequests = gen::normalFrom(m_rng.next());
            const double zErrors = gen::normalFrom(m_rng.next());
            const bool anomaly = m_anomalyRate > 0 && m_rng.chance(m_anomalyRate);

            double cpu = std::clamp(host.cpuBase * (0.5 + load) + 3.0 * zCpu, 0.5, kNormalCpuMax);
            host.mem =
                std::clamp(host.mem + 0.3 * zMem + 0.02 * (host.memBase - host.mem), 5.0, 95.0);
            double latency = host.latencyBaseMs * (0.8 + 0.5 * load) * std::exp(0.15 * zLatency);
            const double expectedRequests = host.requestsPerSec * intervalS * (0.3 + load);
            const int64_t requests = std::max<int64_t>(
                0, std::llround(expectedRequests + std::sqrt(expectedRequests) * zRequests));
            const double expectedErrors = static_cast<double>(requests) * host.errorRate;
            int64_t errors = std::max<int64_t>(
                0, std::llround(expectedErrors + std::sqrt(expectedErrors) * zErrors));
            if (anomaly) {
                cpu = kAnomalyCpuMin + (100.0 - kAnomalyCpuMin) * (1.0 - m_rng.uniform());
                latency *= kAnomalyLatencyFactor;
                errors += std::llround(static_cast<double>(requests) * kAnomalyErrorShare);
            }

            batch.column(kTime).ints()[i] = t;
            batch.column(kHost).strings()[i] = m_hostNames.get(h);
            batch.column(kRegion).strings()[i] = m_regionNames.get(host.region);
            batch.column(kCpu).floats()[i] = round2(cpu);
            batch.column(kMem).floats()[i] = round2(host.mem);
            batch.column(kLatency).floats()[i] = round2(latency);
            batch.column(kRequests).ints()[i] = requests;
            batch.column(kErrors).ints()[i] = errors;
            batch.column(kAnomaly).ints()[i] = anomaly ? 1 : 0;
        }
        batch.setRows(n);
        out.push(0, std::move(batchPtr));
    }

    std::string m_label;
    std::string m_startText;
    int64_t m_intervalUs;
    double m_anomalyRate;
    int64_t m_limit;
    bool m_realtime;
    gen::Rng m_rng;
    std::vector<Host> m_hosts;
    gen::BatchStrings m_hostNames, m_regionNames;
    TimeUs m_startUs = 0;
    int64_t m_produced = 0;
    int64_t m_openedUs = 0;
};

}  // namespace

void registerMetricsSource(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "source.metrics";
    spec.tags = {"IoT"};
    spec.displayName = "Metrics generator";
    spec.category = "source";
    spec.description =
        "Synthetic host metrics: one row per host per interval with CPU, memory, latency, requests "
        "and errors, a daily load pattern, noise and injected anomalies. Deterministic for a seed.";
    spec.outputs = {{"out", "One row per host per interval", false}};
    spec.params = {
        param("hosts", ParamType::Int, "Number of hosts (web-01, api-01, db-01, ...)")
            .byDefault(10)
            .inUnit("hosts")
            .range(1, 100000)
            .inGroup("Source"),
        param("interval_ms", ParamType::Int, "Event time between two rows of the same host")
            .byDefault(1000)
            .inUnit("ms")
            .range(1, 86'400'000)
            .inGroup("Source"),
        param("seed", ParamType::Int,
              "Random seed: the same seed and start give the same rows every run")
            .byDefault(1)
            .inGroup("Source"),
        param("anomaly_rate", ParamType::Float,
              "Fraction of rows that are anomalous spikes (cpu_pct > 95, latency ×10, error "
              "burst, anomaly = true)")
            .byDefault(0.01)
            .range(0, 1)
            .inGroup("Source"),
        param("limit", ParamType::Int, "Stop after this many rows; 0 = endless")
            .byDefault(0)
            .inUnit("rows")
            .range(0)
            .inGroup("Source"),
        param("realtime", ParamType::Bool,
              "Pace rows to the wall clock (one interval of rows per interval); false = as "
              "fast as possible")
            .byDefault(true)
            .inGroup("Source"),
        param("start", ParamType::String, gen::kStartHelp).byDefault("now").inGroup("Source"),
    };
    gen::appendGeneratorTimeParams(spec.params);
    spec.schemaRule = [](const NodeConfig& config,
                         const SchemaInputs&) -> Result<std::vector<SchemaPtr>> {
        const std::string start = config.getString("start");
        if (!gen::startTime(start, 0))
            return Result<std::vector<SchemaPtr>>::error(gen::badStartMessage(start));
        return std::vector<SchemaPtr>{metricsSchema()};
    };
    spec.createSource = [](const OperatorContext& ctx) -> std::unique_ptr<SourceOperator> {
        return std::make_unique<MetricsSource>(ctx);
    };
    spec.noFlinkExport =
        "a generator has no Flink source: write its events with sink.file and export a project "
        "that reads that file";
    registry.add(std::move(spec));
}

}  // namespace riffle
