// source.tcp, source.udp and source.websocket against real peers on loopback: clients written
// with Boost.Asio and a small Boost.Beast WebSocket server run by the test, the sources inside a
// real Executor, checked by every event id that reaches a recording sink and by the exact rows on
// the `errors` port.
#include <QtTest/QtTest>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "engine/graph/graph_validator.h"
#include "engine/graph/node_registry.h"
#include "engine/graph/project.h"
#include "engine/runtime/executor.h"
#include "nodes/connectors/schema_sampling.h"
#include "nodes/register_builtin_nodes.h"
#include "test_tls.h"
#include "tests/common/json_line_sender.h"

using namespace riffle;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

using Row = std::map<std::string, std::string>;

// Rows received by each `test.collect` sink, by node id; a sink may be held shut.
struct World {
    std::mutex mutex;
    std::map<std::string, std::vector<Row>> rows;
    std::atomic<bool> gateOpen{true};
    size_t count(const std::string& id) {
        std::lock_guard lock(mutex);
        return rows[id].size();
    }
    std::vector<Row> get(const std::string& id) {
        std::lock_guard lock(mutex);
        return rows[id];
    }
};

class CollectSink : public Operator {
public:
    CollectSink(World& w, std::string id) : m_world(w), m_id(std::move(id)) {}
    void process(int, const Batch& in, Emitter&) override {
        while (!m_world.gateOpen.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        std::lock_guard lock(m_world.mutex);
        auto& out = m_world.rows[m_id];
        for (size_t r = 0; r < in.rows(); ++r) {
            Row row;
            for (size_t c = 0; c < in.schema().size(); ++c) {
                const Value v = in.get(r, c);
                row[in.schema().field(c).name] = v.isNull() ? "NULL" : v.toString();
            }
            out.push_back(std::move(row));
        }
    }

private:
    World& m_world;
    std::string m_id;
};

unsigned short freePort(bool udpPort = false) {
    asio::io_context io;
    if (udpPort) {
        udp::socket s(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        return s.local_endpoint().port();
    }
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

// Waits (processing nothing else) until `done` holds or `timeoutMs` passed; only a guard
// against hangs, never a measure.
bool waitUntil(const std::function<bool()>& done, int timeoutMs = 30000) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

struct Pipeline {
    NodeRegistry registry;
    World world;
    std::unique_ptr<Executor> exec;

    Pipeline() {
        registerBuiltinNodes(registry);
        NodeSpec sink;
        sink.typeId = "test.collect";
        sink.displayName = "Collect";
        sink.category = "sink";
        sink.description = "Records what it receives.";
        sink.inputs = {{"in", "events", false}};
        sink.isSink = true;
        sink.createOperator = [this](const OperatorContext& ctx) {
            return std::make_unique<CollectSink>(world, ctx.config.id());
        };
        registry.add(std::move(sink));
    }
    ~Pipeline() {
        if (exec) {
            exec->requestStop();
            exec->waitFor(20000);
        }
    }
    // source `in` -> `out`, its errors -> `err`. "" or why it did not start.
    std::string start(const std::string& type, Json params, ExecutorOptions options = {}) {
        Project p;
        p.name = "net";
        NodeDef src;
        src.id = "in";
        src.type = type;
        src.params = std::move(params);
        NodeDef out;
        out.id = "out";
        out.type = "test.collect";
        NodeDef err;
        err.id = "err";
        err.type = "test.collect";
        p.nodes = {src, out, err};
        EdgeDef e1;
        e1.fromNode = "in";
        e1.fromPort = "out";
        e1.toNode = "out";
        e1.toPort = "in";
        EdgeDef e2 = e1;
        e2.fromPort = "errors";
        e2.toNode = "err";
        p.edges = {e1, e2};
        ValidatedGraph g = validateProject(p, registry);
        if (!g.ok()) return g.problems.front().message;
        if (options.threads == 0) options.threads = 2;
        auto created = Executor::create(g, options);
        if (!created) return created.message();
        // A run that failed to start has nothing to stop.
        if (Status s = created.value()->start(); !s) return s.message();
        exec = std::move(created.value());
        return {};
    }
    const NodeMetrics& metrics(const std::string& id = "in") {
        for (const auto& n : exec->nodes())
            if (n.id == id) return *n.metrics;
        qFatal("no node %s", id.c_str());
    }
    int64_t errors() { return NodeMetrics::get(metrics().errors); }
    std::vector<std::string> errorTexts() {
        std::vector<std::string> out;
        for (const Row& r : world.get("err")) out.push_back(r.at("error"));
        return out;
    }
    // Stops the run and says whether it ended in time.
    bool stop() {
        exec->requestStop();
        const bool ok = exec->waitFor(20000);
        if (ok) exec.reset();
        return ok;
    }
};

Json tcpParams(unsigned short port, Json extra = Json::object()) {
    Json p = {{"port", port}, {"schema", {"id int", "name string"}}};
    for (auto& [k, v] : extra.items()) p[k] = v;
    return p;
}

// A blocking client connection; connects at once (the source listens once start() returned).
struct Client {
    asio::io_context io;
    tcp::socket socket{io};
    explicit Client(unsigned short port) {
        socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    }
    void send(const std::string& bytes) { asio::write(socket, asio::buffer(bytes)); }
    std::string localPeer() const {
        return "127.0.0.1:" + std::to_string(socket.local_endpoint().port());
    }
    // True once the server closed the connection.
    bool closedByServer() {
        char c;
        boost::system::error_code ec;
        socket.read_some(asio::buffer(&c, 1), ec);
        return ec == asio::error::eof || ec == asio::error::connection_reset;
    }
};

// A WebSocket server on one loopback port, one client at a time, run on its own thread; send()
// writes text frames to the connected client. stop() drops everything as a crash would. With Tls
// it speaks wss:// with the certificate and key given to useCertificate().
template <bool Tls>
class BasicWsServer {
    using Stream = std::conditional_t<Tls, websocket::stream<beast::ssl_stream<tcp::socket>>,
                                      websocket::stream<tcp::socket>>;

public:
    explicit BasicWsServer(unsigned short port) : m_port(port) {}
    ~BasicWsServer() { stop(); }
    void useCertificate(const QString& certPem, const QString& keyPem) {
        m_ssl.use_certificate_chain_file(certPem.toStdString());
        m_ssl.use_private_key_file(keyPem.toStdString(), asio::ssl::context::pem);
    }
    void start() {
        m_io = std::make_unique<asio::io_context>();
        m_acceptor = std::make_unique<tcp::acceptor>(*m_io);
        const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), m_port);
        m_acceptor->open(ep.protocol());
        m_acceptor->set_option(tcp::acceptor::reuse_address(true));
        m_acceptor->bind(ep);
        m_acceptor->listen();
        accept();
        m_thread = std::thread([this] { m_io->run(); });
    }
    bool hasClient() const { return m_clients.load() > 0; }
    int clientsSeen() const { return m_seen.load(); }
    void send(const std::vector<std::string>& frames) {
        std::atomic<bool> done{false};
        asio::post(*m_io, [&] {
            boost::system::error_code ec;
            for (const auto& f : frames)
                if (m_ws) m_ws->write(asio::buffer(f), ec);
            done = true;
        });
        waitUntil([&] { return done.load(); }, 10000);
    }
    void stop() {
        if (!m_io) return;
        m_io->stop();
        if (m_thread.joinable()) m_thread.join();
        // The listener goes first: once the client's connection drops it may reconnect at
        // once, and must find the port closed (it raced into the old listener's backlog).
        m_acceptor.reset();
        m_ws.reset();
        m_io.reset();
        m_clients = 0;
    }

private:
    void accept() {
        m_acceptor->async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
            if (ec) return;
            if constexpr (Tls) {
                m_ws = std::make_unique<Stream>(std::move(s), m_ssl);
                // A client that does not trust the certificate ends here.
                m_ws->next_layer().async_handshake(asio::ssl::stream_base::server,
                                                   [this](const boost::system::error_code& ec2) {
                                                       if (!ec2) acceptWebSocket();
                                                   });
            } else {
                m_ws = std::make_unique<Stream>(std::move(s));
                acceptWebSocket();
            }
            accept();
        });
    }
    void acceptWebSocket() {
        m_ws->async_accept([this](const boost::system::error_code& ec) {
            if (ec) return;
            ++m_clients;
            ++m_seen;
            readUntilClosed();
        });
    }
    void readUntilClosed() {
        m_ws->async_read(m_in, [this](const boost::system::error_code& ec, size_t) {
            m_in.consume(m_in.size());
            if (ec) {
                --m_clients;
                return;
            }
            readUntilClosed();
        });
    }
    unsigned short m_port;
    std::unique_ptr<asio::io_context> m_io;
    std::unique_ptr<tcp::acceptor> m_acceptor;
    asio::ssl::context m_ssl{asio::ssl::context::tls_server};
    std::unique_ptr<Stream> m_ws;
    beast::flat_buffer m_in;
    std::thread m_thread;
    std::atomic<int> m_clients{0}, m_seen{0};
};

