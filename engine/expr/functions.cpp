// The scalar function catalog: argument checking and the vectorized body of every function.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

#include <re2/re2.h>
#include <nlohmann/json.hpp>

#include "engine/core/json_text.h"
#include "engine/core/time_format.h"
#include "engine/expr/compiler.h"
#include "engine/expr/text_util.h"

namespace riffle::expr {

using ast::Node;

namespace {

// ---------------------------------------------------------------- argument checking

struct Args {
    Compiler& c;
    const Node& node;
    std::vector<KernelPtr> ks;

    const Node& argNode(size_t i) const { return *node.args[i]; }
    Type type(size_t i) const { return ks[i]->type(); }
    [[noreturn]] void wrong(size_t i, const std::string& want) const {
        const std::string name = node.kind == ast::Kind::Extract ? "EXTRACT" : node.name;
        c.fail(argNode(i).pos, name + " expects " + want + " as argument " + std::to_string(i + 1) +
                                   ", got " + Compiler::describeTyped(argNode(i), type(i)));
    }
    void want(size_t i, Type t) {
        if (type(i) == Type::Null) ks[i] = c.coerce(ks[i], t);
        if (type(i) == t) return;
        if (t == Type::Float && type(i) == Type::Int) {
            ks[i] = c.coerce(ks[i], Type::Float);
            return;
        }
        static const char* kArticle[] = {"NULL",     "a bool",   "an int",
                                         "a number", "a string", "a time"};
        wrong(i, kArticle[static_cast<int>(t)]);
    }
    // A number; returns its type (a NULL literal counts as an int).
    Type wantNumber(size_t i) {
        if (type(i) == Type::Null) ks[i] = c.coerce(ks[i], Type::Int);
        if (!isNumeric(type(i))) wrong(i, "a number");
        return type(i);
    }
    // A time, or a string that is parsed as one (Flink accepts both for its time functions).
    void wantTime(size_t i) {
        if (type(i) == Type::String) {
            ks[i] = c.fold(makeCast(ks[i], Type::Time, argNode(i).text, c.slots()));
            return;
        }
        if (type(i) == Type::Null) ks[i] = c.coerce(ks[i], Type::Time);
        if (type(i) != Type::Time) wrong(i, "a time");
    }
    bool isConst(size_t i) const { return ks[i]->isConstant(); }
    const Value& constant(size_t i) const { return constantValue(*ks[i]); }
    KernelPtr make(Type t, FnBody body) {
        return makeFunction(t, ks, std::move(body), node.text, c.slots());
    }
};

using Builder = KernelPtr (*)(Args&);
struct FnDef {
    size_t minArgs;
    size_t maxArgs;
    Builder build;
};

// ---------------------------------------------------------------- helpers for bodies

template <typename F>
FnBody stringToString(F f) {
    return [f](const FnCall& c) {
        c.propagateNulls();
        std::string buf;
        const auto& s = c.args[0]->strings();
        for (size_t i = 0; i < c.rows; ++i) {
            if (!c.out.validity()[i]) continue;
            f(s[i], buf);
            c.out.strings()[i] = c.store(buf);
        }
    };
}

// Unary float function; `ok` tells whether x is in the domain, otherwise NULL and a warning.
FnBody floatFn(double (*f)(double), bool (*ok)(double), std::string warning) {
    return [f, ok, warning](const FnCall& c) {
        c.propagateNulls();
        const auto& x = c.args[0]->floats();
        auto& o = c.out.floats();
        auto& v = c.out.validity();
        const std::string msg = warning + " in `" + c.text + "`";
        for (size_t i = 0; i < c.rows; ++i) {
            if (!v[i]) continue;
            if (!ok(x[i])) {
                v[i] = 0;
                c.warn(i, msg);
                continue;
            }
            o[i] = f(x[i]);
        }
    };
}

// Java's BigDecimal.valueOf(x).setScale(d, HALF_UP): rounds the shortest decimal form of x.
double roundHalfUp(double x, int64_t d) {
    if (!std::isfinite(x) || x == 0 || d > 17) return x;
    char buf[64];
    for (int prec = 1; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*e", prec - 1, x);
        if (std::strtod(buf, nullptr) == x) break;
    }
    std::string s = buf;
    const bool neg = s[0] == '-';
    if (neg) s.erase(0, 1);
    const size_t e = s.find('e');
    const int64_t exp = std::strtoll(s.c_str() + e + 1, nullptr, 10);
    std::string digits;
    for (size_t k = 0; k < e; ++k)
        if (s[k] != '.') digits += s[k];
    // digits[k] has the decimal place exp - k; keep those with place >= -d.
    const int64_t keep = exp + d + 1;
    if (keep >= static_cast<int64_t>(digits.size())) return x;
    if (keep < 0) return neg ? -0.0 : 0.0;
    const bool up = digits[static_cast<size_t>(keep)] >= '5';
    std::string kept = digits.substr(0, static_cast<size_t>(keep));
    if (kept.empty()) kept = "0";
    if (up) {
        int k = static_cast<int>(kept.size()) - 1;
        while (k >= 0 && kept[static_cast<size_t>(k)] == '9') kept[static_cast<size_t>(k--)] = '0';
        if (k < 0)
            kept.insert(kept.begin(), '1');
        else
            ++kept[static_cast<size_t>(k)];
    }
    const std::string out = (neg ? "-" : "") + kept + "e" + std::to_string(exp - keep + 1);
    return std::strtod(out.c_str(), nullptr);
}

// Broken-down UTC time.
struct Civil {
    int64_t days, year;
    unsigned month, day;
    int64_t hour, minute, second, micros;
};

Civil civil(TimeUs t) {
    constexpr int64_t kDay = 86400000000LL;
    Civil c{};
    c.days = t / kDay;
    int64_t rem = t % kDay;
    if (rem < 0) {
        rem += kDay;
        --c.days;
    }
    civilFromDays(c.days, c.year, c.month, c.day);
    c.hour = rem / 3600000000LL;
    c.minute = rem / 60000000LL % 60;
    c.second = rem / 1000000 % 60;
    c.micros = rem % 1000000;
    return c;
}

// 0 = Sunday; 1970-01-01 was a Thursday.
int64_t weekday(int64_t days) {
    return ((days + 4) % 7 + 7) % 7;
}
int64_t dayOfYear(const Civil& c) {
    return c.days - daysFromCivil(c.year, 1, 1) + 1;
}

const char* const kMonths[] = {"January",   "February", "March",    "April",
                               "May",       "June",     "July",     "August",
                               "September", "October",  "November", "December"};
const char* const kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                             "Thursday", "Friday", "Saturday"};

// A Java DateTimeFormatter-style pattern, prepared once.
struct DatePattern {
    struct Part {
        char letter;  // 0 for literal text
        int count;
        std::string text;
    };
    std::vector<Part> parts;

