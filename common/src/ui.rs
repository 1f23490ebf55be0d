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
use thiserror::Error;

/// A table of results; rows may carry a verification check.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Key of the table in JSON output, e.g. `keys`.
    pub name: String,
    pub title: String,
    /// JSON keys of the columns (from the English headers, so scripts see the same keys in
    /// either language), e.g. `key_id`.
    pub keys: Vec<String>,
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
}

impl Report {
    /// A table named `name` in JSON, with `columns` as (English, Japanese) header pairs.
    pub fn new(name: &str, title: impl Into<String>, columns: &[(&str, &str)]) -> Self {
        let lang = text::lang();
        Report {
            name: name.to_string(),
            title: title.into(),
            keys: columns.iter().map(|(en, _)| json_key(en)).collect(),
            columns: columns.iter().map(|(en, ja)| lang.pick(en, ja).to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>, check: Option<Result<(), String>>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "row width must match the header");
        self.rows.push(ReportRow { cells, check });
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

    /// The table as JSON: a list of objects keyed by column name, plus `ok` and `problem`.
    pub fn to_json(&self) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                let mut object = Map::new();
                for (key, cell) in self.keys.iter().zip(&row.cells) {
                    object.insert(key.clone(), Value::String(cell.clone()));
                }
                if let Some(check) = &row.check {
                    object.insert("ok".into(), Value::Bool(check.is_ok()));
                    if let Err(why) = check {
                        object.insert("problem".into(), Value::String(why.clone()));
                    }
                }
                Value::Object(object)
            })
            .collect();
        json!({ "title": self.title, "rows": rows })
    }
}

/// `Key ID` → `key_id`.
fn json_key(column: &str) -> String {
    let mut key = String::new();
    for c in column.chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    key.trim_end_matches('_').to_string()
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

/// Answers questions: inquire at a terminal, a list of answers in tests.
trait Prompter: Send + Sync {
    fn confirm(&self, question: &str, default: bool) -> Result<bool>;
    fn select(&self, question: &str, options: &[String], default: usize) -> Result<usize>;
    fn select_many(&self, question: &str, options: &[String]) -> Result<Vec<usize>>;
}

struct InquirePrompter;

impl Prompter for InquirePrompter {
    fn confirm(&self, question: &str, default: bool) -> Result<bool> {
        settle(inquire::Confirm::new(question).with_default(default).prompt(), || Ok(false))
    }

    fn select(&self, question: &str, options: &[String], default: usize) -> Result<usize> {
        let chosen = inquire::Select::new(question, options.to_vec()).with_starting_cursor(default).raw_prompt();
        settle(chosen.map(|chosen| chosen.index), back_out)
    }

    fn select_many(&self, question: &str, options: &[String]) -> Result<Vec<usize>> {
        let chosen = inquire::MultiSelect::new(question, options.to_vec()).raw_prompt();
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

    /// A section heading (part of the teaching text: `--quiet` leaves it out).
    pub fn heading(&self, text: &str) {
        if self.quiet {
            return;
        }
        self.write_line(self.text_stream(), &format!("\n== {text} =="));
    }

    /// Explanations and progress notes for the learner.
    pub fn say(&self, text: &str) {
        self.write_line(self.text_stream(), text);
    }

    /// Warnings: always on stderr.
    pub fn warn(&self, text: &str) {
        self.write_line(&self.err, &tr!("warning: {text}", "警告: {text}"));
    }

    /// Shows a table, or adds it to the JSON document under its name.
    pub fn report(&self, report: &Report) {
        match self.format {
            OutputFormat::Table => self.write_line(&self.out, &report.render_table()),
            OutputFormat::Json => {
                self.json.lock().expect("json lock").insert(report.name.clone(), report.to_json());
            }
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

    /// Prints the JSON document, in JSON mode; call once at the end of a lab.
    pub fn finish(&self) {
        if self.format == OutputFormat::Json {
            let document = Value::Object(std::mem::take(&mut *self.json.lock().expect("json lock")));
            let text = serde_json::to_string_pretty(&document).expect("JSON values serialize");
            self.write_line(&self.out, &text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let mut report = Report::new("keys", "Keys", &[("Alias", "エイリアス"), ("Key ID", "キー ID")]);
        report.row(vec!["Single-region-key".into(), "1234".into()], Some(Ok(())));
        report.row(vec!["Multi-region-key".into(), "mrk-1".into()], Some(Err("state Disabled".into())));
        report
    }

    #[test]
    fn tables_show_checks_and_json_keeps_them() {
        let report = sample();
        let table = report.render_table();
        assert!(table.contains("✓") && table.contains("✗ state Disabled"), "{table}");
        assert_eq!(report.check_counts(), (1, 2));
        let json = report.to_json();
        assert_eq!(json["rows"][0]["key_id"], "1234");
        assert_eq!(json["rows"][1]["ok"], false);
        assert_eq!(json["rows"][1]["problem"], "state Disabled");
    }

    #[test]
    fn json_mode_keeps_stdout_for_the_document() {
        let (ui, out, err) = Ui::scripted(OutputFormat::Json, true, vec![]);
        ui.say("explaining");
        ui.report(&sample());
        ui.finish();
        let document: Value = serde_json::from_str(&out.text()).expect("stdout is one JSON document");
        assert_eq!(document["keys"]["rows"][1]["alias"], "Multi-region-key");
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

    #[test]
    fn json_keys_are_snake_case() {
        assert_eq!(json_key("Key ID"), "key_id");
        assert_eq!(json_key("Multi-region role"), "multi_region_role");
        assert_eq!(json_key("✓"), "");
    }
}
