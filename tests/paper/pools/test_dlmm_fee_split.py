"""A bin's LP fee split among its holders: floors, then the leftover by largest remainder."""

from __future__ import annotations

import random

import pytest

from lpexec.paper.pools.dlmm_state import DlmmBin, DlmmPosition, credit_fee


def _expected(fee: int, shares: list[int]) -> list[int]:
    """The rule as documented, written out plainly."""
    supply = sum(shares)
    parts = [fee * s // supply for s in shares]
    remainders = [fee * s % supply for s in shares]
    # leftover units to the largest remainders, ties to the earliest opened (lower seq = index)
    order = sorted(range(len(shares)), key=lambda i: (-remainders[i], i))
    for index in order[: fee - sum(parts)]:
        parts[index] += 1
    return parts


def _split(fee: int, shares: list[int], *, is_x: bool) -> list[int]:
    bin_ = DlmmBin(0, 2**64)
    positions = [DlmmPosition(f"p{i}", 0, 0, seq=i) for i in range(len(shares))]
    # holders in an order unrelated to their opening order
    for position, value in sorted(zip(positions, shares, strict=True), key=lambda p: -p[1]):
        bin_.holders[position] = value
    bin_.supply = sum(shares)
    credit_fee(bin_, fee, is_x)
    return [p.fee_x if is_x else p.fee_y for p in positions]


@pytest.mark.parametrize("holders", [1, 2, 3, 5])
def test_each_holder_gets_its_floor_and_the_leftover_goes_by_remainder(holders):
    rng = random.Random(holders)
    for _ in range(300):
        shares = [
            rng.choice([1, 3, rng.randrange(1, 10**6), rng.randrange(1, 2**90)])
            for _ in range(holders)
        ]
        fee = rng.choice([0, 1, 2, 7, rng.randrange(10**9)])
        is_x = rng.random() < 0.5
        assert _split(fee, shares, is_x=is_x) == _expected(fee, shares)


def test_a_tie_goes_to_the_earliest_opened_position():
    assert _split(1, [5, 5], is_x=False) == [1, 0]
    assert _split(3, [1, 1], is_x=True) == [2, 1]
