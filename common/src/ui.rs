//! The one seam between the labs and the person (or script) running them: explanations,
//! tables, JSON output, confirmations, choices and progress. Tests build a scripted [`Ui`]
//! that answers prompts from a list and captures everything printed.
//!
//! Rule: a run that would create or delete something asks first; with `--yes` it does not
//! ask, and with no terminal and no `--yes` it stops at once with a message naming `--yes`.
//!
//! At a prompt the terminal is in raw mode, so Ctrl-C is a key, not a signal: it ends the run as
//! Ctrl-C does anywhere else ([`StoppedAtPrompt`], exit 130, with the resume command), and since
//! every prompt comes before the changes it asks about, this run has changed nothing. Esc at a
//! yes/no question answers no; Esc at a choice backs out ([`BackedOut`], exit 0); either way
//! nothing is changed.
//!
//! Prose (`say`, `teach`, `heading`, `warn`) is written in the source hard-wrapped near 100
//! columns; [`lay_out`] undoes that: at a terminal it wraps each paragraph to the terminal's
//! width (`COLUMNS` when set), elsewhere (a pipe, a log, a test) it writes each paragraph on one
//! line. Tables, indented lines, commands and JSON are left as they are.

use crate::args::OutputFormat;
use crate::errors::{Interrupted, UsageError};
use crate::text;
use crate::tr;
use anyhow::{bail, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use inquire::InquireError;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use textwrap::core::{display_width, Word};
use textwrap::{WordSeparator, WordSplitter};
use thiserror::Error;

/// The version of the `--output json` documents (docs/schemas/): raised when a key is removed
/// or changes meaning; adding a key keeps it.
pub const SCHEMA_VERSION: u32 = 1;

/// A table of results; rows may carry a verification check.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Key of the table in JSON output, e.g. `keys`.
    pub name: String,
    pub title: String,
    /// Column headers in the learner's language.
    pub columns: Vec<String>,
    pub rows: Vec<ReportRow>,
}

/// One row: its cells, in column order, and optionally whether it passed verification.
#[derive(Debug, Clone, Default)]
pub struct ReportRow {
    pub cells: Vec<String>,
    /// `Some(Ok(()))` is ✓; `Some(Err(why))` is ✗ with the reason.
    pub check: Option<Result<(), String>>,
    /// The row in `--output json`: a JSON object with stable snake_case keys and raw values (ids,
    /// ARNs, region codes, AWS states as AWS spells them, numbers, booleans), the same in every
    /// language; human text only under keys named `message`. A row with a check also carries
    /// `check`, `expected` and `found`; `ok` and the check's `message` are added from `check`.
    pub record: Option<Value>,
}

