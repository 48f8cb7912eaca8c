"""Helpers of the kill -9 integration tests (``test_cex_crash``, ``test_controller_crash``,
``test_lp_crash``): a child script of this folder started with its stderr added to a log,
SIGKILLed a seeded delay after it prints a marker line (``STARTED`` unless a kill names another),
once per kill, then run once more to the end.

- ``start_child(script, log, *arguments)``: the child process (its stdout piped, text).
- ``kill_after(process, marker, delay)``: kill it ``delay`` seconds after it prints ``marker``.
- ``kill_then_finish(start, kills, log, seed)``: the killed runs and the last one
  (:class:`CrashRuns`).

pytest does not rewrite this module's asserts: the helpers return what the tests check.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from fixtures.paper_runtime import CHILD_ENV, ROOT

__all__ = ["CrashRuns", "Kill", "kill_after", "kill_then_finish", "start_child"]

STARTED = "STARTED"
"""The line every child prints once it has resumed, before it sends anything."""
Kill = tuple[str, float] | float
"""Where a kill lands: ``(marker, seconds after it)``, or only the seconds after ``STARTED``."""


def start_child(script: str, log: Path, *arguments: str) -> subprocess.Popen[str]:
    """Run ``tests/integration/<script>`` with ``arguments``, its stderr added to ``log``."""
    with log.open("a", encoding="utf-8") as stderr:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "tests/integration" / script), *arguments],
            cwd=ROOT,
            env=CHILD_ENV,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )


def kill_after(process: subprocess.Popen[str], marker: str, delay: float) -> str:
    """SIGKILL ``process`` ``delay`` seconds after it prints the line ``marker``; return what it
    printed, then ``KILLED`` if the kill ended it.

    A run that ends before printing ``marker`` is left to end.
    """
    assert process.stdout is not None
    printed = []
    for line in process.stdout:
        printed.append(line)
        if line.strip() == marker:
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    printed.append(process.stdout.read())
    process.stdout.close()
    if process.returncode == -signal.SIGKILL:
        printed.append("KILLED")
    return " ".join("".join(printed).split())


class CrashRuns(NamedTuple):
    """What the killed runs and the last run of a child did."""

    runs: list[str]
    """Each killed run: its marker and delay, what it printed and KILLED if the kill ended it."""
    returncode: int | None
    """The last run's exit status."""
    out: str
    """What the last run printed."""
    story: str
    """The seed, the killed runs, the last run's output and the log's end: what a failed check
    shows."""


def kill_then_finish(
    start: Callable[[int], subprocess.Popen[str]],
    kills: Sequence[Kill],
    log: Path,
    seed: int,
    *,
    final_timeout: float = 300,
) -> CrashRuns:
    """Start the child (``start(run)``, ``run`` counting from 0) once per kill of ``kills`` and
    kill it that long after it printed the kill's marker (``STARTED`` for a bare delay), then
    start it once more and let it end (up to ``final_timeout`` seconds)."""
    runs = []
    for run, kill in enumerate(kills):
        marker, delay = kill if isinstance(kill, tuple) else (STARTED, kill)
        process = start(run)
        try:
            runs.append(f"kill at {marker}+{delay}s: " + kill_after(process, marker, delay))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    final = start(len(kills))
    try:
        out, _ = final.communicate(timeout=final_timeout)
    finally:
        if final.poll() is None:
            final.kill()
            final.wait(timeout=30)
    child_log = log.read_text(encoding="utf-8")[-4000:]
    story = f"seed {seed}; runs: {runs}; last run: {' '.join(out.split())}; child log: {child_log}"
    return CrashRuns(runs, final.returncode, out, story)
