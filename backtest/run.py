"""LP backtests: the rebalance policy and real LP executors, on the engine, on a paper chain.

The same code path as the daemon: a :class:`PolicyRunner` decides, the engine creates and runs
``LPExecutor``\\ s, and the paper venues carry commands out on a :class:`PaperChain` whose pool
the outside market moves bar by bar (the pool's bar market: each bar ends in its bin and trades
its volume there, so fees accrue to the position in proportion to its share of that bin). Bars
inside the live executor's quiet window only move the market (see :mod:`app.backtest_replay`);
the numbers are those of delivering every bar. Time is simulated and follows the bars'
timestamps; the store is a :class:`~core.MemoryStore` (nothing to keep after the run). Same
seed and input give identical numbers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from lpexec.backtest.replay import BarReplay, target_bins
from lpexec.controllers.rebalancer import PolicyRunner
from lpexec.core import Engine, MemoryStore
from lpexec.core.clock import SimulatedClock
from lpexec.core.money import ZERO
from lpexec.lp import LPExecutor
from lpexec.lp.rebalance import PolicyState, RebalanceConfig
from lpexec.paper.chain import PaperChain
from lpexec.paper.pools import DlmmFeeParameters, DlmmPool, Strategy
from lpexec.paper.price_bars import PriceBars, bars_from_points
from lpexec.paper.prices import PricePoint
from lpexec.paper.venues import PaperLiquidityVenue, PaperSwapVenue

__all__ = ["BacktestResult", "PoolSpec", "Sample", "parse_pool_spec", "run_backtest"]

POOL_ADDRESS = "BacktestPooL1111111111111111111111111111111"


@dataclass(frozen=True, slots=True)
class PoolSpec:
    """The simulated pool: ``dlmm:bin_step=10`` (base fee = bin step, as Meteora's defaults)."""

    kind: str = "dlmm"
    bin_step: int = 10
    depth_quote: Decimal = Decimal(100_000_000)
    """Quote value of others' liquidity in the 1,201 bins around the start price (the same density
    per bin continues over 2,400 more bins each side)."""


def parse_pool_spec(text: str) -> PoolSpec:
    """Parse ``dlmm:bin_step=10[,depth=100000000]``; errors name the bad part."""
    kind, _, options = text.partition(":")
    if kind != "dlmm":
        raise ValueError(f"--pool: expected 'dlmm:bin_step=N', received kind {kind!r}")
    values: dict[str, str] = {}
    for part in filter(None, options.split(",")):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"--pool: expected key=value, received {part!r}")
        values[key.strip()] = value.strip()
    unknown = set(values) - {"bin_step", "depth"}
    if unknown:
        raise ValueError(f"--pool: unknown option(s) {sorted(unknown)}; expected bin_step, depth")
    try:
        bin_step = int(values.get("bin_step", "10"))
        depth = Decimal(values.get("depth", "100000000"))
    except (ValueError, ArithmeticError):
        raise ValueError(f"--pool: expected numbers, received {text!r}") from None
    if not 1 <= bin_step <= 400:
        raise ValueError(f"--pool: expected bin_step in 1..400, received {bin_step}")
    return PoolSpec(kind=kind, bin_step=bin_step, depth_quote=depth)


@dataclass(frozen=True, slots=True)
class Sample:
    """One point of the P&L decomposition over time (quote units)."""

    timestamp: dt.datetime
    price: Decimal
    lower: Decimal | None
    upper: Decimal | None
    fees_earned: Decimal
    impermanent_loss: Decimal
    tx_fees: Decimal
    net_pnl: Decimal


@dataclass
class BacktestResult:
    """Totals (quote unless ``_sol``), the samples, and how long it took."""

    totals: dict[str, Decimal]
    rebalances: int
    time_in_range: Decimal
    rows: int
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    executors: list[str] = field(default_factory=list)
    ledger: dict[str, Decimal] = field(default_factory=dict)
    delivered: int = 0
    """Bars the engine saw; the others were inside the live executor's quiet window."""

    @property
    def rows_per_second(self) -> float:
        """Replay speed."""
        return self.rows / self.seconds if self.seconds else 0.0


