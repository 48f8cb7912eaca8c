"""Kill -9 an LP executor's process at seeded random moments, restart it: the chain agrees.

A real paper Gateway server runs in its own process (so the chain outlives the engine), with slow
writes so that a kill lands while a transaction is in flight. The child process
(``lp_crash_child.py``) opens one position, closes it with ``keep_position=False`` and swaps the
inventory difference back (the range straddles the active bin, so the close gives back a different
base amount than was deposited), printing STARTED, CLOSING and SWAPPING as it goes; ``crash_runs``
starts it, kills it and runs it to the end.

Each seed picks the swap provider, the pool (the demo price, or a price at the edge of the seeded
liquidity so the open pays BinArray rent) and one or two kills: each after a random marker, a
random delay later. After the last run finishes, the server saves the chain and the executor's
stored state is compared with the chain's transactions and ledger: one open and one close at
most, no swap landed twice, and rent, BinArray rent, refund, tx fees and signatures to the lamport.

The default run takes the two ``DEFAULT_SEEDS`` on SQLite and PostgreSQL; ``LPEXEC_CRASH_SEEDS=N``
runs seeds 0..N-1 instead::

    LPEXEC_CRASH_SEEDS=100 .venv/bin/pytest -m slow tests/integration/test_lp_crash.py
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from chain_audit import ChainBook, audit, load_executors

from fixtures.paper_runtime import CHILD_ENV, ROOT, free_port
from lpexec.core import Database
from lpexec.core.clock import LiveClock
from lpexec.core.store.sql import SqlStore
from lpexec.lp import LPState
from lpexec.paper.chain import PaperChain
from lpexec.paper.gateway.demo import build_demo_chain, demo_pool_address
from tests.integration.crash_runs import kill_then_finish, start_child

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
CHAIN_SEED = 3
SERVER_FAULTS = "open:slow=400ms,close:slow=400ms,swap:slow=400ms,route:slow=400ms"
"""Every write of the workload answers 400 ms late, so kills land while one is in flight."""
MARKERS = ("STARTED", "CLOSING", "SWAPPING")
DEFAULT_SEEDS = (3, 4)
"""Between them: both swap providers, both pools, every marker and a double kill."""
_COUNT = os.environ.get("LPEXEC_CRASH_SEEDS")
SEEDS = range(int(_COUNT)) if _COUNT else DEFAULT_SEEDS


@dataclass(frozen=True)
class Scenario:
    """What one seed does: the workload and where the kills land."""

    swap_provider: str
    pool_price: Decimal | None
    """Where the market moves the pool before the run (None: the demo price, 180)."""
    lower: str
    upper: str
    base: str
    quote: str
    kills: tuple[tuple[str, float], ...]
    """(marker, seconds after it) of each kill, in order."""

    @classmethod
    def from_seed(cls, seed: int) -> Scenario:
        rng = random.Random(f"lp-crash:{seed}")
        provider = rng.choice(["jupiter/router", "meteora/swap"])
        kills = tuple(
            (rng.choice(MARKERS), round(rng.uniform(0.0, 1.2), 3))
            for _ in range(2 if rng.random() < 0.4 else 1)
        )
        if rng.random() < 0.5:
            # At the edge of the seeded liquidity: the range needs a new BinArray (sunk rent).
            return cls(provider, Decimal(240), "233", "248", "0.5", "110", kills)
        return cls(provider, None, "176", "184", "0.5", "90", kills)


@contextmanager
def paper_server(tmp_path: Path, pool_price: Decimal | None) -> Iterator[tuple[str, str, Path]]:
    """A real ``lpexec paper-gateway`` process (seed 3, slow writes) on a free port.

    Yields ``(url, wallet, state_file)``; the chain is saved to ``state_file`` when it ends.
    """
    state = tmp_path / "chain.json"
    chain, wallet = build_demo_chain(seed=CHAIN_SEED, clock=LiveClock())
    if pool_price is not None:
        chain.move_pool_to_price(POOL, pool_price)
    chain.save(state)
    port = free_port()
    command = [sys.executable, "-m", "lpexec", "paper-gateway", "--port", str(port)]
    command += ["--seed", str(CHAIN_SEED), "--state-file", str(state), "--faults", SERVER_FAULTS]
    server = subprocess.Popen(
        command, cwd=ROOT, env=CHILD_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            pytest.fail("the paper gateway server did not start")
        yield url, wallet, state
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)


def child(
    scenario: Scenario, database_url: str, url: str, wallet: str, log: Path
) -> subprocess.Popen[str]:
    arguments = [database_url, url, wallet, POOL, scenario.swap_provider]
    arguments += [scenario.lower, scenario.upper, scenario.base, scenario.quote]
    return start_child("lp_crash_child.py", log, *arguments)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_killed_and_resumed_the_executor_agrees_with_the_chain(tmp_path, database_url, seed):
    # Arrange
    scenario = Scenario.from_seed(seed)
    log = tmp_path / "child.log"
    with paper_server(tmp_path, scenario.pool_price) as (url, wallet, state):
        # Act: kill at each seeded moment, then one run to the end
        _runs, returncode, out, story = kill_then_finish(
            lambda _run: child(scenario, database_url, url, wallet, log),
            scenario.kills,
            log,
            seed,
            final_timeout=180,
        )
    story = f"{scenario}; {story}"
    # Assert
    assert returncode == 0, story
    last = out.strip().splitlines()[-1]
    assert last in ("DONE COMPLETE", "DONE FAILED", "DONE STRANDED"), story
    chain = PaperChain.load(state, clock=LiveClock())
    book = ChainBook.read(chain, wallet)
    database = Database.open(database_url)
    try:
        views = load_executors(SqlStore(database))
    finally:
        database.close()
    assert [view.id for view in views] == ["crash-lp"], story
    (view,) = views
    assert len(book.succeeded("open")) <= 1, story
    assert len(book.succeeded("close")) <= 1, story
    assert audit(book, views, exclusive=True) == [], story
    if view.state.lp_state is LPState.COMPLETE:
        assert chain.positions_owned(wallet) == [], story
        assert len(book.succeeded("open")) == len(book.succeeded("close")) == 1, story
        assert len(book.succeeded("swap", "route")) == (1 if view.state.swap_side else 0), story
