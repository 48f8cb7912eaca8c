"""Unknown outcomes and errors: a place that times out is never re-sent, reconcile finds the order
by client order id (or certainly does not), and each ccxt error class maps onto the core's."""

from __future__ import annotations

import datetime as dt
import socket
from decimal import Decimal

import pytest

from lpexec.core import (
    CancelOrder,
    Evidence,
    OrderCanceled,
    OrderCreated,
    OrderFilled,
    OutcomeUnknownError,
    PlaceOrder,
    VenueRejectedError,
    VenueUnavailableError,
)

D = Decimal
V = "binance_spot"
COID = "lpx6f1c0a9e2b7d4c8e1f3a5b7c9d0e2"


def place(**fields) -> PlaceOrder:
    values = {
        "command_id": "cmd-1",
        "executor_id": "ord-1",
        "venue": "binance",
        "trading_pair": "SOL-USDT",
        "side": "BUY",
        "order_type": "LIMIT",
        "amount": D("1.5"),
        "price": D("131.25"),
        "client_order_id": COID,
    }
    values.update(fields)
    return PlaceOrder(**values)


def cancel() -> CancelOrder:
    return CancelOrder(
        command_id="cmd-2",
        executor_id="ord-1",
        venue="binance",
        trading_pair="SOL-USDT",
        client_order_id=COID,
    )


@pytest.fixture
def spot(server, make_venue):
    server.json("GET", "/api/v3/exchangeInfo", V, "exchange_info")
    return make_venue("binance")


async def timed_out_place(spot, server) -> Evidence:
    """Place an order whose answer never comes; return the evidence the send left."""
    await spot.trading_rules("SOL-USDT")  # markets read at the usual timeout
    spot.exchange.timeout = 100  # ms: ccxt's request timeout, so the hang times out at once
    server.answer("POST", "/api/v3/order", "hang")
    evidence = Evidence()
    with pytest.raises(OutcomeUnknownError) as caught:
        await spot.place_order(place(), evidence)
    assert caught.value.code == "timeout"
    return evidence


async def test_a_timeout_on_place_is_unknown_and_reconcile_finds_the_order(spot, server, clock):
    evidence = await timed_out_place(spot, server)
    server.json("GET", "/api/v3/order", V, "order_query_partially_filled")
    server.json("GET", "/api/v3/myTrades", V, "my_trades_order")

    outcome = await spot.reconcile(place(), evidence)

    created, fill = outcome
    assert created == OrderCreated(
        ts_event=clock.now(),
        command_id="cmd-1",
        client_order_id=COID,
        venue_order_id="14237961553",
    )
    assert isinstance(fill, OrderFilled)
    assert (fill.fill_id, fill.base_amount, fill.is_final) == ("1188205533", D("0.4"), False)
    (lookup,) = server.requests("GET", "/api/v3/order")
    assert lookup.fields["origClientOrderId"] == COID
    assert len(server.requests("POST", "/api/v3/order")) == 1  # never sent again


async def test_an_order_not_found_after_the_receive_window_was_never_made(spot, server, clock):
    evidence = await timed_out_place(spot, server)
    server.json("GET", "/api/v3/order", V, "error_order_not_exist", status=400)
    clock.advance(31)

    assert await spot.reconcile(place(), evidence) is None
    assert len(server.requests("POST", "/api/v3/order")) == 1


async def test_an_order_not_found_within_the_receive_window_is_still_unknown(spot, server, clock):
    evidence = await timed_out_place(spot, server)
    server.json("GET", "/api/v3/order", V, "error_order_not_exist", status=400)
    clock.advance(5)

    with pytest.raises(OutcomeUnknownError, match="not found 5.0 s after") as caught:
        await spot.reconcile(place(), evidence)
    assert caught.value.code == "not_found_yet"


async def test_reconcile_that_cannot_read_the_venue_leaves_the_outcome_unknown_to_the_engine(
    spot, server
):
    evidence = await timed_out_place(spot, server)
    server.answer("GET", "/api/v3/order", (503, {"code": -1001, "msg": "Internal error."}))

    with pytest.raises(VenueUnavailableError):  # the outbox keeps it unknown and asks again
        await spot.reconcile(place(), evidence)


async def test_reconcile_of_a_canceled_order_answers_its_record(spot, server, clock):
    canceled = {**server.payload(V, "order_query_partially_filled"), "status": "CANCELED"}
    server.answer("GET", "/api/v3/order", (200, canceled))
    server.json("GET", "/api/v3/myTrades", V, "my_trades_order")

    created, fill, end = await spot.reconcile(cancel(), Evidence())

    assert (created.command_id, fill.fill_id) == ("cmd-2", "1188205533")
    assert end == OrderCanceled(ts_event=clock.now(), command_id="cmd-2", client_order_id=COID)


