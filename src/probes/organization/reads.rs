//! The organization check's reads of AWS Organizations and of Security Hub's membership,
//! organization and aggregation calls. Which of them an account may make is itself evidence
//! (only the management account lists the Security Hub administrators, only the Security Hub
//! administrator reads the organization's configuration), so a refusal is kept as an answer,
//! never turned into a permission finding.

use aws_smithy_types::DateTime as SmithyTime;
use chrono::{DateTime, Utc};

use crate::aws::{AwsError, AwsErrorKind, AwsService, AwsSession, in_region, same_word};
use crate::catalogue::aws_mapping;
use crate::domain::{ConfigurationType, Membership, Region};
use crate::probes::context::ProbeContext;

/// What one read gave.
#[derive(Debug, Clone)]
pub enum Read<T> {
    /// AWS answered.
    Answered(T),
    /// AWS refused in a way that says who this account is (a denial, no organization, no
    /// hub): evidence, not a fault.
    Refused,
    /// Anything else: a timeout, a throttle, a service error.
    Failed(AwsError),
}

/// Who may make a call, which decides what its denial means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WhoMay {
    /// Every account with the guide's policies: a denial is a permission fault (the permissions
    /// check reports it), and says nothing of the account's place.
    Anyone,
    /// Only some accounts (the management account, an administrator): a denial is evidence.
    Some,
}

impl<T> Read<T> {
    fn of(result: Result<T, AwsError>, who: WhoMay) -> Self {
        match result {
            Ok(answer) => Read::Answered(answer),
            Err(error) if is_evidence(&error, who) => Read::Refused,
            Err(error) => Read::Failed(error),
        }
    }

    /// The answer, if AWS gave one.
    pub fn answer(&self) -> Option<&T> {
        match self {
            Read::Answered(answer) => Some(answer),
            _ => None,
        }
    }

    /// The error of a read that failed for another reason than who the account is.
    pub fn failure(&self) -> Option<&AwsError> {
        match self {
            Read::Failed(error) => Some(error),
            _ => None,
        }
    }

    /// A failure worth a finding of its own: not a denial, which the permissions check reports
    /// with its verdict.
    pub fn fault(&self) -> Option<&AwsError> {
        self.failure()
            .filter(|error| !aws_mapping::is_denial(error))
    }
}

/// AWS error codes that answer "not you" or "not here" rather than "something broke".
const EVIDENCE_CODES: &[&str] = &[
    "AWSOrganizationsNotInUseException",
    "InvalidAccessException",
    "ResourceNotFoundException",
    "InvalidInputException",
];

fn is_evidence(error: &AwsError, who: WhoMay) -> bool {
    error.kind == AwsErrorKind::Service
        && (error.code_is(EVIDENCE_CODES) || (who == WhoMay::Some && aws_mapping::is_denial(error)))
}

/// The AWS Organization the account is in.
#[derive(Debug, Clone)]
pub struct OrganizationInfo {
    /// `o-...`.
    pub id: Option<String>,
    /// The management account.
    pub management_account_id: Option<String>,
}

/// An account of the organization.
#[derive(Debug, Clone)]
pub struct OrgAccount {
    /// Its id.
    pub id: String,
    /// Its name (customer text).
    pub name: Option<String>,
}

/// This account's administrator in one region, as `GetAdministratorAccount` tells it.
#[derive(Debug, Clone)]
pub struct Administrator {
    /// The administrator's account.
    pub account_id: String,
    /// The relationship (`Enabled`, `Resigned`, ...); `None` for a word we do not know.
    pub membership: Option<Membership>,
    /// The status word as AWS wrote it.
    pub status: String,
}

/// One member of an administrator in one region.
#[derive(Debug, Clone)]
pub struct Member {
    /// Its account.
    pub account_id: String,
    /// Its relationship.
    pub membership: Membership,
    /// When the relationship last changed (an enabled member's "enabled since").
    pub updated_at: Option<DateTime<Utc>>,
}

/// The organization's Security Hub configuration, as its administrator reads it.
#[derive(Debug, Clone)]
pub struct HubOrganizationConfiguration {
    /// New accounts become members on their own.
    pub auto_enable: bool,
    /// Central or local.
    pub configuration_type: Option<ConfigurationType>,
}

/// A finding aggregator.
#[derive(Debug, Clone)]
pub struct Aggregator {
    /// Where findings are gathered.
    pub region: String,
    /// `ALL_REGIONS`, `ALL_REGIONS_EXCEPT_SPECIFIED`, `SPECIFIED_REGIONS` or `NO_REGIONS`.
    pub linking_mode: String,
    /// The regions the mode lists (exclusions or inclusions).
    pub regions: Vec<String>,
}

/// Most pages of one listing read (ListAccounts gives 20 a page, ListMembers 50): 3,000
/// accounts; beyond, the map is of the accounts read and says so.
const MAX_PAGES: usize = 150;

