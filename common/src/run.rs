//! The frame every lab binary runs in: parse arguments, connect, show where the run goes,
//! run the lab, then print errors with hints and exit with a code that says what happened.

use crate::api_log::{ApiLog, CliSink};
use crate::args::CommonArgs;
use crate::context::LabContext;
use crate::errors::{error_label, exit_status_for, render, ExitStatus, Interrupted};
use crate::inventory::Found;
use crate::manifest;
use crate::scenario::Scenario;
use crate::session::RegionClients;
use crate::session::{Endpoint, Session, Setup};
use crate::text::{self, Lang};
use crate::tr;
use crate::ui::{BackedOut, StoppedAtPrompt, Ui};
use anyhow::Result;
use std::ffi::OsString;
use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::OnceLock;
use std::time::Duration;

/// A lab's own argument struct: a `clap::Parser` that flattens [`CommonArgs`].
pub trait LabArgs: clap::Parser {
    fn common(&self) -> &CommonArgs;
    /// The binary's description in Japanese, for `--help` in a Japanese run.
    fn about_ja() -> &'static str;
    /// Japanese help of the binary's own options, by argument id (the shared options' is in
    /// [`crate::args::HELP_JA`]).
    fn help_ja() -> &'static [(&'static str, &'static str)] {
        &[]
    }
    /// The shared options this binary does not take, by argument id (a field of [`CommonArgs`]):
    /// clap refuses them as unknown arguments and `--help` does not list them; the binary's
    /// [`CommonArgs`] holds their defaults.
    fn not_taken() -> &'static [&'static str] {
        &[]
    }
}

/// Parses the command line in the learner's language: the language is read first (`--lang`, or
/// the locale), so that `--help` and our argument checks speak it. clap's own error sentences
/// ("error: unexpected argument …") stay English. Arguments are read as `OsString`s: one that is
/// not UTF-8 gets clap's usual error (exit code 2), never a panic. The options in `not_taken`
/// (argument ids) are left out of the command ([`without`]): clap refuses them like any unknown
/// argument, and the value is then read with the whole command, so that they keep their defaults.
pub fn parse_in_language<A: clap::Parser>(about_ja: &str, help_ja: &[(&str, &str)], not_taken: &[&str]) -> A {
    text::set_lang(Lang::resolve(lang_flag(std::env::args_os())));
    let mut command = without(A::command(), not_taken);
    if text::lang() == Lang::Ja {
        let help_ja: Vec<(&str, &str)> = help_ja.iter().chain(crate::args::HELP_JA).copied().collect();
        command = text::in_japanese(command, about_ja, &help_ja);
    }
    let name = command.get_name().to_string();
    let mut matches = command.try_get_matches().unwrap_or_else(|error| refuse_arguments(&name, error));
    if !not_taken.is_empty() {
        // Only what `command` accepted is on the command line: the whole command reads the same.
        matches = A::command().try_get_matches().unwrap_or_else(|error| refuse_arguments(&name, error));
    }
    A::from_arg_matches(&matches).unwrap_or_else(|error| refuse_arguments(&name, error))
}

/// clap's refusal of the command line, as clap prints it (help and version are no refusal); a
/// run that asked for `--output json` gets its JSON document on stdout too.
fn refuse_arguments(binary: &str, error: clap::Error) -> ! {
    let asked_for_json = {
        let arguments: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
        arguments.windows(2).any(|pair| pair[0] == "--output" && pair[1] == "json")
            || arguments.iter().any(|argument| argument == "--output=json")
    };
    if asked_for_json && error.use_stderr() {
        let message = error.render().to_string();
        let status = ExitStatus::Usage;
        let document = serde_json::json!({
            "schema_version": crate::ui::SCHEMA_VERSION,
            "binary": binary,
            "ok": false,
            "exit_code": status as u8,
            "error": crate::errors::usage_error_json(message.trim()),
        });
        println!("{}", serde_json::to_string_pretty(&document).expect("JSON values serialize"));
    }
    error.exit()
}

