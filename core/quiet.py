"""Quiet windows: the market data an executor can promise to ignore.

A backtest (or any driver that replays data) asks a live executor for its quiet window and may
skip delivering prices and ticks that fall inside it: the executor promises that such events
would change nothing it decides, reports or persists, except what every event overwrites (the
last price and the time of the last event), which the driver refreshes by delivering the next
event it does not skip. ``None`` means "deliver
everything". Delivering an event inside the window is always allowed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

__all__ = ["QuietWindow"]


class QuietWindow(NamedTuple):
    """Prices and times inside which an executor's decisions cannot change (a named tuple:
    a replay asks for one at every bar it delivers).

    Attributes:
        key: the price key the window is about (a pool address for LP executors).
        low_bin: lowest active bin id (inclusive) inside the window; None for no bound.
        high_bin: highest active bin id (inclusive) inside the window; None for no bound.
        low_price: prices must stay strictly above it; None for no bound.
        high_price: prices must stay strictly below it; None for no bound.
        until: events at or after this time must be delivered; None for no deadline.
    """

    key: str
    low_bin: int | None = None
    high_bin: int | None = None
    low_price: Decimal | None = None
    high_price: Decimal | None = None
    until: dt.datetime | None = None
