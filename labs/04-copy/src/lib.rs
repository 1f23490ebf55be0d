//! Lab 04, the cross-region copy: each source snapshot copied to the destination region with
//! CopySnapshot sent to the destination, re-encrypted with a destination key that was checked
//! first; the matching key type by default, any type on request, or all nine pairs (`--matrix`).
//! At most 20 copies are in flight (the AWS quota); all are waited for together.

use anyhow::{Context, Result};
use aws_sdk_ec2::types::ResourceType;
use aws_sdk_ec2::Client;
use clap::Parser;
use common::args::CommonArgs;
use common::ec2::{self, LabSnapshot, WaitPolicy};
use common::errors::AwsResultExt;
use common::facts::{self, CONCURRENT_COPY_QUOTA};
use common::kms::{KeyInfo, RegionKeys};
use common::run::LabArgs;
use common::scenario::{KeyKind, Side};
use common::tags;
use common::text::pick;
use common::tr;
use common::ui::{Report, Ui};
use common::LabContext;
use lab03_snapshots::find_snapshot;
use std::collections::BTreeMap;

pub const LAB_ID: &str = "04-copy";

/// Columns of the plan, (English, Japanese).
const PLAN_COLUMNS: [(&str, &str); 4] = [
    ("Source snapshot", "コピー元スナップショット"),
    ("Destination key", "コピー先のキー"),
    ("Action", "処理"),
    ("Cost (estimate)", "費用 (概算)"),
];

/// Columns of the verification table, (English, Japanese).
const COPY_COLUMNS: [(&str, &str); 7] = [
    ("Source snapshot", "コピー元スナップショット"),
    ("Source key", "コピー元のキー"),
    ("Destination key asked", "指定したコピー先のキー"),
    ("Copy ID", "コピーの ID"),
    ("Encrypted", "暗号化"),
    ("Key on copy", "コピーのキー"),
    ("State", "状態"),
];

/// The matrix's corner column, (English, Japanese); one column per destination key type follows.
const MATRIX_CORNER: (&str, &str) =
    ("Source key type ↓ / destination key type →", "コピー元のキーの種類 ↓ / コピー先のキーの種類 →");

/// Parses a key kind as typed on the command line.
pub fn parse_kind(text: &str) -> Result<KeyKind, String> {
    match text.trim() {
        "aws-managed" => Ok(KeyKind::AwsManaged),
        "single-region" => Ok(KeyKind::SingleRegion),
        "multi-region" => Ok(KeyKind::MultiRegion),
        other => Err(tr!(
            "unknown key kind '{other}': use aws-managed, single-region or multi-region",
            "キーの種類 '{other}' は使えません。aws-managed、single-region、multi-region のいずれかを指定してください"
        )),
    }
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
                "SOURCE のスナップショットのコピーを、種類 DEST のキーで再暗号化します。例: single-region=aws-managed (繰り返し指定できます)",
            ),
            (
                "completion_minutes",
                "時間ベースのコピーを指定し、N 分以内に完了させます (15～2880 分、15 の倍数)",
            ),
        ]
    }
}

/// One copy the lab wants: which source snapshot, re-encrypted with which destination key.
#[derive(Debug, Clone)]
pub struct CopyPlan {
    pub source_kind: KeyKind,
    pub destination_kind: KeyKind,
    pub source: LabSnapshot,
    pub key: KeyInfo,
    /// Name tag (and ownership role) of the copy.
    pub name: String,
    pub existing: Option<LabSnapshot>,
}

