//! Errors a learner can act on: AWS errors with code, message and request id; usage errors;
//! refusals; failed verification. Each maps to its own exit code and gets a hint.
//!
//! The error types derive `std::error::Error` with `thiserror`; none has a source. Their texts
//! are in the learner's language, chosen at run time, so those built with `tr!` are formatted
//! when displayed (`#[error("{}", ...)]` calls `tr!` or a function here), not fixed at compile time.
//!
//! This module names no endpoint: `session` imports it (for `AwsResultExt`, `CredentialsMissing`,
//! `error_chain`), so the one endpoint-specific hint, for a request that got no answer, is passed
//! in as text (`session::Endpoint::unreachable_hint`).

use crate::text::pick;
use crate::tr;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::fmt;
use std::process::ExitCode;
use thiserror::Error;

/// Exit codes, documented in the README: scripts can tell the outcomes apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success = 0,
    /// Anything not classified below (a bug, an I/O error).
    Failure = 1,
    /// Bad arguments, or a prompt needed where none can be shown.
    Usage = 2,
    /// AWS (or the emulator) answered with an error, or could not be reached.
    Aws = 3,
    /// The lab ran, but what exists does not match what the walkthrough expects.
    VerificationFailed = 4,
    /// The account's state stops the lab: a prerequisite is missing or a name is taken.
    Refused = 5,
    /// Interrupted with Ctrl-C.
    Interrupted = 130,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status as u8)
    }
}

/// The arguments or the situation need the user to change how they run the lab.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The account's state stops the lab (conflict, missing prerequisite); `hint` says the way out.
#[derive(Debug, Error)]
#[error("{reason}")]
pub struct Refusal {
    pub reason: String,
    pub hint: String,
}

/// Some verification checks failed; the table above the error shows which.
#[derive(Debug, Error)]
// thiserror with a function: the text is chosen by language when displayed.
#[error("{}", verification_failed_text(self))]
pub struct VerificationFailed {
    pub failed: usize,
    pub total: usize,
}

fn verification_failed_text(error: &VerificationFailed) -> String {
    let (failed, total) = (error.failed, error.total);
    tr!(
        "verification failed: {failed} of {total} checks did not pass (marked ✗ above)",
        "検証に失敗しました: {total} 件のチェックのうち {failed} 件が通りませんでした (上の表の ✗ の行)"
    )
}

/// What went wrong in one AWS call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsFailure {
    /// The service answered with an error code.
    Service { code: String, message: String, request_id: Option<String> },
    /// The request never got an answer: connection refused, DNS, TLS.
    Unreachable { detail: String },
    /// No answer in time.
    Timeout { detail: String },
    /// The SDK could not build or read the request or answer (credentials, a malformed reply).
    Other { detail: String },
}

/// One failed AWS call: which operation, and what went wrong.
///
/// thiserror derives `Error`; `Display` stays hand-written below: the text is a match over the
/// four kinds of failure with an optional request-id suffix, each in two languages, which an
/// `#[error(...)]` attribute could only hand to a function holding the same match.
#[derive(Debug, Clone, Error)]
pub struct AwsError {
    /// `service:Operation`, e.g. `kms:CreateKey`.
    pub operation: &'static str,
    pub failure: AwsFailure,
}

impl AwsError {
    /// The AWS error code, for service errors.
    pub fn code(&self) -> Option<&str> {
        match &self.failure {
            AwsFailure::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Classifies an SDK error without losing its code, message or request id.
    pub fn from_sdk<E>(operation: &'static str, error: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let failure = match error {
            SdkError::ServiceError(context) => {
                let err = context.err();
                let meta = err.meta();
                let status = context.raw().status().as_u16();
                AwsFailure::Service {
                    code: meta.code().map(str::to_string).unwrap_or_else(|| format!("HTTP {status}")),
                    message: meta
                        .message()
                        .map(str::to_string)
                        .unwrap_or_else(|| tr!("(no message in the response)", "(応答にメッセージがありません)")),
                    request_id: meta
                        .extra("aws_request_id")
                        .map(str::to_string)
                        .or_else(|| header(context.raw(), "x-amzn-requestid"))
                        .or_else(|| header(context.raw(), "x-amz-request-id")),
                }
            }
            SdkError::TimeoutError(_) => AwsFailure::Timeout { detail: error_chain(error) },
            SdkError::DispatchFailure(dispatch) if dispatch.is_timeout() => {
                AwsFailure::Timeout { detail: error_chain(error) }
            }
            SdkError::DispatchFailure(dispatch) if dispatch.is_io() => {
                AwsFailure::Unreachable { detail: error_chain(error) }
            }
            _ => AwsFailure::Other { detail: error_chain(error) },
        };
        AwsError { operation, failure }
    }
}

/// An error and its sources joined by ": ", without the SDK's debug dump.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(err) = current {
        let text = err.to_string();
        // Wrappers often repeat their source's text; keep each piece once.
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        current = err.source();
    }
    parts.join(": ")
}

