#include "engine/graph/params.h"

#include <cmath>
#include <filesystem>

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

std::string rangeText(const ParamSpec& p, bool seconds) {
    auto num = [&](double x) {
        if (seconds) return formatDuration(static_cast<int64_t>(std::llround(x * 1e6)));
        if (x == std::floor(x) && std::fabs(x) < 1e15)
            return std::to_string(static_cast<int64_t>(x));
        return std::to_string(x);
    };
    if (p.min && p.max) return "between " + num(*p.min) + " and " + num(*p.max);
    if (p.min) return "at least " + num(*p.min);
    if (p.max) return "at most " + num(*p.max);
    return {};
}

Status checkRange(const std::string& label, const ParamSpec& p, double x, const Json& v,
                  bool seconds = false) {
    if ((p.min && x < *p.min) || (p.max && x > *p.max))
        return Status::error(label + ": `" + p.key + "` must be " + rangeText(p, seconds) +
                             ", got `" + shortJson(v) + "`");
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
            return checkRange(label, p, static_cast<double>(*us) / 1e6, v, true);
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
