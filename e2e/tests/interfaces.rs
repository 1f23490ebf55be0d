//! What the learner sees of the interface itself: prose that fits the terminal (wrapped to its
//! width, `COLUMNS` when set, in either language) and one line a paragraph elsewhere; inquire's
//! help lines in the learner's language; and each binary taking only the options it uses.

use e2e::{lab_command, output_text, Emulator};
use rexpect::process::WaitStatus;
use rexpect::session::{spawn_with_options, Options, PtySession};
use std::process::Stdio;
use std::time::Duration;

/// `lab` with `args` in a pseudo-terminal (stdin, stdout and stderr) against `emulator`, with
/// `COLUMNS` set to `columns` when given (a bare pseudo-terminal reports no width).
fn in_terminal(emulator: &Emulator, lab: &str, args: &[&str], columns: Option<usize>) -> PtySession {
    let mut command = emulator.lab_process_via(&emulator.url, lab);
    command.args(args).stdin(Stdio::inherit()).stdout(Stdio::inherit()).stderr(Stdio::inherit()).env("TERM", "xterm");
    if let Some(columns) = columns {
        command.env("COLUMNS", columns.to_string());
    }
    let options = Options::new().timeout_ms(Some(60_000)).strip_ansi_escape_codes(true);
    spawn_with_options(command, options).expect("start the lab in a pseudo-terminal")
}

/// The screen as UTF-8 lines: rexpect reads each byte as one `char`; of a line that a carriage
/// return went back over (a spinner cleared), what was written last.
fn utf8(screen: &str) -> String {
    let bytes: Vec<u8> = screen.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let visible = |line: &str| line.split('\r').rfind(|part| !part.is_empty()).unwrap_or("").to_string();
    text.split('\n').map(visible).collect::<Vec<_>>().join("\n")
}

