//! Lab 05, cleanup: the front end of `common::cleanup`. Shows everything the labs made in both
//! regions with its monthly cost, asks, removes it in dependency order, and proves with a fresh
//! inventory that nothing billable remains. Never touches what the labs did not make. The SDK
//! calls (DeleteSnapshot, DeleteVolume, DeleteAlias, ScheduleKeyDeletion) are in
//! `common::inventory`, shared with every lab's `--undo`.

use anyhow::Result;
use clap::Parser;
use common::args::CommonArgs;
use common::cleanup::{self, Regions};
use common::facts;
use common::ownership::Sets;
use common::run::LabArgs;
use common::tr;
use common::LabContext;

pub const LAB_ID: &str = "05-cleanup";

/// Arguments of `05-cleanup`.
#[derive(Debug, Parser)]
#[command(
    name = "05-cleanup",
    version,
    about = "Lab 05: everything the labs made, in both regions, removed or scheduled for deletion"
)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Look in every region enabled for the account, not only the source and destination
    #[arg(long)]
    pub all_regions: bool,

    /// Take every set (every --name-prefix), not only this run's
    #[arg(long)]
    pub all_sets: bool,
}

impl LabArgs for Args {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn about_ja() -> &'static str {
        "ラボ 05: ラボが両方のリージョンに作ったものをすべて削除します (キーは削除をスケジュールします)"
    }

    fn help_ja() -> &'static [(&'static str, &'static str)] {
        &[
            ("all_regions", "コピー元とコピー先だけでなく、アカウントで有効なすべてのリージョンを探します"),
            ("all_sets", "この実行のセットだけでなく、すべてのセット (すべての --name-prefix) を対象にします"),
        ]
    }

    /// The cleanup is the whole teardown (no `--undo` of one step), has no step to do by hand,
    /// and waits for nothing.
    fn not_taken() -> &'static [&'static str] {
        &["undo", "check", "adopt", "yourself", "max_wait_minutes"]
    }
}

/// Runs the lab.
pub async fn run(ctx: LabContext, args: Args) -> Result<()> {
    ctx.heading();
    ctx.ui.teach(&tr!(
        "Cleanup finds everything that carries the labs' tags in {src} and {dst}, shows what it costs, and\n\
         removes it in an order AWS accepts: copies, snapshots, volumes and aliases first, all at once, then\n\
         the keys. KMS keys cannot be deleted at once: they are scheduled for deletion after a waiting\n\
         period of {min} to {max} days ({days} here, --pending-days). Pending deletion is a key state of its\n\
         own, not Disabled (the state CancelKeyDeletion returns a key to): the key is unusable and free\n\
         while pending deletion. The replica is scheduled before its primary.",
        "クリーンアップでは、{src} と{dst} でラボのタグが付いたものをすべて探し、\n\
         その料金を示したうえで、AWS が受け付ける順序で削除します: まずスナップショットのコピー、\n\
         スナップショット、ボリューム、エイリアスをまとめて削除し、最後にキーを扱います。KMS キーは\n\
         すぐには削除できず、{min}～{max} 日の待機期間 (ここでは {days} 日、--pending-days で指定) の\n\
         経過後に削除されるようスケジュールされます。削除の保留中 (PendingDeletion) は、無効 (Disabled。\n\
         CancelKeyDeletion で戻る状態) とは別のキーの状態です。削除の保留中のキーは使用できず、\n\
         料金もかかりません。レプリカキーの削除は、プライマリキーより先にスケジュールします。",
        src = ctx.scenario.source,
        dst = ctx.scenario.destination,
        days = ctx.args.pending_days,
        min = facts::KEY_DELETION_MIN_DAYS,
        max = facts::KEY_DELETION_MAX_DAYS
    ));
    if !args.all_regions && !args.all_sets {
        return cleanup::run(&ctx, None).await;
    }
    let regions = if args.all_regions { Regions::All } else { Regions::Pair };
    let sets = if args.all_sets { Sets::All } else { Sets::One(ctx.scenario.prefix.clone()) };
    cleanup::sweep(&ctx, regions, sets).await
}
