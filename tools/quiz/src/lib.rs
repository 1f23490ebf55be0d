//! The certification-study quiz: exam-style questions (scenarios, "which key type…", single and
//! multiple answer) on what the labs teach, each tied to facts of the facts table with their
//! source, in English or Japanese. Random order (repeatable with `--seed`), `--topic` to focus, a
//! score per topic, `--study` to print questions with their answers as a study sheet (no terminal
//! needed), `--review` to ask again what was missed until it is right twice in a row (progress
//! in the data directory: `progress`), and `--exam N`, a timed exam with no feedback until the
//! end. The questions live in `questions.toml` beside this crate. `--study --output json` prints the
//! study sheet as one JSON document for scripts (docs/schemas/quiz-study.schema.json).
//!
//! The quiz builds on `course` alone (no `common`, no AWS SDK): a fresh clone runs it quickly.

pub mod io;
pub mod progress;

use anyhow::{bail, Context, Result};
use clap::{CommandFactory, FromArgMatches, Parser};
use course::facts;
use course::manifest::{self, LabInfo, Makes};
use course::text::{self, Lang};
use course::tr;
use io::Prompter;
use progress::Progress;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The question bank, compiled in.
pub const QUESTIONS_TOML: &str = include_str!("../questions.toml");

/// The topics, in the order of the course.
pub const TOPICS: [&str; 5] = ["key-types", "multi-region", "ebs-encryption", "copy", "deletion"];

/// Words the Japanese questions do not use, with the one they use instead: one word for one thing.
pub const TERMS_JA: &[(&str, &str)] = &[("送信先リージョン", "コピー先リージョン")];

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
    /// One of the sources of the facts the question states.
    pub source: String,
    /// Ids of the facts of `course::facts` the question states (at least one); its explanation
    /// in each language then contains each fact's figures, and says "inferred" / 「推測」 when a
    /// fact is inferred.
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
        let japanese = [&q.ja.text, &q.ja.explanation].into_iter().chain(&q.ja.options);
        for line in japanese {
            for (avoid, use_instead) in TERMS_JA {
                if line.contains(avoid) {
                    problems.push(format!("{}: the ja text says {avoid}; the course says {use_instead}", q.id));
                }
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
        if q.facts.is_empty() {
            problems.push(format!("{}: names no fact: every question states facts of the facts table", q.id));
        }
        let mut sources = Vec::new();
        for id in &q.facts {
            let Some(fact) = facts::by_id(id) else {
                problems.push(format!("{}: unknown fact {id}", q.id));
                continue;
            };
            sources.extend(fact.sources());
            for (lang, text) in [("en", &q.en), ("ja", &q.ja)] {
                let missing = fact.missing_figures(&text.explanation);
                if !missing.is_empty() {
                    problems.push(format!("{}: the {lang} explanation states fact {id} without {missing:?}", q.id));
                }
                if fact.inferred && !facts::marks_inferred(&text.explanation) {
                    problems.push(format!("{}: the {lang} explanation states inferred fact {id} as documented", q.id));
                }
            }
        }
        if !q.facts.is_empty() && !sources.contains(&q.source.as_str()) {
            problems.push(format!("{}: source {} is not a source of its facts", q.id, q.source));
        }
    }
    problems
}

/// The facts of `course::facts::ALL` that no question states, price estimates aside: each of
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
    ("review", "間違えた問題を、続けて 2 回正解するまで出題します (進み具合はデータディレクトリに保存します)"),
    ("reset_progress", "復習の進み具合を消去します"),
    ("output", "出力形式: json は学習シート (--study) を 1 つの JSON ドキュメントとして出力します (docs/schemas/quiz-study.schema.json)"),
    ("exam", "N 問の模擬試験: トピックをまたいで出題し、最後にまとめて得点、時間、トピック別の得点、復習するトピックを表示します"),
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
    #[arg(long, conflicts_with_all = ["review", "exam"])]
    pub study: bool,

    /// Ask again the questions you got wrong, until each is right twice in a row (progress kept in your data directory)
    #[arg(long, conflicts_with = "exam")]
    pub review: bool,

    /// Forget the review progress
    #[arg(long, conflicts_with_all = ["study", "review", "exam"])]
    pub reset_progress: bool,

    /// A mock exam of N questions across topics: no feedback until the end, then the score, time, per-topic score and what to review
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..), conflicts_with = "count")]
    pub exam: Option<u16>,

    /// Output format: `json` prints the study sheet (--study) as one JSON document (docs/schemas/quiz-study.schema.json)
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