    // Returns an error message or empty.
    std::string prepare(std::string_view p) {
        parts.clear();
        for (size_t i = 0; i < p.size();) {
            const char ch = p[i];
            if (ch == '\'') {
                std::string lit;
                size_t j = i + 1;
                if (j < p.size() && p[j] == '\'') {
                    parts.push_back({0, 0, "'"});
                    i = j + 1;
                    continue;
                }
                bool closed = false;
                while (j < p.size()) {
                    if (p[j] == '\'') {
                        if (j + 1 < p.size() && p[j + 1] == '\'') {
                            lit += '\'';
                            j += 2;
                            continue;
                        }
                        closed = true;
                        break;
                    }
                    lit += p[j++];
                }
                if (!closed)
                    return "unterminated quote in DATE_FORMAT pattern '" + std::string(p) + "'";
                parts.push_back({0, 0, lit});
                i = j + 1;
            } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
                if (std::string_view("yMdHhmsSaEDk").find(ch) == std::string_view::npos)
                    return "unsupported letter `" + std::string(1, ch) +
                           "` in DATE_FORMAT pattern (use y M d H h k m s S a E D, and 'text' for "
                           "literal letters)";
                int n = 0;
                while (i < p.size() && p[i] == ch) {
                    ++n;
                    ++i;
                }
                parts.push_back({ch, n, {}});
            } else {
                parts.push_back({0, 0, std::string(1, ch)});
                ++i;
            }
        }
        return {};
    }

    static void pad(std::string& out, int64_t v, int width) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));
        out += buf;
    }

    void format(TimeUs t, std::string& out) const {
        out.clear();
        const Civil c = civil(t);
        for (const auto& part : parts) {
            switch (part.letter) {
                case 0:
                    out += part.text;
                    break;
                case 'y':
                    if (part.count == 2)
                        pad(out, ((c.year % 100) + 100) % 100, 2);
                    else
                        pad(out, c.year, part.count);
                    break;
                case 'M':
                    if (part.count >= 4)
                        out += kMonths[c.month - 1];
                    else if (part.count == 3)
                        out += std::string(kMonths[c.month - 1]).substr(0, 3);
                    else
                        pad(out, c.month, part.count);
                    break;
                case 'd':
                    pad(out, c.day, part.count);
                    break;
                case 'H':
                    pad(out, c.hour, part.count);
                    break;
                case 'k':
                    pad(out, c.hour == 0 ? 24 : c.hour, part.count);
                    break;
                case 'h':
                    pad(out, c.hour % 12 == 0 ? 12 : c.hour % 12, part.count);
                    break;
                case 'm':
                    pad(out, c.minute, part.count);
                    break;
                case 's':
                    pad(out, c.second, part.count);
                    break;
                case 'S': {
                    std::string frac;
                    pad(frac, c.micros, 6);
                    if (part.count <= 6)
                        out += frac.substr(0, static_cast<size_t>(part.count));
                    else
                        out += frac + std::string(static_cast<size_t>(part.count - 6), '0');
                    break;
                }
                case 'a':
                    out += c.hour < 12 ? "AM" : "PM";
                    break;
                case 'E': {
                    const std::string day = kDays[weekday(c.days)];
                    out += part.count >= 4 ? day : day.substr(0, 3);
                    break;
                }
                case 'D':
                    pad(out, dayOfYear(c), part.count);
                    break;
                default:
                    break;
            }
        }
    }
};

// A JSON path: `$`, `.key`, `['key']`, `[0]`.
struct JsonPath {
    struct Step {
        bool isIndex;
        std::string key;
        size_t index;
    };
    std::vector<Step> steps;

