#include "nodes/connectors/push_source.h"

#include <algorithm>
#include <chrono>

#include "engine/core/clock.h"
#include "engine/graph/secrets.h"

namespace riffle {

namespace {

constexpr int64_t kIdlePollUs = 2000;  // how soon to look again when nothing has arrived

}  // namespace

void PushTransport::reportError(std::string_view raw, std::string error) {
    std::lock_guard lock(m_errorsMutex);
    if (m_errors.size() >= kMaxPendingErrors) {
        ++m_errorsOmitted;
    } else {
        constexpr size_t kMaxRaw = 1024;
        m_errors.push_back({std::string(raw.substr(0, kMaxRaw)), std::move(error), wallClockUs()});
    }
    m_hasErrors.store(true, std::memory_order_release);
}

void PushTransport::takeErrors(std::vector<TransportError>& out) {
    if (!m_hasErrors.load(std::memory_order_acquire)) return;
    std::lock_guard lock(m_errorsMutex);
    for (auto& e : m_errors) out.push_back(std::move(e));
    m_errors.clear();
    if (m_errorsOmitted > 0) {
        out.push_back({{},
                       std::to_string(m_errorsOmitted) +
                           " more errors of the connection, not shown one by one",
                       wallClockUs()});
        m_errorsOmitted = 0;
    }
    m_hasErrors.store(false, std::memory_order_release);
}

PushSource::PushSource(const OperatorContext& ctx, std::vector<MetaField> meta,
                       std::unique_ptr<PushTransport> transport)
    : m_ctx(ctx), m_meta(std::move(meta)), m_transport(std::move(transport)) {}

PushSource::~PushSource() {
    close();
}

Status PushSource::open() {
    auto decoder = MessageDecoder::create(m_ctx.config, m_ctx.outputSchemas.at(0), m_meta);
    if (!decoder) return Status::error(m_ctx.nodeLabel + ": " + decoder.message());
    m_decoder = std::move(decoder.value());
    const auto policy =
        overloadPolicyFromName(m_ctx.config.getString("overload")).value_or(OverloadPolicy::Block);
    NodeMetrics* metrics = m_ctx.metrics ? m_ctx.metrics : &m_fallbackMetrics;
    m_queue = std::make_unique<MessageQueue>(static_cast<size_t>(m_ctx.config.getInt("queue_size")),
                                             policy, metrics);
    Status s = m_transport->start(*m_queue, *metrics);
    if (!s) return Status::error(m_ctx.nodeLabel + ": " + redactSecrets(s.message()));
    m_started = true;
    return Status::ok();
}

SourcePoll PushSource::poll(Emitter& out) {
    BatchPtr batch;
    ErrorRows errors(out, m_ctx.config.id());
    size_t rows = 0;
    m_transport->takeErrors(m_transportErrors);
    for (const auto& e : m_transportErrors) {
        // As for a message that cannot be decoded: never ahead of the events already emitted.
        const TimeUs t = m_lastEventTime == kMinTime ? e.time : std::min(e.time, m_lastEventTime);
        errors.addRaw(t, e.raw, m_sequence, e.error);
        ++rows;
    }
    m_transportErrors.clear();
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
            const TimeUs t =
                m_lastEventTime == kMinTime ? arrival : std::min(arrival, m_lastEventTime);
            errors.addRaw(t, m_block.payload(i), m_sequence,
                          "message " + std::to_string(m_sequence) + ": " + why);
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
