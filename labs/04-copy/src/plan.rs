//! Lab 04's discovery and plan: what exists in both regions, then which source snapshot is copied
//! with which destination key, checked before any copy (completed source snapshots, usable
//! destination keys), and which copies exist already.

use crate::lesson::PLAN_COLUMNS;
use crate::Args;
use anyhow::Result;
use common::ec2::{self, LabSnapshot};
use common::errors::Refusal;
use common::facts;
use common::kms::{KeyInfo, RegionKeys};
use common::manifest::{self, Makes};
use common::ownership::Made;
use common::scenario::{KeyKind, Side};
use common::text::pick;
use common::tr;
use common::ui::Report;
use common::LabContext;
use lab03_snapshots::find_snapshot;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What exists before the copy, read at once in both regions.
pub struct Found {
    /// The scenario's keys in the destination region.
    pub destination_keys: RegionKeys,
    /// The lab's snapshots in the source region (made by lab 03).
    pub source_snapshots: Vec<LabSnapshot>,
    /// The lab's copies already in the destination region.
    pub copies: Vec<LabSnapshot>,
}

/// The destination keys, the source snapshots and the earlier copies.
pub async fn find(ctx: &LabContext) -> Result<Found> {
    let (source, destination) = (&ctx.session.source, &ctx.session.destination);
    // Only the destination keys are needed; a replica belongs to the labs when its primary in
    // the source does.
    let wanted: Vec<_> = KeyKind::ALL.iter().map(|kind| ctx.scenario.key(*kind, Side::Destination)).collect();
    let (destination_keys, source_snapshots, copies) = futures::try_join!(
        RegionKeys::lookup(&destination.kms, destination.region, &ctx.scenario, &wanted, Some(&source.kms)),
        ec2::set_snapshots(source, &ctx.scenario, Made::Snapshot),
        ec2::set_snapshots(destination, &ctx.scenario, Made::Copy),
    )?;
    Ok(Found { destination_keys, source_snapshots, copies })
}

/// One copy the lab wants: which source snapshot, re-encrypted with which destination key.
#[derive(Debug, Clone)]
pub struct CopyPlan {
    pub source_kind: KeyKind,
    pub destination_kind: KeyKind,
    pub source: LabSnapshot,
    pub key: KeyInfo,
    /// Name tag (and ownership role) of the copy.
    pub name: String,
    /// A live copy an earlier run made under this name: reused, not copied again.
    pub existing: Option<LabSnapshot>,
}

/// Every copy of the run, in the order of the tables.
pub struct Plan {
    pub copies: Vec<CopyPlan>,
}

/// Decides the copies: the completed source snapshots (a refusal naming lab 03 otherwise), the
/// pairing (`--matrix`, `--key-for`, or asked), and the destination keys the pairs use, checked
/// usable; a copy that exists under its name is reused.
pub fn plan(ctx: &LabContext, args: &Args, found: &Found) -> Result<Plan> {
    let snapshots = completed_source_snapshots(ctx, &found.source_snapshots)?;
    let pairs = choose_pairs(ctx, args)?;
    // Only the keys the chosen pairs use, checked before any copy.
    let needed: Vec<KeyKind> = KeyKind::ALL.into_iter().filter(|kind| pairs.iter().any(|(_, d)| d == kind)).collect();
    let destination_keys =
        ctx.usable_keys(&found.destination_keys, Side::Destination, &needed).map_err(or_another_key)?;
    let copies = pairs
        .iter()
        .map(|(source_kind, destination_kind)| {
            let name = ctx.scenario.copy_name(*source_kind, *destination_kind);
            let existing =
                found.copies.iter().find(|c| c.is_live() && c.role.as_deref() == Some(name.as_str())).cloned();
            CopyPlan {
                source_kind: *source_kind,
                destination_kind: *destination_kind,
                source: snapshots[source_kind].clone(),
                key: destination_keys[destination_kind].clone(),
                name,
                existing,
            }
        })
        .collect();
    Ok(Plan { copies })
}

impl Plan {
    /// The copies to start (those not made before).
    pub fn to_copy(&self) -> Vec<&CopyPlan> {
        self.copies.iter().filter(|copy| copy.existing.is_none()).collect()
    }

    pub fn has_changes(&self) -> bool {
        !self.to_copy().is_empty()
    }

    /// Copies made by an earlier run and still `pending`: waited for with the new ones.
    pub fn already_running(&self) -> Vec<String> {
        self.copies
            .iter()
            .filter_map(|copy| copy.existing.as_ref())
            .filter(|c| c.state == "pending")
            .map(|c| c.id.clone())
            .collect()
    }

