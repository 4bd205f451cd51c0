#pragma once
// Internal to aggregate_set.cpp: the per-function state (a "slot" inside a group's State block)
// and its operations. Each aggregator is a struct of static functions over its Slot type; the
// set picks one by a switch over detail::Op, so the per-event path has no virtual call and the
// compiler can inline the small ones.
//
// Readers adapt a column type: IntReader for int, bool, time (and the all-NULL column of a bare
// NULL argument), FloatReader for float, StringReader for string.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>

#include "engine/aggregate/dd_sketch.h"
#include "engine/aggregate/hash.h"
#include "engine/aggregate/hyper_log_log.h"
#include "engine/aggregate/space_saving.h"
#include "engine/aggregate/u64_set.h"
#include "engine/core/batch.h"
#include "engine/core/value.h"

namespace riffle::agg::detail {

// What an aggregator needs to know about its aggregate at run time.
struct Spec {
    Type argType = Type::Null;
    Type resultType = Type::Null;
    double fraction = 0;  // PERCENTILE's p
    size_t topK = 0;      // TOP_K's k
    size_t capacity = 0;  // TOP_K's counters
};

// ---- readers -------------------------------------------------------------------------------

struct IntReader {
    using Stored = int64_t;
    using Key = int64_t;
    static int64_t get(const Column& c, size_t r) { return c.ints()[r]; }
    static double number(const Column& c, size_t r) { return static_cast<double>(c.ints()[r]); }
    static uint64_t bits(const Column& c, size_t r) { return static_cast<uint64_t>(c.ints()[r]); }
    static uint64_t hash(const Column& c, size_t r) { return hashInt(c.ints()[r]); }
    static int64_t key(const Column& c, size_t r) { return c.ints()[r]; }
    static bool less(int64_t a, int64_t b) { return a < b; }
    static Value toValue(int64_t v, Type t) {
        Value out = Value::ofInt(v);
        out.type = t;
        return out;
    }
    static Value keyToValue(int64_t k, Type t) { return toValue(k, t); }
};

struct FloatReader {
    using Stored = double;
    using Key = int64_t;  // canonical bits
    static double get(const Column& c, size_t r) { return c.floats()[r]; }
    static double number(const Column& c, size_t r) { return c.floats()[r]; }
    static uint64_t bits(const Column& c, size_t r) { return canonicalBits(c.floats()[r]); }
    static uint64_t hash(const Column& c, size_t r) { return hashFloat(c.floats()[r]); }
    static int64_t key(const Column& c, size_t r) {
        return static_cast<int64_t>(canonicalBits(c.floats()[r]));
    }
    // SQL order for floats as in PostgreSQL: NaN is greater than every number.
    static bool less(double a, double b) {
        if (std::isnan(a)) return false;
        if (std::isnan(b)) return true;
        return a < b;
    }
    static Value toValue(double v, Type) { return Value::ofFloat(v); }
    static double keyToDouble(int64_t k) { return std::bit_cast<double>(static_cast<uint64_t>(k)); }
    static Value keyToValue(int64_t k, Type) { return Value::ofFloat(keyToDouble(k)); }
};

struct StringReader {
    using Stored = std::string;
    using Key = std::string;
    static std::string_view get(const Column& c, size_t r) { return c.strings()[r]; }
    static uint64_t hash(const Column& c, size_t r) { return hashBytes(c.strings()[r]); }
    static std::string_view key(const Column& c, size_t r) { return c.strings()[r]; }
    static bool less(std::string_view a, std::string_view b) { return a < b; }
    static Value toValue(const std::string& v, Type) { return Value::ofString(v); }
    static Value keyToValue(const std::string& k, Type) { return Value::ofString(k); }
};

// ---- slots and aggregators -----------------------------------------------------------------

// Every aggregator: Slot; init (placement-constructs the slot); add (one event; the column is
// null only for COUNT(*)); merge; result (sets `overflow` when an integer SUM overflowed);
// heapBytes (memory beyond the slot itself).
template <typename SlotT>
struct Basic {
    using Slot = SlotT;
    static void init(void* p, const Spec&) { new (p) Slot(); }
    static size_t heapBytes(const Slot&) { return 0; }
};

struct CountSlot {
    int64_t n = 0;
};

struct CountStarAgg : Basic<CountSlot> {
    static void add(Slot& s, const Column*, size_t) { ++s.n; }
    static void merge(Slot& s, const Slot& o) { s.n += o.n; }
    static bool subtract(Slot& s, const Slot& o) {
        s.n -= o.n;
        return true;
    }
    static Value result(const Slot& s, const Spec&, bool&) { return Value::ofInt(s.n); }
};

struct CountAgg : Basic<CountSlot> {
    static void add(Slot& s, const Column* c, size_t r) { s.n += c->validity()[r]; }
    static void merge(Slot& s, const Slot& o) { s.n += o.n; }
    static bool subtract(Slot& s, const Slot& o) {
        s.n -= o.n;
        return true;
    }
    static Value result(const Slot& s, const Spec&, bool&) { return Value::ofInt(s.n); }
};

struct SumIntSlot {
    int64_t sum = 0;
    bool any = false;
    bool overflow = false;
};

struct SumIntAgg : Basic<SumIntSlot> {
    static void add(Slot& s, const Column* c, size_t r) {
        if (!c->validity()[r]) return;
        s.any = true;
        s.overflow |= __builtin_add_overflow(s.sum, c->ints()[r], &s.sum);
    }
    static void merge(Slot& s, const Slot& o) {
        if (!o.any) return;
        s.any = true;
        s.overflow |= o.overflow;
        s.overflow |= __builtin_add_overflow(s.sum, o.sum, &s.sum);
    }
    static Value result(const Slot& s, const Spec&, bool& overflow) {
        if (!s.any) return Value::nullOf(Type::Int);
        if (s.overflow) {
            overflow = true;
            return Value::nullOf(Type::Int);
        }
        return Value::ofInt(s.sum);
    }
};

// Neumaier's compensated summation: the error of each addition is collected in `comp`, so long
// sums of floats do not drift with the number of events.
struct CompensatedSum {
    double sum = 0;
    double comp = 0;
    void add(double x) {
        const double t = sum + x;
        if (std::fabs(sum) >= std::fabs(x))
            comp += (sum - t) + x;
        else
            comp += (x - t) + sum;
        sum = t;
    }
    void merge(const CompensatedSum& o) {
        add(o.sum);
        comp += o.comp;
    }
    // With an infinite or NaN sum the compensation is meaningless (inf - inf).
    double value() const { return std::isfinite(sum) ? sum + comp : sum; }
};

struct SumFloatSlot {
    CompensatedSum sum;
    bool any = false;
};

struct SumFloatAgg : Basic<SumFloatSlot> {
    static void add(Slot& s, const Column* c, size_t r) {
        if (!c->validity()[r]) return;
        s.any = true;
        s.sum.add(c->floats()[r]);
    }
    static void merge(Slot& s, const Slot& o) {
        if (!o.any) return;
        s.any = true;
        s.sum.merge(o.sum);
    }
    static Value result(const Slot& s, const Spec&, bool&) {
        return s.any ? Value::ofFloat(s.sum.value()) : Value::nullOf(Type::Float);
    }
};

struct AvgSlot {
    CompensatedSum sum;
    int64_t n = 0;
};

template <typename R>
struct AvgAgg : Basic<AvgSlot> {
    static void add(Slot& s, const Column* c, size_t r) {
        if (!c->validity()[r]) return;
        ++s.n;
        s.sum.add(R::number(*c, r));
    }
    static void merge(Slot& s, const Slot& o) {
        if (o.n == 0) return;
        s.n += o.n;
        s.sum.merge(o.sum);
    }
    static Value result(const Slot& s, const Spec&, bool&) {
        if (s.n == 0) return Value::nullOf(Type::Float);
        return Value::ofFloat(s.sum.value() / static_cast<double>(s.n));
    }
};

// Welford's running mean and sum of squared deviations; Chan et al.'s formula merges two.
struct MomentsSlot {
    int64_t n = 0;
    double mean = 0;
    double m2 = 0;
};

template <typename R>
struct StddevAgg : Basic<MomentsSlot> {
    static void add(Slot& s, const Column* c, size_t r) {
        if (!c->validity()[r]) return;
        const double x = R::number(*c, r);
        ++s.n;
        const double delta = x - s.mean;
        s.mean += delta / static_cast<double>(s.n);
        s.m2 += delta * (x - s.mean);
    }
    static void merge(Slot& s, const Slot& o) {
        if (o.n == 0) return;
        if (s.n == 0) {
            s = o;
            return;
        }
        const double na = static_cast<double>(s.n), nb = static_cast<double>(o.n);
        const double n = na + nb;
        const double delta = o.mean - s.mean;
        s.mean += delta * nb / n;
        s.m2 += o.m2 + delta * delta * na * nb / n;
        s.n += o.n;
    }
    static Value result(const Slot& s, const Spec&, bool&) {
        if (s.n < 2) return Value::nullOf(Type::Float);
        // Rounding can leave m2 a hair below zero for constant input.
        const double variance = std::max(0.0, s.m2 / static_cast<double>(s.n - 1));
        return Value::ofFloat(std::sqrt(variance));
    }
};

template <typename T>
struct ValueSlot {
    T v{};
    bool any = false;
};

template <typename T, typename V>
inline void assignValue(T& to, const V& from) {
    if constexpr (std::is_same_v<T, std::string>)
        to.assign(from.data(), from.size());
    else
        to = from;
}

// MIN (kMax false) and MAX (kMax true).
template <typename R, bool kMax>
struct ExtremeAgg : Basic<ValueSlot<typename R::Stored>> {
    using Slot = ValueSlot<typename R::Stored>;
    template <typename V>
    static void offer(Slot& s, const V& v) {
        const bool better = kMax ? R::less(s.v, v) : R::less(v, s.v);
        if (!s.any || better) {
            assignValue(s.v, v);
            s.any = true;
        }
    }
    static void add(Slot& s, const Column* c, size_t r) {
        if (c->validity()[r]) offer(s, R::get(*c, r));
    }
    static void merge(Slot& s, const Slot& o) {
        if (o.any) offer(s, o.v);
    }
    static Value result(const Slot& s, const Spec& spec, bool&) {
        return s.any ? R::toValue(s.v, spec.resultType) : Value::nullOf(spec.resultType);
    }
    static size_t heapBytes(const Slot& s) {
        if constexpr (std::is_same_v<typename R::Stored, std::string>)
            return s.v.capacity() > 15 ? s.v.capacity() : 0;
        else
            return 0;
    }
};

// FIRST_VALUE (kLast false) and LAST_VALUE (kLast true), by order of accumulate() calls.
template <typename R, bool kLast>
struct EndValueAgg : Basic<ValueSlot<typename R::Stored>> {
    using Slot = ValueSlot<typename R::Stored>;
    static void add(Slot& s, const Column* c, size_t r) {
        if (!c->validity()[r] || (!kLast && s.any)) return;
        assignValue(s.v, R::get(*c, r));
        s.any = true;
    }
    static void merge(Slot& s, const Slot& o) {
        if (!o.any || (!kLast && s.any)) return;
        assignValue(s.v, o.v);
        s.any = true;
    }
    static Value result(const Slot& s, const Spec& spec, bool&) {
        return s.any ? R::toValue(s.v, spec.resultType) : Value::nullOf(spec.resultType);
    }
    static size_t heapBytes(const Slot& s) { return ExtremeAgg<R, false>::heapBytes(s); }
};

// COUNT(DISTINCT x) over numbers, bools and times: the set of their 64-bit patterns.
template <typename R>
struct DistinctBitsAgg : Basic<U64Set> {
    static void add(Slot& s, const Column* c, size_t r) {
        if (c->validity()[r]) s.insert(R::bits(*c, r));
    }
    static void merge(Slot& s, const Slot& o) {
        o.forEach([&s](uint64_t k) { s.insert(k); });
    }
    static Value result(const Slot& s, const Spec&, bool&) {
        return Value::ofInt(static_cast<int64_t>(s.size()));
    }
    static size_t heapBytes(const Slot& s) { return s.memoryBytes(); }
};

using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

struct DistinctStringAgg : Basic<StringSet> {
    static void add(Slot& s, const Column* c, size_t r) {
        if (!c->validity()[r]) return;
        const std::string_view v = c->strings()[r];
        if (s.find(v) == s.end()) s.emplace(v);
    }
    static void merge(Slot& s, const Slot& o) { s.insert(o.begin(), o.end()); }
    static Value result(const Slot& s, const Spec&, bool&) {
        return Value::ofInt(static_cast<int64_t>(s.size()));
    }
    static size_t heapBytes(const Slot& s) {
        size_t bytes = s.bucket_count() * sizeof(void*);
        for (const std::string& v : s)
            bytes +=
                sizeof(std::string) + 2 * sizeof(void*) + (v.capacity() > 15 ? v.capacity() : 0);
        return bytes;
    }
};

template <typename R>
struct ApproxDistinctAgg : Basic<HyperLogLog> {
    static void add(Slot& s, const Column* c, size_t r) {
        if (c->validity()[r]) s.add(R::hash(*c, r));
    }
    static void merge(Slot& s, const Slot& o) { s.merge(o); }
    static Value result(const Slot& s, const Spec&, bool&) {
        return Value::ofInt(static_cast<int64_t>(s.estimate()));
    }
    static size_t heapBytes(const Slot& s) { return s.memoryBytes(); }
};

template <typename R>
struct PercentileAgg : Basic<DDSketch> {
    static void add(Slot& s, const Column* c, size_t r) {
        if (!c->validity()[r]) return;
        const double x = R::number(*c, r);
        if (std::isfinite(x)) s.add(x);
    }
    static void merge(Slot& s, const Slot& o) { s.merge(o); }
    static bool subtract(Slot& s, const Slot& o) { return s.subtract(o); }
    static void clear(Slot& s) { s.clear(); }
    static Value result(const Slot& s, const Spec& spec, bool&) {
        const std::optional<double> q = s.quantile(spec.fraction);
        return q ? Value::ofFloat(*q) : Value::nullOf(Type::Float);
    }
    static size_t heapBytes(const Slot& s) { return s.memoryBytes(); }
};

template <typename R>
struct TopKAgg {
    using Slot = SpaceSaving<typename R::Key>;
    static void init(void* p, const Spec& spec) { new (p) Slot(spec.capacity); }
    static void add(Slot& s, const Column* c, size_t r) {
        if (c->validity()[r]) s.add(R::key(*c, r));
    }
    static void merge(Slot& s, const Slot& o) { s.merge(o); }
    // "value:count,value:count,...", largest count first, ties by ascending value.
    static Value result(const Slot& s, const Spec& spec, bool&) {
        if (s.empty()) return Value::nullOf(Type::String);
        const auto top = s.top(spec.topK, [](const typename R::Key& a, const typename R::Key& b) {
            if constexpr (std::is_same_v<R, FloatReader>)
                return R::less(R::keyToDouble(a), R::keyToDouble(b));
            else
                return a < b;
        });
        std::string text;
        for (const auto& counter : top) {
            if (!text.empty()) text += ',';
            text += R::keyToValue(counter.key, spec.argType).toString();
            text += ':';
            text += std::to_string(counter.count);
        }
        return Value::ofString(text);
    }
    static size_t heapBytes(const Slot& s) { return s.memoryBytes(); }
};

// ---- checkpoints ---------------------------------------------------------------------------

// A slot's state for a checkpoint, read back into a freshly initialised slot of the same
// aggregate. Fixed-size slots (counts, sums, moments, numeric MIN/MAX/FIRST/LAST) as their bytes.
template <typename Slot>
requires std::is_trivially_copyable_v<Slot>
void saveSlot(const Slot& s, checkpoint::StateWriter& w) {
    w.raw(s);
}
template <typename Slot>
requires std::is_trivially_copyable_v<Slot>
void loadSlot(Slot& s, checkpoint::StateReader& r) {
    r.raw(s);
}
inline void saveSlot(const ValueSlot<std::string>& s, checkpoint::StateWriter& w) {
    w.boolean(s.any);
    w.bytes(s.v);
}
inline void loadSlot(ValueSlot<std::string>& s, checkpoint::StateReader& r) {
    s.any = r.boolean();
    s.v = r.bytes();
}
inline void saveSlot(const StringSet& s, checkpoint::StateWriter& w) {
    w.u64(s.size());
    for (const std::string& v : s) w.bytes(v);
}
inline void loadSlot(StringSet& s, checkpoint::StateReader& r) {
    const uint64_t n = r.count();
    s.reserve(n);
    for (uint64_t i = 0; i < n && r.ok(); ++i) s.insert(r.bytes());
}
// The sketches and the distinct sets save themselves.
template <typename Slot>
requires(!std::is_trivially_copyable_v<Slot>) void saveSlot(const Slot& s,
                                                            checkpoint::StateWriter& w) {
    s.save(w);
}
template <typename Slot>
requires(!std::is_trivially_copyable_v<Slot>) void loadSlot(Slot& s, checkpoint::StateReader& r) {
    s.load(r);
}

}  // namespace riffle::agg::detail
