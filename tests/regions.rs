//! The built-in region table against the AWS SDK's own partition data: a row with the wrong
//! partition or STS endpoint fails here, so adding a region is one line and this test.

use aws_smithy_types::endpoint::Endpoint;
use connector_doctor::domain::{PARTITIONS, Partition, Region};

fn sts_endpoint(region: &str) -> Endpoint {
    use aws_sdk_sts::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
    let params = Params::builder().region(region).build().expect("params");
    futures::executor::block_on(DefaultResolver::new().resolve_endpoint(&params))
        .expect("the SDK resolves STS")
}

/// IAM has one endpoint per partition: the SDK's answer for a region names its partition.
fn iam_endpoint(region: &str) -> String {
    use aws_sdk_iam::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
    let params = Params::builder().region(region).build().expect("params");
    futures::executor::block_on(DefaultResolver::new().resolve_endpoint(&params))
        .expect("the SDK resolves IAM")
        .url()
        .to_owned()
}

#[test]
fn every_region_of_the_table_has_the_partition_and_sts_endpoint_the_sdk_gives_it() {
    for region in Region::table() {
        let home = region.partition().sts_region();
        assert_eq!(
            iam_endpoint(region.name()),
            iam_endpoint(home.name()),
            "{region}: the SDK puts it in another partition than {}",
            region.partition()
        );
        assert_eq!(
            sts_endpoint(region.name()).url(),
            format!("https://{}", region.sts_host()),
            "{region}: STS endpoint"
        );
    }
}

#[test]
fn the_partitions_differ_in_the_sdks_eyes() {
    let homes: Vec<String> = PARTITIONS
        .iter()
        .map(|p| iam_endpoint(p.sts_region().name()))
        .collect();
    assert_eq!(homes.len(), 3);
    assert!(homes[0] != homes[1] && homes[1] != homes[2] && homes[0] != homes[2]);
}

#[test]
fn the_table_holds_the_regions_launched_through_2025() {
    for name in [
        "ap-east-2",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "mx-central-1",
        "ca-west-1",
        "il-central-1",
        "me-central-1",
    ] {
        let region = Region::parse(name).unwrap_or_else(|| panic!("{name} is missing"));
        assert!(region.is_opt_in(), "{name} is opt-in");
        assert_eq!(region.partition(), Partition::Aws);
    }
    for (name, partition) in [
        ("us-gov-west-1", Partition::AwsUsGov),
        ("us-gov-east-1", Partition::AwsUsGov),
        ("cn-north-1", Partition::AwsCn),
        ("cn-northwest-1", Partition::AwsCn),
    ] {
        assert_eq!(Region::parse(name).map(|r| r.partition()), Some(partition));
    }
}
