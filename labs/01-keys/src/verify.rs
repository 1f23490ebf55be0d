//! The verification of lab 01: the six keys described afresh, each checked against the
//! walkthrough, with the rotation status of the customer keys that rotate on their own. The
//! rows and checks are shared with `--check` (`check.rs`), so both show the same table and the
//! same messages, each ✗ with its fix in the console's and the AWS CLI's terms.

use crate::aws;
use crate::lesson::KEY_COLUMNS;
use crate::plan::{Plan, PlannedKey};
use anyhow::Result;
use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType};
use common::kms::{arn_region, AwsEbs, KeyInUse, KeyInfo, LabKeys, MultiRegionRole};
use common::scenario::{KeyKind, Scenario, ScenarioKey, Side};
use common::tr;
use common::ui::Report;
use common::LabContext;
use serde_json::json;
use std::collections::BTreeMap;

/// Describes the six keys afresh and checks each; the rotation status is read meanwhile.
/// Ownership is known (found by tags, or made just now), and `aws/ebs` exists in both regions now.
pub async fn verify(ctx: &LabContext, found: &LabKeys, plan: &Plan, in_use: &[KeyInUse]) -> Result<Report> {
    let rotating = [&plan.single_source, &plan.single_destination, &plan.primary]
        .into_iter()
        .filter_map(|planned| Some((planned.wanted.side, key_id_of(planned, in_use)?.to_string())))
        .collect();
    let (after, rotations) = futures::try_join!(
        found.refresh(&ctx.session.source, &ctx.session.destination, in_use, AwsEbs::Describe),
        async { Ok(rotation_statuses(ctx, rotating).await) }
    )?;
    Ok(key_table(ctx, &after, &rotations))
}

/// The table of the six keys, as just described, with a ✓ or ✗ each.
fn key_table(ctx: &LabContext, found: &LabKeys, rotations: &BTreeMap<String, Rotation>) -> Report {
    let mut report = new_key_table();
    let primary = found.source.scenario_key(&ctx.scenario.key(KeyKind::MultiRegion, Side::Source)).cloned();
    for wanted in ctx.scenario.keys() {
        let region_keys = match wanted.side {
            Side::Source => &found.source,
            Side::Destination => &found.destination,
        };
        let key = region_keys.scenario_key(&wanted);
        let check = match key {
            Some(key) => check_key(&ctx.scenario, &wanted, key, primary.as_ref()),
            None => Err(tr!(
                "no key {alias} in {region}",
                "{region} にキー {alias} がありません",
                alias = wanted.short_alias(),
                region = wanted.region
            )),
        };
        key_row(&mut report, &wanted, key, rotations, check);
    }
    report
}

/// The verification table, empty: the lab's own verification and `--check` fill it the same way.
pub fn new_key_table() -> Report {
    Report::new("keys", tr!("The six keys of the walkthrough", "ウォークスルーの 6 つのキー"), &KEY_COLUMNS)
}

