#pragma once
// What the socket sources (source.tcp, source.udp, source.websocket) share: their parameters,
// addresses as users write them, error texts, cutting newline-delimited messages out of a byte
// stream with a bounded buffer, and one io_context run on one network thread.
//
// Threading: a NetThread's io_context runs on its own thread; everything given to it (sockets,
// LineCutters) is touched only by handlers on that thread, until stop() has joined it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/core/clock.h"
#include "engine/core/status.h"
#include "engine/core/types.h"
#include "engine/graph/params.h"
#include "nodes/connectors/message_queue.h"

namespace riffle {

// `bind` (default 127.0.0.1: only this machine can send) and `port`, in `group`.
std::vector<ParamSpec> listenParams(const std::string& group);

// An address as `bind` takes it: an IPv4 or IPv6 address, or "localhost".
Result<boost::asio::ip::address> parseBindAddress(const std::string& text);
// "127.0.0.1:9000", "[::1]:9000".
std::string endpointText(const boost::asio::ip::address& address, unsigned short port);
// A socket error as a message part: "address already in use".
std::string netErrorText(const boost::system::error_code& ec);
// Pushes `block` into `queue` (see MessageQueue::push); once the queue is stopped the block is
// dropped, so a network thread that runs on a little longer cannot pile messages up.
inline void handOver(MessageQueue& queue, MessageBlock& block) {
    if (!queue.push(block)) block.clear();
}

// Cuts newline-delimited messages out of a byte stream read straight into its buffer. "\r\n"
// ends a line as "\n" does; empty lines are skipped. A line longer than `maxLineBytes` is
// reported once and skipped up to its newline without being kept, so a connection never holds
// more than about `maxLineBytes` plus one read.
class LineCutter {
public:
    explicit LineCutter(size_t maxLineBytes);
    // Where the next read goes (never empty).
    char* writePtr();
    size_t writeSpace() const { return m_buf.size() - m_end; }

    // `n` bytes were read into writePtr(). Calls onLine(std::string_view line) for every
    // complete line and onTooLong(std::string_view start) once for every over-long one. The
    // views live until the next writePtr().
    template <class OnLine, class OnTooLong>
    void consume(size_t n, OnLine&& onLine, OnTooLong&& onTooLong);
    // The stream ended: a last line without a newline still counts.
    template <class OnLine, class OnTooLong>
    void finish(OnLine&& onLine, OnTooLong&& onTooLong);

private:
    template <class OnLine, class OnTooLong>
    void emit(std::string_view line, OnLine& onLine, OnTooLong& onTooLong);

    const size_t m_max;
    const size_t m_cap;  // the buffer never grows beyond this
    std::vector<char> m_buf;
    size_t m_begin = 0, m_end = 0;  // unconsumed bytes: the start of a line
    bool m_skipping = false;        // inside an over-long line, dropping bytes up to its newline
};

// An io_context and the thread that runs it. Exceptions from handlers are caught, reported
// through `onError` and the loop goes on.
class NetThread {
public:
    ~NetThread() { stop(); }
    boost::asio::io_context& io() { return m_io; }
    void start(std::function<void(const std::string&)> onError);
    // Stops the loop wherever it is and joins the thread; never waits for a peer.
    void stop();

private:
    boost::asio::io_context m_io;
    std::thread m_thread;
};

template <class OnLine, class OnTooLong>
void LineCutter::emit(std::string_view line, OnLine& onLine, OnTooLong& onTooLong) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return;
    if (line.size() > m_max)
        onTooLong(line);
    else
        onLine(line);
}

template <class OnLine, class OnTooLong>
void LineCutter::consume(size_t n, OnLine&& onLine, OnTooLong&& onTooLong) {
    const size_t readStart = m_end;
    m_end += n;
    char* base = m_buf.data();
    size_t pos = readStart;  // bytes before it (from m_begin) hold no newline
    if (m_skipping) {
        const void* nl = std::memchr(base + pos, '\n', m_end - pos);
        if (!nl) {
            m_begin = m_end = 0;
            return;
        }
        m_skipping = false;
        m_begin = pos = static_cast<size_t>(static_cast<const char*>(nl) - base) + 1;
    }
    while (pos < m_end) {
        const void* nl = std::memchr(base + pos, '\n', m_end - pos);
        if (!nl) break;
        const size_t at = static_cast<size_t>(static_cast<const char*>(nl) - base);
        emit(std::string_view(base + m_begin, at - m_begin), onLine, onTooLong);
        m_begin = pos = at + 1;
    }
    if (m_begin == m_end) {
        m_begin = m_end = 0;
    } else if (m_end - m_begin > m_max + 1) {  // +1: the line may still end in "\r\n"
        onTooLong(std::string_view(base + m_begin, m_end - m_begin));
        m_skipping = true;
        m_begin = m_end = 0;
    }
}

template <class OnLine, class OnTooLong>
void LineCutter::finish(OnLine&& onLine, OnTooLong&& onTooLong) {
    if (!m_skipping && m_end > m_begin)
        emit(std::string_view(m_buf.data() + m_begin, m_end - m_begin), onLine, onTooLong);
    m_begin = m_end = 0;
    m_skipping = false;
}

}  // namespace riffle
