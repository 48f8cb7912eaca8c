"""The DLMM swap planner: plan a swap over a :class:`DlmmState` (pure, used by quotes), apply
the plan, and move the price.

The walk starts in the active bin. In each bin with output reserve it recomputes the
volatility accumulator and the fee rate, takes the input (fee on top, rounded up), pays the
output (rounded down) and moves on to the next bin holding the output token when the bin is
drained. Nothing changes until :func:`apply_swap` runs, so quotes and slippage checks never
leave the pool half-updated.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from lpexec.lp.math.dlmm import BIN_ID_MAX, BIN_ID_MIN
from lpexec.lp.math.dlmm_fees import (
    FEE_PRECISION,
    MAX_FEE_RATE,
    VARIABLE_FEE_SCALE,
    volatility_references,
)
from lpexec.paper.pools.dlmm_state import DlmmBin, DlmmState, credit_fee
from lpexec.paper.pools.errors import InvalidPoolRequestError
from lpexec.paper.pools.results import MoveResult, SwapResult, summarize_move
from lpexec.paper.pools.validation import check_amount

__all__ = ["DlmmSwapPlan", "apply_swap", "move_to_bin", "next_bin", "plan_swap", "walk"]

_BPS = 10_000

_ROUND_TRIPS = 4

Step = tuple[DlmmBin, int, int, int, int]
"""(bin, net input, output, LP fee, protocol fee) for one bin."""


class DlmmSwapPlan:
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


def next_bin(state: DlmmState, active: int, down: bool) -> int | None:
    """Return the nearest bin past ``active`` holding the output token, or None."""
    bins = state.bins
    ids = state.liquid_ids
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
    state: DlmmState,
    token_in: str,
    amount: int,
    exact_out: bool,
    timestamp: int | None,
) -> DlmmSwapPlan:
    """Validate a swap request and compute its plan without changing the pool."""
    x_for_y = state.sells_base(token_in)
    if type(amount) is not int or amount <= 0:
        check_amount(amount, "amount", allow_zero=False)
    now = state.last_timestamp if timestamp is None else timestamp
    return walk(state, x_for_y, amount, exact_out, now, None)


def walk(  # noqa: C901 - the hot loop is kept in one function on purpose
    state: DlmmState,
    x_for_y: bool,
    amount: int | None,
    exact_out: bool,
    now: int,
    stop_bin: int | None,
) -> DlmmSwapPlan:
    """Compute a swap. ``amount=None`` means "until ``stop_bin`` becomes the active bin"."""
    params = state.params
    index_reference, volatility_reference = volatility_references(
        elapsed_seconds=max(now - state.last_timestamp, 0),
        active_bin_id=state.active,
        index_reference=state.index_reference,
        volatility_accumulator=state.volatility_accumulator,
        volatility_reference=state.volatility_reference,
        filter_period=params.filter_period,
        decay_period=params.decay_period,
        reduction_factor=params.reduction_factor,
    )
    base_rate = state.base_rate
    control = params.variable_fee_control
    max_volatility = params.max_volatility_accumulator
    share = params.protocol_share
    bin_step = state.bin_step
    bins = state.bins
    unlimited = amount is None
    remaining = 1 << 255 if amount is None else amount
    active = state.active
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
        following = next_bin(state, active, x_for_y)
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
    result = state.swap_result(
        x_for_y,
        total_in,
        total_out,
        total_fee,
        total_protocol,
        abs(active - state.active),
        active,
        complete,
    )
    references = (
        index_reference,
        volatility_reference,
        volatility if volatility < max_volatility else max_volatility,
    )
    return DlmmSwapPlan(result, steps, x_for_y, now, references)


def apply_swap(state: DlmmState, plan: DlmmSwapPlan) -> None:
    """Carry out a computed swap: reserves, fees per bin, protocol fees, volatility state."""
    if plan.x_for_y:
        for bin_, net, out, lp_fee, protocol in plan.steps:
            bin_.x += net
            bin_.y -= out
            if lp_fee:
                credit_fee(bin_, lp_fee, True)
            state.protocol_x += protocol
    else:
        for bin_, net, out, lp_fee, protocol in plan.steps:
            bin_.y += net
            bin_.x -= out
            if lp_fee:
                credit_fee(bin_, lp_fee, False)
            state.protocol_y += protocol
    state.active = plan.result.new_active_bin
    state.index_reference = plan.index_reference
    state.volatility_reference = plan.volatility_reference
    state.volatility_accumulator = plan.volatility
    state.advance_clock(plan.timestamp)


def _leg(state: DlmmState, x_for_y: bool, amount: int, exact_out: bool, now: int) -> SwapResult:
    plan = walk(state, x_for_y, amount, exact_out, now, state.active)
    apply_swap(state, plan)
    return plan.result


def _round_trip(state: DlmmState, budget: int, now: int) -> list[SwapResult]:
    """Trade about ``budget`` quote units out and back inside the active bin."""
    bin_ = state.bins.get(state.active)
    if bin_ is None:
        return []
    half = budget // 2
    if bin_.y > 0:  # sell base for the bin's quote, then buy it back
        sell_base, wanted = True, min(half, bin_.y)
    elif bin_.x > 0:  # buy the bin's base, then sell it back
        sell_base, wanted = False, min((half << 64) // bin_.price, bin_.x)
    else:
        return []
    if wanted == 0:
        return []
    first = _leg(state, sell_base, wanted, True, now)
    if first.amount_out == 0:
        return [first]
    return [first, _leg(state, not sell_base, first.amount_out, False, now)]


def _quote_volume(state: DlmmState, result: SwapResult) -> int:
    return result.amount_out if result.token_in == state.base_mint else result.amount_in


def move_to_bin(state: DlmmState, target: int, volume: int, timestamp: int | None) -> MoveResult:
    """Swap the pool to ``target`` and trade the rest of ``volume`` as round trips."""
    if not BIN_ID_MIN <= target <= BIN_ID_MAX:
        raise InvalidPoolRequestError(
            f"Expected {BIN_ID_MIN} <= target_bin_id <= {BIN_ID_MAX}, received {target}",
        )
    check_amount(volume, "volume")
    now = state.last_timestamp if timestamp is None else timestamp
    swaps: list[SwapResult] = []
    start = state.active
    if target != start:
        plan = walk(state, target < start, None, False, now, target)
        apply_swap(state, plan)
        if plan.result.amount_in:
            swaps.append(plan.result)
    left = volume - sum(_quote_volume(state, s) for s in swaps)
    for _ in range(_ROUND_TRIPS):
        if left < 2:
            break
        legs = _round_trip(state, left, now)
        done = sum(_quote_volume(state, s) for s in legs)
        swaps.extend(legs)
        left -= done
        if done == 0:
            break
    return summarize_move(state.base_mint, swaps, start, state.active, reached=True)
