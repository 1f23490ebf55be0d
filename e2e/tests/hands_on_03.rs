//! Hands-on lab 03: done by hand with the lab page's AWS CLI commands, checked, adopted; the learner's mistakes, each with its own message.

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification, VolumeType};
use e2e::{describe, output_text, Emulator, OREGON, TOKYO};
use std::collections::BTreeMap;

const LAB: &str = "03-snapshots";
const KINDS: [&str; 3] = ["default-key", "Single-region-key", "Multi-region-key"];

/// The walkthrough's Name of lab 02's volume of key kind `kind` in set `prefix`.
fn volume_name(prefix: &str, kind: &str) -> String {
    format!("{prefix}EBS-encrypted-with-{kind}")
}

/// The walkthrough's Name of the snapshot of that volume.
fn snapshot_name(prefix: &str, kind: &str) -> String {
    format!("{prefix}snap-EBS-encrypted-with-{kind}")
}

/// Runs `03-snapshots` with `args`; (exit code, stdout, stderr).
fn run(emulator: &Emulator, args: &[&str]) -> (i32, String, String) {
    let output = emulator.lab(LAB).args(args).output().expect("run 03-snapshots");
    let (stdout, stderr) = output_text(&output);
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

/// Labs 01 and 02 done by their binaries for set `prefix`.
fn earlier_labs(emulator: &Emulator, prefix: &str) {
    let set = format!("--name-prefix={prefix}");
    for lab in ["01-keys", "02-volumes"] {
        emulator.run_ok(lab, &["--yes", &set]);
    }
}

/// The tags of `tags` as a map.
fn map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter().map(|t| (t.key().unwrap_or_default().to_string(), t.value().unwrap_or_default().to_string())).collect()
}

/// The live volume named `name` in `region`.
async fn volume_id(emulator: &Emulator, region: &str, name: &str) -> String {
    let clients = emulator.clients(region).await;
    let filter = Filter::builder().name("tag:Name").values(name).build();
    let volumes = clients.ec2.describe_volumes().filters(filter).send().await.expect("DescribeVolumes");
    let live: Vec<_> =
        volumes.volumes().iter().filter(|v| v.state().is_some_and(|s| s.as_str() != "deleted")).collect();
    assert_eq!(live.len(), 1, "one volume named {name} in {region}");
    live[0].volume_id().unwrap().to_string()
}

/// A snapshot as a learner takes it by hand (as the console does): of `volume` in `region`,
/// with `tags` (Name included, if any) and `description`.
async fn take(emulator: &Emulator, region: &str, volume: &str, tags: &[(&str, &str)], description: &str) -> String {
    let clients = emulator.clients(region).await;
    let mut request = clients.ec2.create_snapshot().volume_id(volume).description(description);
    if !tags.is_empty() {
        let tags = tags.iter().map(|(key, value)| Tag::builder().key(*key).value(*value).build());
        let spec =
            TagSpecification::builder().resource_type(ResourceType::Snapshot).set_tags(Some(tags.collect())).build();
        request = request.tag_specifications(spec);
    }
    request.send().await.expect("CreateSnapshot").snapshot_id().expect("snapshot id").to_string()
}

/// The snapshot of `kind`'s volume the walkthrough wants in set `prefix`, with its Name only.
async fn take_right(emulator: &Emulator, prefix: &str, kind: &str) -> String {
    let volume = volume_id(emulator, TOKYO, &volume_name(prefix, kind)).await;
    let name = snapshot_name(prefix, kind);
    take(emulator, TOKYO, &volume, &[("Name", &name)], &name).await
}

/// A volume made by hand in `region` with only a Name, encrypted with `aws/ebs` or not.
async fn make_volume(emulator: &Emulator, region: &str, name: &str, encrypted: bool) -> String {
    let clients = emulator.clients(region).await;
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::Volume)
        .tags(Tag::builder().key("Name").value(name).build())
        .build();
    let mut request = clients
        .ec2
        .create_volume()
        .availability_zone(format!("{region}a"))
        .size(8)
        .volume_type(VolumeType::Gp3)
        .encrypted(encrypted)
        .tag_specifications(tags);
    if encrypted {
        request = request.kms_key_id(describe::key_arn(&clients.kms, "alias/aws/ebs").await);
    }
    request.send().await.expect("CreateVolume").volume_id().expect("volume id").to_string()
}

