// sink.kafka: writes every event as one Kafka message through librdkafka's producer.
//
// The message is the row as JSON (appendJsonRow, `_time` included) or as one CSV record; its key
// is the `key` expression (none when the expression is empty or NULL) and its Kafka timestamp is
// the event's `_time`. The producer is idempotent (enable.idempotence): librdkafka's retries
// after a broker failure neither duplicate nor reorder messages within a partition.
//
// Delivery errors: librdkafka retries by itself while a broker is away; a message it finally
// gives up on (rejected by the broker, or not delivered within `delivery_timeout`) is counted on
// the node's `errors` counter and fails the run with the first reason: a stream with messages
// silently missing would be worse. finish() waits for the outstanding messages, bounded.
//
// Progress markers (at-least-once from source.kafka or any source that commits): a marker is
// held until every message produced before it has been acknowledged by Kafka, so that an
// upstream source commits its offsets only for rows that are really in the topic.
//
// `delivery: exactly_once` (docs/checkpoints.md) writes in Kafka transactions, one per
// checkpoint: a transaction holds the messages up to a checkpoint barrier (the barrier waits
// until Kafka has them) and commits when that checkpoint is durable; messages that arrive
// between the barrier and the commit wait in memory for the next transaction. The checkpoint
// keeps the messages of the transaction it closes, since a crash between the checkpoint and the
// commit leaves that transaction open, and the next producer with the same transactional id
// aborts it. Each commit also stores, atomically with the messages, the checkpoint it belongs to
// as the offset of a marker group (`riffle-txn-<transactional id>`, partition 0 of the topic);
// a restored sink reads that marker and writes the saved messages again only when their
// transaction never committed. A run whose sources all ended commits its last messages with the
// marker "ended", and a run restored after that writes nothing again. Without checkpoints
// (an untitled studio project, `checkpoint_interval` 0) a transaction commits every second and
// at each progress marker: at-least-once, as the help says.
//
// Threading: process(), onTimer(), finish() and close() run on a worker, one at a time; delivery
// reports are served by rd_kafka_poll() on that same worker. librdkafka's own threads only call
// the KafkaLinkWatch callbacks.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <stdexcept>
#include <utility>

#include "engine/core/clock.h"
#include "engine/core/utf8.h"
#include "engine/expr/expression.h"
#include "engine/graph/node_registry.h"
#include "engine/graph/secrets.h"
#include "nodes/common/csv.h"
#include "nodes/common/file_values.h"
#include "nodes/common/json_row.h"
#include "nodes/connectors/kafka_common.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

constexpr int kFlushMs = 10000;           // finish(): how long outstanding messages may take
constexpr int kQueueFullWaitMs = 50;      // back-pressure step when librdkafka's queue is full
constexpr int kTxnTimeoutMs = 60000;      // one transactional call (init, commit, marker) at most
constexpr int64_t kCommitEveryMs = 1000;  // exactly_once without checkpoints

// One message as it went into a transaction, kept until the transaction commits.
struct KafkaMessage {
    std::string key;
    bool hasKey = false;
    std::string value;
    int64_t timestampMs = 0;
};

std::string defaultTransactionalId(const NodeConfig& c) {
    const std::string id = c.getString("transactional_id");
    return id.empty() ? "riffle-" + c.getString("topic") + "-" + c.id() : id;
}

Result<expr::ExpressionPtr> compileKey(const NodeConfig& config, const Schema& input) {
    using R = Result<expr::ExpressionPtr>;
    const std::string text = config.getString("key");
    if (text.empty()) return R(expr::ExpressionPtr{});
    auto e = expr::compile(text, input);
    if (!e) return R::error("`key`: " + e.message());
    return e;
}

class KafkaSink : public Operator {
public:
    explicit KafkaSink(const OperatorContext& ctx)
        : m_ctx(ctx),
          m_metrics(ctx.metrics ? ctx.metrics : &m_fallbackMetrics),
          m_watch(this, m_metrics, ctx.config.getString("brokers")),
          m_csv(ctx.config.getString("format") == "csv"),
          m_txn(ctx.config.getString("delivery") == "exactly_once") {}
    ~KafkaSink() override { close(); }

