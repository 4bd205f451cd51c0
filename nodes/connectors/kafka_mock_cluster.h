#pragma once
// An in-process Kafka cluster (librdkafka's mock cluster, a real Kafka protocol peer on loopback
// ports) with a producer and a reader, for riffle-bench's `kafka` query and the integration
// tests. Not used by any node at run time; kept here so that neither the bench nor the tests
// include librdkafka themselves.
//
// Threading: one controlling thread; the cluster serves clients on librdkafka's own threads.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace riffle {

struct KafkaTestMessage {
    std::string key, value, topic;
    bool hasKey = false;
    int32_t partition = -1;  // produce: -1 = by key (or spread when there is none)
    int64_t offset = -1;
    int64_t timestampMs = 0;  // produce: 0 = now
};

class KafkaMockCluster {
public:
    // `brokers` brokers on 127.0.0.1, each on a free port.
    static Result<std::unique_ptr<KafkaMockCluster>> create(int brokers);
    ~KafkaMockCluster();
    KafkaMockCluster(const KafkaMockCluster&) = delete;
    KafkaMockCluster& operator=(const KafkaMockCluster&) = delete;

    std::string bootstraps() const;
    Status createTopic(const std::string& topic, int partitions);
    // Produces and waits until every message is acknowledged (bounded by timeoutMs).
    Status produce(const std::string& topic, const std::vector<KafkaTestMessage>& messages,
                   int timeoutMs = 60000);
    // The message of the last failed produce(), for test output.
    const std::string& lastError() const;
    // Takes every broker down (closing its connections and refusing new ones) or up again.
    void setAllBrokersDown(bool down);
    // Reads `topic` from the beginning of every partition until `expected` messages came or
    // timeoutMs passed (without a consumer group, nothing is committed).
    std::vector<KafkaTestMessage> readAll(const std::string& topic, size_t expected, int timeoutMs);

private:
    KafkaMockCluster() = default;
    Status newProducer();
    Status produceNow(const std::string& topic, const std::vector<KafkaTestMessage>& messages,
                      int timeoutMs);
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace riffle