/// The tags of snapshot `id` in `region`.
async fn tags_of(emulator: &Emulator, region: &str, id: &str) -> BTreeMap<String, String> {
    let clients = emulator.clients(region).await;
    let output = clients.ec2.describe_snapshots().snapshot_ids(id).send().await.expect("DescribeSnapshots");
    map(output.snapshots().first().expect("the snapshot").tags())
}

/// The ownership tags of the snapshot `name` of set `set`, as the page's commands and
/// `--adopt` put them.
fn ownership(name: &str, set: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("Name".to_string(), name.to_string()),
        ("ebs-kms-labs:project".to_string(), "ebs-kms-labs".to_string()),
        ("ebs-kms-labs:step".to_string(), LAB.to_string()),
        ("ebs-kms-labs:role".to_string(), name.to_string()),
        ("ebs-kms-labs:set".to_string(), set.to_string()),
    ])
}

/// Every volume and snapshot in both regions, with state, volume, key and tags: to show that a
/// run changed nothing.
async fn world(emulator: &Emulator) -> String {
    let mut lines = Vec::new();
    for region in [TOKYO, OREGON] {
        let clients = emulator.clients(region).await;
        let volumes = clients.ec2.describe_volumes().send().await.expect("DescribeVolumes").volumes.unwrap_or_default();
        for v in volumes {
            lines.push(format!(
                "{region} {} {:?} {:?} {:?}",
                v.volume_id().unwrap(),
                v.state(),
                v.kms_key_id(),
                map(v.tags())
            ));
        }
        for s in describe::all_snapshots(&clients.ec2).await {
            let (id, volume) = (s.snapshot_id().unwrap(), s.volume_id());
            lines.push(format!("{region} {id} {volume:?} {:?} {:?} {:?}", s.state(), s.kms_key_id(), map(s.tags())));
        }
    }
    lines.sort();
    lines.join("\n")
}

/// Deletes the snapshots `ids` in `region` (a test case made them).
async fn delete(emulator: &Emulator, region: &str, ids: &[String]) {
    let clients = emulator.clients(region).await;
    for id in ids {
        clients.ec2.delete_snapshot().snapshot_id(id).send().await.expect("DeleteSnapshot");
    }
}

