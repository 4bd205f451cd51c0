#include "engine/core/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "engine/core/time_format.h"

namespace riffle {

std::string Value::toString() const {
    if (null) return "NULL";
    switch (type) {
        case Type::Null:
            return "NULL";
        case Type::Bool:
            return i ? "TRUE" : "FALSE";
        case Type::Int:
            return std::to_string(i);
        case Type::Float: {
            if (std::isnan(f)) return "NaN";
            if (std::isinf(f)) return f > 0 ? "Infinity" : "-Infinity";
            // The shortest text that reads back as the same double.
            char buf[64];
            auto res = std::to_chars(buf, buf + sizeof buf, f);
            std::string out(buf, res.ptr);
            if (out.find_first_of(".e") == std::string::npos) out += ".0";
            return out;
        }
        case Type::String:
            return s;
        case Type::Time:
            return formatIso8601Ms(i);
    }
    return "?";
}

std::string Value::toDisplayString() const {
    if (null || type != Type::Float || !std::isfinite(f)) return toString();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.15g", f);
    return buf;
}

bool Value::operator==(const Value& o) const {
    if (null || o.null) return null == o.null;
    if (type != o.type) return false;
    switch (type) {
        case Type::Float:
            return f == o.f || (std::isnan(f) && std::isnan(o.f));
        case Type::String:
            return s == o.s;
        default:
            return i == o.i;
    }
}

}  // namespace riffle
