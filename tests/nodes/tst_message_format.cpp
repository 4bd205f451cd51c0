// What every message connector shares: the output schema of a message source, decoding JSON,
// CSV and raw messages into rows (schema drift, malformed messages), and the bounded queue
// between a network thread and the pipeline with its overload policies.
#include <QtTest/QtTest>

#include <thread>

#include "engine/core/batch.h"
#include "engine/core/time_format.h"
#include "nodes/connectors/message_format.h"
#include "nodes/connectors/message_queue.h"

using namespace riffle;

namespace {

NodeConfig config(const std::string& format, std::vector<std::string> schema,
                  const std::string& timeField = "", const std::string& timeFormat = "auto") {
    Json p = {{"format", format},
              {"schema", schema},
              {"time_field", timeField},
              {"time_format", timeFormat},
              {"max_message_bytes", 1024}};
    return NodeConfig("in", "source.test", p);
}

struct Decoded {
    SchemaPtr schema;
    std::unique_ptr<MessageDecoder> decoder;
    BatchPtr batch;
};

Decoded decoderFor(const NodeConfig& c, std::vector<MetaField> meta) {
    auto schemas = messageSourceSchema(c, meta);
    if (!schemas) qFatal("schema: %s", schemas.message().c_str());
    Decoded d;
    d.schema = schemas.value()[0];
    auto dec = MessageDecoder::create(c, d.schema, meta);
    if (!dec) qFatal("decoder: %s", dec.message().c_str());
    d.decoder = std::move(dec.value());
    static auto pool = BatchPool::create();
    d.batch = pool->acquire(d.schema);
    return d;
}

std::string cell(const Decoded& d, size_t row, const std::string& field) {
    return d.batch->get(row, static_cast<size_t>(d.schema->indexOf(field))).toString();
}

MessageBlock blockOf(int first, int count) {
    MessageBlock b;
    for (int i = first; i < first + count; ++i) b.add(std::to_string(i), MessageMeta{}, 0);
    return b;
}

std::vector<std::string> drain(MessageQueue& q) {
    std::vector<std::string> out;
    MessageBlock b;
    while (q.pop(b)) {
        for (size_t i = 0; i < b.size(); ++i) out.emplace_back(b.payload(i));
        b.clear();
    }
    return out;
}

}  // namespace

class TestMessageFormat : public QObject {
    Q_OBJECT

private slots:
    void schemaOfAMessageSource() {
        auto s = messageSourceSchema(config("json", {"page string", "n int"}),
                                     {MetaField::Key, MetaField::Topic, MetaField::Partition,
                                      MetaField::Offset, MetaField::Timestamp});
        QVERIFY(s);
        QCOMPARE(s.value()[0]->toString(), Schema::stream({{"page", Type::String},
                                                           {"n", Type::Int},
                                                           {"key", Type::String},
                                                           {"topic", Type::String},
                                                           {"partition", Type::Int},
                                                           {"offset", Type::Int},
                                                           {"timestamp", Type::Time}})
                                               .toString());
        auto raw = messageSourceSchema(config("raw", {}), {MetaField::Peer});
        QCOMPARE(raw.value()[0]->toString(),
                 Schema::stream({{"value", Type::String}, {"peer", Type::String}}).toString());
    }

    void schemaProblemsNameTheParameter() {
        QCOMPARE(
            messageSourceSchema(config("json", {}), {}).message(),
            std::string(
                "`schema` is empty: Run fills it in from the first messages, or declare the fields "
                "as \"name type\", e.g. [\"page string\", \"latency_ms int\"]"));
        QCOMPARE(
            messageSourceSchema(config("csv", {}), {}).message(),
            std::string(
                "`schema` is empty: declare the columns of the messages as \"name type\", e.g. "
                "[\"page string\", \"latency_ms int\"], or read them whole with format raw"));
        QCOMPARE(
            messageSourceSchema(config("json", {"topic string"}), {MetaField::Topic}).message(),
            std::string(
                "the field `topic` in `schema` clashes with the `topic` field this source adds; "
                "rename it"));
        QCOMPARE(messageSourceSchema(config("json", {"page string"}, "ts"), {}).message(),
                 std::string("`time_field` `ts` is not a field of the messages (fields: page)"));
        // Kafka's own timestamp may be the event time.
        QVERIFY(messageSourceSchema(config("json", {"page string"}, "timestamp"),
                                    {MetaField::Timestamp}));
    }

