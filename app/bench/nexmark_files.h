#pragma once
// The Nexmark generator's events as files, for runs that must read the very same events in Riffle
// and in Flink (riffle-bench --vs-flink, tests/peers/tst_flink_export.cpp): a project that records
// the generator's persons, auctions and bids into JSON Lines files, and the rewrite of a Nexmark
// query's project that reads those files in place of its generator.
//
// Each file's rows are the port's fields, times written as text, then `ts`: the event time in
// epoch milliseconds, the generator's microsecond steps stretched to milliseconds (so 120 000
// events span two minutes) since Flink's event times are milliseconds.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/graph/params.h"

namespace riffle::nexmark_files {

struct Stream {
    std::string port, file;
    std::vector<std::pair<std::string, std::string>> fields;  // name, Riffle type
};

inline const std::vector<Stream>& streams() {
    static const std::vector<Stream> all = {{"person",
                                             "persons.jsonl",
                                             {{"id", "int"},
                                              {"name", "string"},
                                              {"emailAddress", "string"},
                                              {"creditCard", "string"},
                                              {"city", "string"},
                                              {"state", "string"},
                                              {"dateTime", "time"},
                                              {"extra", "string"}}},
                                            {"auction",
                                             "auctions.jsonl",
                                             {{"id", "int"},
                                              {"itemName", "string"},
                                              {"description", "string"},
                                              {"initialBid", "int"},
                                              {"reserve", "int"},
                                              {"dateTime", "time"},
                                              {"expires", "time"},
                                              {"seller", "int"},
                                              {"category", "int"},
                                              {"extra", "string"}}},
                                            {"bid",
                                             "bids.jsonl",
                                             {{"auction", "int"},
                                              {"bidder", "int"},
                                              {"price", "int"},
                                              {"channel", "string"},
                                              {"url", "string"},
                                              {"dateTime", "time"},
                                              {"extra", "string"}}}};
    return all;
}

// The parameters of a source.file reading the JSON Lines file `path` with `schema`, its event
// time the epoch milliseconds in `ts`.
inline Json fileSourceParams(const std::string& path, Json schema,
                             const std::string& outOfOrderness) {
    return {{"path", path},
            {"schema", std::move(schema)},
            {"time_field", "ts"},
            {"time_format", "epoch_ms"},
            {"max_out_of_orderness", outOfOrderness}};
}

// A project writing `events` generator events (seed 1, from 2026-01-01T00:00:00Z) into the files
// of streams() in the folder `dir`.
inline Json recorder(const std::string& dir, int64_t events) {
    Json p = {{"format", "riffle-project"},
              {"version", 1},
              {"name", "record"},
              {"nodes", Json::array({{{"id", "gen"},
                                      {"type", "source.nexmark"},
                                      {"params",
                                       {{"rate", 0},
                                        {"seed", 1},
                                        {"limit", events},
                                        {"start", "2026-01-01T00:00:00Z"}}}}})},
              {"edges", Json::array()}};
    for (const Stream& st : streams()) {
        Json fields =
            Json::array({{{"name", "ts"},
                          {"expr", "1767225600000 + (CAST(_time AS INT) - 1767225600000000)"}}});
        for (const auto& [name, type] : st.fields)
            fields.push_back(
                {{"name", name}, {"expr", type == "time" ? "CAST(" + name + " AS STRING)" : name}});
        p["nodes"].push_back({{"id", st.port + "_stretch"},
                              {"type", "transform.map"},
                              {"params", {{"fields", fields}, {"keep_input", false}}}});
        p["nodes"].push_back({{"id", st.port + "_file"},
                              {"type", "sink.file"},
                              {"params", {{"path", dir + "/" + st.file}}}});
        p["edges"].push_back({{"from", "gen." + st.port}, {"to", st.port + "_stretch.in"}});
        p["edges"].push_back({{"from", st.port + "_stretch.out"}, {"to", st.port + "_file.in"}});
    }
    return p;
}

// The generator `id` of `project` replaced by a source.file with `params`; the wires from any of
// the generator's ports come from the file's `out`.
inline void readFromFile(Json& project, const std::string& id, Json params) {
    for (Json& node : project["nodes"])
        if (node["id"] == id) {
            node["type"] = "source.file";
            node["params"] = std::move(params);
        }
    for (Json& edge : project["edges"]) {
        const std::string from = edge["from"].get<std::string>();
        if (from.rfind(id + ".", 0) == 0) edge["from"] = id + ".out";
    }
}

// The generator `nexmark` of a query's project replaced by a file source per port it uses,
// reading the recorder's files (paths relative to the project, or `dir/` when given): named
// `nexmark` when it uses one port, else `persons`, `auctions`, `bids`. Returns the files read.
inline std::vector<std::string> readRecordedFiles(Json& project, const std::string& dir = {}) {
    std::set<std::string> ports;
    for (const Json& edge : project["edges"]) {
        const std::string from = edge["from"].get<std::string>();
        if (from.rfind("nexmark.", 0) == 0) ports.insert(from.substr(8));
    }
    auto params = [&dir](const std::string& port) {
        for (const Stream& st : streams())
            if (st.port == port) {
                Json schema = Json::array({"ts int"});
                for (const auto& [name, type] : st.fields)
                    schema.push_back(name + " " + (type == "time" ? "string" : type));
                return fileSourceParams((dir.empty() ? "" : dir + "/") + st.file, schema, "10s");
            }
        return Json();
    };
    std::vector<std::string> files;
    for (const std::string& port : ports) files.push_back(params(port)["path"]);
    if (ports.size() == 1) {
        readFromFile(project, "nexmark", params(*ports.begin()));
        return files;
    }
    Json nodes = Json::array();
    for (const Json& node : project["nodes"])
        if (node["id"] != "nexmark") nodes.push_back(node);
    for (const std::string& port : ports)
        nodes.push_back({{"id", port + "s"}, {"type", "source.file"}, {"params", params(port)}});
    project["nodes"] = nodes;
    for (Json& edge : project["edges"]) {
        const std::string from = edge["from"].get<std::string>();
        if (from.rfind("nexmark.", 0) == 0) edge["from"] = from.substr(8) + "s.out";
    }
    return files;
}

}  // namespace riffle::nexmark_files
