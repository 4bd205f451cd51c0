// source.nexmark: the Nexmark benchmark generator, three output ports.
//
// What each event contains comes from nexmark::NexmarkModel (ids, references, prices, text);
// this file adds event time, pacing and the columnar output. Event n (counting all three kinds
// from 0) has dateTime = _time = start + floor(n * 1e6 / r) µs, where r is `rate`, or
// `event_rate` when `rate` is 0 (as fast as possible: event time still advances as if events
// came at event_rate per second, so event-time windows close at a predictable pace). A poll
// covers up to kBatchRows consecutive events and pushes one batch per port that got rows, in
// port order person, auction, bid. Batching never changes values: event n depends only on
// (seed, n) and its time only on n.
//
// Parallel: as P instances, instance p makes the blocks of kBatchRows consecutive events whose
// block number is p modulo P (pacing at rate / P each); together they make exactly the events of
// one instance.
//
// Strings cost no allocation per event: text slices (`extra`, item names, descriptions) and
// channel / URL pairs point into one immutable copy of the model's text and channel tables that
// the source builds once and every batch shares (StringArena::shareBlocksOf: the batch holds a
// reference to those blocks, nothing is copied); the small tables (names, cities, states) are
// stored once per batch on first use.
#include <algorithm>
#include <cmath>
#include <memory>

#include "engine/graph/node_registry.h"
#include "nodes/register_builtin_nodes.h"
#include "nodes/sources/generator_util.h"
#include "nodes/sources/nexmark_model.h"

