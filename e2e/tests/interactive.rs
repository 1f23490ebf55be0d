//! The interactive path through the UI seam: a scripted learner answers 04-copy's prompts.

use clap::Parser;
use common::args::OutputFormat;
use common::ui::{Answer, Ui};
use e2e::{describe, Emulator, OREGON};

#[tokio::test(flavor = "multi_thread")]
async fn a_learner_picks_a_destination_key_per_snapshot_and_confirms() {
    let emulator = Emulator::start();
    for lab in ["01-keys", "02-volumes", "03-snapshots"] {
        emulator.run_ok(lab, &["--yes"]);
    }
    // Options are listed aws/ebs, single-region, multi-region: the learner crosses two pairs.
    let answers = vec![Answer::Pick(1), Answer::Pick(0), Answer::Pick(2), Answer::Yes];
    let (ui, out, _) = Ui::scripted(OutputFormat::Table, false, answers);
    let args = lab04_copy::Args::try_parse_from(["04-copy"]).unwrap();
    let ctx = emulator.context("04-copy", args.common.clone(), ui).await;
    lab04_copy::run(ctx, args).await.expect("04-copy with scripted answers");

    let text = out.text();
    assert!(text.contains("✓ All 3 checks passed"), "{text}");
    let oregon = emulator.clients(OREGON).await;
    let arn = |alias: &'static str| describe::key_arn(&oregon.kms, alias);
    let (aws_ebs, single, replica) = (
        arn("alias/aws/ebs").await,
        arn("alias/Single-region-key-oregon").await,
        arn("alias/Multi-region-key-rep-oregon").await,
    );
    let copies = oregon.ec2.describe_snapshots().owner_ids("self").send().await.unwrap().snapshots.unwrap_or_default();
    let key_of = |name_start: &str| {
        copies
            .iter()
            .find(|c| {
                c.tags().iter().any(|t| t.key() == Some("Name") && t.value().is_some_and(|v| v.starts_with(name_start)))
            })
            .and_then(|c| c.kms_key_id())
            .map(str::to_string)
    };
    assert_eq!(key_of("snap-EBS-encrypted-with-default-key-copy-"), Some(single));
    assert_eq!(key_of("snap-EBS-encrypted-with-Single-region-key-copy-"), Some(aws_ebs));
    assert_eq!(key_of("snap-EBS-encrypted-with-Multi-region-key-copy-"), Some(replica));
}

#[tokio::test(flavor = "multi_thread")]
async fn declining_the_confirmation_creates_nothing() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    // 02-volumes through the same seam: the learner answers "no" to its confirmation.
    let (ui, out, _) = Ui::scripted(OutputFormat::Table, false, vec![Answer::No]);
    let args = lab02_volumes::Args::try_parse_from(["02-volumes"]).unwrap();
    let ctx = emulator.context("02-volumes", args.common.clone(), ui).await;
    lab02_volumes::run(ctx, args).await.expect("declining is not an error");
    assert!(out.text().contains("Nothing was changed."), "{}", out.text());
    let tokyo = emulator.clients(e2e::TOKYO).await;
    let volumes = tokyo.ec2.describe_volumes().send().await.unwrap().volumes.unwrap_or_default();
    assert!(volumes.is_empty());
}

/// `--yourself` through the seam: the learner stops at the first question without doing the step.
/// Stopping does not pass it: the table of where it stands is shown, the command that goes on is
/// given, the exit is "verification failed" (4), and nothing was made.
#[tokio::test(flavor = "multi_thread")]
async fn stopping_the_yourself_loop_shows_where_the_step_stands_and_does_not_pass_it() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    let (ui, out, _) = Ui::scripted(OutputFormat::Table, false, vec![Answer::No]);
    let args = lab02_volumes::Args::try_parse_from(["02-volumes", "--yourself"]).unwrap();
    let ctx = emulator.context("02-volumes", args.common.clone(), ui).await;
    let error = lab02_volumes::run(ctx, args).await.expect_err("stopping is not passing");
    assert_eq!(common::errors::exit_status_for(&error), common::ExitStatus::VerificationFailed, "{error:#}");

    let text = out.text();
    assert!(text.contains("## Do it yourself") && text.contains("aws ec2 create-volume"), "the page's steps:\n{text}");
    assert!(text.contains("no volume named EBS-encrypted-with-default-key"), "where it stands:\n{text}");
    assert!(text.contains("To go on later: cargo run --bin 02-volumes -- --yourself"), "{text}");
    let tokyo = emulator.clients(e2e::TOKYO).await;
    assert!(describe::lab_volumes(&tokyo.ec2).await.is_empty(), "stopping made something");
}

/// `--yourself` waits for a person: with no terminal it refuses like any prompt (exit 2, pointing
/// to `--check`), `--yes` cannot stand in for the person, and nothing is made either way.
#[test]
fn yourself_without_a_terminal_refuses_and_yes_cannot_answer_for_the_learner() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    let output = emulator.lab("02-volumes").arg("--yourself").output().unwrap();
    let (stdout, stderr) = e2e::output_text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("--yourself waits for you at a terminal") && stderr.contains("--check"), "{stderr}");
    let output = emulator.lab("02-volumes").args(["--yourself", "--yes"]).output().unwrap();
    let (_, stderr) = e2e::output_text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot be used with"), "clap refuses the pair: {stderr}");
    let volumes = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let tokyo = emulator.clients(e2e::TOKYO).await;
        tokyo.ec2.describe_volumes().send().await.unwrap().volumes.unwrap_or_default()
    });
    assert!(volumes.is_empty(), "a refused --yourself made volumes: {volumes:?}");
}
