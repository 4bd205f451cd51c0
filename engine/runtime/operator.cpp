#include "engine/runtime/operator.h"

namespace riffle {

Batch& ErrorRows::batch() {
    if (!m_batch) m_batch = m_out.newBatch(m_out.errorsPort());
    return *m_batch;
}

void ErrorRows::add(const Batch& in, size_t row, std::string_view error) {
    Batch& b = batch();
    const size_t n = b.columnCount();
    const size_t inCols = std::min(in.columnCount(), n >= 2 ? n - 2 : 0);
    for (size_t c = 0; c < inCols; ++c) b.appendValue(c, in.get(row, c));
    for (size_t c = inCols; c + 2 < n; ++c) b.column(c).appendNull();
    b.appendString(n - 2, error);
    b.appendString(n - 1, m_node);
    b.commitRow();
    if (b.rows() >= kBatchRows) flush();
}

void ErrorRows::addRaw(TimeUs time, std::string_view raw, int64_t line, std::string_view error) {
    Batch& b = batch();
    b.column(0).appendTime(time);
    // Keep error rows small: a 10 MB bad line is reported by its first 1 KiB.
    constexpr size_t kMaxRaw = 1024;
    b.appendString(1, raw.size() > kMaxRaw ? raw.substr(0, kMaxRaw) : raw);
    b.column(2).appendInt(line);
    b.appendString(3, error);
    b.appendString(4, m_node);
    b.commitRow();
    if (b.rows() >= kBatchRows) flush();
}

void ErrorRows::flush() {
    if (m_batch && !m_batch->empty()) m_out.push(m_out.errorsPort(), std::move(m_batch));
    m_batch.reset();
}

SchemaPtr sourceErrorsSchema() {
    static const SchemaPtr kSchema =
        std::make_shared<const Schema>(Schema::stream({{"raw", Type::String},
                                                       {"line", Type::Int},
                                                       {"error", Type::String},
                                                       {"node", Type::String}}));
    return kSchema;
}

SchemaPtr errorsSchemaFor(const Schema& input) {
    Schema s = input;
    if (s.indexOf("error") < 0)
        s.add({"error", Type::String});
    else
        s.add({"error_2", Type::String});
    if (s.indexOf("node") < 0)
        s.add({"node", Type::String});
    else
        s.add({"node_2", Type::String});
    return std::make_shared<const Schema>(std::move(s));
}

}  // namespace riffle
