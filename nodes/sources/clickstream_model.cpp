#include "nodes/sources/clickstream_model.h"

#include <algorithm>
#include <cmath>

namespace riffle {

using gen::hash64;
using gen::kNormalTableBits;
using gen::kNormalTableSize;
using gen::normalFrom;
using gen::normalQuantiles;
using gen::zipfWeights;

namespace {

constexpr uint32_t kProducts = 2000;
// Steps products by a prime so that the most popular product is not /product/1.
constexpr uint32_t kProductIdStride = 7919;
constexpr double kProductZipfExponent = 1.05;
constexpr double kContentZipfExponent = 0.9;

const std::vector<std::string> kContentPages = {
    "/deals",          "/blog/spring-trends", "/help",          "/about",
    "/blog/gift-guide", "/shipping",          "/returns",       "/account",
    "/wishlist",       "/blog/how-to-choose", "/contact",       "/stores",
    "/careers",        "/press",
};

enum class ReferrerKind { Direct, Search, Social, Campaign };
struct Referrer {
    const char* name;  // "" for direct traffic (written as NULL)
    ReferrerKind kind;
    double weight;
};
const std::vector<Referrer> kReferrers = {
    {"", ReferrerKind::Direct, 34},
    {"google.com", ReferrerKind::Search, 27},
    {"bing.com", ReferrerKind::Search, 5},
    {"duckduckgo.com", ReferrerKind::Search, 2},
    {"facebook.com", ReferrerKind::Social, 7},
    {"instagram.com", ReferrerKind::Social, 5},
    {"t.co", ReferrerKind::Social, 3},
    {"reddit.com", ReferrerKind::Social, 3},
    {"campaign:newsletter", ReferrerKind::Campaign, 6},
    {"campaign:spring_sale", ReferrerKind::Campaign, 5},
    {"campaign:retargeting", ReferrerKind::Campaign, 3},
};

struct Weighted {
    const char* name;
    double weight;
};
const std::vector<Weighted> kCountries = {
    {"US", 30}, {"IN", 10}, {"DE", 8}, {"GB", 8}, {"BR", 6}, {"FR", 5}, {"JP", 5},
    {"CA", 4},  {"NL", 3},  {"ES", 3}, {"IT", 3}, {"AU", 3}, {"MX", 3}, {"PL", 2},
    {"SE", 2},  {"KR", 2},  {"TR", 1}, {"ZA", 1}, {"NG", 1},
};

struct Device {
    const char* name;
    double weight;
    double medianLatencyMs;
    double sigma;  // of log latency
};
const std::vector<Device> kDevices = {
    {"desktop", 38, 120, 0.45},
    {"mobile", 55, 260, 0.60},
    {"tablet", 7, 190, 0.55},
};

std::vector<std::string> namesOf(const std::vector<Weighted>& list) {
    std::vector<std::string> out;
    for (const auto& w : list) out.emplace_back(w.name);
    return out;
}

}  // namespace

const std::vector<std::string>& ClickstreamModel::eventNames() {
    static const std::vector<std::string> names = {"view", "click", "add_to_cart", "purchase"};
    return names;
}

const std::vector<std::string>& ClickstreamModel::referrers() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& r : kReferrers) out.emplace_back(r.name);
        return out;
    }();
    return names;
}

const std::vector<std::string>& ClickstreamModel::countries() {
    static const std::vector<std::string> names = namesOf(kCountries);
    return names;
}

const std::vector<std::string>& ClickstreamModel::devices() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& d : kDevices) out.emplace_back(d.name);
        return out;
    }();
    return names;
}

