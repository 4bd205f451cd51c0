// source.clickstream: a synthetic web-shop clickstream.
//
// The behaviour (users, sessions, funnel) comes from ClickstreamModel; this file adds event
// time, disorder, late events, pacing and the columnar output. Event k (counting from 0) has the
// base time start + floor(k * 1e6 / rate) µs, or start + 10 µs * k when rate = 0; disorder and
// late events shift a row's `_time` back from its base, never forward. Rows are emitted in
// generation order, so a shifted row arrives out of order.
//
// Content and time draw from separate random streams: changing `disorder_ms` or `late_fraction`
// changes `_time` only, never which events are generated.
//
// Parallel: as P instances, instance p makes events p, p + P, ... (so event times interleave
// exactly as in one stream and `limit` and `rate` are shared out), each from its own model over
// its own users. The same seed and P give the same rows; a different P gives other sessions.
#include <algorithm>
#include <cmath>
#include <memory>

#include "engine/graph/node_registry.h"
#include "nodes/register_builtin_nodes.h"
#include "nodes/sources/clickstream_model.h"
#include "nodes/sources/generator_util.h"

namespace riffle {

namespace {

constexpr int64_t kLateDelayUs = 30'000'000;
constexpr int64_t kUnpacedStepUs = 10;
// Second random stream (event-time jitter), derived from the seed.
constexpr uint64_t kTimeStreamSalt = 0x7F4A7C159E3779B9ull;

enum Col : size_t {
    kTime,
    kUser,
    kSession,
    kPage,
    kEvent,
    kReferrer,
    kCountry,
    kDevice,
    kLatency,
    kAmount,
    kColumns
};

SchemaPtr clickstreamSchema() {
    static const SchemaPtr schema = std::make_shared<const Schema>(Schema::stream({
        {"user_id", Type::Int},
        {"session_id", Type::String},
        {"page", Type::String},
        {"event", Type::String},
        {"referrer", Type::String},
        {"country", Type::String},
        {"device", Type::String},
        {"latency_ms", Type::Int},
        {"amount", Type::Float},
    }));
    return schema;
}

// With several instances (parallel source), instance p of P models its own users: local user u
// is user (u - 1) * P + p + 1, so the instances' users are disjoint and together number `users`.
int64_t partitionUsers(int64_t users, int partition, int partitions) {
    return std::max<int64_t>(1, (users - partition + partitions - 1) / partitions);
}
uint64_t partitionSeed(int64_t seed, int partition, int partitions) {
    const auto s = static_cast<uint64_t>(seed);
    return partitions == 1 ? s : s ^ gen::hash64(static_cast<uint64_t>(partition) + 1);
}

class ClickstreamSource final : public SourceOperator {
public:
    explicit ClickstreamSource(const OperatorContext& ctx)
        : m_label(ctx.nodeLabel),
          m_startText(ctx.config.getString("start")),
          m_runStartUs(ctx.runStartUs),
          m_rate(ctx.config.getFloat("rate")),
          m_limit(ctx.config.getInt("limit")),
          m_disorderUs(ctx.config.getInt("disorder_ms") * 1000),
          m_lateFraction(ctx.config.getFloat("late_fraction")),
          m_partition(ctx.partition),
          m_partitions(std::max(1, ctx.partitions)),
          m_model(partitionUsers(ctx.config.getInt("users"), m_partition, m_partitions),
                  partitionSeed(ctx.config.getInt("seed"), m_partition, m_partitions)),
          m_timeRng(partitionSeed(ctx.config.getInt("seed"), m_partition, m_partitions) ^
                    kTimeStreamSalt) {
        m_pages.setTable(m_model.pages());
        m_events.setTable(ClickstreamModel::eventNames());
        m_referrers.setTable(ClickstreamModel::referrers());
        m_countries.setTable(ClickstreamModel::countries());
        m_devices.setTable(ClickstreamModel::devices());
        m_slotStamp.assign(m_model.slotCount(), 0);
        m_slotSerial.assign(m_model.slotCount(), 0);
        m_slotView.assign(m_model.slotCount(), {});
    }

