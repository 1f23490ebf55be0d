//! Lab 04's verification: each planned copy checked as last described (encrypted, with the key
//! asked, completed), and the 3×3 matrix of a `--matrix` run. The same rows and messages serve
//! `--check` (`check.rs`), which adds what only a copy made by hand can get wrong: a copy of the
//! wrong snapshot, one without its Name, one made in the source region, two under one Name.
//! In `--output json` each copy's row is its `record` (docs/schemas/04-copy.schema.json); the
//! matrix is for people and stays out of the document.

use crate::lesson::{COPY_COLUMNS, MATRIX_CORNER};
use crate::plan::CopyPlan;
use common::ec2::LabSnapshot;
use common::kms::KeyInfo;
use common::regions::RegionInfo;
use common::scenario::{KeyKind, Side};
use common::tr;
use common::ui::Report;
use common::LabContext;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What a copy is checked against besides its plan: the two regions, and the destination keys
/// and source snapshots a wrong copy may be named by.
pub struct Known<'a> {
    pub source: &'static RegionInfo,
    pub destination: &'static RegionInfo,
    /// Destination keys (`aws/ebs` among them when it was read).
    pub keys: Vec<&'a KeyInfo>,
    /// The walkthrough's source snapshots.
    pub sources: Vec<&'a LabSnapshot>,
}

impl<'a> Known<'a> {
    /// What the plans themselves know: their keys and source snapshots (no extra call).
    pub fn from_plans(ctx: &LabContext, plans: &'a [CopyPlan]) -> Self {
        let mut keys: Vec<&KeyInfo> = Vec::new();
        let mut sources: Vec<&LabSnapshot> = Vec::new();
        for plan in plans {
            if !keys.iter().any(|k| k.arn == plan.key.arn) {
                keys.push(&plan.key);
            }
            if !sources.iter().any(|s| s.id == plan.source.id) {
                sources.push(&plan.source);
            }
        }
        Known { source: ctx.scenario.source, destination: ctx.scenario.destination, keys, sources }
    }

    /// The known destination key that `stored` (a copy's KmsKeyId: an ARN on AWS, what was
    /// passed on the emulator) names.
    fn key(&self, stored: &str) -> Option<&'a KeyInfo> {
        self.keys.iter().copied().find(|key| is_key(stored, key))
    }
}

/// Whether a KmsKeyId as stored names `key` (by ARN, key id or alias).
fn is_key(stored: &str, key: &KeyInfo) -> bool {
    stored == key.arn || stored == key.key_id || key.aliases.iter().any(|alias| alias == stored)
}

/// The snapshot ids a description names (`snap-` and 8 or 17 hex digits): the source of a copy,
/// as the console's default "[Copied snap-… from …]" and the labs' descriptions say.
pub fn snapshot_ids(description: &str) -> Vec<&str> {
    let mut ids = Vec::new();
    let mut rest = description;
    while let Some(start) = rest.find("snap-") {
        let after = &rest[start + 5..];
        let hex = after.bytes().take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)).count();
        let ends = after.as_bytes().get(hex).is_none_or(|b| !b.is_ascii_alphanumeric());
        if (hex == 8 || hex == 17) && ends {
            ids.push(&rest[start..start + 5 + hex]);
        }
        rest = after;
    }
    ids
}

