#pragma once
// Columnar batches: the unit in which events move through the engine (docs/runtime.md, "Batches").
//
// A Batch holds up to a few thousand rows of one schema as typed column vectors, each with a
// validity byte per row (1 = present, 0 = NULL; a byte rather than a bit so that vectorized
// kernels stay branch-free and simple). Strings are string_views into the batch's own arena, so
// a batch owns everything it points to and can be handed to another thread as a whole.
//
// Threading: a batch is written by one thread, then published (through a queue) and from then
// on only read, possibly by several consumers at once. Batches come from a BatchPool and return
// to it when the last BatchPtr goes away, so the hot path allocates nothing per event.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "engine/core/types.h"
#include "engine/core/value.h"

namespace riffle {

// Chunked bump allocator for string bytes; views into it stay valid until reset(). An arena can
// also keep another arena's blocks alive (shareBlocksOf), so that a filter or a map can pass
// strings on without copying them: blocks are reference-counted and a block is only reused when
// no other arena holds it.
class StringArena {
public:
    std::string_view store(std::string_view s);
    // Views into `other` stay valid as long as this arena is not reset.
    void shareBlocksOf(const StringArena& other);
    void reset();  // keeps the first block for reuse when nobody else holds it
    size_t bytesUsed() const { return m_used; }

private:
    static constexpr size_t kBlockSize = 64 * 1024;
    std::vector<std::shared_ptr<char[]>> m_blocks;
    std::vector<std::shared_ptr<char[]>> m_borrowed;
    size_t m_blockFill = kBlockSize;  // fill of the last block; full means "need a new block"
    size_t m_used = 0;
};

class Column {
public:
    Column() = default;
    explicit Column(Type t) : m_type(t) {}
    Type type() const { return m_type; }
    size_t size() const { return m_valid.size(); }
    bool isNull(size_t row) const { return !m_valid[row]; }
    bool isValid(size_t row) const { return m_valid[row]; }

    // Storage by type: Bool, Int and Time use ints(); Float uses floats(); String uses strings().
    std::vector<int64_t>& ints() { return m_ints; }
    const std::vector<int64_t>& ints() const { return m_ints; }
    std::vector<double>& floats() { return m_floats; }
    const std::vector<double>& floats() const { return m_floats; }
    std::vector<std::string_view>& strings() { return m_strings; }
    const std::vector<std::string_view>& strings() const { return m_strings; }
    std::vector<uint8_t>& validity() { return m_valid; }
    const std::vector<uint8_t>& validity() const { return m_valid; }

    void reset(Type t);  // empty, new type, capacity kept
    void clear();
    void reserve(size_t n);
    // Appends; a String value must already live in the owning batch's arena (Batch::appendString).
    void appendNull();
    void appendBool(bool b) {
        m_ints.push_back(b);
        m_valid.push_back(1);
    }
    void appendInt(int64_t v) {
        m_ints.push_back(v);
        m_valid.push_back(1);
    }
    void appendTime(TimeUs v) {
        m_ints.push_back(v);
        m_valid.push_back(1);
    }
    void appendFloat(double v) {
        m_floats.push_back(v);
        m_valid.push_back(1);
    }
    void appendStringView(std::string_view v) {
        m_strings.push_back(v);
        m_valid.push_back(1);
    }
    // Resizes to n rows, all NULL (for kernels that then fill values and validity by index).
    void resizeNull(size_t n);

    Value get(size_t row) const;
    // Bytes its vectors hold (capacity), for state-size metrics.
    size_t bytesHeld() const {
        return m_valid.capacity() + m_ints.capacity() * sizeof(int64_t) +
               m_floats.capacity() * sizeof(double) +
               m_strings.capacity() * sizeof(std::string_view);
    }

private:
    Type m_type = Type::Null;
    std::vector<uint8_t> m_valid;
    std::vector<int64_t> m_ints;
    std::vector<double> m_floats;
    std::vector<std::string_view> m_strings;
};

class Batch {
public:
    Batch() = default;
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

    // Empties the batch and gives it a schema; column and arena capacity are kept.
    void reset(SchemaPtr schema);
    const SchemaPtr& schemaPtr() const { return m_schema; }
    const Schema& schema() const { return *m_schema; }
    size_t rows() const { return m_rows; }
    bool empty() const { return m_rows == 0; }
    size_t columnCount() const { return m_columns.size(); }
    Column& column(size_t i) { return m_columns[i]; }
    const Column& column(size_t i) const { return m_columns[i]; }
    // Event time of every row (column 0, `_time`).
    const std::vector<int64_t>& times() const { return m_columns[0].ints(); }

    StringArena& arena() { return m_arena; }
    const StringArena& arena() const { return m_arena; }
    std::string_view storeString(std::string_view s) { return m_arena.store(s); }
    void appendString(size_t col, std::string_view s) {
        m_columns[col].appendStringView(m_arena.store(s));
    }
    void appendValue(size_t col, const Value& v);
    // After appending to every column, declare the row count (checked in debug builds).
    void setRows(size_t n) { m_rows = n; }
    void commitRow() { ++m_rows; }
    // Copies row `row` of `src` (same schema layout) to the end of this batch.
    void appendRowFrom(const Batch& src, size_t row);
    // Copies the selected rows of `src` (same schema layout) column by column: the fast path of
    // filters. `rows` must be strictly increasing. Strings are not copied: this batch keeps
    // `src`'s string blocks alive instead.
    void appendRowsFrom(const Batch& src, const std::vector<uint32_t>& rows);
    Value get(size_t row, size_t col) const { return m_columns[col].get(row); }
    // Bytes held by the columns and the string arena, for state-size metrics.
    size_t bytesHeld() const {
        size_t n = m_arena.bytesUsed();
        for (const Column& c : m_columns) n += c.bytesHeld();
        return n;
    }

    // Steady-clock nanoseconds when the events of this batch entered the engine (set by the
    // runtime as they leave their source and carried along), for end-to-end latency.
    int64_t originNs() const { return m_originNs; }
    void setOriginNs(int64_t ns) { m_originNs = ns; }

private:
    SchemaPtr m_schema;
    int64_t m_originNs = 0;
    std::vector<Column> m_columns;
    StringArena m_arena;
    size_t m_rows = 0;
};

using BatchPtr = std::shared_ptr<Batch>;
using ConstBatchPtr = std::shared_ptr<const Batch>;

// Recycles batches. acquire() may be called from any thread; a batch returns to the pool when
// its last reference is dropped, on whichever thread that happens.
class BatchPool : public std::enable_shared_from_this<BatchPool> {
public:
    static std::shared_ptr<BatchPool> create(size_t maxPooled = 1024);
    ~BatchPool();
    BatchPool(const BatchPool&) = delete;
    BatchPool& operator=(const BatchPool&) = delete;
    BatchPtr acquire(SchemaPtr schema);
    size_t pooled() const;
    size_t allocated() const { return m_allocated; }

private:
    explicit BatchPool(size_t maxPooled) : m_maxPooled(maxPooled) {}
    void release(Batch* b);
    mutable std::mutex m_mutex;
    std::vector<Batch*> m_free;
    size_t m_maxPooled;
    size_t m_allocated = 0;
};

// Preferred rows per batch: big enough that per-batch costs vanish, small enough for latency.
inline constexpr size_t kBatchRows = 2048;

}  // namespace riffle
