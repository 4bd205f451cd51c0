#include "nodes/connectors/kafka_common.h"

#include <nlohmann/json.hpp>

#include <cctype>

#include "engine/core/json_text.h"
#include "engine/graph/secrets.h"

namespace riffle {

namespace {

KafkaLinkWatch* watchOf(void* opaque) {
    return static_cast<KafkaLinkWatch*>(opaque);
}

void onError(rd_kafka_t*, int err, const char* reason, void* opaque) {
    if (!opaque) return;
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    std::string text = reason ? reason : rd_kafka_err2str(code);
    if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        watchOf(opaque)->problem("no broker reachable: " + text);
        watchOf(opaque)->allDown();
    } else {
        watchOf(opaque)->problem(text);
    }
}

void onLog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
    (void)fac;
    // Only warnings and worse say something about the link; the rest is chatter.
    if (level > 4 || !buf) return;
    void* opaque = rd_kafka_opaque(rk);
    if (opaque) watchOf(opaque)->problem(buf);
}

int onStats(rd_kafka_t*, char* json, size_t len, void* opaque) {
    if (!opaque) return 0;
    try {
        nlohmann::json stats;
        if (parseJsonInto(std::string_view(json, len), stats)) return 0;
        const auto brokers = stats.find("brokers");
        if (brokers == stats.end() || !brokers->is_object()) return 0;
        bool anyUp = false;
        for (const auto& b : *brokers) {
            if (b.value("source", "") == "logical") continue;
            if (b.value("state", "") == "UP") anyUp = true;
        }
        if (anyUp)
            watchOf(opaque)->up();
        else
            watchOf(opaque)->allDown();
    } catch (const std::exception&) {
        // A statistics report we cannot read changes nothing.
    }
    return 0;  // librdkafka frees `json`
}

}  // namespace

std::vector<ParamSpec> kafkaConnectionParams(const std::string& group) {
    return {
        param("brokers", ParamType::String, "Bootstrap brokers as host:port, separated by commas")
            .byDefault("127.0.0.1:9092")
            .inGroup(group)
            .as(ParamRole::ConnectsTo),
        param("username", ParamType::String, "SASL user name (empty: no SASL credentials)")
            .byDefault("")
            .inGroup(group),
        param("password", ParamType::Secret,
              "SASL password as a reference: ${env:NAME} or ${secret:NAME}, never the password "
              "itself")
            .byDefault("")
            .inGroup(group),
        param("security_protocol", ParamType::Choice,
              "How to talk to the brokers: plaintext, sasl_plaintext, sasl_ssl or ssl")
            .byDefault("plaintext")
            .oneOf({"plaintext", "sasl_plaintext", "sasl_ssl", "ssl"})
            .inGroup(group),
        param("sasl_mechanism", ParamType::Choice, "SASL mechanism for sasl_plaintext and sasl_ssl")
            .byDefault("PLAIN")
            .oneOf({"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"})
            .inGroup(group),
        param("ca_file", ParamType::Path,
              "For ssl and sasl_ssl: a PEM file of the certificate authorities that signed the "
              "brokers' certificates (empty: the system's); relative to the project's folder")
            .byDefault("")
            .inGroup(group)
            .as(ParamRole::ReadsFile),
    };
}

std::vector<std::string> splitKafkaList(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find(',', start);
        if (end == std::string::npos) end = text.size();
        std::string item = text.substr(start, end - start);
        const size_t a = item.find_first_not_of(" \t");
        const size_t b = item.find_last_not_of(" \t");
        if (a != std::string::npos) out.push_back(item.substr(a, b - a + 1));
        start = end + 1;
    }
    return out;
}

Status setKafkaProperty(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
    char err[512] = {0};
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
        return Status::error("librdkafka refused `" + name + "`: " + redactSecrets(err));
    return Status::ok();
}

KafkaLinkWatch::KafkaLinkWatch(NodeMetrics* metrics, std::string brokers)
    : m_metrics(metrics), m_brokers(std::move(brokers)) {}

void KafkaLinkWatch::problem(const std::string& reason) {
    std::string text = redactSecrets(reason);
    // librdkafka names its own property; the node's is `ca_file`.
    if (text.find("certificate verify failed") != std::string::npos)
        text +=
            " [Riffle: set the node's `ca_file` to the PEM file of the authority that signed "
            "the broker's certificate]";
    {
        std::lock_guard lock(m_mutex);
        m_lastProblem = text;
    }
    // A warning while connected (one broker of three gone) does not make the node "connecting":
    // librdkafka carries on with the others. Only the statistics or "all brokers down" do.
    if (!m_connected.load(std::memory_order_relaxed) && m_metrics)
        m_metrics->setLink(LinkState::Connecting,
                           "brokers " + m_brokers + ": " + text + "; retrying");
}

void KafkaLinkWatch::up() {
    const bool was = m_connected.exchange(true, std::memory_order_relaxed);
    // Also after a topic problem shown while the brokers were up.
    if (!m_metrics || (was && m_metrics->link() == LinkState::Connected)) return;
    m_metrics->setLink(LinkState::Connected);
}

void KafkaLinkWatch::allDown() {
    const bool was = m_connected.exchange(false, std::memory_order_relaxed);
    if (!m_metrics) return;
    std::string reason = lastProblem();
    if (reason.empty()) reason = "no broker reachable";
    if (was || m_metrics->link() != LinkState::Connecting)
        m_metrics->setLink(LinkState::Connecting,
                           "brokers " + m_brokers + ": " + reason + "; retrying");
    // Counted once the link says so (a reader that sees the count sees the state).
    if (was) m_metrics->add(m_metrics->reconnects, 1);
}

