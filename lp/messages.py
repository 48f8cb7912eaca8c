"""The LP family's messages: commands to open, change and close concentrated-liquidity
positions, their outcomes, a pool's price event, and the port that carries them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Protocol, runtime_checkable

from lpexec.core.engine import Engine
from lpexec.core.evidence import Evidence
from lpexec.core.messages import Command, OutcomeEvent, PriceUpdated, register_message
from lpexec.core.ports import Reconciler

__all__ = [
    "AddLiquidity",
    "ClosePosition",
    "CollectFees",
    "FeesCollected",
    "LiquidityAdded",
    "LiquidityMoved",
    "LiquidityRemoved",
    "LiquidityVenue",
    "OpenPosition",
    "PoolPriceUpdated",
    "PositionClosed",
    "PositionOpened",
    "PositionTransaction",
    "PositionUpdated",
    "RefreshPosition",
    "RemoveLiquidity",
    "publish_pool_price",
]


# --- commands --------------------------------------------------------------------------------


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
class RefreshPosition(Command):
    """Read a position's current state (a read: no intent is written)."""

    port_method: ClassVar[str] = "refresh_position"

    is_write: ClassVar[bool] = False

    position_address: str
    pool_address: str = ""


# --- outcomes --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionTransaction(OutcomeEvent):
    """An outcome of one transaction on a position: the fee it cost and the signature that paid."""

    position_address: str
    tx_fee: Decimal = Decimal(0)
    signature: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class LiquidityMoved(PositionTransaction):
    """A transaction that moved tokens into or out of a position (amounts actually moved)."""

    base_amount: Decimal
    quote_amount: Decimal


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class PositionOpened(LiquidityMoved):
    """A liquidity position was opened on chain; amounts are what was actually deposited."""

    lower_price: Decimal
    upper_price: Decimal
    position_rent: Decimal = Decimal(0)
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
class LiquidityAdded(LiquidityMoved):
    """Liquidity was added to an open position."""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class LiquidityRemoved(LiquidityMoved):
    """Liquidity was removed from a position (the position stays open)."""


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class FeesCollected(PositionTransaction):
    """Earned fees were claimed from a position into the wallet."""

    base_fee: Decimal
    quote_fee: Decimal


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class PositionClosed(LiquidityMoved):
    """A position was closed: liquidity removed, fees claimed and rent refunded."""

    base_fee: Decimal = Decimal(0)
    quote_fee: Decimal = Decimal(0)
    position_rent_refunded: Decimal = Decimal(0)
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


# --- market data -----------------------------------------------------------------------------


@register_message
@dataclass(frozen=True, slots=True, kw_only=True)
class PoolPriceUpdated(PriceUpdated):
    """A pool's own price: it also names the pool and, when known, its active bin (DLMM) or
    current tick (CLMM), which is what range checks use. Subscribers of the pair and of the pool
    receive it."""

    pool_address: str
    active_bin_id: int | None = None

    def keys(self) -> tuple[str, ...]:
        """The pair and the pool."""
        return (self.trading_pair, self.pool_address)


# --- the port --------------------------------------------------------------------------------


@runtime_checkable
class LiquidityVenue(Reconciler, Protocol):
    """Concentrated-liquidity positions (Meteora DLMM, CLMMs) through Gateway or paper."""

    async def open_position(self, command: OpenPosition, evidence: Evidence) -> PositionOpened:
        """Open a position."""
        ...

    async def add_liquidity(self, command: AddLiquidity, evidence: Evidence) -> LiquidityAdded:
        """Add liquidity to a position."""
        ...

    async def remove_liquidity(
        self, command: RemoveLiquidity, evidence: Evidence
    ) -> LiquidityRemoved:
        """Remove a fraction of a position's liquidity."""
        ...

    async def collect_fees(self, command: CollectFees, evidence: Evidence) -> FeesCollected:
        """Claim a position's fees."""
        ...

    async def close_position(self, command: ClosePosition, evidence: Evidence) -> PositionClosed:
        """Close a position."""
        ...

    async def refresh_position(self, command: RefreshPosition) -> PositionUpdated:
        """Read a position's current amounts, fees, bounds and the pool price."""
        ...


def publish_pool_price(
    engine: Engine,
    trading_pair: str,
    price: Decimal,
    *,
    pool_address: str,
    active_bin_id: int | None = None,
) -> int:
    """Send a pool's price (stamped with the engine's clock) to the subscribers of the pair and
    of the pool; return how many received it."""
    return engine.publish(
        PoolPriceUpdated(
            ts_event=engine.clock.now(),
            trading_pair=trading_pair,
            price=price,
            pool_address=pool_address,
            active_bin_id=active_bin_id,
        )
    )
