#pragma once
// The event model behind source.nexmark: the Nexmark benchmark's people, auctions and bids,
// following the reference generator used by Apache Beam's and Flink's Nexmark suites.
//
// Event numbers n = 0, 1, 2, ... run over all three kinds. Out of every 50 events one is a
// person, three are auctions and 46 are bids: n % 50 == 0 is a person, 1..3 an auction, 4..49
// a bid. Ids come from the event number, not from a counter: person k (the k-th person, from 0)
// has id 1000 + k, auction j has id 1000 + j, so the id of the latest person or auction at any
// event number is known without generating anything before it.
//
// References (a bid's auction and bidder, an auction's seller) follow the reference scheme:
// - With probability 1 - 1/hot ratio a reference goes to the "hot" id: the latest id rounded
//   down to a multiple of 100 (hot bidders: that plus one, so hot bidders are not hot sellers).
//   Hot ratios: auctions 2, bidders 4, sellers 4.
// - Otherwise it picks uniformly among the recent ids: the last 1000 people (the active people)
//   or the last 100 auctions (the in-flight auctions), plus a lead of 10 ids beyond the latest
//   one. A reference may therefore name a person or auction up to 10 ids ahead of the latest
//   generated one, which appears shortly after (the reference allows the same lookahead).
//
// Prices are log-uniform, round(10^(6u) * 100) for u uniform in [0, 1): 100 to 10^8. Names,
// cities, states and the hot channels come from small fixed lists; other text (item names,
// descriptions, e-mail names, `extra` padding) is a slice of a per-seed random text buffer
// (text()), so a generated event holds offsets, never owns strings, and generating allocates
// nothing. `extra` pads each event toward the reference's average sizes: about 200 bytes for a
// person, 500 for an auction, 100 for a bid.
//
// Determinism: the content of event n depends only on (seed, n): each event draws from its own
// counter-based random stream, splitmix64 seeded with hash(seed) ^ n. Generating events in any
// order, or in any batching, gives the same values.
//
// Event time is not the model's concern; the caller passes what it needs (the auction horizon).
// Threading: a model is immutable after construction; its const methods may be called from
// several threads at once.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nodes/sources/generator_util.h"

namespace riffle::nexmark {

inline constexpr int64_t kPersonProportion = 1;
inline constexpr int64_t kAuctionProportion = 3;
inline constexpr int64_t kBidProportion = 46;
inline constexpr int64_t kProportionDenominator =
    kPersonProportion + kAuctionProportion + kBidProportion;

inline constexpr int64_t kFirstPersonId = 1000;
inline constexpr int64_t kFirstAuctionId = 1000;
inline constexpr int64_t kFirstCategoryId = 10;
inline constexpr int64_t kCategories = 5;

inline constexpr int64_t kActivePeople = 1000;
inline constexpr int64_t kInFlightAuctions = 100;
inline constexpr int64_t kPersonIdLead = 10;
inline constexpr int64_t kAuctionIdLead = 10;
inline constexpr uint64_t kHotAuctionRatio = 2;
inline constexpr uint64_t kHotBidderRatio = 4;
inline constexpr uint64_t kHotSellerRatio = 4;
// Hot ids are the latest id rounded down to a multiple of this.
inline constexpr int64_t kHotIdStep = 100;
// Probability 1 - 1/kHotChannelRatio that a bid comes through one of the hot channels.
inline constexpr uint64_t kHotChannelRatio = 2;
inline constexpr size_t kHotChannels = 4;
inline constexpr size_t kOtherChannels = 10000;

inline constexpr int kAvgPersonBytes = 200;
inline constexpr int kAvgAuctionBytes = 500;
inline constexpr int kAvgBidBytes = 100;

// An auction runs for up to twice the event time it takes to generate the in-flight auctions
// (100 auctions = 1666 events).
inline constexpr int64_t kAuctionHorizonEvents =
    kInFlightAuctions * kProportionDenominator / kAuctionProportion;

enum class EventKind : uint8_t { Person, Auction, Bid };

// Kind of event n (n >= 0).
constexpr EventKind kindOf(int64_t n) {
    const int64_t offset = n % kProportionDenominator;
    if (offset < kPersonProportion) return EventKind::Person;
    if (offset < kPersonProportion + kAuctionProportion) return EventKind::Auction;
    return EventKind::Bid;
}

// Number of events of `kind` among events [0, n).
constexpr int64_t countBefore(EventKind kind, int64_t n) {
    const int64_t epochs = n / kProportionDenominator;
    const int64_t offset = n % kProportionDenominator;
    const int64_t persons = epochs * kPersonProportion + std::min(offset, kPersonProportion);
    const int64_t auctions = epochs * kAuctionProportion +
                             std::clamp(offset - kPersonProportion, int64_t{0}, kAuctionProportion);
    switch (kind) {
        case EventKind::Person:
            return persons;
        case EventKind::Auction:
            return auctions;
        case EventKind::Bid:
            return n - persons - auctions;
    }
    return 0;
}

// Zero-based index of the latest person generated at or before event n (0 for the first epoch).
constexpr int64_t lastPersonIndex(int64_t n) {
    return n / kProportionDenominator * kPersonProportion +
           std::min(n % kProportionDenominator, kPersonProportion - 1);
}

// Zero-based index of the latest auction generated at or before event n; during the first
// epoch's person event, before any auction exists, this is -1.
constexpr int64_t lastAuctionIndex(int64_t n) {
    int64_t epoch = n / kProportionDenominator;
    int64_t offset = n % kProportionDenominator;
    if (offset < kPersonProportion) {
        --epoch;
        offset = kAuctionProportion - 1;
    } else if (offset >= kPersonProportion + kAuctionProportion) {
        offset = kAuctionProportion - 1;
    } else {
        offset -= kPersonProportion;
    }
    return epoch * kAuctionProportion + offset;
}

// A string as a slice of NexmarkModel::text().
struct TextSlice {
    uint32_t offset = 0;
    uint32_t length = 0;
};

struct PersonEvent {
    int64_t id = 0;
    uint16_t name = 0;  // index into names()
    uint8_t city = 0;   // index into cities()
    uint8_t state = 0;  // index into states()
    uint8_t emailLength = 0;
    char email[16] = {};       // "name@domain.com"
    char creditCard[19] = {};  // "dddd dddd dddd dddd"
    TextSlice extra;
};

struct AuctionEvent {
    int64_t id = 0;
    TextSlice itemName;
    TextSlice description;
    int64_t initialBid = 0;
    int64_t reserve = 0;
    int64_t durationUs = 0;  // expires = dateTime + durationUs, always > 0
    int64_t seller = 0;
    int64_t category = 0;
    TextSlice extra;
};

struct BidEvent {
    int64_t auction = 0;
    int64_t bidder = 0;
    int64_t price = 0;
    uint16_t channel = 0;  // channel(channel), url(channel)
    TextSlice extra;
};

// Draws of one event: splitmix64 over a state derived from (seed key, event number).
class EventRandom {
public:
    EventRandom(uint64_t key, int64_t n) : m_state(gen::hash64(key ^ static_cast<uint64_t>(n))) {}
    uint64_t next() { return gen::splitmix64(m_state); }
    // Uniform in [0, n) (multiply-high); n = 0 gives 0.
    uint64_t below(uint64_t n) {
        return static_cast<uint64_t>((static_cast<gen::U128>(next()) * n) >> 64);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
    uint64_t m_state;
};

class NexmarkModel {
public:
    explicit NexmarkModel(uint64_t seed);

