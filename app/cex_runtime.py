"""Wiring a CEX runtime: store, engine, the exchange venue, the order poller, on paper or ccxt.

``open_cex_runtime`` is the one place that decides paper or a real exchange. Without an exchange
name it loads the paper exchange from its state file (:mod:`lpexec.app.paper_market`), runs the
engine on the paper time and catches the markets up to now, step by step: each step publishes
the markets' prices to the executors, sends a tick, delivers the venue's records of their open
orders (fills, cancels) and carries out what they asked. Prices go out as
:class:`~lpexec.cex.chaser.TopOfBookUpdated` (best bid, best ask, and their mid as the price).
With an exchange name it talks to that exchange through ccxt on the wall clock, with keys from
the environment.

The venue key (a CEX executor's ``connector_name``) is ``paper`` on paper, else the exchange
name.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lpexec.app.paper_market import PaperMarkets
from lpexec.app.registry import CEX_TYPES, EXECUTOR_TYPES
from lpexec.cex.chaser import TopOfBookUpdated
from lpexec.cex.funding import FundingPoller
from lpexec.core import (
    Database,
    Engine,
    ExecutorConfig,
    ExecutorInfo,
    OrderPoller,
    PerpetualVenue,
    RiskEngine,
)
from lpexec.core.clock import Clock, LiveClock, SimulatedClock
from lpexec.paper.venues.exchange import PaperExchangeVenue

__all__ = ["PAPER_EXCHANGE", "PAPER_PERPETUAL", "CexRuntime", "open_cex_runtime"]

PAPER_EXCHANGE = "paper"
"""The venue key (``connector_name``) of the paper spot exchange."""
PAPER_PERPETUAL = "paper_perpetual"
"""The venue key of the paper perpetual exchange (same prices, perpetual markets)."""


@dataclass
class CexRuntime:
    """Everything a CEX session needs; close it with :meth:`aclose`."""

    engine: Engine
    database: Database
    clock: Clock
    venue_key: str
    venue: Any
    orders: OrderPoller
    paper: PaperMarkets | None = None
    paper_state_file: Path | None = None
    _closers: list[Any] = field(default_factory=list)
    _saved_fills: int = 0

    async def settle(self, rounds: int = 20) -> None:
        """Deliver the venue's records and carry out queued commands until nothing is left."""
        for _ in range(rounds):
            await self.orders.poll_once()
            await self.engine.drain()
            if not self.engine.has_work:
                await self.orders.poll_once()
                return

    async def create(self, config: ExecutorConfig) -> ExecutorInfo:
        """Create an executor, give it the current prices (on paper), carry out what it asks and
        return its report. On a perpetual market, the market's leverage is set to the config's
        first (the venue refuses another leverage while a position is open there)."""
        leverage = getattr(config, "leverage", None)
        venue = self.engine.venue(getattr(config, "connector_name", self.venue_key))
        if leverage and getattr(config, "perpetual", False) and isinstance(venue, PerpetualVenue):
            await venue.set_leverage(getattr(config, "trading_pair", ""), leverage)
        await self.engine.create(config)
        if self.paper is not None:
            for pair in self.paper.mids:
                self.publish_touch(pair)
        await self.settle()
        return self.engine.info(config.id)

    async def advance(self, steps: int) -> None:
        """Paper only: play ``steps`` steps of the paper markets (see the module docstring)."""
        paper = self.paper
        if paper is None:
            raise ValueError("advance: expected the paper exchange, received a real exchange")
        clock = self.clock
        assert isinstance(clock, SimulatedClock)
        engine = self.engine
        funded = len(paper.perpetual.funding_payments())
        for _ in range(steps):
            moves = list(paper.advance())
            clock.set(paper.paper_time)
            if paper.fill_count != self._saved_fills:
                self.save()  # the venue's ledger is durable before any executor hears of it
            for pair, _mid in moves:
                self.publish_touch(pair)
            engine.tick()
            # Funding first: the step charged the positions before it filled any resting order,
            # so a position whose exit filled in the same step still holds what was charged
            # until its fill is read (else its part would be lost with it).
            paid = len(paper.perpetual.funding_payments())
            if paid != funded:
                funded = paid
                await self.deliver_funding()
            await self.settle()

    async def deliver_funding(self) -> int:
        """Deliver the perpetual venues' funding payments to the live position executors that
        hold the positions charged, each its part (see :mod:`lpexec.cex.funding`); return how
        many events were delivered."""
        return await FundingPoller(self.engine).poll_once()

    def publish_touch(self, trading_pair: str) -> int:
        """Paper only: publish a market's best bid and ask (and their mid as the price) to the
        executors; return how many received it."""
        assert self.paper is not None
        quote = self.paper.exchange.market(trading_pair).quote
        if quote is None:
            return 0
        return self.engine.publish(
            TopOfBookUpdated(
                ts_event=self.clock.now(),
                trading_pair=trading_pair,
                price=(quote.bid + quote.ask) / 2,
                best_bid=quote.bid,
                best_ask=quote.ask,
            )
        )

    def save(self) -> None:
        """Paper only: write the paper exchange's state file (when it has one)."""
        if self.paper is not None and self.paper_state_file is not None:
            self.paper.save(self.paper_state_file)
            self._saved_fills = self.paper.fill_count

    async def aclose(self) -> None:
        """Save the paper exchange, close the venue and the store; venue calls still running are
        abandoned (their intents are reconciled at the next start)."""
        await self.engine.cancel_inflight()
        self.save()
        for closer in self._closers:
            await closer()
        self.database.close()

    async def __aenter__(self) -> CexRuntime:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


