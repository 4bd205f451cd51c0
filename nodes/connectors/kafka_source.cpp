// source.kafka: reads one or more Kafka topics through librdkafka's high-level consumer.
//
// Consumer groups: every riffle-run process (or studio run) with the same `group` joins one
// Kafka consumer group, so several processes on one topic share its partitions; Kafka rebalances
// when one joins or leaves. `start` applies only where the group has no committed offset yet.
//
// Delivery guarantee with checkpoints (docs/checkpoints.md): EXACTLY-ONCE into the node state
// downstream. A checkpoint saves the next offset of every partition read; a run that continues
// from it is assigned its partitions at those offsets, whatever the group committed. Offsets are
// committed to Kafka only when a checkpoint is complete and durable, with that checkpoint's
// offsets, so the group's offsets never pass the state that counted them.
//
// Without checkpoints: AT-LEAST-ONCE. librdkafka's automatic offset store is off. After each poll
// that read messages, the source puts a progress marker behind their rows
// (engine/runtime/progress_marker.h); the marker comes back once every sink the rows reach has
// written them (or their `errors` rows), and only then are the offsets stored. Stored offsets
// are committed every second and, bounded, by close(), which the runtime calls after the last
// sink is done. A broker that goes away and comes back, a clean stop, and a crash all resume at
// the last committed offset: events after it may be read twice, none is lost. Rows held in a
// window's memory count as processed once the window has them.
//
// Link state: "connecting" with librdkafka's reason (redacted) until a broker answers, again when
// every broker is gone; librdkafka keeps reconnecting by itself, so nothing fails.
//
// Threading: poll() and close() run on a worker (one at a time); librdkafka's own threads only
// call the KafkaLinkWatch callbacks. The consumer is polled with a zero timeout, never blocking.
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "engine/core/clock.h"
#include "engine/core/utf8.h"
#include "engine/graph/node_registry.h"
#include "engine/graph/secrets.h"
#include "nodes/connectors/kafka_common.h"
#include "nodes/connectors/message_format.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

constexpr int64_t kIdlePollUs = 2000;            // how soon to look again when nothing came
constexpr int kCommitOnCloseMs = 3000;           // bound for the final commit
constexpr int kCloseMs = 3000;                   // bound for leaving the group
constexpr size_t kMaxErrorRawBytes = 64 * 1024;  // an `errors` row keeps at most this much

const std::vector<MetaField> kMeta = {MetaField::Key, MetaField::Topic, MetaField::Partition,
                                      MetaField::Offset, MetaField::Timestamp};

// The message as an `errors` row keeps it: its first bytes, with every byte that is not UTF-8
// replaced by U+FFFD, so that a sink that writes text (sink.file) can keep the row.
std::string errorRaw(std::string_view payload) {
    payload = payload.substr(0, kMaxErrorRawBytes);
    std::string out;
    for (;;) {
        const size_t bad = findInvalidUtf8(payload);
        if (bad == std::string_view::npos) break;
        out.append(payload.substr(0, bad));
        out += "\xEF\xBF\xBD";
        payload.remove_prefix(bad + 1);
    }
    out.append(payload);
    return out;
}

// The next offset to read, per topic partition.
struct PendingOffset {
    std::string topic;
    int32_t partition = 0;
    int64_t next = 0;
};

void rememberOffset(std::vector<PendingOffset>& offsets, const std::string_view topic,
                    int32_t partition, int64_t next) {
    for (auto it = offsets.rbegin(); it != offsets.rend(); ++it)
        if (it->partition == partition && it->topic == topic) {
            it->next = std::max(it->next, next);
            return;
        }
    offsets.push_back({std::string(topic), partition, next});
}

// Offsets whose rows every sink has written, handed from the worker that released a marker to
// the source's poll(). Shared with the markers, so it outlives a source that is gone.
class OffsetLedger {
public:
    void processed(std::vector<PendingOffset> offsets) {
        std::lock_guard lock(m_mutex);
        for (auto& o : offsets) rememberOffset(m_ready, o.topic, o.partition, o.next);
    }
    std::vector<PendingOffset> takeProcessed() {
        std::lock_guard lock(m_mutex);
        return std::exchange(m_ready, {});
    }

private:
    std::mutex m_mutex;
    std::vector<PendingOffset> m_ready;
};

void onRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                 void* opaque) {
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        auto* watch = static_cast<KafkaLinkWatch*>(opaque);
        if (watch && watch->beforeAssign) watch->beforeAssign(parts);
        if (cooperative) {
            if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts))
                rd_kafka_error_destroy(e);
        } else {
            rd_kafka_assign(rk, parts);
        }
        if (opaque) static_cast<KafkaLinkWatch*>(opaque)->up();
    } else {
        // With auto commit on, librdkafka commits the stored offsets of revoked partitions first.
        if (cooperative) {
            if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts))
                rd_kafka_error_destroy(e);
        } else {
            rd_kafka_assign(rk, nullptr);
        }
    }
}

class KafkaSource : public SourceOperator {
public:
    explicit KafkaSource(const OperatorContext& ctx)
        : m_ctx(ctx),
          m_metrics(ctx.metrics ? ctx.metrics : &m_fallbackMetrics),
          m_watch(m_metrics, ctx.config.getString("brokers")) {}
    ~KafkaSource() override { close(); }

    Status open() override {
        const NodeConfig& c = m_ctx.config;
        auto fail = [&](const std::string& m) {
            return Status::error(m_ctx.nodeLabel + ": " + redactSecrets(m));
        };
        auto decoder = MessageDecoder::create(c, m_ctx.outputSchemas.at(0), kMeta);
        if (!decoder) return fail(decoder.message());
        m_decoder = std::move(decoder.value());
        const auto topics = splitKafkaList(c.getString("topic"));
        if (topics.empty())
            return fail("`topic` is empty: name the topic to read (several separated by commas)");
        if (c.getString("group").empty()) return fail("`group` is empty: name the consumer group");
        const int64_t sessionMs = c.getDurationUs("session_timeout") / 1000;

        auto conf = makeKafkaConf(c, &m_watch);
        if (!conf) return fail(conf.message());
        rd_kafka_conf_t* k = conf.value().get();
        for (const auto& [key, value] :
             {std::pair<std::string, std::string>{"group.id", c.getString("group")},
              {"auto.offset.reset", c.getString("start")},
              {"enable.auto.commit", "true"},
              {"enable.auto.offset.store", "false"},
              {"auto.commit.interval.ms", "1000"},
              {"session.timeout.ms", std::to_string(sessionMs)},
              {"enable.partition.eof", "false"},
              // Keep a deeper local queue so that poll() rarely finds
              // it empty while a fetch is on its way.
              {"queued.min.messages", "500000"},
              {"fetch.wait.max.ms", "100"}})
            if (Status s = setKafkaProperty(k, key, value); !s) return fail(s.message());
        rd_kafka_conf_set_rebalance_cb(k, onRebalance);
        m_openedNs = steadyClockNs();
        m_watch.beforeAssign = [this](rd_kafka_topic_partition_list_t* parts) {
            // Partitions a checkpoint saved start where it stood (once; a later assignment in
            // this run starts at the committed offset). Every assigned partition holds the
            // watermark from now on, before its first message: the first fetch answered must
            // not move it past the backlog of the others.
            const int64_t now = steadyClockNs();
            for (int i = 0; i < parts->cnt; ++i) {
                m_partitionTime.try_emplace({parts->elems[i].topic, parts->elems[i].partition},
                                            PartitionTime{kMinTime, now});
                auto it = m_resume.find({parts->elems[i].topic, parts->elems[i].partition});
                if (it == m_resume.end()) continue;
                parts->elems[i].offset = it->second;
                m_resume.erase(it);
            }
        };

        char err[512] = {0};
        m_metrics->setLink(LinkState::Connecting,
                           "connecting to brokers " + c.getString("brokers"));
        m_rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.value().get(), err, sizeof err);
        if (!m_rk) return fail(std::string("cannot create the Kafka consumer: ") + err);
        conf.value().release();  // rd_kafka_new owns it now
        rd_kafka_poll_set_consumer(m_rk);

