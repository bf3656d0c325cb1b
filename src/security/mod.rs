//! The service's front door: caller tokens and tenants, rate limits, TLS.

mod auth;
mod rate_limit;
mod tls;
mod tokens;

pub use auth::{Guard, guard};
pub use rate_limit::RateLimiter;
pub use tls::{TlsError, server_config};
pub use tokens::{ApiTokens, TokenError};
