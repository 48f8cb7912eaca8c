"""DCA executor latency: 10,000 DCAs (three MAKER levels each, every exit armed) receive one price.

Every executor has its first level filled (so take profit, trailing stop and time limit are
armed) and its other two levels resting, half BUY and half SELL, with prices such that no price
published here fires an exit or places a level: the timed part is the checking. Figures are
medians over ``--rounds`` prices, per executor per price, in CPU time of this process
(``process_time``; the wall-clock median beside it):

- ``apply``: ``executor.apply(event)`` for each executor, no engine;
- ``allocated by apply``: bytes still allocated after one such price (tracemalloc; 0 expected);
- ``engine``: ``Engine.publish_price`` through a real :class:`~lpexec.core.Engine` on a
  ``MemoryStore``, the executors saved to the store and resumed by ``Engine.start``.

Prints ``cex_dca: X us/executor/event`` (through the engine) on its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
import tracemalloc
from decimal import Decimal

from lpexec.cex.dca import DCAExecutor, DCAExecutorConfig
from lpexec.core import (
    UTC,
    Engine,
    ExecutorStarted,
    MemoryStore,
    OrderFilled,
    PriceUpdated,
    SimulatedClock,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
PAIR = "SOL-USDT"


def build(count: int) -> list[DCAExecutor]:
    """``count`` DCAs, level 0 filled at 100 (BUY levels 100, 90, 80; SELL 100, 110, 120)."""
    executors = []
    for index in range(count):
        side = "BUY" if index % 2 else "SELL"
        step = Decimal(-10) if side == "BUY" else Decimal(10)
        config = DCAExecutorConfig(
            id=f"dca-{index}",
            trading_pair=PAIR,
            connector_name="binance",
            side=side,
            amounts_quote=[Decimal(100), Decimal(200), Decimal(300)],
            prices=[Decimal(100) + step * i for i in range(3)],
            take_profit=Decimal("0.05"),
            stop_loss=Decimal("0.2"),
            trailing_stop={"activation_price": Decimal("0.03"), "trailing_delta": Decimal("0.01")},
            time_limit=86_400,
        )
        executor = DCAExecutor(config, created_at=T0)
        first, _second, _third = executor.apply(ExecutorStarted(ts_event=T0))
        executor.apply(
            OrderFilled(
                ts_event=T0,
                command_id=first.command_id,
                client_order_id=first.client_order_id,  # type: ignore[attr-defined]
                fill_id=f"fill-{index}",
                side=side,
                base_amount=Decimal(1),
                price=Decimal(100),
                fee_quote=Decimal("0.01"),
                is_final=True,
            )
        )
        executors.append(executor)
    return executors


def prices(rounds: int) -> list[Decimal]:
    """Prices within 1 % of 100: no exit fires, no trailing stop arms."""
    return [Decimal(100) + Decimal(step % 21 - 10) / 10 for step in range(rounds)]


def time_apply(count: int, rounds: int) -> list[float]:
    executors = build(count)
    timings = []
    for step, price in enumerate(prices(rounds)):
        event = PriceUpdated(
            ts_event=T0 + dt.timedelta(seconds=step), trading_pair=PAIR, price=price
        )
        cpu = time.process_time()
        for executor in executors:
            assert not executor.apply(event)
        timings.append((time.process_time() - cpu) / count * 1e6)
    return timings


def allocated_per_event(count: int) -> float:
    executors = build(count)
    event = PriceUpdated(ts_event=T0, trading_pair=PAIR, price=Decimal("100.3"))
    for executor in executors:
        executor.apply(event)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for executor in executors:
        executor.apply(event)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / count


async def time_engine(count: int, rounds: int) -> list[float]:
    clock = SimulatedClock(T0)
    engine = Engine(store=MemoryStore(), clock=clock, executor_types=[DCAExecutor], venues={})
    with engine.store.transaction() as unit:
        for executor in build(count):
            unit.save_executor(executor, now=T0)
    assert len((await engine.start()).resumed) == count
    timings = []
    for price in prices(rounds):
        clock.advance(seconds=1)
        cpu = time.process_time()
        assert engine.publish_price(PAIR, price) == count
        timings.append((time.process_time() - cpu) / count * 1e6)
    assert not engine.has_work
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executors", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    applied = statistics.median(time_apply(args.executors, args.rounds))
    engine = statistics.median(asyncio.run(time_engine(args.executors, args.rounds)))
    print(f"executors: {args.executors}, prices: {args.rounds}, levels: 3, exits armed")
    print(f"apply: {applied:.2f} us/executor/event CPU")
    print(f"allocated by apply: {allocated_per_event(args.executors):.1f} B/executor/event")
    print(f"cex_dca: {engine:.2f} us/executor/event")


if __name__ == "__main__":
    main()
