//! IP ranges for the `IpAddress` / `NotIpAddress` condition operators.
//!
//! Policy values are CIDR blocks (`203.0.113.0/24`, `2001:db8::/32`) or
//! single addresses (a /32 or /128). Host bits set in the policy value are
//! ignored, as IAM does. An IPv4-mapped IPv6 request address
//! (`::ffff:203.0.113.5`) is compared as the IPv4 address it carries.

use std::net::IpAddr;

/// A parsed CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cidr {
    /// IPv4 network bits and prefix length.
    V4 { network: u32, prefix: u32 },
    /// IPv6 network bits and prefix length.
    V6 { network: u128, prefix: u32 },
}

impl Cidr {
    /// Parses `address[/prefix]`; `None` when malformed.
    pub(crate) fn parse(text: &str) -> Option<Cidr> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u32>().ok()?)),
            None => (text, None),
        };
        match address.parse::<IpAddr>().ok()? {
            IpAddr::V4(v4) => {
                let prefix = prefix.unwrap_or(32);
                (prefix <= 32).then(|| Cidr::V4 {
                    network: u32::from(v4) & mask_v4(prefix),
                    prefix,
                })
            }
            IpAddr::V6(v6) => {
                let prefix = prefix.unwrap_or(128);
                (prefix <= 128).then(|| Cidr::V6 {
                    network: u128::from(v6) & mask_v6(prefix),
                    prefix,
                })
            }
        }
    }

    /// Whether `address` (a request's `aws:SourceIp` value) is in the block.
    pub(crate) fn contains(&self, address: &str) -> bool {
        let Ok(address) = address.trim().parse::<IpAddr>() else {
            return false;
        };
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match (self, address) {
            (Cidr::V4 { network, prefix }, IpAddr::V4(ip)) => {
                u32::from(ip) & mask_v4(*prefix) == *network
            }
            (Cidr::V6 { network, prefix }, IpAddr::V6(ip)) => {
                u128::from(ip) & mask_v6(*prefix) == *network
            }
            _ => false,
        }
    }
}

/// Network mask with the top `prefix` bits set (`prefix` ≤ 32).
fn mask_v4(prefix: u32) -> u32 {
    u32::MAX.checked_shl(32 - prefix).unwrap_or(0)
}

/// Network mask with the top `prefix` bits set (`prefix` ≤ 128).
fn mask_v6(prefix: u32) -> u128 {
    u128::MAX.checked_shl(128 - prefix).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(cidr: &str, ip: &str) -> bool {
        Cidr::parse(cidr).is_some_and(|c| c.contains(ip))
    }

    #[test]
    fn ipv4_blocks() {
        assert!(contains("203.0.113.0/24", "203.0.113.77"));
        assert!(!contains("203.0.113.0/24", "203.0.114.1"));
        assert!(contains("203.0.113.9/24", "203.0.113.200"));
        assert!(contains("203.0.113.5", "203.0.113.5"));
        assert!(!contains("203.0.113.5", "203.0.113.6"));
        assert!(contains("0.0.0.0/0", "8.8.8.8"));
        assert!(contains("203.0.113.0/24", "::ffff:203.0.113.1"));
    }

    #[test]
    fn ipv6_blocks() {
        assert!(contains("2001:db8::/32", "2001:db8:1::1"));
        assert!(!contains("2001:db8::/32", "2001:db9::1"));
        assert!(!contains("2001:db8::/32", "203.0.113.1"));
        assert!(contains("::/0", "::1"));
    }

    #[test]
    fn malformed() {
        assert!(Cidr::parse("203.0.113.0/33").is_none());
        assert!(Cidr::parse("nope").is_none());
        assert!(!contains("203.0.113.0/24", "not-an-ip"));
    }
}
