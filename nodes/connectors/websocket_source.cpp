// source.websocket: a WebSocket client (Boost.Beast) that reads a live feed, one message per
// frame (text or binary), as JSON by default (docs/connectors.md).
//
// A server that is down at start, or that goes away, is not a failure: the node shows
// "connecting" with the reason and tries again after 1 s, doubling the wait up to 30 s; a lost
// connection counts in `reconnects`. A message longer than `max_message_bytes` is skipped while it
// arrives (never kept whole) and counted on `errors`.
//
// wss:// is WebSocket over TLS (OpenSSL through Boost.Asio): the server's certificate must chain
// to the system's trusted CAs, or to the certificates in `ca_file` (for a private CA or a
// self-signed server), and must name the host of the url (a DNS name or an IP address). There is
// no switch to skip the check: a failed check keeps the node "connecting" with the reason.
//
// Threading: the client runs asynchronously on its own network thread; stop() stops that loop
// wherever it is (connecting, waiting to retry, reading) and joins it, so it never waits on the
// server.
#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <chrono>
#include <memory>

#include "engine/graph/node_registry.h"
#include "nodes/common/line_reader.h"
#include "nodes/connectors/net_common.h"
#include "nodes/connectors/push_source.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

constexpr std::chrono::seconds kFirstRetry{1};
constexpr std::chrono::seconds kMaxRetry{30};
constexpr std::chrono::seconds kConnectTimeout{10};
constexpr size_t kReadChunk = 64 * 1024;

struct WsUrl {
    std::string host, port, path;
    bool tls = false;  // wss://
};

