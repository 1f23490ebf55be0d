//! Hands-on lab 04: done by hand with the lab page's AWS CLI commands, checked, adopted; the learner's mistakes, each with its own message.

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification, VolumeType};
use aws_sdk_ec2::Client;
use e2e::{describe, output_text, Emulator, OREGON, TOKYO};
use std::collections::BTreeMap;

const LAB: &str = "04-copy";
const KINDS: [&str; 3] = ["default-key", "Single-region-key", "Multi-region-key"];

/// The earlier labs, done by their binaries for the set `prefix`.
fn earlier_labs(emulator: &Emulator, prefix: &str) {
    for lab in ["01-keys", "02-volumes", "03-snapshots"] {
        emulator.run_ok(lab, &with_prefix(&["--yes"], prefix));
    }
}

fn with_prefix<'a>(args: &[&'a str], prefix: &'a str) -> Vec<&'a str> {
    let mut args = args.to_vec();
    if !prefix.is_empty() {
        args.extend(["--name-prefix", prefix]);
    }
    args
}

/// Runs `04-copy` with `args`: (exit code, stdout, stderr).
fn run(emulator: &Emulator, args: &[&str]) -> (i32, String, String) {
    let output = emulator.lab(LAB).args(args).output().expect("run the lab");
    let (stdout, stderr) = output_text(&output);
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

/// The walkthrough's names, written out here so that the tests do not trust the code they check.
fn snapshot_name(prefix: &str, kind: &str) -> String {
    format!("{prefix}snap-EBS-encrypted-with-{kind}")
}

fn copy_name(prefix: &str, kind: &str, key: &str) -> String {
    format!("{}-copy-{}", snapshot_name(prefix, kind), key.replace('/', "-"))
}

/// The walkthrough's pairing: (source kind, destination alias without `alias/`).
fn pairs(prefix: &str) -> [(&'static str, String); 3] {
    [
        ("default-key", "aws/ebs".to_string()),
        ("Single-region-key", format!("{prefix}Single-region-key-oregon")),
        ("Multi-region-key", format!("{prefix}Multi-region-key-rep-oregon")),
    ]
}

async fn ec2(emulator: &Emulator, region: &str) -> Client {
    emulator.clients(region).await.ec2
}

async fn key_arn(emulator: &Emulator, region: &str, alias: &str) -> String {
    describe::key_arn(&emulator.clients(region).await.kms, &format!("alias/{alias}")).await
}

/// This account's snapshots named `name` in the region of `ec2`.
async fn named(ec2: &Client, name: &str) -> Vec<aws_sdk_ec2::types::Snapshot> {
    let filter = Filter::builder().name("tag:Name").values(name).build();
    let output = ec2.describe_snapshots().owner_ids("self").filters(filter).send().await.expect("DescribeSnapshots");
    output.snapshots.unwrap_or_default()
}

async fn source_id(emulator: &Emulator, prefix: &str, kind: &str) -> String {
    let found = named(&ec2(emulator, TOKYO).await, &snapshot_name(prefix, kind)).await;
    found.first().and_then(|s| s.snapshot_id()).expect("the source snapshot").to_string()
}

fn tags_of(snapshot: &aws_sdk_ec2::types::Snapshot) -> BTreeMap<String, String> {
    snapshot.tags().iter().map(|t| (t.key().unwrap_or("").to_string(), t.value().unwrap_or("").to_string())).collect()
}

/// A copy as a learner makes it with the SDK, sent to `to`: only a Name tag (or none).
struct HandCopy<'a> {
    to: &'a str,
    source: String,
    key: Option<String>,
    name: Option<String>,
    description: Option<String>,
}

async fn copy(emulator: &Emulator, hand: HandCopy<'_>) -> String {
    let request = ec2(emulator, hand.to)
        .await
        .copy_snapshot()
        .source_region(TOKYO)
        .source_snapshot_id(&hand.source)
        .encrypted(true)
        .set_kms_key_id(hand.key)
        .set_description(hand.description);
    let request = match hand.name {
        Some(name) => request.tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Snapshot)
                .tags(Tag::builder().key("Name").value(name).build())
                .build(),
        ),
        None => request,
    };
    request.send().await.expect("CopySnapshot").snapshot_id().expect("copy id").to_string()
}

async fn delete(emulator: &Emulator, region: &str, ids: &[String]) {
    let ec2 = ec2(emulator, region).await;
    for id in ids {
        ec2.delete_snapshot().snapshot_id(id).send().await.expect("DeleteSnapshot");
    }
}

