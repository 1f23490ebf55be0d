#!/usr/bin/env bash
# README command two, and what CI runs (.ci/run): installs the pinned emulator if needed,
# builds the lab binaries, and runs every test. The end-to-end tests start their own moto
# server per test on a free loopback port, so nothing else needs to be running.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/emulator.sh install
export EBS_LABS_MOTO_SERVER="$root/.emulator/venv/bin/moto_server"

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings
# The end-to-end tests drive the real binaries, so build them first.
cargo build --workspace --bins --locked
cargo test --workspace --locked "$@"
