//! The verification of lab 01: the six keys described afresh, each checked against the
//! walkthrough, with the rotation status of the customer keys that rotate on their own.

use crate::aws;
use crate::lesson::KEY_COLUMNS;
use crate::plan::{Plan, PlannedKey};
use anyhow::Result;
use common::kms::{AwsEbs, KeyInUse, KeyInfo, LabKeys, MultiRegionRole};
use common::scenario::{KeyKind, ScenarioKey, Side};
use common::tr;
use common::ui::Report;
use common::LabContext;
use std::collections::BTreeMap;

/// Describes the six keys afresh and checks each; the rotation status is read meanwhile.
/// Ownership is known (found by tags, or made just now), and `aws/ebs` exists in both regions now.
pub async fn verify(ctx: &LabContext, found: &LabKeys, plan: &Plan, in_use: &[KeyInUse]) -> Result<Report> {
    let (after, rotations) = futures::try_join!(
        found.refresh(&ctx.session.source, &ctx.session.destination, in_use, AwsEbs::Describe),
        async { Ok(rotation_statuses(ctx, plan, in_use).await) }
    )?;
    Ok(key_table(ctx, &after, &rotations))
}

/// The table of the six keys, as just described, with a ✓ or ✗ each.
fn key_table(ctx: &LabContext, found: &LabKeys, rotations: &BTreeMap<String, String>) -> Report {
    let mut report =
        Report::new("keys", tr!("The six keys of the walkthrough", "ウォークスルーの 6 つのキー"), &KEY_COLUMNS);
    let primary = found.source.scenario_key(&ctx.scenario.key(KeyKind::MultiRegion, Side::Source)).cloned();
    for wanted in ctx.scenario.keys() {
        let region_keys = match wanted.side {
            Side::Source => &found.source,
            Side::Destination => &found.destination,
        };
        let Some(key) = region_keys.scenario_key(&wanted) else {
            report.row(
                vec![
                    wanted.short_alias().into(),
                    wanted.region.to_string(),
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    tr!("missing", "存在しない"),
                    "—".into(),
                ],
                Some(Err(tr!("no such key", "キーが存在しません"))),
            );
            continue;
        };
        let check = check_key(&wanted, key, primary.as_ref());
        let rotation = rotation_label(key, rotations);
        report.row(
            vec![
                wanted.short_alias().into(),
                wanted.region.to_string(),
                key.key_id.clone(),
                if key.aws_managed { "AWS".into() } else { tr!("customer", "カスタマー") },
                key.role_label(),
                key.state.as_str().into(),
                rotation,
            ],
            Some(check),
        );
    }
    report
}

/// What the walkthrough expects of one key.
pub fn check_key(wanted: &ScenarioKey, key: &KeyInfo, primary: Option<&KeyInfo>) -> Result<(), String> {
    if let Some(problem) = key.unusable_for_ebs(wanted.region.code) {
        return Err(problem);
    }
    match (wanted.kind, wanted.side) {
        (KeyKind::AwsManaged, _) if !key.aws_managed => Err(tr!("not AWS managed", "AWS マネージドキーではありません")),
        (KeyKind::SingleRegion, _) if key.aws_managed || key.multi_region.is_some() => Err(tr!(
            "not a customer managed single-region key",
            "カスタマーマネージドの単一リージョンキーではありません"
        )),
        (KeyKind::MultiRegion, Side::Source) if key.multi_region != Some(MultiRegionRole::Primary) => {
            Err(tr!("not a multi-region primary", "マルチリージョンプライマリキーではありません"))
        }
        (KeyKind::MultiRegion, _) if !key.key_id.starts_with("mrk-") => Err(tr!(
            "multi-region key id must start with mrk-",
            "マルチリージョンキーのキー ID は mrk- で始まる必要があります"
        )),
        (KeyKind::MultiRegion, Side::Destination) => match primary {
            _ if key.multi_region != Some(MultiRegionRole::Replica) => {
                Err(tr!("not a multi-region replica", "マルチリージョンレプリカキーではありません"))
            }
            Some(primary) if key.primary_arn.as_deref() == Some(primary.arn.as_str()) => Ok(()),
            _ => Err(tr!("not a replica of the lab's primary", "ラボのプライマリキーのレプリカキーではありません")),
        },
        _ => Ok(()),
    }
}

/// The rotation cell: AWS managed keys and replicas need no call; other keys were asked.
fn rotation_label(key: &KeyInfo, rotations: &BTreeMap<String, String>) -> String {
    if key.aws_managed {
        return tr!("yearly, by AWS", "毎年 (AWS が自動で実施)");
    }
    if key.multi_region == Some(MultiRegionRole::Replica) {
        return tr!("set on the primary", "プライマリキーで設定");
    }
    rotations.get(&key.key_id).cloned().unwrap_or_else(|| tr!("unknown", "不明"))
}

/// GetKeyRotationStatus of the customer keys that rotate on their own (the single-region keys
/// and the primary; a replica follows its primary), all at once: key id → the rotation cell.
async fn rotation_statuses(ctx: &LabContext, plan: &Plan, in_use: &[KeyInUse]) -> BTreeMap<String, String> {
    let rotating = [&plan.single_source, &plan.single_destination, &plan.primary];
    let reads = rotating.into_iter().filter_map(|planned| {
        let key_id = key_id_of(planned, in_use)?;
        let kms = &ctx.session.clients(planned.wanted.side).kms;
        Some(async move {
            let label = match aws::get_key_rotation_status(kms, key_id).await {
                Ok(status) if status.key_rotation_enabled() => match status.rotation_period_in_days() {
                    Some(days) => tr!("on, every {days} days", "有効 ({days} 日ごと)"),
                    None => tr!("on", "有効"),
                },
                Ok(_) => tr!("off (optional)", "無効 (任意で有効化)"),
                Err(_) => tr!("unknown", "不明"),
            };
            (key_id.to_string(), label)
        })
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
