#pragma once
// The engine -> UI path of the live dashboard (docs/dashboard.md, "How the data gets there"):
// sinks write into lock-free channels that the GUI drains on a frame timer.
//
// A chart sink (`sink.chart.*`) turns each batch it receives into a ChartChunk of ChartRows and
// publishes it on its node's ChartChannel. The channel is a bounded ring of chunk pointers: the
// producer never waits (when the reader is behind, the oldest unread chunk is freed and its rows
// counted as dropped), the reader never waits (it takes what is there). So the newest data
// always gets through, the engine runs at full speed with no reader at all, and the count of
// what was lost is exact.
//
// A ChartHub holds one channel per chart node of a run, created before the run starts; the
// executor hands it to every operator (OperatorContext::charts).
//
// Threading: ChartChannel::publish() from the one sink instance (any worker thread);
// ChartChannel::drain() from one reader thread (the GUI, or riffle-run at the end). ChartHub is
// filled before the run and read-only while it runs.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/types.h"

namespace riffle {

// One row as a chart sees it. Which members are filled depends on the chart kind's config
// (ChartConfig below): every kind fills `time`; `category` is the x value when x is not a time
// field (bar); `series` is the `series_by` key; `values` holds one number per `y` field (NaN for
// NULL); `cells` holds every input field as display text (table kind only).
struct ChartRow {
    TimeUs time = 0;
    std::string category;
    std::string series;
    std::vector<double> values;
    bool final = true;  // false: an early firing (emit_every) of a window still in progress
    std::vector<std::string> cells;
};

struct ChartChunk {
    uint64_t seq = 0;         // publication order, from 0
    int64_t publishedNs = 0;  // steady clock at publish(), to measure the way to the screen
    std::vector<ChartRow> rows;
};

class ChartChannel {
public:
    static constexpr size_t kDefaultSlots = 256;
    explicit ChartChannel(size_t slots = kDefaultSlots);
    ~ChartChannel();
    ChartChannel(const ChartChannel&) = delete;
    ChartChannel& operator=(const ChartChannel&) = delete;

    // Producer: hands a chunk over (its seq is set here). Never blocks, never waits.
    void publish(std::unique_ptr<ChartChunk> chunk);
    // Reader: every chunk published and not yet taken or dropped, oldest first.
    std::vector<std::unique_ptr<ChartChunk>> drain();

    int64_t rowsPublished() const { return m_rowsPublished.load(std::memory_order_relaxed); }
    // Rows the reader never saw because it fell behind by more than the ring holds.
    int64_t rowsDropped() const { return m_rowsDropped.load(std::memory_order_relaxed); }

private:
    const size_t m_slotCount;
    std::unique_ptr<std::atomic<ChartChunk*>[]> m_slots;
    std::atomic<uint64_t> m_head{0};  // chunks published
    uint64_t m_tail = 0;              // reader's position
    std::atomic<int64_t> m_rowsPublished{0};
    std::atomic<int64_t> m_rowsDropped{0};
};

// What a chart node draws, resolved against its input schema by the node's schema rule (the
// same rules for the sink, riffle-run's tables and the studio's panels).
struct ChartConfig {
    std::string nodeId;
    std::string kind;   // "timeseries", "bar", "gauge", "table", "histogram", "heatmap"
    std::string title;  // the `title` param, else the node's title, else its id
    std::string x;      // the time field (all kinds but bar) or the category field (bar)
    bool xIsTime = true;
    std::vector<std::string> y;         // numeric fields, one value each in ChartRow::values
    std::vector<std::string> seriesBy;  // joined with " · " into ChartRow::series
    std::vector<std::string> columns;   // table: every input field, in order
    bool hasFinalField = false;         // the input has a `final` bool (a window's output)
    int64_t historyUs = 0;              // how much time the live view keeps
};

// The channels of one run, by chart node id, and where the run keeps its chart history.
class ChartHub {
public:
    // Registers a chart node before the run; returns its channel.
    std::shared_ptr<ChartChannel> add(const ChartConfig& config);
    std::shared_ptr<ChartChannel> channel(const std::string& nodeId) const;
    const ChartConfig* config(const std::string& nodeId) const;
    std::vector<std::string> nodeIds() const;

    // The SQLite history store the sinks append final rows to (empty: none).
    void setHistory(std::string path, int64_t runId) {
        m_historyPath = std::move(path);
        m_runId = runId;
    }
    const std::string& historyPath() const { return m_historyPath; }
    int64_t runId() const { return m_runId; }

private:
    struct Entry {
        ChartConfig config;
        std::shared_ptr<ChartChannel> channel;
    };
    std::map<std::string, Entry> m_entries;
    std::string m_historyPath;
    int64_t m_runId = 0;
};

}  // namespace riffle
