#pragma once
// Parameter declarations (ParamSpec) and a node's validated parameter values (NodeConfig).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace riffle {

using Json = nlohmann::json;

enum class ParamType {
    Bool,
    Int,
    Float,
    String,
    Duration,       // JSON string "10s", "500ms"; a bare number is refused with a hint
    Expression,     // a scalar expression (docs/expressions.md) over the input schema
    Choice,         // one of `choices`
    StringList,     // JSON array of strings (e.g. group_by field names)
    NamedExprList,  // JSON array of {"name": ..., "expr": ...}
    Path,           // a file path, relative paths resolve against the project's folder
    Secret,         // a string that may be a ${env:NAME} / ${secret:NAME} reference
};
std::string_view paramTypeName(ParamType t);

// A list parameter that names fields of the node's input: which of them the studio offers.
enum class FieldPick {
    Any,      // every field (group_by, series_by, key)
    Numbers,  // numeric fields only (a chart's y)
    None,     // not input fields at all (a lookup's columns come from its file)
};

struct ParamSpec {
    std::string key;
    ParamType type = ParamType::String;
    Json defaultValue;  // null: no default
    std::string help;   // one line, shown under the field and in --list-nodes
    bool required = false;
    std::optional<double> min, max;    // Int, Float, Duration (in seconds for Duration)
    std::vector<std::string> choices;  // Choice
    std::string unit;                  // "events/s", "ms", ...
    std::string group;                 // inspector group ("Source", "Time", ...)
    FieldPick picks = FieldPick::Any;  // StringList of a node with inputs: the fields offered
    // Only how the result is shown (a chart's look): a change reaches a running pipeline's
    // dashboard at once, with no restart (runsTheSame()).
    bool live = false;
};

// Shorthand for the common case: key, type, default, one line of help, and optionally the unit
// and range.
inline ParamSpec makeParam(std::string key, ParamType type, Json defaultValue, std::string help,
                           std::string unit = {}, std::optional<double> min = {},
                           std::optional<double> max = {}) {
    ParamSpec p;
    p.key = std::move(key);
    p.type = type;
    p.defaultValue = std::move(defaultValue);
    p.help = std::move(help);
    p.unit = std::move(unit);
    p.min = min;
    p.max = max;
    return p;
}

struct NamedExpr {
    std::string name;
    std::string expr;
};

// A node's parameters after validation against its spec: every declared key is present (the
// default where the project leaves it out), so getters never fail for declared keys.
class NodeConfig {
public:
    NodeConfig() = default;
    NodeConfig(std::string nodeId, std::string typeId, Json params)
        : m_id(std::move(nodeId)), m_type(std::move(typeId)), m_params(std::move(params)) {}

    const std::string& id() const { return m_id; }
    const std::string& typeId() const { return m_type; }
    const Json& params() const { return m_params; }
    Json& params() { return m_params; }
    // Base folder for relative paths (the project's folder).
    const std::string& baseDir() const { return m_baseDir; }
    void setBaseDir(std::string dir) { m_baseDir = std::move(dir); }

    bool has(const std::string& key) const;
    bool getBool(const std::string& key) const;
    int64_t getInt(const std::string& key) const;
    double getFloat(const std::string& key) const;
    std::string getString(const std::string& key) const;
    int64_t getDurationUs(const std::string& key) const;
    std::vector<std::string> getStringList(const std::string& key) const;
    std::vector<NamedExpr> getNamedExprs(const std::string& key) const;
    // A Path parameter resolved against baseDir().
    std::string getPath(const std::string& key) const;
    // A Secret (or String) parameter with its ${env:…}/${secret:…} references resolved; call it
    // when a connection is opened, never keep the value in the config. See graph/secrets.h.
    Result<std::string> getSecret(const std::string& key) const;

private:
    std::string m_id, m_type, m_baseDir;
    Json m_params;
};

// Checks one value against its declaration; the message starts with nodeLabel ("window
// `per_page`"), names the parameter and the fix:
// "node `per_page`: `size` must be a duration like 10s, got `10`".
Status checkParam(const std::string& nodeLabel, const ParamSpec& spec, const Json& value);

}  // namespace riffle
