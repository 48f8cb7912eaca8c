"""A simulated concentrated-liquidity pool (Uniswap v3 shape; Orca, Raydium) in raw units.

Prices are Q64.64 square roots as on Solana CLMMs. The pool holds no wallet: callers (the paper
chain) move tokens and use the returned amounts. The swap walk lives in
:mod:`paper.pools._clmm_state`.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from lpexec.lp.math.clmm import (
    MAX_SQRT_PRICE_X64,
    MAX_TICK,
    MIN_SQRT_PRICE_X64,
    MIN_TICK,
    amounts_for_liquidity,
    liquidity_for_amounts,
    price_from_sqrt_price_x64,
    sqrt_price_x64_at_tick,
    sqrt_price_x64_from_price,
    tick_at_sqrt_price_x64,
)
from lpexec.paper.pools import _persistence
from lpexec.paper.pools._clmm_state import (
    FEE_RATE_DENOMINATOR,
    ClmmPosition,
    Tick,
    apply_clmm_plan,
    fee_growth_inside,
    plan_clmm_swap,
    update_tick,
)
from lpexec.paper.pools._dlmm_state import check_amount, fraction_of
from lpexec.paper.pools._dlmm_swap import check_limits, summarize_move
from lpexec.paper.pools.errors import InvalidPoolRequestError, PositionNotFoundError
from lpexec.paper.pools.results import (
    ClosedPosition,
    DepositResult,
    FeeAmounts,
    MoveResult,
    PositionAmounts,
    PositionOpened,
    SwapResult,
    WithdrawResult,
)

__all__ = ["ClmmPool"]

_ROUND_TRIPS = 4


class ClmmPool:
    """A concentrated-liquidity pool with ticks, fee growth inside/outside and positions.

    A position ``[lower_tick, upper_tick)`` is in range iff ``lower_tick <= tick < upper_tick``.
    Fees are charged on the input (``fee_rate`` in millionths, 3_000 = 0.3 %); the protocol
    keeps ``protocol_fee_share`` basis points of each fee; the rest grows the per-liquidity
    fee accumulators (Q64.64). Amounts owed to the pool round up, amounts paid out round down,
    so the vaults always cover every position (a few raw units of rounding dust stay behind).

    Example:
        >>> pool = ClmmPool.at_price("pool2", base_mint="SOL", quote_mint="USDC",
        ...     base_decimals=9, quote_decimals=6, tick_spacing=64, price=Decimal(150))
        >>> _ = pool.add_liquidity("lp1", -28_160, -20_160, 10**9, 150 * 10**6)
        >>> pool.swap("USDC", 10 * 10**6).amount_out > 0
        True
    """

    __slots__ = (
        "_address",
        "_balance0",
        "_balance1",
        "_base_decimals",
        "_base_mint",
        "_closed",
        "_fee_growth0",
        "_fee_growth1",
        "_fee_rate",
        "_last_timestamp",
        "_liquidity",
        "_positions",
        "_protocol0",
        "_protocol1",
        "_protocol_share",
        "_quote_decimals",
        "_quote_mint",
        "_sqrt_price",
        "_tick",
        "_tick_ids",
        "_tick_spacing",
        "_ticks",
    )

    def __init__(
        self,
        address: str,
        *,
        base_mint: str,
        quote_mint: str,
        base_decimals: int,
        quote_decimals: int,
        tick_spacing: int,
        sqrt_price_x64: int,
        fee_rate: int = 3_000,
        protocol_fee_share: int = 0,
        timestamp: int = 0,
    ) -> None:
        """Create an empty pool.

        Args:
            address: Pool address.
            base_mint: Mint of the base token (token0).
            quote_mint: Mint of the quote token (token1).
            base_decimals: Decimals of the base token.
            quote_decimals: Decimals of the quote token.
            tick_spacing: Position ticks must be multiples of this.
            sqrt_price_x64: Initial ``sqrt(raw price) * 2**64``.
            fee_rate: Swap fee in millionths of the input (3_000 = 0.3 %).
            protocol_fee_share: Basis points of each fee kept by the protocol (0..10_000).
            timestamp: Unix seconds of creation.
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
        self._address = address
        self._base_mint = base_mint
        self._quote_mint = quote_mint
        self._base_decimals = base_decimals
        self._quote_decimals = quote_decimals
        self._tick_spacing = tick_spacing
        self._fee_rate = fee_rate
        self._protocol_share = protocol_fee_share
        self._sqrt_price = sqrt_price_x64
        self._tick = tick_at_sqrt_price_x64(sqrt_price_x64)
        self._liquidity = 0
        self._fee_growth0 = 0
        self._fee_growth1 = 0
        self._protocol0 = 0
        self._protocol1 = 0
        self._balance0 = 0
        self._balance1 = 0
        self._ticks: dict[int, Tick] = {}
        self._tick_ids: list[int] = []
        self._positions: dict[str, ClmmPosition] = {}
        self._closed: set[str] = set()
        self._last_timestamp = timestamp

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
        tick_spacing: int,
        fee_rate: int = 3_000,
        protocol_fee_share: int = 0,
        timestamp: int = 0,
    ) -> ClmmPool:
        """Create an empty pool at a human ``price`` (quote per base)."""
        try:
            sqrt_price = sqrt_price_x64_from_price(Decimal(price), base_decimals, quote_decimals)
        except ValueError as error:
            raise InvalidPoolRequestError(str(error)) from error
        return cls(
            address,
            base_mint=base_mint,
            quote_mint=quote_mint,
            base_decimals=base_decimals,
            quote_decimals=quote_decimals,
            tick_spacing=tick_spacing,
            sqrt_price_x64=sqrt_price,
            fee_rate=fee_rate,
            protocol_fee_share=protocol_fee_share,
            timestamp=timestamp,
        )

    # -- identity and prices -------------------------------------------------------------

    @property
    def address(self) -> str:
        """Pool address."""
        return self._address

    @property
    def base_mint(self) -> str:
        """Mint of the base token (token0)."""
        return self._base_mint

    @property
    def quote_mint(self) -> str:
        """Mint of the quote token (token1)."""
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
    def tick_spacing(self) -> int:
        """Tick spacing."""
        return self._tick_spacing

    @property
    def fee_rate(self) -> int:
        """Swap fee in millionths of the input."""
        return self._fee_rate

    @property
    def protocol_fee_share(self) -> int:
        """Basis points of each fee kept by the protocol."""
        return self._protocol_share

    @property
    def tick_current(self) -> int:
        """The current tick: the greatest tick whose sqrt price is <= the pool's."""
        return self._tick

    @property
    def sqrt_price_x64(self) -> int:
        """Current ``sqrt(raw price) * 2**64``."""
        return self._sqrt_price

    @property
    def liquidity(self) -> int:
        """Active liquidity L at the current price."""
        return self._liquidity

    @property
    def timestamp(self) -> int:
        """Unix seconds of the last swap (or creation)."""
        return self._last_timestamp

    @property
    def price(self) -> Decimal:
        """Current human price (quote per base)."""
        return price_from_sqrt_price_x64(
            self._sqrt_price,
            self._base_decimals,
            self._quote_decimals,
        )

    # -- balances and ticks --------------------------------------------------------------

    def vault_balances(self) -> tuple[int, int]:
        """Return the raw (base, quote) the pool's vaults hold (liquidity, fees, protocol)."""
        return self._balance0, self._balance1

    def protocol_fees(self) -> FeeAmounts:
        """Return protocol fees accrued and not yet collected."""
        return FeeAmounts(base_amount=self._protocol0, quote_amount=self._protocol1)

    def collect_protocol_fees(self) -> FeeAmounts:
        """Return and reset the accrued protocol fees (they leave the vaults)."""
        fees = self.protocol_fees()
        self._balance0 -= self._protocol0
        self._balance1 -= self._protocol1
        self._protocol0 = self._protocol1 = 0
        return fees

    def initialized_ticks(self) -> list[tuple[int, int]]:
        """Return ``(tick, liquidity_net)`` for every initialized tick, in tick order."""
        return [(t, self._ticks[t].liquidity_net) for t in self._tick_ids]

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

    def _position(self, position_id: str) -> ClmmPosition:
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

    def _check_new_position(self, position_id: str, lower_tick: int, upper_tick: int) -> None:
        if not position_id:
            raise InvalidPoolRequestError(
                f"Expected a non-empty position_id, received {position_id!r}"
            )
        if position_id in self._positions or position_id in self._closed:
            raise InvalidPoolRequestError(
                f"Expected a new position_id, received position_id={position_id!r} "
                "which this pool already used",
            )
        if not MIN_TICK <= lower_tick < upper_tick <= MAX_TICK:
            raise InvalidPoolRequestError(
                f"Expected {MIN_TICK} <= lower_tick < upper_tick <= {MAX_TICK}, received "
                f"lower_tick={lower_tick} upper_tick={upper_tick}",
            )
        spacing = self._tick_spacing
        if lower_tick % spacing or upper_tick % spacing:
            raise InvalidPoolRequestError(
                f"Expected ticks that are multiples of tick_spacing={spacing}, received "
                f"lower_tick={lower_tick} upper_tick={upper_tick}",
            )

    def open_position(self, position_id: str, lower_tick: int, upper_tick: int) -> PositionOpened:
        """Open an empty position over ``[lower_tick, upper_tick)``.

        Raises:
            InvalidPoolRequestError: Ticks not multiples of the spacing, out of bounds or not
                ``lower < upper``, or the id is already used.
        """
        self._check_new_position(position_id, lower_tick, upper_tick)
        self._positions[position_id] = ClmmPosition(position_id, lower_tick, upper_tick)
        return PositionOpened(
            position_id=position_id,
            lower=lower_tick,
            upper=upper_tick,
            width=upper_tick - lower_tick,
            bin_arrays_initialized=(),
        )

    def _poke(self, position: ClmmPosition) -> None:
        # Credit fees earned since the last checkpoint (floor: dust stays in the pool).
        inside0, inside1 = fee_growth_inside(self, position.lower, position.upper)
        if position.liquidity:
            position.owed0 += (position.liquidity * (inside0 - position.inside0_last)) >> 64
            position.owed1 += (position.liquidity * (inside1 - position.inside1_last)) >> 64
        position.inside0_last = inside0
        position.inside1_last = inside1

    def _modify(self, position: ClmmPosition, delta: int) -> tuple[int, int]:
        """Add (delta > 0) or remove liquidity; return amounts owed in (up) or paid out (down)."""
        lower, upper = position.lower, position.upper
        if delta > 0:
            update_tick(self, lower, delta, upper=False)
            update_tick(self, upper, delta, upper=True)
            self._poke(position)
        else:
            self._poke(position)
        position.liquidity += delta
        if delta < 0:
            update_tick(self, lower, delta, upper=False)
            update_tick(self, upper, delta, upper=True)
        if lower <= self._tick < upper:
            self._liquidity += delta
        amount0, amount1 = amounts_for_liquidity(
            self._sqrt_price,
            sqrt_price_x64_at_tick(lower),
            sqrt_price_x64_at_tick(upper),
            abs(delta),
            round_up=delta > 0,
        )
        sign = 1 if delta > 0 else -1
        self._balance0 += sign * amount0
        self._balance1 += sign * amount1
        return amount0, amount1

    def add_liquidity(
        self,
        position_id: str,
        lower_tick: int,
        upper_tick: int,
        base_amount: int,
        quote_amount: int,
    ) -> DepositResult:
        """Add the most liquidity that ``base_amount``/``quote_amount`` (maxima) allow.

        Opens the position first when ``position_id`` is new. The returned amounts (rounded up)
        are what the caller must pay; they never exceed the maxima.
        """
        check_amount(base_amount, "base_amount")
        check_amount(quote_amount, "quote_amount")
        position = self._positions.get(position_id)
        if position is not None and (position.lower, position.upper) != (lower_tick, upper_tick):
            raise InvalidPoolRequestError(
                f"Expected the range of position {position_id!r} (lower_tick={position.lower} "
                f"upper_tick={position.upper}), received lower_tick={lower_tick} "
                f"upper_tick={upper_tick}",
            )
        if position is None:
            self._check_new_position(position_id, lower_tick, upper_tick)
        sqrt_lower = sqrt_price_x64_at_tick(lower_tick)
        sqrt_upper = sqrt_price_x64_at_tick(upper_tick)
        liquidity = liquidity_for_amounts(
            self._sqrt_price,
            sqrt_lower,
            sqrt_upper,
            base_amount,
            quote_amount,
        )
        while liquidity > 0:
            need0, need1 = amounts_for_liquidity(
                self._sqrt_price,
                sqrt_lower,
                sqrt_upper,
                liquidity,
                round_up=True,
            )
            if need0 <= base_amount and need1 <= quote_amount:
                break
            liquidity -= max(liquidity >> 40, 1)
        if liquidity <= 0:
            raise InvalidPoolRequestError(
                "Expected amounts that fund some liquidity in range "
                f"[{lower_tick}, {upper_tick}) at tick {self._tick}, received "
                f"base_amount={base_amount} quote_amount={quote_amount}",
            )
        if position is None:
            self.open_position(position_id, lower_tick, upper_tick)
            position = self._positions[position_id]
        amount0, amount1 = self._modify(position, liquidity)
        return DepositResult(
            position_id=position_id,
            base_amount=amount0,
            quote_amount=amount1,
            liquidity=liquidity,
        )

    def add_liquidity_amount(self, position_id: str, liquidity: int) -> DepositResult:
        """Add exactly ``liquidity`` to an open position; return the amounts owed (rounded up)."""
        position = self._position(position_id)
        check_amount(liquidity, "liquidity", allow_zero=False)
        amount0, amount1 = self._modify(position, liquidity)
        return DepositResult(
            position_id=position_id,
            base_amount=amount0,
            quote_amount=amount1,
            liquidity=liquidity,
        )

    def remove_liquidity(self, position_id: str, fraction: Decimal | int = 1) -> WithdrawResult:
        """Burn ``fraction`` (0 < fraction <= 1) of the position's liquidity (amounts round down).

        Fees accrued so far are credited to the position and stay claimable.
        """
        position = self._position(position_id)
        exact: Fraction = fraction_of(fraction)
        burned = position.liquidity * exact.numerator // exact.denominator
        if burned == 0:
            return WithdrawResult(
                position_id=position_id, base_amount=0, quote_amount=0, liquidity=0
            )
        amount0, amount1 = self._modify(position, -burned)
        return WithdrawResult(
            position_id=position_id,
            base_amount=amount0,
            quote_amount=amount1,
            liquidity=burned,
        )

    def claimable_fees(self, position_id: str) -> FeeAmounts:
        """Return the fees the position can claim now (recomputed from fee growth)."""
        position = self._position(position_id)
        owed0, owed1 = position.owed0, position.owed1
        if position.liquidity:
            inside0, inside1 = fee_growth_inside(self, position.lower, position.upper)
            owed0 += (position.liquidity * (inside0 - position.inside0_last)) >> 64
            owed1 += (position.liquidity * (inside1 - position.inside1_last)) >> 64
        return FeeAmounts(base_amount=owed0, quote_amount=owed1)

    def claim_fees(self, position_id: str) -> FeeAmounts:
        """Pay out and reset the position's fees."""
        position = self._position(position_id)
        if position.liquidity:
            self._poke(position)
        fees = FeeAmounts(base_amount=position.owed0, quote_amount=position.owed1)
        self._balance0 -= position.owed0
        self._balance1 -= position.owed1
        position.owed0 = position.owed1 = 0
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
        amount0, amount1 = amounts_for_liquidity(
            self._sqrt_price,
            sqrt_price_x64_at_tick(position.lower),
            sqrt_price_x64_at_tick(position.upper),
            position.liquidity,
        )
        fees = self.claimable_fees(position_id)
        return PositionAmounts(
            position_id=position_id,
            lower=position.lower,
            upper=position.upper,
            base_amount=amount0,
            quote_amount=amount1,
            base_fee=fees.base_amount,
            quote_fee=fees.quote_amount,
            liquidity=position.liquidity,
            in_range=position.lower <= self._tick < position.upper,
        )

    # -- swaps ---------------------------------------------------------------------------

    def _direction(self, token_in: str) -> bool:
        if token_in == self._base_mint:
            return True
        if token_in == self._quote_mint:
            return False
        raise InvalidPoolRequestError(
            f"Expected token_in to be {self._base_mint!r} or {self._quote_mint!r} for pool "
            f"{self._address}, received token_in={token_in!r}",
        )

    def quote(
        self,
        token_in: str,
        amount: int,
        *,
        exact_out: bool = False,
        timestamp: int | None = None,  # noqa: ARG002 - same signature as DlmmPool.quote
    ) -> SwapResult:
        """Return what :meth:`swap` would do, without changing the pool."""
        zero_for_one = self._direction(token_in)
        check_amount(amount, "amount", allow_zero=False)
        result = plan_clmm_swap(self, zero_for_one, amount, exact_out, None).result
        assert result is not None
        return result

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
        """Swap against the pool (same arguments as :meth:`DlmmPool.swap`)."""
        zero_for_one = self._direction(token_in)
        check_amount(amount, "amount", allow_zero=False)
        plan = plan_clmm_swap(self, zero_for_one, amount, exact_out, None)
        assert plan.result is not None
        check_limits(plan.result, min_amount_out, max_amount_in, allow_partial)
        apply_clmm_plan(self, plan)
        if timestamp is not None and timestamp > self._last_timestamp:
            self._last_timestamp = timestamp
        return plan.result

    def move_to_tick(
        self,
        target_tick: int,
        volume: int = 0,
        *,
        timestamp: int | None = None,
    ) -> MoveResult:
        """Swap until the price reaches ``target_tick``'s price, then trade round trips.

        ``volume`` is in quote raw units; what the directional move does not use is traded as
        a round trip (fees, price back where it was).
        """
        if not MIN_TICK <= target_tick <= MAX_TICK:
            raise InvalidPoolRequestError(
                f"Expected {MIN_TICK} <= target_tick <= {MAX_TICK}, received {target_tick}",
            )
        return self._move(sqrt_price_x64_at_tick(target_tick), volume, timestamp)

    def move_to_price(
        self,
        target_price: Decimal,
        volume: int = 0,
        *,
        timestamp: int | None = None,
    ) -> MoveResult:
        """Move the pool to a human price (see :meth:`move_to_tick`)."""
        try:
            target = sqrt_price_x64_from_price(
                Decimal(target_price),
                self._base_decimals,
                self._quote_decimals,
            )
        except ValueError as error:
            raise InvalidPoolRequestError(str(error)) from error
        target = min(max(target, MIN_SQRT_PRICE_X64), MAX_SQRT_PRICE_X64)
        return self._move(target, volume, timestamp)

    def _move(self, target: int, volume: int, timestamp: int | None) -> MoveResult:
        check_amount(volume, "volume")
        start = self._tick
        swaps: list[SwapResult] = []
        if target != self._sqrt_price:
            plan = plan_clmm_swap(self, target < self._sqrt_price, None, False, target)
            apply_clmm_plan(self, plan)
            assert plan.result is not None
            if plan.result.amount_in:
                swaps.append(plan.result)
        left = volume - sum(self._quote_volume(s) for s in swaps)
        for _ in range(_ROUND_TRIPS):
            if left < 2 or self._liquidity == 0:
                break
            legs = self._round_trip(left // 2)
            done = sum(self._quote_volume(s) for s in legs)
            swaps.extend(legs)
            left -= done
            if done == 0:
                break
        if timestamp is not None and timestamp > self._last_timestamp:
            self._last_timestamp = timestamp
        return summarize_move(self._base_mint, swaps, start, self._tick, reached=True)

    def _quote_volume(self, result: SwapResult) -> int:
        return result.amount_out if result.token_in == self._base_mint else result.amount_in

    def _round_trip(self, quote_amount: int) -> list[SwapResult]:
        first = plan_clmm_swap(self, False, quote_amount, False, None)
        assert first.result is not None
        if not first.result.complete or first.result.amount_out == 0:
            return []
        apply_clmm_plan(self, first)
        back = plan_clmm_swap(self, True, first.result.amount_out, False, None)
        assert back.result is not None
        apply_clmm_plan(self, back)
        return [first.result, back.result]

    # -- persistence ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the full pool state as plain JSON-safe data (big integers as strings)."""
        return _persistence.clmm_to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClmmPool:
        """Rebuild a pool from :meth:`to_dict` output."""
        return _persistence.clmm_from_dict(data)
