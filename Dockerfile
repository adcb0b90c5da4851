# Sluice container image. Configured only through SLUICE_* environment
# variables (see `sluice config-docs`), or a connector JSON mounted and passed
# with --config.
FROM node:24-bookworm-slim AS build
# librdkafka is built against Debian's libraries (no downloads at build time).
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential python3 zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN CKJS_LINKING=dynamic npm install --no-audit --no-fund
# The native consumer addon links against the librdkafka built just above.
COPY native ./native
COPY scripts/build-native.sh ./scripts/
RUN bash scripts/build-native.sh --force
COPY tsconfig.json vitest.config.ts ./
COPY src ./src
COPY bench ./bench
COPY test ./test
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      zlib1g libssl3 libzstd1 liblz4-1 libsasl2-2 libsasl2-modules libcurl4 ca-certificates tini \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# Its rpath ($ORIGIN/../../../node_modules/...) finds the binding's librdkafka.
COPY --from=build /app/native/build/Release/sluice_native.node ./native/build/Release/
USER node
# tini forwards SIGTERM so Sluice drains (flush + commit) before the container stops.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/src/cli.js"]
CMD ["run"]