        rd_kafka_topic_partition_list_t* list =
            rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
        for (const auto& t : topics)
            rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
        const rd_kafka_resp_err_t sub = rd_kafka_subscribe(m_rk, list);
        rd_kafka_topic_partition_list_destroy(list);
        if (sub != RD_KAFKA_RESP_ERR_NO_ERROR) {
            destroyHandle(false);
            return fail("cannot subscribe to `" + c.getString("topic") +
                        "`: " + rd_kafka_err2str(sub));
        }
        return Status::ok();
    }

    SourcePoll poll(Emitter& out) override {
        if (!m_rk) return SourcePoll::ended();
        storeOffsets(m_ledger->takeProcessed());
        BatchPtr batch;
        size_t handled = 0;
        {
            ErrorRows errors(out, m_ctx.config.id());
            const TimeUs arrival = wallClockUs();
            while (handled < kBatchRows) {
                rd_kafka_message_t* m = rd_kafka_consumer_poll(m_rk, 0);
                if (!m) break;
                if (m->err) {
                    consumerError(m);
                    rd_kafka_message_destroy(m);
                    continue;
                }
                ++handled;
                if (!batch) batch = out.newBatch(0);
                decodeOne(*m, arrival, *batch, errors);
                rd_kafka_message_destroy(m);
            }
            if (batch && !batch->empty()) out.push(0, std::move(batch));
            errors.flush();
        }
        // Their offsets may be committed once every sink has written the rows.
        markHandedOn(out);
        if (handled == 0) return SourcePoll::waitFor(kIdlePollUs);
        if (!m_watch.connected() || m_metrics->link() != LinkState::Connected) m_watch.up();
        return SourcePoll::more();
    }

    // Per partition, the newest event time read (Flink's per-partition watermarks): a partition
    // whose backlog comes later must not find its events late because another's came first.
    TimeUs eventTimeReached() override {
        if (!m_rk) return kMaxTime;
        const int64_t now = steadyClockNs();
        if (now >= m_nextAssignmentCheckNs) {
            // Partitions assigned since the last look start to count (without an event yet they
            // hold the watermark back until idle_timeout); revoked ones stop counting.
            m_nextAssignmentCheckNs = now + kAssignmentCheckNs;
            rd_kafka_topic_partition_list_t* list = nullptr;
            if (rd_kafka_assignment(m_rk, &list) == RD_KAFKA_RESP_ERR_NO_ERROR && list) {
                std::map<std::pair<std::string, int32_t>, PartitionTime> kept;
                for (int i = 0; i < list->cnt; ++i) {
                    const auto key =
                        std::make_pair(std::string(list->elems[i].topic), list->elems[i].partition);
                    const auto it = m_partitionTime.find(key);
                    kept[key] =
                        it != m_partitionTime.end() ? it->second : PartitionTime{kMinTime, now};
                }
                m_partitionTime = std::move(kept);
            }
            if (list) rd_kafka_topic_partition_list_destroy(list);
        }
        // Partitions a checkpoint had and the group has not assigned again yet (a killed
        // member's session has not timed out) hold the watermark: their events are still to
        // come, and must not find their windows closed (until idle_timeout, from the open).
        if (!m_resume.empty() && (m_idleTimeoutNs <= 0 || now - m_openedNs < m_idleTimeoutNs))
            return kMinTime;
        TimeUs reached = kMaxTime;
        for (const auto& [key, p] : m_partitionTime) {
            if (m_idleTimeoutNs > 0 && now - p.lastDataNs >= m_idleTimeoutNs) continue;
            reached = std::min(reached, p.newest);
        }
        return reached;
    }

    void snapshotState(checkpoint::StateWriter& w) override {
        m_checkpointing = true;
        w.u64(m_position.size());
        std::vector<PendingOffset> offsets;
        for (const auto& [tp, next] : m_position) {
            w.bytes(tp.first);
            w.i64(tp.second);
            w.i64(next);
            offsets.push_back({tp.first, tp.second, next});
        }
        if (w.checkpointId() > 0) m_snapshots.emplace_back(w.checkpointId(), std::move(offsets));
    }

    Status restoreState(checkpoint::StateReader& r) override {
        m_checkpointing = true;
        for (uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            std::string topic = r.bytes();
            const auto partition = static_cast<int32_t>(r.i64());
            const int64_t next = r.i64();
            if (next < 0) r.fail();
            m_resume[{topic, partition}] = next;
            m_position[{std::move(topic), partition}] = next;
        }
        return Status::ok();
    }

    // The checkpoint is durable: its offsets are stored, and librdkafka commits them within a
    // second (and at close()).
    void notifyCheckpointComplete(int64_t id) override {
        while (!m_snapshots.empty() && m_snapshots.front().first <= id) {
            if (m_snapshots.front().first == id) storeOffsets(m_snapshots.front().second);
            m_snapshots.pop_front();
        }
    }

    void close() override {
        if (!m_rk) return;
        // The runtime closes sources after every sink is done: the last markers are back.
        storeOffsets(m_ledger->takeProcessed());
        const int64_t start = steadyClockMs();
        // Final commit of what the sinks wrote, asynchronously with a bound: a broker that
        // is gone must not hang Stop (the auto commit has sent most offsets already).
        rd_kafka_queue_t* q = rd_kafka_queue_new(m_rk);
        if (rd_kafka_commit_queue(m_rk, nullptr, q, nullptr, nullptr) ==
            RD_KAFKA_RESP_ERR_NO_ERROR) {
            while (steadyClockMs() - start < kCommitOnCloseMs) {
                rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 100);
                if (!ev) continue;
                const bool done = rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT;
                rd_kafka_event_destroy(ev);
                if (done) break;
            }
        }
        rd_kafka_queue_destroy(q);
        destroyHandle(true);
    }