fn organizations(session: &AwsSession, home: Region) -> aws_sdk_organizations::Client {
    aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(&session.sdk_config(home))
            .retry_partition(session.retry_partition())
            .build(),
    )
}

/// `DescribeOrganization`, at the partition's home region.
pub async fn describe_organization(ctx: &ProbeContext<'_>, home: Region) -> Read<OrganizationInfo> {
    let client = organizations(ctx.session, home);
    Read::of(
        ctx.aws(
            home,
            AwsService::Organizations,
            "DescribeOrganization",
            || client.describe_organization().send(),
        )
        .await
        .map(|output| {
            let organization = output.organization();
            OrganizationInfo {
                id: organization.and_then(|o| o.id()).map(str::to_owned),
                management_account_id: organization
                    .and_then(|o| o.master_account_id())
                    .map(str::to_owned),
            }
        }),
        WhoMay::Some,
    )
}

/// `ListAccounts` over every page: only the management account or a delegated administrator
/// may.
pub async fn list_accounts(ctx: &ProbeContext<'_>, home: Region) -> Read<Vec<OrgAccount>> {
    let client = &organizations(ctx.session, home);
    let accounts = every_page(|token| async move {
        let page = ctx
            .aws(home, AwsService::Organizations, "ListAccounts", || {
                client.list_accounts().set_next_token(token).send()
            })
            .await?;
        let accounts = page
            .accounts()
            .iter()
            .filter_map(|account| {
                Some(OrgAccount {
                    id: account.id()?.to_owned(),
                    name: account.name().map(str::to_owned),
                })
            })
            .collect();
        Ok((accounts, page.next_token().map(str::to_owned)))
    })
    .await;
    Read::of(accounts, WhoMay::Some)
}

/// `GetAdministratorAccount` in `region`: `None` when the hub reports no administrator.
pub async fn administrator(ctx: &ProbeContext<'_>, region: Region) -> Read<Option<Administrator>> {
    let client = ctx.session.securityhub();
    Read::of(
        ctx.aws(
            region,
            AwsService::SecurityHub,
            "GetAdministratorAccount",
            || {
                client
                    .get_administrator_account()
                    .customize()
                    .config_override(in_region::securityhub(ctx.session, region))
                    .send()
            },
        )
        .await
        .map(|output| {
            output.administrator().and_then(|invitation| {
                let status = invitation.member_status().unwrap_or_default().to_owned();
                Some(Administrator {
                    account_id: invitation.account_id()?.to_owned(),
                    membership: membership(&status),
                    status,
                })
            })
        }),
        WhoMay::Anyone,
    )
}

/// `ListMembers` with `OnlyAssociated=false` in `region`, every page: members of every status.
pub async fn members(ctx: &ProbeContext<'_>, region: Region) -> Read<Vec<Member>> {
    let client = ctx.session.securityhub();
    let members = every_page(|token| async move {
        let page = ctx
            .aws(region, AwsService::SecurityHub, "ListMembers", || {
                client
                    .list_members()
                    .only_associated(false)
                    .set_next_token(token)
                    .customize()
                    .config_override(in_region::securityhub(ctx.session, region))
                    .send()
            })
            .await?;
        let members = page
            .members()
            .iter()
            .filter_map(|member| {
                Some(Member {
                    account_id: member.account_id()?.to_owned(),
                    membership: membership(member.member_status()?)?,
                    updated_at: member.updated_at().and_then(to_chrono),
                })
            })
            .collect();
        Ok((members, page.next_token().map(str::to_owned)))
    })
    .await;
    Read::of(members, WhoMay::Anyone)
}

/// Every page of a listing, at most [`MAX_PAGES`]: `page` reads the page a token names (the
/// first without one) and gives its items and the next page's token (none, or empty, on the
/// last). The first failed page fails the listing.
async fn every_page<T, Page, Fut>(mut page: Page) -> Result<Vec<T>, AwsError>
where
    Page: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), AwsError>>,
{
    let mut items = Vec::new();
    let mut next = None;
    for _ in 0..MAX_PAGES {
        let (found, token) = page(next.take()).await?;
        items.extend(found);
        next = token.filter(|token| !token.is_empty());
        if next.is_none() {
            break;
        }
    }
    Ok(items)
}

/// `ListOrganizationAdminAccounts` in `region`: the accounts the organization delegated
/// Security Hub administration to, enabled ones only. Only the management account may.
pub async fn delegated_administrators(ctx: &ProbeContext<'_>, region: Region) -> Read<Vec<String>> {
    let client = ctx.session.securityhub();
    Read::of(
        ctx.aws(
            region,
            AwsService::SecurityHub,
            "ListOrganizationAdminAccounts",
            || {
                client
                    .list_organization_admin_accounts()
                    .customize()
                    .config_override(in_region::securityhub(ctx.session, region))
                    .send()
            },
        )
        .await
        .map(|output| {
            output
                .admin_accounts()
                .iter()
                .filter(|admin| {
                    admin
                        .status()
                        .is_none_or(|status| same_word(status.as_str(), "ENABLED"))
                })
                .filter_map(|admin| admin.account_id().map(str::to_owned))
                .collect()
        }),
        WhoMay::Some,
    )
}

