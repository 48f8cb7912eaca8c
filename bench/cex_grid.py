"""Grid executor through the real engine: a 100-level grid over a price path that crosses most of
its levels again and again, on the paper exchange.

One :class:`~lpexec.cex.grid.GridExecutor` (BUY, 100 levels from 100 to 120, 20 open orders at
most) runs in a real :class:`~lpexec.core.Engine` on a ``MemoryStore`` and a ``SimulatedClock``;
its commands are carried out by the paper exchange venue
(:class:`~lpexec.paper.venues.exchange.PaperExchangeVenue` over a
:class:`~lpexec.paper.exchange.PaperExchange`). Each step of the path, one simulated second:
the exchange moves to the new quote (resting orders it reaches fill), the venue's records of the
orders it filled reach the grid through ``Engine.observe`` (as a fills stream would tell them;
``--poll-all`` uses the :class:`~lpexec.core.OrderPoller` on every live order instead), the
engine publishes the mid and a tick, and drains the commands. At the end the grid is stopped and
flattens.

The headline is the wall time over the events the grid applied (prices, ticks, venue answers and
the records delivered), without the time the paper exchange spends stepping its market (the
simulated market, printed on its own line): the engine, the venue port and the executor per
event. The executor's own share (time inside ``apply``) is printed too.

Prints ``cex_grid: X us/event (100 levels)`` on its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import time
from dataclasses import dataclass
from decimal import Decimal

from lpexec.cex.grid import GridExecutor, GridExecutorConfig
from lpexec.core import (
    UTC,
    Command,
    Engine,
    Event,
    MemoryStore,
    OrderPoller,
    SimulatedClock,
    TradingRules,
)
from lpexec.paper.exchange import Market, PaperExchange
from lpexec.paper.venues.exchange import PaperExchangeVenue

T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
PAIR = "SOL-USDT"
TICK = Decimal("0.01")
STEP = Decimal("0.001")


class CountedGrid(GridExecutor):
    """The grid executor, counting the events it is given and the time it takes on them."""

    applied = 0
    seconds = 0.0

    def apply(self, event: Event) -> list[Command]:
        started = time.perf_counter()
        commands = super().apply(event)
        CountedGrid.seconds += time.perf_counter() - started
        CountedGrid.applied += 1
        return commands


def price_path(steps: int) -> list[Decimal]:
    """A wave between ~101.5 and ~118.5 (two cycles per 800 steps) with a small ripple."""
    return [
        Decimal(110 + 8.5 * math.sin(2 * math.pi * i / 400) + 0.3 * math.sin(i / 3)).quantize(TICK)
        for i in range(steps)
    ]


def make_config(levels: int) -> GridExecutorConfig:
    return GridExecutorConfig(
        id="bench-grid",
        connector_name="paper",
        trading_pair=PAIR,
        start_price=Decimal(100),
        end_price=Decimal(120),
        limit_price=Decimal(95),
        total_amount_quote=Decimal(100 * levels),
        min_spread_between_orders=Decimal("0.2") / levels,
        min_order_amount_quote=Decimal(5),
        max_open_orders=20,
        triple_barrier_config={"take_profit": Decimal("0.004")},
        price_tick=TICK,
        amount_step=STEP,
    )


@dataclass(frozen=True, slots=True)
class Run:
    """What one run measured (seconds of wall time)."""

    events: int
    elapsed: float
    market: float
    """Spent stepping the paper exchange's market (the simulation, not the path measured)."""
    executor: float
    """Spent inside the grid's ``apply``."""
    grid: CountedGrid


async def run(levels: int, steps: int, *, poll_all: bool) -> Run:
    clock = SimulatedClock(T0)
    rules = TradingRules(price_tick=TICK, amount_step=STEP, min_notional=Decimal(1))
    exchange = PaperExchange(
        [Market(trading_pair=PAIR, rules=rules)],
        balances={"USDT": Decimal(10_000_000), "SOL": Decimal(0)},
        maker_fee=Decimal("0.0002"),
        taker_fee=Decimal("0.0005"),
    )
    venue = PaperExchangeVenue(exchange, clock=clock)
    engine = Engine(
        store=MemoryStore(), clock=clock, executor_types=[CountedGrid], venues={"paper": venue}
    )
    await engine.start()
    poller = OrderPoller(engine)
    path = price_path(steps)
    half = TICK / 2
    CountedGrid.applied, CountedGrid.seconds = 0, 0.0
    market_seconds = 0.0
    started = time.perf_counter()
    grid = engine.add(make_config(levels))
    assert isinstance(grid, CountedGrid)
    for mid in path:
        clock.advance(1)
        stepped = time.perf_counter()
        fills = exchange.step(PAIR, bid=mid - half, ask=mid + half, last=mid, now=clock.now())
        market_seconds += time.perf_counter() - stepped
        if poll_all:
            await poller.poll_once()
        else:  # the records of the orders this step filled (what a fills stream would tell)
            for client_order_id in dict.fromkeys(fill.client_order_id for fill in fills):
                report = await venue.order_status(PAIR, client_order_id)
                assert report is not None
                engine.observe(grid.id, report.events(clock.now()))
        engine.publish_price(PAIR, mid)
        engine.tick()
        await engine.drain()
    await engine.stop(grid.id, keep_position=False)
    for _ in range(5):  # the cancels, then the market close
        await engine.drain()
        await poller.poll_once()
    elapsed = time.perf_counter() - started
    assert grid.is_terminated, grid.state.grid_state
    return Run(CountedGrid.applied, elapsed, market_seconds, CountedGrid.seconds, grid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, default=100)
    parser.add_argument("--steps", type=int, default=2_000)
    parser.add_argument(
        "--poll-all",
        action="store_true",
        help="deliver fills with the OrderPoller reading every live order each step (slower: "
        "most reads find nothing new) instead of reading the orders each step filled",
    )
    args = parser.parse_args()
    result = asyncio.run(run(args.levels, args.steps, poll_all=args.poll_all))
    grid, events = result.grid, result.events
    info = grid.info(grid.closed_at or T0)
    details = grid.details()
    print(f"levels: {details.levels}, path steps: {args.steps}, events applied: {events}")
    print(
        f"fills: {details.filled_orders} orders filled, {details.completed_cycles} take profits, "
        f"close type {info.close_type}"
    )
    print(
        f"net pnl: {info.net_pnl_quote:.4f} quote (realized {details.realized_pnl_quote:.4f}), "
        f"fees {info.fees_paid_quote:.4f}, volume {info.volume_quote:.2f}"
    )
    per_event = 1e6 / events
    print(f"wall: {result.elapsed:.3f} s ({result.elapsed * per_event:.1f} us/event)")
    print(f"paper market stepping: {result.market * per_event:.1f} us/event (excluded below)")
    print(f"grid executor apply alone: {result.executor * per_event:.1f} us/event")
    measured = result.elapsed - result.market
    print(f"cex_grid: {measured * per_event:.1f} us/event ({details.levels} levels)")


if __name__ == "__main__":
    main()
