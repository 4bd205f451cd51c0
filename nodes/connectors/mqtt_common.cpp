#include "nodes/connectors/mqtt_common.h"

#include <mosquitto.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <random>

#include "engine/graph/secrets.h"

namespace riffle {

namespace {

constexpr int kLoopTimeoutMs = 100;  // how long one loop turn may wait: bounds Stop's delay
constexpr int kMaxBackoffS = 30;

std::string describeConnectError(int rc, int err, const MqttAddress& broker) {
    if (rc == MOSQ_ERR_ERRNO || rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_NO_CONN) {
        if (err == ECONNREFUSED) return "connection refused by " + broker.text();
        if (err == ETIMEDOUT) return "no answer from " + broker.text() + " (timed out)";
        if (err == EHOSTUNREACH || err == ENETUNREACH) return broker.text() + " cannot be reached";
        if (rc == MOSQ_ERR_ERRNO && err != 0)
            return "cannot connect to " + broker.text() + ": " + std::strerror(err);
    }
    if (rc == MOSQ_ERR_EAI) return "cannot resolve the host `" + broker.host + "`";
    return "cannot connect to " + broker.text() + ": " + mosquitto_strerror(rc);
}

}  // namespace

Result<MqttAddress> parseMqttBroker(std::string_view text) {
    using R = Result<MqttAddress>;
    MqttAddress a;
    std::string_view s = text;
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    if (s.empty()) return R(a);
    const std::string hint = " (write host:port, e.g. 127.0.0.1:1883 or mqtt://broker.local:1883)";
    if (const size_t scheme = s.find("://"); scheme != std::string_view::npos) {
        const std::string_view name = s.substr(0, scheme);
        if (name == "wss" || name == "ws")
            return R::error("`broker`: MQTT over WebSocket (`" + std::string(name) +
                            "://`) is not supported; use mqtt:// or mqtts://");
        if (name == "mqtts" || name == "ssl") {
            a.tls = true;
            a.port = 8883;
        } else if (name != "mqtt" && name != "tcp") {
            return R::error("`broker`: unknown scheme `" + std::string(name) + "://`" + hint);
        }
        s.remove_prefix(scheme + 3);
    }
    if (!s.empty() && s.back() == '/') s.remove_suffix(1);
    std::string_view host = s, port;
    if (!s.empty() && s.front() == '[') {  // [::1]:1883
        const size_t close = s.find(']');
        if (close == std::string_view::npos)
            return R::error("`broker`: `" + std::string(text) + "` lacks `]`" + hint);
        host = s.substr(1, close - 1);
        std::string_view rest = s.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return R::error("`broker`: unexpected text after `]` in `" + std::string(text) +
                                "`" + hint);
            port = rest.substr(1);
            if (port.empty())
                return R::error("`broker`: the port is missing in `" + std::string(text) + "`" +
                                hint);
        }
    } else if (const size_t colon = s.rfind(':'); colon != std::string_view::npos) {
        if (s.find(':') != colon)
            return R::error("`broker`: write an IPv6 address in brackets, e.g. [::1]:1883, got `" +
                            std::string(text) + "`");
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
        if (port.empty())
            return R::error("`broker`: the port is missing in `" + std::string(text) + "`" + hint);
    }
    if (host.empty() || host.find_first_of(" /") != std::string_view::npos)
        return R::error("`broker`: `" + std::string(text) + "` is not a host name or address" +
                        hint);
    a.host = std::string(host);
    if (!port.empty()) {
        int p = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
        if (ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535)
            return R::error("`broker`: the port must be a number from 1 to 65535, got `" +
                            std::string(port) + "`");
        a.port = p;
    }
    return R(a);
}

std::vector<ParamSpec> mqttConnectionParams(const std::string& group) {
    return {
        param("broker", ParamType::String,
              "The MQTT broker as host:port, mqtt://host:port, or mqtts://host:port for TLS")
            .byDefault("127.0.0.1:1883")
            .inGroup(group)
            .as(ParamRole::ConnectsTo),
        param("client_id", ParamType::String,
              "The MQTT client id; empty: a unique one is generated (then `clean_session` must be "
              "on)")
            .byDefault("")
            .inGroup(group),
        param("username", ParamType::String, "User name for the broker; empty: none")
            .byDefault("")
            .inGroup(group),
        param("password", ParamType::Secret,
              "Password for the broker as ${env:NAME} or ${secret:NAME}; empty: none")
            .byDefault("")
            .inGroup(group),
        param("clean_session", ParamType::Bool,
              "Start a new session at each connection; off: the broker keeps the subscription and "
              "QoS 1 messages while the node is away (needs a fixed `client_id`)")
            .byDefault(true)
            .inGroup(group),
        param("keepalive", ParamType::Duration,
              "How often the connection is checked when nothing else is sent")
            .byDefault("30s")
            .durationRange("5s", "1h")
            .inGroup(group),
        param("ca_file", ParamType::Path,
              "mqtts:// only: PEM certificates to trust instead of the system's (a private CA or a "
              "self-signed broker); relative to the project's folder")
            .byDefault("")
            .inGroup(group)
            .as(ParamRole::ReadsFile),
    };
}

