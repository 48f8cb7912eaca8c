"""The ccxt adapter on a second exchange, OKX spot (JSON bodies, ``clOrdId``, a passphrase), at
the network boundary: the same port behaviour from the same code, with OKX's own payloads."""

from __future__ import annotations

import logging
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
)

D = Decimal
V = "okx_spot"
COID = "lpx6f1c0a9e2b7d4c8e1f3a5b7c9d0e2"
API_KEY = "tEsTkEyA1b2C3d4E5f6G7h8I9j0"
API_SECRET = "tEsTsEcReTz9Y8x7W6v5U4t3S2r1"
API_PASSWORD = "tEsTpAsSpHrAsE42"


def place(**fields) -> PlaceOrder:
    values = {
        "command_id": "cmd-1",
        "executor_id": "ord-1",
        "venue": "okx",
        "trading_pair": "SOL-USDT",
        "side": "BUY",
        "order_type": "LIMIT",
        "amount": D("1.5"),
        "price": D("131.25"),
        "client_order_id": COID,
    }
    values.update(fields)
    return PlaceOrder(**values)


@pytest.fixture
def okx(server, make_venue):
    server.json("GET", "/api/v5/public/instruments", V, "instruments_spot")
    return make_venue("okx", key="okx")


async def timing_out(okx) -> None:
    """Markets read at the usual timeout, then a 100 ms one so that a hang times out at once."""
    await okx.trading_rules("SOL-USDT")
    okx.exchange.timeout = 100


async def test_trading_rules_come_from_the_instruments(okx, server):
    rules = await okx.trading_rules("SOL-USDT")
    btc = await okx.trading_rules("BTC-USDT")

    assert (rules.price_tick, rules.amount_step, rules.min_amount) == (
        D("0.01"),
        D("0.000001"),
        D("0.01"),
    )
    assert (btc.price_tick, btc.amount_step) == (D("0.1"), D("0.00000001"))
    (query,) = server.requests("GET", "/api/v5/public/instruments")
    assert query.fields == {"instType": "SPOT"}


async def test_a_limit_place_sends_our_client_order_id_as_cl_ord_id(okx, server, clock, caplog):
    caplog.set_level(logging.DEBUG)
    server.json("POST", "/api/v5/trade/batch-orders", V, "order_placed")

    events = await okx.place_order(place(), Evidence())

    (sent,) = server.requests("POST", "/api/v5/trade/batch-orders")
    (order,) = sent.body
    assert (order["clOrdId"], order["instId"], order["side"], order["ordType"]) == (
        COID,
        "SOL-USDT",
        "buy",
        "limit",
    )
    assert (D(order["sz"]), D(order["px"])) == (D("1.5"), D("131.25"))
    assert events == [
        OrderCreated(
            ts_event=clock.now(),
            command_id="cmd-1",
            client_order_id=COID,
            venue_order_id="2150948376541765632",
        )
    ]
    # the passphrase travels in a header and nowhere else
    assert sent.headers["OK-ACCESS-PASSPHRASE"] == API_PASSWORD
    for secret in (API_KEY, API_SECRET, API_PASSWORD, sent.headers["OK-ACCESS-SIGN"]):
        assert secret not in caplog.text


async def test_a_post_only_order_is_sent_as_okx_post_only(okx, server):
    server.json("POST", "/api/v5/trade/batch-orders", V, "order_placed")

    await okx.place_order(place(order_type="LIMIT_MAKER"), Evidence())

    (sent,) = server.requests("POST", "/api/v5/trade/batch-orders")
    assert sent.body[0]["ordType"] == "post_only"


async def test_insufficient_balance_is_rejected(okx, server):
    server.json("POST", "/api/v5/trade/batch-orders", V, "place_insufficient_balance")

    with pytest.raises(VenueRejectedError) as caught:
        await okx.place_order(place(), Evidence())
    assert caught.value.code == "insufficient_funds"


async def test_a_timed_out_place_is_found_by_cl_ord_id_with_its_fills(okx, server, clock):
    await timing_out(okx)
    server.answer("POST", "/api/v5/trade/batch-orders", "hang")
    evidence = Evidence()
    with pytest.raises(OutcomeUnknownError):
        await okx.place_order(place(), evidence)
    server.json("GET", "/api/v5/trade/order", V, "order_partially_filled")
    server.json("GET", "/api/v5/trade/fills-history", V, "fills_order")

    created, fill = await okx.reconcile(place(), evidence)

    (lookup,) = server.requests("GET", "/api/v5/trade/order")
    assert lookup.fields == {"instId": "SOL-USDT", "clOrdId": COID}
    assert created.venue_order_id == "2150948376541765632"
    assert isinstance(fill, OrderFilled)
    # OKX reports the fee negative, in SOL: a cost of 0.0004 SOL at 131.25
    assert (fill.fill_id, fill.base_amount, fill.price, fill.fee_quote) == (
        "471958032",
        D("0.4"),
        D("131.25"),
        D("0.0525"),
    )
    assert len(server.requests("POST", "/api/v5/trade/batch-orders")) == 1


