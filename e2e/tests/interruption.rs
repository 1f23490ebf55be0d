//! Interrupted runs end clean: Ctrl-C stops with exit 130 and the way forward; a lab killed at
//! many points of its run, then run again, makes no duplicates, and cleanup leaves nothing. The
//! emulator answers at once, so a delaying proxy in front of it makes the points real, and each
//! lab is shown to have been killed at least once with its step part done.

use aws_sdk_kms::types::KeyState;
use common::session::RegionClients;
use e2e::{describe, output_text, DelayProxy, Emulator, OneLaneProxy, OREGON, TOKYO};
use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// States of the lab's keys in one region.
async fn lab_key_states(emulator: &Emulator, region: &str) -> Vec<KeyState> {
    let kms = emulator.clients(region).await.kms;
    describe::lab_keys(&kms, region).await.iter().filter_map(|key| key.key_state().cloned()).collect()
}

async fn counts(emulator: &Emulator) -> (usize, usize, usize, usize, usize) {
    let tokyo = emulator.clients(TOKYO).await;
    let oregon = emulator.clients(OREGON).await;
    (
        lab_key_states(emulator, TOKYO).await.len(),
        lab_key_states(emulator, OREGON).await.len(),
        describe::lab_volumes(&tokyo.ec2).await.len(),
        describe::lab_snapshots(&tokyo.ec2).await.len(),
        describe::lab_snapshots(&oregon.ec2).await.len(),
    )
}

/// Each lab and how many resources of its step a finished run leaves: on the emulator 01-keys
/// makes two keys in each region, 02 three volumes, 03 three snapshots, 04 three copies.
const STEPS: [(&str, usize); 4] = [("01-keys", 4), ("02-volumes", 3), ("03-snapshots", 3), ("04-copy", 3)];

/// How many of `lab`'s resources exist now.
async fn step_resources(tokyo: &RegionClients, oregon: &RegionClients, lab: &str) -> usize {
    match lab {
        "01-keys" => {
            let (in_tokyo, in_oregon) =
                tokio::join!(describe::lab_keys(&tokyo.kms, TOKYO), describe::lab_keys(&oregon.kms, OREGON));
            in_tokyo.len() + in_oregon.len()
        }
        "02-volumes" => describe::lab_volumes(&tokyo.ec2).await.len(),
        "03-snapshots" => describe::lab_snapshots(&tokyo.ec2).await.len(),
        "04-copy" => describe::lab_snapshots(&oregon.ec2).await.len(),
        other => panic!("no resources known for {other}"),
    }
}

/// Counts of a running lab's resources, quick enough to poll every few ms, so that a kill lands
/// while the rest of its creates are still on the way. Keys are counted from ListKeys in both
/// regions, each new key judged once, as `describe::lab_keys` does: the project tag, or a replica.
struct Watch<'a> {
    tokyo: &'a RegionClients,
    oregon: &'a RegionClients,
    lab_key: BTreeMap<String, bool>,
}

impl Watch<'_> {
    async fn count(&mut self, lab: &str) -> usize {
        if lab != "01-keys" {
            return step_resources(self.tokyo, self.oregon, lab).await;
        }
        let (in_tokyo, in_oregon) = tokio::join!(list_key_ids(self.tokyo), list_key_ids(self.oregon));
        let mut count = 0;
        for (clients, region, ids) in [(self.tokyo, TOKYO, in_tokyo), (self.oregon, OREGON, in_oregon)] {
            for id in ids {
                if !self.lab_key.contains_key(&id) {
                    let tagged = describe::key_tags(&clients.kms, &id).await.contains_key("ebs-kms-labs:project");
                    let key = describe::key(&clients.kms, &id).await;
                    let primary =
                        key.multi_region_configuration().and_then(|c| c.primary_key()).and_then(|p| p.region());
                    self.lab_key.insert(id.clone(), tagged || primary.is_some_and(|primary| primary != region));
                }
                count += usize::from(self.lab_key[&id]);
            }
        }
        count
    }
}

async fn list_key_ids(clients: &RegionClients) -> Vec<String> {
    let listed = clients.kms.list_keys().send().await.expect("ListKeys");
    listed.keys().iter().filter_map(|key| key.key_id()).map(str::to_string).collect()
}

