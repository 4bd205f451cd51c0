#pragma once
// Building blocks shared by the synthetic sources (source.clickstream, source.metrics):
//
// - Rng: xoshiro256** seeded through splitmix64. Its output depends only on the seed, never on
//   the standard library, so a seed gives the same rows on every platform (std::*_distribution
//   would not).
// - AliasTable: O(1) sampling from a weighted list (Walker/Vose) with one random number.
// - normalQuantile(): a table-driven standard normal, for noise and log-normal values without
//   a logarithm per event.
// - BatchStrings: a fixed table of strings stored at most once per batch into that batch's arena,
//   so a batch still owns every string it points to while a hot loop pays one store per distinct
//   string per batch.
// - startTime(): the `start` parameter ("now" or an ISO-8601 time).
//
// Threading: none of these objects is shared; each source instance owns its own, and the runtime
// never calls one source from two threads at once. normalQuantile()'s table is built once,
// thread-safely, on first use.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/batch.h"
#include "engine/core/clock.h"
#include "engine/core/time_format.h"
#include "engine/graph/node_spec.h"
#include "engine/runtime/operator.h"

namespace riffle::gen {

__extension__ typedef unsigned __int128 U128;

// Advances `state` and returns the next splitmix64 output; also a good 64-bit mixer for seeds.
inline uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// A stateless hash of one value (for per-user or per-host attributes derived from an id).
inline uint64_t hash64(uint64_t x) {
    return splitmix64(x);
}

// xoshiro256**: fast, small state, passes the usual statistical batteries.
class Rng {
public:
    explicit Rng(uint64_t seed = 0) {
        uint64_t s = seed;
        for (auto& w : m_s) w = splitmix64(s);
    }
    uint64_t next() {
        const uint64_t result = rotl(m_s[1] * 5, 7) * 9;
        const uint64_t t = m_s[1] << 17;
        m_s[2] ^= m_s[0];
        m_s[3] ^= m_s[1];
        m_s[1] ^= m_s[2];
        m_s[0] ^= m_s[3];
        m_s[2] ^= t;
        m_s[3] = rotl(m_s[3], 45);
        return result;
    }
    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    // Uniform in [0, n) (multiply-high; the bias is below n / 2^64). n = 0 gives 0.
    uint64_t below(uint64_t n) {
        return static_cast<uint64_t>((static_cast<U128>(next()) * n) >> 64);
    }
    bool chance(double p) { return uniform() < p; }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::array<uint64_t, 4> m_s{};
};

// Samples index i with probability weights[i] / sum(weights), from one 64-bit random number.
class AliasTable {
public:
    AliasTable() = default;
    explicit AliasTable(const std::vector<double>& weights) { build(weights); }
    void build(const std::vector<double>& weights);
    size_t size() const { return m_alias.size(); }
    uint32_t sample(uint64_t random) const {
        const uint64_t column = ((random >> 32) * m_alias.size()) >> 32;
        const uint64_t fraction = random & 0xFFFFFFFFull;
        return fraction < m_threshold[column] ? static_cast<uint32_t>(column) : m_alias[column];
    }

private:
    std::vector<uint64_t> m_threshold;  // probability of keeping the column, scaled by 2^32
    std::vector<uint32_t> m_alias;
};

inline void AliasTable::build(const std::vector<double>& weights) {
    const size_t n = weights.size();
    m_threshold.assign(n, uint64_t{1} << 32);
    m_alias.resize(n);
    for (size_t i = 0; i < n; ++i) m_alias[i] = static_cast<uint32_t>(i);
    double sum = 0;
    for (double w : weights) sum += w;
    if (n == 0 || !(sum > 0)) return;
    std::vector<double> scaled(n);
    std::vector<uint32_t> small, large;
    for (size_t i = 0; i < n; ++i) {
        scaled[i] = weights[i] * static_cast<double>(n) / sum;
        (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
        const uint32_t s = small.back();
        small.pop_back();
        const uint32_t l = large.back();
        m_threshold[s] = static_cast<uint64_t>(scaled[s] * 4294967296.0);
        m_alias[s] = l;
        scaled[l] = (scaled[l] + scaled[s]) - 1.0;
        if (scaled[l] < 1.0) {
            large.pop_back();
            small.push_back(l);
        }
    }
    // Whatever is left holds probability 1 up to rounding.
    for (uint32_t i : small) m_threshold[i] = uint64_t{1} << 32;
    for (uint32_t i : large) m_threshold[i] = uint64_t{1} << 32;
}

// Weights 1 / rank^exponent for ranks 1..n (a Zipf distribution).
inline std::vector<double> zipfWeights(size_t n, double exponent) {
    std::vector<double> w(n);
    for (size_t i = 0; i < n; ++i) w[i] = 1.0 / std::pow(static_cast<double>(i + 1), exponent);
    return w;
}

// Quantiles of the standard normal at (i + 0.5) / kNormalTableSize.
inline constexpr size_t kNormalTableBits = 12;
inline constexpr size_t kNormalTableSize = size_t{1} << kNormalTableBits;
const std::array<double, kNormalTableSize>& normalQuantiles();

// A standard normal variate from one 64-bit random number (top bits pick the quantile, the next
// bits interpolate towards its neighbour). Tails are cut near ±3.7.
inline double normalFrom(uint64_t random) {
    const auto& q = normalQuantiles();
    const size_t i = static_cast<size_t>(random >> (64 - kNormalTableBits));
    const double frac = static_cast<double>((random >> 11) & ((uint64_t{1} << 40) - 1)) * 0x1.0p-40;
    const size_t j = i + 1 < kNormalTableSize ? i + 1 : i;
    return q[i] + (q[j] - q[i]) * frac;
}

inline const std::array<double, kNormalTableSize>& normalQuantiles() {
    static const std::array<double, kNormalTableSize> table = [] {
        std::array<double, kNormalTableSize> t{};
        // Bisection on the normal CDF, Phi(x) = erfc(-x / sqrt 2) / 2: slow, exact and run once.
        for (size_t i = 0; i < kNormalTableSize; ++i) {
            const double p = (static_cast<double>(i) + 0.5) / static_cast<double>(kNormalTableSize);
            double lo = -10, hi = 10;
            for (int it = 0; it < 64; ++it) {
                const double mid = 0.5 * (lo + hi);
                if (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p)
                    lo = mid;
                else
                    hi = mid;
            }
            t[i] = 0.5 * (lo + hi);
        }
        return t;
    }();
    return table;
}

// A fixed table of strings, each stored into the current batch's arena on its first use there.
class BatchStrings {
public:
    BatchStrings() = default;
    explicit BatchStrings(std::vector<std::string> table) { setTable(std::move(table)); }
    void setTable(std::vector<std::string> table) {
        m_table = std::move(table);
        m_views.assign(m_table.size(), {});
        m_stamp.assign(m_table.size(), 0);
    }
    // Must be called for every new batch before get().
    void beginBatch(Batch& batch) {
        m_batch = &batch;
        ++m_generation;
    }
    std::string_view get(size_t i) {
        if (m_stamp[i] != m_generation) {
            m_views[i] = m_batch->storeString(m_table[i]);
            m_stamp[i] = m_generation;
        }
        return m_views[i];
    }
    const std::vector<std::string>& table() const { return m_table; }

private:
    std::vector<std::string> m_table;
    std::vector<std::string_view> m_views;
    std::vector<uint64_t> m_stamp;
    uint64_t m_generation = 0;
    Batch* m_batch = nullptr;
};

// How long a paced source waits when it is ahead of the clock: at least 1 ms, so that batches
// gather about a millisecond of events (and hold an event back by about that much), at most
// 100 ms.
inline constexpr int64_t kMinPaceWaitUs = 1000;
inline constexpr int64_t kMaxPaceWaitUs = 100000;

// One poll of a generator that makes `limit` events (0 = endless) at `rate` events per second
// of wall-clock time since `openedUs` (0 = as fast as possible), at most kBatchRows per poll.
// `produced` counts the events made so far; generate(n) makes the next n of them.
template <typename Generate>
SourcePoll pacedPoll(double rate, int64_t limit, int64_t openedUs, int64_t& produced,
                     Generate&& generate) {
    int64_t n = static_cast<int64_t>(kBatchRows);
    if (limit > 0) {
        n = std::min(n, limit - produced);
        if (n <= 0) return SourcePoll::ended();
    }
    if (rate > 0) {
        const int64_t elapsedUs = steadyClockUs() - openedUs;
        const int64_t due = static_cast<int64_t>(static_cast<double>(elapsedUs) * rate / 1e6) + 1;
        if (due <= produced) {
            const double nextDueUs = std::ceil(static_cast<double>(produced) * 1e6 / rate);
            const int64_t waitUs = static_cast<int64_t>(nextDueUs) - elapsedUs;
            return SourcePoll::waitFor(std::clamp(waitUs, kMinPaceWaitUs, kMaxPaceWaitUs));
        }
        n = std::min(n, due - produced);
    }
    generate(n);
    produced += n;
    if (limit > 0 && produced >= limit) return SourcePoll::ended();
    return SourcePoll::more();
}

// The `openedUs` for pacedPoll() of a generator that continues after `produced` events (restored
// from a checkpoint): the next event is due now, and the pace goes on from there.
inline int64_t resumedOpenedUs(double rate, int64_t produced) {
    const int64_t now = steadyClockUs();
    if (rate <= 0 || produced <= 0) return now;
    return now - static_cast<int64_t>(std::ceil(static_cast<double>(produced) * 1e6 / rate));
}

// The `start` parameter: "now" (or empty) gives `nowUs`, anything else must be ISO-8601.
inline std::optional<TimeUs> startTime(std::string_view text, TimeUs nowUs) {
    if (text.empty() || text == "now") return nowUs;
    return parseIso8601(text);
}

// The message for a `start` that startTime() refuses.
inline std::string badStartMessage(std::string_view text) {
    return "`start` must be \"now\" or an ISO-8601 time like 2026-01-01T00:00:00Z, got `" +
           std::string(text) + "`";
}

inline constexpr const char* kStartHelp =
    "\"now\": event time starts at the wall clock when the run starts; an ISO-8601 time such as "
    "2026-01-01T00:00:00Z makes event times reproducible";
inline constexpr const char* kTimeFieldHelpForGenerators =
    "Ignored by generators: they always stamp their own event time into `_time`";

// The time parameters every source takes (sourceTimeParams()), as generators use them: no
// out-of-orderness by default, and `time_field` documented as ignored.
inline void appendGeneratorTimeParams(std::vector<ParamSpec>& params) {
    for (ParamSpec p : sourceTimeParams("0s")) {
        if (p.key == "time_field") p.help = kTimeFieldHelpForGenerators;
        if (p.key == "time_format")
            p.help = "Ignored by generators (they write `_time` themselves)";
        params.push_back(std::move(p));
    }
}

}  // namespace riffle::gen
