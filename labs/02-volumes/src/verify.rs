//! Lab 02's verification: each volume of the plan, as last described, is encrypted with the key
//! the walkthrough intends for it, 8 GiB gp3, and available.

use crate::lesson;
use crate::plan::Plan;
use crate::SIZE_GIB;
use common::ec2::LabVolume;
use common::kms::KeyInfo;
use common::text::pick;
use common::tr;
use common::ui::Report;
use common::LabContext;

/// What the walkthrough expects of one volume.
pub fn check_volume(volume: &LabVolume, key: &KeyInfo) -> Result<(), String> {
    if !volume.encrypted {
        return Err(tr!("not encrypted", "暗号化されていません"));
    }
    if volume.kms_key_id.as_deref() != Some(key.arn.as_str()) {
        let actual = match volume.kms_key_id.as_deref() {
            Some(arn) => arn.to_string(),
            None => tr!("no key", "キーなし"),
        };
        return Err(tr!(
            "encrypted with {actual}, expected {expected}",
            "{actual} で暗号化されています (想定: {expected})",
            expected = key.arn
        ));
    }
    if volume.size_gib != SIZE_GIB || volume.volume_type != "gp3" {
        return Err(tr!(
            "{size} GiB {kind}, expected {SIZE_GIB} GiB gp3",
            "{size} GiB の {kind} です (想定: {SIZE_GIB} GiB の gp3)",
            size = volume.size_gib,
            kind = volume.volume_type
        ));
    }
    if !matches!(volume.state.as_str(), "available" | "in-use") {
        return Err(tr!("state {state}", "状態が {state} です", state = volume.state));
    }
    Ok(())
}

/// The verification table: one row per planned volume, found by Name among `volumes` (as last
/// described while waiting), with a ✓/✗ from [`check_volume`].
pub fn verify(ctx: &LabContext, plan: &Plan, volumes: &[LabVolume]) -> Report {
    let mut report = Report::new(
        "volumes",
        tr!("The lab's volumes in {region}", "{region} にあるラボのボリューム", region = ctx.scenario.source),
        &lesson::VOLUME_COLUMNS,
    );
    for planned in &plan.volumes {
        let (name, key) = (planned.name.clone(), &planned.key);
        let volume = volumes.iter().find(|v| v.is_live() && v.role() == Some(name.as_str()));
        match volume {
            None => report.row(
                vec![
                    name,
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    key.display_name().into(),
                    key.arn.clone(),
                    "—".into(),
                    pick("missing", "見つかりません").into(),
                ],
                Some(Err(tr!("no such volume", "ボリュームがありません"))),
            ),
            Some(volume) => report.row(
                vec![
                    name,
                    volume.id.clone(),
                    volume.zone.clone(),
                    format!("{} GiB", volume.size_gib),
                    key.display_name().into(),
                    volume.kms_key_id.clone().unwrap_or_else(|| "—".into()),
                    if volume.encrypted { pick("yes", "はい") } else { pick("no", "いいえ") }.into(),
                    volume.state.clone(),
                ],
                Some(check_volume(volume, key)),
            ),
        }
    }
    report
}