/// One key's row: what was found (or "missing") and the check's ✓ or ✗; in `--output json`, the
/// key's raw values and what the walkthrough expects of it (docs/schemas/01-keys.schema.json).
pub fn key_row(
    report: &mut Report,
    wanted: &ScenarioKey,
    key: Option<&KeyInfo>,
    rotations: &BTreeMap<String, Rotation>,
    check: Result<(), String>,
) {
    let cells = match key {
        Some(key) => vec![
            wanted.short_alias().into(),
            wanted.region.to_string(),
            key.key_id.clone(),
            if key.aws_managed { "AWS".into() } else { tr!("customer", "カスタマー") },
            key.role_label(),
            key.state.as_str().into(),
            rotation_label(key, rotations),
        ],
        None => vec![
            wanted.short_alias().into(),
            wanted.region.to_string(),
            "—".into(),
            "—".into(),
            "—".into(),
            tr!("missing", "存在しない"),
            "—".into(),
        ],
    };
    let expected = json!({
        "region": wanted.region.code,
        "key_manager": if wanted.kind == KeyKind::AwsManaged { "AWS" } else { "CUSTOMER" },
        "multi_region_role": match (wanted.kind, wanted.side) {
            (KeyKind::MultiRegion, Side::Source) => Some("primary"),
            (KeyKind::MultiRegion, Side::Destination) => Some("replica"),
            _ => None,
        },
        "key_spec": KeySpec::SymmetricDefault.as_str(),
        "key_usage": KeyUsageType::EncryptDecrypt.as_str(),
        "key_state": KeyState::Enabled.as_str(),
    });
    let found = key.map(|key| {
        json!({
            "region": key.region,
            "key_manager": key_manager(key),
            "multi_region_role": key.multi_region.map(role_name),
            "key_spec": key.spec.as_ref().map(KeySpec::as_str),
            "key_usage": key.usage.as_ref().map(KeyUsageType::as_str),
            "key_state": key.state.as_str(),
        })
    });
    let (rotation, rotation_period_days) = match key {
        Some(key) => rotation_record(key, rotations),
        None => (None, None),
    };
    let record = json!({
        "check": "key",
        "alias": wanted.alias,
        "key_kind": kind_name(wanted.kind),
        "side": side_name(wanted.side),
        "region": wanted.region.code,
        "key_id": key.map(|key| &key.key_id),
        "key_arn": key.map(|key| &key.arn),
        "key_manager": key.map(key_manager),
        "multi_region_role": key.and_then(|key| key.multi_region).map(role_name),
        "key_state": key.map(|key| key.state.as_str()),
        "key_spec": key.and_then(|key| key.spec.as_ref()).map(KeySpec::as_str),
        "rotation": rotation,
        "rotation_period_days": rotation_period_days,
        "expected": expected,
        "found": found,
    });
    report.row_with(cells, Some(check), record);
}

/// A key kind in `--output json`.
pub fn kind_name(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::AwsManaged => "aws_managed",
        KeyKind::SingleRegion => "single_region",
        KeyKind::MultiRegion => "multi_region",
    }
}

/// A side of the copy in `--output json`.
pub fn side_name(side: Side) -> &'static str {
    match side {
        Side::Source => "source",
        Side::Destination => "destination",
    }
}

/// A multi-region role in `--output json`.
fn role_name(role: MultiRegionRole) -> &'static str {
    match role {
        MultiRegionRole::Primary => "primary",
        MultiRegionRole::Replica => "replica",
    }
}

/// Who manages the key, as KMS spells `KeyManager`.
fn key_manager(key: &KeyInfo) -> &'static str {
    if key.aws_managed {
        "AWS"
    } else {
        "CUSTOMER"
    }
}

/// What the walkthrough expects of one key, found under `wanted`'s alias; `primary` is the key
/// under the source's multi-region alias (the replica must be its replica). A ✗ says what is
/// wrong and how to fix it, with the console's field names and the AWS CLI command.
pub fn check_key(
    scenario: &Scenario,
    wanted: &ScenarioKey,
    key: &KeyInfo,
    primary: Option<&KeyInfo>,
) -> Result<(), String> {
    let (alias, id, region) = (wanted.short_alias(), key.key_id.as_str(), wanted.region);
    if key.region != region.code {
        let own = &key.region;
        return Err(tr!(
            "{alias} ({id}) is a key of {own}, not of {region}",
            "{alias} ({id}) は{region} ではなく {own} のキーです"
        ));
    }
    wrong_type(wanted, key)?;
    wrong_kind(scenario, wanted, key, primary)?;
    wrong_state(wanted, key)
}

/// The command that points the alias of `wanted` at another key.
fn move_alias(wanted: &ScenarioKey, target: &str) -> String {
    format!(
        "aws kms update-alias --region {} --alias-name {} --target-key-id {target}",
        wanted.region.code, wanted.alias
    )
}

