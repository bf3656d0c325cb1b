//! Child processes for real peers: each binds port 0 and says in its output which port it got
//! (redis-server excepted: it runs on a picked port, see [`super::redis`]); their output kept in a
//! log file, and cleanup on drop. Nothing here blocks a test's runtime: waits are async.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

/// A loopback port nobody listens on right now: for redis-server (which binds no TCP port when
/// given port 0) and for addresses that must refuse connections.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

/// Waits until something accepts connections on `port`, or panics after `limit`.
pub async fn wait_for_port(port: u16, limit: Duration, what: &str) {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::net::TcpStream::connect(address).await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not listen on port {port} within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Finds a tool: the environment variable `env`, else `.venv/bin/<name>` of the repo, else `PATH`.
pub fn find_tool(env: &str, name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".venv/bin")
        .join(name);
    if venv.exists() {
        return venv;
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|candidate| candidate.exists())
        })
        .unwrap_or_else(|| {
            panic!("{name} not found: run .ci/run once (it installs it), or set {env}")
        })
}

/// Text without the ANSI escape sequences (colours) that some peers write even into a pipe.
pub fn without_ansi(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters... final byte in @..~
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// One output stream of a child, copied line by line into a log file by a thread of its own
/// (so the child never blocks on a full pipe), watched for the line that announces its address.
pub struct Announcement {
    address: oneshot::Receiver<SocketAddr>,
    copier: JoinHandle<()>,
}

impl Announcement {
    /// Starts copying `output` to `log`; `parse` finds the address in the announcing line.
    pub fn watch(
        output: impl Read + Send + 'static,
        mut log: std::fs::File,
        parse: fn(&str) -> Option<SocketAddr>,
    ) -> Self {
        let (sender, address) = oneshot::channel();
        let copier = std::thread::spawn(move || {
            let mut sender = Some(sender);
            for line in BufReader::new(output).split(b'\n') {
                let Ok(line) = line else { break };
                // Written first: once the address is announced, its line is in the log.
                let _ = log.write_all(&line);
                let _ = log.write_all(b"\n");
                let text = String::from_utf8_lossy(&line);
                if let Some(found) = sender.as_ref().and_then(|_| parse(&text))
                    && let Some(sender) = sender.take()
                {
                    let _ = sender.send(found);
                }
            }
            // The child closed its output (it exited): dropping an unused sender tells the waiter.
        });
        Self { address, copier }
    }

    /// The announced address; panics with `log` if the child exits or stays silent for `limit`.
    pub async fn address(&mut self, limit: Duration, what: &str, log: &Path) -> SocketAddr {
        match tokio::time::timeout(limit, &mut self.address).await {
            Ok(Ok(address)) => address,
            Ok(Err(_)) => panic!(
                "{what} ended its output without announcing an address:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            ),
            Err(_) => panic!(
                "{what} announced no address within {limit:?}:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            ),
        }
    }

    /// Waits until everything the child wrote is in the log (call once the child has exited).
    pub fn finish(self) {
        let _ = self.copier.join();
    }
}

/// A child process killed when dropped.
pub struct ChildGuard(pub Child);

impl ChildGuard {
    /// Stops the process as an orchestrator would: SIGTERM, then SIGKILL if it has not exited
    /// within `grace`. A service writes out its queued log lines on SIGTERM; a kill loses them.
    pub async fn terminate(mut self, grace: Duration) {
        let pid = self.0.id().to_string();
        let _ = tokio::task::spawn_blocking(move || {
            std::process::Command::new("kill")
                .args(["-TERM", &pid])
                .status()
        })
        .await;
        let deadline = tokio::time::Instant::now() + grace;
        while tokio::time::Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Dropped here: killed.
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
