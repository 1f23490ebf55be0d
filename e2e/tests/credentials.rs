//! `--profile NAME` (and `AWS_PROFILE`) means that profile, even with other keys exported: every
//! request of a lab, of status and of cleanup is signed with the profile's access key, seen in the
//! `Authorization` header at a listener in front of the emulator; the banner says where the
//! credentials came from. The profile does what it says (static keys, `credential_process`, a
//! role assumed with a source profile), a profile without credentials stops the run rather than
//! fall back to the exported keys, and without a profile the exported keys sign, as the standard
//! chain says.

use e2e::{lab_process, output_text, Emulator};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The keys a learner has exported (work credentials, say).
const EXPORTED_KEY: &str = "AKIDEXPORTEDWORKKEYS";
/// The keys of the profile `sandbox`.
const PROFILE_KEY: &str = "AKIDSANDBOXPROFILEKEY";
/// The keys the profile `proc` gets from its `credential_process`.
const PROCESS_KEY: &str = "AKIDCREDENTIALPROCESS";

/// A loopback proxy in front of the emulator that notes the access key id of every signed
/// request (`Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request`)
/// and passes everything on unchanged. Stops accepting when dropped.
struct SignatureWitness {
    url: String,
    port: u16,
    keys: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl SignatureWitness {
    fn start(upstream_url: &str) -> SignatureWitness {
        let upstream = upstream_url.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the witness");
        let port = listener.local_addr().expect("witness address").port();
        let (keys, stop) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicBool::new(false)));
        let (noted, stopping) = (Arc::clone(&keys), Arc::clone(&stop));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let (Ok(client), Ok(server)) = (client, TcpStream::connect(&upstream)) else { continue };
                let (Ok(client_reader), Ok(server_reader)) = (client.try_clone(), server.try_clone()) else { continue };
                let noted = Arc::clone(&noted);
                std::thread::spawn(move || pipe(client_reader, server, Some(&noted)));
                std::thread::spawn(move || pipe(server_reader, client, None));
            }
        });
        SignatureWitness { url: format!("http://127.0.0.1:{port}"), port, keys, stop }
    }

    /// The access key ids seen since the last call, in order.
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.keys.lock().unwrap())
    }
}

impl Drop for SignatureWitness {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port)); // wakes the accept loop
    }
}