async def run_backtest(
    points: Iterable[PricePoint] | Iterable[PriceBars],
    policy: RebalanceConfig,
    *,
    total: int | None = None,
    pool: PoolSpec = PoolSpec(),
    seed: int = 0,
    sample_every: int = 60,
    keep_market_history: bool = False,
    every_bar: bool = False,
    tune_gc: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Replay ``points`` through ``policy`` and return the report.

    Args:
        points: the price series (timestamps ascending): price points, or chunks of
            :class:`~paper.price_bars.PriceBars` (what long runs use); any iterable, so long
            series need not sit in memory (then give ``total`` for the progress callback).
        total: number of rows when ``points`` is not a sequence.
        policy: the rebalance policy (its pool address is replaced by the simulated pool's).
        pool: the simulated pool.
        seed: the chain's seed.
        sample_every: rows between two samples of the P&L over time.
        keep_market_history: keep ledger entries of the market's own trades (memory grows).
        every_bar: deliver every bar to the engine instead of skipping the bars inside the
            executor's quiet window (same numbers, much slower; for checking).
        tune_gc: search for garbage cycles less often while replaying (same numbers, faster;
            ``bench/backtest_gc.py`` measures it).
        progress: called with (rows done, rows total) every 1 % or so.
    """
    if total is None:
        total = len(points) if isinstance(points, Sequence) else 0
    chunks = _chunks(points)
    first = next(chunks, None)
    if first is None or len(first) == 0:
        raise ValueError("--prices: expected at least one row, received none")
    start = dt.datetime.fromtimestamp(int(first.timestamps[0]), dt.UTC)
    clock = SimulatedClock(start)
    chain = PaperChain(clock=clock, seed=seed, confirmation_slots=0)
    chain.ledger.keep_unsigned = keep_market_history
    wallet = _fund(chain, policy)
    dlmm = _pool(chain, Decimal(repr(float(first.prices[0]))), pool, clock)
    config = policy.model_copy(
        update={
            "pool_address": dlmm.address,
            "bin_step": pool.bin_step,
            "refresh_interval_seconds": max(60, sample_every * 60),
        }
    )
    store = MemoryStore()
    engine = Engine(
        store=store,
        clock=clock,
        executor_types=[LPExecutor],
        venues={
            config.lp_provider: PaperLiquidityVenue(chain, wallet=wallet, clock=clock),
            config.swap_provider: PaperSwapVenue(chain, wallet=wallet, clock=clock),
        },
    )
    await engine.start()
    runner = PolicyRunner(engine=engine, database=store, configs=[config])
    runner.load()
    report = _Report(engine, dlmm)
    replay = BarReplay(
        chain,
        engine,
        runner,
        dlmm,
        config,
        sample_every=sample_every,
        every_bar=every_bar,
        on_sample=report.sample,
    )
    report.executors = replay.executors  # the same list: samples see every executor opened so far
    started = time.perf_counter()
    scale = 10**dlmm.quote_decimals
    step = max(1, total // 100)
    marks = {"next": 0}

    def tick_progress() -> None:
        done = replay.rows
        if progress is not None and done >= marks["next"]:
            progress(done, max(total, done))
            marks["next"] = done + step

    chunk: PriceBars | None = first
    with _collecting_less() if tune_gc else contextlib.nullcontext():
        while chunk is not None:
            following = next(chunks, None)
            volumes = np.rint(chunk.volumes * scale).astype(np.int64)
            bins = target_bins(dlmm, chunk.prices)
            await replay.chunk(
                bins,
                volumes,
                chunk.timestamps,
                last=following is None,
                progress=tick_progress if progress is not None else None,
            )
            chunk = following
    if progress is not None:
        progress(replay.rows, max(total, replay.rows))
    elapsed = time.perf_counter() - started
    return report.result(replay, elapsed, chain, wallet, policy_state=replay.policy.state)


@contextmanager
def _collecting_less() -> Iterator[None]:
    """Run the garbage collector's cycle search less often while replaying.

    A replay allocates millions of short-lived objects and makes almost no reference cycles,
    so the default thresholds spend about a tenth of a long run searching. Young objects are
    searched every 100,000 allocations instead of 700, and what was set up before the replay
    is left out of full searches. Both settings are process-wide; they are restored after.
    """
    threshold = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0  # never undo a freeze the caller made
    if freeze:
        gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if freeze:
            gc.unfreeze()


def _chunks(points: Iterable[PricePoint] | Iterable[PriceBars]) -> Iterator[PriceBars]:
    rows = iter(points)
    head = next(rows, None)
    if head is None:
        return iter(())
    if isinstance(head, PriceBars):
        return itertools.chain((head,), rows)  # type: ignore[arg-type]
    return bars_from_points(itertools.chain((head,), rows))  # type: ignore[arg-type]


def _fund(chain: PaperChain, policy: RebalanceConfig) -> str:
    wallet = chain.create_wallet("backtest")
    base, quote = chain.tokens.get(policy.base_token), chain.tokens.get(policy.quote_token)
    reserve = policy.native_reserve + Decimal(1)
    chain.airdrop(wallet, base.symbol, base.to_raw(policy.base_amount + reserve))
    chain.airdrop(wallet, quote.symbol, quote.to_raw(policy.quote_amount + Decimal(1_000)))
    return wallet


def _pool(chain: PaperChain, price: Decimal, spec: PoolSpec, clock: SimulatedClock) -> DlmmPool:
    base, quote = chain.tokens.get("SOL"), chain.tokens.get("USDC")
    pool = DlmmPool.at_price(
        POOL_ADDRESS,
        price=price,
        base_mint=base.address,
        quote_mint=quote.address,
        base_decimals=base.decimals,
        quote_decimals=quote.decimals,
        bin_step=spec.bin_step,
        fee_parameters=DlmmFeeParameters(),
        max_position_width=1_400,
        timestamp=int(clock.now().timestamp()),
    )
    # Others' liquidity: depth_quote over the 1,201 bins around the start price, and the same
    # density per bin on 2,400 more bins each side, so a long series never runs out of market.
    active, half = pool.active_bin_id, 600
    per_bin = spec.depth_quote / (2 * half + 1)
    pool.add_liquidity(
        "others",
        active - half,
        active + half,
        base.to_raw(per_bin * half / price),
        quote.to_raw(per_bin * half),
        Strategy.SPOT,
    )
    width = 1_200
    for side in (-1, 1):
        for index in range(2):
            near = active + side * (half + 1 + index * width)
            lower, upper = sorted((near, near + side * (width - 1)))
            mid_price = pool.bin_price((lower + upper) // 2)
            pool.add_liquidity(
                f"others-{side * (index + 1)}",
                lower,
                upper,
                base.to_raw(per_bin * width / mid_price) if side > 0 else 0,
                quote.to_raw(per_bin * width) if side < 0 else 0,
                Strategy.SPOT,
            )
    chain.add_pool(pool, connector="meteora")
    return pool


class _Report:
    """Totals and samples of the executors the policy opened."""

    def __init__(self, engine: Engine, pool: DlmmPool) -> None:
        self.engine, self.pool = engine, pool
        self.samples: list[Sample] = []
        self.executors: list[str] = []
        self._finished = dict.fromkeys((*_QUOTE_FIGURES, *_SOL_FIGURES), ZERO)
        self._folded = 0

    def sample(self, when: dt.datetime, executor: LPExecutor | None) -> None:
        totals = self._totals()
        state = executor.state if executor is not None else None
        self.samples.append(
            Sample(
                timestamp=when,
                price=self.pool.price,
                lower=state.lower_price if state and not state.closed else None,
                upper=state.upper_price if state and not state.closed else None,
                fees_earned=totals["fees_earned_quote"],
                impermanent_loss=totals["impermanent_loss_quote"],
                tx_fees=totals["tx_fees_quote"],
                net_pnl=totals["net_pnl_quote"],
            )
        )

    def _totals(self) -> dict[str, Decimal]:
        """Sum over every executor opened so far. Finished executors no longer change, so the
        leading run of them is summed once and kept (a year has thousands of them)."""
        executors = self.executors
        while self._folded < len(executors):
            executor = self._lp(executors[self._folded])
            if not executor.is_terminated:
                break
            self._finished = _add(self._finished, executor)
            self._folded += 1
        totals = self._finished
        for executor_id in executors[self._folded :]:
            totals = _add(totals, self._lp(executor_id))
        return totals

    def _lp(self, executor_id: str) -> LPExecutor:
        executor = self.engine.executor(executor_id)
        assert isinstance(executor, LPExecutor)
        return executor

    def result(
        self,
        replay: BarReplay,
        seconds: float,
        chain: PaperChain,
        wallet: str,
        *,
        policy_state: PolicyState,
    ) -> BacktestResult:
        rows = replay.rows
        return BacktestResult(
            totals=self._totals(),
            rebalances=policy_state.rebalances,
            time_in_range=Decimal(replay.in_range_bars) / Decimal(rows) if rows else ZERO,
            rows=rows,
            seconds=seconds,
            samples=self.samples,
            executors=list(self.executors),
            ledger=_ledger_totals(chain, wallet),
            delivered=replay.delivered,
        )


_QUOTE_FIGURES = (
    "fees_earned_quote",
    "impermanent_loss_quote",
    "price_move_quote",
    "tx_fees_quote",
    "rent_sunk_quote",
    "swap_costs_quote",
    "net_pnl_quote",
)
_SOL_FIGURES = ("tx_fee_sol", "rent_locked_sol", "rent_sunk_sol")


def _add(totals: dict[str, Decimal], executor: LPExecutor) -> dict[str, Decimal]:
    """``totals`` plus one executor's figures (a new dict)."""
    figures = executor.accounting()
    summed = {name: totals[name] + getattr(figures, name) for name in _QUOTE_FIGURES}
    summed["tx_fee_sol"] = totals["tx_fee_sol"] + executor.state.tx_fee
    summed["rent_locked_sol"] = totals["rent_locked_sol"] + figures.rent_locked_native
    summed["rent_sunk_sol"] = totals["rent_sunk_sol"] + executor.state.rent_sunk
    return summed


def _ledger_totals(chain: PaperChain, wallet: str) -> dict[str, Decimal]:
    """The wallet's rent, tx fees and claimed LP fees as the chain's ledger recorded them."""
    from lpexec.paper.chain.ledger import LAMPORTS, AccountKind, Cause

    lamports = Decimal(1_000_000_000)
    sums: dict[Any, int] = {}
    for entry in chain.ledger:
        if entry.owner != wallet or entry.kind not in (
            AccountKind.WALLET,
            AccountKind.TOKEN_ACCOUNT,
        ):
            continue
        key = (entry.cause, entry.asset == LAMPORTS)
        sums[key] = sums.get(key, 0) + entry.delta
    return {
        "tx_fee_sol": Decimal(-sums.get((Cause.TX_FEE, True), 0)) / lamports,
        "rent_locked_sol": Decimal(
            -sums.get((Cause.RENT_LOCKED, True), 0) - sums.get((Cause.RENT_REFUNDED, True), 0)
        )
        / lamports,
        "rent_sunk_sol": Decimal(-sums.get((Cause.RENT_SUNK, True), 0)) / lamports,
    }
