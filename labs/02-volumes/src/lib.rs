//! Lab 02, the volumes: one encrypted 8 GiB gp3 volume per key type in the source region,
//! Name-tagged as in the walkthrough; shows (read-only) whether EBS encryption by default is on
//! in each region; verifies each volume's encryption key by describing it afresh.
//!
//! `run` below is the whole step. The EC2 calls themselves are in `aws.rs`, one function per
//! operation; the plan is in `plan.rs`, the checks in `verify.rs` and the teaching text in
//! `lesson.rs`. With `--check`, `--adopt` or `--yourself` the learner does the step and
//! `check.rs` checks it.

mod aws;
mod check;
mod lesson;
mod plan;
mod verify;

use anyhow::{Context, Result};
use aws_sdk_ec2::operation::get_ebs_default_kms_key_id::GetEbsDefaultKmsKeyIdOutput;
use clap::Parser;
use common::args::CommonArgs;
use common::ec2::{self, LabVolume, WaitPolicy};
use common::errors::AwsError;
use common::hands_on::{self, Guide};
use common::kms::{KeyInfo, RegionKeys};
use common::regions::RegionInfo;
use common::run::LabArgs;
use common::scenario::{KeyKind, Side};
use common::text::pick;
use common::tr;
use common::LabContext;
use plan::{Plan, PlannedVolume};
use std::collections::BTreeMap;
pub use verify::check_volume;

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

    fn about_ja() -> &'static str {
        "ラボ 02: コピー元のリージョンに、キーの種類ごとに 1 つずつ、暗号化された 8 GiB のボリュームを 3 つ作成します"
    }

    fn help_ja() -> &'static [(&'static str, &'static str)] {
        &[("az", "新しいボリュームを作るアベイラビリティーゾーン (省略時はコピー元リージョンで最初に利用できるゾーン)")]
    }
}

/// What `--yourself` shows: this page's "Do it yourself" section, the step's explanation and summary.
const GUIDE: Guide = Guide {
    readme: [include_str!("../README.md"), include_str!("../README.ja.md")],
    explain: lesson::explain,
    summary: lesson::summary,
};

/// Runs the lab: explain, find the keys, settings and volumes, plan, confirm, create, verify.
/// With `--check`, `--adopt` or `--yourself`, checks what the learner made instead.
pub async fn run(ctx: LabContext, args: Args) -> Result<()> {
    if let Some(mode) = ctx.args.hands_on() {
        return hands_on::drive(&ctx, mode, &GUIDE, || check::check(&ctx)).await;
    }
    lesson::explain(&ctx);
    let found = find(&ctx).await?;
    lesson::encryption_by_default(&ctx, &found.by_default);
    let plan = plan::plan(&ctx, &found, args.az.as_deref()).await?;
    if !ctx.approve(&plan.report(&ctx), plan.has_changes(), &plan.question())? {
        return Ok(());
    }
    let volumes = act(&ctx, &plan).await?;
    ctx.conclude(&verify::verify(&ctx, &plan, &volumes), &lesson::summary())
}

/// What exists before the lab acts.
pub(crate) struct Found {
    /// The three source keys, each checked usable by EBS.
    keys: BTreeMap<KeyKind, KeyInfo>,
    /// Encryption by default in the source and the destination region.
    by_default: Vec<RegionDefaults>,
    /// The lab's volumes in the source region, in any state.
    volumes: Vec<LabVolume>,
}

/// Independent reads at once: the keys, the encryption-by-default settings of both regions and
/// the lab's volumes. Refuses (naming lab 01) when a key is missing or unusable.
async fn find(ctx: &LabContext) -> Result<Found> {
    let source = &ctx.session.source;
    let wanted: Vec<_> = KeyKind::ALL.iter().map(|kind| ctx.scenario.key(*kind, Side::Source)).collect();
    let (keys, by_default, volumes) = futures::try_join!(
        RegionKeys::lookup(&source.kms, source.region, &ctx.scenario, &wanted, None),
        encryption_by_default(ctx),
        ec2::set_volumes(source, &ctx.scenario),
    )?;
    let keys = ctx.usable_keys(&keys, Side::Source, &KeyKind::ALL)?;
    Ok(Found { keys, by_default, volumes })
}

/// Whether EBS encrypts new volumes of a region even when a request does not ask.
#[derive(Debug, Clone, Copy)]
enum EncryptionByDefault {
    On,
    Off,
    Unknown,
}

impl EncryptionByDefault {
    fn label(self) -> &'static str {
        match self {
            EncryptionByDefault::On => pick("on", "有効"),
            EncryptionByDefault::Off => pick("off", "無効"),
            EncryptionByDefault::Unknown => pick("unknown", "不明"),
        }
    }

    /// In `--output json`: true, false, or null when EBS did not say.
    fn value(self) -> Option<bool> {
        match self {
            EncryptionByDefault::On => Some(true),
            EncryptionByDefault::Off => Some(false),
            EncryptionByDefault::Unknown => None,
        }
    }
}

