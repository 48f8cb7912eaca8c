"""Concentrated-liquidity connectors: Meteora DLMM, Raydium CLMM, Uniswap V3."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from gateway_client._connectors import (
    ConnectorQuirks,
    normalize_swap_data,
    normalize_swap_quote,
    quirks_for,
    remove_liquidity_fields,
)
from gateway_client._exceptions import InvalidRequestError
from gateway_client._models.liquidity import (
    AddLiquidityResult,
    ClosePositionResult,
    CollectFeesResult,
    MeteoraPoolInfo,
    OpenPositionResult,
    PoolInfo,
    PositionInfo,
    PositionQuote,
    RemoveLiquidityResult,
)
from gateway_client._models.liquidity_requests import (
    ClmmAddLiquidityRequest,
    ClmmOpenPositionRequest,
    ClmmPositionInfoQuery,
    ClmmQuotePositionQuery,
    ClmmRemoveLiquidityRequest,
    FetchPoolsQuery,
    PoolInfoQuery,
    PositionActionRequest,
    PositionsOwnedQuery,
)
from gateway_client._models.swap import PoolSwapQuoteQuery, PoolSwapRequest, SwapQuote, SwapResult
from gateway_client._resources.base import Resource, build_request
from gateway_client._transport import Route
from gateway_client._types import Side, StrategyType

__all__ = ["ClmmConnector", "MeteoraClmm", "RaydiumClmm", "UniswapClmm"]

PoolT = TypeVar("PoolT", bound=PoolInfo)


class _Routes:
    def __init__(self, connector: str) -> None:
        base = f"/connectors/{connector}"
        self.fetch_pools = Route("GET", f"{base}/fetch-pools")
        self.pool_info = Route("GET", f"{base}/pool-info")
        self.positions_owned = Route("GET", f"{base}/positions-owned")
        self.position_info = Route("GET", f"{base}/position-info")
        self.quote_position = Route("GET", f"{base}/quote-position")
        self.quote_swap = Route("GET", f"{base}/quote-swap")
        self.execute_swap = Route("POST", f"{base}/execute-swap", is_write=True)
        self.open_position = Route("POST", f"{base}/open-position", is_write=True)
        self.add_liquidity = Route("POST", f"{base}/add-liquidity", is_write=True)
        self.remove_liquidity = Route("POST", f"{base}/remove-liquidity", is_write=True)
        self.collect_fees = Route("POST", f"{base}/collect-fees", is_write=True)
        self.close_position = Route("POST", f"{base}/close-position", is_write=True)


class ClmmConnector(Resource):
    """Routes shared by the CLMM connectors; per-connector differences come from ``quirks``.

    Amount arguments are Decimals in human units; ``slippage`` and ``fraction`` are ratios
    (0.01 = 1 %), converted to Gateway's percentages at the boundary.
    """

    quirks: ConnectorQuirks
    routes: _Routes

    @property
    def connector(self) -> str:
        """Gateway's ``name/type`` key of this connector."""
        return self.quirks.connector

    def _strategy(self, strategy_type: StrategyType | None) -> StrategyType | None:
        if strategy_type is not None and not self.quirks.supports_strategy_type:
            raise InvalidRequestError(
                f"Expected no strategy_type for {self.connector} (only Meteora has one), "
                f"received strategy_type={strategy_type!r}",
                fields=("strategy_type",),
            )
        return strategy_type

    async def _pool_info(self, pool_address: str, network: str | None, model: type[PoolT]) -> PoolT:
        route = self.routes.pool_info
        request = build_request(
            PoolInfoQuery,
            route,
            for_chain=self.chain,
            network=self._network(network),
            pool_address=pool_address,
        )
        return await self._call(route, request, model)

    async def pool_info(self, pool_address: str, *, network: str | None = None) -> PoolInfo:
        """Return the pool's price, fee, reserves and active bin/tick."""
        return await self._pool_info(pool_address, network, PoolInfo)

    async def positions_owned(
        self, wallet_address: str, *, network: str | None = None
    ) -> list[PositionInfo]:
        """Return every position of ``wallet_address`` on this connector."""
        route = self.routes.positions_owned
        request = build_request(
            PositionsOwnedQuery,
            route,
            for_chain=self.chain,
            network=self._network(network),
            wallet_address=wallet_address,
        )
        return await self._call_list(route, request, PositionInfo)

    async def position_info(
        self,
        position_address: str,
        *,
        wallet_address: str | None = None,
        network: str | None = None,
    ) -> PositionInfo:
        """Return one position (amounts, unclaimed fees, bin/tick range).

        Args:
            position_address: Position account, or NFT token id on Uniswap.
            wallet_address: Owner; required where the route reads it (Raydium), else not sent.
            network: Network; defaults to the client's network for this chain.

        Raises:
            PositionClosedError: The position was closed.
            PositionNotFoundError: No position ever existed at this address.
        """
        route = self.routes.position_info
        if self.quirks.position_info_takes_wallet and wallet_address is None:
            raise InvalidRequestError(
                f"Expected wallet_address for {self.connector} position-info (Gateway would "
                "otherwise use its configured default wallet), received None",
                fields=("wallet_address",),
            )
        request = build_request(
            ClmmPositionInfoQuery,
            route,
            for_chain=self.chain,
            network=self._network(network),
            position_address=position_address,
            wallet_address=wallet_address if self.quirks.position_info_takes_wallet else None,
        )
        return await self._call(route, request, PositionInfo)

    async def quote_position(
        self,
        pool_address: str,
        *,
        lower_price: Decimal,
        upper_price: Decimal,
        base_token_amount: Decimal | None = None,
        quote_token_amount: Decimal | None = None,
        slippage: Decimal | None = None,
        strategy_type: StrategyType | None = None,
        network: str | None = None,
    ) -> PositionQuote:
        """Quote the amounts of a new position over ``[lower_price, upper_price]``."""
        route = self.routes.quote_position
        request = build_request(
            ClmmQuotePositionQuery,
            route,
            for_chain=self.chain,
            network=self._network(network),
            pool_address=pool_address,
            lower_price=lower_price,
            upper_price=upper_price,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
            strategy_type=self._strategy(strategy_type),
        )
        return await self._call(route, request, PositionQuote)

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
        route = self.routes.quote_swap
        request = build_request(
            PoolSwapQuoteQuery,
            route,
            for_chain=self.chain,
            network=self._network(network),
            pool_address=pool_address,
            base_token=base_token,
            quote_token=quote_token,
            amount=amount,
            side=side,
            slippage_pct=self._slippage_pct(slippage),
        )
        quote = await self._call(route, request, SwapQuote)
        return normalize_swap_quote(quote, side=side, quirks=self.quirks)

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
        route = self.routes.execute_swap
        if pool_address is not None and not self.quirks.execute_swap_takes_pool:
            raise InvalidRequestError(
                f"Expected no pool_address for {self.connector} execute-swap (the route picks "
                f"the pool), received pool_address={pool_address!r}",
                fields=("pool_address",),
            )
        request = build_request(
            PoolSwapRequest,
            route,
            for_chain=self.chain,
            network=self._network(network),
            wallet_address=wallet_address,
            pool_address=pool_address,
            base_token=base_token,
            quote_token=quote_token,
            amount=amount,
            side=side,
            slippage_pct=self._slippage_pct(slippage),
        )
        result = await self._write(route, request, SwapResult)
        if result.data is None:
            return result
        data = normalize_swap_data(result.data, side=side, quirks=self.quirks)
        return result.model_copy(update={"data": data})

    async def open_position(
        self,
        pool_address: str,
        *,
        lower_price: Decimal,
        upper_price: Decimal,
        wallet_address: str,
        base_token_amount: Decimal | None = None,
        quote_token_amount: Decimal | None = None,
        slippage: Decimal | None = None,
        strategy_type: StrategyType | None = None,
        network: str | None = None,
    ) -> OpenPositionResult:
        """Open a position. A write: sent once, never retried.

        A range entirely above the price needs base only, entirely below needs quote only.

        Raises:
            PositionTooWideError: More bins than the program allows (Meteora: 69 in Gateway 2.13).
            InsufficientFundsError: The wallet cannot pay amounts, rent and fees.
            TransactionOutcomeUnknownError: HTTP 504 (Meteora) without a signature: list the
                wallet's positions before trying again.
        """
        route = self.routes.open_position
        request = build_request(
            ClmmOpenPositionRequest,
            route,
            for_chain=self.chain,
            network=self._network(network),
            wallet_address=wallet_address,
            pool_address=pool_address,
            lower_price=lower_price,
            upper_price=upper_price,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
            strategy_type=self._strategy(strategy_type),
        )
        return await self._write(route, request, OpenPositionResult, quirks=self.quirks)

    async def add_liquidity(
        self,
        position_address: str,
        *,
        wallet_address: str,
        base_token_amount: Decimal,
        quote_token_amount: Decimal,
        slippage: Decimal | None = None,
        strategy_type: StrategyType | None = None,
        network: str | None = None,
    ) -> AddLiquidityResult:
        """Add liquidity to a position (send both amounts; 0 is allowed). A write."""
        route = self.routes.add_liquidity
        request = build_request(
            ClmmAddLiquidityRequest,
            route,
            for_chain=self.chain,
            network=self._network(network),
            wallet_address=wallet_address,
            position_address=position_address,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
            strategy_type=self._strategy(strategy_type),
        )
        return await self._write(route, request, AddLiquidityResult, quirks=self.quirks)

    async def remove_liquidity(
        self,
        position_address: str,
        *,
        wallet_address: str,
        fraction: Decimal,
        network: str | None = None,
    ) -> RemoveLiquidityResult:
        """Remove ``fraction`` (ratio, 0.5 = half) of a position's liquidity. A write.

        The percentage goes out under the field name this connector reads (Meteora
        ``liquidityPct``, others ``percentageToRemove``); a 100 % removal leaves the position
        open and holding rent until :meth:`close_position`.
        """
        route = self.routes.remove_liquidity
        request = build_request(
            ClmmRemoveLiquidityRequest,
            route,
            for_chain=self.chain,
            network=self._network(network),
            wallet_address=wallet_address,
            position_address=position_address,
            **remove_liquidity_fields(self.quirks, fraction),
        )
        return await self._write(route, request, RemoveLiquidityResult, quirks=self.quirks)

    async def collect_fees(
        self, position_address: str, *, wallet_address: str, network: str | None = None
    ) -> CollectFeesResult:
        """Claim a position's fees. A write (Raydium does it by removing 1 % of liquidity)."""
        route = self.routes.collect_fees
        request = build_request(
            PositionActionRequest,
            route,
            for_chain=self.chain,
            network=self._network(network),
            wallet_address=wallet_address,
            position_address=position_address,
        )
        return await self._write(route, request, CollectFeesResult, quirks=self.quirks)

    async def close_position(
        self, position_address: str, *, wallet_address: str, network: str | None = None
    ) -> ClosePositionResult:
        """Remove all liquidity, claim fees and close the position (rent refunded). A write."""
        route = self.routes.close_position
        request = build_request(
            PositionActionRequest,
            route,
            for_chain=self.chain,
            network=self._network(network),
            wallet_address=wallet_address,
            position_address=position_address,
        )
        return await self._write(route, request, ClosePositionResult, quirks=self.quirks)


