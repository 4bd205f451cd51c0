#include "nodes/connectors/push_source.h"

#include <algorithm>

#include "engine/graph/secrets.h"

namespace riffle {

namespace {

constexpr int64_t kIdlePollUs = 2000;  // how soon to look again when nothing has arrived

}  // namespace

PushSource::PushSource(const OperatorContext& ctx, std::vector<MetaField> meta,
                       std::unique_ptr<PushTransport> transport)
    : m_ctx(ctx), m_meta(std::move(meta)), m_transport(std::move(transport)) {}

PushSource::~PushSource() { close(); }

Status PushSource::open() {
    auto decoder = MessageDecoder::create(m_ctx.config, m_ctx.outputSchemas.at(0), m_meta);
    if (!decoder) return Status::error(m_ctx.nodeLabel + ": " + decoder.message());
    m_decoder = std::move(decoder.value());
    const auto policy = overloadPolicyFromName(m_ctx.config.getString("overload")).value_or(OverloadPolicy::Block);
    NodeMetrics* metrics = m_ctx.metrics ? m_ctx.metrics : &m_fallbackMetrics;
    m_queue = std::make_unique<MessageQueue>(static_cast<size_t>(m_ctx.config.getInt("queue_size")), policy, metrics);
    Status s = m_transport->start(*m_queue, *metrics);
    if (!s) return Status::error(m_ctx.nodeLabel + ": " + redactSecrets(s.message()));
    m_started = true;
    return Status::ok();
}

SourcePoll PushSource::poll(Emitter& out) {
    BatchPtr batch;
    ErrorRows errors(out, m_ctx.config.id());
    size_t rows = 0;
    while (rows < kBatchRows) {
        if (m_next >= m_block.size()) {
            m_block.clear();
            m_next = 0;
            if (!m_queue->pop(m_block)) break;
        }
        const size_t i = m_next++;
        ++m_sequence;
        ++rows;
        if (!batch) batch = out.newBatch(0);
        const size_t before = batch->rows();
        const TimeUs arrival = m_block.arrival(i);
        std::string why = m_decoder->decode(m_block.payload(i), m_block.meta(i), arrival, *batch);
        if (!why.empty()) {
            // An error row must not move the watermark past events still to come.
            const TimeUs t = m_lastEventTime == kMinTime ? arrival : std::min(arrival, m_lastEventTime);
            errors.addRaw(t, m_block.payload(i), m_sequence, "message " + std::to_string(m_sequence) + ": " + why);
            continue;
        }
        if (batch->rows() > before) m_lastEventTime = batch->column(0).ints()[before];
    }
    if (batch && !batch->empty()) out.push(0, std::move(batch));
    if (rows == 0) return SourcePoll::waitFor(kIdlePollUs);
    return SourcePoll::more();
}

void PushSource::close() {
    if (!m_started) return;
    m_started = false;
    m_queue->stop();
    m_transport->stop();
}

}  // namespace riffle