private:
    void decodeOne(const rd_kafka_message_t& m, TimeUs arrival, Batch& batch, ErrorRows& errors) {
        MessageMeta meta;
        const char* topic = rd_kafka_topic_name(m.rkt);
        meta.topic = topic;
        if (m.key) {
            meta.key = std::string_view(static_cast<const char*>(m.key), m.key_len);
            meta.hasKey = true;
        }
        meta.partition = m.partition;
        meta.offset = m.offset;
        rd_kafka_timestamp_type_t tsType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        const int64_t tsMs = rd_kafka_message_timestamp(&m, &tsType);
        if (tsType != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && tsMs >= 0) meta.timestamp = tsMs * 1000;
        const std::string_view payload(m.payload ? static_cast<const char*>(m.payload) : "", m.len);
        const size_t before = batch.rows();
        std::string why = m_decoder->decode(payload, meta, arrival, batch);
        if (!why.empty()) {
            // An error row must not move the watermark past events still to come.
            const TimeUs t =
                m_lastEventTime == kMinTime ? arrival : std::min(arrival, m_lastEventTime);
            errors.addRaw(t, errorRaw(payload), m.offset,
                          "topic `" + std::string(topic) + "` partition " +
                              std::to_string(m.partition) + " offset " + std::to_string(m.offset) +
                              ": " + why);
        } else if (batch.rows() > before) {
            m_lastEventTime = batch.column(0).ints()[before];
            PartitionTime& p = m_partitionTime[{std::string(topic), m.partition}];
            p.newest = std::max(p.newest, m_lastEventTime);
            p.lastDataNs = steadyClockNs();
        }
        rememberOffset(m_pending, topic, m.partition, m.offset + 1);
        m_position[{std::string(topic), m.partition}] = m.offset + 1;
    }

    // Sends the offsets read so far with a marker; the ledger gets them back when it is released.
    // With checkpoints, offsets go with the checkpoints instead.
    void markHandedOn(Emitter& out) {
        if (m_checkpointing) m_pending.clear();
        if (m_pending.empty()) return;
        out.mark(std::make_shared<ProgressMarker>(
            [ledger = m_ledger, offsets = std::move(m_pending)]() mutable {
                ledger->processed(std::move(offsets));
            }));
        m_pending.clear();
    }

    void storeOffsets(const std::vector<PendingOffset>& offsets) {
        if (offsets.empty() || !m_rk) return;
        rd_kafka_topic_partition_list_t* list =
            rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
        for (const auto& p : offsets)
            rd_kafka_topic_partition_list_add(list, p.topic.c_str(), p.partition)->offset = p.next;
        // Fails for partitions revoked meanwhile; their new owner reads them again (at-least-once).
        rd_kafka_offsets_store(m_rk, list);
        rd_kafka_topic_partition_list_destroy(list);
    }

    void consumerError(const rd_kafka_message_t* m) {
        const std::string topic =
            m->rkt ? rd_kafka_topic_name(m->rkt) : m_ctx.config.getString("topic");
        switch (m->err) {
            case RD_KAFKA_RESP_ERR__PARTITION_EOF:
                return;
            case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
                m_metrics->setLink(LinkState::Connecting,
                                   "topic `" + topic + "` does not exist on brokers " +
                                       m_ctx.config.getString("brokers") + "; waiting for it");
                return;
            case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
            case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
                m_metrics->setLink(LinkState::Connecting,
                                   redactSecrets(rd_kafka_message_errstr(m)) +
                                       "; check `username` and `password`");
                return;
            default:
                break;
        }
        char fatal[512] = {0};
        if (rd_kafka_fatal_error(m_rk, fatal, sizeof fatal) != RD_KAFKA_RESP_ERR_NO_ERROR)
            throw std::runtime_error(m_ctx.nodeLabel +
                                     ": Kafka consumer failed: " + redactSecrets(fatal));
        m_watch.problem(rd_kafka_message_errstr(m));
    }

    void destroyHandle(bool leaveGroup) {
        if (!m_rk) return;
        if (leaveGroup) {
            const int64_t start = steadyClockMs();
            rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(m_rk);
            if (q) {
                if (rd_kafka_error_t* e = rd_kafka_consumer_close_queue(m_rk, q)) {
                    rd_kafka_error_destroy(e);
                } else {
                    while (!rd_kafka_consumer_closed(m_rk) && steadyClockMs() - start < kCloseMs)
                        rd_kafka_queue_poll_callback(q, 100);
                }
                rd_kafka_queue_destroy(q);
            }
        }
        // The consumer has left its group (or gave up within the bound): destroy must not try
        // again.
        rd_kafka_destroy_flags(m_rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
        m_rk = nullptr;
    }

    OperatorContext m_ctx;
    NodeMetrics m_fallbackMetrics;  // when the context has none (tests)
    NodeMetrics* m_metrics;
    KafkaLinkWatch m_watch;
    rd_kafka_t* m_rk = nullptr;
    std::unique_ptr<MessageDecoder> m_decoder;
    std::vector<PendingOffset> m_pending;  // read since the last marker
    // Checkpoints: the next offset of every partition read (or restored), the offsets of the
    // checkpoints not yet complete, and the restored offsets not yet assigned.
    bool m_checkpointing = false;
    std::map<std::pair<std::string, int32_t>, int64_t> m_position;
    std::deque<std::pair<int64_t, std::vector<PendingOffset>>> m_snapshots;
    std::map<std::pair<std::string, int32_t>, int64_t> m_resume;
    std::shared_ptr<OffsetLedger> m_ledger = std::make_shared<OffsetLedger>();
    TimeUs m_lastEventTime = kMinTime;
    struct PartitionTime {
        TimeUs newest = kMinTime;  // newest event time read from it
        int64_t lastDataNs = 0;    // steady clock of its last event, or of its assignment
    };
    static constexpr int64_t kAssignmentCheckNs = 100'000'000;
    std::map<std::pair<std::string, int32_t>, PartitionTime> m_partitionTime;
    int64_t m_nextAssignmentCheckNs = 0;
    int64_t m_openedNs = 0;
    const int64_t m_idleTimeoutNs = m_ctx.config.getDurationUs(kIdleTimeoutParam) * 1000;
};

}  // namespace

