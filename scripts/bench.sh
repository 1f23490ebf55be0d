#!/usr/bin/env bash
# The benchmark (issue: performance): installs the pinned emulator and AWS CLI into .emulator/,
# builds the labs, and runs scripts/bench.py, which prints a Markdown report. Keep the latest
# report in docs/performance.md. BENCH_RUNS and BENCH_DELAY_MS tune it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/emulator.sh install
scripts/aws-cli.sh >/dev/null
cargo build --bins --quiet

MOTO_SERVER="$root/.emulator/venv/bin/moto_server" \
AWS_CLI="$root/.emulator/cli-venv/bin/aws" \
TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}" \
  .emulator/venv/bin/python scripts/bench.py
