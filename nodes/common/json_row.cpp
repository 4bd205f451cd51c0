#include "nodes/common/json_row.h"

#include <cmath>

namespace riffle {

namespace {

std::string describe(const Json& v) {
    std::string text = v.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
}

std::string typeError(const Field& f, const Json& v) {
    return "field `" + f.name + "`: expected " + std::string(typeName(f.type)) + ", got " +
           describe(v);
}

}  // namespace

std::optional<TimeUs> jsonToTime(const Json& value, TimeFormat format) {
    if (value.is_string()) return parseTime(value.get_ref<const std::string&>(), format);
    if (value.is_number_integer() && !value.is_number_unsigned()) {
        // Integers keep full precision; only Auto needs the magnitude guess of timeFromNumber.
        const int64_t n = value.get<int64_t>();
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
                break;
        }
    }
    if (value.is_number()) return timeFromNumber(value.get<double>(), format);
    return std::nullopt;
}

std::string jsonObjectToCells(const Json& object, const Schema& schema, size_t first,
                              TimeFormat timeFormat, std::vector<Cell>& cells,
                              std::vector<std::string>& storage) {
    cells.assign(schema.size(), Cell{});
    if (storage.size() < schema.size()) storage.resize(schema.size());
    for (size_t k = first; k < schema.size(); ++k) {
        const Field& f = schema.field(k);
        auto it = object.find(f.name);
        if (it == object.end() || it->is_null()) continue;
        const Json& v = *it;
        Cell& c = cells[k];
        c.null = false;
        switch (f.type) {
            case Type::Null:
                c.null = true;
                break;
            case Type::Bool:
                if (!v.is_boolean()) return typeError(f, v);
                c.i = v.get<bool>();
                break;
            case Type::Int:
                if (v.is_number_unsigned()) {
                    const uint64_t u = v.get<uint64_t>();
                    if (u > static_cast<uint64_t>(INT64_MAX)) return typeError(f, v);
                    c.i = static_cast<int64_t>(u);
                } else if (v.is_number_integer()) {
                    c.i = v.get<int64_t>();
                } else if (v.is_number_float()) {
                    // 3.0 is a whole number written by a float-minded producer; 3.5 is not.
                    const double d = v.get<double>();
                    if (!(std::trunc(d) == d && std::fabs(d) < 9.2e18)) return typeError(f, v);
                    c.i = static_cast<int64_t>(d);
                } else {
                    return typeError(f, v);
                }
                break;
            case Type::Float:
                if (!v.is_number()) return typeError(f, v);
                c.f = v.get<double>();
                break;
            case Type::String:
                if (v.is_string()) {
                    c.s = v.get_ref<const std::string&>();
                } else {
                    storage[k] = v.dump(-1, ' ', false, Json::error_handler_t::replace);
                    c.s = storage[k];
                }
                break;
            case Type::Time: {
                auto t = jsonToTime(v, timeFormat);
                if (!t) return typeError(f, v);
                c.i = *t;
                break;
            }
        }
    }
    return {};
}

Type classifyJson(const Json& value) {
    switch (value.type()) {
        case Json::value_t::null:
            return Type::Null;
        case Json::value_t::boolean:
            return Type::Bool;
        case Json::value_t::number_integer:
            return Type::Int;
        case Json::value_t::number_unsigned:
            return value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX) ? Type::Float
                                                                            : Type::Int;
        case Json::value_t::number_float:
            return Type::Float;
        case Json::value_t::string: {
            const auto& s = value.get_ref<const std::string&>();
            return s.size() >= 10 && s[4] == '-' && parseIso8601(s) ? Type::Time : Type::String;
        }
        default:
            return Type::String;
    }
}

void appendJsonString(std::string& out, std::string_view text) {
    static const char kHex[] = "0123456789abcdef";
    out += '"';
    size_t run = 0;  // start of the pending run of bytes that need no escaping
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(text.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 15];
        }
    }
    out.append(text.data() + run, text.size() - run);
    out += '"';
}

void appendJsonRow(std::string& out, const Batch& batch, size_t row) {
    const Schema& schema = batch.schema();
    out += '{';
    for (size_t c = 0; c < batch.columnCount(); ++c) {
        if (c) out += ',';
        appendJsonString(out, schema.field(c).name);
        out += ':';
        const Column& col = batch.column(c);
        if (col.isNull(row)) {
            out += "null";
            continue;
        }
        switch (col.type()) {
            case Type::String:
                appendJsonString(out, col.strings()[row]);
                break;
            case Type::Time:
                out += '"';
                appendCellText(out, col, row);
                out += '"';
                break;
            case Type::Float:
                if (!std::isfinite(col.floats()[row]))
                    out += "null";
                else
                    appendCellText(out, col, row);
                break;
            case Type::Null:
                out += "null";
                break;
            default:
                appendCellText(out, col, row);
                break;
        }
    }
    out += "}\n";
}

}  // namespace riffle
