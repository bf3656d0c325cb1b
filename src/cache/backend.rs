//! Where cached data lives: process memory (the embedded default) or Redis. Both offer the
//! same few string and list operations; everything above them is shared.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use bytes::Bytes;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::cell_book::MemoryBooks;
use crate::domain::Secret;

/// A storage operation failed (only Redis fails; memory never does).
#[derive(Debug, thiserror::Error)]
#[error("redis {operation} failed: {kind}")]
pub struct StoreError {
    operation: &'static str,
    /// The error's category only: a Redis error text may carry connection details.
    kind: String,
}

impl StoreError {
    fn redis(operation: &'static str, error: &redis::RedisError) -> Self {
        let kind = if error.is_timeout() {
            "timeout".to_owned()
        } else if error.is_connection_refusal()
            || error.is_connection_dropped()
            || error.is_io_error()
        {
            "connection".to_owned()
        } else {
            format!("{:?}", error.kind())
        };
        Self { operation, kind }
    }
}

/// The storage backends.
pub enum Backend {
    /// Bounded process memory.
    Memory(MemoryBackend),
    /// A Redis server or cluster endpoint (boxed: its client is much larger than the map).
    Redis(Box<RedisBackend>),
}

impl Backend {
    /// The backend's name, for logs and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Memory(_) => "memory",
            Backend::Redis(_) => "redis",
        }
    }

    /// The value stored at `key`, as bytes: a cache hit serves them as they are (no copy from
    /// memory, no UTF-8 check of a value this service wrote).
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, StoreError> {
        match self {
            Backend::Memory(memory) => Ok(memory.get(key)),
            Backend::Redis(redis) => {
                let value: Option<Vec<u8>> = redis.query("GET", redis::cmd("GET").arg(key)).await?;
                Ok(value.map(Bytes::from))
            }
        }
    }

    /// Stores `value` at `key` for `ttl`.
    pub async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        match self {
            Backend::Memory(memory) => {
                memory.set(key, Value::text(value), ttl);
                Ok(())
            }
            Backend::Redis(redis) => {
                let command = redis::cmd("SET")
                    .arg(key)
                    .arg(value)
                    .arg("PX")
                    .arg(millis(ttl))
                    .clone();
                redis.query::<()>("SET", &command).await
            }
        }
    }

    /// Stores `value` at `key` for `ttl` only if nothing is there; whether it did.
    pub async fn set_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        match self {
            Backend::Memory(memory) => Ok(memory.set_if_absent(key, value, ttl)),
            Backend::Redis(redis) => {
                let command = redis::cmd("SET")
                    .arg(key)
                    .arg(value)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(ttl))
                    .clone();
                let set: Option<String> = redis.query("SET NX", &command).await?;
                Ok(set.is_some())
            }
        }
    }

    /// Removes `key`.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self {
            Backend::Memory(memory) => {
                memory.delete(key);
                Ok(())
            }
            Backend::Redis(redis) => redis.query::<()>("DEL", redis::cmd("DEL").arg(key)).await,
        }
    }

    /// Pushes `value` at the head of the list at `key`, keeps `cap` items, and keeps the list `ttl`.
    pub async fn push_capped(
        &self,
        key: &str,
        value: &str,
        cap: usize,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        match self {
            Backend::Memory(memory) => {
                memory.push_capped(key, value, cap, ttl);
                Ok(())
            }
            Backend::Redis(redis) => {
                let mut pipe = redis::pipe();
                pipe.atomic()
                    .cmd("LPUSH")
                    .arg(key)
                    .arg(value)
                    .ignore()
                    .cmd("LTRIM")
                    .arg(key)
                    .arg(0)
                    .arg(cap.saturating_sub(1))
                    .ignore()
                    .cmd("PEXPIRE")
                    .arg(key)
                    .arg(millis(ttl))
                    .ignore();
                redis.query_pipeline("LPUSH", &pipe).await
            }
        }
    }

    /// Takes a turn under `key` if fewer than `calls` were taken in the last `per` (`None`),
    /// else how long until one is free.
    pub async fn take_turn(
        &self,
        key: &str,
        calls: u32,
        per: Duration,
    ) -> Result<Option<Duration>, StoreError> {
        match self {
            Backend::Memory(memory) => Ok(memory.take_turn(key, calls, per)),
            Backend::Redis(redis) => {
                let script = redis::Script::new(TAKE_TURN);
                let mut invocation = script.key(key);
                invocation
                    .arg(calls)
                    .arg(millis(per))
                    .arg(hex::encode(rand::random::<[u8; 8]>()));
                let wait: i64 = redis.invoke("EVALSHA", &invocation).await?;
                Ok(u64::try_from(wait).ok().map(Duration::from_millis))
            }
        }
    }

    /// The first `limit` items of the list at `key`.
    pub async fn list(&self, key: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        match self {
            Backend::Memory(memory) => Ok(memory.list(key, limit)),
            Backend::Redis(redis) => {
                let command = redis::cmd("LRANGE")
                    .arg(key)
                    .arg(0)
                    .arg(limit.saturating_sub(1))
                    .clone();
                redis.query("LRANGE", &command).await
            }
        }
    }
}

/// The turn a sliding window of `per` admits under `KEYS[1]`: the clock is Redis's own, so every
/// replica counts on the same one (`replicate_commands` lets a script write after reading the
/// clock on Redis before 5; later versions always allow it). Returns -1 when the turn is taken,
/// else the milliseconds until the oldest turn in the window leaves it.
const TAKE_TURN: &str = r"
redis.replicate_commands()
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local calls = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
if redis.call('ZCARD', KEYS[1]) < calls then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], per)
  return -1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + per - now)