/// `text` as rexpect reads it (a `char` a byte), to wait for Japanese text.
fn as_read(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

/// Everything the run prints until it ends, after checking that it exits 0.
fn screen_until_exit(terminal: &mut PtySession) -> String {
    let screen = utf8(&terminal.exp_eof().expect("the run ends"));
    match terminal.process().wait().expect("the run's exit status") {
        WaitStatus::Exited(_, 0) => screen,
        other => panic!("the run did not exit 0: {other:?}\n{screen}"),
    }
}

/// Columns a line takes in a terminal: East Asian wide characters (Japanese) take two. Written
/// out here rather than taken from the code it checks.
fn display_width(line: &str) -> usize {
    let wide = |c: char| {
        matches!(u32::from(c), 0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
    };
    line.chars().map(|c| if wide(c) { 2 } else { 1 }).sum()
}

/// Lines the labs leave as they are: table rows (box drawing), indented lines (commands, list
/// details), `cli:` and `api:` lines, commands and JSON.
fn is_prose(line: &str) -> bool {
    let Some(first) = line.chars().next() else { return false };
    let kept = first.is_whitespace()
        || ('\u{2500}'..='\u{257f}').contains(&first)
        || "{}[]".contains(first)
        || ["cli:", "api:", "cargo ", "aws ", "$ "].iter().any(|start| line.starts_with(start));
    !kept
}

#[test]
fn in_a_terminal_prose_fits_the_width_columns_gives_in_either_language() {
    let emulator = Emulator::start();
    emulator.run_ok("01-keys", &["--yes"]);
    for (lab, args) in [("01-keys", &["--dry-run"][..]), ("status", &[][..])] {
        for lang in ["en", "ja"] {
            for columns in [80, 120] {
                let mut all_args = args.to_vec();
                all_args.extend(["--lang", lang]);
                let mut terminal = in_terminal(&emulator, lab, &all_args, Some(columns));
                let screen = screen_until_exit(&mut terminal);
                let prose: Vec<&str> = screen.lines().filter(|line| is_prose(line)).collect();
                assert!(prose.len() > 5, "{lab} {lang}: prose expected:\n{screen}");
                let too_wide: Vec<&&str> = prose.iter().filter(|line| display_width(line) > columns).collect();
                assert!(
                    too_wide.is_empty(),
                    "{lab} --lang {lang}, COLUMNS={columns}: wider than the terminal:\n{too_wide:#?}"
                );
                // Not vacuous: the lesson's paragraphs fill the lines up to near the width.
                let widest = prose.iter().map(|line| display_width(line)).max().unwrap_or(0);
                if lab == "01-keys" {
                    assert!(widest > columns - 20, "{lang}, COLUMNS={columns}: widest line {widest}:\n{screen}");
                }
            }
        }
    }
}

#[test]
fn off_a_terminal_a_paragraph_is_one_line() {
    let emulator = Emulator::start();
    let (stdout, _) = emulator.run_ok("01-keys", &["--dry-run"]);
    // Hard-wrapped in the source; one line here, from its first word to its last.
    let line = stdout.lines().find(|line| line.starts_with("To copy an encrypted EBS snapshot")).expect(&stdout);
    assert!(line.ends_with("This lab prepares six keys, two of each kind:"), "one line:\n{stdout}");
    let item = stdout.lines().find(|line| line.contains(": its replica.")).expect(&stdout);
    assert!(item.starts_with("- ") && item.contains("but its own KMS key in"), "a list item is one line:\n{stdout}");

    let (stdout, _) = emulator.run_ok("01-keys", &["--dry-run", "--lang", "ja"]);
    let line = stdout.lines().find(|line| line.starts_with("暗号化された EBS スナップショットを")).expect(&stdout);
    assert!(
        line.contains("にコピーするには、両方のリージョンに KMS キーが必要です。"),
        "joined without a space:\n{stdout}"
    );
    // A line break after a sentence is kept (the source means some), never one inside it.
    assert!(line.ends_with("コピーを再暗号化するためです。"), "one line:\n{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_japanese_run_gives_inquire_s_help_lines_and_answers_in_japanese() {
    let emulator = Emulator::start();
    for lab in ["01-keys", "02-volumes", "03-snapshots"] {
        emulator.run_ok(lab, &["--yes"]);
    }
    let mut terminal = in_terminal(&emulator, "04-copy", &["--lang", "ja"], None);
    // The key choice for each of the three snapshots, with inquire's help line in Japanese.
    let help = as_read("↑↓ で移動、Enter で選択、文字を入力すると絞り込み");
    for choice in 1..=3 {
        let screen = utf8(&terminal.exp_string(&help).unwrap_or_else(|e| panic!("choice {choice}: {e}")));
        assert!(!screen.contains("to move, enter to select"), "inquire's English help line:\n{screen}");
        type_keys(&mut terminal, "\r");
    }
    terminal.exp_string("(y/N)").expect("the confirmation");
    type_keys(&mut terminal, "x\r");
    let complaint = as_read("いいえなら n を入力してください");
    let screen = utf8(&terminal.exp_string(&complaint).expect("a bad answer, told in Japanese"));
    assert!(!screen.contains("Invalid answer"), "{screen}");
    type_keys(&mut terminal, "\x7f\x7fn\r"); // the bad answer erased, then no
    let screen = screen_until_exit(&mut terminal);
    assert!(screen.contains("いいえ") && !screen.contains(" No\n"), "the answer shown in Japanese:\n{screen}");
}

/// Sends keys a moment after the prompt appeared, as a person would.
fn type_keys(terminal: &mut PtySession, keys: &str) {
    std::thread::sleep(Duration::from_millis(300));
    terminal.send(keys).expect("type into the terminal");
    terminal.flush().expect("flush the keys");
}

/// `--help` of `binary` in `lang`.
fn help(binary: &str, lang: &str) -> String {
    let output = lab_command(binary).args(["--help", "--lang", lang]).output().unwrap();
    let (stdout, stderr) = output_text(&output);
    assert!(output.status.success(), "{binary} --help --lang {lang}:\n{stderr}");
    stdout
}

/// Whether `help` lists the option `flag` (on a line of its own, not in another option's help).
fn lists(help: &str, flag: &str) -> bool {
    help.lines()
        .map(str::trim_start)
        .any(|line| line.starts_with('-') && line.split([',', ' ']).any(|word| word == flag))
}

#[test]
fn each_binary_takes_only_its_options() {
    let refused: &[(&str, &[&str])] = &[
        ("status", &["--undo"]),
        ("status", &["--yes"]),
        ("status", &["-y"]),
        ("status", &["--dry-run"]),
        ("status", &["--pending-days", "9"]),
        ("status", &["--check"]),
        ("quiz", &["--pending-days", "9"]),
        ("quiz", &["--undo"]),
        ("05-cleanup", &["--undo"]),
        ("05-cleanup", &["--check"]),
        ("05-cleanup", &["--adopt"]),
        ("05-cleanup", &["--yourself"]),
        ("05-cleanup", &["--max-wait-minutes", "5"]),
    ];
    for (binary, args) in refused {
        // No endpoint and no credentials: refused before any AWS call.
        let output = lab_command(binary).args(*args).output().unwrap();
        let (stdout, stderr) = output_text(&output);
        assert_eq!(output.status.code(), Some(2), "{binary} {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        let message = format!("error: unexpected argument '{}' found", args[0]);
        assert!(stderr.contains(&message), "{binary} {args:?}: clap's own refusal expected:\n{stderr}");
    }

    for lang in ["en", "ja"] {
        let status = help("status", lang);
        for flag in ["--yes", "-y", "--dry-run", "--undo", "--pending-days", "--force-key", "--max-wait-minutes"] {
            assert!(!lists(&status, flag), "status --help --lang {lang} lists {flag}:\n{status}");
        }
        for flag in ["--check", "--adopt", "--yourself"] {
            assert!(!lists(&status, flag), "status --help --lang {lang} lists {flag}:\n{status}");
        }
        assert!(lists(&status, "--name-prefix") && lists(&status, "--lang"), "{status}");

        let cleanup = help("05-cleanup", lang);
        for flag in ["--undo", "--check", "--adopt", "--yourself", "--max-wait-minutes"] {
            assert!(!lists(&cleanup, flag), "05-cleanup --help --lang {lang} lists {flag}:\n{cleanup}");
        }
        for flag in ["--yes", "--dry-run", "--pending-days", "--force-key", "--all-regions", "--all-sets"] {
            assert!(lists(&cleanup, flag), "05-cleanup --help --lang {lang} misses {flag}:\n{cleanup}");
        }

        let quiz = help("quiz", lang);
        assert!(!lists(&quiz, "--pending-days") && !lists(&quiz, "--undo"), "{quiz}");

        let keys = help("01-keys", lang);
        for flag in ["--check", "--adopt", "--yourself", "--undo", "--yes", "--dry-run", "--max-wait-minutes"] {
            assert!(lists(&keys, flag), "01-keys --help --lang {lang} misses {flag}:\n{keys}");
        }
    }
}