fn header(response: &HttpResponse, name: &str) -> Option<String> {
    response.headers().get(name).map(str::to_string)
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operation = self.operation;
        match &self.failure {
            // The code and message are AWS's own words, in English either way.
            AwsFailure::Service { code, message, request_id } => {
                f.write_str(&tr!(
                    "{operation} failed: {code}: {message}",
                    "{operation} が失敗しました: {code}: {message}"
                ))?;
                if let Some(id) = request_id {
                    f.write_str(&tr!(" (request id {id})", " (リクエスト ID {id})"))?;
                }
                Ok(())
            }
            AwsFailure::Unreachable { detail } => f.write_str(&tr!(
                "{operation} could not reach the endpoint: {detail}",
                "{operation} がエンドポイントに接続できませんでした: {detail}"
            )),
            AwsFailure::Timeout { detail } => {
                f.write_str(&tr!("{operation} timed out: {detail}", "{operation} がタイムアウトしました: {detail}"))
            }
            AwsFailure::Other { detail } => {
                f.write_str(&tr!("{operation} failed: {detail}", "{operation} が失敗しました: {detail}"))
            }
        }
    }
}

/// `.aws("kms:CreateKey")` turns an SDK result into one whose error keeps code and message.
pub trait AwsResultExt<T> {
    fn aws(self, operation: &'static str) -> Result<T, AwsError>;
}

impl<T, E> AwsResultExt<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    fn aws(self, operation: &'static str) -> Result<T, AwsError> {
        self.map_err(|error| AwsError::from_sdk(operation, &error))
    }
}

