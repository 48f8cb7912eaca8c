"""How long the ``lpexec`` command takes to start: ``--help``, and ``lp list`` on an empty store.

Each command runs ``--runs`` times as a fresh ``python -m lpexec`` process (its store in a
temporary folder, no real Gateway); the median wall time of each is printed. Goals (issue 19):
``--help`` <= 0.3 s, ``lp list`` <= 0.8 s on the 2-core machine.

    python bench/cli_startup.py --runs 7

The last line is ``cli_startup: <median> s --help``.
"""

from __future__ import annotations

import argparse
import os
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


def timed_run(args: tuple[str, ...], env: dict[str, str]) -> float:
    """Run ``python -m lpexec ARGS`` once; return its wall time in seconds."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "lpexec", *args], cwd=ROOT, env=env, capture_output=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"lpexec {' '.join(args)} failed:\n{done.stderr.decode()[-2000:]}")
    return elapsed


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
        medians = {
            args: statistics.median(timed_run(args, env) for _ in range(options.runs))
            for args in COMMANDS
        }
    for args, median in medians.items():
        print(f"cli_startup: {median:.2f} s {' '.join(args)}")


if __name__ == "__main__":
    main()
