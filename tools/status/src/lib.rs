//! Where the learner stands, derived from what exists in the account (no state file to go
//! stale): each lab done / next / not yet with a progress line, the overview picture of both
//! regions (keys → volumes → snapshots → copies), the lab's resources with their monthly cost,
//! and the exact command to run next. Read-only.

use anyhow::Result;
use common::ec2::{LabSnapshot, LabVolume};
use common::facts;
use common::inventory::{without_lang_flag, Found, ItemKind};
use common::kms::KeyInfo;
use common::manifest::{self, Makes};
use common::scenario::{KeyKind, Side};
use common::text::pick;
use common::tr;
use common::ui::Report;
use common::LabContext;
use serde_json::{json, Value};

pub const TOOL_ID: &str = "status";

common::common_args_only!(
    "status",
    "Where you stand in the course, from what exists in the account",
    about_ja = "アカウントに今あるものから、コース (ラボ 01～05) の進み具合を表示します",
    not_taken = common::args::CHANGING
);

/// How far one lab has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Done,
    /// Some of it exists, or is still pending.
    Partly,
    NotYet,
}

impl Progress {
    /// Its name in `--output json`.
    pub fn json_name(self) -> &'static str {
        match self {
            Progress::Done => "done",
            Progress::Partly => "partly",
            Progress::NotYet => "not_yet",
        }
    }
}

fn progress_of(present: usize, total: usize) -> Progress {
    match present {
        0 => Progress::NotYet,
        n if n >= total => Progress::Done,
        _ => Progress::Partly,
    }
}

fn live_volume<'a>(ctx: &LabContext, found: &'a Found, kind: KeyKind) -> Option<&'a LabVolume> {
    let name = ctx.scenario.volume_name(kind);
    found.source_volumes.iter().find(|v| v.is_live() && v.role() == Some(name.as_str()))
}

fn snapshot<'a>(ctx: &LabContext, found: &'a Found, kind: KeyKind) -> Option<&'a LabSnapshot> {
    let name = ctx.scenario.snapshot_name(kind);
    found.source_snapshots.iter().find(|s| s.is_live() && s.role.as_deref() == Some(name.as_str()))
}

fn copies<'a>(ctx: &LabContext, found: &'a Found, kind: KeyKind) -> Vec<&'a LabSnapshot> {
    let prefix = format!("{}-copy-", ctx.scenario.snapshot_name(kind));
    found
        .destination_snapshots
        .iter()
        .filter(|s| s.is_live() && s.role.as_deref().is_some_and(|r| r.starts_with(&prefix)))
        .collect()
}

fn key<'a>(ctx: &LabContext, found: &'a Found, kind: KeyKind, side: Side) -> Option<&'a KeyInfo> {
    let wanted = ctx.scenario.key(kind, side);
    let region = if side == Side::Source { &found.keys.source } else { &found.keys.destination };
    region.scenario_key(&wanted).filter(|key| key.unusable_for_ebs(wanted.region.code).is_none())
}

/// Each lab's progress, in manifest order, from live state.
pub fn lab_progress(ctx: &LabContext, found: &Found) -> Vec<(&'static manifest::LabInfo, Progress)> {
    let inventory = found.inventory();
    let cleaned_up = inventory.billable().next().is_none()
        && inventory.items.iter().any(|item| item.kind == ItemKind::Key && item.is_pending_deletion());
    manifest::labs()
        .iter()
        .map(|lab| {
            let count = |present: &dyn Fn(KeyKind) -> bool| KeyKind::ALL.into_iter().filter(|k| present(*k)).count();
            let progress = match (lab.makes, lab.is_final) {
                (Some(Makes::Keys), _) => {
                    let present = count(&|k| key(ctx, found, k, Side::Source).is_some())
                        + count(&|k| key(ctx, found, k, Side::Destination).is_some());
                    progress_of(present, 6)
                }
                (Some(Makes::Volumes), _) => progress_of(count(&|k| live_volume(ctx, found, k).is_some()), 3),
                (Some(Makes::Snapshots), _) => {
                    progress_of(count(&|k| snapshot(ctx, found, k).is_some_and(|s| s.state == "completed")), 3)
                }
                (Some(Makes::Copies), _) => {
                    progress_of(count(&|k| copies(ctx, found, k).iter().any(|c| c.state == "completed")), 3)
                }
                (None, true) if cleaned_up => Progress::Done,
                (None, _) => Progress::NotYet,
            };
            (lab, progress)
        })
        .collect()
}

