//! Lab 03, the snapshots: a snapshot of each lab volume, Name and description as in the
//! walkthrough, all started together and waited for together until `completed`; verified by
//! describing them afresh (encrypted, with the volume's key).

use anyhow::{Context, Result};
use aws_sdk_ec2::types::ResourceType;
use aws_sdk_ec2::Client;
use common::ec2::{self, LabSnapshot, LabVolume, WaitPolicy};
use common::errors::AwsResultExt;
use common::facts;
use common::kms::RegionKeys;
use common::scenario::KeyKind;
use common::tags;
use common::ui::Report;
use common::LabContext;
use std::collections::BTreeMap;

pub const LAB_ID: &str = "03-snapshots";

common::common_args_only!("03-snapshots", "Lab 03: a snapshot of each lab volume, waited until completed");

/// The lab's live volume for each kind; a refusal naming lab 02 when any is missing.
pub async fn source_volumes(ctx: &LabContext) -> Result<BTreeMap<KeyKind, LabVolume>> {
    let source = &ctx.session.source;
    let volumes = ec2::lab_volumes(&source.ec2)
        .await
        .with_context(|| format!("listing the lab's volumes in {}", source.region))?;
    let mut found = BTreeMap::new();
    let mut missing = Vec::new();
    for kind in KeyKind::ALL {
        let name = ctx.scenario.volume_name(kind);
        match volumes.iter().find(|v| v.is_live() && v.role.as_deref() == Some(name.as_str())) {
            Some(volume) => {
                found.insert(kind, volume.clone());
            }
            None => missing.push(format!("volume {name} in {}", source.region)),
        }
    }
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(ctx.needs_lab("02-volumes", &missing))
    }
}

/// The lab's snapshot for `kind` among `snapshots`, if one is live.
pub fn find_snapshot<'a>(ctx: &LabContext, snapshots: &'a [LabSnapshot], kind: KeyKind) -> Option<&'a LabSnapshot> {
    let name = ctx.scenario.snapshot_name(kind);
    snapshots.iter().find(|s| s.is_live() && s.role.as_deref() == Some(name.as_str()))
}

/// Runs the lab.
pub async fn run(ctx: LabContext, _args: Args) -> Result<()> {
    let ui = &ctx.ui;
    let source = &ctx.session.source;
    explain(&ctx);
    // Independent reads at once; the aliases name the keys in the verification table.
    let (volumes, existing, keys) = futures::try_join!(
        source_volumes(&ctx),
        async {
            ec2::lab_snapshots(&source.ec2)
                .await
                .with_context(|| format!("listing the lab's snapshots in {}", source.region))
        },
        RegionKeys::aliases_only(&source.kms, source.region),
    )?;

    let mut plan = Report::new(
        "plan",
        "Plan",
        &[("Name", "名前"), ("Volume", "ボリューム"), ("Action", "処理"), ("Cost (estimate)", "費用 (概算)")],
    );
    let mut to_create = Vec::new();
    for kind in KeyKind::ALL {
        let volume = &volumes[&kind];
        let (action, cost) = match find_snapshot(&ctx, &existing, kind) {
            Some(snapshot) => (format!("exists: reuse {} ({})", snapshot.id, snapshot.state), "no change".to_string()),
            None => {
                to_create.push(kind);
                let cost =
                    if ctx.session.endpoint.is_local() { "free (emulator)" } else { facts::SNAPSHOT_STORAGE.value };
                (format!("snapshot {}", volume.id), cost.to_string())
            }
        };
        plan.row(vec![ctx.scenario.snapshot_name(kind), volume.id.clone(), action, cost], None);
    }
    let question = format!("Create {} snapshot(s) in {}?", to_create.len(), source.region);
    if !ctx.approve(&plan, !to_create.is_empty(), &question)? {
        return Ok(());
    }

    let creates = to_create
        .iter()
        .map(|kind| create_snapshot(&ctx, &source.ec2, ctx.scenario.snapshot_name(*kind), &volumes[kind]));
    let mut ids = futures::future::try_join_all(creates).await?;
    ids.extend(KeyKind::ALL.into_iter().filter_map(|kind| find_snapshot(&ctx, &existing, kind)).map(|s| s.id.clone()));
    let policy = WaitPolicy::minutes(ctx.args.max_wait_minutes);
    let (failures, after) = ec2::wait_for_snapshots(ui, &source.ec2, "snapshot", &ids, policy).await?;
    let report = verify(&ctx, &volumes, &after, &keys, &failures);
    ctx.conclude(
        &report,
        "Each snapshot is encrypted with its volume's key: a snapshot cannot choose another key. To change\n\
         the key you copy the snapshot, which is what lab 04 does, into another region.",
    )
}

