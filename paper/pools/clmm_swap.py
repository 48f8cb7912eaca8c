"""The CLMM swap planner: plan a swap over a :class:`ClmmState` (pure, used by quotes) and
apply the plan.

The walk crosses initialized ticks one constant-liquidity step at a time, charging the fee on
the input and growing the fee accumulators by the LP part per unit of liquidity. Nothing
changes until :func:`apply_clmm_swap` runs: it flips the fee growth outside each crossed tick
and stores the new price, tick, liquidity and vault balances.
"""

from __future__ import annotations

from bisect import bisect_right

from lpexec.lp.math.clmm import (
    MAX_SQRT_PRICE_X64,
    MIN_SQRT_PRICE_X64,
    amount0_delta,
    amount1_delta,
    next_sqrt_price_from_input,
    next_sqrt_price_from_output,
    sqrt_price_x64_at_tick,
    tick_at_sqrt_price_x64,
)
from lpexec.paper.pools.clmm_state import FEE_RATE_DENOMINATOR, ClmmState
from lpexec.paper.pools.results import SwapResult

__all__ = ["ClmmSwapPlan", "apply_clmm_swap", "plan_clmm_swap"]

_BPS = 10_000


class ClmmSwapPlan:
    """A computed CLMM swap: the new pool state and the ticks crossed (with fee growth then)."""

    __slots__ = (
        "crossings",
        "fee_growth0",
        "fee_growth1",
        "liquidity",
        "protocol0",
        "protocol1",
        "result",
        "sqrt_price",
        "tick",
        "zero_for_one",
    )

    def __init__(
        self,
        result: SwapResult,
        zero_for_one: bool,
        crossings: list[tuple[int, int, int]],
        sqrt_price: int,
        tick: int,
        liquidity: int,
        fee_growth0: int,
        fee_growth1: int,
    ) -> None:
        # Positional arguments: built once per swap, where keyword calls cost measurably.
        self.result = result
        self.zero_for_one = zero_for_one
        self.crossings = crossings
        """(tick, fee growth 0, fee growth 1) of each tick crossed, with the growth then."""
        self.sqrt_price = sqrt_price
        self.tick = tick
        self.liquidity = liquidity
        self.fee_growth0 = fee_growth0
        self.fee_growth1 = fee_growth1
        # The protocol's part of the fee, in the input token.
        if zero_for_one:
            self.protocol0 = result.protocol_fee
            self.protocol1 = 0
        else:
            self.protocol0 = 0
            self.protocol1 = result.protocol_fee


def _next_initialized(state: ClmmState, tick: int, zero_for_one: bool) -> int | None:
    ticks = state.tick_ids
    if zero_for_one:
        index = bisect_right(ticks, tick) - 1
        return ticks[index] if index >= 0 else None
    index = bisect_right(ticks, tick)
    return ticks[index] if index < len(ticks) else None


