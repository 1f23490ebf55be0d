//! Finding the lab's KMS keys in a region: aliases of that region only, customer keys that
//! carry the ownership tags, the AWS managed `aws/ebs` key, and replicas of lab-owned primaries.
//!
//! Region-qualified on purpose: an alias listed in one region may belong to another (the
//! emulator leaks multi-region aliases across regions), so every alias is checked against the
//! region in its ARN, and keys are described with their region's client.

use crate::cli::aws;
use crate::errors::{AwsError, AwsResultExt};
use crate::regions::RegionInfo;
use crate::scenario::{KeyKind, ScenarioKey, AWS_EBS_ALIAS};
use crate::session::{RegionClients, Session};
use crate::tags;
use crate::tr;
use anyhow::{Context, Result};
use aws_sdk_kms::types::{KeyManagerType, KeyMetadata, KeySpec, KeyState, KeyUsageType};
use aws_sdk_kms::Client;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::BTreeMap;
use std::fmt;

/// How many tag or describe calls run at once during discovery.
const DISCOVERY_CONCURRENCY: usize = 8;

/// The part a multi-region key plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultiRegionRole {
    Primary,
    Replica,
}

impl fmt::Display for MultiRegionRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MultiRegionRole::Primary => "PRIMARY",
            MultiRegionRole::Replica => "REPLICA",
        })
    }
}

/// The region field of an ARN (`arn:aws:kms:REGION:account:key/id`).
pub fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|region| !region.is_empty())
}

/// Primary or replica, from where the key lives compared with where its primary lives. Right on
/// AWS and on the emulator, whose `MultiRegionKeyType` can be stale.
pub fn multi_region_role(key_arn: &str, primary_arn: &str) -> Option<MultiRegionRole> {
    let (own, primary) = (arn_region(key_arn)?, arn_region(primary_arn)?);
    Some(if own == primary { MultiRegionRole::Primary } else { MultiRegionRole::Replica })
}

/// What the labs know about one KMS key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyInfo {
    pub region: String,
    pub key_id: String,
    pub arn: String,
    /// This region's aliases that point at the key (full names, `alias/…`).
    pub aliases: Vec<String>,
    pub aws_managed: bool,
    pub state: KeyState,
    pub spec: Option<KeySpec>,
    pub usage: Option<KeyUsageType>,
    pub multi_region: Option<MultiRegionRole>,
    pub primary_arn: Option<String>,
    /// Regions holding replicas of this key (as the primary reports them).
    pub replica_regions: Vec<String>,
    /// The `ebs-kms-labs:role` tag: the alias the labs meant the key to have.
    pub role_tag: Option<String>,
    /// Made by the labs: carries the ownership tags, or is a replica of a key that does.
    pub owned: bool,
    pub deletion_date: Option<String>,
}

impl KeyInfo {
    fn from_metadata(region: &str, metadata: &KeyMetadata, aliases: Vec<String>) -> Self {
        let arn = metadata.arn().unwrap_or_default().to_string();
        let config = metadata.multi_region_configuration();
        let primary_arn = config.and_then(|c| c.primary_key()).and_then(|p| p.arn()).map(str::to_string);
        let multi_region = match (&primary_arn, metadata.multi_region()) {
            (Some(primary), Some(true)) => multi_region_role(&arn, primary),
            _ => None,
        };
        let aws_managed = metadata.key_manager() == Some(&KeyManagerType::Aws)
            || aliases.iter().any(|alias| alias.starts_with("alias/aws/"));
        KeyInfo {
            region: region.to_string(),
            key_id: metadata.key_id().to_string(),
            arn,
            aliases,
            aws_managed,
            state: metadata.key_state().cloned().unwrap_or(KeyState::Unavailable),
            spec: metadata.key_spec().cloned(),
            usage: metadata.key_usage().cloned(),
            multi_region,
            primary_arn,
            replica_regions: config
                .map(|c| c.replica_keys().iter().filter_map(|r| r.region().map(str::to_string)).collect())
                .unwrap_or_default(),
            role_tag: None,
            owned: false,
            deletion_date: metadata.deletion_date().map(|date| date.to_string()),
        }
    }

    pub fn kind(&self) -> KeyKind {
        if self.aws_managed {
            KeyKind::AwsManaged
        } else if self.multi_region.is_some() {
            KeyKind::MultiRegion
        } else {
            KeyKind::SingleRegion
        }
    }

