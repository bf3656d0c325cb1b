//! CloudTrail's record of the connector's own calls, read across diagnoses: each diagnosis reads
//! only what is newer, counts every event once, and leaves this service's own calls out; and the
//! account's LookupEvents budget holds across two service processes sharing one redis-server.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use connector_doctor::domain::{Code, Connection, Diagnosis};

use crate::helpers::app::{has_finding, parse_diagnosis};
use crate::helpers::binary::Binary;
use crate::helpers::fake_cloudtrail::{CloudTrailRecord, LookupCall, RecordedEvent};
use crate::helpers::fake_regions::healthy_account;
use crate::helpers::redis::RedisServer;
use crate::helpers::{EXAMPLE_KEY_ID, FakeAws, RequestBody, TestApp};

const DENIED: &str = "User: arn:aws:iam::123456789012:user/mdca is not authorized to perform: \
                      s3:GetBucketAcl on resource: \"arn:aws:s3:::contoso-logs\" with an explicit \
                      deny in a resource-based policy";

fn denial(ago: TimeDelta) -> RecordedEvent {
    let mut event = RecordedEvent::new(
        EXAMPLE_KEY_ID,
        Utc::now() - ago,
        "s3.amazonaws.com",
        "GetBucketAcl",
    )
    .failed("AccessDenied", DENIED);
    event.resource = Some("arn:aws:s3:::contoso-logs".to_owned());
    event
}

fn count_of_denials(diagnosis: &Diagnosis) -> u64 {
    let denials = diagnosis
        .observed_denials
        .as_ref()
        .unwrap_or_else(|| panic!("the record was read: {diagnosis:#?}"));
    denials
        .iter()
        .filter(|d| d.action == "s3:GetBucketAcl")
        .map(|d| d.count)
        .sum()
}

#[tokio::test]
async fn each_diagnosis_reads_only_newer_events_and_counts_every_event_once() {
    let fake = FakeAws::start().await;
    let record = CloudTrailRecord::new(50);
    record.mount(&fake).await;
    healthy_account(&fake).await;
    for minutes in [40, 41, 42] {
        record.add(denial(TimeDelta::minutes(minutes)));
    }
    let url = fake.url();
    let app = TestApp::spawn(move |s| {
        s.aws.aws_endpoint_url = Some(url);
        s.service.refresh_floor = Duration::from_millis(1);
        // Every re-test reads: no window in which the last read is reused.
        s.probes.retest_window = Duration::ZERO;
    })
    .await;
    let body = RequestBody::new()
        .connections(&[Connection::SecurityAuditing])
        .regions(&["us-east-1"])
        .refresh();

    let first = app.diagnosis(&body.build()).await;
    assert_eq!(count_of_denials(&first), 3);
    let by_key = |calls: Vec<LookupCall>| -> Vec<LookupCall> {
        calls
            .into_iter()
            .filter(|call| call.key.is_some())
            .collect()
    };
    let first_calls = by_key(record.calls());
    assert_eq!(first_calls.len(), 1, "{first_calls:?}");
    let (window_start, read_at) = first_calls[0].span;
    assert!(read_at - window_start >= TimeDelta::hours(24));
    // This service's calls name it in their user agent, which CloudTrail records.
    assert!(
        first_calls[0].agent.contains("app/connector-doctor"),
        "{}",
        first_calls[0].agent
    );

    // Two calls denied since: one CloudTrail has surely delivered, one it may still be delivering.
    record.add(denial(TimeDelta::minutes(10)));
    record.add(denial(TimeDelta::minutes(1)));
    let second = app.diagnosis(&body.build()).await;
    assert_ne!(second.id, first.id);
    assert_eq!(count_of_denials(&second), 5);
    let second_calls = &by_key(record.calls())[1..];
    assert_eq!(second_calls.len(), 1, "{second_calls:?}");
    let (start, _) = second_calls[0].span;
    // It went on from the first read, less the time CloudTrail may take to deliver.
    assert!(
        start > window_start + TimeDelta::hours(23),
        "the second read started at {start}, the window at {window_start}"
    );
    assert!(start <= read_at - TimeDelta::minutes(15) + TimeDelta::seconds(1));

    // Read again: the recent calls are read again, and still counted once.
    let third = app.diagnosis(&body.build()).await;
    assert_eq!(count_of_denials(&third), 5);
    let window = third.observed_window.as_ref().expect("a window");
    assert!(window.regions.iter().all(|r| r.complete), "{window:?}");
    assert_eq!(window.from, window.regions[0].from);
}

/// The app against `fake`, with re-test window `window` and `refresh` served every time.
async fn app_with_window(fake: &FakeAws, window: Duration) -> TestApp {
    let url = fake.url();
    TestApp::spawn(move |s| {
        s.aws.aws_endpoint_url = Some(url);
        s.service.refresh_floor = Duration::from_millis(1);
        s.probes.retest_window = window;
    })
    .await
}

