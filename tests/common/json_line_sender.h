#pragma once
// For tests of sources that infer their schema when a run starts: a thread that connects to a
// TCP port on 127.0.0.1 (again and again, as the sampler and then the run open and close their
// listener) and sends one JSON line every few milliseconds until it is destroyed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

// A project reading what JsonLineSender sends: `lines` (source.tcp on `port`, JSON, no schema)
// -> `slow` (filter ms > 3) -> `sink` (the node given, with id "sink"), as canonical text.
inline std::string linesProjectText(unsigned short port, const nlohmann::json& sink) {
    nlohmann::json s = sink;
    s["id"] = "sink";
    return nlohmann::json{
        {"format", "riffle-project"},
        {"version", 1},
        {"name", "Lines"},
        {"nodes",
         {{{"id", "lines"}, {"type", "source.tcp"}, {"params", {{"port", port}}}},
          {{"id", "slow"}, {"type", "transform.filter"}, {"params", {{"where", "ms > 3"}}}},
          s}},
        {"edges",
         {{{"from", "lines.out"}, {"to", "slow.in"}}, {{"from", "slow.out"}, {"to", "sink.in"}}}}}
        .dump(2);
}

// A TCP port on 127.0.0.1 that nothing listens on right now.
inline unsigned short freeTcpPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    ::close(fd);
    return ok ? ntohs(a.sin_port) : 0;
}

class JsonLineSender {
public:
    explicit JsonLineSender(unsigned short port, int everyMs = 10) {
        m_thread = std::thread([this, port, everyMs] {
            int fd = -1;
            while (!m_stop) {
                if (fd < 0) {
                    fd = ::socket(AF_INET, SOCK_STREAM, 0);
                    sockaddr_in a{};
                    a.sin_family = AF_INET;
                    a.sin_port = htons(port);
                    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
                        ::close(fd);
                        fd = -1;
                        std::this_thread::sleep_for(std::chrono::milliseconds(20));
                        continue;
                    }
                }
                const long n = m_sent + 1;
                const std::string line = "{\"id\": " + std::to_string(n) + ", \"page\": \"/p" +
                                         std::to_string(n % 3) +
                                         "\", \"ms\": " + std::to_string(n % 7) + ".5}\n";
                if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) !=
                    static_cast<ssize_t>(line.size())) {
                    ::close(fd);
                    fd = -1;
                    continue;
                }
                ++m_sent;
                std::this_thread::sleep_for(std::chrono::milliseconds(everyMs));
            }
            if (fd >= 0) ::close(fd);
        });
    }
    ~JsonLineSender() {
        m_stop = true;
        m_thread.join();
    }
    long sent() const { return m_sent; }

private:
    std::atomic<bool> m_stop{false};
    std::atomic<long> m_sent{0};
    std::thread m_thread;
};
