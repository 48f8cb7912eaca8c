"""Grid levels, pure: how a grid's levels are generated, the state machine of one level, and the
inventory a level holds with its cost basis.

**Generation** (:func:`generate_levels`) follows Hummingbot's GridExecutor (``executors.md``
§5.2) in Decimal arithmetic, once, at the first mid price ``P``:

1. ``min_notional = max(min_order_amount_quote, rules' min_notional)``; the smallest level is
   ``min_base = 1.05 x min_notional / P`` (and at least ``min_notional / P`` rounded up to the
   amount step), rounded up to the step; ``min_quote = min_base x P``.
2. ``min_step = max(min_spread_between_orders, price_tick / P)``;
   ``n = min(floor(total / min_quote), floor(range / min_step))`` with ``range = (end - start) /
   start``, then the quote per level ``max(min_quote, total / n)`` (with an amount step: the base
   per level floored to the step, times ``P``) and ``n = min(n, floor(total / quote_per_level))``.
3. ``n > 1``: prices from ``start_price`` to ``end_price`` inclusive, evenly spaced; ``n = 1``:
   one level in the middle. A budget below one minimal level gives one level of ``min_quote``
   (more than the budget, as in Hummingbot: the venue's balance check decides).
4. The take profit of a level is the barrier's ``take_profit`` (or ``max(step, take_profit)``
   with ``coerce_tp_to_step``).

Decision (§16 quirk 4, division by zero): a range narrower than one minimal step
(``floor(range / min_step) = 0``) gives one level instead of Hummingbot's crash; with no minimum
step at all (no spread, no tick) the number of levels is bounded by the budget alone.

**A level** moves through :data:`LEVEL_TRANSITIONS` (run by :class:`~lpexec.core.fsm.StateMachine`):
NOT_ACTIVE -> OPEN_ORDER_PLACED -> OPEN_ORDER_FILLED -> CLOSE_ORDER_PLACED -> COMPLETE, and a
complete level is recycled to NOT_ACTIVE (it trades again).

**Inventory** is kept at average cost with its fees: a close fill realizes its share of the cost
and of the open fees, so realized + unrealized P&L always add up to the grid's whole P&L.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from enum import StrEnum

from lpexec.cex.tracking import TrackedOrder
from lpexec.core import StateMachine, TransitionTable, floor_to_step
from lpexec.core.money import ZERO

__all__ = [
    "DUST_BASE",
    "LEVEL_MACHINE",
    "LEVEL_TRANSITIONS",
    "GridLevel",
    "GridPlan",
    "Inventory",
    "LevelState",
    "LevelTrigger",
    "ceil_to_step",
    "generate_levels",
]

_MIN_BASE_MARGIN = Decimal("1.05")


# --- one level's state machine ----------------------------------------------------------------


class LevelState(StrEnum):
    """Where one grid level stands (Hummingbot's names)."""

    NOT_ACTIVE = "NOT_ACTIVE"  # no order: may place its open order
    OPEN_ORDER_PLACED = "OPEN_ORDER_PLACED"
    OPEN_ORDER_FILLED = "OPEN_ORDER_FILLED"  # holds inventory, no close order
    CLOSE_ORDER_PLACED = "CLOSE_ORDER_PLACED"  # its take-profit order rests
    COMPLETE = "COMPLETE"  # the take profit filled: recycled at once


class LevelTrigger(StrEnum):
    """What moves a level."""

    PLACE_OPEN = "PLACE_OPEN"
    OPEN_FILLED = "OPEN_FILLED"
    OPEN_GONE = "OPEN_GONE"  # the open order ended (canceled, failed) with nothing filled
    OPEN_CUT = "OPEN_CUT"  # the open order ended after a partial fill: what filled is kept
    PLACE_CLOSE = "PLACE_CLOSE"
    CLOSE_FILLED = "CLOSE_FILLED"
    CLOSE_GONE = "CLOSE_GONE"  # the close order ended unfilled or partly filled
    RELEASE = "RELEASE"  # its inventory moved to the grid's residual (dust, or the unwind)
    RECYCLE = "RECYCLE"


_L, _LT = LevelState, LevelTrigger

LEVEL_TRANSITIONS: TransitionTable[LevelState, LevelTrigger] = {
    (_L.NOT_ACTIVE, _LT.PLACE_OPEN): _L.OPEN_ORDER_PLACED,
    (_L.OPEN_ORDER_PLACED, _LT.OPEN_FILLED): _L.OPEN_ORDER_FILLED,
    (_L.OPEN_ORDER_PLACED, _LT.OPEN_GONE): _L.NOT_ACTIVE,
    # Hummingbot forgets a partial fill of a canceled open order (§16 quirk 3); we keep it.
    (_L.OPEN_ORDER_PLACED, _LT.OPEN_CUT): _L.OPEN_ORDER_FILLED,
    (_L.OPEN_ORDER_FILLED, _LT.PLACE_CLOSE): _L.CLOSE_ORDER_PLACED,
    (_L.OPEN_ORDER_FILLED, _LT.RELEASE): _L.NOT_ACTIVE,
    (_L.CLOSE_ORDER_PLACED, _LT.CLOSE_FILLED): _L.COMPLETE,
    # Partial close fills stay realized; the rest of the inventory waits for a new close order.
    (_L.CLOSE_ORDER_PLACED, _LT.CLOSE_GONE): _L.OPEN_ORDER_FILLED,
    (_L.COMPLETE, _LT.RECYCLE): _L.NOT_ACTIVE,
}

LEVEL_MACHINE: StateMachine[LevelState, LevelTrigger] = StateMachine(
    LEVEL_TRANSITIONS, name="grid level"
)


# --- inventory --------------------------------------------------------------------------------

DUST_BASE = Decimal("1e-18")
"""Base below this is rounding, not inventory: an inventory left with less is empty (amounts are
Decimal with 28 significant digits, so taking a share of a position can leave ~1e-28)."""


@dataclass(slots=True)
class Inventory:
    """Base held by a level (or the grid) with its cost basis, at average cost.

    ``cost`` is the quote paid for ``base`` on a BUY grid, or received for it on a SELL grid;
    ``fees`` the open fees (quote) not realized yet.
    """

    base: Decimal = ZERO
    cost: Decimal = ZERO
    fees: Decimal = ZERO

    def add(self, base: Decimal, cost: Decimal, fees: Decimal) -> None:
        """Add an open fill."""
        self.base += base
        self.cost += cost
        self.fees += fees

    def take(self, base: Decimal) -> tuple[Decimal, Decimal, Decimal]:
        """Remove ``base`` (at most all of it); return the base, cost and fees removed."""
        if base >= self.base:
            taken = (self.base, self.cost, self.fees)
            self.base = self.cost = self.fees = ZERO
            return taken
        share = base / self.base
        cost, fees = self.cost * share, self.fees * share
        self.remove(base, cost, fees)
        return base, cost, fees

    def remove(self, base: Decimal, cost: Decimal, fees: Decimal) -> None:
        """Remove exactly what :meth:`take` took from a part of this inventory; what is left
        below :data:`DUST_BASE` (the last digits of 28-digit arithmetic) is cleared."""
        self.base -= base
        self.cost -= cost
        self.fees -= fees
        if -DUST_BASE < self.base < DUST_BASE:
            self.base = self.cost = self.fees = ZERO

    def move_into(self, other: Inventory) -> None:
        """Move everything into ``other``."""
        other.add(self.base, self.cost, self.fees)
        self.base = self.cost = self.fees = ZERO

    @property
    def average_price(self) -> Decimal:
        """The cost per base unit (0 when empty)."""
        return self.cost / self.base if self.base > 0 else ZERO


# --- levels -----------------------------------------------------------------------------------


@dataclass(slots=True)
class GridLevel:
    """One price level of a grid: its orders, the inventory it holds, its completed cycles."""

    id: str
    price: Decimal
    amount_quote: Decimal
    take_profit: Decimal
    state: LevelState = LevelState.NOT_ACTIVE
    open_order: TrackedOrder | None = None
    close_order: TrackedOrder | None = None
    inventory: Inventory = field(default_factory=Inventory)
    cycles: int = 0


@dataclass(frozen=True, slots=True)
class GridPlan:
    """The generated levels and the figures they came from."""

    levels: list[GridLevel]
    step: Decimal
    """The relative step between adjacent levels (the whole range for one level)."""
    quote_per_level: Decimal
    min_quote: Decimal


def ceil_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Return ``value`` rounded up to a multiple of ``step`` (a positive increment)."""
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def generate_levels(
    *,
    start_price: Decimal,
    end_price: Decimal,
    total_amount_quote: Decimal,
    mid_price: Decimal,
    min_spread_between_orders: Decimal,
    min_order_amount_quote: Decimal,
    take_profit: Decimal,
    coerce_tp_to_step: bool = False,
    price_tick: Decimal | None = None,
    amount_step: Decimal | None = None,
    min_notional: Decimal = ZERO,
) -> GridPlan:
    """Generate a grid's levels at ``mid_price`` (see the module docstring for the rule).

    Example:
        >>> plan = generate_levels(
        ...     start_price=Decimal(100), end_price=Decimal(120), total_amount_quote=Decimal(100),
        ...     mid_price=Decimal(110), min_spread_between_orders=Decimal("0.01"),
        ...     min_order_amount_quote=Decimal(9), take_profit=Decimal("0.01"))
        >>> len(plan.levels), plan.quote_per_level
        (10, Decimal('10'))
    """
    if mid_price <= 0:
        raise ValueError(f"mid_price: expected a positive price, received {mid_price}")
    price = mid_price
    notional = max(min_order_amount_quote, min_notional)
    min_base = _MIN_BASE_MARGIN * notional / price
    if amount_step is not None:
        min_base = ceil_to_step(
            max(min_base, ceil_to_step(notional / price, amount_step)), amount_step
        )
    min_quote = min_base * price
    price_range = (end_price - start_price) / start_price
    min_step = max(min_spread_between_orders, price_tick / price if price_tick else ZERO)
    by_amount = _floor(total_amount_quote / min_quote)
    if by_amount == 0:
        count, quote_per_level = 1, min_quote
    else:
        by_range = _floor(price_range / min_step) if min_step > 0 else by_amount
        count = max(1, min(by_amount, by_range))
        if amount_step is None:
            with localcontext() as context:  # rounded down: the levels never exceed the budget
                context.rounding = ROUND_FLOOR
                quote_per_level = max(min_quote, total_amount_quote / count)
        else:
            base = floor_to_step(total_amount_quote / (price * count), amount_step)
            quote_per_level = max(min_base, base) * price
        count = max(1, min(count, _floor(total_amount_quote / quote_per_level)))
    if count > 1:
        width = end_price - start_price
        prices = [start_price + width * index / (count - 1) for index in range(count)]
        step = price_range / (count - 1)
    else:
        prices = [(start_price + end_price) / 2]
        step = price_range
    if price_tick is not None:
        prices = [floor_to_step(level_price, price_tick) for level_price in prices]
    level_tp = max(step, take_profit) if coerce_tp_to_step else take_profit
    levels = [
        GridLevel(
            id=f"L{index}", price=level_price, amount_quote=quote_per_level, take_profit=level_tp
        )
        for index, level_price in enumerate(prices)
    ]
    return GridPlan(levels=levels, step=step, quote_per_level=quote_per_level, min_quote=min_quote)
