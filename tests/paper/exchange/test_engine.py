"""The fill rule of the paper exchange, one test per rule (quote: bid 99, ask 101, last 100)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lpexec.paper.exchange import (
    Balance,
    DuplicateClientOrderIdError,
    InvalidExchangeRequestError,
    Liquidity,
    MarketNotFoundError,
    OrderNotFoundError,
    OrderNotOpenError,
    OrderSide,
    OrderStatus,
    OrderType,
)

from .conftest import PAIR, make_exchange

BUY, SELL = OrderSide.BUY, OrderSide.SELL
MARKET, LIMIT, LIMIT_MAKER = OrderType.MARKET, OrderType.LIMIT, OrderType.LIMIT_MAKER
D = Decimal


def step(exchange, bid, ask, last=None, now=None):
    return exchange.step(PAIR, bid=D(bid), ask=D(ask), last=D(last or bid), now=now)


# -- market orders ---------------------------------------------------------------------------


def test_market_buy_fills_at_the_ask_as_taker_and_pays_the_taker_fee():
    # Arrange
    exchange = make_exchange()
    # Act
    order = exchange.place("m-1", PAIR, BUY, MARKET, D(2))
    # Assert
    assert order.status is OrderStatus.FILLED
    assert order.average_price == 101 and order.filled_amount == 2
    (fill,) = exchange.fills_since(0)
    assert (fill.price, fill.amount, fill.liquidity) == (101, 2, Liquidity.TAKER)
    assert fill.fee == D("0.404") and fill.fee_asset == "USDC"
    balances = exchange.balances()
    assert balances["SOL"].total == 102
    assert balances["USDC"].total == D(10_000) - D(202) - D("0.404")
    assert balances["USDC"].reserved == 0


def test_market_sell_fills_at_the_bid_and_receives_notional_minus_fee():
    exchange = make_exchange()
    order = exchange.place("m-1", PAIR, SELL, MARKET, D(2))
    assert order.status is OrderStatus.FILLED and order.average_price == 99
    assert exchange.balances()["USDC"].total == D(10_000) + D(198) - D("0.396")
    assert exchange.balances()["SOL"] == Balance(D(98), D(0))


def test_market_order_rest_beyond_the_cap_is_canceled():
    exchange = make_exchange(fill_cap=D(3))
    order = exchange.place("m-1", PAIR, BUY, MARKET, D(5))
    assert order.status is OrderStatus.CANCELED
    assert order.filled_amount == 3
    assert order.reason is not None and "fill cap" in order.reason
    assert exchange.balances()["USDC"].reserved == 0
    assert exchange.open_orders() == []


def test_market_order_with_the_cap_used_up_is_canceled_unfilled():
    exchange = make_exchange(fill_cap=D(3))
    exchange.place("m-1", PAIR, BUY, MARKET, D(3))
    order = exchange.place("m-2", PAIR, BUY, MARKET, D(1))
    assert order.status is OrderStatus.CANCELED and order.filled_amount == 0
    # the other side has its own cap
    assert exchange.place("m-3", PAIR, SELL, MARKET, D(3)).status is OrderStatus.FILLED


def test_market_order_before_the_first_step_is_rejected():
    exchange = make_exchange(quote=None)
    order = exchange.place("m-1", PAIR, BUY, MARKET, D(1))
    assert order.status is OrderStatus.REJECTED and "no quote" in (order.reason or "")


def test_market_order_ignores_a_price():
    exchange = make_exchange()
    assert exchange.place("m-1", PAIR, BUY, MARKET, D(1), D(1)).price is None


# -- limit orders ----------------------------------------------------------------------------


def test_limit_that_crosses_on_arrival_fills_at_the_touch_as_taker_the_rest_rests():
    exchange = make_exchange(fill_cap=D(2))
    order = exchange.place("l-1", PAIR, BUY, LIMIT, D(5), D(105))
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert order.filled_amount == 2 and order.average_price == 101  # the ask, not 105
    assert exchange.fills_since(0)[0].liquidity is Liquidity.TAKER
    assert [o.client_order_id for o in exchange.open_orders(PAIR)] == ["l-1"]


def test_resting_limit_then_fills_at_its_own_price_as_maker():
    exchange = make_exchange(fill_cap=D(2))
    exchange.place("l-1", PAIR, BUY, LIMIT, D(5), D(105))
    fills = step(exchange, "102", "103")
    (fill,) = fills
    assert (fill.price, fill.amount, fill.liquidity) == (105, 2, Liquidity.MAKER)
    assert fill.fee == D("0.210")  # maker fee 0.1 % of 210
    order = exchange.order("l-1")
    assert order.filled_amount == 4
    assert order.average_price == (2 * D(101) + 2 * D(105)) / 4


def test_resting_buy_fills_once_the_ask_reaches_its_price_inclusive():
    exchange = make_exchange()
    exchange.place("l-1", PAIR, BUY, LIMIT, D(1), D(95))
    assert step(exchange, "95", "95.01") == []
    assert exchange.order("l-1").status is OrderStatus.OPEN
    (fill,) = step(exchange, "94", "95")
    assert fill.price == 95 and fill.liquidity is Liquidity.MAKER
    assert exchange.order("l-1").status is OrderStatus.FILLED


def test_resting_sell_fills_once_the_bid_reaches_its_price_inclusive():
    exchange = make_exchange()
    exchange.place("l-1", PAIR, SELL, LIMIT, D(1), D(110))
    assert step(exchange, "109.99", "111") == []
    (fill,) = step(exchange, "120", "121")
    assert fill.price == 110  # its own price even though the bid went past it
    assert exchange.balances()["USDC"].total == D(10_000) + D(110) - D("0.110")


def test_resting_limit_partial_fills_up_to_the_cap_each_step():
    exchange = make_exchange(fill_cap=D("0.5"))
    exchange.place("l-1", PAIR, SELL, LIMIT, D("1.2"), D(100))
    amounts = [sum(f.amount for f in step(exchange, "100", "101")) for _ in range(4)]
    assert amounts == [D("0.5"), D("0.5"), D("0.2"), 0]
    statuses = exchange.order("l-1")
    assert statuses.status is OrderStatus.FILLED


def test_cap_is_shared_by_resting_orders_best_price_then_first_come():
    exchange = make_exchange(fill_cap=D(1))
    exchange.place("a", PAIR, BUY, LIMIT, D(1), D(96))
    exchange.place("b", PAIR, BUY, LIMIT, D(1), D(97))
    exchange.place("c", PAIR, BUY, LIMIT, D(1), D(97))
    assert [f.client_order_id for f in step(exchange, "90", "95")] == ["b"]
    assert [f.client_order_id for f in step(exchange, "90", "95")] == ["c"]
    assert [f.client_order_id for f in step(exchange, "90", "95")] == ["a"]


def test_limit_that_does_not_cross_rests_without_filling():
    exchange = make_exchange()
    order = exchange.place("l-1", PAIR, BUY, LIMIT, D(1), D(100))
    assert order.status is OrderStatus.OPEN and exchange.fills_since(0) == []


def test_limit_without_a_price_is_rejected():
    order = make_exchange().place("l-1", PAIR, BUY, LIMIT, D(1))
    assert order.status is OrderStatus.REJECTED and "price None" in (order.reason or "")


def test_limit_before_the_first_step_rests():
    exchange = make_exchange(quote=None)
    assert exchange.place("l-1", PAIR, BUY, LIMIT, D(1), D(100)).status is OrderStatus.OPEN
    (fill,) = step(exchange, "99", "100")
    assert fill.liquidity is Liquidity.MAKER


# -- limit maker -----------------------------------------------------------------------------


@pytest.mark.parametrize(("side", "price"), [(BUY, "101"), (SELL, "99")])
def test_limit_maker_that_would_cross_is_rejected(side, price):
    exchange = make_exchange()
    order = exchange.place("lm-1", PAIR, side, LIMIT_MAKER, D(1), D(price))
    assert order.status is OrderStatus.REJECTED
    assert "would cross" in (order.reason or "")
    assert exchange.balances()["USDC"].reserved == 0 and exchange.fills_since(0) == []


def test_limit_maker_that_rests_fills_as_maker():
    exchange = make_exchange()
    exchange.place("lm-1", PAIR, BUY, LIMIT_MAKER, D(1), D("100.99"))
    (fill,) = step(exchange, "100", "100.5")
    assert fill.liquidity is Liquidity.MAKER and fill.price == D("100.99")


# -- rounding and minimums -------------------------------------------------------------------


def test_amount_floored_to_the_step_and_price_to_the_tick():
    order = make_exchange().place("l-1", PAIR, BUY, LIMIT, D("1.239"), D("95.678"))
    assert (order.amount, order.price) == (D("1.23"), D("95.67"))


def test_below_min_amount_after_flooring_is_rejected_with_a_reason():
    order = make_exchange().place("l-1", PAIR, BUY, LIMIT, D("0.099"), D(95))
    assert order.status is OrderStatus.REJECTED
    assert order.reason is not None
    assert "amount 0.09" in order.reason and "minimum amount 0.1" in order.reason


def test_below_min_notional_is_rejected_with_a_reason():
    order = make_exchange().place("l-1", PAIR, BUY, LIMIT, D("0.2"), D(20))
    assert "minimum notional 5" in (order.reason or "")


def test_market_min_notional_uses_the_touch():
    order = make_exchange().place("m-1", PAIR, SELL, MARKET, D("0.05"))
    assert order.status is OrderStatus.REJECTED


def test_unsupported_order_type_is_rejected():
    exchange = make_exchange(order_types=frozenset({LIMIT}))
    order = exchange.place("m-1", PAIR, BUY, MARKET, D(1))
    assert order.status is OrderStatus.REJECTED and "not supported" in (order.reason or "")


def test_insufficient_balance_is_rejected_and_nothing_is_reserved():
    exchange = make_exchange(balances={"USDC": D(100)})
    order = exchange.place("l-1", PAIR, BUY, LIMIT, D(1), D(100))  # needs 100.2 with fees
    assert order.status is OrderStatus.REJECTED and "insufficient balance" in (order.reason or "")
    assert exchange.balances()["USDC"].reserved == 0


def test_non_decimal_amount_is_refused():
    with pytest.raises(InvalidExchangeRequestError, match="Decimal amount"):
        make_exchange().place("l-1", PAIR, BUY, LIMIT, 1.5, D(100))  # type: ignore[arg-type]


def test_unknown_pair_is_refused():
    with pytest.raises(MarketNotFoundError, match="BTC-USDC"):
        make_exchange().place("l-1", "BTC-USDC", BUY, LIMIT, D(1), D(100))


# -- funds -----------------------------------------------------------------------------------


def test_placing_reserves_and_canceling_releases():
    exchange = make_exchange()
    exchange.place("b", PAIR, BUY, LIMIT, D(2), D(50))
    exchange.place("s", PAIR, SELL, LIMIT, D(3), D(200))
    assert exchange.balances()["USDC"].reserved == D(100) * D("1.002")
    assert exchange.balances()["SOL"].reserved == 3
    exchange.cancel("b")
    canceled = exchange.cancel("s")
    assert canceled.status is OrderStatus.CANCELED
    assert exchange.balances()["USDC"].reserved == 0 and exchange.balances()["SOL"].reserved == 0


def test_a_fill_at_a_better_price_releases_the_difference():
    exchange = make_exchange()
    exchange.place("b", PAIR, BUY, LIMIT, D(1), D(200))
    usdc = exchange.balances()["USDC"]
    assert usdc.reserved == 0
    assert usdc.total == D(10_000) - D(101) - D("0.202")


def test_partially_filled_cancel_keeps_its_fills_and_releases_the_rest():
    exchange = make_exchange(fill_cap=D(1))
    exchange.place("s", PAIR, SELL, LIMIT, D(3), D(99))
    order = exchange.cancel("s")
    assert order.status is OrderStatus.CANCELED and order.filled_amount == 1
    assert exchange.balances()["SOL"].total == 99 and exchange.balances()["SOL"].reserved == 0


def test_the_same_funds_cannot_back_two_orders():
    exchange = make_exchange(balances={"SOL": D(1)})
    assert exchange.place("a", PAIR, SELL, LIMIT, D(1), D(200)).status is OrderStatus.OPEN
    assert exchange.place("b", PAIR, SELL, LIMIT, D(1), D(200)).status is OrderStatus.REJECTED


# -- identity, lookups, fills ----------------------------------------------------------------


def test_a_duplicate_client_order_id_is_refused_and_makes_no_second_order():
    exchange = make_exchange()
    exchange.place("dup", PAIR, BUY, LIMIT, D(1), D(90))
    with pytest.raises(DuplicateClientOrderIdError, match="dup"):
        exchange.place("dup", PAIR, SELL, MARKET, D(1))
    assert len(exchange.open_orders()) == 1 and exchange.fills_since(0) == []
    assert exchange.order("dup").side is BUY


def test_a_rejected_client_order_id_is_not_reusable():
    exchange = make_exchange()
    exchange.place("r", PAIR, BUY, LIMIT, D("0.01"), D(90))
    with pytest.raises(DuplicateClientOrderIdError, match="REJECTED"):
        exchange.place("r", PAIR, BUY, LIMIT, D(1), D(90))


def test_order_lookup_of_an_unknown_id_raises():
    with pytest.raises(OrderNotFoundError):
        make_exchange().order("nope")


def test_cancel_of_an_unknown_or_terminal_order_raises():
    exchange = make_exchange()
    exchange.place("m", PAIR, BUY, MARKET, D(1))
    with pytest.raises(OrderNotFoundError):
        exchange.cancel("nope")
    with pytest.raises(OrderNotOpenError, match="FILLED"):
        exchange.cancel("m")


def test_fills_since_returns_fills_after_the_sequence_number():
    exchange = make_exchange()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    step(exchange, "99", "101", now=now)
    for index in range(3):
        exchange.place(f"m-{index}", PAIR, BUY, MARKET, D(1))
    assert [f.fill_id for f in exchange.fills_since(0)] == [1, 2, 3]
    assert [f.client_order_id for f in exchange.fills_since(1)] == ["m-1", "m-2"]
    assert exchange.fills_since(3) == [] and exchange.last_fill_id == 3
    assert exchange.fills_since(0)[0].filled_at == now


@pytest.mark.parametrize("fee", [D(-1), D(1)])
def test_fee_ratio_must_be_in_zero_to_one(fee):
    with pytest.raises(ValueError, match="maker_fee"):
        make_exchange(maker_fee=fee)


def test_crossing_limit_with_the_cap_used_up_rests_and_later_fills_as_maker():
    exchange = make_exchange(fill_cap=D(1))
    exchange.place("m", PAIR, BUY, MARKET, D(1))  # uses this step's buy capacity
    order = exchange.place("l", PAIR, BUY, LIMIT, D(1), D(102))
    assert order.status is OrderStatus.OPEN and order.filled_amount == 0
    (fill,) = step(exchange, "100", "101")
    assert (fill.client_order_id, fill.price, fill.liquidity) == ("l", 102, Liquidity.MAKER)
