//! The end-to-end test harness: one test binary (the SDK is linked once), a module per topic.

// Lab 01 against the emulator: keys, aliases, tags, re-runs, conflicts, dry runs.
mod keys;
// Labs 02 to 04 in order, re-runs, the matrix, prerequisites, refused keys.
mod walkthrough;
// A class in one account: ten sets run the course at once; one set's cleanup leaves the others.
mod class;
// 05-cleanup, --undo and status: nothing billable left, nothing foreign touched.
mod cleanup;
// Prompts answered through the UI seam by a scripted learner.
mod interactive;
// Ctrl-C and SIGKILL at many points: resumable, no duplicates, cleanup ends clean.
mod interruption;
// No secret printed, even with debug logs.
mod security;
// A real terminal: arrow keys and confirmation in a pseudo-terminal.
mod terminal;
// Opt-in: the whole course on a real AWS account (ignored by default).
mod real_aws;
// docs/iam-policy.json allows exactly what the labs call.
mod iam;
// The quiz: study sheet, languages, topics, no terminal.
mod quiz;
// --output json: one valid document per run (docs/schemas/), the same in English and Japanese.
mod json_output;
// Arguments and environment problems: exit codes and messages, nothing created.
mod cli;
// Both languages: learner text goes through tr!, and the labs speak Japanese when asked.
mod language;
// --show-cli prints a command for each kind of call the labs really make.
mod show_cli;
// Project conventions: module docs, the manifest and the lab folders agree.
mod tidy;
// Ownership: exact sets, exact aliases, the full tag signature; nothing foreign changed.
mod ownership;
// Where requests go: the emulator only when every client is on loopback and answers as moto.
mod endpoints;
// The project's scripts: no billable surprise, no unsafe temp files, no stray kills.
mod scripts;
// --profile and AWS_PROFILE sign with that profile's keys, whatever is exported; the banner says so.
mod credentials;
// Ctrl-C and Esc at a confirmation or a choice, in a pseudo-terminal, in both languages.
mod prompts;
// Regions the table does not know yet: used when DescribeRegions lists them enabled, else refused.
mod new_regions;
// The interface itself: prose fits the terminal, inquire speaks the learner's language, each
// binary takes only its options.
mod interfaces;
// Hands-on (--check, --adopt, --yourself): each lab done by hand with its page's CLI commands.
mod hands_on_01;
mod hands_on_02;
mod hands_on_03;
mod hands_on_04;
