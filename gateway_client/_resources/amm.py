"""Constant-product (AMM/CPMM) connectors: Raydium AMM and Uniswap V2."""

from __future__ import annotations

from decimal import Decimal

from gateway_client._connectors import quirks_for, remove_liquidity_fields
from gateway_client._models.liquidity import (
    AddLiquidityResult,
    AmmPoolInfo,
    AmmPositionInfo,
    PositionQuote,
    RemoveLiquidityResult,
)
from gateway_client._models.liquidity_requests import (
    AmmLiquidityRequest,
    AmmPositionInfoQuery,
    AmmRemoveLiquidityRequest,
    PoolInfoQuery,
    QuoteLiquidityQuery,
)
from gateway_client._resources.swap import ConnectorRoutes, PoolConnector

__all__ = ["AmmConnector", "RaydiumAmm", "UniswapAmm"]


class AmmConnector(PoolConnector):
    """Routes shared by the AMM connectors (a position is the wallet's LP share of a pool)."""

    async def pool_info(self, pool_address: str, *, network: str | None = None) -> AmmPoolInfo:
        """Return the pool's price, fee and reserves."""
        return await self._on_network(
            self.routes.pool_info,
            PoolInfoQuery,
            AmmPoolInfo,
            network=network,
            pool_address=pool_address,
        )

    async def position_info(
        self, pool_address: str, *, wallet_address: str, network: str | None = None
    ) -> AmmPositionInfo:
        """Return the wallet's LP tokens and their underlying amounts."""
        return await self._on_network(
            self.routes.position_info,
            AmmPositionInfoQuery,
            AmmPositionInfo,
            network=network,
            pool_address=pool_address,
            wallet_address=wallet_address,
        )

    async def quote_liquidity(
        self,
        pool_address: str,
        *,
        base_token_amount: Decimal,
        quote_token_amount: Decimal,
        slippage: Decimal | None = None,
        network: str | None = None,
    ) -> PositionQuote:
        """Quote a deposit: which side limits it and the maximum amounts with slippage."""
        return await self._on_network(
            self.routes.quote_liquidity,
            QuoteLiquidityQuery,
            PositionQuote,
            network=network,
            pool_address=pool_address,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
        )

    async def add_liquidity(
        self,
        pool_address: str,
        *,
        wallet_address: str,
        base_token_amount: Decimal,
        quote_token_amount: Decimal,
        slippage: Decimal | None = None,
        network: str | None = None,
    ) -> AddLiquidityResult:
        """Deposit into the pool. A write: sent once, never retried."""
        return await self._on_network(
            self.routes.add_liquidity,
            AmmLiquidityRequest,
            AddLiquidityResult,
            network=network,
            quirks=self.quirks,
            wallet_address=wallet_address,
            pool_address=pool_address,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
        )

    async def remove_liquidity(
        self,
        pool_address: str,
        *,
        wallet_address: str,
        fraction: Decimal,
        network: str | None = None,
    ) -> RemoveLiquidityResult:
        """Withdraw ``fraction`` (ratio) of the wallet's LP share. A write."""
        return await self._on_network(
            self.routes.remove_liquidity,
            AmmRemoveLiquidityRequest,
            RemoveLiquidityResult,
            network=network,
            quirks=self.quirks,
            wallet_address=wallet_address,
            pool_address=pool_address,
            **remove_liquidity_fields(self.quirks, fraction),
        )


class RaydiumAmm(AmmConnector):
    """``/connectors/raydium/amm``: Raydium AMM and CPMM pools."""

    chain = "solana"
    quirks = quirks_for("raydium/amm")
    routes = ConnectorRoutes("raydium/amm")


class UniswapAmm(AmmConnector):
    """``/connectors/uniswap/amm``: Uniswap V2 pools on EVM networks."""

    chain = "ethereum"
    quirks = quirks_for("uniswap/amm")
    routes = ConnectorRoutes("uniswap/amm")
