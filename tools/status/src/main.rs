//! The `status` binary: parses arguments and shows where the learner stands (see the library).

fn main() -> std::process::ExitCode {
    common::run_lab(lab_status::TOOL_ID, lab_status::run)
}
