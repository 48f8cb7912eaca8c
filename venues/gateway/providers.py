"""Swap providers over Gateway: how each one quotes and executes, behind one small interface.

* ``jupiter/router`` - quote, then execute *that* quote by its ``quoteId`` (``execute-quote``):
  the route and the minimum output Jupiter computed are the ones executed.
* ``meteora/clmm`` - the connector's own routes; the swap is sent to the pool that was quoted.
* any other ``name/type`` (``raydium/clmm``, ``orca/clmm``, ``raydium/amm``, ...) - Gateway's
  unified ``/trading/swap`` routes with ``connector`` set explicitly.

Pool providers re-quote inside Gateway when executing, so the slippage sent with them is chosen
by the venue to keep Gateway's own bound at the executor's limit. Errors are the client's
(``GatewayError``); the venue translates them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from gateway_client import (
    ClmmConnector,
    GatewayClient,
    RouterQuote,
    SwapQuote,
    SwapResult,
    TradingSwap,
)
from lpexec.swap.quotes import ProviderQuote, Side

__all__ = [
    "JupiterProvider",
    "PoolProvider",
    "SwapProvider",
    "SwapRequest",
    "UnifiedProvider",
    "provider_for",
]

_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapRequest:
    """What to swap: ``amount`` base, sold (SELL) or bought (BUY)."""

    base_token: str
    quote_token: str
    side: Side
    amount: Decimal
    pool_address: str | None = None


class SwapProvider(Protocol):
    """One way of swapping through Gateway."""

    name: str
    executes_quote_id: bool
    """True when :meth:`execute` runs the quoted route itself (its bound included)."""

    async def quote(
        self, request: SwapRequest, *, slippage: Decimal, now: dt.datetime
    ) -> ProviderQuote:
        """Quote ``request`` at ``slippage`` (a ratio)."""
        ...

    async def execute(
        self,
        quote: ProviderQuote,
        request: SwapRequest,
        *,
        slippage: Decimal,
        wallet_address: str,
    ) -> SwapResult:
        """Send the swap of ``quote`` (a write, never retried here)."""
        ...


def _provider_quote(
    provider: str,
    quote: SwapQuote,
    side: Side,
    *,
    now: dt.datetime,
    route: str,
    impact_is_ratio: bool = False,
) -> ProviderQuote:
    if side == "SELL":
        base_amount, quote_amount = quote.amount_in, quote.amount_out
    else:
        base_amount, quote_amount = quote.amount_out, quote.amount_in
    return ProviderQuote(
        provider=provider,
        side=side,
        base_amount=base_amount,
        quote_amount=quote_amount,
        min_amount_out=quote.min_amount_out,
        max_amount_in=quote.max_amount_in,
        price_impact=quote.price_impact_pct
        if impact_is_ratio
        else quote.price_impact_pct / _HUNDRED,
        quoted_at=now,
        quote_id=getattr(quote, "quote_id", "") or "",
        pool_address=quote.pool_address or "",
        route=route,
    )


def _terms(request: SwapRequest, slippage: Decimal, network: str) -> dict[str, Any]:
    """The swap terms every provider's quote and swap routes take."""
    return {
        "base_token": request.base_token,
        "quote_token": request.quote_token,
        "amount": request.amount,
        "side": request.side,
        "slippage": slippage,
        "network": network,
    }


def _jupiter_route(quote: RouterQuote) -> str:
    details = quote.quote_response
    if details is None:
        return ""
    hops: list[str] = []
    for step in details.route_plan:
        info: Any = step.get("swapInfo") if isinstance(step, dict) else None
        if isinstance(info, dict):
            label, key = info.get("label") or "", info.get("ammKey") or ""
            hops.append(f"{label} {key}".strip())
    return " -> ".join(hops)


class JupiterProvider:
    """``jupiter/router``: quote, then execute the quote by id."""

    name = "jupiter/router"
    executes_quote_id = True

    def __init__(self, client: GatewayClient, *, network: str) -> None:
        self._client = client
        self._network = network

    async def quote(
        self, request: SwapRequest, *, slippage: Decimal, now: dt.datetime
    ) -> ProviderQuote:
        """Quote through Jupiter; the answer carries the ``quoteId`` to execute."""
        quote = await self._client.jupiter.quote_swap(**_terms(request, slippage, self._network))
        # Gateway passes Jupiter's own priceImpactPct through, and Jupiter's is a ratio.
        return _provider_quote(
            self.name,
            quote,
            request.side,
            now=now,
            route=_jupiter_route(quote),
            impact_is_ratio=True,
        )

    async def execute(
        self,
        quote: ProviderQuote,
        request: SwapRequest,
        *,
        slippage: Decimal,
        wallet_address: str,
    ) -> SwapResult:
        """Execute the cached quote (its bound was set when it was quoted)."""
        del slippage
        return await self._client.jupiter.execute_quote(
            quote.quote_id,
            side=request.side,
            wallet_address=wallet_address,
            network=self._network,
        )


class PoolProvider:
    """A connector's own swap routes (``meteora/clmm``): quote and swap in one pool."""

    executes_quote_id = False

    def __init__(self, resource: ClmmConnector, *, name: str, network: str) -> None:
        self.name = name
        self._resource = resource
        self._network = network

    async def quote(
        self, request: SwapRequest, *, slippage: Decimal, now: dt.datetime
    ) -> ProviderQuote:
        """Quote in the request's pool, or in the pool Gateway lists for the pair."""
        quote = await self._resource.quote_swap(
            **_terms(request, slippage, self._network), pool_address=request.pool_address
        )
        route = quote.pool_address or request.pool_address or ""
        return _provider_quote(self.name, quote, request.side, now=now, route=route)

    async def execute(
        self,
        quote: ProviderQuote,
        request: SwapRequest,
        *,
        slippage: Decimal,
        wallet_address: str,
    ) -> SwapResult:
        """Swap in the pool that was quoted, at ``slippage``."""
        return await self._resource.execute_swap(
            **_terms(request, slippage, self._network),
            wallet_address=wallet_address,
            pool_address=quote.pool_address or request.pool_address,
        )


class UnifiedProvider:
    """Any connector through ``/trading/swap`` (Gateway picks the pool listed for the pair)."""

    executes_quote_id = False

    def __init__(self, resource: TradingSwap, *, name: str, network: str) -> None:
        self.name = name
        self._resource = resource
        self._network = network

    async def quote(
        self, request: SwapRequest, *, slippage: Decimal, now: dt.datetime
    ) -> ProviderQuote:
        """Quote through the unified route."""
        quote = await self._resource.quote(
            connector=self.name, **_terms(request, slippage, self._network)
        )
        route = quote.route_path or quote.pool_address or ""
        return _provider_quote(self.name, quote, request.side, now=now, route=route)

    async def execute(
        self,
        quote: ProviderQuote,
        request: SwapRequest,
        *,
        slippage: Decimal,
        wallet_address: str,
    ) -> SwapResult:
        """Quote and execute through the unified route, at ``slippage``."""
        del quote
        return await self._resource.execute(
            connector=self.name,
            **_terms(request, slippage, self._network),
            wallet_address=wallet_address,
        )


def provider_for(client: GatewayClient, name: str, *, network: str) -> SwapProvider:
    """Return the provider adapter for ``name`` (``jupiter/router``, ``meteora/clmm``, ...)."""
    if name == "jupiter/router":
        return JupiterProvider(client, network=network)
    if name == "meteora/clmm":
        return PoolProvider(client.meteora, name=name, network=network)
    return UnifiedProvider(client.trading_swap, name=name, network=network)
