//! AWS regions: the built-in table of the three partitions (a region is one line of it), and
//! the regions AWS itself reported that the table does not know yet.
//!
//! Only names from the table are accepted from callers, so nothing a caller sends can steer the
//! hostname an AWS call goes to. Regions that AWS lists for the account (discovery) are used
//! even when the table lacks them: they come from AWS, not from a caller.

use std::fmt;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An AWS partition: regions of one partition share credentials and endpoints' domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Partition {
    /// The commercial partition (`arn:aws:`).
    Aws,
    /// China (`arn:aws-cn:`).
    AwsCn,
    /// GovCloud (US) (`arn:aws-us-gov:`).
    AwsUsGov,
}

/// Every partition, commercial first: the order in which a key's partition is looked for.
pub const PARTITIONS: [Partition; 3] = [Partition::Aws, Partition::AwsUsGov, Partition::AwsCn];

impl Partition {
    /// The partition's word in ARNs: `aws`, `aws-cn`, `aws-us-gov`.
    pub fn arn_name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
        }
    }

    /// The partition's name for people.
    pub fn title(self) -> &'static str {
        match self {
            Partition::Aws => "commercial AWS (aws)",
            Partition::AwsCn => "AWS China (aws-cn)",
            Partition::AwsUsGov => "AWS GovCloud (US) (aws-us-gov)",
        }
    }

    /// The domain of the partition's endpoints.
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
            Partition::AwsCn => "amazonaws.com.cn",
        }
    }

    /// The region whose regional STS endpoint serves identity calls of this partition.
    ///
    /// Fixed per partition: a caller never chooses where credentials are first sent.
    pub fn sts_region(self) -> Region {
        match self {
            Partition::Aws => Region::known("us-east-1"),
            Partition::AwsCn => Region::known("cn-north-1"),
            Partition::AwsUsGov => Region::known("us-gov-west-1"),
        }
    }

    /// The regions checked when the request names none: those enabled by default.
    pub fn default_regions(self) -> Vec<Region> {
        REGIONS
            .iter()
            .filter(|info| info.partition == self && !info.opt_in)
            .map(Region)
            .collect()
    }

    /// The partition's regions of the table that an account must opt in to.
    pub fn opt_in_regions(self) -> Vec<Region> {
        REGIONS
            .iter()
            .filter(|info| info.partition == self && info.opt_in)
            .map(Region)
            .collect()
    }

    /// The partition of an ARN (`arn:aws-us-gov:...`), if it names one.
    pub fn of_arn(arn: &str) -> Option<Self> {
        match arn.split(':').nth(1)? {
            "aws" => Some(Partition::Aws),
            "aws-cn" => Some(Partition::AwsCn),
            "aws-us-gov" => Some(Partition::AwsUsGov),
            _ => None,
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.arn_name())
    }
}

struct RegionInfo {
    name: &'static str,
    partition: Partition,
    opt_in: bool,
}

const fn region(name: &'static str, partition: Partition, opt_in: bool) -> RegionInfo {
    RegionInfo {
        name,
        partition,
        opt_in,
    }
}

/// The built-in table: every region of the three partitions through the regions launched in
/// 2025. A new region is one line; `region_table_matches_the_sdk` checks it against the AWS SDK's
/// own partition data.
static REGIONS: &[RegionInfo] = &[
    region("us-east-1", Partition::Aws, false),
    region("us-east-2", Partition::Aws, false),
    region("us-west-1", Partition::Aws, false),
    region("us-west-2", Partition::Aws, false),
    region("ap-south-1", Partition::Aws, false),
    region("ap-northeast-1", Partition::Aws, false),
    region("ap-northeast-2", Partition::Aws, false),
    region("ap-northeast-3", Partition::Aws, false),
    region("ap-southeast-1", Partition::Aws, false),
    region("ap-southeast-2", Partition::Aws, false),
    region("ca-central-1", Partition::Aws, false),
    region("eu-central-1", Partition::Aws, false),
    region("eu-west-1", Partition::Aws, false),
    region("eu-west-2", Partition::Aws, false),
    region("eu-west-3", Partition::Aws, false),
    region("eu-north-1", Partition::Aws, false),
    region("sa-east-1", Partition::Aws, false),
    region("af-south-1", Partition::Aws, true),
    region("ap-east-1", Partition::Aws, true),
    region("ap-east-2", Partition::Aws, true),
    region("ap-south-2", Partition::Aws, true),
    region("ap-southeast-3", Partition::Aws, true),
    region("ap-southeast-4", Partition::Aws, true),
    region("ap-southeast-5", Partition::Aws, true),
    region("ap-southeast-6", Partition::Aws, true),
    region("ap-southeast-7", Partition::Aws, true),
    region("ca-west-1", Partition::Aws, true),
    region("eu-central-2", Partition::Aws, true),
    region("eu-south-1", Partition::Aws, true),
    region("eu-south-2", Partition::Aws, true),
    region("il-central-1", Partition::Aws, true),
    region("me-central-1", Partition::Aws, true),
    region("me-south-1", Partition::Aws, true),
    region("mx-central-1", Partition::Aws, true),
    region("cn-north-1", Partition::AwsCn, false),
    region("cn-northwest-1", Partition::AwsCn, false),
    region("us-gov-west-1", Partition::AwsUsGov, false),
    region("us-gov-east-1", Partition::AwsUsGov, false),
];

