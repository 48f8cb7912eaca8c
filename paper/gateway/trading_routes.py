"""``/trading/clmm/*`` and ``/trading/swap/*``: the unified routes (``chainNetwork`` +
``connector``), served by the same operations as the connector routes.

``/trading/clmm/pool-info`` returns the base ``PoolInfo`` (Meteora extras stripped); remove
takes ``percentageToRemove``. RPC failures inside unified routes surface as Gateway's generic
500 in upstream mode.
"""

from __future__ import annotations

from typing import Any

from lpexec.paper.gateway.context import Call, GatewayContext, check_wallet_address
from lpexec.paper.gateway.errors import bad_request, unexpected_error
from lpexec.paper.gateway.jupiter_routes import execute_router_quote, quote_answer, quote_router
from lpexec.paper.gateway.liquidity_views import lookup_pool
from lpexec.paper.gateway.meteora_routes import meteora_outage
from lpexec.paper.gateway.position_routes import position_routes
from lpexec.paper.gateway.routes import ConnectorResolver, Route
from lpexec.paper.gateway.swap_views import execute_pool_swap, pool_quote, quote_fields
from lpexec.paper.gateway.views import pool_info, position_info

__all__ = ["TRADING_ROUTES"]

_NETWORKS = {"solana-mainnet-beta", "solana-devnet"}
_CLMM_CONNECTORS = {"meteora", "raydium", "orca"}
_SWAP_CONNECTORS = {"jupiter/router", "meteora/clmm", "raydium/clmm", "orca/clmm"}


def _check_network(value: str) -> None:
    if value not in _NETWORKS:
        raise bad_request(
            f"Unsupported chainNetwork: {value}. The paper Gateway serves "
            f"{', '.join(sorted(_NETWORKS))}"
        )


def _served(
    ctx: GatewayContext,
    call: Call,
    served: set[str],
    purpose: str,
    default: str | None = None,
    operation: str = "",
) -> str:
    # The call's connector, once its network, connector and RPC fault checks pass.
    data = call.data
    _check_network(data["chainNetwork"])
    connector = str(data["connector"] if default is None else data.get("connector") or default)
    if connector not in served:
        raise bad_request(
            f"Unsupported connector: {connector}. The paper Gateway serves "
            f"{', '.join(sorted(served))} for {purpose}"
        )
    if connector.split("/")[0] == "meteora":
        # the unified routes call Meteora's own handlers, which answer an outage their way
        ctx.check_rpc(call, meteora_outage(operation, data.get("poolAddress")))
    ctx.check_rpc(call, unexpected_error())
    return connector


def _clmm_for(operation: str) -> ConnectorResolver:
    def resolve(ctx: GatewayContext, call: Call) -> str:
        return _served(ctx, call, _CLMM_CONNECTORS, "CLMM", operation=operation)

    return resolve


_clmm = _clmm_for("pool")


async def clmm_pool_info(ctx: GatewayContext, call: Call) -> Any:
    connector = _clmm(ctx, call)
    entry = lookup_pool(ctx, call.query["poolAddress"], connector, write=False, pool_info=True)
    return pool_info(entry, extended=False)


async def clmm_positions_owned(ctx: GatewayContext, call: Call) -> Any:
    connector = _clmm_for("owned")(ctx, call)
    wallet = check_wallet_address(call.query["walletAddress"])
    return [
        position_info(ctx.chain, record, zero_fees=ctx.quirky(connector))
        for record in ctx.chain.positions_owned(wallet, connector)
    ]


def _swap_connector(ctx: GatewayContext, call: Call) -> str:
    return _served(
        ctx, call, _SWAP_CONNECTORS, "swaps", default="jupiter/router", operation="quote"
    )


def _swap_quote(ctx: GatewayContext, data: dict[str, Any], connector: str) -> Any:
    if connector == "jupiter/router":
        quoted = quote_router(ctx, data)
        answer = quote_answer(ctx, quoted)
        answer["routePath"] = " -> ".join(leg.pool_address for leg in quoted.plan.legs)
        answer["slippagePct"] = data["slippagePct"]
        return quoted, answer
    pooled = pool_quote(ctx, connector.split("/")[0], data, pool_address=None)
    return pooled, quote_fields(ctx, pooled)


async def swap_quote(ctx: GatewayContext, call: Call) -> Any:
    connector = _swap_connector(ctx, call)
    _, answer = _swap_quote(ctx, call.query, connector)
    return answer


async def swap_execute(ctx: GatewayContext, call: Call) -> Any:
    connector = _swap_connector(ctx, call)
    body = call.body
    wallet = ctx.signer(body["walletAddress"])
    quoted, _ = _swap_quote(ctx, body, connector)
    if connector == "jupiter/router":
        return await execute_router_quote(ctx, call, quoted, wallet)
    return await execute_pool_swap(ctx, call, quoted, wallet)


_BASE = "/trading/clmm"

TRADING_ROUTES = [
    Route("GET", f"{_BASE}/pool-info", clmm_pool_info, operation="pool"),
    Route("GET", f"{_BASE}/positions-owned", clmm_positions_owned, operation="position"),
    *position_routes(
        _BASE,
        resolver=_clmm_for,
        paths={},
        percentage_field="percentageToRemove",
        strategy_field=None,
    ),
    Route("GET", "/trading/swap/quote", swap_quote, operation="quote"),
    Route("POST", "/trading/swap/execute", swap_execute, operation="swap"),
]
