"""The CEX backtest's quiet-window search: the first row outside a window, found on block
summaries, is the row a plain scan finds (random series and windows, NaN rows, every side with or
without bounds, time limits, the series' end)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from lpexec.backtest.cex_quiet import Columns, Window, find_next_row

_EPS = 1e-12


def _first_outside(window: Window, index: int, columns: Columns) -> int:
    """The plain scan: every row after ``index`` in turn (the last row at the latest)."""
    sides = (
        (columns.bid, window.bid_low, window.bid_high),
        (columns.ask, window.ask_low, window.ask_high),
        (columns.mid, window.mid_low, window.mid_high),
    )
    bounds = [
        (values, low * (1 + _EPS) if low > 0 else low, high * (1 - _EPS))
        for values, low, high in sides
        if low > -math.inf or high < math.inf
    ]
    rows = len(columns.seconds)
    for row in range(index + 1, rows):
        if not columns.seconds[row] < window.until:
            return row
        for values, low, high in bounds:
            if not low < values[row] < high:
                return row
    return rows - 1


def _series(rows: int, seed: int) -> Columns:
    rng = np.random.default_rng(seed)
    mid = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, rows)))
    bid, ask = np.round(mid * 0.9998, 2), np.round(mid * 1.0002, 2)
    if rows > 50:
        bid[rows // 3] = np.nan  # a row no bound on the bid can keep inside
    return Columns.of(1e9 + 60.0 * np.arange(rows), bid, ask, (bid + ask) / 2)


@pytest.mark.parametrize("rows", [1, 2, 7, 8, 9, 63, 64, 65, 600, 5_000])
def test_the_search_on_block_summaries_finds_the_row_a_plain_scan_finds(rows: int) -> None:
    columns = _series(rows, seed=rows)
    rng = random.Random(rows)
    for _ in range(400):
        index = rng.randrange(rows)
        price = float(columns.mid[index]) if not math.isnan(columns.mid[index]) else 100.0
        window = Window()
        for side in ("bid", "ask", "mid"):
            if rng.random() < 0.6:
                setattr(window, f"{side}_low", price * (1 - rng.choice([0.001, 0.01, 0.05])))
            if rng.random() < 0.6:
                setattr(window, f"{side}_high", price * (1 + rng.choice([0.001, 0.01, 0.05])))
        if rng.random() < 0.5:
            window.end_at(1e9 + 60.0 * (index + rng.randrange(1, 2_000)))
        assert find_next_row(window, index, columns) == _first_outside(window, index, columns)
