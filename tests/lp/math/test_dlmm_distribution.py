"""DLMM strategy distributions: exact sums, sides and shapes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lpexec.lp.math.dlmm import bin_price
from lpexec.lp.math.dlmm_distribution import (
    Strategy,
    distribute_liquidity,
    split_proportionally,
    strategy_weights,
)


@given(
    strategy=st.sampled_from(list(Strategy)),
    lower=st.integers(-200, 200),
    width=st.integers(1, 69),
    active_offset=st.integers(-80, 80),
    base_amount=st.integers(0, 10**15),
    quote_amount=st.integers(0, 10**15),
    bin_step=st.sampled_from([1, 10, 100]),
)
@settings(max_examples=300, derandomize=True, deadline=None)
def test_allocations_sum_exactly_and_respect_sides(
    strategy: Strategy,
    lower: int,
    width: int,
    active_offset: int,
    base_amount: int,
    quote_amount: int,
    bin_step: int,
) -> None:
    # Arrange
    upper = lower + width - 1
    active = lower + active_offset
    if active > upper:
        base_amount = 0  # a range below the active bin takes quote only
    if active < lower:
        quote_amount = 0  # a range above the active bin takes base only
    # Act
    allocations = distribute_liquidity(
        strategy,
        lower_bin_id=lower,
        upper_bin_id=upper,
        active_bin_id=active,
        base_amount=base_amount,
        quote_amount=quote_amount,
        bin_step=bin_step,
    )
    # Assert
    assert [a.bin_id for a in allocations] == list(range(lower, upper + 1))
    assert sum(a.base_amount for a in allocations) == base_amount
    assert sum(a.quote_amount for a in allocations) == quote_amount
    for allocation in allocations:
        assert allocation.base_amount >= 0 and allocation.quote_amount >= 0
        if allocation.bin_id < active:
            assert allocation.base_amount == 0
        if allocation.bin_id > active:
            assert allocation.quote_amount == 0


def _spread(strategy: Strategy) -> dict[int, tuple[int, int]]:
    allocations = distribute_liquidity(
        strategy,
        lower_bin_id=-10,
        upper_bin_id=10,
        active_bin_id=0,
        base_amount=10**12,
        quote_amount=10**12,
        bin_step=10,
    )
    return {a.bin_id: (a.base_amount, a.quote_amount) for a in allocations}


def test_active_bin_receives_both_tokens() -> None:
    base, quote = _spread(Strategy.SPOT)[0]
    assert base > 0 and quote > 0


def test_spot_gives_equal_quote_and_equal_value_of_base() -> None:
    spread = _spread(Strategy.SPOT)
    quotes = [spread[b][1] for b in range(-10, 1)]
    assert max(quotes) - min(quotes) <= 1
    values = [spread[b][0] * bin_price(b, 10) for b in range(0, 11)]
    assert max(values) / min(values) < 1 + 1e-9


def test_curve_falls_away_from_the_active_bin() -> None:
    spread = _spread(Strategy.CURVE)
    quotes = [spread[b][1] for b in range(0, -11, -1)]
    assert quotes == sorted(quotes, reverse=True)
    assert quotes[0] > 5 * quotes[-1]
    values = [spread[b][0] * bin_price(b, 10) for b in range(0, 11)]
    assert values == sorted(values, reverse=True)


def test_bid_ask_rises_away_from_the_active_bin() -> None:
    spread = _spread(Strategy.BID_ASK)
    quotes = [spread[b][1] for b in range(0, -11, -1)]
    assert quotes == sorted(quotes)
    assert quotes[-1] > 5 * quotes[0]


def test_curve_weights_are_2000_at_active_and_about_200_at_edges() -> None:
    weights = strategy_weights(Strategy.CURVE, -10, 10, 0)
    assert weights[0] == 2_000
    assert weights[-10] == weights[10] == 200
    mirrored = strategy_weights(Strategy.BID_ASK, -10, 10, 0)
    assert mirrored[0] == 200 and mirrored[10] == 2_000


def test_one_sided_range_centres_on_the_near_edge() -> None:
    weights = strategy_weights(Strategy.CURVE, 5, 15, 0)
    assert weights[5] == 2_000
    assert weights[15] == 200


@pytest.mark.parametrize(
    ("lower", "upper", "base", "quote", "field"),
    [(5, 15, 0, 100, "quote_amount=100"), (-15, -5, 100, 0, "base_amount=100")],
)
def test_token_for_an_uncovered_side_is_rejected(
    lower: int,
    upper: int,
    base: int,
    quote: int,
    field: str,
) -> None:
    with pytest.raises(ValueError, match=field):
        distribute_liquidity(
            Strategy.SPOT,
            lower_bin_id=lower,
            upper_bin_id=upper,
            active_bin_id=0,
            base_amount=base,
            quote_amount=quote,
            bin_step=10,
        )


def test_split_gives_leftover_to_largest_remainders() -> None:
    # 10 over weights 1:1:1 -> 3.33 each; one leftover unit goes to the first by tie order
    shares = split_proportionally(10, {1: 1, 2: 1, 3: 1}, {1: 2, 2: 0, 3: 1})
    assert shares == {1: 3, 2: 4, 3: 3}


def test_split_rejects_negative_totals() -> None:
    with pytest.raises(ValueError, match="total=-1"):
        split_proportionally(-1, {1: 1})


def _split_by_the_rule(total: int, weights: dict[int, int], tie_order: dict[int, int]):
    """Floors, then one leftover unit each by largest remainder, then tie order, then key."""
    weight_sum = sum(weights.values())
    parts = {key: total * w // weight_sum for key, w in weights.items()}
    ranked = sorted(weights, key=lambda k: (-(total * weights[k] % weight_sum), tie_order[k], k))
    for key in ranked[: total - sum(parts.values())]:
        parts[key] += 1
    return parts


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=10**15),
    weights=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=60),
    equal=st.booleans(),
    seed=st.integers(min_value=0, max_value=10**6),
)
def test_split_follows_the_rule_with_equal_or_unequal_weights(total, weights, equal, seed):
    keys = list(range(seed, seed + len(weights)))
    by_key = {key: (1 if equal else w) for key, w in zip(keys, weights, strict=True)}
    tie_order = {key: (key * 7919 + seed) % 11 for key in keys}
    assert split_proportionally(total, by_key, tie_order) == _split_by_the_rule(
        total, by_key, tie_order
    )