    pub fn is_pending_deletion(&self) -> bool {
        matches!(self.state, KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)
    }

    /// Why EBS could not use this key, if it could not: EBS takes enabled symmetric
    /// encryption keys of the region it works in.
    pub fn unusable_for_ebs(&self, region: &str) -> Option<String> {
        let own = &self.region;
        if own != region {
            return Some(tr!("the key is in {own}, not in {region}", "キーは {region} ではなく {own} にあります"));
        }
        if self.state != KeyState::Enabled {
            let state = self.state.as_str();
            return Some(tr!("the key is {state}, not Enabled", "キーの状態が Enabled ではなく {state} です"));
        }
        if self.spec.as_ref().is_some_and(|spec| *spec != KeySpec::SymmetricDefault) {
            let spec = self.spec.as_ref().map_or("", |s| s.as_str());
            return Some(tr!(
                "the key spec is {spec}; EBS takes symmetric keys only",
                "キーの仕様が {spec} です。EBS で使えるのは対称キーだけです"
            ));
        }
        if self.usage.as_ref().is_some_and(|usage| *usage != KeyUsageType::EncryptDecrypt) {
            return Some(tr!(
                "the key is not an ENCRYPT_DECRYPT key",
                "キーの用途が ENCRYPT_DECRYPT (暗号化と復号) ではありません"
            ));
        }
        None
    }

    /// "PRIMARY", "REPLICA" or "—".
    pub fn role_label(&self) -> String {
        self.multi_region.map_or_else(|| "—".to_string(), |role| role.to_string())
    }

    /// The first alias without `alias/`, or the key id when it has none.
    pub fn display_name(&self) -> &str {
        self.aliases.first().map_or(&self.key_id, |alias| alias.strip_prefix("alias/").unwrap_or(alias))
    }
}

/// The lab-relevant keys of one region.
#[derive(Debug, Clone)]
pub struct RegionKeys {
    pub region: &'static RegionInfo,
    /// This region's aliases → target key id (`None` for a predefined AWS alias whose key
    /// does not exist yet).
    pub aliases: BTreeMap<String, Option<String>>,
    /// Keys the labs made, in any state, pending deletion included.
    pub owned: Vec<KeyInfo>,
    /// The AWS managed key for EBS, if it exists yet.
    pub aws_ebs: Option<KeyInfo>,
}

impl RegionKeys {
    /// Lists aliases and keys, reads tags of customer keys, and describes the lab's keys.
    pub async fn discover(kms: &Client, region: &'static RegionInfo) -> Result<RegionKeys> {
        let context = || tr!("looking for the lab's KMS keys in {region}", "{region} でラボの KMS キーを検索中");
        let (aliases, key_ids) =
            futures::try_join!(list_aliases(kms, region.code), list_key_ids(kms)).with_context(context)?;

        let aws_alias_targets: Vec<&String> = aliases
            .iter()
            .filter(|(name, _)| name.starts_with("alias/aws/"))
            .filter_map(|(_, target)| target.as_ref())
            .collect();
        let candidates: Vec<String> = key_ids.into_iter().filter(|id| !aws_alias_targets.contains(&id)).collect();

        let tagged: Vec<(String, Option<String>)> = stream::iter(candidates)
            .map(|key_id| async move { lab_role_of(kms, &key_id).await.map(|role| role.map(|r| (key_id, r))) })
            .buffer_unordered(DISCOVERY_CONCURRENCY)
            .try_filter_map(|found| async move { Ok(found) })
            .try_collect()
            .await
            .with_context(context)?;

        let owned: Vec<KeyInfo> = stream::iter(tagged)
            .map(|(key_id, role)| {
                let aliases = &aliases;
                async move {
                    let key = describe(kms, region.code, &key_id, aliases).await?;
                    Ok::<_, AwsError>(key.map(|mut key| {
                        key.owned = true;
                        key.role_tag = role;
                        key
                    }))
                }
            })
            .buffer_unordered(DISCOVERY_CONCURRENCY)
            .try_filter_map(|found| async move { Ok(found) })
            .try_collect()
            .await
            .with_context(context)?;

        let aws_ebs = match aliases.get(AWS_EBS_ALIAS) {
            // Listed with a target: the key exists, so describing it creates nothing.
            Some(Some(_)) => describe(kms, region.code, AWS_EBS_ALIAS, &aliases).await.with_context(context)?,
            _ => None,
        };

        let mut keys = RegionKeys { region, aliases, owned, aws_ebs };
        keys.owned.sort_by(|a, b| a.role_tag.cmp(&b.role_tag).then(a.key_id.cmp(&b.key_id)));
        Ok(keys)
    }

