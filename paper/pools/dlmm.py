"""A simulated Meteora DLMM (Liquidity Book) pool in raw integer token units.

The pool holds no wallet: callers (the paper chain) move tokens and use the returned amounts.
Swaps, quotes and price moves live in :mod:`paper.pools._dlmm_swap`; this module holds the
pool's identity, liquidity, positions and persistence.
"""

from __future__ import annotations

from bisect import bisect_left, insort
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
    bin_price_q64,
)
from lpexec.lp.math.dlmm_distribution import Strategy, distribute_amounts
from lpexec.lp.math.dlmm_fees import total_fee_rate, variable_fee_rate
from lpexec.paper.pools import _dlmm_bars, _dlmm_bars_vector, _dlmm_swap, _persistence
from lpexec.paper.pools._dlmm_state import Bin, Position, check_amount, fraction_of
from lpexec.paper.pools.dlmm_parameters import DlmmFeeParameters
from lpexec.paper.pools.errors import (
    InvalidPoolRequestError,
    InvalidPositionWidthError,
    PositionNotFoundError,
)
from lpexec.paper.pools.results import (
    BinDeposit,
    BinRecords,
    BinSnapshot,
    BinWithdrawal,
    ClosedPosition,
    DepositResult,
    FeeAmounts,
    MoveResult,
    PositionAmounts,
    PositionOpened,
    SwapResult,
    WithdrawResult,
)

__all__ = ["DlmmPool"]


