//! `--check` (and `--adopt`, `--yourself`) for lab 03: finds the step's snapshots by the
//! walkthrough's Name tags, whether the lab or the learner made them, and shows the lab's
//! verification table, each ✗ with what is wrong and how to fix it. Only reads.
//!
//! The prerequisite is lab 02's volumes, found by their Name too: a volume the learner made by
//! hand counts, adopted or not, so that a learner doing the course by hand can check this step
//! before (or without) adopting the last one. A volume that carries the labs' tags of another
//! set, or a near-miss of them, does not count.

use crate::verify::{self, Known, Shown};
use anyhow::Result;
use common::ec2::{self, LabSnapshot, LabVolume};
use common::hands_on::{Adoptable, Checked, Resource};
use common::kms::RegionKeys;
use common::manifest::Makes;
use common::ownership::{self, Made, Verdict};
use common::scenario::KeyKind;
use common::tags;
use common::text::pick;
use common::tr;
use common::LabContext;
use std::collections::BTreeMap;

/// What exists by the walkthrough's names, read at once.
struct Seen {
    /// Volumes named as lab 02's, in the source region, tagged or not.
    volumes: Vec<LabVolume>,
    /// Snapshots named as this step's, in the source region.
    here: Vec<LabSnapshot>,
    /// Snapshots named as this step's, in the destination (made in the wrong region).
    there: Vec<LabSnapshot>,
    /// The source region's aliases, to name keys.
    keys: RegionKeys,
}

/// Checks the step: one row per snapshot of the walkthrough; the passing snapshots without any
/// of the labs' tags are adoptable. Lab 02's volumes missing is a refusal (exit 5).
pub async fn check(ctx: &LabContext) -> Result<Checked> {
    let seen = read(ctx).await?;
    let volumes = prerequisite_volumes(ctx, &seen.volumes)?;
    let unnamed = unnamed_snapshots(ctx, &seen, &volumes).await?;
    let known = Known { keys: &seen.keys, volumes: seen.volumes.iter().collect() };
    let mut report = verify::new_report(ctx);
    let mut adoptable = Vec::new();
    for kind in KeyKind::ALL {
        let name = ctx.scenario.snapshot_name(kind);
        let candidates = &volumes[&kind];
        let named: Vec<&LabSnapshot> = seen.here.iter().filter(|s| s.name == name).collect();
        // The volume the snapshot is of, when it is one of them; else the labs' own first.
        let volume = candidates
            .iter()
            .find(|volume| named.iter().any(|snapshot| snapshot.volume_id == volume.id))
            .unwrap_or(&candidates[0]);
        let (source, destination) = (ctx.scenario.source.code, ctx.scenario.destination.code);
        let (cells, outcome, record) = if !named.is_empty() {
            let live: Vec<&LabSnapshot> = named.iter().copied().filter(|s| s.is_live()).collect();
            let record = match live.as_slice() {
                [_, _, ..] => verify::record(ctx, &name, volume, Shown::Several(&live)),
                _ => verify::record(ctx, &name, volume, Shown::One(live.first().unwrap_or(&named[0]), source)),
            };
            let (cells, outcome, adopt) = judge_named(ctx, &known, &name, &named, volume);
            if adopt {
                let id = named.iter().find(|s| s.is_live()).map(|s| s.id.clone()).unwrap_or_default();
                adoptable.push(Adoptable { region: ctx.scenario.source, resource: Resource::Ec2(id), role: name });
            }
            (cells, outcome, record)
        } else if let Some(elsewhere) = seen.there.iter().find(|s| s.name == name && s.is_live()) {
            let record = verify::record(ctx, &name, volume, Shown::One(elsewhere, destination));
            let (cells, outcome) = wrong_region(ctx, &known, &name, elsewhere, volume);
            (cells, outcome, record)
        } else {
            let mine: Vec<&LabSnapshot> =
                unnamed.iter().filter(|s| candidates.iter().any(|volume| volume.id == s.volume_id)).collect();
            match mine.first() {
                Some(first) => (
                    verify::snapshot_cells(&known, name.clone(), first, volume),
                    Err(not_named(ctx, &known, &name, &mine)),
                    verify::record(ctx, &name, volume, Shown::One(first, source)),
                ),
                None => (
                    verify::missing_cells(name.clone(), volume, pick("missing", "見つかりません").into()),
                    Err(verify::missing(ctx, &name, volume)),
                    verify::record(ctx, &name, volume, Shown::Nothing),
                ),
            }
        };
        report.row_with(cells, Some(outcome), record);
    }
    Ok(Checked { report, adoptable })
}

