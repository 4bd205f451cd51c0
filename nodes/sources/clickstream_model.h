#pragma once
// The behaviour model behind source.clickstream: users, their sessions and the shop funnel.
//
// A fixed number of sessions is open at once (one slot each); every event advances one slot
// chosen at random, so sessions interleave as they do on a real site. A session belongs to a
// user (user ids 1..users, low ids more active), whose country and device are stable across
// sessions, and to one traffic source (its `referrer`: search engine, social network, campaign,
// or direct = NULL) that decides where it lands. From there it moves through the funnel
// home → search → product → cart → checkout → purchase, dropping out at each step, with detours
// to content pages. Page popularity is Zipf-distributed over the catalog; latency is log-normal
// per device and slower on search and checkout; a purchase carries the cart's total.
//
// The model only decides *what* happens; event times, pacing and disorder belong to the source.
// Deterministic: the same (users, seed) gives the same event sequence on every platform.
// Allocation-free per event; events refer to strings by index into the model's tables.
// Threading: one owner; not thread-safe.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nodes/sources/generator_util.h"

namespace riffle {

enum class ClickEventKind : uint8_t { View, Click, AddToCart, Purchase };

struct ClickEvent {
    int64_t userId = 0;
    uint32_t slot = 0;      // session slot; sessionId(slot) / sessionSerial(slot) name the session
    uint32_t page = 0;      // index into pages()
    ClickEventKind kind = ClickEventKind::View;
    uint8_t referrer = 0;   // index into referrers(); kDirectReferrer means NULL
    uint8_t country = 0;    // index into countries()
    uint8_t device = 0;     // index into devices()
    int32_t latencyMs = 0;
    double amount = 0;      // only meaningful for Purchase
};

class ClickstreamModel {
public:
    static constexpr uint8_t kDirectReferrer = 0;

    ClickstreamModel(int64_t users, uint64_t seed);

    // Produces the next event.
    void next(ClickEvent& e);

    const std::vector<std::string>& pages() const { return m_pages; }
    static const std::vector<std::string>& eventNames();  // indexed by ClickEventKind
    static const std::vector<std::string>& referrers();   // [kDirectReferrer] is "" (NULL)
    static const std::vector<std::string>& countries();
    static const std::vector<std::string>& devices();

    // The session currently in `slot`: its id string (valid until the slot's session ends) and a
    // serial number that changes whenever a new session takes the slot.
    std::string_view sessionId(uint32_t slot) const {
        return {m_sessions[slot].id, kSessionIdLength};
    }
    uint64_t sessionSerial(uint32_t slot) const { return m_sessions[slot].serial; }
    uint32_t slotCount() const { return static_cast<uint32_t>(m_sessions.size()); }

    // Page layout: fixed pages first, then content pages, then products.
    static constexpr uint32_t kHomePage = 0, kSearchPage = 1, kCartPage = 2, kCheckoutPage = 3;
    uint32_t firstContentPage() const { return kFixedPages; }
    uint32_t firstProductPage() const { return kFixedPages + m_contentPages; }
    bool isProductPage(uint32_t page) const { return page >= firstProductPage(); }

private:
    static constexpr uint32_t kFixedPages = 4;
    static constexpr size_t kSessionIdLength = 16;
    static constexpr int kMaxSessionEvents = 80;

    enum class Step : uint8_t { Home, Search, Product, Cart, Checkout, Content, Done };
    // What the session does on its next event.
    enum class Action : uint8_t { View, Click, AddToCart, Purchase };

    struct Session {
        char id[kSessionIdLength];
        uint64_t serial = 0;
        int64_t userId = 0;
        uint32_t page = 0;      // the page the user is on
        uint32_t nextPage = 0;  // where a pending Click leads
        Step step = Step::Done;
        Action action = Action::View;
        uint8_t referrer = 0, country = 0, device = 0;
        int events = 0;
        double cartTotal = 0;
    };

    void startSession(Session& s);
    // Chooses what follows a view of s.page (sets s.action / s.nextPage / s.step).
    void afterView(Session& s);
    void navigate(Session& s, Step to, uint32_t page);
    uint32_t randomProduct() { return firstProductPage() + m_productAlias.sample(m_rng.next()); }
    uint32_t randomContent() { return firstContentPage() + m_contentAlias.sample(m_rng.next()); }
    int32_t latencyFor(const Session& s, uint32_t page);

    gen::Rng m_rng;
    uint64_t m_seed;
    int64_t m_users;
    uint32_t m_contentPages = 0;
    uint32_t m_products = 0;
    uint64_t m_nextSerial = 0;
    std::vector<std::string> m_pages;
    std::vector<double> m_prices;  // per product
    std::vector<Session> m_sessions;
    gen::AliasTable m_productAlias, m_contentAlias, m_referrerAlias, m_countryAlias, m_deviceAlias;
    std::vector<std::vector<float>> m_latencyTables;  // per device, gen::kNormalTableSize quantiles
};

}  // namespace riffle