    // Event n must be of the matching kind (kindOf(n)).
    void person(int64_t n, PersonEvent& e) const;
    // `horizonUs`: event time spanned by kAuctionHorizonEvents events at the stream's rate.
    void auction(int64_t n, int64_t horizonUs, AuctionEvent& e) const;
    void bid(int64_t n, BidEvent& e) const;

    // Log-uniform price in cents-like units: round(10^(6u) * 100), 100 .. 100'000'000.
    static int64_t priceFrom(double u);

    // Every TextSlice points into this buffer: lowercase letters, and in its second half
    // letters with spaces (item names, descriptions).
    std::string_view text() const { return m_text; }
    std::string_view slice(TextSlice s) const {
        return std::string_view(m_text).substr(s.offset, s.length);
    }
    const std::vector<std::string>& names() const { return m_names; }  // "first last"
    const std::vector<std::string>& cities() const { return m_cities; }
    const std::vector<std::string>& states() const { return m_states; }
    // Channel i's name and URL (i < channelCount(); the first kHotChannels are the hot ones).
    // Both lie next to each other in one buffer, channelAndUrl(i) = channel(i) + url(i), so a
    // consumer can copy the pair with one store and split it.
    size_t channelCount() const { return m_channelRefs.size(); }
    std::string_view channelAndUrl(size_t i) const {
        const ChannelRef& c = m_channelRefs[i];
        return std::string_view(m_channelText)
            .substr(c.offset, size_t{c.channelLength} + c.urlLength);
    }
    size_t channelLength(size_t i) const { return m_channelRefs[i].channelLength; }
    std::string_view channel(size_t i) const {
        return channelAndUrl(i).substr(0, channelLength(i));
    }
    std::string_view url(size_t i) const { return channelAndUrl(i).substr(channelLength(i)); }

private:
    // A random reference to a recent person / auction (zero-based, before adding the first id).
    static int64_t recentPersonIndex(int64_t n, EventRandom& r);
    static int64_t recentAuctionIndex(int64_t n, EventRandom& r);
    // Padding toward `averageBytes` for an event whose other fields take `usedBytes`.
    TextSlice extra(EventRandom& r, int usedBytes, int averageBytes) const;
    // 3 .. maxLength - 1 characters with spaces, without leading or trailing space.
    TextSlice spacedString(EventRandom& r, uint32_t maxLength) const;
    TextSlice letters(EventRandom& r, uint32_t length) const;

    struct ChannelRef {
        uint32_t offset;
        uint16_t channelLength;
        uint16_t urlLength;
    };

    uint64_t m_key;
    std::string m_text;
    std::vector<std::string> m_names, m_cities, m_states;
    std::string m_channelText;
    std::vector<ChannelRef> m_channelRefs;
};

}  // namespace riffle::nexmark
