//! Finding the lab's KMS keys in a region: aliases of that region only, customer keys that
//! carry the ownership tags, the AWS managed `aws/ebs` key, and replicas of lab-owned primaries.
//!
//! Region-qualified on purpose: an alias listed in one region may belong to another (the
//! emulator leaks multi-region aliases across regions), so every alias is checked against the
//! region in its ARN, and keys are described with their region's client.

use crate::errors::{AwsError, AwsResultExt};
use crate::ownership::{self, Made, Verdict};
use crate::regions::{self, RegionInfo};
use crate::scenario::{KeyKind, Scenario, ScenarioKey, Side, AWS_EBS_ALIAS};
use crate::session::{RegionClients, Session};
use crate::tags::LabTags;
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

/// Whether, and why, a key is the labs'.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Ownership {
    #[default]
    NotLabs,
    /// The key carries the ownership tags itself.
    Tagged(LabTags),
    /// A replica whose own tags do not show ownership (the emulator drops a replica's tags), of
    /// a primary that carries them: these are the primary's tags.
    ReplicaOfLabPrimary(LabTags),
}

impl Ownership {
    pub fn is_labs(&self) -> bool {
        !matches!(self, Ownership::NotLabs)
    }

    fn tags(&self) -> Option<&LabTags> {
        match self {
            Ownership::NotLabs => None,
            Ownership::Tagged(tags) | Ownership::ReplicaOfLabPrimary(tags) => Some(tags),
        }
    }

    /// The lab that made the key, from its step tag (or its primary's).
    pub fn step(&self) -> Option<&str> {
        self.tags()?.step.as_deref()
    }

    /// The role in the key's own role tag (none for a replica known through its primary).
    pub fn own_role(&self) -> Option<&str> {
        match self {
            Ownership::Tagged(tags) => tags.role.as_deref(),
            Ownership::NotLabs | Ownership::ReplicaOfLabPrimary(_) => None,
        }
    }

    /// The role the key plays, as shown to learners: the role tag, marked `(replica)` when it is
    /// the primary's.
    pub fn role_label(&self) -> Option<String> {
        match self {
            Ownership::NotLabs => None,
            Ownership::Tagged(tags) => tags.role.clone(),
            Ownership::ReplicaOfLabPrimary(tags) => tags.role.as_ref().map(|role| format!("{role} (replica)")),
        }
    }
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
    /// Whether, and why, the key is the labs': it carries the ownership tags, or is a replica
    /// of a key that does.
    pub ownership: Ownership,
    pub deletion_date: Option<String>,
    /// Grants on the key that EBS did not make (read only before a teardown).
    pub foreign_grants: Vec<String>,
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
            ownership: Ownership::NotLabs,
            deletion_date: metadata.deletion_date().map(|date| date.to_string()),
            foreign_grants: Vec::new(),
        }
    }

    /// This key, marked as the labs' (or not).
    pub fn owned_as(mut self, ownership: Ownership) -> KeyInfo {
        self.ownership = ownership;
        self
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

    /// The alias the walkthrough gives this key (`alias/…`): its role's, or for a replica known
    /// through its primary, the replica alias of the primary's set in this key's region.
    pub fn scenario_alias(&self) -> Option<String> {
        match &self.ownership {
            Ownership::NotLabs => None,
            Ownership::Tagged(tags) => tags.role.as_ref().map(|role| format!("alias/{role}")),
            Ownership::ReplicaOfLabPrimary(tags) => {
                let (region, set) = (regions::lookup(&self.region), ownership::set_of(Made::Key(Side::Source), tags));
                Some(Scenario::new(region, region, &set).alias(KeyKind::MultiRegion, Side::Destination))
            }
        }
    }

    /// The first alias without `alias/`, or the key id when it has none.
    pub fn display_name(&self) -> &str {
        self.aliases.first().map_or(&self.key_id, |alias| alias.strip_prefix("alias/").unwrap_or(alias))
    }
}

/// Whether a search of the lab's keys also describes the AWS managed key `aws/ebs` (the labs
/// that use or show it do; cleanup, which never touches it, does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsEbs {
    Describe,
    Skip,
}

/// Whose a key is, from its lab tags: the rule a discovery sorts keys by.
pub type KeyJudge<'a> = dyn Fn(&LabTags) -> Verdict + Send + Sync + 'a;

/// What a full discovery is for: using the keys (`aws/ebs` described too), or tearing them down
/// (`aws/ebs` never touched, so not read; each lab key's grants read, to know who else uses it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Use,
    Teardown,
}

