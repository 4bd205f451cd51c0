// Tests of the synthetic sources source.clickstream and source.metrics: exact determinism,
// limits, schemas, event-time rules, and statistically bounded properties of the generated data.
// Statistical bounds are at least six standard deviations wide, so a failure means a bug, not bad
// luck; every run uses a fixed seed, so the outcome is the same on every run anyway.
#include <QtTest/QtTest>

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <thread>

#include "engine/core/time_format.h"
#include "engine/graph/node_instance.h"
#include "engine/graph/node_registry.h"
#include "engine/runtime/collecting_emitter.h"
#include "nodes/register_builtin_nodes.h"

using namespace riffle;

namespace {

const NodeRegistry& registry() {
    return builtinNodeRegistry();
}

const TimeUs kStart = *parseIso8601("2026-01-01T00:00:00Z");
constexpr int64_t kLateUs = 30'000'000;

// A source under test and everything it emitted.
struct Driven {
    NodeInstance node;
    std::unique_ptr<CollectingEmitter> out;
    int64_t polls = 0;
    bool ended = false;
};

Driven start(const std::string& type, const Json& params) {
    const NodeSpec* spec = registry().find(type);
    if (!spec) qFatal("node type %s is not registered", type.c_str());
    auto inst = instantiateNode(*spec, "gen", params, {});
    if (!inst) qFatal("instantiate %s failed: %s", type.c_str(), inst.message().c_str());
    Driven d;
    d.node = std::move(inst.value());
    d.out = std::make_unique<CollectingEmitter>(d.node.context.outputSchemas);
    Status s = d.node.source->open();
    if (!s) qFatal("open failed: %s", s.message().c_str());
    return d;
}

// Polls until the source ends, sleeping through waits (only paced tests ever wait).
Driven drain(const std::string& type, const Json& params) {
    Driven d = start(type, params);
    for (;;) {
        SourcePoll p = d.node.source->poll(*d.out);
        ++d.polls;
        if (p.state == SourcePoll::State::Ended) break;
        if (p.state == SourcePoll::State::Wait)
            std::this_thread::sleep_for(std::chrono::microseconds(p.waitUs));
    }
    d.ended = true;
    return d;
}

// Column `col` of every emitted row of port 0.
std::vector<int64_t> ints(const Driven& d, size_t col) {
    std::vector<int64_t> v;
    for (const auto& b : d.out->batches(0))
        v.insert(v.end(), b->column(col).ints().begin(), b->column(col).ints().end());
    return v;
}
std::vector<double> floats(const Driven& d, size_t col) {
    std::vector<double> v;
    for (const auto& b : d.out->batches(0))
        v.insert(v.end(), b->column(col).floats().begin(), b->column(col).floats().end());
    return v;
}
std::vector<std::string> strings(const Driven& d, size_t col) {
    std::vector<std::string> v;
    for (const auto& b : d.out->batches(0))
        for (size_t r = 0; r < b->rows(); ++r)
            v.push_back(b->column(col).isNull(r) ? std::string("<NULL>")
                                                 : std::string(b->column(col).strings()[r]));
    return v;
}
std::vector<bool> valid(const Driven& d, size_t col) {
    std::vector<bool> v;
    for (const auto& b : d.out->batches(0))
        for (size_t r = 0; r < b->rows(); ++r) v.push_back(b->column(col).isValid(r));
    return v;
}

// Clickstream columns.
enum : size_t {
    cTime,
    cUser,
    cSession,
    cPage,
    cEvent,
    cReferrer,
    cCountry,
    cDevice,
    cLatency,
    cAmount
};
// Metrics columns.
enum : size_t { mTime, mHost, mRegion, mCpu, mMem, mLatency, mRequests, mErrors, mAnomaly };

Json clicks(int64_t limit, Json extra = Json::object()) {
    Json p = {{"rate", 0}, {"seed", 1}, {"start", "2026-01-01T00:00:00Z"}, {"limit", limit}};
    for (auto& [k, v] : extra.items()) p[k] = v;
    return p;
}

Json metrics(int64_t limit, Json extra = Json::object()) {
    Json p = {
        {"realtime", false}, {"seed", 1}, {"start", "2026-01-01T00:00:00Z"}, {"limit", limit}};
    for (auto& [k, v] : extra.items()) p[k] = v;
    return p;
}

// Base (undisturbed) time of clickstream event k at `rate` events/s.
TimeUs baseTime(int64_t k, double rate) {
    if (rate == 0) return kStart + 10 * k;
    const int64_t rateMilli = std::llround(rate * 1000);
    return kStart + static_cast<int64_t>((static_cast<long double>(k) * 1e9L) / rateMilli);
}

}  // namespace

