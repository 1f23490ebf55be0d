//! `--show-api`: an SDK interceptor that reports every AWS call as it is made (service,
//! operation, region, its main parameters, outcome, duration) and counts the calls of a run.
//! It sees what really happened, retries included, because it sits inside the SDK. With
//! `--show-cli` it also hands the AWS CLI twin of each request to the UI ([`crate::cli`]).

use crate::cli::GlobalOptions;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Longest rendering of a call's parameters.
const PARAMETERS_WIDTH: usize = 160;

/// Where the `cli:` lines of `--show-cli` go: the run's UI.
#[derive(Clone)]
pub struct CliSink(Arc<dyn Fn(&str) + Send + Sync>);

impl CliSink {
    pub fn new(print: impl Fn(&str) + Send + Sync + 'static) -> Self {
        CliSink(Arc::new(print))
    }
}

impl std::fmt::Debug for CliSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CliSink")
    }
}

/// The API log of one run: shared by every client of the run, one per region.
#[derive(Debug, Clone)]
pub struct ApiLog {
    show: bool,
    region: &'static str,
    calls: Arc<AtomicUsize>,
    cli: Option<CliSink>,
    /// The run's `--profile` and each service's `--endpoint-url`, for the `cli:` lines.
    cli_options: Arc<GlobalOptions>,
    /// The last `cli:` line shown: a wait's repeated Describe, or the next page of a listing,
    /// is shown once.
    last_cli: Arc<Mutex<String>>,
}

impl ApiLog {
    /// A log that prints each call when `show` is set, and always counts.
    pub fn new(show: bool) -> Self {
        ApiLog {
            show,
            region: "",
            calls: Arc::new(AtomicUsize::new(0)),
            cli: None,
            cli_options: Arc::default(),
            last_cli: Arc::default(),
        }
    }

    /// The same log, also handing the AWS CLI command of each request, with `options`, to `sink`
    /// (`--show-cli`).
    pub fn with_cli(self, sink: Option<CliSink>, options: GlobalOptions) -> Self {
        ApiLog { cli: sink, cli_options: Arc::new(options), ..self }
    }

    /// The same log (same count) for the clients of `region`.
    pub fn for_region(&self, region: &'static str) -> Self {
        ApiLog { region, ..self.clone() }
    }

    /// Calls made so far in this run (each attempt of a retried call counts once per call).
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

/// When a call started, and its parameters (the input is gone once it is serialized).
#[derive(Debug, Clone)]
struct CallStarted(Instant, String);

impl Storable for CallStarted {
    type Storer = StoreReplace<Self>;
}

/// The parameters of a call from the SDK's debug text of its input: the struct without the
/// type-erasure wrapper and without unset (`None`) fields.
fn parameters(debug: &str) -> String {
    let inner = debug.split_once("]:").map_or(debug, |(_, rest)| rest.strip_suffix(')').unwrap_or(rest));
    let Some((_, fields)) = inner.split_once(" { ") else {
        return String::new();
    };
    let set: Vec<&str> = fields.trim_end_matches(" }").split(", ").filter(|field| !field.ends_with(": None")).collect();
    if set.is_empty() {
        String::new()
    } else {
        one_line(format!("{{ {} }}", set.join(", ")))
    }
}

/// Text on one line, cut to a readable length.
fn one_line(debug: String) -> String {
    let line: String = debug.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(PARAMETERS_WIDTH) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

impl Intercept for ApiLog {
    fn name(&self) -> &'static str {
        "ebs-kms-labs ApiLog"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(CliSink(print)) = &self.cli {
            if let Some(line) = crate::cli::command_for(context.input(), self.region, &self.cli_options) {
                let mut last = self.last_cli.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if *last != line {
                    print(&line);
                    *last = line;
                }
            }
        }
        let parameters = if self.show { parameters(&format!("{:?}", context.input())) } else { String::new() };
        cfg.interceptor_state().store_put(CallStarted(Instant::now(), parameters));
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if !self.show {
            return Ok(());
        }
        let (service, operation) =
            cfg.load::<Metadata>().map_or(("?", "?"), |metadata| (metadata.service(), metadata.name()));
        let (elapsed, parameters) =
            cfg.load::<CallStarted>().map_or((0, ""), |started| (started.0.elapsed().as_millis(), started.1.as_str()));
        let status = context.response().map(|response| response.status().as_u16());
        // The API log is a technical trace in one fixed format, like the SDK's own logs and the
        // `cli:` lines: its outcome words stay English in either language, so traces compare.
        let outcome = match (context.output_or_error(), status) {
            (Some(Ok(_)), _) => "ok".to_string(),
            // english-only: a technical trace's outcome word (see above)
            (Some(Err(_)), Some(status)) => format!("failed (HTTP {status})"),
            (Some(Err(error)), None) => format!("failed ({})", one_line(error.to_string())),
            // english-only: a technical trace's outcome word (see above)
            (None, _) => "no outcome".to_string(),
        };
        eprintln!("api: {service}:{operation} [{}] {outcome} in {elapsed} ms {parameters}", self.region);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_leave_out_the_wrapper_and_unset_fields() {
        let debug =
            r#"Input(TypeErasedBox[!Clone]:ListResourceTagsInput { key_id: Some("1234"), limit: None, marker: None })"#;
        assert_eq!(parameters(debug), r#"{ key_id: Some("1234") }"#);
        assert_eq!(parameters("Input(TypeErasedBox[!Clone]:GetCallerIdentityInput)"), "");
        assert_eq!(parameters("Input(TypeErasedBox[!Clone]:ListKeysInput { limit: None, marker: None })"), "");
    }

    #[test]
    fn parameters_are_one_short_line() {
        assert_eq!(one_line("A {\n    key_id: \"x\",\n}".into()), "A { key_id: \"x\", }");
        let long = one_line("x".repeat(500));
        assert_eq!(long.chars().count(), PARAMETERS_WIDTH + 1);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn regional_logs_share_one_count() {
        let log = ApiLog::new(false);
        let tokyo = log.for_region("ap-northeast-1");
        tokyo.calls.fetch_add(2, Ordering::SeqCst);
        log.for_region("us-west-2").calls.fetch_add(1, Ordering::SeqCst);
        assert_eq!(log.calls(), 3);
    }
}