    /// `--show-cli`: the listings [`RegionKeys::discover`] starts with in `region`.
    pub fn listing_cli(region: &RegionInfo) -> Vec<String> {
        vec![
            aws(&["kms", "list-aliases", "--region", region.code]),
            aws(&["kms", "list-keys", "--region", region.code]),
        ]
    }

    /// `--show-cli`: the reads [`RegionKeys::discover`] made of each lab key it found (its tags,
    /// then its description) and of `aws/ebs`. The tags of keys that turned out not to be the
    /// labs' were read too; they are left out here.
    pub fn key_reads_cli(&self) -> Vec<String> {
        let code = self.region.code;
        let tags =
            self.owned.iter().map(|key| aws(&["kms", "list-resource-tags", "--region", code, "--key-id", &key.key_id]));
        let describes =
            self.owned.iter().map(|key| aws(&["kms", "describe-key", "--region", code, "--key-id", &key.key_id]));
        let aws_ebs =
            self.aws_ebs.iter().map(|_| aws(&["kms", "describe-key", "--region", code, "--key-id", AWS_EBS_ALIAS]));
        tags.chain(describes).chain(aws_ebs).collect()
    }

    /// The key this region's alias points at, if the alias exists here.
    pub fn alias_target(&self, alias: &str) -> Option<&str> {
        self.aliases.get(alias).and_then(|target| target.as_deref())
    }

    /// The lab-owned key with this id, if any.
    pub fn owned_key(&self, key_id: &str) -> Option<&KeyInfo> {
        self.owned.iter().find(|key| key.key_id == key_id)
    }

    /// The key that plays `wanted` in the scenario: `aws/ebs`, or the lab-owned key its alias
    /// points at. A foreign key under the alias is not returned.
    pub fn scenario_key(&self, wanted: &ScenarioKey) -> Option<&KeyInfo> {
        if wanted.kind == KeyKind::AwsManaged {
            return self.aws_ebs.as_ref();
        }
        self.alias_target(&wanted.alias).and_then(|id| self.owned_key(id))
    }
}

/// The lab's keys in both regions of a session.
#[derive(Debug, Clone)]
pub struct LabKeys {
    pub source: RegionKeys,
    pub destination: RegionKeys,
}

impl LabKeys {
    /// Discovers both regions at once, then adds replicas of lab-owned primaries that the
    /// destination's tags did not reveal (a replica belongs to the labs when its primary does).
    pub async fn discover(session: &Session) -> Result<LabKeys> {
        LabKeys::discover_in(&session.source, &session.destination).await
    }

    /// The same, given the two regions' clients.
    pub async fn discover_in(source_clients: &RegionClients, destination_clients: &RegionClients) -> Result<LabKeys> {
        let (source, mut destination) = futures::try_join!(
            RegionKeys::discover(&source_clients.kms, source_clients.region),
            RegionKeys::discover(&destination_clients.kms, destination_clients.region),
        )?;
        let missing_replicas: Vec<String> = source
            .owned
            .iter()
            .filter(|key| key.multi_region == Some(MultiRegionRole::Primary))
            .filter(|key| key.replica_regions.iter().any(|r| r == destination.region.code))
            .filter(|key| destination.owned_key(&key.key_id).is_none())
            .map(|key| key.key_id.clone())
            .collect();
        for key_id in missing_replicas {
            let region = destination.region;
            let found = describe(&destination_clients.kms, region.code, &key_id, &destination.aliases)
                .await
                .with_context(|| {
                    tr!("describing the replica of {key_id} in {region}", "{region} で {key_id} のレプリカキーを確認中")
                })?;
            if let Some(mut replica) = found {
                replica.owned = true;
                replica.role_tag =
                    source.owned_key(&key_id).and_then(|p| p.role_tag.clone()).map(|r| format!("{r} (replica)"));
                destination.owned.push(replica);
            }
        }
        Ok(LabKeys { source, destination })
    }
}

