//! Lab 04's hands-on check (`--check`, `--adopt`, `--yourself`): reads, never writes. It finds
//! the copies the same arguments would plan by the walkthrough's names, whether the lab or the
//! learner made them: in the destination by Name, or by the source snapshot id in the
//! description for a copy left without its Name; in the source region, a snapshot with a copy's
//! Name (a copy made in the wrong region). Three reads at once: the destination keys, the source
//! region's snapshots with the walkthrough's names, and the destination's snapshots.

use crate::plan::{self, CopyPlan};
use crate::verify::{self, snapshot_ids, Known};
use crate::Args;
use anyhow::Result;
use common::ec2::{self, LabSnapshot};
use common::hands_on::{Adoptable, Checked, Resource};
use common::kms::RegionKeys;
use common::ownership::Made;
use common::scenario::{KeyKind, Side};
use common::text::pick;
use common::tr;
use common::LabContext;

/// Checks the copies that `args` plan (the matching key types by default), as they exist.
pub async fn check(ctx: &LabContext, args: &Args) -> Result<Checked> {
    let (source, destination) = (&ctx.session.source, &ctx.session.destination);
    let pairs = plan::pairs_without_asking(args);
    let copy_names: Vec<String> = pairs.iter().map(|(s, d)| ctx.scenario.copy_name(*s, *d)).collect();
    let mut source_names: Vec<String> = KeyKind::ALL.iter().map(|kind| ctx.scenario.snapshot_name(*kind)).collect();
    source_names.extend(copy_names.iter().cloned());
    let wanted: Vec<_> = KeyKind::ALL.iter().map(|kind| ctx.scenario.key(*kind, Side::Destination)).collect();
    let what = pick("snapshots", "スナップショット");
    let (keys, in_source, in_destination) = futures::try_join!(
        RegionKeys::lookup(&destination.kms, destination.region, &ctx.scenario, &wanted, Some(&source.kms)),
        ec2::listed(ec2::snapshots_named(&source.ec2, &source_names), what, source.region),
        ec2::listed(ec2::all_snapshots(&destination.ec2), what, destination.region),
    )?;

    // Prerequisites (exit 5 naming the lab): lab 03's snapshots, lab 01's destination keys.
    let sources = plan::completed_sources(ctx, |kind| source_snapshot(ctx, &in_source, kind))?;
    let needed: Vec<KeyKind> = KeyKind::ALL.into_iter().filter(|kind| pairs.iter().any(|(_, d)| d == kind)).collect();
    let chosen_keys = ctx.usable_keys(&keys, Side::Destination, &needed).map_err(plan::or_another_key)?;
    let plans: Vec<CopyPlan> = pairs
        .iter()
        .zip(copy_names)
        .map(|((source_kind, destination_kind), name)| CopyPlan {
            source_kind: *source_kind,
            destination_kind: *destination_kind,
            source: sources[source_kind].clone(),
            key: chosen_keys[destination_kind].clone(),
            name,
            existing: None,
        })
        .collect();

    let mut known = Known::from_plans(ctx, &plans);
    for key in keys.aws_ebs.iter().chain(&keys.owned) {
        if !known.keys.iter().any(|k| k.arn == key.arn) {
            known.keys.push(key);
        }
    }
    known.sources = sources.values().collect();

    let mut report = verify::table(ctx);
    let mut adoptable = Vec::new();
    for plan in &plans {
        let seen = examine(ctx, plan, &in_destination, &known);
        let strays: Vec<&LabSnapshot> =
            in_source.iter().filter(|s| s.name == plan.name && s.is_live() && s.id != plan.source.id).collect();
        let (src, dst) = (known.source.code, known.destination.code);
        match (seen, strays.first()) {
            (Seen::Missing, Some(stray)) => report.row_with(
                verify::cells(ctx, plan, Some(stray), &known),
                Some(Err(in_source_region(plan, stray, &known))),
                verify::record(plan, &known, &[stray], src),
            ),
            (Seen::Missing, None) => report.row_with(
                verify::cells(ctx, plan, None, &known),
                Some(Err(verify::missing(plan, &known))),
                verify::record(plan, &known, &[], dst),
            ),
            (Seen::Found { copy, check, adopt, all }, _) => {
                if adopt {
                    adoptable.push(Adoptable {
                        region: destination.region,
                        resource: Resource::Ec2(copy.id.clone()),
                        role: plan.name.clone(),
                    });
                }
                // The copy shown first, then the others under its Name.
                let mut found = vec![copy];
                found.extend(all.into_iter().filter(|other| other.id != copy.id));
                let record = verify::record(plan, &known, &found, dst);
                report.row_with(verify::cells(ctx, plan, Some(copy), &known), Some(check), record);
                for stray in &strays {
                    report.row_with(
                        verify::cells(ctx, plan, Some(stray), &known),
                        Some(Err(in_source_region(plan, stray, &known))),
                        verify::record(plan, &known, &[stray], src),
                    );
                }
            }
        }
    }
    Ok(Checked { report, adoptable })
}

