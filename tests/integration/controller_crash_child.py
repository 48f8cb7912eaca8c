"""Child process of the controller crash test: a market-making and a directional controller run
by the controller host on the paper exchange.

``python tests/integration/controller_crash_child.py DB_URL STATE_FILE TICKS`` opens the host on
the store and the paper exchange kept in ``STATE_FILE`` (its writes answer 20 ms after they land,
so a kill can fall between the venue's ledger and ours) and ticks, with a short real pause, one
paper step of a fixed simulated wall clock per tick, until the paper exchange has played
``TICKS`` steps. It prints ``STARTED`` once the host has resumed and ``DONE <json summary>``
at the end.

Run again after a SIGKILL it resumes where the state file and the store say it was.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from lpexec.app.controller_host import open_controller_host
from lpexec.app.paper_market import PaperMarkets
from lpexec.core import SimulatedClock

WALL = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
TICK_PAUSE_SECONDS = 0.07
"""Real time between ticks, so a run of 24 ticks lasts longer than the test's latest kill
(1.5 s) however fast the machine: the first kill always lands mid-run."""
TABLES: list[dict[str, Any]] = [
    {
        "controller_type": "market_making",
        "id": "mm",
        "connector_name": "paper",
        "trading_pair": "SOL-USDT",
        "total_amount_quote": "600",
        "buy_spreads": ["0.0003", "0.001"],
        "sell_spreads": ["0.0003", "0.001"],
        "executor_refresh_time": 180,
        "cooldown_time": 60,
        "stop_loss": "0.002",
        "take_profit": "0.001",
        "time_limit": 600,
        "take_profit_order_type": "MARKET",
    },
    {
        "controller_type": "directional",
        "id": "dir",
        "connector_name": "paper",
        "trading_pair": "ETH-USDT",
        "total_amount_quote": "1000",
        "signal": "tests.app.controller_signals:long_then_short",
        "lookback": 5,
        "max_executors_per_side": 2,
        "cooldown_time": 120,
        "stop_loss": "0.003",
        "take_profit": "0.003",
        "time_limit": 600,
        "take_profit_order_type": "MARKET",
    },
]


def wall_start(state_file: str) -> dt.datetime:
    """Where the last run's wall clock stopped (so a restart catches nothing up)."""
    if Path(state_file).exists():
        return PaperMarkets.load_or_new(state_file, seed=0, now=WALL).wall_time
    return WALL


async def main(database_url: str, state_file: str, ticks: int) -> None:
    wall = SimulatedClock(wall_start(state_file))
    host = await open_controller_host(
        TABLES,
        database_url=database_url,
        paper_state_file=state_file,
        wall_clock=wall,
        write_latency_seconds=0.02,
        out=lambda line: None,
    )
    print("STARTED", flush=True)
    paper = host.runtime.paper
    assert paper is not None
    while paper.step < ticks:
        wall.advance(60)
        await host.tick()
        await asyncio.sleep(TICK_PAUSE_SECONDS)
    summary = {"step": paper.step, "created": host.runner.created}
    await host.aclose()
    print("DONE " + json.dumps(summary), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