    bool prepare(std::string_view p) {
        steps.clear();
        size_t i = 0;
        while (i < p.size() && p[i] == ' ') ++i;
        if (i >= p.size() || p[i] != '$') return false;
        ++i;
        while (i < p.size()) {
            if (p[i] == '.') {
                ++i;
                size_t j = i;
                while (j < p.size() && p[j] != '.' && p[j] != '[') ++j;
                if (j == i) return false;
                steps.push_back({false, std::string(p.substr(i, j - i)), 0});
                i = j;
            } else if (p[i] == '[') {
                ++i;
                if (i < p.size() && (p[i] == '\'' || p[i] == '"')) {
                    const char q = p[i++];
                    const size_t j = p.find(q, i);
                    if (j == std::string_view::npos || j + 1 >= p.size() || p[j + 1] != ']')
                        return false;
                    steps.push_back({false, std::string(p.substr(i, j - i)), 0});
                    i = j + 2;
                } else {
                    size_t j = i;
                    size_t idx = 0;
                    while (j < p.size() && p[j] >= '0' && p[j] <= '9' && j - i < 9)
                        idx = idx * 10 + static_cast<size_t>(p[j++] - '0');
                    if (j == i || j >= p.size() || p[j] != ']') return false;
                    steps.push_back({true, {}, idx});
                    i = j + 1;
                }
            } else {
                return false;
            }
        }
        return true;
    }

    // The scalar at the path as text, or nullopt (missing, null, object or array).
    std::optional<std::string> extract(const nlohmann::json& doc) const {
        const nlohmann::json* cur = &doc;
        for (const auto& s : steps) {
            if (s.isIndex) {
                if (!cur->is_array() || s.index >= cur->size()) return std::nullopt;
                cur = &(*cur)[s.index];
            } else {
                if (!cur->is_object()) return std::nullopt;
                auto it = cur->find(s.key);
                if (it == cur->end()) return std::nullopt;
                cur = &*it;
            }
        }
        if (cur->is_string()) return cur->get<std::string>();
        if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
        if (cur->is_number()) return cur->dump();
        return std::nullopt;
    }
};

// Regular expressions run on RE2: linear time in the input, memory bounded by kRegexMaxMemBytes,
// no recursion, so no event can hang or crash a node (std::regex recursed once per character).
// The syntax is RE2's (docs/expressions.md says how it differs from Java's).
constexpr int64_t kRegexMaxMemBytes = 8 << 20;

std::shared_ptr<const re2::RE2> makeRegex(std::string_view pattern, std::string& error) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(kRegexMaxMemBytes);
    auto re =
        std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
    if (!re->ok()) {
        error = re->error();
        return nullptr;
    }
    return re;
}

// Trims characters of `chars` (code points) from one or both ends.
std::string_view trimChars(std::string_view s, std::string_view chars, bool leading,
                           bool trailing) {
    auto isTrim = [&](uint32_t cp) {
        for (size_t p = 0; p < chars.size();)
            if (decodeUtf8(chars, p) == cp) return true;
        return false;
    };
    if (leading) {
        while (!s.empty()) {
            size_t p = 0;
            if (!isTrim(decodeUtf8(s, p))) break;
            s.remove_prefix(p);
        }
    }
    if (trailing) {
        while (!s.empty()) {
            size_t start = s.size() - 1;
            while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
            size_t p = start;
            if (!isTrim(decodeUtf8(s, p))) break;
            s.remove_suffix(s.size() - start);
        }
    }
    return s;
}

// ---------------------------------------------------------------- string functions

KernelPtr buildUpperLower(Args& a) {
    a.want(0, Type::String);
    if (a.node.name == "UPPER")
        return a.make(Type::String, stringToString([](std::string_view s, std::string& b) {
                          toUpperUtf8(s, b);
                      }));
    return a.make(Type::String,
                  stringToString([](std::string_view s, std::string& b) { toLowerUtf8(s, b); }));
}

KernelPtr buildCharLength(Args& a) {
    a.want(0, Type::String);
    return a.make(Type::Int, [](const FnCall& c) {
        c.propagateNulls();
        const auto& s = c.args[0]->strings();
        for (size_t i = 0; i < c.rows; ++i)
            c.out.ints()[i] = static_cast<int64_t>(codePointCount(s[i]));
    });
}

KernelPtr buildSubstring(Args& a) {
    a.want(0, Type::String);
    a.want(1, Type::Int);
    if (a.ks.size() > 2) a.want(2, Type::Int);
    return a.make(Type::String, [](const FnCall& c) {
        c.propagateNulls();
        const auto& s = c.args[0]->strings();
        const auto& from = c.args[1]->ints();
        const bool hasLen = c.args.size() > 2;
        for (size_t i = 0; i < c.rows; ++i) {
            if (!c.out.validity()[i]) continue;
            // Flink: 1-based; 0 is the start; negative counts from the end.
            const int64_t len = static_cast<int64_t>(codePointCount(s[i]));
            int64_t start = from[i] > 0 ? from[i] - 1 : (from[i] < 0 ? len + from[i] : 0);
            int64_t end = len;
            if (hasLen) {
                const int64_t n = c.args[2]->ints()[i];
                end = n < 0 ? start : (n > len ? start + len : start + n);
            }
            start = std::max<int64_t>(start, 0);
            end = std::min(end, len);
            if (start >= end) {
                c.out.strings()[i] = {};
                continue;
            }
            const size_t b = byteOffsetOfCodePoint(s[i], static_cast<size_t>(start));
            const size_t e =
                b + byteOffsetOfCodePoint(s[i].substr(b), static_cast<size_t>(end - start));
            c.out.strings()[i] = s[i].substr(b, e - b);
        }
    });
}

