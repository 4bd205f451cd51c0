#include "widgets/dashboard/series_store.h"

#include <algorithm>
#include <cmath>

namespace riffle {

namespace {

// Non-final points are the newest window(s); looking further back than this for the last final
// point would make a frame cost O(n) on a series that never carries a `final` flag.
constexpr size_t kTailScan = 256;

}  // namespace

void decimateMinMax(const double* xs, const double* ys, size_t count, double xMin, double xMax,
                    int columns, std::vector<double>& outX, std::vector<double>& outY) {
    if (count == 0 || !(xMax > xMin)) return;
    const size_t lo = std::lower_bound(xs, xs + count, xMin) - xs;
    const size_t hi = std::upper_bound(xs, xs + count, xMax) - xs;
    const size_t first = lo > 0 ? lo - 1 : lo;
    const size_t last = hi < count ? hi + 1 : hi;  // one past
    columns = std::max(columns, 1);
    if (hi - lo <= size_t(columns) * 2) {
        outX.insert(outX.end(), xs + first, xs + last);
        outY.insert(outY.end(), ys + first, ys + last);
        return;
    }
    auto push = [&](size_t i) {
        outX.push_back(xs[i]);
        outY.push_back(ys[i]);
    };
    if (first < lo) push(first);
    const double scale = columns / (xMax - xMin);
    size_t i = lo;
    while (i < hi) {
        const int column = std::min(columns - 1, int((xs[i] - xMin) * scale));
        size_t minAt = i, maxAt = i;
        // NaN (a NULL value) never becomes the min or max of a column.
        for (; i < hi && std::min(columns - 1, int((xs[i] - xMin) * scale)) == column; ++i) {
            if (ys[i] < ys[minAt] || std::isnan(ys[minAt])) minAt = i;
            if (ys[i] > ys[maxAt] || std::isnan(ys[maxAt])) maxAt = i;
        }
        push(std::min(minAt, maxAt));
        if (minAt != maxAt) push(std::max(minAt, maxAt));
    }
    if (last > hi) push(hi);
}

SeriesStore::SeriesStore(int64_t historyUs, FrameCallback onFrame)
    : m_historyUs(historyUs), m_onFrame(std::move(onFrame)) {
    m_thread = std::thread([this] { run(); });
}

SeriesStore::~SeriesStore() {
    {
        std::lock_guard lock(m_requestMutex);
        m_stop = true;
    }
    m_wake.notify_one();
    m_thread.join();
}

void SeriesStore::appendPoints(std::vector<StorePoint> points) {
    std::lock_guard lock(m_pendingMutex);
    if (m_pending.empty()) {
        m_pending = std::move(points);
    } else {
        m_pending.insert(m_pending.end(), std::make_move_iterator(points.begin()),
                         std::make_move_iterator(points.end()));
    }
}

void SeriesStore::requestFrame(const FrameRequest& request) {
    {
        std::lock_guard lock(m_requestMutex);
        m_request = request;
        m_hasRequest = true;
    }
    m_wake.notify_one();
}

void SeriesStore::setHistoryLoader(HistoryLoader loader, RowConverter converter) {
    std::lock_guard lock(m_requestMutex);
    m_loader = std::move(loader);
    m_converter = std::move(converter);
}

void SeriesStore::dropLoadedHistory() {
    std::lock_guard lock(m_dataMutex);
    for (auto& [key, s] : m_series) {
        s.histX.clear();
        s.histY.clear();
    }
    m_historyLoadedFrom = 0;
}

void SeriesStore::clear() {
    std::scoped_lock lock(m_pendingMutex, m_dataMutex);
    m_pending.clear();
    m_series.clear();
    m_hasData = false;
    m_newestX = 0;
    m_historyLoadedFrom = 0;
}

void SeriesStore::run() {
    for (;;) {
        FrameRequest request;
        HistoryLoader loader;
        RowConverter converter;
        {
            std::unique_lock lock(m_requestMutex);
            m_wake.wait(lock, [this] { return m_stop || m_hasRequest; });
            if (m_stop) return;
            request = m_request;
            m_hasRequest = false;
            loader = m_loader;
            converter = m_converter;
        }
        FrameResult result;
        {
            std::lock_guard lock(m_dataMutex);
            applyPendingLocked();
            if (loader && converter) loadHistoryLocked(request.xMin, loader, converter);
            result = buildFrameLocked(request);
        }
        m_onFrame(std::move(result));
    }
}

void SeriesStore::applyPendingLocked() {
    std::vector<StorePoint> pending;
    {
        std::lock_guard lock(m_pendingMutex);
        pending.swap(m_pending);
    }
    if (pending.empty()) return;
    Series* series = nullptr;
    const std::string* lastKey = nullptr;
    for (const StorePoint& p : pending) {
        if (!lastKey || *lastKey != p.key) {
            series = &m_series[p.key];
            lastKey = &p.key;
        }
        upsertLocked(*series, p.x, p.y, p.final);
        if (!m_hasData || p.x > m_newestX) m_newestX = p.x;
        m_hasData = true;
    }
    trimLocked();
}

void SeriesStore::upsertLocked(Series& s, double x, double y, bool final) {
    const size_t n = s.x.size();
    if (n == s.head || x > s.x.back()) {
        s.x.push_back(x);
        s.y.push_back(y);
        s.final.push_back(final);
        return;
    }
    const size_t at = std::lower_bound(s.x.begin() + s.head, s.x.end(), x) - s.x.begin();
    if (at < n && s.x[at] == x) {
        // A later firing of the same window replaces the earlier one; a non-final firing that
        // arrives after the final row (out of order) must not undo it.
        if (final || !s.final[at]) {
            s.y[at] = y;
            s.final[at] = final;
        }
        return;
    }
    s.x.insert(s.x.begin() + at, x);
    s.y.insert(s.y.begin() + at, y);
    s.final.insert(s.final.begin() + at, final);
}

void SeriesStore::trimLocked() {
    if (m_historyUs <= 0 || !m_hasData) return;
    const double cutoff = m_newestX - m_historyUs / 1e6;
    for (auto it = m_series.begin(); it != m_series.end();) {
        Series& s = it->second;
        s.head = std::lower_bound(s.x.begin() + s.head, s.x.end(), cutoff) - s.x.begin();
        // Compact once half is dead, so trimming costs O(1) amortised per point.
        if (s.head > 4096 && s.head * 2 > s.x.size()) {
            s.x.erase(s.x.begin(), s.x.begin() + s.head);
            s.y.erase(s.y.begin(), s.y.begin() + s.head);
            s.final.erase(s.final.begin(), s.final.begin() + s.head);
            s.head = 0;
        }
        if (s.head == s.x.size() && s.histX.empty()) {
            it = m_series.erase(it);
        } else {
            ++it;
        }
    }
}

void SeriesStore::loadHistoryLocked(double xMin, HistoryLoader loader, RowConverter converter) {
    if (!m_hasData) return;
    double liveOldest = m_newestX;
    for (auto& [key, s] : m_series) {
        if (s.head < s.x.size()) liveOldest = std::min(liveOldest, s.x[s.head]);
    }
    const double loadedFrom = m_historyLoadedFrom > 0 ? m_historyLoadedFrom : liveOldest;
    if (xMin >= loadedFrom) return;
    const TimeUs fromUs = TimeUs(std::floor(xMin * 1e6));
    const TimeUs toUs = TimeUs(std::ceil(loadedFrom * 1e6));
    std::vector<ChartRow> rows = loader(fromUs, toUs);
    m_historyLoadedFrom = xMin;
    std::vector<StorePoint> points;
    for (const ChartRow& row : rows) converter(row, points);
    std::stable_sort(points.begin(), points.end(),
                     [](const StorePoint& a, const StorePoint& b) { return a.x < b.x; });
    for (const StorePoint& p : points) {
        Series& s = m_series[p.key];
        const double liveStart = s.head < s.x.size() ? s.x[s.head] : m_newestX + 1;
        if (p.x >= liveStart) continue;  // the live buffer has it, and fresher
        if (!s.histX.empty() && p.x <= s.histX.back()) {
            const size_t at =
                std::lower_bound(s.histX.begin(), s.histX.end(), p.x) - s.histX.begin();
            if (s.histX[at] == p.x) {
                s.histY[at] = p.y;
            } else {
                s.histX.insert(s.histX.begin() + at, p.x);
                s.histY.insert(s.histY.begin() + at, p.y);
            }
            continue;
        }
        s.histX.push_back(p.x);
        s.histY.push_back(p.y);
    }
}

FrameResult SeriesStore::buildFrameLocked(const FrameRequest& request) {
    FrameResult result;
    result.request = request;
    result.newestX = m_newestX;
    bool haveOldest = false;
    // Stacking: the running sum of the series below, on the union of their times.
    std::vector<double> sumX, sumY;
    for (auto& [key, s] : m_series) {
        FrameSeries out;
        out.key = key;
        const double* lx = s.x.data() + s.head;
        const double* ly = s.y.data() + s.head;
        const size_t ln = s.x.size() - s.head;
        result.pointsHeld += ln + s.histX.size();
        const double oldest = !s.histX.empty() ? s.histX.front() : ln ? lx[0] : 0;
        if ((ln || !s.histX.empty()) && (!haveOldest || oldest < result.oldestX)) {
            result.oldestX = oldest;
            haveOldest = true;
        }
        // Where the solid line ends: the last final point (tail = the window in progress).
        size_t solidEnd = ln;  // one past the last solid point
        size_t lastFinal = SIZE_MAX;
        for (size_t back = 0; back < std::min(ln, kTailScan); ++back) {
            if (s.final[s.head + ln - 1 - back]) {
                lastFinal = ln - 1 - back;
                break;
            }
        }
        if (ln && !s.final[s.head + ln - 1]) {
            solidEnd =
                lastFinal == SIZE_MAX ? (ln > kTailScan ? ln - kTailScan : 0) : lastFinal + 1;
        }
        if (!request.stacked) {
            decimateMinMax(s.histX.data(), s.histY.data(), s.histX.size(), request.xMin,
                           request.xMax, request.columns, out.x, out.y);
            decimateMinMax(lx, ly, solidEnd, request.xMin, request.xMax, request.columns, out.x,
                           out.y);
            const size_t tailBegin = solidEnd > 0 ? solidEnd - 1 : 0;
            if (solidEnd < ln) {
                out.tailX.assign(lx + tailBegin, lx + ln);
                out.tailY.assign(ly + tailBegin, ly + ln);
            }
        } else {
            // Stacked: this series' values plus the sum below at the same time, computed on the
            // points in range (one either side), then decimated like the others.
            std::vector<double> ownX, ownY;
            auto slice = [&](const double* xs, const double* ys, size_t n) {
                size_t lo = std::lower_bound(xs, xs + n, request.xMin) - xs;
                size_t hi = std::upper_bound(xs, xs + n, request.xMax) - xs;
                if (lo > 0) --lo;
                if (hi < n) ++hi;
                ownX.insert(ownX.end(), xs + lo, xs + hi);
                ownY.insert(ownY.end(), ys + lo, ys + hi);
            };
            slice(s.histX.data(), s.histY.data(), s.histX.size());
            slice(lx, ly, ln);
            std::vector<double> stackedY(ownY.size()), nextX, nextY;
            size_t j = 0;
            for (size_t i = 0; i < ownX.size(); ++i) {
                while (j < sumX.size() && sumX[j] < ownX[i]) {
                    nextX.push_back(sumX[j]);
                    nextY.push_back(sumY[j]);
                    ++j;
                }
                const double own = std::isnan(ownY[i]) ? 0 : ownY[i];
                const double below = j < sumX.size() && sumX[j] == ownX[i] ? sumY[j++] : 0;
                stackedY[i] = own + below;
                nextX.push_back(ownX[i]);
                nextY.push_back(stackedY[i]);
            }
            for (; j < sumX.size(); ++j) {
                nextX.push_back(sumX[j]);
                nextY.push_back(sumY[j]);
            }
            sumX.swap(nextX);
            sumY.swap(nextY);
            // The window in progress stays apart here too: the solid area ends at the last final
            // point, and the tail (stacked like the rest) is drawn from there.
            size_t solidPoints = ownX.size();
            if (solidEnd < ln) {
                const double tailStart = lx[solidEnd > 0 ? solidEnd - 1 : 0];
                const size_t t =
                    size_t(std::lower_bound(ownX.begin(), ownX.end(), tailStart) - ownX.begin());
                if (t < ownX.size()) {
                    solidPoints = t + 1;
                    out.tailX.assign(ownX.begin() + std::ptrdiff_t(t), ownX.end());
                    out.tailY.assign(stackedY.begin() + std::ptrdiff_t(t), stackedY.end());
                }
            }
            decimateMinMax(ownX.data(), stackedY.data(), solidPoints, request.xMin, request.xMax,
                           request.columns, out.x, out.y);
        }
        result.series.push_back(std::move(out));
    }
    return result;
}

std::vector<std::string> SeriesStore::keys() {
    std::lock_guard lock(m_dataMutex);
    applyPendingLocked();
    std::vector<std::string> out;
    for (const auto& [key, s] : m_series) out.push_back(key);
    return out;
}

std::vector<std::pair<double, double>> SeriesStore::points(const std::string& key) {
    std::lock_guard lock(m_dataMutex);
    applyPendingLocked();
    std::vector<std::pair<double, double>> out;
    auto it = m_series.find(key);
    if (it == m_series.end()) return out;
    const Series& s = it->second;
    for (size_t i = 0; i < s.histX.size(); ++i) out.emplace_back(s.histX[i], s.histY[i]);
    for (size_t i = s.head; i < s.x.size(); ++i) out.emplace_back(s.x[i], s.y[i]);
    return out;
}

std::vector<bool> SeriesStore::finalFlags(const std::string& key) {
    std::lock_guard lock(m_dataMutex);
    applyPendingLocked();
    std::vector<bool> out;
    auto it = m_series.find(key);
    if (it == m_series.end()) return out;
    const Series& s = it->second;
    out.assign(s.histX.size(), true);
    for (size_t i = s.head; i < s.x.size(); ++i) out.push_back(s.final[i]);
    return out;
}

size_t SeriesStore::pointCount() {
    std::lock_guard lock(m_dataMutex);
    applyPendingLocked();
    size_t n = 0;
    for (const auto& [key, s] : m_series) n += s.x.size() - s.head + s.histX.size();
    return n;
}

std::vector<StorePoint> SeriesStore::allPoints() {
    std::lock_guard lock(m_dataMutex);
    applyPendingLocked();
    std::vector<StorePoint> out;
    for (const auto& [key, s] : m_series) {
        for (size_t i = 0; i < s.histX.size(); ++i) out.push_back({key, s.histX[i], s.histY[i]});
        for (size_t i = s.head; i < s.x.size(); ++i)
            out.push_back({key, s.x[i], s.y[i], bool(s.final[i])});
    }
    return out;
}

}  // namespace riffle