/// Regions AWS reported that the table lacks, each kept once for the life of the process.
static DISCOVERED: Mutex<Vec<&'static RegionInfo>> = Mutex::new(Vec::new());

/// At most this many regions unknown to the table are kept: a bound on what a misbehaving
/// endpoint could make the process hold.
const MAX_DISCOVERED: usize = 64;

/// A region: from the built-in table, or reported by AWS.
#[derive(Clone, Copy)]
pub struct Region(&'static RegionInfo);

impl Region {
    /// Looks a name up in the table; `None` for anything else. This is the only way a caller's
    /// name becomes a region.
    pub fn parse(name: &str) -> Option<Self> {
        REGIONS.iter().find(|info| info.name == name).map(Region)
    }

    /// Every region of the built-in table.
    pub fn table() -> impl Iterator<Item = Region> {
        REGIONS.iter().map(Region)
    }

    /// A region of the table, or one AWS reported before ([`Region::reported`]): for names read
    /// back from this service's own findings and from AWS answers.
    pub fn find(name: &str) -> Option<Self> {
        Self::parse(name).or_else(|| {
            let discovered = DISCOVERED.lock().unwrap_or_else(|e| e.into_inner());
            discovered
                .iter()
                .copied()
                .find(|info| info.name == name)
                .map(Region)
        })
    }

    /// A region AWS listed for an account of `partition`: the table's, or, for a name the table
    /// lacks, a new opt-in region of that partition (every region launched since 2019 is opt-in).
    /// `None` for a name that is not shaped like a region name, so nothing but a host label can
    /// reach an endpoint's host.
    pub fn reported(name: &str, partition: Partition) -> Option<Self> {
        let of_partition = |region: Region| (region.partition() == partition).then_some(region);
        if let Some(region) = Self::parse(name) {
            return of_partition(region);
        }
        if !is_region_name(name) {
            return None;
        }
        // Looked up and added under one lock, so two diagnoses never keep the same name twice.
        let mut discovered = DISCOVERED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&info) = discovered.iter().find(|info| info.name == name) {
            return of_partition(Region(info));
        }
        if discovered.len() >= MAX_DISCOVERED {
            return None;
        }
        tracing::warn!(
            region = name,
            partition = partition.arn_name(),
            "AWS reported a region that the built-in table lacks: add it to src/domain/region.rs"
        );
        let info: &'static RegionInfo = Box::leak(Box::new(RegionInfo {
            name: Box::leak(name.to_owned().into_boxed_str()),
            partition,
            opt_in: true,
        }));
        discovered.push(info);
        Some(Region(info))
    }

    /// A region the code names itself; panics on a typo, which the tests catch.
    fn known(name: &'static str) -> Self {
        match Self::parse(name) {
            Some(region) => region,
            None => panic!("region {name} is missing from the table"),
        }
    }

    /// The region's name, e.g. `eu-west-1`.
    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// The partition the region belongs to.
    pub fn partition(self) -> Partition {
        self.0.partition
    }

    /// Whether the account must opt in before using the region.
    pub fn is_opt_in(self) -> bool {
        self.0.opt_in
    }

    /// The host of the region's STS endpoint, e.g. `sts.eu-west-1.amazonaws.com`.
    pub fn sts_host(self) -> String {
        format!("sts.{}.{}", self.name(), self.partition().dns_suffix())
    }
}

/// `xx-word-N` (with more words allowed, e.g. `us-gov-west-1`): lower-case letters, digits and
/// hyphens only, at most 32 characters.
fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    name.len() <= 32
        && parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()))
}

impl PartialEq for Region {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Region {}

/// Ordered by name, so region lists and maps read alphabetically.
impl Ord for Region {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name().cmp(other.name())
    }
}

impl PartialOrd for Region {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::hash::Hash for Region {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_partition_has_its_sts_region_and_defaults() {
        for partition in [Partition::Aws, Partition::AwsCn, Partition::AwsUsGov] {
            assert_eq!(partition.sts_region().partition(), partition);
            assert!(!partition.default_regions().is_empty());
        }
        assert_eq!(Partition::Aws.default_regions().len(), 17);
    }

    #[test]
    fn regions_aws_reports_are_kept_once_and_only_when_shaped_like_regions() {
        let new = Region::reported("xx-newplace-1", Partition::Aws).expect("a region name");
        assert!(new.is_opt_in());
        assert_eq!(new.partition(), Partition::Aws);
        assert_eq!(Region::find("xx-newplace-1"), Some(new));
        assert!(
            Region::parse("xx-newplace-1").is_none(),
            "callers still need the table"
        );
        assert!(Region::reported("evil.example.com/", Partition::Aws).is_none());
        assert!(Region::reported("us-east-1", Partition::AwsCn).is_none());
        assert_eq!(
            Region::reported("us-east-1", Partition::Aws),
            Region::parse("us-east-1")
        );
    }

    #[test]
    fn only_known_names_parse() {
        assert!(Region::parse("eu-west-1").is_some());
        assert!(Region::parse("us-east-1.attacker.example").is_none());
        assert!(Region::parse("EU-WEST-1").is_none());
    }
}
