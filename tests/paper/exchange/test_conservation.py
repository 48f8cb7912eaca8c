"""Property: under any sequence of places, cancels and steps, balances never go negative and each
asset's total moves only by the fills (base in and out, quote out and in, minus the fees)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lpexec.paper.exchange import OrderSide, OrderType

from .conftest import PAIR, make_exchange

START = {"USDC": Decimal(1_000), "SOL": Decimal(10)}

prices = st.integers(min_value=9_000, max_value=11_000).map(lambda cents: Decimal(cents) / 100)
amounts = st.integers(min_value=1, max_value=500).map(lambda hundredths: Decimal(hundredths) / 100)
places = st.tuples(
    st.just("place"),
    st.sampled_from(list(OrderSide)),
    st.sampled_from(list(OrderType)),
    amounts,
    prices,
)
cancels = st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=30))
steps = st.tuples(
    st.just("step"), prices, st.integers(min_value=0, max_value=200).map(lambda c: Decimal(c) / 100)
)
operations = st.lists(st.one_of(places, cancels, steps), max_size=40)


def check_invariants(exchange) -> None:
    balances = exchange.balances()
    for balance in balances.values():
        assert balance.total >= 0
        assert 0 <= balance.reserved <= balance.total
    fills = exchange.fills_since(0)
    bought = sum((f.amount for f in fills if f.side is OrderSide.BUY), Decimal(0))
    sold = sum((f.amount for f in fills if f.side is OrderSide.SELL), Decimal(0))
    paid = sum((f.amount * f.price for f in fills if f.side is OrderSide.BUY), Decimal(0))
    received = sum((f.amount * f.price for f in fills if f.side is OrderSide.SELL), Decimal(0))
    fees = sum((f.fee for f in fills), Decimal(0))
    assert balances["SOL"].total == START["SOL"] + bought - sold
    assert balances["USDC"].total == START["USDC"] - paid + received - fees


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=operations, fill_cap=st.sampled_from([None, Decimal("0.5"), Decimal(2)]))
def test_balances_never_negative_and_assets_conserved_minus_fees(operations, fill_cap):
    # Arrange
    exchange = make_exchange(fill_cap=fill_cap, balances=dict(START))
    # Act
    for index, operation in enumerate(operations):
        kind = operation[0]
        if kind == "place":
            _, side, order_type, amount, price = operation
            exchange.place(f"o-{index}", PAIR, side, order_type, amount, price)
        elif kind == "cancel":
            open_orders = exchange.open_orders()
            if open_orders:
                exchange.cancel(open_orders[operation[1] % len(open_orders)].client_order_id)
        else:
            _, bid, spread = operation
            exchange.step(PAIR, bid=bid, ask=bid + spread, last=bid)
        # Assert
        check_invariants(exchange)
    for order in exchange.open_orders():
        exchange.cancel(order.client_order_id)
    assert all(balance.reserved == 0 for balance in exchange.balances().values())
    check_invariants(exchange)
