#include "widgets/runtime/rate_meter.h"

namespace riffle {

void RateMeter::add(int64_t nowNs, int64_t count) {
    if (count != (m_samples.empty() ? 0 : m_samples.back().count)) m_lastChangeNs = nowNs;
    m_samples.push_back({nowNs, count});
    while (m_samples.size() > 2 && m_samples[1].ns <= nowNs - kLongWindowNs) m_samples.pop_front();

    int changes = 0;
    for (auto it = m_samples.rbegin();
         it + 1 != m_samples.rend() && it->ns > nowNs - kShortWindowNs; ++it)
        if (it->count != (it + 1)->count) ++changes;
    m_bursty = changes < kSteadyChanges;
    m_rate = rateSince(nowNs - (m_bursty ? kLongWindowNs : kShortWindowNs));
}

double RateMeter::rateSince(int64_t fromNs) const {
    if (m_samples.size() < 2) return 0;
    // The oldest sample inside the window (or the first one, early in a run).
    const Sample* from = &m_samples.front();
    for (const Sample& s : m_samples) {
        if (s.ns >= fromNs) {
            from = &s;
            break;
        }
    }
    const Sample& to = m_samples.back();
    if (to.ns <= from->ns) return 0;
    return static_cast<double>(to.count - from->count) * 1e9 /
           static_cast<double>(to.ns - from->ns);
}

double RateMeter::idleSeconds() const {
    if (m_lastChangeNs < 0 || m_samples.empty()) return -1;
    return static_cast<double>(m_samples.back().ns - m_lastChangeNs) / 1e9;
}

}  // namespace riffle
