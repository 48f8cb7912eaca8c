"""Kill -9 during OPENING and during CLOSING, restart: one position opened, closed once.

A real paper Gateway server runs in its own process (so the chain outlives the engine), with slow
writes so that the kill lands while a transaction is in flight. Each seed kills the engine at a
seeded random moment after it starts (OPENING) or after it asks for the close (CLOSING), runs it
again to the end, stops the server (which saves the chain) and counts the wallet's transactions.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paper.chain import PaperChain, WallClock
from paper.gateway import build_paper_gateway
from paper.gateway.demo import demo_pool_address

ROOT = Path(__file__).resolve().parents[2]
POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
SEEDS = range(3)
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def child(database_url: str, url: str, wallet: str) -> subprocess.Popen[str]:
    script = str(ROOT / "tests/integration/lp_crash_child.py")
    return subprocess.Popen(
        [sys.executable, script, database_url, url, wallet, POOL],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def landed(chain: PaperChain, operation: str, wallet: str) -> list[str]:
    return [
        tx.signature
        for tx in chain.transactions()
        if tx.operation == operation and tx.payer == wallet and tx.landed and tx.error is None
    ]


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("phase", ["STARTED", "CLOSING"])
def test_kill_then_resume_opens_once_and_closes_once(tmp_path, paper_server, phase, seed):
    # Arrange
    server, url, state = paper_server
    wallet = build_paper_gateway(seed=3).wallet
    database_url = f"sqlite:///{tmp_path / 'engine.db'}"
    delay = random.Random(f"{phase}-{seed}").uniform(0.0, 0.9)
    # Act: run, kill at the seeded moment after the phase marker, run again to the end
    first = child(database_url, url, wallet)
    assert first.stdout is not None
    for line in first.stdout:
        if line.strip() == phase:
            break
    time.sleep(delay)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    first.stdout.close()
    first.stderr.close()
    second = child(database_url, url, wallet)
    out, err = second.communicate(timeout=180)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    # Assert
    assert second.returncode == 0, err
    assert out.strip().splitlines()[-1] == "DONE COMPLETE", err
    chain = PaperChain.load(state, clock=WallClock())
    assert len(landed(chain, "open", wallet)) == 1
    assert len(landed(chain, "close", wallet)) == 1
    assert chain.positions_owned(wallet) == []
