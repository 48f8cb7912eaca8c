"""Child process of the CEX crash test: order and position executors on the paper exchange.

``python tests/integration/cex_crash_child.py DB_URL STATE_FILE COUNT SEED RUN`` opens the CEX
runtime on the paper exchange kept in ``STATE_FILE`` (its writes answer 30 ms after they land, so
a kill can fall between the venue's ledger and ours; it injects ``FAULTS``, a plan seeded by
SEED and RUN), creates the COUNT order executors (fixed ids: MARKET, LIMIT and LIMIT_MAKER, buys
and sells, near the touch) and COUNT/2 position executors (market and limit entries, resting and
market take profits, stop losses) that are not in the store yet, then plays the paper markets
one step per round. From paper step ``STOP_STEP`` on it stops every executor
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
from lpexec.cex import OrderExecutorConfig, PositionExecutorConfig
from lpexec.core import ExecutorStatus, SimulatedClock

PAIR = "SOL-USDT"
STOP_STEP = 12
"""From this paper step on, every live executor is stopped."""
ROUNDS = 200
FAULTS = "place:504@0.15,place:drop@0.1,cancel:504@0.15,write:500@0.05,read:429=1@0.05"
"""Lost answers of landed writes, dropped writes, 5xx and 429s (a new plan each run)."""
WALL = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
"""A fixed wall clock: paper time moves only by the rounds played."""


def positions(count: int, mid: Decimal) -> list[PositionExecutorConfig]:
    """Positions: market or limit entries, with a resting LIMIT take profit or a market one,
    and a stop loss; tight enough that some close on barriers before the stop step."""
    result = []
    for index in range(count):
        side = "BUY" if index % 2 == 0 else "SELL"
        limit_entry = index % 3 == 1
        barrier = {
            "open_order_type": "LIMIT" if limit_entry else "MARKET",
            "take_profit_order_type": "LIMIT" if index % 2 else "MARKET",
            "take_profit": "0.002",
            "stop_loss": "0.002",
        }
        result.append(
            PositionExecutorConfig(
                id=f"pos-{index}",
                trading_pair=PAIR,
                connector_name=PAPER_EXCHANGE,
                side=side,
                amount=Decimal(1),
                entry_price=(mid * Decimal("0.999")).quantize(Decimal("0.01"))
                if limit_entry and side == "BUY"
                else (mid * Decimal("1.001")).quantize(Decimal("0.01"))
                if limit_entry
                else None,
                triple_barrier_config=barrier,
            )
        )
    return result


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


async def main(database_url: str, state_file: str, count: int, seed: int, run: int) -> None:
    runtime = await open_cex_runtime(
        database_url=database_url,
        paper_state_file=state_file,
        wall_clock=SimulatedClock(WALL),
        write_latency_seconds=0.03,
        faults=FAULTS,
        seed=seed * 100 + run,
    )
    print("STARTED", flush=True)
    engine, paper = runtime.engine, runtime.paper
    assert paper is not None
    first_mid = Decimal(150)  # the paper exchange's first SOL-USDT mid: the workload is fixed
    created = 0
    workload: list[OrderExecutorConfig | PositionExecutorConfig] = [
        *configs(count, first_mid),
        *positions(count // 2, first_mid),
    ]
    for config in workload:
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
    asyncio.run(main(sys.argv[1], sys.argv[2], *(int(arg) for arg in sys.argv[3:6])))
