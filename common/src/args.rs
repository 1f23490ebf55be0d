//! The command-line arguments every lab shares (clap derive), and their checks.

use crate::facts;
use crate::regions::{self, RegionInfo};
use crate::text::Lang;
use crate::tr;
use clap::{Args, ValueEnum};

/// How a lab prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Tables and explanations for a person at a terminal.
    Table,
    /// One JSON document on stdout; explanations and progress go to stderr.
    Json,
}

/// Arguments shared by every lab; each lab flattens this into its own `clap::Parser`.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Region that holds the keys, volumes and snapshots
    #[arg(long, value_name = "REGION", default_value = "ap-northeast-1", value_parser = regions::parse)]
    pub source_region: &'static RegionInfo,

    /// Region the snapshots are copied to
    #[arg(long, value_name = "REGION", default_value = "us-west-2", value_parser = regions::parse)]
    pub dest_region: &'static RegionInfo,

    /// Named profile from ~/.aws/config (otherwise the standard credential chain)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Answer yes to every confirmation and take the defaults (for scripts)
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Show what would be created or changed, and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Prefix for every alias and Name tag the labs make, e.g. `alice-` (to stay clear of existing names)
    #[arg(long, value_name = "PREFIX", default_value = "", value_parser = parse_prefix)]
    pub name_prefix: String,

    /// Longest time to wait for AWS to finish something (replica, volume, snapshot, copy)
    #[arg(long, value_name = "MINUTES", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=2880))]
    pub max_wait_minutes: u64,

    /// Leave out the teaching text (explanations before and after each lab); results stay
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Print, for each step, the AWS CLI commands that do the same thing (`cli:` lines)
    #[arg(long)]
    pub show_cli: bool,

    /// Language of the explanations and messages (default: from LC_ALL / LC_MESSAGES / LANG,
    /// otherwise English)
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<Lang>,

    /// Print every AWS call as it is made (service, operation, region, parameters, outcome,
    /// time) on stderr, and the number of calls at the end
    #[arg(long)]
    pub show_api: bool,

    /// Remove what this lab made, and what later labs made from it, so the step can be redone
    #[arg(long)]
    pub undo: bool,

    /// Hands-on: change nothing; check this step's resources, whether the lab or you made them
    /// (console, CLI), and say what is wrong and how to fix it
    #[arg(long, conflicts_with_all = ["adopt", "yourself", "undo", "dry_run"])]
    pub check: bool,

    /// Hands-on: check, then add the labs' ownership tags to what you made by hand for this step
    /// (and nothing else), so that status, --undo and cleanup see it
    #[arg(long, conflicts_with_all = ["yourself", "undo"])]
    pub adopt: bool,

    /// Hands-on: do this step yourself in the console or with the AWS CLI; the lab shows how,
    /// then checks your work each time you press Enter
    #[arg(long, conflicts_with_all = ["undo", "dry_run", "yes"])]
    pub yourself: bool,

    /// Waiting period before scheduled keys are deleted (7 to 30 days), for cleanup and --undo
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = facts::KEY_DELETION_MIN_DAYS,
        value_parser = clap::value_parser!(i32)
            .range(i64::from(facts::KEY_DELETION_MIN_DAYS)..=i64::from(facts::KEY_DELETION_MAX_DAYS))
    )]
    pub pending_days: i32,

    /// Cleanup and --undo: schedule this lab key for deletion even though something outside the
    /// set still uses it (an alias, a grant, a volume or snapshot); repeat for more keys
    #[arg(long, value_name = "KEY_ID")]
    pub force_key: Vec<String>,

    /// More detail on stderr: -v the SDK's informational logs, -vv its debug logs
    #[arg(long, short = 'v', action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The shared options about making, changing or removing something, by argument id: a read-only
/// tool does not take them ([`crate::run::LabArgs::not_taken`]).
pub const CHANGING: &[&str] =
    &["yes", "dry_run", "undo", "check", "adopt", "yourself", "max_wait_minutes", "pending_days", "force_key"];

