// Durations ("10s", "1m30s") and times in every time_format: any text gives a value or nothing;
// a duration formats and parses back to itself.
#include <cstring>

#include "engine/core/time_format.h"
#include "tests/fuzz/fuzz_target.h"

RIFFLE_FUZZ_TARGET(time) {
    if (auto us = riffle::parseDuration(input)) {
        const std::string shown = riffle::formatDuration(*us);
        FUZZ_CHECK(riffle::parseDuration(shown) == us, "a formatted duration parses back");
    }
    for (std::string_view name : {"auto", "iso8601", "epoch_s", "epoch_ms", "epoch_us"}) {
        auto format = riffle::timeFormatFromName(name);
        if (!format) continue;
        if (auto t = riffle::parseTime(input, *format)) (void)riffle::formatIso8601Ms(*t);
    }
    if (auto t = riffle::parseIso8601(input)) {
        const std::string shown = riffle::formatIso8601Ms(*t);
        FUZZ_CHECK(riffle::parseIso8601(shown).has_value(), "a formatted time parses");
    }
    if (input.size() == sizeof(double)) {
        double d;
        std::memcpy(&d, input.data(), sizeof d);
        for (auto f : {riffle::TimeFormat::EpochS, riffle::TimeFormat::EpochMs,
                       riffle::TimeFormat::EpochUs, riffle::TimeFormat::Auto})
            (void)riffle::timeFromNumber(d, f);
    }
}
