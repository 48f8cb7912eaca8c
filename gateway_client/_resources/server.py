"""Server-level resources: config discovery, wallets, token list, pool list."""

from __future__ import annotations

import builtins
from typing import Any

from pydantic import BaseModel

from gateway_client._models.server import (
    ChainNetworkQuery,
    ChainNetworks,
    ConfigQuery,
    ConnectorInfo,
    PoolFindQuery,
    PoolListing,
    PoolListQuery,
    PoolQuery,
    PoolType,
    TokenInfo,
    TokenListQuery,
    TokenQuery,
    WalletGroup,
    WalletListQuery,
)
from gateway_client._resources.base import Resource, path_param
from gateway_client._transport import Route

__all__ = ["ConfigResource", "PoolsResource", "TokensResource", "WalletsResource"]

CONFIG = Route("GET", "/config/")
CONFIG_CHAINS = Route("GET", "/config/chains")
CONFIG_CONNECTORS = Route("GET", "/config/connectors")
CONFIG_NAMESPACES = Route("GET", "/config/namespaces")
WALLETS = Route("GET", "/wallet/")
TOKENS = Route("GET", "/tokens/")
TOKEN = Route("GET", "/tokens/{symbolOrAddress}")
TOKEN_FIND = Route("GET", "/tokens/find/{address}")
POOLS = Route("GET", "/pools/")
POOL = Route("GET", "/pools/{tradingPair}")
POOL_FIND = Route("GET", "/pools/find")
POOL_FIND_ADDRESS = Route("GET", "/pools/find/{address}")


class _Chains(BaseModel):
    chains: list[ChainNetworks]


class _Connectors(BaseModel):
    connectors: list[ConnectorInfo]


class _Namespaces(BaseModel):
    namespaces: list[str]


class _Tokens(BaseModel):
    tokens: list[TokenInfo]


class _TokenEnvelope(BaseModel):
    token: TokenInfo


def _fill(route: Route, value: str, *, field: str) -> str:
    # The route's one path parameter, percent-encoded (``field`` names it in errors).
    start, end = route.path.index("{"), route.path.index("}")
    return route.path[:start] + path_param(value, field=field) + route.path[end + 1 :]


class ConfigResource(Resource):
    """``/config``: what Gateway serves and how it is configured (read only)."""

    async def get(self, *, namespace: str | None = None) -> dict[str, Any]:
        """Return the configuration (one namespace, or all of them).

        Args:
            namespace: e.g. ``server``, ``solana-mainnet-beta``, ``meteora``.
        """
        return await self._call(CONFIG, ConfigQuery, dict[str, Any], namespace=namespace)

    async def chains(self) -> list[ChainNetworks]:
        """Return the chains and their networks."""
        return (await self._call(CONFIG_CHAINS, None, _Chains)).chains

    async def connectors(self) -> list[ConnectorInfo]:
        """Return the DEX connectors, their trading types and networks."""
        return (await self._call(CONFIG_CONNECTORS, None, _Connectors)).connectors

    async def namespaces(self) -> list[str]:
        """Return the configuration namespaces."""
        return (await self._call(CONFIG_NAMESPACES, None, _Namespaces)).namespaces


class WalletsResource(Resource):
    """``/wallet``: wallets Gateway holds keys for (read only; no key material is exposed)."""

    async def list(self, *, show_hardware: bool = True) -> builtins.list[WalletGroup]:
        """Return wallet addresses grouped by chain."""
        return await self._call(
            WALLETS, WalletListQuery, builtins.list[WalletGroup], show_hardware=show_hardware
        )


class TokensResource(Resource):
    """``/tokens``: Gateway's token lists."""

    async def list(
        self, *, chain: str | None = None, network: str | None = None, search: str | None = None
    ) -> builtins.list[TokenInfo]:
        """Return tokens, optionally filtered by chain, network and a search string."""
        result = await self._call(
            TOKENS, TokenListQuery, _Tokens, chain=chain, network=network, search=search
        )
        return result.tokens

    async def get(self, symbol_or_address: str, *, chain: str, network: str) -> TokenInfo:
        """Return one token by symbol or address.

        Raises:
            NotFoundError: If the token is not in the list.
        """
        result = await self._call(
            TOKEN,
            TokenQuery,
            _TokenEnvelope,
            path=_fill(TOKEN, symbol_or_address, field="symbol_or_address"),
            chain=chain,
            network=network,
        )
        return result.token

    async def find(self, address: str, *, chain_network: str) -> TokenInfo:
        """Look a token up on GeckoTerminal by address.

        Args:
            address: Mint or contract address.
            chain_network: ``<chain>-<network>``, e.g. ``solana-mainnet-beta``.
        """
        return await self._call(
            TOKEN_FIND,
            ChainNetworkQuery,
            TokenInfo,
            path=_fill(TOKEN_FIND, address, field="address"),
            chain_network=chain_network,
        )


class PoolsResource(Resource):
    """``/pools``: Gateway's pool lists (``conf/pools/<connector>.json``) and pool discovery."""

    async def list(
        self,
        *,
        connector: str,
        network: str | None = None,
        type: PoolType | None = None,
        search: str | None = None,
    ) -> builtins.list[PoolListing]:
        """Return the pools listed for a connector (e.g. ``meteora``)."""
        return await self._call(
            POOLS,
            PoolListQuery,
            builtins.list[PoolListing],
            connector=connector,
            network=network,
            type=type,
            search=search,
        )

    async def get(
        self, trading_pair: str, *, connector: str, network: str, type: PoolType
    ) -> PoolListing:
        """Return the listed pool of a pair such as ``SOL-USDC``.

        Raises:
            NotFoundError: If the pair has no listed pool.
        """
        return await self._call(
            POOL,
            PoolQuery,
            PoolListing,
            path=_fill(POOL, trading_pair, field="trading_pair"),
            connector=connector,
            network=network,
            type=type,
        )

    async def find(
        self,
        *,
        chain_network: str,
        connector: str | None = None,
        type: PoolType = "clmm",
        token_a: str | None = None,
        token_b: str | None = None,
        pages: int = 10,
    ) -> builtins.list[PoolListing]:
        """Search GeckoTerminal for pools of a pair."""
        return await self._call(
            POOL_FIND,
            PoolFindQuery,
            builtins.list[PoolListing],
            chain_network=chain_network,
            connector=connector,
            type=type,
            token_a=token_a,
            token_b=token_b,
            pages=pages,
        )

    async def find_by_address(self, address: str, *, chain_network: str) -> PoolListing:
        """Look a pool up on GeckoTerminal by address."""
        return await self._call(
            POOL_FIND_ADDRESS,
            ChainNetworkQuery,
            PoolListing,
            path=_fill(POOL_FIND_ADDRESS, address, field="address"),
            chain_network=chain_network,
        )
