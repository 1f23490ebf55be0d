//! No secret is ever printed: every lab and the status tool, at the most verbose level and with
//! the API log on, with
//! known dummy credentials; neither the secret key nor the session token may appear.

use e2e::{output_text, Emulator};

const ACCESS_KEY: &str = "AKIAEBSKMSLABSTEST01";
const SECRET: &str = "Secret/NotForPrinting+ebs-kms-labs-0123456789";
const SESSION_TOKEN: &str = "SessionTokenNotForPrinting-ebs-kms-labs-9876543210";

#[test]
fn no_lab_prints_the_secret_key_or_session_token_even_with_debug_logs() {
    let emulator = Emulator::start();
    let runs: [(&str, &[&str]); 8] = [
        ("01-keys", &["--yes", "-vv", "--show-api"]),
        ("02-volumes", &["--yes", "-vv", "--show-api"]),
        ("03-snapshots", &["--yes", "-vv", "--show-api"]),
        ("04-copy", &["--yes", "-vv", "--show-api", "--output", "json"]),
        ("status", &["-vv", "--show-api"]),
        ("03-snapshots", &["--undo", "--yes", "-vv", "--show-api"]),
        ("05-cleanup", &["--yes", "-vv", "--show-api"]),
        ("01-keys", &["--no-such-flag"]),
    ];
    for (lab, args) in runs {
        let output = emulator
            .lab(lab)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
            .args(args)
            .output()
            .unwrap();
        let (stdout, stderr) = output_text(&output);
        for secret in [SECRET, SESSION_TOKEN] {
            assert!(!stdout.contains(secret) && !stderr.contains(secret), "{lab} {args:?} printed a secret");
        }
        if args.contains(&"-vv") {
            assert!(output.status.success(), "{lab} {args:?}: {stderr}");
            assert!(stderr.lines().count() > 10, "{lab}: -vv should log in detail (is logging on at all?)");
        }
    }
}
