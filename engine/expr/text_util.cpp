#include "engine/expr/text_util.h"

#include <algorithm>
#include <cctype>

namespace riffle::expr {

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

uint32_t decodeUtf8(std::string_view s, size_t& pos) {
    const auto b0 = static_cast<unsigned char>(s[pos]);
    auto cont = [&](size_t k) {
        return pos + k < s.size() && (static_cast<unsigned char>(s[pos + k]) & 0xC0) == 0x80;
    };
    auto byte = [&](size_t k) {
        return static_cast<uint32_t>(static_cast<unsigned char>(s[pos + k]) & 0x3F);
    };
    if (b0 < 0x80) {
        ++pos;
        return b0;
    }
    if ((b0 & 0xE0) == 0xC0 && cont(1)) {
        uint32_t cp = (static_cast<uint32_t>(b0 & 0x1F) << 6) | byte(1);
        pos += 2;
        return cp;
    }
    if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
        uint32_t cp = (static_cast<uint32_t>(b0 & 0x0F) << 12) | (byte(1) << 6) | byte(2);
        pos += 3;
        return cp;
    }
    if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
        uint32_t cp =
            (static_cast<uint32_t>(b0 & 0x07) << 18) | (byte(1) << 12) | (byte(2) << 6) | byte(3);
        pos += 4;
        return cp;
    }
    ++pos;
    return b0;
}

void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

size_t codePointCount(std::string_view s) {
    size_t n = 0;
    for (size_t pos = 0; pos < s.size();) {
        decodeUtf8(s, pos);
        ++n;
    }
    return n;
}

size_t byteOffsetOfCodePoint(std::string_view s, size_t index) {
    size_t pos = 0;
    for (size_t k = 0; k < index && pos < s.size(); ++k) decodeUtf8(s, pos);
    return pos;
}

namespace {

// Pairs (upper, lower) in blocks where upper and lower alternate.
bool alternatingUpper(uint32_t cp, uint32_t first, uint32_t last, bool upperEven) {
    return cp >= first && cp <= last && ((cp % 2 == 0) == upperEven);
}

uint32_t lowerOf(uint32_t cp) {
    if (cp >= 'A' && cp <= 'Z') return cp + 32;
    if (cp < 0x80) return cp;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;
    if (alternatingUpper(cp, 0x100, 0x137, true) && cp != 0x130) return cp + 1;
    if (alternatingUpper(cp, 0x139, 0x148, false)) return cp + 1;
    if (alternatingUpper(cp, 0x14A, 0x177, true)) return cp + 1;
    if (cp == 0x178) return 0xFF;
    if (alternatingUpper(cp, 0x179, 0x17E, false)) return cp + 1;
    if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 32;
    if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
    if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
    return cp;
}

uint32_t upperOf(uint32_t cp) {
    if (cp >= 'a' && cp <= 'z') return cp - 32;
    if (cp < 0x80) return cp;
    if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) return cp - 32;
    if (cp == 0xFF) return 0x178;
    if (cp == 0xB5) return 0x39C;
    if (alternatingUpper(cp, 0x101, 0x137, false) && cp != 0x131) return cp - 1;
    if (alternatingUpper(cp, 0x13A, 0x148, true)) return cp - 1;
    if (alternatingUpper(cp, 0x14B, 0x177, false)) return cp - 1;
    if (alternatingUpper(cp, 0x17A, 0x17E, true)) return cp - 1;
    if (cp == 0x3C2) return 0x3A3;  // final sigma
    if (cp >= 0x3B1 && cp <= 0x3C9) return cp - 32;
    if (cp >= 0x430 && cp <= 0x44F) return cp - 32;
    if (cp >= 0x450 && cp <= 0x45F) return cp - 80;
    return cp;
}

}  // namespace

void toUpperUtf8(std::string_view s, std::string& out) {
    out.clear();
    out.reserve(s.size());
    for (size_t pos = 0; pos < s.size();) {
        const auto c = static_cast<unsigned char>(s[pos]);
        if (c < 0x80) {
            out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
            ++pos;
            continue;
        }
        uint32_t cp = decodeUtf8(s, pos);
        if (cp == 0xDF) {
            out += "SS";
            continue;
        }
        appendUtf8(out, upperOf(cp));
    }
}