KernelPtr buildTrim(Args& a) {
    a.want(0, Type::String);
    if (a.ks.size() > 1) a.want(1, Type::String);
    std::string mode = a.node.op.empty() ? "BOTH" : a.node.op;
    if (a.node.name == "LTRIM") mode = "LEADING";
    if (a.node.name == "RTRIM") mode = "TRAILING";
    const bool leading = mode != "TRAILING", trailing = mode != "LEADING";
    return a.make(Type::String, [leading, trailing](const FnCall& c) {
        c.propagateNulls();
        const auto& s = c.args[0]->strings();
        for (size_t i = 0; i < c.rows; ++i) {
            if (!c.out.validity()[i]) continue;
            const std::string_view chars = c.args.size() > 1 ? c.args[1]->strings()[i] : " ";
            c.out.strings()[i] = trimChars(s[i], chars, leading, trailing);
        }
    });
}

KernelPtr buildConcat(Args& a) {
    for (size_t i = 0; i < a.ks.size(); ++i) a.want(i, Type::String);
    return a.make(Type::String, [](const FnCall& c) {
        c.propagateNulls();
        std::string buf;
        for (size_t i = 0; i < c.rows; ++i) {
            if (!c.out.validity()[i]) continue;
            buf.clear();
            for (const Column* col : c.args) buf.append(col->strings()[i]);
            c.out.strings()[i] = c.store(buf);
        }
    });
}

KernelPtr buildReplace(Args& a) {
    for (size_t i = 0; i < 3; ++i) a.want(i, Type::String);
    return a.make(Type::String, [](const FnCall& c) {
        c.propagateNulls();
        std::string buf;
        for (size_t i = 0; i < c.rows; ++i) {
            if (!c.out.validity()[i]) continue;
            const std::string_view s = c.args[0]->strings()[i];
            const std::string_view from = c.args[1]->strings()[i];
            const std::string_view to = c.args[2]->strings()[i];
            if (from.empty()) {
                c.out.strings()[i] = s;
                continue;
            }
            buf.clear();
            size_t pos = 0;
            for (size_t hit; (hit = s.find(from, pos)) != std::string_view::npos;
                 pos = hit + from.size()) {
                buf.append(s.substr(pos, hit - pos));
                buf.append(to);
            }
            buf.append(s.substr(pos));
            c.out.strings()[i] = c.store(buf);
        }
    });
}

// REGEXP_EXTRACT(s, pattern[, group]) and REGEXP(s, pattern). A literal pattern is compiled
// once, with the expression; a pattern from data is compiled again only when it changes.
KernelPtr buildRegexp(Args& a) {
    a.want(0, Type::String);
    a.want(1, Type::String);
    const bool extract = a.node.name == "REGEXP_EXTRACT";
    if (a.ks.size() > 2) a.want(2, Type::Int);
    std::shared_ptr<const re2::RE2> fixed;
    if (a.isConst(1) && !a.constant(1).null) {
        std::string err;
        fixed = makeRegex(a.constant(1).s, err);
        if (!fixed)
            a.c.fail(a.argNode(1).pos,
                     "invalid regular expression '" + a.constant(1).s + "': " + err);
    }
    return a.make(extract ? Type::String : Type::Bool, [fixed, extract](const FnCall& c) {
        c.propagateNulls();
        std::shared_ptr<const re2::RE2> re = fixed;
        std::string lastPattern;
        bool havePattern = false;
        std::vector<re2::StringPiece> groups;
        for (size_t i = 0; i < c.rows; ++i) {
            auto& valid = c.out.validity()[i];
            if (!valid) continue;
            if (!fixed) {
                const std::string_view p = c.args[1]->strings()[i];
                if (!havePattern || p != lastPattern) {
                    lastPattern = std::string(p);
                    havePattern = true;
                    std::string err;
                    re = makeRegex(p, err);
                }
                if (!re) {
                    valid = 0;
                    c.warn(i,
                           "invalid regular expression '" + lastPattern + "' in `" + c.text + "`");
                    continue;
                }
            }
            const std::string_view s = c.args[0]->strings()[i];
            const re2::StringPiece text(s.data(), s.size());
            if (!extract) {
                c.out.ints()[i] = re->Match(text, 0, text.size(), re2::RE2::UNANCHORED, nullptr, 0);
                continue;
            }
            const int64_t group = c.args.size() > 2 ? c.args[2]->ints()[i] : 0;
            if (group < 0 || group > re->NumberOfCapturingGroups()) {
                valid = 0;
                c.warn(i, "group " + std::to_string(group) + " does not exist in `" + c.text + "`");
                continue;
            }
            groups.assign(static_cast<size_t>(group) + 1, re2::StringPiece());
            if (!re->Match(text, 0, text.size(), re2::RE2::UNANCHORED, groups.data(),
                           static_cast<int>(group) + 1) ||
                groups[static_cast<size_t>(group)].data() == nullptr) {
                valid = 0;  // no match, or the group took no part in it
                continue;
            }
            const re2::StringPiece& g = groups[static_cast<size_t>(group)];
            c.out.strings()[i] = s.substr(static_cast<size_t>(g.data() - s.data()), g.size());
        }
    });
}

