//! 05-cleanup, `--undo` and `status` against the emulator: nothing billable left, nothing
//! foreign touched, and the status view always names the right next lab.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use aws_sdk_kms::types::KeyState;
use e2e::{describe, output_text, owned_filter, Emulator, OREGON, TOKYO};
use std::collections::BTreeMap;

fn tags(pairs: &[(&str, &str)]) -> Vec<Tag> {
    pairs.iter().map(|(k, v)| Tag::builder().key(*k).value(*v).build()).collect()
}

/// Resources the labs did not make, some wearing the labs' names.
struct Foreign {
    volumes: Vec<(String, String)>,
    snapshots: Vec<(String, String)>,
    keys: Vec<(String, String)>,
}

/// Everything observable about the foreign resources: ids with state, and the alias map.
async fn observe(emulator: &Emulator, foreign: &Foreign) -> BTreeMap<String, String> {
    let mut seen = BTreeMap::new();
    for (region, id) in &foreign.volumes {
        let ec2 = emulator.clients(region).await.ec2;
        let volume = ec2.describe_volumes().volume_ids(id).send().await.unwrap().volumes.unwrap_or_default();
        let state = volume.first().map(|v| format!("{:?} {:?}", v.state(), v.tags())).unwrap_or_else(|| "gone".into());
        seen.insert(format!("volume {id}"), state);
    }
    for (region, id) in &foreign.snapshots {
        let ec2 = emulator.clients(region).await.ec2;
        let found = ec2.describe_snapshots().owner_ids("self").send().await.unwrap().snapshots.unwrap_or_default();
        let state =
            found.iter().find(|s| s.snapshot_id() == Some(id)).map(|s| format!("{:?} {:?}", s.state(), s.tags()));
        seen.insert(format!("snapshot {id}"), state.unwrap_or_else(|| "gone".into()));
    }
    for (region, id) in &foreign.keys {
        let kms = emulator.clients(region).await.kms;
        let key = kms.describe_key().key_id(id).send().await.unwrap().key_metadata.unwrap();
        let key_tags = kms.list_resource_tags().key_id(id).send().await.unwrap().tags.unwrap_or_default();
        seen.insert(format!("key {id}"), format!("{:?} {:?} {:?}", key.key_state(), key.description(), key_tags));
        let aliases = kms.list_aliases().key_id(id).send().await.unwrap().aliases.unwrap_or_default();
        let names: Vec<&str> = aliases.iter().filter_map(|a| a.alias_name()).collect();
        seen.insert(format!("aliases of {id}"), names.join(","));
    }
    seen
}