    void jsonWithSchemaDrift() {
        Decoded d = decoderFor(
            config("json", {"page string", "n int", "x float", "ok bool", "at time"}), {});
        // Missing fields are NULL, unknown keys are ignored, keys may come in any order, a nested
        // value is kept as its JSON text in a string field.
        QCOMPARE(d.decoder->decode(R"({"n": 3, "page": "/a", "extra": [1,2], "x": 2})", {}, 1000,
                                   *d.batch),
                 std::string());
        QCOMPARE(
            d.decoder->decode(R"({"page": {"id": 7}, "ok": true, "at": "2026-11-24T10:00:00Z"})",
                              {}, 2000, *d.batch),
            std::string());
        QCOMPARE(d.batch->rows(), size_t(2));
        QCOMPARE(cell(d, 0, "page"), std::string("/a"));
        QCOMPARE(cell(d, 0, "n"), std::string("3"));
        QCOMPARE(d.batch->get(0, 3).f, 2.0);  // an integer is a valid float
        QCOMPARE(cell(d, 0, "ok"), std::string("NULL"));
        QCOMPARE(cell(d, 1, "page"), std::string(R"({"id":7})"));
        QCOMPARE(cell(d, 1, "at"), std::string("2026-11-24T10:00:00.000Z"));
        // Without time_field, the event time is the arrival time.
        QCOMPARE(d.batch->get(0, 0).i, int64_t(1000));
    }

    void malformedJsonIsRefusedWithTheReason() {
        Decoded d = decoderFor(config("json", {"page string", "n int"}), {});
        QCOMPARE(d.decoder->decode(R"({"page": "/a", "n": )", {}, 0, *d.batch)
                     .rfind("not valid JSON", 0),
                 size_t(0));
        QCOMPARE(d.decoder->decode("{\"page\": \"\xff\xfe\"}", {}, 0, *d.batch),
                 std::string("not valid UTF-8"));
        QCOMPARE(d.decoder->decode(R"({"page": "/a", "n": "many"})", {}, 0, *d.batch),
                 std::string("field `n`: expected int, got `\"many\"`"));
        QCOMPARE(d.decoder->decode(R"({"n": 2.5})", {}, 0, *d.batch),
                 std::string("field `n`: expected int, got `2.5`"));
        QCOMPARE(d.decoder->decode("[1, 2]", {}, 0, *d.batch),
                 std::string("expected a JSON object, got an array"));
        QCOMPARE(d.decoder->decode("", {}, 0, *d.batch), std::string("an empty message"));
        QCOMPARE(d.decoder->decode(std::string(2000, ' '), {}, 0, *d.batch),
                 std::string("the message has 2000 bytes, more than `max_message_bytes` (1 KiB)"));
        QCOMPARE(d.batch->rows(), size_t(0));  // nothing half-written
        QCOMPARE(d.decoder->decode(R"({"page": "/ok", "n": 1})", {}, 0, *d.batch), std::string());
        QCOMPARE(d.batch->rows(), size_t(1));
    }

    void eventTimeFromAFieldOrTheMessage() {
        Decoded d = decoderFor(config("json", {"page string", "ts int"}, "ts", "epoch_ms"), {});
        QCOMPARE(d.decoder->decode(R"({"page": "/a", "ts": 1795514400000})", {}, 5, *d.batch),
                 std::string());
        QCOMPARE(d.batch->get(0, 0).i, int64_t(1795514400000000));
        QCOMPARE(d.decoder->decode(R"({"page": "/a"})", {}, 5, *d.batch),
                 std::string("the time field `ts` is missing"));

        Decoded k = decoderFor(config("json", {"page string"}, "timestamp"),
                               {MetaField::Key, MetaField::Timestamp});
        MessageMeta meta;
        meta.key = "user-7";
        meta.hasKey = true;
        meta.timestamp = 1795514400123000;
        QCOMPARE(k.decoder->decode(R"({"page": "/b"})", meta, 5, *k.batch), std::string());
        QCOMPARE(k.batch->get(0, 0).i, int64_t(1795514400123000));
        QCOMPARE(cell(k, 0, "key"), std::string("user-7"));
        meta.hasKey = false;
        QCOMPARE(k.decoder->decode(R"({"page": "/c"})", meta, 5, *k.batch), std::string());
        QCOMPARE(cell(k, 1, "key"), std::string("NULL"));
    }