namespace riffle {

namespace {

using nexmark::EventKind;

enum Port : int { kPersonPort = 0, kAuctionPort = 1, kBidPort = 2 };

enum PersonCol : size_t {
    pTime,
    pId,
    pName,
    pEmail,
    pCard,
    pCity,
    pState,
    pDateTime,
    pExtra,
    kPersonColumns
};
enum AuctionCol : size_t {
    aTime,
    aId,
    aItemName,
    aDescription,
    aInitialBid,
    aReserve,
    aDateTime,
    aExpires,
    aSeller,
    aCategory,
    aExtra,
    kAuctionColumns
};
enum BidCol : size_t {
    bTime,
    bAuction,
    bBidder,
    bPrice,
    bChannel,
    bUrl,
    bDateTime,
    bExtra,
    kBidColumns
};

SchemaPtr personSchema() {
    static const SchemaPtr schema = std::make_shared<const Schema>(Schema::stream({
        {"id", Type::Int},
        {"name", Type::String},
        {"emailAddress", Type::String},
        {"creditCard", Type::String},
        {"city", Type::String},
        {"state", Type::String},
        {"dateTime", Type::Time},
        {"extra", Type::String},
    }));
    return schema;
}

SchemaPtr auctionSchema() {
    static const SchemaPtr schema = std::make_shared<const Schema>(Schema::stream({
        {"id", Type::Int},
        {"itemName", Type::String},
        {"description", Type::String},
        {"initialBid", Type::Int},
        {"reserve", Type::Int},
        {"dateTime", Type::Time},
        {"expires", Type::Time},
        {"seller", Type::Int},
        {"category", Type::Int},
        {"extra", Type::String},
    }));
    return schema;
}

SchemaPtr bidSchema() {
    static const SchemaPtr schema = std::make_shared<const Schema>(Schema::stream({
        {"auction", Type::Int},
        {"bidder", Type::Int},
        {"price", Type::Int},
        {"channel", Type::String},
        {"url", Type::String},
        {"dateTime", Type::Time},
        {"extra", Type::String},
    }));
    return schema;
}

// Text batches point into: the model's text buffer and every (channel, URL) pair, stored once per
// source in an arena whose blocks every batch shares instead of copying. The blocks never change
// after construction and are reference-counted, so a batch's views stay valid for as long as the
// batch lives, on any thread.
class SharedText {
public:
    explicit SharedText(const nexmark::NexmarkModel& model) {
        m_text = m_arena.store(model.text()).data();
        m_pairs.reserve(model.channelCount());
        for (size_t i = 0; i < model.channelCount(); ++i)
            m_pairs.push_back(m_arena.store(model.channelAndUrl(i)).data());
    }
    void shareWith(Batch& batch) const { batch.arena().shareBlocksOf(m_arena); }
    std::string_view text(nexmark::TextSlice s) const { return {m_text + s.offset, s.length}; }
    // The stored pair of channel i: its name, then its URL.
    const char* channelAndUrl(size_t i) const { return m_pairs[i]; }

private:
    StringArena m_arena;
    const char* m_text = nullptr;
    std::vector<const char*> m_pairs;
};

// Gives every column `rows` rows, all present, for filling by index.
void prepare(Batch& batch, size_t rows) {
    for (size_t c = 0; c < batch.columnCount(); ++c) {
        Column& col = batch.column(c);
        col.resizeNull(rows);
        std::fill(col.validity().begin(), col.validity().end(), uint8_t{1});
    }
    batch.setRows(rows);
}

// Raw column storage of a prepared auction or bid batch, for filling by row index.
struct AuctionColumns {
    AuctionColumns() = default;
    explicit AuctionColumns(Batch& b)
        : time(b.column(aTime).ints().data()),
          id(b.column(aId).ints().data()),
          itemName(b.column(aItemName).strings().data()),
          description(b.column(aDescription).strings().data()),
          initialBid(b.column(aInitialBid).ints().data()),
          reserve(b.column(aReserve).ints().data()),
          dateTime(b.column(aDateTime).ints().data()),
          expires(b.column(aExpires).ints().data()),
          seller(b.column(aSeller).ints().data()),
          category(b.column(aCategory).ints().data()),
          extra(b.column(aExtra).strings().data()) {}
    int64_t* time = nullptr;
    int64_t* id = nullptr;
    std::string_view* itemName = nullptr;
    std::string_view* description = nullptr;
    int64_t* initialBid = nullptr;
    int64_t* reserve = nullptr;
    int64_t* dateTime = nullptr;
    int64_t* expires = nullptr;
    int64_t* seller = nullptr;
    int64_t* category = nullptr;
    std::string_view* extra = nullptr;
};

struct BidColumns {
    BidColumns() = default;
    explicit BidColumns(Batch& b)
        : time(b.column(bTime).ints().data()),
          auction(b.column(bAuction).ints().data()),
          bidder(b.column(bBidder).ints().data()),
          price(b.column(bPrice).ints().data()),
          channel(b.column(bChannel).strings().data()),
          url(b.column(bUrl).strings().data()),
          dateTime(b.column(bDateTime).ints().data()),
          extra(b.column(bExtra).strings().data()) {}
    int64_t* time = nullptr;
    int64_t* auction = nullptr;
    int64_t* bidder = nullptr;
    int64_t* price = nullptr;
    std::string_view* channel = nullptr;
    std::string_view* url = nullptr;
    int64_t* dateTime = nullptr;
    std::string_view* extra = nullptr;
};

class NexmarkSource final : public SourceOperator {
public:
    explicit NexmarkSource(const OperatorContext& ctx)
        : m_label(ctx.nodeLabel),
          m_startText(ctx.config.getString("start")),
          m_runStartUs(ctx.runStartUs),
          m_rate(ctx.config.getFloat("rate")),
          m_eventRate(ctx.config.getFloat("event_rate")),
          m_limit(ctx.config.getInt("limit")),
          m_partition(ctx.partition),
          m_partitions(std::max(1, ctx.partitions)),
          m_model(static_cast<uint64_t>(ctx.config.getInt("seed"))),
          m_shared(m_model) {
        m_names.setTable(m_model.names());
        m_cities.setTable(m_model.cities());
        m_states.setTable(m_model.states());
    }

