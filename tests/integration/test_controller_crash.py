"""Kill -9 the controller host at seeded random moments: no level quoted twice, no side over its
maximum, no executor created twice, nothing stranded.

A child process (``controller_crash_child.py``) runs a market-making controller (two levels per
side) and a directional controller on the paper exchange, on SQLite and on PostgreSQL. Each seed
kills it once or twice at a random delay after it started, then runs it to the end. The store
must then show, for every level of the market maker, executors whose lives never overlap (a level
never had two executors at once: a create lost from the controller's state was adopted, not
repeated), for the directional controller at most two live executors per side at any time, ids
``<controller>-0..n-1`` without gaps, every executor ended or running normally, none stranded.
"""

from __future__ import annotations

import json
import random
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from lpexec.core import Database, SqlStore
from tests.integration.crash_runs import kill_then_finish, start_child

TICKS = 24
SEEDS = (0, 1, 2)


def child(database_url: str, state: Path, log: Path) -> subprocess.Popen[str]:
    return start_child("controller_crash_child.py", log, database_url, str(state), str(TICKS))


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_killed_controllers_never_create_twice(tmp_path, database_url, seed):
    # Arrange
    rng = random.Random(f"controller-crash:{seed}")
    kills = [round(rng.uniform(0.1, 1.5), 3) for _ in range(1 + (rng.random() < 0.5))]
    state, log = tmp_path / "paper-exchange.json", tmp_path / "child.log"
    # Act: kill after each seeded delay, then one run to the end
    runs, returncode, out, story = kill_then_finish(
        lambda _run: child(database_url, state, log), kills, log, seed
    )
    # Assert
    assert "DONE" not in runs[0], story  # the first kill landed mid-run
    assert returncode == 0, story
    assert json.loads(out.strip().splitlines()[-1][5:])["step"] == TICKS, story
    database = Database.open(database_url)
    try:
        rows = SqlStore(database).list_executors(limit=10_000)
        configs = {row.executor_id: row.load_config() for row in rows}
    finally:
        database.close()
    lives: dict[tuple[str, str], list[tuple[object, object, str]]] = defaultdict(list)
    for row in rows:
        assert row.stranded_reason is None, story
        level = configs[row.executor_id].get("level_id") or ""
        lives[(row.controller_id, level)].append((row.created_at, row.closed_at, row.executor_id))
    for controller in ("mm", "dir"):
        ids = sorted(
            int(row.executor_id.rsplit("-", 1)[1])
            for row in rows
            if row.controller_id == controller
        )
        assert ids == list(range(len(ids))) and ids, story
    assert {level for (cid, level) in lives if cid == "mm"} == {
        "buy_0",
        "buy_1",
        "sell_0",
        "sell_1",
    }, story
    for (controller, _level), spans in lives.items():
        spans.sort(key=lambda span: (span[0], span[2]))
        limit = 1 if controller == "mm" else 2
        for index, (created, _closed, executor_id) in enumerate(spans):
            live_then = [
                other
                for other in spans[:index]
                if other[1] is None or other[1] > created  # still open when this one started
            ]
            assert len(live_then) < limit, f"{executor_id} overlaps {live_then}; {story}"
