"""Quiet windows: the market data a replay may skip for an executor.

A backtest (or any driver that replays data) computes a live executor's quiet window from its
public state (:func:`lp_quiet_window` for LP executors) and may skip delivering prices and ticks
that fall inside it: such events would change nothing it decides, reports or persists, except what
every event overwrites (the last price and the time of the last event), which the driver refreshes
by delivering the next event it does not skip. ``None`` means "deliver everything". Delivering an
event inside the window is always allowed.

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

from lpexec.lp import LPExecutor, LPState

__all__ = ["QuietWindow", "lp_quiet_window"]


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


def lp_quiet_window(executor: LPExecutor) -> QuietWindow | None:
    """The LP executor's quiet window, from its public state and config.

    While in or out of range on a DLMM pool with nothing in flight: the bins that keep
    the range state and direction, the limit prices, and the next deadline (out-of-range
    close or position refresh). The executor decides nothing differently for prices and ticks
    inside it.

    In range, trips out of the range that come back before the out-of-range close are quiet
    too (excursions): leaving and re-entering undo each other."""
    state, config = executor.state, executor.config
    lower, upper, since = state.lower_bin_id, state.upper_bin_id, state.out_of_range_since
    if (
        not config.is_dlmm
        or lower is None
        or upper is None
        or state.refresh_command_id
        or state.stop_requested
        or state.last_refresh_at is None
    ):
        return None
    until = state.last_refresh_at + dt.timedelta(seconds=config.refresh_interval_seconds)
    in_range = state.lp_state is LPState.IN_RANGE
    if in_range:
        low, high = lower, upper
    elif state.lp_state is LPState.OUT_OF_RANGE and since is not None:
        above = state.out_of_range_direction == "above"
        low, high = (upper + 1, None) if above else (None, lower - 1)
        limit = (
            config.auto_close_above_range_seconds
            if above
            else config.auto_close_below_range_seconds
        )
        if limit is not None:
            until = min(until, since + dt.timedelta(seconds=limit))
    else:
        return None
    return QuietWindow(
        key=config.pool_address,
        low_bin=low,
        high_bin=high,
        low_price=config.lower_limit_price,
        high_price=config.upper_limit_price,
        until=until,
        excursions=in_range,
        above_seconds=config.auto_close_above_range_seconds,
        below_seconds=config.auto_close_below_range_seconds,
    )
