"""Crash test: SIGKILL the engine at random moments, restart it, check nothing ran twice.

Each seed runs a child engine (``crash_child``) with order and liquidity executors that write to a
durable venue, kills it after a seeded random delay, restarts it to completion and then checks that
every executor terminated, every intent is DONE, and the venue carried out each intent exactly once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from fixtures.venues import LedgerVenue
from lpexec.core import Database, ExecutorStatus
from lpexec.core.store import IntentStatus, executors_table, intents_table

ROOT = Path(__file__).resolve().parents[2]
SEEDS = range(20)
COUNT = 6  # executors of each family


def spawn(database_url: str, venue_path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.core.crash_child", database_url, str(venue_path), str(COUNT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_kill_at_a_random_moment_then_resume(tmp_path, seed, clock):
    # Arrange
    database_url = f"sqlite:///{tmp_path / 'engine.db'}"
    venue_path = tmp_path / "venue.db"
    delay = random.Random(seed).uniform(0.0, 0.2)
    # Act: run, kill after the seeded delay, run again to the end
    child = spawn(database_url, venue_path)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "STARTED"
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    first_output = child.stdout.read()
    child.stdout.close()
    child.stderr.close()
    again = spawn(database_url, venue_path)
    out, err = again.communicate(timeout=120)
    # Assert
    assert again.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    database = Database.open(database_url)
    with database.connect() as connection:
        executors = connection.execute(select(executors_table)).all()
        intents = connection.execute(select(intents_table)).all()
    database.close()
    assert first_output == "", "the first run finished before it was killed"
    assert len(executors) == 2 * COUNT
    assert summary["resumed"] + summary["created"] == 2 * COUNT
    assert {row.status for row in executors} == {ExecutorStatus.TERMINATED.value}
    assert all(row.stranded_reason is None for row in executors)
    assert {row.status for row in intents} == {IntentStatus.DONE}
    venue = LedgerVenue(venue_path, clock=clock)
    executions = venue.executions()
    venue.close()
    assert set(executions) == {row.intent_id for row in intents}
    assert set(executions.values()) == {1}, "an intent's write was carried out twice"
