"""The LP demo: one real LP lifecycle on the paper Gateway, checked against the chain's ledger.

It opens a SOL-USDC position on the paper Meteora DLMM pool, replays a price path that leaves the
range (the market trades both SOL-USDC pools, so fees accrue and the router sees one price), lets
the out-of-range timer close the position, swaps the base back, and returns the report together
with the ledger's own figures for rent, refunds, tx fees and fees earned.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from lpexec.app.runtime import LPRuntime, open_lp_runtime
from lpexec.core import ExecutorInfo
from lpexec.core.clock import SimulatedClock
from lpexec.core.market import MarketPoller
from lpexec.lp import LPExecutor, LPExecutorConfig
from lpexec.paper.chain.ledger import LAMPORTS, AccountKind, Cause
from lpexec.paper.gateway.demo import demo_pool_address
from lpexec.paper.prices import DEMO_PRICES, read_price_csv
from lpexec.paper.venues.market_feed import PaperMarketFeed
from lpexec.venues.gateway.preflight import preflight

__all__ = ["DemoBar", "DemoResult", "run_lp_demo"]

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
OTHER_SOL_POOL = demo_pool_address("raydium", "SOL", "USDC", 10)
LAMPORTS_PER_SOL = Decimal(1_000_000_000)


@dataclass(frozen=True, slots=True)
class DemoBar:
    """One bar of the replay, as the executor saw it."""

    minute: int
    price: Decimal
    state: str
    out_of_range_seconds: float
    fees_earned_quote: Decimal


@dataclass
class DemoResult:
    """The final report, the replay timeline and the ledger's own figures (in SOL/USDC)."""

    info: ExecutorInfo
    bars: list[DemoBar] = field(default_factory=list)
    ledger: dict[str, Decimal] = field(default_factory=dict)


async def run_lp_demo(
    *, seed: int = 7, on_bar: Callable[[DemoBar], None] | None = None
) -> DemoResult:
    """Run the demo in a temporary store; ``on_bar`` sees each bar as it is replayed."""
    with tempfile.TemporaryDirectory() as folder:
        clock = SimulatedClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        runtime = await open_lp_runtime(
            database_url=f"sqlite:///{Path(folder) / 'demo.db'}", clock=clock, seed=seed
        )
        try:
            return await _replay(runtime, on_bar)
        finally:
            await runtime.aclose()


async def _replay(runtime: LPRuntime, on_bar: Callable[[DemoBar], None] | None) -> DemoResult:
    config = LPExecutorConfig(
        pool_address=POOL,
        trading_pair="SOL-USDC",
        lower_price=Decimal(176),
        upper_price=Decimal(184),
        base_amount=Decimal(1),
        quote_amount=Decimal(180),
        auto_close_above_range_seconds=300,
        auto_close_below_range_seconds=300,
        controller_id="demo",
    )
    await preflight(config, runtime.client, wallet_address=runtime.wallet, network="mainnet-beta")
    engine = runtime.engine
    await engine.create(config)
    await _settle(runtime)
    executor = engine.executor(config.id)
    assert isinstance(executor, LPExecutor)
    chain = runtime.gateway.chain if runtime.gateway else None
    assert chain is not None
    # Prices straight from the chain (exact), as the replay moved it; trades go through Gateway.
    poller = MarketPoller(engine, PaperMarketFeed(chain, clock=runtime.clock))
    bars: list[DemoBar] = []
    for minute, point in enumerate(read_price_csv(DEMO_PRICES), start=1):
        volume = int((point.volume or Decimal(0)) * 10**6)
        for pool_address in (POOL, OTHER_SOL_POOL):
            chain.move_pool_to_price(pool_address, point.price, volume)
        runtime.clock.advance(60)
        await poller.poll_once()
        engine.tick()
        await _settle(runtime)
        bar = DemoBar(
            minute=minute,
            price=point.price,
            state=executor.state.lp_state.value,
            out_of_range_seconds=executor.out_of_range_seconds(runtime.clock.now()),
            fees_earned_quote=executor.accounting().fees_earned_quote,
        )
        bars.append(bar)
        if on_bar is not None:
            on_bar(bar)
        if executor.is_terminated:
            break
    return DemoResult(info=engine.info(config.id), bars=bars, ledger=_ledger(runtime, executor))


async def _settle(runtime: LPRuntime) -> None:
    for _ in range(10):
        await runtime.engine.drain()
        if not runtime.engine.has_work:
            return


def _ledger(runtime: LPRuntime, executor: LPExecutor) -> dict[str, Decimal]:
    """The chain ledger's figures for this position, from the wallet's side."""
    chain = runtime.gateway.chain if runtime.gateway else None
    assert chain is not None
    state = executor.state
    usdc = chain.tokens.get("USDC").address
    signatures = {state.open_signature, state.close_signature}

    def total(cause: Cause, asset: str, sigs: set[str] | None = None) -> int:
        return sum(
            entry.delta
            for entry in chain.ledger.entries(cause=cause)
            if entry.owner == runtime.wallet
            and entry.kind in (AccountKind.WALLET, AccountKind.TOKEN_ACCOUNT)
            and entry.asset == asset
            and (sigs is None or entry.signature in sigs)
        )

    return {
        "position_rent_sol": Decimal(-total(Cause.RENT_LOCKED, LAMPORTS, signatures))
        / LAMPORTS_PER_SOL,
        "rent_refunded_sol": Decimal(total(Cause.RENT_REFUNDED, LAMPORTS, signatures))
        / LAMPORTS_PER_SOL,
        "rent_sunk_sol": Decimal(-total(Cause.RENT_SUNK, LAMPORTS, signatures)) / LAMPORTS_PER_SOL,
        "tx_fees_sol": Decimal(-total(Cause.TX_FEE, LAMPORTS)) / LAMPORTS_PER_SOL,
        "fees_earned_sol": Decimal(total(Cause.FEE_CLAIM, LAMPORTS, signatures)) / LAMPORTS_PER_SOL,
        "fees_earned_usdc": Decimal(total(Cause.FEE_CLAIM, usdc, signatures)) / 10**6,
    }
