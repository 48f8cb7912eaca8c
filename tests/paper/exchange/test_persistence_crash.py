"""A process killed with SIGKILL while saving after every operation leaves a state file that
loads, whole, and equals the exchange's state after the last operation it reported or the next
one (whose save may have finished just before the kill)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lpexec.paper.exchange import PaperExchange

from .save_child import apply, new_exchange

CHILD = Path(__file__).with_name("save_child.py")
ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_while_saving_the_file_is_a_whole_recent_state(tmp_path, seed):
    # Arrange
    state = tmp_path / "exchange.json"
    kill_after = 15 + 17 * seed
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(CHILD), str(state), str(seed)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    # Act: kill -9 once the child reported kill_after saves, then read what it had reported
    # before it died (it runs ahead of this reader)
    reported, killed = -1, False
    assert process.stdout is not None
    for line in process.stdout:
        reported = int(line)
        if reported >= kill_after and not killed:
            os.kill(process.pid, signal.SIGKILL)
            killed = True
    process.wait()
    process.stdout.close()
    # Assert
    assert process.returncode == -signal.SIGKILL and reported >= kill_after
    loaded = PaperExchange.load(state).to_dict()
    replay, rng = new_exchange(), random.Random(seed)
    candidates = []
    for index in range(reported + 2):
        apply(replay, rng, index)
        if index >= reported:
            candidates.append(replay.to_dict())
    assert loaded in candidates
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "exchange.json"]
    assert all(name.endswith(".tmp") for name in leftovers)  # at most the torn temporary
