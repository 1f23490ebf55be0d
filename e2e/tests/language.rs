//! Both languages, everywhere a learner reads: learner-facing text in the product code goes
//! through `tr!` (English and Japanese side by side), the Japanese side is Japanese, and a lab
//! run in Japanese (by `--lang ja` or by the locale) speaks Japanese from banner to next step.

use e2e::Emulator;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The product sources (not tests, not the e2e harness), each cut before its `#[cfg(test)]`.
fn product_sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("course/src"), &mut files);
    walk(&root().join("common/src"), &mut files);
    for group in ["labs", "tools"] {
        for entry in fs::read_dir(root().join(group)).unwrap() {
            let src = entry.unwrap().path().join("src");
            if src.is_dir() {
                walk(&src, &mut files);
            }
        }
    }
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            let product = text.split("#[cfg(test)]").next().unwrap().to_string();
            (path.strip_prefix(root()).unwrap().display().to_string(), product)
        })
        .collect()
}

/// The text between the parenthesis at `open` and its match, skipping literals and comments.
fn call_arguments(text: &str, open: usize) -> &str {
    let (mut depth, mut index) = (0usize, open);
    while let Some(c) = text[index..].chars().next() {
        if let Some((end, _)) = literal_at(text, index) {
            index = end;
            continue;
        }
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return &text[open + 1..index];
                }
            }
            _ => {}
        }
        index += c.len_utf8();
    }
    &text[open + 1..]
}

/// The string literals in `code`, in order.
fn literals(code: &str) -> Vec<String> {
    let (mut found, mut index) = (Vec::new(), 0);
    while let Some(c) = code[index..].chars().next() {
        match literal_at(code, index) {
            Some((end, text)) => {
                found.extend(text);
                index = end;
            }
            None => index += c.len_utf8(),
        }
    }
    found
}

/// The literal or comment that starts at byte `start` of `code`, if one does: where it ends, and
/// for a string literal its text. Knows strings with escapes, raw strings (`r"…"`, `r#"…"#` with
/// any number of `#`), byte and C strings (`b"…"`, `br#"…"#`, `c"…"`), char and byte literals
/// (`'"'`, `'\''`, `b'('`), that `'a` (a lifetime or a label) is no literal, and comments.
fn literal_at(code: &str, start: usize) -> Option<(usize, Option<String>)> {
    let rest = &code[start..];
    if rest.starts_with("//") {
        return Some((rest.find('\n').map_or(code.len(), |n| start + n), None));
    }
    if rest.starts_with("/*") {
        return Some((start + block_comment_length(rest), None));
    }
    // A prefix letter (`r`, `b`, `br`, `c`, `cr`) starts a literal only when it starts a token.
    let starts_a_token = !code[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
    let prefix = ["br", "cr", "b", "c", "r"].into_iter().find(|p| starts_a_token && rest.starts_with(p)).unwrap_or("");
    let body = &rest[prefix.len()..];
    if prefix.ends_with('r') {
        let hashes = body.len() - body.trim_start_matches('#').len();
        let opened = body[hashes..].strip_prefix('"')?;
        let close = format!("\"{}", "#".repeat(hashes));
        let text = opened.find(&close).map_or(opened, |n| &opened[..n]);
        let end = start + prefix.len() + hashes + 1 + text.len() + close.len();
        return Some((end.min(code.len()), Some(text.to_string())));
    }
    if let Some(opened) = body.strip_prefix('"') {
        let (text, length) = unescape(opened);
        return Some(((start + prefix.len() + 1 + length).min(code.len()), Some(text)));
    }
    if let Some(opened) = body.strip_prefix('\'').filter(|_| prefix.is_empty() || prefix == "b") {
        let mut chars = opened.chars();
        let length = match chars.next()? {
            // `'\''`, `'\\'`, `'\n'`, `'\u{65e5}'`: up to the quote after the escaped character.
            '\\' => {
                let escaped = 1 + chars.next()?.len_utf8();
                escaped + opened[escaped..].find('\'')? + 1
            }
            c if chars.next() == Some('\'') => c.len_utf8() + 1,
            _ => return None, // a lifetime or a label
        };
        return Some((start + prefix.len() + 1 + length, None));
    }
    None
}

/// The length of the (possibly nested) block comment at the start of `text`.
fn block_comment_length(text: &str) -> usize {
    let (bytes, mut depth, mut index) = (text.as_bytes(), 0, 0);
    while index + 1 < bytes.len() {
        match &bytes[index..index + 2] {
            b"/*" => depth += 1,
            b"*/" => depth -= 1,
            _ => {
                index += 1;
                continue;
            }
        }
        index += 2;
        if depth == 0 {
            return index;
        }
    }
    text.len()
}

/// The text of the string literal that `body` starts with (just after its opening quote), escapes
/// resolved, and how many bytes of `body` the rest of the literal takes, closing quote included.
fn unescape(body: &str) -> (String, usize) {
    let (mut text, mut chars) = (String::new(), body.char_indices().peekable());
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => return (text, index + 1),
            '\\' => match chars.next().map(|(_, escaped)| escaped) {
                Some('n') => text.push('\n'),
                Some('t') => text.push('\t'),
                Some('r') => text.push('\r'),
                Some('0') => text.push('\0'),
                Some('x') => {
                    let hex: String =
                        (0..2).filter_map(|_| chars.next_if(|(_, c)| c.is_ascii_hexdigit())).map(|(_, c)| c).collect();
                    text.extend(u8::from_str_radix(&hex, 16).ok().map(char::from));
                }
                Some('u') => {
                    let mut hex = String::new();
                    while let Some((_, digit)) = chars.next_if(|(_, c)| *c != '}') {
                        hex.extend(Some(digit).filter(char::is_ascii_hexdigit));
                    }
                    chars.next(); // the `}`
                    text.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                }
                // A line continuation: the line break and the next line's indentation go.
                Some('\n') => while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {},
                Some(other) => text.push(other),
                None => {}
            },
            _ => text.push(c),
        }
    }
    (text, body.len())
}

