"""PNG chart of a CEX backtest (matplotlib, without a display): the mid price with every trade
(buys and sells marked apart), and the cumulative net P&L of the executors as they closed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np

from lpexec.backtest.cex import CexBacktestResult, CexSeries

__all__ = ["closed_pnl_steps", "plot_cex_backtest"]

_MAX_POINTS = 5000


def closed_pnl_steps(result: CexBacktestResult) -> tuple[list[dt.datetime], list[Decimal]]:
    """(times, cumulative net P&L) at each executor's close, in closing order."""
    closed = sorted(
        (dt.datetime.fromisoformat(row["closed_at"]), row["net_pnl_quote"])
        for row in result.executors
        if row["closed_at"] is not None
    )
    total = Decimal(0)
    times, values = [], []
    for when, pnl in closed:
        total += pnl
        times.append(when)
        values.append(total)
    return times, values


def plot_cex_backtest(
    result: CexBacktestResult, series: CexSeries, path: Path, *, title: str, trading_pair: str
) -> None:
    """Write the chart to ``path`` (PNG).

    Raises:
        ValueError: matplotlib is not installed (the message names the extra).
    """
    try:
        import matplotlib
    except ImportError:
        raise ValueError(
            "--plot: needs matplotlib; install it with: .venv/bin/pip install 'lpexec[plot]'"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base, _, quote = trading_pair.partition("-")
    step = max(1, len(series) // _MAX_POINTS)
    times = [dt.datetime.fromtimestamp(s, tz=dt.UTC) for s in series.seconds[::step].tolist()]
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(11, 7))
    top.plot(times, np.asarray(series.mids[::step]), linewidth=0.8, label="mid")
    for side, marker, color in (("BUY", "^", "tab:green"), ("SELL", "v", "tab:red")):
        trades = [trade for trade in result.trades if trade["side"] == side and trade["time"]]
        top.scatter(
            [dt.datetime.fromisoformat(trade["time"]) for trade in trades],
            [float(trade["price"]) for trade in trades],
            marker=marker,
            s=10,
            color=color,
            label=f"{side.lower()}s ({len(trades)})",
        )
    top.set_ylabel(f"price ({quote} per {base})")
    top.legend(loc="upper left")
    top.set_title(title)
    pnl_times, pnl = closed_pnl_steps(result)
    bottom.step(pnl_times, [float(value) for value in pnl], where="post", label="closed net P&L")
    bottom.axhline(0, color="grey", linewidth=0.5)
    bottom.set_ylabel(f"{quote}")
    bottom.set_xlabel("time (UTC)")
    bottom.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