/// What to tell a learner about an AWS failure (FACTS.md, "Errors a learner meets");
/// `unreachable_hint` is the hint for a request that got no answer, which depends on where
/// requests go.
pub fn hint_for(error: &AwsError, unreachable_hint: &str) -> Option<String> {
    let operation = error.operation;
    let text = match &error.failure {
        AwsFailure::Unreachable { .. } | AwsFailure::Timeout { .. } => unreachable_hint.to_string(),
        AwsFailure::Other { detail } if detail.contains("credentials") => no_credentials_hint(),
        AwsFailure::Other { .. } => return None,
        AwsFailure::Service { code, .. } => match code.as_str() {
            "UnauthorizedOperation" | "AccessDeniedException" | "AccessDenied" => tr!(
                "your identity may not call {operation}: add it to your IAM policy (docs/iam-policy.json is the \
                 least-privilege policy for all labs), and check the key policy of any KMS key involved",
                "お使いの IAM アイデンティティには {operation} を呼び出す権限がない可能性があります。IAM ポリシーに追加し\
                 (docs/iam-policy.json が全ラボ用の最小権限ポリシーです)、関係する KMS キーのキーポリシーも確認してください"
            ),
            "AuthFailure" | "OptInRequired" => tr!(
                "the region may be an opt-in region not enabled for this account: enable it under Account settings, \
                 or choose another region with --source-region / --dest-region",
                "このリージョンは、このアカウントで有効になっていないオプトインリージョンの可能性があります。\
                 アカウント設定で有効にするか、--source-region / --dest-region で別のリージョンを選んでください"
            ),
            "UnrecognizedClientException" | "InvalidClientTokenId" | "ExpiredToken" | "ExpiredTokenException"
            | "InvalidToken" | "SignatureDoesNotMatch" => tr!(
                "your credentials are invalid or expired: for SSO run `aws sso login --profile NAME`; \
                 otherwise refresh the keys of your profile",
                "認証情報が無効か、有効期限が切れています。SSO の場合は `aws sso login --profile NAME` を実行し、\
                 それ以外の場合はプロファイルのアクセスキーを更新してください"
            ),
            "KMSInvalidStateException" => tr!(
                "the key's state does not allow this operation (pending deletion, pending import, creating, …; \
                 a Disabled key gives DisabledException instead); {keys_lab} shows each key's state",
                "キーの状態 (削除の保留中、インポートの保留中、作成中など) では、この操作を実行できません \
                 (Disabled のキーでは DisabledException になります)。各キーの状態は {keys_lab} で確認できます",
                keys_lab = crate::manifest::lab_that_makes(crate::manifest::Makes::Keys).id
            ),
            "NotFoundException" => tr!(
                "the key or alias does not exist in that region; run {keys_lab} to make the lab's keys",
                "そのリージョンにキーまたはエイリアスがありません。{keys_lab} を実行してラボのキーを作成してください",
                keys_lab = crate::manifest::lab_that_makes(crate::manifest::Makes::Keys).id
            ),
            "AlreadyExistsException" => tr!(
                "the name is taken; if the labs did not make it, choose other names with --name-prefix",
                "その名前は既に使われています。ラボが作成したものでなければ、--name-prefix で別の名前にしてください"
            ),
            "LimitExceededException" | "ResourceLimitExceeded" => tr!(
                "an account quota is reached: delete unused resources, or wait for running operations to finish",
                "アカウントのクォータ (上限) に達しています。使っていないリソースを削除するか、実行中の処理が終わるまで待ってください"
            ),
            "RequestLimitExceeded" | "ThrottlingException" => tr!(
                "AWS is throttling requests; wait a minute and run the lab again (it resumes where it stopped)",
                "AWS がリクエストを制限 (スロットリング) しています。1 分ほど待ってからラボを再実行してください\
                 (止まったところから再開します)"
            ),
            "IncorrectState" => tr!(
                "the resource is not ready yet (for example a snapshot still pending); wait and run the lab again",
                "リソースの準備がまだできていません (スナップショットがまだ pending の場合など)。\
                 しばらく待ってからラボを再実行してください"
            ),
            "InvalidSnapshot.NotFound" | "InvalidVolume.NotFound" => tr!(
                "it may not exist in the region that was asked, or it was just created: run the lab again in a few \
                 seconds",
                "指定したリージョンに存在しないか、作成された直後の可能性があります。数秒後にラボを再実行してください"
            ),
            _ => return None,
        },
    };
    Some(text)
}

/// How to get credentials, or how to do without them.
pub fn no_credentials_hint() -> String {
    tr!(
        "no AWS credentials were found. To use AWS: `aws configure` (or `aws configure sso` then `aws sso login`) \
         and pass --profile NAME. To practise for free without an account: `scripts/walkthrough.sh`, or \
         `scripts/emulator.sh start && eval \"$(scripts/emulator.sh env)\"` and run the lab again",
        "AWS の認証情報が見つかりませんでした。AWS を使うには `aws configure` (または `aws configure sso` のあと \
         `aws sso login`) を実行し、--profile NAME を付けてください。アカウントなしで無料で練習するには \
         `scripts/walkthrough.sh` を使うか、`scripts/emulator.sh start && eval \"$(scripts/emulator.sh env)\"` \
         を実行してからラボを再実行してください"
    )
}

/// The exit status an error chain deserves: the first classified error in it decides.
pub fn exit_status_for(error: &anyhow::Error) -> ExitStatus {
    for cause in error.chain() {
        if cause.is::<UsageError>() {
            return ExitStatus::Usage;
        }
        if cause.is::<AwsError>() || cause.is::<CredentialsMissing>() {
            return ExitStatus::Aws;
        }
        if cause.is::<VerificationFailed>() {
            return ExitStatus::VerificationFailed;
        }
        if cause.is::<Refusal>() {
            return ExitStatus::Refused;
        }
        if cause.is::<Interrupted>() {
            return ExitStatus::Interrupted;
        }
    }
    ExitStatus::Failure
}

