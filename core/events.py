"""Events: facts that happened, named in the past tense, fed to executors through ``apply``.

Control events come from the engine (start, stop, ticks, prices). Outcome events come from venues
through the engine and name the ``command_id`` they answer. All are frozen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from lpexec.core.messages import register_message

__all__ = [
    "CommandFailed",
    "Event",
    "ExecutorStarted",
    "FeesCollected",
    "LiquidityAdded",
    "LiquidityRemoved",
    "OrderCanceled",
    "OrderCreated",
    "OrderFailed",
    "OrderFilled",
    "OutcomeEvent",
    "PositionClosed",
    "PositionOpened",
    "PositionUpdated",
    "PriceUpdated",
    "StopRequested",
    "SwapExecuted",
    "Tick",
]

Side = Literal["BUY", "SELL"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every event; ``ts_event`` is when it happened (aware UTC)."""

    ts_event: dt.datetime


# --- control events (from the engine) -------------------------------------------------------


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutorStarted(Event):
    """The engine started the executor."""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class StopRequested(Event):
    """A caller asked the executor to stop; ``keep_position`` None means the config's value."""

    keep_position: bool | None = None


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class Tick(Event):
    """Time passed; executors with timers check them against ``ts_event``."""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class PriceUpdated(Event):
    """A new reference price (quote per base) for ``trading_pair``.

    A pool's own price also names the pool and, when known, its active bin (DLMM) or current
    tick (CLMM), which is what range checks use.
    """

    trading_pair: str
    price: Decimal
    pool_address: str | None = None
    active_bin_id: int | None = None


# --- outcomes (from venues) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeEvent(Event):
    """An event that answers the command ``command_id``."""

    command_id: str


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class CommandFailed(OutcomeEvent):
    """A command was not carried out; ``retryable`` says whether sending it again may work.

    ``code`` is a stable machine-readable cause when the venue gives one (e.g.
    ``position_not_found``, ``slippage_exceeded``, ``insufficient_funds``, and
    ``outcome_unknown`` when the outcome was still unknown at the end of its budget: it may
    yet have landed). A transaction that landed and failed on chain still cost ``tx_fee``
    (native units), paid by ``signature``.
    """

    reason: str
    retryable: bool = False
    code: str = ""
    tx_fee: Decimal = Decimal(0)
    signature: str = ""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class PositionOpened(OutcomeEvent):
    """A liquidity position was opened on chain; amounts are what was actually deposited."""

    position_address: str
    base_amount: Decimal
    quote_amount: Decimal
    lower_price: Decimal
    upper_price: Decimal
    position_rent: Decimal = Decimal(0)
    tx_fee: Decimal = Decimal(0)
    signature: str = ""
    price: Decimal | None = None
    rent_sunk: Decimal = Decimal(0)
    lower_bin_id: int | None = None
    upper_bin_id: int | None = None
    active_bin_id: int | None = None
    estimated: bool = False
    """Seen only through the position (no transaction to read): amounts as the position holds
    them now, rent, BinArray rent and fee unknown."""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class LiquidityAdded(OutcomeEvent):
    """Liquidity was added to an open position."""

    position_address: str
    base_amount: Decimal
    quote_amount: Decimal
    tx_fee: Decimal = Decimal(0)
    signature: str = ""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class LiquidityRemoved(OutcomeEvent):
    """Liquidity was removed from a position (the position stays open)."""

    position_address: str
    base_amount: Decimal
    quote_amount: Decimal
    tx_fee: Decimal = Decimal(0)
    signature: str = ""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class FeesCollected(OutcomeEvent):
    """Earned fees were claimed from a position into the wallet."""

    position_address: str
    base_fee: Decimal
    quote_fee: Decimal
    tx_fee: Decimal = Decimal(0)
    signature: str = ""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class PositionClosed(OutcomeEvent):
    """A position was closed: liquidity removed, fees claimed and rent refunded."""

    position_address: str
    base_amount: Decimal
    quote_amount: Decimal
    base_fee: Decimal = Decimal(0)
    quote_fee: Decimal = Decimal(0)
    position_rent_refunded: Decimal = Decimal(0)
    tx_fee: Decimal = Decimal(0)
    signature: str = ""
    already_closed: bool = False
    estimated: bool = False
    fees_included: bool = False
    """``base_amount``/``quote_amount`` are everything the close paid out, the fees claimed
    included (read from the wallet's balance changes, which do not split them)."""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class PositionUpdated(OutcomeEvent):
    """A fresh read of a position: amounts in the pool, unclaimed fees, bounds and pool price."""

    position_address: str
    base_amount: Decimal
    quote_amount: Decimal
    base_fee: Decimal
    quote_fee: Decimal
    lower_price: Decimal
    upper_price: Decimal
    price: Decimal
    lower_bin_id: int | None = None
    upper_bin_id: int | None = None
    active_bin_id: int | None = None


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class SwapExecuted(OutcomeEvent):
    """A swap settled; amounts are what the wallet actually sent and received."""

    trading_pair: str
    side: Side
    base_amount: Decimal
    quote_amount: Decimal
    tx_fee: Decimal = Decimal(0)
    fee_quote: Decimal = Decimal(0)
    signature: str = ""
    provider: str = ""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCreated(OutcomeEvent):
    """The venue accepted an order."""

    client_order_id: str
    venue_order_id: str = ""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFilled(OutcomeEvent):
    """An order was filled, fully or in part; ``fill_id`` is unique per fill."""

    client_order_id: str
    fill_id: str
    side: Side
    base_amount: Decimal
    price: Decimal
    fee_quote: Decimal = Decimal(0)
    is_final: bool = False


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCanceled(OutcomeEvent):
    """An order was canceled; fills received before stay counted."""

    client_order_id: str


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFailed(OutcomeEvent):
    """The venue rejected an order or it failed."""

    client_order_id: str
    reason: str
