#pragma once
// The bytes of a node's state in a checkpoint (issue 17): what a stateful operator writes at a
// barrier and reads back on recovery. Compact and portable: integers as LEB128 varints (signed
// ones zigzag-encoded), doubles as their 8 IEEE bytes little-endian, strings length-prefixed.
//
// A StateReader never reads past its data: a value that is cut short or a length that runs past
// the end makes it fail (ok() false, and every later read gives zero or empty), so a damaged
// checkpoint is reported, never a crash.
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/status.h"

namespace riffle::checkpoint {

class StateWriter {
public:
    void u64(uint64_t v);
    void i64(int64_t v);
    void f64(double v);
    void boolean(bool v) { m_data.push_back(v ? 1 : 0); }
    void bytes(std::string_view v);

    const std::string& data() const { return m_data; }
    std::string take() { return std::move(m_data); }

private:
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

    bool ok() const { return m_ok; }
    bool atEnd() const { return m_at == m_data.size(); }
    // Ok when every read succeeded and nothing is left over; else what went wrong and where,
    // for `what` ("the state `open panes` of window `w`").
    Status finish(const std::string& what) const;

private:
    bool fail();
    std::string_view m_data;
    size_t m_at = 0;
    bool m_ok = true;
};

}  // namespace riffle::checkpoint
