// source.udp: receives datagrams on a UDP port; each holds one or more newline-delimited messages
// (JSON, CSV or raw lines), as syslog-style and metrics senders write them (docs/connectors.md).
//
// One network thread receives asynchronously and hands the lines over in blocks: a block goes
// to the queue when no further datagram is waiting or when it is full, so a burst costs one lock
// per block. UDP has no back-pressure: what the kernel drops before Riffle reads it cannot be
// counted; what the queue drops under `overload` is.
//
// Threading: the socket belongs to the network thread; it shares only the queue and the metrics.
#include <boost/asio/ip/udp.hpp>

#include <memory>

#include "engine/graph/node_registry.h"
#include "nodes/common/line_reader.h"
#include "nodes/connectors/net_common.h"
#include "nodes/connectors/push_source.h"
#include "nodes/register_builtin_nodes.h"

namespace riffle {

namespace {

namespace asio = boost::asio;
using asio::ip::udp;

constexpr size_t kMaxDatagram = 65536;  // larger than any UDP payload
constexpr size_t kBlockMessages = 8192;

class UdpTransport : public PushTransport {
public:
    explicit UdpTransport(const OperatorContext& ctx)
        : m_bindText(ctx.config.getString("bind")),
          m_port(static_cast<unsigned short>(ctx.config.getInt("port"))),
          m_maxBytes(static_cast<size_t>(ctx.config.getInt("max_message_bytes"))),
          m_buffer(kMaxDatagram) {}
    ~UdpTransport() override { stop(); }

    Status start(MessageQueue& queue, NodeMetrics& metrics) override {
        m_queue = &queue;
        auto address = parseBindAddress(m_bindText);
        if (!address) return Status::error(address.message());
        m_where = endpointText(address.value(), m_port);
        const udp::endpoint endpoint(address.value(), m_port);
        m_socket = std::make_unique<udp::socket>(m_net.io());
        boost::system::error_code ec;
        m_socket->open(endpoint.protocol(), ec);
        if (!ec) m_socket->bind(endpoint, ec);
        if (ec) {
            std::string hint;
            if (ec == asio::error::address_in_use)
                hint = " (another program, or another run, uses this port; choose another `port`)";
            return Status::error("cannot listen on " + m_where + " (UDP): " + netErrorText(ec) +
                                 hint);
        }
        // A bigger kernel buffer rides out a burst while the thread hands a block over.
        m_socket->set_option(asio::socket_base::receive_buffer_size(4 * 1024 * 1024), ec);
        metrics.setLink(LinkState::Connected, "listening on " + m_where + " (UDP)");
        receive();
        m_net.start([this](const std::string& e) { reportError({}, e); });
        return Status::ok();
    }

    void stop() override {
        m_net.stop();
        m_socket.reset();
    }

private:
    void receive() {
        m_socket->async_receive_from(
            asio::buffer(m_buffer), m_sender,
            [this](const boost::system::error_code& ec, size_t n) {
                if (ec == asio::error::operation_aborted) return;
                if (ec)
                    reportError({}, "receiving on " + m_where + " failed: " + netErrorText(ec));
                else
                    onDatagram(n);
                receive();
            });
    }

    void onDatagram(size_t n) {
        const std::string peer = endpointText(m_sender.address(), m_sender.port());
        MessageMeta meta;
        meta.peer = peer;
        const TimeUs now = wallClockUs();
        std::string_view rest(m_buffer.data(), n);
        while (!rest.empty()) {
            const size_t nl = rest.find('\n');
            std::string_view line = rest.substr(0, nl);
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (line.empty()) continue;
            if (line.size() > m_maxBytes) {
                reportError(line, "a message longer than `max_message_bytes` (" +
                                      formatByteSize(m_maxBytes) + ") from " + peer +
                                      " was skipped");
                continue;
            }
            m_block.add(line, meta, now);
        }
        boost::system::error_code ec;
        if (m_block.size() >= kBlockMessages || m_socket->available(ec) == 0 || ec)
            handOver(*m_queue, m_block);
    }

    const std::string m_bindText;
    const unsigned short m_port;
    const size_t m_maxBytes;
    std::string m_where;
    MessageQueue* m_queue = nullptr;
    NetThread m_net;
    std::unique_ptr<udp::socket> m_socket;
    udp::endpoint m_sender;
    std::vector<char> m_buffer;
    MessageBlock m_block;  // network thread only
};

}  // namespace

void registerUdpSource(NodeRegistry& registry) {
    NodeSpec spec;
    spec.typeId = "source.udp";
    spec.displayName = "UDP source";
    spec.category = "source";
    spec.description =
        "Receives datagrams on a UDP port, each holding one or more newline-delimited JSON, CSV or "
        "raw lines; the "
        "sender's address is the `peer` field.";
    spec.outputs = {{"out", "One event per line", false}};
    for (auto& p : listenParams("UDP")) spec.params.push_back(std::move(p));
    for (auto& p : messageFormatParams("UDP")) spec.params.push_back(std::move(p));
    for (auto& p : overloadParams("UDP")) spec.params.push_back(std::move(p));
    for (auto& p : sourceTimeParams("2s")) spec.params.push_back(std::move(p));
    spec.schemaRule = [](const NodeConfig& config, const SchemaInputs&) {
        return messageSourceSchema(config, {MetaField::Peer});
    };
    spec.createSource = [](const OperatorContext& ctx) {
        return std::make_unique<PushSource>(ctx, std::vector<MetaField>{MetaField::Peer},
                                            std::make_unique<UdpTransport>(ctx));
    };
    spec.noFlinkExport = "Flink SQL has no UDP connector";
    registry.add(std::move(spec));
}

}  // namespace riffle