/// The lab-relevant keys of one region.
#[derive(Debug, Clone)]
pub struct RegionKeys {
    pub region: &'static RegionInfo,
    /// This region's aliases → target key id (`None` for a predefined AWS alias whose key
    /// does not exist yet).
    pub aliases: BTreeMap<String, Option<String>>,
    /// This set's keys (the whole ownership signature matches), in any state, pending deletion included.
    pub owned: Vec<KeyInfo>,
    /// Keys with the project tag that are not this set's: another set's, or near-misses, with the
    /// verdict (`Verdict::why_not_ours` says why).
    pub not_ours: Vec<(KeyInfo, Verdict)>,
    /// The AWS managed key for EBS, if it exists yet.
    pub aws_ebs: Option<KeyInfo>,
}

impl RegionKeys {
    /// Lists aliases and keys, reads tags of customer keys, and describes the lab's keys: the
    /// full search, for the labs that must find every lab key (01 adopts keys whose alias was
    /// never made; cleanup removes them all). Each key's describe follows its own tag read, and
    /// `aws/ebs` is described meanwhile (for use) or each lab key's grants are read (for teardown).
    /// Keys that `judge` does not call ours are kept apart in `not_ours`.
    pub async fn discover(
        kms: &Client,
        region: &'static RegionInfo,
        judge: &KeyJudge<'_>,
        purpose: Purpose,
    ) -> Result<RegionKeys> {
        let context = || tr!("looking for the lab's KMS keys in {region}", "{region} でラボの KMS キーを検索中");
        let (aliases, key_ids) =
            futures::try_join!(list_aliases(kms, region.code), list_key_ids(kms)).with_context(context)?;

        let aws_alias_targets: Vec<&String> = aliases
            .iter()
            .filter(|(name, _)| name.starts_with("alias/aws/"))
            .filter_map(|(_, target)| target.as_ref())
            .collect();
        let candidates: Vec<String> = key_ids.into_iter().filter(|id| !aws_alias_targets.contains(&id)).collect();

        let tagged = stream::iter(candidates)
            .map(|key_id| {
                let aliases = &aliases;
                async move {
                    let Some(tags) = lab_tags_of(kms, &key_id).await? else { return Ok(None) };
                    let verdict = judge(&tags);
                    let grants = async {
                        match purpose {
                            Purpose::Teardown if verdict.is_ours() => foreign_grants(kms, &key_id).await,
                            _ => Ok(Vec::new()),
                        }
                    };
                    let (key, grants) = futures::try_join!(describe(kms, region.code, &key_id, aliases), grants)?;
                    Ok(key.map(|mut key| {
                        key.foreign_grants = grants;
                        (key.owned_as(Ownership::Tagged(tags)), verdict)
                    }))
                }
            })
            .buffer_unordered(DISCOVERY_CONCURRENCY)
            .try_filter_map(|found: Option<(KeyInfo, Verdict)>| async move { Ok::<_, AwsError>(found) })
            .try_collect::<Vec<(KeyInfo, Verdict)>>();
        let aws_ebs = if purpose == Purpose::Use { AwsEbs::Describe } else { AwsEbs::Skip };
        let aws_ebs = describe_aws_ebs(kms, region.code, &aliases, aws_ebs);
        let (tagged, aws_ebs) = futures::try_join!(tagged, aws_ebs).with_context(context)?;
        let (owned, not_ours) = sort_out(tagged);
        Ok(RegionKeys::new(region, aliases, owned, not_ours, aws_ebs))
    }