impl Report {
    /// A table named `name` in JSON, with `columns` as (English, Japanese) header pairs.
    pub fn new(name: &str, title: impl Into<String>, columns: &[(&str, &str)]) -> Self {
        let lang = text::lang();
        Report {
            name: name.to_string(),
            title: title.into(),
            columns: columns.iter().map(|(en, ja)| lang.pick(en, ja).to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// A row for people only: `--output json` leaves tables made of such rows out (teaching tables).
    pub fn row(&mut self, cells: Vec<String>, check: Option<Result<(), String>>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "row width must match the header");
        self.rows.push(ReportRow { cells, check, record: None });
    }

    /// A row with its JSON `record` (see [`ReportRow::record`]).
    pub fn row_with(&mut self, cells: Vec<String>, check: Option<Result<(), String>>, record: Value) {
        debug_assert_eq!(cells.len(), self.columns.len(), "row width must match the header");
        debug_assert!(record.is_object(), "a row's record is a JSON object");
        self.rows.push(ReportRow { cells, check, record: Some(record) });
    }

    /// Whether the table belongs in `--output json`: its rows carry records.
    pub fn is_data(&self) -> bool {
        self.rows.iter().any(|row| row.record.is_some())
    }

    /// (failed, total) over rows that carry a check.
    pub fn check_counts(&self) -> (usize, usize) {
        let checked = self.rows.iter().filter_map(|row| row.check.as_ref());
        let (failed, total) = checked.fold((0, 0), |(f, t), c| (f + usize::from(c.is_err()), t + 1));
        (failed, total)
    }

    fn has_checks(&self) -> bool {
        self.rows.iter().any(|row| row.check.is_some())
    }

    /// The table as a person sees it.
    pub fn render_table(&self) -> String {
        let mut table = Table::new();
        table.load_style(UTF8_FULL_CONDENSED);
        // Fit the terminal's width, unless it reports none or an unusable one (a bare
        // pseudo-terminal says 0 columns): then keep cells whole.
        if table.width().is_some_and(|width| width >= 60) {
            table.set_content_arrangement(ContentArrangement::Dynamic);
        }
        let mut header = self.columns.clone();
        if self.has_checks() {
            header.push("✓".to_string());
        }
        table.set_header(header);
        for row in &self.rows {
            let mut cells = row.cells.clone();
            match &row.check {
                Some(Ok(())) => cells.push("✓".to_string()),
                Some(Err(why)) => cells.push(format!("✗ {why}")),
                None if self.has_checks() => cells.push(String::new()),
                None => {}
            }
            table.add_row(cells);
        }
        format!("{}\n{table}", self.title)
    }

    /// The table as JSON: its rows' records, each with `ok` and `message` when it carries a check.
    pub fn to_json(&self) -> Value {
        let rows = self.rows.iter().filter_map(|row| {
            let mut record = row.record.clone()?;
            if let (Some(check), Some(object)) = (&row.check, record.as_object_mut()) {
                object.insert("ok".into(), Value::Bool(check.is_ok()));
                let message = check.as_ref().err().map_or(Value::Null, |why| Value::String(why.clone()));
                object.insert("message".into(), message);
            }
            Some(record)
        });
        Value::Array(rows.collect())
    }
}

/// A scripted answer to one prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    /// The option at this index.
    Pick(usize),
    /// These options, for a multiple choice.
    PickMany(Vec<usize>),
    /// Ctrl-C at the prompt.
    CtrlC,
    /// Esc at the prompt.
    Esc,
}

/// Ctrl-C at a prompt: the run stops as on Ctrl-C anywhere ([`Interrupted`] is the source, so
/// the exit status is 130), having changed nothing (prompts come before the changes they ask
/// about); `run_lab` says so and prints the command that resumes.
#[derive(Debug, Error)]
// thiserror with `tr!` in the attribute: the text is chosen by language when displayed.
#[error("{}", tr!("stopped at a question (Ctrl-C)", "質問の途中で中断しました (Ctrl-C)"))]
pub struct StoppedAtPrompt {
    #[source]
    pub interrupted: Interrupted,
}

/// Esc at a choice: the learner backs out; nothing is changed, and `run_lab` exits 0 saying so.
/// (Esc at a yes/no question is simply "no".)
#[derive(Debug, Error)]
// thiserror with `tr!` in the attribute: the text is chosen by language when displayed.
#[error("{}", tr!("backed out of a question (Esc)", "質問から抜けました (Esc)"))]
pub struct BackedOut;

/// What a prompt's outcome means for the run: Ctrl-C stops it ([`StoppedAtPrompt`]), Esc is
/// `on_escape` (no, or [`BackedOut`]), anything else inquire reports is an error.
fn settle<T>(answer: Result<T, InquireError>, on_escape: impl FnOnce() -> Result<T>) -> Result<T> {
    match answer {
        Ok(answer) => Ok(answer),
        Err(InquireError::OperationInterrupted) => Err(StoppedAtPrompt { interrupted: Interrupted }.into()),
        Err(InquireError::OperationCanceled) => on_escape(),
        Err(other) => Err(other.into()),
    }
}

/// Esc at a choice.
fn back_out<T>() -> Result<T> {
    Err(BackedOut.into())
}

/// A typed answer to a yes/no question, in either language: y, yes, n, no, はい, いいえ.
fn yes_or_no(answer: &str) -> Option<bool> {
    match answer.trim().to_lowercase().as_str() {
        "y" | "yes" | "はい" => Some(true),
        "n" | "no" | "いいえ" => Some(false),
        _ => None,
    }
}

/// Answers questions: inquire at a terminal, a list of answers in tests.
trait Prompter: Send + Sync {
    fn confirm(&self, question: &str, default: bool) -> Result<bool>;
    fn select(&self, question: &str, options: &[String], default: usize) -> Result<usize>;
    fn select_many(&self, question: &str, options: &[String]) -> Result<Vec<usize>>;
}

struct InquirePrompter;

impl Prompter for InquirePrompter {
    // inquire's own words (help lines, the answer shown, the complaint about a bad answer) are
    // English: each prompt gets them in the learner's language.
    fn confirm(&self, question: &str, default: bool) -> Result<bool> {
        let answered = |yes: bool| if yes { text::pick("Yes", "はい") } else { text::pick("No", "いいえ") }.to_string();
        let parse = |answer: &str| yes_or_no(answer).ok_or(());
        let prompt = inquire::Confirm::new(question)
            .with_default(default)
            .with_parser(&parse)
            .with_formatter(&answered)
            .with_error_message(text::pick(
                "Invalid answer, try typing 'y' for yes or 'n' for no",
                "答えが読み取れません。はいなら y、いいえなら n を入力してください",
            ));
        settle(prompt.prompt(), || Ok(false))
    }

    fn select(&self, question: &str, options: &[String], default: usize) -> Result<usize> {
        let chosen = inquire::Select::new(question, options.to_vec())
            .with_starting_cursor(default)
            .with_help_message(text::pick(
                "↑↓ to move, enter to select, type to filter",
                "↑↓ で移動、Enter で選択、文字を入力すると絞り込み",
            ))
            .raw_prompt();
        settle(chosen.map(|chosen| chosen.index), back_out)
    }

