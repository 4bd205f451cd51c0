#pragma once
// Riffle's data model: five value types, every one nullable, plus schemas (the types as users see
// them: docs/expressions.md, "Values and literals").
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace riffle {

enum class Type : uint8_t { Null, Bool, Int, Float, String, Time };

// "bool", "int", "float", "string", "time" ("null" for the type of a bare NULL literal).
std::string_view typeName(Type t);
std::optional<Type> typeFromName(std::string_view name);
bool isNumeric(Type t);  // Int or Float

// Microseconds since the Unix epoch, UTC.
using TimeUs = int64_t;
constexpr TimeUs kMinTime = INT64_MIN;
constexpr TimeUs kMaxTime = INT64_MAX;

struct Field {
    std::string name;
    Type type = Type::Null;
    bool operator==(const Field&) const = default;
};

// An ordered list of fields. By convention field 0 of every stream schema is `_time` (Type::Time),
// the event time; Schema::stream() builds such a schema.
class Schema {
public:
    Schema() = default;
    explicit Schema(std::vector<Field> fields) : m_fields(std::move(fields)) {}
    // `_time` followed by `fields` (an existing `_time` in `fields` is not repeated).
    static Schema stream(const std::vector<Field>& fields);

    const std::vector<Field>& fields() const { return m_fields; }
    size_t size() const { return m_fields.size(); }
    const Field& field(size_t i) const { return m_fields[i]; }
    // Index of the field or -1.
    int indexOf(std::string_view name) const;
    void add(Field f) { m_fields.push_back(std::move(f)); }
    // "_time time, page string, ..." for messages and tooltips.
    std::string toString() const;
    bool operator==(const Schema&) const = default;

private:
    std::vector<Field> m_fields;
};

using SchemaPtr = std::shared_ptr<const Schema>;

inline constexpr std::string_view kTimeField = "_time";

}  // namespace riffle
