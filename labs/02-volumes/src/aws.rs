//! The AWS SDK calls of lab 02: reading EBS encryption by default and the default key, listing
//! the availability zones, and creating an encrypted volume. One function per operation, no UI:
//! the flow in `lib.rs` and `plan.rs` adds the context and decides what an answer means.

use crate::{LAB_ID, SIZE_GIB};
use aws_sdk_ec2::config::retry::RetryConfig;
use aws_sdk_ec2::operation::create_volume::CreateVolumeOutput;
use aws_sdk_ec2::operation::describe_availability_zones::DescribeAvailabilityZonesOutput;
use aws_sdk_ec2::operation::get_ebs_default_kms_key_id::GetEbsDefaultKmsKeyIdOutput;
use aws_sdk_ec2::operation::get_ebs_encryption_by_default::GetEbsEncryptionByDefaultOutput;
use aws_sdk_ec2::types::{Filter, ResourceType, VolumeType};
use aws_sdk_ec2::Client;
use common::errors::{AwsError, AwsResultExt};
use common::tags;

/// EBS says whether it encrypts every new volume in the client's region (an account setting).
pub async fn get_ebs_encryption_by_default(ec2: &Client) -> Result<GetEbsEncryptionByDefaultOutput, AwsError> {
    ec2.get_ebs_encryption_by_default().send().await.aws("ec2:GetEbsEncryptionByDefault")
}

/// EBS names the KMS key it uses in the client's region when a request names none.
pub async fn get_ebs_default_kms_key_id(ec2: &Client) -> Result<GetEbsDefaultKmsKeyIdOutput, AwsError> {
    // Informational only, and not implemented on the emulator (HTTP 500): one attempt, no
    // retries, so a missing answer costs no back-off.
    let one_attempt = aws_sdk_ec2::config::Builder::default().retry_config(RetryConfig::disabled());
    ec2.get_ebs_default_kms_key_id()
        .customize()
        .config_override(one_attempt)
        .send()
        .await
        .aws("ec2:GetEbsDefaultKmsKeyId")
}

/// EC2 lists the availability zones of the client's region (not Local or Wavelength Zones).
pub async fn describe_availability_zones(ec2: &Client) -> Result<DescribeAvailabilityZonesOutput, AwsError> {
    let zone_type = Filter::builder().name("zone-type").values("availability-zone").build();
    ec2.describe_availability_zones().filters(zone_type).send().await.aws("ec2:DescribeAvailabilityZones")
}

/// EBS creates an 8 GiB gp3 volume in `zone`, encrypted with the key `key_arn`, tagged as the
/// lab's volume `name` of the set `set` (the `--name-prefix`) from the start.
pub async fn create_volume(
    ec2: &Client,
    zone: &str,
    key_arn: &str,
    name: &str,
    set: &str,
) -> Result<CreateVolumeOutput, AwsError> {
    ec2.create_volume()
        .availability_zone(zone)
        .size(SIZE_GIB)
        .volume_type(VolumeType::Gp3)
        .encrypted(true)
        .kms_key_id(key_arn)
        .tag_specifications(tags::ec2_tag_spec(ResourceType::Volume, LAB_ID, name, set))
        .send()
        .await
        .aws("ec2:CreateVolume")
}
