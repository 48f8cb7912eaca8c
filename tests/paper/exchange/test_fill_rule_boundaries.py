"""Each rule of the fill rule (engine module docstring) exactly at its boundary and one step past
it. Quote: bid 99, ask 101, last 100; tick 0.01, step 0.01, min amount 0.1, min notional 5."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lpexec.paper.exchange import Liquidity, OrderSide, OrderStatus, OrderType

from .conftest import PAIR, PERP, make_exchange, make_perp_exchange

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL
MARKET, LIMIT, LIMIT_MAKER = OrderType.MARKET, OrderType.LIMIT, OrderType.LIMIT_MAKER


# -- MARKET: up to the cap, the rest canceled -------------------------------------------------


def test_market_order_of_exactly_the_cap_fills_whole():
    order = make_exchange(fill_cap=D(3)).place("m", PAIR, BUY, MARKET, D(3))
    assert order.status is OrderStatus.FILLED and order.reason is None


def test_market_order_one_step_above_the_cap_is_canceled_with_the_step_left():
    order = make_exchange(fill_cap=D(3)).place("m", PAIR, BUY, MARKET, D("3.01"))
    assert order.status is OrderStatus.CANCELED and order.filled_amount == 3
    assert "unfilled amount 0.01" in (order.reason or "")


# -- LIMIT crossing on arrival: buy ask <= price, sell bid >= price ---------------------------


@pytest.mark.parametrize(("side", "price", "touch"), [(BUY, "101", 101), (SELL, "99", 99)])
def test_limit_exactly_at_the_touch_crosses_and_takes(side, price, touch):
    exchange = make_exchange()
    order = exchange.place("l", PAIR, side, LIMIT, D(1), D(price))
    assert order.status is OrderStatus.FILLED and order.average_price == touch
    assert [f.liquidity for f in exchange.fills_since(0)] == [Liquidity.TAKER]


@pytest.mark.parametrize(("side", "price"), [(BUY, "100.99"), (SELL, "99.01")])
def test_limit_one_tick_inside_the_touch_rests(side, price):
    exchange = make_exchange()
    order = exchange.place("l", PAIR, side, LIMIT, D(1), D(price))
    assert order.status is OrderStatus.OPEN and exchange.fills_since(0) == []


def test_crossing_limit_takes_at_the_touch_not_its_price_as_taker():
    exchange = make_exchange()
    exchange.place("l", PAIR, SELL, LIMIT, D(1), D(50))
    (fill,) = exchange.fills_since(0)
    assert (fill.price, fill.liquidity) == (99, Liquidity.TAKER)


# -- resting: fills at its own price once the opposite touch reaches it -----------------------


def test_resting_sell_fills_when_the_bid_equals_its_price():
    exchange = make_exchange()
    exchange.place("s", PAIR, SELL, LIMIT, D(1), D(110))
    assert exchange.step(PAIR, bid=D("109.99"), ask=D(111), last=D(110)) == []
    (fill,) = exchange.step(PAIR, bid=D(110), ask=D(111), last=D(110))
    assert (fill.price, fill.liquidity) == (110, Liquidity.MAKER)


def test_resting_buy_fills_at_its_own_price_even_when_the_ask_is_lower():
    exchange = make_exchange()
    exchange.place("b", PAIR, BUY, LIMIT, D(1), D(95))
    (fill,) = exchange.step(PAIR, bid=D(80), ask=D(81), last=D(80))
    assert fill.price == 95


def test_resting_orders_exactly_use_up_the_cap_and_the_next_waits():
    exchange = make_exchange(fill_cap=D(2))
    exchange.place("a", PAIR, BUY, LIMIT, D(2), D(95))
    exchange.place("b", PAIR, BUY, LIMIT, D(1), D(95))
    fills = exchange.step(PAIR, bid=D(94), ask=D(95), last=D(95))
    assert [(f.client_order_id, f.amount) for f in fills] == [("a", 2)]
    assert exchange.order("b").status is OrderStatus.OPEN


# -- LIMIT_MAKER: rejected when it would cross --------------------------------------------------


@pytest.mark.parametrize(("side", "price"), [(BUY, "100.99"), (SELL, "99.01")])
def test_limit_maker_one_tick_inside_the_touch_rests(side, price):
    order = make_exchange().place("lm", PAIR, side, LIMIT_MAKER, D(1), D(price))
    assert order.status is OrderStatus.OPEN


# -- flooring and minimums ---------------------------------------------------------------------


def test_exactly_the_minimum_amount_is_accepted():
    order = make_exchange().place("l", PAIR, BUY, LIMIT, D("0.1"), D(60))
    assert order.status is OrderStatus.OPEN


def test_exactly_the_minimum_notional_is_accepted_and_a_tick_less_is_not():
    assert make_exchange().place("a", PAIR, BUY, LIMIT, D("0.5"), D(10)).is_open
    order = make_exchange().place("b", PAIR, BUY, LIMIT, D("0.5"), D("9.99"))
    assert order.status is OrderStatus.REJECTED and "minimum notional" in (order.reason or "")


def test_market_minimum_notional_uses_the_touch_inclusive():
    # 0.1 x bid 50 = 5: exactly the minimum, accepted
    exchange = make_exchange(quote=("50", "51", "50.5"))
    assert exchange.place("a", PAIR, SELL, MARKET, D("0.1")).status is OrderStatus.FILLED
    # 0.1 x bid 49.99 = 4.999: refused, although 0.1 x last 50.5 would pass
    exchange = make_exchange(quote=("49.99", "51", "50.5"))
    order = exchange.place("b", PAIR, SELL, MARKET, D("0.1"))
    assert order.status is OrderStatus.REJECTED and "notional 4.999" in (order.reason or "")


def test_a_price_floored_to_zero_is_rejected():
    order = make_exchange().place("l", PAIR, BUY, LIMIT, D(1), D("0.009"))
    assert order.status is OrderStatus.REJECTED and "not positive" in (order.reason or "")


def test_exactly_the_available_balance_funds_an_order():
    # 1 x 100 x (1 + max(0.001, 0.002)) = 100.2
    exchange = make_exchange(balances={"USDC": D("100.2")})
    assert exchange.place("l", PAIR, BUY, LIMIT, D(1), D(100)).status is OrderStatus.OPEN
    assert exchange.balances()["USDC"].available == 0


# -- perpetual: what a cut fill does not use is left for the step ------------------------------


def test_capacity_a_reduce_only_fill_did_not_use_is_left_for_the_next_order():
    exchange = make_perp_exchange(fill_cap=D(3))
    exchange.place("o", PERP, SELL, MARKET, D(1))  # uses 1 of the sell side
    exchange.place("c", PERP, BUY, MARKET, D(2), position_action="CLOSE")  # the short is 1
    assert exchange.order("c").filled_amount == 1
    assert exchange.place("n", PERP, BUY, MARKET, D(2)).status is OrderStatus.FILLED
