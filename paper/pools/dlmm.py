"""A simulated Meteora DLMM (Liquidity Book) pool in raw integer token units.

The pool holds no wallet: callers (the paper chain) move tokens and use the returned amounts.
Its state is a :class:`~paper.pools.dlmm_state.DlmmState`; the planners over that state do the
work: swaps, quotes and price moves in :mod:`paper.pools.dlmm_swap`, the bar market in
:mod:`paper.pools.dlmm_bars`, deposits and withdrawals in :mod:`paper.pools.dlmm_liquidity`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

from lpexec.lp.math.dlmm import (
    BIN_ID_MAX,
    BIN_ID_MIN,
    GATEWAY_MAX_POSITION_WIDTH,
    BinRounding,
    bin_array_indexes,
    bin_id_from_price,
    bin_price,
)
from lpexec.lp.math.dlmm_distribution import Strategy, distribute_amounts
from lpexec.lp.math.dlmm_fees import total_fee_rate, variable_fee_rate
from lpexec.paper.pools import dlmm_bars, dlmm_bars_vector, dlmm_liquidity, dlmm_swap
from lpexec.paper.pools.dlmm_parameters import DlmmFeeParameters
from lpexec.paper.pools.dlmm_state import DlmmPosition, DlmmState
from lpexec.paper.pools.errors import InvalidPoolRequestError, InvalidPositionWidthError
from lpexec.paper.pools.pool_base import PoolBase
from lpexec.paper.pools.pool_state import PoolIdentity
from lpexec.paper.pools.results import (
    BinSnapshot,
    DepositResult,
    FeeAmounts,
    MoveResult,
    PositionAmounts,
    PositionOpened,
    WithdrawResult,
)
from lpexec.paper.pools.state_dicts import dlmm_state_from_dict, dlmm_state_to_dict
from lpexec.paper.pools.validation import check_amount, fraction_of

__all__ = ["DlmmPool"]


class DlmmPool(PoolBase[DlmmState, dlmm_swap.DlmmSwapPlan]):
    """A DLMM pool: bins of constant-sum liquidity, per-bin shares, dynamic fees.

    Bins below the active bin hold only quote (Y), bins above only base (X), the active bin
    both. Swaps walk bins, charging ``base + variable`` fee on the input per bin; the protocol
    keeps ``protocol_share`` of every fee and the rest is split exactly (to the raw unit) among
    that bin's positions pro rata to their shares. Every rounding favours the pool.

    Not modelled: the composition fee on imbalanced deposits into the active bin (a deposit
    there is credited shares by value, ``price * x + y``), limit orders and farm rewards.
    Timestamps that go backwards are treated as "no time passed".

    Example:
        >>> pool = DlmmPool.at_price("pool1", base_mint="SOL", quote_mint="USDC",
        ...     base_decimals=9, quote_decimals=6, bin_step=10, price=Decimal(150))
        >>> _ = pool.add_liquidity("lp1", pool.active_bin_id - 10, pool.active_bin_id + 10,
        ...     10 * 10**9, 1_500 * 10**6)
        >>> pool.swap("SOL", 10**8).amount_out > 0
        True
    """

    ARRAY_BARS: ClassVar[int] = dlmm_bars_vector.MIN_BARS
    """:meth:`replay_bars` over at least this many bars runs vectorized: give it numpy int64
    arrays then (shorter stretches run fastest on lists)."""

    __slots__ = ()

    def __init__(
        self,
        address: str,
        *,
        base_mint: str,
        quote_mint: str,
        base_decimals: int,
        quote_decimals: int,
        bin_step: int,
        active_bin_id: int,
        fee_parameters: DlmmFeeParameters | None = None,
        max_position_width: int = GATEWAY_MAX_POSITION_WIDTH,
        timestamp: int = 0,
    ) -> None:
        """Create an empty pool.

        Args:
            address: Pool address.
            base_mint: Mint of the base token (X).
            quote_mint: Mint of the quote token (Y).
            base_decimals: Decimals of the base token.
            quote_decimals: Decimals of the quote token.
            bin_step: Bin step in basis points (1..400).
            active_bin_id: Initial active bin.
            fee_parameters: Static fee parameters; defaults to :class:`DlmmFeeParameters()`.
            max_position_width: Most bins one position may span (Gateway 2.13: 69).
            timestamp: Unix seconds of the pool's creation (start of the volatility clock).
        """
        self._state = DlmmState(
            PoolIdentity(address, base_mint, quote_mint, base_decimals, quote_decimals),
            bin_step=bin_step,
            active_bin_id=active_bin_id,
            fee_parameters=fee_parameters,
            max_position_width=max_position_width,
            timestamp=timestamp,
        )

    @classmethod
    def at_price(
        cls,
        address: str,
        *,
        price: Decimal,
        base_mint: str,
        quote_mint: str,
        base_decimals: int,
        quote_decimals: int,
        bin_step: int,
        fee_parameters: DlmmFeeParameters | None = None,
        max_position_width: int = GATEWAY_MAX_POSITION_WIDTH,
        timestamp: int = 0,
    ) -> DlmmPool:
        """Create an empty pool whose active bin holds ``price`` (human, quote per base)."""
        try:
            active = bin_id_from_price(
                Decimal(price),
                bin_step,
                base_decimals,
                quote_decimals,
                BinRounding.NEAREST,
            )
        except ValueError as error:
            raise InvalidPoolRequestError(str(error)) from error
        return cls(
            address,
            base_mint=base_mint,
            quote_mint=quote_mint,
            base_decimals=base_decimals,
            quote_decimals=quote_decimals,
            bin_step=bin_step,
            active_bin_id=active,
            fee_parameters=fee_parameters,
            max_position_width=max_position_width,
            timestamp=timestamp,
        )

    # -- identity and prices -------------------------------------------------------------

    @property
    def bin_step(self) -> int:
        """Bin step in basis points."""
        return self._state.bin_step

    @property
    def fee_parameters(self) -> DlmmFeeParameters:
        """Static fee parameters."""
        return self._state.params

    @property
    def max_position_width(self) -> int:
        """Most bins one position may span."""
        return self._state.max_width

    @property
    def active_bin_id(self) -> int:
        """The active bin id."""
        return self._state.active

    @property
    def price(self) -> Decimal:
        """Human price of the active bin (quote per base)."""
        return self.bin_price(self._state.active)

    def bin_price(self, bin_id: int) -> Decimal:
        """Return the human price of ``bin_id``."""
        return bin_price(
            bin_id, self._state.bin_step, self._state.base_decimals, self._state.quote_decimals
        )

    def bin_id_for_price(self, price: Decimal, rounding: BinRounding = BinRounding.DOWN) -> int:
        """Return the bin id holding a human price in this pool."""
        try:
            return bin_id_from_price(
                Decimal(price),
                self._state.bin_step,
                self._state.base_decimals,
                self._state.quote_decimals,
                rounding,
            )
        except ValueError as error:
            raise InvalidPoolRequestError(str(error)) from error

    @property
    def base_fee_rate(self) -> int:
        """Base fee rate in 10^-9 units (``feePct`` = rate / 10^7)."""
        return self._state.base_rate

    @property
    def current_fee_rate(self) -> int:
        """Base + variable fee rate in 10^-9 units as of the last swap (``dynamicFeePct``)."""
        variable = variable_fee_rate(
            self._state.params.variable_fee_control,
            self._state.volatility_accumulator,
            self._state.bin_step,
        )
        return total_fee_rate(self._state.base_rate, variable)

    # -- balances and bins ---------------------------------------------------------------

    def reserves(self) -> tuple[int, int]:
        """Return the raw (base, quote) liquidity held in bins (unclaimed fees excluded)."""
        x = y = 0
        for bin_ in self._state.bins.values():
            x += bin_.x
            y += bin_.y
        return x, y

    def vault_balances(self) -> tuple[int, int]:
        """Return the raw (base, quote) the pool's token vaults hold in total.

        That is bin reserves + fees owed to positions + protocol fees not yet collected.
        """
        self._settle()
        x, y = self.reserves()
        for position in self._state.positions.values():
            x += position.fee_x
            y += position.fee_y
        return x + self._state.protocol_x, y + self._state.protocol_y

    def protocol_fees(self) -> FeeAmounts:
        """Return protocol fees accrued and not yet collected."""
        return FeeAmounts(base_amount=self._state.protocol_x, quote_amount=self._state.protocol_y)

    def collect_protocol_fees(self) -> FeeAmounts:
        """Return and reset the accrued protocol fees (they leave the vaults)."""
        fees = self.protocol_fees()
        self._state.protocol_x = self._state.protocol_y = 0
        return fees

    def bins(self, lower_bin_id: int, upper_bin_id: int) -> list[BinSnapshot]:
        """Return a snapshot of every bin in ``[lower_bin_id, upper_bin_id]`` (empty ones too)."""
        if lower_bin_id > upper_bin_id:
            raise InvalidPoolRequestError(
                "Expected lower_bin_id <= upper_bin_id, received "
                f"lower_bin_id={lower_bin_id} upper_bin_id={upper_bin_id}",
            )
        lower_bin_id = max(lower_bin_id, BIN_ID_MIN)
        upper_bin_id = min(upper_bin_id, BIN_ID_MAX)
        snapshots = []
        for bin_id in range(lower_bin_id, upper_bin_id + 1):
            bin_ = self._state.bins.get(bin_id)
            snapshots.append(
                BinSnapshot(
                    bin_id=bin_id,
                    price=self.bin_price(bin_id),
                    base_amount=bin_.x if bin_ else 0,
                    quote_amount=bin_.y if bin_ else 0,
                    supply=bin_.supply if bin_ else 0,
                ),
            )
        return snapshots

    def bins_around_active(self, count: int = 69) -> list[BinSnapshot]:
        """Return ``count`` bins on each side of the active bin plus the active bin."""
        if count < 0:
            raise InvalidPoolRequestError(f"Expected count >= 0, received count={count}")
        return self.bins(self._state.active - count, self._state.active + count)

    def liquidity_bin_range(self) -> tuple[int, int] | None:
        """Return the lowest and highest bin ids holding liquidity, or None if empty."""
        if not self._state.liquid_ids:
            return None
        return self._state.liquid_ids[0], self._state.liquid_ids[-1]

    @property
    def initialized_bin_arrays(self) -> frozenset[int]:
        """BinArray indexes already initialized (their rent is paid)."""
        return frozenset(self._state.bin_arrays)

    # -- positions -----------------------------------------------------------------------

    def _check_new_position(self, position_id: str, lower_bin_id: int, upper_bin_id: int) -> int:
        self._state.check_new_position_id(position_id)
        if not BIN_ID_MIN <= lower_bin_id <= upper_bin_id <= BIN_ID_MAX:
            raise InvalidPoolRequestError(
                f"Expected {BIN_ID_MIN} <= lower_bin_id <= upper_bin_id <= {BIN_ID_MAX}, "
                f"received lower_bin_id={lower_bin_id} upper_bin_id={upper_bin_id}",
            )
        width = upper_bin_id - lower_bin_id + 1
        if width > self._state.max_width:
            raise InvalidPositionWidthError(
                f"Expected a position width of {self._state.max_width} bins or lower, received "
                f"{width} bins (lower_bin_id={lower_bin_id} upper_bin_id={upper_bin_id})",
            )
        return width

    def open_position(
        self,
        position_id: str,
        lower_bin_id: int,
        upper_bin_id: int,
    ) -> PositionOpened:
        """Open an empty position over ``[lower_bin_id, upper_bin_id]`` (both inclusive).

        Raises:
            InvalidPositionWidthError: The range spans more than :attr:`max_position_width` bins.
            InvalidPoolRequestError: The id is already used or the range is invalid.
        """
        width = self._check_new_position(position_id, lower_bin_id, upper_bin_id)
        new_arrays = tuple(
            i
            for i in bin_array_indexes(lower_bin_id, upper_bin_id)
            if i not in self._state.bin_arrays
        )
        self._state.bin_arrays.update(new_arrays)
        self._state.positions[position_id] = DlmmPosition(
            position_id, lower_bin_id, upper_bin_id, self._state.next_seq
        )
        self._state.next_seq += 1
        return PositionOpened(
            position_id=position_id,
            lower=lower_bin_id,
            upper=upper_bin_id,
            width=width,
            bin_arrays_initialized=new_arrays,
        )

    def add_liquidity(
        self,
        position_id: str,
        lower_bin_id: int,
        upper_bin_id: int,
        base_amount: int,
        quote_amount: int,
        strategy: Strategy = Strategy.SPOT,
    ) -> DepositResult:
        """Deposit raw amounts into a position, spread over its bins by ``strategy``.

        Opens the position first when ``position_id`` is new; otherwise the range must equal
        the position's. Base goes to bins at or above the active bin, quote to bins at or
        below it; the full amounts are placed.

        Raises:
            InvalidPoolRequestError: A negative amount, both zero, a token for a side the range does
                not cover, or a range that differs from the existing position's.
            InvalidPositionWidthError: A new range wider than allowed.
        """
        check_amount(base_amount, "base_amount")
        check_amount(quote_amount, "quote_amount")
        self._settle()
        if base_amount == 0 and quote_amount == 0:
            raise InvalidPoolRequestError(
                "Expected base_amount > 0 or quote_amount > 0, received both 0",
            )
        try:
            strategy = Strategy(strategy)
        except ValueError as error:
            raise InvalidPoolRequestError(
                f"Expected strategy 0 (Spot), 1 (Curve) or 2 (BidAsk), received {strategy!r}",
            ) from error
        position = self._state.positions.get(position_id)
        if position is not None and (position.lower, position.upper) != (
            lower_bin_id,
            upper_bin_id,
        ):
            raise InvalidPoolRequestError(
                f"Expected the range of position {position_id!r} "
                f"(lower_bin_id={position.lower} upper_bin_id={position.upper}), received "
                f"lower_bin_id={lower_bin_id} upper_bin_id={upper_bin_id}",
            )
        if position is None:
            self._check_new_position(position_id, lower_bin_id, upper_bin_id)
        try:
            base_split, quote_split = distribute_amounts(
                strategy,
                lower_bin_id=lower_bin_id,
                upper_bin_id=upper_bin_id,
                active_bin_id=self._state.active,
                base_amount=base_amount,
                quote_amount=quote_amount,
                bin_step=self._state.bin_step,
            )
        except ValueError as error:
            raise InvalidPoolRequestError(str(error)) from error
        opened: tuple[int, ...] = ()
        if position is None:
            opened = self.open_position(
                position_id, lower_bin_id, upper_bin_id
            ).bin_arrays_initialized
            position = self._state.positions[position_id]
        deposits, total_shares = dlmm_liquidity.deposit(
            self._state, position, lower_bin_id, base_split, quote_split
        )
        return DepositResult(
            position_id=position_id,
            base_amount=base_amount,
            quote_amount=quote_amount,
            liquidity=total_shares,
            bins=deposits,
            bin_arrays_initialized=opened,
        )

    def remove_liquidity(
        self,
        position_id: str,
        fraction: Decimal | int = 1,
    ) -> WithdrawResult:
        """Burn ``fraction`` (0 < fraction <= 1) of the position's shares in every bin.

        Each bin pays ``floor(burned * reserve / supply)`` of each token. Fees stay claimable.

        Raises:
            PositionNotFoundError: The position is not open.
            InvalidPoolRequestError: The fraction is outside (0, 1].
        """
        position = self._state.position(position_id)
        exact = fraction_of(fraction)
        self._settle()
        held = sorted(position.shares.items())
        numerator, denominator = exact.numerator, exact.denominator
        burns = (
            held
            if exact == 1
            else [(bin_id, shares * numerator // denominator) for bin_id, shares in held]
        )
        withdrawals, total_x, total_y, total_shares = dlmm_liquidity.withdraw(
            self._state, position, burns
        )
        return WithdrawResult(
            position_id=position_id,
            base_amount=total_x,
            quote_amount=total_y,
            liquidity=total_shares,
            bins=withdrawals,
        )

    def claimable_fees(self, position_id: str) -> FeeAmounts:
        """Return the fees the position can claim now."""
        position = self._state.position(position_id)
        self._settle()
        return FeeAmounts(base_amount=position.fee_x, quote_amount=position.fee_y)

    def claim_fees(self, position_id: str) -> FeeAmounts:
        """Pay out and reset the position's fees."""
        position = self._state.position(position_id)
        self._settle()
        fees = FeeAmounts(base_amount=position.fee_x, quote_amount=position.fee_y)
        position.fee_x = position.fee_y = 0
        return fees

    def position_amounts(self, position_id: str) -> PositionAmounts:
        """Return what the position holds now (amounts a full withdrawal would pay, fees)."""
        position = self._state.position(position_id)
        self._settle()
        x = y = liquidity = 0
        for bin_id, shares in position.shares.items():
            bin_ = self._state.bins[bin_id]
            x += bin_.x * shares // bin_.supply
            y += bin_.y * shares // bin_.supply
            liquidity += shares
        return PositionAmounts(
            position_id=position_id,
            lower=position.lower,
            upper=position.upper,
            base_amount=x,
            quote_amount=y,
            base_fee=position.fee_x,
            quote_fee=position.fee_y,
            liquidity=liquidity,
            in_range=position.lower <= self._state.active <= position.upper,
        )

    # -- swaps ---------------------------------------------------------------------------

    def _plan_swap(
        self, token_in: str, amount: int, exact_out: bool, timestamp: int | None
    ) -> dlmm_swap.DlmmSwapPlan:
        return dlmm_swap.plan_swap(self._state, token_in, amount, exact_out, timestamp)

    def _apply_swap(self, plan: dlmm_swap.DlmmSwapPlan, timestamp: int | None) -> None:  # noqa: ARG002 - the plan holds the time
        dlmm_swap.apply_swap(self._state, plan)

    def move_to_bin(
        self,
        target_bin_id: int,
        volume: int = 0,
        *,
        timestamp: int | None = None,
    ) -> MoveResult:
        """Swap until ``target_bin_id`` is the active bin, then trade round trips inside it.

        Args:
            target_bin_id: Bin to end in.
            volume: Quote raw units of total volume to trade; what the directional move does not
                use is traded as round trips that stay in the target bin (fees, no move).
            timestamp: Unix seconds of the move.
        """
        return dlmm_swap.move_to_bin(self._state, target_bin_id, volume, timestamp)

    def move_to_price(
        self,
        target_price: Decimal,
        volume: int = 0,
        *,
        timestamp: int | None = None,
    ) -> MoveResult:
        """Move the active bin to the bin holding ``target_price`` (see :meth:`move_to_bin`)."""
        target = self.bin_id_for_price(target_price, BinRounding.NEAREST)
        return self.move_to_bin(target, volume, timestamp=timestamp)

    def replay_bars(
        self,
        target_bin_ids: Sequence[int],
        volumes: Sequence[int],
        timestamps: Sequence[int],
    ) -> MoveResult:
        """Let the outside market replay price bars (the backtest market model).

        Each bar ends in its target bin and trades its quote ``volume`` there; see
        :mod:`paper.pools.dlmm_bars`. Replaying bars in one call or split over several calls
        leaves the pool in exactly the same state.
        """
        return dlmm_bars.replay_bars(self._state, target_bin_ids, volumes, timestamps)

    def _settle(self) -> None:
        if self._state.pending_fees:
            dlmm_bars.settle_fees(self._state)

    # -- persistence ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the full pool state as plain JSON-safe data (big integers as strings)."""
        self._settle()
        return dlmm_state_to_dict(self._state)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DlmmPool:
        """Rebuild a pool from :meth:`to_dict` output."""
        return cls.from_state(dlmm_state_from_dict(data))
