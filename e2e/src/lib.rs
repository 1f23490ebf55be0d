//! Test harness for the end-to-end tests: a private moto server per test, the lab binaries
//! pointed at it with dummy credentials, and SDK clients (built by `common`) to check what the
//! labs really made.

use common::args::CommonArgs;
use common::regions::{self, RegionInfo};
use common::scenario::Scenario;
use common::session::{emulator_config, CredentialsOrigin, Endpoint, RegionClients, Session};
use common::ui::Ui;
use common::LabContext;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const TOKYO: &str = "ap-northeast-1";
pub const OREGON: &str = "us-west-2";

/// A moto server on a free loopback port, stopped when dropped.
pub struct Emulator {
    child: Child,
    pub url: String,
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("e2e lives in the workspace").to_path_buf()
}

fn moto_server_path() -> PathBuf {
    std::env::var_os("EBS_LABS_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".emulator/venv/bin/moto_server"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().expect("local address").port()
}

impl Emulator {
    /// Starts a fresh server; panics with the fix when moto is not installed.
    pub fn start() -> Emulator {
        let server = moto_server_path();
        assert!(
            server.exists(),
            "{} is missing: run `scripts/emulator.sh install` (scripts/test.sh does it for you)",
            server.display()
        );
        for _attempt in 0..3 {
            let port = free_port();
            let mut child = Command::new(&server)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start moto_server");
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Emulator { child, url: format!("http://127.0.0.1:{port}") };
                }
                if child.try_wait().ok().flatten().is_some() {
                    break; // the port was taken after all: try another
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("moto_server did not start on a free port in three tries");
    }

    /// A lab binary, pointed at this emulator, isolated from the host's AWS configuration.
    pub fn lab(&self, id: &str) -> assert_cmd::Command {
        let mut command = lab_command(id);
        command
            .env("AWS_ENDPOINT_URL", &self.url)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test");
        command
    }

    /// What `run_lab` hands a lab, built in-process against this emulator with `ui` (usually a
    /// scripted one): for tests that answer a lab's prompts.
    pub async fn context(&self, lab_id: &str, args: CommonArgs, ui: Ui) -> LabContext {
        let config = emulator_config(&self.url).await;
        LabContext {
            lab: common::manifest::lab(lab_id),
            scenario: Scenario::new(args.source_region, args.dest_region, &args.name_prefix),
            session: Session {
                endpoint: Endpoint::Local(self.url.clone()),
                api_log: common::api_log::ApiLog::new(false),
                account: "123456789012".into(),
                caller_arn: "arn:aws:iam::123456789012:user/test".into(),
                credentials: CredentialsOrigin { provider: "emulator".into(), profile: None },
                source: RegionClients::new(&config, args.source_region),
                destination: RegionClients::new(&config, args.dest_region),
                config,
            },
            args,
            ui: Arc::new(ui),
        }
    }

    /// A lab as a plain process pointed at `endpoint` (this emulator, or a proxy in front of it).
    pub fn lab_process_via(&self, endpoint: &str, id: &str) -> Command {
        let mut command = lab_process(id);
        command.env("AWS_ENDPOINT_URL", endpoint).env("AWS_ACCESS_KEY_ID", "test").env("AWS_SECRET_ACCESS_KEY", "test");
        command
    }

    /// Runs a lab against this emulator and insists that it succeeds; returns (stdout, stderr).
    pub fn run_ok(&self, lab: &str, args: &[&str]) -> (String, String) {
        let output = self.lab(lab).args(args).output().expect("run the lab");
        let (stdout, stderr) = output_text(&output);
        assert!(output.status.success(), "{lab} {args:?} failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
        (stdout, stderr)
    }

    /// SDK clients for `region` on this emulator, to check what the labs made.
    pub async fn clients(&self, region: &str) -> RegionClients {
        let config = emulator_config(&self.url).await;
        RegionClients::new(&config, region_info(region))
    }
}

impl Emulator {
    /// Runs the AWS CLI commands of a lab page's "do it yourself" section (`lang` "en" or "ja")
    /// against this emulator with the pinned AWS CLI, the way a learner pastes them, with the set
    /// `prefix` put into its `PREFIX=` line. Returns the output; the caller asserts on it.
    pub fn run_readme_commands(&self, lab_id: &str, lang: &str, prefix: &str) -> std::process::Output {
        let script: Vec<String> = readme_commands(lab_id, lang)
            .lines()
            .map(|line| if line.starts_with("PREFIX=") { format!("PREFIX={prefix}") } else { line.to_string() })
            .collect();
        let script = script.join("\n");
        self.run_cli_script(&script)
    }

    /// Runs `script` with bash (`set -euo pipefail`) and the pinned AWS CLI first on PATH,
    /// pointed at this emulator.
    pub fn run_cli_script(&self, script: &str) -> std::process::Output {
        let aws = aws_cli();
        let bin = aws.parent().expect("the CLI's directory");
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        Command::new("bash")
            .args(["-c", &format!("set -euo pipefail\n{script}")])
            .env("PATH", path)
            .env("AWS_ENDPOINT_URL", &self.url)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_DEFAULT_REGION", TOKYO)
            .env("AWS_PAGER", "")
            .env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .output()
            .expect("run bash")
    }
}

/// The operations of a `--show-api` trace, in order (`api: kms:ListAliases [us-west-2] ok …` →
/// `kms:ListAliases`).
pub fn api_operations(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix("api: "))
        .filter(|call| call.split_whitespace().nth(1).is_some_and(|region| region.starts_with('[')))
        .filter_map(|call| call.split_whitespace().next().map(str::to_string))
        .collect()
}

/// The operations of `operations` that are not reads (Describe, List or Get): what a read-only
/// run must not make.
pub fn writing_operations(operations: &[String]) -> Vec<String> {
    let reads = ["Describe", "List", "Get"];
    let is_read = |operation: &str| {
        let name = operation.split_once(':').map_or(operation, |(_, name)| name);
        reads.iter().any(|read| name.starts_with(read))
    };
    operations.iter().filter(|operation| !is_read(operation)).cloned().collect()
}

/// The Python of the pinned checkers' venv (parliament, policy_sentry, jsonschema):
/// `EBS_LABS_POLICY_PYTHON`, or where `scripts/policy-tools.sh` puts it; panics with the fix
/// when it is missing.
pub fn checkers_python() -> PathBuf {
    let python = std::env::var_os("EBS_LABS_POLICY_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".emulator/policy-venv/bin/python"));
    assert!(
        python.exists(),
        "{} is missing: run `scripts/policy-tools.sh` (scripts/test.sh does it for you)",
        python.display()
    );
    python
}

/// The pinned AWS CLI (`scripts/aws-cli.sh` installs it; scripts/test.sh exports its path as
/// EBS_LABS_AWS_CLI); panics with the fix when it is missing.
pub fn aws_cli() -> PathBuf {
    let aws = std::env::var_os("EBS_LABS_AWS_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".emulator/cli-venv/bin/aws"));
    assert!(aws.is_file(), "{} is missing: run `scripts/aws-cli.sh` (scripts/test.sh does it for you)", aws.display());
    aws
}

/// A lab page: labs/<id>/README.md (`lang` "en") or README.ja.md ("ja").
pub fn lab_readme(lab_id: &str, lang: &str) -> String {
    let file = if lang == "ja" { "README.ja.md" } else { "README.md" };
    let path = workspace_root().join("labs").join(lab_id).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}

/// The shell commands of a lab page's "do it yourself" section, as a learner would paste them.
pub fn readme_commands(lab_id: &str, lang: &str) -> String {
    let heading = common::hands_on::YOURSELF_HEADING[usize::from(lang == "ja")];
    let readme = lab_readme(lab_id, lang);
    let section = common::hands_on::section(&readme, heading)
        .unwrap_or_else(|| panic!("labs/{lab_id} ({lang}) has no section {heading:?}"));
    let script = common::hands_on::shell_blocks(section);
    assert!(!script.trim().is_empty(), "labs/{lab_id} ({lang}): no ```sh block under {heading:?}");
    script
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn region_info(code: &str) -> &'static RegionInfo {
    regions::find(code).expect("a known region")
}

/// A lab binary with no AWS settings from the host: no profile, no endpoint, no credentials,
/// no instance metadata. Its stdin is a closed pipe, not a terminal; it may run two minutes.
pub fn lab_command(id: &str) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::from_std(lab_process(id));
    command.timeout(Duration::from_secs(120));
    command
}

/// The path of a lab binary built by `cargo build --bins`.
pub fn workspace_binary(id: &str) -> PathBuf {
    let binary = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("debug").join(id),
        None => workspace_root().join("target/debug").join(id),
    };
    assert!(binary.exists(), "{} is missing: run `cargo build --bins` first (scripts/test.sh does)", binary.display());
    binary
}

/// The same as a plain process, for tests that start, signal or kill it themselves.
pub fn lab_process(id: &str) -> Command {
    let mut command = Command::new(workspace_binary(id));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    command
        .env("AWS_CONFIG_FILE", "/nonexistent/ebs-kms-labs/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ebs-kms-labs/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("RUST_LOG")
        // English, whatever the machine's locale: tests that want Japanese ask for it.
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .stdin(Stdio::null());
    command
}

/// A listener on a free loopback port that connects each client to `upstream_url` and hands
/// both streams to `connect`, which pipes them; it stops accepting when dropped. The proxies
/// below are this loop with their own pipes.
struct LoopbackListener {
    url: String,
    port: u16,
    stop: Arc<AtomicBool>,
}

impl LoopbackListener {
    fn start(upstream_url: &str, connect: impl Fn(TcpStream, TcpStream) + Send + 'static) -> LoopbackListener {
        let upstream = upstream_url.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let (Ok(client), Ok(server)) = (client, TcpStream::connect(&upstream)) {
                    connect(client, server);
                }
            }
        });
        LoopbackListener { url: format!("http://127.0.0.1:{port}"), port, stop }
    }
}

