#pragma once
// Space-Saving heavy-hitters sketch for TOP_K (Metwally, Agrawal, El Abbadi, 2005).
//
// Keeps at most `capacity` counters. A value already counted is incremented; a new value takes a
// free counter, or else replaces the value with the smallest count and inherits that count plus
// one. Every value whose true frequency exceeds n / capacity is guaranteed to be present, and a
// counter over-estimates its value's frequency by at most the smallest count. While the number of
// distinct values stays within capacity, the counts are exact.
//
// The counters form a binary min-heap on count, with a hash map from value to heap slot, so an
// event costs one hash lookup plus O(log capacity) only when a count overtakes a child.
//
// Merge follows the mergeable-summaries construction (Agarwal et al., PODS 2012): counts of a
// value add up; a value missing from a full summary is credited with that summary's smallest
// count (its possible unseen frequency); the `capacity` largest are kept.
//
// Key is int64_t (ints, bools, times, and floats as canonical bits) or std::string.
// Threading: none; one owner.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/aggregate/hash.h"
#include "engine/checkpoint/state_codec.h"

namespace riffle::agg {

template <typename Key>
class SpaceSaving {
public:
    struct Counter {
        Key key{};
        uint64_t count = 0;
    };

    explicit SpaceSaving(size_t capacity) : m_capacity(capacity) {}

    template <typename K>
    void add(const K& key) {
        auto it = m_index.find(key);
        if (it != m_index.end()) {
            ++m_heap[it->second].count;
            siftDown(it->second);
            return;
        }
        if (m_heap.size() < m_capacity) {
            m_heap.push_back(Counter{Key(key), 1});
            m_index.emplace(m_heap.back().key, m_heap.size() - 1);
            siftUp(m_heap.size() - 1);
            return;
        }
        // Replace the smallest counter (the heap root).
        m_index.erase(m_heap[0].key);
        m_heap[0].key = Key(key);
        ++m_heap[0].count;
        m_index.emplace(m_heap[0].key, 0);
        siftDown(0);
    }

    void merge(const SpaceSaving& other) {
        if (other.m_heap.empty()) return;
        const uint64_t ourFloor = full() ? minCount() : 0;
        const uint64_t theirFloor = other.full() ? other.minCount() : 0;
        std::unordered_map<Key, uint64_t, Hash, std::equal_to<>> sum;
        sum.reserve(m_heap.size() + other.m_heap.size());
        for (const Counter& c : m_heap) sum[c.key] = c.count + theirFloor;
        for (const Counter& c : other.m_heap) {
            auto it = sum.find(c.key);
            if (it != sum.end())
                it->second += c.count - theirFloor;
            else
                sum.emplace(c.key, c.count + ourFloor);
        }
        std::vector<Counter> all;
        all.reserve(sum.size());
        for (auto& [k, n] : sum) all.push_back(Counter{k, n});
        if (all.size() > m_capacity) {
            std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(m_capacity),
                             all.end(), [](const Counter& a, const Counter& b) {
                                 return a.count > b.count || (a.count == b.count && a.key < b.key);
                             });
            all.resize(m_capacity);
        }
        m_heap = std::move(all);
        std::make_heap(m_heap.begin(), m_heap.end(),
                       [](const Counter& a, const Counter& b) { return a.count > b.count; });
        m_index.clear();
        for (size_t i = 0; i < m_heap.size(); ++i) m_index.emplace(m_heap[i].key, i);
    }

    // The counters, largest count first, ties by `keyLess`; at most `k`.
    template <typename KeyLess>
    std::vector<Counter> top(size_t k, KeyLess keyLess) const {
        std::vector<Counter> out = m_heap;
        auto order = [&](const Counter& a, const Counter& b) {
            return a.count > b.count || (a.count == b.count && keyLess(a.key, b.key));
        };
        std::sort(out.begin(), out.end(), order);
        if (out.size() > k) out.resize(k);
        return out;
    }

    // For checkpoints: the counters in heap order; read into an empty summary of the same
    // capacity.
    void save(checkpoint::StateWriter& w) const {
        w.u64(m_heap.size());
        for (const Counter& c : m_heap) {
            if constexpr (std::is_same_v<Key, std::string>)
                w.bytes(c.key);
            else
                w.i64(c.key);
            w.u64(c.count);
        }
    }
    void load(checkpoint::StateReader& r) {
        const uint64_t n = r.count();
        if (n > m_capacity) {
            r.fail();  // more counters than this summary keeps: not its state
            return;
        }
        for (uint64_t i = 0; i < n && r.ok(); ++i) {
            Counter c;
            if constexpr (std::is_same_v<Key, std::string>)
                c.key = r.bytes();
            else
                c.key = r.i64();
            c.count = r.u64();
            if (!m_index.emplace(c.key, m_heap.size()).second) {
                r.fail();  // a key twice
                return;
            }
            m_heap.push_back(std::move(c));
        }
    }

    bool empty() const { return m_heap.empty(); }
    size_t memoryBytes() const {
        size_t bytes = m_heap.capacity() * sizeof(Counter) +
                       m_index.size() * (sizeof(Key) + 2 * sizeof(void*) + sizeof(size_t));
        if constexpr (std::is_same_v<Key, std::string>)
            for (const Counter& c : m_heap) bytes += c.key.capacity() * 2;
        return bytes;
    }

private:
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return static_cast<size_t>(hashBytes(s)); }
        size_t operator()(int64_t v) const { return static_cast<size_t>(hashInt(v)); }
    };

    bool full() const { return m_heap.size() >= m_capacity; }
    uint64_t minCount() const { return m_heap.empty() ? 0 : m_heap[0].count; }

    void siftUp(size_t i) {
        while (i > 0) {
            const size_t parent = (i - 1) / 2;
            if (m_heap[parent].count <= m_heap[i].count) break;
            swapSlots(i, parent);
            i = parent;
        }
    }
    void siftDown(size_t i) {
        const size_t n = m_heap.size();
        while (true) {
            size_t smallest = i;
            const size_t l = 2 * i + 1, r = l + 1;
            if (l < n && m_heap[l].count < m_heap[smallest].count) smallest = l;
            if (r < n && m_heap[r].count < m_heap[smallest].count) smallest = r;
            if (smallest == i) return;
            swapSlots(i, smallest);
            i = smallest;
        }
    }
    void swapSlots(size_t a, size_t b) {
        std::swap(m_heap[a], m_heap[b]);
        m_index.find(m_heap[a].key)->second = a;
        m_index.find(m_heap[b].key)->second = b;
    }

    size_t m_capacity;
    std::vector<Counter> m_heap;
    std::unordered_map<Key, size_t, Hash, std::equal_to<>> m_index;
};

}  // namespace riffle::agg
