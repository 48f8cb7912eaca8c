"""CEX backtests: controllers (market making, directional) or executors replayed on the paper
exchange with a simulated clock, on the same code as the daemon.

Each row of the series (``timestamp,price`` or ``timestamp,bid,ask[,last,volume]``, see
:mod:`lpexec.paper.exchange.driver`) is one step: the clock moves to the row's time, the paper
exchange's market moves to its touch (resting orders it reaches fill), the executors receive the
touch (:class:`~lpexec.cex.chaser.TopOfBookUpdated`) and a tick (not the positions, whose price
covers it), the venue's records of their orders are delivered (read as the
:class:`~lpexec.core.OrderPoller` reads them, after each fill) and their commands carried out;
then each controller decides (:class:`~lpexec.controllers.host.ControllerRunner`, every create
checked by the risk engine when one is given) and its actions are carried out. The store is a
:class:`~lpexec.core.MemoryStore` that keeps no journal (nothing reads it back).

Quiet rows are skipped (``skip_quiet``, on by default): after a row, the run works out the price
bands and the time within which nothing can happen (no resting order reached, no barrier, trailing
peak or time limit of a position, no controller decision: :meth:`Controller.quiet`) and jumps to
the first row outside them (:mod:`lpexec.backtest.cex_quiet`). The numbers are those of
delivering every row (``tests/backtest/test_cex_backtest.py`` compares both); perpetual markets
(funding, liquidation) and executors the rule does not know are delivered every row.

On a perpetual market, funding the exchange pays or charges is delivered to the executors holding
the position at the row it is paid (:class:`~lpexec.cex.funding.FundingPoller`: each its part),
so it is in their net P&L; ``totals["funding_quote"]`` is their sum.

Same input, same controllers and same seed give identical numbers.
"""

from __future__ import annotations

import datetime as dt
import time
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np

from lpexec.backtest.cex_quiet import (
    Columns,
    ExecutorBounds,
    PriceFloats,
    Window,
    find_next_row,
    signal_copy,
)
from lpexec.backtest.run import _collecting_less
from lpexec.cex import GridExecutor, OrderExecutor, PositionExecutor
from lpexec.cex.chaser import TopOfBookUpdated
from lpexec.cex.funding import FundingPoller
from lpexec.controllers.base import Controller, ExecutorReport, MarketData
from lpexec.controllers.host import ControllerRunner
from lpexec.core import (
    UTC,
    Engine,
    ExecutorConfig,
    MemoryStore,
    RiskEngine,
    SimulatedClock,
    TradingRules,
    VenueError,
)
from lpexec.core.money import ZERO
from lpexec.core.order_poller import live_order_refs, log_unread
from lpexec.paper.exchange import Market, PaperExchange, PerpetualSpec
from lpexec.paper.exchange.driver import QuoteStep
from lpexec.paper.venues.exchange import PaperExchangeVenue

__all__ = [
    "CexBacktestResult",
    "CexSeries",
    "run_cex_backtest",
]


_EPS = 1e-12


