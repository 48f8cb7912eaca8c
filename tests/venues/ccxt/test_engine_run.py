"""An order executor through the real engine on the ccxt venue (Binance spot on loopback): a
place whose answer never comes is reconciled by client order id, never sent twice, and the
order poller delivers the fills made afterwards; a stop's cancel brings the fill nobody polled."""

from __future__ import annotations

from decimal import Decimal

from lpexec.cex import OrderExecutor, OrderExecutorConfig, OrderState
from lpexec.core import CloseType, Engine, MemoryStore, OrderPoller

D = Decimal
V = "binance_spot"


def echo(server, name: str):
    """Answer an order query with a recorded order under the client order id asked for."""
    order = server.payload(V, name)
    return lambda received: (200, {**order, "clientOrderId": received.fields["origClientOrderId"]})


def engine_on(venue, clock) -> Engine:
    return Engine(
        store=MemoryStore(), clock=clock, executor_types=[OrderExecutor], venues={"binance": venue}
    )


def limit_buy() -> OrderExecutorConfig:
    return OrderExecutorConfig(
        id="ord-1",
        trading_pair="SOL-USDT",
        connector_name="binance",
        side="BUY",
        amount=D("1.5"),
        execution_strategy="LIMIT",
        price=D("131.25"),
    )


def echo_new(server, name: str):
    """Answer a new order with a recorded one under the client order id sent."""
    order = server.payload(V, name)
    return lambda received: (200, {**order, "clientOrderId": received.fields["newClientOrderId"]})


async def test_a_lost_place_is_reconciled_then_its_later_fills_arrive_by_the_poller(
    server, make_venue, clock
):
    server.json("GET", "/api/v3/exchangeInfo", V, "exchange_info")
    venue = make_venue("binance")
    await venue.trading_rules("SOL-USDT")
    venue.exchange.timeout = 100  # ms: the hanging place times out at once
    server.answer("POST", "/api/v3/order", "hang")
    server.answer("GET", "/api/v3/order", echo(server, "order_query_partially_filled"))
    server.json("GET", "/api/v3/myTrades", V, "my_trades_order")
    engine = engine_on(venue, clock)
    executor = engine.add(limit_buy())

    await engine.drain()  # the place times out; the engine reconciles it in the same drain

    coid = executor.state.client_order_id
    (sent,) = server.requests("POST", "/api/v3/order")
    assert sent.fields["newClientOrderId"] == coid
    assert server.requests("GET", "/api/v3/order")[0].fields["origClientOrderId"] == coid
    assert executor.state.order_state is OrderState.OPEN
    assert executor.state.filled_base == D("0.4")

    server.answer("GET", "/api/v3/order", echo(server, "order_query_filled"))
    server.json("GET", "/api/v3/myTrades", V, "my_trades_order_filled")
    await OrderPoller(engine).poll_once()

    assert executor.state.order_state is OrderState.FILLED
    assert executor.state.filled_base == D("1.5")
    assert [fill.fill_id for fill in executor.state.fills] == ["1188205533", "1188206019"]
    assert len(server.requests("POST", "/api/v3/order")) == 1  # never sent twice


async def test_a_stop_cancels_and_the_fill_nobody_polled_arrives_with_the_cancel(
    server, make_venue, clock
):
    server.json("GET", "/api/v3/exchangeInfo", V, "exchange_info")
    server.answer("POST", "/api/v3/order", echo_new(server, "order_new_limit"))
    server.json("DELETE", "/api/v3/order", V, "order_cancel")  # 0.4 filled before the cancel
    server.json("GET", "/api/v3/myTrades", V, "my_trades_order")
    engine = engine_on(make_venue("binance"), clock)
    executor = engine.add(limit_buy())
    await engine.drain()
    assert executor.state.order_state is OrderState.OPEN and executor.state.filled_base == 0

    await engine.stop(executor.id)
    await engine.drain()

    (cancel,) = server.requests("DELETE", "/api/v3/order")
    assert cancel.fields["origClientOrderId"] == executor.state.client_order_id
    assert executor.state.order_state is OrderState.CANCELED
    assert executor.close_type is CloseType.POSITION_HOLD  # it holds what filled
    assert executor.state.filled_base == D("0.4")
    assert [fill.fill_id for fill in executor.state.fills] == ["1188205533"]