    Status open() override {
        const NodeConfig& c = m_ctx.config;
        auto fail = [&](const std::string& m) {
            return Status::error(m_ctx.nodeLabel + ": " + redactSecrets(m));
        };
        if (m_ctx.inputSchemas.empty() || !m_ctx.inputSchemas[0]) return fail("has no input");
        auto key = compileKey(c, *m_ctx.inputSchemas[0]);
        if (!key) return fail(key.message());
        m_key = key.value();
        const std::string topic = c.getString("topic");
        if (topic.empty()) return fail("`topic` is empty: name the topic to write to");

        auto conf = makeKafkaConf(c, &m_watch);
        if (!conf) return fail(conf.message());
        rd_kafka_conf_t* k = conf.value().get();
        std::vector<std::pair<std::string, std::string>> props = {
            {"enable.idempotence", "true"},
            {"linger.ms", "5"},
            {"message.timeout.ms", std::to_string(c.getDurationUs("delivery_timeout") / 1000)}};
        if (m_txn) {
            props.emplace_back("transactional.id", defaultTransactionalId(c));
            props.emplace_back("transaction.timeout.ms",
                               std::to_string(c.getDurationUs("transaction_timeout") / 1000));
        }
        for (const auto& [name, value] : props)
            if (Status s = setKafkaProperty(k, name, value); !s) return fail(s.message());
        rd_kafka_conf_set_dr_msg_cb(k, onDelivery);

        char err[512] = {0};
        m_metrics->setLink(LinkState::Connecting,
                           "connecting to brokers " + c.getString("brokers"));
        m_rk = rd_kafka_new(RD_KAFKA_PRODUCER, k, err, sizeof err);
        if (!m_rk) return fail(std::string("cannot create the Kafka producer: ") + err);
        conf.value().release();  // rd_kafka_new owns it now
        m_topic = rd_kafka_topic_new(m_rk, topic.c_str(), nullptr);
        if (!m_topic) {
            close();
            return fail("cannot use topic `" + topic +
                        "`: " + rd_kafka_err2str(rd_kafka_last_error()));
        }
        for (size_t col = 0; col < m_ctx.inputSchemas[0]->size(); ++col)
            if (m_ctx.inputSchemas[0]->field(col).type == Type::String)
                m_stringColumns.push_back(col);
        if (m_txn) {
            if (Status s = startTransactions(); !s) {
                close();
                return fail(s.message());
            }
        }
        return Status::ok();
    }

    void process(int, const Batch& in, Emitter& out) override {
        ErrorRows errors(out, m_ctx.config.id());
        expr::EvalStats stats;
        if (m_key) {
            m_keyColumn = Column(m_key->type());
            m_keyArena.reset();
            m_key->evaluate(in, m_keyColumn, m_keyArena, stats);
            if (stats.warnings) m_metrics->add(m_metrics->warnings, stats.warnings);
        }
        const auto& times = in.column(0).ints();
        for (size_t r = 0; r < in.rows(); ++r) {
            if (!checkUtf8(in, r, errors)) continue;
            m_payload.clear();
            if (m_csv)
                appendCsvRow(m_payload, in, r);
            else
                appendJsonRow(m_payload, in, r);
            if (!m_payload.empty() && m_payload.back() == '\n') m_payload.pop_back();
            std::string_view key;
            bool hasKey = false;
            if (m_key && !m_keyColumn.isNull(r)) {
                hasKey = true;
                if (m_keyColumn.type() == Type::String) {
                    key = m_keyColumn.strings()[r];
                } else {
                    m_keyText.clear();
                    appendCellText(m_keyText, m_keyColumn, r);
                    key = m_keyText;
                }
            }
            const int64_t timestampMs = in.column(0).isNull(r) ? -1 : times[r] / 1000;
            if (!m_txn || !m_checkpointing) {
                produce(m_payload, key, hasKey, timestampMs);
                m_uncommitted = m_txn;
                continue;
            }
            if (m_discard) continue;
            KafkaMessage m{std::string(key), hasKey, m_payload, timestampMs};
            if (m_sealedId != 0) {
                m_waiting.push_back(std::move(m));  // for the transaction after the commit
                continue;
            }
            produce(m.value, m.key, m.hasKey, m.timestampMs);
            m_epoch.push_back(std::move(m));
        }
        rd_kafka_poll(m_rk, 0);
        checkFailures();
        releaseDelivered();
    }

