//! docs/iam-policy.json against what the labs really call: every lab path, with the API log on;
//! each operation called must be allowed by the policy, and the policy must allow nothing that no
//! lab calls (apart from the permissions AWS checks inside a call: tagging at creation, and EBS
//! using the keys on the learner's behalf).

use e2e::{describe, Emulator, TOKYO};
use serde_json::Value;
use std::collections::BTreeSet;

/// Permissions AWS checks inside other calls: no lab calls them by name.
const IMPLIED: [&str; 6] = [
    "kms:TagResource",                     // CreateKey and ReplicateKey with Tags
    "ec2:CreateTags",                      // CreateVolume, CreateSnapshot, CopySnapshot with TagSpecifications
    "kms:CreateGrant",                     // EBS, on the learner's behalf
    "kms:Decrypt",                         // EBS
    "kms:GenerateDataKeyWithoutPlaintext", // EBS
    "kms:ReEncrypt*",                      // EBS
];

fn policy_actions() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/iam-policy.json");
    let policy: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("valid JSON");
    assert_eq!(policy["Version"], "2012-10-17");
    let mut actions = BTreeSet::new();
    for statement in policy["Statement"].as_array().expect("statements") {
        assert_eq!(statement["Effect"], "Allow", "{statement}");
        match &statement["Action"] {
            Value::String(action) => {
                actions.insert(action.clone());
            }
            Value::Array(list) => actions.extend(list.iter().map(|a| a.as_str().unwrap().to_string())),
            other => panic!("unexpected Action {other}"),
        }
    }
    actions
}

fn allows(policy: &BTreeSet<String>, action: &str) -> bool {
    policy.iter().any(|allowed| match allowed.strip_suffix('*') {
        Some(prefix) => action.starts_with(prefix),
        None => allowed == action,
    })
}

/// `api: KMS:CreateKey [...]` lines → `kms:CreateKey`.
fn called_actions(stderr: &str) -> BTreeSet<String> {
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix("api: "))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter_map(|operation| operation.split_once(':'))
        .map(|(service, name)| format!("{}:{name}", service.to_ascii_lowercase()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_iam_policy_allows_exactly_what_the_labs_call() {
    let emulator = Emulator::start();
    let mut called = BTreeSet::new();
    let mut run = |lab: &str, args: &[&str]| {
        let mut all = vec!["--show-api"];
        all.extend_from_slice(args);
        let (_, stderr) = emulator.run_ok(lab, &all);
        called.extend(called_actions(&stderr));
    };
    // Every lab that makes something, in the course's order.
    for lab in common::manifest::labs().iter().filter(|lab| lab.makes.is_some()) {
        run(&lab.id, &["--yes"]);
    }
    run("04-copy", &["--yes", "--matrix"]);
    run("status", &[]);
    run("03-snapshots", &["--undo", "--yes"]);
    // The alias of a lab key pending deletion is moved to a new key (UpdateAlias).
    let tokyo = emulator.clients(TOKYO).await;
    let single = describe::key(&tokyo.kms, "alias/Single-region-key").await;
    tokyo.kms.schedule_key_deletion().key_id(single.key_id()).pending_window_in_days(7).send().await.unwrap();
    run("01-keys", &["--yes"]);
    run("05-cleanup", &["--yes"]);

    let policy = policy_actions();
    let not_allowed: Vec<&String> = called.iter().filter(|action| !allows(&policy, action)).collect();
    assert!(
        not_allowed.is_empty(),
        "the labs call these, but docs/iam-policy.json does not allow them: {not_allowed:?}"
    );
    let unused: Vec<&String> =
        policy.iter().filter(|action| !called.contains(*action) && !IMPLIED.contains(&action.as_str())).collect();
    assert!(unused.is_empty(), "docs/iam-policy.json allows these, but no lab calls them: {unused:?}");
    assert!(called.contains("kms:UpdateAlias") && called.contains("kms:ReplicateKey"), "{called:?}");
}

#[test]
fn the_call_parser_reads_the_api_log() {
    let log = "api: KMS:CreateKey [ap-northeast-1] ok in 3 ms { key_spec: Some(SymmetricDefault) }\n\
               warning: x\napi: EC2:CopySnapshot [us-west-2] failed (HTTP 400) in 2 ms\napi: 12 AWS calls in this run";
    let called = called_actions(log);
    assert!(called.contains("kms:CreateKey") && called.contains("ec2:CopySnapshot"), "{called:?}");
    assert_eq!(called.len(), 2, "{called:?}");
    let policy = BTreeSet::from(["kms:ReEncrypt*".to_string()]);
    assert!(allows(&policy, "kms:ReEncryptFrom") && !allows(&policy, "kms:Decrypt"));
}
