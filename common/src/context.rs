//! What a lab's code receives for one run (`LabContext`: arguments, scenario, session, UI) and
//! the steps every lab shares: the heading, approval of a plan (dry run, confirmation), the
//! verification table and next step, refusals for missing prerequisites, and key checks.

use crate::args::CommonArgs;
use crate::errors::{Refusal, VerificationFailed};
use crate::kms::{KeyInfo, RegionKeys};
use crate::manifest::{self, LabInfo, Makes};
use crate::scenario::{KeyKind, Scenario, Side};
use crate::session::Session;
use crate::tr;
use crate::ui::{Report, Ui};
use anyhow::Result;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Everything a lab's library code needs for one run.
pub struct LabContext {
    pub lab: &'static LabInfo,
    pub args: CommonArgs,
    pub scenario: Scenario,
    pub session: Session,
    pub ui: Arc<Ui>,
}

impl LabContext {
    pub fn dry_run(&self) -> bool {
        self.args.dry_run
    }

    /// The lab's heading: its id and title, in the learner's language.
    pub fn heading(&self) {
        self.ui.heading(&tr!("Lab {id}: {title}", "ラボ {id}: {title}", id = self.lab.id, title = self.lab.name()));
    }

    /// Shows the plan, then decides: `false` for a dry run or a declined confirmation (the lab
    /// then stops, having changed nothing), `true` to carry the plan out.
    pub fn approve(&self, plan: &Report, has_changes: bool, question: &str) -> Result<bool> {
        self.ui.report(plan);
        if self.dry_run() {
            self.ui.say(&tr!(
                "Dry run: nothing was created or changed. Run without --dry-run to carry out the plan.",
                "ドライランのため、何も作成・変更していません。計画を実行するには --dry-run を付けずに実行してください。"
            ));
            return Ok(false);
        }
        if has_changes && !self.ui.confirm(question)? {
            self.ui.say(&tr!("Nothing was changed.", "何も変更しませんでした。"));
            return Ok(false);
        }
        Ok(true)
    }

    /// Shows the verification table; any ✗ is an error (exit code 4), otherwise says what the
    /// learner now has and what comes next.
    pub fn conclude(&self, report: &Report, summary: &str) -> Result<()> {
        self.ui.report(report);
        self.conclude_shown(report, summary)
    }

    /// [`LabContext::conclude`] once the table is on screen (the hands-on mode shows it first).
    pub fn conclude_shown(&self, report: &Report, summary: &str) -> Result<()> {
        let (failed, total) = report.check_counts();
        if failed > 0 {
            return Err(VerificationFailed { failed, total }.into());
        }
        self.ui.say(&tr!("✓ All {total} checks passed.", "✓ {total} 件のチェックにすべて合格しました。"));
        self.ui.teach(summary);
        self.say_next_step();
        Ok(())
    }

    /// A refusal for a missing prerequisite: names what is missing and the lab that makes it.
    pub fn needs(&self, what: Makes, missing: &[String]) -> anyhow::Error {
        let (this, lab) = (&self.lab.id, &manifest::lab_that_makes(what).id);
        let missing = missing.join("\n  - ");
        let command = self.command_for(lab);
        Refusal {
            reason: tr!(
                "{this} needs what {lab} makes, and this is missing in the account:\n  - {missing}\nNothing was created.",
                "{this} には {lab} で作成するリソースが必要ですが、アカウントに次のものがありません:\n  - {missing}\n\
                 何も作成していません。"
            ),
            hint: tr!("run {lab} first: {command}", "先に {lab} を実行してください: {command}"),
        }
        .into()
    }

