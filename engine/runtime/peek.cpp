#include "engine/runtime/peek.h"

#include "engine/core/clock.h"
#include "engine/runtime/executor.h"

namespace riffle {

void PeekTap::offer(const Batch& batch) {
    m_rowsSeen.fetch_add(static_cast<int64_t>(batch.rows()), std::memory_order_relaxed);
    const int64_t now = steadyClockNs();
    int64_t due = m_nextSampleNs.load(std::memory_order_relaxed);
    if (now < due) return;
    if (!m_nextSampleNs.compare_exchange_strong(due, now + kSampleIntervalNs,
                                                std::memory_order_relaxed))
        return;  // another instance takes this sample
    std::unique_lock lock(m_mutex, std::try_to_lock);
    if (!lock.owns_lock()) return;
    const Schema& schema = batch.schema();
    if (m_fields.size() != schema.size()) {
        m_fields.clear();
        for (const Field& f : schema.fields()) m_fields.push_back(f.name);
    }
    const size_t rows = batch.rows();
    const size_t first = rows > kRowsPerSample ? rows - kRowsPerSample : 0;
    for (size_t r = first; r < rows; ++r) {
        std::vector<std::string> row;
        row.reserve(schema.size());
        for (size_t c = 0; c < schema.size(); ++c) row.push_back(batch.get(r, c).toDisplayString());
        m_rows.push_back(std::move(row));
        if (m_rows.size() > m_capacity) m_rows.pop_front();
    }
}

PeekTap::Snapshot PeekTap::snapshot() const {
    Snapshot s;
    std::lock_guard lock(m_mutex);
    s.fields = m_fields;
    s.rows.assign(m_rows.begin(), m_rows.end());
    s.rowsSeen = m_rowsSeen.load(std::memory_order_relaxed);
    return s;
}

}  // namespace riffle
