# Multi-stage build:
#   build   - all dependencies, the native better-sqlite3 addon compiled/fetched, TypeScript -> dist/,
#             the console (web/) -> dist/web
#             (also the target of docker-compose.dev.yml: tsx watch on the mounted source)
#   deps    - the same node_modules pruned to production dependencies (the compiled addon stays)
#   runtime - node_modules + dist + package.json, run as the unprivileged `node` user
# redis-server is NOT in the image: use the compose file's redis service, or set REDIS_URL.
#
# NODE_IMAGE: the Node.js 20 base of both stages (a Debian bookworm with node, npm and a `node`
# user of uid 1000). Only `npm run test:docker` changes it, to a stand-in built on a machine that
# cannot pull from a registry.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# Optional npm mirror: docker build --build-arg npm_config_registry=https://npm.example/ .
ARG npm_config_registry=https://registry.npmjs.org/
WORKDIR /app
# python3, make and g++: node-gyp, when better-sqlite3 has no prebuilt binary for this platform.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# npm runs better-sqlite3's install script during `npm ci` (prebuilt binary, else node-gyp). If the
# npm in use skipped it (newer npm versions gate install scripts: see "allowScripts" in
# package.json), rebuild it explicitly. Either way the addon must load before the build goes on.
RUN npm ci --no-audit --no-fund \
 && { node -e "require('better-sqlite3')(':memory:').close()" 2>/dev/null || npm rebuild better-sqlite3; } \
 && node -e "require('better-sqlite3')(':memory:').close()" \
 && npm cache clean --force
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The operator console (Vite + Preact), built into dist/web and served by the api at /.
COPY web ./web
# No source maps in the image (tsconfig.json makes them for development).
RUN npm run build \
 && find dist -name '*.map' -delete

FROM build AS deps
# Also gone: dependencies' source maps (nothing reads them in production); typescript, which the
# prune keeps as an optional peer of valibot (for its types; nothing loads it); and better-sqlite3's
# SQLite sources and compiler output, all but the addon itself.
RUN npm prune --omit=dev --no-audit --no-fund \
 && find node_modules -name '*.map' -type f -delete \
 && rm -rf node_modules/typescript node_modules/.bin/tsc node_modules/.bin/tsserver \
 && rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
 && find node_modules/better-sqlite3/build -type f ! -name better_sqlite3.node -delete \
 && find node_modules/better-sqlite3/build -type d -empty -delete \
 && node -e "require('better-sqlite3')(':memory:').close()"

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/app/data \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Code and dependencies stay owned by root (read-only to the app); only /app/data is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# A new named volume mounted here starts with this directory's owner (node), so the SQLite
# database, the generated admin key and import scratch files (data/tmp) are writable without root.
RUN mkdir -p /app/data && chown node:node /app/data && chmod 700 /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
# /health is served by the api and all roles; compose disables the check for worker containers,
# which have no HTTP listener (docker run -e ROLE=worker ...: add --no-healthcheck).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The role comes from ROLE (api | worker | all, default all; compose sets it per service).
# REDIS_URL is required: the image has no redis-server to start a private one.
CMD ["node", "dist/main.js"]
