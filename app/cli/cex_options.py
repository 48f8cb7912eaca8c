"""Options shared by the CEX commands (``order``, ``position``, ``grid``) and their sessions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console

from lpexec.app.cex_runtime import PAPER_EXCHANGE, PAPER_PERPETUAL, CexRuntime, open_cex_runtime
from lpexec.app.cli.options import check_state_path
from lpexec.app.cli.output import print_json
from lpexec.app.cli.parsing import same_options
from lpexec.app.cli.tables import details_table, info_table
from lpexec.app.settings import PAPER_EXCHANGE_STATE, Settings, data_file
from lpexec.core import ExecutorInfo

__all__ = ["CEX_OPTIONS", "CexConnection", "cex_options", "print_info", "run_cex_session"]

CEX_OPTIONS = {
    "trading_pair": "--pair",
    "connector_name": "--exchange",
    **same_options("side", "controller_id", "keep_position", "time_limit", "leverage"),
}
"""The options every CEX executor command shares, by config field."""

T = TypeVar("T")
console = Console()


@dataclass(frozen=True)
class CexConnection:
    """Where CEX commands act: the paper exchange (state file) or a real one, and which store."""

    exchange: str | None
    database: str | None
    paper_state: Path | None
    seed: int
    advance_minutes: float
    perpetual: bool = False

    @property
    def venue_key(self) -> str:
        """The ``connector_name`` executors get: ``paper``, ``paper_perpetual`` or the exchange
        name."""
        if self.exchange:
            return self.exchange
        return PAPER_PERPETUAL if self.perpetual else PAPER_EXCHANGE

    async def open(self) -> CexRuntime:
        """Open the runtime (on paper: load the state file and catch the markets up)."""
        settings = Settings()
        paper_state = None
        if self.exchange is None:
            paper_state = self.paper_state or data_file(PAPER_EXCHANGE_STATE)
            check_state_path(paper_state)
        return await open_cex_runtime(
            database_url=self.database or settings.resolved_database_url(),
            exchange=self.exchange,
            paper_state_file=paper_state,
            seed=self.seed,
            advance_seconds=self.advance_minutes * 60,
            unknown_budget_seconds=settings.unknown_budget_seconds,
            risk=settings.risk_engine(),
        )


def cex_options(
    ctx: typer.Context,
    exchange: str | None = typer.Option(
        None,
        "--exchange",
        help="A ccxt exchange id (binance, binanceusdm, okx...), keys from "
        "LPEXEC_<EXCHANGE>_API_KEY/_SECRET; unset: the paper exchange.",
    ),
    database: str | None = typer.Option(None, help="Store URL (default LPEXEC_DATABASE_URL)."),
    paper_state: Path | None = typer.Option(
        None, help="Paper exchange state file (default: in the user data directory)."
    ),
    seed: int = typer.Option(0, help="Price-path seed of a new paper exchange."),
    advance: float = typer.Option(
        0.0,
        min=0.0,
        help="Paper only: play this many more minutes of paper time before the command.",
    ),
    perpetual: bool = typer.Option(
        False,
        "--perpetual",
        help="Paper only: trade the paper perpetual markets (leverage, margin, funding).",
    ),
) -> None:
    """Where to act: the paper exchange (default) or a real exchange (``--exchange``)."""
    if perpetual and exchange:
        raise ValueError(
            f"--perpetual: applies to the paper exchange only, received --exchange {exchange} "
            "(name the exchange's perpetual venue instead, e.g. binanceusdm)"
        )
    ctx.obj = CexConnection(exchange, database, paper_state, seed, advance, perpetual)


def run_cex_session(ctx: typer.Context, work: Callable[[CexRuntime], Awaitable[T]]) -> T:
    """Open the command's runtime, run ``work`` on it, close it (saving the paper exchange)."""
    connection: CexConnection = ctx.obj

    async def main() -> T:
        runtime = await connection.open()
        try:
            return await work(runtime)
        finally:
            await runtime.aclose()

    return asyncio.run(main())


def print_info(info: ExecutorInfo, *, as_json: bool, title: str) -> None:
    """Print one report: JSON, or the summary table and the details table."""
    if as_json:
        print_json(info.model_dump(mode="json"))
        return
    console.print(info_table([info], title=title))
    console.print(details_table(info))
