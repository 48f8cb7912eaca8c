"""The DLMM swap walk: plan (pure, used by quotes), apply, and price moves (private).

The walk starts in the active bin. In each bin with output reserve it recomputes the
volatility accumulator and the fee rate, takes the input (fee on top, rounded up), pays the
output (rounded down) and moves on to the next bin holding the output token when the bin is
drained. Nothing changes until :func:`apply_plan` runs, so quotes and slippage checks never
leave the pool half-updated.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from lpexec.lp.math.dlmm import BIN_ID_MAX, BIN_ID_MIN
from lpexec.lp.math.dlmm_fees import (
    FEE_PRECISION,
    MAX_FEE_RATE,
    VARIABLE_FEE_SCALE,
    volatility_references,
)
from lpexec.paper.pools._dlmm_state import Bin, check_amount, credit_fee
from lpexec.paper.pools.errors import (
    InsufficientLiquidityError,
    InvalidPoolRequestError,
    SlippageExceededError,
)
from lpexec.paper.pools.results import MoveResult, SwapResult

if TYPE_CHECKING:
    from lpexec.paper.pools.dlmm import DlmmPool

_BPS = 10_000

_ROUND_TRIPS = 4

Step = tuple[Bin, int, int, int, int]
"""(bin, net input, output, LP fee, protocol fee) for one bin."""


class SwapPlan:
    """A computed swap: per-bin steps, the result and the volatility state to store."""

    __slots__ = (
        "index_reference",
        "result",
        "steps",
        "timestamp",
        "volatility",
        "volatility_reference",
        "x_for_y",
    )

    def __init__(
        self,
        result: SwapResult,
        steps: list[Step],
        x_for_y: bool,
        timestamp: int,
        references: tuple[int, int, int],
    ) -> None:
        self.result = result
        self.steps = steps
        self.x_for_y = x_for_y
        self.timestamp = timestamp
        self.index_reference, self.volatility_reference, self.volatility = references


def _direction(pool: DlmmPool, token_in: str) -> bool:
    if token_in == pool._base_mint:
        return True
    if token_in == pool._quote_mint:
        return False
    raise InvalidPoolRequestError(
        f"Expected token_in to be {pool._base_mint!r} or {pool._quote_mint!r} for pool "
        f"{pool._address}, received token_in={token_in!r}",
    )


def next_bin(pool: DlmmPool, active: int, down: bool) -> int | None:
    """Return the nearest bin past ``active`` holding the output token, or None."""
    bins = pool._bins
    ids = pool._liquid_ids
    if down:
        neighbour = bins.get(active - 1)
        if neighbour is not None and neighbour.y > 0:
            return active - 1
        index = bisect_left(ids, active) - 1
        while index >= 0:
            if bins[ids[index]].y > 0:
                return ids[index]
            index -= 1
        return None
    neighbour = bins.get(active + 1)
    if neighbour is not None and neighbour.x > 0:
        return active + 1
    index = bisect_right(ids, active)
    while index < len(ids):
        if bins[ids[index]].x > 0:
            return ids[index]
        index += 1
    return None


def plan_swap(
    pool: DlmmPool,
    token_in: str,
    amount: int,
    exact_out: bool,
    timestamp: int | None,
) -> SwapPlan:
    """Validate a swap request and compute its plan without changing the pool."""
    x_for_y = _direction(pool, token_in)
    if type(amount) is not int or amount <= 0:
        check_amount(amount, "amount", allow_zero=False)
    now = pool._last_timestamp if timestamp is None else timestamp
    return walk(pool, x_for_y, amount, exact_out, now, None)


def walk(  # noqa: C901 - the hot loop is kept in one function on purpose
    pool: DlmmPool,
    x_for_y: bool,
    amount: int | None,
    exact_out: bool,
    now: int,
    stop_bin: int | None,
) -> SwapPlan:
    """Compute a swap. ``amount=None`` means "until ``stop_bin`` becomes the active bin"."""
    params = pool._params
    index_reference, volatility_reference = volatility_references(
        elapsed_seconds=max(now - pool._last_timestamp, 0),
        active_bin_id=pool._active,
        index_reference=pool._index_reference,
        volatility_accumulator=pool._volatility_accumulator,
        volatility_reference=pool._volatility_reference,
        filter_period=params.filter_period,
        decay_period=params.decay_period,
        reduction_factor=params.reduction_factor,
    )
    base_rate = pool._base_rate
    control = params.variable_fee_control
    max_volatility = params.max_volatility_accumulator
    share = params.protocol_share
    bin_step = pool._bin_step
    bins = pool._bins
    unlimited = amount is None
    remaining = 1 << 255 if amount is None else amount
    active = pool._active
    steps: list[Step] = []
    total_in = total_out = total_fee = total_protocol = 0
    complete = True
    while True:
        bin_ = bins.get(active)
        if bin_ is not None:
            reserve_out = bin_.y if x_for_y else bin_.x
            if reserve_out > 0:
                volatility = volatility_reference + abs(index_reference - active) * _BPS
                if volatility > max_volatility:
                    volatility = max_volatility
                rate = base_rate
                if control and volatility:
                    product = volatility * bin_step
                    rate += -(-(control * product * product) // VARIABLE_FEE_SCALE)
                    if rate > MAX_FEE_RATE:
                        rate = MAX_FEE_RATE
                price = bin_.price
                if exact_out:
                    out = remaining if remaining < reserve_out else reserve_out
                    net = -((-out << 64) // price) if x_for_y else -((-out * price) >> 64)
                    fee = -(-(net * rate) // (FEE_PRECISION - rate))
                    remaining -= out
                else:
                    max_net = (
                        -((-reserve_out << 64) // price)
                        if x_for_y
                        else -((-reserve_out * price) >> 64)
                    )
                    max_fee = -(-(max_net * rate) // (FEE_PRECISION - rate))
                    if remaining >= max_net + max_fee:
                        net, fee, out = max_net, max_fee, reserve_out
                    else:
                        fee = -(-(remaining * rate) // FEE_PRECISION)
                        net = remaining - fee
                        out = (net * price) >> 64 if x_for_y else (net << 64) // price
                        if out > reserve_out:
                            out = reserve_out
                    remaining -= net + fee
                protocol = fee * share // _BPS
                steps.append((bin_, net, out, fee - protocol, protocol))
                total_in += net + fee
                total_out += out
                total_fee += fee
                total_protocol += protocol
                if remaining == 0:
                    break
        following = next_bin(pool, active, x_for_y)
        if stop_bin is not None and (
            following is None or (following <= stop_bin if x_for_y else following >= stop_bin)
        ):
            active = stop_bin
            complete = unlimited
            break
        if following is None:
            complete = False
            break
        active = following
    volatility = volatility_reference + abs(index_reference - active) * _BPS
    result = SwapResult(
        pool_address=pool._address,
        token_in=pool._base_mint if x_for_y else pool._quote_mint,
        token_out=pool._quote_mint if x_for_y else pool._base_mint,
        amount_in=total_in,
        amount_out=total_out,
        fee_total=total_fee,
        lp_fee=total_fee - total_protocol,
        protocol_fee=total_protocol,
        bins_crossed=abs(active - pool._active),
        new_active_bin=active,
        complete=complete,
    )
    references = (
        index_reference,
        volatility_reference,
        volatility if volatility < max_volatility else max_volatility,
    )
    return SwapPlan(result, steps, x_for_y, now, references)


def check_limits(
    result: SwapResult,
    min_amount_out: int | None,
    max_amount_in: int | None,
    allow_partial: bool,
) -> None:
    """Raise when a computed swap breaks the caller's limits (nothing was applied yet)."""
    if not result.complete and not allow_partial:
        raise InsufficientLiquidityError(
            f"Expected pool {result.pool_address} to fill the swap, but its liquidity ran out "
            f"after amount_in={result.amount_in} amount_out={result.amount_out}",
        )
    if min_amount_out is not None and result.amount_out < min_amount_out:
        raise SlippageExceededError(
            f"Expected amount_out >= min_amount_out={min_amount_out}, "
            f"received amount_out={result.amount_out}",
        )
    if max_amount_in is not None and result.amount_in > max_amount_in:
        raise SlippageExceededError(
            f"Expected amount_in <= max_amount_in={max_amount_in}, "
            f"received amount_in={result.amount_in}",
        )


