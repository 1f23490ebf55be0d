//! `--output json` as a contract (docs/schemas/README.md): every binary, in English and in
//! Japanese, on success, on refusal, on an AWS error and on a usage error, prints exactly one JSON
//! document on stdout; it validates against the binary's schema in docs/schemas/ (with the pinned
//! `jsonschema` of scripts/policy-tools.sh, through scripts/check_json_schema.py); `ok`,
//! `exit_code` and `error.kind` agree with the exit status; and the English and Japanese documents
//! are the same once every value under a key named `message` is taken out. Runs that create
//! resources are compared across two fresh emulators with ids, ARNs and times masked; read-only
//! runs (`--dry-run`, `--check`, status) are compared as they are, on the same state.

use e2e::{lab_command, output_text, Emulator};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const LANGS: [&str; 2] = ["en", "ja"];

fn workspace_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// The schema file of a binary's documents: docs/schemas/<binary>.schema.json (the quiz's is
/// quiz-study.schema.json: it prints JSON for `--study` only).
fn schema_file(binary: &str) -> PathBuf {
    let name = if binary == "quiz" { "quiz-study".to_string() } else { binary.to_string() };
    let path = workspace_file(&format!("docs/schemas/{name}.schema.json"));
    assert!(
        path.is_file(),
        "docs/schemas/{name}.schema.json is missing: every binary's `--output json` has a schema file \
         (see docs/schemas/README.md)"
    );
    path
}

/// One run of a binary with `--output json`: its exit code, its document, and what it printed.
struct Run {
    binary: String,
    args: Vec<String>,
    code: i32,
    document: Value,
    stdout: String,
    stderr: String,
}

impl Run {
    fn describe(&self) -> String {
        format!(
            "{} {}\nexit code {}\nstdout:\n{}\nstderr:\n{}",
            self.binary,
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

/// Runs `command` (a binary with its environment) with `args`, `--output json` and `--lang lang`,
/// and checks what every document must be: exactly one JSON document on stdout, valid against the
/// binary's schema, its envelope in agreement with the exit status.
fn run_json(mut command: assert_cmd::Command, binary: &str, args: &[&str], lang: &str) -> Run {
    let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    all.extend(["--output", "json", "--lang", lang].map(String::from));
    let output = command.args(&all).output().expect("run the binary");
    let (stdout, stderr) = output_text(&output);
    let code = output.status.code().unwrap_or(-1);
    // serde_json refuses anything after the first document but white space.
    let document: Value = serde_json::from_str(&stdout).unwrap_or_else(|error| {
        panic!(
            "{binary} {}: stdout is not exactly one JSON document ({error})\nexit code {code}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            all.join(" ")
        )
    });
    let run = Run { binary: binary.to_string(), args: all, code, document, stdout, stderr };
    validate(&run);
    check_envelope(&run);
    run
}

fn run_lab(emulator: &Emulator, binary: &str, args: &[&str], lang: &str) -> Run {
    run_json(emulator.lab(binary), binary, args, lang)
}

/// scripts/check_json_schema.py on the run's document.
fn validate(run: &Run) {
    let schema = schema_file(&run.binary);
    let mut child = Command::new(e2e::checkers_python())
        .arg(workspace_file("scripts/check_json_schema.py"))
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run scripts/check_json_schema.py");
    child.stdin.take().expect("stdin").write_all(run.stdout.as_bytes()).expect("write the document");
    let output = child.wait_with_output().expect("wait for scripts/check_json_schema.py");
    let (_, errors) = output_text(&output);
    assert!(
        output.status.success(),
        "the document does not validate against {}:\n{errors}\n{}",
        schema.display(),
        run.describe()
    );
}

/// The `error.kind` of an exit code (common::errors::ExitStatus::kind).
fn kind_of(code: i32) -> &'static str {
    match code {
        1 => "failure",
        2 => "usage",
        3 => "aws",
        4 => "verification_failed",
        5 => "refused",
        130 => "interrupted",
        other => panic!("exit code {other} is none of the documented ones"),
    }
}

fn check_envelope(run: &Run) {
    let document = &run.document;
    let why = || run.describe();
    assert_eq!(document["schema_version"], 1, "{}", why());
    assert_eq!(document["binary"], run.binary.as_str(), "{}", why());
    assert_eq!(document["exit_code"], run.code, "{}", why());
    assert_eq!(document["ok"], run.code == 0, "{}", why());
    if run.code == 0 {
        assert_eq!(document["error"], Value::Null, "{}", why());
    } else {
        assert_eq!(document["error"]["kind"], kind_of(run.code), "{}", why());
        assert_eq!(document["error"]["exit_code"], run.code, "{}", why());
        assert!(document["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", why());
    }
}

/// `value` with every value under a key named `message` replaced by null: what must be the same
/// in every language.
fn without_messages(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), if key == "message" { Value::Null } else { without_messages(value) }))
                .collect(),
        ),
        Value::Array(items) => items.iter().map(without_messages).collect(),
        other => other.clone(),
    }
}

