"""PNG charts of a backtest (matplotlib, without a display).

The chart names its units (the pair's quote per base for prices, the quote token for money), its
time zone (UTC: every timestamp of a backtest is), the policy in its title, and marks each
rebalance (a new range) on the price.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from lpexec.backtest.run import BacktestResult, Sample
from lpexec.lp.rebalance import RebalanceConfig

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["backtest_figure", "plot_backtest", "policy_title", "rebalance_points"]


def policy_title(policy: RebalanceConfig, *, pool: str) -> str:
    """A one-line description of ``policy`` on ``pool`` for a chart's title."""
    if policy.width is not None:
        width = f"width {(policy.width * 100).normalize():f} %"
    else:
        width = f"width {policy.width_bins} bins"
    parts = [f"{policy.trading_pair} {pool}", width, f"re-entry {policy.reentry}"]
    if policy.out_of_range_seconds is not None:
        parts.append(f"close after {policy.out_of_range_seconds} s out of range")
    if policy.limit_pct is not None:
        parts.append(f"limit {(policy.limit_pct * 100).normalize():f} %")
    return ", ".join(parts)


def rebalance_points(samples: list[Sample]) -> list[Sample]:
    """The samples where a new range starts after an earlier one (a rebalance)."""
    points: list[Sample] = []
    previous: tuple[Decimal, Decimal] | None = None
    for sample in samples:
        if sample.lower is None or sample.upper is None:
            continue
        current = (sample.lower, sample.upper)
        if previous is not None and current != previous:
            points.append(sample)
        previous = current
    return points


def plot_backtest(result: BacktestResult, path: Path, *, title: str, trading_pair: str) -> None:
    """Write the chart of :func:`backtest_figure` to ``path`` (PNG)."""
    import matplotlib.pyplot as plt

    figure = backtest_figure(result, title=title, trading_pair=trading_pair)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def backtest_figure(result: BacktestResult, *, title: str, trading_pair: str) -> Figure:
    """Price with the ranges and rebalances over time, and cumulative fees, impermanent loss
    and net P&L (matplotlib's Agg backend: no display needed).

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
    samples = result.samples
    times = [sample.timestamp for sample in samples]
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(11, 7))
    top.plot(times, [float(s.price) for s in samples], color="black", linewidth=0.8, label="price")
    lower = [float(s.lower) if s.lower is not None else float("nan") for s in samples]
    upper = [float(s.upper) if s.upper is not None else float("nan") for s in samples]
    top.fill_between(times, lower, upper, color="tab:blue", alpha=0.25, step="post", label="range")
    moves = rebalance_points(samples)
    if moves:
        top.scatter(
            [s.timestamp for s in moves],
            [float(s.price) for s in moves],
            marker="v",
            color="tab:red",
            zorder=3,
            label=f"rebalance ({len(moves)})",
        )
    top.set_ylabel(f"price ({quote} per {base})")
    top.legend(loc="upper left")
    top.set_title(title, fontsize=10)
    bottom.plot(times, [float(s.fees_earned) for s in samples], label="fees earned")
    bottom.plot(times, [float(s.impermanent_loss) for s in samples], label="impermanent loss")
    bottom.plot(times, [float(s.net_pnl) for s in samples], label="net P&L", linewidth=1.6)
    bottom.axhline(0, color="grey", linewidth=0.5)
    bottom.set_ylabel(quote)
    bottom.set_xlabel("time (UTC)")
    bottom.legend(loc="upper left")
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure
