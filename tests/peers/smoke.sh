#!/usr/bin/env bash
# End-to-end check of the test peers from the shell, with the numbers of tests/peers/README.md:
#  1. scripts/peers.sh classpath (cached after the first build);
#  2. a broker on free loopback ports in a temporary folder, until `kcat -L` lists it;
#  3. a 6-partition topic (kafka-topics), 1000 keyed lines produced and consumed back with kcat;
#  4. SIGTERM to the broker (SIGKILL after 10 s), nothing left running;
#  5. FlinkSql on a bounded CSV: a one-minute TUMBLE count per key, checked row by row.
# Needs kcat and python3 (free ports). Prints "N passed, N failed" last; exit 1 on a failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PEERS_SH="$ROOT/scripts/peers.sh"
command -v kcat >/dev/null || { echo "smoke: kcat is needed (apt-get install kcat)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/riffle-peers-smoke.XXXXXX")"
broker=""
passed=0
failed=0
stop_broker() {
  [ -n "$broker" ] || return 0
  kill -TERM "$broker" 2>/dev/null || true
  local i
  for i in $(seq 1 100); do kill -0 "$broker" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$broker" 2>/dev/null; then
    echo "smoke: broker still running 10 s after SIGTERM, SIGKILL" >&2
    kill -KILL "$broker" 2>/dev/null || true
  fi
  wait "$broker" 2>/dev/null || true
  broker=""
}
cleanup() { stop_broker; rm -rf "$work"; }
trap cleanup EXIT

check() {  # check NAME CONDITION...
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# 1. The classpath.
t0=$(date +%s%N)
"$PEERS_SH" classpath > "$work/cp"
echo "classpath: $(ms_since "$t0") ms ($(tr ':' '\n' < "$work/cp" | wc -l) entries)"
t0=$(date +%s%N)
"$PEERS_SH" classpath > /dev/null
echo "classpath again (cached): $(ms_since "$t0") ms"

# 2. The broker.
port=$(free_port)
cport=$(free_port)
while [ "$cport" = "$port" ]; do cport=$(free_port); done
t0=$(date +%s%N)
"$PEERS_SH" kafka "$work/kafka" "$port" "$cport" > "$work/kafka.out" 2> "$work/kafka.err" &
broker=$!
ready=""
for _ in $(seq 1 1500); do
  # kcat waits up to its metadata timeout on a closed port: ask it once the port accepts.
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null \
    && kcat -b "127.0.0.1:$port" -L -m 5 2>/dev/null | grep -q "broker 1 at 127.0.0.1:$port"; then
    ready=yes
    break
  fi
  kill -0 "$broker" 2>/dev/null || break
  sleep 0.02
done
check "broker answers kcat -L on 127.0.0.1:$port" [ -n "$ready" ]
# CPU time so far (its own and the storage format's, a child it waited for), in clock ticks.
cpu_ticks=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$broker/stat")
echo "broker start to ready: $(ms_since "$t0") ms, CPU $((cpu_ticks * 1000 / $(getconf CLK_TCK))) ms"
[ -n "$ready" ] || { cat "$work/kafka.err" "$work/kafka/broker.log" >&2 || true; exit 1; }
check "broker listens on loopback only" \
  bash -c "! ss -ltnp | grep 'pid=$broker,' | awk '{print \$4}' | grep -vq '127.0.0.1'"

# 3. A 6-partition topic, 1000 keyed lines through it.
t0=$(date +%s%N)
"$PEERS_SH" kafka-topics --bootstrap-server "127.0.0.1:$port" --create --topic lines \
  --partitions 6 --replication-factor 1 > "$work/topics.out"
echo "kafka-topics --create: $(ms_since "$t0") ms"
check "topic has 6 partitions" \
  test "$(kcat -b "127.0.0.1:$port" -L -t lines | grep -c 'partition [0-9]*, leader 1')" -eq 6
seq 1 1000 | awk '{print "k" $1 ":line-" $1}' | kcat -b "127.0.0.1:$port" -t lines -P -K:
kcat -b "127.0.0.1:$port" -C -t lines -e -o beginning -q -f '%p %k %s\n' > "$work/consumed"
check "1000 lines consumed back" test "$(wc -l < "$work/consumed")" -eq 1000
check "1000 distinct lines" test "$(cut -d' ' -f3 "$work/consumed" | sort -u | wc -l)" -eq 1000
check "every partition has lines" test "$(cut -d' ' -f1 "$work/consumed" | sort -u | wc -l)" -eq 6
seq 1 10 | sed 's/^/auto-/' | kcat -b "127.0.0.1:$port" -t auto_created -P
check "auto-created topic has 10 lines" \
  test "$(kcat -b "127.0.0.1:$port" -C -t auto_created -e -o beginning -q | wc -l)" -eq 10

# Flink reads the topic (bounded) and writes it to another one, exactly once: Kafka transactions,
# committed at Flink's checkpoints; read_committed sees every line once.
cat > "$work/copy.sql" <<EOF
CREATE TABLE lines (k STRING, line STRING) WITH (
  'connector' = 'kafka',
  'topic' = 'lines',
  'properties.bootstrap.servers' = '127.0.0.1:$port',
  'properties.group.id' = 'smoke',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'key.format' = 'raw',
  'key.fields' = 'k',
  'value.format' = 'raw',
  'value.fields-include' = 'EXCEPT_KEY'
);
CREATE TABLE copied (k STRING, line STRING) WITH (
  'connector' = 'kafka',
  'topic' = 'copied',
  'properties.bootstrap.servers' = '127.0.0.1:$port',
  'key.format' = 'raw',
  'key.fields' = 'k',
  'value.format' = 'raw',
  'value.fields-include' = 'EXCEPT_KEY',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'smoke'
);
SET 'execution.checkpointing.interval' = '1 s';
INSERT INTO copied SELECT k, UPPER(line) FROM lines;
EOF
t0=$(date +%s%N)
rc=0
"$PEERS_SH" flink-sql "$work/copy.sql" > "$work/copy.stdout" 2> "$work/copy.stderr" || rc=$?
echo "flink-sql Kafka to Kafka, exactly once: $(ms_since "$t0") ms"
[ "$rc" -eq 0 ] || sed 's/^/  stderr: /' "$work/copy.stderr"
check "flink-sql Kafka to Kafka exits 0" test "$rc" -eq 0
kcat -b "127.0.0.1:$port" -C -t copied -e -o beginning -q -X isolation.level=read_committed \
  -f '%k %s\n' | sort > "$work/copied"
check "1000 lines copied, committed, once each" test "$(sort -u "$work/copied" | wc -l)" -eq 1000 -a \
  "$(wc -l < "$work/copied")" -eq 1000
check "the copies are the lines in upper case" grep -qx 'k123 LINE-123' "$work/copied"
echo "broker peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$broker/status")"

