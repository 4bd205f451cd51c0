package riffle.peers;

import java.util.Collection;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;

/**
 * Waits until a Kafka broker answers a metadata request.
 *
 * <pre>KafkaReady BOOTSTRAP [TIMEOUT_SECONDS]</pre>
 *
 * <p>Prints {@code kafka-ready: BOOTSTRAP in N ms} and exits 0 once the cluster reports at least
 * one broker; exits 1 with a message on stderr when the timeout (default 60 s) passes first.
 */
public final class KafkaReady {
    private KafkaReady() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: KafkaReady BOOTSTRAP [TIMEOUT_SECONDS]");
            System.exit(2);
        }
        final long start = System.nanoTime();
        final String bootstrap = args[0];
        final long timeoutMs = (args.length > 1 ? Long.parseLong(args[1]) : 60) * 1000;
        final long deadline = System.currentTimeMillis() + timeoutMs;

        final Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        p.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "200");
        String last = "no answer";
        try (Admin admin = Admin.create(p)) {
            while (System.currentTimeMillis() < deadline) {
                try {
                    final Collection<Node> nodes =
                            admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000))
                                    .nodes()
                                    .get(3, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        System.out.println("kafka-ready: " + bootstrap + " in "
                                + (System.nanoTime() - start) / 1_000_000 + " ms");
                        return;
                    }
                    last = "no broker in the metadata";
                } catch (Exception e) {
                    last = e.getCause() != null ? e.getCause().toString() : e.toString();
                }
                Thread.sleep(100);
            }
        }
        System.err.println("kafka-ready: " + bootstrap + " not ready after " + timeoutMs + " ms: " + last);
        System.exit(1);
    }
}
