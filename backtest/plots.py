"""PNG charts of a backtest (matplotlib, without a display)."""

from __future__ import annotations

from pathlib import Path

from lpexec.backtest.run import BacktestResult

__all__ = ["plot_backtest"]


def plot_backtest(result: BacktestResult, path: Path, *, title: str) -> None:
    """Write price with the ranges over time, and cumulative fees and net P&L, to ``path``."""
    try:
        import matplotlib
    except ImportError:
        raise ValueError(
            "--plot: needs matplotlib; install it with: .venv/bin/pip install 'lpexec[plot]'"
        ) from None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = result.samples
    times = [sample.timestamp for sample in samples]
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(11, 7))
    top.plot(times, [float(s.price) for s in samples], color="black", linewidth=0.8, label="price")
    lower = [float(s.lower) if s.lower is not None else float("nan") for s in samples]
    upper = [float(s.upper) if s.upper is not None else float("nan") for s in samples]
    top.fill_between(times, lower, upper, color="tab:blue", alpha=0.25, step="post", label="range")
    top.set_ylabel("price (quote per base)")
    top.legend(loc="upper left")
    top.set_title(title)
    bottom.plot(times, [float(s.fees_earned) for s in samples], label="fees earned")
    bottom.plot(times, [float(s.impermanent_loss) for s in samples], label="impermanent loss")
    bottom.plot(times, [float(s.net_pnl) for s in samples], label="net P&L", linewidth=1.6)
    bottom.axhline(0, color="grey", linewidth=0.5)
    bottom.set_ylabel("quote")
    bottom.legend(loc="upper left")
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
