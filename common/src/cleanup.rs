//! The cleanup flow: inventory, plan, confirm, remove, report, prove. The final lab's body, every
//! lab's `--undo` (what that lab and later labs made), and the sweep of every region or every set
//! (`sweep`). The engine it drives is `crate::inventory`.

use crate::context::LabContext;
use crate::facts;
use crate::inventory::{execute, Found, Inventory, Item, ItemKind};
use crate::kms::MultiRegionRole;
use crate::manifest;
use crate::ownership::Sets;
use crate::regions::RegionInfo;
use crate::session::RegionClients;
use crate::sweep::{self, Sweep};
use crate::tr;
use anyhow::Result;
use serde_json::{json, Value};

/// The whole teardown as a lab: inventory, plan, confirm, remove, report, prove. `from` limits it
/// to what lab `from` and later labs made (`--undo`); `None` is everything (the final lab).
pub async fn run(ctx: &LabContext, from: Option<&str>) -> Result<()> {
    let found = Found::load_for_teardown(&ctx.session, &ctx.scenario).await?;
    let clients = [&ctx.session.source, &ctx.session.destination];
    let after = async { Ok(found.reload(&ctx.session).await?.inventory()) };
    teardown(ctx, found.inventory(), &clients, after, from).await
}

/// Where a sweep looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regions {
    /// The run's source and destination.
    Pair,
    /// Every region enabled for the account.
    All,
}

/// The teardown of every region enabled for the account (`Regions::All`) and of every set
/// (`Sets::All`), or of either: same order, same safety, one inventory grouped by region.
pub async fn sweep(ctx: &LabContext, regions: Regions, sets: Sets) -> Result<()> {
    let regions: Vec<&'static RegionInfo> = match regions {
        Regions::Pair => vec![ctx.scenario.source, ctx.scenario.destination],
        Regions::All => {
            let (known, unknown) = sweep::enabled_regions(&ctx.session.source.ec2).await?;
            if !unknown.is_empty() {
                let unknown = unknown.join("; ");
                ctx.ui.warn(&tr!("not swept: {unknown}", "スイープしません: {unknown}"));
            }
            known
        }
    };
    let names: Vec<String> = regions.iter().map(|region| region.code.to_string()).collect();
    let names = names.join(", ");
    ctx.ui.say(&tr!("Looking in: {names}", "検索するリージョン: {names}"));
    let found = Sweep::load(&ctx.session, &regions, sets.clone()).await?;
    let after = async { Ok(Sweep::load(&ctx.session, &regions, sets.clone()).await?.inventory()) };
    teardown(ctx, found.inventory(), &found.clients(), after, None).await
}