/// The source snapshot of `kind` among the source region's snapshots with the walkthrough's
/// names, tagged or not: a live one that is not another set's, this set's first, then a
/// completed one.
fn source_snapshot<'a>(ctx: &LabContext, snapshots: &'a [LabSnapshot], kind: KeyKind) -> Option<&'a LabSnapshot> {
    let name = ctx.scenario.snapshot_name(kind);
    let verdict = |s: &LabSnapshot| s.verdict(&ctx.scenario, Made::Snapshot);
    snapshots
        .iter()
        .filter(|s| s.name == name && s.is_live() && verdict(s).is_none_or(|v| v.is_ours()))
        .min_by_key(|s| (verdict(s).is_none(), s.state != "completed"))
}

/// What was found in the destination for one planned copy.
enum Seen<'a> {
    Missing,
    /// The copy shown in the row, its check, whether `--adopt` may tag it, and every live copy
    /// under its Name when there are several (else empty).
    Found {
        copy: &'a LabSnapshot,
        check: Result<(), String>,
        adopt: bool,
        all: Vec<&'a LabSnapshot>,
    },
}

/// Finds the planned copy in the destination: by Name (one live copy; two are a ✗), else a
/// copy without a Name whose description names the planned source snapshot.
fn examine<'a>(ctx: &LabContext, plan: &CopyPlan, in_destination: &'a [LabSnapshot], known: &Known) -> Seen<'a> {
    let named: Vec<&LabSnapshot> = in_destination.iter().filter(|s| s.name == plan.name).collect();
    let live: Vec<&LabSnapshot> = named.iter().copied().filter(|s| s.is_live()).collect();
    let candidates = if live.is_empty() { named } else { live };
    match candidates.as_slice() {
        [] => match unnamed(plan, in_destination) {
            Some(copy) => {
                let no_name = no_name(plan, copy, known);
                let check = match verify::check_copy(copy, plan, known) {
                    Ok(()) => Err(no_name),
                    Err(problem) => Err(format!("{problem}; {no_name}")),
                };
                Seen::Found { copy, check, adopt: false, all: Vec::new() }
            }
            None => Seen::Missing,
        },
        [copy] => match copy.verdict(&ctx.scenario, Made::Copy).and_then(|v| v.why_not_ours()) {
            Some(why) => Seen::Found { copy, check: Err(not_ours(plan, copy, &why)), adopt: false, all: Vec::new() },
            None => {
                let check = verify::check_copy(copy, plan, known);
                let adopt = check.is_ok() && !has_labs_tags(copy);
                Seen::Found { copy, check, adopt, all: Vec::new() }
            }
        },
        several => {
            let good = several.iter().copied().find(|copy| verify::check_copy(copy, plan, known).is_ok());
            let shown = good.unwrap_or(several[0]);
            Seen::Found {
                copy: shown,
                check: Err(duplicates(plan, several, good, known)),
                adopt: false,
                all: several.to_vec(),
            }
        }
    }
}

