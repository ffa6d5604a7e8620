# Shared settings for fetch.sh / start.sh / stop.sh (sourced, not executed). Every value can be
# overridden from the environment.
KAFKA_INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The jar set is shared by every broker on the machine (tests start several in temp dirs), so it
# lives in a cache directory rather than next to the data.
KAFKA_LIB_DIR="${KAFKA_LIB_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tourniquet/kafka-3.9.1/lib}"
KAFKA_HOME_DIR="${KAFKA_HOME_DIR:-/tmp/tourniquet-kafka}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_PID_FILE="$KAFKA_HOME_DIR/kafka.pid"
KAFKA_LOG_FILE="$KAFKA_HOME_DIR/kafka.log"
KAFKA_DATA_DIR="$KAFKA_HOME_DIR/data"
KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$KAFKA_INFRA_DIR/log4j.properties"

# True when the pid file names a live kafka.Kafka process (a stale pid may belong to anything).
kafka_running() {
  [ -f "$KAFKA_PID_FILE" ] || return 1
  local pid
  pid="$(cat "$KAFKA_PID_FILE")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka '
}
