#include "nodes/connectors/net_common.h"
#include "engine/core/clock.h"

#include <algorithm>
#include <cctype>
#include <chrono>

namespace riffle {

namespace {

constexpr size_t kMinRead = 16 * 1024;       // never read into less than this
constexpr size_t kFirstBuffer = 256 * 1024;  // enough for many lines per read

}  // namespace

std::vector<ParamSpec> listenParams(const std::string& group) {
    return {
        param("bind", ParamType::String,
              "Address to listen on: 127.0.0.1 accepts senders on this machine only, 0.0.0.0 "
              "any sender on the network")
            .byDefault("127.0.0.1")
            .inGroup(group)
            .as(ParamRole::ListenAddress),
        param("port", ParamType::Int, "Port to listen on")
            .mandatory()
            .range(1, 65535)
            .inGroup(group)
            .as(ParamRole::ListenPort),
    };
}

Result<boost::asio::ip::address> parseBindAddress(const std::string& text) {
    using R = Result<boost::asio::ip::address>;
    if (text == "localhost") return R(boost::asio::ip::make_address("127.0.0.1"));
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(text, ec);
    if (ec)
        return R::error("`bind` `" + text +
                        "` is not an IP address; use 127.0.0.1 (this machine only) or 0.0.0.0 "
                        "(every network interface)");
    return R(address);
}

std::string endpointText(const boost::asio::ip::address& address, unsigned short port) {
    if (address.is_v6()) return "[" + address.to_string() + "]:" + std::to_string(port);
    return address.to_string() + ":" + std::to_string(port);
}

std::string netErrorText(const boost::system::error_code& ec) {
    std::string s = ec.message();
    if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
}

LineCutter::LineCutter(size_t maxLineBytes)
    : m_max(maxLineBytes),
      m_cap(maxLineBytes + 2 + kMinRead),
      m_buf(std::min(kFirstBuffer, m_cap)) {}

char* LineCutter::writePtr() {
    if (m_buf.size() - m_end < kMinRead && m_begin > 0) {
        std::memmove(m_buf.data(), m_buf.data() + m_begin, m_end - m_begin);
        m_end -= m_begin;
        m_begin = 0;
    }
    if (m_buf.size() - m_end < kMinRead && m_buf.size() < m_cap)
        m_buf.resize(std::min(m_cap, m_buf.size() * 2));
    return m_buf.data() + m_end;
}

void NetThread::start(std::function<void(const std::string&)> onError) {
    m_thread = std::thread([this, onError = std::move(onError)] {
        for (;;) {
            try {
                m_io.run();
                return;  // stopped, or out of work
            } catch (const std::exception& e) {
                if (onError)
                    onError(std::string("internal error on the network thread: ") + e.what());
            } catch (...) {
                if (onError) onError("internal error on the network thread");
            }
        }
    });
}

void NetThread::stop() {
    m_io.stop();
    if (m_thread.joinable()) m_thread.join();
}

}  // namespace riffle
