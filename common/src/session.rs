//! The one place that builds AWS SDK clients: the standard credential chain, or only the named
//! profile's credentials when one is asked for ([`chosen_profile`]: `--profile`, else
//! `AWS_PROFILE`), the latest behaviour version, standard retries, endpoints from the environment
//! or the profile, one EC2 and one KMS client per region, who the caller is and where the
//! credentials came from ([`CredentialsOrigin`]); regions the built-in table does not know are
//! checked against the account's `DescribeRegions` ([`check_unlisted_regions`]); and where
//! requests go, per client ([`Endpoints`]) and for the whole run ([`Endpoint`]), settled before
//! any AWS call ([`Setup`]).

use crate::api_log::{ApiLog, CliSink};
use crate::args::CommonArgs;
use crate::cli::GlobalOptions;
use crate::errors::{error_chain, AwsResultExt, CredentialsMissing, Refusal, UsageError};
use crate::regions::RegionInfo;
use crate::scenario::Side;
use crate::tr;
use anyhow::{Context, Result};
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::Credentials;
use aws_types::service_config::ServiceConfigKey;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;
use url::{Host, Url};

/// How long an endpoint on this machine has to answer whether it is moto.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Where the requests of a run go, decided before any AWS call ([`Endpoint::decide`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// AWS's own endpoints: no endpoint URL is configured for any client.
    Aws,
    /// The local emulator: every client on one endpoint on this machine that answers as moto.
    Local(String),
    /// One endpoint for every client that is not the local emulator (elsewhere, or on this
    /// machine but not moto): treated as AWS, since what it creates may be real.
    Custom(String),
}

impl Endpoint {
    /// Where a run whose clients send to `endpoints` goes: AWS when none has an endpoint URL;
    /// when all share one, the local emulator if it is on this machine and answers as moto (one
    /// short GET, [`answers_as_moto`]), a custom endpoint otherwise. Clients that would send to
    /// different places are refused (a usage error naming each one's endpoint and the fix).
    pub async fn decide(endpoints: &Endpoints) -> Result<Endpoint, UsageError> {
        Ok(match endpoints.shared()? {
            None => Endpoint::Aws,
            Some(url) if is_loopback(url) && answers_as_moto(url).await => Endpoint::Local(url.to_string()),
            Some(url) => Endpoint::Custom(url.to_string()),
        })
    }

    pub fn is_local(&self) -> bool {
        matches!(self, Endpoint::Local(_))
    }

    /// The hint `errors::render` gives when a request got no answer (unreachable or timed out).
    pub fn unreachable_hint(&self) -> String {
        match self {
            Endpoint::Local(url) | Endpoint::Custom(url) if is_loopback(url) => tr!(
                "nothing answers at {url}. Start the local emulator with `scripts/emulator.sh start` \
                 (then `eval \"$(scripts/emulator.sh env)\"`), or unset AWS_ENDPOINT_URL to use AWS",
                "{url} から応答がありません。`scripts/emulator.sh start` でローカルエミュレーターを起動し、\
                 続けて `eval \"$(scripts/emulator.sh env)\"` を実行してください。AWS を使う場合は AWS_ENDPOINT_URL を解除してください"
            ),
            Endpoint::Local(url) | Endpoint::Custom(url) => tr!(
                "check that the endpoint {url} is up, or unset AWS_ENDPOINT_URL to use AWS",
                "エンドポイント {url} が動いているか確認してください。AWS を使う場合は AWS_ENDPOINT_URL を解除してください"
            ),
            Endpoint::Aws => tr!(
                "check your network connection; if you meant to use the local emulator, run \
                 `eval \"$(scripts/emulator.sh env)\"` first",
                "ネットワーク接続を確認してください。ローカルエミュレーターを使うつもりだった場合は、\
                 先に `eval \"$(scripts/emulator.sh env)\"` を実行してください"
            ),
        }
    }
}

/// Where each client of a run sends its requests: per service, the endpoint URL its client uses
/// (`None`: AWS's own regional endpoint).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    /// The endpoint of every service that has none of its own (`AWS_ENDPOINT_URL`, or
    /// `endpoint_url` in the profile).
    pub global: Option<String>,
    pub ec2: Option<String>,
    pub kms: Option<String>,
    pub sts: Option<String>,
}

impl Endpoints {
    /// The endpoint of each client built from `config` (as [`RegionClients`] and the STS client
    /// are), as the SDK resolves it: see [`service_endpoint`].
    pub fn resolve(config: &SdkConfig) -> Endpoints {
        Endpoints {
            global: config.endpoint_url().map(str::to_string),
            ec2: service_endpoint(config, "EC2"),
            kms: service_endpoint(config, "KMS"),
            sts: service_endpoint(config, "STS"),
        }
    }

    /// (the SDK's service id, the AWS CLI's command, the endpoint) of each client.
    fn each(&self) -> [(&'static str, &'static str, Option<&str>); 3] {
        [("EC2", "ec2", self.ec2.as_deref()), ("KMS", "kms", self.kms.as_deref()), ("STS", "sts", self.sts.as_deref())]
    }

    /// The one endpoint every client uses (`None`: AWS's own), or, when they would send to
    /// different places or an endpoint is not a URL (the SDK would panic on an empty one), an
    /// error that names each client's endpoint and how to fix it.
    pub fn shared(&self) -> Result<Option<&str>, UsageError> {
        let [(_, _, first), ..] = self.each();
        let not_urls: Vec<&str> = self
            .each()
            .iter()
            .filter(|(_, _, url)| url.is_some_and(|url| Url::parse(url).is_err()))
            .map(|(service, _, _)| *service)
            .collect();
        if !not_urls.is_empty() {
            Err(self.not_urls(&not_urls))
        } else if self.each().iter().all(|(_, _, url)| same_place(*url, first)) {
            Ok(first)
        } else {
            Err(self.split())
        }
    }

