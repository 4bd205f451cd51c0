#pragma once
// A live peek at the newest events on one output port (the studio's "click a wire" view).
//
// The engine offers every batch that leaves the port; the tap keeps a sample: at most once per
// kSampleIntervalNs it copies the last rows of the batch, as display text, into a bounded ring.
// Offering never blocks and never allocates on the fast path: a batch inside the sampling
// interval costs one relaxed atomic load, and if the reader holds the lock the sample is skipped.
// So a peek can stay open on a wire at a million events a second without slowing the engine.
//
// Threading: offer() from any engine worker (several instances of a node may offer at once);
// snapshot() from any other thread.
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "engine/core/batch.h"

namespace riffle {

class PeekTap {
public:
    static constexpr int64_t kSampleIntervalNs = 50'000'000;  // 20 samples a second
    static constexpr size_t kRowsPerSample = 8;

    explicit PeekTap(size_t capacityRows = 200) : m_capacity(capacityRows) {}

    void offer(const Batch& batch);

    struct Snapshot {
        std::vector<std::string> fields;             // column names of the port's schema
        std::vector<std::vector<std::string>> rows;  // oldest first
        int64_t rowsSeen = 0;  // every row that passed the port since the tap was opened
    };
    Snapshot snapshot() const;

private:
    const size_t m_capacity;
    std::atomic<int64_t> m_nextSampleNs{0};
    std::atomic<int64_t> m_rowsSeen{0};
    mutable std::mutex m_mutex;
    std::vector<std::string> m_fields;
    std::deque<std::vector<std::string>> m_rows;
};

}  // namespace riffle
