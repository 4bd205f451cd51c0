#pragma once
// Events per second as a person should read them on a card or a wire (a window that emits every
// 10 s would read as a permanent "0/s" if the rate were taken over the last 100 ms).
//
// A RateMeter gets the running count of one counter at every metrics sample. A steady stream
// (its count changed in at least kSteadyChanges samples of the last kShortWindow) is averaged
// over kShortWindow, so a change in speed shows within seconds. A bursty stream (a window's
// output, a sink behind it) is averaged over kLongWindow, or since the run began when that is
// shorter, so each burst counts for the time it stands for. idleSeconds() says how long ago the
// count last moved, for "… · 8 s ago" beside a bursty rate.
//
// Plain C++, no Qt: the bridge owns one per node and direction.
#include <cstdint>
#include <deque>

namespace riffle {

class RateMeter {
public:
    static constexpr int64_t kShortWindowNs = 5'000'000'000;
    static constexpr int64_t kLongWindowNs = 60'000'000'000;
    static constexpr int kSteadyChanges = 10;

    // The counter's value at `nowNs` (steady clock; samples come in time order).
    void add(int64_t nowNs, int64_t count);
    double perSecond() const { return m_rate; }
    // Seconds since the count last grew, at the last sample; -1 if it never has.
    double idleSeconds() const;
    bool isBursty() const { return m_bursty; }

private:
    struct Sample {
        int64_t ns;
        int64_t count;
    };
    double rateSince(int64_t fromNs) const;
    std::deque<Sample> m_samples;
    int64_t m_lastChangeNs = -1;
    double m_rate = 0;
    bool m_bursty = false;
};

}  // namespace riffle