using WsServer = BasicWsServer<false>;
using WssServer = BasicWsServer<true>;

std::vector<std::string> idFrames(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i)
        out.push_back(R"({"id":)" + std::to_string(i) + R"(,"name":"w"})");
    return out;
}

std::multiset<std::string> ids(const std::vector<Row>& rows) {
    std::multiset<std::string> out;
    for (const Row& r : rows) out.insert(r.at("id"));
    return out;
}

std::multiset<std::string> idRange(int from, int to) {
    std::multiset<std::string> out;
    for (int i = from; i < to; ++i) out.insert(std::to_string(i));
    return out;
}

}  // namespace

class TstNetSources : public QObject {
    Q_OBJECT
private slots:
    void tcpManyClientsEveryIdOnce();
    void tcpMaxConnectionsBitesAndIsCounted();
    void tcpMalformedCorpusCountedNothingElseLost();
    void tcpOverLongLineSkippedNextArrives();
    void tcpCsvWithQuotes();
    void tcpPortInUseFailsOpen();
    void tcpDropNewestCountsEveryDrop();
    void udpDatagramsArrive();
    void websocketReconnectsAfterServerRestart();
    void websocketServerDownStopsCleanly();
    void wssTrustsItsCaFileAndChecksTheHost();
    void wssUnreadableCaFileIsRefusedAtStart();
    void inferSchemaFromTheFirstMessages();
    void riffleRunInfersAnEmptySchemaAndRuns();
};

