// sink.mqtt: publishes every event as one MQTT message, as a JSON object or a CSV record
// (docs/connectors.md), on a fixed topic or one per event: `{field}` in `topic` is replaced
// by the event's value of that field ("sensors/{device}/alert"). A value that cannot be a topic
// level (NULL, empty, or holding + or #) sends the event to `errors` with the field named.
//
// While the broker is away the node shows "connecting" with the reason and keeps up to
// `buffer_rows` messages, sent in order once it is back; beyond that the oldest are dropped and
// counted on `dropped`. At the end of the run, with QoS 1, the node waits up to `ack_timeout` for
// the broker to acknowledge every message and fails naming how many were not: rows that may be
// missing downstream are an error, not a footnote. With QoS 0 what could not be sent is dropped.
//
// Progress markers (at-least-once from source.kafka): a marker is held until every message that
// entered the sink before it is acknowledged (QoS 1; the broker acknowledges in order), handed to
// libmosquitto (QoS 0), or dropped and counted.
//
// Threading: process(), onTimer() and finish() run on the node's worker and publish from there;
// the MqttClient's network thread only counts acknowledgements (an atomic).
#include <mosquitto.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <stdexcept>
#include <thread>

#include "engine/core/time_format.h"
#include "engine/graph/node_registry.h"
#include "engine/graph/secrets.h"
#include "nodes/common/csv.h"
#include "nodes/common/file_values.h"
#include "nodes/common/json_row.h"
#include "nodes/connectors/mqtt_common.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

constexpr int64_t kFlushEveryUs = 100000;  // how often buffered messages are retried

// `topic` split at its `{field}` placeholders: literal text, or a field name.
struct TopicPart {
    std::string text;
    bool field = false;
};

Result<std::vector<TopicPart>> parseTopic(const std::string& topic) {
    using R = Result<std::vector<TopicPart>>;
    std::vector<TopicPart> parts;
    size_t at = 0;
    while (at < topic.size()) {
        const size_t open = topic.find('{', at);
        if (open == std::string::npos) {
            parts.push_back({topic.substr(at), false});
            break;
        }
        if (open > at) parts.push_back({topic.substr(at, open - at), false});
        const size_t close = topic.find('}', open);
        if (close == std::string::npos || close == open + 1)
            return R::error("`topic`: a placeholder is written {field}, got `" + topic + "`");
        parts.push_back({topic.substr(open + 1, close - open - 1), true});
        at = close + 1;
    }
    std::string fixed;
    for (const auto& p : parts) fixed += p.field ? "x" : p.text;
    if (fixed.empty() || mosquitto_pub_topic_check(fixed.c_str()) != MOSQ_ERR_SUCCESS)
        return R::error("`topic` must be a topic without wildcards (+, #), got `" + topic + "`");
    return parts;
}

// The placeholders of `topic` must be fields of `input` (when the node is wired).
Status checkTopicFields(const std::vector<TopicPart>& parts, const Schema* input) {
    if (!input) return Status::ok();
    for (const auto& p : parts)
        if (p.field && input->indexOf(p.text) < 0) {
            std::string names;
            for (size_t c = 0; c < input->size(); ++c)
                names += (c ? ", " : "") + input->field(c).name;
            return Status::error("`topic`: {" + p.text +
                                 "} is not a field of the input (fields: " + names + ")");
        }
    return Status::ok();
}

class MqttSink : public Operator, private MqttHandler {
public:
    explicit MqttSink(const OperatorContext& ctx) : m_ctx(ctx) {}
    ~MqttSink() override { close(); }

    Status open() override {
        const NodeConfig& config = m_ctx.config;
        auto fail = [&](const std::string& why) {
            return Status::error(m_ctx.nodeLabel + ": " + redactSecrets(why));
        };
        auto parts = parseTopic(config.getString("topic"));
        if (!parts) return fail(parts.message());
        const Schema* input = m_ctx.inputSchemas.empty() ? nullptr : m_ctx.inputSchemas[0].get();
        if (Status s = checkTopicFields(parts.value(), input); !s) return fail(s.message());
        for (const auto& p : parts.value())
            m_topicParts.push_back({p.text, p.field ? input->indexOf(p.text) : -1});
        m_qos = static_cast<int>(config.getInt("qos"));
        m_retain = config.getBool("retain");
        m_csv = config.getString("format") == "csv";
        m_bufferRows = static_cast<size_t>(config.getInt("buffer_rows"));
        m_ackTimeoutUs = config.getDurationUs("ack_timeout");
        auto options = mqttOptionsFrom(config);
        if (!options) return fail(options.message());
        m_client = std::make_unique<MqttClient>(std::move(options.value()),
                                                static_cast<MqttHandler&>(*this), metrics());
        Status s = m_client->start();
        if (!s) return fail(s.message());
        return Status::ok();
    }

