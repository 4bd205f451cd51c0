#include "engine/core/json_text.h"

namespace riffle {

namespace {

// Where the bracket that opens level maxDepth + 1 is, found by a scan that skips strings.
size_t tooDeepAt(std::string_view text, int maxDepth) {
    int depth = 0;
    bool inString = false, escape = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (escape)
                escape = false;
            else if (c == '\\')
                escape = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > maxDepth) return i;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return 0;
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1,
// column 5: " prefix, which names a place the caller names better.
std::string reasonOf(const nlohmann::detail::exception& ex, const std::string& lastToken) {
    if (ex.id == 406)  // number overflow: the only out_of_range the parser reports
        return "the number " + lastToken + " is too large (a number must fit a double)";
    std::string what = ex.what();
    if (auto pos = what.find("syntax error"); pos != std::string::npos) return what.substr(pos);
    if (auto pos = what.find("] "); pos != std::string::npos) return what.substr(pos + 2);
    return what;
}

// Builds the value with nlohmann's own DOM builder, counting depth on the way and keeping the
// first problem instead of throwing it.
template <typename J>
class BoundedDomBuilder {
public:
    using Dom = nlohmann::detail::json_sax_dom_parser<J>;
    BoundedDomBuilder(J& out, int maxDepth) : m_dom(out, false), m_maxDepth(maxDepth) {}

    bool null() { return m_dom.null(); }
    bool boolean(bool v) { return m_dom.boolean(v); }
    bool number_integer(typename J::number_integer_t v) { return m_dom.number_integer(v); }
    bool number_unsigned(typename J::number_unsigned_t v) { return m_dom.number_unsigned(v); }
    bool number_float(typename J::number_float_t v, const typename J::string_t& s) {
        return m_dom.number_float(v, s);
    }
    bool string(typename J::string_t& v) { return m_dom.string(v); }
    bool binary(typename J::binary_t& v) { return m_dom.binary(v); }
    bool key(typename J::string_t& v) { return m_dom.key(v); }
    bool start_object(std::size_t n) { return enter() && m_dom.start_object(n); }
    bool end_object() {
        --m_depth;
        return m_dom.end_object();
    }
    bool start_array(std::size_t n) { return enter() && m_dom.start_array(n); }
    bool end_array() {
        --m_depth;
        return m_dom.end_array();
    }
    bool parse_error(std::size_t position, const std::string& lastToken,
                     const nlohmann::detail::exception& ex) {
        if (problem) return false;
        // `position` is just past the last byte read: the offending byte of a syntax error, the
        // end of a number that overflowed (which the problem names from its first byte).
        if (ex.id == 406)
            problem = JsonProblem{JsonProblem::Kind::NumberTooLarge,
                                  position >= lastToken.size() ? position - lastToken.size() : 0,
                                  reasonOf(ex, lastToken)};
        else
            problem = JsonProblem{JsonProblem::Kind::Syntax, position > 0 ? position - 1 : 0,
                                  reasonOf(ex, lastToken)};
        return false;
    }

    bool tooDeep = false;
    std::optional<JsonProblem> problem;

private:
    bool enter() {
        if (++m_depth <= m_maxDepth) return true;
        tooDeep = true;
        return false;
    }

    Dom m_dom;
    int m_maxDepth;
    int m_depth = 0;
};

template <typename J>
std::optional<JsonProblem> parseInto(std::string_view text, J& out, int maxDepth) {
    BoundedDomBuilder<J> builder(out, maxDepth);
    bool ok = false;
    try {
        ok = J::sax_parse(text.begin(), text.end(), &builder);
    } catch (const std::exception& e) {  // allocation failure: the value was too large
        return JsonProblem{JsonProblem::Kind::TooLarge, 0,
                           std::string("cannot be read: ") + e.what()};
    }
    if (builder.tooDeep)
        return JsonProblem{JsonProblem::Kind::TooDeep, tooDeepAt(text, maxDepth),
                           "nesting deeper than " + std::to_string(maxDepth) + " levels"};
    if (builder.problem) {
        if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
            return JsonProblem{JsonProblem::Kind::Empty, 0, "the text is empty"};
        return builder.problem;
    }
    if (!ok) return JsonProblem{JsonProblem::Kind::Syntax, 0, "not valid JSON"};
    return std::nullopt;
}

}  // namespace

std::optional<JsonProblem> parseJsonInto(std::string_view text, nlohmann::json& out, int maxDepth) {
    return parseInto(text, out, maxDepth);
}

std::optional<JsonProblem> parseJsonInto(std::string_view text, nlohmann::ordered_json& out,
                                         int maxDepth) {
    return parseInto(text, out, maxDepth);
}

std::string lineColumn(std::string_view text, size_t byte) {
    int line = 1, column = 1;
    for (size_t i = 0; i < byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace riffle