Result<MqttOptions> mqttOptionsFrom(const NodeConfig& config) {
    using R = Result<MqttOptions>;
    auto broker = parseMqttBroker(config.getString("broker"));
    if (!broker) return R::error(broker.message());
    MqttOptions o;
    o.broker = broker.value();
    o.clientId = config.getString("client_id");
    o.username = config.getString("username");
    auto password = config.getSecret("password");
    if (!password) return R::error("`password`: " + password.message());
    o.password = password.value();
    o.cleanSession = config.getBool("clean_session");
    o.keepaliveS = static_cast<int>(config.getDurationUs("keepalive") / 1000000);
    o.caFile = config.getPath("ca_file");
    o.nodeId = config.id();
    if (!o.cleanSession && o.clientId.empty())
        return R::error(
            "`clean_session` is off, so the broker keeps the session under the client id: set "
            "`client_id` to a fixed name");
    return o;
}

ParamSpec mqttQosParam(const std::string& group, const std::string& help) {
    return param("qos", ParamType::Int, help).byDefault(1).range(0, 1).inGroup(group);
}

void mqttLibInit() {
    static std::once_flag once;
    std::call_once(once, [] { mosquitto_lib_init(); });
}

MqttClient::MqttClient(MqttOptions options, MqttHandler& handler, NodeMetrics& metrics)
    : m_options(std::move(options)), m_handler(handler), m_metrics(metrics) {}

MqttClient::~MqttClient() {
    stop();
}

Status MqttClient::start() {
    mqttLibInit();
    std::string id = m_options.clientId;
    if (id.empty()) {
        std::random_device rd;
        char hex[9];
        std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(rd()));
        id = "riffle-" + m_options.nodeId.substr(0, 40) + "-" + hex;
    }
    m_mosq = mosquitto_new(id.c_str(), m_options.cleanSession, this);
    if (!m_mosq)
        return Status::error(std::string("cannot create the MQTT client: ") +
                             (errno == EINVAL ? "invalid `client_id`" : std::strerror(errno)));
    mosquitto_threaded_set(m_mosq, true);
    mosquitto_int_option(m_mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    if (!m_options.username.empty()) {
        const int rc = mosquitto_username_pw_set(
            m_mosq, m_options.username.c_str(),
            m_options.password.empty() ? nullptr : m_options.password.c_str());
        if (rc != MOSQ_ERR_SUCCESS)
            return Status::error(std::string("`username`/`password`: ") + mosquitto_strerror(rc));
    } else if (!m_options.password.empty()) {
        return Status::error(
            "`password` is set but `username` is empty: MQTT sends a password only with a user "
            "name");
    }
    if (m_options.broker.tls) {
        // Without `ca_file`, the system's trusted CAs (Debian keeps them in /etc/ssl/certs).
        const bool own = !m_options.caFile.empty();
        if (own && !std::ifstream(m_options.caFile).good())
            return Status::error("`ca_file` `" + m_options.caFile +
                                 "` cannot be read; it must hold PEM certificates");
        int rc = mosquitto_tls_set(m_mosq, own ? m_options.caFile.c_str() : nullptr,
                                   own ? nullptr : "/etc/ssl/certs", nullptr, nullptr, nullptr);
        if (rc == MOSQ_ERR_SUCCESS)
            rc = mosquitto_tls_opts_set(m_mosq, 1 /* verify the broker */, nullptr, nullptr);
        if (rc != MOSQ_ERR_SUCCESS)
            return Status::error(std::string("cannot set up TLS: ") + mosquitto_strerror(rc));
        mosquitto_log_callback_set(m_mosq, &MqttClient::logCallback);
    }
    mosquitto_connect_callback_set(m_mosq, &MqttClient::connectCallback);
    mosquitto_disconnect_callback_set(m_mosq, &MqttClient::disconnectCallback);
    mosquitto_message_callback_set(m_mosq, &MqttClient::messageCallback);
    mosquitto_publish_callback_set(m_mosq, &MqttClient::publishCallback);
    m_metrics.setLink(LinkState::Connecting, "connecting to " + m_options.broker.text());
    m_stop = false;
    try {
        m_thread = std::thread([this] { run(); });
    } catch (const std::exception& e) {
        return Status::error(std::string("cannot start the MQTT thread: ") + e.what());
    }
    return Status::ok();
}

void MqttClient::stop() {
    m_stop = true;
    { std::lock_guard lock(m_sleepMutex); }
    m_sleep.notify_all();
    if (m_mosq && m_connected) mosquitto_disconnect(m_mosq);
    if (m_thread.joinable()) m_thread.join();
    if (m_mosq) {
        mosquitto_destroy(m_mosq);
        m_mosq = nullptr;
    }
    m_connected = false;
}

int MqttClient::publish(int* mid, const std::string& topic, std::string_view payload, int qos,
                        bool retain) {
    if (!m_mosq) return MOSQ_ERR_NO_CONN;
    return mosquitto_publish(m_mosq, mid, topic.c_str(), static_cast<int>(payload.size()),
                             payload.data(), qos, retain);
}

