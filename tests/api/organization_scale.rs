//! An organization too large for one diagnosis, on the scripted fake: the book of confirmations
//! makes a later diagnosis read first what an earlier one could not, a confirmation past 48
//! hours is read again, and two replicas on one Redis fill one map without reading an
//! account-region twice.
//!
//! The budget is what makes one diagnosis too short: at `aws_rate_share_percent = 20`
//! `GetFindings` gets 3 calls per 5.5 s per account and region, so a diagnosis of a 4-s deadline
//! reads 3 batches of 20 accounts in each region, and the next 3 turns come 5.5 s after the
//! first. Which cells a diagnosis read is taken from the fake's log of `GetFindings` calls.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use connector_doctor::domain::{DataFlow, Diagnosis, Secret};
use serde_json::Value;

use crate::helpers::app::TestApp;
use crate::helpers::fake_organization::{CALLER, OrganizationPart};
use crate::helpers::fake_regions::healthy_account;
use crate::helpers::redis::RedisServer;
use crate::helpers::{FakeAws, FakeIdentity, RequestBody};

/// An account and a region.
type Cell = (String, String);

/// The budget window of `GetFindings` at a 20 % share (3 calls per 1.1 s × 100 / 20).
const WINDOW: Duration = Duration::from_millis(5_500);

/// The fake with an organization of the caller and `accounts` enabled members, each sending a
/// finding in every region; `more` adds keys to its `[organization]` table.
async fn organization(accounts: usize, more: &str) -> FakeAws {
    let fake = FakeAws::start().await;
    fake.identifies(FakeIdentity::user()).await;
    healthy_account(&fake).await;
    let part: OrganizationPart = toml::from_str(&format!(
        "id = \"o-a1b2c3d4e5\"\naccounts = {accounts}\nmembers = \"Enabled\"\n\
         configuration = {{ auto_enable = true }}\n{more}"
    ))
    .expect("an [organization] table");
    part.mount(&fake).await;
    fake
}

/// The service on `fake` (and `redis`) with `share` percent of AWS's rates and a 4-s deadline
/// (`deadline` when given).
async fn app(
    fake: &FakeAws,
    redis: Option<&RedisServer>,
    share: u32,
    deadline: Option<u64>,
) -> TestApp {
    let (url, store) = (fake.url(), redis.map(RedisServer::url));
    TestApp::spawn(move |s| {
        s.aws.aws_endpoint_url = Some(url);
        s.probes.diagnosis_deadline = Duration::from_secs(deadline.unwrap_or(4));
        s.probes.aws_rate_share_percent = share;
        s.service.refresh_floor = Duration::from_millis(1);
        if let Some(store) = store {
            s.cache.redis_url = Some(Secret::new(store));
            s.cache.cache_key_secret = Some(Secret::new("scale-cache-key-secret".to_owned()));
        }
    })
    .await
}

fn request(connector: &str, regions: &[&str]) -> Value {
    RequestBody::new()
        .connector(connector)
        .regions(regions)
        .refresh()
        .build()
}

/// Every account-region of a diagnosis's map with its data.
fn map(diagnosis: &Diagnosis) -> BTreeMap<Cell, (DataFlow, Option<DateTime<Utc>>)> {
    let organization = diagnosis.organization.as_ref().expect("an administrator");
    assert!(!organization.truncated);
    organization
        .accounts
        .iter()
        .flat_map(|account| {
            account.regions.iter().map(|(region, cell)| {
                let key = (account.account_id.clone(), region.clone());
                (key, (cell.data, cell.confirmed_at))
            })
        })
        .collect()
}

fn count(diagnosis: &Diagnosis, data: DataFlow) -> usize {
    map(diagnosis).values().filter(|(d, _)| *d == data).count()
}