KernelPtr buildSplitIndex(Args& a) {
    a.want(0, Type::String);
    a.want(1, Type::String);
    a.want(2, Type::Int);
    return a.make(Type::String, [](const FnCall& c) {
        c.propagateNulls();
        for (size_t i = 0; i < c.rows; ++i) {
            auto& valid = c.out.validity()[i];
            if (!valid) continue;
            const std::string_view s = c.args[0]->strings()[i];
            const std::string_view sep = c.args[1]->strings()[i];
            const int64_t idx = c.args[2]->ints()[i];
            valid = 0;
            if (idx < 0 || sep.empty()) continue;
            size_t pos = 0;
            for (int64_t k = 0;; ++k) {
                const size_t hit = s.find(sep, pos);
                if (k == idx) {
                    c.out.strings()[i] =
                        s.substr(pos, hit == std::string_view::npos ? s.npos : hit - pos);
                    valid = 1;
                    break;
                }
                if (hit == std::string_view::npos) break;
                pos = hit + sep.size();
            }
        }
    });
}

// ---------------------------------------------------------------- math

KernelPtr buildAbs(Args& a) {
    const Type t = a.wantNumber(0);
    if (t == Type::Float)
        return a.make(t, [](const FnCall& c) {
            c.propagateNulls();
            for (size_t i = 0; i < c.rows; ++i)
                c.out.floats()[i] = std::fabs(c.args[0]->floats()[i]);
        });
    return a.make(t, [](const FnCall& c) {
        c.propagateNulls();
        const std::string msg = "integer overflow in `" + c.text + "`";
        for (size_t i = 0; i < c.rows; ++i) {
            const int64_t x = c.args[0]->ints()[i];
            if (x == INT64_MIN) {
                if (c.out.validity()[i]) {
                    c.out.validity()[i] = 0;
                    c.warn(i, msg);
                }
                continue;
            }
            c.out.ints()[i] = x < 0 ? -x : x;
        }
    });
}

KernelPtr buildRound(Args& a) {
    const Type t = a.wantNumber(0);
    if (a.ks.size() > 1) a.want(1, Type::Int);
    if (t == Type::Float)
        return a.make(t, [](const FnCall& c) {
            c.propagateNulls();
            for (size_t i = 0; i < c.rows; ++i) {
                if (!c.out.validity()[i]) continue;
                const int64_t d = c.args.size() > 1 ? c.args[1]->ints()[i] : 0;
                c.out.floats()[i] = roundHalfUp(c.args[0]->floats()[i], d);
            }
        });
    return a.make(t, [](const FnCall& c) {
        c.propagateNulls();
        const std::string msg = "integer overflow in `" + c.text + "`";
        for (size_t i = 0; i < c.rows; ++i) {
            if (!c.out.validity()[i]) continue;
            const int64_t x = c.args[0]->ints()[i];
            const int64_t d = c.args.size() > 1 ? c.args[1]->ints()[i] : 0;
            if (d >= 0) {
                c.out.ints()[i] = x;
                continue;
            }
            if (d < -18) {
                c.out.ints()[i] = 0;
                continue;
            }
            int64_t p = 1;
            for (int64_t k = 0; k < -d; ++k) p *= 10;
            const int64_t rem = x % p;
            int64_t r = x - rem;
            bool overflow = false;
            if (rem >= 0 && rem * 2 >= p)
                overflow = __builtin_add_overflow(r, p, &r);
            else if (rem < 0 && -rem * 2 >= p)
                overflow = __builtin_sub_overflow(r, p, &r);
            if (overflow) {
                c.out.validity()[i] = 0;
                c.warn(i, msg);
                continue;
            }
            c.out.ints()[i] = r;
        }
    });
}

KernelPtr buildFloorCeil(Args& a) {
    const Type t = a.wantNumber(0);
    if (t == Type::Int) return a.ks[0];
    const bool floorFn = a.node.name == "FLOOR";
    return a.make(t, [floorFn](const FnCall& c) {
        c.propagateNulls();
        for (size_t i = 0; i < c.rows; ++i) {
            const double x = c.args[0]->floats()[i];
            c.out.floats()[i] = floorFn ? std::floor(x) : std::ceil(x);
        }
    });
}

KernelPtr buildFloatMath(Args& a) {
    a.want(0, Type::Float);
    const std::string& n = a.node.name;
    if (n == "SQRT")
        return a.make(Type::Float,
                      floatFn([](double x) { return std::sqrt(x); },
                              [](double x) { return !(x < 0); }, "SQRT of a negative number"));
    if (n == "LN")
        return a.make(Type::Float, floatFn([](double x) { return std::log(x); },
                                           [](double x) { return !(x <= 0); },
                                           "LN of a number that is not positive"));
    if (n == "LOG10")
        return a.make(Type::Float, floatFn([](double x) { return std::log10(x); },
                                           [](double x) { return !(x <= 0); },
                                           "LOG10 of a number that is not positive"));
    return a.make(Type::Float,
                  floatFn([](double x) { return std::exp(x); },
                          [](double x) { return std::isfinite(std::exp(x)) || !std::isfinite(x); },
                          "EXP overflow"));
}