/// How the quiz prints: text for people, or (with `--study`) one JSON document for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Text for a person.
    Table,
    /// One JSON document on stdout (the study sheet only).
    Json,
}

/// The version of the `--output json` document, as the labs' `schema_version` (docs/schemas/README.md).
pub const SCHEMA_VERSION: u32 = 1;

/// The study sheet for scripts: the selection (seed, topics, count) and each question with ids,
/// topic, kind, answer ids, sources and facts; the texts a person reads (question, choices,
/// explanation) only under keys named `message`, so that the document is the same in every
/// language but for those.
pub fn study_json(
    questions: &[Question],
    lang: Lang,
    seed: u64,
    topics: &[String],
    count: Option<u16>,
) -> serde_json::Value {
    let questions: Vec<serde_json::Value> = questions
        .iter()
        .map(|q| {
            let text = q.text(lang);
            let mut sources = vec![q.source.as_str()];
            for source in q.facts.iter().filter_map(|id| facts::by_id(id)).flat_map(|fact| fact.sources()) {
                if !sources.contains(&source) {
                    sources.push(source);
                }
            }
            let choices: Vec<serde_json::Value> = text
                .options
                .iter()
                .enumerate()
                .map(|(index, option)| {
                    serde_json::json!({
                        "id": choice_id(index),
                        "correct": q.answers.contains(&index),
                        "message": option,
                    })
                })
                .collect();
            serde_json::json!({
                "id": q.id,
                "topic": q.topic,
                "kind": match q.kind { Kind::Single => "single", Kind::Multiple => "multiple" },
                "answers": q.answers.iter().map(|a| choice_id(*a)).collect::<Vec<_>>(),
                "sources": sources,
                "facts": q.facts,
                "question": { "message": text.text },
                "choices": choices,
                "explanation": { "message": text.explanation },
            })
        })
        .collect();
    serde_json::json!({
        "seed": seed,
        "topics": topics,
        "count": count,
        "questions": questions,
    })
}

/// A choice's id in `--output json`: `a`, `b`, … (the letter the study sheet shows, in lower case).
fn choice_id(index: usize) -> String {
    letter(index).to_ascii_lowercase().to_string()
}

/// The whole `--output json` document: the envelope the labs print (schema_version, binary, ok,
/// exit_code, error) around `body` (the study sheet's keys, when it was made).
pub fn json_document(body: Option<serde_json::Value>, failure: Option<(&str, u8, String)>) -> serde_json::Value {
    let mut document = serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "binary": "quiz",
        "ok": failure.is_none(),
        "exit_code": failure.as_ref().map_or(0, |(_, code, _)| *code),
        "error": failure.map(|(kind, code, message)| serde_json::json!({
            "kind": kind,
            "exit_code": code,
            "aws_operation": null,
            "aws_error_code": null,
            "request_id": null,
            "message": message,
        })),
    });
    if let (Some(serde_json::Value::Object(body)), Some(object)) = (body, document.as_object_mut()) {
        object.extend(body);
    }
    document
}

/// A document as printed: pretty, one key a line.
fn json_text(document: &serde_json::Value) -> String {
    // english-only: serde_json::Value always serializes; a failure here is a bug, not a learner's
    serde_json::to_string_pretty(document).expect("JSON values serialize")
}

