"""``lpexec wallet``: the wallet the LP and swap commands act for, and its balances."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from lpexec.app.cli.hoist import OptionsAnywhereGroup
from lpexec.app.cli.options import JSON_OPTION, connection_options, run_session
from lpexec.app.cli.output import plain, print_json
from lpexec.app.cli.tables import add_row
from lpexec.app.cli.venue import print_venue, session_venue

if TYPE_CHECKING:
    from lpexec.app.runtime import LPRuntime

__all__ = ["wallet_app"]

console = Console()
wallet_app = typer.Typer(
    no_args_is_help=True, callback=connection_options, cls=OptionsAnywhereGroup
)


@wallet_app.command("balances")
def balances_command(
    ctx: typer.Context,
    tokens: str = typer.Option(
        "", "--tokens", help="Symbols or mints, comma separated (default: SOL and every non-zero)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the wallet's token balances on the Gateway's chain (paper or real)."""
    wanted = [token.strip() for token in tokens.split(",") if token.strip()] or None

    async def work(runtime: LPRuntime) -> dict[str, Decimal]:
        answer = await runtime.client.solana.balances(runtime.wallet, tokens=wanted)
        return dict(answer.balances)

    balances = run_session(ctx, work)
    venue = session_venue(ctx)
    if as_json:
        rows = {token: plain(amount) for token, amount in sorted(balances.items())}
        print_json({"wallet": venue["wallet"], "balances": rows, "venue": venue})
        return
    table = Table(title="wallet balances")
    table.add_column("token")
    table.add_column("balance", justify="right")
    for token, amount in sorted(balances.items()):
        add_row(table, token, plain(amount))
    console.print(table)
    print_venue(console, venue)
