"""The pure perpetual formulas and the market terms' validation (paper/exchange/perpetual.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lpexec.paper.exchange import PerpetualSpec
from lpexec.paper.exchange.perpetual import (
    Position,
    funding_amount,
    funding_times,
    is_liquidatable,
    liquidation_price,
    money_ceiling,
    money_floor,
    unrealized_pnl,
)

D = Decimal
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"max_leverage": 0}, "max_leverage"),
        ({"max_leverage": 2.0}, "max_leverage"),
        ({"maintenance_margin_ratio": D(0)}, "maintenance_margin_ratio"),
        ({"maintenance_margin_ratio": D(1)}, "maintenance_margin_ratio"),
        ({"max_leverage": 20, "maintenance_margin_ratio": D("0.05")}, "< 1"),
        ({"funding_rate": D(1)}, "funding_rate"),
        ({"funding_interval_seconds": 0}, "funding_interval_seconds"),
    ],
)
def test_spec_refuses_terms_that_cannot_work(fields, message):
    with pytest.raises(ValueError, match=message):
        PerpetualSpec(**fields)


def test_spec_accepts_leverage_just_under_the_maintenance_bound():
    assert PerpetualSpec(max_leverage=19, maintenance_margin_ratio=D("0.05")).max_leverage == 19


def test_unrealized_pnl_sign():
    assert unrealized_pnl("LONG", D(2), D(100), D(110)) == 20
    assert unrealized_pnl("SHORT", D(2), D(100), D(110)) == -20


def test_funding_amount_sign_and_rounding():
    assert funding_amount("LONG", D(1), D(100), D("0.0001")) == D("-0.0100")
    assert funding_amount("SHORT", D(1), D(100), D("0.0001")) == D("0.0100")
    # more than 12 places: rounded half-even
    assert funding_amount("SHORT", D("0.01"), D("100.123456789"), D("0.000123")) == D(
        "0.000123151852"
    )


def test_funding_times_are_epoch_multiples_after_then_up_to_until_inclusive():
    hour = 3600
    assert funding_times(T0, T0 + dt.timedelta(minutes=59), hour) == []
    assert funding_times(T0, T0 + dt.timedelta(hours=1), hour) == [T0 + dt.timedelta(hours=1)]
    assert funding_times(T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=1), hour) == []
    assert funding_times(T0 - dt.timedelta(seconds=1), T0, 8 * hour) == [T0]


def test_money_rounding_keeps_exact_values_and_rounds_long_ones():
    assert str(money_floor(D("25"))) == "25"
    assert money_floor(D(1) / 3) == D("0.333333333333")
    assert money_ceiling(D(1) / 3) == D("0.333333333334")


@settings(max_examples=200, deadline=None)
@given(
    side=st.sampled_from(["LONG", "SHORT"]),
    entry=st.integers(min_value=100, max_value=100_000).map(lambda c: D(c) / 100),
    leverage=st.integers(min_value=2, max_value=19),
    amount=st.integers(min_value=1, max_value=10_000).map(lambda c: D(c) / 100),
)
def test_liquidation_price_is_where_equity_meets_the_maintenance_margin(
    side, entry, leverage, amount
):
    # Arrange
    ratio = D("0.05")
    margin = money_floor(amount * entry / leverage)
    position = Position(
        trading_pair="X-Y",
        side=side,
        amount=amount,
        entry_price=entry,
        leverage=leverage,
        margin=margin,
    )
    price = liquidation_price(side, amount, entry, margin, ratio)
    assert price is not None
    # Act / Assert: one cent on the safe side is kept, one cent past is liquidated
    safe, past = (
        (price + D("0.01"), price - D("0.01"))
        if side == "LONG"
        else (
            price - D("0.01"),
            price + D("0.01"),
        )
    )
    assert not is_liquidatable(position, safe, ratio)
    assert is_liquidatable(position, past, ratio)
