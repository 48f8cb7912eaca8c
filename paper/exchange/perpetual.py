"""Perpetual futures on the paper exchange: the market terms, the position math and the records.

Everything here is pure (no balances, no state beyond a position's own numbers); the ledger that
posts to the balances is :mod:`lpexec.paper.exchange.positions`.

Margin is **isolated per position**: each position holds its own margin, reserved out of the quote
asset (the collateral), and can never lose more than it.

- **Initial margin** of an opened amount: ``amount × fill price / leverage``; adding to a position
  adds its margin and moves the entry price to the amount-weighted average.
- **Reducing** an amount realizes ``sign × amount × (fill price − entry price)`` (``sign`` +1 for a
  long, −1 for a short) and frees the same share of the margin.
- **Maintenance margin** at the mark: ``amount × mark × maintenance_margin_ratio``. The position's
  equity is ``margin + unrealized P&L`` with ``unrealized P&L = sign × amount × (mark − entry)``.
  A position is **liquidated when its equity is at or below its maintenance margin**.
- **Liquidation price** (the mark where equity equals maintenance margin), from that equation:
  long ``(entry − margin / amount) / (1 − mmr)``, short ``(entry + margin / amount) / (1 + mmr)``;
  None for a long whose formula gives zero or less (at leverage 1 a long cannot be liquidated).
- **Funding**: every ``funding_interval_seconds`` of step time (at the multiples of the interval
  since the Unix epoch) each position pays ``sign × amount × mark × funding_rate``: with a positive
  rate longs pay and shorts receive. A payment is recorded positive when received.
- **Rounding**: a margin, a margin share, a realized P&L or a funding payment with more than
  :data:`MONEY_PLACES` decimal places (a division by the leverage or by the amount, an averaged
  entry price) is rounded to that many: an opened margin and a freed margin share down, an order's
  margin reservation up, P&L and funding half-even. Balances and margins then add up exactly.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from lpexec.core.exchange import PerpPosition, PositionSide
from lpexec.core.money import ZERO

__all__ = [
    "EPOCH",
    "MONEY_PLACES",
    "Liquidation",
    "PerpetualSpec",
    "Position",
    "funding_amount",
    "funding_times",
    "is_liquidatable",
    "liquidation_price",
    "maintenance_margin",
    "money_ceiling",
    "money_floor",
    "money_half_even",
    "side_sign",
    "unrealized_pnl",
]

EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
MONEY_PLACES = 12
"""Decimal places kept by margins, margin shares, realized P&L and funding (quote)."""
_ONE = Decimal(1)
_QUANTUM = Decimal(1).scaleb(-MONEY_PLACES)


def _rounded(value: Decimal, rounding: str) -> Decimal:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -MONEY_PLACES:
        return value  # exact already: keep it as it is
    return value.quantize(_QUANTUM, rounding=rounding)


def money_floor(value: Decimal) -> Decimal:
    """Return ``value`` rounded down to :data:`MONEY_PLACES` places (unchanged if it fits)."""
    return _rounded(value, ROUND_FLOOR)


def money_ceiling(value: Decimal) -> Decimal:
    """Return ``value`` rounded up to :data:`MONEY_PLACES` places (unchanged if it fits)."""
    return _rounded(value, ROUND_CEILING)


def money_half_even(value: Decimal) -> Decimal:
    """Return ``value`` rounded half-even to :data:`MONEY_PLACES` places (unchanged if it fits)."""
    return _rounded(value, ROUND_HALF_EVEN)


@dataclass(frozen=True, kw_only=True, slots=True)
class PerpetualSpec:
    """The terms of a perpetual market.

    Example:
        >>> spec = PerpetualSpec(max_leverage=10, maintenance_margin_ratio=Decimal("0.05"))
        >>> spec.funding_interval_seconds
        28800
    """

    max_leverage: int = 20
    """Highest leverage :meth:`PaperExchange.set_leverage` accepts."""
    maintenance_margin_ratio: Decimal = Decimal("0.02")
    """Share of the position's notional at the mark below which equity is liquidated."""
    funding_rate: Decimal = ZERO
    """Funding per interval as a ratio of the notional at the mark; positive: longs pay shorts."""
    funding_interval_seconds: int = 8 * 3600
    """Seconds of step time between funding payments."""

    def __post_init__(self) -> None:
        if isinstance(self.max_leverage, bool) or not isinstance(self.max_leverage, int):
            raise ValueError(f"max_leverage: expected an int >= 1, received {self.max_leverage!r}")
        if self.max_leverage < 1:
            raise ValueError(f"max_leverage: expected an int >= 1, received {self.max_leverage}")
        mmr = self.maintenance_margin_ratio
        if not isinstance(mmr, Decimal) or not ZERO < mmr < _ONE:
            raise ValueError(
                f"maintenance_margin_ratio: expected a Decimal in (0, 1), received {mmr!r}"
            )
        if self.max_leverage * mmr >= _ONE:
            raise ValueError(
                f"max_leverage: expected max_leverage x maintenance_margin_ratio < 1 (a position "
                f"opened at the mark must not be liquidated at once), received {self.max_leverage}"
                f" x {mmr}"
            )
        rate = self.funding_rate
        if not isinstance(rate, Decimal) or not rate.is_finite() or abs(rate) >= _ONE:
            raise ValueError(f"funding_rate: expected a Decimal in (-1, 1), received {rate!r}")
        interval = self.funding_interval_seconds
        if isinstance(interval, bool) or not isinstance(interval, int) or interval <= 0:
            raise ValueError(
                f"funding_interval_seconds: expected a positive int, received {interval!r}"
            )


