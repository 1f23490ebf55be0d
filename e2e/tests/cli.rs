//! Bad arguments and a broken environment: one clear message, the right exit code, nothing made.

use e2e::{lab_command, output_text, Emulator};

#[test]
fn bad_arguments_exit_2_with_a_message_naming_the_problem() {
    let cases: &[(&[&str], &str)] = &[
        (&["--source-region", "tokyo"], "'tokyo' is not a region code"),
        (&["--dest-region", "ap-northeast-1"], "must differ from --source-region"),
        (&["--dest-region", "us-gov-west-1"], "separate AWS partition"),
        (&["--name-prefix", "a b"], "' ' is not allowed in a name prefix"),
        (&["--name-prefix", "aws-"], "a prefix may not start with 'aws'"),
        (&["--output", "xml"], "invalid value 'xml'"),
        (&["--max-wait-minutes", "0"], "--max-wait-minutes"),
        (&["--no-such-flag"], "unexpected argument"),
    ];
    for (args, expected) in cases {
        // No endpoint and no credentials: argument errors must come before any AWS call.
        let output = lab_command("01-keys").args(*args).output().unwrap();
        let (stdout, stderr) = output_text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        assert!(stderr.contains(expected), "{args:?}: expected {expected:?} in:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn help_describes_the_lab_and_its_flags() {
    let output = lab_command("01-keys").arg("--help").output().unwrap();
    let (stdout, _) = output_text(&output);
    assert!(output.status.success());
    for flag in ["--source-region", "--dest-region", "--profile", "--yes", "--dry-run", "--output", "--name-prefix"] {
        assert!(stdout.contains(flag), "{flag} missing from --help:\n{stdout}");
    }
}

#[test]
fn an_endpoint_that_refuses_connections_says_how_to_start_the_emulator() {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let output = lab_command("01-keys")
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{closed_port}"))
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .arg("--yes")
        .output()
        .unwrap();
    let (_, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("could not reach the endpoint"), "{stderr}");
    assert!(stderr.contains("scripts/emulator.sh start"), "{stderr}");
}

#[test]
fn missing_credentials_explain_both_ways_forward() {
    let emulator = Emulator::start();
    let output = lab_command("01-keys").env("AWS_ENDPOINT_URL", &emulator.url).arg("--yes").output().unwrap();
    let (_, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("could not load AWS credentials"), "{stderr}");
    assert!(stderr.contains("aws configure"), "{stderr}");
    assert!(stderr.contains("scripts/walkthrough.sh"), "{stderr}");
}

#[test]
fn a_profile_that_does_not_exist_is_named_in_the_error() {
    let output = lab_command("01-keys").args(["--profile", "no-such-profile", "--yes"]).output().unwrap();
    let (_, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("profile 'no-such-profile'"), "{stderr}");
}

#[test]
fn an_unknown_availability_zone_is_refused_before_anything_is_created() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    let output = emulator.lab("02-volumes").args(["--yes", "--az", "ap-northeast-1z"]).output().unwrap();
    let (_, stderr) = output_text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--az ap-northeast-1z is not an available zone"), "{stderr}");
    assert!(stderr.contains("ap-northeast-1a"), "the message lists the zones: {stderr}");
    let (status, _) = emulator.run_ok("status", &[]);
    assert!(status.contains("Next: cargo run --bin 02-volumes"), "no volume was made:\n{status}");
}