    Status open() override {
        auto start = gen::startTime(m_startText, m_runStartUs ? m_runStartUs : wallClockUs());
        if (!start) return Status::error(m_label + ": " + gen::badStartMessage(m_startText));
        m_nextBaseUs = *start;
        m_fractionAcc = 0;
        // Event k of the stream sits at floor(k * unit / m_rateMilli) µs: whole steps plus a
        // carried remainder. Instance p of P makes events p, p + P, p + 2P, ...
        const int64_t unit = m_rate > 0 ? 1'000'000'000 : kUnpacedStepUs;
        m_rateMilli = m_rate > 0 ? std::max<int64_t>(1, std::llround(m_rate * 1000.0)) : 1;
        m_stepUs = unit * m_partitions / m_rateMilli;
        m_stepRem = unit * m_partitions % m_rateMilli;
        m_nextBaseUs += unit * m_partition / m_rateMilli;
        m_fractionAcc = unit * m_partition % m_rateMilli;
        m_produced = 0;
        m_openedUs = steadyClockUs();
        if (m_resumeAt > 0) {
            // The model and the time jitter are random streams from the seed: make the events
            // emitted before again, without emitting them, then go on from the saved clock.
            ClickEvent e;
            for (int64_t i = 0; i < m_resumeAt; ++i) {
                m_model.next(e);
                nextTime();
            }
            m_produced = m_resumeAt;
            m_nextBaseUs = m_resumedBaseUs;
            m_fractionAcc = m_resumedFraction;
            m_openedUs = gen::resumedOpenedUs(m_rate / m_partitions, m_produced);
        }
        return Status::ok();
    }

    // Checkpoints: the events made so far and the event-time clock.
    void snapshotState(checkpoint::StateWriter& w) override {
        w.i64(m_produced);
        w.i64(m_nextBaseUs);
        w.i64(m_fractionAcc);
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_resumeAt = r.i64();
        m_resumedBaseUs = r.i64();
        m_resumedFraction = r.i64();
        if (m_resumeAt < 0) r.fail();
        return Status::ok();
    }

    SourcePoll poll(Emitter& out) override {
        // This instance's share of `limit`: the events k < limit with k % P == p.
        int64_t limit = m_limit;
        if (m_limit > 0 && m_partitions > 1) {
            limit = m_limit / m_partitions + (m_partition < m_limit % m_partitions ? 1 : 0);
            if (limit == 0) return SourcePoll::ended();
        }
        return gen::pacedPoll(m_rate / m_partitions, limit, m_openedUs, m_produced,
                              [&](int64_t n) { generate(out, static_cast<size_t>(n)); });
    }

private:
    // The event time of the next event: the clock steps on, with the late and disordered share.
    TimeUs nextTime() {
        TimeUs t = m_nextBaseUs;
        m_nextBaseUs += m_stepUs;
        m_fractionAcc += m_stepRem;
        if (m_fractionAcc >= m_rateMilli) {
            m_fractionAcc -= m_rateMilli;
            ++m_nextBaseUs;
        }
        if (m_lateFraction > 0 && m_timeRng.chance(m_lateFraction)) t -= kLateDelayUs;
        if (m_disorderUs > 0)
            t -= static_cast<int64_t>(m_timeRng.below(static_cast<uint64_t>(m_disorderUs) + 1));
        return t;
    }

    void generate(Emitter& out, size_t n) {
        BatchPtr batchPtr = out.newBatch(0);
        Batch& batch = *batchPtr;
        for (size_t c = 0; c < kColumns; ++c) batch.column(c).resizeNull(n);
        for (size_t c : {kTime, kUser, kSession, kPage, kEvent, kCountry, kDevice, kLatency})
            std::fill(batch.column(c).validity().begin(), batch.column(c).validity().end(),
                      uint8_t{1});

        int64_t* times = batch.column(kTime).ints().data();
        int64_t* users = batch.column(kUser).ints().data();
        std::string_view* sessions = batch.column(kSession).strings().data();
        std::string_view* pages = batch.column(kPage).strings().data();
        std::string_view* events = batch.column(kEvent).strings().data();
        std::string_view* referrers = batch.column(kReferrer).strings().data();
        uint8_t* referrerValid = batch.column(kReferrer).validity().data();
        std::string_view* countries = batch.column(kCountry).strings().data();
        std::string_view* devices = batch.column(kDevice).strings().data();
        int64_t* latencies = batch.column(kLatency).ints().data();
        double* amounts = batch.column(kAmount).floats().data();
        uint8_t* amountValid = batch.column(kAmount).validity().data();

        ++m_batchGeneration;
        m_pages.beginBatch(batch);
        m_events.beginBatch(batch);
        m_referrers.beginBatch(batch);
        m_countries.beginBatch(batch);
        m_devices.beginBatch(batch);

        ClickEvent e;
        for (size_t i = 0; i < n; ++i) {
            m_model.next(e);

            times[i] = nextTime();

            users[i] =
                m_partitions == 1 ? e.userId : (e.userId - 1) * m_partitions + m_partition + 1;
            if (m_slotStamp[e.slot] != m_batchGeneration ||
                m_slotSerial[e.slot] != m_model.sessionSerial(e.slot)) {
                m_slotView[e.slot] = batch.storeString(m_model.sessionId(e.slot));
                m_slotStamp[e.slot] = m_batchGeneration;
                m_slotSerial[e.slot] = m_model.sessionSerial(e.slot);
            }
            sessions[i] = m_slotView[e.slot];
            pages[i] = m_pages.get(e.page);
            events[i] = m_events.get(static_cast<size_t>(e.kind));
            if (e.referrer != ClickstreamModel::kDirectReferrer) {
                referrers[i] = m_referrers.get(e.referrer);
                referrerValid[i] = 1;
            }
            countries[i] = m_countries.get(e.country);
            devices[i] = m_devices.get(e.device);
            latencies[i] = e.latencyMs;
            if (e.kind == ClickEventKind::Purchase) {
                amounts[i] = e.amount;
                amountValid[i] = 1;
            }
        }
        batch.setRows(n);
        out.push(0, std::move(batchPtr));
    }