/// `DescribeOrganizationConfiguration` in `region`: only the Security Hub administrator of an
/// organization may.
pub async fn organization_configuration(
    ctx: &ProbeContext<'_>,
    region: Region,
) -> Read<HubOrganizationConfiguration> {
    let client = ctx.session.securityhub();
    Read::of(
        ctx.aws(
            region,
            AwsService::SecurityHub,
            "DescribeOrganizationConfiguration",
            || {
                client
                    .describe_organization_configuration()
                    .customize()
                    .config_override(in_region::securityhub(ctx.session, region))
                    .send()
            },
        )
        .await
        .map(|output| HubOrganizationConfiguration {
            auto_enable: output.auto_enable().unwrap_or(false),
            configuration_type: output
                .organization_configuration()
                .and_then(|c| c.configuration_type())
                .and_then(|kind| match kind.as_str() {
                    word if same_word(word, "CENTRAL") => Some(ConfigurationType::Central),
                    word if same_word(word, "LOCAL") => Some(ConfigurationType::Local),
                    _ => None,
                }),
        }),
        WhoMay::Some,
    )
}

/// The finding aggregator, if any: `ListFindingAggregators` in `region`, then
/// `GetFindingAggregator` in the aggregation region its ARN names.
pub async fn aggregator(ctx: &ProbeContext<'_>, region: Region) -> Read<Option<Aggregator>> {
    let client = ctx.session.securityhub();
    let listed = ctx
        .aws(
            region,
            AwsService::SecurityHub,
            "ListFindingAggregators",
            || {
                client
                    .list_finding_aggregators()
                    .customize()
                    .config_override(in_region::securityhub(ctx.session, region))
                    .send()
            },
        )
        .await;
    let arn = match listed {
        Ok(output) => output
            .finding_aggregators()
            .iter()
            .find_map(|aggregator| aggregator.finding_aggregator_arn().map(str::to_owned)),
        Err(error) => return Read::of(Err(error), WhoMay::Some),
    };
    let Some(arn) = arn else {
        return Read::Answered(None);
    };
    // arn:aws:securityhub:<region>:<account>:finding-aggregator/<id>
    let home = arn
        .split(':')
        .nth(3)
        .and_then(|name| Region::reported(name, ctx.identity.partition))
        .unwrap_or(region);
    Read::of(
        ctx.aws(
            home,
            AwsService::SecurityHub,
            "GetFindingAggregator",
            || {
                client
                    .get_finding_aggregator()
                    .finding_aggregator_arn(&arn)
                    .customize()
                    .config_override(in_region::securityhub(ctx.session, home))
                    .send()
            },
        )
        .await
        .map(|output| {
            Some(Aggregator {
                region: output
                    .finding_aggregation_region()
                    .unwrap_or(home.name())
                    .to_owned(),
                linking_mode: output.region_linking_mode().unwrap_or_default().to_owned(),
                regions: output.regions().to_vec(),
            })
        }),
        WhoMay::Some,
    )
}

/// Member statuses as AWS writes them; read with [`same_word`], since AWS spells them in two
/// casings across its documentation and answers (`Enabled`, `ENABLED`, `AccountSuspended`,
/// `ACCOUNT_SUSPENDED`).
const MEMBER_STATUSES: &[(&str, Membership)] = &[
    ("ENABLED", Membership::Enabled),
    ("INVITED", Membership::Invited),
    ("CREATED", Membership::Created),
    ("RESIGNED", Membership::Resigned),
    ("REMOVED", Membership::Removed),
    ("DELETED", Membership::Deleted),
    ("ACCOUNT_SUSPENDED", Membership::Suspended),
];

/// The membership a member status names; `None` for a word this version does not know.
pub fn membership(status: &str) -> Option<Membership> {
    MEMBER_STATUSES
        .iter()
        .find(|(word, _)| same_word(status, word))
        .map(|(_, membership)| *membership)
}

/// A Smithy time as chrono's.
pub fn to_chrono(time: &SmithyTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(time.secs(), time.subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_statuses_are_read_in_both_casings() {
        for (aws, word) in [
            ("Enabled", Membership::Enabled),
            ("ENABLED", Membership::Enabled),
            ("AccountSuspended", Membership::Suspended),
            ("ACCOUNT_SUSPENDED", Membership::Suspended),
            ("Resigned", Membership::Resigned),
            ("created", Membership::Created),
        ] {
            assert_eq!(membership(aws), Some(word), "{aws}");
        }
        assert_eq!(membership("Pending"), None);
    }
}
