"""Child process for the crash test: runs an engine until every executor has terminated.

Run as ``python -m tests.core.crash_child DB_URL VENUE_PATH N``. It creates any of the N order
executors and N liquidity executors that are not in the store yet (fixed ids), resumes the rest,
and walks a fixed price path. It prints ``STARTED`` once the engine has started and a JSON summary
line when everything has terminated. The parent kills it with SIGKILL at random moments.
"""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal

from fixtures.executors import (
    BarrierOrderConfig,
    BarrierOrderExecutor,
    RangeLiquidityConfig,
    RangeLiquidityExecutor,
)
from fixtures.venues import LedgerVenue
from lpexec.core import Database, Engine, LiveClock, UnknownExecutorError

PATH = [Decimal(p) for p in ("100", "101", "102", "103.5", "101", "99", "97", "96", "104", "106")]


def configs(count: int) -> list[BarrierOrderConfig | RangeLiquidityConfig]:
    result: list[BarrierOrderConfig | RangeLiquidityConfig] = []
    for index in range(count):
        side = "BUY" if index % 2 == 0 else "SELL"
        result.append(
            BarrierOrderConfig(
                id=f"order-{index}",
                amount=Decimal(1),
                side=side,
                take_profit=Decimal("0.03"),
                stop_loss=Decimal("0.03"),
            )
        )
        result.append(
            RangeLiquidityConfig(
                id=f"range-{index}",
                lower_price=Decimal(95),
                upper_price=Decimal(105),
                base_amount=Decimal(1),
                quote_amount=Decimal(100),
            )
        )
    return result


async def main(database_url: str, venue_path: str, count: int) -> None:
    clock = LiveClock()
    database = Database.open(database_url)
    venue = LedgerVenue(venue_path, clock=clock, latency_seconds=0.02)
    engine = Engine(
        database=database,
        clock=clock,
        executor_types=[BarrierOrderExecutor, RangeLiquidityExecutor],
        venues={"exchange": venue, "dex": venue},
    )
    report = await engine.start()
    print("STARTED", flush=True)
    created = 0
    for config in configs(count):
        try:
            engine.info(config.id)
        except UnknownExecutorError:
            await engine.create(config)
            created += 1
        await engine.drain()
    step = 0
    while engine.active_count or engine.has_work:
        price = PATH[step % len(PATH)]
        venue.price = price
        engine.publish_price("SOL-USDC", price)
        await engine.drain()
        step += 1
        if step > 500:
            stuck = [
                (executor_id, executor.status.value, executor.snapshot()["state"])
                for executor_id, executor in engine._executors.items()
                if not executor.is_terminated
            ]
            raise SystemExit(f"executors did not finish: {stuck} unresolved={engine._unresolved}")
    summary = {"resumed": len(report.resumed), "created": created, "steps": step}
    print(json.dumps(summary), flush=True)
    database.close()
    venue.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
