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

// What a parameter means beyond its type. Everything that reads specs (the inspector, the trust
// dialog, schema inference, the exporters) acts on the role, never on a parameter's name.
enum class ParamRole {
    None,
    InputFields,    // names fields of input `port` (StringList or String)
    Expression,     // an expression over input `port` (Expression or NamedExprList)
    Aggregates,     // aggregate calls over input `port`, one per {name, expr} (NamedExprList)
    ReadsFile,      // a Path the node reads
    WritesFile,     // a Path the node writes
    ConnectsTo,     // where the node connects: "host:port" list, a URL
    ListenPort,     // the port the node listens on
    ListenAddress,  // the address it listens on, with its ListenPort
    Schema,         // the fields the node's messages carry; the studio can read them off the
                    // stream (nodes/connectors/schema_sampling.h)
    PartitionKey,   // the field a source's partitions are keyed by (a Kafka topic's message key)
};
std::string_view paramRoleName(ParamRole role);

// One parameter of a node type. Declared with param() and the chained setters below, in the
// node's own file:
//   param("size", ParamType::Duration, "Length of each window").byDefault("10s")
//       .durationRange("1us", {}).inGroup("Window")
struct ParamSpec {
    std::string key;
    ParamType type = ParamType::String;
    Json defaultValue;  // null: no default
    std::string help;   // one line, shown under the field and in --list-nodes
    bool required = false;
    std::optional<double> minValue, maxValue;  // Int and Float
    std::optional<int64_t> minUs, maxUs;       // Duration, in microseconds
    std::vector<std::string> choices;          // Choice
    std::string unit;                          // "events/s", "ms", ...
    std::string group;                         // inspector group ("Source", "Time", ...)
    FieldPick picks = FieldPick::Any;  // StringList of a node with inputs: the fields offered
    // Only how the result is shown (a chart's look): a change reaches a running pipeline's
    // dashboard at once, with no restart (runsTheSame()).
    bool live = false;
    ParamRole role = ParamRole::None;
    int port = 0;  // the input port the role refers to (InputFields, Expression, Aggregates)

    ParamSpec& byDefault(Json value);
    ParamSpec& mandatory();
    // Int and Float; an empty bound is open.
    ParamSpec& range(std::optional<double> min, std::optional<double> max = {});
    // Duration: bounds written as durations ("1ms", "24h"); an empty one is open.
    ParamSpec& durationRange(std::string_view min, std::string_view max = {});
    ParamSpec& inUnit(std::string unitText);
    ParamSpec& inGroup(std::string groupName);
    ParamSpec& oneOf(std::vector<std::string> values);
    ParamSpec& as(ParamRole r, int inputPort = 0);
    ParamSpec& picking(FieldPick fields);
    ParamSpec& look();  // live: a chart's look option
};

// Starts a declaration: key, type and one line of help.
ParamSpec param(std::string key, ParamType type, std::string help);

// The declared range as words ("between 1 and 500", "at least 1ms"); empty when open.
std::string rangeText(const ParamSpec& p);
// Whether a number (Int, Float) or a duration in microseconds (Duration) is inside the range.
bool inRange(const ParamSpec& p, double value);

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