/// Copies `from` to `to`; with `keys`, notes the access key id of each signature that passes.
fn pipe(mut from: TcpStream, mut to: TcpStream, keys: Option<&Mutex<Vec<String>>>) {
    const MARK: &[u8] = b"Credential=";
    let (mut seen, mut scanned) = (Vec::new(), 0);
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(keys) = keys {
            seen.extend_from_slice(&buffer[..n]);
            // Each mark whose key id is complete (up to its `/`), once; a header cut between two
            // reads is read when the rest arrives.
            while let Some(at) = seen[scanned..].windows(MARK.len()).position(|w| w == MARK) {
                let start = scanned + at + MARK.len();
                let Some(length) = seen[start..].iter().position(|&b| b == b'/') else { break };
                keys.lock().unwrap().push(String::from_utf8_lossy(&seen[start..start + length]).into_owned());
                scanned = start + length;
            }
        }
        if to.write_all(&buffer[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

/// A config and a credentials file in a folder of their own, removed when dropped.
struct ProfileFiles {
    folder: PathBuf,
    config: PathBuf,
    credentials: PathBuf,
}

impl Drop for ProfileFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// A config and a credentials file with the profiles `sandbox` (static keys), `proc`
/// (`credential_process`), `region-only` (no credentials) and `assumer` (a role assumed with
/// `sandbox`'s keys), in a fresh folder.
fn profile_files() -> ProfileFiles {
    // One folder per call: tests run at once, and a file rewritten while read would be empty.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::SeqCst);
    let folder = std::env::temp_dir().join(format!("ebs-kms-labs-credentials-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let config = folder.join("config");
    let process = format!(
        "printf '{{\"Version\": 1, \"AccessKeyId\": \"{PROCESS_KEY}\", \"SecretAccessKey\": \"process-secret\"}}'"
    );
    std::fs::write(
        &config,
        format!(
            "[profile sandbox]\nregion = eu-west-1\n[profile proc]\ncredential_process = {process}\n\
             [profile region-only]\nregion = eu-west-1\n\
             [profile assumer]\nrole_arn = arn:aws:iam::123456789012:role/lab\nsource_profile = sandbox\n"
        ),
    )
    .unwrap();
    let credentials = folder.join("credentials");
    std::fs::write(
        &credentials,
        format!("[sandbox]\naws_access_key_id = {PROFILE_KEY}\naws_secret_access_key = sandbox-secret\n"),
    )
    .unwrap();
    ProfileFiles { folder, config, credentials }
}

/// `id` pointed at `witness`, with keys exported and the profile files in place.
fn lab(witness: &SignatureWitness, files: &ProfileFiles, id: &str) -> Command {
    let mut command = lab_process(id);
    command
        .env("AWS_ENDPOINT_URL", &witness.url)
        .env("AWS_ACCESS_KEY_ID", EXPORTED_KEY)
        .env("AWS_SECRET_ACCESS_KEY", "exported-secret")
        .env("AWS_CONFIG_FILE", &files.config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &files.credentials);
    command
}

/// Runs `command` (which must succeed); returns its stdout and the access key ids that signed its
/// requests.
fn signed_by(witness: &SignatureWitness, command: &mut Command, what: &str) -> (String, Vec<String>) {
    witness.take();
    let output = command.output().expect("run the lab");
    let (stdout, stderr) = output_text(&output);
    assert!(output.status.success(), "{what} failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    (stdout, witness.take())
}

/// Every request was signed, and with `key` alone.
fn assert_all_signed_with(keys: &[String], key: &str, what: &str) {
    assert!(!keys.is_empty(), "{what}: no signed request was seen");
    let others: Vec<&String> = keys.iter().filter(|seen| *seen != key).collect();
    assert!(others.is_empty(), "{what}: requests signed with {others:?}, not only {key}");
}

#[test]
fn an_explicit_profile_signs_every_request_of_a_lab_status_and_cleanup_despite_exported_keys() {
    let emulator = Emulator::start();
    let witness = SignatureWitness::start(&emulator.url);
    let files = profile_files();

    let (stdout, keys) =
        signed_by(&witness, lab(&witness, &files, "01-keys").args(["--profile", "sandbox", "--yes"]), "01-keys");
    assert_all_signed_with(&keys, PROFILE_KEY, "01-keys --profile sandbox");
    assert!(stdout.contains("Credentials: profile sandbox (access keys), account 123456789012"), "{stdout}");

    let (stdout, keys) = signed_by(&witness, lab(&witness, &files, "status").args(["--profile", "sandbox"]), "status");
    assert_all_signed_with(&keys, PROFILE_KEY, "status --profile sandbox");
    assert!(stdout.contains("Credentials: profile sandbox (access keys)"), "{stdout}");

    let (stdout, keys) = signed_by(
        &witness,
        lab(&witness, &files, "05-cleanup").args(["--profile", "sandbox", "--yes", "--lang", "ja"]),
        "05-cleanup",
    );
    assert_all_signed_with(&keys, PROFILE_KEY, "05-cleanup --profile sandbox");
    assert!(stdout.contains("認証情報: プロファイル sandbox (アクセスキー)、アカウント 123456789012"), "{stdout}");
}

#[test]
fn aws_profile_means_that_profile_too_and_without_one_the_exported_keys_sign() {
    let emulator = Emulator::start();
    let witness = SignatureWitness::start(&emulator.url);
    let files = profile_files();

    let (stdout, keys) = signed_by(
        &witness,
        lab(&witness, &files, "01-keys").env("AWS_PROFILE", "sandbox").args(["--dry-run"]),
        "01-keys with AWS_PROFILE",
    );
    assert_all_signed_with(&keys, PROFILE_KEY, "01-keys with AWS_PROFILE=sandbox");
    assert!(stdout.contains("Credentials: profile sandbox (access keys)"), "{stdout}");

    let (_, keys) =
        signed_by(&witness, lab(&witness, &files, "status").env("AWS_PROFILE", "sandbox"), "status with AWS_PROFILE");
    assert_all_signed_with(&keys, PROFILE_KEY, "status with AWS_PROFILE=sandbox");

    // --profile wins over AWS_PROFILE, as it does for the AWS CLI.
    let (stdout, keys) = signed_by(
        &witness,
        lab(&witness, &files, "status").env("AWS_PROFILE", "sandbox").args(["--profile", "proc"]),
        "status --profile proc",
    );
    assert_all_signed_with(&keys, PROCESS_KEY, "status --profile proc (credential_process)");
    assert!(stdout.contains("Credentials: profile proc (credential_process)"), "{stdout}");

    let (stdout, keys) = signed_by(&witness, &mut lab(&witness, &files, "status"), "status without a profile");
    assert_all_signed_with(&keys, EXPORTED_KEY, "status without a profile");
    assert!(stdout.contains("Credentials: environment variables (AWS_ACCESS_KEY_ID)"), "{stdout}");
}

#[test]
fn a_named_profile_without_credentials_stops_the_run_instead_of_falling_back_to_exported_keys() {
    let emulator = Emulator::start();
    let witness = SignatureWitness::start(&emulator.url);
    let files = profile_files();
    for (how, command) in [
        ("--profile", lab(&witness, &files, "01-keys").args(["--profile", "region-only", "--yes"])),
        ("AWS_PROFILE", lab(&witness, &files, "01-keys").env("AWS_PROFILE", "region-only").arg("--yes")),
    ] {
        witness.take();
        let output = command.output().expect("run the lab");
        let (stdout, stderr) = output_text(&output);
        assert_eq!(output.status.code(), Some(3), "{how}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        assert!(stderr.contains("profile 'region-only' gave none"), "{how}: {stderr}");
        assert!(stderr.contains("exported AWS_ACCESS_KEY_ID keys are not used"), "{how}: {stderr}");
        assert_eq!(witness.take(), Vec::<String>::new(), "{how}: nothing was signed with the exported keys");
    }
}

#[test]
fn a_profile_that_assumes_a_role_signs_with_the_roles_session_keys_got_with_its_source_profile() {
    let emulator = Emulator::start();
    let witness = SignatureWitness::start(&emulator.url);
    let files = profile_files();
    let (stdout, keys) =
        signed_by(&witness, lab(&witness, &files, "status").args(["--profile", "assumer"]), "status --profile assumer");
    assert!(stdout.contains("Credentials: profile assumer (assumed role), account 123456789012"), "{stdout}");
    // sts:AssumeRole is signed with the source profile's keys, every other request with the
    // session keys the emulator's STS gave (temporary keys start with ASIA); never the exported ones.
    assert!(keys.iter().any(|key| key == PROFILE_KEY), "AssumeRole with the source profile's keys: {keys:?}");
    let session: Vec<&String> = keys.iter().filter(|key| *key != PROFILE_KEY).collect();
    assert!(!session.is_empty() && session.iter().all(|key| key.starts_with("ASIA")), "{keys:?}");
}
