"""LP engine latency: 10,000 LP executors on paper pools receive one price update.

Executors are opened in memory (their ``PositionOpened`` built from real paper DLMM pools: 100
pools, 100 positions each), saved in one transaction and resumed by a fresh engine. The timed part
is one ``publish_price`` per pool at a new active bin (every executor re-checks its range, limits
and timers). Prints ``lp_engine: N ms per update (10000 executors)`` last.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from lpexec.core import UTC, Database, Engine, ExecutorStarted, SimulatedClock
from lpexec.core.serialization import dumps
from lpexec.core.store import repository as repo
from lpexec.lp import LPExecutor, LPExecutorConfig
from lpexec.lp.messages import PositionOpened, publish_pool_price
from lpexec.paper.pools import DlmmPool

T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
SOL = "So11111111111111111111111111111111111111112"
USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"


def build(executors: int, pools: int) -> tuple[list[LPExecutor], list[DlmmPool]]:
    dlmm_pools = [
        DlmmPool.at_price(
            f"pool-{index}",
            price=Decimal(180),
            base_mint=SOL,
            quote_mint=USDC,
            base_decimals=9,
            quote_decimals=6,
            bin_step=10,
        )
        for index in range(pools)
    ]
    result = []
    for index in range(executors):
        pool = dlmm_pools[index % pools]
        active = pool.active_bin_id
        lower, upper = active - 30 - index % 5, active + 30 + index % 7
        config = LPExecutorConfig(
            id=f"lp-{index}",
            pool_address=pool.address,
            trading_pair="SOL-USDC",
            lower_price=pool.bin_price(lower),
            upper_price=pool.bin_price(upper),
            base_amount=Decimal(1),
            quote_amount=Decimal(180),
            auto_close_above_range_seconds=3600,
            auto_close_below_range_seconds=3600,
            upper_limit_price=Decimal(400),
            lower_limit_price=Decimal(50),
        )
        executor = LPExecutor(config, created_at=T0)
        (command,) = executor.apply(ExecutorStarted(ts_event=T0))
        executor.apply(
            PositionOpened(
                ts_event=T0,
                command_id=command.command_id,
                position_address=f"pos-{index}",
                base_amount=Decimal(1),
                quote_amount=Decimal(180),
                lower_price=config.lower_price,
                upper_price=config.upper_price,
                lower_bin_id=lower,
                upper_bin_id=upper,
                active_bin_id=active,
                price=pool.price,
                position_rent=Decimal("0.05740608"),
                tx_fee=Decimal("0.000025"),
            )
        )
        result.append(executor)
    return result, dlmm_pools


async def run(executors: int, pools: int, updates: int) -> list[float]:
    clock = SimulatedClock(T0)
    built, dlmm_pools = build(executors, pools)
    with tempfile.TemporaryDirectory() as folder:
        database = Database.open(f"sqlite:///{Path(folder) / 'bench.db'}")
        with database.begin() as connection:
            for executor in built:
                repo.save_executor(
                    connection,
                    info=executor.info(T0),
                    config_json=dumps(executor.config.model_dump(mode="json")),
                    snapshot=executor.snapshot(),
                    now=T0,
                )
        engine = Engine(database=database, clock=clock, executor_types=[LPExecutor], venues={})
        report = await engine.start()
        assert len(report.resumed) == executors
        timings = []
        for update in range(updates):
            clock.advance(seconds=1)
            shift = (update % 9) - 4  # stays inside every range: no closes, pure checking
            started = time.perf_counter()
            for pool in dlmm_pools:
                active = pool.active_bin_id + shift
                publish_pool_price(
                    engine,
                    "SOL-USDC",
                    pool.bin_price(active),
                    pool_address=pool.address,
                    active_bin_id=active,
                )
            timings.append((time.perf_counter() - started) * 1000)
        assert engine.active_count == executors and not engine.has_work
        database.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executors", type=int, default=10_000)
    parser.add_argument("--pools", type=int, default=100)
    parser.add_argument("--updates", type=int, default=20)
    args = parser.parse_args()
    timings = asyncio.run(run(args.executors, args.pools, args.updates))
    print(f"updates: {len(timings)}, min {min(timings):.1f} ms, max {max(timings):.1f} ms")
    print(f"lp_engine: {statistics.median(timings):.1f} ms per update ({args.executors} executors)")


if __name__ == "__main__":
    main()
