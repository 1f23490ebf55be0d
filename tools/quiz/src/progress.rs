//! What `quiz --review` remembers between runs: for each question once answered wrong, how often
//! it was missed and how many times in a row it has been answered right since. A question is due
//! for review until it is answered right [`MASTERED_AFTER`] times in a row, across runs.
//!
//! The file is `quiz-progress.toml` in the platform's data directory (`directories`: on Linux
//! `$XDG_DATA_HOME/ebs-kms-labs`, else `~/.local/share/ebs-kms-labs`), or in the directory that
//! [`DATA_DIR_VARIABLE`] names; never in the repository.

use anyhow::{Context, Result};
use course::tr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Right answers in a row that take a question off the review list.
pub const MASTERED_AFTER: u32 = 2;

/// Overrides the data directory (tests, or a learner who wants the file elsewhere).
pub const DATA_DIR_VARIABLE: &str = "EBS_KMS_LABS_DATA_DIR";

/// The progress file's name inside the data directory.
pub const FILE_NAME: &str = "quiz-progress.toml";

/// One question's record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Times answered wrong.
    pub wrong: u32,
    /// Right answers in a row since the last wrong one.
    pub streak: u32,
}

/// The progress of one learner, by question id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    #[serde(default)]
    pub question: BTreeMap<String, Record>,
}

/// The directory the progress file lives in: [`DATA_DIR_VARIABLE`] if set, else the
/// platform's data directory for ebs-kms-labs.
pub fn data_dir(variable: Option<std::ffi::OsString>) -> Option<PathBuf> {
    if let Some(dir) = variable.filter(|dir| !dir.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "ebs-kms-labs").map(|dirs| dirs.data_dir().to_path_buf())
}

impl Progress {
    /// Reads the progress file in `dir`; no file is no progress yet.
    pub fn load(dir: &Path) -> Result<Progress> {
        let path = dir.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).with_context(|| {
                tr!(
                    "{path} is not a review progress file: remove it, or run quiz --reset-progress",
                    "{path} は復習の進み具合のファイルではありません。削除するか、quiz --reset-progress を実行してください",
                    path = path.display()
                )
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Progress::default()),
            Err(error) => Err(error).with_context(|| tr!("cannot read {path}", "{path} を読めません", path = path.display())),
        }
    }

    /// Writes the progress file in `dir`, creating the directory if needed.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)
            .with_context(|| tr!("cannot create {dir}", "{dir} を作成できません", dir = dir.display()))?;
        let path = dir.join(FILE_NAME);
        // english-only: serializing a map of numbers cannot fail; this names the bug if it does
        let text = toml::to_string(self).context("progress is not TOML")?;
        std::fs::write(&path, text)
            .with_context(|| tr!("cannot write {path}", "{path} に書き込めません", path = path.display()))
    }

    /// Removes the progress file in `dir`; whether there was one.
    pub fn reset(dir: &Path) -> Result<bool> {
        let path = dir.join(FILE_NAME);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(error) => Err(error)
                .with_context(|| tr!("cannot remove {path}", "{path} を削除できません", path = path.display())),
        }
    }

    /// Notes an answer. A right answer to a question never missed is not worth keeping.
    pub fn record(&mut self, id: &str, right: bool) {
        if right {
            if let Some(record) = self.question.get_mut(id) {
                record.streak += 1;
            }
        } else {
            let record = self.question.entry(id.to_string()).or_default();
            record.wrong += 1;
            record.streak = 0;
        }
    }

    /// Whether the question is due for review.
    pub fn is_due(&self, id: &str) -> bool {
        self.question.get(id).is_some_and(|record| record.wrong > 0 && record.streak < MASTERED_AFTER)
    }

    /// The ids due for review, in id order.
    pub fn due(&self) -> Vec<&str> {
        self.question.keys().map(String::as_str).filter(|id| self.is_due(id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missed_question_stays_due_until_right_twice_in_a_row_across_runs() {
        let dir = tempfile::tempdir().unwrap();
        let mut progress = Progress::load(dir.path()).unwrap();
        progress.record("a", true);
        assert!(progress.question.is_empty(), "a question never missed is not kept");
        progress.record("a", false);
        progress.save(dir.path()).unwrap();

        // Next run: right once, then wrong again: the streak starts over.
        let mut progress = Progress::load(dir.path()).unwrap();
        assert_eq!(progress.due(), ["a"]);
        progress.record("a", true);
        assert!(progress.is_due("a"));
        progress.record("a", false);
        progress.save(dir.path()).unwrap();

        let mut progress = Progress::load(dir.path()).unwrap();
        progress.record("a", true);
        progress.save(dir.path()).unwrap();
        let mut progress = Progress::load(dir.path()).unwrap();
        assert!(progress.is_due("a"), "right once in a row is not enough");
        progress.record("a", true);
        assert!(!progress.is_due("a") && progress.due().is_empty());
        assert_eq!(progress.question["a"], Record { wrong: 2, streak: 2 });
    }

    #[test]
    fn the_data_dir_is_the_variable_or_the_platform_s_and_reset_removes_the_file() {
        assert_eq!(data_dir(Some("/tmp/x".into())), Some(PathBuf::from("/tmp/x")));
        let platform = data_dir(None).expect("a home directory");
        assert!(platform.ends_with("ebs-kms-labs"), "{}", platform.display());
        let dir = tempfile::tempdir().unwrap();
        assert!(!Progress::reset(dir.path()).unwrap());
        Progress::default().save(&dir.path().join("nested")).unwrap();
        assert!(Progress::reset(&dir.path().join("nested")).unwrap());
        assert!(!dir.path().join("nested").join(FILE_NAME).exists());
    }
}