    /// The plan table: each copy's source, destination key, action and estimated cost.
    pub fn report(&self, ctx: &LabContext) -> Report {
        let mut plan = Report::new("plan", pick("Plan", "計画"), &PLAN_COLUMNS);
        for copy in &self.copies {
            let local = ctx.session.endpoint.is_local();
            let mut record = json!({
                "resource": "ebs_snapshot_copy",
                "name": copy.name,
                "region": ctx.scenario.destination.code,
                "source_snapshot_id": copy.source.id,
                "source_key_kind": copy.source_kind,
                "destination_key_kind": copy.destination_kind,
                "destination_key_arn": copy.key.arn,
                "action": if copy.existing.is_some() { "reuse" } else { "copy" },
                "copy_snapshot_id": copy.existing.as_ref().map(|existing| &existing.id),
                "state": copy.existing.as_ref().map(|existing| &existing.state),
                // The transfer is charged by the GB copied, once: no monthly figure on AWS.
                "cost_usd_per_month": if copy.existing.is_some() || local { json!(0) } else { Value::Null },
            });
            let (action, cost) = match &copy.existing {
                Some(existing) => common::context::reuse_plan(&existing.id, &existing.state),
                None => (
                    tr!(
                        "copy to {region} as {name}",
                        "{region} へ {name} としてコピー",
                        region = ctx.session.destination.region,
                        name = copy.name
                    ),
                    if local {
                        tr!("free (emulator)", "無料 (エミュレーター)")
                    } else {
                        facts::INTER_REGION_TRANSFER.text().into()
                    },
                ),
            };
            record["message"] = action.clone().into();
            plan.row_with(vec![copy.source.name.clone(), copy.key.display_name().into(), action, cost], None, record);
        }
        plan
    }

    /// The confirmation asked before copying.
    pub fn question(&self, ctx: &LabContext) -> String {
        tr!(
            "Copy {count} snapshot(s) from {source} to {destination}?",
            "{source} から{destination} へ、スナップショットを {count} 個コピーしますか？",
            count = self.to_copy().len(),
            source = ctx.session.source.region,
            destination = ctx.session.destination.region
        )
    }
}

/// The completed lab snapshot of each kind; a refusal naming lab 03 otherwise.
fn completed_source_snapshots(ctx: &LabContext, snapshots: &[LabSnapshot]) -> Result<BTreeMap<KeyKind, LabSnapshot>> {
    completed_sources(ctx, |kind| find_snapshot(ctx, snapshots, kind))
}

/// The completed source snapshot of each kind, as `pick` finds it (by the lab's tags, or by Name
/// for `--check`); a refusal naming lab 03 when one is missing or not completed yet.
pub fn completed_sources<'a>(
    ctx: &LabContext,
    pick: impl Fn(KeyKind) -> Option<&'a LabSnapshot>,
) -> Result<BTreeMap<KeyKind, LabSnapshot>> {
    let mut found = BTreeMap::new();
    let mut missing = Vec::new();
    for kind in KeyKind::ALL {
        match pick(kind) {
            Some(snapshot) if snapshot.state == "completed" => {
                found.insert(kind, snapshot.clone());
            }
            Some(snapshot) => missing.push(tr!(
                "snapshot {name} ({id}) is still {state}: run {snapshots_lab} again to wait for it",
                "スナップショット {name} ({id}) はまだ {state} です。{snapshots_lab} をもう一度実行して完了を待ってください",
                snapshots_lab = manifest::lab_that_makes(Makes::Snapshots).id,
                name = snapshot.name,
                id = snapshot.id,
                state = snapshot.state
            )),
            None => missing.push(tr!(
                "snapshot {name} in {region}",
                "{region} のスナップショット {name}",
                name = ctx.scenario.snapshot_name(kind),
                region = ctx.scenario.source
            )),
        }
    }
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(ctx.needs(Makes::Snapshots, &missing))
    }
}

/// The pairs `args` ask for without asking anything: `--matrix`, else `--key-for`, else the
/// matching key type (what `--check` checks).
pub fn pairs_without_asking(args: &Args) -> Vec<(KeyKind, KeyKind)> {
    if args.matrix {
        return KeyKind::ALL.into_iter().flat_map(|s| KeyKind::ALL.into_iter().map(move |d| (s, d))).collect();
    }
    KeyKind::ALL
        .into_iter()
        .map(|source| match args.key_for.iter().find(|(s, _)| *s == source) {
            Some(pair) => *pair,
            None => (source, source),
        })
        .collect()
}

/// Which destination key type each source snapshot is copied with.
fn choose_pairs(ctx: &LabContext, args: &Args) -> Result<Vec<(KeyKind, KeyKind)>> {
    if args.matrix {
        return Ok(KeyKind::ALL.into_iter().flat_map(|s| KeyKind::ALL.into_iter().map(move |d| (s, d))).collect());
    }
    let options: Vec<String> = KeyKind::ALL
        .iter()
        .map(|kind| format!("{} ({})", ctx.scenario.key(*kind, Side::Destination).short_alias(), kind))
        .collect();
    let mut pairs = Vec::new();
    for source_kind in KeyKind::ALL {
        let destination_kind = match args.key_for.iter().find(|(s, _)| *s == source_kind) {
            Some((_, destination_kind)) => *destination_kind,
            None => {
                let default = KeyKind::ALL.iter().position(|k| *k == source_kind).unwrap_or(0);
                let question = tr!(
                    "Re-encrypt the copy of {snapshot} with which key in {region}?",
                    "{snapshot} のコピーを、{region} のどのキーで再暗号化しますか？",
                    snapshot = ctx.scenario.snapshot_name(source_kind),
                    region = ctx.scenario.destination
                );
                KeyKind::ALL[ctx.ui.choose(&question, &options, default)?]
            }
        };
        pairs.push((source_kind, destination_kind));
    }
    Ok(pairs)
}

/// A refusal of the destination keys also offers what only this lab can do: another key type.
pub fn or_another_key(error: anyhow::Error) -> anyhow::Error {
    match error.downcast::<Refusal>() {
        Ok(mut refusal) => {
            refusal.hint.push_str(&tr!(
                ", or choose another destination key with --key-for",
                "。または --key-for で別のコピー先キーを選んでください"
            ));
            refusal.into()
        }
        Err(other) => other,
    }
}