async def test_a_timed_out_place_not_found_after_the_window_was_never_made(okx, server, clock):
    await timing_out(okx)
    server.answer("POST", "/api/v5/trade/batch-orders", "hang")
    evidence = Evidence()
    with pytest.raises(OutcomeUnknownError):
        await okx.place_order(place(), evidence)
    server.json("GET", "/api/v5/trade/order", V, "order_does_not_exist")

    clock.advance(10)
    with pytest.raises(OutcomeUnknownError, match="not found"):
        await okx.reconcile(place(), evidence)
    clock.advance(60)
    assert await okx.reconcile(place(), evidence) is None


async def test_cancel_sends_cl_ord_id_and_answers_the_record_read_after_it(okx, server, clock):
    server.json("POST", "/api/v5/trade/cancel-order", V, "order_canceled")
    server.json("GET", "/api/v5/trade/order", V, "order_partially_filled")  # books lag a cancel
    server.json("GET", "/api/v5/trade/fills-history", V, "fills_order")
    command = CancelOrder(
        command_id="cmd-2",
        executor_id="ord-1",
        venue="okx",
        trading_pair="SOL-USDT",
        client_order_id=COID,
    )

    created, fill, canceled = await okx.cancel_order(command, Evidence())

    (sent,) = server.requests("POST", "/api/v5/trade/cancel-order")
    assert sent.body == {"instId": "SOL-USDT", "clOrdId": COID}
    # OKX answers a cancel with ids only: the record is read by client order id after it
    (lookup,) = server.requests("GET", "/api/v5/trade/order")
    assert lookup.fields["clOrdId"] == COID
    assert (created.venue_order_id, fill.fill_id) == ("2150948376541765632", "471958032")
    assert canceled == OrderCanceled(ts_event=clock.now(), command_id="cmd-2", client_order_id=COID)


async def test_balances(okx, server):
    server.json("GET", "/api/v5/account/balance", V, "account_balance")

    balances = await okx.balances()

    assert (balances["USDT"].total, balances["USDT"].available) == (
        D("1947.49845678"),
        D("1803.12345678"),
    )
    assert balances["SOL"].total == balances["SOL"].available == D("12.345")


# --- OKX linear perpetuals: amounts in contracts of 0.01 BTC ---------------------------------

W = "okx_swap"
PERP_COID = "lpx9a8b7c6d5e4f3a2b1c0d9e8f7a6b5"


@pytest.fixture
def okx_perps(server, make_venue):
    server.json("GET", "/api/v5/public/instruments", W, "instruments_swap")
    server.json("GET", "/api/v5/account/config", W, "account_config")  # net (one-way) mode
    return make_venue("okx", key="okx_perpetual", market_type="swap")


async def test_perpetual_rules_are_in_base_not_contracts(okx_perps, server):
    rules = await okx_perps.trading_rules("BTC-USDT")

    # lot 0.01 contract x 0.01 BTC per contract
    assert (rules.price_tick, rules.amount_step, rules.min_amount) == (
        D("0.1"),
        D("0.0001"),
        D("0.0001"),
    )
    (query,) = server.requests("GET", "/api/v5/public/instruments")
    assert query.fields == {"instType": "SWAP"}


async def test_a_perpetual_close_is_sent_in_contracts_reduce_only(okx_perps, server):
    server.json("POST", "/api/v5/trade/batch-orders", W, "order_placed")

    await okx_perps.place_order(
        place(
            trading_pair="BTC-USDT",
            side="SELL",
            order_type="MARKET",
            amount=D("0.025"),
            price=None,
            client_order_id=PERP_COID,
            position_action="CLOSE",
        ),
        Evidence(),
    )

    (sent,) = server.requests("POST", "/api/v5/trade/batch-orders")
    (order,) = sent.body
    assert (order["instId"], order["clOrdId"], order["reduceOnly"]) == (
        "BTC-USDT-SWAP",
        PERP_COID,
        True,
    )
    assert D(order["sz"]) == D("2.5")  # 0.025 BTC in contracts of 0.01


async def test_perpetual_positions_are_read_in_base(okx_perps, server):
    server.json("GET", "/api/v5/account/positions", W, "positions")

    (position,) = await okx_perps.positions()

    assert (position.trading_pair, position.side, position.amount, position.leverage) == (
        "BTC-USDT",
        "LONG",
        D("0.025"),
        5,
    )
    assert (position.entry_price, position.liquidation_price) == (D("91250.4"), D("73117.41"))


async def test_set_leverage_names_the_margin_mode_okx_needs(okx_perps, server):
    server.json("POST", "/api/v5/account/set-leverage", W, "set_leverage")

    await okx_perps.set_leverage("BTC-USDT", 5)

    (sent,) = server.requests("POST", "/api/v5/account/set-leverage")
    assert sent.body == {"lever": 5, "mgnMode": "cross", "instId": "BTC-USDT-SWAP"}