/// The shared options' help in Japanese, by argument id (the English is each field's doc comment).
pub const HELP_JA: &[(&str, &str)] = &[
    ("source_region", "キー、ボリューム、スナップショットを置くリージョン (コピー元)"),
    ("dest_region", "スナップショットのコピー先のリージョン"),
    ("profile", "~/.aws/config の名前付きプロファイル (省略時は標準の認証情報チェーン)"),
    ("yes", "すべての確認に「はい」と答え、既定の選択を使います (スクリプト向け)"),
    ("dry_run", "作成・変更する内容を表示するだけで、何も変更しません"),
    ("output", "出力形式 (table: 人が読む表、json: スクリプト向けの JSON)"),
    ("name_prefix", "ラボが作るすべてのエイリアスと Name タグの前に付ける文字列 (例: alice-)。既存の名前と重ならないようにします"),
    ("max_wait_minutes", "AWS の処理 (レプリカ、ボリューム、スナップショット、コピー) の完了を待つ最長時間 (分)"),
    ("quiet", "説明 (各ラボの前後の解説) を省きます。結果は表示します"),
    ("show_cli", "各ステップと同じ処理をする AWS CLI コマンドを表示します (cli: の行)"),
    ("lang", "説明とメッセージの言語 (省略時は LC_ALL / LC_MESSAGES / LANG から。日本語以外は英語)"),
    ("show_api", "AWS の呼び出しを、行うたびに表示します (サービス、オペレーション、リージョン、パラメーター、結果、時間)。最後に呼び出し回数も表示します"),
    ("undo", "このラボが作ったもの (と、それをもとに後のラボが作ったもの) を削除し、ステップをやり直せるようにします"),
    ("check", "ハンズオン: 何も変更せず、このステップのリソースを確認します。ラボが作ったものも、あなたがコンソールや CLI で作ったものも確認し、どこが違うか、どう直すかを示します"),
    ("adopt", "ハンズオン: 確認のあと、このステップであなたが手で作ったもの (だけ) にラボの所有タグを付け、status、--undo、クリーンアップの対象にします"),
    ("yourself", "ハンズオン: このステップをコンソールか AWS CLI で自分で行います。ラボが手順を示し、Enter を押すたびに結果を確認します"),
    ("pending_days", "クリーンアップと --undo で削除をスケジュールするキーの待機期間 (7～30 日)"),
    ("force_key", "クリーンアップと --undo: このセット以外 (エイリアス、権限付与、ボリューム、スナップショット) でまだ使われていても、このラボのキーの削除をスケジュールします。複数のキーには繰り返し指定します"),
    ("verbose", "stderr に詳細を表示します: -v は SDK の情報ログ、-vv はデバッグログ"),
];

/// How a lab's step gets done: by the lab, or by the learner with the lab checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandsOn {
    /// `--check`: read only; the verification table of what exists.
    Check,
    /// `--adopt`: check, then tag what the learner made for this step as the labs' own.
    Adopt,
    /// `--yourself`: show how, wait for the learner, check; again until every row is ✓.
    Yourself,
}

impl CommonArgs {
    /// The hands-on mode asked for, if any (the flags exclude one another).
    pub fn hands_on(&self) -> Option<HandsOn> {
        match (self.check, self.adopt, self.yourself) {
            (true, _, _) => Some(HandsOn::Check),
            (_, true, _) => Some(HandsOn::Adopt),
            (_, _, true) => Some(HandsOn::Yourself),
            _ => None,
        }
    }

    /// The flags another lab needs to see the same resources: regions, prefix and profile (quoted
    /// for a POSIX shell), when they differ from the defaults (with a leading ` -- ` for `cargo
    /// run`). The labs take no endpoint flag: endpoints come from the environment and the profile,
    /// which the next command shares.
    pub fn repeat_flags(&self) -> String {
        let mut flags = String::new();
        if self.source_region.code != "ap-northeast-1" {
            flags.push_str(&format!(" --source-region {}", self.source_region.code));
        }
        if self.dest_region.code != "us-west-2" {
            flags.push_str(&format!(" --dest-region {}", self.dest_region.code));
        }
        if !self.name_prefix.is_empty() {
            flags.push_str(&format!(" --name-prefix {}", self.name_prefix));
        }
        if let Some(profile) = &self.profile {
            flags.push_str(&format!(" --profile {}", crate::cli::quote(profile)));
        }
        if self.lang == Some(Lang::Ja) {
            flags.push_str(" --lang ja");
        }
        if flags.is_empty() {
            flags
        } else {
            format!(" --{flags}")
        }
    }

    /// Checks that concern more than one argument.
    pub fn validate(&self) -> Result<(), String> {
        if self.source_region.code == self.dest_region.code {
            return Err(tr!(
                "--dest-region must differ from --source-region (both are {region}): the labs copy snapshots across regions",
                "--dest-region と --source-region は別のリージョンにしてください (どちらも {region} です)。\
                 このラボはスナップショットをリージョン間でコピーします",
                region = self.source_region
            ));
        }
        Ok(())
    }
}