/// EBS encrypts only with symmetric encryption keys, and a key's type never changes.
fn wrong_type(wanted: &ScenarioKey, key: &KeyInfo) -> Result<(), String> {
    let spec = key.spec.as_ref().map_or("?", |spec| spec.as_str());
    let usage = key.usage.as_ref().map_or("?", |usage| usage.as_str());
    let symmetric = key.spec.as_ref().is_none_or(|spec| *spec == KeySpec::SymmetricDefault);
    let encrypts = key.usage.as_ref().is_none_or(|usage| *usage == KeyUsageType::EncryptDecrypt);
    if symmetric && encrypts {
        return Ok(());
    }
    let (alias, id, command) = (wanted.short_alias(), &key.key_id, move_alias(wanted, "NEW_KEY_ID"));
    Err(tr!(
        "{alias} ({id}) is a {spec} key for {usage}: EBS encrypts only with symmetric encryption keys, and a key's \
         type cannot change. Create a new key with Key type Symmetric and Key usage Encrypt and decrypt \
         (`aws kms create-key` makes one by default: --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT), \
         then move the alias to it: `{command}`",
        "{alias} ({id}) はキーの仕様 {spec}、用途 {usage} のキーです。EBS が暗号化に使えるのは対称暗号化キーだけで、\
         キーのタイプはあとから変えられません。キーのタイプ「対称」、キーの使用「暗号化および復号化」で新しいキーを作成し \
         (`aws kms create-key` は既定でそのキーを作ります: --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT)、\
         エイリアスをそのキーに付け替えてください: `{command}`"
    ))
}

/// Single-region where the walkthrough says so, the multi-region primary in the source and its
/// replica (of exactly that primary) in the destination.
fn wrong_kind(
    scenario: &Scenario,
    wanted: &ScenarioKey,
    key: &KeyInfo,
    primary: Option<&KeyInfo>,
) -> Result<(), String> {
    let (alias, id, region) = (wanted.short_alias(), key.key_id.as_str(), wanted.region);
    match (wanted.kind, wanted.side, key.multi_region) {
        (KeyKind::AwsManaged, _, _) if !key.aws_managed => {
            Err(tr!("{alias} ({id}) is not the AWS managed key", "{alias} ({id}) は AWS マネージドキーではありません"))
        }
        (KeyKind::AwsManaged, _, _) => Ok(()),
        (_, _, _) if key.aws_managed => Err(tr!(
            "{alias} ({id}) is an AWS managed key; the walkthrough wants a customer managed key here",
            "{alias} ({id}) は AWS マネージドキーです。ウォークスルーではここにカスタマーマネージドキーを使います"
        )),
        (KeyKind::SingleRegion, _, Some(role)) => {
            let command = move_alias(wanted, "NEW_KEY_ID");
            Err(tr!(
                "{alias} points at {id}, a multi-region {role} key; the walkthrough wants a single-region key here, and \
                 a key cannot stop being multi-region. Create a key with Regionality Single-Region key in {region} \
                 (`aws kms create-key`, without --multi-region), then move the alias to it: `{command}`",
                "{alias} が指す {id} はマルチリージョンキー ({role}) です。ウォークスルーではここに単一リージョンキーを使い、\
                 マルチリージョンキーを単一リージョンキーに変えることはできません。{region} で「リージョンごと」を\
                 「単一リージョンキー」にしてキーを作成し (`aws kms create-key`、--multi-region なし)、\
                 エイリアスをそのキーに付け替えてください: `{command}`"
            ))
        }
        (KeyKind::SingleRegion, _, None) => Ok(()),
        (KeyKind::MultiRegion, Side::Source, None) => {
            let command = move_alias(wanted, "mrk-…");
            Err(tr!(
                "{alias} ({id}) is a single-region key: multi-region cannot be turned on later. Create a new key with \
                 Regionality Multi-Region key in {region} (`aws kms create-key --multi-region`; its id starts with mrk-), \
                 then move the alias to it: `{command}`",
                "{alias} ({id}) は単一リージョンキーです。マルチリージョンはあとから有効にできません。{region} で\
                 「リージョンごと」を「マルチリージョンキー」にして新しいキーを作成し (`aws kms create-key --multi-region`。\
                 キー ID は mrk- で始まります)、エイリアスをそのキーに付け替えてください: `{command}`"
            ))
        }
        (KeyKind::MultiRegion, Side::Source, Some(MultiRegionRole::Replica)) => {
            let primary_region = key.primary_arn.as_deref().and_then(arn_region).unwrap_or("?");
            let command = move_alias(wanted, "mrk-…");
            Err(tr!(
                "{alias} ({id}) is a replica (its primary is in {primary_region}); the walkthrough wants the primary in \
                 {region}. Create a multi-region key in {region} (`aws kms create-key --multi-region`), then move the \
                 alias to it: `{command}`",
                "{alias} ({id}) はレプリカキーです (プライマリキーは {primary_region})。ウォークスルーではプライマリキーを\
                 {region} に作ります。{region} でマルチリージョンキーを作成し (`aws kms create-key --multi-region`)、\
                 エイリアスをそのキーに付け替えてください: `{command}`"
            ))
        }
        (KeyKind::MultiRegion, Side::Source, Some(MultiRegionRole::Primary)) if !id.starts_with("mrk-") => Err(tr!(
            "{alias} ({id}): a multi-region key id starts with mrk-",
            "{alias} ({id}): マルチリージョンキーのキー ID は mrk- で始まります"
        )),
        (KeyKind::MultiRegion, Side::Source, Some(MultiRegionRole::Primary)) => Ok(()),
        (KeyKind::MultiRegion, Side::Destination, role) => {
            let is_its_replica = role == Some(MultiRegionRole::Replica)
                && primary.is_some_and(|primary| key.primary_arn.as_deref() == Some(primary.arn.as_str()));
            if is_its_replica {
                return Ok(());
            }
            let primary_alias = scenario.key(KeyKind::MultiRegion, Side::Source).short_alias().to_string();
            let what = match role {
                None => tr!("a single-region key", "単一リージョンキー"),
                Some(MultiRegionRole::Primary) => {
                    tr!("a multi-region primary made in {region}", "{region} で作成したマルチリージョンプライマリキー")
                }
                Some(MultiRegionRole::Replica) => {
                    let of = key.primary_arn.as_deref().unwrap_or("?");
                    tr!("a replica of {of}", "{of} のレプリカキー")
                }
            };
            let fix = make_replica(scenario, primary);
            Err(tr!(
                "{alias} ({id}) is {what}, not a replica of {primary_alias}. {fix}",
                "{alias} ({id}) は{what}で、{primary_alias} のレプリカキーではありません。{fix}"
            ))
        }
    }
}

