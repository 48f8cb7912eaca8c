"""The price driver: price paths (CSV, points, bars) into exchange steps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lpexec.paper.exchange import Liquidity, MarketNotFoundError, OrderSide, OrderType
from lpexec.paper.exchange.driver import (
    QuoteStep,
    drive,
    drive_all,
    parse_quote_csv,
    quote_steps,
    quote_steps_from_bars,
    read_quote_csv,
    touch_around,
)
from lpexec.paper.price_bars import bars_from_points
from lpexec.paper.prices import DEMO_PRICES, PricePoint, generate_gbm, read_price_csv

from .conftest import PAIR, PERP, T0, make_exchange, make_perp_exchange

D = Decimal
TICK = D("0.01")

PRICE_CSV = """# two bars
timestamp,price,volume
2026-01-01T00:00:00Z,100,5
2026-01-01T00:01:00Z,102.005,
"""
TOUCH_CSV = """timestamp,bid,ask,last,volume
1767225600,99.5,100.5,100.2,7
1767225660,101,101.5,,
"""


def test_touch_is_spread_wide_bid_floored_ask_raised_to_the_tick():
    assert touch_around(D(100), spread=D("0.002"), price_tick=TICK) == (D("99.90"), D("100.10"))
    # a price off the tick gets a one-tick touch even with no spread
    assert touch_around(D("100.005"), spread=D(0), price_tick=TICK) == (D("100.00"), D("100.01"))


@pytest.mark.parametrize("spread", [D(-1), D(1), 0.001])
def test_spread_must_be_a_ratio_in_zero_to_one(spread):
    with pytest.raises(ValueError, match="spread"):
        touch_around(D(100), spread=spread, price_tick=TICK)


def test_price_csv_becomes_steps_with_the_spread():
    steps = parse_quote_csv(PRICE_CSV, spread=D("0.002"), price_tick=TICK)
    assert steps == [
        QuoteStep(T0, D("99.90"), D("100.10"), D(100), D(5)),
        QuoteStep(T0 + dt.timedelta(minutes=1), D("101.90"), D("102.11"), D("102.005"), None),
    ]


def test_touch_csv_is_taken_as_given_and_last_defaults_to_the_mid(tmp_path):
    path = tmp_path / "touch.csv"
    path.write_text(TOUCH_CSV)
    steps = read_quote_csv(path, spread=D("0.5"), price_tick=TICK)  # spread unused here
    assert [(s.bid, s.ask, s.last, s.volume) for s in steps] == [
        (D("99.5"), D("100.5"), D("100.2"), D(7)),
        (D(101), D("101.5"), D("101.25"), None),
    ]
    assert steps[0].timestamp == T0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timestamp,bid\n1,2\n", "timestamp, bid and ask"),
        ("timestamp,bid,ask\n1,3,2\n", "bid <= ask on line 2"),
        ("timestamp,bid,ask\n60,1,2\n0,1,2\n", "ascending order on line 3"),
        ("timestamp,bid,ask\n1,x,2\n", "bid on line 2"),
        ("# only a comment\n", "no rows"),
    ],
)
def test_bad_touch_csv_is_refused_naming_the_line(text, message):
    with pytest.raises(ValueError, match=message):
        parse_quote_csv(text, price_tick=TICK)


def test_drive_from_csv_fills_a_resting_order_at_the_step_that_reaches_it():
    # Arrange
    exchange = make_exchange(quote=None)
    exchange.place("b", PAIR, OrderSide.BUY, OrderType.LIMIT, D(1), D("99.90"))
    steps = parse_quote_csv(PRICE_CSV, spread=D("0.002"), price_tick=TICK)
    # Act
    played = list(drive(exchange, PAIR, steps))
    # Assert: the first step's ask 100.10 does not reach 99.90; nothing later does either
    assert [fills for _, fills in played] == [[], []]
    low = [QuoteStep(T0 + dt.timedelta(minutes=2), D("99.80"), D("99.90"), D("99.85"))]
    summary = drive_all(exchange, PAIR, low)
    (fill,) = summary.fills
    assert (fill.price, fill.liquidity, fill.filled_at) == (
        D("99.90"),
        Liquidity.MAKER,
        low[0].timestamp,
    )
    assert summary.steps == 1 and summary.last == low[0]
    assert exchange.market(PAIR).quote.last == D("99.85")


def test_drive_the_demo_path_moves_the_market_to_each_bar():
    exchange = make_exchange(quote=None)
    points = read_price_csv(DEMO_PRICES)
    summary = drive_all(exchange, PAIR, quote_steps(points, price_tick=TICK))
    quote = exchange.market(PAIR).quote
    assert summary.steps == len(points)
    assert quote.last == points[-1].price and quote.ts_event == points[-1].timestamp
    assert quote.bid <= points[-1].price <= quote.ask


def test_bars_and_points_give_the_same_steps():
    points = generate_gbm(start_price=D(150), steps=20, seed=3, start=T0, mean_volume=D(1000))
    from_points = list(quote_steps(points, price_tick=TICK))
    from_bars = list(quote_steps_from_bars(bars_from_points(points, size=7), price_tick=TICK))
    assert [(s.timestamp, s.bid, s.ask, s.last) for s in from_bars] == [
        (s.timestamp, s.bid, s.ask, s.last) for s in from_points
    ]


def test_driving_a_perpetual_settles_funding_on_the_step_times():
    exchange = make_perp_exchange(funding_rate=D("0.001"))
    exchange.place("l", PERP, OrderSide.BUY, OrderType.MARKET, D(1))
    points = [PricePoint(T0 + dt.timedelta(minutes=30 * i), D(100)) for i in range(1, 6)]
    drive_all(exchange, PERP, quote_steps(points, spread=D(0), price_tick=TICK))
    assert [p.ts.hour for p in exchange.funding_payments()] == [1, 2]  # 150 minutes passed


def test_drive_an_unknown_pair_is_refused_before_any_step():
    with pytest.raises(MarketNotFoundError):
        next(drive(make_exchange(), "BTC-USDC", []))