    Status open() override {
        auto start = gen::startTime(m_startText, m_runStartUs ? m_runStartUs : wallClockUs());
        if (!start) return Status::error(m_label + ": " + gen::badStartMessage(m_startText));
        m_startUs = *start;
        // Event n sits at floor(n * 1e9 / m_rateMilli) µs after the start.
        const double timeRate = m_rate > 0 ? m_rate : m_eventRate;
        m_rateMilli = std::max<int64_t>(1, std::llround(timeRate * 1000.0));
        m_stepUs = kUsPerKiloSecond / m_rateMilli;
        m_stepRem = kUsPerKiloSecond % m_rateMilli;
        m_horizonUs = static_cast<int64_t>(static_cast<gen::U128>(nexmark::kAuctionHorizonEvents) *
                                           kUsPerKiloSecond / static_cast<uint64_t>(m_rateMilli));
        m_produced = 0;
        m_openedUs = steadyClockUs();
        if (m_resumed) {
            // Event n is a function of n: continuing is starting at the saved count, with the
            // first run's start time.
            m_startUs = m_resumed->first;
            m_produced = m_resumed->second;
            m_openedUs = gen::resumedOpenedUs(m_rate / m_partitions, m_produced);
        }
        return Status::ok();
    }

    // Checkpoints: the events made so far and the start time they count from.
    void snapshotState(checkpoint::StateWriter& w) override {
        w.i64(m_startUs);
        w.i64(m_produced);
    }

    Status restoreState(checkpoint::StateReader& r) override {
        const TimeUs start = r.i64();
        m_resumed = {start, r.i64()};
        return Status::ok();
    }

    SourcePoll poll(Emitter& out) override {
        if (m_partitions == 1)
            return gen::pacedPoll(m_rate, m_limit, m_openedUs, m_produced,
                                  [&](int64_t n) { generate(out, m_produced, n); });
        const int64_t limit = localLimit();
        if (limit < 0) return SourcePoll::ended();
        return gen::pacedPoll(m_rate / m_partitions, limit, m_openedUs, m_produced, [&](int64_t n) {
            for (int64_t local = m_produced; n > 0;) {
                const int64_t run = std::min(n, kBlock - local % kBlock);
                generate(out, globalIndex(local), run);
                local += run;
                n -= run;
            }
        });
    }

private:
    // Instance p of P makes the blocks of kBlock consecutive events whose block number is p
    // modulo P; together the instances make exactly the stream of one instance.
    static constexpr int64_t kBlock = static_cast<int64_t>(kBatchRows);
    int64_t globalIndex(int64_t local) const {
        return ((local / kBlock) * m_partitions + m_partition) * kBlock + local % kBlock;
    }
    // How many of the first `limit` events are this instance's (0 = endless).
    int64_t localLimit() const {
        if (m_limit <= 0) return 0;
        const int64_t blocks = m_limit / kBlock, rest = m_limit % kBlock;
        const int64_t mine = blocks / m_partitions + (m_partition < blocks % m_partitions ? 1 : 0);
        const int64_t count = mine * kBlock + (blocks % m_partitions == m_partition ? rest : 0);
        return count > 0 ? count : -1;  // -1: none at all
    }

    static constexpr int64_t kUsPerKiloSecond = 1'000'000'000;