async def open_cex_runtime(
    *,
    database_url: str,
    exchange: str | None = None,
    paper_state_file: str | Path | None = None,
    seed: int = 0,
    advance_seconds: float = 0,
    faults: str | None = None,
    write_latency_seconds: float = 0.0,
    wall_clock: Clock | None = None,
    risk: RiskEngine | None = None,
    unknown_budget_seconds: float = 900.0,
) -> CexRuntime:
    """Build and start a CEX runtime, and on paper catch the markets up.

    Args:
        database_url: the store.
        exchange: a ccxt exchange id (``binance``, ``binanceusdm``, ``okx``...); None is the
            paper exchange.
        paper_state_file: the paper exchange's state file (None: in memory only).
        seed: the price paths' seed of a new paper exchange.
        advance_seconds: paper only: play this much more paper time than the wall clock says.
        faults: paper only: a fault spec for the paper venue (timeouts that landed and did not,
            5xx, 429, rejects; see :mod:`lpexec.paper.venues.exchange_faults`), seeded by
            ``seed``.
        write_latency_seconds: paper only: how long a write's answer takes after the write
            landed (and the state file was saved).
        wall_clock: the wall clock (tests pass a simulated one).
        risk: the risk engine checking every create.
        unknown_budget_seconds: how long an outcome may stay unknown.
    """
    wall = wall_clock or LiveClock()
    database = Database.open(database_url)
    try:
        if exchange is None:
            return await _open_paper(
                database,
                state_file=Path(paper_state_file) if paper_state_file is not None else None,
                seed=seed,
                advance_seconds=advance_seconds,
                faults=faults,
                write_latency_seconds=write_latency_seconds,
                wall_now=wall.now(),
                risk=risk,
                unknown_budget_seconds=unknown_budget_seconds,
            )
        return await _open_ccxt(
            database,
            exchange=exchange,
            clock=wall,
            risk=risk,
            unknown_budget_seconds=unknown_budget_seconds,
        )
    except BaseException:
        database.close()
        raise


