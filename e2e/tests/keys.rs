//! Lab 01-keys against a fresh emulator, checked by describing what exists afterwards.

use aws_sdk_kms::types::{KeyManagerType, KeySpec, KeyState, KeyUsageType, Tag};
use aws_sdk_kms::Client;
use e2e::{describe, output_text, Emulator, OREGON, TOKYO};
use std::collections::{BTreeMap, BTreeSet};

/// This region's aliases (as the region's ARN says) → target key id.
async fn aliases(kms: &Client, region: &str) -> BTreeMap<String, String> {
    let listed = kms.list_aliases().send().await.expect("ListAliases");
    listed
        .aliases()
        .iter()
        .filter(|alias| alias.alias_arn().is_some_and(|arn| arn.contains(&format!(":{region}:"))))
        .filter_map(|alias| Some((alias.alias_name()?.to_string(), alias.target_key_id()?.to_string())))
        .collect()
}

/// Ids of the keys that are not AWS managed (by alias: the emulator reports aws/ebs as CUSTOMER).
async fn customer_key_ids(kms: &Client, region: &str) -> BTreeSet<String> {
    let aws_targets: BTreeSet<String> = aliases(kms, region)
        .await
        .into_iter()
        .filter(|(name, _)| name.starts_with("alias/aws/"))
        .map(|(_, target)| target)
        .collect();
    let keys = kms.list_keys().send().await.expect("ListKeys");
    keys.keys().iter().filter_map(|k| k.key_id()).filter(|id| !aws_targets.contains(*id)).map(str::to_string).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_creates_the_six_keys_with_aliases_and_ownership_tags() {
    let emulator = Emulator::start();
    let (stdout, _) = emulator.run_ok("01-keys", &["--yes"]);
    assert!(stdout.contains("Local emulator at"), "banner missing:\n{stdout}");
    assert!(stdout.contains("✓ All 6 checks passed"), "{stdout}");

    let tokyo = emulator.clients(TOKYO).await.kms;
    let oregon = emulator.clients(OREGON).await.kms;
    let tokyo_aliases = aliases(&tokyo, TOKYO).await;
    let oregon_aliases = aliases(&oregon, OREGON).await;

    // Single-region keys, one per region: symmetric, customer managed, tagged at creation.
    for (kms, region_aliases, alias) in [
        (&tokyo, &tokyo_aliases, "alias/Single-region-key"),
        (&oregon, &oregon_aliases, "alias/Single-region-key-oregon"),
    ] {
        let key_id = region_aliases.get(alias).unwrap_or_else(|| panic!("{alias} missing"));
        let key = describe::key(kms, key_id).await;
        assert_eq!(key.key_state(), Some(&KeyState::Enabled));
        assert_eq!(key.key_manager(), Some(&KeyManagerType::Customer));
        assert_eq!(key.key_spec(), Some(&KeySpec::SymmetricDefault));
        assert_eq!(key.key_usage(), Some(&KeyUsageType::EncryptDecrypt));
        assert_eq!(key.multi_region(), Some(false));
        let key_tags = describe::key_tags(kms, key_id).await;
        assert_eq!(key_tags.get("ebs-kms-labs:project").map(String::as_str), Some("ebs-kms-labs"), "{alias}");
        assert_eq!(key_tags.get("ebs-kms-labs:step").map(String::as_str), Some("01-keys"), "{alias}");
        assert_eq!(key_tags.get("ebs-kms-labs:role").map(String::as_str), alias.strip_prefix("alias/"));
    }

    // The multi-region primary in Tokyo and its replica in Oregon share the mrk- id.
    let primary_id = tokyo_aliases.get("alias/Multi-region-key").expect("primary alias");
    assert!(primary_id.starts_with("mrk-"), "{primary_id}");
    let replica_id = oregon_aliases.get("alias/Multi-region-key-rep-oregon").expect("replica alias");
    assert_eq!(primary_id, replica_id);
    let primary_arn = format!("arn:aws:kms:{TOKYO}:123456789012:key/{primary_id}");
    let primary = describe::key(&tokyo, &primary_arn).await;
    assert_eq!(primary.multi_region(), Some(true));
    assert_eq!(primary.key_spec(), Some(&KeySpec::SymmetricDefault));
    let replica = describe::key(&oregon, replica_id).await;
    assert!(replica.arn().unwrap().contains(&format!(":{OREGON}:")));
    let replica_primary = replica.multi_region_configuration().and_then(|c| c.primary_key()).and_then(|p| p.arn());
    assert_eq!(replica_primary, Some(primary_arn.as_str()));
    assert_eq!(
        describe::key_tags(&tokyo, primary_id).await.get("ebs-kms-labs:project").map(String::as_str),
        Some("ebs-kms-labs")
    );

    // aws/ebs exists in both regions, and nothing else was made.
    for (kms, region_aliases) in [(&tokyo, &tokyo_aliases), (&oregon, &oregon_aliases)] {
        let aws_ebs = region_aliases.get("alias/aws/ebs").expect("aws/ebs alias");
        assert_eq!(describe::key(kms, aws_ebs).await.key_state(), Some(&KeyState::Enabled));
    }
    assert_eq!(customer_key_ids(&tokyo, TOKYO).await.len(), 2, "Tokyo: single-region key and primary only");
    assert_eq!(customer_key_ids(&oregon, OREGON).await.len(), 2, "Oregon: single-region key and replica only");
}

#[tokio::test(flavor = "multi_thread")]
async fn second_run_creates_nothing_and_shows_the_same_keys() {
    let emulator = Emulator::start();
    let (first, _) = emulator.run_ok("01-keys", &["--yes"]);
    let tokyo = emulator.clients(TOKYO).await.kms;
    let oregon = emulator.clients(OREGON).await.kms;
    let before = (
        customer_key_ids(&tokyo, TOKYO).await,
        customer_key_ids(&oregon, OREGON).await,
        aliases(&tokyo, TOKYO).await,
        aliases(&oregon, OREGON).await,
    );

    // No --yes and no terminal: a run with nothing to do must not need a confirmation.
    let (second, _) = emulator.run_ok("01-keys", &[]);
    assert!(second.contains("nothing to create"), "{second}");
    let after = (
        customer_key_ids(&tokyo, TOKYO).await,
        customer_key_ids(&oregon, OREGON).await,
        aliases(&tokyo, TOKYO).await,
        aliases(&oregon, OREGON).await,
    );
    assert_eq!(before, after);
    let key_table = |text: &str| {
        text[text.find("The six keys").expect("key table")..].lines().take(10).collect::<Vec<_>>().join("\n")
    };
    assert_eq!(key_table(&first), key_table(&second));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_key_holding_a_wanted_alias_stops_the_lab_and_stays_untouched() {
    let emulator = Emulator::start();
    let tokyo = emulator.clients(TOKYO).await.kms;
    let oregon = emulator.clients(OREGON).await.kms;
    let foreign = tokyo.create_key().description("not the lab's").send().await.unwrap().key_metadata.unwrap();
    let foreign_id = foreign.key_id().to_string();
    tokyo.create_alias().alias_name("alias/Single-region-key").target_key_id(&foreign_id).send().await.unwrap();

    let output = emulator.lab("01-keys").arg("--yes").output().unwrap();
    let (stdout, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(5), "refusal exit code\nstdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("alias/Single-region-key"), "{stderr}");
    assert!(stderr.contains(&foreign_id), "{stderr}");
    assert!(stderr.contains("--name-prefix"), "{stderr}");

    // Nothing was created, and the foreign key and its alias are as they were.
    assert_eq!(customer_key_ids(&tokyo, TOKYO).await, BTreeSet::from([foreign_id.clone()]));
    assert!(customer_key_ids(&oregon, OREGON).await.is_empty());
    let after = describe::key(&tokyo, &foreign_id).await;
    assert_eq!(after.key_state(), Some(&KeyState::Enabled));
    assert_eq!(after.description(), Some("not the lab's"));
    assert!(describe::key_tags(&tokyo, &foreign_id).await.is_empty());
    assert_eq!(aliases(&tokyo, TOKYO).await.get("alias/Single-region-key"), Some(&foreign_id));

    // The way out the message names works, and still leaves the foreign key alone.
    emulator.run_ok("01-keys", &["--yes", "--name-prefix", "lab-"]);
    let tokyo_aliases = aliases(&tokyo, TOKYO).await;
    assert_eq!(tokyo_aliases.get("alias/Single-region-key"), Some(&foreign_id));
    let lab_key = tokyo_aliases.get("alias/lab-Single-region-key").expect("prefixed alias");
    assert_ne!(lab_key, &foreign_id);
    assert!(aliases(&oregon, OREGON).await.contains_key("alias/lab-Multi-region-key-rep-oregon"));
    assert_eq!(describe::key(&tokyo, &foreign_id).await.description(), Some("not the lab's"));
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_shows_the_plan_and_creates_nothing() {
    let emulator = Emulator::start();
    let (stdout, _) = emulator.run_ok("01-keys", &["--dry-run"]);
    assert!(stdout.contains("Plan"), "{stdout}");
    assert!(stdout.contains("create key, create alias Single-region-key"), "{stdout}");
    assert!(stdout.contains("replicate the primary"), "{stdout}");
    for region in [TOKYO, OREGON] {
        let kms = emulator.clients(region).await.kms;
        assert!(customer_key_ids(&kms, region).await.is_empty(), "{region}");
        let custom_aliases: Vec<String> =
            aliases(&kms, region).await.into_keys().filter(|name| !name.starts_with("alias/aws/")).collect();
        assert!(custom_aliases.is_empty(), "{region}: {custom_aliases:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_terminal_or_yes_the_lab_refuses_at_once_and_creates_nothing() {
    let emulator = Emulator::start();
    let output = emulator.lab("01-keys").output().unwrap();
    let (stdout, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(2), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    let tokyo = emulator.clients(TOKYO).await.kms;
    assert!(customer_key_ids(&tokyo, TOKYO).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lab_key_left_without_its_alias_is_adopted_not_duplicated() {
    // As if an earlier run was stopped between CreateKey and CreateAlias.
    let emulator = Emulator::start();
    let tokyo = emulator.clients(TOKYO).await.kms;
    let tag = |key: &str, value: &str| Tag::builder().tag_key(key).tag_value(value).build().unwrap();
    let orphan = tokyo
        .create_key()
        .tags(tag("ebs-kms-labs:project", "ebs-kms-labs"))
        .tags(tag("ebs-kms-labs:step", "01-keys"))
        .tags(tag("ebs-kms-labs:role", "Single-region-key"))
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    emulator.run_ok("01-keys", &["--yes"]);
    let tokyo_aliases = aliases(&tokyo, TOKYO).await;
    assert_eq!(tokyo_aliases.get("alias/Single-region-key").map(String::as_str), Some(orphan.key_id()));
    assert_eq!(customer_key_ids(&tokyo, TOKYO).await.len(), 2, "orphan adopted, primary created, nothing else");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_lab_key_fails_verification_with_the_reason() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    let oregon = emulator.clients(OREGON).await.kms;
    let key_id = aliases(&oregon, OREGON).await.remove("alias/Single-region-key-oregon").unwrap();
    oregon.disable_key().key_id(&key_id).send().await.unwrap();

    let output = emulator.lab("01-keys").arg("--yes").output().unwrap();
    let (stdout, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(4), "verification exit code\nstdout:\n{stdout}\nstderr:\n{stderr}");
    let reason = format!("✗ Single-region-key-oregon ({key_id}) in Oregon (us-west-2) is Disabled: enable it");
    assert!(stdout.contains(&reason), "{stdout}");
    assert!(stderr.contains("verification failed: 1 of 6"), "{stderr}");
    // The lab reports the problem; it does not re-enable or replace the key.
    assert_eq!(describe::key(&oregon, &key_id).await.key_state(), Some(&KeyState::Disabled));
    assert_eq!(customer_key_ids(&oregon, OREGON).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_output_is_one_document_with_six_verified_keys() {
    let emulator = Emulator::start();
    let (stdout, stderr) = emulator.run_ok("01-keys", &["--yes", "--output", "json"]);
    let document: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}\n{stdout}"));
    let rows = document["keys"].as_array().expect("keys rows");
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|row| row["ok"] == true), "{stdout}");
    assert_eq!(rows[2]["multi_region_role"], "primary");
    assert_eq!(rows[5]["multi_region_role"], "replica");
    assert!(stderr.contains("Local emulator at"), "the banner goes to stderr in JSON mode:\n{stderr}");
}

#[test]
fn quiet_leaves_out_the_teaching_text_but_not_the_results() {
    let emulator = Emulator::start();
    let (full, _) = emulator.run_ok("01-keys", &["--yes"]);
    assert!(full.contains("The three kinds of KMS key"), "{full}");
    let (quiet, _) = emulator.run_ok("01-keys", &["--yes", "--quiet"]);
    assert!(!quiet.contains("The three kinds of KMS key") && !quiet.contains("What you now have"), "{quiet}");
    assert!(quiet.contains("✓ All 6 checks passed") && quiet.contains("Next: cargo run --bin 02-volumes"), "{quiet}");
}
