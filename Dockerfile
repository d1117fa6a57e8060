# trunkmock as a CI service:
#   docker build -t trunkmock .
#   docker run --rm -p 8080:8080 trunkmock
# Flags come from TRUNKMOCK_* variables (e.g. -e TRUNKMOCK_SEED=42) or arguments after `serve`.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
# Compiled into the binary (include_str!): the image runs without these folders.
COPY contracts ./contracts
COPY scenarios ./scenarios
RUN cargo build --release --locked --bin trunkmock

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app trunkmock
WORKDIR /app
COPY --from=build /src/target/release/trunkmock /usr/local/bin/trunkmock
COPY contracts ./contracts
COPY scenarios ./scenarios
USER trunkmock
ENV TRUNKMOCK_HOST=0.0.0.0 \
    TRUNKMOCK_PORT=8080
EXPOSE 8080
# Follows the configured port (and admin token, when one is set) at run time.
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s --retries=3 \
    CMD curl -fsS -H "Authorization: Bearer ${TRUNKMOCK_ADMIN_TOKEN:-}" "http://127.0.0.1:${TRUNKMOCK_PORT}/__admin/health" || exit 1
ENTRYPOINT ["trunkmock"]
CMD ["serve"]