/// Checks `--name-prefix`. KMS alias names may also contain `/`, and only names that begin
/// `alias/aws/` are reserved for AWS; the labs' rules are their own: the prefix also goes into Name
/// tags, copy names and the commands the labs print, so it is one plain word (letters, digits, `-`,
/// `_`), and it may not start with `aws` so that no lab name reads like an AWS managed key's.
pub fn parse_prefix(text: &str) -> Result<String, String> {
    if text.len() > 32 {
        return Err(tr!("a name prefix has at most 32 characters", "名前のプレフィックスは 32 文字までです"));
    }
    if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
        return Err(tr!(
            "'{bad}' is not allowed in a name prefix: the labs put it into aliases, Name tags and printed \
             commands, so they take letters, digits, '-' and '_' only",
            "'{bad}' は名前のプレフィックスに使えません。プレフィックスはエイリアス、Name タグ、表示するコマンドに\
             入るため、英字、数字、'-'、'_' だけを使えます"
        ));
    }
    if text.to_ascii_lowercase().starts_with("aws") {
        return Err(tr!(
            "a prefix may not start with 'aws': the labs keep their names apart from AWS managed keys' \
             (only alias names beginning alias/aws/ are reserved for AWS)",
            "プレフィックスを 'aws' で始めることはできません。ラボの名前を AWS マネージドキーの名前と\
             区別するためです (AWS が予約しているのは alias/aws/ で始まるエイリアス名だけです)"
        ));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        common: CommonArgs,
    }

    #[test]
    fn defaults_are_tokyo_to_oregon() {
        let cli = Cli::try_parse_from(["lab"]).unwrap();
        assert_eq!(cli.common.source_region.code, "ap-northeast-1");
        assert_eq!(cli.common.dest_region.code, "us-west-2");
        assert!(cli.common.validate().is_ok());
    }

    #[test]
    fn same_region_twice_is_refused() {
        let cli = Cli::try_parse_from(["lab", "--dest-region", "ap-northeast-1"]).unwrap();
        let error = cli.common.validate().unwrap_err();
        assert!(error.contains("must differ"), "{error}");
    }

    #[test]
    fn bad_region_is_a_parse_error_naming_the_value() {
        let error = Cli::try_parse_from(["lab", "--source-region", "tokyo"]).err().unwrap();
        assert!(error.to_string().contains("'tokyo' is not a region code"), "{error}");
    }

    #[test]
    fn repeat_flags_name_only_what_differs_from_the_defaults() {
        let cli = Cli::try_parse_from(["lab"]).unwrap();
        assert_eq!(cli.common.repeat_flags(), "");
        let cli = Cli::try_parse_from(["lab", "--dest-region", "eu-west-1", "--name-prefix", "a-", "--yes"]).unwrap();
        assert_eq!(cli.common.repeat_flags(), " -- --dest-region eu-west-1 --name-prefix a-");
    }

    #[test]
    fn repeat_flags_carry_the_profile_quoted_for_the_shell() {
        let cli = Cli::try_parse_from(["lab", "--profile", "lab"]).unwrap();
        assert_eq!(cli.common.repeat_flags(), " -- --profile lab");
        let cli = Cli::try_parse_from(["lab", "--profile", "my lab;x"]).unwrap();
        assert_eq!(cli.common.repeat_flags(), " -- --profile 'my lab;x'");
    }

    #[test]
    fn pending_days_follow_the_key_deletion_window() {
        let days =
            |value: &str| Cli::try_parse_from(["lab", "--pending-days", value]).map(|cli| cli.common.pending_days);
        assert_eq!(Cli::try_parse_from(["lab"]).unwrap().common.pending_days, facts::KEY_DELETION_MIN_DAYS);
        assert_eq!(days(&facts::KEY_DELETION_MAX_DAYS.to_string()).unwrap(), facts::KEY_DELETION_MAX_DAYS);
        assert!(days(&(facts::KEY_DELETION_MIN_DAYS - 1).to_string()).is_err());
        assert!(days(&(facts::KEY_DELETION_MAX_DAYS + 1).to_string()).is_err());
    }

    #[test]
    fn prefixes_are_checked() {
        assert_eq!(parse_prefix("alice-").unwrap(), "alice-");
        assert!(parse_prefix("al ice").unwrap_err().contains("' '"));
        assert!(parse_prefix("aws-x").is_err());
        assert!(parse_prefix(&"x".repeat(33)).is_err());
    }
}
