"""Constant-product (AMM/CPMM) connectors: Raydium AMM and Uniswap V2."""

from __future__ import annotations

from decimal import Decimal

from gateway_client._connectors import (
    ConnectorQuirks,
    normalize_swap_data,
    normalize_swap_quote,
    quirks_for,
    remove_liquidity_fields,
)
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
from gateway_client._models.swap import PoolSwapQuoteQuery, PoolSwapRequest, SwapQuote, SwapResult
from gateway_client._resources.base import Resource, build_request
from gateway_client._transport import Route
from gateway_client._types import Side

__all__ = ["AmmConnector", "RaydiumAmm", "UniswapAmm"]


class _Routes:
    def __init__(self, connector: str) -> None:
        base = f"/connectors/{connector}"
        self.pool_info = Route("GET", f"{base}/pool-info")
        self.position_info = Route("GET", f"{base}/position-info")
        self.quote_liquidity = Route("GET", f"{base}/quote-liquidity")
        self.quote_swap = Route("GET", f"{base}/quote-swap")
        self.execute_swap = Route("POST", f"{base}/execute-swap", is_write=True)
        self.add_liquidity = Route("POST", f"{base}/add-liquidity", is_write=True)
        self.remove_liquidity = Route("POST", f"{base}/remove-liquidity", is_write=True)


class AmmConnector(Resource):
    """Routes shared by the AMM connectors (a position is the wallet's LP share of a pool)."""

    quirks: ConnectorQuirks
    routes: _Routes

    @property
    def connector(self) -> str:
        """Gateway's ``name/type`` key of this connector."""
        return self.quirks.connector

    async def pool_info(self, pool_address: str, *, network: str | None = None) -> AmmPoolInfo:
        """Return the pool's price, fee and reserves."""
        route = self.routes.pool_info
        request = build_request(
            PoolInfoQuery,
            route,
            for_chain=self.chain,
            network=self._network(network),
            pool_address=pool_address,
        )
        return await self._call(route, request, AmmPoolInfo)

    async def position_info(
        self, pool_address: str, *, wallet_address: str, network: str | None = None
    ) -> AmmPositionInfo:
        """Return the wallet's LP tokens and their underlying amounts."""
        route = self.routes.position_info
        request = build_request(
            AmmPositionInfoQuery,
            route,
            for_chain=self.chain,
            network=self._network(network),
            pool_address=pool_address,
            wallet_address=wallet_address,
        )
        return await self._call(route, request, AmmPositionInfo)

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
        route = self.routes.quote_liquidity
        request = build_request(
            QuoteLiquidityQuery,
            route,
            for_chain=self.chain,
            network=self._network(network),
            pool_address=pool_address,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
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
        """Quote a swap in one pool (price in quote per base)."""
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
        """Swap in one pool. A write: sent once, never retried."""
        route = self.routes.execute_swap
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
        route = self.routes.add_liquidity
        request = build_request(
            AmmLiquidityRequest,
            route,
            for_chain=self.chain,
            network=self._network(network),
            wallet_address=wallet_address,
            pool_address=pool_address,
            base_token_amount=base_token_amount,
            quote_token_amount=quote_token_amount,
            slippage_pct=self._slippage_pct(slippage),
        )
        return await self._write(route, request, AddLiquidityResult, quirks=self.quirks)

    async def remove_liquidity(
        self,
        pool_address: str,
        *,
        wallet_address: str,
        fraction: Decimal,
        network: str | None = None,
    ) -> RemoveLiquidityResult:
        """Withdraw ``fraction`` (ratio) of the wallet's LP share. A write."""
        route = self.routes.remove_liquidity
        request = build_request(
            AmmRemoveLiquidityRequest,
            route,
            for_chain=self.chain,
            network=self._network(network),
            wallet_address=wallet_address,
            pool_address=pool_address,
            **remove_liquidity_fields(self.quirks, fraction),
        )
        return await self._write(route, request, RemoveLiquidityResult, quirks=self.quirks)


class RaydiumAmm(AmmConnector):
    """``/connectors/raydium/amm``: Raydium AMM and CPMM pools."""

    chain = "solana"
    quirks = quirks_for("raydium/amm")
    routes = _Routes("raydium/amm")


class UniswapAmm(AmmConnector):
    """``/connectors/uniswap/amm``: Uniswap V2 pools on EVM networks."""

    chain = "ethereum"
    quirks = quirks_for("uniswap/amm")
    routes = _Routes("uniswap/amm")