/// `value` with what differs between two emulators running the same course masked in every
/// string: ARNs, RFC 3339 times, AWS ids (`vol-…`, `snap-…`, `mrk-…`) and KMS key ids (UUIDs).
fn masked(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.iter().map(|(key, value)| (key.clone(), masked(value))).collect()),
        Value::Array(items) => items.iter().map(masked).collect(),
        Value::String(text) => Value::String(mask_text(text)),
        other => other.clone(),
    }
}

fn mask_text(text: &str) -> String {
    let mut out = String::new();
    let mut token = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_whitespace() || ",;()[]{}\"'=<>".contains(c) {
            out.push_str(&mask_token(&token));
            token.clear();
            out.push(c);
        } else {
            token.push(c);
        }
    }
    out.pop();
    out
}

fn mask_token(token: &str) -> String {
    let core = token.trim_end_matches('.');
    let tail = &token[core.len()..];
    let is_hex = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit());
    let is_uuid =
        |s: &str| s.len() == 36 && s.split('-').map(str::len).eq([8, 4, 4, 4, 12]) && is_hex(&s.replace('-', ""));
    let bytes = core.as_bytes();
    let masked = if core.starts_with("arn:") {
        "<arn>".to_string()
    } else if bytes.len() >= 19
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
    {
        "<time>".to_string()
    } else if is_uuid(core) {
        "<uuid>".to_string()
    } else if let Some((prefix, _)) = core.split_once('-').filter(|(prefix, id)| {
        !prefix.is_empty()
            && prefix.chars().all(|c| c.is_ascii_lowercase())
            && (is_uuid(id) || (id.len() >= 8 && is_hex(id)))
    }) {
        // vol-…, snap-…, mrk-… (a multi-region key id; moto's hold a UUID).
        format!("{prefix}-<id>")
    } else {
        return token.to_string();
    };
    format!("{masked}{tail}")
}

/// Asserts that the English and Japanese documents are the same but for `message` values
/// (after `mask`, when the runs were made on two emulators).
fn assert_same_but_messages(en: &Run, ja: &Run, mask: bool) {
    let prepare = |run: &Run| {
        let value = without_messages(&run.document);
        if mask {
            masked(&value)
        } else {
            value
        }
    };
    let (english, japanese) = (prepare(en), prepare(ja));
    if english != japanese {
        let mut found = Vec::new();
        differences(&english, &japanese, "$", &mut found);
        let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap();
        panic!(
            "{} {}: the --lang en and --lang ja documents differ beyond `message` values{}:\n{}\n--- en\n{}\n--- ja\n{}",
            en.binary,
            en.args.join(" "),
            if mask { " (ids, ARNs and times masked)" } else { "" },
            found.join("\n"),
            pretty(&english),
            pretty(&japanese)
        );
    }
}

/// Where two documents differ, one line per place: path, English value, Japanese value.
fn differences(en: &Value, ja: &Value, path: &str, found: &mut Vec<String>) {
    match (en, ja) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys().filter(|key| !a.contains_key(*key))) {
                let (x, y) = (a.get(key).unwrap_or(&Value::Null), b.get(key).unwrap_or(&Value::Null));
                if a.contains_key(key) != b.contains_key(key) {
                    found.push(format!("{path}.{key}: only in {}", if a.contains_key(key) { "en" } else { "ja" }));
                } else {
                    differences(x, y, &format!("{path}.{key}"), found);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                differences(x, y, &format!("{path}[{index}]"), found);
            }
        }
        (a, b) if a != b => found.push(format!("{path}: en {a} / ja {b}")),
        _ => {}
    }
}

/// How many check records (objects with a `check` key) say `ok: false`.
fn failed_checks(value: &Value) -> usize {
    match value {
        Value::Object(map) => {
            let this = usize::from(map.contains_key("check") && map.get("ok") == Some(&Value::Bool(false)));
            this + map.values().map(failed_checks).sum::<usize>()
        }
        Value::Array(items) => items.iter().map(failed_checks).sum(),
        _ => 0,
    }
}

