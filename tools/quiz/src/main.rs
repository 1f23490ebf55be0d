//! The `quiz` binary: parses arguments and runs the quiz (see the library). Needs no AWS account.

fn main() -> std::process::ExitCode {
    lab_quiz::main()
}