/// Every snapshot and volume of both regions, with state, key and tags: equal before and after a
/// run means the run changed nothing.
async fn world(emulator: &Emulator) -> String {
    let mut state = Vec::new();
    for region in [TOKYO, OREGON] {
        let ec2 = ec2(emulator, region).await;
        for snapshot in describe::all_snapshots(&ec2).await {
            state.push(format!(
                "{region} {:?} {:?} {:?} {:?}",
                snapshot.snapshot_id(),
                snapshot.state(),
                snapshot.kms_key_id(),
                tags_of(&snapshot)
            ));
        }
        let volumes = ec2.describe_volumes().send().await.expect("DescribeVolumes").volumes.unwrap_or_default();
        for volume in volumes {
            state.push(format!("{region} {:?} {:?} {:?}", volume.volume_id(), volume.state(), volume.tags()));
        }
    }
    state.sort();
    state.join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_commands_make_copies_that_check_out_in_both_languages() {
    let emulator = Emulator::start();
    // Three sets on one emulator: they cannot interfere.
    for (lang, prefix) in [("en", ""), ("ja", "ja-"), ("en", "hand-")] {
        earlier_labs(&emulator, prefix);
        let output = emulator.run_readme_commands(LAB, lang, prefix);
        let (stdout, stderr) = output_text(&output);
        assert!(output.status.success(), "{lang} {prefix:?}: the page's commands failed\n{stdout}\n{stderr}");
        let (code, stdout, stderr) = run(&emulator, &with_prefix(&["--check"], prefix));
        assert_eq!(code, 0, "{lang} {prefix:?}\n{stdout}\n{stderr}");
        assert!(!stdout.contains("--adopt"), "the page's commands tag the copies: nothing to adopt\n{stdout}");
        let oregon = ec2(&emulator, OREGON).await;
        for (kind, key) in pairs(prefix) {
            let name = copy_name(prefix, kind, &key);
            let copies = named(&oregon, &name).await;
            assert_eq!(copies.len(), 1, "{name}");
            let tags = tags_of(&copies[0]);
            assert_eq!(tags.get("ebs-kms-labs:step").map(String::as_str), Some(LAB), "{tags:?}");
            assert_eq!(tags.get("ebs-kms-labs:set").map(String::as_str), Some(prefix), "{tags:?}");
            let arn = key_arn(&emulator, OREGON, &key).await;
            assert_eq!(copies[0].kms_key_id(), Some(arn.as_str()), "{name}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn copies_made_without_tags_check_out_get_adopted_and_cleaned_up() {
    let emulator = Emulator::start();
    earlier_labs(&emulator, "");
    let mut made = Vec::new();
    for (kind, key) in pairs("") {
        let hand = HandCopy {
            to: OREGON,
            source: source_id(&emulator, "", kind).await,
            key: Some(key_arn(&emulator, OREGON, &key).await),
            name: Some(copy_name("", kind, &key)),
            description: None,
        };
        made.push(copy(&emulator, hand).await);
    }
    // A look-alike with another Name (under aws/ebs, so that no lab key is kept for it): never
    // the labs' to tag or delete.
    let old_name = format!("{}-old", copy_name("", "Single-region-key", "Single-region-key-oregon"));
    let look_alike = HandCopy {
        to: OREGON,
        source: source_id(&emulator, "", "Single-region-key").await,
        key: Some(key_arn(&emulator, OREGON, "aws/ebs").await),
        name: Some(old_name.clone()),
        description: None,
    };
    let look_alike = copy(&emulator, look_alike).await;
    let oregon = ec2(&emulator, OREGON).await;
    let foreign_before = tags_of(&named(&oregon, &old_name).await[0]);

    let (code, stdout, stderr) = run(&emulator, &["--check"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("not tagged") && stdout.contains("--adopt"), "{stdout}");
    for id in &made {
        assert!(stdout.contains(id.as_str()), "{id} listed\n{stdout}");
    }

    let (code, stdout, stderr) = run(&emulator, &["--adopt", "--yes"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for (kind, key) in pairs("") {
        let name = copy_name("", kind, &key);
        let tags = tags_of(&named(&oregon, &name).await[0]);
        let expected: BTreeMap<String, String> = [
            ("Name", name.as_str()),
            ("ebs-kms-labs:project", "ebs-kms-labs"),
            ("ebs-kms-labs:step", LAB),
            ("ebs-kms-labs:role", name.as_str()),
            ("ebs-kms-labs:set", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(tags, expected, "{name}");
    }
    assert_eq!(tags_of(&named(&oregon, &old_name).await[0]), foreign_before, "the look-alike is untouched");

    // The adopted copies are the labs' own now: cleanup removes them with the rest.
    emulator.run_ok("05-cleanup", &["--yes"]);
    let tokyo = ec2(&emulator, TOKYO).await;
    for kind in KINDS {
        assert!(named(&tokyo, &snapshot_name("", kind)).await.is_empty(), "{kind}");
        for (_, key) in pairs("") {
            assert!(named(&oregon, &copy_name("", kind, &key)).await.is_empty(), "{kind} {key}");
        }
    }
    let volumes = tokyo.describe_volumes().send().await.expect("DescribeVolumes").volumes.unwrap_or_default();
    assert!(volumes.iter().all(|v| v.tags().iter().all(|t| t.key() != Some("Name"))), "{volumes:?}");
    let still = named(&oregon, &old_name).await;
    assert_eq!(still.iter().map(|s| s.snapshot_id().unwrap_or("")).collect::<Vec<_>>(), [look_alike.as_str()]);
    for (region, aliases) in [
        (TOKYO, vec!["Single-region-key", "Multi-region-key"]),
        (OREGON, vec!["Single-region-key-oregon", "Multi-region-key-rep-oregon"]),
    ] {
        let kms = emulator.clients(region).await.kms;
        for key in describe::lab_keys(&kms, region).await {
            assert_eq!(key.key_state().map(|s| s.as_str()), Some("PendingDeletion"), "{region} {aliases:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn check_only_reads() {
    let emulator = Emulator::start();
    earlier_labs(&emulator, "");
    emulator.run_ok(LAB, &["--yes", "--key-for", "single-region=aws-managed"]);
    let before = world(&emulator).await;
    let (code, stdout, stderr) = run(&emulator, &["--check", "--show-api"]);
    assert_eq!(code, 4, "the single-region copy is missing\n{stdout}\n{stderr}");
    let calls = e2e::api_operations(&stderr);
    assert!(calls.iter().any(|call| call == "EC2:DescribeSnapshots"), "{calls:?}");
    let written = e2e::writing_operations(&calls);
    assert!(written.is_empty(), "--check made write calls: {written:?}\n{calls:?}");
    assert_eq!(world(&emulator).await, before, "--check changed nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_learner_mistake_gets_its_own_message_and_nothing_changes() {
    let emulator = Emulator::start();
    earlier_labs(&emulator, "");
    // The default-key and multi-region copies right; the single-region one is the learner's.
    emulator.run_ok(LAB, &["--yes", "--key-for", "single-region=aws-managed"]);
    let name = copy_name("", "Single-region-key", "Single-region-key-oregon");
    let source = source_id(&emulator, "", "Single-region-key").await;
    let other_source = source_id(&emulator, "", "default-key").await;
    let right_key = key_arn(&emulator, OREGON, "Single-region-key-oregon").await;
    let aws_ebs = key_arn(&emulator, OREGON, "aws/ebs").await;
    let replica = key_arn(&emulator, OREGON, "Multi-region-key-rep-oregon").await;
    let tokyo_key = key_arn(&emulator, TOKYO, "Single-region-key").await;
    let copied_from = |id: &str| Some(format!("[Copied {id} from {TOKYO}]"));
    let hand = |to, source: &str, key: &str, name: Option<&str>, description: Option<String>| HandCopy {
        to,
        source: source.to_string(),
        key: Some(key.to_string()),
        name: name.map(str::to_string),
        description,
    };

    // (what the learner did, the copies made by hand, the words the message must hold)
    let cases: Vec<(&str, Vec<HandCopy>, Vec<String>)> = vec![
        ("nothing copied yet", vec![], vec![format!("no copy named {name}"), "aws ec2 copy-snapshot".into()]),
        (
            "copied in the source region",
            vec![hand(TOKYO, &source, &tokyo_key, Some(&name), None)],
            vec!["in the source region".into(), format!("--region {OREGON} --source-region {TOKYO}")],
        ),
        (
            "encrypted with aws/ebs (KMS key left at its default)",
            vec![hand(OREGON, &source, &aws_ebs, Some(&name), copied_from(&source))],
            vec!["aws/ebs".into(), "--kms-key-id".into(), right_key.clone(), "KMS key".into()],
        ),
        (
            "no --kms-key-id at all",
            vec![HandCopy {
                to: OREGON,
                source: source.clone(),
                key: None,
                name: Some(name.clone()),
                description: None,
            }],
            vec!["aws/ebs".into(), "--kms-key-id is left out".into()],
        ),
        (
            "encrypted with the multi-region replica",
            vec![hand(OREGON, &source, &replica, Some(&name), None)],
            vec!["Multi-region-key-rep-oregon".into(), format!("--kms-key-id {right_key}")],
        ),
        (
            "a copy of the wrong snapshot",
            vec![hand(OREGON, &other_source, &right_key, Some(&name), copied_from(&other_source))],
            vec!["snap-EBS-encrypted-with-default-key".into(), format!("--source-snapshot-id {source}")],
        ),
        (
            "a copy without its Name",
            vec![hand(OREGON, &source, &right_key, None, copied_from(&source))],
            vec!["no Name tag".into(), format!("Key=Name,Value={name}")],
        ),
        (
            "two copies with the same Name",
            vec![
                hand(OREGON, &source, &right_key, Some(&name), None),
                hand(OREGON, &source, &right_key, Some(&name), None),
            ],
            vec![format!("2 copies are named {name}"), "delete-snapshot".into()],
        ),
    ];
    for (what, copies, words) in cases {
        let mut made = Vec::new();
        for hand in copies {
            let region = hand.to;
            made.push((region, copy(&emulator, hand).await));
        }
        let before = world(&emulator).await;
        let (code, stdout, stderr) = run(&emulator, &["--check"]);
        assert_eq!(code, 4, "{what}\n{stdout}\n{stderr}");
        for word in &words {
            assert!(stdout.contains(word.as_str()), "{what}: {word:?} missing\n{stdout}");
        }
        for (_, id) in &made {
            assert!(stdout.contains(id.as_str()), "{what}: names {id}\n{stdout}");
        }
        assert_eq!(world(&emulator).await, before, "{what}: --check changed nothing");
        for (region, id) in made {
            delete(&emulator, region, &[id]).await;
        }
    }

    // Not encrypted (AWS always encrypts the copy of an encrypted snapshot; a look-alike made
    // from a plain volume is not).
    let oregon = ec2(&emulator, OREGON).await;
    let volume = oregon
        .create_volume()
        .availability_zone(format!("{OREGON}a"))
        .size(1)
        .volume_type(VolumeType::Gp3)
        .encrypted(false)
        .send()
        .await
        .expect("CreateVolume");
    let volume = volume.volume_id().expect("volume id").to_string();
    let plain = oregon
        .create_snapshot()
        .volume_id(&volume)
        .description(format!("[Copied {source} from {TOKYO}]"))
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Snapshot)
                .tags(Tag::builder().key("Name").value(&name).build())
                .build(),
        )
        .send()
        .await
        .expect("CreateSnapshot");
    let plain = plain.snapshot_id().expect("snapshot id").to_string();
    let (code, stdout, stderr) = run(&emulator, &["--check"]);
    assert_eq!(code, 4, "{stdout}\n{stderr}");
    assert!(stdout.contains("not encrypted") && stdout.contains("--encrypted") && stdout.contains(&plain), "{stdout}");
    delete(&emulator, OREGON, &[plain]).await;

    // Another owner's tags under the walkthrough's Name: ✗, and --adopt never tags it.
    let tagged = copy(&emulator, hand(OREGON, &source, &right_key, Some(&name), None)).await;
    let wrong_step = [("ebs-kms-labs:project", "ebs-kms-labs"), ("ebs-kms-labs:step", "03-snapshots")]
        .map(|(key, value)| Tag::builder().key(key).value(value).build());
    oregon.create_tags().resources(&tagged).set_tags(Some(wrong_step.to_vec())).send().await.expect("CreateTags");
    let before = world(&emulator).await;
    let (code, stdout, stderr) = run(&emulator, &["--adopt", "--yes"]);
    assert_eq!(code, 4, "{stdout}\n{stderr}");
    assert!(stdout.contains("not this set's") && stdout.contains(&tagged), "{stdout}");
    assert_eq!(world(&emulator).await, before, "nothing adopted");

    // A destination key missing: exit 5, naming the lab that makes keys.
    let kms = emulator.clients(OREGON).await.kms;
    kms.delete_alias().alias_name("alias/Single-region-key-oregon").send().await.expect("DeleteAlias");
    let (code, stdout, stderr) = run(&emulator, &["--check"]);
    assert_eq!(code, 5, "{stdout}\n{stderr}");
    assert!(stderr.contains("01-keys") || stdout.contains("01-keys"), "{stdout}\n{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_snapshots_the_check_names_lab_03() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    let (code, stdout, stderr) = run(&emulator, &["--check"]);
    assert_eq!(code, 5, "{stdout}\n{stderr}");
    assert!(stderr.contains("03-snapshots") || stdout.contains("03-snapshots"), "{stdout}\n{stderr}");
}