/// How to make the replica of the source's multi-region primary and name it.
pub fn make_replica(scenario: &Scenario, primary: Option<&KeyInfo>) -> String {
    let (source, destination) = (scenario.source, scenario.destination);
    let wanted = scenario.key(KeyKind::MultiRegion, Side::Destination);
    let primary_alias = scenario.key(KeyKind::MultiRegion, Side::Source).short_alias().to_string();
    let primary_id = match primary {
        Some(primary) if primary.multi_region == Some(MultiRegionRole::Primary) => primary.key_id.clone(),
        _ => "mrk-…".to_string(),
    };
    let (src, dst, alias) = (source.code, destination.code, wanted.short_alias());
    tr!(
        "A replica is made from the primary: console, {primary_alias} in {source} → Regionality tab → Create new replica \
         keys → {destination}, alias {alias}; or `aws kms replicate-key --region {src} --key-id {primary_id} \
         --replica-region {dst}`, then `aws kms create-alias --region {dst} --alias-name alias/{alias} --target-key-id \
         {primary_id}` (if the alias exists, `aws kms update-alias` with the same options)",
        "レプリカキーはプライマリキーから作ります: コンソールで{source} の {primary_alias} →「リージョンごと」タブ →\
         「新しいレプリカキーを作成」→{destination}、エイリアス {alias}。または `aws kms replicate-key --region {src} \
         --key-id {primary_id} --replica-region {dst}` のあと `aws kms create-alias --region {dst} --alias-name \
         alias/{alias} --target-key-id {primary_id}` (エイリアスがすでにあるなら、同じオプションで `aws kms update-alias`)"
    )
}

