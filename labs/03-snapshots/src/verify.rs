//! How lab 03 checks its work: one row per snapshot, checked as the last DescribeSnapshots of the
//! wait showed it (that answer came after the snapshots completed, so no second call is needed).

use crate::lesson::SNAPSHOT_COLUMNS;
use crate::{find_snapshot, Finished, Found};
use common::ec2::{LabSnapshot, LabVolume};
use common::scenario::KeyKind;
use common::text::pick;
use common::tr;
use common::ui::Report;
use common::LabContext;

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

/// The verification table: each kind's snapshot beside its volume, with its key named by alias.
pub(crate) fn verify(ctx: &LabContext, found: &Found, finished: &Finished) -> Report {
    let mut report = Report::new(
        "snapshots",
        tr!("The lab's snapshots in {region}", "{region} にあるラボのスナップショット", region = ctx.scenario.source),
        &SNAPSHOT_COLUMNS,
    );
    let key_name = |arn: Option<&str>| found.keys.name_of_arn(arn.unwrap_or("—"));
    let snapshots = &finished.snapshots;
    for kind in KeyKind::ALL {
        let name = ctx.scenario.snapshot_name(kind);
        let volume = &found.volumes[&kind];
        // A snapshot that failed is no longer "live"; show it with its message.
        let snapshot = find_snapshot(ctx, snapshots, kind).or_else(|| {
            snapshots.iter().find(|s| finished.failures.contains_key(&s.id) && s.role.as_deref() == Some(name.as_str()))
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
