//! Lab 02's verification: each volume, as last described, is encrypted with the key the
//! walkthrough intends for it, 8 GiB gp3, and available. The rows and their messages are shared
//! with `--check` (`check.rs`): each ✗ names the volume and says how to fix it, in the console's
//! terms and as an AWS CLI flag.

use crate::lesson;
use crate::plan::Plan;
use crate::SIZE_GIB;
use common::ec2::LabVolume;
use common::kms::KeyInfo;
use common::text::pick;
use common::tr;
use common::ui::Report;
use common::LabContext;
use serde_json::json;

/// Names a key for a message from a volume's `KmsKeyId`: its alias when known, else the value.
pub type KeyNamer<'a> = &'a dyn Fn(&str) -> String;

/// Whether a volume's `KmsKeyId` names `key`. AWS reports the key ARN; the emulator keeps what
/// the request passed (an id or an alias too), so those are read as the key they name.
pub fn names_key(reference: &str, key: &KeyInfo) -> bool {
    reference == key.arn
        || reference == key.key_id
        || reference.rsplit_once(":key/").is_some_and(|(_, id)| id == key.key_id)
        || key.aliases.iter().any(|alias| alias == reference)
}

/// What the walkthrough expects of one volume in `region`: encrypted with `key`, 8 GiB gp3,
/// available (or in use). A ✗ names the volume and says how to fix it.
pub fn check_volume(volume: &LabVolume, key: &KeyInfo, region: &str, key_name: KeyNamer) -> Result<(), String> {
    let (name, id, want) = (&volume.name, &volume.id, key.display_name());
    let delete = format!("aws ec2 delete-volume --region {region} --volume-id {id}");
    if !volume.encrypted {
        return Err(tr!(
            "{name} ({id}) is not encrypted. Encryption is chosen when a volume is created and cannot be turned \
             on later: delete it (`{delete}`) and create it again with \"Encrypt this volume\" ticked and KMS key \
             {want} (CLI: `--encrypted --kms-key-id <ARN of alias/{want}>`)",
            "{name} ({id}) は暗号化されていません。暗号化はボリュームの作成時に決まり、後から有効にはできません。\
             削除して (`{delete}`)、「このボリュームを暗号化する」にチェックを入れ、KMS キーに {want} を選んで\
             作成し直してください (CLI: `--encrypted --kms-key-id <alias/{want} の ARN>`)"
        ));
    }
    match volume.kms_key_id.as_deref() {
        Some(reference) if names_key(reference, key) => {}
        reference => {
            let actual = reference.map_or_else(|| tr!("no key", "キーなし"), key_name);
            return Err(tr!(
                "{name} ({id}) is encrypted with {actual}, but the walkthrough wants {want}. A volume cannot change \
                 its key: delete it (`{delete}`) and create it again with KMS key {want} (CLI: `--kms-key-id <ARN of \
                 alias/{want}>`)",
                "{name} ({id}) は {actual} で暗号化されていますが、ウォークスルーでは {want} を使います。ボリュームの\
                 キーは変更できません。削除して (`{delete}`)、KMS キーに {want} を選んで作成し直してください \
                 (CLI: `--kms-key-id <alias/{want} の ARN>`)"
            ));
        }
    }
    let mut problems = Vec::new();
    let size = volume.size_gib;
    let modify = format!("aws ec2 modify-volume --region {region} --volume-id {id}");
    if size > SIZE_GIB {
        problems.push(tr!(
            "{name} ({id}) is {size} GiB, the walkthrough makes {SIZE_GIB} GiB: a bigger volume costs more, and \
             a volume cannot shrink. Delete it (`{delete}`) and create it again with Size {SIZE_GIB} GiB \
             (`--size {SIZE_GIB}`)",
            "{name} ({id}) は {size} GiB ですが、ウォークスルーでは {SIZE_GIB} GiB にします。大きいボリュームは\
             料金が高く、縮小もできません。削除して (`{delete}`)、サイズ {SIZE_GIB} GiB で作成し直してください \
             (`--size {SIZE_GIB}`)"
        ));
    } else if size < SIZE_GIB {
        problems.push(tr!(
            "{name} ({id}) is {size} GiB, the walkthrough makes {SIZE_GIB} GiB: grow it with Actions → Modify \
             volume → Size (`{modify} --size {SIZE_GIB}`)",
            "{name} ({id}) は {size} GiB ですが、ウォークスルーでは {SIZE_GIB} GiB にします。[アクション] → \
             [ボリュームの変更] の [サイズ] で拡張してください (`{modify} --size {SIZE_GIB}`)"
        ));
    }
    if volume.volume_type != "gp3" {
        let kind = &volume.volume_type;
        problems.push(tr!(
            "{name} ({id}) is {kind}, the walkthrough uses gp3: change it in place with Actions → Modify volume → \
             Volume type gp3 (`{modify} --volume-type gp3`)",
            "{name} ({id}) は {kind} ですが、ウォークスルーでは gp3 を使います。[アクション] → [ボリュームの変更] の \
             [ボリュームタイプ] で gp3 に変更できます (`{modify} --volume-type gp3`)"
        ));
    }
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    match volume.state.as_str() {
        "available" | "in-use" => Ok(()),
        state => Err(state_problem(volume, region, state)),
    }
}

