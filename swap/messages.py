"""The swap executor's own commands and events (registered for the journal and the intents).

Flow: :class:`QuoteSwap` (a read) asks every provider at once and answers :class:`SwapQuoted`
with all quotes, the failures, the wallet's balances and the native token's price; the executor
picks the winner and sends :class:`ExecuteSwap` (a write, one intent) through it. The venue
answers :class:`SwapFilled` with what actually moved, preceded by :class:`SwapQuoteRefreshed`
when the quote had to be renewed before sending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from lpexec.core import Command, OutcomeEvent, SwapExecuted
from lpexec.core.messages import register_message
from lpexec.swap.quotes import ProviderQuote, QuoteFailure, Side

__all__ = [
    "SWAP_VENUE",
    "ExecuteSwap",
    "QuoteSwap",
    "SwapFilled",
    "SwapQuoteRefreshed",
    "SwapQuoted",
]

SWAP_VENUE = "swap"
"""Venue key of the multi-provider swap venue (:class:`swap.BestQuoteSwapVenue`)."""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class QuoteSwap(Command):
    """Quote one swap on every provider concurrently; a read (no intent is written).

    ``native_token`` names the token network fees are paid in: the venue also prices it in the
    quote token when it is not one of the pair, and reads the wallet's balance of it.
    """

    is_write: ClassVar[bool] = False
    port_method: ClassVar[str] = "quote_swaps"

    providers: tuple[str, ...]
    trading_pair: str
    side: Side
    amount: Decimal
    slippage: Decimal
    pool_address: str | None = None
    native_token: str = "SOL"


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class SwapQuoted(OutcomeEvent):
    """Every provider's answer to a :class:`QuoteSwap`.

    ``balances`` are the wallet's balances of the pair's tokens and the native token, keyed as
    the command named them (empty when they could not be read); ``native_price`` is the native
    token in quote (None when the pair holds it or it could not be read).
    """

    quotes: tuple[ProviderQuote, ...] = ()
    failures: tuple[QuoteFailure, ...] = ()
    balances: dict[str, Decimal] = field(default_factory=dict)
    native_price: Decimal | None = None


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class ExecuteSwap(Command):
    """Execute the chosen ``quote`` through its provider, within ``limit``; a write.

    ``limit`` is the minimum quote received (SELL) or the maximum quote paid (BUY) set from the
    slippage when the provider was chosen; a quote older than ``max_quote_age_seconds`` when the
    venue sends (any pool provider's quote) is renewed first, and a renewed quote outside
    ``limit`` is refused, not sent.
    ``balances_before`` is the wallet as read with the quotes: the evidence a reconciliation
    compares against when the venue kept nothing (e.g. after a restart).
    """

    port_method: ClassVar[str] = "execute_swap"

    provider: str
    trading_pair: str
    side: Side
    amount: Decimal
    slippage: Decimal
    limit: Decimal
    quote: ProviderQuote
    max_quote_age_seconds: float
    balances_before: dict[str, Decimal] = field(default_factory=dict)
    pool_address: str | None = None
    native_token: str = "SOL"


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class SwapQuoteRefreshed(OutcomeEvent):
    """The venue renewed the chosen quote before sending.

    ``reason``: ``age`` (older than allowed), ``expired`` (Gateway forgot a Jupiter quote) or
    ``recheck`` (a pool provider's quote is always read again just before sending).
    """

    quote: ProviderQuote
    reason: str


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class SwapFilled(SwapExecuted):
    """A swap settled; amounts are what the wallet actually sent and received, fee apart.

    ``evidence`` says how that is known: ``response`` (the write's answer and the chain's poll),
    ``poll`` (a pending transaction polled later) or ``balances`` (no signature: the wallet's
    balance changes matched the swap). ``fee_estimated`` is set when the network fee could not be
    separated from the amounts (it is then counted in them).
    """

    evidence: str = "response"
    fee_estimated: bool = False
