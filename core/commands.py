"""Commands: what an executor wants done, named in the imperative, carried out by the engine.

Every command names the executor that issued it, a ``command_id`` unique per executor (the intent
key: one command id is carried out at most once) and the ``venue`` key the engine routes it to.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Literal

from core.messages import register_message

__all__ = [
    "AddLiquidity",
    "CancelOrder",
    "ClosePosition",
    "CollectFees",
    "Command",
    "OpenPosition",
    "PlaceOrder",
    "RefreshPosition",
    "RemoveLiquidity",
    "Swap",
]

Side = Literal["BUY", "SELL"]
OrderType = Literal["MARKET", "LIMIT", "LIMIT_MAKER"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Base of every command; ``is_write`` commands get an intent written before they are sent."""

    is_write: ClassVar[bool] = True

    command_id: str
    executor_id: str
    venue: str


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class OpenPosition(Command):
    """Open a concentrated-liquidity position between two prices (quote per base)."""

    pool_address: str
    trading_pair: str
    lower_price: Decimal
    upper_price: Decimal
    base_amount: Decimal
    quote_amount: Decimal
    slippage: Decimal
    strategy_type: str | None = None


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class AddLiquidity(Command):
    """Add liquidity to an open position."""

    position_address: str
    base_amount: Decimal
    quote_amount: Decimal
    slippage: Decimal


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveLiquidity(Command):
    """Remove ``fraction`` (a ratio in (0, 1]) of a position's liquidity."""

    position_address: str
    fraction: Decimal


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class CollectFees(Command):
    """Claim a position's earned fees."""

    position_address: str


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class ClosePosition(Command):
    """Remove all liquidity, claim fees and close a position (refunding its rent)."""

    position_address: str
    pool_address: str
    slippage: Decimal = Decimal("0.01")


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class Swap(Command):
    """Swap ``amount`` of base: SELL gives base for quote, BUY receives base for quote."""

    trading_pair: str
    side: Side
    amount: Decimal
    slippage: Decimal
    pool_address: str | None = None


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceOrder(Command):
    """Place an order for ``amount`` base; ``price`` is required for limit types."""

    trading_pair: str
    side: Side
    order_type: OrderType
    amount: Decimal
    client_order_id: str
    price: Decimal | None = None


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder(Command):
    """Cancel an open order."""

    trading_pair: str
    client_order_id: str


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshPosition(Command):
    """Read a position's current state (a read: no intent is written)."""

    is_write: ClassVar[bool] = False

    position_address: str
    pool_address: str = ""
