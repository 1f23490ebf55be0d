//! The `05-cleanup` binary: parses arguments and runs lab 05 (see the crate's library).

fn main() -> std::process::ExitCode {
    common::run_lab(lab05_cleanup::LAB_ID, lab05_cleanup::run)
}
