//! How lab 03 checks its work: one row per snapshot, checked as the last DescribeSnapshots of the
//! wait showed it (that answer came after the snapshots completed, so no second call is needed).
//! `--check` (`check.rs`) builds the same rows with the same checks and messages. In `--output json`
//! each row is its `record` (docs/schemas/03-snapshots.schema.json).

use crate::lesson::SNAPSHOT_COLUMNS;
use crate::{find_snapshot, Finished, Found};
use common::ec2::{LabSnapshot, LabVolume};
use common::kms::RegionKeys;
use common::manifest::{self, Makes};
use common::scenario::KeyKind;
use common::text::pick;
use common::tr;
use common::ui::Report;
use common::LabContext;
use serde_json::{json, Value};

/// What naming a snapshot's volume and key needs: the source region's key aliases and the
/// walkthrough's volumes found there.
pub(crate) struct Known<'a> {
    pub keys: &'a RegionKeys,
    pub volumes: Vec<&'a LabVolume>,
}

/// The volume id EBS reports for a snapshot that was copied, not taken from a volume.
const COPY_VOLUME_ID: &str = "vol-ffffffff";

impl Known<'_> {
    /// A volume as the learner knows it: its Name and id, or what it is when it is not one of
    /// the walkthrough's volumes.
    pub fn volume_label(&self, id: &str) -> String {
        match self.volumes.iter().find(|volume| volume.id == id) {
            Some(volume) if !volume.name.is_empty() => format!("{} ({id})", volume.name),
            _ if id == COPY_VOLUME_ID => tr!(
                "{id} (a copy, not a snapshot of a volume)",
                "{id} (コピーであり、ボリュームのスナップショットではありません)"
            ),
            _ if id.is_empty() => "—".to_string(),
            _ => tr!("{id} (not one of the walkthrough's volumes)", "{id} (ウォークスルーのボリュームではありません)"),
        }
    }

    fn key_name(&self, arn: Option<&str>) -> String {
        self.keys.name_of_arn(arn.unwrap_or("—"))
    }
}

/// The AWS CLI command that takes the snapshot `name` of `volume` in the source region, as the
/// lab page writes it (tags shortened).
pub(crate) fn create_command(ctx: &LabContext, volume: &LabVolume, name: &str) -> String {
    format!(
        "aws ec2 create-snapshot --region {region} --volume-id {volume} --description {name} --tag-specifications …",
        region = ctx.scenario.source.code,
        volume = volume.id
    )
}

/// The AWS CLI command that deletes snapshot `id` in `region`.
pub(crate) fn delete_command(region: &str, id: &str) -> String {
    format!("aws ec2 delete-snapshot --region {region} --snapshot-id {id}")
}

