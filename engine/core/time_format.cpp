#include "engine/core/time_format.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace riffle {

std::optional<TimeFormat> timeFormatFromName(std::string_view name) {
    if (name == "auto" || name.empty()) return TimeFormat::Auto;
    if (name == "iso8601") return TimeFormat::Iso8601;
    if (name == "epoch_s") return TimeFormat::EpochS;
    if (name == "epoch_ms") return TimeFormat::EpochMs;
    if (name == "epoch_us") return TimeFormat::EpochUs;
    return std::nullopt;
}

int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

namespace {

bool readDigits(std::string_view s, size_t& pos, size_t n, int64_t& out) {
    if (pos + n > s.size()) return false;
    int64_t v = 0;
    for (size_t k = 0; k < n; ++k) {
        char c = s[pos + k];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    pos += n;
    out = v;
    return true;
}

bool isDaysValid(int64_t y, int64_t m, int64_t d) {
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
    return d <= max;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::optional<double> parseNumber(std::string_view s) {
    if (s.empty() || s.size() > 40) return std::nullopt;
    char buf[48];
    s.copy(buf, s.size());
    buf[s.size()] = 0;
    char* end = nullptr;
    double v = std::strtod(buf, &end);
    if (end != buf + s.size() || !std::isfinite(v)) return std::nullopt;
    for (char c : s)
        if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+'))
            return std::nullopt;
    return v;
}

}  // namespace

std::optional<TimeUs> parseIso8601(std::string_view s) {
    s = trim(s);
    size_t p = 0;
    int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
    if (!readDigits(s, p, 4, y) || p >= s.size() || s[p++] != '-') return std::nullopt;
    if (!readDigits(s, p, 2, mo) || p >= s.size() || s[p++] != '-') return std::nullopt;
    if (!readDigits(s, p, 2, d)) return std::nullopt;
    if (!isDaysValid(y, mo, d)) return std::nullopt;
    int64_t offsetUs = 0;
    if (p < s.size()) {
        if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return std::nullopt;
        ++p;
        if (!readDigits(s, p, 2, h) || p >= s.size() || s[p++] != ':') return std::nullopt;
        if (!readDigits(s, p, 2, mi)) return std::nullopt;
        if (p < s.size() && s[p] == ':') {
            ++p;
            if (!readDigits(s, p, 2, sec)) return std::nullopt;
            if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
                ++p;
                int digits = 0;
                while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) {
                    if (digits < 6) frac = frac * 10 + (s[p] - '0');
                    ++digits;
                    ++p;
                }
                if (digits == 0) return std::nullopt;
                for (int k = digits; k < 6; ++k) frac *= 10;
            }
        }
        if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
        if (p < s.size()) {
            if (s[p] == 'Z' || s[p] == 'z') {
                ++p;
            } else if (s[p] == '+' || s[p] == '-') {
                int sign = s[p] == '-' ? -1 : 1;
                ++p;
                int64_t oh, om = 0;
                if (!readDigits(s, p, 2, oh)) return std::nullopt;
                if (p < s.size() && s[p] == ':') ++p;
                if (p < s.size() && !readDigits(s, p, 2, om)) return std::nullopt;
                offsetUs = sign * (oh * 3600 + om * 60) * 1000000LL;
            }
            if (p != s.size()) return std::nullopt;
        }
    }
    int64_t days = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    return ((days * 86400 + h * 3600 + mi * 60 + sec) * 1000000LL + frac) - offsetUs;
}

std::optional<TimeUs> timeFromNumber(double v, TimeFormat format) {
    if (!std::isfinite(v)) return std::nullopt;
    double us = 0;
    switch (format) {
        case TimeFormat::EpochS:
            us = v * 1e6;
            break;
        case TimeFormat::EpochMs:
            us = v * 1e3;
            break;
        case TimeFormat::EpochUs:
            us = v;
            break;
        case TimeFormat::Iso8601:
            return std::nullopt;
        case TimeFormat::Auto: {
            const double a = std::fabs(v);
            // Seconds until the year 5138, then milliseconds, then microseconds.
            us = a < 1e11 ? v * 1e6 : a < 1e14 ? v * 1e3 : v;
            break;
        }
    }
    // Beyond about 290 000 years a time no longer fits, and the extremes are the engine's
    // "no time yet" / "end of time" markers: such a number is not a time.
    if (!(std::fabs(us) < 9.2e18)) return std::nullopt;
    return static_cast<TimeUs>(std::llround(us));
}