void TstNetSources::tcpManyClientsEveryIdOnce() {
    const unsigned short port = freePort();
    Pipeline p;
    QCOMPARE(QString::fromStdString(p.start("source.tcp", tcpParams(port))), QString());
    QCOMPARE(p.metrics().link(), LinkState::Connected);
    QCOMPARE(QString::fromStdString(p.metrics().linkReason()),
             QString("listening on 127.0.0.1:%1, 0 clients").arg(port));
    constexpr int kClients = 8, kLines = 1000;
    std::vector<std::thread> clients;
    std::mutex peersMutex;
    std::set<std::string> peers;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            Client client(port);
            {
                std::lock_guard lock(peersMutex);
                peers.insert(client.localPeer());
            }
            std::string text;
            for (int i = 0; i < kLines; ++i)
                text += R"({"id":)" + std::to_string(c * kLines + i) + R"(,"name":"c)" +
                        std::to_string(c) + "\"}\n";
            // In pieces that cut lines in the middle, as a network does.
            for (size_t at = 0; at < text.size(); at += 777) client.send(text.substr(at, 777));
        });
    }
    for (auto& t : clients) t.join();
    QVERIFY(waitUntil([&] { return p.world.count("out") >= kClients * kLines; }));
    const auto rows = p.world.get("out");
    QCOMPARE(ids(rows), idRange(0, kClients * kLines));
    std::set<std::string> seenPeers;
    for (const Row& r : rows) {
        seenPeers.insert(r.at("peer"));
        // Each client wrote its own name: the peer of a row is the client that sent it.
        const int c = std::stoi(r.at("id")) / kLines;
        QCOMPARE(r.at("name"), "c" + std::to_string(c));
    }
    QCOMPARE(seenPeers, peers);
    QCOMPARE(p.errors(), int64_t(0));
    QVERIFY(p.stop());
}

