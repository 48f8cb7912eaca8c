"""``lpexec pools``: read pools on the Gateway (paper or real); no wallet needed."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from lpexec.app.cli.hoist import OptionsAnywhereGroup
from lpexec.app.cli.options import JSON_OPTION, connection_options, run_session
from lpexec.app.cli.output import plain, print_json, text_of
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


SUMMARY = (
    ("pair", "trading_pair"),
    ("price", "price"),
    ("active bin", "active_bin_id"),
    ("bin step", "bin_step"),
    ("fee (ratio)", "fee"),
    ("dynamic fee (ratio)", "dynamic_fee"),
    ("base reserve", "base_token_amount"),
    ("quote reserve", "quote_token_amount"),
    ("base token", "base_token_address"),
    ("quote token", "quote_token_address"),
)
"""The rows of ``pools info``: label and JSON field."""


async def _symbol(runtime: LPRuntime, address: str | None) -> str | None:
    from gateway_client import GatewayError

    if not address:
        return None
    try:
        token = await runtime.client.tokens.get(address, chain="solana", network="mainnet-beta")
    except GatewayError:  # not in the Gateway's token list: the address stands for it
        return None
    return str(token.symbol)


@pools_app.command("info")
def pool_info_command(
    ctx: typer.Context,
    pool: str = typer.Argument(..., help="Pool address."),
    bins: bool = typer.Option(False, "--bins", help="Also the pool's bins (liquidity by price)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a pool's pair, price, active bin, bin step, fee and reserves (--bins: its bins)."""

    async def work(runtime: LPRuntime) -> dict[str, Any]:
        info = await runtime.liquidity.pool_info(pool)
        data: dict[str, Any] = info.model_dump(mode="json")
        base = await _symbol(runtime, data.get("base_token_address"))
        quote = await _symbol(runtime, data.get("quote_token_address"))
        data.update(base_symbol=base, quote_symbol=quote)
        if base and quote:
            data["trading_pair"] = f"{base}-{quote}"
        for name in ("fee", "dynamic_fee"):  # Gateway's percent, as the ratio lpexec uses
            if data.get(f"{name}_pct") is not None:
                data[name] = plain(Decimal(str(data[f"{name}_pct"])) / 100)
        return data

    data = run_session(ctx, work, read_only=True)
    if not bins:
        data = {key: value for key, value in data.items() if key not in ("bins", "raw_bins")}
    venue = session_venue(ctx)
    if as_json:
        print_json({**data, "venue": venue})
        return
    table = Table(show_header=False, title=f"pool {pool}")
    for label, key in SUMMARY:
        if data.get(key) is not None:
            add_row(table, label, text_of(data[key]))
    console.print(table)
    if bins:
        console.print(_bins_table(data.get("raw_bins") or data.get("bins") or []))
    print_venue(console, venue)


def _bins_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="bins")
    for column in ("bin", "price", "base", "quote"):
        table.add_column(column, justify="right")
    for row in rows:
        add_row(
            table,
            str(row.get("binId", row.get("bin_id", ""))),
            text_of(row.get("price", "")),
            text_of(row.get("baseTokenAmount", row.get("base_token_amount", ""))),
            text_of(row.get("quoteTokenAmount", row.get("quote_token_amount", ""))),
        )
    return table


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