/// Runs the lab.
pub async fn run(ctx: LabContext, args: Args) -> Result<()> {
    let ui = &ctx.ui;
    let source = &ctx.session.source;
    let destination = &ctx.session.destination;
    explain(&ctx);

    // Only the destination keys are needed; a replica belongs to the labs when its primary in
    // the source does.
    let wanted: Vec<_> = KeyKind::ALL.iter().map(|kind| ctx.scenario.key(*kind, Side::Destination)).collect();
    let (destination_found, source_snapshots, existing_copies) = futures::try_join!(
        RegionKeys::lookup(&destination.kms, destination.region, &wanted, Some(&source.kms)),
        async {
            ec2::lab_snapshots(&source.ec2).await.with_context(|| {
                tr!(
                    "listing the lab's snapshots in {region}",
                    "{region} にあるラボのスナップショットを一覧表示中",
                    region = source.region
                )
            })
        },
        async {
            ec2::lab_snapshots(&destination.ec2).await.with_context(|| {
                tr!(
                    "listing the lab's copies in {region}",
                    "{region} にあるラボのコピーを一覧表示中",
                    region = destination.region
                )
            })
        },
    )?;
    let snapshots = completed_source_snapshots(&ctx, &source_snapshots)?;
    let pairs = choose_pairs(&ctx, &args, ui)?;
    // Only the keys the chosen pairs use, checked before any copy.
    let needed: Vec<KeyKind> = KeyKind::ALL.into_iter().filter(|kind| pairs.iter().any(|(_, d)| d == kind)).collect();
    let destination_keys = ctx.usable_keys(&destination_found, Side::Destination, &needed)?;

    let plans: Vec<CopyPlan> = pairs
        .iter()
        .map(|(source_kind, destination_kind)| {
            let key = destination_keys[destination_kind].clone();
            let name = ctx.scenario.copy_name(*source_kind, *destination_kind);
            let existing =
                existing_copies.iter().find(|c| c.is_live() && c.role.as_deref() == Some(name.as_str())).cloned();
            CopyPlan {
                source_kind: *source_kind,
                destination_kind: *destination_kind,
                source: snapshots[source_kind].clone(),
                key,
                name,
                existing,
            }
        })
        .collect();

    let mut plan = Report::new("plan", pick("Plan", "計画"), &PLAN_COLUMNS);
    for copy in &plans {
        let (action, cost) = match &copy.existing {
            Some(existing) => common::run::reuse_plan(&existing.id, &existing.state),
            None => (
                tr!(
                    "copy to {region} as {name}",
                    "{region} へ {name} としてコピー",
                    region = destination.region,
                    name = copy.name
                ),
                if ctx.session.endpoint.is_local() {
                    tr!("free (emulator)", "無料 (エミュレーター)")
                } else {
                    facts::INTER_REGION_TRANSFER.text().into()
                },
            ),
        };
        plan.row(vec![copy.source.name.clone(), copy.key.display_name().into(), action, cost], None);
    }
    let to_copy: Vec<&CopyPlan> = plans.iter().filter(|copy| copy.existing.is_none()).collect();
    let question = tr!(
        "Copy {count} snapshot(s) from {source} to {destination}?",
        "{source} から{destination} へ、スナップショットを {count} 個コピーしますか？",
        count = to_copy.len(),
        source = source.region,
        destination = destination.region
    );
    if !ctx.approve(&plan, !to_copy.is_empty(), &question)? {
        return Ok(());
    }

    let already_running: Vec<String> = plans
        .iter()
        .filter_map(|copy| copy.existing.as_ref())
        .filter(|c| c.state == "pending")
        .map(|c| c.id.clone())
        .collect();
    let (failures, waited) =
        copy_all(&ctx, &destination.ec2, &to_copy, already_running, args.completion_minutes).await?;
    // Copies as last described: those waited for now, the others as listed at the start.
    let mut copies = existing_copies;
    copies.retain(|copy| !waited.iter().any(|w| w.id == copy.id));
    copies.extend(waited);
    let report = verify(&ctx, &plans, &copies, &failures);
    if args.matrix {
        ui.report(&matrix(&plans, &report));
    }
    ctx.conclude(
        &report,
        &tr!(
            "Each copy now lives in the destination region, encrypted with the destination key you chose,\n\
             whatever key protected the source. Everything the labs made carries their tags, so it can be\n\
             found and removed when you are done.",
            "各コピーはコピー先のリージョンにあり、コピー元がどのキーで保護されていたかにかかわらず、\n\
             選んだコピー先のキーで暗号化されています。ラボで作成したものにはすべてラボのタグが付いているので、\n\
             終わったら見つけて削除できます。"
        ),
    )
}

fn explain(ctx: &LabContext) {
    ctx.heading();
    ctx.ui.teach(&tr!(
        "CopySnapshot is sent to the destination region ({dst}), naming the source region and snapshot.\n\
         A copy of an encrypted snapshot is always encrypted, and a KMS key is regional: the copy is\n\
         re-encrypted with a key of {dst}. While the data travels, Amazon S3 server-side encryption\n\
         (256-bit AES) protects it. A multi-region key does not skip that re-encryption: it gives you a\n\
         related key that already exists in {dst} (its replica), as AWS documents for most services.\n\
         Any source key type can be copied with any destination key type. Tags are not copied: the lab\n\
         tags each copy in the CopySnapshot request.",
        "CopySnapshot リクエストは、コピー先のリージョンである{dst} に送信します。\n\
         コピー元のリージョンとスナップショットは、リクエストの中で指定します。\n\
         暗号化されたスナップショットのコピーは必ず暗号化されます。また、KMS キーはリージョンごとの\n\
         リソースなので、コピーは{dst} のキーで再暗号化されます。\n\
         転送中のデータは、Amazon S3 のサーバー側の暗号化 (256 ビット AES) で保護されます。\n\
         AWS のドキュメントがほとんどのサービスについて説明しているとおり、マルチリージョンキーを\n\
         使ってもこの再暗号化は省略されません。マルチリージョンキーで得られるのは、{dst} に\n\
         すでに存在する関連キー (キーマテリアルを共有するレプリカキー) であり、コピーはこのレプリカキーで\n\
         再暗号化されます。コピー元のキーがどの種類でも、コピー先ではどの種類のキーでも選べます。\n\
         タグはコピーされないため、このラボは CopySnapshot リクエストの中で各コピーにタグを付けます。",
        dst = ctx.scenario.destination
    ));
}