/// `command` without the arguments `ids`: the same name, version, descriptions, other arguments
/// and groups (less those arguments). Constraints between arguments are checked again when the
/// whole command reads the value.
pub fn without(command: clap::Command, ids: &[&str]) -> clap::Command {
    if ids.is_empty() {
        return command;
    }
    for id in ids {
        debug_assert!(
            command.get_arguments().any(|arg| arg.get_id() == id),
            "{} has no argument {id}",
            command.get_name()
        );
    }
    let kept = |id: &clap::Id| !ids.contains(&id.as_str());
    let mut reduced = clap::Command::new(command.get_name().to_string())
        .args(command.get_arguments().filter(|arg| kept(arg.get_id())).cloned());
    if let Some(version) = command.get_version() {
        reduced = reduced.version(version.to_string());
    }
    if let Some(about) = command.get_about() {
        reduced = reduced.about(about.clone());
    }
    if let Some(long_about) = command.get_long_about() {
        reduced = reduced.long_about(long_about.clone());
    }
    if let Some(before_help) = command.get_before_help() {
        reduced = reduced.before_help(before_help.clone());
    }
    if let Some(after_help) = command.get_after_help() {
        reduced = reduced.after_help(after_help.clone());
    }
    for group in command.get_groups() {
        let members: Vec<clap::Id> = group.get_args().filter(|id| kept(id)).cloned().collect();
        if !members.is_empty() {
            let rebuilt = clap::ArgGroup::new(group.get_id().clone())
                .args(members)
                .multiple(group.clone().is_multiple())
                .required(group.is_required_set());
            reduced = reduced.group(rebuilt);
        }
    }
    reduced
}

/// Declares `Args` for a lab (or tool) that takes only the shared arguments, with its binary
/// name and description in both languages:
/// `common::common_args_only!("NN-name", "Lab NN: …", about_ja = "ラボ NN: …");`, and
/// `not_taken = &[…]` for shared options it does not take ([`LabArgs::not_taken`]).
#[macro_export]
macro_rules! common_args_only {
    (
        $name:literal,
        $about:literal,
        about_ja = $about_ja:literal
        $(, long_about = $long:literal)?
        $(, not_taken = $not_taken:expr)?
    ) => {
        /// The arguments: only the ones every lab shares.
        #[derive(Debug, ::clap::Parser)]
        #[command(name = $name, version, about = $about $(, long_about = $long)?)]
        pub struct Args {
            #[command(flatten)]
            pub common: $crate::args::CommonArgs,
        }

        impl $crate::run::LabArgs for Args {
            fn common(&self) -> &$crate::args::CommonArgs {
                &self.common
            }

            fn about_ja() -> &'static str {
                $about_ja
            }

            $(
                fn not_taken() -> &'static [&'static str] {
                    $not_taken
                }
            )?
        }
    };
}

