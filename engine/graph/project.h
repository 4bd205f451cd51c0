#pragma once
// The project file: `*.riffle`, UTF-8 JSON, format version 1.
//
// Loading keeps the whole document, so that keys Riffle does not know survive a save, and
// saving writes sorted keys with two-space indentation: loading then saving an unchanged
// project gives the same bytes. Older format versions are migrated on load; newer ones refused.
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/graph/params.h"

namespace riffle {

inline constexpr int kProjectFormatVersion = 1;

struct NodeDef {
    std::string id;
    std::string type;
    std::string title;
    double x = 0, y = 0;
    Json params = Json::object();
    Json extra = Json::object();  // keys of the node object Riffle does not interpret
};

struct EdgeDef {
    std::string fromNode, fromPort, toNode, toPort;
    Json extra = Json::object();
    std::string from() const { return fromNode + "." + fromPort; }
    std::string to() const { return toNode + "." + toPort; }
};

class Project {
public:
    std::string name;
    std::string description;
    std::vector<NodeDef> nodes;
    std::vector<EdgeDef> edges;
    Json dashboard = Json::object();
    Json settings = Json::object();
    Json extra = Json::object();  // unknown top-level keys
    std::string path;             // where it was loaded from (not saved)

    const NodeDef* node(std::string_view id) const;
    NodeDef* node(std::string_view id);
    // Folder that relative paths in parameters resolve against.
    std::string baseDir() const;

    // Parses a project. Errors name the place: "3:17: invalid JSON: ..." or
    // "node 2 (`clicks`): `params` must be an object". Nodes without a `position` are laid out
    // in columns by their depth in the graph, below the nodes that have one.
    static Result<Project> fromJsonText(std::string_view text);
    static Result<Project> load(const std::string& path);
    Json toJson() const;
    // Canonical text: sorted keys, two-space indent, trailing newline.
    std::string toJsonText() const;
    Status save(const std::string& path) const;
};

// Upgrades a project document written by an older format version to the current one, in place.
// Each step is a function from version N to N+1 (none exist yet beyond version 1).
Status migrateProject(Json& doc);

// Sorted keys, two-space indent, lists of plain values on one line, trailing newline.
std::string canonicalJsonText(const Json& doc);

}  // namespace riffle
