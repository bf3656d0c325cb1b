//! Reads of the services that no other probe looks at (S3, CloudWatch), made only so that their
//! permissions are observed, not modelled: the guide's policy does not grant IAM's simulator,
//! and our own evaluation of the identity's policies cannot see SCPs or RCPs.
//!
//! Every call is a cheap read (`ListBuckets`, then `GetBucketLocation` and `GetBucketAcl` on
//! one listed bucket, `DescribeAlarms` for one alarm in each checked region). Writes such as
//! `s3:PutBucketAcl` are never made: their verdict says they were not observed. What the calls
//! prove is recorded by [`ProbeContext::aws`]; this probe reports nothing else.

use futures::future::join_all;

use super::context::ProbeContext;
use crate::aws::{AwsService, in_region};
use crate::domain::{Connection, Region};

/// Makes the observing reads that the requested connections need.
pub async fn observe(ctx: &ProbeContext<'_>) {
    let auditing = ctx
        .request
        .connections
        .contains(&Connection::SecurityAuditing);
    // Both connections read buckets: the guide's policy and SecurityAudit grant them.
    let alarms = async {
        if auditing {
            join_all(ctx.regions.probed().into_iter().map(|r| alarms(ctx, r))).await;
        }
    };
    tokio::join!(buckets(ctx), alarms);
}

/// Lists the buckets, then reads where the first is and, at once, its ACL in its region (which
/// the listing names): one wave after the listing, not two.
async fn buckets(ctx: &ProbeContext<'_>) {
    let home = ctx.identity.partition.sts_region();
    let client = ctx.session.s3();
    let Ok(listed) = ctx
        .aws(home, AwsService::S3, "ListBuckets", || {
            client
                .list_buckets()
                .max_buckets(1)
                .customize()
                .config_override(in_region::s3(ctx.session, home))
                .send()
        })
        .await
    else {
        return;
    };
    let Some(first) = listed.buckets().first() else {
        return;
    };
    let Some(bucket) = first.name() else {
        return;
    };
    // A bucket's own calls go to its region; one this service does not know (or another
    // partition's) is read from home, and a redirect there proves nothing.
    let region = first
        .bucket_region()
        .and_then(Region::find)
        .filter(|region| region.partition() == home.partition())
        .unwrap_or(home);
    let location = ctx.aws(home, AwsService::S3, "GetBucketLocation", || {
        client
            .get_bucket_location()
            .bucket(bucket)
            .customize()
            .config_override(in_region::s3(ctx.session, home))
            .send()
    });
    let acl = ctx.aws(region, AwsService::S3, "GetBucketAcl", || {
        client
            .get_bucket_acl()
            .bucket(bucket)
            .customize()
            .config_override(in_region::s3(ctx.session, region))
            .send()
    });
    let _ = tokio::join!(location, acl);
}

/// Reads one alarm's worth of `DescribeAlarms` in `region`.
async fn alarms(ctx: &ProbeContext<'_>, region: Region) {
    let client = ctx.session.cloudwatch();
    let _ = ctx
        .aws(region, AwsService::CloudWatch, "DescribeAlarms", || {
            client
                .describe_alarms()
                .max_records(1)
                .customize()
                .config_override(in_region::cloudwatch(ctx.session, region))
                .send()
        })
        .await;
}
