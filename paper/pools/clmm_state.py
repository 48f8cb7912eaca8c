"""Mutable internals of the CLMM pool: ticks, positions and the swap walk (private)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

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
from lpexec.paper.pools.results import SwapResult

if TYPE_CHECKING:
    from lpexec.paper.pools.clmm import ClmmPool

FEE_RATE_DENOMINATOR = 1_000_000
_BPS = 10_000


class Tick:
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

    def __init__(self) -> None:
        self.crossings: list[tuple[int, int, int]] = []
        self.result: SwapResult | None = None
        self.zero_for_one = True
        self.sqrt_price = 0
        self.tick = 0
        self.liquidity = 0
        self.fee_growth0 = 0
        self.fee_growth1 = 0
        self.protocol0 = 0
        self.protocol1 = 0


def _next_initialized(pool: ClmmPool, tick: int, zero_for_one: bool) -> int | None:
    ticks = pool._tick_ids
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
    pool: ClmmPool,
    zero_for_one: bool,
    amount: int | None,
    exact_out: bool,
    sqrt_price_limit: int | None,
) -> ClmmSwapPlan:
    """Compute a swap without changing the pool (``amount=None``: go to the limit price)."""
    plan = ClmmSwapPlan()
    plan.zero_for_one = zero_for_one
    limit = sqrt_price_limit
    if limit is None:
        limit = MIN_SQRT_PRICE_X64 if zero_for_one else MAX_SQRT_PRICE_X64
    unlimited = amount is None
    remaining = 1 << 255 if amount is None else amount
    sqrt_price = pool._sqrt_price
    tick = pool._tick
    liquidity = pool._liquidity
    growth0, growth1 = pool._fee_growth0, pool._fee_growth1
    fee_rate = pool._fee_rate
    share = pool._protocol_share
    total_in = total_out = total_fee = total_protocol = crossed = 0
    complete = True
    while remaining > 0 and sqrt_price != limit:
        next_tick = _next_initialized(pool, tick, zero_for_one)
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
            net = pool._ticks[next_tick].liquidity_net
            plan.crossings.append((next_tick, growth0, growth1))
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
    plan.sqrt_price = sqrt_price
    plan.tick = tick
    plan.liquidity = liquidity
    plan.fee_growth0, plan.fee_growth1 = growth0, growth1
    if zero_for_one:
        plan.protocol0 = total_protocol
    else:
        plan.protocol1 = total_protocol
    plan.result = SwapResult(
        pool_address=pool._address,
        token_in=pool._base_mint if zero_for_one else pool._quote_mint,
        token_out=pool._quote_mint if zero_for_one else pool._base_mint,
        amount_in=total_in,
        amount_out=total_out,
        fee_total=total_fee,
        lp_fee=total_fee - total_protocol,
        protocol_fee=total_protocol,
        bins_crossed=crossed,
        new_active_bin=tick,
        complete=complete,
    )
    return plan


def apply_clmm_plan(pool: ClmmPool, plan: ClmmSwapPlan) -> None:
    """Carry out a computed swap: flip fee growth outside at crossed ticks, store the state."""
    for tick_id, growth0, growth1 in plan.crossings:
        tick = pool._ticks[tick_id]
        tick.outside0 = growth0 - tick.outside0
        tick.outside1 = growth1 - tick.outside1
    result = plan.result
    assert result is not None
    pool._sqrt_price = plan.sqrt_price
    pool._tick = plan.tick
    pool._liquidity = plan.liquidity
    pool._fee_growth0 = plan.fee_growth0
    pool._fee_growth1 = plan.fee_growth1
    pool._protocol0 += plan.protocol0
    pool._protocol1 += plan.protocol1
    if plan.zero_for_one:
        pool._balance0 += result.amount_in
        pool._balance1 -= result.amount_out
    else:
        pool._balance1 += result.amount_in
        pool._balance0 -= result.amount_out


def fee_growth_inside(pool: ClmmPool, lower: int, upper: int) -> tuple[int, int]:
    """Return fee growth inside ``[lower, upper)`` per unit of liquidity (Q64.64, both tokens)."""
    lower_tick = pool._ticks[lower]
    upper_tick = pool._ticks[upper]
    g0, g1 = pool._fee_growth0, pool._fee_growth1
    current = pool._tick
    if current >= lower:
        below0, below1 = lower_tick.outside0, lower_tick.outside1
    else:
        below0, below1 = g0 - lower_tick.outside0, g1 - lower_tick.outside1
    if current < upper:
        above0, above1 = upper_tick.outside0, upper_tick.outside1
    else:
        above0, above1 = g0 - upper_tick.outside0, g1 - upper_tick.outside1
    return g0 - below0 - above0, g1 - below1 - above1


def update_tick(pool: ClmmPool, tick_id: int, delta: int, upper: bool) -> None:
    """Add ``delta`` liquidity at a boundary tick, initializing or clearing it as needed."""
    tick = pool._ticks.get(tick_id)
    if tick is None:
        if tick_id <= pool._tick:
            tick = Tick(pool._fee_growth0, pool._fee_growth1)
        else:
            tick = Tick(0, 0)
        pool._ticks[tick_id] = tick
        pool._tick_ids.insert(bisect_left(pool._tick_ids, tick_id), tick_id)
    tick.liquidity_gross += delta
    tick.liquidity_net += -delta if upper else delta
    if tick.liquidity_gross == 0:
        del pool._ticks[tick_id]
        del pool._tick_ids[bisect_left(pool._tick_ids, tick_id)]