class TstGenerators : public QObject {
    Q_OBJECT
private slots:
    void specsAreComplete();
    void defaultsRun();
    void badStartIsRefused();

    void clickstreamSchemaAndValues();
    void clickstreamDeterministic();
    void clickstreamLimitExact();
    void clickstreamUnpacedTimes();
    void clickstreamPacedTimes_data();
    void clickstreamPacedTimes();
    void clickstreamDisorderBounded();
    void clickstreamLateFraction();
    void clickstreamFunnel();
    void clickstreamSessionsConsistent();
    void clickstreamFullBatchesAndSpeed();

    void metricsSchema();
    void metricsRowsPerInterval();
    void metricsDeterministic();
    void metricsAnomalies();
    void metricsDailyPattern();
    void metricsRealtimePacing();
};

void TstGenerators::specsAreComplete() {
    for (const char* type : {"source.clickstream", "source.metrics"}) {
        const NodeSpec* spec = registry().find(type);
        QVERIFY2(spec, type);
        QCOMPARE(spec->category, std::string("source"));
        QVERIFY(spec->isSource());
        QVERIFY(!spec->description.empty());
        QCOMPARE(spec->outputs.size(), size_t(2));
        QCOMPARE(spec->outputs.back().name, std::string("errors"));
        for (const auto& p : spec->params) {
            QVERIFY2(!p.help.empty(), p.key.c_str());
            QVERIFY2(!p.defaultValue.is_null(), p.key.c_str());
        }
        for (const char* key : {"seed", "limit", "start", "time_field", "time_format",
                                "max_out_of_orderness", "idle_timeout"})
            QVERIFY2(spec->param(key), key);
        QCOMPARE(spec->param("max_out_of_orderness")->defaultValue.get<std::string>(),
                 std::string("0s"));
    }
    const NodeSpec* c = registry().find("source.clickstream");
    for (const char* key : {"rate", "users", "disorder_ms", "late_fraction"})
        QVERIFY2(c->param(key), key);
    QCOMPARE(c->param("rate")->defaultValue.get<double>(), 1000.0);
    QCOMPARE(c->param("users")->defaultValue.get<int64_t>(), int64_t(10000));
    QCOMPARE(c->param("start")->defaultValue.get<std::string>(), std::string("now"));
    const NodeSpec* m = registry().find("source.metrics");
    for (const char* key : {"hosts", "interval_ms", "anomaly_rate", "realtime"})
        QVERIFY2(m->param(key), key);
    QCOMPARE(m->param("hosts")->defaultValue.get<int64_t>(), int64_t(10));
    QCOMPARE(m->param("realtime")->defaultValue.get<bool>(), true);
}

