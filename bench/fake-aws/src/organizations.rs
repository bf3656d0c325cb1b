//! The fake's organization mode: the caller is the Security Hub delegated administrator of an
//! AWS Organization of `--organization-accounts N` member accounts, every one an enabled member
//! in every region, each sending `--findings-per-account` findings to it, optionally through a
//! finding aggregator. The wire formats mirror the API suite's scripted fake
//! (`tests/api/helpers/fake_organization.rs`), which is what the service's organization check
//! reads (`src/probes/organization/`).
//!
//! Flags: `--organization-accounts N` (turns the mode on), `--findings-per-account 3`,
//! `--aggregator ALL_REGIONS|ALL_REGIONS_EXCEPT_SPECIFIED|SPECIFIED_REGIONS|NO_REGIONS`,
//! `--aggregation-region us-east-1`, `--aggregator-regions r1,r2` (the mode's list).
//!
//! - Organizations (awsJson1.1, `AWSOrganizationsV20161128.*`): `DescribeOrganization` (the first
//!   member, 210000000001, is the management account) and `ListAccounts` (20 a page: the caller
//!   and the members 210000000001 ...).
//! - Security Hub (restJson): `GetAdministratorAccount` (none), `ListMembers` (50 a page, all
//!   `ENABLED`), `ListOrganizationAdminAccounts` (denied: only the management account may),
//!   `DescribeOrganizationConfiguration` (auto-enable, `LOCAL`), `ListFindingAggregators` and
//!   `GetFindingAggregator`, and `GetFindings` with an `AwsAccountId` filter: the findings those
//!   accounts send of the filtered regions that the signed region sees (with an aggregator, the
//!   aggregation region answers for the regions it links), honouring `Region`,
//!   `UpdatedAt` (`DateRange` in days), `ComplianceSecurityControlId` (`Config.1`: one passing
//!   control finding per account and region), `RecordState`, `MaxResults`/`NextToken`, latest
//!   `UpdatedAt` first. A `GetFindings` without an account filter is left to the healthy
//!   account's answer.
//!
//! Every `GetFindings` call is recorded; `GET /__findings` lists them:
//! `{"calls":[{"at_ms":F,"region":"R","accounts":["A",...],"origins":["R",...],"control":"Config.1"|null,"findings":N,"more":B},...]}`
//! (`at_ms`: when it arrived, milliseconds since the fake started; `region`: the region its
//! signature names; `accounts`, `origins`: the `AwsAccountId` and `Region` filters' values).

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::{DEFAULT_REGIONS, arg, json, json_error};

/// Organizations' `X-Amz-Target` prefix.
const ORGANIZATIONS: &str = "AWSOrganizationsV20161128.";
/// Member `n` (from 1) is account `MEMBER_BASE + n`.
const MEMBER_BASE: u64 = 210_000_000_000;
/// Page sizes of AWS's listings.
const ACCOUNTS_PAGE: usize = 20;
const MEMBERS_PAGE: usize = 50;

/// A finding aggregator.
struct Aggregator {
    region: String,
    mode: String,
    regions: Vec<String>,
}

/// One `GetFindings` call, as it arrived.
struct FindingsCall {
    at_ms: f64,
    region: String,
    accounts: Vec<String>,
    origins: Vec<String>,
    control: Option<String>,
    findings: usize,
    more: bool,
}

/// What the handler knows of a call.
pub struct Call<'a> {
    /// The caller's account.
    pub account: &'a str,
    pub target: Option<&'a str>,
    pub method: &'a Method,
    pub path: &'a str,
    pub query: &'a str,
    /// The region of its signature.
    pub region: &'a str,
    pub body: &'a str,
    /// When it arrived, in milliseconds since the fake started.
    pub arrived_ms: f64,
}

/// The organization the caller administers.
pub struct Organization {
    members: usize,
    findings_per_account: usize,
    aggregator: Option<Aggregator>,
    calls: Mutex<Vec<FindingsCall>>,
}

type Answer = Response<Full<Bytes>>;

