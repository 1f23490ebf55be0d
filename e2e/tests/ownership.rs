//! Ownership: exact sets, exact aliases, the full tag signature; nothing foreign changed. Each
//! test makes, by hand, what a security review saw the labs take for their own, runs the labs,
//! then describes the whole account: only what is exactly the set's own changed.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use aws_sdk_kms::types::{GrantOperation, KeyState};
use e2e::{describe, output_text, Emulator, OREGON, TOKYO};
use rexpect::session::{spawn_with_options, Options, PtySession};
use std::collections::BTreeMap;
use std::process::Stdio;

/// Everything in both regions, by a readable id: keys (state and tags), aliases (target),
/// grants, volumes and snapshots (state and tags).
async fn whole_account(emulator: &Emulator) -> BTreeMap<String, String> {
    let mut seen = BTreeMap::new();
    for region in [TOKYO, OREGON] {
        let clients = emulator.clients(region).await;
        for key in clients.kms.list_keys().send().await.unwrap().keys() {
            let id = key.key_id().unwrap();
            let state = describe::key(&clients.kms, id).await.key_state().cloned();
            let tags = describe::key_tags(&clients.kms, id).await;
            seen.insert(format!("{region} key {id}"), format!("{state:?} {tags:?}"));
            let grants = clients.kms.list_grants().key_id(id).send().await.unwrap();
            for grant in grants.grants() {
                seen.insert(format!("{region} grant {}", grant.grant_id().unwrap()), id.to_string());
            }
        }
        for alias in clients.kms.list_aliases().send().await.unwrap().aliases() {
            // The emulator lists a multi-region alias in every region: keep this region's only.
            if alias.alias_arn().is_some_and(|arn| arn.contains(&format!(":{region}:"))) {
                let target = alias.target_key_id().unwrap_or("—");
                seen.insert(format!("{region} {}", alias.alias_name().unwrap()), target.to_string());
            }
        }
        for volume in clients.ec2.describe_volumes().send().await.unwrap().volumes() {
            let state = format!("{:?} {:?}", volume.state(), sorted_tags(volume.tags()));
            seen.insert(format!("{region} volume {}", volume.volume_id().unwrap()), state);
        }
        let snapshots = clients.ec2.describe_snapshots().owner_ids("self").send().await.unwrap();
        for snapshot in snapshots.snapshots() {
            let state = format!("{:?} {:?}", snapshot.state(), sorted_tags(snapshot.tags()));
            seen.insert(format!("{region} snapshot {}", snapshot.snapshot_id().unwrap()), state);
        }
    }
    seen
}

fn sorted_tags(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter().map(|t| (t.key().unwrap_or_default().to_string(), t.value().unwrap_or_default().to_string())).collect()
}

