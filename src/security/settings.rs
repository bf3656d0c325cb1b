//! Settings of the front door: caller tokens, exposure without them, rate limits, the proxies
//! whose `X-Forwarded-For` is believed.

use std::path::PathBuf;

use ipnet::IpNet;

use super::trusted_proxies::cidr;
use crate::domain::Secret;
use crate::setting_values::positive;

/// Who may call, and how often.
#[derive(Debug, Clone, clap::Args)]
pub struct SecuritySettings {
    /// Caller tokens: comma-separated `tenant:token` or `tenant:sha256:<hex of the token's SHA-256>`. [default: unset, no authentication]
    #[arg(long)]
    pub api_tokens: Option<Secret>,

    /// A file of caller tokens, one `tenant:token` or `tenant:sha256:<hex>` per line (`#` comments). [default: unset]
    #[arg(long)]
    pub api_tokens_file: Option<PathBuf>,

    /// Allow serving a non-loopback address without caller tokens (a warning is logged).
    #[arg(long, default_value = "false", num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub allow_unauthenticated: bool,

    /// Sustained requests per minute per tenant (per client IP without authentication).
    #[arg(long, default_value = "300", value_parser = positive)]
    pub rate_limit_per_minute: usize,

    /// Requests a caller may make at once before the sustained rate applies.
    #[arg(long, default_value = "60", value_parser = positive)]
    pub rate_limit_burst: usize,

    /// Failed authentications (missing or unknown token) one client address may make per minute; beyond it, 429 with Retry-After. A valid token is never refused by it.
    #[arg(long, default_value = "30", value_parser = positive)]
    pub failed_auth_per_minute: usize,

    /// Comma-separated CIDRs of the proxies (balancer, ingress) whose X-Forwarded-For is believed: behind them the client is the right-most hop not in the list. [default: unset, the peer is the client]
    #[arg(long, value_delimiter = ',', value_parser = cidr)]
    pub trusted_proxies: Vec<IpNet>,

    /// Secret the report links are signed with (HMAC-SHA256); the same on every replica. [default: unset, a random one per process]
    #[arg(long)]
    pub report_link_secret: Option<Secret>,
}
