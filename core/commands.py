"""Commands: what an executor wants done, named in the imperative, carried out by the engine.

Every command names the executor that issued it, a ``command_id`` unique per executor (the intent
key: one command id is carried out at most once) and the ``venue`` key the engine routes it to.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Literal

from lpexec.core.messages import register_message

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
    """Base of every command; ``is_write`` commands get an intent written before they are sent.

    ``port_method`` names the method of the venue adapter that carries the command out, so a
    package can define commands of its own without the engine knowing them.
    """

    is_write: ClassVar[bool] = True
    port_method: ClassVar[str] = ""

    command_id: str
    executor_id: str
    venue: str


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class OpenPosition(Command):
    """Open a concentrated-liquidity position between two prices (quote per base)."""

    port_method: ClassVar[str] = "open_position"

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

    port_method: ClassVar[str] = "add_liquidity"

    position_address: str
    base_amount: Decimal
    quote_amount: Decimal
    slippage: Decimal


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveLiquidity(Command):
    """Remove ``fraction`` (a ratio in (0, 1]) of a position's liquidity."""

    port_method: ClassVar[str] = "remove_liquidity"

    position_address: str
    fraction: Decimal


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class CollectFees(Command):
    """Claim a position's earned fees."""

    port_method: ClassVar[str] = "collect_fees"

    position_address: str


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class ClosePosition(Command):
    """Remove all liquidity, claim fees and close a position (refunding its rent)."""

    port_method: ClassVar[str] = "close_position"

    position_address: str
    pool_address: str
    slippage: Decimal = Decimal("0.01")


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


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder(Command):
    """Cancel an open order."""

    port_method: ClassVar[str] = "cancel_order"

    trading_pair: str
    client_order_id: str


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshPosition(Command):
    """Read a position's current state (a read: no intent is written)."""

    port_method: ClassVar[str] = "refresh_position"

    is_write: ClassVar[bool] = False

    position_address: str
    pool_address: str = ""
