//! The learner's language (English or Japanese, from `--lang` or the locale) and [`tr!`], which
//! writes every learner-facing message in both languages side by side.
//!
//! Why pairs at the call site rather than a catalog of keys: `format!` checks both strings
//! against the same arguments at compile time (a named argument missing from either is an
//! error), a message cannot lose one language, and a reviewer reads both together. The tidy
//! test (`e2e/tests/tidy.rs`) checks that learner text goes through `tr!` and that the Japanese
//! side is Japanese.
//!
//! One process speaks one language, so the choice is process-wide: `run_lab` sets it once
//! before anything is printed. Unit tests leave it at English.

use clap::ValueEnum;
use std::sync::atomic::{AtomicU8, Ordering};

/// The languages the labs speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Lang {
    #[default]
    En,
    Ja,
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

impl Lang {
    /// Japanese when the locale says so (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, the first
    /// one set, as POSIX orders them), English otherwise.
    pub fn from_locale(variables: impl Fn(&str) -> Option<String>) -> Lang {
        let locale =
            ["LC_ALL", "LC_MESSAGES", "LANG"].into_iter().find_map(|name| variables(name).filter(|v| !v.is_empty()));
        match locale {
            Some(locale) if locale.to_ascii_lowercase().starts_with("ja") => Lang::Ja,
            _ => Lang::En,
        }
    }

    /// `--lang` if given, otherwise this process's locale.
    pub fn resolve(flag: Option<Lang>) -> Lang {
        flag.unwrap_or_else(|| Lang::from_locale(|name| std::env::var(name).ok()))
    }

    /// Picks the text for this language.
    pub fn pick<'a>(self, en: &'a str, ja: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Ja => ja,
        }
    }
}

/// Makes `lang` the language of every message from now on.
pub fn set_lang(lang: Lang) {
    CURRENT.store(lang as u8, Ordering::Relaxed);
}

/// The language messages are written in.
pub fn lang() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::Ja,
        _ => Lang::En,
    }
}

/// One of two fixed texts (a table header, a label), in the current language.
pub fn pick(en: &'static str, ja: &'static str) -> &'static str {
    lang().pick(en, ja)
}

/// A learner-facing message in English and Japanese, formatted in the current language:
/// `tr!("created key {id} in {region}", "{region} にキー {id} を作成しました")`. Both strings
/// take the same arguments, in whatever order each language needs them.
#[macro_export]
macro_rules! tr {
    ($en:literal, $ja:literal $(,)?) => {
        match $crate::text::lang() {
            $crate::text::Lang::En => ::std::format!($en),
            $crate::text::Lang::Ja => ::std::format!($ja),
        }
    };
    ($en:literal, $ja:literal, $($arg:tt)+) => {
        match $crate::text::lang() {
            $crate::text::Lang::En => ::std::format!($en, $($arg)+),
            $crate::text::Lang::Ja => ::std::format!($ja, $($arg)+),
        }
    };
}

/// `command` as `--help` shows it in a Japanese run: the description `about_ja`, the usage and
/// option headings in Japanese, and each argument's help from `help_ja` (by argument id). clap's
/// own error sentences stay English.
pub fn in_japanese(command: clap::Command, about_ja: &str, help_ja: &[(&str, &str)]) -> clap::Command {
    let mut command = command
        .about(about_ja.to_string())
        .long_about(None)
        .help_template("{about-with-newline}\n使い方: {usage}\n\nオプション:\n{options}{after-help}")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .arg(clap::Arg::new("help").short('h').long("help").action(clap::ArgAction::Help).help("ヘルプを表示します"))
        .arg(
            clap::Arg::new("version")
                .short('V')
                .long("version")
                .action(clap::ArgAction::Version)
                .help("バージョンを表示します"),
        );
    let ids: Vec<String> = command.get_arguments().map(|arg| arg.get_id().to_string()).collect();
    for id in ids {
        if let Some((_, japanese)) = help_ja.iter().find(|(known, _)| *known == id) {
            command = command.mut_arg(id, |arg| arg.help(japanese.to_string()).long_help(None));
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_picks_japanese_only_when_it_says_ja() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
        };
        assert_eq!(Lang::from_locale(env(&[("LANG", "ja_JP.UTF-8")])), Lang::Ja);
        assert_eq!(Lang::from_locale(env(&[("LANG", "ja_JP.UTF-8"), ("LC_ALL", "C")])), Lang::En);
        assert_eq!(Lang::from_locale(env(&[("LC_ALL", ""), ("LC_MESSAGES", "ja_JP"), ("LANG", "en_US")])), Lang::Ja);
        assert_eq!(Lang::from_locale(env(&[])), Lang::En);
        assert_eq!(Lang::resolve(Some(Lang::Ja)), Lang::Ja);
    }

    #[test]
    fn tr_formats_the_english_text_by_default() {
        // Unit tests never switch the process to Japanese (tests share the process).
        let region = "Tokyo";
        assert_eq!(tr!("key {id} in {region}", "{region} のキー {id}", id = 7), "key 7 in Tokyo");
        assert_eq!(pick("Region", "リージョン"), "Region");
        assert_eq!(Lang::Ja.pick("Region", "リージョン"), "リージョン");
    }
}
