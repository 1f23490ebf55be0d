//! Hands-on mode, shared by labs 01–04: the learner does the step (console, AWS CLI) and the lab
//! checks it. `--check` reads and shows the verification table; `--adopt` then tags what the
//! learner made for this step as the labs' own (so status, `--undo` and cleanup see it);
//! `--yourself` shows how to do the step and checks each time the learner presses Enter.
//!
//! A lab supplies its [`Guide`] (its README, teaching text and summary) and a check: an async
//! function that finds the step's resources by the walkthrough's names, tagged or not, and
//! returns [`Checked`]. Prerequisites missing make the check fail with a `Refusal` (exit 5).

use crate::args::HandsOn;
use crate::context::LabContext;
use crate::errors::{AwsError, AwsResultExt, Refusal, UsageError, VerificationFailed};
use crate::regions::RegionInfo;
use crate::session::RegionClients;
use crate::tags;
use crate::text::{self, Lang};
use crate::tr;
use crate::ui::Report;
use anyhow::{Context, Result};
use aws_sdk_ec2::types::Tag as Ec2Tag;
use std::future::Future;

/// What a lab tells the hands-on mode about its step.
pub struct Guide {
    /// The lab's README.md and README.ja.md (`include_str!`): their "do it yourself" section is
    /// what `--yourself` shows.
    pub readme: [&'static str; 2],
    /// The lab's heading and explanation of the step (what it makes and why).
    pub explain: fn(&LabContext),
    /// What the learner now knows, once every check passes.
    pub summary: fn() -> String,
}

/// The heading of the README section that `--yourself` shows, in each language.
pub const YOURSELF_HEADING: [&str; 2] = ["## Do it yourself", "## 自分でやってみる"];

/// The outcome of one check of the step.
pub struct Checked {
    /// The verification table: one row per expectation, ✓ or ✗ with what is wrong and how to
    /// fix it in the learner's terms (console field, CLI flag).
    pub report: Report,
    /// Resources of this step that pass their checks and carry no ownership tags at all: made
    /// by the learner, not yet adopted.
    pub adoptable: Vec<Adoptable>,
}

/// A learner-made resource that `--adopt` may tag: it passed its checks, carries no tag of the
/// labs' and is one the walkthrough names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adoptable {
    pub region: &'static RegionInfo,
    pub resource: Resource,
    /// Its name in the walkthrough: a key's alias without `alias/`, an EC2 resource's Name. It
    /// becomes the role tag.
    pub role: String,
}

/// An AWS resource, by the id its service tags it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// A KMS key id.
    Key(String),
    /// A volume or snapshot id.
    Ec2(String),
}

impl Adoptable {
    fn id(&self) -> &str {
        match &self.resource {
            Resource::Key(id) | Resource::Ec2(id) => id,
        }
    }
}

/// Runs the lab in hands-on `mode`: the whole of a lab's `run` when a hands-on flag is given.
pub async fn drive<F, Fut>(ctx: &LabContext, mode: HandsOn, guide: &Guide, check: F) -> Result<()>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Checked>>,
{
    match mode {
        HandsOn::Check => {
            ctx.heading();
            let checked = check().await?;
            ctx.ui.report(&checked.report);
            if checked.report.check_counts().0 == 0 && !checked.adoptable.is_empty() {
                say_not_adopted(ctx, &checked.adoptable);
            }
            ctx.conclude_shown(&checked.report, &(guide.summary)())
        }
        HandsOn::Adopt => {
            ctx.heading();
            let checked = check().await?;
            ctx.ui.report(&checked.report);
            adopt(ctx, &checked.adoptable).await?;
            ctx.conclude_shown(&checked.report, &(guide.summary)())
        }
        HandsOn::Yourself => yourself(ctx, guide, check).await,
    }
}

/// Says which passing resources carry no ownership tags, and the command that adopts them.
fn say_not_adopted(ctx: &LabContext, adoptable: &[Adoptable]) {
    let list: Vec<String> = adoptable.iter().map(|item| format!("  - {} ({})", item.role, item.id())).collect();
    let list = list.join("\n");
    let command = ctx.command_with(&ctx.lab.id, "--adopt");
    ctx.ui.say(&tr!(
        "Done by you, not tagged: status and cleanup do not see these until you adopt them:\n{list}\n\
         To have the labs treat them as their own (and clean them up): {command}",
        "あなたが作成し、タグが付いていないもの: 引き継ぐまで status とクリーンアップの対象になりません:\n{list}\n\
         ラボのリソースとして扱う (クリーンアップもする) には: {command}"
    ));
}