    fn select_many(&self, question: &str, options: &[String]) -> Result<Vec<usize>> {
        let chosen = inquire::MultiSelect::new(question, options.to_vec())
            .with_help_message(text::pick(
                "↑↓ to move, space to select one, → to all, ← to none, type to filter",
                "↑↓ で移動、Space で 1 つ選択、→ ですべて選択、← ですべて解除、文字を入力すると絞り込み",
            ))
            .raw_prompt();
        settle(chosen.map(|chosen| chosen.into_iter().map(|option| option.index).collect()), back_out)
    }
}

struct ScriptedPrompter {
    answers: Mutex<VecDeque<Answer>>,
}

impl ScriptedPrompter {
    /// The next answer; Ctrl-C and Esc come back as inquire reports them, to go through [`settle`].
    fn next(&self, question: &str) -> Result<Result<Answer, InquireError>> {
        match self.answers.lock().expect("prompt script lock").pop_front() {
            Some(Answer::CtrlC) => Ok(Err(InquireError::OperationInterrupted)),
            Some(Answer::Esc) => Ok(Err(InquireError::OperationCanceled)),
            Some(answer) => Ok(Ok(answer)),
            // english-only: a test script's mistake, seen by its author only
            None => bail!("the test script has no answer left for the prompt {question:?}"),
        }
    }
}

impl Prompter for ScriptedPrompter {
    fn confirm(&self, question: &str, _default: bool) -> Result<bool> {
        match settle(self.next(question)?, || Ok(Answer::No))? {
            Answer::Yes => Ok(true),
            Answer::No => Ok(false),
            // english-only: a test script's mistake, seen by its author only
            other => bail!("the test script answered {other:?} to the yes/no prompt {question:?}"),
        }
    }

    fn select(&self, question: &str, options: &[String], _default: usize) -> Result<usize> {
        match settle(self.next(question)?, back_out)? {
            Answer::Pick(index) if index < options.len() => Ok(index),
            // english-only: a test script's mistake, seen by its author only
            other => bail!("the test script answered {other:?} to the choice {question:?} of {options:?}"),
        }
    }

    fn select_many(&self, question: &str, options: &[String]) -> Result<Vec<usize>> {
        match settle(self.next(question)?, back_out)? {
            Answer::PickMany(indices) if indices.iter().all(|i| *i < options.len()) => Ok(indices),
            // english-only: a test script's mistake, seen by its author only
            other => bail!("the test script answered {other:?} to the multiple choice {question:?} of {options:?}"),
        }
    }
}

/// A writer into shared memory, for capturing output in tests.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("capture lock")).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("capture lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The lab's voice. See the module docs for the rules it enforces.
pub struct Ui {
    format: OutputFormat,
    quiet: bool,
    show_cli: bool,
    assume_yes: bool,
    interactive: bool,
    out: Mutex<Box<dyn Write + Send>>,
    err: Mutex<Box<dyn Write + Send>>,
    /// The width prose is wrapped to on stdout and on stderr; `None` (not a terminal): a
    /// paragraph is one line.
    out_width: Option<usize>,
    err_width: Option<usize>,
    prompter: Box<dyn Prompter>,
    json: Mutex<Map<String, Value>>,
    progress: MultiProgress,
}

impl Ui {
    /// The real terminal: interactive only when stdin and stderr are terminals.
    pub fn terminal(format: OutputFormat, assume_yes: bool) -> Self {
        let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        let progress = if interactive {
            MultiProgress::with_draw_target(ProgressDrawTarget::stderr())
        } else {
            MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
        };
        Ui {
            format,
            quiet: false,
            show_cli: false,
            assume_yes,
            interactive,
            out: Mutex::new(Box::new(std::io::stdout())),
            err: Mutex::new(Box::new(std::io::stderr())),
            out_width: prose_width(std::io::stdout()),
            err_width: prose_width(std::io::stderr()),
            prompter: Box::new(InquirePrompter),
            json: Mutex::new(Map::new()),
            progress,
        }
    }

    /// A Ui for tests: prompts take `answers` in order; returns what goes to stdout and stderr.
    pub fn scripted(format: OutputFormat, assume_yes: bool, answers: Vec<Answer>) -> (Self, Captured, Captured) {
        let (out, err) = (Captured::default(), Captured::default());
        let ui = Ui {
            format,
            quiet: false,
            show_cli: false,
            assume_yes,
            interactive: true,
            out: Mutex::new(Box::new(out.clone())),
            err: Mutex::new(Box::new(err.clone())),
            out_width: None,
            err_width: None,
            prompter: Box::new(ScriptedPrompter { answers: Mutex::new(answers.into()) }),
            json: Mutex::new(Map::new()),
            progress: MultiProgress::with_draw_target(ProgressDrawTarget::hidden()),
        };
        (ui, out, err)
    }

    /// A Ui that is not at a terminal (like a CI job), capturing its output.
    pub fn non_interactive(format: OutputFormat, assume_yes: bool) -> (Self, Captured, Captured) {
        let (mut ui, out, err) = Ui::scripted(format, assume_yes, Vec::new());
        ui.interactive = false;
        (ui, out, err)
    }

