//! Labs 02-volumes, 03-snapshots and 04-copy against the emulator: what they make is checked by
//! describing volumes, snapshots and copies; re-runs make no duplicates; prerequisites and bad
//! destination keys stop a lab before it creates anything.

use e2e::{describe, output_text, Emulator, OREGON, TOKYO};
use std::collections::BTreeMap;

fn tag<'a>(tags: &'a [aws_sdk_ec2::types::Tag], key: &str) -> Option<&'a str> {
    tags.iter().find(|t| t.key() == Some(key)).and_then(|t| t.value())
}

#[tokio::test(flavor = "multi_thread")]
async fn labs_02_to_04_make_encrypted_volumes_snapshots_and_copies_with_the_right_keys() {
    let emulator = Emulator::start();
    for lab in common::manifest::labs().iter().filter(|lab| lab.makes.is_some()).map(|lab| lab.id.as_str()) {
        emulator.run_ok(lab, &["--yes"]);
    }
    let tokyo = emulator.clients(TOKYO).await;
    let oregon = emulator.clients(OREGON).await;
    let source_keys = BTreeMap::from([
        ("default-key", describe::key_arn(&tokyo.kms, "alias/aws/ebs").await),
        ("Single-region-key", describe::key_arn(&tokyo.kms, "alias/Single-region-key").await),
        ("Multi-region-key", describe::key_arn(&tokyo.kms, "alias/Multi-region-key").await),
    ]);
    let destination_keys = BTreeMap::from([
        ("default-key", describe::key_arn(&oregon.kms, "alias/aws/ebs").await),
        ("Single-region-key", describe::key_arn(&oregon.kms, "alias/Single-region-key-oregon").await),
        ("Multi-region-key", describe::key_arn(&oregon.kms, "alias/Multi-region-key-rep-oregon").await),
    ]);
    assert!(destination_keys["Multi-region-key"].contains(":us-west-2:"), "the replica is Oregon's key");

    // Volumes: one per key, 8 GiB gp3, encrypted with that key's ARN, tagged at creation.
    let volumes = describe::lab_volumes(&tokyo.ec2).await;
    assert_eq!(volumes.len(), 3);
    let mut volume_of = BTreeMap::new();
    for (label, arn) in &source_keys {
        let name = format!("EBS-encrypted-with-{label}");
        let volume =
            volumes.iter().find(|v| tag(v.tags(), "Name") == Some(name.as_str())).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(volume.encrypted(), Some(true), "{name}");
        assert_eq!(volume.kms_key_id(), Some(arn.as_str()), "{name}");
        assert_eq!(volume.size(), Some(8));
        assert_eq!(volume.volume_type().map(|t| t.as_str()), Some("gp3"));
        assert_eq!(tag(volume.tags(), "ebs-kms-labs:step"), Some("02-volumes"));
        volume_of.insert(*label, volume.volume_id().unwrap().to_string());
    }

    // Snapshots: one per volume, encrypted, Name and description as in the walkthrough.
    let source_snapshots = describe::all_snapshots(&tokyo.ec2).await;
    assert_eq!(source_snapshots.len(), 3);
    let mut snapshot_of = BTreeMap::new();
    for label in source_keys.keys() {
        let name = format!("snap-EBS-encrypted-with-{label}");
        let snapshot = source_snapshots
            .iter()
            .find(|s| tag(s.tags(), "Name") == Some(name.as_str()))
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(snapshot.description(), Some(name.as_str()));
        assert_eq!(snapshot.volume_id(), Some(volume_of[label].as_str()));
        assert_eq!(snapshot.encrypted(), Some(true));
        assert_eq!(tag(snapshot.tags(), "ebs-kms-labs:project"), Some("ebs-kms-labs"));
        snapshot_of.insert(*label, snapshot.snapshot_id().unwrap().to_string());
    }

    // Copies in Oregon: one per snapshot, re-encrypted with the matching Oregon key, tagged.
    let copies = describe::all_snapshots(&oregon.ec2).await;
    assert_eq!(copies.len(), 3);
    for (label, arn) in &destination_keys {
        let copy = copies
            .iter()
            .find(|c| c.description().is_some_and(|d| d.contains(&snapshot_of[label])))
            .unwrap_or_else(|| panic!("no copy of {label}'s snapshot"));
        assert_eq!(copy.encrypted(), Some(true));
        assert_eq!(copy.kms_key_id(), Some(arn.as_str()), "copy of {label}");
        assert_eq!(tag(copy.tags(), "ebs-kms-labs:step"), Some("04-copy"));
        assert!(
            tag(copy.tags(), "Name").is_some_and(|n| n.starts_with(&format!("snap-EBS-encrypted-with-{label}-copy-")))
        );
    }

    // Re-runs reuse everything.
    for lab in ["02-volumes", "03-snapshots", "04-copy"] {
        let (stdout, _) = emulator.run_ok(lab, &["--yes"]);
        assert!(stdout.contains("exists: reuse"), "{lab}:\n{stdout}");
    }
    assert_eq!(describe::lab_volumes(&tokyo.ec2).await.len(), 3);
    assert_eq!(describe::all_snapshots(&tokyo.ec2).await.len(), 3);
    assert_eq!(describe::all_snapshots(&oregon.ec2).await.len(), 3);

    // Cross-type on request: the multi-region snapshot re-encrypted with Oregon's single-region key.
    emulator.run_ok("04-copy", &["--yes", "--key-for", "multi-region=single-region"]);
    let copies = describe::all_snapshots(&oregon.ec2).await;
    assert_eq!(copies.len(), 4);
    let cross = copies
        .iter()
        .filter(|c| c.description().is_some_and(|d| d.contains(&snapshot_of["Multi-region-key"])))
        .find(|c| c.kms_key_id() == Some(destination_keys["Single-region-key"].as_str()));
    assert!(cross.is_some(), "no cross-type copy");
}

