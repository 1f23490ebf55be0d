//! Lab 02, the volumes: one encrypted 8 GiB gp3 volume per key type in the source region,
//! Name-tagged as in the walkthrough; shows (read-only) whether EBS encryption by default is on
//! in each region; verifies each volume's encryption key by describing it afresh.

use anyhow::{Context, Result};
use aws_sdk_ec2::config::retry::RetryConfig;
use aws_sdk_ec2::types::{AvailabilityZoneState, Filter, ResourceType, VolumeType};
use aws_sdk_ec2::Client;
use clap::Parser;
use common::args::CommonArgs;
use common::ec2::{self, LabVolume, WaitPolicy};
use common::errors::{AwsResultExt, UsageError};
use common::facts;
use common::kms::{KeyInfo, RegionKeys};
use common::regions::RegionInfo;
use common::run::LabArgs;
use common::scenario::{KeyKind, Side};
use common::tags;
use common::text::pick;
use common::tr;
use common::ui::Report;
use common::LabContext;
use std::collections::BTreeMap;

pub const LAB_ID: &str = "02-volumes";
/// The walkthrough makes small volumes: they only need to exist to be encrypted.
pub const SIZE_GIB: i32 = 8;

/// Columns of the plan, (English, Japanese).
const PLAN_COLUMNS: [(&str, &str); 4] =
    [("Name", "名前"), ("Key", "キー"), ("Action", "処理"), ("Cost (estimate)", "費用 (概算)")];

/// Columns of the encryption-by-default table, (English, Japanese).
const DEFAULT_ENCRYPTION_COLUMNS: [(&str, &str); 3] =
    [("Region", "リージョン"), ("Encryption by default", "デフォルトの暗号化"), ("Default key", "デフォルトのキー")];

/// Columns of the verification table, (English, Japanese).
const VOLUME_COLUMNS: [(&str, &str); 8] = [
    ("Name", "名前"),
    ("Volume ID", "ボリューム ID"),
    ("Zone", "アベイラビリティーゾーン"),
    ("Size", "サイズ"),
    ("Key alias", "キーのエイリアス"),
    ("Key ARN", "キー ARN"),
    ("Encrypted", "暗号化"),
    ("State", "状態"),
];

/// Arguments of `02-volumes`.
#[derive(Debug, Parser)]
#[command(
    name = "02-volumes",
    version,
    about = "Lab 02: three encrypted 8 GiB volumes in the source region, one per key type"
)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Availability zone for new volumes (default: the first available zone of the source region)
    #[arg(long, value_name = "ZONE")]
    pub az: Option<String>,
}

impl LabArgs for Args {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn about_ja() -> &'static str {
        "ラボ 02: コピー元のリージョンに、キーの種類ごとに 1 つずつ、暗号化された 8 GiB のボリュームを 3 つ作成します"
    }

    fn help_ja() -> &'static [(&'static str, &'static str)] {
        &[("az", "新しいボリュームを作るアベイラビリティーゾーン (省略時はコピー元リージョンで最初に利用できるゾーン)")]
    }
}