KernelPtr buildPower(Args& a) {
    a.want(0, Type::Float);
    a.want(1, Type::Float);
    return a.make(Type::Float, [](const FnCall& c) {
        c.propagateNulls();
        const std::string msg = "POWER result is not a finite number in `" + c.text + "`";
        for (size_t i = 0; i < c.rows; ++i) {
            if (!c.out.validity()[i]) continue;
            const double x = c.args[0]->floats()[i], y = c.args[1]->floats()[i];
            const double r = std::pow(x, y);
            if (!std::isfinite(r) && std::isfinite(x) && std::isfinite(y)) {
                c.out.validity()[i] = 0;
                c.warn(i, msg);
                continue;
            }
            c.out.floats()[i] = r;
        }
    });
}

KernelPtr buildMod(Args& a) {
    const Type l = a.wantNumber(0), r = a.wantNumber(1);
    const Type t = l == Type::Float || r == Type::Float ? Type::Float : Type::Int;
    return makeArith(ArithOp::Mod, t, a.c.coerce(a.ks[0], t), a.c.coerce(a.ks[1], t), a.node.text,
                     a.c.slots());
}

std::vector<const Node*> argNodes(const Args& a) {
    std::vector<const Node*> nodes;
    for (const auto& n : a.node.args) nodes.push_back(n.get());
    return nodes;
}

KernelPtr buildGreatestLeast(Args& a) {
    const Type t = a.c.commonType(a.ks, argNodes(a), a.node.pos, a.node.name + " cannot compare");
    if (t == Type::Bool) a.wrong(0, "numbers, strings or times");
    if (t == Type::Null) return makeConstant(Value{}, Type::Null, a.node.text, a.c.slots());
    for (auto& k : a.ks) k = a.c.coerce(k, t);
    const bool greatest = a.node.name == "GREATEST";
    return a.make(t, [t, greatest](const FnCall& c) {
        c.propagateNulls();
        auto pick = [&](auto get, auto& o) {
            for (size_t i = 0; i < c.rows; ++i) {
                auto best = get(*c.args[0])[i];
                for (size_t k = 1; k < c.args.size(); ++k) {
                    const auto v = get(*c.args[k])[i];
                    if (greatest ? v > best : v < best) best = v;
                }
                o[i] = best;
            }
        };
        if (t == Type::Float)
            pick(
                [](const Column& col) -> const auto& { return col.floats(); }, c.out.floats());
        else if (t == Type::String)
            pick(
                [](const Column& col) -> const auto& { return col.strings(); }, c.out.strings());
        else
            pick(
                [](const Column& col) -> const auto& { return col.ints(); }, c.out.ints());
    });
}

KernelPtr buildCoalesce(Args& a) {
    const Type t = a.c.commonType(a.ks, argNodes(a), a.node.pos, "COALESCE cannot mix");
    if (t == Type::Null) return makeConstant(Value{}, Type::Null, a.node.text, a.c.slots());
    for (auto& k : a.ks) k = a.c.coerce(k, t);
    return makeCoalesce(t, a.ks, a.node.text, a.c.slots());
}

KernelPtr buildIf(Args& a) {
    if (a.type(0) == Type::Null) a.ks[0] = a.c.coerce(a.ks[0], Type::Bool);
    if (a.type(0) != Type::Bool) a.wrong(0, "a bool");
    std::vector<KernelPtr> results{a.ks[1], a.ks[2]};
    std::vector<const Node*> nodes{&a.argNode(1), &a.argNode(2)};
    const Type t = a.c.commonType(results, nodes, a.node.pos, "IF results must have one type, got");
    if (t == Type::Null) return makeConstant(Value{}, Type::Null, a.node.text, a.c.slots());
    return makeCase(t, {a.ks[0]}, {a.c.coerce(a.ks[1], t)}, a.c.coerce(a.ks[2], t), a.node.text,
                    a.c.slots());
}

KernelPtr buildHashCode(Args& a) {
    const Type t = a.type(0) == Type::Null ? Type::String : a.type(0);
    a.ks[0] = a.c.coerce(a.ks[0], t);
    return a.make(Type::Int, [t](const FnCall& c) {
        c.propagateNulls();
        const Column& x = *c.args[0];
        for (size_t i = 0; i < c.rows; ++i) {
            if (!c.out.validity()[i]) continue;
            int32_t h = 0;
            switch (t) {
                case Type::String:
                    h = javaStringHash(x.strings()[i]);
                    break;
                case Type::Bool:
                    h = x.ints()[i] ? 1231 : 1237;
                    break;
                case Type::Float: {
                    double f = x.floats()[i];
                    uint64_t bits;
                    std::memcpy(&bits, &f, sizeof bits);
                    if (std::isnan(f)) bits = 0x7ff8000000000000ULL;  // Java's canonical NaN
                    h = static_cast<int32_t>(static_cast<uint32_t>(bits ^ (bits >> 32)));
                    break;
                }
                default: {
                    const auto bits = static_cast<uint64_t>(x.ints()[i]);
                    h = static_cast<int32_t>(static_cast<uint32_t>(bits ^ (bits >> 32)));
                    break;
                }
            }
            c.out.ints()[i] = h;
        }
    });
}