/// A live copy without a Name whose description names the planned source snapshot (the
/// console's default "[Copied snap-… from …]"), the one with the planned key first.
fn unnamed<'a>(plan: &CopyPlan, in_destination: &'a [LabSnapshot]) -> Option<&'a LabSnapshot> {
    let with_key = |s: &LabSnapshot| s.kms_key_id.as_deref().is_some_and(|k| k == plan.key.arn || k == plan.key.key_id);
    in_destination
        .iter()
        .filter(|s| s.name.is_empty() && s.is_live() && snapshot_ids(&s.description).contains(&plan.source.id.as_str()))
        .max_by_key(|s| with_key(s))
}

/// Whether a resource carries any of the labs' tags (the project tag or another of theirs).
fn has_labs_tags(copy: &LabSnapshot) -> bool {
    let prefix = format!("{}:", common::tags::PROJECT);
    copy.tags.keys().any(|key| key.starts_with(&prefix))
}

/// The ✗ of a copy found without its Name.
fn no_name(plan: &CopyPlan, copy: &LabSnapshot, known: &Known) -> String {
    let (name, id, source, dst) = (&plan.name, &copy.id, &plan.source.name, known.destination.code);
    tr!(
        "copy {id} of {source} has no Name tag, so nothing finds it by name: tag it Name={name} (console: Snapshots \
         in {dst}, select it, Tags → Manage tags; CLI: aws ec2 create-tags --region {dst} --resources {id} --tags \
         Key=Name,Value={name})",
        "{source} のコピー {id} には Name タグがないため、名前で見つけられません。Name={name} のタグを付けてください \
         (コンソール: {dst} の [スナップショット] で選択し、[タグ] → [タグを管理]。CLI: aws ec2 create-tags --region \
         {dst} --resources {id} --tags Key=Name,Value={name})"
    )
}

/// The ✗ of a snapshot with a copy's Name in the source region.
fn in_source_region(plan: &CopyPlan, stray: &LabSnapshot, known: &Known) -> String {
    let (name, id, src, dst) = (&plan.name, &stray.id, known.source.code, known.destination.code);
    tr!(
        "{name} ({id}) is in the source region {src}: the copy was made in the source region, not in {dst}. \
         CopySnapshot is sent to the destination: aws ec2 copy-snapshot --region {dst} --source-region {src} (console: \
         Destination Region {dst}). Delete it (`aws ec2 delete-snapshot --region {src} --snapshot-id {id}`) and copy \
         to {dst}",
        "{name} ({id}) はコピー元のリージョン {src} にあります: コピーが {dst} ではなくコピー元のリージョンに作成され\
         ています。CopySnapshot はコピー先に送信します: aws ec2 copy-snapshot --region {dst} --source-region {src} \
         (コンソール: 送信先リージョン {dst})。削除して (`aws ec2 delete-snapshot --region {src} --snapshot-id {id}`) \
         {dst} にコピーしてください"
    )
}

/// The ✗ of several live copies under one Name.
fn duplicates(plan: &CopyPlan, copies: &[&LabSnapshot], good: Option<&LabSnapshot>, known: &Known) -> String {
    let (name, dst, count) = (&plan.name, known.destination.code, copies.len());
    let ids: Vec<&str> = copies.iter().map(|c| c.id.as_str()).collect();
    let ids = ids.join(", ");
    let keep = match good {
        Some(copy) => {
            let id = &copy.id;
            tr!(" ({id} passes the checks: keep it)", " ({id} はチェックに合格しています。これを残してください)")
        }
        None => String::new(),
    };
    tr!(
        "{count} copies are named {name} in {dst}: {ids}. Keep one{keep} and delete the others (`aws ec2 \
         delete-snapshot --region {dst} --snapshot-id …`); the labs find a copy by its Name",
        "{dst} に {name} という名前のコピーが {count} 個あります: {ids}。1 個を残し{keep}、ほかは削除してください \
         (`aws ec2 delete-snapshot --region {dst} --snapshot-id …`)。ラボはコピーを Name で見つけます"
    )
}