def _swap_step(
    sqrt_price: int,
    sqrt_target: int,
    liquidity: int,
    remaining: int,
    exact_out: bool,
    fee_rate: int,
    zero_for_one: bool,
) -> tuple[int, int, int, int]:
    """Return (next sqrt price, amount in, amount out, fee) for one constant-liquidity step."""
    if liquidity == 0:
        return sqrt_target, 0, 0, 0
    if zero_for_one:
        max_in = amount0_delta(sqrt_target, sqrt_price, liquidity, True)
        max_out = amount1_delta(sqrt_target, sqrt_price, liquidity, False)
    else:
        max_in = amount1_delta(sqrt_price, sqrt_target, liquidity, True)
        max_out = amount0_delta(sqrt_price, sqrt_target, liquidity, False)
    if exact_out:
        if remaining >= max_out:
            next_price = sqrt_target
        else:
            next_price = next_sqrt_price_from_output(sqrt_price, liquidity, remaining, zero_for_one)
    else:
        net_remaining = remaining * (FEE_RATE_DENOMINATOR - fee_rate) // FEE_RATE_DENOMINATOR
        if net_remaining >= max_in:
            next_price = sqrt_target
        else:
            next_price = next_sqrt_price_from_input(
                sqrt_price, liquidity, net_remaining, zero_for_one
            )
    reached = next_price == sqrt_target
    if zero_for_one:
        amount_in = max_in if reached else amount0_delta(next_price, sqrt_price, liquidity, True)
        amount_out = max_out if reached else amount1_delta(next_price, sqrt_price, liquidity, False)
    else:
        amount_in = max_in if reached else amount1_delta(sqrt_price, next_price, liquidity, True)
        amount_out = max_out if reached else amount0_delta(sqrt_price, next_price, liquidity, False)
    if exact_out and amount_out > remaining:
        amount_out = remaining
    if not exact_out and not reached:
        fee = remaining - amount_in  # the rest of the input is fee (rounding favours the pool)
    else:
        fee = -(-(amount_in * fee_rate) // (FEE_RATE_DENOMINATOR - fee_rate))
    return next_price, amount_in, amount_out, fee


def plan_clmm_swap(  # noqa: C901 - one loop, kept together for speed
    state: ClmmState,
    zero_for_one: bool,
    amount: int | None,
    exact_out: bool,
    sqrt_price_limit: int | None,
) -> ClmmSwapPlan:
    """Compute a swap without changing the pool (``amount=None``: go to the limit price)."""
    crossings: list[tuple[int, int, int]] = []
    limit = sqrt_price_limit
    if limit is None:
        limit = MIN_SQRT_PRICE_X64 if zero_for_one else MAX_SQRT_PRICE_X64
    unlimited = amount is None
    remaining = 1 << 255 if amount is None else amount
    sqrt_price = state.sqrt_price
    tick = state.tick
    liquidity = state.liquidity
    growth0, growth1 = state.fee_growth0, state.fee_growth1
    fee_rate = state.fee_rate
    share = state.protocol_share
    total_in = total_out = total_fee = total_protocol = crossed = 0
    complete = True
    while remaining > 0 and sqrt_price != limit:
        next_tick = _next_initialized(state, tick, zero_for_one)
        if next_tick is None:
            target = limit
        else:
            tick_price = sqrt_price_x64_at_tick(next_tick)
            target = max(tick_price, limit) if zero_for_one else min(tick_price, limit)
        if zero_for_one and target > sqrt_price or not zero_for_one and target < sqrt_price:
            break
        next_price, amount_in, amount_out, fee = _swap_step(
            sqrt_price, target, liquidity, remaining, exact_out, fee_rate, zero_for_one
        )
        if exact_out:
            remaining -= amount_out
        else:
            remaining -= amount_in + fee
        total_in += amount_in + fee
        total_out += amount_out
        total_fee += fee
        protocol = fee * share // _BPS
        total_protocol += protocol
        if liquidity and fee - protocol:
            if zero_for_one:
                growth0 += ((fee - protocol) << 64) // liquidity
            else:
                growth1 += ((fee - protocol) << 64) // liquidity
        sqrt_price = next_price
        if next_tick is not None and next_price == sqrt_price_x64_at_tick(next_tick):
            net = state.ticks[next_tick].liquidity_net
            crossings.append((next_tick, growth0, growth1))
            crossed += 1
            if zero_for_one:
                liquidity -= net
                tick = next_tick - 1
            else:
                liquidity += net
                tick = next_tick
        else:
            tick = tick_at_sqrt_price_x64(sqrt_price)
    if remaining > 0 and not unlimited:
        complete = False
    result = state.swap_result(
        zero_for_one, total_in, total_out, total_fee, total_protocol, crossed, tick, complete
    )
    return ClmmSwapPlan(
        result, zero_for_one, crossings, sqrt_price, tick, liquidity, growth0, growth1
    )


def apply_clmm_swap(state: ClmmState, plan: ClmmSwapPlan) -> None:
    """Carry out a computed swap: flip fee growth outside at crossed ticks, store the state."""
    for tick_id, growth0, growth1 in plan.crossings:
        tick = state.ticks[tick_id]
        tick.outside0 = growth0 - tick.outside0
        tick.outside1 = growth1 - tick.outside1
    result = plan.result
    state.sqrt_price = plan.sqrt_price
    state.tick = plan.tick
    state.liquidity = plan.liquidity
    state.fee_growth0 = plan.fee_growth0
    state.fee_growth1 = plan.fee_growth1
    state.protocol0 += plan.protocol0
    state.protocol1 += plan.protocol1
    if plan.zero_for_one:
        state.balance0 += result.amount_in
        state.balance1 -= result.amount_out
    else:
        state.balance1 += result.amount_in
        state.balance0 -= result.amount_out
