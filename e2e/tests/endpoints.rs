//! Where requests go: the emulator only when every client is on loopback and answers as moto.

use e2e::{lab_command, output_text, Emulator, HiddenMotoProxy, OREGON, TOKYO};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// An AWS config file with `text`, private to this test process and `name`.
fn config_file(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("ebs-kms-labs-e2e-{}-{name}.config", std::process::id()));
    std::fs::write(&path, text).expect("write the AWS config file");
    path
}

/// The calls of a `--show-api` trace (`api: …` lines on stderr).
fn api_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|line| line.starts_with("api: ")).collect()
}

/// The `cli:` lines of `--show-cli`.
fn cli_lines(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|line| line.starts_with("cli: ")).collect()
}

/// Whether `line` has `flag value` as two words.
fn has_option(line: &str, flag: &str, value: &str) -> bool {
    line.split_whitespace().collect::<Vec<_>>().windows(2).any(|pair| pair == [flag, value])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_split_between_the_emulator_and_elsewhere_is_refused_before_any_call() {
    let emulator = Emulator::start();
    // A second place on this machine, bound for the whole test so that nothing else takes it.
    let second = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let second = format!("http://127.0.0.1:{}", second.local_addr().unwrap().port());
    // EC2 and STS on the emulator (AWS_ENDPOINT_URL), KMS elsewhere by its own variable.
    for elsewhere in ["http://192.0.2.1:9", second.as_str()] {
        let output = emulator
            .lab("01-keys")
            .env("AWS_ENDPOINT_URL_KMS", elsewhere)
            .args(["--yes", "--show-api"])
            .output()
            .unwrap();
        let (stdout, stderr) = output_text(&output);
        assert_eq!(output.status.code(), Some(2), "{elsewhere}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        assert!(stderr.contains(&format!("KMS → {elsewhere}")), "{stderr}");
        assert!(stderr.contains(&format!("EC2 → {} (this machine)", emulator.url)), "{stderr}");
        assert!(stderr.contains(&format!("STS → {} (this machine)", emulator.url)), "{stderr}");
        assert!(stderr.contains("unset AWS_ENDPOINT_URL_KMS"), "the fix is named: {stderr}");
        assert!(api_lines(&stderr).is_empty(), "no AWS call is made: {stderr}");
        assert!(!stdout.contains("Local emulator") && !stdout.contains("free"), "{stdout}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // The same from the profile alone (the environment would win over it): the emulator for
    // every service, KMS elsewhere by its entry in the profile's `services` section.
    let config = config_file(
        "split",
        &format!(
            "[profile lab]\nendpoint_url = {}\nservices = split\n[services split]\nkms =\n  endpoint_url = http://192.0.2.1:9\n",
            emulator.url
        ),
    );
    let output = lab_command("01-keys")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .args(["--profile", "lab", "--yes", "--show-api"])
        .output()
        .unwrap();
    let (_, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("KMS → http://192.0.2.1:9") && api_lines(&stderr).is_empty(), "{stderr}");
    let _ = std::fs::remove_file(config);
    // The emulator got no CreateKey: it holds no key at all.
    for region in [TOKYO, OREGON] {
        let kms = emulator.clients(region).await.kms;
        let keys = kms.list_keys().send().await.expect("ListKeys");
        assert!(keys.keys().is_empty(), "keys were made in {region}: {:?}", keys.keys());
    }
}

#[test]
fn an_endpoint_on_this_machine_that_is_not_moto_is_not_called_the_emulator() {
    let emulator = Emulator::start();
    let (stdout, _) = emulator.run_ok("01-keys", &["--dry-run"]);
    assert!(stdout.contains("Local emulator") && stdout.contains("free (emulator)"), "the emulator itself:\n{stdout}");
    // The same server behind a proxy that hides moto's own API: AWS's APIs answer, moto does not.
    let proxy = HiddenMotoProxy::start(&emulator.url);
    let output = lab_command("01-keys")
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .arg("--dry-run")
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&output);
    assert!(output.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!stdout.contains("Local emulator") && !stdout.contains("free (emulator)"), "{stdout}");
    assert!(stdout.contains(&format!("Endpoint {} (not the local emulator", proxy.url)), "{stdout}");
    assert!(stdout.contains("may cost money") && stdout.contains("/month"), "costs are shown:\n{stdout}");
}

#[test]
fn show_cli_lines_carry_the_endpoint_and_the_profile_of_the_run() {
    let emulator = Emulator::start();
    let (stdout, _) = emulator.run_ok("01-keys", &["--yes", "--show-cli"]);
    let lines = cli_lines(&stdout);
    assert!(lines.len() >= 3, "{stdout}");
    for line in lines {
        assert!(has_option(line, "--endpoint-url", &emulator.url), "{line}");
        assert!(!line.contains("--profile"), "no profile was used: {line}");
    }
    // The endpoint from a profile, with --profile: both on every line, and the profile in "Next:".
    let config = config_file(
        "profile",
        &format!(
            "[profile lab]\nendpoint_url = {}\naws_access_key_id = test\naws_secret_access_key = test\n",
            emulator.url
        ),
    );
    let output = lab_command("01-keys")
        .env("AWS_CONFIG_FILE", &config)
        .args(["--profile", "lab", "--yes", "--show-cli"])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(config);
    let (stdout, stderr) = output_text(&output);
    assert!(output.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("Local emulator"), "{stdout}");
    let lines = cli_lines(&stdout);
    assert!(lines.len() >= 3, "{stdout}");
    for line in lines {
        assert!(has_option(line, "--profile", "lab") && has_option(line, "--endpoint-url", &emulator.url), "{line}");
    }
    assert!(stdout.contains("Next: cargo run --bin 02-volumes -- --profile lab"), "{stdout}");
}

#[test]
fn an_argument_that_is_not_utf8_is_a_usage_error_not_a_panic() {
    let invalid = OsStr::from_bytes(b"caf\xe9");
    let cases: [(&str, Vec<&OsStr>); 4] = [
        ("01-keys", vec![OsStr::new("--name-prefix"), invalid]),
        ("01-keys", vec![invalid]),
        ("01-keys", vec![OsStr::new("--lang"), invalid]),
        ("quiz", vec![invalid]),
    ];
    for (binary, args) in cases {
        // No endpoint and no credentials: the arguments are refused before anything else.
        let output = lab_command(binary).args(&args).output().unwrap();
        let (stdout, stderr) = output_text(&output);
        assert_eq!(output.status.code(), Some(2), "{binary} {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        assert!(stderr.contains("error"), "{binary} {args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{binary} {args:?}: {stderr}");
    }
}

#[test]
fn an_empty_endpoint_is_refused_not_a_panic() {
    // The SDK ignores an empty AWS_ENDPOINT_URL for its global endpoint but hands it to every
    // client as that client's endpoint, and panics on it.
    let output = lab_command("01-keys")
        .env("AWS_ENDPOINT_URL", "")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .arg("--dry-run")
        .output()
        .unwrap();
    let (stdout, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(2), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("is not a URL") && stderr.contains("unset AWS_ENDPOINT_URL"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