impl Drop for LoopbackListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port)); // wakes the accept loop
    }
}

/// A TCP proxy on loopback that holds every chunk of data `delay` before passing it on, in
/// both directions: it makes the emulator as slow as a distant region, so that a lab can be
/// interrupted in the middle of its work. Stops when dropped.
pub struct DelayProxy {
    pub url: String,
    _listener: LoopbackListener,
}

impl DelayProxy {
    pub fn start(upstream_url: &str, delay: Duration) -> DelayProxy {
        let listener = LoopbackListener::start(upstream_url, move |client, server| {
            if let (Ok(client_reader), Ok(server_reader)) = (client.try_clone(), server.try_clone()) {
                std::thread::spawn(move || pipe(client_reader, server, delay));
                std::thread::spawn(move || pipe(server_reader, client, delay));
            }
        });
        DelayProxy { url: listener.url.clone(), _listener: listener }
    }
}

/// A TCP proxy on loopback in front of the emulator that hides moto's own API: a connection
/// that opens with a request for `/moto-api/…` gets 404, every other one is passed through. It
/// is an endpoint on this machine that serves the AWS APIs but does not answer as moto does,
/// which the labs must not call the local emulator. Stops when dropped.
pub struct HiddenMotoProxy {
    pub url: String,
    _listener: LoopbackListener,
}

