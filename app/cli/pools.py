"""``lpexec pools``: read pools on the Gateway (paper or real); no wallet needed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from lpexec.app.cli.hoist import OptionsAnywhereGroup
from lpexec.app.cli.options import JSON_OPTION, connection_options, run_session
from lpexec.app.cli.output import plain, print_json
from lpexec.app.cli.parsing import split_pair
from lpexec.app.cli.tables import add_row
from lpexec.app.cli.venue import print_venue, session_venue

if TYPE_CHECKING:
    from lpexec.app.runtime import LPRuntime

__all__ = ["pools_app"]

console = Console()
pools_app = typer.Typer(no_args_is_help=True, callback=connection_options, cls=OptionsAnywhereGroup)
CONNECTORS = ("meteora", "raydium")
"""The LP connectors whose pool lists ``pools find`` reads by default."""


@pools_app.command("info")
def pool_info_command(
    ctx: typer.Context,
    pool: str = typer.Argument(..., help="Pool address."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a pool's price, active bin, bin step, fee and reserves."""

    async def work(runtime: LPRuntime) -> Any:
        return await runtime.liquidity.pool_info(pool)

    info = run_session(ctx, work, read_only=True)
    data = info.model_dump(mode="json", exclude={"bins"})
    venue = session_venue(ctx)
    if as_json:
        print_json({**data, "venue": venue})
        return
    table = Table(show_header=False, title=f"pool {pool}")
    for key, value in data.items():
        add_row(table, key, str(value))
    console.print(table)
    print_venue(console, venue)


@pools_app.command("find")
def pool_find_command(
    ctx: typer.Context,
    pair: str = typer.Option(..., "--pair", help="Trading pair BASE-QUOTE, e.g. SOL-USDC."),
    connector: list[str] = typer.Option(
        list(CONNECTORS), "--connector", help="Connector whose pool list to read (repeatable)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List the pools of a pair in the Gateway's pool lists (either token order)."""
    base, quote = split_pair(pair)

    async def work(runtime: LPRuntime) -> list[dict[str, Any]]:
        found = []
        for name in connector:
            for listing in await runtime.client.pools.list(connector=name):
                if {listing.base_symbol.upper(), listing.quote_symbol.upper()} != {base, quote}:
                    continue
                found.append(
                    {
                        "connector": f"{name}/{listing.type}",
                        "address": listing.address,
                        "trading_pair": f"{listing.base_symbol}-{listing.quote_symbol}",
                        "fee": plain(listing.fee_ratio),
                        "network": listing.network,
                    }
                )
        return found

    pools = run_session(ctx, work, read_only=True)
    venue = session_venue(ctx)
    if as_json:
        print_json({"trading_pair": f"{base}-{quote}", "pools": pools, "venue": venue})
        return
    table = Table(title=f"pools of {base}-{quote}")
    for column in ("address", "connector", "pair", "fee"):
        table.add_column(column, no_wrap=column != "pair")
    for row in pools:
        add_row(table, row["address"], row["connector"], row["trading_pair"], row["fee"])
    console.print(table)
    print_venue(console, venue)
