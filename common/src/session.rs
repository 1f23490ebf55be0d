//! The one place that builds AWS SDK clients: the standard credential chain (or a profile),
//! the latest behaviour version, standard retries, `AWS_ENDPOINT_URL`, one EC2 and one KMS
//! client per region, and who the caller is; and [`Endpoint`], where requests go.

use crate::api_log::{ApiLog, CliSink};
use crate::args::CommonArgs;
use crate::errors::{error_chain, AwsResultExt, CredentialsMissing};
use crate::regions::RegionInfo;
use crate::scenario::Side;
use crate::tr;
use anyhow::{Context, Result};
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;

/// Where requests go: AWS itself, or an endpoint set by `AWS_ENDPOINT_URL` (or a profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Aws,
    /// A loopback endpoint: the local emulator.
    Local(String),
    /// Some other endpoint the user configured.
    Custom(String),
}

impl Endpoint {
    /// Classifies an endpoint URL.
    pub fn from_url(url: Option<&str>) -> Self {
        match url {
            None => Endpoint::Aws,
            Some(url) => {
                let host = url.split("://").nth(1).unwrap_or(url).split(['/', ':']).next().unwrap_or("");
                if host == "localhost" || host.starts_with("127.") || host == "[" || url.contains("[::1]") {
                    Endpoint::Local(url.to_string())
                } else {
                    Endpoint::Custom(url.to_string())
                }
            }
        }
    }

    /// The endpoint from the environment: the EC2 or KMS override first, then the global one.
    pub fn from_env() -> Self {
        let url = ["AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL"]
            .into_iter()
            .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()));
        Endpoint::from_url(url.as_deref())
    }

    pub fn is_local(&self) -> bool {
        matches!(self, Endpoint::Local(_))
    }

    /// The hint `errors::render` gives when a request got no answer (unreachable or timed out).
    pub fn unreachable_hint(&self) -> String {
        match self {
            Endpoint::Local(url) => tr!(
                "nothing answers at {url}. Start the local emulator with `scripts/emulator.sh start` \
                 (then `eval \"$(scripts/emulator.sh env)\"`), or unset AWS_ENDPOINT_URL to use AWS",
                "{url} から応答がありません。`scripts/emulator.sh start` でローカルエミュレーターを起動し、\
                 続けて `eval \"$(scripts/emulator.sh env)\"` を実行してください。AWS を使う場合は AWS_ENDPOINT_URL を解除してください"
            ),
            Endpoint::Custom(url) => tr!(
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

/// A connected run: where requests go, who the caller is, and the clients of both regions.
pub struct Session {
    pub endpoint: Endpoint,
    /// Counts (and with `--show-api` prints) every AWS call of the run.
    pub api_log: ApiLog,
    pub account: String,
    pub caller_arn: String,
    pub source: RegionClients,
    pub destination: RegionClients,
}

impl Session {
    /// Loads the configuration, checks credentials and asks STS who the caller is; `cli`
    /// receives the AWS CLI twin of every request (`--show-cli`).
    pub async fn connect(args: &CommonArgs, cli: Option<CliSink>) -> Result<Session> {
        let config = load_config(args.profile.as_deref()).await;
        let endpoint = match config.endpoint_url() {
            Some(url) if std::env::var_os("AWS_ENDPOINT_URL_EC2").is_none() => Endpoint::from_url(Some(url)),
            _ => Endpoint::from_env(),
        };
        check_credentials(&config, args.profile.as_deref()).await?;
        let api_log = ApiLog::new(args.show_api).with_cli(cli);
        let (account, caller_arn) = caller_identity(&config, args.source_region, &api_log).await?;
        Ok(Session {
            endpoint,
            source: RegionClients::logged(&config, args.source_region, &api_log),
            destination: RegionClients::logged(&config, args.dest_region, &api_log),
            api_log,
            account,
            caller_arn,
        })
    }

    pub fn clients(&self, side: Side) -> &RegionClients {
        match side {
            Side::Source => &self.source,
            Side::Destination => &self.destination,
        }
    }
}

/// The shared SDK configuration: standard chain or `profile`, latest behaviour, 5 attempts.
pub async fn load_config(profile: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        // A region is needed to load; every client overrides it with the lab's regions.
        .region(Region::new("us-east-1"))
        .retry_config(RetryConfig::standard().with_max_attempts(5));
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    loader.load().await
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

async fn check_credentials(config: &SdkConfig, profile: Option<&str>) -> Result<()> {
    let for_profile = |detail: String| match profile {
        Some(name) => CredentialsMissing(tr!(
            "profile '{name}' gave none (is it in ~/.aws/config? `aws configure list-profiles` lists them): {detail}",
            "プロファイル '{name}' から認証情報を得られませんでした (~/.aws/config にありますか? \
             `aws configure list-profiles` で一覧を表示できます): {detail}"
        )),
        None => CredentialsMissing(detail),
    };
    let provider = config.credentials_provider().ok_or_else(|| {
        for_profile(tr!("no credentials provider is configured", "認証情報プロバイダーが設定されていません"))
    })?;
    provider.provide_credentials().await.map_err(|error| for_profile(error_chain(&error)))?;
    Ok(())
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

    #[test]
    fn endpoints_are_classified() {
        assert_eq!(Endpoint::from_url(None), Endpoint::Aws);
        assert!(Endpoint::from_url(Some("http://localhost:5000")).is_local());
        assert!(Endpoint::from_url(Some("http://127.0.0.1:5000/")).is_local());
        assert!(Endpoint::from_url(Some("http://[::1]:5000")).is_local());
        assert_eq!(
            Endpoint::from_url(Some("https://kms.example.com")),
            Endpoint::Custom("https://kms.example.com".into())
        );
    }

    #[test]
    fn unreachable_local_endpoint_says_how_to_start_the_emulator() {
        let error = AwsError {
            operation: "sts:GetCallerIdentity",
            failure: AwsFailure::Unreachable { detail: "Connection refused".into() },
        };
        let hint = hint_for(&error, &Endpoint::from_url(Some("http://127.0.0.1:5000")).unreachable_hint()).unwrap();
        assert!(hint.contains("scripts/emulator.sh start"), "{hint}");
        let hint = hint_for(&error, &Endpoint::Aws.unreachable_hint()).unwrap();
        assert!(hint.contains("network"), "{hint}");
        let hint = hint_for(&error, &Endpoint::from_url(Some("https://kms.example.com")).unreachable_hint()).unwrap();
        assert!(hint.contains("https://kms.example.com is up"), "{hint}");
    }

    #[test]
    fn timeouts_at_the_emulator_point_to_the_emulator() {
        let error = AwsError {
            operation: "kms:DescribeKey",
            failure: AwsFailure::Timeout { detail: "operation timed out after 3s".into() },
        };
        assert!(hint_for(&error, &Endpoint::from_url(Some("http://127.0.0.1:5000")).unreachable_hint())
            .unwrap()
            .contains("emulator"));
    }
}
