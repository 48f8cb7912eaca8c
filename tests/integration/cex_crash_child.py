"""Child process of the CEX crash test: order executors on the paper exchange, to the end.

``python tests/integration/cex_crash_child.py DB_URL STATE_FILE COUNT`` opens the CEX runtime on
the paper exchange kept in ``STATE_FILE`` (its writes answer 30 ms after they land, so a kill can
fall between the venue's ledger and ours), creates the COUNT order executors (fixed ids: MARKET,
LIMIT and LIMIT_MAKER, buys and sells, near the touch) that are not in the store yet, then plays
the paper markets one step per round. From paper step ``STOP_STEP`` on it stops every executor
still live (their resting orders are canceled). It prints ``STARTED`` once the engine has
resumed and ``DONE <json summary>`` when every executor has terminated.

Run again after a SIGKILL it resumes: the venue's state file and the store are what they were.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from decimal import Decimal

from lpexec.app.cex_runtime import PAPER_EXCHANGE, open_cex_runtime
from lpexec.cex import OrderExecutorConfig
from lpexec.core import ExecutorStatus, SimulatedClock

PAIR = "SOL-USDT"
STOP_STEP = 12
"""From this paper step on, every live executor is stopped."""
ROUNDS = 200
WALL = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
"""A fixed wall clock: paper time moves only by the rounds played."""


def configs(count: int, mid: Decimal) -> list[OrderExecutorConfig]:
    """The workload: each executor's order depends only on its index and the first mid."""
    result = []
    strategies = ("MARKET", "LIMIT", "LIMIT_MAKER", "LIMIT")
    for index in range(count):
        side = "BUY" if index % 2 == 0 else "SELL"
        strategy = strategies[index % len(strategies)]
        price = None
        if strategy != "MARKET":
            # within a few tenths of a percent of the touch: some fill, some rest until stopped
            offset = Decimal("0.001") * (index % 5)
            factor = 1 - offset if side == "BUY" else 1 + offset
            price = (mid * factor).quantize(Decimal("0.01"))
        result.append(
            OrderExecutorConfig(
                id=f"cex-{index}",
                trading_pair=PAIR,
                connector_name=PAPER_EXCHANGE,
                side=side,
                amount=Decimal("0.5") + Decimal(index % 3),
                execution_strategy=strategy,
                price=price,
            )
        )
    return result


async def main(database_url: str, state_file: str, count: int) -> None:
    runtime = await open_cex_runtime(
        database_url=database_url,
        paper_state_file=state_file,
        wall_clock=SimulatedClock(WALL),
        write_latency_seconds=0.03,
    )
    print("STARTED", flush=True)
    engine, paper = runtime.engine, runtime.paper
    assert paper is not None
    first_mid = Decimal(150)  # the paper exchange's first SOL-USDT mid: the workload is fixed
    created = 0
    for config in configs(count, first_mid):
        if not engine.has_executor(config.id):
            await engine.create(config)
            created += 1
            await runtime.settle()
    for _ in range(ROUNDS):
        if paper.step >= STOP_STEP:
            for executor in engine.live_executors():
                if executor.status is not ExecutorStatus.CLOSING:
                    await engine.stop(executor.id)
            await runtime.settle()
        if engine.active_count == 0:
            break
        await runtime.advance(1)
    summary = {
        "created": created,
        "live": engine.active_count,
        "step": paper.step,
    }
    await runtime.aclose()
    print("DONE " + json.dumps(summary), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