/// Whether the raw command line asks for `--output json` (read before, or when, clap refuses it).
fn asked_for_json(args: &[String]) -> bool {
    args.windows(2).any(|pair| pair[0] == "--output" && pair[1] == "json") || args.iter().any(|a| a == "--output=json")
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

/// `count` questions drawn across the topics in turn (as evenly as the bank allows), then
/// shuffled, by `seed`.
pub fn select_exam(bank: &[Question], topics: &[String], seed: u64, count: u16) -> Vec<Question> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut piles: Vec<Vec<&Question>> = TOPICS
        .iter()
        .filter(|topic| topics.is_empty() || topics.iter().any(|t| t == *topic))
        .map(|topic| {
            let mut pile: Vec<&Question> = bank.iter().filter(|q| q.topic == *topic).collect();
            rng.shuffle(&mut pile);
            pile
        })
        .collect();
    let mut chosen = Vec::new();
    while chosen.len() < usize::from(count) && piles.iter().any(|pile| !pile.is_empty()) {
        for pile in &mut piles {
            if chosen.len() < usize::from(count) {
                if let Some(q) = pile.pop() {
                    chosen.push(q.clone());
                }
            }
        }
    }
    rng.shuffle(&mut chosen);
    chosen
}

fn letter(index: usize) -> char {
    char::from(b'A' + index as u8)
}

/// The study sheet: each question with its answers marked, the explanation and the source.
pub fn study(io: &dyn Prompter, questions: &[Question], lang: Lang) {
    for (number, q) in questions.iter().enumerate() {
        let text = q.text(lang);
        io.say(&format!("\n{}. [{}] {}", number + 1, q.topic, text.text));
        for (index, option) in text.options.iter().enumerate() {
            let mark = if q.answers.contains(&index) { "✓" } else { " " };
            io.say(&format!("   {mark} {}. {option}", letter(index)));
        }
        io.say(&format!("   {} {}", lang.pick("Why:", "解説:"), text.explanation));
        io.say(&format!("   {} {}", lang.pick("Source:", "出典:"), q.source));
    }
}

/// Right and asked, per topic.
pub type Scores = BTreeMap<String, (usize, usize)>;

/// How the answers are told and kept.
pub struct Session<'a> {
    pub lang: Lang,
    /// Say right or wrong with the explanation after each question (not in an exam).
    pub feedback: bool,
    /// Where to keep the review progress (none in unit tests).
    pub progress: Option<(&'a mut Progress, &'a Path)>,
}

/// Asks each question, and returns the scores. With feedback, says right or wrong with the
/// explanation after each; each answer goes into the progress at once (an interrupted run keeps
/// what was answered).
pub fn ask(io: &dyn Prompter, questions: &[Question], session: &mut Session) -> Result<Scores> {
    let lang = session.lang;
    let mut scores = Scores::new();
    for (number, q) in questions.iter().enumerate() {
        let text = q.text(lang);
        let prompt = format!("{}/{} [{}: {}] {}", number + 1, questions.len(), q.topic, q.id, text.text);
        let chosen = match q.kind {
            Kind::Single => vec![io.choose(&prompt, &text.options)?],
            Kind::Multiple => io.choose_many(&prompt, &text.options)?,
        };
        let right = q.is_right(&chosen);
        if session.feedback {
            let answer: Vec<String> =
                q.answers.iter().map(|a| format!("{}. {}", letter(*a), text.options[*a])).collect();
            if right {
                io.say(&format!("✓ {}", lang.pick("Correct.", "正解です。")));
            } else {
                io.say(&format!(
                    "✗ {} {}",
                    lang.pick("Not quite. The answer:", "不正解です。正解:"),
                    answer.join(" / ")
                ));
            }
            io.say(&format!("  {}\n  {} {}", text.explanation, lang.pick("Source:", "出典:"), q.source));
        }
        if let Some((progress, dir)) = session.progress.as_mut() {
            progress.record(&q.id, right);
            progress.save(dir)?;
        }
        let entry = scores.entry(q.topic.clone()).or_default();
        entry.0 += usize::from(right);
        entry.1 += 1;
    }
    Ok(scores)
}

/// Right and asked over all topics.
pub fn total(scores: &Scores) -> (usize, usize) {
    scores.values().fold((0, 0), |t, s| (t.0 + s.0, t.1 + s.1))
}

