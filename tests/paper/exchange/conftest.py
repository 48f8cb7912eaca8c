"""Builders for the paper exchange tests: one market SOL-USDC, tick 0.01, step 0.01."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lpexec.paper.exchange import Market, OrderType, PaperExchange, TradingRules

PAIR = "SOL-USDC"


def make_rules(**overrides: object) -> TradingRules:
    fields: dict[str, object] = {
        "price_tick": Decimal("0.01"),
        "amount_step": Decimal("0.01"),
        "min_amount": Decimal("0.1"),
        "min_notional": Decimal("5"),
    }
    fields.update(overrides)
    return TradingRules(**fields)  # type: ignore[arg-type]


def make_exchange(
    *,
    fill_cap: Decimal | None = None,
    balances: dict[str, Decimal] | None = None,
    maker_fee: Decimal = Decimal("0.001"),
    taker_fee: Decimal = Decimal("0.002"),
    order_types: frozenset[OrderType] = frozenset(OrderType),
    quote: tuple[str, str, str] | None = ("99", "101", "100"),
) -> PaperExchange:
    market = Market(trading_pair=PAIR, rules=make_rules(order_types=order_types), fill_cap=fill_cap)
    exchange = PaperExchange(
        [market],
        balances={"USDC": Decimal(10_000), "SOL": Decimal(100)} if balances is None else balances,
        maker_fee=maker_fee,
        taker_fee=taker_fee,
    )
    if quote is not None:
        bid, ask, last = (Decimal(x) for x in quote)
        exchange.step(PAIR, bid=bid, ask=ask, last=last)
    return exchange


@pytest.fixture
def exchange() -> PaperExchange:
    return make_exchange()
