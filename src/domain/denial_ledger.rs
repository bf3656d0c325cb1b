//! What a connector's earlier diagnoses read of CloudTrail's record, kept between diagnoses so
//! that each one reads only newer events: per region, the span read and the denials counted in
//! it, in time buckets so that the window can slide. It also keeps when each region was last
//! read, with the calls too recent to be counted for good, and the regional CloudTrail check's
//! last look for recent events: within the re-test window a diagnosis reuses them instead of
//! calling LookupEvents again (CloudTrail shows events minutes late, so a read seconds later
//! learns nothing).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::denied_by::DeniedBy;

/// The record read so far for one connector's access key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenialLedger {
    /// The length of a bucket, in hours (the window over 24, at least one hour): a ledger kept
    /// with another length starts afresh.
    pub bucket_hours: u32,
    /// Per region name.
    pub regions: BTreeMap<String, RegionLedger>,
    /// The regional CloudTrail check's last look for management events of the last seven days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recent_events: Option<RecentEventsLook>,
}

/// What the regional CloudTrail check's look for recent events found, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentEventsLook {
    /// The region looked in.
    pub region: String,
    /// When the look was made.
    pub at: DateTime<Utc>,
    /// Whether any management event of the last seven days was there.
    pub found: bool,
}

/// What was read in one region: every event of the key with `from <= time < settled_to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionLedger {
    /// The start of the span read.
    pub from: DateTime<Utc>,
    /// The end of the span whose events CloudTrail had surely delivered when it was read; later
    /// events are read again next time.
    pub settled_to: DateTime<Utc>,
    /// The denials counted in the span.
    pub tallies: Vec<DenialTally>,
    /// When the region was last read (the end of that read); `None` in a ledger kept before
    /// this was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_to: Option<DateTime<Utc>>,
    /// The denials that read found after `settled_to`, each its own tally: counted in its
    /// answer and in a re-test's that reuses it, read again by the next read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fresh: Vec<DenialTally>,
}

/// The denials of one action with one error code in one bucket of time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenialTally {
    /// The start of its bucket.
    pub bucket: DateTime<Utc>,
    /// The IAM action.
    pub action: String,
    /// The recorded error code.
    pub error_code: String,
    /// How many.
    pub count: u64,
    /// The first one's time.
    pub first_seen: DateTime<Utc>,
    /// The last one's time.
    pub last_seen: DateTime<Utc>,
    /// The last one's resource.
    pub example_resource: Option<String>,
    /// The policy type the last one's message names.
    pub denied_by: Option<DeniedBy>,
    /// The last one's message (secrets scrubbed).
    pub message: Option<String>,
}
