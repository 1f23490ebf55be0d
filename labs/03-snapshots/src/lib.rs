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
use common::text::pick;
use common::tr;
use common::ui::Report;
use common::LabContext;
use std::collections::BTreeMap;

pub const LAB_ID: &str = "03-snapshots";

common::common_args_only!(
    "03-snapshots",
    "Lab 03: a snapshot of each lab volume, waited until completed",
    about_ja = "ラボ 03: ラボの各ボリュームのスナップショットを作成し、completed になるまで待ちます"
);

/// Columns of the plan, (English, Japanese).
const PLAN_COLUMNS: [(&str, &str); 4] =
    [("Name", "名前"), ("Volume", "ボリューム"), ("Action", "処理"), ("Cost (estimate)", "費用 (概算)")];

/// Columns of the verification table, (English, Japanese).
const SNAPSHOT_COLUMNS: [(&str, &str); 6] = [
    ("Name", "名前"),
    ("Snapshot ID", "スナップショット ID"),
    ("Volume", "ボリューム"),
    ("Key", "キー"),
    ("Encrypted", "暗号化"),
    ("State", "状態"),
];

/// The lab's live volume for each kind; a refusal naming lab 02 when any is missing.
pub async fn source_volumes(ctx: &LabContext) -> Result<BTreeMap<KeyKind, LabVolume>> {
    let source = &ctx.session.source;
    let volumes = ec2::lab_volumes(&source.ec2).await.with_context(|| {
        tr!(
            "listing the lab's volumes in {region}",
            "{region} にあるラボのボリュームの一覧を取得中",
            region = source.region
        )
    })?;
    let mut found = BTreeMap::new();
    let mut missing = Vec::new();
    for kind in KeyKind::ALL {
        let name = ctx.scenario.volume_name(kind);
        match volumes.iter().find(|v| v.is_live() && v.role.as_deref() == Some(name.as_str())) {
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
            ec2::lab_snapshots(&source.ec2).await.with_context(|| {
                tr!(
                    "listing the lab's snapshots in {region}",
                    "{region} にあるラボのスナップショットの一覧を取得中",
                    region = source.region
                )
            })
        },
        RegionKeys::aliases_only(&source.kms, source.region),
    )?;

    let mut plan = Report::new("plan", pick("Plan", "計画"), &PLAN_COLUMNS);
    let mut to_create = Vec::new();
    for kind in KeyKind::ALL {
        let volume = &volumes[&kind];
        let (action, cost) = match find_snapshot(&ctx, &existing, kind) {
            Some(snapshot) => common::run::reuse_plan(&snapshot.id, &snapshot.state),
            None => {
                to_create.push(kind);
                let cost = if ctx.session.endpoint.is_local() {
                    tr!("free (emulator)", "無料 (エミュレーター)")
                } else {
                    facts::SNAPSHOT_STORAGE.text().to_string()
                };
                (tr!("snapshot {id}", "{id} のスナップショットを作成します", id = volume.id), cost)
            }
        };
        plan.row(vec![ctx.scenario.snapshot_name(kind), volume.id.clone(), action, cost], None);
    }
    let count = to_create.len();
    let question = tr!(
        "Create {count} snapshot(s) in {region}?",
        "{region} にスナップショットを {count} 個作成しますか？",
        region = source.region
    );
    if !ctx.approve(&plan, !to_create.is_empty(), &question)? {
        return Ok(());
    }

    let creates = to_create
        .iter()
        .map(|kind| create_snapshot(&ctx, &source.ec2, ctx.scenario.snapshot_name(*kind), &volumes[kind]));
    let mut ids = futures::future::try_join_all(creates).await?;
    ids.extend(KeyKind::ALL.into_iter().filter_map(|kind| find_snapshot(&ctx, &existing, kind)).map(|s| s.id.clone()));
    let policy = WaitPolicy::minutes(ctx.args.max_wait_minutes);
    let what = tr!("snapshot", "スナップショット");
    let (failures, after) = ec2::wait_for_snapshots(ui, &source.ec2, &what, &ids, policy).await?;
    let report = verify(&ctx, &volumes, &after, &keys, &failures);
    ctx.conclude(
        &report,
        &tr!(
            "Each snapshot is encrypted with its volume's key: a snapshot cannot choose another key. To change\n\
             the key you copy the snapshot, which is what lab 04 does, into another region.",
            "各スナップショットは、元のボリュームと同じキーで暗号化されています。スナップショットの作成時に\n\
             別のキーを選ぶことはできません。キーを変更するにはスナップショットをコピーします。ラボ 04 では、\n\
             別のリージョンへのコピーでこれを行います。"
        ),
    )
}

