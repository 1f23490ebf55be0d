//! The certification-study quiz: exam-style questions (scenarios, "which key type…", single and
//! multiple answer) on what the labs teach, each with its explanation and source, in English or
//! Japanese. Random order (repeatable with `--seed`), `--topic` to focus, a score per topic, and
//! `--study` to print questions with their answers as a study sheet (no terminal needed).
//! The questions live in `questions.toml` beside this crate.

use anyhow::{bail, Context, Result};
use clap::Parser;
use common::args::OutputFormat;
use common::errors::{exit_status_for, render, ExitStatus, UsageError};
use common::facts;
use common::session::Endpoint;
use common::tr;
use common::ui::{Report, Ui};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::process::ExitCode;

/// The question bank, compiled in.
pub const QUESTIONS_TOML: &str = include_str!("../questions.toml");

/// The topics, in the order of the course.
pub const TOPICS: [&str; 5] = ["key-types", "multi-region", "ebs-encryption", "copy", "deletion"];

pub use common::text::Lang;

/// Single or multiple answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Single,
    Multiple,
}

/// A question's text in one language.
#[derive(Debug, Clone, Deserialize)]
pub struct Text {
    pub text: String,
    pub options: Vec<String>,
    pub explanation: String,
}

/// One question, in both languages.
#[derive(Debug, Clone, Deserialize)]
pub struct Question {
    pub id: String,
    pub topic: String,
    pub kind: Kind,
    /// 0-based indices into the options, the same in both languages.
    pub answers: Vec<usize>,
    pub source: String,
    /// Ids of the facts of `common::facts` the question states; its explanation in each language
    /// then contains each fact's figures.
    #[serde(default)]
    pub facts: Vec<String>,
    pub en: Text,
    pub ja: Text,
}

impl Question {
    pub fn text(&self, lang: Lang) -> &Text {
        match lang {
            Lang::En => &self.en,
            Lang::Ja => &self.ja,
        }
    }

    /// Whether `chosen` is exactly the set of right answers.
    pub fn is_right(&self, chosen: &[usize]) -> bool {
        let mut chosen = chosen.to_vec();
        chosen.sort_unstable();
        chosen.dedup();
        let mut answers = self.answers.clone();
        answers.sort_unstable();
        chosen == answers
    }
}

#[derive(Deserialize)]
struct Bank {
    question: Vec<Question>,
}

/// The question bank, checked: every problem found is listed.
pub fn bank() -> Result<Vec<Question>> {
    // english-only: a broken question bank fails the build's tests, never a learner's run
    let bank: Bank = toml::from_str(QUESTIONS_TOML).context("tools/quiz/questions.toml is not valid")?;
    let problems = check_bank(&bank.question);
    if !problems.is_empty() {
        bail!("tools/quiz/questions.toml: {}", problems.join("; "));
    }
    Ok(bank.question)
}

/// What is wrong with a question bank (empty when nothing is).
pub fn check_bank(questions: &[Question]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for q in questions {
        if !ids.insert(&q.id) {
            problems.push(format!("{}: duplicate id", q.id));
        }
        if !TOPICS.contains(&q.topic.as_str()) {
            problems.push(format!("{}: unknown topic {}", q.id, q.topic));
        }
        for (lang, text) in [("en", &q.en), ("ja", &q.ja)] {
            if text.text.trim().is_empty() || text.explanation.trim().is_empty() {
                problems.push(format!("{}: {lang} text or explanation is empty", q.id));
            }
            if text.options.len() < 2 {
                problems.push(format!("{}: {lang} has fewer than two options", q.id));
            }
        }
        if q.en.options.len() != q.ja.options.len() {
            problems.push(format!("{}: en and ja have different numbers of options", q.id));
        }
        if q.answers.iter().any(|a| *a >= q.en.options.len()) {
            problems.push(format!("{}: an answer points past the options", q.id));
        }
        match (q.kind, q.answers.len()) {
            (Kind::Single, 1) => {}
            (Kind::Multiple, n) if n >= 2 => {}
            // english-only: a check of the question bank, for its authors
            _ => problems.push(format!("{}: {:?} question with {} answers", q.id, q.kind, q.answers.len())),
        }
        if !q.source.starts_with("https://") {
            problems.push(format!("{}: source must be an https link", q.id));
        }
        for id in &q.facts {
            let Some(fact) = facts::by_id(id) else {
                problems.push(format!("{}: unknown fact {id}", q.id));
                continue;
            };
            for (lang, text) in [("en", &q.en), ("ja", &q.ja)] {
                let missing = fact.missing_figures(&text.explanation);
                if !missing.is_empty() {
                    problems.push(format!("{}: the {lang} explanation states fact {id} without {missing:?}", q.id));
                }
            }
        }
    }
    problems
}

/// The facts of `common::facts::ALL` that no question states, price estimates aside: each of
/// them wants a question.
pub fn unasked_facts(questions: &[Question]) -> Vec<&'static str> {
    facts::ALL
        .iter()
        .filter(|fact| !fact.estimate)
        .filter(|fact| !questions.iter().any(|q| q.facts.iter().any(|id| id == fact.id)))
        .map(|fact| fact.id)
        .collect()
}

