// source.mqtt: subscribes to an MQTT topic (wildcards + and # allowed) and turns every message
// into an event; the topic each message came on is the field `topic` (docs/connectors.md).
//
// A PushTransport: the MqttClient's network thread (mqtt_common.h) receives the messages and
// hands them to the worker through the MessageQueue, a few at a time when they come quickly but
// never holding one back for more than about a millisecond. A broker that is down at start or
// goes away leaves the node "connecting" with the reason while it retries with backoff; after a
// reconnect the subscription is made again. QoS 1 means the broker resends what it did not get
// acknowledged; with `clean_session` off (and a fixed `client_id`) it also keeps the messages
// published while the node was away.
//
// Threading: the transport's callbacks run on the MQTT network thread and touch only the queue,
// the metrics and the block being filled; start()/stop() run on the worker that owns the source.
#include <mosquitto.h>

#include <algorithm>
#include <chrono>

#include "engine/core/clock.h"
#include "engine/graph/node_registry.h"
#include "nodes/connectors/mqtt_common.h"
#include "nodes/connectors/push_source.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

constexpr size_t kBlockMessages = 256;       // hand over at the latest after this many...
constexpr size_t kBlockBytes = 1024 * 1024;  // ...or this many bytes...
constexpr int64_t kMaxHoldUs = 1000;         // ...or when the first one has waited this long

Status checkSubscriptionTopic(const std::string& topic) {
    if (topic.empty())
        return Status::error("`topic` is required, e.g. sensors/+/temperature or sensors/#");
    if (mosquitto_sub_topic_check(topic.c_str()) != MOSQ_ERR_SUCCESS)
        return Status::error(
            "`topic`: `" + topic +
            "` is not a valid MQTT subscription (+ must fill a whole level, # must be the last "
            "level: sensors/+/temp, sensors/#)");
    return Status::ok();
}

class MqttTransport : public PushTransport, private MqttHandler {
public:
    explicit MqttTransport(const OperatorContext& ctx) : m_ctx(ctx) {}
    ~MqttTransport() override { stop(); }

    Status start(MessageQueue& queue, NodeMetrics& metrics) override {
        const NodeConfig& config = m_ctx.config;
        m_topic = config.getString("topic");
        Status topicOk = checkSubscriptionTopic(m_topic);
        if (!topicOk) return topicOk;
        m_qos = static_cast<int>(config.getInt("qos"));
        auto options = mqttOptionsFrom(config);
        if (!options) return Status::error(options.message());
        m_queue = &queue;
        // A block must fit the queue many times over: under drop_newest a block that does not
        // fit is dropped whole, so an oversized one would lose messages the queue had room for.
        m_blockMessages = std::clamp<size_t>(static_cast<size_t>(config.getInt("queue_size")) / 4,
                                             1, kBlockMessages);
        m_client = std::make_unique<MqttClient>(std::move(options.value()),
                                                static_cast<MqttHandler&>(*this), metrics);
        return m_client->start();
    }

    void stop() override {
        if (m_client) m_client->stop();
        m_client.reset();
        m_queue = nullptr;
    }

private:
    void onConnected(mosquitto* mosq) override {
        // A clean session forgets the subscription, so it is made again on every connection.
        mosquitto_subscribe(mosq, nullptr, m_topic.c_str(), m_qos);
    }

    void onMessage(const mosquitto_message& msg) override {
        if (m_block.empty()) m_firstHeldUs = steadyClockUs();
        MessageMeta meta;
        meta.topic = msg.topic ? std::string_view(msg.topic) : std::string_view();
        const std::string_view payload(static_cast<const char*>(msg.payload),
                                       msg.payload ? static_cast<size_t>(msg.payloadlen) : 0);
        m_block.add(payload, meta, wallClockUs());
    }

    bool afterLoop() override {
        if (m_block.empty() || !m_queue) return false;
        const bool full = m_block.size() >= m_blockMessages || m_block.bytes() >= kBlockBytes;
        // Nothing more came in the last turn (which only polled): hand over now.
        const bool quiet = m_block.size() == m_sizeLastTurn;
        if (full || quiet || steadyClockUs() - m_firstHeldUs >= kMaxHoldUs) {
            // In `block` mode this waits for room; PushSource::close() stops the queue first,
            // which wakes it.
            m_queue->push(m_block);
            m_block.clear();
            m_sizeLastTurn = 0;
            return false;
        }
        m_sizeLastTurn = m_block.size();
        return true;
    }

    OperatorContext m_ctx;
    std::string m_topic;
    int m_qos = 1;
    MessageQueue* m_queue = nullptr;
    std::unique_ptr<MqttClient> m_client;
    MessageBlock m_block;  // network thread only
    int64_t m_firstHeldUs = 0;
    size_t m_sizeLastTurn = 0;
    size_t m_blockMessages = kBlockMessages;
};

}  // namespace

void registerMqttSource(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "source.mqtt";
    spec.tags = {"IoT"};
    spec.displayName = "MQTT";
    spec.category = "source";
    spec.description =
        "Subscribes to an MQTT topic (wildcards + and # allowed) and makes one event per message; "
        "the topic "
        "it came on is the field `topic`. Reconnects with backoff when the broker goes away.";
    spec.outputs = {{"out", "One event per message"}};

    spec.params.push_back(
        param("topic", ParamType::String,
              "The topic to subscribe to; + matches one level, # the rest (sensors/+/temp)")
            .byDefault("")
            .mandatory()
            .inGroup("MQTT"));
    spec.params.push_back(mqttQosParam(
        "MQTT",
        "0: at most once; 1: at least once (the broker resends what was not acknowledged)"));
    for (auto& p : mqttConnectionParams("MQTT")) spec.params.push_back(std::move(p));
    for (auto& p : messageFormatParams("MQTT")) spec.params.push_back(std::move(p));
    for (auto& p : overloadParams("MQTT")) spec.params.push_back(std::move(p));
    for (auto& p : sourceTimeParams("2s")) spec.params.push_back(std::move(p));

    spec.schemaRule = [](const NodeConfig& config,
                         const SchemaInputs&) -> Result<std::vector<SchemaPtr>> {
        using R = Result<std::vector<SchemaPtr>>;
        Status topicOk = checkSubscriptionTopic(config.getString("topic"));
        if (!topicOk) return R::error(topicOk.message());
        auto broker = parseMqttBroker(config.getString("broker"));
        if (!broker) return R::error(broker.message());
        return messageSourceSchema(config, {MetaField::Topic});
    };
    spec.createSource = [](const OperatorContext& ctx) {
        return std::make_unique<PushSource>(ctx, std::vector<MetaField>{MetaField::Topic},
                                            std::make_unique<MqttTransport>(ctx));
    };
    spec.noFlinkExport = "Flink SQL has no MQTT connector";
    registry.add(std::move(spec));
}

}  // namespace riffle