/// The key EBS uses in a region when a request names none, as far as the endpoint said.
#[derive(Debug, Clone)]
enum DefaultKey {
    Key(String),
    /// AWS answered with this error code (e.g. not allowed to ask).
    Unknown {
        code: String,
    },
    /// No error code: the endpoint does not implement the call (the emulator answers HTTP 500).
    UnknownOnThisEndpoint,
}

impl DefaultKey {
    /// Informational only, so a failed call is an unknown key, not an error.
    fn from_answer(answer: Result<GetEbsDefaultKmsKeyIdOutput, AwsError>) -> Self {
        match answer {
            Ok(output) => DefaultKey::Key(output.kms_key_id().unwrap_or("alias/aws/ebs").to_string()),
            Err(error) => match error.code() {
                Some(code) if !code.starts_with("HTTP") => DefaultKey::Unknown { code: code.to_string() },
                _ => DefaultKey::UnknownOnThisEndpoint,
            },
        }
    }

    /// The key as EBS names it (an ARN or an alias); `None` when unknown.
    fn key(&self) -> Option<&str> {
        match self {
            DefaultKey::Key(key) => Some(key),
            _ => None,
        }
    }

    /// The AWS error code that kept the key unknown, if AWS gave one.
    fn error_code(&self) -> Option<&str> {
        match self {
            DefaultKey::Unknown { code } => Some(code),
            _ => None,
        }
    }

    fn label(&self) -> String {
        match self {
            DefaultKey::Key(key) => key.clone(),
            DefaultKey::Unknown { code } => tr!("unknown ({code})", "不明 ({code})"),
            DefaultKey::UnknownOnThisEndpoint => {
                tr!("unknown on this endpoint", "このエンドポイントでは取得できません")
            }
        }
    }
}

/// One region's EBS encryption-by-default setting and default key, as read.
pub(crate) struct RegionDefaults {
    region: &'static RegionInfo,
    encryption: EncryptionByDefault,
    default_key: DefaultKey,
}

/// Encryption by default is a per-region account setting; this lab only reads it, in both
/// regions at once.
async fn encryption_by_default(ctx: &LabContext) -> Result<Vec<RegionDefaults>> {
    let read = |side: Side| async move {
        let clients = ctx.session.clients(side);
        let enabled = async {
            aws::get_ebs_encryption_by_default(&clients.ec2).await.with_context(|| {
                tr!(
                    "reading EBS encryption by default in {region}",
                    "{region} の EBS のデフォルトの暗号化の設定を取得中",
                    region = clients.region
                )
            })
        };
        let default_key = async { Ok(DefaultKey::from_answer(aws::get_ebs_default_kms_key_id(&clients.ec2).await)) };
        let (enabled, default_key) = futures::try_join!(enabled, default_key)?;
        let encryption = match enabled.ebs_encryption_by_default() {
            Some(true) => EncryptionByDefault::On,
            Some(false) => EncryptionByDefault::Off,
            None => EncryptionByDefault::Unknown,
        };
        Ok::<_, anyhow::Error>(RegionDefaults { region: clients.region, encryption, default_key })
    };
    let (source, destination) = futures::try_join!(read(Side::Source), read(Side::Destination))?;
    Ok(vec![source, destination])
}

/// Creates the missing volumes at once, then waits for all of the plan's volumes with one
/// Describe per round; returns them as last described, which is what verification reads.
async fn act(ctx: &LabContext, plan: &Plan) -> Result<Vec<LabVolume>> {
    let creates =
        plan.volumes.iter().filter_map(|volume| volume.new_zone().map(|zone| create_volume(ctx, volume, zone)));
    let mut ids: Vec<String> = futures::future::try_join_all(creates).await?;
    ids.extend(plan.volumes.iter().filter_map(PlannedVolume::reused).map(|volume| volume.id.clone()));
    let policy = WaitPolicy::minutes(ctx.args.max_wait_minutes);
    let what = tr!("volume", "ボリューム");
    let (failures, volumes) = ec2::wait_for_volumes(&ctx.ui, &ctx.session.source.ec2, &what, &ids, policy).await?;
    for (id, message) in &failures {
        ctx.ui.warn(&tr!("volume {id}: {message}", "ボリューム {id}: {message}"));
    }
    Ok(volumes)
}

/// Creates one volume of the plan; returns its id.
async fn create_volume(ctx: &LabContext, volume: &PlannedVolume, zone: &str) -> Result<String> {
    let (name, key) = (&volume.name, &volume.key);
    let output = aws::create_volume(&ctx.session.source.ec2, zone, &key.arn, name, &ctx.scenario.prefix)
        .await
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
