//! Ctrl-C and Esc at a prompt, in a pseudo-terminal, in both languages: Ctrl-C at a confirmation
//! or a choice ends the run with exit code 130, says that nothing was changed and prints the
//! command that resumes; Esc at a yes/no question is "no", Esc at a choice backs out: nothing is
//! changed, exit code 0, and it is said. Each run is checked against what the emulator holds.

use e2e::{describe, Emulator, OREGON, TOKYO};
use rexpect::process::WaitStatus;
use rexpect::session::{spawn_with_options, Options, PtySession};
use std::process::Stdio;
use std::time::Duration;

/// Ctrl-C and Esc as a terminal sends them.
const CTRL_C: &str = "\x03";
const ESC: &str = "\x1b";

/// `lab` with `args` in a pseudo-terminal (stdin, stdout and stderr), against `emulator`.
fn in_terminal(emulator: &Emulator, lab: &str, args: &[&str]) -> PtySession {
    let mut command = emulator.lab_process_via(&emulator.url, lab);
    command.args(args).stdin(Stdio::inherit()).stdout(Stdio::inherit()).stderr(Stdio::inherit()).env("TERM", "xterm");
    let options = Options::new().timeout_ms(Some(60_000)).strip_ansi_escape_codes(true);
    spawn_with_options(command, options).expect("start the lab in a pseudo-terminal")
}

/// Waits for `prompt` on the screen, then types `keys` a moment later, as a person would (keys
/// typed before the prompt reads them could be flushed when it sets up the terminal).
fn answer(terminal: &mut PtySession, prompt: &str, keys: &str) {
    terminal.exp_string(prompt).unwrap_or_else(|error| panic!("waiting for {prompt:?}: {error}"));
    std::thread::sleep(Duration::from_millis(300));
    terminal.send(keys).expect("type into the terminal");
    terminal.flush().expect("flush the keys");
}

/// Everything the lab prints until it ends, and its exit code.
fn until_exit(terminal: &mut PtySession) -> (String, i32) {
    let screen = utf8(&terminal.exp_eof().expect("the lab ends"));
    match terminal.process().wait().expect("the lab's exit status") {
        WaitStatus::Exited(_, code) => (screen, code),
        other => panic!("the lab did not exit normally: {other:?}\n{screen}"),
    }
}

/// The screen as UTF-8: rexpect reads each byte as one `char`.
fn utf8(screen: &str) -> String {
    let bytes: Vec<u8> = screen.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The lab's keys in Tokyo: none may have been made.
async fn assert_no_keys(emulator: &Emulator, context: &str) {
    let tokyo = emulator.clients(TOKYO).await;
    let keys = describe::lab_keys(&tokyo.kms, TOKYO).await;
    assert!(keys.is_empty(), "{context}: keys were made: {keys:?}");
}

/// Ctrl-C, then Esc, at 01-keys's confirmation, in `lang`; `expected` are the texts each must show.
async fn ctrl_c_and_esc_at_the_confirmation(lang: &str, stopped: [&str; 3], declined: &str) {
    let emulator = Emulator::start();
    let mut terminal = in_terminal(&emulator, "01-keys", &["--lang", lang]);
    answer(&mut terminal, "(y/N)", CTRL_C);
    let (screen, code) = until_exit(&mut terminal);
    assert_eq!(code, 130, "Ctrl-C at the confirmation exits 130, as Ctrl-C anywhere:\n{screen}");
    for text in stopped {
        assert!(screen.contains(text), "{text:?} after Ctrl-C at the confirmation:\n{screen}");
    }
    assert!(!screen.contains("Operation was interrupted"), "inquire's own English stays out:\n{screen}");
    assert_no_keys(&emulator, "Ctrl-C at the confirmation").await;

    let mut terminal = in_terminal(&emulator, "01-keys", &["--lang", lang]);
    answer(&mut terminal, "(y/N)", ESC);
    let (screen, code) = until_exit(&mut terminal);
    assert_eq!(code, 0, "Esc at a yes/no question is no:\n{screen}");
    assert!(screen.contains(declined), "{declined:?} after Esc at the confirmation:\n{screen}");
    assert!(!screen.contains("Operation was canceled"), "inquire's own English stays out:\n{screen}");
    assert_no_keys(&emulator, "Esc at the confirmation").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_at_a_confirmation_exits_130_with_the_resume_command_and_esc_means_no() {
    ctrl_c_and_esc_at_the_confirmation(
        "en",
        [
            "Stopped at the question (Ctrl-C): this run changed nothing.",
            "To resume: cargo run --bin 01-keys",
            "To remove what the labs made so far instead: cargo run --bin 05-cleanup",
        ],
        "Nothing was changed.",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_and_esc_at_a_confirmation_speak_japanese_when_asked() {
    ctrl_c_and_esc_at_the_confirmation(
        "ja",
        [
            "質問の途中で中断しました (Ctrl-C)。この実行では何も変更していません。",
            "再開するには: cargo run --bin 01-keys -- --lang ja",
            "ここまでにラボが作成したものを削除するには: cargo run --bin 05-cleanup -- --lang ja",
        ],
        "何も変更しませんでした。",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn at_a_choice_esc_backs_out_with_exit_0_and_ctrl_c_exits_130_in_either_language() {
    let emulator = Emulator::start();
    for lab in ["01-keys", "02-volumes", "03-snapshots"] {
        emulator.run_ok(lab, &["--yes"]);
    }
    // inquire draws each choice with this help line, in the learner's language (as rexpect reads
    // it: a `char` a byte).
    let choice = "to move, enter to select";
    let choice_ja: String = "で移動、Enter で選択".bytes().map(char::from).collect();

    let mut terminal = in_terminal(&emulator, "04-copy", &[]);
    answer(&mut terminal, choice, ESC);
    let (screen, code) = until_exit(&mut terminal);
    assert_eq!(code, 0, "Esc at a choice backs out:\n{screen}");
    assert!(screen.contains("Nothing was changed (Esc)."), "{screen}");

    let mut terminal = in_terminal(&emulator, "04-copy", &["--lang", "ja"]);
    answer(&mut terminal, &choice_ja, CTRL_C);
    let (screen, code) = until_exit(&mut terminal);
    assert_eq!(code, 130, "Ctrl-C at a choice exits 130:\n{screen}");
    assert!(screen.contains("この実行では何も変更していません。"), "{screen}");
    assert!(screen.contains("再開するには: cargo run --bin 04-copy -- --lang ja"), "{screen}");

    let mut terminal = in_terminal(&emulator, "04-copy", &["--lang", "ja"]);
    answer(&mut terminal, &choice_ja, ESC);
    let (screen, code) = until_exit(&mut terminal);
    assert_eq!(code, 0, "Esc at a choice backs out:\n{screen}");
    assert!(screen.contains("何も変更しませんでした (Esc)。"), "{screen}");

    let mut terminal = in_terminal(&emulator, "04-copy", &[]);
    answer(&mut terminal, choice, CTRL_C);
    let (screen, code) = until_exit(&mut terminal);
    assert_eq!(code, 130, "Ctrl-C at a choice exits 130:\n{screen}");
    assert!(screen.contains("To resume: cargo run --bin 04-copy"), "{screen}");

    let oregon = emulator.clients(OREGON).await;
    let copies = describe::lab_snapshots(&oregon.ec2).await;
    assert!(copies.is_empty(), "no copy was made: {copies:?}");
}