/// Describes a key (by id, ARN or alias) in `region`; `None` if it does not exist there.
pub async fn describe(
    kms: &Client,
    region: &str,
    key: &str,
    aliases: &BTreeMap<String, Option<String>>,
) -> Result<Option<KeyInfo>, AwsError> {
    let output = match kms.describe_key().key_id(key).send().await.aws("kms:DescribeKey") {
        Ok(output) => output,
        Err(error) if error.code() == Some("NotFoundException") => return Ok(None),
        Err(error) => return Err(error),
    };
    let Some(metadata) = output.key_metadata() else {
        return Ok(None);
    };
    let key_aliases = aliases
        .iter()
        .filter(|(_, target)| target.as_deref() == Some(metadata.key_id()))
        .map(|(name, _)| name.clone())
        .collect();
    Ok(Some(KeyInfo::from_metadata(region, metadata, key_aliases)))
}

/// This region's aliases, by name; aliases whose ARN names another region are left out.
pub async fn list_aliases(kms: &Client, region: &str) -> Result<BTreeMap<String, Option<String>>, AwsError> {
    let aliases = kms.list_aliases().into_paginator().items().send().try_collect().await.aws("kms:ListAliases")?;
    Ok(aliases
        .into_iter()
        .filter(|alias| alias.alias_arn().and_then(arn_region).is_none_or(|r| r == region))
        .filter_map(|alias| Some((alias.alias_name()?.to_string(), alias.target_key_id().map(str::to_string))))
        .collect())
}

async fn list_key_ids(kms: &Client) -> Result<Vec<String>, AwsError> {
    let keys = kms.list_keys().into_paginator().items().send().try_collect().await.aws("kms:ListKeys")?;
    Ok(keys.into_iter().filter_map(|key| key.key_id().map(str::to_string)).collect())
}

/// `Some(role)` when the key carries the ownership tags (`role` from its role tag); `None`
/// when it does not, or when its tags cannot be read (a key we may not read is not ours).
async fn lab_role_of(kms: &Client, key_id: &str) -> Result<Option<Option<String>>, AwsError> {
    let tags = match kms.list_resource_tags().key_id(key_id).send().await.aws("kms:ListResourceTags") {
        Ok(output) => output.tags.unwrap_or_default(),
        Err(error) if matches!(error.code(), Some("AccessDeniedException" | "NotFoundException")) => return Ok(None),
        Err(error) => return Err(error),
    };
    let pairs = || tags.iter().map(|tag| (tag.tag_key(), tag.tag_value()));
    if !tags::is_owned(pairs()) {
        return Ok(None);
    }
    Ok(Some(tags::value_of(pairs(), tags::ROLE_KEY).map(str::to_string)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_from_arn_regions() {
        let primary = "arn:aws:kms:ap-northeast-1:123456789012:key/mrk-1";
        let replica = "arn:aws:kms:us-west-2:123456789012:key/mrk-1";
        assert_eq!(multi_region_role(primary, primary), Some(MultiRegionRole::Primary));
        assert_eq!(multi_region_role(replica, primary), Some(MultiRegionRole::Replica));
        assert_eq!(multi_region_role("not-an-arn", primary), None);
        assert_eq!(arn_region(replica), Some("us-west-2"));
    }

    #[test]
    fn metadata_is_classified_even_when_the_emulator_calls_aws_ebs_customer_managed() {
        let metadata = KeyMetadata::builder()
            .key_id("1234")
            .arn("arn:aws:kms:ap-northeast-1:123456789012:key/1234")
            .key_manager(KeyManagerType::Customer)
            .key_state(KeyState::Enabled)
            .multi_region(false)
            .build()
            .unwrap();
        let key = KeyInfo::from_metadata("ap-northeast-1", &metadata, vec![AWS_EBS_ALIAS.to_string()]);
        assert!(key.aws_managed);
        assert_eq!(key.kind(), KeyKind::AwsManaged);
        assert_eq!(key.display_name(), "aws/ebs");
    }

    #[test]
    fn unusable_keys_say_why() {
        let metadata = KeyMetadata::builder()
            .key_id("mrk-1")
            .arn("arn:aws:kms:us-west-2:123456789012:key/mrk-1")
            .key_state(KeyState::Disabled)
            .key_spec(KeySpec::SymmetricDefault)
            .build()
            .unwrap();
        let key = KeyInfo::from_metadata("us-west-2", &metadata, vec![]);
        assert_eq!(key.unusable_for_ebs("us-west-2").unwrap(), "the key is Disabled, not Enabled");
        assert!(key.unusable_for_ebs("ap-northeast-1").unwrap().contains("not in ap-northeast-1"));
        assert_eq!(key.display_name(), "mrk-1");
    }
}
