"""Markets read from ccxt's market structures: precision in either mode, contract sizes, which
markets a venue keeps, and clear errors; the package facade."""

from __future__ import annotations

import inspect
from decimal import Decimal

import pytest
from ccxt.base.decimal_to_precision import DECIMAL_PLACES, SIGNIFICANT_DIGITS, TICK_SIZE

import lpexec.venues.ccxt as facade
from lpexec.venues.ccxt import MarketBook
from lpexec.venues.ccxt.markets import decimal_of, step_from_precision

D = Decimal


def market(**fields) -> dict:
    """A ccxt market structure (the fields the adapter reads), a spot SOL/USDT unless told."""
    values = {
        "symbol": "SOL/USDT",
        "base": "SOL",
        "quote": "USDT",
        "settle": None,
        "type": "spot",
        "spot": True,
        "contract": False,
        "linear": None,
        "active": True,
        "contractSize": None,
        "precision": {"price": 0.01, "amount": 0.001},
        "limits": {"amount": {"min": 0.001}, "cost": {"min": 5.0}},
        "info": {},
    }
    values.update(fields)
    return values


@pytest.mark.parametrize(
    ("value", "mode", "step"),
    [(0.01, TICK_SIZE, D("0.01")), ("0.0001", TICK_SIZE, D("0.0001")), (1e-8, TICK_SIZE, D("1E-8"))]
    + [(2, DECIMAL_PLACES, D("0.01")), (0, DECIMAL_PLACES, D(1)), (8, DECIMAL_PLACES, D("1E-8"))],
)
def test_a_precision_in_either_mode_is_the_increment(value, mode, step):
    assert step_from_precision(value, mode, field="precision.price") == step


def test_significant_digits_and_missing_precision_are_refused_naming_the_field():
    with pytest.raises(ValueError, match="SOL/USDT precision.price: expected a precision mode"):
        step_from_precision(4, SIGNIFICANT_DIGITS, field="SOL/USDT precision.price")
    with pytest.raises(ValueError, match="precision.amount: expected the market's precision"):
        step_from_precision(None, TICK_SIZE, field="precision.amount")


@pytest.mark.parametrize("value", [0.1, 0.3, 131.25, 1e-8, 123456.789])
def test_a_float_from_ccxt_becomes_the_decimal_the_exchange_sent(value):
    assert decimal_of(value, field="price") == D(repr(value))


@pytest.mark.parametrize("value", [None, "", True, "nan", "abc"])
def test_a_value_that_is_not_a_number_is_refused_naming_the_field(value):
    with pytest.raises(ValueError, match="trade.price: expected a"):
        decimal_of(value, field="trade.price")


def test_a_spot_book_keeps_active_spot_markets_by_pair_and_symbol():
    book = MarketBook(
        {
            "SOL/USDT": market(),
            "ETH/USDT": market(symbol="ETH/USDT", base="ETH", active=False),
            "BTC/USDT:USDT": market(symbol="BTC/USDT:USDT", base="BTC", type="swap"),
        },
        market_type="spot",
        precision_mode=TICK_SIZE,
    )

    assert book.pairs() == ["SOL-USDT"]
    spec = book.by_pair("SOL-USDT")
    assert spec is book.by_symbol("SOL/USDT")
    assert (spec.rules.min_notional, spec.contract_size, spec.is_contract) == (D(5), D(1), False)


def test_a_swap_book_keeps_linear_perpetuals_with_amounts_in_base():
    linear = market(
        symbol="BTC/USDT:USDT",
        base="BTC",
        settle="USDT",
        type="swap",
        spot=False,
        contract=True,
        linear=True,
        contractSize=0.01,
        precision={"price": 0.1, "amount": 1},
        limits={"amount": {"min": 1}, "cost": {"min": None}},
    )
    inverse = market(
        symbol="BTC/USD:BTC", base="BTC", quote="USD", settle="BTC", type="swap", linear=False
    )
    book = MarketBook(
        {"BTC/USDT:USDT": linear, "BTC/USD:BTC": inverse},
        market_type="swap",
        precision_mode=TICK_SIZE,
    )

    (pair,) = book.pairs()
    spec = book.by_pair(pair)
    assert pair == "BTC-USDT"
    assert (spec.rules.amount_step, spec.rules.min_amount, spec.rules.min_notional) == (
        D("0.01"),
        D("0.01"),
        D(0),
    )
    assert spec.to_venue_amount(D("0.25")) == D(25)
    assert spec.to_base_amount(D(25)) == D("0.25")


def test_order_types_follow_what_a_spot_market_lists():
    book = MarketBook(
        {"SOL/USDT": market(info={"orderTypes": ["LIMIT", "MARKET", "STOP_LOSS"]})},
        market_type="spot",
        precision_mode=TICK_SIZE,
    )

    assert book.by_pair("SOL-USDT").rules.order_types == frozenset({"LIMIT", "MARKET"})


@pytest.mark.parametrize(
    ("fee", "expected"),
    [
        ({"cost": 0.15, "currency": "USDT"}, D("0.15")),
        ({"cost": 0.001, "currency": "SOL"}, D("0.13125")),
        ({"cost": 0.0002, "currency": "BNB"}, D(0)),
        (None, D(0)),
    ],
)
def test_a_fee_is_valued_in_quote(fee, expected):
    book = MarketBook({"SOL/USDT": market()}, market_type="spot", precision_mode=TICK_SIZE)
    assert book.by_pair("SOL-USDT").fee_in_quote(fee, price=D("131.25")) == expected


def test_the_facade_all_matches_its_public_names():
    public = {
        name
        for name, value in vars(facade).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert sorted(facade.__all__) == sorted(public)
    assert len(set(facade.__all__)) == len(facade.__all__)


async def test_the_rate_limiter_is_always_on_and_unknown_exchanges_are_refused():
    from lpexec.venues.ccxt import Credentials, create_exchange

    credentials = Credentials(api_key="k", secret="s")
    config = {"enableRateLimit": False, "verbose": True, "timeout_on_exit": 0}
    exchange = create_exchange("binance", credentials, config=config)
    try:
        assert exchange.enableRateLimit is True and exchange.verbose is False
        assert exchange.has["fetchCurrencies"] is False
    finally:
        await exchange.close()
    with pytest.raises(ValueError, match="exchange_id: expected a ccxt exchange id"):
        create_exchange("nope-exchange", credentials)
