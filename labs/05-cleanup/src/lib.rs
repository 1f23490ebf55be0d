//! Lab 05, cleanup: the front end of `common::teardown`. Shows everything the labs made in both
//! regions with its monthly cost, asks, removes it in dependency order, and proves with a fresh
//! inventory that nothing billable remains. Never touches what the labs did not make.

use anyhow::Result;
use common::teardown;
use common::LabContext;

pub const LAB_ID: &str = "05-cleanup";

common::common_args_only!(
    "05-cleanup",
    "Lab 05: everything the labs made, in both regions, removed or scheduled for deletion"
);

/// Runs the lab.
pub async fn run(ctx: LabContext, _args: Args) -> Result<()> {
    ctx.ui.heading(&format!("Lab {}: {}", ctx.lab.id, ctx.lab.title));
    ctx.ui.teach(&format!(
        "Cleanup finds everything that carries the labs' tags in {} and {}, shows what it costs, and\n\
         removes it in an order AWS accepts: copies, snapshots, volumes, aliases, then the keys. KMS keys\n\
         cannot be deleted at once: they are scheduled for deletion after a waiting period of 7 to 30 days\n\
         ({} here, --pending-days), during which they are disabled and free. The replica is scheduled\n\
         before its primary.",
        ctx.scenario.source, ctx.scenario.destination, ctx.args.pending_days
    ));
    teardown::run(&ctx, None).await
}