/// The cells of each `GetFindings` read of whether findings flow (an `UpdatedAt` filter; the
/// `Config.1` reads have none), in the order the fake received them.
async fn flow_reads(fake: &FakeAws) -> Vec<BTreeSet<Cell>> {
    let requests = fake.server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter(|request| request.url.path() == "/findings")
        .filter_map(|request| serde_json::from_slice::<Value>(&request.body).ok())
        .filter(|body| !body["Filters"]["UpdatedAt"].is_null())
        .map(|body| {
            let values = |field: &str| -> Vec<String> {
                body["Filters"][field]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|filter| filter["Value"].as_str().map(str::to_owned))
                    .collect()
            };
            let regions = values("Region");
            values("AwsAccountId")
                .into_iter()
                .flat_map(|account| regions.iter().map(move |r| (account.clone(), r.clone())))
                .collect()
        })
        .collect()
}

fn union(reads: &[BTreeSet<Cell>]) -> BTreeSet<Cell> {
    reads.iter().flatten().cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_diagnosis_reads_first_what_the_first_could_not() {
    // 101 accounts in 2 regions: 202 cells, 120 read per diagnosis.
    let fake = organization(100, "").await;
    let app = app(&fake, None, 20, None).await;
    let body = request("large-organization", &["us-east-1", "eu-west-1"]);

    let first = app.diagnosis(&body).await;
    let first_reads = flow_reads(&fake).await;
    let first_read = union(&first_reads);
    let first_unchecked = count(&first, DataFlow::NotChecked);
    assert!(
        first_unchecked > 0 && !first_read.is_empty(),
        "one diagnosis reads part of the map: {first_unchecked} not checked, {} read",
        first_read.len()
    );
    assert_eq!(
        count(&first, DataFlow::None),
        0,
        "every member sends findings"
    );

    // The budget's window passes, as between two presses of "Test".
    tokio::time::sleep(WINDOW).await;
    let second = app.diagnosis(&body).await;
    let second_reads = flow_reads(&fake).await.split_off(first_reads.len());
    assert!(!second_reads.is_empty(), "the second diagnosis reads");
    let second_unchecked = count(&second, DataFlow::NotChecked);
    assert!(
        second_unchecked < first_unchecked,
        "the second fills in: {second_unchecked} not checked after {first_unchecked}"
    );
    assert_eq!(
        count(&second, DataFlow::None),
        0,
        "every member sends findings"
    );
    // What the first left unread is read before anything the first confirmed.
    let never_read: BTreeSet<Cell> = map(&first)
        .into_iter()
        .filter(|(_, (data, _))| *data == DataFlow::NotChecked)
        .map(|(cell, _)| cell)
        .collect();
    let second_read = union(&second_reads);
    unread_first(&never_read, &second_read);
    // What the first confirmed and the second did not read is still flowing, from the book.
    let second_map = map(&second);
    for cell in first_read.difference(&second_read) {
        assert_eq!(second_map[cell].0, DataFlow::Flowing, "{cell:?} kept");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmation_older_than_48_hours_is_read_again_a_newer_one_kept() {
    // 71 accounts in one region: 3 reads of 20 leave 11 unread.
    let fake = organization(70, "").await;
    let redis = RedisServer::start().await;
    let region = "us-east-1";
    let now = Utc::now();
    let (lapsed, kept_at) = (now - TimeDelta::hours(49), now - TimeDelta::hours(5));
    let lapsed_account = "210000000065";
    let accounts: Vec<String> = std::iter::once(CALLER.to_owned())
        .chain((1..=70).map(|i| format!("2100000000{i:02}")))
        .collect();
    // The book as an earlier diagnosis of this administrator left it (default tenant, prefix).
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let book = format!("connector-doctor:{{book:default:aws:{CALLER}}}:reads");
    for account in &accounts {
        let confirmed = match account == lapsed_account {
            true => lapsed,
            false => kept_at,
        };
        let value = format!(
            "{}:{}",
            (now - TimeDelta::hours(1)).timestamp_millis(),
            confirmed.timestamp_millis()
        );
        let _: () = redis::cmd("HSET")
            .arg(&book)
            .arg(format!("{account}/{region}"))
            .arg(value)
            .query_async(&mut connection)
            .await
            .unwrap();
    }
    let app = app(&fake, Some(&redis), 20, None).await;

    let diagnosis = app
        .diagnosis(&request("kept-confirmations", &[region]))
        .await;
    let reads = flow_reads(&fake).await;
    let lapsed_cell = (lapsed_account.to_owned(), region.to_owned());
    assert!(
        reads
            .first()
            .is_some_and(|first| first.contains(&lapsed_cell)),
        "the lapsed confirmation is read first: {reads:?}"
    );
    let read = union(&reads);
    let map = map(&diagnosis);
    let (data, confirmed_at) = map[&lapsed_cell];
    assert_eq!(data, DataFlow::Flowing);
    assert!(
        confirmed_at.is_some_and(|at| at > kept_at),
        "confirmed anew: {confirmed_at:?}"
    );
    let unread: Vec<&Cell> = map.keys().filter(|cell| !read.contains(*cell)).collect();
    assert!(!unread.is_empty(), "the budget leaves some unread");
    for cell in unread {
        let (data, confirmed_at) = map[cell];
        assert_eq!(data, DataFlow::Flowing, "{cell:?}: its confirmation holds");
        let off = confirmed_at.map(|at| (at - kept_at).num_seconds().abs());
        assert_eq!(off, Some(0), "{cell:?} shows the kept confirmation");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_redis_never_read_an_account_region_twice() {
    // The whole rate (the replicas share every budget of the account, the place reads' too), a
    // 6-s deadline and reads of half a second: each read is answered well before the deadline,
    // and the two replicas together read about 12 batches of the 301 accounts in one region.
    let fake = organization(300, "findings_delay_ms = 500").await;
    let redis = RedisServer::start().await;
    let one = app(&fake, Some(&redis), 100, Some(6)).await;
    let two = app(&fake, Some(&redis), 100, Some(6)).await;
    let regions = ["us-east-1"];
    // Two connectors of the same administrator, one per replica, at once.
    let (body_one, body_two) = (
        request("replica-one", &regions),
        request("replica-two", &regions),
    );
    let (a, b) = tokio::join!(one.diagnosis(&body_one), two.diagnosis(&body_two));
    let reads = flow_reads(&fake).await;
    let mut read = BTreeSet::new();
    for cell in reads.iter().flatten() {
        assert!(read.insert(cell.clone()), "{cell:?} was read twice");
    }
    assert!(count(&a, DataFlow::NotChecked) > 0 && count(&b, DataFlow::NotChecked) > 0);
    let seen: BTreeSet<Cell> = [map(&a), map(&b)]
        .into_iter()
        .flatten()
        .filter(|(_, (data, _))| *data == DataFlow::Flowing)
        .map(|(cell, _)| cell)
        .collect();

    // Later, either replica's diagnosis shows what both read, and reads first what neither did.
    let later = one.diagnosis(&body_one).await;
    let later_map = map(&later);
    for cell in &seen {
        assert_eq!(
            later_map[cell].0,
            DataFlow::Flowing,
            "{cell:?} from the shared book"
        );
    }
    let later_reads = flow_reads(&fake).await.split_off(reads.len());
    let unread: BTreeSet<Cell> = later_map
        .keys()
        .filter(|c| !seen.contains(*c))
        .cloned()
        .collect();
    unread_first(&unread, &union(&later_reads));
}

/// A diagnosis that read `read` read every cell of `unread` before any other: either it read
/// only unread cells, or all of them.
fn unread_first(unread: &BTreeSet<Cell>, read: &BTreeSet<Cell>) {
    match read.is_subset(unread) {
        true => assert!(!read.is_empty(), "it read something"),
        false => assert!(
            unread.is_subset(read),
            "confirmed cells were read before unread ones: {:?}",
            unread.difference(read).collect::<Vec<_>>()
        ),
    }
}