    /// With `quiet`, the teaching text is left out; results, warnings and prompts stay.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// With `show_cli`, [`Ui::cli`] prints the AWS CLI commands of each step.
    pub fn show_cli(mut self, show_cli: bool) -> Self {
        self.show_cli = show_cli;
        self
    }

    /// The AWS CLI command of a request being sent (`--show-cli`), as a `cli:` line where the
    /// explanations go. The API log renders it from the request ([`crate::cli::command_for`]).
    pub fn cli(&self, command: &str) {
        if self.show_cli {
            self.write_line(self.text_stream(), &format!("cli: {command}"));
        }
    }

    /// Teaching text: what a lab will do and why, and what the learner now knows. `--quiet`
    /// leaves it out.
    pub fn teach(&self, text: &str) {
        if !self.quiet {
            self.say(text);
        }
    }

    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Human text goes to stdout, except in JSON mode where stdout carries only the document.
    fn text_stream(&self) -> &Mutex<Box<dyn Write + Send>> {
        match self.format {
            OutputFormat::Table => &self.out,
            OutputFormat::Json => &self.err,
        }
    }

    fn write_line(&self, stream: &Mutex<Box<dyn Write + Send>>, text: &str) {
        let mut writer = stream.lock().expect("output lock");
        // A closed pipe (`| head`) is not worth failing a lab over.
        let _ = self.progress.suspend(|| writeln!(writer, "{text}"));
    }

    /// Prose, laid out for its stream ([`lay_out`]).
    fn write_prose(&self, stream: &Mutex<Box<dyn Write + Send>>, text: &str) {
        let width = if std::ptr::eq(stream, &self.err) { self.err_width } else { self.out_width };
        self.write_line(stream, &lay_out(text, width));
    }

    /// A section heading (part of the teaching text: `--quiet` leaves it out).
    pub fn heading(&self, text: &str) {
        if self.quiet {
            return;
        }
        self.write_prose(self.text_stream(), &format!("\n== {text} =="));
    }

    /// Explanations and progress notes for the learner.
    pub fn say(&self, text: &str) {
        self.write_prose(self.text_stream(), text);
    }

    /// Warnings: always on stderr.
    pub fn warn(&self, text: &str) {
        self.write_prose(&self.err, &tr!("warning: {text}", "警告: {text}"));
    }

    /// Shows a table, or adds it to the JSON document under its name.
    pub fn report(&self, report: &Report) {
        match self.format {
            // The title is prose; the table's lines are kept as they are.
            OutputFormat::Table => self.write_prose(&self.out, &report.render_table()),
            // A table made for people only (teaching) has no place in the document.
            OutputFormat::Json if report.is_data() || report.rows.is_empty() => {
                self.json.lock().expect("json lock").insert(report.name.clone(), report.to_json());
            }
            OutputFormat::Json => {}
        }
    }

    /// Adds a value to the JSON document (ignored in table mode, where `say` covers it).
    pub fn data(&self, key: &str, value: Value) {
        if self.format == OutputFormat::Json {
            self.json.lock().expect("json lock").insert(key.to_string(), value);
        }
    }

    /// Asks before a change. `--yes` answers yes; no terminal and no `--yes` is a usage error.
    pub fn confirm(&self, question: &str) -> Result<bool> {
        if self.assume_yes {
            self.say(&tr!("{question} yes (--yes)", "{question} はい (--yes)"));
            return Ok(true);
        }
        if !self.interactive {
            return Err(UsageError(tr!(
                "this run would make changes and needs a confirmation, but there is no terminal to ask on: \
                 re-run with --yes to proceed, or with --dry-run to see the plan ({question})",
                "この実行は変更を加えるため確認が必要ですが、確認を求める端末がありません。\
                 実行するには --yes を付けて、計画だけを見るには --dry-run を付けて再実行してください ({question})"
            ))
            .into());
        }
        self.progress.suspend(|| self.prompter.confirm(question, false))
    }

    /// Lets the learner pick one option; `--yes` or no terminal takes `default`.
    pub fn choose(&self, question: &str, options: &[String], default: usize) -> Result<usize> {
        if self.assume_yes || !self.interactive {
            return Ok(default);
        }
        self.progress.suspend(|| self.prompter.select(question, options, default))
    }

    /// Whether prompts can be shown (a terminal, or a test script), `--yes` aside.
    pub fn is_interactive(&self) -> bool {
        self.interactive
    }

    /// Lets the learner pick any number of options (a terminal is needed: check
    /// [`Ui::is_interactive`] first).
    pub fn choose_many(&self, question: &str, options: &[String]) -> Result<Vec<usize>> {
        if !self.interactive {
            return Err(UsageError(tr!(
                "the question {question:?} needs a terminal to answer",
                "質問 {question:?} に答えるには端末が必要です"
            ))
            .into());
        }
        self.progress.suspend(|| self.prompter.select_many(question, options))
    }