    /// Only the keys behind `wanted` aliases, for the labs that use keys rather than find them
    /// all (02, 04): ListAliases, then each target's tags and description at once, and
    /// `aws/ebs`. A replica whose own tags do not show ownership belongs to the labs when its
    /// primary is this set's primary (`primary_kms`, the client of the primary's region, is asked then).
    pub async fn lookup(
        kms: &Client,
        region: &'static RegionInfo,
        scenario: &Scenario,
        wanted: &[ScenarioKey],
        primary_kms: Option<&Client>,
    ) -> Result<RegionKeys> {
        let context = || tr!("looking for the lab's KMS keys in {region}", "{region} でラボの KMS キーを検索中");
        let aliases = list_aliases(kms, region.code).await.with_context(context)?;
        let targets: Vec<(String, Side)> = wanted
            .iter()
            .filter(|key| key.kind != KeyKind::AwsManaged)
            .filter_map(|key| Some((aliases.get(&key.alias).cloned().flatten()?, key.side)))
            .collect();
        let tagged = futures::future::try_join_all(targets.iter().map(|(key_id, side)| {
            let aliases = &aliases;
            async move {
                let (tags, key) =
                    futures::try_join!(lab_tags_of(kms, key_id), describe(kms, region.code, key_id, aliases))?;
                let Some(key) = key else { return Ok(None) };
                let found = match (tags, primary_kms) {
                    (Some(tags), _) => {
                        let verdict = ownership::judge(scenario, Made::Key(*side), &tags, None);
                        Some((key.owned_as(Ownership::Tagged(tags)), verdict))
                    }
                    (None, Some(primary_kms)) if key.multi_region == Some(MultiRegionRole::Replica) => {
                        lab_tags_of(primary_kms, key_id).await?.map(|tags| {
                            let verdict = replica_verdict(scenario, &tags);
                            (key.owned_as(Ownership::ReplicaOfLabPrimary(tags)), verdict)
                        })
                    }
                    (None, _) => None,
                };
                Ok::<_, AwsError>(found)
            }
        }));
        let needs_aws_ebs =
            if wanted.iter().any(|key| key.kind == KeyKind::AwsManaged) { AwsEbs::Describe } else { AwsEbs::Skip };
        let aws_ebs = describe_aws_ebs(kms, region.code, &aliases, needs_aws_ebs);
        let (tagged, aws_ebs) = futures::try_join!(tagged, aws_ebs).with_context(context)?;
        let (owned, not_ours) = sort_out(tagged.into_iter().flatten().collect());
        Ok(RegionKeys::new(region, aliases, owned, not_ours, aws_ebs))
    }

    /// The aliases of this region only, no key described: enough to name keys by alias (lab 03).
    pub async fn aliases_only(kms: &Client, region: &'static RegionInfo) -> Result<RegionKeys> {
        let aliases = list_aliases(kms, region.code)
            .await
            .with_context(|| tr!("looking for the lab's KMS keys in {region}", "{region} でラボの KMS キーを検索中"))?;
        Ok(RegionKeys::new(region, aliases, Vec::new(), Vec::new(), None))
    }

    /// The same keys described afresh, with the aliases listed again: for checking what a lab
    /// just changed. `more` are keys made or chosen since; ownership is known already, so no
    /// tags are read. `aws/ebs` is described when asked only (describing it by its
    /// alias creates it where it does not exist yet).
    pub async fn refresh(&self, kms: &Client, more: &[&KeyInUse], aws_ebs: AwsEbs) -> Result<RegionKeys> {
        let region = self.region;
        let context =
            || tr!("describing the lab's KMS keys in {region} again", "{region} でラボの KMS キーを改めて確認中");
        let mut known: Vec<(String, Ownership)> =
            self.owned.iter().map(|key| (key.key_id.clone(), key.ownership.clone())).collect();
        known.extend(more.iter().filter(|key| self.owned_key(&key.key_id).is_none()).map(|key| {
            (key.key_id.clone(), Ownership::Tagged(LabTags { role: Some(key.role.clone()), ..LabTags::default() }))
        }));
        let no_aliases = BTreeMap::new();
        let described = futures::future::try_join_all(known.iter().map(|(key_id, ownership)| {
            let no_aliases = &no_aliases;
            async move {
                let key = describe(kms, region.code, key_id, no_aliases).await?;
                Ok::<_, AwsError>(key.map(|key| key.owned_as(ownership.clone())))
            }
        }));
        let aws_ebs = async {
            if aws_ebs == AwsEbs::Describe {
                describe(kms, region.code, AWS_EBS_ALIAS, &no_aliases).await
            } else {
                Ok(None)
            }
        };
        let (aliases, described, aws_ebs) =
            futures::try_join!(list_aliases(kms, region.code), described, aws_ebs).with_context(context)?;
        let with_aliases = |mut key: KeyInfo| {
            key.aliases = aliases_of(&aliases, &key.key_id);
            // As in `from_metadata`: the emulator calls aws/ebs customer managed.
            key.aws_managed |= key.aliases.iter().any(|alias| alias.starts_with("alias/aws/"));
            key
        };
        let owned = described.into_iter().flatten().map(with_aliases).collect();
        let aws_ebs = aws_ebs.map(with_aliases);
        Ok(RegionKeys::new(region, aliases, owned, self.not_ours.clone(), aws_ebs))
    }

    fn new(
        region: &'static RegionInfo,
        aliases: BTreeMap<String, Option<String>>,
        mut owned: Vec<KeyInfo>,
        not_ours: Vec<(KeyInfo, Verdict)>,
        aws_ebs: Option<KeyInfo>,
    ) -> RegionKeys {
        owned.sort_by(|a, b| a.ownership.role_label().cmp(&b.ownership.role_label()).then(a.key_id.cmp(&b.key_id)));
        RegionKeys { region, aliases, owned, not_ours, aws_ebs }
    }

