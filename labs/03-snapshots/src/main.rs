//! The `03-snapshots` binary: parses arguments and runs lab 03 (see the crate's library).

fn main() -> std::process::ExitCode {
    common::run_lab(lab03_snapshots::LAB_ID, lab03_snapshots::run)
}