class DlmmPool:
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

    ARRAY_BARS: ClassVar[int] = _dlmm_bars_vector.MIN_BARS
    """:meth:`replay_bars` over at least this many bars runs vectorized: give it numpy int64
    arrays then (shorter stretches run fastest on lists)."""

    __slots__ = (
        "_active",
        "_address",
        "_arrays",
        "_base_decimals",
        "_base_mint",
        "_base_rate",
        "_bin_step",
        "_bins",
        "_closed",
        "_index_reference",
        "_last_timestamp",
        "_liquid_ids",
        "_max_width",
        "_next_seq",
        "_params",
        "_pending_fees",
        "_positions",
        "_protocol_x",
        "_protocol_y",
        "_quote_decimals",
        "_quote_mint",
        "_volatility_accumulator",
        "_volatility_reference",
    )

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
        if not address:
            raise InvalidPoolRequestError(
                f"Expected a non-empty pool address, received {address!r}"
            )
        if not base_mint or not quote_mint or base_mint == quote_mint:
            raise InvalidPoolRequestError(
                "Expected two different non-empty mints, received "
                f"base_mint={base_mint!r} quote_mint={quote_mint!r}",
            )
        for name, decimals in (
            ("base_decimals", base_decimals),
            ("quote_decimals", quote_decimals),
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
        self._address = address
        self._base_mint = base_mint
        self._quote_mint = quote_mint
        self._base_decimals = base_decimals
        self._quote_decimals = quote_decimals
        self._bin_step = bin_step
        self._params = fee_parameters if fee_parameters is not None else DlmmFeeParameters()
        self._base_rate = self._params.base_fee_rate(bin_step)
        self._max_width = max_position_width
        self._active = active_bin_id
        self._bins: dict[int, Bin] = {}
        self._liquid_ids: list[int] = []
        self._positions: dict[str, Position] = {}
        self._closed: set[str] = set()
        self._arrays: set[int] = set()
        self._next_seq = 0
        self._protocol_x = 0
        self._protocol_y = 0
        self._volatility_accumulator = 0
        self._volatility_reference = 0
        self._index_reference = active_bin_id
        self._last_timestamp = timestamp
        self._pending_fees: dict[int, int] = {}

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
    def address(self) -> str:
        """Pool address."""
        return self._address

    @property
    def base_mint(self) -> str:
        """Mint of the base token (X)."""
        return self._base_mint

    @property
    def quote_mint(self) -> str:
        """Mint of the quote token (Y)."""
        return self._quote_mint

    @property
    def base_decimals(self) -> int:
        """Decimals of the base token."""
        return self._base_decimals

    @property
    def quote_decimals(self) -> int:
        """Decimals of the quote token."""
        return self._quote_decimals

    @property
    def bin_step(self) -> int:
        """Bin step in basis points."""
        return self._bin_step

    @property
    def fee_parameters(self) -> DlmmFeeParameters:
        """Static fee parameters."""
        return self._params

    @property
    def max_position_width(self) -> int:
        """Most bins one position may span."""
        return self._max_width

    @property
    def active_bin_id(self) -> int:
        """The active bin id."""
        return self._active

    @property
    def timestamp(self) -> int:
        """Unix seconds of the last swap (or creation)."""
        return self._last_timestamp

    @property
    def price(self) -> Decimal:
        """Human price of the active bin (quote per base)."""
        return self.bin_price(self._active)

    def bin_price(self, bin_id: int) -> Decimal:
        """Return the human price of ``bin_id``."""
        return bin_price(bin_id, self._bin_step, self._base_decimals, self._quote_decimals)

    def bin_id_for_price(self, price: Decimal, rounding: BinRounding = BinRounding.DOWN) -> int:
        """Return the bin id holding a human price in this pool."""
        try:
            return bin_id_from_price(
                Decimal(price),
                self._bin_step,
                self._base_decimals,
                self._quote_decimals,
                rounding,
            )
        except ValueError as error:
            raise InvalidPoolRequestError(str(error)) from error

    @property
    def base_fee_rate(self) -> int:
        """Base fee rate in 10^-9 units (``feePct`` = rate / 10^7)."""
        return self._base_rate

    @property
    def current_fee_rate(self) -> int:
        """Base + variable fee rate in 10^-9 units as of the last swap (``dynamicFeePct``)."""
        variable = variable_fee_rate(
            self._params.variable_fee_control,
            self._volatility_accumulator,
            self._bin_step,
        )
        return total_fee_rate(self._base_rate, variable)

    # -- balances and bins ---------------------------------------------------------------

    def reserves(self) -> tuple[int, int]:
        """Return the raw (base, quote) liquidity held in bins (unclaimed fees excluded)."""
        x = y = 0
        for bin_ in self._bins.values():
            x += bin_.x
            y += bin_.y
        return x, y

    def vault_balances(self) -> tuple[int, int]:
        """Return the raw (base, quote) the pool's token vaults hold in total.

        That is bin reserves + fees owed to positions + protocol fees not yet collected.
        """
        self._settle()
        x, y = self.reserves()
        for position in self._positions.values():
            x += position.fee_x
            y += position.fee_y
        return x + self._protocol_x, y + self._protocol_y

    def protocol_fees(self) -> FeeAmounts:
        """Return protocol fees accrued and not yet collected."""
        return FeeAmounts(base_amount=self._protocol_x, quote_amount=self._protocol_y)

    def collect_protocol_fees(self) -> FeeAmounts:
        """Return and reset the accrued protocol fees (they leave the vaults)."""
        fees = self.protocol_fees()
        self._protocol_x = self._protocol_y = 0
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
            bin_ = self._bins.get(bin_id)
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
        return self.bins(self._active - count, self._active + count)

    def liquidity_bin_range(self) -> tuple[int, int] | None:
        """Return the lowest and highest bin ids holding liquidity, or None if empty."""
        if not self._liquid_ids:
            return None
        return self._liquid_ids[0], self._liquid_ids[-1]

    @property
    def initialized_bin_arrays(self) -> frozenset[int]:
        """BinArray indexes already initialized (their rent is paid)."""
        return frozenset(self._arrays)

    # -- positions -----------------------------------------------------------------------

    def position_ids(self) -> list[str]:
        """Return the ids of open positions, in opening order."""
        return list(self._positions)

    def has_position(self, position_id: str) -> bool:
        """Return True if ``position_id`` is open in this pool."""
        return position_id in self._positions

    def is_closed(self, position_id: str) -> bool:
        """Return True if ``position_id`` was open in this pool and has been closed."""
        return position_id in self._closed

    def _position(self, position_id: str) -> Position:
        position = self._positions.get(position_id)
        if position is None:
            closed = position_id in self._closed
            state = "closed" if closed else "not found"
            raise PositionNotFoundError(
                f"Position {state}: expected an open position in pool {self._address}, "
                f"received position_id={position_id!r}",
                position_id=position_id,
                closed=closed,
            )
        return position

    def _check_new_position(self, position_id: str, lower_bin_id: int, upper_bin_id: int) -> int:
        if not position_id:
            raise InvalidPoolRequestError(
                f"Expected a non-empty position_id, received {position_id!r}"
            )
        if position_id in self._positions or position_id in self._closed:
            raise InvalidPoolRequestError(
                f"Expected a new position_id, received position_id={position_id!r} "
                "which this pool already used",
            )
        if not BIN_ID_MIN <= lower_bin_id <= upper_bin_id <= BIN_ID_MAX:
            raise InvalidPoolRequestError(
                f"Expected {BIN_ID_MIN} <= lower_bin_id <= upper_bin_id <= {BIN_ID_MAX}, "
                f"received lower_bin_id={lower_bin_id} upper_bin_id={upper_bin_id}",
            )
        width = upper_bin_id - lower_bin_id + 1
        if width > self._max_width:
            raise InvalidPositionWidthError(
                f"Expected a position width of {self._max_width} bins or lower, received "
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
            i for i in bin_array_indexes(lower_bin_id, upper_bin_id) if i not in self._arrays
        )
        self._arrays.update(new_arrays)
        self._positions[position_id] = Position(
            position_id, lower_bin_id, upper_bin_id, self._next_seq
        )
        self._next_seq += 1
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
        position = self._positions.get(position_id)
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
                active_bin_id=self._active,
                base_amount=base_amount,
                quote_amount=quote_amount,
                bin_step=self._bin_step,
            )
        except ValueError as error:
            raise InvalidPoolRequestError(str(error)) from error
        opened: tuple[int, ...] = ()
        if position is None:
            opened = self.open_position(
                position_id, lower_bin_id, upper_bin_id
            ).bin_arrays_initialized
            position = self._positions[position_id]
        deposits, total_shares = self._deposit(position, lower_bin_id, base_split, quote_split)
        return DepositResult(
            position_id=position_id,
            base_amount=base_amount,
            quote_amount=quote_amount,
            liquidity=total_shares,
            bins=deposits,
            bin_arrays_initialized=opened,
        )

    def _deposit(
        self, position: Position, lower: int, base: list[int], quote: list[int]
    ) -> tuple[BinRecords[BinDeposit], int]:
        """Put the amounts into the bins from ``lower`` up; mint shares (Q64.64 value)."""
        bins, step, shares_of = self._bins, self._bin_step, position.shares
        fresh = not shares_of  # a new position holds nothing anywhere: no sums to add to
        minted = []
        total_shares = 0
        bin_ids = range(lower, lower + len(base))
        for bin_id, x, y in zip(bin_ids, base, quote, strict=True):
            if x == 0 and y == 0:
                minted.append(0)
                continue
            bin_ = bins.get(bin_id)
            if bin_ is None:
                bin_ = bins[bin_id] = Bin(bin_id, bin_price_q64(bin_id, step))
                insort(self._liquid_ids, bin_id)
            price = bin_.price
            liquidity_in = price * x + (y << 64)
            liquidity_bin = price * bin_.x + (bin_.y << 64)
            supply = bin_.supply
            if supply == 0 or liquidity_bin == 0:
                shares = liquidity_in
            else:
                shares = liquidity_in * supply // liquidity_bin
            bin_.x += x
            bin_.y += y
            if shares:
                bin_.supply = supply + shares
                if fresh:
                    bin_.holders[position] = shares_of[bin_id] = shares
                else:
                    holders = bin_.holders
                    holders[position] = holders.get(position, 0) + shares
                    shares_of[bin_id] = shares_of.get(bin_id, 0) + shares
                total_shares += shares
            minted.append(shares)
        return BinRecords(BinDeposit, bin_ids, base, quote, minted), total_shares

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
        position = self._position(position_id)
        exact = fraction_of(fraction)
        self._settle()
        held = sorted(position.shares.items())
        numerator, denominator = exact.numerator, exact.denominator
        burns = (
            held
            if exact == 1
            else [(bin_id, shares * numerator // denominator) for bin_id, shares in held]
        )
        withdrawals, total_x, total_y, total_shares = self._withdraw(position, burns)
        return WithdrawResult(
            position_id=position_id,
            base_amount=total_x,
            quote_amount=total_y,
            liquidity=total_shares,
            bins=withdrawals,
        )

    def _withdraw(
        self, position: Position, burns: list[tuple[int, int]]
    ) -> tuple[BinRecords[BinWithdrawal], int, int, int]:
        """Burn shares per bin, paying ``floor(burned * reserve / supply)`` of each token;
        return the records and the totals (base, quote, shares)."""
        bins, shares_of = self._bins, position.shares
        paid_x, paid_y = [], []
        for bin_id, burned in burns:
            if burned == 0:
                paid_x.append(0)
                paid_y.append(0)
                continue
            bin_ = bins[bin_id]
            supply = bin_.supply
            x = bin_.x * burned // supply
            y = bin_.y * burned // supply
            bin_.x -= x
            bin_.y -= y
            bin_.supply = supply - burned
            remaining = shares_of[bin_id] - burned
            if remaining:
                shares_of[bin_id] = remaining
                bin_.holders[position] = remaining
            else:
                del shares_of[bin_id]
                del bin_.holders[position]
            if supply == burned:
                # The last holder took everything: supply 0 implies empty reserves.
                del bins[bin_id]
                del self._liquid_ids[bisect_left(self._liquid_ids, bin_id)]
            paid_x.append(x)
            paid_y.append(y)
        bin_ids = [bin_id for bin_id, _ in burns]
        burned_shares = [burned for _, burned in burns]
        records = BinRecords(BinWithdrawal, bin_ids, paid_x, paid_y, burned_shares, burned_shares)
        return records, sum(paid_x), sum(paid_y), sum(burned_shares)

    def claimable_fees(self, position_id: str) -> FeeAmounts:
        """Return the fees the position can claim now."""
        position = self._position(position_id)
        self._settle()
        return FeeAmounts(base_amount=position.fee_x, quote_amount=position.fee_y)

    def claim_fees(self, position_id: str) -> FeeAmounts:
        """Pay out and reset the position's fees."""
        position = self._position(position_id)
        self._settle()
        fees = FeeAmounts(base_amount=position.fee_x, quote_amount=position.fee_y)
        position.fee_x = position.fee_y = 0
        return fees

    def close_position(self, position_id: str) -> ClosedPosition:
        """Withdraw all liquidity, claim all fees and forget the position."""
        withdrawn = self.remove_liquidity(position_id, 1)
        fees = self.claim_fees(position_id)
        del self._positions[position_id]
        self._closed.add(position_id)
        return ClosedPosition(position_id=position_id, withdrawn=withdrawn, fees=fees)

    def position_amounts(self, position_id: str) -> PositionAmounts:
        """Return what the position holds now (amounts a full withdrawal would pay, fees)."""
        position = self._position(position_id)
        self._settle()
        x = y = liquidity = 0
        for bin_id, shares in position.shares.items():
            bin_ = self._bins[bin_id]
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
            in_range=position.lower <= self._active <= position.upper,
        )

    # -- swaps ---------------------------------------------------------------------------

    def quote(
        self,
        token_in: str,
        amount: int,
        *,
        exact_out: bool = False,
        timestamp: int | None = None,
    ) -> SwapResult:
        """Return what :meth:`swap` would do, without changing the pool.

        A quote that runs out of liquidity is returned with ``complete=False``.
        """
        plan = _dlmm_swap.plan_swap(self, token_in, amount, exact_out, timestamp)
        return plan.result

    def swap(
        self,
        token_in: str,
        amount: int,
        *,
        exact_out: bool = False,
        min_amount_out: int | None = None,
        max_amount_in: int | None = None,
        timestamp: int | None = None,
        allow_partial: bool = False,
    ) -> SwapResult:
        """Swap against the pool.

        Args:
            token_in: Mint paid in (the base or quote mint).
            amount: Raw units of ``token_in`` to pay (exact in), or of the other token to
                receive (``exact_out=True``).
            exact_out: Treat ``amount`` as the output wanted.
            min_amount_out: Fail with :class:`SlippageExceededError` if the output would be lower.
            max_amount_in: Fail with :class:`SlippageExceededError` if the input would be higher.
            timestamp: Unix seconds of the swap (drives the volatility fee); defaults to the
                last timestamp.
            allow_partial: Fill what the liquidity allows instead of raising
                :class:`InsufficientLiquidityError`.

        Returns:
            The fill, fees included in ``amount_in``.
        """
        plan = _dlmm_swap.plan_swap(self, token_in, amount, exact_out, timestamp)
        _dlmm_swap.check_limits(plan.result, min_amount_out, max_amount_in, allow_partial)
        _dlmm_swap.apply_plan(self, plan)
        return plan.result

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
        return _dlmm_swap.move_to_bin(self, target_bin_id, volume, timestamp)

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
        :mod:`paper.pools._dlmm_bars`. Replaying bars in one call or split over several calls
        leaves the pool in exactly the same state.
        """
        return _dlmm_bars.replay_bars(self, target_bin_ids, volumes, timestamps)

    def _settle(self) -> None:
        if self._pending_fees:
            _dlmm_bars.settle_fees(self)

    # -- persistence ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the full pool state as plain JSON-safe data (big integers as strings)."""
        self._settle()
        return _persistence.dlmm_to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DlmmPool:
        """Rebuild a pool from :meth:`to_dict` output."""
        return _persistence.dlmm_from_dict(data)
