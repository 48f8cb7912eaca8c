"""``lpexec lp adopt``: bring a position opened elsewhere under a new LP executor (tracked, closed
by its timers and limits, closable with ``lp close``); see :mod:`lpexec.lp.adoption`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lpexec.app.cli.errors import UserError
from lpexec.app.cli.lp_options import (
    ABOVE_SECONDS_OPTION,
    BELOW_SECONDS_OPTION,
    CONTROLLER_ID_OPTION,
    KEEP_POSITION_OPTION,
    LOWER_LIMIT_OPTION,
    UPPER_LIMIT_OPTION,
)
from lpexec.app.cli.lp_positions import CONNECTOR_OPTION, liquidity_venue, managers
from lpexec.app.cli.options import JSON_OPTION, YES_OPTION, confirm_write, run_session
from lpexec.app.cli.parsing import parse_options

if TYPE_CHECKING:
    from gateway_client import PositionInfo
    from lpexec.app.runtime import LPRuntime
    from lpexec.core import ExecutorInfo

__all__ = ["ADOPT_OPTIONS", "adopt_position"]

ADOPT_OPTIONS = {
    "trading_pair": "--pair",
    "slippage_pct": "--slippage",
    "auto_close_above_range_seconds": "--above-seconds",
    "auto_close_below_range_seconds": "--below-seconds",
    "upper_limit_price": "--upper-limit",
    "lower_limit_price": "--lower-limit",
    "keep_position": "--keep-position",
    "controller_id": "--controller-id",
    "lower_price": "position range (from the chain)",
    "upper_price": "position range (from the chain)",
    "base_amount": "position amounts (from the chain)",
    "quote_amount": "position amounts (from the chain)",
}
"""The option (or the chain's figure) behind each LP config field an adoption sets."""


async def _owned_position(runtime: LPRuntime, connector: str, address: str) -> PositionInfo:
    """The wallet's position ``address``, or a :class:`UserError` saying why it cannot be
    adopted (already managed, not the wallet's, closed or unknown)."""
    from gateway_client import GatewayError, PositionClosedError, PositionNotFoundError

    held = managers(runtime.engine).get(address)
    if held is not None and held[1] != "TERMINATED":
        raise UserError(
            "position address",
            address,
            "a position no lpexec executor manages",
            hint=f"executor {held[0]} ({held[1]}) manages it: see lpexec lp status {held[0]}",
        )
    venue = liquidity_venue(runtime, connector)
    for position in await venue.positions_owned():
        if position.address == address:
            return position
    lp: Any = runtime.client.meteora if connector == "meteora/clmm" else None
    reason = f"not among the wallet's positions on {connector}"
    if lp is not None:
        try:
            await lp.position_info(address, wallet_address=runtime.wallet)
        except PositionClosedError:
            reason = "the position is closed"
        except PositionNotFoundError:
            reason = "no such position on chain"
        except GatewayError:
            pass
        else:
            reason = f"the position exists but the wallet {runtime.wallet} does not own it"
    raise UserError(
        "position address",
        address,
        f"an open position of the wallet on {connector}",
        hint=f"{reason}; list them with: lpexec lp positions",
    )


async def _pair_of(runtime: LPRuntime, position: PositionInfo) -> str | None:
    from gateway_client import GatewayError

    symbols = []
    for address in (position.base_token_address, position.quote_token_address):
        try:
            token = await runtime.client.tokens.get(address, chain="solana", network="mainnet-beta")
        except GatewayError:
            return None
        symbols.append(str(token.symbol))
    return "-".join(symbols)


async def adopt_position(
    runtime: LPRuntime, address: str, *, connector: str, options: dict[str, Any]
) -> ExecutorInfo:
    """Check ``address`` can be adopted, create its executor (its range and deposit the chain's),
    carry out the adoption's read and return the executor's report.

    Raises:
        UserError: the position cannot be adopted or an option is bad.
    """
    from lpexec.lp import LPExecutorConfig

    position = await _owned_position(runtime, connector, address)
    if position.base_token_amount <= 0 and position.quote_token_amount <= 0:
        raise UserError(
            "position address", address, "a position holding liquidity", hint="it holds none"
        )
    pair = options.get("trading_pair") or await _pair_of(runtime, position)
    if pair is None:
        raise UserError(
            "--pair",
            None,
            "the pool's pair BASE-QUOTE",
            hint="the pool's tokens are not in the Gateway's token list",
        )
    values = {
        **options,
        "trading_pair": pair,
        "lp_provider": connector,
        "pool_address": position.pool_address,
        "adopt_position_address": address,
        "lower_price": position.lower_price,
        "upper_price": position.upper_price,
        "base_amount": position.base_token_amount,
        "quote_amount": position.quote_token_amount,
    }
    config = parse_options(LPExecutorConfig, values, ADOPT_OPTIONS)
    await runtime.engine.create(config)
    await runtime.settle()
    return runtime.engine.info(config.id)


def adopt_command(
    ctx: typer.Context,
    position_address: str = typer.Argument(..., help="Address of the position to adopt."),
    connector: str = CONNECTOR_OPTION,
    pair: str | None = typer.Option(
        None, help="Trading pair BASE-QUOTE (default: from the Gateway's token list)."
    ),
    slippage: str = typer.Option("0.01", help="Slippage of the close, a ratio (0.01 = 1 %)."),
    above_seconds: int | None = ABOVE_SECONDS_OPTION,
    below_seconds: int | None = BELOW_SECONDS_OPTION,
    upper_limit: str | None = UPPER_LIMIT_OPTION,
    lower_limit: str | None = LOWER_LIMIT_OPTION,
    keep_position: bool = KEEP_POSITION_OPTION,
    controller_id: str = CONTROLLER_ID_OPTION,
    yes: bool = YES_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Bring an unmanaged position of the wallet (opened elsewhere) under a new LP executor.

    Its range and deposit are the chain's; the open's fee and rent were paid before and are
    reported apart, never in the executor's P&L."""
    from lpexec.app.cli.lp import print_info
    from lpexec.app.cli.venue import session_venue

    options: dict[str, Any] = {
        "trading_pair": pair,
        "slippage_pct": slippage,
        "auto_close_above_range_seconds": above_seconds,
        "auto_close_below_range_seconds": below_seconds,
        "upper_limit_price": upper_limit,
        "lower_limit_price": lower_limit,
        "keep_position": keep_position,
        "controller_id": controller_id,
    }
    confirm_write(ctx, f"adopt position {position_address}", yes=yes)

    async def work(runtime: LPRuntime) -> ExecutorInfo:
        return await adopt_position(runtime, position_address, connector=connector, options=options)

    print_info(run_session(ctx, work), as_json=as_json, venue=session_venue(ctx))