/// What the walkthrough expects of one copy: not failed, of the planned source snapshot (when
/// its description says), encrypted, with the planned destination key, completed. Each ✗ says
/// what is wrong with the copy (Name and id) and how to fix it (console field or CLI flag).
pub fn check_copy(copy: &LabSnapshot, plan: &CopyPlan, known: &Known) -> Result<(), String> {
    let (name, id, dst) = (&plan.name, &copy.id, known.destination.code);
    if copy.state == "error" {
        let message = copy.state_message.clone().unwrap_or_else(|| tr!("no StateMessage", "StateMessage なし"));
        return Err(tr!(
            "copy {name} ({id}) failed: {message}. Delete it (`aws ec2 delete-snapshot --region {dst} --snapshot-id \
             {id}`) and copy again; a destination key that is disabled, pending deletion or of another region makes \
             a copy fail like this",
            "コピー {name} ({id}) は失敗しています: {message}。削除して (`aws ec2 delete-snapshot --region {dst} \
             --snapshot-id {id}`) もう一度コピーしてください。無効、削除保留中、または別のリージョンのコピー先キーを\
             使うと、このように失敗します"
        ));
    }
    let named = snapshot_ids(&copy.description);
    if let Some(other) = named.iter().find(|other| !named.contains(&plan.source.id.as_str()) && **other != copy.id) {
        let what = match known.sources.iter().find(|s| s.id == *other) {
            Some(source) => format!("{} ({other})", source.name),
            None => other.to_string(),
        };
        let (wanted, wanted_id) = (&plan.source.name, &plan.source.id);
        return Err(tr!(
            "copy {name} ({id}) is a copy of {what}, not of {wanted} ({wanted_id}): a snapshot cannot change its \
             source. Delete it and copy {wanted}: in the console select {wanted} before Actions → Copy snapshot; with \
             the CLI, --source-snapshot-id {wanted_id}",
            "コピー {name} ({id}) は {what} のコピーで、{wanted} ({wanted_id}) のコピーではありません。スナップショットの\
             コピー元は変えられません。削除して {wanted} をコピーしてください。コンソールでは {wanted} を選択してから\
             [アクション] → [スナップショットのコピー]、CLI では --source-snapshot-id {wanted_id} です"
        ));
    }
    let (wanted_key, arn) = (plan.key.display_name(), &plan.key.arn);
    if !copy.encrypted {
        return Err(tr!(
            "copy {name} ({id}) is not encrypted (AWS always encrypts the copy of an encrypted snapshot; the \
             emulator does not without a key). Delete it and copy again with --encrypted --kms-key-id {arn} \
             (console: Encrypt this snapshot, KMS key {wanted_key})",
            "コピー {name} ({id}) は暗号化されていません (AWS では暗号化されたスナップショットのコピーは必ず暗号化\
             されます。エミュレーターではキーを指定しないと暗号化されません)。削除して --encrypted --kms-key-id {arn} \
             でもう一度コピーしてください (コンソール: [このスナップショットを暗号化]、KMS キー {wanted_key})"
        ));
    }
    let used = copy.kms_key_id.as_deref();
    let right_key = match used {
        Some(stored) => is_key(stored, &plan.key),
        // No key recorded on an encrypted copy: the region's default key, aws/ebs unless the
        // account changed it (the emulator records none when --kms-key-id is left out).
        None => plan.key.aws_managed,
    };
    if !right_key {
        let used_key = used.and_then(|stored| known.key(stored));
        if used.is_none() || used_key.is_some_and(|key| key.aws_managed) {
            return Err(tr!(
                "copy {name} ({id}) is encrypted with aws/ebs, the region's default key, but the walkthrough wants \
                 {wanted_key}: CopySnapshot re-encrypts with the region's default key when --kms-key-id is left out \
                 (console: the KMS key field). A snapshot cannot change key: delete this copy and copy again with \
                 --kms-key-id {arn}",
                "コピー {name} ({id}) はリージョンのデフォルトキー aws/ebs で暗号化されていますが、ウォークスルーでは \
                 {wanted_key} です。--kms-key-id を省略すると、CopySnapshot はリージョンのデフォルトキーで再暗号化します \
                 (コンソール: [KMS キー] 欄)。スナップショットのキーは変えられないので、このコピーを削除し、\
                 --kms-key-id {arn} でもう一度コピーしてください"
            ));
        }
        let used = used_key.map_or_else(|| used.unwrap_or_default().to_string(), |key| key.display_name().to_string());
        return Err(tr!(
            "copy {name} ({id}) is encrypted with {used}, but this copy should use {wanted_key} (its Name says so): \
             a snapshot cannot change key. Delete it and copy again with --kms-key-id {arn} (console: KMS key \
             {wanted_key}); or, to keep this pairing, name it after its key and run with --key-for",
            "コピー {name} ({id}) は {used} で暗号化されていますが、このコピーは {wanted_key} を使うはずです (Name が\
             そう示しています)。スナップショットのキーは変えられません。削除して --kms-key-id {arn} でもう一度コピー\
             してください (コンソール: KMS キー {wanted_key})。この組み合わせを残すなら、キーに合った名前を付け、\
             --key-for を指定して実行してください"
        ));
    }
    match copy.state.as_str() {
        "completed" => Ok(()),
        "pending" => {
            let progress = copy.progress.clone().unwrap_or_else(|| "0%".into());
            Err(tr!(
                "copy {name} ({id}) is still pending ({progress}): a cross-region copy takes minutes or longer; check \
                 again when it is completed (`aws ec2 wait snapshot-completed --region {dst} --snapshot-ids {id}`)",
                "コピー {name} ({id}) はまだ pending です ({progress})。リージョン間のコピーには数分以上かかります。\
                 completed になってからもう一度確認してください (`aws ec2 wait snapshot-completed --region {dst} \
                 --snapshot-ids {id}`)"
            ))
        }
        state => Err(tr!("copy {name} ({id}) is {state}", "コピー {name} ({id}) の状態は {state} です")),
    }
}

