"""Unified routes: ``/trading/swap/*`` and ``/trading/clmm/*`` (any connector, by name).

The unified routes take ``chainNetwork`` (``solana-mainnet-beta``) and ``connector``; the chain
is derived from the connector, the network defaults to the client's network for that chain.
They call the connectors' own code, so the connector quirks apply to their answers too
(Meteora's inverted BUY price and double-counted fee); remove always uses
``percentageToRemove`` here, which Gateway maps correctly for Meteora.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from gateway_client._connectors import ConnectorQuirks, quirks_for, ratio_to_percent
from gateway_client._exceptions import InvalidRequestError
from gateway_client._models.base import GatewayRequest, TransactionResult
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
from gateway_client._resources.swap import SwapResource
from gateway_client._transport import Route
from gateway_client._types import Side, StrategyType

__all__ = ["TradingClmm", "TradingSwap"]

T = TypeVar("T")
ResultT = TypeVar("ResultT", bound=TransactionResult)

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


class _Unified(SwapResource):
    def _chain_network(self, quirks: ConnectorQuirks, network: str | None) -> str:
        return f"{quirks.chain}-{self._client._default_network(quirks.chain, network)}"

    async def _unified(
        self,
        route: Route,
        request_model: type[GatewayRequest],
        response_type: type[T],
        quirks: ConnectorQuirks,
        **fields: Any,
    ) -> T:
        # Addresses follow the connector's chain; a write's fee is flagged from its quirks.
        return await self._call(
            route, request_model, response_type, for_chain=quirks.chain, quirks=quirks, **fields
        )


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
        return await self._quote_swap(
            SWAP_QUOTE,
            TradingSwapQuoteQuery,
            SwapQuote,
            quirks=quirks,
            side=side,
            slippage=slippage,
            chain_network=self._chain_network(quirks, network),
            connector=quirks.connector,
            base_token=base_token,
            quote_token=quote_token,
            amount=amount,
        )

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
        return await self._execute_swap(
            SWAP_EXECUTE,
            TradingSwapRequest,
            quirks=quirks,
            side=side,
            slippage=slippage,
            chain_network=self._chain_network(quirks, network),
            connector=quirks.connector,
            wallet_address=wallet_address,
            base_token=base_token,
            quote_token=quote_token,
            amount=amount,
        )


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

    async def _position_action(
        self,
        route: Route,
        result_type: type[ResultT],
        position_address: str,
        connector: str,
        wallet_address: str,
        network: str | None,
    ) -> ResultT:
        quirks, target = self._clmm(connector, network)
        return await self._unified(
            route,
            TradingPositionActionRequest,
            result_type,
            quirks,
            wallet_address=wallet_address,
            position_address=position_address,
            **target,
        )

    async def pool_info(
        self, pool_address: str, *, connector: str, network: str | None = None
    ) -> PoolInfo:
        """Return the pool (base ``PoolInfo``: connector extras are stripped by Gateway)."""
        quirks, target = self._clmm(connector, network)
        return await self._unified(
            CLMM_POOL_INFO,
            TradingPoolInfoQuery,
            PoolInfo,
            quirks,
            pool_address=pool_address,
            **target,
        )

    async def position_info(
        self, position_address: str, *, connector: str, network: str | None = None
    ) -> PositionInfo:
        """Return one position.

        Raises:
            PositionClosedError: The position was closed.
            PositionNotFoundError: No position ever existed at this address.
        """
        quirks, target = self._clmm(connector, network)
        return await self._unified(
            CLMM_POSITION_INFO,
            TradingPositionInfoQuery,
            PositionInfo,
            quirks,
            position_address=position_address,
            **target,
        )

    async def positions_owned(
        self, wallet_address: str, *, connector: str, network: str | None = None
    ) -> list[PositionInfo]:
        """Return every position of ``wallet_address`` on the connector."""
        quirks, target = self._clmm(connector, network)
        return await self._unified(
            CLMM_POSITIONS_OWNED,
            TradingPositionsOwnedQuery,
            list[PositionInfo],
            quirks,
            wallet_address=wallet_address,
            **target,
        )

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
        return await self._unified(
            CLMM_QUOTE_POSITION,
            TradingQuotePositionQuery,
            PositionQuote,
            quirks,
            pool_address=pool_address,
            lower_price=lower_price,
            upper_price=upper_price,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
            **target,
        )

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
        return await self._unified(
            CLMM_OPEN,
            TradingOpenRequest,
            OpenPositionResult,
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
        return await self._unified(
            CLMM_ADD,
            TradingAddRequest,
            AddLiquidityResult,
            quirks,
            wallet_address=wallet_address,
            position_address=position_address,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
            **target,
        )

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
        return await self._unified(
            CLMM_REMOVE,
            TradingRemoveRequest,
            RemoveLiquidityResult,
            quirks,
            wallet_address=wallet_address,
            position_address=position_address,
            percentage_to_remove=ratio_to_percent(fraction, field="fraction"),
            **target,
        )

    async def collect_fees(
        self,
        position_address: str,
        *,
        connector: str,
        wallet_address: str,
        network: str | None = None,
    ) -> CollectFeesResult:
        """Claim a position's fees. A write: sent once, never retried."""
        return await self._position_action(
            CLMM_COLLECT_FEES,
            CollectFeesResult,
            position_address,
            connector,
            wallet_address,
            network,
        )

    async def close(
        self,
        position_address: str,
        *,
        connector: str,
        wallet_address: str,
        network: str | None = None,
    ) -> ClosePositionResult:
        """Close a position (remove all, claim, refund rent). A write."""
        return await self._position_action(
            CLMM_CLOSE, ClosePositionResult, position_address, connector, wallet_address, network
        )