/// The reads that do not depend on one another, at once.
async fn read(ctx: &LabContext) -> Result<Seen> {
    let (source, destination) = (&ctx.session.source, &ctx.session.destination);
    let volume_names = ownership::names(&ctx.scenario, Made::Volume);
    let snapshot_names = ownership::names(&ctx.scenario, Made::Snapshot);
    let (volumes, snapshots) = (pick("volumes", "ボリューム"), pick("snapshots", "スナップショット"));
    let (volumes, here, there, keys) = futures::try_join!(
        ec2::listed(ec2::volumes_named(&source.ec2, &volume_names), volumes, source.region),
        ec2::listed(ec2::snapshots_named(&source.ec2, &snapshot_names), snapshots, source.region),
        ec2::listed(ec2::snapshots_named(&destination.ec2, &snapshot_names), snapshots, destination.region),
        RegionKeys::aliases_only(&source.kms, source.region),
    )?;
    Ok(Seen { volumes, here, there, keys })
}

/// Whether a volume with the right Name counts as lab 02's: made by hand (no labs' tags) or
/// the set's own.
fn counts(ctx: &LabContext, volume: &LabVolume) -> bool {
    volume.is_live() && volume.verdict(&ctx.scenario).is_none_or(|verdict| verdict.is_ours())
}

/// Lab 02's volumes for each kind (the set's own first, then hand-made ones); a refusal naming
/// lab 02 when a kind has none.
fn prerequisite_volumes<'a>(
    ctx: &LabContext,
    volumes: &'a [LabVolume],
) -> Result<BTreeMap<KeyKind, Vec<&'a LabVolume>>> {
    let region = ctx.scenario.source;
    let mut found = BTreeMap::new();
    let mut missing = Vec::new();
    for kind in KeyKind::ALL {
        let name = ctx.scenario.volume_name(kind);
        let mut candidates: Vec<&LabVolume> =
            volumes.iter().filter(|volume| volume.name == name && counts(ctx, volume)).collect();
        candidates.sort_by_key(|volume| volume.lab_tags.is_none());
        if candidates.is_empty() {
            let foreign = volumes.iter().filter(|volume| volume.name == name && volume.is_live());
            let why: Vec<String> = foreign
                .filter_map(|volume| {
                    let why = volume.verdict(&ctx.scenario)?.why_not_ours()?;
                    Some(tr!("{id} has that Name, but it is {why}", "{id} はこの Name ですが、{why}", id = volume.id))
                })
                .collect();
            let why = if why.is_empty() { String::new() } else { format!(" ({})", why.join("; ")) };
            missing.push(tr!("volume {name} in {region}{why}", "{region} のボリューム {name}{why}"));
        } else {
            found.insert(kind, candidates);
        }
    }
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(ctx.needs(Makes::Volumes, &missing))
    }
}