void TstNetSources::tcpMaxConnectionsBitesAndIsCounted() {
    const unsigned short port = freePort();
    Pipeline p;
    QCOMPARE(
        QString::fromStdString(p.start("source.tcp", tcpParams(port, {{"max_connections", 2}}))),
        QString());
    Client a(port), b(port);
    a.send("{\"id\":1}\n");
    b.send("{\"id\":2}\n");
    QVERIFY(waitUntil([&] { return p.world.count("out") == 2; }));
    QCOMPARE(QString::fromStdString(p.metrics().linkReason()),
             QString("listening on 127.0.0.1:%1, 2 clients").arg(port));
    Client c(port);
    const std::string refusedPeer = c.localPeer();
    QVERIFY(c.closedByServer());
    QVERIFY(waitUntil([&] { return p.world.count("err") == 1; }));
    QCOMPARE(p.errorTexts().front(), "connection from " + refusedPeer +
                                         " refused: more than 2 connections (`max_connections`)");
    QCOMPARE(p.errors(), int64_t(1));
    // The two accepted clients go on; once one leaves, a new one is accepted.
    a.send("{\"id\":3}\n");
    QVERIFY(waitUntil([&] { return p.world.count("out") == 3; }));
    b.socket.close();
    QVERIFY(waitUntil(
        [&] { return p.metrics().linkReason().find(", 1 client") != std::string::npos; }));
    Client d(port);
    d.send("{\"id\":4}\n");
    QVERIFY(waitUntil([&] { return p.world.count("out") == 4; }));
    QCOMPARE(ids(p.world.get("out")), idRange(1, 5));
    QCOMPARE(p.errors(), int64_t(1));
    QVERIFY(p.stop());
}

void TstNetSources::tcpMalformedCorpusCountedNothingElseLost() {
    const unsigned short port = freePort();
    Pipeline p;
    QCOMPARE(QString::fromStdString(p.start("source.tcp", tcpParams(port))), QString());
    Client client(port);
    const std::string peer = client.localPeer();
    std::string corpus;
    corpus += "{\"id\":1,\"name\":\"ok\"}\n";
    corpus += "{\"id\":2,\"name\":\"trunc\n";        // truncated JSON
    corpus += "{\"id\":3,\"name\":\"ok\"}\r\n";      // CRLF is fine
    corpus += "{\"id\":4,\"name\":\"\xff\xfe\"}\n";  // invalid UTF-8
    corpus += "\n\r\n\n";                            // empty lines: skipped, not errors
    corpus += "{\"id\":5,\"name\":\"" + std::string(10 * 1024 * 1024, 'x') + "\"}\n";  // 10 MB
    corpus += "{\"id\":6,\"name\":\"ok\"}\n";
    corpus += "{\"id\":\"seven\",\"name\":\"ok\"}\n";  // wrong type
    corpus += "[8]\n";                                 // not an object
    corpus += "{\"id\":9,\"extra\":[1,2]}\n";          // unknown field ignored, name NULL
    corpus += "{\"id\":10,\"name\":\"last, no newline\"}";
    client.send(corpus);
    client.socket.close();
    QVERIFY(waitUntil([&] { return p.world.count("out") >= 5 && p.world.count("err") >= 5; }));
    QVERIFY(waitUntil(
        [&] { return p.metrics().linkReason().find(", 0 clients") != std::string::npos; }));
    const auto rows = p.world.get("out");
    QCOMPARE(ids(rows), (std::multiset<std::string>{"1", "3", "6", "9", "10"}));
    for (const Row& r : rows) QCOMPARE(r.at("peer"), peer);
    QCOMPARE(rows.back().at("name"), std::string("last, no newline"));
    const auto errors = p.errorTexts();
    QCOMPARE(int(errors.size()), 5);
    QCOMPARE(p.errors(), int64_t(5));
    auto has = [&](const std::string& text) {
        return std::find(errors.begin(), errors.end(), text) != errors.end();
    };
    QVERIFY2(has("a line longer than `max_message_bytes` (1 MiB) from " + peer + " was skipped"),
             errors[0].c_str());
    int found = 0;
    for (const auto& e : errors) {
        if (e.find("not valid JSON") != std::string::npos) ++found;
        if (e.find("not valid UTF-8") != std::string::npos) ++found;
        if (e.find("field `id`: expected int, got `\"seven\"`") != std::string::npos) ++found;
        if (e.find("expected a JSON object, got an array") != std::string::npos) ++found;
    }
    QCOMPARE(found, 4);
    // The error row of the long line keeps only its start.
    for (const Row& r : p.world.get("err"))
        if (r.at("error").find("max_message_bytes") != std::string::npos)
            QCOMPARE(int(r.at("raw").size()), 1024);
    QVERIFY(p.stop());
}