/// A read-only run, made in both languages against the same state and compared as it is.
fn read_only_both(emulator: &Emulator, binary: &str, args: &[&str], code: i32) -> Run {
    let en = run_lab(emulator, binary, args, "en");
    let ja = run_lab(emulator, binary, args, "ja");
    assert_eq!(en.code, code, "{}", en.describe());
    assert_eq!(ja.code, code, "{}", ja.describe());
    assert_same_but_messages(&en, &ja, false);
    en
}

/// The course in one language on a fresh emulator: every run's document (checked as it ran),
/// in order; read-only runs are also made in the other language and compared at once.
fn course(lang: &'static str) -> Vec<Run> {
    let emulator = Emulator::start();
    let mut runs = Vec::new();
    let creating = |binary: &str, args: &[&str], code: i32, runs: &mut Vec<Run>| {
        let run = run_lab(&emulator, binary, args, lang);
        assert_eq!(run.code, code, "{}", run.describe());
        runs.push(run);
    };
    let read_only = |binary: &str, args: &[&str], code: i32, runs: &mut Vec<Run>| {
        // Read-only runs are compared on this emulator once, from the English course.
        let run = if lang == "en" {
            read_only_both(&emulator, binary, args, code)
        } else {
            let run = run_lab(&emulator, binary, args, lang);
            assert_eq!(run.code, code, "{}", run.describe());
            run
        };
        runs.push(run);
    };
    read_only("status", &[], 0, &mut runs);
    // A refusal: no keys yet.
    creating("02-volumes", &["--yes"], 5, &mut runs);
    read_only("02-volumes", &["--check"], 5, &mut runs);
    // A verification that fails: the keys are not there (✗ checks, exit 4).
    read_only("01-keys", &["--check"], 4, &mut runs);
    let failed = runs.last().expect("the check ran");
    assert!(
        failed_checks(&failed.document) > 0,
        "a failed verification has a check with ok false\n{}",
        failed.describe()
    );
    read_only("01-keys", &["--dry-run"], 0, &mut runs);
    creating("01-keys", &["--yes"], 0, &mut runs);
    read_only("01-keys", &["--check"], 0, &mut runs);
    read_only("status", &[], 0, &mut runs);
    read_only("02-volumes", &["--dry-run"], 0, &mut runs);
    creating("02-volumes", &["--yes"], 0, &mut runs);
    read_only("02-volumes", &["--check"], 0, &mut runs);
    creating("03-snapshots", &["--yes"], 0, &mut runs);
    read_only("03-snapshots", &["--check"], 0, &mut runs);
    read_only("04-copy", &["--dry-run"], 0, &mut runs);
    creating("04-copy", &["--yes"], 0, &mut runs);
    read_only("04-copy", &["--check"], 0, &mut runs);
    read_only("status", &[], 0, &mut runs);
    read_only("05-cleanup", &["--dry-run"], 0, &mut runs);
    creating("05-cleanup", &["--yes"], 0, &mut runs);
    read_only("status", &[], 0, &mut runs);
    runs
}

#[test]
fn the_course_prints_valid_documents_that_are_the_same_in_both_languages() {
    let japanese = std::thread::spawn(|| course("ja"));
    let english = course("en");
    let japanese = japanese.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    assert_eq!(english.len(), japanese.len());
    for (en, ja) in english.iter().zip(&japanese) {
        assert_same_but_messages(en, ja, true);
    }
}

/// A loopback server that answers every request HTTP 400 with an AWS error body in the request's
/// protocol: JSON (`X-Amz-Target`: KMS), the query protocol's `ErrorResponse` (STS) or EC2's
/// `Response`; the code is AccessDenied / UnauthorizedOperation, the request id `json-test-request`.
fn refusing_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut request = Vec::new();
                let mut buffer = [0u8; 8192];
                let header_end = loop {
                    if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        break end + 4;
                    }
                    match client.read(&mut buffer) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&request[..header_end]).to_lowercase();
                let length = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .and_then(|n| n.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                while request.len() < header_end + length {
                    match client.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let body = String::from_utf8_lossy(&request[header_end..]).to_string();
                let (content_type, text) = if head.contains("x-amz-target:") {
                    (
                        "application/x-amz-json-1.1",
                        r#"{"__type":"AccessDeniedException","message":"the stand-in server refuses every request"}"#
                            .to_string(),
                    )
                } else if body.contains("Version=2011-06-15") {
                    (
                        "text/xml",
                        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
                         <Code>AccessDenied</Code><Message>the stand-in server refuses every request</Message></Error>\
                         <RequestId>json-test-request</RequestId></ErrorResponse>"
                            .to_string(),
                    )
                } else {
                    (
                        "text/xml",
                        "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>the stand-in server \
                         refuses every request</Message></Error></Errors><RequestID>json-test-request</RequestID></Response>"
                            .to_string(),
                    )
                };
                let _ = write!(
                    client,
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: {content_type}\r\nx-amzn-RequestId: json-test-request\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
            });
        }
    });
    url
}

