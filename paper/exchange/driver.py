"""Drive a paper exchange market along a price path: each bar becomes one :meth:`step`.

Sources (the same price paths the LP side replays, :mod:`lpexec.paper.prices` and
:mod:`lpexec.paper.price_bars`):

- :class:`~lpexec.paper.prices.PricePoint` values (``read_price_csv``, ``generate_gbm``) and
  :class:`~lpexec.paper.price_bars.PriceBars` chunks: one price per bar. The touch is made with a
  ``spread`` (the full width, a ratio of the price): ``bid = price × (1 − spread / 2)`` floored to
  the market's tick, ``ask = price × (1 + spread / 2)`` raised to the tick, ``last = price``
  (the perpetual mark). So ``bid <= price <= ask`` always, and a price off the tick gets a one-tick
  touch even at spread 0.
- A CSV with a header ``timestamp,price[,volume]`` (as above) or ``timestamp,bid,ask[,last,volume]``
  (the touch as given; ``last`` defaults to the mid ``(bid + ask) / 2``). Timestamps are ISO-8601
  (naive: UTC) or epoch seconds, ascending; ``#`` lines are comments.

Example:
    >>> from datetime import UTC, datetime
    >>> from lpexec.paper.exchange import Market, PaperExchange, TradingRules
    >>> rules = TradingRules(price_tick=Decimal("0.01"), amount_step=Decimal("0.01"))
    >>> exchange = PaperExchange([Market(trading_pair="SOL-USDC", rules=rules)])
    >>> points = [PricePoint(datetime(2026, 1, 1, tzinfo=UTC), Decimal("150.005"))]
    >>> steps = quote_steps(points, spread=Decimal("0.002"), price_tick=rules.price_tick)
    >>> summary = drive_all(exchange, "SOL-USDC", steps)
    >>> exchange.market("SOL-USDC").quote.bid, exchange.market("SOL-USDC").quote.ask
    (Decimal('149.85'), Decimal('150.16'))
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import TextIO

from lpexec.core.exchange import floor_to_step
from lpexec.core.money import ZERO
from lpexec.paper.exchange.engine import PaperExchange
from lpexec.paper.exchange.orders import Fill
from lpexec.paper.price_bars import PriceBars

# The LP side's CSV conventions (timestamps, numbers, line-numbered errors), reused as they are.
from lpexec.paper.prices import PricePoint, _parse_decimal, _parse_timestamp, parse_price_csv

__all__ = [
    "DEFAULT_SPREAD",
    "DriveSummary",
    "QuoteStep",
    "drive",
    "drive_all",
    "parse_quote_csv",
    "quote_steps",
    "quote_steps_from_bars",
    "read_quote_csv",
    "touch_around",
]

DEFAULT_SPREAD = Decimal("0.001")
"""10 basis points of full width."""
_ONE, _TWO = Decimal(1), Decimal(2)


@dataclass(frozen=True, slots=True)
class QuoteStep:
    """One step of a market: its time, touch and last price (and the bar's volume, if known)."""

    timestamp: datetime
    bid: Decimal
    ask: Decimal
    last: Decimal
    volume: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DriveSummary:
    """What a drive did: how many steps it played, the fills they made, the last step."""

    steps: int
    fills: tuple[Fill, ...]
    last: QuoteStep | None


def _check_spread(spread: Decimal) -> None:
    if not isinstance(spread, Decimal) or not ZERO <= spread < _ONE:
        raise ValueError(f"spread: expected a Decimal ratio in [0, 1), received {spread!r}")


def touch_around(
    price: Decimal, *, spread: Decimal, price_tick: Decimal
) -> tuple[Decimal, Decimal]:
    """Return (bid, ask) around ``price``: ``spread`` wide, the bid floored and the ask raised to
    the tick.

    Example:
        >>> touch_around(Decimal(100), spread=Decimal("0.01"), price_tick=Decimal("0.1"))
        (Decimal('99.5'), Decimal('100.5'))
    """
    _check_spread(spread)
    half = spread / _TWO
    bid = floor_to_step(price * (_ONE - half), price_tick)
    raw_ask = price * (_ONE + half)
    ask = (raw_ask / price_tick).to_integral_value(rounding=ROUND_CEILING) * price_tick
    if bid <= ZERO:
        raise ValueError(
            f"price: expected a bid of at least one tick {price_tick} around {price} at spread "
            f"{spread}, received bid {bid}"
        )
    return bid, ask


def quote_steps(
    points: Iterable[PricePoint], *, spread: Decimal = DEFAULT_SPREAD, price_tick: Decimal
) -> Iterator[QuoteStep]:
    """Turn price points into steps with a touch ``spread`` wide around each price."""
    _check_spread(spread)
    for point in points:
        bid, ask = touch_around(point.price, spread=spread, price_tick=price_tick)
        yield QuoteStep(point.timestamp, bid, ask, point.price, point.volume)


def quote_steps_from_bars(
    bars: Iterable[PriceBars], *, spread: Decimal = DEFAULT_SPREAD, price_tick: Decimal
) -> Iterator[QuoteStep]:
    """Turn chunks of bars (float prices) into steps; each price is read as its shortest
    decimal (``repr``), as :mod:`lpexec.paper.prices` does."""
    _check_spread(spread)
    for chunk in bars:
        for seconds, price, volume in zip(
            chunk.timestamps.tolist(), chunk.prices.tolist(), chunk.volumes.tolist(), strict=True
        ):
            exact = Decimal(repr(price))
            bid, ask = touch_around(exact, spread=spread, price_tick=price_tick)
            yield QuoteStep(
                datetime.fromtimestamp(seconds, tz=UTC), bid, ask, exact, Decimal(repr(volume))
            )


def parse_quote_csv(
    text: str, *, spread: Decimal = DEFAULT_SPREAD, price_tick: Decimal
) -> list[QuoteStep]:
    """Parse a price CSV (see the module docstring) into steps.

    Raises:
        ValueError: a missing column, a bad value, a bid above the ask, or timestamps that go
            backwards; the message names the line.
    """
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        if row and not row[0].lstrip().startswith("#")
    ]
    if not rows:
        raise ValueError(
            "Expected a header 'timestamp,price[,volume]' or 'timestamp,bid,ask[,last,volume]', "
            "received no rows"
        )
    header_line, header = rows[0]
    columns = [name.strip().lower() for name in header]
    if "bid" not in columns and "ask" not in columns:
        return list(quote_steps(parse_price_csv(text), spread=spread, price_tick=price_tick))
    if "timestamp" not in columns or "bid" not in columns or "ask" not in columns:
        raise ValueError(
            f"Expected a header with timestamp, bid and ask on line {header_line}, received "
            f"{','.join(header)!r}"
        )
    return _touch_rows(columns, rows[1:])


