#pragma once
// What source.mqtt and sink.mqtt share: the broker address, the connection parameters, and one
// libmosquitto client driven by a network thread of our own that connects, reconnects with
// backoff (1 s, doubling up to 30 s) and reports the link state on the node's metrics.
//
// mqtts:// (port 8883 by default) is MQTT over TLS: the broker's certificate must chain to the
// system's trusted CAs or to those in `ca_file`, and must name the broker's host. A failed check
// keeps the node "connecting" with OpenSSL's reason ("certificate verify failed").
//
// Why not mosquitto_loop_start(): its reconnect loop says nothing when an attempt fails (a
// refused connection calls no callback), so the node could not show why it is still
// "connecting", and its sleep cannot be cut short by Stop. Our thread runs mosquitto_loop() with
// a short timeout and sleeps on a condition variable that stop() wakes.
//
// Threading: every libmosquitto callback (MqttHandler) runs on the client's network thread.
// publish() may be called from another thread (the client is in libmosquitto's threaded mode).
// start()/stop() belong to the owner's thread.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/core/status.h"
#include "engine/graph/params.h"
#include "engine/runtime/metrics.h"

struct mosquitto;
struct mosquitto_message;

namespace riffle {

struct MqttAddress {
    std::string host = "127.0.0.1";
    int port = 1883;
    bool tls = false;  // mqtts://
    std::string text() const { return host + ":" + std::to_string(port); }
};

// "host:port", "mqtt://host:port", "mqtts://host" (TLS, port 8883), "host" (port 1883),
// "[::1]:1883"; empty: 127.0.0.1:1883. The message says what is wrong and the fix.
Result<MqttAddress> parseMqttBroker(std::string_view text);

// broker, client_id, username, password, clean_session, keepalive, ca_file, in `group`.
std::vector<ParamSpec> mqttConnectionParams(const std::string& group);
// A `qos` parameter (0 or 1).
ParamSpec mqttQosParam(const std::string& group, const std::string& help);

// Calls mosquitto_lib_init() once per process.
void mqttLibInit();

// The connection callbacks, all on the network thread.
class MqttHandler {
public:
    virtual ~MqttHandler() = default;
    virtual void onConnected(mosquitto* mosq) { (void)mosq; }
    virtual void onMessage(const mosquitto_message& msg) { (void)msg; }
    virtual void onPublished(int mid) { (void)mid; }
    // After every turn of the loop: a source hands over the messages it collected. True when
    // the handler holds work that should not wait for the next packet (the loop then only polls).
    virtual bool afterLoop() { return false; }
};

struct MqttOptions {
    MqttAddress broker;
    std::string clientId;  // empty: generated
    std::string username, password;
    bool cleanSession = true;
    int keepaliveS = 30;
    std::string caFile;  // mqtts://: PEM certificates to trust; empty: the system's
    std::string nodeId;  // for the generated client id
};

// The options of a node with mqttConnectionParams(), secrets resolved; the message names the
// parameter that is wrong.
Result<MqttOptions> mqttOptionsFrom(const NodeConfig& config);

class MqttClient {
public:
    MqttClient(MqttOptions options, MqttHandler& handler, NodeMetrics& metrics);
    ~MqttClient();
    MqttClient(const MqttClient&) = delete;
    MqttClient& operator=(const MqttClient&) = delete;

    // Creates the client and starts the network thread, which connects in the background; fails
    // only for what retrying cannot fix (out of memory, a bad client id).
    Status start();
    // Disconnects and joins the thread; never waits for the network longer than one loop turn.
    void stop();

    bool connected() const { return m_connected.load(std::memory_order_acquire); }
    // mosquitto_publish(); returns the libmosquitto code (MOSQ_ERR_SUCCESS = 0).
    int publish(int* mid, const std::string& topic, std::string_view payload, int qos, bool retain);
    const MqttAddress& broker() const { return m_options.broker; }

private:
    void run();
    void waitBackoff(int seconds);
    static void connectCallback(mosquitto*, void* self, int rc);
    static void disconnectCallback(mosquitto*, void* self, int rc);
    static void messageCallback(mosquitto*, void* self, const mosquitto_message* msg);
    static void publishCallback(mosquitto*, void* self, int mid);
    static void logCallback(mosquitto*, void* self, int level, const char* text);
    std::string describeFailure(int rc, int err);

    MqttOptions m_options;
    MqttHandler& m_handler;
    NodeMetrics& m_metrics;
    mosquitto* m_mosq = nullptr;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_connected{false};
    std::string m_refusal;   // network thread only: why the broker refused (CONNACK)
    std::string m_tlsError;  // network thread only: OpenSSL's last reason, from the log
    std::mutex m_sleepMutex;
    std::condition_variable m_sleep;
};

}  // namespace riffle
