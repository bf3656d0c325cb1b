//! Settings of the HTTP server of the API: where it and the metrics listen, TLS, connection
//! bounds, shutdown.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::domain::Secret;
use crate::setting_values::{duration, positive, positive_duration};

/// Where `/metrics` is served when caller tokens are configured and `--metrics-listen` is not:
/// loopback, so that nothing off the machine reads it unless the operator says where.
pub const DEFAULT_METRICS_LISTEN: SocketAddr =
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9464);

/// The listeners and what they accept.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerSettings {
    /// Address of the API.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Address of a separate listener for `/metrics`, closed to callers. [default: unset: with caller tokens 127.0.0.1:9464, without them metrics on the API address]
    #[arg(long)]
    pub metrics_listen: Option<SocketAddr>,

    /// Bearer token a scraper must send for `/metrics` (for scrapes that cross a network). [default: unset, no token]
    #[arg(long)]
    pub metrics_token: Option<Secret>,

    /// PEM certificate chain: serve HTTPS (with --tls-key). [default: unset, plain HTTP]
    #[arg(long)]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert. [default: unset]
    #[arg(long)]
    pub tls_key: Option<PathBuf>,

    /// How long a request body may take to arrive in full; a slower one gets 408 and its connection is closed.
    #[arg(long, default_value = "5s", value_parser = positive_duration)]
    pub body_timeout: Duration,

    /// Most open client connections in total; requests of connections beyond it get 503 and are closed.
    #[arg(long, default_value = "4096", value_parser = positive)]
    pub max_connections: usize,

    /// Most open connections from one client address (leave unset behind a load balancer, where every connection comes from it). [default: unset, no per-address cap]
    #[arg(long, value_parser = positive)]
    pub max_connections_per_address: Option<usize>,

    /// How long a stopping server waits for in-flight requests.
    #[arg(long, default_value = "30s", value_parser = duration)]
    pub shutdown_timeout: Duration,
}

impl ServerSettings {
    /// Where `/metrics` has a listener of its own: `--metrics-listen`, else, when callers need
    /// tokens, [`DEFAULT_METRICS_LISTEN`], since a tenant's connectors and their health must not
    /// be readable on the API port. `None`: on the API port (no tokens: a trial on one machine).
    pub fn metrics_address(&self, authenticated: bool) -> Option<SocketAddr> {
        match (self.metrics_listen, authenticated) {
            (Some(address), _) => Some(address),
            (None, true) => Some(DEFAULT_METRICS_LISTEN),
            (None, false) => None,
        }
    }

    /// The certificate and key files when the service terminates TLS; both or neither.
    pub fn tls(&self) -> Result<Option<(PathBuf, PathBuf)>, &'static str> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Ok(Some((cert.clone(), key.clone()))),
            (None, None) => Ok(None),
            _ => Err("--tls-cert and --tls-key go together"),
        }
    }
}
