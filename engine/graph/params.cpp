#include "engine/graph/params.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "engine/core/time_format.h"
#include "engine/graph/secrets.h"

namespace riffle {

std::string_view paramTypeName(ParamType t) {
    switch (t) {
        case ParamType::Bool:
            return "bool";
        case ParamType::Int:
            return "int";
        case ParamType::Float:
            return "float";
        case ParamType::String:
            return "string";
        case ParamType::Duration:
            return "duration";
        case ParamType::Expression:
            return "expression";
        case ParamType::Choice:
            return "choice";
        case ParamType::StringList:
            return "list of strings";
        case ParamType::NamedExprList:
            return "list of {name, expr}";
        case ParamType::Path:
            return "path";
        case ParamType::Secret:
            return "secret";
    }
    return "?";
}

std::string_view paramRoleName(ParamRole role) {
    switch (role) {
        case ParamRole::None:
            return "";
        case ParamRole::InputFields:
            return "input fields";
        case ParamRole::Expression:
            return "expression";
        case ParamRole::Aggregates:
            return "aggregates";
        case ParamRole::ReadsFile:
            return "file read";
        case ParamRole::WritesFile:
            return "file written";
        case ParamRole::ConnectsTo:
            return "connects to";
        case ParamRole::ListenPort:
            return "listens on port";
        case ParamRole::ListenAddress:
            return "listens on address";
        case ParamRole::PartitionKey:
            return "partition key";
        case ParamRole::Schema:
            return "schema";
    }
    return "?";
}

ParamSpec param(std::string key, ParamType type, std::string help) {
    ParamSpec p;
    p.key = std::move(key);
    p.type = type;
    p.help = std::move(help);
    return p;
}

ParamSpec& ParamSpec::byDefault(Json value) {
    defaultValue = std::move(value);
    return *this;
}
ParamSpec& ParamSpec::mandatory() {
    required = true;
    return *this;
}
ParamSpec& ParamSpec::range(std::optional<double> min, std::optional<double> max) {
    minValue = min;
    maxValue = max;
    return *this;
}
ParamSpec& ParamSpec::durationRange(std::string_view min, std::string_view max) {
    // A bound that does not parse is a mistake in a node's declaration, found by the registry
    // test before any user sees it.
    auto bound = [](std::string_view text) -> std::optional<int64_t> {
        if (text.empty()) return std::nullopt;
        auto us = parseDuration(text);
        if (!us) throw std::logic_error("not a duration: " + std::string(text));
        return us;
    };
    minUs = bound(min);
    maxUs = bound(max);
    return *this;
}
ParamSpec& ParamSpec::inUnit(std::string unitText) {
    unit = std::move(unitText);
    return *this;
}
ParamSpec& ParamSpec::inGroup(std::string groupName) {
    group = std::move(groupName);
    return *this;
}
ParamSpec& ParamSpec::oneOf(std::vector<std::string> values) {
    choices = std::move(values);
    return *this;
}
ParamSpec& ParamSpec::as(ParamRole r, int inputPort) {
    role = r;
    port = inputPort;
    return *this;
}
ParamSpec& ParamSpec::picking(FieldPick fields) {
    picks = fields;
    return *this;
}
ParamSpec& ParamSpec::look() {
    live = true;
    return *this;
}

std::string rangeText(const ParamSpec& p) {
    const bool duration = p.type == ParamType::Duration;
    auto num = [&](double x) {
        if (duration) return formatDuration(static_cast<int64_t>(x));
        char text[32];
        std::snprintf(text, sizeof text, "%.15g", x);
        return std::string(text);
    };
    std::optional<double> lo = p.minValue, hi = p.maxValue;
    if (duration) {
        lo = p.minUs ? std::optional<double>(static_cast<double>(*p.minUs)) : std::nullopt;
        hi = p.maxUs ? std::optional<double>(static_cast<double>(*p.maxUs)) : std::nullopt;
    }
    if (lo && hi) return "between " + num(*lo) + " and " + num(*hi);
    if (lo) return "at least " + num(*lo);
    if (hi) return "at most " + num(*hi);
    return {};
}

bool inRange(const ParamSpec& p, double x) {
    if (p.type == ParamType::Duration)
        return !(p.minUs && x < static_cast<double>(*p.minUs)) &&
               !(p.maxUs && x > static_cast<double>(*p.maxUs));
    return !(p.minValue && x < *p.minValue) && !(p.maxValue && x > *p.maxValue);
}

bool NodeConfig::has(const std::string& key) const {
    return m_params.is_object() && m_params.contains(key) && !m_params[key].is_null();
}

bool NodeConfig::getBool(const std::string& key) const {
    return has(key) && m_params[key].is_boolean() && m_params[key].get<bool>();
}

int64_t NodeConfig::getInt(const std::string& key) const {
    if (!has(key)) return 0;
    const Json& v = m_params[key];
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_number()) {  // saturates: a float beyond int64 must not be undefined behaviour
        const double d = v.get<double>();
        if (std::isnan(d)) return 0;
        if (d >= 9.2233720368547758e18) return INT64_MAX;
        if (d <= -9.2233720368547758e18) return INT64_MIN;
        return static_cast<int64_t>(d);
    }
    return 0;
}

double NodeConfig::getFloat(const std::string& key) const {
    if (!has(key)) return 0;
    const Json& v = m_params[key];
    return v.is_number() ? v.get<double>() : 0.0;
}

std::string NodeConfig::getString(const std::string& key) const {
    if (!has(key)) return {};
    const Json& v = m_params[key];
    return v.is_string() ? v.get<std::string>() : v.dump();
}

