//! The quiz's own small terminal seam: print a line, ask a single or a multiple choice. The quiz
//! has no `common::ui` (that crate brings the AWS SDK): [`Terminal`] asks with inquire, as the
//! labs do, and [`Scripted`] answers from a list for the unit tests and keeps what was printed.

use anyhow::Result;
use std::cell::RefCell;
use std::collections::VecDeque;

/// Where the quiz prints and asks.
pub trait Prompter {
    /// Prints one line (or several) for the learner.
    fn say(&self, text: &str);
    /// One answer among `options`.
    fn choose(&self, prompt: &str, options: &[String]) -> Result<usize>;
    /// Any number of answers among `options`.
    fn choose_many(&self, prompt: &str, options: &[String]) -> Result<Vec<usize>>;
}

/// The learner's terminal.
pub struct Terminal;

impl Prompter for Terminal {
    fn say(&self, text: &str) {
        println!("{text}");
    }

    fn choose(&self, prompt: &str, options: &[String]) -> Result<usize> {
        Ok(inquire::Select::new(prompt, options.to_vec()).raw_prompt()?.index)
    }

    fn choose_many(&self, prompt: &str, options: &[String]) -> Result<Vec<usize>> {
        let chosen = inquire::MultiSelect::new(prompt, options.to_vec()).raw_prompt()?;
        Ok(chosen.into_iter().map(|option| option.index).collect())
    }
}

/// Answers from a script, in order, and keeps what was printed (tests).
#[derive(Default)]
pub struct Scripted {
    answers: RefCell<VecDeque<Vec<usize>>>,
    printed: RefCell<String>,
}

impl Scripted {
    /// Answers each question, in turn, with one entry of `answers` (a single choice takes the
    /// entry's first index).
    pub fn new(answers: Vec<Vec<usize>>) -> Scripted {
        Scripted { answers: RefCell::new(answers.into()), printed: RefCell::default() }
    }

    /// Everything printed so far, prompts included.
    pub fn text(&self) -> String {
        self.printed.borrow().clone()
    }

    fn next(&self, prompt: &str) -> Result<Vec<usize>> {
        self.printed.borrow_mut().push_str(&format!("? {prompt}\n"));
        // english-only: a test script that runs out of answers is a bug in the test
        self.answers.borrow_mut().pop_front().ok_or_else(|| anyhow::anyhow!("no scripted answer for {prompt:?}"))
    }
}

impl Prompter for Scripted {
    fn say(&self, text: &str) {
        let mut printed = self.printed.borrow_mut();
        printed.push_str(text);
        printed.push('\n');
    }

    fn choose(&self, prompt: &str, _options: &[String]) -> Result<usize> {
        Ok(self.next(prompt)?.first().copied().unwrap_or(0))
    }

    fn choose_many(&self, prompt: &str, _options: &[String]) -> Result<Vec<usize>> {
        self.next(prompt)
    }
}