    void process(int slot, const Batch& in, Emitter& out) override {
        (void)slot;
        ErrorRows errors(out, m_ctx.config.id());
        for (size_t r = 0; r < in.rows(); ++r) {
            Message m;
            if (std::string why = topicOf(in, r, m.topic); !why.empty()) {
                errors.add(in, r, why);
                continue;
            }
            if (m_csv)
                appendCsvRow(m.payload, in, r);
            else
                appendJsonRow(m.payload, in, r);
            if (!m.payload.empty() && m.payload.back() == '\n') m.payload.pop_back();
            m_buffer.push_back(std::move(m));
            ++m_entered;
            if (m_buffer.size() > m_bufferRows) {
                m_buffer.pop_front();
                drop();
            }
        }
        flush();
    }

    void onMarker(const ProgressMarkerPtr& marker) override {
        if (settled() >= m_entered) return;
        marker->hold();
        m_heldMarkers.emplace_back(m_entered, marker);
    }

    int64_t timerIntervalUs() const override { return kFlushEveryUs; }
    void onTimer(TimeUs nowUs, Emitter& out) override {
        (void)nowUs;
        (void)out;
        flush();
    }

    void finish(Emitter& out) override {
        (void)out;
        using namespace std::chrono;
        const auto deadline = steady_clock::now() + microseconds(m_ackTimeoutUs);
        while (steady_clock::now() < deadline) {
            flush();
            const bool sent = m_buffer.empty();
            const bool acked = m_qos == 0 || m_acked.load() >= m_published;
            if (sent && acked) break;
            // Stop pressed while waiting: report what is missing now rather than after the timeout.
            if (m_ctx.stopRequested && m_ctx.stopRequested->load(std::memory_order_relaxed)) break;
            std::this_thread::sleep_for(milliseconds(10));
        }
        if (!m_client) return;
        const int64_t unsent = static_cast<int64_t>(m_buffer.size());
        const int64_t unacked = m_qos == 0 ? 0 : m_published - m_acked.load();
        const std::string broker = m_client->broker().text();
        if (m_qos == 0) {
            for (; !m_buffer.empty(); m_buffer.pop_front()) drop();
            releaseSettled();
            return;
        }
        m_buffer.clear();
        if (unsent + unacked > 0)
            throw std::runtime_error(
                m_ctx.nodeLabel + ": " + std::to_string(unsent + unacked) +
                " messages were not acknowledged by " + broker + " within " +
                formatDuration(m_ackTimeoutUs) + " (" + std::to_string(unsent) +
                " never sent, the broker was away); raise `ack_timeout` or check the broker");
    }

    void close() override {
        if (m_client) m_client->stop();
        m_client.reset();
    }

private:
    NodeMetrics& metrics() { return m_ctx.metrics ? *m_ctx.metrics : m_fallbackMetrics; }

    // The topic of row `row`; an empty string, or why the row has none.
    std::string topicOf(const Batch& in, size_t row, std::string& topic) {
        for (const auto& part : m_topicParts) {
            if (part.column < 0) {
                topic += part.text;
                continue;
            }
            const Column& col = in.column(static_cast<size_t>(part.column));
            if (col.isNull(row)) return "`topic`: {" + part.text + "} is NULL";
            const size_t before = topic.size();
            if (col.type() == Type::String)
                topic += col.strings()[row];
            else
                appendCellText(topic, col, row);
            const std::string_view value = std::string_view(topic).substr(before);
            if (value.empty()) return "`topic`: {" + part.text + "} is empty";
            if (value.find_first_of("+#") != std::string_view::npos ||
                value.find('\0') != std::string_view::npos)
                return "`topic`: {" + part.text + "} is `" + std::string(value) +
                       "`, which cannot be in a topic (+, # and NUL are not allowed)";
        }
        return {};
    }

    void drop() {
        ++m_droppedCount;
        metrics().add(metrics().dropped, 1);
    }

    // Messages that left the sink's hands: acknowledged (QoS 1) or handed on (QoS 0), or dropped.
    int64_t settled() const { return (m_qos == 0 ? m_published : m_acked.load()) + m_droppedCount; }

    void releaseSettled() {
        const int64_t done = settled();
        while (!m_heldMarkers.empty() && m_heldMarkers.front().first <= done) {
            ProgressMarkerPtr marker = std::move(m_heldMarkers.front().second);
            m_heldMarkers.pop_front();
            marker->release();
        }
    }

