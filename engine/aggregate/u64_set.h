#pragma once
// A set of 64-bit keys with open addressing and linear probing: one flat array, no allocation
// per insert (the array doubles when it is 3/4 full). Used by COUNT(DISTINCT x) for numbers,
// bools and times, and by HyperLogLog's exact sparse mode for hashes.
//
// Key 0 marks an empty slot, so it is tracked by a separate flag.
// Threading: none; one owner.
#include <cstdint>
#include <vector>

#include "engine/aggregate/hash.h"
#include "engine/checkpoint/state_codec.h"

namespace riffle::agg {

class U64Set {
public:
    // Returns true when the key was new.
    bool insert(uint64_t key) {
        if (key == 0) {
            const bool added = !m_hasZero;
            m_hasZero = true;
            return added;
        }
        if ((m_used + 1) * 4 > m_slots.size() * 3) grow();
        const size_t mask = m_slots.size() - 1;
        for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
            if (m_slots[i] == key) return false;
            if (m_slots[i] == 0) {
                m_slots[i] = key;
                ++m_used;
                return true;
            }
        }
    }

    size_t size() const { return m_used + (m_hasZero ? 1 : 0); }
    bool empty() const { return size() == 0; }
    size_t memoryBytes() const { return m_slots.capacity() * sizeof(uint64_t); }

    template <typename F>
    void forEach(F&& f) const {
        if (m_hasZero) f(uint64_t{0});
        for (uint64_t k : m_slots)
            if (k != 0) f(k);
    }

    // For checkpoints: the keys, read back into an empty set.
    void save(checkpoint::StateWriter& w) const {
        w.u64(size());
        forEach([&w](uint64_t k) { w.u64(k); });
    }
    void load(checkpoint::StateReader& r) {
        for (uint64_t n = r.count(); n > 0 && r.ok(); --n) insert(r.u64());
    }

    void clear() {
        m_slots.clear();
        m_slots.shrink_to_fit();
        m_used = 0;
        m_hasZero = false;
    }

private:
    void grow() {
        std::vector<uint64_t> old = std::move(m_slots);
        m_slots.assign(old.empty() ? 16 : old.size() * 2, 0);
        const size_t mask = m_slots.size() - 1;
        for (uint64_t k : old) {
            if (k == 0) continue;
            size_t i = mix64(k) & mask;
            while (m_slots[i] != 0) i = (i + 1) & mask;
            m_slots[i] = k;
        }
    }

    std::vector<uint64_t> m_slots;
    size_t m_used = 0;
    bool m_hasZero = false;
};

}  // namespace riffle::agg
