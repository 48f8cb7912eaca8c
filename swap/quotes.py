"""Provider quotes and the pure rules that compare them, bound them and age them.

A :class:`ProviderQuote` is one provider's answer for one swap, in our terms: the base amount
sold (SELL) or bought (BUY) and the quote amount received (SELL) or paid (BUY), both as the
provider promises them, i.e. already net of the pool fees and the price impact of the route.

* :func:`best_quote` picks the most quote received on a SELL and the least quote paid on a BUY;
  ties go to the provider listed first (the configured one).
* :func:`swap_limit` turns the winner and the slippage setting into the bound the swap must
  respect: the minimum quote received (SELL) or the maximum quote paid (BUY).
* :func:`slippage_for_limit` gives the slippage to send with a newer quote so that the provider's
  own bound stays at ours, and :func:`meets_limit` says whether a quote is still inside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Literal

__all__ = [
    "DEFAULT_SLIPPAGE",
    "ProviderQuote",
    "QuoteFailure",
    "Side",
    "best_quote",
    "is_stale",
    "matches_amount",
    "meets_limit",
    "rank_quotes",
    "slippage_for_limit",
    "swap_limit",
]

Side = Literal["BUY", "SELL"]

DEFAULT_SLIPPAGE = Decimal("0.01")
"""Slippage (a ratio) when a config does not set one; always sent explicitly to Gateway."""

_SLIPPAGE_STEP = Decimal("0.000001")
_AMOUNT_TOLERANCE = Decimal("0.000001")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderQuote:
    """One provider's quote for a swap of ``base_amount`` base.

    Attributes:
        provider: ``jupiter/router``, ``meteora/clmm``, ``raydium/clmm``, ...
        side: SELL (pay base, receive quote) or BUY (pay quote, receive base).
        base_amount: base sold (SELL) or bought (BUY).
        quote_amount: quote received (SELL) or paid (BUY), net of pool fees and price impact.
        min_amount_out: the provider's own minimum output at the slippage it was asked for.
        max_amount_in: the provider's own maximum input at that slippage.
        price_impact: a ratio (0.001 = 0.1 %), as the provider reports it (Meteora: always 0).
        quoted_at: when the quote was received (aware UTC).
        quote_id: the id that executes this exact quote (Jupiter), else empty.
        pool_address: the pool of a single-pool provider, when known.
        route: the pools or venues the route goes through, for the report.
    """

    provider: str
    side: Side
    base_amount: Decimal
    quote_amount: Decimal
    min_amount_out: Decimal
    max_amount_in: Decimal
    price_impact: Decimal
    quoted_at: dt.datetime
    quote_id: str = ""
    pool_address: str = ""
    route: str = ""

    @property
    def price(self) -> Decimal:
        """Quote per base of this quote (0 when the base amount is 0)."""
        if self.base_amount == 0:
            return Decimal(0)
        return self.quote_amount / self.base_amount

    @property
    def amount_in(self) -> Decimal:
        """What the wallet pays: base on a SELL, quote on a BUY."""
        return self.base_amount if self.side == "SELL" else self.quote_amount

    @property
    def amount_out(self) -> Decimal:
        """What the wallet receives: quote on a SELL, base on a BUY."""
        return self.quote_amount if self.side == "SELL" else self.base_amount


@dataclass(frozen=True, slots=True, kw_only=True)
class QuoteFailure:
    """A provider that could not quote, and why.

    ``code`` is stable (``no_route``, ``unavailable``, ``rate_limited``, ...); ``retryable`` says
    whether asking again later may work (an outage) or not (no route for this pair and amount).
    """

    provider: str
    reason: str
    code: str = ""
    retryable: bool = False


def rank_quotes(side: Side, quotes: Sequence[ProviderQuote]) -> list[ProviderQuote]:
    """Return ``quotes`` best first: most quote received (SELL) or least quote paid (BUY).

    The sort is stable, so equal quotes keep their order (the configured provider first).
    """
    if side == "SELL":
        return sorted(quotes, key=lambda quote: -quote.quote_amount)
    return sorted(quotes, key=lambda quote: quote.quote_amount)


def best_quote(side: Side, quotes: Sequence[ProviderQuote]) -> ProviderQuote | None:
    """Return the best quote (see :func:`rank_quotes`), or None when there is none."""
    ranked = rank_quotes(side, quotes)
    return ranked[0] if ranked else None


def swap_limit(quote: ProviderQuote, slippage: Decimal) -> Decimal:
    """Return the bound a swap executed from ``quote`` must respect, in the quote token.

    SELL: the minimum quote received, ``quote_amount x (1 - slippage)``. BUY: the maximum quote
    paid, ``quote_amount x (1 + slippage)``.

    Raises:
        ValueError: ``slippage`` is not in [0, 1).
    """
    if not Decimal(0) <= slippage < 1:
        raise ValueError(f"Expected slippage in [0, 1), received slippage={slippage}")
    if quote.side == "SELL":
        return quote.quote_amount * (1 - slippage)
    return quote.quote_amount * (1 + slippage)


def meets_limit(quote: ProviderQuote, limit: Decimal) -> bool:
    """True when ``quote`` is inside ``limit`` (see :func:`swap_limit`)."""
    if quote.side == "SELL":
        return quote.quote_amount >= limit
    return quote.quote_amount <= limit


def slippage_for_limit(quote: ProviderQuote, limit: Decimal) -> Decimal:
    """Return the slippage that puts the provider's bound for ``quote`` at ``limit``.

    Rounded down (a tighter bound, never a looser one) to 0.0001 %, and kept in [0, 1] (the
    range Gateway takes). A quote that is already outside the limit gets 0.
    """
    if quote.quote_amount <= 0:
        return Decimal(0)
    if quote.side == "SELL":
        ratio = 1 - limit / quote.quote_amount
    else:
        ratio = limit / quote.quote_amount - 1
    if ratio <= 0:
        return Decimal(0)
    return min(ratio, Decimal(1)).quantize(_SLIPPAGE_STEP, rounding=ROUND_DOWN)


def is_stale(quote: ProviderQuote, *, now: dt.datetime, max_age_seconds: float) -> bool:
    """True when ``quote`` is older than ``max_age_seconds`` at ``now``."""
    return (now - quote.quoted_at).total_seconds() > max_age_seconds


def matches_amount(quote: ProviderQuote, amount: Decimal) -> bool:
    """True when ``quote`` is for ``amount`` base (to 0.0001 %: Gateway sends JSON numbers).

    Quotes for another amount (a partial fill, a rounded amount) are not comparable.
    """
    return abs(quote.base_amount - amount) <= abs(amount) * _AMOUNT_TOLERANCE