@dataclass(frozen=True)
class CexSeries:
    """A market's rows: epoch seconds, bid, ask and last as float64 arrays (the search runs on
    them; a delivered row's prices are read as their shortest decimal) or, from a CSV, the exact
    steps too."""

    seconds: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    last: np.ndarray
    steps: Sequence[QuoteStep] | None = None

    @classmethod
    def from_steps(cls, steps: Sequence[QuoteStep]) -> CexSeries:
        """From parsed CSV steps (their decimals are delivered exactly)."""
        if not steps:
            raise ValueError("prices: expected at least one row, received none")
        return cls(
            seconds=np.array([step.timestamp.timestamp() for step in steps]),
            bid=np.array([float(step.bid) for step in steps]),
            ask=np.array([float(step.ask) for step in steps]),
            last=np.array([float(step.last) for step in steps]),
            steps=steps,
        )

    @classmethod
    def from_prices(
        cls, seconds: np.ndarray, prices: np.ndarray, *, spread: float, price_tick: float
    ) -> CexSeries:
        """From one price per row: a touch ``spread`` wide (a ratio) on the tick around it."""
        if len(seconds) != len(prices) or not len(prices):
            raise ValueError("prices: expected as many timestamps as prices, and at least one")
        prices = np.round(prices / price_tick) * price_tick
        bid = np.floor(prices * (1 - spread / 2) / price_tick + _EPS) * price_tick
        ask = np.ceil(prices * (1 + spread / 2) / price_tick - _EPS) * price_tick
        ask = np.maximum(ask, bid + price_tick)
        return cls(
            seconds=np.asarray(seconds, dtype=float),
            bid=np.round(bid, 10),
            ask=np.round(ask, 10),
            last=np.round(prices, 10),
        )

    def __len__(self) -> int:
        return len(self.seconds)

    def row(self, index: int) -> tuple[dt.datetime, Decimal, Decimal, Decimal]:
        """Row ``index`` as (time, bid, ask, last) in decimals."""
        if self.steps is not None:
            step = self.steps[index]
            return step.timestamp, step.bid, step.ask, step.last
        return (
            dt.datetime.fromtimestamp(float(self.seconds[index]), tz=UTC),
            _decimal(float(self.bid[index])),
            _decimal(float(self.ask[index])),
            _decimal(float(self.last[index])),
        )

    @property
    def mids(self) -> np.ndarray:
        """``(bid + ask) / 2`` per row."""
        mids: np.ndarray = (self.bid + self.ask) / 2
        return mids


@lru_cache(maxsize=65_536)
def _decimal(value: float) -> Decimal:
    """A price's shortest decimal (prices on a tick repeat: each is converted once)."""
    return Decimal(repr(value))


@dataclass(repr=False)
class CexBacktestResult:
    """The standard report of a CEX backtest (quote units)."""

    totals: dict[str, Decimal]
    close_types: dict[str, int]
    executors: list[dict[str, Any]]
    trades: list[dict[str, Any]]
    rows: int
    delivered: int
    seconds: float
    actions: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        # Short: ``asyncio.run`` formats its finished task (this result with it) when it puts
        # the SIGINT handler back, and the full lists of a long run take a tenth of a second.
        return (
            f"CexBacktestResult(rows={self.rows}, delivered={self.delivered}, "
            f"executors={len(self.executors)}, trades={len(self.trades)})"
        )

    @property
    def rows_per_second(self) -> float:
        """Replay speed."""
        return self.rows / self.seconds if self.seconds else 0.0

    def numbers(self) -> dict[str, Any]:
        """Everything but the timing (what identical runs must share)."""
        return {
            "totals": self.totals,
            "close_types": self.close_types,
            "executors": self.executors,
            "trades": self.trades,
            "rows": self.rows,
            "actions": self.actions,
        }


