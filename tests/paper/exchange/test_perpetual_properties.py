"""Property: under any sequence of perpetual places (OPEN, CLOSE, none), cancels and steps (with
funding and liquidations), in either position mode, balances never go negative and the reserved
collateral is exactly the open orders' reservations plus the positions' margins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lpexec.paper.exchange import OrderSide, OrderType, PaperExchange

from .conftest import PERP, T0, make_perp_exchange

prices = st.integers(min_value=7_000, max_value=13_000).map(lambda cents: Decimal(cents) / 100)
amounts = st.integers(min_value=1, max_value=800).map(lambda hundredths: Decimal(hundredths) / 100)
places = st.tuples(
    st.just("place"),
    st.sampled_from(list(OrderSide)),
    st.sampled_from(list(OrderType)),
    amounts,
    prices,
    st.sampled_from([None, "OPEN", "CLOSE"]),
)
cancels = st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=30))
steps = st.tuples(
    st.just("step"),
    prices,
    st.integers(min_value=0, max_value=300).map(lambda c: Decimal(c) / 100),
    st.integers(min_value=1, max_value=90),
)
operations = st.lists(st.one_of(places, cancels, steps), max_size=40)


def check_invariants(exchange: PaperExchange) -> None:
    usdc = exchange.balances()["USDC"]
    assert usdc.total >= 0
    assert 0 <= usdc.reserved <= usdc.total
    data = exchange.to_dict()
    held_by_orders = sum(
        (
            Decimal(saved["reserved"])
            for saved in data["orders"]
            if saved["order"]["status"]
            in {
                "OPEN",
                "PARTIALLY_FILLED",
            }
        ),
        Decimal(0),
    )
    margins = sum((position.margin for position in exchange.positions()), Decimal(0))
    assert usdc.reserved == held_by_orders + margins
    for position in exchange.positions():
        assert position.amount > 0 and position.margin >= 0
    if exchange.position_mode == "ONEWAY":
        assert len(exchange.positions()) <= 1


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    operations=operations,
    mode=st.sampled_from(["ONEWAY", "HEDGE"]),
    leverage=st.sampled_from([1, 3, 10]),
    fill_cap=st.sampled_from([None, Decimal("0.5"), Decimal(3)]),
)
def test_collateral_never_negative_and_reservations_add_up(operations, mode, leverage, fill_cap):
    # Arrange
    exchange = make_perp_exchange(
        collateral=Decimal(300),
        mode=mode,
        leverage=leverage,
        funding_rate=Decimal("0.002"),
        maker_fee=Decimal("0.0002"),
        taker_fee=Decimal("0.0007"),
        fill_cap=fill_cap,
    )
    moment = T0
    # Act
    for index, operation in enumerate(operations):
        kind = operation[0]
        if kind == "place":
            _, side, order_type, amount, price, action = operation
            exchange.place(f"o-{index}", PERP, side, order_type, amount, price, action)
        elif kind == "cancel":
            open_orders = exchange.open_orders()
            if open_orders:
                exchange.cancel(open_orders[operation[1] % len(open_orders)].client_order_id)
        else:
            _, bid, spread, minutes = operation
            moment += dt.timedelta(minutes=minutes)
            exchange.step(PERP, bid=bid, ask=bid + spread, last=bid + spread / 2, now=moment)
        # Assert
        check_invariants(exchange)
    for order in exchange.open_orders():
        exchange.cancel(order.client_order_id)
    check_invariants(exchange)
    margins = sum((position.margin for position in exchange.positions()), Decimal(0))
    assert exchange.balances()["USDC"].reserved == margins
