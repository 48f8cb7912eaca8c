"""The ccxt adapter on Binance spot, at the network boundary (recorded payloads on loopback):
markets and trading rules, limit and market places with our client order id, cancel, order
status, fills and balances."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from lpexec.core import (
    UTC,
    Evidence,
    ExchangeVenue,
    OrderCanceled,
    OrderCreated,
    OrderFilled,
    OutcomeUnknownError,
    PerpetualVenue,
    PlaceOrder,
    TradingRules,
    VenueRejectedError,
)
from lpexec.core.trade import CancelOrder
from lpexec.venues.ccxt import profile_for

D = Decimal
V = "binance_spot"
LIMIT_COID = "lpx6f1c0a9e2b7d4c8e1f3a5b7c9d0e2"
MARKET_COID = "lpx0b3d5f7a9c1e2d4f6a8b0c2e4f6a8"


def place(coid: str = LIMIT_COID, **fields) -> PlaceOrder:
    values = {
        "command_id": "cmd-1",
        "executor_id": "ord-1",
        "venue": "binance",
        "trading_pair": "SOL-USDT",
        "side": "BUY",
        "order_type": "LIMIT",
        "amount": D("1.5"),
        "price": D("131.25"),
        "client_order_id": coid,
    }
    values.update(fields)
    return PlaceOrder(**values)


@pytest.fixture
def spot(server, make_venue):
    server.json("GET", "/api/v3/exchangeInfo", V, "exchange_info")
    return make_venue("binance")


async def test_the_venue_carries_the_exchange_port_and_the_perpetual_one(spot):
    assert isinstance(spot, ExchangeVenue)
    assert isinstance(spot, PerpetualVenue)  # one class; perpetual calls need a swap market


async def test_trading_rules_come_from_the_market_precision_and_limits_read_once(spot, server):
    rules = await spot.trading_rules("SOL-USDT")
    btc = await spot.trading_rules("BTC-USDT")

    assert rules == TradingRules(
        price_tick=D("0.01"),
        amount_step=D("0.001"),
        min_amount=D("0.001"),
        min_notional=D("5"),
        order_types=frozenset({"LIMIT", "LIMIT_MAKER", "MARKET"}),
    )
    assert (btc.amount_step, btc.min_amount) == (D("0.00001"), D("0.00001"))
    assert len(server.requests("GET", "/api/v3/exchangeInfo")) == 1


async def test_an_unknown_pair_is_rejected_naming_the_pair(spot):
    with pytest.raises(VenueRejectedError, match="'DOGE-USDT'") as caught:
        await spot.trading_rules("DOGE-USDT")
    assert caught.value.code == "unknown_market"


async def test_limit_place_sends_our_client_order_id_and_returns_order_created(spot, server, clock):
    server.json("POST", "/api/v3/order", V, "order_new_limit")
    evidence = Evidence()

    events = await spot.place_order(place(amount=D("1.5004"), price=D("131.259")), evidence)

    (sent,) = server.requests("POST", "/api/v3/order")
    assert sent.fields["newClientOrderId"] == LIMIT_COID
    assert (sent.fields["symbol"], sent.fields["side"], sent.fields["type"]) == (
        "SOLUSDT",
        "BUY",
        "LIMIT",
    )
    # floored to the step and the tick before sending
    assert (D(sent.fields["quantity"]), D(sent.fields["price"])) == (D("1.5"), D("131.25"))
    assert sent.fields["timeInForce"] == "GTC"
    assert events == [
        OrderCreated(
            ts_event=clock.now(),
            command_id="cmd-1",
            client_order_id=LIMIT_COID,
            venue_order_id="14237961553",
        )
    ]
    assert evidence["client_order_id"] == LIMIT_COID
    assert evidence.time("sent_at") == clock.now()
    assert evidence["venue_order_id"] == "14237961553"


async def test_limit_maker_is_sent_post_only(spot, server):
    server.json("POST", "/api/v3/order", V, "order_new_limit")

    await spot.place_order(place(order_type="LIMIT_MAKER"), Evidence())

    (sent,) = server.requests("POST", "/api/v3/order")
    assert sent.fields["type"] == "LIMIT_MAKER"


async def test_market_place_returns_created_and_the_fills_the_answer_reports(spot, server, clock):
    server.json("POST", "/api/v3/order", V, "order_new_market")

    events = await spot.place_order(
        place(MARKET_COID, side="SELL", order_type="MARKET", amount=D(2), price=None), Evidence()
    )

    (sent,) = server.requests("POST", "/api/v3/order")
    assert sent.fields["newClientOrderId"] == MARKET_COID
    assert (sent.fields["type"], D(sent.fields["quantity"])) == ("MARKET", D(2))
    assert "price" not in sent.fields
    created, first, last = events
    assert created == OrderCreated(
        ts_event=clock.now(),
        command_id="cmd-1",
        client_order_id=MARKET_COID,
        venue_order_id="14237963120",
    )
    assert (first.fill_id, first.base_amount, first.price, first.fee_quote) == (
        "1188204711",
        D("1.2"),
        D("131.54"),
        D("0.157848"),
    )
    assert (last.fill_id, last.base_amount, last.price, last.is_final) == (
        "1188204712",
        D("0.8"),
        D("131.52"),
        True,
    )
    assert not first.is_final and first.side == last.side == "SELL"
    assert first.ts_event == dt.datetime(2026, 12, 2, 12, 1, 15, 332_000, tzinfo=UTC)
    assert server.requests("GET", "/api/v3/myTrades") == []  # the answer had every fill


async def test_an_amount_below_the_minimum_is_rejected_before_sending(spot, server):
    with pytest.raises(VenueRejectedError, match="minimum notional") as caught:
        await spot.place_order(place(amount=D("0.03"), price=D("131.25")), Evidence())

    assert caught.value.code == "below_minimum"
    assert server.requests("POST", "/api/v3/order") == []


async def test_a_position_action_on_spot_is_rejected(spot, server):
    with pytest.raises(VenueRejectedError, match="position_action"):
        await spot.place_order(place(position_action="OPEN"), Evidence())
    assert server.requests("POST", "/api/v3/order") == []


def cancel() -> CancelOrder:
    return CancelOrder(
        command_id="cmd-2",
        executor_id="ord-1",
        venue="binance",
        trading_pair="SOL-USDT",
        client_order_id=LIMIT_COID,
    )


async def test_cancel_sends_the_client_order_id_and_answers_the_record_with_its_fills(
    spot, server, clock
):
    server.json("DELETE", "/api/v3/order", V, "order_cancel")
    server.json("GET", "/api/v3/myTrades", V, "my_trades_order")

    events = await spot.cancel_order(cancel(), Evidence())

    (sent,) = server.requests("DELETE", "/api/v3/order")
    assert (sent.fields["origClientOrderId"], sent.fields["symbol"]) == (LIMIT_COID, "SOLUSDT")
    created, fill, canceled = events
    assert created.venue_order_id == "14237961553" and created.command_id == "cmd-2"
    # the fill made since the last poll arrives with the cancel, never lost to it
    assert (fill.fill_id, fill.base_amount, fill.is_final) == ("1188205533", D("0.4"), False)
    assert canceled == OrderCanceled(
        ts_event=clock.now(), command_id="cmd-2", client_order_id=LIMIT_COID
    )


async def test_cancel_of_an_order_that_filled_first_answers_its_fills(spot, server):
    server.json("DELETE", "/api/v3/order", V, "error_unknown_order_cancel", status=400)
    server.json("GET", "/api/v3/order", V, "order_query_filled")
    server.json("GET", "/api/v3/myTrades", V, "my_trades_order_filled")

    events = await spot.cancel_order(cancel(), Evidence())

    assert [type(event).__name__ for event in events] == [
        "OrderCreated",
        "OrderFilled",
        "OrderFilled",
    ]
    assert events[-1].is_final and events[-1].fill_id == "1188206019"


async def test_a_cancel_that_landed_but_whose_record_cannot_be_read_is_unknown(spot, server):
    server.json("DELETE", "/api/v3/order", V, "order_cancel")
    server.answer("GET", "/api/v3/myTrades", (503, "<html>503</html>"))

    with pytest.raises(OutcomeUnknownError) as caught:
        await spot.cancel_order(cancel(), Evidence())
    assert caught.value.code == "record_unread"

    server.answer("GET", "/api/v3/order", (200, canceled_order(server)))
    server.json("GET", "/api/v3/myTrades", V, "my_trades_order")
    events = await spot.reconcile(cancel(), Evidence())
    assert [type(event).__name__ for event in events] == [
        "OrderCreated",
        "OrderFilled",
        "OrderCanceled",
    ]


def canceled_order(server) -> dict:
    return {**server.payload(V, "order_query_partially_filled"), "status": "CANCELED"}


async def test_order_status_reads_the_order_and_its_trades_by_client_order_id(spot, server):
    server.json("GET", "/api/v3/order", V, "order_query_partially_filled")
    server.json("GET", "/api/v3/myTrades", V, "my_trades_order")

    report = await spot.order_status("SOL-USDT", LIMIT_COID)

    (query,) = server.requests("GET", "/api/v3/order")
    assert query.fields["origClientOrderId"] == LIMIT_COID
    (trades_query,) = server.requests("GET", "/api/v3/myTrades")
    assert trades_query.fields["orderId"] == "14237961553"
    assert report is not None
    assert (report.status, report.venue_order_id, report.filled_amount) == (
        "OPEN",
        "14237961553",
        D("0.4"),
    )
    (fill,) = report.fills
    # the fee was charged in SOL: valued in quote at the fill price
    assert (fill.fill_id, fill.price, fill.fee_quote) == ("1188205533", D("131.25"), D("0.0525"))
    assert fill.client_order_id == LIMIT_COID and fill.side == "BUY"


async def test_order_status_of_an_order_the_exchange_does_not_have_is_none(spot, server):
    server.json("GET", "/api/v3/order", V, "error_order_not_exist", status=400)

    assert await spot.order_status("SOL-USDT", LIMIT_COID) is None


async def test_fills_since_reads_my_trades_from_the_time_and_names_their_order(spot, server):
    server.json("GET", "/api/v3/myTrades", V, "my_trades_order")
    server.json("GET", "/api/v3/order", V, "order_query_partially_filled")
    since = dt.datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

    fills = await spot.fills_since("SOL-USDT", since)

    (query,) = server.requests("GET", "/api/v3/myTrades")
    assert int(query.fields["startTime"]) == int(since.timestamp() * 1000)
    assert [(f.fill_id, f.client_order_id, f.base_amount) for f in fills] == [
        ("1188205533", LIMIT_COID, D("0.4"))
    ]
    assert isinstance(fills[0], OrderFilled)


async def test_balances_hold_every_non_zero_asset_with_what_is_available(spot, server):
    server.json("GET", "/api/v3/account", V, "account")

    balances = await spot.balances()

    assert sorted(balances) == ["BTC", "SHIB", "SOL", "USDT"]
    # 20 significant digits, exact (a float would round them)
    assert balances["SHIB"].total == D("123456789012.12345678")
    usdt = balances["USDT"]
    assert (usdt.total, usdt.available) == (D("1947.49845678"), D("1803.12345678"))
    assert balances["SOL"].total == balances["SOL"].available == D("12.345")


@pytest.mark.parametrize("listed", [True, False])
async def test_where_an_order_cannot_be_asked_by_client_id_open_and_closed_orders_are_searched(
    server, make_venue, listed
):
    server.json("GET", "/api/v3/exchangeInfo", V, "exchange_info")
    searching = replace(profile_for("binance"), fetch_order_by_client_id=False)
    venue = make_venue("binance", profile=searching)
    other = {**server.payload(V, "order_query_filled"), "clientOrderId": "someone-else"}
    mine = server.payload(V, "order_query_filled")
    server.answer("GET", "/api/v3/openOrders", (200, []))
    server.answer("GET", "/api/v3/allOrders", (200, [other, mine] if listed else [other]))
    server.json("GET", "/api/v3/myTrades", V, "my_trades_order_filled")

    report = await venue.order_status("SOL-USDT", LIMIT_COID)

    assert server.requests("GET", "/api/v3/order") == []  # no direct look-up
    assert len(server.requests("GET", "/api/v3/openOrders")) == 1
    if not listed:
        assert report is None
        return
    assert (report.status, report.filled_amount, len(report.fills)) == ("FILLED", D("1.5"), 2)
    assert report.fills[-1].fill_id == "1188206019"


async def test_a_filled_order_whose_trades_lag_is_read_open_with_the_fills_so_far(spot, server):
    server.json("GET", "/api/v3/order", V, "order_query_filled")
    server.json("GET", "/api/v3/myTrades", V, "my_trades_order")  # 0.4 of the 1.5 filled

    report = await spot.order_status("SOL-USDT", LIMIT_COID)

    assert (report.status, report.filled_amount) == ("OPEN", D("0.4"))
    assert not any(event.is_final for event in report.fills)


async def test_tiny_prices_are_sent_as_plain_digits(spot, server):
    server.json("POST", "/api/v3/order", V, "order_new_limit")

    await spot.place_order(
        place(trading_pair="BTTC-USDT", amount=D(10_000_000), price=D("0.00000070")), Evidence()
    )

    (sent,) = server.requests("POST", "/api/v3/order")
    assert (sent.fields["price"], sent.fields["symbol"]) == ("0.0000007", "BTTCUSDT")  # not 7E-7


async def test_fills_since_reads_every_page_from_after_the_last_trade_seen(spot, server):
    template = server.payload(V, "my_trades_order")[0]
    first_ms = 1796212901877
    trades = [
        {**template, "id": 1188205533 + i, "time": first_ms + i, "qty": "0.00100000"}
        for i in range(503)
    ]

    def page(received):
        start = int(received.fields["startTime"])
        return 200, [t for t in trades if t["time"] >= start][: int(received.fields["limit"])]

    server.answer("GET", "/api/v3/myTrades", page)
    server.json("GET", "/api/v3/order", V, "order_query_partially_filled")

    fills = await spot.fills_since("SOL-USDT", dt.datetime(2026, 12, 2, tzinfo=UTC))

    first, second = server.requests("GET", "/api/v3/myTrades")
    assert int(second.fields["startTime"]) == first_ms + 499 + 1
    assert [f.fill_id for f in fills] == [str(t["id"]) for t in trades]
    assert len(server.requests("GET", "/api/v3/order")) == 1  # one look-up per order