/// The ✗ of a planned copy that does not exist, with how to make it.
pub fn missing(plan: &CopyPlan, known: &Known) -> String {
    let (name, source, source_id) = (&plan.name, &plan.source.name, &plan.source.id);
    let (src, dst, key, arn) = (known.source.code, known.destination.code, plan.key.display_name(), &plan.key.arn);
    tr!(
        "no copy named {name} in {dst}: copy {source} ({source_id}) to {dst} with the KMS key {key} (console: \
         Actions → Copy snapshot, Destination Region {dst}, KMS key {key}, tag Name={name}; CLI: aws ec2 copy-snapshot \
         --region {dst} --source-region {src} --source-snapshot-id {source_id} --encrypted --kms-key-id {arn})",
        "{dst} に {name} という名前のコピーがありません: {source} ({source_id}) を KMS キー {key} で {dst} にコピーして\
         ください (コンソール: [アクション] → [スナップショットのコピー]、送信先リージョン {dst}、KMS キー {key}、\
         タグ Name={name}。CLI: aws ec2 copy-snapshot --region {dst} --source-region {src} --source-snapshot-id \
         {source_id} --encrypted --kms-key-id {arn})"
    )
}

/// The cells of a copy's row: source snapshot and key, key asked, and the copy as found.
pub fn cells(ctx: &LabContext, plan: &CopyPlan, copy: Option<&LabSnapshot>, known: &Known) -> Vec<String> {
    let source_key = ctx.scenario.key(plan.source_kind, Side::Source).short_alias().to_string();
    let mut cells = vec![plan.source.name.clone(), source_key, plan.key.display_name().into()];
    match copy {
        None => cells.extend(["—".into(), "—".into(), "—".into(), tr!("missing", "なし")]),
        Some(copy) => {
            let key_on_copy = match copy.kms_key_id.as_deref() {
                Some(stored) => known.key(stored).map_or(stored, |key| key.display_name()).to_string(),
                None => "—".into(),
            };
            let encrypted = if copy.encrypted { tr!("yes", "はい") } else { tr!("no", "いいえ") };
            cells.extend([copy.id.clone(), encrypted, key_on_copy, copy.state.clone()]);
        }
    }
    cells
}

/// A copy as scripts see it under `found`: raw values as DescribeSnapshots gives them, and the
/// source snapshot its description names.
fn facts(copy: &LabSnapshot, region: &str) -> Value {
    let source = snapshot_ids(&copy.description).into_iter().find(|id| *id != copy.id);
    json!({
        "snapshot_id": copy.id,
        "name": copy.name,
        "region": region,
        "source_snapshot_id": source,
        "encrypted": copy.encrypted,
        "kms_key_arn": copy.kms_key_id,
        "state": copy.state,
    })
}

/// `"42%"` → 42.
fn percent(progress: Option<&str>) -> Option<Value> {
    let number = progress?.trim().trim_end_matches('%').trim();
    match number.parse::<u64>() {
        Ok(whole) => Some(json!(whole)),
        Err(_) => number.parse::<f64>().ok().map(|fraction| json!(fraction)),
    }
}