ClickstreamModel::ClickstreamModel(int64_t users, uint64_t seed)
    : m_rng(seed), m_seed(seed), m_users(std::max<int64_t>(1, users)) {
    m_contentPages = static_cast<uint32_t>(kContentPages.size());
    m_products = kProducts;

    m_pages = {"/", "/search", "/cart", "/checkout"};
    for (const auto& p : kContentPages) m_pages.push_back(p);
    for (uint32_t rank = 0; rank < m_products; ++rank) {
        const uint32_t id = 1 + static_cast<uint32_t>((uint64_t{rank} * kProductIdStride) % m_products);
        m_pages.push_back("/product/" + std::to_string(id));
    }

    // Prices are log-normal around $30, ending in .99; a product's price depends on the seed only.
    m_prices.resize(m_products);
    for (uint32_t rank = 0; rank < m_products; ++rank) {
        const double z = normalFrom(hash64(m_seed * 0x2545F4914F6CDD1Dull + rank + 1));
        const double price = std::exp(std::log(30.0) + 0.9 * z);
        m_prices[rank] = std::floor(price) + 0.99;
    }

    m_productAlias.build(zipfWeights(m_products, kProductZipfExponent));
    m_contentAlias.build(zipfWeights(m_contentPages, kContentZipfExponent));
    std::vector<double> w;
    for (const auto& r : kReferrers) w.push_back(r.weight);
    m_referrerAlias.build(w);
    w.clear();
    for (const auto& c : kCountries) w.push_back(c.weight);
    m_countryAlias.build(w);
    w.clear();
    for (const auto& d : kDevices) w.push_back(d.weight);
    m_deviceAlias.build(w);

    const auto& q = normalQuantiles();
    for (const auto& d : kDevices) {
        std::vector<float> table(kNormalTableSize);
        for (size_t i = 0; i < kNormalTableSize; ++i)
            table[i] = static_cast<float>(std::exp(std::log(d.medianLatencyMs) + d.sigma * q[i]));
        m_latencyTables.push_back(std::move(table));
    }

    // About one open session per ten users, as on a site where a tenth of the audience is online.
    const int64_t slots = std::clamp<int64_t>(m_users / 10, 1, 4096);
    m_sessions.resize(static_cast<size_t>(slots));
}

void ClickstreamModel::startSession(Session& s) {
    s.serial = ++m_nextSerial;
    static constexpr char kHex[] = "0123456789abcdef";
    uint64_t idBits = hash64((m_seed << 20) ^ (s.serial * 0x9E3779B97F4A7C15ull));
    for (size_t i = 0; i < kSessionIdLength; ++i) {
        s.id[i] = kHex[idBits & 15];
        idBits >>= 4;
    }
    // Squaring a uniform skews activity towards low user ids: some users visit far more often.
    const double x = m_rng.uniform();
    s.userId = 1 + std::min<int64_t>(m_users - 1, static_cast<int64_t>(x * x * static_cast<double>(m_users)));
    const uint64_t userKey = static_cast<uint64_t>(s.userId) * 0xD6E8FEB86659FD93ull ^ m_seed;
    s.country = static_cast<uint8_t>(m_countryAlias.sample(hash64(userKey)));
    s.device = static_cast<uint8_t>(m_deviceAlias.sample(hash64(userKey + 1)));
    s.referrer = static_cast<uint8_t>(m_referrerAlias.sample(m_rng.next()));
    s.events = 0;
    s.cartTotal = 0;
    s.action = Action::View;

    const double u = m_rng.uniform();
    auto land = [&](Step step, uint32_t page) {
        s.step = step;
        s.page = page;
    };
    switch (kReferrers[s.referrer].kind) {
        case ReferrerKind::Direct:
            if (u < 0.85) land(Step::Home, kHomePage);
            else land(Step::Product, randomProduct());
            break;
        case ReferrerKind::Search:
            if (u < 0.35) land(Step::Home, kHomePage);
            else if (u < 0.80) land(Step::Product, randomProduct());
            else land(Step::Content, randomContent());
            break;
        case ReferrerKind::Social:
            if (u < 0.50) land(Step::Content, randomContent());
            else if (u < 0.80) land(Step::Product, randomProduct());
            else land(Step::Home, kHomePage);
            break;
        case ReferrerKind::Campaign:
            if (u < 0.70) land(Step::Product, randomProduct());
            else land(Step::Home, kHomePage);
            break;
    }
}

