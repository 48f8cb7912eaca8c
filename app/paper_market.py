"""The paper exchange a user's commands share: its markets, its price paths and its time.

Without ``--exchange``, CEX commands run on a paper exchange kept in a state file (by default in
the user data directory), so ``lpexec order place`` then ``lpexec order status`` a minute later
see the same venue. The venue has its own **paper time**: each session advances it by the wall
time elapsed since the last one (at most a day: a month-old state file does not replay a month)
plus any ``--advance`` asked for, one step per minute. Each step moves every market along its
price path and the resting orders fill by the paper exchange's fill rule.

There are two paper exchanges on the same price paths: ``paper`` (spot markets) and
``paper_perpetual`` (a perpetual market per pair, USDT collateral, isolated margin up to 20x,
maintenance margin 2 %, funding 0.01 % every 8 hours; see :mod:`lpexec.paper.exchange.perpetual`).

Price paths are seeded geometric Brownian motions, one per market: step ``k`` of a market draws
its shock from a generator seeded with ``(seed, pair, k)``, so the path is the same whatever the
sessions' lengths, and a session never regenerates the past. Bid and ask are the mid minus and plus
half the spread, the bid floored and the ask raised to the tick (the paper exchange's price
driver, :func:`~lpexec.paper.exchange.driver.touch_around`).

State file: JSON ``{"version": 1, "seed", "paper_time", "wall_time", "step", "mids", "exchange",
"perpetual"}``, written atomically (temporary file, fsync, rename).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lpexec.core import TradingRules
from lpexec.paper.exchange import Market, PaperExchange, PerpetualSpec
from lpexec.paper.exchange.driver import touch_around

__all__ = [
    "DEFAULT_BALANCES",
    "DEFAULT_MARKETS",
    "STEP_SECONDS",
    "MarketSpec",
    "PaperMarkets",
]

STEP_SECONDS = 60
"""Paper time between two steps of the markets."""
MAX_CATCH_UP = dt.timedelta(days=1)
"""The most wall time one session replays."""
_VOLATILITY = 0.8  # annual
_STEP_YEARS = STEP_SECONDS / (365 * 24 * 3600)


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """One paper market: its pair, first price, spread (a ratio) and rules."""

    trading_pair: str
    start_price: Decimal
    price_tick: Decimal
    amount_step: Decimal
    min_amount: Decimal = Decimal(0)
    min_notional: Decimal = Decimal(5)
    spread: Decimal = Decimal("0.0004")

    def market(self, perpetual: PerpetualSpec | None = None) -> Market:
        """A paper market with these rules (a perpetual one with ``perpetual``'s terms)."""
        rules = TradingRules(
            price_tick=self.price_tick,
            amount_step=self.amount_step,
            min_amount=self.min_amount,
            min_notional=self.min_notional,
        )
        return Market(trading_pair=self.trading_pair, rules=rules, perpetual=perpetual)


DEFAULT_MARKETS: tuple[MarketSpec, ...] = (
    MarketSpec("SOL-USDT", Decimal(150), Decimal("0.01"), Decimal("0.001")),
    MarketSpec("BTC-USDT", Decimal(60000), Decimal("0.1"), Decimal("0.00001")),
    MarketSpec("ETH-USDT", Decimal(3000), Decimal("0.01"), Decimal("0.0001")),
)
DEFAULT_BALANCES: Mapping[str, Decimal] = {
    "USDT": Decimal(100000),
    "SOL": Decimal(100),
    "BTC": Decimal(1),
    "ETH": Decimal(20),
}
DEFAULT_MAKER_FEE = Decimal("0.0008")
DEFAULT_TAKER_FEE = Decimal("0.001")
PERPETUAL_TERMS = PerpetualSpec(
    max_leverage=20,
    maintenance_margin_ratio=Decimal("0.02"),
    funding_rate=Decimal("0.0001"),
    funding_interval_seconds=8 * 3600,
)
PERPETUAL_COLLATERAL: Mapping[str, Decimal] = {"USDT": Decimal(100000)}
PERPETUAL_MAKER_FEE = Decimal("0.0002")
PERPETUAL_TAKER_FEE = Decimal("0.0005")


def _new_perpetual() -> PaperExchange:
    return PaperExchange(
        [spec.market(PERPETUAL_TERMS) for spec in DEFAULT_MARKETS],
        balances=PERPETUAL_COLLATERAL,
        maker_fee=PERPETUAL_MAKER_FEE,
        taker_fee=PERPETUAL_TAKER_FEE,
    )


@dataclass
class PaperMarkets:
    """A paper exchange with its price paths and paper time (see the module docstring).

    Attributes:
        exchange: the spot exchange.
        perpetual: the perpetual exchange.
        paper_time: the time of the last step.
        mids: each market's last mid price.
    """

    exchange: PaperExchange
    perpetual: PaperExchange
    seed: int
    paper_time: dt.datetime
    wall_time: dt.datetime
    step: int = 0
    specs: tuple[MarketSpec, ...] = DEFAULT_MARKETS
    mids: dict[str, Decimal] = field(default_factory=dict)

    @classmethod
    def new(cls, *, seed: int, now: dt.datetime) -> PaperMarkets:
        """A fresh paper exchange with the default markets, balances and fees, stepped once."""
        exchange = PaperExchange(
            [spec.market() for spec in DEFAULT_MARKETS],
            balances=DEFAULT_BALANCES,
            maker_fee=DEFAULT_MAKER_FEE,
            taker_fee=DEFAULT_TAKER_FEE,
        )
        markets = cls(
            exchange=exchange,
            perpetual=_new_perpetual(),
            seed=seed,
            paper_time=now,
            wall_time=now,
            mids={spec.trading_pair: spec.start_price for spec in DEFAULT_MARKETS},
        )
        for spec in markets.specs:
            markets._quote(spec, markets.mids[spec.trading_pair], now)
        return markets

    # --- time -------------------------------------------------------------------------------

    def catch_up_steps(self, wall_now: dt.datetime, *, extra_seconds: float = 0) -> int:
        """How many steps a session starting at ``wall_now`` plays (wall time elapsed since the
        last session, at most a day, plus ``extra_seconds``), and record ``wall_now``."""
        elapsed = min(max(wall_now - self.wall_time, dt.timedelta(0)), MAX_CATCH_UP)
        self.wall_time = wall_now
        return int((elapsed.total_seconds() + extra_seconds) // STEP_SECONDS)

    def advance(self) -> Iterator[tuple[str, Decimal]]:
        """Play one step: move paper time one step on, move every market along its path (its
        resting orders fill), and yield each market's pair and new mid."""
        self.step += 1
        self.paper_time += dt.timedelta(seconds=STEP_SECONDS)
        for spec in self.specs:
            pair = spec.trading_pair
            shock = random.Random(f"{self.seed}:{pair}:{self.step}").gauss(0.0, 1.0)
            factor = math.exp(
                -_VOLATILITY * _VOLATILITY / 2 * _STEP_YEARS
                + _VOLATILITY * math.sqrt(_STEP_YEARS) * shock
            )
            mid = (self.mids[pair] * Decimal(repr(factor))).quantize(spec.price_tick)
            self.mids[pair] = mid
            self._quote(spec, mid, self.paper_time)
            yield pair, mid

    @property
    def fill_count(self) -> int:
        """How many fills both exchanges have made (a change means their ledgers moved)."""
        return self.exchange.last_fill_id + self.perpetual.last_fill_id

    def _quote(self, spec: MarketSpec, mid: Decimal, now: dt.datetime) -> None:
        bid, ask = touch_around(mid, spread=spec.spread, price_tick=spec.price_tick)
        for exchange in (self.exchange, self.perpetual):
            exchange.step(spec.trading_pair, bid=bid, ask=ask, last=mid, now=now)

    # --- the state file ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Everything, as JSON-safe data."""
        return {
            "version": 1,
            "seed": self.seed,
            "paper_time": self.paper_time.isoformat(),
            "wall_time": self.wall_time.isoformat(),
            "step": self.step,
            "mids": {pair: str(mid) for pair, mid in self.mids.items()},
            "exchange": self.exchange.to_dict(),
            "perpetual": self.perpetual.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PaperMarkets:
        """Rebuild from :meth:`to_dict`."""
        return cls(
            exchange=PaperExchange.from_dict(data["exchange"]),
            perpetual=PaperExchange.from_dict(data["perpetual"]),
            seed=int(data["seed"]),
            paper_time=dt.datetime.fromisoformat(data["paper_time"]),
            wall_time=dt.datetime.fromisoformat(data["wall_time"]),
            step=int(data["step"]),
            mids={pair: Decimal(mid) for pair, mid in data["mids"].items()},
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the state file atomically."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(self.to_dict(), handle, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)

    @classmethod
    def load_or_new(
        cls, path: str | os.PathLike[str], *, seed: int, now: dt.datetime
    ) -> PaperMarkets:
        """Load the state file, or start a new paper exchange when there is none.

        Raises:
            ValueError: the file exists but is not a paper exchange state file (named in the
                message, with what is wrong).
        """
        target = Path(path)
        if not target.exists():
            return cls.new(seed=seed, now=now)
        if target.is_dir():
            raise ValueError(
                f"paper exchange state: expected a file, received the directory {str(target)!r}"
            )
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
            if data.get("version") != 1:
                raise ValueError(f"version: expected 1, received {data.get('version')!r}")
            return cls.from_dict(data)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ValueError(
                f"paper exchange state {str(target)!r}: expected a state file written by "
                f"lpexec, could not read it: {error}"
            ) from None
