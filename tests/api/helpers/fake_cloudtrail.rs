//! CloudTrail's record of an account's calls, as LookupEvents serves it: the events of the region
//! the call is signed for (only the key's, for a lookup by access key id) within its StartTime and
//! EndTime, newest first, in pages with a `NextToken`. Every call is recorded (when it arrived, its
//! region and span), so tests can state properties of the calls the service made.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use wiremock::matchers::{header, method};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use super::FakeAws;
use super::fake_aws::signing_scope;
use super::fake_regions::{CLOUDTRAIL, json_response};

/// The user agent this service's own calls carry (its SDK's, with the app name).
pub const OWN_AGENT: &str =
    "aws-sdk-rust/1.3.9 ua/2.1 os/linux lang/rust/1.95.0 app/connector-doctor";
/// A user agent of the portal's calls.
pub const PORTAL_AGENT: &str =
    "aws-sdk-java/2.25.0 Linux/6.1 OpenJDK_64-Bit_Server_VM/17 vendor/Eclipse";

/// One event of the record.
#[derive(Debug, Clone)]
pub struct RecordedEvent {
    /// When the call was made.
    pub time: DateTime<Utc>,
    /// The access key id that signed it.
    pub key: String,
    /// The region it was recorded in.
    pub region: String,
    /// e.g. `s3.amazonaws.com`.
    pub source: String,
    /// e.g. `GetBucketAcl`.
    pub name: String,
    /// The error code, if the call failed.
    pub error: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The resource's ARN.
    pub resource: Option<String>,
    /// The caller's user agent.
    pub agent: String,
}

impl RecordedEvent {
    /// A successful portal call of `source`'s `name` by `key` in us-east-1 at `time`.
    pub fn new(key: &str, time: DateTime<Utc>, source: &str, name: &str) -> Self {
        Self {
            time,
            key: key.to_owned(),
            region: "us-east-1".to_owned(),
            source: source.to_owned(),
            name: name.to_owned(),
            error: None,
            message: None,
            resource: None,
            agent: PORTAL_AGENT.to_owned(),
        }
    }

    /// The same call, failed with `code` and `message`.
    pub fn failed(mut self, code: &str, message: &str) -> Self {
        self.error = Some(code.to_owned());
        self.message = Some(message.to_owned());
        self
    }

    /// The event as LookupEvents lists it, its full record as a JSON string inside.
    fn listed(&self, id: usize) -> Value {
        let mut record = json!({
            "eventVersion": "1.09",
            "userIdentity": {"type": "IAMUser", "accessKeyId": self.key,
                "arn": "arn:aws:iam::123456789012:user/mdca", "accountId": "123456789012"},
            "eventTime": self.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "eventSource": self.source,
            "eventName": self.name,
            "awsRegion": self.region,
            "sourceIPAddress": "198.51.100.7",
            "userAgent": self.agent,
            "requestParameters": null,
            "responseElements": null,
            "eventID": format!("ev-{id}"),
            "readOnly": true,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": "123456789012",
        });
        if let Some(code) = &self.error {
            record["errorCode"] = json!(code);
            record["errorMessage"] = json!(self.message);
        }
        if let Some(arn) = &self.resource {
            record["resources"] =
                json!([{"accountId": "123456789012", "type": "AWS::S3::Bucket", "ARN": arn}]);
        }
        json!({
            "EventId": format!("ev-{id}"),
            "EventName": self.name,
            "ReadOnly": "true",
            "AccessKeyId": self.key,
            "EventTime": self.time.timestamp(),
            "EventSource": self.source,
            "Username": "mdca",
            "Resources": [],
            "CloudTrailEvent": record.to_string(),
        })
    }
}

/// One LookupEvents call, as the fake received it.
#[derive(Debug, Clone)]
pub struct LookupCall {
    /// When it arrived.
    pub at: Instant,
    /// The region it was signed for.
    pub region: String,
    /// The access key id looked up, if it was a lookup by key.
    pub key: Option<String>,
    /// Its StartTime and EndTime.
    pub span: (DateTime<Utc>, DateTime<Utc>),
    /// Its `User-Agent` header.
    pub agent: String,
}

