#include "nodes/connectors/message_format.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "engine/core/utf8.h"
#include "nodes/common/file_format.h"
#include "nodes/common/line_reader.h"

namespace riffle {

namespace {

constexpr int64_t kDefaultMaxMessageBytes = 1024 * 1024;

std::string shortText(std::string_view text) {
    std::string s(text.substr(0, 40));
    if (text.size() > 40) s += "...";
    return "`" + s + "`";
}

// One CSV record (RFC 4180) split into fields; unquoted content is a view into `record`,
// quoted content (with "" turned into ") goes to `scratch`. Returns the reason on failure.
std::string splitCsvRecord(std::string_view record, std::vector<CsvField>& fields,
                           std::string& scratch) {
    fields.clear();
    scratch.clear();
    scratch.reserve(record.size());
    if (!record.empty() && record.back() == '\n') record.remove_suffix(1);
    if (!record.empty() && record.back() == '\r') record.remove_suffix(1);
    struct Span {
        size_t start, size;
        bool quoted;
    };
    std::vector<Span> spans;
    size_t i = 0;
    for (;;) {
        if (i < record.size() && record[i] == '"') {
            const size_t start = scratch.size();
            ++i;
            for (;;) {
                if (i >= record.size()) return "a quoted field is not closed";
                if (record[i] == '"') {
                    if (i + 1 < record.size() && record[i + 1] == '"') {
                        scratch += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                scratch += record[i++];
            }
            spans.push_back({start, scratch.size() - start, true});
            if (i < record.size() && record[i] != ',') return "text after a closing quote";
        } else {
            const size_t end = std::min(record.find(',', i), record.size());
            const std::string_view text = record.substr(i, end - i);
            if (text.find('"') != std::string_view::npos) return "a quote inside an unquoted field";
            const size_t start = scratch.size();
            scratch.append(text);
            spans.push_back({start, text.size(), false});
            i = end;
        }
        if (i >= record.size()) break;
        ++i;  // the comma
    }
    for (const Span& s : spans)
        fields.push_back({std::string_view(scratch).substr(s.start, s.size), s.quoted});
    return {};
}

}  // namespace

std::optional<MessageFormat> messageFormatFromName(std::string_view name) {
    if (name == "json") return MessageFormat::Json;
    if (name == "csv") return MessageFormat::Csv;
    if (name == "raw") return MessageFormat::Raw;
    return std::nullopt;
}

Field metaFieldDeclaration(MetaField f) {
    switch (f) {
        case MetaField::Key:
            return {"key", Type::String};
        case MetaField::Topic:
            return {"topic", Type::String};
        case MetaField::Partition:
            return {"partition", Type::Int};
        case MetaField::Offset:
            return {"offset", Type::Int};
        case MetaField::Timestamp:
            return {"timestamp", Type::Time};
        case MetaField::Peer:
            return {"peer", Type::String};
    }
    return {"key", Type::String};
}

std::vector<ParamSpec> messageFormatParams(const std::string& group) {
    return {
        param("format", ParamType::Choice,
              "json: one object per message; csv: one record per message, fields in `schema` "
              "order; raw: the message as one `value` string")
            .byDefault("json")
            .oneOf({"json", "csv", "raw"})
            .inGroup(group),
        param("schema", ParamType::StringList,
              "The message's fields as \"name type\" (e.g. \"page string\", \"latency_ms int\"); "
              "needed for json and csv. A missing field is NULL, an unknown one is ignored")
            .byDefault(Json::array())
            .inGroup(group)
            .as(ParamRole::Schema),
        param("max_message_bytes", ParamType::Int,
              "A longer message goes to `errors` and is skipped")
            .byDefault(kDefaultMaxMessageBytes)
            .inUnit("bytes")
            .range(16, 1024.0 * 1024 * 1024)
            .inGroup(group),
    };
}

Result<std::vector<SchemaPtr>> messageSourceSchema(const NodeConfig& config,
                                                   const std::vector<MetaField>& meta) {
    using R = Result<std::vector<SchemaPtr>>;
    const auto format = messageFormatFromName(config.getString("format"));
    if (!format) return R::error("`format` must be json, csv or raw");
    std::vector<Field> fields;
    if (*format == MessageFormat::Raw) {
        fields.push_back({"value", Type::String});
    } else {
        const auto declared = config.getStringList("schema");
        if (declared.empty() && *format == MessageFormat::Json)
            return R::error(
                "`schema` is empty: Run fills it in from the first messages, or declare the fields "
                "as "
                "\"name type\", e.g. [\"page string\", \"latency_ms int\"]");
        if (declared.empty())
            return R::error(
                "`schema` is empty: declare the columns of the messages as \"name type\", e.g. "
                "[\"page string\", \"latency_ms int\"], or read them whole with format raw");
        auto parsed = parseSchemaList(declared);
        if (!parsed) return R::error(parsed.message());
        fields = std::move(parsed.value());
    }
    for (MetaField m : meta) {
        Field f = metaFieldDeclaration(m);
        if (std::any_of(fields.begin(), fields.end(),
                        [&](const Field& x) { return x.name == f.name; }))
            return R::error("the field `" + f.name + "` in `schema` clashes with the `" + f.name +
                            "` field this source adds; rename it");
        fields.push_back(f);
    }
    const std::string tf = config.getString("time_field");
    if (!tf.empty()) {
        auto it = std::find_if(fields.begin(), fields.end(),
                               [&](const Field& f) { return f.name == tf; });
        if (it == fields.end()) {
            std::string list;
            for (const auto& f : fields) list += (list.empty() ? "" : ", ") + f.name;
            return R::error("`time_field` `" + tf +
                            "` is not a field of the messages (fields: " + list + ")");
        }
        if (it->type != Type::Time && it->type != Type::Int && it->type != Type::Float &&
            it->type != Type::String)
            return R::error("`time_field` `" + tf + "` is a " + std::string(typeName(it->type)) +
                            "; it must hold a time, a number or an ISO-8601 string");
    }
    return R(std::vector<SchemaPtr>{std::make_shared<const Schema>(Schema::stream(fields))});
}

struct MessageDecoder::Impl {
    simdjson::dom::parser parser;
    std::vector<char> padded;
    std::unordered_map<std::string_view, size_t> indexOf;  // payload field name -> schema index
    std::vector<CsvField> csvFields;
    std::string csvScratch;
};

MessageDecoder::~MessageDecoder() = default;

Result<std::unique_ptr<MessageDecoder>> MessageDecoder::create(const NodeConfig& config,
                                                               SchemaPtr schema,
                                                               std::vector<MetaField> meta) {
    using R = Result<std::unique_ptr<MessageDecoder>>;
    std::unique_ptr<MessageDecoder> d(new MessageDecoder());
    d->m_impl = std::make_unique<Impl>();
    d->m_schema = std::move(schema);
    auto format = messageFormatFromName(config.getString("format"));
    if (!format) return R::error("`format` must be json, csv or raw");
    d->m_format = *format;
    d->m_timeFormat =
        timeFormatFromName(config.getString("time_format")).value_or(TimeFormat::Auto);
    d->m_maxBytes =
        static_cast<size_t>(config.has("max_message_bytes") ? config.getInt("max_message_bytes")
                                                            : kDefaultMaxMessageBytes);
    d->m_meta = std::move(meta);
    if (d->m_schema->size() < 1 + d->m_meta.size())
        return R::error("the output schema does not fit the source");
    d->m_payloadEnd = d->m_schema->size() - d->m_meta.size();
    for (size_t k = 1; k < d->m_payloadEnd; ++k) d->m_impl->indexOf[d->m_schema->field(k).name] = k;
    const std::string tf = config.getString("time_field");
    d->m_timeIndex = tf.empty() ? -1 : d->m_schema->indexOf(tf);
    d->m_cells.resize(d->m_schema->size());
    d->m_storage.resize(d->m_schema->size());
    return R(std::move(d));
}

namespace {

std::string typeError(const Field& f, std::string_view shown) {
    return "field `" + f.name + "`: expected " + std::string(typeName(f.type)) + ", got " +
           shortText(shown);
}

std::optional<TimeUs> timeFromInt(int64_t n, TimeFormat format) {
    switch (format) {
        case TimeFormat::EpochUs:
            return n;
        case TimeFormat::EpochMs:
            if (n > INT64_MAX / 1000 || n < INT64_MIN / 1000) return std::nullopt;
            return n * 1000;
        case TimeFormat::EpochS:
            if (n > INT64_MAX / 1000000 || n < INT64_MIN / 1000000) return std::nullopt;
            return n * 1000000;
        default:
            return timeFromNumber(static_cast<double>(n), format);
    }
}

// One JSON value into a cell of `field`'s type; `text` keeps any text the cell points to.
std::string jsonToCell(simdjson::dom::element v, const Field& field, TimeFormat timeFormat, Cell& c,
                       std::string& text) {
    using T = simdjson::dom::element_type;
    c = Cell{};
    const T t = v.type();
    if (t == T::NULL_VALUE) return {};
    c.null = false;
    switch (field.type) {
        case Type::Bool:
            if (t != T::BOOL) break;
            c.i = v.get_bool().value_unsafe() ? 1 : 0;
            return {};
        case Type::Int:
            if (t == T::INT64) {
                c.i = v.get_int64().value_unsafe();
                return {};
            }
            if (t == T::UINT64) break;  // beyond int64
            if (t == T::DOUBLE) {
                const double d = v.get_double().value_unsafe();
                if (std::trunc(d) != d || d < -9.2233720368547758e18 || d >= 9.2233720368547758e18)
                    break;
                c.i = static_cast<int64_t>(d);
                return {};
            }
            break;
        case Type::Float:
            if (t == T::INT64)
                c.f = static_cast<double>(v.get_int64().value_unsafe());
            else if (t == T::UINT64)
                c.f = static_cast<double>(v.get_uint64().value_unsafe());
            else if (t == T::DOUBLE)
                c.f = v.get_double().value_unsafe();
            else
                break;
            return {};
        case Type::String:
            if (t == T::STRING) {
                c.s = v.get_string().value_unsafe();
                return {};
            }
            text = simdjson::minify(v);
            c.s = text;
            return {};
        case Type::Time: {
            std::optional<TimeUs> time;
            if (t == T::STRING)
                time = parseTime(v.get_string().value_unsafe(), timeFormat);
            else if (t == T::INT64)
                time = timeFromInt(v.get_int64().value_unsafe(), timeFormat);
            else if (t == T::DOUBLE)
                time = timeFromNumber(v.get_double().value_unsafe(), timeFormat);
            if (!time) break;
            c.i = *time;
            return {};
        }
        default:
            break;
    }
    c = Cell{};
    return typeError(field, simdjson::minify(v));
}

}  // namespace

std::string MessageDecoder::decodeJson(std::string_view payload) {
    Impl& im = *m_impl;
    const size_t need = payload.size() + simdjson::SIMDJSON_PADDING;
    if (im.padded.size() < need) im.padded.resize(std::max(need, im.padded.size() * 2));
    std::copy(payload.begin(), payload.end(), im.padded.begin());
    simdjson::dom::element doc;
    if (auto err = im.parser.parse(im.padded.data(), payload.size(), false).get(doc)) {
        if (err == simdjson::UTF8_ERROR) return "not valid UTF-8";
        if (err == simdjson::EMPTY) return "an empty message";
        return std::string("not valid JSON (") + simdjson::error_message(err) + ")";
    }
    simdjson::dom::object object;
    if (doc.get_object().get(object)) {
        const char* got = "a number";
        switch (doc.type()) {
            case simdjson::dom::element_type::ARRAY:
                got = "an array";
                break;
            case simdjson::dom::element_type::STRING:
                got = "a string";
                break;
            case simdjson::dom::element_type::BOOL:
                got = "a boolean";
                break;
            case simdjson::dom::element_type::NULL_VALUE:
                got = "null";
                break;
            default:
                break;
        }
        return std::string("expected a JSON object, got ") + got;
    }
    for (size_t k = 1; k < m_payloadEnd; ++k) m_cells[k] = Cell{};
    for (auto field : object) {
        auto it = im.indexOf.find(field.key);
        if (it == im.indexOf.end()) continue;
        const size_t k = it->second;
        const TimeFormat tf = static_cast<int>(k) == m_timeIndex ? m_timeFormat : TimeFormat::Auto;
        std::string why = jsonToCell(field.value, m_schema->field(k), tf, m_cells[k], m_storage[k]);
        if (!why.empty()) return why;
    }
    return {};
}

std::string MessageDecoder::decodeCsv(std::string_view payload) {
    Impl& im = *m_impl;
    if (size_t bad = findInvalidUtf8(payload); bad != std::string_view::npos)
        return "not valid UTF-8 (byte " + std::to_string(bad + 1) + ")";
    std::string why = splitCsvRecord(payload, im.csvFields, im.csvScratch);
    if (!why.empty()) return why;
    const size_t expected = m_payloadEnd - 1;
    if (im.csvFields.size() != expected)
        return "expected " + std::to_string(expected) + " fields, got " +
               std::to_string(im.csvFields.size());
    for (size_t k = 1; k < m_payloadEnd; ++k) {
        const CsvField& f = im.csvFields[k - 1];
        Cell& cell = m_cells[k];
        cell = Cell{};
        if (f.isNull()) continue;
        const Field& field = m_schema->field(k);
        const TimeFormat tf = static_cast<int>(k) == m_timeIndex ? m_timeFormat : TimeFormat::Auto;
        if (!parseCell(f.text, field.type, tf, cell)) return typeError(field, f.text);
    }
    return {};
}

std::string MessageDecoder::fillMeta(const MessageMeta& meta) {
    for (size_t i = 0; i < m_meta.size(); ++i) {
        Cell& c = m_cells[m_payloadEnd + i];
        c = Cell{};
        switch (m_meta[i]) {
            case MetaField::Key:
                if (!meta.hasKey) break;
                if (size_t bad = findInvalidUtf8(meta.key); bad != std::string_view::npos)
                    return "the message key is not valid UTF-8 (byte " + std::to_string(bad + 1) +
                           ")";
                c.null = false;
                c.s = meta.key;
                break;
            case MetaField::Topic:
                c.null = false;
                c.s = meta.topic;
                break;
            case MetaField::Peer:
                c.null = meta.peer.empty();
                c.s = meta.peer;
                break;
            case MetaField::Partition:
                c.null = meta.partition < 0;
                c.i = meta.partition;
                break;
            case MetaField::Offset:
                c.null = meta.offset < 0;
                c.i = meta.offset;
                break;
            case MetaField::Timestamp:
                c.null = meta.timestamp == kMinTime;
                c.i = meta.timestamp;
                break;
        }
    }
    return {};
}

std::string MessageDecoder::decode(std::string_view payload, const MessageMeta& meta,
                                   TimeUs arrivalUs, Batch& out) {
    if (payload.size() > m_maxBytes)
        return "the message has " + std::to_string(payload.size()) +
               " bytes, more than `max_message_bytes` (" + formatByteSize(m_maxBytes) + ")";
    std::string why;
    switch (m_format) {
        case MessageFormat::Json:
            why = decodeJson(payload);
            break;
        case MessageFormat::Csv:
            why = decodeCsv(payload);
            break;
        case MessageFormat::Raw: {
            if (size_t bad = findInvalidUtf8(payload); bad != std::string_view::npos) {
                why = "not valid UTF-8 (byte " + std::to_string(bad + 1) + ")";
                break;
            }
            m_cells[1] = Cell{false, 0, 0, payload};
            break;
        }
    }
    if (why.empty()) why = fillMeta(meta);
    if (!why.empty()) return why;
    TimeUs eventTime = arrivalUs;
    if (m_timeIndex >= 0) {
        const Cell& c = m_cells[static_cast<size_t>(m_timeIndex)];
        const Field& f = m_schema->field(static_cast<size_t>(m_timeIndex));
        if (c.null) return "the time field `" + f.name + "` is missing";
        switch (f.type) {
            case Type::Time:
                eventTime = c.i;
                break;
            case Type::Int: {
                auto t = timeFromInt(c.i, m_timeFormat);
                if (!t) return "the time field `" + f.name + "` is out of range";
                eventTime = *t;
                break;
            }
            case Type::Float: {
                auto t = timeFromNumber(c.f, m_timeFormat);
                if (!t) return "the time field `" + f.name + "` is out of range";
                eventTime = *t;
                break;
            }
            case Type::String: {
                auto t = parseTime(c.s, m_timeFormat);
                if (!t) return "the time field `" + f.name + "` is not a time: " + shortText(c.s);
                eventTime = *t;
                break;
            }
            default:
                return "the time field `" + f.name + "` is not a time";
        }
    }
    out.column(0).appendTime(eventTime);
    for (size_t k = 1; k < m_cells.size(); ++k) appendCell(out, k, m_cells[k]);
    out.commitRow();
    return {};
}

}  // namespace riffle
