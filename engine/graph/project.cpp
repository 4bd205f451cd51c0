#include "engine/graph/project.h"

#include "engine/core/json_text.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace riffle {

namespace {

constexpr int kMaxNesting = 64;
// The layout of nodes without a position, in canvas units: a card is 200 wide.
constexpr double kLayoutMargin = 40, kLayoutColumnStep = 280, kLayoutRowStep = 160;

std::string typeOf(const Json& v) {
    switch (v.type()) {
        case Json::value_t::null:
            return "null";
        case Json::value_t::object:
            return "an object";
        case Json::value_t::array:
            return "a list";
        case Json::value_t::string:
            return "a string";
        case Json::value_t::boolean:
            return "true/false";
        default:
            return "a number";
    }
}

Status splitEndpoint(const std::string& where, const std::string& text, std::string& node,
                     std::string& port) {
    auto dot = text.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == text.size())
        return Status::error(where + " must look like \"node.port\", got \"" + text + "\"");
    node = text.substr(0, dot);
    port = text.substr(dot + 1);
    return Status::ok();
}

Json positionJson(double v) {
    if (std::floor(v) == v && std::fabs(v) < 1e15) return Json(static_cast<int64_t>(v));
    return Json(v);
}

// Sorted keys (Json objects are ordered maps), two-space indent, and lists of plain values on
// one line ("position": [80, 120]) so that diffs stay short and readable.
void writeJson(std::string& out, const Json& v, int indent) {
    auto pad = [&](int n) { out.append(static_cast<size_t>(n), ' '); };
    auto scalar = [&](const Json& x) {
        out += x.dump(-1, ' ', false, Json::error_handler_t::replace);
    };
    if (v.is_object()) {
        if (v.empty()) {
            out += "{}";
            return;
        }
        out += "{\n";
        bool first = true;
        for (const auto& [k, x] : v.items()) {
            if (!first) out += ",\n";
            first = false;
            pad(indent + 2);
            scalar(Json(k));
            out += ": ";
            writeJson(out, x, indent + 2);
        }
        out += "\n";
        pad(indent);
        out += "}";
    } else if (v.is_array()) {
        if (v.empty()) {
            out += "[]";
            return;
        }
        bool flat = true;
        for (const auto& x : v) flat = flat && !x.is_structured();
        if (flat) {
            out += "[";
            for (size_t i = 0; i < v.size(); ++i) {
                if (i) out += ", ";
                scalar(v[i]);
            }
            out += "]";
            return;
        }
        out += "[\n";
        for (size_t i = 0; i < v.size(); ++i) {
            if (i) out += ",\n";
            pad(indent + 2);
            writeJson(out, v[i], indent + 2);
        }
        out += "\n";
        pad(indent);
        out += "]";
    } else {
        scalar(v);
    }
}

// Nodes written without a `position` (a project made by a script or by hand) are laid out left
// to right by their depth in the graph, one column per step from a source, below the nodes that
// have a position, so that they do not open as one pile.
void placeUnplaced(Project& p, const std::vector<size_t>& unplaced) {
    if (unplaced.empty()) return;
    std::map<std::string, size_t> depth;
    for (const NodeDef& n : p.nodes) depth[n.id] = 0;
    // Longest path from a source; a cycle (refused later by validation) stops after n rounds.
    for (size_t round = 0; round < p.nodes.size(); ++round) {
        bool changed = false;
        for (const EdgeDef& e : p.edges) {
            const auto from = depth.find(e.fromNode), to = depth.find(e.toNode);
            if (from == depth.end() || to == depth.end() || to->second > from->second) continue;
            to->second = from->second + 1;
            changed = true;
        }
        if (!changed) break;
    }
    double top = kLayoutMargin;
    if (unplaced.size() < p.nodes.size()) {
        double bottom = 0;
        for (const NodeDef& n : p.nodes) bottom = std::max(bottom, n.y);
        top = bottom + kLayoutRowStep;
    }
    std::map<size_t, int> rows;  // nodes placed so far in each column
    for (size_t i : unplaced) {
        NodeDef& n = p.nodes[i];
        const size_t column = depth[n.id];
        n.x = kLayoutMargin + static_cast<double>(column) * kLayoutColumnStep;
        n.y = top + rows[column]++ * kLayoutRowStep;
    }
}

}  // namespace

