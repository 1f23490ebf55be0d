//! Lab 03, the snapshots: a snapshot of each lab volume, Name and description as in the
//! walkthrough, all started together and waited for together until `completed`; verified by
//! describing them afresh (encrypted, with the volume's key).
//!
//! The SDK call this lab makes itself (`CreateSnapshot`) is in `aws.rs`; the reads and the wait
//! are shared ones from `common`; the teaching text is in `lesson.rs`, the checks in `verify.rs`.

mod aws;
mod check;
mod lesson;
mod verify;

use anyhow::{Context, Result};
use common::ec2::{self, LabSnapshot, LabVolume, WaitPolicy};
use common::facts;
use common::hands_on::{self, Guide};
use common::kms::RegionKeys;
use common::manifest::Makes;
use common::ownership::Made;
use common::scenario::KeyKind;
use common::text::pick;
use common::tr;
use common::ui::Report;
use common::LabContext;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const LAB_ID: &str = "03-snapshots";

common::common_args_only!(
    "03-snapshots",
    "Lab 03: a snapshot of each lab volume, waited until completed",
    about_ja = "ラボ 03: ラボの各ボリュームのスナップショットを作成し、completed になるまで待ちます"
);

/// What `--check`, `--adopt` and `--yourself` show: the lab page's "do it yourself" section,
/// the explanation and the summary.
const GUIDE: Guide = Guide {
    readme: [include_str!("../README.md"), include_str!("../README.ja.md")],
    explain: lesson::explain,
    summary: lesson::summary,
};

/// Runs the lab: explain, find what exists, plan, confirm, start the missing snapshots, wait
/// until all are completed, verify. With `--check`, `--adopt` or `--yourself`, the learner does
/// the step and the lab checks it (`check.rs`).
pub async fn run(ctx: LabContext, _args: Args) -> Result<()> {
    if let Some(mode) = ctx.args.hands_on() {
        return hands_on::drive(&ctx, mode, &GUIDE, || check::check(&ctx)).await;
    }
    lesson::explain(&ctx);
    let found = find(&ctx).await?;
    let plan = plan(&ctx, &found);
    if !ctx.approve(&plan.report(&ctx, &found), plan.has_changes(), &plan.question(&ctx))? {
        return Ok(());
    }
    let snapshot_ids = start_snapshots(&ctx, &found, &plan).await?;
    let finished = wait_until_completed(&ctx, &snapshot_ids).await?;
    ctx.conclude(&verify::verify(&ctx, &found, &finished), &lesson::summary())
}

/// The lab's live volume for each kind; a refusal naming the lab that makes volumes (02) when
/// any is missing.
pub async fn source_volumes(ctx: &LabContext) -> Result<BTreeMap<KeyKind, LabVolume>> {
    let source = &ctx.session.source;
    let volumes = ec2::set_volumes(&ctx.session.source, &ctx.scenario).await?;
    let mut found = BTreeMap::new();
    let mut missing = Vec::new();
    for kind in KeyKind::ALL {
        let name = ctx.scenario.volume_name(kind);
        match volumes.iter().find(|v| v.is_live() && v.role() == Some(name.as_str())) {
            Some(volume) => {
                found.insert(kind, volume.clone());
            }
            None => {
                missing.push(tr!("volume {name} in {region}", "{region} のボリューム {name}", region = source.region))
            }
        }
    }
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(ctx.needs(Makes::Volumes, &missing))
    }
}

/// The lab's snapshot for `kind` among `snapshots`, if one is live.
pub fn find_snapshot<'a>(ctx: &LabContext, snapshots: &'a [LabSnapshot], kind: KeyKind) -> Option<&'a LabSnapshot> {
    let name = ctx.scenario.snapshot_name(kind);
    snapshots.iter().find(|s| s.is_live() && s.role.as_deref() == Some(name.as_str()))
}

/// What exists in the source region before the lab changes anything.
struct Found {
    /// The lab's volume for each kind of key (all three, or the lab has refused).
    volumes: BTreeMap<KeyKind, LabVolume>,
    /// The lab's snapshots, in any state.
    snapshots: Vec<LabSnapshot>,
    /// The region's aliases, to name each snapshot's key in the verification table.
    keys: RegionKeys,
}

/// Reads the volumes, the snapshots and the key aliases at once (they are independent).
async fn find(ctx: &LabContext) -> Result<Found> {
    let source = &ctx.session.source;
    let (volumes, snapshots, keys) = futures::try_join!(
        source_volumes(ctx),
        ec2::set_snapshots(source, &ctx.scenario, Made::Snapshot),
        RegionKeys::aliases_only(&source.kms, source.region),
    )?;
    Ok(Found { volumes, snapshots, keys })
}

/// What the lab does for one volume.
enum Action {
    /// A live snapshot of the lab exists already (pending or completed): wait for it, make none.
    Reuse {
        id: String,
        state: String,
    },
    Create,
}

/// One action per kind of key, in the walkthrough's order.
struct Plan {
    actions: BTreeMap<KeyKind, Action>,
}