    /// A key's alias (without `alias/`) by its ARN, from what is known here; the ARN itself
    /// when no alias names it.
    pub fn name_of_arn(&self, arn: &str) -> String {
        if let Some(key) = self.owned.iter().chain(self.aws_ebs.iter()).find(|key| key.arn == arn) {
            return key.display_name().to_string();
        }
        let key_id = arn.rsplit_once("key/").map_or(arn, |(_, id)| id);
        match aliases_of(&self.aliases, key_id).first() {
            Some(alias) => alias.trim_start_matches("alias/").to_string(),
            None => arn.to_string(),
        }
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
    /// Discovers both regions at once, then adds replicas of this set's primaries that the
    /// destination's tags did not reveal (a replica belongs to the set when its primary does).
    pub async fn discover(session: &Session, scenario: &Scenario, purpose: Purpose) -> Result<LabKeys> {
        LabKeys::discover_in(&session.source, &session.destination, scenario, purpose).await
    }

    /// The same, given the two regions' clients.
    pub async fn discover_in(
        source_clients: &RegionClients,
        destination_clients: &RegionClients,
        scenario: &Scenario,
        purpose: Purpose,
    ) -> Result<LabKeys> {
        let judge = |side: Side| move |tags: &LabTags| ownership::judge(scenario, Made::Key(side), tags, None);
        let (source_judge, destination_judge) = (judge(Side::Source), judge(Side::Destination));
        let (source, mut destination) = futures::try_join!(
            RegionKeys::discover(&source_clients.kms, source_clients.region, &source_judge, purpose),
            RegionKeys::discover(&destination_clients.kms, destination_clients.region, &destination_judge, purpose),
        )?;
        let known_in_destination = |key_id: &str| {
            destination
                .owned
                .iter()
                .chain(destination.not_ours.iter().map(|(key, _)| key))
                .any(|key| key.key_id == key_id)
        };
        let missing_replicas: Vec<String> = source
            .owned
            .iter()
            .filter(|key| key.multi_region == Some(MultiRegionRole::Primary))
            .filter(|key| key.replica_regions.iter().any(|r| r == destination.region.code))
            .filter(|key| !known_in_destination(&key.key_id))
            .map(|key| key.key_id.clone())
            .collect();
        let region = destination.region;
        let replicas = futures::future::try_join_all(missing_replicas.iter().map(|key_id| {
            let (aliases, kms) = (&destination.aliases, &destination_clients.kms);
            async move {
                match purpose {
                    Purpose::Teardown => describe_for_teardown(kms, region, key_id, aliases).await,
                    Purpose::Use => describe(kms, region.code, key_id, aliases).await.with_context(|| {
                        tr!(
                            "describing the replica of {key_id} in {region}",
                            "{region} で {key_id} のレプリカキーを確認中"
                        )
                    }),
                }
            }
        }))
        .await?;
        for replica in replicas.into_iter().flatten() {
            let primary_tags = source.owned_key(&replica.key_id).and_then(|primary| primary.ownership.tags().cloned());
            let tags = primary_tags.unwrap_or_default();
            let verdict = replica_verdict(scenario, &tags);
            let replica = replica.owned_as(Ownership::ReplicaOfLabPrimary(tags));
            match verdict {
                Verdict::Ours => destination.owned.push(replica),
                other => destination.not_ours.extend(sort_out(vec![(replica, other)]).1),
            }
        }
        Ok(LabKeys { source, destination })
    }
}

/// A customer managed key a lab made or chose in this run: described again by id, its
/// ownership already known.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyInUse {
    pub side: Side,
    pub key_id: String,
    /// The part it plays: the alias it is meant to have (its `ebs-kms-labs:role` tag).
    pub role: String,
}

impl LabKeys {
    /// Both regions described afresh ([`RegionKeys::refresh`]), with the keys made since.
    pub async fn refresh(
        &self,
        source_clients: &RegionClients,
        destination_clients: &RegionClients,
        in_use: &[KeyInUse],
        aws_ebs: AwsEbs,
    ) -> Result<LabKeys> {
        let more = |side: Side| -> Vec<&KeyInUse> { in_use.iter().filter(|key| key.side == side).collect() };
        let (more_source, more_destination) = (more(Side::Source), more(Side::Destination));
        let (source, destination) = futures::try_join!(
            self.source.refresh(&source_clients.kms, &more_source, aws_ebs),
            self.destination.refresh(&destination_clients.kms, &more_destination, aws_ebs),
        )?;
        Ok(LabKeys { source, destination })
    }
}