void toLowerUtf8(std::string_view s, std::string& out) {
    out.clear();
    out.reserve(s.size());
    for (size_t pos = 0; pos < s.size();) {
        const auto c = static_cast<unsigned char>(s[pos]);
        if (c < 0x80) {
            out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
            ++pos;
            continue;
        }
        appendUtf8(out, lowerOf(decodeUtf8(s, pos)));
    }
}

std::string LikePattern::prepare(std::string_view pattern, uint32_t escape) {
    m_items.clear();
    for (size_t pos = 0; pos < pattern.size();) {
        uint32_t cp = decodeUtf8(pattern, pos);
        if (cp == escape) {
            if (pos >= pattern.size())
                return "LIKE pattern '" + std::string(pattern) + "' ends with the escape character";
            m_items.push_back({Item::Literal, decodeUtf8(pattern, pos)});
        } else if (cp == '%') {
            if (m_items.empty() || m_items.back().kind != Item::Any)
                m_items.push_back({Item::Any, 0});
        } else if (cp == '_') {
            m_items.push_back({Item::One, 0});
        } else {
            m_items.push_back({Item::Literal, cp});
        }
    }
    return {};
}

bool LikePattern::matches(std::string_view text) const {
    // Greedy matching with backtracking to the last `%`: linear in practice, never exponential.
    size_t pos = 0, item = 0;
    size_t starItem = SIZE_MAX, starPos = 0;
    while (pos < text.size()) {
        if (item < m_items.size() && m_items[item].kind == Item::Any) {
            starItem = item++;
            starPos = pos;
            continue;
        }
        if (item < m_items.size()) {
            size_t next = pos;
            uint32_t cp = decodeUtf8(text, next);
            if (m_items[item].kind == Item::One ||
                (m_items[item].kind == Item::Literal && m_items[item].cp == cp)) {
                pos = next;
                ++item;
                continue;
            }
        }
        if (starItem == SIZE_MAX) return false;
        item = starItem + 1;
        decodeUtf8(text, starPos);
        pos = starPos;
    }
    while (item < m_items.size() && m_items[item].kind == Item::Any) ++item;
    return item == m_items.size();
}

size_t editDistance(std::string_view a, std::string_view b) {
    // Optimal string alignment: insertions, deletions, substitutions and adjacent swaps ("pgae").
    auto same = [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    };
    const size_t w = b.size() + 1;
    std::vector<size_t> d((a.size() + 1) * w);
    for (size_t i = 0; i <= a.size(); ++i) d[i * w] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t v = std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1,
                                 d[(i - 1) * w + j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
            if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]))
                v = std::min(v, d[(i - 2) * w + j - 2] + 1);
            d[i * w + j] = v;
        }
    }
    return d[a.size() * w + b.size()];
}

std::string closestName(std::string_view name, const std::vector<std::string>& candidates) {
    std::string best;
    size_t bestDist = SIZE_MAX;
    for (const auto& c : candidates) {
        size_t d = editDistance(name, c);
        if (d < bestDist) {
            bestDist = d;
            best = c;
        }
    }
    const size_t limit = std::max<size_t>(1, std::min<size_t>(3, name.size() / 3));
    if (bestDist <= limit) return best;
    return {};
}

int32_t javaStringHash(std::string_view s) {
    uint32_t h = 0;
    for (size_t pos = 0; pos < s.size();) {
        uint32_t cp = decodeUtf8(s, pos);
        if (cp >= 0x10000) {
            const uint32_t v = cp - 0x10000;
            h = h * 31 + (0xD800 + (v >> 10));
            h = h * 31 + (0xDC00 + (v & 0x3FF));
        } else {
            h = h * 31 + cp;
        }
    }
    return static_cast<int32_t>(h);
}

}  // namespace riffle::expr
