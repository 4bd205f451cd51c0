#include "engine/graph/node_spec.h"

#include <algorithm>
#include <stdexcept>

#include "engine/graph/node_registry.h"

namespace riffle {

const ParamSpec* NodeSpec::param(std::string_view key) const {
    for (const auto& p : params)
        if (p.key == key) return &p;
    return nullptr;
}

int NodeSpec::outputIndex(std::string_view port) const {
    for (size_t i = 0; i < outputs.size(); ++i)
        if (outputs[i].name == port) return static_cast<int>(i);
    return -1;
}

int NodeSpec::inputIndex(std::string_view port) const {
    for (size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i].name == port) return static_cast<int>(i);
    return -1;
}

std::vector<ParamSpec> sourceTimeParams(const std::string& defaultOutOfOrderness) {
    return {
        param("time_field", ParamType::String,
              "Field that holds the event time; empty means processing time")
            .byDefault("")
            .inGroup("Time"),
        param("time_format", ParamType::Choice, "How the time field is written")
            .byDefault("auto")
            .oneOf({"auto", "iso8601", "epoch_s", "epoch_ms", "epoch_us"})
            .inGroup("Time"),
        param(kMaxOutOfOrdernessParam, ParamType::Duration,
              "How far events may arrive out of order; the watermark trails the newest event by "
              "this")
            .byDefault(defaultOutOfOrderness)
            .durationRange("0s")
            .inGroup("Time"),
        param(kIdleTimeoutParam, ParamType::Duration,
              "After this long without events the source stops holding back the watermark")
            .byDefault("5s")
            .durationRange("0s")
            .inGroup("Time"),
    };
}

const ParamSpec* NodeSpec::paramWithRole(ParamRole role) const {
    for (const ParamSpec& p : params)
        if (p.role == role) return &p;
    return nullptr;
}

int NodeSpec::outputOfKind(PortKind kind) const {
    for (size_t i = 0; i < outputs.size(); ++i)
        if (outputs[i].kind == kind) return static_cast<int>(i);
    return -1;
}

void NodeRegistry::add(NodeSpec spec) {
    if (spec.typeId.empty() || m_specs.count(spec.typeId))
        throw std::logic_error("node type registered twice or without id: " + spec.typeId);
    spec.outputs.push_back({"errors", "Events the node could not process, with `error` and `node`",
                            false, PortKind::Errors});
    std::string id = spec.typeId;
    m_specs.emplace(std::move(id), std::make_unique<NodeSpec>(std::move(spec)));
}

const NodeSpec* NodeRegistry::find(std::string_view typeId) const {
    auto it = m_specs.find(typeId);
    return it == m_specs.end() ? nullptr : it->second.get();
}

std::vector<const NodeSpec*> NodeRegistry::all() const {
    std::vector<const NodeSpec*> out;
    for (const auto& [id, spec] : m_specs) out.push_back(spec.get());
    static const std::vector<std::string> kOrder = {"source", "transform", "window", "aggregate",
                                                    "join",   "alert",     "sink"};
    auto rank = [](const NodeSpec* s) {
        auto it = std::find(kOrder.begin(), kOrder.end(), s->category);
        return it - kOrder.begin();
    };
    std::stable_sort(out.begin(), out.end(),
                     [&](const NodeSpec* a, const NodeSpec* b) { return rank(a) < rank(b); });
    return out;
}

size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string NodeRegistry::suggest(std::string_view typeId) const {
    std::string best;
    size_t bestD = SIZE_MAX;
    for (const auto& [id, spec] : m_specs) {
        size_t d = editDistance(typeId, id);
        if (d < bestD) {
            bestD = d;
            best = id;
        }
    }
    return bestD <= std::max<size_t>(3, typeId.size() / 3) ? best : std::string();
}

}  // namespace riffle
