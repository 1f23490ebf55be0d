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
use common::ui::Report;
use common::LabContext;
use std::collections::BTreeMap;

pub const LAB_ID: &str = "02-volumes";
/// The walkthrough makes small volumes: they only need to exist to be encrypted.
pub const SIZE_GIB: i32 = 8;

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
            ec2::lab_volumes(&source.ec2)
                .await
                .with_context(|| format!("listing the lab's volumes in {}", source.region))
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

    let mut plan = Report::new(
        "plan",
        "Plan",
        &[("Name", "名前"), ("Key", "キー"), ("Action", "処理"), ("Cost (estimate)", "費用 (概算)")],
    );
    for kind in KeyKind::ALL {
        let key = &keys[&kind];
        let (action, cost) = match reusable(kind) {
            Some(volume) => (format!("exists: reuse {} ({})", volume.id, volume.state), "no change".to_string()),
            None => (
                format!("create {SIZE_GIB} GiB gp3 volume in {zone}, encrypted"),
                if ctx.session.endpoint.is_local() {
                    "free (emulator)".into()
                } else {
                    facts::GP3_VOLUME_8GIB.value.into()
                },
            ),
        };
        plan.row(vec![ctx.scenario.volume_name(kind), key.display_name().into(), action, cost], None);
    }
    let question = format!("Create {} encrypted volume(s) in {zone}?", to_create.len());
    if !ctx.approve(&plan, !to_create.is_empty(), &question)? {
        return Ok(());
    }

    let creates = to_create.iter().map(|kind| create_volume(&ctx, &source.ec2, *kind, &zone, &keys[kind]));
    let mut ids: Vec<String> = futures::future::try_join_all(creates).await?;
    ids.extend(KeyKind::ALL.into_iter().filter_map(reusable).map(|volume| volume.id));
    let policy = WaitPolicy::minutes(ctx.args.max_wait_minutes);
    let (failures, after) = ec2::wait_for_volumes(ui, &source.ec2, &ids, policy).await?;
    for (id, message) in &failures {
        ui.warn(&format!("volume {id}: {message}"));
    }

    let report = verify(&ctx, &keys, &after);
    ctx.conclude(
        &report,
        "Each volume is encrypted with a different key, and every snapshot of it will be too. Lab 03 takes\n\
         those snapshots.",
    )
}

fn explain(ctx: &LabContext) {
    let ui = &ctx.ui;
    ui.heading(&format!("Lab {}: {}", ctx.lab.id, ctx.lab.title));
    ui.teach(&format!(
        "An EBS volume is encrypted when it is created, with the KMS key you choose; it cannot be changed\n\
         later, and every snapshot of the volume is encrypted with the same key. This lab creates three\n\
         {SIZE_GIB} GiB gp3 volumes in {}, one per key: aws/ebs (AWS managed), the single-region key and\n\
         the multi-region primary. EBS accepts only symmetric keys that are enabled, in the volume's region.",
        ctx.scenario.source
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
            clients
                .ec2
                .get_ebs_encryption_by_default()
                .send()
                .await
                .aws("ec2:GetEbsEncryptionByDefault")
                .with_context(|| format!("reading EBS encryption by default in {}", clients.region))
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
                    Some(code) if !code.starts_with("HTTP") => format!("unknown ({code})"),
                    _ => "unknown on this endpoint".to_string(),
                },
            })
        };
        let (enabled, default_key) = futures::try_join!(enabled, default_key)?;
        let enabled = match enabled.ebs_encryption_by_default() {
            Some(true) => "on",
            Some(false) => "off",
            None => "unknown",
        };
        Ok::<_, anyhow::Error>(ByDefault { region: clients.region, enabled, default_key })
    };
    let (source, destination) = futures::try_join!(read(Side::Source), read(Side::Destination))?;
    Ok(vec![source, destination])
}

fn show_encryption_by_default(ctx: &LabContext, settings: Vec<ByDefault>) {
    let mut report = Report::new(
        "encryption_by_default",
        "EBS encryption by default (read-only; set per account and per region)",
        &[
            ("Region", "リージョン"),
            ("Encryption by default", "デフォルトの暗号化"),
            ("Default key", "デフォルトのキー"),
        ],
    );
    for setting in settings {
        report.row(vec![setting.region.to_string(), setting.enabled.into(), setting.default_key], None);
    }
    ctx.ui.report(&report);
    ctx.ui.teach(
        "With encryption by default on, every new volume and snapshot copy in that region is encrypted even\n\
         when nobody asks; existing volumes do not change. This lab names its keys explicitly either way.",
    );
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
        .with_context(|| format!("listing the availability zones of {region}"))?;
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
        Some(zone) => Err(UsageError(format!(
            "--az {zone} is not an available zone of {region}; choose one of: {}",
            zones.join(", ")
        ))
        .into()),
        None => zones.into_iter().next().with_context(|| format!("{region} reports no available zone")),
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
        .with_context(|| format!("creating volume {name} in {zone}"))?;
    let id = output.volume_id().context("CreateVolume returned no volume id")?.to_string();
    ctx.ui.say(&format!("created volume {id} ({name}), encrypted with {}", key.display_name()));
    Ok(id)
}

/// What the walkthrough expects of one volume.
pub fn check_volume(volume: &LabVolume, key: &KeyInfo) -> Result<(), String> {
    if !volume.encrypted {
        return Err("not encrypted".into());
    }
    if volume.kms_key_id.as_deref() != Some(key.arn.as_str()) {
        return Err(format!(
            "encrypted with {}, expected {}",
            volume.kms_key_id.as_deref().unwrap_or("no key"),
            key.arn
        ));
    }
    if volume.size_gib != SIZE_GIB || volume.volume_type != "gp3" {
        return Err(format!("{} GiB {}, expected {SIZE_GIB} GiB gp3", volume.size_gib, volume.volume_type));
    }
    if !matches!(volume.state.as_str(), "available" | "in-use") {
        return Err(format!("state {}", volume.state));
    }
    Ok(())
}

fn verify(ctx: &LabContext, keys: &BTreeMap<KeyKind, KeyInfo>, volumes: &[LabVolume]) -> Report {
    let mut report = Report::new(
        "volumes",
        format!("The lab's volumes in {}", ctx.scenario.source),
        &[
            ("Name", "名前"),
            ("Volume ID", "ボリューム ID"),
            ("Zone", "アベイラビリティーゾーン"),
            ("Size", "サイズ"),
            ("Key alias", "キーのエイリアス"),
            ("Key ARN", "キー ARN"),
            ("Encrypted", "暗号化"),
            ("State", "状態"),
        ],
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
                    "missing".into(),
                ],
                Some(Err("no such volume".into())),
            ),
            Some(volume) => report.row(
                vec![
                    name,
                    volume.id.clone(),
                    volume.zone.clone(),
                    format!("{} GiB", volume.size_gib),
                    key.display_name().into(),
                    volume.kms_key_id.clone().unwrap_or_else(|| "—".into()),
                    if volume.encrypted { "yes".into() } else { "no".into() },
                    volume.state.clone(),
                ],
                Some(check_volume(volume, key)),
            ),
        }
    }
    report
}