/// Tags `adoptable` with the ownership tags of this lab and set, after one confirmation
/// (`--yes` for scripts, `--dry-run` shows and changes nothing). Returns how many were tagged.
pub async fn adopt(ctx: &LabContext, adoptable: &[Adoptable]) -> Result<usize> {
    if adoptable.is_empty() {
        ctx.ui.say(&tr!(
            "Nothing to adopt: no resource of this step passes its checks without the labs' tags \
             (resources the labs made are theirs already; one that fails a check is never adopted).",
            "引き継ぐものはありません: ラボのタグがなく、チェックに合格したこのステップのリソースはありません \
             (ラボが作成したものは最初からラボのものです。チェックに合格しないものは引き継ぎません)。"
        ));
        return Ok(0);
    }
    let set = &ctx.scenario.prefix;
    let mut plan = Report::new(
        "adopt",
        tr!("Resources to tag as the labs' own", "ラボのリソースとしてタグを付けるもの"),
        &[("Name", "名前"), ("ID", "ID"), ("Region", "リージョン"), ("Tags to add", "付けるタグ")],
    );
    for item in adoptable {
        let pairs = tags::ownership(&ctx.lab.id, &item.role, set);
        let tags = pairs.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join(", ");
        let resource = match &item.resource {
            Resource::Key(_) => "key",
            Resource::Ec2(id) if id.starts_with("vol-") => "volume",
            Resource::Ec2(_) => "snapshot",
        };
        let tags_json: serde_json::Map<String, serde_json::Value> =
            pairs.iter().map(|(key, value)| (key.to_string(), value.as_str().into())).collect();
        let record = serde_json::json!({
            "resource": resource,
            "id": item.id(),
            "region": item.region.code,
            "name": item.role,
            "tags": tags_json,
        });
        plan.row_with(vec![item.role.clone(), item.id().to_string(), item.region.code.to_string(), tags], None, record);
    }
    let count = adoptable.len();
    let question = tr!(
        "Tag these {count} resources as the labs' own (status, --undo and cleanup will then see them)?",
        "この {count} 個のリソースにラボのタグを付けますか (status、--undo、クリーンアップの対象になります)?"
    );
    if !ctx.approve(&plan, true, &question)? {
        return Ok(0);
    }
    for item in adoptable {
        tag_one(ctx, item).await?;
        ctx.ui.say(&tr!(
            "adopted {role} ({id}) in {region}",
            "{region} の {role} ({id}) を引き継ぎました",
            role = item.role,
            id = item.id(),
            region = item.region.code
        ));
    }
    Ok(count)
}

async fn tag_one(ctx: &LabContext, item: &Adoptable) -> Result<()> {
    let session = &ctx.session;
    let clients = [&session.source, &session.destination]
        .into_iter()
        .find(|clients| clients.region.code == item.region.code)
        .cloned()
        .unwrap_or_else(|| session.region_clients(item.region));
    let tags = tags::ownership(&ctx.lab.id, &item.role, &ctx.scenario.prefix);
    let (role, region) = (&item.role, item.region.code);
    match &item.resource {
        Resource::Ec2(id) => tag_ec2(&clients, id, &tags).await,
        Resource::Key(id) => tag_key(&clients, id, &tags).await,
    }
    .with_context(|| tr!("tagging {role} in {region}", "{region} の {role} にタグを付けています"))
}

/// EC2 adds the ownership tags to one volume or snapshot.
async fn tag_ec2(clients: &RegionClients, id: &str, tags: &[(&str, String)]) -> Result<(), AwsError> {
    let tags = tags.iter().map(|(key, value)| Ec2Tag::builder().key(*key).value(value).build());
    clients.ec2.create_tags().resources(id).set_tags(Some(tags.collect())).send().await.aws("ec2:CreateTags")?;
    Ok(())
}

/// KMS adds the ownership tags to one key.
async fn tag_key(clients: &RegionClients, key_id: &str, tags: &[(&str, String)]) -> Result<(), AwsError> {
    let tags = tags.iter().map(|(key, value)| {
        aws_sdk_kms::types::Tag::builder().tag_key(*key).tag_value(value).build().expect("key and value are set")
    });
    clients.kms.tag_resource().key_id(key_id).set_tags(Some(tags.collect())).send().await.aws("kms:TagResource")?;
    Ok(())
}

