"""The ccxt adapter on Binance USD-M perpetuals, at the network boundary: rules, positions,
leverage, position mode, funding, and orders that open or close a position."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lpexec.core import (
    UTC,
    Evidence,
    FundingPayment,
    OrderCreated,
    PerpetualVenue,
    PerpPosition,
    PlaceOrder,
    VenueRejectedError,
)

D = Decimal
V = "binance_usdm"
COID = "lpx9a8b7c6d5e4f3a2b1c0d9e8f7a6b5"


def place(**fields) -> PlaceOrder:
    values = {
        "command_id": "cmd-9",
        "executor_id": "pos-1",
        "venue": "binance_perpetual",
        "trading_pair": "BTC-USDT",
        "side": "SELL",
        "order_type": "MARKET",
        "amount": D("0.025"),
        "client_order_id": COID,
        "position_action": "CLOSE",
    }
    values.update(fields)
    return PlaceOrder(**values)


@pytest.fixture
def perps(server, make_venue):
    server.json("GET", "/fapi/v1/exchangeInfo", V, "exchange_info")
    server.json("GET", "/fapi/v1/positionSide/dual", V, "position_side_dual_oneway")
    return make_venue("binanceusdm", key="binance_perpetual")


async def test_the_venue_is_a_perpetual_venue_with_rules_of_the_linear_perpetuals(perps):
    assert isinstance(perps, PerpetualVenue)
    rules = await perps.trading_rules("BTC-USDT")
    sol = await perps.trading_rules("SOL-USDT")

    assert (rules.price_tick, rules.amount_step, rules.min_amount, rules.min_notional) == (
        D("0.1"),
        D("0.001"),
        D("0.001"),
        D("100"),
    )
    assert (sol.price_tick, sol.amount_step, sol.min_notional) == (D("0.01"), D("1"), D("5"))


async def test_positions_are_read_in_base_with_their_side_and_leverage(perps, server):
    server.json("GET", "/fapi/v1/leverageBracket", V, "leverage_bracket")
    server.json("GET", "/fapi/v3/positionRisk", V, "position_risk")
    server.json("GET", "/fapi/v1/symbolConfig", V, "symbol_config")

    positions = await perps.positions()

    btc, sol = sorted(positions, key=lambda position: position.trading_pair)
    assert btc == PerpPosition(
        trading_pair="BTC-USDT",
        side="LONG",
        amount=D("0.025"),
        entry_price=D("91250.4"),
        leverage=5,  # the v3 position answer has none: read from the symbol settings
        margin=D("458.1505"),
        unrealized_pnl=D("9.4925"),
        liquidation_price=D("73117.41"),
    )
    assert (sol.side, sol.amount, sol.entry_price, sol.unrealized_pnl, sol.leverage) == (
        "SHORT",
        D("12"),
        D("131.62"),
        D("6.24"),
        10,
    )
    assert len(server.requests("GET", "/fapi/v1/symbolConfig")) == 1


async def test_set_leverage_sends_the_symbol_and_leverage(perps, server):
    server.json("POST", "/fapi/v1/leverage", V, "leverage")

    await perps.set_leverage("BTC-USDT", 5)

    (sent,) = server.requests("POST", "/fapi/v1/leverage")
    assert (sent.fields["symbol"], sent.fields["leverage"]) == ("BTCUSDT", "5")


@pytest.mark.parametrize("leverage", [0, -3, 2.5, True])
async def test_a_leverage_that_is_not_a_whole_number_from_one_is_refused_before_sending(
    perps, server, leverage
):
    with pytest.raises(VenueRejectedError, match="leverage: expected a whole number"):
        await perps.set_leverage("BTC-USDT", leverage)
    assert server.requests("POST", "/fapi/v1/leverage") == []


async def test_set_position_mode_to_hedge_sends_dual_side(perps, server):
    server.json("GET", "/fapi/v1/positionSide/dual", V, "position_side_dual_oneway")
    server.json("POST", "/fapi/v1/positionSide/dual", V, "position_side_dual_set")

    await perps.set_position_mode("HEDGE")

    (sent,) = server.requests("POST", "/fapi/v1/positionSide/dual")
    assert sent.fields["dualSidePosition"] == "true"


async def test_set_position_mode_already_in_place_sends_nothing(perps, server):
    server.json("GET", "/fapi/v1/positionSide/dual", V, "position_side_dual_oneway")
    server.json("POST", "/fapi/v1/positionSide/dual", V, "error_no_need_to_change_position_side")

    await perps.set_position_mode("ONEWAY")

    assert server.requests("POST", "/fapi/v1/positionSide/dual") == []


async def test_funding_payments_come_from_the_income_history_oldest_first(perps, server):
    server.json("GET", "/fapi/v1/income", V, "income_funding_fee")
    since = dt.datetime(2026, 12, 2, tzinfo=UTC)

    payments = await perps.funding_payments("BTC-USDT", since)

    (query,) = server.requests("GET", "/fapi/v1/income")
    assert (query.fields["incomeType"], query.fields["symbol"]) == ("FUNDING_FEE", "BTCUSDT")
    assert int(query.fields["startTime"]) == int(since.timestamp() * 1000)
    assert payments == [
        FundingPayment(
            trading_pair="BTC-USDT",
            payment_id="8107435011287161042",
            amount=D("-0.229114"),
            rate=D(0),
            ts=dt.datetime.fromtimestamp(1796227200, tz=UTC),
        ),
        FundingPayment(
            trading_pair="BTC-USDT",
            payment_id="8107435011287390117",
            amount=D("0.051209"),
            rate=D(0),
            ts=dt.datetime.fromtimestamp(1796256000, tz=UTC),
        ),
    ]


async def test_a_close_in_one_way_mode_is_sent_reduce_only(perps, server, clock):
    server.json("POST", "/fapi/v1/order", V, "order_new_close")

    events = await perps.place_order(place(), Evidence())
    await perps.place_order(place(), Evidence())

    # the account's mode was read once, before the first order that needed it
    assert len(server.requests("GET", "/fapi/v1/positionSide/dual")) == 1

    sent = server.requests("POST", "/fapi/v1/order")[0]
    assert (sent.fields["newClientOrderId"], sent.fields["reduceOnly"]) == (COID, "true")
    assert "positionSide" not in sent.fields
    assert events == [
        OrderCreated(
            ts_event=clock.now(),
            command_id="cmd-9",
            client_order_id=COID,
            venue_order_id="712093450193",
        )
    ]


@pytest.mark.parametrize(
    ("side", "action", "position_side"),
    [("BUY", "OPEN", "LONG"), ("SELL", "OPEN", "SHORT"), ("SELL", "CLOSE", "LONG")]
    + [("BUY", "CLOSE", "SHORT")],
)
async def test_orders_in_hedge_mode_name_the_position_side(
    server, make_venue, side, action, position_side
):
    server.json("GET", "/fapi/v1/exchangeInfo", V, "exchange_info")
    server.json("POST", "/fapi/v1/order", V, "order_new_close")
    venue = make_venue("binanceusdm", key="binance_perpetual", position_mode="HEDGE")

    await venue.place_order(place(side=side, position_action=action), Evidence())

    (sent,) = server.requests("POST", "/fapi/v1/order")
    assert sent.fields["positionSide"] == position_side
    assert "reduceOnly" not in sent.fields


async def test_an_open_in_one_way_mode_is_a_plain_order(perps, server):
    server.json("POST", "/fapi/v1/order", V, "order_new_close")

    await perps.place_order(
        place(side="BUY", position_action="OPEN", order_type="LIMIT", price=D("90000.07")),
        Evidence(),
    )

    (sent,) = server.requests("POST", "/fapi/v1/order")
    assert "reduceOnly" not in sent.fields and "positionSide" not in sent.fields
    assert D(sent.fields["price"]) == D("90000.0")


async def test_balances_on_the_futures_account(perps, server):
    server.json("GET", "/fapi/v3/account", V, "account")

    balances = await perps.balances()

    usdt = balances["USDT"]
    assert (usdt.total, usdt.available) == (D("5021.73160000"), D("4249.43059000"))


async def test_a_market_close_filled_at_once_reads_its_trades_and_ends_filled(perps, server):
    server.json("POST", "/fapi/v1/order", V, "order_new_market_filled")
    server.json("GET", "/fapi/v1/userTrades", V, "user_trades_order")

    created, first, last = await perps.place_order(place(), Evidence())

    (query,) = server.requests("GET", "/fapi/v1/userTrades")
    assert (query.fields["orderId"], query.fields["symbol"]) == ("712093466870", "BTCUSDT")
    assert created.venue_order_id == "712093466870"
    assert [(f.fill_id, f.base_amount, f.fee_quote, f.is_final) for f in (first, last)] == [
        ("6417721050", D("0.020"), D("0.916123"), False),
        ("6417721051", D("0.005"), D("0.22903075"), True),
    ]


async def test_a_place_whose_fills_cannot_be_read_still_says_the_order_was_created(
    perps, server, clock
):
    server.json("POST", "/fapi/v1/order", V, "order_new_market_filled")
    server.answer("GET", "/fapi/v1/userTrades", (503, "<html>503</html>"))

    events = await perps.place_order(place(), Evidence())

    # never an error: the order exists; the poller reads its fills from its record later
    assert events == [
        OrderCreated(
            ts_event=clock.now(),
            command_id="cmd-9",
            client_order_id=COID,
            venue_order_id="712093466870",
        )
    ]


async def test_a_hedge_mode_account_is_read_from_the_exchange_and_names_the_side(
    server, make_venue
):
    server.json("GET", "/fapi/v1/exchangeInfo", V, "exchange_info")
    server.json("GET", "/fapi/v1/positionSide/dual", V, "position_side_dual_hedge")
    server.json("POST", "/fapi/v1/order", V, "order_new_close")
    venue = make_venue("binanceusdm", key="binance_perpetual")  # mode not given

    await venue.place_order(place(side="SELL", position_action="CLOSE"), Evidence())

    (sent,) = server.requests("POST", "/fapi/v1/order")
    assert sent.fields["positionSide"] == "LONG" and "reduceOnly" not in sent.fields


async def test_setting_the_mode_is_what_later_orders_follow(perps, server):
    server.json("POST", "/fapi/v1/positionSide/dual", V, "position_side_dual_set")
    server.json("POST", "/fapi/v1/order", V, "order_new_close")

    await perps.set_position_mode("HEDGE")
    await perps.place_order(place(side="BUY", position_action="OPEN"), Evidence())

    (sent,) = server.requests("POST", "/fapi/v1/order")
    assert sent.fields["positionSide"] == "LONG"
