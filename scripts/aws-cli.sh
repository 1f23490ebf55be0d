#!/usr/bin/env bash
# Installs the pinned AWS CLI into .emulator/cli-venv (once; again when the pins change). The
# hands-on tests run each lab page's CLI commands with it against the emulator, and the benchmark
# times the walkthrough done by CLI commands with it. Prints the path of the `aws` it installed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

pins=scripts/aws-cli-requirements.txt
venv=.emulator/cli-venv
if [ ! -x "$venv/bin/aws" ] || ! cmp -s "$pins" "$venv/installed.txt"; then
  echo "aws-cli: installing the AWS CLI into $venv (once)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  # Every package is pinned there, dependencies included: --no-deps installs exactly that set,
  # and pip check fails the install if a pin is ever missing.
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$pins"
  "$venv/bin/pip" check >&2
  cp "$pins" "$venv/installed.txt"
fi
echo "$root/$venv/bin/aws"