KernelPtr buildJsonValue(Args& a) {
    a.want(0, Type::String);
    a.want(1, Type::String);
    std::shared_ptr<const JsonPath> fixed;
    if (a.isConst(1) && !a.constant(1).null) {
        JsonPath p;
        if (!p.prepare(a.constant(1).s))
            a.c.fail(a.argNode(1).pos,
                     "invalid JSON path '" + a.constant(1).s + "' (expected e.g. '$.a.b[0]')");
        fixed = std::make_shared<const JsonPath>(std::move(p));
    }
    return a.make(Type::String, [fixed](const FnCall& c) {
        c.propagateNulls();
        JsonPath dynamic;
        std::string lastPath;
        bool lastOk = false, havePath = false;
        for (size_t i = 0; i < c.rows; ++i) {
            auto& valid = c.out.validity()[i];
            if (!valid) continue;
            valid = 0;
            const JsonPath* path = fixed.get();
            if (!path) {
                const std::string_view p = c.args[1]->strings()[i];
                if (!havePath || p != lastPath) {
                    lastPath = std::string(p);
                    lastOk = dynamic.prepare(lastPath);
                    havePath = true;
                }
                if (!lastOk) {
                    c.warn(i, "invalid JSON path '" + lastPath + "' in `" + c.text + "`");
                    continue;
                }
                path = &dynamic;
            }
            const std::string_view s = c.args[0]->strings()[i];
            nlohmann::json doc;
            if (parseJsonInto(s, doc)) {
                c.warn(i, "invalid JSON in `" + c.text + "`");
                continue;
            }
            std::optional<std::string> v = path->extract(doc);
            if (!v) continue;
            valid = 1;
            c.out.strings()[i] = c.store(*v);
        }
    });
}

KernelPtr buildDateFormat(Args& a) {
    a.wantTime(0);
    a.want(1, Type::String);
    std::shared_ptr<const DatePattern> fixed;
    if (a.isConst(1) && !a.constant(1).null) {
        DatePattern p;
        std::string err = p.prepare(a.constant(1).s);
        if (!err.empty()) a.c.fail(a.argNode(1).pos, err);
        fixed = std::make_shared<const DatePattern>(std::move(p));
    }
    return a.make(Type::String, [fixed](const FnCall& c) {
        c.propagateNulls();
        DatePattern dynamic;
        std::string lastPattern, buf;
        bool lastOk = false, havePattern = false;
        for (size_t i = 0; i < c.rows; ++i) {
            auto& valid = c.out.validity()[i];
            if (!valid) continue;
            const DatePattern* p = fixed.get();
            if (!p) {
                const std::string_view s = c.args[1]->strings()[i];
                if (!havePattern || s != lastPattern) {
                    lastPattern = std::string(s);
                    lastOk = dynamic.prepare(lastPattern).empty();
                    havePattern = true;
                }
                if (!lastOk) {
                    valid = 0;
                    c.warn(i,
                           "invalid DATE_FORMAT pattern '" + lastPattern + "' in `" + c.text + "`");
                    continue;
                }
                p = &dynamic;
            }
            p->format(c.args[0]->ints()[i], buf);
            c.out.strings()[i] = c.store(buf);
        }
    });
}

enum class Unit {
    Year,
    Quarter,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Dow,
    Doy,
    Epoch
};

KernelPtr extractKernel(Args& a, Unit unit) {
    a.wantTime(0);
    return a.make(Type::Int, [unit](const FnCall& c) {
        c.propagateNulls();
        for (size_t i = 0; i < c.rows; ++i) {
            if (!c.out.validity()[i]) continue;
            const TimeUs t = c.args[0]->ints()[i];
            const Civil cv = civil(t);
            int64_t v = 0;
            switch (unit) {
                case Unit::Year:
                    v = cv.year;
                    break;
                case Unit::Quarter:
                    v = (cv.month - 1) / 3 + 1;
                    break;
                case Unit::Month:
                    v = cv.month;
                    break;
                case Unit::Day:
                    v = cv.day;
                    break;
                case Unit::Hour:
                    v = cv.hour;
                    break;
                case Unit::Minute:
                    v = cv.minute;
                    break;
                case Unit::Second:
                    v = cv.second;
                    break;
                case Unit::Millisecond:
                    v = cv.second * 1000 + cv.micros / 1000;
                    break;
                case Unit::Microsecond:
                    v = cv.second * 1000000 + cv.micros;
                    break;
                case Unit::Dow:
                    v = weekday(cv.days) + 1;
                    break;
                case Unit::Doy:
                    v = dayOfYear(cv);
                    break;
                case Unit::Epoch:
                    v = t >= 0 ? t / 1000000 : -((-(t + 1)) / 1000000) - 1;
                    break;
            }
            c.out.ints()[i] = v;
        }
    });
}

const std::map<std::string, Unit, std::less<>>& units() {
    static const std::map<std::string, Unit, std::less<>> kUnits = {
        {"YEAR", Unit::Year},
        {"QUARTER", Unit::Quarter},
        {"MONTH", Unit::Month},
        {"DAY", Unit::Day},
        {"HOUR", Unit::Hour},
        {"MINUTE", Unit::Minute},
        {"SECOND", Unit::Second},
        {"MILLISECOND", Unit::Millisecond},
        {"MICROSECOND", Unit::Microsecond},
        {"DOW", Unit::Dow},
        {"DOY", Unit::Doy},
        {"EPOCH", Unit::Epoch}};
    return kUnits;
}

