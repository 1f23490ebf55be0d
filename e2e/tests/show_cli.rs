//! `--show-cli` tells the truth: run with `--show-api` too, every lab prints an AWS CLI command
//! for each kind of AWS call it really made, in the region it made it, and no command for a
//! call it did not make. The commands are rendered from the requests themselves
//! (`common::cli::command_for`), so this also checks that every operation has a renderer.

use e2e::Emulator;
use std::collections::BTreeSet;

/// (service, operation, region) in the CLI's spelling, e.g. ("kms", "create-key", "us-west-2").
type Call = (String, String, String);

/// `CreateKey` → `create-key`.
fn kebab(operation: &str) -> String {
    let mut out = String::new();
    for (index, c) in operation.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The calls in `api: EC2:CreateVolume [ap-northeast-1] ok in 3 ms {…}` lines.
fn api_calls(stderr: &str) -> BTreeSet<Call> {
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix("api: "))
        .filter_map(|line| {
            let (service_operation, rest) = line.split_once(' ')?;
            let (service, operation) = service_operation.split_once(':')?;
            let region = rest.strip_prefix('[')?.split_once(']')?.0;
            Some((service.to_ascii_lowercase(), kebab(operation), region.to_string()))
        })
        .collect()
}

/// The calls in `cli: aws kms create-key --region us-west-2 …` lines.
fn cli_calls(stdout: &str) -> BTreeSet<Call> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("cli: "))
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(words.first(), Some(&"aws"), "not an AWS CLI command: {line}");
            let region = words
                .windows(2)
                .find(|pair| pair[0] == "--region")
                .map(|pair| pair[1].to_string())
                .unwrap_or_else(|| panic!("no --region in: {line}"));
            (words[1].to_string(), words[2].to_string(), region)
        })
        .collect()
}

#[test]
fn every_lab_prints_a_cli_command_for_each_kind_of_call_it_makes() {
    let emulator = Emulator::start();
    for lab in common::manifest::labs().iter().map(|lab| lab.id.as_str()) {
        let (stdout, stderr) = emulator.run_ok(lab, &["--yes", "--show-api", "--show-cli"]);
        let (made, shown) = (api_calls(&stderr), cli_calls(&stdout));
        assert!(made.len() >= 3, "{lab}: too few calls seen; is the API log format the one parsed here?\n{stderr}");
        let not_shown: Vec<&Call> = made.difference(&shown).collect();
        let not_made: Vec<&Call> = shown.difference(&made).collect();
        assert!(
            not_shown.is_empty() && not_made.is_empty(),
            "{lab}: calls made but not shown by --show-cli: {not_shown:?}\nshown but not made: {not_made:?}"
        );
    }
}

#[test]
fn without_the_flag_no_cli_lines_are_printed() {
    let emulator = Emulator::start();
    let (stdout, stderr) = emulator.run_ok("01-keys", &["--yes"]);
    assert!(!stdout.contains("cli: ") && !stderr.contains("cli: "), "{stdout}");
}

#[test]
fn operation_names_become_cli_commands() {
    assert_eq!(kebab("GetEbsEncryptionByDefault"), "get-ebs-encryption-by-default");
    assert_eq!(kebab("CreateKey"), "create-key");
    let calls = cli_calls("cli: aws ec2 describe-snapshots --region us-west-2 --snapshot-ids snap-1\n");
    assert!(calls.contains(&("ec2".into(), "describe-snapshots".into(), "us-west-2".into())));
    let made = api_calls("api: STS:GetCallerIdentity [us-west-2] ok in 3 ms\n");
    assert!(made.contains(&("sts".into(), "get-caller-identity".into(), "us-west-2".into())));
}
