//! The AWS SDK calls of lab 01: create the customer managed keys with their ownership tags, name
//! them with aliases, replicate the multi-region primary, and the reads only this lab makes
//! (`aws/ebs` by alias, the replica's state, the rotation status, and for `--check` the tags of
//! the keys found by alias and the region's keys). One function per KMS operation.

use crate::LAB_ID;
use aws_sdk_kms::operation::create_alias::CreateAliasOutput;
use aws_sdk_kms::operation::create_key::CreateKeyOutput;
use aws_sdk_kms::operation::describe_key::DescribeKeyOutput;
use aws_sdk_kms::operation::get_key_rotation_status::GetKeyRotationStatusOutput;
use aws_sdk_kms::operation::list_resource_tags::ListResourceTagsOutput;
use aws_sdk_kms::operation::replicate_key::ReplicateKeyOutput;
use aws_sdk_kms::operation::update_alias::UpdateAliasOutput;
use aws_sdk_kms::types::{KeyListEntry, KeySpec, KeyUsageType};
use aws_sdk_kms::Client;
use common::errors::{AwsError, AwsResultExt};
use common::scenario::KeyKind;
use common::tags;

/// DescribeKey: a key's metadata, by id, ARN or alias. Asked for `alias/aws/ebs`, AWS creates
/// its managed key for EBS in that region if it does not exist yet.
pub async fn describe_key(kms: &Client, key_id: &str) -> Result<DescribeKeyOutput, AwsError> {
    kms.describe_key().key_id(key_id).send().await.aws("kms:DescribeKey")
}

/// CreateKey: a new symmetric encryption key, single- or multi-region as `kind` says (fixed for
/// the key's life), tagged as the lab's from the start; `role` is the alias it is meant to get,
/// in the set `set` (the `--name-prefix`).
pub async fn create_key(
    kms: &Client,
    kind: KeyKind,
    description: &str,
    role: &str,
    set: &str,
) -> Result<CreateKeyOutput, AwsError> {
    kms.create_key()
        .key_spec(KeySpec::SymmetricDefault)
        .key_usage(KeyUsageType::EncryptDecrypt)
        .multi_region(kind == KeyKind::MultiRegion)
        .description(description)
        .set_tags(Some(tags::kms_tags(LAB_ID, role, set)))
        .send()
        .await
        .aws("kms:CreateKey")
}

/// CreateAlias: a new name (`alias/…`) in the client's region for the key `key_id`.
pub async fn create_alias(kms: &Client, alias_name: &str, key_id: &str) -> Result<CreateAliasOutput, AwsError> {
    kms.create_alias().alias_name(alias_name).target_key_id(key_id).send().await.aws("kms:CreateAlias")
}

/// UpdateAlias: points an existing alias of the client's region at another key, `key_id`.
pub async fn update_alias(kms: &Client, alias_name: &str, key_id: &str) -> Result<UpdateAliasOutput, AwsError> {
    kms.update_alias().alias_name(alias_name).target_key_id(key_id).send().await.aws("kms:UpdateAlias")
}

/// ReplicateKey: sent to the primary's region, makes a replica of the multi-region key
/// `primary_id` in `replica_region` (same key id and key material), tagged as the lab's.
pub async fn replicate_key(
    kms: &Client,
    primary_id: &str,
    replica_region: &str,
    description: &str,
    role: &str,
    set: &str,
) -> Result<ReplicateKeyOutput, AwsError> {
    kms.replicate_key()
        .key_id(primary_id)
        .replica_region(replica_region)
        .description(description)
        .set_tags(Some(tags::kms_tags(LAB_ID, role, set)))
        .send()
        .await
        .aws("kms:ReplicateKey")
}

/// GetKeyRotationStatus: whether KMS rotates the key's material automatically, and how often.
pub async fn get_key_rotation_status(kms: &Client, key_id: &str) -> Result<GetKeyRotationStatusOutput, AwsError> {
    kms.get_key_rotation_status().key_id(key_id).send().await.aws("kms:GetKeyRotationStatus")
}

/// ListResourceTags: the tags on a key, whoever made it (`--check` tells the labs' keys from the
/// learner's by them).
pub async fn list_resource_tags(kms: &Client, key_id: &str) -> Result<ListResourceTagsOutput, AwsError> {
    kms.list_resource_tags().key_id(key_id).send().await.aws("kms:ListResourceTags")
}

/// ListKeys: every key of the client's region, all pages (`--check` looks there for a key whose
/// alias is missing).
pub async fn list_keys(kms: &Client) -> Result<Vec<KeyListEntry>, AwsError> {
    kms.list_keys().into_paginator().items().send().try_collect().await.aws("kms:ListKeys")
}
