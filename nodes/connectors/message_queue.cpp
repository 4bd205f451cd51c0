#include "nodes/connectors/message_queue.h"

namespace riffle {

std::optional<OverloadPolicy> overloadPolicyFromName(std::string_view name) {
    if (name == "block") return OverloadPolicy::Block;
    if (name == "drop_oldest") return OverloadPolicy::DropOldest;
    if (name == "drop_newest") return OverloadPolicy::DropNewest;
    return std::nullopt;
}

std::vector<ParamSpec> overloadParams(const std::string& group) {
    return {
        param("overload", ParamType::Choice,
              "When messages arrive faster than the pipeline takes them: block (wait; TCP "
              "slows the sender), drop_oldest (keep the newest) or drop_newest; drops are "
              "counted")
            .byDefault("drop_oldest")
            .oneOf({"block", "drop_oldest", "drop_newest"})
            .inGroup(group),
        param("queue_size", ParamType::Int,
              "Messages held between the network and the pipeline before `overload` applies")
            .byDefault(100000)
            .inUnit("messages")
            .range(1, 100000000)
            .inGroup(group),
    };
}

MessageBlock::Span MessageBlock::keep(std::string_view s) {
    Span span{m_bytes.size(), s.size()};
    m_bytes.append(s);
    return span;
}

void MessageBlock::add(std::string_view payload, const MessageMeta& meta, TimeUs arrivalUs) {
    Msg m;
    m.payload = keep(payload);
    m.key = keep(meta.key);
    m.topic = keep(meta.topic);
    m.peer = keep(meta.peer);
    m.hasKey = meta.hasKey;
    m.partition = meta.partition;
    m.offset = meta.offset;
    m.timestamp = meta.timestamp;
    m.arrival = arrivalUs;
    m_msgs.push_back(m);
}

MessageMeta MessageBlock::meta(size_t i) const {
    const Msg& m = m_msgs[i];
    MessageMeta meta;
    meta.key = view(m.key);
    meta.topic = view(m.topic);
    meta.peer = view(m.peer);
    meta.hasKey = m.hasKey;
    meta.partition = m.partition;
    meta.offset = m.offset;
    meta.timestamp = m.timestamp;
    return meta;
}

void MessageBlock::clear() {
    m_bytes.clear();
    m_msgs.clear();
}

MessageQueue::MessageQueue(size_t capacity, OverloadPolicy policy, NodeMetrics* metrics)
    : m_capacity(capacity == 0 ? 1 : capacity), m_policy(policy), m_metrics(metrics) {}

bool MessageQueue::push(MessageBlock& block) {
    if (block.empty()) return true;
    std::unique_lock lock(m_mutex);
    if (m_stopped) return false;
    const size_t n = block.size();
    int64_t dropped = 0;
    if (m_messages + n > m_capacity) {
        switch (m_policy) {
            case OverloadPolicy::Block:
                // A block larger than the whole queue goes in once the queue is empty.
                m_space.wait(lock, [&] {
                    return m_stopped || m_messages + n <= m_capacity || m_messages == 0;
                });
                if (m_stopped) return false;
                break;
            case OverloadPolicy::DropOldest:
                while (!m_blocks.empty() && m_messages + n > m_capacity) {
                    dropped += static_cast<int64_t>(m_blocks.front().size());
                    m_messages -= m_blocks.front().size();
                    m_blocks.pop_front();
                }
                break;
            case OverloadPolicy::DropNewest:
                if (m_messages > 0 || n > m_capacity) {
                    if (m_metrics) m_metrics->add(m_metrics->dropped, static_cast<int64_t>(n));
                    block.clear();
                    return true;
                }
                break;
        }
    }
    if (dropped && m_metrics) m_metrics->add(m_metrics->dropped, dropped);
    m_messages += n;
    m_blocks.push_back(std::move(block));
    block = MessageBlock();
    return true;
}

bool MessageQueue::pop(MessageBlock& out) {
    {
        std::lock_guard lock(m_mutex);
        if (m_blocks.empty()) return false;
        out = std::move(m_blocks.front());
        m_blocks.pop_front();
        m_messages -= out.size();
    }
    m_space.notify_all();
    return true;
}

void MessageQueue::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopped = true;
    }
    m_space.notify_all();
}

bool MessageQueue::stopped() const {
    std::lock_guard lock(m_mutex);
    return m_stopped;
}

size_t MessageQueue::queuedMessages() const {
    std::lock_guard lock(m_mutex);
    return m_messages;
}

}  // namespace riffle