/// The lab to run next: the first one not done; cleanup when 01–04 are done.
pub fn next_lab(progress: &[(&'static manifest::LabInfo, Progress)]) -> Option<&'static manifest::LabInfo> {
    if progress.iter().any(|(lab, p)| lab.is_final && *p == Progress::Done) {
        return None;
    }
    progress.iter().find(|(_, p)| *p != Progress::Done).map(|(lab, _)| *lab)
}

/// Runs the status view.
pub async fn run(ctx: LabContext, _args: Args) -> Result<()> {
    let ui = &ctx.ui;
    let found = Found::load(&ctx.session, &ctx.scenario).await?;
    let progress = lab_progress(&ctx, &found);
    let untagged = found.inventory().untagged;
    let next = next_lab(&progress);

    let done = progress.iter().filter(|(_, p)| *p == Progress::Done).count();
    let bar: String = progress
        .iter()
        .map(|(lab, p)| match p {
            Progress::Done => '#',
            _ if next.is_some_and(|n| n.id == lab.id) => '>',
            _ => '-',
        })
        .collect();
    ui.say(&tr!("Progress: [{bar}] {done}/{total}", "進捗: [{bar}] {done}/{total}", total = progress.len()));
    for (lab, p) in &progress {
        // Each mark fills the same width on a terminal (a Japanese character takes two columns).
        let mark = match p {
            Progress::Done => pick("✓ done   ", "✓ 完了  "),
            _ if next.is_some_and(|n| n.id == lab.id) => pick("→ next   ", "→ 次    "),
            Progress::Partly => pick("… partly ", "… 途中  "),
            Progress::NotYet => pick("· not yet", "· 未実施"),
        };
        ui.say(&format!("  {mark} {:<14} {}", lab.id, lab.name()));
        if untagged.iter().any(|item| item.maker().id == lab.id) {
            let adopt = ctx.command_with(&lab.id, "--adopt");
            ui.say(&tr!(
                "                 done by you, not tagged: run {adopt} (status and cleanup then see it)",
                "                 あなたが作成し、タグがありません: {adopt} を実行してください (status とクリーンアップの対象になります)"
            ));
        }
    }

    ui.report(&picture(&ctx, &found));
    let inventory = found.inventory();
    // In the JSON document each table is there, empty or not.
    let show = |report: common::ui::Report| match report.rows.is_empty() {
        true => ui.data(&report.name, json!([])),
        false => ui.report(&report),
    };
    show(inventory.not_ours_report());
    show(inventory.report(None));
    show(inventory.untagged_report(|lab| ctx.command_with(&lab.id, "--adopt")));
    ui.data("monthly_usd", json!(inventory.monthly_usd()));
    ui.data("untagged_monthly_usd", json!(inventory.untagged_monthly_usd()));
    let sweep = manifest::command_for(manifest::final_lab()) + " -- --all-regions --all-sets --dry-run";
    ui.say(&tr!(
        "Only {src} and {dst}, and this set, are shown. Lab resources left in other regions or sets (an\n\
         earlier run with another --dest-region or --name-prefix) keep billing: `{sweep}` lists them all.",
        "表示しているのは {src} と{dst}、そしてこのセットだけです。ほかのリージョンやセットに残ったラボのリソース\n\
         (別の --dest-region や --name-prefix で実行したもの) にも料金がかかります。`{sweep}` ですべて一覧表示できます。",
        src = ctx.scenario.source,
        dst = ctx.scenario.destination
    ));
    let cost = if ctx.session.endpoint.is_local() {
        tr!("free on the emulator", "エミュレーターでは無料")
    } else if inventory.untagged.is_empty() {
        let amount = facts::usd_per_month(inventory.monthly_usd());
        tr!("{amount} (estimate)", "{amount} (概算)")
    } else {
        let (amount, untagged) =
            (facts::usd_per_month(inventory.monthly_usd()), facts::usd_per_month(inventory.untagged_monthly_usd()));
        tr!(
            "{amount} (estimate), plus {untagged} for the untagged look-alikes above",
            "{amount} (概算)。このほか、上のタグのないリソースに {untagged}"
        )
    };
    ui.say(&tr!(
        "Running cost of what exists: {cost}, plus snapshot storage by data stored.",
        "いまあるリソースにかかり続ける費用: {cost}。このほか、スナップショットのストレージ料金が保存データ量に応じてかかります。"
    ));
    match next {
        Some(lab) => ui.say(&tr!(
            "\nNext: {command} ({title})",
            "\n次のステップ: {command} ({title})",
            command = ctx.command_for(&lab.id),
            title = lab.name()
        )),
        None => ui.say(&tr!(
            "\nThe course is complete and cleaned up: the lab keys wait out their deletion period, free.\n\
             To start again: {command}",
            "\nコースは完了し、後片付けも済んでいます。\n\
             ラボのキーは削除の保留中で、待機期間が終わると削除されます (その間、料金はかかりません)。\n\
             最初からやり直すには: {command}",
            command = ctx.command_for(&manifest::first_lab().id)
        )),
    }
    let records = progress.iter().map(|(lab, p)| {
        let adopt_needed = untagged.iter().any(|item| item.maker().id == lab.id);
        json!({ "lab": lab.id, "progress": p.json_name(), "adopt_needed": adopt_needed })
    });
    ui.data("progress", Value::Array(records.collect()));
    // The command without the language flag: the document is the same in either language.
    ui.data("course_complete", json!(next.is_none()));
    let next = next.map(|lab| json!({ "lab": lab.id, "command": without_lang_flag(&ctx.command_for(&lab.id)) }));
    ui.data("next", next.unwrap_or(Value::Null));
    Ok(())
}

fn mark_key(key: Option<&KeyInfo>, alias: &str) -> String {
    match key {
        Some(_) => format!("✓ {alias}"),
        None => format!("✗ {alias}"),
    }
}

fn key_label(found: &Found, arn: Option<&str>) -> String {
    let Some(arn) = arn else { return "?".into() };
    [&found.keys.source, &found.keys.destination]
        .iter()
        .flat_map(|r| r.owned.iter().chain(r.aws_ebs.iter()))
        .find(|k| k.arn == arn)
        .map_or_else(|| arn.rsplit('/').next().unwrap_or(arn).to_string(), |k| k.display_name().to_string())
}

fn mark_state(state: &str) -> &'static str {
    match state {
        "available" | "in-use" | "completed" => "✓",
        "error" => "✗",
        _ => "…",
    }
}

/// The walkthrough's overview picture from live state: source region on the left, destination on
/// the right, one row per key type: key → volume → snapshot ⇒ copies ← destination key.
fn picture(ctx: &LabContext, found: &Found) -> Report {
    let (src, dst) = (ctx.scenario.source, ctx.scenario.destination);
    let columns = [
        ("Key type".to_string(), "キーの種類".to_string()),
        (format!("{} key", src.city), format!("{}のキー", src.city_ja)),
        ("→ volume".to_string(), "→ ボリューム".to_string()),
        ("→ snapshot".to_string(), "→ スナップショット".to_string()),
        (format!("⇒ copies in {}", dst.city), format!("⇒ {}のコピー", dst.city_ja)),
        (format!("{} keys", dst.city), format!("{}のキー", dst.city_ja)),
    ];
    let columns: Vec<(&str, &str)> = columns.iter().map(|(en, ja)| (en.as_str(), ja.as_str())).collect();
    let mut report = Report::new(
        "picture",
        tr!(
            "The walkthrough, live: {src} ⇒ {dst}  (✓ present, … pending, ✗ missing)",
            "ウォークスルーの現在の状態: {src} ⇒ {dst}  (✓ あり、… 処理中、✗ なし)"
        ),
        &columns,
    );
    for kind in KeyKind::ALL {
        let source_key = key(ctx, found, kind, Side::Source);
        let volume = live_volume(ctx, found, kind).map_or_else(
            || tr!("✗ none", "✗ なし"),
            |v| format!("{} {} [{}]", mark_state(&v.state), v.id, key_label(found, v.kms_key_id.as_deref())),
        );
        let snap = snapshot(ctx, found, kind).map_or_else(
            || tr!("✗ none", "✗ なし"),
            |s| {
                let progress = if s.state == "pending" {
                    format!(" {}", s.progress.as_deref().unwrap_or(""))
                } else {
                    String::new()
                };
                let key = s
                    .kms_key_id
                    .as_deref()
                    .or_else(|| live_volume(ctx, found, kind).and_then(|v| v.kms_key_id.as_deref()));
                format!("{} {}{progress} [{}]", mark_state(&s.state), s.id, key_label(found, key))
            },
        );
        let copy_lines: Vec<String> = copies(ctx, found, kind)
            .iter()
            .map(|c| format!("{} {} [{}]", mark_state(&c.state), c.id, key_label(found, c.kms_key_id.as_deref())))
            .collect();
        report.row(
            vec![
                kind.to_string(),
                mark_key(source_key, ctx.scenario.key(kind, Side::Source).short_alias()),
                volume,
                snap,
                if copy_lines.is_empty() { tr!("✗ none", "✗ なし") } else { copy_lines.join("\n") },
                mark_key(
                    key(ctx, found, kind, Side::Destination),
                    ctx.scenario.key(kind, Side::Destination).short_alias(),
                ),
            ],
            None,
        );
    }
    report
}