/// The live snapshots of the volumes of the kinds that have no snapshot of their name in either
/// region, and no Name of the step's: taken from the right volume, but not named. One
/// DescribeSnapshots, made only when such a kind exists.
async fn unnamed_snapshots(
    ctx: &LabContext,
    seen: &Seen,
    volumes: &BTreeMap<KeyKind, Vec<&LabVolume>>,
) -> Result<Vec<LabSnapshot>> {
    let snapshot_names = ownership::names(&ctx.scenario, Made::Snapshot);
    let named_anywhere = |name: &String| seen.here.iter().chain(&seen.there).any(|s| &s.name == name);
    let ids: Vec<String> = KeyKind::ALL
        .into_iter()
        .filter(|kind| !named_anywhere(&ctx.scenario.snapshot_name(*kind)))
        .flat_map(|kind| volumes[&kind].iter().map(|volume| volume.id.clone()))
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let source = &ctx.session.source;
    let what = pick("snapshots", "スナップショット");
    let snapshots = ec2::listed(ec2::snapshots_of_volumes(&source.ec2, &ids), what, source.region).await?;
    Ok(snapshots.into_iter().filter(|s| s.is_live() && !snapshot_names.contains(&s.name)).collect())
}

/// The row for the snapshots named `name` in the source region: (cells, check, adoptable).
fn judge_named(
    ctx: &LabContext,
    known: &Known,
    name: &str,
    named: &[&LabSnapshot],
    volume: &LabVolume,
) -> (Vec<String>, Result<(), String>, bool) {
    let live: Vec<&LabSnapshot> = named.iter().copied().filter(|s| s.is_live()).collect();
    if live.len() > 1 {
        return duplicates(ctx, known, name, &live, volume);
    }
    // No live one: the failed one, with its StateMessage.
    let snapshot = live.first().copied().unwrap_or(named[0]);
    let cells = verify::snapshot_cells(known, name.to_string(), snapshot, volume);
    if let Some(why) = foreign_tags(ctx, name, snapshot) {
        return (cells, Err(why), false);
    }
    let outcome = verify::check_snapshot(ctx, known, name, snapshot, volume);
    let adopt = outcome.is_ok() && !has_any_lab_tag(snapshot);
    (cells, outcome, adopt)
}

/// Whether a snapshot carries any tag of the labs (then it is never adopted).
fn has_any_lab_tag(snapshot: &LabSnapshot) -> bool {
    snapshot.tags.keys().any(|key| key.starts_with("ebs-kms-labs:"))
}

/// Why a snapshot named as this step's carries the labs' tags and still is not the set's own;
/// `None` when it is the set's own or carries no labs' tags.
fn foreign_tags(ctx: &LabContext, name: &str, snapshot: &LabSnapshot) -> Option<String> {
    let id = &snapshot.id;
    match snapshot.verdict(&ctx.scenario, Made::Snapshot) {
        None | Some(Verdict::Ours) => None,
        Some(verdict @ Verdict::OtherSet(_)) => {
            let why = verdict.why_not_ours().unwrap_or_default();
            Some(tr!(
                "{name} ({id}) carries the labs' tags of another set: {why}",
                "{name} ({id}) には別のセットのラボのタグが付いています: {why}"
            ))
        }
        Some(verdict) => {
            let why = verdict.why_not_ours().unwrap_or_default();
            let region = ctx.scenario.source.code;
            let keys =
                [tags::PROJECT_KEY, tags::STEP_KEY, tags::ROLE_KEY, tags::SET_KEY].map(|key| format!("Key={key}"));
            let keys = keys.join(" ");
            Some(tr!(
                "{name} ({id}) carries labs' tags that do not fit it: {why}. Remove them (console: Snapshots → {id} → \
                 Tags → Manage tags; CLI: `aws ec2 delete-tags --region {region} --resources {id} --tags {keys}`), \
                 then check again and adopt it with --adopt",
                "{name} ({id}) に合わないラボのタグが付いています: {why}。タグを削除して (コンソール: スナップショット → {id} → \
                 タグ → タグを管理、CLI: `aws ec2 delete-tags --region {region} --resources {id} --tags {keys}`)、\
                 もう一度確認し、--adopt で引き継いでください"
            ))
        }
    }
}

