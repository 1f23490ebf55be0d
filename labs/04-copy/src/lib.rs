//! Lab 04, the cross-region copy: each source snapshot copied to the destination region with
//! CopySnapshot sent to the destination, re-encrypted with a destination key that was checked
//! first; the matching key type by default, any type on request, or all nine pairs (`--matrix`).
//! At most 20 copies are in flight (the AWS quota); all are waited for together.
//!
//! The SDK call itself, `client.copy_snapshot()…send()`, is in `aws.rs`; the teaching text in
//! `lesson.rs`; finding what exists and the plan in `plan.rs`; the checks in `verify.rs`.

mod aws;
mod lesson;
mod plan;
mod verify;

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use common::args::CommonArgs;
use common::ec2::{self, LabSnapshot, WaitPolicy};
use common::facts::{self, CONCURRENT_COPY_QUOTA};
use common::run::LabArgs;
use common::scenario::KeyKind;
use common::text::pick;
use common::tr;
use common::LabContext;
use plan::{CopyPlan, Plan};
use std::collections::BTreeMap;

pub use verify::check_copy;

pub const LAB_ID: &str = "04-copy";

/// Parses a key kind as typed on the command line: one of clap's possible values of [`KeyKind`].
pub fn parse_kind(text: &str) -> Result<KeyKind, String> {
    let text = text.trim();
    <KeyKind as ValueEnum>::from_str(text, false).map_err(|_| {
        // Listed with each language's comma.
        let values = key_kind_values().join(pick(", ", "、"));
        tr!(
            "unknown key kind '{text}': use one of {values}",
            "キーの種類 '{text}' は使えません。{values} のいずれかを指定してください"
        )
    })
}

/// The names of the key kinds on the command line (`aws-managed`, …), as clap knows them.
fn key_kind_values() -> Vec<String> {
    KeyKind::value_variants()
        .iter()
        .filter_map(|kind| kind.to_possible_value())
        .map(|value| value.get_name().to_string())
        .collect()
}

/// Parses `--key-for SOURCE=DEST`, e.g. `single-region=aws-managed`.
pub fn parse_pair(text: &str) -> Result<(KeyKind, KeyKind), String> {
    let (source, destination) = text.split_once('=').ok_or_else(|| {
        tr!(
            "'{text}' is not SOURCE=DEST, e.g. single-region=aws-managed",
            "'{text}' は SOURCE=DEST の形式ではありません (例: single-region=aws-managed)"
        )
    })?;
    Ok((parse_kind(source)?, parse_kind(destination)?))
}

/// Checks `--completion-minutes`: 15 to 2,880 in steps of 15 (time-based copy).
pub fn parse_completion_minutes(text: &str) -> Result<i32, String> {
    let minutes: i32 = text
        .trim()
        .parse()
        .map_err(|_| tr!("'{text}' is not a whole number of minutes", "'{text}' は分単位の整数として読み取れません"))?;
    let (min, max, step) =
        (facts::COMPLETION_MINUTES_MIN, facts::COMPLETION_MINUTES_MAX, facts::COMPLETION_MINUTES_STEP);
    if !(min..=max).contains(&minutes) || minutes % step != 0 {
        return Err(tr!(
            "{minutes} is not allowed: a time-based copy takes {min} to {max} minutes, in steps of {step}",
            "{minutes} は指定できません。時間ベースのコピーの完了時間は {min} 分から {max} 分までの {step} 分単位です"
        ));
    }
    Ok(minutes)
}

/// Arguments of `04-copy`.
#[derive(Debug, Parser)]
#[command(
    name = "04-copy",
    version,
    about = "Lab 04: each snapshot copied to the destination region, re-encrypted with a destination key"
)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Copy every source snapshot with every destination key (9 copies) and show the 3×3 matrix
    #[arg(long)]
    pub matrix: bool,

    /// Re-encrypt the copy of SOURCE's snapshot with the DEST key type, e.g. single-region=aws-managed (repeatable)
    /// [possible values: aws-managed, single-region, multi-region]
    #[arg(long, value_name = "SOURCE=DEST", value_parser = parse_pair, conflicts_with = "matrix")]
    pub key_for: Vec<(KeyKind, KeyKind)>,

    /// Ask for a time-based copy that completes within N minutes (15 to 2880, multiple of 15)
    #[arg(long, value_name = "N", value_parser = parse_completion_minutes)]
    pub completion_minutes: Option<i32>,
}

impl LabArgs for Args {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn about_ja() -> &'static str {
        "ラボ 04: 各スナップショットをコピー先のリージョンにコピーし、コピー先のキーで再暗号化します"
    }

    fn help_ja() -> &'static [(&'static str, &'static str)] {
        &[
            ("matrix", "コピー元のすべてのスナップショットを、コピー先のすべてのキーでコピーし (9 個)、3×3 の表を表示します"),
            (
                "key_for",
                "SOURCE のスナップショットのコピーを、種類 DEST のキーで再暗号化します。例: single-region=aws-managed (繰り返し指定できます) [指定できる値: aws-managed、single-region、multi-region]",
            ),
            (
                "completion_minutes",
                "時間ベースのコピーを指定し、N 分以内に完了させます (15～2880 分、15 の倍数)",
            ),
        ]
    }
}