void TstGenerators::defaultsRun() {
    // Defaults: paced, endless, start = now. The first poll must produce (event 0 is due at once)
    // and the event time must be near the wall clock.
    for (const char* type : {"source.clickstream", "source.metrics"}) {
        const TimeUs before = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
        Driven d = start(type, Json::object());
        SourcePoll p = d.node.source->poll(*d.out);
        QVERIFY(p.state != SourcePoll::State::Ended);
        QVERIFY(d.out->rows(0) >= 1);
        QVERIFY(d.out->rows(0) <= kBatchRows);
        const TimeUs t = d.out->batches(0)[0]->times()[0];
        // "now" for metrics snaps down to the 1 s interval grid.
        QVERIFY(t >= before - 1'000'000);
        QVERIFY(t <= before + 3'600'000'000);
        d.node.source->close();
    }
}

void TstGenerators::badStartIsRefused() {
    for (const char* type : {"source.clickstream", "source.metrics"}) {
        auto inst =
            instantiateNode(*registry().find(type), "gen", Json{{"start", "yesterday"}}, {});
        QVERIFY(!inst);
        QVERIFY2(inst.message().find("`start`") != std::string::npos, inst.message().c_str());
        QVERIFY2(inst.message().find("yesterday") != std::string::npos, inst.message().c_str());
    }
    auto bad = instantiateNode(*registry().find("source.clickstream"), "gen",
                               Json{{"late_fraction", 1.5}}, {});
    QVERIFY(!bad);
}

void TstGenerators::clickstreamSchemaAndValues() {
    const int64_t users = 500;
    Driven d = drain("source.clickstream", clicks(20000, {{"users", users}}));
    const Schema& schema = *d.node.context.outputSchemas[0];
    QCOMPARE(schema.toString(),
             std::string("_time time, user_id int, session_id string, page string, event string, "
                         "referrer string, "
                         "country string, device string, latency_ms int, amount float"));
    for (const auto& b : d.out->batches(0)) {
        QCOMPARE(b->schema(), schema);
        QCOMPARE(b->columnCount(), schema.size());
        for (size_t c = 0; c < b->columnCount(); ++c) QCOMPARE(b->column(c).size(), b->rows());
    }
    const std::set<std::string> events = {"view", "click", "add_to_cart", "purchase"};
    const std::set<std::string> devices = {"desktop", "mobile", "tablet"};
    auto user = ints(d, cUser);
    auto session = strings(d, cSession);
    auto page = strings(d, cPage);
    auto event = strings(d, cEvent);
    auto country = strings(d, cCountry);
    auto device = strings(d, cDevice);
    auto latency = ints(d, cLatency);
    auto referrer = strings(d, cReferrer);
    std::set<std::string> pages;
    int64_t maxUser = 0;
    for (size_t i = 0; i < user.size(); ++i) {
        QVERIFY(user[i] >= 1 && user[i] <= users);
        maxUser = std::max(maxUser, user[i]);
        QCOMPARE(session[i].size(), size_t(16));
        QVERIFY2(page[i].size() >= 1 && page[i][0] == '/', page[i].c_str());
        pages.insert(page[i]);
        QVERIFY2(events.count(event[i]), event[i].c_str());
        QCOMPARE(country[i].size(), size_t(2));
        QVERIFY2(devices.count(device[i]), device[i].c_str());
        QVERIFY(latency[i] >= 1 && latency[i] < 100000);
        QVERIFY(referrer[i] != "");
    }
    // Every column but referrer and amount is never NULL.
    for (size_t c : {cTime, cUser, cSession, cPage, cEvent, cCountry, cDevice, cLatency})
        for (bool v : valid(d, c)) QVERIFY(v);
    QVERIFY(pages.count("/"));
    QVERIFY(pages.count("/search"));
    QVERIFY(pages.count("/cart"));
    QVERIFY(pages.count("/checkout"));
    QVERIFY(pages.size() > 200);  // products and content pages beyond the fixed ones
    QVERIFY(maxUser > users / 2);
}

void TstGenerators::clickstreamDeterministic() {
    const Json p = clicks(20000, {{"seed", 7}, {"disorder_ms", 20}, {"late_fraction", 0.05}});
    Driven a = drain("source.clickstream", p);
    Driven b = drain("source.clickstream", p);
    const auto rowsA = a.out->rowValues(0);
    QCOMPARE(rowsA.size(), size_t(20000));
    QVERIFY(rowsA == b.out->rowValues(0));

    Json other = p;
    other["seed"] = 8;
    Driven c = drain("source.clickstream", other);
    const auto rowsC = c.out->rowValues(0);
    QCOMPARE(rowsC.size(), rowsA.size());
    size_t differing = 0;
    for (size_t i = 0; i < rowsA.size(); ++i) differing += rowsA[i] != rowsC[i];
    QVERIFY(differing > rowsA.size() / 2);

    // Time parameters change `_time` only, never which events are generated.
    Json shifted = p;
    shifted["start"] = "2030-06-01T12:00:00Z";
    shifted["disorder_ms"] = 0;
    shifted["late_fraction"] = 0;
    const auto rowsS = drain("source.clickstream", shifted).out->rowValues(0);
    QCOMPARE(rowsS.size(), rowsA.size());
    for (size_t i = 0; i < rowsA.size(); ++i) {
        QVERIFY(rowsS[i][0] != rowsA[i][0]);
        QVERIFY(std::equal(rowsS[i].begin() + 1, rowsS[i].end(), rowsA[i].begin() + 1));
    }
}

void TstGenerators::clickstreamLimitExact() {
    for (int64_t limit :
         {int64_t(1), int64_t(2047), int64_t(2048), int64_t(2049), int64_t(3 * 2048 + 5)}) {
        Driven d = drain("source.clickstream", clicks(limit));
        QCOMPARE(int64_t(d.out->rows(0)), limit);
        QCOMPARE(d.polls, (limit + 2047) / 2048);  // the poll with the last rows reports the end
        // Asking again after the end produces nothing more.
        QVERIFY(d.node.source->poll(*d.out).state == SourcePoll::State::Ended);
        QCOMPARE(int64_t(d.out->rows(0)), limit);
        QCOMPARE(d.out->rows(1), size_t(0));
    }
}

void TstGenerators::clickstreamUnpacedTimes() {
    Driven d = drain("source.clickstream", clicks(10000));
    const auto t = ints(d, cTime);
    QCOMPARE(t.size(), size_t(10000));
    for (size_t k = 0; k < t.size(); ++k) QCOMPARE(t[k], kStart + 10 * int64_t(k));
}

void TstGenerators::clickstreamPacedTimes_data() {
    QTest::addColumn<double>("rate");
    QTest::addColumn<int>("limit");
    QTest::newRow("1000/s") << 1000.0 << 300;
    QTest::newRow("300000/s") << 300000.0 << 30000;
    QTest::newRow("2000000/s") << 2000000.0 << 100000;
}

void TstGenerators::clickstreamPacedTimes() {
    QFETCH(double, rate);
    QFETCH(int, limit);
    Driven d = drain("source.clickstream", clicks(limit, {{"rate", rate}}));
    const auto t = ints(d, cTime);
    QCOMPARE(t.size(), size_t(limit));
    for (size_t k = 0; k < t.size(); ++k) QCOMPARE(t[k], baseTime(int64_t(k), rate));
    if (rate == 1000.0)
        for (size_t k = 1; k < t.size(); ++k) QCOMPARE(t[k] - t[k - 1], int64_t(1000));
}

void TstGenerators::clickstreamDisorderBounded() {
    const int64_t n = 100000;
    const int64_t disorderUs = 50'000;
    Driven d = drain("source.clickstream", clicks(n, {{"disorder_ms", 50}}));
    const auto t = ints(d, cTime);
    QCOMPARE(int64_t(t.size()), n);
    int64_t minShift = INT64_MAX, maxShift = INT64_MIN, outOfOrder = 0;
    double sum = 0;
    for (int64_t k = 0; k < n; ++k) {
        const int64_t shift = baseTime(k, 0) - t[size_t(k)];
        QVERIFY(shift >= 0 && shift <= disorderUs);
        minShift = std::min(minShift, shift);
        maxShift = std::max(maxShift, shift);
        sum += double(shift);
        if (k > 0 && t[size_t(k)] < t[size_t(k - 1)]) ++outOfOrder;
    }
    // Uniform on [0, 50 ms]: the extremes are reached and the mean sits in the middle
    // (standard error of the mean 46 µs; the bound is 10 of them).
    QVERIFY(minShift < 1000);
    QVERIFY(maxShift > disorderUs - 1000);
    QVERIFY(std::fabs(sum / double(n) - disorderUs / 2.0) < 460);
    QVERIFY(outOfOrder > n / 4);
}

void TstGenerators::clickstreamLateFraction() {
    const int64_t n = 100000;
    const int64_t disorderUs = 10'000;
    Driven d =
        drain("source.clickstream", clicks(n, {{"disorder_ms", 10}, {"late_fraction", 0.1}}));
    const auto t = ints(d, cTime);
    QCOMPARE(int64_t(t.size()), n);
    int64_t late = 0;
    for (int64_t k = 0; k < n; ++k) {
        const int64_t shift = baseTime(k, 0) - t[size_t(k)];
        const bool onTime = shift >= 0 && shift <= disorderUs;
        const bool isLate = shift >= kLateUs && shift <= kLateUs + disorderUs;
        QVERIFY2(onTime || isLate, QByteArray::number(qlonglong(shift)).constData());
        late += isLate;
    }
    // Binomial(100000, 0.1): mean 10000, standard deviation about 95; the bound is over 6 of them.
    QVERIFY2(std::abs(late - 10000) < 600, QByteArray::number(qlonglong(late)).constData());

    Driven none = drain("source.clickstream", clicks(n, {{"disorder_ms", 10}}));
    const auto noneTimes = ints(none, cTime);
    for (int64_t k = 0; k < n; ++k) QVERIFY(baseTime(k, 0) - noneTimes[size_t(k)] <= disorderUs);
}

void TstGenerators::clickstreamFunnel() {
    const int64_t n = 200000;
    Driven d = drain("source.clickstream", clicks(n));
    const auto page = strings(d, cPage);
    const auto event = strings(d, cEvent);
    const auto amountValid = valid(d, cAmount);
    const auto amount = floats(d, cAmount);
    const auto referrer = strings(d, cReferrer);
    int64_t productViews = 0, cartAdds = 0, cartViews = 0, checkoutViews = 0, purchases = 0,
            clicksN = 0, direct = 0;
    std::map<std::string, int64_t> productCounts;
    for (size_t i = 0; i < page.size(); ++i) {
        const bool product = page[i].rfind("/product/", 0) == 0;
        if (event[i] == "view" && product) {
            ++productViews;
            ++productCounts[page[i]];
        }
        if (event[i] == "view" && page[i] == "/cart") ++cartViews;
        if (event[i] == "view" && page[i] == "/checkout") ++checkoutViews;
        if (event[i] == "click") ++clicksN;
        if (event[i] == "add_to_cart") {
            ++cartAdds;
            QVERIFY2(product, page[i].c_str());
        }
        if (event[i] == "purchase") {
            ++purchases;
            QCOMPARE(page[i], std::string("/checkout"));
        }
        // amount is present exactly on purchases, and positive there.
        QCOMPARE(bool(amountValid[i]), event[i] == "purchase");
        if (amountValid[i]) {
            QVERIFY(amount[i] > 0);
            QCOMPARE(std::round(amount[i] * 100) / 100, amount[i]);
        }
        direct += referrer[i] == "<NULL>";
    }
    qInfo(
        "funnel over %lld events: product views %lld, add_to_cart %lld, cart views %lld, checkout "
        "views %lld, "
        "purchases %lld, clicks %lld, direct %lld",
        qlonglong(n), qlonglong(productViews), qlonglong(cartAdds), qlonglong(cartViews),
        qlonglong(checkoutViews), qlonglong(purchases), qlonglong(clicksN), qlonglong(direct));
    // Each funnel step loses visitors.
    QVERIFY(purchases > 100);
    QVERIFY(productViews > 2 * cartAdds);
    QVERIFY(cartAdds > checkoutViews);
    QVERIFY(checkoutViews > purchases);
    QVERIFY(clicksN > n / 10);
    // Direct traffic (NULL referrer) is common but not the majority.
    QVERIFY(direct > n / 10 && direct < n / 2);
    // Per session: the share reaching each funnel step falls step by step, to a few percent buying.
    const auto session = strings(d, cSession);
    std::map<std::string, int>
        reached;  // bit 0 product view, 1 cart add, 2 checkout view, 3 purchase
    for (size_t i = 0; i < page.size(); ++i) {
        int& bits = reached[session[i]];
        if (event[i] == "view" && page[i].rfind("/product/", 0) == 0) bits |= 1;
        if (event[i] == "add_to_cart") bits |= 2;
        if (event[i] == "view" && page[i] == "/checkout") bits |= 4;
        if (event[i] == "purchase") bits |= 8;
    }
    double share[4] = {0, 0, 0, 0};
    for (const auto& [id, bits] : reached)
        for (int b = 0; b < 4; ++b) share[b] += (bits >> b) & 1;
    for (double& x : share) x /= double(reached.size());
    qInfo("sessions %zu: product %.1f%%, cart %.1f%%, checkout %.1f%%, purchase %.1f%%",
          reached.size(), share[0] * 100, share[1] * 100, share[2] * 100, share[3] * 100);
    QVERIFY(share[0] > 0.3 && share[0] < 0.8);
    QVERIFY(share[1] > 0.05 && share[1] < share[0] / 2);
    QVERIFY(share[2] > 0.02 && share[2] < share[1]);
    QVERIFY(share[3] > 0.01 && share[3] < 0.08 && share[3] < share[2]);
    // Zipf popularity: the top product is viewed far more often than the 100th.
    std::vector<int64_t> counts;
    for (const auto& [p, c] : productCounts) counts.push_back(c);
    std::sort(counts.rbegin(), counts.rend());
    QVERIFY(counts.size() > 100);
    QVERIFY2(counts[0] > 20 * counts[99], QByteArray::number(qlonglong(counts[0])) + " vs " +
                                              QByteArray::number(qlonglong(counts[99])));
}

void TstGenerators::clickstreamSessionsConsistent() {
    Driven d = drain("source.clickstream", clicks(100000, {{"users", 2000}}));
    const auto user = ints(d, cUser);
    const auto session = strings(d, cSession);
    const auto referrer = strings(d, cReferrer);
    const auto country = strings(d, cCountry);
    const auto device = strings(d, cDevice);
    const auto event = strings(d, cEvent);
    struct SessionInfo {
        int64_t user;
        std::string referrer;
        bool purchased;
    };
    std::map<std::string, SessionInfo> sessions;
    std::map<int64_t, std::pair<std::string, std::string>> users;  // country, device
    for (size_t i = 0; i < user.size(); ++i) {
        auto [it, fresh] =
            sessions.try_emplace(session[i], SessionInfo{user[i], referrer[i], false});
        QCOMPARE(it->second.user, user[i]);
        QCOMPARE(it->second.referrer, referrer[i]);
        QVERIFY2(!it->second.purchased, "a session goes on after its purchase");
        if (event[i] == "purchase") it->second.purchased = true;
        auto [u, newUser] = users.try_emplace(user[i], country[i], device[i]);
        QCOMPARE(u->second.first, country[i]);
        QCOMPARE(u->second.second, device[i]);
    }
    QVERIFY(sessions.size() > 5000);
    QVERIFY(users.size() > 1000);
}

void TstGenerators::clickstreamFullBatchesAndSpeed() {
    const int64_t n = 4'000'000;
    Driven d = start("source.clickstream", clicks(n));
    QElapsedTimer timer;
    timer.start();
    SourcePoll p;
    int64_t produced = 0;
    do {
        p = d.node.source->poll(*d.out);
        QVERIFY(p.state != SourcePoll::State::Wait);
        // Keep memory flat: count and drop what was emitted.
        for (const auto& b : d.out->batches(0)) {
            QVERIFY(b->rows() == kBatchRows || produced + int64_t(b->rows()) == n);
            produced += int64_t(b->rows());
        }
        d.out->clear();
    } while (p.state != SourcePoll::State::Ended);
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    QCOMPARE(produced, n);
    qInfo("source.clickstream: %.1f M events/s unpaced (%lld events in %.3f s)",
          double(n) / seconds / 1e6, qlonglong(n), seconds);
}

void TstGenerators::metricsSchema() {
    Driven d = drain("source.metrics", metrics(100));
    const Schema& schema = *d.node.context.outputSchemas[0];
    QCOMPARE(schema.toString(), std::string("_time time, host string, region string, cpu_pct "
                                            "float, mem_pct float, latency_ms float, "
                                            "requests int, errors int, anomaly bool"));
    for (const auto& b : d.out->batches(0)) {
        QCOMPARE(b->schema(), schema);
        for (size_t c = 0; c < b->columnCount(); ++c) {
            QCOMPARE(b->column(c).size(), b->rows());
            for (size_t r = 0; r < b->rows(); ++r) QVERIFY(b->column(c).isValid(r));
        }
    }
    const auto cpu = floats(d, mCpu), mem = floats(d, mMem), lat = floats(d, mLatency);
    const auto req = ints(d, mRequests), err = ints(d, mErrors), anomaly = ints(d, mAnomaly);
    for (size_t i = 0; i < cpu.size(); ++i) {
        QVERIFY(cpu[i] > 0 && cpu[i] <= 100);
        QVERIFY(mem[i] > 0 && mem[i] <= 100);
        QVERIFY(lat[i] > 0);
        QVERIFY(req[i] >= 0);
        QVERIFY(err[i] >= 0);
        QVERIFY(anomaly[i] == 0 || anomaly[i] == 1);
    }
}

void TstGenerators::metricsRowsPerInterval() {
    const int64_t hosts = 7, intervals = 50;
    Driven d = drain("source.metrics",
                     metrics(hosts * intervals, {{"hosts", hosts}, {"interval_ms", 250}}));
    const auto t = ints(d, mTime);
    const auto host = strings(d, mHost);
    const auto region = strings(d, mRegion);
    QCOMPARE(int64_t(t.size()), hosts * intervals);
    std::vector<std::string> firstHosts(host.begin(), host.begin() + hosts);
    QCOMPARE(std::set<std::string>(firstHosts.begin(), firstHosts.end()).size(), size_t(hosts));
    QCOMPARE(firstHosts[0], std::string("web-01"));
    for (int64_t i = 0; i < int64_t(t.size()); ++i) {
        QCOMPARE(t[size_t(i)], kStart + (i / hosts) * 250'000);
        QCOMPARE(host[size_t(i)], firstHosts[size_t(i % hosts)]);
        QCOMPARE(region[size_t(i)], region[size_t(i % hosts)]);
    }

    // A limit that is not a multiple of the host count cuts the last interval short, exactly.
    Driven cut = drain("source.metrics", metrics(10, {{"hosts", hosts}}));
    const auto ct = ints(cut, mTime);
    QCOMPARE(ct.size(), size_t(10));
    QCOMPARE(std::count(ct.begin(), ct.end(), kStart), std::ptrdiff_t(7));
    QCOMPARE(std::count(ct.begin(), ct.end(), kStart + 1'000'000), std::ptrdiff_t(3));

    // Many hosts: one interval spans several batches.
    Driven wide = drain("source.metrics", metrics(3 * 5000, {{"hosts", 5000}}));
    const auto wt = ints(wide, mTime);
    QCOMPARE(wt.size(), size_t(15000));
    for (size_t i = 0; i < wt.size(); ++i) QCOMPARE(wt[i], kStart + int64_t(i / 5000) * 1'000'000);
    QVERIFY(wide.out->batches(0).size() > 3);
}

void TstGenerators::metricsDeterministic() {
    const Json p = metrics(5000, {{"hosts", 13}, {"anomaly_rate", 0.05}});
    const auto a = drain("source.metrics", p).out->rowValues(0);
    const auto b = drain("source.metrics", p).out->rowValues(0);
    QCOMPARE(a.size(), size_t(5000));
    QVERIFY(a == b);
    Json other = p;
    other["seed"] = 2;
    const auto c = drain("source.metrics", other).out->rowValues(0);
    size_t differing = 0;
    for (size_t i = 0; i < a.size(); ++i) differing += a[i] != c[i];
    QVERIFY(differing > a.size() / 2);
}

void TstGenerators::metricsAnomalies() {
    const int64_t n = 100000;
    Driven d = drain("source.metrics", metrics(n, {{"hosts", 10}, {"anomaly_rate", 0.05}}));
    const auto cpu = floats(d, mCpu), lat = floats(d, mLatency);
    const auto anomaly = ints(d, mAnomaly);
    const auto host = strings(d, mHost);
    QCOMPARE(int64_t(anomaly.size()), n);
    int64_t anomalies = 0;
    std::map<std::string, std::pair<double, int64_t>> normalLatency, anomalyLatency;
    for (size_t i = 0; i < anomaly.size(); ++i) {
        // An anomaly is exactly a row with cpu above 95.
        QCOMPARE(anomaly[i] == 1, cpu[i] > 95.0);
        anomalies += anomaly[i];
        auto& acc = anomaly[i] ? anomalyLatency[host[i]] : normalLatency[host[i]];
        acc.first += lat[i];
        ++acc.second;
    }
    // Binomial(100000, 0.05): mean 5000, standard deviation about 69; the bound is over 6 of them.
    QVERIFY2(std::abs(anomalies - 5000) < 420,
             QByteArray::number(qlonglong(anomalies)).constData());
    // Anomalous latency is about ten times a host's usual.
    for (const auto& [h, acc] : anomalyLatency) {
        const double usual = normalLatency[h].first / double(normalLatency[h].second);
        const double spiked = acc.first / double(acc.second);
        QVERIFY2(spiked > 6 * usual && spiked < 15 * usual, h.c_str());
    }

    Driven quiet = drain("source.metrics", metrics(20000, {{"anomaly_rate", 0.0}}));
    for (int64_t a : ints(quiet, mAnomaly)) QCOMPARE(a, int64_t(0));
    for (double c : floats(quiet, mCpu)) QVERIFY(c <= 90.0);
}

void TstGenerators::metricsDailyPattern() {
    // One host (web-01, us-east-1, UTC-5) every 10 minutes for 14 days.
    const int64_t perDay = 144, days = 14;
    Driven d = drain(
        "source.metrics",
        metrics(perDay * days, {{"hosts", 1}, {"interval_ms", 600000}, {"anomaly_rate", 0.0}}));
    const auto t = ints(d, mTime);
    const auto req = ints(d, mRequests);
    const auto cpu = floats(d, mCpu);
    double peakReq = 0, troughReq = 0, peakCpu = 0, troughCpu = 0;
    int64_t peakN = 0, troughN = 0;
    for (size_t i = 0; i < t.size(); ++i) {
        const int64_t localHour = (((t[i] / 3'600'000'000) - 5) % 24 + 24) % 24;
        if (localHour >= 12 && localHour < 16) {
            peakReq += double(req[i]);
            peakCpu += cpu[i];
            ++peakN;
        } else if (localHour >= 0 && localHour < 4) {
            troughReq += double(req[i]);
            troughCpu += cpu[i];
            ++troughN;
        }
    }
    QVERIFY(peakN > 0 && troughN > 0);
    QVERIFY(peakReq / double(peakN) > 2 * troughReq / double(troughN));
    QVERIFY(peakCpu / double(peakN) > 1.5 * troughCpu / double(troughN));
}

void TstGenerators::metricsRealtimePacing() {
    // Interval 0 is due at once; interval 1 only a minute later, so the next poll must wait.
    Driven d = start("source.metrics",
                     Json{{"hosts", 4}, {"interval_ms", 60000}, {"start", "2026-01-01T00:00:00Z"}});
    SourcePoll first = d.node.source->poll(*d.out);
    QVERIFY(first.state == SourcePoll::State::More);
    QCOMPARE(d.out->rows(0), size_t(4));
    SourcePoll second = d.node.source->poll(*d.out);
    QVERIFY(second.state == SourcePoll::State::Wait);
    QVERIFY(second.waitUs >= 1000 && second.waitUs <= 100000);
    QCOMPARE(d.out->rows(0), size_t(4));
}

QTEST_GUILESS_MAIN(TstGenerators)
#include "tst_generators.moc"
