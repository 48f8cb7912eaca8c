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
from gateway_client._resources.base import Resource, build_request, path_param
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


class ConfigResource(Resource):
    """``/config``: what Gateway serves and how it is configured (read only)."""

    async def get(self, *, namespace: str | None = None) -> dict[str, Any]:
        """Return the configuration (one namespace, or all of them).

        Args:
            namespace: e.g. ``server``, ``solana-mainnet-beta``, ``meteora``.
        """
        request = build_request(ConfigQuery, CONFIG, for_chain=None, namespace=namespace)
        return await self._call(CONFIG, request, dict)

    async def chains(self) -> list[ChainNetworks]:
        """Return the chains and their networks."""
        result: _Chains = await self._call(CONFIG_CHAINS, None, _Chains)
        return result.chains

    async def connectors(self) -> list[ConnectorInfo]:
        """Return the DEX connectors, their trading types and networks."""
        result: _Connectors = await self._call(CONFIG_CONNECTORS, None, _Connectors)
        return result.connectors

    async def namespaces(self) -> list[str]:
        """Return the configuration namespaces."""
        result: _Namespaces = await self._call(CONFIG_NAMESPACES, None, _Namespaces)
        return result.namespaces


class WalletsResource(Resource):
    """``/wallet``: wallets Gateway holds keys for (read only; no key material is exposed)."""

    async def list(self, *, show_hardware: bool = True) -> builtins.list[WalletGroup]:
        """Return wallet addresses grouped by chain."""
        request = build_request(
            WalletListQuery, WALLETS, for_chain=None, show_hardware=show_hardware
        )
        return await self._call_list(WALLETS, request, WalletGroup)


class TokensResource(Resource):
    """``/tokens``: Gateway's token lists."""

    async def list(
        self, *, chain: str | None = None, network: str | None = None, search: str | None = None
    ) -> builtins.list[TokenInfo]:
        """Return tokens, optionally filtered by chain, network and a search string."""
        request = build_request(
            TokenListQuery, TOKENS, for_chain=None, chain=chain, network=network, search=search
        )
        result: _Tokens = await self._call(TOKENS, request, _Tokens)
        return result.tokens

    async def get(self, symbol_or_address: str, *, chain: str, network: str) -> TokenInfo:
        """Return one token by symbol or address.

        Raises:
            NotFoundError: If the token is not in the list.
        """
        path = TOKEN.path.replace(
            "{symbolOrAddress}", path_param(symbol_or_address, field="symbol_or_address")
        )
        request = build_request(TokenQuery, TOKEN, for_chain=None, chain=chain, network=network)
        result: _TokenEnvelope = await self._call(TOKEN, request, _TokenEnvelope, path=path)
        return result.token

    async def find(self, address: str, *, chain_network: str) -> TokenInfo:
        """Look a token up on GeckoTerminal by address.

        Args:
            address: Mint or contract address.
            chain_network: ``<chain>-<network>``, e.g. ``solana-mainnet-beta``.
        """
        path = TOKEN_FIND.path.replace("{address}", path_param(address, field="address"))
        request = build_request(
            ChainNetworkQuery, TOKEN_FIND, for_chain=None, chain_network=chain_network
        )
        return await self._call(TOKEN_FIND, request, TokenInfo, path=path)


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
        request = build_request(
            PoolListQuery,
            POOLS,
            for_chain=None,
            connector=connector,
            network=network,
            type=type,
            search=search,
        )
        return await self._call_list(POOLS, request, PoolListing)

    async def get(
        self, trading_pair: str, *, connector: str, network: str, type: PoolType
    ) -> PoolListing:
        """Return the listed pool of a pair such as ``SOL-USDC``.

        Raises:
            NotFoundError: If the pair has no listed pool.
        """
        path = POOL.path.replace("{tradingPair}", path_param(trading_pair, field="trading_pair"))
        request = build_request(
            PoolQuery, POOL, for_chain=None, connector=connector, network=network, type=type
        )
        return await self._call(POOL, request, PoolListing, path=path)

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
        request = build_request(
            PoolFindQuery,
            POOL_FIND,
            for_chain=None,
            chain_network=chain_network,
            connector=connector,
            type=type,
            token_a=token_a,
            token_b=token_b,
            pages=pages,
        )
        return await self._call_list(POOL_FIND, request, PoolListing)

    async def find_by_address(self, address: str, *, chain_network: str) -> PoolListing:
        """Look a pool up on GeckoTerminal by address."""
        path = POOL_FIND_ADDRESS.path.replace("{address}", path_param(address, field="address"))
        request = build_request(
            ChainNetworkQuery, POOL_FIND_ADDRESS, for_chain=None, chain_network=chain_network
        )
        return await self._call(POOL_FIND_ADDRESS, request, PoolListing, path=path)
