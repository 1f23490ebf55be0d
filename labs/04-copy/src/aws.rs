//! The AWS SDK calls of lab 04: CopySnapshot, sent to the destination region, and the account's
//! pending snapshots there (read only while waiting for a copy slot). Finding the lab's snapshots
//! and keys and waiting for the copies are shared with other labs
//! (`common::ec2::set_snapshots`, `common::kms::RegionKeys::lookup`,
//! `common::ec2::wait_for_snapshots`).

use aws_sdk_ec2::types::{Filter, ResourceType, Snapshot};
use aws_sdk_ec2::Client;
use common::errors::{AwsError, AwsResultExt};
use common::tags;

/// Copies a snapshot from `source_region` to the region of `destination`, encrypted with
/// `kms_key_arn` and tagged as the copy `name` of the set `set`; returns its id.
pub async fn copy_snapshot(
    destination: &Client,
    source_region: &str,
    source_snapshot_id: &str,
    kms_key_arn: &str,
    name: &str,
    set: &str,
    completion_minutes: Option<i32>,
) -> Result<Option<String>, AwsError> {
    // Sent to AWS: English whatever the learner's language.
    let description = format!("{name} (copy of {source_snapshot_id} from {source_region})");
    let output = destination
        .copy_snapshot()
        .source_region(source_region)
        .source_snapshot_id(source_snapshot_id)
        .encrypted(true)
        .kms_key_id(kms_key_arn)
        .description(description)
        // Tags are not copied from the source: the copy gets the ownership tags here.
        .tag_specifications(tags::ec2_tag_spec(ResourceType::Snapshot, crate::LAB_ID, name, set))
        // None: a normal copy, best effort; Some(minutes): a time-based copy.
        .set_completion_duration_minutes(completion_minutes)
        .send()
        .await
        .aws("ec2:CopySnapshot")?;
    Ok(output.snapshot_id)
}

/// The snapshots this account has `pending` in the region of `ec2`, whoever started them: the
/// copies in flight to that region are among them (AWS sets `TransferType` on copies only).
pub async fn pending_snapshots(ec2: &Client) -> Result<Vec<Snapshot>, AwsError> {
    let pending = Filter::builder().name("status").values("pending").build();
    let request = ec2.describe_snapshots().owner_ids("self").filters(pending);
    request.into_paginator().items().send().try_collect().await.aws("ec2:DescribeSnapshots")
}
