//! The scripted fake's AWS Organization and Security Hub administrator, from a scenario's
//! `[organization]` table: `DescribeOrganization` and `ListAccounts` (20 a page), the caller's
//! administrator, its members in every region (`ListMembers`, 50 a page), the organization's
//! Security Hub configuration and delegated administrators, a finding aggregator, and
//! `GetFindings` answers that honour the account, region and control filters and the region
//! the call is signed for (an aggregation region answers for the regions it links).
//!
//! ```toml
//! [organization]
//! id = "o-a1b2c3d4e5"           # DescribeOrganization answers; absent: AWSOrganizationsNotInUseException
//! management = "123456789012"   # the management account (the caller's by default)
//! accounts = 3                  # accounts besides the caller: 210000000001, 210000000002, ...
//! names = { "210000000001" = "payments-prod" }   # names over the generated "account-N"
//! list_accounts = false         # ListAccounts refused (by default it answers the management
//!                               # account and the Security Hub administrator)
//! delegated_administrator = "444455556666"  # ListOrganizationAdminAccounts (management only)
//! configuration = { auto_enable = true, type = "LOCAL" }  # DescribeOrganizationConfiguration
//!                               # answers: the caller administers the organization's hub
//! administrator = { account = "999999999999", status = "Enabled", regions = ["us-east-1"] }
//!                               # GetAdministratorAccount (every region unless `regions`)
//! members = "Enabled"           # every account is the caller's member with this status
//! member_since = "now-30d"      # members' UpdatedAt (now, now-<n><s|m|h|d>)
//! findings_per_account = 1      # findings of a member that sends them, per region
//! findings_delay_ms = 1000      # GetFindings answers after this long (a slow read)
//! aggregator = { region = "us-east-1", mode = "ALL_REGIONS_EXCEPT_SPECIFIED", regions = ["eu-west-1"] }
//! quiet = [{ account = "210000000003", regions = ["us-east-1"] }]    # enabled, sends nothing
//! config_off = [{ account = "210000000002", regions = ["eu-west-1"] }]  # Config.1 fails:
//!                               # CONFIG_RECORDER_DISABLED (elsewhere it passes)
//! [[organization.member]]       # one account's status in some regions ("none": not a member)
//! account = "210000000002"
//! status = "Resigned"
//! regions = ["eu-west-1"]       # every region when absent
//! since = "now-2h"
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use super::FakeAws;
use super::fake_aws::signing_scope;
use super::fake_cloudtrail::relative_time;
use super::fake_regions::{json_error, json_response};

/// The caller's account in every scenario.
pub const CALLER: &str = "123456789012";
/// Organizations' target prefix.
pub const ORGANIZATIONS: &str = "AWSOrganizationsV20161128.";