    /// Each client's endpoint, one per line: `  KMS → http://127.0.0.1:5000 (this machine)`.
    fn places(&self) -> String {
        let places: Vec<String> = self
            .each()
            .iter()
            .map(|(service, _, url)| match url {
                Some(url) if Url::parse(url).is_err() => {
                    format!("  {service} → {url:?} {}", tr!("(not a URL)", "(URL ではありません)"))
                }
                Some(url) if is_loopback(url) => {
                    format!("  {service} → {url} {}", tr!("(this machine)", "(このマシン)"))
                }
                Some(url) => format!("  {service} → {url}"),
                None => format!("  {service} → AWS"),
            })
            .collect();
        places.join("\n")
    }

    /// The refusal of a run whose clients would send to different places.
    fn split(&self) -> UsageError {
        let places = self.places();
        // The services sent elsewhere than the global endpoint are sent there by a setting of their own.
        let own: Vec<&str> = self
            .each()
            .iter()
            .filter(|(_, _, url)| !same_place(*url, self.global.as_deref()))
            .map(|(service, _, _)| *service)
            .collect();
        let variables = own.iter().map(|service| format!("AWS_ENDPOINT_URL_{service}")).collect::<Vec<_>>().join(", ");
        let services = own.iter().map(|service| service.to_ascii_lowercase()).collect::<Vec<_>>().join(", ");
        let target = self.global.as_deref().unwrap_or("AWS");
        UsageError(tr!(
            "the AWS clients of this run would not all send to the same place, so part of the run would happen \
             in one place and part in another:\n{places}\nNothing was sent. To send every service to {target}: unset \
             {variables} (and remove `endpoint_url` under {services} from the `services` section of your AWS config \
             profile, if it is there). To use AWS instead, unset AWS_ENDPOINT_URL and every AWS_ENDPOINT_URL_<SERVICE>.",
            "この実行の AWS クライアントの送信先がそろっていないため、実行の一部がある場所で、残りが別の場所で\
             行われてしまいます:\n{places}\n何も送信していません。すべてのサービスを {target} に送るには、{variables} を\
             解除してください (AWS の設定ファイルのプロファイルの `services` セクションに {services} の `endpoint_url` が\
             あれば、それも削除してください)。AWS を使う場合は、AWS_ENDPOINT_URL とすべての \
             AWS_ENDPOINT_URL_<SERVICE> を解除してください。"
        ))
    }

    /// The refusal of a run where the endpoint of `services` is not a URL.
    fn not_urls(&self, services: &[&str]) -> UsageError {
        let (places, services) = (self.places(), services.join(", "));
        UsageError(tr!(
            "the endpoint of {services} is not a URL:\n{places}\nNothing was sent. An empty AWS_ENDPOINT_URL (or \
             AWS_ENDPOINT_URL_<SERVICE>, or `endpoint_url` in your AWS config profile) is not an unset one: unset it \
             to use AWS (`unset AWS_ENDPOINT_URL`), or set a URL such as http://127.0.0.1:5000 for the local emulator \
             (`eval \"$(scripts/emulator.sh env)\"`).",
            "{services} のエンドポイントが URL ではありません:\n{places}\n何も送信していません。空の AWS_ENDPOINT_URL \
             (または AWS_ENDPOINT_URL_<SERVICE>、AWS の設定ファイルのプロファイルの `endpoint_url`) は、解除したことに\
             なりません。AWS を使う場合は解除し (`unset AWS_ENDPOINT_URL`)、ローカルエミュレーターを使う場合は \
             http://127.0.0.1:5000 のような URL を設定してください (`eval \"$(scripts/emulator.sh env)\"`)。"
        ))
    }

    /// The AWS CLI options that reach what these clients reach, with `profile`: `--profile`, and
    /// per service `--endpoint-url` when its client has one ([`crate::cli::command_for`]).
    pub fn cli_options(&self, profile: Option<&str>) -> GlobalOptions {
        GlobalOptions {
            profile: profile.map(str::to_string),
            endpoint_urls: self
                .each()
                .into_iter()
                .filter_map(|(_, command, url)| Some((command, url?.to_string())))
                .collect(),
        }
    }
}

/// The endpoint URL of the `service_id` client built from `config`, by the rule of each service's
/// `config::Builder::from(&SdkConfig)`, which keeps it unreadable: an endpoint set on `config` in
/// code wins; otherwise the service's own (`AWS_ENDPOINT_URL_<SERVICE_ID>`, or `endpoint_url`
/// under the service in the profile's `services` section), then the global one. The service's
/// own is read through `SdkConfig::service_config`, which aws-config loads from the environment
/// and the profile and empties when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` (or the profile's
/// `ignore_configured_endpoint_urls`) is set. A test checks the rule against where a client
/// really sends.
fn service_endpoint(config: &SdkConfig, service_id: &str) -> Option<String> {
    let key = ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .expect("the service id and both keys are set");
    let set_in_code = config.get_origin("endpoint_url").is_client_config();
    let own = config.service_config().filter(|_| !set_in_code).and_then(|service| service.load_config(key));
    own.or_else(|| config.endpoint_url().map(str::to_string))
}

/// Whether two endpoints are the same place (`None`: AWS's own): the same URL once parsed, so
/// that `http://127.0.0.1:5000` and `http://127.0.0.1:5000/` are one.
fn same_place(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => match (Url::parse(a), Url::parse(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        },
        (a, b) => a == b,
    }
}

/// Whether `url` points at this machine: its host (never the user part of `user@host`) is
/// `localhost` or a loopback address (127.0.0.0/8, `::1`, `::ffff:127.x.y.z`).
pub fn is_loopback(url: &str) -> bool {
    match Url::parse(url).ok().as_ref().and_then(Url::host) {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).to_canonical().is_loopback(),
        None => false,
    }
}

