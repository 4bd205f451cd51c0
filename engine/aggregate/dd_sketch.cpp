#include "engine/aggregate/dd_sketch.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
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
    // Most negative first: the negative store from its largest magnitude down.
    if (rank < m_negative.total) return -valueOf(m_negative.keyAtRank(rank, true));
    rank -= m_negative.total;
    if (rank < m_zeros) return 0.0;
    return valueOf(m_positive.keyAtRank(rank - m_zeros, false));
}

int32_t DDSketch::Store::keyAtRank(uint64_t rank, bool descending) const {
    uint64_t seen = 0;
    if (counts.empty()) {
        for (size_t i = 0; i < sparse.size(); ++i) {
            const Entry& e = sparse[descending ? sparse.size() - 1 - i : i];
            seen += e.n;
            if (seen > rank) return e.key;
        }
    } else {
        for (size_t i = 0; i < counts.size(); ++i) {
            const size_t at = descending ? counts.size() - 1 - i : i;
            seen += counts[at];
            if (seen > rank) return offset + static_cast<int32_t>(at);
        }
    }
    return descending ? minKey : maxKey;  // unreachable: the counts add up to total
}

void DDSketch::Store::addSlow(int32_t key, uint64_t n) {
    if (counts.empty()) {
        auto it = std::lower_bound(sparse.begin(), sparse.end(), key,
                                   [](const Entry& e, int32_t k) { return e.key < k; });
        const bool found = it != sparse.end() && it->key == key;
        if (found && it->n + n <= UINT32_MAX) {
            it->n += static_cast<uint32_t>(n);
            return counted(key, n);
        }
        // Sparse while the keys fit the dense span too: saved dense, it stays the same.
        if (!found && sparse.size() < kSparseKeys && n <= UINT32_MAX &&
            (sparse.empty() || std::max(maxKey, key) - std::min(minKey, key) < kMaxBuckets)) {
            sparse.insert(it, {key, static_cast<uint32_t>(n)});
            return counted(key, n);
        }
        densify();
    }
    addDense(key, n);
}

void DDSketch::Store::addDense(int32_t key, uint64_t n) {
    const int32_t k = reserve(key);
    counts[static_cast<size_t>(k - offset)] += n;
    counted(k, n);
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

bool DDSketch::Store::take(int32_t key, uint64_t n) {
    if (counts.empty()) {
        auto it = std::lower_bound(sparse.begin(), sparse.end(), key,
                                   [](const Entry& e, int32_t k) { return e.key < k; });
        if (it == sparse.end() || it->key != key || it->n < n) return false;
        it->n -= static_cast<uint32_t>(n);
        if (it->n == 0) sparse.erase(it);
        return true;
    }
    const int64_t at = std::max<int64_t>(key, offset) - offset;  // collapsed: the lowest
    if (at >= static_cast<int64_t>(counts.size()) || counts[static_cast<size_t>(at)] < n)
        return false;
    counts[static_cast<size_t>(at)] -= n;
    return true;
}

bool DDSketch::Store::subtract(const Store& other) {
    if (other.total == 0) return true;
    // Once buckets collapsed, a value's bucket depends on when it came: no telling them apart.
    if (other.total > total || collapsed) return false;
    if (other.counts.empty()) {
        for (const Entry& e : other.sparse)
            if (!take(e.key, e.n)) return false;
    } else {
        for (int32_t k = other.minKey; k <= other.maxKey; ++k) {
            const uint64_t n = other.counts[static_cast<size_t>(k - other.offset)];
            if (n != 0 && !take(k, n)) return false;
        }
    }
    total -= other.total;
    if (total == 0) return true;
    if (counts.empty()) {
        minKey = sparse.front().key;
        maxKey = sparse.back().key;
        return true;
    }
    while (counts[static_cast<size_t>(minKey - offset)] == 0) ++minKey;
    while (counts[static_cast<size_t>(maxKey - offset)] == 0) --maxKey;
    return true;
}

void DDSketch::Store::clear() {
    if (total > 0 && !counts.empty())
        std::fill(counts.begin() + (minKey - offset), counts.begin() + (maxKey - offset + 1), 0);
    sparse.clear();
    total = 0;
    collapsed = false;
}

void DDSketch::Store::densify() {
    const std::vector<Entry> entries = std::move(sparse);
    sparse = {};
    total = 0;
    for (const Entry& e : entries) addDense(e.key, e.n);  // in key order
}

void DDSketch::Store::merge(const Store& other) {
    if (other.total == 0) return;
    if (other.counts.empty()) {
        for (const Entry& e : other.sparse) add(e.key, e.n);
        return;
    }
    if (counts.empty()) densify();
    // Reserve both ends of `other`'s occupied range first: at most one reallocation.
    reserve(other.maxKey);
    reserve(other.minKey);
    const int64_t size = static_cast<int64_t>(counts.size());
    if (other.minKey < offset || other.maxKey >= offset + size) {
        // Collapsing moved the range: key by key.
        for (int32_t k = other.minKey; k <= other.maxKey; ++k) {
            const uint64_t n = other.counts[static_cast<size_t>(k - other.offset)];
            if (n != 0) addDense(k, n);
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
        collapsed = true;
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
    for (const Store* s : {&m_positive, &m_negative}) {
        if (!s->counts.empty() || s->sparse.empty()) {
            saveStore(s->counts, s->offset, s->total, s->minKey, s->maxKey, w);
            continue;
        }
        Store dense;  // the saved form is dense
        for (const Entry& e : s->sparse) dense.addDense(e.key, e.n);
        saveStore(dense.counts, dense.offset, dense.total, dense.minKey, dense.maxKey, w);
    }
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
        // A store at its widest may have collapsed buckets: subtract() then refuses.
        s->collapsed = n == static_cast<uint64_t>(kMaxBuckets);
    }
    m_zeros = r.u64();
}

}  // namespace riffle::agg