#[tokio::test(flavor = "multi_thread")]
async fn matrix_copies_every_snapshot_with_every_destination_key() {
    let emulator = Emulator::start();
    for lab in ["01-keys", "02-volumes", "03-snapshots"] {
        emulator.run_ok(lab, &["--yes"]);
    }
    let (stdout, _) = emulator.run_ok("04-copy", &["--yes", "--matrix"]);
    assert!(stdout.contains("Cross-type copy matrix"), "{stdout}");
    let oregon = emulator.clients(OREGON).await;
    let tokyo = emulator.clients(TOKYO).await;
    let copies = describe::all_snapshots(&oregon.ec2).await;
    assert_eq!(copies.len(), 9);
    let mut pairs = std::collections::BTreeSet::new();
    for copy in &copies {
        assert_eq!(copy.encrypted(), Some(true));
        let source = describe::all_snapshots(&tokyo.ec2)
            .await
            .into_iter()
            .find(|s| copy.description().is_some_and(|d| d.contains(s.snapshot_id().unwrap())))
            .expect("copy names its source");
        pairs.insert((source.snapshot_id().unwrap().to_string(), copy.kms_key_id().unwrap().to_string()));
    }
    assert_eq!(pairs.len(), 9, "each source snapshot with each of the three destination keys");
    for alias in ["alias/aws/ebs", "alias/Single-region-key-oregon", "alias/Multi-region-key-rep-oregon"] {
        let arn = describe::key_arn(&oregon.kms, alias).await;
        assert_eq!(pairs.iter().filter(|(_, key)| *key == arn).count(), 3, "{alias}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lab_run_before_its_prerequisite_stops_and_creates_nothing() {
    let emulator = Emulator::start();
    let cases = [("02-volumes", "01-keys"), ("03-snapshots", "02-volumes"), ("04-copy", "03-snapshots")];
    for (lab, needed) in cases {
        let output = emulator.lab(lab).arg("--yes").output().unwrap();
        let (_, stderr) = output_text(&output);
        assert_eq!(output.status.code(), Some(5), "{lab}: {stderr}");
        assert!(stderr.contains(&format!("run {needed} first")), "{lab}: {stderr}");
    }
    emulator.run_ok("01-keys", &["--yes"]);
    for (lab, needed) in &cases[1..] {
        let output = emulator.lab(lab).arg("--yes").output().unwrap();
        assert_eq!(output.status.code(), Some(5), "{lab} after 01 still needs {needed}");
    }
    let tokyo = emulator.clients(TOKYO).await;
    let oregon = emulator.clients(OREGON).await;
    assert!(describe::lab_volumes(&tokyo.ec2).await.is_empty());
    assert!(describe::all_snapshots(&tokyo.ec2).await.is_empty());
    assert!(describe::all_snapshots(&oregon.ec2).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_destination_key_is_refused_before_any_copy() {
    let emulator = Emulator::start();
    for lab in ["01-keys", "02-volumes", "03-snapshots"] {
        emulator.run_ok(lab, &["--yes"]);
    }
    let oregon = emulator.clients(OREGON).await;
    let key = describe::key(&oregon.kms, "alias/Single-region-key-oregon").await;
    oregon.kms.disable_key().key_id(key.key_id()).send().await.unwrap();

    let output = emulator.lab("04-copy").arg("--yes").output().unwrap();
    let (_, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("Single-region-key-oregon"), "{stderr}");
    assert!(stderr.contains("Disabled"), "{stderr}");
    assert!(describe::all_snapshots(&oregon.ec2).await.is_empty(), "no copy may be started");

    // Choosing another destination key for that snapshot is the way out the hint names.
    emulator.run_ok("04-copy", &["--yes", "--key-for", "single-region=aws-managed"]);
    assert_eq!(describe::all_snapshots(&oregon.ec2).await.len(), 3);
}

#[test]
fn copy_arguments_are_checked_before_anything_else() {
    for (args, expected) in [
        (vec!["--completion-minutes", "20"], "steps of 15"),
        (vec!["--completion-minutes", "3000"], "15 to 2880"),
        (vec!["--key-for", "single=aws-managed"], "unknown key kind 'single'"),
        (vec!["--matrix", "--key-for", "single-region=aws-managed"], "cannot be used with"),
    ] {
        let output = e2e::lab_command("04-copy").args(&args).output().unwrap();
        let (_, stderr) = output_text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
