"""``lpexec positions``: the held-positions ledger (what executors stopped with
``keep_position`` left at their venue), read and cleared through the executor service.

Clearing forgets a position in the ledger; it does not trade. Close the inventory at the venue
first (``lpexec order place ...``), or keep it and clear the bookkeeping only.
"""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.table import Table

from lpexec.app.cli.executors import DATABASE_OPTION, JSON_OPTION, OPERATOR, open_service
from lpexec.app.cli.executors import print_model as _print_model
from lpexec.app.service.models import PositionHoldReport

__all__ = ["positions_app"]

positions_app = typer.Typer(no_args_is_help=True)
console = Console()

CONNECTOR_ARGUMENT = typer.Argument(
    ..., help="The connector, e.g. paper or solana-mainnet-beta/meteora/clmm."
)
PAIR_ARGUMENT = typer.Argument(..., help="The trading pair, e.g. SOL-USDT.")
CONTROLLER_OPTION = typer.Option("main", "--controller-id", help="The controller that holds it.")


def _table(positions: list[PositionHoldReport], *, title: str) -> Table:
    table = Table(title=title)
    table.add_column("connector", no_wrap=True)
    table.add_column("pair", no_wrap=True)
    table.add_column("controller")
    for column in ("side", "net base", "breakeven", "realized P&L", "unrealized P&L", "fees"):
        table.add_column(column)
    table.add_column("executors")
    for p in positions:
        breakeven = p.buy_breakeven_price if p.position_side == "LONG" else p.sell_breakeven_price
        table.add_row(
            p.connector_name,
            p.trading_pair,
            p.controller_id,
            p.position_side,
            f"{p.net_amount_base:f}",
            "" if breakeven is None else f"{breakeven:f}",
            f"{p.realized_pnl_quote:f}",
            "unknown" if p.unrealized_pnl_quote is None else f"{p.unrealized_pnl_quote:f}",
            f"{p.cum_fees_quote:f}",
            str(p.executor_count),
        )
    return table


@positions_app.command("list")
def list_command(
    database: str | None = DATABASE_OPTION,
    controller_id: str | None = typer.Option(
        None, "--controller-id", help="One controller's positions (default: every one)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List the held positions with their breakeven and P&L (unrealized needs a price: it is
    unknown here, where no venue is open)."""
    with open_service(database) as (service, _):
        summary = asyncio.run(
            service.positions_summary(caller=OPERATOR, controller_id=controller_id)
        )
    if as_json:
        _print_model(summary)
        return
    console.print(_table(summary.positions, title=f"{summary.total_positions} held positions"))


@positions_app.command("show")
def show_command(
    connector: str = CONNECTOR_ARGUMENT,
    pair: str = PAIR_ARGUMENT,
    controller_id: str = CONTROLLER_OPTION,
    database: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one held position and the executors that made it."""
    with open_service(database) as (service, _):
        position = asyncio.run(
            service.position(connector, pair, caller=OPERATOR, controller_id=controller_id)
        )
    if as_json:
        _print_model(position)
        return
    console.print(_table([position], title=f"{connector} {pair}"))
    console.print("executors: " + ", ".join(position.executor_ids), highlight=False)


@positions_app.command("clear")
def clear_command(
    connector: str = CONNECTOR_ARGUMENT,
    pair: str = PAIR_ARGUMENT,
    controller_id: str = CONTROLLER_OPTION,
    database: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Forget a held position in the ledger (no trade is made)."""
    with open_service(database) as (service, _):
        cleared = asyncio.run(
            service.clear_position(connector, pair, caller=OPERATOR, controller_id=controller_id)
        )
    if as_json:
        _print_model(cleared)
        return
    console.print(cleared.message, highlight=False, markup=False)
