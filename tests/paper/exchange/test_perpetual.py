"""Perpetual markets on the paper exchange: positions (open, add, reduce, flip, hedge, close-only),
funding, liquidation at the maintenance margin, fees and collateral.

Default market (conftest.make_perp_exchange): SOL-USDC perpetual stepped at bid = ask = last = 100
at T0, leverage 4, maintenance margin ratio 0.0625, 1000 USDC collateral, no fees.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lpexec.paper.exchange import (
    InvalidExchangeRequestError,
    Liquidity,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionStateError,
)

from .conftest import PAIR, PERP, T0, make_exchange, make_perp_exchange

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL
MARKET, LIMIT = OrderType.MARKET, OrderType.LIMIT


def step(exchange, price, *, bid=None, ask=None, minutes=1):
    price = D(price)
    return exchange.step(
        PERP,
        bid=D(bid) if bid is not None else price,
        ask=D(ask) if ask is not None else price,
        last=price,
        now=T0 + dt.timedelta(minutes=minutes),
    )


def position(exchange, side="LONG"):
    found = [p for p in exchange.positions() if p.side == side]
    return found[0] if found else None


def usdc(exchange):
    return exchange.balances()["USDC"]


# -- one-way: open, add, reduce, flip ------------------------------------------------------------


def test_open_reserves_the_initial_margin_and_moves_no_base():
    # Arrange
    exchange = make_perp_exchange()
    # Act
    order = exchange.place("o", PERP, BUY, MARKET, D(2))
    # Assert
    assert order.status is OrderStatus.FILLED
    (long,) = exchange.positions()
    assert (long.side, long.amount, long.entry_price, long.leverage) == ("LONG", 2, 100, 4)
    assert long.margin == 50  # 2 x 100 / 4
    assert usdc(exchange).total == 1000 and usdc(exchange).reserved == 50
    assert "SOL" not in exchange.balances()


def test_add_averages_the_entry_and_adds_margin():
    exchange = make_perp_exchange()
    exchange.place("a", PERP, BUY, MARKET, D(1))
    step(exchange, "110")
    exchange.place("b", PERP, BUY, MARKET, D(1))
    long = position(exchange)
    assert (long.amount, long.entry_price, long.margin) == (2, 105, D("52.5"))
    assert long.unrealized_pnl == 10  # 2 x (110 - 105)


def test_reduce_realizes_pnl_and_frees_the_margin_share():
    exchange = make_perp_exchange()
    exchange.place("a", PERP, BUY, MARKET, D(2))
    step(exchange, "120")
    exchange.place("b", PERP, SELL, MARKET, D("0.5"))
    long = position(exchange)
    assert (long.amount, long.entry_price, long.margin) == (D("1.5"), 100, D("37.5"))
    assert usdc(exchange).total == 1010  # + 0.5 x (120 - 100)
    assert usdc(exchange).reserved == D("37.5")


def test_an_opposite_order_reduces_then_flips_in_one_way_mode():
    exchange = make_perp_exchange()
    exchange.place("a", PERP, BUY, MARKET, D(1))
    step(exchange, "90")
    order = exchange.place("b", PERP, SELL, MARKET, D(3))
    assert order.status is OrderStatus.FILLED and order.filled_amount == 3
    (short,) = exchange.positions()
    assert (short.side, short.amount, short.entry_price, short.margin) == ("SHORT", 2, 90, 45)
    assert usdc(exchange).total == 990 and usdc(exchange).reserved == 45


def test_a_closing_order_needs_no_free_collateral():
    exchange = make_perp_exchange(collateral=D(25))
    exchange.place("a", PERP, BUY, MARKET, D(1))  # all collateral is margin
    assert usdc(exchange).available == 0
    order = exchange.place("b", PERP, SELL, LIMIT, D(1), D(101))
    assert order.status is OrderStatus.OPEN
    (fill,) = step(exchange, "101")
    assert fill.liquidity is Liquidity.MAKER and exchange.positions() == []
    assert usdc(exchange).total == 26 and usdc(exchange).reserved == 0


# -- hedge mode and CLOSE ------------------------------------------------------------------------


def test_hedge_mode_keeps_long_and_short_apart():
    exchange = make_perp_exchange(mode="HEDGE")
    exchange.place("l", PERP, BUY, MARKET, D(2), position_action="OPEN")
    exchange.place("s", PERP, SELL, MARKET, D(1), position_action="OPEN")
    assert [(p.side, p.amount) for p in exchange.positions()] == [("LONG", 2), ("SHORT", 1)]
    exchange.place("c", PERP, SELL, MARKET, D(1), position_action="CLOSE")
    assert [(p.side, p.amount) for p in exchange.positions()] == [("LONG", 1), ("SHORT", 1)]
    assert usdc(exchange).reserved == 50  # 25 + 25


def test_hedge_mode_open_without_action_opens():
    exchange = make_perp_exchange(mode="HEDGE")
    exchange.place("l", PERP, BUY, MARKET, D(1))
    exchange.place("s", PERP, SELL, MARKET, D(1))
    assert [p.side for p in exchange.positions()] == ["LONG", "SHORT"]


@pytest.mark.parametrize("mode", ["ONEWAY", "HEDGE"])
def test_close_with_nothing_to_close_is_rejected(mode):
    exchange = make_perp_exchange(mode=mode)
    exchange.place("s", PERP, SELL, MARKET, D(1), position_action="OPEN")  # a short only
    order = exchange.place("c", PERP, SELL, MARKET, D(1), position_action="CLOSE")
    assert order.status is OrderStatus.REJECTED
    assert "nothing to close" in (order.reason or "") and "LONG" in (order.reason or "")
    assert [p.side for p in exchange.positions()] == ["SHORT"]


def test_close_only_reduces_and_cancels_what_is_beyond_the_position():
    exchange = make_perp_exchange()
    exchange.place("a", PERP, BUY, MARKET, D(1))
    order = exchange.place("c", PERP, SELL, MARKET, D(3), position_action="CLOSE")
    assert order.status is OrderStatus.CANCELED and order.filled_amount == 1
    assert "reduce-only" in (order.reason or "")
    assert exchange.positions() == [] and usdc(exchange).reserved == 0


def test_position_action_on_spot_or_an_unknown_one_is_refused():
    with pytest.raises(InvalidExchangeRequestError, match="position_action"):
        make_exchange().place("x", PAIR, BUY, MARKET, D(1), position_action="OPEN")
    with pytest.raises(InvalidExchangeRequestError, match="position_action"):
        make_perp_exchange().place("x", PERP, BUY, MARKET, D(1), position_action="FLIP")


# -- leverage and mode ---------------------------------------------------------------------------


def test_leverage_sets_the_margin_of_new_positions():
    exchange = make_perp_exchange(leverage=10)
    exchange.place("a", PERP, BUY, MARKET, D(1))
    assert position(exchange).margin == 10 and position(exchange).leverage == 10


@pytest.mark.parametrize("leverage", [0, 11, True, D(2)])
def test_leverage_outside_the_market_range_is_refused(leverage):
    with pytest.raises(InvalidExchangeRequestError, match="leverage"):
        make_perp_exchange().set_leverage(PERP, leverage)


def test_leverage_on_a_spot_market_is_refused():
    with pytest.raises(InvalidExchangeRequestError, match="perpetual"):
        make_exchange().set_leverage(PAIR, 2)


def test_leverage_cannot_change_under_an_open_position_but_may_be_set_again():
    exchange = make_perp_exchange()
    exchange.place("a", PERP, BUY, MARKET, D(1))
    exchange.set_leverage(PERP, 4)  # unchanged: fine
    with pytest.raises(PositionStateError, match="LONG"):
        exchange.set_leverage(PERP, 5)


def test_position_mode_cannot_change_with_positions_or_orders_open():
    exchange = make_perp_exchange()
    exchange.place("r", PERP, BUY, LIMIT, D(1), D(90))
    with pytest.raises(PositionStateError, match="1 order"):
        exchange.set_position_mode("HEDGE")
    exchange.cancel("r")
    exchange.set_position_mode("HEDGE")
    assert exchange.position_mode == "HEDGE"
    with pytest.raises(InvalidExchangeRequestError, match="position mode"):
        exchange.set_position_mode("NETTED")  # type: ignore[arg-type]


# -- collateral --------------------------------------------------------------------------------


def test_an_open_the_collateral_cannot_back_is_rejected():
    exchange = make_perp_exchange(collateral=D("24.99"))
    order = exchange.place("a", PERP, BUY, MARKET, D(1))  # needs 25
    assert order.status is OrderStatus.REJECTED
    assert "insufficient collateral" in (order.reason or "") and "margin 25" in (order.reason or "")


def test_exactly_enough_collateral_is_accepted():
    exchange = make_perp_exchange(collateral=D(25))
    assert exchange.place("a", PERP, BUY, MARKET, D(1)).status is OrderStatus.FILLED
    assert usdc(exchange).available == 0


def test_a_crossing_sell_limit_reserves_at_the_bid_it_fills_at():
    exchange = make_perp_exchange(collateral=D(25))
    order = exchange.place("s", PERP, SELL, LIMIT, D(1), D(90))  # bid 100: fills at 100
    assert order.status is OrderStatus.FILLED and order.average_price == 100
    assert position(exchange, "SHORT").margin == 25 and usdc(exchange).available == 0


def test_a_fill_the_collateral_can_no_longer_back_is_cut_and_the_rest_canceled():
    # Arrange: a resting buy reserved margin at leverage 4, then the leverage drops to 1
    exchange = make_perp_exchange(collateral=D(50))
    exchange.place("b", PERP, BUY, LIMIT, D(1), D(90))  # reserves 22.5
    exchange.set_leverage(PERP, 1)
    # Act
    (fill,) = step(exchange, "90")
    # Assert: 50 of collateral backs 0.55 at 90 (49.5 of margin)
    assert fill.amount == D("0.55")
    order = exchange.order("b")
    assert order.status is OrderStatus.CANCELED and "insufficient collateral" in (
        order.reason or ""
    )
    assert position(exchange).margin == D("49.5") and usdc(exchange).reserved == D("49.5")


def test_maker_and_taker_fees_are_paid_in_quote_from_collateral():
    exchange = make_perp_exchange(maker_fee=D("0.001"), taker_fee=D("0.002"))
    exchange.place("t", PERP, BUY, MARKET, D(2))  # taker: 200 x 0.002
    exchange.place("m", PERP, SELL, LIMIT, D(2), D(110))
    (fill,) = step(exchange, "110")  # maker: 220 x 0.001
    assert fill.fee == D("0.220") and fill.fee_asset == "USDC"
    assert exchange.order("t").fees_quote == D("0.400")
    assert usdc(exchange).total == D(1000) + 20 - D("0.400") - D("0.220")
    assert usdc(exchange).reserved == 0


def test_a_loss_beyond_the_collateral_is_absorbed_and_no_balance_goes_negative():
    exchange = make_perp_exchange(collateral=D(25))
    exchange.place("a", PERP, BUY, MARKET, D(1))
    step(exchange, "150", bid="50", ask="200")  # the mark is far from liquidation
    exchange.place("b", PERP, SELL, MARKET, D(1))  # sells at the bid: a loss of 50
    assert usdc(exchange).total == 0 and usdc(exchange).reserved == 0
    assert exchange.loss_absorbed == 25


# -- funding -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "rate", "expected"),
    [
        ("LONG", "0.001", "-0.2"),  # positive rate: longs pay
        ("SHORT", "0.001", "0.2"),  # ... and shorts receive
        ("LONG", "-0.001", "0.2"),
        ("SHORT", "-0.001", "-0.2"),
    ],
)
def test_funding_sign_for_long_and_short(side, rate, expected):
    # Arrange
    exchange = make_perp_exchange(funding_rate=D(rate))
    exchange.place("p", PERP, BUY if side == "LONG" else SELL, MARKET, D(2))
    # Act: the step at T0 + 1 h passes one funding time, at the mark 100
    step(exchange, "100", minutes=60)
    # Assert
    (payment,) = exchange.funding_payments()
    assert payment.amount == D(expected) and payment.position_side == side
    assert payment.position_amount == D(2)  # the size it was charged on
    assert payment.rate == D(rate) and payment.ts == T0 + dt.timedelta(hours=1)
    assert position(exchange, side).margin == 50 + D(expected)
    assert usdc(exchange).total == 1000 + D(expected)


def test_funding_is_paid_at_each_interval_boundary_inclusive():
    exchange = make_perp_exchange(funding_rate=D("0.001"))
    exchange.place("p", PERP, BUY, MARKET, D(1))
    step(exchange, "100", minutes=59)
    assert exchange.funding_payments() == []
    step(exchange, "100", minutes=60)
    assert len(exchange.funding_payments()) == 1
    step(exchange, "100", minutes=240)  # three more boundaries passed in one step
    assert [p.ts.hour for p in exchange.funding_payments()] == [1, 2, 3, 4]
    assert exchange.funding_payments(PERP, since=T0 + dt.timedelta(hours=3))[0].payment_id == (
        "funding-3"
    )


def test_a_step_back_in_time_never_pays_a_funding_time_twice():
    exchange = make_perp_exchange(funding_rate=D("0.001"))
    exchange.place("p", PERP, BUY, MARKET, D(1))
    step(exchange, "100", minutes=60)
    step(exchange, "100", minutes=30)  # back in time
    step(exchange, "100", minutes=61)
    assert [p.ts.hour for p in exchange.funding_payments()] == [1]


def test_no_funding_without_a_position():
    exchange = make_perp_exchange(funding_rate=D("0.001"))
    step(exchange, "100", minutes=120)
    assert exchange.funding_payments() == []


# -- liquidation ---------------------------------------------------------------------------------


def test_long_is_liquidated_exactly_at_the_maintenance_margin():
    # Arrange: long 1 at 100, leverage 4 (margin 25), mmr 0.0625: liquidation price
    # (100 - 25) / (1 - 0.0625) = 80, where equity 25 - 20 = 5 = 80 x 0.0625
    exchange = make_perp_exchange()
    exchange.place("a", PERP, BUY, MARKET, D(1))
    assert position(exchange).liquidation_price == 80
    # Act / Assert: one tick above, equity 5.01 > 5.000625: kept
    step(exchange, "80.01", minutes=1)
    assert exchange.liquidations() == [] and position(exchange) is not None
    # at 80 exactly: liquidated, the margin lost
    step(exchange, "80", minutes=2)
    (record,) = exchange.liquidations()
    assert (record.side, record.amount, record.mark_price, record.margin_lost) == (
        "LONG",
        1,
        80,
        25,
    )
    assert record.liquidated_at == T0 + dt.timedelta(minutes=2)
    assert exchange.positions() == []
    assert usdc(exchange).total == 975 and usdc(exchange).reserved == 0


def test_short_is_liquidated_exactly_at_the_maintenance_margin():
    # short 1 at 100, leverage 2 (margin 50), mmr 0.25: (100 + 50) / 1.25 = 120
    exchange = make_perp_exchange(leverage=2, max_leverage=3, maintenance_margin_ratio=D("0.25"))
    exchange.place("s", PERP, SELL, MARKET, D(1))
    assert position(exchange, "SHORT").liquidation_price == 120
    step(exchange, "119.99", minutes=1)
    assert exchange.liquidations() == []
    step(exchange, "120", minutes=2)
    assert [r.side for r in exchange.liquidations()] == ["SHORT"]
    assert usdc(exchange).total == 950


def test_the_mark_is_the_step_last_not_the_touch():
    exchange = make_perp_exchange()
    exchange.place("a", PERP, BUY, MARKET, D(1))
    step(exchange, "81", bid="70", ask="90")  # the bid is below 80, the mark is not
    assert exchange.liquidations() == []


def test_a_leverage_one_long_has_no_liquidation_price():
    exchange = make_perp_exchange(leverage=1)
    exchange.place("a", PERP, BUY, MARKET, D(1))
    assert position(exchange).liquidation_price is None
    step(exchange, "0.01")
    assert exchange.liquidations() == []


# -- determinism --------------------------------------------------------------------------------


def run_script(exchange):
    exchange.place("a", PERP, BUY, MARKET, D(1))
    exchange.place("b", PERP, SELL, LIMIT, D(3), D(104))
    for minute, price in enumerate(["101", "104", "99", "97", "103"], start=1):
        step(exchange, price, minutes=minute * 50)
    return exchange.to_dict()


def test_same_inputs_same_outputs():
    first = run_script(make_perp_exchange(funding_rate=D("0.0003"), taker_fee=D("0.001")))
    second = run_script(make_perp_exchange(funding_rate=D("0.0003"), taker_fee=D("0.001")))
    assert first == second
