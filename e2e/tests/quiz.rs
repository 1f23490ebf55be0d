//! The quiz binary: the study sheet needs no terminal and no AWS account, repeats with a seed,
//! speaks Japanese when asked or when the locale is Japanese; without a terminal the quiz itself
//! refuses at once. Its dependency tree has no AWS crate; in a pseudo-terminal an exam gives no
//! feedback until its report, and `--review` asks the misses again until each is right twice in a
//! row, keeping its file only in the data directory the environment gives.

use e2e::{lab_command, output_text};

fn quiz(args: &[&str], lang: Option<&str>) -> (Option<i32>, String, String) {
    let mut command = lab_command("quiz");
    command.env_remove("LC_ALL").env_remove("LC_MESSAGES").env("LANG", lang.unwrap_or("C.UTF-8"));
    let output = command.args(args).output().unwrap();
    let (stdout, stderr) = output_text(&output);
    (output.status.code(), stdout, stderr)
}

/// The question lines of a study sheet: `12. [topic] …`.
fn question_lines(sheet: &str) -> Vec<&str> {
    sheet
        .lines()
        .filter(|line| {
            let after_number = line.trim_start_matches(|c: char| c.is_ascii_digit());
            after_number.len() < line.len() && after_number.starts_with(". [")
        })
        .collect()
}

#[test]
fn the_study_sheet_prints_every_question_with_answers_and_sources() {
    let (code, sheet, stderr) = quiz(&["--study", "--seed", "7"], None);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(sheet.matches("Source: https://").count() >= 30, "{sheet}");
    assert!(sheet.contains("✓ A.") || sheet.contains("✓ B.") || sheet.contains("✓ C."), "answers are marked");
    let (_, again, _) = quiz(&["--study", "--seed", "7"], None);
    assert_eq!(sheet, again, "the same seed gives the same sheet");
    let (_, other, _) = quiz(&["--study", "--seed", "8"], None);
    assert_ne!(sheet, other);
}

#[test]
fn japanese_by_flag_or_locale_and_topics_filter() {
    let (code, by_flag, _) = quiz(&["--study", "--seed", "1", "--lang", "ja", "--topic", "deletion"], None);
    assert_eq!(code, Some(0));
    assert!(by_flag.contains("出典:") && by_flag.contains("解説:"), "{by_flag}");
    let questions = question_lines(&by_flag);
    assert!(!questions.is_empty(), "no question on the sheet:\n{by_flag}");
    assert!(questions.iter().all(|l| l.contains("[deletion]")), "{by_flag}");
    assert_eq!(questions.len(), by_flag.matches("出典:").count(), "one question line per question:\n{by_flag}");
    // Every deletion question of the whole sheet, and only those.
    let (_, everything, _) = quiz(&["--study", "--seed", "1", "--lang", "ja"], None);
    let all_questions = question_lines(&everything);
    let deletion = all_questions.iter().filter(|l| l.contains("[deletion]")).count();
    assert_eq!(questions.len(), deletion, "{by_flag}");
    assert!(all_questions.len() > deletion, "the whole sheet has other topics too:\n{everything}");
    let (_, by_locale, _) = quiz(&["--study", "--seed", "1", "--topic", "deletion"], Some("ja_JP.UTF-8"));
    assert_eq!(by_flag, by_locale);
}

#[test]
fn the_quiz_without_a_terminal_refuses_and_bad_topics_are_usage_errors() {
    let (code, _, stderr) = quiz(&[], None);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--study"), "{stderr}");
    let (code, _, stderr) = quiz(&["--study", "--topic", "s3"], None);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("key-types"), "the message lists the topics: {stderr}");
}

#[test]
fn the_quiz_compiles_nothing_of_the_aws_sdk() {
    // A learner without an AWS account runs `cargo run --bin quiz` on a fresh clone: its whole
    // dependency tree for this machine (normal and build dependencies) names no `aws-` crate.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let tree = |package: &str| {
        let output = std::process::Command::new(&cargo)
            .args(["tree", "--offline", "--locked", "-p", package, "-e", "normal,build", "--prefix", "none"])
            .arg("--manifest-path")
            .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml"))
            .output()
            .expect("run cargo tree");
        let (stdout, stderr) = output_text(&output);
        assert!(output.status.success(), "cargo tree -p {package} failed: {stderr}");
        stdout
    };
    let quiz = tree("quiz");
    assert!(quiz.lines().any(|line| line.starts_with("course ")), "the quiz builds on course:\n{quiz}");
    let aws: Vec<&str> = quiz.lines().filter(|line| line.starts_with("aws-")).collect();
    assert!(aws.is_empty(), "the quiz must not compile the AWS SDK, yet its tree has {aws:?}");
    assert!(!quiz.lines().any(|line| line.starts_with("common ")), "the quiz must not depend on common");
    // The check sees AWS crates where there are some.
    assert!(tree("common").lines().any(|line| line.starts_with("aws-sdk-ec2 ")));
}

