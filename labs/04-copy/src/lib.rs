//! Lab 04, the cross-region copy: each source snapshot copied to the destination region with
//! CopySnapshot sent to the destination, re-encrypted with a destination key that was checked
//! first; the matching key type by default, any type on request, or all nine pairs (`--matrix`).
//! At most 20 copies are in flight (the AWS quota); all are waited for together. The quota is
//! the account's, shared with everyone working in it (a class, each learner with a
//! `--name-prefix`): a copy refused with `ResourceLimitExceeded` waits for a free slot, up to
//! `--max-wait-minutes`. Throttling (`RequestLimitExceeded`, `ThrottlingException`) is retried by
//! the SDK's standard retries (`common::session::load_config`).
//!
//! The SDK call itself, `client.copy_snapshot()…send()`, is in `aws.rs`; the teaching text in
//! `lesson.rs`; finding what exists and the plan in `plan.rs`; the checks in `verify.rs`; the
//! hands-on check of copies made by hand (`--check`, `--adopt`, `--yourself`) in `check.rs`.

mod aws;
mod check;
mod lesson;
mod plan;
mod verify;

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use common::args::CommonArgs;
use common::ec2::{self, LabSnapshot, WaitPolicy};
use common::errors::{AwsError, Refusal};
use common::facts::{self, CONCURRENT_COPY_QUOTA};
use common::hands_on::{self, Guide};
use common::run::LabArgs;
use common::scenario::KeyKind;
use common::text::pick;
use common::tr;
use common::LabContext;
use plan::{CopyPlan, Plan};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
// tokio's clock, so tests with a paused clock never really wait.
use tokio::time::Instant;

pub const LAB_ID: &str = "04-copy";

/// What the hands-on modes show: the README's "do it yourself" section, the lesson, the summary.
const GUIDE: Guide = Guide {
    readme: [include_str!("../README.md"), include_str!("../README.ja.md")],
    explain: lesson::explain,
    summary: lesson::summary,
};

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

