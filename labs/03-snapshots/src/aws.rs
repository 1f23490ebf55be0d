//! The AWS SDK calls of lab 03: `CreateSnapshot`, the one operation only this lab performs. Its
//! reads (the lab's volumes, snapshots and key aliases) and the wait are shared ones in `common`.

use aws_sdk_ec2::types::ResourceType;
use aws_sdk_ec2::Client;
use common::errors::{AwsError, AwsResultExt};
use common::tags;

/// EBS starts a snapshot of `volume_id`, with `name` as its description and Name tag plus the
/// ownership tags of the set `set` (the `--name-prefix`); AWS answers with the new snapshot's id
/// (optional in the SDK's model).
pub async fn create_snapshot(ec2: &Client, volume_id: &str, name: &str, set: &str) -> Result<Option<String>, AwsError> {
    let output = ec2
        .create_snapshot()
        .volume_id(volume_id)
        .description(name)
        .tag_specifications(tags::ec2_tag_spec(ResourceType::Snapshot, crate::LAB_ID, name, set))
        .send()
        .await
        .aws("ec2:CreateSnapshot")?;
    Ok(output.snapshot_id)
}