/// The `error` object of an `--output json` document: the kind of failure (the exit status's
/// name), the exit code, the AWS operation, error code and request id when an AWS call failed,
/// and the message a person reads (with its causes).
pub fn error_json(error: &anyhow::Error, status: ExitStatus) -> serde_json::Value {
    let aws = error.chain().find_map(|cause| cause.downcast_ref::<AwsError>());
    let (code, request_id) = match aws.map(|aws| &aws.failure) {
        Some(AwsFailure::Service { code, request_id, .. }) => (Some(code.as_str()), request_id.as_deref()),
        _ => (None, None),
    };
    let message: Vec<String> = error.chain().map(ToString::to_string).collect();
    serde_json::json!({
        "kind": status.kind(),
        "exit_code": status as u8,
        "aws_operation": aws.map(|aws| aws.operation),
        "aws_error_code": code,
        "request_id": request_id,
        "message": message.join(": "),
    })
}

/// The `error` object of a refused command line (exit 2), as [`error_json`] gives it.
pub fn usage_error_json(message: &str) -> serde_json::Value {
    let status = ExitStatus::Usage;
    serde_json::json!({
        "kind": status.kind(),
        "exit_code": status as u8,
        "aws_operation": null,
        "aws_error_code": null,
        "request_id": null,
        "message": message,
    })
}

impl ExitStatus {
    /// The name of the kind of outcome, as `--output json` spells it.
    pub fn kind(self) -> &'static str {
        match self {
            ExitStatus::Success => "success",
            ExitStatus::Failure => "failure",
            ExitStatus::Usage => "usage",
            ExitStatus::Aws => "aws",
            ExitStatus::VerificationFailed => "verification_failed",
            ExitStatus::Refused => "refused",
            ExitStatus::Interrupted => "interrupted",
        }
    }
}

/// No credentials could be resolved.
#[derive(Debug, Error)]
// thiserror with a function: the text is chosen by language when displayed.
#[error("{}", credentials_missing_text(&self.0))]
pub struct CredentialsMissing(pub String);

fn credentials_missing_text(detail: &str) -> String {
    tr!("could not load AWS credentials: {detail}", "AWS の認証情報を読み込めませんでした: {detail}")
}

/// The user pressed Ctrl-C.
#[derive(Debug, Error)]
// thiserror with `tr!` in the attribute: the text is chosen by language when displayed.
#[error("{}", tr!("interrupted", "中断しました"))]
pub struct Interrupted;

/// The label before an error on stderr: `error: `.
pub fn error_label() -> &'static str {
    pick("error: ", "エラー: ")
}