/// The score table, one line per topic and a total.
pub fn score_table(scores: &Scores, lang: Lang) -> String {
    let mut lines = vec![
        lang.pick("Score per topic", "トピック別の得点").to_string(),
        format!(
            "  {:<16} {:>6} {:>6}",
            lang.pick("Topic", "トピック"),
            lang.pick("Right", "正解"),
            lang.pick("Asked", "出題")
        ),
    ];
    for topic in TOPICS {
        if let Some((right, asked)) = scores.get(topic) {
            lines.push(format!("  {topic:<16} {right:>6} {asked:>6}"));
        }
    }
    let (right, asked) = total(scores);
    lines.push(format!("  {:<16} {right:>6} {asked:>6}", lang.pick("total", "合計")));
    lines.join("\n")
}

/// The lab that shows a topic.
pub fn lab_for(topic: &str) -> &'static LabInfo {
    match topic {
        "ebs-encryption" => manifest::lab_that_makes(Makes::Volumes),
        "copy" => manifest::lab_that_makes(Makes::Copies),
        "deletion" => manifest::final_lab(),
        _ => manifest::lab_that_makes(Makes::Keys),
    }
}

/// The section of the concepts page on a topic: (English heading, Japanese heading).
pub fn concept_heading(topic: &str) -> (&'static str, &'static str) {
    match topic {
        "key-types" => ("Three kinds of KMS key", "3 種類の KMS キー"),
        "multi-region" => ("Multi-region keys", "マルチリージョンキー"),
        "ebs-encryption" => ("Encryption by default", "デフォルトの暗号化"),
        "copy" => ("Cross-region snapshot copy", "スナップショットのリージョン間コピー"),
        _ => ("Deleting keys", "キーの削除"),
    }
}

/// A heading's anchor as GitHub makes it: lower case, spaces to `-`, punctuation dropped.
pub fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Where to read up on a topic: the lab's page and the concepts section, in the learner's language.
pub fn review_links(topic: &str, lang: Lang) -> (String, String) {
    let lab = lab_for(topic);
    let (en, ja) = concept_heading(topic);
    match lang {
        Lang::En => (format!("labs/{}/README.md", lab.id), format!("docs/concepts.md#{}", anchor(en))),
        Lang::Ja => (format!("labs/{}/README.ja.md", lab.id), format!("docs/concepts.ja.md#{}", anchor(ja))),
    }
}

fn duration_text(taken: Duration) -> String {
    let seconds = taken.as_secs();
    let (minutes, seconds) = (seconds / 60, seconds % 60);
    tr!("{minutes}m {seconds:02}s", "{minutes} 分 {seconds:02} 秒")
}

/// The end of an exam: score, time, the score per topic, and the topics to review with their
/// lab and concepts links.
pub fn exam_report(scores: &Scores, taken: Duration, lang: Lang) -> String {
    let (right, asked) = total(scores);
    let percent = (right * 100).checked_div(asked).unwrap_or(0);
    let time = duration_text(taken);
    let mut lines = vec![
        tr!(
            "Exam result: {right}/{asked} right ({percent}%) in {time}",
            "試験結果: {asked} 問中 {right} 問正解 ({percent}%)、所要時間 {time}"
        ),
        score_table(scores, lang),
    ];
    let weak: Vec<&str> = TOPICS.into_iter().filter(|topic| scores.get(*topic).is_some_and(|(r, a)| r < a)).collect();
    if weak.is_empty() {
        lines.push(tr!("Nothing to review: every topic was right.", "復習するトピックはありません。すべて正解です。"));
    } else {
        lines.push(tr!("Topics to review:", "復習するトピック:"));
        for topic in weak {
            let (r, a) = scores[topic];
            let (lab, concepts) = review_links(topic, lang);
            lines.push(tr!(
                "  - {topic} ({r}/{a}): lab {lab}, concepts {concepts}",
                "  - {topic} ({r}/{a}): ラボ {lab}、概念 {concepts}"
            ));
        }
        lines.push(tr!(
            "The questions you missed wait for you in `quiz --review`.",
            "間違えた問題は `quiz --review` で復習できます。"
        ));
    }
    lines.join("\n")
}

/// A usage error: exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// What the quiz runs with besides its arguments.
pub struct Setup<'a> {
    pub io: &'a dyn Prompter,
    /// Whether questions can be asked (a terminal, or a test script).
    pub interactive: bool,
    /// Where the review progress lives, if anywhere.
    pub data_dir: Option<PathBuf>,
}