/// Whether the endpoint at `url` answers as moto does. moto serves its own API under
/// `/moto-api/`: `GET /moto-api/config` answers with its settings, a JSON object with a `batch`
/// section. One GET over plain HTTP, at most [`PROBE_TIMEOUT`] long; no answer, HTTPS or any
/// other answer is not moto.
pub async fn answers_as_moto(url: &str) -> bool {
    let probe =
        Url::parse(url).ok().filter(|url| url.scheme() == "http").and_then(|url| url.join("/moto-api/config").ok());
    let Some(uri) = probe.and_then(|probe| probe.as_str().parse::<hyper::Uri>().ok()) else {
        return false;
    };
    let client = HttpClient::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let answer = async {
        let response = client.get(uri).await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.into_body().collect().await.ok().map(|body| body.to_bytes())
    };
    match tokio::time::timeout(PROBE_TIMEOUT, answer).await {
        Ok(Some(body)) => {
            serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|config| config.get("batch").is_some())
        }
        _ => false,
    }
}

/// The EC2 and KMS clients of one region.
#[derive(Clone, Debug)]
pub struct RegionClients {
    pub region: &'static RegionInfo,
    pub ec2: aws_sdk_ec2::Client,
    pub kms: aws_sdk_kms::Client,
}

impl RegionClients {
    /// Clients for `region` that share `config`'s credentials, retries and endpoint.
    pub fn new(config: &SdkConfig, region: &'static RegionInfo) -> Self {
        RegionClients::logged(config, region, &ApiLog::new(false))
    }

    /// The same, reporting every call to `log`.
    pub fn logged(config: &SdkConfig, region: &'static RegionInfo, log: &ApiLog) -> Self {
        let regional = config.to_builder().region(Region::new(region.code)).build();
        let log = log.for_region(region.code);
        RegionClients {
            region,
            ec2: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(&regional).interceptor(log.clone()).build(),
            ),
            kms: aws_sdk_kms::Client::from_conf(aws_sdk_kms::config::Builder::from(&regional).interceptor(log).build()),
        }
    }
}

/// What a run settles before its first AWS call: the SDK configuration and where each client
/// sends its requests.
pub struct Setup {
    pub config: SdkConfig,
    pub endpoints: Endpoints,
    /// The profile whose credentials alone the run uses ([`chosen_profile`]), if one was named.
    pub profile: Option<String>,
}

impl Setup {
    /// Loads the configuration (the profile `--profile` names, or else `AWS_PROFILE`, or the
    /// standard chain: [`chosen_profile`]) and reads where each client sends: clients that would
    /// send to different places are refused here, before any request.
    pub async fn load(profile_flag: Option<&str>) -> Result<Setup> {
        let profile = chosen_profile(profile_flag, |name| std::env::var(name).ok());
        let config = load_config(profile.as_deref()).await;
        let endpoints = Endpoints::resolve(&config);
        endpoints.shared()?;
        Ok(Setup { config, endpoints, profile })
    }
}

/// The profile a run must take its credentials from: `--profile NAME`, else a non-empty
/// `AWS_PROFILE` (read through `env`), else none (the standard chain). Unlike the SDK's default
/// chain, and unlike the AWS CLI for `AWS_PROFILE`, exported `AWS_ACCESS_KEY_ID` /
/// `AWS_SECRET_ACCESS_KEY` then do not win over the profile: a learner who names a profile
/// gets that profile's account ([`load_config`]).
pub fn chosen_profile(flag: Option<&str>, env: impl Fn(&str) -> Option<String>) -> Option<String> {
    flag.map(str::to_string).or_else(|| env("AWS_PROFILE")).filter(|name| !name.trim().is_empty())
}

/// Where a run's credentials came from, as the banner says it (next to the account), like
/// `aws configure list`: the SDK provider that gave them and the profile named, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialsOrigin {
    /// The SDK's name for the provider that gave the credentials ([`provider_name`]), e.g.
    /// `EnvironmentVariable`, `ProfileFile`, `SSO`, `AssumeRoleProvider`, `IMDSv2`.
    pub provider: String,
    /// The profile the run was asked to use (`--profile` or `AWS_PROFILE`).
    pub profile: Option<String>,
}

impl CredentialsOrigin {
    /// Of `credentials`, for a run asked to use `profile`.
    pub fn of(credentials: &Credentials, profile: Option<&str>) -> CredentialsOrigin {
        CredentialsOrigin {
            provider: provider_name(credentials).unwrap_or_default(),
            profile: profile.map(str::to_string),
        }
    }

    /// In the learner's language, e.g. `profile sandbox (IAM Identity Center / SSO)` or
    /// `environment variables (AWS_ACCESS_KEY_ID)`: credentials a profile gave name it (`default`
    /// when none was named), others say where they came from.
    pub fn describe(&self) -> String {
        let from_a_profile = ["ProfileFile", "SSO", "AssumeRoleProvider", "CredentialProcess", "Login"];
        let kind = match self.provider.as_str() {
            "EnvironmentVariable" => tr!("environment variables (AWS_ACCESS_KEY_ID)", "環境変数 (AWS_ACCESS_KEY_ID)"),
            "ProfileFile" => tr!("access keys", "アクセスキー"),
            "SSO" => tr!("IAM Identity Center / SSO", "IAM Identity Center (SSO) のサインイン"),
            "AssumeRoleProvider" => tr!("assumed role", "ロールの引き受け"),
            "CredentialProcess" => "credential_process".to_string(),
            "Login" => tr!("aws login", "aws login のサインイン"),
            "WebIdentityToken" => tr!("web identity token", "Web ID トークン"),
            "IMDSv2" => tr!("instance role (EC2 instance metadata)", "インスタンスロール (EC2 インスタンスメタデータ)"),
            "EcsContainer" => tr!("container role (ECS task credentials)", "コンテナのロール (ECS タスクの認証情報)"),
            "" => "?".to_string(),
            other => other.to_string(),
        };
        match self.profile.as_deref() {
            Some(name) => tr!("profile {name} ({kind})", "プロファイル {name} ({kind})"),
            None if from_a_profile.contains(&self.provider.as_str()) => {
                tr!("profile default ({kind})", "プロファイル default ({kind})")
            }
            None => kind,
        }
    }
}

