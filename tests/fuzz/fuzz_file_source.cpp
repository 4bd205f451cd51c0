// source.file over any file: JSON Lines and CSV, with a declared schema and with the schema
// inferred from the file, with and without a time field. A bad line goes to `errors` with its
// line number; the other lines are delivered; nothing throws, crashes or loops.
//
// The first byte picks the configuration; the rest is the file.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/graph/node_instance.h"
#include "engine/runtime/collecting_emitter.h"
#include "nodes/register_builtin_nodes.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

using namespace riffle;

std::string scratchFile(const char* extension) {
    static const std::string dir = [] {
        const auto d =
            std::filesystem::temp_directory_path() / ("riffle-fuzz-" + std::to_string(getpid()));
        std::filesystem::create_directories(d);
        return d.string();
    }();
    return dir + "/input" + extension;
}

}  // namespace

RIFFLE_FUZZ_TARGET(file_source) {
    if (input.empty()) return;
    const unsigned pick = static_cast<unsigned char>(input[0]);
    const std::string_view body = input.substr(1);
    const bool csv = pick & 1;
    const std::string path = scratchFile(csv ? ".csv" : ".jsonl");
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(body.data(), static_cast<std::streamsize>(body.size()));

    Json params = {{"path", path}, {"max_line_bytes", 256}};
    if (pick & 2) params["schema"] = {"page string", "n int", "x float", "ok bool", "ts time"};
    if (pick & 4) params["time_field"] = "ts";
    if (pick & 8) params["time_format"] = "epoch_ms";
    auto node = instantiateNode(*builtinNodeRegistry().find("source.file"), "f", params, {});
    if (!node) return;  // e.g. an inferred schema without the time field: refused with a message
    CollectingEmitter out(node->context.outputSchemas);
    if (!node->source->open()) return;
    size_t polls = 0;
    for (;; ++polls) {
        FUZZ_CHECK(polls <= body.size() + 16, "a file source ends");
        if (node->source->poll(out).state == SourcePoll::State::Ended) break;
    }
    for (const auto& e : out.rowValues(out.errorsPort()))
        for (const Value& v : e) (void)v.toString();
    node->source->close();
}
