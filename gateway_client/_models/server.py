"""Server-level models: health, config discovery, wallets, token and pool lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from gateway_client._models.base import GatewayModel, GatewayRequest
from gateway_client._validation import NonEmptyStr

__all__ = [
    "ChainNetworkQuery",
    "ChainNetworks",
    "ConfigQuery",
    "ConnectorInfo",
    "HealthStatus",
    "PoolFindQuery",
    "PoolListQuery",
    "PoolListing",
    "PoolQuery",
    "PoolType",
    "TokenInfo",
    "TokenListQuery",
    "TokenQuery",
    "WalletGroup",
    "WalletListQuery",
]

PoolType = Literal["amm", "clmm"]


class HealthStatus(GatewayModel):
    """Answer of ``GET /``."""

    status: str
    """``"ok"`` when the server is up."""


class ChainNetworks(GatewayModel):
    """A chain and the networks Gateway serves for it."""

    chain: str
    networks: list[str]


class ConnectorInfo(GatewayModel):
    """A DEX connector, its trading types and networks."""

    name: str
    """Connector name, e.g. ``meteora``."""
    trading_types: list[str] = Field(alias="trading_types")
    """``router``, ``amm`` and/or ``clmm``."""
    chain: str
    networks: list[str]


class WalletGroup(GatewayModel):
    """Wallets Gateway holds keys for, on one chain."""

    chain: str
    wallet_addresses: list[str]
    hardware_wallet_addresses: list[str] = Field(default_factory=list)


class TokenInfo(GatewayModel):
    """An entry of Gateway's token list."""

    chain_id: int | None = None
    name: str
    symbol: str
    address: str
    """Mint (Solana) or contract (EVM) address."""
    decimals: int
    gecko_data: dict[str, Any] | None = None
    """Market data from GeckoTerminal, when Gateway looked it up."""


class PoolListing(GatewayModel):
    """An entry of Gateway's pool list (``conf/pools/<connector>.json``)."""

    type: PoolType
    network: str
    base_symbol: str
    quote_symbol: str
    base_token_address: str
    quote_token_address: str
    fee_pct: Decimal
    """Pool fee in percent as Gateway reports it (0.04 = 0.04 %)."""
    address: str
    gecko_data: dict[str, Any] | None = None

    @property
    def fee_ratio(self) -> Decimal:
        """Pool fee as a ratio (0.0004 for 0.04 %)."""
        return self.fee_pct / 100


class ConfigQuery(GatewayRequest):
    namespace: NonEmptyStr | None = None


class WalletListQuery(GatewayRequest):
    show_hardware: bool


class TokenListQuery(GatewayRequest):
    chain: NonEmptyStr | None = None
    network: NonEmptyStr | None = None
    search: NonEmptyStr | None = None


class TokenQuery(GatewayRequest):
    chain: NonEmptyStr
    network: NonEmptyStr


class ChainNetworkQuery(GatewayRequest):
    chain_network: NonEmptyStr


class PoolListQuery(GatewayRequest):
    connector: NonEmptyStr
    network: NonEmptyStr | None = None
    type: PoolType | None = None
    search: NonEmptyStr | None = None


class PoolQuery(GatewayRequest):
    connector: NonEmptyStr
    network: NonEmptyStr
    type: PoolType


class PoolFindQuery(GatewayRequest):
    chain_network: NonEmptyStr
    connector: NonEmptyStr | None = None
    type: PoolType
    token_a: NonEmptyStr | None = None
    token_b: NonEmptyStr | None = None
    pages: int = Field(ge=1, le=10)
