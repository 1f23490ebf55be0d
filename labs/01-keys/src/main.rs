//! The `01-keys` binary: parses arguments and runs lab 01 (see the crate's library).

fn main() -> std::process::ExitCode {
    common::run_lab(lab01_keys::LAB_ID, lab01_keys::run)
}
