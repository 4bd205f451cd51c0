// Tests of source.nexmark: the 1 : 3 : 46 mix, exact limits and schemas, determinism across runs
// and batchings, the id-space rules of references, hot-id skew, the log-uniform price
// distribution and event times. Statistical bounds are at least six standard deviations wide and
// every run uses a fixed seed, so a failure means a bug, not bad luck.
#include <QtTest/QtTest>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <thread>

#undef emit

#include "engine/core/time_format.h"
#include "engine/graph/node_instance.h"
#include "engine/graph/node_registry.h"
#include "engine/runtime/collecting_emitter.h"
#include "nodes/register_builtin_nodes.h"
#include "nodes/sources/nexmark_model.h"

using namespace riffle;

namespace {

const NodeRegistry& registry() {
    return builtinNodeRegistry();
}

const TimeUs kStart = *parseIso8601("2026-01-01T00:00:00Z");

enum Port : int { kPerson = 0, kAuction = 1, kBid = 2, kErrors = 3 };
enum : size_t { pTime, pId, pName, pEmail, pCard, pCity, pState, pDateTime, pExtra };
enum : size_t {
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
    aExtra
};
enum : size_t { bTime, bAuction, bBidder, bPrice, bChannel, bUrl, bDateTime, bExtra };

struct Driven {
    NodeInstance node;
    std::unique_ptr<CollectingEmitter> out;
    int64_t polls = 0;
};

Driven startSource(const Json& params) {
    const NodeSpec* spec = registry().find("source.nexmark");
    if (!spec) qFatal("source.nexmark is not registered");
    auto inst = instantiateNode(*spec, "nx", params, {});
    if (!inst) qFatal("instantiate failed: %s", inst.message().c_str());
    Driven d;
    d.node = std::move(inst.value());
    d.out = std::make_unique<CollectingEmitter>(d.node.context.outputSchemas);
    Status s = d.node.source->open();
    if (!s) qFatal("open failed: %s", s.message().c_str());
    return d;
}

// Polls until the source ends, sleeping through waits (only paced runs ever wait).
Driven drain(const Json& params) {
    Driven d = startSource(params);
    for (;;) {
        SourcePoll p = d.node.source->poll(*d.out);
        ++d.polls;
        if (p.state == SourcePoll::State::Ended) break;
        if (p.state == SourcePoll::State::Wait)
            std::this_thread::sleep_for(std::chrono::microseconds(p.waitUs));
        if (d.polls > 1'000'000) qFatal("source does not end");
    }
    return d;
}

Json params(int64_t limit, Json extra = Json::object()) {
    Json p = {{"rate", 0},
              {"event_rate", 10000},
              {"seed", 7},
              {"start", "2026-01-01T00:00:00Z"},
              {"limit", limit}};
    for (auto& [k, v] : extra.items()) p[k] = v;
    return p;
}

std::vector<int64_t> ints(const Driven& d, int port, size_t col) {
    std::vector<int64_t> v;
    for (const auto& b : d.out->batches(port))
        v.insert(v.end(), b->column(col).ints().begin(), b->column(col).ints().end());
    return v;
}

std::vector<std::string> strings(const Driven& d, int port, size_t col) {
    std::vector<std::string> v;
    for (const auto& b : d.out->batches(port))
        for (size_t r = 0; r < b->rows(); ++r)
            v.emplace_back(b->column(col).isValid(r) ? b->column(col).strings()[r]
                                                     : std::string_view("<NULL>"));
    return v;
}

// Event number of the k-th event (from 0) of a kind.
int64_t personEvent(int64_t k) {
    return k * 50;
}
int64_t auctionEvent(int64_t k) {
    return k / 3 * 50 + 1 + k % 3;
}
int64_t bidEvent(int64_t k) {
    return k / 46 * 50 + 4 + k % 46;
}

TimeUs eventTime(int64_t n, double rate) {
    const int64_t rateMilli = std::llround(rate * 1000);
    return kStart + static_cast<int64_t>(static_cast<gen::U128>(n) * 1'000'000'000 / rateMilli);
}

}  // namespace

class TstNexmark : public QObject {
    Q_OBJECT
private slots:
    void specIsComplete();
    void schemasExact();
    void proportionsExact();
    void limitExact_data();
    void limitExact();
    void kindHelpersAgree();
    void idsConsecutive();
    void deterministicAcrossRuns();
    void deterministicAcrossBatchings();
    void seedChangesContent();
    void bidsReferenceKnownIds();
    void hotSkew();
    void pricesLogUniform();
    void eventTimes_data();
    void eventTimes();
    void auctionsExpireLater();
    void fieldValuesPlausible();
    void extraSizesNearReference();
    void batchesBounded();
};

void TstNexmark::specIsComplete() {
    const NodeSpec* spec = registry().find("source.nexmark");
    QVERIFY(spec);
    QVERIFY(spec->isSource());
    QCOMPARE(spec->category, std::string("source"));
    QCOMPARE(spec->outputs.size(), size_t(4));
    QCOMPARE(spec->outputs[0].name, std::string("person"));
    QCOMPARE(spec->outputs[1].name, std::string("auction"));
    QCOMPARE(spec->outputs[2].name, std::string("bid"));
    QCOMPARE(spec->outputs[3].name, std::string("errors"));
    for (const char* key : {"rate", "event_rate", "seed", "limit", "start", "time_field",
                            "time_format", "max_out_of_orderness", "idle_timeout"})
        QVERIFY2(spec->param(key), key);
    for (const auto& p : spec->params) QVERIFY2(!p.help.empty(), p.key.c_str());
    QCOMPARE(spec->param("rate")->defaultValue.get<double>(), 10000.0);
    QCOMPARE(spec->param("event_rate")->defaultValue.get<double>(), 1'000'000.0);
    QCOMPARE(spec->param("limit")->defaultValue.get<int64_t>(), int64_t(0));
    QCOMPARE(spec->param("start")->defaultValue.get<std::string>(), std::string("now"));
    QCOMPARE(spec->param("max_out_of_orderness")->defaultValue.get<std::string>(),
             std::string("0s"));

    std::vector<std::string> problems;
    NodeConfig cfg = makeConfig(*spec, "nx", Json{{"start", "yesterday"}}, {}, problems);
    QVERIFY(!outputSchemas(*spec, cfg, {}).isOk());
}

void TstNexmark::schemasExact() {
    Driven d = startSource(params(10));
    const auto& s = d.node.context.outputSchemas;
    QCOMPARE(s.size(), size_t(4));
    QCOMPARE(
        s[kPerson]->toString(),
        std::string(
            "_time time, id int, name string, emailAddress string, creditCard string, city string, "
            "state string, dateTime time, extra string"));
    QCOMPARE(
        s[kAuction]->toString(),
        std::string(
            "_time time, id int, itemName string, description string, initialBid int, reserve int, "
            "dateTime time, expires time, seller int, category int, extra string"));
    QCOMPARE(
        s[kBid]->toString(),
        std::string("_time time, auction int, bidder int, price int, channel string, url string, "
                    "dateTime time, extra string"));
    // Emitted batches carry exactly these schemas.
    d.node.source->poll(*d.out);
    for (int port : {kPerson, kAuction, kBid}) {
        QVERIFY(!d.out->batches(port).empty());
        QVERIFY(d.out->batches(port)[0]->schema() == *s[port]);
    }
}

void TstNexmark::proportionsExact() {
    Driven d = drain(params(50'000));
    QCOMPARE(d.out->rows(kPerson), size_t(1000));
    QCOMPARE(d.out->rows(kAuction), size_t(3000));
    QCOMPARE(d.out->rows(kBid), size_t(46000));
    QCOMPARE(d.out->rows(kErrors), size_t(0));
    // Interleaving: within every 50 events, 1 person, then 3 auctions, then 46 bids.
    const auto pt = ints(d, kPerson, pDateTime), at = ints(d, kAuction, aDateTime),
               bt = ints(d, kBid, bDateTime);
    for (size_t k = 0; k < pt.size(); ++k)
        QCOMPARE(pt[k], eventTime(personEvent(int64_t(k)), 10000));
    for (size_t k = 0; k < at.size(); ++k)
        QCOMPARE(at[k], eventTime(auctionEvent(int64_t(k)), 10000));
    for (size_t k = 0; k < bt.size(); ++k) QCOMPARE(bt[k], eventTime(bidEvent(int64_t(k)), 10000));
}

void TstNexmark::limitExact_data() {
    QTest::addColumn<qint64>("limit");
    QTest::addColumn<qint64>("persons");
    QTest::addColumn<qint64>("auctions");
    QTest::addColumn<qint64>("bids");
    QTest::newRow("1") << qint64(1) << qint64(1) << qint64(0) << qint64(0);
    QTest::newRow("3") << qint64(3) << qint64(1) << qint64(2) << qint64(0);
    QTest::newRow("7") << qint64(7) << qint64(1) << qint64(3) << qint64(3);
    QTest::newRow("51") << qint64(51) << qint64(2) << qint64(3) << qint64(46);
    QTest::newRow("2049") << qint64(2049) << qint64(41) << qint64(123) << qint64(1885);
    QTest::newRow("12345") << qint64(12345) << qint64(247) << qint64(741) << qint64(11357);
}

void TstNexmark::limitExact() {
    QFETCH(qint64, limit);
    QFETCH(qint64, persons);
    QFETCH(qint64, auctions);
    QFETCH(qint64, bids);
    Driven d = drain(params(limit));
    QCOMPARE(qint64(d.out->rows(kPerson)), persons);
    QCOMPARE(qint64(d.out->rows(kAuction)), auctions);
    QCOMPARE(qint64(d.out->rows(kBid)), bids);
    QCOMPARE(persons + auctions + bids, limit);
    // Once ended, it stays ended and emits nothing more.
    QVERIFY(d.node.source->poll(*d.out).state == SourcePoll::State::Ended);
    QCOMPARE(qint64(d.out->rows(kBid)), bids);
}

void TstNexmark::kindHelpersAgree() {
    using namespace nexmark;
    int64_t counts[3] = {0, 0, 0};
    int64_t lastPerson = -1, lastAuction = -1;
    for (int64_t n = 0; n < 1000; ++n) {
        for (int k = 0; k < 3; ++k) QCOMPARE(countBefore(EventKind(k), n), counts[k]);
        const EventKind kind = kindOf(n);
        ++counts[int(kind)];
        if (kind == EventKind::Person) ++lastPerson;
        if (kind == EventKind::Auction) ++lastAuction;
        QCOMPARE(lastPersonIndex(n), std::max<int64_t>(lastPerson, 0));
        QCOMPARE(lastAuctionIndex(n), lastAuction);
    }
}

void TstNexmark::idsConsecutive() {
    Driven d = drain(params(50'000));
    const auto pid = ints(d, kPerson, pId), aid = ints(d, kAuction, aId);
    for (size_t k = 0; k < pid.size(); ++k) QCOMPARE(pid[k], int64_t(1000 + k));
    for (size_t k = 0; k < aid.size(); ++k) QCOMPARE(aid[k], int64_t(1000 + k));
}

// Every value of every port as text, row by row.
std::vector<std::string> dump(const Driven& d) {
    std::vector<std::string> out;
    for (int port : {kPerson, kAuction, kBid})
        for (const auto& row : d.out->rowValues(port)) {
            std::string line = std::to_string(port);
            for (const auto& v : row) line += '|' + v.toString();
            out.push_back(std::move(line));
        }
    return out;
}

void TstNexmark::deterministicAcrossRuns() {
    const auto a = dump(drain(params(20'000)));
    const auto b = dump(drain(params(20'000)));
    QCOMPARE(a.size(), size_t(20'000));
    QVERIFY(a == b);
}

void TstNexmark::deterministicAcrossBatchings() {
    // Three batchings of the same stream: unpaced full polls of kBatchRows events; one event at
    // a time, in reverse order, straight from the model; and a paced run whose polls cover a
    // few events each.
    Driven d = drain(params(20'000));
    const auto full = dump(d);
    nexmark::NexmarkModel model(7);
    const int64_t horizonUs = nexmark::kAuctionHorizonEvents * 100;
    const auto bidAuction = ints(d, kBid, bAuction), bidder = ints(d, kBid, bBidder),
               price = ints(d, kBid, bPrice);
    const auto bidExtra = strings(d, kBid, bExtra), channel = strings(d, kBid, bChannel);
    // Evaluate events in reverse order: the model must not depend on what came before.
    for (int64_t k = int64_t(bidAuction.size()) - 1; k >= 0; --k) {
        nexmark::BidEvent e;
        model.bid(bidEvent(k), e);
        QCOMPARE(e.auction, bidAuction[size_t(k)]);
        QCOMPARE(e.bidder, bidder[size_t(k)]);
        QCOMPARE(e.price, price[size_t(k)]);
        QCOMPARE(std::string(model.slice(e.extra)), bidExtra[size_t(k)]);
        QCOMPARE(std::string(model.channel(e.channel)), channel[size_t(k)]);
    }
    const auto expiresV = ints(d, kAuction, aExpires), aTimeV = ints(d, kAuction, aDateTime);
    const auto desc = strings(d, kAuction, aDescription);
    for (int64_t k = int64_t(expiresV.size()) - 1; k >= 0; --k) {
        nexmark::AuctionEvent e;
        model.auction(auctionEvent(k), horizonUs, e);
        QCOMPARE(aTimeV[size_t(k)] + e.durationUs, expiresV[size_t(k)]);
        QCOMPARE(std::string(model.slice(e.description)), desc[size_t(k)]);
    }
    // Paced at 10000/s (event time then follows `rate`, the same 10000/s), each poll emits the
    // few events that came due; every row must equal the full-batch run's row.
    Driven paced = startSource(params(20'000, {{"rate", 10000}}));
    for (int i = 0; i < 400 && paced.out->rows(kBid) < 1000; ++i) {
        SourcePoll p = paced.node.source->poll(*paced.out);
        if (p.state == SourcePoll::State::Wait)
            std::this_thread::sleep_for(std::chrono::microseconds(p.waitUs));
    }
    QVERIFY(paced.out->batches(kBid).size() > 1);
    const auto pacedDump = dump(paced);
    const std::set<std::string> fullSet(full.begin(), full.end());
    for (const auto& row : pacedDump) QVERIFY2(fullSet.count(row), row.c_str());
}

void TstNexmark::seedChangesContent() {
    Driven a = drain(params(5000));
    Driven b = drain(params(5000, {{"seed", 8}}));
    // Ids follow the event number, so they agree; prices and text differ.
    QVERIFY(ints(a, kAuction, aId) == ints(b, kAuction, aId));
    QVERIFY(ints(a, kBid, bPrice) != ints(b, kBid, bPrice));
    QVERIFY(strings(a, kPerson, pEmail) != strings(b, kPerson, pEmail));
}

void TstNexmark::bidsReferenceKnownIds() {
    Driven d = drain(params(50'000));
    // Highest person / auction id generated up to each instant, from the emitted rows.
    std::vector<std::pair<TimeUs, int64_t>> persons, auctions;
    {
        const auto t = ints(d, kPerson, pDateTime), id = ints(d, kPerson, pId);
        for (size_t i = 0; i < t.size(); ++i) persons.emplace_back(t[i], id[i]);
        const auto at = ints(d, kAuction, aDateTime), aid = ints(d, kAuction, aId);
        for (size_t i = 0; i < at.size(); ++i) auctions.emplace_back(at[i], aid[i]);
    }
    auto highestBefore = [](const std::vector<std::pair<TimeUs, int64_t>>& v, TimeUs t) {
        // Rows are in time order; ids increase with time.
        auto it = std::upper_bound(v.begin(), v.end(), std::make_pair(t, INT64_MAX));
        return it == v.begin() ? int64_t(999) : std::prev(it)->second;
    };
    const int64_t lead = nexmark::kAuctionIdLead;
    QCOMPARE(lead, int64_t(10));
    const auto bt = ints(d, kBid, bDateTime), auction = ints(d, kBid, bAuction),
               bidder = ints(d, kBid, bBidder);
    int64_t aheadAuction = 0, aheadBidder = 0;
    for (size_t i = 0; i < bt.size(); ++i) {
        const int64_t maxAuction = highestBefore(auctions, bt[i]);
        const int64_t maxPerson = highestBefore(persons, bt[i]);
        QVERIFY(auction[i] >= 1000);
        QVERIFY2(auction[i] <= maxAuction + nexmark::kAuctionIdLead,
                 qPrintable(QString::number(i)));
        QVERIFY(auction[i] >= maxAuction - nexmark::kInFlightAuctions - nexmark::kHotIdStep);
        QVERIFY(bidder[i] >= 1000);
        QVERIFY(bidder[i] <= maxPerson + nexmark::kPersonIdLead);
        QVERIFY(bidder[i] >= maxPerson - nexmark::kActivePeople);
        aheadAuction += auction[i] > maxAuction;
        aheadBidder += bidder[i] > maxPerson;
    }
    // The lookahead exists but is rare: about 10 / 111 of the non-hot half of bids.
    QVERIFY(aheadAuction > 0);
    QVERIFY(aheadAuction < int64_t(bt.size()) / 10);
    QVERIFY(aheadBidder < int64_t(bt.size()) / 10);
    // Sellers live in the person id space too.
    const auto at = ints(d, kAuction, aDateTime), seller = ints(d, kAuction, aSeller);
    for (size_t i = 0; i < at.size(); ++i) {
        QVERIFY(seller[i] >= 1000);
        QVERIFY(seller[i] <= highestBefore(persons, at[i]) + nexmark::kPersonIdLead);
    }
}

void TstNexmark::hotSkew() {
    Driven d = drain(params(50'000));
    const auto auction = ints(d, kBid, bAuction), bidder = ints(d, kBid, bBidder);
    const auto seller = ints(d, kAuction, aSeller);
    std::map<int64_t, int64_t> perAuction;
    for (int64_t a : auction) ++perAuction[a];
    std::vector<int64_t> counts;
    for (auto& [id, c] : perAuction) counts.push_back(c);
    std::sort(counts.rbegin(), counts.rend());
    // 3000 auctions; the hot one changes every 100 auctions, so about 30 hot auctions take half
    // of all bids (plus their share of the rest). Uniform choice would give the top 1 % about 1 %.
    const size_t top = std::max<size_t>(1, perAuction.size() / 100);
    int64_t topBids = 0;
    for (size_t i = 0; i < top; ++i) topBids += counts[i];
    const double topShare = double(topBids) / double(auction.size());
    QVERIFY2(topShare > 0.45 && topShare < 0.60, qPrintable(QString::number(topShare)));
    // Hot ids are multiples of 100 (bidders: plus one): shares near 1 - 1/ratio.
    auto share = [](const std::vector<int64_t>& v, int64_t rem) {
        int64_t n = 0;
        for (int64_t x : v) n += (x - 1000) % 100 == rem;
        return double(n) / double(v.size());
    };
    const double hotAuctions = share(auction, 0), hotBidders = share(bidder, 1),
                 hotSellers = share(seller, 0);
    QVERIFY2(hotAuctions > 0.49 && hotAuctions < 0.53, qPrintable(QString::number(hotAuctions)));
    QVERIFY2(hotBidders > 0.74 && hotBidders < 0.77, qPrintable(QString::number(hotBidders)));
    QVERIFY2(hotSellers > 0.70 && hotSellers < 0.80, qPrintable(QString::number(hotSellers)));
    // Hot channels: half the bids go to the four hot channels.
    std::map<std::string, int64_t> perChannel;
    for (const auto& c : strings(d, kBid, bChannel)) ++perChannel[c];
    int64_t hot = 0;
    for (const char* c : {"Google", "Facebook", "Baidu", "Apple"}) hot += perChannel[c];
    const double hotChannels = double(hot) / double(auction.size());
    QVERIFY2(hotChannels > 0.48 && hotChannels < 0.52, qPrintable(QString::number(hotChannels)));
    QVERIFY(perChannel.size() > 5000);
}

void TstNexmark::pricesLogUniform() {
    Driven d = drain(params(50'000));
    std::vector<int64_t> prices = ints(d, kBid, bPrice);
    QCOMPARE(prices.size(), size_t(46000));
    std::array<int64_t, 6> decades{};
    for (int64_t p : prices) {
        QVERIFY(p >= 100);
        QVERIFY(p <= 100'000'000);
        const int decade = std::min(5, int(std::floor(std::log10(double(p)))) - 2);
        ++decades[size_t(decade)];
    }
    // log10(price) is uniform on [2, 8): each decade holds a sixth (7667 ± 80 sd).
    for (int64_t c : decades) QVERIFY2(c > 7100 && c < 8250, qPrintable(QString::number(c)));
    std::nth_element(prices.begin(), prices.begin() + prices.size() / 2, prices.end());
    const double medianLog = std::log10(double(prices[prices.size() / 2]));
    // Median 10^5 (sd of its log ≈ 0.014).
    QVERIFY2(std::abs(medianLog - 5.0) < 0.1, qPrintable(QString::number(medianLog)));
    // Auctions: reserve = initial bid + another price.
    const auto initial = ints(d, kAuction, aInitialBid), reserve = ints(d, kAuction, aReserve);
    for (size_t i = 0; i < initial.size(); ++i) {
        QVERIFY(initial[i] >= 100);
        QVERIFY(reserve[i] >= initial[i] + 100);
    }
}

void TstNexmark::eventTimes_data() {
    QTest::addColumn<double>("rate");
    QTest::newRow("10000/s") << 10000.0;
    QTest::newRow("3/s") << 3.0;
    QTest::newRow("1M/s") << 1e6;
    QTest::newRow("7777.7/s") << 7777.7;
}

void TstNexmark::eventTimes() {
    QFETCH(double, rate);
    Driven d = drain(params(5000, {{"event_rate", rate}}));
    const auto pt = ints(d, kPerson, pTime), pdt = ints(d, kPerson, pDateTime);
    const auto at = ints(d, kAuction, aTime), adt = ints(d, kAuction, aDateTime);
    const auto bt = ints(d, kBid, bTime), bdt = ints(d, kBid, bDateTime);
    QVERIFY(pt == pdt);
    QVERIFY(at == adt);
    QVERIFY(bt == bdt);
    for (size_t k = 0; k < pt.size(); ++k)
        QCOMPARE(pt[k], eventTime(personEvent(int64_t(k)), rate));
    for (size_t k = 0; k < at.size(); ++k)
        QCOMPARE(at[k], eventTime(auctionEvent(int64_t(k)), rate));
    for (size_t k = 0; k < bt.size(); ++k) QCOMPARE(bt[k], eventTime(bidEvent(int64_t(k)), rate));
    QVERIFY(std::is_sorted(pt.begin(), pt.end()));
    QVERIFY(std::is_sorted(at.begin(), at.end()));
    QVERIFY(std::is_sorted(bt.begin(), bt.end()));
    QCOMPARE(pt.front(), kStart);
}

void TstNexmark::auctionsExpireLater() {
    Driven d = drain(params(50'000));
    const auto t = ints(d, kAuction, aDateTime), expires = ints(d, kAuction, aExpires);
    // At 10000 events/s the horizon is 1666 events = 166.6 ms; auctions run up to twice that.
    const int64_t maxUs = 2 * nexmark::kAuctionHorizonEvents * 100;
    double sum = 0;
    for (size_t i = 0; i < t.size(); ++i) {
        QVERIFY(expires[i] > t[i]);
        QVERIFY(expires[i] - t[i] <= maxUs);
        sum += double(expires[i] - t[i]);
    }
    const double mean = sum / double(t.size());
    QVERIFY2(std::abs(mean - maxUs / 2.0) < maxUs * 0.05, qPrintable(QString::number(mean)));
}

void TstNexmark::fieldValuesPlausible() {
    Driven d = drain(params(5000));
    const std::set<std::string> states = {"AZ", "CA", "ID", "OR", "WA", "WY"};
    const QRegularExpression card("^\\d{4} \\d{4} \\d{4} \\d{4}$");
    const QRegularExpression email("^[a-z]{3,6}@[a-z]{3,4}\\.com$");
    const auto names = strings(d, kPerson, pName), emails = strings(d, kPerson, pEmail);
    const auto cards = strings(d, kPerson, pCard), st = strings(d, kPerson, pState),
               cities = strings(d, kPerson, pCity);
    std::set<std::string> distinctNames;
    for (size_t i = 0; i < names.size(); ++i) {
        QVERIFY2(card.match(QString::fromStdString(cards[i])).hasMatch(), cards[i].c_str());
        QVERIFY2(email.match(QString::fromStdString(emails[i])).hasMatch(), emails[i].c_str());
        QVERIFY(states.count(st[i]));
        QVERIFY(!cities[i].empty());
        QVERIFY(names[i].find(' ') != std::string::npos);
        distinctNames.insert(names[i]);
    }
    QVERIFY(distinctNames.size() > 50);
    const auto items = strings(d, kAuction, aItemName), descs = strings(d, kAuction, aDescription);
    const auto category = ints(d, kAuction, aCategory);
    for (size_t i = 0; i < items.size(); ++i) {
        QVERIFY(items[i].size() <= 19);
        QVERIFY(descs[i].size() <= 99);
        for (const std::string* s : {&items[i], &descs[i]})
            if (!s->empty()) QVERIFY(s->front() != ' ' && s->back() != ' ');
        QVERIFY(category[i] >= 10 && category[i] < 15);
    }
    const auto channel = strings(d, kBid, bChannel), url = strings(d, kBid, bUrl);
    std::map<std::string, std::string> urlOf;
    for (size_t i = 0; i < channel.size(); ++i) {
        QVERIFY(url[i].rfind("https://www.nexmark.com/", 0) == 0);
        // A channel always has the same URL.
        auto [it, fresh] = urlOf.emplace(channel[i], url[i]);
        QCOMPARE(it->second, url[i]);
    }
}

void TstNexmark::extraSizesNearReference() {
    // Average event sizes (numbers counted as 8 bytes, as the reference does) near 200 / 500 / 100.
    Driven d = drain(params(50'000));
    auto avg = [&](int port, const std::vector<size_t>& stringCols, int numbers) {
        double total = 0;
        size_t rows = 0;
        for (const auto& b : d.out->batches(port)) {
            for (size_t r = 0; r < b->rows(); ++r) {
                double size = 8.0 * numbers;
                for (size_t c : stringCols) size += double(b->column(c).strings()[r].size());
                total += size;
            }
            rows += b->rows();
        }
        return total / double(rows);
    };
    const double person = avg(kPerson, {pName, pEmail, pCard, pCity, pState, pExtra}, 1);
    const double auction = avg(kAuction, {aItemName, aDescription, aExtra}, 6);
    const double bid = avg(kBid, {bExtra}, 4);
    QVERIFY2(std::abs(person - 200) < 10, qPrintable(QString::number(person)));
    QVERIFY2(std::abs(auction - 500) < 15, qPrintable(QString::number(auction)));
    QVERIFY2(std::abs(bid - 100) < 5, qPrintable(QString::number(bid)));
}

void TstNexmark::batchesBounded() {
    Driven d = drain(params(30'000));
    for (int port : {kPerson, kAuction, kBid})
        for (const auto& b : d.out->batches(port)) {
            QVERIFY(b->rows() <= kBatchRows);
            QVERIFY(b->rows() > 0);
            for (size_t c = 0; c < b->columnCount(); ++c) QCOMPARE(b->column(c).size(), b->rows());
        }
    // Unpaced: every poll but the last covers kBatchRows events.
    QCOMPARE(d.polls, int64_t((30'000 + kBatchRows - 1) / kBatchRows));
}

QTEST_GUILESS_MAIN(TstNexmark)
#include "tst_nexmark.moc"