/// The name of the SDK provider that gave `credentials`. aws-credential-types 1.3 keeps it private
/// (there is no `Credentials::provider_name()` getter) and shows it only in `Debug`, which prints
/// `Credentials { provider_name: "ProfileFile", access_key_id: …, secret_access_key: "** redacted
/// **", … }`; a test pins that format.
pub fn provider_name(credentials: &Credentials) -> Option<String> {
    let debug = format!("{credentials:?}");
    let rest = debug.split_once("provider_name: \"")?.1;
    Some(rest.split_once('"')?.0.to_string())
}

/// A connected run: where requests go, who the caller is, and the clients of both regions.
pub struct Session {
    pub endpoint: Endpoint,
    /// Counts (and with `--show-api` prints) every AWS call of the run.
    pub api_log: ApiLog,
    pub account: String,
    pub caller_arn: String,
    /// Where the credentials came from (the banner says it).
    pub credentials: CredentialsOrigin,
    pub source: RegionClients,
    pub destination: RegionClients,
    /// The configuration the clients share: for clients of other regions (a sweep of every region).
    pub config: SdkConfig,
}

impl Session {
    /// Checks credentials and asks STS who the caller is, where `setup` says, while deciding what
    /// the shared endpoint is ([`Endpoint::decide`]; the probe and the first call are independent,
    /// and the decision only shapes what the run shows). `decided` gets the endpoint as soon as it
    /// is known, for the hint of an error; `cli` receives the AWS CLI twin of every request
    /// (`--show-cli`), with the profile and endpoints of the run. A region outside the built-in
    /// table is checked against the account's `DescribeRegions` alongside the STS call
    /// ([`check_unlisted_regions`]); its refusal comes first.
    pub async fn connect(
        setup: Setup,
        args: &CommonArgs,
        cli: Option<CliSink>,
        decided: &OnceLock<Endpoint>,
    ) -> Result<Session> {
        let Setup { config, endpoints, profile } = setup;
        let api_log = ApiLog::new(args.show_api).with_cli(cli, endpoints.cli_options(profile.as_deref()));
        let identity = async {
            let credentials = check_credentials(&config, profile.as_deref()).await?;
            let regions = [args.source_region, args.dest_region];
            let (listed, identity) = futures::join!(
                check_unlisted_regions(&config, &regions, &api_log),
                caller_identity(&config, args.source_region, &api_log)
            );
            listed?;
            anyhow::Ok((credentials, identity?))
        };
        let (endpoint, identity) = futures::join!(Endpoint::decide(&endpoints), identity);
        let endpoint = endpoint?;
        let _ = decided.set(endpoint.clone());
        let (credentials, (account, caller_arn)) = identity?;
        Ok(Session {
            endpoint,
            credentials,
            source: RegionClients::logged(&config, args.source_region, &api_log),
            destination: RegionClients::logged(&config, args.dest_region, &api_log),
            api_log,
            account,
            caller_arn,
            config,
        })
    }

    /// Clients for any region, with the run's credentials, endpoint and API log.
    pub fn region_clients(&self, region: &'static RegionInfo) -> RegionClients {
        RegionClients::logged(&self.config, region, &self.api_log)
    }

    pub fn clients(&self, side: Side) -> &RegionClients {
        match side {
            Side::Source => &self.source,
            Side::Destination => &self.destination,
        }
    }
}

/// The shared SDK configuration: the standard chain, or with `profile` that profile's
/// credentials and nothing else; latest behaviour, 5 attempts.
///
/// The standard chain tries the environment (`AWS_ACCESS_KEY_ID`) before any profile, so a
/// profile name alone (`profile_name`) would still sign with exported keys. A named profile gets
/// the SDK's profile provider instead ([`profile_credentials`]), which does whatever the profile
/// says: static keys, SSO, assume-role (`source_profile`, or `credential_source`, which may name
/// the environment on purpose), `credential_process`, web identity.
pub async fn load_config(profile: Option<&str>) -> SdkConfig {
    // A region is needed to load; every client overrides it with the lab's regions.
    let region = Region::new("us-east-1");
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region.clone())
        .retry_config(RetryConfig::standard().with_max_attempts(5));
    if let Some(profile) = profile {
        let provider_config = ProviderConfig::default().with_region(Some(region));
        loader =
            loader.profile_name(profile).credentials_provider(profile_credentials(profile, &provider_config).build());
    }
    loader.load().await
}

/// The SDK's provider of `profile`'s credentials alone (the profile part of the standard chain),
/// configured by `provider_config`; tests give it profile files as text.
pub fn profile_credentials(
    profile: &str,
    provider_config: &ProviderConfig,
) -> aws_config::profile::credentials::Builder {
    ProfileFileCredentialsProvider::builder().configure(provider_config).profile_name(profile)
}

/// Configuration for the local emulator with fixed dummy credentials (tests and tools).
pub async fn emulator_config(endpoint_url: &str) -> SdkConfig {
    let credentials = aws_credential_types::Credentials::new("test", "test", None, None, "emulator");
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint_url)
        .credentials_provider(credentials)
        .load()
        .await
}

