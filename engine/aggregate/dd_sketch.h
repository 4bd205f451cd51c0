#pragma once
// DDSketch quantile sketch for PERCENTILE (Masson, Rim, Lee: "DDSketch: a fast and fully-mergeable
// quantile sketch with relative-error guarantees", VLDB 2019).
//
// A positive value x falls into bucket i = ceil(log_gamma(x)) with gamma = (1 + a) / (1 - a); the
// bucket is reported as 2 gamma^i / (gamma + 1), which is within relative error a of every value
// in it. Negative values use a mirrored store, exact zeros (and values too small to index) a
// counter. With a = 0.5 %, a quantile is within 0.5 % of the true order statistic.
//
// A store starts sparse: up to kSparseKeys (key, count) pairs in key order, 8 bytes each, which
// suits the many small sketches of sliding-window slices (a few values each, spread over hundreds
// of buckets). With more keys it turns dense: at most kMaxBuckets contiguous buckets (2048 buckets
// at a = 0.5 % span a ratio of about 8e8 between the smallest and largest magnitude). Beyond that
// the buckets of the smallest magnitudes are collapsed into one, so the guarantee then holds for
// quantiles above the collapsed range only.
//
// Quantile q is the value of rank floor(q (n - 1)) (0-based) in sorted order: no interpolation.
// Merging adds the bucket counts, which gives exactly the sketch of the combined stream unless
// collapsing happened. NaN and infinities are not added (the caller skips them).
// Threading: none; one owner.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/checkpoint/state_codec.h"

namespace riffle::agg {

class DDSketch {
public:
    static constexpr double kRelativeAccuracy = 0.005;
    static constexpr int32_t kMaxBuckets = 2048;
    static constexpr size_t kSparseKeys = 128;

    void add(double x);
    void merge(const DDSketch& other);
    // Takes `other`'s values out again (it was merged in before); false when a bucket has fewer
    // than `other` (this sketch collapsed them), and the sketch is then undefined.
    bool subtract(const DDSketch& other);
    // Empty again, keeping its memory.
    void clear();
    // nullopt when empty; q in [0, 1].
    std::optional<double> quantile(double q) const;
    uint64_t count() const { return m_negative.total + m_zeros + m_positive.total; }
    size_t memoryBytes() const { return m_positive.memoryBytes() + m_negative.memoryBytes(); }

    // For checkpoints; read into an empty sketch.
    void save(checkpoint::StateWriter& w) const;
    void load(checkpoint::StateReader& r);

private:
    // Dense: counts of buckets offset .. offset + counts.size() - 1. Sparse while `counts` is
    // empty: the occupied keys in `sparse`.
    struct Entry {
        int32_t key;
        uint32_t n;
    };
    struct Store {
        std::vector<uint64_t> counts;
        std::vector<Entry> sparse;
        int32_t offset = 0;
        uint64_t total = 0;
        int32_t minKey = 0;  // occupied range, when total > 0
        int32_t maxKey = 0;
        bool collapsed = false;  // since the last clear()

        void add(int32_t key, uint64_t n) {
            const int64_t at = int64_t{key} - offset;
            if (at < 0 || at >= static_cast<int64_t>(counts.size())) return addSlow(key, n);
            counts[static_cast<size_t>(at)] += n;
            counted(key, n);
        }
        void addSlow(int32_t key, uint64_t n);  // sparse, or dense with reserve()
        void addDense(int32_t key, uint64_t n);
        void counted(int32_t key, uint64_t n) {
            minKey = total == 0 ? key : std::min(minKey, key);
            maxKey = total == 0 ? key : std::max(maxKey, key);
            total += n;
        }
        void densify();
        void merge(const Store& other);
        bool subtract(const Store& other);
        bool take(int32_t key, uint64_t n);  // subtract()'s part for one key
        void clear();
        // The key of the value of 0-based `rank` (< total), counting from the smallest key or,
        // with `descending`, from the largest.
        int32_t keyAtRank(uint64_t rank, bool descending) const;
        size_t memoryBytes() const {
            return counts.capacity() * sizeof(uint64_t) + sparse.capacity() * sizeof(Entry);
        }
        // Makes `key` addressable (collapsing the lowest buckets if the span gets too wide) and
        // returns the key to count it under.
        int32_t reserve(int32_t key);
    };

    static int32_t keyOf(double magnitude);
    static double valueOf(int32_t key);

    Store m_positive;
    Store m_negative;  // keyed by magnitude
    uint64_t m_zeros = 0;
};

}  // namespace riffle::agg
