"""Quiet windows: the market data an executor can promise to ignore.

A backtest (or any driver that replays data) asks a live executor for its quiet window and may
skip delivering prices and ticks that fall inside it: the executor promises that such events
would change nothing it decides, reports or persists, except what every event overwrites (the
last price and the time of the last event), which the driver refreshes by delivering the next
event it does not skip. ``None`` means "deliver everything". Delivering an event inside the
window is always allowed.

A window may also allow *excursions*: a run of events outside its bins that comes back inside
before a per-side time limit. Such a trip changes the executor's state on the way out and back
again on the way in, so it ends where it started; only its revision counter and its journal
(which record the two changes) differ from skipping it. A driver that stops skipping in the
middle of a run must deliver from the run's first event on, so the executor sees the run as it
happened.
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
        excursions: True when runs of events outside ``[low_bin, high_bin]`` are quiet too,
            provided each run stays on one side (above ``high_bin`` or below ``low_bin``), comes
            back inside, and each of its events is less than that side's limit after the run's
            first event. The price limits and ``until`` still bound every event.
        above_seconds: the limit of runs above ``high_bin`` in seconds; None for no limit.
        below_seconds: the limit of runs below ``low_bin`` in seconds; None for no limit.
    """

    key: str
    low_bin: int | None = None
    high_bin: int | None = None
    low_price: Decimal | None = None
    high_price: Decimal | None = None
    until: dt.datetime | None = None
    excursions: bool = False
    above_seconds: int | None = None
    below_seconds: int | None = None
