"""Arbitrage executors watching quotes, and one CEX/DEX arbitrage on the paper venues.

1. Watching: ``--executors`` arbitrage executors (paper exchange against Jupiter, SOL-USDC) run
   in a real :class:`~lpexec.core.Engine` on a ``MemoryStore``; each round delivers both markets'
   quotes to each of them (``Engine.observe``, as the two-venue runtime does) at a spread that
   never pays, so every quote is an evaluation and nothing is sent or written. Figure: wall time
   per quote delivered.
2. Executing: ``--trades`` arbitrages run one after another through
   :mod:`lpexec.app.mixed_runtime` (the paper exchange and the in-process paper Gateway, an
   in-memory SQLite store): create, quotes, both legs (a MARKET order and a Jupiter swap on the
   paper chain), completed. Figure: wall time per arbitrage.

Prints ``cex_arbitrage: X us/quote`` on its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from lpexec.app.mixed_runtime import new_paper_exchange, open_mixed_runtime  # noqa: E402
from lpexec.cex import ArbitrageExecutor, ArbitrageExecutorConfig, LegQuoteUpdated  # noqa: E402
from lpexec.core import UTC, CloseType, Engine, MemoryStore, SimulatedClock  # noqa: E402

T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
CEX = {"connector_name": "paper", "trading_pair": "SOL-USDC"}
DEX = {"connector_name": "jupiter/router", "trading_pair": "SOL-USDC"}


def config(index: int) -> ArbitrageExecutorConfig:
    return ArbitrageExecutorConfig(
        id=f"arb-{index}",
        buying_market=CEX,
        selling_market=DEX,
        order_amount=Decimal(1),
        min_profitability=Decimal("0.002"),
    )


def quotes(clock: SimulatedClock, step: int) -> list[LegQuoteUpdated]:
    ask = Decimal(180) + Decimal(step % 7) / 100
    now = clock.now()
    return [
        LegQuoteUpdated(
            ts_event=now,
            trading_pair="SOL-USDC",
            price=ask,
            venue="paper",
            buy_price=ask,
            sell_price=ask - Decimal("0.08"),
            taker_fee=Decimal("0.001"),
        ),
        LegQuoteUpdated(
            ts_event=now,
            trading_pair="SOL-USDC",
            price=ask,
            venue="jupiter/router",
            buy_price=ask + Decimal("0.1"),
            sell_price=ask,
            network_fee_quote=Decimal("0.0045"),
        ),
    ]


async def watching(executors: int, rounds: int) -> float:
    """Seconds per quote delivered while watching (no trade)."""
    clock = SimulatedClock(T0)
    engine = Engine(store=MemoryStore(), clock=clock, executor_types=[ArbitrageExecutor], venues={})
    await engine.start()
    for index in range(executors):
        engine.add(config(index))
    ids = [f"arb-{index}" for index in range(executors)]
    started = time.perf_counter()
    for step in range(rounds):
        clock.advance(1)
        events = quotes(clock, step)
        for executor_id in ids:
            engine.observe(executor_id, events)
    elapsed = time.perf_counter() - started
    assert not engine.has_work  # nothing was ever sent
    return elapsed / (executors * rounds * 2)


async def executing(trades: int) -> float:
    """Seconds per arbitrage completed on the paper venues."""
    clock = SimulatedClock(T0)
    runtime = await open_mixed_runtime(
        database_url="sqlite://", clock=clock, exchange=new_paper_exchange(clock, mid=Decimal(176))
    )
    started = time.perf_counter()
    for index in range(trades):
        info = await runtime.create(
            config(index).model_copy(update={"min_profitability": Decimal("0.001")})
        )
        assert info.close_type is CloseType.COMPLETED, info
        clock.advance(1)
    elapsed = time.perf_counter() - started
    await runtime.aclose()
    return elapsed / trades


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--executors", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--trades", type=int, default=5)
    args = parser.parse_args()
    per_trade = asyncio.run(executing(args.trades))
    print(f"executing: {per_trade * 1000:.1f} ms per CEX/DEX arbitrage on the paper venues")
    per_quote = asyncio.run(watching(args.executors, args.rounds))
    print(f"watching: {args.executors} executors x {args.rounds} rounds x 2 quotes")
    print(f"cex_arbitrage: {per_quote * 1e6:.1f} us/quote")


if __name__ == "__main__":
    main()