async def run_cex_backtest(
    series: CexSeries,
    *,
    trading_pair: str = "SOL-USDC",
    controllers: Sequence[Controller] = (),
    executors: Sequence[ExecutorConfig] = (),
    rules: TradingRules | None = None,
    balances: dict[str, Decimal] | None = None,
    maker_fee: Decimal = Decimal("0.0002"),
    taker_fee: Decimal = Decimal("0.0005"),
    perpetual: PerpetualSpec | None = None,
    risk: RiskEngine | None = None,
    executor_types: Sequence[type[Any]] | None = None,
    seed: int = 0,
    skip_quiet: bool = True,
    keep_actions: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> CexBacktestResult:
    """Replay ``series`` through the paper exchange with ``controllers`` and ``executors``.

    Args:
        series: the market's rows.
        trading_pair: the pair every controller and executor trades.
        controllers: controllers deciding at every row (fresh ones: their state starts empty).
        executors: executors created at the first row.
        rules: the market's trading rules (default tick 0.01, amount step 0.001).
        balances: the paper account (default 1,000,000 quote and 10,000 base; perpetual: quote).
        maker_fee, taker_fee: ratios.
        perpetual: perpetual terms (None: a spot market).
        risk: the risk engine checking every create (None: no limits).
        executor_types: the executor classes the engine runs (default: position, order, grid).
        seed: seeds the paper venue.
        skip_quiet: skip rows within which nothing can happen (same numbers, faster).
        keep_actions: keep every controller action line in the result.
        progress: called with (rows done, rows) now and then.
    """
    started = time.perf_counter()
    base, quote = trading_pair.split("-", 1)
    rules = rules or TradingRules(price_tick=Decimal("0.01"), amount_step=Decimal("0.001"))
    if balances is None:
        balances = (
            {quote: Decimal(1_000_000)}
            if perpetual
            else {quote: Decimal(1_000_000), base: Decimal(10_000)}
        )
    exchange = PaperExchange(
        [Market(trading_pair=trading_pair, rules=rules, perpetual=perpetual)],
        balances=balances,
        maker_fee=maker_fee,
        taker_fee=taker_fee,
    )
    first_time, *_ = series.row(0)
    clock = SimulatedClock(first_time)
    venue = PaperExchangeVenue(exchange, clock=clock, seed=seed)
    keys = {getattr(config, "connector_name", "paper") for config in executors}
    keys |= {controller.config.connector_name for controller in controllers}
    store = MemoryStore(journal=False)  # nothing reads a backtest's journals back
    engine = Engine(
        store=store,
        clock=clock,
        executor_types=executor_types or [PositionExecutor, OrderExecutor, GridExecutor],
        venues=dict.fromkeys(keys or {"paper"}, venue),
        risk=risk,
    )
    await engine.start()
    replay = _Replay(
        series=series,
        pair=trading_pair,
        exchange=exchange,
        engine=engine,
        clock=clock,
        runner=ControllerRunner(engine=engine, controllers=controllers, describe=keep_actions),
        rules=rules,
        skip_quiet=skip_quiet and perpetual is None,
        keep_actions=keep_actions,
    )
    with _collecting_less():  # thousands of engine steps allocate much and make few cycles
        await replay.run(executors, progress)
        return _result(engine, store, exchange, replay, rows=len(series), started=started)


class _Replay:
    """The row loop (see the module docstring)."""

    def __init__(
        self,
        *,
        series: CexSeries,
        pair: str,
        exchange: PaperExchange,
        engine: Engine,
        clock: SimulatedClock,
        runner: ControllerRunner,
        rules: TradingRules,
        skip_quiet: bool,
        keep_actions: bool,
    ) -> None:
        self.series = series
        self.pair = pair
        self.exchange = exchange
        self.engine = engine
        self.clock = clock
        self.runner = runner
        self.rules = rules
        self.skip_quiet = skip_quiet
        self.keep_actions = keep_actions
        self._polled = -1
        self._funding = FundingPoller(engine) if exchange.market(pair).is_perpetual else None
        self._funded = 0
        self.delivered = 0
        self.markets: dict[str, MarketData] = {}
        """Each controller's market at the row delivered last."""
        self._decided_on: dict[str, list[ExecutorReport]] | None = None
        """The reports the controllers decided on at the row delivered last, while they are
        still what :meth:`ControllerRunner.reports` would return (no action since, nothing
        settled): the quiet window reads them instead of building them again."""
        self.actions: list[str] = []
        self.mids = series.mids
        self.signals: dict[str, np.ndarray | None] = {
            cid: controller.signals(self.mids) for cid, controller in runner.controllers.items()
        }
        self.signal_copies = {
            cid: signal_copy(signals)
            for cid, signals in self.signals.items()
            if signals is not None
        }
        self.columns = Columns.of(series.seconds, series.bid, series.ask, self.mids)
        self._bounds = ExecutorBounds()
        self._floats = PriceFloats()
        self._rows = (
            None
            if series.steps is not None
            else (*self.columns.scalar[:3], array("d", series.last.tobytes()))
        )
        """The series' seconds, bid, ask and last as ``array`` copies (cheap to index one by
        one; same values as the numpy columns); None when its steps carry exact decimals."""

    async def run(
        self, executors: Sequence[ExecutorConfig], progress: Callable[[int, int], None] | None
    ) -> None:
        rows = len(self.series)
        self.runner.load()
        for line in await self.runner.prepare():
            self._keep(line)
        index = 0
        await self._deliver(0)
        for config in executors:
            await self.engine.create(config)
        await self._settle()
        self._decided_on = None
        reported = 0
        engine, exchange = self.engine, self.exchange
        while index < rows - 1:
            following = self._next_row(index) if self.skip_quiet else index + 1
            index = following
            # _deliver, without a coroutine per row
            when, bid, ask = self._move(index)
            if self._funding is not None:
                await self._deliver_funding()
            if engine.has_work or exchange.last_fill_id != self._polled:
                await self._settle()  # (else it would find nothing to do)
            if self._decide(index, when, bid, ask):
                await self._settle()
            if progress is not None and index - reported >= 10_000:
                progress(index + 1, rows)
                reported = index
        if progress is not None:
            progress(rows, rows)

    def _row(self, index: int) -> tuple[dt.datetime, Decimal, Decimal, Decimal]:
        """:meth:`CexSeries.row`, read from the scalar copies."""
        if self._rows is None:
            return self.series.row(index)
        seconds, bid, ask, last = self._rows
        return (
            dt.datetime.fromtimestamp(seconds[index], UTC),  # (positional: a keyword costs more)
            _decimal(bid[index]),
            _decimal(ask[index]),
            _decimal(last[index]),
        )

    async def _deliver(self, index: int) -> None:
        """Deliver row ``index``: the market moves, executors see it and its fills, then the
        controllers decide and their actions are carried out."""
        when, bid, ask = self._move(index)
        if self._funding is not None:
            await self._deliver_funding()
        if self.engine.has_work or self.exchange.last_fill_id != self._polled:
            await self._settle()  # (else it would find nothing to do)
        if self._decide(index, when, bid, ask):
            await self._settle()

    def _move(self, index: int) -> tuple[dt.datetime, Decimal, Decimal]:
        """The market moves to row ``index`` (resting orders it reaches fill) and the executors
        receive its touch (and a tick); return the row's time, bid and ask."""
        when, bid, ask, last = self._row(index)
        self.clock.set(when)
        self.exchange.step(self.pair, bid=bid, ask=ask, last=last, now=when)
        engine = self.engine
        touch = TopOfBookUpdated(
            ts_event=when,
            trading_pair=self.pair,
            price=(bid + ask) / 2,
            best_bid=bid,
            best_ask=ask,
        )
        engine.publish(touch)
        engine.tick(after=touch)  # executors whose price covers the tick are not sent it
        self.delivered += 1
        return when, bid, ask

    def _decide(self, index: int, when: dt.datetime, bid: Decimal, ask: Decimal) -> bool:
        """Each controller decides on the row and acts; True when one acted (its actions are
        then to be carried out)."""
        self._decided_on = None
        if not self.runner.controllers:
            return False
        acted = False
        self.markets = {}
        for cid, controller in self.runner.controllers.items():
            market = self._market(index, when, bid, ask, controller, self.signals[cid])
            self.markets[cid] = market  # the quiet window after this row reads it again
            lines = self.runner.step_now(controller, market)
            if lines:
                acted = True
                if self.keep_actions:
                    stamp = when.isoformat()
                    self.actions.extend(f"{stamp} {line}" for line in lines)
        if not acted:
            self._decided_on = self.runner.last_reports
        return acted

    def _market(
        self,
        index: int,
        when: dt.datetime,
        bid: Decimal,
        ask: Decimal,
        controller: Controller,
        signals: np.ndarray | None,
    ) -> MarketData:
        history = controller.history_length
        return MarketData(
            trading_pair=self.pair,
            timestamp=when,
            bid=bid,
            ask=ask,
            price_tick=self.rules.price_tick,
            amount_step=self.rules.amount_step,
            history=self.mids[max(0, index + 1 - history) : index + 1] if history else _EMPTY,
            signal=int(signals[index]) if signals is not None else None,
        )

    async def _settle(self) -> None:
        """Deliver the venue's records and carry out commands until nothing is left. Open
        orders' records change only by fills (cancels are answered to the executor that sent
        them), so records are read only when the exchange filled something since the last read.

        The fills made while commands are carried out are not read again: each is an order's
        fill on arrival, answered to the executor that placed it (the paper exchange fills an
        arriving order against the touch, never against another resting order), so reading it
        would change nothing; only a step fills resting orders."""
        engine, exchange = self.engine, self.exchange
        for _ in range(20):
            self._poll()
            if engine.has_work:  # else a drain would do nothing
                await engine.drain()
                self._polled = exchange.last_fill_id
            if not engine.has_work and exchange.last_fill_id == self._polled:
                return

    async def _deliver_funding(self) -> None:
        """Deliver the funding payments the row's step made (if any) to their holders."""
        assert self._funding is not None
        paid = self.exchange.funding_count
        if paid != self._funded:
            self._funded = paid
            await self._funding.poll_once()

    def _poll(self) -> None:
        exchange = self.exchange
        fills = exchange.last_fill_id
        if fills != self._polled:
            filled = {fill.client_order_id for fill in exchange.fills_since(self._polled)}
            self._polled = fills
            self._read_orders(filled)

    def _read_orders(self, filled: set[str]) -> None:
        """:meth:`OrderPoller.poll_once <lpexec.core.OrderPoller.poll_once>` on the paper venue,
        without a coroutine per order (its reads are :meth:`PaperExchangeVenue.order_record`):
        the live executors' orders that ``filled`` names (those with fills since the last read:
        nothing else changes an order's record here, see :meth:`_settle`) are read and what
        their records say is delivered; the poller's reads of the others would change nothing
        (an executor counts each fill once)."""
        engine = self.engine
        now = self.clock.now()
        venues: dict[str, Any] = {}
        for executor, ref in live_order_refs(engine):
            if ref.client_order_id not in filled:
                continue
            venue = venues.get(ref.venue)
            if venue is None:
                venue = venues[ref.venue] = engine.venue(ref.venue)
            try:
                report = venue.order_record(ref.trading_pair, ref.client_order_id)
            except VenueError as error:
                log_unread(ref, error)
                continue
            if report is not None:
                engine.observe(executor.id, report.events(now))

    def _keep(self, line: str) -> None:
        if self.keep_actions:
            self.actions.append(line)

    # --- the quiet window -----------------------------------------------------------------------

    def _next_row(self, index: int) -> int:
        """The next row that may change anything (the last row at the latest)."""
        window = self._window()
        if window is None:
            return index + 1
        return find_next_row(window, index, self.columns)

    def _window(self) -> Window | None:
        """Where nothing happens after the row delivered last; None when the next row must be
        delivered."""
        engine = self.engine
        if engine.has_work:
            return None
        window = Window()
        if not window.add_orders(self.exchange, self.pair, self._floats):
            return None
        for executor in engine.live_executors():
            if not window.add_executor(executor, self._bounds):
                return None
        decided_on = self._decided_on
        for cid, controller in self.runner.controllers.items():
            market = self.markets[cid]
            reports = decided_on[cid] if decided_on is not None else self.runner.reports(cid)
            quiet = controller.quiet(market.timestamp, market, reports)
            if quiet is None:
                return None
            signals = self.signals[cid]
            window.add_controller(
                quiet, (signals, self.signal_copies[cid]) if signals is not None else None
            )
        return None if window.empty else window


_EMPTY = np.empty(0)


def _result(
    engine: Engine,
    store: MemoryStore,
    exchange: PaperExchange,
    replay: _Replay,
    *,
    rows: int,
    started: float,
) -> CexBacktestResult:
    # Read from the executors the store saved (their live objects: the figures of the store's
    # records and of the executors' full reports both come from the executor's metrics), without
    # building a record or a full report per executor; the level and side are the config's
    # (those of the details of the position and order executors), other types' come from their
    # details.
    ran = sorted(store.saved_executors(), key=lambda e: (e.created_at, e.id))
    figures = [executor.metrics() for executor in ran]
    close_types = Counter(
        executor.close_type.value if executor.close_type is not None else "RUNNING"
        for executor in ran
    )
    totals = {
        "net_pnl_quote": sum((m.net_pnl_quote for m in figures), ZERO),
        "funding_quote": sum((_funding_of(executor) for executor in ran), ZERO),
        "fees_paid_quote": sum((m.fees_paid_quote for m in figures), ZERO),
        "volume_quote": sum((m.volume_quote for m in figures), ZERO),
        "executors": Decimal(len(ran)),
        "trades": Decimal(exchange.last_fill_id),
    }
    held = engine.ledger
    summaries = [summary for summary in _held_summaries(held, exchange)]
    stamp = _Stamps()  # many executors and fills share a row's time object
    totals["held_realized_pnl_quote"] = sum((s["realized_pnl_quote"] for s in summaries), ZERO)
    totals["held_unrealized_pnl_quote"] = sum((s["unrealized_pnl_quote"] for s in summaries), ZERO)
    executors = [
        {
            "executor_id": executor.id,
            "type": executor.type,
            "level_id": level_id,
            "side": side,
            "status": executor.status.value,
            "close_type": executor.close_type.value if executor.close_type is not None else None,
            "created_at": stamp(executor.created_at),
            "closed_at": stamp(executor.closed_at) if executor.closed_at else None,
            "net_pnl_quote": metrics.net_pnl_quote,
            "fees_paid_quote": metrics.fees_paid_quote,
            "volume_quote": metrics.volume_quote,
        }
        for executor, metrics in zip(ran, figures, strict=True)
        for level_id, side in (_level_and_side(executor),)
    ]
    trades = [
        {
            "fill_id": fill.fill_id,
            "time": stamp(fill.filled_at) if fill.filled_at else None,
            "client_order_id": str(fill.client_order_id),
            "side": fill.side.value,
            "amount": fill.amount,
            "price": fill.price,
            "fee": fill.fee,
            "fee_asset": fill.fee_asset,
            "liquidity": fill.liquidity.value,
        }
        for fill in exchange.fills_since(0)
    ]
    return CexBacktestResult(
        totals=totals,
        close_types=dict(sorted(close_types.items())),
        executors=executors,
        trades=trades,
        rows=rows,
        delivered=replay.delivered,
        seconds=time.perf_counter() - started,
        actions=replay.actions,
    )


def _funding_of(executor: Any) -> Decimal:
    """The funding an executor received (negative: paid); 0 for types that hold none."""
    funding: Decimal = getattr(executor.state, "funding_quote", ZERO)
    return funding


class _Stamps:
    """Each time's ISO 8601 text, made once per time object (kept alive by its holders)."""

    __slots__ = ("_made",)

    def __init__(self) -> None:
        self._made: dict[int, tuple[dt.datetime, str]] = {}

    def __call__(self, when: dt.datetime) -> str:
        made = self._made.get(id(when))
        if made is not None and made[0] is when:
            return made[1]
        text = when.isoformat()
        self._made[id(when)] = (when, text)
        return text


_CONFIG_TAGGED = (PositionExecutor, OrderExecutor)
"""Executor types whose details' ``level_id`` and ``side`` are their config's."""


def _level_and_side(executor: Any) -> tuple[Any, Any]:
    if type(executor) in _CONFIG_TAGGED:
        config = executor.config
        return config.level_id, config.side
    details = executor.details()
    return getattr(details, "level_id", None), getattr(details, "side", None)


def _held_summaries(ledger: Any, exchange: PaperExchange) -> list[dict[str, Decimal]]:
    out = []
    for position in ledger.positions():
        market = exchange.market(position.key.trading_pair)
        quote = market.quote
        mid = (quote.bid + quote.ask) / 2 if quote is not None else ZERO
        summary = position.summary(mid)
        out.append(
            {
                "realized_pnl_quote": summary.realized_pnl_quote,
                "unrealized_pnl_quote": summary.unrealized_pnl_quote,
            }
        )
    return out
