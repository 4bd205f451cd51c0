#pragma once
// A source's question "has everything I emitted so far been processed?", the basis of
// at-least-once offsets (source.kafka commits an offset only once its marker comes back).
//
// The source puts a marker into its stream (Emitter::mark) behind the rows it has emitted. The
// runtime passes it on in order, like a watermark: when a node gets it, the node has processed
// every row before it on that wire, and the node hands it to every wire leaving it. Where a wire
// fans out, each branch holds the marker; a sink (no wires leave it) releases its hold after
// Operator::onMarker, where it flushes what it buffers. When the last hold is released, every
// row emitted before the marker has been written by every sink it reaches, and `onProcessed`
// runs, once, on whichever worker released last.
//
// Markers are not aligned across inputs (that comes with checkpoint barriers): at-least-once
// needs only that every path has passed it. A window holds rows in memory until it fires; those
// rows count as processed once absorbed, as in Flink's at-least-once mode without state
// snapshots. A run that fails or is killed drops its markers unreleased, so `onProcessed` does
// not run for rows that were never written.
#include <atomic>
#include <functional>
#include <memory>

namespace riffle {

class ProgressMarker {
public:
    explicit ProgressMarker(std::function<void()> onProcessed)
        : m_onProcessed(std::move(onProcessed)) {}
    ProgressMarker(const ProgressMarker&) = delete;
    ProgressMarker& operator=(const ProgressMarker&) = delete;

    // One more holder (a branch it travels on, or a sink whose writes complete later). The
    // creator holds it once from the start.
    void hold(int n = 1) { m_holders.fetch_add(n, std::memory_order_relaxed); }
    // A holder is done with it; the last one runs `onProcessed`.
    void release() {
        if (m_holders.fetch_sub(1, std::memory_order_acq_rel) == 1 && m_onProcessed)
            m_onProcessed();
    }
    bool processed() const { return m_holders.load(std::memory_order_acquire) == 0; }

private:
    std::atomic<int> m_holders{1};
    std::function<void()> m_onProcessed;
};

using ProgressMarkerPtr = std::shared_ptr<ProgressMarker>;

}  // namespace riffle
