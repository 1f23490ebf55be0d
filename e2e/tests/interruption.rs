//! Interrupted runs end clean: Ctrl-C stops with exit 130 and the way forward; a lab killed at
//! many points of its run, then run again, makes no duplicates, and cleanup leaves nothing. The
//! emulator answers at once, so a delaying proxy in front of it makes the points real.

use aws_sdk_kms::types::KeyState;
use e2e::{describe, output_text, DelayProxy, Emulator, OREGON, TOKYO};
use std::process::Stdio;
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

#[tokio::test(flavor = "multi_thread")]
async fn labs_killed_at_many_points_then_rerun_make_no_duplicates_and_cleanup_leaves_nothing() {
    let emulator = Emulator::start();
    let proxy = DelayProxy::start(&emulator.url, Duration::from_millis(40));
    for lab in ["01-keys", "02-volumes", "03-snapshots", "04-copy"] {
        for kill_after_ms in [200, 450, 700, 1000, 1400, 1900] {
            let mut child = emulator
                .lab_process_via(&proxy.url, lab)
                .arg("--yes")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            tokio::time::sleep(Duration::from_millis(kill_after_ms)).await;
            let _ = child.kill(); // SIGKILL: no chance to tidy up
            let _ = child.wait();
        }
        emulator.run_ok(lab, &["--yes"]);
    }
    assert_eq!(counts(&emulator).await, (2, 2, 3, 3, 3), "keys Tokyo/Oregon, volumes, snapshots, copies");

    emulator.run_ok("05-cleanup", &["--yes"]);
    let (_, _, volumes, snapshots, copies) = counts(&emulator).await;
    assert_eq!((volumes, snapshots, copies), (0, 0, 0));
    for region in [TOKYO, OREGON] {
        let states = lab_key_states(&emulator, region).await;
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
