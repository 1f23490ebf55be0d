#!/usr/bin/env bash
# The README's walkthrough: runs every lab of the course, in the order of labs/labs.toml, against the
# local emulator (started if needed). Free, no AWS account needed.
#
#   scripts/walkthrough.sh            run all labs with --yes (no prompts)
#   scripts/walkthrough.sh --fresh    wipe the emulator's state first
#   scripts/walkthrough.sh -- ARGS    pass ARGS to every lab (e.g. -- --output json)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

fresh=false
lab_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) fresh=true ;;
    --) shift; lab_args=("$@"); break ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "walkthrough: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

scripts/emulator.sh start
eval "$(scripts/emulator.sh env)"
if $fresh; then scripts/emulator.sh reset; fi

echo "walkthrough: building the labs (the first build of the AWS SDK takes several minutes)" >&2
cargo build --bins --quiet

# The labs, in manifest order: the `id`s of the [[lab]] entries (tools come after them).
labs=$(awk '/^\[\[/ { in_lab = ($0 == "[[lab]]") } in_lab && /^id = / { gsub(/"/, "", $3); print $3 }' labs/labs.toml)
for lab in $labs; do
  printf '\n\033[1m━━━ %s ━━━\033[0m\n' "$lab"
  cargo run --quiet --bin "$lab" -- --yes ${lab_args[@]+"${lab_args[@]}"}
done
printf '\n\033[1m━━━ status ━━━\033[0m\n'
cargo run --quiet --bin status -- ${lab_args[@]+"${lab_args[@]}"}

cat <<DONE

walkthrough: done, cleanup included. The emulator keeps running, so you can go through the labs
again one by one, interactively:
  eval "\$(scripts/emulator.sh env)"   then: cargo run --bin 01-keys   (and cargo run --bin status)
  scripts/emulator.sh stop            when you are finished
DONE