/// Resolves the credentials once, before any request: a missing profile or expired SSO session is
/// told as such. Returns where they came from.
async fn check_credentials(config: &SdkConfig, profile: Option<&str>) -> Result<CredentialsOrigin> {
    let for_profile = |detail: String| {
        match profile {
        Some(name) => CredentialsMissing(tr!(
            "profile '{name}' gave none (is it in ~/.aws/config? `aws configure list-profiles` lists them; a named \
             profile, by --profile or AWS_PROFILE, is the only source of credentials: exported AWS_ACCESS_KEY_ID keys \
             are not used then): {detail}",
            "プロファイル '{name}' から認証情報を得られませんでした (~/.aws/config にありますか? \
             `aws configure list-profiles` で一覧を表示できます。--profile または AWS_PROFILE でプロファイルを指定すると、\
             認証情報はそのプロファイルからだけ読み、エクスポートした AWS_ACCESS_KEY_ID のキーは使いません): {detail}"
        )),
        None => CredentialsMissing(detail),
    }
    };
    let provider = config.credentials_provider().ok_or_else(|| {
        for_profile(tr!("no credentials provider is configured", "認証情報プロバイダーが設定されていません"))
    })?;
    let credentials = provider.provide_credentials().await.map_err(|error| for_profile(error_chain(&error)))?;
    Ok(CredentialsOrigin::of(&credentials, profile))
}

/// Checks the regions of `regions` that the built-in table does not know (unlisted, see
/// [`crate::regions`]) against the account: EC2 `DescribeRegions` with `AllRegions` must list
/// each, enabled ([`judge_unlisted_region`]). No call when the table knows both. Asked in a
/// region of the table (the source or destination if one is, else us-east-1), which the account
/// always has.
pub async fn check_unlisted_regions(config: &SdkConfig, regions: &[&'static RegionInfo], log: &ApiLog) -> Result<()> {
    let unlisted: Vec<&str> = regions.iter().filter(|region| !region.in_table).map(|region| region.code).collect();
    if unlisted.is_empty() {
        return Ok(());
    }
    let asked_in = regions.iter().find(|region| region.in_table).map_or("us-east-1", |region| region.code);
    let regional = config.to_builder().region(Region::new(asked_in)).build();
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(&regional).interceptor(log.for_region(asked_in)).build(),
    );
    let codes = unlisted.join(", ");
    let output =
        ec2.describe_regions().all_regions(true).send().await.aws("ec2:DescribeRegions").with_context(|| {
            tr!(
                "checking that the account has {codes} (not in the labs' region table)",
                "アカウントで {codes} (ラボのリージョン表にないリージョン) が使えるか確認中"
            )
        })?;
    let listed: Vec<(String, String)> = output
        .regions()
        .iter()
        .filter_map(|region| {
            let status = region.opt_in_status().unwrap_or("opt-in-not-required");
            Some((region.region_name()?.to_string(), status.to_string()))
        })
        .collect();
    for code in unlisted {
        judge_unlisted_region(code, &listed)?;
    }
    Ok(())
}

/// Whether the account can use `code`, a region outside the built-in table, by what
/// `DescribeRegions` (with `AllRegions`) lists: (code, opt-in status) pairs. Listed as
/// `opt-in-not-required` or `opted-in`: yes. Listed otherwise (`not-opted-in`): a refusal that
/// says how to opt in. Not listed: a refusal that names the codes that look like it.
pub fn judge_unlisted_region(code: &str, listed: &[(String, String)]) -> Result<(), Refusal> {
    match listed.iter().find(|(name, _)| name == code) {
        Some((_, status)) if status == "opt-in-not-required" || status == "opted-in" => Ok(()),
        Some((_, status)) => Err(Refusal {
            reason: tr!(
                "the region {code} is not enabled for this account (DescribeRegions says {status}): \
                 the labs cannot work there. Nothing was created.",
                "リージョン {code} はこのアカウントで有効になっていません (DescribeRegions の結果は {status})。\
                 ラボはこのリージョンで動作できません。何も作成していません。"
            ),
            hint: tr!(
                "enable it (opt in) in the console: Account → AWS Regions → {code} → Enable, or with \
                 `aws account enable-region --region-name {code}`; enabling can take minutes to hours, and \
                 `aws account get-region-opt-status --region-name {code}` says ENABLED when it is done. Then run \
                 the lab again, or choose another region with --source-region / --dest-region",
                "コンソールで有効にして (オプトインして) ください: アカウント → AWS リージョン → {code} → 有効化。\
                 または `aws account enable-region --region-name {code}` を実行します。有効になるまで数分から数時間\
                 かかることがあり、完了すると `aws account get-region-opt-status --region-name {code}` が ENABLED \
                 を返します。そのあとラボを再実行するか、--source-region / --dest-region で別のリージョンを選んでください"
            ),
        }),
        None => {
            let family = code.rsplit_once('-').map_or(code, |(family, _)| family);
            let mut alike: Vec<&str> =
                listed.iter().map(|(name, _)| name.as_str()).filter(|name| name.starts_with(family)).collect();
            if alike.is_empty() {
                let area = code.split('-').next().unwrap_or(code);
                alike = listed.iter().map(|(name, _)| name.as_str()).filter(|name| name.starts_with(area)).collect();
            }
            let alike = alike.join(", ");
            Err(Refusal {
                reason: tr!(
                    "{code} is not a region of this account: EC2 DescribeRegions does not list it. Nothing was created.",
                    "{code} はこのアカウントのリージョンではありません。EC2 の DescribeRegions に含まれていません。\
                     何も作成していません。"
                ),
                hint: if alike.is_empty() {
                    tr!(
                        "check the code: `aws ec2 describe-regions --all-regions --query 'Regions[].RegionName'` lists \
                         the account's regions",
                        "コードを確認してください。`aws ec2 describe-regions --all-regions --query 'Regions[].RegionName'` \
                         でアカウントのリージョンを一覧表示できます"
                    )
                } else {
                    tr!(
                        "check the code; regions of this account that look like it: {alike}",
                        "コードを確認してください。このアカウントの似たリージョン: {alike}"
                    )
                },
            })
        }
    }
}