/// The page's CLI block in `lang` for set `prefix` (after 01 and 02), then `--check`: exit 0,
/// each snapshot of the right volume and carrying the ownership tags, nothing to adopt.
async fn by_hand_from_the_page(emulator: &Emulator, lang: &str, prefix: &str) {
    earlier_labs(emulator, prefix);
    let output = emulator.run_readme_commands(LAB, lang, prefix);
    let (stdout, stderr) = output_text(&output);
    assert!(output.status.success(), "the {lang} page's commands ({prefix:?}) fail:\n{stdout}\n{stderr}");
    let set = format!("--name-prefix={prefix}");
    let (code, stdout, stderr) = run(emulator, &["--check", "--lang", lang, &set]);
    assert_eq!(code, 0, "--check after the {lang} page ({prefix:?}):\n{stdout}\n{stderr}");
    assert!(!stdout.contains("--adopt"), "nothing to adopt after the page's commands:\n{stdout}");
    let tokyo = emulator.clients(TOKYO).await;
    for kind in KINDS {
        let name = snapshot_name(prefix, kind);
        let filter = Filter::builder().name("tag:Name").values(&name).build();
        let found = tokyo.ec2.describe_snapshots().owner_ids("self").filters(filter).send().await.unwrap();
        let found = found.snapshots();
        assert_eq!(found.len(), 1, "{name}: one snapshot");
        let volume = volume_id(emulator, TOKYO, &volume_name(prefix, kind)).await;
        assert_eq!(found[0].volume_id(), Some(volume.as_str()), "{name}: of its volume");
        assert_eq!(found[0].description(), Some(name.as_str()), "{name}: its description");
        assert_eq!(map(found[0].tags()), ownership(&name, prefix), "{name}: tagged at creation");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_english_page_done_by_hand_passes_the_check_in_the_default_set_and_with_a_prefix() {
    let emulator = Emulator::start();
    by_hand_from_the_page(&emulator, "en", "").await;
    by_hand_from_the_page(&emulator, "en", "hand-").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_japanese_page_done_by_hand_passes_the_check() {
    let emulator = Emulator::start();
    by_hand_from_the_page(&emulator, "ja", "").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn untagged_snapshots_pass_are_adopted_alone_and_the_course_goes_on_and_cleans_them_up() {
    let emulator = Emulator::start();
    earlier_labs(&emulator, "");
    let mut mine = BTreeMap::new();
    for kind in KINDS {
        mine.insert(snapshot_name("", kind), take_right(&emulator, "", kind).await);
    }
    // Look-alikes: another Name, and another set's snapshot, both of the default-key volume.
    let volume = volume_id(&emulator, TOKYO, &volume_name("", "default-key")).await;
    let old_name = format!("{}-old", snapshot_name("", "default-key"));
    let old = take(&emulator, TOKYO, &volume, &[("Name", &old_name)], "an older one").await;
    let other_name = snapshot_name("other-", "default-key");
    let other_tags: Vec<(String, String)> = ownership(&other_name, "other-").into_iter().collect();
    let other_tags: Vec<(&str, &str)> = other_tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let other = take(&emulator, TOKYO, &volume, &other_tags, &other_name).await;
    let foreign_before = [tags_of(&emulator, TOKYO, &old).await, tags_of(&emulator, TOKYO, &other).await];

    let (code, stdout, stderr) = run(&emulator, &["--check"]);
    assert_eq!(code, 0, "right snapshots pass, tagged or not:\n{stdout}\n{stderr}");
    assert!(stdout.contains("Done by you, not tagged"), "{stdout}");
    assert!(stdout.contains("--adopt"), "the check says how to adopt them:\n{stdout}");
    for (name, id) in &mine {
        assert!(stdout.contains(&format!("{name} ({id})")), "{name} is listed to adopt:\n{stdout}");
    }
    assert!(!stdout.contains(&old) && !stdout.contains(&other), "look-alikes are not listed:\n{stdout}");

    let before = world(&emulator).await;
    let (code, stdout, stderr) = run(&emulator, &["--adopt", "--dry-run"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(world(&emulator).await, before, "--adopt --dry-run changed something");

    emulator.run_ok(LAB, &["--adopt", "--yes"]);
    for (name, id) in &mine {
        assert_eq!(tags_of(&emulator, TOKYO, id).await, ownership(name, ""), "{name} is adopted");
    }
    let foreign_after = [tags_of(&emulator, TOKYO, &old).await, tags_of(&emulator, TOKYO, &other).await];
    assert_eq!(foreign_after, foreign_before, "the look-alikes are untouched");
    let (stdout, _) = emulator.run_ok(LAB, &["--check"]);
    assert!(!stdout.contains("Done by you, not tagged"), "adopted snapshots are the labs' own now:\n{stdout}");

    // The lab itself reuses them (no second snapshot), and 04 copies them.
    let (stdout, _) = emulator.run_ok(LAB, &["--yes"]);
    for id in mine.values() {
        assert!(stdout.contains(id), "03 reuses the adopted {id}:\n{stdout}");
    }
    emulator.run_ok("04-copy", &["--yes"]);
    let oregon = emulator.clients(OREGON).await;
    let copies = describe::lab_snapshots(&oregon.ec2).await;
    for id in mine.values() {
        let copied = copies.iter().any(|c| c.description().is_some_and(|d| d.contains(&format!("copy of {id} "))));
        assert!(copied, "04 copies the adopted {id}: {copies:?}");
    }
    emulator.run_ok("05-cleanup", &["--yes"]);
    for region in [TOKYO, OREGON] {
        let clients = emulator.clients(region).await;
        let left: Vec<_> = describe::all_snapshots(&clients.ec2)
            .await
            .into_iter()
            .filter(|s| {
                let name = map(s.tags()).remove("Name").unwrap_or_default();
                mine.contains_key(&name) || (name.starts_with("snap-EBS-encrypted-with-") && name.contains("-copy-"))
            })
            .collect();
        assert!(left.is_empty(), "no walkthrough snapshot or copy is left in {region}: {left:?}");
        let volumes = clients.ec2.describe_volumes().send().await.unwrap().volumes.unwrap_or_default();
        let live: Vec<_> = volumes
            .iter()
            .filter(|v| KINDS.iter().any(|kind| map(v.tags()).get("Name") == Some(&volume_name("", kind))))
            .filter(|v| v.state().is_some_and(|s| s.as_str() != "deleted"))
            .collect();
        assert!(live.is_empty(), "no walkthrough volume is left in {region}: {live:?}");
    }
    let tokyo = emulator.clients(TOKYO).await;
    for key in describe::lab_keys(&tokyo.kms, TOKYO).await {
        let state = key.key_state().map(|s| s.as_str().to_string());
        assert_eq!(state.as_deref(), Some("PendingDeletion"), "{:?}", key.key_id());
    }
    let foreign_left = [tags_of(&emulator, TOKYO, &old).await, tags_of(&emulator, TOKYO, &other).await];
    assert_eq!(foreign_left, foreign_before, "cleanup leaves the look-alikes alone");
}

#[tokio::test(flavor = "multi_thread")]
async fn check_only_reads() {
    let emulator = Emulator::start();
    earlier_labs(&emulator, "");
    // Two right snapshots and one without its Name: the check reads by volume too.
    take_right(&emulator, "", "default-key").await;
    take_right(&emulator, "", "Single-region-key").await;
    let volume = volume_id(&emulator, TOKYO, &volume_name("", "Multi-region-key")).await;
    take(&emulator, TOKYO, &volume, &[], "").await;
    let before = world(&emulator).await;
    let (code, stdout, stderr) = run(&emulator, &["--check", "--show-api"]);
    assert_eq!(code, 4, "{stdout}\n{stderr}");
    let calls = e2e::api_operations(&stderr);
    assert!(calls.iter().filter(|call| *call == "EC2:DescribeSnapshots").count() >= 3, "{calls:?}");
    let written = e2e::writing_operations(&calls);
    assert!(written.is_empty(), "--check made write calls: {written:?}\n{stderr}");
    assert_eq!(world(&emulator).await, before, "--check changed something");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_lab_02s_volumes_the_check_refuses_naming_02_and_a_hand_made_volume_counts() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    let (code, stdout, stderr) = run(&emulator, &["--check"]);
    assert_eq!(code, 5, "{stdout}\n{stderr}");
    let all = format!("{stdout}{stderr}");
    assert!(all.contains("02-volumes"), "names the lab to run first:\n{all}");
    assert!(all.contains("EBS-encrypted-with-default-key"), "names the missing volume:\n{all}");

    // Volumes made by hand, untagged, are the prerequisite for --check.
    for kind in KINDS {
        make_volume(&emulator, TOKYO, &volume_name("", kind), true).await;
    }
    let (code, stdout, stderr) = run(&emulator, &["--check"]);
    assert_eq!(code, 4, "the volumes count; the snapshots are missing:\n{stdout}\n{stderr}");
    assert!(stdout.contains("no snapshot named snap-EBS-encrypted-with-default-key in ap-northeast-1"), "{stdout}");
}

/// The learner's mistakes, each made on the default-key row while the other two rows are right.
#[derive(Debug, Clone, Copy)]
enum Mistake {
    WrongLabVolume,
    NotAWalkthroughVolume,
    NoName,
    SameNameTwice,
    WrongRegion,
    TagsCopiedFromTheVolume,
    Missing,
    UnencryptedVolume,
}

/// Makes `mistake` by hand; returns what it made (to delete afterwards) and what the message
/// must say.
async fn make(emulator: &Emulator, mistake: Mistake) -> (Vec<(&'static str, String)>, Vec<String>) {
    let default_vol = volume_id(emulator, TOKYO, &volume_name("", "default-key")).await;
    let name = snapshot_name("", "default-key");
    let delete_cmd = |region: &str, id: &str| format!("aws ec2 delete-snapshot --region {region} --snapshot-id {id}");
    let create_cmd = format!("aws ec2 create-snapshot --region {TOKYO} --volume-id {default_vol}");
    let named = [("Name", name.as_str())];
    match mistake {
        Mistake::WrongLabVolume => {
            let single_vol = volume_id(emulator, TOKYO, &volume_name("", "Single-region-key")).await;
            let id = take(emulator, TOKYO, &single_vol, &named, &name).await;
            let expect = vec![
                format!("{name} ({id}) is a snapshot of EBS-encrypted-with-Single-region-key ({single_vol})"),
                format!("takes it from EBS-encrypted-with-default-key ({default_vol})"),
                delete_cmd(TOKYO, &id),
                create_cmd,
            ];
            (vec![(TOKYO, id)], expect)
        }
        Mistake::NotAWalkthroughVolume => {
            let scratch = make_volume(emulator, TOKYO, "scratch", true).await;
            let id = take(emulator, TOKYO, &scratch, &named, &name).await;
            let expect = vec![format!("is a snapshot of {scratch} (not one of the walkthrough's volumes)"), create_cmd];
            (vec![(TOKYO, id)], expect)
        }
        Mistake::NoName => {
            let id = take(emulator, TOKYO, &default_vol, &[], "").await;
            let expect = vec![
                format!("{id} is a snapshot of EBS-encrypted-with-default-key ({default_vol}), but it has no Name tag"),
                format!("aws ec2 create-tags --region {TOKYO} --resources {id} --tags Key=Name,Value={name}"),
            ];
            (vec![(TOKYO, id)], expect)
        }
        Mistake::SameNameTwice => {
            let first = take(emulator, TOKYO, &default_vol, &named, &name).await;
            let second = take(emulator, TOKYO, &default_vol, &named, &name).await;
            let expect =
                vec![format!("2 snapshots are named {name}"), "keep snap-".into(), "aws ec2 delete-snapshot".into()];
            (vec![(TOKYO, first), (TOKYO, second)], expect)
        }
        Mistake::WrongRegion => {
            let there = make_volume(emulator, OREGON, &volume_name("", "default-key"), true).await;
            let id = take(emulator, OREGON, &there, &named, &name).await;
            let expect = vec![
                format!("{name} ({id}) is in Oregon (us-west-2), not in Tokyo (ap-northeast-1)"),
                delete_cmd(OREGON, &id),
                create_cmd,
            ];
            (vec![(OREGON, id)], expect)
        }
        Mistake::TagsCopiedFromTheVolume => {
            let volume = volume_name("", "default-key");
            let tags = [
                ("Name", name.as_str()),
                ("ebs-kms-labs:project", "ebs-kms-labs"),
                ("ebs-kms-labs:step", "02-volumes"),
                ("ebs-kms-labs:role", volume.as_str()),
                ("ebs-kms-labs:set", ""),
            ];
            let id = take(emulator, TOKYO, &default_vol, &tags, &name).await;
            let expect = vec![
                format!("{name} ({id}) carries labs' tags that do not fit it"),
                format!("aws ec2 delete-tags --region {TOKYO} --resources {id}"),
            ];
            (vec![(TOKYO, id)], expect)
        }
        Mistake::Missing => (Vec::new(), vec![format!("no snapshot named {name} in {TOKYO}"), create_cmd]),
        Mistake::UnencryptedVolume => {
            // A second volume with the walkthrough's Name, made by hand without encryption.
            let plain = make_volume(emulator, TOKYO, &volume_name("", "default-key"), false).await;
            let id = take(emulator, TOKYO, &plain, &named, &name).await;
            let expect = vec![
                format!("{name} ({id}) is not encrypted, because its volume EBS-encrypted-with-default-key ({plain}) is not"),
                "cargo run --bin 02-volumes -- --check".to_string(),
            ];
            (vec![(TOKYO, id)], expect)
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_learner_mistake_gets_its_own_message_and_nothing_changes() {
    let emulator = Emulator::start();
    earlier_labs(&emulator, "");
    let mut right = Vec::new();
    for kind in ["Single-region-key", "Multi-region-key"] {
        right.push(take_right(&emulator, "", kind).await);
    }
    // The unencrypted volume stays once made: last.
    let mistakes = [
        Mistake::WrongLabVolume,
        Mistake::NotAWalkthroughVolume,
        Mistake::NoName,
        Mistake::SameNameTwice,
        Mistake::WrongRegion,
        Mistake::TagsCopiedFromTheVolume,
        Mistake::Missing,
        Mistake::UnencryptedVolume,
    ];
    for mistake in mistakes {
        let (made, expect) = make(&emulator, mistake).await;
        let before = world(&emulator).await;
        let (code, stdout, stderr) = run(&emulator, &["--check"]);
        assert_eq!(code, 4, "{mistake:?}: exit 4\n{stdout}\n{stderr}");
        for line in &expect {
            assert!(stdout.contains(line.as_str()), "{mistake:?}: the message says {line:?}:\n{stdout}");
        }
        assert_eq!(stdout.matches('✗').count(), 1, "{mistake:?}: only the default-key row fails:\n{stdout}");
        assert_eq!(world(&emulator).await, before, "{mistake:?}: --check changed something");
        // --adopt tags the passing rows' snapshots (the other two), never the failing one.
        let mut tags_before = Vec::new();
        for (region, id) in &made {
            tags_before.push(tags_of(&emulator, region, id).await);
        }
        let (code, stdout, _) = run(&emulator, &["--adopt", "--yes"]);
        assert_eq!(code, 4, "{mistake:?}: --adopt fails too\n{stdout}");
        for ((region, id), before) in made.iter().zip(tags_before) {
            assert_eq!(tags_of(&emulator, region, id).await, before, "{mistake:?}: --adopt tagged the failing {id}");
        }
        for (region, id) in made {
            delete(&emulator, region, &[id]).await;
        }
    }
    delete(&emulator, TOKYO, &right).await;
}
