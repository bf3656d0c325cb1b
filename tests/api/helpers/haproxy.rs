//! HAProxy (Debian's package) on a free loopback port in front of the given servers: round robin,
//! and a request whose server died (connection refused, reset or closed before an answer) sent
//! again to another server (`retry-on` with `option redispatch`). It appends the address each
//! request came from to `X-Forwarded-For`, as balancers do.

use std::process::{Command, Stdio};
use std::time::Duration;

use super::process::{ChildGuard, find_tool, free_port, wait_for_port};

/// A running HAProxy.
pub struct Haproxy {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    _child: ChildGuard,
    _dir: tempfile::TempDir,
}

impl Haproxy {
    /// Balances `servers` (`http://127.0.0.1:PORT` each).
    pub async fn start(servers: &[&str]) -> Self {
        Self::connecting_from(servers, "127.0.0.1").await
    }

    /// Balances `servers`, connecting to them from loopback address `source` (`127.0.0.2`): the
    /// servers then tell the balancer apart from its clients, which connect from `127.0.0.1`.
    pub async fn connecting_from(servers: &[&str], source: &str) -> Self {
        let port = free_port();
        let backends: String = servers
            .iter()
            .enumerate()
            .map(|(i, url)| {
                let address = url.trim_start_matches("http://");
                format!("    server replica{i} {address} source {source}\n")
            })
            .collect();
        let config = format!(
            "global\n\
             \x20   maxconn 4096\n\
             defaults\n\
             \x20   mode http\n\
             \x20   timeout connect 2s\n\
             \x20   timeout client 120s\n\
             \x20   timeout server 120s\n\
             \x20   # A request whose replica died is sent to another one: the request is kept\n\
             \x20   # (it is small) and retried on a refused or reset connection or an empty answer.\n\
             \x20   retries 3\n\
             \x20   option redispatch 1\n\
             \x20   retry-on conn-failure empty-response response-timeout\n\
             \x20   option forwardfor\n\
             frontend api\n\
             \x20   bind 127.0.0.1:{port}\n\
             \x20   default_backend replicas\n\
             backend replicas\n\
             \x20   balance roundrobin\n\
             {backends}"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, config).unwrap();
        let child = Command::new(find_tool("HAPROXY", "haproxy"))
            .args(["-db", "-f"])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("haproxy runs (scripts/setup-test-deps installs it)");
        let child = ChildGuard(child);
        wait_for_port(port, Duration::from_secs(10), "haproxy").await;
        Self {
            base_url: format!("http://127.0.0.1:{port}"),
            _child: child,
            _dir: dir,
        }
    }
}
