"""Concentrated-liquidity connectors: Meteora DLMM, Raydium CLMM, Uniswap V3."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from gateway_client._connectors import quirks_for, remove_liquidity_fields
from gateway_client._exceptions import InvalidRequestError
from gateway_client._models.base import TransactionResult
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
from gateway_client._resources.swap import ConnectorRoutes, PoolConnector
from gateway_client._transport import Route
from gateway_client._types import StrategyType

__all__ = ["ClmmConnector", "MeteoraClmm", "RaydiumClmm", "UniswapClmm"]

PoolT = TypeVar("PoolT", bound=PoolInfo)
ResultT = TypeVar("ResultT", bound=TransactionResult)


class ClmmConnector(PoolConnector):
    """Routes shared by the CLMM connectors; per-connector differences come from ``quirks``.

    Amount arguments are Decimals in human units; ``slippage`` and ``fraction`` are ratios
    (0.01 = 1 %), converted to Gateway's percentages at the boundary.
    """

    def _strategy(self, strategy_type: StrategyType | None) -> StrategyType | None:
        if strategy_type is not None and not self.quirks.supports_strategy_type:
            raise InvalidRequestError(
                f"Expected no strategy_type for {self.connector} (only Meteora has one), "
                f"received strategy_type={strategy_type!r}",
                fields=("strategy_type",),
            )
        return strategy_type

    async def _pool_info(self, pool_address: str, network: str | None, model: type[PoolT]) -> PoolT:
        return await self._on_network(
            self.routes.pool_info,
            PoolInfoQuery,
            model,
            network=network,
            pool_address=pool_address,
        )

    async def _position_action(
        self,
        route: Route,
        result_type: type[ResultT],
        position_address: str,
        wallet_address: str,
        network: str | None,
    ) -> ResultT:
        return await self._on_network(
            route,
            PositionActionRequest,
            result_type,
            network=network,
            quirks=self.quirks,
            wallet_address=wallet_address,
            position_address=position_address,
        )

    async def pool_info(self, pool_address: str, *, network: str | None = None) -> PoolInfo:
        """Return the pool's price, fee, reserves and active bin/tick."""
        return await self._pool_info(pool_address, network, PoolInfo)

    async def positions_owned(
        self, wallet_address: str, *, network: str | None = None
    ) -> list[PositionInfo]:
        """Return every position of ``wallet_address`` on this connector."""
        return await self._on_network(
            self.routes.positions_owned,
            PositionsOwnedQuery,
            list[PositionInfo],
            network=network,
            wallet_address=wallet_address,
        )

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
        if self.quirks.position_info_takes_wallet and wallet_address is None:
            raise InvalidRequestError(
                f"Expected wallet_address for {self.connector} position-info (Gateway would "
                "otherwise use its configured default wallet), received None",
                fields=("wallet_address",),
            )
        return await self._on_network(
            self.routes.position_info,
            ClmmPositionInfoQuery,
            PositionInfo,
            network=network,
            position_address=position_address,
            wallet_address=wallet_address if self.quirks.position_info_takes_wallet else None,
        )

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
        return await self._on_network(
            self.routes.quote_position,
            ClmmQuotePositionQuery,
            PositionQuote,
            network=network,
            pool_address=pool_address,
            lower_price=lower_price,
            upper_price=upper_price,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
            strategy_type=self._strategy(strategy_type),
        )

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
        return await self._on_network(
            self.routes.open_position,
            ClmmOpenPositionRequest,
            OpenPositionResult,
            network=network,
            quirks=self.quirks,
            wallet_address=wallet_address,
            pool_address=pool_address,
            lower_price=lower_price,
            upper_price=upper_price,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
            strategy_type=self._strategy(strategy_type),
        )

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
        return await self._on_network(
            self.routes.add_liquidity,
            ClmmAddLiquidityRequest,
            AddLiquidityResult,
            network=network,
            quirks=self.quirks,
            wallet_address=wallet_address,
            position_address=position_address,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
            strategy_type=self._strategy(strategy_type),
        )

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
        return await self._on_network(
            self.routes.remove_liquidity,
            ClmmRemoveLiquidityRequest,
            RemoveLiquidityResult,
            network=network,
            quirks=self.quirks,
            wallet_address=wallet_address,
            position_address=position_address,
            **remove_liquidity_fields(self.quirks, fraction),
        )

    async def collect_fees(
        self, position_address: str, *, wallet_address: str, network: str | None = None
    ) -> CollectFeesResult:
        """Claim a position's fees. A write (Raydium does it by removing 1 % of liquidity)."""
        return await self._position_action(
            self.routes.collect_fees, CollectFeesResult, position_address, wallet_address, network
        )

    async def close_position(
        self, position_address: str, *, wallet_address: str, network: str | None = None
    ) -> ClosePositionResult:
        """Remove all liquidity, claim fees and close the position (rent refunded). A write."""
        return await self._position_action(
            self.routes.close_position,
            ClosePositionResult,
            position_address,
            wallet_address,
            network,
        )


class MeteoraClmm(ClmmConnector):
    """``/connectors/meteora/clmm``: Meteora DLMM (bins) pools and positions."""

    chain = "solana"
    quirks = quirks_for("meteora/clmm")
    routes = ConnectorRoutes("meteora/clmm")

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
        return await self._on_network(
            self.routes.fetch_pools,
            FetchPoolsQuery,
            list[PoolInfo],
            network=network,
            limit=limit,
            token_a=token_a,
            token_b=token_b,
        )


class RaydiumClmm(ClmmConnector):
    """``/connectors/raydium/clmm``: Raydium concentrated liquidity (ticks)."""

    chain = "solana"
    quirks = quirks_for("raydium/clmm")
    routes = ConnectorRoutes("raydium/clmm")


class UniswapClmm(ClmmConnector):
    """``/connectors/uniswap/clmm``: Uniswap V3 on EVM networks (positions are NFT ids)."""

    chain = "ethereum"
    quirks = quirks_for("uniswap/clmm")
    routes = ConnectorRoutes("uniswap/clmm")
