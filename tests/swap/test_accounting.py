"""Swap accounting: effective price, realized slippage against the quote, fees in quote."""

from __future__ import annotations

from decimal import Decimal

from lpexec.swap import account_swap, native_price_for


def test_a_sell_that_received_less_than_quoted():
    figures = account_swap(
        side="SELL",
        base_amount=Decimal(2),
        quote_amount=Decimal("358.2"),
        tx_fee_native=Decimal("0.000025"),
        native_price=Decimal("179.1"),
        quoted_base=Decimal(2),
        quoted_quote=Decimal(360),
    )

    assert figures.effective_price == Decimal("179.1")
    assert figures.quoted_price == Decimal(180)
    assert figures.realized_slippage == Decimal("0.005")
    assert figures.shortfall_quote == Decimal("1.8")
    assert figures.network_fee_quote == Decimal("0.0044775")
    assert figures.volume_quote == Decimal("358.2")
    assert figures.fees_paid_quote == figures.network_fee_quote


def test_a_buy_that_paid_less_than_quoted_has_negative_slippage():
    figures = account_swap(
        side="BUY",
        base_amount=Decimal(1),
        quote_amount=Decimal("179.1"),
        tx_fee_native=Decimal("0.00005"),
        native_price=None,
        quoted_base=Decimal(1),
        quoted_quote=Decimal(180),
    )

    assert figures.realized_slippage == Decimal("-0.005")
    assert figures.shortfall_quote == Decimal("-0.9")
    assert figures.network_fee_quote == 0


def test_without_a_fill_or_a_quote_the_figures_are_empty():
    figures = account_swap(
        side="SELL",
        base_amount=Decimal(0),
        quote_amount=Decimal(0),
        tx_fee_native=Decimal(0),
        native_price=Decimal(1),
    )

    assert (figures.effective_price, figures.realized_slippage, figures.quoted_price) == (
        0,
        None,
        None,
    )


def test_the_native_price_comes_from_the_pair_when_it_holds_the_native_token():
    common = {"native_token": "SOL", "effective_price": Decimal(180), "native_price": Decimal(7)}

    assert native_price_for(base_token="SOL", quote_token="USDC", **common) == Decimal(180)
    assert native_price_for(base_token="JUP", quote_token="SOL", **common) == Decimal(1)
    assert native_price_for(base_token="JUP", quote_token="USDC", **common) == Decimal(7)
