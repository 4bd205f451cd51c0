#pragma once
// Text helpers of the expression language: UTF-8 code points, case mapping, LIKE matching and
// spelling suggestions. All functions are pure and thread-safe.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace riffle::expr {

// ASCII upper-casing, for keywords and function names.
std::string upper(std::string_view s);

// Decodes one code point at s[pos] and advances pos; invalid bytes decode as themselves (one byte
// each) so that any input is handled.
uint32_t decodeUtf8(std::string_view s, size_t& pos);
void appendUtf8(std::string& out, uint32_t cp);
size_t codePointCount(std::string_view s);
// Byte offset of code point `index` (clamped to s.size()).
size_t byteOffsetOfCodePoint(std::string_view s, size_t index);

// Case mapping as Java's String.toUpperCase/toLowerCase (Flink's UPPER/LOWER) for ASCII,
// Latin-1, Latin Extended-A, Greek and Cyrillic; other code points are kept. UPPER maps ß to SS.
void toUpperUtf8(std::string_view s, std::string& out);
void toLowerUtf8(std::string_view s, std::string& out);

// A LIKE pattern prepared once: `%` any run, `_` one code point, `escape` makes the next
// character literal. An invalid pattern (escape at the end) is reported by prepare().
class LikePattern {
public:
    // Returns an error message, or empty when the pattern is valid.
    std::string prepare(std::string_view pattern, uint32_t escape);
    bool matches(std::string_view text) const;

private:
    struct Item {
        enum Kind : uint8_t { Literal, One, Any } kind;
        uint32_t cp;
    };
    std::vector<Item> m_items;
};

// Edit distance (for "did you mean" suggestions), case-insensitive.
size_t editDistance(std::string_view a, std::string_view b);
// The candidate closest to `name` if close enough to be a plausible typo, else empty.
std::string closestName(std::string_view name, const std::vector<std::string>& candidates);

// Java String.hashCode over the UTF-16 code units of a UTF-8 string.
int32_t javaStringHash(std::string_view s);

}  // namespace riffle::expr