/// `--yourself`: the explanation, then one check (a missing prerequisite refuses here, and a step
/// already done ends here); then the "do it yourself" section of the README, and the loop:
/// wait for Enter, check, show what is wrong, until every row is ✓ or the learner stops.
async fn yourself<F, Fut>(ctx: &LabContext, guide: &Guide, check: F) -> Result<()>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Checked>>,
{
    if !ctx.ui.is_interactive() {
        return Err(UsageError(tr!(
            "--yourself waits for you at a terminal, and there is none: run it in a terminal, or use --check to \
             check once",
            "--yourself は端末であなたの操作を待ちますが、端末がありません。端末で実行するか、1 回だけ確認するには \
             --check を使ってください"
        ))
        .into());
    }
    (guide.explain)(ctx);
    let first = check().await?;
    if first.report.check_counts().0 == 0 {
        ctx.ui.say(&tr!("This step is done already.", "このステップはすでに完了しています。"));
        return finish(ctx, guide, &first).await;
    }
    // The last check, and whether its table is already on screen.
    let (mut last, mut shown) = (first.report, false);
    ctx.ui.say(&format!("\n{}", how_to(ctx, guide)));
    loop {
        let question = tr!(
            "Done? Press Enter to check your work (n or Esc to stop)",
            "できましたか? Enter を押すと確認します (n または Esc で終了)"
        );
        if !ctx.ui.wait_for_learner(&question)? {
            let command = ctx.command_with(&ctx.lab.id, "--yourself");
            ctx.ui.say(&tr!("Stopped. To go on later: {command}", "終了しました。続きはあとで: {command}"));
            // Stopping does not make the step pass: where it stands, then exit 4.
            if !shown {
                ctx.ui.report(&last);
            }
            let (failed, total) = last.check_counts();
            return Err(VerificationFailed { failed, total }.into());
        }
        match check().await {
            Ok(checked) => {
                let (failed, total) = checked.report.check_counts();
                if failed == 0 {
                    return finish(ctx, guide, &checked).await;
                }
                ctx.ui.report(&checked.report);
                (last, shown) = (checked.report, true);
                ctx.ui.say(&tr!(
                    "{failed} of {total} checks do not pass yet (✗ above, each with how to fix it). Fix them, then press Enter.",
                    "{total} 件のうち {failed} 件のチェックがまだ通りません (上の ✗ の行に直し方があります)。直してから Enter を押してください。"
                ));
            }
            Err(error) if error.chain().any(|cause| cause.is::<Refusal>()) => return Err(error),
            Err(error) => ctx.ui.warn(&crate::errors::render(&error, "")),
        }
    }
}

/// Every row ✓: the table; when the learner made something untagged, offer to adopt it; then the
/// summary and the next step.
async fn finish(ctx: &LabContext, guide: &Guide, checked: &Checked) -> Result<()> {
    ctx.ui.report(&checked.report);
    if !checked.adoptable.is_empty() {
        say_not_adopted(ctx, &checked.adoptable);
        adopt(ctx, &checked.adoptable).await?;
    }
    ctx.conclude_shown(&checked.report, &(guide.summary)())
}

/// The README's "do it yourself" section in the learner's language, with the run's regions and
/// prefix put into the shell variables its CLI block starts with.
pub fn how_to(ctx: &LabContext, guide: &Guide) -> String {
    let (readme, heading) = match text::lang() {
        Lang::En => (guide.readme[0], YOURSELF_HEADING[0]),
        Lang::Ja => (guide.readme[1], YOURSELF_HEADING[1]),
    };
    let section = section(readme, heading).unwrap_or_default();
    with_run_values(section, ctx)
}

/// The section of `markdown` under `heading` (a `## ` line), up to the next `## ` heading.
pub fn section<'a>(markdown: &'a str, heading: &str) -> Option<&'a str> {
    let start = markdown.find(&format!("\n{heading}\n"))? + 1;
    let body = &markdown[start..];
    let end = body[heading.len()..].find("\n## ").map_or(body.len(), |index| index + heading.len() + 1);
    Some(body[..end].trim_end())
}

/// The fenced ```sh blocks of a README section, joined: the commands a learner runs.
pub fn shell_blocks(section: &str) -> String {
    let mut script = String::new();
    let mut inside = false;
    for line in section.lines() {
        match (inside, line.trim_start()) {
            (false, fence) if fence == "```sh" || fence == "```bash" => inside = true,
            (true, "```") => inside = false,
            (true, _) => {
                script.push_str(line);
                script.push('\n');
            }
            _ => {}
        }
    }
    script
}

/// The variables every CLI block starts with, set to this run's values: `SRC=`, `DST=`,
/// `CITY=` (the destination's alias suffix) and `PREFIX=` (`--name-prefix`).
fn with_run_values(section: &str, ctx: &LabContext) -> String {
    let scenario = &ctx.scenario;
    let values = [
        ("SRC=", scenario.source.code.to_string()),
        ("DST=", scenario.destination.code.to_string()),
        ("CITY=", scenario.destination.slug.to_string()),
        ("PREFIX=", if scenario.prefix.is_empty() { String::new() } else { crate::cli::quote(&scenario.prefix) }),
    ];
    section
        .lines()
        .map(|line| match values.iter().find(|(name, _)| line.starts_with(name)) {
            Some((name, value)) => {
                let comment = line.find("  #").map(|index| &line[index..]).unwrap_or("");
                format!("{name}{value}{comment}")
            }
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str =
        "# Lab\n\nintro\n\n## Do it yourself\n\nIn the console: …\n\n```sh\nSRC=ap-northeast-1  # source\n\
                          PREFIX=\naws ec2 create-volume --region \"$SRC\"\n```\n\n## Read the code\n\nmore\n";

    #[test]
    fn the_section_runs_to_the_next_heading_and_its_shell_blocks_are_the_commands() {
        let section = section(README, YOURSELF_HEADING[0]).unwrap();
        assert!(section.starts_with("## Do it yourself\n") && section.ends_with("```"), "{section}");
        assert!(!section.contains("Read the code"), "{section}");
        let script = shell_blocks(section);
        assert_eq!(script, "SRC=ap-northeast-1  # source\nPREFIX=\naws ec2 create-volume --region \"$SRC\"\n");
        assert!(super::section(README, "## Nowhere").is_none());
    }
}
