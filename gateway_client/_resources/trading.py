"""Unified routes: ``/trading/swap/*`` and ``/trading/clmm/*`` (any connector, by name).

The unified routes take ``chainNetwork`` (``solana-mainnet-beta``) and ``connector``; the chain
is derived from the connector, the network defaults to the client's network for that chain.
They call the connectors' own code, so the connector quirks apply to their answers too
(Meteora's inverted BUY price and double-counted fee); remove always uses
``percentageToRemove`` here, which Gateway maps correctly for Meteora.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gateway_client._connectors import (
    ConnectorQuirks,
    normalize_swap_data,
    normalize_swap_quote,
    quirks_for,
    ratio_to_percent,
)
from gateway_client._exceptions import InvalidRequestError
from gateway_client._models.liquidity import (
    AddLiquidityResult,
    ClosePositionResult,
    CollectFeesResult,
    OpenPositionResult,
    PoolInfo,
    PositionInfo,
    PositionQuote,
    RemoveLiquidityResult,
)
from gateway_client._models.liquidity_requests import (
    TradingAddRequest,
    TradingOpenRequest,
    TradingPoolInfoQuery,
    TradingPositionActionRequest,
    TradingPositionInfoQuery,
    TradingPositionsOwnedQuery,
    TradingQuotePositionQuery,
    TradingRemoveRequest,
)
from gateway_client._models.swap import (
    SwapQuote,
    SwapResult,
    TradingSwapQuoteQuery,
    TradingSwapRequest,
)
from gateway_client._resources.base import RequestT, Resource, build_request
from gateway_client._transport import Route
from gateway_client._types import Side, StrategyType

__all__ = ["TradingClmm", "TradingSwap"]

SWAP_QUOTE = Route("GET", "/trading/swap/quote")
SWAP_EXECUTE = Route("POST", "/trading/swap/execute", is_write=True)
CLMM_POOL_INFO = Route("GET", "/trading/clmm/pool-info")
CLMM_POSITION_INFO = Route("GET", "/trading/clmm/position-info")
CLMM_POSITIONS_OWNED = Route("GET", "/trading/clmm/positions-owned")
CLMM_QUOTE_POSITION = Route("GET", "/trading/clmm/quote-position")
CLMM_OPEN = Route("POST", "/trading/clmm/open", is_write=True)
CLMM_ADD = Route("POST", "/trading/clmm/add", is_write=True)
CLMM_REMOVE = Route("POST", "/trading/clmm/remove", is_write=True)
CLMM_COLLECT_FEES = Route("POST", "/trading/clmm/collect-fees", is_write=True)
CLMM_CLOSE = Route("POST", "/trading/clmm/close", is_write=True)


class _Unified(Resource):
    def _chain_network(self, quirks: ConnectorQuirks, network: str | None) -> str:
        return f"{quirks.chain}-{self._client._default_network(quirks.chain, network)}"

    def _build(
        self, model: type[RequestT], route: Route, quirks: ConnectorQuirks, **fields: Any
    ) -> RequestT:
        return build_request(model, route, for_chain=quirks.chain, **fields)


class TradingSwap(_Unified):
    """``/trading/swap``: quote or execute a swap on any connector (``jupiter/router``, ...)."""

    def _quirks(self, connector: str) -> ConnectorQuirks:
        if "/" not in connector:
            raise InvalidRequestError(
                f"Expected connector as name/type (e.g. 'jupiter/router', 'meteora/clmm'), "
                f"received connector={connector!r}",
                fields=("connector",),
            )
        return quirks_for(connector)

    async def quote(
        self,
        *,
        connector: str,
        base_token: str,
        quote_token: str,
        amount: Decimal,
        side: Side,
        slippage: Decimal | None = None,
        network: str | None = None,
    ) -> SwapQuote:
        """Quote a swap; ``connector`` is sent explicitly (never the server's default)."""
        quirks = self._quirks(connector)
        chain_network = self._chain_network(quirks, network)
        request = self._build(
            TradingSwapQuoteQuery,
            SWAP_QUOTE,
            quirks,
            chain_network=chain_network,
            connector=quirks.connector,
            base_token=base_token,
            quote_token=quote_token,
            amount=amount,
            side=side,
            slippage_pct=self._slippage_pct(slippage),
        )
        quote = await self._call(SWAP_QUOTE, request, SwapQuote)
        return normalize_swap_quote(quote, side=side, quirks=quirks)

    async def execute(
        self,
        *,
        connector: str,
        base_token: str,
        quote_token: str,
        amount: Decimal,
        side: Side,
        wallet_address: str,
        slippage: Decimal | None = None,
        network: str | None = None,
    ) -> SwapResult:
        """Quote and execute a swap. A write: sent once, never retried."""
        quirks = self._quirks(connector)
        chain_network = self._chain_network(quirks, network)
        request = self._build(
            TradingSwapRequest,
            SWAP_EXECUTE,
            quirks,
            chain_network=chain_network,
            connector=quirks.connector,
            wallet_address=wallet_address,
            base_token=base_token,
            quote_token=quote_token,
            amount=amount,
            side=side,
            slippage_pct=self._slippage_pct(slippage),
        )
        result = await self._write(SWAP_EXECUTE, request, SwapResult)
        if result.data is None:
            return result
        data = normalize_swap_data(result.data, side=side, quirks=quirks)
        return result.model_copy(update={"data": data})


class TradingClmm(_Unified):
    """``/trading/clmm``: CLMM reads and writes on any CLMM connector (``meteora``, ...)."""

    def _clmm(self, connector: str, network: str | None) -> tuple[ConnectorQuirks, dict[str, str]]:
        quirks = quirks_for(connector)
        chain_network = self._chain_network(quirks, network)
        if not quirks.connector.endswith("/clmm"):
            raise InvalidRequestError(
                f"Expected a CLMM connector (e.g. 'meteora'), received connector={connector!r}",
                fields=("connector",),
            )
        name = quirks.connector.removesuffix("/clmm")
        return quirks, {"connector": name, "chain_network": chain_network}

    async def pool_info(
        self, pool_address: str, *, connector: str, network: str | None = None
    ) -> PoolInfo:
        """Return the pool (base ``PoolInfo``: connector extras are stripped by Gateway)."""
        quirks, target = self._clmm(connector, network)
        request = self._build(
            TradingPoolInfoQuery, CLMM_POOL_INFO, quirks, pool_address=pool_address, **target
        )
        return await self._call(CLMM_POOL_INFO, request, PoolInfo)

    async def position_info(
        self, position_address: str, *, connector: str, network: str | None = None
    ) -> PositionInfo:
        """Return one position.

        Raises:
            PositionClosedError: The position was closed.
            PositionNotFoundError: No position ever existed at this address.
        """
        quirks, target = self._clmm(connector, network)
        request = self._build(
            TradingPositionInfoQuery,
            CLMM_POSITION_INFO,
            quirks,
            position_address=position_address,
            **target,
        )
        return await self._call(CLMM_POSITION_INFO, request, PositionInfo)

    async def positions_owned(
        self, wallet_address: str, *, connector: str, network: str | None = None
    ) -> list[PositionInfo]:
        """Return every position of ``wallet_address`` on the connector."""
        quirks, target = self._clmm(connector, network)
        request = self._build(
            TradingPositionsOwnedQuery,
            CLMM_POSITIONS_OWNED,
            quirks,
            wallet_address=wallet_address,
            **target,
        )
        return await self._call_list(CLMM_POSITIONS_OWNED, request, PositionInfo)

    async def quote_position(
        self,
        pool_address: str,
        *,
        connector: str,
        lower_price: Decimal,
        upper_price: Decimal,
        base_token_amount: Decimal | None = None,
        quote_token_amount: Decimal | None = None,
        slippage: Decimal | None = None,
        network: str | None = None,
    ) -> PositionQuote:
        """Quote the amounts of a new position."""
        quirks, target = self._clmm(connector, network)
        request = self._build(
            TradingQuotePositionQuery,
            CLMM_QUOTE_POSITION,
            quirks,
            pool_address=pool_address,
            lower_price=lower_price,
            upper_price=upper_price,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
            **target,
        )
        return await self._call(CLMM_QUOTE_POSITION, request, PositionQuote)

    async def open(
        self,
        pool_address: str,
        *,
        connector: str,
        lower_price: Decimal,
        upper_price: Decimal,
        wallet_address: str,
        base_token_amount: Decimal | None = None,
        quote_token_amount: Decimal | None = None,
        slippage: Decimal | None = None,
        strategy_type: StrategyType | None = None,
        network: str | None = None,
    ) -> OpenPositionResult:
        """Open a position. A write: sent once, never retried."""
        quirks, target = self._clmm(connector, network)
        if strategy_type is not None and not quirks.supports_strategy_type:
            raise InvalidRequestError(
                f"Expected no strategy_type for {quirks.connector}, received {strategy_type!r}",
                fields=("strategy_type",),
            )
        request = self._build(
            TradingOpenRequest,
            CLMM_OPEN,
            quirks,
            wallet_address=wallet_address,
            pool_address=pool_address,
            lower_price=lower_price,
            upper_price=upper_price,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
            strategy_type=strategy_type,
            **target,
        )
        return await self._write(CLMM_OPEN, request, OpenPositionResult, quirks=quirks)

    async def add(
        self,
        position_address: str,
        *,
        connector: str,
        wallet_address: str,
        base_token_amount: Decimal,
        quote_token_amount: Decimal,
        slippage: Decimal | None = None,
        network: str | None = None,
    ) -> AddLiquidityResult:
        """Add liquidity to a position. A write: sent once, never retried."""
        quirks, target = self._clmm(connector, network)
        request = self._build(
            TradingAddRequest,
            CLMM_ADD,
            quirks,
            wallet_address=wallet_address,
            position_address=position_address,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
            **target,
        )
        return await self._write(CLMM_ADD, request, AddLiquidityResult, quirks=quirks)

    async def remove(
        self,
        position_address: str,
        *,
        connector: str,
        wallet_address: str,
        fraction: Decimal,
        network: str | None = None,
    ) -> RemoveLiquidityResult:
        """Remove ``fraction`` (ratio) of a position's liquidity. A write."""
        quirks, target = self._clmm(connector, network)
        request = self._build(
            TradingRemoveRequest,
            CLMM_REMOVE,
            quirks,
            wallet_address=wallet_address,
            position_address=position_address,
            percentage_to_remove=ratio_to_percent(fraction, field="fraction"),
            **target,
        )
        return await self._write(CLMM_REMOVE, request, RemoveLiquidityResult, quirks=quirks)

    async def collect_fees(
        self,
        position_address: str,
        *,
        connector: str,
        wallet_address: str,
        network: str | None = None,
    ) -> CollectFeesResult:
        """Claim a position's fees. A write: sent once, never retried."""
        quirks, target = self._clmm(connector, network)
        request = self._build(
            TradingPositionActionRequest,
            CLMM_COLLECT_FEES,
            quirks,
            wallet_address=wallet_address,
            position_address=position_address,
            **target,
        )
        return await self._write(CLMM_COLLECT_FEES, request, CollectFeesResult, quirks=quirks)

    async def close(
        self,
        position_address: str,
        *,
        connector: str,
        wallet_address: str,
        network: str | None = None,
    ) -> ClosePositionResult:
        """Close a position (remove all, claim, refund rent). A write."""
        quirks, target = self._clmm(connector, network)
        request = self._build(
            TradingPositionActionRequest,
            CLMM_CLOSE,
            quirks,
            wallet_address=wallet_address,
            position_address=position_address,
            **target,
        )
        return await self._write(CLMM_CLOSE, request, ClosePositionResult, quirks=quirks)