/// Runs the lab: explain, find what exists, plan, confirm, copy, verify.
pub async fn run(ctx: LabContext, args: Args) -> Result<()> {
    lesson::explain(&ctx);
    let found = plan::find(&ctx).await?;
    let plan = plan::plan(&ctx, &args, &found)?;
    if !ctx.approve(&plan.report(&ctx), plan.has_changes(), &plan.question(&ctx))? {
        return Ok(());
    }
    let copied = copy_all(&ctx, &plan, args.completion_minutes).await?;
    let copies = copied.latest(found.copies);
    let report = verify::copies(&ctx, &plan.copies, &copies, &copied.failures);
    if args.matrix {
        ctx.ui.report(&verify::matrix(&plan.copies, &report));
    }
    ctx.conclude(&report, &lesson::summary())
}

/// What the copying came to.
struct Copied {
    /// id → StateMessage of the copies that ended in `error`.
    failures: BTreeMap<String, String>,
    /// Every copy waited for, as last described.
    waited: Vec<LabSnapshot>,
}

impl Copied {
    /// The copies as last described: those waited for now, the others as `found` listed them.
    fn latest(&self, found: Vec<LabSnapshot>) -> Vec<LabSnapshot> {
        let mut copies = found;
        copies.retain(|copy| !self.waited.iter().any(|w| w.id == copy.id));
        copies.extend(self.waited.iter().cloned());
        copies
    }
}

/// Starts the planned copies, never more than the quota in flight, and waits for them and for
/// the copies an earlier run left `pending`.
async fn copy_all(ctx: &LabContext, plan: &Plan, completion_minutes: Option<i32>) -> Result<Copied> {
    let destination = &ctx.session.destination.ec2;
    let policy = WaitPolicy::minutes(ctx.args.max_wait_minutes);
    let mut failures = BTreeMap::new();
    let mut waited = Vec::new();
    let mut in_flight = plan.already_running();
    let mut queue = plan.to_copy().into_iter();
    loop {
        let room = CONCURRENT_COPY_QUOTA.saturating_sub(in_flight.len());
        let batch: Vec<&CopyPlan> = queue.by_ref().take(room).collect();
        let started =
            futures::future::try_join_all(batch.iter().map(|copy| start_copy(ctx, copy, completion_minutes))).await?;
        in_flight.extend(started);
        if in_flight.is_empty() {
            break;
        }
        let what = pick("copy", "コピー");
        let (failed, described) = ec2::wait_for_snapshots(&ctx.ui, destination, what, &in_flight, policy).await?;
        failures.extend(failed);
        waited.extend(described);
        in_flight.clear();
        if queue.len() == 0 {
            break;
        }
    }
    for (id, message) in &failures {
        ctx.ui.warn(&tr!("copy {id} failed: {message}", "コピー {id} が失敗しました: {message}"));
    }
    Ok(Copied { failures, waited })
}

/// Starts one copy in the destination region and says so; returns the copy's id.
async fn start_copy(ctx: &LabContext, copy: &CopyPlan, completion_minutes: Option<i32>) -> Result<String> {
    let destination = &ctx.session.destination.ec2;
    let source_region = ctx.scenario.source.code;
    let id = aws::copy_snapshot(
        destination,
        source_region,
        &copy.source.id,
        &copy.key.arn,
        &copy.name,
        &ctx.scenario.prefix,
        completion_minutes,
    )
    .await
    .with_context(|| {
        tr!(
            "copying {id} from {source} to {destination}",
            "{id} を {source} から {destination} へコピー中",
            id = copy.source.id,
            source = ctx.scenario.source,
            destination = ctx.scenario.destination
        )
    })?
    .with_context(|| {
        tr!("CopySnapshot returned no snapshot id", "CopySnapshot がスナップショット ID を返しませんでした")
    })?;
    ctx.ui.say(&tr!(
        "started copy {id}: {name} → {region}, encrypted with {key}",
        "コピー {id} を開始しました: {name} → {region}、{key} で暗号化",
        name = copy.source.name,
        region = ctx.scenario.destination,
        key = copy.key.display_name()
    ));
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn key_pairs_and_completion_minutes_are_validated() {
        assert_eq!(parse_pair("single-region=aws-managed").unwrap(), (KeyKind::SingleRegion, KeyKind::AwsManaged));
        assert!(parse_pair("single-region").unwrap_err().contains("SOURCE=DEST"));
        assert!(parse_pair("single=aws-managed").unwrap_err().contains("unknown key kind 'single'"));
        assert_eq!(parse_completion_minutes("15").unwrap(), 15);
        assert_eq!(parse_completion_minutes("2880").unwrap(), 2880);
        for bad in ["0", "14", "20", "2895", "-15", "abc"] {
            assert!(parse_completion_minutes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn key_kinds_are_clap_values_listed_in_errors_and_help() {
        let values = key_kind_values();
        assert_eq!(values, ["aws-managed", "single-region", "multi-region"]);
        for kind in KeyKind::ALL {
            let name = kind.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(parse_kind(&format!(" {name} ")), Ok(kind));
        }
        let error = parse_pair("aws-managed=multi").unwrap_err();
        assert!(
            error.contains("unknown key kind 'multi'") && values.iter().all(|v| error.contains(v.as_str())),
            "{error}"
        );
        let command = Args::command();
        let english = command.get_arguments().find(|arg| arg.get_id() == "key_for").unwrap().get_help().unwrap();
        let japanese = Args::help_ja().iter().find(|(id, _)| *id == "key_for").unwrap().1;
        for help in [english.to_string().as_str(), japanese] {
            assert!(values.iter().all(|v| help.contains(v.as_str())), "{help}");
        }
    }
}
