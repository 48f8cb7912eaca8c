"""The bar market's per-bar fee pass over long stretches, in numpy.

Same results to the raw unit as the plain loop in :mod:`paper.pools.dlmm_bars` (tests replay
one long call against bar-by-bar calls). Only the volatility accumulator is a true recurrence;
it runs as a short Python loop, and everything else (references, rates, fees, sums per bin) is
vectorized.

The rates repeat :func:`lp.math.dlmm_fees.variable_fee_rate` and ``total_fee_rate`` on arrays
(the tests hold them to those functions). Integer arrays are int64 and the fees are summed per
bin in float64: when a product could overflow int64 or a sum reach 2**53 (huge volumes or
accumulators), the function returns None before changing anything and the caller uses the
plain loop.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

import numpy as np

from lpexec.lp.math.dlmm_fees import FEE_PRECISION, MAX_FEE_RATE, VARIABLE_FEE_SCALE

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from lpexec.paper.pools.dlmm_state import DlmmState

__all__ = ["MIN_BARS", "advance"]

MIN_BARS = 64
"""Shorter stretches are cheaper in the plain loop."""

_BPS = 10_000
_X, _Y = 1, -1
_INT64_LIMIT = 2**63
_FLOAT_EXACT = 2**53


def advance(
    state: DlmmState,
    targets: Sequence[int],
    volumes: Sequence[int],
    timestamps: Sequence[int],
) -> tuple[int, int, int, int] | None:
    """:func:`paper.pools.dlmm_bars._advance` for many bars, or None (state untouched) when
    int64 could overflow or the inputs are not three columns of equal length."""
    count = len(targets)
    if count == 0 or len(volumes) != count or len(timestamps) != count:
        return None
    try:
        bins = np.asarray(targets, dtype=np.int64)
        sizes = np.asarray(volumes, dtype=np.int64)
        times = np.asarray(timestamps, dtype=np.int64)
    except OverflowError:
        return None
    if int(sizes.min()) < 0:
        return None
    params = state.params
    active = state.active
    # The time of the latest bar before each bar, and whether that bar starts a new filter
    # period (references move) or a decayed one (volatility reference back to 0).
    latest = np.maximum.accumulate(np.concatenate(([state.last_timestamp], times)))
    elapsed = times - latest[:-1]
    resets = elapsed >= params.filter_period
    decayed = elapsed >= params.decay_period
    before = np.concatenate(([active], bins[:-1]))  # the active bin when each bar starts
    if resets.all():  # each bar's reference is the bin the bar starts in
        index_refs = before
    else:
        last_reset = np.where(resets, np.arange(count), -1)
        np.maximum.accumulate(last_reset, out=last_reset)
        index_refs = np.where(
            last_reset >= 0, before[np.maximum(last_reset, 0)], state.index_reference
        )
    distances = (np.abs(index_refs - bins) * _BPS).tolist()

    reference, accumulator, accumulators = _accumulators(state, resets, decayed, distances)
    bar_rates = _rates(state, np.asarray(accumulators, dtype=np.int64))
    if bar_rates is None:
        return None
    largest = int(bar_rates.max()) * int(sizes.max())  # bounds every product; fees are smaller
    if largest >= _INT64_LIMIT or count * (largest // FEE_PRECISION + 1) >= _FLOAT_EXACT:
        return None  # the fees' sums are added in float64 below: exact under 2**53

    fee_total, protocol_total = _charge(state, bins, sizes, bar_rates)
    moves = np.flatnonzero(bins != before)
    first_move = last_move = 0
    if moves.size:
        first, final = int(moves[0]), int(moves[-1])
        first_move = _X if bins[first] < before[first] else _Y
        last_move = _X if bins[final] < before[final] else _Y
    state.active = int(bins[-1])
    state.last_timestamp = int(latest[-1])
    state.index_reference = int(index_refs[-1])
    state.volatility_reference = reference
    state.volatility_accumulator = accumulator
    state.protocol_y += protocol_total
    return fee_total, protocol_total, first_move, last_move


def _accumulators(
    state: DlmmState,
    resets: npt.NDArray[np.bool_],
    decayed: npt.NDArray[np.bool_],
    distances: list[int],
) -> tuple[int, int, list[int]]:
    """The volatility reference and accumulator after the last bar, and the accumulator of
    every bar: a true recurrence, so a plain loop."""
    params = state.params
    reduction, ceiling = params.reduction_factor, params.max_volatility_accumulator
    reference, accumulator = state.volatility_reference, state.volatility_accumulator
    accumulators: list[int] = []
    append = accumulators.append
    for reset, decay, distance in zip(resets.tolist(), decayed.tolist(), distances, strict=True):
        if reset:
            reference = 0 if decay else accumulator * reduction // _BPS
        accumulator = reference + distance
        if accumulator > ceiling:
            accumulator = ceiling
        append(accumulator)
    return reference, accumulator, accumulators


def _charge(
    state: DlmmState,
    bins: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int64],
    rates: npt.NDArray[np.int64],
) -> tuple[int, int]:
    """Charge each bar's fee in its bin when the bin holds liquidity and owe the LP part to
    the bin; return the fees and the protocol's part of them."""
    low = int(bins.min())
    where = bins - low
    span = int(where.max()) + 1
    if span <= 2 * len(bins) + 64:
        keys = np.arange(low, low + span)
        # the pool's sorted liquid bin ids inside [low, low + span)
        ids = state.liquid_ids
        inside = ids[bisect_left(ids, low) : bisect_left(ids, low + span)]
        liquid = np.zeros(span, dtype=bool)
        liquid[np.array(inside, dtype=np.int64) - low] = True
    else:  # bins far apart: only the distinct ones
        keys, where = np.unique(bins, return_inverse=True)
        where = where.reshape(-1)
        span = len(keys)
        state_bins = state.bins
        liquid = np.fromiter((b in state_bins for b in keys.tolist()), dtype=bool, count=span)
    charged = liquid[where] & (sizes != 0)
    fees = np.where(charged, -(-(sizes * rates) // FEE_PRECISION), 0)
    protocol = fees * state.params.protocol_share // _BPS
    fee_total, protocol_total = int(fees.sum()), int(protocol.sum())
    # Sums per bin in float64 are exact: every fee sum is under 2**53 (checked by the caller).
    owed = np.bincount(where, weights=fees - protocol, minlength=span).astype(np.int64)
    owing = np.flatnonzero(owed)
    pending = state.pending_fees
    for bin_id, amount in zip(keys[owing].tolist(), owed[owing].tolist(), strict=True):
        pending[bin_id] = pending.get(bin_id, 0) + amount
    return fee_total, protocol_total


def _rates(state: DlmmState, accumulators: npt.NDArray[np.int64]) -> npt.NDArray[np.int64] | None:
    """Total fee rate per bar, or None when int64 could overflow."""
    control, step = state.params.variable_fee_control, state.bin_step
    if control <= 0:
        variable = np.zeros_like(accumulators)
    else:
        top = int(accumulators.max()) * step
        if int(accumulators.min()) < 0 or control * top * top >= _INT64_LIMIT:
            return None
        product = accumulators * step
        variable = -(-(control * product * product) // VARIABLE_FEE_SCALE)
    return np.minimum(state.base_rate + variable, MAX_FEE_RATE)
