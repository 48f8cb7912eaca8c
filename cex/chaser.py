"""The limit chaser's market input and arithmetic: the touch, the chase price, when to re-quote.

A chasing order (``execution_strategy="LIMIT_CHASER"``) is a post-only limit
(``LIMIT_MAKER``) kept ``distance`` (a ratio) behind the touch on its own side: a BUY at
``best_bid × (1 − distance)``, a SELL at ``best_ask × (1 + distance)``.

**The touch.** A :class:`TopOfBookUpdated` (a :class:`~lpexec.core.messages.PriceUpdated` that
also carries the best bid and ask) gives it exactly. A plain ``PriceUpdated`` carries one
reference price (the mid or the last trade): it then stands for both sides of the touch, so a
BUY chases ``price × (1 − distance)``, about half a spread nearer the market than the same
distance from the real bid. Choose ``distance`` of at least half the usual spread when the feed
publishes a mid, or publish :class:`TopOfBookUpdated` from the feed.

**Re-quoting** (:func:`needs_requote`): the order is replaced when the touch has moved *away*
from the touch it was quoted at by **more than** ``refresh_threshold`` (a ratio of that touch;
exactly the threshold does not re-quote): a BUY when ``best_bid > quoted × (1 + threshold)``, a
SELL when ``best_ask < quoted × (1 − threshold)``. A touch moving toward the order never
re-quotes it (it then fills, or rests nearer the market). Hummingbot compares the market with the
*order's* price instead, so its chaser re-quotes on every tick whenever ``distance`` exceeds
``refresh_threshold``; measuring the move from the quoted touch removes that loop, and for
``distance < refresh_threshold`` the two differ only in where exactly the boundary falls.

Prices are not rounded here: the venue adapter floors them to the market's price tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from lpexec.core import PriceUpdated
from lpexec.core.messages import register_message
from lpexec.core.trade import Side

__all__ = [
    "LimitChaserConfig",
    "TopOfBookUpdated",
    "chase_price",
    "needs_requote",
    "quoted_touch",
    "touch_of",
]

_ONE = Decimal(1)


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class TopOfBookUpdated(PriceUpdated):
    """A pair's best bid and best ask (quote per base); ``price`` is the publisher's reference
    (the mid, usually), for subscribers that read only a price."""

    best_bid: Decimal
    best_ask: Decimal


class LimitChaserConfig(BaseModel):
    """How a LIMIT_CHASER order follows the touch (Hummingbot's ``chaser_config``).

    Attributes:
        distance: how far behind the touch the order rests, a ratio in (0, 1) (0.001 = 0.1 %).
        refresh_threshold: how far the touch must move away, a ratio of the touch the order was
            quoted at, before the order is replaced; strictly more than it re-quotes.
        max_retries: how many chase orders may end without our asking (refused, failed, or
            canceled by the venue, e.g. a post-only that would have taken) and be quoted again
            at the next price; one more ends the executor FAILED. Not in Hummingbot's config
            (its executor takes ``max_retries=10`` from the orchestrator): the same default.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    distance: Decimal = Field(gt=0, lt=1, allow_inf_nan=False)
    refresh_threshold: Decimal = Field(gt=0, allow_inf_nan=False)
    max_retries: int = Field(default=10, ge=0)


def touch_of(event: PriceUpdated) -> tuple[Decimal, Decimal]:
    """Return ``(best_bid, best_ask)`` from a price event: the book's touch when it carries one,
    else its one reference price for both sides (module docstring)."""
    if isinstance(event, TopOfBookUpdated):
        return event.best_bid, event.best_ask
    return event.price, event.price


def quoted_touch(side: Side, best_bid: Decimal, best_ask: Decimal) -> Decimal:
    """Return the side of the touch a ``side`` order chases: the bid for a BUY, the ask for a
    SELL."""
    return best_bid if side == "BUY" else best_ask


def chase_price(side: Side, touch: Decimal, distance: Decimal) -> Decimal:
    """Return the price of a chasing ``side`` order ``distance`` behind ``touch`` (its own side).

    Example:
        >>> chase_price("BUY", Decimal(100), Decimal("0.01"))
        Decimal('99.00')
    """
    return touch * (_ONE - distance) if side == "BUY" else touch * (_ONE + distance)


def needs_requote(side: Side, *, quoted: Decimal, touch: Decimal, threshold: Decimal) -> bool:
    """Return True when ``touch`` (the order's side of the book now) has moved away from
    ``quoted`` (that side when the order was priced) by more than ``threshold`` of ``quoted``.

    Example:
        >>> needs_requote("BUY", quoted=Decimal(100), touch=Decimal(102), threshold=Decimal("0.02"))
        False
        >>> needs_requote("BUY", quoted=Decimal(100), touch=Decimal("102.01"),
        ...               threshold=Decimal("0.02"))
        True
    """
    if side == "BUY":
        return touch > quoted * (_ONE + threshold)
    return touch < quoted * (_ONE - threshold)