#[tokio::test]
async fn a_retest_within_the_window_makes_no_lookup_and_one_after_it_reads_again() {
    let fake = FakeAws::start().await;
    let record = CloudTrailRecord::new(50);
    record.mount(&fake).await;
    healthy_account(&fake).await;
    // One denial CloudTrail has surely delivered, one it may still be delivering (read again
    // by every read, so a reused read must carry it).
    record.add(denial(TimeDelta::minutes(40)));
    record.add(denial(TimeDelta::minutes(1)));
    let body = RequestBody::new()
        .connections(&[Connection::SecurityAuditing])
        .regions(&["us-east-1"])
        .refresh()
        .build();

    // The default window (60 s): the re-test comes seconds after the first test.
    let app = app_with_window(&fake, Duration::from_secs(60)).await;
    let first = app.diagnosis(&body).await;
    let first_calls = record.calls();
    assert!(
        first_calls.iter().any(|call| call.key.is_some()),
        "the record was read: {first_calls:?}"
    );
    assert!(
        first_calls.iter().any(|call| call.key.is_none()),
        "the regional check looked for recent events: {first_calls:?}"
    );
    assert_eq!(count_of_denials(&first), 2);
    let first_window = first.observed_window.clone().expect("a window");

    let retest = app.diagnosis(&body).await;
    assert_ne!(retest.id, first.id, "a fresh diagnosis, not the cached one");
    assert!(!retest.cached);
    let retest_calls = &record.calls()[first_calls.len()..];
    assert!(
        retest_calls.is_empty(),
        "a re-test within the window called LookupEvents: {retest_calls:?}"
    );
    assert_eq!(
        count_of_denials(&retest),
        2,
        "the last read's denials, both"
    );
    let window = retest.observed_window.as_ref().expect("a window");
    assert_eq!(
        window.to, first_window.to,
        "the window ends where the reused read ended"
    );
    assert!(
        window.to < retest.checked_at,
        "{window:?} {}",
        retest.checked_at
    );
    let read = |w: &connector_doctor::domain::ObservedWindow| -> Vec<(String, bool)> {
        w.regions
            .iter()
            .map(|r| (r.region.clone(), r.complete))
            .collect()
    };
    assert_eq!(read(window), read(&first_window));
    assert!(
        !has_finding(&retest, Code::CloudtrailNoRecentEvents),
        "the regional check's last look (events found) is reused: {:?}",
        retest.findings
    );

    // A short window: a re-test well after it reads again.
    let short = app_with_window(&fake, Duration::from_secs(1)).await;
    let before = record.calls().len();
    let first = short.diagnosis(&body).await;
    assert_eq!(count_of_denials(&first), 2);
    let read = record.calls().len();
    assert!(read > before, "the new app's first diagnosis read");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = short.diagnosis(&body).await;
    let after_calls = &record.calls()[read..];
    assert!(
        after_calls.iter().any(|call| call.key.is_some()),
        "a re-test after the window reads the record again: {after_calls:?}"
    );
    assert!(
        after_calls.iter().any(|call| call.key.is_none()),
        "and looks for recent events again: {after_calls:?}"
    );
    let window = after.observed_window.as_ref().expect("a window");
    assert!(
        window.to > first.observed_window.as_ref().expect("a window").to,
        "{window:?}"
    );
    assert_eq!(count_of_denials(&after), 2, "each denial counted once");
}

/// The request of connector `name`: auditing only, in us-east-1 (also the home region), so its
/// record is read in one region of the account.
fn request(name: &str) -> serde_json::Value {
    RequestBody::new()
        .connector(name)
        .connections(&[Connection::SecurityAuditing])
        .regions(&["us-east-1"])
        .build()
}

/// The most calls that arrived within any one second.
fn most_in_one_second(calls: &[LookupCall]) -> usize {
    let mut times: Vec<_> = calls.iter().map(|call| call.at).collect();
    times.sort();
    times
        .iter()
        .enumerate()
        .map(|(i, first)| {
            times[i..]
                .iter()
                .take_while(|at| at.duration_since(*first) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_service_processes_sharing_redis_keep_to_two_lookups_a_second_per_account_and_region() {
    let fake = FakeAws::start().await;
    // One event a page and four events: a diagnosis wants four pages, within its cap of five,
    // so only the budget can cut a read short.
    let record = CloudTrailRecord::new(1);
    record.mount(&fake).await;
    healthy_account(&fake).await;
    for minutes in 30..34 {
        record.add(denial(TimeDelta::minutes(minutes)));
    }
    let redis = RedisServer::start().await;
    let args = [
        "--aws-endpoint-url",
        &fake.url(),
        "--redis-url",
        &redis.url(),
        "--cache-key-secret",
        "observed-budget-secret",
    ];
    let mut first = Binary::start(&args, "info").await;
    let mut second = Binary::start(&args, "info").await;
    let client = reqwest::Client::new();
    let requests = (0..8).map(|i| {
        let base = if i % 2 == 0 {
            first.base_url.clone()
        } else {
            second.base_url.clone()
        };
        let client = client.clone();
        async move {
            let response = client
                .post(format!("{base}/v1/diagnoses"))
                .json(&request(&format!("budget-{i}")))
                .send()
                .await
                .expect("answered");
            assert_eq!(response.status(), 200);
            parse_diagnosis(&response.text().await.expect("a body"))
        }
    });
    let diagnoses = futures::future::join_all(requests).await;
    first.stop().await;
    second.stop().await;

    let calls: Vec<LookupCall> = record
        .calls()
        .into_iter()
        .filter(|call| call.region == "us-east-1")
        .collect();
    // Eight diagnoses wanted 32 pages of the key's record and 8 looks for any recent event at
    // once; the budget let through what two a second allow, both kinds counted together.
    assert!(calls.len() >= 6, "{} lookups", calls.len());
    assert!(
        most_in_one_second(&calls) <= 2,
        "{} lookups of one account and region arrived within one second",
        most_in_one_second(&calls)
    );
    // The budget cut some reads short, and those diagnoses say so.
    let cut = diagnoses
        .iter()
        .filter(|d| has_finding(d, Code::ObservedDenialsUnavailable))
        .count();
    assert!(cut > 0, "no read was cut by the budget");
}
