//! A private redis-server per test on a free loopback port, stoppable and restartable.
//!
//! The one peer started on a port picked beforehand: given port 0, redis-server opens no TCP port
//! at all, and the tests restart it on the same port to show the service reconnecting by itself.

use std::process::{Command, Stdio};
use std::time::Duration;

use super::process::{ChildGuard, free_port, wait_for_port};

/// A running (or stopped) redis-server.
pub struct RedisServer {
    port: u16,
    child: Option<ChildGuard>,
}

impl RedisServer {
    /// Starts redis-server on a free port, keeping nothing on disk.
    pub async fn start() -> Self {
        let mut server = Self {
            port: free_port(),
            child: None,
        };
        server.restart().await;
        server
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server (its data is gone).
    pub fn stop(&mut self) {
        self.child = None;
    }

    /// Starts it again on the same port.
    pub async fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/setup-test-deps installs it)");
        self.child = Some(ChildGuard(child));
        wait_for_port(self.port, Duration::from_secs(10), "redis-server").await;
    }

    /// Every key and value in the server, as text.
    pub async fn dump(&self) -> Vec<(String, String)> {
        let client = redis::Client::open(self.url()).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("*")
            .query_async(&mut connection)
            .await
            .unwrap();
        let mut all = Vec::new();
        for key in keys {
            let kind: String = redis::cmd("TYPE")
                .arg(&key)
                .query_async(&mut connection)
                .await
                .unwrap();
            let value = if kind == "list" || kind == "zset" {
                let read = if kind == "list" { "LRANGE" } else { "ZRANGE" };
                let items: Vec<String> = redis::cmd(read)
                    .arg(&key)
                    .arg(0)
                    .arg(-1)
                    .query_async(&mut connection)
                    .await
                    .unwrap();
                items.join("\n")
            } else {
                // A short-lived key (an AWS budget's period) may expire between KEYS and GET.
                let value: Option<String> = redis::cmd("GET")
                    .arg(&key)
                    .query_async(&mut connection)
                    .await
                    .unwrap();
                let Some(value) = value else { continue };
                value
            };
            all.push((key, value));
        }
        all
    }
}
