#include "engine/aggregate/hyper_log_log.h"

#include <cmath>
#include <limits>

namespace riffle::agg {

namespace {

// sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for the share x of empty registers.
double sigma(double x) {
    if (x == 1.0) return std::numeric_limits<double>::infinity();
    double y = 1.0;
    double z = x;
    while (true) {
        x *= x;
        const double before = z;
        z += x * y;
        y += y;
        if (z == before) return z;
    }
}

// tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, for the share x of registers below
// the maximum rank.
double tau(double x) {
    if (x == 0.0 || x == 1.0) return 0.0;
    double y = 1.0;
    double z = 1.0 - x;
    while (true) {
        x = std::sqrt(x);
        const double before = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if (z == before) return z / 3.0;
    }
}

}  // namespace

void HyperLogLog::toDense() {
    m_dense.assign(kRegisters, 0);
    m_sparse.forEach([this](uint64_t h) { addDense(h); });
    m_sparse.clear();
}

void HyperLogLog::merge(const HyperLogLog& other) {
    if (other.isSparse()) {
        other.m_sparse.forEach([this](uint64_t h) { add(h); });
        return;
    }
    if (isSparse()) toDense();
    for (size_t i = 0; i < kRegisters; ++i)
        if (other.m_dense[i] > m_dense[i]) m_dense[i] = other.m_dense[i];
}

void HyperLogLog::save(checkpoint::StateWriter& w) const {
    w.boolean(isSparse());
    if (isSparse())
        m_sparse.save(w);
    else
        w.bytes(std::string_view(reinterpret_cast<const char*>(m_dense.data()), m_dense.size()));
}

void HyperLogLog::load(checkpoint::StateReader& r) {
    if (r.boolean()) {
        m_sparse.load(r);
        return;
    }
    const std::string dense = r.bytes();
    if (dense.size() != kRegisters) {
        r.fail();
        return;
    }
    m_dense.assign(dense.begin(), dense.end());
}

uint64_t HyperLogLog::estimate() const {
    if (isSparse()) return m_sparse.size();
    constexpr int q = 64 - kPrecision;
    constexpr double m = static_cast<double>(kRegisters);
    uint64_t histogram[q + 2] = {};
    for (uint8_t r : m_dense) ++histogram[r];
    double z = m * tau(1.0 - static_cast<double>(histogram[q + 1]) / m);
    for (int k = q; k >= 1; --k) z = 0.5 * (z + static_cast<double>(histogram[k]));
    z += m * sigma(static_cast<double>(histogram[0]) / m);
    const double alphaInf = 1.0 / (2.0 * std::log(2.0));
    return static_cast<uint64_t>(std::llround(alphaInf * m * m / z));
}

}  // namespace riffle::agg