std::optional<TimeUs> parseTime(std::string_view text, TimeFormat format) {
    text = trim(text);
    if (format == TimeFormat::Iso8601) return parseIso8601(text);
    if (format != TimeFormat::Auto) {
        auto n = parseNumber(text);
        if (!n) return std::nullopt;
        return timeFromNumber(*n, format);
    }
    if (auto n = parseNumber(text)) return timeFromNumber(*n, TimeFormat::Auto);
    return parseIso8601(text);
}

std::string formatIso8601Ms(TimeUs t) {
    // Floor division that never negates, so kMinTime formats too.
    auto floorDiv = [](int64_t a, int64_t b) { return a / b - (a % b < 0 ? 1 : 0); };
    const int64_t ms = floorDiv(t, 1000);
    const int64_t secs = floorDiv(ms, 1000);
    const int64_t msPart = ms - secs * 1000;
    const int64_t days = floorDiv(secs, 86400);
    const int64_t sod = secs - days * 86400;
    int64_t y;
    unsigned m, d;
    civilFromDays(days, y, m, d);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(y), m, d, static_cast<long long>(sod / 3600),
                  static_cast<long long>(sod / 60 % 60), static_cast<long long>(sod % 60),
                  static_cast<long long>(msPart));
    return buf;
}

std::optional<int64_t> parseDuration(std::string_view text) {
    text = trim(text);
    if (text.empty()) return std::nullopt;
    int64_t total = 0;
    size_t p = 0;
    while (p < text.size()) {
        size_t start = p;
        while (p < text.size() &&
               (std::isdigit(static_cast<unsigned char>(text[p])) || text[p] == '.'))
            ++p;
        if (p == start) return std::nullopt;
        const std::string_view digits = text.substr(start, p - start);
        size_t unitStart = p;
        while (p < text.size() && std::isalpha(static_cast<unsigned char>(text[p]))) ++p;
        std::string_view unit = text.substr(unitStart, p - unitStart);
        int64_t mult;
        if (unit == "us")
            mult = 1;
        else if (unit == "ms")
            mult = 1000;
        else if (unit == "s")
            mult = 1000000;
        else if (unit == "m" || unit == "min")
            mult = 60000000;
        else if (unit == "h")
            mult = 3600000000LL;
        else if (unit == "d")
            mult = 86400000000LL;
        else
            return std::nullopt;
        int64_t us = 0;
        if (digits.find('.') == std::string_view::npos) {
            // Whole numbers are exact (a double would round past 2^53 us, about 285 years).
            int64_t n = 0;
            for (char c : digits)
                if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, c - '0', &n))
                    return std::nullopt;
            if (__builtin_mul_overflow(n, mult, &us)) return std::nullopt;
        } else {
            auto num = parseNumber(digits);
            if (!num) return std::nullopt;
            const double d = *num * static_cast<double>(mult);
            if (!(d < 9.2e18)) return std::nullopt;
            us = static_cast<int64_t>(std::llround(d));
        }
        if (__builtin_add_overflow(total, us, &total)) return std::nullopt;
    }
    return total;
}

std::string formatDuration(int64_t us) {
    struct Unit {
        int64_t us;
        const char* name;
    };
    static const Unit kUnits[] = {{86400000000LL, "d"}, {3600000000LL, "h"}, {60000000LL, "m"},
                                  {1000000LL, "s"},     {1000LL, "ms"},      {1, "us"}};
    if (us == 0) return "0s";
    for (const auto& u : kUnits)
        if (us % u.us == 0) return std::to_string(us / u.us) + u.name;
    return std::to_string(us) + "us";
}

}  // namespace riffle
