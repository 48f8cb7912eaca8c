"""Deposits into and withdrawals from the bins of a :class:`DlmmState` (shares in Q64.64 value).

A deposit mints shares worth ``price * x + y`` (Q64.64) pro rata to the bin's supply; a
withdrawal of ``burned`` shares pays ``floor(burned * reserve / supply)`` of each token. Both
change the state in place and return the per-bin records.
"""

from __future__ import annotations

from bisect import bisect_left, insort

from lpexec.lp.math.dlmm import bin_price_q64
from lpexec.paper.pools.dlmm_state import DlmmBin, DlmmPosition, DlmmState
from lpexec.paper.pools.results import BinDeposit, BinRecords, BinWithdrawal

__all__ = ["deposit", "withdraw"]


def deposit(
    state: DlmmState, position: DlmmPosition, lower: int, base: list[int], quote: list[int]
) -> tuple[BinRecords[BinDeposit], int]:
    """Put the amounts into the bins from ``lower`` up and mint the position's shares; return
    the records and the shares minted in total."""
    bins, step, shares_of = state.bins, state.bin_step, position.shares
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
            bin_ = bins[bin_id] = DlmmBin(bin_id, bin_price_q64(bin_id, step))
            insort(state.liquid_ids, bin_id)
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


def withdraw(
    state: DlmmState, position: DlmmPosition, burns: list[tuple[int, int]]
) -> tuple[BinRecords[BinWithdrawal], int, int, int]:
    """Burn shares per bin, paying ``floor(burned * reserve / supply)`` of each token; return
    the records and the totals (base, quote, shares)."""
    bins, shares_of = state.bins, position.shares
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
            del state.liquid_ids[bisect_left(state.liquid_ids, bin_id)]
        paid_x.append(x)
        paid_y.append(y)
    bin_ids = [bin_id for bin_id, _ in burns]
    burned_shares = [burned for _, burned in burns]
    records = BinRecords(BinWithdrawal, bin_ids, paid_x, paid_y, burned_shares, burned_shares)
    return records, sum(paid_x), sum(paid_y), sum(burned_shares)