void TstNetSources::tcpOverLongLineSkippedNextArrives() {
    const unsigned short port = freePort();
    Pipeline p;
    QCOMPARE(
        QString::fromStdString(p.start("source.tcp", tcpParams(port, {{"max_message_bytes", 64}}))),
        QString());
    Client client(port);
    const std::string peer = client.localPeer();
    const std::string longLine = "{\"id\":1,\"name\":\"" + std::string(100, 'y') + "\"}\n";
    // A whole over-long line in one read, then one arriving byte by byte.
    client.send(longLine + "{\"id\":2}\n");
    QVERIFY(waitUntil([&] { return p.world.count("out") == 1; }));
    for (char ch : longLine) client.send(std::string(1, ch));
    client.send("{\"id\":3}\n");
    QVERIFY(waitUntil([&] { return p.world.count("out") == 2 && p.world.count("err") == 2; }));
    QCOMPARE(ids(p.world.get("out")), idRange(2, 4));
    const std::string expected =
        "a line longer than `max_message_bytes` (64 bytes) from " + peer + " was skipped";
    QCOMPARE(p.errorTexts(), (std::vector<std::string>{expected, expected}));
    QVERIFY(p.stop());
}

void TstNetSources::tcpCsvWithQuotes() {
    const unsigned short port = freePort();
    Pipeline p;
    QCOMPARE(QString::fromStdString(p.start(
                 "source.tcp",
                 {{"port", port}, {"format", "csv"}, {"schema", {"name string", "n int"}}})),
             QString());
    Client client(port);
    client.send("\"Smith, J\",1\r\n\"say \"\"hi\"\"\",2\nplain,3\n\"open,4\n");
    QVERIFY(waitUntil([&] { return p.world.count("out") == 3 && p.world.count("err") == 1; }));
    const auto rows = p.world.get("out");
    QCOMPARE(rows[0].at("name"), std::string("Smith, J"));
    QCOMPARE(rows[0].at("n"), std::string("1"));
    QCOMPARE(rows[1].at("name"), std::string("say \"hi\""));
    QCOMPARE(rows[2].at("name"), std::string("plain"));
    QCOMPARE(p.errorTexts(), (std::vector<std::string>{"message 4: a quoted field is not closed"}));
    QVERIFY(p.stop());
}