async fn caller_identity(config: &SdkConfig, region: &'static RegionInfo, log: &ApiLog) -> Result<(String, String)> {
    let regional = config.to_builder().region(Region::new(region.code)).build();
    let sts_config = aws_sdk_sts::config::Builder::from(&regional).interceptor(log.for_region(region.code)).build();
    let identity = aws_sdk_sts::Client::from_conf(sts_config)
        .get_caller_identity()
        .send()
        .await
        .aws("sts:GetCallerIdentity")
        .with_context(|| {
            tr!(
                "checking which account the credentials belong to, in {region}",
                "{region} で認証情報のアカウントを確認中"
            )
        })?;
    Ok((
        identity.account().map_or_else(|| tr!("(unknown account)", "(不明なアカウント)"), str::to_string),
        identity.arn().map_or_else(|| tr!("(unknown caller)", "(不明な呼び出し元)"), str::to_string),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::{hint_for, AwsError, AwsFailure};
    use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
    use std::io::{Read, Write};

    fn endpoints(global: Option<&str>, ec2: Option<&str>, kms: Option<&str>, sts: Option<&str>) -> Endpoints {
        let own = |url: Option<&str>| url.map(str::to_string);
        Endpoints { global: own(global), ec2: own(ec2), kms: own(kms), sts: own(sts) }
    }

    fn everywhere(url: &str) -> Endpoints {
        endpoints(Some(url), Some(url), Some(url), Some(url))
    }

    #[test]
    fn this_machine_is_read_from_the_host_never_the_user_part() {
        for url in [
            "http://localhost:5000",
            "http://LOCALHOST:5000/",
            "http://127.0.0.1:5000/",
            "http://127.1.2.3",
            "http://[::1]:5000",
            "http://[::ffff:127.0.0.1]:5000",
            "http://user@127.0.0.1:5000",
            "http://user:secret@localhost:5000",
        ] {
            assert!(is_loopback(url), "{url} is this machine");
        }
        for url in [
            "http://127.0.0.1@example.com",
            "http://localhost@192.0.2.1:5000",
            "http://[::1]@kms.example.com",
            "https://kms.example.com",
            "http://localhost.example.com",
            "http://128.0.0.1",
            "http://[::2]:5000",
            "http://192.0.2.1:9",
            "127.0.0.1:5000",
            "not a url",
        ] {
            assert!(!is_loopback(url), "{url} is not this machine");
        }
    }

    #[test]
    fn one_shared_endpoint_or_none_is_where_the_run_goes() {
        assert_eq!(Endpoints::default().shared().unwrap(), None);
        assert_eq!(everywhere("http://127.0.0.1:5000").shared().unwrap(), Some("http://127.0.0.1:5000"));
        // One URL written two ways is one place.
        let (bare, slash) = (Some("http://127.0.0.1:5000"), Some("http://127.0.0.1:5000/"));
        assert_eq!(endpoints(bare, slash, bare, bare).shared().unwrap(), slash);
    }

    #[test]
    fn clients_sent_to_different_places_are_refused_naming_each_one_and_the_fix() {
        let emulator = "http://127.0.0.1:5000";
        let kms_elsewhere = endpoints(Some(emulator), Some(emulator), Some("http://192.0.2.1:9"), Some(emulator));
        let message = kms_elsewhere.shared().unwrap_err().0;
        for expected in [
            "EC2 → http://127.0.0.1:5000 (this machine)",
            "KMS → http://192.0.2.1:9\n",
            "STS → http://127.0.0.1:5000 (this machine)",
            "Nothing was sent",
            "To send every service to http://127.0.0.1:5000: unset AWS_ENDPOINT_URL_KMS ",
            "`endpoint_url` under kms",
        ] {
            assert!(message.contains(expected), "{expected:?} in:\n{message}");
        }
        assert!(!message.contains("AWS_ENDPOINT_URL_EC2") && !message.contains("AWS_ENDPOINT_URL_STS"), "{message}");

        let only_ec2 = endpoints(None, Some(emulator), None, None);
        let message = only_ec2.shared().unwrap_err().0;
        assert!(message.contains("KMS → AWS") && message.contains("STS → AWS"), "{message}");
        assert!(message.contains("To send every service to AWS: unset AWS_ENDPOINT_URL_EC2 "), "{message}");

        // An empty endpoint is not an unset one: the SDK would panic on it.
        let empty = endpoints(None, Some(""), Some(""), Some(""));
        let message = empty.shared().unwrap_err().0;
        assert!(
            message.contains("the endpoint of EC2, KMS, STS is not a URL")
                && message.contains(r#"KMS → "" (not a URL)"#)
        );
        assert!(message.contains("unset AWS_ENDPOINT_URL"), "{message}");

        // Two endpoints on this machine are two places too.
        let two_ports = endpoints(Some(emulator), Some(emulator), Some("http://127.0.0.1:5001"), Some(emulator));
        assert!(two_ports.shared().unwrap_err().0.contains("KMS → http://127.0.0.1:5001 (this machine)"));
    }

    #[test]
    fn cli_options_carry_the_profile_and_each_services_endpoint() {
        let options = endpoints(None, Some("http://127.0.0.1:5000"), None, None).cli_options(Some("lab"));
        assert_eq!(options.profile.as_deref(), Some("lab"));
        assert_eq!(options.endpoint_urls, [("ec2", "http://127.0.0.1:5000".to_string())]);
        assert_eq!(Endpoints::default().cli_options(None), GlobalOptions::default());
    }

    /// A server on this machine that answers every request with `answer`; its URL.
    fn serve(answer: &'static str) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|end| end == b"\r\n\r\n") {
                    match stream.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        url
    }

    const MOTO_CONFIG: &str = "HTTP/1.1 201 CREATED\r\nContent-Type: application/json\r\nContent-Length: 63\r\n\
                               Connection: close\r\n\r\n{\"batch\": {\"use_docker\": true}, \"lambda\": {\"use_docker\": true}}";
    const NOT_FOUND: &str = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    const EMPTY_JSON: &str =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";

    #[tokio::test(flavor = "multi_thread")]
    async fn only_an_endpoint_on_this_machine_that_answers_as_moto_is_the_emulator() {
        let moto = serve(MOTO_CONFIG);
        assert!(answers_as_moto(&moto).await);
        assert_eq!(Endpoint::decide(&everywhere(&moto)).await.unwrap(), Endpoint::Local(moto.clone()));
        for other in [serve(NOT_FOUND), serve(EMPTY_JSON)] {
            assert!(!answers_as_moto(&other).await, "{other}");
            assert_eq!(Endpoint::decide(&everywhere(&other)).await.unwrap(), Endpoint::Custom(other.clone()));
        }
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        assert!(!answers_as_moto(&format!("http://127.0.0.1:{closed}")).await);
        // Not on this machine: never probed, never the emulator.
        let elsewhere = "http://192.0.2.1:9";
        assert_eq!(Endpoint::decide(&everywhere(elsewhere)).await.unwrap(), Endpoint::Custom(elsewhere.into()));
        assert_eq!(Endpoint::decide(&Endpoints::default()).await.unwrap(), Endpoint::Aws);
        let split = endpoints(Some(&moto), Some(&moto), Some(elsewhere), Some(&moto));
        assert!(Endpoint::decide(&split).await.is_err());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_endpoint_that_never_answers_is_given_up_on_after_the_timeout() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let started = std::time::Instant::now();
        assert!(!answers_as_moto(&url).await);
        assert!(started.elapsed() < PROBE_TIMEOUT + Duration::from_secs(2), "{:?}", started.elapsed());
        drop(listener);
    }

    /// The SDK configuration of profile `lab` from `config_file`, with dummy credentials.
    async fn profile_config(config_file: &str) -> SdkConfig {
        let files = EnvConfigFiles::builder()
            .with_contents(EnvConfigFileKind::Config, config_file)
            .with_contents(EnvConfigFileKind::Credentials, "")
            .build();
        aws_config::defaults(BehaviorVersion::latest())
            .profile_files(files)
            .profile_name("lab")
            .region(Region::new("us-east-1"))
            .credentials_provider(aws_credential_types::Credentials::new("test", "test", None, None, "test"))
            .load()
            .await
    }

    /// Where a client of each service built from `config` as the labs build theirs really sends
    /// its first request (captured, never sent).
    async fn where_clients_send(config: &SdkConfig) -> [String; 3] {
        use aws_smithy_http_client::test_util::capture_request;
        let (http, ec2) = capture_request(None);
        let client =
            aws_sdk_ec2::Client::from_conf(aws_sdk_ec2::config::Builder::from(config).http_client(http).build());
        let _ = client.describe_volumes().send().await;
        let (http, kms) = capture_request(None);
        let client =
            aws_sdk_kms::Client::from_conf(aws_sdk_kms::config::Builder::from(config).http_client(http).build());
        let _ = client.list_keys().send().await;
        let (http, sts) = capture_request(None);
        let client =
            aws_sdk_sts::Client::from_conf(aws_sdk_sts::config::Builder::from(config).http_client(http).build());
        let _ = client.get_caller_identity().send().await;
        [ec2, kms, sts].map(|captured| captured.expect_request().uri().to_string())
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_endpoint_of_each_client_is_where_it_really_sends() {
        let split = "[profile lab]\nendpoint_url = http://127.0.0.1:5000\nservices = local\n\
                     [services local]\nkms =\n  endpoint_url = http://192.0.2.1:9\n";
        let ignored = "[profile lab]\nendpoint_url = http://127.0.0.1:5000\nservices = local\n\
                       ignore_configured_endpoint_urls = true\n[services local]\nkms =\n  endpoint_url = http://192.0.2.1:9\n";
        let cases = [
            (split, [Some("http://127.0.0.1:5000"), Some("http://192.0.2.1:9"), Some("http://127.0.0.1:5000")]),
            (ignored, [None, None, None]),
            ("[profile lab]\n", [None, None, None]),
        ];
        // The expected URLs assume that no endpoint comes from this process's environment, which
        // wins over the profile; where the clients really send is checked in any case.
        let from_environment = std::env::vars_os().any(|(name, _)| {
            let name = name.to_string_lossy();
            name.starts_with("AWS_ENDPOINT_URL") || name == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
        });
        for (file, expected) in cases {
            let config = profile_config(file).await;
            let resolved = Endpoints::resolve(&config);
            let resolved = [resolved.ec2.as_deref(), resolved.kms.as_deref(), resolved.sts.as_deref()];
            if !from_environment {
                assert_eq!(resolved, expected, "{file}");
            }
            for (sent, resolved) in where_clients_send(&config).await.iter().zip(resolved) {
                match resolved {
                    Some(url) => assert!(sent.starts_with(url), "{file}: sent to {sent}, resolved {url}"),
                    None => assert!(sent.contains(".amazonaws.com"), "{file}: sent to {sent}, resolved AWS"),
                }
            }
        }
    }

    #[test]
    fn the_profile_is_the_flag_else_aws_profile_else_none() {
        let env = |value: Option<&'static str>| {
            move |name: &str| (name == "AWS_PROFILE").then_some(value).flatten().map(String::from)
        };
        assert_eq!(chosen_profile(Some("sandbox"), env(Some("work"))).as_deref(), Some("sandbox"));
        assert_eq!(chosen_profile(None, env(Some("work"))).as_deref(), Some("work"));
        assert_eq!(chosen_profile(None, env(Some(""))), None);
        assert_eq!(chosen_profile(None, env(None)), None);
    }

    #[test]
    fn the_provider_name_is_read_from_the_credentials_and_nothing_secret_with_it() {
        let credentials = Credentials::new("AKIDPROFILE", "very-secret", None, None, "ProfileFile");
        assert_eq!(provider_name(&credentials).as_deref(), Some("ProfileFile"));
        let origin = CredentialsOrigin::of(&credentials, Some("sandbox"));
        assert_eq!(origin.describe(), "profile sandbox (access keys)");
        assert!(!format!("{origin:?}").contains("very-secret"));
        let from = |provider: &str, profile: Option<&str>| {
            CredentialsOrigin { provider: provider.into(), profile: profile.map(String::from) }.describe()
        };
        assert_eq!(from("EnvironmentVariable", None), "environment variables (AWS_ACCESS_KEY_ID)");
        assert_eq!(from("ProfileFile", None), "profile default (access keys)");
        assert_eq!(from("SSO", Some("sso-dev")), "profile sso-dev (IAM Identity Center / SSO)");
        assert_eq!(from("AssumeRoleProvider", Some("admin")), "profile admin (assumed role)");
        assert_eq!(from("IMDSv2", None), "instance role (EC2 instance metadata)");
        assert_eq!(from("SomethingNew", Some("x")), "profile x (SomethingNew)");
        assert_eq!(from("WebIdentityToken", Some("eks")), "profile eks (web identity token)");
        assert_eq!(from("WebIdentityToken", None), "web identity token");
    }

    /// The credentials of `profile` from the profile provider the labs use, with these files.
    async fn credentials_of(profile: &str, config_file: &str, credentials_file: &str) -> Credentials {
        let files = EnvConfigFiles::builder()
            .with_contents(EnvConfigFileKind::Config, config_file)
            .with_contents(EnvConfigFileKind::Credentials, credentials_file)
            .build();
        let provider_config = ProviderConfig::default().with_region(Some(Region::new("us-east-1")));
        let provider = profile_credentials(profile, &provider_config).profile_files(files).build();
        provider.provide_credentials().await.expect("the profile gives credentials")
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_named_profile_gives_its_own_credentials_whatever_kind_it_is() {
        // Whatever this process's environment exports, the profile's keys come back.
        let keys = credentials_of(
            "sandbox",
            "[profile sandbox]\n",
            "[sandbox]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n",
        )
        .await;
        assert_eq!((keys.access_key_id(), provider_name(&keys).as_deref()), ("AKIDPROFILE", Some("ProfileFile")));
        let process = r#"[profile proc]
credential_process = printf '{"Version": 1, "AccessKeyId": "AKIDPROCESS", "SecretAccessKey": "s"}'
"#;
        let keys = credentials_of("proc", process, "").await;
        assert_eq!((keys.access_key_id(), provider_name(&keys).as_deref()), ("AKIDPROCESS", Some("CredentialProcess")));
    }

    #[test]
    fn an_unlisted_region_is_used_only_when_the_account_has_it_enabled() {
        let listed: Vec<(String, String)> = [
            ("us-west-2", "opt-in-not-required"),
            ("ap-future-1", "opted-in"),
            ("ap-future-2", "not-opted-in"),
            ("ap-southeast-1", "opt-in-not-required"),
        ]
        .iter()
        .map(|(code, status)| (code.to_string(), status.to_string()))
        .collect();
        assert!(judge_unlisted_region("ap-future-1", &listed).is_ok());
        assert!(judge_unlisted_region("us-west-2", &listed).is_ok());
        let refusal = judge_unlisted_region("ap-future-2", &listed).unwrap_err();
        assert!(
            refusal.reason.contains("not enabled for this account (DescribeRegions says not-opted-in)"),
            "{}",
            refusal.reason
        );
        assert!(refusal.hint.contains("aws account enable-region --region-name ap-future-2"), "{}", refusal.hint);
        let refusal = judge_unlisted_region("ap-future-9", &listed).unwrap_err();
        assert!(refusal.reason.contains("DescribeRegions does not list it"), "{}", refusal.reason);
        assert!(refusal.hint.contains("ap-future-1, ap-future-2"), "{}", refusal.hint);
        let refusal = judge_unlisted_region("zz-nowhere-1", &listed).unwrap_err();
        assert!(refusal.hint.contains("aws ec2 describe-regions --all-regions"), "{}", refusal.hint);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn regions_of_the_table_need_no_call() {
        let config = crate::session::emulator_config("http://127.0.0.1:9").await;
        let regions = [crate::regions::find("ap-northeast-1").unwrap(), crate::regions::find("us-west-2").unwrap()];
        let log = ApiLog::new(false);
        check_unlisted_regions(&config, &regions, &log).await.expect("nothing to check");
        assert_eq!(log.calls(), 0);
    }

    #[test]
    fn unreachable_local_endpoint_says_how_to_start_the_emulator() {
        let error = AwsError {
            operation: "sts:GetCallerIdentity",
            failure: AwsFailure::Unreachable { detail: "Connection refused".into() },
        };
        let hint = hint_for(&error, &Endpoint::Local("http://127.0.0.1:5000".into()).unreachable_hint()).unwrap();
        assert!(hint.contains("scripts/emulator.sh start"), "{hint}");
        // Nothing answered the probe either: on this machine, so most likely the emulator is down.
        let hint = hint_for(&error, &Endpoint::Custom("http://localhost:5000".into()).unreachable_hint()).unwrap();
        assert!(hint.contains("scripts/emulator.sh start"), "{hint}");
        let hint = hint_for(&error, &Endpoint::Aws.unreachable_hint()).unwrap();
        assert!(hint.contains("network"), "{hint}");
        let hint = hint_for(&error, &Endpoint::Custom("https://kms.example.com".into()).unreachable_hint()).unwrap();
        assert!(hint.contains("https://kms.example.com is up"), "{hint}");
    }

    #[test]
    fn timeouts_at_the_emulator_point_to_the_emulator() {
        let error = AwsError {
            operation: "kms:DescribeKey",
            failure: AwsFailure::Timeout { detail: "operation timed out after 3s".into() },
        };
        assert!(hint_for(&error, &Endpoint::Local("http://127.0.0.1:5000".into()).unreachable_hint())
            .unwrap()
            .contains("emulator"));
    }
}
