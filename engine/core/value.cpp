#include "engine/core/value.h"

#include <cmath>
#include <cstdio>

#include "engine/core/time_format.h"

namespace riffle {

std::string Value::toString() const {
    if (null) return "NULL";
    switch (type) {
        case Type::Null: return "NULL";
        case Type::Bool: return i ? "TRUE" : "FALSE";
        case Type::Int: return std::to_string(i);
        case Type::Float: {
            if (std::isnan(f)) return "NaN";
            if (std::isinf(f)) return f > 0 ? "Infinity" : "-Infinity";
            char buf[40];
            std::snprintf(buf, sizeof buf, "%.17g", f);
            // Prefer the shortest representation that reads back to the same double.
            for (int prec = 1; prec <= 17; ++prec) {
                char tmp[40];
                std::snprintf(tmp, sizeof tmp, "%.*g", prec, f);
                if (std::strtod(tmp, nullptr) == f) {
                    std::string out = tmp;
                    if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
                    return out;
                }
            }
            return buf;
        }
        case Type::String: return s;
        case Type::Time: return formatIso8601Ms(i);
    }
    return "?";
}

bool Value::operator==(const Value& o) const {
    if (null || o.null) return null == o.null;
    if (type != o.type) return false;
    switch (type) {
        case Type::Float: return f == o.f || (std::isnan(f) && std::isnan(o.f));
        case Type::String: return s == o.s;
        default: return i == o.i;
    }
}

}  // namespace riffle