    void flush() {
        if (m_client && m_client->connected()) {
            while (!m_buffer.empty()) {
                const Message& m = m_buffer.front();
                const int rc = m_client->publish(nullptr, m.topic, m.payload, m_qos, m_retain);
                if (rc != MOSQ_ERR_SUCCESS) {
                    if (rc == MOSQ_ERR_PAYLOAD_SIZE || rc == MOSQ_ERR_OVERSIZE_PACKET ||
                        rc == MOSQ_ERR_MALFORMED_UTF8) {
                        // This message can never go out; keep the rest moving.
                        drop();
                        m_buffer.pop_front();
                        continue;
                    }
                    break;  // not connected (any more): retried on the next timer
                }
                ++m_published;
                m_buffer.pop_front();
            }
        }
        releaseSettled();
    }

    void onPublished(int mid) override {
        (void)mid;
        m_acked.fetch_add(1, std::memory_order_acq_rel);
    }

    OperatorContext m_ctx;
    NodeMetrics m_fallbackMetrics;
    struct TopicSlot {
        std::string text;
        int column = -1;  // a placeholder's input column, or -1 for literal text
    };
    std::vector<TopicSlot> m_topicParts;
    int m_qos = 1;
    bool m_retain = false;
    bool m_csv = false;
    size_t m_bufferRows = 10000;
    int64_t m_ackTimeoutUs = 10000000;
    std::unique_ptr<MqttClient> m_client;
    struct Message {
        std::string topic, payload;
    };
    std::deque<Message> m_buffer;     // messages not handed to libmosquitto yet
    int64_t m_entered = 0;            // rows that became messages (worker only)
    int64_t m_published = 0;          // handed to libmosquitto (worker only)
    int64_t m_droppedCount = 0;       // dropped (buffer full, or too big to send)
    std::atomic<int64_t> m_acked{0};  // acknowledged (QoS 1) or written (QoS 0)
    std::deque<std::pair<int64_t, ProgressMarkerPtr>>
        m_heldMarkers;  // (messages before it, marker)
};

}  // namespace

void registerMqttSink(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "sink.mqtt";
    spec.tags = {"IoT"};
    spec.displayName = "MQTT";
    spec.category = "sink";
    spec.description =
        "Publishes every event as one MQTT message (a JSON object or a CSV record) on a topic, "
        "which may name "
        "fields: sensors/{device}/alert. With QoS 1 the run fails when the broker has not "
        "acknowledged every "
        "message at the end.";
    spec.inputs = {{"in", "Events to publish"}};
    spec.isSink = true;

    spec.params.push_back(
        param("topic", ParamType::String,
              "The topic to publish on (no wildcards); {field} is replaced by the event's value "
              "of that field")
            .byDefault("")
            .mandatory()
            .inGroup("MQTT"));
    spec.params.push_back(mqttQosParam(
        "MQTT", "0: at most once; 1: at least once (the broker acknowledges every message)"));
    spec.params.push_back(
        param("retain", ParamType::Bool,
              "The broker keeps the last message for clients that subscribe later")
            .byDefault(false)
            .inGroup("MQTT"));
    spec.params.push_back(
        param("format", ParamType::Choice,
              "json: one object per event, `_time` first; csv: one record, fields in schema order")
            .byDefault("json")
            .oneOf({"json", "csv"})
            .inGroup("MQTT"));
    for (auto& p : mqttConnectionParams("MQTT")) spec.params.push_back(std::move(p));
    spec.params.push_back(
        param("buffer_rows", ParamType::Int,
              "Messages kept while the broker is away; beyond that the oldest are dropped and "
              "counted")
            .byDefault(10000)
            .inUnit("messages")
            .range(1, 100000000)
            .inGroup("MQTT"));
    spec.params.push_back(
        param("ack_timeout", ParamType::Duration,
              "At the end of the run, how long to wait for the broker to take every message")
            .byDefault("10s")
            .durationRange("0s", "1h")
            .inGroup("MQTT"));

    spec.schemaRule = [](const NodeConfig& config,
                         const SchemaInputs& inputs) -> Result<std::vector<SchemaPtr>> {
        using R = Result<std::vector<SchemaPtr>>;
        auto parts = parseTopic(config.getString("topic"));
        if (!parts) return R::error(parts.message());
        const Schema* input = inputs.schemas.empty() ? nullptr : inputs.schemas[0].get();
        if (Status s = checkTopicFields(parts.value(), input); !s) return R::error(s.message());
        auto broker = parseMqttBroker(config.getString("broker"));
        if (!broker) return R::error(broker.message());
        return std::vector<SchemaPtr>{};
    };
    spec.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<MqttSink>(ctx);
    };
    spec.noFlinkExport = "Flink SQL has no MQTT connector";
    registry.add(std::move(spec));
}

}  // namespace riffle
