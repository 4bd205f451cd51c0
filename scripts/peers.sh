#!/usr/bin/env bash
# The Java test peers of the integration tests (tests/peers/README.md): a real Apache Kafka broker
# in KRaft mode and a Flink SQL runner on a local MiniCluster. Java appears only here; the product
# stays C++.
#
#   scripts/peers.sh classpath
#       Builds tests/peers (Maven, into ~/.m2 and build/peers/) when its pom.xml or sources changed
#       and prints the classpath: our jar and every dependency. Cached in build/peers/.
#   scripts/peers.sh kafka DIR PORT CONTROLLER_PORT
#       A single-node broker+controller on 127.0.0.1:PORT (controller on CONTROLLER_PORT), data and
#       DIR/broker.log in DIR, formatted on first use. The script becomes the broker's JVM (exec),
#       so that the caller's SIGTERM or SIGKILL reaches it. Ready once `kafka-ready` says so, or
#       once DIR/broker.log has the line "Kafka Server started". With RIFFLE_PEERS_KAFKA_SASL_PORT
#       set it also listens there for SASL_PLAINTEXT, mechanism PLAIN, user `riffle`, password
#       `riffle-secret`; with RIFFLE_PEERS_KAFKA_SSL_PORT, for SSL with a self-signed certificate
#       for 127.0.0.1 whose PEM clients trust as DIR/ssl/ca.pem.
#       A node of a cluster: RIFFLE_PEERS_KAFKA_NODE_ID (default 1), RIFFLE_PEERS_KAFKA_VOTERS
#       (every controller, "1@127.0.0.1:P1,2@127.0.0.1:P2,..."; default this node alone),
#       RIFFLE_PEERS_KAFKA_CLUSTER_ID (the same for every node; default a new one) and
#       RIFFLE_PEERS_KAFKA_REPLICATION (of the internal topics and new topics, default 1; with 3,
#       min.insync.replicas is 2).
#   scripts/peers.sh kafka-ready BOOTSTRAP [TIMEOUT_SECONDS]
#       Waits until the broker answers a metadata request (exit 0), or the timeout (default 60 s).
#   scripts/peers.sh kafka-topics ARGS...
#       Kafka's kafka-topics tool (org.apache.kafka.tools.TopicCommand), e.g.
#       kafka-topics --bootstrap-server 127.0.0.1:PORT --create --topic T --partitions 6
#   scripts/peers.sh flink-sql SCRIPT.sql [--parallelism N] [--set KEY=VALUE]...
#       Runs a Flink SQL script on a local MiniCluster (riffle.peers.FlinkSql): exit 0 once its
#       INSERT jobs finished, only "flink-sql: done in N ms; the jobs used M ms of CPU" on stdout
#       (M: the process's CPU from each job's submission to its end); exit 1 and the error on
#       stderr otherwise.
#
# Environment: RIFFLE_PEERS_BUILD (default build/peers) for the cache, JAVA (default java),
# RIFFLE_PEERS_KAFKA_HEAP (default -Xms256m -Xmx512m), RIFFLE_PEERS_FLINK_HEAP (default -Xmx512m).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS="$ROOT/tests/peers"
OUT="${RIFFLE_PEERS_BUILD:-$ROOT/build/peers}"
JAVA="${JAVA:-java}"

# Quick JVM start for short-lived test peers: one-thread-friendly GC, C1 only, no perf data file.
# RIFFLE_PEERS_JVM_OPTS replaces them (word-split), e.g. to compare.
if [ -n "${RIFFLE_PEERS_JVM_OPTS+x}" ]; then
  read -r -a LEAN_JVM <<< "$RIFFLE_PEERS_JVM_OPTS"
else
  LEAN_JVM=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Djava.awt.headless=true)
fi

# Flink's JDK 17 options: env.java.opts.all of flink-dist's config.yaml.
FLINK_JDK17_OPTS=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

die() { echo "peers.sh: $*" >&2; exit 1; }

# A child runs in the background so that a SIGTERM to this script (before any exec) ends it too.
child=""
on_signal() {
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  exit 143
}
trap on_signal TERM INT HUP
run() {
  local rc=0
  "$@" &
  child=$!
  wait "$child" || rc=$?
  child=""
  return "$rc"
}

hash_of() { sha256sum "$@" | sha256sum | cut -c1-16; }

