#!/usr/bin/env bash
# The benchmark (issue: performance): installs the pinned emulator and AWS CLI into .emulator/,
# builds the labs, and runs scripts/bench.py, which prints a Markdown report. Keep the latest
# report in docs/performance.md. BENCH_RUNS and BENCH_DELAY_MS tune it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/emulator.sh install
if [ ! -x .emulator/cli-venv/bin/aws ] || ! cmp -s scripts/bench-requirements.txt .emulator/cli-venv/installed.txt; then
  echo "bench: installing the AWS CLI into .emulator/cli-venv (once)" >&2
  rm -rf .emulator/cli-venv
  python3 -m venv .emulator/cli-venv
  # Every package is pinned there, dependencies included: --no-deps installs exactly that set,
  # and pip check fails the install if a pin is ever missing.
  .emulator/cli-venv/bin/pip install --quiet --disable-pip-version-check --no-deps -r scripts/bench-requirements.txt
  .emulator/cli-venv/bin/pip check >&2
  cp scripts/bench-requirements.txt .emulator/cli-venv/installed.txt
fi
cargo build --bins --quiet

MOTO_SERVER="$root/.emulator/venv/bin/moto_server" \
AWS_CLI="$root/.emulator/cli-venv/bin/aws" \
TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}" \
  .emulator/venv/bin/python scripts/bench.py
