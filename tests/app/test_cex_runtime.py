"""The CEX runtime on the paper exchange: orders placed, filled as the paper markets move, and
the venue's ledger equal to the executors' accounts, with and without faults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lpexec.app.cex_runtime import PAPER_EXCHANGE, CexRuntime, open_cex_runtime
from lpexec.cex import OrderExecutorConfig
from lpexec.core import ExecutorStatus, SimulatedClock

WALL = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
D = Decimal


def order(index: int, side: str, strategy: str, price: str | None = None) -> OrderExecutorConfig:
    return OrderExecutorConfig(
        id=f"o-{index}",
        trading_pair="SOL-USDT",
        connector_name=PAPER_EXCHANGE,
        side=side,
        amount=D(1),
        execution_strategy=strategy,
        price=D(price) if price is not None else None,
    )


async def open_paper(faults: str | None = None, seed: int = 0) -> CexRuntime:
    return await open_cex_runtime(
        database_url="sqlite://", wall_clock=SimulatedClock(WALL), faults=faults, seed=seed
    )


async def test_orders_fill_as_the_paper_markets_move():
    # Arrange
    runtime = await open_paper()
    engine = runtime.engine
    executors = [
        engine.add(order(0, "BUY", "MARKET")),
        engine.add(order(1, "BUY", "LIMIT", "149.7")),  # below the first ask: rests
        engine.add(order(2, "SELL", "LIMIT", "500")),  # far above: never fills
    ]
    # Act
    await runtime.settle()
    placed = [executor.state.order_state.value for executor in executors]
    await runtime.advance(60)
    # Assert: the market order filled at once at the ask; the limit rested, then filled at its
    # own price once the ask came down to it; the far one still rests
    assert placed == ["FILLED", "OPEN", "OPEN"]
    assert executors[0].average_price > D(150)
    assert runtime.paper is not None
    assert executors[1].state.order_state.value == "FILLED"
    assert executors[1].average_price == D("149.7")
    assert executors[2].status is ExecutorStatus.ACTIVE
    venue = runtime.paper.exchange
    for executor in executors:
        fills = [
            f for f in venue.fills_since(0) if f.client_order_id == executor.state.client_order_id
        ]
        assert executor.state.filled_base == sum((fill.amount for fill in fills), D(0))
        assert executor.state.fees_quote == sum((fill.fee for fill in fills), D(0))
    await runtime.aclose()


@pytest.mark.parametrize("seed", range(6))
async def test_a_fault_run_places_no_order_twice_and_counts_every_fill_once(seed):
    # Arrange: lost answers of landed writes, dropped writes, 5xx and 429s on every call kind
    faults = "place:504@0.25,place:drop@0.15,cancel:504@0.2,write:500@0.1,read:429=1@0.1"
    runtime = await open_paper(faults=faults, seed=seed)
    engine = runtime.engine
    configs = [
        order(index, "BUY" if index % 2 else "SELL", strategy, price)
        for index, (strategy, price) in enumerate(
            [("MARKET", None), ("LIMIT", "149.9"), ("LIMIT", "150.1"), ("LIMIT_MAKER", "149.5")] * 3
        )
    ]
    executors = [engine.add(config) for config in configs]
    # Act: the markets move; later every executor still live is stopped
    await runtime.settle()
    await runtime.advance(20)
    for executor in executors:
        if not executor.is_terminated:
            await engine.stop(executor.id)
    for _ in range(30):
        await runtime.advance(1)
    # Assert: the exchange has one order per place intent at most, none we do not know
    assert runtime.paper is not None
    venue = runtime.paper.exchange
    ours = {executor.state.client_order_id for executor in executors}
    venue_ids = [o.client_order_id for o in venue.all_orders()]
    assert len(venue_ids) == len(set(venue_ids))
    assert set(venue_ids) <= ours
    for executor in executors:
        fills = [
            f for f in venue.fills_since(0) if f.client_order_id == executor.state.client_order_id
        ]
        assert executor.state.filled_base == sum((fill.amount for fill in fills), D(0))
        assert len(executor.state.fills) == len(fills)
    assert all(
        executor.is_terminated or executor.info(WALL).stranded_reason for executor in executors
    )
    await runtime.aclose()