KernelPtr buildExtract(Args& a) {
    auto it = units().find(a.node.op);
    if (it == units().end())
        a.c.fail(a.node.opPos, "unknown EXTRACT unit `" + a.node.op +
                                   "` (use YEAR, QUARTER, MONTH, DAY, HOUR, MINUTE, SECOND, "
                                   "MILLISECOND, MICROSECOND, DOW, DOY or EPOCH)");
    return extractKernel(a, it->second);
}

KernelPtr buildTimePart(Args& a) {
    const std::string& n = a.node.name;
    return extractKernel(a, n == "DAYOFMONTH"  ? Unit::Day
                            : n == "DAYOFWEEK" ? Unit::Dow
                            : n == "DAYOFYEAR" ? Unit::Doy
                                               : units().find(n)->second);
}

const std::map<std::string, FnDef, std::less<>>& catalog() {
    static const std::map<std::string, FnDef, std::less<>> kFns = {
        {"LOWER", {1, 1, buildUpperLower}},
        {"UPPER", {1, 1, buildUpperLower}},
        {"CHAR_LENGTH", {1, 1, buildCharLength}},
        {"CHARACTER_LENGTH", {1, 1, buildCharLength}},
        {"SUBSTRING", {2, 3, buildSubstring}},
        {"SUBSTR", {2, 3, buildSubstring}},
        {"TRIM", {1, 2, buildTrim}},
        {"LTRIM", {1, 1, buildTrim}},
        {"RTRIM", {1, 1, buildTrim}},
        {"CONCAT", {1, 64, buildConcat}},
        {"REPLACE", {3, 3, buildReplace}},
        {"REGEXP_EXTRACT", {2, 3, buildRegexp}},
        {"REGEXP", {2, 2, buildRegexp}},
        {"SPLIT_INDEX", {3, 3, buildSplitIndex}},
        {"ABS", {1, 1, buildAbs}},
        {"ROUND", {1, 2, buildRound}},
        {"FLOOR", {1, 1, buildFloorCeil}},
        {"CEIL", {1, 1, buildFloorCeil}},
        {"CEILING", {1, 1, buildFloorCeil}},
        {"SQRT", {1, 1, buildFloatMath}},
        {"LN", {1, 1, buildFloatMath}},
        {"LOG10", {1, 1, buildFloatMath}},
        {"EXP", {1, 1, buildFloatMath}},
        {"POWER", {2, 2, buildPower}},
        {"MOD", {2, 2, buildMod}},
        {"GREATEST", {1, 64, buildGreatestLeast}},
        {"LEAST", {1, 64, buildGreatestLeast}},
        {"COALESCE", {1, 64, buildCoalesce}},
        {"IF", {3, 3, buildIf}},
        {"HASH_CODE", {1, 1, buildHashCode}},
        {"JSON_VALUE", {2, 2, buildJsonValue}},
        {"DATE_FORMAT", {2, 2, buildDateFormat}},
        {"YEAR", {1, 1, buildTimePart}},
        {"QUARTER", {1, 1, buildTimePart}},
        {"MONTH", {1, 1, buildTimePart}},
        {"DAYOFMONTH", {1, 1, buildTimePart}},
        {"DAYOFWEEK", {1, 1, buildTimePart}},
        {"DAYOFYEAR", {1, 1, buildTimePart}},
        {"HOUR", {1, 1, buildTimePart}},
        {"MINUTE", {1, 1, buildTimePart}},
        {"SECOND", {1, 1, buildTimePart}},
    };
    return kFns;
}

std::string plural(size_t n) {
    return std::to_string(n) + (n == 1 ? " argument" : " arguments");
}

}  // namespace

const std::vector<std::string>& functionNames() {
    static const std::vector<std::string> kNames = [] {
        std::vector<std::string> v;
        for (const auto& [name, def] : catalog()) v.push_back(name);
        return v;
    }();
    return kNames;
}

KernelPtr buildFunction(Compiler& c, const Node& node) {
    if (node.kind == ast::Kind::Extract) {
        Args a{c, node, {c.build(*node.args[0])}};
        return buildExtract(a);
    }
    auto it = catalog().find(node.name);
    if (it == catalog().end()) {
        const std::string written = node.text.substr(0, node.name.size());
        const std::string hint = closestName(node.name, functionNames());
        c.fail(node.pos, "unknown function `" + written + "`" +
                             (hint.empty() ? "" : " (did you mean `" + hint + "`?)"));
    }
    const FnDef& def = it->second;
    if (node.distinct) c.fail(node.pos, "DISTINCT is only allowed in aggregate functions");
    const size_t n = node.args.size();
    if (n < def.minArgs || n > def.maxArgs) {
        std::string want = def.minArgs == def.maxArgs ? plural(def.minArgs)
                           : def.maxArgs >= 64
                               ? "at least " + plural(def.minArgs)
                               : std::to_string(def.minArgs) + " to " + plural(def.maxArgs);
        c.fail(node.pos, node.name + " takes " + want + ", got " + std::to_string(n));
    }
    Args a{c, node, {}};
    for (const auto& arg : node.args) a.ks.push_back(c.build(*arg));
    return def.build(a);
}

}  // namespace riffle::expr
