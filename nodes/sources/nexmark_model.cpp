#include "nodes/sources/nexmark_model.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace riffle::nexmark {

namespace {

// Layout of the text buffer: a region of letters, then a region of letters with spaces. A slice
// starts at one of the first k*Starts positions of its region and may run kMax*Slice bytes.
constexpr uint32_t kLetterStarts = 4096;
constexpr uint32_t kMaxLetterSlice = 640;
constexpr uint32_t kSpacedBase = kLetterStarts + kMaxLetterSlice;
constexpr uint32_t kSpacedStarts = 2048;
constexpr uint32_t kMaxSpacedSlice = 128;
constexpr uint32_t kTextBytes = kSpacedBase + kSpacedStarts + kMaxSpacedSlice;

// Reference lengths: item names up to 20 characters, descriptions up to 100; e-mail addresses
// have a 3..6 letter name and a 3..4 letter domain.
constexpr uint32_t kItemNameMax = 20;
constexpr uint32_t kDescriptionMax = 100;
constexpr uint32_t kMinStringLength = 3;
// Size the reference counts for each numeric or time field of an event.
constexpr int kNumberBytes = 8;

constexpr uint64_t kTableSalt = 0x6E65786D61726B21ull;  // "nexmark!"

const char* const kFirstNames[] = {"Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                   "Kate",  "Julie", "Sarah", "Deiter", "Walter"};
const char* const kLastNames[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                  "Walton", "Smith",  "Jones",   "Noris"};
const char* const kCities[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
                               "Bend",    "Redmond",     "Seattle",       "Kent",  "Cheyenne"};
const char* const kStates[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
const char* const kHotChannelNames[kHotChannels] = {"Google", "Facebook", "Baidu", "Apple"};

// 3 or 4 characters, each '_' with probability 1/13, else a lowercase letter.
std::string urlWord(gen::Rng& rng) {
    std::string w(kMinStringLength + rng.below(2), 'a');
    for (char& c : w) c = rng.below(13) == 0 ? '_' : static_cast<char>('a' + rng.below(26));
    return w;
}

std::string baseUrl(gen::Rng& rng) {
    std::string url = "https://www.nexmark.com/";
    url += urlWord(rng);
    url += '/';
    url += urlWord(rng);
    url += '/';
    url += urlWord(rng);
    url += "/item.htm?query=1";
    return url;
}

uint32_t reverseBits(uint32_t x) {
    uint32_t r = 0;
    for (int i = 0; i < 32; ++i) {
        r = (r << 1) | (x & 1);
        x >>= 1;
    }
    return r;
}

}  // namespace

NexmarkModel::NexmarkModel(uint64_t seed) : m_key(gen::hash64(seed)) {
    gen::Rng rng(seed ^ kTableSalt);
    m_text.resize(kTextBytes);
    for (uint32_t i = 0; i < kSpacedBase; ++i) m_text[i] = static_cast<char>('a' + rng.below(26));
    for (uint32_t i = kSpacedBase; i < kTextBytes; ++i)
        m_text[i] = rng.below(13) == 0 ? ' ' : static_cast<char>('a' + rng.below(26));

    for (const char* first : kFirstNames)
        for (const char* last : kLastNames) m_names.push_back(std::string(first) + ' ' + last);
    m_cities.assign(std::begin(kCities), std::end(kCities));
    m_states.assign(std::begin(kStates), std::end(kStates));

    auto addChannel = [this](std::string_view name, const std::string& url) {
        m_channelRefs.push_back({static_cast<uint32_t>(m_channelText.size()),
                                 static_cast<uint16_t>(name.size()),
                                 static_cast<uint16_t>(url.size())});
        m_channelText += name;
        m_channelText += url;
    };
    m_channelRefs.reserve(kHotChannels + kOtherChannels);
    for (const char* name : kHotChannelNames) addChannel(name, baseUrl(rng));
    for (size_t i = 0; i < kOtherChannels; ++i) {
        std::string url = baseUrl(rng);
        if (rng.below(10) > 0) {
            const int64_t id = static_cast<int32_t>(reverseBits(static_cast<uint32_t>(i)));
            url += "&channel_id=" + std::to_string(id < 0 ? -id : id);
        }
        addChannel("channel-" + std::to_string(i), url);
    }
}

int64_t NexmarkModel::priceFrom(double u) {
    static const double kLn10 = std::log(10.0);
    return static_cast<int64_t>(std::exp(u * 6.0 * kLn10) * 100.0 + 0.5);
}

int64_t NexmarkModel::recentPersonIndex(int64_t n, EventRandom& r) {
    const int64_t people = lastPersonIndex(n) + 1;
    const int64_t active = std::min(people, kActivePeople);
    return people - active +
           static_cast<int64_t>(r.below(static_cast<uint64_t>(active + kPersonIdLead)));
}

int64_t NexmarkModel::recentAuctionIndex(int64_t n, EventRandom& r) {
    const int64_t last = lastAuctionIndex(n);
    const int64_t first = std::max<int64_t>(last - kInFlightAuctions, 0);
    return first +
           static_cast<int64_t>(r.below(static_cast<uint64_t>(last - first + 1 + kAuctionIdLead)));
}

TextSlice NexmarkModel::letters(EventRandom& r, uint32_t length) const {
    return {static_cast<uint32_t>(r.below(kLetterStarts)), std::min(length, kMaxLetterSlice)};
}

TextSlice NexmarkModel::extra(EventRandom& r, int usedBytes, int averageBytes) const {
    if (usedBytes >= averageBytes) return {};
    const int wanted = averageBytes - usedBytes;
    const int delta = static_cast<int>(std::lround(wanted * 0.2));
    const int length =
        wanted - delta +
        (delta > 0 ? static_cast<int>(r.below(2 * static_cast<uint64_t>(delta))) : 0);
    return letters(r, static_cast<uint32_t>(length));
}

TextSlice NexmarkModel::spacedString(EventRandom& r, uint32_t maxLength) const {
    uint32_t length =
        kMinStringLength + static_cast<uint32_t>(r.below(maxLength - kMinStringLength));
    uint32_t offset = kSpacedBase + static_cast<uint32_t>(r.below(kSpacedStarts));
    while (length > 0 && m_text[offset] == ' ') {
        ++offset;
        --length;
    }
    while (length > 0 && m_text[offset + length - 1] == ' ') --length;
    return {offset, length};
}

void NexmarkModel::person(int64_t n, PersonEvent& e) const {
    EventRandom r(m_key, n);
    e.id = kFirstPersonId + lastPersonIndex(n);
    e.name = static_cast<uint16_t>(r.below(m_names.size()));
    e.city = static_cast<uint8_t>(r.below(m_cities.size()));
    e.state = static_cast<uint8_t>(r.below(m_states.size()));

    const TextSlice user = letters(r, kMinStringLength + static_cast<uint32_t>(r.below(4)));
    const TextSlice domain = letters(r, kMinStringLength + static_cast<uint32_t>(r.below(2)));
    char* p = e.email;
    std::memcpy(p, m_text.data() + user.offset, user.length);
    p += user.length;
    *p++ = '@';
    std::memcpy(p, m_text.data() + domain.offset, domain.length);
    p += domain.length;
    std::memcpy(p, ".com", 4);
    p += 4;
    e.emailLength = static_cast<uint8_t>(p - e.email);

    for (int group = 0; group < 4; ++group) {
        uint32_t digits = static_cast<uint32_t>(r.below(10000));
        char* g = e.creditCard + group * 5;
        for (int i = 3; i >= 0; --i) {
            g[i] = static_cast<char>('0' + digits % 10);
            digits /= 10;
        }
        if (group < 3) g[4] = ' ';
    }

    const int used = kNumberBytes + static_cast<int>(m_names[e.name].size()) + e.emailLength +
                     static_cast<int>(sizeof e.creditCard) +
                     static_cast<int>(m_cities[e.city].size()) +
                     static_cast<int>(m_states[e.state].size());
    e.extra = extra(r, used, kAvgPersonBytes);
}

void NexmarkModel::auction(int64_t n, int64_t horizonUs, AuctionEvent& e) const {
    EventRandom r(m_key, n);
    e.id = kFirstAuctionId + lastAuctionIndex(n);
    const int64_t seller = r.below(kHotSellerRatio) > 0
                               ? lastPersonIndex(n) / kHotIdStep * kHotIdStep
                               : recentPersonIndex(n, r);
    e.seller = kFirstPersonId + seller;
    e.category = kFirstCategoryId + static_cast<int64_t>(r.below(kCategories));
    e.initialBid = priceFrom(r.uniform());
    e.reserve = e.initialBid + priceFrom(r.uniform());
    e.durationUs = 1 + static_cast<int64_t>(
                           r.below(static_cast<uint64_t>(std::max<int64_t>(2 * horizonUs, 1))));
    e.itemName = spacedString(r, kItemNameMax);
    e.description = spacedString(r, kDescriptionMax);
    const int used = kNumberBytes + static_cast<int>(e.itemName.length + e.description.length) +
                     5 * kNumberBytes;
    e.extra = extra(r, used, kAvgAuctionBytes);
}

void NexmarkModel::bid(int64_t n, BidEvent& e) const {
    EventRandom r(m_key, n);
    const int64_t auction = r.below(kHotAuctionRatio) > 0
                                ? lastAuctionIndex(n) / kHotIdStep * kHotIdStep
                                : recentAuctionIndex(n, r);
    e.auction = kFirstAuctionId + auction;
    const int64_t bidder = r.below(kHotBidderRatio) > 0
                               ? lastPersonIndex(n) / kHotIdStep * kHotIdStep + 1
                               : recentPersonIndex(n, r);
    e.bidder = kFirstPersonId + bidder;
    e.price = priceFrom(r.uniform());
    e.channel = static_cast<uint16_t>(r.below(kHotChannelRatio) > 0
                                          ? r.below(kHotChannels)
                                          : kHotChannels + r.below(kOtherChannels));
    e.extra = extra(r, 4 * kNumberBytes, kAvgBidBytes);
}

}  // namespace riffle::nexmark
