"""The cross-family trade vocabulary: swaps and orders, and their outcomes.

Any family may issue these (an LP executor swaps back to quote, a grid places orders); the venues
that carry them out implement :class:`~lpexec.core.ports.SwapVenue` or
:class:`~lpexec.core.ports.ExchangeVenue`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Literal

from lpexec.core.messages import Command, OutcomeEvent, register_message

__all__ = [
    "CancelOrder",
    "OrderCanceled",
    "OrderCreated",
    "OrderFailed",
    "OrderFilled",
    "OrderType",
    "PlaceOrder",
    "Side",
    "Swap",
    "SwapExecuted",
]

Side = Literal["BUY", "SELL"]
OrderType = Literal["MARKET", "LIMIT", "LIMIT_MAKER"]


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class Swap(Command):
    """Swap ``amount`` of base: SELL gives base for quote, BUY receives base for quote."""

    port_method: ClassVar[str] = "swap"

    trading_pair: str
    side: Side
    amount: Decimal
    slippage: Decimal
    pool_address: str | None = None


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceOrder(Command):
    """Place an order for ``amount`` base; ``price`` is required for limit types."""

    port_method: ClassVar[str] = "place_order"

    trading_pair: str
    side: Side
    order_type: OrderType
    amount: Decimal
    client_order_id: str
    price: Decimal | None = None
    position_action: Literal["OPEN", "CLOSE"] | None = None
    """Perpetuals only: OPEN adds to a position, CLOSE only reduces it; None on spot."""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder(Command):
    """Cancel an open order."""

    port_method: ClassVar[str] = "cancel_order"

    trading_pair: str
    client_order_id: str


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
