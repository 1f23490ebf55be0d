//! Lab 02's plan: one volume per key type, reusing a live volume the labs made before and
//! creating the missing ones in one availability zone (`--az`, or the first available zone).

use crate::{aws, lesson, Found, SIZE_GIB};
use anyhow::{Context, Result};
use aws_sdk_ec2::types::AvailabilityZoneState;
use aws_sdk_ec2::Client;
use common::ec2::LabVolume;
use common::errors::UsageError;
use common::facts;
use common::kms::KeyInfo;
use common::regions::RegionInfo;
use common::scenario::KeyKind;
use common::text::pick;
use common::tr;
use common::ui::Report;
use common::LabContext;
use serde_json::json;

/// What the lab does about one volume of the walkthrough.
pub enum Action {
    /// A live volume with this Name exists: keep it.
    Reuse(LabVolume),
    /// Create it in this availability zone.
    Create { zone: String },
}

/// One volume of the walkthrough: its Name tag, the key that encrypts it, and what to do.
pub struct PlannedVolume {
    pub name: String,
    pub key: KeyInfo,
    pub action: Action,
}

/// The lab's plan: one volume per key type, in `KeyKind::ALL` order.
pub struct Plan {
    pub volumes: Vec<PlannedVolume>,
}

/// Reuses each live volume the labs made for a key and creates the others.
pub async fn plan(ctx: &LabContext, found: &Found, asked_zone: Option<&str>) -> Result<Plan> {
    let source = &ctx.session.source;
    // The zone of the new volumes: listed once, when the first missing volume is planned.
    let mut new_zone: Option<String> = None;
    let mut volumes = Vec::new();
    for kind in KeyKind::ALL {
        let name = ctx.scenario.volume_name(kind);
        let existing = found.volumes.iter().find(|volume| volume.is_live() && volume.role() == Some(name.as_str()));
        let action = match existing {
            Some(volume) => Action::Reuse(volume.clone()),
            None => {
                let zone = match &new_zone {
                    Some(zone) => zone.clone(),
                    None => new_zone.insert(pick_zone(&source.ec2, source.region, asked_zone).await?).clone(),
                };
                Action::Create { zone }
            }
        };
        volumes.push(PlannedVolume { name, key: found.keys[&kind].clone(), action });
    }
    Ok(Plan { volumes })
}

impl PlannedVolume {
    /// The zone to create it in; `None` when it exists and is reused.
    pub fn new_zone(&self) -> Option<&str> {
        match &self.action {
            Action::Create { zone } => Some(zone),
            Action::Reuse(_) => None,
        }
    }

    /// The volume reused as it is; `None` when it is to be created.
    pub fn reused(&self) -> Option<&LabVolume> {
        match &self.action {
            Action::Reuse(existing) => Some(existing),
            Action::Create { .. } => None,
        }
    }
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.volumes.iter().any(|volume| volume.new_zone().is_some())
    }

    /// The plan table: each volume's Name, key, action and estimated cost; in `--output json`,
    /// each volume's action as data (docs/schemas/02-volumes.schema.json).
    pub fn report(&self, ctx: &LabContext) -> Report {
        let mut report = Report::new("plan", pick("Plan", "計画"), &lesson::PLAN_COLUMNS);
        let local = ctx.session.endpoint.is_local();
        let region = ctx.scenario.source.code;
        for volume in &self.volumes {
            let (action, cost) = match &volume.action {
                Action::Reuse(existing) => common::context::reuse_plan(&existing.id, &existing.state),
                Action::Create { zone } => (
                    tr!(
                        "create {SIZE_GIB} GiB gp3 volume in {zone}, encrypted",
                        "{zone} に {SIZE_GIB} GiB の gp3 ボリュームを暗号化して作成します"
                    ),
                    if local {
                        tr!("free (emulator)", "無料 (エミュレーター)")
                    } else {
                        facts::GP3_VOLUME_8GIB.text().into()
                    },
                ),
            };
            let (name, id, zone, usd) = match &volume.action {
                Action::Reuse(existing) => ("reuse", Some(existing.id.as_str()), existing.zone.as_str(), 0.0),
                Action::Create { zone } => {
                    let usd = if local { 0.0 } else { f64::from(SIZE_GIB) * facts::gp3_usd_per_gb_month(region) };
                    ("create", None, zone.as_str(), usd)
                }
            };
            let record = json!({
                "resource": "ebs_volume",
                "name": volume.name,
                "region": region,
                "availability_zone": zone,
                "action": name,
                "id": id,
                "kms_key_arn": volume.key.arn,
                "key_alias": volume.key.aliases.first(),
                "cost_usd_per_month": usd,
                "message": action,
            });
            report.row_with(vec![volume.name.clone(), volume.key.display_name().into(), action, cost], None, record);
        }
        report
    }

    /// The confirmation question (asked only when there is something to create).
    pub fn question(&self) -> String {
        let zones: Vec<&str> = self.volumes.iter().filter_map(PlannedVolume::new_zone).collect();
        let (count, zone) = (zones.len(), zones.first().copied().unwrap_or_default());
        tr!(
            "Create {count} encrypted volume(s) in {zone}?",
            "{zone} に暗号化されたボリュームを {count} 個作成しますか？"
        )
    }
}

/// `--az` if it is an available zone of the region, otherwise the first available zone.
async fn pick_zone(ec2: &Client, region: &RegionInfo, asked: Option<&str>) -> Result<String> {
    let output = aws::describe_availability_zones(ec2).await.with_context(|| {
        tr!("listing the availability zones of {region}", "{region} のアベイラビリティーゾーンの一覧を取得中")
    })?;
    let mut zones: Vec<String> = output
        .availability_zones()
        .iter()
        .filter(|zone| zone.state() == Some(&AvailabilityZoneState::Available))
        .filter_map(|zone| zone.zone_name().map(str::to_string))
        .filter(|name| name.starts_with(region.code))
        .collect();
    zones.sort();
    match asked {
        Some(zone) if zones.iter().any(|z| z == zone) => Ok(zone.to_string()),
        Some(zone) => Err(UsageError(tr!(
            "--az {zone} is not an available zone of {region}; choose one of: {choices}",
            "--az {zone} は {region} で利用できるアベイラビリティーゾーンではありません。\
             次のいずれかを指定してください: {choices}",
            choices = zones.join(", ")
        ))
        .into()),
        None => zones.into_iter().next().with_context(|| {
            tr!("{region} reports no available zone", "{region} には利用できるアベイラビリティーゾーンがありません")
        }),
    }
}