/// Runs the lab.
pub async fn run(ctx: LabContext, args: Args) -> Result<()> {
    let ui = &ctx.ui;
    let source = &ctx.session.source;
    explain(&ctx);
    // Independent reads at once: the keys, the encryption-by-default settings of both regions
    // and the lab's volumes.
    let wanted: Vec<_> = KeyKind::ALL.iter().map(|kind| ctx.scenario.key(*kind, Side::Source)).collect();
    let (keys, by_default, existing) = futures::try_join!(
        RegionKeys::lookup(&source.kms, source.region, &wanted, None),
        encryption_by_default(&ctx),
        async {
            ec2::lab_volumes(&source.ec2).await.with_context(|| {
                tr!(
                    "listing the lab's volumes in {region}",
                    "{region} にあるラボのボリュームの一覧を取得中",
                    region = source.region
                )
            })
        },
    )?;
    let keys = ctx.usable_keys(&keys, Side::Source, &KeyKind::ALL)?;
    show_encryption_by_default(&ctx, by_default);

    let reusable = |kind: KeyKind| {
        let name = ctx.scenario.volume_name(kind);
        existing.iter().find(|volume| volume.is_live() && volume.role.as_deref() == Some(name.as_str())).cloned()
    };
    let to_create: Vec<KeyKind> = KeyKind::ALL.into_iter().filter(|kind| reusable(*kind).is_none()).collect();
    let zone = if to_create.is_empty() {
        String::new()
    } else {
        pick_zone(&source.ec2, source.region, args.az.as_deref()).await?
    };

    let mut plan = Report::new("plan", pick("Plan", "計画"), &PLAN_COLUMNS);
    for kind in KeyKind::ALL {
        let key = &keys[&kind];
        let (action, cost) = match reusable(kind) {
            Some(volume) => common::run::reuse_plan(&volume.id, &volume.state),
            None => (
                tr!(
                    "create {SIZE_GIB} GiB gp3 volume in {zone}, encrypted",
                    "{zone} に {SIZE_GIB} GiB の gp3 ボリュームを暗号化して作成します"
                ),
                if ctx.session.endpoint.is_local() {
                    tr!("free (emulator)", "無料 (エミュレーター)")
                } else {
                    facts::GP3_VOLUME_8GIB.text().into()
                },
            ),
        };
        plan.row(vec![ctx.scenario.volume_name(kind), key.display_name().into(), action, cost], None);
    }
    let count = to_create.len();
    let question = tr!(
        "Create {count} encrypted volume(s) in {zone}?",
        "{zone} に暗号化されたボリュームを {count} 個作成しますか？"
    );
    if !ctx.approve(&plan, !to_create.is_empty(), &question)? {
        return Ok(());
    }

    let creates = to_create.iter().map(|kind| create_volume(&ctx, &source.ec2, *kind, &zone, &keys[kind]));
    let mut ids: Vec<String> = futures::future::try_join_all(creates).await?;
    ids.extend(KeyKind::ALL.into_iter().filter_map(reusable).map(|volume| volume.id));
    let policy = WaitPolicy::minutes(ctx.args.max_wait_minutes);
    let (failures, after) = ec2::wait_for_volumes(ui, &source.ec2, &tr!("volume", "ボリューム"), &ids, policy).await?;
    for (id, message) in &failures {
        ui.warn(&tr!("volume {id}: {message}", "ボリューム {id}: {message}"));
    }

    let report = verify(&ctx, &keys, &after);
    ctx.conclude(
        &report,
        &tr!(
            "Each volume is encrypted with a different key, and every snapshot of it will be too. Lab 03 takes\n\
             those snapshots.",
            "各ボリュームは異なる KMS キーで暗号化されており、そのボリュームのスナップショットもすべて\n\
             同じキーで暗号化されます。ラボ 03 でそのスナップショットを作成します。"
        ),
    )
}

fn explain(ctx: &LabContext) {
    let ui = &ctx.ui;
    ctx.heading();
    ui.teach(&tr!(
        "An EBS volume is encrypted when it is created, with the KMS key you choose; it cannot be changed\n\
         later, and every snapshot of the volume is encrypted with the same key. This lab creates three\n\
         {SIZE_GIB} GiB gp3 volumes in {region}, one per key: aws/ebs (AWS managed), the single-region key and\n\
         the multi-region primary. EBS accepts only symmetric keys that are enabled, in the volume's region.",
        "EBS ボリュームは作成時に、指定した KMS キーで暗号化されます。暗号化の状態と使用するキーは\n\
         後から変更できず、そのボリュームのスナップショットはすべて同じキーで暗号化されます。\n\
         このラボでは {region} に {SIZE_GIB} GiB の gp3 ボリュームを 3 つ、キーごとに 1 つずつ作成します:\n\
         aws/ebs (AWS マネージドキー)、単一リージョンキー、マルチリージョンキーのプライマリキーです。\n\
         EBS で使えるのは、ボリュームと同じリージョンにある、有効な対称暗号化 KMS キーだけです。",
        region = ctx.scenario.source
    ));
}

/// One region's EBS encryption-by-default setting, as read.
struct ByDefault {
    region: &'static RegionInfo,
    enabled: &'static str,
    default_key: String,
}

