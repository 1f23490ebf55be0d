//! The `04-copy` binary: parses arguments and runs lab 04 (see the crate's library).

fn main() -> std::process::ExitCode {
    common::run_lab(lab04_copy::LAB_ID, lab04_copy::run)
}