/// What the walkthrough expects of the snapshot `name` of `volume`; each ✗ says what is wrong
/// and how to fix it (console, AWS CLI).
pub(crate) fn check_snapshot(
    ctx: &LabContext,
    known: &Known,
    name: &str,
    snapshot: &LabSnapshot,
    volume: &LabVolume,
) -> Result<(), String> {
    let region = ctx.scenario.source.code;
    let (id, expected) = (&snapshot.id, known.volume_label(&volume.id));
    let delete = delete_command(region, id);
    let create = create_command(ctx, volume, name);
    if snapshot.state == "error" {
        let message = match snapshot.state_message.as_deref() {
            Some(message) => message.to_string(),
            None => tr!("no StateMessage", "StateMessage がありません"),
        };
        return Err(tr!(
            "{name} ({id}) ended in state error: {message}. A failed snapshot cannot be resumed: delete it \
             (`{delete}`) and take it again from {expected} (`{create}`)",
            "{name} ({id}) は error 状態で終わりました: {message}。失敗したスナップショットは再開できません。削除して \
             (`{delete}`)、{expected} からもう一度作成してください (`{create}`)"
        ));
    }
    if snapshot.volume_id != volume.id {
        let actual = known.volume_label(&snapshot.volume_id);
        let volume_name = &volume.name;
        return Err(tr!(
            "{name} ({id}) is a snapshot of {actual}, but the walkthrough takes it from {expected}. A snapshot \
             cannot change volume: delete it (`{delete}`) and take it again from the right volume (console: \
             Volumes → {volume_name} → Actions → Create snapshot; CLI: `{create}`)",
            "{name} ({id}) は {actual} のスナップショットですが、ウォークスルーでは {expected} から作成します。\
             スナップショットの元のボリュームは変更できません。削除して (`{delete}`)、正しいボリュームから作成し直して\
             ください (コンソール: ボリューム → {volume_name} → アクション → スナップショットの作成、CLI: `{create}`)"
        ));
    }
    if !snapshot.encrypted {
        let volumes_lab = manifest::lab_that_makes(Makes::Volumes).id.as_str();
        let command = ctx.command_with(volumes_lab, "--check");
        return Err(tr!(
            "{name} ({id}) is not encrypted, because its volume {expected} is not: a snapshot always has its \
             volume's encryption and key. Make the volume right first (`{command}`), then delete this \
             snapshot (`{delete}`) and take it again",
            "{name} ({id}) は暗号化されていません。元のボリューム {expected} が暗号化されていないためです: \
             スナップショットは常にボリュームの暗号化とキーを引き継ぎます。先にボリュームを直してから \
             (`{command}`)、このスナップショットを削除して (`{delete}`) 作成し直してください"
        ));
    }
    // AWS always reports the key of an encrypted snapshot; the emulator leaves it out for
    // snapshots made by CreateSnapshot, whose key is then the volume's by construction.
    if snapshot.kms_key_id.is_some() && snapshot.kms_key_id != volume.kms_key_id {
        let key = known.key_name(snapshot.kms_key_id.as_deref());
        let volume_key = known.key_name(volume.kms_key_id.as_deref());
        return Err(tr!(
            "{name} ({id}) is encrypted with {key}, but its volume {expected} with {volume_key}: a snapshot taken \
             from the volume has the volume's key, so this one was made some other way (a copy?). Delete it \
             (`{delete}`) and take it from the volume (`{create}`)",
            "{name} ({id}) は {key} で暗号化されていますが、元のボリューム {expected} は {volume_key} です: \
             ボリュームから作成したスナップショットはボリュームのキーを使うので、これは別の方法 (コピー?) で作られたものです。\
             削除して (`{delete}`)、ボリュームから作成し直してください (`{create}`)"
        ));
    }
    if snapshot.state != "completed" {
        let (state, progress) = (&snapshot.state, snapshot.progress.as_deref().unwrap_or("—"));
        return Err(tr!(
            "{name} ({id}) is still {state} ({progress}): EBS is still storing its blocks. Nothing to fix: wait a \
             few minutes and check again",
            "{name} ({id}) はまだ {state} です ({progress}): EBS がブロックを保存しています。直すものはありません。\
             数分待ってからもう一度確認してください"
        ));
    }
    Ok(())
}

/// The table every run of the lab shows, empty.
pub(crate) fn new_report(ctx: &LabContext) -> Report {
    Report::new(
        "snapshots",
        tr!("The lab's snapshots in {region}", "{region} にあるラボのスナップショット", region = ctx.scenario.source),
        &SNAPSHOT_COLUMNS,
    )
}

/// The cells of a row for `snapshot`, expected to be of `volume`.
pub(crate) fn snapshot_cells(known: &Known, name: String, snapshot: &LabSnapshot, volume: &LabVolume) -> Vec<String> {
    vec![
        name,
        snapshot.id.clone(),
        snapshot.volume_id.clone(),
        match snapshot.kms_key_id.as_deref() {
            Some(arn) => known.key_name(Some(arn)),
            None if snapshot.encrypted && snapshot.volume_id == volume.id => tr!(
                "{key} (the volume's; not reported)",
                "{key} (ボリュームのキー。応答に記載なし)",
                key = known.key_name(volume.kms_key_id.as_deref())
            ),
            None => "—".into(),
        },
        if snapshot.encrypted { pick("yes", "はい") } else { pick("no", "いいえ") }.into(),
        snapshot.state.clone(),
    ]
}

/// What a row of the snapshots' table found under the walkthrough's Name, for its JSON record.
pub(crate) enum Shown<'a> {
    Nothing,
    /// One snapshot, in this region.
    One(&'a LabSnapshot, &'static str),
    /// Several live snapshots under one Name, in the source region (the first is shown).
    Several(&'a [&'a LabSnapshot]),
}

/// A snapshot as scripts see it under `found`: raw values as DescribeSnapshots gives them.
fn facts(snapshot: &LabSnapshot, region: &str) -> Value {
    json!({
        "snapshot_id": snapshot.id,
        "name": snapshot.name,
        "region": region,
        "volume_id": snapshot.volume_id,
        "encrypted": snapshot.encrypted,
        "kms_key_arn": snapshot.kms_key_id,
        "state": snapshot.state,
    })
}