/// Runs the lab: explain, find what exists, plan, confirm, copy, verify (or, with `--check`,
/// `--adopt` or `--yourself`, checks the copies the learner made).
pub async fn run(ctx: LabContext, args: Args) -> Result<()> {
    if let Some(mode) = ctx.args.hands_on() {
        return hands_on::drive(&ctx, mode, &GUIDE, || check::check(&ctx, &args)).await;
    }
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
    // Why a copy waits for a slot is said once per run, however many copies wait.
    let explained = AtomicBool::new(false);
    loop {
        let room = CONCURRENT_COPY_QUOTA.saturating_sub(in_flight.len());
        let batch: Vec<&CopyPlan> = queue.by_ref().take(room).collect();
        let starts = batch.iter().map(|copy| start_copy(ctx, copy, completion_minutes, &explained));
        let started = futures::future::try_join_all(starts).await?;
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

/// Starts one copy in the destination region and says so; returns the copy's id. A copy refused
/// for want of a slot waits for one ([`when_a_slot_frees`]).
async fn start_copy(
    ctx: &LabContext,
    copy: &CopyPlan,
    completion_minutes: Option<i32>,
    explained: &AtomicBool,
) -> Result<String> {
    let destination = &ctx.session.destination.ec2;
    let source_region = ctx.scenario.source.code;
    let request = || {
        aws::copy_snapshot(
            destination,
            source_region,
            &copy.source.id,
            &copy.key.arn,
            &copy.name,
            &ctx.scenario.prefix,
            completion_minutes,
        )
    };
    let answer = match request().await {
        Err(refused) if refused.code() == Some(NO_COPY_SLOT) => {
            when_a_slot_frees(ctx, copy, &refused, request, explained).await?
        }
        answer => answer,
    };
    let id = answer
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

/// The error code of a CopySnapshot refused because the account already has the quota of copies
/// in flight to the destination region (everyone's copies count, not only this run's). The SDK
/// does not retry it: it is no throttling, and a slot may take minutes to come free.
const NO_COPY_SLOT: &str = "ResourceLimitExceeded";
/// The pause before the next try for a copy slot: doubled after each try up to the longest, each
/// one drawn between half and all of it, so that a class's runs do not all try again in step.
const FIRST_SLOT_PAUSE: Duration = Duration::from_secs(10);
const LONGEST_SLOT_PAUSE: Duration = Duration::from_secs(60);

/// Sends `request` (the CopySnapshot of `copy`, first `refused`) again, after a pause, for as long
/// as it is refused for want of a copy slot, showing how many copies the account has in flight;
/// returns its first other answer. After `--max-wait-minutes` it gives up with a refusal that says how
/// to go on.
async fn when_a_slot_frees<F, Fut>(
    ctx: &LabContext,
    copy: &CopyPlan,
    refused: &AwsError,
    request: F,
    explained: &AtomicBool,
) -> Result<Result<Option<String>, AwsError>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Option<String>, AwsError>>,
{
    let (since, max_wait) = (Instant::now(), Duration::from_secs(ctx.args.max_wait_minutes * 60));
    let (name, region, quota) = (&copy.name, ctx.scenario.destination, CONCURRENT_COPY_QUOTA);
    let spinner = ctx.ui.spinner(tr!("waiting for a copy slot for {name}", "{name} のコピー枠の空きを待っています"));
    let mut pause = FIRST_SLOT_PAUSE;
    loop {
        let in_flight = copies_in_flight(ctx).await;
        let waited = since.elapsed();
        if waited >= max_wait {
            spinner.finish_and_clear();
            return Err(no_slot(ctx, copy, &in_flight).into());
        }
        if !explained.swap(true, Ordering::Relaxed) {
            let minutes = ctx.args.max_wait_minutes;
            ctx.ui.say(&tr!(
                "copy {name}: {refused}\nThe account has reached its quota of copies in flight to {region}: at most \
                 {quota} per destination region, everyone's copies in the account counted (a class shares it). The \
                 lab waits for a free slot and tries again, for up to {minutes} minutes (--max-wait-minutes).",
                "コピー {name}: {refused}\nアカウントの {region} への進行中のコピーが上限に達しています。上限は\
                 コピー先リージョンごとに {quota} 件で、アカウント内の全員のコピーが数えられます (クラス全体で共有します)。\
                 ラボはコピー枠が空くのを待って再試行します (最長 {minutes} 分、--max-wait-minutes)。"
            ));
        }
        let next = jittered(pause).min(max_wait - waited);
        let seconds = next.as_secs().max(1);
        let line = tr!(
            "waiting for a copy slot: {in_flight}; next try for {name} in {seconds} s",
            "コピー枠の空きを待っています: {in_flight}。{name} の次の試行は {seconds} 秒後です"
        );
        spinner.set_message(line.clone());
        ctx.ui.progress_line(&line);
        tokio::time::sleep(next).await;
        pause = (pause * 2).min(LONGEST_SLOT_PAUSE);
        match request().await {
            Err(refused) if refused.code() == Some(NO_COPY_SLOT) => continue,
            answer => {
                spinner.finish_and_clear();
                let seconds = since.elapsed().as_secs();
                ctx.ui.say(&tr!(
                    "a copy slot came free for {name} after {seconds} s of waiting ({NO_COPY_SLOT}: the account's \
                     copies in flight to {region} were at the quota of {quota})",
                    "{seconds} 秒待って、{name} のコピー枠が空きました ({NO_COPY_SLOT}: アカウントの {region} への\
                     進行中のコピーが上限の {quota} 件に達していました)"
                ));
                return Ok(answer);
            }
        }
    }
}

/// How many copies the account has in flight to the destination region, as text: the pending
/// snapshots there that AWS marks as copies (`TransferType`), or, when none is marked, how many
/// snapshots are pending at all; what went wrong when they cannot be read.
async fn copies_in_flight(ctx: &LabContext) -> String {
    let region = ctx.scenario.destination;
    match aws::pending_snapshots(&ctx.session.destination.ec2).await {
        Ok(pending) => match pending.iter().filter(|snapshot| snapshot.transfer_type().is_some()).count() {
            0 if !pending.is_empty() => {
                let count = pending.len();
                tr!(
                    "{count} snapshot(s) pending in {region} in the account, copies in flight among them",
                    "アカウントには {region} で pending のスナップショットが {count} 個あり、その中に進行中のコピーがあります"
                )
            }
            copies => tr!(
                "{copies} in flight in the account (copies to {region})",
                "アカウントで {copies} 件が進行中 ({region} へのコピー)"
            ),
        },
        Err(error) => tr!(
            "how many are in flight in the account is unknown ({error})",
            "アカウントで進行中のコピーの数はわかりません ({error})"
        ),
    }
}

/// The refusal after `--max-wait-minutes` without a free copy slot, with the ways forward.
fn no_slot(ctx: &LabContext, copy: &CopyPlan, in_flight: &str) -> Refusal {
    let (name, region, quota) = (&copy.name, ctx.scenario.destination, CONCURRENT_COPY_QUOTA);
    let (minutes, command) = (ctx.args.max_wait_minutes, ctx.command_for(LAB_ID));
    Refusal {
        reason: tr!(
            "no copy slot came free in {minutes} minutes: CopySnapshot of {name} is still refused with {NO_COPY_SLOT} \
             ({in_flight}). AWS allows at most {quota} copies in flight per destination region for the whole \
             account, and this quota cannot be raised. Copies already started keep going.",
            "{minutes} 分待ってもコピー枠が空きませんでした。{name} の CopySnapshot はまだ {NO_COPY_SLOT} で\
             拒否されます ({in_flight})。AWS が認める進行中のコピーは、アカウント全体でコピー先リージョンごとに\
             最大 {quota} 件で、このクォータは引き上げられません。すでに始まったコピーは続いています。"
        ),
        hint: tr!(
            "run the lab again when the account's copies to {region} have finished (it reuses the copies already \
             started and waits for a slot again): {command}; or wait longer with --max-wait-minutes",
            "アカウントの {region} へのコピーが終わってから、ラボを再実行してください (すでに始まったコピーを\
             再利用し、再びコピー枠を待ちます): {command}。または --max-wait-minutes で待ち時間を延ばしてください"
        ),
    }
}

/// `pause` drawn between half and all of it.
fn jittered(pause: Duration) -> Duration {
    pause / 2 + (pause / 2).mul_f64(random_fraction())
}

/// A number in [0, 1): each `RandomState` is seeded afresh (the standard library's own
/// randomness), enough to keep a class's runs out of step.
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let bits = std::collections::hash_map::RandomState::new().build_hasher().finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
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

    // The emulator never refuses a copy and never throttles: these paths run on mocks, with
    // the session's retries (standard, 5 attempts) and a paused clock, so nothing really waits.
    mod mocked {
        use super::*;
        use aws_sdk_ec2::config::retry::RetryConfig;
        use aws_sdk_ec2::operation::copy_snapshot::CopySnapshotOutput;
        use aws_sdk_ec2::operation::describe_snapshots::{DescribeSnapshotsInput, DescribeSnapshotsOutput};
        use aws_sdk_ec2::types::{Snapshot, SnapshotState, Tag, TransferType};
        use aws_sdk_kms::types::KeyState;
        use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
        use common::api_log::ApiLog;
        use common::args::OutputFormat;
        use common::kms::{KeyInfo, Ownership};
        use common::session::{emulator_config, CredentialsOrigin, Endpoint, RegionClients, Session};
        use common::ui::{Captured, Ui};
        use std::sync::Arc;

        const KEY_ARN: &str = "arn:aws:kms:us-west-2:123456789012:key/1234";
        const COPY_NAME: &str = "snap-EBS-encrypted-with-Single-region-key-copy-Single-region-key-oregon";

        fn ec2_error(code: &str, message: &str) -> String {
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>req-1</RequestID></Response>"#
            )
        }

        fn no_slot() -> String {
            ec2_error(
                "ResourceLimitExceeded",
                "Too many snapshot copies in progress. The limit is 20 for this destination region.",
            )
        }

        fn copy_started() -> CopySnapshotOutput {
            CopySnapshotOutput::builder().snapshot_id("snap-copy").build()
        }

        fn filtered_by(input: &DescribeSnapshotsInput, name: &str) -> bool {
            input.filters().iter().any(|filter| filter.name() == Some(name))
        }

        /// `count` pending copies of other learners, as AWS lists them (`TransferType` set).
        fn pending_copies(count: usize) -> DescribeSnapshotsOutput {
            let copies = (0..count).map(|i| {
                Snapshot::builder()
                    .snapshot_id(format!("snap-other-{i}"))
                    .state(SnapshotState::Pending)
                    .transfer_type(TransferType::Standard)
                    .build()
            });
            DescribeSnapshotsOutput::builder().set_snapshots(Some(copies.collect())).build()
        }

        /// The copy once completed, as the wait's Describe reports it.
        fn completed_copy() -> DescribeSnapshotsOutput {
            let copy = Snapshot::builder()
                .snapshot_id("snap-copy")
                .state(SnapshotState::Completed)
                .progress("100%")
                .encrypted(true)
                .kms_key_id(KEY_ARN)
                .tags(Tag::builder().key("Name").value(COPY_NAME).build())
                .tags(Tag::builder().key(common::tags::ROLE_KEY).value(COPY_NAME).build())
                .build();
            DescribeSnapshotsOutput::builder().snapshots(copy).build()
        }

        /// One copy to make: the single-region key's snapshot, with the Oregon single-region key.
        fn plan() -> Plan {
            let source = LabSnapshot {
                id: "snap-src".into(),
                name: "snap-EBS-encrypted-with-Single-region-key".into(),
                role: Some("snap-EBS-encrypted-with-Single-region-key".into()),
                volume_id: "vol-1".into(),
                description: String::new(),
                encrypted: true,
                kms_key_id: Some("arn:aws:kms:ap-northeast-1:123456789012:key/5678".into()),
                state: "completed".into(),
                progress: Some("100%".into()),
                state_message: None,
                tags: BTreeMap::new(),
            };
            let key = KeyInfo {
                region: "us-west-2".into(),
                key_id: "1234".into(),
                arn: KEY_ARN.into(),
                aliases: vec!["alias/Single-region-key-oregon".into()],
                aws_managed: false,
                state: KeyState::Enabled,
                spec: None,
                usage: None,
                multi_region: None,
                primary_arn: None,
                replica_regions: Vec::new(),
                ownership: Ownership::NotLabs,
                deletion_date: None,
                foreign_grants: Vec::new(),
            };
            let copy = CopyPlan {
                source_kind: KeyKind::SingleRegion,
                destination_kind: KeyKind::SingleRegion,
                source,
                key,
                name: COPY_NAME.into(),
                existing: None,
            };
            Plan { copies: vec![copy] }
        }

        /// What `run_lab` would hand the lab, with `destination` as the Oregon EC2 client; the
        /// other clients answer nothing (the steps tested here do not call them).
        async fn context(destination: aws_sdk_ec2::Client, flags: &[&str]) -> (LabContext, Captured, Captured) {
            let args = Args::try_parse_from([&["04-copy", "--yes"][..], flags].concat()).unwrap().common;
            let (ui, out, err) = Ui::non_interactive(OutputFormat::Table, true);
            let config = emulator_config("http://127.0.0.1:9").await;
            let unused_ec2 = || mock_client!(aws_sdk_ec2, RuleMode::MatchAny, Vec::<&Rule>::new());
            let unused_kms = || mock_client!(aws_sdk_kms, RuleMode::MatchAny, Vec::<&Rule>::new());
            let session = Session {
                endpoint: Endpoint::Aws,
                api_log: ApiLog::new(false),
                account: "123456789012".into(),
                caller_arn: "arn:aws:iam::123456789012:user/learner".into(),
                credentials: CredentialsOrigin { provider: "EnvironmentVariable".into(), profile: None },
                source: RegionClients { region: args.source_region, ec2: unused_ec2(), kms: unused_kms() },
                destination: RegionClients { region: args.dest_region, ec2: destination, kms: unused_kms() },
                config,
            };
            let ctx = LabContext {
                lab: common::manifest::lab(LAB_ID),
                scenario: common::scenario::Scenario::new(args.source_region, args.dest_region, &args.name_prefix),
                session,
                args,
                ui: Arc::new(ui),
            };
            (ctx, out, err)
        }

        #[tokio::test(start_paused = true)]
        async fn a_copy_refused_for_want_of_a_slot_waits_for_one_says_why_and_succeeds() {
            let copy = mock!(aws_sdk_ec2::Client::copy_snapshot)
                .sequence()
                .http_status(400, Some(no_slot()))
                .times(2)
                .output(copy_started)
                .build();
            let pending = mock!(aws_sdk_ec2::Client::describe_snapshots)
                .match_requests(|input| filtered_by(input, "status"))
                .then_output(|| pending_copies(20));
            let wait = mock!(aws_sdk_ec2::Client::describe_snapshots)
                .match_requests(|input| filtered_by(input, "snapshot-id"))
                .then_output(completed_copy);
            let oregon = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&copy, &pending, &wait], |config| {
                config.retry_config(RetryConfig::standard().with_max_attempts(5))
            });
            let (ctx, out, err) = context(oregon, &["--max-wait-minutes", "10"]).await;
            let plan = plan();
            let before = Instant::now();

            let copied = copy_all(&ctx, &plan, None).await.unwrap();

            let waited = before.elapsed();
            assert_eq!(copy.num_calls(), 3, "each refusal is one attempt: the SDK does not retry it, the lab does");
            assert_eq!(pending.num_calls(), 2, "the copies in flight are counted before each new try");
            assert!(waited >= Duration::from_secs(15) && waited < Duration::from_secs(60), "{waited:?}");
            let copies = copied.latest(Vec::new());
            let report = verify::copies(&ctx, &plan.copies, &copies, &copied.failures);
            assert_eq!(report.check_counts(), (0, 1), "the copy is verified: {:?}", report.rows);
            let (out, err) = (out.text(), err.text());
            let why =
                format!("copy {COPY_NAME}: ec2:CopySnapshot failed: ResourceLimitExceeded: Too many snapshot copies");
            assert!(out.contains(&why), "AWS's answer is shown: {out}");
            assert!(
                out.contains("The account has reached its quota of copies in flight to Oregon (us-west-2)"),
                "{out}"
            );
            assert!(out.contains("for up to 10 minutes (--max-wait-minutes)"), "{out}");
            assert_eq!(out.matches("reached its quota").count(), 1, "why is said once: {out}");
            assert!(
                err.contains("waiting for a copy slot: 20 in flight in the account (copies to Oregon (us-west-2))"),
                "{err}"
            );
            assert!(out.contains(&format!("a copy slot came free for {COPY_NAME} after")), "{out}");
            assert!(out.contains("started copy snap-copy"), "{out}");
        }

        #[tokio::test(start_paused = true)]
        async fn no_slot_within_the_maximum_wait_gives_up_with_a_way_forward() {
            let copy = mock!(aws_sdk_ec2::Client::copy_snapshot)
                .sequence()
                .http_status(400, Some(no_slot()))
                .repeatedly()
                .build();
            // AWS marks no pending snapshot as a copy here: the count says so.
            let pending = mock!(aws_sdk_ec2::Client::describe_snapshots).then_output(|| {
                let snapshot = Snapshot::builder().snapshot_id("snap-x").state(SnapshotState::Pending).build();
                DescribeSnapshotsOutput::builder().snapshots(snapshot).build()
            });
            let oregon = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&copy, &pending]);
            let (ctx, _, err) = context(oregon, &["--max-wait-minutes", "2", "--name-prefix", "alice-"]).await;
            let before = Instant::now();

            let error = copy_all(&ctx, &plan(), None).await.err().expect("no slot came free");

            let waited = before.elapsed();
            assert!(waited >= Duration::from_secs(120) && waited < Duration::from_secs(125), "{waited:?}");
            assert!(copy.num_calls() > 3, "it kept trying: {}", copy.num_calls());
            let refusal = error.downcast::<Refusal>().expect("a refusal: the account's state stops the lab");
            assert!(refusal.reason.contains("no copy slot came free in 2 minutes"), "{}", refusal.reason);
            assert!(
                refusal.reason.contains("1 snapshot(s) pending in Oregon (us-west-2) in the account"),
                "{}",
                refusal.reason
            );
            assert!(refusal.reason.contains("cannot be raised"), "{}", refusal.reason);
            assert!(
                refusal.hint.contains("run the lab again") && refusal.hint.contains("--max-wait-minutes"),
                "{}",
                refusal.hint
            );
            assert!(refusal.hint.contains("--name-prefix alice-"), "the command repeats the set: {}", refusal.hint);
            assert!(err.text().contains("waiting for a copy slot: 1 snapshot(s) pending"), "{}", err.text());
        }

        #[tokio::test(start_paused = true)]
        async fn a_throttled_copy_is_retried_by_the_sdk_and_waits_for_no_slot() {
            let throttled = ec2_error("RequestLimitExceeded", "Request limit exceeded.");
            let copy = mock!(aws_sdk_ec2::Client::copy_snapshot)
                .sequence()
                .http_status(503, Some(throttled))
                .times(2)
                .output(copy_started)
                .build();
            let pending = mock!(aws_sdk_ec2::Client::describe_snapshots)
                .match_requests(|input| filtered_by(input, "status"))
                .then_output(|| pending_copies(0));
            let wait = mock!(aws_sdk_ec2::Client::describe_snapshots)
                .match_requests(|input| filtered_by(input, "snapshot-id"))
                .then_output(completed_copy);
            let oregon = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&copy, &pending, &wait], |config| {
                config.retry_config(RetryConfig::standard().with_max_attempts(5))
            });
            let (ctx, out, _) = context(oregon, &[]).await;

            let copied = copy_all(&ctx, &plan(), None).await.unwrap();

            assert!(copied.failures.is_empty());
            assert_eq!(copy.num_calls(), 3, "two throttled attempts, then the copy: inside one SDK call");
            assert_eq!(pending.num_calls(), 0, "throttling is no reason to wait for a slot");
            assert!(!out.text().contains("copy slot"), "{}", out.text());
        }
    }
}