fn explain(ctx: &LabContext) {
    ctx.ui.heading(&format!("Lab {}: {}", ctx.lab.id, ctx.lab.title));
    ctx.ui.teach(&format!(
        "A snapshot of an encrypted volume is encrypted with the same KMS key as the volume. This lab takes\n\
         one snapshot of each lab volume in {}, starts all three at once, and waits until each is\n\
         `completed` (on AWS that can take minutes; at most 5 snapshots of one gp3 volume may be pending).",
        ctx.scenario.source
    ));
}

async fn create_snapshot(ctx: &LabContext, ec2_client: &Client, name: String, volume: &LabVolume) -> Result<String> {
    let name = name.as_str();
    let output = ec2_client
        .create_snapshot()
        .volume_id(&volume.id)
        .description(name)
        .tag_specifications(tags::ec2_tag_spec(ResourceType::Snapshot, LAB_ID, name))
        .send()
        .await
        .aws("ec2:CreateSnapshot")
        .with_context(|| format!("creating snapshot {name} of {} in {}", volume.id, ctx.scenario.source))?;
    let id = output.snapshot_id().context("CreateSnapshot returned no snapshot id")?.to_string();
    ctx.ui.say(&format!("started snapshot {id} ({name}) of {}", volume.id));
    Ok(id)
}

/// What the walkthrough expects of one snapshot.
pub fn check_snapshot(snapshot: &LabSnapshot, volume: &LabVolume) -> Result<(), String> {
    if snapshot.state == "error" {
        return Err(format!("error: {}", snapshot.state_message.as_deref().unwrap_or("no StateMessage")));
    }
    if snapshot.volume_id != volume.id {
        return Err(format!("taken from {}, expected {}", snapshot.volume_id, volume.id));
    }
    if !snapshot.encrypted {
        return Err("not encrypted".into());
    }
    // AWS always reports the key of an encrypted snapshot; the emulator leaves it out for
    // snapshots made by CreateSnapshot, whose key is then the volume's by construction.
    if snapshot.kms_key_id.is_some() && snapshot.kms_key_id != volume.kms_key_id {
        return Err(format!("key {} differs from the volume's", snapshot.kms_key_id.as_deref().unwrap_or("none")));
    }
    if snapshot.state != "completed" {
        return Err(format!("state {}", snapshot.state));
    }
    Ok(())
}

fn verify(
    ctx: &LabContext,
    volumes: &BTreeMap<KeyKind, LabVolume>,
    snapshots: &[LabSnapshot],
    keys: &RegionKeys,
    failures: &BTreeMap<String, String>,
) -> Report {
    let mut report = Report::new(
        "snapshots",
        format!("The lab's snapshots in {}", ctx.scenario.source),
        &[
            ("Name", "名前"),
            ("Snapshot ID", "スナップショット ID"),
            ("Volume", "ボリューム"),
            ("Key", "キー"),
            ("Encrypted", "暗号化"),
            ("State", "状態"),
        ],
    );
    let key_name = |arn: Option<&str>| keys.name_of_arn(arn.unwrap_or("—"));
    for kind in KeyKind::ALL {
        let name = ctx.scenario.snapshot_name(kind);
        let volume = &volumes[&kind];
        // A snapshot that failed is no longer "live"; show it with its message.
        let snapshot = find_snapshot(ctx, snapshots, kind).or_else(|| {
            snapshots.iter().find(|s| failures.contains_key(&s.id) && s.role.as_deref() == Some(name.as_str()))
        });
        match snapshot {
            None => report.row(
                vec![name, "—".into(), volume.id.clone(), "—".into(), "—".into(), "missing".into()],
                Some(Err("no such snapshot".into())),
            ),
            Some(snapshot) => report.row(
                vec![
                    name,
                    snapshot.id.clone(),
                    snapshot.volume_id.clone(),
                    match snapshot.kms_key_id.as_deref() {
                        Some(arn) => key_name(Some(arn)),
                        None => format!("{} (the volume's; not reported)", key_name(volume.kms_key_id.as_deref())),
                    },
                    if snapshot.encrypted { "yes".into() } else { "no".into() },
                    snapshot.state.clone(),
                ],
                Some(check_snapshot(snapshot, volume)),
            ),
        }
    }
    report
}
