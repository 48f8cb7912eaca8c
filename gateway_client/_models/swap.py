"""Swap models: quotes and executions for routers, pool connectors and the unified route."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from gateway_client._models.base import (
    FeeCorrection,
    GatewayModel,
    GatewayRequest,
    TransactionResult,
)
from gateway_client._types import Side
from gateway_client._validation import Address, Amount, NonEmptyStr, Percent

__all__ = [
    "JupiterExecuteQuoteRequest",
    "JupiterExecuteSwapRequest",
    "JupiterQuoteDetails",
    "JupiterQuoteQuery",
    "PoolSwapQuoteQuery",
    "PoolSwapRequest",
    "PriorityLevel",
    "RouterQuote",
    "SwapData",
    "SwapQuote",
    "SwapResult",
    "TradingSwapQuoteQuery",
    "TradingSwapRequest",
    "UniswapExecuteQuoteRequest",
    "UniswapExecuteSwapRequest",
    "UniswapQuoteQuery",
]

PriorityLevel = Literal["medium", "high", "veryHigh"]


class SwapQuote(GatewayModel):
    """A swap quote. The client normalizes ``price`` to quote per base for every connector."""

    pool_address: str | None = None
    token_in: str
    """Mint/contract of the token paid (the base token on SELL, the quote token on BUY)."""
    token_out: str
    amount_in: Decimal
    amount_out: Decimal
    price: Decimal
    """Quote per base. Raw Meteora BUY quotes are inverted; the client fixes them."""
    reported_price: Decimal | None = None
    """``price`` exactly as Gateway sent it (set by the client)."""
    slippage_pct: Decimal | None = None
    """Slippage in percent as echoed by Gateway."""
    min_amount_out: Decimal
    max_amount_in: Decimal
    price_impact_pct: Decimal
    """Percent; Meteora always reports 0."""
    route_path: str | None = None
    side: Side | None = None
    """Side of the request (set by the client)."""


class JupiterQuoteDetails(GatewayModel):
    """Jupiter's own quote (``quoteResponse``); amounts are raw integer units."""

    input_mint: str
    in_amount: int
    output_mint: str
    out_amount: int
    other_amount_threshold: int
    swap_mode: str
    """``ExactIn`` (SELL) or ``ExactOut`` (BUY)."""
    slippage_bps: int
    platform_fee: Any = None
    price_impact_pct: Decimal
    route_plan: list[Any] = Field(default_factory=list)
    context_slot: int | None = None
    time_taken: Decimal | None = None


class RouterQuote(SwapQuote):
    """A router quote that can be executed later by ``quote_id``."""

    quote_id: str
    """Cached by Gateway in memory, without TTL, until a confirmed execution."""
    quote_response: JupiterQuoteDetails | None = None
    approximation: bool | None = None


class SwapData(FeeCorrection):
    """Data of a confirmed swap, normalized by the client.

    Routers report ``baseTokenBalanceChange``/``quoteTokenBalanceChange`` as tokenIn/tokenOut
    deltas whatever the side; pool connectors follow the side. After normalization the
    ``base_*``/``quote_*`` fields always mean base and quote, and ``token_in_*``/``token_out_*``
    give the same deltas by direction.
    """

    token_in: str
    token_out: str
    amount_in: Decimal
    """Amount paid; when SOL is paid it includes the network fee."""
    amount_out: Decimal
    base_token_balance_change: Decimal
    quote_token_balance_change: Decimal
    token_in_balance_change: Decimal | None = None
    """Wallet delta of ``token_in`` (set by the client; negative)."""
    token_out_balance_change: Decimal | None = None
    """Wallet delta of ``token_out`` (set by the client; positive)."""
    side: Side | None = None
    """Side of the request (set by the client)."""


class SwapResult(TransactionResult):
    """Answer of an execute-swap / execute-quote route."""

    data: SwapData | None = None


class PoolSwapQuoteQuery(GatewayRequest):
    network: NonEmptyStr
    pool_address: Address | None = None
    base_token: NonEmptyStr
    quote_token: NonEmptyStr | None = None
    amount: Amount
    side: Side
    slippage_pct: Percent


class PoolSwapRequest(PoolSwapQuoteQuery):
    wallet_address: Address


# Parts of the router and unified swap requests. A model lists its parts last to first: the
# fields of the last base come first on the wire.


class _OnNetwork(GatewayRequest):
    network: NonEmptyStr


class _Wallet(GatewayRequest):
    wallet_address: Address


class _Terms(GatewayRequest):
    base_token: NonEmptyStr
    quote_token: NonEmptyStr
    amount: Amount
    side: Side
    slippage_pct: Percent


class _CachedQuote(_OnNetwork, _Wallet):
    quote_id: NonEmptyStr


class _JupiterPriority(GatewayRequest):
    priority_level: PriorityLevel | None = None
    max_lamports: int | None = Field(default=None, ge=0)


class JupiterQuoteQuery(_Terms, _OnNetwork):
    restrict_intermediate_tokens: bool | None = None
    only_direct_routes: bool | None = None


class JupiterExecuteQuoteRequest(_JupiterPriority, _CachedQuote):
    pass


class JupiterExecuteSwapRequest(_JupiterPriority, _Wallet, JupiterQuoteQuery):
    pass


class UniswapQuoteQuery(_Wallet, _Terms, _OnNetwork):
    pass


class UniswapExecuteQuoteRequest(_CachedQuote):
    pass


class UniswapExecuteSwapRequest(_Terms, _OnNetwork, _Wallet):
    pass


class _OnTrading(GatewayRequest):
    chain_network: NonEmptyStr
    connector: NonEmptyStr


class TradingSwapQuoteQuery(_Terms, _OnTrading):
    pass


class TradingSwapRequest(_Wallet, TradingSwapQuoteQuery):
    pass
