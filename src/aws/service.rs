//! The AWS services the probes call, each named once: its label (in metrics, errors and the
//! per-account budget), the name it signs requests with, where its endpoint is, and the request
//! rates AWS allows an account per region.
//!
//! Rates published by AWS: CloudTrail (LookupEvents 2 per second, other get, describe and list
//! APIs 10; "Quotas in AWS CloudTrail"), Security Hub (GetFindings 3 per second, every other
//! operation 10; the Security Hub API reference's introduction), CloudWatch (DescribeAlarms 9;
//! "CloudWatch service quotas"). Not published (STS, IAM, AWS Config, S3's bucket reads, Account
//! Management, AWS Organizations): assumed 10 per second, a rate the SDK's own retries keep well
//! under.

use std::fmt;

/// Where a service's calls go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// One endpoint per region: the service is called in each region it is read in.
    Regional,
    /// One endpoint per partition (IAM, Account Management), or the one STS endpoint a
    /// partition's identity calls go to: called at the partition's home region, never at a
    /// region a caller chose.
    PerPartition,
}

/// Declares [`AwsService`] and its facts from one table, so that no fact is written twice.
macro_rules! services {
    ($(
        $(#[$doc:meta])*
        $variant:ident {
            name: $name:literal,
            signing: $signing:literal,
            endpoint: $endpoint:ident,
            per_second: $rate:literal,
            apart: [$(($operation:literal, $operation_rate:literal)),* $(,)?] $(,)?
        }
    ),+ $(,)?) => {
        /// An AWS service that connector-doctor calls.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum AwsService {
            $($(#[$doc])* $variant,)+
        }

        impl AwsService {
            /// Every service called, in this table's order.
            pub const ALL: &'static [AwsService] = &[$(AwsService::$variant,)+];

            /// The service's label: in metrics, in a finding's `aws_error.service`, in the
            /// budget's buckets, and the prefix of its actions in IAM (`sts`, `securityhub`,
            /// `cloudwatch`, ...).
            pub const fn name(self) -> &'static str {
                match self {
                    $(AwsService::$variant => $name,)+
                }
            }

            /// The name its requests are signed for (SigV4's service in the credential scope).
            pub const fn signing_name(self) -> &'static str {
                match self {
                    $(AwsService::$variant => $signing,)+
                }
            }

            /// Where its calls go.
            pub const fn endpoint(self) -> Endpoint {
                match self {
                    $(AwsService::$variant => Endpoint::$endpoint,)+
                }
            }

            /// The bucket of the account's rate that `operation` counts against, as AWS counts
            /// (`cloudtrail:LookupEvents` apart, the service's other calls together as
            /// `cloudtrail:read`), and how many calls a second AWS allows it in one region.
            pub fn rate_bucket(self, operation: &str) -> (&'static str, u32) {
                match self {
                    $(AwsService::$variant => {
                        $(if operation == $operation {
                            return (concat!($name, ":", $operation), $operation_rate);
                        })*
                        (concat!($name, ":read"), $rate)
                    })+
                }
            }

            /// Every bucket of the account's rate that the service's calls count against.
            pub const fn rate_buckets(self) -> &'static [&'static str] {
                match self {
                    $(AwsService::$variant => &[
                        concat!($name, ":read"),
                        $(concat!($name, ":", $operation),)*
                    ],)+
                }
            }
        }
    };
}

services! {
    /// AWS Security Token Service: who the key is, and role sessions.
    Sts { name: "sts", signing: "sts", endpoint: PerPartition, per_second: 10, apart: [] },
    /// AWS Account Management: the account's regions.
    Account { name: "account", signing: "account", endpoint: PerPartition, per_second: 10, apart: [] },
    /// IAM: the identity's policies and the policy simulator.
    Iam { name: "iam", signing: "iam", endpoint: PerPartition, per_second: 10, apart: [] },
    /// AWS Organizations: the organization and its accounts.
    Organizations {
        name: "organizations",
        signing: "organizations",
        endpoint: PerPartition,
        per_second: 10,
        apart: [],
    },
    /// CloudTrail: trails, their status, and the record of calls.
    CloudTrail {
        name: "cloudtrail",
        signing: "cloudtrail",
        endpoint: Regional,
        per_second: 10,
        apart: [("LookupEvents", 2)],
    },
    /// AWS Security Hub.
    SecurityHub {
        name: "securityhub",
        signing: "securityhub",
        endpoint: Regional,
        per_second: 10,
        apart: [("GetFindings", 3)],
    },
    /// AWS Config.
    Config { name: "config", signing: "config", endpoint: Regional, per_second: 10, apart: [] },
    /// Amazon S3: the buckets the auditing connection reads.
    S3 { name: "s3", signing: "s3", endpoint: Regional, per_second: 10, apart: [] },
    /// Amazon CloudWatch: the alarms the auditing connection reads.
    CloudWatch {
        name: "cloudwatch",
        signing: "monitoring",
        endpoint: Regional,
        per_second: 10,
        apart: [("DescribeAlarms", 9)],
    },
}

impl AwsService {
    /// Whether AWS authorizes the service's calls once for the account rather than per region:
    /// a service with one endpoint per partition is global; so is S3's bucket listing, and a
    /// bucket's own reads are authorized wherever the bucket is, not per checked region.
    pub fn authorizes_per_account(self) -> bool {
        self.endpoint() == Endpoint::PerPartition || self == AwsService::S3
    }

    /// The service whose label or signing name is `name`.
    pub fn find(name: &str) -> Option<AwsService> {
        Self::ALL
            .iter()
            .copied()
            .find(|service| service.name() == name || service.signing_name() == name)
    }
}

impl fmt::Display for AwsService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_signing_names_find_their_service() {
        assert_eq!(AwsService::find("monitoring"), Some(AwsService::CloudWatch));
        assert_eq!(AwsService::find("cloudwatch"), Some(AwsService::CloudWatch));
        assert_eq!(
            AwsService::find("securityhub"),
            Some(AwsService::SecurityHub)
        );
        assert_eq!(AwsService::find("guardduty"), None);
    }

    #[test]
    fn operations_that_aws_counts_apart_have_their_own_bucket() {
        let cloudtrail = AwsService::CloudTrail;
        assert_eq!(
            cloudtrail.rate_bucket("LookupEvents"),
            ("cloudtrail:LookupEvents", 2)
        );
        assert_eq!(
            cloudtrail.rate_bucket("DescribeTrails"),
            ("cloudtrail:read", 10)
        );
        assert_eq!(
            AwsService::SecurityHub.rate_bucket("GetFindings"),
            ("securityhub:GetFindings", 3)
        );
        assert_eq!(
            AwsService::CloudWatch.rate_bucket("DescribeAlarms"),
            ("cloudwatch:DescribeAlarms", 9)
        );
    }

    #[test]
    fn global_services_and_s3_are_authorized_once_for_the_account() {
        let global: Vec<AwsService> = AwsService::ALL
            .iter()
            .copied()
            .filter(|service| service.authorizes_per_account())
            .collect();
        assert_eq!(
            global,
            [
                AwsService::Sts,
                AwsService::Account,
                AwsService::Iam,
                AwsService::Organizations,
                AwsService::S3
            ]
        );
    }

    #[test]
    fn every_label_is_unique() {
        let mut names: Vec<&str> = AwsService::ALL.iter().map(|s| s.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), AwsService::ALL.len());
    }
}
