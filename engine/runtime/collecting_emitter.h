#pragma once
// An Emitter that keeps every emitted batch, per port. Used by node tests and by tools that run
// one operator by hand; not on the runtime's hot path.
#include <memory>
#include <vector>

#include "engine/runtime/operator.h"

namespace riffle {

class CollectingEmitter : public Emitter {
public:
    explicit CollectingEmitter(std::vector<SchemaPtr> outputSchemas)
        : m_schemas(std::move(outputSchemas)),
          m_pool(BatchPool::create()),
          m_batches(m_schemas.size()) {}

    BatchPtr newBatch(int port) override { return m_pool->acquire(m_schemas.at(port)); }
    void push(int port, BatchPtr batch) override {
        if (batch && !batch->empty()) m_batches.at(port).push_back(std::move(batch));
    }
    int errorsPort() const override { return static_cast<int>(m_schemas.size()) - 1; }

    const std::vector<BatchPtr>& batches(int port) const { return m_batches.at(port); }
    size_t rows(int port) const {
        size_t n = 0;
        for (const auto& b : m_batches.at(port)) n += b->rows();
        return n;
    }
    // Every row of a port, as values (row-major).
    std::vector<std::vector<Value>> rowValues(int port) const {
        std::vector<std::vector<Value>> out;
        for (const auto& b : m_batches.at(port))
            for (size_t r = 0; r < b->rows(); ++r) {
                std::vector<Value> row;
                for (size_t c = 0; c < b->columnCount(); ++c) row.push_back(b->get(r, c));
                out.push_back(std::move(row));
            }
        return out;
    }
    void clear() {
        for (auto& v : m_batches) v.clear();
    }

private:
    std::vector<SchemaPtr> m_schemas;
    std::shared_ptr<BatchPool> m_pool;
    std::vector<std::vector<BatchPtr>> m_batches;
};

}  // namespace riffle
