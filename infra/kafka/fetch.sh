#!/usr/bin/env bash
# Copies the broker's runtime jars from Maven Central into $KAFKA_LIB_DIR. Idempotent: a marker
# file records the pom it was fetched for, so a finished fetch is skipped and a partial one redone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

marker="$KAFKA_LIB_DIR/.fetched"
want="$(sha256sum "$KAFKA_INFRA_DIR/pom.xml" | cut -d' ' -f1)"
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ]; then
  exit 0
fi
command -v mvn >/dev/null || { echo "fetch.sh: mvn not found (needed once to fetch the Kafka jars)" >&2; exit 1; }

rm -rf "$KAFKA_LIB_DIR"
mkdir -p "$KAFKA_LIB_DIR"
# The plugin version is pinned: Maven 3.8's super-POM default (2.8) predates options we rely on.
mvn -B -q -Dstyle.color=never -f "$KAFKA_INFRA_DIR/pom.xml" \
  org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIB_DIR"
echo "$want" >"$marker"
echo "fetch.sh: $(ls "$KAFKA_LIB_DIR"/*.jar | wc -l) jars in $KAFKA_LIB_DIR"