    void onMarker(const ProgressMarkerPtr& marker) override {
        if (m_txn && !m_checkpointing) {
            commitTransaction(0, true);  // rows before the marker are readable now
            return;
        }
        if (m_settledBelow == m_nextSeq) return;  // everything before it is in Kafka already
        marker->hold();
        m_heldMarkers.emplace_back(m_nextSeq, marker);
    }

    // The barrier closes the open transaction: it and the checkpoint hold the same messages
    // (onMarker() then holds the barrier until Kafka has all of them). The final state (id 0),
    // which the runtime takes when the sink finishes, maybe after a stop's barrier has sealed
    // the transaction, changes nothing: the messages after that barrier stay out of it (the
    // next run gets them again from the sources), and the state lists them after the sealed ones.
    void snapshotState(checkpoint::StateWriter& w) override {
        w.boolean(m_txn);
        if (!m_txn) return;
        const bool seal = w.checkpointId() > 0;
        if (seal) {
            m_checkpointing = true;
            for (KafkaMessage& m : m_waiting) {
                produce(m.value, m.key, m.hasKey, m.timestampMs);
                m_epoch.push_back(std::move(m));
            }
            m_waiting.clear();
            m_sealedId = w.checkpointId();
        }
        w.bytes(m_lineage);
        w.i64(m_sealedId);
        w.boolean(m_ended);
        w.u64(m_epoch.size() + (seal ? 0 : m_waiting.size()));
        for (const auto* list : {&m_epoch, &m_waiting}) {
            if (seal && list == &m_waiting) continue;
            for (const KafkaMessage& m : *list) {
                w.boolean(m.hasKey);
                w.bytes(m.key);
                w.bytes(m.value);
                w.i64(m.timestampMs);
            }
        }
    }

    Status restoreState(checkpoint::StateReader& r) override {
        if (!r.boolean()) return Status::ok();  // saved without transactions
        m_checkpointing = m_restored = true;
        m_lineage = r.bytes();
        m_savedId = r.i64();
        m_ended = r.boolean();
        for (uint64_t n = r.count(); n > 0 && r.ok(); --n) {
            KafkaMessage m;
            m.hasKey = r.boolean();
            m.key = r.bytes();
            m.value = r.bytes();
            m.timestampMs = r.i64();
            m_epoch.push_back(std::move(m));
        }
        return Status::ok();
    }

    void notifyCheckpointComplete(int64_t id) override {
        if (!m_txn || m_sealedId == 0 || id < m_sealedId) return;
        commitTransaction(m_sealedId, true);
        m_sealedId = 0;
        for (KafkaMessage& m : m_waiting) {
            produce(m.value, m.key, m.hasKey, m.timestampMs);
            m_epoch.push_back(std::move(m));
        }
        m_waiting.clear();
    }