void TstNetSources::tcpPortInUseFailsOpen() {
    asio::io_context io;
    tcp::acceptor busy(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const unsigned short port = busy.local_endpoint().port();
    Pipeline p;
    QCOMPARE(QString::fromStdString(p.start("source.tcp", tcpParams(port))),
             QString("source `in`: cannot listen on 127.0.0.1:%1: address already in use (another "
                     "program, or "
                     "another run, uses this port; choose another `port`)")
                 .arg(port));
    Pipeline q;
    QCOMPARE(QString::fromStdString(q.start("source.tcp", tcpParams(port, {{"bind", "nowhere"}}))),
             QString("source `in`: `bind` `nowhere` is not an IP address; use 127.0.0.1 (this "
                     "machine only) or "
                     "0.0.0.0 (every network interface)"));
}

void TstNetSources::tcpDropNewestCountsEveryDrop() {
    const unsigned short port = freePort();
    Pipeline p;
    p.world.gateOpen = false;  // the sink holds its first batch: everything behind it waits
    ExecutorOptions options;
    options.queueCapacity = 1;
    QCOMPARE(QString::fromStdString(p.start(
                 "source.tcp", tcpParams(port, {{"overload", "drop_newest"}, {"queue_size", 10}}),
                 options)),
             QString());
    constexpr int kLines = 200000;
    {
        Client client(port);
        std::string text;
        for (int i = 0; i < kLines; ++i) text += R"({"id":)" + std::to_string(i) + "}\n";
        client.send(text);
        QVERIFY(waitUntil(
            [&] { return p.metrics().linkReason().find(", 1 client") != std::string::npos; }));
    }
    // Every byte was read once the source has seen the client leave.
    QVERIFY(waitUntil(
        [&] { return p.metrics().linkReason().find(", 0 clients") != std::string::npos; }));
    const int64_t dropped = NodeMetrics::get(p.metrics().dropped);
    QVERIFY2(dropped > 0, "nothing was dropped: the test did not overload the source");
    p.world.gateOpen = true;
    QVERIFY(waitUntil([&] { return int64_t(p.world.count("out")) + dropped == kLines; }));
    // What arrived arrived once; drops never show up as errors.
    const auto got = ids(p.world.get("out"));
    QCOMPARE(std::set<std::string>(got.begin(), got.end()).size(), got.size());
    QCOMPARE(p.errors(), int64_t(0));
    QCOMPARE(NodeMetrics::get(p.metrics().dropped), dropped);
    QVERIFY(p.stop());
}

void TstNetSources::udpDatagramsArrive() {
    const unsigned short port = freePort(true);
    Pipeline p;
    QCOMPARE(QString::fromStdString(p.start("source.udp", tcpParams(port))), QString());
    QCOMPARE(QString::fromStdString(p.metrics().linkReason()),
             QString("listening on 127.0.0.1:%1 (UDP)").arg(port));
    asio::io_context io;
    udp::socket s(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const std::string peer = "127.0.0.1:" + std::to_string(s.local_endpoint().port());
    const udp::endpoint to(asio::ip::make_address("127.0.0.1"), port);
    s.send_to(asio::buffer(std::string("{\"id\":1,\"name\":\"a\"}")), to);
    s.send_to(asio::buffer(std::string("{\"id\":2}\n{\"id\":3}\r\n\n")), to);
    s.send_to(asio::buffer(std::string("{\"id\":oops}\n{\"id\":4}")), to);
    QVERIFY(waitUntil([&] { return p.world.count("out") == 4 && p.world.count("err") == 1; }));
    const auto rows = p.world.get("out");
    QCOMPARE(ids(rows), idRange(1, 5));
    for (const Row& r : rows) QCOMPARE(r.at("peer"), peer);
    QCOMPARE(p.errors(), int64_t(1));
    QVERIFY(p.stop());
}

void TstNetSources::websocketReconnectsAfterServerRestart() {
    const unsigned short port = freePort();
    const QString url = QString("ws://127.0.0.1:%1/feed").arg(port);
    Pipeline p;
    // The server is down at start: the node says so and keeps trying.
    QCOMPARE(QString::fromStdString(
                 p.start("source.websocket",
                         {{"url", url.toStdString()}, {"schema", {"id int", "name string"}}})),
             QString());
    QVERIFY(
        waitUntil([&] { return p.metrics().linkReason().find("retrying") != std::string::npos; }));
    QCOMPARE(p.metrics().link(), LinkState::Connecting);
    QCOMPARE(QString::fromStdString(p.metrics().linkReason()),
             QString("cannot connect to %1: connection refused, retrying in 1 s").arg(url));

    WsServer server(port);
    server.start();
    QVERIFY(waitUntil([&] { return server.hasClient(); }));
    QVERIFY(waitUntil([&] { return p.metrics().link() == LinkState::Connected; }));
    QCOMPARE(QString::fromStdString(p.metrics().linkReason()), "connected to " + url);
    server.send(idFrames(0, 50));
    QVERIFY(waitUntil([&] { return p.world.count("out") == 50; }));
    QCOMPARE(NodeMetrics::get(p.metrics().reconnects), int64_t(0));

    // The server goes away and comes back on the same port.
    server.stop();
    QVERIFY(waitUntil([&] { return NodeMetrics::get(p.metrics().reconnects) == 1; }));
    QVERIFY(waitUntil([&] { return p.metrics().link() == LinkState::Connecting; }));
    QVERIFY2(
        p.metrics().linkReason().rfind("connection to " + url.toStdString() + " lost: ", 0) == 0,
        p.metrics().linkReason().c_str());
    server.start();
    QVERIFY(waitUntil([&] { return server.hasClient(); }));
    server.send(idFrames(50, 100));
    QVERIFY(waitUntil([&] { return p.world.count("out") == 100; }));
    QCOMPARE(ids(p.world.get("out")), idRange(0, 100));
    QCOMPARE(NodeMetrics::get(p.metrics().reconnects), int64_t(1));
    QCOMPARE(p.errors(), int64_t(0));
    QVERIFY(p.stop());
}

void TstNetSources::websocketServerDownStopsCleanly() {
    const unsigned short port = freePort();
    Pipeline p;
    QCOMPARE(QString::fromStdString(p.start(
                 "source.websocket",
                 {{"url", "ws://127.0.0.1:" + std::to_string(port) + "/"}, {"format", "raw"}})),
             QString());
    QVERIFY(
        waitUntil([&] { return p.metrics().linkReason().find("retrying") != std::string::npos; }));
    QVERIFY(p.stop());  // within the guard time, while the source waits to retry
    QCOMPARE(p.world.count("out"), size_t(0));
}

void TstNetSources::wssTrustsItsCaFileAndChecksTheHost() {
    // A wss:// server with a self-signed certificate for 127.0.0.1: refused with the system's CAs,
    // refused when the url names another host (localhost) even with the certificate trusted, and
    // read in full with `ca_file` and the right host.
    QTemporaryDir dir;
    QVERIFY2(makeTestCertificate(dir), "the openssl command could not make a test certificate");
    const unsigned short port = freePort();
    WssServer server(port);
    server.useCertificate(dir.filePath("cert.pem"), dir.filePath("key.pem"));
    server.start();
    const std::string url = "wss://127.0.0.1:" + std::to_string(port) + "/feed";
    const std::string verifyFailed = "failed: certificate verify failed";
    {
        Pipeline p;
        QCOMPARE(
            QString::fromStdString(p.start("source.websocket", {{"url", url}, {"format", "raw"}})),
            QString());
        QVERIFY(waitUntil(
            [&] { return p.metrics().linkReason().find("retrying") != std::string::npos; }));
        QVERIFY2(p.metrics().linkReason().rfind(
                     "the TLS handshake with " + url + " " + verifyFailed, 0) == 0,
                 p.metrics().linkReason().c_str());
        QCOMPARE(p.metrics().link(), LinkState::Connecting);
        QVERIFY(p.stop());
    }
    {
        Pipeline p;
        const std::string otherHost = "wss://localhost:" + std::to_string(port) + "/feed";
        QCOMPARE(QString::fromStdString(p.start(
                     "source.websocket", {{"url", otherHost},
                                          {"format", "raw"},
                                          {"ca_file", dir.filePath("cert.pem").toStdString()}})),
                 QString());
        QVERIFY(waitUntil(
            [&] { return p.metrics().linkReason().find("retrying") != std::string::npos; }));
        QVERIFY2(p.metrics().linkReason().find(verifyFailed) != std::string::npos,
                 p.metrics().linkReason().c_str());
        QVERIFY(p.stop());
    }
    QCOMPARE(server.clientsSeen(), 0);
    Pipeline p;
    QCOMPARE(QString::fromStdString(p.start("source.websocket",
                                            {{"url", url},
                                             {"schema", {"id int", "name string"}},
                                             {"ca_file", dir.filePath("cert.pem").toStdString()}})),
             QString());
    QVERIFY(waitUntil([&] { return server.hasClient(); }));
    QVERIFY(waitUntil([&] { return p.metrics().link() == LinkState::Connected; }));
    QCOMPARE(p.metrics().linkReason(), "connected to " + url);
    server.send(idFrames(0, 50));
    QVERIFY(waitUntil([&] { return p.world.count("out") == 50; }));
    QCOMPARE(ids(p.world.get("out")), idRange(0, 50));
    QCOMPARE(p.errors(), int64_t(0));
    QVERIFY(p.stop());
}

void TstNetSources::wssUnreadableCaFileIsRefusedAtStart() {
    Pipeline p;
    const QString why = QString::fromStdString(p.start(
        "source.websocket",
        {{"url", "wss://127.0.0.1:9/"}, {"format", "raw"}, {"ca_file", "/nonexistent/ca.pem"}}));
    QVERIFY2(
        why.startsWith(
            "source `in`: `ca_file` `/nonexistent/ca.pem`: cannot read certificates from it ("),
        qPrintable(why));
    QVERIFY2(why.endsWith("); it must hold PEM certificates"), qPrintable(why));
}

void TstNetSources::inferSchemaFromTheFirstMessages() {
    NodeRegistry registry;
    registerBuiltinNodes(registry);
    const unsigned short port = freePort();
    Json params = {{"port", port}};
    Result<SampledSchema> sampled = Result<SampledSchema>::error("not run");
    std::thread sampler([&] {
        sampled = inferMessageSchema(*registry.find("source.tcp"), "lines", params, {}, 4, 10000);
    });
    // The sampler listens once the source is open; connect when it does.
    std::unique_ptr<Client> client;
    for (int i = 0; i < 200 && !client; ++i) {
        try {
            client = std::make_unique<Client>(port);
        } catch (const std::exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    QVERIFY(client);
    // Key order of first appearance; int and float widen to float; a key that is null in one
    // message takes its type from another; `peer`, which the source adds, is left out.
    client->send("{\"id\": 1, \"page\": \"/a\", \"ms\": 3, \"ok\": true}\n");
    client->send("not json\n");
    client->send(
        "{\"id\": 2, \"page\": null, \"ms\": 2.5, \"at\": \"2026-11-24T10:00:00Z\", \"peer\": "
        "\"x\"}\n");
    client->send("{\"id\": 3, \"page\": \"/b\", \"tags\": [1, 2]}\n");
    sampler.join();
    QVERIFY2(sampled, sampled.message().c_str());
    QCOMPARE(sampled->messages, size_t(4));
    QCOMPARE(sampled->objects, size_t(3));
    QCOMPARE(
        Json(sampled->schema).dump(),
        Json({"id int", "page string", "ms float", "ok bool", "at time", "tags string"}).dump());

    // Nothing arrives: the reason says so.
    auto none = inferMessageSchema(*registry.find("source.tcp"), "lines",
                                   Json{{"port", freePort()}}, {}, 4, 300);
    QVERIFY(!none);
    QCOMPARE(none.message(), std::string("source `lines`: no message arrived within 300ms"));
    auto notMessages =
        inferMessageSchema(*registry.find("source.clickstream"), "c", Json::object(), {}, 4, 300);
    QCOMPARE(notMessages.message().rfind("source `c` is not a message source", 0), size_t(0));
}

void TstNetSources::riffleRunInfersAnEmptySchemaAndRuns() {
    // A JSON source with no `schema`: riffle-run reads its first messages, prints the schema
    // they suggest, puts it in (in memory; the file is not changed) and runs.
    QTemporaryDir dir;
    const unsigned short port = freePort();
    const QString project = dir.filePath("lines.riffle");
    const std::string text =
        linesProjectText(port, {{"type", "sink.file"}, {"params", {{"path", "out.jsonl"}}}});
    QFile f(project);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text.c_str());
    f.close();
    QProcess run;
    run.setWorkingDirectory(dir.path());
    run.start(RIFFLE_RUN_BIN, {"--for", "3s", project});
    QVERIFY(run.waitForStarted());
    {
        JsonLineSender sender(port);
        QVERIFY(run.waitForFinished(60000));
        QVERIFY(sender.sent() > 0);
    }
    const QString err = QString::fromUtf8(run.readAllStandardError());
    QVERIFY2(run.exitCode() == 0, qPrintable(err));
    QVERIFY2(err.contains(
                 "riffle-run: `lines` has no `schema`: reading its first messages (up to 15 s)"),
             qPrintable(err));
    QVERIFY2(err.contains(QRegularExpression(
                 "riffle-run: `lines`: inferred `schema` from \\d+ JSON messages: "
                 "\\[\"id int\",\"page string\",\"ms float\"\\]")),
             qPrintable(err));
    // The filter, type-checked against the inferred fields, ran on the messages of the run.
    QFile out(dir.filePath("out.jsonl"));
    QVERIFY(out.open(QIODevice::ReadOnly));
    const QList<QByteArray> rows = out.readAll().trimmed().split('\n');
    QVERIFY(rows.size() > 3);
    for (const QByteArray& row : rows) {
        const Json j = Json::parse(row.toStdString());
        QVERIFY(j["ms"].get<double>() > 3);
        QVERIFY(j["page"].is_string());
    }
    // The project file is as it was.
    QFile again(project);
    QVERIFY(again.open(QIODevice::ReadOnly));
    QCOMPARE(again.readAll().toStdString(), text);
}

QTEST_GUILESS_MAIN(TstNetSources)
#include "tst_net_sources.moc"
