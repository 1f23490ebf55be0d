//! Regions the built-in table does not know yet: a well-formed code that the account's EC2
//! `DescribeRegions` lists, enabled, is used (shown by its code, no city; aliases named with the
//! code), one that is not opted in is refused with how to opt in, one the account does not have
//! is refused naming the codes that look like it; nothing is created by a refused run, and the
//! table's regions cost no extra call.
//!
//! The emulator knows no region that the table does not, so the lab forgets one of the table's
//! regions for these runs (`EBS_LABS_TEST_UNLISTED_REGIONS`, tests only; it only takes regions
//! out of the table): eu-west-3, which the emulator lists as enabled, and ap-southeast-7, which it
//! lists as `not-opted-in`.

use e2e::{describe, output_text, Emulator, OREGON, TOKYO};

const FORGET: &str = "EBS_LABS_TEST_UNLISTED_REGIONS";

/// A lab run against `emulator` whose region table has forgotten `forgotten`; (exit code,
/// stdout, stderr).
fn run(emulator: &Emulator, forgotten: &str, lab: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let output = emulator.lab(lab).env(FORGET, forgotten).args(args).output().expect("run the lab");
    let (stdout, stderr) = output_text(&output);
    (output.status.code(), stdout, stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_enabled_region_the_table_does_not_know_runs_the_course_shown_by_its_code() {
    let emulator = Emulator::start();
    let (unlisted, flags) = ("eu-west-3", ["--dest-region", "eu-west-3", "--yes"]);
    let (code, stdout, stderr) =
        run(&emulator, unlisted, "01-keys", &[&flags[..], &["--show-api", "--show-cli"]].concat());
    assert_eq!(code, Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("Destination region: eu-west-3\n"), "shown by its code alone:\n{stdout}");
    assert!(!stdout.contains("Paris"), "no city for a region the table does not know:\n{stdout}");
    assert!(stderr.contains("api: EC2:DescribeRegions"), "the account was asked:\n{stderr}");
    let twin = stdout.lines().find(|line| line.starts_with("cli: aws ec2 describe-regions --region ap-northeast-1"));
    assert!(twin.is_some_and(|line| line.ends_with("--all-regions")), "the CLI twin of the check:\n{stdout}");
    assert!(stdout.contains("Next: cargo run --bin 02-volumes -- --dest-region eu-west-3"), "{stdout}");
    let paris = emulator.clients(unlisted).await;
    for alias in ["alias/Single-region-key-eu-west-3", "alias/Multi-region-key-rep-eu-west-3"] {
        describe::key(&paris.kms, alias).await;
    }
    for lab in ["02-volumes", "03-snapshots", "04-copy"] {
        let (code, stdout, stderr) = run(&emulator, unlisted, lab, &flags);
        assert_eq!(code, Some(0), "{lab}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    }
    assert_eq!(describe::lab_snapshots(&paris.ec2).await.len(), 3, "the copies are in eu-west-3");
    let (code, stdout, stderr) = run(&emulator, unlisted, "status", &flags[..2]);
    assert_eq!(code, Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let (code, stdout, stderr) = run(&emulator, unlisted, "05-cleanup", &flags);
    assert_eq!(code, Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(describe::lab_snapshots(&paris.ec2).await.is_empty(), "cleanup found the copies");
    assert!(describe::lab_volumes(&emulator.clients(TOKYO).await.ec2).await.is_empty());
}

#[test]
fn regions_of_the_table_cost_no_extra_call() {
    let emulator = Emulator::start();
    let (code, _, stderr) = run(&emulator, "", "01-keys", &["--dest-region", "eu-west-3", "--dry-run", "--show-api"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("DescribeRegions"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_not_opted_in_is_refused_with_how_to_opt_in_and_nothing_is_made() {
    let emulator = Emulator::start();
    let (code, stdout, stderr) =
        run(&emulator, "ap-southeast-7", "01-keys", &["--dest-region", "ap-southeast-7", "--yes"]);
    assert_eq!(code, Some(5), "a refusal\nstdout:\n{stdout}\nstderr:\n{stderr}");
    for expected in [
        "the region ap-southeast-7 is not enabled for this account (DescribeRegions says not-opted-in)",
        "Nothing was created",
        "aws account enable-region --region-name ap-southeast-7",
        "Account → AWS Regions",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in:\n{stderr}");
    }
    let (code, _, stderr) =
        run(&emulator, "ap-southeast-7", "01-keys", &["--dest-region", "ap-southeast-7", "--yes", "--lang", "ja"]);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(stderr.contains("リージョン ap-southeast-7 はこのアカウントで有効になっていません"), "{stderr}");
    let tokyo = emulator.clients(TOKYO).await;
    assert!(describe::lab_keys(&tokyo.kms, TOKYO).await.is_empty(), "nothing was created");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_the_account_does_not_have_is_refused_naming_the_codes_like_it() {
    let emulator = Emulator::start();
    let (code, stdout, stderr) = run(&emulator, "", "01-keys", &["--source-region", "ap-northeast-9", "--yes"]);
    assert_eq!(code, Some(5), "a refusal\nstdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stderr.contains("ap-northeast-9 is not a region of this account: EC2 DescribeRegions does not list it"),
        "{stderr}"
    );
    assert!(stderr.contains("ap-northeast-1, ap-northeast-2, ap-northeast-3"), "{stderr}");
    let oregon = emulator.clients(OREGON).await;
    assert!(describe::lab_keys(&oregon.kms, OREGON).await.is_empty(), "nothing was created");
}
