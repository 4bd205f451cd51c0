#pragma once
// 64-bit hashing for the distinct-count and top-k aggregates.
//
// The hashes are fixed functions of the value's bytes (not std::hash, whose results differ
// between standard libraries), so that a sketch means the same thing on every build. Integers go
// through a full-avalanche finalizer; byte strings are folded eight bytes at a time and then
// finalized. HyperLogLog needs every output bit to look random, which the finalizer provides.
// Threading: pure functions.
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace riffle::agg {

// The murmur3 64-bit finalizer constants: every input bit flips each output bit with
// probability close to 1/2.
inline uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

inline uint64_t hashInt(int64_t v) {
    return mix64(static_cast<uint64_t>(v) ^ 0x9e3779b97f4a7c15ULL);
}

// Equal doubles get equal bits: -0.0 becomes 0.0 and every NaN the same NaN.
inline uint64_t canonicalBits(double v) {
    if (v == 0) v = 0;
    if (std::isnan(v)) return 0x7ff8000000000000ULL;
    return std::bit_cast<uint64_t>(v);
}

inline uint64_t hashFloat(double v) {
    return mix64(canonicalBits(v) ^ 0x2545f4914f6cdd1dULL);
}

inline uint64_t hashBytes(std::string_view s) {
    const char* p = s.data();
    size_t n = s.size();
    uint64_t h = 0x6a09e667f3bcc908ULL ^ (static_cast<uint64_t>(n) * 0x9e3779b97f4a7c15ULL);
    while (n >= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        h = std::rotl(h ^ mix64(w), 27) * 0x9e3779b97f4a7c15ULL + 0x52dce729ULL;
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        uint64_t w = 0;
        std::memcpy(&w, p, n);
        h = std::rotl(h ^ mix64(w ^ (static_cast<uint64_t>(n) << 56)), 27) * 0x9e3779b97f4a7c15ULL;
    }
    return mix64(h);
}

// For std::unordered_* keyed by std::string with lookups by string_view (no allocation).
struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return static_cast<size_t>(hashBytes(s)); }
};

}  // namespace riffle::agg
