//! The project's scripts: no billable surprise, no unsafe temp files, no stray kills.
//!
//! `scripts/cli-walkthrough.sh` runs behind a stand-in `aws` first on PATH that records every call
//! (and passes it on to the real AWS CLI when a test wants the walkthrough to run): it must refuse
//! before any call unless the endpoint is the local emulator, and whatever way it ends, leave in
//! the emulator nothing it made but keys pending deletion, and nothing it did not make changed.
//! `scripts/emulator.sh` must refuse a port that is not a number, and stop only its own server.

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use aws_sdk_kms::types::{KeyState, Tag as KeyTag};
use e2e::{output_text, Emulator, OREGON, TOKYO};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("e2e lives in the workspace").to_path_buf()
}

/// A private directory under the system's temp dir, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(label: &str) -> Scratch {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("ebs-kms-labs-{label}-{}-{n}", std::process::id()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir).expect("create a scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The stand-in for the AWS CLI: it appends each call's arguments to $FAKE_AWS_LOG, fails the
/// $FAIL_AT-th call that names $FAIL_ON, hands every other call to $REAL_AWS when set, and
/// otherwise answers only `sts get-caller-identity` (with a made-up account) and fails the rest.
const FAKE_AWS: &str = r#"#!/usr/bin/env bash
printf '%s\n' "$*" >>"$FAKE_AWS_LOG"
if [ -n "${FAIL_ON:-}" ] && [[ " $* " == *" $FAIL_ON "* ]] &&
  [ "$(grep -c -F -e " $FAIL_ON " "$FAKE_AWS_LOG")" -ge "${FAIL_AT:-1}" ]; then
  echo "fake aws: call ${FAIL_AT:-1} of $FAIL_ON fails, as the test asks" >&2
  exit 254
fi
if [ -n "${REAL_AWS:-}" ]; then exec "$REAL_AWS" "$@"; fi
if [[ " $* " == *" sts get-caller-identity "* ]]; then
  printf '123456789012\tarn:aws:iam::123456789012:user/fake\n'
  exit 0
fi
echo "fake aws: no AWS here" >&2
exit 255
"#;

struct FakeAws {
    scratch: Scratch,
}

impl FakeAws {
    fn new() -> FakeAws {
        let scratch = Scratch::new("fake-aws");
        let bin = scratch.0.join("bin");
        std::fs::create_dir(&bin).unwrap();
        let aws = bin.join("aws");
        std::fs::write(&aws, FAKE_AWS).unwrap();
        std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755)).unwrap();
        FakeAws { scratch }
    }

    fn log(&self) -> PathBuf {
        self.scratch.0.join("calls.log")
    }

    /// The calls made so far, one line of arguments each.
    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.log()).unwrap_or_default().lines().map(str::to_string).collect()
    }

    /// How many calls named `operation` ("kms create-key", "ec2 copy-snapshot").
    fn count(&self, operation: &str) -> usize {
        self.calls().iter().filter(|call| call.contains(&format!(" {operation} "))).count()
    }

    /// cli-walkthrough.sh with `args`, this stand-in first on PATH, dummy credentials and none of
    /// the host's AWS settings; stdin closed.
    fn walkthrough(&self, args: &[&str]) -> Command {
        let mut command = Command::new(workspace().join("scripts/cli-walkthrough.sh"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("AWS_") {
                command.env_remove(name);
            }
        }
        let host_path = std::env::var_os("PATH").unwrap_or_default();
        let dirs = std::iter::once(self.scratch.0.join("bin")).chain(std::env::split_paths(&host_path));
        let path = std::env::join_paths(dirs).expect("a PATH");
        command
            .args(args)
            .env("PATH", path)
            .env("FAKE_AWS_LOG", self.log())
            .env_remove("REAL_AWS")
            .env_remove("FAIL_ON")
            .env_remove("FAIL_AT")
            .env("AWS_CONFIG_FILE", "/nonexistent/ebs-kms-labs/config")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ebs-kms-labs/credentials")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .stdin(Stdio::null());
        command
    }
}

