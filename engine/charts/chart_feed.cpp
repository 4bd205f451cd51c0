#include "engine/charts/chart_feed.h"

#include "engine/core/clock.h"
#include "engine/runtime/executor.h"

namespace riffle {

ChartChannel::ChartChannel(size_t slots)
    : m_slotCount(slots < 2 ? 2 : slots),
      m_slots(std::make_unique<std::atomic<ChartChunk*>[]>(m_slotCount)) {
    for (size_t i = 0; i < m_slotCount; ++i) m_slots[i].store(nullptr, std::memory_order_relaxed);
}

ChartChannel::~ChartChannel() {
    for (size_t i = 0; i < m_slotCount; ++i)
        delete m_slots[i].exchange(nullptr, std::memory_order_acquire);
}

void ChartChannel::publish(std::unique_ptr<ChartChunk> chunk) {
    if (!chunk) return;
    const uint64_t seq = m_head.load(std::memory_order_relaxed);
    chunk->seq = seq;
    chunk->publishedNs = steadyClockNs();
    m_rowsPublished.fetch_add(static_cast<int64_t>(chunk->rows.size()), std::memory_order_relaxed);
    // Each chunk pointer is owned by whoever takes it out of its slot with exchange(): here the
    // producer, replacing an unread chunk the reader has fallen too far behind to see.
    ChartChunk* old =
        m_slots[seq % m_slotCount].exchange(chunk.release(), std::memory_order_acq_rel);
    if (old) {
        m_rowsDropped.fetch_add(static_cast<int64_t>(old->rows.size()), std::memory_order_relaxed);
        delete old;
    }
    m_head.store(seq + 1, std::memory_order_release);
}

std::vector<std::unique_ptr<ChartChunk>> ChartChannel::drain() {
    std::vector<std::unique_ptr<ChartChunk>> out;
    const uint64_t head = m_head.load(std::memory_order_acquire);
    if (head > m_tail + m_slotCount) m_tail = head - m_slotCount;  // the rest was replaced
    for (; m_tail < head; ++m_tail) {
        ChartChunk* c = m_slots[m_tail % m_slotCount].exchange(nullptr, std::memory_order_acq_rel);
        if (c) out.emplace_back(c);
    }
    // A slot the producer refilled while we read holds a newer chunk than its neighbours.
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->seq < b->seq; });
    return out;
}

std::shared_ptr<ChartChannel> ChartHub::add(const ChartConfig& config) {
    Entry& e = m_entries[config.nodeId];
    e.config = config;
    if (!e.channel) e.channel = std::make_shared<ChartChannel>();
    return e.channel;
}

std::shared_ptr<ChartChannel> ChartHub::channel(const std::string& nodeId) const {
    auto it = m_entries.find(nodeId);
    return it == m_entries.end() ? nullptr : it->second.channel;
}

const ChartConfig* ChartHub::config(const std::string& nodeId) const {
    auto it = m_entries.find(nodeId);
    return it == m_entries.end() ? nullptr : &it->second.config;
}

std::vector<std::string> ChartHub::nodeIds() const {
    std::vector<std::string> ids;
    for (const auto& [id, e] : m_entries) ids.push_back(id);
    return ids;
}

}  // namespace riffle
