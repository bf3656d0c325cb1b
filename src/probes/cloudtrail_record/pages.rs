//! Reads one span of CloudTrail's record of the connector's key in one region, page by page,
//! newest first (the only order LookupEvents has), each page within the account's budget, until
//! the span is read, the pages allowed are spent or the time is up.

use std::collections::BTreeSet;

use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use chrono::{DateTime, TimeDelta, Utc};
use tokio::time::Instant;

use super::event::{self, FailedCall, Reading};
use crate::aws::{AwsError, AwsErrorKind, AwsService, in_region};
use crate::domain::Region;
use crate::probes::context::{AwsDoor, ProbeContext};

/// LookupEvents's largest page.
const PAGE_SIZE: i32 = 50;

/// What every read of one diagnosis shares.
pub struct Reader<'a> {
    /// The connector's access key id: the attribute looked up.
    pub key_id: &'a str,
    /// The actions the connections need, in lower case.
    pub required: BTreeSet<String>,
    /// No page is asked for after this.
    pub until: Instant,
}

/// What was read of a span.
#[derive(Debug)]
pub struct SpanRead {
    /// The failed calls of required actions, at or after `reached`.
    pub calls: Vec<FailedCall>,
    /// Every event from this time to the span's end was read (the span's start when complete).
    pub reached: DateTime<Utc>,
    /// Whether the whole span was read.
    pub complete: bool,
}

/// Why nothing of a span could be read.
#[derive(Debug)]
pub enum Unread {
    /// LookupEvents failed (denied, throttled, timed out, ...).
    Aws(AwsError),
    /// No turn of the account's budget came in time.
    NoTurn,
}

/// Reads the events of `start..=end` (whole seconds) in `region`, at most `pages_left` pages.
pub async fn read_span(
    ctx: &ProbeContext<'_>,
    reader: &Reader<'_>,
    region: Region,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    pages_left: &mut u32,
) -> Result<SpanRead, Unread> {
    // Each page waits for its turn of the account's budget, but not past the read's own limit.
    let ctx = &ProbeContext {
        door: AwsDoor {
            turns_until: reader.until,
            ..ctx.door
        },
        ..*ctx
    };
    let mut calls = Vec::new();
    let mut oldest: Option<DateTime<Utc>> = None;
    let mut token: Option<String> = None;
    let mut pages = 0;
    let complete = loop {
        if *pages_left == 0 {
            break false;
        }
        let page = match lookup(ctx, reader.key_id, region, (start, end), token.take()).await {
            Ok(page) => page,
            Err(error) if pages == 0 && error.kind == AwsErrorKind::NoTurn => {
                return Err(Unread::NoTurn);
            }
            Err(error) if pages == 0 => return Err(Unread::Aws(error)),
            Err(_) => break false,
        };
        *pages_left -= 1;
        pages += 1;
        let before = calls.len();
        for event in page.events() {
            if let Some(time) = event::time_of(event) {
                oldest = Some(oldest.map_or(time, |o| o.min(time)));
            }
            if let Reading::Failed(call) =
                event::read(event, reader.key_id, &reader.required, ctx.secrets)
            {
                calls.push(call);
            }
        }
        ctx.metrics.lookup_page(region, calls.len() - before);
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => break true,
        }
    };
    if complete {
        return Ok(SpanRead {
            calls,
            reached: start,
            complete,
        });
    }
    // The oldest second read may go on in the next page: only what follows it is whole.
    let reached = oldest.unwrap_or(end) + TimeDelta::seconds(1);
    calls.retain(|call| call.time >= reached);
    Ok(SpanRead {
        calls,
        reached,
        complete,
    })
}

/// One page of LookupEvents for the key's events of the span.
async fn lookup(
    ctx: &ProbeContext<'_>,
    key_id: &str,
    region: Region,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    token: Option<String>,
) -> Result<aws_sdk_cloudtrail::operation::lookup_events::LookupEventsOutput, AwsError> {
    let attribute = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::AccessKeyId)
        .attribute_value(key_id)
        .build()
        .map_err(|error| {
            AwsError::without_response(
                AwsService::CloudTrail.name(),
                "LookupEvents",
                AwsErrorKind::Construction,
                &error.to_string(),
            )
        })?;
    let request = ctx
        .session
        .cloudtrail()
        .lookup_events()
        .lookup_attributes(attribute)
        .start_time(aws_smithy_types::DateTime::from_secs(start.timestamp()))
        .end_time(aws_smithy_types::DateTime::from_secs(end.timestamp()))
        .max_results(PAGE_SIZE)
        .set_next_token(token);
    ctx.aws(region, AwsService::CloudTrail, "LookupEvents", || {
        request
            .customize()
            .config_override(in_region::cloudtrail(ctx.session, region))
            .send()
    })
    .await
}