    std::string m_label;
    std::string m_startText;
    TimeUs m_runStartUs;
    double m_rate;
    int64_t m_limit;
    int64_t m_disorderUs;
    double m_lateFraction;
    int m_partition, m_partitions;
    ClickstreamModel m_model;
    gen::Rng m_timeRng;

    TimeUs m_nextBaseUs = 0;
    int64_t m_stepUs = kUnpacedStepUs, m_stepRem = 0, m_rateMilli = 1, m_fractionAcc = 0;
    int64_t m_produced = 0;
    int64_t m_openedUs = 0;
    int64_t m_resumeAt = 0, m_resumedBaseUs = 0, m_resumedFraction = 0;  // after a restore

    gen::BatchStrings m_pages, m_events, m_referrers, m_countries, m_devices;
    uint64_t m_batchGeneration = 0;
    std::vector<uint64_t> m_slotStamp, m_slotSerial;
    std::vector<std::string_view> m_slotView;
};

}  // namespace

void registerClickstreamSource(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "source.clickstream";
    spec.state = {{"position", 1}};
    spec.tags = {"clickstream"};
    spec.displayName = "Clickstream generator";
    spec.category = "source";
    spec.description =
        "Synthetic web-shop traffic: users in sessions moving through home, search, product, cart "
        "and checkout, with page views, clicks, cart adds and purchases. Deterministic for a seed.";
    spec.outputs = {{"out", "One row per event: view, click, add_to_cart or purchase", false}};
    spec.params = {
        param("rate", ParamType::Float,
              "Events per second of wall-clock time; 0 = as fast as possible. "
              "Event time advances 1/rate s per event (10 µs when 0)")
            .byDefault(1000.0)
            .inUnit("events/s")
            .range(0, 1e9)
            .inGroup("Source"),
        param("users", ParamType::Int,
              "Number of distinct users; about a tenth have a session open at once")
            .byDefault(10000)
            .inUnit("users")
            .range(1, 1e9)
            .inGroup("Source"),
        param("seed", ParamType::Int,
              "Random seed: the same seed and start give the same rows every run")
            .byDefault(1)
            .inGroup("Source"),
        param("limit", ParamType::Int, "Stop after this many events; 0 = endless")
            .byDefault(0)
            .inUnit("events")
            .range(0)
            .inGroup("Source"),
        param("disorder_ms", ParamType::Int,
              "Shift each event's time back by a random amount up to this; raise "
              "max_out_of_orderness "
              "to match so that windows still count them")
            .byDefault(0)
            .inUnit("ms")
            .range(0, 3'600'000)
            .inGroup("Source"),
        param("late_fraction", ParamType::Float,
              "Fraction of events delayed by 30 s (plus disorder) so that they arrive late")
            .byDefault(0.0)
            .range(0, 1)
            .inGroup("Source"),
        param("start", ParamType::String, gen::kStartHelp).byDefault("now").inGroup("Source"),
    };
    gen::appendGeneratorTimeParams(spec.params);
    spec.schemaRule = [](const NodeConfig& config,
                         const SchemaInputs&) -> Result<std::vector<SchemaPtr>> {
        const std::string start = config.getString("start");
        if (!gen::startTime(start, 0))
            return Result<std::vector<SchemaPtr>>::error(gen::badStartMessage(start));
        return std::vector<SchemaPtr>{clickstreamSchema()};
    };
    spec.parallelSource = true;
    spec.createSource = [](const OperatorContext& ctx) -> std::unique_ptr<SourceOperator> {
        return std::make_unique<ClickstreamSource>(ctx);
    };
    spec.noFlinkExport =
        "a generator has no Flink source: write its events with sink.file and export a project "
        "that reads that file";
    registry.add(std::move(spec));
}

}  // namespace riffle