/// Runs lab `lab_id` with arguments `A`: the whole of a lab's `main`.
pub fn run_lab<A, F, Fut>(lab_id: &'static str, run: F) -> ExitCode
where
    A: LabArgs,
    F: FnOnce(LabContext, A) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let args: A = parse_in_language(A::about_ja(), A::help_ja(), A::not_taken());
    let common = args.common().clone();
    text::set_lang(Lang::resolve(common.lang));
    let ui = Arc::new(Ui::terminal(common.output, common.yes).quiet(common.quiet).show_cli(common.show_cli));
    describe_the_run(&ui, lab_id, &common);
    if let Err(message) = common.validate() {
        eprintln!("{}{message}", error_label());
        let status = ExitStatus::Usage;
        ui.data("ok", false.into());
        ui.data("exit_code", (status as u8).into());
        ui.data("error", crate::errors::usage_error_json(&message));
        ui.finish();
        return status.into();
    }
    init_logging(common.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!(
                "{}{}",
                error_label(),
                tr!("could not start the async runtime: {error}", "非同期ランタイムを起動できませんでした: {error}")
            );
            return ExitStatus::Failure.into();
        }
    };
    let lab = manifest::lab(lab_id);
    let lab_ui = Arc::clone(&ui);
    let repeat_flags = common.repeat_flags();
    // What resumes this very run: an `--undo` stopped at its confirmation resumes as an `--undo`.
    let resume_flags = match (common.undo, repeat_flags.is_empty()) {
        (false, _) => repeat_flags.clone(),
        (true, true) => " -- --undo".to_string(),
        (true, false) => format!("{repeat_flags} --undo"),
    };
    let set = Scenario::new(common.source_region, common.dest_region, &common.name_prefix);
    // Set once connected, so that an interrupted run can still show what exists.
    let connected: Arc<OnceLock<(RegionClients, RegionClients, ApiLog)>> = Arc::new(OnceLock::new());
    // Set once decided, so that an error (even from the first call) gets the hint for that endpoint.
    let decided: Arc<OnceLock<Endpoint>> = Arc::new(OnceLock::new());
    let show_api = common.show_api;
    let clients_for_work = Arc::clone(&connected);
    let connected_after = Arc::clone(&connected);
    let endpoint_for_work = Arc::clone(&decided);
    let result = runtime.block_on(async move {
        let work = async {
            let cli = common.show_cli.then(|| {
                let ui = Arc::clone(&lab_ui);
                CliSink::new(move |line| ui.cli(line))
            });
            let setup = Setup::load(common.profile.as_deref()).await?;
            let session = Session::connect(setup, &common, cli, &endpoint_for_work).await?;
            let _ =
                clients_for_work.set((session.source.clone(), session.destination.clone(), session.api_log.clone()));
            lab_ui.data("account", session.account.clone().into());
            let endpoint = match &session.endpoint {
                Endpoint::Aws => "aws",
                Endpoint::Local(_) => "emulator",
                Endpoint::Custom(_) => "custom",
            };
            lab_ui.data("endpoint", endpoint.into());
            show_banner(&lab_ui, &session, &common);
            let scenario = Scenario::new(common.source_region, common.dest_region, &common.name_prefix);
            let context = LabContext { lab, args: common, scenario, session, ui: Arc::clone(&lab_ui) };
            // Only labs 01-04 take --undo (`LabArgs::not_taken`).
            if context.args.undo {
                return crate::cleanup::run(&context, Some(lab_id)).await;
            }
            run(context, args).await
        };
        tokio::select! {
            result = work => result,
            _ = tokio::signal::ctrl_c() => {
                if let Some((source, destination, _)) = connected.get() {
                    show_what_exists(&lab_ui, source, destination, &set).await;
                }
                Err(Interrupted.into())
            }
        }
    });
    let status = match &result {
        Ok(()) => ExitStatus::Success,
        Err(error) if error.chain().any(|cause| cause.is::<BackedOut>()) => ExitStatus::Success,
        Err(error) if error.chain().any(|cause| cause.is::<StoppedAtPrompt>()) => ExitStatus::Interrupted,
        Err(error) => exit_status_for(error),
    };
    ui.data("ok", (status == ExitStatus::Success).into());
    ui.data("exit_code", (status as u8).into());
    let error_json = match &result {
        Err(error) if status != ExitStatus::Success => crate::errors::error_json(error, status),
        _ => serde_json::Value::Null,
    };
    ui.data("error", error_json);
    ui.finish();
    if let Some((_, _, api_log)) = connected_after.get().filter(|_| show_api) {
        let calls = api_log.calls();
        eprintln!("{}", tr!("api: {calls} AWS calls in this run", "api: この実行での AWS 呼び出しは {calls} 回です"));
    }
    match result {
        Ok(()) => ExitStatus::Success.into(),
        Err(error) if error.chain().any(|cause| cause.is::<BackedOut>()) => {
            ui.say(&tr!("Nothing was changed (Esc).", "何も変更しませんでした (Esc)。"));
            ExitStatus::Success.into()
        }
        Err(error) if error.chain().any(|cause| cause.is::<StoppedAtPrompt>()) => {
            let resume = format!("{}{resume_flags}", manifest::command_for(lab));
            eprintln!("{}", stopped_at_prompt(&resume, &repeat_flags, lab_id));
            ExitStatus::Interrupted.into()
        }
        Err(error) => {
            let status = exit_status_for(&error);
            eprintln!("{}", render(&error, &decided.get().unwrap_or(&Endpoint::Aws).unreachable_hint()));
            if status == ExitStatus::Interrupted {
                let cleanup = manifest::command_for(manifest::final_lab());
                let resume = manifest::command_for(lab);
                eprintln!(
                    "{}",
                    tr!(
                        "Everything made so far carries the labs' tags. To resume: {resume}{repeat_flags}\n\
                         To remove it instead: {cleanup}{repeat_flags}",
                        "ここまでに作成したものにはすべてラボのタグが付いています。再開するには: {resume}{repeat_flags}\n\
                         代わりに削除するには: {cleanup}{repeat_flags}"
                    )
                );
            }
            status.into()
        }
    }
}