class MeteoraClmm(ClmmConnector):
    """``/connectors/meteora/clmm``: Meteora DLMM (bins) pools and positions."""

    chain = "solana"
    quirks = quirks_for("meteora/clmm")
    routes = _Routes("meteora/clmm")

    async def pool_info(self, pool_address: str, *, network: str | None = None) -> MeteoraPoolInfo:
        """Return the pool with its dynamic fee and the bins around the active bin."""
        return await self._pool_info(pool_address, network, MeteoraPoolInfo)

    async def fetch_pools(
        self,
        *,
        limit: int | None = None,
        token_a: str | None = None,
        token_b: str | None = None,
        network: str | None = None,
    ) -> list[PoolInfo]:
        """Scan Meteora's pools (an empty list may mean Gateway's RPC scan failed)."""
        route = self.routes.fetch_pools
        request = build_request(
            FetchPoolsQuery,
            route,
            for_chain="solana",
            network=self._network(network),
            limit=limit,
            token_a=token_a,
            token_b=token_b,
        )
        return await self._call_list(route, request, PoolInfo)


class RaydiumClmm(ClmmConnector):
    """``/connectors/raydium/clmm``: Raydium concentrated liquidity (ticks)."""

    chain = "solana"
    quirks = quirks_for("raydium/clmm")
    routes = _Routes("raydium/clmm")


class UniswapClmm(ClmmConnector):
    """``/connectors/uniswap/clmm``: Uniswap V3 on EVM networks (positions are NFT ids)."""

    chain = "ethereum"
    quirks = quirks_for("uniswap/clmm")
    routes = _Routes("uniswap/clmm")