/// What changed between two descriptions of the account: (id, before, after).
fn changes(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<(String, String, String)> {
    let ids: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    ids.into_iter()
        .filter(|id| before.get(*id) != after.get(*id))
        .map(|id| {
            let text = |map: &BTreeMap<String, String>| map.get(id).cloned().unwrap_or_else(|| "gone".into());
            (id.clone(), text(before), text(after))
        })
        .collect()
}

/// Whether a description shows the exact ownership signature of set `set`.
fn of_set(description: &str, set: &str) -> bool {
    description.contains(&format!("\"ebs-kms-labs:set\": \"{set}\""))
}

/// Whether `id` (as [`whole_account`] names it) is set `set`'s own in the account described by
/// `before`: its tags say so, or it is the replica of the set's primary (the emulator keeps no
/// tags on replicas), or an alias that pointed at one of the set's keys.
fn owned_by(before: &BTreeMap<String, String>, id: &str, set: &str) -> bool {
    let key_of_set = |region: &str, key_id: &str| {
        let own = before.get(&format!("{region} key {key_id}")).is_some_and(|d| of_set(d, set));
        let replica_of = before.get(&format!("{TOKYO} key {key_id}")).is_some_and(|d| of_set(d, set));
        own || (region == OREGON && key_id.starts_with("mrk-") && replica_of)
    };
    let Some((region, rest)) = id.split_once(' ') else { return false };
    if let Some(key_id) = rest.strip_prefix("key ") {
        return key_of_set(region, key_id);
    }
    if rest.starts_with("alias/") {
        return before.get(id).is_some_and(|target| key_of_set(region, target));
    }
    before.get(id).is_some_and(|d| of_set(d, set))
}

/// A lab in a pseudo-terminal, so that it asks before changing anything.
fn in_a_terminal(emulator: &Emulator, lab: &str) -> PtySession {
    let mut command = emulator.lab_process_via(&emulator.url, lab);
    command.stdin(Stdio::inherit()).stdout(Stdio::inherit()).stderr(Stdio::inherit()).env("TERM", "xterm");
    let options = Options::new().timeout_ms(Some(60_000)).strip_ansi_escape_codes(true);
    spawn_with_options(command, options).expect("start the lab in a pseudo-terminal")
}

/// Answers the confirmation yes, a moment after it appears (as a person types).
fn answer_yes(terminal: &mut PtySession) {
    std::thread::sleep(std::time::Duration::from_millis(300));
    terminal.send("y").unwrap();
    terminal.send("\r").unwrap();
    terminal.flush().unwrap();
}

fn run(emulator: &Emulator, lab: &str, args: &[&str]) -> (bool, String) {
    let output = emulator.lab(lab).args(args).output().expect("run the lab");
    let (stdout, stderr) = output_text(&output);
    (output.status.success(), format!("{stdout}\n{stderr}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prefix_that_looks_like_a_name_never_reaches_another_set() {
    let emulator = Emulator::start();
    for lab in ["01-keys", "02-volumes", "03-snapshots", "04-copy"] {
        emulator.run_ok(lab, &["--yes"]);
    }
    // `snap-` + a volume's name is the default set's snapshot name.
    for lab in ["01-keys", "02-volumes"] {
        emulator.run_ok(lab, &["--yes", "--name-prefix", "snap-"]);
    }
    let before = whole_account(&emulator).await;

    let output = emulator.lab("05-cleanup").args(["--dry-run", "--output", "json"]).output().unwrap();
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON document");
    let ids_in = |report: &str| -> Vec<String> {
        let rows = document[report].as_array().cloned().unwrap_or_default();
        rows.iter().filter_map(|row| row["id"].as_str().map(str::to_string)).collect()
    };
    let (planned, left_alone) = (ids_in("inventory"), ids_in("not_ours"));
    let snap_set_volumes: Vec<&str> = before
        .iter()
        .filter(|(id, d)| id.contains(" volume ") && of_set(d, "snap-"))
        .filter_map(|(id, _)| id.rsplit(' ').next())
        .collect();
    assert_eq!(snap_set_volumes.len(), 3, "{before:#?}");
    for volume_id in snap_set_volumes {
        assert!(
            !planned.iter().any(|id| id == volume_id),
            "the default set plans the snap- set's {volume_id}: {document:#}"
        );
        assert!(left_alone.iter().any(|id| id == volume_id), "{volume_id} is listed as another set's: {document:#}");
    }

    emulator.run_ok("05-cleanup", &["--yes", "--name-prefix", "snap-"]);
    let after = whole_account(&emulator).await;
    let changed = changes(&before, &after);
    assert!(!changed.is_empty(), "the snap- set was cleaned up");
    for (id, was, now) in &changed {
        assert!(owned_by(&before, id, "snap-"), "cleanup of the snap- set changed {id}: {was} → {now}");
    }
    // Every snapshot and copy of the default set is still there.
    let default_snapshots = before.iter().filter(|(id, d)| id.contains(" snapshot ") && of_set(d, "")).count();
    let still = after.iter().filter(|(id, d)| id.contains(" snapshot ") && of_set(d, "")).count();
    assert_eq!((default_snapshots, still), (6, 6));

    // And the other way round: the default set's cleanup leaves the snap- set's keys alone.
    emulator.run_ok("01-keys", &["--yes", "--name-prefix", "snap-"]);
    let before = whole_account(&emulator).await;
    emulator.run_ok("05-cleanup", &["--yes"]);
    for (id, was, now) in changes(&before, &whole_account(&emulator).await) {
        assert!(owned_by(&before, &id, ""), "cleanup of the default set changed {id}: {was} → {now}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lab_key_that_something_else_uses_is_kept_until_forced() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    let (tokyo, oregon) = (emulator.clients(TOKYO).await, emulator.clients(OREGON).await);
    let single = describe::key(&tokyo.kms, "alias/Single-region-key").await.key_id().to_string();
    let single_oregon = describe::key(&oregon.kms, "alias/Single-region-key-oregon").await;
    let (single_oregon, single_oregon_arn) =
        (single_oregon.key_id().to_string(), single_oregon.arn().unwrap().to_string());
    let primary = describe::key(&tokyo.kms, "alias/Multi-region-key").await.key_id().to_string();

    // A hand-made extra alias and a team's alias on the single-region key.
    for alias in ["alias/Single-region-key-old", "alias/team-app"] {
        tokyo.kms.create_alias().alias_name(alias).target_key_id(&single).send().await.unwrap();
    }
    // Someone's volume, without any lab tag, encrypted under the Oregon key.
    let volume = oregon
        .ec2
        .create_volume()
        .availability_zone(format!("{OREGON}a"))
        .size(1)
        .encrypted(true)
        .kms_key_id(&single_oregon_arn)
        .send()
        .await
        .unwrap();
    let volume_id = volume.volume_id().unwrap().to_string();
    // An application's grant on the multi-region primary.
    let grant = tokyo
        .kms
        .create_grant()
        .key_id(&primary)
        .grantee_principal("arn:aws:iam::123456789012:role/app")
        .operations(GrantOperation::Decrypt)
        .send()
        .await
        .unwrap();
    let grant_id = grant.grant_id().unwrap().to_string();
    // (the key kept, its region, what the output must name as its user)
    let uses = [
        (&single, TOKYO, "alias/team-app"),
        (&single, TOKYO, "alias/Single-region-key-old"),
        (&single_oregon, OREGON, volume_id.as_str()),
        (&primary, TOKYO, grant_id.as_str()),
        // The replica is kept with its primary (the emulator also lists the primary's grant on it).
        (&primary, OREGON, "--force-key"),
    ];
    let before = whole_account(&emulator).await;

    let (succeeded, output) = run(&emulator, "05-cleanup", &["--yes"]);
    assert!(!succeeded, "keys remain billing, so cleanup does not report success:\n{output}");
    for (key_id, region, user) in uses {
        assert!(output.contains(user), "the output names {user}:\n{output}");
        assert!(output.contains(&format!("--force-key {key_id}")), "the way forward for {key_id}:\n{output}");
        let kms = &emulator.clients(region).await.kms;
        assert_eq!(describe::key(kms, key_id).await.key_state(), Some(&KeyState::Enabled), "{key_id} in {region}");
    }
    let after = whole_account(&emulator).await;
    for id in [
        format!("{TOKYO} alias/team-app"),
        format!("{TOKYO} alias/Single-region-key-old"),
        format!("{OREGON} volume {volume_id}"),
        format!("{TOKYO} grant {grant_id}"),
    ] {
        assert!(after.contains_key(&id), "{id} still exists");
        assert_eq!(before.get(&id), after.get(&id), "{id} is untouched");
    }
    for (id, was, now) in changes(&before, &after) {
        let own_alias = id.ends_with(" alias/Single-region-key")
            || id.contains(" alias/Single-region-key-oregon")
            || id.contains(" alias/Multi-region-key");
        assert!(of_set(&was, "") || own_alias, "{id} changed: {was} → {now}");
    }

    // Forced, the key goes; what used it stays as it was.
    let (succeeded, output) = run(&emulator, "05-cleanup", &["--yes", "--force-key", &single]);
    assert!(!succeeded, "the other keys are still kept:\n{output}");
    assert_eq!(describe::key(&tokyo.kms, &single).await.key_state(), Some(&KeyState::PendingDeletion));
    let forced = whole_account(&emulator).await;
    assert_eq!(forced.get(&format!("{TOKYO} alias/team-app")), Some(&single));
    assert_eq!(
        forced.get(&format!("{OREGON} volume {volume_id}")),
        before.get(&format!("{OREGON} volume {volume_id}"))
    );
    assert_eq!(describe::key(&oregon.kms, &single_oregon).await.key_state(), Some(&KeyState::Enabled));
    assert_eq!(describe::key(&tokyo.kms, &primary).await.key_state(), Some(&KeyState::Enabled));
}

#[tokio::test(flavor = "multi_thread")]
async fn one_tag_or_copied_tags_are_not_ownership() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    emulator.run_ok("02-volumes", &["--yes"]);
    let tokyo = emulator.clients(TOKYO).await;
    // A backup of a lab volume whose tags were copied from it, as AWS Backup or DLM do.
    let volumes = tokyo.ec2.describe_volumes().send().await.unwrap();
    let lab_volume = volumes
        .volumes()
        .iter()
        .find(|v| sorted_tags(v.tags()).get("Name").is_some_and(|n| n == "EBS-encrypted-with-default-key"))
        .unwrap();
    let copied = TagSpecification::builder()
        .resource_type(ResourceType::Snapshot)
        .set_tags(Some(lab_volume.tags().to_vec()))
        .build();
    let backup = tokyo
        .ec2
        .create_snapshot()
        .volume_id(lab_volume.volume_id().unwrap())
        .tag_specifications(copied)
        .send()
        .await
        .unwrap();
    let backup_id = backup.snapshot_id().unwrap().to_string();
    // A team's key with the project tag only, and one with lab-like tags but a role the walkthrough never gives.
    let mut team_keys = Vec::new();
    for (alias, extra) in [
        ("alias/Multi-region-key-legacy-prod", vec![]),
        (
            "alias/Multi-region-key-legacy-test",
            vec![("ebs-kms-labs:step", "01-keys"), ("ebs-kms-labs:role", "Multi-region-key-legacy-test")],
        ),
    ] {
        let mut key_tags = vec![aws_sdk_kms::types::Tag::builder()
            .tag_key("ebs-kms-labs:project")
            .tag_value("ebs-kms-labs")
            .build()
            .unwrap()];
        key_tags.extend(
            extra.iter().map(|(k, v)| aws_sdk_kms::types::Tag::builder().tag_key(*k).tag_value(*v).build().unwrap()),
        );
        let key = tokyo.kms.create_key().set_tags(Some(key_tags)).send().await.unwrap().key_metadata.unwrap();
        tokyo.kms.create_alias().alias_name(alias).target_key_id(key.key_id()).send().await.unwrap();
        team_keys.push(key.key_id().to_string());
    }
    let before = whole_account(&emulator).await;

    let (_, output) = run(&emulator, "05-cleanup", &["--yes"]);
    assert!(output.contains("not this set's"), "near-misses are listed:\n{output}");
    assert!(output.contains(&backup_id) && output.contains("02-volumes"), "the backup is named with why:\n{output}");
    let after = whole_account(&emulator).await;
    assert_eq!(
        before.get(&format!("{TOKYO} snapshot {backup_id}")),
        after.get(&format!("{TOKYO} snapshot {backup_id}"))
    );
    for key in &team_keys {
        assert!(output.contains(key.as_str()), "{key} is listed as not the labs':\n{output}");
        assert_eq!(describe::key(&tokyo.kms, key).await.key_state(), Some(&KeyState::Enabled));
    }
    for (id, was, now) in changes(&before, &after) {
        assert!(owned_by(&before, &id, ""), "{id} changed: {was} → {now}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn resources_made_before_the_set_tag_are_still_found_and_cleaned() {
    let emulator = Emulator::start();
    for lab in ["01-keys", "02-volumes", "03-snapshots"] {
        emulator.run_ok(lab, &["--yes"]);
    }
    for region in [TOKYO, OREGON] {
        let clients = emulator.clients(region).await;
        for key in clients.kms.list_keys().send().await.unwrap().keys() {
            let id = key.key_id().unwrap();
            clients.kms.untag_resource().key_id(id).tag_keys("ebs-kms-labs:set").send().await.unwrap();
        }
        let volumes = clients.ec2.describe_volumes().send().await.unwrap();
        let snapshots = clients.ec2.describe_snapshots().owner_ids("self").send().await.unwrap();
        let ids: Vec<String> = volumes
            .volumes()
            .iter()
            .filter_map(|v| v.volume_id().map(str::to_string))
            .chain(snapshots.snapshots().iter().filter_map(|s| s.snapshot_id().map(str::to_string)))
            .collect();
        if !ids.is_empty() {
            let set_tag = Tag::builder().key("ebs-kms-labs:set").build();
            clients.ec2.delete_tags().set_resources(Some(ids)).tags(set_tag).send().await.unwrap();
        }
    }
    let before = whole_account(&emulator).await;
    assert!(!before.values().any(|d| d.contains("ebs-kms-labs:set")), "the set tags are gone: {before:#?}");
    emulator.run_ok("05-cleanup", &["--yes"]);
    let after = whole_account(&emulator).await;
    assert!(!after.keys().any(|id| id.contains(" volume ") || id.contains(" snapshot ")), "{after:#?}");
    let lab_keys = after.iter().filter(|(id, d)| id.contains(" key ") && d.contains("ebs-kms-labs:project")).count();
    let pending = after.iter().filter(|(id, d)| id.contains(" key ") && d.contains("PendingDeletion")).count();
    assert_eq!(lab_keys, 3, "{after:#?}");
    assert_eq!(pending, 4, "three tagged keys and the replica are pending deletion: {after:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alias_moved_while_the_confirmation_waits_is_left_alone() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    let tokyo = emulator.clients(TOKYO).await;
    let foreign = tokyo.kms.create_key().description("a team's key").send().await.unwrap().key_metadata.unwrap();
    let foreign_id = foreign.key_id().to_string();

    let mut terminal = in_a_terminal(&emulator, "05-cleanup");
    terminal.exp_string("(y/N)").expect("the confirmation");
    // While the learner reads the plan, someone points the lab's alias at their own key.
    tokyo.kms.update_alias().alias_name("alias/Single-region-key").target_key_id(&foreign_id).send().await.unwrap();
    answer_yes(&mut terminal);
    let screen = terminal.exp_eof().expect("cleanup ends");
    assert!(screen.contains(&foreign_id), "the moved alias is reported:\n{screen}");

    let after = whole_account(&emulator).await;
    assert_eq!(after.get(&format!("{TOKYO} alias/Single-region-key")), Some(&foreign_id), "{after:#?}");
    assert_eq!(describe::key(&tokyo.kms, &foreign_id).await.key_state(), Some(&KeyState::Enabled));
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_lab_leaves_an_alias_that_moved_while_the_confirmation_waits() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    let tokyo = emulator.clients(TOKYO).await;
    // The lab key behind the alias can no longer serve: the re-run plans to point the alias at a new key.
    let old = describe::key(&tokyo.kms, "alias/Single-region-key").await.key_id().to_string();
    tokyo.kms.schedule_key_deletion().key_id(&old).pending_window_in_days(7).send().await.unwrap();
    let foreign = tokyo.kms.create_key().description("a team's key").send().await.unwrap().key_metadata.unwrap();
    let foreign_id = foreign.key_id().to_string();

    let mut terminal = in_a_terminal(&emulator, "01-keys");
    let plan = terminal.exp_string("(y/N)").expect("the confirmation");
    assert!(plan.contains("alias/Single-region-key") || plan.contains("Single-region-key"), "{plan}");
    tokyo.kms.update_alias().alias_name("alias/Single-region-key").target_key_id(&foreign_id).send().await.unwrap();
    answer_yes(&mut terminal);
    let screen = terminal.exp_eof().expect("the lab ends");
    assert!(screen.contains("changed while the plan waited") && screen.contains(&foreign_id), "{screen}");

    let after = whole_account(&emulator).await;
    assert_eq!(after.get(&format!("{TOKYO} alias/Single-region-key")), Some(&foreign_id), "{after:#?}");
    assert_eq!(describe::key(&tokyo.kms, &foreign_id).await.key_state(), Some(&KeyState::Enabled));
}
