//! Lab 04's verification: each planned copy checked as last described (encrypted, with the key
//! asked, completed), and the 3×3 matrix of a `--matrix` run.

use crate::lesson::{COPY_COLUMNS, MATRIX_CORNER};
use crate::plan::CopyPlan;
use common::ec2::LabSnapshot;
use common::kms::KeyInfo;
use common::scenario::{KeyKind, Side};
use common::tr;
use common::ui::Report;
use common::LabContext;
use std::collections::BTreeMap;

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

/// One row per planned copy, from `copies` as last described; `failures` are the copies that
/// ended in `error` during this run (kept so that their ✗ shows the StateMessage).
pub fn copies(
    ctx: &LabContext,
    plans: &[CopyPlan],
    copies: &[LabSnapshot],
    failures: &BTreeMap<String, String>,
) -> Report {
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
pub fn matrix(plans: &[CopyPlan], report: &Report) -> Report {
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
