//! Lab 01, the KMS keys: makes sure `aws/ebs` exists in both regions, creates (or finds, when
//! the labs made them) a single-region key in each region and a multi-region primary in the
//! source, replicates the primary to the destination, names them all with aliases, and
//! verifies the six keys by describing them afresh.
//!
//! With `--check`, `--adopt` or `--yourself` the learner does the step and the lab checks it
//! (`check.rs`: the keys found by their aliases, whoever made them, read calls only).
//!
//! `run` below is the whole step. The KMS calls themselves are in `aws.rs`, one function per
//! operation; the plan is in `plan.rs`, the changes in `act.rs`, the checks in `verify.rs` and
//! the teaching text in `lesson.rs`.

mod act;
mod aws;
mod check;
mod lesson;
mod plan;
mod verify;

pub use act::wait_until_enabled;
pub use plan::{plan, AliasStep, Plan, PlannedAwsEbs, PlannedKey};
pub use verify::check_key;

use act::act;
use anyhow::Result;
use common::hands_on::{self, Guide};
use common::kms::{LabKeys, Purpose};
use common::LabContext;
use verify::verify;

/// This lab's id in the manifest, its binary name and its ownership `step` tag.
pub const LAB_ID: &str = "01-keys";

common::common_args_only!(
    "01-keys",
    "Lab 01: the KMS keys of the walkthrough, in the source and destination regions",
    about_ja = "ラボ 01: ウォークスルーの KMS キーを、コピー元とコピー先のリージョンに用意します。AWS マネージドキー aws/ebs が両方のリージョンにあることを確かめ、各リージョンにカスタマーマネージドの単一リージョンキーを、コピー元にマルチリージョンのプライマリキーを作成し、プライマリキーをコピー先にレプリケートして、すべてにエイリアスを付けます。何度実行しても安全です: ラボが作ったものは再利用し、ラボが作っていないキーには触れません。",
    long_about = "Lab 01: makes sure the AWS managed key aws/ebs exists in both regions, creates a customer \
managed single-region key in each region and a multi-region primary key in the source, replicates the \
primary to the destination, and names them all with aliases. Safe to run again: it reuses what the \
labs made and never touches keys the labs did not make."
);

/// What `--check`, `--adopt` and `--yourself` show: the "do it yourself" section of this lab's
/// pages, the explanation and the summary.
const GUIDE: Guide = Guide {
    readme: [include_str!("../README.md"), include_str!("../README.ja.md")],
    explain: lesson::explain,
    summary: lesson::summary,
};

/// Runs the lab: explain, find the lab's keys, plan, confirm, make what is missing, verify.
/// In hands-on mode the learner makes the keys and the lab checks them instead.
pub async fn run(ctx: LabContext, _args: Args) -> Result<()> {
    if let Some(mode) = ctx.args.hands_on() {
        return hands_on::drive(&ctx, mode, &GUIDE, || check::check(&ctx)).await;
    }
    lesson::explain(&ctx);
    let found = LabKeys::discover(&ctx.session, &ctx.scenario, Purpose::Use).await?;
    let plan = plan(&ctx, &found)?;
    if !ctx.approve(&plan.report(&ctx), plan.has_changes(), &plan.question(&ctx))? {
        return Ok(());
    }
    let in_use = act(&ctx, &plan).await?;
    let report = verify(&ctx, &found, &plan, &in_use).await?;
    ctx.conclude(&report, &lesson::summary())
}