    /// Waits for the learner at a terminal (`--yourself`): Enter (or y) is true, n or Esc false,
    /// Ctrl-C stops the run. With no terminal it refuses, `--yes` or not: nobody is there to wait for.
    pub fn wait_for_learner(&self, question: &str) -> Result<bool> {
        if !self.interactive {
            return Err(UsageError(tr!(
                "the question {question:?} waits for you at a terminal, and there is none",
                "質問 {question:?} は端末であなたの操作を待ちますが、端末がありません"
            ))
            .into());
        }
        self.progress.suspend(|| self.prompter.confirm(question, true))
    }

    /// A spinner for something that takes a while; hidden when not at a terminal.
    pub fn spinner(&self, message: String) -> ProgressBar {
        let bar = self.progress.add(ProgressBar::new_spinner());
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("static template"));
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }

    /// A progress bar (0–100) for one resource; hidden when not at a terminal.
    pub fn progress_bar(&self, message: String) -> ProgressBar {
        let bar = self.progress.add(ProgressBar::new(100));
        bar.set_style(ProgressStyle::with_template("{bar:20} {pos:>3}% {msg} ({elapsed})").expect("static template"));
        bar.set_message(message);
        bar
    }

    /// A progress note that only appears where no bars are drawn (logs, CI, tests), so a
    /// terminal shows bars and a log shows lines.
    pub fn progress_line(&self, text: &str) {
        if self.progress.is_hidden() {
            self.write_line(&self.err, text);
        }
    }

    /// Prints the JSON document, in JSON mode; call once at the end of a lab. It opens with
    /// `schema_version` (docs/schemas/).
    pub fn finish(&self) {
        if self.format == OutputFormat::Json {
            let mut document = Map::new();
            document.insert("schema_version".into(), json!(SCHEMA_VERSION));
            document.extend(std::mem::take(&mut *self.json.lock().expect("json lock")));
            let document = Value::Object(document);
            let text = serde_json::to_string_pretty(&document).expect("JSON values serialize");
            self.write_line(&self.out, &text);
        }
    }
}

/// The width prose is wrapped to on `stream`: `COLUMNS` when set, else the terminal's own; `None`
/// when the stream is not a terminal, or is one that reports no width (a bare pseudo-terminal
/// says 0 columns), so that nothing is broken at a guessed width.
fn prose_width(stream: impl IsTerminal + std::os::fd::AsFd) -> Option<usize> {
    if !stream.is_terminal() {
        return None;
    }
    let columns = std::env::var("COLUMNS").ok().and_then(|columns| columns.trim().parse::<usize>().ok());
    let reported = terminal_size::terminal_size_of(stream).map(|(width, _)| usize::from(width.0));
    columns.or(reported).filter(|width| *width > 0).map(|width| width.max(MIN_PROSE_WIDTH))
}

/// Narrower than this, prose is wrapped at this width all the same (a word per line helps nobody).
const MIN_PROSE_WIDTH: usize = 20;

/// `text` as it is printed: each paragraph wrapped to `width` display columns (a Japanese
/// character takes two), or, with no width (not a terminal), each paragraph on one line. The
/// source's hard line breaks are undone by these rules:
///
/// - a paragraph is a run of prose lines; a line that ends a sentence (`.`, `:`, `?`, `!`, `。`…)
///   ends its paragraph too, so that deliberate line breaks stay;
/// - a list item (`- `, `* `, `• `, `1. ` at the start of a line) is a paragraph with the lines
///   indented under its text (and the prose lines after it, by the rule above), and wraps with
///   that hanging indent;
/// - lines that are not prose are kept as they are: blank lines, indented lines, table lines
///   (box drawing), commands (`cargo …`, `aws …`, `$ …`), `cli:` and `api:` lines, and JSON.
///
/// Joined lines meet with a space, except between two Japanese characters and next to Japanese
/// punctuation (`、`, `（`…): a Japanese line joins the next as if there were no break.
pub fn lay_out(text: &str, width: Option<usize>) -> String {
    let mut laid_out: Vec<String> = Vec::new();
    let mut lines = text.split('\n').peekable();
    let mut in_code = false;
    while let Some(line) = lines.next() {
        // A fenced code block (a lab page's commands, shown by `--yourself`) stays as written.
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            laid_out.push(line.to_string());
            continue;
        }
        if in_code || !is_prose(line) {
            laid_out.push(line.to_string());
            continue;
        }
        let indent = list_marker_width(line);
        let mut paragraph = line.trim_end().to_string();
        while let Some(next) = lines.peek() {
            let spaces = next.bytes().take_while(|byte| *byte == b' ').count();
            let under_the_item =
                indent > 0 && spaces == indent && next.len() > indent && list_marker_width(&next[indent..]) == 0;
            let continues =
                under_the_item || (!ends_sentence(&paragraph) && is_prose(next) && list_marker_width(next) == 0);
            if !continues {
                break;
            }
            join(&mut paragraph, next.trim());
            lines.next();
        }
        match width {
            None => laid_out.push(paragraph),
            Some(width) => {
                let hanging = " ".repeat(indent);
                let options = textwrap::Options::new(width)
                    .subsequent_indent(&hanging)
                    .word_separator(WordSeparator::Custom(prose_words))
                    .word_splitter(WordSplitter::NoHyphenation);
                laid_out.extend(textwrap::wrap(&paragraph, options).into_iter().map(|line| line.into_owned()));
            }
        }
    }
    laid_out.join("\n")
}

