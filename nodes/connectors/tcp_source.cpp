// source.tcp: listens on a TCP port and reads newline-delimited messages (JSON, CSV or raw
// lines) from any number of clients at once (docs/connectors.md).
//
// One io_context on one network thread accepts and reads every connection asynchronously; each
// read's complete lines go into one MessageBlock (many lines, one allocation) handed to the
// source's queue, so the hot path costs no allocation per line. Limits, each counted on `errors`
// when it bites: `max_connections` (a client beyond it is closed at once) and `max_message_bytes`
// (a longer line is skipped up to its newline without being kept). With overload `block` a full
// queue stops the reading, and TCP slows the senders down.
//
// Threading: the transport's sockets belong to its network thread; the queue and the node's
// metrics are the only things it shares with the worker that polls.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>

#include <memory>
#include <unordered_set>

#include "engine/graph/node_registry.h"
#include "nodes/common/line_reader.h"
#include "nodes/connectors/net_common.h"
#include "nodes/connectors/push_source.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Hand a block over once it holds this many messages even within one read.
constexpr size_t kBlockMessages = 8192;

class TcpTransport : public PushTransport {
public:
    explicit TcpTransport(const OperatorContext& ctx)
        : m_label(ctx.nodeLabel),
          m_bindText(ctx.config.getString("bind")),
          m_port(static_cast<unsigned short>(ctx.config.getInt("port"))),
          m_maxConnections(static_cast<size_t>(ctx.config.getInt("max_connections"))),
          m_maxLineBytes(static_cast<size_t>(ctx.config.getInt("max_message_bytes"))) {}
    ~TcpTransport() override { stop(); }

    Status start(MessageQueue& queue, NodeMetrics& metrics) override {
        m_queue = &queue;
        m_metrics = &metrics;
        auto address = parseBindAddress(m_bindText);
        if (!address) return Status::error(address.message());
        m_where = endpointText(address.value(), m_port);
        const tcp::endpoint endpoint(address.value(), m_port);
        m_acceptor = std::make_unique<tcp::acceptor>(m_net.io());
        boost::system::error_code ec;
        if (!ec) m_acceptor->open(endpoint.protocol(), ec);
        // A restarted run can listen again at once, while old connections are in TIME_WAIT; two
        // listeners on one port are still refused.
        if (!ec) m_acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) m_acceptor->bind(endpoint, ec);
        if (!ec) m_acceptor->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            std::string hint;
            if (ec == asio::error::address_in_use)
                hint = " (another program, or another run, uses this port; choose another `port`)";
            if (ec == asio::error::access_denied)
                hint = " (ports below 1024 need administrator rights; choose another `port`)";
            return Status::error("cannot listen on " + m_where + ": " + netErrorText(ec) + hint);
        }
        updateLink();
        accept();
        m_net.start([this](const std::string& e) { reportError({}, e); });
        return Status::ok();
    }

    void stop() override {
        m_net.stop();
        m_connections.clear();
        m_acceptor.reset();
    }