const LAB_BINARIES: [&str; 6] = ["01-keys", "02-volumes", "03-snapshots", "04-copy", "05-cleanup", "status"];

#[test]
fn an_aws_error_is_one_document_with_the_aws_error_code() {
    let server = refusing_server();
    for binary in LAB_BINARIES {
        let args: &[&str] = if binary == "status" { &[] } else { &["--yes"] };
        let [en, ja] = LANGS.map(|lang| {
            let mut command = lab_command(binary);
            command
                .env("AWS_ENDPOINT_URL", &server)
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test");
            let run = run_json(command, binary, args, lang);
            assert_eq!(run.code, 3, "an AWS error is exit 3\n{}", run.describe());
            let error = &run.document["error"];
            assert!(
                error["aws_error_code"].as_str().is_some_and(|code| !code.is_empty()),
                "error.aws_error_code is set when the body carries a code\n{}",
                run.describe()
            );
            assert!(error["aws_operation"].as_str().is_some_and(|op| op.contains(':')), "{}", run.describe());
            run
        });
        assert_same_but_messages(&en, &ja, false);
    }
}

#[test]
fn a_usage_error_is_one_document_with_exit_2() {
    for binary in LAB_BINARIES {
        // The same region on both sides: refused by the labs' own check, before any AWS call.
        let [en, ja] = LANGS.map(|lang| {
            let run = run_json(lab_command(binary), binary, &["--dest-region", "ap-northeast-1"], lang);
            assert_eq!(run.code, 2, "{}", run.describe());
            run
        });
        assert_same_but_messages(&en, &ja, false);
    }
    // Refused by clap: options the binary does not take, or that conflict.
    for (binary, args) in [("status", &["--undo"][..]), ("01-keys", &["--check", "--undo"][..])] {
        let [en, ja] = LANGS.map(|lang| {
            let run = run_json(lab_command(binary), binary, args, lang);
            assert_eq!(run.code, 2, "{}", run.describe());
            run
        });
        assert_same_but_messages(&en, &ja, false);
    }
}

fn quiz_json(args: &[&str], lang: &str) -> Run {
    let mut command = lab_command("quiz");
    command.env("LANG", "C.UTF-8");
    run_json(command, "quiz", args, lang)
}

#[test]
fn the_quiz_study_sheet_is_one_document_in_both_languages() {
    for args in [&["--study", "--seed", "7"][..], &["--study", "--seed", "2", "--topic", "copy", "--count", "3"][..]] {
        let [en, ja] = LANGS.map(|lang| quiz_json(args, lang));
        assert_eq!(en.code, 0, "{}", en.describe());
        assert_same_but_messages(&en, &ja, false);
        assert_ne!(en.document, ja.document, "the texts are in each language");
        let questions = en.document["questions"].as_array().expect("questions");
        assert!(!questions.is_empty(), "{}", en.describe());
        for question in questions {
            let correct: Vec<&Value> = question["choices"]
                .as_array()
                .expect("choices")
                .iter()
                .filter(|choice| choice["correct"] == true)
                .map(|choice| &choice["id"])
                .collect();
            assert_eq!(correct, question["answers"].as_array().unwrap().iter().collect::<Vec<_>>(), "{question}");
        }
    }
    let copy = quiz_json(&["--study", "--seed", "2", "--topic", "copy", "--count", "3"], "en");
    let questions = copy.document["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 3);
    assert!(questions.iter().all(|q| q["topic"] == "copy"), "{}", copy.describe());
    // --output json without --study, and a command line clap refuses: exit 2, one document each.
    for args in [&[][..], &["--exam", "3"][..], &["--study", "--topic", "s3"][..]] {
        let [en, ja] = LANGS.map(|lang| quiz_json(args, lang));
        assert_eq!(en.code, 2, "{}", en.describe());
        assert_same_but_messages(&en, &ja, false);
    }
}
