//! The quiz binary: the study sheet needs no terminal and no AWS account, repeats with a seed,
//! speaks Japanese when asked or when the locale is Japanese; without a terminal the quiz itself
//! refuses at once.

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
