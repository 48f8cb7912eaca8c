"""Quote comparison, the slippage bound, the slippage that keeps a provider at the bound, age."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.events import T0, at
from fixtures.swap_builders import quote
from lpexec.swap import (
    best_quote,
    is_stale,
    matches_amount,
    meets_limit,
    rank_quotes,
    slippage_for_limit,
    swap_limit,
)


def test_sell_prefers_the_most_quote_received():
    quotes = [
        quote("jupiter/router", "359.1"),
        quote("meteora/clmm", "360.4"),
        quote("raydium/clmm", "358"),
    ]

    ranked = rank_quotes("SELL", quotes)

    assert [q.provider for q in ranked] == ["meteora/clmm", "jupiter/router", "raydium/clmm"]
    assert best_quote("SELL", quotes).provider == "meteora/clmm"


def test_buy_prefers_the_least_quote_paid():
    quotes = [
        quote("jupiter/router", "361.2", side="BUY"),
        quote("meteora/clmm", "362", side="BUY"),
        quote("raydium/clmm", "360.9", side="BUY"),
    ]

    assert best_quote("BUY", quotes).provider == "raydium/clmm"


def test_ties_go_to_the_provider_listed_first_and_no_quote_is_none():
    quotes = [quote("jupiter/router", "360"), quote("meteora/clmm", "360")]

    assert best_quote("SELL", quotes).provider == "jupiter/router"
    assert best_quote("BUY", list(reversed(quotes))).provider == "meteora/clmm"
    assert best_quote("SELL", []) is None


def test_limit_from_slippage_is_a_minimum_received_or_a_maximum_paid():
    sell, buy = quote("jupiter/router", "360"), quote("jupiter/router", "360", side="BUY")

    assert swap_limit(sell, Decimal("0.01")) == Decimal("356.40")
    assert swap_limit(buy, Decimal("0.01")) == Decimal("363.60")
    assert meets_limit(quote("m/clmm", "356.40"), Decimal("356.40"))
    assert not meets_limit(quote("m/clmm", "356.39"), Decimal("356.40"))
    assert meets_limit(quote("m/clmm", "363.6", side="BUY"), Decimal("363.60"))
    assert not meets_limit(quote("m/clmm", "363.61", side="BUY"), Decimal("363.60"))
    with pytest.raises(ValueError, match="slippage=1"):
        swap_limit(sell, Decimal(1))


def test_slippage_for_a_newer_quote_keeps_the_providers_bound_at_the_limit():
    limit = Decimal("356.40")

    assert slippage_for_limit(quote("j/router", "360"), limit) == Decimal("0.01")
    assert slippage_for_limit(quote("j/router", "358"), limit) == Decimal("0.004469")
    assert slippage_for_limit(quote("j/router", "356"), limit) == 0
    assert slippage_for_limit(quote("j/router", "361", side="BUY"), Decimal("363.6")) == (
        Decimal("0.007202")
    )


@settings(max_examples=200, derandomize=True)
@given(
    amount=st.decimals(min_value="0.000001", max_value="10000000", places=6),
    slippage=st.decimals(min_value="0", max_value="0.5", places=4),
    moved=st.decimals(min_value="0.5", max_value="1.5", places=4),
    side=st.sampled_from(["SELL", "BUY"]),
)
def test_slippage_for_limit_never_loosens_the_bound(amount, slippage, moved, side):
    chosen = quote("j/router", str(amount), side=side)
    limit = swap_limit(chosen, slippage)
    newer = quote("j/router", str(amount * moved), side=side)

    found = slippage_for_limit(newer, limit)

    assert 0 <= found <= 1
    if side == "SELL":
        assert newer.quote_amount * (1 - found) >= limit or found == 0
    else:
        assert newer.quote_amount * (1 + found) <= limit or found == 0
    if meets_limit(newer, limit) and newer.quote_amount == chosen.quote_amount:
        assert found == slippage


def test_a_quote_is_stale_only_past_its_age():
    fresh = quote("j/router", "360", quoted_at=T0)

    assert not is_stale(fresh, now=at(10), max_age_seconds=10)
    assert is_stale(fresh, now=at(10.001), max_age_seconds=10)
    assert is_stale(fresh, now=at(0.5), max_age_seconds=0)


def test_only_quotes_for_the_requested_amount_are_comparable():
    assert matches_amount(quote("j/router", "360", base_amount="2"), Decimal(2))
    assert matches_amount(quote("j/router", "360", base_amount="2.000001"), Decimal(2))
    assert not matches_amount(quote("j/router", "180", base_amount="1"), Decimal(2))
