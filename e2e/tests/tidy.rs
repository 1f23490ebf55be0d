//! Conventions checked so nobody has to remember them: every Rust file opens with a `//!`
//! line, the manifest, the lab folders, their packages and the docs agree, README.md and its
//! Japanese twin give the same commands, the concepts page and its Japanese twin state every
//! fact of `common::facts` and link its sources, what the course once taught wrong stays gone,
//! and every inferred fact is marked inferred wherever a learner page states it.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() && !name.starts_with('.') && name != "target" {
            rust_files(&path, found);
        } else if name.ends_with(".rs") {
            found.push(path);
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let mut files = Vec::new();
    for dir in ["course", "common", "labs", "tools", "e2e"] {
        rust_files(&root().join(dir), &mut files);
    }
    assert!(files.len() > 5);
    let missing: Vec<String> = files
        .iter()
        .filter(|file| !fs::read_to_string(file).unwrap().starts_with("//!"))
        .map(|file| file.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    assert!(missing.is_empty(), "these files must start with a `//!` line saying what they are for: {missing:?}");
}

#[test]
fn manifest_lab_folders_packages_and_readme_agree() {
    let labs = common::manifest::labs();
    let mut folders: Vec<String> = fs::read_dir(root().join("labs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let ids: Vec<String> = labs.iter().map(|lab| lab.id.clone()).collect();
    assert_eq!(folders, ids, "labs/ folders must match labs/labs.toml, in order");

    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let mut last_position = 0;
    for lab in labs {
        let folder = root().join("labs").join(&lab.id);
        let manifest = fs::read_to_string(folder.join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!("name = \"{}\"", lab.id)),
            "{}: the binary must be named {}",
            lab.id,
            lab.id
        );
        let twin = fs::read_to_string(folder.join("README.ja.md")).unwrap_or_default();
        assert!(
            twin.contains("Further information"),
            "labs/{}/README.ja.md needs the Japanese twin of the learner page",
            lab.id
        );
        let page = fs::read_to_string(folder.join("README.md")).unwrap_or_default();
        assert!(
            page.contains("Further information"),
            "labs/{}/README.md needs a learner page ending in Further information",
            lab.id
        );
        let position =
            readme.find(&format!("labs/{}", lab.id)).unwrap_or_else(|| panic!("README.md must link labs/{}", lab.id));
        assert!(position >= last_position, "README.md must list the labs in manifest order");
        last_position = position;
    }
}

#[test]
fn root_readme_has_a_japanese_twin_with_the_same_commands() {
    let (readme, twin) = twin_pages("README.md", "README.ja.md");

    // The commands a learner copies must be the same in both: every command line of README.md's
    // code blocks that starts with `scripts/` or `cargo run` is in one of README.ja.md's.
    let twin_lines = code_block_lines(&twin);
    let commands: Vec<&str> = code_block_lines(&readme)
        .into_iter()
        .filter(|line| line.starts_with("scripts/") || line.starts_with("cargo run"))
        .collect();
    assert!(!commands.is_empty(), "README.md has no `scripts/` or `cargo run` command in a code block");
    let missing: Vec<&&str> = commands.iter().filter(|command| !twin_lines.contains(command)).collect();
    assert!(missing.is_empty(), "README.ja.md's code blocks lack these command lines of README.md: {missing:?}");

    // The table of labs links the labs' Japanese pages, in manifest order.
    let mut last_position = 0;
    for lab in common::manifest::labs() {
        let link = format!("labs/{}/README.ja.md", lab.id);
        let position = twin.find(&link).unwrap_or_else(|| panic!("README.ja.md must link {link}"));
        assert!(position >= last_position, "README.ja.md must list the labs in manifest order");
        last_position = position;
    }
}

/// The lines inside the fenced code blocks of a Markdown text, trimmed.
/// An English page and its Japanese twin (paths from the root, side by side in one folder),
/// each checked to link to the other.
fn twin_pages(english: &str, japanese: &str) -> (String, String) {
    let name = |path: &str| Path::new(path).file_name().unwrap().to_string_lossy().into_owned();
    let english_text = fs::read_to_string(root().join(english)).unwrap();
    let japanese_text = fs::read_to_string(root().join(japanese))
        .unwrap_or_else(|_| panic!("{japanese} needs to exist: the Japanese twin of {english}"));
    assert!(english_text.contains(&format!("]({})", name(japanese))), "{english} must link to its twin {japanese}");
    assert!(japanese_text.contains(&format!("]({})", name(english))), "{japanese} must link back to {english}");
    (english_text, japanese_text)
}

fn code_block_lines(markdown: &str) -> Vec<&str> {
    let mut inside = false;
    let mut lines = Vec::new();
    for line in markdown.lines() {
        let line = line.trim();
        if line.starts_with("```") {
            inside = !inside;
        } else if inside {
            lines.push(line);
        }
    }
    lines
}

#[test]
fn every_tool_in_the_manifest_is_a_package_with_that_binary() {
    for tool in common::manifest::tools() {
        let manifest = fs::read_to_string(root().join("tools").join(&tool.id).join("Cargo.toml"))
            .unwrap_or_else(|_| panic!("tools/{}/Cargo.toml is missing", tool.id));
        assert!(
            manifest.contains(&format!("name = \"{}\"", tool.id)),
            "tools/{}: the binary must be named {}",
            tool.id,
            tool.id
        );
    }
}

#[test]
fn architecture_doc_maps_every_crate() {
    let doc = fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap();
    let mut crates = vec!["course".to_string(), "common".to_string(), "e2e".to_string()];
    crates.extend(common::manifest::labs().iter().map(|lab| format!("labs/{}", lab.id)));
    for name in crates {
        assert!(doc.contains(&format!("`{name}`")), "docs/ARCHITECTURE.md must have a code-map entry for `{name}`");
    }
}

#[test]
fn learner_text_teaches_no_outdated_facts() {
    // (outdated phrase, why): the walkthrough this course started from is from 2022.
    let outdated = [
        ("1,095", "AWS managed keys rotate every year since May 2022"),
        ("1095", "AWS managed keys rotate every year since May 2022"),
        ("customer master key", "the current name is KMS key (customer managed key)"),
        ("(cmk)", "the current name is KMS key (customer managed key)"),
        ("カスタマーマスターキー", "the current name is KMS キー (カスタマーマネージドキー)"),
    ];
    // A line may name an outdated fact to say that it is outdated, or to check for it.
    let marks_history = [
        "outdated",
        "out of date",
        "used to",
        "no longer",
        "until may 2022",
        "before may 2022",
        "older material",
        "replaced",
        "contains(",
        "古い",
        "以前",
        "より前",
    ];
    let mut files = vec![root().join("README.md"), root().join("README.ja.md")];
    for dir in ["labs", "docs", "course/src", "common/src", "tools"] {
        let mut found = Vec::new();
        collect(&root().join(dir), &mut found);
        files.extend(found);
    }
    let mut problems = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap_or_default();
        for (number, line) in text.lines().enumerate() {
            let lower = line.to_lowercase();
            for (phrase, why) in outdated {
                if lower.contains(phrase) && !marks_history.iter().any(|mark| lower.contains(mark)) {
                    problems.push(format!(
                        "{}:{}: {phrase:?}: {why}",
                        file.strip_prefix(root()).unwrap().display(),
                        number + 1
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "outdated facts in learner text:\n{}", problems.join("\n"));
}

#[test]
fn concepts_doc_cites_every_fact_of_the_table_with_its_figures() {
    // docs/concepts.md is the page learners revise from, and docs/concepts.ja.md its Japanese
    // twin: every fact of course/src/facts.rs, price estimates included, appears in both with
    // each of its figures and a link to each source, and each page links to the other.
    let (english, japanese) = twin_pages("docs/concepts.md", "docs/concepts.ja.md");
    for (name, doc, in_japanese) in [("docs/concepts.md", &english, false), ("docs/concepts.ja.md", &japanese, true)] {
        let mut problems = Vec::new();
        for fact in common::facts::ALL {
            for source in fact.sources() {
                if !doc.contains(&format!("({source})")) {
                    problems.push(format!("{}: no link to {source}", fact.id));
                }
            }
            let missing = fact.missing_figures(doc);
            if !missing.is_empty() {
                let value = if in_japanese { fact.value_ja } else { fact.value };
                problems.push(format!("{}: figures {missing:?} missing ({value})", fact.id));
            }
        }
        assert!(problems.is_empty(), "{name} lacks facts of course/src/facts.rs:\n{}", problems.join("\n"));
    }
}

/// Markdown and Rust files below `dir`.
fn collect(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, found);
        } else if path.extension().is_some_and(|e| e == "md" || e == "rs") {
            found.push(path);
        }
    }
}

/// Product code: every `.rs` file under common, labs and tools, without its unit tests (the
/// `#[cfg(test)]` module that closes a file).
fn product_code() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for dir in ["course", "common", "labs", "tools"] {
        rust_files(&root().join(dir), &mut files);
    }
    files
        .into_iter()
        .map(|file| {
            let text = fs::read_to_string(&file).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default().to_string();
            (file, code)
        })
        .collect()
}

/// The places that name `lab_id` in `code`, comments aside: as a string literal, or (for a lab,
/// whose id cannot be an ordinary word) inside learner text too.
fn lab_id_literals(code: &str, lab_id: &str) -> usize {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let token = lab_id.starts_with(|c: char| c.is_ascii_digit());
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .map(|line| {
            line.match_indices(lab_id)
                .filter(|(at, _)| {
                    let before = line[..*at].chars().next_back();
                    let after = line[at + lab_id.len()..].chars().next();
                    if token {
                        before.is_none_or(|c| !is_word(c)) && after.is_none_or(|c| !is_word(c))
                    } else {
                        // An SDK filter's name (`Filter::builder().name("status")`) names no lab.
                        before == Some('"') && after == Some('"') && !line[..*at - 1].ends_with(".name(")
                    }
                })
                .count()
        })
        .sum()
}

#[test]
fn a_lab_id_appears_only_in_the_manifest_and_the_labs_own_folder() {
    let files = product_code();
    assert!(files.len() > 10, "product code was found: {}", files.len());
    let mut misplaced = Vec::new();
    for lab in common::manifest::labs().iter().chain(common::manifest::tools()) {
        let home = root()
            .join(if common::manifest::tools().iter().any(|t| t.id == lab.id) { "tools" } else { "labs" })
            .join(&lab.id);
        for (file, code) in &files {
            let count = lab_id_literals(code, &lab.id);
            if count > 0 && !file.starts_with(&home) {
                misplaced.push(format!(
                    "{} names \"{}\" ({count}×)",
                    file.strip_prefix(root()).unwrap().display(),
                    lab.id
                ));
            }
        }
    }
    assert!(
        misplaced.is_empty(),
        "only labs/labs.toml and a lab's own folder may name a lab: find it through common::manifest \
         (lab_that_makes, final_lab, first_lab, next_after) instead:\n{}",
        misplaced.join("\n")
    );
}

#[test]
fn the_lab_id_check_sees_literals_and_ignores_other_text() {
    assert_eq!(lab_id_literals(r#"ctx.needs_lab("03-snapshots", &missing)"#, "03-snapshots"), 1);
    assert_eq!(lab_id_literals("// 03-snapshots makes them", "03-snapshots"), 0);
    assert_eq!(lab_id_literals(r#""03-snapshots-old""#, "03-snapshots"), 0);
    assert_eq!(lab_id_literals(r#"tr!("run 03-snapshots again")"#, "03-snapshots"), 1);
    assert_eq!(lab_id_literals(r#"use lab03_snapshots::find_snapshot;"#, "03-snapshots"), 0);
    assert_eq!(lab_id_literals(r#"tr!("status shows it")"#, "status"), 0);
    assert_eq!(lab_id_literals(r#"manifest::lab("status")"#, "status"), 1);
    assert_eq!(lab_id_literals(r#"Filter::builder().name("status").values("pending")"#, "status"), 0);
}

/// The Rust names that `text` (Markdown) puts in backticks: `a::b::c`, `name`, `name()`, `tr!`.
/// Flags, paths, commands and other code spans are not names and are left out.
fn rust_names_in(text: &str) -> Vec<String> {
    let is_name = |s: &str| {
        !s.is_empty()
            && s.split("::").all(|part| {
                part.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
    };
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(|span| span.trim_end_matches("()").trim_end_matches('!'))
        .filter(|span| is_name(span))
        .map(str::to_string)
        .collect()
}

/// Whether the workspace's Rust code defines `name` (the last part of a path): a function,
/// type, trait, module, constant, macro or field, an enum variant or a name the code uses
/// (for CamelCase: AWS operations and states are the SDK's), or a crate of the workspace.
fn defined_in(code: &str, files: &[PathBuf], name: &str) -> bool {
    let last = name.rsplit("::").next().unwrap();
    let definitions = ["fn ", "struct ", "enum ", "trait ", "mod ", "const ", "static ", "type ", "macro_rules! "];
    let defined = definitions.iter().any(|keyword| {
        code.match_indices(&format!("{keyword}{last}")).any(|(at, found)| {
            let after = code[at + found.len()..].chars().next();
            after.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        })
    });
    let field = code.contains(&format!("pub {last}: ")) || code.contains(&format!(" {last}: "));
    let module_file = files.iter().any(|file| file.file_stem().is_some_and(|stem| stem == last));
    let used_camel_case = last.starts_with(|c: char| c.is_ascii_uppercase())
        && code.match_indices(last).any(|(at, _)| {
            let before = code[..at].chars().next_back();
            let after = code[at + last.len()..].chars().next();
            before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
                && after.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        });
    let used_as_path = code.contains(&format!("{last}::"));
    let crate_dir = ["course", "common", "e2e"].contains(&last)
        || common::manifest::labs().iter().chain(common::manifest::tools()).any(|lab| lab.id == last);
    defined || field || module_file || used_camel_case || used_as_path || crate_dir
}

#[test]
fn the_architecture_doc_names_only_what_the_code_defines() {
    let mut files = Vec::new();
    for dir in ["course", "common", "labs", "tools", "e2e"] {
        rust_files(&root().join(dir), &mut files);
    }
    let code: String = files.iter().map(|file| fs::read_to_string(file).unwrap()).collect::<Vec<_>>().join("\n");
    let doc = fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap();
    let names = rust_names_in(&doc);
    assert!(names.len() > 30, "the map names the code it describes: {names:?}");
    let stale: Vec<&String> = names.iter().filter(|name| !defined_in(&code, &files, name)).collect();
    assert!(
        stale.is_empty(),
        "docs/ARCHITECTURE.md names what the code does not define (renamed or removed?): {stale:?}"
    );
}

#[test]
fn names_in_backticks_are_told_from_other_code_spans() {
    let names = rust_names_in("`Found::load` and `tr!` and `run()`; not `--show-cli`, `labs/labs.toml` or `aws ec2`");
    assert_eq!(names, ["Found::load", "tr", "run"]);
    let code = "pub fn load_in() {}\npub struct Found;\nenum E { Local(String) }";
    let files = [PathBuf::from("common/src/inventory.rs")];
    assert!(defined_in(code, &files, "Found::load_in"));
    assert!(defined_in(code, &files, "Endpoint::Local"));
    assert!(defined_in(code, &files, "inventory"));
    assert!(!defined_in(code, &files, "source_keys"));
    assert!(!defined_in(code, &files, "load"), "a prefix of a defined name is not that name");
}

#[test]
fn each_lab_page_names_every_sdk_call_of_its_aws_module() {
    for lab in common::manifest::labs() {
        let folder = root().join("labs").join(&lab.id);
        for page in ["README.md", "README.ja.md"] {
            let text = fs::read_to_string(folder.join(page)).unwrap();
            let heading = if page == "README.md" { "## Read the code" } else { "## コードを読む" };
            let section = text
                .split(heading)
                .nth(1)
                .unwrap_or_else(|| panic!("labs/{}/{page} needs a section {heading:?}", lab.id));
            let section = section.split("\n## ").next().unwrap();
            let Ok(aws) = fs::read_to_string(folder.join("src/aws.rs")) else { continue };
            let calls: Vec<&str> = aws
                .lines()
                .filter_map(|line| line.trim().strip_prefix("pub async fn "))
                .filter_map(|rest| rest.split('(').next())
                .collect();
            assert!(!calls.is_empty(), "labs/{}/src/aws.rs has one function per AWS operation", lab.id);
            for call in calls {
                assert!(section.contains(&format!("`{call}`")), "labs/{}/{page}: {heading} must name `{call}`", lab.id);
            }
        }
    }
}

#[test]
fn what_was_taught_wrong_is_gone_in_both_languages() {
    // (file, a sentence that taught something wrong, the corrected statement now there), checked
    // against the AWS documentation (shared/FACTS.md): each wrong sentence gone, in English and in
    // Japanese, and the right one in its place.
    let cases: &[(&str, &str, &str)] = &[
        // 1. KMSInvalidStateException is not "the key is disabled".
        ("docs/concepts.md", "the key is disabled or pending deletion", "`DisabledException`"),
        ("docs/concepts.ja.md", "キーが無効になっている、または削除の保留中", "`DisabledException`"),
        ("common/src/errors.rs", "the key is disabled or pending deletion", "gives DisabledException instead"),
        ("common/src/errors.rs", "キーが無効になっているか、削除の保留中です", "DisabledException になります"),
        // 2. Pending deletion is a state of its own, not Disabled.
        ("labs/05-cleanup/src/lib.rs", "during which they are disabled", "own, not Disabled"),
        ("labs/05-cleanup/src/lib.rs", "待機期間中のキーは削除の保留中となって", "とは別のキーの状態です"),
        ("docs/concepts.md", "unusable, and not charged.\n", "a key state of its own, not `Disabled`"),
        ("docs/concepts.ja.md", "料金もかかりません。\n- **気が変わったら", "とは別のキーの状態です"),
        // 3. Without a key, the destination's default EBS KMS key: aws/ebs only if unchanged.
        ("labs/04-copy/README.md", "uses the destination's default key.", "*default EBS KMS key*"),
        ("labs/04-copy/README.md", "(its `aws/ebs` by default, or the key you name)", "unless the account changed it"),
        (
            "labs/04-copy/README.ja.md",
            "コピー先リージョンのデフォルトのキーを使います",
            "*EBS のデフォルトの KMS キー*",
        ),
        ("labs/04-copy/README.ja.md", "デフォルトではそのリージョンの `aws/ebs`", "変更していなければ `aws/ebs`"),
        ("docs/concepts.md", "or the destination's default key.", "*default EBS"),
        ("docs/concepts.ja.md", "指定しなければコピー先のデフォルトのキーです", "*EBS のデフォルトの KMS キー*"),
        // 4. Alias names may contain `/`; only alias/aws/ is reserved.
        ("common/src/args.rs", "cannot appear in a KMS alias name", "only alias names beginning alias/aws/"),
        ("common/src/args.rs", "AWS が予約しているエイリアス名です", "alias/aws/ で始まるエイリアス名だけです"),
        // 5. The EBS part of "a multi-region key is no shortcut" is inferred, and the copy is not
        //    always re-encrypted with the replica (--key-for, --matrix).
        ("labs/04-copy/src/lesson.rs", "as AWS documents for most services", "for EBS it is inferred"),
        ("labs/04-copy/src/lesson.rs", "説明しているとおり、マルチリージョンキーを", "明記されておらず推測です"),
        ("labs/04-copy/src/lesson.rs", "コピーはこのレプリカキーで", "関連キー"),
        ("labs/04-copy/README.md", "As AWS documents for most\nservices, they treat", "is **inferred**"),
        // 6. The console tab is Regionality.
        ("labs/01-keys/README.ja.md", "**リージョンごと** タブ", "**リージョナリティー** タブ"),
        // 7. "Given key ID is not accessible" is documented for copies, not for CreateVolume.
        (
            "common/src/context.rs",
            "fail it later with \\\"Given key ID is not accessible\\\").",
            "can appear to complete",
        ),
        ("common/src/context.rs", "後から \\\"Given key ID is not accessible\\\" で失敗します", "最終的には失敗します"),
        // 9. A replica of a primary with imported key material goes to PendingImport.
        ("tools/quiz/questions.toml", "nothing needs importing", "KMS-generated key material"),
        ("tools/quiz/questions.toml", "インポートは不要です", "KMS で生成したキーマテリアル"),
        // The weak questions.
        (
            "tools/quiz/questions.toml",
            "As AWS documents for most services, a multi-region key",
            "inferred, not documented",
        ),
        ("tools/quiz/questions.toml", "EBS についてはラボで同様と推論しており", "というのは推測です"),
        (
            "tools/quiz/questions.toml",
            "fail with KMSInvalidStateException.\"",
            "KMSInvalidStateException or DisabledException",
        ),
        (
            "tools/quiz/questions.toml",
            "KMSInvalidStateException で失敗する。",
            "KMSInvalidStateException か DisabledException",
        ),
        ("tools/quiz/questions.toml", "so the source KMS key is not what protects it", "It says no more than that"),
        ("tools/quiz/questions.toml", "送信先リージョン", "コピー先リージョン"),
    ];
    let mut problems = Vec::new();
    for (file, wrong, right) in cases {
        let text = fs::read_to_string(root().join(file)).unwrap_or_else(|_| panic!("{file} is missing"));
        if text.contains(wrong) {
            problems.push(format!("{file} still says {wrong:?}"));
        }
        if !text.contains(right) {
            problems.push(format!("{file} lacks {right:?}"));
        }
    }
    // 8. Costs: a Tokyo volume is priced at Tokyo's rate, not us-east-1's.
    let tokyo = common::facts::gp3_usd_per_gb_month("ap-northeast-1");
    if tokyo == common::facts::gp3_usd_per_gb_month("us-east-1") {
        problems.push(format!("Tokyo gp3 priced at the us-east-1 rate ({tokyo})"));
    }
    assert!(problems.is_empty(), "what was taught wrong is back:\n{}", problems.join("\n"));
}

#[test]
fn every_inferred_fact_is_marked_inferred_wherever_the_course_states_it() {
    // The facts table marks what no source states outright (`inferred`); here every learner page
    // that states such a fact (found by its id's key words) marks it inferred in the same paragraph.
    let pages = [
        "docs/concepts.md",
        "docs/concepts.ja.md",
        "labs/04-copy/README.md",
        "labs/04-copy/README.ja.md",
        "labs/04-copy/src/lesson.rs",
    ];
    // (fact id, words that state it in English, in Japanese)
    let statements: &[(&str, &[&str], &[&str])] = &[
        ("mrk-not-a-shortcut", &["most services", "multi-region key"], &["ほとんどのサービス", "マルチリージョンキー"]),
        ("copy-key-region", &["region rule"], &["リージョンのルール"]),
    ];
    let mut problems = Vec::new();
    for (id, english, japanese) in statements {
        let fact = common::facts::by_id(id).unwrap_or_else(|| panic!("no fact {id}"));
        assert!(fact.inferred, "{id} is inferred in the facts table");
        for page in pages {
            let text = fs::read_to_string(root().join(page)).unwrap();
            for paragraph in text.split("\n\n").flat_map(|p| p.split("\n- ")) {
                let states =
                    english.iter().all(|w| paragraph.contains(w)) || japanese.iter().all(|w| paragraph.contains(w));
                if states && !common::facts::marks_inferred(paragraph) {
                    problems.push(format!("{page}: states {id} without marking it inferred: {paragraph}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