/// The ✗ of a copy with the walkthrough's Name and the labs' tags of another owner.
fn not_ours(plan: &CopyPlan, copy: &LabSnapshot, why: &str) -> String {
    let (name, id) = (&plan.name, &copy.id);
    tr!(
        "{name} ({id}) carries the labs' tags, but not this set's: {why}. The labs leave it alone (never adopted): \
         correct its ebs-kms-labs: tags or delete it",
        "{name} ({id}) にはラボのタグが付いていますが、このセットのものではありません: {why}。ラボはこれに手を付けません \
         (引き継ぎもしません)。ebs-kms-labs: タグを直すか、削除してください"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_kms::types::KeyState;
    use common::kms::{KeyInfo, Ownership};
    use std::collections::BTreeMap;

    const SRK: &str = "arn:aws:kms:us-west-2:123456789012:key/srk";
    const EBS: &str = "arn:aws:kms:us-west-2:123456789012:key/ebs";
    const SOURCE: &str = "snap-0123456789abcdef0";
    const OTHER: &str = "snap-0fedcba9876543210";
    const NAME: &str = "snap-EBS-encrypted-with-Single-region-key-copy-Single-region-key-oregon";

    fn key(arn: &str, alias: &str, aws_managed: bool) -> KeyInfo {
        KeyInfo {
            region: "us-west-2".into(),
            key_id: arn.rsplit('/').next().unwrap().into(),
            arn: arn.into(),
            aliases: vec![alias.into()],
            aws_managed,
            state: KeyState::Enabled,
            spec: None,
            usage: None,
            multi_region: None,
            primary_arn: None,
            replica_regions: Vec::new(),
            ownership: Ownership::NotLabs,
            deletion_date: None,
            foreign_grants: Vec::new(),
        }
    }

    fn snapshot(id: &str, name: &str, description: &str, key: Option<&str>, state: &str) -> LabSnapshot {
        LabSnapshot {
            id: id.into(),
            name: name.into(),
            role: None,
            volume_id: "vol-ffffffff".into(),
            description: description.into(),
            encrypted: true,
            kms_key_id: key.map(str::to_string),
            state: state.into(),
            progress: Some("100%".into()),
            state_message: None,
            tags: BTreeMap::new(),
        }
    }

    fn plan() -> CopyPlan {
        CopyPlan {
            source_kind: KeyKind::SingleRegion,
            destination_kind: KeyKind::SingleRegion,
            source: snapshot(SOURCE, "snap-EBS-encrypted-with-Single-region-key", "", None, "completed"),
            key: key(SRK, "alias/Single-region-key-oregon", false),
            name: NAME.into(),
            existing: None,
        }
    }

    fn check(copy: &LabSnapshot) -> Result<(), String> {
        let plan = plan();
        let ebs = key(EBS, "alias/aws/ebs", true);
        let other = snapshot(OTHER, "snap-EBS-encrypted-with-default-key", "", None, "completed");
        let known = Known {
            source: common::regions::lookup("ap-northeast-1"),
            destination: common::regions::lookup("us-west-2"),
            keys: vec![&plan.key, &ebs],
            sources: vec![&plan.source, &other],
        };
        verify::check_copy(copy, &plan, &known)
    }

    fn copy(key: Option<&str>, state: &str) -> LabSnapshot {
        snapshot("snap-0aaaaaaaaaaaaaaaa", NAME, &format!("[Copied {SOURCE} from ap-northeast-1]"), key, state)
    }

    #[test]
    fn each_learner_mistake_with_a_copy_has_its_own_message() {
        assert_eq!(check(&copy(Some(SRK), "completed")), Ok(()));
        // An alias or key id as stored by the emulator names the same key.
        assert_eq!(check(&copy(Some("alias/Single-region-key-oregon"), "completed")), Ok(()));

        let pending = check(&copy(Some(SRK), "pending")).unwrap_err();
        assert!(pending.contains("still pending") && pending.contains("snap-0aaaaaaaaaaaaaaaa"), "{pending}");

        let mut failed = copy(Some(SRK), "error");
        failed.state_message = Some("Given key ID is not accessible".into());
        let failed = check(&failed).unwrap_err();
        assert!(
            failed.contains("failed: Given key ID is not accessible") && failed.contains("delete-snapshot"),
            "{failed}"
        );

        for default_key in [Some(EBS), None] {
            let wrong = check(&copy(default_key, "completed")).unwrap_err();
            assert!(
                wrong.contains("aws/ebs") && wrong.contains("--kms-key-id") && wrong.contains("KMS key"),
                "{wrong}"
            );
            assert!(wrong.contains(NAME) && wrong.contains(SRK), "{wrong}");
        }

        let other_key = check(&copy(Some("arn:aws:kms:us-west-2:123456789012:key/mrk"), "completed")).unwrap_err();
        assert!(other_key.contains("key/mrk") && other_key.contains("--kms-key-id"), "{other_key}");

        let mut wrong_source = copy(Some(SRK), "completed");
        wrong_source.description = format!("[Copied {OTHER} from ap-northeast-1]");
        let wrong_source = check(&wrong_source).unwrap_err();
        assert!(
            wrong_source.contains("snap-EBS-encrypted-with-default-key")
                && wrong_source.contains("--source-snapshot-id"),
            "{wrong_source}"
        );

        let mut plain = copy(None, "completed");
        plain.encrypted = false;
        let plain = check(&plain).unwrap_err();
        assert!(plain.contains("not encrypted") && plain.contains("--encrypted"), "{plain}");
    }

    #[test]
    fn a_copys_record_has_raw_values_and_both_key_kinds() {
        let plan = plan();
        let known = Known {
            source: common::regions::lookup("ap-northeast-1"),
            destination: common::regions::lookup("us-west-2"),
            keys: vec![&plan.key],
            sources: vec![&plan.source],
        };
        let mut pending = copy(Some(SRK), "pending");
        pending.progress = Some("42%".into());
        let record = verify::record(&plan, &known, &[&pending], "us-west-2");
        assert_eq!(record["check"], "copy");
        assert_eq!(
            (&record["source_key_kind"], &record["destination_key_kind"]),
            (&"single-region".into(), &"single-region".into())
        );
        assert_eq!(record["progress_percent"], 42);
        assert_eq!((&record["expected"]["kms_key_arn"], &record["found"]["kms_key_arn"]), (&SRK.into(), &SRK.into()));
        assert_eq!(record["found"]["source_snapshot_id"], SOURCE, "read from the description");
        let missing = verify::record(&plan, &known, &[], "us-west-2");
        assert!(missing["found"].is_null() && missing["copy_snapshot_id"].is_null() && missing["region"].is_null());
        let other = copy(Some(EBS), "completed");
        let several = verify::record(&plan, &known, &[&pending, &other], "us-west-2");
        assert_eq!(several["found"].as_array().map(Vec::len), Some(2));
        assert_eq!(several["state"], "pending", "the first is the one shown");
    }

    #[test]
    fn a_description_names_its_source_snapshot() {
        assert_eq!(snapshot_ids(&format!("[Copied {SOURCE} from ap-northeast-1]")), [SOURCE]);
        assert_eq!(snapshot_ids("x (copy of snap-0123abcd from y)"), ["snap-0123abcd"]);
        assert!(snapshot_ids("snap-EBS-encrypted-with-default-key-copy-aws-ebs").is_empty());
        assert!(snapshot_ids("snap-0123abcdz").is_empty());
    }
}
