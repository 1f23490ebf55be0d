//! `--check` of lab 01: the six keys found by the walkthrough's aliases, whoever made them
//! (the labs, or the learner in the console or with the AWS CLI), with read calls only, and
//! checked with the lab's own rules (`verify::check_key`) plus what only a learner's keys get
//! wrong: an alias missing, a replica in the wrong region, another set's key. Keys that pass and
//! carry none of the labs' tags are what `--adopt` may tag.

use crate::aws;
use crate::verify::{check_key, key_row, make_replica, new_key_table, rotation_statuses};
use anyhow::{Context, Result};
use aws_sdk_kms::Client;
use common::hands_on::{Adoptable, Checked, Resource};
use common::kms::{self, replica_verdict, KeyInfo, MultiRegionRole};
use common::manifest::{self, Makes};
use common::ownership::{self, Made};
use common::regions::RegionInfo;
use common::scenario::{KeyKind, Scenario, ScenarioKey, Side, AWS_EBS_ALIAS};
use common::tags::LabTags;
use common::tr;
use common::LabContext;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::BTreeMap;

/// How many keys are read at once when looking for keys that lost (or never got) their alias.
const CONCURRENCY: usize = 8;

/// A key and its tags, as read.
#[derive(Debug, Clone)]
struct Read {
    key: KeyInfo,
    /// Its tags (key, value); `None` when they could not be read (then it is never adopted).
    tags: Option<Vec<(String, String)>>,
}

impl Read {
    /// The labs' ownership tags, when it carries the project tag.
    fn lab_tags(&self) -> Option<LabTags> {
        LabTags::read(self.tags.as_ref()?.iter().map(|(key, value)| (key.as_str(), value.as_str())))
    }

    /// Whether it carries no tag of the labs' at all (and its tags could be read).
    fn has_no_lab_tag(&self) -> bool {
        self.tags.as_ref().is_some_and(|tags| !tags.iter().any(|(key, _)| key.starts_with("ebs-kms-labs:")))
    }
}

/// One region as `--check` sees it: its aliases, the keys behind the walkthrough's aliases, and
/// (only when one of those aliases is missing) the keys no alias of this region names.
struct Seen {
    region: &'static RegionInfo,
    /// Full alias name → the key behind it.
    by_alias: BTreeMap<String, Read>,
    aws_ebs: Option<KeyInfo>,
    /// Keys without an alias in this region (read only when a walkthrough alias is missing).
    unnamed: Vec<Read>,
    /// This region's aliases (full names): a walkthrough alias made in the wrong region shows here.
    aliases: Vec<String>,
}

/// Finds and checks the six keys; the table, and the learner's keys that may be adopted.
pub async fn check(ctx: &LabContext) -> Result<Checked> {
    let scenario = &ctx.scenario;
    let (source, destination) = (&ctx.session.source, &ctx.session.destination);
    let (source_seen, destination_seen) = futures::try_join!(
        see(&source.kms, source.region, scenario, Side::Source),
        see(&destination.kms, destination.region, scenario, Side::Destination),
    )?;
    let found = |side: Side, kind: KeyKind| {
        let seen = if side == Side::Source { &source_seen } else { &destination_seen };
        seen.by_alias.get(&scenario.alias(kind, side))
    };
    // The rotation column, as the lab's own verification reads it.
    let rotating = [
        (Side::Source, KeyKind::SingleRegion),
        (Side::Destination, KeyKind::SingleRegion),
        (Side::Source, KeyKind::MultiRegion),
    ]
    .into_iter()
    .filter_map(|(side, kind)| found(side, kind).map(|read| (side, read.key.key_id.clone())))
    .collect();
    let rotations = rotation_statuses(ctx, rotating).await;

    let primary = found(Side::Source, KeyKind::MultiRegion);
    let mut report = new_key_table();
    let mut adoptable = Vec::new();
    for wanted in scenario.keys() {
        let seen = if wanted.side == Side::Source { &source_seen } else { &destination_seen };
        if wanted.kind == KeyKind::AwsManaged {
            let check = match &seen.aws_ebs {
                Some(key) => check_key(scenario, &wanted, key, None),
                None => Err(aws_ebs_missing(&wanted)),
            };
            key_row(&mut report, &wanted, seen.aws_ebs.as_ref(), &rotations, check);
            continue;
        }
        let Some(read) = seen.by_alias.get(&wanted.alias) else {
            let other = if wanted.side == Side::Source { &destination_seen } else { &source_seen };
            let check = Err(if other.aliases.contains(&wanted.alias) {
                wrong_region(&wanted, other.region)
            } else {
                alias_missing(ctx, &wanted, seen, primary)
            });
            key_row(&mut report, &wanted, None, &rotations, check);
            continue;
        };
        let check = check_key(scenario, &wanted, &read.key, primary.map(|read| &read.key))
            .and_then(|()| judge(scenario, &wanted, read, primary));
        if check.is_ok() && is_adoptable(&wanted, read, primary) {
            adoptable.push(Adoptable {
                region: wanted.region,
                resource: Resource::Key(read.key.key_id.clone()),
                role: wanted.short_alias().to_string(),
            });
        }
        key_row(&mut report, &wanted, Some(&read.key), &rotations, check);
    }
    Ok(Checked { report, adoptable })
}

