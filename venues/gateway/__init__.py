"""Adapters over Hummingbot Gateway's HTTP API (through :mod:`gateway_client`).

- :mod:`.transactions`: settle an answer, read a transaction's facts, map Gateway errors once;
- :mod:`.liquidity`: LP positions (Meteora DLMM, CLMM connectors; :mod:`.unified_clmm`);
- :mod:`.swap` and :mod:`.best_quote`: swaps through one provider or the best of several
  (:mod:`.providers`, :mod:`.fills`);
- :mod:`.preflight`: the pool and wallet reads before an open;
- :mod:`.market_feed`: pool prices for the engine's subscribers (the ``MarketFeed`` port).
"""

from __future__ import annotations

from lpexec.venues.gateway.best_quote import (
    DEFAULT_PROVIDERS,
    NATIVE_PRICE_AMOUNT,
    BestQuoteSwapVenue,
    quote_failure,
)
from lpexec.venues.gateway.fills import SwapFill, fill_from_data, fill_from_poll
from lpexec.venues.gateway.liquidity import GatewayLiquidityVenue
from lpexec.venues.gateway.market_feed import GatewayMarketFeed, PoolSource
from lpexec.venues.gateway.preflight import preflight, read_balances, read_pool
from lpexec.venues.gateway.providers import (
    JupiterProvider,
    PoolProvider,
    SwapProvider,
    SwapRequest,
    UnifiedProvider,
    provider_for,
)
from lpexec.venues.gateway.swap import SWAP_PROVIDERS, GatewaySwapVenue
from lpexec.venues.gateway.transactions import TxFacts, WalletTransactions, settle, tx_facts
from lpexec.venues.gateway.unified_clmm import UnifiedClmm

__all__ = [
    "DEFAULT_PROVIDERS",
    "NATIVE_PRICE_AMOUNT",
    "SWAP_PROVIDERS",
    "BestQuoteSwapVenue",
    "GatewayLiquidityVenue",
    "GatewayMarketFeed",
    "GatewaySwapVenue",
    "JupiterProvider",
    "PoolProvider",
    "PoolSource",
    "SwapFill",
    "SwapProvider",
    "SwapRequest",
    "TxFacts",
    "UnifiedClmm",
    "UnifiedProvider",
    "WalletTransactions",
    "fill_from_data",
    "fill_from_poll",
    "preflight",
    "provider_for",
    "quote_failure",
    "read_balances",
    "read_pool",
    "settle",
    "tx_facts",
]