/// Two or more live snapshots with the step's Name: keep one that passes, delete the others.
fn duplicates(
    ctx: &LabContext,
    known: &Known,
    name: &str,
    live: &[&LabSnapshot],
    volume: &LabVolume,
) -> (Vec<String>, Result<(), String>, bool) {
    let region = ctx.scenario.source.code;
    let passes = |snapshot: &&&LabSnapshot| {
        foreign_tags(ctx, name, snapshot).is_none()
            && verify::check_snapshot(ctx, known, name, snapshot, volume).is_ok()
    };
    let keep = live
        .iter()
        .find(|s| passes(s) && s.verdict(&ctx.scenario, Made::Snapshot).is_some())
        .or(live.iter().find(passes));
    let count = live.len();
    let list: Vec<String> = live.iter().map(|s| format!("{} ({})", s.id, known.volume_label(&s.volume_id))).collect();
    let list = list.join(", ");
    let why = match keep {
        Some(keep) => {
            let keep = &keep.id;
            let others: Vec<String> =
                live.iter().filter(|s| s.id != *keep).map(|s| verify::delete_command(region, &s.id)).collect();
            let others = others.join("; ");
            tr!(
                "{count} snapshots are named {name}: {list}. The walkthrough has one per volume: keep {keep} and \
                 delete the other(s) (`{others}`)",
                "{name} という名前のスナップショットが {count} 個あります: {list}。ウォークスルーではボリュームごとに 1 つです: \
                 {keep} を残し、ほかを削除してください (`{others}`)"
            )
        }
        None => {
            let create = verify::create_command(ctx, volume, name);
            tr!(
                "{count} snapshots are named {name}: {list}, and none of them is right. Delete them \
                 (`aws ec2 delete-snapshot --region {region} --snapshot-id …`) and take one again (`{create}`)",
                "{name} という名前のスナップショットが {count} 個あり ({list})、どれも正しくありません。削除して \
                 (`aws ec2 delete-snapshot --region {region} --snapshot-id …`)、作成し直してください (`{create}`)"
            )
        }
    };
    let mut cells = verify::snapshot_cells(known, name.to_string(), live[0], volume);
    cells[1] = live.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", ");
    cells[2] = live.iter().map(|s| s.volume_id.as_str()).collect::<Vec<_>>().join(", ");
    (cells, Err(why), false)
}

/// A snapshot with the step's Name in the destination region and none in the source.
fn wrong_region(
    ctx: &LabContext,
    known: &Known,
    name: &str,
    snapshot: &LabSnapshot,
    volume: &LabVolume,
) -> (Vec<String>, Result<(), String>) {
    let (source, destination) = (ctx.scenario.source, ctx.scenario.destination);
    let (id, volume_name) = (&snapshot.id, &volume.name);
    let delete = verify::delete_command(destination.code, id);
    let create = verify::create_command(ctx, volume, name);
    let why = tr!(
        "{name} ({id}) is in {destination}, not in {source}: a snapshot is taken in its volume's region, and \
         {volume_name} is in {source} (the copy to {destination} is lab 04's step). Delete it (`{delete}`) and take it \
         in {source} (console: switch the region to {source}, then Volumes → {volume_name} → Actions → Create \
         snapshot; CLI: `{create}`)",
        "{name} ({id}) は {source} ではなく {destination} にあります: スナップショットはボリュームのリージョンで作成します。\
         {volume_name} は {source} にあります ({destination} へのコピーはラボ 04 のステップです)。削除して (`{delete}`)、\
         {source} で作成してください (コンソール: リージョンを {source} に切り替え、ボリューム → {volume_name} → \
         アクション → スナップショットの作成、CLI: `{create}`)"
    );
    let mut cells = verify::snapshot_cells(known, name.to_string(), snapshot, volume);
    cells[5] = tr!("{state} in {region}", "{region} で {state}", state = snapshot.state, region = destination.code);
    (cells, Err(why))
}