/// `"42%"` → 42.
pub(crate) fn percent(progress: Option<&str>) -> Option<Value> {
    let number = progress?.trim().trim_end_matches('%').trim();
    match number.parse::<u64>() {
        Ok(whole) => Some(json!(whole)),
        Err(_) => number.parse::<f64>().ok().map(|fraction| json!(fraction)),
    }
}

/// The JSON record of the row for the snapshot `name` of `volume` (the `snapshot` check): the
/// snapshot shown, what the walkthrough expects, and what was found (null when nothing was, a
/// list for several under one Name).
pub(crate) fn record(ctx: &LabContext, name: &str, volume: &LabVolume, seen: Shown) -> Value {
    let source = ctx.scenario.source.code;
    let expected = json!({
        "name": name,
        "region": source,
        "volume_id": volume.id,
        "encrypted": true,
        "kms_key_arn": volume.kms_key_id,
        "state": "completed",
    });
    let (shown, region, found) = match seen {
        Shown::Nothing => (None, None, Value::Null),
        Shown::One(snapshot, region) => (Some(snapshot), Some(region), facts(snapshot, region)),
        Shown::Several(list) => {
            (list.first().copied(), Some(source), list.iter().map(|snapshot| facts(snapshot, source)).collect())
        }
    };
    json!({
        "check": "snapshot",
        "name": name,
        "snapshot_id": shown.map(|s| &s.id),
        "volume_id": shown.map(|s| &s.volume_id),
        "region": region,
        "encrypted": shown.map(|s| s.encrypted),
        "kms_key_arn": shown.and_then(|s| s.kms_key_id.as_deref()),
        "state": shown.map(|s| &s.state),
        "progress_percent": shown.and_then(|s| percent(s.progress.as_deref())),
        "expected": expected,
        "found": found,
    })
}

/// The cells of a row with no snapshot to show, `state` saying where things stand.
pub(crate) fn missing_cells(name: String, volume: &LabVolume, state: String) -> Vec<String> {
    vec![name, "—".into(), volume.id.clone(), "—".into(), "—".into(), state]
}

/// Why a snapshot is missing, and how to take it.
pub(crate) fn missing(ctx: &LabContext, name: &str, volume: &LabVolume) -> String {
    let (region, volume_name, volume_id) = (ctx.scenario.source.code, &volume.name, &volume.id);
    let create = create_command(ctx, volume, name);
    tr!(
        "no snapshot named {name} in {region}: take one of {volume_name} ({volume_id}) (console: Volumes → \
         {volume_name} → Actions → Create snapshot, with description and Name tag {name}; CLI: `{create}`)",
        "{region} に {name} という名前のスナップショットがありません: {volume_name} ({volume_id}) から作成してください \
         (コンソール: ボリューム → {volume_name} → アクション → スナップショットの作成、説明と Name タグは {name}。\
         CLI: `{create}`)"
    )
}

/// The verification table: each kind's snapshot beside its volume, with its key named by alias.
pub(crate) fn verify(ctx: &LabContext, found: &Found, finished: &Finished) -> Report {
    let mut report = new_report(ctx);
    let known = Known { keys: &found.keys, volumes: found.volumes.values().collect() };
    let snapshots = &finished.snapshots;
    for kind in KeyKind::ALL {
        let name = ctx.scenario.snapshot_name(kind);
        let volume = &found.volumes[&kind];
        // A snapshot that failed is no longer "live"; show it with its message.
        let snapshot = find_snapshot(ctx, snapshots, kind).or_else(|| {
            snapshots.iter().find(|s| finished.failures.contains_key(&s.id) && s.role.as_deref() == Some(name.as_str()))
        });
        match snapshot {
            None => {
                let why = missing(ctx, &name, volume);
                let record = record(ctx, &name, volume, Shown::Nothing);
                let cells = missing_cells(name, volume, pick("missing", "見つかりません").into());
                report.row_with(cells, Some(Err(why)), record)
            }
            Some(snapshot) => {
                let check = check_snapshot(ctx, &known, &name, snapshot, volume);
                let record = record(ctx, &name, volume, Shown::One(snapshot, ctx.scenario.source.code));
                report.row_with(snapshot_cells(&known, name, snapshot, volume), Some(check), record)
            }
        }
    }
    report
}
