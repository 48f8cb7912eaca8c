"""How long the ``lpexec`` command takes to start: ``--help``, and ``lp list`` on an empty store.

Each command runs ``--runs`` times as a fresh ``python -m lpexec`` process (its store in a
temporary folder, no real Gateway); the median CPU time (user + system: what the command costs,
less sensitive to a busy machine) and the median wall time of each are printed. Goals (issue 19):
``--help`` <= 0.3 s, ``lp list`` <= 0.8 s on the 2-core machine.

    python bench/cli_startup.py --runs 7

The last line is ``cli_startup: <median> s --help``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("lp", "list"),
    ("swap", "--help"),
    ("--help",),
)


def timed_run(args: tuple[str, ...], env: dict[str, str]) -> tuple[float, float]:
    """Run ``python -m lpexec ARGS`` once; return its wall and CPU (user + system) seconds.

    The CPU time is what the command itself costs, whatever else the machine is doing."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "lpexec", *args], cwd=ROOT, env=env, capture_output=True
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"lpexec {' '.join(args)} failed:\n{done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> None:
    """Time each command and print the medians, ``--help`` last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="Runs of each command.")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {key: value for key, value in os.environ.items() if not key.startswith("LPEXEC_")}
        env["LPEXEC_DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench.db'}"
        env["COLUMNS"] = "120"
        timed_run(("lp", "list"), env)  # creates the store's tables and warms the file cache
        runs = {args: [timed_run(args, env) for _ in range(options.runs)] for args in COMMANDS}
    for args, times in runs.items():
        cpu = statistics.median(cpu for _, cpu in times)
        print(f"cli_startup_cpu: {cpu:.2f} s {' '.join(args)}")
    for args, times in runs.items():
        wall = statistics.median(wall for wall, _ in times)
        print(f"cli_startup: {wall:.2f} s {' '.join(args)}")


if __name__ == "__main__":
    main()