/// This set's keys, and the others with why they are not this set's.
fn sort_out(tagged: Vec<(KeyInfo, Verdict)>) -> (Vec<KeyInfo>, Vec<(KeyInfo, Verdict)>) {
    let mut owned = Vec::new();
    let mut not_ours = Vec::new();
    for (key, verdict) in tagged {
        match verdict {
            Verdict::Ours => owned.push(key),
            other => not_ours.push((key, other)),
        }
    }
    (owned, not_ours)
}

/// A replica known only through its primary's tags is this set's when the primary is this
/// set's multi-region primary.
pub fn replica_verdict(scenario: &Scenario, primary_tags: &LabTags) -> Verdict {
    let primary_role = scenario.key(KeyKind::MultiRegion, Side::Source).short_alias().to_string();
    match ownership::judge(scenario, Made::Key(Side::Source), primary_tags, None) {
        Verdict::Ours if primary_tags.role.as_deref() != Some(primary_role.as_str()) => Verdict::NearMiss(tr!(
            "a replica of a key that is not the set's multi-region primary",
            "セットのマルチリージョンプライマリキーではないキーのレプリカです"
        )),
        verdict => verdict,
    }
}

/// The aliases (with `alias/`) that point at `key_id`.
fn aliases_of(aliases: &BTreeMap<String, Option<String>>, key_id: &str) -> Vec<String> {
    aliases.iter().filter(|(_, target)| target.as_deref() == Some(key_id)).map(|(name, _)| name.clone()).collect()
}

/// `aws/ebs` when asked, described when ListAliases shows it with a target (then describing
/// it creates nothing); `None` when it does not exist yet.
async fn describe_aws_ebs(
    kms: &Client,
    region: &str,
    aliases: &BTreeMap<String, Option<String>>,
    asked: AwsEbs,
) -> Result<Option<KeyInfo>, AwsError> {
    match aliases.get(AWS_EBS_ALIAS) {
        Some(Some(_)) if asked == AwsEbs::Describe => describe(kms, region, AWS_EBS_ALIAS, aliases).await,
        _ => Ok(None),
    }
}

/// A replica known by its primary, described in `region` with the grants on it (before a
/// teardown); `None` if it does not exist there.
pub async fn describe_for_teardown(
    kms: &Client,
    region: &'static RegionInfo,
    key_id: &str,
    aliases: &BTreeMap<String, Option<String>>,
) -> Result<Option<KeyInfo>> {
    let (replica, grants) =
        futures::try_join!(describe(kms, region.code, key_id, aliases), foreign_grants(kms, key_id)).with_context(
            || tr!("describing the replica of {key_id} in {region}", "{region} で {key_id} のレプリカキーを確認中"),
        )?;
    Ok(replica.map(|mut replica| {
        replica.foreign_grants = grants;
        replica
    }))
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
    Ok(Some(KeyInfo::from_metadata(region, metadata, aliases_of(aliases, metadata.key_id()))))
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

/// The lab tags when the key carries the project tag; `None` when it does not, or when its
/// tags cannot be read (a key we may not read is not ours).
async fn lab_tags_of(kms: &Client, key_id: &str) -> Result<Option<LabTags>, AwsError> {
    let tags = match kms.list_resource_tags().key_id(key_id).send().await.aws("kms:ListResourceTags") {
        Ok(output) => output.tags.unwrap_or_default(),
        Err(error) if matches!(error.code(), Some("AccessDeniedException" | "NotFoundException")) => return Ok(None),
        Err(error) => return Err(error),
    };
    Ok(LabTags::read(tags.iter().map(|tag| (tag.tag_key(), tag.tag_value()))))
}

/// The grants on a key that EBS did not make for a volume or snapshot, as text: EBS's own
/// grants carry the `aws:ebs:id` encryption context; any other grant means someone else uses
/// the key.
async fn foreign_grants(kms: &Client, key_id: &str) -> Result<Vec<String>, AwsError> {
    let grants =
        kms.list_grants().key_id(key_id).into_paginator().items().send().try_collect().await.aws("kms:ListGrants")?;
    Ok(grants
        .iter()
        .filter(|grant| {
            let constraints = grant.constraints();
            let context = constraints.and_then(|c| c.encryption_context_subset().or(c.encryption_context_equals()));
            !context.is_some_and(|context| context.contains_key("aws:ebs:id"))
        })
        .map(|grant| {
            let grantee = grant.grantee_principal().unwrap_or("?");
            let id = grant.grant_id().unwrap_or("?");
            tr!("grant {id} to {grantee}", "{grantee} への権限付与 (grant) {id}")
        })
        .collect())
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
