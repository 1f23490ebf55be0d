//! Whose a lab-tagged resource is. A resource is this set's only when its whole ownership
//! signature is exactly what the scenario gives that kind of resource: the project tag, the
//! step tag of the lab that makes that kind, a role that is one of the set's names for it, the
//! set tag (read from the role on resources made before the set tag existed) and, on EC2, a
//! Name equal to the role. Anything else is another set's, or a near-miss the labs leave alone.

use crate::manifest::{self, Makes};
use crate::regions::RegionInfo;
use crate::scenario::{KeyKind, Scenario, Side};
use crate::tags::LabTags;
use crate::tr;

/// The kinds of resource the labs make, as the ownership check tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Made {
    /// A customer managed key (its role is the alias it is meant to have, without `alias/`).
    Key(Side),
    Volume,
    /// A snapshot of a lab volume, in the source region.
    Snapshot,
    /// A cross-region copy, in the destination region.
    Copy,
}

impl Made {
    fn makes(self) -> Makes {
        match self {
            Made::Key(_) => Makes::Keys,
            Made::Volume => Makes::Volumes,
            Made::Snapshot => Makes::Snapshots,
            Made::Copy => Makes::Copies,
        }
    }

    /// What follows the set's prefix in every name of this kind.
    fn stems(self) -> &'static [&'static str] {
        match self {
            Made::Key(_) => &["Single-region-key", "Multi-region-key"],
            Made::Volume => &["EBS-encrypted-with-"],
            Made::Snapshot | Made::Copy => &["snap-EBS-encrypted-with-"],
        }
    }

    fn noun(self) -> String {
        match self {
            Made::Key(_) => tr!("a KMS key", "KMS キー"),
            Made::Volume => tr!("a volume", "ボリューム"),
            Made::Snapshot => tr!("a snapshot", "スナップショット"),
            Made::Copy => tr!("a copy", "コピー"),
        }
    }
}

/// Every name `scenario` gives a resource of kind `made`: a key's alias without `alias/`, or
/// an EC2 resource's Name.
pub fn names(scenario: &Scenario, made: Made) -> Vec<String> {
    match made {
        Made::Key(side) => [KeyKind::SingleRegion, KeyKind::MultiRegion]
            .into_iter()
            .map(|kind| scenario.key(kind, side).short_alias().to_string())
            .collect(),
        Made::Volume => KeyKind::ALL.into_iter().map(|kind| scenario.volume_name(kind)).collect(),
        Made::Snapshot => KeyKind::ALL.into_iter().map(|kind| scenario.snapshot_name(kind)).collect(),
        Made::Copy => KeyKind::ALL
            .into_iter()
            .flat_map(|source| KeyKind::ALL.into_iter().map(move |destination| scenario.copy_name(source, destination)))
            .collect(),
    }
}

/// Whose a lab-tagged resource is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every ownership tag is this set's.
    Ours,
    /// Another set's own: the runs with `--name-prefix` equal to this value own it.
    OtherSet(String),
    /// It carries the project tag, but not a signature the scenario gives: left alone, and why.
    NearMiss(String),
}

impl Verdict {
    pub fn is_ours(&self) -> bool {
        *self == Verdict::Ours
    }

    /// Why the resource is not this set's, as shown to learners; `None` when it is.
    pub fn why_not_ours(&self) -> Option<String> {
        match self {
            Verdict::Ours => None,
            Verdict::OtherSet(set) if set.is_empty() => Some(tr!(
                "the default set's (no --name-prefix): run without a prefix to clean it up",
                "既定のセット (--name-prefix なし) のもの: プレフィックスを付けずに実行するとクリーンアップできます"
            )),
            Verdict::OtherSet(set) => Some(tr!(
                "another set's (--name-prefix {set}): run with that prefix to clean it up",
                "別のセット (--name-prefix {set}) のもの: そのプレフィックスを指定して実行するとクリーンアップできます"
            )),
            Verdict::NearMiss(why) => Some(why.clone()),
        }
    }
}