/// Runs `command` to its end (five minutes at most), feeding it `stdin`.
fn run(command: Command, stdin: &str) -> (Output, String, String) {
    let output = assert_cmd::Command::from_std(command)
        .timeout(Duration::from_secs(300))
        .write_stdin(stdin)
        .output()
        .expect("run the script");
    let (stdout, stderr) = output_text(&output);
    (output, stdout, stderr)
}

/// The AWS CLI that the walkthrough tests pass calls on to: the benchmark's pinned one in
/// .emulator/cli-venv when installed, else `aws` on PATH; None when neither runs.
fn real_aws() -> Option<PathBuf> {
    let pinned = workspace().join(".emulator/cli-venv/bin/aws");
    let on_path = || {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path).map(|dir| dir.join("aws")).find(|candidate| candidate.is_file())
    };
    let aws = if pinned.is_file() { Some(pinned) } else { on_path() }?;
    let works = Command::new(&aws).arg("--version").output().is_ok_and(|output| output.status.success());
    works.then_some(aws)
}

fn real_aws_or_skip(test: &str) -> Option<PathBuf> {
    let aws = real_aws();
    if aws.is_none() {
        eprintln!("{test}: skipped: no working AWS CLI (`aws` on PATH or .emulator/cli-venv/bin/aws) to run the walkthrough with");
    }
    aws
}

/// A loopback HTTP server that is not moto: it answers every request 200 with a small JSON body.
fn not_moto() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match client.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            let body = r#"{"status": "ok"}"#;
            let _ = write!(
                client,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

fn closed_port_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}")
}