async fn make_foreign(emulator: &Emulator) -> Foreign {
    let mut foreign = Foreign { volumes: Vec::new(), snapshots: Vec::new(), keys: Vec::new() };
    for (region, look_alike_alias) in
        [(TOKYO, "alias/Single-region-key-backup"), (OREGON, "alias/Multi-region-key-rep-oregon-old")]
    {
        let clients = emulator.clients(region).await;
        let key =
            clients.kms.create_key().description("someone else's key").send().await.unwrap().key_metadata.unwrap();
        clients.kms.create_alias().alias_name(look_alike_alias).target_key_id(key.key_id()).send().await.unwrap();
        foreign.keys.push((region.to_string(), key.key_id().to_string()));

        // Lab names, but not the ownership tag (or the tag with another value).
        for extra in [vec![], vec![("ebs-kms-labs:project", "someone-else")]] {
            let mut pairs = vec![("Name", "EBS-encrypted-with-default-key")];
            pairs.extend(extra);
            let spec =
                TagSpecification::builder().resource_type(ResourceType::Volume).set_tags(Some(tags(&pairs))).build();
            let volume = clients
                .ec2
                .create_volume()
                .availability_zone(format!("{region}a"))
                .size(1)
                .tag_specifications(spec)
                .send()
                .await
                .unwrap();
            let volume_id = volume.volume_id().unwrap().to_string();
            let spec = TagSpecification::builder()
                .resource_type(ResourceType::Snapshot)
                .set_tags(Some(tags(&[("Name", "snap-EBS-encrypted-with-default-key")])))
                .build();
            let snapshot = clients
                .ec2
                .create_snapshot()
                .volume_id(&volume_id)
                .description("snap-EBS-encrypted-with-default-key")
                .tag_specifications(spec)
                .send()
                .await
                .unwrap();
            foreign.volumes.push((region.to_string(), volume_id));
            foreign.snapshots.push((region.to_string(), snapshot.snapshot_id().unwrap().to_string()));
        }
    }
    foreign
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_course_then_cleanup_leaves_nothing_billable_and_touches_nothing_foreign() {
    let emulator = Emulator::start();
    let foreign = make_foreign(&emulator).await;
    let before = observe(&emulator, &foreign).await;
    let runs: [(&str, &[&str]); 6] = [
        ("01-keys", &["--yes"]),
        ("02-volumes", &["--yes"]),
        ("03-snapshots", &["--yes"]),
        ("04-copy", &["--yes"]),
        ("04-copy", &["--yes", "--matrix"]),
        ("05-cleanup", &["--yes"]),
    ];
    for (lab, args) in runs {
        emulator.run_ok(lab, args);
        assert_eq!(observe(&emulator, &foreign).await, before, "{lab} {args:?} touched a foreign resource");
    }

    for region in [TOKYO, OREGON] {
        let clients = emulator.clients(region).await;
        let volumes = describe::lab_volumes(&clients.ec2).await;
        assert!(volumes.is_empty(), "{region}: lab volumes left: {volumes:?}");
        assert!(describe::lab_snapshots(&clients.ec2).await.is_empty(), "{region}: lab snapshots left");

        let aliases = clients.kms.list_aliases().send().await.unwrap().aliases.unwrap_or_default();
        let regional = |name: &str| {
            aliases
                .iter()
                .any(|a| a.alias_name() == Some(name) && a.alias_arn().is_some_and(|arn| arn.contains(region)))
        };
        for lab_alias in [
            "alias/Single-region-key",
            "alias/Multi-region-key",
            "alias/Single-region-key-oregon",
            "alias/Multi-region-key-rep-oregon",
        ] {
            assert!(!regional(lab_alias), "{region}: {lab_alias} left");
        }
        // Every key the labs made waits out its deletion; aws/ebs is untouched.
        let lab_keys = describe::lab_keys(&clients.kms, region).await;
        assert_eq!(lab_keys.len(), 2, "{region}: the single-region key and the multi-region key");
        for key in &lab_keys {
            assert_eq!(key.key_state(), Some(&KeyState::PendingDeletion), "{region}: lab key {}", key.key_id());
        }
        let aws_ebs = describe::key(&clients.kms, "alias/aws/ebs").await;
        assert_eq!(aws_ebs.key_state(), Some(&KeyState::Enabled), "{region}: aws/ebs must be untouched");
    }

    // A second cleanup has nothing to do; status says the course is complete.
    let (again, _) = emulator.run_ok("05-cleanup", &[]);
    assert!(again.contains("Nothing to clean up"), "{again}");
    let (status, _) = emulator.run_ok("status", &[]);
    assert!(status.contains("The course is complete and cleaned up"), "{status}");
    assert_eq!(observe(&emulator, &foreign).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn cleanup_dry_run_and_bad_pending_days_delete_nothing() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    emulator.run_ok("02-volumes", &["--yes"]);
    let tokyo = emulator.clients(TOKYO).await;
    let count = || async {
        tokyo.ec2.describe_volumes().filters(owned_filter()).send().await.unwrap().volumes.unwrap_or_default().len()
    };

    let (plan, _) = emulator.run_ok("05-cleanup", &["--dry-run"]);
    assert!(plan.contains("schedule deletion in 7 days") && plan.contains("Dry run"), "{plan}");
    assert_eq!(count().await, 3);

    let output = emulator.lab("05-cleanup").args(["--yes", "--pending-days", "5"]).output().unwrap();
    let (_, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--pending-days"), "{stderr}");
    assert_eq!(count().await, 3);

    let output = emulator.lab("05-cleanup").output().unwrap();
    assert_eq!(output.status.code(), Some(2), "no terminal, no --yes: refused");
    assert_eq!(count().await, 3);
    let key = describe::key(&tokyo.kms, "alias/Single-region-key").await;
    assert_eq!(key.key_state(), Some(&KeyState::Enabled));
}

#[tokio::test(flavor = "multi_thread")]
async fn status_names_the_next_lab_and_undo_of_03_removes_snapshots_and_their_copies_only() {
    let emulator = Emulator::start();
    let next = |lab: &str| format!("Next: cargo run --bin {lab}");
    assert!(emulator.run_ok("status", &[]).0.contains(&next("01-keys")));
    for (lab, following) in [
        ("01-keys", "02-volumes"),
        ("02-volumes", "03-snapshots"),
        ("03-snapshots", "04-copy"),
        ("04-copy", "05-cleanup"),
    ] {
        let (stdout, _) = emulator.run_ok(lab, &["--yes"]);
        assert!(stdout.contains(&next(following)), "{lab}'s closing line:\n{stdout}");
        let (status, _) = emulator.run_ok("status", &[]);
        assert!(status.contains(&next(following)), "status after {lab}:\n{status}");
    }

    let (undo, _) = emulator.run_ok("03-snapshots", &["--undo", "--yes"]);
    assert!(undo.contains("what depends on it (made by 04-copy)"), "{undo}");
    let tokyo = emulator.clients(TOKYO).await;
    let oregon = emulator.clients(OREGON).await;
    let snapshots = |ec2: aws_sdk_ec2::Client| async move {
        ec2.describe_snapshots()
            .owner_ids("self")
            .filters(owned_filter())
            .send()
            .await
            .unwrap()
            .snapshots
            .unwrap_or_default()
            .len()
    };
    assert_eq!(snapshots(tokyo.ec2.clone()).await, 0);
    assert_eq!(snapshots(oregon.ec2.clone()).await, 0);
    let volumes =
        tokyo.ec2.describe_volumes().filters(owned_filter()).send().await.unwrap().volumes.unwrap_or_default();
    assert_eq!(volumes.len(), 3, "volumes are lab 02's: kept");
    let key = describe::key(&tokyo.kms, "alias/Single-region-key").await;
    assert_eq!(key.key_state(), Some(&KeyState::Enabled), "keys are lab 01's: kept");
    assert!(emulator.run_ok("status", &[]).0.contains(&next("03-snapshots")));
}

#[tokio::test(flavor = "multi_thread")]
async fn cleanup_with_a_name_prefix_removes_only_that_set() {
    // Two learners in one account: the default names and alice-.
    let emulator = Emulator::start();
    for prefix in [&[][..], &["--name-prefix", "alice-"][..]] {
        for lab in ["01-keys", "02-volumes"] {
            let mut args = vec!["--yes"];
            args.extend_from_slice(prefix);
            emulator.run_ok(lab, &args);
        }
    }
    let tokyo = emulator.clients(TOKYO).await;
    let volume_names = || async {
        let volumes =
            tokyo.ec2.describe_volumes().filters(owned_filter()).send().await.unwrap().volumes.unwrap_or_default();
        let mut names: Vec<String> = volumes
            .iter()
            .filter_map(|v| {
                v.tags().iter().find(|t| t.key() == Some("Name")).and_then(|t| t.value()).map(str::to_string)
            })
            .collect();
        names.sort();
        names
    };
    assert_eq!(volume_names().await.len(), 6);

    let (stdout, _) = emulator.run_ok("05-cleanup", &["--yes", "--name-prefix", "alice-"]);
    assert!(stdout.contains("the default set's (no --name-prefix)"), "{stdout}");
    let left = volume_names().await;
    assert_eq!(left.len(), 3, "{left:?}");
    assert!(left.iter().all(|name| name.starts_with("EBS-encrypted-with-")), "{left:?}");
    let default_key = describe::key(&tokyo.kms, "alias/Single-region-key").await;
    assert_eq!(default_key.key_state(), Some(&KeyState::Enabled), "the default set's keys stay");

    emulator.run_ok("05-cleanup", &["--yes"]);
    assert!(volume_names().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sweep_of_every_region_and_every_set_leaves_nothing_anywhere_and_nothing_foreign_touched() {
    const IRELAND: &str = "eu-west-1";
    let emulator = Emulator::start();
    let foreign = make_foreign(&emulator).await;
    let before = observe(&emulator, &foreign).await;
    // Three runs a learner may have forgotten: the defaults, another destination, another set.
    for extra in [&[][..], &["--dest-region", IRELAND][..], &["--name-prefix", "x-"][..]] {
        for lab in ["01-keys", "02-volumes", "03-snapshots", "04-copy"] {
            let mut args = vec!["--yes"];
            args.extend_from_slice(extra);
            emulator.run_ok(lab, &args);
        }
    }
    // A plain cleanup sees its own pair of regions and its own set only.
    let (stdout, _) = emulator.run_ok("05-cleanup", &["--dry-run"]);
    assert!(!stdout.contains("ireland"), "the default pair does not reach Ireland:\n{stdout}");
    let (status, _) = emulator.run_ok("status", &[]);
    assert!(status.contains("-- --all-regions --all-sets --dry-run"), "status says how to find the rest:\n{status}");

    let (stdout, _) = emulator.run_ok("05-cleanup", &["--all-regions", "--all-sets", "--yes"]);
    assert!(stdout.contains(IRELAND) && stdout.contains("x-Single-region-key"), "{stdout}");
    for region in [TOKYO, OREGON, IRELAND] {
        let clients = emulator.clients(region).await;
        assert!(describe::lab_volumes(&clients.ec2).await.is_empty(), "{region}: lab volumes left");
        assert!(describe::lab_snapshots(&clients.ec2).await.is_empty(), "{region}: lab snapshots left");
        let lab_keys = describe::lab_keys(&clients.kms, region).await;
        assert!(!lab_keys.is_empty(), "{region}: the labs made keys here");
        for key in &lab_keys {
            let state = key.key_state();
            let pending = matches!(state, Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion));
            assert!(pending, "{region}: lab key {} is {state:?}", key.key_id());
        }
        let lab_key_ids: Vec<&str> = lab_keys.iter().map(|key| key.key_id()).collect();
        let aliases = clients.kms.list_aliases().send().await.unwrap().aliases.unwrap_or_default();
        let left: Vec<&str> = aliases
            .iter()
            .filter(|a| a.alias_arn().is_some_and(|arn| arn.contains(&format!(":{region}:"))))
            .filter(|a| a.target_key_id().is_some_and(|target| lab_key_ids.contains(&target)))
            .filter_map(|a| a.alias_name())
            .collect();
        assert!(left.is_empty(), "{region}: lab aliases left: {left:?}");
    }
    assert_eq!(observe(&emulator, &foreign).await, before, "the sweep touched a foreign resource");
}

/// What a learner made by hand for the steps, untagged and not adopted: status says so per lab,
/// lists each look-alike with its cost and the commands that adopt or delete it; cleanup names
/// them, leaves them alone and says what they keep costing.
#[tokio::test(flavor = "multi_thread")]
async fn status_and_cleanup_name_untagged_look_alikes_with_their_cost_and_leave_them_alone() {
    let emulator = Emulator::start();
    let tokyo = emulator.clients(TOKYO).await;
    let key = tokyo.kms.create_key().send().await.unwrap().key_metadata.unwrap().key_id().to_string();
    tokyo.kms.create_alias().alias_name("alias/Single-region-key").target_key_id(&key).send().await.unwrap();
    let spec = TagSpecification::builder()
        .resource_type(ResourceType::Volume)
        .set_tags(Some(tags(&[("Name", "EBS-encrypted-with-default-key")])))
        .build();
    let volume = tokyo
        .ec2
        .create_volume()
        .availability_zone(format!("{TOKYO}a"))
        .size(8)
        .encrypted(true)
        .tag_specifications(spec)
        .send()
        .await
        .unwrap()
        .volume_id()
        .unwrap()
        .to_string();
    // A look-alike with another Name is nobody's business here.
    let other = tokyo.ec2.create_volume().availability_zone(format!("{TOKYO}a")).size(8).send().await.unwrap();
    let other = other.volume_id().unwrap().to_string();

    let (status, _) = emulator.run_ok("status", &[]);
    for lab in ["01-keys", "02-volumes"] {
        let line = status.lines().skip_while(|line| !line.contains(lab)).nth(1).unwrap_or_default();
        assert!(
            line.contains("done by you, not tagged") && line.contains(&format!("--bin {lab} -- --adopt")),
            "{lab}: {line}\n{status}"
        );
    }
    assert!(status.contains("without the labs' tags"), "{status}");
    for expected in [
        volume.as_str(),
        key.as_str(),
        &format!("aws ec2 delete-volume --region {TOKYO} --volume-id {volume}"),
        "schedule-key-deletion",
        "Single-region-key",
    ] {
        assert!(status.contains(expected), "status does not show {expected:?}:\n{status}");
    }
    assert!(!status.contains(&other), "a volume with another Name is not a look-alike:\n{status}");

    let (stdout, stderr) = emulator.run_ok("05-cleanup", &["--yes"]);
    assert!(stdout.contains(&volume) && stdout.contains(&key), "{stdout}");
    assert!(stderr.contains("untagged look-alikes above are left alone"), "{stderr}");
    let volumes = tokyo.ec2.describe_volumes().volume_ids(&volume).volume_ids(&other).send().await.unwrap();
    assert_eq!(volumes.volumes().len(), 2, "cleanup removed an untagged volume");
    let state = tokyo.kms.describe_key().key_id(&key).send().await.unwrap().key_metadata.unwrap();
    assert_eq!(state.key_state(), Some(&KeyState::Enabled), "cleanup touched an untagged key");
    let aliases = tokyo.kms.list_aliases().key_id(&key).send().await.unwrap();
    assert_eq!(aliases.aliases().len(), 1, "cleanup removed the untagged key's alias");
}
