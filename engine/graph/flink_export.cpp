#include "engine/graph/flink_export.h"

namespace riffle::flink {

std::string quote(const std::string& name) {
    std::string out = "`";
    for (char c : name) out += c == '`' ? std::string("``") : std::string(1, c);
    return out + "`";
}

std::string literal(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

std::string typeName(Type t) {
    switch (t) {
        case Type::Int:
            return "BIGINT";
        case Type::Float:
            return "DOUBLE";
        case Type::Bool:
            return "BOOLEAN";
        case Type::Time:
            return "TIMESTAMP(3)";
        case Type::String:
        case Type::Null:
            return "STRING";
    }
    return "STRING";
}

std::string interval(int64_t us) {
    if (us % 1'000'000 == 0) return "INTERVAL '" + std::to_string(us / 1'000'000) + "' SECOND";
    return "INTERVAL '" + std::to_string(us / 1000) + "' MILLISECOND";
}

std::string columns(const Schema& schema) {
    std::string out;
    for (const Field& f : schema.fields()) out += (out.empty() ? "" : ", ") + quote(f.name);
    return out;
}

}  // namespace riffle::flink