std::string KafkaLinkWatch::lastProblem() const {
    std::lock_guard lock(m_mutex);
    return m_lastProblem;
}

Result<KafkaConfPtr> makeKafkaConf(const NodeConfig& config, KafkaLinkWatch* watch) {
    using R = Result<KafkaConfPtr>;
    KafkaConfPtr conf(rd_kafka_conf_new());
    const std::string brokers = config.getString("brokers");
    if (splitKafkaList(brokers).empty())
        return R::error("`brokers` is empty: give at least one host:port, e.g. 127.0.0.1:9092");
    auto set = [&](const std::string& k, const std::string& v) {
        return setKafkaProperty(conf.get(), k, v);
    };
    if (Status s = set("bootstrap.servers", brokers); !s)
        return R::error("`brokers`: " + s.message());
    if (Status s = set("client.id", "riffle-" + config.id()); !s) return R::error(s.message());
    if (Status s = set("security.protocol", config.getString("security_protocol")); !s)
        return R::error("`security_protocol`: " + s.message());
    const std::string protocol = config.getString("security_protocol");
    const std::string user = config.getString("username");
    auto password = config.getSecret("password");
    if (!password) return R::error(password.message());
    if (protocol.rfind("sasl", 0) == 0) {
        if (Status s = set("sasl.mechanisms", config.getString("sasl_mechanism")); !s)
            return R::error("`sasl_mechanism`: " + s.message());
        if (!user.empty())
            if (Status s = set("sasl.username", user); !s)
                return R::error("`username`: " + s.message());
        if (!password.value().empty())
            if (Status s = set("sasl.password", password.value()); !s)
                return R::error("`password`: librdkafka refused it");
    } else if (!user.empty() || !password.value().empty()) {
        return R::error(
            "`username`/`password` need `security_protocol` sasl_plaintext or sasl_ssl, not " +
            protocol);
    }
    if (!config.getString("ca_file").empty()) {
        if (protocol != "ssl" && protocol != "sasl_ssl")
            return R::error("`ca_file` needs `security_protocol` ssl or sasl_ssl, not " + protocol);
        if (Status s = set("ssl.ca.location", config.getPath("ca_file")); !s)
            return R::error("`ca_file`: " + s.message());
    }
    // Reconnect quickly after a broker comes back; statistics drive the link state.
    for (const auto& [k, v] : {std::pair<const char*, const char*>{"reconnect.backoff.ms", "100"},
                               {"reconnect.backoff.max.ms", "2000"},
                               {"statistics.interval.ms", "1000"},
                               {"log.connection.close", "false"}})
        if (Status s = set(k, v); !s) return R::error(s.message());
    rd_kafka_conf_set_opaque(conf.get(), watch);
    rd_kafka_conf_set_error_cb(conf.get(), onError);
    rd_kafka_conf_set_log_cb(conf.get(), onLog);
    rd_kafka_conf_set_stats_cb(conf.get(), onStats);
    return R(std::move(conf));
}

Result<std::string> kafkaFlinkOptions(const NodeConfig& c, std::vector<std::string>& notes) {
    using R = Result<std::string>;
    std::string out =
        "  'connector' = 'kafka',\n  'topic' = " + flink::literal(c.getString("topic")) +
        ",\n  'properties.bootstrap.servers' = " + flink::literal(c.getString("brokers")) + ",\n";
    const std::string protocol = c.getString("security_protocol");
    if (protocol == "plaintext") return out;
    auto option = [&out](const std::string& name, const std::string& value) {
        out += "  'properties." + name + "' = " + flink::literal(value) + ",\n";
    };
    std::string upper = protocol;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    option("security.protocol", upper);
    if (protocol.rfind("sasl", 0) == 0) {
        // The password stays out of the script: Riffle's ${env:NAME} is read by Kafka's own
        // environment-variable config provider when Flink's Kafka client starts.
        const std::string password = c.getString("password");
        const bool fromEnv = password.rfind("${env:", 0) == 0 && password.back() == '}' &&
                             password.find('}') == password.size() - 1;
        if (!password.empty() && !fromEnv)
            return R::error(
                "`password` " + password +
                " cannot be handed to Flink without writing it into the script; give it as "
                "${env:NAME}, which Kafka's client reads from Flink's environment");
        const std::string mechanism = c.getString("sasl_mechanism");
        option("sasl.mechanism", mechanism);
        const std::string module = mechanism == "PLAIN"
                                       ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                                       : "org.apache.kafka.common.security.scram.ScramLoginModule";
        auto jaasQuoted = [](const std::string& v) {
            std::string q = "\"";
            for (char ch : v)
                q += ch == '"' || ch == '\\' ? std::string("\\") + ch : std::string(1, ch);
            return q + "\"";
        };
        option("sasl.jaas.config", module +
                                       " required username=" + jaasQuoted(c.getString("username")) +
                                       " password=" + jaasQuoted(password) + ";");
        if (fromEnv) {
            notes.push_back(
                "the SASL password is read by Flink's Kafka client from the "
                "environment variable " +
                password.substr(6, password.size() - 7) +
                " (Kafka's EnvVarConfigProvider): set it where the job runs");
            option("config.providers", "env");
            option("config.providers.env.class",
                   "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        }
    }
    const std::string ca = c.getString("ca_file").empty() ? "" : c.getPath("ca_file");
    if (protocol.find("ssl") != std::string::npos && !ca.empty()) {
        option("ssl.truststore.type", "PEM");
        option("ssl.truststore.location", ca);
    }
    return out;
}

}  // namespace riffle