    int64_t timerIntervalUs() const override { return 100'000; }

    void onTimer(TimeUs, Emitter&) override {
        if (!m_rk) return;
        rd_kafka_poll(m_rk, 0);  // delivery reports, statistics, errors
        checkFailures();
        releaseDelivered();
        if (m_txn && !m_checkpointing && m_uncommitted &&
            steadyClockMs() - m_lastCommitMs >= kCommitEveryMs)
            commitTransaction(0, true);
    }

    void finish(Emitter&) override {
        if (!m_rk) return;
        if (m_txn) {
            // Every source ended by itself: the rest commits now, marked so that a run restored
            // from an earlier checkpoint writes none of it again. A stop (or a failure) leaves
            // the open transaction to the checkpoint the stop takes (its barrier waits for the
            // messages below, and the runtime tells it before close()), or to the next run.
            const bool stopped =
                m_ctx.stopRequested && m_ctx.stopRequested->load(std::memory_order_relaxed);
            if (!m_checkpointing || !stopped) {
                for (KafkaMessage& m : m_waiting) produce(m.value, m.key, m.hasKey, m.timestampMs);
                m_waiting.clear();
                m_sealedId = 0;
                m_ended = m_checkpointing;
                commitTransaction(m_lastId, false);
            }
        }
        const int64_t start = steadyClockMs();
        while (rd_kafka_outq_len(m_rk) > 0 && steadyClockMs() - start < kFlushMs)
            rd_kafka_flush(m_rk, 100);
        rd_kafka_poll(m_rk, 0);
        checkFailures();
        releaseDelivered();
        const int left = rd_kafka_outq_len(m_rk);
        if (left > 0) {
            std::string why = m_watch.lastProblem();
            throw std::runtime_error(m_ctx.nodeLabel + ": " + std::to_string(left) +
                                     " messages were not delivered to `" +
                                     m_ctx.config.getString("topic") + "` within " +
                                     std::to_string(kFlushMs / 1000) + " s" +
                                     (why.empty() ? std::string() : " (" + why + ")"));
        }
    }

    void close() override {
        if (!m_rk) return;
        // Reached after finish() (nothing outstanding) or after a failure: drop what is left
        // rather than wait for brokers that may be gone. An open transaction is aborted (its
        // messages are in the checkpoint, or come again from the sources): readers do not wait
        // for it until it times out.
        if (m_txnOpen) {
            if (rd_kafka_error_t* e = rd_kafka_abort_transaction(m_rk, 5000))
                rd_kafka_error_destroy(e);
            m_txnOpen = false;
        }
        rd_kafka_purge(m_rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(m_rk, 0);
        if (m_topic) rd_kafka_topic_destroy(m_topic);
        m_topic = nullptr;
        rd_kafka_destroy(m_rk);
        m_rk = nullptr;
    }

private:
    // The handle's opaque (the link watch, see makeKafkaConf) leads back to the sink.
    struct SinkWatch : KafkaLinkWatch {
        SinkWatch(KafkaSink* s, NodeMetrics* metrics, std::string brokers)
            : KafkaLinkWatch(metrics, std::move(brokers)), sink(s) {}
        KafkaSink* sink;
    };

    // Served by rd_kafka_poll() on the sink's worker. A message's opaque is its sequence number.
    static void onDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
        if (!opaque) return;
        KafkaSink* self = static_cast<SinkWatch*>(static_cast<KafkaLinkWatch*>(opaque))->sink;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            self->settled(reinterpret_cast<uintptr_t>(m->_private));
            self->m_watch.up();
            return;
        }
        if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
            return;
        if (self->m_failed++ == 0) self->m_firstFailure = redactSecrets(rd_kafka_err2str(m->err));
        self->m_metrics->add(self->m_metrics->errors, 1);
    }

