#include "engine/core/types.h"

namespace riffle {

std::string_view typeName(Type t) {
    switch (t) {
        case Type::Null:
            return "null";
        case Type::Bool:
            return "bool";
        case Type::Int:
            return "int";
        case Type::Float:
            return "float";
        case Type::String:
            return "string";
        case Type::Time:
            return "time";
    }
    return "?";
}

std::optional<Type> typeFromName(std::string_view name) {
    if (name == "bool") return Type::Bool;
    if (name == "int") return Type::Int;
    if (name == "float") return Type::Float;
    if (name == "string") return Type::String;
    if (name == "time") return Type::Time;
    return std::nullopt;
}

bool isNumeric(Type t) {
    return t == Type::Int || t == Type::Float;
}

Schema Schema::stream(const std::vector<Field>& fields) {
    Schema s;
    s.m_fields.push_back({std::string(kTimeField), Type::Time});
    for (const auto& f : fields)
        if (f.name != kTimeField) s.m_fields.push_back(f);
    return s;
}

int Schema::indexOf(std::string_view name) const {
    for (size_t i = 0; i < m_fields.size(); ++i)
        if (m_fields[i].name == name) return static_cast<int>(i);
    return -1;
}

std::string Schema::toString() const {
    std::string out;
    for (const auto& f : m_fields) {
        if (!out.empty()) out += ", ";
        out += f.name;
        out += ' ';
        out += typeName(f.type);
    }
    return out;
}

}  // namespace riffle