/// Snapshots of the right volume without the step's Name: tag one.
fn not_named(ctx: &LabContext, known: &Known, name: &str, snapshots: &[&LabSnapshot]) -> String {
    let region = ctx.scenario.source.code;
    let first = snapshots[0];
    let (id, volume) = (&first.id, known.volume_label(&first.volume_id));
    let tag = format!("aws ec2 create-tags --region {region} --resources {id} --tags Key=Name,Value={name}");
    let extra = if snapshots.len() > 1 {
        let others: Vec<&str> = snapshots[1..].iter().map(|s| s.id.as_str()).collect();
        let others = others.join(", ");
        tr!(" (it has more: {others}; delete those)", " (ほかにもあります: {others}。それらは削除してください)")
    } else {
        String::new()
    };
    let current = &first.name;
    let wrong = if current.is_empty() {
        tr!("it has no Name tag", "Name タグがありません")
    } else {
        tr!("its Name tag is {current}, not {name}", "Name タグが {name} ではなく {current} です")
    };
    tr!(
        "{id} is a snapshot of {volume}{extra}, but {wrong}: tag it Name={name} (console: Snapshots → {id} → Tags → \
         Manage tags → Add tag; CLI: `{tag}`)",
        "{id} は {volume} のスナップショットです{extra}が、{wrong}: Name={name} のタグを付けてください (コンソール: \
         スナップショット → {id} → タグ → タグを管理 → タグを追加、CLI: `{tag}`)"
    )
}

