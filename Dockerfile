# syntax=docker/dockerfile:1
# tourniquet's image. The build stage compiles the TypeScript with tsc (a type error fails the image
# build); the runtime stage holds the compiled JavaScript and the production dependencies only, runs
# as the unprivileged `node` user (uid 1000, numeric so Kubernetes can verify runAsNonRoot) and keeps
# all state under the /var/lib/tourniquet volume. No key, token or config is baked in: keys come from
# the environment at run time (TOURNIQUET_*_KEY, README: Deploy).
#
#   docker build -t tourniquet .
#   docker run -p 7478:7478 -v tourniquet-data:/var/lib/tourniquet tourniquet
#   docker run --rm -e KAFKA_BROKERS=… tourniquet topics create     # any CLI command
#
# The base image is pinned by tag. Pin it by digest as well for builds that cannot change under you:
#   docker build --build-arg NODE_IMAGE=node:22-bookworm-slim@sha256:<digest> .
# (`docker buildx imagetools inspect node:22-bookworm-slim` prints the digest.)
# test/integration/dockerfile.test.ts replays this file's steps without Docker: keep it to FROM,
# ARG, WORKDIR, COPY, RUN, ENV, VOLUME, USER, EXPOSE, HEALTHCHECK, ENTRYPOINT and CMD.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency runs code at build time; tsc needs none of their install scripts.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY handlers ./handlers
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# HOST 0.0.0.0: reachable from outside the container (the service's own default is loopback).
# These variables override a config file's http and dataDir: change them with `-e`, not in the file.
# XDG_CACHE_HOME: the embedded store's initdb image cache goes to the volume, so the root file
# system can stay read-only.
ENV NODE_ENV=production \
    TOURNIQUET_HTTP_HOST=0.0.0.0 \
    TOURNIQUET_HTTP_PORT=7478 \
    TOURNIQUET_DATA_DIR=/var/lib/tourniquet/data \
    XDG_CACHE_HOME=/var/lib/tourniquet/cache
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY --from=build /app/dist ./dist
# The console's stylesheet and script are files tsc does not emit: next to the compiled routes.
COPY --from=build /app/src/console/static ./dist/src/console/static
# The volume root is the service user's and private: the data dir (0700) and the audit anchor file
# (`<dataDir>.audit-anchors.jsonl`, next to the data dir, not in it) are created inside it.
RUN mkdir -p /var/lib/tourniquet && chown 1000:1000 /var/lib/tourniquet && chmod 0700 /var/lib/tourniquet
VOLUME /var/lib/tourniquet
USER 1000:1000
EXPOSE 7478
# Readiness, not liveness: 503 while the store or broker is unreachable or a handler is stalled.
# The slim image has no curl; Node's fetch does the probe.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.TOURNIQUET_HTTP_PORT + '/readyz').then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli/index.js"]
CMD ["start"]