/// The quiz's description in Japanese, for `--help` in a Japanese run.
const ABOUT_JA: &str = "認定試験対策: ラボで学ぶ内容についての、試験形式の問題を出題します";

/// The options' help in Japanese, by argument id.
const HELP_JA: &[(&str, &str)] = &[
    ("lang", "言語 (省略時は LANG / LC_ALL から。日本語以外は英語)"),
    ("seed", "このシードで問題の順番を決めます (同じシードなら同じ順番)"),
    ("topic", "このトピックの問題だけを出題します (繰り返し指定できます): key-types, multi-region, ebs-encryption, copy, deletion"),
    ("count", "出題する問題数の上限"),
    ("study", "問題を解答と解説付きで表示します (学習シート。端末は不要です)"),
];

/// Arguments of `quiz`.
#[derive(Debug, Parser)]
#[command(name = "quiz", version, about = "Certification study: exam-style questions on what the labs teach")]
pub struct Args {
    /// Language (default: from LANG / LC_ALL, English otherwise)
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,

    /// Order the questions with this seed (the same seed gives the same order)
    #[arg(long)]
    pub seed: Option<u64>,

    /// Only questions on this topic (repeatable): key-types, multi-region, ebs-encryption, copy, deletion
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(TOPICS))]
    pub topic: Vec<String>,

    /// At most this many questions
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub count: Option<u16>,

    /// Print the questions with their answers and explanations (a study sheet; no terminal needed)
    #[arg(long)]
    pub study: bool,
}

/// The questions of one session: filtered by topic, shuffled by `seed`, cut to `count`.
pub fn select(bank: &[Question], topics: &[String], seed: u64, count: Option<u16>) -> Vec<Question> {
    let mut chosen: Vec<Question> =
        bank.iter().filter(|q| topics.is_empty() || topics.contains(&q.topic)).cloned().collect();
    fastrand::Rng::with_seed(seed).shuffle(&mut chosen);
    if let Some(count) = count {
        chosen.truncate(usize::from(count));
    }
    chosen
}

fn letter(index: usize) -> char {
    char::from(b'A' + index as u8)
}

/// The study sheet: each question with its answers marked, the explanation and the source.
pub fn study(ui: &Ui, questions: &[Question], lang: Lang) {
    for (number, q) in questions.iter().enumerate() {
        let text = q.text(lang);
        ui.say(&format!("\n{}. [{}] {}", number + 1, q.topic, text.text));
        for (index, option) in text.options.iter().enumerate() {
            let mark = if q.answers.contains(&index) { "✓" } else { " " };
            ui.say(&format!("   {mark} {}. {option}", letter(index)));
        }
        ui.say(&format!("   {} {}", lang.pick("Why:", "解説:"), text.explanation));
        ui.say(&format!("   {} {}", lang.pick("Source:", "出典:"), q.source));
    }
}

/// Right and asked, per topic.
pub type Scores = BTreeMap<String, (usize, usize)>;

/// Asks each question, says right or wrong with the explanation, and returns the scores.
pub fn ask(ui: &Ui, questions: &[Question], lang: Lang) -> Result<Scores> {
    let mut scores = Scores::new();
    for (number, q) in questions.iter().enumerate() {
        let text = q.text(lang);
        let prompt = format!("{}/{} [{}] {}", number + 1, questions.len(), q.topic, text.text);
        let chosen = match q.kind {
            Kind::Single => vec![ui.choose(&prompt, &text.options, 0)?],
            Kind::Multiple => ui.choose_many(&prompt, &text.options)?,
        };
        let right = q.is_right(&chosen);
        let answer: Vec<String> = q.answers.iter().map(|a| format!("{}. {}", letter(*a), text.options[*a])).collect();
        if right {
            ui.say(&format!("✓ {}", lang.pick("Correct.", "正解です。")));
        } else {
            ui.say(&format!("✗ {} {}", lang.pick("Not quite. The answer:", "不正解です。正解:"), answer.join(" / ")));
        }
        ui.say(&format!("  {}\n  {} {}", text.explanation, lang.pick("Source:", "出典:"), q.source));
        let entry = scores.entry(q.topic.clone()).or_default();
        entry.0 += usize::from(right);
        entry.1 += 1;
    }
    Ok(scores)
}

/// The score table, one row per topic and a total.
pub fn score_report(scores: &Scores, lang: Lang) -> Report {
    let mut report = Report::new(
        "scores",
        lang.pick("Score per topic", "トピック別の得点"),
        &[("Topic", "トピック"), ("Right", "正解"), ("Asked", "出題")],
    );
    let (mut right, mut asked) = (0, 0);
    for topic in TOPICS {
        if let Some((r, a)) = scores.get(topic) {
            report.row(vec![topic.to_string(), r.to_string(), a.to_string()], None);
            right += r;
            asked += a;
        }
    }
    report.row(vec![lang.pick("total", "合計").to_string(), right.to_string(), asked.to_string()], None);
    report
}