";

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// A stored value.
enum Value {
    Text(Bytes),
    List(VecDeque<String>),
}

impl Value {
    fn text(value: &str) -> Self {
        Value::Text(Bytes::copy_from_slice(value.as_bytes()))
    }
}

/// Process memory, bounded: past `capacity` entries, expired ones go first, then the
/// ones closest to expiring.
pub struct MemoryBackend {
    entries: Mutex<HashMap<String, (Value, Instant)>>,
    capacity: usize,
    /// The turns taken in each budget's window, oldest first.
    turns: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Administrators' books of account-regions read.
    pub(super) books: MemoryBooks,
}

/// Budgets kept in memory before the idle ones are dropped.
const MEMORY_BUDGETS: usize = 10_000;

impl MemoryBackend {
    /// At most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            turns: Mutex::default(),
            books: MemoryBooks::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, (Value, Instant)>> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, key: &str) -> Option<Bytes> {
        match self.lock().get(key) {
            Some((Value::Text(text), expires)) if *expires > Instant::now() => Some(text.clone()),
            _ => None,
        }
    }

    fn set(&self, key: &str, value: Value, ttl: Duration) {
        let mut entries = self.lock();
        if !entries.contains_key(key) && entries.len() >= self.capacity {
            let now = Instant::now();
            entries.retain(|_, (_, expires)| *expires > now);
            if entries.len() >= self.capacity
                && let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, (_, e))| *e)
                    .map(|(k, _)| k.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(key.to_owned(), (value, Instant::now() + ttl));
    }

    fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> bool {
        if self.get(key).is_some() {
            return false;
        }
        self.set(key, Value::text(value), ttl);
        true
    }

    fn delete(&self, key: &str) {
        self.lock().remove(key);
    }

    fn push_capped(&self, key: &str, value: &str, cap: usize, ttl: Duration) {
        let mut items = match self.lock().remove(key) {
            Some((Value::List(items), expires)) if expires > Instant::now() => items,
            _ => VecDeque::new(),
        };
        items.push_front(value.to_owned());
        items.truncate(cap);
        self.set(key, Value::List(items), ttl);
    }

    fn take_turn(&self, key: &str, calls: u32, per: Duration) -> Option<Duration> {
        let now = Instant::now();
        let mut budgets = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
        if budgets.len() >= MEMORY_BUDGETS && !budgets.contains_key(key) {
            budgets.retain(|_, turns| turns.back().is_some_and(|last| now - *last < per));
        }
        let turns = budgets.entry(key.to_owned()).or_default();
        while turns.front().is_some_and(|oldest| now - *oldest >= per) {
            turns.pop_front();
        }
        if turns.len() < calls as usize {
            turns.push_back(now);
            return None;
        }
        turns
            .front()
            .map(|oldest| (*oldest + per - now).max(Duration::from_millis(1)))
    }

    fn list(&self, key: &str, limit: usize) -> Vec<String> {
        match self.lock().get(key) {
            Some((Value::List(items), expires)) if *expires > Instant::now() => {
                items.iter().take(limit).cloned().collect()
            }
            _ => Vec::new(),
        }
    }
}

/// Redis through auto-reconnecting connection managers, one per thread that uses the cache,
/// each made on first use so the service starts (degraded) while Redis is down.
///
/// Why one per thread: a connection's driver task runs on the runtime that made it, and each
/// actix worker has a runtime of its own. With one shared connection, every request of the other
/// workers crossed threads twice (and they all queued on one async lock to get it): a cache hit
/// then cost nearly twice as much with Redis as in memory.
pub struct RedisBackend {
    client: redis::Client,
    managers: Mutex<HashMap<ThreadId, ConnectionManager>>,
    timeout: Duration,
}

impl RedisBackend {
    /// A backend for `url` (`redis://` or `rediss://`, AUTH in the URL).
    pub fn new(url: &Secret, timeout: Duration) -> Result<Self, StoreError> {
        let client =
            redis::Client::open(url.expose()).map_err(|error| StoreError::redis("open", &error))?;
        Ok(Self {
            client,
            managers: Mutex::default(),
            timeout,
        })
    }

    fn managers(&self) -> MutexGuard<'_, HashMap<ThreadId, ConnectionManager>> {
        self.managers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        let thread = std::thread::current().id();
        if let Some(manager) = self.managers().get(&thread) {
            return Ok(manager.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1);
        let created = self
            .client
            .get_connection_manager_with_config(config)
            .await
            .map_err(|error| StoreError::redis("connect", &error))?;
        // Two requests of one thread may both have connected: keep the first, drop the other.
        Ok(self.managers().entry(thread).or_insert(created).clone())
    }

    async fn query<T: redis::FromRedisValue>(
        &self,
        operation: &'static str,
        command: &redis::Cmd,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection().await?;
        command
            .query_async(&mut connection)
            .await
            .map_err(|error| StoreError::redis(operation, &error))
    }

    /// The answers of a pipeline's commands.
    pub(super) async fn query_pipeline<T: redis::FromRedisValue>(
        &self,
        operation: &'static str,
        pipe: &redis::Pipeline,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection().await?;
        pipe.query_async(&mut connection)
            .await
            .map_err(|error| StoreError::redis(operation, &error))
    }

    /// Runs a Lua script (by its digest; loaded when Redis does not know it yet).
    pub(super) async fn invoke<T: redis::FromRedisValue>(
        &self,
        operation: &'static str,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection().await?;
        invocation
            .invoke_async(&mut connection)
            .await
            .map_err(|error| StoreError::redis(operation, &error))
    }
}
