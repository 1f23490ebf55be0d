#!/usr/bin/env bash
# The IAM policy checkers (parliament and policy_sentry) and the JSON Schema validator (jsonschema),
# pinned in scripts/policy-requirements.txt, in the git-ignored .emulator/policy-venv, for
# e2e/tests/iam.rs (scripts/check_iam_policy.py) and e2e/tests/json_output.rs
# (scripts/check_json_schema.py, which validates `--output json` documents against docs/schemas/).
# Installs once, and again when the pins change; scripts/test.sh runs it. Prints nothing when the
# venv is already up to date.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.emulator/policy-venv"
requirements="$root/scripts/policy-requirements.txt"

if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$venv/installed.txt"; then
  exit 0
fi
echo "policy-tools: installing parliament, policy_sentry and jsonschema into $venv (once)" >&2
mkdir -p "$root/.emulator"
rm -rf "$venv"
if ! python3 -m venv "$venv"; then
  echo "policy-tools: 'python3 -m venv' failed; on Debian/Ubuntu install python3-venv" >&2
  exit 1
fi
# --no-deps installs exactly the pinned set; pip check fails the install if a pin is missing.
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
"$venv/bin/pip" check >&2
cp "$requirements" "$venv/installed.txt"