impl Organization {
    /// The mode, when `--organization-accounts` is given.
    pub fn from_args(args: &[String]) -> Option<Self> {
        let members = arg(args, "--organization-accounts")?
            .parse()
            .expect("--organization-accounts is a number");
        let aggregator = arg(args, "--aggregator").map(|mode| Aggregator {
            region: arg(args, "--aggregation-region").unwrap_or_else(|| "us-east-1".to_owned()),
            mode,
            regions: arg(args, "--aggregator-regions")
                .map(|list| list.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
        });
        Some(Self {
            members,
            findings_per_account: arg(args, "--findings-per-account")
                .map(|n| n.parse().expect("--findings-per-account is a number"))
                .unwrap_or(3),
            aggregator,
            calls: Mutex::default(),
        })
    }

    /// A one-line description for the fake's start-up message.
    pub fn describe(&self) -> String {
        format!(
            "organization of {} member accounts, {} findings each, aggregator {}",
            self.members,
            self.findings_per_account,
            self.aggregator
                .as_ref()
                .map_or("none".to_owned(), |a| format!("{} in {}", a.mode, a.region))
        )
    }

    /// The organization's answer to `call`, or `None` to leave it to the healthy account.
    pub fn answer(&self, call: &Call) -> Option<Answer> {
        if let Some(target) = call.target {
            let operation = target.strip_prefix(ORGANIZATIONS)?;
            return Some(self.organizations(operation, call));
        }
        let body = || serde_json::from_str::<Value>(call.body).unwrap_or(Value::Null);
        Some(match (call.method.as_str(), call.path) {
            ("GET", "/administrator") => ok(json!({})),
            ("GET", "/members") => self.list_members(call),
            ("GET", "/organization/admin") => denied("ListOrganizationAdminAccounts"),
            ("GET", "/organization/configuration") => ok(json!({
                "AutoEnable": true,
                "MemberAccountLimitReached": false,
                "AutoEnableStandards": "DEFAULT",
                "OrganizationConfiguration": {"ConfigurationType": "LOCAL", "Status": "ENABLED"}
            })),
            ("GET", "/findingAggregator/list") => ok(json!({
                "FindingAggregators": self.aggregator.iter()
                    .map(|aggregator| json!({"FindingAggregatorArn": aggregator_arn(aggregator, call.account)}))
                    .collect::<Vec<_>>()
            })),
            ("GET", path) if path.starts_with("/findingAggregator/get/") => {
                match &self.aggregator {
                    Some(aggregator) => ok(json!({
                        "FindingAggregatorArn": aggregator_arn(aggregator, call.account),
                        "FindingAggregationRegion": aggregator.region,
                        "RegionLinkingMode": aggregator.mode,
                        "Regions": aggregator.regions
                    })),
                    None => json_error(
                        StatusCode::NOT_FOUND,
                        "ResourceNotFoundException",
                        "No finding aggregator.",
                    ),
                }
            }
            ("POST", "/findings") => return self.get_findings(call, &body()),
            _ => return None,
        })
    }

    fn organizations(&self, operation: &str, call: &Call) -> Answer {
        match operation {
            "DescribeOrganization" => ok(json!({"Organization": {
                "Id": "o-a1b2c3d4e5",
                "Arn": format!("arn:aws:organizations::{}:organization/o-a1b2c3d4e5", member(1)),
                "MasterAccountId": member(1),
                "MasterAccountArn": format!("arn:aws:organizations::{0}:account/o-a1b2c3d4e5/{0}", member(1)),
                "FeatureSet": "ALL"
            }})),
            "ListAccounts" => {
                let body: Value = serde_json::from_str(call.body).unwrap_or(Value::Null);
                let total = self.members + 1;
                let (range, next) = page(total, ACCOUNTS_PAGE, body["NextToken"].as_str());
                let accounts: Vec<Value> = range
                    .map(|index| match index {
                        0 => json!({"Id": call.account, "Name": "security-administrator", "Status": "ACTIVE"}),
                        n => json!({"Id": member(n), "Name": format!("account-{n}"), "Status": "ACTIVE"}),
                    })
                    .collect();
                ok(json!({"Accounts": accounts, "NextToken": next}))
            }
            other => json_error(
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                &format!("fake-aws does not implement {other}"),
            ),
        }
    }

    fn list_members(&self, call: &Call) -> Answer {
        let token = call
            .query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == "NextToken")
            .map(|(_, value)| value);
        let since = stamp(now_secs() - 30 * 86_400);
        let (range, next) = page(self.members, MEMBERS_PAGE, token);
        let members: Vec<Value> = range
            .map(|index| {
                json!({
                    "AccountId": member(index + 1),
                    "AdministratorId": call.account,
                    "MasterId": call.account,
                    "MemberStatus": "ENABLED",
                    "InvitedAt": since,
                    "UpdatedAt": since
                })
            })
            .collect();
        ok(json!({"Members": members, "NextToken": next}))
    }