/// EBS uses only Enabled keys: how to get there from each other state.
fn wrong_state(wanted: &ScenarioKey, key: &KeyInfo) -> Result<(), String> {
    let (alias, id, region, code) = (wanted.short_alias(), key.key_id.as_str(), wanted.region, wanted.region.code);
    match key.state {
        KeyState::Enabled => Ok(()),
        KeyState::Disabled => Err(tr!(
            "{alias} ({id}) in {region} is Disabled: enable it: console, the key → Key actions → Enable; \
             `aws kms enable-key --region {code} --key-id {id}`",
            "{region} の {alias} ({id}) は無効 (Disabled) です。有効にしてください: コンソールでキーを選び\
             「キーのアクション」→「有効化」。または `aws kms enable-key --region {code} --key-id {id}`"
        )),
        KeyState::PendingDeletion | KeyState::PendingReplicaDeletion => {
            let date = key.deletion_date.as_deref().unwrap_or("—");
            Err(tr!(
                "{alias} ({id}) in {region} is pending deletion (on {date}): cancel the deletion, then enable it: \
                 console, the key → Key actions → Cancel key deletion, then Key actions → Enable; \
                 `aws kms cancel-key-deletion --region {code} --key-id {id}`, then \
                 `aws kms enable-key --region {code} --key-id {id}`",
                "{region} の {alias} ({id}) は削除が保留中です ({date} に削除)。削除をキャンセルしてから有効にしてください: \
                 コンソールでキーを選び「キーのアクション」→「キーの削除をキャンセル」、続けて「キーのアクション」→\
                 「有効化」。または `aws kms cancel-key-deletion --region {code} --key-id {id}` のあと \
                 `aws kms enable-key --region {code} --key-id {id}`"
            ))
        }
        KeyState::Creating => Err(tr!(
            "{alias} ({id}) in {region} is still being created: check again in a minute",
            "{region} の {alias} ({id}) はまだ作成中です。少し待ってからもう一度確認してください"
        )),
        ref other => {
            let state = other.as_str();
            Err(tr!(
                "{alias} ({id}) in {region} is {state}, not Enabled: EBS needs an Enabled key",
                "{region} の {alias} ({id}) の状態は Enabled ではなく {state} です。EBS には Enabled のキーが必要です"
            ))
        }
    }
}

/// A customer key's automatic rotation, as GetKeyRotationStatus answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// On, every so many days (when KMS says).
    On(Option<i32>),
    Off,
    /// The call failed.
    Unknown,
}

/// The rotation cell: AWS managed keys and replicas need no call; other keys were asked.
fn rotation_label(key: &KeyInfo, rotations: &BTreeMap<String, Rotation>) -> String {
    if key.aws_managed {
        return tr!("yearly, by AWS", "毎年 (AWS が自動で実施)");
    }
    if key.multi_region == Some(MultiRegionRole::Replica) {
        return tr!("set on the primary", "プライマリキーで設定");
    }
    match rotations.get(&key.key_id).copied().unwrap_or(Rotation::Unknown) {
        Rotation::On(Some(days)) => tr!("on, every {days} days", "有効 ({days} 日ごと)"),
        Rotation::On(None) => tr!("on", "有効"),
        Rotation::Off => tr!("off (optional)", "無効 (任意で有効化)"),
        Rotation::Unknown => tr!("unknown", "不明"),
    }
}

/// The rotation in `--output json`: `aws_managed`, `follows_primary`, `enabled`, `disabled` or
/// `unknown`, and the period in days when KMS gave one.
fn rotation_record(key: &KeyInfo, rotations: &BTreeMap<String, Rotation>) -> (Option<&'static str>, Option<i32>) {
    if key.aws_managed {
        return (Some("aws_managed"), None);
    }
    if key.multi_region == Some(MultiRegionRole::Replica) {
        return (Some("follows_primary"), None);
    }
    match rotations.get(&key.key_id).copied().unwrap_or(Rotation::Unknown) {
        Rotation::On(days) => (Some("enabled"), days),
        Rotation::Off => (Some("disabled"), None),
        Rotation::Unknown => (Some("unknown"), None),
    }
}

