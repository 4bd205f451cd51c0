#include "nodes/connectors/kafka_mock_cluster.h"
#include "engine/core/clock.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <map>

namespace riffle {

namespace {

void quietLog(const rd_kafka_t*, int, const char*, const char*) {}

rd_kafka_conf_t* quietConf() {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, quietLog);
    return conf;
}

void set(rd_kafka_conf_t* conf, const char* k, const std::string& v) {
    char err[256];
    rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err);
}

struct Delivery {
    int64_t done = 0, failed = 0;
    std::string firstError;
};

void onDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* d = static_cast<Delivery*>(opaque);
    ++d->done;
    if (m->err && d->failed++ == 0) d->firstError = rd_kafka_err2str(m->err);
}

}  // namespace

struct KafkaMockCluster::Impl {
    rd_kafka_t* owner = nullptr;  // the handle the cluster lives in
    rd_kafka_mock_cluster_t* cluster = nullptr;
    rd_kafka_t* producer = nullptr;
    Delivery delivery;
    int brokers = 0;
    std::string bootstraps;  // copied once: the cluster's own string belongs to its thread
    std::map<std::string, int> partitions;
    std::string lastError;

    ~Impl() {
        if (producer) {
            rd_kafka_flush(producer, 2000);
            rd_kafka_destroy(producer);
        }
        if (cluster) rd_kafka_mock_cluster_destroy(cluster);
        if (owner) rd_kafka_destroy(owner);
    }
};

Result<std::unique_ptr<KafkaMockCluster>> KafkaMockCluster::create(int brokers) {
    using R = Result<std::unique_ptr<KafkaMockCluster>>;
    std::unique_ptr<KafkaMockCluster> c(new KafkaMockCluster);
    c->m_impl = std::make_unique<Impl>();
    Impl& im = *c->m_impl;
    im.brokers = brokers;
    char err[512] = {0};
    im.owner = rd_kafka_new(RD_KAFKA_PRODUCER, quietConf(), err, sizeof err);
    if (!im.owner) return R::error(std::string("cannot create a librdkafka handle: ") + err);
    im.cluster = rd_kafka_mock_cluster_new(im.owner, brokers);
    if (!im.cluster) return R::error("cannot create the librdkafka mock cluster");
    im.bootstraps = rd_kafka_mock_cluster_bootstraps(im.cluster);
    if (Status s = c->newProducer(); !s) return R::error(s.message());
    return R(std::move(c));
}

Status KafkaMockCluster::newProducer() {
    Impl& im = *m_impl;
    if (im.producer) {
        rd_kafka_purge(im.producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_destroy(im.producer);
        im.producer = nullptr;
    }
    char err[512] = {0};
    rd_kafka_conf_t* conf = quietConf();
    set(conf, "bootstrap.servers", im.bootstraps);
    set(conf, "message.max.bytes", "50000000");
    set(conf, "linger.ms", "5");
    set(conf, "reconnect.backoff.max.ms", "1000");
    set(conf, "batch.num.messages", "10000");
    set(conf, "queue.buffering.max.messages", "1000000");
    rd_kafka_conf_set_opaque(conf, &im.delivery);
    rd_kafka_conf_set_dr_msg_cb(conf, onDelivery);
    im.producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!im.producer) return Status::error(std::string("cannot create the test producer: ") + err);
    return Status::ok();
}

KafkaMockCluster::~KafkaMockCluster() = default;

std::string KafkaMockCluster::bootstraps() const {
    return m_impl->bootstraps;
}

Status KafkaMockCluster::createTopic(const std::string& topic, int partitions) {
    const rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
        m_impl->cluster, topic.c_str(), partitions, std::min(3, m_impl->brokers));
    if (err) return Status::error("cannot create topic `" + topic + "`: " + rd_kafka_err2str(err));
    m_impl->partitions[topic] = partitions;
    return Status::ok();
}

const std::string& KafkaMockCluster::lastError() const {
    return m_impl->lastError;
}

Status KafkaMockCluster::produce(const std::string& topic,
                                 const std::vector<KafkaTestMessage>& messages, int timeoutMs) {
    Status s = produceNow(topic, messages, timeoutMs);
    m_impl->lastError = s.message();
    return s;
}

Status KafkaMockCluster::produceNow(const std::string& topic,
                                    const std::vector<KafkaTestMessage>& messages, int timeoutMs) {
    Impl& im = *m_impl;
    im.delivery = Delivery{};
    const int64_t start = steadyClockMs();
    for (const auto& m : messages) {
        for (;;) {
            const rd_kafka_resp_err_t err = rd_kafka_producev(
                im.producer, RD_KAFKA_V_TOPIC(topic.c_str()),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
                RD_KAFKA_V_KEY(m.hasKey ? m.key.data() : nullptr, m.hasKey ? m.key.size() : 0),
                RD_KAFKA_V_PARTITION(m.partition >= 0 ? m.partition : RD_KAFKA_PARTITION_UA),
                RD_KAFKA_V_TIMESTAMP(m.timestampMs), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                return Status::error(std::string("produce: ") + rd_kafka_err2str(err));
            if (steadyClockMs() - start > timeoutMs)
                return Status::error("produce: timed out with a full queue");
            rd_kafka_poll(im.producer, 10);
        }
        rd_kafka_poll(im.producer, 0);
    }
    while (im.delivery.done < static_cast<int64_t>(messages.size()) &&
           steadyClockMs() - start < timeoutMs)
        rd_kafka_poll(im.producer, 50);
    if (im.delivery.failed)
        return Status::error(std::to_string(im.delivery.failed) +
                             " messages failed: " + im.delivery.firstError);
    if (im.delivery.done < static_cast<int64_t>(messages.size()))
        return Status::error("produce: only " + std::to_string(im.delivery.done) + " of " +
                             std::to_string(messages.size()) + " delivered in time");
    return Status::ok();
}

void KafkaMockCluster::setAllBrokersDown(bool down) {
    for (int id = 1; id <= m_impl->brokers; ++id) {
        if (down)
            rd_kafka_mock_broker_set_down(m_impl->cluster, id);
        else
            rd_kafka_mock_broker_set_up(m_impl->cluster, id);
    }
    // The test's own producer starts afresh after an outage (Riffle's clients must cope alone).
    if (!down) (void)newProducer();
}

std::vector<KafkaTestMessage> KafkaMockCluster::readAll(const std::string& topic, size_t expected,
                                                        int timeoutMs) {
    std::vector<KafkaTestMessage> out;
    rd_kafka_conf_t* conf = quietConf();
    set(conf, "bootstrap.servers", bootstraps());
    set(conf, "group.id", "riffle-test-reader");
    set(conf, "enable.auto.commit", "false");
    char err[512] = {0};
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) return out;
    const auto it = m_impl->partitions.find(topic);
    const int parts = it == m_impl->partitions.end() ? 1 : it->second;
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(parts);
    for (int p = 0; p < parts; ++p)
        rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    const int64_t start = steadyClockMs();
    while (out.size() < expected && steadyClockMs() - start < timeoutMs) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
        if (!m) continue;
        if (!m->err) {
            KafkaTestMessage t;
            t.topic = rd_kafka_topic_name(m->rkt);
            t.value.assign(static_cast<const char*>(m->payload), m->len);
            if (m->key) {
                t.hasKey = true;
                t.key.assign(static_cast<const char*>(m->key), m->key_len);
            }
            t.partition = m->partition;
            t.offset = m->offset;
            t.timestampMs = rd_kafka_message_timestamp(m, nullptr);
            out.push_back(std::move(t));
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return out;
}

}  // namespace riffle