int64_t NodeConfig::getDurationUs(const std::string& key) const {
    if (!has(key)) return 0;
    const Json& v = m_params[key];
    if (v.is_string()) return parseDuration(v.get<std::string>()).value_or(0);
    return 0;
}

std::vector<std::string> NodeConfig::getStringList(const std::string& key) const {
    std::vector<std::string> out;
    if (!has(key)) return out;
    const Json& v = m_params[key];
    if (v.is_string()) {
        out.push_back(v.get<std::string>());
    } else if (v.is_array()) {
        for (const auto& e : v)
            if (e.is_string()) out.push_back(e.get<std::string>());
    }
    return out;
}

std::vector<NamedExpr> NodeConfig::getNamedExprs(const std::string& key) const {
    std::vector<NamedExpr> out;
    if (!has(key) || !m_params[key].is_array()) return out;
    for (const auto& e : m_params[key]) {
        if (!e.is_object()) continue;
        NamedExpr ne;
        if (e.contains("name") && e["name"].is_string()) ne.name = e["name"].get<std::string>();
        if (e.contains("expr") && e["expr"].is_string()) ne.expr = e["expr"].get<std::string>();
        out.push_back(std::move(ne));
    }
    return out;
}

std::string NodeConfig::getPath(const std::string& key) const {
    std::string p = getString(key);
    if (p.empty() || m_baseDir.empty()) return p;
    std::filesystem::path path(p);
    if (path.is_absolute()) return p;
    return (std::filesystem::path(m_baseDir) / path).lexically_normal().string();
}

Result<std::string> NodeConfig::getSecret(const std::string& key) const {
    auto value = resolveSecretReferences(getString(key));
    if (!value) return Result<std::string>::error("`" + key + "` " + value.message());
    return value;
}

namespace {

std::string shortJson(const Json& v) {
    std::string s = v.is_string() ? v.get<std::string>() : v.dump();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

Status checkRange(const std::string& label, const ParamSpec& p, double x, const Json& v) {
    if (!inRange(p, x))
        return Status::error(label + ": `" + p.key + "` must be " + rangeText(p) + ", got `" +
                             shortJson(v) + "`");
    return Status::ok();
}

}  // namespace

Status checkParam(const std::string& label, const ParamSpec& p, const Json& v) {
    auto bad = [&](const std::string& what) {
        return Status::error(label + ": `" + p.key + "` must be " + what + ", got `" +
                             shortJson(v) + "`");
    };
    if (v.is_null()) {
        if (p.required)
            return Status::error(label + ": `" + p.key + "` is required (" + p.help + ")");
        return Status::ok();
    }
    switch (p.type) {
        case ParamType::Bool:
            if (!v.is_boolean()) return bad("true or false");
            return Status::ok();
        case ParamType::Int:
            if (!v.is_number_integer()) return bad("a whole number");
            return checkRange(label, p, static_cast<double>(v.get<int64_t>()), v);
        case ParamType::Float:
            if (!v.is_number()) return bad("a number");
            return checkRange(label, p, v.get<double>(), v);
        case ParamType::Duration: {
            if (!v.is_string()) return bad("a duration like 10s");
            auto us = parseDuration(v.get<std::string>());
            if (!us) return bad("a duration like 10s");
            return checkRange(label, p, static_cast<double>(*us), v);
        }
        case ParamType::Choice: {
            if (!v.is_string())
                return bad("one of " + [&] {
                    std::string s;
                    for (const auto& c : p.choices) s += (s.empty() ? "" : ", ") + c;
                    return s;
                }());
            for (const auto& c : p.choices)
                if (c == v.get<std::string>()) return Status::ok();
            std::string s;
            for (const auto& c : p.choices) s += (s.empty() ? "" : ", ") + c;
            return bad("one of " + s);
        }
        case ParamType::Secret:
            if (!v.is_string()) return bad("a reference like ${env:NAME} or ${secret:NAME}");
            if (!v.get<std::string>().empty() && !isSecretReference(v.get<std::string>()))
                return Status::error(
                    label + ": `" + p.key +
                    "` must be a reference like ${env:NAME} or ${secret:NAME}, never the secret "
                    "itself: a project file is shared and a secret must not be in it");
            if (p.required && v.get<std::string>().empty())
                return Status::error(label + ": `" + p.key + "` is required (" + p.help + ")");
            return Status::ok();
        case ParamType::String:
        case ParamType::Expression:
        case ParamType::Path:
            if (!v.is_string()) return bad("a string");
            if (p.required && v.get<std::string>().empty())
                return Status::error(label + ": `" + p.key + "` is required (" + p.help + ")");
            return Status::ok();
        case ParamType::StringList:
            if (v.is_string()) return Status::ok();
            if (!v.is_array()) return bad("a list of strings like [\"page\"]");
            for (const auto& e : v)
                if (!e.is_string()) return bad("a list of strings like [\"page\"]");
            return Status::ok();
        case ParamType::NamedExprList:
            if (!v.is_array())
                return bad("a list like [{\"name\": \"n\", \"expr\": \"COUNT(*)\"}]");
            for (size_t i = 0; i < v.size(); ++i) {
                const Json& e = v[i];
                if (!e.is_object() || !e.contains("name") || !e["name"].is_string() ||
                    !e.contains("expr") || !e["expr"].is_string())
                    return Status::error(label + ": `" + p.key + "` item " + std::to_string(i + 1) +
                                         " must be {\"name\": ..., \"expr\": ...}, got `" +
                                         shortJson(e) + "`");
                if (e["name"].get<std::string>().empty())
                    return Status::error(label + ": `" + p.key + "` item " + std::to_string(i + 1) +
                                         " has an empty name");
            }
            return Status::ok();
    }
    return Status::ok();
}

}  // namespace riffle
