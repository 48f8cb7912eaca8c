"""Builders for the paper exchange tests: one market SOL-USDC, tick 0.01, step 0.01 (spot or
perpetual)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lpexec.paper.exchange import Market, OrderType, PaperExchange, PerpetualSpec, TradingRules

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


PERP = "SOL-USDC"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def make_perp_exchange(
    *,
    collateral: Decimal = Decimal(1_000),
    leverage: int = 4,
    max_leverage: int = 10,
    mode: str = "ONEWAY",
    maintenance_margin_ratio: Decimal = Decimal("0.0625"),
    funding_rate: Decimal = Decimal(0),
    funding_interval_seconds: int = 3600,
    maker_fee: Decimal = Decimal(0),
    taker_fee: Decimal = Decimal(0),
    fill_cap: Decimal | None = None,
    quote: tuple[str, str, str] | None = ("100", "100", "100"),
) -> PaperExchange:
    """A perpetual SOL-USDC (tick 0.01, step 0.01, no minimums) stepped once at T0."""
    spec = PerpetualSpec(
        max_leverage=max_leverage,
        maintenance_margin_ratio=maintenance_margin_ratio,
        funding_rate=funding_rate,
        funding_interval_seconds=funding_interval_seconds,
    )
    rules = make_rules(min_amount=Decimal(0), min_notional=Decimal(0))
    market = Market(trading_pair=PERP, rules=rules, fill_cap=fill_cap, perpetual=spec)
    exchange = PaperExchange(
        [market], balances={"USDC": collateral}, maker_fee=maker_fee, taker_fee=taker_fee
    )
    exchange.set_position_mode(mode)  # type: ignore[arg-type]
    exchange.set_leverage(PERP, leverage)
    if quote is not None:
        bid, ask, last = (Decimal(x) for x in quote)
        exchange.step(PERP, bid=bid, ask=ask, last=last, now=T0)
    return exchange
