//! The pieces of the front door: caller tokens, rate limits, who the client is behind a
//! balancer, TLS (the `/v1` guard that uses them is `api::guard`), the metrics token, and the
//! signed links that open report pages without a token.

mod connections;
mod metrics_token;
mod rate_limit;
mod report_links;
mod settings;
mod tls;
mod tokens;
mod trusted_proxies;

pub use connections::{ConnectionCaps, ConnectionLimits, ConnectionSlot, OverCap};
pub use metrics_token::MetricsToken;
pub use rate_limit::RateLimiter;
pub use report_links::ReportLinks;
pub use settings::SecuritySettings;
pub use tls::{TlsError, server_config};
pub use tokens::{ApiTokens, TokenError};
pub use trusted_proxies::{TrustedProxies, cidr};