impl HiddenMotoProxy {
    pub fn start(upstream_url: &str) -> HiddenMotoProxy {
        let listener = LoopbackListener::start(upstream_url, |mut client, server| {
            std::thread::spawn(move || {
                let mut start = [0u8; 32];
                let opened = client.peek(&mut start).unwrap_or(0);
                let asks_moto = start[..opened].windows(10).any(|window| window == b"/moto-api/");
                if asks_moto {
                    let _ =
                        client.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    return;
                }
                if let (Ok(client_reader), Ok(server_reader)) = (client.try_clone(), server.try_clone()) {
                    std::thread::spawn(move || pipe(client_reader, server, Duration::ZERO));
                    pipe(server_reader, client, Duration::ZERO);
                }
            });
        });
        HiddenMotoProxy { url: listener.url.clone(), _listener: listener }
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                std::thread::sleep(delay);
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

/// The Describe filter for lab-owned EC2 resources, written out here rather than taken from
/// `common`, so the tests do not trust the code they check.
pub fn owned_filter() -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder().name("tag:ebs-kms-labs:project").values("ebs-kms-labs").build()
}

/// stdout and stderr of a finished command, as text, for assertion messages.
pub fn output_text(output: &std::process::Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Describe calls the tests check results with: plain SDK calls, written out here so that the
/// tests do not trust the code they check.
pub mod describe {
    use aws_sdk_ec2::types::{Snapshot, Volume};
    use aws_sdk_kms::types::KeyMetadata;
    use std::collections::BTreeMap;

    /// DescribeKey, by id, ARN or alias.
    pub async fn key(kms: &aws_sdk_kms::Client, key: &str) -> KeyMetadata {
        kms.describe_key().key_id(key).send().await.expect("DescribeKey").key_metadata.expect("key metadata")
    }

    /// The key's ARN.
    pub async fn key_arn(kms: &aws_sdk_kms::Client, key: &str) -> String {
        self::key(kms, key).await.arn().expect("key ARN").to_string()
    }

    /// The key's tags, by key.
    pub async fn key_tags(kms: &aws_sdk_kms::Client, key: &str) -> BTreeMap<String, String> {
        let output = kms.list_resource_tags().key_id(key).send().await.expect("ListResourceTags");
        output.tags().iter().map(|tag| (tag.tag_key().to_string(), tag.tag_value().to_string())).collect()
    }

    /// The region's keys that the labs made: with the project tag, or a replica (its primary is
    /// in another region; the emulator keeps no tags on replicas).
    pub async fn lab_keys(kms: &aws_sdk_kms::Client, region: &str) -> Vec<KeyMetadata> {
        let mut found = Vec::new();
        for listed in kms.list_keys().send().await.expect("ListKeys").keys() {
            let id = listed.key_id().expect("key id");
            let metadata = self::key(kms, id).await;
            let primary_region =
                metadata.multi_region_configuration().and_then(|c| c.primary_key()).and_then(|p| p.region());
            let replica = primary_region.is_some_and(|primary| primary != region);
            if replica || key_tags(kms, id).await.contains_key("ebs-kms-labs:project") {
                found.push(metadata);
            }
        }
        found
    }

    /// Volumes with the project tag.
    pub async fn lab_volumes(ec2: &aws_sdk_ec2::Client) -> Vec<Volume> {
        let output = ec2.describe_volumes().filters(super::owned_filter()).send().await.expect("DescribeVolumes");
        output.volumes.unwrap_or_default()
    }

    /// This account's snapshots with the project tag.
    pub async fn lab_snapshots(ec2: &aws_sdk_ec2::Client) -> Vec<Snapshot> {
        let request = ec2.describe_snapshots().owner_ids("self").filters(super::owned_filter());
        request.send().await.expect("DescribeSnapshots").snapshots.unwrap_or_default()
    }

    /// All of this account's snapshots.
    pub async fn all_snapshots(ec2: &aws_sdk_ec2::Client) -> Vec<Snapshot> {
        ec2.describe_snapshots()
            .owner_ids("self")
            .send()
            .await
            .expect("DescribeSnapshots")
            .snapshots
            .unwrap_or_default()
    }
}

/// How many calls of a `--show-api` trace (the stderr lines
/// `api: EC2:CreateVolume [ap-northeast-1] ok in 12 ms { … }`) asked AWS to make something: a
/// Create, Replicate or Copy operation, whatever its outcome. A run that finds everything in
/// place makes none. The closing `api: 27 AWS calls in this run` line is not a call.
pub fn created_calls(stderr: &str) -> usize {
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix("api: "))
        .filter(|call| {
            let mut words = call.split_whitespace();
            let operation = words.next().and_then(|name| name.split_once(':')).map(|(_, operation)| operation);
            let in_a_region = words.next().is_some_and(|region| region.starts_with('[') && region.ends_with(']'));
            in_a_region && operation.is_some_and(|op| ["Create", "Replicate", "Copy"].iter().any(|v| op.starts_with(v)))
        })
        .count()
}

/// A TCP proxy on loopback with a single lane towards the emulator: each chunk of data a client
/// sends waits its turn, then `gap`, before it is passed on, so requests that a lab sends together
/// (three creates at once) reach the emulator one by one, `gap` apart; answers come straight back.
/// [`OneLaneProxy::cut`] drops every connection open at that moment with whatever it still holds,
/// as if the network went down with the lab: a lab killed just after its first create landed then
/// leaves some, not all, of its resources. Stops when dropped.
pub struct OneLaneProxy {
    pub url: String,
    generation: Arc<std::sync::atomic::AtomicUsize>,
    _listener: LoopbackListener,
}

/// One proxied connection: cut once the proxy's generation has moved on from the one it opened in.
#[derive(Clone)]
struct LaneConnection {
    opened: usize,
    generation: Arc<std::sync::atomic::AtomicUsize>,
}

impl LaneConnection {
    fn is_cut(&self) -> bool {
        self.generation.load(Ordering::SeqCst) != self.opened
    }
}

impl OneLaneProxy {
    pub fn start(upstream_url: &str, gap: Duration) -> OneLaneProxy {
        let generation = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let generations = Arc::clone(&generation);
        let lane = Arc::new(std::sync::Mutex::new(()));
        let listener = LoopbackListener::start(upstream_url, move |client, server| {
            let connection =
                LaneConnection { opened: generations.load(Ordering::SeqCst), generation: Arc::clone(&generations) };
            if let (Ok(client_reader), Ok(server_reader)) = (client.try_clone(), server.try_clone()) {
                let (lane, back) = (Arc::clone(&lane), connection.clone());
                std::thread::spawn(move || lane_pipe(client_reader, server, Some((&*lane, gap)), &connection));
                std::thread::spawn(move || lane_pipe(server_reader, client, None, &back));
            }
        });
        OneLaneProxy { url: listener.url.clone(), generation, _listener: listener }
    }

    /// Drops every connection open now, and whatever it has not passed on yet.
    pub fn cut(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

/// Passes data from `from` to `to`, through `lane` (one chunk at a time, each after `gap`) when
/// there is one, until either side closes or the connection is cut.
fn lane_pipe(
    mut from: TcpStream,
    mut to: TcpStream,
    lane: Option<(&std::sync::Mutex<()>, Duration)>,
    connection: &LaneConnection,
) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let turn = lane.map(|(lane, gap)| {
            let turn = lane.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            std::thread::sleep(gap);
            turn
        });
        if connection.is_cut() {
            let _ = from.shutdown(std::net::Shutdown::Both);
            let _ = to.shutdown(std::net::Shutdown::Both);
            return;
        }
        let written = to.write_all(&buffer[..n]);
        drop(turn);
        if written.is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

impl Drop for OneLaneProxy {
    fn drop(&mut self) {
        // Open connections end with the proxy; the listener stops when its field drops next.
        self.cut();
    }
}