/// Renders an error chain for stderr: the error, its causes, and a hint where one is known
/// (`unreachable_hint` as for [`hint_for`]).
pub fn render(error: &anyhow::Error, unreachable_hint: &str) -> String {
    let mut text = format!("{}{error}", error_label());
    for cause in error.chain().skip(1) {
        text.push_str(&format!("\n  {}{cause}", pick("caused by: ", "原因: ")));
    }
    let hint = error.chain().find_map(|cause| {
        if let Some(aws) = cause.downcast_ref::<AwsError>() {
            hint_for(aws, unreachable_hint)
        } else if let Some(refusal) = cause.downcast_ref::<Refusal>() {
            Some(refusal.hint.clone())
        } else if cause.is::<CredentialsMissing>() {
            Some(no_credentials_hint())
        } else {
            None
        }
    });
    if let Some(hint) = hint {
        text.push_str(&format!("\n  {}{hint}", pick("hint: ", "ヒント: ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    /// The no-answer hint of these tests; `session`'s tests check the real hints of `Endpoint`.
    const UNREACHABLE: &str = "start the test endpoint";

    fn service(code: &str) -> AwsError {
        AwsError {
            operation: "kms:CreateKey",
            failure: AwsFailure::Service {
                code: code.into(),
                message: "User is not authorized".into(),
                request_id: Some("req-123".into()),
            },
        }
    }

    #[test]
    fn aws_errors_render_with_code_message_request_id_context_and_hint() {
        let error = anyhow::Error::new(service("AccessDeniedException"))
            .context("creating key Single-region-key in Tokyo (ap-northeast-1)");
        let text = render(&error, UNREACHABLE);
        assert!(text.starts_with("error: creating key Single-region-key in Tokyo (ap-northeast-1)"), "{text}");
        assert!(
            text.contains("kms:CreateKey failed: AccessDeniedException: User is not authorized (request id req-123)"),
            "{text}"
        );
        assert!(text.contains("hint: your identity may not call kms:CreateKey"), "{text}");
        assert!(!text.contains("service error"), "{text}");
        assert_eq!(exit_status_for(&error), ExitStatus::Aws);
    }

    #[test]
    fn unreachable_endpoints_get_the_endpoints_hint() {
        let error = AwsError {
            operation: "sts:GetCallerIdentity",
            failure: AwsFailure::Unreachable { detail: "Connection refused".into() },
        };
        assert_eq!(hint_for(&error, UNREACHABLE).as_deref(), Some("start the test endpoint"));
        let text = render(&anyhow::Error::new(error), UNREACHABLE);
        assert!(text.ends_with("\n  hint: start the test endpoint"), "{text}");
    }

    #[test]
    fn error_texts_are_the_messages_themselves() {
        assert_eq!(UsageError("needs --yes".into()).to_string(), "needs --yes");
        assert_eq!(Refusal { reason: "taken".into(), hint: "use a prefix".into() }.to_string(), "taken");
        assert_eq!(
            VerificationFailed { failed: 1, total: 6 }.to_string(),
            "verification failed: 1 of 6 checks did not pass (marked ✗ above)"
        );
        assert_eq!(
            CredentialsMissing("no providers".into()).to_string(),
            "could not load AWS credentials: no providers"
        );
        assert_eq!(Interrupted.to_string(), "interrupted");
        let error = anyhow::Error::new(Interrupted);
        assert!(error.chain().nth(1).is_none(), "no source");
    }

    #[test]
    fn each_error_kind_has_its_exit_status() {
        let usage = anyhow::Error::new(UsageError("needs --yes".into()));
        assert_eq!(exit_status_for(&usage), ExitStatus::Usage);
        let refused: anyhow::Result<()> = Err(Refusal { reason: "taken".into(), hint: "use a prefix".into() }.into());
        let refused = refused.context("planning keys").unwrap_err();
        assert_eq!(exit_status_for(&refused), ExitStatus::Refused);
        assert!(render(&refused, UNREACHABLE).contains("hint: use a prefix"));
        let failed = anyhow::Error::new(VerificationFailed { failed: 1, total: 6 });
        assert_eq!(exit_status_for(&failed), ExitStatus::VerificationFailed);
        assert_eq!(exit_status_for(&anyhow::anyhow!("disk full")), ExitStatus::Failure);
        let missing = anyhow::Error::new(CredentialsMissing("no providers".into()));
        assert_eq!(exit_status_for(&missing), ExitStatus::Aws);
        assert!(render(&missing, UNREACHABLE).contains("aws configure"));
    }

    #[test]
    fn environment_problems_on_aws_get_hints_naming_the_fix() {
        let cases = [
            ("OptInRequired", "opt-in region"),
            ("AuthFailure", "opt-in region"),
            ("ExpiredToken", "aws sso login"),
            ("UnrecognizedClientException", "credentials are invalid or expired"),
            ("RequestLimitExceeded", "throttling"),
            ("ResourceLimitExceeded", "quota"),
            ("KMSInvalidStateException", "state does not allow this operation"),
        ];
        for (code, expected) in cases {
            let hint = hint_for(&service(code), UNREACHABLE).unwrap_or_default();
            assert!(hint.contains(expected), "{code}: {hint}");
        }
    }

    #[test]
    fn timeouts_are_classified_and_explained() {
        let error: SdkError<aws_sdk_kms::operation::describe_key::DescribeKeyError, HttpResponse> =
            SdkError::timeout_error("operation timed out after 3s");
        let aws = AwsError::from_sdk("kms:DescribeKey", &error);
        assert!(matches!(aws.failure, AwsFailure::Timeout { .. }), "{aws:?}");
        assert!(aws.to_string().starts_with("kms:DescribeKey timed out"), "{aws}");
        assert_eq!(hint_for(&aws, UNREACHABLE).as_deref(), Some("start the test endpoint"));
    }

    #[test]
    fn unknown_codes_still_render_code_and_message_without_a_hint() {
        let error = service("SomethingNew");
        assert!(hint_for(&error, UNREACHABLE).is_none());
        assert!(error.to_string().contains("SomethingNew: User is not authorized"));
    }
}