/// The record and the calls made to it; cloned handles share both.
#[derive(Clone)]
pub struct CloudTrailRecord {
    events: Arc<Mutex<Vec<RecordedEvent>>>,
    calls: Arc<Mutex<Vec<LookupCall>>>,
    page_size: usize,
}

impl CloudTrailRecord {
    /// An empty record serving `page_size` events a page.
    pub fn new(page_size: usize) -> Self {
        Self {
            events: Arc::default(),
            calls: Arc::default(),
            page_size: page_size.max(1),
        }
    }

    /// Records `event`.
    pub fn add(&self, event: RecordedEvent) {
        self.events.lock().unwrap().push(event);
    }

    /// Serves every LookupEvents of `fake` (before its other answers).
    pub async fn mount(&self, fake: &FakeAws) {
        Mock::given(method("POST"))
            .and(header(
                "x-amz-target",
                format!("{CLOUDTRAIL}LookupEvents").as_str(),
            ))
            .respond_with(self.clone())
            .with_priority(1)
            .mount(&fake.server)
            .await;
    }

    /// The lookups received so far, in order of arrival.
    pub fn calls(&self) -> Vec<LookupCall> {
        self.calls.lock().unwrap().clone()
    }
}

/// `now-30m`, `now-2h`, `now-45s`, `now-400d` or `now`: a time relative to now.
pub fn relative_time(text: &str) -> DateTime<Utc> {
    let now = Utc::now();
    let Some(ago) = text.strip_prefix("now-") else {
        assert_eq!(text, "now", "a time is now or now-<n><s|m|h|d>: {text}");
        return now;
    };
    let (number, unit) = ago.split_at(ago.len() - 1);
    let number: i64 = number
        .parse()
        .unwrap_or_else(|_| panic!("not a time: {text}"));
    now - match unit {
        "s" => TimeDelta::seconds(number),
        "m" => TimeDelta::minutes(number),
        "h" => TimeDelta::hours(number),
        "d" => TimeDelta::days(number),
        _ => panic!("not a time unit: {text}"),
    }
}

fn seconds(value: &Value) -> Option<DateTime<Utc>> {
    let secs = value.as_f64()?;
    DateTime::from_timestamp(secs.floor() as i64, 0)
}

impl Respond for CloudTrailRecord {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let header_text = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (_, region) = signing_scope(request);
        // Without a lookup attribute, every key's events.
        let key = body["LookupAttributes"][0]["AttributeValue"].as_str();
        let start = seconds(&body["StartTime"]).unwrap_or(DateTime::UNIX_EPOCH);
        let end = seconds(&body["EndTime"]).unwrap_or_else(Utc::now);
        let token = body["NextToken"].as_str().map(str::to_owned);
        self.calls.lock().unwrap().push(LookupCall {
            at: Instant::now(),
            region: region.clone(),
            key: key.map(str::to_owned),
            span: (start, end),
            agent: header_text("user-agent"),
        });
        let mut matching: Vec<(usize, RecordedEvent)> = self
            .events
            .lock()
            .unwrap()
            .iter()
            .cloned()
            .enumerate()
            .filter(|(_, e)| key.is_none_or(|key| e.key == key) && e.region == region)
            .filter(|(_, e)| {
                e.time.timestamp() >= start.timestamp() && e.time.timestamp() <= end.timestamp()
            })
            .collect();
        matching.sort_by(|a, b| b.1.time.cmp(&a.1.time).then(a.0.cmp(&b.0)));
        let offset: usize = token
            .as_deref()
            .and_then(|t| t.strip_prefix("page-"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let page: Vec<Value> = matching
            .iter()
            .skip(offset)
            .take(self.page_size)
            .map(|(id, event)| event.listed(*id))
            .collect();
        let mut answer = json!({"Events": page});
        if offset + self.page_size < matching.len() {
            answer["NextToken"] = json!(format!("page-{}", offset + self.page_size));
        }
        json_response(200, answer)
    }
}
