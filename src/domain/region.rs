//! AWS regions the service knows, with their partition and whether they are opt-in.
//!
//! Only names from this table are accepted, so nothing a caller sends can steer the
//! hostname an AWS call goes to.

use std::fmt;

/// An AWS partition: regions of one partition share credentials and endpoints' domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Partition {
    /// The commercial partition (`arn:aws:`).
    Aws,
    /// China (`arn:aws-cn:`).
    AwsCn,
    /// GovCloud (US) (`arn:aws-us-gov:`).
    AwsUsGov,
}

impl Partition {
    /// The partition's word in ARNs: `aws`, `aws-cn`, `aws-us-gov`.
    pub fn arn_name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
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
    region("ap-south-2", Partition::Aws, true),
    region("ap-southeast-3", Partition::Aws, true),
    region("ap-southeast-4", Partition::Aws, true),
    region("ap-southeast-5", Partition::Aws, true),
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

/// A region from the built-in table.
#[derive(Clone, Copy)]
pub struct Region(&'static RegionInfo);

impl Region {
    /// Looks a name up in the table; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        REGIONS.iter().find(|info| info.name == name).map(Region)
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
    fn only_known_names_parse() {
        assert!(Region::parse("eu-west-1").is_some());
        assert!(Region::parse("us-east-1.attacker.example").is_none());
        assert!(Region::parse("EU-WEST-1").is_none());
    }
}