    void produce(std::string_view value, std::string_view key, bool hasKey, int64_t timestampMs) {
        for (;;) {
            const rd_kafka_resp_err_t err = rd_kafka_producev(
                m_rk, RD_KAFKA_V_RKT(m_topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                RD_KAFKA_V_KEY(hasKey ? key.data() : nullptr, hasKey ? key.size() : 0),
                RD_KAFKA_V_TIMESTAMP(timestampMs > 0 ? timestampMs : 0),
                RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(m_nextSeq))),
                RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                ++m_nextSeq;
                m_delivered.push_back(0);
                return;
            }
            if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL &&
                !(m_ctx.stopRequested && m_ctx.stopRequested->load(std::memory_order_relaxed))) {
                // librdkafka holds as many messages as it may: wait for deliveries (back-pressure
                // on the pipeline), a short step at a time so that Stop is never held up long.
                rd_kafka_poll(m_rk, kQueueFullWaitMs);
                checkFailures();
                continue;
            }
            if (m_failed++ == 0) m_firstFailure = rd_kafka_err2str(err);
            m_metrics->add(m_metrics->errors, 1);
            checkFailures();
            return;
        }
    }

    // A transactional call's error as text (and freed); empty when there was none.
    static std::string takeError(rd_kafka_error_t* e) {
        if (!e) return {};
        std::string text = redactSecrets(rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return text.empty() ? "failed" : text;
    }

    std::string markerGroup() const { return "riffle-txn-" + defaultTransactionalId(m_ctx.config); }

    // open(), exactly_once: fences an earlier producer with this transactional id (its open
    // transaction is aborted), writes a restored transaction again if it never committed, and
    // begins the first transaction.
    Status startTransactions() {
        const std::string tid = defaultTransactionalId(m_ctx.config);
        if (std::string e = takeError(rd_kafka_init_transactions(m_rk, kTxnTimeoutMs)); !e.empty())
            return Status::error("cannot start Kafka transactions with transactional id `" + tid +
                                 "`: " + e);
        if (m_lineage.empty()) {
            std::random_device random;
            char hex[17];
            std::snprintf(hex, sizeof hex, "%08x%08x", random(), random());
            m_lineage = hex;
        }
        if (m_restored) {
            auto marker = readMarker();
            if (!marker) return Status::error(marker.message());
            const auto& [offset, metadata] = marker.value();
            const bool mine = metadata.rfind(m_lineage, 0) == 0;
            if (m_ended || (mine && metadata.size() > m_lineage.size())) {
                m_discard = m_ended = true;  // the run restored here had ended: all is in
                m_epoch.clear();
            } else if (mine && offset >= m_savedId) {
                m_epoch.clear();  // its transaction committed before the crash
            } else if (!m_epoch.empty()) {
                if (std::string e = takeError(rd_kafka_begin_transaction(m_rk)); !e.empty())
                    return Status::error("cannot begin a Kafka transaction: " + e);
                m_txnOpen = true;
                for (const KafkaMessage& m : m_epoch)
                    produce(m.value, m.key, m.hasKey, m.timestampMs);
                commitTransaction(m_savedId, false);  // begun again below
            }
        }
        m_lastId = m_savedId;
        if (std::string e = takeError(rd_kafka_begin_transaction(m_rk)); !e.empty())
            return Status::error("cannot begin a Kafka transaction: " + e);
        m_txnOpen = true;
        m_lastCommitMs = steadyClockMs();
        return Status::ok();
    }

    // The checkpoint and lineage the marker group's last committed transaction carried
    // (offset -1 when it has none).
    Result<std::pair<int64_t, std::string>> readMarker() {
        using R = Result<std::pair<int64_t, std::string>>;
        auto conf = makeKafkaConf(m_ctx.config, &m_watch);
        if (!conf) return R::error(conf.message());
        for (const auto& [name, value] :
             {std::pair<std::string, std::string>{"group.id", markerGroup()},
              {"enable.auto.commit", "false"}})
            if (Status s = setKafkaProperty(conf.value().get(), name, value); !s)
                return R::error(s.message());
        char err[512] = {0};
        rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.value().get(), err, sizeof err);
        if (!rk) return R::error(std::string("cannot create a Kafka consumer: ") + err);
        conf.value().release();
        rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(list, m_ctx.config.getString("topic").c_str(), 0);
        const rd_kafka_resp_err_t e = rd_kafka_committed(rk, list, kTxnTimeoutMs);
        std::pair<int64_t, std::string> out{-1, {}};
        const rd_kafka_topic_partition_t& p = list->elems[0];
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR && p.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            out.first = p.offset >= 0 ? p.offset : -1;
            if (p.metadata)
                out.second.assign(static_cast<const char*>(p.metadata), p.metadata_size);
        }
        const rd_kafka_resp_err_t why = e != RD_KAFKA_RESP_ERR_NO_ERROR ? e : p.err;
        rd_kafka_topic_partition_list_destroy(list);
        rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
        if (why != RD_KAFKA_RESP_ERR_NO_ERROR)
            return R::error("cannot read which transaction of `" + markerGroup() +
                            "` committed last: " + rd_kafka_err2str(why));
        return R(std::move(out));
    }

    // Commits the open transaction with the marker `checkpointId` (and "ended" once every
    // source ended), then begins the next one with `beginNext`. A failure fails the run: the
    // next run goes back to the last checkpoint, whose messages are written again if this commit
    // did not happen.
    void commitTransaction(int64_t checkpointId, bool beginNext) {
        if (!m_txnOpen) return;
        std::string why;
        if (m_checkpointing) {
            rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_add(
                offsets, m_ctx.config.getString("topic").c_str(), 0);
            p->offset = checkpointId;
            const std::string meta = m_lineage + (m_ended ? "/ended" : "");
            p->metadata = std::malloc(meta.size());  // freed with the list
            std::memcpy(p->metadata, meta.data(), meta.size());
            p->metadata_size = meta.size();
            rd_kafka_consumer_group_metadata_t* group =
                rd_kafka_consumer_group_metadata_new(markerGroup().c_str());
            why = takeError(
                rd_kafka_send_offsets_to_transaction(m_rk, offsets, group, kTxnTimeoutMs));
            rd_kafka_consumer_group_metadata_destroy(group);
            rd_kafka_topic_partition_list_destroy(offsets);
        }
        if (why.empty()) why = takeError(rd_kafka_commit_transaction(m_rk, kTxnTimeoutMs));
        if (!why.empty())
            throw std::runtime_error(m_ctx.nodeLabel + ": cannot commit the Kafka transaction" +
                                     (checkpointId > 0
                                          ? " of checkpoint " + std::to_string(checkpointId)
                                          : std::string()) +
                                     ": " + why);
        m_txnOpen = false;
        m_uncommitted = false;
        m_lastCommitMs = steadyClockMs();
        if (checkpointId > m_lastId) m_lastId = checkpointId;
        m_epoch.clear();
        rd_kafka_poll(m_rk, 0);
        releaseDelivered();
        if (!beginNext) return;
        if (std::string e = takeError(rd_kafka_begin_transaction(m_rk)); !e.empty())
            throw std::runtime_error(m_ctx.nodeLabel + ": cannot begin a Kafka transaction: " + e);
        m_txnOpen = true;
    }

    // Message `seq` is in Kafka; advances the point below which every message is.
    void settled(uint64_t seq) {
        if (seq < m_settledBelow || seq >= m_nextSeq) return;
        m_delivered[seq - m_settledBelow] = 1;
        while (!m_delivered.empty() && m_delivered.front()) {
            m_delivered.pop_front();
            ++m_settledBelow;
        }
    }

    // Releases the markers whose messages before them are all in Kafka.
    void releaseDelivered() {
        while (!m_heldMarkers.empty() && m_heldMarkers.front().first <= m_settledBelow) {
            ProgressMarkerPtr marker = std::move(m_heldMarkers.front().second);
            m_heldMarkers.pop_front();
            marker->release();
        }
    }

    void checkFailures() {
        char fatal[512] = {0};
        if (m_rk && rd_kafka_fatal_error(m_rk, fatal, sizeof fatal) != RD_KAFKA_RESP_ERR_NO_ERROR)
            throw std::runtime_error(m_ctx.nodeLabel +
                                     ": the Kafka producer failed: " + redactSecrets(fatal));
        if (m_failed == 0) return;
        throw std::runtime_error(m_ctx.nodeLabel + ": Kafka did not accept " +
                                 std::to_string(m_failed) +
                                 (m_failed == 1 ? " message" : " messages") + " for topic `" +
                                 m_ctx.config.getString("topic") + "`: " + m_firstFailure);
    }

    bool checkUtf8(const Batch& in, size_t row, ErrorRows& errors) {
        for (size_t c : m_stringColumns) {
            if (in.column(c).isNull(row)) continue;
            const size_t bad = findInvalidUtf8(in.column(c).strings()[row]);
            if (bad == std::string_view::npos) continue;
            errors.add(in, row,
                       "field `" + in.schema().field(c).name + "` is not valid UTF-8 (byte " +
                           std::to_string(bad + 1) + ")");
            return false;
        }
        return true;
    }

    OperatorContext m_ctx;
    NodeMetrics m_fallbackMetrics;
    NodeMetrics* m_metrics;
    SinkWatch m_watch;
    const bool m_csv;
    const bool m_txn;  // delivery: exactly_once
    rd_kafka_t* m_rk = nullptr;
    rd_kafka_topic_t* m_topic = nullptr;
    expr::ExpressionPtr m_key;
    Column m_keyColumn;
    StringArena m_keyArena;
    std::vector<size_t> m_stringColumns;
    std::string m_payload, m_keyText;
    int64_t m_failed = 0;  // messages Kafka did not take
    // Delivery order per message (seq from 0): m_delivered[i] is message m_settledBelow + i.
    uint64_t m_nextSeq = 0;
    uint64_t m_settledBelow = 0;
    std::deque<uint8_t> m_delivered;
    std::deque<std::pair<uint64_t, ProgressMarkerPtr>>
        m_heldMarkers;  // (messages before it, marker)
    std::string m_firstFailure;
    // exactly_once (see the top of the file).
    bool m_checkpointing = false;  // this run takes checkpoints (or continues one)
    bool m_restored = false;       // restoreState() ran
    bool m_txnOpen = false;
    bool m_uncommitted = false;  // without checkpoints: produced since the last commit
    bool m_discard = false;      // restored after the run had ended: everything is in Kafka
    bool m_ended = false;
    std::string m_lineage;   // random per fresh start, kept through restores: whose marker it is
    int64_t m_sealedId = 0;  // the checkpoint the open transaction waits for (0: none)
    int64_t m_savedId = 0;   // restored: the checkpoint the saved messages belong to
    int64_t m_lastId = 0;    // the newest checkpoint committed (or restored)
    int64_t m_lastCommitMs = 0;
    std::vector<KafkaMessage> m_epoch;    // in the open transaction
    std::vector<KafkaMessage> m_waiting;  // after the barrier, until the commit
};

}  // namespace

