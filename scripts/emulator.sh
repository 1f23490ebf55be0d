#!/usr/bin/env bash
# The local AWS emulator (moto server, pinned in scripts/emulator-requirements.txt), installed
# into the git-ignored .emulator/ folder and served on 127.0.0.1 only.
#
#   scripts/emulator.sh install   create .emulator/venv with the pinned moto (once; again when the pins change)
#   scripts/emulator.sh start     install if needed, start the server, wait until it answers
#   scripts/emulator.sh stop      stop the server this script started
#   scripts/emulator.sh status    say whether it runs
#   scripts/emulator.sh env       print the environment to use it: eval "$(scripts/emulator.sh env)"
#   scripts/emulator.sh reset     wipe all emulated state (every region)
#   scripts/emulator.sh log       show the server's log
#
# EMULATOR_PORT picks the port (default 5000): a number from 1 to 65535.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.emulator"
venv="$dir/venv"
requirements="$root/scripts/emulator-requirements.txt"
port="${EMULATOR_PORT:-5000}"
# The port ends up in the URL that `env` prints for eval, in file names and in the server's
# arguments: digits only, in range, or nothing runs.
if ! [[ $port =~ ^[0-9]{1,5}$ ]] || [ $((10#$port)) -lt 1 ] || [ $((10#$port)) -gt 65535 ]; then
  printf "emulator: EMULATOR_PORT must be a port number from 1 to 65535, not '%s'\n" "${port//[^[:print:]]/?}" >&2
  exit 2
fi
port=$((10#$port))
url="http://127.0.0.1:$port"
pidfile="$dir/moto-$port.pid"
logfile="$dir/moto-$port.log"

python_bin() {
  for candidate in python3 python; do
    if command -v "$candidate" >/dev/null 2>&1; then echo "$candidate"; return; fi
  done
  echo "emulator: Python 3 is needed for the local emulator; install python3 (and python3-venv on Debian/Ubuntu)" >&2
  exit 1
}

install() {
  mkdir -p "$dir"
  if [ -x "$venv/bin/moto_server" ] && cmp -s "$requirements" "$dir/installed-requirements.txt"; then
    return
  fi
  echo "emulator: installing moto into $venv (about 15 s, once)" >&2
  rm -rf "$venv"
  if ! "$(python_bin)" -m venv "$venv"; then
    echo "emulator: 'python3 -m venv' failed; on Debian/Ubuntu install python3-venv" >&2
    exit 1
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$dir/installed-requirements.txt"
}

answers() {
  "$venv/bin/python" - "$port" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket()
s.settimeout(0.5)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
}

# The PID in the pidfile, when that process is alive and is this checkout's moto_server on this
# port; anything else (a stale pidfile whose PID was reused, a hand-edited one) is not ours.
our_pid() {
  local pid arg args=() moto=false
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    while IFS= read -r -d '' arg; do args+=("$arg"); done <"/proc/$pid/cmdline"
  else # no /proc (macOS): ps, unlimited width; arguments split on spaces, enough for ours
    read -r -a args <<<"$(ps -ww -p "$pid" -o args= 2>/dev/null)" || return 1
  fi
  for arg in ${args[@]+"${args[@]}"}; do
    if [[ $arg == /*/moto_server && $arg -ef "$venv/bin/moto_server" ]]; then moto=true; fi
  done
  $moto && [[ " ${args[*]} " == *" -p $port "* ]] || return 1
  echo "$pid"
}

running() {
  our_pid >/dev/null
}

start() {
  install
  if running && answers; then
    echo "emulator: already running at $url" >&2
    return
  fi
  if answers; then
    echo "emulator: something else already listens on port $port; choose another with EMULATOR_PORT=NNNN" >&2
    exit 1
  fi
  # Without this, DescribeSnapshots --owner self returns a thousand preloaded public snapshots.
  MOTO_EC2_LOAD_DEFAULT_AMIS=false nohup "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$logfile" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    if answers; then
      echo "emulator: running at $url (log: $logfile)" >&2
      return
    fi
    if ! running; then break; fi
    sleep 0.2
  done
  echo "emulator: the server did not start; its log says:" >&2
  tail -n 20 "$logfile" >&2 || true
  exit 1
}

stop() {
  local pid named
  if pid="$(our_pid)"; then
    kill "$pid"
    echo "emulator: stopped" >&2
  elif [ -f "$pidfile" ]; then
    named="$(head -c 20 "$pidfile" | tr -cd '[:print:]')"
    echo "emulator: not running; $pidfile named PID '$named', which is not this emulator's moto_server: left that process alone and removed the stale pidfile" >&2
  else
    echo "emulator: not running" >&2
  fi
  rm -f "$pidfile"
}

print_env() {
  cat <<ENV
export AWS_ENDPOINT_URL=$url
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL_EC2 AWS_ENDPOINT_URL_KMS AWS_ENDPOINT_URL_STS
ENV
}

case "${1:-help}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if running && answers; then echo "running at $url"; else echo "not running"; exit 1; fi ;;
  env) print_env ;;
  reset) "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/moto-api/reset", method="POST"))' "$url" && echo "emulator: state wiped" >&2 ;;
  log) cat "$logfile" ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; [ "${1:-help}" = help ] || exit 2 ;;
esac