/// The verdict on a resource of kind `made` with these lab tags and, for EC2, this Name.
pub fn judge(scenario: &Scenario, made: Made, tags: &LabTags, name: Option<&str>) -> Verdict {
    let step = manifest::lab_that_makes(made.makes()).id.as_str();
    let noun = made.noun();
    let Some(role) = tags.role.as_deref() else {
        return Verdict::NearMiss(tr!(
            "the project tag without a role tag: not a resource the labs made",
            "プロジェクトタグだけでロールタグがありません: ラボが作成したリソースではありません"
        ));
    };
    if tags.step.as_deref() != Some(step) {
        let found = tags.step.as_deref().unwrap_or("—");
        return Verdict::NearMiss(tr!(
            "its step tag is {found}, but {noun} is made by {step} (tags copied from another resource?)",
            "ステップタグが {found} ですが、{noun}を作成するのは {step} です (別のリソースからコピーされたタグ?)"
        ));
    }
    if let Some(name) = name.filter(|name| *name != role) {
        return Verdict::NearMiss(tr!(
            "its Name {name:?} is not its role {role:?}",
            "Name タグ {name:?} がロール {role:?} と一致しません"
        ));
    }
    let set = set_of(made, tags);
    let set_scenario = Scenario::new(scenario.source, scenario.destination, &set);
    match names(&set_scenario, made).iter().any(|known| known == role) {
        true if set == scenario.prefix => Verdict::Ours,
        true => Verdict::OtherSet(set),
        false => Verdict::NearMiss(tr!(
            "its role {role:?} is not a name the walkthrough gives {noun} of the set {set:?}",
            "ロール {role:?} は、セット {set:?} の{noun}にウォークスルーが付ける名前ではありません"
        )),
    }
}

/// The set a resource says it belongs to: its set tag, or on one made before that tag existed,
/// what comes before the stem of its role.
pub fn set_of(made: Made, tags: &LabTags) -> String {
    if let Some(set) = &tags.set {
        return set.clone();
    }
    let role = tags.role.as_deref().unwrap_or_default();
    match made.stems().iter().find_map(|stem| role.find(stem)) {
        Some(end) => role[..end].to_string(),
        None => String::new(),
    }
}

/// Which sets a sweep of every region takes: the run's own, or all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sets {
    One(String),
    All,
}

