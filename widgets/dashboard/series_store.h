#pragma once
// The data of a timeseries panel and its decimation worker: large series are reduced to min/max
// per pixel column off the GUI thread.
//
// The GUI thread only queues new points (appendPoints: a copy of what arrived, no search) and
// asks for frames (requestFrame: a range and a pixel width). One worker thread owned by the store
// applies the queued points (same series and time replace each other), trims what is older than
// the live history, loads older rows through the history loader when the view reaches before
// the live data, and decimates every series for the visible range into at most about
// 2 x columns points. The result comes back through the callback, on the worker thread: the
// panel marshals it to the GUI thread. So the GUI thread's cost per frame is bounded by the
// pixel width, whatever the number of points held.
//
// Threading: appendPoints, requestFrame, setHistoryLoader, clear and the accessors from any one
// thread (the GUI); the accessors wait for the worker's current step (tests, CSV export).
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/charts/chart_feed.h"

namespace riffle {

// Min/max decimation of one series sorted by x: for each of `columns` equal columns of
// [xMin, xMax] it keeps the minimum and the maximum point of the column (in x order, once when
// they are the same point), plus the nearest point on each side outside the range so lines run
// to the edges: at most 2 x columns + 2 points. When the range holds no more than 2 x columns
// points they are returned as they are. Appends to outX / outY.
void decimateMinMax(const double* xs, const double* ys, size_t count, double xMin, double xMax,
                    int columns, std::vector<double>& outX, std::vector<double>& outY);

struct StorePoint {
    std::string key;
    double x = 0;  // seconds since the epoch (QCustomPlot's time unit)
    double y = 0;
    bool final = true;
};

struct FrameRequest {
    double xMin = 0;
    double xMax = 0;
    int columns = 800;
    bool stacked = false;
};

struct FrameSeries {
    std::string key;
    std::vector<double> x, y;          // decimated, final and older points (solid)
    std::vector<double> tailX, tailY;  // from the last final point on: the window in progress
};

struct FrameResult {
    FrameRequest request;
    std::vector<FrameSeries> series;  // sorted by key
    double oldestX = 0;               // the oldest point held (live or loaded), 0 when empty
    double newestX = 0;
    size_t pointsHeld = 0;
};

class SeriesStore {
public:
    using HistoryLoader = std::function<std::vector<ChartRow>(TimeUs fromUs, TimeUs toUs)>;
    // Turns history rows into points (the panel's own key rule).
    using RowConverter = std::function<void(const ChartRow&, std::vector<StorePoint>&)>;
    using FrameCallback = std::function<void(FrameResult)>;

    // historyUs <= 0 keeps everything.
    SeriesStore(int64_t historyUs, FrameCallback onFrame);
    ~SeriesStore();
    SeriesStore(const SeriesStore&) = delete;
    SeriesStore& operator=(const SeriesStore&) = delete;

    void appendPoints(std::vector<StorePoint> points);
    // Latest request wins; the callback runs once per request taken.
    void requestFrame(const FrameRequest& request);
    void setHistoryLoader(HistoryLoader loader, RowConverter converter);
    // Drops the points loaded from history (back to following the live data).
    void dropLoadedHistory();
    void clear();

    // Accessors (apply what is queued first).
    std::vector<std::string> keys();
    std::vector<std::pair<double, double>> points(const std::string& key);
    std::vector<bool> finalFlags(const std::string& key);
    size_t pointCount();
    // Every point: (key, x, y), by key then x; for CSV.
    std::vector<StorePoint> allPoints();

private:
    struct Series {
        // Live points from m_head on, sorted by x; loaded history before them, sorted by x.
        std::vector<double> x, y;
        std::vector<uint8_t> final;
        size_t head = 0;
        std::vector<double> histX, histY;
    };

    void run();
    void applyPendingLocked();
    void upsertLocked(Series& s, double x, double y, bool final);
    void trimLocked();
    void loadHistoryLocked(double xMin, HistoryLoader loader, RowConverter converter);
    FrameResult buildFrameLocked(const FrameRequest& request);

    const int64_t m_historyUs;
    FrameCallback m_onFrame;

    std::mutex m_pendingMutex;  // the GUI thread only ever waits for this one, briefly
    std::vector<StorePoint> m_pending;

    std::mutex m_dataMutex;
    std::map<std::string, Series> m_series;
    double m_newestX = 0;
    bool m_hasData = false;
    double m_historyLoadedFrom = 0;  // the oldest x asked from the loader (0: none)

    std::mutex m_requestMutex;
    std::condition_variable m_wake;
    bool m_hasRequest = false;
    bool m_stop = false;
    FrameRequest m_request;
    HistoryLoader m_loader;
    RowConverter m_converter;

    std::thread m_thread;
};

}  // namespace riffle
