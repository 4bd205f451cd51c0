#pragma once
// A single nullable value, used for literals, parameters, tests and row-at-a-time paths.
// The hot path works on columns (batch.h), not on Values.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/types.h"

namespace riffle {

struct Value {
    Type type = Type::Null;  // Type::Null here means "NULL of unknown type"
    bool null = true;
    int64_t i = 0;  // Bool (0/1), Int, Time
    double f = 0;   // Float
    std::string s;  // String

    static Value nullOf(Type t) {
        Value v;
        v.type = t;
        return v;
    }
    static Value ofBool(bool b) {
        Value v;
        v.type = Type::Bool;
        v.null = false;
        v.i = b;
        return v;
    }
    static Value ofInt(int64_t x) {
        Value v;
        v.type = Type::Int;
        v.null = false;
        v.i = x;
        return v;
    }
    static Value ofFloat(double x) {
        Value v;
        v.type = Type::Float;
        v.null = false;
        v.f = x;
        return v;
    }
    static Value ofTime(TimeUs t) {
        Value v;
        v.type = Type::Time;
        v.null = false;
        v.i = t;
        return v;
    }
    static Value ofString(std::string_view x) {
        Value v;
        v.type = Type::String;
        v.null = false;
        v.s = std::string(x);
        return v;
    }
    bool isNull() const { return null; }
    // Display form: NULL, TRUE/FALSE, 42, 2.5, text, 2026-11-24T10:00:00.000Z.
    std::string toString() const;
    // For text meant to be read (alert messages): floats to 15 significant digits, so that
    // 673.9300000000001 reads 673.93; everything else as toString().
    std::string toDisplayString() const;
    bool operator==(const Value& o) const;
};

// Bytes held on the heap by a string (none within its small-string buffer) and by a vector of
// values, for state-size metrics.
inline size_t heapBytes(const std::string& s) {
    return s.size() > 15 ? s.capacity() : 0;
}
inline size_t valuesBytes(const std::vector<Value>& values) {
    size_t n = values.capacity() * sizeof(Value);
    for (const Value& v : values) n += heapBytes(v.s);
    return n;
}

}  // namespace riffle