private:
    struct Connection {
        Connection(tcp::socket s, std::string p, size_t maxLine)
            : socket(std::move(s)), peer(std::move(p)), lines(maxLine) {}
        tcp::socket socket;
        std::string peer;
        LineCutter lines;
    };

    void updateLink() {
        const size_t n = m_connections.size();
        m_metrics->setLink(LinkState::Connected, "listening on " + m_where + ", " +
                                                     std::to_string(n) +
                                                     (n == 1 ? " client" : " clients"));
    }

    void accept() {
        m_acceptor->async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted) return;
            if (!ec)
                onAccepted(std::move(socket));
            else
                reportError({},
                            "cannot accept a connection on " + m_where + ": " + netErrorText(ec));
            accept();
        });
    }

    void onAccepted(tcp::socket socket) {
        boost::system::error_code ec;
        const tcp::endpoint remote = socket.remote_endpoint(ec);
        const std::string peer =
            ec ? std::string("an unknown peer") : endpointText(remote.address(), remote.port());
        if (m_connections.size() >= m_maxConnections) {
            socket.close(ec);
            reportError({}, "connection from " + peer + " refused: more than " +
                                std::to_string(m_maxConnections) +
                                " connections (`max_connections`)");
            return;
        }
        auto c = std::make_shared<Connection>(std::move(socket), peer, m_maxLineBytes);
        m_connections.insert(c);
        updateLink();
        read(c);
    }

    void read(const std::shared_ptr<Connection>& c) {
        char* into = c->lines.writePtr();
        c->socket.async_read_some(asio::buffer(into, c->lines.writeSpace()),
                                  [this, c](const boost::system::error_code& ec, size_t n) {
                                      if (ec == asio::error::operation_aborted) return;
                                      if (n > 0) onData(*c, n);
                                      if (ec) {
                                          onClosed(c, ec);
                                          return;
                                      }
                                      read(c);
                                  });
    }

    void onData(Connection& c, size_t n) {
        MessageMeta meta;
        meta.peer = c.peer;
        const TimeUs now = wallClockUs();
        c.lines.consume(
            n,
            [&](std::string_view line) {
                m_block.add(line, meta, now);
                if (m_block.size() >= kBlockMessages) handOver(*m_queue, m_block);
            },
            [&](std::string_view start) { tooLong(c, start); });
        handOver(*m_queue, m_block);
    }

    void onClosed(const std::shared_ptr<Connection>& c, const boost::system::error_code& ec) {
        MessageMeta meta;
        meta.peer = c->peer;
        const TimeUs now = wallClockUs();
        c->lines.finish([&](std::string_view line) { m_block.add(line, meta, now); },
                        [&](std::string_view start) { tooLong(*c, start); });
        handOver(*m_queue, m_block);
        if (ec != asio::error::eof && ec != asio::error::connection_reset)
            reportError({}, "connection from " + c->peer + " failed: " + netErrorText(ec));
        boost::system::error_code ignored;
        c->socket.close(ignored);
        m_connections.erase(c);
        updateLink();
    }

    void tooLong(const Connection& c, std::string_view start) {
        reportError(start, "a line longer than `max_message_bytes` (" +
                               formatByteSize(m_maxLineBytes) + ") from " + c.peer +
                               " was skipped");
    }

    const std::string m_label;
    const std::string m_bindText;
    const unsigned short m_port;
    const size_t m_maxConnections;
    const size_t m_maxLineBytes;
    std::string m_where;  // "127.0.0.1:9000"
    MessageQueue* m_queue = nullptr;
    NodeMetrics* m_metrics = nullptr;
    NetThread m_net;
    std::unique_ptr<tcp::acceptor> m_acceptor;
    std::unordered_set<std::shared_ptr<Connection>> m_connections;
    MessageBlock m_block;  // network thread only
};

}  // namespace

void registerTcpSource(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "source.tcp";
    spec.displayName = "TCP source";
    spec.category = "source";
    spec.description =
        "Listens on a TCP port for newline-delimited JSON, CSV or raw lines from any number of "
        "clients; the "
        "sender's address is the `peer` field.";
    spec.outputs = {{"out", "One event per line", false}};
    for (auto& p : listenParams("TCP")) spec.params.push_back(std::move(p));
    spec.params.push_back(param("max_connections", ParamType::Int,
                                "Clients connected at once; a client beyond it is closed and "
                                "counted on `errors`")
                              .byDefault(64)
                              .inUnit("connections")
                              .range(1, 100000)
                              .inGroup("TCP"));
    for (auto& p : messageFormatParams("TCP")) spec.params.push_back(std::move(p));
    for (auto& p : overloadParams("TCP")) spec.params.push_back(std::move(p));
    for (auto& p : sourceTimeParams("2s")) spec.params.push_back(std::move(p));
    spec.schemaRule = [](const NodeConfig& config, const SchemaInputs&) {
        return messageSourceSchema(config, {MetaField::Peer});
    };
    spec.createSource = [](const OperatorContext& ctx) {
        return std::make_unique<PushSource>(ctx, std::vector<MetaField>{MetaField::Peer},
                                            std::make_unique<TcpTransport>(ctx));
    };
    spec.noFlinkExport = "Flink SQL has no TCP source connector";
    registry.add(std::move(spec));
}

}  // namespace riffle