/// The completed lab snapshot of each kind; a refusal naming lab 03 otherwise.
fn completed_source_snapshots(ctx: &LabContext, snapshots: &[LabSnapshot]) -> Result<BTreeMap<KeyKind, LabSnapshot>> {
    let mut found = BTreeMap::new();
    let mut missing = Vec::new();
    for kind in KeyKind::ALL {
        match find_snapshot(ctx, snapshots, kind) {
            Some(snapshot) if snapshot.state == "completed" => {
                found.insert(kind, snapshot.clone());
            }
            Some(snapshot) => missing.push(tr!(
                "snapshot {name} ({id}) is still {state}: run 03-snapshots again to wait for it",
                "スナップショット {name} ({id}) はまだ {state} です。03-snapshots をもう一度実行して完了を待ってください",
                name = snapshot.name,
                id = snapshot.id,
                state = snapshot.state
            )),
            None => missing.push(tr!(
                "snapshot {name} in {region}",
                "{region} のスナップショット {name}",
                name = ctx.scenario.snapshot_name(kind),
                region = ctx.scenario.source
            )),
        }
    }
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(ctx.needs_lab("03-snapshots", &missing))
    }
}

/// Which destination key type each source snapshot is copied with.
fn choose_pairs(ctx: &LabContext, args: &Args, ui: &Ui) -> Result<Vec<(KeyKind, KeyKind)>> {
    if args.matrix {
        return Ok(KeyKind::ALL.into_iter().flat_map(|s| KeyKind::ALL.into_iter().map(move |d| (s, d))).collect());
    }
    let options: Vec<String> = KeyKind::ALL
        .iter()
        .map(|kind| format!("{} ({})", ctx.scenario.key(*kind, Side::Destination).short_alias(), kind))
        .collect();
    let mut pairs = Vec::new();
    for source_kind in KeyKind::ALL {
        let destination_kind = match args.key_for.iter().find(|(s, _)| *s == source_kind) {
            Some((_, destination_kind)) => *destination_kind,
            None => {
                let default = KeyKind::ALL.iter().position(|k| *k == source_kind).unwrap_or(0);
                let question = tr!(
                    "Re-encrypt the copy of {snapshot} with which key in {region}?",
                    "{snapshot} のコピーを、{region} のどのキーで再暗号化しますか？",
                    snapshot = ctx.scenario.snapshot_name(source_kind),
                    region = ctx.scenario.destination
                );
                KeyKind::ALL[ui.choose(&question, &options, default)?]
            }
        };
        pairs.push((source_kind, destination_kind));
    }
    Ok(pairs)
}

