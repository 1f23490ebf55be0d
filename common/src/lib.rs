//! Everything the ebs-kms-labs binaries share: arguments, SDK clients, ownership tags, the
//! scenario model, KMS discovery, the UI seam and error rendering.
//!
//! A lab binary is a few lines: [`run::run_lab`] parses its arguments, connects a
//! [`session::Session`] and hands a [`run::LabContext`] to the lab's library code.

pub mod api_log;
pub mod args;
pub mod cleanup;
pub mod cli;
pub mod context;
pub mod ec2;
pub mod errors;
pub mod hands_on;
pub mod inventory;
pub mod kms;
pub mod ownership;
pub mod regions;
pub mod run;
pub mod scenario;
pub mod session;
pub mod sweep;
pub mod tags;
pub mod ui;

/// The language layer, the facts table and the manifest live in `course`, which has no AWS
/// dependency (the quiz builds on it alone); here they keep their `common::` paths.
pub use course::{facts, manifest, text, tr};

pub use context::LabContext;
pub use errors::{AwsResultExt, ExitStatus};
pub use run::run_lab;
/// JSON values for `Ui::data`, so labs need no serde_json dependency of their own.
pub use serde_json::Value as JsonValue;

/// A JSON string value.
pub fn serde_json_string(text: &str) -> JsonValue {
    JsonValue::String(text.to_string())
}

/// A JSON object from key/value text pairs.
pub fn serde_json_value(pairs: Vec<(String, String)>) -> JsonValue {
    JsonValue::Object(pairs.into_iter().map(|(k, v)| (k, JsonValue::String(v))).collect())
}