void registerKafkaSink(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "sink.kafka";
    spec.tags = {"Kafka"};
    spec.displayName = "Kafka";
    spec.category = "sink";
    spec.description =
        "Writes every event as a Kafka message (JSON or CSV) with an idempotent producer; the key "
        "is an expression, the Kafka timestamp is `_time`. A message Kafka does not accept fails "
        "the run. At-least-once by default; `delivery: exactly_once` writes in transactions "
        "committed with each checkpoint, so a reader with isolation.level=read_committed sees "
        "each event once even across crashes.";
    spec.inputs = {{"in", "Events to write"}};
    spec.isSink = true;
    spec.state = {{"transaction", 1}};

    std::vector<ParamSpec> params = kafkaConnectionParams("Kafka");
    params.insert(
        params.begin() + 1,
        {
            param("topic", ParamType::String, "The topic to write to").mandatory().inGroup("Kafka"),
            param("key", ParamType::Expression,
                  "The message key, an expression over the event (e.g. user_id); empty: no key")
                .byDefault("")
                .inGroup("Kafka")
                .as(ParamRole::Expression, 0),
            param("format", ParamType::Choice,
                  "json: one object per message, `_time` included; csv: one record, fields in "
                  "input order")
                .byDefault("json")
                .oneOf({"json", "csv"})
                .inGroup("Kafka"),
            param("delivery_timeout", ParamType::Duration,
                  "How long librdkafka retries a message while brokers are away before the run "
                  "fails")
                .byDefault("5m")
                .durationRange("1s", "24h")
                .inGroup("Kafka"),
            param("delivery", ParamType::Choice,
                  "at_least_once: a crash may write messages again; exactly_once: Kafka "
                  "transactions committed when each checkpoint is durable (readers see messages "
                  "that late, and the checkpoint keeps the messages of one interval); without "
                  "checkpoints a transaction commits every second, at-least-once")
                .byDefault("at_least_once")
                .oneOf({"at_least_once", "exactly_once"})
                .inGroup("Delivery"),
            param("transactional_id", ParamType::String,
                  "exactly_once: the producer's transactional id, unique among the writers of "
                  "the cluster; empty: riffle-TOPIC-NODE")
                .byDefault("")
                .inGroup("Delivery"),
            param("transaction_timeout", ParamType::Duration,
                  "exactly_once: how long Kafka keeps a transaction of a crashed run open before "
                  "it aborts it; longer than the checkpoint interval, at most the broker's "
                  "transaction.max.timeout.ms")
                .byDefault("15m")
                .durationRange("1s", "24h")
                .inGroup("Delivery"),
        });
    for (auto& p : params) spec.params.push_back(std::move(p));
    spec.schemaRule = [](const NodeConfig& config,
                         const SchemaInputs& in) -> Result<std::vector<SchemaPtr>> {
        using R = Result<std::vector<SchemaPtr>>;
        if (in.schemas.empty() || !in.schemas[0]) return R(std::vector<SchemaPtr>{});
        auto k = compileKey(config, *in.schemas[0]);
        if (!k) return R::error(k.message());
        return R(std::vector<SchemaPtr>{});
    };
    spec.createOperator = [](const OperatorContext& ctx) {
        return std::make_unique<KafkaSink>(ctx);
    };
    spec.exportFlink = [](const FlinkExportContext& ctx) -> Result<FlinkExportPart> {
        using R = Result<FlinkExportPart>;
        const NodeConfig& c = ctx.config;
        std::vector<std::string> notes;
        auto options = kafkaFlinkOptions(c, notes);
        if (!options) return R::error(options.message());
        std::string with = *options, keyColumn, keySelect;
        const std::string format = c.getString("format") == "csv" ? "'csv'" : "'json'";
        const std::string key = c.getString("key");
        if (key.empty()) {
            with += "  'format' = " + format;
        } else {
            // Flink's key is a column of the table, written raw and left out of the value.
            keyColumn = "`_kafka_key` STRING";
            auto keySql = flink::expression(key);
            if (!keySql) return R::error("`key`: " + keySql.message());
            keySelect = "CAST(" + *keySql + " AS STRING) AS `_kafka_key`";
            with += "  'key.format' = 'raw',\n  'key.fields' = '_kafka_key',\n  'value.format' = " +
                    format + ",\n  'value.fields-include' = 'EXCEPT_KEY'";
        }
        if (c.getString("delivery") == "exactly_once")
            with +=
                ",\n  'sink.delivery-guarantee' = 'exactly-once',\n  "
                "'sink.transactional-id-prefix' = '" +
                defaultTransactionalId(c) + "'";
        FlinkExportPart part = flink::sinkTable(ctx, with, keyColumn, keySelect);
        if (c.getString("delivery") == "exactly_once")
            notes.push_back(
                "Flink commits the transactions at its own checkpoints: run the job with "
                "execution.checkpointing.interval set, or nothing becomes readable");
        part.notes.insert(part.notes.begin(), notes.begin(), notes.end());
        part.notes.push_back(
            "times are written as yyyy-MM-dd HH:mm:ss.SSS (Riffle: ISO-8601 with "
            "a Z)");
        return part;
    };
    registry.add(std::move(spec));
}

}  // namespace riffle