std::string canonicalJsonText(const Json& doc) {
    std::string out;
    writeJson(out, doc, 0);
    out += "\n";
    return out;
}

Status migrateProject(Json& doc) {
    int version = doc["version"].get<int>();
    // Version steps go here as the format grows: if (version == 1) { ...; version = 2; }
    if (version < 1)
        return Status::error("`version` " + std::to_string(version) +
                             " is not a Riffle project version");
    doc["version"] = version;
    return Status::ok();
}

const NodeDef* Project::node(std::string_view id) const {
    for (const auto& n : nodes)
        if (n.id == id) return &n;
    return nullptr;
}

NodeDef* Project::node(std::string_view id) {
    for (auto& n : nodes)
        if (n.id == id) return &n;
    return nullptr;
}

std::string Project::baseDir() const {
    if (path.empty()) return {};
    return std::filesystem::absolute(std::filesystem::path(path)).parent_path().string();
}

Result<Project> Project::fromJsonText(std::string_view text) {
    using R = Result<Project>;
    Json doc;
    if (auto problem = parseJsonInto(text, doc, kMaxNesting)) {
        using Kind = JsonProblem::Kind;
        const std::string where = lineColumn(text, problem->byte) + ": ";
        switch (problem->kind) {
            case Kind::Empty:
                return R::error("the file is empty; a project is a JSON object");
            case Kind::TooDeep:
                return R::error(where + problem->reason + "; a project file is never this deep");
            case Kind::Syntax:
                return R::error(where + "invalid JSON: " + problem->reason);
            default:
                return R::error(where + problem->reason);
        }
    }
    if (!doc.is_object()) return R::error("a project must be a JSON object, got " + typeOf(doc));
    if (!doc.contains("format") || doc["format"] != "riffle-project")
        return R::error("`format` must be \"riffle-project\"; is this a Riffle project file?");
    if (!doc.contains("version") || !doc["version"].is_number_integer())
        return R::error("`version` must be a whole number (this Riffle writes version " +
                        std::to_string(kProjectFormatVersion) + ")");
    int version = doc["version"].get<int>();
    if (version > kProjectFormatVersion)
        return R::error("this project was written by a newer Riffle (format version " +
                        std::to_string(version) + "; this Riffle reads up to version " +
                        std::to_string(kProjectFormatVersion) + "). Update Riffle to open it.");
    if (Status s = migrateProject(doc); !s) return R::error(s.message());

    Project p;
    for (const char* key : {"name", "description"}) {
        if (doc.contains(key) && !doc[key].is_string())
            return R::error(std::string("`") + key + "` must be a string, got " + typeOf(doc[key]));
    }
    p.name = doc.value("name", "");
    p.description = doc.value("description", "");

    if (doc.contains("nodes") && !doc["nodes"].is_array())
        return R::error("`nodes` must be a list, got " + typeOf(doc["nodes"]));
    std::set<std::string> ids;
    std::vector<size_t> unplaced;  // nodes written without a `position`
    size_t index = 0;
    for (const auto& jn : doc.value("nodes", Json::array())) {
        ++index;
        std::string where = "node " + std::to_string(index);
        if (!jn.is_object()) return R::error(where + " must be an object, got " + typeOf(jn));
        if (!jn.contains("id") || !jn["id"].is_string() || jn["id"].get<std::string>().empty())
            return R::error(where + ": `id` must be a non-empty string");
        NodeDef n;
        n.id = jn["id"].get<std::string>();
        where += " (`" + n.id + "`)";
        if (n.id.find('.') != std::string::npos)
            return R::error(where + ": `id` must not contain a dot (edges use node.port)");
        if (!ids.insert(n.id).second) return R::error(where + ": duplicate id `" + n.id + "`");
        if (!jn.contains("type") || !jn["type"].is_string())
            return R::error(where + ": `type` must be a string like \"transform.filter\"");
        n.type = jn["type"].get<std::string>();
        if (jn.contains("title")) {
            if (!jn["title"].is_string()) return R::error(where + ": `title` must be a string");
            n.title = jn["title"].get<std::string>();
        }
        if (!jn.contains("position")) unplaced.push_back(p.nodes.size());
        if (jn.contains("position")) {
            const Json& pos = jn["position"];
            if (!pos.is_array() || pos.size() != 2 || !pos[0].is_number() || !pos[1].is_number())
                return R::error(where + ": `position` must be [x, y], got " + pos.dump());
            n.x = pos[0].get<double>();
            n.y = pos[1].get<double>();
        }
        if (jn.contains("params")) {
            if (!jn["params"].is_object())
                return R::error(where + ": `params` must be an object, got " +
                                typeOf(jn["params"]));
            n.params = jn["params"];
        }
        for (const auto& [k, v] : jn.items())
            if (k != "id" && k != "type" && k != "title" && k != "position" && k != "params")
                n.extra[k] = v;
        p.nodes.push_back(std::move(n));
    }

    if (doc.contains("edges") && !doc["edges"].is_array())
        return R::error("`edges` must be a list, got " + typeOf(doc["edges"]));
    index = 0;
    for (const auto& je : doc.value("edges", Json::array())) {
        ++index;
        std::string where = "edge " + std::to_string(index);
        if (!je.is_object() || !je.contains("from") || !je.contains("to") ||
            !je["from"].is_string() || !je["to"].is_string())
            return R::error(where + " must be {\"from\": \"node.port\", \"to\": \"node.port\"}");
        EdgeDef e;
        if (Status s = splitEndpoint(where + ": `from`", je["from"], e.fromNode, e.fromPort); !s)
            return R::error(s.message());
        if (Status s = splitEndpoint(where + ": `to`", je["to"], e.toNode, e.toPort); !s)
            return R::error(s.message());
        for (const auto& [k, v] : je.items())
            if (k != "from" && k != "to") e.extra[k] = v;
        p.edges.push_back(std::move(e));
    }

    placeUnplaced(p, unplaced);

    if (doc.contains("dashboard")) {
        if (!doc["dashboard"].is_object()) return R::error("`dashboard` must be an object");
        p.dashboard = doc["dashboard"];
    }
    if (doc.contains("settings")) {
        if (!doc["settings"].is_object()) return R::error("`settings` must be an object");
        p.settings = doc["settings"];
    }
    for (const auto& [k, v] : doc.items())
        if (k != "format" && k != "version" && k != "name" && k != "description" && k != "nodes" &&
            k != "edges" && k != "dashboard" && k != "settings")
            p.extra[k] = v;
    return p;
}