fn run(args: Args, ui: &Ui) -> Result<()> {
    let lang = Lang::resolve(args.lang);
    common::text::set_lang(lang);
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..));
    let questions = select(&bank()?, &args.topic, seed, args.count);
    if args.study {
        ui.say(&format!("{} ({} {seed})", lang.pick("Study sheet", "学習シート"), lang.pick("seed", "シード")));
        study(ui, &questions, lang);
        return Ok(());
    }
    if !ui.is_interactive() {
        return Err(UsageError(tr!(
            "the quiz asks questions and needs a terminal; use --study to print the questions with their answers",
            "クイズは質問に答える形式なので端末が必要です。--study を付けると、問題と解答を学習シートとして表示します"
        ))
        .into());
    }
    ui.say(&format!(
        "{} {} ({} {seed}: --seed {seed} {})",
        questions.len(),
        lang.pick("questions", "問"),
        lang.pick("seed", "シード"),
        lang.pick("repeats this order", "で同じ順番になります")
    ));
    let scores = ask(ui, &questions, lang)?;
    ui.report(&score_report(&scores, lang));
    Ok(())
}

/// The whole of the binary's `main`.
pub fn main() -> ExitCode {
    let args: Args = common::run::parse_in_language(ABOUT_JA, HELP_JA);
    let ui = Ui::terminal(OutputFormat::Table, false);
    match run(args, &ui) {
        Ok(()) => ExitStatus::Success.into(),
        Err(error) => {
            eprintln!("{}", render(&error, &Endpoint::Aws.unreachable_hint()));
            exit_status_for(&error).into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::ui::Answer;

    #[test]
    fn the_bank_is_complete_in_both_languages_and_covers_every_topic() {
        let questions = bank().unwrap();
        assert!(questions.len() >= 30, "{} questions", questions.len());
        for topic in TOPICS {
            assert!(questions.iter().filter(|q| q.topic == topic).count() >= 3, "{topic}");
        }
        assert!(questions.iter().any(|q| q.kind == Kind::Multiple), "some multiple-answer questions");
    }

    #[test]
    fn a_broken_bank_is_reported() {
        let mut question = bank().unwrap()[0].clone();
        question.answers = vec![9];
        question.ja.options.pop();
        question.source = "http://example.com".into();
        question.facts = vec!["no-such-fact".into(), "concurrent-copy-quota".into()];
        question.ja.explanation = "同時に実行できるコピーは最大 20 件です。".into();
        let problems = check_bank(&[question.clone(), question]);
        let text = problems.join("; ");
        for expected in [
            "duplicate id",
            "different numbers of options",
            "past the options",
            "https link",
            "unknown fact no-such-fact",
            "the en explanation states fact concurrent-copy-quota without [\"20\"]",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
        assert!(!text.contains("the ja explanation"), "{text}");
    }

    #[test]
    fn every_fact_but_the_price_estimates_is_asked_with_its_figures_in_both_languages() {
        let questions = bank().unwrap();
        // bank() has checked the figures of every fact a question names; here: every fact is named.
        assert_eq!(unasked_facts(&questions), Vec::<&str>::new(), "write a question for each of these facts");
        let mut fewer = questions.clone();
        fewer.retain(|q| !q.facts.iter().any(|id| id == "time-based-copy"));
        assert_eq!(unasked_facts(&fewer), vec!["time-based-copy"]);
    }

    #[test]
    fn the_same_seed_gives_the_same_order_and_topics_filter() {
        let all = bank().unwrap();
        let ids = |qs: Vec<Question>| qs.into_iter().map(|q| q.id).collect::<Vec<_>>();
        assert_eq!(ids(select(&all, &[], 7, None)), ids(select(&all, &[], 7, None)));
        assert_ne!(ids(select(&all, &[], 7, None)), ids(select(&all, &[], 8, None)));
        let copy = select(&all, &["copy".to_string()], 1, Some(2));
        assert_eq!(copy.len(), 2);
        assert!(copy.iter().all(|q| q.topic == "copy"));
    }

    #[test]
    fn answers_are_scored_per_topic() {
        let all = bank().unwrap();
        let single = all.iter().find(|q| q.kind == Kind::Single).unwrap().clone();
        let multiple = all.iter().find(|q| q.kind == Kind::Multiple).unwrap().clone();
        let wrong_single = (0..single.en.options.len()).find(|i| !single.answers.contains(i)).unwrap();
        let answers = vec![Answer::Pick(wrong_single), Answer::PickMany(multiple.answers.clone())];
        let (ui, out, _) = Ui::scripted(OutputFormat::Table, false, answers);
        let scores = ask(&ui, &[single.clone(), multiple.clone()], Lang::Ja).unwrap();
        let total: (usize, usize) = scores.values().fold((0, 0), |t, s| (t.0 + s.0, t.1 + s.1));
        assert_eq!(total, (1, 2));
        assert!(scores[&multiple.topic].0 >= 1);
        let text = out.text();
        assert!(text.contains("不正解です") && text.contains("正解です"), "{text}");
        assert!(text.contains(&single.ja.explanation), "the explanation is shown");
    }
}
