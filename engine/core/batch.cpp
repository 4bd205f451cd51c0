#include "engine/core/batch.h"

#include <cstring>

namespace riffle {

std::string_view StringArena::store(std::string_view s) {
    if (s.empty()) return {};
    if (s.size() > kBlockSize / 4) {
        // Large strings get a block of their own, inserted before the current block.
        std::shared_ptr<char[]> block(new char[s.size()]);
        std::memcpy(block.get(), s.data(), s.size());
        std::string_view view(block.get(), s.size());
        m_blocks.insert(m_blocks.empty() ? m_blocks.end() : m_blocks.end() - 1, std::move(block));
        m_used += s.size();
        return view;
    }
    if (m_blocks.empty() || m_blockFill + s.size() > kBlockSize) {
        m_blocks.push_back(std::shared_ptr<char[]>(new char[kBlockSize]));
        m_blockFill = 0;
    }
    char* dst = m_blocks.back().get() + m_blockFill;
    std::memcpy(dst, s.data(), s.size());
    m_blockFill += s.size();
    m_used += s.size();
    return {dst, s.size()};
}

void StringArena::shareBlocksOf(const StringArena& other) {
    auto borrow = [this](const std::shared_ptr<char[]>& block) {
        for (const auto& b : m_borrowed)
            if (b == block) return;
        m_borrowed.push_back(block);
    };
    for (const auto& b : other.m_blocks) borrow(b);
    for (const auto& b : other.m_borrowed) borrow(b);
}

void StringArena::reset() {
    m_borrowed.clear();
    // Keep the last block (always regular-sized) for reuse, unless another arena still holds it.
    std::shared_ptr<char[]> keep;
    if (!m_blocks.empty() && m_blocks.back().use_count() == 1 && m_blockFill <= kBlockSize)
        keep = std::move(m_blocks.back());
    m_blocks.clear();
    if (keep) m_blocks.push_back(std::move(keep));
    m_blockFill = m_blocks.empty() ? kBlockSize : 0;
    m_used = 0;
}

void Column::reset(Type t) {
    m_type = t;
    clear();
}

void Column::clear() {
    m_valid.clear();
    m_ints.clear();
    m_floats.clear();
    m_strings.clear();
}

void Column::reserve(size_t n) {
    m_valid.reserve(n);
    switch (m_type) {
        case Type::Float:
            m_floats.reserve(n);
            break;
        case Type::String:
            m_strings.reserve(n);
            break;
        case Type::Null:
            break;
        default:
            m_ints.reserve(n);
            break;
    }
}

void Column::appendNull() {
    switch (m_type) {
        case Type::Float:
            m_floats.push_back(0);
            break;
        case Type::String:
            m_strings.emplace_back();
            break;
        case Type::Null:
            break;
        default:
            m_ints.push_back(0);
            break;
    }
    m_valid.push_back(0);
}

void Column::resizeNull(size_t n) {
    m_valid.assign(n, 0);
    switch (m_type) {
        case Type::Float:
            m_floats.assign(n, 0);
            break;
        case Type::String:
            m_strings.assign(n, {});
            break;
        case Type::Null:
            break;
        default:
            m_ints.assign(n, 0);
            break;
    }
}

Value Column::get(size_t row) const {
    if (!m_valid[row]) return Value::nullOf(m_type);
    switch (m_type) {
        case Type::Null:
            return Value{};
        case Type::Bool:
            return Value::ofBool(m_ints[row] != 0);
        case Type::Int:
            return Value::ofInt(m_ints[row]);
        case Type::Time:
            return Value::ofTime(m_ints[row]);
        case Type::Float:
            return Value::ofFloat(m_floats[row]);
        case Type::String:
            return Value::ofString(m_strings[row]);
    }
    return {};
}

void Batch::reset(SchemaPtr schema) {
    m_schema = std::move(schema);
    m_rows = 0;
    m_originNs = 0;
    m_arena.reset();
    const size_t n = m_schema ? m_schema->size() : 0;
    m_columns.resize(n);
    for (size_t i = 0; i < n; ++i) m_columns[i].reset(m_schema->field(i).type);
}

void Batch::appendValue(size_t col, const Value& v) {
    Column& c = m_columns[col];
    if (v.null) {
        c.appendNull();
        return;
    }
    switch (c.type()) {
        case Type::Null:
            c.appendNull();
            break;
        case Type::Bool:
            c.appendBool(v.i != 0);
            break;
        case Type::Int:
        case Type::Time:
            c.appendInt(v.type == Type::Float ? static_cast<int64_t>(v.f) : v.i);
            break;
        case Type::Float:
            c.appendFloat(v.type == Type::Float ? v.f : static_cast<double>(v.i));
            break;
        case Type::String:
            appendString(col, v.s);
            break;
    }
}

void Batch::appendRowFrom(const Batch& src, size_t row) {
    for (size_t c = 0; c < m_columns.size(); ++c) {
        const Column& s = src.m_columns[c];
        Column& d = m_columns[c];
        if (s.isNull(row)) {
            d.appendNull();
            continue;
        }
        switch (d.type()) {
            case Type::Null:
                d.appendNull();
                break;
            case Type::Float:
                d.appendFloat(s.floats()[row]);
                break;
            case Type::String:
                d.appendStringView(m_arena.store(s.strings()[row]));
                break;
            default:
                d.appendInt(s.ints()[row]);
                break;
        }
    }
    ++m_rows;
}

namespace {

// Appends src[rows[k]] for every k to dst, sized once and written by index.
template <typename T>
void gather(std::vector<T>& dst, const std::vector<T>& src, const std::vector<uint32_t>& rows,
            bool all) {
    if (all && dst.empty()) {
        dst = src;
        return;
    }
    const size_t base = dst.size();
    dst.resize(base + rows.size());
    T* out = dst.data() + base;
    const T* in = src.data();
    for (size_t k = 0; k < rows.size(); ++k) out[k] = in[rows[k]];
}

}  // namespace

void Batch::appendRowsFrom(const Batch& src, const std::vector<uint32_t>& rows) {
    // Every row, in order: whole vectors can be copied.
    const bool all = rows.size() == src.rows() && (rows.empty() || rows.back() + 1 == rows.size());
    for (size_t c = 0; c < m_columns.size(); ++c) {
        const Column& s = src.m_columns[c];
        Column& d = m_columns[c];
        gather(d.validity(), s.validity(), rows, all);
        switch (d.type()) {
            case Type::Null:
                break;
            case Type::Float:
                gather(d.floats(), s.floats(), rows, all);
                break;
            case Type::String:
                m_arena.shareBlocksOf(src.m_arena);
                gather(d.strings(), s.strings(), rows, all);
                break;
            default:
                gather(d.ints(), s.ints(), rows, all);
                break;
        }
    }
    m_rows += rows.size();
}

std::shared_ptr<BatchPool> BatchPool::create(size_t maxPooled) {
    return std::shared_ptr<BatchPool>(new BatchPool(maxPooled));
}

BatchPtr BatchPool::acquire(SchemaPtr schema) {
    Batch* b = nullptr;
    {
        std::lock_guard lock(m_mutex);
        if (!m_free.empty()) {
            b = m_free.back();
            m_free.pop_back();
        } else {
            ++m_allocated;
        }
    }
    if (!b) b = new Batch();
    b->reset(std::move(schema));
    std::weak_ptr<BatchPool> weak = weak_from_this();
    return BatchPtr(b, [weak](Batch* p) {
        if (auto pool = weak.lock())
            pool->release(p);
        else
            delete p;
    });
}

void BatchPool::release(Batch* b) {
    {
        std::lock_guard lock(m_mutex);
        if (m_free.size() < m_maxPooled) {
            m_free.push_back(b);
            return;
        }
        --m_allocated;
    }
    delete b;
}

BatchPool::~BatchPool() {
    for (Batch* b : m_free) delete b;
}

size_t BatchPool::pooled() const {
    std::lock_guard lock(m_mutex);
    return m_free.size();
}

}  // namespace riffle
