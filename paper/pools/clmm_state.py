"""The state of a CLMM pool: price, liquidity, fee growth, initialized ticks and positions.

:class:`ClmmState` is what a :class:`~paper.pools.ClmmPool` holds; the swap planner
(:mod:`paper.pools.clmm_swap`) and the plain-dict form (:mod:`paper.pools.state_dicts`) work on
it through its public fields.
"""

from __future__ import annotations

from bisect import bisect_left

from lpexec.lp.math.clmm import MAX_SQRT_PRICE_X64, MIN_SQRT_PRICE_X64, tick_at_sqrt_price_x64
from lpexec.paper.pools.errors import InvalidPoolRequestError
from lpexec.paper.pools.pool_state import PoolIdentity, PoolState

__all__ = [
    "FEE_RATE_DENOMINATOR",
    "ClmmPosition",
    "ClmmState",
    "TickState",
    "fee_growth_inside",
    "update_tick",
]

FEE_RATE_DENOMINATOR = 1_000_000


class TickState:
    """An initialized tick: gross and net liquidity and fee growth outside (Q64.64)."""

    __slots__ = ("liquidity_gross", "liquidity_net", "outside0", "outside1")

    def __init__(self, outside0: int, outside1: int) -> None:
        self.liquidity_gross = 0
        self.liquidity_net = 0
        self.outside0 = outside0
        self.outside1 = outside1


class ClmmPosition:
    """A position: range, liquidity, fee growth checkpoints and fees owed."""

    __slots__ = (
        "inside0_last",
        "inside1_last",
        "liquidity",
        "lower",
        "owed0",
        "owed1",
        "position_id",
        "upper",
    )

    def __init__(self, position_id: str, lower: int, upper: int) -> None:
        self.position_id = position_id
        self.lower = lower
        self.upper = upper
        self.liquidity = 0
        self.inside0_last = 0
        self.inside1_last = 0
        self.owed0 = 0
        self.owed1 = 0


class ClmmState(PoolState[ClmmPosition]):
    """Everything a CLMM pool holds, as public fields (see :class:`~paper.pools.ClmmPool`)."""

    __slots__ = (
        "balance0",
        "balance1",
        "fee_growth0",
        "fee_growth1",
        "fee_rate",
        "liquidity",
        "protocol0",
        "protocol1",
        "protocol_share",
        "sqrt_price",
        "tick",
        "tick_ids",
        "tick_spacing",
        "ticks",
    )

    def __init__(
        self,
        identity: PoolIdentity,
        *,
        tick_spacing: int,
        sqrt_price_x64: int,
        fee_rate: int,
        protocol_fee_share: int,
        timestamp: int,
    ) -> None:
        """Check a new pool's parameters and make its empty state."""
        super().__init__(identity, timestamp)
        if not 1 <= tick_spacing <= 32_768:
            raise InvalidPoolRequestError(
                f"Expected 1 <= tick_spacing <= 32768, received tick_spacing={tick_spacing}",
            )
        if not MIN_SQRT_PRICE_X64 <= sqrt_price_x64 <= MAX_SQRT_PRICE_X64:
            raise InvalidPoolRequestError(
                f"Expected {MIN_SQRT_PRICE_X64} <= sqrt_price_x64 <= {MAX_SQRT_PRICE_X64}, "
                f"received sqrt_price_x64={sqrt_price_x64}",
            )
        if not 0 <= fee_rate < FEE_RATE_DENOMINATOR:
            raise InvalidPoolRequestError(
                f"Expected 0 <= fee_rate < {FEE_RATE_DENOMINATOR}, received fee_rate={fee_rate}",
            )
        if not 0 <= protocol_fee_share <= 10_000:
            raise InvalidPoolRequestError(
                "Expected 0 <= protocol_fee_share <= 10000, received "
                f"protocol_fee_share={protocol_fee_share}",
            )
        self.tick_spacing = tick_spacing
        self.fee_rate = fee_rate
        """Swap fee in millionths of the input."""
        self.protocol_share = protocol_fee_share
        """Basis points of each fee kept by the protocol."""
        self.sqrt_price = sqrt_price_x64
        """``sqrt(raw price) * 2**64``."""
        self.tick = tick_at_sqrt_price_x64(sqrt_price_x64)
        """The greatest tick whose sqrt price is <= :attr:`sqrt_price`."""
        self.liquidity = 0
        """Active liquidity at the current price."""
        self.fee_growth0 = 0
        self.fee_growth1 = 0
        self.protocol0 = 0
        self.protocol1 = 0
        self.balance0 = 0
        """Raw base the vault holds."""
        self.balance1 = 0
        """Raw quote the vault holds."""
        self.ticks: dict[int, TickState] = {}
        """Initialized ticks by id."""
        self.tick_ids: list[int] = []
        """The ids of :attr:`ticks`, sorted."""


def fee_growth_inside(state: ClmmState, lower: int, upper: int) -> tuple[int, int]:
    """Return fee growth inside ``[lower, upper)`` per unit of liquidity (Q64.64, both tokens)."""
    lower_tick = state.ticks[lower]
    upper_tick = state.ticks[upper]
    g0, g1 = state.fee_growth0, state.fee_growth1
    current = state.tick
    if current >= lower:
        below0, below1 = lower_tick.outside0, lower_tick.outside1
    else:
        below0, below1 = g0 - lower_tick.outside0, g1 - lower_tick.outside1
    if current < upper:
        above0, above1 = upper_tick.outside0, upper_tick.outside1
    else:
        above0, above1 = g0 - upper_tick.outside0, g1 - upper_tick.outside1
    return g0 - below0 - above0, g1 - below1 - above1


def update_tick(state: ClmmState, tick_id: int, delta: int, upper: bool) -> None:
    """Add ``delta`` liquidity at a boundary tick, initializing or clearing it as needed."""
    tick = state.ticks.get(tick_id)
    if tick is None:
        if tick_id <= state.tick:
            tick = TickState(state.fee_growth0, state.fee_growth1)
        else:
            tick = TickState(0, 0)
        state.ticks[tick_id] = tick
        state.tick_ids.insert(bisect_left(state.tick_ids, tick_id), tick_id)
    tick.liquidity_gross += delta
    tick.liquidity_net += -delta if upper else delta
    if tick.liquidity_gross == 0:
        del state.ticks[tick_id]
        del state.tick_ids[bisect_left(state.tick_ids, tick_id)]