def apply_plan(pool: DlmmPool, plan: SwapPlan) -> None:
    """Carry out a computed swap: reserves, fees per bin, protocol fees, volatility state."""
    if plan.x_for_y:
        for bin_, net, out, lp_fee, protocol in plan.steps:
            bin_.x += net
            bin_.y -= out
            if lp_fee:
                credit_fee(bin_, lp_fee, True)
            pool._protocol_x += protocol
    else:
        for bin_, net, out, lp_fee, protocol in plan.steps:
            bin_.y += net
            bin_.x -= out
            if lp_fee:
                credit_fee(bin_, lp_fee, False)
            pool._protocol_y += protocol
    pool._active = plan.result.new_active_bin
    pool._index_reference = plan.index_reference
    pool._volatility_reference = plan.volatility_reference
    pool._volatility_accumulator = plan.volatility
    if plan.timestamp > pool._last_timestamp:
        pool._last_timestamp = plan.timestamp


def _leg(pool: DlmmPool, x_for_y: bool, amount: int, exact_out: bool, now: int) -> SwapResult:
    plan = walk(pool, x_for_y, amount, exact_out, now, pool._active)
    apply_plan(pool, plan)
    return plan.result


def _round_trip(pool: DlmmPool, budget: int, now: int) -> list[SwapResult]:
    """Trade about ``budget`` quote units out and back inside the active bin."""
    bin_ = pool._bins.get(pool._active)
    if bin_ is None:
        return []
    half = budget // 2
    if bin_.y > 0:
        wanted = min(half, bin_.y)
        if wanted == 0:
            return []
        sold = _leg(pool, True, wanted, True, now)
        if sold.amount_out == 0:
            return [sold]
        return [sold, _leg(pool, False, sold.amount_out, False, now)]
    if bin_.x > 0:
        wanted = min((half << 64) // bin_.price, bin_.x)
        if wanted == 0:
            return []
        bought = _leg(pool, False, wanted, True, now)
        if bought.amount_out == 0:
            return [bought]
        return [bought, _leg(pool, True, bought.amount_out, False, now)]
    return []


def _quote_volume(pool: DlmmPool, result: SwapResult) -> int:
    return result.amount_out if result.token_in == pool._base_mint else result.amount_in


def move_to_bin(pool: DlmmPool, target: int, volume: int, timestamp: int | None) -> MoveResult:
    """Swap the pool to ``target`` and trade the rest of ``volume`` as round trips."""
    if not BIN_ID_MIN <= target <= BIN_ID_MAX:
        raise InvalidPoolRequestError(
            f"Expected {BIN_ID_MIN} <= target_bin_id <= {BIN_ID_MAX}, received {target}",
        )
    check_amount(volume, "volume")
    now = pool._last_timestamp if timestamp is None else timestamp
    swaps: list[SwapResult] = []
    start = pool._active
    if target != start:
        plan = walk(pool, target < start, None, False, now, target)
        apply_plan(pool, plan)
        if plan.result.amount_in:
            swaps.append(plan.result)
    left = volume - sum(_quote_volume(pool, s) for s in swaps)
    for _ in range(_ROUND_TRIPS):
        if left < 2:
            break
        legs = _round_trip(pool, left, now)
        done = sum(_quote_volume(pool, s) for s in legs)
        swaps.extend(legs)
        left -= done
        if done == 0:
            break
    return summarize_move(pool._base_mint, swaps, start, pool._active, reached=True)


def summarize_move(
    base_mint: str,
    swaps: list[SwapResult],
    start: int,
    end: int,
    *,
    reached: bool,
) -> MoveResult:
    """Aggregate the swaps of a move into market flows (shared with the CLMM pool)."""
    base_in = base_out = quote_in = quote_out = base_fee = quote_fee = 0
    for swap in swaps:
        if swap.token_in == base_mint:
            base_in += swap.amount_in
            quote_out += swap.amount_out
            base_fee += swap.fee_total
        else:
            quote_in += swap.amount_in
            base_out += swap.amount_out
            quote_fee += swap.fee_total
    return MoveResult(
        swaps=tuple(swaps),
        base_in=base_in,
        base_out=base_out,
        quote_in=quote_in,
        quote_out=quote_out,
        base_fee=base_fee,
        quote_fee=quote_fee,
        bins_crossed=abs(end - start),
        new_active_bin=end,
        reached_target=reached,
    )
