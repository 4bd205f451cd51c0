#include "engine/graph/project_settings.h"

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>

#include "engine/core/time_format.h"

namespace riffle {

std::optional<int64_t> parseByteSize(std::string_view text) {
    size_t i = 0;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t numberStart = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
        ++i;
    if (i == numberStart) return std::nullopt;
    const std::string number(text.substr(numberStart, i - numberStart));
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return std::nullopt;
    while (i < text.size() && text[i] == ' ') ++i;
    std::string unit;
    for (; i < text.size(); ++i)
        unit += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    double scale = 0;
    if (unit.empty() || unit == "b")
        scale = 1;
    else if (unit == "kib" || unit == "k")
        scale = 1024.0;
    else if (unit == "mib" || unit == "m")
        scale = 1024.0 * 1024;
    else if (unit == "gib" || unit == "g")
        scale = 1024.0 * 1024 * 1024;
    else if (unit == "tib" || unit == "t")
        scale = 1024.0 * 1024 * 1024 * 1024;
    else if (unit == "kb")
        scale = 1e3;
    else if (unit == "mb")
        scale = 1e6;
    else if (unit == "gb")
        scale = 1e9;
    else if (unit == "tb")
        scale = 1e12;
    else
        return std::nullopt;
    const double bytes = value * scale;
    if (!std::isfinite(bytes) || bytes >= 9.2e18) return std::nullopt;
    return static_cast<int64_t>(std::llround(bytes));
}

std::string formatByteSize(int64_t bytes) {
    static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (std::fabs(v) >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char text[32];
    if (u == 0 || v == std::floor(v))
        std::snprintf(text, sizeof text, "%.0f %s", v, kUnits[u]);
    else
        std::snprintf(text, sizeof text, "%.1f %s", v, kUnits[u]);
    return text;
}

int64_t defaultMemoryLimitBytes() {
    const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || pageSize <= 0) return int64_t(4) << 30;
    return static_cast<int64_t>(pages) * pageSize / 2;
}

Result<ProjectSettings> readProjectSettings(const Json& settings) {
    using R = Result<ProjectSettings>;
    ProjectSettings s;
    s.memoryLimitBytes = defaultMemoryLimitBytes();
    if (!settings.is_object()) return s;
    if (auto it = settings.find("memory_limit"); it != settings.end() && !it->is_null()) {
        std::optional<int64_t> bytes;
        if (it->is_number_integer())
            bytes = it->get<int64_t>();
        else if (it->is_string())
            bytes = parseByteSize(it->get<std::string>());
        if (!bytes || *bytes < (int64_t(1) << 20)) {
            const std::string shown = it->is_string() ? it->get<std::string>() : it->dump();
            return R::error(
                "settings: `memory_limit` must be a number of bytes or a size like \"4GiB\" (at "
                "least "
                "1 MiB), got `" +
                shown + "`");
        }
        s.memoryLimitBytes = *bytes;
    }
    if (auto it = settings.find("checkpoint_interval"); it != settings.end() && !it->is_null()) {
        std::optional<int64_t> us;
        if (it->is_number_integer() && it->get<int64_t>() == 0)
            us = 0;
        else if (it->is_string())
            us = parseDuration(it->get<std::string>());
        if (!us || *us < 0 || (*us > 0 && *us < 100'000)) {
            const std::string shown = it->is_string() ? it->get<std::string>() : it->dump();
            return R::error(
                "settings: `checkpoint_interval` must be a duration like \"10s\" (at least "
                "100ms), or 0 for no checkpoints, got `" +
                shown + "`");
        }
        s.checkpointIntervalUs = *us;
        s.checkpointIntervalSet = true;
    }
    return s;
}

}  // namespace riffle
