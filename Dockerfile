# Switchyard container image.
#
#   docker build -t switchyard:0.1.0 .
#   docker run --rm -p 8080:8080 -v "$PWD/switchyard.yaml:/etc/switchyard/switchyard.yaml:ro" \
#     -e SWITCHYARD_CONFIG=/etc/switchyard/switchyard.yaml -e SWITCHYARD_ADMIN_KEY="$(openssl rand -hex 24)" \
#     switchyard:0.1.0
#
# The image listens on 0.0.0.0, and the configuration refuses `auth.mode: none` off loopback, so give it a
# configuration file with auth (see deploy/switchyard.compose.yaml or deploy/k8s/base/configmap.yaml).

# ---- build: full Debian image, which has python3, make and g++ for better-sqlite3's node-gyp fallback.
FROM node:24-bookworm AS build
WORKDIR /app
# The in-process engine's CPU build ships as an npm package; never download or compile llama.cpp here.
ENV NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
# .npmrc omits node-llama-cpp's optional CUDA/Vulkan builds (~700 MB).
COPY package.json package-lock.json .npmrc ./
# Scripts are skipped so that `prepare` (a tsc build) does not run before the sources are copied; the two
# dependencies that need their install scripts get them through `npm rebuild`. This layer is then reused for
# every change that leaves the lockfile alone.
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3 node-llama-cpp
COPY tsconfig.json ./
COPY src ./src
# The web console's sources; the build bundles them into dist/console (Vite, with its bundle-size check).
COPY console ./console
# Only src/ and console/ are copied, so only the server and the console are built (tests and benchmarks stay out).
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: slim Debian (same glibc as the build stage, so the native addons load), no compilers, no npm work.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    SWITCHYARD_HOST=0.0.0.0
# pg_dump and pg_restore for `switchyard backup|restore` on a PostgreSQL store (the backup CronJob runs this image).
# pg_dump refuses a server newer than itself, so its major version is pinned here and the PostgreSQL the compose
# stack and the Kubernetes quickstart run is the same major (tests check the three agree). Debian bookworm has 15;
# for a newer server, build with --build-arg PG_CLIENT=postgresql-client-<major> from a base that has it (e.g.
# with the PGDG apt repository).
ARG PG_CLIENT=postgresql-client-15
RUN apt-get update \
  && apt-get install -y --no-install-recommends "$PG_CLIENT" \
  && rm -rf /var/lib/apt/lists/*
# A numeric, non-root user: Kubernetes' runAsNonRoot can only verify a numeric UID.
RUN groupadd --system --gid 10001 switchyard \
  && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin switchyard
WORKDIR /app
# Code and dependencies stay owned by root: the service user can read them but not change them.
# package.json carries "type": "module", which Node needs to load dist/ as ES modules.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/console ./dist/console
# The only writable places: SQLite data (embedded default) and downloaded GGUF models.
RUN mkdir -p /app/data /app/models && chown 10001:10001 /app/data /app/models
USER 10001:10001
EXPOSE 8080
# No curl in the slim image: Node's own fetch. SWITCHYARD_PORT, when set, moves the listener and the check together.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SWITCHYARD_PORT || 8080) + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/cli.js", "serve"]
