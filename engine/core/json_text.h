#pragma once
// Parsing JSON that comes from outside Riffle: project files, clipboard pastes, events, recordings'
// metadata, chart history, secrets files, `--set` values. Every way such text can be wrong - a
// syntax error, a number beyond a double (`1e400`), nesting deeper than a limit, bytes that are not
// UTF-8, trailing text - comes back as a JsonProblem with the byte where it was found, never as an
// exception, and deep nesting is refused before anything recursive (dump, our own walks) sees it.
// Everything that reads outside JSON goes through here; nothing calls nlohmann's parse directly.
//
// Pure functions, thread-safe.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace riffle {

// Deeper than this is refused: no Riffle document or event needs more, and it keeps every
// recursive walk over a parsed value far from the end of a thread's stack.
constexpr int kMaxJsonDepth = 128;

struct JsonProblem {
    enum class Kind { Syntax, Empty, NumberTooLarge, TooDeep, TooLarge };
    Kind kind = Kind::Syntax;
    size_t byte = 0;     // 0-based offset into the text where the problem was found
    std::string reason;  // e.g. "the number 1e400 is too large (a number must fit a double)"
};

// Parses `text` as exactly one JSON value into `out`; on a problem `out` is left unspecified.
std::optional<JsonProblem> parseJsonInto(std::string_view text, nlohmann::json& out,
                                         int maxDepth = kMaxJsonDepth);
std::optional<JsonProblem> parseJsonInto(std::string_view text, nlohmann::ordered_json& out,
                                         int maxDepth = kMaxJsonDepth);

// "line:column" (both 1-based) of a byte offset, for messages about documents.
std::string lineColumn(std::string_view text, size_t byte);

}  // namespace riffle