/// Plan, confirm, remove, report and prove, given the inventory, the clients of its regions and
/// the inventory as it will be read again after the removal.
async fn teardown(
    ctx: &LabContext,
    mut inventory: Inventory,
    clients: &[&RegionClients],
    after: impl std::future::Future<Output = Result<Inventory>>,
    from: Option<&str>,
) -> Result<()> {
    let ui = &ctx.ui;
    let pending_days = ctx.args.pending_days;
    inventory.force_keys(&ctx.args.force_key);
    let set_keys: Vec<&str> =
        inventory.items.iter().filter(|item| item.kind == ItemKind::Key).map(|item| item.id.as_str()).collect();
    for id in ctx.args.force_key.iter().filter(|id| !set_keys.contains(&id.as_str())) {
        ui.warn(&tr!(
            "--force-key {id}: not a key of this set, so not touched (only the set's own keys can be forced)",
            "--force-key {id}: このセットのキーではないため、触れません (指定できるのはセット自身のキーだけです)"
        ));
    }
    // In the JSON document both tables are there, empty or not.
    ui.data("not_ours", json!([]));
    ui.data("untagged", json!([]));
    ui.data("pending_days", json!(pending_days));
    if !inventory.not_ours.is_empty() {
        ui.report(&inventory.not_ours_report());
    }
    if !inventory.untagged.is_empty() {
        ui.report(&inventory.untagged_report(|lab| ctx.command_with(&lab.id, "--adopt")));
        let cost = facts::usd_per_month(inventory.untagged_monthly_usd());
        ui.warn(&tr!(
            "the untagged look-alikes above are left alone and keep costing about {cost}: adopt them with the lab \
             that makes them (then run cleanup again), or delete them with the commands shown",
            "上のタグのないリソースには触れません。約 {cost} の費用がかかり続けます: 作成するラボの --adopt で\
             引き継いでからもう一度クリーンアップするか、表示したコマンドで削除してください"
        ));
    }
    if let Some(step) = from {
        inventory = inventory.from_step(step);
        let later: Vec<&str> = manifest::labs()
            .iter()
            .skip_while(|lab| lab.id != step)
            .skip(1)
            .filter(|lab| !lab.is_final)
            .map(|lab| lab.id.as_str())
            .collect();
        let dependents = if later.is_empty() {
            String::new()
        } else {
            let later = later.join(", ");
            tr!(", and what depends on it (made by {later})", "と、それに依存するもの ({later} が作成)")
        };
        ui.say(&tr!(
            "Undo {step}: removes what {step} made{dependents}.",
            "{step} を元に戻します: {step} が作成したもの{dependents}を削除します。"
        ));
    }
    let to_act: Vec<Item> = inventory.items.iter().filter(|item| item.plan(pending_days).removes()).cloned().collect();
    ui.data("monthly_usd", json!(inventory.monthly_usd()));
    if to_act.is_empty() && inventory.billable().next().is_none() {
        ui.report(&inventory.remains_report());
        ui.say(&tr!(
            "Nothing to clean up: no resource the labs made costs money.",
            "クリーンアップするものはありません: 料金のかかるラボのリソースはありません。"
        ));
        return Ok(());
    }
    let cost = if ctx.session.endpoint.is_local() {
        tr!("the emulator is free", "エミュレーターは無料です")
    } else {
        let amount = facts::usd_per_month(inventory.monthly_usd());
        tr!(
            "about {amount} of it is billed monthly now, snapshots' stored data aside",
            "スナップショットの保存データを除き、現在 {amount} が課金されています"
        )
    };
    let resources = to_act.iter().filter(|item| item.kind != ItemKind::Key).count();
    let keys = to_act.iter().filter(|item| item.kind == ItemKind::Key).count();
    let question = tr!(
        "Delete {resources} resource(s) and schedule {keys} key(s) for deletion in {pending_days} days ({cost})?",
        "{resources} 個のリソースを削除し、{keys} 個のキーを {pending_days} 日後に削除するようスケジュールしますか? ({cost})"
    );
    if !ctx.approve(&inventory.report(Some(pending_days)), !to_act.is_empty(), &question)? {
        return Ok(());
    }
    ui.say(&tr!(
        "AWS managed keys (aws/ebs) are never touched: they are free and cannot be deleted.",
        "AWS マネージドキー (aws/ebs) には触れません: 無料で、削除もできないキーです。"
    ));
    let results = execute(ui, clients, &inventory.items, pending_days).await;
    ui.data(
        "results",
        Value::Array(results.iter().map(|(item, result)| result_record(item, result, pending_days)).collect()),
    );
    let failed = results.iter().filter(|(_, result)| result.is_err()).count();
    if failed > 0 {
        ui.warn(&tr!(
            "{failed} item(s) could not be removed; the table below shows what remains",
            "{failed} 個のリソースを削除できませんでした。残っているものは下の表のとおりです"
        ));
    }

    let after = after.await?;
    let after = match from {
        Some(step) => after.from_step(step),
        None => after,
    };
    if after.items.iter().any(|item| item.key_role == Some(MultiRegionRole::Primary) && item.is_pending_deletion()) {
        ui.say(&tr!(
            "Note: on AWS a multi-region primary whose replica is still pending deletion waits in\n\
             PendingReplicaDeletion; its own waiting period starts when the last replica is deleted,\n\
             so a full teardown of the pair takes at least twice the waiting period.",
            "注意: AWS では、レプリカキーが削除の保留中のあいだ、マルチリージョンのプライマリキーは\n\
             PendingReplicaDeletion の状態で待ちます。プライマリキー自身の待機期間は最後のレプリカキーが\n\
             削除されてから始まるため、ペアをすべて削除するには少なくとも待機期間の 2 倍かかります。"
        ));
    }
    let remains = after.remains_report();
    match from {
        None => ctx.conclude(
            &remains,
            &tr!(
                "Nothing the labs made costs money any more. Keys pending deletion are free and are deleted on\n\
                 their deletion date; until then `aws kms cancel-key-deletion` could bring one back.",
                "ラボが作成したもので料金がかかるものは、もうありません。削除の保留中のキーは無料で、\n\
                 削除予定日に削除されます。それまでは `aws kms cancel-key-deletion` で削除を取り消すこともできます。"
            ),
        ),
        Some(step) => {
            if remains.rows.is_empty() {
                ui.data("remaining", json!([]));
                ui.say(&tr!(
                    "✓ Nothing that {step} (or a later lab) made remains.",
                    "✓ {step} (またはそれ以降のラボ) が作成したものは何も残っていません。"
                ));
            } else {
                ui.report(&remains);
            }
            let (failed, total) = remains.check_counts();
            if failed > 0 {
                return Err(crate::errors::VerificationFailed { failed, total }.into());
            }
            let command = ctx.command_for(step);
            ui.say(&tr!(
                "\n{step} is undone. To redo it: {command}",
                "\n{step} を元に戻しました。やり直すには: {command}"
            ));
            Ok(())
        }
    }
}

/// What happened to one item, in `--output json`: `removed` (deleted, already gone, or scheduled
/// for deletion), `left_alone` (by the plan, costing nothing) or `not_removed` (it remains), with
/// the words in `message`.
fn result_record(item: &Item, result: &crate::inventory::ItemResult, pending_days: i32) -> Value {
    let mut record = item.record();
    let outcome = match result {
        Err(_) => "not_removed",
        Ok(_) if item.plan(pending_days).removes() => "removed",
        Ok(_) => "left_alone",
    };
    record["action"] = json!(item.action());
    record["outcome"] = json!(outcome);
    record["ok"] = json!(result.is_ok());
    record["message"] = json!(match result {
        Ok(words) | Err(words) => words,
    });
    record
}
