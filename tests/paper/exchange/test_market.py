from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lpexec.paper.exchange import InvalidQuoteError, Market, OrderSide

from .conftest import make_rules


def make_market(fill_cap: Decimal | None = Decimal(5)) -> Market:
    return Market(trading_pair="SOL-USDC", rules=make_rules(), fill_cap=fill_cap)


def test_step_sets_the_quote_and_time():
    market = make_market()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    market.step(Decimal(99), Decimal(101), Decimal(100), now)
    assert market.quote is not None
    assert (market.quote.bid, market.quote.ask, market.quote.last) == (99, 101, 100)
    assert market.quote.ts_event == now
    assert market.touch(OrderSide.BUY) == 101 and market.touch(OrderSide.SELL) == 99


def test_no_touch_before_the_first_step():
    market = make_market()
    assert market.touch(OrderSide.BUY) is None
    assert not market.crosses(OrderSide.BUY, Decimal(10**6))


@pytest.mark.parametrize(
    ("bid", "ask", "last"), [("101", "99", "100"), ("0", "1", "1"), ("1", "2", "-1")]
)
def test_step_refuses_an_unusable_quote(bid, ask, last):
    with pytest.raises(InvalidQuoteError):
        make_market().step(Decimal(bid), Decimal(ask), Decimal(last))


def test_fill_cap_is_per_side_per_step():
    market = make_market()
    market.step(Decimal(99), Decimal(101), Decimal(100))
    assert market.take_capacity(OrderSide.BUY, Decimal(3)) == 3
    assert market.take_capacity(OrderSide.BUY, Decimal(3)) == 2
    assert market.take_capacity(OrderSide.BUY, Decimal(3)) == 0
    assert market.take_capacity(OrderSide.SELL, Decimal(7)) == 5
    market.step(Decimal(99), Decimal(101), Decimal(100))
    assert market.take_capacity(OrderSide.BUY, Decimal(7)) == 5


def test_no_fill_cap_means_unlimited():
    market = make_market(fill_cap=None)
    assert market.take_capacity(OrderSide.SELL, Decimal(10**9)) == 10**9


@pytest.mark.parametrize(
    ("side", "price", "expected"),
    [
        (OrderSide.BUY, "101", True),  # ask <= price, inclusive
        (OrderSide.BUY, "100.99", False),
        (OrderSide.SELL, "99", True),  # bid >= price, inclusive
        (OrderSide.SELL, "99.01", False),
    ],
)
def test_crosses_at_the_opposite_touch_inclusive(side, price, expected):
    market = make_market()
    market.step(Decimal(99), Decimal(101), Decimal(100))
    assert market.crosses(side, Decimal(price)) is expected


@pytest.mark.parametrize("cap", [Decimal(0), Decimal("0.005")])
def test_fill_cap_must_be_positive_and_on_the_step(cap):
    with pytest.raises(ValueError, match="fill_cap"):
        make_market(fill_cap=cap)


def test_trading_pair_must_name_base_and_quote():
    with pytest.raises(ValueError, match="BASE-QUOTE"):
        Market(trading_pair="SOLUSDC", rules=make_rules())
    market = make_market()
    assert (market.base, market.quote_asset) == ("SOL", "USDC")