fn no_data_dir() -> anyhow::Error {
    UsageError(tr!(
        "no data directory for the review progress: set {variable} to a directory",
        "復習の進み具合を保存するデータディレクトリがありません。{variable} にディレクトリを指定してください",
        variable = progress::DATA_DIR_VARIABLE
    ))
    .into()
}

/// The quiz, once the arguments are parsed.
pub fn run(args: Args, cx: &Setup) -> Result<()> {
    let lang = Lang::resolve(args.lang);
    text::set_lang(lang);
    let io = cx.io;
    if args.output == Output::Json && !args.study {
        return Err(UsageError(tr!(
            "--output json prints the study sheet only: add --study",
            "--output json で出力できるのは学習シートだけです。--study を付けてください"
        ))
        .into());
    }
    if args.reset_progress {
        let dir = cx.data_dir.as_deref().ok_or_else(no_data_dir)?;
        let file = dir.join(progress::FILE_NAME);
        if Progress::reset(dir)? {
            io.say(&tr!(
                "Review progress forgotten ({file}).",
                "復習の進み具合を消去しました ({file})。",
                file = file.display()
            ));
        } else {
            io.say(&tr!(
                "No review progress to forget ({file}).",
                "消去する復習の進み具合はありません ({file})。",
                file = file.display()
            ));
        }
        return Ok(());
    }
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..));
    let bank = bank()?;
    if args.study && args.output == Output::Json {
        let questions = select(&bank, &args.topic, seed, args.count);
        let body = study_json(&questions, lang, seed, &args.topic, args.count);
        io.say(&json_text(&json_document(Some(body), None)));
        return Ok(());
    }
    if args.study {
        io.say(&format!("{} ({} {seed})", lang.pick("Study sheet", "学習シート"), lang.pick("seed", "シード")));
        study(io, &select(&bank, &args.topic, seed, args.count), lang);
        return Ok(());
    }
    if !cx.interactive {
        return Err(UsageError(tr!(
            "the quiz asks questions and needs a terminal; use --study to print the questions with their answers",
            "クイズは質問に答える形式なので端末が必要です。--study を付けると、問題と解答を学習シートとして表示します"
        ))
        .into());
    }
    let mut progress = match &cx.data_dir {
        Some(dir) => Progress::load(dir)?,
        None => Progress::default(),
    };
    let questions = if let Some(count) = args.exam {
        select_exam(&bank, &args.topic, seed, count)
    } else if args.review {
        let due: Vec<Question> = bank.iter().filter(|q| progress.is_due(&q.id)).cloned().collect();
        if due.is_empty() {
            io.say(&tr!(
                "Nothing to review: every question you missed has been right {times} times in a row since.",
                "復習する問題はありません。間違えた問題は、どれもその後 {times} 回続けて正解しています。",
                times = progress::MASTERED_AFTER
            ));
            return Ok(());
        }
        select(&due, &args.topic, seed, args.count)
    } else {
        select(&bank, &args.topic, seed, args.count)
    };
    let mode = if args.exam.is_some() {
        lang.pick("exam: no feedback until the end", "試験: 最後まで正誤は表示しません")
    } else if args.review {
        lang.pick("review", "復習")
    } else {
        lang.pick("quiz", "クイズ")
    };
    io.say(&format!(
        "{} {} ({mode}; {} {seed}: --seed {seed} {})",
        questions.len(),
        lang.pick("questions", "問"),
        lang.pick("seed", "シード"),
        lang.pick("repeats this order", "で同じ順番になります")
    ));
    let started = Instant::now();
    let dir = cx.data_dir.clone();
    let mut session =
        Session { lang, feedback: args.exam.is_none(), progress: dir.as_deref().map(|dir| (&mut progress, dir)) };
    let scores = ask(io, &questions, &mut session)?;
    if args.exam.is_some() {
        io.say(&exam_report(&scores, started.elapsed(), lang));
    } else {
        io.say(&score_table(&scores, lang));
        if args.review {
            let left = progress.due().len();
            io.say(&tr!("Still to review: {left}.", "残りの復習: {left} 問。"));
        }
    }
    Ok(())
}

