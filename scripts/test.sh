#!/usr/bin/env bash
# The README's test command, and what CI runs (.ci/run): installs the pinned emulator and AWS CLI if needed,
# builds the lab binaries, and runs every test. The end-to-end tests start their own moto
# server per test on a free loopback port, so nothing else needs to be running.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/emulator.sh install
export EBS_LABS_MOTO_SERVER="$root/.emulator/venv/bin/moto_server"
# The AWS CLI, pinned: the hands-on tests run each lab page's CLI commands with it.
export EBS_LABS_AWS_CLI="$(scripts/aws-cli.sh)"
# The IAM policy's checkers (parliament, policy_sentry) and the JSON Schema validator (jsonschema),
# pinned: e2e/tests/iam.rs and e2e/tests/json_output.rs run them.
scripts/policy-tools.sh
export EBS_LABS_POLICY_PYTHON="$root/.emulator/policy-venv/bin/python"

cargo fmt --all --check
# Clippy lints the workspace's own crates inside the build: clippy-driver is their compiler
# wrapper (as `cargo clippy` sets it), with `-D warnings` passed the way cargo-clippy passes it.
# One compile then serves lints, binaries and tests, and no second, check-only copy of every
# dependency lands in target/ (docs/build.md). `cargo clippy` gives the same lints by hand.
clippy_driver="$(rustc --print sysroot)/bin/clippy-driver"
if [ ! -x "$clippy_driver" ]; then
  echo "test.sh: clippy is missing: rustup component add clippy" >&2
  exit 1
fi
export RUSTC_WORKSPACE_WRAPPER="$clippy_driver"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
# Should a future clippy stop reading CLIPPY_ARGS, its lints would only warn: fail on any warning.
no_warnings() {
  local log
  log="$(mktemp)"
  "$@" 2>&1 | tee "$log"
  if grep -q '^warning' "$log"; then
    echo "test.sh: warnings above; lints and rustc warnings must be fixed" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}
# The end-to-end tests drive the real binaries, so build them first.
no_warnings cargo build --workspace --bins --locked
no_warnings cargo test --workspace --locked "$@"
