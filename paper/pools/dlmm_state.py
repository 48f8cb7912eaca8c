"""The state of a DLMM pool: bins, positions, the fee and volatility state, and the fee split.

:class:`DlmmState` is what a :class:`~paper.pools.DlmmPool` holds; the swap walk
(:mod:`paper.pools.dlmm_swap`), the bar market (:mod:`paper.pools.dlmm_bars`), deposits and
withdrawals (:mod:`paper.pools.dlmm_liquidity`) and the plain-dict form
(:mod:`paper.pools.state_dicts`) work on it through its public fields.
"""

from __future__ import annotations

from lpexec.lp.math.dlmm import BIN_ID_MAX, BIN_ID_MIN
from lpexec.paper.pools.dlmm_parameters import DlmmFeeParameters
from lpexec.paper.pools.errors import InvalidPoolRequestError
from lpexec.paper.pools.pool_state import PoolIdentity, PoolState

__all__ = ["DlmmBin", "DlmmPosition", "DlmmState", "credit_fee"]


class DlmmBin:
    """One bin: reserves, price (Q64.64), total shares and shares per position."""

    __slots__ = ("bin_id", "holders", "pair", "price", "supply", "x", "y")

    def __init__(self, bin_id: int, price: int) -> None:
        self.bin_id = bin_id
        self.price = price
        self.x = 0
        self.y = 0
        self.supply = 0
        self.holders: dict[DlmmPosition, int] = {}
        self.pair: tuple[int, int] | None = None
        """(base only, quote only) amounts of a pure bin, set by the bar market's flips."""


class DlmmPosition:
    """One position: its range, shares per bin and fees owed to it."""

    __slots__ = ("fee_x", "fee_y", "lower", "position_id", "seq", "shares", "upper")

    def __init__(self, position_id: str, lower: int, upper: int, seq: int) -> None:
        self.position_id = position_id
        self.lower = lower
        self.upper = upper
        self.seq = seq
        self.shares: dict[int, int] = {}
        self.fee_x = 0
        self.fee_y = 0


def credit_fee(bin_: DlmmBin, lp_fee: int, is_x: bool) -> None:
    """Split ``lp_fee`` among the bin's holders pro rata to shares, exactly to the raw unit.

    Each holder gets ``floor(lp_fee * shares / supply)``; the few leftover units go one each to
    the holders with the largest remainders (ties: the earliest opened position).
    """
    holders = bin_.holders
    if len(holders) == 1:
        for position in holders:
            _pay(position, lp_fee, is_x)
        return
    supply = bin_.supply
    if len(holders) == 2:  # the common case in backtests: the market's liquidity and ours
        (first, first_shares), (second, second_shares) = holders.items()
        first_part, first_rest = divmod(lp_fee * first_shares, supply)
        second_part, second_rest = divmod(lp_fee * second_shares, supply)
        if first_part + second_part < lp_fee:  # one unit left: the larger remainder takes it
            if (-first_rest, first.seq) < (-second_rest, second.seq):
                first_part += 1
            else:
                second_part += 1
        _pay(first, first_part, is_x)
        _pay(second, second_part, is_x)
        return
    given = 0
    # (-remainder, opening order, position, part): seq is unique, so positions never compare.
    parts: list[tuple[int, int, DlmmPosition, int]] = []
    for position, shares in holders.items():
        part, remainder = divmod(lp_fee * shares, supply)
        given += part
        parts.append((-remainder, position.seq, position, part))
    leftover = lp_fee - given
    if leftover:
        parts.sort()
    for index, (_, _, position, part) in enumerate(parts):
        _pay(position, part + 1 if index < leftover else part, is_x)


def _pay(position: DlmmPosition, amount: int, is_x: bool) -> None:
    if is_x:
        position.fee_x += amount
    else:
        position.fee_y += amount


class DlmmState(PoolState[DlmmPosition]):
    """Everything a DLMM pool holds, as public fields (see :class:`~paper.pools.DlmmPool`)."""

    __slots__ = (
        "active",
        "base_rate",
        "bin_arrays",
        "bin_step",
        "bins",
        "index_reference",
        "liquid_ids",
        "max_width",
        "next_seq",
        "params",
        "pending_fees",
        "protocol_x",
        "protocol_y",
        "volatility_accumulator",
        "volatility_reference",
    )

    def __init__(
        self,
        identity: PoolIdentity,
        *,
        bin_step: int,
        active_bin_id: int,
        fee_parameters: DlmmFeeParameters | None,
        max_position_width: int,
        timestamp: int,
    ) -> None:
        """Check a new pool's parameters and make its empty state."""
        super().__init__(identity, timestamp)
        for name, decimals in (
            ("base_decimals", identity.base_decimals),
            ("quote_decimals", identity.quote_decimals),
        ):
            if not 0 <= decimals <= 18:
                raise InvalidPoolRequestError(
                    f"Expected 0 <= {name} <= 18, received {name}={decimals}"
                )
        if not 1 <= bin_step <= 400:
            raise InvalidPoolRequestError(
                f"Expected 1 <= bin_step <= 400, received bin_step={bin_step}"
            )
        if not BIN_ID_MIN <= active_bin_id <= BIN_ID_MAX:
            raise InvalidPoolRequestError(
                f"Expected {BIN_ID_MIN} <= active_bin_id <= {BIN_ID_MAX}, "
                f"received active_bin_id={active_bin_id}",
            )
        if max_position_width < 1:
            raise InvalidPoolRequestError(
                f"Expected max_position_width >= 1, received {max_position_width}",
            )
        params = fee_parameters if fee_parameters is not None else DlmmFeeParameters()
        self.bin_step = bin_step
        self.params = params
        self.base_rate = params.base_fee_rate(bin_step)
        """Base fee rate in 10^-9 units."""
        self.max_width = max_position_width
        """Most bins one position may span."""
        self.active = active_bin_id
        """The active bin id."""
        self.bins: dict[int, DlmmBin] = {}
        """Bins holding liquidity, by id."""
        self.liquid_ids: list[int] = []
        """The ids of :attr:`bins`, sorted."""
        self.bin_arrays: set[int] = set()
        """BinArray indexes initialized (their rent is paid)."""
        self.next_seq = 0
        """Opening order of the next position (ties in the fee split go to the earliest)."""
        self.protocol_x = 0
        self.protocol_y = 0
        self.volatility_accumulator = 0
        self.volatility_reference = 0
        self.index_reference = active_bin_id
        self.pending_fees: dict[int, int] = {}
        """Quote LP fees the bar market owes to bins, not yet split among their positions."""
