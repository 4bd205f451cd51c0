#include "engine/graph/node_reference.h"

namespace riffle {

std::string nodeReferenceMarkdown(const NodeSpec& s) {
    std::string out = "## `" + s.typeId + "` — " + s.displayName + "\n\n" + s.description + "\n\n";
    auto ports = [](const std::vector<PortSpec>& ps) {
        std::string t;
        for (const auto& p : ps) t += (t.empty() ? "`" : ", `") + p.name + "`";
        return t.empty() ? std::string("none") : t;
    };
    out += "Inputs: " + ports(s.inputs) + ". Outputs: " + ports(s.outputs) + ".\n";
    if (s.params.empty()) return out;
    out += "\n| parameter | type | default | range | description |\n|---|---|---|---|---|\n";
    for (const auto& p : s.params) {
        std::string type(paramTypeName(p.type));
        if (!p.choices.empty()) {
            type.clear();
            for (const auto& c : p.choices) type += (type.empty() ? "" : " / ") + c;
        }
        std::string def = p.defaultValue.is_null() ? "" : "`" + p.defaultValue.dump() + "`";
        std::string help = p.help;
        if (!p.unit.empty()) help += " (" + p.unit + ")";
        if (p.required) help += " Required.";
        for (auto& c : help)
            if (c == '|') c = '/';
        out += "| `" + p.key + "` | " + type + " | " + def + " | " + rangeText(p) + " | " + help +
               " |\n";
    }
    return out;
}

}  // namespace riffle
