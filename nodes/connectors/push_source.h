#pragma once
// The source half shared by push connectors (MQTT, TCP, UDP, WebSocket): a transport's network
// thread receives messages and hands them over through a MessageQueue; poll() decodes them into
// rows on a worker, never waiting (operator.h: operators never block). A message that cannot be
// decoded goes to `errors` with the reason and its sequence number, and the run goes on.
//
// Threading: the transport's threads touch only the queue and the node's metrics; everything
// else belongs to the worker that polls.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/operator.h"
#include "nodes/connectors/message_format.h"
#include "nodes/connectors/message_queue.h"

namespace riffle {

class PushTransport {
public:
    virtual ~PushTransport() = default;
    // Starts the network thread(s), which push into `queue` and report the link state on
    // `metrics`. Only what can never work fails here (a bad address, a port in use); a peer that
    // is down is not a failure: the transport shows "connecting" with the reason and retries.
    virtual Status start(MessageQueue& queue, NodeMetrics& metrics) = 0;
    // Stops and joins the threads; afterwards nothing touches the queue.
    virtual void stop() = 0;

    // A problem that is not a message to decode - a connection refused over `max_connections`,
    // a line longer than `max_message_bytes` skipped unread - reported by a network thread and
    // emitted on `errors` by the source's next poll. `raw` is what was seen of the input (kept
    // up to 1 KiB).
    struct TransportError {
        std::string raw, error;
        TimeUs time = 0;  // wall-clock time it happened
    };
    // Poller: moves the reported errors into `out`; cheap when there are none.
    void takeErrors(std::vector<TransportError>& out);

protected:
    // Any thread. At most kMaxPendingErrors wait for a poll; beyond that they are counted and
    // reported as one row, so that a flood cannot take the memory.
    void reportError(std::string_view raw, std::string error);

private:
    static constexpr size_t kMaxPendingErrors = 10000;
    std::mutex m_errorsMutex;
    std::vector<TransportError> m_errors;
    int64_t m_errorsOmitted = 0;
    std::atomic<bool> m_hasErrors{false};
};

class PushSource : public SourceOperator {
public:
    PushSource(const OperatorContext& ctx, std::vector<MetaField> meta,
               std::unique_ptr<PushTransport> transport);
    ~PushSource() override;
    Status open() override;
    SourcePoll poll(Emitter& out) override;
    void close() override;

private:
    OperatorContext m_ctx;
    std::vector<MetaField> m_meta;
    std::unique_ptr<PushTransport> m_transport;
    std::unique_ptr<MessageQueue> m_queue;
    std::unique_ptr<MessageDecoder> m_decoder;
    NodeMetrics m_fallbackMetrics;  // when the context has none (tests)
    MessageBlock m_block;
    std::vector<PushTransport::TransportError> m_transportErrors;
    size_t m_next = 0;       // next message of m_block
    int64_t m_sequence = 0;  // messages received, for error rows
    TimeUs m_lastEventTime = kMinTime;
    bool m_started = false;
};

}  // namespace riffle
