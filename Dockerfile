# syntax=docker/dockerfile:1
# connector-doctor: a small non-root image of the release binary.
#   docker build -t connector-doctor:0.1.0 .     (podman without a registry: scripts/build-image)
# Guide: docs/deployment.md. Linted by hadolint in tests/deploy.

# ---- build: the official Rust image (Debian bookworm, with gcc, which aws-lc-sys needs) ----
# Same Debian release as the runtime image below, so the binary's glibc matches.
FROM rust:1-bookworm AS builder
WORKDIR /build

# Dependencies in their own layer, rebuilt only when Cargo.toml or Cargo.lock change: the AWS SDK
# crates take minutes to compile, the service itself seconds. A dummy lib + main stand in for src/.
COPY Cargo.toml Cargo.lock ./
# Cargo.toml declares the criterion benchmark, so its source must exist for cargo to read the manifest.
COPY benches ./benches
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked \
 && rm -rf src

# All of src/: the catalogue and requirements TOML files are compiled in with include_str!; and the
# report page's templates, compiled in by askama.
COPY src ./src
COPY templates ./templates
# COPY keeps the files' modification times, which can be older than the dummy build's: touch so that
# cargo rebuilds the crate itself.
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked \
 && install -D -m 0755 target/release/connector-doctor /out/connector-doctor

# ---- runtime: distroless glibc image (CA certificates, no shell, no package manager) ----
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime

# A numeric non-root user, so that Kubernetes' runAsNonRoot can verify it (the chart runs as 10001 too).
USER 10001:10001

# Listen on all interfaces inside the container (the binary's default is loopback only); metrics on
# their own port, which the Helm chart keeps away from API callers; JSON logs for log pipelines.
ENV CONNECTOR_DOCTOR_LISTEN=0.0.0.0:8080 \
    CONNECTOR_DOCTOR_METRICS_LISTEN=0.0.0.0:9090 \
    CONNECTOR_DOCTOR_LOG_FORMAT=json
EXPOSE 8080 9090

# No HEALTHCHECK: the image has no shell or curl; Kubernetes probes /healthz and /readyz instead.
ENTRYPOINT ["/usr/local/bin/connector-doctor"]

# ---- prebuilt: the runtime around a binary built outside, at prebuilt/connector-doctor in the
# context (`--target prebuilt`): the tests run the image of the binary they built, without
# compiling in a container. The builder stage is not built then.
FROM runtime AS prebuilt
COPY prebuilt/connector-doctor /usr/local/bin/connector-doctor

# ---- the image (the default target): the runtime with the builder's release binary ----
FROM runtime
COPY --from=builder /out/connector-doctor /usr/local/bin/connector-doctor