Result<Project> Project::load(const std::string& filePath) {
    std::ifstream in(filePath, std::ios::binary);
    if (!in) return Result<Project>::error(filePath + ": cannot open the file");
    std::ostringstream ss;
    ss << in.rdbuf();
    auto r = fromJsonText(ss.str());
    if (!r) return Result<Project>::error(filePath + ": " + r.message());
    r->path = filePath;
    return r;
}

Json Project::toJson() const {
    Json doc = extra;
    doc["format"] = "riffle-project";
    doc["version"] = kProjectFormatVersion;
    doc["name"] = name;
    if (!description.empty()) doc["description"] = description;
    Json jnodes = Json::array();
    for (const auto& n : nodes) {
        Json jn = n.extra;
        jn["id"] = n.id;
        jn["type"] = n.type;
        if (!n.title.empty()) jn["title"] = n.title;
        jn["position"] = Json::array({positionJson(n.x), positionJson(n.y)});
        jn["params"] = n.params;
        jnodes.push_back(std::move(jn));
    }
    doc["nodes"] = std::move(jnodes);
    Json jedges = Json::array();
    for (const auto& e : edges) {
        Json je = e.extra;
        je["from"] = e.from();
        je["to"] = e.to();
        jedges.push_back(std::move(je));
    }
    doc["edges"] = std::move(jedges);
    doc["dashboard"] = dashboard;
    doc["settings"] = settings;
    return doc;
}

std::string Project::toJsonText() const {
    return canonicalJsonText(toJson());
}

Status Project::save(const std::string& filePath) const {
    const std::string tmp = filePath + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return Status::error(filePath + ": cannot write the file");
        out << toJsonText();
        if (!out.flush()) return Status::error(filePath + ": write failed");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, filePath, ec);
    if (ec) return Status::error(filePath + ": " + ec.message());
    return Status::ok();
}

}  // namespace riffle
