//! The AWS SDK calls of lab 04: CopySnapshot, sent to the destination region. Finding the
//! lab's snapshots and keys and waiting for the copies are shared with other labs
//! (`common::ec2::set_snapshots`, `common::kms::RegionKeys::lookup`,
//! `common::ec2::wait_for_snapshots`).

use aws_sdk_ec2::types::ResourceType;
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
