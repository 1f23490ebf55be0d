#!/usr/bin/env python3
"""The benchmark behind scripts/bench.sh: the labs' walkthrough (01-05, --yes) against a fresh
local emulator, several runs, side by side with the same walkthrough done by AWS CLI commands;
then the same with a fixed delay added to every request; then 04-copy with 3 and with 9 copies
under that delay. Prints a Markdown report (docs/performance.md keeps the latest one).

Environment: BENCH_RUNS (default 3), BENCH_DELAY_MS (default 50), MOTO_SERVER, AWS_CLI, TARGET_DIR.
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
DELAY_MS = int(os.environ.get("BENCH_DELAY_MS", "50"))
MOTO = os.environ["MOTO_SERVER"]
AWS_CLI_DIR = os.path.dirname(os.environ["AWS_CLI"])
TARGET = os.environ.get("TARGET_DIR", os.path.join(ROOT, "target"))
LABS = ["01-keys", "02-volumes", "03-snapshots", "04-copy", "05-cleanup"]

# The fewest AWS calls each lab of this walkthrough needs on the emulator, and the fewest
# dependent round trips; docs/performance.md ("The minimum") counts them call by call.
MINIMUM_CALLS = {"01-keys": 27, "02-volumes": 17, "03-snapshots": 8, "04-copy": 14, "05-cleanup": 50}
CRITICAL_PATH = {"01-keys": 7, "02-volumes": 5, "03-snapshots": 4, "04-copy": 6, "05-cleanup": 7}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port):
    deadline = time.time() + 30
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"bench: nothing answers on port {port}")


class Emulator:
    """A fresh moto server, and optionally the delaying proxy in front of it."""

    def __init__(self, delay_ms=0):
        self.port = free_port()
        env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false")
        self.moto = subprocess.Popen([MOTO, "-H", "127.0.0.1", "-p", str(self.port)], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.port)
        self.proxy = None
        self.endpoint_port = self.port
        self.count_file = None
        self.scratch = None
        if delay_ms:
            self.endpoint_port = free_port()
            # The proxy rewrites the count file by name: it lives in a fresh directory only this
            # user can enter, so no one can plant a file or a symlink at that name first.
            self.scratch = tempfile.TemporaryDirectory(prefix="bench-")
            self.count_file = os.path.join(self.scratch.name, "requests")
            self.proxy = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/delay_proxy.py"),
                                           str(self.endpoint_port), str(self.port), str(delay_ms), self.count_file])
            wait_for(self.endpoint_port)

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ENDPOINT_URL=f"http://127.0.0.1:{self.endpoint_port}", AWS_ACCESS_KEY_ID="test",
                   AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
                   AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
                   AWS_EC2_METADATA_DISABLED="true", PATH=AWS_CLI_DIR + ":" + os.environ["PATH"])
        return env

    def requests(self):
        try:
            with open(self.count_file) as f:
                return int(f.read() or 0)
        except (OSError, TypeError, ValueError):
            return 0

    def stop(self):
        for process in (self.proxy, self.moto):
            if process:
                process.kill()
                process.wait()
        if self.scratch:
            self.scratch.cleanup()


def run_lab(emulator, lab, *args):
    """(wall seconds, peak RSS MiB, API calls) of one lab run."""
    binary = os.path.join(TARGET, "debug", lab)
    started = time.perf_counter()
    # status only reads: it takes no --yes (each binary takes only the options it uses).
    yes = [] if lab == "status" else ["--yes"]
    result = subprocess.run(["/usr/bin/time", "-f", "%M", binary, *yes, "--show-api", *args],
                            env=emulator.env(), capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"bench: {lab} failed:\n{result.stdout}\n{result.stderr}")
    lines = result.stderr.strip().splitlines()
    rss_mib = int(lines[-1]) / 1024
    calls = next(int(l.split()[1]) for l in reversed(lines) if l.startswith("api: ") and "AWS calls" in l)
    return wall, rss_mib, calls


def run_cli(emulator):
    started = time.perf_counter()
    result = subprocess.run([os.path.join(ROOT, "scripts/cli-walkthrough.sh")], env=emulator.env(),
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"bench: the CLI walkthrough failed:\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - started


def spread(values):
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def walkthrough(delay_ms):
    """Per lab: wall times, peak RSS, calls; and the total; over RUNS fresh emulators."""
    per_lab = {lab: [] for lab in LABS}
    totals, requests = [], []
    for _ in range(RUNS):
        emulator = Emulator(delay_ms)
        try:
            run_lab(emulator, "status")  # the emulator's first EC2 call loads region data: not the labs' time
            before = emulator.requests()
            total = 0.0
            for lab in LABS:
                wall, rss, calls = run_lab(emulator, lab)
                per_lab[lab].append((wall, rss, calls))
                total += wall
            totals.append(total)
            requests.append(emulator.requests() - before)
        finally:
            emulator.stop()
    return per_lab, totals, requests


def cli_walkthrough():
    times = []
    for _ in range(RUNS):
        emulator = Emulator()
        try:
            run_lab(emulator, "status")
            times.append(run_cli(emulator))
        finally:
            emulator.stop()
    return times


def growth(delay_ms):
    emulator = Emulator(delay_ms)
    try:
        for lab in ["01-keys", "02-volumes", "03-snapshots"]:
            run_lab(emulator, lab)
        three = run_lab(emulator, "04-copy")
        run_lab(emulator, "04-copy", "--undo")
        nine = run_lab(emulator, "04-copy", "--matrix")
        return three, nine
    finally:
        emulator.stop()


def main():
    print(f"# Benchmark ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {RUNS} runs, moto on loopback)\n")
    plain, plain_totals, _ = walkthrough(0)
    cli = cli_walkthrough()
    print("## Walkthrough 01-05 on the emulator, no added delay\n")
    print("| lab | wall: median (min–max) | peak RSS | API calls | minimum | calls / minimum |")
    print("|---|---|---|---|---|---|")
    for lab in LABS:
        runs = plain[lab]
        calls, minimum = runs[0][2], MINIMUM_CALLS[lab]
        print(f"| {lab} | {spread([r[0] for r in runs])} | {max(r[1] for r in runs):.0f} MiB | {calls} | {minimum} | {calls / minimum:.2f} |")
    calls = sum(plain[lab][0][2] for lab in LABS)
    minimum = sum(MINIMUM_CALLS.values())
    print(f"| **labs, total** | {spread(plain_totals)} | | {calls} | {minimum} | **{calls / minimum:.2f}** (goal: at most 1.1) |")
    print(f"| **AWS CLI script** (scripts/cli-walkthrough.sh) | {spread(cli)} | | | | |")
    ratio = statistics.median(plain_totals) / statistics.median(cli)
    print(f"\nRatio labs / CLI: **{ratio:.3f}** (goal: at most 0.1).\n")

    delayed, delayed_totals, requests = walkthrough(DELAY_MS)
    print(f"## The same with {DELAY_MS} ms added to every request and every response\n")
    print("| lab | wall at 0 ms | wall at +delay | sequential round trips (measured) | fewest possible | calls |")
    print("|---|---|---|---|---|---|")
    round_trip = 2 * DELAY_MS / 1000.0
    for lab in LABS:
        base = statistics.median(r[0] for r in plain[lab])
        slow = statistics.median(r[0] for r in delayed[lab])
        print(f"| {lab} | {base:.2f} s | {slow:.2f} s | {max(0.0, (slow - base) / round_trip):.1f} | {CRITICAL_PATH[lab]} | {delayed[lab][0][2]} |")
    base, slow = statistics.median(plain_totals), statistics.median(delayed_totals)
    print(f"| **total** | {base:.2f} s | {slow:.2f} s | {max(0.0, (slow - base) / round_trip):.1f} | {sum(CRITICAL_PATH.values())} | {statistics.median(requests):.0f} requests seen by the proxy |")

    three, nine = growth(DELAY_MS)
    print(f"\n## 04-copy under the delay: 3 copies and 9 (`--matrix`)\n")
    print(f"| copies | wall | API calls |\n|---|---|---|\n| 3 | {three[0]:.2f} s | {three[2]} |\n| 9 | {nine[0]:.2f} s | {nine[2]} |")
    print(f"\nRatio 9 / 3: **{nine[0] / three[0]:.2f}** (goal: at most 1.5).")


if __name__ == "__main__":
    main()
