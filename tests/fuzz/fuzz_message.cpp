// One message of a message connector (Kafka, MQTT, TCP, UDP, WebSocket) in every format: json,
// csv and raw, with and without a time field. Any payload becomes one row or a reason, and a
// reason leaves the batch as it was.
#include "engine/graph/node_instance.h"
#include "nodes/connectors/message_format.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

using namespace riffle;

struct Decoder {
    SchemaPtr schema;
    std::unique_ptr<MessageDecoder> decoder;
};

Decoder makeDecoder(const Json& params, const std::vector<MetaField>& meta) {
    NodeSpec spec;
    spec.typeId = "source.fuzz";
    spec.params = messageFormatParams("Format");
    spec.params.push_back(
        param("time_field", ParamType::String, "the event time's field").byDefault(""));
    spec.params.push_back(
        param("time_format", ParamType::String, "how it is written").byDefault("auto"));
    std::vector<std::string> problems;
    const NodeConfig config = makeConfig(spec, "m", params, {}, problems);
    FUZZ_CHECK(problems.empty(), "the decoder's parameters are valid");
    auto schemas = messageSourceSchema(config, meta);
    FUZZ_CHECK(schemas.isOk(), "the decoder's schema is valid");
    auto decoder = MessageDecoder::create(config, schemas->front(), meta);
    FUZZ_CHECK(decoder.isOk(), "the decoder is created");
    return {schemas->front(), std::move(decoder.value())};
}

std::vector<Decoder>& decoders() {
    static std::vector<Decoder> all = [] {
        const Json schema = {"page string", "n int",   "x float",
                             "ok bool",     "ts time", "tags string"};
        std::vector<Decoder> d;
        d.push_back(makeDecoder({{"format", "json"}, {"schema", schema}},
                                {MetaField::Key, MetaField::Topic}));
        d.push_back(
            makeDecoder({{"format", "json"}, {"schema", schema}, {"time_field", "ts"}}, {}));
        d.push_back(makeDecoder({{"format", "json"},
                                 {"schema", schema},
                                 {"time_field", "n"},
                                 {"time_format", "epoch_ms"}},
                                {}));
        d.push_back(makeDecoder({{"format", "csv"}, {"schema", schema}, {"time_field", "ts"}},
                                {MetaField::Peer}));
        d.push_back(makeDecoder({{"format", "raw"}}, {MetaField::Timestamp, MetaField::Partition}));
        return d;
    }();
    return all;
}

}  // namespace

RIFFLE_FUZZ_TARGET(message) {
    MessageMeta meta;
    meta.key = input.substr(0, 3);
    meta.hasKey = true;
    meta.topic = "t";
    meta.timestamp = 1'764'000'000'000'000;
    for (Decoder& d : decoders()) {
        Batch out;
        out.reset(d.schema);
        const std::string why = d.decoder->decode(input, meta, 42, out);
        FUZZ_CHECK(out.rows() == (why.empty() ? 1u : 0u), "a message is one row or a reason");
    }
}
