#pragma once
// Node types for engine tests only: a source that emits a fixed list of (time, key, value)
// events and a sink that records everything it receives, including watermarks.
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/graph/graph_validator.h"
#include "engine/graph/node_registry.h"
#include "engine/runtime/executor.h"

namespace riffle::test {

struct TestEvent {
    TimeUs time;
    std::string key;
    int64_t value;
};

// Shared between a test and the operators it creates (the registry outlives the run).
struct TestWorld {
    std::mutex mutex;
    std::map<std::string, std::vector<TestEvent>> sourceEvents;  // by node id
    std::map<std::string, std::vector<TestEvent>> received;      // by sink node id
    std::map<std::string, std::vector<TimeUs>> watermarks;       // by sink node id
    std::map<std::string, int> finishCalls;
    std::map<std::string, int> behindWatermark;  // events that arrived older than the watermark
    std::atomic<int> slowSinkDelayUs{0};
    std::atomic<bool> sinkGateOpen{true};  // while false, the sink holds its first batch
    std::atomic<bool> throwInSink{false};
    // Progress markers (source param `mark`): the source marks after every batch; released
    // markers report how many of its events were emitted before them.
    std::atomic<int64_t> markedProcessed{0};  // the most events a released marker covered
    std::atomic<int> markersEarly{0};         // released before some sink had those events
    std::atomic<int64_t> processedAtSourceClose{-1};
};

inline SchemaPtr testSchema() {
    static const SchemaPtr s = std::make_shared<const Schema>(
        Schema::stream({{"key", Type::String}, {"value", Type::Int}}));
    return s;
}

class VectorSource : public SourceOperator {
public:
    VectorSource(TestWorld& w, std::string id, int64_t batchRows, bool endless, bool failOpen,
                 bool mark)
        : m_world(w),
          m_id(std::move(id)),
          m_batchRows(batchRows),
          m_endless(endless),
          m_failOpen(failOpen),
          m_mark(mark) {}
    Status open() override {
        return m_failOpen ? Status::error("cannot reach the moon") : Status::ok();
    }
    void close() override { m_world.processedAtSourceClose = m_world.markedProcessed.load(); }
    SourcePoll poll(Emitter& out) override {
        std::vector<TestEvent> events;
        {
            std::lock_guard lock(m_world.mutex);
            events = m_world.sourceEvents[m_id];
        }
        if (m_next >= events.size())
            return m_endless ? SourcePoll::waitFor(1000) : SourcePoll::ended();
        BatchPtr b = out.newBatch(0);
        for (int64_t k = 0; k < m_batchRows && m_next < events.size(); ++k, ++m_next) {
            const TestEvent& e = events[m_next];
            b->column(0).appendTime(e.time);
            b->appendString(1, e.key);
            b->column(2).appendInt(e.value);
            b->commitRow();
        }
        out.push(0, std::move(b));
        if (m_mark) {
            const auto emitted = static_cast<int64_t>(m_next);
            out.mark(std::make_shared<ProgressMarker>([&world = m_world, emitted] {
                std::lock_guard lock(world.mutex);
                for (const auto& [sink, events] : world.received)
                    if (static_cast<int64_t>(events.size()) < emitted) ++world.markersEarly;
                if (emitted > world.markedProcessed) world.markedProcessed = emitted;
            }));
        }
        return SourcePoll::more();
    }

private:
    TestWorld& m_world;
    std::string m_id;
    int64_t m_batchRows;
    bool m_endless;
    bool m_failOpen;
    bool m_mark;
    size_t m_next = 0;
};

class RecordingSink : public Operator {
public:
    RecordingSink(TestWorld& w, std::string id) : m_world(w), m_id(std::move(id)) {}
    void process(int, const Batch& in, Emitter&) override {
        if (m_world.throwInSink.load()) throw std::runtime_error("disk on fire");
        if (int d = m_world.slowSinkDelayUs.load())
            std::this_thread::sleep_for(std::chrono::microseconds(d));
        while (!m_world.sinkGateOpen.load())
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const int keyCol = in.schema().indexOf("key");
        const int valCol = in.schema().indexOf("value");
        std::lock_guard lock(m_world.mutex);
        for (size_t r = 0; r < in.rows(); ++r) {
            TestEvent e{in.times()[r],
                        keyCol >= 0 ? in.get(r, static_cast<size_t>(keyCol)).toString() : "",
                        valCol >= 0 ? in.get(r, static_cast<size_t>(valCol)).i : 0};
            m_world.received[m_id].push_back(e);
            if (e.time < m_watermark) ++m_world.behindWatermark[m_id];
        }
    }
    void onWatermark(TimeUs wm, Emitter&) override {
        m_watermark = wm;
        std::lock_guard lock(m_world.mutex);
        m_world.watermarks[m_id].push_back(wm);
    }
    void finish(Emitter&) override {
        std::lock_guard lock(m_world.mutex);
        ++m_world.finishCalls[m_id];
    }

private:
    TestWorld& m_world;
    std::string m_id;
    TimeUs m_watermark = kMinTime;
};

inline void registerTestNodes(NodeRegistry& registry, TestWorld& world) {
    NodeSpec src;
    src.typeId = "test.source";
    src.displayName = "Test source";
    src.category = "source";
    src.description = "Emits the events the test put into the world.";
    src.outputs = {{"out", "events", false}};
    src.params = sourceTimeParams("0s");
    src.params.push_back(param("batch_rows", ParamType::Int, "rows per batch").byDefault(2));
    src.params.push_back(param("endless", ParamType::Bool, "never end").byDefault(false));
    src.params.push_back(param("fail_open", ParamType::Bool, "open() fails").byDefault(false));
    src.params.push_back(
        param("mark", ParamType::Bool, "a progress marker after every batch").byDefault(false));
    src.schemaRule = [](const NodeConfig&, const SchemaInputs&) -> Result<std::vector<SchemaPtr>> {
        return std::vector<SchemaPtr>{testSchema()};
    };
    src.createSource = [&world](const OperatorContext& ctx) {
        return std::make_unique<VectorSource>(
            world, ctx.config.id(), ctx.config.getInt("batch_rows"), ctx.config.getBool("endless"),
            ctx.config.getBool("fail_open"), ctx.config.getBool("mark"));
    };
    registry.add(std::move(src));

    NodeSpec sink;
    sink.typeId = "test.sink";
    sink.displayName = "Test sink";
    sink.category = "sink";
    sink.description = "Records what it receives.";
    sink.inputs = {{"in", "events", false}};
    sink.isSink = true;
    sink.createOperator = [&world](const OperatorContext& ctx) {
        return std::make_unique<RecordingSink>(world, ctx.config.id());
    };
    registry.add(std::move(sink));
}

}  // namespace riffle::test
