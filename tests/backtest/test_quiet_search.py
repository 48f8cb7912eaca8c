"""The backtest's quiet-stretch search against a real LP executor fed every bar."""

from __future__ import annotations

import copy
import random
from decimal import Decimal

import numpy as np
import pytest

from fixtures.lp_builders import at, open_executor, price, tick
from lpexec.backtest.quiet_search import QuietSearch
from lpexec.backtest.quiet_window import lp_quiet_window
from lpexec.lp import LPState

LOWER, UPPER, ACTIVE = 100, 120, 110
SEARCH = QuietSearch(bin_step=10, base_decimals=9, quote_decimals=6)
IGNORED = {"price", "active_bin_id"}


def _decisions(executor) -> dict:
    """The snapshot without what every event overwrites and without the revision counter."""
    snapshot = executor.snapshot()
    state = {k: v for k, v in snapshot["state"].items() if k not in IGNORED}
    return {**snapshot, "state": state, "ts_last": None, "revision": None}


def _case(seed: int, **limits):
    rng = random.Random(seed)
    executor = open_executor(
        bins=(LOWER, UPPER, ACTIVE),
        refresh_interval_seconds=rng.choice([900, 7_200, 10**7]),
        auto_close_above_range_seconds=rng.choice([0, 60, 300, 900, None]),
        auto_close_below_range_seconds=rng.choice([0, 120, 600, None]),
        **limits,
    )
    count = rng.choice([1, 5, 15, 17, 70, 300, 900, 3_000])
    # a price hovering at a range edge, now and then jumping across the range
    bins, times, bin_id, now = [], [], ACTIVE, 0
    edge = rng.choice([LOWER, UPPER])
    for _ in range(count):
        now += rng.choice([60, 60, 60, 1, 150])
        if rng.random() < 0.02:
            edge = UPPER + LOWER - edge
            bin_id = edge + (1 if edge == UPPER else -1)
        else:
            bin_id += rng.randint(-2, 2) + (edge > bin_id) - (edge < bin_id)
        bins.append(bin_id)
        times.append(now)
    return executor, bins, times


def _end(executor, bins: list[int], times: list[int]) -> int:
    window = lp_quiet_window(executor)
    assert window is not None and window.excursions
    return _search(window, bins, times)


def _search(window, bins: list[int], seconds: list[int]) -> int:
    times = [int(at(s).timestamp()) for s in seconds]  # the search reads unix seconds
    return SEARCH.end(window, np.array(bins), np.array(times), bins, times, pos=0, limit=len(bins))


def _deliver(executor, bin_id: int, seconds: int) -> list:
    return executor.apply(price("150", seconds, active_bin=bin_id)) + executor.apply(tick(seconds))


def _expected_end(executor, bins: list[int], times: list[int]) -> int:
    """Feed every bar to a copy: the first bar where it acts, or where an out-of-range run
    switches sides, counts back to the run's first bar; a run open at the end too."""
    executor = copy.deepcopy(executor)
    run = None
    for index, (bin_id, seconds) in enumerate(zip(bins, times, strict=True)):
        side = executor.state.out_of_range_direction
        acted = _deliver(executor, bin_id, seconds)
        state = executor.state
        if state.lp_state is LPState.IN_RANGE:
            run = None  # back in range: the trip before this bar undid itself
        if acted:
            return index if run is None else run
        if state.lp_state is LPState.IN_RANGE:
            pass
        elif run is None:
            run = index
        elif state.out_of_range_direction != side:
            return run
    return len(bins) if run is None else run


@pytest.mark.parametrize("seed", range(60))
def test_the_stretch_ends_where_an_executor_fed_every_bar_first_needs_it(seed):
    executor, bins, times = _case(seed)
    end = _end(executor, bins, times)
    assert end == _expected_end(executor, bins, times)
    # skipping the bars before it, excursions included, and delivering it (when there is one)
    # leaves the executor where delivering every bar does
    fed, skipped = copy.deepcopy(executor), copy.deepcopy(executor)
    for bin_id, seconds in zip(bins[:end], times[:end], strict=True):
        assert _deliver(fed, bin_id, seconds) == []
    if end < len(bins):
        assert _deliver(fed, bins[end], times[end]) == _deliver(skipped, bins[end], times[end])
    assert _decisions(fed) == _decisions(skipped)


@pytest.mark.parametrize("seed", range(60))
def test_limit_prices_look_with_arrays_and_find_the_same_end(seed):
    plain, bins, times = _case(seed)
    # far limit prices: nothing near them, but the search skips its plain-Python first look
    arrays, _, _ = _case(seed, lower_limit_price=Decimal("0.001"), upper_limit_price=Decimal(10**9))
    assert _end(arrays, bins, times) == _end(plain, bins, times)


def test_a_limit_price_inside_an_excursion_ends_the_stretch_at_its_first_bar():
    executor = open_executor(
        bins=(LOWER, UPPER, ACTIVE),
        refresh_interval_seconds=10**7,
        auto_close_above_range_seconds=600,
        upper_limit_price=Decimal(1_000_000),
    )
    window = lp_quiet_window(executor)
    bins = [110, 121, 122] + [UPPER + 10**5] + [110]  # the fourth bar is past the limit price
    times = [60, 120, 180, 240, 300]
    assert _search(window, bins, times) == 1


def test_in_range_counts_only_bars_inside_the_bins():
    executor = open_executor(bins=(LOWER, UPPER, ACTIVE), refresh_interval_seconds=10**7)
    window = lp_quiet_window(executor)
    for count in (10, 100):
        bins = [LOWER - 1, LOWER, UPPER, UPPER + 1] * (count // 4) + [ACTIVE] * (count % 4)
        expected = sum(1 for b in bins if LOWER <= b <= UPPER)
        assert SEARCH.in_range(window, np.array(bins), bins, 0, count) == expected


@pytest.mark.parametrize("run_start", [60, 63, 64, 570, 575, 576, 4_700])
def test_a_run_across_the_searchs_looks_is_timed_from_its_first_bar(run_start):
    executor = open_executor(
        bins=(LOWER, UPPER, ACTIVE),
        refresh_interval_seconds=10**7,
        auto_close_above_range_seconds=300,
    )
    bins = [ACTIVE] * 6_000
    bins[run_start : run_start + 10] = [UPPER + 1] * 10  # above for 10 minutes
    times = [60 * (index + 1) for index in range(6_000)]
    assert _end(executor, bins, times) == run_start == _expected_end(executor, bins, times)
    bins[run_start + 5 : run_start + 10] = [UPPER] * 5  # back after 4 minutes: quiet
    assert _end(executor, bins, times) == 6_000 == _expected_end(executor, bins, times)
