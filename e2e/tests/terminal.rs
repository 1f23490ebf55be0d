//! A real terminal: 04-copy in a pseudo-terminal, the learner moving through the key choice with
//! the arrow keys and confirming, as a person would.

use e2e::{describe, Emulator, OREGON};
use rexpect::session::{spawn_with_options, Options};
use std::process::Stdio;

#[tokio::test(flavor = "multi_thread")]
async fn in_a_terminal_the_learner_picks_another_destination_key_with_the_arrow_keys() {
    let emulator = Emulator::start();
    for lab in ["01-keys", "02-volumes", "03-snapshots"] {
        emulator.run_ok(lab, &["--yes"]);
    }
    let mut command = emulator.lab_process_via(&emulator.url, "04-copy");
    // The pseudo-terminal becomes stdin, stdout and stderr.
    command.stdin(Stdio::inherit()).stdout(Stdio::inherit()).stderr(Stdio::inherit()).env("TERM", "xterm");
    let options = Options::new().timeout_ms(Some(60_000)).strip_ansi_escape_codes(true);
    let mut terminal = spawn_with_options(command, options).expect("start 04-copy in a pseudo-terminal");

    // inquire draws each choice with this help line; the prompt may wrap at 80 columns.
    let ready = "to move, enter to select";
    // Keys typed before the prompt reads them could be flushed when it sets up the terminal:
    // type like a person, a moment after the prompt appears.
    let pause = || std::thread::sleep(std::time::Duration::from_millis(300));
    terminal.exp_string(ready).expect("first choice: the default-key snapshot");
    pause();
    type_keys(&mut terminal, "\x1b[B"); // arrow down: from aws/ebs to Single-region-key-oregon
    type_keys(&mut terminal, "\r");
    let answered = terminal.exp_string(ready).expect("second choice");
    assert!(
        answered.contains("Single-region-key-oregon (customer managed, single-region)"),
        "the screen shows the choice:\n{answered}"
    );
    pause();
    type_keys(&mut terminal, "\r"); // keep the default
    terminal.exp_string(ready).expect("third choice");
    pause();
    type_keys(&mut terminal, "\r");
    terminal.exp_string("(y/N)").expect("the confirmation");
    pause();
    type_keys(&mut terminal, "y");
    type_keys(&mut terminal, "\r");
    let screen = terminal.exp_string("All 3 checks passed").expect("the verification table");
    assert!(screen.contains("The lab's copies in Oregon"), "{screen}");
    terminal.exp_eof().expect("the lab ends");

    let oregon = emulator.clients(OREGON).await;
    let single_arn = describe::key_arn(&oregon.kms, "alias/Single-region-key-oregon").await;
    let copies = oregon.ec2.describe_snapshots().owner_ids("self").send().await.unwrap().snapshots.unwrap_or_default();
    let chosen = copies.iter().find(|c| {
        c.tags().iter().any(|t| t.value().is_some_and(|v| v.starts_with("snap-EBS-encrypted-with-default-key-copy-")))
    });
    assert_eq!(chosen.and_then(|c| c.kms_key_id()), Some(single_arn.as_str()));
}

/// Sends keys to the terminal now (rexpect buffers what it sends until flushed).
fn type_keys(terminal: &mut rexpect::session::PtySession, keys: &str) {
    terminal.send(keys).expect("type into the terminal");
    terminal.flush().expect("flush the keys");
}