/// The `--lang` value among the raw arguments, read before clap parses them so that `--help`
/// speaks the learner's language; anything else (and any argument that is not UTF-8) is left to clap.
pub fn lang_flag(args: impl IntoIterator<Item = OsString>) -> Option<Lang> {
    let args: Vec<OsString> = args.into_iter().collect();
    let value = args.iter().enumerate().find_map(|(i, arg)| {
        let arg = arg.to_str()?;
        if arg == "--lang" {
            args.get(i + 1).and_then(|v| v.to_str()).map(str::to_string)
        } else {
            arg.strip_prefix("--lang=").map(str::to_string)
        }
    })?;
    match value.as_str() {
        "ja" => Some(Lang::Ja),
        "en" => Some(Lang::En),
        _ => None,
    }
}

/// Parses the arguments, with `--help` in Japanese in a Japanese run.
fn parse_args() -> Args {
    text::set_lang(Lang::resolve(lang_flag(std::env::args_os())));
    let mut command = Args::command();
    if text::lang() == Lang::Ja {
        command = text::in_japanese(command, ABOUT_JA, HELP_JA);
    }
    let matches = command.try_get_matches().unwrap_or_else(|error| refuse_arguments(error));
    Args::from_arg_matches(&matches).unwrap_or_else(|error| refuse_arguments(error))
}

/// clap's refusal of the command line, as clap prints it (help and version are no refusal); a
/// run that asked for `--output json` gets its JSON document on stdout too, as the labs do.
fn refuse_arguments(error: clap::Error) -> ! {
    let arguments: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    if asked_for_json(&arguments) && error.use_stderr() {
        let message = error.render().to_string();
        let document = json_document(None, Some(("usage", 2, message.trim().to_string())));
        println!("{}", json_text(&document));
    }
    error.exit()
}