fn explain(ctx: &LabContext) {
    ctx.heading();
    ctx.ui.teach(&tr!(
        "A snapshot of an encrypted volume is encrypted with the same KMS key as the volume. This lab takes\n\
         one snapshot of each lab volume in {region}, starts all three at once, and waits until each is\n\
         `completed` (on AWS that can take minutes; at most {pending} snapshots of one gp3 volume may be pending).",
        "暗号化されたボリュームのスナップショットは常に暗号化され、ボリュームと同じ KMS キーが使われます。\n\
         このラボでは、{region} にあるラボの各ボリュームからスナップショットを 1 つずつ作成します。\n\
         3 つの作成を同時に開始し、それぞれが `completed` になるまで待ちます (AWS では数分かかることが\n\
         あります。1 つの gp3 ボリュームで同時に pending にできるスナップショットは最大 {pending} つです)。",
        region = ctx.scenario.source,
        pending = facts::PENDING_SNAPSHOTS_PER_VOLUME
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
        .with_context(|| {
            tr!(
                "creating snapshot {name} of {volume} in {region}",
                "{region} で {volume} のスナップショット {name} を作成中",
                volume = volume.id,
                region = ctx.scenario.source
            )
        })?;
    let id = output
        .snapshot_id()
        .with_context(|| {
            tr!("CreateSnapshot returned no snapshot id", "CreateSnapshot の応答にスナップショット ID がありません")
        })?
        .to_string();
    ctx.ui.say(&tr!(
        "started snapshot {id} ({name}) of {volume}",
        "{volume} のスナップショット {id} ({name}) の作成を開始しました",
        volume = volume.id
    ));
    Ok(id)
}

/// What the walkthrough expects of one snapshot.
pub fn check_snapshot(snapshot: &LabSnapshot, volume: &LabVolume) -> Result<(), String> {
    if snapshot.state == "error" {
        let message = match snapshot.state_message.as_deref() {
            Some(message) => message.to_string(),
            None => tr!("no StateMessage", "StateMessage がありません"),
        };
        return Err(tr!("error: {message}", "エラー: {message}"));
    }
    if snapshot.volume_id != volume.id {
        return Err(tr!(
            "taken from {actual}, expected {expected}",
            "{actual} から作成されています (想定: {expected})",
            actual = snapshot.volume_id,
            expected = volume.id
        ));
    }
    if !snapshot.encrypted {
        return Err(tr!("not encrypted", "暗号化されていません"));
    }
    // AWS always reports the key of an encrypted snapshot; the emulator leaves it out for
    // snapshots made by CreateSnapshot, whose key is then the volume's by construction.
    if snapshot.kms_key_id.is_some() && snapshot.kms_key_id != volume.kms_key_id {
        return Err(tr!(
            "key {key} differs from the volume's",
            "キー {key} がボリュームのキーと異なります",
            key = snapshot.kms_key_id.as_deref().unwrap_or("none")
        ));
    }
    if snapshot.state != "completed" {
        return Err(tr!("state {state}", "状態が {state} です", state = snapshot.state));
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
        tr!("The lab's snapshots in {region}", "{region} にあるラボのスナップショット", region = ctx.scenario.source),
        &SNAPSHOT_COLUMNS,
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
                vec![
                    name,
                    "—".into(),
                    volume.id.clone(),
                    "—".into(),
                    "—".into(),
                    pick("missing", "見つかりません").into(),
                ],
                Some(Err(tr!("no such snapshot", "スナップショットがありません"))),
            ),
            Some(snapshot) => report.row(
                vec![
                    name,
                    snapshot.id.clone(),
                    snapshot.volume_id.clone(),
                    match snapshot.kms_key_id.as_deref() {
                        Some(arn) => key_name(Some(arn)),
                        None => tr!(
                            "{key} (the volume's; not reported)",
                            "{key} (ボリュームのキー。応答に記載なし)",
                            key = key_name(volume.kms_key_id.as_deref())
                        ),
                    },
                    if snapshot.encrypted { pick("yes", "はい") } else { pick("no", "いいえ") }.into(),
                    snapshot.state.clone(),
                ],
                Some(check_snapshot(snapshot, volume)),
            ),
        }
    }
    report
}