/// Whether `line` is prose to lay out (see [`lay_out`]).
fn is_prose(line: &str) -> bool {
    let Some(first) = line.chars().next() else { return false };
    let box_drawing = ('\u{2500}'..='\u{257f}').contains(&first);
    let command = ["cargo ", "aws ", "$ ", "cli:", "api:"].iter().any(|start| line.starts_with(start));
    // `#` and `|`: a heading or a table row of a lab page (`--yourself` shows a README section).
    !(first.is_whitespace() || box_drawing || command || "{}[]#|".contains(first))
}

/// The width of the list marker `line` starts with (`- `, `* `, `• `, `12. `), or 0.
fn list_marker_width(line: &str) -> usize {
    if ["- ", "* ", "• "].iter().any(|marker| line.starts_with(marker)) {
        return 2;
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && line[digits..].starts_with(". ") {
        digits + 2
    } else {
        0
    }
}

/// Whether `line` ends with a sentence (or a colon): a line break after it is meant.
fn ends_sentence(line: &str) -> bool {
    line.trim_end().ends_with(['.', ':', '?', '!', '。', '：', '？', '！'])
}

/// Whether `c` takes two columns (Japanese and other East Asian wide characters).
fn is_wide(c: char) -> bool {
    display_width(c.encode_utf8(&mut [0; 4])) == 2
}

/// Appends the line `next` to `paragraph`: with a space, except between two wide (Japanese)
/// characters and next to Japanese punctuation (the text then has a space around a Latin word).
fn join(paragraph: &mut String, next: &str) {
    let punctuation = |c: char| ('\u{3000}'..='\u{303f}').contains(&c) || ('\u{ff00}'..='\u{ff60}').contains(&c);
    let (last, first) = (paragraph.chars().next_back(), next.chars().next());
    let tight = last
        .zip(first)
        .is_some_and(|(last, first)| (is_wide(last) && is_wide(first)) || punctuation(last) || punctuation(first));
    if !tight {
        paragraph.push(' ');
    }
    paragraph.push_str(next);
}

/// Where a line of prose may break, for textwrap: after spaces (English), and between two
/// characters one of which is wide (Japanese has no spaces), except before closing punctuation,
/// small kana and the long-vowel mark, and after opening brackets (the usual kinsoku rules). A
/// command in backticks stays on one line when it fits.
fn prose_words(line: &str) -> Box<dyn Iterator<Item = Word<'_>> + '_> {
    const NOT_FIRST: &str =
        "、。，．・：；？！）」』】〕〉》ー…々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ),.:;!?]}";
    const NOT_LAST: &str = "（「『【〔〈《([{";
    let (mut start, mut in_code) = (0, false);
    let mut chars = line.char_indices().peekable();
    Box::new(std::iter::from_fn(move || {
        while let Some((_, c)) = chars.next() {
            in_code ^= c == '`';
            let Some(&(index, next)) = chars.peek() else { break };
            let after_spaces = c == ' ' && next != ' ' && !in_code;
            let between_wide = c != ' '
                && next != ' '
                && (is_wide(c) || is_wide(next))
                && !NOT_FIRST.contains(next)
                && !NOT_LAST.contains(c);
            if after_spaces || between_wide {
                let word = Word::from(&line[start..index]);
                start = index;
                return Some(word);
            }
        }
        (start < line.len()).then(|| {
            let word = Word::from(&line[start..]);
            start = line.len();
            word
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let mut report = Report::new("keys", "Keys", &[("Alias", "エイリアス"), ("Key ID", "キー ID")]);
        let record = |alias: &str, id: &str| json!({ "check": "key_enabled", "alias": alias, "key_id": id, "expected": "Enabled", "found": "Enabled" });
        report.row_with(
            vec!["Single-region-key".into(), "1234".into()],
            Some(Ok(())),
            record("Single-region-key", "1234"),
        );
        report.row_with(
            vec!["Multi-region-key".into(), "mrk-1".into()],
            Some(Err("state Disabled".into())),
            record("Multi-region-key", "mrk-1"),
        );
        report
    }

    #[test]
    fn tables_show_checks_and_json_keeps_them() {
        let report = sample();
        let table = report.render_table();
        assert!(table.contains("✓") && table.contains("✗ state Disabled"), "{table}");
        assert_eq!(report.check_counts(), (1, 2));
        let json = report.to_json();
        assert_eq!(json[0]["key_id"], "1234");
        assert_eq!((&json[0]["ok"], &json[0]["message"]), (&Value::Bool(true), &Value::Null));
        assert_eq!(json[1]["ok"], false);
        assert_eq!(json[1]["message"], "state Disabled");
    }

    #[test]
    fn teaching_tables_stay_out_of_the_json_document() {
        let (ui, out, _) = Ui::scripted(OutputFormat::Json, true, vec![]);
        let mut teaching = Report::new("kinds", "Key kinds", &[("Kind", "種類")]);
        teaching.row(vec!["AWS managed".into()], None);
        ui.report(&teaching);
        ui.report(&sample());
        ui.finish();
        let document: Value = serde_json::from_str(&out.text()).unwrap();
        assert_eq!(document["schema_version"], SCHEMA_VERSION);
        assert!(document.get("kinds").is_none(), "{document}");
        assert_eq!(document["keys"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn json_mode_keeps_stdout_for_the_document() {
        let (ui, out, err) = Ui::scripted(OutputFormat::Json, true, vec![]);
        ui.say("explaining");
        ui.report(&sample());
        ui.finish();
        let document: Value = serde_json::from_str(&out.text()).expect("stdout is one JSON document");
        assert_eq!(document["keys"][1]["alias"], "Multi-region-key");
        assert!(err.text().contains("explaining"));
    }

    #[test]
    fn confirm_follows_yes_terminal_and_script() {
        let (ui, _, _) = Ui::non_interactive(OutputFormat::Table, false);
        let error = ui.confirm("Create 4 keys?").unwrap_err();
        assert!(error.to_string().contains("--yes"), "{error}");
        assert!(error.is::<UsageError>());

        let (ui, out, _) = Ui::non_interactive(OutputFormat::Table, true);
        assert!(ui.confirm("Create 4 keys?").unwrap());
        assert!(out.text().contains("(--yes)"));

        let (ui, _, _) = Ui::scripted(OutputFormat::Table, false, vec![Answer::No, Answer::Yes, Answer::Pick(2)]);
        assert!(!ui.confirm("first?").unwrap());
        assert!(ui.confirm("second?").unwrap());
        let options = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(ui.choose("which?", &options, 0).unwrap(), 2);
        assert!(ui.confirm("one too many?").is_err());
    }

    #[test]
    fn ctrl_c_at_a_prompt_stops_the_run_and_esc_means_no_or_backs_out() {
        let answers = vec![Answer::Esc, Answer::CtrlC, Answer::Esc, Answer::CtrlC];
        let (ui, _, _) = Ui::scripted(OutputFormat::Table, false, answers);
        assert!(!ui.confirm("Create 4 keys?").unwrap(), "Esc at a yes/no question is no");
        let stopped = ui.confirm("Create 4 keys?").unwrap_err();
        assert!(stopped.is::<StoppedAtPrompt>(), "{stopped}");
        assert_eq!(crate::errors::exit_status_for(&stopped), crate::errors::ExitStatus::Interrupted);
        let options = vec!["a".to_string(), "b".to_string()];
        let backed_out = ui.choose("which?", &options, 0).unwrap_err();
        assert!(backed_out.is::<BackedOut>(), "{backed_out}");
        let stopped = ui.choose("which?", &options, 0).unwrap_err();
        assert_eq!(crate::errors::exit_status_for(&stopped), crate::errors::ExitStatus::Interrupted);
    }

    #[test]
    fn quiet_leaves_out_teaching_but_keeps_results() {
        let (ui, out, _) = Ui::scripted(OutputFormat::Table, true, vec![]);
        let ui = ui.quiet(true);
        ui.heading("Lab 01");
        ui.teach("what a multi-region key is");
        ui.say("created key 1234");
        ui.report(&sample());
        let text = out.text();
        assert!(!text.contains("Lab 01") && !text.contains("multi-region key is"), "{text}");
        assert!(text.contains("created key 1234") && text.contains("Single-region-key"), "{text}");
    }

    #[test]
    fn choose_takes_the_default_without_a_terminal() {
        let (ui, _, _) = Ui::non_interactive(OutputFormat::Table, false);
        assert_eq!(ui.choose("which?", &["a".into(), "b".into()], 1).unwrap(), 1);
    }

    /// The widest line of `text`, in display columns.
    fn widest(text: &str) -> usize {
        text.lines().map(display_width).max().unwrap_or(0)
    }

    const HARD_WRAPPED: &str =
        "To copy an encrypted EBS snapshot from Tokyo to Oregon, you need a KMS key in each region: EBS\n\
                                re-encrypts the copy with a key of the destination region. This lab prepares six keys:";

    #[test]
    fn off_a_terminal_a_paragraph_is_one_line_and_deliberate_breaks_stay() {
        let text = format!("{HARD_WRAPPED}\n┌──┐\n│ta│\n└──┘\n\nDone.\nNext: cargo run --bin 02-volumes");
        let laid_out = lay_out(&text, None);
        let lines: Vec<&str> = laid_out.lines().collect();
        assert_eq!(lines[0], HARD_WRAPPED.replace('\n', " "));
        assert_eq!(lines[1..], ["┌──┐", "│ta│", "└──┘", "", "Done.", "Next: cargo run --bin 02-volumes"]);
        let japanese = "暗号化された EBS スナップショットをコピーするには、\n両方のリージョンに KMS キーが必要です。\n次の行です。";
        assert_eq!(
            lay_out(japanese, None),
            "暗号化された EBS スナップショットをコピーするには、両方のリージョンに KMS キーが必要です。\n次の行です。"
        );
        let latin_word = "- 東京の Single-region-key:\n  カスタマーマネージドキーです、\nKMS キーは\n(月額 $1) です";
        assert_eq!(
            lay_out(latin_word, None),
            "- 東京の Single-region-key: カスタマーマネージドキーです、KMS キーは (月額 $1) です"
        );
    }

    #[test]
    fn at_a_terminal_prose_fits_the_width_in_either_language() {
        let command =
            "Lab resources left elsewhere keep billing: `cargo run --bin 05-cleanup -- --all-regions` lists them.";
        let laid_out = lay_out(command, Some(60));
        assert!(
            laid_out.lines().any(|line| line.starts_with("`cargo run --bin 05-cleanup -- --all-regions`")),
            "{laid_out}"
        );
        for width in [40, 80, 120] {
            let laid_out = lay_out(HARD_WRAPPED, Some(width));
            assert!(widest(&laid_out) <= width, "{width}:\n{laid_out}");
            assert_eq!(
                laid_out.split_whitespace().collect::<Vec<_>>(),
                HARD_WRAPPED.split_whitespace().collect::<Vec<_>>()
            );
        }
        let japanese = "クリーンアップでは、東京とオレゴンでラボのタグが付いたものをすべて探し、\n\
                        その料金を示したうえで、AWS が受け付ける順序で削除します: まずスナップショットのコピー、\n\
                        スナップショット、ボリューム、エイリアスをまとめて削除し、最後にキーを扱います。";
        for width in [30, 80] {
            let laid_out = lay_out(japanese, Some(width));
            assert!(widest(&laid_out) <= width, "{width}:\n{laid_out}");
            assert!(laid_out.lines().all(|line| !line.starts_with(['、', '。'])), "kinsoku:\n{laid_out}");
            assert_eq!(laid_out.replace('\n', ""), japanese.replace('\n', ""));
        }
    }

    #[test]
    fn list_items_wrap_under_their_text_and_other_lines_stay_as_they_are() {
        let text = "Keys:\n- aws/ebs: AWS creates it in each region the first time EBS needs it; this lab asks for\n  \
                    it, so it exists.\n  - indented, kept as it is even when it is longer than the terminal is wide\n\
                    cli: aws kms create-key --region ap-northeast-1 --description 'a key for the labs of this course'\n\
                    {\"keys\": []}";
        let laid_out = lay_out(text, Some(40));
        let lines: Vec<&str> = laid_out.lines().collect();
        assert_eq!(lines[0], "Keys:");
        assert!(
            lines[1].starts_with("- aws/ebs:") && lines[2].starts_with("  ") && !lines[2].starts_with("   "),
            "{laid_out}"
        );
        let item: Vec<&str> = lines.iter().take_while(|line| !line.starts_with("  - ")).skip(1).copied().collect();
        assert!(item.iter().all(|line| display_width(line) <= 40), "{laid_out}");
        assert!(item.join(" ").contains("asks for it, so it exists."), "{laid_out}");
        assert!(lines.contains(&"  - indented, kept as it is even when it is longer than the terminal is wide"));
        assert!(lines.iter().any(|line| line.starts_with("cli: ") && line.ends_with("course'")), "{laid_out}");
        assert_eq!(lines.last(), Some(&"{\"keys\": []}"));
        let unindented = "- one\n- two goes on\nunindented, as a string continuation leaves it.\nAfter the list.";
        assert_eq!(
            lay_out(unindented, None),
            "- one\n- two goes on unindented, as a string continuation leaves it.\nAfter the list."
        );
        let one_line = lay_out(text, None);
        assert!(one_line.contains("\n- aws/ebs: AWS creates it in each region the first time EBS needs it; this lab asks for it, so it exists.\n"));
    }

    #[test]
    fn yes_and_no_are_understood_in_either_language() {
        assert_eq!(yes_or_no(" Y "), Some(true));
        assert_eq!(yes_or_no("はい"), Some(true));
        assert_eq!(yes_or_no("no"), Some(false));
        assert_eq!(yes_or_no("いいえ"), Some(false));
        assert_eq!(yes_or_no("maybe"), None);
    }

    #[test]
    fn code_blocks_headings_and_table_rows_of_a_page_stay_as_written() {
        let page = "## Do it yourself\n\nIn the console, three\ntimes:\n\n| Flag | What |\n|---|---|\n\n```sh\nSRC=ap-northeast-1   # source\nPREFIX=\nfor x in a b; do\n  echo \"$x\"\ndone\n```\nThen check";
        let laid_out = lay_out(page, None);
        assert!(laid_out.contains("In the console, three times:"), "prose is joined: {laid_out}");
        let block = "```sh\nSRC=ap-northeast-1   # source\nPREFIX=\nfor x in a b; do\n  echo \"$x\"\ndone\n```\n";
        assert!(laid_out.contains(block), "{laid_out}");
        assert!(
            laid_out.starts_with("## Do it yourself\n") && laid_out.contains("| Flag | What |\n|---|---|"),
            "{laid_out}"
        );
    }
}