    void csvMessagesWithQuotes() {
        Decoded d = decoderFor(config("csv", {"page string", "n int", "note string"}), {});
        QCOMPARE(d.decoder->decode("/a,3,\"hello, \"\"world\"\"\"\r\n", {}, 0, *d.batch),
                 std::string());
        QCOMPARE(d.decoder->decode("/b,,\"\"", {}, 0, *d.batch), std::string());
        QCOMPARE(cell(d, 0, "note"), std::string("hello, \"world\""));
        QCOMPARE(cell(d, 1, "n"), std::string("NULL"));
        QCOMPARE(cell(d, 1, "note"), std::string(""));
        QCOMPARE(d.decoder->decode("/c,1", {}, 0, *d.batch),
                 std::string("expected 3 fields, got 2"));
        QCOMPARE(d.decoder->decode("/c,x,y", {}, 0, *d.batch),
                 std::string("field `n`: expected int, got `x`"));
        QCOMPARE(d.decoder->decode("/c,1,\"open", {}, 0, *d.batch),
                 std::string("a quoted field is not closed"));
        QCOMPARE(d.batch->rows(), size_t(2));
    }

    void rawMessages() {
        Decoded d = decoderFor(config("raw", {}), {MetaField::Topic});
        MessageMeta meta;
        meta.topic = "sensors/7/temp";
        QCOMPARE(d.decoder->decode("21.5", meta, 0, *d.batch), std::string());
        QCOMPARE(cell(d, 0, "value"), std::string("21.5"));
        QCOMPARE(cell(d, 0, "topic"), std::string("sensors/7/temp"));
        QCOMPARE(d.decoder->decode("\xc3\x28", meta, 0, *d.batch),
                 std::string("not valid UTF-8 (byte 1)"));
    }

    void queueDropOldestKeepsTheNewest() {
        NodeMetrics m;
        MessageQueue q(10, OverloadPolicy::DropOldest, &m);
        for (int i = 0; i < 5; ++i) {
            MessageBlock b = blockOf(i * 4, 4);
            QVERIFY(q.push(b));
        }
        // 20 messages into room for 10: the three oldest blocks (12 messages) made room.
        QCOMPARE(NodeMetrics::get(m.dropped), int64_t(12));
        const auto left = drain(q);
        QCOMPARE(left.size(), size_t(8));
        QCOMPARE(left.front(), std::string("12"));
        QCOMPARE(left.back(), std::string("19"));
    }

    void queueDropNewestKeepsTheOldest() {
        NodeMetrics m;
        MessageQueue q(10, OverloadPolicy::DropNewest, &m);
        for (int i = 0; i < 5; ++i) {
            MessageBlock b = blockOf(i * 4, 4);
            QVERIFY(q.push(b));
        }
        QCOMPARE(NodeMetrics::get(m.dropped), int64_t(12));
        const auto left = drain(q);
        QCOMPARE(left.size(), size_t(8));
        QCOMPARE(left.front(), std::string("0"));
        QCOMPARE(left.back(), std::string("7"));
    }

    void queueBlockWaitsAndLosesNothing() {
        NodeMetrics m;
        MessageQueue q(8, OverloadPolicy::Block, &m);
        std::thread producer([&] {
            for (int i = 0; i < 250; ++i) {
                MessageBlock b = blockOf(i * 4, 4);
                if (!q.push(b)) return;
            }
        });
        std::vector<std::string> got;
        while (got.size() < 1000) {
            auto some = drain(q);
            got.insert(got.end(), some.begin(), some.end());
            std::this_thread::yield();
        }
        producer.join();
        QCOMPARE(NodeMetrics::get(m.dropped), int64_t(0));
        for (int i = 0; i < 1000; ++i) QCOMPARE(got[static_cast<size_t>(i)], std::to_string(i));
    }

    void stopWakesABlockedProducer() {
        MessageQueue q(4, OverloadPolicy::Block, nullptr);
        MessageBlock first = blockOf(0, 4);
        QVERIFY(q.push(first));
        bool pushed = true;
        std::thread producer([&] {
            MessageBlock b = blockOf(4, 4);
            pushed = q.push(b);  // waits: the queue is full
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        q.stop();
        producer.join();
        QVERIFY(!pushed);
    }
};

QTEST_GUILESS_MAIN(TestMessageFormat)
#include "tst_message_format.moc"