    /// Whether `account` is the caller or one of its members (all enabled everywhere).
    fn sends(&self, caller: &str, account: &str) -> bool {
        account == caller || member_index(account).is_some_and(|n| (1..=self.members).contains(&n))
    }

    /// Whether findings of `origin` are answered in `region`.
    fn sees(&self, region: &str, origin: &str) -> bool {
        if origin == region {
            return true;
        }
        let Some(aggregator) = &self.aggregator else {
            return false;
        };
        let listed = aggregator.regions.iter().any(|r| r == origin);
        aggregator.region == region
            && DEFAULT_REGIONS.contains(&origin)
            && match aggregator.mode.as_str() {
                "ALL_REGIONS" => true,
                "ALL_REGIONS_EXCEPT_SPECIFIED" => !listed,
                "SPECIFIED_REGIONS" => listed,
                _ => false,
            }
    }

    fn get_findings(&self, call: &Call, body: &Value) -> Option<Answer> {
        let accounts = filter_values(body, "AwsAccountId");
        let origins = filter_values(body, "Region");
        let control = filter_values(body, "ComplianceSecurityControlId")
            .and_then(|values| values.into_iter().next());
        let record = |findings: usize, more: bool| {
            self.calls.lock().unwrap().push(FindingsCall {
                at_ms: call.arrived_ms,
                region: call.region.to_owned(),
                accounts: accounts.clone().unwrap_or_default(),
                origins: origins.clone().unwrap_or_default(),
                control: control.clone(),
                findings,
                more,
            });
        };
        let Some(account_filter) = &accounts else {
            // The regional Security Hub probe's "any finding" read: the healthy answer.
            record(1, false);
            return None;
        };
        let origins_sought = origins
            .clone()
            .unwrap_or_else(|| vec![call.region.to_owned()]);
        let active = filter_values(body, "RecordState")
            .is_none_or(|states| states.iter().any(|state| state == "ACTIVE"));
        let now = now_secs();
        let oldest = window_days(body).map(|days| now - days * 86_400);
        let mut found: Vec<(i64, Value)> = Vec::new();
        for origin in origins_sought
            .iter()
            .filter(|origin| self.sees(call.region, origin))
        {
            for account in account_filter
                .iter()
                .filter(|account| active && self.sends(call.account, account))
            {
                let offset = member_index(account).unwrap_or(0) as i64 % 60 * 60;
                match control.as_deref() {
                    Some("Config.1") => {
                        let updated = now - 3_600 - offset;
                        found.push((updated, finding(account, origin, updated, true)));
                    }
                    Some(_) => {}
                    None => found.extend((0..self.findings_per_account).map(|k| {
                        let updated = now - 3_600 * (1 + 6 * k as i64) - offset;
                        (updated, finding(account, origin, updated, false))
                    })),
                }
            }
        }
        found.retain(|(updated, _)| oldest.is_none_or(|oldest| *updated >= oldest));
        found.sort_by_key(|(updated, _)| std::cmp::Reverse(*updated));
        let size = body["MaxResults"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
        let (range, next) = page(found.len(), size, body["NextToken"].as_str());
        let findings: Vec<Value> = found
            .into_iter()
            .skip(range.start)
            .take(range.len())
            .map(|(_, finding)| finding)
            .collect();
        record(findings.len(), next.is_some());
        Some(ok(json!({"Findings": findings, "NextToken": next})))
    }

    /// Every recorded `GetFindings` call.
    pub fn findings_calls(&self) -> String {
        let calls = self.calls.lock().unwrap();
        let calls: Vec<Value> = calls
            .iter()
            .map(|call| {
                json!({
                    "at_ms": (call.at_ms * 10.0).round() / 10.0,
                    "region": call.region,
                    "accounts": call.accounts,
                    "origins": call.origins,
                    "control": call.control,
                    "findings": call.findings,
                    "more": call.more
                })
            })
            .collect();
        format!("{}\n", json!({"calls": calls}))
    }

    /// Forgets the recorded calls.
    pub fn reset(&self) {
        self.calls.lock().unwrap().clear();
    }
}

fn ok(body: Value) -> Answer {
    json(&body.to_string())
}

fn denied(operation: &str) -> Answer {
    json_error(
        StatusCode::FORBIDDEN,
        "AccessDeniedException",
        &format!("You don't have permissions to perform {operation} from this account"),
    )
}

fn member(n: usize) -> String {
    format!("{:012}", MEMBER_BASE + n as u64)
}

/// `n` of member account `MEMBER_BASE + n`.
fn member_index(account: &str) -> Option<usize> {
    account
        .parse::<u64>()
        .ok()
        .and_then(|id| id.checked_sub(MEMBER_BASE))
        .filter(|n| *n > 0)
        .map(|n| n as usize)
}

/// The items of the page a `page-N` token asks for (the first without one), and the next
/// page's token.
fn page(
    total: usize,
    size: usize,
    token: Option<&str>,
) -> (std::ops::Range<usize>, Option<String>) {
    let index = token
        .and_then(|token| token.strip_prefix("page-"))
        .and_then(|n| n.parse::<usize>().ok())
        .map_or(0, |n| n.saturating_sub(1));
    let start = (index * size).min(total);
    let end = (start + size).min(total);
    let next = (end < total).then(|| format!("page-{}", index + 2));
    (start..end, next)
}

/// The `Value`s of one `GetFindings` string filter.
fn filter_values(body: &Value, field: &str) -> Option<Vec<String>> {
    body["Filters"][field].as_array().map(|filters| {
        filters
            .iter()
            .filter_map(|filter| filter["Value"].as_str().map(str::to_owned))
            .collect()
    })
}

/// The days of the `UpdatedAt` filter's `DateRange`, when it has one.
fn window_days(body: &Value) -> Option<i64> {
    body["Filters"]["UpdatedAt"]
        .as_array()?
        .iter()
        .filter(|filter| filter["DateRange"]["Unit"] == "DAYS")
        .filter_map(|filter| filter["DateRange"]["Value"].as_i64())
        .min()
}

fn aggregator_arn(aggregator: &Aggregator, account: &str) -> String {
    format!(
        "arn:aws:securityhub:{}:{account}:finding-aggregator/1d9c5a2e-0000-4000-8000-000000000001",
        aggregator.region
    )
}

/// A finding of `account` in `origin` updated at `updated` (Unix seconds); with `config`, its
/// passing `Config.1` control finding.
fn finding(account: &str, origin: &str, updated: i64, config: bool) -> Value {
    let at = stamp(updated);
    let id = format!("arn:aws:securityhub:{origin}:{account}:finding/{updated}-{config}");
    let mut finding = json!({
        "SchemaVersion": "2018-10-08",
        "Id": id,
        "ProductArn": format!("arn:aws:securityhub:{origin}::product/aws/securityhub"),
        "GeneratorId": "security-control/IAM.1", "AwsAccountId": account, "Region": origin,
        "CreatedAt": at, "UpdatedAt": at, "RecordState": "ACTIVE",
        "Title": "t", "Description": "d",
        "Resources": [{"Type": "AwsAccount", "Id": format!("AWS::::Account:{account}")}]
    });
    if config {
        finding["GeneratorId"] = json!("security-control/Config.1");
        finding["Compliance"] = json!({"Status": "PASSED", "SecurityControlId": "Config.1"});
    }
    finding
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// Unix seconds as RFC 3339 (`2026-12-07T02:10:00.000Z`): Howard Hinnant's days-to-civil.
fn stamp(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_rfc_3339() {
        assert_eq!(stamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(stamp(1_796_609_400), "2026-12-07T02:10:00.000Z");
        assert_eq!(stamp(951_782_400), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn pages_follow_their_tokens() {
        assert_eq!(page(45, 20, None), (0..20, Some("page-2".to_owned())));
        assert_eq!(page(45, 20, Some("page-3")), (40..45, None));
        assert_eq!(page(0, 20, None), (0..0, None));
    }
}
