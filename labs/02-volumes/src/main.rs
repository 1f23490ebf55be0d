//! The `02-volumes` binary: parses arguments and runs lab 02 (see the crate's library).

fn main() -> std::process::ExitCode {
    common::run_lab(lab02_volumes::LAB_ID, lab02_volumes::run)
}
