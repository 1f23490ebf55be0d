//! A class in one account: ten learners, each with their own `--name-prefix`, run the whole
//! course (01 to 04) at the same time against one emulator, as ten processes. Every run exits 0
//! with its verification passed, each set holds exactly its own resources, and one learner's
//! `05-cleanup` leaves the nine other sets as they were. (The copy quota the class shares, and
//! waiting for a copy slot, cannot happen on the emulator: lab 04's mocked tests cover them.)
//!
//! `EBS_LABS_CLASS_SETS=N` runs N sets instead of ten: how docs/performance.md measures 1, 10
//! and 30 (`-- --nocapture` shows the wall time).

use aws_sdk_kms::types::KeyState;
use e2e::{describe, output_text, Emulator, OREGON, TOKYO};
use std::collections::BTreeMap;
use std::time::Instant;

/// The labs of the course that make something, in order: 01 to 04, as the manifest lists them.
fn course_labs() -> Vec<&'static str> {
    common::manifest::labs().iter().filter(|lab| lab.makes.is_some()).map(|lab| lab.id.as_str()).collect()
}

fn sets() -> Vec<String> {
    let count = std::env::var("EBS_LABS_CLASS_SETS").ok().and_then(|n| n.parse().ok()).unwrap_or(10);
    // Two digits and a dash: no prefix is the start of another.
    (0..count).map(|i: usize| format!("learner{i:02}-")).collect()
}

/// One learner: the course in order, each lab with `--yes` and the learner's prefix; stops at
/// the first failure. Returns each lab's exit status and output, for the assertions.
fn course(emulator: &Emulator, prefix: &str) -> Vec<(&'static str, std::process::Output)> {
    let mut runs = Vec::new();
    for lab in course_labs() {
        let output = emulator.lab(lab).args(["--yes", "--name-prefix", prefix]).output().expect("run the lab");
        let failed = !output.status.success();
        runs.push((lab, output));
        if failed {
            break;
        }
    }
    runs
}

fn tag<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>, key: &str) -> Option<&'a str> {
    tags.into_iter().find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// Everything observable about each set of `sets`, by what it is and its name: volumes and
/// snapshots in Tokyo and copies in Oregon (id, state, key), each region's aliases of the set
/// (the key behind it and its state) and the keys tagged as the set's (state). One pass over the
/// account for all sets, with Describe calls written out here, so that the test does not trust
/// the code it checks.
async fn observe(emulator: &Emulator, sets: &[String]) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut seen: BTreeMap<String, BTreeMap<String, String>> =
        sets.iter().map(|prefix| (prefix.clone(), BTreeMap::new())).collect();
    let mut note = |set: Option<&str>, what: String, state: String| {
        if let Some(entries) = set.and_then(|set| seen.get_mut(set)) {
            entries.insert(what, state);
        }
    };
    for (region, what) in [(TOKYO, "snapshot"), (OREGON, "copy")] {
        let ec2 = emulator.clients(region).await.ec2;
        for snapshot in describe::lab_snapshots(&ec2).await {
            let tags = snapshot.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()));
            let name = tag(tags.clone(), "Name").unwrap_or_default();
            let (id, key) = (snapshot.snapshot_id().unwrap_or_default(), snapshot.kms_key_id().unwrap_or("none"));
            let state = snapshot.state().map_or("unknown", |state| state.as_str());
            note(tag(tags, "ebs-kms-labs:set"), format!("{what} {name}"), format!("{id} {state} key={key}"));
        }
    }
    let tokyo = emulator.clients(TOKYO).await;
    for volume in describe::lab_volumes(&tokyo.ec2).await {
        let tags = volume.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()));
        let name = tag(tags.clone(), "Name").unwrap_or_default();
        let (id, key) = (volume.volume_id().unwrap_or_default(), volume.kms_key_id().unwrap_or("none"));
        let state = volume.state().map_or("unknown", |state| state.as_str());
        note(tag(tags, "ebs-kms-labs:set"), format!("volume {name}"), format!("{id} {state} key={key}"));
    }
    for region in [TOKYO, OREGON] {
        let kms = emulator.clients(region).await.kms;
        let aliases = kms.list_aliases().send().await.expect("ListAliases").aliases.unwrap_or_default();
        for alias in aliases {
            let name = alias.alias_name().unwrap_or_default();
            // The emulator lists an alias of another region too: only this region's count.
            let here = alias.alias_arn().is_some_and(|arn| arn.contains(region));
            let set = sets.iter().find(|prefix| name.starts_with(&format!("alias/{prefix}")));
            if let (true, Some(set)) = (here, set) {
                let key = describe::key(&kms, alias.target_key_id().expect("alias target")).await;
                note(Some(set), format!("alias {region} {name}"), key_text(&key));
            }
        }
        for listed in kms.list_keys().send().await.expect("ListKeys").keys() {
            let id = listed.key_id().expect("key id");
            let tags = describe::key_tags(&kms, id).await;
            if let Some(set) = tags.get("ebs-kms-labs:set") {
                let role = tags.get("ebs-kms-labs:role").cloned().unwrap_or_default();
                note(Some(set), format!("key {region} {role}"), key_text(&describe::key(&kms, id).await));
            }
        }
    }
    seen
}