    /// The scenario keys of `kinds` on `side`, each checked usable by EBS in that region (enabled,
    /// symmetric, in the region). Refuses before anything is created: naming the lab that makes
    /// keys when a key is missing, or saying what is wrong with a key (AWS would accept it and
    /// fail later).
    pub fn usable_keys(&self, keys: &RegionKeys, side: Side, kinds: &[KeyKind]) -> Result<BTreeMap<KeyKind, KeyInfo>> {
        let mut found = BTreeMap::new();
        let (mut missing, mut unusable) = (Vec::new(), Vec::new());
        for &kind in kinds {
            let wanted = self.scenario.key(kind, side);
            match keys.scenario_key(&wanted) {
                None => missing.push(tr!(
                    "{alias} in {region}",
                    "{region} の {alias}",
                    alias = wanted.alias,
                    region = wanted.region
                )),
                Some(key) => match key.unusable_for_ebs(wanted.region.code) {
                    Some(problem) => unusable.push(tr!(
                        "{alias} ({id}) in {region}: {problem}",
                        "{region} の {alias} ({id}): {problem}",
                        alias = wanted.alias,
                        id = key.key_id,
                        region = wanted.region
                    )),
                    None => {
                        found.insert(kind, key.clone());
                    }
                },
            }
        }
        if !missing.is_empty() {
            return Err(self.needs(Makes::Keys, &missing));
        }
        if !unusable.is_empty() {
            let region = self.scenario.region(side).code;
            let keys_lab = &manifest::lab_that_makes(Makes::Keys).id;
            let unusable = unusable.join("\n  - ");
            return Err(Refusal {
                reason: tr!(
                    "EBS cannot encrypt with these keys:\n  - {unusable}\nNothing was created (AWS would accept the request and \
                     fail it later: a snapshot copy ends in state error with \"Given key ID is not accessible\", and a \
                     new volume can appear to complete but eventually fails).",
                    "次のキーは EBS の暗号化に使えません:\n  - {unusable}\n何も作成していません (AWS はリクエストを受け付けますが、\
                     後から失敗します。スナップショットのコピーは \"Given key ID is not accessible\" で error 状態になり、\
                     新しいボリュームは作成が完了したように見えても、最終的には失敗します)。"
                ),
                hint: tr!(
                    "enable a disabled key (`aws kms enable-key --region {region} --key-id ID`), cancel a pending deletion \
                     (`aws kms cancel-key-deletion`, then enable it), or run {keys_lab} to make new keys",
                    "無効になっているキーを有効にする (`aws kms enable-key --region {region} --key-id ID`) か、削除の保留中の\
                     キーの削除をキャンセルする (`aws kms cancel-key-deletion` のあと有効にする) か、{keys_lab} を実行して\
                     新しいキーを作成してください"
                ),
            }
            .into());
        }
        Ok(found)
    }

    /// The command that runs lab `lab_id` on the same regions, prefix and profile as this run.
    pub fn command_for(&self, lab_id: &str) -> String {
        format!("{}{}", manifest::command_for(manifest::lab(lab_id)), self.args.repeat_flags())
    }

    /// [`LabContext::command_for`] with one more of the lab's flags, e.g. `--adopt`.
    pub fn command_with(&self, lab_id: &str, flag: &str) -> String {
        let command = self.command_for(lab_id);
        // The run's flags already follow `cargo run`'s ` -- `; otherwise the flag needs it.
        let separator = if command.contains(" -- ") { "" } else { " --" };
        format!("{command}{separator} {flag}")
    }

    /// The closing line: which command comes next in the course.
    pub fn say_next_step(&self) {
        let text = match manifest::next_after(&self.lab.id) {
            Some(next) => {
                let (command, title) = (self.command_for(&next.id), next.name());
                tr!("Next: {command} ({title})", "次のステップ: {command} ({title})")
            }
            None => tr!("That was the last lab of the course.", "これがコースの最後のラボでした。"),
        };
        self.ui.say(&format!("\n{text}"));
    }
}

/// The plan's (action, cost) cells for a resource the lab made before and reuses.
pub fn reuse_plan(id: &str, state: &str) -> (String, String) {
    (tr!("exists: reuse {id} ({state})", "作成済み: {id} を再利用します ({state})"), tr!("no change", "変更なし"))
}
