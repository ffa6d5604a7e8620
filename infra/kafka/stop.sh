#!/usr/bin/env bash
# Stops the broker started by start.sh: SIGTERM (controlled shutdown), wait, SIGKILL as a last resort.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if ! kafka_running; then
  rm -f "$KAFKA_PID_FILE"
  exit 0
fi
pid="$(cat "$KAFKA_PID_FILE")"
kill -TERM "$pid"
deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
while kill -0 "$pid" 2>/dev/null; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "stop.sh: broker ignored SIGTERM for ${KAFKA_STOP_TIMEOUT}s, killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    break
  fi
  sleep 0.2
done
rm -f "$KAFKA_PID_FILE"
