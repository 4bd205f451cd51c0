#pragma once
// What every message connector (Kafka, MQTT, TCP, UDP, WebSocket) shares: the `format`,
// `schema` and message-size parameters, the output schema, and turning one message into one row.
//
// Output schema of a message source: `_time`, then the message's fields - the declared `schema`
// for `json` and `csv`, or one `value string` for `raw` - then the fields the connector adds
// about the message (its MetaField list: Kafka's key, topic, partition, offset and timestamp,
// MQTT's topic, a TCP/UDP sender's address).
//
// Schema drift (docs/connectors.md): a declared field missing from a message is NULL, a
// key the schema does not declare is ignored, a value of the wrong type sends the whole message
// to `errors` with the field named. JSON is parsed with simdjson (which also checks UTF-8); a CSV
// message is one RFC 4180 record whose fields are the schema's, in order.
//
// Threading: a MessageDecoder belongs to one caller at a time; the rest is pure.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/batch.h"
#include "engine/core/status.h"
#include "engine/core/time_format.h"
#include "engine/graph/node_spec.h"
#include "nodes/common/file_values.h"

namespace riffle {

enum class MessageFormat { Json, Csv, Raw };
std::optional<MessageFormat> messageFormatFromName(std::string_view name);

// A field a connector adds after the message's own fields.
enum class MetaField { Key, Topic, Partition, Offset, Timestamp, Peer };
Field metaFieldDeclaration(MetaField f);  // {"key", String}, {"partition", Int}, ...

// What a transport knows about one message besides its bytes; unset parts are NULL in the row.
struct MessageMeta {
    std::string_view key, topic, peer;
    bool hasKey = false;
    int64_t partition = -1, offset = -1;  // -1: unset
    TimeUs timestamp = kMinTime;          // kMinTime: unset
};

// `format`, `schema`, `max_message_bytes`; `formatDefault` is "json" for most connectors.
std::vector<ParamSpec> messageFormatParams(const std::string& group);

// The schema rule of a message source with these added fields.
Result<std::vector<SchemaPtr>> messageSourceSchema(const NodeConfig& config,
                                                   const std::vector<MetaField>& meta);

class MessageDecoder {
public:
    // `schema` is the source's output schema (messageSourceSchema); `config` gives format,
    // time_field and time_format. Fails only for a configuration the schema rule accepted but
    // that cannot run (which should not happen) - the message names the parameter.
    static Result<std::unique_ptr<MessageDecoder>> create(const NodeConfig& config,
                                                          SchemaPtr schema,
                                                          std::vector<MetaField> meta);
    ~MessageDecoder();

    // Appends one row to `out` for `payload`, with event time from `time_field` (a message field
    // or an added one such as Kafka's `timestamp`) or `arrivalUs` when there is none. On failure
    // `out` is untouched and the reason is returned ("field `clicks`: expected int, got
    // `many`").
    std::string decode(std::string_view payload, const MessageMeta& meta, TimeUs arrivalUs,
                       Batch& out);
    size_t maxMessageBytes() const { return m_maxBytes; }

private:
    MessageDecoder() = default;
    std::string decodeJson(std::string_view payload);
    std::string decodeCsv(std::string_view payload);
    std::string fillMeta(const MessageMeta& meta);

    struct Impl;
    std::unique_ptr<Impl> m_impl;
    SchemaPtr m_schema;
    MessageFormat m_format = MessageFormat::Json;
    TimeFormat m_timeFormat = TimeFormat::Auto;
    size_t m_maxBytes = 0;
    size_t m_payloadEnd = 1;  // schema fields [1, m_payloadEnd) come from the message
    std::vector<MetaField> m_meta;
    int m_timeIndex = -1;  // schema index of time_field, -1 for processing time
    std::vector<Cell> m_cells;
    std::vector<std::string> m_storage;  // texts a cell points to (JSON values shown as text)
};

}  // namespace riffle
