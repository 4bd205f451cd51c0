#include "engine/aggregate/dd_sketch.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace riffle::agg {

namespace {

constexpr double kGamma = (1.0 + DDSketch::kRelativeAccuracy) / (1.0 - DDSketch::kRelativeAccuracy);
const double kLogGamma = std::log(kGamma);
// Below this magnitude a value counts as zero: keys stay far inside int32 and exp() stays normal.
constexpr double kMinIndexable = 1e-300;

}  // namespace

int32_t DDSketch::keyOf(double magnitude) {
    return static_cast<int32_t>(std::ceil(std::log(magnitude) / kLogGamma));
}

double DDSketch::valueOf(int32_t key) {
    return 2.0 * std::exp(static_cast<double>(key) * kLogGamma) / (kGamma + 1.0);
}

void DDSketch::add(double x) {
    if (x >= kMinIndexable)
        m_positive.add(keyOf(x), 1);
    else if (x <= -kMinIndexable)
        m_negative.add(keyOf(-x), 1);
    else
        ++m_zeros;
}

void DDSketch::merge(const DDSketch& other) {
    m_positive.merge(other.m_positive);
    m_negative.merge(other.m_negative);
    m_zeros += other.m_zeros;
}

std::optional<double> DDSketch::quantile(double q) const {
    const uint64_t n = count();
    if (n == 0) return std::nullopt;
    uint64_t rank = static_cast<uint64_t>(std::floor(q * static_cast<double>(n - 1)));
    if (rank >= n) rank = n - 1;
    if (rank < m_negative.total) {
        // Most negative first: the negative store from its largest magnitude down.
        uint64_t seen = 0;
        for (size_t i = m_negative.counts.size(); i-- > 0;) {
            seen += m_negative.counts[i];
            if (seen > rank) return -valueOf(m_negative.offset + static_cast<int32_t>(i));
        }
    }
    rank -= std::min(rank, m_negative.total);
    if (rank < m_zeros) return 0.0;
    rank -= m_zeros;
    uint64_t seen = 0;
    for (size_t i = 0; i < m_positive.counts.size(); ++i) {
        seen += m_positive.counts[i];
        if (seen > rank) return valueOf(m_positive.offset + static_cast<int32_t>(i));
    }
    return std::nullopt;  // unreachable: the counts add up to n
}

void DDSketch::Store::addSlow(int32_t key, uint64_t n) {
    const int32_t k = reserve(key);
    counts[static_cast<size_t>(k - offset)] += n;
    minKey = total == 0 ? k : std::min(minKey, k);
    maxKey = total == 0 ? k : std::max(maxKey, k);
    total += n;
}

void DDSketch::clear() {
    m_positive.clear();
    m_negative.clear();
    m_zeros = 0;
}

bool DDSketch::subtract(const DDSketch& other) {
    if (m_zeros < other.m_zeros) return false;
    m_zeros -= other.m_zeros;
    return m_positive.subtract(other.m_positive) && m_negative.subtract(other.m_negative);
}

bool DDSketch::Store::subtract(const Store& other) {
    if (other.total == 0) return true;
    if (other.total > total) return false;
    const int64_t size = static_cast<int64_t>(counts.size());
    for (int32_t k = other.minKey; k <= other.maxKey; ++k) {
        const uint64_t n = other.counts[static_cast<size_t>(k - other.offset)];
        if (n == 0) continue;
        const int64_t at = std::max<int64_t>(k, offset) - offset;  // collapsed: the lowest
        if (at >= size || counts[static_cast<size_t>(at)] < n) return false;
        counts[static_cast<size_t>(at)] -= n;
    }
    total -= other.total;
    if (total == 0) return true;
    while (counts[static_cast<size_t>(minKey - offset)] == 0) ++minKey;
    while (counts[static_cast<size_t>(maxKey - offset)] == 0) --maxKey;
    return true;
}

void DDSketch::Store::clear() {
    if (total > 0)
        std::fill(counts.begin() + (minKey - offset), counts.begin() + (maxKey - offset + 1), 0);
    total = 0;
}