def _touch_rows(columns: list[str], rows: list[tuple[int, list[str]]]) -> list[QuoteStep]:
    index = {
        name: columns.index(name)
        for name in ("timestamp", "bid", "ask", "last", "volume")
        if name in columns
    }
    steps: list[QuoteStep] = []
    for line, row in rows:
        if len(row) < len(columns):
            raise ValueError(f"Expected {len(columns)} columns on line {line}, received {len(row)}")
        bid = _parse_decimal(row[index["bid"]], "bid", line, positive=True)
        ask = _parse_decimal(row[index["ask"]], "ask", line, positive=True)
        if bid > ask:
            raise ValueError(f"Expected bid <= ask on line {line}, received bid {bid} > ask {ask}")
        last = (bid + ask) / _TWO
        if "last" in index and row[index["last"]].strip():
            last = _parse_decimal(row[index["last"]], "last", line, positive=True)
        volume = None
        if "volume" in index and row[index["volume"]].strip():
            volume = _parse_decimal(row[index["volume"]], "volume", line, positive=False)
        step = QuoteStep(_parse_timestamp(row[index["timestamp"]], line), bid, ask, last, volume)
        if steps and step.timestamp < steps[-1].timestamp:
            raise ValueError(
                f"Expected timestamps in ascending order on line {line}, received "
                f"{step.timestamp.isoformat()} after {steps[-1].timestamp.isoformat()}"
            )
        steps.append(step)
    return steps


def read_quote_csv(
    source: str | Path | TextIO, *, spread: Decimal = DEFAULT_SPREAD, price_tick: Decimal
) -> list[QuoteStep]:
    """Read a price CSV (see the module docstring) from a path or an open text stream."""
    if isinstance(source, str | Path):
        text = Path(source).read_text(encoding="utf-8")
    else:
        text = source.read()
    return parse_quote_csv(text, spread=spread, price_tick=price_tick)


def drive(
    exchange: PaperExchange, trading_pair: str, steps: Iterable[QuoteStep]
) -> Iterator[tuple[QuoteStep, list[Fill]]]:
    """Step ``trading_pair`` through ``steps``, yielding each step with the fills it made.

    Raises:
        MarketNotFoundError: no market is listed for the pair.
        InvalidQuoteError: a step's prices are not usable.
    """
    exchange.market(trading_pair)
    for step in steps:
        fills = exchange.step(
            trading_pair, bid=step.bid, ask=step.ask, last=step.last, now=step.timestamp
        )
        yield step, fills


def drive_all(
    exchange: PaperExchange, trading_pair: str, steps: Iterable[QuoteStep]
) -> DriveSummary:
    """Run :func:`drive` to the end and return what it did."""
    count, fills, last = 0, [], None
    for step, made in drive(exchange, trading_pair, steps):
        count, last = count + 1, step
        fills.extend(made)
    return DriveSummary(steps=count, fills=tuple(fills), last=last)