/// SIGKILL, no chance to tidy up; returns once the process is gone.
fn kill(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread")]
async fn labs_killed_at_many_points_then_rerun_make_no_duplicates_and_cleanup_leaves_nothing() {
    let emulator = Emulator::start();
    let (tokyo, oregon) = (emulator.clients(TOKYO).await, emulator.clients(OREGON).await);
    let mut watch = Watch { tokyo: &tokyo, oregon: &oregon, lab_key: BTreeMap::new() };
    // Requests one at a time, 60 ms apart: a lab's creates, sent together, land one by one.
    let lane = OneLaneProxy::start(&emulator.url, Duration::from_millis(60));
    let proxy = DelayProxy::start(&emulator.url, Duration::from_millis(40));
    let spawn = |endpoint: &str, lab: &str| {
        emulator.lab_process_via(endpoint, lab).arg("--yes").stdout(Stdio::null()).stderr(Stdio::null()).spawn()
    };
    for (lab, full) in STEPS {
        // What each kill left of this step, as (when, how many of `full`).
        let mut left = Vec::new();

        // Killed as soon as the run's first create has landed, the rest still in the lane (the
        // cut drops them with the lab): the step is left part done, then resumed the same way.
        for attempt in 1..=2 {
            let before = watch.count(lab).await;
            let mut child = spawn(&lane.url, lab).unwrap();
            let started = Instant::now();
            let created = loop {
                if child.try_wait().unwrap().is_some() {
                    break false; // the run finished: nothing was left to make
                }
                if watch.count(lab).await > before {
                    break true;
                }
                assert!(started.elapsed() < Duration::from_secs(30), "{lab} made nothing in 30 s");
                tokio::time::sleep(Duration::from_millis(5)).await;
            };
            lane.cut();
            kill(child);
            lane.cut(); // and any connection it opened meanwhile
            tokio::time::sleep(Duration::from_millis(200)).await; // what did land is made
            left.push((format!("after its first create, run {attempt}"), step_resources(&tokyo, &oregon, lab).await));
            if !created {
                break;
            }
        }

        // Killed at fixed times through a slow network: whatever was on the way still lands.
        for kill_after_ms in [250, 600, 1100, 1700] {
            let child = spawn(&proxy.url, lab).unwrap();
            tokio::time::sleep(Duration::from_millis(kill_after_ms)).await;
            kill(child);
            tokio::time::sleep(Duration::from_millis(150)).await; // the proxy passes on what it holds
            left.push((format!("at {kill_after_ms} ms"), step_resources(&tokyo, &oregon, lab).await));
        }

        let part_done = left.iter().filter(|(_, n)| (1..full).contains(n)).count();
        assert!(part_done > 0, "{lab}: no kill left the step part done (some of {full}): {left:?}");
        emulator.run_ok(lab, &["--yes"]);
        assert_eq!(step_resources(&tokyo, &oregon, lab).await, full, "{lab}: after the kills {left:?}");
    }
    assert_eq!(counts(&emulator).await, (2, 2, 3, 3, 3), "keys Tokyo/Oregon, volumes, snapshots, copies");

    emulator.run_ok("05-cleanup", &["--yes"]);
    let (_, _, volumes, snapshots, copies) = counts(&emulator).await;
    assert_eq!((volumes, snapshots, copies), (0, 0, 0));
    for region in [TOKYO, OREGON] {
        let states = lab_key_states(&emulator, region).await;
        assert_eq!(states.len(), 2, "{region}: the lab's keys are still listed while pending deletion");
        assert!(states.iter().all(|s| *s == KeyState::PendingDeletion), "{region}: {states:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_promptly_with_exit_130_and_says_how_to_resume_or_clean_up() {
    let emulator = Emulator::start();
    let proxy = DelayProxy::start(&emulator.url, Duration::from_millis(150));
    let child = emulator
        .lab_process_via(&proxy.url, "01-keys")
        .arg("--yes")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let interrupted = Instant::now();
    let output = child.wait_with_output().unwrap();
    let (stdout, stderr) = output_text(&output);
    assert!(interrupted.elapsed() < Duration::from_secs(40), "took {:?} to stop", interrupted.elapsed());
    assert_eq!(output.status.code(), Some(130), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("error: interrupted"), "{stderr}");
    assert!(stderr.contains("To resume: cargo run --bin 01-keys"), "{stderr}");
    assert!(stderr.contains("cargo run --bin 05-cleanup"), "{stderr}");

    // Whatever it made is the lab's: a full run completes it without duplicates.
    emulator.run_ok("01-keys", &["--yes"]);
    assert_eq!(lab_key_states(&emulator, TOKYO).await.len(), 2);
    assert_eq!(lab_key_states(&emulator, OREGON).await.len(), 2);
}