void DDSketch::Store::merge(const Store& other) {
    if (other.total == 0) return;
    // Reserve both ends of `other`'s occupied range first: at most one reallocation.
    reserve(other.maxKey);
    reserve(other.minKey);
    const int64_t size = static_cast<int64_t>(counts.size());
    if (other.minKey < offset || other.maxKey >= offset + size) {
        // Collapsing moved the range: key by key.
        for (int32_t k = other.minKey; k <= other.maxKey; ++k) {
            const uint64_t n = other.counts[static_cast<size_t>(k - other.offset)];
            if (n != 0) addSlow(k, n);
        }
        return;
    }
    const uint64_t* from = other.counts.data() + (other.minKey - other.offset);
    uint64_t* to = counts.data() + (other.minKey - offset);
    for (int32_t i = 0, n = other.maxKey - other.minKey + 1; i < n; ++i) to[i] += from[i];
    minKey = total == 0 ? other.minKey : std::min(minKey, other.minKey);
    maxKey = total == 0 ? other.maxKey : std::max(maxKey, other.maxKey);
    total += other.total;
}

int32_t DDSketch::Store::reserve(int32_t key) {
    const int64_t size = static_cast<int64_t>(counts.size());
    if (size == 0) {
        // Room on both sides of the first key: data usually spreads around it.
        constexpr int32_t kInitial = 64;
        counts.assign(kInitial, 0);
        offset = key - kInitial / 2;
        return key;
    }
    if (key >= offset && key < offset + size) return key;
    if (total == 0) {  // empty (cleared): every count is 0, so the buckets just move
        offset = key - static_cast<int32_t>(size / 2);
        return key;
    }

    // The occupied range with `key` decides the width; the allocated slack does not.
    const int64_t lo = total == 0 ? key : std::min<int64_t>(minKey, key);
    const int64_t hi = total == 0 ? key : std::max<int64_t>(maxKey, key);
    const int64_t span = hi - lo + 1;
    if (span <= size) {
        // It fits: the buckets move over, in place (no allocation, no growth).
        const int64_t newLo = key < offset ? hi - size + 1 : lo;
        const int64_t delta = offset - newLo;
        if (delta > 0) {
            std::move_backward(counts.begin(), counts.end() - delta, counts.end());
            std::fill(counts.begin(), counts.begin() + delta, 0);
        } else {
            std::move(counts.begin() - delta, counts.end(), counts.begin());
            std::fill(counts.end() + delta, counts.end(), 0);
        }
        offset = static_cast<int32_t>(newLo);
        return key;
    }
    int64_t newLo;
    int64_t newSize;
    if (span > kMaxBuckets) {
        newSize = kMaxBuckets;
        newLo = hi - kMaxBuckets + 1;  // collapse the smallest magnitudes
    } else {
        // Grow at least twofold (amortised O(1) per key), the slack on the side that grew.
        newSize = std::min<int64_t>(kMaxBuckets, std::max(span, size * 2));
        newLo = key < offset ? hi - newSize + 1 : lo;
    }
    std::vector<uint64_t> grown(static_cast<size_t>(newSize), 0);
    for (int64_t i = 0; i < size; ++i) {
        if (counts[static_cast<size_t>(i)] == 0) continue;
        const int64_t k = std::max<int64_t>(offset + i, newLo);
        grown[static_cast<size_t>(k - newLo)] += counts[static_cast<size_t>(i)];
    }
    counts = std::move(grown);
    offset = static_cast<int32_t>(newLo);
    if (total > 0) {
        minKey = static_cast<int32_t>(std::max<int64_t>(minKey, newLo));
        maxKey = static_cast<int32_t>(std::max<int64_t>(maxKey, newLo));
    }
    return static_cast<int32_t>(std::max<int64_t>(key, newLo));
}

namespace {

void saveStore(const std::vector<uint64_t>& counts, int32_t offset, uint64_t total, int32_t minKey,
               int32_t maxKey, checkpoint::StateWriter& w) {
    w.i64(offset);
    w.u64(total);
    w.i64(minKey);
    w.i64(maxKey);
    w.u64(counts.size());
    for (uint64_t c : counts) w.u64(c);
}

}  // namespace

void DDSketch::save(checkpoint::StateWriter& w) const {
    for (const Store* s : {&m_positive, &m_negative})
        saveStore(s->counts, s->offset, s->total, s->minKey, s->maxKey, w);
    w.u64(m_zeros);
}

void DDSketch::load(checkpoint::StateReader& r) {
    for (Store* s : {&m_positive, &m_negative}) {
        s->offset = static_cast<int32_t>(r.i64());
        s->total = r.u64();
        s->minKey = static_cast<int32_t>(r.i64());
        s->maxKey = static_cast<int32_t>(r.i64());
        const uint64_t n = r.count();
        if (n > static_cast<uint64_t>(kMaxBuckets)) {
            r.fail();  // more buckets than a sketch keeps
            return;
        }
        s->counts.resize(n);
        for (uint64_t& c : s->counts) c = r.u64();
    }
    m_zeros = r.u64();
}

}  // namespace riffle::agg