// The emulator completes a snapshot at once and never fails one: the pending and error rows
// run on mocks (what AWS answers while EBS works, and when it gives up).
#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::operation::describe_snapshots::DescribeSnapshotsOutput;
    use aws_sdk_ec2::operation::describe_volumes::DescribeVolumesOutput;
    use aws_sdk_ec2::types::{Snapshot, SnapshotState, Tag, Volume, VolumeState};
    use aws_sdk_kms::operation::list_aliases::ListAliasesOutput;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use clap::Parser;
    use common::api_log::ApiLog;
    use common::args::OutputFormat;
    use common::session::{emulator_config, CredentialsOrigin, Endpoint, RegionClients, Session};
    use common::ui::Ui;
    use serde_json::json;
    use std::sync::Arc;

    const KEY: &str = "arn:aws:kms:ap-northeast-1:123456789012:key/1234";

    fn name_tag(name: &str) -> Tag {
        Tag::builder().key("Name").value(name).build()
    }

    fn volume(kind: KeyKind) -> Volume {
        let name = format!("EBS-encrypted-with-{}", kind.walkthrough_label());
        Volume::builder()
            .volume_id(format!("vol-{}", kind.walkthrough_label()))
            .state(VolumeState::Available)
            .encrypted(true)
            .kms_key_id(KEY)
            .tags(name_tag(&name))
            .build()
    }

    fn snapshot(kind: KeyKind, state: SnapshotState) -> aws_sdk_ec2::types::builders::SnapshotBuilder {
        let label = kind.walkthrough_label();
        Snapshot::builder()
            .snapshot_id(format!("snap-{label}"))
            .volume_id(format!("vol-{label}"))
            .state(state)
            .encrypted(true)
            .kms_key_id(KEY)
            .tags(name_tag(&format!("snap-EBS-encrypted-with-{label}")))
    }

    /// What `run_lab` would hand the lab, on mocked clients.
    async fn context(source: aws_sdk_ec2::Client, destination: aws_sdk_ec2::Client) -> LabContext {
        let args = crate::Args::try_parse_from(["03-snapshots", "--check"]).unwrap().common;
        let (ui, _, _) = Ui::non_interactive(OutputFormat::Table, true);
        let aliases = mock!(aws_sdk_kms::Client::list_aliases).then_output(|| ListAliasesOutput::builder().build());
        let kms = || mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&aliases]);
        let session = Session {
            endpoint: Endpoint::Aws,
            api_log: ApiLog::new(false),
            account: "123456789012".into(),
            caller_arn: "arn:aws:iam::123456789012:user/learner".into(),
            credentials: CredentialsOrigin { provider: "EnvironmentVariable".into(), profile: None },
            source: RegionClients { region: args.source_region, ec2: source, kms: kms() },
            destination: RegionClients { region: args.dest_region, ec2: destination, kms: kms() },
            config: emulator_config("http://127.0.0.1:9").await,
        };
        LabContext {
            lab: common::manifest::lab(crate::LAB_ID),
            scenario: common::scenario::Scenario::new(args.source_region, args.dest_region, &args.name_prefix),
            session,
            args,
            ui: Arc::new(ui),
        }
    }

    #[tokio::test]
    async fn a_pending_snapshot_says_wait_and_a_failed_one_shows_its_message_and_the_fix() {
        let volumes = mock!(aws_sdk_ec2::Client::describe_volumes).then_output(|| {
            DescribeVolumesOutput::builder().set_volumes(Some(KeyKind::ALL.map(volume).to_vec())).build()
        });
        let snapshots = mock!(aws_sdk_ec2::Client::describe_snapshots).then_output(|| {
            let pending = snapshot(KeyKind::AwsManaged, SnapshotState::Pending).progress("42%").build();
            let failed =
                snapshot(KeyKind::SingleRegion, SnapshotState::Error).state_message("The KMS key is disabled").build();
            let done = snapshot(KeyKind::MultiRegion, SnapshotState::Completed).progress("100%").build();
            DescribeSnapshotsOutput::builder().set_snapshots(Some(vec![pending, failed, done])).build()
        });
        let none =
            mock!(aws_sdk_ec2::Client::describe_snapshots).then_output(|| DescribeSnapshotsOutput::builder().build());
        let source = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&volumes, &snapshots]);
        let destination = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&none]);
        let ctx = context(source, destination).await;

        let checked = check(&ctx).await.unwrap();

        assert_eq!(checked.report.check_counts(), (2, 3), "{:?}", checked.report.rows);
        let outcome = |index: usize| checked.report.rows[index].check.clone().unwrap();
        let pending = outcome(0).unwrap_err();
        assert!(
            pending.contains("snap-EBS-encrypted-with-default-key (snap-default-key) is still pending (42%)"),
            "{pending}"
        );
        assert!(pending.contains("wait a few minutes and check again"), "{pending}");
        let failed = outcome(1).unwrap_err();
        assert!(failed.contains("ended in state error: The KMS key is disabled"), "{failed}");
        assert!(
            failed.contains("aws ec2 delete-snapshot --region ap-northeast-1 --snapshot-id snap-Single-region-key"),
            "{failed}"
        );
        assert!(failed.contains("--volume-id vol-Single-region-key"), "{failed}");
        assert_eq!(outcome(2), Ok(()));
        // The rows' JSON records: raw values, the same in every language.
        let record = |index: usize| checked.report.rows[index].record.clone().unwrap();
        assert_eq!((&record(0)["check"], &record(0)["state"]), (&json!("snapshot"), &json!("pending")));
        assert_eq!(record(0)["progress_percent"], 42, "a number, not \"42%\"");
        assert_eq!(record(1)["found"]["state"], "error");
        assert_eq!(record(1)["expected"]["state"], "completed");
        assert_eq!(record(2)["expected"]["kms_key_arn"], KEY);
        assert_eq!(record(2)["found"]["volume_id"], "vol-Multi-region-key");
        let adoptable: Vec<&str> = checked.adoptable.iter().map(|item| item.role.as_str()).collect();
        assert_eq!(adoptable, ["snap-EBS-encrypted-with-Multi-region-key"], "only the passing one, untagged");
        assert_eq!(snapshots.num_calls(), 1, "no lookup by volume: every snapshot has its Name");
        assert_eq!(none.num_calls(), 1, "the destination is read once");
    }
}
