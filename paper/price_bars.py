"""Price series in columns: chunks of bars as numpy arrays, for long backtests.

A year of 1-minute bars is half a million rows; as :class:`~paper.prices.PricePoint` objects
(Decimal, datetime) each costs microseconds to build. :class:`PriceBars` holds a chunk as arrays
(Unix seconds, float prices, float volumes) and is what the backtest replays; only the bars the
executors must see are turned back into Decimal prices (bin prices, exact).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice

import numpy as np
import numpy.typing as npt

from lpexec.paper.prices import PricePoint

__all__ = ["CHUNK_ROWS", "PriceBars", "bars_from_points", "gbm_bars"]

CHUNK_ROWS = 65_536
_SECONDS_PER_YEAR = 365 * 24 * 3600


@dataclass(frozen=True, slots=True)
class PriceBars:
    """A chunk of bars: ``timestamps`` (Unix seconds, int64), ``prices`` (quote per base,
    float64) and ``volumes`` (quote units, float64; zeros when the source has none)."""

    timestamps: npt.NDArray[np.int64]
    prices: npt.NDArray[np.float64]
    volumes: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.timestamps)


def bars_from_points(points: Iterable[PricePoint], size: int = CHUNK_ROWS) -> Iterator[PriceBars]:
    """Turn price points into chunks of at most ``size`` bars."""
    rows = iter(points)
    while chunk := list(islice(rows, size)):
        yield PriceBars(
            timestamps=np.fromiter((p.epoch_seconds for p in chunk), np.int64, len(chunk)),
            prices=np.fromiter((float(p.price) for p in chunk), np.float64, len(chunk)),
            volumes=np.fromiter(
                (float(p.volume) if p.volume is not None else 0.0 for p in chunk),
                np.float64,
                len(chunk),
            ),
        )


def gbm_bars(
    *,
    start_price: Decimal,
    steps: int,
    seed: int,
    start: datetime,
    step_seconds: int = 60,
    annual_volatility: float = 0.8,
    annual_drift: float = 0.0,
    mean_volume: float = 0.0,
    size: int = CHUNK_ROWS,
) -> Iterator[PriceBars]:
    """A geometric Brownian motion of ``steps + 1`` bars in chunks (numpy's PCG64, ``seed``).

    Same model as :func:`paper.prices.iter_gbm` (log-price steps with drift
    ``(mu - sigma**2 / 2) * dt`` and scale ``sigma * sqrt(dt)``; volumes that average
    ``mean_volume`` and rise with the size of the move), drawn in bulk; prices are rounded to
    4 decimals and volumes to cents, as ``iter_gbm`` does.
    """
    if steps < 0 or step_seconds <= 0 or not Decimal(start_price) > 0:
        raise ValueError(
            "Expected steps >= 0, step_seconds > 0 and start_price > 0, received "
            f"steps={steps} step_seconds={step_seconds} start_price={start_price}",
        )
    rng = np.random.default_rng(seed)
    dt = step_seconds / _SECONDS_PER_YEAR
    drift = (annual_drift - annual_volatility**2 / 2) * dt
    scale = annual_volatility * math.sqrt(dt)
    first = int((start if start.tzinfo else start.replace(tzinfo=UTC)).timestamp())
    log_price = math.log(float(start_price))
    total, done = steps + 1, 0
    while done < total:
        count = min(size, total - done)
        shocks = rng.standard_normal(count)
        steps_in_log = drift + scale * shocks
        if done == 0:
            shocks[0] = steps_in_log[0] = 0.0  # the first bar is the start price
        logs = log_price + np.cumsum(steps_in_log)
        log_price = float(logs[-1])
        factor = (0.2 + 0.8 * np.abs(shocks) * math.sqrt(math.pi / 2)) * rng.lognormal(
            -0.125, 0.5, count
        )
        yield PriceBars(
            timestamps=first + step_seconds * np.arange(done, done + count, dtype=np.int64),
            prices=np.round(np.exp(logs), 4),
            volumes=np.round(mean_volume * factor, 2),
        )
        done += count