#[test]
fn cli_walkthrough_refuses_anything_but_the_emulator_before_any_aws_call() {
    let not_moto = not_moto();
    let cases: Vec<(Option<String>, &str)> = vec![
        (None, "AWS_ENDPOINT_URL is not set"),
        (Some(String::new()), "AWS_ENDPOINT_URL is not set"),
        (Some("https://ec2.ap-northeast-1.amazonaws.com".into()), "is not a loopback URL"),
        (Some("http://127.0.0.1.example.com:5000".into()), "is not a loopback URL"),
        (Some("http://localhost@example.com".into()), "is not a loopback URL"),
        (Some(closed_port_url()), "does not answer as the local emulator (moto) does"),
        (Some(not_moto.clone()), "does not answer as the local emulator (moto) does"),
    ];
    for (endpoint, expected) in cases {
        let fake = FakeAws::new();
        let mut command = fake.walkthrough(&[]);
        if let Some(endpoint) = &endpoint {
            command.env("AWS_ENDPOINT_URL", endpoint);
        }
        let (output, stdout, stderr) = run(command, "");
        assert_eq!(output.status.code(), Some(2), "{endpoint:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        assert!(stderr.contains(expected), "{endpoint:?}: expected {expected:?} in:\n{stderr}");
        assert!(stderr.contains("--aws"), "{endpoint:?}: the refusal names the way to mean AWS:\n{stderr}");
        assert_eq!(fake.calls(), Vec::<String>::new(), "{endpoint:?}: no AWS CLI call at all");
    }
}

#[test]
fn cli_walkthrough_refuses_a_service_endpoint_that_points_elsewhere() {
    let emulator = Emulator::start();
    for (var, elsewhere) in [
        ("AWS_ENDPOINT_URL_EC2", "https://ec2.ap-northeast-1.amazonaws.com".to_string()),
        ("AWS_ENDPOINT_URL_KMS", "https://kms.us-west-2.amazonaws.com".to_string()),
        ("AWS_ENDPOINT_URL_STS", "https://sts.amazonaws.com".to_string()),
        ("AWS_ENDPOINT_URL_KMS", not_moto()),
        ("AWS_ENDPOINT_URL_EC2", String::new()),
    ] {
        let fake = FakeAws::new();
        let mut command = fake.walkthrough(&[]);
        command.env("AWS_ENDPOINT_URL", &emulator.url).env(var, &elsewhere);
        let (output, _, stderr) = run(command, "");
        assert_eq!(output.status.code(), Some(2), "{var}={elsewhere}\n{stderr}");
        assert!(stderr.contains(&format!("{var}={elsewhere} sends that service elsewhere")), "{stderr}");
        assert_eq!(fake.calls(), Vec::<String>::new(), "{var}={elsewhere}: no AWS CLI call at all");
    }

    // The control: the same emulator, with service endpoints that name it too, passes the check and
    // the stand-in sees the calls (it fails them, having no AWS behind it), each sent to the
    // emulator by --endpoint-url, which outranks any endpoint in the CLI's configuration.
    let fake = FakeAws::new();
    let mut command = fake.walkthrough(&[]);
    command
        .env("AWS_ENDPOINT_URL", &emulator.url)
        .env("AWS_ENDPOINT_URL_EC2", format!("{}/", emulator.url))
        .env("AWS_ENDPOINT_URL_KMS", &emulator.url);
    let (output, _, stderr) = run(command, "");
    assert!(!output.status.success(), "{stderr}");
    let calls = fake.calls();
    assert!(!calls.is_empty(), "the check passed, so the walkthrough called aws:\n{stderr}");
    for call in &calls {
        assert!(call.starts_with(&format!("--endpoint-url {} ", emulator.url)), "{call}");
    }
}

#[test]
fn cli_walkthrough_on_aws_shows_the_account_and_creates_nothing_unconfirmed() {
    for (stdin, endpoint) in [("", None), ("no\n", None), ("y\n", Some(closed_port_url()))] {
        let fake = FakeAws::new();
        let mut command = fake.walkthrough(&["--aws"]);
        if let Some(endpoint) = &endpoint {
            command.env("AWS_ENDPOINT_URL", endpoint);
        }
        let (output, _, stderr) = run(command, stdin);
        assert_eq!(output.status.code(), Some(2), "stdin {stdin:?}\n{stderr}");
        assert!(stderr.contains("account: 123456789012 (arn:aws:iam::123456789012:user/fake)"), "{stderr}");
        assert!(stderr.contains("billable"), "{stderr}");
        assert!(stderr.contains("not confirmed: nothing was created"), "{stderr}");
        if let Some(endpoint) = &endpoint {
            assert!(stderr.contains(&format!("endpoint: AWS_ENDPOINT_URL={endpoint}")), "{stderr}");
        }
        // Only the read-only question of whose account this is.
        assert_eq!(fake.calls(), vec!["sts get-caller-identity --query [Account, Arn] --output text"], "{stderr}");
    }
}

// --- The walkthrough on a private emulator -------------------------------------------------------

const ALIASES: [(&str, &str); 4] = [
    (TOKYO, "alias/Single-region-key"),
    (TOKYO, "alias/Multi-region-key"),
    (OREGON, "alias/Single-region-key-oregon"),
    (OREGON, "alias/Multi-region-key-rep-oregon"),
];

/// What one region of the emulator holds, written out with plain SDK calls.
#[derive(Debug)]
struct Held {
    volumes: Vec<String>,
    snapshots: Vec<String>,
    /// Alias name → target key id, the emulator's own `alias/aws/...` aside.
    aliases: BTreeMap<String, String>,
    /// Key id → state, the emulator's default keys (targets of `alias/aws/...`) aside.
    keys: BTreeMap<String, KeyState>,
}

impl Held {
    /// The keys in `state`, foreign ones aside.
    fn keys_in(&self, state: KeyState, foreign: &[String]) -> usize {
        self.keys.iter().filter(|(id, s)| **s == state && !foreign.contains(id)).count()
    }
}

async fn held(emulator: &Emulator, region: &str) -> Held {
    let clients = emulator.clients(region).await;
    let volumes = clients.ec2.describe_volumes().send().await.expect("DescribeVolumes");
    let volumes = volumes.volumes().iter().filter_map(|v| v.volume_id().map(str::to_string)).collect();
    let snapshots = clients.ec2.describe_snapshots().owner_ids("self").send().await.expect("DescribeSnapshots");
    let snapshots = snapshots.snapshots().iter().filter_map(|s| s.snapshot_id().map(str::to_string)).collect();
    let listed = clients.kms.list_aliases().send().await.expect("ListAliases");
    let mut aliases = BTreeMap::new();
    let mut default_keys = Vec::new();
    for alias in listed.aliases() {
        let (name, target) = (alias.alias_name().unwrap_or_default(), alias.target_key_id().unwrap_or_default());
        if name.starts_with("alias/aws/") {
            default_keys.push(target.to_string());
        } else {
            aliases.insert(name.to_string(), target.to_string());
        }
    }
    let mut keys = BTreeMap::new();
    for listed in clients.kms.list_keys().send().await.expect("ListKeys").keys() {
        let id = listed.key_id().expect("key id");
        if !default_keys.iter().any(|default| default == id) {
            keys.insert(id.to_string(), e2e::describe::key(&clients.kms, id).await.key_state().expect("state").clone());
        }
    }
    Held { volumes, snapshots, aliases, keys }
}

/// Asserts that the emulator holds nothing the walkthrough made, apart from `keys` keys per
/// region, all pending deletion; `foreign` resources are not counted (the caller checks them).
async fn assert_cleaned_up(emulator: &Emulator, keys: [(&str, usize); 2], foreign: &[String], context: &str) {
    for (region, expected_keys) in keys {
        let held = held(emulator, region).await;
        let mine = |ids: &[String]| ids.iter().filter(|id| !foreign.contains(id)).cloned().collect::<Vec<_>>();
        assert_eq!(mine(&held.volumes), Vec::<String>::new(), "{region}: volumes left\n{context}");
        assert_eq!(mine(&held.snapshots), Vec::<String>::new(), "{region}: snapshots left\n{context}");
        for (alias_region, alias) in ALIASES {
            let foreign_alias = held.aliases.get(alias).is_some_and(|target| foreign.contains(target));
            if alias_region == region && !foreign_alias {
                assert!(!held.aliases.contains_key(alias), "{region}: {alias} left\n{context}");
            }
        }
        assert_eq!(held.keys_in(KeyState::PendingDeletion, foreign), expected_keys, "{region}: {held:?}\n{context}");
        assert_eq!(
            held.keys.iter().filter(|(id, _)| !foreign.contains(id)).count(),
            expected_keys,
            "{region}: every key the walkthrough made is pending deletion: {held:?}\n{context}"
        );
    }
}

/// The walkthrough pointed at `emulator`, its calls passed on to the real AWS CLI.
fn walkthrough_on(emulator: &Emulator, fake: &FakeAws, aws: &Path) -> Command {
    let mut command = fake.walkthrough(&[]);
    command.env("AWS_ENDPOINT_URL", &emulator.url).env("REAL_AWS", aws);
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_walkthrough_on_the_emulator_leaves_only_keys_pending_deletion() {
    let Some(aws) = real_aws_or_skip("cli_walkthrough_on_the_emulator_leaves_only_keys_pending_deletion") else {
        return;
    };
    let emulator = Emulator::start();
    let fake = FakeAws::new();
    let (output, stdout, stderr) = run(walkthrough_on(&emulator, &fake, &aws), "");
    let context = format!("stdout:\n{stdout}\nstderr:\n{stderr}\ncalls:\n{}", fake.calls().join("\n"));
    assert!(output.status.success(), "{context}");
    assert!(stdout.contains("cli-walkthrough: done"), "{context}");
    // It did the whole walkthrough, and the cleanup deleted each thing once.
    for (operation, times) in [
        ("kms create-key", 3),
        ("kms replicate-key", 1),
        ("kms create-alias", 4),
        ("ec2 create-volume", 3),
        ("ec2 create-snapshot", 3),
        ("ec2 copy-snapshot", 3),
        ("ec2 delete-snapshot", 6),
        ("ec2 delete-volume", 3),
        ("kms schedule-key-deletion", 4),
    ] {
        assert_eq!(fake.count(operation), times, "{operation}\n{context}");
    }
    for call in fake.calls() {
        assert!(call.starts_with(&format!("--endpoint-url {} ", emulator.url)), "{call}");
    }
    assert_cleaned_up(&emulator, [(TOKYO, 2), (OREGON, 2)], &[], &context).await;
}

fn tags(pairs: &[(&str, &str)]) -> Vec<Tag> {
    pairs.iter().map(|(k, v)| Tag::builder().key(*k).value(*v).build()).collect()
}

/// Someone else's resources wearing the walkthrough's names and tags: a volume and its snapshot
/// in Tokyo, and in each region a key (Tokyo's with a look-alike alias). Returns their ids.
async fn make_look_alikes(emulator: &Emulator) -> Vec<String> {
    let owned = [("ebs-kms-labs:project", "ebs-kms-labs"), ("Name", "EBS-encrypted-with-default-key")];
    let tokyo = emulator.clients(TOKYO).await;
    let spec = TagSpecification::builder().resource_type(ResourceType::Volume).set_tags(Some(tags(&owned))).build();
    let volume = tokyo.ec2.create_volume().availability_zone(format!("{TOKYO}a")).size(8).tag_specifications(spec);
    let volume = volume.send().await.unwrap().volume_id().unwrap().to_string();
    let spec = TagSpecification::builder().resource_type(ResourceType::Snapshot).set_tags(Some(tags(&owned))).build();
    let snapshot = tokyo.ec2.create_snapshot().volume_id(&volume).tag_specifications(spec).send().await.unwrap();
    let mut ids = vec![volume, snapshot.snapshot_id().unwrap().to_string()];
    for region in [TOKYO, OREGON] {
        let kms = emulator.clients(region).await.kms;
        let tag = KeyTag::builder().tag_key("ebs-kms-labs:project").tag_value("ebs-kms-labs").build().unwrap();
        let key = kms.create_key().description("someone else's key").tags(tag).send().await.unwrap();
        let key = key.key_metadata().unwrap().key_id().to_string();
        if region == TOKYO {
            kms.create_alias().alias_name("alias/Single-region-key-backup").target_key_id(&key).send().await.unwrap();
        }
        ids.push(key);
    }
    ids
}

/// Everything observable about the look-alikes, to compare before and after.
async fn observe(emulator: &Emulator, ids: &[String]) -> Vec<String> {
    let mut seen = Vec::new();
    for region in [TOKYO, OREGON] {
        let held = held(emulator, region).await;
        seen.extend(held.volumes.iter().filter(|id| ids.contains(id)).map(|id| format!("{region} volume {id}")));
        seen.extend(held.snapshots.iter().filter(|id| ids.contains(id)).map(|id| format!("{region} snapshot {id}")));
        for (alias, target) in held.aliases.iter().filter(|(_, target)| ids.contains(target)) {
            seen.push(format!("{region} {alias} -> {target}"));
        }
        for (id, state) in held.keys.iter().filter(|(id, _)| ids.contains(id)) {
            seen.push(format!("{region} key {id} {state:?}"));
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_walkthrough_that_fails_midway_deletes_what_it_made_and_nothing_else() {
    let Some(aws) = real_aws_or_skip("cli_walkthrough_that_fails_midway_deletes_what_it_made_and_nothing_else") else {
        return;
    };
    let emulator = Emulator::start();
    let foreign = make_look_alikes(&emulator).await;
    let before = observe(&emulator, &foreign).await;
    assert_eq!(before.len(), 5, "{before:?}");
    let fake = FakeAws::new();
    // The second copy fails: by then there are keys, aliases, volumes, snapshots and one copy.
    let mut command = walkthrough_on(&emulator, &fake, &aws);
    command.env("FAIL_ON", "copy-snapshot").env("FAIL_AT", "2");
    let (output, stdout, stderr) = run(command, "");
    let context = format!("stdout:\n{stdout}\nstderr:\n{stderr}\ncalls:\n{}", fake.calls().join("\n"));
    assert_eq!(output.status.code(), Some(254), "the failure's own exit code\n{context}");
    assert!(!stdout.contains("done"), "{context}");
    assert!(stderr.contains("stopped early (exit 254): deleting what this run created"), "{context}");
    assert!(stderr.contains("cleaned up"), "{context}");
    assert_eq!(fake.count("ec2 copy-snapshot"), 2, "{context}");
    assert_eq!(fake.count("ec2 delete-snapshot"), 4, "one copy and three snapshots\n{context}");
    assert_eq!(fake.count("ec2 delete-volume"), 3, "{context}");
    assert_eq!(fake.count("kms schedule-key-deletion"), 4, "{context}");
    assert_cleaned_up(&emulator, [(TOKYO, 2), (OREGON, 2)], &foreign, &context).await;
    assert_eq!(observe(&emulator, &foreign).await, before, "the look-alikes are untouched\n{context}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_walkthrough_stopped_by_an_alias_it_did_not_make_leaves_that_alias_alone() {
    let Some(aws) = real_aws_or_skip("cli_walkthrough_stopped_by_an_alias_it_did_not_make_leaves_that_alias_alone")
    else {
        return;
    };
    let emulator = Emulator::start();
    // Someone else's key already holds alias/Multi-region-key: creating it fails, after two keys and
    // their aliases and the multi-Region key exist. A cleanup by name would delete that alias.
    let kms = emulator.clients(TOKYO).await.kms;
    let key = kms.create_key().description("someone else's key").send().await.unwrap();
    let key = key.key_metadata().unwrap().key_id().to_string();
    kms.create_alias().alias_name("alias/Multi-region-key").target_key_id(&key).send().await.unwrap();
    let foreign = vec![key.clone()];
    let before = observe(&emulator, &foreign).await;

    let fake = FakeAws::new();
    let (output, stdout, stderr) = run(walkthrough_on(&emulator, &fake, &aws), "");
    let context = format!("stdout:\n{stdout}\nstderr:\n{stderr}\ncalls:\n{}", fake.calls().join("\n"));
    assert!(!output.status.success(), "{context}");
    assert!(stderr.contains("stopped early"), "{context}");
    assert_eq!(fake.count("ec2 create-volume"), 0, "it stopped at the alias\n{context}");
    let theirs = "delete-alias --region ap-northeast-1 --alias-name alias/Multi-region-key";
    assert!(!fake.calls().iter().any(|call| call.ends_with(theirs)), "{context}");
    assert_cleaned_up(&emulator, [(TOKYO, 2), (OREGON, 1)], &foreign, &context).await;
    let after = observe(&emulator, &foreign).await;
    assert_eq!(after, before, "{context}");
    assert!(after.contains(&format!("{TOKYO} alias/Multi-region-key -> {key}")), "{after:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_walkthrough_stopped_by_sigterm_cleans_up_on_its_way_out() {
    let Some(aws) = real_aws_or_skip("cli_walkthrough_stopped_by_sigterm_cleans_up_on_its_way_out") else {
        return;
    };
    let emulator = Emulator::start();
    let fake = FakeAws::new();
    let stderr_file = fake.scratch.0.join("stderr");
    let mut command = walkthrough_on(&emulator, &fake, &aws);
    command.stdout(Stdio::null()).stderr(std::fs::File::create(&stderr_file).unwrap());
    let mut child = command.spawn().expect("start the walkthrough");
    // SIGTERM while the first key is being made: its id must still be recorded, and the key
    // scheduled for deletion on the way out (signals during other calls end the run at once).
    let deadline = Instant::now() + Duration::from_secs(120);
    while fake.count("kms create-key") == 0 {
        assert!(child.try_wait().unwrap().is_none(), "the walkthrough ended early: {:?}", fake.calls());
        assert!(Instant::now() < deadline, "no create-key call in time: {:?}", fake.calls());
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the walkthrough did not end after SIGTERM: {:?}", fake.calls());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = std::fs::read_to_string(&stderr_file).unwrap_or_default();
    let context = format!("stderr:\n{stderr}\ncalls:\n{}", fake.calls().join("\n"));
    assert_eq!(status.code(), Some(143), "{context}");
    assert!(stderr.contains("stopped early (exit 143)"), "{context}");
    assert_eq!(fake.count("kms create-key"), 1, "it stopped right after that call\n{context}");
    assert_eq!(fake.count("kms create-alias"), 0, "{context}");
    assert_eq!(fake.count("kms schedule-key-deletion"), 1, "{context}");
    assert_cleaned_up(&emulator, [(TOKYO, 1), (OREGON, 0)], &[], &context).await;
}

// --- emulator.sh ---------------------------------------------------------------------------------

fn emulator_script(port: &str, subcommand: &str) -> Command {
    let mut command = Command::new(workspace().join("scripts/emulator.sh"));
    command.arg(subcommand).env("EMULATOR_PORT", port).stdin(Stdio::null());
    command
}

fn emulator_dir_entries() -> Vec<String> {
    let entries = std::fs::read_dir(workspace().join(".emulator")).into_iter().flatten().flatten();
    entries.map(|entry| entry.file_name().to_string_lossy().into_owned()).collect()
}

#[test]
fn emulator_sh_refuses_a_port_that_is_not_a_number_and_runs_nothing() {
    let scratch = Scratch::new("emulator-port");
    let marker = scratch.0.join("x");
    let m = marker.display();
    let ports = [
        format!("1;touch {m}"),
        format!("$(touch {m})"),
        format!("`touch {m}`"),
        format!("a[$(touch {m})]"),
        format!("5000\ntouch {m}"),
        "0".to_string(),
        "65536".to_string(),
        "99999999999999999999".to_string(),
        "-1".to_string(),
        "5000 ".to_string(),
    ];
    for port in &ports {
        for subcommand in ["env", "start", "stop", "status", "reset", "log", "install"] {
            let (output, stdout, stderr) = run(emulator_script(port, subcommand), "");
            assert_eq!(output.status.code(), Some(2), "{subcommand} with {port:?}\n{stdout}\n{stderr}");
            assert!(stderr.contains("EMULATOR_PORT must be a port number from 1 to 65535"), "{stderr}");
            assert_eq!(stdout, "", "{subcommand} with {port:?}: nothing to eval");
            assert!(!marker.exists(), "{subcommand} with {port:?} ran the command in it");
        }
        // What README.md tells people to run.
        let mut eval = Command::new("bash");
        eval.args(["-c", r#"eval "$(scripts/emulator.sh env)""#]).current_dir(workspace()).env("EMULATOR_PORT", port);
        let (output, _, stderr) = run(eval, "");
        assert!(output.status.success(), "an empty eval: {stderr}");
        assert!(!marker.exists(), "eval with {port:?} ran the command in it");
    }
    let made: Vec<String> = emulator_dir_entries().into_iter().filter(|name| name.contains("touch")).collect();
    assert_eq!(made, Vec::<String>::new(), "no pidfile or log named after a bad port");

    // The control: a plain number is accepted (leading zeros dropped) and ends up in the URL.
    let (output, stdout, _) = run(emulator_script("05931", "env"), "");
    assert!(output.status.success());
    assert!(stdout.contains("export AWS_ENDPOINT_URL=http://127.0.0.1:5931\n"), "{stdout}");
}

/// Whether `pid` is gone (or a zombie waiting for its parent).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z')),
    }
}

#[test]
fn emulator_sh_stop_kills_only_its_own_server() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let dir = workspace().join(".emulator");
    std::fs::create_dir_all(&dir).unwrap();
    let pidfile = dir.join(format!("moto-{port}.pid"));

    // A pidfile naming a process that is not the emulator (a recycled PID, an edited file).
    let mut sleeper = Command::new("sleep").arg("60").spawn().unwrap();
    std::fs::write(&pidfile, format!("{}\n", sleeper.id())).unwrap();
    let (output, _, stderr) = run(emulator_script(&port, "stop"), "");
    let alive = sleeper.try_wait().unwrap().is_none();
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert!(output.status.success(), "{stderr}");
    assert!(alive, "emulator.sh stop killed a process that is not its moto_server:\n{stderr}");
    assert!(stderr.contains("not this emulator's moto_server"), "{stderr}");
    assert!(stderr.contains("removed the stale pidfile"), "{stderr}");
    assert!(!pidfile.exists(), "the stale pidfile is removed");

    // Garbage in the pidfile: nothing is killed, the file goes.
    std::fs::write(&pidfile, "-1\n").unwrap();
    let (output, _, stderr) = run(emulator_script(&port, "stop"), "");
    assert!(output.status.success(), "{stderr}");
    assert!(!pidfile.exists());

    // The control: the server the script started is stopped.
    let (output, _, stderr) = run(emulator_script(&port, "start"), "");
    let logfile = dir.join(format!("moto-{port}.log"));
    assert!(output.status.success(), "{stderr}");
    let pid: u32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    let (output, _, stderr) = run(emulator_script(&port, "stop"), "");
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("emulator: stopped"), "{stderr}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !gone(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let stopped = gone(pid);
    if !stopped {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
    let _ = std::fs::remove_file(&logfile);
    assert!(stopped, "moto_server {pid} still runs after stop");
    assert!(!pidfile.exists());
}