/// GetKeyRotationStatus of the customer keys that rotate on their own (the single-region keys
/// and the primary; a replica follows its primary), given as (side, key id), all at once: key id
/// → its rotation.
pub async fn rotation_statuses(ctx: &LabContext, keys: Vec<(Side, String)>) -> BTreeMap<String, Rotation> {
    let reads = keys.into_iter().map(|(side, key_id)| {
        let kms = &ctx.session.clients(side).kms;
        async move {
            let rotation = match aws::get_key_rotation_status(kms, &key_id).await {
                Ok(status) if status.key_rotation_enabled() => Rotation::On(status.rotation_period_in_days()),
                Ok(_) => Rotation::Off,
                Err(_) => Rotation::Unknown,
            };
            (key_id, rotation)
        }
    });
    futures::future::join_all(reads).await.into_iter().collect()
}

/// The id of the key playing `planned`'s part: the one this run made or reused, else the one found.
fn key_id_of<'a>(planned: &'a PlannedKey, in_use: &'a [KeyInUse]) -> Option<&'a str> {
    let wanted = &planned.wanted;
    in_use
        .iter()
        .find(|key| key.side == wanted.side && key.role == wanted.short_alias())
        .map(|key| key.key_id.as_str())
        .or(planned.existing.as_ref().map(|key| key.key_id.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::kms::Ownership;
    use common::regions::find;

    fn scenario() -> Scenario {
        Scenario::new(find("ap-northeast-1").unwrap(), find("us-west-2").unwrap(), "")
    }

    fn key(region: &str, id: &str, multi_region: Option<MultiRegionRole>, primary_region: &str) -> KeyInfo {
        KeyInfo {
            region: region.into(),
            key_id: id.into(),
            arn: format!("arn:aws:kms:{region}:123456789012:key/{id}"),
            aliases: Vec::new(),
            aws_managed: false,
            state: KeyState::Enabled,
            spec: Some(KeySpec::SymmetricDefault),
            usage: Some(KeyUsageType::EncryptDecrypt),
            multi_region,
            primary_arn: multi_region.map(|_| format!("arn:aws:kms:{primary_region}:123456789012:key/{id}")),
            replica_regions: Vec::new(),
            ownership: Ownership::NotLabs,
            deletion_date: None,
            foreign_grants: Vec::new(),
        }
    }

    #[test]
    fn the_walkthroughs_keys_pass() {
        let scenario = scenario();
        let primary = key("ap-northeast-1", "mrk-1", Some(MultiRegionRole::Primary), "ap-northeast-1");
        let replica = key("us-west-2", "mrk-1", Some(MultiRegionRole::Replica), "ap-northeast-1");
        let single = key("us-west-2", "1234", None, "");
        let wanted = |kind, side| scenario.key(kind, side);
        assert_eq!(check_key(&scenario, &wanted(KeyKind::MultiRegion, Side::Source), &primary, None), Ok(()));
        let replica_wanted = wanted(KeyKind::MultiRegion, Side::Destination);
        assert_eq!(check_key(&scenario, &replica_wanted, &replica, Some(&primary)), Ok(()));
        assert_eq!(check_key(&scenario, &wanted(KeyKind::SingleRegion, Side::Destination), &single, None), Ok(()));
    }

    #[test]
    fn a_key_rows_record_holds_raw_values_and_what_the_walkthrough_expects() {
        let scenario = scenario();
        let primary = key("ap-northeast-1", "mrk-1", Some(MultiRegionRole::Primary), "ap-northeast-1");
        let replica = key("us-west-2", "mrk-1", Some(MultiRegionRole::Replica), "ap-northeast-1");
        let rotations = BTreeMap::from([("mrk-1".to_string(), Rotation::On(Some(365)))]);
        let mut report = new_key_table();
        let wanted = |kind, side| scenario.key(kind, side);
        key_row(&mut report, &wanted(KeyKind::MultiRegion, Side::Source), Some(&primary), &rotations, Ok(()));
        key_row(&mut report, &wanted(KeyKind::MultiRegion, Side::Destination), Some(&replica), &rotations, Ok(()));
        let missing = Err("no key".to_string());
        key_row(&mut report, &wanted(KeyKind::SingleRegion, Side::Destination), None, &rotations, missing);
        let rows = report.to_json();

        let primary_row = &rows[0];
        assert_eq!(primary_row["check"], "key");
        assert_eq!(primary_row["alias"], "alias/Multi-region-key");
        assert_eq!(primary_row["key_arn"], "arn:aws:kms:ap-northeast-1:123456789012:key/mrk-1");
        assert_eq!(primary_row["multi_region_role"], "primary");
        assert_eq!((&primary_row["rotation"], &primary_row["rotation_period_days"]), (&"enabled".into(), &365.into()));
        assert_eq!(primary_row["expected"], primary_row["found"]);
        assert_eq!((&primary_row["ok"], &primary_row["message"]), (&true.into(), &serde_json::Value::Null));

        let replica_row = &rows[1];
        assert_eq!(replica_row["rotation"], "follows_primary");
        assert_eq!(replica_row["expected"]["multi_region_role"], "replica");
        assert_eq!(replica_row["found"]["region"], "us-west-2");

        let missing_row = &rows[2];
        assert_eq!(missing_row["region"], "us-west-2");
        assert!(missing_row["key_id"].is_null() && missing_row["found"].is_null(), "{missing_row}");
        assert_eq!(missing_row["expected"]["key_manager"], "CUSTOMER");
        assert_eq!(missing_row["expected"]["key_state"], "Enabled");
        assert_eq!((&missing_row["ok"], &missing_row["message"]), (&false.into(), &"no key".into()));
    }

    #[test]
    fn each_mistake_says_what_is_wrong_and_how_to_fix_it() {
        let scenario = scenario();
        let single_source = scenario.key(KeyKind::SingleRegion, Side::Source);
        let mrk_source = scenario.key(KeyKind::MultiRegion, Side::Source);
        let replica_wanted = scenario.key(KeyKind::MultiRegion, Side::Destination);
        let single = key("ap-northeast-1", "1234", None, "");

        let error = check_key(&scenario, &mrk_source, &single, None).unwrap_err();
        assert!(error.contains("multi-region cannot be turned on later"), "{error}");
        assert!(error.contains("aws kms update-alias --region ap-northeast-1 --alias-name alias/Multi-region-key"));

        let primary = key("ap-northeast-1", "mrk-1", Some(MultiRegionRole::Primary), "ap-northeast-1");
        let error = check_key(&scenario, &single_source, &primary, None).unwrap_err();
        assert!(error.contains("a multi-region PRIMARY key"), "{error}");

        let other = key("us-west-2", "mrk-2", Some(MultiRegionRole::Replica), "ap-northeast-1");
        let error = check_key(&scenario, &replica_wanted, &other, Some(&primary)).unwrap_err();
        assert!(error.contains("is a replica of arn:aws:kms:ap-northeast-1:123456789012:key/mrk-2"), "{error}");
        assert!(error.contains("--key-id mrk-1 --replica-region us-west-2"), "{error}");

        let mut asymmetric = single.clone();
        asymmetric.spec = Some(KeySpec::EccNistP256);
        asymmetric.usage = Some(KeyUsageType::SignVerify);
        let error = check_key(&scenario, &single_source, &asymmetric, None).unwrap_err();
        assert!(error.contains("is a ECC_NIST_P256 key for SIGN_VERIFY"), "{error}");

        let mut disabled = single.clone();
        disabled.state = KeyState::Disabled;
        let error = check_key(&scenario, &single_source, &disabled, None).unwrap_err();
        assert!(error.contains("aws kms enable-key --region ap-northeast-1 --key-id 1234"), "{error}");

        let mut pending = single;
        pending.state = KeyState::PendingDeletion;
        let error = check_key(&scenario, &single_source, &pending, None).unwrap_err();
        assert!(error.contains("aws kms cancel-key-deletion --region ap-northeast-1 --key-id 1234"), "{error}");
    }
}