# Sets CP to the classpath, building it first when pom.xml or a source changed (or a jar is
# gone). In this shell, not in a subshell, so that the signal trap reaches a running Maven.
resolve_classpath() {
  local key pomkey cache
  key="$(cd "$PEERS" && hash_of pom.xml $(find src -type f | LC_ALL=C sort))"
  pomkey="$(cd "$PEERS" && hash_of pom.xml)"
  cache="$OUT/classpath-$key"
  if ! classpath_ok "$cache"; then
    mkdir -p "$OUT"
    # One build at a time (tests may start peers in parallel); the second finds the cache.
    exec 9>"$OUT/.lock"
    flock 9
    if ! classpath_ok "$cache"; then build_classpath "$key" "$pomkey" "$cache"; fi
    exec 9>&-
  fi
  CP="$(cat "$cache")"
}

build_classpath() {
  local key="$1" pomkey="$2" cache="$3"
  local deps="$OUT/deps-$key.txt" offline=()
  [ -f "$OUT/resolved-$pomkey" ] && offline=(-o)
  local mvn=(mvn -q -B -T1 -f "$PEERS/pom.xml" package dependency:build-classpath
             -Dmdep.outputFile="$deps" -Dmdep.includeScope=runtime -Dpeers.build.dir="$OUT/target")
  export MAVEN_OPTS="${MAVEN_OPTS:-${LEAN_JVM[*]}}"
  # Maven's report goes to build/peers/maven.log, shown only when it fails.
  if ! run "${mvn[@]}" "${offline[@]}" >"$OUT/maven.log" 2>&1; then
    if [ ${#offline[@]} -eq 0 ] || ! run "${mvn[@]}" >"$OUT/maven.log" 2>&1; then
      cat "$OUT/maven.log" >&2
      die "maven failed to build tests/peers ($OUT/maven.log)"
    fi
  fi
  touch "$OUT/resolved-$pomkey"
  cp "$OUT/target/riffle-peers-1.jar" "$OUT/riffle-peers-$key.jar"
  printf '%s:%s\n' "$OUT/riffle-peers-$key.jar" "$(cat "$deps")" > "$cache.tmp"
  mv "$cache.tmp" "$cache"
  # Older builds' files (a JVM still running keeps its open jar).
  find "$OUT" -maxdepth 1 \( -name 'classpath-*' -o -name 'riffle-peers-*.jar' -o -name 'deps-*.txt' \) \
    ! -name "*$key*" -delete
}

# The cached classpath exists and every jar on it still does.
classpath_ok() {
  [ -s "$1" ] || return 1
  local entry entries
  IFS=: read -r -a entries < "$1"
  for entry in "${entries[@]}"; do [ -e "$entry" ] || return 1; done
}

port_arg() {
  [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ] || die "not a port: $1"
}

kafka() {
  [ $# -eq 3 ] || die "usage: peers.sh kafka DIR PORT CONTROLLER_PORT"
  local dir="$1" port="$2" cport="$3"
  port_arg "$port"
  port_arg "$cport"
  [ "$port" != "$cport" ] || die "PORT and CONTROLLER_PORT must differ"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  local props="$dir/server.properties"
  # Optional secured listeners beside PLAINTEXT (which the tools and the broker itself use).
  local listeners="PLAINTEXT://127.0.0.1:$port" protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  local secured=""
  if [ -n "${RIFFLE_PEERS_KAFKA_SASL_PORT:-}" ]; then
    port_arg "$RIFFLE_PEERS_KAFKA_SASL_PORT"
    listeners="$listeners,SASL_PLAINTEXT://127.0.0.1:$RIFFLE_PEERS_KAFKA_SASL_PORT"
    protocols="$protocols,SASL_PLAINTEXT:SASL_PLAINTEXT"
    secured+="sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_riffle=\"riffle-secret\";
"
  fi
  if [ -n "${RIFFLE_PEERS_KAFKA_SSL_PORT:-}" ]; then
    port_arg "$RIFFLE_PEERS_KAFKA_SSL_PORT"
    listeners="$listeners,SSL://127.0.0.1:$RIFFLE_PEERS_KAFKA_SSL_PORT"
    protocols="$protocols,SSL:SSL"
    # A self-signed certificate for 127.0.0.1, made once per folder; ca.pem is what clients trust.
    if [ ! -f "$dir/ssl/broker.p12" ]; then
      mkdir -p "$dir/ssl"
      keytool -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity 7 \
        -dname CN=127.0.0.1 -ext SAN=IP:127.0.0.1 -storetype PKCS12 \
        -keystore "$dir/ssl/broker.p12" -storepass riffle-store -keypass riffle-store \
        >>"$dir/broker.log" 2>&1 || die "keytool -genkeypair failed in $dir"
      keytool -exportcert -rfc -alias broker -keystore "$dir/ssl/broker.p12" \
        -storepass riffle-store -file "$dir/ssl/ca.pem" >>"$dir/broker.log" 2>&1 \
        || die "keytool -exportcert failed in $dir"
    fi
    secured+="ssl.keystore.type=PKCS12
ssl.keystore.location=$dir/ssl/broker.p12
ssl.keystore.password=riffle-store
ssl.key.password=riffle-store
ssl.client.auth=none
"
  fi
  local node="${RIFFLE_PEERS_KAFKA_NODE_ID:-1}" rf="${RIFFLE_PEERS_KAFKA_REPLICATION:-1}"
  local voters="${RIFFLE_PEERS_KAFKA_VOTERS:-$node@127.0.0.1:$cport}" isr=1
  [ "$rf" -lt 3 ] || isr=2
  cat > "$props" <<EOF
# Written by scripts/peers.sh kafka: a KRaft node, broker and controller, on loopback.
process.roles=broker,controller
node.id=$node
controller.quorum.voters=$voters
listeners=$listeners,CONTROLLER://127.0.0.1:$cport
advertised.listeners=$listeners
listener.security.protocol.map=$protocols
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=true
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=3
# Flink's exactly-once Kafka sink asks for 1 h transactions by default (the broker allows 15 min).
transaction.max.timeout.ms=3600000
# Test events carry fixed event times of January 2026 (Kafka timestamps): keep them.
log.retention.ms=-1
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
share.coordinator.state.topic.num.partitions=3
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
background.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
$secured
EOF
  resolve_classpath
  local jvm=("$JAVA" "${LEAN_JVM[@]}" -Dkafka.logs.dir="$dir"
             -Dlog4j2.configurationFile="$PEERS/conf/kafka-log4j2.properties" -cp "$CP")
  if [ ! -f "$dir/data/meta.properties" ]; then
    # A cluster id as `kafka.tools.StorageTool random-uuid` makes one (16 random bytes, URL-safe
    # base64, not starting with '-'), without a JVM of its own; `format` checks it.
    local id="${RIFFLE_PEERS_KAFKA_CLUSTER_ID:--}"
    while [ "${id:0:1}" = "-" ]; do
      id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    done
    run "${jvm[@]}" -Xmx128m kafka.tools.StorageTool format -t "$id" -c "$props" \
      >>"$dir/broker.log" 2>&1 \
      || { tail -n 20 "$dir/broker.log" >&2; die "kafka-storage format failed in $dir"; }
  fi
  trap - TERM INT HUP
  # shellcheck disable=SC2086
  exec "${jvm[@]}" ${RIFFLE_PEERS_KAFKA_HEAP:--Xms256m -Xmx512m} kafka.Kafka "$props"
}

flink_sql() {
  [ $# -ge 1 ] || die "usage: peers.sh flink-sql SCRIPT.sql [--parallelism N] [--set KEY=VALUE]..."
  resolve_classpath
  trap - TERM INT HUP
  # shellcheck disable=SC2086
  exec "$JAVA" "${LEAN_JVM[@]}" "${FLINK_JDK17_OPTS[@]}" ${RIFFLE_PEERS_FLINK_HEAP:--Xmx512m} \
    -Dlog4j2.configurationFile="$PEERS/conf/flink-log4j2.properties" \
    -cp "$CP" riffle.peers.FlinkSql "$@"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  classpath)
    resolve_classpath
    printf '%s\n' "$CP" ;;
  kafka) kafka "$@" ;;
  kafka-ready)
    resolve_classpath
    trap - TERM INT HUP
    exec "$JAVA" "${LEAN_JVM[@]}" -Xmx128m \
      -Dlog4j2.configurationFile="$PEERS/conf/tools-log4j2.properties" \
      -cp "$CP" riffle.peers.KafkaReady "$@" ;;
  kafka-topics)
    resolve_classpath
    trap - TERM INT HUP
    exec "$JAVA" "${LEAN_JVM[@]}" -Xmx128m \
      -Dlog4j2.configurationFile="$PEERS/conf/tools-log4j2.properties" \
      -cp "$CP" org.apache.kafka.tools.TopicCommand "$@" ;;
  flink-sql) flink_sql "$@" ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2 ;;
esac