Result<WsUrl> parseWsUrl(const std::string& url) {
    using R = Result<WsUrl>;
    WsUrl u;
    u.tls = url.rfind("wss://", 0) == 0;
    if (!u.tls && url.rfind("ws://", 0) != 0)
        return R::error("`url` `" + url +
                        "` must start with ws:// or wss://, as in ws://127.0.0.1:8080/feed or "
                        "wss://example.com/feed");
    const std::string defaultPort = u.tls ? "443" : "80";
    std::string_view rest = std::string_view(url).substr(u.tls ? 6 : 5);
    const size_t slash = rest.find('/');
    std::string_view hostPort = rest.substr(0, slash);
    u.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (!hostPort.empty() && hostPort.front() == '[') {  // [::1]:8080
        const size_t close = hostPort.find(']');
        if (close == std::string_view::npos)
            return R::error("`url` `" + url + "`: the IPv6 address is not closed by ]");
        u.host = std::string(hostPort.substr(1, close - 1));
        hostPort = hostPort.substr(close + 1);
        if (!hostPort.empty() && hostPort.front() != ':')
            return R::error("`url` `" + url + "`: expected :port after ]");
        u.port = hostPort.empty() ? defaultPort : std::string(hostPort.substr(1));
    } else {
        const size_t colon = hostPort.rfind(':');
        u.host = std::string(hostPort.substr(0, colon));
        u.port =
            colon == std::string_view::npos ? defaultPort : std::string(hostPort.substr(colon + 1));
    }
    if (u.host.empty())
        return R::error("`url` `" + url + "` has no host, as in ws://127.0.0.1:8080/feed");
    if (u.port.empty() || u.port.size() > 5 ||
        !std::all_of(u.port.begin(), u.port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(u.port) < 1 || std::stoi(u.port) > 65535)
        return R::error("`url` `" + url + "`: the port must be a number from 1 to 65535");
    return R(u);
}

class WebSocketTransport : public PushTransport {
public:
    explicit WebSocketTransport(const OperatorContext& ctx)
        : m_url(ctx.config.getString("url")),
          m_caFile(ctx.config.getPath("ca_file")),
          m_maxBytes(static_cast<size_t>(ctx.config.getInt("max_message_bytes"))),
          m_resolver(m_net.io()),
          m_timer(m_net.io()) {}
    ~WebSocketTransport() override { stop(); }

    Status start(MessageQueue& queue, NodeMetrics& metrics) override {
        auto url = parseWsUrl(m_url);
        if (!url) return Status::error(url.message());
        m_parts = url.value();
        if (m_parts.tls) {
            if (Status s = setUpTls(); !s) return s;
        }
        m_queue = &queue;
        m_metrics = &metrics;
        m_metrics->setLink(LinkState::Connecting, "connecting to " + m_url);
        asio::post(m_net.io(), [this] { connect(); });
        m_net.start([this](const std::string& e) { reportError({}, e); });
        return Status::ok();
    }

    void stop() override {
        m_net.stop();
        m_plain.reset();
        m_tls.reset();
    }

private:
    using PlainStream = websocket::stream<beast::tcp_stream>;
    using TlsStream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

    // Trusted CAs: the system's, or those in `ca_file`; the peer must present a valid chain.
    Status setUpTls() {
        boost::system::error_code ec;
        m_ssl.set_verify_mode(asio::ssl::verify_peer, ec);
        if (m_caFile.empty()) {
            m_ssl.set_default_verify_paths(ec);
            if (ec)
                return Status::error("cannot load the system's trusted certificates: " +
                                     netErrorText(ec));
        } else {
            m_ssl.load_verify_file(m_caFile, ec);
            if (ec)
                return Status::error("`ca_file` `" + m_caFile +
                                     "`: cannot read certificates from it (" + netErrorText(ec) +
                                     "); it must hold PEM certificates");
        }
        return Status::ok();
    }

    beast::tcp_stream& tcpLayer() {
        return m_parts.tls ? beast::get_lowest_layer(*m_tls) : beast::get_lowest_layer(*m_plain);
    }

    void connect() {
        if (m_parts.tls)
            m_tls = std::make_unique<TlsStream>(m_net.io(), m_ssl);
        else
            m_plain = std::make_unique<PlainStream>(m_net.io());
        m_resolver.async_resolve(
            m_parts.host, m_parts.port,
            [this](const boost::system::error_code& ec, tcp::resolver::results_type results) {
                if (ec == asio::error::operation_aborted) return;
                if (ec) return retry("cannot resolve " + m_parts.host + ": " + netErrorText(ec));
                tcpLayer().expires_after(kConnectTimeout);
                tcpLayer().async_connect(
                    results, [this](const boost::system::error_code& ec2, const tcp::endpoint&) {
                        if (ec2 == asio::error::operation_aborted) return;
                        if (ec2)
                            return retry("cannot connect to " + m_url + ": " + netErrorText(ec2));
                        if (m_parts.tls)
                            tlsHandshake();
                        else
                            handshake(*m_plain);
                    });
            });
    }

    void tlsHandshake() {
        auto& ssl = m_tls->next_layer();
        boost::system::error_code notIp;
        asio::ip::make_address(m_parts.host, notIp);
        // SNI names the host (never an IP address), so that a shared server picks its certificate.
        if (notIp) SSL_set_tlsext_host_name(ssl.native_handle(), m_parts.host.c_str());
        ssl.set_verify_callback(asio::ssl::host_name_verification(m_parts.host));
        tcpLayer().expires_after(kConnectTimeout);
        ssl.async_handshake(asio::ssl::stream_base::client,
                            [this](const boost::system::error_code& ec) {
                                if (ec == asio::error::operation_aborted) return;
                                if (ec)
                                    return retry("the TLS handshake with " + m_url +
                                                 " failed: " + netErrorText(ec));
                                handshake(*m_tls);
                            });
    }

    template <typename Stream>
    void handshake(Stream& ws) {
        tcpLayer().expires_never();
        websocket::stream_base::timeout timeouts =
            websocket::stream_base::timeout::suggested(beast::role_type::client);
        timeouts.handshake_timeout = kConnectTimeout;
        // A server that vanishes without closing (a pulled cable) is noticed by pings.
        timeouts.idle_timeout = std::chrono::seconds(20);
        timeouts.keep_alive_pings = true;
        ws.set_option(timeouts);
        ws.read_message_max(0);  // no limit here: over-long messages are skipped while they arrive
        ws.async_handshake(m_parts.host + ":" + m_parts.port, m_parts.path,
                           [this, &ws](const boost::system::error_code& ec) {
                               if (ec == asio::error::operation_aborted) return;
                               if (ec)
                                   return retry("the WebSocket handshake with " + m_url +
                                                " failed: " + netErrorText(ec));
                               m_connected = true;
                               m_backoff = kFirstRetry;
                               m_metrics->setLink(LinkState::Connected, "connected to " + m_url);
                               read(ws);
                           });
    }

    template <typename Stream>
    void read(Stream& ws) {
        ws.async_read_some(
            m_buffer, kReadChunk, [this, &ws](const boost::system::error_code& ec, size_t) {
                if (ec == asio::error::operation_aborted) return;
                if (ec) {
                    m_buffer.consume(m_buffer.size());
                    m_skipping = false;
                    if (ec == websocket::error::closed)
                        return lost("the server closed the connection");
                    return lost(netErrorText(ec));
                }
                if (m_skipping) {
                    m_buffer.consume(m_buffer.size());
                } else if (m_buffer.size() > m_maxBytes) {
                    const auto data = m_buffer.cdata();
                    reportError(std::string_view(static_cast<const char*>(data.data()),
                                                 std::min<size_t>(data.size(), 1024)),
                                "a message longer than `max_message_bytes` (" +
                                    formatByteSize(m_maxBytes) + ") from " + m_url +
                                    " was skipped");
                    m_skipping = true;
                    m_buffer.consume(m_buffer.size());
                }
                if (ws.is_message_done()) {
                    if (!m_skipping && m_buffer.size() > 0) {
                        const auto data = m_buffer.cdata();
                        m_block.add(
                            std::string_view(static_cast<const char*>(data.data()), data.size()),
                            MessageMeta{}, wallClockUs());
                        handOver(*m_queue, m_block);
                    }
                    m_buffer.consume(m_buffer.size());
                    m_skipping = false;
                }
                read(ws);
            });
    }

    void lost(const std::string& why) {
        m_connected = false;
        // The link says "connecting" before the loss is counted, so a reader that sees the
        // count sees the state too.
        retry("connection to " + m_url + " lost: " + why);
        m_metrics->add(m_metrics->reconnects, 1);
    }

    void retry(const std::string& why) {
        boost::system::error_code ignored;
        tcpLayer().socket().close(ignored);
        const auto wait = m_backoff;
        m_backoff = std::min(kMaxRetry, m_backoff * 2);
        m_metrics->setLink(LinkState::Connecting,
                           why + ", retrying in " + std::to_string(wait.count()) + " s");
        m_timer.expires_after(wait);
        m_timer.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            connect();
        });
    }

    // Declared first: destroyed last, after every socket and timer that uses its io_context.
    NetThread m_net;
    const std::string m_url;
    const std::string m_caFile;
    const size_t m_maxBytes;
    WsUrl m_parts;
    MessageQueue* m_queue = nullptr;
    NodeMetrics* m_metrics = nullptr;
    tcp::resolver m_resolver;
    asio::steady_timer m_timer;
    asio::ssl::context m_ssl{asio::ssl::context::tls_client};  // wss:// only
    std::unique_ptr<PlainStream> m_plain;                      // ws://
    std::unique_ptr<TlsStream> m_tls;                          // wss://
    beast::flat_buffer m_buffer;
    bool m_skipping = false;
    bool m_connected = false;
    std::chrono::seconds m_backoff = kFirstRetry;
    MessageBlock m_block;
};

}  // namespace