/// One region's aliases, the keys behind the walkthrough's aliases (each described and its tags
/// read, at once), `aws/ebs` when it exists, and the keys without an alias when one is missing.
async fn see(kms: &Client, region: &'static RegionInfo, scenario: &Scenario, side: Side) -> Result<Seen> {
    let context =
        || tr!("looking for the walkthrough's KMS keys in {region}", "{region} でウォークスルーの KMS キーを検索中");
    let aliases = kms::list_aliases(kms, region.code).await.with_context(context)?;
    let wanted: Vec<ScenarioKey> =
        [KeyKind::SingleRegion, KeyKind::MultiRegion].into_iter().map(|kind| scenario.key(kind, side)).collect();
    let named = futures::future::try_join_all(wanted.iter().filter_map(|wanted| {
        let target = aliases.get(&wanted.alias).cloned().flatten()?;
        let aliases = &aliases;
        Some(async move {
            let read = read_key(kms, region, &target, aliases).await?;
            Ok::<_, anyhow::Error>(read.map(|read| (wanted.alias.clone(), read)))
        })
    }));
    // Described by the id its alias points at, never by the alias: describing `alias/aws/ebs`
    // would make AWS create the key, and `--check` changes nothing.
    let aws_ebs = async {
        match aliases.get(AWS_EBS_ALIAS).cloned().flatten() {
            Some(target) => kms::describe(kms, region.code, &target, &aliases).await.map_err(anyhow::Error::from),
            None => Ok(None),
        }
    };
    let any_missing = wanted.iter().any(|wanted| !aliases.contains_key(&wanted.alias));
    let unnamed = async {
        if !any_missing {
            return Ok::<_, anyhow::Error>(Vec::new());
        }
        let keys = aws::list_keys(kms).await?;
        let named: Vec<&String> = aliases.values().flatten().collect();
        let ids: Vec<String> = keys
            .iter()
            .filter_map(|key| key.key_id())
            .filter(|id| !named.iter().any(|named| named.as_str() == *id))
            .map(str::to_string)
            .collect();
        let aliases = &aliases;
        stream::iter(ids)
            .map(|id| async move { read_key(kms, region, &id, aliases).await })
            .buffer_unordered(CONCURRENCY)
            .try_filter_map(|read| async move { Ok(read) })
            .try_collect::<Vec<Read>>()
            .await
    };
    let (named, aws_ebs, unnamed) = futures::try_join!(named, aws_ebs, unnamed).with_context(context)?;
    let by_alias = named.into_iter().flatten().collect();
    Ok(Seen { region, by_alias, aws_ebs, unnamed, aliases: aliases.into_keys().collect() })
}

