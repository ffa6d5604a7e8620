#!/usr/bin/env bash
# Starts a single-node KRaft broker in the background and returns once it serves requests.
#   KAFKA_HOME_DIR (default /tmp/tourniquet-kafka): config copy, data, log and pid file
#   KAFKA_PORT / KAFKA_CONTROLLER_PORT (9092 / 9093), KAFKA_LIB_DIR, KAFKA_HEAP_OPTS
#   KEEP_DATA=1: reuse the existing data dir (a broker restart mid-test); otherwise it starts empty.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if kafka_running; then
  echo "start.sh: broker already running (pid $(cat "$KAFKA_PID_FILE"))"
  exit 0
fi
command -v java >/dev/null || { echo "start.sh: java not found" >&2; exit 1; }
"$KAFKA_INFRA_DIR/fetch.sh"

mkdir -p "$KAFKA_HOME_DIR"
props="$KAFKA_HOME_DIR/server.properties"
sed \
  -e "s|^controller.quorum.voters=.*|controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT|" \
  -e "s|^listeners=.*|listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT|" \
  -e "s|^advertised.listeners=.*|advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT|" \
  -e "s|^log.dirs=.*|log.dirs=$KAFKA_DATA_DIR|" \
  "$KAFKA_INFRA_DIR/server.properties" >"$props"

cp_arg="$KAFKA_LIB_DIR/*"
if [ "${KEEP_DATA:-0}" = "1" ] && [ -f "$KAFKA_DATA_DIR/meta.properties" ]; then
  echo "start.sh: keeping data in $KAFKA_DATA_DIR"
else
  rm -rf "$KAFKA_DATA_DIR"
  # A KRaft cluster id is 16 random bytes in URL-safe base64 without padding (what
  # `StorageTool random-uuid` prints); making it here saves one JVM start. It may begin with "-",
  # hence the --cluster-id=... form.
  cluster_id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  java $KAFKA_LOG4J_OPTS -cp "$cp_arg" kafka.tools.StorageTool format --cluster-id="$cluster_id" --config="$props" >/dev/null
fi

# JVM flags as kafka-run-class.sh sets them, with a smaller heap.
nohup java $KAFKA_HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
  -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 \
  -Djava.awt.headless=true $KAFKA_LOG4J_OPTS -cp "$cp_arg" kafka.Kafka "$props" \
  >"$KAFKA_LOG_FILE" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$KAFKA_PID_FILE"

deadline=$((SECONDS + KAFKA_START_TIMEOUT))
until grep -qs 'Kafka Server started' "$KAFKA_LOG_FILE"; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start.sh: broker exited during start-up; log tail:" >&2
    tail -50 "$KAFKA_LOG_FILE" >&2
    rm -f "$KAFKA_PID_FILE"
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "start.sh: broker not started after ${KAFKA_START_TIMEOUT}s; log tail:" >&2
    tail -50 "$KAFKA_LOG_FILE" >&2
    kill "$pid" 2>/dev/null || true
    rm -f "$KAFKA_PID_FILE"
    exit 1
  fi
  sleep 0.2
done
echo "start.sh: broker up on 127.0.0.1:$KAFKA_PORT (pid $pid, home $KAFKA_HOME_DIR)"
