#pragma once
// The bounded hand-over between a push connector's network thread (MQTT, TCP, UDP, WebSocket)
// and the source's poll() on a worker (operator.h: operators never block on sockets).
//
// Messages travel in blocks (one allocation for many messages) so that a fast sender costs one
// lock per block, not per message. The queue holds at most `capacity` messages; when it is full
// the node's `overload` policy applies (docs/connectors.md, "Overload"):
//   block        the network thread waits (TCP then pushes back on the sender; UDP and MQTT
//                QoS 0 lose in the kernel instead, which the queue cannot count);
//   drop_oldest  the oldest queued messages make room (the newest data wins, as for a live chart);
//   drop_newest  the arriving messages are dropped.
// Every message the queue drops is added to NodeMetrics::dropped.
//
// Threading: any number of producers, one consumer; stop() wakes everyone and makes push fail.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/types.h"
#include "engine/runtime/metrics.h"
#include "nodes/connectors/message_format.h"

namespace riffle {

enum class OverloadPolicy { Block, DropOldest, DropNewest };
std::optional<OverloadPolicy> overloadPolicyFromName(std::string_view name);
// `overload` and `queue_size`, in `group`.
std::vector<ParamSpec> overloadParams(const std::string& group);

class MessageBlock {
public:
    void add(std::string_view payload, const MessageMeta& meta, TimeUs arrivalUs);
    size_t size() const { return m_msgs.size(); }
    bool empty() const { return m_msgs.empty(); }
    size_t bytes() const { return m_bytes.size(); }
    std::string_view payload(size_t i) const { return view(m_msgs[i].payload); }
    MessageMeta meta(size_t i) const;
    TimeUs arrival(size_t i) const { return m_msgs[i].arrival; }
    void clear();

private:
    struct Span {
        size_t off = 0, len = 0;
    };
    struct Msg {
        Span payload, key, topic, peer;
        bool hasKey = false;
        int64_t partition = -1, offset = -1;
        TimeUs timestamp = kMinTime, arrival = 0;
    };
    Span keep(std::string_view s);
    std::string_view view(Span s) const { return std::string_view(m_bytes).substr(s.off, s.len); }
    std::string m_bytes;
    std::vector<Msg> m_msgs;
};

class MessageQueue {
public:
    MessageQueue(size_t capacity, OverloadPolicy policy, NodeMetrics* metrics);

    // Producer: hands over a whole block (left empty). False once stopped.
    bool push(MessageBlock& block);
    // Consumer: the oldest block, if any (non-blocking).
    bool pop(MessageBlock& out);
    void stop();
    bool stopped() const;
    size_t queuedMessages() const;

private:
    const size_t m_capacity;
    const OverloadPolicy m_policy;
    NodeMetrics* m_metrics;
    mutable std::mutex m_mutex;
    std::condition_variable m_space;
    std::deque<MessageBlock> m_blocks;
    size_t m_messages = 0;
    bool m_stopped = false;
};

}  // namespace riffle