    // Emits events [first, first + count).
    void generate(Emitter& out, int64_t first, int64_t count) {
        const int64_t end = first + count;
        auto rowsOf = [&](EventKind k) {
            return static_cast<size_t>(nexmark::countBefore(k, end) -
                                       nexmark::countBefore(k, first));
        };
        const size_t personRows = rowsOf(EventKind::Person);
        const size_t auctionRows = rowsOf(EventKind::Auction);
        const size_t bidRows = rowsOf(EventKind::Bid);

        BatchPtr persons, auctions, bids;
        AuctionColumns auctionCols;
        BidColumns bidCols;
        if (personRows > 0) {
            persons = out.newBatch(kPersonPort);
            prepare(*persons, personRows);
            m_shared.shareWith(*persons);
            m_names.beginBatch(*persons);
            m_cities.beginBatch(*persons);
            m_states.beginBatch(*persons);
        }
        if (auctionRows > 0) {
            auctions = out.newBatch(kAuctionPort);
            prepare(*auctions, auctionRows);
            m_shared.shareWith(*auctions);
            auctionCols = AuctionColumns(*auctions);
        }
        if (bidRows > 0) {
            bids = out.newBatch(kBidPort);
            prepare(*bids, bidRows);
            m_shared.shareWith(*bids);
            bidCols = BidColumns(*bids);
        }

        // Exact time of the first event, then whole steps plus a carried remainder.
        const gen::U128 scaled = static_cast<gen::U128>(first) * kUsPerKiloSecond;
        TimeUs t = m_startUs + static_cast<int64_t>(scaled / static_cast<uint64_t>(m_rateMilli));
        int64_t acc = static_cast<int64_t>(scaled % static_cast<uint64_t>(m_rateMilli));

        size_t pr = 0, ar = 0, br = 0;
        int64_t offset = first % nexmark::kProportionDenominator;
        constexpr int64_t kFirstBidOffset =
            nexmark::kPersonProportion + nexmark::kAuctionProportion;
        for (int64_t n = first; n < end; ++n) {
            if (offset >= kFirstBidOffset)
                writeBid(bidCols, br++, n, t);
            else if (offset >= nexmark::kPersonProportion)
                writeAuction(auctionCols, ar++, n, t);
            else
                writePerson(*persons, pr++, n, t);
            t += m_stepUs;
            acc += m_stepRem;
            if (acc >= m_rateMilli) {
                acc -= m_rateMilli;
                ++t;
            }
            if (++offset == nexmark::kProportionDenominator) offset = 0;
        }
        if (persons) out.push(kPersonPort, std::move(persons));
        if (auctions) out.push(kAuctionPort, std::move(auctions));
        if (bids) out.push(kBidPort, std::move(bids));
    }

    void writePerson(Batch& b, size_t row, int64_t n, TimeUs t) {
        m_model.person(n, m_person);
        const nexmark::PersonEvent& e = m_person;
        b.column(pTime).ints()[row] = t;
        b.column(pId).ints()[row] = e.id;
        b.column(pName).strings()[row] = m_names.get(e.name);
        b.column(pEmail).strings()[row] = b.storeString({e.email, e.emailLength});
        b.column(pCard).strings()[row] = b.storeString({e.creditCard, sizeof e.creditCard});
        b.column(pCity).strings()[row] = m_cities.get(e.city);
        b.column(pState).strings()[row] = m_states.get(e.state);
        b.column(pDateTime).ints()[row] = t;
        b.column(pExtra).strings()[row] = m_shared.text(e.extra);
    }

    void writeAuction(AuctionColumns& c, size_t row, int64_t n, TimeUs t) {
        m_model.auction(n, m_horizonUs, m_auction);
        const nexmark::AuctionEvent& e = m_auction;
        c.time[row] = t;
        c.id[row] = e.id;
        c.itemName[row] = m_shared.text(e.itemName);
        c.description[row] = m_shared.text(e.description);
        c.initialBid[row] = e.initialBid;
        c.reserve[row] = e.reserve;
        c.dateTime[row] = t;
        c.expires[row] = t + e.durationUs;
        c.seller[row] = e.seller;
        c.category[row] = e.category;
        c.extra[row] = m_shared.text(e.extra);
    }