async def _open_paper(
    database: Database,
    *,
    state_file: Path | None,
    seed: int,
    advance_seconds: float,
    faults: str | None,
    write_latency_seconds: float,
    wall_now: dt.datetime,
    risk: RiskEngine | None,
    unknown_budget_seconds: float,
) -> CexRuntime:
    if state_file is None:
        paper = PaperMarkets.new(seed=seed, now=wall_now)
    else:
        paper = PaperMarkets.load_or_new(state_file, seed=seed, now=wall_now)
    clock = SimulatedClock(paper.paper_time)
    venues: dict[str, Any] = {}
    for key, exchange in ((PAPER_EXCHANGE, paper.exchange), (PAPER_PERPETUAL, paper.perpetual)):
        venue: Any = PaperExchangeVenue(exchange, clock=clock, faults=faults, seed=seed)
        if state_file is not None or write_latency_seconds:
            venue = _SavedAfterWrites(
                venue,
                save=(lambda: paper.save(state_file)) if state_file is not None else None,
                latency_seconds=write_latency_seconds,
            )
        venues[key] = venue
    engine = Engine(
        database=database,
        clock=clock,
        executor_types=EXECUTOR_TYPES,
        runs=CEX_TYPES,
        venues=venues,
        risk=risk,
        unknown_budget_seconds=unknown_budget_seconds,
    )
    await engine.start()
    runtime = CexRuntime(
        engine=engine,
        database=database,
        clock=clock,
        venue_key=PAPER_EXCHANGE,
        venue=venues[PAPER_EXCHANGE],
        orders=OrderPoller(engine),
        paper=paper,
        paper_state_file=state_file,
    )
    for pair in paper.mids:
        runtime.publish_touch(pair)
    await runtime.settle()
    await runtime.advance(paper.catch_up_steps(wall_now, extra_seconds=advance_seconds))
    return runtime


async def _open_ccxt(
    database: Database,
    *,
    exchange: str,
    clock: Clock,
    risk: RiskEngine | None,
    unknown_budget_seconds: float,
) -> CexRuntime:
    try:  # the optional extra, imported when asked
        from lpexec.venues.ccxt import CcxtExchangeVenue
    except ImportError as error:
        raise ValueError(
            f"--exchange {exchange}: expected the ccxt extra to be installed "
            f"(pip install 'lpexec[ccxt]'), could not import it: {error}"
        ) from None
    venue = CcxtExchangeVenue.from_env(exchange, clock=clock, venue=exchange)
    engine = Engine(
        database=database,
        clock=clock,
        executor_types=EXECUTOR_TYPES,
        runs=CEX_TYPES,
        venues={exchange: venue},
        risk=risk,
        unknown_budget_seconds=unknown_budget_seconds,
    )
    await engine.start()
    runtime = CexRuntime(
        engine=engine,
        database=database,
        clock=clock,
        venue_key=exchange,
        venue=venue,
        orders=OrderPoller(engine),
        _closers=[venue.close],
    )
    await runtime.settle()
    return runtime


class _SavedAfterWrites:
    """The paper venue, saving its state file after every write (landed or not) before the
    answer reaches the engine, so a process killed at any moment restarts on a venue ledger that
    holds every order the store may know of; the answer then takes ``latency_seconds`` (on the
    real clock: it is the network, not paper time)."""

    def __init__(self, venue: Any, *, save: Callable[[], None] | None, latency_seconds: float):
        self._venue = venue
        self._save = save
        self._latency = latency_seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(self._venue, name)

    async def _write(self, method: str, command: Any, evidence: Any) -> Any:
        try:
            return await getattr(self._venue, method)(command, evidence)
        finally:
            if self._save is not None:
                self._save()
            if self._latency:
                await asyncio.sleep(self._latency)

    async def place_order(self, command: Any, evidence: Any) -> Any:
        return await self._write("place_order", command, evidence)

    async def cancel_order(self, command: Any, evidence: Any) -> Any:
        return await self._write("cancel_order", command, evidence)