/// Encryption by default is a per-region account setting; this lab only reads it, in both
/// regions at once.
async fn encryption_by_default(ctx: &LabContext) -> Result<Vec<ByDefault>> {
    let read = |side: Side| async move {
        let clients = ctx.session.clients(side);
        let enabled = async {
            clients.ec2.get_ebs_encryption_by_default().send().await.aws("ec2:GetEbsEncryptionByDefault").with_context(
                || {
                    tr!(
                        "reading EBS encryption by default in {region}",
                        "{region} の EBS のデフォルトの暗号化の設定を取得中",
                        region = clients.region
                    )
                },
            )
        };
        // Informational only, and not implemented on the emulator (HTTP 500): one attempt, no
        // retries, so a missing answer costs no back-off.
        let default_key = async {
            let one_attempt = aws_sdk_ec2::config::Builder::default().retry_config(RetryConfig::disabled());
            let answer = clients
                .ec2
                .get_ebs_default_kms_key_id()
                .customize()
                .config_override(one_attempt)
                .send()
                .await
                .aws("ec2:GetEbsDefaultKmsKeyId");
            Ok(match answer {
                Ok(output) => output.kms_key_id().unwrap_or("alias/aws/ebs").to_string(),
                Err(error) => match error.code() {
                    Some(code) if !code.starts_with("HTTP") => tr!("unknown ({code})", "不明 ({code})"),
                    _ => tr!("unknown on this endpoint", "このエンドポイントでは取得できません"),
                },
            })
        };
        let (enabled, default_key) = futures::try_join!(enabled, default_key)?;
        let enabled = match enabled.ebs_encryption_by_default() {
            Some(true) => pick("on", "有効"),
            Some(false) => pick("off", "無効"),
            None => pick("unknown", "不明"),
        };
        Ok::<_, anyhow::Error>(ByDefault { region: clients.region, enabled, default_key })
    };
    let (source, destination) = futures::try_join!(read(Side::Source), read(Side::Destination))?;
    Ok(vec![source, destination])
}

fn show_encryption_by_default(ctx: &LabContext, settings: Vec<ByDefault>) {
    let mut report = Report::new(
        "encryption_by_default",
        tr!(
            "EBS encryption by default (read-only; set per account and per region)",
            "EBS のデフォルトの暗号化 (読み取りのみ。アカウントごと、リージョンごとの設定です)"
        ),
        &DEFAULT_ENCRYPTION_COLUMNS,
    );
    for setting in settings {
        report.row(vec![setting.region.to_string(), setting.enabled.into(), setting.default_key], None);
    }
    ctx.ui.report(&report);
    ctx.ui.teach(&tr!(
        "With encryption by default on, every new volume and snapshot copy in that region is encrypted even\n\
         when nobody asks; existing volumes do not change. This lab names its keys explicitly either way.",
        "デフォルトの暗号化が有効なリージョンでは、暗号化を指定しなくても、新しく作成するボリュームと\n\
         スナップショットのコピーはすべて暗号化されます。既存のボリュームは変わりません。\n\
         このラボでは、設定が有効か無効かにかかわらず、使用するキーを明示的に指定します。"
    ));
}

/// `--az` if it is an available zone of the region, otherwise the first available zone.
async fn pick_zone(ec2_client: &Client, region: &RegionInfo, asked: Option<&str>) -> Result<String> {
    let zone_type = Filter::builder().name("zone-type").values("availability-zone").build();
    let output = ec2_client
        .describe_availability_zones()
        .filters(zone_type)
        .send()
        .await
        .aws("ec2:DescribeAvailabilityZones")
        .with_context(|| {
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

async fn create_volume(
    ctx: &LabContext,
    ec2_client: &Client,
    kind: KeyKind,
    zone: &str,
    key: &KeyInfo,
) -> Result<String> {
    let name = ctx.scenario.volume_name(kind);
    let output = ec2_client
        .create_volume()
        .availability_zone(zone)
        .size(SIZE_GIB)
        .volume_type(VolumeType::Gp3)
        .encrypted(true)
        .kms_key_id(&key.arn)
        .tag_specifications(tags::ec2_tag_spec(ResourceType::Volume, LAB_ID, &name))
        .send()
        .await
        .aws("ec2:CreateVolume")
        .with_context(|| tr!("creating volume {name} in {zone}", "{zone} にボリューム {name} を作成中"))?;
    let id = output
        .volume_id()
        .with_context(|| tr!("CreateVolume returned no volume id", "CreateVolume の応答にボリューム ID がありません"))?
        .to_string();
    ctx.ui.say(&tr!(
        "created volume {id} ({name}), encrypted with {key}",
        "ボリューム {id} ({name}) を作成しました。暗号化に使ったキー: {key}",
        key = key.display_name()
    ));
    Ok(id)
}

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

fn verify(ctx: &LabContext, keys: &BTreeMap<KeyKind, KeyInfo>, volumes: &[LabVolume]) -> Report {
    let mut report = Report::new(
        "volumes",
        tr!("The lab's volumes in {region}", "{region} にあるラボのボリューム", region = ctx.scenario.source),
        &VOLUME_COLUMNS,
    );
    for kind in KeyKind::ALL {
        let name = ctx.scenario.volume_name(kind);
        let key = &keys[&kind];
        let volume = volumes.iter().find(|v| v.is_live() && v.role.as_deref() == Some(name.as_str()));
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