/// Starts the copies, never more than the quota in flight, and waits for all of them; returns
/// id → StateMessage of copies that ended in `error`, and every copy waited for as last described.
async fn copy_all(
    ctx: &LabContext,
    destination: &Client,
    to_copy: &[&CopyPlan],
    already_running: Vec<String>,
    completion_minutes: Option<i32>,
) -> Result<(BTreeMap<String, String>, Vec<LabSnapshot>)> {
    let policy = WaitPolicy::minutes(ctx.args.max_wait_minutes);
    let mut failures = BTreeMap::new();
    let mut waited = Vec::new();
    let mut in_flight = already_running;
    let mut queue = to_copy.iter();
    loop {
        let room = CONCURRENT_COPY_QUOTA.saturating_sub(in_flight.len());
        let batch: Vec<&&CopyPlan> = queue.by_ref().take(room).collect();
        let started = futures::future::try_join_all(
            batch.iter().map(|copy| start_copy(ctx, destination, copy, completion_minutes)),
        )
        .await?;
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
    Ok((failures, waited))
}

async fn start_copy(
    ctx: &LabContext,
    destination: &Client,
    copy: &CopyPlan,
    completion_minutes: Option<i32>,
) -> Result<String> {
    let src = ctx.scenario.source.code;
    // Sent to AWS: English whatever the learner's language.
    let description = format!("{} (copy of {} from {src})", copy.name, copy.source.id);
    let output = destination
        .copy_snapshot()
        .source_region(src)
        .source_snapshot_id(&copy.source.id)
        .encrypted(true)
        .kms_key_id(&copy.key.arn)
        .description(description)
        .tag_specifications(tags::ec2_tag_spec(ResourceType::Snapshot, LAB_ID, &copy.name))
        .set_completion_duration_minutes(completion_minutes)
        .send()
        .await
        .aws("ec2:CopySnapshot")
        .with_context(|| {
            tr!(
                "copying {id} from {source} to {destination}",
                "{id} を {source} から {destination} へコピー中",
                id = copy.source.id,
                source = ctx.scenario.source,
                destination = ctx.scenario.destination
            )
        })?;
    let id = output
        .snapshot_id()
        .with_context(|| {
            tr!("CopySnapshot returned no snapshot id", "CopySnapshot がスナップショット ID を返しませんでした")
        })?
        .to_string();
    ctx.ui.say(&tr!(
        "started copy {id}: {name} → {region}, encrypted with {key}",
        "コピー {id} を開始しました: {name} → {region}、{key} で暗号化",
        name = copy.source.name,
        region = ctx.scenario.destination,
        key = copy.key.display_name()
    ));
    Ok(id)
}

/// What the walkthrough expects of one copy.
pub fn check_copy(copy: &LabSnapshot, asked: &KeyInfo) -> Result<(), String> {
    if copy.state == "error" {
        let message = copy.state_message.clone().unwrap_or_else(|| tr!("no StateMessage", "StateMessage なし"));
        return Err(tr!("error: {message}", "エラー: {message}"));
    }
    if !copy.encrypted {
        return Err(tr!("not encrypted", "暗号化されていません"));
    }
    if copy.kms_key_id.as_deref() != Some(asked.arn.as_str()) {
        let used = copy.kms_key_id.clone().unwrap_or_else(|| tr!("no key", "キーなし"));
        return Err(tr!(
            "encrypted with {used}, asked {asked}",
            "{used} で暗号化されています (指定したのは {asked})",
            asked = asked.arn
        ));
    }
    if copy.state != "completed" {
        return Err(tr!("state {state}", "状態 {state}", state = copy.state));
    }
    Ok(())
}

fn verify(ctx: &LabContext, plans: &[CopyPlan], copies: &[LabSnapshot], failures: &BTreeMap<String, String>) -> Report {
    let mut report = Report::new(
        "copies",
        tr!("The lab's copies in {region}", "{region} にあるラボのコピー", region = ctx.scenario.destination),
        &COPY_COLUMNS,
    );
    for plan in plans {
        let copy = copies
            .iter()
            .filter(|c| c.role.as_deref() == Some(plan.name.as_str()))
            .find(|c| c.is_live() || failures.contains_key(&c.id));
        let source_key = ctx.scenario.key(plan.source_kind, Side::Source).short_alias().to_string();
        match copy {
            None => report.row(
                vec![
                    plan.source.name.clone(),
                    source_key,
                    plan.key.display_name().into(),
                    "—".into(),
                    "—".into(),
                    "—".into(),
                    tr!("missing", "なし"),
                ],
                Some(Err(tr!("no such copy", "コピーが見つかりません"))),
            ),
            Some(copy) => {
                let key_on_copy = match copy.kms_key_id.as_deref() {
                    Some(arn) if arn == plan.key.arn => plan.key.display_name().to_string(),
                    Some(arn) => arn.to_string(),
                    None => "—".into(),
                };
                report.row(
                    vec![
                        plan.source.name.clone(),
                        source_key,
                        plan.key.display_name().into(),
                        copy.id.clone(),
                        if copy.encrypted { tr!("yes", "はい") } else { tr!("no", "いいえ") },
                        key_on_copy,
                        copy.state.clone(),
                    ],
                    Some(check_copy(copy, &plan.key)),
                )
            }
        }
    }
    report
}

/// The 3×3 view of a `--matrix` run: source key type × destination key type.
fn matrix(plans: &[CopyPlan], report: &Report) -> Report {
    let kinds = KeyKind::ALL.map(|kind| kind.to_string());
    let mut columns = vec![MATRIX_CORNER];
    // JSON keys come from the English header, whatever the learner's language.
    columns.extend(KeyKind::ALL.iter().zip(&kinds).map(|(kind, shown)| (kind.english_label(), shown.as_str())));
    let mut table =
        Report::new("matrix", tr!("Cross-type copy matrix", "キーの種類をまたぐコピーのマトリックス"), &columns);
    for source_kind in KeyKind::ALL {
        let mut cells = vec![source_kind.to_string()];
        for destination_kind in KeyKind::ALL {
            let index =
                plans.iter().position(|p| p.source_kind == source_kind && p.destination_kind == destination_kind);
            let mark = match index.and_then(|i| report.rows.get(i)).and_then(|row| row.check.as_ref()) {
                Some(Ok(())) => "✓".to_string(),
                Some(Err(why)) => format!("✗ {why}"),
                None => "—".to_string(),
            };
            cells.push(mark);
        }
        table.row(cells, None);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
