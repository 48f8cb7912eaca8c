"""Helpers of the kill -9 integration tests (``test_cex_crash``, ``test_controller_crash``): a
child script of this folder started with its stderr added to a log, SIGKILLed a seeded delay after
it says ``STARTED``, once per delay, then run once more to the end.

- ``start_child(script, log, *arguments)``: the child process (its stdout piped, text).
- ``kill_after_start(process, delay)``: kill it ``delay`` seconds after it started.
- ``kill_then_finish(start, kills, log, seed)``: the killed runs and the last one
  (:class:`CrashRuns`).

pytest does not rewrite this module's asserts: the helpers return what the tests check.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

__all__ = ["CrashRuns", "kill_after_start", "kill_then_finish", "start_child"]

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def start_child(script: str, log: Path, *arguments: str) -> subprocess.Popen[str]:
    """Run ``tests/integration/<script>`` with ``arguments``, its stderr added to ``log``."""
    with log.open("a", encoding="utf-8") as stderr:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "tests/integration" / script), *arguments],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )


def kill_after_start(process: subprocess.Popen[str], delay: float) -> str:
    """SIGKILL ``process`` ``delay`` seconds after it prints STARTED; return what it printed."""
    assert process.stdout is not None
    printed = process.stdout.readline().strip()
    if printed == "STARTED":
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    rest = process.stdout.read()
    process.stdout.close()
    return printed + " " + rest.strip()


class CrashRuns(NamedTuple):
    """What the killed runs and the last run of a child did."""

    runs: list[str]
    """Each killed run: its delay and what it printed."""
    returncode: int | None
    """The last run's exit status."""
    out: str
    """What the last run printed."""
    story: str
    """The seed, the killed runs and the log's end: what a failed check shows."""


def kill_then_finish(
    start: Callable[[int], subprocess.Popen[str]], kills: Sequence[float], log: Path, seed: int
) -> CrashRuns:
    """Start the child (``start(run)``, ``run`` counting from 0) once per delay of ``kills`` and
    kill it that long after it started, then start it once more and let it end (up to 300 s)."""
    runs = []
    for run, delay in enumerate(kills):
        process = start(run)
        try:
            runs.append(f"kill at +{delay}s: " + kill_after_start(process, delay))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    final = start(len(kills))
    try:
        out, _ = final.communicate(timeout=300)
    finally:
        if final.poll() is None:
            final.kill()
            final.wait(timeout=30)
    story = f"seed {seed}; runs: {runs}; child log: {log.read_text(encoding='utf-8')[-4000:]}"
    return CrashRuns(runs, final.returncode, out, story)
