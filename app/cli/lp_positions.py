"""``lpexec lp positions``: the wallet's positions as the Gateway lists them, whoever opened them,
each marked managed (with the id of the lpexec executor that holds it) or unmanaged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from lpexec.app.cli.errors import UserError
from lpexec.app.cli.options import JSON_OPTION, run_session
from lpexec.app.cli.output import print_json, text_of
from lpexec.app.cli.tables import add_row
from lpexec.app.cli.venue import print_venue, session_venue
from lpexec.lp import LP_PROVIDERS

if TYPE_CHECKING:
    from gateway_client import PositionInfo
    from lpexec.app.runtime import LPRuntime
    from lpexec.core import Engine
    from lpexec.venues.gateway.liquidity import GatewayLiquidityVenue

__all__ = ["CONNECTOR_OPTION", "liquidity_venue", "managers", "positions_command"]

console = Console()

CONNECTOR_OPTION = typer.Option(
    "meteora/clmm", "--connector", help=f"LP connector: one of {', '.join(LP_PROVIDERS)}."
)


def liquidity_venue(runtime: LPRuntime, connector: str) -> GatewayLiquidityVenue:
    """The runtime's venue of ``connector``.

    Raises:
        UserError: not an LP connector.
    """
    if connector not in LP_PROVIDERS:
        raise UserError("--connector", connector, f"one of {', '.join(LP_PROVIDERS)}")
    venue: GatewayLiquidityVenue = runtime.engine.venue(connector)
    return venue


def managers(engine: Engine) -> dict[str, tuple[str, str]]:
    """(executor id, status) of the LP executor in the store that holds each position address
    (a live one over an ended one when an address was held twice)."""
    found: dict[str, tuple[str, str]] = {}
    for info in reversed(engine.infos(executor_type="lp")):  # oldest first: newer ones win
        details: Any = info.details
        address = getattr(details, "position_address", "") if details is not None else ""
        if not address:
            continue
        held = found.get(address)
        if held is None or held[1] == "TERMINATED" or info.status.value != "TERMINATED":
            found[address] = (info.executor_id, info.status.value)
    return found


def _row(position: PositionInfo, manager: tuple[str, str] | None) -> dict[str, Any]:
    return {
        "position_address": position.address,
        "pool_address": position.pool_address,
        "managed": manager is not None and manager[1] != "TERMINATED",
        "executor_id": manager[0] if manager else None,
        "executor_status": manager[1] if manager else None,
        "lower_price": str(position.lower_price),
        "upper_price": str(position.upper_price),
        "price": str(position.price),
        "base_amount": str(position.base_token_amount),
        "quote_amount": str(position.quote_token_amount),
        "base_fee": str(position.base_fee_amount),
        "quote_fee": str(position.quote_fee_amount),
    }


def _text(value: str) -> str:
    from decimal import Decimal

    return text_of(Decimal(value))


def positions_command(
    ctx: typer.Context,
    pool: str | None = typer.Option(None, "--pool", help="Only this pool's positions."),
    connector: str = CONNECTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List the wallet's positions as the Gateway reports them (opened by lpexec or elsewhere),
    each marked managed (the executor that holds it) or unmanaged (adopt it with lp adopt)."""

    async def work(runtime: LPRuntime) -> list[dict[str, Any]]:
        venue = liquidity_venue(runtime, connector)
        owned = await venue.positions_owned(pool)
        held = managers(runtime.engine)
        return [_row(position, held.get(position.address)) for position in owned]

    rows = run_session(ctx, work)
    venue = session_venue(ctx)
    if as_json:
        print_json({"connector": connector, "pool": pool, "positions": rows, "venue": venue})
        return
    where = f"{connector}" + (f", pool {pool}" if pool else "")
    if not rows:
        console.print(f"no positions of the wallet on {where}")
    for row in rows:
        # One small table per position: the addresses are long and must never be cut.
        table = Table(show_header=False, title=f"position {row['position_address']}")
        managed = f"{row['executor_id']} ({row['executor_status']})" if row["managed"] else ""
        add_row(table, "managed by", managed or "unmanaged (lpexec lp adopt ADDRESS)")
        add_row(table, "pool", row["pool_address"])
        add_row(table, "range", f"{_text(row['lower_price'])} .. {_text(row['upper_price'])}")
        for name in ("price", "base_amount", "quote_amount", "base_fee", "quote_fee"):
            add_row(table, name, _text(row[name]))
        console.print(table)
    print_venue(console, venue)