/// The whole of the binary's `main`.
pub fn main() -> ExitCode {
    use std::io::IsTerminal;
    let args = parse_args();
    let json = args.output == Output::Json;
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let data_dir = progress::data_dir(std::env::var_os(progress::DATA_DIR_VARIABLE));
    let cx = Setup { io: &io::Terminal, interactive, data_dir };
    match run(args, &cx) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Esc backs out (exit 0), Ctrl-C interrupts (exit 130), as at a lab's prompts;
            // every answer given so far is already in the review progress.
            match error.downcast_ref::<inquire::InquireError>() {
                Some(inquire::InquireError::OperationCanceled) => return ExitCode::SUCCESS,
                Some(inquire::InquireError::OperationInterrupted) => return ExitCode::from(130),
                _ => {}
            }
            eprintln!("{}{error:#}", text::pick("error: ", "エラー: "));
            let (kind, code) = if error.is::<UsageError>() { ("usage", 2) } else { ("failure", 1) };
            if json {
                let document = json_document(None, Some((kind, code, format!("{error:#}"))));
                println!("{}", json_text(&document));
            }
            ExitCode::from(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use io::Scripted;

    fn session(lang: Lang) -> Session<'static> {
        Session { lang, feedback: true, progress: None }
    }

    #[test]
    fn the_bank_is_complete_in_both_languages_and_covers_every_topic() {
        let questions = bank().unwrap();
        assert!(questions.len() >= 70, "{} questions", questions.len());
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
            "is not a source of its facts",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
        assert!(!text.contains("the ja explanation"), "{text}");
    }

    #[test]
    fn every_question_states_a_fact_with_its_source_and_marks_inferred_ones() {
        let questions = bank().unwrap();
        let shortcut = questions.iter().find(|q| q.id == "copy-mrk-not-a-shortcut").unwrap().clone();
        assert!(shortcut.facts.iter().any(|id| facts::by_id(id).is_some_and(|f| f.inferred)));
        // The same question with "inferred" taken out of its explanations is refused.
        let mut stated_as_documented = shortcut.clone();
        stated_as_documented.en.explanation = "AWS documents it for EBS.".into();
        stated_as_documented.ja.explanation = "EBS について AWS が説明しています。".into();
        let text = check_bank(&[stated_as_documented]).join("; ");
        assert!(text.contains("en explanation states inferred fact mrk-not-a-shortcut as documented"), "{text}");
        assert!(text.contains("ja explanation states inferred fact"), "{text}");
        // A question that names no fact is refused; so is 送信先リージョン.
        let mut bare = shortcut;
        bare.facts.clear();
        bare.ja.text = "送信先リージョンでは".into();
        let text = check_bank(&[bare]).join("; ");
        assert!(text.contains("names no fact") && text.contains("コピー先リージョン"), "{text}");
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
    fn an_exam_draws_across_every_topic() {
        let all = bank().unwrap();
        let exam = select_exam(&all, &[], 3, 10);
        assert_eq!(exam.len(), 10);
        for topic in TOPICS {
            assert_eq!(exam.iter().filter(|q| q.topic == topic).count(), 2, "{topic}");
        }
        let ids = |qs: &[Question]| qs.iter().map(|q| q.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&exam), ids(&select_exam(&all, &[], 3, 10)), "the seed repeats the exam");
        let mut unique = ids(&exam);
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10, "no question twice");
        assert_eq!(select_exam(&all, &[], 1, 999).len(), all.len(), "at most the whole bank");
    }

    #[test]
    fn answers_are_scored_per_topic() {
        let all = bank().unwrap();
        let single = all.iter().find(|q| q.kind == Kind::Single).unwrap().clone();
        let multiple = all.iter().find(|q| q.kind == Kind::Multiple).unwrap().clone();
        let wrong_single = (0..single.en.options.len()).find(|i| !single.answers.contains(i)).unwrap();
        let io = Scripted::new(vec![vec![wrong_single], multiple.answers.clone()]);
        let scores = ask(&io, &[single.clone(), multiple.clone()], &mut session(Lang::Ja)).unwrap();
        assert_eq!(total(&scores), (1, 2));
        assert!(scores[&multiple.topic].0 >= 1);
        let text = io.text();
        assert!(text.contains("不正解です") && text.contains("正解です"), "{text}");
        assert!(text.contains(&single.ja.explanation), "the explanation is shown");
    }

    #[test]
    fn an_exam_gives_no_feedback_and_ends_with_links_to_review() {
        let all = bank().unwrap();
        let exam = select_exam(&all, &["copy".to_string()], 5, 2);
        let wrong: Vec<Vec<usize>> =
            exam.iter().map(|q| vec![(0..q.en.options.len()).find(|i| !q.answers.contains(i)).unwrap()]).collect();
        let io = Scripted::new(wrong);
        let scores = ask(&io, &exam, &mut Session { lang: Lang::En, feedback: false, progress: None }).unwrap();
        let printed = io.text();
        assert!(
            !printed.contains("Correct") && !printed.contains("Not quite") && !printed.contains("Source:"),
            "{printed}"
        );
        let report = exam_report(&scores, Duration::from_secs(125), Lang::En);
        assert!(report.contains("0/2 right (0%) in 2m 05s"), "{report}");
        let lab = &manifest::lab_that_makes(Makes::Copies).id;
        assert!(report.contains(&format!("lab labs/{lab}/README.md")), "{report}");
        assert!(report.contains("docs/concepts.md#cross-region-snapshot-copy"), "{report}");
    }

    #[test]
    fn every_topic_links_a_section_that_both_concepts_pages_have() {
        let english = include_str!("../../../docs/concepts.md");
        let japanese = include_str!("../../../docs/concepts.ja.md");
        for topic in TOPICS {
            let (en, ja) = concept_heading(topic);
            assert!(english.contains(&format!("\n## {en}\n")), "docs/concepts.md has no section {en:?}");
            assert!(japanese.contains(&format!("\n## {ja}\n")), "docs/concepts.ja.md has no section {ja:?}");
        }
        assert_eq!(anchor("Cross-region snapshot copy"), "cross-region-snapshot-copy");
        assert_eq!(anchor("3 種類の KMS キー"), "3-種類の-kms-キー");
    }

    #[test]
    fn review_asks_what_was_missed_until_right_twice_in_a_row() {
        let dir = tempfile::tempdir().unwrap();
        let all = bank().unwrap();
        let q = all.iter().find(|q| q.kind == Kind::Single).unwrap().clone();
        let wrong = (0..q.en.options.len()).find(|i| !q.answers.contains(i)).unwrap();
        fn setup<'a>(io: &'a dyn Prompter, dir: &Path) -> Setup<'a> {
            Setup { io, interactive: true, data_dir: Some(dir.to_path_buf()) }
        }
        let args =
            |extra: &[&str]| Args::try_parse_from(["quiz", "--lang", "en", "--seed", "1"].iter().chain(extra)).unwrap();
        // Nothing missed yet.
        let io = Scripted::new(vec![]);
        run(args(&["--review"]), &setup(&io, dir.path())).unwrap();
        assert!(io.text().contains("Nothing to review"), "{}", io.text());
        // Miss it once (recorded to the file at once).
        let mut progress = Progress::default();
        let mut s = Session { lang: Lang::En, feedback: true, progress: Some((&mut progress, dir.path())) };
        ask(&Scripted::new(vec![vec![wrong]]), std::slice::from_ref(&q), &mut s).unwrap();
        assert!(dir.path().join(progress::FILE_NAME).exists());
        // Two review runs, right each time: asked in both, then no more.
        for left in [1, 0] {
            let io = Scripted::new(vec![q.answers.clone()]);
            run(args(&["--review"]), &setup(&io, dir.path())).unwrap();
            assert!(io.text().contains(&format!("[{}: {}]", q.topic, q.id)), "{}", io.text());
            assert!(io.text().contains(&format!("Still to review: {left}.")), "{}", io.text());
        }
        let io = Scripted::new(vec![]);
        run(args(&["--review"]), &setup(&io, dir.path())).unwrap();
        assert!(io.text().contains("Nothing to review"), "{}", io.text());
        // --reset-progress removes the file.
        let io = Scripted::new(vec![]);
        run(args(&["--reset-progress"]), &setup(&io, dir.path())).unwrap();
        assert!(!dir.path().join(progress::FILE_NAME).exists());
    }

    /// `value` with every value under a key named `message` replaced by null.
    fn without_messages(value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        (k.clone(), if k == "message" { serde_json::Value::Null } else { without_messages(v) })
                    })
                    .collect(),
            ),
            serde_json::Value::Array(items) => items.iter().map(without_messages).collect(),
            other => other.clone(),
        }
    }

    #[test]
    fn the_json_study_sheet_is_the_same_in_both_languages_but_for_messages() {
        let all = bank().unwrap();
        let chosen = select(&all, &["copy".to_string()], 4, Some(3));
        let en = json_document(Some(study_json(&chosen, Lang::En, 4, &["copy".into()], Some(3))), None);
        let ja = json_document(Some(study_json(&chosen, Lang::Ja, 4, &["copy".into()], Some(3))), None);
        assert_ne!(en, ja);
        assert_eq!(without_messages(&en), without_messages(&ja));
        assert_eq!(en["ok"], true);
        assert_eq!(en["error"], serde_json::Value::Null);
        let first = &en["questions"][0];
        assert_eq!(first["id"], chosen[0].id.as_str());
        assert_eq!(first["question"]["message"], chosen[0].en.text.as_str());
        assert_eq!(first["sources"][0], chosen[0].source.as_str());
        let correct: Vec<&serde_json::Value> =
            first["choices"].as_array().unwrap().iter().filter(|c| c["correct"] == true).map(|c| &c["id"]).collect();
        let answers: Vec<&serde_json::Value> = first["answers"].as_array().unwrap().iter().collect();
        assert_eq!(correct, answers);
        // Without --study, --output json is a usage error.
        let args = Args::try_parse_from(["quiz", "--lang", "en", "--output", "json"]).unwrap();
        let error = run(args, &Setup { io: &Scripted::new(vec![]), interactive: true, data_dir: None }).unwrap_err();
        assert!(error.is::<UsageError>() && error.to_string().contains("--study"), "{error}");
    }

    #[test]
    fn the_lang_flag_is_read_before_parsing() {
        let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(lang_flag(args(&["quiz", "--lang", "ja", "--help"])), Some(Lang::Ja));
        assert_eq!(lang_flag(args(&["quiz", "--lang=en"])), Some(Lang::En));
        assert_eq!(lang_flag(args(&["quiz", "--study"])), None);
    }
}
