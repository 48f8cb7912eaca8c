"""Swaps: the Gateway-backed swap venue (the swap executor builds on it)."""

from __future__ import annotations

from swap.gateway_io import LAMPORTS_PER_SOL, TxFacts, settle, tx_facts, venue_error
from swap.venue import SWAP_PROVIDERS, GatewaySwapVenue

__all__ = [
    "LAMPORTS_PER_SOL",
    "SWAP_PROVIDERS",
    "GatewaySwapVenue",
    "TxFacts",
    "settle",
    "tx_facts",
    "venue_error",
]
