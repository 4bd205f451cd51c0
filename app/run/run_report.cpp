#include "app/run/run_report.h"

#include <cstdio>
#include <iostream>

#include "engine/core/time_format.h"
#include "engine/graph/node_reference.h"
#include "engine/graph/project_settings.h"
#include "engine/graph/secrets.h"

namespace riffle {

Json nodeCatalogJson(const NodeRegistry& registry) {
    Json out = Json::array();
    for (const NodeSpec* s : registry.all()) {
        Json j;
        j["type"] = s->typeId;
        j["version"] = s->version;
        j["name"] = s->displayName;
        j["category"] = s->category;
        j["description"] = s->description;
        j["inputs"] = Json::array();
        for (const auto& p : s->inputs)
            j["inputs"].push_back({{"name", p.name}, {"help", p.help}, {"multiple", p.multiple}});
        j["outputs"] = Json::array();
        for (const auto& p : s->outputs)
            j["outputs"].push_back({{"name", p.name}, {"help", p.help}});
        j["params"] = Json::array();
        for (const auto& p : s->params) {
            Json jp = {{"key", p.key},
                       {"type", paramTypeName(p.type)},
                       {"default", p.defaultValue},
                       {"help", p.help},
                       {"required", p.required}};
            if (p.minValue) jp["min"] = *p.minValue;
            if (p.maxValue) jp["max"] = *p.maxValue;
            if (p.minUs) jp["min"] = formatDuration(*p.minUs);
            if (p.maxUs) jp["max"] = formatDuration(*p.maxUs);
            if (p.role != ParamRole::None) {
                jp["role"] = paramRoleName(p.role);
                if (p.port < static_cast<int>(s->inputs.size()))
                    jp["port"] = s->inputs[static_cast<size_t>(p.port)].name;
            }
            if (!p.choices.empty()) jp["choices"] = p.choices;
            if (!p.unit.empty()) jp["unit"] = p.unit;
            if (!p.group.empty()) jp["group"] = p.group;
            j["params"].push_back(std::move(jp));
        }
        out.push_back(std::move(j));
    }
    return out;
}

std::string nodeCatalogText(const NodeRegistry& registry) {
    std::string out;
    std::string category;
    for (const NodeSpec* s : registry.all()) {
        if (s->category != category) {
            category = s->category;
            out += "\n" + category + "s\n";
        }
        char line[256];
        std::snprintf(line, sizeof line, "  %-24s %s\n", s->typeId.c_str(), s->description.c_str());
        out += line;
        auto ports = [](const std::vector<PortSpec>& ps) {
            std::string t;
            for (const auto& p : ps) t += (t.empty() ? "" : ", ") + p.name;
            return t.empty() ? std::string("-") : t;
        };
        out += "      in: " + ports(s->inputs) + "   out: " + ports(s->outputs) + "\n";
        for (const auto& p : s->params) {
            std::string def = p.defaultValue.is_null() ? "" : " = " + p.defaultValue.dump();
            std::snprintf(line, sizeof line, "      %-22s %-12s %s%s\n", p.key.c_str(),
                          std::string(paramTypeName(p.type)).c_str(), p.help.c_str(), def.c_str());
            out += line;
        }
    }
    return out.empty() ? out : out.substr(1);
}

std::string nodeCatalogMarkdown(const NodeRegistry& registry) {
    std::string out =
        "# Node reference\n\nGenerated from the node declarations by `riffle-run --list-nodes "
        "--markdown`; "
        "do not edit by hand.\n\nEvery node also has an `errors` output port that carries the "
        "events it "
        "could not process, with `error` and `node` fields added.\n";
    for (const NodeSpec* s : registry.all()) out += "\n" + nodeReferenceMarkdown(*s);
    return out;
}

std::string humanCount(double n) {
    char buf[32];
    double a = n < 0 ? -n : n;
    if (a >= 1e9)
        std::snprintf(buf, sizeof buf, "%.2f G", n / 1e9);
    else if (a >= 1e6)
        std::snprintf(buf, sizeof buf, "%.2f M", n / 1e6);
    else if (a >= 1e4)
        std::snprintf(buf, sizeof buf, "%.1f K", n / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f", n);
    return buf;
}

std::string watermarkText(int64_t wm) {
    if (wm == kMaxTime) return "end";
    if (wm == kMinTime) return "-";
    return formatIso8601Ms(wm);
}

namespace {

std::string clockText(int64_t ns) {
    int64_t s = ns / 1'000'000'000;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
    return buf;
}

int64_t sumErrors(const Executor& exec) {
    int64_t n = 0;
    for (const auto& node : exec.nodes()) n += NodeMetrics::get(node.metrics->errors);
    return n;
}

}  // namespace

int64_t ProgressPrinter::sourceEvents() const {
    int64_t n = 0;
    for (const auto& node : m_exec.nodes())
        if (node.spec->isSource()) n += NodeMetrics::get(node.metrics->eventsOut);
    return n;
}

void ProgressPrinter::tick(int64_t elapsedNs) {
    if (!m_tty || elapsedNs - m_lastTickNs < 1'000'000'000) return;
    const int64_t events = sourceEvents();
    m_rate = static_cast<double>(events - m_lastEvents) * 1e9 /
             static_cast<double>(elapsedNs - m_lastTickNs);
    m_lastEvents = events;
    m_lastTickNs = elapsedNs;
    std::string status = "Running " + clockText(elapsedNs) + " · " + humanCount(m_rate) +
                         " ev/s · " + humanCount(static_cast<double>(events)) + " events";
    int64_t errors = sumErrors(m_exec);
    if (errors) status += " · " + humanCount(static_cast<double>(errors)) + " errors";
    std::lock_guard lock(m_mutex);
    m_status = status;
    std::cerr << "\r\033[K" << m_status << std::flush;
}

namespace {

// The link state of a connector and its overload drops, for --json.
void addConnectorFields(Json& node, const NodeMetrics& m) {
    node["dropped"] = NodeMetrics::get(m.dropped);
    if (m.link() == LinkState::None) return;
    node["link"] = std::string(linkStateName(m.link()));
    node["link_reason"] = redactSecrets(m.linkReason());
    node["reconnects"] = NodeMetrics::get(m.reconnects);
}

}  // namespace

void ProgressPrinter::printMetrics(int64_t elapsedNs) {
    const int64_t events = sourceEvents();
    const double dt = static_cast<double>(elapsedNs - m_lastMetricsNs) / 1e9;
    const double rate = dt > 0 ? static_cast<double>(events - m_lastMetricsEvents) / dt : 0;
    m_lastMetricsNs = elapsedNs;
    m_lastMetricsEvents = events;
    std::lock_guard lock(m_mutex);
    if (m_tty && !m_status.empty()) std::cerr << "\r\033[K";
    if (m_json) {
        Json j = {{"type", "metrics"},
                  {"elapsed_s", static_cast<double>(elapsedNs) / 1e9},
                  {"events_per_s", rate},
                  {"nodes", Json::array()}};
        for (const auto& node : m_exec.nodes()) {
            const NodeMetrics& m = *node.metrics;
            j["nodes"].push_back(
                {{"id", node.id},
                 {"in", NodeMetrics::get(m.eventsIn)},
                 {"out", NodeMetrics::get(m.eventsOut)},
                 {"errors", NodeMetrics::get(m.errors)},
                 {"late", NodeMetrics::get(m.late)},
                 {"state_keys", NodeMetrics::get(m.stateKeys)},
                 {"state_bytes", NodeMetrics::get(m.stateBytes)},
                 {"queue_fill",
                  static_cast<double>(NodeMetrics::get(m.queueFillPermille)) / 1000}});
            addConnectorFields(j["nodes"].back(), m);
        }
        std::cout << j.dump() << "\n" << std::flush;
    } else {
        std::cout << clockText(elapsedNs) << "  " << humanCount(rate) << " ev/s";
        for (const auto& node : m_exec.nodes()) {
            const NodeMetrics& m = *node.metrics;
            std::cout << "  " << node.id << " "
                      << humanCount(static_cast<double>(NodeMetrics::get(m.eventsOut)));
            if (int64_t e = NodeMetrics::get(m.errors)) std::cout << " (" << e << " errors)";
            if (m.link() == LinkState::Connecting) std::cout << " [connecting]";
            if (int64_t d = NodeMetrics::get(m.dropped)) std::cout << " (" << d << " dropped)";
        }
        std::cout << "\n" << std::flush;
    }
    if (m_tty && !m_status.empty()) std::cerr << m_status << std::flush;
}

void ProgressPrinter::printLine(const std::string& line) {
    std::lock_guard lock(m_mutex);
    if (m_tty && !m_status.empty()) std::cerr << "\r\033[K" << std::flush;
    std::cout << line << "\n" << std::flush;
    if (m_tty && !m_status.empty()) std::cerr << m_status << std::flush;
}

void ProgressPrinter::clear() {
    std::lock_guard lock(m_mutex);
    if (m_tty && !m_status.empty()) std::cerr << "\r\033[K" << std::flush;
    m_status.clear();
}

Json finalReportJson(const Executor& exec, double seconds, const std::string& status,
                     const std::string& reason) {
    Json j = {{"type", "result"},
              {"status", status},
              {"reason", reason},
              {"seconds", seconds},
              {"nodes", Json::array()}};
    for (const auto& node : exec.nodes()) {
        const NodeMetrics& m = *node.metrics;
        int64_t wm = NodeMetrics::get(m.watermark);
        Json jn = {{"id", node.id},
                   {"type", node.spec->typeId},
                   {"in", NodeMetrics::get(m.eventsIn)},
                   {"out", NodeMetrics::get(m.eventsOut)},
                   {"errors", NodeMetrics::get(m.errors)},
                   {"late", NodeMetrics::get(m.late)},
                   {"warnings", NodeMetrics::get(m.warnings)},
                   {"watermark", watermarkText(wm)},
                   {"state_keys_peak", NodeMetrics::get(m.stateKeysPeak)},
                   {"state_bytes_peak", NodeMetrics::get(m.stateBytesPeak)}};
        addConnectorFields(jn, m);
        j["nodes"].push_back(std::move(jn));
    }
    return j;
}

std::string finalReportTable(const Executor& exec, double seconds, const std::string& reason) {
    std::string out;
    char line[512];
    size_t idWidth = 4, typeWidth = 4;
    for (const auto& node : exec.nodes()) {
        idWidth = std::max(idWidth, node.id.size());
        typeWidth = std::max(typeWidth, node.spec->typeId.size());
    }
    const int iw = static_cast<int>(idWidth), tw = static_cast<int>(typeWidth);
    std::snprintf(line, sizeof line, "%-*s  %-*s  %12s  %12s  %8s  %8s  %-22s  %s\n", iw, "node",
                  tw, "type", "in", "out", "errors", "late", "state (peak)", "watermark");
    out += line;
    for (const auto& node : exec.nodes()) {
        const NodeMetrics& m = *node.metrics;
        const int64_t keys = NodeMetrics::get(m.stateKeysPeak),
                      bytes = NodeMetrics::get(m.stateBytesPeak);
        const std::string state = bytes > 0 ? humanCount(static_cast<double>(keys)) +
                                                  (keys == 1 ? " key, " : " keys, ") +
                                                  formatByteSize(bytes)
                                            : "-";
        std::snprintf(line, sizeof line, "%-*s  %-*s  %12lld  %12lld  %8lld  %8lld  %-22s  %s\n",
                      iw, node.id.c_str(), tw, node.spec->typeId.c_str(),
                      static_cast<long long>(NodeMetrics::get(m.eventsIn)),
                      static_cast<long long>(NodeMetrics::get(m.eventsOut)),
                      static_cast<long long>(NodeMetrics::get(m.errors)),
                      static_cast<long long>(NodeMetrics::get(m.late)), state.c_str(),
                      watermarkText(NodeMetrics::get(m.watermark)).c_str());
        out += line;
    }
    // Connectors: where they stand with their peer, and what overload cost.
    for (const auto& node : exec.nodes()) {
        const NodeMetrics& m = *node.metrics;
        const int64_t dropped = NodeMetrics::get(m.dropped),
                      reconnects = NodeMetrics::get(m.reconnects);
        if (m.link() == LinkState::None && dropped == 0 && reconnects == 0) continue;
        std::string note = node.id + ": " + std::string(linkStateName(m.link()));
        if (const std::string why = m.linkReason(); !why.empty())
            note += " (" + redactSecrets(why) + ")";
        if (reconnects) note += ", " + std::to_string(reconnects) + " reconnects";
        if (dropped) note += ", " + std::to_string(dropped) + " dropped under overload";
        out += note + "\n";
    }
    std::snprintf(line, sizeof line, "%.2f s, %s\n", seconds, reason.c_str());
    out += line;
    return out;
}

}  // namespace riffle
