//! Everything the ebs-kms-labs binaries share: arguments, SDK clients, ownership tags, the
//! scenario model, KMS discovery, the UI seam and error rendering.
//!
//! A lab binary is a few lines: [`run::run_lab`] parses its arguments, connects a
//! [`session::Session`] and hands a [`run::LabContext`] to the lab's library code.

pub mod args;
pub mod ec2;
pub mod errors;
pub mod facts;
pub mod kms;
pub mod manifest;
pub mod regions;
pub mod run;
pub mod scenario;
pub mod session;
pub mod tags;
pub mod ui;

pub use errors::{AwsResultExt, ExitStatus};
pub use run::{run_lab, LabContext};