async def test_reconcile_of_a_cancel_of_an_order_never_made_says_it_did_not_land(spot, server):
    server.json("GET", "/api/v3/order", V, "error_order_not_exist", status=400)

    assert await spot.reconcile(cancel(), Evidence()) is None


async def test_reconcile_of_a_cancel_whose_order_is_still_open_says_it_did_not_land(spot, server):
    server.json("GET", "/api/v3/order", V, "order_query_partially_filled")
    server.json("GET", "/api/v3/myTrades", V, "my_trades_order")

    assert await spot.reconcile(cancel(), Evidence()) is None


# --- the error table, through the wire ------------------------------------------------------

BINANCE_ERRORS = [
    # (HTTP status, payload, core error, code)
    (400, "error_insufficient_balance", VenueRejectedError, "insufficient_funds"),
    (400, "error_filter_lot_size", VenueRejectedError, "invalid_order"),
    (400, "error_invalid_symbol", VenueRejectedError, "bad_symbol"),
    (429, "error_too_many_requests", VenueUnavailableError, "rate_limited"),
    (418, "error_too_many_requests", VenueUnavailableError, "rate_limited"),
]


@pytest.mark.parametrize(("status", "name", "error", "code"), BINANCE_ERRORS)
async def test_an_exchange_refusal_on_place_maps_to_its_core_error(
    spot, server, status, name, error, code
):
    server.json("POST", "/api/v3/order", V, name, status=status)

    with pytest.raises(error) as caught:
        await spot.place_order(place(), Evidence())

    assert type(caught.value) is error and caught.value.code == code
    assert str(caught.value).startswith(f"place LIMIT BUY order {COID} on SOL/USDT: ")


GATEWAY_PAGE = "<html><body><h1>502 Bad Gateway</h1></body></html>"
INTERNAL_ERROR = {"code": -1001, "msg": "Internal error; unable to process your request."}
BACKEND_TIMEOUT = {
    "code": -1007,
    "msg": "Timeout waiting for response from backend server. Send status unknown; "
    "execution status unknown.",
}


@pytest.mark.parametrize(
    ("status", "body"),
    [(500, GATEWAY_PAGE), (502, GATEWAY_PAGE), (503, GATEWAY_PAGE), (500, INTERNAL_ERROR)]
    + [(408, BACKEND_TIMEOUT), (504, GATEWAY_PAGE)],
)
async def test_a_5xx_on_place_is_unknown_but_on_a_read_is_unavailable(spot, server, status, body):
    server.answer("POST", "/api/v3/order", (status, body))
    server.answer("GET", "/api/v3/account", (status, body))

    with pytest.raises(OutcomeUnknownError, match="may have been carried out"):
        await spot.place_order(place(), Evidence())
    with pytest.raises(VenueUnavailableError):
        await spot.balances()


async def test_a_timeout_on_a_read_is_unavailable(spot, server):
    await spot.trading_rules("SOL-USDT")
    spot.exchange.timeout = 100
    server.answer("GET", "/api/v3/account", "hang")

    with pytest.raises(VenueUnavailableError) as caught:
        await spot.balances()
    assert caught.value.code == "timeout"


async def test_an_exchange_that_refuses_the_connection_is_unavailable_even_for_a_place(
    make_venue, server
):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server.base_url = f"http://127.0.0.1:{port}"
    venue = make_venue("binance")

    with pytest.raises(VenueUnavailableError) as caught:
        await venue.trading_rules("SOL-USDT")
    assert caught.value.code == "unreachable"


async def test_a_place_whose_connection_is_refused_is_unavailable_not_unknown(
    spot, server, point_at
):
    await spot.trading_rules("SOL-USDT")  # markets loaded while the exchange answers
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    point_at(spot.exchange, f"http://127.0.0.1:{port}")

    with pytest.raises(VenueUnavailableError) as caught:
        await spot.place_order(place(), Evidence())
    assert caught.value.code == "unreachable"


async def test_cancel_of_an_order_the_exchange_does_not_know_is_rejected(spot, server):
    server.json("DELETE", "/api/v3/order", V, "error_unknown_order_cancel", status=400)
    server.json("GET", "/api/v3/order", V, "error_order_not_exist", status=400)

    with pytest.raises(VenueRejectedError) as caught:
        await spot.cancel_order(cancel(), Evidence())
    assert caught.value.code == "order_not_found"


def test_since_must_be_aware():
    from lpexec.venues.ccxt.records import to_ms

    with pytest.raises(ValueError, match="aware"):
        to_ms(dt.datetime(2026, 1, 1))
