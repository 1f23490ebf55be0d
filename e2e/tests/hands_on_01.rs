//! Hands-on lab 01: done by hand with the lab page's AWS CLI commands, checked, adopted; the learner's mistakes, each with its own message.

use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType, Tag};
use aws_sdk_kms::Client;
use e2e::{describe, output_text, Emulator, OREGON, TOKYO};
use std::collections::BTreeMap;

const LAB: &str = "01-keys";

/// Runs `01-keys --check` with `args`: (exit code, stdout, stderr).
fn check(emulator: &Emulator, args: &[&str]) -> (i32, String, String) {
    let output = emulator.lab(LAB).arg("--check").args(args).output().expect("run the lab");
    let (stdout, stderr) = output_text(&output);
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

/// A new key, as a learner makes it: no tags.
async fn create_key(kms: &Client, multi_region: bool) -> String {
    let output = kms.create_key().multi_region(multi_region).send().await.expect("CreateKey");
    output.key_metadata().expect("metadata").key_id().to_string()
}

/// A new key of another type (asymmetric, HMAC), no tags.
async fn create_key_of(kms: &Client, spec: KeySpec, usage: KeyUsageType) -> String {
    let output = kms.create_key().key_spec(spec).key_usage(usage).send().await.expect("CreateKey");
    output.key_metadata().expect("metadata").key_id().to_string()
}

async fn create_alias(kms: &Client, alias: &str, key_id: &str) {
    kms.create_alias().alias_name(format!("alias/{alias}")).target_key_id(key_id).send().await.expect("CreateAlias");
}

async fn replicate(source: &Client, key_id: &str, region: &str) {
    source.replicate_key().key_id(key_id).replica_region(region).send().await.expect("ReplicateKey");
}

/// Asks for `aws/ebs` in both regions, as the page's first commands do (AWS then creates it).
async fn ask_for_aws_ebs(tokyo: &Client, oregon: &Client) {
    for kms in [tokyo, oregon] {
        describe::key(kms, "alias/aws/ebs").await;
    }
}

/// The labs' ownership tags, written out here so that the tests do not trust the code they check.
fn lab_tags(role: &str, set: &str) -> Vec<Tag> {
    [
        ("ebs-kms-labs:project", "ebs-kms-labs"),
        ("ebs-kms-labs:step", LAB),
        ("ebs-kms-labs:role", role),
        ("ebs-kms-labs:set", set),
    ]
    .into_iter()
    .map(|(key, value)| Tag::builder().tag_key(key).tag_value(value).build().expect("tag"))
    .collect()
}

/// The six keys of a set, made by hand without any tag: the learner's keys.
struct HandMade {
    single_source: String,
    primary: String,
    single_destination: String,
}

async fn make_by_hand(tokyo: &Client, oregon: &Client, prefix: &str) -> HandMade {
    let single_source = create_key(tokyo, false).await;
    create_alias(tokyo, &format!("{prefix}Single-region-key"), &single_source).await;
    let primary = create_key(tokyo, true).await;
    create_alias(tokyo, &format!("{prefix}Multi-region-key"), &primary).await;
    replicate(tokyo, &primary, OREGON).await;
    create_alias(oregon, &format!("{prefix}Multi-region-key-rep-oregon"), &primary).await;
    let single_destination = create_key(oregon, false).await;
    create_alias(oregon, &format!("{prefix}Single-region-key-oregon"), &single_destination).await;
    HandMade { single_source, primary, single_destination }
}

/// Everything KMS holds in a region, as text: this region's aliases and their targets, and each
/// key's state and tags. Equal before and after a run means the run changed nothing.
async fn kms_state(kms: &Client, region: &str) -> String {
    let mut state = BTreeMap::new();
    let aliases = kms.list_aliases().send().await.expect("ListAliases");
    for alias in aliases.aliases() {
        if alias.alias_arn().is_some_and(|arn| arn.contains(&format!(":{region}:"))) {
            state.insert(format!("alias {}", alias.alias_name().unwrap_or("")), format!("{:?}", alias.target_key_id()));
        }
    }
    for listed in kms.list_keys().send().await.expect("ListKeys").keys() {
        let id = listed.key_id().expect("key id");
        let key = describe::key(kms, id).await;
        let tags = describe::key_tags(kms, id).await;
        state.insert(format!("key {id}"), format!("{:?} {tags:?}", key.key_state()));
    }
    format!("{state:#?}")
}

async fn both_regions(tokyo: &Client, oregon: &Client) -> String {
    format!("{}\n{}", kms_state(tokyo, TOKYO).await, kms_state(oregon, OREGON).await)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pages_cli_commands_in_english_make_keys_that_pass_the_check() {
    let emulator = Emulator::start();
    let output = emulator.run_readme_commands(LAB, "en", "");
    let (stdout, stderr) = output_text(&output);
    assert!(output.status.success(), "the page's commands failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    let (code, stdout, stderr) = check(&emulator, &[]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("✓ All 6 checks passed"), "{stdout}");
    // The commands put the labs' tags on at creation: nothing to adopt.
    assert!(!stdout.contains("not tagged"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pages_cli_commands_in_japanese_with_a_prefix_make_keys_that_pass_the_check() {
    let emulator = Emulator::start();
    let output = emulator.run_readme_commands(LAB, "ja", "hand-");
    let (stdout, stderr) = output_text(&output);
    assert!(output.status.success(), "the page's commands failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    let (code, stdout, stderr) = check(&emulator, &["--name-prefix", "hand-", "--lang", "ja"]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("6 件のチェックにすべて合格しました"), "{stdout}");
    assert!(stdout.contains("hand-Multi-region-key-rep-oregon"), "{stdout}");
    // The default set is not done: the prefix was honoured.
    let (code, stdout, _) = check(&emulator, &[]);
    assert_eq!(code, 4, "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_made_without_tags_are_adopted_and_the_course_goes_on_with_them() {
    let emulator = Emulator::start();
    let tokyo = emulator.clients(TOKYO).await.kms;
    let oregon = emulator.clients(OREGON).await.kms;
    ask_for_aws_ebs(&tokyo, &oregon).await;
    let mine = make_by_hand(&tokyo, &oregon, "").await;
    // Look-alikes: a key under another name, and another set's key; neither may be adopted.
    let other_name = create_key(&tokyo, false).await;
    create_alias(&tokyo, "Single-region-key-old", &other_name).await;
    let other_set = tokyo
        .create_key()
        .set_tags(Some(lab_tags("zz-Single-region-key", "zz-")))
        .send()
        .await
        .expect("CreateKey")
        .key_metadata()
        .expect("metadata")
        .key_id()
        .to_string();
    create_alias(&tokyo, "zz-Single-region-key", &other_set).await;
    let look_alikes =
        || async { (describe::key_tags(&tokyo, &other_name).await, describe::key_tags(&tokyo, &other_set).await) };
    let look_alikes_before = look_alikes().await;

    // The lab itself leaves the learner's keys alone, and says how to check and adopt them.
    let output = emulator.lab(LAB).arg("--yes").output().expect("run the lab");
    let (stdout, stderr) = output_text(&output);
    assert!(!output.status.success(), "{stdout}");
    assert!(stderr.contains("cargo run --bin 01-keys -- --check") && stderr.contains("--adopt"), "{stderr}");

    let (code, stdout, stderr) = check(&emulator, &[]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("Done by you, not tagged"), "{stdout}");
    for role in ["Single-region-key", "Multi-region-key", "Single-region-key-oregon", "Multi-region-key-rep-oregon"] {
        assert!(stdout.contains(&format!("  - {role} (")), "{role} is to adopt:\n{stdout}");
    }
    assert!(stdout.contains("--adopt"), "{stdout}");
    assert!(!stdout.contains(&other_name) && !stdout.contains(&other_set), "{stdout}");

    // A dry run shows the tags and changes nothing.
    let before = both_regions(&tokyo, &oregon).await;
    let (stdout, _) = emulator.run_ok(LAB, &["--adopt", "--dry-run"]);
    assert!(stdout.contains("Resources to tag as the labs' own"), "{stdout}");
    assert_eq!(both_regions(&tokyo, &oregon).await, before, "a dry run changed something");

    let (stdout, _) = emulator.run_ok(LAB, &["--adopt", "--yes"]);
    assert!(stdout.contains("adopted Single-region-key"), "{stdout}");
    for (kms, key_id, role) in [
        (&tokyo, &mine.single_source, "Single-region-key"),
        (&tokyo, &mine.primary, "Multi-region-key"),
        (&oregon, &mine.single_destination, "Single-region-key-oregon"),
        (&oregon, &mine.primary, "Multi-region-key-rep-oregon"),
    ] {
        let tags = describe::key_tags(kms, key_id).await;
        let expected: BTreeMap<String, String> = [
            ("ebs-kms-labs:project", "ebs-kms-labs"),
            ("ebs-kms-labs:step", LAB),
            ("ebs-kms-labs:role", role),
            ("ebs-kms-labs:set", ""),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect();
        assert_eq!(tags, expected, "{role}");
    }
    assert_eq!(look_alikes().await, look_alikes_before, "a look-alike was tagged");

    // Adopted: the check passes with nothing left to adopt, and the course goes on.
    let (code, stdout, _) = check(&emulator, &[]);
    assert_eq!(code, 0, "{stdout}");
    assert!(!stdout.contains("not tagged"), "{stdout}");
    emulator.run_ok("02-volumes", &["--yes"]);
    emulator.run_ok("05-cleanup", &["--yes"]);

    // Nothing of the set is left: the volumes are gone, the four keys are pending deletion.
    let ec2 = emulator.clients(TOKYO).await.ec2;
    let volumes = ec2.describe_volumes().send().await.expect("DescribeVolumes");
    let live: Vec<_> = volumes
        .volumes()
        .iter()
        .filter(|volume| {
            volume.tags().iter().any(|tag| tag.value().is_some_and(|v| v.starts_with("EBS-encrypted-with")))
        })
        .collect();
    assert!(live.is_empty(), "volumes left: {live:?}");
    for (kms, key_id) in [
        (&tokyo, &mine.single_source),
        (&tokyo, &mine.primary),
        (&oregon, &mine.single_destination),
        (&oregon, &mine.primary),
    ] {
        assert_eq!(describe::key(kms, key_id).await.key_state(), Some(&KeyState::PendingDeletion), "{key_id}");
    }
    for key_id in [&other_name, &other_set] {
        assert_eq!(describe::key(&tokyo, key_id).await.key_state(), Some(&KeyState::Enabled), "{key_id}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn check_only_reads_and_does_not_create_aws_ebs() {
    let emulator = Emulator::start();
    let tokyo = emulator.clients(TOKYO).await.kms;
    let oregon = emulator.clients(OREGON).await.kms;
    // Nothing made yet: every row is ✗, aws/ebs included, and asking must not create it.
    let before = both_regions(&tokyo, &oregon).await;
    let (code, stdout, stderr) = check(&emulator, &["--show-api"]);
    assert_eq!(code, 4, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("aws/ebs does not exist in Tokyo (ap-northeast-1) yet"), "{stdout}");
    assert!(stdout.contains("aws kms describe-key --region ap-northeast-1 --key-id alias/aws/ebs"), "{stdout}");
    assert!(stdout.contains("no key Single-region-key in Tokyo (ap-northeast-1): create it"), "{stdout}");
    assert!(stdout.contains("no key Multi-region-key-rep-oregon in Oregon (us-west-2). A replica is made"), "{stdout}");
    let mut seen = e2e::api_operations(&stderr);
    assert_eq!(both_regions(&tokyo, &oregon).await, before, "--check changed something");

    // Done, with one alias missing (so the region's keys are listed too): still only reads.
    emulator.run_ok(LAB, &["--yes"]);
    let key_id = tokyo.describe_key().key_id("alias/Single-region-key").send().await.unwrap();
    let key_id = key_id.key_metadata().unwrap().key_id().to_string();
    tokyo.delete_alias().alias_name("alias/Single-region-key").send().await.expect("DeleteAlias");
    let (code, stdout, stderr) = check(&emulator, &["--show-api"]);
    assert_eq!(code, 4, "{stdout}");
    assert!(
        stdout.contains(&format!("{key_id} in Tokyo (ap-northeast-1) is tagged as Single-region-key, but no alias"))
    );
    assert!(stdout.contains(&format!("--alias-name alias/Single-region-key --target-key-id {key_id}")), "{stdout}");
    seen.extend(e2e::api_operations(&stderr));
    assert!(seen.iter().any(|op| op == "KMS:ListKeys"), "{seen:?}");
    let writes = e2e::writing_operations(&seen);
    assert!(writes.is_empty(), "--check made write calls: {writes:?}");
}

/// One learner mistake, made by hand in its own set: what `--check` must say about it.
struct Mistake {
    prefix: &'static str,
    /// Fragments of the ✗ message (`{id}` is replaced by the key's id).
    says: Vec<&'static str>,
    key_id: String,
}

#[tokio::test(flavor = "multi_thread")]
async fn each_learner_mistake_fails_with_its_own_message_and_changes_nothing() {
    let emulator = Emulator::start();
    let tokyo = emulator.clients(TOKYO).await.kms;
    let oregon = emulator.clients(OREGON).await.kms;
    ask_for_aws_ebs(&tokyo, &oregon).await;
    let mut mistakes = Vec::new();

    // A single-region key where the multi-region one belongs.
    let key_id = create_key(&tokyo, false).await;
    create_alias(&tokyo, "a-Multi-region-key", &key_id).await;
    mistakes.push(Mistake {
        prefix: "a-",
        says: vec![
            "a-Multi-region-key ({id}) is a single-region key: multi-region cannot be turned on later",
            "`aws kms create-key --multi-region`",
            "aws kms update-alias --region ap-northeast-1 --alias-name alias/a-Multi-region-key",
        ],
        key_id,
    });

    // The replica made in the wrong region.
    let key_id = create_key(&tokyo, true).await;
    create_alias(&tokyo, "b-Multi-region-key", &key_id).await;
    replicate(&tokyo, &key_id, "us-east-1").await;
    mistakes.push(Mistake {
        prefix: "b-",
        says: vec![
            "b-Multi-region-key has a replica in us-east-1, not in Oregon (us-west-2)",
            "aws kms replicate-key --region ap-northeast-1 --key-id {id} --replica-region us-west-2",
            "schedule its deletion",
        ],
        key_id,
    });

    // The replica without its alias.
    let key_id = create_key(&tokyo, true).await;
    create_alias(&tokyo, "c-Multi-region-key", &key_id).await;
    replicate(&tokyo, &key_id, OREGON).await;
    mistakes.push(Mistake {
        prefix: "c-",
        says: vec![
            "the replica {id} of c-Multi-region-key exists in Oregon (us-west-2), but has no alias c-Multi-region-key-rep-oregon",
            "aws kms create-alias --region us-west-2 --alias-name alias/c-Multi-region-key-rep-oregon --target-key-id {id}",
        ],
        key_id,
    });

    // The destination's single-region alias on the replica.
    let key_id = create_key(&tokyo, true).await;
    create_alias(&tokyo, "d-Multi-region-key", &key_id).await;
    replicate(&tokyo, &key_id, OREGON).await;
    create_alias(&oregon, "d-Single-region-key-oregon", &key_id).await;
    mistakes.push(Mistake {
        prefix: "d-",
        says: vec![
            "d-Single-region-key-oregon points at {id}, a multi-region REPLICA key",
            "aws kms update-alias --region us-west-2 --alias-name alias/d-Single-region-key-oregon",
        ],
        key_id,
    });

    // The replica's alias on a key that is no replica.
    let primary = create_key(&tokyo, true).await;
    create_alias(&tokyo, "e-Multi-region-key", &primary).await;
    let key_id = create_key(&oregon, false).await;
    create_alias(&oregon, "e-Multi-region-key-rep-oregon", &key_id).await;
    mistakes.push(Mistake {
        prefix: "e-",
        says: vec![
            "e-Multi-region-key-rep-oregon ({id}) is a single-region key, not a replica of e-Multi-region-key",
            "Regionality tab → Create new replica keys",
            "aws kms replicate-key --region ap-northeast-1",
        ],
        key_id,
    });

    // Keys of the wrong kind: asymmetric for signing, and HMAC.
    let key_id = create_key_of(&tokyo, KeySpec::Rsa2048, KeyUsageType::SignVerify).await;
    create_alias(&tokyo, "f-Single-region-key", &key_id).await;
    mistakes.push(Mistake {
        prefix: "f-",
        says: vec![
            "f-Single-region-key ({id}) is a RSA_2048 key for SIGN_VERIFY",
            "Key type Symmetric and Key usage Encrypt and decrypt",
            "aws kms update-alias --region ap-northeast-1 --alias-name alias/f-Single-region-key --target-key-id NEW_KEY_ID",
        ],
        key_id,
    });
    let key_id = create_key_of(&oregon, KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;
    create_alias(&oregon, "g-Single-region-key-oregon", &key_id).await;
    mistakes.push(Mistake {
        prefix: "g-",
        says: vec!["g-Single-region-key-oregon ({id}) is a HMAC_256 key for GENERATE_VERIFY_MAC"],
        key_id,
    });

    // A disabled key, and a key pending deletion.
    let key_id = create_key(&tokyo, false).await;
    create_alias(&tokyo, "h-Single-region-key", &key_id).await;
    tokyo.disable_key().key_id(&key_id).send().await.expect("DisableKey");
    mistakes.push(Mistake {
        prefix: "h-",
        says: vec![
            "h-Single-region-key ({id}) in Tokyo (ap-northeast-1) is Disabled",
            "Key actions → Enable",
            "`aws kms enable-key --region ap-northeast-1 --key-id {id}`",
        ],
        key_id,
    });
    let key_id = create_key(&oregon, false).await;
    create_alias(&oregon, "i-Single-region-key-oregon", &key_id).await;
    oregon.schedule_key_deletion().key_id(&key_id).pending_window_in_days(7).send().await.expect("Schedule");
    mistakes.push(Mistake {
        prefix: "i-",
        says: vec![
            "i-Single-region-key-oregon ({id}) in Oregon (us-west-2) is pending deletion",
            "`aws kms cancel-key-deletion --region us-west-2 --key-id {id}`, then `aws kms enable-key --region us-west-2 --key-id {id}`",
        ],
        key_id,
    });

    // A key made without its alias (untagged), and one tagged for it without its alias.
    let key_id = create_key(&tokyo, false).await;
    mistakes.push(Mistake {
        prefix: "j-",
        says: vec![
            "no alias j-Single-region-key in Tokyo (ap-northeast-1). These keys of that kind have no alias:",
            "{id}",
            "aws kms create-alias --region ap-northeast-1 --alias-name alias/j-Single-region-key --target-key-id",
        ],
        key_id,
    });
    let key_id = oregon
        .create_key()
        .set_tags(Some(lab_tags("k-Single-region-key-oregon", "k-")))
        .send()
        .await
        .expect("CreateKey")
        .key_metadata()
        .expect("metadata")
        .key_id()
        .to_string();
    mistakes.push(Mistake {
        prefix: "k-",
        says: vec![
            "{id} in Oregon (us-west-2) is tagged as k-Single-region-key-oregon, but no alias k-Single-region-key-oregon names it",
            "aws kms create-alias --region us-west-2 --alias-name alias/k-Single-region-key-oregon --target-key-id {id}",
        ],
        key_id,
    });

    // The alias on another set's key.
    let key_id = tokyo
        .create_key()
        .set_tags(Some(lab_tags("zz-Single-region-key", "zz-")))
        .send()
        .await
        .expect("CreateKey")
        .key_metadata()
        .expect("metadata")
        .key_id()
        .to_string();
    create_alias(&tokyo, "l-Single-region-key", &key_id).await;
    mistakes.push(Mistake {
        prefix: "l-",
        says: vec!["l-Single-region-key ({id}) carries the labs' tags, but it is not this set's", "--name-prefix zz-"],
        key_id,
    });

    // The destination's key made in the source region (the console's region selector left on Tokyo).
    let key_id = create_key(&tokyo, false).await;
    create_alias(&tokyo, "m-Single-region-key-oregon", &key_id).await;
    mistakes.push(Mistake {
        prefix: "m-",
        says: vec![
            "no key m-Single-region-key-oregon in Oregon (us-west-2), but Tokyo (ap-northeast-1) has an alias \
             m-Single-region-key-oregon: keys and aliases belong to one region",
            "`aws kms create-key --region us-west-2`",
        ],
        key_id,
    });

    let before = both_regions(&tokyo, &oregon).await;
    let outcomes: Vec<(i32, String, String)> = std::thread::scope(|scope| {
        let runs: Vec<_> = mistakes
            .iter()
            .map(|mistake| scope.spawn(|| check(&emulator, &["--name-prefix", mistake.prefix])))
            .collect();
        runs.into_iter().map(|run| run.join().expect("the check ran")).collect()
    });
    for (mistake, (code, stdout, stderr)) in mistakes.iter().zip(&outcomes) {
        assert_eq!(*code, 4, "{}: stdout:\n{stdout}\nstderr:\n{stderr}", mistake.prefix);
        for says in &mistake.says {
            let says = says.replace("{id}", &mistake.key_id);
            assert!(stdout.contains(&says), "{}: expected {says:?} in:\n{stdout}", mistake.prefix);
        }
    }
    assert_eq!(both_regions(&tokyo, &oregon).await, before, "--check changed something");
}