void registerWebSocketSource(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "source.websocket";
    spec.displayName = "WebSocket source";
    spec.category = "source";
    spec.description =
        "Connects to a WebSocket server (ws:// or wss:// over TLS) and reads its messages, one "
        "event per message; "
        "reconnects when the server goes away.";
    spec.outputs = {{"out", "One event per message", false}};
    spec.params.push_back(
        param("url", ParamType::String,
              "The server's address, as in ws://127.0.0.1:8080/feed or wss://example.com/feed")
            .byDefault("")
            .mandatory()
            .inGroup("WebSocket")
            .as(ParamRole::ConnectsTo));
    spec.params.push_back(
        param("ca_file", ParamType::Path,
              "wss:// only: PEM certificates to trust instead of the system's (a private CA or "
              "a self-signed server); relative to the project's folder")
            .byDefault("")
            .inGroup("WebSocket")
            .as(ParamRole::ReadsFile));
    for (auto& p : messageFormatParams("WebSocket")) spec.params.push_back(std::move(p));
    for (auto& p : overloadParams("WebSocket")) spec.params.push_back(std::move(p));
    for (auto& p : sourceTimeParams("2s")) spec.params.push_back(std::move(p));
    spec.schemaRule = [](const NodeConfig& config,
                         const SchemaInputs&) -> Result<std::vector<SchemaPtr>> {
        auto url = parseWsUrl(config.getString("url"));
        if (!url && !config.getString("url").empty())
            return Result<std::vector<SchemaPtr>>::error(url.message());
        return messageSourceSchema(config, {});
    };
    spec.createSource = [](const OperatorContext& ctx) {
        return std::make_unique<PushSource>(ctx, std::vector<MetaField>{},
                                            std::make_unique<WebSocketTransport>(ctx));
    };
    spec.noFlinkExport = "Flink SQL has no WebSocket connector";
    registry.add(std::move(spec));
}

}  // namespace riffle
