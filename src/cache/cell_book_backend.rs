//! The book of an administrator's account-regions in a backend. In Redis two hashes under one
//! hash tag (so one Lua script may touch both): `reads` (field `account/region`, value `read_ms`
//! or `read_ms:confirmed_ms`) and `claims` (field the same, value the claim's end in ms). Claims
//! are decided and reads written by scripts on Redis's own clock, so replicas never compare
//! clocks. In memory, [`super::cell_book::MemoryBooks`] does the same in this process.

use std::collections::HashMap;
use std::time::Duration;

use super::backend::{Backend, StoreError};
use super::cell_book::{BookKeys, BookState, parse_read};

impl Backend {
    /// The reads kept in a book, and the backend's clock.
    pub async fn book_recall(&self, keys: &BookKeys) -> Result<BookState, StoreError> {
        match self {
            Backend::Memory(memory) => Ok(memory.books.recall(&keys.reads)),
            Backend::Redis(redis) => {
                let mut pipe = redis::pipe();
                pipe.cmd("TIME").cmd("HGETALL").arg(&keys.reads);
                let ((seconds, micros), fields): ((i64, i64), HashMap<String, String>) =
                    redis.query_pipeline("HGETALL", &pipe).await?;
                Ok(BookState {
                    now_ms: seconds * 1000 + micros / 1000,
                    reads: fields
                        .into_iter()
                        .filter_map(|(cell, value)| Some((cell, parse_read(&value)?)))
                        .collect(),
                })
            }
        }
    }

    /// Claims each of `cells` for `lease` unless another claim is live or it was read at or
    /// after `since_ms`; one answer per cell.
    pub async fn book_claim(
        &self,
        keys: &BookKeys,
        cells: &[String],
        since_ms: i64,
        lease: Duration,
    ) -> Result<Vec<bool>, StoreError> {
        match self {
            Backend::Memory(memory) => Ok(memory.books.claim(keys, cells, since_ms, lease)),
            Backend::Redis(redis) => {
                let script = redis::Script::new(CLAIM);
                let mut invocation = script.key(&keys.reads);
                invocation
                    .key(&keys.claims)
                    .arg(since_ms)
                    .arg(millis(lease));
                for cell in cells {
                    invocation.arg(cell);
                }
                let claimed: Vec<i64> = redis.invoke("EVALSHA", &invocation).await?;
                Ok(claimed.into_iter().map(|one| one == 1).collect())
            }
        }
    }

    /// Writes the reads (a cell and the latest update seen) at the backend's clock, releases
    /// the claims of `read` and `unread`, and keeps the book `keep` after this write.
    pub async fn book_record(
        &self,
        keys: &BookKeys,
        read: &[(String, Option<i64>)],
        unread: &[String],
        keep: Duration,
    ) -> Result<(), StoreError> {
        match self {
            Backend::Memory(memory) => {
                memory.books.record(keys, read, unread);
                Ok(())
            }
            Backend::Redis(redis) => {
                let script = redis::Script::new(RECORD);
                let mut invocation = script.key(&keys.reads);
                invocation
                    .key(&keys.claims)
                    .arg(millis(keep))
                    .arg(read.len());
                for (cell, confirmed) in read {
                    invocation
                        .arg(cell)
                        .arg(confirmed.map(|ms| ms.to_string()).unwrap_or_default());
                }
                for cell in unread {
                    invocation.arg(cell);
                }
                redis.invoke::<()>("EVALSHA", &invocation).await
            }
        }
    }
}

/// `KEYS[1]` reads, `KEYS[2]` claims; `ARGV[1]` since (ms), `ARGV[2]` lease (ms), then the
/// cells. A cell is claimed when no live claim holds it and its last read is before `since`.
const CLAIM: &str = r"
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local since = tonumber(ARGV[1])
local until_ms = now + tonumber(ARGV[2])
local answers = {}
for i = 3, #ARGV do
  local cell = ARGV[i]
  local held = tonumber(redis.call('HGET', KEYS[2], cell) or '0')
  local read = redis.call('HGET', KEYS[1], cell)
  local read_at = read and tonumber(string.match(read, '^%d+')) or 0
  if held > now or read_at >= since then
    answers[#answers + 1] = 0
  else
    redis.call('HSET', KEYS[2], cell, until_ms)
    answers[#answers + 1] = 1
  end
end
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return answers
";

/// `KEYS[1]` reads, `KEYS[2]` claims; `ARGV[1]` how long to keep the book (ms), `ARGV[2]` the
/// number of reads, then each read's cell and latest update ('' for none), then unread cells.
const RECORD: &str = r"
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local reads = tonumber(ARGV[2])
for i = 0, reads - 1 do
  local cell = ARGV[3 + 2 * i]
  local confirmed = ARGV[4 + 2 * i]
  local value = tostring(now)
  if confirmed ~= '' then value = value .. ':' .. confirmed end
  redis.call('HSET', KEYS[1], cell, value)
  redis.call('HDEL', KEYS[2], cell)
end
for i = 3 + 2 * reads, #ARGV do
  redis.call('HDEL', KEYS[2], ARGV[i])
end
if reads > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 0
";

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}