void ClickstreamModel::navigate(Session& s, Step to, uint32_t page) {
    s.action = Action::Click;
    s.nextPage = page;
    s.step = to;
}

void ClickstreamModel::afterView(Session& s) {
    const double u = m_rng.uniform();
    switch (s.step) {
        case Step::Home:
            if (u < 0.60) navigate(s, Step::Search, kSearchPage);
            else if (u < 0.75) navigate(s, Step::Content, randomContent());
            else if (u < 0.80) navigate(s, Step::Product, randomProduct());
            else s.step = Step::Done;
            break;
        case Step::Search:
            if (u < 0.65) navigate(s, Step::Product, randomProduct());
            else if (u < 0.75) navigate(s, Step::Search, kSearchPage);
            else s.step = Step::Done;
            break;
        case Step::Product:
            if (u < 0.10) s.action = Action::AddToCart;
            else if (u < 0.45) navigate(s, Step::Product, randomProduct());
            else if (u < 0.55) navigate(s, Step::Search, kSearchPage);
            else s.step = Step::Done;
            break;
        case Step::Cart:
            if (u < 0.45) navigate(s, Step::Checkout, kCheckoutPage);
            else if (u < 0.65) navigate(s, Step::Product, randomProduct());
            else s.step = Step::Done;
            break;
        case Step::Checkout:
            if (u < 0.60) s.action = Action::Purchase;
            else s.step = Step::Done;
            break;
        case Step::Content:
            if (u < 0.40) navigate(s, Step::Content, randomContent());
            else if (u < 0.58) navigate(s, Step::Product, randomProduct());
            else if (u < 0.68) navigate(s, Step::Home, kHomePage);
            else s.step = Step::Done;
            break;
        case Step::Done:
            s.step = Step::Done;
            break;
    }
}

int32_t ClickstreamModel::latencyFor(const Session& s, uint32_t page) {
    const float base = m_latencyTables[s.device][m_rng.next() >> (64 - kNormalTableBits)];
    float factor = 1.0f;
    switch (page) {
        case kSearchPage: factor = 1.6f; break;
        case kCartPage: factor = 1.3f; break;
        case kCheckoutPage: factor = 2.0f; break;
        default: factor = isProductPage(page) ? 1.1f : 1.0f; break;
    }
    return std::max<int32_t>(1, static_cast<int32_t>(base * factor + 0.5f));
}

void ClickstreamModel::next(ClickEvent& e) {
    const uint32_t slot = static_cast<uint32_t>(m_rng.below(m_sessions.size()));
    Session& s = m_sessions[slot];
    if (s.step == Step::Done) startSession(s);

    e.userId = s.userId;
    e.slot = slot;
    e.referrer = s.referrer;
    e.country = s.country;
    e.device = s.device;
    e.page = s.page;
    e.amount = 0;
    switch (s.action) {
        case Action::View:
            e.kind = ClickEventKind::View;
            afterView(s);
            break;
        case Action::Click:
            e.kind = ClickEventKind::Click;
            s.page = s.nextPage;
            s.action = Action::View;
            break;
        case Action::AddToCart: {
            e.kind = ClickEventKind::AddToCart;
            const double q = m_rng.uniform();
            const int quantity = q < 0.80 ? 1 : (q < 0.95 ? 2 : 3);
            s.cartTotal += quantity * m_prices[s.page - firstProductPage()];
            s.page = kCartPage;
            s.step = Step::Cart;
            s.action = Action::View;
            break;
        }
        case Action::Purchase:
            e.kind = ClickEventKind::Purchase;
            e.amount = std::round(s.cartTotal * 100.0) / 100.0;
            s.step = Step::Done;
            break;
    }
    e.latencyMs = latencyFor(s, e.page);
    if (++s.events >= kMaxSessionEvents) s.step = Step::Done;
}

}  // namespace riffle
