"""Price paths for paper pools: CSV replay, seeded GBM generation and a pool driver.

CSV format: a header ``timestamp,price[,volume]`` then one row per bar. ``timestamp`` is
ISO-8601 (naive values are UTC) or epoch seconds; ``price`` is quote per base; ``volume`` is
the bar's traded volume in quote units (e.g. USDC). Lines starting with ``#`` are comments.

Example:
    >>> points = generate_gbm(start_price=Decimal(150), steps=3, seed=7,
    ...     start=datetime(2025, 1, 1, tzinfo=UTC))
    >>> len(points)
    4
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO

from lpexec.paper.pools import MoveResult, PaperPool

__all__ = [
    "DEMO_PRICES",
    "PricePoint",
    "ReplaySummary",
    "generate_gbm",
    "iter_gbm",
    "parse_price_csv",
    "read_price_csv",
    "replay",
    "replay_all",
    "write_price_csv",
]

_SECONDS_PER_YEAR = 365 * 24 * 3600

DEMO_PRICES = Path(__file__).with_name("demo_prices.csv")
"""48 synthetic SOL-USDC one-minute bars that leave the demo range upwards (``lpexec demo``)."""


@dataclass(frozen=True, slots=True)
class PricePoint:
    """One bar of a price path."""

    timestamp: datetime
    """Aware UTC time of the bar."""
    price: Decimal
    """Quote per base."""
    volume: Decimal | None = None
    """Traded volume in quote units, if known."""

    @property
    def epoch_seconds(self) -> int:
        """The timestamp as whole Unix seconds."""
        return int(self.timestamp.timestamp())


def _parse_timestamp(text: str, line: int) -> datetime:
    value = text.strip()
    try:
        if value.replace(".", "", 1).lstrip("-").isdigit():
            return datetime.fromtimestamp(float(value), tz=UTC)
        parsed = datetime.fromisoformat(value)
    except (ValueError, OverflowError) as error:
        raise ValueError(
            f"Expected an ISO-8601 or epoch-seconds timestamp on line {line}, "
            f"received timestamp={value!r}",
        ) from error
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _parse_decimal(text: str, name: str, line: int, *, positive: bool) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as error:
        raise ValueError(
            f"Expected a number for {name} on line {line}, received {name}={text!r}",
        ) from error
    if not value.is_finite() or value < 0 or (positive and value == 0):
        expected = "> 0" if positive else ">= 0"
        raise ValueError(f"Expected {name} {expected} on line {line}, received {name}={text!r}")
    return value


def parse_price_csv(text: str) -> list[PricePoint]:
    """Parse CSV text (see the module docstring) into points, checking time order.

    Raises:
        ValueError: A missing header column, a bad value, or timestamps that go backwards;
            the message names the line.
    """
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        if row and not row[0].lstrip().startswith("#")
    ]
    if not rows:
        raise ValueError("Expected a header 'timestamp,price[,volume]', received no rows")
    header_line, header = rows[0]
    columns = [name.strip().lower() for name in header]
    if "timestamp" not in columns or "price" not in columns:
        raise ValueError(
            f"Expected a header with timestamp and price on line {header_line}, "
            f"received {','.join(header)!r}",
        )
    time_index, price_index = columns.index("timestamp"), columns.index("price")
    volume_index = columns.index("volume") if "volume" in columns else None
    points: list[PricePoint] = []
    for line, row in rows[1:]:
        if len(row) < len(columns):
            raise ValueError(
                f"Expected {len(columns)} columns on line {line}, received {len(row)}",
            )
        volume = None
        if volume_index is not None and row[volume_index].strip():
            volume = _parse_decimal(row[volume_index], "volume", line, positive=False)
        point = PricePoint(
            timestamp=_parse_timestamp(row[time_index], line),
            price=_parse_decimal(row[price_index], "price", line, positive=True),
            volume=volume,
        )
        if points and point.timestamp < points[-1].timestamp:
            raise ValueError(
                f"Expected timestamps in ascending order on line {line}, received "
                f"{point.timestamp.isoformat()} after {points[-1].timestamp.isoformat()}",
            )
        points.append(point)
    return points


def read_price_csv(source: str | Path | TextIO) -> list[PricePoint]:
    """Read a price CSV from a path or an open text stream."""
    if isinstance(source, str | Path):
        return parse_price_csv(Path(source).read_text(encoding="utf-8"))
    return parse_price_csv(source.read())


def write_price_csv(
    points: Iterable[PricePoint],
    destination: Path | TextIO,
    *,
    comment: str | None = None,
) -> None:
    """Write points as CSV (ISO-8601 UTC timestamps), with optional ``#`` comment lines."""
    buffer = io.StringIO()
    if comment:
        for line in comment.splitlines():
            buffer.write(f"# {line}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["timestamp", "price", "volume"])
    for point in points:
        writer.writerow(
            [
                point.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                str(point.price),
                "" if point.volume is None else str(point.volume),
            ],
        )
    if isinstance(destination, Path):
        destination.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        destination.write(buffer.getvalue())


def iter_gbm(
    *,
    start_price: Decimal,
    steps: int,
    seed: int,
    start: datetime,
    step_seconds: int = 60,
    annual_volatility: Decimal = Decimal("0.8"),
    annual_drift: Decimal = Decimal(0),
    mean_volume: Decimal | None = None,
    price_places: int = 4,
) -> Iterator[PricePoint]:
    """Yield a geometric Brownian motion path one point at a time (see :func:`generate_gbm`).

    Long backtests iterate over it instead of holding the whole series in memory.

    ``p[t+1] = p[t] * exp((mu - sigma**2 / 2) * dt + sigma * sqrt(dt) * z)`` with ``z`` from
    ``random.Random(seed).gauss``. With ``mean_volume``, each bar gets a volume that averages
    that figure and rises with the size of the move.

    Args:
        start_price: First price (quote per base).
        steps: Number of moves; the path has ``steps + 1`` points.
        seed: Random seed.
        start: Time of the first point (aware; naive values are taken as UTC).
        step_seconds: Seconds between points.
        annual_volatility: sigma, as a ratio per year (0.8 = 80 %).
        annual_drift: mu, as a ratio per year.
        mean_volume: Average volume per bar in quote units, or None for no volume.
        price_places: Decimal places of the generated prices.
    """
    if steps < 0 or step_seconds <= 0 or not Decimal(start_price) > 0:
        raise ValueError(
            "Expected steps >= 0, step_seconds > 0 and start_price > 0, received "
            f"steps={steps} step_seconds={step_seconds} start_price={start_price}",
        )
    rng = random.Random(seed)
    dt = step_seconds / _SECONDS_PER_YEAR
    sigma, mu = float(annual_volatility), float(annual_drift)
    drift = (mu - sigma * sigma / 2) * dt
    scale = sigma * math.sqrt(dt)
    quantum = Decimal(1).scaleb(-price_places)
    moment = start if start.tzinfo is not None else start.replace(tzinfo=UTC)
    log_price = math.log(float(start_price))
    shock = 0.0
    for index in range(steps + 1):
        if index:
            shock = rng.gauss(0.0, 1.0)
            log_price += drift + scale * shock
        volume = None
        if mean_volume is not None:
            # E[0.2 + 0.8 * |z| * sqrt(pi / 2)] = 1 and E[lognormal(-s^2/2, s)] = 1.
            factor = (0.2 + 0.8 * abs(shock) * math.sqrt(math.pi / 2)) * rng.lognormvariate(
                -0.125,
                0.5,
            )
            volume = (Decimal(mean_volume) * Decimal(repr(factor))).quantize(Decimal("0.01"))
        yield PricePoint(
            timestamp=moment + timedelta(seconds=step_seconds * index),
            price=Decimal(repr(math.exp(log_price))).quantize(quantum),
            volume=volume,
        )


def generate_gbm(
    *,
    start_price: Decimal,
    steps: int,
    seed: int,
    start: datetime,
    step_seconds: int = 60,
    annual_volatility: Decimal = Decimal("0.8"),
    annual_drift: Decimal = Decimal(0),
    mean_volume: Decimal | None = None,
    price_places: int = 4,
) -> list[PricePoint]:
    """Generate a geometric Brownian motion path, reproducible from ``seed``.

    ``p[t+1] = p[t] * exp((mu - sigma**2 / 2) * dt + sigma * sqrt(dt) * z)`` with ``z`` from
    ``random.Random(seed).gauss``. With ``mean_volume``, each bar gets a volume that averages
    that figure and rises with the size of the move. Arguments as :func:`iter_gbm`; the path
    has ``steps + 1`` points.
    """
    return list(
        iter_gbm(
            start_price=start_price,
            steps=steps,
            seed=seed,
            start=start,
            step_seconds=step_seconds,
            annual_volatility=annual_volatility,
            annual_drift=annual_drift,
            mean_volume=mean_volume,
            price_places=price_places,
        )
    )


@dataclass(frozen=True, slots=True)
class ReplaySummary:
    """Totals of a replay, in raw units."""

    bars: int
    swaps: int
    base_fee: int
    quote_fee: int
    quote_volume: int
    """Quote raw units traded by the market (in plus out)."""


def replay(
    pool: PaperPool,
    points: Iterable[PricePoint],
    *,
    volume_scale: Decimal = Decimal(1),
    default_volume: Decimal = Decimal(0),
) -> Iterator[tuple[PricePoint, MoveResult]]:
    """Move ``pool`` along a price path, one bar at a time.

    For each point the pool is swapped to the point's price at the point's timestamp, and
    ``volume * volume_scale`` quote units (``default_volume`` when the bar has none) are
    traded in total, the directional move included.

    Yields:
        Each point with the pool's :class:`MoveResult`.
    """
    unit = Decimal(10) ** pool.quote_decimals
    for point in points:
        volume = point.volume if point.volume is not None else default_volume
        raw_volume = int(volume * volume_scale * unit)
        yield point, pool.move_to_price(point.price, raw_volume, timestamp=point.epoch_seconds)


def replay_all(
    pool: PaperPool,
    points: Iterable[PricePoint],
    *,
    volume_scale: Decimal = Decimal(1),
    default_volume: Decimal = Decimal(0),
) -> ReplaySummary:
    """Run :func:`replay` to the end and return its totals."""
    bars = swaps = base_fee = quote_fee = volume = 0
    for _, move in replay(
        pool,
        points,
        volume_scale=volume_scale,
        default_volume=default_volume,
    ):
        bars += 1
        swaps += len(move.swaps)
        base_fee += move.base_fee
        quote_fee += move.quote_fee
        volume += move.quote_in + move.quote_out
    return ReplaySummary(
        bars=bars,
        swaps=swaps,
        base_fee=base_fee,
        quote_fee=quote_fee,
        quote_volume=volume,
    )