/// The quiz in a pseudo-terminal, with its data directory (and HOME, and XDG_DATA_HOME) in `dirs`.
fn quiz_in_terminal(args: &[&str], dirs: &Dirs) -> rexpect::session::PtySession {
    let mut command = e2e::lab_process("quiz");
    command
        .args(args)
        .env(lab_quiz::progress::DATA_DIR_VARIABLE, dirs.data.path())
        .env("HOME", dirs.home.path())
        .env("XDG_DATA_HOME", dirs.xdg.path())
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::inherit())
        .stdout(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit());
    let options = rexpect::session::Options::new().timeout_ms(Some(30_000)).strip_ansi_escape_codes(true);
    rexpect::session::spawn_with_options(command, options).expect("start the quiz in a pseudo-terminal")
}

struct Dirs {
    data: tempfile::TempDir,
    home: tempfile::TempDir,
    xdg: tempfile::TempDir,
}

/// Waits for question `number` of `total`, answers it with `choose(question)`, and returns its id.
fn answer(
    terminal: &mut rexpect::session::PtySession,
    number: usize,
    total: usize,
    choose: impl Fn(&lab_quiz::Question) -> Vec<usize>,
) -> String {
    let (_, prompt) = terminal
        .exp_regex(&format!(r"{number}/{total} \[[a-z-]+: [a-z0-9-]+\]"))
        .unwrap_or_else(|e| panic!("question {number}/{total}: {e}"));
    let id = prompt.split(": ").nth(1).unwrap().trim_end_matches(']').to_string();
    let bank = lab_quiz::bank().unwrap();
    let question = bank.iter().find(|q| q.id == id).unwrap_or_else(|| panic!("{id} is not in the bank"));
    terminal.exp_string("to move").expect("the choice is drawn");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let chosen = choose(question);
    let mut keys = String::new();
    match question.kind {
        lab_quiz::Kind::Single => {
            keys.push_str(&"\x1b[B".repeat(chosen[0]));
        }
        lab_quiz::Kind::Multiple => {
            for index in 0..question.en.options.len() {
                if chosen.contains(&index) {
                    keys.push(' ');
                }
                keys.push_str("\x1b[B");
            }
        }
    }
    keys.push('\r');
    terminal.send(&keys).expect("type the answer");
    terminal.flush().expect("flush the keys");
    id
}

/// A wrong answer: one option that is not right (never enough for a multiple-answer question).
fn wrong(question: &lab_quiz::Question) -> Vec<usize> {
    vec![(0..question.en.options.len()).find(|i| !question.answers.contains(i)).unwrap()]
}

#[test]
fn in_a_terminal_an_exam_tells_nothing_until_the_end_and_review_asks_the_misses_until_right_twice() {
    let dirs = Dirs {
        data: tempfile::tempdir().unwrap(),
        home: tempfile::tempdir().unwrap(),
        xdg: tempfile::tempdir().unwrap(),
    };
    // An exam of 3, every answer wrong: no verdict until the end, then the score and what to review.
    let mut exam = quiz_in_terminal(&["--exam", "3", "--seed", "11", "--lang", "en"], &dirs);
    let mut missed: Vec<String> = (1..=3).map(|n| answer(&mut exam, n, 3, wrong)).collect();
    let (during, _) = exam.exp_regex(r"Exam result: 0/3 right \(0%\) in \d+m \d\ds").expect("the exam's result");
    for verdict in ["Correct.", "Not quite", "Source:"] {
        assert!(!during.contains(verdict), "no feedback during an exam: {during}");
    }
    let report = exam.exp_string("quiz --review").expect("topics to review");
    assert!(report.contains("Score per topic") && report.contains("Topics to review:"), "{report}");
    assert!(report.contains("/README.md, concepts docs/concepts.md#"), "lab and concept links: {report}");
    exam.exp_eof().expect("the exam ends");

    // The misses are in the data directory given by the environment, and nowhere else.
    let file = dirs.data.path().join(lab_quiz::progress::FILE_NAME);
    let progress = lab_quiz::progress::Progress::load(dirs.data.path()).unwrap();
    missed.sort();
    assert_eq!(progress.due(), missed, "{}", std::fs::read_to_string(&file).unwrap());
    for other in [dirs.home.path(), dirs.xdg.path()] {
        assert_eq!(std::fs::read_dir(other).unwrap().count(), 0, "nothing written in {}", other.display());
    }

    // Review: the three misses, right twice in a row across two runs, then nothing left.
    for left in [3, 0] {
        let mut review = quiz_in_terminal(&["--review", "--lang", "en"], &dirs);
        let mut asked: Vec<String> = (1..=3).map(|n| answer(&mut review, n, 3, |q| q.answers.clone())).collect();
        asked.sort();
        assert_eq!(asked, missed, "review asks what was missed");
        review.exp_string(&format!("Still to review: {left}.")).expect("what is left");
        review.exp_eof().expect("the review ends");
    }
    let mut done = quiz_in_terminal(&["--review", "--lang", "en"], &dirs);
    done.exp_string("Nothing to review").expect("all reviewed");
    done.exp_eof().unwrap();

    // --reset-progress forgets it (no terminal needed).
    let output = e2e::lab_process("quiz")
        .args(["--reset-progress"])
        .env(lab_quiz::progress::DATA_DIR_VARIABLE, dirs.data.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{:?}", output_text(&output));
    assert!(!file.exists());
}