/// A volume that is not (or no longer) usable: still being created, being deleted, or failed.
pub fn state_problem(volume: &LabVolume, region: &str, state: &str) -> String {
    let (name, id) = (&volume.name, &volume.id);
    match state {
        "creating" => tr!(
            "{name} ({id}) is still being created: wait until it is available (`aws ec2 wait volume-available \
             --region {region} --volume-ids {id}`), then check again",
            "{name} ({id}) はまだ作成中です。available になるまで待ってから (`aws ec2 wait volume-available \
             --region {region} --volume-ids {id}`)、もう一度確認してください"
        ),
        "deleting" | "deleted" => tr!(
            "{name} ({id}) is being deleted (state {state}): create it again as in the steps (console: Create \
             volume, tag Name = {name}; CLI: `aws ec2 create-volume`)",
            "{name} ({id}) は削除中です (状態 {state})。手順どおりに作成し直してください (コンソール: \
             [ボリュームの作成]、Name タグ = {name}。CLI: `aws ec2 create-volume`)"
        ),
        "error" => tr!(
            "{name} ({id}) is in state error: EBS could not create it (for instance, its key was not usable). \
             Delete it (`aws ec2 delete-volume --region {region} --volume-id {id}`) and create it again",
            "{name} ({id}) は error 状態です。EBS がボリュームを作成できませんでした (キーが使えなかったなど)。\
             削除して (`aws ec2 delete-volume --region {region} --volume-id {id}`)、作成し直してください"
        ),
        _ => tr!(
            "{name} ({id}) is in state {state}, not available",
            "{name} ({id}) の状態が available ではなく {state} です"
        ),
    }
}

/// The verification table, with no rows yet.
pub fn volumes_report(ctx: &LabContext) -> Report {
    Report::new(
        "volumes",
        tr!("The lab's volumes in {region}", "{region} にあるラボのボリューム", region = ctx.scenario.source),
        &lesson::VOLUME_COLUMNS,
    )
}

/// One row of the table: the volume `volume` (or none) for the walkthrough's `name`, found in
/// `region`, which `key` should encrypt, with its check; in `--output json`, the volume's raw
/// values and what the walkthrough expects of it (docs/schemas/02-volumes.schema.json).
pub fn volume_row(
    report: &mut Report,
    name: &str,
    region: &str,
    key: &KeyInfo,
    volume: Option<&LabVolume>,
    check: Result<(), String>,
) {
    let cells = match volume {
        None => vec![
            name.to_string(),
            "—".into(),
            "—".into(),
            "—".into(),
            key.display_name().into(),
            key.arn.clone(),
            "—".into(),
            pick("missing", "見つかりません").into(),
        ],
        Some(volume) => vec![
            name.to_string(),
            volume.id.clone(),
            volume.zone.clone(),
            format!("{} GiB {}", volume.size_gib, volume.volume_type),
            key.display_name().into(),
            volume.kms_key_id.clone().unwrap_or_else(|| "—".into()),
            if volume.encrypted { pick("yes", "はい") } else { pick("no", "いいえ") }.into(),
            volume.state.clone(),
        ],
    };
    // The walkthrough's volume is in the source region, which the key is in.
    let expected = json!({
        "region": key.region,
        "encrypted": true,
        "kms_key_arn": key.arn,
        "size_gib": SIZE_GIB,
        "volume_type": "gp3",
        "state": ["available", "in-use"],
    });
    let found = volume.map(|volume| {
        json!({
            "region": region,
            "encrypted": volume.encrypted,
            "kms_key_arn": volume.kms_key_id,
            "size_gib": volume.size_gib,
            "volume_type": volume.volume_type,
            "state": volume.state,
        })
    });
    let record = json!({
        "check": "volume",
        "name": name,
        "volume_id": volume.map(|volume| &volume.id),
        "region": volume.map(|_| region),
        "availability_zone": volume.map(|volume| &volume.zone),
        "size_gib": volume.map(|volume| volume.size_gib),
        "volume_type": volume.map(|volume| &volume.volume_type),
        "encrypted": volume.map(|volume| volume.encrypted),
        "kms_key_arn": volume.and_then(|volume| volume.kms_key_id.as_ref()),
        "state": volume.map(|volume| &volume.state),
        "key_alias": key.aliases.first(),
        "expected": expected,
        "found": found,
    });
    report.row_with(cells, Some(check), record);
}

/// The verification table: one row per planned volume, found by Name among `volumes` (as last
/// described while waiting), with a ✓/✗ from [`check_volume`].
pub fn verify(ctx: &LabContext, plan: &Plan, volumes: &[LabVolume]) -> Report {
    let mut report = volumes_report(ctx);
    let region = ctx.scenario.source.code;
    let key_name = |reference: &str| {
        let known = plan.volumes.iter().map(|planned| &planned.key).find(|key| names_key(reference, key));
        known.map_or_else(|| reference.to_string(), |key| key.display_name().to_string())
    };
    for planned in &plan.volumes {
        let (name, key) = (planned.name.as_str(), &planned.key);
        let volume = volumes.iter().find(|v| v.is_live() && v.role() == Some(name));
        let check = match volume {
            None => Err(tr!("no such volume", "ボリュームがありません")),
            Some(volume) => check_volume(volume, key, region, &key_name),
        };
        volume_row(&mut report, name, region, key, volume, check);
    }
    report
}