/// What every `--output json` document says of the run before it starts: the binary, the
/// regions, the set (`--name-prefix`) and the mode.
fn describe_the_run(ui: &Ui, lab_id: &str, args: &CommonArgs) {
    ui.data("binary", lab_id.into());
    ui.data("regions", serde_json::json!({ "source": args.source_region.code, "destination": args.dest_region.code }));
    ui.data("set", args.name_prefix.clone().into());
    let mode = match args.hands_on() {
        Some(crate::args::HandsOn::Check) => "check",
        Some(crate::args::HandsOn::Adopt) => "adopt",
        Some(crate::args::HandsOn::Yourself) => "yourself",
        None if args.undo => "undo",
        None if args.dry_run => "dry_run",
        None => "run",
    };
    ui.data("mode", mode.into());
}

/// After Ctrl-C at a prompt: nothing was changed (every prompt comes before the changes it asks
/// about), the command that resumes (`resume`, with its flags), and the one that removes what
/// earlier labs made (with `repeat_flags`), unless this is that lab.
fn stopped_at_prompt(resume: &str, repeat_flags: &str, lab_id: &str) -> String {
    let mut text = tr!(
        "Stopped at the question (Ctrl-C): this run changed nothing.\nTo resume: {resume}",
        "質問の途中で中断しました (Ctrl-C)。この実行では何も変更していません。\n再開するには: {resume}"
    );
    let final_lab = manifest::final_lab();
    if final_lab.id != lab_id {
        let cleanup = manifest::command_for(final_lab);
        text.push('\n');
        text.push_str(&tr!(
            "To remove what the labs made so far instead: {cleanup}{repeat_flags}",
            "代わりに、ここまでにラボが作成したものを削除するには: {cleanup}{repeat_flags}"
        ));
    }
    text
}

