"""Swaps: the quote/execute path shared by pool connectors, routers and the unified route.

Every swap route answers in one of two shapes, normalized with the connector's quirks (see
``_connectors``): a quote (``price`` turned into quote per base) or a write result (balance
changes turned into base/quote and token-in/out deltas). :class:`SwapResource` holds that path
once; :class:`PoolConnector` is the one ``quote_swap``/``execute_swap`` pair of the AMM and CLMM
connectors, whose only difference (whether execute-swap takes a pool) is a quirk.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from gateway_client._connectors import ConnectorQuirks, normalize_swap_data, normalize_swap_quote
from gateway_client._exceptions import InvalidRequestError
from gateway_client._models.base import GatewayRequest
from gateway_client._models.swap import PoolSwapQuoteQuery, PoolSwapRequest, SwapQuote, SwapResult
from gateway_client._resources.base import Resource
from gateway_client._transport import Route
from gateway_client._types import Side

__all__ = ["ConnectorRoutes", "PoolConnector", "SwapResource"]

QuoteT = TypeVar("QuoteT", bound=SwapQuote)


class SwapResource(Resource):
    """Base of the resources with swap routes: one quote path and one execute path."""

    async def _quote_swap(
        self,
        route: Route,
        request_model: type[GatewayRequest],
        response_type: type[QuoteT],
        *,
        quirks: ConnectorQuirks,
        side: Side,
        slippage: Decimal | None,
        **fields: Any,
    ) -> QuoteT:
        fields.update(side=side, slippage_pct=self._slippage_pct(slippage))
        quote = await self._call(
            route, request_model, response_type, for_chain=quirks.chain, **fields
        )
        return normalize_swap_quote(quote, side=side, quirks=quirks)

    async def _execute_swap(
        self,
        route: Route,
        request_model: type[GatewayRequest],
        *,
        quirks: ConnectorQuirks,
        side: Side,
        slippage: Decimal | None,
        **fields: Any,
    ) -> SwapResult:
        fields.update(side=side, slippage_pct=self._slippage_pct(slippage))
        return await self._swap_result(route, request_model, quirks, side, fields)

    async def _execute_quote(
        self,
        route: Route,
        request_model: type[GatewayRequest],
        *,
        quirks: ConnectorQuirks,
        side: Side,
        **fields: Any,
    ) -> SwapResult:
        # ``side`` (of the cached quote) only normalizes the answer; it is not sent.
        return await self._swap_result(route, request_model, quirks, side, fields)

    async def _swap_result(
        self,
        route: Route,
        request_model: type[GatewayRequest],
        quirks: ConnectorQuirks,
        side: Side,
        fields: dict[str, Any],
    ) -> SwapResult:
        result = await self._call(
            route, request_model, SwapResult, for_chain=quirks.chain, quirks=quirks, **fields
        )
        if result.data is None:
            return result
        data = normalize_swap_data(result.data, side=side, quirks=quirks)
        return result.model_copy(update={"data": data})


class ConnectorRoutes:
    """The routes of one ``/connectors/<name>/<type>`` connector (each type uses a subset)."""

    def __init__(self, connector: str) -> None:
        base = f"/connectors/{connector}"
        self.fetch_pools = Route("GET", f"{base}/fetch-pools")
        self.pool_info = Route("GET", f"{base}/pool-info")
        self.positions_owned = Route("GET", f"{base}/positions-owned")
        self.position_info = Route("GET", f"{base}/position-info")
        self.quote_position = Route("GET", f"{base}/quote-position")
        self.quote_liquidity = Route("GET", f"{base}/quote-liquidity")
        self.quote_swap = Route("GET", f"{base}/quote-swap")
        self.execute_swap = Route("POST", f"{base}/execute-swap", is_write=True)
        self.execute_quote = Route("POST", f"{base}/execute-quote", is_write=True)
        self.open_position = Route("POST", f"{base}/open-position", is_write=True)
        self.add_liquidity = Route("POST", f"{base}/add-liquidity", is_write=True)
        self.remove_liquidity = Route("POST", f"{base}/remove-liquidity", is_write=True)
        self.collect_fees = Route("POST", f"{base}/collect-fees", is_write=True)
        self.close_position = Route("POST", f"{base}/close-position", is_write=True)


class PoolConnector(SwapResource):
    """A connector that swaps in one pool (AMM and CLMM); differences come from ``quirks``."""

    quirks: ConnectorQuirks
    routes: ConnectorRoutes

    @property
    def connector(self) -> str:
        """Gateway's ``name/type`` key of this connector."""
        return self.quirks.connector

    async def quote_swap(
        self,
        *,
        base_token: str,
        amount: Decimal,
        side: Side,
        quote_token: str | None = None,
        pool_address: str | None = None,
        slippage: Decimal | None = None,
        network: str | None = None,
    ) -> SwapQuote:
        """Quote a swap in one pool; ``price`` is normalized to quote per base.

        Without ``pool_address`` Gateway picks the pool listed for the pair.
        """
        return await self._quote_swap(
            self.routes.quote_swap,
            PoolSwapQuoteQuery,
            SwapQuote,
            quirks=self.quirks,
            side=side,
            slippage=slippage,
            network=self._network(network),
            pool_address=pool_address,
            base_token=base_token,
            quote_token=quote_token,
            amount=amount,
        )

    async def execute_swap(
        self,
        *,
        base_token: str,
        amount: Decimal,
        side: Side,
        wallet_address: str,
        quote_token: str | None = None,
        pool_address: str | None = None,
        slippage: Decimal | None = None,
        network: str | None = None,
    ) -> SwapResult:
        """Swap in one pool. A write: sent once, never retried.

        Raises:
            SlippageExceededError: The simulation hit the slippage limit; nothing was sent.
            TransactionOutcomeUnknownError: Meteora did not see it confirm (HTTP 504): reconcile.
        """
        if pool_address is not None and not self.quirks.execute_swap_takes_pool:
            raise InvalidRequestError(
                f"Expected no pool_address for {self.connector} execute-swap (the route picks "
                f"the pool), received pool_address={pool_address!r}",
                fields=("pool_address",),
            )
        return await self._execute_swap(
            self.routes.execute_swap,
            PoolSwapRequest,
            quirks=self.quirks,
            side=side,
            slippage=slippage,
            network=self._network(network),
            wallet_address=wallet_address,
            pool_address=pool_address,
            base_token=base_token,
            quote_token=quote_token,
            amount=amount,
        )
