#pragma once
// What source.kafka and sink.kafka share on top of librdkafka: the connection parameters
// (`brokers`, credentials, security protocol), building an rd_kafka_conf_t from them, and the
// link state a librdkafka handle reports through its callbacks.
//
// librdkafka never prints on its own here: its log and error callbacks only record the newest
// reason (redacted, since a broker message may echo a user name or a password) into a
// KafkaLinkWatch, which puts it on the node as LinkState::Connecting.
//
// Threading: KafkaLinkWatch is called from librdkafka's threads and from the operator's worker;
// it only touches NodeMetrics (thread-safe) and its own mutex-guarded state.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/graph/node_spec.h"
#include "engine/runtime/metrics.h"

namespace riffle {

// `brokers`, `username`, `password`, `security_protocol`, `sasl_mechanism` in `group`.
std::vector<ParamSpec> kafkaConnectionParams(const std::string& group);

// "a, b ,c" -> {"a", "b", "c"}; empty items are dropped.
std::vector<std::string> splitKafkaList(const std::string& text);

// Owns an rd_kafka_conf_t until it is handed to rd_kafka_new (release()).
struct KafkaConfDeleter {
    void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using KafkaConfPtr = std::unique_ptr<rd_kafka_conf_t, KafkaConfDeleter>;

// Sets one property; the message names the property and librdkafka's reason.
Status setKafkaProperty(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);

// Tracks a handle's link to its brokers and reports it on `metrics`.
class KafkaLinkWatch {
public:
    KafkaLinkWatch(NodeMetrics* metrics, std::string brokers);
    // A problem with the brokers (from the error or log callback): "connecting" with the reason.
    void problem(const std::string& reason);
    // The brokers answered (a statistics report with a broker up, an assignment, a message).
    void up();
    // Every broker is down again according to the statistics.
    void allDown();
    bool connected() const { return m_connected.load(std::memory_order_relaxed); }
    std::string lastProblem() const;
    // A consumer's: called with the partitions being assigned, before the assignment, from
    // within the consumer's poll (source.kafka sets the offsets a checkpoint saved).
    std::function<void(rd_kafka_topic_partition_list_t*)> beforeAssign;

private:
    NodeMetrics* m_metrics;
    std::string m_brokers;
    std::atomic<bool> m_connected{false};
    mutable std::mutex m_mutex;
    std::string m_lastProblem;
};

// A configuration with the connection parameters of `config` (secrets resolved now), the
// callbacks wired to `watch` (which must outlive the handle) and statistics every second so the
// link state follows the brokers. Messages start with nothing; the caller adds the node label.
Result<KafkaConfPtr> makeKafkaConf(const NodeConfig& config, KafkaLinkWatch* watch);

// The WITH options of Flink's Kafka connector for a Kafka node's export (NodeSpec::exportFlink):
// connector, topic, brokers and the SASL / SSL settings (a CA file as a PEM trust store), with
// the notes for the script; an error for a password that would have to be written into it (only
// ${env:NAME} is handed on, to Kafka's environment-variable config provider).
Result<std::string> kafkaFlinkOptions(const NodeConfig& config, std::vector<std::string>& notes);

}  // namespace riffle
