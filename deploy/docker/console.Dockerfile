# syntax=docker/dockerfile:1
#
# The console's image: one binary with the web app embedded, like the services'.
#
#   docker build -f deploy/docker/console.Dockerfile -t aftersales/console .
#
# Node builds the app in its own stage (npm ci from the committed lock file); the Rust
# stage embeds it (CONSOLE_WEB_PREBUILT=1: build.rs does not look for npm). The
# runtime image has neither Node nor the app's sources.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG RUST_IMAGE=rust:1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${NODE_IMAGE} AS web
WORKDIR /web
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY services/console/web/package.json services/console/web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY services/console/web/ ./
RUN npm run build -- --outDir /web/dist --emptyOutDir

FROM ${RUST_IMAGE} AS builder
WORKDIR /src
COPY . .
COPY --from=web /web/dist services/console/web/dist
ENV CONSOLE_WEB_PREBUILT=1
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,id=aftersales-target-console,sharing=locked \
    cargo build --release --locked -p aftersales-console --bin console \
 && install -D -m 0755 target/release/console /out/console

FROM ${RUNTIME_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
COPY --from=builder /out/console /usr/local/bin/console
LABEL org.opencontainers.image.title="aftersales-console" \
      org.opencontainers.image.source="aftersales" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV HTTP_ADDR=0.0.0.0:8080 \
    LOG_FORMAT=json
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/console"]
