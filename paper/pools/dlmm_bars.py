"""The bar market of a DLMM pool: the outside market replaying price bars over a DlmmState.

Backtests move a pool through hundreds of thousands of bars, so the market is modelled per bar
instead of per swap, in a way that is *associative*: replaying bars ``[a, c)`` in one call leaves
the pool exactly (to the raw unit) as replaying ``[a, b)`` then ``[b, c)``. That lets a backtest
skip calling the executors for bars that cannot change their decisions and still get the same
numbers as delivering every bar.

The model, per bar (target bin ``t``, quote volume ``v``, time ``ts``):

* **Move.** The active bin becomes ``t``. Bins the price passed through are converted at their
  own price, with no fee (the directional flow is part of the bar's volume): a bin left below
  the active bin holds only quote, one above only base. The pair of amounts a pure bin holds on
  each side is fixed the first time it flips and reused, so flipping back and forth never drifts.
  The active bin keeps the side it was entered from; a mixed active bin (after a deposit or a
  swap that stopped inside it) is converted on its first departure.
* **Fees.** The bar's volume trades in the bin it ends in, paying ``base + variable`` fee in
  quote; the variable part follows the pool's volatility accumulator bar by bar, as swaps do.
  The protocol keeps its share; the LP part is owed to the bin's positions and split among them
  (exactly, pro rata to shares) when a position is next touched or read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lpexec.lp.math.dlmm_fees import FEE_PRECISION, total_fee_rate, variable_fee_rate
from lpexec.paper.pools import dlmm_bars_vector
from lpexec.paper.pools.dlmm_state import DlmmBin, DlmmState, credit_fee
from lpexec.paper.pools.results import MoveResult

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["replay_bars", "settle_fees"]

_BPS = 10_000
_X, _Y = 1, -1  # sides: base only (above the active bin), quote only (below it)


def settle_fees(state: DlmmState) -> None:
    """Split the LP fees the bar market left owed to bins among their positions."""
    pending = state.pending_fees
    if not pending:
        return
    bins = state.bins
    for bin_id, fee in pending.items():
        bin_ = bins.get(bin_id)
        if bin_ is not None and fee:
            credit_fee(bin_, fee, False)
    pending.clear()


def replay_bars(
    state: DlmmState,
    targets: Sequence[int],
    volumes: Sequence[int],
    timestamps: Sequence[int],
) -> MoveResult:
    """Replay bars on ``state`` (see the module docstring); return the market's flows."""
    start = state.active
    fee_total, protocol_total, first_move, last_move = _advance(state, targets, volumes, timestamps)
    active = state.active
    base_in = base_out = quote_in = quote_out = 0
    if first_move:
        bins = state.bins
        low, high = min(start, active), max(start, active)
        for bin_id in range(low, high + 1):
            bin_ = bins.get(bin_id)
            if bin_ is None:
                continue
            x0, y0 = bin_.x, bin_.y
            if bin_id == start:
                _to_side(bin_, first_move)
            if bin_id == active:
                end_side = last_move
            else:
                end_side = _X if bin_id > active else _Y
            _to_side(bin_, end_side)
            dx, dy = bin_.x - x0, bin_.y - y0
            if dx > 0:
                base_in += dx
            else:
                base_out -= dx
            if dy > 0:
                quote_in += dy
            else:
                quote_out -= dy
    return MoveResult(
        swaps=(),
        base_in=base_in,
        base_out=base_out,
        quote_in=quote_in + fee_total,
        quote_out=quote_out,
        base_fee=0,
        quote_fee=fee_total,
        bins_crossed=abs(active - start),
        new_active_bin=active,
        reached_target=True,
        protocol_fee=protocol_total,
    )


def _advance(
    state: DlmmState,
    targets: Sequence[int],
    volumes: Sequence[int],
    timestamps: Sequence[int],
) -> tuple[int, int, int, int]:
    """Charge each bar's volume in its bin and advance the active bin and the volatility state,
    bar by bar. Returns the fees, the protocol's part, and the directions (``_X`` down, ``_Y``
    up, 0 none) of the first and the last move."""
    if len(targets) >= dlmm_bars_vector.MIN_BARS:
        vectorized = dlmm_bars_vector.advance(state, targets, volumes, timestamps)
        if vectorized is not None:
            return vectorized
    params = state.params
    filter_period, decay_period = params.filter_period, params.decay_period
    reduction, max_volatility = params.reduction_factor, params.max_volatility_accumulator
    control, share = params.variable_fee_control, params.protocol_share
    base_rate, bin_step, bins = state.base_rate, state.bin_step, state.bins
    pending = state.pending_fees
    last = state.last_timestamp
    index_ref, volatility_ref = state.index_reference, state.volatility_reference
    accumulator = state.volatility_accumulator
    active = state.active
    fee_total = protocol_total = first_move = last_move = 0
    for target, volume, now in zip(targets, volumes, timestamps, strict=True):
        elapsed = now - last
        if elapsed >= filter_period:
            index_ref = active
            volatility_ref = accumulator * reduction // _BPS if elapsed < decay_period else 0
        if now > last:
            last = now
        accumulator = volatility_ref + abs(index_ref - target) * _BPS
        if accumulator > max_volatility:
            accumulator = max_volatility
        if target != active:
            last_move = _X if target < active else _Y
            if not first_move:
                first_move = last_move
            active = target
        if volume and target in bins:
            rate = total_fee_rate(base_rate, variable_fee_rate(control, accumulator, bin_step))
            fee = -(-(volume * rate) // FEE_PRECISION)
            protocol = fee * share // _BPS
            pending[target] = pending.get(target, 0) + fee - protocol
            fee_total += fee
            protocol_total += protocol
    state.active = active
    state.last_timestamp = last
    state.index_reference, state.volatility_reference = index_ref, volatility_ref
    state.volatility_accumulator = accumulator
    state.protocol_y += protocol_total
    return fee_total, protocol_total, first_move, last_move


def _to_side(bin_: DlmmBin, side: int) -> None:
    """Convert ``bin_`` to hold only base (``_X``) or only quote (``_Y``), at its price."""
    x, y = bin_.x, bin_.y
    if (side == _X and y == 0) or (side == _Y and x == 0):
        return
    pair = bin_.pair
    if pair is not None and ((x == pair[0] and y == 0) or (y == pair[1] and x == 0)):
        bin_.x, bin_.y = (pair[0], 0) if side == _X else (0, pair[1])
        return
    price = bin_.price
    if side == _X:
        bin_.x, bin_.y = x - ((-y << 64) // price), 0
    else:
        bin_.x, bin_.y = 0, y - ((-x * price) >> 64)
    # A pure bin keeps both amounts from now on, so flipping back restores it exactly.
    bin_.pair = (bin_.x, y) if side == _X and x == 0 else (x, bin_.y) if y == 0 else None