    void writeBid(BidColumns& c, size_t row, int64_t n, TimeUs t) {
        m_model.bid(n, m_bid);
        const nexmark::BidEvent& e = m_bid;
        c.time[row] = t;
        c.auction[row] = e.auction;
        c.bidder[row] = e.bidder;
        c.price[row] = e.price;
        const char* pair = m_shared.channelAndUrl(e.channel);
        const std::string_view both(pair, m_model.channelAndUrl(e.channel).size());
        const size_t split = m_model.channelLength(e.channel);
        c.channel[row] = both.substr(0, split);
        c.url[row] = both.substr(split);
        c.dateTime[row] = t;
        c.extra[row] = m_shared.text(e.extra);
    }

    std::string m_label;
    std::string m_startText;
    TimeUs m_runStartUs;
    double m_rate;
    double m_eventRate;
    int64_t m_limit;
    int m_partition, m_partitions;
    nexmark::NexmarkModel m_model;

    TimeUs m_startUs = 0;
    int64_t m_rateMilli = 1, m_stepUs = 0, m_stepRem = 0, m_horizonUs = 0;
    int64_t m_produced = 0;
    int64_t m_openedUs = 0;
    std::optional<std::pair<TimeUs, int64_t>> m_resumed;  // start and count, after a restore

    nexmark::PersonEvent m_person;
    nexmark::AuctionEvent m_auction;
    nexmark::BidEvent m_bid;
    gen::BatchStrings m_names, m_cities, m_states;
    SharedText m_shared;
};

}  // namespace

void registerNexmarkSource(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "source.nexmark";
    spec.state = {{"position", 1}};
    spec.tags = {"benchmark"};
    spec.displayName = "Nexmark generator";
    spec.category = "source";
    spec.description =
        "The Nexmark benchmark's online auction: people, auctions and bids in the mix 1 : 3 : 46, "
        "with "
        "the fields of Flink's Nexmark tables. Deterministic for a seed.";
    spec.outputs = {
        {"person", "New users: id, name, emailAddress, creditCard, city, state, dateTime, extra",
         false},
        {"auction",
         "New auctions: id, itemName, description, initialBid, reserve, dateTime, expires, seller, "
         "category, extra",
         false},
        {"bid", "Bids: auction, bidder, price, channel, url, dateTime, extra", false},
    };
    spec.params = {
        param("rate", ParamType::Float,
              "Events per second (all three kinds) of wall-clock time and of event time; 0 = "
              "as fast as "
              "possible, event time then advancing at event_rate")
            .byDefault(10000.0)
            .inUnit("events/s")
            .range(0, 1e9)
            .inGroup("Source"),
        param("event_rate", ParamType::Float,
              "Used when rate = 0: event time advances 1/event_rate s per event, so a 10 s window "
              "closes every 10 × event_rate events")
            .byDefault(1'000'000.0)
            .inUnit("events/s")
            .range(0.001, 1e9)
            .inGroup("Source"),
        param("seed", ParamType::Int,
              "Random seed: the same seed and start give the same rows every run")
            .byDefault(1)
            .inGroup("Source"),
        param("limit", ParamType::Int,
              "Stop after this many events of all three kinds; 0 = endless")
            .byDefault(0)
            .inUnit("events")
            .range(0)
            .inGroup("Source"),
        param("start", ParamType::String, gen::kStartHelp).byDefault("now").inGroup("Source"),
    };
    gen::appendGeneratorTimeParams(spec.params);
    spec.schemaRule = [](const NodeConfig& config,
                         const SchemaInputs&) -> Result<std::vector<SchemaPtr>> {
        const std::string start = config.getString("start");
        if (!gen::startTime(start, 0))
            return Result<std::vector<SchemaPtr>>::error(gen::badStartMessage(start));
        return std::vector<SchemaPtr>{personSchema(), auctionSchema(), bidSchema()};
    };
    spec.parallelSource = true;
    spec.createSource = [](const OperatorContext& ctx) -> std::unique_ptr<SourceOperator> {
        return std::make_unique<NexmarkSource>(ctx);
    };
    spec.noFlinkExport =
        "a generator has no Flink source: write its events with sink.file and export a project "
        "that reads that file";
    registry.add(std::move(spec));
}

}  // namespace riffle