/// The JSON record of a copy's row (the `copy` check): the planned copy, the snapshot shown
/// (the first of `found`, which were found in `region`), what the walkthrough expects, and what
/// was found (null for none, a list for several under one Name).
pub fn record(plan: &CopyPlan, known: &Known, found: &[&LabSnapshot], region: &str) -> Value {
    let expected = json!({
        "name": plan.name,
        "region": known.destination.code,
        "source_snapshot_id": plan.source.id,
        "encrypted": true,
        "kms_key_arn": plan.key.arn,
        "state": "completed",
    });
    let shown = found.first().copied();
    let found_json = match found {
        [] => Value::Null,
        [one] => facts(one, region),
        several => several.iter().map(|copy| facts(copy, region)).collect(),
    };
    json!({
        "check": "copy",
        "name": plan.name,
        "source_snapshot_id": plan.source.id,
        "copy_snapshot_id": shown.map(|c| &c.id),
        "source_key_kind": plan.source_kind,
        "destination_key_kind": plan.destination_kind,
        "destination_key_arn": plan.key.arn,
        "region": shown.map(|_| region),
        "encrypted": shown.map(|c| c.encrypted),
        "kms_key_arn": shown.and_then(|c| c.kms_key_id.as_deref()),
        "state": shown.map(|c| &c.state),
        "progress_percent": shown.and_then(|c| percent(c.progress.as_deref())),
        "expected": expected,
        "found": found_json,
    })
}

/// The verification table, empty: one row per copy follows.
pub fn table(ctx: &LabContext) -> Report {
    Report::new(
        "copies",
        tr!("The lab's copies in {region}", "{region} にあるラボのコピー", region = ctx.scenario.destination),
        &COPY_COLUMNS,
    )
}

/// One row per planned copy, from `copies` as last described; `failures` are the copies that
/// ended in `error` during this run (kept so that their ✗ shows the StateMessage).
pub fn copies(
    ctx: &LabContext,
    plans: &[CopyPlan],
    copies: &[LabSnapshot],
    failures: &BTreeMap<String, String>,
) -> Report {
    let known = Known::from_plans(ctx, plans);
    let mut report = table(ctx);
    for plan in plans {
        let copy = copies
            .iter()
            .filter(|c| c.role.as_deref() == Some(plan.name.as_str()))
            .find(|c| c.is_live() || failures.contains_key(&c.id));
        let check = match copy {
            None => Err(missing(plan, &known)),
            Some(copy) => check_copy(copy, plan, &known),
        };
        let found: Vec<&LabSnapshot> = copy.into_iter().collect();
        let record = record(plan, &known, &found, known.destination.code);
        report.row_with(cells(ctx, plan, copy, &known), Some(check), record);
    }
    report
}

/// The 3×3 view of a `--matrix` run: source key type × destination key type, ✓ or ✗ (the
/// copies' table gives each ✗ its reason).
pub fn matrix(plans: &[CopyPlan], report: &Report) -> Report {
    let kinds = KeyKind::ALL.map(|kind| kind.to_string());
    let mut columns = vec![MATRIX_CORNER];
    columns.extend(KeyKind::ALL.iter().zip(&kinds).map(|(kind, shown)| (kind.english_label(), shown.as_str())));
    // Rows without records: a table for people, left out of `--output json`.
    let mut table =
        Report::new("matrix", tr!("Cross-type copy matrix", "キーの種類をまたぐコピーのマトリックス"), &columns);
    for source_kind in KeyKind::ALL {
        let mut cells = vec![source_kind.to_string()];
        for destination_kind in KeyKind::ALL {
            let index =
                plans.iter().position(|p| p.source_kind == source_kind && p.destination_kind == destination_kind);
            let mark = match index.and_then(|i| report.rows.get(i)).and_then(|row| row.check.as_ref()) {
                Some(Ok(())) => "✓".to_string(),
                // The copies' table above says what is wrong and how to fix it.
                Some(Err(_)) => "✗".to_string(),
                None => "—".to_string(),
            };
            cells.push(mark);
        }
        table.row(cells, None);
    }
    table
}
