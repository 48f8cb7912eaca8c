"""Saving and loading the paper exchange: the whole state round-trips exactly, and a loaded
exchange behaves as the original from then on."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lpexec.paper.exchange import (
    Market,
    OrderSide,
    OrderStatus,
    OrderType,
    PaperExchange,
    PerpetualSpec,
    StateFormatError,
)
from lpexec.paper.exchange.persistence import write_json_atomic

from .conftest import PAIR, T0, make_exchange, make_perp_exchange, make_rules

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL
PERP_PAIR = "ETH-USDC"


def make_mixed_exchange() -> PaperExchange:
    """A spot SOL-USDC and a perpetual ETH-USDC with funding every hour, capped fills."""
    spot = Market(trading_pair=PAIR, rules=make_rules(), fill_cap=D(2))
    perp = Market(
        trading_pair=PERP_PAIR,
        rules=make_rules(min_amount=D(0), min_notional=D(0)),
        fill_cap=D(3),
        perpetual=PerpetualSpec(
            max_leverage=10,
            maintenance_margin_ratio=D("0.05"),
            funding_rate=D("0.0001"),
            funding_interval_seconds=3600,
        ),
    )
    exchange = PaperExchange(
        [spot, perp],
        balances={"USDC": D(50_000), "SOL": D(20)},
        maker_fee=D("0.0002"),
        taker_fee=D("0.0005"),
    )
    exchange.set_leverage(PERP_PAIR, 5)
    return exchange


def busy_exchange() -> PaperExchange:
    exchange = make_mixed_exchange()
    exchange.step(PAIR, bid=D(99), ask=D(101), last=D(100), now=T0)
    exchange.step(PERP_PAIR, bid=D(2000), ask=D(2001), last=D("2000.5"), now=T0)
    exchange.place("s-1", PAIR, BUY, OrderType.MARKET, D(3))  # capped: 2 filled, rest canceled
    exchange.place("s-2", PAIR, SELL, OrderType.LIMIT, D(5), D(104))  # rests
    exchange.place("s-3", PAIR, BUY, OrderType.LIMIT, D("0.01"), D(90))  # rejected: too small
    exchange.place("p-1", PERP_PAIR, BUY, OrderType.MARKET, D(2))
    exchange.place("p-2", PERP_PAIR, SELL, OrderType.LIMIT, D(4), D(2100))  # rests
    exchange.step(PERP_PAIR, bid=D(2050), ask=D(2051), last=D(2050), now=T0 + dt.timedelta(hours=2))
    exchange.step(PAIR, bid=D(104), ask=D(105), last=D(104), now=T0 + dt.timedelta(hours=2))
    return exchange


def test_to_dict_is_json_and_round_trips_exactly():
    # Arrange
    exchange = busy_exchange()
    # Act
    data = exchange.to_dict()
    text = json.dumps(data)
    restored = PaperExchange.from_dict(json.loads(text))
    # Assert
    assert restored.to_dict() == data
    assert restored.balances() == exchange.balances()
    assert restored.positions() == exchange.positions()
    assert restored.funding_payments() == exchange.funding_payments()
    assert restored.fills_since(0) == exchange.fills_since(0)
    assert restored.open_orders() == exchange.open_orders()
    assert restored.order("s-3").status is OrderStatus.REJECTED
    assert len(exchange.funding_payments()) == 2  # two hourly funding times passed


def test_busy_exchange_holds_every_kind_of_record():
    # The round trip above is only worth something if the state is not trivial.
    exchange = busy_exchange()
    assert {o.status for o in (exchange.order(c) for c in ("s-1", "s-2", "s-3", "p-1", "p-2"))} == {
        OrderStatus.OPEN,
        OrderStatus.CANCELED,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.REJECTED,
        OrderStatus.FILLED,
    }
    assert exchange.positions() and exchange.open_orders()
    assert exchange.market(PAIR).capacity_left(SELL) == 0  # the step's cap is used up


def test_save_and_load_a_file(tmp_path):
    exchange = busy_exchange()
    path = tmp_path / "exchange.json"
    exchange.save(path)
    exchange.save(path)  # over an existing file
    assert PaperExchange.load(path).to_dict() == exchange.to_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["exchange.json"]  # no temporary left


def test_a_save_that_fails_leaves_the_previous_file(tmp_path):
    path = tmp_path / "exchange.json"
    exchange = busy_exchange()
    exchange.save(path)
    before = path.read_text()
    with pytest.raises(TypeError):
        write_json_atomic(path, {"bad": object()})
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["exchange.json"]


def test_the_loaded_exchange_continues_as_the_original():
    original = busy_exchange()
    restored = PaperExchange.from_dict(original.to_dict())
    for exchange in (original, restored):
        exchange.step(PAIR, bid=D(103), ask=D(104), last=D(104), now=T0 + dt.timedelta(hours=3))
        exchange.step(
            PERP_PAIR, bid=D(2100), ask=D(2101), last=D(2100), now=T0 + dt.timedelta(hours=3)
        )
        exchange.place("after", PERP_PAIR, SELL, OrderType.MARKET, D(1))
    assert restored.to_dict() == original.to_dict()


def test_capacity_left_in_the_step_survives_a_reload():
    exchange = make_exchange(fill_cap=D(3))
    exchange.place("a", PAIR, BUY, OrderType.MARKET, D(2))
    restored = PaperExchange.from_dict(exchange.to_dict())
    order = restored.place("b", PAIR, BUY, OrderType.MARKET, D(2))
    assert order.filled_amount == 1  # one of the step's three was left


def test_an_unknown_format_is_refused():
    data = busy_exchange().to_dict()
    data["format"] = "something/else"
    with pytest.raises(StateFormatError, match="format"):
        PaperExchange.from_dict(data)


def test_a_missing_field_is_refused_with_its_place():
    data = busy_exchange().to_dict()
    del data["orders"][0]["order"]["side"]
    with pytest.raises(StateFormatError, match="orders"):
        PaperExchange.from_dict(data)


def test_reservations_that_do_not_add_up_are_refused():
    data = busy_exchange().to_dict()
    data["balances"]["USDC"]["reserved"] = "1"
    with pytest.raises(StateFormatError, match="reserved"):
        PaperExchange.from_dict(data)


def test_funding_saved_before_its_position_size_was_kept_loads_without_it():
    # Arrange: a file written before payments carried the size they were charged on
    exchange = busy_exchange()
    data = exchange.to_dict()
    for payment in data["perpetual"]["funding_payments"]:
        del payment["position_amount"]
    # Act
    restored = PaperExchange.from_dict(data)
    # Assert: the payments, with no size; the exchange's own carry it
    assert [p.amount for p in restored.funding_payments()] == [
        p.amount for p in exchange.funding_payments()
    ]
    assert {p.position_amount for p in restored.funding_payments()} == {None}
    assert None not in {p.position_amount for p in exchange.funding_payments()}


def test_a_bad_funding_position_size_is_refused_with_its_place():
    data = busy_exchange().to_dict()
    data["perpetual"]["funding_payments"][0]["position_amount"] = "lots"
    with pytest.raises(StateFormatError, match="position_amount"):
        PaperExchange.from_dict(data)


def test_a_position_on_an_unknown_market_is_refused():
    data = busy_exchange().to_dict()
    data["perpetual"]["positions"][0]["trading_pair"] = "BTC-USDC"
    with pytest.raises(StateFormatError, match="BTC-USDC"):
        PaperExchange.from_dict(data)


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "exchange.json"
    path.write_text("{not json")
    with pytest.raises(StateFormatError, match="JSON"):
        PaperExchange.load(path)


# -- property: any history round-trips and continues identically ------------------------------

prices = st.integers(min_value=1_900, max_value=2_100).map(D)
amounts = st.integers(min_value=1, max_value=400).map(lambda hundredths: D(hundredths) / 100)
operation = st.one_of(
    st.tuples(
        st.just("place"),
        st.sampled_from([PAIR, PERP_PAIR]),
        st.sampled_from(list(OrderSide)),
        st.sampled_from(list(OrderType)),
        amounts,
        prices,
        st.sampled_from([None, "OPEN", "CLOSE"]),
    ),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("step"), st.sampled_from([PAIR, PERP_PAIR]), prices, st.integers(1, 5)),
)


def apply(exchange: PaperExchange, index: int, op: tuple) -> None:
    if op[0] == "place":
        _, pair, side, kind, amount, price, action = op
        if pair == PAIR:
            price, action = price / 20, None  # SOL around 100
        exchange.place(f"o-{index}", pair, side, kind, amount, price, action)
    elif op[0] == "cancel":
        open_orders = exchange.open_orders()
        if open_orders:
            exchange.cancel(open_orders[op[1] % len(open_orders)].client_order_id)
    else:
        _, pair, price, spread = op
        if pair == PAIR:
            price = price / 20
        moment = T0 + dt.timedelta(minutes=37 * index)
        exchange.step(pair, bid=price, ask=price + spread, last=price, now=moment)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=st.lists(operation, max_size=25), after=st.lists(operation, max_size=10))
def test_any_history_round_trips_and_continues_identically(before, after):
    # Arrange
    original = make_mixed_exchange()
    for index, op in enumerate(before):
        apply(original, index, op)
    # Act
    restored = PaperExchange.from_dict(json.loads(json.dumps(original.to_dict())))
    # Assert
    assert restored.to_dict() == original.to_dict()
    for index, op in enumerate(after, start=len(before)):
        apply(original, index, op)
        apply(restored, index, op)
    assert restored.to_dict() == original.to_dict()


def test_a_perpetual_exchange_round_trips_its_mode_and_leverage():
    exchange = make_perp_exchange(mode="HEDGE", leverage=7)
    restored = PaperExchange.from_dict(exchange.to_dict())
    assert restored.position_mode == "HEDGE" and restored.leverage("SOL-USDC") == 7