/// A key described and its tags read at once; `None` if it does not exist in `region`.
async fn read_key(
    kms: &Client,
    region: &'static RegionInfo,
    key_id: &str,
    aliases: &BTreeMap<String, Option<String>>,
) -> Result<Option<Read>> {
    let tags = async {
        match aws::list_resource_tags(kms, key_id).await {
            Ok(output) => Ok(Some(
                output.tags().iter().map(|tag| (tag.tag_key().to_string(), tag.tag_value().to_string())).collect(),
            )),
            Err(error)
                if matches!(
                    error.code(),
                    Some("AccessDeniedException" | "NotFoundException" | "UnsupportedOperationException")
                ) =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    };
    let (key, tags) = futures::try_join!(kms::describe(kms, region.code, key_id, aliases), tags)?;
    Ok(key.map(|key| Read { key, tags }))
}

/// Whose the key under the alias is: a key with the labs' tags must be this set's; a replica
/// without them is this set's when its primary is.
fn judge(scenario: &Scenario, wanted: &ScenarioKey, read: &Read, primary: Option<&Read>) -> Result<(), String> {
    let verdict = match (read.lab_tags(), wanted.side, wanted.kind) {
        (Some(tags), side, _) => ownership::judge(scenario, Made::Key(side), &tags, None),
        (None, Side::Destination, KeyKind::MultiRegion) => match primary.and_then(Read::lab_tags) {
            Some(primary_tags) => replica_verdict(scenario, &primary_tags),
            None => return Ok(()),
        },
        (None, _, _) => return Ok(()),
    };
    let Some(why) = verdict.why_not_ours() else { return Ok(()) };
    let (alias, id) = (wanted.short_alias(), &read.key.key_id);
    Err(tr!(
        "{alias} ({id}) carries the labs' tags, but it is not this set's: {why}. Point the alias at a key of your own \
         (`aws kms update-alias --region {region} --alias-name {full} --target-key-id KEY_ID`), or use a --name-prefix \
         of your own",
        "{alias} ({id}) にはラボのタグが付いていますが、このセットのキーではありません: {why}。エイリアスを自分のキーに\
         付け替える (`aws kms update-alias --region {region} --alias-name {full} --target-key-id KEY_ID`) か、\
         自分用の --name-prefix を使ってください",
        region = wanted.region.code,
        full = wanted.alias
    ))
}

/// A key that passed may be adopted when it carries no tag of the labs' at all, and, for a
/// replica, when its primary is not the labs' already (then the replica is the set's through it).
fn is_adoptable(wanted: &ScenarioKey, read: &Read, primary: Option<&Read>) -> bool {
    let replica = wanted.kind == KeyKind::MultiRegion && wanted.side == Side::Destination;
    read.has_no_lab_tag() && !(replica && primary.and_then(Read::lab_tags).is_some())
}

/// `aws/ebs` does not exist yet in that region.
fn aws_ebs_missing(wanted: &ScenarioKey) -> String {
    let (region, code) = (wanted.region, wanted.region.code);
    let volumes_lab = &manifest::lab_that_makes(Makes::Volumes).id;
    tr!(
        "aws/ebs does not exist in {region} yet: AWS creates it the first time EBS encrypts with it, or when it is \
         asked for (free): `aws kms describe-key --region {code} --key-id alias/aws/ebs` (in the console, run it in \
         AWS CloudShell). {volumes_lab} needs it",
        "{region} にはまだ aws/ebs がありません。AWS は、EBS が初めてこのキーで暗号化するとき、またはこのキーを要求されたときに\
         作成します (無料): `aws kms describe-key --region {code} --key-id alias/aws/ebs` (コンソールからは AWS CloudShell で\
         実行できます)。{volumes_lab} で必要です"
    )
}

/// Why the alias of `wanted` is missing, from the keys of its region that no alias names: a
/// key tagged for it, a key of the right kind, or the replica (perhaps in another region).
fn alias_missing(ctx: &LabContext, wanted: &ScenarioKey, seen: &Seen, primary: Option<&Read>) -> String {
    let scenario = &ctx.scenario;
    let (alias, region, code) = (wanted.short_alias(), seen.region, seen.region.code);
    let replica = wanted.kind == KeyKind::MultiRegion && wanted.side == Side::Destination;
    let name_it = |id: &str| {
        tr!(
            "name it: console, the key → Aliases tab → Create alias {alias}; or `aws kms create-alias --region {code} \
             --alias-name alias/{alias} --target-key-id {id}`",
            "エイリアスを付けてください: コンソールでキーを選び「エイリアス」タブ →「エイリアスを作成」で {alias}。\
             または `aws kms create-alias --region {code} --alias-name alias/{alias} --target-key-id {id}`"
        )
    };
    if replica {
        let primary_key =
            primary.map(|read| &read.key).filter(|key| key.multi_region == Some(MultiRegionRole::Primary));
        if let Some(primary_key) = primary_key {
            let its_replica = seen.unnamed.iter().find(|read| {
                read.key.multi_region == Some(MultiRegionRole::Replica)
                    && read.key.primary_arn.as_deref() == Some(primary_key.arn.as_str())
            });
            if let Some(read) = its_replica {
                let (id, fix) = (&read.key.key_id, name_it(&read.key.key_id));
                return tr!(
                    "the replica {id} of {primary} exists in {region}, but has no alias {alias}: {fix}",
                    "{primary} のレプリカキー {id} は{region} にありますが、エイリアス {alias} がありません。{fix}",
                    primary = primary_key.display_name()
                );
            }
            let elsewhere: Vec<&str> =
                primary_key.replica_regions.iter().map(String::as_str).filter(|other| *other != code).collect();
            if !elsewhere.is_empty() {
                let (elsewhere, fix) = (elsewhere.join(", "), make_replica(scenario, Some(primary_key)));
                return tr!(
                    "{primary} has a replica in {elsewhere}, not in {region}: the walkthrough replicates it to {region}. \
                     {fix}. The replica in {elsewhere} is a key of its own, charged monthly: schedule its deletion \
                     if you do not need it",
                    "{primary} のレプリカキーは{region} ではなく {elsewhere} にあります。ウォークスルーでは{region} に\
                     レプリケートします。{fix}。{elsewhere} のレプリカキーは独立したキーで月額料金がかかるので、\
                     不要なら削除をスケジュールしてください",
                    primary = primary_key.display_name()
                );
            }
        }
        let fix = make_replica(scenario, primary_key);
        return tr!("no key {alias} in {region}. {fix}", "{region} にキー {alias} がありません。{fix}");
    }
    // A key tagged for this alias (by the labs or by hand) that never got it.
    let tagged = seen.unnamed.iter().find(|read| {
        read.lab_tags().is_some_and(|tags| {
            tags.role.as_deref() == Some(alias)
                && ownership::judge(scenario, Made::Key(wanted.side), &tags, None).is_ours()
        })
    });
    if let Some(read) = tagged {
        let (id, fix) = (&read.key.key_id, name_it(&read.key.key_id));
        return tr!(
            "{id} in {region} is tagged as {alias}, but no alias {alias} names it: {fix}",
            "{region} の {id} には {alias} のタグがありますが、エイリアス {alias} が付いていません。{fix}"
        );
    }
    // Keys of the right kind with no alias and none of the labs' tags: perhaps the learner's.
    let candidates: Vec<&str> = seen
        .unnamed
        .iter()
        .filter(|read| read.has_no_lab_tag() && !read.key.aws_managed && !read.key.is_pending_deletion())
        .filter(|read| match wanted.kind {
            KeyKind::SingleRegion => read.key.multi_region.is_none(),
            _ => read.key.multi_region == Some(MultiRegionRole::Primary),
        })
        .map(|read| read.key.key_id.as_str())
        .collect();
    let create = create_key(wanted);
    if candidates.is_empty() {
        return tr!("no key {alias} in {region}: {create}", "{region} にキー {alias} がありません。{create}");
    }
    let (ids, fix) = (candidates.join(", "), name_it(candidates[0]));
    tr!(
        "no alias {alias} in {region}. These keys of that kind have no alias: {ids}. If one is the key you made for \
         {alias}, {fix}. Otherwise {create}",
        "{region} にエイリアス {alias} がありません。この種類のキーでエイリアスのないもの: {ids}。{alias} のために作ったキーが\
         あれば、{fix}。なければ、{create}"
    )
}

/// The alias of `wanted` exists, but in the other region of the pair: keys and aliases are regional.
fn wrong_region(wanted: &ScenarioKey, other: &RegionInfo) -> String {
    let (alias, region) = (wanted.short_alias(), wanted.region);
    let how = match (wanted.kind, wanted.side) {
        (KeyKind::MultiRegion, Side::Destination) => make_replica_short(region),
        _ => create_key(wanted),
    };
    tr!(
        "no key {alias} in {region}, but {other} has an alias {alias}: keys and aliases belong to one region, and \
         the walkthrough wants this one in {region} (the console's region selector, or --region {code} in the CLI). \
         {how}. The key in {other} is charged monthly: schedule its deletion if you do not need it",
        "{region} にキー {alias} がありませんが、{other} にエイリアス {alias} があります。キーとエイリアスはリージョンごとの\
         リソースで、ウォークスルーではこのキーを{region} に置きます (コンソールのリージョンセレクター、CLI では \
         --region {code})。{how}。{other} のキーには月額料金がかかるので、不要なら削除をスケジュールしてください",
        code = region.code
    )
}

/// The replica is made from the primary, in the primary's region, naming the destination.
fn make_replica_short(region: &RegionInfo) -> String {
    let code = region.code;
    tr!(
        "Make the replica from the primary: Regionality tab → Create new replica keys → {region} \
         (`aws kms replicate-key --replica-region {code}`), and name it there",
        "レプリカキーはプライマリキーから作ります:「リージョンごと」タブ →「新しいレプリカキーを作成」→{region} \
         (`aws kms replicate-key --replica-region {code}`)。エイリアスはそのリージョンで付けます"
    )
}

/// How to make a single-region key or the multi-region primary, with its alias.
fn create_key(wanted: &ScenarioKey) -> String {
    let (alias, region, code) = (wanted.short_alias(), wanted.region, wanted.region.code);
    match wanted.kind {
        KeyKind::MultiRegion => tr!(
            "create it: KMS console in {region} → Create key: Key type Symmetric, Key usage Encrypt and decrypt, \
             Regionality Multi-Region key, alias {alias}; or `aws kms create-key --region {code} --multi-region`, then \
             `aws kms create-alias --region {code} --alias-name alias/{alias} --target-key-id mrk-…`",
            "作成してください: {region} の KMS コンソール →「キーの作成」: キーのタイプ「対称」、キーの使用「暗号化および復号化」、\
             リージョンごと「マルチリージョンキー」、エイリアス {alias}。または `aws kms create-key --region {code} \
             --multi-region` のあと `aws kms create-alias --region {code} --alias-name alias/{alias} --target-key-id mrk-…`"
        ),
        _ => tr!(
            "create it: KMS console in {region} → Create key: Key type Symmetric, Key usage Encrypt and decrypt, \
             Regionality Single-Region key, alias {alias}; or `aws kms create-key --region {code}`, then \
             `aws kms create-alias --region {code} --alias-name alias/{alias} --target-key-id KEY_ID`",
            "作成してください: {region} の KMS コンソール →「キーの作成」: キーのタイプ「対称」、キーの使用「暗号化および復号化」、\
             リージョンごと「単一リージョンキー」、エイリアス {alias}。または `aws kms create-key --region {code}` のあと \
             `aws kms create-alias --region {code} --alias-name alias/{alias} --target-key-id KEY_ID`"
        ),
    }
}
