"""A simulated concentrated-liquidity pool (Uniswap v3 shape; Orca, Raydium) in raw units.

Prices are Q64.64 square roots as on Solana CLMMs. The pool holds no wallet: callers (the paper
chain) move tokens and use the returned amounts. Its state is a
:class:`~paper.pools.clmm_state.ClmmState`; the swap planner over it is
:mod:`paper.pools.clmm_swap`.
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
)
from lpexec.paper.pools.clmm_state import (
    ClmmPosition,
    ClmmState,
    fee_growth_inside,
    update_tick,
)
from lpexec.paper.pools.clmm_swap import ClmmSwapPlan, apply_clmm_swap, plan_clmm_swap
from lpexec.paper.pools.errors import InvalidPoolRequestError
from lpexec.paper.pools.pool_base import PoolBase
from lpexec.paper.pools.pool_state import PoolIdentity
from lpexec.paper.pools.results import (
    DepositResult,
    FeeAmounts,
    MoveResult,
    PositionAmounts,
    PositionOpened,
    SwapResult,
    WithdrawResult,
    summarize_move,
)
from lpexec.paper.pools.state_dicts import clmm_state_from_dict, clmm_state_to_dict
from lpexec.paper.pools.validation import check_amount, fraction_of

__all__ = ["ClmmPool"]

_ROUND_TRIPS = 4


class ClmmPool(PoolBase[ClmmState, ClmmSwapPlan]):
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

    __slots__ = ()

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
        self._state = ClmmState(
            PoolIdentity(address, base_mint, quote_mint, base_decimals, quote_decimals),
            tick_spacing=tick_spacing,
            sqrt_price_x64=sqrt_price_x64,
            fee_rate=fee_rate,
            protocol_fee_share=protocol_fee_share,
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
    def tick_spacing(self) -> int:
        """Tick spacing."""
        return self._state.tick_spacing

    @property
    def fee_rate(self) -> int:
        """Swap fee in millionths of the input."""
        return self._state.fee_rate

    @property
    def protocol_fee_share(self) -> int:
        """Basis points of each fee kept by the protocol."""
        return self._state.protocol_share

    @property
    def tick_current(self) -> int:
        """The current tick: the greatest tick whose sqrt price is <= the pool's."""
        return self._state.tick

    @property
    def sqrt_price_x64(self) -> int:
        """Current ``sqrt(raw price) * 2**64``."""
        return self._state.sqrt_price

    @property
    def liquidity(self) -> int:
        """Active liquidity L at the current price."""
        return self._state.liquidity

    @property
    def price(self) -> Decimal:
        """Current human price (quote per base)."""
        return price_from_sqrt_price_x64(
            self._state.sqrt_price,
            self._state.base_decimals,
            self._state.quote_decimals,
        )

    # -- balances and ticks --------------------------------------------------------------

    def vault_balances(self) -> tuple[int, int]:
        """Return the raw (base, quote) the pool's vaults hold (liquidity, fees, protocol)."""
        return self._state.balance0, self._state.balance1

    def protocol_fees(self) -> FeeAmounts:
        """Return protocol fees accrued and not yet collected."""
        return FeeAmounts(base_amount=self._state.protocol0, quote_amount=self._state.protocol1)

    def collect_protocol_fees(self) -> FeeAmounts:
        """Return and reset the accrued protocol fees (they leave the vaults)."""
        fees = self.protocol_fees()
        self._state.balance0 -= self._state.protocol0
        self._state.balance1 -= self._state.protocol1
        self._state.protocol0 = self._state.protocol1 = 0
        return fees

    def initialized_ticks(self) -> list[tuple[int, int]]:
        """Return ``(tick, liquidity_net)`` for every initialized tick, in tick order."""
        return [(t, self._state.ticks[t].liquidity_net) for t in self._state.tick_ids]

    # -- positions -----------------------------------------------------------------------

    def _check_new_position(self, position_id: str, lower_tick: int, upper_tick: int) -> None:
        self._state.check_new_position_id(position_id)
        if not MIN_TICK <= lower_tick < upper_tick <= MAX_TICK:
            raise InvalidPoolRequestError(
                f"Expected {MIN_TICK} <= lower_tick < upper_tick <= {MAX_TICK}, received "
                f"lower_tick={lower_tick} upper_tick={upper_tick}",
            )
        spacing = self._state.tick_spacing
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
        self._state.positions[position_id] = ClmmPosition(position_id, lower_tick, upper_tick)
        return PositionOpened(
            position_id=position_id,
            lower=lower_tick,
            upper=upper_tick,
            width=upper_tick - lower_tick,
            bin_arrays_initialized=(),
        )

    def _poke(self, position: ClmmPosition) -> None:
        # Credit fees earned since the last checkpoint (floor: dust stays in the pool).
        inside0, inside1 = fee_growth_inside(self._state, position.lower, position.upper)
        if position.liquidity:
            position.owed0 += (position.liquidity * (inside0 - position.inside0_last)) >> 64
            position.owed1 += (position.liquidity * (inside1 - position.inside1_last)) >> 64
        position.inside0_last = inside0
        position.inside1_last = inside1

    def _modify(self, position: ClmmPosition, delta: int) -> tuple[int, int]:
        """Add (delta > 0) or remove liquidity; return amounts owed in (up) or paid out (down)."""
        lower, upper = position.lower, position.upper
        if delta > 0:
            update_tick(self._state, lower, delta, upper=False)
            update_tick(self._state, upper, delta, upper=True)
            self._poke(position)
        else:
            self._poke(position)
        position.liquidity += delta
        if delta < 0:
            update_tick(self._state, lower, delta, upper=False)
            update_tick(self._state, upper, delta, upper=True)
        if lower <= self._state.tick < upper:
            self._state.liquidity += delta
        amount0, amount1 = amounts_for_liquidity(
            self._state.sqrt_price,
            sqrt_price_x64_at_tick(lower),
            sqrt_price_x64_at_tick(upper),
            abs(delta),
            round_up=delta > 0,
        )
        sign = 1 if delta > 0 else -1
        self._state.balance0 += sign * amount0
        self._state.balance1 += sign * amount1
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
        position = self._state.positions.get(position_id)
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
            self._state.sqrt_price,
            sqrt_lower,
            sqrt_upper,
            base_amount,
            quote_amount,
        )
        while liquidity > 0:
            need0, need1 = amounts_for_liquidity(
                self._state.sqrt_price,
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
                f"[{lower_tick}, {upper_tick}) at tick {self._state.tick}, received "
                f"base_amount={base_amount} quote_amount={quote_amount}",
            )
        if position is None:
            self.open_position(position_id, lower_tick, upper_tick)
            position = self._state.positions[position_id]
        amount0, amount1 = self._modify(position, liquidity)
        return DepositResult(
            position_id=position_id,
            base_amount=amount0,
            quote_amount=amount1,
            liquidity=liquidity,
        )

    def add_liquidity_amount(self, position_id: str, liquidity: int) -> DepositResult:
        """Add exactly ``liquidity`` to an open position; return the amounts owed (rounded up)."""
        position = self._state.position(position_id)
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
        position = self._state.position(position_id)
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
        position = self._state.position(position_id)
        owed0, owed1 = position.owed0, position.owed1
        if position.liquidity:
            inside0, inside1 = fee_growth_inside(self._state, position.lower, position.upper)
            owed0 += (position.liquidity * (inside0 - position.inside0_last)) >> 64
            owed1 += (position.liquidity * (inside1 - position.inside1_last)) >> 64
        return FeeAmounts(base_amount=owed0, quote_amount=owed1)

    def claim_fees(self, position_id: str) -> FeeAmounts:
        """Pay out and reset the position's fees."""
        position = self._state.position(position_id)
        if position.liquidity:
            self._poke(position)
        fees = FeeAmounts(base_amount=position.owed0, quote_amount=position.owed1)
        self._state.balance0 -= position.owed0
        self._state.balance1 -= position.owed1
        position.owed0 = position.owed1 = 0
        return fees

    def position_amounts(self, position_id: str) -> PositionAmounts:
        """Return what the position holds now (amounts a full withdrawal would pay, fees)."""
        position = self._state.position(position_id)
        amount0, amount1 = amounts_for_liquidity(
            self._state.sqrt_price,
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
            in_range=position.lower <= self._state.tick < position.upper,
        )

    # -- swaps ---------------------------------------------------------------------------

    def _plan_swap(
        self,
        token_in: str,
        amount: int,
        exact_out: bool,
        timestamp: int | None,  # noqa: ARG002 - CLMM fees do not depend on time
    ) -> ClmmSwapPlan:
        zero_for_one = self._state.sells_base(token_in)
        check_amount(amount, "amount", allow_zero=False)
        return plan_clmm_swap(self._state, zero_for_one, amount, exact_out, None)

    def _apply_swap(self, plan: ClmmSwapPlan, timestamp: int | None) -> None:
        apply_clmm_swap(self._state, plan)
        self._state.advance_clock(timestamp)

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
                self._state.base_decimals,
                self._state.quote_decimals,
            )
        except ValueError as error:
            raise InvalidPoolRequestError(str(error)) from error
        target = min(max(target, MIN_SQRT_PRICE_X64), MAX_SQRT_PRICE_X64)
        return self._move(target, volume, timestamp)

    def _move(self, target: int, volume: int, timestamp: int | None) -> MoveResult:
        check_amount(volume, "volume")
        start = self._state.tick
        swaps: list[SwapResult] = []
        if target != self._state.sqrt_price:
            plan = plan_clmm_swap(self._state, target < self._state.sqrt_price, None, False, target)
            apply_clmm_swap(self._state, plan)
            if plan.result.amount_in:
                swaps.append(plan.result)
        left = volume - sum(self._quote_volume(s) for s in swaps)
        for _ in range(_ROUND_TRIPS):
            if left < 2 or self._state.liquidity == 0:
                break
            legs = self._round_trip(left // 2)
            done = sum(self._quote_volume(s) for s in legs)
            swaps.extend(legs)
            left -= done
            if done == 0:
                break
        self._state.advance_clock(timestamp)
        return summarize_move(self._state.base_mint, swaps, start, self._state.tick, reached=True)

    def _quote_volume(self, result: SwapResult) -> int:
        return result.amount_out if result.token_in == self._state.base_mint else result.amount_in

    def _round_trip(self, quote_amount: int) -> list[SwapResult]:
        first = plan_clmm_swap(self._state, False, quote_amount, False, None)
        if not first.result.complete or first.result.amount_out == 0:
            return []
        apply_clmm_swap(self._state, first)
        back = plan_clmm_swap(self._state, True, first.result.amount_out, False, None)
        apply_clmm_swap(self._state, back)
        return [first.result, back.result]

    # -- persistence ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the full pool state as plain JSON-safe data (big integers as strings)."""
        return clmm_state_to_dict(self._state)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClmmPool:
        """Rebuild a pool from :meth:`to_dict` output."""
        return cls.from_state(clmm_state_from_dict(data))
