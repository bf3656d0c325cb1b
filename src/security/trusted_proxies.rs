//! Who the client is behind a balancer: `--trusted-proxies`, the CIDRs of the proxies whose
//! `X-Forwarded-For` the service believes.
//!
//! The client address is the peer's, unless the peer is a trusted proxy: then it is the
//! right-most `X-Forwarded-For` hop that is not itself a trusted proxy. Each proxy appends the
//! address it received the request from, so only the hops that trusted proxies wrote can be
//! believed; whatever lies left of the first untrusted hop, a client may have written itself. A
//! header from a peer that is not trusted is ignored, and so is any header when none is trusted.

use std::net::IpAddr;

use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
}

/// A CIDR (`10.0.0.0/8`, `fd00::/8`) or a single address (`10.1.2.3`), as `--trusted-proxies`
/// takes each of its comma-separated items.
pub fn cidr(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is not a CIDR such as 10.0.0.0/8 or an address"))
}

impl TrustedProxies {
    /// Trusts the proxies in `networks`.
    pub fn new(networks: &[IpNet]) -> Self {
        Self {
            networks: networks.iter().map(IpNet::trunc).collect(),
        }
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.networks
            .iter()
            .any(|network| network.contains(&address))
    }

    /// The client's address of a request from `peer` with these `X-Forwarded-For` values (every
    /// header, in the order received).
    pub fn client<'a>(&self, peer: IpAddr, forwarded_for: impl Iterator<Item = &'a str>) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        // From the right: the address each trusted proxy received the request from.
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(address) = hop_address(hop) else {
                // Not an address: nothing left of it can be believed; the proxy that wrote it
                // is the client as far as the service can tell.
                return client;
            };
            client = address;
            if !self.trusts(address) {
                return address;
            }
        }
        client
    }
}

/// The address of one `X-Forwarded-For` hop: `192.0.2.1`, `2001:db8::1`, or either with a port
/// (`192.0.2.1:4711`, `[2001:db8::1]:4711`), as some proxies write them.
fn hop_address(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<std::net::SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|address| address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(cidrs: &[&str]) -> TrustedProxies {
        let networks: Vec<IpNet> = cidrs.iter().map(|c| cidr(c).unwrap()).collect();
        TrustedProxies::new(&networks)
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_header_of_a_peer_that_is_not_trusted_is_ignored() {
        let none = proxies(&[]);
        assert_eq!(
            none.client(ip("198.51.100.7"), ["203.0.113.9"].into_iter()),
            ip("198.51.100.7")
        );
        let some = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            some.client(ip("198.51.100.7"), ["203.0.113.9"].into_iter()),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn the_right_most_hop_that_is_not_trusted_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "192.168.1.1"]);
        // The client wrote a hop of its own choosing on the left; the balancer (10.0.0.5) and an
        // inner proxy (192.168.1.1) appended what they saw.
        let headers = ["6.6.6.6, 203.0.113.9", "192.168.1.1"];
        assert_eq!(
            trusted.client(ip("10.0.0.5"), headers.into_iter()),
            ip("203.0.113.9")
        );
        // Every hop trusted: the left-most is the client.
        assert_eq!(
            trusted.client(ip("10.0.0.5"), ["10.1.1.1, 10.2.2.2"].into_iter()),
            ip("10.1.1.1")
        );
        // No header: the trusted peer itself.
        assert_eq!(
            trusted.client(ip("10.0.0.5"), std::iter::empty()),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn ports_mapped_addresses_and_garbage_are_handled() {
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            trusted.client(ip("::ffff:10.0.0.5"), ["203.0.113.9:4711"].into_iter()),
            ip("203.0.113.9")
        );
        assert_eq!(
            trusted.client(ip("10.0.0.5"), ["[2001:db8::1]:443"].into_iter()),
            ip("2001:db8::1")
        );
        // Garbage right of the client: the last hop that could be read stands.
        assert_eq!(
            trusted.client(ip("10.0.0.5"), ["203.0.113.9, not-an-address"].into_iter()),
            ip("10.0.0.5")
        );
        assert!(cidr("10.0.0.0/33").is_err());
        assert!(cidr("fd00::/8").is_ok());
    }
}
