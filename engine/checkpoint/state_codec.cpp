#include "engine/checkpoint/state_codec.h"

#include <cstring>

namespace riffle::checkpoint {

void StateWriter::u64(uint64_t v) {
    while (v >= 0x80) {
        m_data.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    m_data.push_back(static_cast<char>(v));
}

void StateWriter::i64(int64_t v) {
    u64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void StateWriter::f64(double v) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; ++i) m_data.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

void StateWriter::bytes(std::string_view v) {
    u64(v.size());
    m_data.append(v);
}

void StateWriter::value(const Value& v) {
    m_data.push_back(static_cast<char>(v.type));
    boolean(v.null);
    if (v.null) return;
    if (v.type == Type::Float)
        f64(v.f);
    else if (v.type == Type::String)
        bytes(v.s);
    else
        i64(v.i);
}

bool StateReader::fail() {
    m_ok = false;
    return false;
}

uint64_t StateReader::u64() {
    if (!m_ok) return 0;
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (m_at >= m_data.size()) return fail(), 0;
        const auto byte = static_cast<uint8_t>(m_data[m_at++]);
        v |= static_cast<uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return v;
    }
    return fail(), 0;  // more than ten bytes: not a varint Riffle wrote
}

int64_t StateReader::i64() {
    const uint64_t z = u64();
    return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
}

double StateReader::f64() {
    if (!m_ok || m_data.size() - m_at < 8) return fail(), 0.0;
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i)
        bits |= static_cast<uint64_t>(static_cast<uint8_t>(m_data[m_at + i])) << (8 * i);
    m_at += 8;
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    return v;
}

bool StateReader::boolean() {
    if (!m_ok || m_at >= m_data.size()) return fail();
    const char c = m_data[m_at++];
    if (c != 0 && c != 1) return fail();
    return c == 1;
}

std::string StateReader::bytes() {
    const uint64_t n = u64();
    if (!m_ok || n > m_data.size() - m_at) return fail(), std::string();
    std::string out(m_data.substr(m_at, n));
    m_at += n;
    return out;
}

Value StateReader::value() {
    Value v;
    if (!m_ok || m_at >= m_data.size()) return fail(), v;
    const auto type = static_cast<uint8_t>(m_data[m_at++]);
    if (type > static_cast<uint8_t>(Type::Time)) return fail(), v;
    v.type = static_cast<Type>(type);
    v.null = boolean();
    if (v.null) return v;
    if (v.type == Type::Float)
        v.f = f64();
    else if (v.type == Type::String)
        v.s = bytes();
    else
        v.i = i64();
    return v;
}

uint64_t StateReader::count() {
    const uint64_t n = u64();
    if (n > m_data.size() - m_at) return fail(), 0;
    return n;
}

Status StateReader::finish(const std::string& what) const {
    if (!m_ok)
        return Status::error(what + " is damaged: it ends before byte " + std::to_string(m_at + 1) +
                             " of " + std::to_string(m_data.size()));
    if (!atEnd())
        return Status::error(what + " is damaged: " + std::to_string(m_data.size() - m_at) +
                             " bytes are left over after its last value");
    return Status::ok();
}

}  // namespace riffle::checkpoint
