"""lp_quiet_window: events inside change nothing but the last price; tight edges."""

from __future__ import annotations

import random
from decimal import Decimal

from fixtures.lp_builders import at, open_executor, price, tick
from lpexec.backtest.quiet_window import lp_quiet_window
from lpexec.lp import LPState
from lpexec.lp.messages import ClosePosition, PositionUpdated, RefreshPosition

LOWER, UPPER, ACTIVE = 100, 120, 110
PRICE_FIELDS = {"price", "active_bin_id"}


def _decisions(executor) -> dict:
    """The snapshot without what every event overwrites (last price, bin and event time)."""
    snapshot = executor.snapshot()
    state = {k: v for k, v in snapshot["state"].items() if k not in PRICE_FIELDS}
    return {**snapshot, "state": state, "ts_last": None}


def _refreshed(executor, seconds: float) -> None:
    """Let the executor send and receive its periodic read, so its refresh clock restarts."""
    (command,) = [c for c in executor.apply(tick(seconds)) if isinstance(c, RefreshPosition)]
    state = executor.state
    executor.apply(
        PositionUpdated(
            ts_event=at(seconds),
            command_id=command.command_id,
            position_address="Pos1",
            base_amount=state.base_amount,
            quote_amount=state.quote_amount,
            base_fee=Decimal(0),
            quote_fee=Decimal(0),
            lower_price=state.lower_price,
            upper_price=state.upper_price,
            price=state.price,
            lower_bin_id=LOWER,
            upper_bin_id=UPPER,
            active_bin_id=state.active_bin_id,
        )
    )


def test_in_range_window_is_the_range_until_the_next_refresh():
    executor = open_executor(bins=(LOWER, UPPER, ACTIVE), refresh_interval_seconds=30)
    window = lp_quiet_window(executor)
    assert window is not None
    assert (window.low_bin, window.high_bin) == (LOWER, UPPER)
    assert window.until == at(30)
    assert window.key == executor.config.pool_address


def test_events_inside_the_window_change_nothing_but_the_price():
    executor = open_executor(
        bins=(LOWER, UPPER, ACTIVE), refresh_interval_seconds=600, auto_close_above_range_seconds=60
    )
    rng = random.Random(5)
    for phase in range(3):
        window = lp_quiet_window(executor)
        assert window is not None
        before = _decisions(executor)
        start = (window.until - at(0)).total_seconds() - 599 if phase else 1
        low = window.low_bin if window.low_bin is not None else window.high_bin - 50
        high = window.high_bin if window.high_bin is not None else window.low_bin + 50
        for step in range(200):
            seconds = start + step * 0.25
            assert at(seconds) < window.until
            active = rng.randint(low, high)
            assert executor.apply(price("150", seconds, active_bin=active)) == []
            assert executor.apply(tick(seconds)) == []
        assert _decisions(executor) == before
        # just outside the window something changes
        outside = (window.high_bin + 1) if window.high_bin is not None else window.low_bin - 1
        executor.apply(price("150", start + 60, active_bin=outside))
        assert _decisions(executor) != before
        if executor.state.lp_state is LPState.IN_RANGE:
            break


def test_out_of_range_window_runs_to_the_dwell_deadline():
    executor = open_executor(
        bins=(LOWER, UPPER, ACTIVE), refresh_interval_seconds=600, auto_close_above_range_seconds=60
    )
    executor.apply(price("170", 10, active_bin=UPPER + 3))
    window = lp_quiet_window(executor)
    assert window is not None
    assert (window.low_bin, window.high_bin, window.until) == (UPPER + 1, None, at(70))
    assert [c for c in executor.apply(tick(69.9)) if isinstance(c, ClosePosition)] == []
    assert [c for c in executor.apply(tick(70)) if isinstance(c, ClosePosition)]
    assert lp_quiet_window(executor) is None  # closing: every event matters


def test_limit_prices_bound_the_window():
    executor = open_executor(
        bins=(LOWER, UPPER, ACTIVE),
        upper_limit_price=Decimal(170),
        lower_limit_price=Decimal(130),
    )
    window = lp_quiet_window(executor)
    assert window is not None
    assert (window.low_price, window.high_price) == (Decimal(130), Decimal(170))


def test_no_window_while_a_read_is_in_flight_or_without_bins():
    executor = open_executor(bins=(LOWER, UPPER, ACTIVE), refresh_interval_seconds=30)
    assert any(isinstance(c, RefreshPosition) for c in executor.apply(tick(30)))
    assert lp_quiet_window(executor) is None
    assert lp_quiet_window(open_executor()) is None  # no bin ids known: prices decide


def test_the_refresh_deadline_moves_with_each_read():
    executor = open_executor(bins=(LOWER, UPPER, ACTIVE), refresh_interval_seconds=30)
    _refreshed(executor, 30)
    window = lp_quiet_window(executor)
    assert window is not None and window.until == at(60)


def test_in_range_trips_out_that_come_back_in_time_change_only_the_revision():
    executor = open_executor(
        bins=(LOWER, UPPER, ACTIVE),
        refresh_interval_seconds=600,
        auto_close_above_range_seconds=60,
        auto_close_below_range_seconds=None,
    )
    window = lp_quiet_window(executor)
    assert window is not None
    assert (window.excursions, window.above_seconds, window.below_seconds) == (True, 60, None)
    before = {**_decisions(executor), "revision": None}
    revision = executor.revision
    # above for 59.9 s, then back; below for 500 s (no limit there), then back
    for seconds, active in [(1, UPPER + 2), (60.9, UPPER + 5), (61, UPPER), (100, LOWER - 1)]:
        assert executor.apply(price("150", seconds, active_bin=active)) == []
        assert executor.apply(tick(seconds)) == []
    assert executor.state.lp_state is LPState.OUT_OF_RANGE
    assert lp_quiet_window(executor).excursions is False  # out of range: one side only
    executor.apply(price("150", 600 - 1, active_bin=LOWER))
    assert {**_decisions(executor), "revision": None} == before
    assert executor.revision > revision
    # a trip that reaches its side's limit closes
    executor.apply(price("150", 700, active_bin=UPPER + 1))
    commands = executor.apply(price("150", 760, active_bin=UPPER + 1))
    assert [c for c in commands if isinstance(c, ClosePosition)]
