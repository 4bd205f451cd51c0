#pragma once
// The bytes of a node's state in a checkpoint (issue 17): what a stateful operator writes at a
// barrier and reads back on recovery. Compact and portable: integers as LEB128 varints (signed
// ones zigzag-encoded), doubles as their 8 IEEE bytes little-endian, strings length-prefixed.
//
// A StateReader never reads past its data: a value that is cut short or a length that runs past
// the end makes it fail (ok() false, and every later read gives zero or empty), so a damaged
// checkpoint is reported, never a crash.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "engine/core/status.h"
#include "engine/core/value.h"

namespace riffle::checkpoint {

class StateWriter {
public:
    StateWriter() = default;
    explicit StateWriter(int64_t checkpointId) : m_checkpointId(checkpointId) {}
    // The checkpoint being taken (0 for a node's final state), for a node that acts when that
    // checkpoint completes (Operator::notifyCheckpointComplete).
    int64_t checkpointId() const { return m_checkpointId; }

    void u64(uint64_t v);
    void i64(int64_t v);
    void f64(double v);
    void boolean(bool v) { m_data.push_back(v ? 1 : 0); }
    void bytes(std::string_view v);
    // Its type, whether it is NULL and its value.
    void value(const Value& v);
    // An object's bytes as they are in memory, for a trivially copyable slot (an aggregate's
    // counts and sums): quick, and read back only by the same build on the same machine.
    template <typename T>
    void raw(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        bytes(std::string_view(reinterpret_cast<const char*>(&v), sizeof v));
    }

    const std::string& data() const { return m_data; }
    std::string take() { return std::move(m_data); }

private:
    int64_t m_checkpointId = 0;
    std::string m_data;
};

// Reads what a StateWriter wrote; `data` must outlive the reader.
class StateReader {
public:
    explicit StateReader(std::string_view data) : m_data(data) {}

    uint64_t u64();
    int64_t i64();
    double f64();
    bool boolean();
    std::string bytes();
    Value value();
    template <typename T>
    void raw(T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        const std::string b = bytes();
        if (b.size() != sizeof v) {
            fail();
            return;
        }
        std::memcpy(&v, b.data(), sizeof v);
    }
    // A count of items that follow, each of at least one byte: a count larger than what is left
    // fails the reader instead of reserving memory for it.
    uint64_t count();

    bool ok() const { return m_ok; }
    bool atEnd() const { return m_at == m_data.size(); }
    // Ok when every read succeeded and nothing is left over; else what went wrong and where,
    // for `what` ("the state `open panes` of window `w`").
    Status finish(const std::string& what) const;

    // Marks the data damaged (a value that cannot be, such as a key twice); returns false.
    bool fail();

private:
    std::string_view m_data;
    size_t m_at = 0;
    bool m_ok = true;
};

}  // namespace riffle::checkpoint