void MqttClient::waitBackoff(int seconds) {
    std::unique_lock lock(m_sleepMutex);
    m_sleep.wait_for(lock, std::chrono::seconds(seconds), [this] { return m_stop.load(); });
}

void MqttClient::run() {
    int delay = 1;
    bool haveSocket = false;
    bool first = true;
    bool pending = false;
    // Whatever goes wrong in here, the thread must end quietly: the node shows the reason.
    try {
        while (!m_stop) {
            if (!haveSocket) {
                m_refusal.clear();
                errno = 0;
                const int rc =
                    first ? mosquitto_connect_async(m_mosq, m_options.broker.host.c_str(),
                                                    m_options.broker.port, m_options.keepaliveS)
                          : mosquitto_reconnect_async(m_mosq);
                const int err = errno;
                first = false;
                if (rc != MOSQ_ERR_SUCCESS) {
                    m_metrics.setLink(LinkState::Connecting,
                                      redactSecrets(describeFailure(rc, err)) + ", retrying in " +
                                          std::to_string(delay) + " s");
                    waitBackoff(delay);
                    delay = std::min(delay * 2, kMaxBackoffS);
                    continue;
                }
                haveSocket = true;
            }
            errno = 0;
            const int rc = mosquitto_loop(m_mosq, pending ? 0 : kLoopTimeoutMs, 1);
            const int err = errno;
            pending = m_handler.afterLoop();
            if (rc == MOSQ_ERR_SUCCESS) {
                if (m_connected) delay = 1;
                continue;
            }
            haveSocket = false;
            const bool wasConnected = m_connected.exchange(false);
            if (m_stop) break;
            std::string why;
            if (wasConnected) {
                why = "lost the connection to " + m_options.broker.text() + " (" +
                      (err == 0 || rc != MOSQ_ERR_ERRNO ? std::string(mosquitto_strerror(rc))
                                                        : std::strerror(err)) +
                      ")";
            } else if (!m_refusal.empty()) {
                why = m_refusal;
            } else {
                why = describeFailure(rc, err);
            }
            m_metrics.setLink(LinkState::Connecting,
                              redactSecrets(why) + ", retrying in " + std::to_string(delay) + " s");
            // Counted once the link says so (a reader that sees the count sees the state).
            if (wasConnected) m_metrics.add(m_metrics.reconnects, 1);
            waitBackoff(delay);
            delay = std::min(delay * 2, kMaxBackoffS);
        }
        m_handler.afterLoop();
    } catch (const std::exception& e) {
        m_metrics.setLink(LinkState::Connecting,
                          redactSecrets(std::string("MQTT thread stopped: ") + e.what()));
    } catch (...) {
        m_metrics.setLink(LinkState::Connecting, "MQTT thread stopped by an unknown error");
    }
}

std::string MqttClient::describeFailure(int rc, int err) {
    if (m_options.broker.tls && (rc == MOSQ_ERR_TLS || !m_tlsError.empty())) {
        std::string why = m_tlsError.empty() ? mosquitto_strerror(rc) : m_tlsError;
        m_tlsError.clear();
        return "the TLS handshake with " + m_options.broker.text() + " failed: " + why;
    }
    return describeConnectError(rc, err, m_options.broker);
}

// libmosquitto logs OpenSSL's reason ("OpenSSL Error[0]: error:0A000086:SSL routines::certificate
// verify failed") and returns only MOSQ_ERR_TLS: keep the reason's last part for the node.
void MqttClient::logCallback(mosquitto*, void* self, int level, const char* text) {
    if (level != MOSQ_LOG_ERR || !text) return;
    const std::string_view line(text);
    if (line.find("OpenSSL Error") == std::string_view::npos) return;
    const size_t colon = line.rfind(':');
    auto* c = static_cast<MqttClient*>(self);
    if (c->m_tlsError.empty())
        c->m_tlsError =
            std::string(colon == std::string_view::npos ? line : line.substr(colon + 1));
}

void MqttClient::connectCallback(mosquitto* mosq, void* self, int rc) {
    auto* c = static_cast<MqttClient*>(self);
    if (rc != 0) {
        c->m_refusal =
            c->m_options.broker.text() + " refused the connection: " + mosquitto_connack_string(rc);
        return;
    }
    c->m_connected = true;
    c->m_handler.onConnected(mosq);
    c->m_metrics.setLink(LinkState::Connected);
}

void MqttClient::disconnectCallback(mosquitto*, void* self, int) {
    // The loop sees the same failure and reports it with the retry delay.
    (void)self;
}

void MqttClient::messageCallback(mosquitto*, void* self, const mosquitto_message* msg) {
    if (msg) static_cast<MqttClient*>(self)->m_handler.onMessage(*msg);
}

void MqttClient::publishCallback(mosquitto*, void* self, int mid) {
    static_cast<MqttClient*>(self)->m_handler.onPublished(mid);
}

}  // namespace riffle