/// Whose a resource found in `region` is when any pair of regions counts (a sweep): `kinds` are
/// what it may be (a key of either side, a snapshot or a copy), `region` is the end of the copy
/// that kind lives at, and the set is the one it names. `Ours` means: the own resource of a set
/// the sweep takes.
pub fn judge_in_region(
    region: &'static RegionInfo,
    sets: &Sets,
    kinds: &[Made],
    tags: &LabTags,
    name: Option<&str>,
) -> Verdict {
    let mut verdict = Verdict::NearMiss(String::new());
    for made in kinds {
        let set = set_of(*made, tags);
        // Names of one end never depend on the other end's region.
        let scenario = Scenario::new(region, region, &set);
        verdict = match judge(&scenario, *made, tags, name) {
            Verdict::Ours if matches!(sets, Sets::One(own) if *own != set) => Verdict::OtherSet(set),
            Verdict::Ours => return Verdict::Ours,
            other => other,
        };
        if matches!(verdict, Verdict::OtherSet(_)) {
            return verdict;
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regions::find;

    fn tokyo_to_oregon(prefix: &str) -> Scenario {
        Scenario::new(find("ap-northeast-1").unwrap(), find("us-west-2").unwrap(), prefix)
    }

    fn tags(step: &str, role: &str, set: Option<&str>) -> LabTags {
        LabTags { step: Some(step.into()), role: Some(role.into()), set: set.map(str::to_string) }
    }

    #[test]
    fn a_set_owns_exactly_its_own_names() {
        let plain = tokyo_to_oregon("");
        let snap = tokyo_to_oregon("snap-");
        let volume = tags("02-volumes", "snap-EBS-encrypted-with-default-key", Some("snap-"));
        assert_eq!(judge(&snap, Made::Volume, &volume, Some("snap-EBS-encrypted-with-default-key")), Verdict::Ours);
        assert_eq!(
            judge(&plain, Made::Volume, &volume, Some("snap-EBS-encrypted-with-default-key")),
            Verdict::OtherSet("snap-".into())
        );
        // The default set's snapshot is named like the `snap-` set's volume: never the same thing.
        let snapshot = tags("03-snapshots", "snap-EBS-encrypted-with-default-key", Some(""));
        assert_eq!(
            judge(&plain, Made::Snapshot, &snapshot, Some("snap-EBS-encrypted-with-default-key")),
            Verdict::Ours
        );
        assert_eq!(
            judge(&snap, Made::Snapshot, &snapshot, Some("snap-EBS-encrypted-with-default-key")),
            Verdict::OtherSet(String::new())
        );
    }

    #[test]
    fn resources_made_before_the_set_tag_are_placed_by_their_role() {
        let (plain, snap) = (tokyo_to_oregon(""), tokyo_to_oregon("snap-"));
        let old_snapshot = tags("03-snapshots", "snap-EBS-encrypted-with-Single-region-key", None);
        assert!(
            judge(&plain, Made::Snapshot, &old_snapshot, Some("snap-EBS-encrypted-with-Single-region-key")).is_ours()
        );
        assert!(
            !judge(&snap, Made::Snapshot, &old_snapshot, Some("snap-EBS-encrypted-with-Single-region-key")).is_ours()
        );
        let old_volume = tags("02-volumes", "snap-EBS-encrypted-with-Single-region-key", None);
        assert!(judge(&snap, Made::Volume, &old_volume, Some("snap-EBS-encrypted-with-Single-region-key")).is_ours());
        assert!(!judge(&plain, Made::Volume, &old_volume, Some("snap-EBS-encrypted-with-Single-region-key")).is_ours());
        let (alice, alice_snap) = (tokyo_to_oregon("alice-"), tokyo_to_oregon("alice-snap-"));
        let old_copy =
            tags("04-copy", "alice-snap-EBS-encrypted-with-default-key-copy-alice-Single-region-key-oregon", None);
        let name = old_copy.role.clone();
        assert!(judge(&alice, Made::Copy, &old_copy, name.as_deref()).is_ours());
        assert!(!judge(&alice_snap, Made::Copy, &old_copy, name.as_deref()).is_ours());
    }

    #[test]
    fn one_tag_is_not_proof() {
        let plain = tokyo_to_oregon("");
        let only_project = LabTags::default();
        assert!(matches!(judge(&plain, Made::Key(Side::Source), &only_project, None), Verdict::NearMiss(_)));
        let legacy_prod = tags("01-keys", "Multi-region-key-legacy-prod", None);
        assert!(matches!(judge(&plain, Made::Key(Side::Source), &legacy_prod, None), Verdict::NearMiss(_)));
        // Tags copied from a lab volume onto a snapshot (AWS Backup, DLM): the step gives it away.
        let copied = tags("02-volumes", "EBS-encrypted-with-default-key", Some(""));
        let Verdict::NearMiss(why) = judge(&plain, Made::Snapshot, &copied, Some("EBS-encrypted-with-default-key"))
        else {
            panic!("copied tags are not ownership");
        };
        assert!(why.contains("02-volumes") && why.contains("03-snapshots"), "{why}");
        // A lab-tagged volume renamed by hand, and a replica's role on the source side.
        let renamed = tags("02-volumes", "EBS-encrypted-with-default-key", Some(""));
        assert!(matches!(judge(&plain, Made::Volume, &renamed, Some("my-volume")), Verdict::NearMiss(_)));
        let replica_role = tags("01-keys", "Multi-region-key-rep-oregon", Some(""));
        assert!(matches!(judge(&plain, Made::Key(Side::Source), &replica_role, None), Verdict::NearMiss(_)));
        assert!(judge(&plain, Made::Key(Side::Destination), &replica_role, None).is_ours());
    }

    #[test]
    fn a_sweep_finds_every_sets_resources_at_either_end_of_any_copy() {
        let ireland = find("eu-west-1").unwrap();
        let replica = tags("01-keys", "x-Multi-region-key-rep-ireland", Some("x-"));
        let keys = [Made::Key(Side::Source), Made::Key(Side::Destination)];
        assert!(judge_in_region(ireland, &Sets::All, &keys, &replica, None).is_ours());
        assert_eq!(
            judge_in_region(ireland, &Sets::One(String::new()), &keys, &replica, None),
            Verdict::OtherSet("x-".into())
        );
        let oregon = find("us-west-2").unwrap();
        assert!(!judge_in_region(oregon, &Sets::All, &keys, &replica, None).is_ours(), "an Ireland name in Oregon");
        let copy_role = "snap-EBS-encrypted-with-default-key-copy-aws-ebs";
        let copy = tags("04-copy", copy_role, Some(""));
        let snapshots = [Made::Snapshot, Made::Copy];
        assert!(judge_in_region(ireland, &Sets::All, &snapshots, &copy, Some(copy_role)).is_ours());
        let copied = tags("02-volumes", "EBS-encrypted-with-default-key", Some(""));
        let name = Some("EBS-encrypted-with-default-key");
        assert!(matches!(judge_in_region(ireland, &Sets::All, &snapshots, &copied, name), Verdict::NearMiss(_)));
    }

    #[test]
    fn a_set_tag_that_disagrees_with_the_role_is_not_proof_either() {
        let plain = tokyo_to_oregon("");
        let forged = tags("02-volumes", "EBS-encrypted-with-default-key", Some("alice-"));
        assert!(matches!(
            judge(&plain, Made::Volume, &forged, Some("EBS-encrypted-with-default-key")),
            Verdict::NearMiss(_)
        ));
    }
}