/// A scenario's `[organization]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPart {
    id: Option<String>,
    management: Option<String>,
    #[serde(default)]
    accounts: usize,
    #[serde(default)]
    names: BTreeMap<String, String>,
    list_accounts: Option<bool>,
    delegated_administrator: Option<String>,
    configuration: Option<ConfigurationPart>,
    administrator: Option<AdministratorPart>,
    members: Option<String>,
    member_since: Option<String>,
    findings_per_account: Option<usize>,
    findings_delay_ms: Option<u64>,
    aggregator: Option<AggregatorPart>,
    #[serde(default)]
    quiet: Vec<Place>,
    #[serde(default)]
    config_off: Vec<Place>,
    #[serde(default)]
    member: Vec<MemberPart>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigurationPart {
    auto_enable: bool,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdministratorPart {
    account: String,
    status: String,
    regions: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AggregatorPart {
    region: String,
    mode: String,
    #[serde(default)]
    regions: Vec<String>,
}

/// Accounts in regions (every region when `regions` is absent).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Place {
    account: String,
    regions: Option<Vec<String>>,
}

impl Place {
    fn covers(&self, account: &str, region: &str) -> bool {
        self.account == account && in_regions(&self.regions, region)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberPart {
    account: String,
    status: String,
    regions: Option<Vec<String>>,
    since: Option<String>,
}

fn in_regions(regions: &Option<Vec<String>>, region: &str) -> bool {
    regions
        .as_ref()
        .is_none_or(|regions| regions.iter().any(|r| r == region))
}

/// A time as a scenario writes it, with days too.
fn scenario_time(text: &str) -> DateTime<Utc> {
    match text
        .strip_prefix("now-")
        .and_then(|ago| ago.strip_suffix('d'))
    {
        Some(days) => Utc::now() - chrono::TimeDelta::days(days.parse().expect("a number of days")),
        None => relative_time(text),
    }
}

fn stamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl OrganizationPart {
    /// Every account of the organization but the caller, sorted.
    fn others(&self) -> Vec<String> {
        let mut accounts: Vec<String> = (1..=self.accounts)
            .map(|n| format!("{:012}", 210_000_000_000u64 + n as u64))
            .collect();
        for part in &self.member {
            if !accounts.contains(&part.account) && part.account != CALLER {
                accounts.push(part.account.clone());
            }
        }
        accounts.sort();
        accounts
    }

    /// Whether `account` is one of [`Self::others`] (without listing them: the fake answers
    /// organizations of thousands).
    fn is_other(&self, account: &str) -> bool {
        let generated = account
            .parse::<u64>()
            .ok()
            .and_then(|id| id.checked_sub(210_000_000_000))
            .is_some_and(|n| (1..=self.accounts as u64).contains(&n));
        account != CALLER && (generated || self.member.iter().any(|part| part.account == account))
    }

    fn name_of(&self, account: &str, index: usize) -> String {
        self.names
            .get(account)
            .cloned()
            .unwrap_or_else(|| format!("account-{index}"))
    }

    /// The member status of `account` in `region` and since when (`None`: not a member).
    fn membership(&self, account: &str, region: &str) -> Option<(String, DateTime<Utc>)> {
        let default_since = || scenario_time(self.member_since.as_deref().unwrap_or("now-30d"));
        let part = self
            .member
            .iter()
            .rev()
            .find(|part| part.account == account && in_regions(&part.regions, region));
        match part {
            Some(part) if part.status == "none" => None,
            Some(part) => Some((
                part.status.clone(),
                part.since
                    .as_deref()
                    .map_or_else(default_since, scenario_time),
            )),
            None => self
                .members
                .as_ref()
                .filter(|_| self.is_other(account))
                .map(|status| (status.clone(), default_since())),
        }
    }

    fn is_management(&self) -> bool {
        self.id.is_some() && self.management.as_deref().unwrap_or(CALLER) == CALLER
    }

    /// Mounts the part over the healthy account (below any scripted `[[answer]]`).
    pub async fn mount(&self, fake: &FakeAws) {
        let part = self.clone();
        let mocks = [
            Mock::given(method("POST"))
                .and(header(
                    "x-amz-target",
                    format!("{ORGANIZATIONS}DescribeOrganization").as_str(),
                ))
                .respond_with(Responder(part.clone(), Route::DescribeOrganization)),
            Mock::given(method("POST"))
                .and(header(
                    "x-amz-target",
                    format!("{ORGANIZATIONS}ListAccounts").as_str(),
                ))
                .respond_with(Responder(part.clone(), Route::ListAccounts)),
            Mock::given(method("GET"))
                .and(path("/administrator"))
                .respond_with(Responder(part.clone(), Route::Administrator)),
            Mock::given(method("GET"))
                .and(path("/members"))
                .respond_with(Responder(part.clone(), Route::Members)),
            Mock::given(method("GET"))
                .and(path("/organization/admin"))
                .respond_with(Responder(part.clone(), Route::AdminAccounts)),
            Mock::given(method("GET"))
                .and(path("/organization/configuration"))
                .respond_with(Responder(part.clone(), Route::Configuration)),
            Mock::given(method("GET"))
                .and(path("/findingAggregator/list"))
                .respond_with(Responder(part.clone(), Route::Aggregators)),
            Mock::given(method("GET"))
                .and(path_regex("^/findingAggregator/get/"))
                .respond_with(Responder(part.clone(), Route::Aggregator)),
            Mock::given(method("POST"))
                .and(path("/findings"))
                .respond_with(Responder(part, Route::Findings)),
        ];
        for mock in mocks {
            mock.with_priority(8).mount(&fake.server).await;
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Route {
    DescribeOrganization,
    ListAccounts,
    Administrator,
    Members,
    AdminAccounts,
    Configuration,
    Aggregators,
    Aggregator,
    Findings,
}

struct Responder(OrganizationPart, Route);

fn denied(operation: &str) -> ResponseTemplate {
    json_error(
        403,
        "AccessDeniedException",
        &format!("You don't have permissions to perform {operation} from this account"),
    )
}

/// The page a `NextToken` of `page-N` asks for (the first without one).
fn page_of(token: Option<&str>) -> usize {
    token
        .and_then(|token| token.strip_prefix("page-"))
        .and_then(|n| n.parse::<usize>().ok())
        .map_or(0, |n| n - 1)
}

/// One page of `items`, with the next page's token.
fn paged(items: Vec<Value>, size: usize, token: Option<&str>) -> (Vec<Value>, Option<String>) {
    let page = page_of(token);
    let next = ((page + 1) * size < items.len()).then(|| format!("page-{}", page + 2));
    (
        items.into_iter().skip(page * size).take(size).collect(),
        next,
    )
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let part = &self.0;
        let (_, region) = signing_scope(request);
        let query_token = request
            .url
            .query_pairs()
            .find(|(name, _)| name == "NextToken")
            .map(|(_, value)| value.into_owned());
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        match self.1 {
            Route::DescribeOrganization => match &part.id {
                Some(id) => json_response(
                    200,
                    json!({"Organization": {
                        "Id": id,
                        "Arn": format!("arn:aws:organizations::{CALLER}:organization/{id}"),
                        "MasterAccountId": part.management.as_deref().unwrap_or(CALLER),
                        "FeatureSet": "ALL"
                    }}),
                ),
                None => json_error(
                    400,
                    "AWSOrganizationsNotInUseException",
                    "Your account is not a member of an organization.",
                ),
            },
            Route::ListAccounts => {
                let allowed = part.id.is_some()
                    && part
                        .list_accounts
                        .unwrap_or(part.is_management() || part.configuration.is_some());
                if !allowed {
                    return json_error(
                        400,
                        "AccessDeniedException",
                        "You don't have permissions to access this resource.",
                    );
                }
                let mut accounts =
                    vec![json!({"Id": CALLER, "Name": "administrator", "Status": "ACTIVE"})];
                accounts.extend(part.others().iter().enumerate().map(|(index, id)| {
                    json!({"Id": id, "Name": part.name_of(id, index + 1), "Status": "ACTIVE"})
                }));
                let (page, next) = paged(accounts, 20, body["NextToken"].as_str());
                json_response(200, json!({"Accounts": page, "NextToken": next}))
            }
            Route::Administrator => match &part.administrator {
                Some(admin) if in_regions(&admin.regions, &region) => json_response(
                    200,
                    json!({"Administrator": {
                        "AccountId": admin.account,
                        "InvitationId": "7ab938c5d52d7904ad09f9e7c20cc4eb",
                        "InvitedAt": "2026-01-01T00:00:00.000Z",
                        "MemberStatus": admin.status
                    }}),
                ),
                _ => json_response(200, json!({})),
            },
            Route::Members => {
                let members: Vec<Value> = part
                    .others()
                    .iter()
                    .filter_map(|account| {
                        let (status, since) = part.membership(account, &region)?;
                        Some(json!({
                            "AccountId": account,
                            "AdministratorId": CALLER,
                            "MemberStatus": status,
                            "InvitedAt": stamp(since),
                            "UpdatedAt": stamp(since)
                        }))
                    })
                    .collect();
                let (page, next) = paged(members, 50, query_token.as_deref());
                json_response(200, json!({"Members": page, "NextToken": next}))
            }
            Route::AdminAccounts => match part.is_management() {
                true => json_response(
                    200,
                    json!({"AdminAccounts": part.delegated_administrator.iter()
                        .map(|account| json!({"AccountId": account, "Status": "ENABLED"}))
                        .collect::<Vec<_>>()}),
                ),
                false => denied("ListOrganizationAdminAccounts"),
            },
            Route::Configuration => match &part.configuration {
                Some(configuration) => json_response(
                    200,
                    json!({
                        "AutoEnable": configuration.auto_enable,
                        "MemberAccountLimitReached": false,
                        "AutoEnableStandards": "DEFAULT",
                        "OrganizationConfiguration": {
                            "ConfigurationType": configuration.kind.as_deref().unwrap_or("LOCAL"),
                            "Status": "ENABLED"
                        }
                    }),
                ),
                None => denied("DescribeOrganizationConfiguration"),
            },
            Route::Aggregators => json_response(
                200,
                json!({"FindingAggregators": part.aggregator.iter().map(|aggregator| json!({
                    "FindingAggregatorArn": aggregator_arn(aggregator)
                })).collect::<Vec<_>>()}),
            ),
            Route::Aggregator => match &part.aggregator {
                Some(aggregator) => json_response(
                    200,
                    json!({
                        "FindingAggregatorArn": aggregator_arn(aggregator),
                        "FindingAggregationRegion": aggregator.region,
                        "RegionLinkingMode": aggregator.mode,
                        "Regions": aggregator.regions
                    }),
                ),
                None => json_error(404, "ResourceNotFoundException", "No finding aggregator."),
            },
            Route::Findings => {
                part.findings(&region, &body)
                    .set_delay(std::time::Duration::from_millis(
                        part.findings_delay_ms.unwrap_or(0),
                    ))
            }
        }
    }
}

fn aggregator_arn(aggregator: &AggregatorPart) -> String {
    format!(
        "arn:aws:securityhub:{}:{CALLER}:finding-aggregator/1d9c5a2e-0000-4000-8000-000000000001",
        aggregator.region
    )
}

/// The `Value`s of one `GetFindings` filter.
fn filter_values(body: &Value, field: &str) -> Option<Vec<String>> {
    body["Filters"][field].as_array().map(|filters| {
        filters
            .iter()
            .filter_map(|filter| filter["Value"].as_str().map(str::to_owned))
            .collect()
    })
}

impl OrganizationPart {
    /// Whether the aggregator gathers `origin`'s findings into `region`.
    fn gathers(&self, region: &str, origin: &str) -> bool {
        let Some(aggregator) = &self.aggregator else {
            return false;
        };
        if aggregator.region != region {
            return false;
        }
        let listed = aggregator.regions.iter().any(|r| r == origin);
        origin == region
            || match aggregator.mode.as_str() {
                "ALL_REGIONS" => true,
                "ALL_REGIONS_EXCEPT_SPECIFIED" => !listed,
                "SPECIFIED_REGIONS" => listed,
                _ => false,
            }
    }

    /// Whether `account` sends findings of `origin`.
    fn sends(&self, account: &str, origin: &str) -> bool {
        let member = account == CALLER
            || self
                .membership(account, origin)
                .is_some_and(|(status, _)| status.eq_ignore_ascii_case("enabled"));
        member && !self.quiet.iter().any(|place| place.covers(account, origin))
    }

    /// `GetFindings` in `region`: with an account filter, the findings those accounts send of
    /// the filtered regions that this region sees; without one, the caller's own finding.
    fn findings(&self, region: &str, body: &Value) -> ResponseTemplate {
        let Some(accounts) = filter_values(body, "AwsAccountId") else {
            return json_response(200, json!({"Findings": [finding(CALLER, region, None)]}));
        };
        let origins = filter_values(body, "Region").unwrap_or_else(|| vec![region.to_owned()]);
        let control = filter_values(body, "ComplianceSecurityControlId").unwrap_or_default();
        let config = control.iter().any(|c| c == "Config.1");
        let per_account = self.findings_per_account.unwrap_or(1);
        let mut found = Vec::new();
        for origin in origins
            .iter()
            .filter(|o| *o == region || self.gathers(region, o))
        {
            for account in &accounts {
                if !self.sends(account, origin) {
                    continue;
                }
                if config {
                    let off = self
                        .config_off
                        .iter()
                        .any(|place| place.covers(account, origin));
                    found.push(finding(account, origin, Some(!off)));
                } else {
                    found.extend((0..per_account).map(|_| finding(account, origin, None)));
                }
            }
        }
        let size = body["MaxResults"].as_u64().unwrap_or(100) as usize;
        let (page, next) = paged(found, size, body["NextToken"].as_str());
        json_response(200, json!({"Findings": page, "NextToken": next}))
    }
}

/// A complete finding of `account` in `region` updated an hour ago; with `config`, the
/// account's `Config.1` control finding, passing or failing because the recorder is off.
fn finding(account: &str, region: &str, config: Option<bool>) -> Value {
    let updated = stamp(Utc::now() - chrono::TimeDelta::hours(1));
    let mut finding = json!({
        "SchemaVersion": "2018-10-08",
        "Id": format!("arn:aws:securityhub:{region}:{account}:finding/{}", uuid::Uuid::new_v4()),
        "ProductArn": format!("arn:aws:securityhub:{region}::product/aws/securityhub"),
        "GeneratorId": "security-control/IAM.1", "AwsAccountId": account, "Region": region,
        "CreatedAt": updated, "UpdatedAt": updated,
        "Title": "t", "Description": "d",
        "Resources": [{"Type": "AwsAccount", "Id": format!("AWS::::Account:{account}")}]
    });
    if let Some(passes) = config {
        finding["GeneratorId"] = json!("security-control/Config.1");
        finding["Compliance"] = match passes {
            true => json!({"Status": "PASSED", "SecurityControlId": "Config.1"}),
            false => json!({"Status": "FAILED", "SecurityControlId": "Config.1",
                "StatusReasons": [{"ReasonCode": "CONFIG_RECORDER_DISABLED",
                    "Description": "AWS Config is not enabled or not recording"}]}),
        };
    }
    finding
}