/// `code` with every `tr!(…)` and `pick(…)` call, and every `("English", "日本語")` pair (a
/// table header), removed.
fn without_translated(code: &str) -> String {
    let mut rest = code.to_string();
    for marker in ["tr!(", "pick(", "("] {
        let mut from = 0;
        while let Some(found) = rest[from..].find(marker) {
            let start = from + found;
            let open = start + marker.len() - 1;
            let end = (open + call_arguments(&rest, open).len() + 2).min(rest.len());
            // `include_str!(` is not `tr!(`.
            let part_of_a_name = rest[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
            let is_pair = || match literals(&rest[open..end]).as_slice() {
                [_, japanese] => has_japanese(japanese) && rest[open + 1..].trim_start().starts_with('"'),
                _ => false,
            };
            if (marker != "(" && !part_of_a_name) || (marker == "(" && is_pair()) {
                rest.replace_range(start..end, "");
                from = start;
            } else {
                from = start + marker.len();
            }
        }
    }
    rest
}

/// English prose: two words of letters in a row, outside `{…}` placeholders.
fn is_english_prose(literal: &str) -> bool {
    let mut plain = String::new();
    let mut depth = 0;
    for c in literal.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    // Identifiers such as `kms:CreateKey` or `alias/aws/ebs` have no space.
    let words = plain.split(|c: char| !c.is_ascii_alphabetic() && c != '\'').filter(|word| word.len() >= 2);
    plain.trim().contains(' ') && words.count() >= 2
}

fn has_japanese(text: &str) -> bool {
    text.chars().any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

/// Marks text no learner reads (a test harness's complaint, a broken build), on the line of the
/// call or the line before: `// english-only: why`.
const ENGLISH_ONLY: &str = "// english-only:";

/// Calls whose text a learner reads: the UI seam, refusals and their hints, errors, contexts.
const LEARNER_CALLS: [&str; 21] = [
    ".say(",
    ".teach(",
    ".warn(",
    ".heading(",
    ".confirm(",
    ".choose(",
    ".choose_many(",
    ".spinner(",
    ".progress_bar(",
    ".progress_line(",
    "Report::new(",
    ".context(",
    ".with_context(",
    "bail!(",
    "anyhow!(",
    "UsageError(",
    "Err(",
    "vec![",
    ".row(",
    "reason: ",
    "=> ",
];

#[test]
fn learner_text_in_the_product_goes_through_tr() {
    let (mut untranslated, mut calls) = (Vec::new(), 0);
    for (file, text) in product_sources() {
        for call in LEARNER_CALLS.iter().chain(&["hint: "]) {
            let mut from = 0;
            while let Some(found) = text[from..].find(call) {
                let start = from + found;
                from = start + call.len();
                let arguments = if call.ends_with('(') {
                    call_arguments(&text, start + call.len() - 1).to_string()
                } else {
                    // `reason: …,` / `hint: …,` up to the end of the field.
                    let rest = &text[from..];
                    let rest = if rest.starts_with("tr!(") || rest.starts_with("format!(") {
                        &rest[..rest.find('(').unwrap() + call_arguments(rest, rest.find('(').unwrap()).len() + 2]
                    } else {
                        rest.split('\n').next().unwrap()
                    };
                    rest.to_string()
                };
                let line = text[..start].lines().count();
                let context = text.lines().skip(line.saturating_sub(2)).take(2).collect::<String>();
                if context.contains(ENGLISH_ONLY) {
                    continue;
                }
                calls += 1;
                for literal in literals(&without_translated(&arguments)) {
                    if is_english_prose(&literal) {
                        untranslated.push(format!("{file}:{line}: {call} {literal:?}"));
                    }
                }
            }
        }
    }
    assert!(calls > 100, "only {calls} learner-facing calls found: is the scan broken?");
    assert!(
        untranslated.is_empty(),
        "learner-facing text must be written in both languages with common::tr!(\"English\", \"日本語\"):\n{}",
        untranslated.join("\n")
    );
}

#[test]
fn the_japanese_side_of_every_message_is_japanese() {
    let mut problems = Vec::new();
    let mut messages = 0;
    for (file, text) in product_sources() {
        let mut from = 0;
        while let Some(found) = text[from..].find("tr!(") {
            let start = from + found;
            from = start + 4;
            if text[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let arguments = call_arguments(&text, start + 3);
            let strings = literals(arguments);
            messages += 1;
            let line = text[..start].lines().count();
            match strings.as_slice() {
                [english, japanese, ..] if !has_japanese(japanese) || english == japanese => {
                    problems.push(format!("{file}:{line}: {japanese:?} is not Japanese"))
                }
                [_, _, ..] => {}
                _ => problems.push(format!("{file}:{line}: tr! needs an English and a Japanese string")),
            }
        }
    }
    assert!(messages > 20, "only {messages} messages found: is the scan broken?");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_scan_sees_untranslated_text_and_passes_translated_text() {
    let code = r#"ui.say(&format!("created key {id} in {region}"))"#;
    let arguments = call_arguments(code, code.find('(').unwrap());
    assert_eq!(literals(&without_translated(arguments)), vec!["created key {id} in {region}"]);
    assert!(is_english_prose("created key {id} in {region}"));
    let code = r#"ui.say(&tr!("created key {id}", "キー {id} を作成しました", id = f("x")))"#;
    let arguments = call_arguments(code, code.find('(').unwrap());
    assert!(literals(&without_translated(arguments)).is_empty());
    let code = r#"Report::new("plan", title, &[("Cost (estimate)", "費用 (概算)"), ("Key ID", "Key ID")])"#;
    let arguments = call_arguments(code, code.find('(').unwrap());
    assert_eq!(literals(&without_translated(arguments)), vec!["plan", "Key ID", "Key ID"]);
    assert!(is_english_prose("exists: reuse"));
    assert!(!is_english_prose("{}\n{table}") && !is_english_prose("✓ {key_id}") && !is_english_prose("kms:CreateKey"));
}

#[test]
fn the_lexer_reads_raw_strings_whatever_their_hashes() {
    let code = r####"say(r"raw \n stays", r#"has "quotes" inside"#, r##"has "# inside"##, br#"bytes"#, "after")"####;
    assert_eq!(literals(code), vec![r"raw \n stays", r#"has "quotes" inside"#, r##"has "# inside"##, "bytes", "after"]);
    // A quote or a parenthesis in a raw string neither opens a string nor closes the call.
    let code = r###"ui.say(&format!(r#"the ")" and "(" of {x}"#, x = r"("));" not an argument""###;
    assert_eq!(call_arguments(code, code.find('(').unwrap()), r###"&format!(r#"the ")" and "(" of {x}"#, x = r"(")"###);
    // `r#` before a name is a raw identifier, and a name ending in `r` is no raw-string prefix.
    assert_eq!(literals(r#"let r#type = "one"; other"a\"b""#), vec!["one", "a\"b"]);
    // Escapes in plain strings are resolved; raw strings keep their backslashes.
    assert_eq!(literals(r##"("a\"b\\c\nd\u{65e5}\x41", r"a\")"##), vec!["a\"b\\c\nd日A", r"a\"]);
}

#[test]
fn the_lexer_reads_char_literals_and_knows_lifetimes_are_none() {
    // `'"'` holds a quote that opens no string; `'\''` and `'\\'` are escaped char literals.
    let code = r#"f('"', "after a quote char", '\'', "after an escaped quote", '\\', "after a backslash", b'"', "x")"#;
    assert_eq!(literals(code), vec!["after a quote char", "after an escaped quote", "after a backslash", "x"]);
    // Parentheses in char literals do not count.
    let code = r#"ui.say(&pick(')', '(', "text")); rest(')')"#;
    assert_eq!(call_arguments(code, code.find('(').unwrap()), r#"&pick(')', '(', "text")"#);
    // Lifetimes and labels are not char literals: the strings between them are found.
    let code = r#"fn f<'a>(x: &'a str) -> Cow<'a, str> { 'outer: loop { g("one", 'b', "two"); break 'outer; } }"#;
    assert_eq!(literals(code), vec!["one", "two"]);
    let code = r#"ui.warn(&tr!("it's {n}", "{n} です", n = '\u{65e5}'), 'x')"#;
    assert_eq!(call_arguments(code, code.find('(').unwrap()), r#"&tr!("it's {n}", "{n} です", n = '\u{65e5}'), 'x'"#);
    // Comments are neither strings nor code: a quote or a parenthesis in one changes nothing.
    let code = "say(// don't \"quote\" (me\n\"shown\" /* \"hidden\" /* nested ) */ */)";
    assert_eq!(literals(code), vec!["shown"]);
    assert_eq!(call_arguments(code, 3), &code[4..code.len() - 1]);
}

#[test]
fn a_lab_speaks_japanese_by_flag_and_by_locale() {
    let emulator = Emulator::start();
    let (out, _) = emulator.run_ok("01-keys", &["--dry-run", "--lang", "ja"]);
    assert!(out.contains("ドライラン") || out.contains("計画"), "{out}");
    assert!(!out.contains("Source region"), "the banner is in Japanese too:\n{out}");

    let output = emulator.lab("01-keys").arg("--dry-run").env("LANG", "ja_JP.UTF-8").output().unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success() && has_japanese(&out), "{out}");

    let (out, _) = emulator.run_ok("01-keys", &["--dry-run"]);
    assert!(!has_japanese(&out), "English by default:\n{out}");
}

#[test]
fn every_lab_and_tool_has_a_japanese_title() {
    for lab in common::manifest::labs().iter().chain(common::manifest::tools()) {
        assert!(
            has_japanese(&lab.title_ja),
            "{}: title_ja {:?} in labs/labs.toml is not Japanese",
            lab.id,
            lab.title_ja
        );
    }
}

/// Each option of `help` (clap's `-h` layout) with its description, the option line and the
/// lines under it up to the next option.
fn option_blocks(help: &str) -> Vec<(String, String)> {
    let mut blocks: Vec<(String, String)> = Vec::new();
    for line in help.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('-') {
            let flag = trimmed.split([' ', ',']).find(|word| word.starts_with("--")).unwrap_or(trimmed).to_string();
            blocks.push((flag, trimmed.to_string()));
        } else if let Some((_, text)) = blocks.last_mut() {
            text.push_str(line);
        }
    }
    blocks
}

#[test]
fn help_speaks_japanese_for_every_binary_and_option() {
    let manifest = common::manifest::labs().iter().chain(common::manifest::tools());
    for binary in manifest.map(|lab| lab.id.as_str()) {
        let output = e2e::lab_process(binary).args(["-h", "--lang", "ja"]).output().unwrap();
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{binary} -h: {help}");
        let about = help.lines().next().unwrap_or_default();
        assert!(has_japanese(about), "{binary}: the description is not Japanese: {about}");
        let blocks = option_blocks(&help);
        assert!(blocks.len() >= 3, "{binary}: no options found in\n{help}");
        for (flag, text) in blocks {
            assert!(has_japanese(&text), "{binary} {flag}: no Japanese help: {text}");
        }
        assert!(help.contains("使い方:") && help.contains("オプション:"), "{binary}: headings\n{help}");
        let english = e2e::lab_process(binary).arg("-h").output().unwrap();
        assert!(!has_japanese(&String::from_utf8_lossy(&english.stdout)), "{binary}: English by default");
    }
}

/// Lines of a lab's output that read as English prose: three English words in a row, outside
/// commands (`cli:`/`api:` lines, `backticks`): what a Japanese run must not print.
fn english_lines(output: &str) -> Vec<String> {
    output
        .lines()
        .filter(|line| !line.starts_with("cli: ") && !line.starts_with("api: "))
        .filter(|line| {
            let outside_backticks: String = line.split('`').step_by(2).collect();
            // Three words in a row, each only lower-case letters (names such as
            // `Single-region-key-oregon` are one word with hyphens).
            let words: Vec<&str> = outside_backticks
                .split_whitespace()
                .map(|word| word.trim_end_matches([',', '.', ':', ';', ')']).trim_start_matches('('))
                .collect();
            words
                .windows(3)
                .any(|w| w.iter().all(|word| word.len() >= 2 && word.chars().all(|c| c.is_ascii_lowercase())))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn the_whole_course_runs_in_japanese_without_english_sentences() {
    let emulator = Emulator::start();
    for lab in ["01-keys", "02-volumes", "03-snapshots", "04-copy", "status", "05-cleanup"] {
        // status changes nothing, and takes no --yes.
        let yes: &[&str] = if lab == "status" { &[] } else { &["--yes"] };
        let output = emulator.lab(lab).args(yes).args(["--lang", "ja"]).output().unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "{lab} failed in Japanese:\n{stdout}\n{stderr}");
        assert!(has_japanese(&stdout), "{lab}: no Japanese:\n{stdout}");
        let english = english_lines(&format!("{stdout}\n{stderr}"));
        assert!(english.is_empty(), "{lab}: English left in a Japanese run:\n{}", english.join("\n"));
    }
    // The same check finds plenty in an English run: it is not blind.
    let (english_run, _) = emulator.run_ok("01-keys", &["--dry-run"]);
    assert!(english_lines(&english_run).len() > 5, "{english_run}");
}

#[test]
fn english_lines_are_found_and_commands_are_not() {
    assert_eq!(
        english_lines("created the key in Tokyo\nキー `aws kms cancel-key-deletion` を使います"),
        vec!["created the key in Tokyo"]
    );
    assert!(english_lines("cli: aws kms create-key --region us-west-2\nsnap-EBS-encrypted-with-default-key").is_empty());
}