# 4. Stop it.
t0=$(date +%s%N)
stop_broker
echo "broker stop (SIGTERM): $(ms_since "$t0") ms"
check "no process left listening on $port" bash -c "! ss -ltn | grep -q ':$port '"

# 5. Flink SQL: a bounded CSV, a one-minute tumbling COUNT per key into a CSV sink.
mkdir -p "$work/flink"
: > "$work/flink/events.csv"
for i in $(seq 0 59); do
  k=$( [ $((i % 5)) -eq 0 ] && echo a || echo "abc" | cut -c$((i % 3 + 1)) )
  printf '2026-01-01 00:%02d:%02d,%s,%d\n' $((i * 3 / 60)) $((i * 3 % 60)) "$k" "$i" >> "$work/flink/events.csv"
done
cat > "$work/flink/job.sql" <<EOF
-- Bounded CSV source with event time; one-minute tumbling counts per key.
CREATE TABLE events (
  ts TIMESTAMP(3),
  k STRING,
  v INT,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'file://$work/flink/events.csv',
  'format' = 'csv'
);

CREATE TABLE counts (
  window_start TIMESTAMP(3),
  window_end TIMESTAMP(3),
  k STRING,
  n BIGINT
) WITH (
  'connector' = 'filesystem',
  'path' = 'file://$work/flink/out',
  'format' = 'csv'
);

INSERT INTO counts
SELECT window_start, window_end, k, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, k;
EOF
timer=()
[ -x /usr/bin/time ] \
  && timer=(/usr/bin/time -f "flink-sql wall %e s, CPU %U s user %S s sys, peak RSS %M KB" -o "$work/flink/time")
t0=$(date +%s%N)
rc=0
"${timer[@]}" "$PEERS_SH" flink-sql "$work/flink/job.sql" > "$work/flink/stdout" 2> "$work/flink/stderr" || rc=$?
echo "flink-sql: $(ms_since "$t0") ms; $(cat "$work/flink/stdout")"
[ -f "$work/flink/time" ] && cat "$work/flink/time"
check "flink-sql exits 0" test "$rc" -eq 0
check "flink-sql prints only its done line" grep -qx 'flink-sql: done in [0-9]* ms; the jobs used [0-9]* ms of CPU' "$work/flink/stdout"
[ -s "$work/flink/stderr" ] && sed 's/^/  stderr: /' "$work/flink/stderr"
# The expected windows: counts per (minute, key) of the events above.
awk -F, '{ split($1, t, "[ :]"); print t[3] "," $2 }' "$work/flink/events.csv" \
  | sort | uniq -c \
  | awk '{ split($2, a, ","); m = a[1] + 0;
           printf "\"2026-01-01 00:%02d:00\",\"2026-01-01 00:%02d:00\",%s,%d\n", m, m + 1, a[2], $1 }' \
  | sort > "$work/flink/expected"
cat "$work/flink/out"/* 2>/dev/null | sort > "$work/flink/actual" || true
check "tumbling counts as expected (9 rows)" \
  bash -c "[ \$(wc -l < '$work/flink/actual') -eq 9 ] && diff '$work/flink/expected' '$work/flink/actual'"
check "flink-sql left nothing in the temporary folder" \
  bash -c "! ls -d '${TMPDIR:-/tmp}'/riffle-flink-sql-* '${TMPDIR:-/tmp}'/flink-rpc-* 2>/dev/null | grep -q ."

# A failing job: exit 1 and the cause on stderr.
printf '2026-01-01 00:00:00,a,1\nnot-a-time,b,2\n' > "$work/flink/bad.csv"
sed -e "s#events.csv#bad.csv#" -e "s#/flink/out#/flink/out-bad#" "$work/flink/job.sql" > "$work/flink/bad.sql"
rc=0
"$PEERS_SH" flink-sql "$work/flink/bad.sql" > "$work/flink/bad.stdout" 2> "$work/flink/bad.stderr" || rc=$?
check "a failing job exits 1" test "$rc" -eq 1
check "a failing job names its cause on stderr" grep -q "Text 'not-a-time' could not be parsed" "$work/flink/bad.stderr"
check "a failing job prints nothing on stdout" test ! -s "$work/flink/bad.stdout"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