/// After Ctrl-C: a quick inventory of what the labs have made so far (a second Ctrl-C, or 30
/// seconds, skips it).
async fn show_what_exists(ui: &Ui, source: &RegionClients, destination: &RegionClients, scenario: &Scenario) {
    ui.warn(&tr!(
        "interrupted: stopping; looking up what exists now (Ctrl-C again to skip)",
        "中断されました: 停止します。いま存在するリソースを確認しています (もう一度 Ctrl-C で省略)"
    ));
    let lookup = tokio::time::timeout(Duration::from_secs(30), Found::load_in(source, destination, scenario));
    tokio::select! {
        found = lookup => match found {
            Ok(Ok(found)) => ui.report(&found.inventory().report(None)),
            _ => ui.warn(&tr!(
                "could not look up what exists; status or {cleanup} --dry-run will show it",
                "存在するリソースを確認できませんでした。status または {cleanup} --dry-run で確認できます",
                cleanup = manifest::final_lab().id
            )),
        },
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// Says where this run goes, before anything is changed: the place, the account and caller, and
/// where the credentials came from (`--profile NAME`, the environment, SSO, an instance role…).
pub fn show_banner(ui: &Ui, session: &Session, args: &CommonArgs) {
    let account = &session.account;
    let caller = &session.caller_arn;
    let place = match &session.endpoint {
        Endpoint::Local(url) => tr!(
            "Local emulator at {url}: free, nothing real is created (emulated account {account}).",
            "ローカルエミュレーター ({url}) を使います: 無料で、実際のリソースは何も作成されません (エミュレートされたアカウント {account})。"
        ),
        Endpoint::Custom(url) => tr!(
            "Endpoint {url} (not the local emulator: it does not answer as moto does), account {account} as {caller}. \
             Resources made here may be real and may cost money.",
            "エンドポイント {url} (ローカルエミュレーターではありません。moto として応答しません)、アカウント {account}、\
             呼び出し元 {caller} で実行します。ここで作成するリソースは実物の場合があり、料金がかかることがあります。"
        ),
        Endpoint::Aws => tr!(
            "AWS account {account} as {caller}. Resources made here are real and may cost money.",
            "AWS アカウント {account} で、{caller} として実行します。ここで作成するリソースは実物で、料金がかかる場合があります。"
        ),
    };
    ui.say(&place);
    let origin = session.credentials.describe();
    ui.say(&tr!("Credentials: {origin}, account {account}", "認証情報: {origin}、アカウント {account}"));
    let (source, destination) = (args.source_region, args.dest_region);
    ui.say(&tr!(
        "Source region: {source}   Destination region: {destination}",
        "コピー元リージョン: {source}   コピー先リージョン: {destination}"
    ));
    for region in [args.source_region, args.dest_region].into_iter().filter(|region| region.opt_in) {
        ui.warn(&tr!(
            "{region} is an opt-in region: it must be enabled for the account (Account settings → AWS Regions), \
             otherwise calls there fail with OptInRequired or AuthFailure",
            "{region} はオプトインリージョンです。アカウントで有効にしておく必要があります (アカウント設定 → AWS リージョン)。\
             有効でないと、このリージョンへの呼び出しは OptInRequired または AuthFailure で失敗します"
        ));
    }
    if args.dry_run {
        ui.say(&tr!(
            "Dry run: nothing will be created, changed or deleted.",
            "ドライラン: 何も作成・変更・削除しません。"
        ));
    }
}

/// `--lang ja` or `--lang=ja` among the raw arguments, read before clap parses them (an argument
/// that is not UTF-8 is none of these; clap reports it).
pub fn lang_flag(arguments: impl Iterator<Item = OsString>) -> Option<Lang> {
    let arguments: Vec<OsString> = arguments.collect();
    let value = arguments.iter().enumerate().find_map(|(index, argument)| match argument.to_str()? {
        "--lang" => arguments.get(index + 1)?.to_str().map(str::to_string),
        other => other.strip_prefix("--lang=").map(str::to_string),
    })?;
    <Lang as clap::ValueEnum>::from_str(&value, true).ok()
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "error",
        1 => "info,aws_smithy_runtime=warn,aws_config=warn",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    fn arguments(words: &[&[u8]]) -> impl Iterator<Item = OsString> {
        words.iter().map(|word| OsString::from_vec(word.to_vec())).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn ctrl_c_at_a_prompt_says_nothing_changed_and_gives_the_commands_that_resume_or_remove() {
        let final_lab = manifest::final_lab();
        let first = &manifest::labs()[0];
        let resume = format!("{} -- --undo", manifest::command_for(first));
        let text = stopped_at_prompt(&resume, " -- --name-prefix a-", &first.id);
        assert!(text.starts_with("Stopped at the question (Ctrl-C): this run changed nothing.\n"), "{text}");
        assert!(text.contains(&format!("To resume: {resume}\n")), "{text}");
        let cleanup = format!("{} -- --name-prefix a-", manifest::command_for(final_lab));
        assert!(text.ends_with(&format!("instead: {cleanup}")), "{text}");
        // The final lab is the removal: no second command.
        let text = stopped_at_prompt(&manifest::command_for(final_lab), "", &final_lab.id);
        assert!(!text.contains("instead"), "{text}");
    }

    /// A binary with the shared options and one of its own.
    #[derive(Debug, clap::Parser)]
    #[command(name = "lab", version, about = "A lab", long_about = "A lab, at length")]
    struct Cli {
        #[command(flatten)]
        common: CommonArgs,
        /// Its own option
        #[arg(long)]
        own: bool,
    }

    #[test]
    fn a_command_without_some_options_refuses_them_and_keeps_the_rest() {
        use clap::CommandFactory;
        let mut whole = Cli::command();
        assert_eq!(without(Cli::command(), &[]).render_long_help().to_string(), whole.render_long_help().to_string());
        let mut reduced = without(Cli::command(), crate::args::CHANGING);
        let help = reduced.render_long_help().to_string();
        assert!(help.starts_with("A lab, at length") && help.contains("--own") && help.contains("--name-prefix"));
        assert!(!help.contains("--undo") && !help.contains("--yes") && !help.contains("--pending-days"), "{help}");
        assert_eq!(reduced.render_version(), whole.clone().render_version());
        let refused = reduced.clone().try_get_matches_from(["lab", "--undo"]).unwrap_err();
        assert_eq!(refused.kind(), clap::error::ErrorKind::UnknownArgument);
        assert!(reduced.try_get_matches_from(["lab", "--own", "--quiet", "--lang", "ja"]).is_ok());
    }

    #[test]
    fn the_language_is_read_from_raw_arguments_even_beside_invalid_utf8() {
        assert_eq!(lang_flag(arguments(&[b"01-keys", b"--lang", b"ja"])), Some(Lang::Ja));
        assert_eq!(lang_flag(arguments(&[b"01-keys", b"--name-prefix", b"\xff\xfe", b"--lang=ja"])), Some(Lang::Ja));
        assert_eq!(lang_flag(arguments(&[b"01-keys", b"--lang", b"\xff"])), None);
        assert_eq!(lang_flag(arguments(&[b"\xff", b"--yes"])), None);
    }
}