/// A key as observed: its id and state.
fn key_text(key: &aws_sdk_kms::types::KeyMetadata) -> String {
    format!("{} {}", key.key_id(), key.key_state().map_or("unknown", |state| state.as_str()))
}

/// How many entries of `seen` start with `what`.
fn count(seen: &BTreeMap<String, String>, what: &str) -> usize {
    seen.keys().filter(|name| name.starts_with(what)).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_class_runs_the_course_at_once_and_one_cleanup_leaves_the_other_sets_intact() {
    let emulator = Emulator::start();
    let sets = sets();
    // AWS makes aws/ebs once per region; the emulator makes it on first use, and when several
    // runs touch it first at the same moment it makes several (docs/emulator.md). Touched once.
    let mut aws_ebs = BTreeMap::new();
    for region in [TOKYO, OREGON] {
        let clients = emulator.clients(region).await;
        let key = describe::key(&clients.kms, "alias/aws/ebs").await;
        aws_ebs.insert(region, key.key_id().to_string());
        // The emulator's first EC2 call loads its region data (seconds): made before the clock
        // starts, so that the time measured is the class's.
        describe::lab_volumes(&clients.ec2).await;
    }

    let started = Instant::now();
    let outcomes: Vec<(String, Vec<(&str, std::process::Output)>)> = std::thread::scope(|scope| {
        let emulator = &emulator;
        let learners: Vec<_> =
            sets.iter().map(|prefix| scope.spawn(move || (prefix.clone(), course(emulator, prefix)))).collect();
        learners.into_iter().map(|learner| learner.join().expect("a learner's thread")).collect()
    });
    let wall = started.elapsed();
    eprintln!("class: {} sets ran {} at once in {:.1} s", sets.len(), course_labs().join(", "), wall.as_secs_f64());

    for (region, id) in &aws_ebs {
        let key = describe::key(&emulator.clients(region).await.kms, "alias/aws/ebs").await;
        assert_eq!(key.key_id(), id, "{region}: aws/ebs is still the one key");
    }
    for (prefix, runs) in &outcomes {
        assert_eq!(runs.len(), course_labs().len(), "{prefix} stopped early");
        for (lab, output) in runs {
            let (stdout, stderr) = output_text(output);
            assert!(output.status.success(), "{prefix}: {lab} failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
            assert!(stdout.contains("checks passed"), "{prefix}: {lab} verified its work:\n{stdout}");
        }
    }

    // Each set holds exactly its own: 3 volumes, 3 snapshots, 3 copies, 4 aliases (two per
    // region), its 3 tagged keys (the replica carries no tags on the emulator), all usable.
    let before = observe(&emulator, &sets).await;
    for (prefix, seen) in &before {
        let counts = ["volume ", "snapshot ", "copy ", "alias ", "key "].map(|what| count(seen, what));
        assert_eq!(counts, [3, 3, 3, 4, 3], "{prefix}: volumes, snapshots, copies, aliases, keys: {seen:#?}");
        for (name, state) in seen {
            let usable = [" available ", " completed ", " Enabled"].iter().any(|good| state.contains(good));
            assert!(usable, "{prefix}: {name} is {state}");
        }
        // The copies are re-encrypted with the set's own Oregon keys and Oregon's aws/ebs, one each.
        let key_id = |text: &str| text.rsplit(['/', ' ']).next().unwrap_or_default().to_string();
        let mut oregon_keys: Vec<String> = seen
            .iter()
            .filter(|(name, _)| name.starts_with(&format!("alias {OREGON} ")))
            .map(|(_, key)| key.split(' ').next().unwrap_or_default().to_string())
            .collect();
        oregon_keys.push(aws_ebs[OREGON].clone());
        oregon_keys.sort();
        let mut copy_keys: Vec<String> =
            seen.iter().filter(|(name, _)| name.starts_with("copy ")).map(|(_, copy)| key_id(copy)).collect();
        copy_keys.sort();
        assert_eq!(copy_keys, oregon_keys, "{prefix}: the keys of the copies: {seen:#?}");
    }

    // One learner cleans up: their set is gone (keys waiting out their deletion), the others' stay.
    let leaver = &sets[sets.len() / 2];
    emulator.run_ok("05-cleanup", &["--yes", "--name-prefix", leaver]);
    let after = observe(&emulator, &sets).await;
    let left = &after[leaver];
    let counts = ["volume ", "snapshot ", "copy ", "alias "].map(|what| count(left, what));
    assert_eq!(counts, [0, 0, 0, 0], "{leaver}'s set is removed: {left:#?}");
    for (name, state) in left {
        let pending = state.ends_with(&format!(" {}", KeyState::PendingDeletion.as_str()));
        assert!(name.starts_with("key ") && pending, "{leaver}: {name} is {state}");
    }
    for prefix in sets.iter().filter(|prefix| *prefix != leaver) {
        assert_eq!(after[prefix], before[prefix], "{prefix}'s set changed with {leaver}'s cleanup");
    }
}