void registerKafkaSource(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "source.kafka";
    spec.state = {{"offsets", 1}};
    spec.tags = {"Kafka"};
    spec.displayName = "Kafka";
    spec.category = "source";
    spec.description =
        "Reads Kafka topics as a consumer group member: processes with the same group share the "
        "partitions. "
        "With checkpoints, its offsets are saved and committed with them (exactly-once into the "
        "windows and totals downstream); without, once every sink has written the events "
        "(at-least-once). Key, topic, partition, offset and the Kafka timestamp are fields.";
    spec.outputs = {{"out", "One event per message"}};

    std::vector<ParamSpec> params = kafkaConnectionParams("Kafka");
    params.insert(
        params.begin() + 1,
        {
            param("topic", ParamType::String, "The topic to read; several separated by commas")
                .mandatory()
                .inGroup("Kafka"),
            param("group", ParamType::String,
                  "Consumer group: processes with the same group share the topic's partitions")
                .byDefault("riffle")
                .inGroup("Kafka"),
            param("start", ParamType::Choice,
                  "Where a group without committed offsets starts: earliest (the oldest message "
                  "kept) or latest (only new messages)")
                .byDefault("latest")
                .oneOf({"earliest", "latest"})
                .inGroup("Kafka"),
            param("keyed_by", ParamType::String,
                  "The field the messages' key holds, by which the topic is partitioned (e.g. "
                  "user_id); validation then warns about windows that do not group by it, whose "
                  "results processes sharing the topic would split")
                .byDefault("")
                .inGroup("Kafka")
                .as(ParamRole::PartitionKey),
            // Shorter than Kafka's 45 s: a crashed run's partitions go to the next run or the
            // other processes of the group sooner. Brokers accept 6 s and more by default.
            param("session_timeout", ParamType::Duration,
                  "How long the group waits for a process that stopped answering (crashed) "
                  "before its partitions go to the others")
                .byDefault("10s")
                .durationRange("1s", "1h")
                .inGroup("Kafka"),
        });
    for (auto& p : params) spec.params.push_back(std::move(p));
    for (auto& p : messageFormatParams("Kafka")) spec.params.push_back(std::move(p));
    for (auto& p : sourceTimeParams("2s")) spec.params.push_back(std::move(p));

    spec.schemaRule = [](const NodeConfig& config, const SchemaInputs&) {
        return messageSourceSchema(config, kMeta);
    };
    spec.createSource = [](const OperatorContext& ctx) {
        return std::make_unique<KafkaSource>(ctx);
    };
    spec.exportFlink = [](const FlinkExportContext& ctx) -> Result<FlinkExportPart> {
        using R = Result<FlinkExportPart>;
        const NodeConfig& c = ctx.config;
        if (c.getString("format") != "json")
            return R::error("only a JSON source's export is written yet");
        std::vector<std::string> notes;
        auto options = kafkaFlinkOptions(c, notes);
        if (!options) return R::error(options.message());
        auto time = flink::eventTime(c);
        if (!time) return R::error(time.message());
        // Message fields, then the metadata Riffle adds, as Flink's Kafka connector names it.
        static const std::map<std::string, std::string> kMetadata = {
            {"topic", "STRING METADATA VIRTUAL"},
            {"partition", "INT METADATA VIRTUAL"},
            {"offset", "BIGINT METADATA VIRTUAL"},
            {"timestamp", "TIMESTAMP_LTZ(3) METADATA VIRTUAL"},
            {"key", "STRING"}};
        FlinkExportPart part;
        part.notes = std::move(notes);
        std::string create = "CREATE TABLE " + ctx.relation + " (\n";
        for (const Field& f : ctx.output->fields()) {
            if (f.name == kTimeField) continue;
            const auto meta = kMetadata.find(f.name);
            create += "  " + flink::quote(f.name) + " " +
                      (f.name == time->field && meta == kMetadata.end() ? time->fieldType
                       : meta != kMetadata.end()                        ? meta->second
                                                                        : flink::typeName(f.type)) +
                      ",\n";
        }
        create += time->lines + "\n) WITH (\n" + *options +
                  "  'properties.group.id' = " + flink::literal(c.getString("group")) +
                  ",\n  'scan.startup.mode' = 'group-offsets',\n"
                  "  'properties.auto.offset.reset' = " +
                  flink::literal(c.getString("start")) +
                  ",\n  'key.format' = 'raw',\n  'key.fields' = 'key',\n"
                  "  'value.format' = 'json',\n  'value.fields-include' = 'EXCEPT_KEY'\n)";
        part.notes.push_back("`timestamp` is a TIMESTAMP_LTZ(3) and `partition` an INT in Flink");
        part.notes.push_back(
            "a message that is not JSON fails the Flink job; Riffle sends it to "
            "`errors`");
        part.statements.push_back(std::move(create));
        return part;
    };
    registry.add(std::move(spec));
}

}  // namespace riffle
