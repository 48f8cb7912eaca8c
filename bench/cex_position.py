"""Position executor latency: 10,000 triple-barrier positions receive one price.

Every executor has every barrier armed (stop loss, take profit, trailing stop, time limit) and its
entry filled, half long and half short, with entry prices spread so that no price published here
fires or moves a barrier: the timed part is the pure checking. Figures are medians over
``--rounds`` prices, per executor per price, in CPU time of this process (``process_time``: a
loaded machine's other processes do not count; the wall-clock median is printed beside it):

- ``apply``: ``executor.apply(event)`` for each executor, no engine;
- ``allocated by apply``: bytes still allocated after one such price (tracemalloc; 0 expected);
- ``engine``: ``Engine.publish_price`` (routing, dispatch, the no-change check) through a real
  :class:`~lpexec.core.Engine` on a ``MemoryStore`` and a ``SimulatedClock``, the executors
  built in memory, saved to the store and resumed by ``Engine.start`` (the restore path);
- ``engine floor``: the same for executors whose price handler does nothing (what the engine
  itself costs per executor on this machine, measured alongside: it puts the figure in context
  when the machine is loaded).

Prints ``cex_position: X us/executor/event`` (through the engine) on its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from decimal import Decimal

from lpexec.cex.position import PositionExecutor, PositionExecutorConfig, PositionState
from lpexec.core import (
    UTC,
    Command,
    Engine,
    Executor,
    ExecutorConfig,
    ExecutorStarted,
    MemoryStore,
    OrderFilled,
    PriceUpdated,
    SimulatedClock,
    on,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
PAIR = "SOL-USDT"


class IdleConfig(ExecutorConfig):
    """An executor on the pair that does nothing with prices (the engine floor)."""

    type = "bench_idle"

    trading_pair: str = PAIR


@dataclass(slots=True)
class IdleState:
    seen: int = 0


class IdleExecutor(Executor[IdleConfig, IdleState]):
    """Receives prices and wants nothing."""

    config_class = IdleConfig
    state_class = IdleState

    @on(PriceUpdated)
    def _price(self, _event: PriceUpdated) -> list[Command]:
        return []


def build(count: int) -> list[PositionExecutor]:
    """``count`` positions, entry filled at 100 +/- a little, every barrier armed."""
    executors = []
    for index in range(count):
        side = "BUY" if index % 2 else "SELL"
        entry = Decimal(100) + Decimal(index % 7 - 3) / 10
        config = PositionExecutorConfig(
            id=f"pos-{index}",
            trading_pair=PAIR,
            connector_name="binance",
            side=side,
            amount=Decimal(1),
            entry_price=entry,
            triple_barrier_config={
                "stop_loss": Decimal("0.05"),
                "take_profit": Decimal("0.05"),
                "time_limit": 86_400,
                "trailing_stop": {
                    "activation_price": Decimal("0.03"),
                    "trailing_delta": Decimal("0.01"),
                },
                "open_order_type": "LIMIT",
            },
        )
        executor = PositionExecutor(config, created_at=T0)
        (order,) = executor.apply(ExecutorStarted(ts_event=T0))
        executor.apply(
            OrderFilled(
                ts_event=T0,
                command_id=order.command_id,
                client_order_id=order.client_order_id,  # type: ignore[attr-defined]
                fill_id=f"fill-{index}",
                side=side,
                base_amount=Decimal(1),
                price=entry,
                fee_quote=Decimal("0.01"),
            )
        )
        assert executor.state.position_state is PositionState.OPEN
        executors.append(executor)
    return executors


def prices(rounds: int) -> list[Decimal]:
    """Prices within 1 % of 100: inside every barrier of every executor."""
    return [Decimal(100) + Decimal(step % 21 - 10) / 10 for step in range(rounds)]


Timings = tuple[list[float], list[float]]
"""CPU and wall microseconds per executor, one entry per price."""


def time_apply(count: int, rounds: int) -> Timings:
    executors = build(count)
    timings: Timings = ([], [])
    for step, price in enumerate(prices(rounds)):
        event = PriceUpdated(
            ts_event=T0 + dt.timedelta(seconds=step), trading_pair=PAIR, price=price
        )
        cpu, wall = time.process_time(), time.perf_counter()
        for executor in executors:
            executor.apply(event)
        timings[0].append((time.process_time() - cpu) / count * 1e6)
        timings[1].append((time.perf_counter() - wall) / count * 1e6)
    assert all(e.state.position_state is PositionState.OPEN for e in executors)
    assert all(e.state.trailing_stop_price is None for e in executors)
    return timings


def allocated_per_event(count: int) -> float:
    """Bytes still allocated per executor after one price that fires nothing (the handler keeps
    the price it saw, a reference; it should allocate nothing)."""
    executors = build(count)
    event = PriceUpdated(ts_event=T0, trading_pair=PAIR, price=Decimal("100.3"))
    for executor in executors:  # warm: handler lookups cached
        executor.apply(event)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for executor in executors:
        executor.apply(event)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / count


async def time_engine(count: int, rounds: int, *, idle: bool = False) -> Timings:
    clock = SimulatedClock(T0)
    types: list[type[Executor]] = [IdleExecutor if idle else PositionExecutor]  # type: ignore[type-arg]
    engine = Engine(store=MemoryStore(), clock=clock, executor_types=types, venues={})
    store = engine.store
    built: list[Executor] = (  # type: ignore[type-arg]
        [IdleExecutor(IdleConfig(id=f"idle-{i}"), created_at=T0) for i in range(count)]
        if idle
        else build(count)
    )
    with store.transaction() as unit:  # built in memory, then resumed from the store
        for executor in built:
            unit.save_executor(executor, now=T0)
    report = await engine.start()
    assert len(report.resumed) == count
    timings: Timings = ([], [])
    for price in prices(rounds):
        clock.advance(seconds=1)
        cpu, wall = time.process_time(), time.perf_counter()
        received = engine.publish_price(PAIR, price)
        timings[0].append((time.process_time() - cpu) / count * 1e6)
        timings[1].append((time.perf_counter() - wall) / count * 1e6)
        assert received == count
    assert engine.active_count == count and not engine.has_work
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executors", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    applied = time_apply(args.executors, args.rounds)
    engine = asyncio.run(time_engine(args.executors, args.rounds))
    allocated = allocated_per_event(args.executors)
    floor = asyncio.run(time_engine(args.executors, args.rounds, idle=True))
    print(f"executors: {args.executors}, prices: {args.rounds}, barriers: SL TP TS TL armed")
    for name, (cpu, wall) in (("apply", applied), ("engine floor (no-op)", floor)):
        print(f"{name}: {median(cpu)} us/executor/event CPU ({median(wall)} wall)")
    print(f"allocated by apply: {allocated:.1f} B/executor/event")
    print(f"engine: {median(engine[0])} us/executor/event CPU ({median(engine[1])} wall)")
    print(f"cex_position: {median(engine[0])} us/executor/event")


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}"


if __name__ == "__main__":
    main()
