//! Lab 05, cleanup: the front end of `common::cleanup`. Shows everything the labs made in both
//! regions with its monthly cost, asks, removes it in dependency order, and proves with a fresh
//! inventory that nothing billable remains. Never touches what the labs did not make. The SDK
//! calls (DeleteSnapshot, DeleteVolume, DeleteAlias, ScheduleKeyDeletion) are in
//! `common::inventory`, shared with every lab's `--undo`.

use anyhow::Result;
use common::cleanup;
use common::facts;
use common::tr;
use common::LabContext;

pub const LAB_ID: &str = "05-cleanup";

common::common_args_only!(
    "05-cleanup",
    "Lab 05: everything the labs made, in both regions, removed or scheduled for deletion",
    about_ja = "ラボ 05: ラボが両方のリージョンに作ったものをすべて削除します (キーは削除をスケジュールします)"
);

/// Runs the lab.
pub async fn run(ctx: LabContext, _args: Args) -> Result<()> {
    ctx.heading();
    ctx.ui.teach(&tr!(
        "Cleanup finds everything that carries the labs' tags in {src} and {dst}, shows what it costs, and\n\
         removes it in an order AWS accepts: copies, snapshots, volumes and aliases first, all at once, then\n\
         the keys. KMS keys cannot be deleted at once: they are scheduled for deletion after a waiting\n\
         period of {min} to {max} days ({days} here, --pending-days), during which they are disabled and\n\
         free. The replica is scheduled before its primary.",
        "クリーンアップでは、{src} と{dst} でラボのタグが付いたものをすべて探し、\n\
         その料金を示したうえで、AWS が受け付ける順序で削除します: まずスナップショットのコピー、\n\
         スナップショット、ボリューム、エイリアスをまとめて削除し、最後にキーを扱います。KMS キーは\n\
         すぐには削除できず、{min}～{max} 日の待機期間 (ここでは {days} 日、--pending-days で指定) の\n\
         経過後に削除されるようスケジュールされます。待機期間中のキーは削除の保留中となって使用できず、\n\
         料金もかかりません。レプリカキーの削除は、プライマリキーより先にスケジュールします。",
        src = ctx.scenario.source,
        dst = ctx.scenario.destination,
        days = ctx.args.pending_days,
        min = facts::KEY_DELETION_MIN_DAYS,
        max = facts::KEY_DELETION_MAX_DAYS
    ));
    cleanup::run(&ctx, None).await
}
