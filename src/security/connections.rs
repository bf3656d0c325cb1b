//! Caps on open connections: in total, and (off by default) per client address.
//!
//! Each accepted connection takes a [`ConnectionSlot`] that gives its place back when the
//! connection closes. A connection over a cap is still accepted (refusing at accept would
//! leave the client waiting in the backlog); its first request is answered `503` and the
//! connection is closed, so a flood of connections costs the service one short answer each.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// The caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionCaps {
    /// Most open connections in total.
    pub total: usize,
    /// Most open connections from one client address; `None`: no per-address cap (behind a
    /// load balancer every connection comes from the balancer's address).
    pub per_address: Option<usize>,
}

#[derive(Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// Counts open connections against the caps; shared by every worker.
#[derive(Clone)]
pub struct ConnectionLimits {
    caps: ConnectionCaps,
    open: Arc<Mutex<Open>>,
}

/// Why a connection is over a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverCap {
    /// Too many connections in total.
    Total,
    /// Too many connections from this client's address.
    Address,
}

/// One open connection's place; dropping it (when the connection closes) gives it back.
pub struct ConnectionSlot {
    limits: ConnectionLimits,
    address: Option<IpAddr>,
    /// `None` when the connection is within the caps.
    pub over: Option<OverCap>,
}

impl ConnectionLimits {
    /// Limits with these caps.
    pub fn new(caps: ConnectionCaps) -> Self {
        Self {
            caps,
            open: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a new connection from `address` (unknown for other transports) and says whether
    /// it is within the caps. Every connection is counted, so the count stays right whatever
    /// the outcome.
    pub fn open(&self, address: Option<IpAddr>) -> ConnectionSlot {
        let mut open = self.lock();
        open.total += 1;
        let mut over = (open.total > self.caps.total).then_some(OverCap::Total);
        if let Some(address) = address {
            let count = open.by_address.entry(address).or_default();
            *count += 1;
            if self.caps.per_address.is_some_and(|cap| *count > cap) {
                over = over.or(Some(OverCap::Address));
            }
        }
        ConnectionSlot {
            limits: self.clone(),
            address,
            over,
        }
    }

    /// Connections open now.
    pub fn open_count(&self) -> usize {
        self.lock().total
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.limits.lock();
        open.total = open.total.saturating_sub(1);
        if let Some(address) = self.address
            && let Some(count) = open.by_address.get_mut(&address)
        {
            *count -= 1;
            if *count == 0 {
                open.by_address.remove(&address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, last]))
    }

    #[test]
    fn slots_over_a_cap_are_marked_and_places_come_back_on_close() {
        let limits = ConnectionLimits::new(ConnectionCaps {
            total: 3,
            per_address: Some(2),
        });
        let first = limits.open(address(1));
        let second = limits.open(address(1));
        let third = limits.open(address(1));
        assert_eq!((first.over, second.over), (None, None));
        assert_eq!(third.over, Some(OverCap::Address));
        let other = limits.open(address(2));
        assert_eq!(other.over, Some(OverCap::Total));
        drop((third, other));
        assert_eq!(limits.open_count(), 2);
        assert_eq!(limits.open(address(2)).over, None);
        drop(first);
        assert_eq!(limits.open(address(1)).over, None);
    }

    #[test]
    fn without_a_per_address_cap_only_the_total_counts() {
        let limits = ConnectionLimits::new(ConnectionCaps {
            total: 2,
            per_address: None,
        });
        let slots: Vec<_> = (0..3).map(|_| limits.open(address(1))).collect();
        let marks: Vec<_> = slots.iter().map(|slot| slot.over).collect();
        assert_eq!(marks, [None, None, Some(OverCap::Total)]);
    }
}