@dataclass(kw_only=True, slots=True)
class Position:
    """One open perpetual position (mutable: the ledger updates it in place)."""

    trading_pair: str
    side: PositionSide
    amount: Decimal
    """Base amount, always positive while open."""
    entry_price: Decimal
    leverage: int
    margin: Decimal
    """Isolated margin in quote, reserved out of the collateral."""

    def snapshot(self, mark: Decimal | None, maintenance_margin_ratio: Decimal) -> PerpPosition:
        """Return the port's view of this position, valued at ``mark`` (None: at the entry)."""
        price = self.entry_price if mark is None else mark
        return PerpPosition(
            trading_pair=self.trading_pair,
            side=self.side,
            amount=self.amount,
            entry_price=self.entry_price,
            leverage=self.leverage,
            margin=self.margin,
            unrealized_pnl=unrealized_pnl(self.side, self.amount, self.entry_price, price),
            liquidation_price=liquidation_price(
                self.side, self.amount, self.entry_price, self.margin, maintenance_margin_ratio
            ),
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class Liquidation:
    """A position closed by the exchange at the mark; its whole margin was forfeited."""

    liquidation_id: int
    """Counts up from 1 across the exchange."""
    trading_pair: str
    side: PositionSide
    amount: Decimal
    entry_price: Decimal
    mark_price: Decimal
    margin_lost: Decimal
    """The isolated margin the position held, paid to the exchange."""
    liquidated_at: _dt.datetime | None = None


def side_sign(side: PositionSide) -> int:
    """Return +1 for a long and −1 for a short."""
    return 1 if side == "LONG" else -1


def unrealized_pnl(side: PositionSide, amount: Decimal, entry: Decimal, mark: Decimal) -> Decimal:
    """Return ``sign × amount × (mark − entry)`` in quote."""
    return side_sign(side) * amount * (mark - entry)


def maintenance_margin(amount: Decimal, mark: Decimal, ratio: Decimal) -> Decimal:
    """Return ``amount × mark × ratio``: the least equity a position may keep."""
    return amount * mark * ratio


def is_liquidatable(position: Position, mark: Decimal, ratio: Decimal) -> bool:
    """Return True when the position's equity at ``mark`` is at or below its maintenance margin.

    Example:
        >>> long = Position(trading_pair="SOL-USDC", side="LONG", amount=Decimal(1),
        ...     entry_price=Decimal(100), leverage=4, margin=Decimal(25))
        >>> is_liquidatable(long, Decimal(80), Decimal("0.0625")), is_liquidatable(
        ...     long, Decimal("80.01"), Decimal("0.0625"))
        (True, False)
    """
    equity = position.margin + unrealized_pnl(
        position.side, position.amount, position.entry_price, mark
    )
    return equity <= maintenance_margin(position.amount, mark, ratio)


def liquidation_price(
    side: PositionSide, amount: Decimal, entry: Decimal, margin: Decimal, ratio: Decimal
) -> Decimal | None:
    """Return the mark at which equity equals the maintenance margin (None: never, for a long)."""
    if amount <= ZERO:
        return None
    per_unit = margin / amount
    if side == "LONG":
        price = (entry - per_unit) / (_ONE - ratio)
        return price if price > ZERO else None
    return (entry + per_unit) / (_ONE + ratio)


def funding_amount(side: PositionSide, amount: Decimal, mark: Decimal, rate: Decimal) -> Decimal:
    """Return the funding a position receives (negative: pays): ``−sign × amount × mark × rate``."""
    return money_half_even(-side_sign(side) * amount * mark * rate)


def funding_times(
    after: _dt.datetime, until: _dt.datetime, interval_seconds: int
) -> list[_dt.datetime]:
    """Return the funding times ``t`` with ``after < t <= until``: multiples of the interval
    since the Unix epoch, oldest first."""
    interval = _dt.timedelta(seconds=interval_seconds)
    first = (after - EPOCH) // interval + 1
    last = (until - EPOCH) // interval
    return [EPOCH + index * interval for index in range(first, last + 1)]