/// Reuses each snapshot that exists, so a re-run never makes duplicates; creates the rest.
fn plan(ctx: &LabContext, found: &Found) -> Plan {
    let actions = KeyKind::ALL.into_iter().map(|kind| {
        let action = match find_snapshot(ctx, &found.snapshots, kind) {
            Some(snapshot) => Action::Reuse { id: snapshot.id.clone(), state: snapshot.state.clone() },
            None => Action::Create,
        };
        (kind, action)
    });
    Plan { actions: actions.collect() }
}

impl Plan {
    fn to_create(&self) -> impl Iterator<Item = KeyKind> + '_ {
        self.actions.iter().filter(|(_, action)| matches!(action, Action::Create)).map(|(kind, _)| *kind)
    }

    fn reused_ids(&self) -> impl Iterator<Item = String> + '_ {
        self.actions.values().filter_map(|action| match action {
            Action::Reuse { id, .. } => Some(id.clone()),
            Action::Create => None,
        })
    }

    fn has_changes(&self) -> bool {
        self.to_create().next().is_some()
    }

    /// The plan table: each snapshot's volume, action and estimated cost.
    fn report(&self, ctx: &LabContext, found: &Found) -> Report {
        let mut report = Report::new("plan", pick("Plan", "計画"), &lesson::PLAN_COLUMNS);
        for (kind, action) in &self.actions {
            let volume = &found.volumes[kind];
            let name = ctx.scenario.snapshot_name(*kind);
            let local = ctx.session.endpoint.is_local();
            let (action, cost, (verb, id, state, usd)) = match action {
                Action::Reuse { id, state } => {
                    let (action, cost) = common::context::reuse_plan(id, state);
                    (action, cost, ("reuse", Some(id), Some(state), json!(0)))
                }
                Action::Create => {
                    let cost = if local {
                        tr!("free (emulator)", "無料 (エミュレーター)")
                    } else {
                        facts::SNAPSHOT_STORAGE.text().to_string()
                    };
                    // A snapshot's price depends on the data it stores: no figure on AWS.
                    let usd = if local { json!(0) } else { Value::Null };
                    let action = tr!("snapshot {id}", "{id} のスナップショットを作成します", id = volume.id);
                    (action, cost, ("create", None, None, usd))
                }
            };
            let record = json!({
                "resource": "ebs_snapshot",
                "name": name,
                "region": ctx.scenario.source.code,
                "volume_id": volume.id,
                "action": verb,
                "snapshot_id": id,
                "state": state,
                "cost_usd_per_month": usd,
                "message": action,
            });
            report.row_with(vec![name, volume.id.clone(), action, cost], None, record);
        }
        report
    }

    fn question(&self, ctx: &LabContext) -> String {
        let count = self.to_create().count();
        tr!(
            "Create {count} snapshot(s) in {region}?",
            "{region} にスナップショットを {count} 個作成しますか？",
            region = ctx.session.source.region
        )
    }
}

/// Starts the planned snapshots together; returns every snapshot to wait for, the new ones first.
async fn start_snapshots(ctx: &LabContext, found: &Found, plan: &Plan) -> Result<Vec<String>> {
    let creates =
        plan.to_create().map(|kind| start_snapshot(ctx, &found.volumes[&kind], ctx.scenario.snapshot_name(kind)));
    let mut ids = futures::future::try_join_all(creates).await?;
    ids.extend(plan.reused_ids());
    Ok(ids)
}

/// One snapshot of `volume`, named `name`; says so once AWS has accepted it.
async fn start_snapshot(ctx: &LabContext, volume: &LabVolume, name: String) -> Result<String> {
    let id = aws::create_snapshot(&ctx.session.source.ec2, &volume.id, &name, &ctx.scenario.prefix)
        .await
        .with_context(|| {
            tr!(
                "creating snapshot {name} of {volume} in {region}",
                "{region} で {volume} のスナップショット {name} を作成中",
                volume = volume.id,
                region = ctx.scenario.source
            )
        })?
        .with_context(|| {
            tr!("CreateSnapshot returned no snapshot id", "CreateSnapshot の応答にスナップショット ID がありません")
        })?;
    ctx.ui.say(&tr!(
        "started snapshot {id} ({name}) of {volume}",
        "{volume} のスナップショット {id} ({name}) の作成を開始しました",
        volume = volume.id
    ));
    Ok(id)
}

/// The snapshots as the wait last described them.
struct Finished {
    snapshots: Vec<LabSnapshot>,
    /// The snapshots that ended in `error`: id → StateMessage.
    failures: BTreeMap<String, String>,
}

/// Waits for all of `ids` with one DescribeSnapshots per round, until each is completed or failed.
async fn wait_until_completed(ctx: &LabContext, ids: &[String]) -> Result<Finished> {
    let policy = WaitPolicy::minutes(ctx.args.max_wait_minutes);
    let what = tr!("snapshot", "スナップショット");
    let (failures, snapshots) = ec2::wait_for_snapshots(&ctx.ui, &ctx.session.source.ec2, &what, ids, policy).await?;
    Ok(Finished { snapshots, failures })
}
